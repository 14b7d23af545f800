//! The calendar reminder job: what the registry reminds people of by the date, beside the
//! audits' deadlines (`reminders`). Run hourly with them; each reminder has a key the database
//! keeps unique, so it is written once whatever the number of runs and instances.
//!
//! - Experts: the day before a review, each seat still standing (invited or confirmed), once
//!   per seat and review date.
//! - Training participants: the day before a session starts, each enrolment still
//!   registered, once per enrolment, start date and recipient.
//! - A city's administrators: the plan's calendar (`rules::reminders::calendar_reminder`):
//!   the year's list until submitted (due end of February), its written notices until the
//!   list is published and every enterprise on it has its notice (end of March), last year's work summary (end of March; reminded
//!   before, never said missed, and no more once the city has submitted it
//!   (`submitCitySummary`)), at the settings' offsets
//!   and once when missed; and their evaluations and acceptances still without a panel,
//!   a start time or a venue a week and a day before the date (`arrangement_reminder`).
//! - The organiser of a recheck (the province): its date at the settings' offsets, and once
//!   when it has passed without an outcome.
//!
//! Reminders about a record name it as their subject (`Review`, `PanelSeat`,
//! `TrainingSession`, `AnnualAuditList`); a duty with no record yet (no list, the summary)
//! names `Calendar` and the nil id.

pub mod audience;

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use entity::{
    annual_audit_list, annual_audit_list_entry, audit, city_summary, panel, panel_seat, review,
    training_attendance, training_session,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::domain::{
    AnnualListStatus, AttendanceStatus, NotificationKind, ReviewKind, ReviewStatus, SeatStatus,
    TrainingSessionStatus,
};
use crate::error::AppResult;
use crate::rules::city_summary::counts_as_submitted;
use crate::rules::deadlines::today_in_china;
use crate::rules::reminders::{
    ARRANGEMENT_OFFSETS, Duty, Reminder, arrangement_gaps, arrangement_reminder, calendar_reminder,
    is_eve, reminder_for,
};
use crate::services::{is_constant, reference};

use super::reminders::{Keyed, write_once};
use super::templates::{DutyFacts, Params, ReviewFacts, TrainingFacts};
use super::{Notice, Recipient};
pub use audience::{Admins, Announcement, announce};

/// A duty with no record yet is about no row: its subject.
const CALENDAR: (&str, Uuid) = ("Calendar", Uuid::nil());

/// Writes the calendar reminders due on `today` (China); answers how many were new.
pub async fn send_calendar_reminders(
    db: &DatabaseConnection,
    offsets: &[u32],
    today: NaiveDate,
) -> AppResult<u64> {
    let mut due = Vec::new();
    review_eves(db, today, &mut due).await?;
    training_eves(db, today, &mut due).await?;
    city_duties(db, offsets, today, &mut due).await?;
    unarranged_reviews(db, today, &mut due).await?;
    rechecks_due(db, offsets, today, &mut due).await?;
    write_once(db, due).await
}

/// The reviews' facts, with their enterprises' names, by review id.
async fn facts_of(
    db: &impl ConnectionTrait,
    reviews: &[review::Model],
) -> AppResult<HashMap<Uuid, ReviewFacts>> {
    let audit_ids: Vec<Uuid> = reviews.iter().map(|r| r.audit_id).collect();
    let audits =
        crate::services::unguarded::keyed_by_id::<entity::audit::Entity>(db, &audit_ids).await?;
    let enterprise_ids: Vec<Uuid> = audits.values().map(|a| a.enterprise_id).collect();
    let names =
        crate::services::unguarded::keyed_by_id::<entity::enterprise::Entity>(db, &enterprise_ids)
            .await?;
    Ok(reviews
        .iter()
        .map(|r| {
            let name = audits
                .get(&r.audit_id)
                .and_then(|a| names.get(&a.enterprise_id))
                .map(|e| e.name.as_str())
                .unwrap_or_default();
            (r.id, ReviewFacts::of(r, name))
        })
        .collect())
}

/// Scheduled reviews with a date in `from..=to`, of the kinds given.
async fn scheduled_reviews(
    db: &impl ConnectionTrait,
    kinds: &[ReviewKind],
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> AppResult<Vec<review::Model>> {
    let mut query = review::Entity::find()
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Scheduled.as_str(),
        ))
        .filter(review::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .filter(review::Column::ReviewDate.lte(to));
    if let Some(from) = from {
        query = query.filter(review::Column::ReviewDate.gte(from));
    }
    Ok(query.all(db).await?)
}

/// Seated experts (invited or confirmed) of the reviews held tomorrow.
async fn review_eves(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    due: &mut Vec<Keyed>,
) -> AppResult<()> {
    let Some(tomorrow) = today.succ_opt() else {
        return Ok(());
    };
    let seats = panel_seat::Entity::find()
        .filter(panel_seat::Column::ReviewDate.eq(tomorrow))
        .filter(
            panel_seat::Column::Status
                .is_in([SeatStatus::Invited.as_str(), SeatStatus::Confirmed.as_str()]),
        )
        .all(db)
        .await?;
    if seats.is_empty() {
        return Ok(());
    }
    let review_ids: Vec<Uuid> = seats.iter().map(|s| s.review_id).collect();
    let reviews: Vec<review::Model> = review::Entity::find()
        .filter(review::Column::Id.is_in(review_ids))
        .filter(is_constant(
            review::Column::Status,
            ReviewStatus::Scheduled.as_str(),
        ))
        .all(db)
        .await?;
    let facts = facts_of(db, &reviews).await?;
    for seat in seats {
        let Some(review) = facts.get(&seat.review_id) else {
            continue;
        };
        if !is_eve(review.date, today) {
            continue;
        }
        due.push(Keyed {
            notice: Notice {
                to: Recipient::Expert(seat.expert_id),
                kind: NotificationKind::ReviewReminder,
                params: Params {
                    review: Some(review.clone()),
                    seat_id: Some(seat.id),
                    seat_status: Some(seat.status),
                    ..Default::default()
                },
                subject_type: "PanelSeat",
                subject_id: seat.id,
            },
            key: format!("review-eve:{}:{}", seat.id, review.date),
        });
    }
    Ok(())
}

/// Who is enrolled (still registered) in the sessions that start tomorrow.
async fn training_eves(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    due: &mut Vec<Keyed>,
) -> AppResult<()> {
    // Tomorrow in China lies within these instants; the rule below picks it exactly.
    let from = crate::rules::meetings::starts_at(today, 0, 0);
    let sessions = training_session::Entity::find()
        .filter(is_constant(
            training_session::Column::Status,
            TrainingSessionStatus::Announced.as_str(),
        ))
        .filter(training_session::Column::StartsAt.gte(from))
        .filter(training_session::Column::StartsAt.lt(from + Duration::days(3)))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| is_eve(today_in_china(s.starts_at), today))
        .map(|s| (s.id, s))
        .collect::<HashMap<Uuid, training_session::Model>>();
    if sessions.is_empty() {
        return Ok(());
    }
    let enrolled = training_attendance::Entity::find()
        .filter(training_attendance::Column::SessionId.is_in(sessions.keys().copied()))
        .filter(training_attendance::Column::Status.eq(AttendanceStatus::Registered.as_str()))
        .all(db)
        .await?;
    let rows: HashMap<Uuid, &training_attendance::Model> =
        enrolled.iter().map(|a| (a.id, a)).collect();
    for (attendance_id, to) in audience::participants(db, &enrolled).await? {
        let Some(row) = rows.get(&attendance_id) else {
            continue;
        };
        let Some(session) = sessions.get(&row.session_id) else {
            continue;
        };
        let facts = TrainingFacts::of(session, &row.display_name);
        due.push(Keyed {
            key: format!(
                "training-eve:{}:{}:{}",
                row.id,
                facts.starts_on,
                recipient_key(to)
            ),
            notice: Notice {
                to,
                kind: NotificationKind::TrainingReminder,
                params: Params {
                    training: Some(facts),
                    ..Default::default()
                },
                subject_type: "TrainingSession",
                subject_id: session.id,
            },
        });
    }
    Ok(())
}

fn recipient_key(to: Recipient) -> String {
    match to {
        Recipient::User(id) => format!("user-{id}"),
        Recipient::Expert(id) => format!("expert-{id}"),
    }
}

/// The plan's calendar, for every city that has administrators.
async fn city_duties(
    db: &impl ConnectionTrait,
    offsets: &[u32],
    today: NaiveDate,
    due: &mut Vec<Keyed>,
) -> AppResult<()> {
    let admins = audience::city_admins_by_city(db).await?;
    if admins.is_empty() {
        return Ok(());
    }
    let codes: Vec<String> = admins.keys().cloned().collect();
    let names = reference::cities_by_code(db, &codes).await?;
    let years: HashSet<i32> = Duty::ALL
        .iter()
        .flat_map(|duty| duty.years(today))
        .collect();
    let lists: HashMap<(String, i32), annual_audit_list::Model> = annual_audit_list::Entity::find()
        .filter(annual_audit_list::Column::CityCode.is_in(codes.iter().cloned()))
        .filter(annual_audit_list::Column::Year.is_in(years))
        .all(db)
        .await?
        .into_iter()
        .map(|l| ((l.city_code.clone(), l.year), l))
        .collect();
    // Published lists whose enterprises still wait for their written notice (书面通知).
    let published: Vec<uuid::Uuid> = lists
        .values()
        .filter(|l| l.status == AnnualListStatus::Published)
        .map(|l| l.id)
        .collect();
    let notices_pending: HashSet<uuid::Uuid> = annual_audit_list_entry::Entity::find()
        .filter(annual_audit_list_entry::Column::ListId.is_in(published))
        .filter(annual_audit_list_entry::Column::NoticeDate.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.list_id)
        .collect();
    // A summary handed in (submitted, received or returned) ends its SUMMARY_DUE reminders.
    let summaries_in: HashSet<(String, i32)> = city_summary::Entity::find()
        .filter(city_summary::Column::CityCode.is_in(codes.iter().cloned()))
        .filter(city_summary::Column::Year.is_in(Duty::Summary.years(today)))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| counts_as_submitted(s.status))
        .map(|s| (s.city_code, s.year))
        .collect();
    for (city, accounts) in &admins {
        let city_name = names
            .get(city)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| city.clone());
        for duty in Duty::ALL {
            for year in duty.years(today) {
                if duty == Duty::Summary && summaries_in.contains(&(city.clone(), year)) {
                    continue;
                }
                // The summary is the city's own report, whatever its list.
                let list = match duty {
                    Duty::Summary => None,
                    Duty::AnnualList | Duty::Notices => lists.get(&(city.clone(), year)),
                };
                let status = list.map(|l| l.status);
                let (Some(reminder), Some(due_on)) = (
                    calendar_reminder(
                        duty,
                        year,
                        status,
                        list.is_some_and(|l| notices_pending.contains(&l.id)),
                        today,
                        offsets,
                    ),
                    duty.due(year),
                ) else {
                    continue;
                };
                let kind = match duty {
                    Duty::AnnualList => NotificationKind::AnnualListDue,
                    Duty::Notices => NotificationKind::NoticesDue,
                    Duty::Summary => NotificationKind::SummaryDue,
                };
                let params = Params {
                    duty: Some(DutyFacts {
                        city_code: city.clone(),
                        city: city_name.clone(),
                        year,
                        due: due_on,
                        days_left: (due_on - today).num_days(),
                        list_status: status,
                    }),
                    ..Default::default()
                };
                let subject = list.map_or(CALENDAR, |l| ("AnnualAuditList", l.id));
                for account in accounts {
                    due.push(Keyed {
                        notice: Notice {
                            to: Recipient::User(*account),
                            kind,
                            params: params.clone(),
                            subject_type: subject.0,
                            subject_id: subject.1,
                        },
                        key: format!("{}:{city}:{year}:{}:{account}", duty.key(), reminder.key()),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Evaluations and acceptances a week or a day ahead still lacking their panel, start time
/// or venue: to their organiser.
async fn unarranged_reviews(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    due: &mut Vec<Keyed>,
) -> AppResult<()> {
    let widest = ARRANGEMENT_OFFSETS.iter().copied().max().unwrap_or(0);
    let reviews = scheduled_reviews(
        db,
        &[ReviewKind::Evaluation, ReviewKind::Acceptance],
        Some(today),
        today + Duration::days(i64::from(widest)),
    )
    .await?;
    if reviews.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = reviews.iter().map(|r| r.id).collect();
    let drawn: HashSet<Uuid> = panel::Entity::find()
        .filter(panel::Column::ReviewId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.review_id)
        .collect();
    let lacking = reviews
        .into_iter()
        .filter_map(|r| {
            let gaps = arrangement_gaps(
                drawn.contains(&r.id),
                r.starts_at.is_some(),
                r.venue.is_some(),
            );
            let reminder = arrangement_reminder(r.review_date, today, &gaps)?;
            let missing = gaps.iter().map(|g| (*g).to_owned()).collect();
            Some((r, reminder, missing))
        })
        .collect();
    tell_organisers(
        db,
        today,
        NotificationKind::ReviewArrangementDue,
        "arrange",
        lacking,
        due,
    )
    .await
}

/// Rechecks near their date, or past it without an outcome: to their organiser.
async fn rechecks_due(
    db: &impl ConnectionTrait,
    offsets: &[u32],
    today: NaiveDate,
    due: &mut Vec<Keyed>,
) -> AppResult<()> {
    let widest = offsets.iter().copied().max().unwrap_or(0);
    let reviews = scheduled_reviews(
        db,
        &[ReviewKind::Recheck],
        None,
        today + Duration::days(i64::from(widest)),
    )
    .await?
    .into_iter()
    .filter_map(|r| {
        let reminder = reminder_for(r.review_date, today, offsets)?;
        Some((r, reminder, Vec::new()))
    })
    .collect();
    tell_organisers(
        db,
        today,
        NotificationKind::RecheckDue,
        "recheck",
        reviews,
        due,
    )
    .await
}

/// Reminders about reviews, each to its organiser's administrators, once per review, date,
/// reminder and account (`key` names the kind in the key); `missing` as the review lacks.
async fn tell_organisers(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    kind: NotificationKind,
    key: &str,
    reviews: Vec<(review::Model, Reminder, Vec<String>)>,
    due: &mut Vec<Keyed>,
) -> AppResult<()> {
    if reviews.is_empty() {
        return Ok(());
    }
    let models: Vec<review::Model> = reviews.iter().map(|(r, _, _)| r.clone()).collect();
    let facts = facts_of(db, &models).await?;
    // An evaluation or acceptance delegated to a county is organised by that county too.
    let delegated: HashMap<Uuid, Option<String>> = audit::Entity::find()
        .filter(audit::Column::Id.is_in(models.iter().map(|r| r.audit_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.delegated_county))
        .collect();
    let organiser_of = |review: &review::Model| {
        let county = review
            .organiser_city_code
            .as_ref()
            .and_then(|_| delegated.get(&review.audit_id).cloned().flatten());
        (review.organiser_city_code.clone(), county)
    };
    let mut organisers: HashMap<(Option<String>, Option<String>), Vec<Uuid>> = HashMap::new();
    for review in &models {
        if let std::collections::hash_map::Entry::Vacant(slot) =
            organisers.entry(organiser_of(review))
        {
            let (city, county) = slot.key();
            let who = Admins::organising(city.as_deref(), county.as_deref());
            let accounts = audience::admins(db, who).await?;
            slot.insert(accounts);
        }
    }
    for (review, reminder, missing) in reviews {
        let (Some(facts), Some(accounts)) = (
            facts.get(&review.id),
            organisers.get(&organiser_of(&review)),
        ) else {
            continue;
        };
        let params = Params {
            review: Some(facts.clone()),
            days_left: Some((review.review_date - today).num_days()),
            missing,
            ..Default::default()
        };
        for account in accounts {
            due.push(Keyed {
                notice: Notice {
                    to: Recipient::User(*account),
                    kind,
                    params: params.clone(),
                    subject_type: "Review",
                    subject_id: review.id,
                },
                key: format!(
                    "{key}:{}:{}:{}:{account}",
                    review.id,
                    review.review_date,
                    reminder.key()
                ),
            });
        }
    }
    Ok(())
}
