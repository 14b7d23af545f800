//! The yearly appraisal of consultancies (咨询机构考评) on the plan's five dimensions: capacity
//! building, report quality, personnel management, service quality and service quantity
//! (对咨询机构的能力建设、报告编制质量、人员管理、咨询服务的质量和数量进行考评).
//!
//! All arithmetic is exact with [`Decimal`]: a published grade must not depend on binary
//! floating point. The year's [`Scheme`] holds the weights, the grade bands, the points deducted
//! per recheck finding and the findings that veto a pass.
//!
//! Scores, weights, thresholds and points are all on a 0–100 scale with at most two decimal
//! places; the `validate_*` functions check them at the edge so that [`compute_total`] and
//! [`grade`] cannot fail.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rust_decimal::prelude::*;

use crate::domain::{FindingKind, Grade};

/// The largest score, weight, threshold or deduction, and the sum the weights must reach.
const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// Inputs carry at most this many decimal places (hundredths of a point).
const MAX_DECIMAL_PLACES: u32 = 2;

/// One of the plan's five appraisal dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    CapacityBuilding,
    ReportQuality,
    PersonnelManagement,
    ServiceQuality,
    ServiceQuantity,
}

impl Dimension {
    /// In the plan's order; breakdowns list dimensions in this order.
    pub const ALL: [Dimension; 5] = [
        Dimension::CapacityBuilding,
        Dimension::ReportQuality,
        Dimension::PersonnelManagement,
        Dimension::ServiceQuality,
        Dimension::ServiceQuantity,
    ];

    /// The stored and GraphQL-style name.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::CapacityBuilding => "CAPACITY_BUILDING",
            Dimension::ReportQuality => "REPORT_QUALITY",
            Dimension::PersonnelManagement => "PERSONNEL_MANAGEMENT",
            Dimension::ServiceQuality => "SERVICE_QUALITY",
            Dimension::ServiceQuantity => "SERVICE_QUANTITY",
        }
    }

    /// The camelCase name of the input field that carries this dimension.
    pub fn field_name(self) -> &'static str {
        match self {
            Dimension::CapacityBuilding => "capacityBuilding",
            Dimension::ReportQuality => "reportQuality",
            Dimension::PersonnelManagement => "personnelManagement",
            Dimension::ServiceQuality => "serviceQuality",
            Dimension::ServiceQuantity => "serviceQuantity",
        }
    }

    /// The Chinese label, in the plan's words.
    pub fn label(self) -> &'static str {
        match self {
            Dimension::CapacityBuilding => "能力建设",
            Dimension::ReportQuality => "报告编制质量",
            Dimension::PersonnelManagement => "人员管理",
            Dimension::ServiceQuality => "咨询服务质量",
            Dimension::ServiceQuantity => "咨询服务数量",
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One value per dimension (weights, or scores), named so that none can be forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PerDimension<T> {
    pub capacity_building: T,
    pub report_quality: T,
    pub personnel_management: T,
    pub service_quality: T,
    pub service_quantity: T,
}

impl<T: Copy> PerDimension<T> {
    /// The value of one dimension.
    pub fn get(&self, dimension: Dimension) -> T {
        match dimension {
            Dimension::CapacityBuilding => self.capacity_building,
            Dimension::ReportQuality => self.report_quality,
            Dimension::PersonnelManagement => self.personnel_management,
            Dimension::ServiceQuality => self.service_quality,
            Dimension::ServiceQuantity => self.service_quantity,
        }
    }
}

/// Weights in percent; they sum to exactly 100.
pub type Weights = PerDimension<Decimal>;
/// Scores of one consultancy, each 0–100.
pub type Scores = PerDimension<Decimal>;

/// Lowest totals that earn each grade; below `qualified` is UNQUALIFIED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GradeBands {
    pub excellent: Decimal,
    pub good: Decimal,
    pub qualified: Decimal,
}

/// A year's appraisal scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    pub weights: Weights,
    pub bands: GradeBands,
    /// Points deducted for each recheck finding of a kind; a kind not listed deducts nothing.
    pub deduction_points: BTreeMap<FindingKind, Decimal>,
    /// Finding kinds that make the appraisal UNQUALIFIED whatever the score.
    pub veto_kinds: BTreeSet<FindingKind>,
}

impl Default for Scheme {
    /// The defaults of DESIGN.md, deductions scaled to how gravely the plan treats each finding
    /// (重大缺陷、遗漏、虚假，或者结论不正确): falsification 20 and a veto, a wrong conclusion
    /// 10, a major defect 5, an omission 3.
    fn default() -> Self {
        Scheme {
            weights: Weights {
                capacity_building: Decimal::from(15),
                report_quality: Decimal::from(30),
                personnel_management: Decimal::from(15),
                service_quality: Decimal::from(25),
                service_quantity: Decimal::from(15),
            },
            bands: GradeBands {
                excellent: Decimal::from(90),
                good: Decimal::from(75),
                qualified: Decimal::from(60),
            },
            deduction_points: BTreeMap::from([
                (FindingKind::MajorDefect, Decimal::from(5)),
                (FindingKind::Omission, Decimal::from(3)),
                (FindingKind::Falsification, Decimal::from(20)),
                (FindingKind::WrongConclusion, Decimal::from(10)),
            ]),
            veto_kinds: BTreeSet::from([FindingKind::Falsification]),
        }
    }
}

impl Scheme {
    /// Points one finding of `kind` deducts (zero when the scheme lists none).
    pub fn finding_points(&self, kind: FindingKind) -> Decimal {
        self.deduction_points
            .get(&kind)
            .copied()
            .unwrap_or(Decimal::ZERO)
    }

    /// Whether any of `findings` vetoes a pass.
    pub fn is_vetoed(&self, findings: impl IntoIterator<Item = FindingKind>) -> bool {
        findings.into_iter().any(|k| self.veto_kinds.contains(&k))
    }
}

/// Invalid appraisal input; [`AppraisalError::field`] names the offending input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppraisalError {
    #[error("the weight of {dimension} must be 0–100 with at most two decimals, not {weight}")]
    WeightOutOfRange {
        dimension: Dimension,
        weight: Decimal,
    },
    #[error("the weights must sum to 100, not {sum}")]
    WeightsDoNotSumTo100 { sum: Decimal },
    #[error("the {grade} threshold must be 0–100 with at most two decimals, not {threshold}")]
    BandOutOfRange { grade: Grade, threshold: Decimal },
    #[error(
        "grade thresholds must descend: EXCELLENT {excellent} > GOOD {good} > QUALIFIED {qualified}"
    )]
    BandsNotDescending {
        excellent: Decimal,
        good: Decimal,
        qualified: Decimal,
    },
    #[error("deduction points must be 0–100 with at most two decimals, not {points}")]
    DeductionOutOfRange {
        /// The finding kind, for a scheme's deduction rule; none for a manual deduction.
        kind: Option<FindingKind>,
        points: Decimal,
    },
    #[error("a score must be 0–100 with at most two decimals, not {score}")]
    ScoreOutOfRange {
        /// The dimension, when known.
        dimension: Option<Dimension>,
        score: Decimal,
    },
}

impl AppraisalError {
    /// A dotted path to the input field at fault (for BAD_USER_INPUT), e.g.
    /// `weights.reportQuality`, `bands.good`, `deductionPoints.FALSIFICATION`,
    /// `scores.serviceQuality`.
    pub fn field(&self) -> String {
        match self {
            AppraisalError::WeightOutOfRange { dimension, .. } => {
                format!("weights.{}", dimension.field_name())
            }
            AppraisalError::WeightsDoNotSumTo100 { .. } => "weights".to_owned(),
            AppraisalError::BandOutOfRange { grade, .. } => {
                format!("bands.{}", band_field(*grade))
            }
            AppraisalError::BandsNotDescending { .. } => "bands".to_owned(),
            AppraisalError::DeductionOutOfRange {
                kind: Some(kind), ..
            } => format!("deductionPoints.{kind}"),
            AppraisalError::DeductionOutOfRange { kind: None, .. } => "points".to_owned(),
            AppraisalError::ScoreOutOfRange {
                dimension: Some(d), ..
            } => format!("scores.{}", d.field_name()),
            AppraisalError::ScoreOutOfRange {
                dimension: None, ..
            } => "score".to_owned(),
        }
    }
}

fn band_field(grade: Grade) -> &'static str {
    match grade {
        Grade::Excellent => "excellent",
        Grade::Good => "good",
        Grade::Qualified | Grade::Unqualified => "qualified",
    }
}

/// Whether `value` is on the 0–100 scale with at most two decimal places (trailing zeros
/// such as `90.500` are fine: the value, not its spelling, counts).
fn on_scale(value: Decimal) -> bool {
    value >= Decimal::ZERO && value <= HUNDRED && value.normalize().scale() <= MAX_DECIMAL_PLACES
}

/// Checks one dimension score: 0–100, at most two decimal places.
pub fn validate_score(score: Decimal) -> Result<(), AppraisalError> {
    if on_scale(score) {
        Ok(())
    } else {
        Err(AppraisalError::ScoreOutOfRange {
            dimension: None,
            score,
        })
    }
}

/// Checks the five scores of one appraisal; the error names the first dimension at fault.
pub fn validate_scores(scores: &Scores) -> Result<(), AppraisalError> {
    for dimension in Dimension::ALL {
        let score = scores.get(dimension);
        if !on_scale(score) {
            return Err(AppraisalError::ScoreOutOfRange {
                dimension: Some(dimension),
                score,
            });
        }
    }
    Ok(())
}

/// Checks the points of a manual deduction: 0–100, at most two decimal places.
pub fn validate_deduction_points(points: Decimal) -> Result<(), AppraisalError> {
    if on_scale(points) {
        Ok(())
    } else {
        Err(AppraisalError::DeductionOutOfRange { kind: None, points })
    }
}

/// Checks a scheme: every weight, threshold and deduction on the 0–100 scale with at most two
/// decimals, the weights summing to exactly 100, and EXCELLENT > GOOD > QUALIFIED strictly
/// (equal thresholds would make a grade unreachable).
pub fn validate_scheme(scheme: &Scheme) -> Result<(), AppraisalError> {
    let mut sum = Decimal::ZERO;
    for dimension in Dimension::ALL {
        let weight = scheme.weights.get(dimension);
        if !on_scale(weight) {
            return Err(AppraisalError::WeightOutOfRange { dimension, weight });
        }
        sum += weight;
    }
    if sum != HUNDRED {
        return Err(AppraisalError::WeightsDoNotSumTo100 { sum });
    }
    let GradeBands {
        excellent,
        good,
        qualified,
    } = scheme.bands;
    for (grade, threshold) in [
        (Grade::Excellent, excellent),
        (Grade::Good, good),
        (Grade::Qualified, qualified),
    ] {
        if !on_scale(threshold) {
            return Err(AppraisalError::BandOutOfRange { grade, threshold });
        }
    }
    if !(excellent > good && good > qualified) {
        return Err(AppraisalError::BandsNotDescending {
            excellent,
            good,
            qualified,
        });
    }
    for (&kind, &points) in &scheme.deduction_points {
        if !on_scale(points) {
            return Err(AppraisalError::DeductionOutOfRange {
                kind: Some(kind),
                points,
            });
        }
    }
    Ok(())
}

/// Where a deduction comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeductionSource {
    /// Automatic, from a recheck finding traced to the consultancy.
    Finding(FindingKind),
    /// Entered by the appraiser with a reason.
    Manual,
}

/// Points taken off the weighted score, with the reason shown in the breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deduction {
    pub source: DeductionSource,
    pub reason: String,
    pub points: Decimal,
}

/// The automatic deduction for one recheck finding under `scheme`. Each finding deducts once;
/// two findings of one kind deduct twice.
pub fn finding_deduction(
    scheme: &Scheme,
    kind: FindingKind,
    reason: impl Into<String>,
) -> Deduction {
    Deduction {
        source: DeductionSource::Finding(kind),
        reason: reason.into(),
        points: scheme.finding_points(kind),
    }
}

/// One dimension's line in a breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DimensionLine {
    pub dimension: Dimension,
    pub score: Decimal,
    pub weight: Decimal,
    /// `score × weight / 100`, exact (not rounded: rounding happens once, on the total).
    pub contribution: Decimal,
}

/// How a total came about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    /// The five dimensions in [`Dimension::ALL`] order.
    pub lines: Vec<DimensionLine>,
    /// Σ contributions, exact.
    pub weighted_sum: Decimal,
    pub deductions: Vec<Deduction>,
    /// Σ deduction points.
    pub total_deduction: Decimal,
    /// `weighted_sum − total_deduction`, floored at 0, rounded half away from zero to two
    /// decimals and always written with two (`85.00`).
    pub total: Decimal,
}

/// The appraisal total: Σ score × weight / 100 − Σ deductions, floored at 0, rounded half-up
/// (away from zero) to two decimal places. Expects validated inputs; it does not fail on
/// others (arithmetic saturates instead of overflowing).
pub fn compute_total(scheme: &Scheme, scores: &Scores, deductions: &[Deduction]) -> Breakdown {
    let lines: Vec<DimensionLine> = Dimension::ALL
        .iter()
        .map(|&dimension| {
            let score = scores.get(dimension);
            let weight = scheme.weights.get(dimension);
            DimensionLine {
                dimension,
                score,
                weight,
                contribution: (score.saturating_mul(weight) / HUNDRED).normalize(),
            }
        })
        .collect();
    let weighted_sum = lines.iter().fold(Decimal::ZERO, |acc, line| {
        acc.saturating_add(line.contribution)
    });
    let total_deduction = deductions
        .iter()
        .fold(Decimal::ZERO, |acc, d| acc.saturating_add(d.points));
    let mut total = weighted_sum
        .saturating_sub(total_deduction)
        .max(Decimal::ZERO)
        .round_dp_with_strategy(MAX_DECIMAL_PLACES, RoundingStrategy::MidpointAwayFromZero);
    total.rescale(MAX_DECIMAL_PLACES);
    Breakdown {
        lines,
        weighted_sum,
        deductions: deductions.to_vec(),
        total_deduction,
        total,
    }
}

/// The grade of a total under the scheme's bands (a threshold is inclusive: exactly 90 is
/// EXCELLENT by default); a veto makes it UNQUALIFIED whatever the total.
pub fn grade(scheme: &Scheme, total: Decimal, vetoed: bool) -> Grade {
    let bands = &scheme.bands;
    if vetoed {
        Grade::Unqualified
    } else if total >= bands.excellent {
        Grade::Excellent
    } else if total >= bands.good {
        Grade::Good
    } else if total >= bands.qualified {
        Grade::Qualified
    } else {
        Grade::Unqualified
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("valid test decimal")
    }

    fn scores(values: [&str; 5]) -> Scores {
        Scores {
            capacity_building: d(values[0]),
            report_quality: d(values[1]),
            personnel_management: d(values[2]),
            service_quality: d(values[3]),
            service_quantity: d(values[4]),
        }
    }

    fn manual(points: &str) -> Deduction {
        Deduction {
            source: DeductionSource::Manual,
            reason: "逾期报送".to_owned(),
            points: d(points),
        }
    }

    #[test]
    fn the_default_scheme_is_valid() {
        assert_eq!(validate_scheme(&Scheme::default()), Ok(()));
    }

    #[test]
    fn weights_must_sum_to_100() {
        let mut scheme = Scheme::default();
        scheme.weights.service_quantity = d("14.99");
        assert_eq!(
            validate_scheme(&scheme),
            Err(AppraisalError::WeightsDoNotSumTo100 { sum: d("99.99") })
        );
        scheme.weights.service_quantity = d("15.005");
        let err = validate_scheme(&scheme).expect_err("three decimals");
        assert_eq!(err.field(), "weights.serviceQuantity");
        scheme.weights.service_quantity = d("-1");
        assert!(validate_scheme(&scheme).is_err());
        // Fractional weights that sum to exactly 100 are fine.
        scheme.weights.service_quantity = d("14.5");
        scheme.weights.capacity_building = d("15.50");
        assert_eq!(validate_scheme(&scheme), Ok(()));
        // A weight of 0 drops a dimension; all in one dimension is allowed too.
        scheme.weights = Weights {
            capacity_building: d("0"),
            report_quality: d("100"),
            personnel_management: d("0"),
            service_quality: d("0"),
            service_quantity: d("0"),
        };
        assert_eq!(validate_scheme(&scheme), Ok(()));
        scheme.weights.report_quality = d("100.01");
        assert!(matches!(
            validate_scheme(&scheme),
            Err(AppraisalError::WeightOutOfRange {
                dimension: Dimension::ReportQuality,
                ..
            })
        ));
    }

    #[test]
    fn bands_must_descend_strictly() {
        let mut scheme = Scheme::default();
        scheme.bands.good = d("90");
        let err = validate_scheme(&scheme).expect_err("equal thresholds");
        assert!(matches!(err, AppraisalError::BandsNotDescending { .. }));
        assert_eq!(err.field(), "bands");
        scheme.bands.good = d("50");
        assert!(validate_scheme(&scheme).is_err());
        scheme.bands.good = d("75");
        scheme.bands.excellent = d("100.5");
        let err = validate_scheme(&scheme).expect_err("over 100");
        assert_eq!(err.field(), "bands.excellent");
        scheme.bands = GradeBands {
            excellent: d("100"),
            good: d("0.01"),
            qualified: d("0"),
        };
        assert_eq!(validate_scheme(&scheme), Ok(()));
    }

    #[test]
    fn deduction_rules_are_checked() {
        let mut scheme = Scheme::default();
        scheme
            .deduction_points
            .insert(FindingKind::Omission, d("-3"));
        let err = validate_scheme(&scheme).expect_err("negative points");
        assert_eq!(err.field(), "deductionPoints.OMISSION");
        assert_eq!(validate_deduction_points(d("2.50")), Ok(()));
        assert!(validate_deduction_points(d("2.505")).is_err());
        assert!(validate_deduction_points(d("101")).is_err());
    }

    #[test]
    fn scores_are_0_to_100_with_two_decimals() {
        for ok in ["0", "100", "99.99", "85.5", "90.500", "0.01"] {
            assert_eq!(validate_score(d(ok)), Ok(()), "{ok}");
        }
        for bad in ["-0.01", "100.01", "85.555", "1000", "0.001"] {
            assert!(validate_score(d(bad)).is_err(), "{bad}");
        }
        let mut s = scores(["80", "80", "80", "80", "80"]);
        assert_eq!(validate_scores(&s), Ok(()));
        s.personnel_management = d("80.123");
        let err = validate_scores(&s).expect_err("three decimals");
        assert_eq!(err.field(), "scores.personnelManagement");
    }

    #[test]
    fn total_is_the_weighted_sum() {
        let scheme = Scheme::default();
        let b = compute_total(&scheme, &scores(["80", "90", "70", "85", "60"]), &[]);
        // 12 + 27 + 10.5 + 21.25 + 9
        assert_eq!(b.weighted_sum, d("79.75"));
        assert_eq!(b.total, d("79.75"));
        assert_eq!(b.total.to_string(), "79.75");
        assert_eq!(b.lines.len(), 5);
        assert_eq!(b.lines[1].dimension, Dimension::ReportQuality);
        assert_eq!(b.lines[1].weight, d("30"));
        assert_eq!(b.lines[1].contribution, d("27"));
        assert_eq!(b.lines[3].contribution, d("21.25"));
        assert_eq!(grade(&scheme, b.total, false), Grade::Good);

        let b = compute_total(&scheme, &scores(["100", "100", "100", "100", "100"]), &[]);
        assert_eq!(b.total.to_string(), "100.00");
        let b = compute_total(&scheme, &scores(["0", "0", "0", "0", "0"]), &[]);
        assert_eq!(b.total.to_string(), "0.00");
    }

    #[test]
    fn rounding_is_half_away_from_zero_on_the_total_only() {
        let scheme = Scheme::default();
        // 90.02 × 25 / 100 = 22.505: half-up gives 22.51 where banker's rounding gives 22.50.
        let b = compute_total(&scheme, &scores(["0", "0", "0", "90.02", "0"]), &[]);
        assert_eq!(b.lines[3].contribution, d("22.505"));
        assert_eq!(b.weighted_sum, d("22.505"));
        assert_eq!(b.total.to_string(), "22.51");
        // Rounded once, on the sum: 0.0045 + 0.0045 + 0.0025 + 0.0045 = 0.016 → 0.02, where
        // rounding each contribution first would give 0.00.
        let b = compute_total(&scheme, &scores(["0.03", "0", "0.03", "0.01", "0.03"]), &[]);
        assert_eq!(b.weighted_sum, d("0.016"));
        assert_eq!(b.total.to_string(), "0.02");
    }

    #[test]
    fn deductions_are_listed_and_floored_at_zero() {
        let scheme = Scheme::default();
        let deductions = vec![
            finding_deduction(&scheme, FindingKind::MajorDefect, "报告 A 重大缺陷"),
            finding_deduction(&scheme, FindingKind::MajorDefect, "报告 B 重大缺陷"),
            finding_deduction(&scheme, FindingKind::Omission, "报告 C 遗漏"),
            manual("1.5"),
        ];
        let b = compute_total(
            &scheme,
            &scores(["80", "90", "70", "85", "60"]),
            &deductions,
        );
        assert_eq!(b.total_deduction, d("14.5"));
        assert_eq!(b.total, d("65.25"));
        assert_eq!(b.deductions, deductions);
        assert_eq!(
            b.deductions[0].source,
            DeductionSource::Finding(FindingKind::MajorDefect)
        );
        assert_eq!(grade(&scheme, b.total, false), Grade::Qualified);

        let heavy = vec![
            finding_deduction(&scheme, FindingKind::Falsification, "伪造监测数据"),
            finding_deduction(&scheme, FindingKind::WrongConclusion, "结论错误"),
        ];
        let b = compute_total(&scheme, &scores(["10", "10", "10", "10", "10"]), &heavy);
        assert_eq!(b.weighted_sum, d("10"));
        assert_eq!(b.total_deduction, d("30"));
        assert_eq!(b.total.to_string(), "0.00");
    }

    #[test]
    fn unlisted_finding_kinds_deduct_nothing() {
        let mut scheme = Scheme::default();
        scheme.deduction_points.remove(&FindingKind::Omission);
        assert_eq!(scheme.finding_points(FindingKind::Omission), Decimal::ZERO);
        let ded = finding_deduction(&scheme, FindingKind::Omission, "遗漏");
        assert_eq!(ded.points, Decimal::ZERO);
    }

    #[test]
    fn grade_bands_are_inclusive() {
        let scheme = Scheme::default();
        let cases = [
            ("100", Grade::Excellent),
            ("90.00", Grade::Excellent),
            ("89.99", Grade::Good),
            ("75", Grade::Good),
            ("74.99", Grade::Qualified),
            ("60", Grade::Qualified),
            ("59.99", Grade::Unqualified),
            ("0", Grade::Unqualified),
        ];
        for (total, want) in cases {
            assert_eq!(grade(&scheme, d(total), false), want, "{total}");
        }
    }

    #[test]
    fn a_veto_fails_whatever_the_score() {
        let scheme = Scheme::default();
        assert_eq!(grade(&scheme, d("100"), true), Grade::Unqualified);
        assert!(scheme.is_vetoed([FindingKind::Omission, FindingKind::Falsification]));
        assert!(!scheme.is_vetoed([FindingKind::Omission, FindingKind::WrongConclusion]));
        assert!(!scheme.is_vetoed([]));
    }

    #[test]
    fn half_a_hundredth_after_deductions_rounds_up() {
        let scheme = Scheme::default();
        // 80.15 × 15 % = 12.0225; + 80 × 85 % = 68 → 80.0225; − 0.01 = 80.0125 → 80.01.
        let b = compute_total(
            &scheme,
            &scores(["80.15", "80", "80", "80", "80"]),
            &[manual("0.01")],
        );
        assert_eq!(b.weighted_sum, d("80.0225"));
        assert_eq!(b.total.to_string(), "80.01");
        // 70.05 × 30 % = 21.015; + 70 × 70 % = 49 → 70.015: exactly half, up to 70.02.
        let b = compute_total(&scheme, &scores(["70", "70.05", "70", "70", "70"]), &[]);
        assert_eq!(b.weighted_sum, d("70.015"));
        assert_eq!(b.total.to_string(), "70.02");
        // A deduction that leaves x.xx5 rounds up too: 75.015 − 0.01 = 75.005 → 75.01.
        let b = compute_total(
            &scheme,
            &scores(["75", "75.05", "75", "75", "75"]),
            &[manual("0.01")],
        );
        assert_eq!(b.total.to_string(), "75.01");
        assert_eq!(grade(&scheme, b.total, false), Grade::Good);
        // 74.985 − 0.01 = 74.975 → 74.98: below the GOOD band, graded on the rounded total.
        let b = compute_total(
            &scheme,
            &scores(["75", "74.95", "75", "75", "75"]),
            &[manual("0.01")],
        );
        assert_eq!(b.weighted_sum, d("74.985"));
        assert_eq!(b.total.to_string(), "74.98");
        assert_eq!(grade(&scheme, b.total, false), Grade::Qualified);
    }

    #[test]
    fn findings_deduct_and_veto_under_the_years_scheme() {
        let mut scheme = Scheme::default();
        scheme
            .deduction_points
            .insert(FindingKind::Falsification, d("25"));
        scheme.veto_kinds.insert(FindingKind::WrongConclusion);
        let findings = [FindingKind::Falsification, FindingKind::Omission];
        let mut deductions: Vec<Deduction> = findings
            .iter()
            .map(|k| finding_deduction(&scheme, *k, k.label()))
            .collect();
        deductions.push(manual("2"));
        let b = compute_total(
            &scheme,
            &scores(["100", "100", "100", "100", "100"]),
            &deductions,
        );
        // 100 − 25 − 3 − 2
        assert_eq!(b.total.to_string(), "70.00");
        assert!(scheme.is_vetoed(findings));
        assert_eq!(
            grade(&scheme, b.total, scheme.is_vetoed(findings)),
            Grade::Unqualified
        );
        // A wrong conclusion deducts 10 and now vetoes too; an omission alone does not.
        assert!(scheme.is_vetoed([FindingKind::WrongConclusion]));
        assert!(!scheme.is_vetoed([FindingKind::Omission, FindingKind::MajorDefect]));
        // Without findings the same scores are EXCELLENT.
        let clean = compute_total(&scheme, &scores(["100", "100", "100", "100", "100"]), &[]);
        assert_eq!(grade(&scheme, clean.total, false), Grade::Excellent);
    }

    #[test]
    fn unvalidated_extremes_do_not_panic() {
        let scheme = Scheme::default();
        let huge = Scores {
            capacity_building: Decimal::MAX,
            report_quality: Decimal::MAX,
            personnel_management: Decimal::MAX,
            service_quality: Decimal::MAX,
            service_quantity: Decimal::MAX,
        };
        let deductions = [Deduction {
            source: DeductionSource::Manual,
            reason: String::new(),
            points: Decimal::MIN,
        }];
        let _ = compute_total(&scheme, &huge, &deductions);
    }

    #[test]
    fn errors_read_well() {
        let err = validate_score(d("101")).expect_err("over 100");
        assert_eq!(
            err.to_string(),
            "a score must be 0–100 with at most two decimals, not 101"
        );
        assert_eq!(err.field(), "score");
        assert_eq!(Dimension::ReportQuality.label(), "报告编制质量");
    }
}
