//! The viewer's own notifications (`services::notifications`), read and marked, and as they
//! are written (`notificationReceived`, over the WebSocket: `http::graphql_ws`).

use async_graphql::{Context, ID, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use entity::notification;
use futures_util::{Stream, StreamExt};

use crate::auth::token::Claims;
use crate::domain::NotificationKind;
use crate::error::AppError;
use crate::services::notifications::{self, live, params_of, render};

use super::context::{services, viewer};
use super::pagination::page_args;
use super::scalars::{id_of, parse_id};

/// One notification, its text from the repository's templates.
pub struct Notification(pub notification::Model);

crate::connection_type!(NotificationConnection, NotificationEdge, Notification);

impl Notification {
    fn text(&self) -> Result<(String, String)> {
        render(self.0.kind, &params_of(&self.0)?).ok_or_else(|| {
            AppError::internal(format!(
                "notification {} has facts of another kind",
                self.0.id
            ))
            .into()
        })
    }
}

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    async fn kind(&self) -> NotificationKind {
        self.0.kind
    }
    async fn title(&self) -> Result<String> {
        Ok(self.text()?.0)
    }
    async fn body(&self) -> Result<String> {
        Ok(self.text()?.1)
    }
    /// The record it is about (`PanelSeat`, `Review`) and its id, for the front end's link.
    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }
    async fn subject_id(&self) -> ID {
        id_of(self.0.subject_id)
    }
    /// The review it is about, if any.
    async fn review_id(&self) -> Result<Option<ID>> {
        Ok(params_of(&self.0)?.review.map(|r| id_of(r.review_id)))
    }
    /// The audit it is about, if any.
    async fn audit_id(&self) -> Result<Option<ID>> {
        Ok(params_of(&self.0)?.extension.map(|e| id_of(e.audit_id)))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
}

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The viewer's notifications, newest first (any signed-in user: their own only).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] unread_only: bool,
    ) -> Result<NotificationConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let found = notifications::mine(&s.db, viewer(ctx), unread_only, page).await?;
        Ok(NotificationConnection::of_rows(
            found,
            |n| n.id,
            Notification,
        ))
    }

    /// How many of the viewer's notifications are unread.
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let count = notifications::unread_count(&services(ctx)?.db, viewer(ctx)).await?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks the viewer's notifications read: `ids` (1–500 of their own), or `all: true`.
    /// Answers how many were unread.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
        #[graphql(default)] all: bool,
    ) -> Result<i32> {
        let ids = match (ids, all) {
            (Some(_), true) | (None, false) => {
                return Err(AppError::bad_input("ids", "give the ids, or all: true").into());
            }
            (Some(ids), false) => Some(
                ids.iter()
                    .map(|id| parse_id("ids", id))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            (None, true) => None,
        };
        let marked = notifications::mark_read(&services(ctx)?.db, viewer(ctx), ids).await?;
        Ok(i32::try_from(marked).unwrap_or(i32::MAX))
    }
}

#[derive(Default)]
pub struct NotificationSubscription;

#[Subscription]
impl NotificationSubscription {
    /// The viewer's notifications as they are written, whichever server instance wrote them,
    /// within about a second (`CLEANPROD_LIVE_POLL_MS`) of their commit (any signed-in user:
    /// their own only). The socket signs in with `connection_init`'s payload
    /// `{"authorization": "Bearer <token>"}`. Ends with UNAUTHENTICATED when the token expires,
    /// or at the next notification once it is revoked. A subscriber that falls far behind
    /// misses some (re-read `notifications`).
    async fn notification_received(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Notification>> + use<>> {
        let token = ctx.data_opt::<Claims>();
        let received = live::received(services(ctx)?, viewer(ctx), token)?;
        Ok(received.map(|row| Ok(Notification(row?.as_ref().clone()))))
    }
}
