use sea_orm::entity::prelude::*;

/// One mutation, written in the same transaction as the change it records.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub operation: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// JSON summary of the changed fields, never secrets.
    pub summary: String,
    pub created_at: DateTimeUtc,
    /// Position in the hash chain (none for entries written before the chain existed).
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    /// SHA-256 over the previous hash and this entry's fields.
    pub hash: Option<String>,
}

no_relations!();
