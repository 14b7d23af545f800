//! The registry's own evidence beside an appraisal: the window it is read over, and the
//! warning signs from provincial practice (两家及以上服务企业同年验收未通过; 三年内服务企业
//! 少于5家; 审核组长非本机构人员).
//!
//! Signs inform the appraiser; they do not change a score by themselves.

use chrono::NaiveDate;

use crate::domain::AppraisalWarning;

use super::consultancy::employed_on;

/// Clients failing acceptance in one year from which the sign shows.
pub const ACCEPTANCE_FAILURE_CLIENTS_SIGN: u64 = 2;

/// A firm with fewer clients than this over [`CLIENT_WINDOW_YEARS`] shows the sign.
pub const MIN_CLIENTS_IN_WINDOW: u64 = 5;

/// The years, up to and including the appraisal year, over which clients are counted.
pub const CLIENT_WINDOW_YEARS: i32 = 3;

/// The first and last year of the client window of `year` (2025: 2023 to 2025).
pub fn client_window(year: i32) -> (i32, i32) {
    (year.saturating_sub(CLIENT_WINDOW_YEARS - 1), year)
}

/// The day a year's head counts are taken: its last day, or `today` while the year runs.
pub fn as_of_day(year_end: NaiveDate, today: NaiveDate) -> NaiveDate {
    year_end.min(today)
}

/// Whether the lead auditor of a report was the firm's staff on the report's date: the
/// employment (`staff`: its firm, start and end) must be with the firm and cover the day.
/// An unknown person (`None`) is not staff.
pub fn lead_auditor_on_staff(
    firm: uuid::Uuid,
    staff: Option<(uuid::Uuid, NaiveDate, Option<NaiveDate>)>,
    report_date: NaiveDate,
) -> bool {
    staff.is_some_and(|(employer, started_on, ended_on)| {
        employer == firm && employed_on(started_on, ended_on, report_date)
    })
}

/// What the signs are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignFacts {
    /// Distinct clients whose acceptance failed in the year.
    pub acceptance_failure_clients: u64,
    /// Distinct clients whose report the firm handed in over the client window.
    pub clients_in_window: u64,
    /// Reports of the year whose lead auditor was not the firm's staff that day.
    pub lead_auditors_off_staff: u64,
}

/// The signs that show, in a fixed order.
pub fn warning_signs(facts: &SignFacts) -> Vec<AppraisalWarning> {
    let mut signs = Vec::new();
    if facts.acceptance_failure_clients >= ACCEPTANCE_FAILURE_CLIENTS_SIGN {
        signs.push(AppraisalWarning::RepeatedAcceptanceFailures);
    }
    if facts.clients_in_window < MIN_CLIENTS_IN_WINDOW {
        signs.push(AppraisalWarning::FewClients);
    }
    if facts.lead_auditors_off_staff > 0 {
        signs.push(AppraisalWarning::LeadAuditorNotStaff);
    }
    signs
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn the_window_is_three_years_up_to_the_year() {
        assert_eq!(client_window(2025), (2023, 2025));
        assert_eq!(client_window(i32::MIN), (i32::MIN, i32::MIN));
    }

    #[test]
    fn head_counts_are_taken_at_the_years_end_or_today() {
        let end = day("2025-12-31");
        assert_eq!(as_of_day(end, day("2026-02-01")), end);
        assert_eq!(as_of_day(end, day("2025-06-30")), day("2025-06-30"));
    }

    #[test]
    fn a_healthy_firm_shows_no_sign() {
        let facts = SignFacts {
            acceptance_failure_clients: 1,
            clients_in_window: 5,
            lead_auditors_off_staff: 0,
        };
        assert!(warning_signs(&facts).is_empty());
    }

    #[test]
    fn each_sign_at_its_threshold() {
        let facts = SignFacts {
            acceptance_failure_clients: 2,
            clients_in_window: 4,
            lead_auditors_off_staff: 1,
        };
        assert_eq!(
            warning_signs(&facts),
            vec![
                AppraisalWarning::RepeatedAcceptanceFailures,
                AppraisalWarning::FewClients,
                AppraisalWarning::LeadAuditorNotStaff,
            ]
        );
        // A new firm without clients shows the few-clients sign only.
        assert_eq!(
            warning_signs(&SignFacts::default()),
            vec![AppraisalWarning::FewClients]
        );
    }

    #[test]
    fn lead_auditors_must_be_the_firms_staff_that_day() {
        let firm = Uuid::from_u128(1);
        let other = Uuid::from_u128(2);
        let on = day("2025-05-01");
        assert!(lead_auditor_on_staff(
            firm,
            Some((firm, day("2020-01-01"), None)),
            on
        ));
        // Both ends of the employment count.
        assert!(lead_auditor_on_staff(firm, Some((firm, on, Some(on))), on));
        assert!(!lead_auditor_on_staff(
            firm,
            Some((firm, day("2020-01-01"), Some(day("2025-04-30")))),
            on
        ));
        assert!(!lead_auditor_on_staff(
            firm,
            Some((firm, day("2025-05-02"), None)),
            on
        ));
        assert!(!lead_auditor_on_staff(
            firm,
            Some((other, day("2020-01-01"), None)),
            on
        ));
        assert!(!lead_auditor_on_staff(firm, None, on));
    }
}
