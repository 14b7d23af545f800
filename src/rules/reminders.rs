//! When an audit's parties are reminded of its current deadline: a set number of days before
//! (the settings' offsets, e.g. 30, 7 and 1: our choice, not the plan's words) and once when it
//! has passed unmet. Only the tightest offset reached is sent, so a job that did not run for a
//! while sends one reminder, not every one it missed.
//!
//! The same reckoning serves the plan's calendar ([`calendar_reminder`]: a city's list by the
//! end of February, its written notices by the end of March, last year's summary by the end of
//! March), the organiser's reviews still unarranged a week ahead ([`arrangement_reminder`]),
//! and the day-before reminders of reviews and training sessions ([`is_eve`]).

use chrono::{Datelike, NaiveDate};

use crate::domain::AnnualListStatus;
use crate::rules::deadlines::{list_submission_due, notice_due};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reminder {
    /// Due within `offset` days (`days_left` of them left).
    Approaching { offset: u32, days_left: i64 },
    /// Due before today.
    Missed,
}

impl Reminder {
    /// Names the reminder in its once-only key.
    pub fn key(self) -> String {
        match self {
            Reminder::Approaching { offset, .. } => format!("before-{offset}"),
            Reminder::Missed => "missed".to_owned(),
        }
    }
}

/// The reminder due on `today` for a deadline on `due`, if any.
pub fn reminder_for(due: NaiveDate, today: NaiveDate, offsets: &[u32]) -> Option<Reminder> {
    let days_left = (due - today).num_days();
    if days_left < 0 {
        return Some(Reminder::Missed);
    }
    offsets
        .iter()
        .copied()
        .filter(|offset| days_left <= i64::from(*offset))
        .min()
        .map(|offset| Reminder::Approaching { offset, days_left })
}

/// Parses the offsets setting: days before a deadline, comma-separated, 1–365.
pub fn parse_offsets(text: &str) -> Option<Vec<u32>> {
    let mut offsets = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let days: u32 = part.parse().ok().filter(|d| (1..=365).contains(d))?;
        if !offsets.contains(&days) {
            offsets.push(days);
        }
    }
    (!offsets.is_empty()).then_some(offsets)
}

/// Whether `today` is the day before `date`: when a seated expert or a training participant
/// hears that it is tomorrow.
pub fn is_eve(date: NaiveDate, today: NaiveDate) -> bool {
    today.succ_opt() == Some(date)
}

/// A city's duty on the plan's calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duty {
    /// The year's audit list, to the province by the end of February (每年 2 月底前).
    AnnualList,
    /// The written notices to the listed enterprises, by the end of March (3 月底前下达书面通知):
    /// out when the list is published.
    Notices,
    /// The summary of a year's work, to the province by the end of March of the next year
    /// (于次年3月底前将上年度清洁生产工作总结报送省生态环境厅).
    Summary,
}

impl Duty {
    pub const ALL: [Duty; 3] = [Duty::AnnualList, Duty::Notices, Duty::Summary];

    /// Names the duty in its reminders' once-only keys.
    pub fn key(self) -> &'static str {
        match self {
            Duty::AnnualList => "list",
            Duty::Notices => "notices",
            Duty::Summary => "summary",
        }
    }

    /// The day the duty of `year` is due (for the summary, `year` is the year summarised).
    pub fn due(self, year: i32) -> Option<NaiveDate> {
        match self {
            Duty::AnnualList => list_submission_due(year).ok(),
            Duty::Notices => notice_due(year).ok(),
            Duty::Summary => NaiveDate::from_ymd_opt(year.checked_add(1)?, 3, 31),
        }
    }

    /// The years whose duty may be reminded of on `today`: this year's and next year's (an
    /// offset may reach into the next year); for the summary, last year's and this year's.
    pub fn years(self, today: NaiveDate) -> [i32; 2] {
        let year = today.year();
        match self {
            Duty::Summary => [year - 1, year],
            Duty::AnnualList | Duty::Notices => [year, year + 1],
        }
    }
}

/// The reminder due on `today` of a city's `duty` of `year`, given the status of the city's
/// list of that year (`None`: no list yet) and whether a published list still has enterprises
/// without their written notice. The list is owed until submitted, the notices until the list
/// is published and every enterprise on it has its notice; the registry does not record the summary's sending, so it is
/// reminded of before its date and never said to be missed.
pub fn calendar_reminder(
    duty: Duty,
    year: i32,
    list: Option<AnnualListStatus>,
    notices_pending: bool,
    today: NaiveDate,
    offsets: &[u32],
) -> Option<Reminder> {
    let owed = match duty {
        Duty::AnnualList => matches!(list, None | Some(AnnualListStatus::Draft)),
        Duty::Notices => list != Some(AnnualListStatus::Published) || notices_pending,
        Duty::Summary => true,
    };
    if !owed {
        return None;
    }
    let reminder = reminder_for(duty.due(year)?, today, offsets)?;
    if duty == Duty::Summary && reminder == Reminder::Missed {
        return None;
    }
    Some(reminder)
}

/// Days before a review its organiser hears it still lacks its panel or meeting time: a week
/// ahead (time to draw and for the experts to answer) and the day before. Our choice, not
/// the plan's words.
pub const ARRANGEMENT_OFFSETS: [u32; 2] = [7, 1];

/// What a review still lacks before it can be held: `panel` (no panel drawn), `startsAt`,
/// `venue` (no meeting time or place set).
pub fn arrangement_gaps(has_panel: bool, has_start: bool, has_venue: bool) -> Vec<&'static str> {
    [
        (has_panel, "panel"),
        (has_start, "startsAt"),
        (has_venue, "venue"),
    ]
    .into_iter()
    .filter(|(has, _)| !has)
    .map(|(_, gap)| gap)
    .collect()
}

/// The reminder due on `today` of a review on `review_date` that still lacks something
/// (`gaps`): within [`ARRANGEMENT_OFFSETS`] of its date; none once the day has passed (the
/// review was not held as arranged: the organiser reschedules it, nothing to remind).
pub fn arrangement_reminder(
    review_date: NaiveDate,
    today: NaiveDate,
    gaps: &[&str],
) -> Option<Reminder> {
    if gaps.is_empty() {
        return None;
    }
    match reminder_for(review_date, today, &ARRANGEMENT_OFFSETS)? {
        Reminder::Missed => None,
        approaching => Some(approaching),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, day).expect("date")
    }

    #[test]
    fn the_tightest_offset_reached() {
        let offsets = [30, 7, 1];
        let approaching = |offset, days_left| Some(Reminder::Approaching { offset, days_left });
        // (due, today, reminder)
        let cases = [
            (30, 1, approaching(30, 29)),
            (10, 1, approaching(30, 9)),
            (8, 1, approaching(7, 7)),
            (1, 1, approaching(1, 0)),
        ];
        for (due, today, want) in cases {
            assert_eq!(reminder_for(d(due), d(today), &offsets), want, "due {due}");
        }
        assert_eq!(reminder_for(d(1), d(2), &offsets), Some(Reminder::Missed));
        assert_eq!(reminder_for(d(30), d(1), &[7]), None);
        assert_eq!(Reminder::Missed.key(), "missed");
        assert_eq!(
            Reminder::Approaching {
                offset: 7,
                days_left: 3
            }
            .key(),
            "before-7"
        );
    }

    #[test]
    fn offsets_setting() {
        assert_eq!(parse_offsets("30, 7,1,7"), Some(vec![30, 7, 1]));
        assert_eq!(parse_offsets("0"), None);
        assert_eq!(parse_offsets("x"), None);
        assert_eq!(parse_offsets(""), None);
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn the_eve_is_the_day_before() {
        assert!(is_eve(ymd(2026, 3, 1), ymd(2026, 2, 28)));
        assert!(!is_eve(ymd(2026, 3, 1), ymd(2026, 3, 1)));
        assert!(!is_eve(ymd(2026, 3, 2), ymd(2026, 2, 28)));
        assert!(!is_eve(ymd(2026, 2, 28), ymd(2026, 3, 1)));
    }

    #[test]
    fn the_list_is_owed_until_submitted() {
        let offsets = [30, 7, 1];
        let due = Duty::AnnualList.due(2028).expect("due");
        assert_eq!(due, ymd(2028, 2, 29));
        let week_before = ymd(2028, 2, 22);
        let list_reminder =
            |status, day| calendar_reminder(Duty::AnnualList, 2028, status, false, day, &offsets);
        for owed in [None, Some(AnnualListStatus::Draft)] {
            assert_eq!(
                list_reminder(owed, week_before),
                Some(Reminder::Approaching {
                    offset: 7,
                    days_left: 7
                })
            );
        }
        for done in [
            AnnualListStatus::Submitted,
            AnnualListStatus::Approved,
            AnnualListStatus::Published,
        ] {
            assert_eq!(list_reminder(Some(done), week_before), None);
        }
        assert_eq!(list_reminder(None, ymd(2028, 3, 1)), Some(Reminder::Missed));
        // Too early for any offset.
        assert_eq!(list_reminder(None, ymd(2028, 1, 1)), None);
    }

    #[test]
    fn notices_are_owed_until_every_enterprise_has_its_notice() {
        let offsets = [30, 7, 1];
        let day = ymd(2026, 3, 30);
        // Owed while the list is not published, or published with notices still to issue.
        let published = Some(AnnualListStatus::Published);
        let owed = [
            (None, false),
            (Some(AnnualListStatus::Draft), false),
            (Some(AnnualListStatus::Submitted), false),
            (Some(AnnualListStatus::Approved), false),
            (published, true),
        ];
        for (list, pending) in owed {
            assert_eq!(
                calendar_reminder(Duty::Notices, 2026, list, pending, day, &offsets),
                Some(Reminder::Approaching {
                    offset: 1,
                    days_left: 1
                }),
                "{list:?} {pending}"
            );
            let after = ymd(2026, 4, 1);
            assert_eq!(
                calendar_reminder(Duty::Notices, 2026, list, pending, after, &offsets),
                Some(Reminder::Missed),
                "{list:?} {pending}"
            );
        }
        // Published and every enterprise notified: nothing owed.
        assert_eq!(
            calendar_reminder(Duty::Notices, 2026, published, false, day, &offsets),
            None
        );
    }

    #[test]
    fn the_summary_of_last_year_before_the_end_of_march() {
        let offsets = [30, 7, 1];
        assert_eq!(Duty::Summary.due(2025), Some(ymd(2026, 3, 31)));
        assert_eq!(Duty::Summary.years(ymd(2026, 3, 10)), [2025, 2026]);
        assert_eq!(Duty::AnnualList.years(ymd(2026, 12, 10)), [2026, 2027]);
        assert_eq!(
            calendar_reminder(Duty::Summary, 2025, None, false, ymd(2026, 3, 10), &offsets),
            Some(Reminder::Approaching {
                offset: 30,
                days_left: 21
            })
        );
        // Its sending is not recorded: never "missed".
        assert_eq!(
            calendar_reminder(Duty::Summary, 2025, None, false, ymd(2026, 4, 1), &offsets),
            None
        );
        assert_eq!(Duty::Summary.due(i32::MAX), None);
    }

    #[test]
    fn reviews_unarranged_a_week_ahead() {
        assert_eq!(arrangement_gaps(false, true, false), vec!["panel", "venue"]);
        assert!(arrangement_gaps(true, true, true).is_empty());
        let review = ymd(2026, 6, 10);
        let gaps = ["panel"];
        assert_eq!(arrangement_reminder(review, ymd(2026, 6, 1), &gaps), None);
        assert_eq!(
            arrangement_reminder(review, ymd(2026, 6, 3), &gaps),
            Some(Reminder::Approaching {
                offset: 7,
                days_left: 7
            })
        );
        assert_eq!(
            arrangement_reminder(review, ymd(2026, 6, 9), &gaps),
            Some(Reminder::Approaching {
                offset: 1,
                days_left: 1
            })
        );
        assert_eq!(arrangement_reminder(review, ymd(2026, 6, 11), &gaps), None);
        assert_eq!(arrangement_reminder(review, ymd(2026, 6, 9), &[]), None);
    }
}
