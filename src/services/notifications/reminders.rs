//! The deadline reminder job: the parties of every open audit hear of its current deadline a
//! set number of days before and once when it has passed (`rules::reminders`). Safe to run on
//! every instance and as often as wanted: each reminder has a key (audit, deadline, due date,
//! offset, recipient) that the database keeps unique, so it is written once, by whichever
//! run gets there first.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use entity::{audit, enterprise, notification};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::domain::NotificationKind;
use crate::error::AppResult;
use crate::rules::reminders::{Reminder, reminder_for};
use crate::services::bulk::insert_statements;
use crate::services::is_constant;

use super::templates::{DeadlineFacts, Params};
use super::{Notice, Recipient};

/// A reminder and the key that makes it once-only.
pub(crate) struct Keyed {
    pub notice: Notice,
    pub key: String,
}

/// Writes reminders, each unless its key is written already; answers how many were new.
pub(crate) async fn write_once(db: &impl ConnectionTrait, reminders: Vec<Keyed>) -> AppResult<u64> {
    let now = Utc::now();
    let rows = reminders
        .into_iter()
        .map(|Keyed { notice, key }| super::row_of(notice, Some(key), now))
        .collect::<AppResult<Vec<_>>>()?;
    // One key, one row: a reminder already written (by an earlier run, or another
    // instance's run right now) is skipped.
    let skip_written = OnConflict::column(notification::Column::DedupeKey)
        .do_nothing()
        .to_owned();
    let mut written = 0;
    for mut insert in insert_statements(db.get_database_backend(), rows) {
        insert.on_conflict(skip_written.clone());
        written += db.execute(&insert).await?.rows_affected();
    }
    Ok(written)
}

/// Writes the reminders due on `today`; answers how many were new.
pub async fn send_deadline_reminders(
    db: &DatabaseConnection,
    offsets: &[u32],
    today: NaiveDate,
) -> AppResult<u64> {
    let horizon = today + Duration::days(i64::from(offsets.iter().copied().max().unwrap_or(0)));
    let audits = audit::Entity::find()
        .filter(is_constant(audit::Column::Closed, false))
        .filter(audit::Column::DueOn.lte(horizon))
        .all(db)
        .await?;
    let due: Vec<(audit::Model, Reminder)> = audits
        .into_iter()
        .filter_map(|a| {
            let reminder = reminder_for(a.due_on?, today, offsets)?;
            Some((a, reminder))
        })
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let enterprise_ids: Vec<Uuid> = due.iter().map(|(a, _)| a.enterprise_id).collect();
    let firm_ids: Vec<Uuid> = due.iter().filter_map(|(a, _)| a.consultancy_id).collect();
    let names: HashMap<Uuid, String> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(enterprise_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let users = super::party_accounts(db, &enterprise_ids, &firm_ids).await?;
    let mut reminders = Vec::new();
    for (audit, reminder) in &due {
        let (Some(kind), Some(due_on)) = (audit.due_kind, audit.due_on) else {
            continue;
        };
        let (notification_kind, days_left) = match reminder {
            Reminder::Approaching { days_left, .. } => {
                (NotificationKind::DeadlineApproaching, *days_left)
            }
            Reminder::Missed => (
                NotificationKind::DeadlineMissed,
                (due_on - today).num_days(),
            ),
        };
        let params = Params {
            deadline: Some(DeadlineFacts {
                audit_id: audit.id,
                enterprise: names.get(&audit.enterprise_id).cloned().unwrap_or_default(),
                kind,
                due: due_on,
                days_left,
            }),
            ..Default::default()
        };
        let recipients = users.iter().filter(|u| {
            u.enterprise_id == Some(audit.enterprise_id)
                || (u.consultancy_id.is_some() && u.consultancy_id == audit.consultancy_id)
        });
        for recipient in recipients {
            reminders.push(Keyed {
                notice: Notice {
                    to: Recipient::User(recipient.id),
                    kind: notification_kind,
                    params: params.clone(),
                    subject_type: "Audit",
                    subject_id: audit.id,
                },
                key: format!(
                    "deadline:{}:{}:{}:{}:{}",
                    audit.id,
                    kind,
                    due_on,
                    reminder.key(),
                    recipient.id
                ),
            });
        }
    }
    write_once(db, reminders).await
}
