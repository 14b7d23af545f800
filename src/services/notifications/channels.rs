//! Which channels carry which notifications: the province's allowance per kind, each user's
//! choice within it, and the addresses on a user's account. In-app notifications are always
//! written; these decide e-mail and SMS (see `deliveries`).

use chrono::Utc;
use entity::{notification_channel_policy as policy, notification_preference as preference, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{NotificationChannel, NotificationKind};
use crate::error::{AppError, AppResult};
use crate::rules::delivery::{channels_text, looks_like_email};
use crate::services::text::{optional_text, phone_number};
use crate::services::{Services, audit_log};

use super::deliveries::stored_channels;
use super::transport::configured_channels;

/// One kind's channels for one user: what may carry it and what they chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelChoice {
    pub kind: NotificationKind,
    /// Configured on this server and allowed by the province.
    pub allowed: Vec<NotificationChannel>,
    /// The user's choice within `allowed` (all of it until they choose).
    pub chosen: Vec<NotificationChannel>,
}

/// The province's rule for one kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelPolicy {
    pub kind: NotificationKind,
    /// The channels allowed; every channel when the province set no rule.
    pub channels: Vec<NotificationChannel>,
    /// Whether the province set a rule (otherwise the default, every channel).
    pub set: bool,
}

async fn policies(db: &impl ConnectionTrait) -> AppResult<Vec<ChannelPolicy>> {
    let set: Vec<policy::Model> = policy::Entity::find().all(db).await?;
    NotificationKind::ALL
        .iter()
        .map(|kind| match set.iter().find(|p| p.kind == *kind) {
            Some(p) => Ok(ChannelPolicy {
                kind: *kind,
                channels: stored_channels(&p.channels)?,
                set: true,
            }),
            None => Ok(ChannelPolicy {
                kind: *kind,
                channels: NotificationChannel::ALL.to_vec(),
                set: false,
            }),
        })
        .collect()
}

/// The province's rules, every kind (province administrators).
pub async fn channel_policy(services: &Services, viewer: &Viewer) -> AppResult<Vec<ChannelPolicy>> {
    viewer.require_province_admin()?;
    policies(&services.db).await
}

/// Sets the channels the province allows for a kind (empty: in-app only). Choices users
/// made outside it simply stop applying.
pub async fn set_channel_policy(
    services: &Services,
    viewer: &Viewer,
    kind: NotificationKind,
    channels: Vec<NotificationChannel>,
) -> AppResult<ChannelPolicy> {
    viewer.require_province_admin()?;
    let text = channels_text(&channels);
    let txn = begin_write(&services.db).await?;
    policy::Entity::delete_many()
        .filter(policy::Column::Kind.eq(kind))
        .exec(&txn)
        .await?;
    policy::Entity::insert(policy::ActiveModel {
        kind: Set(kind),
        channels: Set(text.clone()),
        updated_at: Set(Utc::now()),
        updated_by: Set(viewer.user_id()),
    })
    .exec_without_returning(&txn)
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "setNotificationChannelPolicy",
        "NotificationChannelPolicy",
        Some(kind.as_str().to_owned()),
        json!({ "channels": text }),
    )
    .await?;
    Ok(ChannelPolicy {
        kind,
        channels: stored_channels(&text)?,
        set: true,
    })
}

/// The viewer's choices, every kind.
pub async fn my_choices(services: &Services, viewer: &Viewer) -> AppResult<Vec<ChannelChoice>> {
    let principal = viewer.require_user()?;
    let configured = configured_channels(&services.config.delivery);
    let chosen: Vec<preference::Model> = preference::Entity::find()
        .filter(preference::Column::UserId.eq(principal.user_id))
        .all(&services.db)
        .await?;
    policies(&services.db)
        .await?
        .into_iter()
        .map(|p| {
            let allowed: Vec<NotificationChannel> = configured
                .iter()
                .copied()
                .filter(|c| p.channels.contains(c))
                .collect();
            let chosen = match chosen.iter().find(|c| c.kind == p.kind) {
                Some(c) => stored_channels(&c.channels)?
                    .into_iter()
                    .filter(|c| allowed.contains(c))
                    .collect(),
                None => allowed.clone(),
            };
            Ok(ChannelChoice {
                kind: p.kind,
                allowed,
                chosen,
            })
        })
        .collect()
}

/// The viewer chooses the channels for a kind, within what is allowed (empty: in-app only).
pub async fn choose_channels(
    services: &Services,
    viewer: &Viewer,
    kind: NotificationKind,
    channels: Vec<NotificationChannel>,
) -> AppResult<ChannelChoice> {
    let principal = viewer.require_user()?;
    let current = my_choices(services, viewer)
        .await?
        .into_iter()
        .find(|c| c.kind == kind)
        .ok_or_else(|| AppError::internal("every kind has a choice"))?;
    if let Some(refused) = channels.iter().find(|c| !current.allowed.contains(c)) {
        return Err(AppError::bad_input(
            "channels",
            format!("{refused} is not available for this kind"),
        ));
    }
    let text = channels_text(&channels);
    let txn = begin_write(&services.db).await?;
    preference::Entity::delete_many()
        .filter(preference::Column::UserId.eq(principal.user_id))
        .filter(preference::Column::Kind.eq(kind))
        .exec(&txn)
        .await?;
    preference::Entity::insert(preference::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(principal.user_id),
        kind: Set(kind),
        channels: Set(text.clone()),
        updated_at: Set(Utc::now()),
    })
    .exec_without_returning(&txn)
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "chooseNotificationChannels",
        "User",
        Some(principal.user_id.to_string()),
        json!({ "kind": kind.as_str(), "channels": text }),
    )
    .await?;
    Ok(ChannelChoice {
        kind,
        chosen: stored_channels(&text)?,
        allowed: current.allowed,
    })
}

/// Sets the e-mail address and mobile number on the viewer's own account, where their
/// notifications go (an expert's invitations go to the expert record's instead). `None`
/// leaves a field as it is; an empty string clears it.
pub async fn update_my_contact(
    services: &Services,
    viewer: &Viewer,
    email: Option<String>,
    phone: Option<String>,
) -> AppResult<user::Model> {
    let principal = viewer.require_user()?;
    let email = match email {
        None => None,
        Some(text) => Some(match optional_text("email", Some(text), 254)? {
            None => None,
            Some(address) if looks_like_email(&address) => Some(address),
            Some(_) => return Err(AppError::bad_input("email", "is not an email address")),
        }),
    };
    let phone = match phone {
        None => None,
        Some(text) if text.trim().is_empty() => Some(None),
        Some(text) => Some(Some(
            services.data_keys.encrypt(&phone_number("phone", &text)?)?,
        )),
    };
    let mut active = user::ActiveModel {
        id: Set(principal.user_id),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let mut changed = Vec::new();
    if let Some(email) = email {
        active.email = Set(email);
        changed.push("email");
    }
    if let Some(phone) = phone {
        active.phone = Set(phone);
        changed.push("phone");
    }
    if changed.is_empty() {
        return Err(AppError::bad_input(
            "email",
            "give an email, a phone or both",
        ));
    }
    let txn = begin_write(&services.db).await?;
    let saved = user::Entity::update(active).exec(&txn).await?;
    audit_log::commit(
        txn,
        viewer,
        "updateMyContact",
        "User",
        Some(principal.user_id.to_string()),
        json!({ "changed": changed }),
    )
    .await?;
    Ok(saved)
}

/// A user's contact addresses, in clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The user's contact as `viewer` may see it: their own, or any to a province
/// administrator; `None` to anyone else.
pub fn contact_of(
    services: &Services,
    viewer: &Viewer,
    account: &user::Model,
) -> AppResult<Option<Contact>> {
    let own = viewer.user_id() == Some(account.id);
    if !own && viewer.require_province_admin().is_err() {
        return Ok(None);
    }
    Ok(Some(Contact {
        email: account.email.clone(),
        phone: match &account.phone {
            Some(stored) => Some(services.data_keys.decrypt(stored)?),
            None => None,
        },
    }))
}
