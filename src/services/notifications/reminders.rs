//! The deadline reminder job: the parties of every open audit hear of its current deadline a
//! set number of days before and once when it has passed (`rules::reminders`). Safe to run on
//! every instance and as often as wanted: each reminder has a key (audit, deadline, due date,
//! offset, recipient) that the database keeps unique, so it is written once, by whichever
//! run gets there first.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use entity::{audit, enterprise, notification, user};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::domain::{DeadlineKind, NotificationKind};
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

/// An open audit with a deadline in reach, and its enterprise's name.
struct OpenAudit {
    id: Uuid,
    enterprise_id: Uuid,
    consultancy_id: Option<Uuid>,
    due_kind: Option<DeadlineKind>,
    due_on: Option<NaiveDate>,
    enterprise: String,
}

/// Writes the reminders due on `today`; answers how many were new.
///
/// Three statements whatever the number of audits (a province's open audits run to tens of
/// thousands, more than a statement's parameters): the open audits in reach with their
/// enterprises' names, the accounts of their parties (chosen by a subquery, not a list of
/// ids), then the inserts.
pub async fn send_deadline_reminders(
    db: &DatabaseConnection,
    offsets: &[u32],
    today: NaiveDate,
) -> AppResult<u64> {
    let horizon = today + Duration::days(i64::from(offsets.iter().copied().max().unwrap_or(0)));
    let in_reach = Condition::all()
        .add(is_constant(audit::Column::Closed, false))
        .add(audit::Column::DueOn.lte(horizon));
    let audits = Query::select()
        .columns([
            (audit::Entity, audit::Column::Id),
            (audit::Entity, audit::Column::EnterpriseId),
            (audit::Entity, audit::Column::ConsultancyId),
            (audit::Entity, audit::Column::DueKind),
            (audit::Entity, audit::Column::DueOn),
        ])
        .column((enterprise::Entity, enterprise::Column::Name))
        .from(audit::Entity)
        .inner_join(
            enterprise::Entity,
            Expr::col((enterprise::Entity, enterprise::Column::Id))
                .equals((audit::Entity, audit::Column::EnterpriseId)),
        )
        .cond_where(in_reach.clone())
        .to_owned();
    let mut due: Vec<(OpenAudit, Reminder)> = Vec::new();
    for row in db.query_all(&audits).await? {
        let audit = OpenAudit {
            id: row.try_get_by_index(0)?,
            enterprise_id: row.try_get_by_index(1)?,
            consultancy_id: row.try_get_by_index(2)?,
            due_kind: row.try_get_by_index(3)?,
            due_on: row.try_get_by_index(4)?,
            enterprise: row.try_get_by_index(5)?,
        };
        if let Some(reminder) = audit.due_on.and_then(|d| reminder_for(d, today, offsets)) {
            due.push((audit, reminder));
        }
    }
    if due.is_empty() {
        return Ok(0);
    }
    let parties_of = |column: audit::Column| {
        Query::select()
            .column(column)
            .from(audit::Entity)
            .cond_where(in_reach.clone())
            .to_owned()
    };
    let users = user::Entity::find()
        .filter(
            Condition::any()
                .add(
                    user::Column::EnterpriseId.in_subquery(parties_of(audit::Column::EnterpriseId)),
                )
                .add(
                    user::Column::ConsultancyId
                        .in_subquery(parties_of(audit::Column::ConsultancyId)),
                ),
        )
        .filter(is_constant(user::Column::Disabled, false))
        .all(db)
        .await?;
    let mut of_enterprise: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut of_firm: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for account in &users {
        if let Some(id) = account.enterprise_id {
            of_enterprise.entry(id).or_default().push(account.id);
        }
        if let Some(id) = account.consultancy_id {
            of_firm.entry(id).or_default().push(account.id);
        }
    }
    let mut reminders = Vec::new();
    for (audit, reminder) in &due {
        let (Some(kind), Some(due_on)) = (audit.due_kind, audit.due_on) else {
            continue;
        };
        let firm_accounts = audit.consultancy_id.and_then(|id| of_firm.get(&id));
        let recipients = of_enterprise
            .get(&audit.enterprise_id)
            .into_iter()
            .chain(firm_accounts)
            .flatten();
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
                enterprise: audit.enterprise.clone(),
                kind,
                due: due_on,
                days_left,
            }),
            ..Default::default()
        };
        for recipient in recipients {
            reminders.push(Keyed {
                notice: Notice {
                    to: Recipient::User(*recipient),
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
                    recipient
                ),
            });
        }
    }
    write_once(db, reminders).await
}
