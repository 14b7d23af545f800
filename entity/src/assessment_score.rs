use sea_orm::entity::prelude::*;

/// One item's score on a city's assessment sheet: a MANUAL item's score as the province
/// entered it, or a COMPUTED item's figure and score as frozen when the sheet was finalised.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub sheet_id: Uuid,
    pub item_code: String,
    /// COMPUTED items: the figure's value (percent) frozen at finalisation, ten-thousandths.
    pub value: Option<i64>,
    /// Points, in ten-thousandths.
    pub score: i64,
    pub note: Option<String>,
    pub scored_by: Option<Uuid>,
    pub scored_at: DateTimeUtc,
}

no_relations!();
