use sea_orm::entity::prelude::*;

/// A pool that rounds were drawn from: every expert in ascending id order with their sectors
/// and kinds (`rules::draw_record`, version 1 form), stored once and named by the SHA-256 of
/// those bytes. Rounds store their lists as bits over it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "expert_pool_snapshots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// How many experts the snapshot holds.
    pub experts: i32,
    pub entries: Vec<u8>,
    pub created_at: DateTimeUtc,
}

no_relations!();
