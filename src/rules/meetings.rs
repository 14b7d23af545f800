//! Review meetings: when one starts, read as China time, and when a sealed panel's names
//! are revealed to its organiser.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

/// China Standard Time is UTC+8 all year (no daylight saving).
const CHINA_OFFSET_HOURS: i64 = 8;

/// The instant a meeting starts at `hour:minute` China time on `date`; an impossible time
/// (24:00 and beyond) is clamped to the last minute of the day.
pub fn starts_at(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(hour, minute, 0)
        .or_else(|| NaiveTime::from_hms_opt(23, 59, 0))
        .unwrap_or(NaiveTime::MIN);
    (date.and_time(time) - Duration::hours(CHINA_OFFSET_HOURS)).and_utc()
}

/// The China calendar day of an instant.
pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(CHINA_OFFSET_HOURS)).date_naive()
}

/// The time of day of an instant in China, `HH:MM`.
pub fn china_clock(at: DateTime<Utc>) -> String {
    (at + Duration::hours(CHINA_OFFSET_HOURS))
        .format("%H:%M")
        .to_string()
}

/// Parses a start time typed as `HH:MM` (China time).
pub fn parse_start_time(text: &str) -> Option<(u32, u32)> {
    let time = NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()?;
    use chrono::Timelike;
    Some((time.hour(), time.minute()))
}

/// When a panel's names are revealed to its organiser: `hours_before` its start, or the
/// beginning of the review day (China time) when no start is set.
pub fn reveal_at(
    review_date: NaiveDate,
    starts: Option<DateTime<Utc>>,
    hours_before: u32,
) -> DateTime<Utc> {
    starts.unwrap_or_else(|| starts_at(review_date, 0, 0))
        - Duration::hours(i64::from(hours_before))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn china_time_is_eight_hours_ahead() {
        assert_eq!(
            starts_at(day("2026-06-10"), 9, 30).to_rfc3339(),
            "2026-06-10T01:30:00+00:00"
        );
        assert_eq!(
            starts_at(day("2026-06-10"), 0, 0).to_rfc3339(),
            "2026-06-09T16:00:00+00:00"
        );
        assert_eq!(
            china_date(starts_at(day("2026-06-10"), 0, 0)),
            day("2026-06-10")
        );
        assert_eq!(
            china_date(starts_at(day("2026-06-10"), 23, 59)),
            day("2026-06-10")
        );
        assert_eq!(china_clock(starts_at(day("2026-06-10"), 9, 30)), "09:30");
        assert_eq!(parse_start_time(" 09:30 "), Some((9, 30)));
        assert_eq!(parse_start_time("9:30"), Some((9, 30)));
        assert_eq!(parse_start_time("25:00"), None);
        assert_eq!(parse_start_time("nine"), None);
    }

    #[test]
    fn names_are_revealed_before_the_start_or_on_the_day() {
        let date = day("2026-06-10");
        let start = starts_at(date, 9, 0);
        assert_eq!(reveal_at(date, Some(start), 0), start);
        assert_eq!(reveal_at(date, Some(start), 2), starts_at(date, 7, 0));
        assert_eq!(reveal_at(date, None, 0), starts_at(date, 0, 0));
        assert_eq!(
            reveal_at(date, None, 24),
            starts_at(day("2026-06-09"), 0, 0)
        );
    }
}
