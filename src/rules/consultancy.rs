//! The consultancy registry's rules: a firm's status and who is its staff on a given day.
//!
//! A firm is ACTIVE, may be SUSPENDED and reinstated, BLACKLISTED (and later taken off the
//! blacklist, back to ACTIVE), and DEREGISTERED, which is final: a firm that registers again is
//! a new record. Only an ACTIVE firm takes new audits.

use chrono::NaiveDate;

use crate::domain::ConsultancyStatus;

/// A status change the registry does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a consultancy cannot move from {from} to {to}")]
pub struct ConsultancyTransitionError {
    pub from: ConsultancyStatus,
    pub to: ConsultancyStatus,
}

/// The statuses a firm in `from` may move to.
pub fn allowed_transitions(from: ConsultancyStatus) -> &'static [ConsultancyStatus] {
    use ConsultancyStatus::*;
    match from {
        Active => &[Suspended, Blacklisted, Deregistered],
        Suspended => &[Active, Blacklisted, Deregistered],
        Blacklisted => &[Active, Deregistered],
        Deregistered => &[],
    }
}

/// Accepts a move or names both statuses in the error; staying put is not a move.
pub fn check_consultancy_transition(
    from: ConsultancyStatus,
    to: ConsultancyStatus,
) -> Result<(), ConsultancyTransitionError> {
    if allowed_transitions(from).contains(&to) {
        Ok(())
    } else {
        Err(ConsultancyTransitionError { from, to })
    }
}

/// Whether a firm in `status` may take on an audit it does not already hold.
pub fn may_take_new_audits(status: ConsultancyStatus) -> bool {
    status == ConsultancyStatus::Active
}

/// Whether an employment from `started_on` to `ended_on` (the last day worked; open when
/// `None`) covers `day`. Both ends count.
pub fn employed_on(started_on: NaiveDate, ended_on: Option<NaiveDate>, day: NaiveDate) -> bool {
    started_on <= day && ended_on.is_none_or(|end| day <= end)
}

/// Whether two employments share at least one day (a person works for one firm at a time).
pub fn employments_overlap(
    a: (NaiveDate, Option<NaiveDate>),
    b: (NaiveDate, Option<NaiveDate>),
) -> bool {
    let a_before_b = a.1.is_some_and(|end| end < b.0);
    let b_before_a = b.1.is_some_and(|end| end < a.0);
    !a_before_b && !b_before_a
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConsultancyStatus::*;

    use crate::rules::test_date as d;

    #[test]
    fn every_status_pair_is_decided() {
        let allowed = [
            (Active, Suspended),
            (Active, Blacklisted),
            (Active, Deregistered),
            (Suspended, Active),
            (Suspended, Blacklisted),
            (Suspended, Deregistered),
            (Blacklisted, Active),
            (Blacklisted, Deregistered),
        ];
        for &from in ConsultancyStatus::ALL {
            for &to in ConsultancyStatus::ALL {
                let got = check_consultancy_transition(from, to);
                if allowed.contains(&(from, to)) {
                    assert_eq!(got, Ok(()), "{from} -> {to}");
                } else {
                    assert_eq!(
                        got,
                        Err(ConsultancyTransitionError { from, to }),
                        "{from} -> {to}"
                    );
                }
            }
        }
    }

    #[test]
    fn only_active_firms_take_new_audits() {
        for &s in ConsultancyStatus::ALL {
            assert_eq!(may_take_new_audits(s), s == Active, "{s}");
        }
    }

    #[test]
    fn employment_covers_both_ends() {
        let start = d(2024, 3, 1);
        let end = d(2025, 2, 28);
        assert!(!employed_on(start, Some(end), d(2024, 2, 29)));
        assert!(employed_on(start, Some(end), start));
        assert!(employed_on(start, Some(end), end));
        assert!(!employed_on(start, Some(end), d(2025, 3, 1)));
        assert!(employed_on(start, None, d(2099, 1, 1)));
        assert!(!employed_on(start, None, d(2024, 1, 1)));
    }

    #[test]
    fn overlapping_employments() {
        let jan = (d(2024, 1, 1), Some(d(2024, 1, 31)));
        let feb = (d(2024, 2, 1), Some(d(2024, 2, 29)));
        let from_jan_31 = (d(2024, 1, 31), None);
        assert!(!employments_overlap(jan, feb));
        assert!(!employments_overlap(feb, jan));
        assert!(employments_overlap(jan, from_jan_31));
        assert!(employments_overlap(
            (d(2020, 1, 1), None),
            (d(2030, 1, 1), None)
        ));
        assert!(employments_overlap(feb, (d(2023, 1, 1), None)));
    }
}
