//! How long a published penalty decision stays public (信用修复).
//!
//! The national credit-repair rules (《失信行为纠正后的信用信息修复管理办法（试行）》, 2023) give
//! an administrative penalty's publication a period by the gravity of the conduct: for general
//! misconduct (一般失信行为) at least 3 months and at most 1 year, for serious misconduct
//! (严重失信行为) at least 1 and at most 3 years; when the longest period ends, publication stops
//! by itself. The periods here are settings, defaulting to those maxima (our policy choice:
//! an earlier end would need a repair application, which the registry does not handle).
//!
//! Dates are civil dates in China Standard Time. The period is counted from the day after the
//! publication day (民法典 第二百零一条: the first day is not counted), so a decision published
//! on 1 June with a 12-month period is shown through the next 1 June and gone on 2 June.

use chrono::{DateTime, FixedOffset, Months, NaiveDate, NaiveTime, Utc};

use crate::domain::{ViolationPublicationState, ViolationSeverity};

use super::deadlines::today_in_china;

/// Default period for general misconduct: the rules' longest, one year.
pub const DEFAULT_GENERAL_MONTHS: u32 = 12;
/// Default period for serious misconduct: the rules' longest, three years.
pub const DEFAULT_SERIOUS_MONTHS: u32 = 36;
/// The longest period a setting may give (ten years), to keep the dates in range.
pub const MAX_MONTHS: u32 = 120;

const CHINA_STANDARD_TIME: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The publication period of each severity, in months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicationPeriods {
    pub general_months: u32,
    pub serious_months: u32,
}

impl Default for PublicationPeriods {
    fn default() -> Self {
        PublicationPeriods {
            general_months: DEFAULT_GENERAL_MONTHS,
            serious_months: DEFAULT_SERIOUS_MONTHS,
        }
    }
}

impl PublicationPeriods {
    pub fn months(&self, severity: ViolationSeverity) -> u32 {
        match severity {
            ViolationSeverity::General => self.general_months,
            ViolationSeverity::Serious => self.serious_months,
        }
    }
}

/// The day (China) a decision was published, from the instant it was.
pub fn publication_date(published_at: DateTime<Utc>) -> NaiveDate {
    today_in_china(published_at)
}

/// The last day a decision published on `published_on` is shown; `None` past the calendar's
/// end (never, in practice).
pub fn last_day_shown(published_on: NaiveDate, months: u32) -> Option<NaiveDate> {
    // Month ends clamp (31 January + 1 month = 28 or 29 February), as the civil rule does.
    published_on.checked_add_months(Months::new(months))
}

/// Whether a decision published on `published_on` is still shown on `today`.
pub fn is_shown(published_on: NaiveDate, months: u32, today: NaiveDate) -> bool {
    last_day_shown(published_on, months).is_none_or(|last| today <= last)
}

/// Where a violation's publication stands on `today`.
pub fn state(
    published: bool,
    published_at: Option<DateTime<Utc>>,
    withdrawn: bool,
    months: u32,
    today: NaiveDate,
) -> ViolationPublicationState {
    if withdrawn {
        return ViolationPublicationState::Withdrawn;
    }
    if !published {
        return ViolationPublicationState::Unpublished;
    }
    match published_at {
        Some(at) if !is_shown(publication_date(at), months, today) => {
            ViolationPublicationState::Expired
        }
        // A published record always has its instant; without one nothing says it ended.
        _ => ViolationPublicationState::Public,
    }
}

/// The earliest instant of publication still shown on `today`: 00:00 China time of the
/// earliest publication day whose period reaches `today`. The public list compares the stored
/// instant with it, so the database does no month arithmetic and agrees with [`state`].
pub fn shown_since(today: NaiveDate, months: u32) -> DateTime<Utc> {
    start_of_day_in_china(earliest_day_shown(today, months))
}

fn earliest_day_shown(today: NaiveDate, months: u32) -> NaiveDate {
    let Some(mut day) = today.checked_sub_months(Months::new(months)) else {
        return NaiveDate::MIN;
    };
    // Clamping makes "today minus the period" off by up to three days near month ends; the
    // last day shown grows with the publication day, so step to the exact boundary.
    while !is_shown(day, months, today) {
        match day.succ_opt() {
            Some(next) => day = next,
            None => return day,
        }
    }
    while let Some(before) = day.pred_opt()
        && is_shown(before, months, today)
    {
        day = before;
    }
    day
}

fn start_of_day_in_china(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN)
        .checked_sub_offset(CHINA_STANDARD_TIME)
        .map_or(DateTime::<Utc>::MIN_UTC, |utc| utc.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a test date")
    }

    #[test]
    fn shown_through_the_same_day_of_the_last_month() {
        assert_eq!(last_day_shown(d("2025-06-01"), 12), Some(d("2026-06-01")));
        assert!(is_shown(d("2025-06-01"), 12, d("2026-06-01")));
        assert!(!is_shown(d("2025-06-01"), 12, d("2026-06-02")));
        // Month ends clamp.
        assert_eq!(last_day_shown(d("2025-01-31"), 1), Some(d("2025-02-28")));
        assert_eq!(last_day_shown(d("2024-02-29"), 12), Some(d("2025-02-28")));
        assert_eq!(last_day_shown(NaiveDate::MAX, 1), None);
        assert!(is_shown(NaiveDate::MAX, 1, NaiveDate::MAX));
    }

    #[test]
    fn the_publication_day_is_taken_in_china() {
        let late_evening = Utc.with_ymd_and_hms(2025, 6, 1, 15, 59, 59).unwrap();
        let next_morning = Utc.with_ymd_and_hms(2025, 6, 1, 16, 0, 0).unwrap();
        assert_eq!(publication_date(late_evening), d("2025-06-01"));
        assert_eq!(publication_date(next_morning), d("2025-06-02"));
    }

    #[test]
    fn states() {
        use ViolationPublicationState::*;
        let at = Utc.with_ymd_and_hms(2025, 6, 1, 2, 0, 0).unwrap();
        let today = d("2026-06-02");
        assert_eq!(state(false, None, false, 12, today), Unpublished);
        assert_eq!(state(true, Some(at), false, 12, today), Expired);
        assert_eq!(state(true, Some(at), false, 36, today), Public);
        assert_eq!(state(true, Some(at), false, 12, d("2026-06-01")), Public);
        assert_eq!(state(true, Some(at), true, 36, today), Withdrawn);
        assert_eq!(state(false, None, true, 12, today), Withdrawn);
    }

    #[test]
    fn severities_have_their_own_periods() {
        let periods = PublicationPeriods::default();
        assert_eq!(periods.months(ViolationSeverity::General), 12);
        assert_eq!(periods.months(ViolationSeverity::Serious), 36);
    }

    /// The instant the list filters with agrees with the state, day by day, around month ends
    /// and leap days, for instants on both sides of midnight in China.
    #[test]
    fn shown_since_agrees_with_state() {
        for months in [1, 3, 12, 36] {
            let mut today = d("2027-12-25");
            while today <= d("2028-03-05") {
                let since = shown_since(today, months);
                let mut published_on = today
                    .checked_sub_months(Months::new(months + 1))
                    .expect("in range");
                while published_on <= today {
                    for (hour, minute) in [(0, 0), (7, 59), (8, 0), (23, 59)] {
                        let local = published_on.and_hms_opt(hour, minute, 0).expect("a time");
                        let at = local
                            .checked_sub_offset(CHINA_STANDARD_TIME)
                            .expect("in range")
                            .and_utc();
                        let public = state(true, Some(at), false, months, today)
                            == ViolationPublicationState::Public;
                        assert_eq!(at >= since, public, "{months} months, {today}, {local}");
                    }
                    published_on = published_on.succ_opt().expect("in range");
                }
                today = today.succ_opt().expect("in range");
            }
        }
    }

    #[test]
    fn shown_since_at_the_calendar_edges() {
        assert_eq!(shown_since(NaiveDate::MIN, 12), DateTime::<Utc>::MIN_UTC);
        assert_eq!(
            shown_since(d("2026-03-31"), 1),
            Utc.with_ymd_and_hms(2026, 2, 28, 16, 0, 0).unwrap()
        );
    }
}
