//! The province's yearly assessment of each city (目标责任制考核): the items the province sets,
//! each city's sheet (computed items live from the figures, manual items scored by the
//! province), and its finalisation (`services::assessment`).

use async_graphql::{Context, ID, InputObject, MergedObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::assessment_item;
use rust_decimal::Decimal;

use crate::domain::{AssessmentFigure, AssessmentItemKind, AssessmentSheetStatus, ScoringMethod};
use crate::services::amounts::from_stored;
use crate::services::assessment::{self, ScoreInput, Sheet, SheetLine};

use super::context::{services, viewer, with_viewer};
use super::reference::{City, city_named};
use super::scalars::id_of;

pub use crate::rules::assessment::ItemDef as AssessmentItemInput;

/// A year's items, replacing those before.
#[derive(InputObject)]
pub struct SetAssessmentItemsInput {
    /// The year assessed.
    pub year: i32,
    /// The items in the order of the sheet.
    pub items: Vec<AssessmentItemInput>,
}

/// One item of a year's assessment.
pub struct AssessmentItem(pub assessment_item::Model);

/// One item of a year's assessment, as the province set it.
#[Object]
impl AssessmentItem {
    /// The province's code of the item.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The item's title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Points.
    async fn weight(&self) -> i32 {
        self.0.weight
    }
    /// COMPUTED from a figure or MANUAL.
    async fn kind(&self) -> AssessmentItemKind {
        self.0.kind
    }
    /// The figure of a COMPUTED item.
    async fn figure(&self) -> Option<AssessmentFigure> {
        self.0.figure
    }
    /// The figure's Chinese label.
    async fn figure_label(&self) -> Option<&'static str> {
        self.0.figure.map(AssessmentFigure::label)
    }
    /// The target in percent of a COMPUTED item.
    async fn target(&self) -> Option<Decimal> {
        self.0.target.map(from_stored)
    }
    /// How a COMPUTED item is scored.
    async fn method(&self) -> Option<ScoringMethod> {
        self.0.method
    }
    /// Place on the sheet, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
}

/// One line of a city's sheet.
#[derive(SimpleObject)]
pub struct AssessmentSheetLine {
    /// The item.
    pub item: AssessmentItem,
    /// A COMPUTED item's figure in percent (none when nothing was measured); computed now,
    /// or as frozen when the sheet was finalised.
    pub value: Option<Decimal>,
    /// Points earned; none for a MANUAL item not scored yet.
    pub score: Option<Decimal>,
    /// The province's note on a manual score.
    pub note: Option<String>,
    /// Who scored it (a manual score, or the finalisation of a computed one).
    pub scored_by_id: Option<ID>,
    /// When.
    pub scored_at: Option<DateTime<Utc>>,
}

impl From<SheetLine> for AssessmentSheetLine {
    fn from(l: SheetLine) -> Self {
        AssessmentSheetLine {
            value: l.value.map(|v| v.normalize()),
            score: l.score.map(|s| s.normalize()),
            note: l.note,
            scored_by_id: l.scored_by.map(id_of),
            scored_at: l.scored_at,
            item: AssessmentItem(l.item),
        }
    }
}

/// A city's assessment sheet of a year (目标责任制考核).
pub struct AssessmentSheet(pub Sheet);

/// A city's assessment sheet of a year (目标责任制考核): computed live while OPEN, frozen
/// once FINALISED.
#[Object]
impl AssessmentSheet {
    /// The city assessed.
    async fn city_code(&self) -> &str {
        &self.0.city_code
    }
    /// The city itself.
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        city_named(ctx, &self.0.city_code).await
    }
    /// The year assessed.
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// OPEN (computed items follow the figures) or FINALISED (frozen).
    async fn status(&self) -> AssessmentSheetStatus {
        self.0.status
    }
    /// The items with their values and scores, in the sheet's order.
    async fn lines(&self) -> Vec<AssessmentSheetLine> {
        self.0.lines.iter().cloned().map(Into::into).collect()
    }
    /// The points together (a MANUAL item not scored yet counts 0).
    async fn total(&self) -> Decimal {
        self.0.total.normalize()
    }
    /// Whether every item has its score.
    async fn complete(&self) -> bool {
        self.0.lines.iter().all(|l| l.score.is_some())
    }
    /// Who finalised it.
    async fn finalised_by_id(&self) -> Option<ID> {
        self.0
            .stored
            .as_ref()
            .and_then(|s| s.finalised_by)
            .map(id_of)
    }
    /// When it was finalised.
    async fn finalised_at(&self) -> Option<DateTime<Utc>> {
        self.0.stored.as_ref().and_then(|s| s.finalised_at)
    }
    /// Moves on with every manual score and the finalisation; 0 before the first.
    async fn version(&self) -> i32 {
        self.0.stored.as_ref().map_or(0, |s| s.version)
    }
}

/// The figures and the assessment, as one part of the query root (the root's parts nest, and
/// the compiler's recursion limit bounds how many it takes).
#[derive(MergedObject, Default)]
pub struct FiguresAndAssessmentQuery(super::figures::FiguresQuery, AssessmentQuery);

#[derive(Default)]
pub struct AssessmentQuery;

#[Object]
impl AssessmentQuery {
    /// The year's assessment items: province and city admins.
    async fn assessment_items(&self, ctx: &Context<'_>, year: i32) -> Result<Vec<AssessmentItem>> {
        let s = services(ctx)?;
        Ok(assessment::items(&s.db, viewer(ctx), year)
            .await?
            .into_iter()
            .map(AssessmentItem)
            .collect())
    }

    /// A city's assessment sheet of a year: the province any city's, a city admin their own.
    /// Also as CSV or XLSX: `GET /exports/assessment.{csv|xlsx}?year=&cityCode=`.
    async fn assessment_sheet(
        &self,
        ctx: &Context<'_>,
        city_code: String,
        year: i32,
    ) -> Result<AssessmentSheet> {
        with_viewer(ctx, |s, v| assessment::sheet(&s.db, v, &city_code, year))
            .await
            .map(AssessmentSheet)
    }
}

#[derive(Default)]
pub struct AssessmentMutation;

#[Object]
impl AssessmentMutation {
    /// The province sets a year's assessment items (weights adding up to 100), replacing
    /// those before, while no sheet of the year is finalised. Manual scores whose item is
    /// gone, no longer MANUAL or now weighs less than the score are cleared.
    async fn set_assessment_items(
        &self,
        ctx: &Context<'_>,
        input: SetAssessmentItemsInput,
    ) -> Result<Vec<AssessmentItem>> {
        let s = services(ctx)?;
        Ok(
            assessment::set_items(&s.db, viewer(ctx), input.year, input.items)
                .await?
                .into_iter()
                .map(AssessmentItem)
                .collect(),
        )
    }

    /// The province scores a MANUAL item of a city's open sheet, with a note.
    async fn score_assessment_item(
        &self,
        ctx: &Context<'_>,
        input: ScoreInput,
    ) -> Result<AssessmentSheet> {
        with_viewer(ctx, |s, v| assessment::score_item(&s.db, v, input))
            .await
            .map(AssessmentSheet)
    }

    /// The province finalises a city's sheet of a past year once every MANUAL item is
    /// scored: the computed values, the scores and the total are frozen.
    async fn finalise_assessment_sheet(
        &self,
        ctx: &Context<'_>,
        city_code: String,
        year: i32,
    ) -> Result<AssessmentSheet> {
        with_viewer(ctx, |s, v| assessment::finalise(&s.db, v, &city_code, year))
            .await
            .map(AssessmentSheet)
    }
}
