//! The panel's working papers after the meeting: each present expert's opinion sheet
//! (预审意见/评分表) scored per criterion of the review kind, and the panel's outcome that
//! follows from the sheets.
//!
//! The criteria and their weights are our policy choice (settings, see
//! [`OpinionCriteria::from_specs`]), not the plan's words; the defaults follow what an
//! evaluation, an acceptance and a recheck of a clean-production audit look at.
//!
//! # The outcome rule
//! The panel concludes the most favourable conclusion that **more than half** of the sheets
//! reach (PASS counts toward PASS_WITH_CHANGES too): with 5 sheets of PASS, PASS, CHANGES,
//! FAIL, FAIL the panel concludes PASS_WITH_CHANGES (3 of 5 at least pass with changes). Its
//! score is the mean of the sheets' weighted totals, to two decimals (half away from zero).
//! A passing conclusion whose mean is below the pass mark is a contradiction the experts
//! resolve by revising their sheets; the rule does not pick a side.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::{OpinionConclusion, ReviewKind, ReviewOutcome};

/// One criterion of a review kind's sheet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Criterion {
    /// Stable name (`OPTIONS`), kept with every sheet scored on it.
    pub code: String,
    /// What the expert reads on the sheet.
    pub label: String,
    /// Share of the total, in percent; a kind's weights add up to 100.
    pub weight: u32,
}

/// The criteria of each review kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpinionCriteria {
    pub evaluation: Vec<Criterion>,
    pub acceptance: Vec<Criterion>,
    pub recheck: Vec<Criterion>,
}

/// Why a criteria setting is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CriteriaError {
    #[error("a criterion is written CODE:WEIGHT:label, got {0:?}")]
    Malformed(String),
    #[error("criterion code {0:?} must be capital letters, digits and underscores")]
    BadCode(String),
    #[error("criterion {0} appears twice")]
    Duplicate(String),
    #[error("criterion {0} needs a weight from 1 to 100")]
    BadWeight(String),
    #[error("the weights add up to {0}, not 100")]
    NotHundred(u32),
    #[error("at least one criterion is needed")]
    Empty,
}

fn criterion(code: &str, weight: u32, label: &str) -> Criterion {
    Criterion {
        code: code.to_owned(),
        label: label.to_owned(),
        weight,
    }
}

impl Default for OpinionCriteria {
    fn default() -> Self {
        OpinionCriteria {
            evaluation: vec![
                criterion("PROCESS", 20, "审核过程规范性"),
                criterion("BASELINE", 20, "现状调查与问题识别"),
                criterion("OPTIONS", 30, "方案的产生与可行性"),
                criterion("BENEFITS", 15, "预期效益"),
                criterion("REPORT", 15, "报告编制质量"),
            ],
            acceptance: vec![
                criterion("IMPLEMENTATION", 35, "方案实施情况"),
                criterion("BENEFITS", 30, "效益实现情况"),
                criterion("LEVEL", 20, "清洁生产水平"),
                criterion("MECHANISM", 15, "持续清洁生产机制"),
            ],
            recheck: vec![
                criterion("AUTHENTICITY", 25, "审核过程真实性"),
                criterion("OPTIONS", 25, "方案与实施"),
                criterion("BENEFITS", 25, "效益核实"),
                criterion("REPORT", 25, "报告质量"),
            ],
        }
    }
}

impl OpinionCriteria {
    pub fn for_kind(&self, kind: ReviewKind) -> &[Criterion] {
        match kind {
            ReviewKind::Evaluation => &self.evaluation,
            ReviewKind::Acceptance => &self.acceptance,
            ReviewKind::Recheck => &self.recheck,
        }
    }

    /// The defaults with the kinds whose spec is given replaced by it.
    pub fn from_specs(
        evaluation: Option<&str>,
        acceptance: Option<&str>,
        recheck: Option<&str>,
    ) -> Result<OpinionCriteria, CriteriaError> {
        let mut criteria = OpinionCriteria::default();
        if let Some(spec) = evaluation {
            criteria.evaluation = parse_criteria(spec)?;
        }
        if let Some(spec) = acceptance {
            criteria.acceptance = parse_criteria(spec)?;
        }
        if let Some(spec) = recheck {
            criteria.recheck = parse_criteria(spec)?;
        }
        Ok(criteria)
    }
}

/// Parses `CODE:WEIGHT:label;CODE:WEIGHT:label…` (weights add up to 100).
pub fn parse_criteria(spec: &str) -> Result<Vec<Criterion>, CriteriaError> {
    let mut out: Vec<Criterion> = Vec::new();
    for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let mut fields = part.splitn(3, ':').map(str::trim);
        let (Some(code), Some(weight), Some(label)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(CriteriaError::Malformed(part.to_owned()));
        };
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(CriteriaError::BadCode(code.to_owned()));
        }
        if label.is_empty() {
            return Err(CriteriaError::Malformed(part.to_owned()));
        }
        let weight: u32 = weight
            .parse()
            .ok()
            .filter(|w| (1..=100).contains(w))
            .ok_or_else(|| CriteriaError::BadWeight(code.to_owned()))?;
        if out.iter().any(|c| c.code == code) {
            return Err(CriteriaError::Duplicate(code.to_owned()));
        }
        out.push(criterion(code, weight, label));
    }
    if out.is_empty() {
        return Err(CriteriaError::Empty);
    }
    let total: u32 = out.iter().map(|c| c.weight).sum();
    if total != 100 {
        return Err(CriteriaError::NotHundred(total));
    }
    Ok(out)
}

/// One criterion as scored on a sheet: the criterion as it stood then, and the score.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoredCriterion {
    pub code: String,
    pub label: String,
    pub weight: u32,
    pub score: Decimal,
}

/// Why a sheet's scores are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("{0} is not a criterion of this review kind")]
    Unknown(String),
    #[error("criterion {0} is scored twice")]
    Twice(String),
    #[error("criterion {0} is not scored")]
    Missing(String),
    #[error("criterion {0}: a score is from 0 to 100 with at most two decimals")]
    OutOfRange(String),
}

/// Checks a sheet's scores against the kind's criteria: each criterion exactly once, 0–100
/// with at most two decimals. Answers them in the criteria's order, weights attached.
pub fn score_sheet(
    criteria: &[Criterion],
    scores: &[(String, Decimal)],
) -> Result<Vec<ScoredCriterion>, SheetError> {
    for (i, (code, score)) in scores.iter().enumerate() {
        if !criteria.iter().any(|c| &c.code == code) {
            return Err(SheetError::Unknown(code.clone()));
        }
        if scores[..i].iter().any(|(earlier, _)| earlier == code) {
            return Err(SheetError::Twice(code.clone()));
        }
        if *score < Decimal::ZERO || *score > Decimal::ONE_HUNDRED || score.normalize().scale() > 2
        {
            return Err(SheetError::OutOfRange(code.clone()));
        }
    }
    criteria
        .iter()
        .map(|c| {
            let (_, score) = scores
                .iter()
                .find(|(code, _)| code == &c.code)
                .ok_or_else(|| SheetError::Missing(c.code.clone()))?;
            Ok(ScoredCriterion {
                code: c.code.clone(),
                label: c.label.clone(),
                weight: c.weight,
                score: score.normalize(),
            })
        })
        .collect()
}

/// The sheet's weighted total, 0–100, to two decimals.
pub fn sheet_total(scored: &[ScoredCriterion]) -> Decimal {
    let weights: u32 = scored.iter().map(|c| c.weight).sum();
    if weights == 0 {
        return Decimal::ZERO;
    }
    let sum: Decimal = scored
        .iter()
        .map(|c| c.score * Decimal::from(c.weight))
        .sum();
    (sum / Decimal::from(weights)).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The review outcome a conclusion stands for.
pub fn review_outcome(conclusion: OpinionConclusion) -> ReviewOutcome {
    match conclusion {
        OpinionConclusion::Pass | OpinionConclusion::PassWithChanges => ReviewOutcome::Passed,
        OpinionConclusion::Fail => ReviewOutcome::Failed,
    }
}

/// What the sheets add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelOutcome {
    pub conclusion: OpinionConclusion,
    pub outcome: ReviewOutcome,
    /// Mean of the sheets' totals, two decimals.
    pub score: Decimal,
    pub sheets: u32,
    pub pass: u32,
    pub pass_with_changes: u32,
    pub fail: u32,
}

/// Why the sheets do not give an outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutcomeError {
    #[error("no opinion sheet has been submitted")]
    NoSheets,
    #[error(
        "the sheets conclude {conclusion} by majority but their mean score {score} is below the pass mark {pass_mark}; the experts revise their sheets"
    )]
    PassBelowMark {
        conclusion: OpinionConclusion,
        score: Decimal,
        pass_mark: u32,
    },
}

/// The panel's outcome from its sheets (conclusion, weighted total) by the rule in the
/// module's documentation.
pub fn panel_outcome(
    sheets: &[(OpinionConclusion, Decimal)],
    pass_mark: u32,
) -> Result<PanelOutcome, OutcomeError> {
    let n = u32::try_from(sheets.len()).unwrap_or(u32::MAX);
    if n == 0 {
        return Err(OutcomeError::NoSheets);
    }
    let count = |wanted: OpinionConclusion| {
        u32::try_from(sheets.iter().filter(|(c, _)| *c == wanted).count()).unwrap_or(u32::MAX)
    };
    let pass = count(OpinionConclusion::Pass);
    let pass_with_changes = count(OpinionConclusion::PassWithChanges);
    let fail = count(OpinionConclusion::Fail);
    let majority = |votes: u32| 2 * u64::from(votes) > u64::from(n);
    let conclusion = if majority(pass) {
        OpinionConclusion::Pass
    } else if majority(pass + pass_with_changes) {
        OpinionConclusion::PassWithChanges
    } else {
        OpinionConclusion::Fail
    };
    let sum: Decimal = sheets.iter().map(|(_, total)| *total).sum();
    let score = (sum / Decimal::from(n))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    let outcome = review_outcome(conclusion);
    if outcome == ReviewOutcome::Passed && score < Decimal::from(pass_mark) {
        return Err(OutcomeError::PassBelowMark {
            conclusion,
            score,
            pass_mark,
        });
    }
    Ok(PanelOutcome {
        conclusion,
        outcome,
        score,
        sheets: n,
        pass,
        pass_with_changes,
        fail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use OpinionConclusion::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    #[test]
    fn default_weights_add_up_to_a_hundred() {
        let criteria = OpinionCriteria::default();
        for kind in ReviewKind::ALL {
            let total: u32 = criteria.for_kind(*kind).iter().map(|c| c.weight).sum();
            assert_eq!(total, 100, "{kind}");
        }
    }

    #[test]
    fn criteria_settings_are_checked() {
        let parsed = parse_criteria("A:60:甲; B_2:40:乙").expect("valid");
        assert_eq!(parsed[1], criterion("B_2", 40, "乙"));
        assert_eq!(
            parse_criteria("A:60:甲;B:30:乙"),
            Err(CriteriaError::NotHundred(90))
        );
        assert_eq!(
            parse_criteria("A:50:甲;A:50:乙"),
            Err(CriteriaError::Duplicate("A".into()))
        );
        assert_eq!(
            parse_criteria("a:100:甲"),
            Err(CriteriaError::BadCode("a".into()))
        );
        assert_eq!(
            parse_criteria("A:0:甲;B:100:乙"),
            Err(CriteriaError::BadWeight("A".into()))
        );
        assert_eq!(
            parse_criteria("A:100"),
            Err(CriteriaError::Malformed("A:100".into()))
        );
        assert_eq!(parse_criteria(" ; "), Err(CriteriaError::Empty));
        let custom = OpinionCriteria::from_specs(None, Some("ALL:100:总体"), None).expect("ok");
        assert_eq!(custom.acceptance.len(), 1);
        assert_eq!(custom.evaluation, OpinionCriteria::default().evaluation);
    }

    #[test]
    fn a_sheet_scores_every_criterion_once() {
        let criteria = vec![criterion("A", 70, "甲"), criterion("B", 30, "乙")];
        let scored = score_sheet(
            &criteria,
            &[("B".into(), dec("60")), ("A".into(), dec("85.5"))],
        )
        .expect("valid");
        assert_eq!(scored[0].code, "A");
        // 85.5 × 0.7 + 60 × 0.3 = 59.85 + 18
        assert_eq!(sheet_total(&scored), dec("77.85"));
        assert_eq!(
            score_sheet(&criteria, &[("A".into(), dec("80"))]),
            Err(SheetError::Missing("B".into()))
        );
        assert_eq!(
            score_sheet(
                &criteria,
                &[
                    ("A".into(), dec("80")),
                    ("A".into(), dec("80")),
                    ("B".into(), dec("1"))
                ]
            ),
            Err(SheetError::Twice("A".into()))
        );
        assert_eq!(
            score_sheet(&criteria, &[("C".into(), dec("80"))]),
            Err(SheetError::Unknown("C".into()))
        );
        for bad in ["-1", "100.01", "80.123"] {
            assert_eq!(
                score_sheet(&criteria, &[("A".into(), dec(bad)), ("B".into(), dec("1"))]),
                Err(SheetError::OutOfRange("A".into())),
                "{bad}"
            );
        }
        // Trailing zeros are not extra decimals.
        assert!(
            score_sheet(
                &criteria,
                &[("A".into(), dec("80.500")), ("B".into(), dec("1"))]
            )
            .is_ok()
        );
    }

    #[test]
    fn the_most_favourable_conclusion_a_majority_reaches() {
        let sheets = |cs: &[OpinionConclusion]| -> Vec<(OpinionConclusion, Decimal)> {
            cs.iter().map(|c| (*c, dec("80"))).collect()
        };
        let conclude =
            |cs: &[OpinionConclusion]| panel_outcome(&sheets(cs), 60).expect("outcome").conclusion;
        assert_eq!(
            conclude(&[Pass, Pass, PassWithChanges, Fail, Fail]),
            PassWithChanges
        );
        assert_eq!(conclude(&[Pass, Pass, Pass, Fail, Fail]), Pass);
        assert_eq!(conclude(&[Pass, PassWithChanges, Fail, Fail, Fail]), Fail);
        // A tie is no majority.
        assert_eq!(conclude(&[Pass, Pass, Fail, Fail]), Fail);
        assert_eq!(
            conclude(&[Pass, Pass, PassWithChanges, Fail]),
            PassWithChanges
        );
        assert_eq!(conclude(&[Pass]), Pass);
        let counted = panel_outcome(&sheets(&[Pass, PassWithChanges, Fail]), 60).expect("ok");
        assert_eq!(
            (
                counted.pass,
                counted.pass_with_changes,
                counted.fail,
                counted.sheets
            ),
            (1, 1, 1, 3)
        );
        assert_eq!(counted.outcome, ReviewOutcome::Passed);
        assert_eq!(panel_outcome(&[], 60), Err(OutcomeError::NoSheets));
    }

    #[test]
    fn the_score_is_the_mean_and_must_agree_with_a_pass() {
        let outcome = panel_outcome(
            &[(Pass, dec("80")), (Pass, dec("75.5")), (Fail, dec("50"))],
            60,
        )
        .expect("ok");
        // 205.5 / 3 = 68.5
        assert_eq!(outcome.score, dec("68.5"));
        let thirds = panel_outcome(
            &[(Fail, dec("70")), (Fail, dec("70")), (Fail, dec("71"))],
            60,
        )
        .expect("ok");
        assert_eq!(thirds.score, dec("70.33"));
        assert_eq!(thirds.outcome, ReviewOutcome::Failed);
        assert_eq!(
            panel_outcome(&[(Pass, dec("59")), (Pass, dec("60"))], 60),
            Err(OutcomeError::PassBelowMark {
                conclusion: Pass,
                score: dec("59.5"),
                pass_mark: 60
            })
        );
        // A failing conclusion may carry any score.
        assert!(panel_outcome(&[(Fail, dec("95"))], 60).is_ok());
    }
}
