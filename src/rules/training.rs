//! Training (定期开展技术培训): hours credited for an attendance, session capacity, the
//! attendance status machine, and the checks on a session's times and a record's details.
//!
//! Attendance goes REGISTERED → ATTENDED, ABSENT or EXCUSED when the organiser records it.
//! Corrections among the three recorded statuses are allowed (an attendee first marked absent
//! who did sign in, a leave request that arrived late), and so is recording the same status
//! again (to correct check-in times or the exam score). Nothing goes back to REGISTERED: once
//! recorded, an attendance is a fact to be corrected, not undone.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use crate::domain::{AttendanceStatus, Role, TrainingAudience, TrainingSessionStatus};

/// Seconds in the half hour that elapsed time is rounded down to.
const HALF_HOUR_SECONDS: i64 = 30 * 60;

/// The longest a session may last, start to end (a course of several days is one session).
pub const MAX_SESSION_DAYS: i64 = 31;

/// Sign-in opens this long before the start and sign-out closes this long after the end.
pub const SIGN_IN_SLACK_MINUTES: i64 = 120;

/// The highest exam score.
pub const MAX_EXAM_SCORE: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

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

/// Why a session's times or hours are refused; [`SessionError::field`] names the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("must be after the start")]
    EndsNotAfterStart,
    #[error("a session may last at most {MAX_SESSION_DAYS} days")]
    TooLong,
    #[error("{credit} credit hours are more than the session lasts")]
    MoreHoursThanItLasts { credit: Decimal },
    #[error(transparent)]
    Hours(#[from] HoursError),
}

impl SessionError {
    /// The input field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            SessionError::EndsNotAfterStart | SessionError::TooLong => "endsAt",
            SessionError::MoreHoursThanItLasts { .. } | SessionError::Hours(_) => "creditHours",
        }
    }
}

/// Checks a session's start, end and credit hours: it ends after it starts, lasts at most
/// [`MAX_SESSION_DAYS`], and credits no more hours than elapse between start and end.
pub fn check_session(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    credit_hours: Decimal,
) -> Result<(), SessionError> {
    validate_credit_hours(credit_hours)?;
    if ends_at <= starts_at {
        return Err(SessionError::EndsNotAfterStart);
    }
    let span = ends_at - starts_at;
    if span > TimeDelta::days(MAX_SESSION_DAYS) {
        return Err(SessionError::TooLong);
    }
    // Compared in seconds, exactly: credit × 3600 against the elapsed seconds.
    let credit_seconds = credit_hours.checked_mul(Decimal::from(3600));
    if credit_seconds.is_none_or(|s| s > Decimal::from(span.num_seconds())) {
        return Err(SessionError::MoreHoursThanItLasts {
            credit: credit_hours,
        });
    }
    Ok(())
}

/// Whether a session is over and was not cancelled: it took place.
pub fn session_held(
    status: TrainingSessionStatus,
    ends_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    status == TrainingSessionStatus::Announced && ends_at <= now
}

/// Participants enrol themselves until the session starts; after that only the organiser
/// adds people (walk-ins, records filled in afterwards).
pub fn self_enrolment_open(starts_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < starts_at
}

/// Why a capacity is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    #[error("must be at least 1 (leave it empty for no limit)")]
    NotPositive,
    #[error("{enrolled} are enrolled already; the capacity cannot be less")]
    BelowEnrolled { enrolled: u32 },
}

/// Checks a (new) capacity against the enrolments a session already has.
pub fn check_capacity(capacity: Option<i32>, enrolled: u32) -> Result<(), CapacityError> {
    match capacity {
        None => Ok(()),
        Some(c) if c < 1 => Err(CapacityError::NotPositive),
        Some(c) if c.unsigned_abs() < enrolled => Err(CapacityError::BelowEnrolled { enrolled }),
        Some(_) => Ok(()),
    }
}

/// The audience a participant counts in. Users of the system train as officials
/// (administrators); an expert's or a firm's account is not a person and enrols the expert or
/// the staff member instead, so it has none.
pub fn audience_of_user(role: Role) -> Option<TrainingAudience> {
    match role {
        // The plan trains administrators 县级以上: county admins included.
        Role::ProvinceAdmin | Role::CityAdmin | Role::CountyAdmin => {
            Some(TrainingAudience::AdministrativeStaff)
        }
        Role::Expert | Role::Consultancy | Role::Enterprise => None,
    }
}

/// What may be wrong with a recorded attendance; [`RecordError::field`] names the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the session has not started yet; before it only EXCUSED may be recorded")]
    NotStarted,
    #[error("only an ATTENDED participant has check-in times")]
    CheckInWithoutAttendance,
    #[error("only an ATTENDED participant has check-out times")]
    CheckOutWithoutAttendance,
    #[error("only an ATTENDED participant has an exam score")]
    ScoreWithoutAttendance,
    #[error("only an ATTENDED participant gets a certificate")]
    CertificateWithoutAttendance,
    #[error("must be within {SIGN_IN_SLACK_MINUTES} minutes of the session's start and end")]
    CheckInOutsideSession,
    #[error("must be within {SIGN_IN_SLACK_MINUTES} minutes of the session's start and end")]
    CheckOutOutsideSession,
    #[error("must not be in the future")]
    CheckInInFuture,
    #[error("must not be in the future")]
    CheckOutInFuture,
    #[error("must not be before checkedInAt")]
    CheckOutBeforeCheckIn,
    #[error("must be between 0 and 100 with at most two decimals")]
    Score,
    #[error("the session's credit hours are invalid")]
    SessionHours,
}

impl RecordError {
    pub fn field(&self) -> &'static str {
        match self {
            RecordError::NotStarted => "status",
            RecordError::CheckInWithoutAttendance
            | RecordError::CheckInOutsideSession
            | RecordError::CheckInInFuture => "checkedInAt",
            RecordError::CheckOutWithoutAttendance
            | RecordError::CheckOutOutsideSession
            | RecordError::CheckOutInFuture
            | RecordError::CheckOutBeforeCheckIn => "checkedOutAt",
            RecordError::ScoreWithoutAttendance | RecordError::Score => "examScore",
            RecordError::CertificateWithoutAttendance => "certificateNo",
            RecordError::SessionHours => "sessionId",
        }
    }
}

/// What the organiser records for one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttendanceRecord {
    pub status: AttendanceStatus,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub exam_score: Option<Decimal>,
    pub has_certificate: bool,
}

/// Checks a record against its session (times and credit hours) at `now`, and returns the
/// hours it credits. ATTENDED and ABSENT are facts of a session that has started; EXCUSED
/// (leave asked for) may come before. Sign-in times, a score and a certificate belong to an
/// attendance only.
pub fn check_record(
    record: &AttendanceRecord,
    session_starts_at: DateTime<Utc>,
    session_ends_at: DateTime<Utc>,
    session_hours: Decimal,
    now: DateTime<Utc>,
) -> Result<Decimal, RecordError> {
    if record.status != AttendanceStatus::Excused && now < session_starts_at {
        return Err(RecordError::NotStarted);
    }
    if record.status != AttendanceStatus::Attended {
        if record.checked_in_at.is_some() {
            return Err(RecordError::CheckInWithoutAttendance);
        }
        if record.checked_out_at.is_some() {
            return Err(RecordError::CheckOutWithoutAttendance);
        }
        if record.exam_score.is_some() {
            return Err(RecordError::ScoreWithoutAttendance);
        }
        if record.has_certificate {
            return Err(RecordError::CertificateWithoutAttendance);
        }
    }
    let slack = TimeDelta::minutes(SIGN_IN_SLACK_MINUTES);
    let opens = session_starts_at - slack;
    let closes = session_ends_at + slack;
    if let Some(at) = record.checked_in_at {
        if at < opens || at > closes {
            return Err(RecordError::CheckInOutsideSession);
        }
        if at > now {
            return Err(RecordError::CheckInInFuture);
        }
    }
    if let Some(at) = record.checked_out_at {
        if at < opens || at > closes {
            return Err(RecordError::CheckOutOutsideSession);
        }
        if at > now {
            return Err(RecordError::CheckOutInFuture);
        }
    }
    if let Some(score) = record.exam_score
        && !(score >= Decimal::ZERO && score <= MAX_EXAM_SCORE && score.normalize().scale() <= 2)
    {
        return Err(RecordError::Score);
    }
    credited_hours(
        record.status,
        session_hours,
        record.checked_in_at,
        record.checked_out_at,
    )
    .map_err(|e| match e {
        HoursError::CheckOutBeforeCheckIn { .. } => RecordError::CheckOutBeforeCheckIn,
        HoursError::InvalidCreditHours(_) => RecordError::SessionHours,
    })
}

/// An attendance status change the workflow does not allow./// An attendance status change the workflow does not allow.
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
    use chrono::TimeZone;
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
    fn session_times_and_hours() {
        let start = nine_am();
        let at = |m: i64| start + TimeDelta::minutes(m);
        assert_eq!(check_session(start, at(8 * 60), d("6")), Ok(()));
        // Exactly as long as it lasts.
        assert_eq!(check_session(start, at(90), d("1.5")), Ok(()));
        assert_eq!(
            check_session(start, at(89), d("1.5")),
            Err(SessionError::MoreHoursThanItLasts { credit: d("1.5") })
        );
        assert_eq!(
            check_session(start, start, d("0")),
            Err(SessionError::EndsNotAfterStart)
        );
        assert_eq!(
            check_session(start, at(-1), d("0")).map_err(|e| e.field()),
            Err("endsAt")
        );
        assert_eq!(
            check_session(start, start + TimeDelta::days(MAX_SESSION_DAYS), d("40")),
            Ok(())
        );
        assert_eq!(
            check_session(
                start,
                start + TimeDelta::days(MAX_SESSION_DAYS) + TimeDelta::seconds(1),
                d("40")
            ),
            Err(SessionError::TooLong)
        );
        let bad = check_session(start, at(60), d("0.125"));
        assert_eq!(bad.map_err(|e| e.field()), Err("creditHours"));
        assert_eq!(
            check_session(start, at(60), d("-1")).map_err(|e| e.field()),
            Err("creditHours")
        );
        // Huge hours do not overflow.
        assert!(check_session(start, at(60), Decimal::MAX).is_err());
    }

    #[test]
    fn held_and_enrolment_windows() {
        let now = nine_am();
        let past = now - TimeDelta::hours(1);
        assert!(session_held(TrainingSessionStatus::Announced, past, now));
        assert!(session_held(TrainingSessionStatus::Announced, now, now));
        assert!(!session_held(
            TrainingSessionStatus::Announced,
            now + TimeDelta::seconds(1),
            now
        ));
        assert!(!session_held(TrainingSessionStatus::Cancelled, past, now));
        assert!(self_enrolment_open(now + TimeDelta::seconds(1), now));
        assert!(!self_enrolment_open(now, now));
    }

    #[test]
    fn capacity_changes() {
        assert_eq!(check_capacity(None, 500), Ok(()));
        assert_eq!(check_capacity(Some(30), 0), Ok(()));
        assert_eq!(check_capacity(Some(30), 30), Ok(()));
        assert_eq!(
            check_capacity(Some(29), 30),
            Err(CapacityError::BelowEnrolled { enrolled: 30 })
        );
        assert_eq!(check_capacity(Some(0), 0), Err(CapacityError::NotPositive));
        assert_eq!(check_capacity(Some(-5), 0), Err(CapacityError::NotPositive));
    }

    #[test]
    fn audiences_of_users() {
        assert_eq!(
            audience_of_user(Role::CityAdmin),
            Some(TrainingAudience::AdministrativeStaff)
        );
        assert_eq!(
            audience_of_user(Role::ProvinceAdmin),
            Some(TrainingAudience::AdministrativeStaff)
        );
        assert_eq!(audience_of_user(Role::Expert), None);
        assert_eq!(audience_of_user(Role::Consultancy), None);
    }

    fn record(status: AttendanceStatus) -> AttendanceRecord {
        AttendanceRecord {
            status,
            checked_in_at: None,
            checked_out_at: None,
            exam_score: None,
            has_certificate: false,
        }
    }

    #[test]
    fn records_are_checked_against_the_session() {
        let start = nine_am();
        let end = start + TimeDelta::hours(8);
        let now = end + TimeDelta::days(1);
        let check = |r: &AttendanceRecord, now| check_record(r, start, end, d("6"), now);
        assert_eq!(check(&record(AttendanceStatus::Attended), now), Ok(d("6")));
        assert_eq!(check(&record(AttendanceStatus::Absent), now), Ok(d("0")));

        // Before the start only a leave of absence.
        let before = start - TimeDelta::minutes(1);
        assert_eq!(
            check(&record(AttendanceStatus::Attended), before),
            Err(RecordError::NotStarted)
        );
        assert_eq!(
            check(&record(AttendanceStatus::Absent), before),
            Err(RecordError::NotStarted)
        );
        assert_eq!(
            check(&record(AttendanceStatus::Excused), before),
            Ok(d("0"))
        );

        // Times, score and certificate only with attendance.
        let mut r = record(AttendanceStatus::Absent);
        r.checked_in_at = Some(start);
        assert_eq!(check(&r, now).map_err(|e| e.field()), Err("checkedInAt"));
        let mut r = record(AttendanceStatus::Excused);
        r.checked_out_at = Some(start);
        assert_eq!(check(&r, now).map_err(|e| e.field()), Err("checkedOutAt"));
        let mut r = record(AttendanceStatus::Absent);
        r.exam_score = Some(d("80"));
        assert_eq!(check(&r, now), Err(RecordError::ScoreWithoutAttendance));
        let mut r = record(AttendanceStatus::Excused);
        r.has_certificate = true;
        assert_eq!(check(&r, now).map_err(|e| e.field()), Err("certificateNo"));

        // Sign-in window: two hours either side.
        let slack = TimeDelta::minutes(SIGN_IN_SLACK_MINUTES);
        let mut r = record(AttendanceStatus::Attended);
        r.checked_in_at = Some(start - slack);
        r.checked_out_at = Some(end + slack);
        assert_eq!(check(&r, now), Ok(d("6")));
        r.checked_in_at = Some(start - slack - TimeDelta::seconds(1));
        assert_eq!(check(&r, now), Err(RecordError::CheckInOutsideSession));
        r.checked_in_at = Some(start);
        r.checked_out_at = Some(end + slack + TimeDelta::seconds(1));
        assert_eq!(check(&r, now), Err(RecordError::CheckOutOutsideSession));

        // Left after 2 h 40 min: 2.5 hours.
        r.checked_out_at = Some(start + TimeDelta::minutes(160));
        assert_eq!(check(&r, now), Ok(d("2.5")));
        r.checked_out_at = Some(start - TimeDelta::minutes(1));
        assert_eq!(check(&r, now), Err(RecordError::CheckOutBeforeCheckIn));

        // Not in the future: the session is under way.
        let during = start + TimeDelta::hours(1);
        let mut r = record(AttendanceStatus::Attended);
        r.checked_in_at = Some(during + TimeDelta::seconds(1));
        assert_eq!(check(&r, during), Err(RecordError::CheckInInFuture));
        r.checked_in_at = Some(start);
        r.checked_out_at = Some(during + TimeDelta::seconds(1));
        assert_eq!(check(&r, during), Err(RecordError::CheckOutInFuture));

        // Scores.
        for (score, ok) in [
            ("0", true),
            ("100", true),
            ("87.5", true),
            ("99.99", true),
            ("100.01", false),
            ("-0.5", false),
            ("80.125", false),
        ] {
            let mut r = record(AttendanceStatus::Attended);
            r.exam_score = Some(d(score));
            assert_eq!(check(&r, now).is_ok(), ok, "{score}");
        }
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
