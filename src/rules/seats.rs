//! A panel seat's life: INVITED → CONFIRMED / DECLINED (with or without a reason) before the
//! review; then, on or after the review date, ATTENDED / NO_SHOW for a seat that stands.
//!
//! A confirmed expert may still withdraw (decline) before the review: the seat is then
//! replaced like any other declined seat. Every seat except a declined one *stands*: it holds
//! the expert's day and counts toward the yearly cap.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::SeatStatus;
use crate::rules::expert_review::SeatOutcome;
use crate::rules::meetings::china_date;

/// Why a seat cannot move as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SeatError {
    #[error("the seat is {0}; only an invited seat can be confirmed")]
    CannotConfirm(SeatStatus),
    #[error("the seat is {0}; only an invited or confirmed seat can be declined")]
    CannotDecline(SeatStatus),
    #[error("the review took place on {0}; invitations can no longer be answered")]
    ReviewPassed(NaiveDate),
    #[error("the review is on {0}; attendance is recorded on or after that day")]
    ReviewNotYetHeld(NaiveDate),
    #[error("the seat is {0}; attendance is recorded once, for a seat that was not declined")]
    CannotRecordAttendance(SeatStatus),
    #[error("the review is on {0}; an expert is checked in on that day (China time)")]
    CheckInOffDay(NaiveDate),
    #[error("a check-in time cannot lie in the future")]
    CheckInInFuture,
    #[error("the seat is {0}; only an invited or confirmed seat is checked in, once")]
    CannotCheckIn(SeatStatus),
    #[error("the seat is {0}; only an expert who attended is rated")]
    CannotRate(SeatStatus),
}

/// Whether a seat holds its expert's day and counts toward the yearly cap.
pub fn stands(status: SeatStatus) -> bool {
    status != SeatStatus::Declined
}

/// The status after the expert answers an invitation, on `today` for a review on
/// `review_date`.
pub fn respond(
    status: SeatStatus,
    accept: bool,
    review_date: NaiveDate,
    today: NaiveDate,
) -> Result<SeatStatus, SeatError> {
    if today > review_date {
        return Err(SeatError::ReviewPassed(review_date));
    }
    match (status, accept) {
        (SeatStatus::Invited, true) => Ok(SeatStatus::Confirmed),
        (SeatStatus::Invited | SeatStatus::Confirmed, false) => Ok(SeatStatus::Declined),
        (other, true) => Err(SeatError::CannotConfirm(other)),
        (other, false) => Err(SeatError::CannotDecline(other)),
    }
}

/// The status once attendance is recorded, on `today` for a review on `review_date`.
pub fn record_attendance(
    status: SeatStatus,
    attended: bool,
    review_date: NaiveDate,
    today: NaiveDate,
) -> Result<SeatStatus, SeatError> {
    if today < review_date {
        return Err(SeatError::ReviewNotYetHeld(review_date));
    }
    match status {
        SeatStatus::Invited | SeatStatus::Confirmed if attended => Ok(SeatStatus::Attended),
        SeatStatus::Invited | SeatStatus::Confirmed => Ok(SeatStatus::NoShow),
        other => Err(SeatError::CannotRecordAttendance(other)),
    }
}

/// The status once the expert is checked in at the venue at `at` (recorded at `now`): on
/// the review day, China time, and not ahead of the clock (a minute's grace for the
/// organiser's device).
pub fn check_in(
    status: SeatStatus,
    at: DateTime<Utc>,
    review_date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<SeatStatus, SeatError> {
    if at > now + Duration::minutes(1) {
        return Err(SeatError::CheckInInFuture);
    }
    if china_date(at) != review_date {
        return Err(SeatError::CheckInOffDay(review_date));
    }
    match status {
        SeatStatus::Invited | SeatStatus::Confirmed => Ok(SeatStatus::Attended),
        other => Err(SeatError::CannotCheckIn(other)),
    }
}

/// Whether a seat still waits for its attendance when the review's outcome is recorded:
/// such a seat was never checked in, and is a no-show.
pub fn never_checked_in(status: SeatStatus) -> bool {
    matches!(status, SeatStatus::Invited | SeatStatus::Confirmed)
}

/// Whether the organiser may rate the seat now: after the review, an expert who attended.
pub fn check_rating(
    status: SeatStatus,
    review_date: NaiveDate,
    today: NaiveDate,
) -> Result<(), SeatError> {
    if today < review_date {
        return Err(SeatError::ReviewNotYetHeld(review_date));
    }
    if status != SeatStatus::Attended {
        return Err(SeatError::CannotRate(status));
    }
    Ok(())
}

/// How the seat counts in the annual expert review.
pub fn outcome(status: SeatStatus, decline_reason: Option<&str>) -> SeatOutcome {
    match status {
        SeatStatus::Attended => SeatOutcome::Attended,
        SeatStatus::NoShow => SeatOutcome::NoShow,
        SeatStatus::Declined if decline_reason.is_some_and(|r| !r.trim().is_empty()) => {
            SeatOutcome::DeclinedWithReason
        }
        SeatStatus::Declined => SeatOutcome::DeclinedWithoutReason,
        SeatStatus::Invited | SeatStatus::Confirmed => SeatOutcome::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::meetings::starts_at;
    use SeatStatus::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, day).expect("valid test date")
    }

    #[test]
    fn check_in_on_the_review_day() {
        let nine = starts_at(d(10), 9, 0);
        let later = starts_at(d(10), 12, 0);
        assert_eq!(check_in(Confirmed, nine, d(10), later), Ok(Attended));
        assert_eq!(check_in(Invited, nine, d(10), later), Ok(Attended));
        assert_eq!(
            check_in(Confirmed, later, d(10), nine),
            Err(SeatError::CheckInInFuture)
        );
        assert_eq!(
            check_in(Confirmed, starts_at(d(9), 23, 0), d(10), later),
            Err(SeatError::CheckInOffDay(d(10)))
        );
        for done in [Declined, Attended, NoShow] {
            assert_eq!(
                check_in(done, nine, d(10), later),
                Err(SeatError::CannotCheckIn(done))
            );
        }
        assert!(never_checked_in(Invited) && never_checked_in(Confirmed));
        assert!(!never_checked_in(Attended) && !never_checked_in(Declined));
    }

    #[test]
    fn answers_before_the_review() {
        assert_eq!(respond(Invited, true, d(10), d(1)), Ok(Confirmed));
        assert_eq!(respond(Invited, false, d(10), d(10)), Ok(Declined));
        assert_eq!(respond(Confirmed, false, d(10), d(9)), Ok(Declined));
        assert_eq!(
            respond(Confirmed, true, d(10), d(9)),
            Err(SeatError::CannotConfirm(Confirmed))
        );
        for done in [Declined, Attended, NoShow] {
            assert_eq!(
                respond(done, false, d(10), d(9)),
                Err(SeatError::CannotDecline(done))
            );
            assert_eq!(
                respond(done, true, d(10), d(9)),
                Err(SeatError::CannotConfirm(done))
            );
        }
        assert_eq!(
            respond(Invited, true, d(10), d(11)),
            Err(SeatError::ReviewPassed(d(10)))
        );
    }

    #[test]
    fn attendance_on_or_after_the_review() {
        assert_eq!(
            record_attendance(Confirmed, true, d(10), d(10)),
            Ok(Attended)
        );
        assert_eq!(record_attendance(Invited, false, d(10), d(12)), Ok(NoShow));
        assert_eq!(
            record_attendance(Confirmed, true, d(10), d(9)),
            Err(SeatError::ReviewNotYetHeld(d(10)))
        );
        for done in [Declined, Attended, NoShow] {
            assert_eq!(
                record_attendance(done, true, d(10), d(10)),
                Err(SeatError::CannotRecordAttendance(done))
            );
        }
    }

    #[test]
    fn only_attended_seats_are_rated_after_the_review() {
        assert_eq!(check_rating(Attended, d(10), d(10)), Ok(()));
        assert_eq!(
            check_rating(Attended, d(10), d(9)),
            Err(SeatError::ReviewNotYetHeld(d(10)))
        );
        assert_eq!(
            check_rating(NoShow, d(10), d(11)),
            Err(SeatError::CannotRate(NoShow))
        );
    }

    #[test]
    fn standing_and_outcomes() {
        assert!(stands(Invited) && stands(Confirmed) && stands(Attended) && stands(NoShow));
        assert!(!stands(Declined));
        assert_eq!(
            outcome(Declined, Some("ill")),
            SeatOutcome::DeclinedWithReason
        );
        assert_eq!(
            outcome(Declined, Some("  ")),
            SeatOutcome::DeclinedWithoutReason
        );
        assert_eq!(outcome(Declined, None), SeatOutcome::DeclinedWithoutReason);
        assert_eq!(outcome(Confirmed, None), SeatOutcome::Pending);
        assert_eq!(outcome(NoShow, None), SeatOutcome::NoShow);
        assert_eq!(outcome(Attended, None), SeatOutcome::Attended);
    }
}
