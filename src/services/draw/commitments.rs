//! Commitments: a review's next draw round has its random bytes fixed, and their SHA-256
//! commitment shown and logged, before the witness types the nonce (`openDraw`). The round
//! takes the open commitment, reveals the bytes and uses the commitment up in its own
//! transaction, so the server never picks its random bytes after seeing the nonce.

use chrono::{SubsecRound, Utc};
use entity::draw_commitment;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::request::{Setting, check_open, os_random};
use crate::auth::Viewer;
use crate::db::begin_write;
use crate::error::{AppError, AppResult};
use crate::rules::draw::{bytes32_from_hex, commitment_of};
use crate::services::{Services, audit_log};

/// Opens the next draw round of a review (its first draw or a replacement): the open
/// commitment if there is one, else a new one, logged. The organiser of the review only.
pub async fn open_draw(
    s: &Services,
    viewer: &Viewer,
    review_id: Uuid,
) -> AppResult<draw_commitment::Model> {
    viewer.require_official()?;
    let setting = Setting::load(s, viewer, review_id, false).await?;
    check_open(&setting.review)?;
    if let Some(open) = open_for(&s.db, review_id).await? {
        return Ok(open);
    }
    let random = os_random()?;
    let created = draw_commitment::Model {
        id: Uuid::now_v7(),
        review_id,
        server_random: hex::encode(random),
        commitment: hex::encode(commitment_of(&random)),
        committed_at: Utc::now().trunc_subsecs(6),
        committed_by: viewer.user_id(),
        used_at: None,
    };
    let txn = begin_write(&s.db).await?;
    let saved = draw_commitment::ActiveModel::from(created)
        .insert(&txn)
        .await?;
    audit_log::commit(
        txn,
        viewer,
        "openDraw",
        "DrawCommitment",
        Some(saved.id.to_string()),
        json!({ "reviewId": review_id, "commitment": saved.commitment, "committedAt": saved.committed_at }),
    )
    .await?;
    Ok(saved)
}

/// The review's open (unused) commitment, if any.
pub async fn open_for(
    db: &impl ConnectionTrait,
    review_id: Uuid,
) -> AppResult<Option<draw_commitment::Model>> {
    Ok(draw_commitment::Entity::find()
        .filter(draw_commitment::Column::ReviewId.eq(review_id))
        .filter(draw_commitment::Column::UsedAt.is_null())
        .order_by_desc(draw_commitment::Column::Id)
        .one(db)
        .await?)
}

/// The open commitment a round must use, or why it cannot be drawn yet.
pub(super) async fn required(
    db: &impl ConnectionTrait,
    review_id: Uuid,
) -> AppResult<(draw_commitment::Model, [u8; 32])> {
    let open = open_for(db, review_id).await?.ok_or_else(|| {
        AppError::bad_input(
            "reviewId",
            "open the draw first (openDraw): its commitment must be shown before the witness types the nonce",
        )
    })?;
    let random = bytes32_from_hex(&open.server_random).ok_or_else(|| {
        AppError::internal(format!("commitment {} holds no random bytes", open.id))
    })?;
    Ok((open, random))
}

/// Uses up the rounds' commitments, inside their transaction, in one statement whatever
/// their number: `false` when one was used by another round meanwhile (the draw lost a race).
pub(super) async fn use_up(txn: &impl ConnectionTrait, used: &[Uuid]) -> AppResult<bool> {
    if used.is_empty() {
        return Ok(true);
    }
    let changed = draw_commitment::Entity::update_many()
        .col_expr(
            draw_commitment::Column::UsedAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(draw_commitment::Column::Id.is_in(used.iter().copied()))
        .filter(draw_commitment::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    Ok(changed.rows_affected == used.len() as u64)
}
