//! Who may be drawn for a panel, and why not.
//!
//! Pure rules over plain inputs (no database types), so the service can load the pool in one
//! go and the admin view can show every expert's reasons. The reasons are checked and listed
//! in one fixed order, the declaration order of [`ExclusionReason`] (`NOT_ACTIVE`,
//! `OUT_OF_TERM`, `UNAVAILABLE`, `SEATED_SAME_DAY`, `SEAT_CAP_REACHED`, `CONFLICT_ENTERPRISE`,
//! `CONFLICT_CONSULTANCY`, `PREVIOUS_PANEL_SAME_AUDIT`, `SAME_CITY`, `STAFF_OF_CONSULTANCY`);
//! the per-reason counts
//! of a draw count each excluded expert once, under its first reason in that order, so the
//! counts add up to the number excluded.
//!
//! Conflicts (回避) follow the plan: the current employer always counts; a declared tie counts
//! when it is active on the review date or ended less than three years before it. The exact
//! boundary is [`tie_counts`]: `until > review_date − 3 years`, where "− 3 years" is calendar
//! month arithmetic (36 months) that falls back to the last day of the month when the day
//! does not exist (29 February → 28 February), the month-end rule of Civil Code art. 202.
//! So a tie that ended exactly three years (to the day) before the review no longer counts,
//! and one that ended a day later still does.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use uuid::Uuid;

use crate::domain::{
    ConflictKind, ExclusionReason, ExpertStatus, ExpertiseKind, ReviewKind, Sector,
};

/// The yearly seat cap when the configuration does not set one (common provincial practice).
pub const DEFAULT_SEAT_CAP: u32 = 12;

/// How long an ended tie still counts as a conflict, in months (three years).
pub const CONFLICT_LOOKBACK_MONTHS: u32 = 36;

/// A tie an expert declared toward an organisation, named by its unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredConflict {
    pub credit_code: String,
    pub kind: ConflictKind,
    /// First day of the tie; `None` when not known (treated as "always was").
    pub from: Option<NaiveDate>,
    /// Last day of the tie; `None` while it lasts.
    pub until: Option<NaiveDate>,
}

/// A spell on a consultancy's staff register of the same person as the expert (matched by
/// the keyed hash of the ID card number), whether or not the expert declared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffTie {
    pub credit_code: String,
    pub from: NaiveDate,
    /// Last day on the register; `None` while employed.
    pub until: Option<NaiveDate>,
}

/// Dates an expert declared they cannot serve, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailability {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

/// One expert of the pool as the eligibility rules see them. Borrows the pool's data and the
/// draw's facts: a draw makes one per expert of the pool, so it holds nothing of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub expert_id: Uuid,
    pub status: ExpertStatus,
    /// Term of appointment, both ends inclusive.
    pub term_start: NaiveDate,
    pub term_end: NaiveDate,
    /// GB/T 2260 code of the expert's city.
    pub city_code: &'a str,
    pub sectors: &'a [Sector],
    pub expertise: &'a [ExpertiseKind],
    /// Credit code of the current employer, when known.
    pub employer_credit_code: Option<&'a str>,
    pub conflicts: &'a [DeclaredConflict],
    /// Spells on consultancies' staff registers (by identity, not declaration).
    pub staff_ties: &'a [StaffTie],
    pub unavailable: &'a [Unavailability],
    /// Dates of the expert's seats on *other* panels that still stand (invited, confirmed,
    /// attended; not declined).
    pub seated_dates: &'a [NaiveDate],
    /// Seats that count toward the yearly cap in the review's calendar year.
    pub seats_this_year: u32,
    /// Whether the expert sat on an earlier review (evaluation or acceptance) of the same
    /// audit. Only a RECHECK excludes them.
    pub on_earlier_panel_of_audit: bool,
}

/// The review a panel is drawn for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewContext {
    pub review_date: NaiveDate,
    pub kind: ReviewKind,
    pub enterprise_credit_code: String,
    pub enterprise_city_code: String,
    pub consultancy_credit_code: Option<String>,
    /// Exclude experts of the enterprise's city (asked for per draw).
    pub exclude_same_city: bool,
    /// An expert with this many seats in the year is not drawn again.
    pub seat_cap: u32,
}

/// The pool split for one draw.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Partition {
    /// Eligible expert ids, ascending and without duplicates: the draw's input.
    pub eligible: Vec<Uuid>,
    /// Excluded experts per reason, each counted once under its first reason. Reasons
    /// with no one excluded are absent.
    pub excluded_counts: BTreeMap<ExclusionReason, u32>,
    /// Every excluded expert with all the reasons that apply (admin view).
    pub excluded: BTreeMap<Uuid, Vec<ExclusionReason>>,
}

impl Partition {
    /// How many experts were excluded (each once).
    pub fn excluded_total(&self) -> u32 {
        self.excluded_counts.values().sum()
    }
}

/// The first day on which a tie that ended the day before no longer counts is the review
/// date minus three years: a tie counts when `until` is after this date.
///
/// Month arithmetic keeps the day of month, or takes the month's last day when it does not
/// exist (2024-02-29 → 2021-02-28). Out of chrono's range the earliest date is returned, so
/// every ended tie counts (the cautious side).
pub fn conflict_cutoff(review_date: NaiveDate) -> NaiveDate {
    review_date
        .checked_sub_months(Months::new(CONFLICT_LOOKBACK_MONTHS))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether a tie from `from` to `until` (inclusive, open ends allowed) counts on the
/// review date: it has begun (`from ≤ date`) and has not ended three or more years before
/// (`until > date − 3 years`, see [`conflict_cutoff`]). A tie still running on the date is
/// covered by the same test. A tie that begins after the review date does not count.
pub fn tie_counts(
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    review_date: NaiveDate,
) -> bool {
    let begun = from.is_none_or(|f| f <= review_date);
    let recent = until.is_none_or(|u| u > conflict_cutoff(review_date));
    begun && recent
}

/// The review's side of the rules, made once per draw rather than once per expert: its codes
/// without surrounding blanks (a draw compares them with many experts).
pub struct PreparedReview<'c> {
    ctx: &'c ReviewContext,
    enterprise_credit_code: &'c str,
    consultancy_credit_code: Option<&'c str>,
    enterprise_city_code: &'c str,
}

impl<'c> PreparedReview<'c> {
    pub fn new(ctx: &'c ReviewContext) -> PreparedReview<'c> {
        PreparedReview {
            ctx,
            enterprise_credit_code: ctx.enterprise_credit_code.trim(),
            consultancy_credit_code: ctx.consultancy_credit_code.as_deref().map(str::trim),
            enterprise_city_code: ctx.enterprise_city_code.trim(),
        }
    }

    /// Appends every reason that keeps this expert off the panel to `out`, in the fixed
    /// order of [`ExclusionReason`]; appends nothing when eligible.
    pub fn reasons_into(&self, candidate: &Candidate, out: &mut Vec<ExclusionReason>) {
        reasons_against(candidate, self, out);
    }
}

/// The form under which two codes (credit codes, city codes) are the same for the rules:
/// without surrounding blanks, ASCII upper case; `None` for a blank code, which matches
/// nothing. Two codes `a` and `b` match exactly when `code_key(a) == code_key(b)` and is
/// `Some`, so a lookup by key finds what a comparison with every expert would.
pub fn code_key(code: &str) -> Option<String> {
    let trimmed = code.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_ascii_uppercase())
}

/// Credit codes compare without surrounding blanks and case (they are upper-case
/// alphanumerics); an empty code matches nothing, so missing data never makes a conflict
/// between two unknowns. `trimmed` is already without blanks.
fn same_code(code: &str, trimmed: &str) -> bool {
    !trimmed.is_empty() && code.trim().eq_ignore_ascii_case(trimmed)
}

/// Whether the expert has a counting tie toward the organisation with this credit code
/// (`code` without surrounding blanks).
fn conflicted_with(candidate: &Candidate, code: &str, review_date: NaiveDate) -> bool {
    let employer = candidate
        .employer_credit_code
        .is_some_and(|e| same_code(e, code));
    employer
        || candidate
            .conflicts
            .iter()
            .any(|c| same_code(&c.credit_code, code) && tie_counts(c.from, c.until, review_date))
}

/// Every reason that keeps this expert off the panel, in the fixed order of
/// [`ExclusionReason`]; empty when eligible.
pub fn exclusion_reasons(candidate: &Candidate, ctx: &ReviewContext) -> Vec<ExclusionReason> {
    let mut reasons = Vec::new();
    reasons_against(candidate, &PreparedReview::new(ctx), &mut reasons);
    reasons
}

fn reasons_against(
    candidate: &Candidate,
    review: &PreparedReview,
    reasons: &mut Vec<ExclusionReason>,
) {
    let ctx = review.ctx;
    let date = ctx.review_date;
    if candidate.status != ExpertStatus::Active {
        reasons.push(ExclusionReason::NotActive);
    }
    if date < candidate.term_start || date > candidate.term_end {
        reasons.push(ExclusionReason::OutOfTerm);
    }
    if candidate
        .unavailable
        .iter()
        .any(|u| u.from <= date && date <= u.until)
    {
        reasons.push(ExclusionReason::Unavailable);
    }
    if candidate.seated_dates.contains(&date) {
        reasons.push(ExclusionReason::SeatedSameDay);
    }
    if candidate.seats_this_year >= ctx.seat_cap {
        reasons.push(ExclusionReason::SeatCapReached);
    }
    if conflicted_with(candidate, review.enterprise_credit_code, date) {
        reasons.push(ExclusionReason::ConflictEnterprise);
    }
    if review
        .consultancy_credit_code
        .is_some_and(|code| conflicted_with(candidate, code, date))
    {
        reasons.push(ExclusionReason::ConflictConsultancy);
    }
    if ctx.kind == ReviewKind::Recheck && candidate.on_earlier_panel_of_audit {
        reasons.push(ExclusionReason::PreviousPanelSameAudit);
    }
    if ctx.exclude_same_city && same_code(candidate.city_code, review.enterprise_city_code) {
        reasons.push(ExclusionReason::SameCity);
    }
    if review.consultancy_credit_code.is_some_and(|code| {
        candidate
            .staff_ties
            .iter()
            .any(|t| same_code(&t.credit_code, code) && tie_counts(Some(t.from), t.until, date))
    }) {
        reasons.push(ExclusionReason::StaffOfConsultancy);
    }
}

/// How many experts each reason excluded, each expert counted once under its first reason
/// (`reasons`: each excluded expert's reasons in the fixed order). Reasons that excluded no
/// one are absent.
pub fn first_reason_counts<'r>(
    reasons: impl IntoIterator<Item = &'r [ExclusionReason]>,
) -> BTreeMap<ExclusionReason, u32> {
    let mut counts = BTreeMap::new();
    for first in reasons.into_iter().filter_map(|r| r.first()) {
        *counts.entry(*first).or_insert(0) += 1;
    }
    counts
}

/// Splits the pool into the sorted eligible ids and the excluded experts with their reasons,
/// judging every expert: the rules' reference. A draw judges only the experts that can have
/// a reason (`services::draw::judging`), and its tests hold it to this.
///
/// An id listed twice is merged (reasons united); if any of its entries is excluded the
/// expert is excluded, so a duplicate row can never smuggle someone in.
pub fn partition_pool<'a, C>(
    candidates: impl IntoIterator<Item = C>,
    ctx: &ReviewContext,
) -> Partition
where
    C: Borrow<Candidate<'a>>,
{
    let review = PreparedReview::new(ctx);
    let mut excluded: BTreeMap<Uuid, Vec<ExclusionReason>> = BTreeMap::new();
    let candidates = candidates.into_iter();
    // Most of a pool is eligible.
    let mut eligible = Vec::with_capacity(candidates.size_hint().0);
    let mut judged = 0;
    let mut reasons = Vec::new();
    for candidate in candidates {
        let candidate = candidate.borrow();
        judged += 1;
        reasons.clear();
        reasons_against(candidate, &review, &mut reasons);
        if reasons.is_empty() {
            eligible.push(candidate.expert_id);
        } else {
            let entry = excluded.entry(candidate.expert_id).or_default();
            entry.extend(reasons.iter().copied());
            entry.sort_unstable();
            entry.dedup();
        }
    }
    eligible.sort_unstable();
    eligible.dedup();
    // Only an id listed more than once can be both eligible and excluded.
    if eligible.len() + excluded.len() != judged {
        eligible.retain(|id| !excluded.contains_key(id));
    }

    let excluded_counts = first_reason_counts(excluded.values().map(Vec::as_slice));
    Partition {
        eligible,
        excluded_counts,
        excluded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::test_date as d;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    const ENTERPRISE: &str = "91140100MA0K000001";
    const CONSULTANCY: &str = "91140100MA0K000002";

    fn ctx() -> ReviewContext {
        ReviewContext {
            review_date: d(2025, 6, 10),
            kind: ReviewKind::Evaluation,
            enterprise_credit_code: ENTERPRISE.into(),
            enterprise_city_code: "140100".into(),
            consultancy_credit_code: Some(CONSULTANCY.into()),
            exclude_same_city: false,
            seat_cap: DEFAULT_SEAT_CAP,
        }
    }

    fn ok(n: u128) -> Candidate<'static> {
        Candidate {
            expert_id: id(n),
            status: ExpertStatus::Active,
            term_start: d(2023, 1, 1),
            term_end: d(2027, 12, 31),
            city_code: "140200",
            sectors: &[Sector::Steel],
            expertise: &[ExpertiseKind::IndustryProcess],
            employer_credit_code: Some("91140200MA0K000009"),
            conflicts: &[],
            staff_ties: &[],
            unavailable: &[],
            seated_dates: &[],
            seats_this_year: 0,
            on_earlier_panel_of_audit: false,
        }
    }

    fn tie(code: &str, from: Option<NaiveDate>, until: Option<NaiveDate>) -> DeclaredConflict {
        DeclaredConflict {
            credit_code: code.into(),
            kind: ConflictKind::Directorship,
            from,
            until,
        }
    }

    #[test]
    fn eligible_expert_has_no_reason() {
        assert!(exclusion_reasons(&ok(1), &ctx()).is_empty());
    }

    #[test]
    fn every_status_but_active_is_excluded() {
        for status in ExpertStatus::ALL {
            let c = Candidate {
                status: *status,
                ..ok(1)
            };
            let expected = if *status == ExpertStatus::Active {
                vec![]
            } else {
                vec![ExclusionReason::NotActive]
            };
            assert_eq!(exclusion_reasons(&c, &ctx()), expected, "{status}");
        }
    }

    #[test]
    fn term_is_inclusive() {
        let on_start = Candidate {
            term_start: d(2025, 6, 10),
            ..ok(1)
        };
        assert!(exclusion_reasons(&on_start, &ctx()).is_empty());
        let on_end = Candidate {
            term_end: d(2025, 6, 10),
            ..ok(1)
        };
        assert!(exclusion_reasons(&on_end, &ctx()).is_empty());
        let not_yet = Candidate {
            term_start: d(2025, 6, 11),
            ..ok(1)
        };
        assert_eq!(
            exclusion_reasons(&not_yet, &ctx()),
            [ExclusionReason::OutOfTerm]
        );
        let ended = Candidate {
            term_end: d(2025, 6, 9),
            ..ok(1)
        };
        assert_eq!(
            exclusion_reasons(&ended, &ctx()),
            [ExclusionReason::OutOfTerm]
        );
    }

    #[test]
    fn unavailability_is_inclusive() {
        let range = |from, until| Candidate {
            unavailable: vec![Unavailability { from, until }].leak(),
            ..ok(1)
        };
        let r = [ExclusionReason::Unavailable];
        assert_eq!(
            exclusion_reasons(&range(d(2025, 6, 10), d(2025, 6, 10)), &ctx()),
            r
        );
        assert_eq!(
            exclusion_reasons(&range(d(2025, 6, 1), d(2025, 6, 10)), &ctx()),
            r
        );
        assert_eq!(
            exclusion_reasons(&range(d(2025, 6, 10), d(2025, 6, 20)), &ctx()),
            r
        );
        assert!(exclusion_reasons(&range(d(2025, 6, 1), d(2025, 6, 9)), &ctx()).is_empty());
        assert!(exclusion_reasons(&range(d(2025, 6, 11), d(2025, 6, 20)), &ctx()).is_empty());
    }

    #[test]
    fn seated_same_day_only_on_that_day() {
        let c = Candidate {
            seated_dates: &[d(2025, 6, 9), d(2025, 6, 11)],
            ..ok(1)
        };
        assert!(exclusion_reasons(&c, &ctx()).is_empty());
        let c = Candidate {
            seated_dates: &[d(2025, 6, 10)],
            ..ok(1)
        };
        assert_eq!(
            exclusion_reasons(&c, &ctx()),
            [ExclusionReason::SeatedSameDay]
        );
    }

    #[test]
    fn seat_cap_is_reached_at_the_cap() {
        let seats = |n| Candidate {
            seats_this_year: n,
            ..ok(1)
        };
        assert!(exclusion_reasons(&seats(11), &ctx()).is_empty());
        assert_eq!(
            exclusion_reasons(&seats(12), &ctx()),
            [ExclusionReason::SeatCapReached]
        );
        let low_cap = ReviewContext {
            seat_cap: 2,
            ..ctx()
        };
        assert_eq!(
            exclusion_reasons(&seats(2), &low_cap),
            [ExclusionReason::SeatCapReached]
        );
        assert!(exclusion_reasons(&seats(1), &low_cap).is_empty());
    }

    #[test]
    fn current_employer_always_counts() {
        let lower = ENTERPRISE.to_lowercase();
        let c = Candidate {
            employer_credit_code: Some(&lower),
            ..ok(1)
        };
        assert_eq!(
            exclusion_reasons(&c, &ctx()),
            [ExclusionReason::ConflictEnterprise]
        );
        let padded = format!(" {CONSULTANCY} ");
        let c = Candidate {
            employer_credit_code: Some(&padded),
            ..ok(1)
        };
        assert_eq!(
            exclusion_reasons(&c, &ctx()),
            [ExclusionReason::ConflictConsultancy]
        );
    }

    #[test]
    fn empty_codes_never_conflict() {
        let c = Candidate {
            employer_credit_code: Some(""),
            conflicts: &[tie("", None, None)],
            ..ok(1)
        };
        let no_codes = ReviewContext {
            enterprise_credit_code: String::new(),
            consultancy_credit_code: Some(" ".into()),
            ..ctx()
        };
        assert!(exclusion_reasons(&c, &no_codes).is_empty());
        let no_consultancy = ReviewContext {
            consultancy_credit_code: None,
            ..ctx()
        };
        let c = Candidate {
            employer_credit_code: Some(CONSULTANCY),
            ..ok(1)
        };
        assert!(exclusion_reasons(&c, &no_consultancy).is_empty());
    }

    #[test]
    fn declared_ties_toward_enterprise_and_consultancy() {
        let c = Candidate {
            conflicts: &[
                tie(CONSULTANCY, Some(d(2020, 1, 1)), None),
                tie(ENTERPRISE, None, Some(d(2025, 6, 10))),
            ],
            ..ok(1)
        };
        assert_eq!(
            exclusion_reasons(&c, &ctx()),
            [
                ExclusionReason::ConflictEnterprise,
                ExclusionReason::ConflictConsultancy
            ]
        );
        let other = Candidate {
            conflicts: &[tie("91140300MA0K000003", None, None)],
            ..ok(1)
        };
        assert!(exclusion_reasons(&other, &ctx()).is_empty());
    }

    #[test]
    fn tie_active_on_the_date() {
        let date = d(2025, 6, 10);
        assert!(tie_counts(None, None, date));
        assert!(tie_counts(Some(date), None, date));
        assert!(tie_counts(Some(d(2000, 1, 1)), Some(date), date));
        assert!(tie_counts(None, Some(d(2030, 1, 1)), date));
        // Not begun yet on the review date.
        assert!(!tie_counts(Some(d(2025, 6, 11)), None, date));
    }

    #[test]
    fn three_year_window_edges() {
        let date = d(2025, 6, 10);
        assert_eq!(conflict_cutoff(date), d(2022, 6, 10));
        // Ended exactly three years before: no longer counts.
        assert!(!tie_counts(None, Some(d(2022, 6, 10)), date));
        assert!(!tie_counts(None, Some(d(2022, 6, 9)), date));
        // Ended a day later: still counts.
        assert!(tie_counts(None, Some(d(2022, 6, 11)), date));
        assert!(tie_counts(Some(d(2010, 1, 1)), Some(d(2025, 6, 9)), date));
    }

    #[test]
    fn three_year_window_on_29_february() {
        // Review on 29 Feb 2024: three years before is 28 Feb 2021 (month-end rule).
        let leap = d(2024, 2, 29);
        assert_eq!(conflict_cutoff(leap), d(2021, 2, 28));
        assert!(!tie_counts(None, Some(d(2021, 2, 28)), leap));
        assert!(tie_counts(None, Some(d(2021, 3, 1)), leap));
        // A tie ended on 29 Feb 2020 still counts on 28 Feb 2023, not on 1 March 2023.
        let ended = Some(d(2020, 2, 29));
        assert_eq!(conflict_cutoff(d(2023, 2, 28)), d(2020, 2, 28));
        assert!(tie_counts(None, ended, d(2023, 2, 28)));
        assert!(!tie_counts(None, ended, d(2023, 3, 1)));
        // Review on 29 Feb 2028 reaches back to 29 Feb 2025? No such day: 28 Feb 2025.
        assert_eq!(conflict_cutoff(d(2028, 2, 29)), d(2025, 2, 28));
        // And a leap-to-leap span of four years is unaffected.
        assert_eq!(conflict_cutoff(d(2028, 3, 1)), d(2025, 3, 1));
    }

    #[test]
    fn ended_tie_in_candidate_follows_the_window() {
        let ended = |until| Candidate {
            conflicts: vec![tie(ENTERPRISE, Some(d(2015, 1, 1)), Some(until))].leak(),
            ..ok(1)
        };
        assert_eq!(
            exclusion_reasons(&ended(d(2022, 6, 11)), &ctx()),
            [ExclusionReason::ConflictEnterprise]
        );
        assert!(exclusion_reasons(&ended(d(2022, 6, 10)), &ctx()).is_empty());
    }

    #[test]
    fn previous_panel_only_matters_for_a_recheck() {
        let c = Candidate {
            on_earlier_panel_of_audit: true,
            ..ok(1)
        };
        assert!(exclusion_reasons(&c, &ctx()).is_empty());
        let acceptance = ReviewContext {
            kind: ReviewKind::Acceptance,
            ..ctx()
        };
        assert!(exclusion_reasons(&c, &acceptance).is_empty());
        let recheck = ReviewContext {
            kind: ReviewKind::Recheck,
            ..ctx()
        };
        assert_eq!(
            exclusion_reasons(&c, &recheck),
            [ExclusionReason::PreviousPanelSameAudit]
        );
    }

    #[test]
    fn same_city_only_when_asked() {
        let c = Candidate {
            city_code: "140100",
            ..ok(1)
        };
        assert!(exclusion_reasons(&c, &ctx()).is_empty());
        let asked = ReviewContext {
            exclude_same_city: true,
            ..ctx()
        };
        assert_eq!(exclusion_reasons(&c, &asked), [ExclusionReason::SameCity]);
        assert!(exclusion_reasons(&ok(2), &asked).is_empty());
    }

    /// A candidate borrows its lists; those made here are leaked to live for the test run.
    fn everything_wrong(n: u128) -> Candidate<'static> {
        Candidate {
            expert_id: id(n),
            status: ExpertStatus::Suspended,
            term_start: d(2026, 1, 1),
            term_end: d(2027, 1, 1),
            city_code: "140100",
            sectors: &[],
            expertise: &[],
            employer_credit_code: Some(ENTERPRISE),
            conflicts: vec![tie(CONSULTANCY, None, None)].leak(),
            staff_ties: vec![StaffTie {
                credit_code: CONSULTANCY.into(),
                from: d(2020, 1, 1),
                until: None,
            }]
            .leak(),
            unavailable: vec![Unavailability {
                from: d(2025, 6, 1),
                until: d(2025, 6, 30),
            }]
            .leak(),
            seated_dates: vec![d(2025, 6, 10)].leak(),
            seats_this_year: 40,
            on_earlier_panel_of_audit: true,
        }
    }

    #[test]
    fn all_reasons_in_the_fixed_order() {
        let ctx = ReviewContext {
            kind: ReviewKind::Recheck,
            exclude_same_city: true,
            ..ctx()
        };
        let reasons = exclusion_reasons(&everything_wrong(1), &ctx);
        assert_eq!(reasons, ExclusionReason::ALL);
    }

    #[test]
    fn partition_counts_each_expert_once_under_first_reason() {
        let ctx = ReviewContext {
            kind: ReviewKind::Recheck,
            exclude_same_city: true,
            ..ctx()
        };
        let unavailable_and_capped = Candidate {
            unavailable: &[Unavailability {
                from: d(2025, 6, 10),
                until: d(2025, 6, 10),
            }],
            seats_this_year: 12,
            ..ok(5)
        };
        let capped = Candidate {
            seats_this_year: 12,
            ..ok(6)
        };
        let pool = vec![
            ok(9),
            everything_wrong(3),
            ok(2),
            unavailable_and_capped,
            capped,
            ok(7),
        ];
        let p = partition_pool(&pool, &ctx);
        assert_eq!(p.eligible, vec![id(2), id(7), id(9)]);
        let expected: BTreeMap<_, _> = [
            (ExclusionReason::NotActive, 1),
            (ExclusionReason::Unavailable, 1),
            (ExclusionReason::SeatCapReached, 1),
        ]
        .into_iter()
        .collect();
        assert_eq!(p.excluded_counts, expected);
        assert_eq!(p.excluded_total(), 3);
        assert_eq!(p.excluded[&id(3)], ExclusionReason::ALL);
        assert_eq!(
            p.excluded[&id(5)],
            [
                ExclusionReason::Unavailable,
                ExclusionReason::SeatCapReached
            ]
        );
        assert_eq!(p.excluded[&id(6)], [ExclusionReason::SeatCapReached]);
    }

    #[test]
    fn partition_merges_duplicate_rows_cautiously() {
        let capped = Candidate {
            seats_this_year: 99,
            ..ok(1)
        };
        let p = partition_pool(&[ok(1), capped, ok(1), ok(2)], &ctx());
        assert_eq!(p.eligible, vec![id(2)]);
        assert_eq!(p.excluded[&id(1)], [ExclusionReason::SeatCapReached]);
        assert_eq!(p.excluded_total(), 1);
    }

    #[test]
    fn empty_pool() {
        let p = partition_pool(&[], &ctx());
        assert_eq!(p, Partition::default());
    }

    #[test]
    fn the_consultancys_staff_register_recuses_by_identity() {
        // On the audit's consultancy's register (matched by ID card), never declared.
        let spell = |from, until| Candidate {
            staff_ties: vec![StaffTie {
                credit_code: format!(" {} ", CONSULTANCY.to_lowercase()),
                from,
                until,
            }]
            .leak(),
            ..ok(1)
        };
        let review = ctx().review_date;
        let three_years_before = conflict_cutoff(review);
        assert_eq!(
            exclusion_reasons(&spell(d(2020, 1, 1), None), &ctx()),
            [ExclusionReason::StaffOfConsultancy]
        );
        // Left within the window: still recused; left three years ago to the day: not.
        assert_eq!(
            exclusion_reasons(
                &spell(
                    d(2020, 1, 1),
                    Some(three_years_before.succ_opt().expect("day"))
                ),
                &ctx()
            ),
            [ExclusionReason::StaffOfConsultancy]
        );
        assert!(
            exclusion_reasons(&spell(d(2020, 1, 1), Some(three_years_before)), &ctx()).is_empty()
        );
        // Joins after the review: not yet a tie.
        assert!(
            exclusion_reasons(&spell(review.succ_opt().expect("day"), None), &ctx()).is_empty()
        );
        // Another consultancy's register, or an audit without a consultancy: no reason.
        let elsewhere = Candidate {
            staff_ties: &[StaffTie {
                credit_code: "91140100MA0K000017".into(),
                from: d(2020, 1, 1),
                until: None,
            }],
            ..ok(1)
        };
        assert!(exclusion_reasons(&elsewhere, &ctx()).is_empty());
        let own_audit = ReviewContext {
            consultancy_credit_code: None,
            ..ctx()
        };
        assert!(exclusion_reasons(&spell(d(2020, 1, 1), None), &own_audit).is_empty());
    }

    #[test]
    fn codes_match_exactly_when_their_keys_do() {
        let codes = [
            "",
            "  ",
            "91140100MA0K000001",
            " 91140100ma0k000001 ",
            "91140100MA0K000002",
            "140100",
            "140100 ",
            "１40100",
            "ß",
            "SS",
        ];
        for a in codes {
            for b in codes {
                let keys_match = code_key(a).is_some() && code_key(a) == code_key(b);
                assert_eq!(same_code(a, b.trim()), keys_match, "{a:?} against {b:?}");
            }
        }
        assert_eq!(
            code_key(" 91140100ma0k000001\t").as_deref(),
            Some("91140100MA0K000001")
        );
        assert_eq!(code_key(" "), None);
    }

    #[test]
    fn first_reasons_are_counted_once_per_expert() {
        use ExclusionReason::*;
        let lists: [&[ExclusionReason]; 4] = [
            &[NotActive, OutOfTerm],
            &[NotActive],
            &[SeatCapReached],
            &[],
        ];
        let counts = first_reason_counts(lists);
        assert_eq!(
            counts,
            BTreeMap::from([(NotActive, 2), (SeatCapReached, 1)])
        );
    }
}
