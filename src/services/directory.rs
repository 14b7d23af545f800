//! Who decides the mandatory directory (名录总库): a city applies to add one of its
//! enterprises or remove it, the province approves or refuses; the province may still add or
//! remove an enterprise itself. Every change to an entry is kept (`directory_changes`): who,
//! when, why, and the application it carried out.

use std::collections::HashMap;

use chrono::{Datelike, Utc};
use entity::{directory_application, directory_change, enterprise};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{
    DirectoryAction, DirectoryApplicationStatus, DirectoryReasonKind, NotificationKind, Role,
};
use crate::error::{AppError, AppResult};
use crate::rules::directory::{DirectoryRuleError, check_change, check_decision, decided_status};

use super::enterprises::{self, check_plan_year};
use super::notifications::Params;
use super::notifications::calendar::{Admins, Announcement, announce};
use super::notifications::templates::DirectoryFacts;
use super::pagination::{Page, PageRequest, fetch_page};
use super::text::{optional_text, required_text};
use super::{audit_log, reference, today, versioned};

/// The longest reason kept, in characters.
const REASON_MAX: usize = 500;

/// A city's application as given.
pub struct ApplyInput {
    pub enterprise_id: Uuid,
    pub action: DirectoryAction,
    /// ADD: the year it joins from (this year when absent).
    pub since_year: Option<i32>,
    pub reason_kind: Option<DirectoryReasonKind>,
    pub reason: String,
}

/// Which applications to list.
#[derive(Default)]
pub struct ApplicationFilter {
    pub status: Option<DirectoryApplicationStatus>,
    pub city_code: Option<String>,
    pub enterprise_id: Option<Uuid>,
}

fn rule_error(err: DirectoryRuleError) -> AppError {
    match err {
        DirectoryRuleError::AlreadyDecided(_) => AppError::conflict(err.to_string()),
        _ => AppError::bad_input(err.field(), err.to_string()),
    }
}

/// Only the province changes the directory itself; a city applies.
pub(crate) fn require_direct_change(viewer: &Viewer) -> AppResult<()> {
    viewer.require_admin()?;
    if viewer.role() == Some(Role::CityAdmin) {
        return Err(AppError::forbidden(
            "a city administrator applies for directory changes (applyDirectoryChange); the province decides",
        ));
    }
    Ok(())
}

/// Writes one change of an entry, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_change(
    txn: &impl ConnectionTrait,
    viewer: &Viewer,
    enterprise_id: Uuid,
    action: DirectoryAction,
    since_year: Option<i32>,
    reason_kind: Option<DirectoryReasonKind>,
    reason: Option<String>,
    application_id: Option<Uuid>,
) -> AppResult<()> {
    directory_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(enterprise_id),
        action: Set(action),
        since_year: Set(since_year),
        reason_kind: Set(reason_kind),
        reason: Set(reason),
        application_id: Set(application_id),
        actor_id: Set(viewer.user_id()),
        changed_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The history row of an enterprise the province put in the directory as it was registered
/// (created or imported), for a bulk insert.
pub(crate) fn joined_row(
    viewer: &Viewer,
    enterprise_id: Uuid,
    since_year: i32,
) -> directory_change::ActiveModel {
    directory_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(enterprise_id),
        action: Set(DirectoryAction::Add),
        since_year: Set(Some(since_year)),
        reason_kind: Set(None),
        reason: Set(None),
        application_id: Set(None),
        actor_id: Set(viewer.user_id()),
        changed_at: Set(Utc::now()),
    }
}

/// Sets (or clears) the entry on the enterprise read in the same transaction; a concurrent
/// change of the enterprise makes this a CONFLICT.
async fn set_membership(
    txn: &impl ConnectionTrait,
    current: enterprise::Model,
    since_year: Option<i32>,
) -> AppResult<enterprise::Model> {
    let (id, version) = (current.id, current.version);
    let mut active: enterprise::ActiveModel = current.into();
    active.directory_since_year = Set(since_year);
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    enterprises::update_if_version(txn, id, active, version).await
}

/// The province adds an enterprise from `since_year` itself.
pub async fn add_directly(
    db: &DatabaseConnection,
    viewer: &Viewer,
    enterprise_id: Uuid,
    since_year: i32,
    reason: Option<String>,
) -> AppResult<enterprise::Model> {
    require_direct_change(viewer)?;
    let since_year = check_plan_year("sinceYear", since_year)?;
    let reason = optional_text("reason", reason, REASON_MAX)?;
    let txn = begin_write(db).await?;
    let current = enterprises::find(&txn, enterprise_id).await?;
    if let Some(year) = current.directory_since_year {
        return Err(AppError::conflict(format!(
            "the enterprise is in the directory since {year} already"
        )));
    }
    let updated = set_membership(&txn, current, Some(since_year)).await?;
    record_change(
        &txn,
        viewer,
        enterprise_id,
        DirectoryAction::Add,
        Some(since_year),
        None,
        reason,
        None,
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "addToDirectory",
        "Enterprise",
        Some(enterprise_id.to_string()),
        json!({ "sinceYear": since_year }),
    )
    .await?;
    Ok(updated)
}

/// The province removes an enterprise itself, saying why.
pub async fn remove_directly(
    db: &DatabaseConnection,
    viewer: &Viewer,
    enterprise_id: Uuid,
    reason_kind: DirectoryReasonKind,
    reason: String,
) -> AppResult<enterprise::Model> {
    require_direct_change(viewer)?;
    let reason = required_text("reason", &reason, REASON_MAX)?;
    let txn = begin_write(db).await?;
    let current = enterprises::find(&txn, enterprise_id).await?;
    check_change(
        DirectoryAction::Remove,
        current.directory_since_year.is_some(),
        Some(reason_kind),
        false,
    )
    .map_err(rule_error)?;
    let updated = set_membership(&txn, current, None).await?;
    record_change(
        &txn,
        viewer,
        enterprise_id,
        DirectoryAction::Remove,
        None,
        Some(reason_kind),
        Some(reason),
        None,
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "removeFromDirectory",
        "Enterprise",
        Some(enterprise_id.to_string()),
        json!({ "reasonKind": reason_kind }),
    )
    .await?;
    Ok(updated)
}

async fn city_name(db: &impl ConnectionTrait, code: &str) -> AppResult<String> {
    Ok(reference::cities_by_code(db, &[code.to_owned()])
        .await?
        .remove(code)
        .map_or_else(|| code.to_owned(), |c| c.name))
}

fn facts_of(
    application: &directory_application::Model,
    enterprise: &str,
    city: String,
) -> DirectoryFacts {
    let decided = application.status != DirectoryApplicationStatus::Pending;
    DirectoryFacts {
        application_id: application.id,
        enterprise: enterprise.to_owned(),
        city_code: application.city_code.clone(),
        city,
        action: application.action,
        since_year: application.since_year,
        reason_kind: application.reason_kind,
        reason: application.reason.clone(),
        approved: decided.then_some(application.status == DirectoryApplicationStatus::Approved),
        decision_reason: application.decision_reason.clone(),
    }
}

/// A city applies to add one of its enterprises or remove it; the province's admins hear of
/// it.
pub async fn apply(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: ApplyInput,
) -> AppResult<directory_application::Model> {
    viewer.require_admin()?;
    if viewer.role() != Some(Role::CityAdmin) {
        return Err(AppError::forbidden(
            "only a city administrator applies; the province changes the directory directly (addToDirectory, removeFromDirectory)",
        ));
    }
    let current = enterprises::find(db, input.enterprise_id).await?;
    viewer.require_city(&current.city_code)?;
    let since_year = match (input.action, input.since_year) {
        (DirectoryAction::Add, year) => Some(check_plan_year(
            "sinceYear",
            year.unwrap_or_else(|| today().year()),
        )?),
        (DirectoryAction::Remove, _) => None,
    };
    let reason = required_text("reason", &input.reason, REASON_MAX)?;
    let txn = begin_write(db).await?;
    // Read again inside the transaction: what is checked is what is written against.
    let current = enterprises::find(&txn, input.enterprise_id).await?;
    check_change(
        input.action,
        current.directory_since_year.is_some(),
        input.reason_kind,
        input.action == DirectoryAction::Remove && input.since_year.is_some(),
    )
    .map_err(rule_error)?;
    let pending = directory_application::Entity::find()
        .filter(directory_application::Column::PendingKey.eq(current.id))
        .one(&txn)
        .await?;
    if pending.is_some() {
        return Err(AppError::bad_input(
            "enterpriseId",
            "the enterprise has a pending directory application already",
        ));
    }
    let created = directory_application::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(current.id),
        city_code: Set(current.city_code.clone()),
        action: Set(input.action),
        since_year: Set(since_year),
        reason_kind: Set(input.reason_kind),
        reason: Set(reason),
        status: Set(DirectoryApplicationStatus::Pending),
        // The unique key that keeps one pending application per enterprise under a race.
        pending_key: Set(Some(current.id)),
        applied_by: Set(viewer.user_id()),
        applied_at: Set(Utc::now()),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
    }
    .insert(&txn)
    .await?;
    let city = city_name(&txn, &created.city_code).await?;
    announce(
        &txn,
        Announcement {
            to: Admins::Province,
            kind: NotificationKind::DirectoryApplicationSubmitted,
            params: Params {
                directory: Some(facts_of(&created, &current.name, city)),
                ..Default::default()
            },
            subject: ("DirectoryApplication", created.id),
        },
        viewer.user_id(),
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "applyDirectoryChange",
        "DirectoryApplication",
        Some(created.id.to_string()),
        json!({
            "enterpriseId": created.enterprise_id,
            "action": created.action,
            "sinceYear": created.since_year,
            "reasonKind": created.reason_kind,
        }),
    )
    .await?;
    Ok(created)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<directory_application::Model> {
    directory_application::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("DirectoryApplication", id))
}

/// The province approves (the directory changes in the same transaction) or refuses, with a
/// reason on refusal; the applying city's admins hear of it. Decided once only.
pub async fn decide(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    approve: bool,
    reason: Option<String>,
) -> AppResult<directory_application::Model> {
    viewer.require_province_admin()?;
    let reason = optional_text("reason", reason, REASON_MAX)?;
    let application = find(db, id).await?;
    check_decision(application.status, approve, reason.is_some()).map_err(rule_error)?;
    let status = decided_status(approve);
    let now = Utc::now();
    let txn = begin_write(db).await?;
    // Only a still-pending row is decided: of two decisions at once, one wins.
    let update = directory_application::Entity::update_many()
        .col_expr(
            directory_application::Column::Status,
            Expr::value(status.as_str()),
        )
        .col_expr(
            directory_application::Column::PendingKey,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            directory_application::Column::DecidedBy,
            Expr::value(viewer.user_id()),
        )
        .col_expr(directory_application::Column::DecidedAt, Expr::value(now))
        .col_expr(
            directory_application::Column::DecisionReason,
            Expr::value(reason.clone()),
        )
        .filter(directory_application::Column::Id.eq(id))
        .filter(
            directory_application::Column::Status.eq(DirectoryApplicationStatus::Pending.as_str()),
        );
    versioned::write_guarded(&txn, update, || {
        AppError::conflict("the application was decided meanwhile; read it again")
    })
    .await?;
    let current = enterprises::find(&txn, application.enterprise_id).await?;
    if approve {
        // The province may have acted on the entry itself since the city applied.
        check_change(
            application.action,
            current.directory_since_year.is_some(),
            application.reason_kind,
            false,
        )
        .map_err(|_| {
            AppError::conflict(
                "the directory entry changed since the application; refuse it with a reason",
            )
        })?;
        let since_year = match application.action {
            DirectoryAction::Add => application.since_year,
            DirectoryAction::Remove => None,
        };
        set_membership(&txn, current.clone(), since_year).await?;
        record_change(
            &txn,
            viewer,
            application.enterprise_id,
            application.action,
            since_year,
            application.reason_kind,
            Some(application.reason.clone()),
            Some(application.id),
        )
        .await?;
    }
    let saved = find(&txn, id).await?;
    let city = city_name(&txn, &saved.city_code).await?;
    announce(
        &txn,
        Announcement {
            to: Admins::City(&saved.city_code),
            kind: NotificationKind::DirectoryApplicationDecided,
            params: Params {
                directory: Some(facts_of(&saved, &current.name, city)),
                ..Default::default()
            },
            subject: ("DirectoryApplication", saved.id),
        },
        viewer.user_id(),
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "decideDirectoryApplication",
        "DirectoryApplication",
        Some(id.to_string()),
        json!({ "status": status, "enterpriseId": saved.enterprise_id }),
    )
    .await?;
    Ok(saved)
}

/// Applications in id (application) order: the province's all, a city's its own.
pub async fn list_applications(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: ApplicationFilter,
    page: PageRequest,
) -> AppResult<Page<directory_application::Model>> {
    let mut query = directory_application::Entity::find();
    if let Some(city) = viewer.list_city(filter.city_code.as_deref())? {
        query = query.filter(directory_application::Column::CityCode.eq(city));
    }
    if let Some(status) = filter.status {
        query = query.filter(directory_application::Column::Status.eq(status.as_str()));
    }
    if let Some(id) = filter.enterprise_id {
        query = query.filter(directory_application::Column::EnterpriseId.eq(id));
    }
    fetch_page(db, query, directory_application::Column::Id, page).await
}

/// One application: the province, or the applying city.
pub async fn get_application(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<directory_application::Model> {
    viewer.require_admin()?;
    let found = find(db, id).await?;
    viewer.require_city(&found.city_code)?;
    Ok(found)
}

/// Every change of an enterprise's entry, oldest first, with the applications they carried
/// out: the province, or the enterprise's city.
pub async fn history_of(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    enterprise: &enterprise::Model,
) -> AppResult<(
    Vec<directory_change::Model>,
    HashMap<Uuid, directory_application::Model>,
)> {
    viewer.require_city(&enterprise.city_code)?;
    let changes = directory_change::Entity::find()
        .filter(directory_change::Column::EnterpriseId.eq(enterprise.id))
        .order_by_asc(directory_change::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = changes.iter().filter_map(|c| c.application_id).collect();
    let applications = if ids.is_empty() {
        HashMap::new()
    } else {
        directory_application::Entity::find()
            .filter(directory_application::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect()
    };
    Ok((changes, applications))
}
