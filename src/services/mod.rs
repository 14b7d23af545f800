//! One module per domain: reads and writes in transactions, calling the pure rules.
//! Every service function checks who may call it, so the GraphQL layer stays thin and the
//! CLI gets the same rules.

pub mod amounts;
pub mod annual_lists;
pub mod appraisals;
pub mod audit_log;
pub mod audits;
pub mod consultancies;
pub mod demo;
pub mod draw_queue;
pub mod enterprises;
pub mod expert_pool;
pub mod expert_year;
pub mod experts;
pub mod import;
pub mod pagination;
pub mod panels;
pub mod ranking;
pub mod rechecks;
pub mod reference;
pub mod reports;
pub mod summary;
pub mod text;
pub mod training;
pub mod users;
pub mod violations;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, Value};
use std::str::FromStr;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};

use crate::auth::token::TokenKeys;
use crate::config::Config;
use crate::crypto::DataKeys;
use crate::error::{AppError, AppResult};
use crate::http::metrics::Metrics;
use crate::rules::deadlines::today_in_china;
use crate::rules::mandatory::CatalogRow;

/// What a service needs besides the viewer: the database and the settings and reference
/// data loaded once at start-up.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub catalog: Arc<Vec<CatalogRow>>,
    /// The 11 cities, read once at start-up (they come with the migrations).
    pub cities: Arc<Vec<entity::city::Model>>,
    pub keys: Arc<TokenKeys>,
    pub data_keys: Arc<DataKeys>,
    pub metrics: Arc<Metrics>,
    pub published_rankings: ranking::PublishedRankings,
    /// Who recently seen tokens belong to (see `auth::principals`).
    pub principals: crate::auth::principals::PrincipalCache,
    /// The expert pool as last read (see `expert_pool`).
    pub expert_pool: expert_pool::PoolCache,
    /// Draws waiting to be drawn together (see `draw_queue`).
    pub draw_queue: draw_queue::DrawQueue,
}

/// The most rows one multi-row INSERT of a batch of draws takes.
pub const MAX_INSERT_CHUNK: usize = 64;

/// How `rows` rows are split into multi-row statements: as many of [`MAX_INSERT_CHUNK`] as
/// fit, then the rest by powers of two, largest first (85 rows: 64, 16, 4, 1). Each
/// statement's text is prepared once per connection and kept (sqlx keeps 100 per
/// connection), so the sizes are few: seven per table, whatever the batch. A statement per
/// batch size would be one more prepared statement each, some of hundreds of kilobytes on
/// SQLite (a seat updates seven indexes), held by every connection of the pool. Few
/// statements per batch matter on PostgreSQL, where each is a round trip.
pub fn chunk_sizes(rows: usize) -> impl Iterator<Item = usize> {
    let full = std::iter::repeat_n(MAX_INSERT_CHUNK, rows / MAX_INSERT_CHUNK);
    let rest = rows % MAX_INSERT_CHUNK;
    let powers = (0..usize::BITS)
        .rev()
        .map(|bit| 1usize << bit)
        .filter(move |size| rest & size != 0);
    full.chain(powers)
}

/// `values` padded to a power of two by repeating the last one, for an `IN (…)` list. Lists
/// of any length then take few statement texts (1, 2, 4, … values), which stay prepared
/// (sqlx keeps 100 per connection) instead of pushing a batch's large inserts out; an
/// uncached statement costs PostgreSQL a parse and one more round trip. A value repeated in
/// an `IN` list changes nothing.
pub fn padded_for_in<T: Clone>(mut values: Vec<T>) -> Vec<T> {
    if let Some(last) = values.last().cloned() {
        values.resize(values.len().next_power_of_two(), last);
    }
    values
}

/// Inserts `rows` in multi-row statements sized by [`chunk_sizes`], in order.
pub async fn insert_chunked<A>(
    db: &impl sea_orm::ConnectionTrait,
    rows: Vec<A>,
) -> Result<(), sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter();
    for size in chunk_sizes(rows.len()) {
        let chunk: Vec<A> = rows.by_ref().take(size).collect();
        <A::Entity as sea_orm::EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// `column = constant`, with a constant of the code (a status, a flag) written into the SQL
/// instead of bound. Use it where a partial index's predicate names the same constant:
/// SQLite ties a statement that compares a bound value with such a predicate to that value
/// and prepares it again on every run; with the constant in the text it is prepared once.
pub fn is_constant(column: impl ColumnTrait, constant: impl Into<Value>) -> Expr {
    Expr::col(column.as_column_ref()).eq(Expr::Constant(constant.into()))
}

/// `column <> constant`, for the same reason as [`is_constant`].
pub fn is_not_constant(column: impl ColumnTrait, constant: impl Into<Value>) -> Expr {
    Expr::col(column.as_column_ref()).ne(Expr::Constant(constant.into()))
}

/// Reads an enum stored by name; an unknown name is the database's fault, not the client's.
pub fn parse_stored<T: FromStr>(what: &str, value: &str) -> AppResult<T> {
    value
        .parse()
        .map_err(|_| AppError::internal(format!("stored {what} {value:?} is unknown")))
}

/// Today in China Standard Time, the calendar every deadline is reckoned in.
pub fn today() -> NaiveDate {
    today_in_china(Utc::now())
}

/// A date that records something that has happened: not after today (China Standard Time).
pub fn past_or_today(field: &str, date: NaiveDate) -> AppResult<NaiveDate> {
    if date > today() {
        return Err(AppError::bad_input(field, "must not be in the future"));
    }
    Ok(date)
}

/// Groups rows by a key, keeping their order: the shape every batch loader returns.
pub fn grouped<M>(
    rows: Vec<M>,
    key: impl Fn(&M) -> uuid::Uuid,
) -> std::collections::HashMap<uuid::Uuid, Vec<M>> {
    let mut map: std::collections::HashMap<uuid::Uuid, Vec<M>> = std::collections::HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::{MAX_INSERT_CHUNK, chunk_sizes, is_constant, is_not_constant, padded_for_in};
    use entity::{audit, panel_seat};
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    #[test]
    fn rows_are_split_into_few_statement_sizes() {
        let sizes = |n: usize| chunk_sizes(n).collect::<Vec<_>>();
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(17), [16, 1]);
        assert_eq!(sizes(85), [64, 16, 4, 1]);
        assert_eq!(sizes(200), [64, 64, 64, 8]);
        let mut seen = std::collections::BTreeSet::new();
        for n in 0..1_000 {
            let split = sizes(n);
            assert_eq!(split.iter().sum::<usize>(), n);
            assert!(split.windows(2).all(|w| w[0] >= w[1]), "largest first");
            seen.extend(split);
        }
        // Seven statement texts per table, whatever the batch.
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 32, MAX_INSERT_CHUNK]
        );
    }

    #[test]
    fn in_lists_are_padded_with_their_last_value() {
        assert_eq!(padded_for_in(Vec::<u8>::new()), Vec::<u8>::new());
        assert_eq!(padded_for_in(vec![7]), [7]);
        assert_eq!(padded_for_in(vec![1, 2, 3]), [1, 2, 3, 3]);
        assert_eq!(padded_for_in(vec![1, 2, 3, 4]), [1, 2, 3, 4]);
        let padded = padded_for_in((0..17).collect::<Vec<u32>>());
        assert_eq!(padded.len(), 32);
        assert!(padded[17..].iter().all(|v| *v == 16));
    }

    #[test]
    fn constants_are_written_into_the_sql_not_bound() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let seats = panel_seat::Entity::find()
                .filter(is_not_constant(panel_seat::Column::Status, "DECLINED"))
                .build(backend);
            assert!(
                seats
                    .sql
                    .ends_with(r#"WHERE "panel_seats"."status" <> 'DECLINED'"#),
                "{}",
                seats.sql
            );
            assert!(seats.values.is_none_or(|v| v.0.is_empty()));
            let open = audit::Entity::find()
                .filter(is_constant(audit::Column::Closed, false))
                .build(backend);
            assert!(
                open.sql.ends_with(r#"WHERE "audits"."closed" = FALSE"#),
                "{}",
                open.sql
            );
        }
    }
}
