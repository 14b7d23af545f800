//! A recheck finding is confirmed before the province publishes it (a fair procedure: a
//! firm's reputation is at stake). Recorded, it waits for the consultancy's written response
//! (陈述申辩) until its due day; the province then confirms it — once the response is in or
//! the window has passed — or withdraws it, with a reason, at any time before it is decided.
//! Who may act: the province confirms and withdraws; only the consultancy the finding names
//! responds, once.
//!
//! The window's length is a setting (`CLEANPROD_FINDING_RESPONSE_DAYS`), our policy choice:
//! the plan says nothing of it.

use chrono::{Days, NaiveDate};

use crate::domain::FindingStatus;

/// Days from the day a finding is recorded to the last day its consultancy may respond
/// (our choice, the setting's default).
pub const DEFAULT_RESPONSE_DAYS: u32 = 10;
/// The longest window the setting allows.
pub const MAX_RESPONSE_DAYS: u32 = 90;
/// The longest response, in characters.
pub const RESPONSE_MAX_CHARS: usize = 5000;
/// The longest note of a confirmation or reason of a withdrawal, in characters.
pub const NOTE_MAX_CHARS: usize = 2000;

/// What is done to a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Respond,
    Confirm,
    Withdraw,
}

/// Who the viewer is to a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// A provincial administrator.
    Province,
    /// A user of the consultancy the finding names.
    FirmConcerned,
    /// Anyone else: another firm, a city, an expert, an enterprise.
    Other,
}

/// Whether `party` may do `act` at all (whatever the finding's state).
pub fn may(party: Party, act: Act) -> bool {
    matches!(
        (party, act),
        (Party::FirmConcerned, Act::Respond) | (Party::Province, Act::Confirm | Act::Withdraw)
    )
}

/// The last day a finding recorded on `recorded_on` may be answered.
pub fn response_due_on(recorded_on: NaiveDate, days: u32) -> NaiveDate {
    recorded_on
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// Whether the window has passed on `today` (China time). No due day (a finding published
/// before the step existed) is a window long passed.
pub fn window_passed(due: Option<NaiveDate>, today: NaiveDate) -> bool {
    due.is_none_or(|due| today > due)
}

/// A finding as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FindingState {
    pub status: FindingStatus,
    pub responded: bool,
    pub response_due_on: Option<NaiveDate>,
}

/// Why an act is refused on a finding in its state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the finding is {0}: only a RECORDED finding is answered, confirmed or withdrawn")]
    Decided(FindingStatus),
    #[error("the consultancy has already responded to this finding")]
    AlreadyResponded,
    #[error("the response window closed on {0}")]
    WindowClosed(NaiveDate),
    #[error(
        "the consultancy may respond until {0}: confirm once it has responded or the window has passed"
    )]
    WindowOpen(NaiveDate),
}

impl Refusal {
    /// A state the finding has moved on from (CONFLICT), rather than a time not come or gone.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Refusal::Decided(_) | Refusal::AlreadyResponded)
    }
}

/// Whether `act` may be done now to a finding in `state` (who does it is [`may`]'s).
pub fn check(act: Act, state: FindingState, today: NaiveDate) -> Result<(), Refusal> {
    if state.status != FindingStatus::Recorded {
        return Err(Refusal::Decided(state.status));
    }
    match act {
        Act::Respond => {
            if state.responded {
                return Err(Refusal::AlreadyResponded);
            }
            match state.response_due_on {
                Some(due) if today > due => Err(Refusal::WindowClosed(due)),
                None => Err(Refusal::WindowClosed(today)),
                Some(_) => Ok(()),
            }
        }
        Act::Confirm => match state.response_due_on {
            Some(due) if !state.responded && !window_passed(Some(due), today) => {
                Err(Refusal::WindowOpen(due))
            }
            _ => Ok(()),
        },
        Act::Withdraw => Ok(()),
    }
}

/// Only confirmed findings are published.
pub fn publishable(status: FindingStatus) -> bool {
    status == FindingStatus::Confirmed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
    }

    fn recorded(responded: bool, due: Option<NaiveDate>) -> FindingState {
        FindingState {
            status: FindingStatus::Recorded,
            responded,
            response_due_on: due,
        }
    }

    #[test]
    fn who_may_do_what() {
        for act in [Act::Respond, Act::Confirm, Act::Withdraw] {
            assert!(!may(Party::Other, act), "{act:?}");
        }
        assert!(may(Party::FirmConcerned, Act::Respond));
        assert!(!may(Party::FirmConcerned, Act::Confirm));
        assert!(!may(Party::FirmConcerned, Act::Withdraw));
        assert!(!may(Party::Province, Act::Respond));
        assert!(may(Party::Province, Act::Confirm));
        assert!(may(Party::Province, Act::Withdraw));
    }

    #[test]
    fn the_window_counts_days_and_its_last_day_is_in() {
        let due = response_due_on(ymd(2026, 6, 1), DEFAULT_RESPONSE_DAYS);
        assert_eq!(due, ymd(2026, 6, 11));
        // Across a month and a year end.
        assert_eq!(response_due_on(ymd(2026, 12, 25), 10), ymd(2027, 1, 4));
        assert_eq!(response_due_on(NaiveDate::MAX, 10), NaiveDate::MAX);
        assert!(!window_passed(Some(due), ymd(2026, 6, 11)));
        assert!(window_passed(Some(due), ymd(2026, 6, 12)));
        assert!(window_passed(None, ymd(2026, 6, 1)));
    }

    #[test]
    fn a_response_once_within_the_window() {
        let due = ymd(2026, 6, 11);
        assert_eq!(
            check(Act::Respond, recorded(false, Some(due)), ymd(2026, 6, 1)),
            Ok(())
        );
        assert_eq!(check(Act::Respond, recorded(false, Some(due)), due), Ok(()));
        assert_eq!(
            check(Act::Respond, recorded(false, Some(due)), ymd(2026, 6, 12)),
            Err(Refusal::WindowClosed(due))
        );
        assert_eq!(
            check(Act::Respond, recorded(true, Some(due)), ymd(2026, 6, 2)),
            Err(Refusal::AlreadyResponded)
        );
        assert!(check(Act::Respond, recorded(false, None), ymd(2026, 6, 2)).is_err());
    }

    #[test]
    fn confirmed_once_answered_or_the_window_passed() {
        let due = ymd(2026, 6, 11);
        let err = check(Act::Confirm, recorded(false, Some(due)), due).unwrap_err();
        assert_eq!(err, Refusal::WindowOpen(due));
        assert!(!err.is_conflict());
        assert_eq!(
            check(Act::Confirm, recorded(true, Some(due)), ymd(2026, 6, 2)),
            Ok(())
        );
        assert_eq!(
            check(Act::Confirm, recorded(false, Some(due)), ymd(2026, 6, 12)),
            Ok(())
        );
        assert_eq!(
            check(Act::Confirm, recorded(false, None), ymd(2026, 6, 2)),
            Ok(())
        );
        // Withdrawn at any time while recorded.
        assert_eq!(
            check(Act::Withdraw, recorded(false, Some(due)), ymd(2026, 6, 2)),
            Ok(())
        );
    }

    #[test]
    fn a_decided_finding_stays_decided() {
        for status in [FindingStatus::Confirmed, FindingStatus::Withdrawn] {
            let state = FindingState {
                status,
                responded: true,
                response_due_on: Some(ymd(2026, 6, 11)),
            };
            for act in [Act::Respond, Act::Confirm, Act::Withdraw] {
                let err = check(act, state, ymd(2026, 6, 2)).unwrap_err();
                assert_eq!(err, Refusal::Decided(status));
                assert!(err.is_conflict());
            }
        }
        assert!(publishable(FindingStatus::Confirmed));
        assert!(!publishable(FindingStatus::Recorded));
        assert!(!publishable(FindingStatus::Withdrawn));
    }
}
