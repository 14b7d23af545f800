use sea_orm::entity::prelude::*;

/// A single-use link in an invitation that accepts or declines the seat without signing in;
/// the token carries its id and expiry, signed (see `services::notifications::seat_links`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seat_response_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub seat_id: Uuid,
    pub expert_id: Uuid,
    /// The delivery (e-mail or SMS) that carried it.
    pub delivery_id: Uuid,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

no_relations!();
