//! Demo panels: every held review gets a panel drawn the way `drawPanel` draws one — the same
//! pure draw, seed derivation and record format — so `verifyPanel` reproduces each of them.
//!
//! What differs is the eligible list: a real draw records the whole pool as judged on the day;
//! a demo draw records a sample of about two dozen experts who are free that day, under the
//! yearly cap and new to the audit (the record says so in its context). Storing the whole
//! pool for every one of ~25 000 demo draws would cost about a gigabyte for nothing.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use entity::{expert_seat_count, panel, panel_draw, panel_seat};
use rand_core::RngCore;
use sea_orm::{ConnectionTrait, Set};
use serde_json::json;
use uuid::Uuid;

use crate::domain::{DrawRoundKind, ExpertiseKind, ReviewKind, SeatStatus, Sector};
use crate::error::{AppError, AppResult};
use crate::rules::draw::{
    DRAW_ALGORITHM, DrawCandidate, Seat, Slot, commitment_of, default_size, derive_seed,
    draw_panel, draw_replacement, eligible_digest, pool_digest,
};
use crate::rules::draw_record::{Profile, encode_eligible, encode_excluded, slot_records};
use crate::rules::eligibility::{DEFAULT_SEAT_CAP, conflict_cutoff};
use crate::services::draw::default_slots;

use super::{Gen, Progress, at, insert_batches};

/// How many free experts a demo draw's eligible list holds, and how many of them are picked
/// among the experts fitting the sector slot; a second, larger sample when the first cannot
/// fill the panel (late in a busy year many experts have reached the cap).
const SAMPLES: [(usize, usize); 2] = [(24, 6), (64, 24)];

/// A review the demo held, with what its panel's draw needs to know.
pub(super) struct HeldReview {
    pub id: Uuid,
    pub audit_id: Uuid,
    pub kind: ReviewKind,
    pub date: NaiveDate,
    pub city_code: String,
    pub sector: Option<Sector>,
    pub enterprise_id: Uuid,
    pub enterprise_credit_code: String,
    pub consultancy_credit_code: Option<String>,
}

/// An active expert of the demo pool.
pub(super) struct PoolExpert {
    pub profile: Profile,
}

/// What the panels stage wrote.
#[derive(Default)]
pub(super) struct PanelCounts {
    pub panels: u64,
    pub seats: u64,
    pub draws: u64,
}

/// Who is already taken, as the eligibility rules would see it.
#[derive(Default)]
struct Bookings {
    seats_in_year: HashMap<(Uuid, i32), u32>,
    busy_days: HashSet<(Uuid, NaiveDate)>,
    on_audit: HashSet<(Uuid, Uuid)>,
}

impl Bookings {
    fn free(&self, expert: Uuid, review: &HeldReview) -> bool {
        !self.busy_days.contains(&(expert, review.date))
            && !self.on_audit.contains(&(expert, review.audit_id))
            && self
                .seats_in_year
                .get(&(expert, review.date.year()))
                .is_none_or(|n| *n < DEFAULT_SEAT_CAP)
    }

    fn book(&mut self, expert: Uuid, review: &HeldReview) {
        *self
            .seats_in_year
            .entry((expert, review.date.year()))
            .or_default() += 1;
        self.busy_days.insert((expert, review.date));
        self.on_audit.insert((expert, review.audit_id));
    }
}

/// A sample of free experts for the review, some of them fitting its sector slot.
fn sample_free<'p>(
    g: &mut Gen,
    pool: &'p [PoolExpert],
    everyone: &[usize],
    fitting_sector: &[usize],
    bookings: &Bookings,
    review: &HeldReview,
    (sample, sector_picks): (usize, usize),
) -> Vec<&'p Profile> {
    let mut chosen: Vec<&Profile> = Vec::with_capacity(sample);
    let mut seen = HashSet::new();
    let mut take = |g: &mut Gen, from: &[usize], want: usize, chosen: &mut Vec<&'p Profile>| {
        let goal = chosen.len() + want;
        for _ in 0..want * 8 {
            if chosen.len() >= goal || from.is_empty() {
                break;
            }
            let index = from[g.below(from.len() as u64) as usize];
            let profile = &pool[index].profile;
            if seen.insert(profile.id) && bookings.free(profile.id, review) {
                chosen.push(profile);
            }
        }
    };
    take(g, fitting_sector, sector_picks, &mut chosen);
    let rest = sample - chosen.len();
    take(g, everyone, rest, &mut chosen);
    chosen.sort_by_key(|p| p.id);
    chosen
}

fn json_text<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::internal(format!("encoding JSON: {e}")))
}

fn random_bytes(g: &mut Gen) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    g.rng.fill_bytes(&mut bytes);
    bytes
}

/// Drawn rows go to the database every this many seats, with their panels and draws, so a
/// national-scale seed never holds all its panels in memory (at scale 10 they took 0.5 GB).
const FLUSH_SEATS: usize = 16_384;

#[derive(Default)]
struct Rows {
    panels: Vec<panel::ActiveModel>,
    draws: Vec<panel_draw::ActiveModel>,
    seats: Vec<panel_seat::ActiveModel>,
}

/// The tables' own progress, which the panels stage (counted in reviews) stands for.
struct Silent;

impl Progress for Silent {
    fn update(&self, _: &str, _: u64, _: u64) {}
}

impl Rows {
    /// Inserts what was drawn so far (panels before the draws and seats that refer to them).
    async fn flush(
        &mut self,
        db: &impl ConnectionTrait,
        counts: &mut PanelCounts,
    ) -> AppResult<()> {
        let panels = std::mem::take(&mut self.panels);
        counts.panels += insert_batches(db, panels, "panels", &Silent).await?;
        let draws = std::mem::take(&mut self.draws);
        counts.draws += insert_batches(db, draws, "panel draws", &Silent).await?;
        let seats = std::mem::take(&mut self.seats);
        counts.seats += insert_batches(db, seats, "panel seats", &Silent).await?;
        Ok(())
    }
}

/// One stored round: the draw row of `drawPanel`, over the sampled eligible list.
#[allow(clippy::too_many_arguments)]
fn draw_row(
    g: &mut Gen,
    panel_id: Uuid,
    round_no: i32,
    kind: DrawRoundKind,
    review: &HeldReview,
    eligible: &[&Profile],
    slots: &[Slot],
    replaced: Option<(Uuid, usize)>,
    already_invited: &[Uuid],
) -> AppResult<(panel_draw::ActiveModel, [u8; 32])> {
    let server_random = random_bytes(g);
    let seed = derive_seed(&server_random, review.id, "");
    let ids: Vec<Uuid> = eligible.iter().map(|p| p.id).collect();
    let candidates: Vec<DrawCandidate<'_>> = eligible.iter().map(|p| p.as_candidate()).collect();
    let drawn_at = at(review.date - Duration::days(14 - i64::from(round_no)));
    let row = panel_draw::ActiveModel {
        id: Set(g.id()),
        panel_id: Set(panel_id),
        round_no: Set(round_no),
        kind: Set(kind),
        algorithm: Set(DRAW_ALGORITHM.into()),
        review_id: Set(review.id),
        review_date: Set(review.date),
        server_random: Set(hex::encode(server_random)),
        witness_nonce: Set(String::new()),
        seed: Set(hex::encode(seed)),
        slots: Set(json_text(&slot_records(slots))?),
        replaced_seat_id: Set(replaced.map(|(id, _)| id)),
        replaced_slot: Set(replaced.map(|(_, slot)| slot as i32)),
        already_invited: Set(json_text(&already_invited)?),
        eligible_count: Set(eligible.len() as i32),
        eligible_digest: Set(hex::encode(eligible_digest(&ids))),
        pool_digest: Set(hex::encode(pool_digest(&candidates))),
        // Self-contained (version 1): the demo's rounds draw from slices of the pool.
        pool_snapshot: Set(None),
        eligible: Set(encode_eligible(&candidates)),
        excluded_counts: Set("{}".into()),
        excluded_total: Set(0),
        excluded: Set(encode_excluded(&Default::default())),
        context: Set(json!({
            "reviewKind": review.kind.as_str(),
            "reviewDate": review.date,
            "enterpriseId": review.enterprise_id,
            "enterpriseCreditCode": review.enterprise_credit_code,
            "enterpriseCityCode": review.city_code,
            "consultancyCreditCode": review.consultancy_credit_code,
            "excludeSameCity": false,
            "seatCap": DEFAULT_SEAT_CAP,
            "conflictCutoff": conflict_cutoff(review.date),
            "demo": "seed-demo: the eligible list is a sample of the free experts",
        })
        .to_string()),
        drawn_by: Set(None),
        drawn_at: Set(drawn_at),
        // Committed ten minutes before the draw, as `openDraw` would have (no log entry).
        commitment_id: Set(None),
        commitment: Set(Some(hex::encode(commitment_of(&server_random)))),
        committed_at: Set(Some(drawn_at - Duration::minutes(10))),
    };
    Ok((row, seed))
}

#[allow(clippy::too_many_arguments)]
fn seat_row(
    g: &mut Gen,
    panel_id: Uuid,
    draw_id: Uuid,
    review: &HeldReview,
    seat: &Seat,
    status: SeatStatus,
    replaces: Option<Uuid>,
) -> panel_seat::ActiveModel {
    let invited = at(review.date - Duration::days(14));
    let held = at(review.date);
    let attended = status == SeatStatus::Attended;
    let rating = attended.then(|| g.range(60, 100) * 10_000);
    panel_seat::ActiveModel {
        id: Set(g.id()),
        panel_id: Set(panel_id),
        draw_id: Set(draw_id),
        review_id: Set(review.id),
        review_date: Set(review.date),
        expert_id: Set(seat.expert_id),
        slot_index: Set(seat.slot as i32),
        status: Set(status),
        decline_reason: Set((status == SeatStatus::Declined).then(|| "评审当日另有公务".into())),
        responded_at: Set(Some(invited + Duration::days(1))),
        responded_by: Set(None),
        replaces_seat_id: Set(replaces),
        attendance_recorded_at: Set(attended.then_some(held)),
        attendance_recorded_by: Set(None),
        checked_in_at: Set(attended.then_some(held)),
        rating: Set(rating),
        rating_comment: Set(rating.map(|_| "意见中肯，准备充分".into())),
        rated_by: Set(None),
        rated_at: Set(rating.map(|_| held)),
        version: Set(1),
        created_at: Set(invited),
        updated_at: Set(held),
    }
}

/// Draws and seats one review's panel; `false` when the sample could not fill it (the cap
/// and the days taken leave too few experts), and then nothing was added.
fn panel_for(
    g: &mut Gen,
    review: &HeldReview,
    pool: &[PoolExpert],
    everyone: &[usize],
    fitting: &HashMap<Sector, Vec<usize>>,
    bookings: &mut Bookings,
    rows: &mut Rows,
) -> AppResult<bool> {
    let size = default_size(review.kind);
    let slots = default_slots(review.sector, size);
    let no_one = Vec::new();
    let fitting_sector = review
        .sector
        .and_then(|s| fitting.get(&s))
        .unwrap_or(&no_one);
    for sample in SAMPLES {
        let eligible = sample_free(g, pool, everyone, fitting_sector, bookings, review, sample);
        if draw_from(g, review, &slots, &eligible, bookings, rows)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Draws over one sample; `false` when it cannot fill the panel, and then nothing was added.
fn draw_from(
    g: &mut Gen,
    review: &HeldReview,
    slots: &[Slot],
    eligible: &[&Profile],
    bookings: &mut Bookings,
    rows: &mut Rows,
) -> AppResult<bool> {
    let panel_id = g.id();
    let (first, seed) = draw_row(
        g,
        panel_id,
        1,
        DrawRoundKind::Initial,
        review,
        eligible,
        slots,
        None,
        &[],
    )?;
    let candidates: Vec<DrawCandidate<'_>> = eligible.iter().map(|p| p.as_candidate()).collect();
    let Ok(drawn) = draw_panel(&candidates, slots, &seed) else {
        return Ok(false);
    };
    let first_id = match &first.id {
        sea_orm::ActiveValue::Set(id) => *id,
        _ => return Err(AppError::internal("a demo draw has no id")),
    };
    rows.panels.push(panel::ActiveModel {
        id: Set(panel_id),
        review_id: Set(review.id),
        audit_id: Set(review.audit_id),
        review_kind: Set(review.kind),
        review_date: Set(review.date),
        organiser_city_code: Set(Some(review.city_code.clone())),
        size: Set(slots.len() as i32),
        composition: Set(json_text(&slot_records(slots))?),
        exclude_same_city: Set(false),
        drawn_by: Set(None),
        created_at: Set(at(review.date - Duration::days(14))),
        revealed_at: Set(None),
        revealed_by: Set(None),
        reveal_reason: Set(None),
        // The demo's reviews are history: held on paper, before opinion sheets.
        sheets_required: Set(false),
        leader_seat_id: Set(None),
        leader_designated_at: Set(None),
        leader_designated_by: Set(None),
        outcome_conclusion: Set(None),
        outcome_score: Set(None),
        outcome_confirmed_at: Set(None),
        outcome_confirmed_by: Set(None),
        outcome_confirmed_by_leader: Set(None),
    });
    rows.draws.push(first);
    // One panel in twenty-five has a seat declined and drawn again (补抽).
    let declined = g.chance(4).then(|| g.below(drawn.len() as u64) as usize);
    let invited: Vec<Uuid> = drawn.iter().map(|s| s.expert_id).collect();
    let mut declined_seat = None;
    for (i, seat) in drawn.iter().enumerate() {
        let status = if Some(i) == declined {
            SeatStatus::Declined
        } else if g.chance(1) {
            SeatStatus::NoShow
        } else {
            SeatStatus::Attended
        };
        let row = seat_row(g, panel_id, first_id, review, seat, status, None);
        if status == SeatStatus::Declined {
            if let sea_orm::ActiveValue::Set(id) = &row.id {
                declined_seat = Some((*id, seat.slot));
            }
        } else {
            bookings.book(seat.expert_id, review);
        }
        rows.seats.push(row);
    }
    if let Some((seat_id, slot_index)) = declined_seat {
        let slot = slots[slot_index];
        let (round, seed) = draw_row(
            g,
            panel_id,
            2,
            DrawRoundKind::Replacement,
            review,
            eligible,
            &[slot],
            Some((seat_id, slot_index)),
            &invited,
        )?;
        // Without a free expert left for the slot the panel sits one short, as it would.
        if let Ok(replacement) = draw_replacement(&candidates, slot_index, slot, &invited, &seed)
            && let sea_orm::ActiveValue::Set(round_id) = &round.id
        {
            let round_id = *round_id;
            rows.draws.push(round);
            bookings.book(replacement.expert_id, review);
            let row = seat_row(
                g,
                panel_id,
                round_id,
                review,
                &replacement,
                SeatStatus::Attended,
                Some(seat_id),
            );
            rows.seats.push(row);
        }
    }
    Ok(true)
}

/// Draws a panel for every held review, in date order, and stores them in one transaction.
pub(super) async fn seed_panels(
    db: &impl ConnectionTrait,
    g: &mut Gen,
    reviews: &mut [HeldReview],
    pool: &[PoolExpert],
    progress: &dyn Progress,
) -> AppResult<PanelCounts> {
    reviews.sort_by_key(|r| (r.date, r.id));
    // Indexes into the pool: everyone, and those fitting each sector's process slot.
    let everyone: Vec<usize> = (0..pool.len()).collect();
    let mut fitting: HashMap<Sector, Vec<usize>> = HashMap::new();
    for (i, expert) in pool.iter().enumerate() {
        if expert
            .profile
            .expertise
            .contains(&ExpertiseKind::IndustryProcess)
        {
            for sector in &expert.profile.sectors {
                fitting.entry(*sector).or_default().push(i);
            }
        }
    }
    let mut bookings = Bookings::default();
    let mut rows = Rows::default();
    let mut written = PanelCounts::default();
    let stage = "panels";
    let total = reviews.len() as u64;
    for (done, review) in reviews.iter().enumerate() {
        panel_for(
            g,
            review,
            pool,
            &everyone,
            &fitting,
            &mut bookings,
            &mut rows,
        )?;
        if rows.seats.len() >= FLUSH_SEATS {
            rows.flush(db, &mut written).await?;
        }
        if done % 1_000 == 0 {
            progress.update(stage, done as u64, total);
        }
    }
    rows.flush(db, &mut written).await?;
    progress.update(stage, total, total);
    let counts: Vec<expert_seat_count::ActiveModel> = {
        let mut sorted: Vec<_> = bookings.seats_in_year.into_iter().collect();
        sorted.sort();
        sorted
            .into_iter()
            .map(
                |((expert_id, year), seats)| expert_seat_count::ActiveModel {
                    expert_id: Set(expert_id),
                    year: Set(year),
                    seats: Set(seats as i32),
                },
            )
            .collect()
    };
    insert_batches(db, counts, "seat counts", progress).await?;
    Ok(written)
}
