//! The version and timestamps records carry, declared once and flattened into each record's
//! type (`#[graphql(flatten)]`): the schema shows them as the record's own fields.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

/// Of a record clients edit with optimistic locking.
#[derive(SimpleObject)]
pub struct EditStamps {
    /// Pass this back as `expectedVersion` when updating.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Of a record whose version only its workflow moves.
#[derive(SimpleObject)]
pub struct Stamps {
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The stamps (`EditStamps` or `Stamps`) of a model with `version`, `created_at` and
/// `updated_at` columns.
macro_rules! stamps_of {
    ($stamps:ident, $model:expr) => {
        $crate::graphql::stamps::$stamps {
            version: $model.version,
            created_at: $model.created_at,
            updated_at: $model.updated_at,
        }
    };
}
pub(crate) use stamps_of;

/// Who made a recorded change (none for the command line) and when: the `actorId` and
/// `changedAt` of a record's history entries.
#[derive(SimpleObject)]
pub struct ChangeMark {
    pub actor_id: Option<async_graphql::ID>,
    pub changed_at: DateTime<Utc>,
}

/// The change mark of a history entry's `actor_id` and `changed_at` columns.
pub fn change_mark(actor_id: Option<uuid::Uuid>, changed_at: DateTime<Utc>) -> ChangeMark {
    ChangeMark {
        actor_id: actor_id.map(super::scalars::id_of),
        changed_at,
    }
}
