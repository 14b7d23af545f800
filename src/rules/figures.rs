//! The figures officials ask for (统计数据), by year, as pure rules: the directory's coverage,
//! the evaluation pass rate per enterprise beside the one per review, and the year-on-year
//! trend. The service gathers the facts; these functions decide what counts.
//!
//! Definitions (ours where the plan gives only the targets):
//! - **Coverage** of year Y: of the directory members in Y (joined in Y or before), those with a
//!   round completed (an accepted audit, an audit closed on its evaluation, or a certification
//!   that counts as an audit) in the five-year cycle ending in Y, i.e. in Y−4…Y. The plan's
//!   2025 target is that the key-industry enterprises complete their audits in batches
//!   (分批次完成): every member, so the target is 100 %.
//! - **Cycle overdue** in Y: a member for at least five years (joined in Y−5 or before) with no
//!   completion in Y−4…Y; the same rule as the directory's `cycleOverdue`.
//! - **Pass rate per enterprise** of year Y: of the enterprises with at least one evaluation
//!   held in Y, those with a passed evaluation held in Y (at any attempt), against the plan's
//!   90 % (企业清洁生产评估通过率达90%). **At the first attempt**: the enterprise's first
//!   evaluation held in Y passed and was its round's first evaluation (a round that failed
//!   before, even in an earlier year, is on a later attempt).
//! - **Pass rate per review**: evaluations (acceptances, rechecks) held in Y that passed, of
//!   those held in Y, as the yearly summary counts them.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::summary::{
    EVALUATION_PASS_TARGET_PERCENT, TargetCheck, acceptance_check, check_target, evaluation_check,
    pass_rate,
};

/// The longest range of years one request asks for (ours: a decade of trend is what the
/// officials compare; it bounds the work of one request).
pub const MAX_YEARS: i32 = 10;

/// The audit cycle in years (每五年开展一轮).
pub const CYCLE_YEARS: i32 = 5;

/// The coverage target in percent: by 2025 every key-industry enterprise of the directory has
/// completed its audit (分批次完成).
pub const COVERAGE_TARGET_PERCENT: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

/// Why a range of years is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeFault {
    /// The last year is before the first.
    Reversed,
    /// More than [`MAX_YEARS`] years.
    TooLong,
}

/// Checks `from..=to` as a range of years to report.
pub fn check_year_range(from: i32, to: i32) -> Result<(), RangeFault> {
    if to < from {
        return Err(RangeFault::Reversed);
    }
    if i64::from(to) - i64::from(from) + 1 > i64::from(MAX_YEARS) {
        return Err(RangeFault::TooLong);
    }
    Ok(())
}

/// A directory member's standing in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CycleFacts {
    pub member: bool,
    pub covered: bool,
    pub cycle_overdue: bool,
}

/// The standing in `year` of an enterprise in the directory since `since` that completed
/// rounds in `completion_years` (any order, later years ignored).
pub fn cycle_facts(since: Option<i32>, completion_years: &[i32], year: i32) -> CycleFacts {
    let Some(since) = since.filter(|s| *s <= year) else {
        return CycleFacts::default();
    };
    let window = (year - CYCLE_YEARS + 1)..=year;
    let covered = completion_years.iter().any(|y| window.contains(y));
    CycleFacts {
        member: true,
        covered,
        cycle_overdue: !covered && since <= year - CYCLE_YEARS,
    }
}

/// One evaluation held of one of the enterprise's rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub audit: Uuid,
    pub on: NaiveDate,
    pub passed: bool,
}

/// An evaluated enterprise's result for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnterpriseVerdict {
    pub passed: bool,
    pub passed_first: bool,
}

/// The enterprise's verdict for `year` from its evaluations held (any years; order free);
/// none when it had no evaluation held in `year`. Of two evaluations on one day, a pass is
/// taken as the later.
pub fn enterprise_verdict(attempts: &[Attempt], year: i32) -> Option<EnterpriseVerdict> {
    let in_year = || attempts.iter().filter(|a| a.on.year() == year);
    let first = in_year().min_by_key(|a| (a.on, a.passed))?;
    let earlier_of_round = attempts
        .iter()
        .any(|a| a.audit == first.audit && (a.on, a.passed) < (first.on, first.passed));
    Some(EnterpriseVerdict {
        passed: in_year().any(|a| a.passed),
        passed_first: first.passed && !earlier_of_round,
    })
}

/// The counts of one year (and one city, county or sector, or all).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct YearCounts {
    pub members: u64,
    pub covered: u64,
    pub cycle_overdue: u64,
    pub enterprises_evaluated: u64,
    pub enterprises_passed: u64,
    pub enterprises_passed_first: u64,
    pub evaluations_held: u64,
    pub evaluations_passed: u64,
    pub acceptances_held: u64,
    pub acceptances_passed: u64,
    pub rechecks_held: u64,
    pub rechecks_passed: u64,
}

impl YearCounts {
    pub fn add_cycle(&mut self, facts: CycleFacts) {
        self.members += u64::from(facts.member);
        self.covered += u64::from(facts.covered);
        self.cycle_overdue += u64::from(facts.cycle_overdue);
    }

    pub fn add_verdict(&mut self, verdict: EnterpriseVerdict) {
        self.enterprises_evaluated += 1;
        self.enterprises_passed += u64::from(verdict.passed);
        self.enterprises_passed_first += u64::from(verdict.passed_first);
    }
}

/// The rates of one year's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRates {
    /// Covered members against 100 %.
    pub coverage: TargetCheck,
    /// Enterprises passed (any attempt) against 90 %.
    pub enterprise_pass: TargetCheck,
    /// Enterprises passed at the first attempt, in percent.
    pub enterprise_first_pass: Option<Decimal>,
    /// Per review, against 90 % and 70 %.
    pub evaluation: TargetCheck,
    pub acceptance: TargetCheck,
    pub recheck_pass: Option<Decimal>,
}

pub fn rates(c: &YearCounts) -> YearRates {
    YearRates {
        coverage: check_target(c.covered, c.members, COVERAGE_TARGET_PERCENT),
        enterprise_pass: check_target(
            c.enterprises_passed,
            c.enterprises_evaluated,
            EVALUATION_PASS_TARGET_PERCENT,
        ),
        enterprise_first_pass: pass_rate(c.enterprises_passed_first, c.enterprises_evaluated),
        evaluation: evaluation_check(c.evaluations_passed, c.evaluations_held),
        acceptance: acceptance_check(c.acceptances_passed, c.acceptances_held),
        recheck_pass: pass_rate(c.rechecks_passed, c.rechecks_held),
    }
}

/// The trend of a yearly series of rates: each year's change from the year before in
/// percentage points; none for the first year and where either year has no rate.
pub fn changes(series: &[Option<Decimal>]) -> Vec<Option<Decimal>> {
    let mut out = Vec::with_capacity(series.len());
    let mut previous: Option<Option<Decimal>> = None;
    for rate in series {
        out.push(match (previous.flatten(), rate) {
            (Some(before), Some(now)) => now.checked_sub(before),
            _ => None,
        });
        previous = Some(*rate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).expect("date")
    }

    #[test]
    fn year_ranges_are_ordered_and_at_most_ten_years() {
        assert_eq!(check_year_range(2021, 2025), Ok(()));
        assert_eq!(check_year_range(2025, 2025), Ok(()));
        assert_eq!(check_year_range(2016, 2025), Ok(()));
        assert_eq!(check_year_range(2015, 2025), Err(RangeFault::TooLong));
        assert_eq!(check_year_range(2025, 2024), Err(RangeFault::Reversed));
        assert_eq!(
            check_year_range(i32::MIN, i32::MAX),
            Err(RangeFault::TooLong)
        );
    }

    #[test]
    fn coverage_counts_completions_in_the_five_year_window() {
        // Not yet a member.
        assert_eq!(cycle_facts(Some(2024), &[], 2023), CycleFacts::default());
        assert_eq!(cycle_facts(None, &[2023], 2023), CycleFacts::default());
        // A member since 2021, completed in 2022: covered 2022–2026, not before.
        let facts = |year| cycle_facts(Some(2021), &[2022], year);
        assert!(facts(2021).member && !facts(2021).covered && !facts(2021).cycle_overdue);
        assert!(facts(2022).covered && facts(2026).covered);
        // 2027: the window is 2023–2027, the completion has dropped out; joined in 2021,
        // 2027 − 2021 ≥ 5: overdue.
        assert_eq!(
            facts(2027),
            CycleFacts {
                member: true,
                covered: false,
                cycle_overdue: true
            }
        );
        // Never completed: overdue from its fifth year on.
        assert!(!cycle_facts(Some(2020), &[], 2024).cycle_overdue);
        assert!(cycle_facts(Some(2020), &[], 2025).cycle_overdue);
        // A completion after the year does not count for it.
        assert!(!cycle_facts(Some(2020), &[2026], 2025).covered);
    }

    #[test]
    fn enterprise_verdicts_at_first_and_any_attempt() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let at = |audit, on, passed| Attempt { audit, on, passed };
        // Nothing held in the year.
        assert_eq!(
            enterprise_verdict(&[at(a, day(2024, 6, 1), true)], 2025),
            None
        );
        // Passed at once.
        assert_eq!(
            enterprise_verdict(&[at(a, day(2025, 6, 1), true)], 2025),
            Some(EnterpriseVerdict {
                passed: true,
                passed_first: true
            })
        );
        // Failed, then passed in the same year: passed, not at the first attempt.
        let twice = [at(a, day(2025, 9, 1), true), at(a, day(2025, 6, 1), false)];
        assert_eq!(
            enterprise_verdict(&twice, 2025),
            Some(EnterpriseVerdict {
                passed: true,
                passed_first: false
            })
        );
        // Failed the year before: this year's pass is a later attempt.
        let across = [at(a, day(2024, 11, 1), false), at(a, day(2025, 3, 1), true)];
        assert_eq!(
            enterprise_verdict(&across, 2025),
            Some(EnterpriseVerdict {
                passed: true,
                passed_first: false
            })
        );
        // An earlier round that failed does not make a new round's first pass a later one.
        let rounds = [at(a, day(2020, 6, 1), false), at(b, day(2025, 6, 1), true)];
        assert_eq!(
            enterprise_verdict(&rounds, 2025).map(|v| v.passed_first),
            Some(true)
        );
        // Failed only.
        assert_eq!(
            enterprise_verdict(&[at(a, day(2025, 6, 1), false)], 2025),
            Some(EnterpriseVerdict {
                passed: false,
                passed_first: false
            })
        );
    }

    #[test]
    fn rates_of_the_counts() {
        let mut c = YearCounts::default();
        for facts in [
            cycle_facts(Some(2021), &[2025], 2025),
            cycle_facts(Some(2021), &[], 2025),
            cycle_facts(Some(2019), &[], 2025),
            cycle_facts(Some(2030), &[], 2025),
        ] {
            c.add_cycle(facts);
        }
        assert_eq!((c.members, c.covered, c.cycle_overdue), (3, 1, 1));
        c.add_verdict(EnterpriseVerdict {
            passed: true,
            passed_first: true,
        });
        c.add_verdict(EnterpriseVerdict {
            passed: true,
            passed_first: false,
        });
        c.evaluations_held = 3;
        c.evaluations_passed = 2;
        let r = rates(&c);
        assert_eq!(r.coverage.rate, Some(d("33.33")));
        assert_eq!(r.coverage.target, d("100"));
        assert_eq!(r.coverage.met, Some(false));
        assert_eq!(r.enterprise_pass.rate, Some(d("100.00")));
        assert_eq!(r.enterprise_pass.met, Some(true));
        assert_eq!(r.enterprise_first_pass, Some(d("50.00")));
        assert_eq!(r.evaluation.rate, Some(d("66.67")));
        assert_eq!(r.evaluation.met, Some(false));
        assert_eq!(r.acceptance.rate, None);
        assert_eq!(r.recheck_pass, None);
    }

    #[test]
    fn the_trend_is_the_change_in_points() {
        let series = [Some(d("50.00")), Some(d("75.00")), None, Some(d("80.00"))];
        assert_eq!(changes(&series), vec![None, Some(d("25.00")), None, None]);
        assert_eq!(
            changes(&[Some(d("90")), Some(d("87.5"))]),
            vec![None, Some(d("-2.5"))]
        );
        assert!(changes(&[]).is_empty());
    }
}
