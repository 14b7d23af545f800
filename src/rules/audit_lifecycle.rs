//! The life of an audit and of a city's annual audit list, as pure state machines.
//!
//! An audit's status says what happened last, with its outcome in the name:
//!
//! | from                 | event                    | to                    |
//! |----------------------|--------------------------|-----------------------|
//! | NOTIFIED             | Start                    | IN_PROGRESS           |
//! | IN_PROGRESS          | SubmitReport             | REPORT_SUBMITTED      |
//! | REPORT_SUBMITTED     | RecordEvaluation(PASSED) | EVALUATION_PASSED     |
//! | REPORT_SUBMITTED     | RecordEvaluation(FAILED) | EVALUATION_FAILED     |
//! | EVALUATION_FAILED    | SubmitReport             | REPORT_SUBMITTED      |
//! | EVALUATION_PASSED    | CloseWithoutAcceptance   | CLOSED_ON_EVALUATION  |
//! | EVALUATION_PASSED    | RecordAcceptance(PASSED) | ACCEPTED              |
//! | EVALUATION_PASSED    | RecordAcceptance(FAILED) | ACCEPTANCE_FAILED     |
//! | ACCEPTANCE_FAILED    | RecordAcceptance(PASSED) | ACCEPTED              |
//! | ACCEPTANCE_FAILED    | RecordAcceptance(FAILED) | ACCEPTANCE_FAILED     |
//!
//! Nothing else is allowed; ACCEPTED and CLOSED_ON_EVALUATION are final (the round is over and
//! the enterprise's cycle completed). CloseWithoutAcceptance follows a passed evaluation at once
//! when no implemented option needs acceptance (the plan's 精简验收内容, see
//! [`closes_on_evaluation`]). A RECHECK by the province never moves the audit: its findings go to
//! the appraisal of the consultancy and the experts.
//!
//! Re-examination after a failed acceptance: the enterprise rectifies and the city holds another
//! acceptance review, as often as needed, but only on or before the acceptance due date (one
//! year after the evaluation, or the approved extension, itself capped at the cycle end; see
//! [`check_reexamination_date`]). Past that date the audit stays ACCEPTANCE_FAILED and overdue
//! until the city approves an extension. The first acceptance is not date-gated: a late first
//! acceptance is still recorded as it happened and shows as overdue.

use chrono::NaiveDate;
use std::fmt;

use crate::domain::{
    AnnualListStatus, AuditMode, AuditStatus, OptionKind, ReviewKind, ReviewOutcome,
};

/// Something that happens to an audit and may move its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditEvent {
    /// The enterprise starts the audit after its notice.
    Start,
    /// The enterprise hands in its audit report (again, after a failed evaluation).
    SubmitReport,
    /// An evaluation review reached this outcome.
    RecordEvaluation(ReviewOutcome),
    /// A passed evaluation closes the round: no implemented option needs acceptance.
    CloseWithoutAcceptance,
    /// An acceptance review reached this outcome.
    RecordAcceptance(ReviewOutcome),
}

impl fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditEvent::Start => f.write_str("START"),
            AuditEvent::SubmitReport => f.write_str("SUBMIT_REPORT"),
            AuditEvent::RecordEvaluation(o) => write!(f, "RECORD_EVALUATION({o})"),
            AuditEvent::CloseWithoutAcceptance => f.write_str("CLOSE_WITHOUT_ACCEPTANCE"),
            AuditEvent::RecordAcceptance(o) => write!(f, "RECORD_ACCEPTANCE({o})"),
        }
    }
}

/// An event that the audit's current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an audit that is {status} cannot take {event}")]
pub struct TransitionError {
    pub status: AuditStatus,
    pub event: AuditEvent,
}

/// The status an audit moves to when `event` happens in `status`.
pub fn next_status(status: AuditStatus, event: AuditEvent) -> Result<AuditStatus, TransitionError> {
    use AuditEvent as E;
    use AuditStatus as S;
    use ReviewOutcome as O;
    let next = match (status, event) {
        (S::Notified, E::Start) => Some(S::InProgress),
        (S::InProgress | S::EvaluationFailed, E::SubmitReport) => Some(S::ReportSubmitted),
        (S::ReportSubmitted, E::RecordEvaluation(O::Passed)) => Some(S::EvaluationPassed),
        (S::ReportSubmitted, E::RecordEvaluation(O::Failed)) => Some(S::EvaluationFailed),
        (S::EvaluationPassed, E::CloseWithoutAcceptance) => Some(S::ClosedOnEvaluation),
        (S::EvaluationPassed | S::AcceptanceFailed, E::RecordAcceptance(O::Passed)) => {
            Some(S::Accepted)
        }
        (S::EvaluationPassed | S::AcceptanceFailed, E::RecordAcceptance(O::Failed)) => {
            Some(S::AcceptanceFailed)
        }
        _ => None,
    };
    next.ok_or(TransitionError { status, event })
}

/// Whether a status ends the round (the enterprise's cycle is completed).
pub fn is_final(status: AuditStatus) -> bool {
    matches!(
        status,
        AuditStatus::Accepted | AuditStatus::ClosedOnEvaluation
    )
}

/// The outcome a status carries in its name, for `lastOutcome`: the latest evaluation's or
/// acceptance's.
pub fn outcome_of(status: AuditStatus) -> Option<ReviewOutcome> {
    use AuditStatus as S;
    match status {
        S::EvaluationPassed | S::ClosedOnEvaluation | S::Accepted => Some(ReviewOutcome::Passed),
        S::EvaluationFailed | S::AcceptanceFailed => Some(ReviewOutcome::Failed),
        S::Notified | S::InProgress | S::ReportSubmitted => None,
    }
}

/// Whether a passed evaluation closes the round without an acceptance (精简验收内容: 不涉及具体
/// 技术改造的无低费方案可不开展验收…可采用相关部门的专项验收结论): at least one option is
/// implemented and none of the implemented ones needs acceptance. An audit with no implemented
/// option keeps its acceptance (our reading: there is nothing yet to show the audit's effect).
pub fn closes_on_evaluation(implemented: &[NeedsAcceptance]) -> bool {
    !implemented.is_empty() && implemented.iter().all(|n| *n != NeedsAcceptance::Yes)
}

/// A review that cannot be scheduled or recorded in the audit's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{kind} needs an audit that is {}; this audit is {status}",
    required_state(*.kind)
)]
pub struct ReviewNotAllowed {
    pub kind: ReviewKind,
    pub status: AuditStatus,
}

/// What each review kind needs, in words for the error message.
fn required_state(kind: ReviewKind) -> &'static str {
    match kind {
        ReviewKind::Evaluation => "REPORT_SUBMITTED",
        ReviewKind::Acceptance => "EVALUATION_PASSED or ACCEPTANCE_FAILED",
        ReviewKind::Recheck => {
            "EVALUATION_PASSED, EVALUATION_FAILED, CLOSED_ON_EVALUATION, ACCEPTANCE_FAILED or ACCEPTED"
        }
    }
}

/// Whether a review of `kind` may be held for an audit in `status`.
///
/// An EVALUATION needs a submitted report; an ACCEPTANCE needs a passed evaluation or a failed
/// acceptance (re-examination); a RECHECK (the province's sample of completed evaluations and
/// acceptances) needs an audit that has been evaluated or accepted, whatever the outcome.
pub fn review_allowed(kind: ReviewKind, status: AuditStatus) -> Result<(), ReviewNotAllowed> {
    use AuditStatus as S;
    let allowed = match kind {
        ReviewKind::Evaluation => status == S::ReportSubmitted,
        ReviewKind::Acceptance => matches!(status, S::EvaluationPassed | S::AcceptanceFailed),
        ReviewKind::Recheck => matches!(
            status,
            S::EvaluationPassed
                | S::EvaluationFailed
                | S::ClosedOnEvaluation
                | S::AcceptanceFailed
                | S::Accepted
        ),
    };
    if allowed {
        Ok(())
    } else {
        Err(ReviewNotAllowed { kind, status })
    }
}

/// A review dated before the step it reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReviewBeforeItsStep {
    #[error("must not be before the report of {0}")]
    Report(NaiveDate),
    #[error("must not be before the evaluation of {0}")]
    Evaluation(NaiveDate),
}

/// Checks that a review comes no earlier than what it reviews: an EVALUATION not before the
/// report was submitted, an ACCEPTANCE not before the evaluation. A RECHECK, and a review of
/// an audit without that date, are not checked.
pub fn check_review_after_step(
    kind: ReviewKind,
    review_on: NaiveDate,
    report_submitted_on: Option<NaiveDate>,
    evaluated_on: Option<NaiveDate>,
) -> Result<(), ReviewBeforeItsStep> {
    match kind {
        ReviewKind::Evaluation => match report_submitted_on {
            Some(report) if review_on < report => Err(ReviewBeforeItsStep::Report(report)),
            _ => Ok(()),
        },
        ReviewKind::Acceptance => match evaluated_on {
            Some(evaluated) if review_on < evaluated => {
                Err(ReviewBeforeItsStep::Evaluation(evaluated))
            }
            _ => Ok(()),
        },
        ReviewKind::Recheck => Ok(()),
    }
}

/// A re-examination after a failed acceptance asked for after the acceptance deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "a re-examination on {review_on} is after the acceptance due date {acceptance_due}; approve an extension first"
)]
pub struct ReexaminationTooLate {
    pub review_on: NaiveDate,
    pub acceptance_due: NaiveDate,
}

/// Checks the date of a re-examination (an acceptance review of an audit that is ACCEPTED
/// (FAILED)): it must be on or before `acceptance_due`, the one-year date or the approved
/// extension. See the module docs for why the first acceptance is not checked.
pub fn check_reexamination_date(
    review_on: NaiveDate,
    acceptance_due: NaiveDate,
) -> Result<(), ReexaminationTooLate> {
    if review_on <= acceptance_due {
        Ok(())
    } else {
        Err(ReexaminationTooLate {
            review_on,
            acceptance_due,
        })
    }
}

/// The pass mark a review's score must reach for a PASSED outcome, unless configured
/// (`CLEANPROD_REVIEW_PASS_MARK`): our choice, the plan sets none.
pub const DEFAULT_PASS_MARK: u32 = 60;

/// A PASSED outcome whose score is below the pass mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a score of {score} is below the pass mark of {pass_mark}: the outcome cannot be PASSED")]
pub struct ScoreBelowPassMark {
    pub score: rust_decimal::Decimal,
    pub pass_mark: u32,
}

/// Checks that a scored review's outcome agrees with its score: PASSED needs at least the
/// pass mark. A review without a score, and a FAILED one, are not checked.
pub fn check_outcome_score(
    outcome: ReviewOutcome,
    score: Option<rust_decimal::Decimal>,
    pass_mark: u32,
) -> Result<(), ScoreBelowPassMark> {
    match score {
        Some(score)
            if outcome == ReviewOutcome::Passed
                && score < rust_decimal::Decimal::from(pass_mark) =>
        {
            Err(ScoreBelowPassMark { score, pass_mark })
        }
        _ => Ok(()),
    }
}

/// The plan's 两精简: firms with high energy use, high water use, high emissions, or priority
/// controlled chemicals audit in full (STRICT); all others follow the simplified procedure.
pub fn audit_mode(
    high_energy: bool,
    high_water: bool,
    high_emissions: bool,
    priority_chemicals: bool,
) -> AuditMode {
    if high_energy || high_water || high_emissions || priority_chemicals {
        AuditMode::Strict
    } else {
        AuditMode::Simplified
    }
}

/// A change of an annual list's status that the workflow does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListTransitionError {
    #[error("an annual list cannot go from {from} to {to}")]
    NotAllowed {
        from: AnnualListStatus,
        to: AnnualListStatus,
    },
    /// Returning a submitted list to the city needs a reason the city can act on.
    #[error("returning an annual list to DRAFT needs a reason")]
    ReasonRequired,
}

/// Checks a change of an annual audit list's status.
///
/// DRAFT → SUBMITTED (the city reports it, due end of February), SUBMITTED → APPROVED (the
/// province approves), APPROVED → PUBLISHED (公示), and SUBMITTED → DRAFT when the province
/// returns it (with a reason: see [`check_list_transition_with_reason`]). Staying in the same
/// status is not a transition; PUBLISHED is final.
pub fn check_list_transition(
    from: AnnualListStatus,
    to: AnnualListStatus,
) -> Result<(), ListTransitionError> {
    use AnnualListStatus as L;
    match (from, to) {
        (L::Draft, L::Submitted)
        | (L::Submitted, L::Approved)
        | (L::Approved, L::Published)
        | (L::Submitted, L::Draft) => Ok(()),
        _ => Err(ListTransitionError::NotAllowed { from, to }),
    }
}

/// [`check_list_transition`], and a return to DRAFT must carry a reason that is not blank.
/// A reason given with any other transition is allowed (a note) and not required.
pub fn check_list_transition_with_reason(
    from: AnnualListStatus,
    to: AnnualListStatus,
    reason: Option<&str>,
) -> Result<(), ListTransitionError> {
    check_list_transition(from, to)?;
    let is_return = from == AnnualListStatus::Submitted && to == AnnualListStatus::Draft;
    let has_reason = reason.is_some_and(|r| !r.trim().is_empty());
    if is_return && !has_reason {
        return Err(ListTransitionError::ReasonRequired);
    }
    Ok(())
}

/// Whether an improvement option (方案) needs its own acceptance (精简验收内容).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeedsAcceptance {
    /// A no/low-cost option without a technical retrofit: no acceptance.
    No,
    /// Accepted in the audit's acceptance review.
    Yes,
    /// A retrofit already accepted by another department: its conclusion is recorded instead.
    OtherDepartment,
}

impl NeedsAcceptance {
    /// The stored and GraphQL-style name.
    pub fn as_str(self) -> &'static str {
        match self {
            NeedsAcceptance::No => "NO",
            NeedsAcceptance::Yes => "YES",
            NeedsAcceptance::OtherDepartment => "OTHER_DEPARTMENT",
        }
    }

    /// The Chinese label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            NeedsAcceptance::No => "无需验收",
            NeedsAcceptance::Yes => "需验收",
            NeedsAcceptance::OtherDepartment => "采用相关部门专项验收结论",
        }
    }
}

impl fmt::Display for NeedsAcceptance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an option needs acceptance, following the plan word for word:
/// 不涉及具体技术改造的无低费方案可不开展验收 — a no/low-cost option without a technical
/// retrofit needs none; 涉及技术改造且改造工程已通过相关部门的专项验收的改造方案，可采用相关部门的
/// 专项验收结论 — a retrofit already accepted by another department takes that conclusion.
/// Everything else (every medium/high-cost option, any retrofit not yet accepted elsewhere)
/// needs acceptance. An acceptance by another department counts only for a retrofit.
pub fn option_needs_acceptance(
    kind: OptionKind,
    has_technical_retrofit: bool,
    accepted_by_other_department: bool,
) -> NeedsAcceptance {
    match (kind, has_technical_retrofit, accepted_by_other_department) {
        (OptionKind::NoLowCost, false, _) => NeedsAcceptance::No,
        (_, true, true) => NeedsAcceptance::OtherDepartment,
        _ => NeedsAcceptance::Yes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AuditStatus as S;
    use ReviewOutcome as O;

    #[test]
    fn a_review_comes_no_earlier_than_the_step_it_reviews() {
        let day = crate::rules::test_date;
        let (report, evaluated) = (Some(day(2026, 3, 10)), Some(day(2026, 4, 10)));
        let check = |kind, on| check_review_after_step(kind, on, report, evaluated);
        assert_eq!(
            check(ReviewKind::Evaluation, day(2026, 3, 9)),
            Err(ReviewBeforeItsStep::Report(day(2026, 3, 10)))
        );
        assert_eq!(check(ReviewKind::Evaluation, day(2026, 3, 10)), Ok(()));
        assert_eq!(
            check(ReviewKind::Acceptance, day(2026, 4, 9)),
            Err(ReviewBeforeItsStep::Evaluation(day(2026, 4, 10)))
        );
        assert_eq!(check(ReviewKind::Acceptance, day(2026, 4, 10)), Ok(()));
        assert_eq!(check(ReviewKind::Recheck, day(2020, 1, 1)), Ok(()));
        assert_eq!(
            check_review_after_step(ReviewKind::Acceptance, day(2020, 1, 1), report, None),
            Ok(())
        );
        assert_eq!(
            ReviewBeforeItsStep::Report(day(2026, 3, 10)).to_string(),
            "must not be before the report of 2026-03-10"
        );
    }

    fn events() -> Vec<AuditEvent> {
        vec![
            AuditEvent::Start,
            AuditEvent::SubmitReport,
            AuditEvent::RecordEvaluation(O::Passed),
            AuditEvent::RecordEvaluation(O::Failed),
            AuditEvent::CloseWithoutAcceptance,
            AuditEvent::RecordAcceptance(O::Passed),
            AuditEvent::RecordAcceptance(O::Failed),
        ]
    }

    /// The table of the module docs, written out independently.
    fn expected(status: AuditStatus, event: AuditEvent) -> Option<AuditStatus> {
        use AuditEvent as E;
        match (status, event) {
            (S::Notified, E::Start) => Some(S::InProgress),
            (S::InProgress, E::SubmitReport) => Some(S::ReportSubmitted),
            (S::ReportSubmitted, E::RecordEvaluation(O::Passed)) => Some(S::EvaluationPassed),
            (S::ReportSubmitted, E::RecordEvaluation(O::Failed)) => Some(S::EvaluationFailed),
            (S::EvaluationFailed, E::SubmitReport) => Some(S::ReportSubmitted),
            (S::EvaluationPassed, E::CloseWithoutAcceptance) => Some(S::ClosedOnEvaluation),
            (S::EvaluationPassed, E::RecordAcceptance(O::Passed)) => Some(S::Accepted),
            (S::EvaluationPassed, E::RecordAcceptance(O::Failed)) => Some(S::AcceptanceFailed),
            (S::AcceptanceFailed, E::RecordAcceptance(O::Passed)) => Some(S::Accepted),
            (S::AcceptanceFailed, E::RecordAcceptance(O::Failed)) => Some(S::AcceptanceFailed),
            _ => None,
        }
    }

    #[test]
    fn every_state_and_event() {
        let mut allowed = 0;
        for &status in AuditStatus::ALL {
            for event in events() {
                let got = next_status(status, event);
                match expected(status, event) {
                    Some(to) => {
                        allowed += 1;
                        assert_eq!(got, Ok(to), "{status} {event}");
                    }
                    None => assert_eq!(
                        got,
                        Err(TransitionError { status, event }),
                        "{status} {event}"
                    ),
                }
            }
        }
        assert_eq!(allowed, 10, "the table has ten rows");
        // Final statuses take nothing.
        for status in [S::Accepted, S::ClosedOnEvaluation] {
            assert!(is_final(status));
            assert!(
                events()
                    .into_iter()
                    .all(|e| next_status(status, e).is_err())
            );
        }
    }

    #[test]
    fn a_full_life_with_a_resubmission_and_a_reexamination() {
        let steps = [
            (AuditEvent::Start, S::InProgress),
            (AuditEvent::SubmitReport, S::ReportSubmitted),
            (AuditEvent::RecordEvaluation(O::Failed), S::EvaluationFailed),
            (AuditEvent::SubmitReport, S::ReportSubmitted),
            (AuditEvent::RecordEvaluation(O::Passed), S::EvaluationPassed),
            (AuditEvent::RecordAcceptance(O::Failed), S::AcceptanceFailed),
            (AuditEvent::RecordAcceptance(O::Passed), S::Accepted),
        ];
        let mut status = S::Notified;
        for (event, to) in steps {
            status = next_status(status, event).expect("allowed step");
            assert_eq!(status, to);
        }
        assert_eq!(outcome_of(status), Some(O::Passed));
        assert_eq!(outcome_of(S::AcceptanceFailed), Some(O::Failed));
        assert_eq!(outcome_of(S::InProgress), None);
    }

    #[test]
    fn errors_name_the_state_and_the_event() {
        let err =
            next_status(S::EvaluationPassed, AuditEvent::SubmitReport).expect_err("not allowed");
        assert_eq!(
            err.to_string(),
            "an audit that is EVALUATION_PASSED cannot take SUBMIT_REPORT"
        );
        let err = next_status(S::Notified, AuditEvent::RecordAcceptance(O::Passed))
            .expect_err("not allowed");
        assert_eq!(
            err.to_string(),
            "an audit that is NOTIFIED cannot take RECORD_ACCEPTANCE(PASSED)"
        );
    }

    #[test]
    fn review_kinds_by_state() {
        for &status in AuditStatus::ALL {
            let evaluation = status == S::ReportSubmitted;
            let acceptance = matches!(status, S::EvaluationPassed | S::AcceptanceFailed);
            let recheck = outcome_of(status).is_some();
            for (kind, ok) in [
                (ReviewKind::Evaluation, evaluation),
                (ReviewKind::Acceptance, acceptance),
                (ReviewKind::Recheck, recheck),
            ] {
                let got = review_allowed(kind, status);
                if ok {
                    assert_eq!(got, Ok(()), "{kind} {status}");
                } else {
                    assert_eq!(
                        got,
                        Err(ReviewNotAllowed { kind, status }),
                        "{kind} {status}"
                    );
                }
            }
        }
        let err =
            review_allowed(ReviewKind::Acceptance, S::EvaluationFailed).expect_err("not allowed");
        assert_eq!(
            err.to_string(),
            "ACCEPTANCE needs an audit that is EVALUATION_PASSED or ACCEPTANCE_FAILED; \
             this audit is EVALUATION_FAILED"
        );
    }

    #[test]
    fn reviews_agree_with_the_machine() {
        // Whenever an evaluation or acceptance may be held, recording it is a valid transition.
        for &status in AuditStatus::ALL {
            for o in [O::Passed, O::Failed] {
                assert_eq!(
                    review_allowed(ReviewKind::Evaluation, status).is_ok(),
                    next_status(status, AuditEvent::RecordEvaluation(o)).is_ok()
                );
                assert_eq!(
                    review_allowed(ReviewKind::Acceptance, status).is_ok(),
                    next_status(status, AuditEvent::RecordAcceptance(o)).is_ok()
                );
            }
        }
    }

    #[test]
    fn a_round_closes_on_its_evaluation_only_when_nothing_needs_acceptance() {
        use NeedsAcceptance as N;
        assert!(closes_on_evaluation(&[N::No]));
        assert!(closes_on_evaluation(&[N::No, N::OtherDepartment]));
        assert!(!closes_on_evaluation(&[N::No, N::Yes]));
        assert!(!closes_on_evaluation(&[]));
    }

    #[test]
    fn reexamination_until_the_due_date() {
        let due = NaiveDate::from_ymd_opt(2025, 2, 28).expect("valid");
        let day_before = NaiveDate::from_ymd_opt(2025, 2, 27).expect("valid");
        let day_after = NaiveDate::from_ymd_opt(2025, 3, 1).expect("valid");
        assert_eq!(check_reexamination_date(day_before, due), Ok(()));
        assert_eq!(check_reexamination_date(due, due), Ok(()));
        assert_eq!(
            check_reexamination_date(day_after, due),
            Err(ReexaminationTooLate {
                review_on: day_after,
                acceptance_due: due
            })
        );
    }

    #[test]
    fn audit_mode_is_strict_on_any_flag() {
        for bits in 0u8..16 {
            let flags = [bits & 1 != 0, bits & 2 != 0, bits & 4 != 0, bits & 8 != 0];
            let expected = if bits == 0 {
                AuditMode::Simplified
            } else {
                AuditMode::Strict
            };
            assert_eq!(
                audit_mode(flags[0], flags[1], flags[2], flags[3]),
                expected,
                "{flags:?}"
            );
        }
    }

    #[test]
    fn every_list_transition() {
        use AnnualListStatus as L;
        let allowed = [
            (L::Draft, L::Submitted),
            (L::Submitted, L::Approved),
            (L::Approved, L::Published),
            (L::Submitted, L::Draft),
        ];
        for &from in AnnualListStatus::ALL {
            for &to in AnnualListStatus::ALL {
                let got = check_list_transition(from, to);
                if allowed.contains(&(from, to)) {
                    assert_eq!(got, Ok(()), "{from} -> {to}");
                } else {
                    assert_eq!(
                        got,
                        Err(ListTransitionError::NotAllowed { from, to }),
                        "{from} -> {to}"
                    );
                }
            }
        }
    }

    #[test]
    fn returning_a_list_needs_a_reason() {
        use AnnualListStatus as L;
        assert_eq!(
            check_list_transition_with_reason(L::Submitted, L::Draft, None),
            Err(ListTransitionError::ReasonRequired)
        );
        assert_eq!(
            check_list_transition_with_reason(L::Submitted, L::Draft, Some("  \n")),
            Err(ListTransitionError::ReasonRequired)
        );
        assert_eq!(
            check_list_transition_with_reason(L::Submitted, L::Draft, Some("缺少两家企业")),
            Ok(())
        );
        assert_eq!(
            check_list_transition_with_reason(L::Draft, L::Submitted, None),
            Ok(())
        );
        assert_eq!(
            check_list_transition_with_reason(L::Published, L::Draft, Some("reason")),
            Err(ListTransitionError::NotAllowed {
                from: L::Published,
                to: L::Draft
            })
        );
    }

    #[test]
    fn option_acceptance_follows_the_plan() {
        use NeedsAcceptance as N;
        use OptionKind as K;
        let cases = [
            (K::NoLowCost, false, false, N::No),
            (K::NoLowCost, false, true, N::No),
            (K::NoLowCost, true, false, N::Yes),
            (K::NoLowCost, true, true, N::OtherDepartment),
            (K::MediumHighCost, false, false, N::Yes),
            (K::MediumHighCost, false, true, N::Yes),
            (K::MediumHighCost, true, false, N::Yes),
            (K::MediumHighCost, true, true, N::OtherDepartment),
        ];
        for (kind, retrofit, other, want) in cases {
            assert_eq!(
                option_needs_acceptance(kind, retrofit, other),
                want,
                "{kind} {retrofit} {other}"
            );
        }
        assert_eq!(N::OtherDepartment.to_string(), "OTHER_DEPARTMENT");
    }

    #[test]
    fn a_passed_outcome_reaches_the_pass_mark() {
        use rust_decimal::Decimal;
        let d = |s: &str| s.parse::<Decimal>().ok();
        assert!(check_outcome_score(ReviewOutcome::Passed, d("60"), 60).is_ok());
        assert!(check_outcome_score(ReviewOutcome::Passed, None, 60).is_ok());
        assert!(check_outcome_score(ReviewOutcome::Failed, d("10"), 60).is_ok());
        assert!(check_outcome_score(ReviewOutcome::Failed, d("95"), 60).is_ok());
        assert_eq!(
            check_outcome_score(ReviewOutcome::Passed, d("59.9"), 60),
            Err(ScoreBelowPassMark {
                score: Decimal::new(599, 1),
                pass_mark: 60
            })
        );
        assert!(check_outcome_score(ReviewOutcome::Passed, d("59.9"), 50).is_ok());
    }
}
