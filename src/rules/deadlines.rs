//! Deadlines of the plan (晋环发〔2022〕31号), as pure date arithmetic.
//!
//! Every date here is a civil date in China Standard Time (UTC+8): the plan's deadlines are
//! days on the Chinese calendar, so "today" is taken in Beijing time ([`today_in_china`]), never
//! in the server's zone or in UTC. A deadline is the last day on which the act is still on time:
//! something done on the due date is on time, the day after is late ([`is_overdue`]).
//!
//! Functions that build a date from a year return [`DateOutOfRange`] instead of panicking when
//! the year lies outside chrono's calendar (years come from user input).

use chrono::{DateTime, Datelike, FixedOffset, Months, NaiveDate, Utc};

use crate::domain::{AuditStatus, DeadlineKind};

/// China Standard Time: a fixed UTC+8 offset (China keeps no daylight saving time).
const CHINA_STANDARD_TIME: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// Length of the mandatory audit cycle in years: a directory member audits at least once every
/// five years (原则上纳入名录总库的企业 5 年内应至少完成一轮).
pub const CYCLE_YEARS: i32 = 5;

/// A deadline that would fall outside the calendar chrono can represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the date falls outside the supported calendar")]
pub struct DateOutOfRange;

/// Why a requested extension of the acceptance deadline is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionError {
    /// An extension must move the deadline later; anything else is not an extension.
    #[error("the extension to {requested_until} is not after the current due date {current_due}")]
    NotAfterCurrentDue {
        current_due: NaiveDate,
        requested_until: NaiveDate,
    },
    /// The plan caps extensions at the end of the audit cycle (最长应在一个审核周期内完成验收).
    #[error("the extension to {requested_until} goes past the end of the audit cycle {cycle_end}")]
    BeyondCycleEnd {
        requested_until: NaiveDate,
        cycle_end: NaiveDate,
    },
}

/// The civil date in China (UTC+8) at the instant `now_utc`; every "today" of the rules.
///
/// Within eight hours of the end of chrono's calendar the local date does not exist; it
/// saturates to [`NaiveDate::MAX`] instead of panicking.
pub fn today_in_china(now_utc: DateTime<Utc>) -> NaiveDate {
    now_utc
        .naive_utc()
        .checked_add_offset(CHINA_STANDARD_TIME)
        .map_or(NaiveDate::MAX, |local| local.date())
}

/// The last day of February of `year`: 29 February in leap years, 28 otherwise.
fn end_of_february(year: i32) -> Result<NaiveDate, DateOutOfRange> {
    NaiveDate::from_ymd_opt(year, 2, 29)
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .ok_or(DateOutOfRange)
}

/// A city's annual audit list for `year` is due at the end of February of that year
/// (每年 2 月底前提出年度强制性清洁生产审核企业名单).
pub fn list_submission_due(year: i32) -> Result<NaiveDate, DateOutOfRange> {
    end_of_february(year)
}

/// Whether a list for `year` submitted on `submitted_on` missed the end-of-February deadline.
///
/// Compared by (year, month) so that it is total: late exactly when submitted in a month after
/// February of the list's year.
pub fn is_late(submitted_on: NaiveDate, year: i32) -> bool {
    (submitted_on.year(), submitted_on.month()) > (year, 2)
}

/// Written notices to the listed enterprises are due by 31 March of the list's year
/// (3 月底前向需要开展强制性清洁生产审核的企业下达书面通知).
pub fn notice_due(year: i32) -> Result<NaiveDate, DateOutOfRange> {
    NaiveDate::from_ymd_opt(year, 3, 31).ok_or(DateOutOfRange)
}

/// Whether a notice for the list of `year` sent on `notified_on` missed the end-of-March deadline.
pub fn is_notice_late(notified_on: NaiveDate, year: i32) -> bool {
    (notified_on.year(), notified_on.month()) > (year, 3)
}

/// The periods of our own choosing that the deadlines use (settings, not the plan's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// How long the city has to evaluate a report that came in too late for the year's
    /// round of 31 August (`CLEANPROD_LATE_REPORT_EVALUATION_DAYS`).
    pub late_report_evaluation_days: u32,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            late_report_evaluation_days: 60,
        }
    }
}

/// The enterprise discloses its audit within one month of the notice (清洁生产审核办法, Order
/// No. 38 of 2016, art. 11: 在名单公布后一个月内公布相关信息).
pub fn disclosure_due(notice_date: NaiveDate) -> Result<NaiveDate, DateOutOfRange> {
    months_after(notice_date, 1)
}

/// The enterprise starts its audit within two months of the notice (Order No. 38, art. 12:
/// 名单公布后两个月内开展清洁生产审核).
pub fn start_due(notice_date: NaiveDate) -> Result<NaiveDate, DateOutOfRange> {
    months_after(notice_date, 2)
}

/// The enterprise submits its report within one year of the notice (Order No. 38, art. 12:
/// 名单公布之日起一年内完成本轮审核并将审核报告报送).
pub fn report_due(notice_date: NaiveDate) -> Result<NaiveDate, DateOutOfRange> {
    months_after(notice_date, 12)
}

/// The corresponding day `months` later, as the Civil Code reckons periods (arts. 201–202):
/// where that day does not exist, the last day of that month.
fn months_after(date: NaiveDate, months: u32) -> Result<NaiveDate, DateOutOfRange> {
    date.checked_add_months(Months::new(months))
        .ok_or(DateOutOfRange)
}

/// The evaluation of a report is due by 31 August of the year it came in (每年 8 月底前完成年度
/// 企业清洁生产审核评估): the year's round takes the reports of the year. A report that leaves
/// the city less than the set period before that 31 August (or came in after it) is due that
/// period after it came in instead, so no report is ever due the next day.
pub fn evaluation_due(
    report_submitted_on: NaiveDate,
    policy: &DeadlinePolicy,
) -> Result<NaiveDate, DateOutOfRange> {
    let round = NaiveDate::from_ymd_opt(report_submitted_on.year(), 8, 31).ok_or(DateOutOfRange)?;
    let late = report_submitted_on
        .checked_add_days(chrono::Days::new(u64::from(
            policy.late_report_evaluation_days,
        )))
        .ok_or(DateOutOfRange)?;
    Ok(round.max(late))
}

/// The acceptance is due one year after the evaluation (评估完成后一年内完成验收).
///
/// Reckoned as the Civil Code reckons periods in years (arts. 201–202): the last day is the
/// corresponding date one year later, and where that date does not exist, the last day of that
/// month. So an evaluation on 29 February is due for acceptance on 28 February of the next year.
pub fn acceptance_due(evaluated_on: NaiveDate) -> Result<NaiveDate, DateOutOfRange> {
    evaluated_on
        .checked_add_months(Months::new(12))
        .ok_or(DateOutOfRange)
}

/// The last day of the five-year cycle that starts in `cycle_start_year`: 31 December of
/// `cycle_start_year + 4` (a cycle covers five calendar years, start year included).
pub fn cycle_end(cycle_start_year: i32) -> Result<NaiveDate, DateOutOfRange> {
    let last_year = cycle_start_year
        .checked_add(CYCLE_YEARS - 1)
        .ok_or(DateOutOfRange)?;
    NaiveDate::from_ymd_opt(last_year, 12, 31).ok_or(DateOutOfRange)
}

/// Checks a requested extension of the acceptance deadline: it must be later than the current
/// due date and no later than the end of the cycle (the cycle end itself is allowed).
pub fn check_extension(
    current_due: NaiveDate,
    requested_until: NaiveDate,
    cycle_end: NaiveDate,
) -> Result<(), ExtensionError> {
    if requested_until <= current_due {
        return Err(ExtensionError::NotAfterCurrentDue {
            current_due,
            requested_until,
        });
    }
    if requested_until > cycle_end {
        return Err(ExtensionError::BeyondCycleEnd {
            requested_until,
            cycle_end,
        });
    }
    Ok(())
}

/// Whether a deadline has passed: the due date itself is still on time.
pub fn is_overdue(due: NaiveDate, as_of: NaiveDate) -> bool {
    as_of > due
}

/// Whether a directory member is overdue for its mandatory audit in `as_of_year`.
///
/// The rule (5 年内应至少完成一轮): a member must complete an audit (or a voluntary certification
/// counted as one) within every five calendar years, counting the as-of year. Both joining the
/// directory and completing an audit open a five-year window, start year included: a member that
/// joined in 2020 or last completed in 2020 is covered through 2024 and overdue from 2025. So
/// the member is overdue exactly when `as_of_year` is more than four years after the later of
/// its joining year and its last completion year. A completion from before joining does not
/// shorten the newcomer's window; a joining year after `as_of_year` is never overdue.
pub fn cycle_overdue(
    last_completed_year: Option<i32>,
    directory_since_year: i32,
    as_of_year: i32,
) -> bool {
    let anchor =
        last_completed_year.map_or(directory_since_year, |last| last.max(directory_since_year));
    i64::from(as_of_year) - i64::from(anchor) >= i64::from(CYCLE_YEARS)
}

/// The dates of an audit that its deadlines depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditDates {
    pub notice_date: NaiveDate,
    /// The enterprise's disclosure of the audit.
    pub disclosed_on: Option<NaiveDate>,
    pub started_on: Option<NaiveDate>,
    /// The latest report (a resubmission replaces the first).
    pub report_submitted_on: Option<NaiveDate>,
    /// The date of the evaluation that passed.
    pub evaluated_on: Option<NaiveDate>,
    /// An approved extension of the acceptance deadline.
    pub acceptance_extended_until: Option<NaiveDate>,
}

/// The next thing an audit owes and by when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditDeadline {
    pub kind: DeadlineKind,
    pub due: NaiveDate,
}

/// One step of an audit and its deadline: when it was due, and when it was done if it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDeadline {
    pub kind: DeadlineKind,
    pub due: NaiveDate,
    /// When the step was done; `None` while it is not.
    pub done_on: Option<NaiveDate>,
}

impl StepDeadline {
    /// Done on or before its due date.
    pub fn met(&self) -> bool {
        self.done_on.is_some_and(|done| done <= self.due)
    }

    /// Not done and past its due date as of `as_of`.
    pub fn overdue(&self, as_of: NaiveDate) -> bool {
        self.done_on.is_none() && is_overdue(self.due, as_of)
    }
}

/// Every step deadline an audit has met, missed or still owes, in the order of the steps:
/// disclosure, start and report (from the notice), the evaluation of the latest report, the
/// acceptance after a passed evaluation (or the approved extension). A step the audit has not
/// reached yet (no report, no passed evaluation) is not listed. `needs_acceptance` is false
/// for an audit that closes on its evaluation (精简验收内容).
pub fn step_deadlines(
    status: AuditStatus,
    dates: &AuditDates,
    accepted_on: Option<NaiveDate>,
    policy: &DeadlinePolicy,
) -> Result<Vec<StepDeadline>, DateOutOfRange> {
    use AuditStatus as S;
    let step = |kind, due, done_on| StepDeadline { kind, due, done_on };
    let mut steps = vec![
        step(
            DeadlineKind::Disclosure,
            disclosure_due(dates.notice_date)?,
            dates.disclosed_on,
        ),
        step(
            DeadlineKind::Start,
            start_due(dates.notice_date)?,
            dates.started_on,
        ),
        step(
            DeadlineKind::Report,
            report_due(dates.notice_date)?,
            dates.report_submitted_on,
        ),
    ];
    if let Some(report) = dates.report_submitted_on {
        let evaluated = match status {
            S::ReportSubmitted | S::EvaluationFailed => None,
            _ => dates.evaluated_on,
        };
        steps.push(step(
            DeadlineKind::Evaluation,
            evaluation_due(report, policy)?,
            evaluated,
        ));
    }
    if let Some(evaluated) = dates.evaluated_on
        && matches!(
            status,
            S::EvaluationPassed | S::AcceptanceFailed | S::Accepted
        )
    {
        let due = match dates.acceptance_extended_until {
            Some(until) => until,
            None => acceptance_due(evaluated)?,
        };
        steps.push(step(DeadlineKind::Acceptance, due, accepted_on));
    }
    Ok(steps)
}

/// The deadline an audit in `status` is working to now: the earliest step it still owes; none
/// once the round is over (ACCEPTED, CLOSED_ON_EVALUATION).
///
/// - NOTIFIED, IN_PROGRESS: the earliest of the disclosure (one month after the notice), the
///   start (two months) and the report (one year) that is not done yet.
/// - REPORT_SUBMITTED, and EVALUATION_FAILED awaiting a corrected report: the evaluation of
///   the latest report ([`evaluation_due`]).
/// - EVALUATION_PASSED, ACCEPTANCE_FAILED: the acceptance, one year after the passed
///   evaluation ([`acceptance_due`]), or the approved extension.
///
/// A state whose date is missing has no deadline rather than a made-up one.
pub fn audit_deadline(
    status: AuditStatus,
    dates: &AuditDates,
    policy: &DeadlinePolicy,
) -> Result<Option<AuditDeadline>, DateOutOfRange> {
    use AuditStatus as S;
    let deadline = |kind, due| Ok(Some(AuditDeadline { kind, due }));
    match status {
        S::Notified | S::InProgress => {
            let owed = [
                (
                    DeadlineKind::Disclosure,
                    dates.disclosed_on,
                    disclosure_due(dates.notice_date)?,
                ),
                (
                    DeadlineKind::Start,
                    dates.started_on,
                    start_due(dates.notice_date)?,
                ),
                (DeadlineKind::Report, None, report_due(dates.notice_date)?),
            ];
            Ok(owed
                .into_iter()
                .filter(|(_, done, _)| done.is_none())
                .map(|(kind, _, due)| AuditDeadline { kind, due })
                .min_by_key(|d| d.due))
        }
        S::ReportSubmitted | S::EvaluationFailed => match dates.report_submitted_on {
            Some(report) => deadline(DeadlineKind::Evaluation, evaluation_due(report, policy)?),
            None => Ok(None),
        },
        S::EvaluationPassed | S::AcceptanceFailed => {
            if let Some(until) = dates.acceptance_extended_until {
                return deadline(DeadlineKind::Acceptance, until);
            }
            match dates.evaluated_on {
                Some(evaluated) => deadline(DeadlineKind::Acceptance, acceptance_due(evaluated)?),
                None => Ok(None),
            }
        }
        S::Accepted | S::ClosedOnEvaluation => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    use crate::rules::test_date as d;

    #[test]
    fn list_due_is_the_last_day_of_february() {
        assert_eq!(list_submission_due(2023), Ok(d(2023, 2, 28)));
        assert_eq!(list_submission_due(2024), Ok(d(2024, 2, 29)));
        assert_eq!(list_submission_due(2100), Ok(d(2100, 2, 28)));
        assert_eq!(list_submission_due(2000), Ok(d(2000, 2, 29)));
        assert_eq!(list_submission_due(i32::MAX), Err(DateOutOfRange));
    }

    #[test]
    fn list_lateness_in_leap_and_common_years() {
        assert!(!is_late(d(2024, 2, 29), 2024));
        assert!(is_late(d(2024, 3, 1), 2024));
        assert!(!is_late(d(2023, 2, 28), 2023));
        assert!(is_late(d(2023, 3, 1), 2023));
        // Early submissions, including in the previous year, are on time.
        assert!(!is_late(d(2023, 12, 31), 2024));
        assert!(!is_late(d(2024, 1, 1), 2024));
        // A submission in a later year is late whatever the month.
        assert!(is_late(d(2025, 1, 5), 2024));
        // Agrees with comparing against the due date.
        for year in [2023, 2024] {
            let due = list_submission_due(year).expect("in range");
            let mut day = d(year, 1, 1);
            while day < d(year + 1, 1, 1) {
                assert_eq!(is_late(day, year), is_overdue(due, day), "{day}");
                day = day.succ_opt().expect("in range");
            }
        }
    }

    #[test]
    fn notice_due_end_of_march() {
        assert_eq!(notice_due(2024), Ok(d(2024, 3, 31)));
        assert!(!is_notice_late(d(2024, 3, 31), 2024));
        assert!(is_notice_late(d(2024, 4, 1), 2024));
        assert!(!is_notice_late(d(2023, 12, 20), 2024));
        assert_eq!(notice_due(i32::MIN), Err(DateOutOfRange));
    }

    #[test]
    fn evaluation_due_in_the_years_round_or_the_set_period_after() {
        let policy = DeadlinePolicy::default();
        let due = |report| evaluation_due(report, &policy);
        assert_eq!(due(d(2024, 1, 1)), Ok(d(2024, 8, 31)));
        assert_eq!(due(d(2024, 2, 29)), Ok(d(2024, 8, 31)));
        // Exactly the period before the round: still the round.
        assert_eq!(due(d(2024, 7, 2)), Ok(d(2024, 8, 31)));
        // Less than the period left: the period after the report, never the next day.
        assert_eq!(due(d(2024, 7, 3)), Ok(d(2024, 9, 1)));
        assert_eq!(due(d(2024, 8, 30)), Ok(d(2024, 10, 29)));
        assert_eq!(due(d(2024, 9, 1)), Ok(d(2024, 10, 31)));
        assert_eq!(due(d(2024, 12, 31)), Ok(d(2025, 3, 1)));
        let quick = DeadlinePolicy {
            late_report_evaluation_days: 10,
        };
        assert_eq!(evaluation_due(d(2024, 8, 30), &quick), Ok(d(2024, 9, 9)));
        assert_eq!(due(NaiveDate::MAX), Err(DateOutOfRange));
    }

    #[test]
    fn disclosure_start_and_report_run_from_the_notice() {
        assert_eq!(disclosure_due(d(2024, 3, 20)), Ok(d(2024, 4, 20)));
        assert_eq!(start_due(d(2024, 3, 20)), Ok(d(2024, 5, 20)));
        assert_eq!(report_due(d(2024, 3, 20)), Ok(d(2025, 3, 20)));
        // A month without the day: its last day.
        assert_eq!(disclosure_due(d(2024, 1, 31)), Ok(d(2024, 2, 29)));
        assert_eq!(start_due(d(2023, 12, 31)), Ok(d(2024, 2, 29)));
        assert_eq!(report_due(d(2024, 2, 29)), Ok(d(2025, 2, 28)));
        assert_eq!(report_due(NaiveDate::MAX), Err(DateOutOfRange));
    }

    #[test]
    fn acceptance_due_one_year_after_evaluation() {
        assert_eq!(acceptance_due(d(2023, 6, 15)), Ok(d(2024, 6, 15)));
        assert_eq!(acceptance_due(d(2023, 12, 31)), Ok(d(2024, 12, 31)));
        // 29 February has no twin next year: the last day of February.
        assert_eq!(acceptance_due(d(2024, 2, 29)), Ok(d(2025, 2, 28)));
        // Into a leap year the date stays the same.
        assert_eq!(acceptance_due(d(2023, 2, 28)), Ok(d(2024, 2, 28)));
        assert_eq!(acceptance_due(d(2023, 3, 1)), Ok(d(2024, 3, 1)));
        assert_eq!(acceptance_due(NaiveDate::MAX), Err(DateOutOfRange));
    }

    #[test]
    fn cycle_covers_five_calendar_years() {
        assert_eq!(cycle_end(2021), Ok(d(2025, 12, 31)));
        assert_eq!(cycle_end(2024), Ok(d(2028, 12, 31)));
        assert_eq!(cycle_end(i32::MAX), Err(DateOutOfRange));
        assert_eq!(cycle_end(i32::MAX - 4), Err(DateOutOfRange));
    }

    #[test]
    fn extensions_are_later_and_within_the_cycle() {
        let due = d(2024, 6, 15);
        let end = d(2025, 12, 31);
        assert_eq!(check_extension(due, d(2024, 12, 31), end), Ok(()));
        assert_eq!(check_extension(due, end, end), Ok(()));
        assert_eq!(check_extension(due, d(2024, 6, 16), end), Ok(()));
        assert_eq!(
            check_extension(due, due, end),
            Err(ExtensionError::NotAfterCurrentDue {
                current_due: due,
                requested_until: due
            })
        );
        assert!(matches!(
            check_extension(due, d(2024, 1, 1), end),
            Err(ExtensionError::NotAfterCurrentDue { .. })
        ));
        assert_eq!(
            check_extension(due, d(2026, 1, 1), end),
            Err(ExtensionError::BeyondCycleEnd {
                requested_until: d(2026, 1, 1),
                cycle_end: end
            })
        );
        // A due date already past the cycle end cannot be extended at all.
        assert!(matches!(
            check_extension(d(2026, 2, 1), d(2026, 3, 1), end),
            Err(ExtensionError::BeyondCycleEnd { .. })
        ));
    }

    #[test]
    fn overdue_is_strictly_after_the_due_date() {
        let due = d(2024, 8, 31);
        assert!(!is_overdue(due, d(2024, 8, 30)));
        assert!(!is_overdue(due, due));
        assert!(is_overdue(due, d(2024, 9, 1)));
        assert!(is_overdue(d(2024, 12, 31), d(2025, 1, 1)));
    }

    #[test]
    fn cycle_overdue_counts_five_calendar_years() {
        // Completed in 2020: covered 2020..=2024.
        assert!(!cycle_overdue(Some(2020), 2015, 2024));
        assert!(cycle_overdue(Some(2020), 2015, 2025));
        // Never completed: the joining year opens the window.
        assert!(!cycle_overdue(None, 2021, 2021));
        assert!(!cycle_overdue(None, 2021, 2025));
        assert!(cycle_overdue(None, 2021, 2026));
        // A completion before joining does not cut the newcomer's window short.
        assert!(!cycle_overdue(Some(2010), 2022, 2026));
        assert!(cycle_overdue(Some(2010), 2022, 2027));
        // A completion this year, a future join, and extreme years.
        assert!(!cycle_overdue(Some(2025), 2010, 2025));
        assert!(!cycle_overdue(None, 2030, 2025));
        assert!(cycle_overdue(None, i32::MIN, i32::MAX));
        assert!(!cycle_overdue(None, i32::MAX, i32::MIN));
    }

    #[test]
    fn today_is_reckoned_at_utc_plus_eight() {
        let at = |y, m, day, h, min| {
            Utc.with_ymd_and_hms(y, m, day, h, min, 0)
                .single()
                .expect("valid test instant")
        };
        assert_eq!(today_in_china(at(2024, 8, 31, 15, 59)), d(2024, 8, 31));
        assert_eq!(today_in_china(at(2024, 8, 31, 16, 0)), d(2024, 9, 1));
        assert_eq!(today_in_china(at(2024, 12, 31, 16, 0)), d(2025, 1, 1));
        assert_eq!(today_in_china(at(2024, 2, 28, 16, 0)), d(2024, 2, 29));
        assert_eq!(today_in_china(at(2025, 1, 1, 0, 0)), d(2025, 1, 1));
        // The extreme instants do not panic.
        assert_eq!(today_in_china(DateTime::<Utc>::MAX_UTC), NaiveDate::MAX);
        assert_eq!(today_in_china(DateTime::<Utc>::MIN_UTC), NaiveDate::MIN);
    }

    fn dates(notice: NaiveDate) -> AuditDates {
        AuditDates {
            notice_date: notice,
            disclosed_on: None,
            started_on: None,
            report_submitted_on: None,
            evaluated_on: None,
            acceptance_extended_until: None,
        }
    }

    #[test]
    fn audit_deadline_follows_the_state() {
        use AuditStatus as S;
        use DeadlineKind as K;
        let policy = DeadlinePolicy::default();
        let due = |status, dates: &AuditDates| {
            audit_deadline(status, dates, &policy)
                .expect("in range")
                .map(|d| (d.kind, d.due))
        };
        let mut ds = dates(d(2024, 3, 20));
        // Notified: the disclosure first, then the start, then the report.
        assert_eq!(due(S::Notified, &ds), Some((K::Disclosure, d(2024, 4, 20))));
        ds.disclosed_on = Some(d(2024, 4, 25));
        assert_eq!(due(S::Notified, &ds), Some((K::Start, d(2024, 5, 20))));
        ds.started_on = Some(d(2024, 5, 1));
        assert_eq!(due(S::InProgress, &ds), Some((K::Report, d(2025, 3, 20))));
        // Started before disclosing: the disclosure is still owed.
        let mut undisclosed = dates(d(2024, 3, 20));
        undisclosed.started_on = Some(d(2024, 4, 1));
        assert_eq!(
            due(S::InProgress, &undisclosed),
            Some((K::Disclosure, d(2024, 4, 20)))
        );
        ds.report_submitted_on = Some(d(2024, 9, 2));
        assert_eq!(
            due(S::ReportSubmitted, &ds),
            Some((K::Evaluation, d(2024, 11, 1)))
        );
        assert_eq!(
            due(S::EvaluationFailed, &ds),
            Some((K::Evaluation, d(2024, 11, 1)))
        );
        // Evaluated on 29 February: acceptance due on 28 February of the next year.
        ds.evaluated_on = Some(d(2024, 2, 29));
        assert_eq!(
            due(S::EvaluationPassed, &ds),
            Some((K::Acceptance, d(2025, 2, 28)))
        );
        assert_eq!(
            due(S::AcceptanceFailed, &ds),
            Some((K::Acceptance, d(2025, 2, 28)))
        );
        ds.acceptance_extended_until = Some(d(2026, 6, 30));
        assert_eq!(
            due(S::AcceptanceFailed, &ds),
            Some((K::Acceptance, d(2026, 6, 30)))
        );
        assert_eq!(due(S::Accepted, &ds), None);
        assert_eq!(due(S::ClosedOnEvaluation, &ds), None);
        // A state whose date is missing has no deadline rather than a made-up one.
        assert_eq!(due(S::ReportSubmitted, &dates(d(2024, 3, 1))), None);
        assert_eq!(due(S::EvaluationPassed, &dates(d(2024, 3, 1))), None);
    }

    #[test]
    fn step_deadlines_say_met_late_and_overdue() {
        use AuditStatus as S;
        use DeadlineKind as K;
        let policy = DeadlinePolicy::default();
        let mut ds = dates(d(2024, 3, 20));
        ds.disclosed_on = Some(d(2024, 4, 20));
        ds.started_on = Some(d(2024, 5, 21));
        let steps = step_deadlines(S::InProgress, &ds, None, &policy).expect("in range");
        let kinds: Vec<K> = steps.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [K::Disclosure, K::Start, K::Report]);
        // On the due date is met; a day late is done but not met; not done is overdue after.
        assert!(steps[0].met());
        assert!(!steps[1].met() && !steps[1].overdue(d(2030, 1, 1)));
        assert!(!steps[2].overdue(d(2025, 3, 20)));
        assert!(steps[2].overdue(d(2025, 3, 21)));

        ds.report_submitted_on = Some(d(2024, 6, 1));
        ds.evaluated_on = Some(d(2024, 8, 1));
        let steps = step_deadlines(S::EvaluationPassed, &ds, None, &policy).expect("in range");
        assert_eq!(steps.len(), 5);
        assert_eq!(steps[3].kind, K::Evaluation);
        assert!(steps[3].met());
        assert_eq!(
            (steps[4].kind, steps[4].due),
            (K::Acceptance, d(2025, 8, 1))
        );
        // A failed evaluation awaits a corrected report: the evaluation is owed again, and no
        // acceptance is listed.
        let steps = step_deadlines(S::EvaluationFailed, &ds, None, &policy).expect("in range");
        assert_eq!(steps.len(), 4);
        assert_eq!(steps[3].done_on, None);
        let accepted =
            step_deadlines(S::Accepted, &ds, Some(d(2025, 1, 1)), &policy).expect("in range");
        assert!(accepted[4].met());
    }
}
