//! E-mail and SMS delivery of notifications (`services::notifications::{channels,
//! deliveries, seat_links}`): channel choices, contact addresses, failed deliveries and
//! their resend, and answering a seat from an invitation's link without signing in.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{DeliveryStatus, NotificationChannel, NotificationKind, SeatStatus};
use crate::services::notifications::channels::{self, ChannelChoice, ChannelPolicy};
use crate::services::notifications::deliveries::{self, DeliveryFilter, DeliveryView};
use crate::services::notifications::seat_links::{self, LinkView};

use super::context::{services, viewer};
use super::notifications::Notification;
use super::pagination::page_args;
use super::scalars::{id_of, parse_id};
use super::users::User;

/// One kind's channels for the viewer.
#[derive(SimpleObject)]
pub struct NotificationChannelChoice {
    pub kind: NotificationKind,
    /// What may carry this kind: configured on the server and allowed by the province.
    pub allowed: Vec<NotificationChannel>,
    /// What the viewer chose within it (all of it until they choose). In-app always.
    pub chosen: Vec<NotificationChannel>,
}

impl From<ChannelChoice> for NotificationChannelChoice {
    fn from(c: ChannelChoice) -> Self {
        NotificationChannelChoice {
            kind: c.kind,
            allowed: c.allowed,
            chosen: c.chosen,
        }
    }
}

/// The province's rule for one kind.
#[derive(SimpleObject)]
pub struct NotificationChannelPolicy {
    pub kind: NotificationKind,
    /// Channels allowed for the kind (every channel when no rule was set).
    pub channels: Vec<NotificationChannel>,
    /// Whether the province set a rule for it.
    pub set: bool,
}

impl From<ChannelPolicy> for NotificationChannelPolicy {
    fn from(p: ChannelPolicy) -> Self {
        NotificationChannelPolicy {
            kind: p.kind,
            channels: p.channels,
            set: p.set,
        }
    }
}

/// One notification on one channel, as an administrator sees it.
pub struct NotificationDelivery(pub DeliveryView);

crate::connection_type!(
    NotificationDeliveryConnection,
    NotificationDeliveryEdge,
    NotificationDelivery
);

#[Object]
impl NotificationDelivery {
    async fn id(&self) -> ID {
        id_of(self.0.delivery.id)
    }
    async fn channel(&self) -> NotificationChannel {
        self.0.delivery.channel
    }
    async fn status(&self) -> DeliveryStatus {
        self.0.delivery.status
    }
    /// Tries started (a resend counts afresh).
    async fn attempts(&self) -> i32 {
        self.0.delivery.attempts
    }
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.delivery.next_attempt_at
    }
    /// Why the last try failed (the mail server's or gateway's answer).
    async fn last_error(&self) -> Option<&str> {
        self.0.delivery.last_error.as_deref()
    }
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivery.sent_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.delivery.created_at
    }
    /// The recipient: an expert's name, or a user name.
    async fn recipient(&self) -> &str {
        &self.0.recipient
    }
    /// The recipient's current address for the channel, masked.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    async fn notification(&self) -> Notification {
        Notification(self.0.notification.clone())
    }
}

#[derive(InputObject, Default)]
pub struct NotificationDeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub channel: Option<NotificationChannel>,
}

/// The invitation a seat link answers, shown before it is used.
pub struct SeatLinkInvitation(LinkView);

#[Object]
impl SeatLinkInvitation {
    async fn seat_id(&self) -> ID {
        id_of(self.0.seat.id)
    }
    /// The seat now: only an INVITED seat can be answered.
    async fn status(&self) -> SeatStatus {
        self.0.seat.status
    }
    async fn review_date(&self) -> NaiveDate {
        self.0.seat.review_date
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.link.expires_at
    }
}

/// A seat answered through its link.
#[derive(SimpleObject)]
pub struct SeatLinkAnswer {
    pub seat_id: ID,
    pub status: SeatStatus,
    pub responded_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct NotificationDeliveryQuery;

#[Object]
impl NotificationDeliveryQuery {
    /// The viewer's channels per kind (any signed-in user).
    async fn my_notification_channels(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<NotificationChannelChoice>> {
        let found = channels::my_choices(services(ctx)?, viewer(ctx)).await?;
        Ok(found.into_iter().map(Into::into).collect())
    }

    /// The channels the province allows per kind (province administrators).
    async fn notification_channel_policy(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<NotificationChannelPolicy>> {
        let found = channels::channel_policy(services(ctx)?, viewer(ctx)).await?;
        Ok(found.into_iter().map(Into::into).collect())
    }

    /// E-mail and SMS deliveries, newest first; `status: FAILED` for those given up
    /// (province administrators).
    async fn notification_deliveries(
        &self,
        ctx: &Context<'_>,
        filter: Option<NotificationDeliveryFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<NotificationDeliveryConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let found = deliveries::list(
            s,
            viewer(ctx),
            DeliveryFilter {
                status: filter.status,
                channel: filter.channel,
            },
            page,
        )
        .await?;
        Ok(NotificationDeliveryConnection::of_rows(
            found,
            |d| d.delivery.id,
            NotificationDelivery,
        ))
    }

    /// The invitation behind a seat link, without using it (no sign-in: the token is the
    /// credential). Refused when the link is altered, expired or used.
    async fn seat_link(&self, ctx: &Context<'_>, token: String) -> Result<SeatLinkInvitation> {
        Ok(SeatLinkInvitation(
            seat_links::view(services(ctx)?, &token).await?,
        ))
    }
}

#[derive(Default)]
pub struct NotificationDeliveryMutation;

#[Object]
impl NotificationDeliveryMutation {
    /// Chooses the channels for a kind within `myNotificationChannels`' `allowed` (empty:
    /// in-app only).
    async fn choose_notification_channels(
        &self,
        ctx: &Context<'_>,
        kind: NotificationKind,
        channels: Vec<NotificationChannel>,
    ) -> Result<NotificationChannelChoice> {
        let chosen = channels::choose_channels(services(ctx)?, viewer(ctx), kind, channels).await?;
        Ok(chosen.into())
    }

    /// Sets the channels the province allows for a kind (province administrators).
    async fn set_notification_channel_policy(
        &self,
        ctx: &Context<'_>,
        kind: NotificationKind,
        channels: Vec<NotificationChannel>,
    ) -> Result<NotificationChannelPolicy> {
        let set = channels::set_channel_policy(services(ctx)?, viewer(ctx), kind, channels).await?;
        Ok(set.into())
    }

    /// The e-mail address and mobile number notifications go to (the viewer's own account;
    /// an empty string clears one).
    async fn update_my_contact(
        &self,
        ctx: &Context<'_>,
        email: Option<String>,
        phone: Option<String>,
    ) -> Result<User> {
        let saved = channels::update_my_contact(services(ctx)?, viewer(ctx), email, phone).await?;
        Ok(User(saved))
    }

    /// Sends a FAILED delivery again (province administrators).
    async fn resend_notification_delivery(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<NotificationDeliveryStatus> {
        let s = services(ctx)?;
        let id = parse_id("id", &id)?;
        let saved = deliveries::resend(&s.db, viewer(ctx), id).await?;
        Ok(NotificationDeliveryStatus {
            id: id_of(saved.id),
            status: saved.status,
            attempts: saved.attempts,
            next_attempt_at: saved.next_attempt_at,
        })
    }

    /// Accepts or declines a seat from the link in its invitation, without signing in: the
    /// rules of `respondToPanelSeat`; the link works once, until it expires.
    async fn respond_to_panel_seat_by_link(
        &self,
        ctx: &Context<'_>,
        token: String,
        accept: bool,
        reason: Option<String>,
    ) -> Result<SeatLinkAnswer> {
        let seat = seat_links::answer(services(ctx)?, &token, accept, reason).await?;
        Ok(SeatLinkAnswer {
            seat_id: id_of(seat.id),
            status: seat.status,
            responded_at: seat.responded_at,
        })
    }
}

/// A delivery's state after a resend.
#[derive(SimpleObject)]
pub struct NotificationDeliveryStatus {
    pub id: ID,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
}
