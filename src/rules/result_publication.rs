//! Which periods a city may publish review results (通报) for: a real period (`from` on or
//! before `to`) that has ended by today, so that what is published is complete and cannot be
//! outrun by results still to come. Reckoned in China time by the caller.

use chrono::NaiveDate;

/// Longest period one publication covers: five years, a full audit cycle.
pub const MAX_PERIOD_DAYS: i64 = 5 * 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the period is empty: from is after to")]
    Empty,
    #[error("the period has not ended yet: to is after today")]
    Future,
    #[error("the period is longer than five years")]
    TooLong,
}

impl PeriodError {
    /// The input field the error is about.
    pub fn field(self) -> &'static str {
        match self {
            PeriodError::Empty | PeriodError::TooLong => "input.from",
            PeriodError::Future => "input.to",
        }
    }
}

/// Checks a publication period against today.
pub fn check_period(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Result<(), PeriodError> {
    if from > to {
        return Err(PeriodError::Empty);
    }
    if to > today {
        return Err(PeriodError::Future);
    }
    if (to - from).num_days() >= MAX_PERIOD_DAYS {
        return Err(PeriodError::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::test_date as d;

    #[test]
    fn a_past_period_is_fine() {
        assert_eq!(
            check_period(d(2026, 1, 1), d(2026, 6, 30), d(2026, 7, 1)),
            Ok(())
        );
        // One day, ending today.
        assert_eq!(
            check_period(d(2026, 7, 1), d(2026, 7, 1), d(2026, 7, 1)),
            Ok(())
        );
    }

    #[test]
    fn from_after_to_is_empty() {
        let e = check_period(d(2026, 6, 2), d(2026, 6, 1), d(2026, 7, 1));
        assert_eq!(e, Err(PeriodError::Empty));
        assert_eq!(PeriodError::Empty.field(), "input.from");
    }

    #[test]
    fn a_period_not_ended_is_refused() {
        let e = check_period(d(2026, 6, 1), d(2026, 7, 2), d(2026, 7, 1));
        assert_eq!(e, Err(PeriodError::Future));
        assert_eq!(PeriodError::Future.field(), "input.to");
    }

    #[test]
    fn more_than_five_years_is_refused() {
        let e = check_period(d(2016, 1, 1), d(2026, 1, 1), d(2026, 7, 1));
        assert_eq!(e, Err(PeriodError::TooLong));
    }
}
