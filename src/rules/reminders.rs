//! When an audit's parties are reminded of its current deadline: a set number of days before
//! (the settings' offsets, e.g. 30, 7 and 1: our choice, not the plan's words) and once when it
//! has passed unmet. Only the tightest offset reached is sent, so a job that did not run for a
//! while sends one reminder, not every one it missed.

use chrono::NaiveDate;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, day).expect("date")
    }

    #[test]
    fn the_tightest_offset_reached() {
        let offsets = [30, 7, 1];
        assert_eq!(
            reminder_for(d(30), d(1), &offsets),
            Some(Reminder::Approaching {
                offset: 30,
                days_left: 29
            })
        );
        assert_eq!(
            reminder_for(d(10), d(1), &offsets),
            Some(Reminder::Approaching {
                offset: 30,
                days_left: 9
            })
        );
        assert_eq!(
            reminder_for(d(8), d(1), &offsets),
            Some(Reminder::Approaching {
                offset: 7,
                days_left: 7
            })
        );
        assert_eq!(
            reminder_for(d(1), d(1), &offsets),
            Some(Reminder::Approaching {
                offset: 1,
                days_left: 0
            })
        );
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
}
