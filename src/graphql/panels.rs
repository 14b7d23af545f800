//! Expert panels: the draw, seats, replacements, attendance and ratings, the draw record and
//! its verification.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{panel, panel_draw, panel_seat, review};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::{
    DrawRoundKind, ExclusionReason, ExpertiseKind, ReviewKind, SeatStatus, Sector,
};
use crate::error::{AppError, AppResult};
use crate::rules::draw::Slot;
use crate::rules::draw_record::{DrawRecord, SlotRecord, Verification};
use crate::services::amounts::from_stored;
use crate::services::pagination::page_in_memory;
use crate::services::panels::MemberView;
use crate::services::{Services, draw, experts, panels, parse_stored};

use super::context::{loaders, services, viewer, with_id};
use super::experts::Expert;
use super::links::ReviewLink;
use super::loaders::{load_as, load_rows, load_rows_as};
use super::opinion_sheets::{OutcomeConfirmation, PanelWorkingPapers, confirmation_of};
use super::pagination::{node_selection, page_args};
use super::scalars::{Date, id_of, parse_id};

/// One slot of a panel's composition: what its expert must bring (none: anyone eligible).
#[derive(SimpleObject, Clone)]
pub struct PanelSlot {
    pub index: i32,
    pub sector: Option<Sector>,
    pub expertise_kind: Option<ExpertiseKind>,
}

fn slots_of(what: &str, id: Uuid, text: &str, offset: Option<i32>) -> Result<Vec<PanelSlot>> {
    let records: Vec<SlotRecord> = serde_json::from_str(text)
        .map_err(|e| AppError::internal(format!("stored {what} of {id}: {e}")))?;
    records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let slot = r
                .to_slot()
                .map_err(|e| AppError::internal(format!("stored {what} of {id}: {e}")))?;
            Ok(PanelSlot {
                index: offset.unwrap_or(i32::try_from(i).unwrap_or(i32::MAX)),
                sector: slot.sector,
                expertise_kind: slot.kind,
            })
        })
        .collect()
}

/// The review's panel if the viewer may see who sits on it (used by `Review.panel`).
pub async fn panel_of_review(ctx: &Context<'_>, review: &review::Model) -> Result<Option<Panel>> {
    let l = loaders(ctx)?;
    let Some(found) = l.panel_of_review.load_one(review.id).await?.flatten() else {
        return Ok(None);
    };
    visible(ctx, found).await
}

/// Whether the review has a panel (shown to everyone who reads the review).
pub async fn review_has_panel(ctx: &Context<'_>, review: &review::Model) -> Result<bool> {
    Ok(loaders(ctx)?
        .panel_of_review
        .load_one(review.id)
        .await?
        .flatten()
        .is_some())
}

/// What the viewer sees of a panel now (see `panels::member_view`).
async fn view_of(ctx: &Context<'_>, found: &panel::Model) -> Result<MemberView> {
    let l = loaders(ctx)?;
    let (Some(audit), Some(review)) = (
        l.audits.load_one(found.audit_id).await?,
        l.reviews.load_one(found.review_id).await?,
    ) else {
        return Ok(MemberView::Hidden);
    };
    Ok(panels::member_view(
        viewer(ctx),
        found,
        &audit,
        &review,
        Utc::now(),
        services(ctx)?.config.panel_reveal_hours_before,
    ))
}

async fn visible(ctx: &Context<'_>, found: panel::Model) -> Result<Option<Panel>> {
    let view = view_of(ctx, &found).await?;
    Ok((view != MemberView::Hidden).then_some(Panel(found, view)))
}

/// A seat as the viewer may see it: its own expert always sees it; others as they see the
/// panel (sealed: who sits is not shown).
pub(crate) async fn seat_as_seen(ctx: &Context<'_>, seat: panel_seat::Model) -> Result<PanelSeat> {
    if viewer(ctx).is_expert(seat.expert_id) {
        return Ok(PanelSeat(seat, false));
    }
    let Some(found) = loaders(ctx)?.panels.load_one(seat.panel_id).await? else {
        return Ok(PanelSeat(seat, true));
    };
    let sealed = view_of(ctx, &found).await? != MemberView::Open;
    Ok(PanelSeat(seat, sealed))
}

/// Runs a service call on the seat a `seatId` argument names (see `with_id`) and answers the
/// seat it returns as the viewer may see it: the shape of the seat mutations.
pub(crate) async fn with_seat<'a, Fut>(
    ctx: &Context<'a>,
    seat_id: &ID,
    call: impl FnOnce(&'a Services, &'a Viewer, Uuid) -> Fut,
) -> Result<PanelSeat>
where
    Fut: Future<Output = AppResult<panel_seat::Model>>,
{
    let seat = with_id(ctx, "seatId", seat_id, call).await?;
    seat_as_seen(ctx, seat).await
}

/// A panel with how much of it the viewer sees (who sits: only when `Open`).
pub struct Panel(pub panel::Model, pub MemberView);

impl Panel {
    /// The panel's seats as stored, through the request's loader.
    async fn seat_models(&self, ctx: &Context<'_>) -> Result<Vec<panel_seat::Model>> {
        load_rows(&loaders(ctx)?.panel_seats, self.0.id).await
    }
}

#[Object]
impl Panel {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    /// `reviewId` and `review`.
    #[graphql(flatten)]
    async fn review_link(&self) -> ReviewLink {
        ReviewLink(self.0.review_id)
    }
    async fn audit_id(&self) -> ID {
        id_of(self.0.audit_id)
    }
    async fn review_kind(&self) -> ReviewKind {
        self.0.review_kind
    }
    async fn review_date(&self) -> Date {
        Date(self.0.review_date)
    }
    /// The organising city; none for the province (rechecks).
    async fn organiser_city_code(&self) -> Option<&str> {
        self.0.organiser_city_code.as_deref()
    }
    async fn size(&self) -> i32 {
        self.0.size
    }
    /// The slots in order; one expert fills one slot.
    async fn composition(&self) -> Result<Vec<PanelSlot>> {
        slots_of("composition", self.0.id, &self.0.composition, None)
    }
    async fn exclude_same_city(&self) -> bool {
        self.0.exclude_same_city
    }
    /// Seats by slot, declined ones included (the panel's history) unless `standingOnly`.
    async fn seats(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] standing_only: bool,
    ) -> Result<Vec<PanelSeat>> {
        Ok(self
            .seat_models(ctx)
            .await?
            .into_iter()
            .filter(|s| !standing_only || s.status != SeatStatus::Declined)
            .map(|seat| PanelSeat(seat, self.1 != MemberView::Open))
            .collect())
    }
    /// Every slot holds a CONFIRMED (or ATTENDED) expert.
    async fn complete(&self, ctx: &Context<'_>) -> Result<bool> {
        let seats = self.seat_models(ctx).await?;
        let filled = (0..self.0.size).all(|slot| {
            seats.iter().any(|s| {
                s.slot_index == slot
                    && (s.status == SeatStatus::Confirmed || s.status == SeatStatus::Attended)
            })
        });
        Ok(filled)
    }
    /// Every round of the draw: the first draw, then each replacement.
    async fn rounds(&self, ctx: &Context<'_>) -> Result<Vec<DrawRound>> {
        load_rows_as(&loaders(ctx)?.panel_draws, self.0.id, |round| {
            DrawRound(round, self.1 != MemberView::Open)
        })
        .await
    }
    /// Who sits is not shown to the viewer yet (its officials until the reveal): seats show
    /// their status but not their expert, rounds not their seed.
    async fn sealed(&self) -> bool {
        self.1 == MemberView::Sealed
    }
    /// When who sits is shown to the panel's officials.
    async fn reveal_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        let Some(review) = loaders(ctx)?.reviews.load_one(self.0.review_id).await? else {
            return Ok(None);
        };
        Ok(Some(crate::rules::meetings::reveal_at(
            review.review_date,
            review.starts_at,
            services(ctx)?.config.panel_reveal_hours_before,
        )))
    }
    /// Revealed early by the province, and why.
    async fn revealed_early_at(&self) -> Option<DateTime<Utc>> {
        self.0.revealed_at
    }
    async fn reveal_reason(&self) -> Option<&str> {
        self.0.reveal_reason.as_deref()
    }
    async fn drawn_by(&self) -> Option<ID> {
        self.0.drawn_by.map(id_of)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Whether the review's outcome must follow from opinion sheets.
    async fn sheets_required(&self) -> bool {
        self.0.sheets_required
    }
    /// The panel leader (组长), once designated.
    async fn leader(&self, ctx: &Context<'_>) -> Result<Option<PanelSeat>> {
        let Some(leader) = self.0.leader_seat_id else {
            return Ok(None);
        };
        Ok(self
            .seat_models(ctx)
            .await?
            .into_iter()
            .find(|seat| seat.id == leader)
            .map(|seat| PanelSeat(seat, self.1 != MemberView::Open)))
    }
    /// The outcome the leader confirmed from the sheets.
    async fn outcome_confirmation(&self) -> Option<OutcomeConfirmation> {
        confirmation_of(&self.0)
    }
    /// The opinion sheets and what they give, for officials once the panel is revealed
    /// (none while sealed, and none for the audit's parties).
    async fn working_papers(&self, ctx: &Context<'_>) -> Result<Option<PanelWorkingPapers>> {
        if self.1 != MemberView::Open || viewer(ctx).require_official().is_err() {
            return Ok(None);
        }
        let papers =
            crate::services::opinion_sheets::working_papers(services(ctx)?, viewer(ctx), self.0.id)
                .await?;
        Ok(Some(PanelWorkingPapers(papers)))
    }
}

/// A seat; `.1`: sealed, so who sits is not shown.
pub struct PanelSeat(pub panel_seat::Model, pub bool);

crate::connection_type!(PanelSeatConnection, PanelSeatEdge, PanelSeat);

#[Object]
impl PanelSeat {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn panel_id(&self) -> ID {
        id_of(self.0.panel_id)
    }
    /// The whole panel, when the viewer may see who sits on it (not an expert's own view).
    async fn panel(&self, ctx: &Context<'_>) -> Result<Option<Panel>> {
        let Some(found) = loaders(ctx)?.panels.load_one(self.0.panel_id).await? else {
            return Ok(None);
        };
        visible(ctx, found).await
    }
    /// `reviewId` and `review`.
    #[graphql(flatten)]
    async fn review_link(&self) -> ReviewLink {
        ReviewLink(self.0.review_id)
    }
    async fn review_date(&self) -> Date {
        Date(self.0.review_date)
    }
    /// Who sits (none while the panel is sealed to the viewer).
    async fn expert_id(&self) -> Option<ID> {
        (!self.1).then(|| id_of(self.0.expert_id))
    }
    async fn expert_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        if self.1 {
            return Ok(None);
        }
        load_as(&loaders(ctx)?.experts, self.0.expert_id, |e| e.name.clone()).await
    }
    /// The expert's record: administrators and the expert themself.
    async fn expert(&self, ctx: &Context<'_>) -> Result<Option<Expert>> {
        if self.1 || !experts::sees_seat_expert(viewer(ctx), self.0.expert_id) {
            return Ok(None);
        }
        load_as(&loaders(ctx)?.experts, self.0.expert_id, Expert).await
    }
    /// Index into the panel's composition.
    async fn slot_index(&self) -> i32 {
        self.0.slot_index
    }
    async fn status(&self) -> SeatStatus {
        self.0.status
    }
    async fn decline_reason(&self) -> Option<&str> {
        self.0.decline_reason.as_deref()
    }
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
    /// The round that drew this seat.
    async fn draw_id(&self) -> ID {
        id_of(self.0.draw_id)
    }
    /// The declined seat this one replaces.
    async fn replaces_seat_id(&self) -> Option<ID> {
        self.0.replaces_seat_id.map(id_of)
    }
    /// When the expert was checked in at the venue.
    async fn checked_in_at(&self) -> Option<DateTime<Utc>> {
        self.0.checked_in_at
    }
    async fn attendance_recorded_at(&self) -> Option<DateTime<Utc>> {
        self.0.attendance_recorded_at
    }
    /// The organiser's rating, 0–100.
    async fn rating(&self) -> Option<Decimal> {
        self.0.rating.map(from_stored)
    }
    async fn rating_comment(&self) -> Option<&str> {
        self.0.rating_comment.as_deref()
    }
    async fn rated_at(&self) -> Option<DateTime<Utc>> {
        self.0.rated_at
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(SimpleObject)]
pub struct ExclusionCount {
    pub reason: ExclusionReason,
    pub label: String,
    /// Experts excluded with this as their first reason (the counts add up to the total).
    pub count: i32,
}

pub struct ExcludedExpert {
    expert_id: Uuid,
    reasons: Vec<ExclusionReason>,
}

crate::connection_type!(ExcludedExpertConnection, ExcludedExpertEdge, ExcludedExpert);

#[Object]
impl ExcludedExpert {
    async fn expert_id(&self) -> ID {
        id_of(self.expert_id)
    }
    async fn expert(&self, ctx: &Context<'_>) -> Result<Option<Expert>> {
        load_as(&loaders(ctx)?.experts, self.expert_id, Expert).await
    }
    /// Every reason that applied, in the fixed order of the rules.
    async fn reasons(&self) -> &[ExclusionReason] {
        &self.reasons
    }
}

/// One round of a panel's draw, with everything needed to re-run it; `.1`: sealed (no seed
/// and no invited list, which would tell who sits).
pub struct DrawRound(pub panel_draw::Model, pub bool);

#[Object]
impl DrawRound {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn round(&self) -> i32 {
        self.0.round_no
    }
    async fn kind(&self) -> DrawRoundKind {
        self.0.kind
    }
    /// The named, versioned algorithm (documented in `src/rules/draw.rs`).
    async fn algorithm(&self) -> &str {
        &self.0.algorithm
    }
    /// SHA-256 of (tag, serverRandom, reviewId, witnessNonce), hex.
    async fn seed(&self) -> Option<&str> {
        (!self.1).then_some(self.0.seed.as_str())
    }
    /// The 32 bytes from the server's OS random source, hex.
    async fn server_random(&self) -> Option<&str> {
        (!self.1).then_some(self.0.server_random.as_str())
    }
    async fn witness_nonce(&self) -> &str {
        &self.0.witness_nonce
    }
    /// The SHA-256 commitment to `serverRandom`, shown (and logged) before the witness typed
    /// the nonce; none for rounds drawn before commitments (algorithm v1).
    async fn commitment(&self) -> Option<&str> {
        self.0.commitment.as_deref()
    }
    async fn committed_at(&self) -> Option<DateTime<Utc>> {
        self.0.committed_at
    }
    /// The slots this round filled (for a replacement, the declined seat's).
    async fn slots(&self) -> Result<Vec<PanelSlot>> {
        slots_of("slots", self.0.id, &self.0.slots, self.0.replaced_slot)
    }
    async fn replaced_seat_id(&self) -> Option<ID> {
        self.0.replaced_seat_id.map(id_of)
    }
    /// Everyone invited to the panel before this round (never drawn again).
    async fn already_invited(&self) -> Result<Vec<ID>> {
        if self.1 {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = serde_json::from_str(&self.0.already_invited).map_err(|e| {
            AppError::internal(format!("stored invited list of {}: {e}", self.0.id))
        })?;
        Ok(ids.into_iter().map(id_of).collect())
    }
    async fn eligible_count(&self) -> i32 {
        self.0.eligible_count
    }
    /// SHA-256 of the sorted eligible ids, hex.
    async fn eligible_digest(&self) -> &str {
        &self.0.eligible_digest
    }
    /// SHA-256 of the eligible ids with their sectors and kinds of expertise, hex.
    async fn pool_digest(&self) -> &str {
        &self.0.pool_digest
    }
    /// Per reason, in the rules' order: experts excluded with it as their first reason.
    async fn excluded_counts(&self) -> Result<Vec<ExclusionCount>> {
        let counts: std::collections::BTreeMap<String, i32> =
            serde_json::from_str(&self.0.excluded_counts).map_err(|e| {
                AppError::internal(format!("stored exclusion counts of {}: {e}", self.0.id))
            })?;
        let mut list = counts
            .into_iter()
            .map(|(reason, count)| {
                let reason: ExclusionReason = parse_stored("exclusion reason", &reason)?;
                Ok(ExclusionCount {
                    reason,
                    label: reason.label().to_owned(),
                    count,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // The rules' fixed order, not the stored (alphabetical) one.
        list.sort_by_key(|c| c.reason);
        Ok(list)
    }
    async fn excluded_total(&self) -> i32 {
        self.0.excluded_total
    }
    /// The experts this round excluded, with every reason (the organiser and the province).
    async fn excluded_experts(
        &self,
        ctx: &Context<'_>,
        reason: Option<ExclusionReason>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExcludedExpertConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let all = panels::excluded_experts(&s.db, viewer(ctx), &self.0).await?;
        let items: Vec<ExcludedExpert> = all
            .into_iter()
            .filter(|(_, reasons)| reason.is_none_or(|r| reasons.contains(&r)))
            .map(|(expert_id, reasons)| ExcludedExpert { expert_id, reasons })
            .collect();
        let page = page_in_memory(items, |e| e.expert_id, page);
        if ctx
            .look_ahead()
            .field("edges")
            .field("node")
            .field("expert")
            .exists()
        {
            let ids: Vec<Uuid> = page.items.iter().map(|e| e.expert_id).collect();
            loaders(ctx)?
                .experts
                .feed_many(crate::services::experts::unguarded::by_ids(s, &ids).await?)
                .await;
        }
        Ok(ExcludedExpertConnection::from_page(
            page.map(|e| (e.expert_id, e)),
        ))
    }
    async fn drawn_by(&self) -> Option<ID> {
        self.0.drawn_by.map(id_of)
    }
    async fn drawn_at(&self) -> DateTime<Utc> {
        self.0.drawn_at
    }
}

#[derive(SimpleObject)]
pub struct DrawnSeat {
    pub slot_index: i32,
    pub expert_id: ID,
}

#[derive(SimpleObject)]
pub struct RoundVerification {
    pub round: i32,
    /// The round re-runs to exactly its recorded seats, and its record is consistent.
    pub reproduces: bool,
    /// What re-running the round gives.
    pub expected_seats: Vec<DrawnSeat>,
    pub problems: Vec<String>,
}

#[derive(SimpleObject)]
pub struct PanelVerification {
    pub panel_id: ID,
    /// Every round reproduces.
    pub reproduces: bool,
    pub algorithm: String,
    pub problems: Vec<String>,
    pub rounds: Vec<RoundVerification>,
}

fn verification(panel_id: Uuid, v: Verification) -> PanelVerification {
    PanelVerification {
        panel_id: id_of(panel_id),
        reproduces: v.reproduces,
        algorithm: crate::rules::draw::DRAW_ALGORITHM.to_owned(),
        problems: v.problems,
        rounds: v
            .rounds
            .into_iter()
            .map(|r| RoundVerification {
                round: i32::try_from(r.round).unwrap_or(i32::MAX),
                reproduces: r.reproduces,
                expected_seats: r
                    .expected
                    .iter()
                    .map(|s| DrawnSeat {
                        slot_index: i32::try_from(s.slot).unwrap_or(i32::MAX),
                        expert_id: id_of(s.expert_id),
                    })
                    .collect(),
                problems: r.problems,
            })
            .collect(),
    }
}

/// A slot asked for: an expert of this sector and/or kind of expertise.
#[derive(InputObject)]
pub struct PanelSlotInput {
    pub sector: Option<Sector>,
    pub expertise_kind: Option<ExpertiseKind>,
}

#[derive(InputObject)]
pub struct DrawPanelInput {
    pub review_id: ID,
    /// Odd, 3 to 9; default 3 for an evaluation, 5 for an acceptance or a recheck.
    pub size: Option<i32>,
    /// Leave out experts of the enterprise's city.
    #[graphql(default)]
    pub exclude_same_city: bool,
    /// Typed in by the supervising witness; mixed into the seed exactly as given.
    pub witness_nonce: Option<String>,
    /// The specific slots, in order, filled first; the rest of the panel is anyone eligible.
    /// Default: the enterprise's sector with INDUSTRY_PROCESS, then ENVIRONMENTAL, then ENERGY.
    pub composition: Option<Vec<PanelSlotInput>>,
}

#[derive(Default)]
pub struct PanelQuery;

#[Object]
impl PanelQuery {
    /// A panel, for those who may see who sits on it.
    async fn panel(&self, ctx: &Context<'_>, id: ID) -> Result<Panel> {
        let s = services(ctx)?;
        let id = parse_id("id", &id)?;
        let (found, view) = panels::get_panel(s, viewer(ctx), id).await?;
        Ok(Panel(found, view))
    }

    /// The signed-in expert's own seats, oldest first.
    async fn my_panel_seats(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PanelSeatConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let result = panels::my_seats(&s.db, viewer(ctx), page).await?;
        let node = node_selection(ctx);
        loaders(ctx)?
            .prime_seats(s, node, &result.items, None)
            .await?;
        Ok(PanelSeatConnection::of_rows(
            result,
            |m| m.id,
            |m| PanelSeat(m, false),
        ))
    }

    /// Re-runs every round of the panel from its stored record and says whether it
    /// reproduces (administrators who see the panel).
    async fn verify_panel(&self, ctx: &Context<'_>, id: ID) -> Result<PanelVerification> {
        let s = services(ctx)?;
        let id = parse_id("id", &id)?;
        let v = panels::verify_panel(s, viewer(ctx), id).await?;
        Ok(verification(id, v))
    }

    /// A panel's draw record for everyone once its review date has passed: the whole record
    /// (for `cleanprod verify-draw`) and the names of those who sat, nothing personal besides.
    /// Also at `GET /public/panels/{id}/draw-record.json`.
    async fn public_panel_record(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Json<panels::PublicRecord>> {
        with_id(ctx, "id", &id, |s, _, id| panels::public_record(s, id))
            .await
            .map(Json)
    }

    /// The panel's draw record as JSON (format `cleanprod-draw-record-v1`), for
    /// `cleanprod verify-draw FILE`; also at `GET /panels/{id}/draw-record.json`.
    async fn panel_draw_record(&self, ctx: &Context<'_>, id: ID) -> Result<Json<DrawRecord>> {
        with_id(ctx, "id", &id, panels::draw_record).await.map(Json)
    }
}

#[derive(Default)]
pub struct PanelMutation;

/// A review's next draw round, opened: the commitment to the server's random bytes. Show it
/// to the witness before they type the nonce; the round reveals the bytes.
pub struct DrawCommitment(pub entity::draw_commitment::Model);

#[Object]
impl DrawCommitment {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn review_id(&self) -> ID {
        id_of(self.0.review_id)
    }
    /// Hex SHA-256 of ("cleanprod-draw-commitment", the 32 random bytes), see `rules::draw`.
    async fn commitment(&self) -> &str {
        &self.0.commitment
    }
    async fn committed_at(&self) -> DateTime<Utc> {
        self.0.committed_at
    }
}

#[Object]
impl PanelMutation {
    /// Opens the review's next draw round (its first draw or a replacement): the server fixes
    /// its random bytes and shows their commitment, kept in the audit log. The same open
    /// commitment is answered until a round uses it. Without one, `drawPanel` and
    /// `replaceDeclinedSeat` are refused.
    async fn open_draw(&self, ctx: &Context<'_>, review_id: ID) -> Result<DrawCommitment> {
        with_id(ctx, "reviewId", &review_id, |s, v, review_id| {
            draw::open_draw(s, v, review_id)
        })
        .await
        .map(DrawCommitment)
    }

    /// Draws the review's panel, verifiably (the review's organiser). Too few eligible
    /// experts: INSUFFICIENT_CANDIDATES with the counts per reason in `extensions`.
    async fn draw_panel(&self, ctx: &Context<'_>, input: DrawPanelInput) -> Result<Panel> {
        let s = services(ctx)?;
        let review_id = parse_id("reviewId", &input.review_id)?;
        let composition = input.composition.map(|slots| {
            slots
                .into_iter()
                .map(|slot| Slot {
                    sector: slot.sector,
                    kind: slot.expertise_kind,
                })
                .collect()
        });
        let drawn = draw::draw_panel(
            s,
            viewer(ctx),
            draw::DrawInput {
                review_id,
                size: input.size.map(i64::from),
                exclude_same_city: input.exclude_same_city,
                witness_nonce: input.witness_nonce,
                composition,
            },
        )
        .await?;
        // The seats are those just written: the answer needs no query for them.
        loaders(ctx)?
            .panel_seats
            .feed_one(drawn.panel.id, drawn.seats)
            .await;
        let view = panels::view_of(s, viewer(ctx), &drawn.panel).await?;
        Ok(Panel(drawn.panel, view))
    }

    /// Reveals a sealed panel to its officials before the reveal time: the province only,
    /// with a reason (kept with the panel and in the audit log).
    async fn reveal_panel(&self, ctx: &Context<'_>, panel_id: ID, reason: String) -> Result<Panel> {
        let s = services(ctx)?;
        let id = parse_id("panelId", &panel_id)?;
        let revealed = panels::reveal_panel(s, viewer(ctx), id, &reason).await?;
        let view = panels::view_of(s, viewer(ctx), &revealed).await?;
        Ok(Panel(revealed, view))
    }

    /// Accepts or declines an invitation: the expert, or the organiser on their behalf.
    /// A reason goes with a decline (a decline without one counts against the expert).
    async fn respond_to_panel_seat(
        &self,
        ctx: &Context<'_>,
        seat_id: ID,
        accept: bool,
        reason: Option<String>,
    ) -> Result<PanelSeat> {
        with_seat(ctx, &seat_id, |s, v, id| {
            panels::respond_to_seat(&s.db, v, id, accept, reason)
        })
        .await
    }

    /// Draws a replacement for a declined seat, for its slot, as a new verifiable round
    /// (补抽); never anyone already invited to the panel.
    async fn replace_declined_seat(
        &self,
        ctx: &Context<'_>,
        seat_id: ID,
        witness_nonce: Option<String>,
    ) -> Result<PanelSeat> {
        with_seat(ctx, &seat_id, |s, v, id| {
            draw::replace_declined_seat(s, v, id, witness_nonce)
        })
        .await
    }

    /// ATTENDED or NO_SHOW, on or after the review date (the organiser).
    async fn record_seat_attendance(
        &self,
        ctx: &Context<'_>,
        seat_id: ID,
        attended: bool,
    ) -> Result<PanelSeat> {
        with_seat(ctx, &seat_id, |s, v, id| {
            panels::record_attendance(&s.db, v, id, attended)
        })
        .await
    }

    /// Rates an expert who attended, 0–100, once (the organiser, after the review).
    async fn rate_seated_expert(
        &self,
        ctx: &Context<'_>,
        seat_id: ID,
        score: Decimal,
        comment: Option<String>,
    ) -> Result<PanelSeat> {
        with_seat(ctx, &seat_id, |s, v, id| {
            panels::rate_seated_expert(&s.db, v, id, score, comment)
        })
        .await
    }
}
