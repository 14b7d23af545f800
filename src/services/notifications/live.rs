//! Live delivery: each notification, as it is written, to its reader's signed-in front ends
//! (the `notificationReceived` subscription).
//!
//! A notification is written by whichever instance made its event, inside that event's
//! transaction, so no instance hears of it from its own code: one poller per process reads
//! the newly written rows and fans them out through a broadcast channel to this process's
//! subscribers, each of which keeps its viewer's own. Every instance on one PostgreSQL thus
//! sees every notification, wherever it was written; SQLite works the same way.
//!
//! The poller runs only while someone is subscribed, reading every `CLEANPROD_LIVE_POLL_MS`.
//! Ids (uuid v7) and `created_at` are stamped before their transaction commits, so rows may
//! become visible out of order: each read looks [`OVERLAP`] back and remembers the ids it has
//! sent, so a row committed late is still sent, and none twice.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use entity::notification;
use futures_util::Stream;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::auth::token::Claims;
use crate::auth::{Principal, Viewer};
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::services::Services;
use crate::services::users::principal_for_token;

/// How far back each read looks: a row stamped this long before its commit becomes visible
/// (a slow transaction, or the clock of the instance that wrote it behind ours) is still sent.
pub const OVERLAP: TimeDelta = TimeDelta::seconds(120);
/// The first read also looks this far back before the first subscriber came, for a row
/// stamped just before and committed just after (sending one a little early is harmless; the
/// front end keys notifications by id).
const START_GRACE: TimeDelta = TimeDelta::seconds(5);
/// How many notifications a subscriber may fall behind before it skips some (logged).
const CHANNEL_CAPACITY: usize = 4096;
/// Ids fetched per statement: a reminder run may write thousands at once.
const FETCH_CHUNK: usize = 500;

/// A notification just written, as every subscriber of the process receives it.
pub type Written = Arc<notification::Model>;

/// The process's poller and its channel; cheap to clone (one per `Services`).
#[derive(Clone)]
pub struct LiveNotifications {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    every: Duration,
    sender: broadcast::Sender<Written>,
    /// The running poller, if any. Subscribing and the poller's decision to stop both hold
    /// this lock, so a subscriber arriving as the poller stops starts a new one.
    poller: Mutex<Option<JoinHandle<()>>>,
}

impl LiveNotifications {
    pub fn new(db: DatabaseConnection, every: Duration) -> LiveNotifications {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        LiveNotifications {
            inner: Arc::new(Inner {
                db,
                every,
                sender,
                poller: Mutex::new(None),
            }),
        }
    }

    /// Every notification written from now on, starting the poller if it is not running.
    pub fn subscribe(&self) -> broadcast::Receiver<Written> {
        let mut poller = lock(&self.inner.poller);
        let receiver = self.inner.sender.subscribe();
        // A finished handle: the runtime it ran on has shut down (a stopped worker).
        if poller.as_ref().is_none_or(|p| p.is_finished()) {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => *poller = Some(runtime.spawn(poll(self.inner.clone()))),
                Err(_) => tracing::error!("live notifications: no async runtime to poll on"),
            }
        }
        receiver
    }

    /// How many subscriptions of this process are listening.
    pub fn subscribers(&self) -> usize {
        self.inner.sender.receiver_count()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded handle stays valid if a holder panicked.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The poller: reads and fans out until nobody listens.
async fn poll(inner: Arc<Inner>) {
    let mut window = Window::new(Utc::now() - START_GRACE);
    let mut ticks = tokio::time::interval(inner.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        {
            let mut poller = lock(&inner.poller);
            if inner.sender.receiver_count() == 0 {
                if poller.as_ref().map(JoinHandle::id) == tokio::task::try_id() {
                    *poller = None;
                }
                return;
            }
        }
        match written_since(&inner.db, &mut window).await {
            Ok(rows) => {
                for row in rows {
                    // No receiver left is not an error: the next tick stops the poller.
                    let _ = inner.sender.send(Arc::new(row));
                }
            }
            // The database away or a statement failed: the next tick reads the same window.
            Err(error) => tracing::warn!(?error, "live notifications: read failed"),
        }
    }
}

/// The rows written since the last read that were not sent yet, oldest first; they count as
/// sent once returned.
async fn written_since(
    db: &DatabaseConnection,
    window: &mut Window,
) -> AppResult<Vec<notification::Model>> {
    let floor = window.floor(Utc::now());
    // Ids and times only: most reads find nothing new in the window.
    let stamped: Vec<(Uuid, DateTime<Utc>)> = notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .column(notification::Column::CreatedAt)
        .filter(notification::Column::CreatedAt.gte(floor))
        .into_tuple()
        .all(db)
        .await?;
    let fresh = window.unsent(floor, &stamped);
    let mut rows = Vec::with_capacity(fresh.len());
    for chunk in fresh.chunks(FETCH_CHUNK) {
        rows.extend(
            notification::Entity::find()
                .filter(notification::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    rows.sort_by_key(|row| (row.created_at, row.id));
    for row in &rows {
        window.sent(row.id, row.created_at);
    }
    Ok(rows)
}

/// What the poller has sent within its window of reading.
struct Window {
    /// Nothing stamped before this is read: the poller's start (less its grace).
    start: DateTime<Utc>,
    sent: HashMap<Uuid, DateTime<Utc>>,
}

impl Window {
    fn new(start: DateTime<Utc>) -> Window {
        Window {
            start,
            sent: HashMap::new(),
        }
    }

    /// Where a read at `now` begins.
    fn floor(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.start.max(now - OVERLAP)
    }

    /// Of the rows a read from `floor` found, those not sent yet. Forgets what lies below
    /// `floor`: no read returns it again, so the memory stays within the window.
    fn unsent(&mut self, floor: DateTime<Utc>, stamped: &[(Uuid, DateTime<Utc>)]) -> Vec<Uuid> {
        self.sent.retain(|_, at| *at >= floor);
        stamped
            .iter()
            .filter(|(id, _)| !self.sent.contains_key(id))
            .map(|(id, _)| *id)
            .collect()
    }

    fn sent(&mut self, id: Uuid, at: DateTime<Utc>) {
        self.sent.insert(id, at);
    }
}

/// Whether a notification is the principal's own: the rule of the `notifications` query
/// (addressed to their account, or to the expert it is), applied to a row in hand.
pub fn is_for(principal: &Principal, row: &notification::Model) -> bool {
    row.user_id == Some(principal.user_id)
        || (principal.role == Role::Expert
            && principal.expert_id.is_some()
            && row.expert_id == principal.expert_id)
}

/// The viewer's notifications as they are written, for as long as they stay signed in.
///
/// `token`: the claims the viewer signed in with on a long-lived connection. Each
/// notification is then only handed over after the token is checked again as a request's
/// would be (a user disabled or signed out since, a changed account), and the stream ends
/// with UNAUTHENTICATED when the token does, or expires.
pub fn received(
    s: &Services,
    viewer: &Viewer,
    token: Option<&Claims>,
) -> AppResult<impl Stream<Item = AppResult<Written>> + use<>> {
    let principal = viewer.require_user()?.clone();
    let expiry = token.map(|claims| {
        let left = claims.exp.saturating_sub(Utc::now().timestamp());
        let left = Duration::from_secs(u64::try_from(left).unwrap_or(0));
        Box::pin(tokio::time::sleep(left))
    });
    let listener = Listener {
        services: s.clone(),
        principal,
        token: token.map(|c| (c.sub, c.ver)),
        receiver: s.live.subscribe(),
        expiry,
        ended: false,
    };
    Ok(futures_util::stream::unfold(
        listener,
        |mut listener| async move {
            if listener.ended {
                return None;
            }
            let item = listener.next().await?;
            listener.ended = item.is_err();
            Some((item, listener))
        },
    ))
}

struct Listener {
    services: Services,
    principal: Principal,
    /// The token's user and version, checked again before each delivery.
    token: Option<(Uuid, i32)>,
    receiver: broadcast::Receiver<Written>,
    expiry: Option<Pin<Box<tokio::time::Sleep>>>,
    ended: bool,
}

impl Listener {
    /// The next notification of the viewer's; an error ends the stream, `None` the channel.
    async fn next(&mut self) -> Option<AppResult<Written>> {
        loop {
            let received = match self.expiry.as_mut() {
                Some(expiry) => tokio::select! {
                    received = self.receiver.recv() => received,
                    () = expiry.as_mut() => return Some(Err(expired())),
                },
                None => self.receiver.recv().await,
            };
            let row = match received {
                Ok(row) => row,
                Err(RecvError::Lagged(skipped)) => {
                    // The front end re-reads `notifications` when it needs to be sure.
                    tracing::warn!(
                        skipped,
                        user = %self.principal.user_id,
                        "live notifications: a subscriber fell behind and skipped some"
                    );
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            if !is_for(&self.principal, &row) {
                continue;
            }
            if let Some((user_id, version)) = self.token {
                match principal_for_token(&self.services, user_id, version).await {
                    Ok(principal) => self.principal = principal,
                    Err(error) => return Some(Err(error)),
                }
                if !is_for(&self.principal, &row) {
                    continue;
                }
            }
            return Some(Ok(row));
        }
    }
}

fn expired() -> AppError {
    AppError::Unauthenticated("invalid or expired token".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NotificationKind;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("a valid time")
    }

    #[test]
    fn a_row_committed_late_is_sent_once() {
        let start = at(0);
        let mut window = Window::new(start);
        let (a, b, late) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let floor = window.floor(at(10));
        assert_eq!(floor, start, "the window starts no earlier than the poller");
        assert_eq!(window.unsent(floor, &[(a, at(5)), (b, at(6))]), vec![a, b]);
        window.sent(a, at(5));
        window.sent(b, at(6));
        // The next read finds a row stamped before both, committed after them.
        let floor = window.floor(at(11));
        assert_eq!(
            window.unsent(floor, &[(late, at(4)), (a, at(5)), (b, at(6))]),
            vec![late]
        );
        window.sent(late, at(4));
        assert!(
            window
                .unsent(floor, &[(late, at(4)), (a, at(5)), (b, at(6))])
                .is_empty()
        );
    }

    #[test]
    fn the_window_forgets_what_it_no_longer_reads() {
        let mut window = Window::new(at(0));
        let old = Uuid::now_v7();
        window.sent(old, at(1));
        let later = at(1) + OVERLAP + TimeDelta::seconds(1);
        let floor = window.floor(later);
        assert_eq!(floor, later - OVERLAP);
        assert!(window.unsent(floor, &[]).is_empty());
        assert!(window.sent.is_empty());
    }

    fn principal(role: Role, expert_id: Option<Uuid>) -> Principal {
        Principal {
            user_id: Uuid::now_v7(),
            username: "u".into(),
            role,
            city_code: None,
            county: None,
            expert_id,
            consultancy_id: None,
            enterprise_id: None,
        }
    }

    fn row(user_id: Option<Uuid>, expert_id: Option<Uuid>) -> notification::Model {
        notification::Model {
            id: Uuid::now_v7(),
            user_id,
            expert_id,
            kind: NotificationKind::PanelInvitation,
            params: "{}".into(),
            subject_type: "PanelSeat".into(),
            subject_id: Uuid::now_v7(),
            created_at: at(0),
            read_at: None,
            dispatched_at: None,
            dedupe_key: None,
        }
    }

    #[test]
    fn only_the_viewers_own_are_kept() {
        let expert_id = Uuid::now_v7();
        let expert = principal(Role::Expert, Some(expert_id));
        assert!(is_for(&expert, &row(Some(expert.user_id), None)));
        assert!(is_for(&expert, &row(None, Some(expert_id))));
        assert!(!is_for(&expert, &row(Some(Uuid::now_v7()), None)));
        assert!(!is_for(&expert, &row(None, Some(Uuid::now_v7()))));
        assert!(!is_for(&expert, &row(None, None)));
        // The expert link counts for an EXPERT account only.
        let admin = principal(Role::CityAdmin, Some(expert_id));
        assert!(!is_for(&admin, &row(None, Some(expert_id))));
    }
}
