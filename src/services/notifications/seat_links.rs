//! The links in an invitation that accept or decline the seat without signing in.
//!
//! A link is a row (seat, expert, expiry, used or not) and a token naming it:
//! `<link id>.<expiry, unix seconds>.<HMAC-SHA-256 of both under a key derived from the data
//! key>`. The signature refuses a made-up or altered token before the database is asked; the
//! row makes it single-use (marked used in the answer's own transaction) and lets a link be
//! refused once the seat was answered some other way. Each delivery carries its own link.
//! Opening the link (`GET /seat-link`) only shows the invitation: mail scanners that fetch
//! links must not answer seats; answering is a `POST` (the page's buttons) or
//! `respondToPanelSeatByLink`.

use chrono::{DateTime, Utc};
use entity::{panel_seat, seat_response_link};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::crypto::DataKeys;
use crate::error::{AppError, AppResult};
use crate::services::Services;

/// Writes a link for the seat and answers its URL.
pub async fn issue(
    services: &Services,
    seat_id: Uuid,
    expert_id: Uuid,
    delivery_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let settings = &services.config.delivery;
    // A retry of the same delivery carries the same link.
    if let Some(earlier) = seat_response_link::Entity::find()
        .filter(seat_response_link::Column::DeliveryId.eq(delivery_id))
        .one(&services.db)
        .await?
    {
        return Ok(url_of(services, &earlier));
    }
    let expires_at = now + chrono::Duration::hours(i64::from(settings.seat_link_hours));
    let id = Uuid::now_v7();
    let link = seat_response_link::ActiveModel {
        id: Set(id),
        seat_id: Set(seat_id),
        expert_id: Set(expert_id),
        delivery_id: Set(delivery_id),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&services.db)
    .await?;
    Ok(url_of(services, &link))
}

fn url_of(services: &Services, link: &seat_response_link::Model) -> String {
    format!(
        "{}/seat-link?token={}",
        services.config.delivery.public_url,
        token_for(&services.data_keys, link.id, link.expires_at.timestamp())
    )
}

fn signed_part(id: Uuid, expires: i64) -> String {
    format!("seat-link/v1.{}.{expires}", id.simple())
}

/// The token of link `id`, expiring at `expires` (unix seconds).
pub fn token_for(keys: &DataKeys, id: Uuid, expires: i64) -> String {
    format!(
        "{}.{expires}.{}",
        id.simple(),
        keys.sign_link(&signed_part(id, expires))
    )
}

/// The link a token names, if its signature holds.
pub fn read_token(keys: &DataKeys, token: &str) -> Option<(Uuid, i64)> {
    let mut parts = token.trim().split('.');
    let (id, expires, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let id = Uuid::try_parse(id).ok()?;
    let expires: i64 = expires.parse().ok()?;
    keys.link_signature_holds(&signed_part(id, expires), signature)
        .then_some((id, expires))
}

/// The link of a token that may still be used: signed by us, not expired, not used.
pub async fn usable(
    services: &Services,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<seat_response_link::Model> {
    let (id, expires) = read_token(&services.data_keys, token)
        .ok_or_else(|| AppError::forbidden("the link is not valid"))?;
    if expires < now.timestamp() {
        return Err(AppError::forbidden("the link has expired"));
    }
    let link = seat_response_link::Entity::find_by_id(id)
        .one(&services.db)
        .await?
        .ok_or_else(|| AppError::forbidden("the link is not valid"))?;
    if link.used_at.is_some() {
        return Err(AppError::conflict("the link has been used"));
    }
    Ok(link)
}

/// What a link's page shows before it is used: the invitation as the review now stands.
#[derive(Clone, Debug)]
pub struct LinkView {
    pub link: seat_response_link::Model,
    pub seat: panel_seat::Model,
    pub title: String,
    pub body: String,
}

/// Reads a usable link's invitation; uses nothing.
pub async fn view(services: &Services, token: &str) -> AppResult<LinkView> {
    let link = usable(services, token, Utc::now()).await?;
    let db = &services.db;
    let seat = panel_seat::Entity::find_by_id(link.seat_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::forbidden("the link is not valid"))?;
    let review = crate::services::audits::find_review(db, seat.review_id).await?;
    let audit = crate::services::audits::find(db, review.audit_id).await?;
    let enterprise = crate::services::enterprises::find(db, audit.enterprise_id).await?;
    let params = super::Params {
        review: Some(super::ReviewFacts::of(&review, &enterprise.name)),
        seat_id: Some(seat.id),
        ..Default::default()
    };
    let (title, body) = super::render(crate::domain::NotificationKind::PanelInvitation, &params)
        .ok_or_else(|| AppError::internal("an invitation without its review"))?;
    Ok(LinkView {
        link,
        seat,
        title,
        body,
    })
}

/// Accepts or declines the seat of a link: the rules of `respondToPanelSeat`, as its expert.
pub async fn answer(
    services: &Services,
    token: &str,
    accept: bool,
    reason: Option<String>,
) -> AppResult<panel_seat::Model> {
    let link = usable(services, token, Utc::now()).await?;
    crate::services::panels::respond_by_link(&services.db, &link, accept, reason).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> DataKeys {
        DataKeys::new(b"0123456789abcdef0123456789abcdef").expect("keys")
    }

    #[test]
    fn tokens_verify_and_refuse_tampering() {
        let keys = keys();
        let id = Uuid::now_v7();
        let token = token_for(&keys, id, 1_900_000_000);
        assert_eq!(read_token(&keys, &token), Some((id, 1_900_000_000)));
        // A later expiry with the old signature.
        let longer = token.replacen("1900000000", "1990000000", 1);
        assert_eq!(read_token(&keys, &longer), None);
        // Another link's id with this signature.
        let other = token.replacen(
            &id.simple().to_string(),
            &Uuid::now_v7().simple().to_string(),
            1,
        );
        assert_eq!(read_token(&keys, &other), None);
        // Another key's token.
        let foreign = DataKeys::new(b"fedcba9876543210fedcba9876543210").expect("keys");
        assert_eq!(read_token(&foreign, &token), None);
        for junk in ["", "a.b.c", "x", &format!("{token}.extra")] {
            assert_eq!(read_token(&keys, junk), None, "{junk}");
        }
    }
}
