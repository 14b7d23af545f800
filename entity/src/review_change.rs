use sea_orm::entity::prelude::*;

/// A change to a review's meeting details (start, venue, contact, note).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub review_id: Uuid,
    pub changed_at: DateTimeUtc,
    pub changed_by: Option<Uuid>,
    /// Made after the panel was drawn: the seated experts are told.
    pub after_draw: bool,
    /// JSON object: field → { "before", "after" }.
    pub changes: String,
}

no_relations!();
