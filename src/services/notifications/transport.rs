//! The two ways a notification leaves the registry besides the in-app list: e-mail over SMTP
//! and SMS through the province's HTTP gateway. Built once from the settings; an unset
//! server means that channel is off.
//!
//! The SMS gateway contract (any provincial platform can be put behind it): `POST` to
//! `CLEANPROD_SMS_URL` with a JSON body `{"id", "to", "text", "kind"}` and the header
//! `X-Cleanprod-Signature: sha256=<hex HMAC-SHA256 of the exact body with
//! CLEANPROD_SMS_SECRET>`; any 2xx answer means accepted. `id` is the delivery's id, stable
//! across an administrator's resend, so a gateway may drop a repeat.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;
use uuid::Uuid;

use crate::config::DeliverySettings;
use crate::domain::{NotificationChannel, NotificationKind};
use crate::error::{AppError, AppResult};

/// How long one send may take before it counts as a failed try.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// The header carrying the SMS request's signature.
pub const SIGNATURE_HEADER: &str = "X-Cleanprod-Signature";

/// One message, ready for its channel.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub delivery_id: Uuid,
    pub kind: NotificationKind,
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// The configured channels.
pub struct Transports {
    email: Option<Mailer>,
    sms: Option<SmsGateway>,
}

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

struct SmsGateway {
    client: reqwest::Client,
    url: String,
    secret: Vec<u8>,
}

#[derive(Serialize)]
struct SmsRequest<'a> {
    id: Uuid,
    to: &'a str,
    text: &'a str,
    kind: NotificationKind,
}

impl Transports {
    /// Builds the channels the settings configure; a malformed setting is an error at start.
    pub fn from_settings(settings: &DeliverySettings) -> AppResult<Transports> {
        let email = match &settings.smtp_url {
            None => None,
            Some(url) => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| AppError::internal(format!("CLEANPROD_SMTP_URL: {e}")))?
                    .timeout(Some(SEND_TIMEOUT));
                if let (Some(user), Some(password)) =
                    (&settings.smtp_username, &settings.smtp_password)
                {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                let from = settings
                    .smtp_from
                    .parse()
                    .map_err(|e| AppError::internal(format!("CLEANPROD_SMTP_FROM: {e}")))?;
                Some(Mailer {
                    transport: builder.build(),
                    from,
                })
            }
        };
        let sms = match (&settings.sms_url, &settings.sms_secret) {
            (Some(url), Some(secret)) => Some(SmsGateway {
                client: reqwest::Client::builder()
                    .timeout(SEND_TIMEOUT)
                    .build()
                    .map_err(|e| AppError::internal(format!("SMS client: {e}")))?,
                url: url.clone(),
                secret: secret.clone().into_bytes(),
            }),
            _ => None,
        };
        Ok(Transports { email, sms })
    }

    /// The channels that can carry a notification now.
    pub fn configured(&self) -> Vec<NotificationChannel> {
        let mut channels = Vec::new();
        if self.email.is_some() {
            channels.push(NotificationChannel::Email);
        }
        if self.sms.is_some() {
            channels.push(NotificationChannel::Sms);
        }
        channels
    }
}

/// The channels the settings configure (what [`Transports::configured`] has once built).
pub fn configured_channels(settings: &DeliverySettings) -> Vec<NotificationChannel> {
    let mut channels = Vec::new();
    if settings.smtp_url.is_some() {
        channels.push(NotificationChannel::Email);
    }
    if settings.sms_url.is_some() && settings.sms_secret.is_some() {
        channels.push(NotificationChannel::Sms);
    }
    channels
}

impl Transports {
    /// Sends one message; the error is what an administrator reads on a failed delivery.
    pub async fn send(
        &self,
        channel: NotificationChannel,
        message: &Outgoing,
    ) -> Result<(), String> {
        match channel {
            NotificationChannel::Email => match &self.email {
                Some(mailer) => mailer.send(message).await,
                None => Err("e-mail is not configured on this server".to_owned()),
            },
            NotificationChannel::Sms => match &self.sms {
                Some(gateway) => gateway.send(message).await,
                None => Err("SMS is not configured on this server".to_owned()),
            },
        }
    }
}

impl Mailer {
    async fn send(&self, message: &Outgoing) -> Result<(), String> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| format!("the address is not usable: {e}"))?;
        // Base64 keeps Chinese text intact through any relay, 8-bit clean or not.
        let body = Body::new_with_encoding(message.text.clone(), ContentTransferEncoding::Base64)
            .map_err(|_| "the text cannot be encoded".to_owned())?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("the message cannot be built: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}

impl SmsGateway {
    async fn send(&self, message: &Outgoing) -> Result<(), String> {
        let body = serde_json::to_vec(&SmsRequest {
            id: message.delivery_id,
            to: &message.to,
            text: &message.text,
            kind: message.kind,
        })
        .map_err(|e| format!("the request cannot be built: {e}"))?;
        let signature = sign(&self.secret, &body);
        let response = self
            .client
            .post(&self.url)
            .header("Content-Type", "application/json; charset=utf-8")
            .header(SIGNATURE_HEADER, format!("sha256={signature}"))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("SMS gateway: {e}"))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("SMS gateway answered {status}"))
        }
    }
}

/// Hex HMAC-SHA256 of `body` with `secret`: what the gateway recomputes to trust a request.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    crate::crypto::hmac_hex(secret, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    // The SMTP pool starts its housekeeping task when built: inside a runtime, as the server.
    #[tokio::test]
    async fn unset_servers_are_channels_off() {
        let t = Transports::from_settings(&DeliverySettings::default()).expect("builds");
        assert!(t.configured().is_empty());
        let t = Transports::from_settings(&DeliverySettings {
            smtp_url: Some("smtp://127.0.0.1:2525".into()),
            sms_url: Some("http://127.0.0.1:9/sms".into()),
            sms_secret: Some("s".into()),
            ..Default::default()
        })
        .expect("builds");
        assert_eq!(
            t.configured(),
            vec![NotificationChannel::Email, NotificationChannel::Sms]
        );
        assert!(
            Transports::from_settings(&DeliverySettings {
                smtp_url: Some("ftp://nowhere".into()),
                ..Default::default()
            })
            .is_err()
        );
    }
}
