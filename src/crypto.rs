//! Personal data at rest: AES-256-GCM for ID-card and phone numbers, and a keyed hash
//! (HMAC-SHA-256) of the ID-card number so that uniqueness and exact lookup need no clear
//! value. Both keys derive from one data key (`CLEANPROD_DATA_KEY`), each for its purpose, as
//! does the key that signs the seat-answer links in invitations.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{AppError, AppResult};

/// Marks an encrypted value: the version of the scheme, then base64(nonce ‖ ciphertext).
const PREFIX: &str = "enc1:";
const NONCE_LEN: usize = 12;

type HmacSha256 = Hmac<Sha256>;

pub struct DataKeys {
    cipher: Aes256Gcm,
    index_key: [u8; 32],
    link_key: [u8; 32],
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKeys(..)")
    }
}

fn derive(master: &[u8], label: &[u8]) -> AppResult<[u8; 32]> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(master)
        .map_err(|_| AppError::internal("data key of invalid length"))?;
    mac.update(label);
    Ok(mac.finalize().into_bytes().into())
}

impl DataKeys {
    pub fn new(master: &[u8]) -> AppResult<DataKeys> {
        if master.len() < 32 {
            return Err(AppError::internal("the data key must be at least 32 bytes"));
        }
        let enc = derive(master, b"cleanprod/personal-data/aes-256-gcm/v1")?;
        let index_key = derive(master, b"cleanprod/personal-data/hmac-index/v1")?;
        let link_key = derive(master, b"cleanprod/seat-links/hmac/v1")?;
        let cipher = Aes256Gcm::new_from_slice(&enc)
            .map_err(|_| AppError::internal("AES key of invalid length"))?;
        Ok(DataKeys {
            cipher,
            index_key,
            link_key,
        })
    }

    pub fn encrypt(&self, plain: &str) -> AppResult<String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| AppError::internal(format!("nonce: {e}")))?;
        let sealed = self
            .cipher
            .encrypt(&nonce.into(), plain.as_bytes())
            .map_err(|_| AppError::internal("encryption failed"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD_NO_PAD.encode(out)))
    }

    /// Whether a stored value is already encrypted (values from before encryption are not).
    pub fn is_encrypted(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// An encrypted field as a reader is shown it: decrypted, then masked by `mask` unless
    /// the reader may see it `in_clear` (an expert's or a staff member's personal data).
    pub fn shown(
        &self,
        stored: &str,
        in_clear: bool,
        mask: fn(&str) -> String,
    ) -> AppResult<String> {
        let clear = self.decrypt(stored)?;
        Ok(if in_clear { clear } else { mask(&clear) })
    }

    pub fn decrypt(&self, stored: &str) -> AppResult<String> {
        let Some(encoded) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let bad = || AppError::internal("a stored encrypted value does not decrypt");
        let bytes = STANDARD_NO_PAD.decode(encoded).map_err(|_| bad())?;
        if bytes.len() <= NONCE_LEN {
            return Err(bad());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| bad())?;
        let plain = self
            .cipher
            .decrypt(&nonce.into(), sealed)
            .map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }

    /// The keyed hash used as the unique, searchable stand-in for a value.
    pub fn blind_index(&self, normalised: &str) -> String {
        hmac_hex(&self.index_key, normalised.as_bytes())
    }

    /// The signature of a seat-answer link's payload.
    pub fn sign_link(&self, payload: &str) -> String {
        hmac_hex(&self.link_key, payload.as_bytes())
    }

    /// Whether `signature` (hex) is the link key's for `payload`, compared in constant time.
    pub fn link_signature_holds(&self, payload: &str, signature: &str) -> bool {
        let (Ok(expected), Ok(mut mac)) = (
            hex::decode(signature),
            <HmacSha256 as KeyInit>::new_from_slice(&self.link_key),
        ) else {
            return false;
        };
        mac.update(payload.as_bytes());
        mac.verify_slice(&expected).is_ok()
    }
}

/// Hex HMAC-SHA-256 of `data` under `key`.
pub fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(key) else {
        // HMAC accepts keys of any length.
        return String::new();
    };
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> DataKeys {
        DataKeys::new(b"0123456789abcdef0123456789abcdef").expect("keys")
    }

    #[test]
    fn a_field_is_shown_in_clear_or_masked() {
        let keys = keys();
        let stored = keys.encrypt("13812345678").expect("enc");
        let mask = crate::rules::masking::mask_phone;
        assert_eq!(
            keys.shown(&stored, true, mask).expect("shown"),
            "13812345678"
        );
        assert_eq!(
            keys.shown(&stored, false, mask).expect("shown"),
            "138****5678"
        );
    }

    #[test]
    fn round_trips_with_fresh_nonces() {
        let keys = keys();
        let a = keys.encrypt("11010519491231002X").expect("enc");
        let b = keys.encrypt("11010519491231002X").expect("enc");
        assert_ne!(a, b);
        assert!(DataKeys::is_encrypted(&a));
        assert!(!a.contains("1101051949"));
        assert_eq!(keys.decrypt(&a).expect("dec"), "11010519491231002X");
        assert_eq!(keys.decrypt("plain").expect("legacy"), "plain");
    }

    #[test]
    fn tampering_and_wrong_keys_fail() {
        let keys = keys();
        let sealed = keys.encrypt("13812345678").expect("enc");
        let mut tampered = sealed.clone();
        let last = tampered
            .pop()
            .map(|c| if c == 'A' { 'B' } else { 'A' })
            .unwrap_or('A');
        tampered.push(last);
        assert!(keys.decrypt(&tampered).is_err());
        let other = DataKeys::new(b"another-key-another-key-another-k").expect("keys");
        assert!(other.decrypt(&sealed).is_err());
        assert!(keys.decrypt("enc1:!!").is_err());
    }

    #[test]
    fn blind_index_is_stable_and_keyed() {
        let keys = keys();
        let other = DataKeys::new(b"another-key-another-key-another-k").expect("keys");
        assert_eq!(keys.blind_index("x"), keys.blind_index("x"));
        assert_ne!(keys.blind_index("x"), keys.blind_index("y"));
        assert_ne!(keys.blind_index("x"), other.blind_index("x"));
        assert_eq!(keys.blind_index("x").len(), 64);
        assert!(DataKeys::new(b"short").is_err());
    }
}
