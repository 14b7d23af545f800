//! A draw made in memory, before anything is written: eligibility over the whole pool, the
//! seed, the seats, the round as it will be stored (its lists as bits against the pool's
//! snapshot), its digests and its audit-log summary. Pure but for the clock and fresh ids:
//! the randomness comes in as an argument, so the same facts and the same random bytes
//! stage the same draw.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, SubsecRound, Utc};
use entity::{panel, panel_draw, panel_seat, review};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use super::facts::{EligibilityFacts, FastSet};
use super::index::DrawIndex;
use super::judging::{Judged, judge};
use super::request::DrawJob;
use crate::domain::{DrawRoundKind, ReviewKind, SeatStatus};
use crate::error::{AppError, AppResult, CandidateShortfall, Unfilled};
use crate::rules::draw::{
    DRAW_ALGORITHM, DrawError, Seat, Slot, derive_seed, draw_panel as run_draw, draw_replacement,
    eligible_digest, pool_digest_of_entries,
};
use crate::rules::draw_record::{encode_eligible_positions, encode_excluded_reasons, slot_records};
use crate::rules::eligibility::ReviewContext;

/// INSUFFICIENT_CANDIDATES with the counts per reason and the slot that cannot be filled.
fn shortfall(err: DrawError, judged: &Judged) -> AppError {
    let message = err.to_string();
    let unfilled = match err {
        DrawError::TooFewCandidates { needed, available } => Unfilled::TooFew { needed, available },
        DrawError::UnfillableSlot {
            index,
            slot,
            fitting,
        } => Unfilled::Slot {
            index,
            sector: slot.sector,
            kind: slot.kind,
            fitting,
        },
        DrawError::DuplicateCandidate(id) => {
            return AppError::internal(format!("expert {id} twice in an eligible list"));
        }
    };
    AppError::InsufficientCandidates {
        message,
        shortfall: Box::new(CandidateShortfall {
            excluded_counts: judged.excluded_counts.clone(),
            excluded_total: u32::try_from(judged.excluded_total()).unwrap_or(u32::MAX),
            eligible_count: judged.eligible.len(),
            unfilled,
        }),
    }
}

fn counts_json(judged: &Judged) -> Json {
    let map: serde_json::Map<String, Json> = judged
        .excluded_counts
        .iter()
        .map(|(reason, n)| (reason.as_str().to_owned(), json!(n)))
        .collect();
    Json::Object(map)
}

/// The seats a round gave, for the audit log without saying who (the panel is sealed until
/// its review, and the log is read before): SHA-256 over each seat's slot (4 bytes, big
/// endian) and expert id (16 bytes), in seat order, hex. The revealed record checks it.
fn seats_digest(seats: &[Seat]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for seat in seats {
        hasher.update(u32::try_from(seat.slot).unwrap_or(u32::MAX).to_be_bytes());
        hasher.update(seat.expert_id.as_bytes());
    }
    hex::encode(hasher.finalize())
}

pub(super) fn to_json_text<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::internal(format!("encoding JSON: {e}")))
}

/// What a round's digests are made from: where its eligible experts stand in the pool.
/// Hashing them is most of a draw's work in memory, so a batch does it on a blocking thread
/// while its first statements run (see `writes::write_rounds`).
#[derive(Default)]
pub(super) struct DigestInput {
    positions: Vec<usize>,
}

/// The round's eligible digest and pool digest, hex-encoded.
pub(super) fn round_digests(index: &DrawIndex, input: &DigestInput) -> (String, String) {
    let ids = index.pool.ids();
    (
        hex::encode(eligible_digest(
            input.positions.iter().filter_map(|&i| ids.get(i)),
        )),
        hex::encode(pool_digest_of_entries(
            index.digest_entries(&input.positions),
        )),
    )
}

/// One round of a draw, staged: the round as it will be stored, its digests left to set
/// ([`StagedRound::set_digests`]), the seats it gives, and its audit-log summary.
pub(super) struct StagedRound {
    pub round: panel_draw::Model,
    pub digest_input: DigestInput,
    pub seats: Vec<panel_seat::Model>,
    pub summary: Json,
}

impl StagedRound {
    /// Writes the digests into the round and into its audit-log summary.
    pub fn set_digests(&mut self, digests: (String, String)) {
        let (eligible, pool) = digests;
        self.summary["eligibleDigest"] = Json::String(eligible.clone());
        self.summary["poolDigest"] = Json::String(pool.clone());
        self.round.eligible_digest = eligible;
        self.round.pool_digest = pool;
    }
}

/// What a round is drawn for, besides the pool.
pub(super) struct RoundSpec<'a> {
    pub panel: &'a panel::Model,
    pub round_no: i32,
    pub kind: DrawRoundKind,
    pub review: &'a review::Model,
    pub ctx: &'a ReviewContext,
    pub context: Json,
    pub server_random: [u8; 32],
    /// The commitment that fixed `server_random` before the nonce was typed.
    pub commitment: &'a entity::draw_commitment::Model,
    pub witness_nonce: &'a str,
    pub slots: &'a [Slot],
    /// A replacement: the declined seat and its slot, and everyone ever invited to the panel.
    pub replacing: Option<(&'a panel_seat::Model, usize, &'a [Uuid])>,
    pub drawn_by: Option<Uuid>,
}

/// Judges the pool, draws with the seed from `server_random`, and stages the round with its
/// seats. INSUFFICIENT_CANDIDATES when no valid panel (or replacement) exists.
pub(super) fn stage_round(
    spec: &RoundSpec<'_>,
    index: &DrawIndex,
    facts: &EligibilityFacts,
    earlier: &FastSet<Uuid>,
) -> AppResult<StagedRound> {
    let pool = index.pool.as_ref();
    let judged = judge(index, facts, spec.ctx, earlier);
    let seed = derive_seed(&spec.server_random, spec.review.id, spec.witness_nonce);
    let drawn = match spec.replacing {
        None => run_draw(&judged.eligible, spec.slots, &seed),
        Some((_, slot_index, invited)) => {
            let slot = spec
                .slots
                .first()
                .copied()
                .ok_or_else(|| AppError::internal("a replacement round has no slot"))?;
            draw_replacement(&judged.eligible, slot_index, slot, invited, &seed).map(|s| vec![s])
        }
    }
    .map_err(|e| shortfall(e, &judged))?;
    let round = panel_draw::Model {
        id: Uuid::now_v7(),
        panel_id: spec.panel.id,
        round_no: spec.round_no,
        kind: spec.kind,
        algorithm: DRAW_ALGORITHM.to_owned(),
        review_id: spec.review.id,
        review_date: spec.review.review_date,
        server_random: hex::encode(spec.server_random),
        witness_nonce: spec.witness_nonce.to_owned(),
        seed: hex::encode(seed),
        slots: to_json_text(&slot_records(spec.slots))?,
        replaced_seat_id: spec.replacing.map(|(seat, _, _)| seat.id),
        replaced_slot: spec
            .replacing
            .map(|(_, slot, _)| i32::try_from(slot).unwrap_or(i32::MAX)),
        already_invited: to_json_text(&spec.replacing.map_or(&[][..], |(_, _, invited)| invited))?,
        eligible_count: i32::try_from(judged.eligible.len()).unwrap_or(i32::MAX),
        eligible_digest: String::new(),
        pool_digest: String::new(),
        pool_snapshot: Some(index.snapshot_name.clone()),
        eligible: encode_eligible_positions(pool.experts.len(), &judged.positions),
        excluded_counts: counts_json(&judged).to_string(),
        excluded_total: i32::try_from(judged.excluded_total()).unwrap_or(i32::MAX),
        excluded: encode_excluded_reasons(judged.excluded_reasons()),
        context: spec.context.to_string(),
        drawn_by: spec.drawn_by,
        drawn_at: Utc::now(),
        commitment_id: Some(spec.commitment.id),
        commitment: Some(spec.commitment.commitment.clone()),
        committed_at: Some(spec.commitment.committed_at),
    };
    let seats = seat_models(
        spec.panel,
        round.id,
        &drawn,
        spec.replacing.map(|(s, _, _)| s.id),
    );
    let mut summary = json!({
        "round": spec.round_no,
        "algorithm": DRAW_ALGORITHM,
        "commitment": spec.commitment.commitment,
        "seed": round.seed,
        "eligibleCount": round.eligible_count,
        // Set with the round's digests (`StagedRound::set_digests`).
        "eligibleDigest": null,
        "poolDigest": null,
        "excludedCounts": counts_json(&judged),
        "seatsDigest": seats_digest(&drawn),
    });
    match spec.replacing {
        None => summary["reviewId"] = json!(spec.review.id),
        Some((declined, _, _)) => {
            summary["panelId"] = json!(spec.panel.id);
            summary["replacesSeatId"] = json!(declined.id);
        }
    }
    let digest_input = DigestInput {
        positions: judged.positions,
    };
    Ok(StagedRound {
        round,
        digest_input,
        seats,
        summary,
    })
}

/// The seats a round gives, invited.
fn seat_models(
    panel: &panel::Model,
    draw_id: Uuid,
    seats: &[Seat],
    replaces: Option<Uuid>,
) -> Vec<panel_seat::Model> {
    // At the precision both databases keep: the answer shows these models as written.
    let now = Utc::now().trunc_subsecs(6);
    seats
        .iter()
        .map(|seat| {
            NewSeat {
                panel_id: panel.id,
                draw_id,
                review_id: panel.review_id,
                review_date: panel.review_date,
                expert_id: seat.expert_id,
                slot_index: i32::try_from(seat.slot).unwrap_or(i32::MAX),
                replaces_seat_id: replaces,
            }
            .invited(now)
        })
        .collect()
}

/// A seat as a draw gives it: who sits in which slot of which panel, and the declined seat
/// it replaces, if any. All a seat gains later (its answer, attendance and rating) starts
/// empty.
pub struct NewSeat {
    pub panel_id: Uuid,
    pub draw_id: Uuid,
    pub review_id: Uuid,
    pub review_date: NaiveDate,
    pub expert_id: Uuid,
    pub slot_index: i32,
    pub replaces_seat_id: Option<Uuid>,
}

impl NewSeat {
    /// The seat invited at `now`, with a fresh id.
    pub fn invited(self, now: DateTime<Utc>) -> panel_seat::Model {
        panel_seat::Model {
            id: Uuid::now_v7(),
            panel_id: self.panel_id,
            draw_id: self.draw_id,
            review_id: self.review_id,
            review_date: self.review_date,
            expert_id: self.expert_id,
            slot_index: self.slot_index,
            status: SeatStatus::Invited,
            decline_reason: None,
            responded_at: None,
            responded_by: None,
            replaces_seat_id: self.replaces_seat_id,
            attendance_recorded_at: None,
            attendance_recorded_by: None,
            checked_in_at: None,
            rating: None,
            rating_comment: None,
            rated_by: None,
            rated_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A panel as a draw creates it: what the draw decides. All a panel gains later (its
/// reveal, leader and outcome) starts empty.
pub(super) struct NewPanel {
    pub review_id: Uuid,
    pub audit_id: Uuid,
    pub review_kind: ReviewKind,
    pub review_date: NaiveDate,
    pub organiser_city_code: Option<String>,
    pub size: i32,
    pub composition: String,
    pub exclude_same_city: bool,
    pub drawn_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub sheets_required: bool,
}

impl NewPanel {
    /// The panel, with a fresh id.
    pub(super) fn into_model(self) -> panel::Model {
        panel::Model {
            id: Uuid::now_v7(),
            review_id: self.review_id,
            audit_id: self.audit_id,
            review_kind: self.review_kind,
            review_date: self.review_date,
            organiser_city_code: self.organiser_city_code,
            size: self.size,
            composition: self.composition,
            exclude_same_city: self.exclude_same_city,
            drawn_by: self.drawn_by,
            created_at: self.created_at,
            revealed_at: None,
            revealed_by: None,
            reveal_reason: None,
            sheets_required: self.sheets_required,
            leader_seat_id: None,
            leader_designated_at: None,
            leader_designated_by: None,
            outcome_conclusion: None,
            outcome_score: None,
            outcome_confirmed_at: None,
            outcome_confirmed_by: None,
            outcome_confirmed_by_leader: None,
        }
    }
}

/// A new panel and its first round, staged.
pub(super) struct StagedDraw {
    pub panel: panel::Model,
    pub round: StagedRound,
}

/// One draw in memory: the panel, its first round and its seats.
pub(super) fn stage_draw(
    job: &DrawJob,
    review: &review::Model,
    index: &DrawIndex,
    facts: &EligibilityFacts,
    earlier: &FastSet<Uuid>,
) -> AppResult<StagedDraw> {
    let setting = &job.setting;
    let panel = NewPanel {
        review_id: review.id,
        audit_id: setting.audit.id,
        review_kind: setting.kind,
        review_date: review.review_date,
        organiser_city_code: review.organiser_city_code.clone(),
        size: i32::try_from(job.slots.len()).unwrap_or(i32::MAX),
        composition: to_json_text(&slot_records(&job.slots))?,
        exclude_same_city: setting.ctx.exclude_same_city,
        drawn_by: job.viewer.user_id(),
        created_at: Utc::now().trunc_subsecs(6),
        sheets_required: job.sheets_required,
    }
    .into_model();
    let round = stage_round(
        &RoundSpec {
            panel: &panel,
            round_no: 1,
            kind: DrawRoundKind::Initial,
            review,
            ctx: &setting.ctx,
            context: setting.context_json(),
            server_random: job.random,
            commitment: &job.commitment,
            witness_nonce: &job.nonce,
            slots: &job.slots,
            replacing: None,
            drawn_by: job.viewer.user_id(),
        },
        index,
        facts,
        earlier,
    )?;
    Ok(StagedDraw { panel, round })
}

/// The yearly seats a set of staged seats takes, per (expert, year), in the lock order.
pub(super) fn seats_taken(seats: &[panel_seat::Model]) -> BTreeMap<(Uuid, i32), i32> {
    let mut taken: BTreeMap<(Uuid, i32), i32> = BTreeMap::new();
    for seat in seats {
        *taken
            .entry((seat.expert_id, seat.review_date.year()))
            .or_insert(0) += 1;
    }
    taken
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::NaiveDate;
    use entity::{expert_kind, expert_sector};

    use super::*;
    use crate::domain::{
        ExclusionReason, ExpertStatus, ExpertiseKind, ProfessionalTitle, ReviewKind, ReviewStatus,
        Sector,
    };
    use crate::rules::draw::default_composition;
    use crate::rules::draw_record::{decode_eligible_stored, decode_excluded_stored};
    use crate::services::expert_pool::{Pool, fixtures};

    const RANDOM: [u8; 32] = [7; 32];

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 15).unwrap_or_default()
    }

    /// Twelve active experts in term, three of each kind: steel process experts, then
    /// environmental, energy and audit-method experts; the last one lives in 140100.
    fn index() -> DrawIndex {
        let kinds = [
            ExpertiseKind::IndustryProcess,
            ExpertiseKind::Environmental,
            ExpertiseKind::Energy,
            ExpertiseKind::AuditMethod,
        ];
        let mut experts = Vec::new();
        let mut sector_rows = Vec::new();
        let mut kind_rows = Vec::new();
        for (i, kind) in kinds.iter().flat_map(|k| [k; 3]).enumerate() {
            let city = if i == 11 { "140100" } else { "140200" };
            let mut e = fixtures::expert(
                &format!("专家{i}"),
                "单位",
                city,
                ExpertStatus::Active,
                ProfessionalTitle::Senior,
            );
            e.term_end = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap_or_default();
            sector_rows.push(expert_sector::Model {
                expert_id: e.id,
                sector: Sector::Steel,
            });
            kind_rows.push(expert_kind::Model {
                expert_id: e.id,
                kind: *kind,
            });
            experts.push(e);
        }
        match Pool::from_rows(1, experts, sector_rows, kind_rows) {
            Ok(pool) => DrawIndex::new(Arc::new(pool)),
            Err(e) => panic!("the pool assembles: {e:?}"),
        }
    }

    fn ids(index: &DrawIndex) -> Vec<Uuid> {
        index.pool.experts.iter().map(|e| e.model.id).collect()
    }

    fn review() -> review::Model {
        review::Model {
            id: Uuid::now_v7(),
            audit_id: Uuid::now_v7(),
            kind: ReviewKind::Evaluation,
            review_date: date(),
            organiser_city_code: Some("140100".into()),
            status: ReviewStatus::Scheduled,
            outcome: None,
            score: None,
            opinion: None,
            scheduled_by: None,
            recorded_by: None,
            held_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            starts_at: None,
            venue: None,
            contact_name: None,
            contact_phone: None,
            meeting_note: None,
        }
    }

    fn ctx(kind: ReviewKind) -> ReviewContext {
        ReviewContext {
            review_date: date(),
            kind,
            enterprise_credit_code: "91140100MA0000000X".into(),
            enterprise_city_code: "140100".into(),
            consultancy_credit_code: None,
            exclude_same_city: false,
            seat_cap: 2,
        }
    }

    fn panel_of(review: &review::Model) -> panel::Model {
        NewPanel {
            review_id: review.id,
            audit_id: review.audit_id,
            review_kind: review.kind,
            review_date: review.review_date,
            organiser_city_code: review.organiser_city_code.clone(),
            size: 5,
            composition: String::new(),
            exclude_same_city: false,
            drawn_by: None,
            created_at: Utc::now(),
            sheets_required: false,
        }
        .into_model()
    }

    struct Setup {
        index: DrawIndex,
        commitment: entity::draw_commitment::Model,
        review: review::Model,
        panel: panel::Model,
        ctx: ReviewContext,
        slots: Vec<Slot>,
    }

    impl Setup {
        fn new() -> Setup {
            let review = review();
            Setup {
                index: index(),
                commitment: entity::draw_commitment::Model {
                    id: Uuid::now_v7(),
                    review_id: review.id,
                    server_random: hex::encode(RANDOM),
                    commitment: hex::encode(crate::rules::draw::commitment_of(&RANDOM)),
                    committed_at: Utc::now(),
                    committed_by: None,
                    used_at: None,
                },
                panel: panel_of(&review),
                review,
                ctx: ctx(ReviewKind::Evaluation),
                slots: default_composition(Sector::Steel, 5),
            }
        }

        fn spec(&self) -> RoundSpec<'_> {
            RoundSpec {
                panel: &self.panel,
                round_no: 1,
                kind: DrawRoundKind::Initial,
                review: &self.review,
                ctx: &self.ctx,
                context: json!({}),
                server_random: RANDOM,
                commitment: &self.commitment,
                witness_nonce: "证人",
                slots: &self.slots,
                replacing: None,
                drawn_by: None,
            }
        }

        fn stage(&self, facts: &EligibilityFacts) -> AppResult<StagedRound> {
            stage_round(&self.spec(), &self.index, facts, &FastSet::default())
        }
    }

    fn staged(result: AppResult<StagedRound>) -> StagedRound {
        match result {
            Ok(round) => round,
            Err(e) => panic!("the round stages: {e:?}"),
        }
    }

    fn seated(round: &StagedRound) -> Vec<Uuid> {
        round.seats.iter().map(|s| s.expert_id).collect()
    }

    #[test]
    fn the_same_facts_and_randomness_stage_the_same_seats() {
        let setup = Setup::new();
        let facts = EligibilityFacts::default();
        let first = staged(setup.stage(&facts));
        let again = staged(setup.stage(&facts));
        assert_eq!(seated(&first), seated(&again));
        assert_eq!(first.round.seed, again.round.seed);
        assert_eq!(first.seats.len(), 5);
        assert_eq!(first.round.eligible_count, 12);
        assert_eq!(first.summary["reviewId"], json!(setup.review.id));
        assert!(first.summary.get("panelId").is_none());
        let mut other = setup.spec();
        other.server_random = [8; 32];
        let drawn_otherwise = staged(stage_round(
            &other,
            &setup.index,
            &facts,
            &FastSet::default(),
        ));
        assert_ne!(first.round.seed, drawn_otherwise.round.seed);
    }

    #[test]
    fn the_stored_lists_decode_against_the_snapshot() {
        let mut setup = Setup::new();
        setup.ctx.exclude_same_city = true;
        let staged = staged(setup.stage(&EligibilityFacts::default()));
        let pool_ids = ids(&setup.index);
        let eligible =
            match decode_eligible_stored(&staged.round.eligible, Some(&setup.index.snapshot)) {
                Ok(profiles) => profiles,
                Err(e) => panic!("the eligible list decodes: {e}"),
            };
        assert_eq!(
            eligible.iter().map(|p| p.id).collect::<Vec<_>>(),
            pool_ids[..11]
        );
        let excluded = match decode_excluded_stored(
            &staged.round.excluded,
            &staged.round.eligible,
            Some(&setup.index.snapshot),
        ) {
            Ok(excluded) => excluded,
            Err(e) => panic!("the excluded list decodes: {e}"),
        };
        assert_eq!(excluded, [(pool_ids[11], vec![ExclusionReason::SameCity])]);
        assert_eq!(staged.round.excluded_total, 1);
        assert_eq!(staged.round.excluded_counts, r#"{"SAME_CITY":1}"#);
        assert_eq!(
            staged.round.pool_snapshot.as_deref(),
            Some(setup.index.snapshot_name.as_str())
        );
    }

    #[test]
    fn the_facts_exclude_the_seated_the_capped_and_the_earlier_panel() {
        let mut setup = Setup::new();
        setup.ctx.kind = ReviewKind::Recheck;
        let pool_ids = ids(&setup.index);
        let mut facts = EligibilityFacts::default();
        facts.take(pool_ids[0], date());
        facts.seats.insert((pool_ids[1], 2026), 2);
        // Seats of another year or day count for nothing here.
        facts.seats.insert((pool_ids[2], 2025), 9);
        facts
            .seated
            .insert((pool_ids[2], date().succ_opt().unwrap_or_default()));
        let earlier: FastSet<Uuid> = [pool_ids[3]].into_iter().collect();
        let staged = staged(stage_round(&setup.spec(), &setup.index, &facts, &earlier));
        let counts: Json = match serde_json::from_str(&staged.round.excluded_counts) {
            Ok(counts) => counts,
            Err(e) => panic!("counts are JSON: {e}"),
        };
        assert_eq!(
            counts,
            json!({ "SEATED_SAME_DAY": 1, "SEAT_CAP_REACHED": 1, "PREVIOUS_PANEL_SAME_AUDIT": 1 })
        );
        assert_eq!(staged.round.eligible_count, 9);
        for excluded in &pool_ids[..2] {
            assert!(!seated(&staged).contains(excluded));
        }
    }

    #[test]
    fn too_few_candidates_is_a_typed_shortfall() {
        let setup = Setup::new();
        let mut facts = EligibilityFacts::default();
        for id in ids(&setup.index).into_iter().take(8) {
            facts.take(id, date());
        }
        match setup.stage(&facts) {
            Err(AppError::InsufficientCandidates { message, shortfall }) => {
                assert!(message.contains("too few eligible experts"), "{message}");
                assert_eq!(shortfall.eligible_count, 4);
                assert_eq!(shortfall.excluded_total, 8);
                assert_eq!(
                    shortfall.excluded_counts,
                    BTreeMap::from([(ExclusionReason::SeatedSameDay, 8)])
                );
                assert_eq!(
                    shortfall.unfilled,
                    Unfilled::TooFew {
                        needed: 5,
                        available: 4
                    }
                );
            }
            other => panic!("expected a shortfall, got {:?}", other.map(|r| r.round.id)),
        }
    }

    #[test]
    fn a_slot_nobody_fits_names_the_slot() {
        let setup = Setup::new();
        let mut facts = EligibilityFacts::default();
        // The three steel process experts are seated elsewhere that day.
        for id in ids(&setup.index).into_iter().take(3) {
            facts.take(id, date());
        }
        match setup.stage(&facts) {
            Err(AppError::InsufficientCandidates { shortfall, .. }) => assert_eq!(
                shortfall.unfilled,
                Unfilled::Slot {
                    index: 0,
                    sector: Some(Sector::Steel),
                    kind: Some(ExpertiseKind::IndustryProcess),
                    fitting: 0,
                }
            ),
            other => panic!("expected a shortfall, got {:?}", other.map(|r| r.round.id)),
        }
    }

    #[test]
    fn a_replacement_seats_nobody_invited_before_in_the_declined_slot() {
        let setup = Setup::new();
        let first = staged(setup.stage(&EligibilityFacts::default()));
        let invited = {
            let mut ids = seated(&first);
            ids.sort_unstable();
            ids
        };
        // Three experts of each kind: the open slots may have seated a kind's other two, so
        // its slot has nobody left. At most one kind can be used up that way: replace the
        // first kind-bound slot that still has someone (the draw's ids, and so its seats,
        // differ from run to run).
        let mut found = None;
        for index in 0..setup.slots.len() {
            let slot = setup.slots[index];
            if slot.kind.is_none() {
                continue;
            }
            let declined = first.seats[index].clone();
            let mut spec = setup.spec();
            spec.round_no = 2;
            spec.kind = DrawRoundKind::Replacement;
            spec.slots = std::slice::from_ref(&slot);
            spec.replacing = Some((&declined, index, &invited));
            let slot_no = i32::try_from(index).unwrap_or_default();
            if let Ok(round) = stage_round(
                &spec,
                &setup.index,
                &EligibilityFacts::default(),
                &FastSet::default(),
            ) {
                found = Some((slot_no, declined, round));
                break;
            }
        }
        let Some((slot_no, declined, replaced)) = found else {
            panic!("some kind-bound slot has an expert left");
        };
        assert_eq!(replaced.seats.len(), 1);
        let seat = &replaced.seats[0];
        assert!(!invited.contains(&seat.expert_id));
        assert_eq!(seat.slot_index, slot_no);
        assert_eq!(seat.replaces_seat_id, Some(declined.id));
        assert_eq!(replaced.round.replaced_seat_id, Some(declined.id));
        assert_eq!(replaced.round.replaced_slot, Some(slot_no));
        let stored_invited: Vec<Uuid> = match serde_json::from_str(&replaced.round.already_invited)
        {
            Ok(ids) => ids,
            Err(e) => panic!("the invited list is JSON: {e}"),
        };
        assert_eq!(stored_invited, invited);
        assert_eq!(replaced.summary["replacesSeatId"], json!(declined.id));
        assert_eq!(replaced.summary["panelId"], json!(setup.panel.id));
        assert!(replaced.summary.get("reviewId").is_none());
    }

    #[test]
    fn digests_are_set_in_the_round_and_its_summary() {
        let setup = Setup::new();
        let mut staged = staged(setup.stage(&EligibilityFacts::default()));
        assert!(staged.round.eligible_digest.is_empty());
        assert_eq!(staged.summary["poolDigest"], Json::Null);
        let digests = round_digests(&setup.index, &staged.digest_input);
        assert_eq!(digests.0, hex::encode(eligible_digest(&ids(&setup.index))));
        staged.set_digests(digests.clone());
        assert_eq!(staged.round.eligible_digest, digests.0);
        assert_eq!(staged.round.pool_digest, digests.1);
        assert_eq!(staged.summary["eligibleDigest"], json!(digests.0));
        assert_eq!(staged.summary["poolDigest"], json!(digests.1));
    }

    #[test]
    fn seats_taken_are_counted_per_expert_and_year() {
        let setup = Setup::new();
        let first = staged(setup.stage(&EligibilityFacts::default()));
        let mut seats = first.seats.clone();
        seats.push(first.seats[0].clone());
        let taken = seats_taken(&seats);
        assert_eq!(taken.len(), 5);
        assert_eq!(taken.get(&(first.seats[0].expert_id, 2026)), Some(&2));
        assert!(taken.keys().is_sorted(), "the lock order");
    }
}
