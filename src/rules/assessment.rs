//! The province's yearly assessment of each city (目标责任制考核), as pure rules: the items
//! the province sets (their weights add up to 100 points), the score of a COMPUTED item from
//! its figure, the bounds of a MANUAL score, and the total.
//!
//! The plan says only that clean production is part of the assessment; the items, weights,
//! targets and scoring are the province's (entered through the API) and these methods ours:
//! - PROPORTIONAL: weight × min(value ÷ target, 1), two decimal places, half away from zero;
//! - ALL_OR_NOTHING: the weight when value ≥ target, else 0;
//! - a figure with no value (nothing to measure: no members, nothing evaluated) scores 0.

use std::collections::HashSet;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::{AssessmentFigure, ScoringMethod};

use super::figures::YearRates;

/// The points of a year's items together.
pub const TOTAL_POINTS: i32 = 100;
/// The most items of one year.
pub const MAX_ITEMS: usize = 50;
/// The longest item code and title, in characters.
pub const CODE_MAX: usize = 20;
pub const TITLE_MAX: usize = 200;
/// Decimal places of a score.
pub const SCORE_PLACES: u32 = 2;

// One definition for the rule and the GraphQL input (`AssessmentItemInput`).
/// One item of a year's assessment as the province gives it: COMPUTED when it names a figure
/// (with its target), MANUAL otherwise.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::InputObject)]
#[graphql(name = "AssessmentItemInput")]
pub struct ItemDef {
    /// The province's code of the item (letters, digits, `-`, `_`, `.`; unique in the year).
    pub code: String,
    /// The item's title (考核内容).
    pub title: String,
    /// Points, 1 to 100; the year's items add up to 100.
    pub weight: i32,
    /// The figure a COMPUTED item is scored from; none for a MANUAL item.
    pub figure: Option<AssessmentFigure>,
    /// The figure's target in percent (above 0, at most 100); only with a figure.
    pub target: Option<Decimal>,
    /// How the figure turns into points (PROPORTIONAL when left out); only with a figure.
    pub method: Option<ScoringMethod>,
}

/// What is wrong with a year's items (`index` counts from 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemFault {
    NoItems,
    TooMany,
    Code {
        index: usize,
    },
    DuplicateCode {
        index: usize,
    },
    Title {
        index: usize,
    },
    Weight {
        index: usize,
    },
    TargetWithoutFigure {
        index: usize,
    },
    FigureWithoutTarget {
        index: usize,
    },
    Target {
        index: usize,
    },
    /// The weights add up to this, not 100.
    WeightsSum(i64),
}

/// Checks a year's items: 1 to 50, codes unique (letters, digits, `-`, `_`, `.`), titles
/// given, each weight 1–100 and all of them 100 together; a figure comes with a target above
/// 0 and at most 100 %, and a target or method only with a figure.
pub fn check_items(items: &[ItemDef]) -> Result<(), ItemFault> {
    if items.is_empty() {
        return Err(ItemFault::NoItems);
    }
    if items.len() > MAX_ITEMS {
        return Err(ItemFault::TooMany);
    }
    let mut codes = HashSet::new();
    for (index, item) in items.iter().enumerate() {
        let code_ok = !item.code.is_empty()
            && item.code.chars().count() <= CODE_MAX
            && item
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !code_ok {
            return Err(ItemFault::Code { index });
        }
        if !codes.insert(item.code.as_str()) {
            return Err(ItemFault::DuplicateCode { index });
        }
        if item.title.trim().is_empty() || item.title.chars().count() > TITLE_MAX {
            return Err(ItemFault::Title { index });
        }
        if !(1..=TOTAL_POINTS).contains(&item.weight) {
            return Err(ItemFault::Weight { index });
        }
        match (item.figure, item.target) {
            (None, Some(_)) => return Err(ItemFault::TargetWithoutFigure { index }),
            (None, None) if item.method.is_some() => {
                return Err(ItemFault::TargetWithoutFigure { index });
            }
            (Some(_), None) => return Err(ItemFault::FigureWithoutTarget { index }),
            (Some(_), Some(target)) if target <= Decimal::ZERO || target > Decimal::ONE_HUNDRED => {
                return Err(ItemFault::Target { index });
            }
            _ => {}
        }
    }
    let sum: i64 = items.iter().map(|i| i64::from(i.weight)).sum();
    if sum != i64::from(TOTAL_POINTS) {
        return Err(ItemFault::WeightsSum(sum));
    }
    Ok(())
}

/// The value of a figure in a year's rates, in percent; none when nothing was measured.
pub fn figure_value(rates: &YearRates, figure: AssessmentFigure) -> Option<Decimal> {
    match figure {
        AssessmentFigure::CoverageRate => rates.coverage.rate,
        AssessmentFigure::EnterprisePassRate => rates.enterprise_pass.rate,
        AssessmentFigure::EnterpriseFirstPassRate => rates.enterprise_first_pass,
        AssessmentFigure::EvaluationPassRate => rates.evaluation.rate,
        AssessmentFigure::AcceptancePassRate => rates.acceptance.rate,
    }
}

/// The points a COMPUTED item earns (see the module doc).
pub fn computed_score(
    weight: i32,
    value: Option<Decimal>,
    target: Decimal,
    method: ScoringMethod,
) -> Decimal {
    let weight = Decimal::from(weight);
    let Some(value) = value else {
        return Decimal::ZERO;
    };
    if target <= Decimal::ZERO {
        return weight;
    }
    match method {
        ScoringMethod::AllOrNothing => {
            if value >= target {
                weight
            } else {
                Decimal::ZERO
            }
        }
        ScoringMethod::Proportional => {
            let share = value
                .checked_div(target)
                .unwrap_or(Decimal::ONE)
                .clamp(Decimal::ZERO, Decimal::ONE);
            weight
                .checked_mul(share)
                .unwrap_or(weight)
                .round_dp_with_strategy(SCORE_PLACES, RoundingStrategy::MidpointAwayFromZero)
        }
    }
}

/// Why a manual score is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreFault {
    /// Below 0 or above the item's weight.
    OutOfRange,
    /// More than two decimal places.
    TooPrecise,
}

/// A manual score: from 0 to the item's weight, at most two decimal places.
pub fn check_manual_score(score: Decimal, weight: i32) -> Result<Decimal, ScoreFault> {
    if score.is_sign_negative() && !score.is_zero() || score > Decimal::from(weight) {
        return Err(ScoreFault::OutOfRange);
    }
    if score.normalize().scale() > SCORE_PLACES {
        return Err(ScoreFault::TooPrecise);
    }
    Ok(score.normalize())
}

/// The sheet's total: the items' points together.
pub fn total(scores: impl IntoIterator<Item = Decimal>) -> Decimal {
    scores
        .into_iter()
        .fold(Decimal::ZERO, |sum, s| sum.saturating_add(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::figures::{YearCounts, rates};
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn manual(code: &str, weight: i32) -> ItemDef {
        ItemDef {
            code: code.into(),
            title: format!("项目{code}"),
            weight,
            figure: None,
            target: None,
            method: None,
        }
    }

    fn computed(code: &str, weight: i32, figure: AssessmentFigure, target: &str) -> ItemDef {
        ItemDef {
            figure: Some(figure),
            target: Some(d(target)),
            ..manual(code, weight)
        }
    }

    #[test]
    fn weights_add_up_to_100_and_items_are_well_formed() {
        let good = vec![
            computed("A1", 40, AssessmentFigure::CoverageRate, "100"),
            computed("A2", 30, AssessmentFigure::EnterprisePassRate, "90"),
            manual("B1", 30),
        ];
        assert_eq!(check_items(&good), Ok(()));
        assert_eq!(check_items(&[]), Err(ItemFault::NoItems));
        let mut short = good.clone();
        short[2].weight = 20;
        assert_eq!(check_items(&short), Err(ItemFault::WeightsSum(90)));
        let mut dup = good.clone();
        dup[1].code = "A1".into();
        assert_eq!(
            check_items(&dup),
            Err(ItemFault::DuplicateCode { index: 1 })
        );
        let mut bad_code = good.clone();
        bad_code[0].code = "A 1".into();
        assert_eq!(check_items(&bad_code), Err(ItemFault::Code { index: 0 }));
        let mut untitled = good.clone();
        untitled[2].title = " ".into();
        assert_eq!(check_items(&untitled), Err(ItemFault::Title { index: 2 }));
        let mut zero = good.clone();
        zero[2].weight = 0;
        assert_eq!(check_items(&zero), Err(ItemFault::Weight { index: 2 }));
        let mut no_target = good.clone();
        no_target[0].target = None;
        assert_eq!(
            check_items(&no_target),
            Err(ItemFault::FigureWithoutTarget { index: 0 })
        );
        let mut stray = good.clone();
        stray[2].target = Some(d("50"));
        assert_eq!(
            check_items(&stray),
            Err(ItemFault::TargetWithoutFigure { index: 2 })
        );
        let mut over = good.clone();
        over[1].target = Some(d("100.01"));
        assert_eq!(check_items(&over), Err(ItemFault::Target { index: 1 }));
        let many: Vec<ItemDef> = (0..51).map(|i| manual(&format!("M{i}"), 1)).collect();
        assert_eq!(check_items(&many), Err(ItemFault::TooMany));
    }

    #[test]
    fn computed_items_score_proportionally_or_all_or_nothing() {
        let p = ScoringMethod::Proportional;
        assert_eq!(computed_score(40, Some(d("50")), d("100"), p), d("20.00"));
        assert_eq!(computed_score(30, Some(d("100")), d("90"), p), d("30"));
        // 2/3 of 90 % → 60 of 90: 2/3 of 30 points = 20.
        assert_eq!(computed_score(30, Some(d("60")), d("90"), p), d("20.00"));
        // 1/3 of 10 points = 3.333… → 3.33.
        assert_eq!(
            computed_score(10, Some(d("33.33333")), d("100"), p),
            d("3.33")
        );
        assert_eq!(computed_score(30, None, d("90"), p), d("0"));
        let all = ScoringMethod::AllOrNothing;
        assert_eq!(computed_score(30, Some(d("90.00")), d("90"), all), d("30"));
        assert_eq!(computed_score(30, Some(d("89.99")), d("90"), all), d("0"));
        assert_eq!(computed_score(30, None, d("90"), all), d("0"));
    }

    #[test]
    fn manual_scores_stay_within_the_weight() {
        assert_eq!(check_manual_score(d("12.5"), 20), Ok(d("12.5")));
        assert_eq!(check_manual_score(d("20"), 20), Ok(d("20")));
        assert_eq!(check_manual_score(d("0"), 20), Ok(d("0")));
        assert_eq!(
            check_manual_score(d("20.01"), 20),
            Err(ScoreFault::OutOfRange)
        );
        assert_eq!(check_manual_score(d("-1"), 20), Err(ScoreFault::OutOfRange));
        assert_eq!(
            check_manual_score(d("1.005"), 20),
            Err(ScoreFault::TooPrecise)
        );
        assert_eq!(total([d("20.00"), d("30"), d("12.5")]), d("62.5"));
    }

    #[test]
    fn figures_are_read_from_the_rates() {
        let counts = YearCounts {
            members: 4,
            covered: 3,
            enterprises_evaluated: 2,
            enterprises_passed: 1,
            ..Default::default()
        };
        let r = rates(&counts);
        assert_eq!(
            figure_value(&r, AssessmentFigure::CoverageRate),
            Some(d("75.00"))
        );
        assert_eq!(
            figure_value(&r, AssessmentFigure::EnterprisePassRate),
            Some(d("50.00"))
        );
        assert_eq!(
            figure_value(&r, AssessmentFigure::EnterpriseFirstPassRate),
            Some(d("0.00"))
        );
        assert_eq!(figure_value(&r, AssessmentFigure::EvaluationPassRate), None);
        assert_eq!(figure_value(&r, AssessmentFigure::AcceptancePassRate), None);
    }
}
