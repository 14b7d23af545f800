use sea_orm::entity::prelude::*;

use crate::domain::CitySummaryStatus;

/// A city's yearly work summary (年度清洁生产工作总结) as submitted to the province: the
/// computed figures frozen at submission, the city's narrative, and the province's receipt or
/// return.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "city_summaries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub city_code: String,
    /// The year summarised.
    pub year: i32,
    pub status: CitySummaryStatus,
    /// The annual summary's figures as computed at the last submission (JSON).
    pub figures: Option<String>,
    pub options_carried_out: Option<String>,
    pub benefits: Option<String>,
    pub problems: Option<String>,
    pub other: Option<String>,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: Option<DateTimeUtc>,
    /// Submitted after 31 March of the next year (China time).
    pub late: bool,
    /// Who received or returned it, and when.
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub return_reason: Option<String>,
    pub version: i32,
}

no_relations!();
