//! Argon2id password hashes.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_LENGTH: usize = 10;
pub const MAX_PASSWORD_LENGTH: usize = 256;

/// A hash of a password nobody has, verified when the username is unknown so that both
/// failures take the same time and give the same answer.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2v7Q7vVxPSZp1y1b3Xk0tVgyb5p9UqJw+5Tn7GmJ0Zc";

pub fn validate_new_password(field: &str, password: &str) -> AppResult<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!("must be at least {MIN_PASSWORD_LENGTH} characters"),
        ));
    }
    if len > MAX_PASSWORD_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {MAX_PASSWORD_LENGTH} characters"),
        ));
    }
    Ok(())
}

pub fn hash_password(password: &str) -> AppResult<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::internal(format!("random salt: {e}")))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| AppError::internal(format!("salt encoding: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hashing: {e}")))
}

/// Checks a password against a stored hash; a malformed stored hash never matches.
pub fn verify_password(stored_hash: &str, password: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of a real verification for an unknown user.
pub fn verify_against_dummy(password: &str) {
    let _ = verify_password(DUMMY_HASH, password);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash_password("correct horse battery").expect("hash");
        let b = hash_password("correct horse battery").expect("hash");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password(&a, "correct horse battery"));
        assert!(!verify_password(&a, "wrong horse battery"));
        assert!(!verify_password("not a hash", "anything"));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn password_length_rules() {
        assert!(validate_new_password("password", "short").is_err());
        assert!(validate_new_password("password", "long enough!").is_ok());
        assert!(validate_new_password("password", &"x".repeat(300)).is_err());
    }
}
