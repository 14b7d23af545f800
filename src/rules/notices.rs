//! The city's written notices (书面通知) after the province publishes a list: which entries a
//! notice may name and which dates it may carry. The notice date starts the enterprise's clock
//! (`deadlines::disclosure_due`, `start_due`, `report_due`).

use std::collections::HashSet;

use chrono::NaiveDate;
use uuid::Uuid;

/// Why a notice is refused; the service turns each into the client's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeError {
    /// The list is not published: there is nothing to notify yet.
    NotPublished,
    /// The date is after today (a notice is recorded once sent).
    InFuture,
    /// The date precedes the list's publication.
    BeforePublication(NaiveDate),
    /// An enterprise named twice.
    Twice(Uuid),
    /// An enterprise not on the list.
    NotOnList(Uuid),
    /// An enterprise that has its notice already.
    AlreadyNotified(Uuid),
    /// Nothing is left to notify: every enterprise on the list has its notice.
    NothingLeft,
}

/// One entry of the list as the rule sees it: the enterprise and whether it has its notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryState {
    pub enterprise_id: Uuid,
    pub notified: bool,
}

/// Checks the notice's date against the list's publication and today.
pub fn check_notice_date(
    notice_date: NaiveDate,
    published_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), NoticeError> {
    let published_on = published_on.ok_or(NoticeError::NotPublished)?;
    if notice_date > today {
        return Err(NoticeError::InFuture);
    }
    if notice_date < published_on {
        return Err(NoticeError::BeforePublication(published_on));
    }
    Ok(())
}

/// The enterprises a notice covers: those `asked` for (each on the list, once, without a
/// notice yet), or when none are named every entry still without one, in the list's order.
pub fn enterprises_to_notify(
    entries: &[EntryState],
    asked: Option<&[Uuid]>,
) -> Result<Vec<Uuid>, NoticeError> {
    let chosen: Vec<Uuid> = match asked {
        None => entries
            .iter()
            .filter(|e| !e.notified)
            .map(|e| e.enterprise_id)
            .collect(),
        Some(ids) => {
            let mut seen = HashSet::new();
            for id in ids {
                if !seen.insert(*id) {
                    return Err(NoticeError::Twice(*id));
                }
                match entries.iter().find(|e| e.enterprise_id == *id) {
                    None => return Err(NoticeError::NotOnList(*id)),
                    Some(e) if e.notified => return Err(NoticeError::AlreadyNotified(*id)),
                    Some(_) => {}
                }
            }
            ids.to_vec()
        }
    };
    if chosen.is_empty() {
        return Err(NoticeError::NothingLeft);
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).expect("date")
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn entries() -> Vec<EntryState> {
        vec![
            EntryState {
                enterprise_id: id(1),
                notified: true,
            },
            EntryState {
                enterprise_id: id(2),
                notified: false,
            },
            EntryState {
                enterprise_id: id(3),
                notified: false,
            },
        ]
    }

    #[test]
    fn the_date_lies_between_publication_and_today() {
        assert_eq!(
            check_notice_date(d(3, 1), None, d(3, 5)),
            Err(NoticeError::NotPublished)
        );
        assert_eq!(
            check_notice_date(d(3, 6), Some(d(3, 1)), d(3, 5)),
            Err(NoticeError::InFuture)
        );
        assert_eq!(
            check_notice_date(d(2, 28), Some(d(3, 1)), d(3, 5)),
            Err(NoticeError::BeforePublication(d(3, 1)))
        );
        assert_eq!(check_notice_date(d(3, 1), Some(d(3, 1)), d(3, 5)), Ok(()));
        assert_eq!(check_notice_date(d(3, 5), Some(d(3, 1)), d(3, 5)), Ok(()));
    }

    #[test]
    fn none_named_means_every_entry_still_without_a_notice() {
        assert_eq!(
            enterprises_to_notify(&entries(), None),
            Ok(vec![id(2), id(3)])
        );
        let all_done: Vec<EntryState> = entries()
            .into_iter()
            .map(|e| EntryState {
                notified: true,
                ..e
            })
            .collect();
        assert_eq!(
            enterprises_to_notify(&all_done, None),
            Err(NoticeError::NothingLeft)
        );
    }

    #[test]
    fn named_enterprises_are_on_the_list_once_and_not_yet_notified() {
        assert_eq!(
            enterprises_to_notify(&entries(), Some(&[id(3)])),
            Ok(vec![id(3)])
        );
        assert_eq!(
            enterprises_to_notify(&entries(), Some(&[id(2), id(2)])),
            Err(NoticeError::Twice(id(2)))
        );
        assert_eq!(
            enterprises_to_notify(&entries(), Some(&[id(9)])),
            Err(NoticeError::NotOnList(id(9)))
        );
        assert_eq!(
            enterprises_to_notify(&entries(), Some(&[id(1)])),
            Err(NoticeError::AlreadyNotified(id(1)))
        );
        assert_eq!(
            enterprises_to_notify(&entries(), Some(&[])),
            Err(NoticeError::NothingLeft)
        );
    }
}
