//! Pass rates of the yearly summary (年度清洁生产工作总结) and the plan's 2025 targets:
//! 到2025年……企业清洁生产评估通过率达90%，验收通过率达70%.
//!
//! Rates are percentages as exact decimals with two places, rounded half away from zero.

use rust_decimal::Decimal;

/// The plan's 2025 target for the evaluation pass rate, in percent.
pub const EVALUATION_PASS_TARGET_PERCENT: Decimal = Decimal::from_parts(90, 0, 0, false, 0);

/// The plan's 2025 target for the acceptance pass rate, in percent.
pub const ACCEPTANCE_PASS_TARGET_PERCENT: Decimal = Decimal::from_parts(70, 0, 0, false, 0);

/// `passed / total` in percent with two decimal places, rounded half away from zero
/// (1 of 3 is 33.33, 2 of 3 is 66.67); none when nothing was reviewed, since a rate of nothing
/// is not 0 %. The counts come from one query, so `passed > total` is the caller's bug and is
/// reported as it is (over 100) rather than hidden.
pub fn pass_rate(passed: u64, total: u64) -> Option<Decimal> {
    if total == 0 {
        return None;
    }
    // Hundredths of a percent, rounded half up, in integers: exact for every u64 input.
    let (passed, total) = (u128::from(passed), u128::from(total));
    let basis_points = (passed * 20_000 + total) / (2 * total);
    let basis_points = i128::try_from(basis_points).ok()?;
    Decimal::try_from_i128_with_scale(basis_points, 2).ok()
}

/// Whether `passed` of `total` meets `target_percent`; none when nothing was reviewed.
///
/// Compared exactly, not on the rounded rate: 89.996 % shows as 90.00 but has not reached 90 %.
pub fn meets_target(passed: u64, total: u64, target_percent: Decimal) -> Option<bool> {
    if total == 0 {
        return None;
    }
    // passed / total ≥ target / 100  ⇔  passed × 100 ≥ target × total
    let reached = Decimal::from(passed).checked_mul(Decimal::ONE_HUNDRED)?;
    let needed = target_percent.checked_mul(Decimal::from(total))?;
    Some(reached >= needed)
}

/// A pass rate set against its target, as the summary shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TargetCheck {
    pub passed: u64,
    pub total: u64,
    /// None when `total` is 0.
    pub rate: Option<Decimal>,
    pub target: Decimal,
    /// None when `total` is 0: no reviews, no verdict.
    pub met: Option<bool>,
}

/// Checks `passed` of `total` against `target_percent`.
pub fn check_target(passed: u64, total: u64, target_percent: Decimal) -> TargetCheck {
    TargetCheck {
        passed,
        total,
        rate: pass_rate(passed, total),
        target: target_percent,
        met: meets_target(passed, total, target_percent),
    }
}

/// The evaluation pass rate against the 90 % target.
pub fn evaluation_check(passed: u64, total: u64) -> TargetCheck {
    check_target(passed, total, EVALUATION_PASS_TARGET_PERCENT)
}

/// The acceptance pass rate against the 70 % target.
pub fn acceptance_check(passed: u64, total: u64) -> TargetCheck {
    check_target(passed, total, ACCEPTANCE_PASS_TARGET_PERCENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("valid test decimal")
    }

    fn rate(passed: u64, total: u64) -> Option<String> {
        pass_rate(passed, total).map(|r| r.to_string())
    }

    #[test]
    fn the_targets_are_the_plans() {
        assert_eq!(EVALUATION_PASS_TARGET_PERCENT, d("90"));
        assert_eq!(ACCEPTANCE_PASS_TARGET_PERCENT, d("70"));
    }

    #[test]
    fn rates_in_percent_with_two_places() {
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(5, 0), None);
        assert_eq!(rate(0, 7).as_deref(), Some("0.00"));
        assert_eq!(rate(7, 7).as_deref(), Some("100.00"));
        assert_eq!(rate(9, 10).as_deref(), Some("90.00"));
        assert_eq!(rate(1, 3).as_deref(), Some("33.33"));
        assert_eq!(rate(2, 3).as_deref(), Some("66.67"));
        assert_eq!(rate(7, 8).as_deref(), Some("87.50"));
        // 1/16 = 6.25 %; 1/32 = 3.125 % → 3.13 (half away from zero, not to even).
        assert_eq!(rate(1, 16).as_deref(), Some("6.25"));
        assert_eq!(rate(1, 32).as_deref(), Some("3.13"));
        assert_eq!(rate(3, 1600).as_deref(), Some("0.19"));
        assert_eq!(rate(u64::MAX, u64::MAX).as_deref(), Some("100.00"));
        assert_eq!(rate(1, u64::MAX).as_deref(), Some("0.00"));
        // A caller's bug is shown, not hidden.
        assert_eq!(rate(3, 2).as_deref(), Some("150.00"));
    }

    #[test]
    fn targets_are_met_exactly() {
        assert_eq!(
            meets_target(9, 10, EVALUATION_PASS_TARGET_PERCENT),
            Some(true)
        );
        assert_eq!(
            meets_target(8, 10, EVALUATION_PASS_TARGET_PERCENT),
            Some(false)
        );
        assert_eq!(meets_target(0, 0, EVALUATION_PASS_TARGET_PERCENT), None);
        // 22 499 of 25 000 is 89.996 %: shown as 90.00 but short of 90 %.
        let check = evaluation_check(22_499, 25_000);
        assert_eq!(check.rate, Some(d("90.00")));
        assert_eq!(check.met, Some(false));
        assert_eq!(
            meets_target(u64::MAX, u64::MAX, EVALUATION_PASS_TARGET_PERCENT),
            Some(true)
        );
    }

    #[test]
    fn acceptance_against_70_percent() {
        let check = acceptance_check(7, 10);
        assert_eq!(
            check,
            TargetCheck {
                passed: 7,
                total: 10,
                rate: Some(d("70.00")),
                target: d("70"),
                met: Some(true),
            }
        );
        assert_eq!(acceptance_check(2, 3).met, Some(false));
        assert_eq!(acceptance_check(0, 0).rate, None);
        assert_eq!(acceptance_check(0, 0).met, None);
    }
}
