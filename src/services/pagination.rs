//! Keyset pagination over UUID v7 ids (time-ordered, unique), the order every growing list
//! is read in, so pages stay stable while rows are added.

use sea_orm::sea_query::{Expr, Query, QueryStatementBuilder};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;

#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<Uuid>,
    /// Whether to count the whole list: a statement of its own, skipped when nobody asks.
    pub count_total: bool,
    /// Newest first (an inbox) instead of oldest first; `after` then pages back in time.
    pub newest_first: bool,
}

impl PageRequest {
    /// Validates `first` against the configured maximum.
    pub fn new(first: Option<i32>, after: Option<Uuid>, max: u64) -> AppResult<PageRequest> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE.min(max),
            Some(n) => page_size(n, max)?,
        };
        Ok(PageRequest {
            first,
            after,
            count_total: true,
            newest_first: false,
        })
    }
}

#[derive(Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: u64,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            total_count: self.total_count,
        }
    }
}

/// One page of a list computed in memory (a report), keyed like the database pages: the
/// items must be in ascending key order.
pub fn page_in_memory<T>(items: Vec<T>, key: impl Fn(&T) -> Uuid, page: PageRequest) -> Page<T> {
    let total_count = items.len() as u64;
    let mut rest: Vec<T> = match page.after {
        Some(after) => items.into_iter().filter(|i| key(i) > after).collect(),
        None => items,
    };
    let first = usize::try_from(page.first).unwrap_or(usize::MAX);
    let has_next_page = rest.len() > first;
    rest.truncate(first);
    Page {
        items: rest,
        has_next_page,
        has_previous_page: page.after.is_some(),
        total_count,
    }
}

/// Runs one page of `select` (already filtered) ordered by `id_column`.
///
/// A first page counts the whole list in the same statement, as an uncorrelated subquery
/// over the same filtered select (run once; a window count would stop both databases from
/// sorting only the page's rows); a later page, whose cursor narrows the rows, counts in a
/// statement of its own.
pub async fn fetch_page<E, C>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    id_column: C,
    page: PageRequest,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ColumnTrait,
{
    let limit = page.first + 1;
    let order = if page.newest_first {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let (mut items, total_count) = match page.after {
        None if page.count_total => {
            let count = Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from_subquery(select.clone().into_query(), "counted")
                .to_owned();
            let count = Expr::SubQuery(None, Box::new(count.into_sub_query_statement()));
            let rows = select
                .column_as(count, TOTAL_COUNT)
                .order_by(id_column, order.clone())
                .limit(limit)
                .into_model::<Counted<E::Model>>()
                .all(db)
                .await?;
            let total = rows.first().map_or(0, |r| r.total);
            let items: Vec<E::Model> = rows.into_iter().map(|r| r.model).collect();
            (items, u64::try_from(total).unwrap_or(0))
        }
        None => {
            let items = select
                .order_by(id_column, order.clone())
                .limit(limit)
                .all(db)
                .await?;
            (items, 0)
        }
        Some(after) => {
            let total_count = if page.count_total {
                select.clone().count(db).await?
            } else {
                0
            };
            let beyond = if page.newest_first {
                id_column.lt(after)
            } else {
                id_column.gt(after)
            };
            let items = select
                .filter(beyond)
                .order_by(id_column, order)
                .limit(limit)
                .all(db)
                .await?;
            (items, total_count)
        }
    };
    let has_next_page = items.len() as u64 > page.first;
    items.truncate(page.first as usize);
    Ok(Page {
        items,
        has_next_page,
        has_previous_page: page.after.is_some(),
        total_count,
    })
}

const TOTAL_COUNT: &str = "cleanprod_total_count";

/// A row of a first page with the count of the whole list beside it.
struct Counted<M> {
    model: M,
    total: i64,
}

impl<M: FromQueryResult> FromQueryResult for Counted<M> {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Counted {
            model: M::from_query_result(row, pre)?,
            total: row.try_get(pre, TOTAL_COUNT)?,
        })
    }
}

/// `first` checked against the configured maximum.
fn page_size(first: i32, max: u64) -> AppResult<u64> {
    let first =
        u64::try_from(first).map_err(|_| AppError::bad_input("first", "must not be negative"))?;
    if first > max {
        return Err(AppError::bad_input(
            "first",
            format!("must be at most {max}"),
        ));
    }
    Ok(first)
}

/// The slice of a fixed, ordered document (a published ranking) a page asks for: `first`
/// lines from `offset`, or every line from `offset` when `first` is absent. Such a document
/// does not change, so a position is a stable place to page from.
pub fn offset_window(
    total: usize,
    first: Option<i32>,
    offset: i32,
    max: u64,
) -> AppResult<std::ops::Range<usize>> {
    let offset = usize::try_from(offset)
        .map_err(|_| AppError::bad_input("offset", "must not be negative"))?;
    let first = match first {
        None => usize::MAX,
        Some(n) => usize::try_from(page_size(n, max)?).unwrap_or(usize::MAX),
    };
    let start = offset.min(total);
    Ok(start..start.saturating_add(first).min(total))
}

#[cfg(test)]
mod window_tests {
    use super::*;

    fn field_of(e: AppError) -> String {
        match e {
            AppError::BadUserInput { field, .. } => field,
            other => panic!("not a bad-input error: {other:?}"),
        }
    }

    #[test]
    fn whole_document_without_first() {
        assert_eq!(offset_window(200, None, 0, 100).ok(), Some(0..200));
        assert_eq!(offset_window(200, None, 150, 100).ok(), Some(150..200));
    }

    #[test]
    fn a_page_stops_at_the_end() {
        assert_eq!(offset_window(200, Some(50), 0, 100).ok(), Some(0..50));
        assert_eq!(offset_window(200, Some(50), 180, 100).ok(), Some(180..200));
        assert_eq!(offset_window(200, Some(50), 500, 100).ok(), Some(200..200));
        assert_eq!(offset_window(200, Some(0), 10, 100).ok(), Some(10..10));
    }

    #[test]
    fn refuses_negative_and_oversized_pages() {
        assert_eq!(
            field_of(offset_window(10, Some(5), -1, 100).unwrap_err()),
            "offset"
        );
        assert_eq!(
            field_of(offset_window(10, Some(-1), 0, 100).unwrap_err()),
            "first"
        );
        assert_eq!(
            field_of(offset_window(10, Some(101), 0, 100).unwrap_err()),
            "first"
        );
    }
}
