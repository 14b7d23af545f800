use sea_orm::entity::prelude::*;

use crate::domain::CitySummaryStatus;

/// One change of a city summary's state: submitted, received or returned, by whom and when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "city_summary_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub summary_id: Uuid,
    pub status: CitySummaryStatus,
    /// The return's reason.
    pub reason: Option<String>,
    pub actor_id: Option<Uuid>,
    pub changed_at: DateTimeUtc,
}

no_relations!();
