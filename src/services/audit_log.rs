//! The audit log: one entry per mutation, written in the mutation's own transaction.

use chrono::Utc;
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::AppResult;

pub async fn record(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    operation: &str,
    entity_type: &str,
    entity_id: Option<String>,
    summary: Value,
) -> AppResult<()> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(viewer.user_id()),
        actor_role: Set(match viewer {
            Viewer::System => Some("SYSTEM".to_owned()),
            _ => viewer.role().map(|r| r.as_str().to_owned()),
        }),
        operation: Set(operation.to_owned()),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        summary: Set(summary.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}
