//! The pool judged for one review, looking only at the experts who can have a reason against
//! them (the *suspects*), found through lookups kept per pool revision ([`JudgingIndex`]):
//!
//! - not active (status);
//! - out of term on the review date (by the term's ends, sorted);
//! - employed by the enterprise or its consultancy (by employer code, `code_key`);
//! - of the enterprise's city, when the draw excludes it (by city code);
//! - named by the draw's facts: ties, staff registers, unavailability, seats, earlier panels.
//!
//! Everyone else has no reason under `rules::eligibility`: each of its reasons needs one of
//! the above. The suspects are then judged by those rules, each in full. At 20 000 experts a
//! draw judges a few thousand instead of all of them; the tests hold the result to
//! `partition_pool` over the whole pool.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use super::facts::{EligibilityFacts, FastMap, FastSet};
use super::index::DrawIndex;
use crate::domain::{ExclusionReason, ExpertStatus};
use crate::rules::draw::DrawCandidate;
use crate::rules::eligibility::{
    Candidate, DeclaredConflict, PreparedReview, ReviewContext, StaffTie, Unavailability, code_key,
    first_reason_counts,
};
use crate::services::expert_pool::Pool;

/// The pool's experts by what can make them suspects without any facts, in positions of the
/// pool's order. Made once per pool revision, with the draw's index.
#[derive(Debug, Default)]
pub struct JudgingIndex {
    /// Experts whose status is not active.
    inactive: Vec<usize>,
    /// Every expert by the last day of their term, ascending.
    by_term_end: Vec<(NaiveDate, usize)>,
    /// Every expert by the first day of their term, ascending.
    by_term_start: Vec<(NaiveDate, usize)>,
    /// Experts by their employer's credit code (`code_key`).
    by_employer: FastMap<String, Vec<usize>>,
    /// Experts by their city's code (`code_key`).
    by_city: FastMap<String, Vec<usize>>,
}

impl JudgingIndex {
    pub fn new(pool: &Pool) -> JudgingIndex {
        let mut index = JudgingIndex::default();
        for (i, expert) in pool.experts.iter().enumerate() {
            let model = &expert.model;
            if expert.status != ExpertStatus::Active {
                index.inactive.push(i);
            }
            index.by_term_end.push((model.term_end, i));
            index.by_term_start.push((model.term_start, i));
            if let Some(key) = code_key(&model.employer_credit_code) {
                index.by_employer.entry(key).or_default().push(i);
            }
            if let Some(key) = code_key(&model.city_code) {
                index.by_city.entry(key).or_default().push(i);
            }
        }
        index.by_term_end.sort_unstable();
        index.by_term_start.sort_unstable();
        index
    }

    /// Appends the experts that can have a reason against them for this review without any
    /// facts (in no particular order, possibly twice).
    fn suspects(&self, ctx: &ReviewContext, out: &mut Vec<usize>) {
        let date = ctx.review_date;
        out.extend_from_slice(&self.inactive);
        let ended = self.by_term_end.partition_point(|(end, _)| *end < date);
        out.extend(self.by_term_end[..ended].iter().map(|(_, i)| *i));
        let begun = self
            .by_term_start
            .partition_point(|(start, _)| *start <= date);
        out.extend(self.by_term_start[begun..].iter().map(|(_, i)| *i));
        let codes = [
            Some(ctx.enterprise_credit_code.as_str()),
            ctx.consultancy_credit_code.as_deref(),
        ];
        for code in codes.into_iter().flatten().filter_map(code_key) {
            if let Some(employed) = self.by_employer.get(&code) {
                out.extend_from_slice(employed);
            }
        }
        if ctx.exclude_same_city
            && let Some(same_city) = code_key(&ctx.enterprise_city_code)
                .as_ref()
                .and_then(|city| self.by_city.get(city))
        {
            out.extend_from_slice(same_city);
        }
    }
}

/// What the facts say of one expert of the pool on the review date (most experts have none).
#[derive(Default)]
struct FactsOfExpert<'f> {
    conflicts: Option<&'f Vec<DeclaredConflict>>,
    staff_ties: Option<&'f Vec<StaffTie>>,
    unavailable: Option<&'f Vec<Unavailability>>,
    /// The review date, when a standing seat takes it (borrowed from the facts).
    seated: Option<&'f NaiveDate>,
    seats_this_year: u32,
    on_earlier_panel: bool,
}

impl<'f> FactsOfExpert<'f> {
    fn apply_to(&self, candidate: &mut Candidate<'f>) {
        if let Some(conflicts) = self.conflicts {
            candidate.conflicts = conflicts;
        }
        if let Some(ties) = self.staff_ties {
            candidate.staff_ties = ties;
        }
        if let Some(unavailable) = self.unavailable {
            candidate.unavailable = unavailable;
        }
        if let Some(day) = self.seated {
            candidate.seated_dates = std::slice::from_ref(day);
        }
        candidate.seats_this_year = self.seats_this_year;
        candidate.on_earlier_panel_of_audit = self.on_earlier_panel;
    }
}

/// The facts that can exclude an expert, gathered per expert, by position in the pool,
/// ascending. The facts are few next to the pool, so each is applied to its expert, rather
/// than every expert looked up in every kind of fact; facts about someone no longer in the
/// pool concern no candidate.
fn facts_by_position<'f>(
    pool: &Pool,
    facts: &'f EligibilityFacts,
    ctx: &ReviewContext,
    earlier: &FastSet<Uuid>,
) -> Vec<(usize, FactsOfExpert<'f>)> {
    let date = ctx.review_date;
    let year = date.year();
    let mut at: FastMap<usize, FactsOfExpert<'f>> = FastMap::default();
    fn of<'m, 'f>(
        at: &'m mut FastMap<usize, FactsOfExpert<'f>>,
        pool: &Pool,
        id: Uuid,
    ) -> Option<&'m mut FactsOfExpert<'f>> {
        pool.position(id).map(|i| at.entry(i).or_default())
    }
    for (id, conflicts) in &facts.conflicts {
        if let Some(f) = of(&mut at, pool, *id) {
            f.conflicts = Some(conflicts);
        }
    }
    for (id, ties) in &facts.staff_ties {
        if let Some(f) = of(&mut at, pool, *id) {
            f.staff_ties = Some(ties);
        }
    }
    for (id, unavailable) in &facts.unavailable {
        if let Some(f) = of(&mut at, pool, *id) {
            f.unavailable = Some(unavailable);
        }
    }
    for (id, day) in &facts.seated {
        if *day == date
            && let Some(f) = of(&mut at, pool, *id)
        {
            f.seated = Some(day);
        }
    }
    // A count below the cap is no reason: the expert is no suspect for it.
    for ((id, seats_year), seats) in &facts.seats {
        if *seats_year == year
            && let Ok(seats) = u32::try_from(*seats)
            && seats >= ctx.seat_cap
            && let Some(f) = of(&mut at, pool, *id)
        {
            f.seats_this_year = seats;
        }
    }
    for id in earlier {
        if let Some(f) = of(&mut at, pool, *id) {
            f.on_earlier_panel = true;
        }
    }
    let mut by_position: Vec<(usize, FactsOfExpert<'f>)> = at.into_iter().collect();
    by_position.sort_unstable_by_key(|(i, _)| *i);
    by_position
}

/// The pool judged for one review: who is eligible (the draw's input, ascending by id, with
/// where each stands in the pool) and who is not, and why, in the pool's order.
pub(super) struct Judged<'p> {
    pub eligible: Vec<DrawCandidate<'p>>,
    pub positions: Vec<usize>,
    /// The excluded experts' positions, ascending.
    excluded: Vec<usize>,
    /// Each excluded expert's reasons, end to end, and where each expert's end.
    reasons: Vec<ExclusionReason>,
    reason_ends: Vec<usize>,
    pub excluded_counts: BTreeMap<ExclusionReason, u32>,
}

impl Judged<'_> {
    /// How many experts were excluded (each once).
    pub fn excluded_total(&self) -> usize {
        self.excluded.len()
    }

    /// Each excluded expert's reasons, in the pool's order (the experts whose eligible bit
    /// is clear).
    pub fn excluded_reasons(&self) -> impl Iterator<Item = &[ExclusionReason]> {
        let starts = std::iter::once(0).chain(self.reason_ends.iter().copied());
        starts
            .zip(&self.reason_ends)
            .map(|(start, &end)| self.reasons.get(start..end).unwrap_or_default())
    }
}

/// Judges the pool for one review: the suspects by the rules, everyone else eligible.
pub(super) fn judge<'p>(
    index: &'p DrawIndex,
    facts: &EligibilityFacts,
    ctx: &ReviewContext,
    earlier: &FastSet<Uuid>,
) -> Judged<'p> {
    let with_facts = facts_by_position(&index.pool, facts, ctx, earlier);
    let mut suspects = Vec::with_capacity(index.judging.inactive.len() + with_facts.len());
    index.judging.suspects(ctx, &mut suspects);
    suspects.extend(with_facts.iter().map(|(i, _)| *i));
    suspects.sort_unstable();
    suspects.dedup();

    let review = PreparedReview::new(ctx);
    let mut with_facts = with_facts.into_iter().peekable();
    let mut excluded = Vec::new();
    let mut reasons = Vec::new();
    let mut reason_ends = Vec::new();
    for &i in &suspects {
        let Some(mut candidate) = index.profiles.candidate(i) else {
            continue;
        };
        // Every position with facts is a suspect, so the facts are met in step.
        while with_facts.next_if(|(at, _)| *at < i).is_some() {}
        if let Some((_, f)) = with_facts.next_if(|(at, _)| *at == i) {
            f.apply_to(&mut candidate);
        }
        let before = reasons.len();
        review.reasons_into(&candidate, &mut reasons);
        if reasons.len() > before {
            excluded.push(i);
            reason_ends.push(reasons.len());
        }
    }

    let pool_len = index.pool.experts.len();
    let mut eligible = Vec::with_capacity(pool_len.saturating_sub(excluded.len()));
    let mut positions = Vec::with_capacity(eligible.capacity());
    let mut out = excluded.iter().peekable();
    for (i, candidate) in index.profiles.draw_candidates().enumerate() {
        if out.next_if_eq(&&i).is_none() {
            eligible.push(candidate);
            positions.push(i);
        }
    }
    let mut judged = Judged {
        eligible,
        positions,
        excluded,
        reasons,
        reason_ends,
        excluded_counts: BTreeMap::new(),
    };
    judged.excluded_counts = first_reason_counts(judged.excluded_reasons());
    judged
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::NaiveDate;
    use entity::{expert_kind, expert_sector};
    use rand_chacha::ChaCha8Rng;
    use rand_core::{RngCore, SeedableRng};

    use super::*;
    use crate::domain::{ConflictKind, ExpertiseKind, ProfessionalTitle, ReviewKind, Sector};
    use crate::rules::eligibility::partition_pool;
    use crate::services::expert_pool::fixtures;

    fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
        rng.next_u64() % n
    }

    fn day(rng: &mut ChaCha8Rng) -> NaiveDate {
        // Days around the review dates drawn below (2026), so terms and ties fall on both
        // sides of them and on them.
        let base = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default();
        base + chrono::Days::new(below(rng, 5 * 365))
    }

    const CODES: [&str; 5] = [
        "91140100MA0K000001",
        " 91140100ma0k000001",
        "91140100MA0K000002",
        "91140100MA0K000003",
        "",
    ];
    const CITIES: [&str; 4] = ["140100", "140200", " 140100 ", ""];

    fn pick<'a>(rng: &mut ChaCha8Rng, from: &[&'a str]) -> &'a str {
        from[below(rng, from.len() as u64) as usize]
    }

    /// A pool of `n` experts with random statuses, terms, employers and cities.
    fn random_index(rng: &mut ChaCha8Rng, n: usize) -> DrawIndex {
        let mut experts = Vec::new();
        let mut sectors = Vec::new();
        let mut kinds = Vec::new();
        for i in 0..n {
            // Mostly active, as in a real pool, so that the other reasons show.
            let status = match below(rng, 10) {
                0..7 => ExpertStatus::Active,
                _ => ExpertStatus::ALL[below(rng, ExpertStatus::ALL.len() as u64) as usize],
            };
            let mut e = fixtures::expert(
                &format!("专家{i}"),
                "单位",
                pick(rng, &CITIES),
                status,
                ProfessionalTitle::Senior,
            );
            e.employer_credit_code = pick(rng, &CODES).to_owned();
            let (a, b) = (day(rng), day(rng));
            (e.term_start, e.term_end) = (a.min(b), a.max(b));
            sectors.push(expert_sector::Model {
                expert_id: e.id,
                sector: Sector::Steel,
            });
            kinds.push(expert_kind::Model {
                expert_id: e.id,
                kind: ExpertiseKind::AuditMethod,
            });
            experts.push(e);
        }
        match Pool::from_rows(1, experts, sectors, kinds) {
            Ok(pool) => DrawIndex::new(Arc::new(pool)),
            Err(e) => panic!("the pool assembles: {e:?}"),
        }
    }

    /// Facts about a few experts of the pool, and one about someone outside it.
    fn random_facts(rng: &mut ChaCha8Rng, ids: &[Uuid], date: NaiveDate) -> EligibilityFacts {
        let mut facts = EligibilityFacts::default();
        let someone = |rng: &mut ChaCha8Rng| ids[below(rng, ids.len() as u64) as usize];
        for _ in 0..ids.len() / 4 {
            let id = someone(rng);
            let maybe = |rng: &mut ChaCha8Rng| (below(rng, 3) > 0).then(|| day(rng));
            match below(rng, 6) {
                0 => facts
                    .conflicts
                    .entry(id)
                    .or_default()
                    .push(DeclaredConflict {
                        credit_code: pick(rng, &CODES).to_owned(),
                        kind: ConflictKind::Directorship,
                        from: maybe(rng),
                        until: maybe(rng),
                    }),
                1 => facts.staff_ties.entry(id).or_default().push(StaffTie {
                    credit_code: pick(rng, &CODES).to_owned(),
                    from: day(rng),
                    until: maybe(rng),
                }),
                2 => {
                    let (a, b) = (day(rng), day(rng));
                    facts
                        .unavailable
                        .entry(id)
                        .or_default()
                        .push(Unavailability {
                            from: a.min(b),
                            until: a.max(b),
                        });
                }
                3 => {
                    let on = if below(rng, 2) == 0 { date } else { day(rng) };
                    facts.seated.insert((id, on));
                }
                _ => {
                    let year = if below(rng, 2) == 0 {
                        date.year()
                    } else {
                        2025
                    };
                    facts.seats.insert((id, year), below(rng, 4) as i32);
                }
            }
        }
        facts.seated.insert((Uuid::now_v7(), date));
        facts
    }

    #[test]
    fn judging_the_suspects_is_judging_the_whole_pool() {
        let mut rng = ChaCha8Rng::seed_from_u64(27);
        for round in 0..300 {
            let n = 1 + below(&mut rng, 60) as usize;
            let index = random_index(&mut rng, n);
            let ids = index.pool.ids().to_vec();
            let date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default()
                + chrono::Days::new(below(&mut rng, 365));
            let facts = random_facts(&mut rng, &ids, date);
            let earlier: FastSet<Uuid> = ids
                .iter()
                .filter(|_| below(&mut rng, 8) == 0)
                .copied()
                .collect();
            let consultancy = pick(&mut rng, &CODES);
            let ctx = ReviewContext {
                review_date: date,
                kind: [ReviewKind::Evaluation, ReviewKind::Recheck][round % 2],
                enterprise_credit_code: pick(&mut rng, &CODES).to_owned(),
                enterprise_city_code: pick(&mut rng, &CITIES).to_owned(),
                consultancy_credit_code: (below(&mut rng, 4) > 0).then(|| consultancy.to_owned()),
                exclude_same_city: below(&mut rng, 2) == 0,
                seat_cap: 1 + below(&mut rng, 3) as u32,
            };

            let judged = judge(&index, &facts, &ctx, &earlier);
            let whole = partition_pool(whole_pool(&index, &facts, &ctx, &earlier), &ctx);

            let eligible: Vec<Uuid> = judged.eligible.iter().map(|c| c.id).collect();
            assert_eq!(eligible, whole.eligible, "round {round}: the eligible");
            let at: Vec<Uuid> = judged.positions.iter().map(|&i| ids[i]).collect();
            assert_eq!(at, eligible, "round {round}: their positions");
            let excluded: BTreeMap<Uuid, Vec<ExclusionReason>> = judged
                .excluded
                .iter()
                .zip(judged.excluded_reasons())
                .map(|(&i, why)| (ids[i], why.to_vec()))
                .collect();
            assert_eq!(excluded, whole.excluded, "round {round}: the excluded");
            assert_eq!(judged.excluded_counts, whole.excluded_counts);
            assert_eq!(judged.excluded_total() + eligible.len(), n);
        }
    }

    /// Every expert as `partition_pool` must see them: the profile with all its facts.
    fn whole_pool<'a>(
        index: &'a DrawIndex,
        facts: &'a EligibilityFacts,
        ctx: &ReviewContext,
        earlier: &FastSet<Uuid>,
    ) -> Vec<Candidate<'a>> {
        let mut with_facts: FastMap<usize, FactsOfExpert<'a>> =
            facts_by_position(&index.pool, facts, ctx, earlier)
                .into_iter()
                .collect();
        index
            .profiles
            .candidates()
            .enumerate()
            .map(|(i, mut candidate)| {
                if let Some(f) = with_facts.remove(&i) {
                    f.apply_to(&mut candidate);
                }
                candidate
            })
            .collect()
    }

    #[test]
    fn suspects_without_facts_are_the_inactive_the_out_of_term_and_the_matched() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let index = random_index(&mut rng, 40);
        let ctx = ReviewContext {
            review_date: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default(),
            kind: ReviewKind::Evaluation,
            enterprise_credit_code: CODES[0].to_owned(),
            enterprise_city_code: "140100".to_owned(),
            consultancy_credit_code: None,
            exclude_same_city: true,
            seat_cap: 3,
        };
        let mut suspects = Vec::new();
        index.judging.suspects(&ctx, &mut suspects);
        let review = PreparedReview::new(&ctx);
        for (i, candidate) in index.profiles.candidates().enumerate() {
            let mut reasons = Vec::new();
            review.reasons_into(&candidate, &mut reasons);
            assert_eq!(
                !reasons.is_empty(),
                suspects.contains(&i),
                "expert {i}: {reasons:?}"
            );
        }
    }
}
