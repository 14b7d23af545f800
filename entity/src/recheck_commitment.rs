use sea_orm::entity::prelude::*;

/// Random bytes fixed for a year's next recheck sample, shown by their commitment before the
/// witness types the nonce; used up by that sample.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recheck_commitments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    /// Hex of the 32 random bytes: never shown until the sample reveals them.
    pub server_random: String,
    /// Hex SHA-256 commitment (`rules::draw::commitment_of`).
    pub commitment: String,
    pub committed_at: DateTimeUtc,
    pub committed_by: Option<Uuid>,
    pub used_at: Option<DateTimeUtc>,
}

no_relations!();
