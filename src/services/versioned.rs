//! Optimistic concurrency, written once: a row carries a `version`; a client sends the version
//! it read; a write that finds another version answers CONFLICT ("changed meanwhile") and
//! writes nothing.
//!
//! Two checks guard each edit. [`expect_version`] compares the version the client read with
//! the row as the service read it, so a stale form is refused before any work. The write
//! itself is conditional ([`update_if_version`]): `UPDATE … WHERE id = ? AND version = ?`, so
//! a writer that got there between the read and the write makes it fail rather than be lost.
//! [`write_guarded`] is that conditional write under any guard, for rows without a version.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Nullable, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, UpdateMany,
    Value,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::{WriteTxn, begin_write};
use crate::domain::{ConsultancyStatus, ExpertStatus};
use crate::error::{AppError, AppResult};

use super::audit_log;

/// An entity edited under optimistic concurrency.
pub(crate) trait Versioned: EntityTrait {
    /// What the conflict message calls a row ("the expert was changed meanwhile").
    const NOUN: &'static str;
    fn id_column() -> Self::Column;
    fn version_column() -> Self::Column;
}

/// The conflict of a stale version; nothing was written.
pub(crate) fn changed_meanwhile<E: Versioned>() -> AppError {
    AppError::conflict(format!(
        "the {} was changed meanwhile; reload and retry",
        E::NOUN
    ))
}

/// Refuses an edit made from a version other than the row's current one.
pub(crate) fn expect_version<E: Versioned>(current: i32, expected: i32) -> AppResult<()> {
    if current == expected {
        return Ok(());
    }
    Err(AppError::conflict(format!(
        "the {} was changed meanwhile (version {} now, {} expected); reload and retry",
        E::NOUN,
        current,
        expected
    )))
}

/// Runs `update`, a write guarded by its filters (what the row must still be: its version, a
/// status), and answers CONFLICT with `conflict()` when it wrote no row: another writer came
/// first and nothing was written. Rows without a version guard their writes this way too.
pub(crate) async fn write_guarded<E: EntityTrait>(
    db: &impl ConnectionTrait,
    update: UpdateMany<E>,
    conflict: impl FnOnce() -> AppError,
) -> AppResult<()> {
    if wrote_one(db, update).await? {
        Ok(())
    } else {
        Err(conflict())
    }
}

/// Whether the guarded `update` wrote its one row; for callers to whom a write that did not
/// happen is an answer (no place left, no longer announced) rather than a conflict.
pub(crate) async fn wrote_one<E: EntityTrait>(
    db: &impl ConnectionTrait,
    update: UpdateMany<E>,
) -> AppResult<bool> {
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// The write of `active` to row `id` guarded by `version` and `also` (e.g. a status the
/// change requires).
fn version_guarded<E: Versioned>(
    active: E::ActiveModel,
    id: Uuid,
    version: i32,
    also: impl IntoIterator<Item = SimpleExpr>,
) -> UpdateMany<E> {
    let mut update = E::update_many()
        .set(active)
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(version));
    for condition in also {
        update = update.filter(condition);
    }
    update
}

/// Writes `active` to row `id` only while it still has `version` and meets `also`; answers
/// whether it did. For callers that tell apart why a write did not happen; the others use
/// [`write_if_version_or_conflict`] or [`update_if_version`].
pub(crate) async fn write_if_version<E: Versioned>(
    db: &impl ConnectionTrait,
    active: E::ActiveModel,
    id: Uuid,
    version: i32,
    also: impl IntoIterator<Item = SimpleExpr>,
) -> AppResult<bool> {
    wrote_one(db, version_guarded::<E>(active, id, version, also)).await
}

/// [`write_if_version`], with "changed meanwhile" when the row moved on.
pub(crate) async fn write_if_version_or_conflict<E: Versioned>(
    db: &impl ConnectionTrait,
    active: E::ActiveModel,
    id: Uuid,
    version: i32,
    also: impl IntoIterator<Item = SimpleExpr>,
) -> AppResult<()> {
    let update = version_guarded::<E>(active, id, version, also);
    write_guarded(db, update, changed_meanwhile::<E>).await
}

/// [`write_if_version_or_conflict`]; answers the row as written.
pub(crate) async fn update_if_version<E: Versioned>(
    db: &impl ConnectionTrait,
    active: E::ActiveModel,
    id: Uuid,
    version: i32,
    also: impl IntoIterator<Item = SimpleExpr>,
) -> AppResult<E::Model> {
    write_if_version_or_conflict::<E>(db, active, id, version, also).await?;
    E::find()
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("the {} just written is gone", E::NOUN)))
}

/// Ends a versioned edit: writes `active` to row `id` while it still has `version` (see
/// [`update_if_version`]) and commits it with its entry in the audit log, which names the row
/// and takes its summary from the row as written.
pub(crate) async fn commit_update<E: Versioned>(
    txn: WriteTxn,
    viewer: &Viewer,
    (operation, entity_type): (&str, &str),
    active: E::ActiveModel,
    (id, version): (Uuid, i32),
    summary: impl FnOnce(&E::Model) -> serde_json::Value,
) -> AppResult<E::Model> {
    let updated = update_if_version::<E>(&txn, active, id, version, None).await?;
    audit_log::commit_row(txn, viewer, (operation, entity_type), id, updated, summary).await
}

macro_rules! versioned {
    ($($module:ident => $noun:literal),* $(,)?) => {$(
        impl Versioned for entity::$module::Entity {
            const NOUN: &'static str = $noun;
            fn id_column() -> Self::Column {
                entity::$module::Column::Id
            }
            fn version_column() -> Self::Column {
                entity::$module::Column::Version
            }
        }
    )*};
}

versioned! {
    annual_audit_list => "list",
    audit => "audit",
    consultancy => "consultancy",
    enterprise => "enterprise",
    expert => "expert",
    improvement_option => "option",
    opinion_sheet => "opinion sheet",
    panel_seat => "seat",
    training_plan => "plan",
    training_session => "session",
}

/// A versioned row whose status changes are kept, each with who made it and why, in a
/// history table of its own; the histories share their columns but the one naming the row.
pub(crate) trait StatusTracked: Versioned {
    type Status: Copy + Into<Value> + Nullable + Into<&'static str>;
    type History: EntityTrait;
    /// What the audit log calls the row ("Expert").
    const ENTITY_TYPE: &'static str;
    fn status_column() -> Self::Column;
    fn history_row(
        change: StatusChange<Self::Status>,
    ) -> <Self::History as EntityTrait>::ActiveModel;
}

/// One row of a status history.
pub(crate) struct StatusChange<S> {
    pub id: Uuid,
    /// The row whose status changed.
    pub subject_id: Uuid,
    pub from: Option<S>,
    pub to: S,
    pub reason: String,
    pub actor_id: Option<Uuid>,
    pub changed_at: DateTime<Utc>,
}

/// Keeps the viewer's change of row `subject_id` from `from` to `to` in its history.
pub(crate) async fn record_status_change<E: StatusTracked>(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    subject_id: Uuid,
    from: Option<E::Status>,
    to: E::Status,
    reason: &str,
) -> AppResult<()> {
    let row = E::history_row(StatusChange {
        id: Uuid::now_v7(),
        subject_id,
        from,
        to,
        reason: reason.to_owned(),
        actor_id: viewer.user_id(),
        changed_at: Utc::now(),
    });
    E::History::insert(row).exec_without_returning(txn).await?;
    Ok(())
}

/// Writes `active` (the row at `version`, now with status `to`) only while row `id` is still
/// at `version` and in status `from`, keeps the change in the history and commits it with
/// its `operation` in the audit log.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn commit_status_change<E: StatusTracked>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    operation: &str,
    active: E::ActiveModel,
    id: Uuid,
    version: i32,
    (from, to): (E::Status, E::Status),
    reason: &str,
) -> AppResult<E::Model> {
    let txn = begin_write(db).await?;
    let in_from = E::status_column().eq(from);
    let updated = update_if_version::<E>(&txn, active, id, version, [in_from]).await?;
    record_status_change::<E>(&txn, viewer, id, Some(from), to, reason).await?;
    let (from, to): (&str, &str) = (from.into(), to.into());
    audit_log::commit(
        txn,
        viewer,
        operation,
        E::ENTITY_TYPE,
        Some(id.to_string()),
        json!({ "from": from, "to": to, "reason": reason }),
    )
    .await?;
    Ok(updated)
}

macro_rules! status_tracked {
    ($($module:ident: $status:ty, $entity_type:literal => $history:ident.$subject:ident),* $(,)?) => {$(
        impl StatusTracked for entity::$module::Entity {
            type Status = $status;
            type History = entity::$history::Entity;
            const ENTITY_TYPE: &'static str = $entity_type;
            fn status_column() -> Self::Column {
                entity::$module::Column::Status
            }
            fn history_row(change: StatusChange<$status>) -> entity::$history::ActiveModel {
                entity::$history::ActiveModel {
                    id: Set(change.id),
                    $subject: Set(change.subject_id),
                    from_status: Set(change.from),
                    to_status: Set(change.to),
                    reason: Set(change.reason),
                    actor_id: Set(change.actor_id),
                    changed_at: Set(change.changed_at),
                }
            }
        }
    )*};
}

status_tracked! {
    consultancy: ConsultancyStatus, "Consultancy" => consultancy_status_change.consultancy_id,
    expert: ExpertStatus, "Expert" => expert_status_change.expert_id,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_version_names_both_versions_and_the_row() {
        assert!(expect_version::<entity::expert::Entity>(3, 3).is_ok());
        let err = expect_version::<entity::expert::Entity>(4, 3).unwrap_err();
        assert_eq!(err.code(), "CONFLICT");
        assert_eq!(
            err.client_message(),
            "the expert was changed meanwhile (version 4 now, 3 expected); reload and retry"
        );
        assert_eq!(
            changed_meanwhile::<entity::training_plan::Entity>().client_message(),
            "the plan was changed meanwhile; reload and retry"
        );
    }
}
