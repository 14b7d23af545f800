//! The yearly training plan (年度培训计划): items set by the province, each a training to hold
//! (provincial, or a named city's) with its audiences, topics and month. A session that
//! carries an item out names it, which is how the plan's fulfilment is read.

use std::collections::{HashMap, HashSet};

use async_graphql::{ID, InputObject};
use chrono::Utc;
use entity::{training_plan, training_plan_item, training_session};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{TrainingAudience, TrainingScope, TrainingTopic, join_enum_list};
use crate::error::{AppError, AppResult};
use crate::scalars::parse_optional_id;

use super::super::text::{required_text, tag_set};
use super::super::{audit_log, reference, versioned};
use super::check_year;

/// One planned training; give the `id` of an existing item to keep it (sessions that carry
/// it out keep pointing at it).
#[derive(InputObject)]
#[graphql(name = "TrainingPlanItemInput")]
pub struct PlanItemInput {
    pub id: Option<ID>,
    pub title: String,
    pub scope: TrainingScope,
    /// The city that holds a CITY item.
    pub city_code: Option<String>,
    pub audiences: Vec<TrainingAudience>,
    pub topics: Vec<TrainingTopic>,
    /// 1–12.
    pub planned_month: i32,
}

pub struct PlanView {
    pub plan: training_plan::Model,
    pub items: Vec<training_plan_item::Model>,
}

/// Most items one year's plan may have.
const MAX_ITEMS: usize = 500;

/// A checked item: (id to keep, if any, and the row's fields).
struct CheckedItem {
    id: Option<Uuid>,
    title: String,
    scope: TrainingScope,
    city_code: Option<String>,
    audiences: String,
    topics: String,
    planned_month: i32,
}

async fn check_item(
    db: &impl ConnectionTrait,
    i: usize,
    id: Option<Uuid>,
    item: PlanItemInput,
) -> AppResult<CheckedItem> {
    let field = |f: &str| format!("items[{i}].{f}");
    let title = required_text(&field("title"), &item.title, 200)?;
    let city_code = item
        .city_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    match (item.scope, &city_code) {
        (TrainingScope::Provincial, Some(_)) => {
            return Err(AppError::bad_input(
                field("cityCode"),
                "a provincial item has no city",
            ));
        }
        (TrainingScope::City, None) => {
            return Err(AppError::bad_input(
                field("cityCode"),
                "a city item names its city",
            ));
        }
        (TrainingScope::City, Some(code)) => {
            reference::require_known_city(db, &field("cityCode"), code).await?;
        }
        (TrainingScope::Provincial, None) => {}
    }
    if !(1..=12).contains(&item.planned_month) {
        return Err(AppError::bad_input(
            field("plannedMonth"),
            "must be a month from 1 to 12",
        ));
    }
    Ok(CheckedItem {
        id,
        title,
        scope: item.scope,
        city_code,
        audiences: join_enum_list(&tag_set(&field("audiences"), &item.audiences)?),
        topics: join_enum_list(&tag_set(&field("topics"), &item.topics)?),
        planned_month: item.planned_month,
    })
}

async fn plan_of_year(
    db: &impl ConnectionTrait,
    year: i32,
) -> AppResult<Option<training_plan::Model>> {
    Ok(training_plan::Entity::find()
        .filter(training_plan::Column::Year.eq(year))
        .one(db)
        .await?)
}

async fn items_of(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
) -> AppResult<Vec<training_plan_item::Model>> {
    Ok(training_plan_item::Entity::find()
        .filter(training_plan_item::Column::PlanId.eq(plan_id))
        .order_by_asc(training_plan_item::Column::Position)
        .all(db)
        .await?)
}

/// Sets the year's plan to `items` (province admins). `expected_version`, when given, must be
/// the plan's current version (0 while the year has none), so two editors cannot overwrite
/// each other unknowingly. An item a session carries out must stay, with its scope and city.
pub async fn set_plan(
    db: &DatabaseConnection,
    viewer: &Viewer,
    year: i32,
    items: Vec<PlanItemInput>,
    expected_version: Option<i32>,
) -> AppResult<PlanView> {
    // The ids are read first, as the input is parsed.
    let ids = items
        .iter()
        .enumerate()
        .map(|(i, item)| parse_optional_id(&format!("items[{i}].id"), item.id.as_ref()))
        .collect::<AppResult<Vec<_>>>()?;
    viewer.require_province_admin()?;
    let year = check_year("year", year)?;
    if items.len() > MAX_ITEMS {
        return Err(AppError::bad_input(
            "items",
            format!("at most {MAX_ITEMS} items"),
        ));
    }
    let mut checked = Vec::with_capacity(items.len());
    let mut ids_seen: HashMap<Uuid, usize> = HashMap::new();
    for (i, (id, item)) in ids.into_iter().zip(items).enumerate() {
        if let Some(id) = id
            && let Some(first) = ids_seen.insert(id, i)
        {
            return Err(AppError::bad_input(
                format!("items[{i}].id"),
                format!("appears twice (also items[{first}])"),
            ));
        }
        checked.push(check_item(db, i, id, item).await?);
    }

    let txn = begin_write(db).await?;
    let now = Utc::now();
    let existing_plan = plan_of_year(&txn, year).await?;
    let current_version = existing_plan.as_ref().map_or(0, |p| p.version);
    if let Some(expected) = expected_version {
        versioned::expect_version::<training_plan::Entity>(current_version, expected)?;
    }
    let plan = match existing_plan {
        Some(plan) => {
            // Conditional on the version read, so a concurrent editor's change is not lost.
            let bumped = training_plan::ActiveModel {
                version: Set(plan.version + 1),
                updated_by: Set(viewer.user_id()),
                updated_at: Set(now),
                ..Default::default()
            };
            versioned::update_if_version::<training_plan::Entity>(
                &txn,
                bumped,
                plan.id,
                plan.version,
                None,
            )
            .await?;
            training_plan::Model {
                version: plan.version + 1,
                updated_by: viewer.user_id(),
                updated_at: now,
                ..plan
            }
        }
        // A concurrent first plan of the same year meets the unique year: CONFLICT.
        None => {
            training_plan::ActiveModel {
                id: Set(Uuid::now_v7()),
                year: Set(year),
                version: Set(1),
                updated_by: Set(viewer.user_id()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    let old_items = items_of(&txn, plan.id).await?;
    let old_by_id: HashMap<Uuid, &training_plan_item::Model> =
        old_items.iter().map(|i| (i.id, i)).collect();
    for (i, item) in checked.iter().enumerate() {
        if let Some(id) = item.id
            && !old_by_id.contains_key(&id)
        {
            return Err(AppError::bad_input(
                format!("items[{i}].id"),
                format!("is not an item of the {year} plan"),
            ));
        }
    }
    let kept: HashSet<Uuid> = checked.iter().filter_map(|i| i.id).collect();
    let old_ids: Vec<Uuid> = old_items.iter().map(|i| i.id).collect();
    let used = unguarded::item_sessions_of(&txn, &old_ids).await?;
    for old in &old_items {
        let Some(session) = used.get(&old.id).and_then(|s| s.first()) else {
            continue;
        };
        if !kept.contains(&old.id) {
            return Err(AppError::bad_input(
                "items",
                format!(
                    "item {} ({}) is carried out by session {} ({}); keep it",
                    old.id, old.title, session.id, session.title
                ),
            ));
        }
    }
    for (i, item) in checked.iter().enumerate() {
        let Some(id) = item.id else { continue };
        let Some(old) = old_by_id.get(&id) else {
            continue;
        };
        let moved = old.scope != item.scope || old.city_code != item.city_code;
        if moved && used.get(&id).is_some_and(|s| !s.is_empty()) {
            return Err(AppError::bad_input(
                format!("items[{i}].scope"),
                "a session carries this item out; its scope and city stay",
            ));
        }
    }
    let removed: Vec<Uuid> = old_ids
        .iter()
        .copied()
        .filter(|id| !kept.contains(id))
        .collect();
    if !removed.is_empty() {
        training_plan_item::Entity::delete_many()
            .filter(training_plan_item::Column::Id.is_in(removed.iter().copied()))
            .exec(&txn)
            .await?;
    }
    for (position, item) in checked.into_iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        let mut row = training_plan_item::ActiveModel {
            title: Set(item.title),
            position: Set(position),
            scope: Set(item.scope),
            city_code: Set(item.city_code),
            audiences: Set(item.audiences),
            topics: Set(item.topics),
            planned_month: Set(item.planned_month),
            updated_at: Set(now),
            ..Default::default()
        };
        match item.id {
            Some(id) => {
                training_plan_item::Entity::update_many()
                    .set(row)
                    .filter(training_plan_item::Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
            }
            None => {
                row.id = Set(Uuid::now_v7());
                row.plan_id = Set(plan.id);
                row.created_at = Set(now);
                row.insert(&txn).await?;
            }
        }
    }
    let items = items_of(&txn, plan.id).await?;
    audit_log::commit(
        txn,
        viewer,
        "setTrainingPlan",
        "TrainingPlan",
        Some(plan.id.to_string()),
        json!({ "year": year, "version": plan.version, "items": items.len(), "removed": removed.len() }),
        )
    .await?;
    Ok(PlanView { plan, items })
}

/// The year's plan (administrators: it is the province's plan for every city); `None` while
/// the year has none.
pub async fn get_plan(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    year: i32,
) -> AppResult<Option<PlanView>> {
    viewer.require_admin()?;
    let Some(plan) = plan_of_year(db, year).await? else {
        return Ok(None);
    };
    let items = items_of(db, plan.id).await?;
    Ok(Some(PlanView { plan, items }))
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    use super::*;
    /// The sessions that name each item, cancelled ones included, in creation order.
    pub async fn item_sessions_of(
        db: &impl ConnectionTrait,
        item_ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<training_session::Model>>> {
        if item_ids.is_empty() {
            return Ok(HashMap::new());
        }
        crate::services::owned_by::<training_session::Entity>(
            db,
            training_session::Column::PlanItemId,
            item_ids,
            [training_session::Column::Id],
        )
        .await
    }
}
