//! A city's annual audit list (年度强制性清洁生产审核企业名单): drafted and submitted by the city
//! (due end of February; late submissions are marked), approved or returned by the province,
//! then published (公示); the city's written notices (`notices`) then start each enterprise's
//! audit. The province's administrators hear of each submission; the calendar job reminds a
//! city's administrators of the list and its notices (`notifications::calendar`).

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use entity::{annual_audit_list, annual_audit_list_entry, annual_list_status_change, enterprise};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::{WriteTxn, begin_write};
use crate::domain::{AnnualListStatus, AuditProcedure, NotificationKind, Sector};
use crate::error::{AppError, AppResult};
use crate::rules::audit_lifecycle::{ListTransitionError, check_list_transition_with_reason};
use crate::rules::deadlines::is_late;

use super::notifications::Params;
use super::notifications::calendar::{Admins, Announcement, announce};
use super::notifications::templates::ListFacts;
use super::pagination::{Page, PageRequest, fetch_page};
use super::text::required_text;
use super::{audit_log, enterprises, past_or_today, reference, today, versioned};

#[derive(Default)]
pub struct ListFilter {
    pub city_code: Option<String>,
    pub year: Option<i32>,
    pub status: Option<AnnualListStatus>,
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<annual_audit_list::Model> {
    super::find_or_not_found::<annual_audit_list::Entity>(db, "AnnualAuditList", id).await
}

/// Loads a list the viewer may work on (its city's admins and the province).
async fn find_for(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<annual_audit_list::Model> {
    viewer.require_admin()?;
    let found = find(db, id).await?;
    viewer.require_city(&found.city_code)?;
    Ok(found)
}

/// Commits a write that changed list `list`'s status (`from`, `to`, `reason`): the change
/// in the list's history, then its audit-log entry.
async fn commit_status(
    txn: WriteTxn,
    viewer: &Viewer,
    operation: &str,
    list: annual_audit_list::Model,
    (from, to, reason): (Option<AnnualListStatus>, AnnualListStatus, Option<String>),
    summary: serde_json::Value,
) -> AppResult<annual_audit_list::Model> {
    annual_list_status_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        list_id: Set(list.id),
        from_status: Set(from),
        to_status: Set(to),
        reason: Set(reason),
        actor_id: Set(viewer.user_id()),
        changed_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    commit_list(txn, viewer, operation, list, summary).await
}

/// `active`, the list at `version`, as the next version: what every write to a list saves.
fn next_version(
    mut active: annual_audit_list::ActiveModel,
    version: i32,
) -> annual_audit_list::ActiveModel {
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    active
}

/// Writes `active` if the list still has `version`; otherwise CONFLICT.
async fn save(
    txn: &impl ConnectionTrait,
    id: Uuid,
    active: annual_audit_list::ActiveModel,
    version: i32,
) -> AppResult<annual_audit_list::Model> {
    let active = next_version(active, version);
    versioned::update_if_version::<annual_audit_list::Entity>(txn, active, id, version, None).await
}

/// An edit of a list's entries, committed: the list saved as read (so that its version
/// moves, and a concurrent edit is refused) and the edit logged.
async fn commit_entries(
    txn: WriteTxn,
    viewer: &Viewer,
    list: annual_audit_list::Model,
    operation: &str,
    summary: serde_json::Value,
) -> AppResult<annual_audit_list::Model> {
    let (id, version) = (list.id, list.version);
    commit_saved(txn, viewer, id, list.into(), version, operation, summary).await
}

/// A list change saved (if the list still has the version read) and logged, committing the
/// transaction: what every edit of a list's entries or procedure ends with.
async fn commit_saved(
    txn: WriteTxn,
    viewer: &Viewer,
    id: Uuid,
    active: annual_audit_list::ActiveModel,
    version: i32,
    operation: &str,
    summary: serde_json::Value,
) -> AppResult<annual_audit_list::Model> {
    versioned::commit_update::<annual_audit_list::Entity>(
        txn,
        viewer,
        (operation, "AnnualAuditList"),
        next_version(active, version),
        (id, version),
        |_| summary,
    )
    .await
}

/// Ends a write to a list: commits it with its audit-log entry, which names the list;
/// answers the list as written.
async fn commit_list(
    txn: WriteTxn,
    viewer: &Viewer,
    operation: &str,
    list: annual_audit_list::Model,
    summary: serde_json::Value,
) -> AppResult<annual_audit_list::Model> {
    let id = list.id;
    audit_log::commit_row(
        txn,
        viewer,
        (operation, "AnnualAuditList"),
        id,
        list,
        |_| summary,
    )
    .await
}

fn transition_error(err: ListTransitionError) -> AppError {
    match err {
        ListTransitionError::ReasonRequired => AppError::bad_input("reason", err.to_string()),
        ListTransitionError::NotAllowed { .. } => AppError::bad_input("listId", err.to_string()),
    }
}

fn require_draft(list: &annual_audit_list::Model) -> AppResult<()> {
    let status = list.status;
    if status != AnnualListStatus::Draft {
        return Err(AppError::bad_input(
            "listId",
            format!("only a DRAFT list can change; this one is {status}"),
        ));
    }
    Ok(())
}

pub async fn create_list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    city_code: &str,
    year: i32,
) -> AppResult<annual_audit_list::Model> {
    let city_code = city_code.trim();
    viewer.require_city(city_code)?;
    reference::require_known_city(db, "cityCode", city_code).await?;
    let year = enterprises::check_plan_year("year", year)?;
    let txn = begin_write(db).await?;
    let existing = annual_audit_list::Entity::find()
        .filter(annual_audit_list::Column::CityCode.eq(city_code))
        .filter(annual_audit_list::Column::Year.eq(year))
        .one(&txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::conflict(format!(
            "city {city_code} has a list for {year} already"
        )));
    }
    let now = Utc::now();
    let created = annual_audit_list::ActiveModel {
        id: Set(Uuid::now_v7()),
        city_code: Set(city_code.to_owned()),
        year: Set(year),
        status: Set(AnnualListStatus::Draft),
        submitted_on: Set(None),
        late: Set(None),
        return_reason: Set(None),
        published_on: Set(None),
        simplified_procedure: Set(AuditProcedure::Full),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let summary = json!({ "cityCode": city_code, "year": year });
    let change = (None, AnnualListStatus::Draft, None);
    commit_status(
        txn,
        viewer,
        "createAnnualAuditList",
        created,
        change,
        summary,
    )
    .await
}

/// Puts enterprises on a DRAFT list: each of the list's city, in the mandatory directory (the
/// list is drawn from it) and at most once.
pub async fn add_enterprises(
    db: &DatabaseConnection,
    viewer: &Viewer,
    list_id: Uuid,
    enterprise_ids: &[Uuid],
) -> AppResult<annual_audit_list::Model> {
    let list = find_for(db, viewer, list_id).await?;
    require_draft(&list)?;
    if enterprise_ids.is_empty() {
        return Err(AppError::bad_input("enterpriseIds", "name at least one"));
    }
    let mut unique = HashSet::new();
    if let Some(twice) = enterprise_ids.iter().find(|id| !unique.insert(**id)) {
        return Err(AppError::bad_input(
            "enterpriseIds",
            format!("names {twice} twice"),
        ));
    }
    let found = super::unguarded::keyed_by_id::<enterprise::Entity>(db, enterprise_ids).await?;
    for id in enterprise_ids {
        let e = found.get(id).ok_or_else(|| {
            AppError::bad_input("enterpriseIds", format!("no such enterprise {id}"))
        })?;
        if e.city_code != list.city_code {
            return Err(AppError::bad_input(
                "enterpriseIds",
                format!("{} is not an enterprise of city {}", e.name, list.city_code),
            ));
        }
        if e.directory_since_year.is_none() {
            return Err(AppError::bad_input(
                "enterpriseIds",
                format!("{} is not in the mandatory directory", e.name),
            ));
        }
    }
    let txn = begin_write(db).await?;
    let already = annual_audit_list_entry::Entity::find()
        .filter(annual_audit_list_entry::Column::ListId.eq(list_id))
        .filter(annual_audit_list_entry::Column::EnterpriseId.is_in(enterprise_ids.iter().copied()))
        .one(&txn)
        .await?;
    if let Some(entry) = already {
        let name = found
            .get(&entry.enterprise_id)
            .map_or_else(|| entry.enterprise_id.to_string(), |e| e.name.clone());
        return Err(AppError::conflict(format!("{name} is on the list already")));
    }
    let now = Utc::now();
    annual_audit_list_entry::Entity::insert_many(enterprise_ids.iter().map(|id| {
        annual_audit_list_entry::ActiveModel {
            list_id: Set(list_id),
            enterprise_id: Set(*id),
            added_at: Set(now),
            ..Default::default()
        }
    }))
    .exec(&txn)
    .await?;
    let summary = json!({ "enterpriseIds": enterprise_ids });
    commit_entries(
        txn,
        viewer,
        list,
        "addEnterprisesToAnnualAuditList",
        summary,
    )
    .await
}

pub async fn remove_enterprise(
    db: &DatabaseConnection,
    viewer: &Viewer,
    list_id: Uuid,
    enterprise_id: Uuid,
) -> AppResult<annual_audit_list::Model> {
    let list = find_for(db, viewer, list_id).await?;
    require_draft(&list)?;
    let txn = begin_write(db).await?;
    let deleted = annual_audit_list_entry::Entity::delete_many()
        .filter(annual_audit_list_entry::Column::ListId.eq(list_id))
        .filter(annual_audit_list_entry::Column::EnterpriseId.eq(enterprise_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::bad_input("enterpriseId", "is not on the list"));
    }
    let summary = json!({ "enterpriseId": enterprise_id });
    commit_entries(
        txn,
        viewer,
        list,
        "removeEnterpriseFromAnnualAuditList",
        summary,
    )
    .await
}

async fn entry_count(db: &impl ConnectionTrait, list_id: Uuid) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(annual_audit_list_entry::Entity::find()
        .filter(annual_audit_list_entry::Column::ListId.eq(list_id))
        .count(db)
        .await?)
}

/// Moves a list from one status to another, with its history entry and audit-log entry, and
/// the administrators' notification if any (in the same transaction).
#[allow(clippy::too_many_arguments)]
async fn transition(
    db: &DatabaseConnection,
    viewer: &Viewer,
    list: annual_audit_list::Model,
    to: AnnualListStatus,
    reason: Option<String>,
    operation: &str,
    change: impl FnOnce(&mut annual_audit_list::ActiveModel),
    tell: Option<Announcement<'_>>,
) -> AppResult<annual_audit_list::Model> {
    let from = list.status;
    let id = list.id;
    let version = list.version;
    let mut active: annual_audit_list::ActiveModel = list.into();
    active.status = Set(to);
    change(&mut active);
    let txn = begin_write(db).await?;
    let saved = save(&txn, id, active, version).await?;
    if let Some(tell) = tell {
        announce(&txn, tell, viewer.user_id()).await?;
    }
    let summary = json!({ "from": from.as_str(), "to": to.as_str(), "reason": reason });
    commit_status(
        txn,
        viewer,
        operation,
        saved,
        (Some(from), to, reason),
        summary,
    )
    .await
}

/// The city chooses the path its list's SIMPLIFIED audits follow (简化审核程序: the plan's
/// 其他企业适当简化审核程序), until the list is published; its STRICT audits keep the full one.
pub async fn set_procedure(
    db: &DatabaseConnection,
    viewer: &Viewer,
    list_id: Uuid,
    procedure: AuditProcedure,
) -> AppResult<annual_audit_list::Model> {
    let list = find_for(db, viewer, list_id).await?;
    if list.status == AnnualListStatus::Published {
        return Err(AppError::bad_input(
            "listId",
            "the list is published: its audits have their path",
        ));
    }
    let active = annual_audit_list::ActiveModel {
        id: sea_orm::Unchanged(list_id),
        simplified_procedure: Set(procedure),
        ..Default::default()
    };
    let txn = begin_write(db).await?;
    let summary = json!({ "simplifiedProcedure": procedure.as_str() });
    commit_saved(
        txn,
        viewer,
        list_id,
        active,
        list.version,
        "setAnnualListProcedure",
        summary,
    )
    .await
}

/// Loads a list the province is to move to `to` (with `reason`, where it gives one), after
/// checking that the viewer is the province and that the list may move so.
async fn province_moves(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    list_id: Uuid,
    to: AnnualListStatus,
    reason: Option<&str>,
) -> AppResult<annual_audit_list::Model> {
    viewer.require_province_admin()?;
    let list = find(db, list_id).await?;
    check_list_transition_with_reason(list.status, to, reason).map_err(transition_error)?;
    Ok(list)
}

/// The city reports its list to the province; after the end of February it is marked late.
pub async fn submit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    list_id: Uuid,
) -> AppResult<annual_audit_list::Model> {
    let list = find_for(db, viewer, list_id).await?;
    let to = AnnualListStatus::Submitted;
    check_list_transition_with_reason(list.status, to, None).map_err(transition_error)?;
    let enterprises = entry_count(db, list_id).await?;
    if enterprises == 0 {
        return Err(AppError::bad_input(
            "listId",
            "put at least one enterprise on the list first",
        ));
    }
    let submitted_on = today();
    let late = is_late(submitted_on, list.year);
    let city = reference::cities_by_code(db, std::slice::from_ref(&list.city_code))
        .await?
        .remove(&list.city_code)
        .map_or_else(|| list.city_code.clone(), |c| c.name);
    // The province approves it: its administrators hear of it.
    let tell = Announcement {
        to: Admins::Province,
        kind: NotificationKind::AnnualListSubmitted,
        params: Params {
            list: Some(ListFacts {
                list_id,
                city_code: list.city_code.clone(),
                city,
                year: list.year,
                enterprises,
                submitted_on,
                late,
            }),
            ..Default::default()
        },
        subject: ("AnnualAuditList", list_id),
    };
    transition(
        db,
        viewer,
        list,
        to,
        None,
        "submitAnnualAuditList",
        |a| {
            a.submitted_on = Set(Some(submitted_on));
            a.late = Set(Some(late));
        },
        Some(tell),
    )
    .await
}

pub async fn approve(
    db: &DatabaseConnection,
    viewer: &Viewer,
    list_id: Uuid,
) -> AppResult<annual_audit_list::Model> {
    let to = AnnualListStatus::Approved;
    let list = province_moves(db, viewer, list_id, to, None).await?;
    transition(
        db,
        viewer,
        list,
        to,
        None,
        "approveAnnualAuditList",
        |_| {},
        None,
    )
    .await
}

/// The province sends a submitted list back to the city as a DRAFT, with the reason.
pub async fn return_list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    list_id: Uuid,
    reason: &str,
) -> AppResult<annual_audit_list::Model> {
    let to = AnnualListStatus::Draft;
    let list = province_moves(db, viewer, list_id, to, Some(reason)).await?;
    let reason = required_text("reason", reason, 1000)?;
    let kept = reason.clone();
    transition(
        db,
        viewer,
        list,
        to,
        Some(reason),
        "returnAnnualAuditList",
        |a| a.return_reason = Set(Some(kept)),
        None,
    )
    .await
}

/// Publishes an approved list (公示) on `published_on` (today when absent). The enterprises on
/// it get their audits from the city's written notices (`notices::issue`), not from this.
pub async fn publish(
    db: &DatabaseConnection,
    viewer: &Viewer,
    list_id: Uuid,
    published_on: Option<NaiveDate>,
) -> AppResult<annual_audit_list::Model> {
    let to = AnnualListStatus::Published;
    let list = province_moves(db, viewer, list_id, to, None).await?;
    let from = list.status;
    let published_on = past_or_today("publishedOn", published_on.unwrap_or_else(today))?;
    if let Some(submitted) = list.submitted_on
        && published_on < submitted
    {
        return Err(AppError::bad_input(
            "publishedOn",
            format!("must not be before the list's submission on {submitted}"),
        ));
    }
    let enterprises = entry_count(db, list_id).await?;
    let txn = begin_write(db).await?;
    let version = list.version;
    let mut active: annual_audit_list::ActiveModel = list.into();
    active.status = Set(to);
    active.published_on = Set(Some(published_on));
    let saved = save(&txn, list_id, active, version).await?;
    let summary = json!({ "publishedOn": published_on, "enterprises": enterprises });
    let change = (Some(from), to, None);
    commit_status(
        txn,
        viewer,
        "publishAnnualAuditList",
        saved,
        change,
        summary,
    )
    .await
}

pub async fn get_list(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<annual_audit_list::Model> {
    find_for(db, viewer, id).await
}

pub async fn list_lists(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: ListFilter,
    page: PageRequest,
) -> AppResult<Page<annual_audit_list::Model>> {
    let mut query = annual_audit_list::Entity::find();
    if let Some(city) = viewer.list_city(filter.city_code.as_deref().map(str::trim))? {
        query = query.filter(annual_audit_list::Column::CityCode.eq(city));
    }
    if let Some(year) = filter.year {
        query = query.filter(annual_audit_list::Column::Year.eq(year));
    }
    if let Some(status) = filter.status {
        query = query.filter(annual_audit_list::Column::Status.eq(status.as_str()));
    }
    fetch_page(db, query, annual_audit_list::Column::Id, page).await
}

/// One enterprise of a published list as the public notice (公示) shows it: who, where and in
/// what industry; nothing of its contacts, figures or audits.
#[derive(Clone, Debug)]
pub struct PublishedEntry {
    pub name: String,
    pub credit_code: String,
    pub city_code: String,
    pub county: String,
    pub industry_code: String,
    pub sector: Option<Sector>,
}

/// A published list (核定并公示): its city, year, publication day and enterprises in the order
/// they were put on it.
#[derive(Clone, Debug)]
pub struct PublishedList {
    pub city_code: String,
    pub year: i32,
    pub published_on: Option<NaiveDate>,
    pub entries: Vec<PublishedEntry>,
}

/// The year's published lists, one city's or every city's by city code. No viewer: publication
/// makes a list public, and only PUBLISHED lists are read, so a draft, a submitted or a
/// returned list never shows (everyone gets the same answer).
pub async fn published_lists(
    db: &impl ConnectionTrait,
    year: i32,
    city_code: Option<&str>,
) -> AppResult<Vec<PublishedList>> {
    let city_code = city_code.map(str::trim).filter(|c| !c.is_empty());
    if let Some(city) = city_code {
        reference::require_known_city(db, "cityCode", city).await?;
    }
    let mut query = annual_audit_list::Entity::find()
        .filter(annual_audit_list::Column::Status.eq(AnnualListStatus::Published.as_str()))
        .filter(annual_audit_list::Column::Year.eq(year));
    if let Some(city) = city_code {
        query = query.filter(annual_audit_list::Column::CityCode.eq(city));
    }
    let lists = query
        .order_by_asc(annual_audit_list::Column::CityCode)
        .all(db)
        .await?;
    let list_ids: Vec<Uuid> = lists.iter().map(|l| l.id).collect();
    let mut entries = unguarded::entries_of(db, &list_ids).await?;
    let enterprise_ids: Vec<Uuid> = entries
        .values()
        .flatten()
        .map(|e| e.enterprise_id)
        .collect();
    let found = super::unguarded::keyed_by_id::<enterprise::Entity>(db, &enterprise_ids).await?;
    lists
        .into_iter()
        .map(|list| {
            let entries = entries
                .remove(&list.id)
                .unwrap_or_default()
                .iter()
                .map(|entry| {
                    let e = found.get(&entry.enterprise_id).ok_or_else(|| {
                        AppError::internal(format!(
                            "list entry {} has no enterprise",
                            entry.enterprise_id
                        ))
                    })?;
                    Ok(PublishedEntry {
                        name: e.name.clone(),
                        credit_code: e.credit_code.clone(),
                        city_code: e.city_code.clone(),
                        county: e.county.clone(),
                        industry_code: e.industry_code.clone(),
                        sector: e.sector,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            Ok(PublishedList {
                city_code: list.city_code,
                year: list.year,
                published_on: list.published_on,
                entries,
            })
        })
        .collect()
}

/// The years with at least one published list, latest first (public).
pub async fn published_years(db: &impl ConnectionTrait) -> AppResult<Vec<i32>> {
    use sea_orm::QuerySelect;
    Ok(annual_audit_list::Entity::find()
        .select_only()
        .column(annual_audit_list::Column::Year)
        .distinct()
        .filter(annual_audit_list::Column::Status.eq(AnnualListStatus::Published.as_str()))
        .order_by_desc(annual_audit_list::Column::Year)
        .into_tuple::<i32>()
        .all(db)
        .await?)
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    use super::*;
    crate::services::owned_by_reads! {
        entries_of: annual_audit_list_entry by ListId, ordered by AddedAt, EnterpriseId;
        history_of: annual_list_status_change by ListId, ordered by Id;
    }
}
