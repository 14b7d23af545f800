//! JWT access tokens: HS256 pinned, `exp`/`iat`/`iss`/`aud` set and checked, and a `kid`
//! so that a rotated-out secret can still verify tokens it signed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

pub const ISSUER: &str = "cleanprod";
pub const AUDIENCE: &str = "cleanprod-api";

/// jsonwebtoken 12 panics on first use unless a crypto provider is chosen; choose it
/// explicitly (idempotent, safe to call from every entry point and test).
pub fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    /// The user's token version when issued; a bump revokes the token.
    pub ver: i32,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

struct Key {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Key {
    fn new(secret: &[u8]) -> AppResult<Key> {
        if secret.len() < 32 {
            return Err(AppError::internal("a JWT secret must be at least 32 bytes"));
        }
        let digest = Sha256::digest(secret);
        let bad = |e: jsonwebtoken::errors::Error| AppError::internal(format!("JWT key: {e}"));
        Ok(Key {
            kid: hex::encode(&digest[..8]),
            encoding: EncodingKey::from_secret(secret).map_err(bad)?,
            decoding: DecodingKey::from_secret(secret).map_err(bad)?,
        })
    }
}

/// Signing and verification keys, parsed once at start-up.
pub struct TokenKeys {
    current: Key,
    previous: Option<Key>,
    ttl: Duration,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("kid", &self.current.kid)
            .finish_non_exhaustive()
    }
}

pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl TokenKeys {
    pub fn new(secret: &[u8], previous: Option<&[u8]>, ttl: Duration) -> AppResult<TokenKeys> {
        install_crypto_provider();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Ok(TokenKeys {
            current: Key::new(secret)?,
            previous: previous.map(Key::new).transpose()?,
            ttl,
            validation,
        })
    }

    pub fn issue(
        &self,
        user_id: Uuid,
        token_version: i32,
        now: DateTime<Utc>,
    ) -> AppResult<IssuedToken> {
        let ttl = chrono::Duration::from_std(self.ttl)
            .map_err(|e| AppError::internal(format!("token ttl: {e}")))?;
        let expires_at = now + ttl;
        let claims = Claims {
            sub: user_id,
            ver: token_version,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.current.encoding)
            .map_err(|e| AppError::internal(format!("token signing: {e}")))?;
        Ok(IssuedToken { token, expires_at })
    }

    /// Verifies a token; every failure is the same `UNAUTHENTICATED` to the client.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        let invalid = || AppError::Unauthenticated("invalid or expired token".into());
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if header.alg != Algorithm::HS256 {
            return Err(invalid());
        }
        let key = match header.kid.as_deref() {
            Some(kid) if kid == self.current.kid => &self.current,
            Some(kid) => match &self.previous {
                Some(prev) if prev.kid == kid => prev,
                _ => return Err(invalid()),
            },
            None => &self.current,
        };
        jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            None,
            Duration::from_secs(3600),
        )
        .expect("keys")
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = keys();
        let user = Uuid::now_v7();
        let issued = keys.issue(user, 3, Utc::now()).expect("issue");
        let claims = keys.verify(&issued.token).expect("verify");
        assert_eq!(claims.sub, user);
        assert_eq!(claims.ver, 3);
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_fail() {
        let keys = keys();
        let user = Uuid::now_v7();
        let old = keys
            .issue(user, 0, Utc::now() - chrono::Duration::hours(3))
            .expect("issue");
        assert!(keys.verify(&old.token).is_err(), "expired");

        let good = keys.issue(user, 0, Utc::now()).expect("issue").token;
        let mut tampered = good.clone();
        tampered.pop();
        tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.verify(&tampered).is_err(), "tampered signature");

        let other = TokenKeys::new(
            b"another secret another secret 123",
            None,
            Duration::from_secs(60),
        )
        .expect("keys");
        let foreign = other.issue(user, 0, Utc::now()).expect("issue").token;
        assert!(keys.verify(&foreign).is_err(), "signed by another key");
        assert!(keys.verify("not.a.token").is_err());
    }

    #[test]
    fn alg_none_is_rejected() {
        let keys = keys();
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let now = Utc::now().timestamp();
        let payload = engine.encode(format!(
            r#"{{"sub":"{}","ver":0,"iss":"cleanprod","aud":"cleanprod-api","iat":{now},"exp":{}}}"#,
            Uuid::now_v7(),
            now + 600
        ));
        assert!(keys.verify(&format!("{header}.{payload}.")).is_err());
    }

    #[test]
    fn previous_key_still_verifies_after_rotation() {
        let old_secret = b"old secret old secret old secret!!";
        let old = TokenKeys::new(old_secret, None, Duration::from_secs(600)).expect("keys");
        let token = old
            .issue(Uuid::now_v7(), 0, Utc::now())
            .expect("issue")
            .token;
        let rotated = TokenKeys::new(
            b"new secret new secret new secret!!",
            Some(old_secret),
            Duration::from_secs(600),
        )
        .expect("keys");
        assert!(rotated.verify(&token).is_ok());
    }
}
