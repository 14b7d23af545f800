use sea_orm::entity::prelude::*;

use crate::domain::{ViolationKind, ViolationSeverity, ViolationSubjectKind};

/// A penalty decision against an enterprise, consultancy or expert; public once published.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "violations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject_kind: ViolationSubjectKind,
    pub subject_id: Uuid,
    /// The subject's name on the day of recording (what the public notice names).
    pub subject_name: String,
    /// Enterprises' and consultancies' unified social credit code; none for experts.
    pub subject_credit_code: Option<String>,
    pub city_code: Option<String>,
    pub kind: ViolationKind,
    pub decision_date: Date,
    #[sea_orm(unique)]
    pub decision_number: String,
    pub penalty: String,
    pub description: Option<String>,
    pub published: bool,
    pub published_at: Option<DateTimeUtc>,
    pub published_by: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
    /// Decides how long the published decision stays public.
    pub severity: ViolationSeverity,
    /// Set when the decision was revoked: no longer public, kept for officials.
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawn_by: Option<Uuid>,
    pub withdraw_reason: Option<String>,
}

no_relations!();
