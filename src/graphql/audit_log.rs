//! The tamper-evident audit log, for province admins.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::audit_log;

use crate::services::audit_log::{self as service, AuditLogFilter as ServiceFilter};

use super::context::viewer;
use super::pagination::page_args;
use super::scalars::{id_of, parse_optional_id};

pub struct AuditLogEntry(pub audit_log::Model);

crate::connection_type!(AuditLogConnection, AuditLogEdge, AuditLogEntry);

#[Object]
impl AuditLogEntry {
    async fn id(&self) -> ID {
        id_of(self.0.id)
    }
    /// Position in the hash chain.
    async fn seq(&self) -> Option<i64> {
        self.0.seq
    }
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(id_of)
    }
    async fn actor_role(&self) -> Option<&str> {
        self.0.actor_role.as_deref()
    }
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    async fn entity_id(&self) -> Option<&str> {
        self.0.entity_id.as_deref()
    }
    /// The changed fields, as JSON text; never secrets.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn hash(&self) -> Option<&str> {
        self.0.hash.as_deref()
    }
}

#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<ID>,
    pub operation: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct AuditLogQuery;

#[Object]
impl AuditLogQuery {
    /// Every mutation, oldest first (province admins).
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditLogFilter>,
    ) -> Result<AuditLogConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = ServiceFilter {
            entity_type: f.entity_type,
            entity_id: f.entity_id,
            actor_id: parse_optional_id("filter.actorId", f.actor_id.as_ref())?,
            operation: f.operation,
            from: f.from,
            until: f.until,
        };
        let result = service::list(&s.db, viewer(ctx), filter, page).await?;
        Ok(AuditLogConnection::of_rows(result, |m| m.id, AuditLogEntry))
    }
}
