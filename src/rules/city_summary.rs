//! The city's yearly work summary (年度清洁生产工作总结): a year's summary may be submitted
//! once the year is over, is due by 31 March of the next year (China time), and moves
//! DRAFT/RETURNED → SUBMITTED → RECEIVED or RETURNED.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::CitySummaryStatus;

use super::deadlines::today_in_china;
use super::reminders::Duty;

/// Whether `year` is over on `today`: a summary is of a finished year only.
pub fn year_is_over(year: i32, today: NaiveDate) -> bool {
    use chrono::Datelike;
    year < today.year()
}

/// Whether a summary of `year` submitted at `submitted_at` is late: after 31 March of the next
/// year, as the day is counted in China.
pub fn is_late(year: i32, submitted_at: DateTime<Utc>) -> bool {
    match Duty::Summary.due(year) {
        Some(due) => today_in_china(submitted_at) > due,
        None => true,
    }
}

/// Whether a summary in `status` (none: never submitted) may be submitted now.
pub fn may_submit(status: Option<CitySummaryStatus>) -> bool {
    matches!(
        status,
        None | Some(CitySummaryStatus::Draft | CitySummaryStatus::Returned)
    )
}

/// Whether the province may receive or return a summary in `status`.
pub fn may_decide(status: CitySummaryStatus) -> bool {
    status == CitySummaryStatus::Submitted
}

/// Whether a city's summary in `status` stops the SUMMARY_DUE reminder: it has been handed in
/// (a returned one is the province's matter with the city, not a missed duty).
pub fn counts_as_submitted(status: CitySummaryStatus) -> bool {
    status != CitySummaryStatus::Draft
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("a valid instant")
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
    }

    #[test]
    fn only_a_finished_year() {
        assert!(year_is_over(2025, ymd(2026, 1, 1)));
        assert!(!year_is_over(2026, ymd(2026, 12, 31)));
        assert!(!year_is_over(2027, ymd(2026, 6, 1)));
    }

    #[test]
    fn late_after_the_end_of_march_in_china() {
        // 31 March 23:59 in Beijing is 15:59 UTC: still on time.
        assert!(!is_late(2025, at(2026, 3, 31, 15, 59)));
        // 1 April 00:00 in Beijing is 16:00 UTC on 31 March: late.
        assert!(is_late(2025, at(2026, 3, 31, 16, 0)));
        assert!(!is_late(2025, at(2026, 1, 5, 8, 0)));
        assert!(is_late(2024, at(2026, 1, 5, 8, 0)));
        assert!(is_late(i32::MAX, at(2026, 1, 5, 8, 0)));
    }

    #[test]
    fn who_moves_where() {
        assert!(may_submit(None));
        assert!(may_submit(Some(CitySummaryStatus::Draft)));
        assert!(may_submit(Some(CitySummaryStatus::Returned)));
        assert!(!may_submit(Some(CitySummaryStatus::Submitted)));
        assert!(!may_submit(Some(CitySummaryStatus::Received)));
        assert!(may_decide(CitySummaryStatus::Submitted));
        for s in [
            CitySummaryStatus::Draft,
            CitySummaryStatus::Received,
            CitySummaryStatus::Returned,
        ] {
            assert!(!may_decide(s));
        }
        assert!(!counts_as_submitted(CitySummaryStatus::Draft));
        assert!(counts_as_submitted(CitySummaryStatus::Returned));
    }
}
