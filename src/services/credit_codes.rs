//! Registrants known by their unified social credit code (统一社会信用代码): enterprises and
//! consultancies. No two registrants of one kind share a code: the check runs inside the
//! write's transaction, so a taken code is a clear CONFLICT, and a unique index on the column
//! stops two writers that check at once.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::error::{AppError, AppResult};

use super::versioned::{self, Versioned};

/// A versioned registrant table with a credit code column.
pub(crate) trait CreditCoded: Versioned {
    /// What a registration that finds its code taken is told.
    fn code_taken() -> AppError;
    fn credit_code_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
}

impl CreditCoded for entity::enterprise::Entity {
    fn code_taken() -> AppError {
        AppError::conflict("an enterprise with this credit code is already registered")
    }
    fn credit_code_column() -> Self::Column {
        entity::enterprise::Column::CreditCode
    }
    fn updated_at_column() -> Self::Column {
        entity::enterprise::Column::UpdatedAt
    }
}

impl CreditCoded for entity::consultancy::Entity {
    fn code_taken() -> AppError {
        AppError::conflict("a consultancy with this credit code is already registered")
    }
    fn credit_code_column() -> Self::Column {
        entity::consultancy::Column::CreditCode
    }
    fn updated_at_column() -> Self::Column {
        entity::consultancy::Column::UpdatedAt
    }
}

/// CONFLICT when a registrant of `E` other than `except` already has `code`.
pub(crate) async fn require_free<E: CreditCoded>(
    txn: &impl ConnectionTrait,
    code: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    if super::taken_by_another::<E>(txn, E::credit_code_column(), code, except).await? {
        return Err(E::code_taken());
    }
    Ok(())
}

/// Ends the edit of registrant `id` read at `version`: bumps its version, checks that a
/// changed credit code (`new_code`) is still free and commits as `versioned::commit_update`.
pub(crate) async fn commit_update<E: CreditCoded>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    names: (&str, &str),
    mut active: E::ActiveModel,
    (id, version): (Uuid, i32),
    new_code: Option<&str>,
    summary: impl FnOnce(&E::Model) -> serde_json::Value,
) -> AppResult<E::Model> {
    active.try_set(E::version_column(), (version + 1).into())?;
    active.try_set(E::updated_at_column(), Utc::now().into())?;
    let txn = begin_write(db).await?;
    if let Some(code) = new_code {
        require_free::<E>(&txn, code, Some(id)).await?;
    }
    versioned::commit_update::<E>(txn, viewer, names, active, (id, version), summary).await
}
