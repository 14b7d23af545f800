//! The panel at the venue and after: check-in, the leader, opinion sheets and the outcome
//! they give (`services::opinion_sheets`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{opinion_sheet, panel};
use rust_decimal::Decimal;

use crate::domain::{OpinionConclusion, ReviewKind, ReviewOutcome};
use crate::rules::opinions::PanelOutcome;
use crate::services::amounts::from_stored;
use crate::services::opinion_sheets::{self as sheets, SheetInput, WorkingPapers};
use crate::services::panels;

use super::context::{services, viewer};
use super::panels::{PanelSeat, seat_as_seen, with_seat};
use super::scalars::{id_of, parse_id};

/// One criterion of a review kind's opinion sheet (a setting; see the README).
#[derive(SimpleObject)]
pub struct OpinionCriterion {
    pub code: String,
    pub label: String,
    /// Share of the sheet's total, in percent.
    pub weight: i32,
}

/// A criterion as scored on a sheet, with the weight it had then.
#[derive(SimpleObject)]
pub struct CriterionScore {
    pub code: String,
    pub label: String,
    pub weight: i32,
    pub score: Decimal,
}

/// One present expert's opinion sheet (预审意见/评分表).
pub struct OpinionSheet(pub opinion_sheet::Model);

#[Object]
impl OpinionSheet {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn panel_id(&self) -> ID {
        id_of(self.0.panel_id)
    }
    async fn seat_id(&self) -> ID {
        id_of(self.0.seat_id)
    }
    /// The seat, as the reader sees it.
    async fn seat(&self, ctx: &Context<'_>) -> Result<PanelSeat> {
        let seat = panels::find_seat(&services(ctx)?.db, self.0.seat_id).await?;
        seat_as_seen(ctx, seat).await
    }
    /// The criteria in order, each with its weight and score.
    async fn scores(&self) -> Result<Vec<CriterionScore>> {
        Ok(sheets::scores_of(&self.0)?
            .into_iter()
            .map(|c| CriterionScore {
                code: c.code,
                label: c.label,
                weight: i32::try_from(c.weight).unwrap_or(i32::MAX),
                score: c.score,
            })
            .collect())
    }
    /// The weighted total, 0–100.
    async fn total(&self) -> Decimal {
        from_stored(self.0.total)
    }
    async fn conclusion(&self) -> OpinionConclusion {
        self.0.conclusion
    }
    async fn remarks(&self) -> &str {
        &self.0.remarks
    }
    /// The expert's own opinion document, if attached (read it through `document`).
    async fn document_id(&self) -> Option<ID> {
        self.0.document_id.map(id_of)
    }
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
    /// Revisions replace the sheet until the outcome is confirmed.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// What the sheets give by the outcome rule (majority of conclusions, mean score).
#[derive(SimpleObject)]
pub struct SheetOutcome {
    pub conclusion: OpinionConclusion,
    pub outcome: ReviewOutcome,
    pub score: Decimal,
    pub sheets: i32,
    pub pass: i32,
    pub pass_with_changes: i32,
    pub fail: i32,
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<PanelOutcome> for SheetOutcome {
    fn from(o: PanelOutcome) -> Self {
        SheetOutcome {
            conclusion: o.conclusion,
            outcome: o.outcome,
            score: o.score,
            sheets: count(o.sheets),
            pass: count(o.pass),
            pass_with_changes: count(o.pass_with_changes),
            fail: count(o.fail),
        }
    }
}

/// The outcome the leader confirmed; the sheets are final from then on.
#[derive(SimpleObject)]
pub struct OutcomeConfirmation {
    pub panel_id: ID,
    pub conclusion: OpinionConclusion,
    pub outcome: ReviewOutcome,
    pub score: Decimal,
    pub confirmed_at: DateTime<Utc>,
    /// The leader confirmed in person; otherwise the organiser from the signed paper.
    pub by_leader: bool,
}

pub fn confirmation_of(found: &panel::Model) -> Option<OutcomeConfirmation> {
    let (Some(conclusion), Some(score), Some(confirmed_at)) = (
        found.outcome_conclusion,
        found.outcome_score,
        found.outcome_confirmed_at,
    ) else {
        return None;
    };
    Some(OutcomeConfirmation {
        panel_id: id_of(found.id),
        conclusion,
        outcome: crate::rules::opinions::review_outcome(conclusion),
        score: from_stored(score),
        confirmed_at,
        by_leader: found.outcome_confirmed_by_leader.unwrap_or(false),
    })
}

/// A panel's working papers as the reader sees them: the organiser (once the panel is
/// revealed) and the leader read every sheet; another expert of the panel their own.
pub struct PanelWorkingPapers(pub WorkingPapers);

#[Object]
impl PanelWorkingPapers {
    async fn panel_id(&self) -> ID {
        id_of(self.0.panel.id)
    }
    /// Whether the review's outcome must follow from the sheets (panels drawn before sheets
    /// existed need none).
    async fn sheets_required(&self) -> bool {
        self.0.panel.sheets_required
    }
    async fn leader_seat_id(&self) -> Option<ID> {
        self.0.panel.leader_seat_id.map(id_of)
    }
    async fn sheets(&self) -> Vec<OpinionSheet> {
        self.0.sheets.iter().cloned().map(OpinionSheet).collect()
    }
    /// Slot numbers (from 1) of experts checked in without a sheet yet; empty for a reader
    /// of their own sheet only.
    async fn missing_slots(&self) -> &[i32] {
        &self.0.missing_slots
    }
    /// What the sheets give now, for readers of every sheet; none without sheets or while
    /// they contradict the pass mark (see `outcomeProblem`).
    async fn proposed_outcome(&self, ctx: &Context<'_>) -> Result<Option<SheetOutcome>> {
        if !self.0.every {
            return Ok(None);
        }
        let pass_mark = services(ctx)?.config.review_pass_mark;
        Ok(sheets::outcome_of_sheets(&self.0.sheets, pass_mark)
            .ok()
            .map(SheetOutcome::from))
    }
    /// Why the sheets give no outcome now, for readers of every sheet.
    async fn outcome_problem(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if !self.0.every {
            return Ok(None);
        }
        let pass_mark = services(ctx)?.config.review_pass_mark;
        Ok(sheets::outcome_of_sheets(&self.0.sheets, pass_mark)
            .err()
            .map(|e| e.to_string()))
    }
    async fn confirmation(&self) -> Option<OutcomeConfirmation> {
        confirmation_of(&self.0.panel)
    }
}

#[derive(InputObject)]
pub struct CriterionScoreInput {
    /// A criterion code of the review kind (`opinionCriteria`).
    pub criterion: String,
    /// 0–100, at most two decimals.
    pub score: Decimal,
}

#[derive(InputObject)]
pub struct OpinionSheetInput {
    pub seat_id: ID,
    /// Every criterion of the review kind, once.
    pub scores: Vec<CriterionScoreInput>,
    pub conclusion: OpinionConclusion,
    pub remarks: String,
    /// An EXPERT_OPINION document uploaded to the seat (`uploadDocument`).
    pub document_id: Option<ID>,
}

#[derive(Default)]
pub struct OpinionSheetQuery;

#[Object]
impl OpinionSheetQuery {
    /// The criteria and weights of a review kind's opinion sheet (any signed-in user).
    async fn opinion_criteria(
        &self,
        ctx: &Context<'_>,
        kind: ReviewKind,
    ) -> Result<Vec<OpinionCriterion>> {
        viewer(ctx).require_user()?;
        Ok(sheets::criteria(services(ctx)?, kind)
            .iter()
            .map(|c| OpinionCriterion {
                code: c.code.clone(),
                label: c.label.clone(),
                weight: i32::try_from(c.weight).unwrap_or(i32::MAX),
            })
            .collect())
    }

    /// A panel's working papers: its organiser (once revealed) and its leader read every
    /// sheet, another expert of the panel their own; FORBIDDEN for anyone else.
    async fn panel_working_papers(
        &self,
        ctx: &Context<'_>,
        panel_id: ID,
    ) -> Result<PanelWorkingPapers> {
        let id = parse_id("panelId", &panel_id)?;
        Ok(PanelWorkingPapers(
            sheets::working_papers(services(ctx)?, viewer(ctx), id).await?,
        ))
    }
}

#[derive(Default)]
pub struct OpinionSheetMutation;

#[Object]
impl OpinionSheetMutation {
    /// Checks a seated expert in at the venue (the organiser, on the review day, China
    /// time): ATTENDED at `at` (now when left out). A seat never checked in becomes NO_SHOW
    /// when the review's outcome is recorded.
    async fn check_in_panel_seat(
        &self,
        ctx: &Context<'_>,
        seat_id: ID,
        at: Option<DateTime<Utc>>,
    ) -> Result<PanelSeat> {
        with_seat(ctx, &seat_id, |s, v, id| panels::check_in(&s.db, v, id, at)).await
    }

    /// Designates the panel leader (组长) among the experts checked in (the organiser);
    /// answers the leader's seat. A later designation replaces it until the outcome is
    /// confirmed.
    async fn designate_panel_leader(
        &self,
        ctx: &Context<'_>,
        panel_id: ID,
        seat_id: ID,
    ) -> Result<PanelSeat> {
        let s = services(ctx)?;
        let panel_id = parse_id("panelId", &panel_id)?;
        let seat_id = parse_id("seatId", &seat_id)?;
        sheets::designate_leader(s, viewer(ctx), panel_id, seat_id).await?;
        let seat = panels::find_seat(&s.db, seat_id).await?;
        seat_as_seen(ctx, seat).await
    }

    /// Hands in or revises a present expert's opinion sheet: the expert, or the organiser
    /// from the signed paper. Final once the leader confirms the outcome.
    async fn submit_opinion_sheet(
        &self,
        ctx: &Context<'_>,
        input: OpinionSheetInput,
    ) -> Result<OpinionSheet> {
        let document_id = input
            .document_id
            .as_ref()
            .map(|id| parse_id("input.documentId", id))
            .transpose()?;
        let saved = sheets::submit_sheet(
            services(ctx)?,
            viewer(ctx),
            SheetInput {
                seat_id: parse_id("input.seatId", &input.seat_id)?,
                scores: input
                    .scores
                    .into_iter()
                    .map(|s| (s.criterion.trim().to_owned(), s.score))
                    .collect(),
                conclusion: input.conclusion,
                remarks: input.remarks,
                document_id,
            },
        )
        .await?;
        Ok(OpinionSheet(saved))
    }

    /// The leader confirms the outcome the sheets give (or the organiser records the
    /// leader's signature): every expert checked in has handed in a sheet. The sheets and
    /// the outcome are final; `recordReviewOutcome` must then agree with it.
    async fn confirm_panel_outcome(
        &self,
        ctx: &Context<'_>,
        panel_id: ID,
    ) -> Result<OutcomeConfirmation> {
        let id = parse_id("panelId", &panel_id)?;
        let confirmed = sheets::confirm_outcome(services(ctx)?, viewer(ctx), id).await?;
        confirmation_of(&confirmed).ok_or_else(|| {
            crate::error::AppError::internal("a confirmed panel without its outcome").into()
        })
    }
}
