//! The audit log: one entry per mutation, written in the mutation's own transaction, each
//! chained to the previous one by a hash so that an edited or deleted entry is detectable.
//!
//! Chain: `hash = SHA-256(prev_hash ‖ F(seq) ‖ F(id) ‖ F(actor_id) ‖ F(actor_role) ‖
//! F(operation) ‖ F(entity_type) ‖ F(entity_id) ‖ F(summary) ‖ F(created_at))`, where `F(x)`
//! is x's UTF-8 bytes prefixed by their length as 4 bytes big-endian, absent values are the
//! empty string, `created_at` is RFC 3339 with microseconds, and the first `prev_hash` is 64
//! zeros. The single `audit_log_head` row holds the last seq and hash; every appender
//! updates it first, which serialises appenders on its row lock.

use chrono::{DateTime, SubsecRound, Utc};
use entity::{audit_log, audit_log_head};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::WriteTxn;
use crate::error::{AppError, AppResult};

use super::pagination::{Page, PageRequest, fetch_page};

const HEAD_ID: i32 = 1;

fn field(hasher: &mut Sha256, value: &str) {
    let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
    hasher.update(len.to_be_bytes());
    hasher.update(value.as_bytes());
}

/// The hash of one entry given its predecessor's (see the module doc).
pub fn entry_hash(prev_hash: &str, seq: i64, entry: &audit_log::Model) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    field(&mut hasher, &seq.to_string());
    field(&mut hasher, &entry.id.to_string());
    field(
        &mut hasher,
        &entry.actor_id.map(|a| a.to_string()).unwrap_or_default(),
    );
    field(&mut hasher, entry.actor_role.as_deref().unwrap_or(""));
    field(&mut hasher, &entry.operation);
    field(&mut hasher, &entry.entity_type);
    field(&mut hasher, entry.entity_id.as_deref().unwrap_or(""));
    field(&mut hasher, &entry.summary);
    field(&mut hasher, &timestamp(entry.created_at));
    hex::encode(hasher.finalize())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Ends a mutation: appends its entry in the mutation's own transaction and commits both,
/// so no change lands without its entry and no entry without its change. The one way a
/// service finishes a write it began with `begin_write`.
pub async fn commit(
    txn: WriteTxn,
    viewer: &Viewer,
    operation: &str,
    entity_type: &str,
    entity_id: Option<String>,
    summary: Value,
) -> AppResult<()> {
    record_all(
        &txn,
        vec![NewEntry {
            viewer,
            operation,
            entity_type,
            entity_id,
            summary,
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Ends a mutation that adds one row: inserts `row` and commits it with its entry (see
/// [`commit`]), which names the row's id and takes its summary from the row as written.
pub async fn commit_insert<A>(
    txn: WriteTxn,
    viewer: &Viewer,
    (operation, entity_type): (&str, &str),
    row: A,
    summary: impl FnOnce(&<A::Entity as EntityTrait>::Model) -> Value,
) -> AppResult<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let created = row.insert(&txn).await?;
    let id = super::id_of::<A::Entity>(&created)?;
    commit_row(txn, viewer, (operation, entity_type), id, created, summary).await
}

/// Ends a mutation that wrote one row: commits it with its entry (see [`commit`]), which
/// names the row by `id` and takes its summary from the row as written; answers the row.
pub async fn commit_row<M>(
    txn: WriteTxn,
    viewer: &Viewer,
    (operation, entity_type): (&str, &str),
    id: Uuid,
    row: M,
    summary: impl FnOnce(&M) -> Value,
) -> AppResult<M> {
    let summary = summary(&row);
    commit(
        txn,
        viewer,
        operation,
        entity_type,
        Some(id.to_string()),
        summary,
    )
    .await?;
    Ok(row)
}

/// One entry to append.
pub struct NewEntry<'a> {
    pub viewer: &'a Viewer,
    pub operation: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub summary: Value,
}

/// Appends entries in order: one head update before and one after, and the entries in as
/// few inserts as the backend allows (`bulk::insert_rows`; a batch of draws writes one per
/// draw).
pub async fn record_all(txn: &impl ConnectionTrait, entries: Vec<NewEntry<'_>>) -> AppResult<()> {
    let Ok(count) = i64::try_from(entries.len()) else {
        return Err(AppError::internal("too many audit-log entries at once"));
    };
    if count == 0 {
        return Ok(());
    }
    // Take the head's row lock first: concurrent appenders queue here, so the chain never
    // forks. It returns the last of the seqs taken and the hash before the first.
    let head = audit_log_head::Entity::update_many()
        .col_expr(
            audit_log_head::Column::Seq,
            Expr::col(audit_log_head::Column::Seq).add(count),
        )
        .filter(audit_log_head::Column::Id.eq(HEAD_ID))
        .exec_with_returning(txn)
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("the audit log head row is missing"))?;
    let mut seq = head.seq - count;
    let mut prev_hash = head.hash;
    // Stored at the precision both databases keep, so the hash recomputes exactly.
    let created_at = Utc::now().trunc_subsecs(6);
    let mut rows = Vec::with_capacity(entries.len());
    for new in entries {
        seq += 1;
        let mut entry = audit_log::Model {
            id: Uuid::now_v7(),
            actor_id: new.viewer.user_id(),
            actor_role: match new.viewer {
                Viewer::System => Some("SYSTEM".to_owned()),
                viewer => viewer.role().map(|r| r.as_str().to_owned()),
            },
            operation: new.operation.to_owned(),
            entity_type: new.entity_type.to_owned(),
            entity_id: new.entity_id,
            summary: new.summary.to_string(),
            created_at,
            seq: Some(seq),
            prev_hash: Some(prev_hash.clone()),
            hash: None,
        };
        let hash = entry_hash(&prev_hash, seq, &entry);
        entry.hash = Some(hash.clone());
        prev_hash = hash;
        rows.push(audit_log::ActiveModel {
            id: Set(entry.id),
            actor_id: Set(entry.actor_id),
            actor_role: Set(entry.actor_role),
            operation: Set(entry.operation),
            entity_type: Set(entry.entity_type),
            entity_id: Set(entry.entity_id),
            summary: Set(entry.summary),
            created_at: Set(entry.created_at),
            seq: Set(entry.seq),
            prev_hash: Set(entry.prev_hash),
            hash: Set(entry.hash),
        });
    }
    super::bulk::insert_rows(txn, rows).await?;
    audit_log_head::Entity::update_many()
        .col_expr(audit_log_head::Column::Hash, Expr::value(prev_hash))
        .filter(audit_log_head::Column::Id.eq(HEAD_ID))
        .exec(txn)
        .await?;
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
pub enum ChainVerdict {
    Intact {
        entries: u64,
    },
    Broken {
        seq: i64,
        entry_id: Option<Uuid>,
        problem: String,
    },
}

/// Walks the chain in order and names the first entry that does not check out: an edited
/// entry (hash mismatch), a deleted one (a gap in seq), or a truncated tail (head ahead).
pub async fn verify_chain(db: &impl ConnectionTrait) -> AppResult<ChainVerdict> {
    const BATCH: u64 = 1000;
    let mut expected_prev = "0".repeat(64);
    let mut expected_seq: i64 = 1;
    loop {
        let batch = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(BATCH)
            .all(db)
            .await?;
        let done = (batch.len() as u64) < BATCH;
        for entry in batch {
            let seq = entry.seq.unwrap_or_default();
            if seq != expected_seq {
                return Ok(ChainVerdict::Broken {
                    seq: expected_seq,
                    entry_id: None,
                    problem: format!("entry {expected_seq} is missing (next present is {seq})"),
                });
            }
            let recomputed = entry_hash(&expected_prev, seq, &entry);
            if entry.prev_hash.as_deref() != Some(expected_prev.as_str())
                || entry.hash.as_deref() != Some(recomputed.as_str())
            {
                return Ok(ChainVerdict::Broken {
                    seq,
                    entry_id: Some(entry.id),
                    problem: format!(
                        "entry {seq} was altered: its hash does not match its content"
                    ),
                });
            }
            expected_prev = recomputed;
            expected_seq += 1;
        }
        if done {
            break;
        }
    }
    let head = audit_log_head::Entity::find_by_id(HEAD_ID)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("the audit log head row is missing"))?;
    if head.seq != expected_seq - 1 || head.hash != expected_prev {
        return Ok(ChainVerdict::Broken {
            seq: expected_seq,
            entry_id: None,
            problem: format!(
                "the log ends at entry {} but the head records {}: entries were deleted from the end",
                expected_seq - 1,
                head.seq
            ),
        });
    }
    Ok(ChainVerdict::Intact {
        entries: u64::try_from(expected_seq - 1).unwrap_or_default(),
    })
}

#[derive(Default)]
pub struct AuditLogFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<Uuid>,
    pub operation: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The log, oldest first (province admins only).
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: AuditLogFilter,
    page: PageRequest,
) -> AppResult<Page<audit_log::Model>> {
    viewer.require_province_admin()?;
    use audit_log::Column;
    // Each filter given narrows the log; absent ones add nothing.
    let condition = sea_orm::Condition::all()
        .add_option(filter.entity_type.map(|v| Column::EntityType.eq(v)))
        .add_option(filter.entity_id.map(|v| Column::EntityId.eq(v)))
        .add_option(filter.actor_id.map(|v| Column::ActorId.eq(v)))
        .add_option(filter.operation.map(|v| Column::Operation.eq(v)))
        .add_option(filter.from.map(|v| Column::CreatedAt.gte(v)))
        .add_option(filter.until.map(|v| Column::CreatedAt.lt(v)));
    let query = audit_log::Entity::find().filter(condition);
    fetch_page(db, query, audit_log::Column::Id, page).await
}
