//! Training (定期开展技术培训): hours credited for an attendance, session capacity, and the
//! attendance status machine.
//!
//! Attendance goes REGISTERED → ATTENDED, ABSENT or EXCUSED when the organiser records it.
//! Corrections among the three recorded statuses are allowed (an attendee first marked absent
//! who did sign in, a leave request that arrived late), and so is recording the same status
//! again (to correct check-in times or the exam score). Nothing goes back to REGISTERED: once
//! recorded, an attendance is a fact to be corrected, not undone.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::AttendanceStatus;

/// Seconds in the half hour that elapsed time is rounded down to.
const HALF_HOUR_SECONDS: i64 = 30 * 60;

/// Why hours cannot be credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("check-out at {check_out} is before check-in at {check_in}")]
    CheckOutBeforeCheckIn {
        check_in: DateTime<Utc>,
        check_out: DateTime<Utc>,
    },
    #[error("a session's credit hours must be at least 0 with at most two decimals, not {0}")]
    InvalidCreditHours(Decimal),
}

/// Checks a session's credit hours: at least 0, at most two decimal places.
pub fn validate_credit_hours(hours: Decimal) -> Result<(), HoursError> {
    if hours >= Decimal::ZERO && hours.normalize().scale() <= 2 {
        Ok(())
    } else {
        Err(HoursError::InvalidCreditHours(hours))
    }
}

/// Hours credited for one attendance.
///
/// ATTENDED earns the session's credit hours; when both check-in and check-out are given it
/// earns the time between them instead, rounded down to a half hour (someone who left early
/// gets what they sat through) and never more than the session's credit hours (staying late
/// earns nothing extra). With only one of the two instants the session's hours count.
/// REGISTERED, ABSENT and EXCUSED earn nothing. A check-out before the check-in is an error
/// whatever the status, since it means the recorded times are wrong.
pub fn credited_hours(
    status: AttendanceStatus,
    session_hours: Decimal,
    check_in: Option<DateTime<Utc>>,
    check_out: Option<DateTime<Utc>>,
) -> Result<Decimal, HoursError> {
    validate_credit_hours(session_hours)?;
    let elapsed_hours = match (check_in, check_out) {
        (Some(check_in), Some(check_out)) => {
            if check_out < check_in {
                return Err(HoursError::CheckOutBeforeCheckIn {
                    check_in,
                    check_out,
                });
            }
            let half_hours = (check_out - check_in).num_seconds() / HALF_HOUR_SECONDS;
            // Half hours × 0.5, exactly: half_hours × 5 tenths.
            Some(Decimal::new(half_hours.saturating_mul(5), 1))
        }
        _ => None,
    };
    Ok(match status {
        AttendanceStatus::Attended => {
            elapsed_hours.map_or(session_hours, |hours| hours.min(session_hours))
        }
        AttendanceStatus::Registered | AttendanceStatus::Absent | AttendanceStatus::Excused => {
            Decimal::ZERO
        }
    })
}

/// Whether one more participant fits: a session without a capacity takes everyone.
pub fn has_capacity(capacity: Option<u32>, enrolled: u32) -> bool {
    capacity.is_none_or(|capacity| enrolled < capacity)
}

/// An attendance status change the workflow does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an attendance cannot go from {from} to {to}")]
pub struct AttendanceTransitionError {
    pub from: AttendanceStatus,
    pub to: AttendanceStatus,
}

/// Checks recording an attendance as `to` when it is `from` (see the module docs).
pub fn check_attendance_transition(
    from: AttendanceStatus,
    to: AttendanceStatus,
) -> Result<(), AttendanceTransitionError> {
    match to {
        AttendanceStatus::Attended | AttendanceStatus::Absent | AttendanceStatus::Excused => Ok(()),
        AttendanceStatus::Registered => Err(AttendanceTransitionError { from, to }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("valid test decimal")
    }

    fn nine_am() -> DateTime<Utc> {
        // 09:00 in Beijing.
        Utc.with_ymd_and_hms(2024, 5, 20, 1, 0, 0)
            .single()
            .expect("valid test instant")
    }

    fn after(minutes: i64, seconds: i64) -> Option<DateTime<Utc>> {
        Some(nine_am() + TimeDelta::minutes(minutes) + TimeDelta::seconds(seconds))
    }

    #[test]
    fn attended_without_times_earns_the_session_hours() {
        let hours = d("6");
        assert_eq!(
            credited_hours(AttendanceStatus::Attended, hours, None, None),
            Ok(hours)
        );
        // Only one instant: the session's hours.
        assert_eq!(
            credited_hours(AttendanceStatus::Attended, hours, Some(nine_am()), None),
            Ok(hours)
        );
        assert_eq!(
            credited_hours(AttendanceStatus::Attended, hours, None, after(60, 0)),
            Ok(hours)
        );
    }

    #[test]
    fn elapsed_time_rounds_down_to_half_hours() {
        let session = d("6");
        let cases = [
            (0, 0, "0"),
            (29, 59, "0"),
            (30, 0, "0.5"),
            (59, 59, "0.5"),
            (60, 0, "1"),
            (150, 0, "2.5"),
            (179, 59, "2.5"),
            (180, 0, "3"),
        ];
        for (minutes, seconds, want) in cases {
            assert_eq!(
                credited_hours(
                    AttendanceStatus::Attended,
                    session,
                    Some(nine_am()),
                    after(minutes, seconds)
                ),
                Ok(d(want)),
                "{minutes}m{seconds}s"
            );
        }
    }

    #[test]
    fn elapsed_time_never_exceeds_the_session_hours() {
        let session = d("3.5");
        assert_eq!(
            credited_hours(
                AttendanceStatus::Attended,
                session,
                Some(nine_am()),
                after(10 * 60, 0)
            ),
            Ok(session)
        );
        // Across midnight in Beijing, still capped.
        assert_eq!(
            credited_hours(
                AttendanceStatus::Attended,
                d("8"),
                Some(nine_am()),
                after(20 * 60, 0)
            ),
            Ok(d("8"))
        );
    }

    #[test]
    fn other_statuses_earn_nothing() {
        for status in [
            AttendanceStatus::Registered,
            AttendanceStatus::Absent,
            AttendanceStatus::Excused,
        ] {
            assert_eq!(
                credited_hours(status, d("4"), None, None),
                Ok(Decimal::ZERO)
            );
            assert_eq!(
                credited_hours(status, d("4"), Some(nine_am()), after(120, 0)),
                Ok(Decimal::ZERO)
            );
        }
    }

    #[test]
    fn check_out_before_check_in_is_an_error() {
        let check_in = nine_am();
        let check_out = nine_am() - TimeDelta::seconds(1);
        let want = Err(HoursError::CheckOutBeforeCheckIn {
            check_in,
            check_out,
        });
        assert_eq!(
            credited_hours(
                AttendanceStatus::Attended,
                d("4"),
                Some(check_in),
                Some(check_out)
            ),
            want
        );
        assert_eq!(
            credited_hours(
                AttendanceStatus::Absent,
                d("4"),
                Some(check_in),
                Some(check_out)
            ),
            want
        );
    }

    #[test]
    fn credit_hours_are_checked() {
        assert_eq!(validate_credit_hours(d("0")), Ok(()));
        assert_eq!(validate_credit_hours(d("2.25")), Ok(()));
        assert_eq!(validate_credit_hours(d("2.500")), Ok(()));
        assert!(validate_credit_hours(d("2.125")).is_err());
        assert_eq!(
            credited_hours(AttendanceStatus::Attended, d("-1"), None, None),
            Err(HoursError::InvalidCreditHours(d("-1")))
        );
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        let got = credited_hours(
            AttendanceStatus::Attended,
            d("8"),
            Some(DateTime::<Utc>::MIN_UTC),
            Some(DateTime::<Utc>::MAX_UTC),
        );
        assert_eq!(got, Ok(d("8")));
    }

    #[test]
    fn capacity() {
        assert!(has_capacity(None, 0));
        assert!(has_capacity(None, u32::MAX));
        assert!(has_capacity(Some(30), 29));
        assert!(!has_capacity(Some(30), 30));
        assert!(!has_capacity(Some(30), 31));
        assert!(!has_capacity(Some(0), 0));
    }

    #[test]
    fn every_attendance_transition() {
        use AttendanceStatus as A;
        for &from in AttendanceStatus::ALL {
            for &to in AttendanceStatus::ALL {
                let got = check_attendance_transition(from, to);
                if to == A::Registered {
                    assert_eq!(
                        got,
                        Err(AttendanceTransitionError { from, to }),
                        "{from} -> {to}"
                    );
                } else {
                    assert_eq!(got, Ok(()), "{from} -> {to}");
                }
            }
        }
    }
}
