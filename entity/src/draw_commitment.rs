use sea_orm::entity::prelude::*;

/// Random bytes fixed for a review's next draw round, shown by their commitment before the
/// witness types the nonce; used up by that round.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "draw_commitments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub review_id: Uuid,
    /// Hex of the 32 random bytes: never shown until a round reveals them.
    pub server_random: String,
    /// Hex SHA-256 commitment (`rules::draw::commitment_of`).
    pub commitment: String,
    pub committed_at: DateTimeUtc,
    pub committed_by: Option<Uuid>,
    /// When a round used it (the round names it by `panel_draws.commitment_id`).
    pub used_at: Option<DateTimeUtc>,
}

no_relations!();
