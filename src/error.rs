//! The one error type of the service and its GraphQL `extensions.code`.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql turns any `Display`
//! error into a client message, so a database error must pass through here, be logged,
//! and reach the client only as `INTERNAL`.

use std::collections::BTreeMap;

use async_graphql::{ErrorExtensionValues, Name, Value};
use sea_orm::{DbErr, RuntimeErr};

use crate::domain::{ExclusionReason, ExpertiseKind, Sector};

#[derive(Debug)]
pub enum AppError {
    Unauthenticated(String),
    Forbidden(String),
    NotFound {
        entity: &'static str,
        id: String,
    },
    BadUserInput {
        field: String,
        message: String,
    },
    Conflict(String),
    /// An upload over the size limit (HTTP 413).
    PayloadTooLarge(String),
    InsufficientCandidates {
        message: String,
        shortfall: Box<CandidateShortfall>,
    },
    /// The database cannot be reached right now; the client may retry.
    Unavailable,
    /// Anything else; the detail is logged, never shown.
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

/// Why no valid panel could be drawn: how the pool divided and what could not be filled.
/// Clients read it as extensions of the INSUFFICIENT_CANDIDATES error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateShortfall {
    /// Excluded experts per reason, each counted once under their first reason.
    pub excluded_counts: BTreeMap<ExclusionReason, u32>,
    pub excluded_total: u32,
    pub eligible_count: usize,
    pub unfilled: Unfilled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unfilled {
    /// Fewer eligible experts than seats.
    TooFew { needed: usize, available: usize },
    /// Enough experts, but none left who fits the slot at `index`.
    Slot {
        index: usize,
        sector: Option<Sector>,
        kind: Option<ExpertiseKind>,
        fitting: usize,
    },
}

impl CandidateShortfall {
    /// The shortfall as GraphQL extension values, by key.
    fn extensions(&self) -> BTreeMap<&'static str, Value> {
        // By the reason's name, as clients have always read them.
        let counts: BTreeMap<&str, u32> = self
            .excluded_counts
            .iter()
            .map(|(reason, n)| (reason.as_str(), *n))
            .collect();
        let mut values = BTreeMap::from([
            (
                "excludedCounts",
                Value::Object(
                    counts
                        .into_iter()
                        .map(|(reason, n)| (Name::new(reason), Value::from(n)))
                        .collect(),
                ),
            ),
            ("excludedTotal", Value::from(self.excluded_total)),
            ("eligibleCount", Value::from(self.eligible_count as u64)),
        ]);
        match &self.unfilled {
            Unfilled::TooFew { needed, available } => {
                values.insert("needed", Value::from(*needed as u64));
                values.insert("available", Value::from(*available as u64));
                values.insert("unfillableSlot", Value::Null);
            }
            Unfilled::Slot {
                index,
                sector,
                kind,
                fitting,
            } => {
                let slot = [
                    ("index", Value::from(*index as u64)),
                    ("sector", sector.map_or(Value::Null, |s| s.as_str().into())),
                    ("kind", kind.map_or(Value::Null, |k| k.as_str().into())),
                    ("fitting", Value::from(*fitting as u64)),
                ];
                values.insert(
                    "unfillableSlot",
                    Value::Object(slot.into_iter().map(|(k, v)| (Name::new(k), v)).collect()),
                );
            }
        }
        values
    }
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        AppError::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict(message.into())
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        AppError::Internal(detail.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::NotFound { .. } => "NOT_FOUND",
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::Conflict(_) => "CONFLICT",
            AppError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            AppError::InsufficientCandidates { .. } => "INSUFFICIENT_CANDIDATES",
            AppError::Unavailable => "SERVICE_UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The text a client may read.
    pub fn client_message(&self) -> String {
        match self {
            AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::Conflict(m)
            | AppError::PayloadTooLarge(m)
            | AppError::InsufficientCandidates { message: m, .. } => m.clone(),
            AppError::NotFound { entity, id } => format!("{entity} {id} not found"),
            AppError::BadUserInput { field, message } => format!("{field}: {message}"),
            AppError::Unavailable => "the service is temporarily unavailable; retry later".into(),
            AppError::Internal(_) => "internal error".into(),
        }
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            _ if connection_lost(&err) => {
                tracing::warn!(error = %err, "database connection lost");
                AppError::Unavailable
            }
            _ => match err.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) => {
                    tracing::info!(%detail, "unique constraint violated");
                    AppError::Conflict("a record with the same unique value already exists".into())
                }
                _ => AppError::Internal(err.to_string()),
            },
        }
    }
}

/// A statement that failed because its connection broke: the server stopped or went away.
/// The pool does not ping a connection in recent use before lending it (`db::connect`), so
/// this, not a failed checkout, is where an outage first shows; the broken connection is
/// dropped as it returns to the pool.
fn connection_lost(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error;
    let (DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    match e.as_ref() {
        Error::Io(_) | Error::Tls(_) | Error::PoolTimedOut | Error::PoolClosed => true,
        // SQLSTATE class 08 (connection exception) and 57P (the server shutting down).
        Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

impl<E: std::fmt::Debug> From<sea_orm::TransactionError<E>> for AppError
where
    AppError: From<E>,
{
    fn from(err: sea_orm::TransactionError<E>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(e) => e.into(),
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Internal(detail) = &err {
            tracing::error!(%detail, "internal error");
        }
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", err.code());
        extensions.set("messageZh", crate::messages_zh::for_error(&err));
        match &err {
            AppError::BadUserInput { field, .. } => extensions.set("field", field.as_str()),
            AppError::NotFound { entity, .. } => extensions.set("entity", *entity),
            AppError::InsufficientCandidates { shortfall, .. } => {
                for (key, value) in shortfall.extensions() {
                    extensions.set(key, value);
                }
            }
            _ => {}
        }
        async_graphql::Error {
            message: err.client_message(),
            source: None,
            extensions: Some(extensions),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_detail() {
        let err: async_graphql::Error =
            AppError::internal("SELECT secret FROM users failed").into();
        assert_eq!(err.message, "internal error");
    }

    #[test]
    fn a_shortfall_reaches_the_client_as_extensions() {
        let slot = AppError::InsufficientCandidates {
            message: "no eligible expert is left for slot 0".into(),
            shortfall: Box::new(CandidateShortfall {
                excluded_counts: BTreeMap::from([
                    (ExclusionReason::SeatedSameDay, 2),
                    (ExclusionReason::NotActive, 1),
                ]),
                excluded_total: 3,
                eligible_count: 4,
                unfilled: Unfilled::Slot {
                    index: 0,
                    sector: Some(Sector::Steel),
                    kind: None,
                    fitting: 0,
                },
            }),
        };
        let err: async_graphql::Error = slot.into();
        let ext = err.extensions.expect("extensions");
        assert_eq!(
            ext.get("code"),
            Some(&Value::from("INSUFFICIENT_CANDIDATES"))
        );
        assert_eq!(ext.get("eligibleCount"), Some(&Value::from(4)));
        assert_eq!(ext.get("excludedTotal"), Some(&Value::from(3)));
        assert_eq!(
            ext.get("excludedCounts")
                .map(ToString::to_string)
                .as_deref(),
            Some("{NOT_ACTIVE: 1, SEATED_SAME_DAY: 2}")
        );
        assert_eq!(
            ext.get("unfillableSlot")
                .map(ToString::to_string)
                .as_deref(),
            Some("{index: 0, sector: \"STEEL\", kind: null, fitting: 0}")
        );
        assert_eq!(ext.get("needed"), None);
    }

    #[test]
    fn bad_input_names_the_field() {
        let err: async_graphql::Error = AppError::bad_input("idCardNumber", "bad checksum").into();
        let ext = err.extensions.expect("extensions");
        assert_eq!(ext.get("code"), Some(&Value::from("BAD_USER_INPUT")));
        assert_eq!(ext.get("field"), Some(&Value::from("idCardNumber")));
    }

    #[test]
    fn database_errors_become_internal() {
        let err: AppError = DbErr::Custom("syntax error near users".into()).into();
        assert_eq!(err.code(), "INTERNAL");
        assert_eq!(err.client_message(), "internal error");
    }

    #[test]
    fn a_statement_on_a_broken_connection_is_unavailable() {
        use std::sync::Arc;

        let broken = sea_orm::sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into());
        let err: AppError = DbErr::Query(RuntimeErr::SqlxError(Arc::new(broken))).into();
        assert_eq!(err.code(), "SERVICE_UNAVAILABLE");
        let other = sea_orm::sqlx::Error::RowNotFound;
        let err: AppError = DbErr::Exec(RuntimeErr::SqlxError(Arc::new(other))).into();
        assert_eq!(err.code(), "INTERNAL");
    }
}
