//! Optimistic concurrency, written once: a row carries a `version`; a client sends the version
//! it read; a write that finds another version answers CONFLICT ("changed meanwhile") and
//! writes nothing.
//!
//! Two checks guard each edit. [`expect_version`] compares the version the client read with
//! the row as the service read it, so a stale form is refused before any work. The write
//! itself is conditional ([`update_if_version`]): `UPDATE … WHERE id = ? AND version = ?`, so
//! a writer that got there between the read and the write makes it fail rather than be lost.

use sea_orm::sea_query::SimpleExpr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

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

/// Writes `active` to row `id` only while it still has `version` and meets `also` (e.g. a
/// status the change requires); answers whether it did. For callers that tell apart why a
/// write did not happen; the others use [`update_if_version`].
pub(crate) async fn write_if_version<E: Versioned>(
    db: &impl ConnectionTrait,
    active: E::ActiveModel,
    id: Uuid,
    version: i32,
    also: impl IntoIterator<Item = SimpleExpr>,
) -> AppResult<bool> {
    let mut update = E::update_many()
        .set(active)
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(version));
    for condition in also {
        update = update.filter(condition);
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// [`write_if_version`], with "changed meanwhile" when the row moved on; answers the row as
/// written.
pub(crate) async fn update_if_version<E: Versioned>(
    db: &impl ConnectionTrait,
    active: E::ActiveModel,
    id: Uuid,
    version: i32,
    also: impl IntoIterator<Item = SimpleExpr>,
) -> AppResult<E::Model> {
    if !write_if_version::<E>(db, active, id, version, also).await? {
        return Err(changed_meanwhile::<E>());
    }
    E::find()
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(format!("the {} just written is gone", E::NOUN)))
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
