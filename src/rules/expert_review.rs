//! The annual expert review (dynamic management of the pool) and the fairness of draws.
//!
//! [`review_expert`] turns one expert's yearly facts into the figures the review lists and
//! the flags it raises; the flags are advice to the province, which decides. The plan's rules:
//! - suspend: three declines without reason or no-shows in a row. A decline with a reason or
//!   an attended seat breaks the run; a seat still pending (invited or confirmed, not yet
//!   held) neither counts nor breaks it.
//! - remove: a mean rating under 60; aged 70 or more; a recheck finding of FALSIFICATION on a
//!   review whose panel, with this expert, passed the report.
//!
//! Ages are completed years, with the same month arithmetic as the conflict window: the
//! 70th birthday of someone born on 29 February is 28 February in a common year (the
//! month-end rule of Civil Code art. 202).
//!
//! [`fairness`] summarises seats per active expert: min, max, mean and the Gini coefficient.

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

/// Misses in a row that raise the suspend flag.
pub const SUSPEND_STREAK: u32 = 3;
/// A mean rating under this raises the remove flag.
pub const REMOVE_MEAN_BELOW: Decimal = Decimal::from_parts(60, 0, 0, false, 0);
/// From this age the remove flag is raised.
pub const REMOVE_AGE: u32 = 70;

/// How one panel seat turned out for the expert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeatOutcome {
    Attended,
    DeclinedWithReason,
    DeclinedWithoutReason,
    NoShow,
    /// Invited or confirmed, the review not yet held.
    Pending,
}

impl SeatOutcome {
    /// Counts toward the suspend run.
    fn is_unexcused_miss(self) -> bool {
        matches!(
            self,
            SeatOutcome::DeclinedWithoutReason | SeatOutcome::NoShow
        )
    }
}

/// One seat in the expert's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeatRecord {
    /// The review date.
    pub date: NaiveDate,
    pub outcome: SeatOutcome,
}

/// What the review needs to know about one expert for the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertYearFacts {
    /// Seats of the year (any order; they are taken in date order).
    pub seats: Vec<SeatRecord>,
    /// Ratings (0–100) the organisers gave the expert for the year's reviews.
    pub ratings: Vec<Decimal>,
    pub birth_date: NaiveDate,
    /// Recheck findings of FALSIFICATION on reviews whose panel, with this expert, passed
    /// the report.
    pub falsification_passed: u32,
}

/// Raised when the expert missed [`SUSPEND_STREAK`] seats in a row without reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuspendFlag {
    /// The longest run of unexcused misses.
    pub longest_streak: u32,
    /// Date of the miss that first completed a run of three.
    pub reached_on: NaiveDate,
}

/// A removal rule that fired, with its evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveFlag {
    MeanRatingBelow60 { mean: Decimal },
    Age70OrMore { age: u32 },
    FalsificationPassed { findings: u32 },
}

impl RemoveFlag {
    /// The rule's stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RemoveFlag::MeanRatingBelow60 { .. } => "MEAN_RATING_BELOW_60",
            RemoveFlag::Age70OrMore { .. } => "AGE_70_OR_MORE",
            RemoveFlag::FalsificationPassed { .. } => "FALSIFICATION_PASSED",
        }
    }
}

/// The review of one expert's year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertReview {
    pub panels_served: u32,
    pub declines_with_reason: u32,
    pub declines_without_reason: u32,
    pub no_shows: u32,
    pub longest_unexcused_streak: u32,
    /// Mean rating, exact up to Decimal's 28 digits; `None` without ratings.
    pub mean_rating: Option<Decimal>,
    /// Age in completed years on the review's reference date; `None` if born after it.
    pub age: Option<u32>,
    pub suspend: Option<SuspendFlag>,
    /// Every removal rule that fired, in the order MEAN_RATING_BELOW_60, AGE_70_OR_MORE,
    /// FALSIFICATION_PASSED.
    pub remove: Vec<RemoveFlag>,
}

/// Bad facts: the review refuses to guess.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("rating {0} is outside 0–100")]
    RatingOutOfRange(Decimal),
}

/// Whether someone born on `birth` has reached `years` of age on `on` (month arithmetic:
/// a 29 February birthday falls on 28 February in common years).
fn has_reached_age(birth: NaiveDate, years: u32, on: NaiveDate) -> bool {
    years
        .checked_mul(12)
        .and_then(|months| birth.checked_add_months(Months::new(months)))
        .is_some_and(|birthday| birthday <= on)
}

/// Age in completed years on `on`; `None` when `on` is before the birth date.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < birth {
        return None;
    }
    // Year difference, less one if this year's birthday has not come yet.
    let years = u32::try_from(on.year() - birth.year()).ok()?;
    if has_reached_age(birth, years, on) {
        Some(years)
    } else {
        years.checked_sub(1)
    }
}

/// Reviews one expert's year; `as_of` is the reference date for the age (e.g. the review's
/// date or the last day of the year).
pub fn review_expert(
    facts: &ExpertYearFacts,
    as_of: NaiveDate,
) -> Result<ExpertReview, ReviewError> {
    let hundred = Decimal::ONE_HUNDRED;
    if let Some(bad) = facts
        .ratings
        .iter()
        .find(|r| **r < Decimal::ZERO || **r > hundred)
    {
        return Err(ReviewError::RatingOutOfRange(*bad));
    }

    let mut seats = facts.seats.clone();
    seats.sort_by_key(|s| s.date);
    let (mut served, mut with_reason, mut without_reason, mut no_shows) = (0, 0, 0, 0);
    let (mut run, mut longest) = (0u32, 0u32);
    let mut reached_on = None;
    for seat in &seats {
        match seat.outcome {
            SeatOutcome::Attended => served += 1,
            SeatOutcome::DeclinedWithReason => with_reason += 1,
            SeatOutcome::DeclinedWithoutReason => without_reason += 1,
            SeatOutcome::NoShow => no_shows += 1,
            SeatOutcome::Pending => continue,
        }
        if seat.outcome.is_unexcused_miss() {
            run += 1;
            longest = longest.max(run);
            if run == SUSPEND_STREAK && reached_on.is_none() {
                reached_on = Some(seat.date);
            }
        } else {
            run = 0;
        }
    }
    let suspend = reached_on.map(|reached_on| SuspendFlag {
        longest_streak: longest,
        reached_on,
    });

    // Ratings lie in 0..=100, so the sum of any realistic number of them fits a Decimal.
    let sum = facts
        .ratings
        .iter()
        .try_fold(Decimal::ZERO, |acc, r| acc.checked_add(*r));
    let count = Decimal::from(facts.ratings.len());
    let mean_rating = match sum {
        Some(sum) if !facts.ratings.is_empty() => sum.checked_div(count),
        _ => None,
    };
    // Compare sum < 60 × count rather than the rounded mean, so the test is exact.
    let below = match (sum, REMOVE_MEAN_BELOW.checked_mul(count)) {
        (Some(sum), Some(limit)) => !facts.ratings.is_empty() && sum < limit,
        _ => false,
    };

    let age = age_on(facts.birth_date, as_of);
    let mut remove = Vec::new();
    if let (true, Some(mean)) = (below, mean_rating) {
        remove.push(RemoveFlag::MeanRatingBelow60 { mean });
    }
    if let Some(age) = age.filter(|a| *a >= REMOVE_AGE) {
        remove.push(RemoveFlag::Age70OrMore { age });
    }
    if facts.falsification_passed > 0 {
        remove.push(RemoveFlag::FalsificationPassed {
            findings: facts.falsification_passed,
        });
    }

    Ok(ExpertReview {
        panels_served: served,
        declines_with_reason: with_reason,
        declines_without_reason: without_reason,
        no_shows,
        longest_unexcused_streak: longest,
        mean_rating,
        age,
        suspend,
        remove,
    })
}

/// How evenly the year's seats were spread over the active experts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fairness {
    pub experts: usize,
    pub total_seats: u64,
    pub min: u32,
    pub max: u32,
    pub mean: f64,
    /// Gini coefficient: 0 when every expert sat equally often, up to (n − 1)/n when one
    /// expert took every seat; 0 for no experts or no seats.
    pub gini: f64,
}

/// Seats per active expert summarised (one count per active expert, zeros included).
///
/// Gini = Σᵢ (2i − n − 1)·xᵢ / (n·Σx) over the counts sorted ascending (i from 1), the
/// mean absolute difference over twice the mean; the numerator is summed exactly in
/// integers.
pub fn fairness(seat_counts: &[u32]) -> Fairness {
    let n = seat_counts.len();
    let total: u64 = seat_counts.iter().map(|&c| u64::from(c)).sum();
    let min = seat_counts.iter().copied().min().unwrap_or(0);
    let max = seat_counts.iter().copied().max().unwrap_or(0);
    if n == 0 {
        return Fairness {
            experts: 0,
            total_seats: 0,
            min,
            max,
            mean: 0.0,
            gini: 0.0,
        };
    }
    let mean = total as f64 / n as f64;
    let gini = if total == 0 {
        0.0
    } else {
        let mut sorted = seat_counts.to_vec();
        sorted.sort_unstable();
        let n_i = n as i128;
        let numerator: i128 = sorted
            .iter()
            .zip(1i128..)
            .map(|(&x, i)| (2 * i - n_i - 1) * i128::from(x))
            .sum();
        numerator as f64 / (n as f64 * total as f64)
    };
    Fairness {
        experts: n,
        total_seats: total,
        min,
        max,
        mean,
        gini,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SeatOutcome::*;

    use crate::rules::test_date as d;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    fn history(outcomes: &[SeatOutcome]) -> Vec<SeatRecord> {
        outcomes
            .iter()
            .zip(1..)
            .map(|(&outcome, day)| SeatRecord {
                date: d(2025, 3, day),
                outcome,
            })
            .collect()
    }

    fn facts(outcomes: &[SeatOutcome]) -> ExpertYearFacts {
        ExpertYearFacts {
            seats: history(outcomes),
            ratings: vec![dec("80"), dec("90")],
            birth_date: d(1970, 5, 1),
            falsification_passed: 0,
        }
    }

    fn as_of() -> NaiveDate {
        d(2025, 12, 31)
    }

    #[test]
    fn clean_year() {
        let r =
            review_expert(&facts(&[Attended, DeclinedWithReason, Attended]), as_of()).expect("ok");
        assert_eq!(r.panels_served, 2);
        assert_eq!(r.declines_with_reason, 1);
        assert_eq!(r.mean_rating, Some(dec("85")));
        assert_eq!(r.age, Some(55));
        assert_eq!(r.suspend, None);
        assert!(r.remove.is_empty());
    }

    #[test]
    fn three_unexcused_in_a_row_suspend() {
        let r = review_expert(
            &facts(&[
                Attended,
                DeclinedWithoutReason,
                NoShow,
                DeclinedWithoutReason,
                Attended,
            ]),
            as_of(),
        )
        .expect("ok");
        assert_eq!(
            r.suspend,
            Some(SuspendFlag {
                longest_streak: 3,
                reached_on: d(2025, 3, 4)
            })
        );
        assert_eq!((r.declines_without_reason, r.no_shows), (2, 1));
    }

    #[test]
    fn broken_runs_do_not_suspend() {
        for outcomes in [
            &[NoShow, NoShow, Attended, NoShow][..],
            &[NoShow, DeclinedWithoutReason, DeclinedWithReason, NoShow],
            &[NoShow, NoShow],
        ] {
            let r = review_expert(&facts(outcomes), as_of()).expect("ok");
            assert_eq!(r.suspend, None, "{outcomes:?}");
            assert_eq!(r.longest_unexcused_streak, 2);
        }
    }

    #[test]
    fn pending_seats_neither_count_nor_break() {
        let r = review_expert(&facts(&[NoShow, Pending, NoShow, Pending, NoShow]), as_of())
            .expect("ok");
        assert_eq!(r.longest_unexcused_streak, 3);
        assert_eq!(r.suspend.map(|s| s.reached_on), Some(d(2025, 3, 5)));
    }

    #[test]
    fn history_is_taken_in_date_order() {
        let mut f = facts(&[NoShow, NoShow, Attended, NoShow]);
        // Move the attended seat to the front: now three misses in a row.
        f.seats[2].date = d(2025, 1, 1);
        let r = review_expert(&f, as_of()).expect("ok");
        assert_eq!(r.suspend.map(|s| s.longest_streak), Some(3));
    }

    #[test]
    fn mean_rating_rule_is_exact() {
        let with = |ratings: &[&str]| ExpertYearFacts {
            ratings: ratings.iter().map(|r| dec(r)).collect(),
            ..facts(&[])
        };
        let r = review_expert(&with(&["60", "60"]), as_of()).expect("ok");
        assert!(r.remove.is_empty());
        let r = review_expert(&with(&["59.99", "60"]), as_of()).expect("ok");
        assert_eq!(
            r.remove,
            [RemoveFlag::MeanRatingBelow60 {
                mean: dec("59.995")
            }]
        );
        // A mean of 59.999…: below 60 even where rounding the mean would say 60.
        let r = review_expert(&with(&["60", "60", "59.9999999999"]), as_of());
        assert_eq!(r.map(|r| r.remove.len()), Ok(1));
        let r = review_expert(&with(&[]), as_of()).expect("ok");
        assert_eq!(r.mean_rating, None);
        assert!(r.remove.is_empty());
        for bad in ["-1", "100.01"] {
            assert_eq!(
                review_expert(&with(&[bad]), as_of()),
                Err(ReviewError::RatingOutOfRange(dec(bad)))
            );
        }
        assert!(review_expert(&with(&["0", "100"]), as_of()).is_ok());
    }

    #[test]
    fn age_rule_edges() {
        let born = |birth_date| ExpertYearFacts {
            birth_date,
            ..facts(&[])
        };
        let r = review_expert(&born(d(1955, 12, 31)), d(2025, 12, 31)).expect("ok");
        assert_eq!(r.remove, [RemoveFlag::Age70OrMore { age: 70 }]);
        let r = review_expert(&born(d(1956, 1, 1)), d(2025, 12, 31)).expect("ok");
        assert_eq!(r.age, Some(69));
        assert!(r.remove.is_empty());
        // Born 29 Feb 1956: 70 on 28 Feb 2026 (no 29 Feb that year), not the day before.
        assert_eq!(age_on(d(1956, 2, 29), d(2026, 2, 27)), Some(69));
        assert_eq!(age_on(d(1956, 2, 29), d(2026, 2, 28)), Some(70));
        assert_eq!(age_on(d(1956, 2, 29), d(2024, 2, 28)), Some(67));
        assert_eq!(age_on(d(1956, 2, 29), d(2024, 2, 29)), Some(68));
        assert_eq!(age_on(d(2000, 1, 1), d(1999, 12, 31)), None);
        assert_eq!(age_on(d(2000, 1, 1), d(2000, 1, 1)), Some(0));
    }

    #[test]
    fn falsification_and_all_rules_in_order() {
        let f = ExpertYearFacts {
            ratings: vec![dec("10")],
            birth_date: d(1940, 1, 1),
            falsification_passed: 2,
            ..facts(&[])
        };
        let r = review_expert(&f, as_of()).expect("ok");
        let codes: Vec<&str> = r.remove.iter().map(RemoveFlag::code).collect();
        assert_eq!(
            codes,
            [
                "MEAN_RATING_BELOW_60",
                "AGE_70_OR_MORE",
                "FALSIFICATION_PASSED"
            ]
        );
        assert_eq!(r.remove[2], RemoveFlag::FalsificationPassed { findings: 2 });
    }

    #[test]
    fn fairness_figures() {
        let empty = fairness(&[]);
        assert_eq!(
            (empty.experts, empty.min, empty.max, empty.gini),
            (0, 0, 0, 0.0)
        );
        assert_eq!(fairness(&[0, 0, 0]).gini, 0.0);
        let equal = fairness(&[4, 4, 4, 4]);
        assert_eq!(
            (equal.min, equal.max, equal.mean, equal.gini),
            (4, 4, 4.0, 0.0)
        );
        let one_takes_all = fairness(&[0, 0, 0, 8]);
        assert!((one_takes_all.gini - 0.75).abs() < 1e-12);
        let spread = fairness(&[3, 1, 4, 2]);
        assert_eq!((spread.min, spread.max, spread.total_seats), (1, 4, 10));
        assert!((spread.mean - 2.5).abs() < 1e-12);
        assert!((spread.gini - 0.25).abs() < 1e-12);
        // Mean absolute difference over twice the mean, computed the long way.
        let counts = [0u32, 2, 2, 5, 11, 12];
        let n = counts.len() as f64;
        let mean = counts.iter().map(|&c| f64::from(c)).sum::<f64>() / n;
        let mad: f64 = counts
            .iter()
            .flat_map(|&a| {
                counts
                    .iter()
                    .map(move |&b| (f64::from(a) - f64::from(b)).abs())
            })
            .sum::<f64>()
            / (n * n);
        assert!((fairness(&counts).gini - mad / (2.0 * mean)).abs() < 1e-12);
    }
}
