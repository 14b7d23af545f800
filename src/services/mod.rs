//! One module per domain: reads and writes in transactions, calling the pure rules.
//! Every service function checks who may call it, so the GraphQL layer stays thin and the
//! CLI gets the same rules.

pub mod amounts;
pub mod annual_lists;
pub mod appraisals;
pub mod assessment;
pub mod audit_log;
pub mod audits;
pub mod bulk;
pub mod city_summaries;
pub mod consultancies;
pub(crate) mod credit_codes;
pub mod delegation;
pub mod demo;
pub mod directory;
pub mod documents;
pub mod draw;
pub mod enterprises;
pub mod events;
pub mod expert_pool;
pub mod expert_year;
pub mod experts;
pub mod exports;
pub mod figures;
pub mod import;
pub mod notices;
pub mod notifications;
pub mod opinion_sheets;
pub mod pagination;
pub mod panels;
pub mod positional;
pub mod publications;
pub mod ranking;
pub mod recheck_confirmation;
pub mod rechecks;
pub mod reference;
pub mod reports;
pub mod sign_in_sheet;
pub mod summary;
pub mod text;
pub mod training;
pub mod users;
pub(crate) mod versioned;
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
    /// Where the draw reports what it did (the HTTP layer exports it as Prometheus metrics).
    pub metrics: Arc<dyn ServiceMetrics>,
    pub published_rankings: ranking::PublishedRankings,
    /// Who recently seen tokens belong to (see `auth::principals`).
    pub principals: crate::auth::principals::PrincipalCache,
    /// The expert pool as last read (see `expert_pool`).
    pub expert_pool: expert_pool::PoolCache,
    /// Draws waiting to be drawn together (see `draw::DrawQueue`).
    pub draw_queue: draw::DrawQueue,
    /// The draw's view of the pool last drawn from (see `draw::DrawIndex`).
    pub draw_index: draw::DrawIndexCache,
    /// Where the documents' bytes are kept.
    pub documents: documents::ObjectStoreHandle,
    /// Where events go once their transaction commits (see `events`).
    pub events: Arc<dyn events::EventSink>,
    /// Notifications fanned out to this process's live subscribers (see
    /// `notifications::live`).
    pub live: notifications::live::LiveNotifications,
}

/// The services' counters (draws, deliveries), kept by whoever runs the services (the
/// server's `/metrics`), so the services need not know how they are exported.
pub trait ServiceMetrics: Send + Sync {
    /// One draw (or replacement) and how it ended: "drawn", "replaced", "retried", "conflict"…
    fn observe_draw(&self, kind: &str, outcome: &str);
    /// How many draws one transaction wrote together.
    fn observe_draw_batch(&self, size: usize);
    /// One try of a notification's delivery on a channel and how it ended: "sent", "retry",
    /// "failed", "interrupted".
    fn observe_delivery(&self, channel: &str, outcome: &str);
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

/// The first and last days of `year`; BAD_INPUT on `field` when the calendar has no such year.
pub(crate) fn year_bounds(field: &str, year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(first), Some(last)) => Ok((first, last)),
        _ => Err(AppError::bad_input(field, "is out of range")),
    }
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

/// The row of `E` with this id, or NOT_FOUND naming it `type_name` (the API's name for it).
pub async fn find_or_not_found<E>(
    db: &impl sea_orm::ConnectionTrait,
    type_name: &'static str,
    id: uuid::Uuid,
) -> AppResult<E::Model>
where
    E: sea_orm::EntityTrait,
    E::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = uuid::Uuid>,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(type_name, id))
}

/// Batch reads that check no viewer, beside the domains' own `unguarded` modules: the
/// loaders call them for rows whose types check access when they resolve.
pub mod unguarded {
    pub use super::keyed_by_id;
}

/// Rows by their ids, for the loaders: one query for any number of them.
pub async fn keyed_by_id<E: sea_orm::EntityTrait>(
    db: &impl sea_orm::ConnectionTrait,
    ids: &[uuid::Uuid],
) -> AppResult<std::collections::HashMap<uuid::Uuid, E::Model>> {
    use sea_orm::QueryFilter;
    let id_column = id_column::<E>()?;
    let rows = E::find()
        .filter(bulk::among(
            db.get_database_backend(),
            id_column,
            ids.iter().copied(),
        ))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| Ok((uuid_of::<E>(&row, id_column)?, row)))
        .collect()
}

/// The rows of many owners (an expert's conflicts, a panel's seats) in one query, each
/// owner's in `order`: what the loaders of a parent's children read.
pub async fn owned_by<E: sea_orm::EntityTrait>(
    db: &impl sea_orm::ConnectionTrait,
    owner_column: E::Column,
    owner_ids: &[uuid::Uuid],
    order: impl IntoIterator<Item = E::Column>,
) -> AppResult<std::collections::HashMap<uuid::Uuid, Vec<E::Model>>> {
    use sea_orm::{QueryFilter, QueryOrder};
    let mut query = E::find().filter(bulk::among(
        db.get_database_backend(),
        owner_column,
        owner_ids.iter().copied(),
    ));
    for column in order {
        query = query.order_by_asc(column);
    }
    let mut map: std::collections::HashMap<uuid::Uuid, Vec<E::Model>> =
        std::collections::HashMap::new();
    for row in query.all(db).await? {
        map.entry(uuid_of::<E>(&row, owner_column)?)
            .or_default()
            .push(row);
    }
    Ok(map)
}

/// The loaders' one-to-many reads ([`owned_by`]), one line each: the read's name, the child
/// table, the column naming the owner and the children's order, as in
/// `reviews_of: review by AuditId, ordered by Id;`. The table's module must be in scope.
macro_rules! owned_by_reads {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $table:ident by $owner:ident, ordered by $($order:ident),+;
    )*) => {$(
        $(#[doc = $doc])*
        pub async fn $name(
            db: &impl sea_orm::ConnectionTrait,
            owner_ids: &[uuid::Uuid],
        ) -> crate::error::AppResult<std::collections::HashMap<uuid::Uuid, Vec<$table::Model>>> {
            crate::services::owned_by::<$table::Entity>(
                db,
                $table::Column::$owner,
                owner_ids,
                [$($table::Column::$order),+],
            )
            .await
        }
    )*};
}
pub(crate) use owned_by_reads;

/// The tags of many owners (an expert's sectors, a session's topics) in one query, each
/// owner's sorted.
pub async fn tags_of<E, T>(
    db: &impl sea_orm::ConnectionTrait,
    owner_column: E::Column,
    tag_column: E::Column,
    owner_ids: &[uuid::Uuid],
) -> AppResult<std::collections::HashMap<uuid::Uuid, Vec<T>>>
where
    E: sea_orm::EntityTrait,
    T: sea_orm::TryGetable + Ord,
{
    use sea_orm::{QueryFilter, QuerySelect};
    let pairs: Vec<(uuid::Uuid, T)> = E::find()
        .select_only()
        .column(owner_column)
        .column(tag_column)
        .filter(bulk::among(
            db.get_database_backend(),
            owner_column,
            owner_ids.iter().copied(),
        ))
        .into_tuple()
        .all(db)
        .await?;
    Ok(sorted_tags(pairs))
}

/// Whether a row of `E` other than `except` already has `value` in `column` (a credit code,
/// an ID card's keyed hash): what a registration unique by it checks before it writes.
pub async fn taken_by_another<E: sea_orm::EntityTrait>(
    db: &impl sea_orm::ConnectionTrait,
    column: E::Column,
    value: &str,
    except: Option<uuid::Uuid>,
) -> AppResult<bool> {
    use sea_orm::QueryFilter;
    let mut query = E::find().filter(column.eq(value));
    if let Some(id) = except {
        query = query.filter(id_column::<E>()?.ne(id));
    }
    Ok(query.one(db).await?.is_some())
}

/// The column of an entity's UUID primary key.
fn id_column<E: sea_orm::EntityTrait>() -> AppResult<E::Column> {
    use sea_orm::{Iterable, PrimaryKeyToColumn};
    E::PrimaryKey::iter()
        .next()
        .map(PrimaryKeyToColumn::into_column)
        .ok_or_else(|| AppError::internal("an entity without a primary key"))
}

/// The id of a row of an entity keyed by a UUID.
pub(crate) fn id_of<E: sea_orm::EntityTrait>(row: &E::Model) -> AppResult<uuid::Uuid> {
    uuid_of::<E>(row, id_column::<E>()?)
}

/// The UUID a row holds in `column` (its id, its owner's id).
fn uuid_of<E: sea_orm::EntityTrait>(row: &E::Model, column: E::Column) -> AppResult<uuid::Uuid> {
    use sea_orm::{IdenStatic, ModelTrait};
    <uuid::Uuid as sea_orm::sea_query::ValueType>::try_from(row.get(column))
        .map_err(|_| AppError::internal(format!("{} is not a UUID", column.as_str())))
}

/// Groups (owner, tag) pairs into each owner's sorted tags: sectors, kinds, audiences, topics.
pub fn sorted_tags<T: Ord>(
    pairs: impl IntoIterator<Item = (uuid::Uuid, T)>,
) -> std::collections::HashMap<uuid::Uuid, Vec<T>> {
    let mut map: std::collections::HashMap<uuid::Uuid, Vec<T>> = std::collections::HashMap::new();
    for (owner, tag) in pairs {
        map.entry(owner).or_default().push(tag);
    }
    for tags in map.values_mut() {
        tags.sort_unstable();
    }
    map
}

#[cfg(test)]
mod tests {
    use super::{is_constant, is_not_constant};
    use entity::{audit, panel_seat};
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

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
