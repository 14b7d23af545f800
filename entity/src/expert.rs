use sea_orm::entity::prelude::*;

use crate::domain::{ExpertStatus, Gender, ProfessionalTitle};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "experts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub gender: Gender,
    pub birth_date: Date,
    /// Encrypted at rest (AES-256-GCM); see the server's `crypto` module.
    pub id_card_number: String,
    /// Encrypted at rest.
    pub phone: String,
    pub email: Option<String>,
    pub employer: String,
    pub employer_credit_code: String,
    pub title: ProfessionalTitle,
    pub years_in_field: i32,
    pub city_code: String,
    pub term_start: Date,
    pub term_end: Date,
    pub status: ExpertStatus,
    /// Optimistic concurrency: every update must name the version it read.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// HMAC-SHA-256 of the normalised ID-card number: uniqueness and exact lookup without
    /// the clear value.
    pub id_card_hmac: Option<String>,
}

no_relations!();
