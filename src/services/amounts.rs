//! Exact decimal amounts (money, savings, revenue, scores) in the database.
//!
//! sea-orm reads SQLite `Decimal` columns through `f64`, which is not exact, so amounts are
//! stored on both databases as integers in ten-thousandths (scale 4): exact, the same text on
//! SQLite and PostgreSQL, and summed exactly. Inputs with more than four decimal places are
//! refused rather than rounded.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::error::{AppError, AppResult};

/// Decimal places kept.
pub const SCALE: u32 = 4;

/// The largest amount accepted (10^12 in the amount's unit): far above any real figure, and
/// small enough that sums of many never approach the integer limits.
const MAX_UNITS: i64 = 1_000_000_000_000 * 10_000;

/// Validates a non-negative amount with at most four decimal places and returns it scaled.
pub fn to_stored(field: &str, value: Decimal) -> AppResult<i64> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AppError::bad_input(field, "must not be negative"));
    }
    if value.normalize().scale() > SCALE {
        return Err(AppError::bad_input(
            field,
            format!("must have at most {SCALE} decimal places"),
        ));
    }
    let mut scaled = value;
    scaled.rescale(SCALE);
    match scaled.mantissa().to_i64() {
        Some(units) if units <= MAX_UNITS => Ok(units.abs()),
        _ => Err(AppError::bad_input(field, "is too large")),
    }
}

/// [`to_stored`] for an optional amount.
pub fn to_stored_opt(field: &str, value: Option<Decimal>) -> AppResult<Option<i64>> {
    value.map(|v| to_stored(field, v)).transpose()
}

/// The exact decimal of a stored amount, without trailing zeros.
pub fn from_stored(units: i64) -> Decimal {
    Decimal::new(units, SCALE).normalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal literal")
    }

    #[test]
    fn round_trips_exactly() {
        for s in ["0", "0.1", "12.5", "1234.5678", "999999999999", "0.0001"] {
            let stored = to_stored("x", d(s)).expect("valid");
            assert_eq!(from_stored(stored), d(s).normalize(), "{s}");
        }
        assert_eq!(to_stored("x", d("0.1")).ok(), Some(1000));
        assert_eq!(from_stored(1000).to_string(), "0.1");
        // Trailing zeros beyond four places are not extra precision.
        assert_eq!(to_stored("x", d("1.230000")).ok(), Some(12300));
        assert_eq!(to_stored("x", d("-0")).ok(), Some(0));
    }

    #[test]
    fn refuses_negative_too_precise_and_huge() {
        let code = |s: &str| to_stored("investment", d(s)).map_err(|e| e.client_message());
        assert_eq!(
            code("-0.01"),
            Err("investment: must not be negative".into())
        );
        assert!(code("0.00001").is_err());
        assert!(code("1000000000000.0001").is_err());
        assert!(code("1000000000000").is_ok());
        assert!(code("79228162514264337593543950335").is_err());
    }
}
