//! Notifications: what the registry tells people. Each is written by the service that makes
//! the event, inside the event's own transaction ([`enqueue`]): no event without its
//! notification, no notification of an event rolled back. Its facts are frozen with it and
//! its text comes from the templates ([`templates`]).
//!
//! A notification is for a person: a user, or an expert, whose account reads it and whose
//! phone and e-mail receive it even without one.
//!
//! Who hears what is in the README's table: panel invitations, meeting changes, declined and
//! released seats, outcomes and extension decisions, list submissions, training enrolments and
//! cancellations as events; deadlines and the calendar's duties by an hourly job
//! ([`reminders`], [`calendar`]). Read in-app (`notifications`, [`live`] over WebSocket);
//! sent by e-mail and SMS through an outbox ([`deliveries`], [`transport`], [`compose`]) on
//! the channels allowed and chosen ([`channels`]); an invitation's link answers the seat
//! ([`seat_links`]).

pub mod calendar;
pub mod channels;
pub mod compose;
pub mod delegations;
pub mod deliveries;
pub mod findings;
pub mod live;
pub mod reminders;
pub mod seat_links;
pub mod templates;
pub mod transport;

use chrono::Utc;
use entity::notification;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::domain::{NotificationKind, Role};
use crate::error::{AppError, AppResult};

use super::bulk::insert_rows;
use super::pagination::{Page, PageRequest, fetch_page};
pub use templates::{ExtensionFacts, Params, ReviewFacts, render};

/// Who a notification is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    User(Uuid),
    Expert(Uuid),
}

/// A notification to write with its event.
pub struct Notice {
    pub to: Recipient,
    pub kind: NotificationKind,
    pub params: Params,
    pub subject_type: &'static str,
    pub subject_id: Uuid,
}

/// Writes notices inside the caller's transaction, in one statement per chunk.
pub(crate) async fn enqueue(txn: &impl ConnectionTrait, notices: Vec<Notice>) -> AppResult<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = notices
        .into_iter()
        .map(|notice| row_of(notice, None, now))
        .collect::<AppResult<Vec<_>>>()?;
    insert_rows(txn, rows).await?;
    Ok(())
}

/// The row of a notice written at `now`, with its once-only key if it has one.
pub(crate) fn row_of(
    notice: Notice,
    dedupe_key: Option<String>,
    now: chrono::DateTime<Utc>,
) -> AppResult<notification::ActiveModel> {
    let (user_id, expert_id) = match notice.to {
        Recipient::User(id) => (Some(id), None),
        Recipient::Expert(id) => (None, Some(id)),
    };
    let params = serde_json::to_string(&notice.params)
        .map_err(|e| AppError::internal(format!("notification facts: {e}")))?;
    Ok(notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        expert_id: Set(expert_id),
        kind: Set(notice.kind),
        params: Set(params),
        subject_type: Set(notice.subject_type.to_owned()),
        subject_id: Set(notice.subject_id),
        created_at: Set(now),
        read_at: Set(None),
        dispatched_at: Set(None),
        dedupe_key: Set(dedupe_key),
    })
}

/// Notifies the audit's parties: the accounts of its enterprise and of the consultancy
/// holding it (not disabled), inside the event's transaction.
pub(crate) async fn notify_parties(
    txn: &impl ConnectionTrait,
    audit: &entity::audit::Model,
    kind: NotificationKind,
    params: Params,
    subject: (&'static str, Uuid),
) -> AppResult<()> {
    let firms: Vec<Uuid> = audit.consultancy_id.into_iter().collect();
    let users = party_accounts(txn, &[audit.enterprise_id], &firms).await?;
    enqueue(
        txn,
        users
            .into_iter()
            .map(|user| Notice {
                to: Recipient::User(user.id),
                kind,
                params: params.clone(),
                subject_type: subject.0,
                subject_id: subject.1,
            })
            .collect(),
    )
    .await
}

/// The accounts (not disabled) of the enterprises and consultancies given.
pub(crate) async fn party_accounts(
    db: &impl ConnectionTrait,
    enterprises: &[Uuid],
    firms: &[Uuid],
) -> AppResult<Vec<entity::user::Model>> {
    Ok(entity::user::Entity::find()
        .filter(
            Condition::any()
                .add(entity::user::Column::EnterpriseId.is_in(enterprises.iter().copied()))
                .add(entity::user::Column::ConsultancyId.is_in(firms.iter().copied())),
        )
        .filter(super::is_constant(entity::user::Column::Disabled, false))
        .all(db)
        .await?)
}

/// A stored notification's facts.
pub fn params_of(found: &notification::Model) -> AppResult<Params> {
    serde_json::from_str(&found.params)
        .map_err(|e| AppError::internal(format!("stored facts of notification {}: {e}", found.id)))
}

/// The viewer's own notifications: addressed to their account, or to the expert it is.
fn addressed_to(viewer: &Viewer) -> AppResult<Condition> {
    let principal = viewer.require_user()?;
    let mut mine = Condition::any().add(notification::Column::UserId.eq(principal.user_id));
    if principal.role == Role::Expert
        && let Some(expert_id) = principal.expert_id
    {
        mine = mine.add(notification::Column::ExpertId.eq(expert_id));
    }
    Ok(mine)
}

/// The viewer's notifications, newest first.
pub async fn mine(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    unread_only: bool,
    mut page: PageRequest,
) -> AppResult<Page<notification::Model>> {
    let mut query = notification::Entity::find().filter(addressed_to(viewer)?);
    if unread_only {
        query = query.filter(notification::Column::ReadAt.is_null());
    }
    page.newest_first = true;
    fetch_page(db, query, notification::Column::Id, page).await
}

/// How many of the viewer's notifications are unread.
pub async fn unread_count(db: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<u64> {
    Ok(notification::Entity::find()
        .filter(addressed_to(viewer)?)
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks the viewer's notifications read: those given, or all. Ids of others' notifications
/// are not the viewer's to mark: NOT_FOUND, nothing marked. Answers how many were unread.
/// A reader's own marks change no registry data: no audit-log entry.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    ids: Option<Vec<Uuid>>,
) -> AppResult<u64> {
    let mine = addressed_to(viewer)?;
    let mut update = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(Utc::now())))
        .filter(mine.clone())
        .filter(notification::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        if ids.is_empty() || ids.len() > 500 {
            return Err(AppError::bad_input("ids", "give from 1 to 500 ids, or all"));
        }
        let found: std::collections::BTreeSet<Uuid> = notification::Entity::find()
            .filter(mine)
            .filter(notification::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|n| n.id)
            .collect();
        if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
            return Err(AppError::not_found("Notification", missing));
        }
        update = update.filter(notification::Column::Id.is_in(found));
    }
    Ok(update.exec(db).await?.rows_affected)
}
