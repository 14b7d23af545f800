use sea_orm::entity::prelude::*;

use crate::domain::StaffRole;

/// One employment of one person at one firm; a person who moves has a row per firm.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultancy_staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub consultancy_id: Uuid,
    pub name: String,
    /// Identifies the person across firms (GB 11643).
    pub id_card_number: String,
    pub role: StaffRole,
    pub certificate_number: Option<String>,
    pub started_on: Date,
    /// The last day of the employment; open while `None`.
    pub ended_on: Option<Date>,
    pub end_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// HMAC-SHA-256 of the normalised ID-card number (which is stored encrypted).
    pub id_card_hmac: Option<String>,
}

no_relations!();
