//! An enterprise's audits down to the experts' seats, in one statement: what a front end's
//! enterprise page asks for (its audits, their reviews, each review's panel and its seats).
//! Read level by level, that is four statements and four round trips; joined, one. Each
//! audit, review and panel comes on several rows and is decoded on its first only.

use std::collections::HashMap;

use entity::{audit, panel, panel_seat, review};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query};
use uuid::Uuid;

use crate::error::AppResult;
use crate::services::bulk::{self, select_in_order};
use crate::services::{expert_pool, positional};

/// Some enterprises' audits, reviews, panels and seats, each keyed as its loader keys it, and
/// the expert pool's revision as of the same statement.
#[derive(Default)]
pub struct AuditTrees {
    /// By enterprise, oldest audit first.
    pub audits: HashMap<Uuid, Vec<audit::Model>>,
    /// By audit, in id order.
    pub reviews: HashMap<Uuid, Vec<review::Model>>,
    /// Reviews and panels, below the audits.
    pub panels: PanelsOfReviews,
}

/// Panels by their review, and their seats by panel in slot order.
#[derive(Default)]
pub struct PanelsOfReviews {
    pub panels: HashMap<Uuid, panel::Model>,
    pub seats: HashMap<Uuid, Vec<panel_seat::Model>>,
    /// The expert pool's revision, read in the same statement (none when no row came): the
    /// seats' experts are then taken from the pool at that revision without reading it again.
    pub pool_revision: Option<i64>,
}

/// Unguarded (the loaders' batch read; the types that resolve the rows check access): the
/// audits of `enterprise_ids` with their reviews, panels and seats, and the expert pool's
/// revision, in one statement.
pub async fn audit_trees_of_enterprises(
    db: &impl ConnectionTrait,
    enterprise_ids: &[Uuid],
) -> AppResult<AuditTrees> {
    let mut query = Query::select();
    query
        .from(audit::Entity)
        .join(
            JoinType::LeftJoin,
            review::Entity,
            Expr::col((review::Entity, review::Column::AuditId))
                .equals((audit::Entity, audit::Column::Id)),
        )
        .join(
            JoinType::LeftJoin,
            panel::Entity,
            Expr::col((panel::Entity, panel::Column::ReviewId))
                .equals((review::Entity, review::Column::Id)),
        )
        .join(
            JoinType::LeftJoin,
            panel_seat::Entity,
            Expr::col((panel_seat::Entity, panel_seat::Column::PanelId))
                .equals((panel::Entity, panel::Column::Id)),
        )
        .and_where(bulk::among(
            db.get_database_backend(),
            audit::Column::EnterpriseId,
            enterprise_ids.iter().copied(),
        ))
        .order_by((audit::Entity, audit::Column::Id), Order::Asc)
        .order_by((review::Entity, review::Column::Id), Order::Asc)
        .order_by(
            (panel_seat::Entity, panel_seat::Column::SlotIndex),
            Order::Asc,
        )
        .order_by((panel_seat::Entity, panel_seat::Column::Id), Order::Asc);
    select_in_order::<audit::Entity>(&mut query);
    select_in_order::<review::Entity>(&mut query);
    select_in_order::<panel::Entity>(&mut query);
    select_in_order::<panel_seat::Entity>(&mut query);
    query.expr_as(
        expert_pool::revision_column(),
        Alias::new(expert_pool::REVISION_COLUMN),
    );
    let statement = db.get_database_backend().build(&query);

    // Each table's columns, by position (`positional`): audits first, then reviews, panels
    // and seats.
    let review_at = positional::width::<audit::Entity>();
    let panel_at = review_at + positional::width::<review::Entity>();
    let seat_at = panel_at + positional::width::<panel::Entity>();

    let mut trees = AuditTrees::default();
    let (mut audit_id, mut review_id, mut panel_id) = (None, None, None);
    for row in db.query_all_raw(statement).await? {
        // Rows come audit by audit, review by review: a level's columns are read on its
        // first row only.
        let this_audit: Uuid = row.try_get_by_index(0)?;
        if trees.panels.pool_revision.is_none() {
            trees.panels.pool_revision = Some(expert_pool::revision_in(&row)?);
        }
        if audit_id != Some(this_audit) {
            let audit = positional::audit_at(&row, 0)?;
            trees
                .audits
                .entry(audit.enterprise_id)
                .or_default()
                .push(audit);
            audit_id = Some(this_audit);
            (review_id, panel_id) = (None, None);
        }
        let this_review: Option<Uuid> = row.try_get_by_index(review_at)?;
        if this_review.is_some() && review_id != this_review {
            let review = positional::review_at(&row, review_at)?;
            trees.reviews.entry(this_audit).or_default().push(review);
            review_id = this_review;
        }
        let this_panel: Option<Uuid> = row.try_get_by_index(panel_at)?;
        if let Some(this_panel) = this_panel
            && panel_id != Some(this_panel)
        {
            let panel = positional::panel_at(&row, panel_at)?;
            trees.panels.panels.insert(panel.review_id, panel);
            panel_id = Some(this_panel);
        }
        let this_seat: Option<Uuid> = row.try_get_by_index(seat_at)?;
        if let (Some(this_panel), Some(_)) = (this_panel, this_seat) {
            let seat = positional::seat_at(&row, seat_at)?;
            trees.panels.seats.entry(this_panel).or_default().push(seat);
        }
    }
    Ok(trees)
}
