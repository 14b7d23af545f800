//! Scalars of DESIGN.md's conventions: `Date` (ISO 8601 civil date) and ids.

use async_graphql::{ID, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// A civil date, `YYYY-MM-DD`, reckoned in China Standard Time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, `YYYY-MM-DD` (RFC 3339 `full-date`), reckoned in China Standard Time.
#[Scalar(
    name = "Date",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => parse_date(s).map(Date).map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A `YYYY-MM-DD` date, or what is wrong with it in words a user can mend: the shape, the
/// month, or the day that month does not have.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    let [y, m, d] = parts[..] else {
        return Err(format!(
            "\"{s}\" is not a date: expected YYYY-MM-DD, e.g. 2026-03-31"
        ));
    };
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(format!(
            "\"{s}\" is not a date: expected YYYY-MM-DD, e.g. 2026-03-31"
        ));
    }
    let (Ok(year), Ok(month), Ok(day)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>())
    else {
        return Err(format!("\"{s}\" is not a date: expected YYYY-MM-DD"));
    };
    if !(1..=12).contains(&month) {
        return Err(format!(
            "\"{s}\" is not a date: month {month} is out of range (01 to 12)"
        ));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        let days = (28..=31)
            .rev()
            .find(|d| NaiveDate::from_ymd_opt(year, month, *d).is_some())
            .unwrap_or(28);
        let name = MONTHS[(month - 1) as usize];
        format!("\"{s}\" is not a date: {name} {year} has {days} days, not {day}")
    })
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

/// Parses an opaque `ID` argument into the UUID it stands for.
pub fn parse_id(field: &str, id: &ID) -> AppResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::bad_input(field, "is not a valid ID"))
}

/// Parses a list of `ID` arguments; the first one that is not an ID names the field.
pub fn parse_ids(field: &str, ids: &[ID]) -> AppResult<Vec<Uuid>> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}

pub fn parse_optional_id(field: &str, id: Option<&ID>) -> AppResult<Option<Uuid>> {
    id.map(|id| parse_id(field, id)).transpose()
}

pub fn id_of(id: Uuid) -> ID {
    ID(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_date;
    use chrono::NaiveDate;

    #[test]
    fn dates_parse_and_say_what_is_wrong() {
        assert_eq!(
            parse_date("2024-02-29"),
            Ok(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default())
        );
        assert_eq!(
            parse_date("2025-13-01"),
            Err("\"2025-13-01\" is not a date: month 13 is out of range (01 to 12)".into())
        );
        assert_eq!(
            parse_date("2025-02-30"),
            Err("\"2025-02-30\" is not a date: February 2025 has 28 days, not 30".into())
        );
        assert_eq!(
            parse_date("2025-04-00"),
            Err("\"2025-04-00\" is not a date: April 2025 has 30 days, not 0".into())
        );
        for shape in [
            "2025-1-01",
            "25-01-01",
            "2025/01/01",
            "2025-01-01T00:00",
            "",
        ] {
            let err = parse_date(shape).expect_err(shape);
            assert!(
                err.ends_with("expected YYYY-MM-DD, e.g. 2026-03-31"),
                "{err}"
            );
        }
    }
}
