//! E-mail and SMS delivery: an outbox worked by every instance.
//!
//! A notification is written in its event's transaction with no deliveries
//! (`dispatched_at` empty): the notification is the outbox entry. A worker then
//! 1. **dispatches** it: writes one delivery per channel it goes out on (the server's
//!    channels ∩ the province's allowance ∩ the recipient's choice ∩ an address on file);
//!    the pair (notification, channel) is unique, so no channel gets two;
//! 2. **claims** due deliveries (PENDING, due now): marks them SENDING under its instance
//!    name and counts the try, in a transaction that skips rows another instance holds
//!    (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer at a time);
//! 3. **sends** each and records SENT, or PENDING again after a back-off, or FAILED when
//!    the tries are used up (`rules::delivery::after_failure`);
//! 4. **reaps**: a claim older than the lease belongs to a worker that stopped mid-send.
//!    Whether its message left is unknown, so it is FAILED, never sent again by itself:
//!    at most once. An administrator sees FAILED deliveries and may resend one.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::{
    expert, notification, notification_channel_policy, notification_delivery as delivery,
    notification_preference, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, UpdateMany,
    sea_query::{LockBehavior, LockType},
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{DeliveryStatus, NotificationChannel, NotificationKind};
use crate::error::{AppError, AppResult};
use crate::rules::delivery::{AfterFailure, after_failure, channels_for, parse_channels};
use crate::services::bulk::insert_statements;
use crate::services::pagination::{Page, PageRequest, fetch_page};
use crate::services::{Services, audit_log, keyed_by_id, versioned};

use super::transport::{Outgoing, Transports};
use super::{compose, params_of, render, seat_links};

/// Notifications dispatched, and deliveries claimed, per run.
const BATCH: u64 = 100;

/// What one run of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Deliveries written for newly dispatched notifications.
    pub dispatched: u64,
    pub sent: u64,
    /// Failed tries that will be tried again.
    pub retried: u64,
    /// Failed tries that were the last.
    pub failed: u64,
    /// Claims of a stopped worker, now FAILED with their outcome unknown.
    pub interrupted: u64,
}

/// One instance's delivery worker.
pub struct DeliveryWorker {
    services: Services,
    transports: Arc<Transports>,
    instance: String,
}

impl DeliveryWorker {
    /// A worker named `instance` (unique per running process: claims carry it).
    pub fn new(services: Services, instance: impl Into<String>) -> AppResult<DeliveryWorker> {
        let transports = Arc::new(Transports::from_settings(&services.config.delivery)?);
        Ok(DeliveryWorker {
            services,
            transports,
            instance: instance.into(),
        })
    }

    /// Runs until the process ends, every poll interval.
    pub async fn run(self) {
        let mut ticker = tokio::time::interval(self.services.config.delivery.poll);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match self.run_once(Utc::now()).await {
                Ok(tally) if tally != Tally::default() => {
                    tracing::info!(?tally, "notification deliveries");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "notification delivery run failed"),
            }
        }
    }

    /// One pass: reap stopped workers' claims, dispatch new notifications, send what is due.
    pub async fn run_once(&self, now: DateTime<Utc>) -> AppResult<Tally> {
        let mut tally = Tally {
            interrupted: self.reap_interrupted(now).await?,
            dispatched: self.dispatch_new(now).await?,
            ..Default::default()
        };
        let claimed = self.claim_due(now, BATCH).await?;
        for claim in claimed {
            match self.deliver(&claim, now).await? {
                Finished::Sent => tally.sent += 1,
                Finished::Retry => tally.retried += 1,
                Finished::Failed => tally.failed += 1,
                Finished::LostClaim => {}
            }
        }
        Ok(tally)
    }

    /// Writes the deliveries of notifications not yet dispatched.
    pub async fn dispatch_new(&self, now: DateTime<Utc>) -> AppResult<u64> {
        let db = &self.services.db;
        let txn = begin_write(db).await?;
        let mut query = notification::Entity::find()
            .filter(notification::Column::DispatchedAt.is_null())
            .order_by_asc(notification::Column::Id)
            .limit(BATCH);
        if db.get_database_backend() == DbBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let pending = query.all(&txn).await?;
        if pending.is_empty() {
            txn.commit().await?;
            return Ok(0);
        }
        let configured = self.transports.configured();
        let rows = if configured.is_empty() {
            Vec::new()
        } else {
            planned_deliveries(&txn, &pending, &configured, now).await?
        };
        let mut written = 0;
        let once =
            OnConflict::columns([delivery::Column::NotificationId, delivery::Column::Channel])
                .do_nothing()
                .to_owned();
        for mut insert in insert_statements(db.get_database_backend(), rows) {
            insert.on_conflict(once.clone());
            written += txn.execute(&insert).await?.rows_affected();
        }
        notification::Entity::update_many()
            .col_expr(notification::Column::DispatchedAt, Expr::value(Some(now)))
            .filter(notification::Column::Id.is_in(pending.iter().map(|n| n.id)))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(written)
    }

    /// Claims up to `limit` due deliveries for this instance (SENDING, one more try).
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> AppResult<Vec<delivery::Model>> {
        let db = &self.services.db;
        let txn = begin_write(db).await?;
        let mut query = delivery::Entity::find()
            .filter(delivery::Column::Status.eq(DeliveryStatus::Pending))
            .filter(delivery::Column::NextAttemptAt.lte(now))
            .order_by_asc(delivery::Column::NextAttemptAt)
            .limit(limit);
        if db.get_database_backend() == DbBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let mut due = query.all(&txn).await?;
        if due.is_empty() {
            txn.commit().await?;
            return Ok(due);
        }
        delivery::Entity::update_many()
            .col_expr(
                delivery::Column::Status,
                Expr::value(DeliveryStatus::Sending),
            )
            .col_expr(
                delivery::Column::Attempts,
                Expr::col(delivery::Column::Attempts).add(Expr::value(1)),
            )
            .col_expr(delivery::Column::ClaimedAt, Expr::value(Some(now)))
            .col_expr(
                delivery::Column::ClaimedBy,
                Expr::value(Some(self.instance.clone())),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
            .filter(delivery::Column::Id.is_in(due.iter().map(|d| d.id)))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        for d in &mut due {
            d.status = DeliveryStatus::Sending;
            d.attempts += 1;
            d.claimed_at = Some(now);
            d.claimed_by = Some(self.instance.clone());
        }
        Ok(due)
    }

    /// FAILED for claims older than the lease: their worker stopped mid-send.
    pub async fn reap_interrupted(&self, now: DateTime<Utc>) -> AppResult<u64> {
        let lease = chrono::Duration::from_std(self.services.config.delivery.lease)
            .map_err(|e| AppError::internal(format!("delivery lease: {e}")))?;
        let reaped = delivery::Entity::update_many()
            .col_expr(
                delivery::Column::Status,
                Expr::value(DeliveryStatus::Failed),
            )
            .col_expr(
                delivery::Column::LastError,
                Expr::value(Some(INTERRUPTED.to_owned())),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
            .filter(delivery::Column::Status.eq(DeliveryStatus::Sending))
            .filter(delivery::Column::ClaimedAt.lt(now - lease))
            .exec(&self.services.db)
            .await?
            .rows_affected;
        for _ in 0..reaped {
            self.services.metrics.observe_delivery("any", "interrupted");
        }
        Ok(reaped)
    }

    /// Sends one claimed delivery and records how it went.
    async fn deliver(&self, claim: &delivery::Model, now: DateTime<Utc>) -> AppResult<Finished> {
        // The lease runs from the start of this send, not from the claim of the batch: a
        // claim still waiting its turn behind slow sends is not taken for a stopped worker's.
        if !self.renew(claim, now).await? {
            return Ok(Finished::LostClaim);
        }
        let result = match self.outgoing(claim, now).await? {
            Ok(message) => self.transports.send(claim.channel, &message).await,
            Err(reason) => Err(reason),
        };
        let settings = &self.services.config.delivery;
        let (status, next, error, sent_at, finished) = match result {
            Ok(()) => (
                DeliveryStatus::Sent,
                now,
                None,
                Some(Utc::now()),
                Finished::Sent,
            ),
            Err(e) => {
                let attempts = u32::try_from(claim.attempts).unwrap_or(u32::MAX);
                match after_failure(attempts, settings.max_attempts, settings.backoff) {
                    AfterFailure::RetryIn(wait) => (
                        DeliveryStatus::Pending,
                        now + chrono::Duration::from_std(wait).unwrap_or_default(),
                        Some(e),
                        None,
                        Finished::Retry,
                    ),
                    AfterFailure::GiveUp => {
                        (DeliveryStatus::Failed, now, Some(e), None, Finished::Failed)
                    }
                }
            }
        };
        // Only while the claim is still this worker's: a reaped claim stays FAILED.
        let outcome = delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::value(status))
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(next))
            .col_expr(delivery::Column::LastError, Expr::value(error))
            .col_expr(delivery::Column::SentAt, Expr::value(sent_at))
            .col_expr(delivery::Column::UpdatedAt, Expr::value(Utc::now()));
        if self.update_own_claim(outcome, claim).await? == 0 {
            return Ok(Finished::LostClaim);
        }
        self.services
            .metrics
            .observe_delivery(claim.channel.as_str(), finished.outcome());
        Ok(finished)
    }

    /// Restamps this worker's claim; `false` when it is no longer this worker's (reaped).
    async fn renew(&self, claim: &delivery::Model, now: DateTime<Utc>) -> AppResult<bool> {
        let renewal = delivery::Entity::update_many().col_expr(
            delivery::Column::ClaimedAt,
            Expr::value(Some(Ord::max(now, Utc::now()))),
        );
        Ok(self.update_own_claim(renewal, claim).await? == 1)
    }

    /// Runs `update` on `claim` only while the claim is still this worker's (SENDING and
    /// claimed by this instance); the rows it changed (0: the claim was reaped).
    async fn update_own_claim(
        &self,
        update: UpdateMany<delivery::Entity>,
        claim: &delivery::Model,
    ) -> AppResult<u64> {
        Ok(update
            .filter(delivery::Column::Id.eq(claim.id))
            .filter(delivery::Column::Status.eq(DeliveryStatus::Sending))
            .filter(delivery::Column::ClaimedBy.eq(self.instance.clone()))
            .exec(&self.services.db)
            .await?
            .rows_affected)
    }

    /// The message a delivery carries; `Err` (a reason) when it cannot be made.
    async fn outgoing(
        &self,
        claim: &delivery::Model,
        now: DateTime<Utc>,
    ) -> AppResult<Result<Outgoing, String>> {
        let db = &self.services.db;
        let Some(found) = notification::Entity::find_by_id(claim.notification_id)
            .one(db)
            .await?
        else {
            return Ok(Err("the notification no longer exists".to_owned()));
        };
        let params = params_of(&found)?;
        let Some((title, body)) = render(found.kind, &params) else {
            return Ok(Err(
                "the notification's facts do not fit its kind".to_owned()
            ));
        };
        let Some(address) = self.address(&found, claim.channel).await? else {
            return Ok(Err(format!(
                "the recipient has no {} address",
                claim.channel.as_str()
            )));
        };
        let link = match (found.kind, params.seat_id, found.expert_id) {
            (NotificationKind::PanelInvitation, Some(seat_id), Some(expert_id)) => {
                Some(seat_links::issue(&self.services, seat_id, expert_id, claim.id, now).await?)
            }
            _ => None,
        };
        let (subject, text) = compose::message(claim.channel, &title, &body, link.as_deref());
        Ok(Ok(Outgoing {
            delivery_id: claim.id,
            kind: found.kind,
            to: address,
            subject,
            text,
        }))
    }

    /// The recipient's current address for the channel.
    async fn address(
        &self,
        found: &notification::Model,
        channel: NotificationChannel,
    ) -> AppResult<Option<String>> {
        let db = &self.services.db;
        let keys = &self.services.data_keys;
        let (email, phone) = if let Some(expert_id) = found.expert_id {
            match expert::Entity::find_by_id(expert_id).one(db).await? {
                Some(e) => (e.email, Some(e.phone)),
                None => (None, None),
            }
        } else if let Some(user_id) = found.user_id {
            match user::Entity::find_by_id(user_id).one(db).await? {
                Some(u) if !u.disabled => (u.email, u.phone),
                _ => (None, None),
            }
        } else {
            (None, None)
        };
        Ok(match channel {
            NotificationChannel::Email => email.filter(|e| !e.is_empty()),
            NotificationChannel::Sms => match phone.filter(|p| !p.is_empty()) {
                Some(stored) => Some(keys.decrypt(&stored)?),
                None => None,
            },
        })
    }
}

const INTERRUPTED: &str = "interrupted: its worker stopped while sending; whether it arrived is unknown, so it is not sent again by itself";

enum Finished {
    Sent,
    Retry,
    Failed,
    /// The claim was reaped meanwhile: nothing recorded (it stays FAILED).
    LostClaim,
}

impl Finished {
    fn outcome(&self) -> &'static str {
        match self {
            Finished::Sent => "sent",
            Finished::Retry => "retry",
            Finished::Failed => "failed",
            Finished::LostClaim => "lost_claim",
        }
    }
}

/// The deliveries of these notifications: per recipient and kind, the channels of
/// `rules::delivery::channels_for`.
async fn planned_deliveries(
    txn: &impl ConnectionTrait,
    pending: &[notification::Model],
    configured: &[NotificationChannel],
    now: DateTime<Utc>,
) -> AppResult<Vec<delivery::ActiveModel>> {
    let allowed: HashMap<NotificationKind, Vec<NotificationChannel>> =
        notification_channel_policy::Entity::find()
            .all(txn)
            .await?
            .into_iter()
            .map(|p| Ok((p.kind, stored_channels(&p.channels)?)))
            .collect::<AppResult<_>>()?;
    let user_ids: HashSet<Uuid> = pending.iter().filter_map(|n| n.user_id).collect();
    let expert_ids: HashSet<Uuid> = pending.iter().filter_map(|n| n.expert_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids.iter().copied()))
        .all(txn)
        .await?;
    let experts = expert::Entity::find()
        .filter(expert::Column::Id.is_in(expert_ids.iter().copied()))
        .all(txn)
        .await?;
    // An expert's choices are their account's, when they have one.
    let expert_accounts: HashMap<Uuid, Uuid> = user::Entity::find()
        .filter(user::Column::ExpertId.is_in(expert_ids.iter().copied()))
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|u| Some((u.expert_id?, u.id)))
        .collect();
    let chooser_ids: Vec<Uuid> = user_ids
        .iter()
        .copied()
        .chain(expert_accounts.values().copied())
        .collect();
    let chosen: HashMap<(Uuid, NotificationKind), Vec<NotificationChannel>> =
        notification_preference::Entity::find()
            .filter(notification_preference::Column::UserId.is_in(chooser_ids))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| Ok(((p.user_id, p.kind), stored_channels(&p.channels)?)))
            .collect::<AppResult<_>>()?;
    // Which addresses exist (read when sending, so a corrected address is the one used).
    let mut addresses: HashMap<Uuid, (bool, bool)> = HashMap::new();
    for u in &users {
        let live = !u.disabled;
        addresses.insert(
            u.id,
            (
                live && u.email.as_deref().is_some_and(|e| !e.is_empty()),
                live && u.phone.as_deref().is_some_and(|p| !p.is_empty()),
            ),
        );
    }
    for e in &experts {
        addresses.insert(
            e.id,
            (
                e.email.as_deref().is_some_and(|m| !m.is_empty()),
                !e.phone.is_empty(),
            ),
        );
    }
    let mut rows = Vec::new();
    for n in pending {
        let (person, chooser) = match (n.user_id, n.expert_id) {
            (_, Some(expert_id)) => (expert_id, expert_accounts.get(&expert_id).copied()),
            (Some(user_id), None) => (user_id, Some(user_id)),
            (None, None) => continue,
        };
        let (has_email, has_phone) = addresses.get(&person).copied().unwrap_or_default();
        let channels = channels_for(
            configured,
            allowed.get(&n.kind).map(Vec::as_slice),
            chooser
                .and_then(|c| chosen.get(&(c, n.kind)))
                .map(Vec::as_slice),
            |c| match c {
                NotificationChannel::Email => has_email,
                NotificationChannel::Sms => has_phone,
            },
        );
        for channel in channels {
            rows.push(delivery::ActiveModel {
                id: Set(Uuid::now_v7()),
                notification_id: Set(n.id),
                channel: Set(channel),
                status: Set(DeliveryStatus::Pending),
                attempts: Set(0),
                next_attempt_at: Set(now),
                claimed_at: Set(None),
                claimed_by: Set(None),
                last_error: Set(None),
                sent_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
    }
    Ok(rows)
}

pub(super) fn stored_channels(text: &str) -> AppResult<Vec<NotificationChannel>> {
    parse_channels(text)
        .ok_or_else(|| AppError::internal(format!("stored channels {text:?} are unknown")))
}

/// Filter for the administrators' list.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub channel: Option<NotificationChannel>,
}

/// A delivery as an administrator sees it: with its notification and whom it was for.
#[derive(Clone, Debug)]
pub struct DeliveryView {
    pub delivery: delivery::Model,
    pub notification: notification::Model,
    /// The recipient's name (an expert's) or user name.
    pub recipient: String,
    /// The current address, masked; `None` when there is none.
    pub address: Option<String>,
}

/// Deliveries, newest first (the province's administrators).
pub async fn list(
    services: &Services,
    viewer: &Viewer,
    filter: DeliveryFilter,
    mut page: PageRequest,
) -> AppResult<Page<DeliveryView>> {
    viewer.require_province_admin()?;
    let db = &services.db;
    let mut query = delivery::Entity::find();
    if let Some(status) = filter.status {
        query = query.filter(delivery::Column::Status.eq(status));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(delivery::Column::Channel.eq(channel));
    }
    page.newest_first = true;
    let found = fetch_page(db, query, delivery::Column::Id, page).await?;
    let notification_ids: Vec<Uuid> = found.items.iter().map(|d| d.notification_id).collect();
    let notifications = keyed_by_id::<notification::Entity>(db, &notification_ids).await?;
    let user_ids: Vec<Uuid> = notifications.values().filter_map(|n| n.user_id).collect();
    let users = keyed_by_id::<user::Entity>(db, &user_ids).await?;
    let expert_ids: Vec<Uuid> = notifications.values().filter_map(|n| n.expert_id).collect();
    let experts = keyed_by_id::<expert::Entity>(db, &expert_ids).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for d in &found.items {
        let n = notifications
            .get(&d.notification_id)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("delivery {} has no notification", d.id)))?;
        let (recipient, email, phone) = if let Some(e) = n.expert_id.and_then(|id| experts.get(&id))
        {
            (e.name.clone(), e.email.clone(), Some(e.phone.clone()))
        } else if let Some(u) = n.user_id.and_then(|id| users.get(&id)) {
            (u.username.clone(), u.email.clone(), u.phone.clone())
        } else {
            (String::new(), None, None)
        };
        let address = match d.channel {
            NotificationChannel::Email => email,
            NotificationChannel::Sms => match phone {
                Some(stored) => Some(services.data_keys.decrypt(&stored)?),
                None => None,
            },
        }
        .map(|a| crate::rules::delivery::mask_address(d.channel, &a));
        items.push(DeliveryView {
            delivery: d.clone(),
            notification: n,
            recipient,
            address,
        });
    }
    Ok(Page {
        items,
        has_next_page: found.has_next_page,
        has_previous_page: found.has_previous_page,
        total_count: found.total_count,
    })
}

/// Sends a FAILED delivery again (a province administrator): PENDING, due now, with its
/// tries counted afresh.
pub async fn resend(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<delivery::Model> {
    viewer.require_province_admin()?;
    let txn = begin_write(db).await?;
    let found = delivery::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("NotificationDelivery", id))?;
    if found.status != DeliveryStatus::Failed {
        return Err(AppError::bad_input(
            "id",
            "only a FAILED delivery can be sent again",
        ));
    }
    let now = Utc::now();
    let update = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Pending),
        )
        .col_expr(delivery::Column::Attempts, Expr::value(0))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            delivery::Column::ClaimedAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(delivery::Column::ClaimedBy, Expr::value(None::<String>))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Failed));
    versioned::write_guarded(&txn, update, || {
        AppError::conflict("the delivery changed meanwhile; read it again")
    })
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "resendNotificationDelivery",
        "NotificationDelivery",
        Some(id.to_string()),
        json!({ "channel": found.channel.as_str(), "lastError": found.last_error }),
    )
    .await?;
    Ok(delivery::Model {
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        claimed_at: None,
        claimed_by: None,
        updated_at: now,
        ..found
    })
}
