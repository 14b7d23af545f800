//! The consultancy registry: firms, their status with its history, and their staff with
//! employment dates (people move between firms; every employment is kept).

use std::collections::HashMap;

use async_graphql::InputObject;
use chrono::{NaiveDate, Utc};
use entity::{
    appraisal_year, audit, consultancy, consultancy_staff, consultancy_status_change, ranking_entry,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Select, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{ConsultancyStatus, Grade, Role, StaffRole};
use crate::error::{AppError, AppResult};
use crate::rules::appraisal::Scores;
use crate::rules::checksum::{validate_credit_code, validate_id_card};
use crate::rules::consultancy::{check_consultancy_transition, employed_on, employments_overlap};
use crate::scalars::Date;

use super::amounts::from_stored;
use super::pagination::{Page, PageRequest, fetch_page};
use super::text::{like_any, optional_text, phone_number, required_text, search_text};
use super::{Services, audit_log, credit_codes, grouped, reference, today, versioned};

// A firm to register (the GraphQL input `CreateConsultancyInput`).
#[derive(InputObject)]
#[graphql(name = "CreateConsultancyInput")]
pub struct NewConsultancy {
    pub name: String,
    pub credit_code: String,
    pub city_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
}

// Fields an update may change (the GraphQL input `UpdateConsultancyInput`); `None` leaves a
// field as it is. Its doc comment is the input's GraphQL description.
/// Every field optional: only the given ones change. A firm's own users may change only the
/// address and contact.
#[derive(InputObject, Default)]
#[graphql(name = "UpdateConsultancyInput")]
pub struct ConsultancyPatch {
    pub name: Option<String>,
    pub credit_code: Option<String>,
    pub city_code: Option<String>,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

impl ConsultancyPatch {
    fn touches_registration(&self) -> bool {
        self.name.is_some() || self.credit_code.is_some() || self.city_code.is_some()
    }
}

#[derive(InputObject, Default)]
pub struct ConsultancyFilter {
    pub city_code: Option<String>,
    pub status: Option<ConsultancyStatus>,
    /// Matches part of the name or the credit code.
    pub text: Option<String>,
}

// One employment to record (the GraphQL input `ConsultancyStaffInput`).
#[derive(InputObject)]
#[graphql(name = "ConsultancyStaffInput")]
pub struct NewStaff {
    pub name: String,
    /// 18-character citizen ID (GB 11643): identifies the person across firms.
    pub id_card_number: String,
    pub role: StaffRole,
    pub certificate_number: Option<String>,
    pub started_on: Date,
}

fn check_credit_code(code: &str) -> AppResult<String> {
    validate_credit_code(code).map_err(|e| AppError::bad_input("creditCode", e.to_string()))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<consultancy::Model> {
    super::find_or_not_found::<consultancy::Entity>(db, "Consultancy", id).await
}

/// The consultancy an input names (`consultancyId`): none is the input's fault, not a
/// missing page.
pub async fn find_named(db: &impl ConnectionTrait, id: Uuid) -> AppResult<consultancy::Model> {
    find(db, id).await.map_err(|e| match e {
        AppError::NotFound { .. } => AppError::bad_input("consultancyId", "no such consultancy"),
        other => other,
    })
}

pub async fn find_staff(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> AppResult<consultancy_staff::Model> {
    super::find_or_not_found::<consultancy_staff::Entity>(db, "ConsultancyStaff", id).await
}

/// The registry is read by administrators (firms serve enterprises in every city, so city
/// admins read all of it) and by each firm for itself.
fn require_read(viewer: &Viewer, consultancy_id: Uuid) -> AppResult<()> {
    if viewer.is_consultancy(consultancy_id) {
        return Ok(());
    }
    viewer.require_admin()
}

/// A firm's staff are managed by the province and by the firm itself.
fn require_manage_staff(viewer: &Viewer, consultancy_id: Uuid) -> AppResult<()> {
    if viewer.is_consultancy(consultancy_id) {
        return Ok(());
    }
    viewer.require_province_admin()
}

/// Whether the viewer sees staff ID-card numbers in clear: the province and the firm itself.
pub fn sees_personal_data(viewer: &Viewer, consultancy_id: Uuid) -> bool {
    viewer.is_province_admin() || viewer.is_consultancy(consultancy_id)
}

pub async fn create_consultancy(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewConsultancy,
) -> AppResult<consultancy::Model> {
    viewer.require_province_admin()?;
    let name = required_text("name", &input.name, 200)?;
    let credit_code = check_credit_code(&input.credit_code)?;
    reference::require_known_city(db, "cityCode", input.city_code.trim()).await?;
    let address = required_text("address", &input.address, 300)?;
    let contact_name = required_text("contactName", &input.contact_name, 100)?;
    let contact_phone = phone_number("contactPhone", &input.contact_phone)?;

    let txn = begin_write(db).await?;
    credit_codes::require_free::<consultancy::Entity>(&txn, &credit_code, None).await?;
    let now = Utc::now();
    let created = consultancy::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        credit_code: Set(credit_code),
        city_code: Set(input.city_code.trim().to_owned()),
        address: Set(address),
        contact_name: Set(contact_name),
        contact_phone: Set(contact_phone),
        status: Set(ConsultancyStatus::Active),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    versioned::record_status_change::<consultancy::Entity>(
        &txn,
        viewer,
        created.id,
        None,
        ConsultancyStatus::Active,
        "registered",
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "createConsultancy",
        "Consultancy",
        Some(created.id.to_string()),
        json!({ "name": created.name, "creditCode": created.credit_code }),
    )
    .await?;
    Ok(created)
}

pub async fn get_consultancy(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<consultancy::Model> {
    require_read(viewer, id)?;
    find(db, id).await
}

pub async fn update_consultancy(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    patch: ConsultancyPatch,
    expected_version: i32,
) -> AppResult<consultancy::Model> {
    if viewer.is_consultancy(id) {
        if patch.touches_registration() {
            return Err(AppError::forbidden(
                "a consultancy may change only its address and contact; the province keeps its registration",
            ));
        }
    } else {
        viewer.require_province_admin()?;
    }
    let current = find(db, id).await?;
    versioned::expect_version::<consultancy::Entity>(current.version, expected_version)?;
    let mut changed: Vec<&str> = Vec::new();
    let mut active: consultancy::ActiveModel = current.clone().into();
    if let Some(name) = &patch.name {
        active.name = Set(required_text("name", name, 200)?);
        changed.push("name");
    }
    let mut new_code = None;
    if let Some(code) = &patch.credit_code {
        let code = check_credit_code(code)?;
        if code != current.credit_code {
            new_code = Some(code.clone());
        }
        active.credit_code = Set(code);
        changed.push("creditCode");
    }
    if let Some(city) = &patch.city_code {
        reference::require_known_city(db, "cityCode", city.trim()).await?;
        active.city_code = Set(city.trim().to_owned());
        changed.push("cityCode");
    }
    if let Some(address) = &patch.address {
        active.address = Set(required_text("address", address, 300)?);
        changed.push("address");
    }
    if let Some(contact) = &patch.contact_name {
        active.contact_name = Set(required_text("contactName", contact, 100)?);
        changed.push("contactName");
    }
    if let Some(phone) = &patch.contact_phone {
        active.contact_phone = Set(phone_number("contactPhone", phone)?);
        changed.push("contactPhone");
    }
    credit_codes::commit_update::<consultancy::Entity>(
        db,
        viewer,
        ("updateConsultancy", "Consultancy"),
        active,
        (id, expected_version),
        new_code.as_deref(),
        |updated| json!({ "changed": changed, "version": updated.version }),
    )
    .await
}

pub async fn set_consultancy_status(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    to: ConsultancyStatus,
    reason: &str,
) -> AppResult<consultancy::Model> {
    viewer.require_province_admin()?;
    let reason = required_text("reason", reason, 500)?;
    let current = find(db, id).await?;
    let from = current.status;
    check_consultancy_transition(from, to)
        .map_err(|e| AppError::bad_input("status", e.to_string()))?;
    let version = current.version;
    let mut active: consultancy::ActiveModel = current.into();
    active.status = Set(to);
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());

    versioned::commit_status_change::<consultancy::Entity>(
        db,
        viewer,
        "setConsultancyStatus",
        active,
        id,
        version,
        (from, to),
        &reason,
    )
    .await
}

pub async fn list_consultancies(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    filter: ConsultancyFilter,
    page: PageRequest,
) -> AppResult<Page<consultancy::Model>> {
    viewer.require_user()?;
    let mut query = consultancy::Entity::find();
    match viewer.role() {
        Some(Role::ProvinceAdmin | Role::CityAdmin) => {}
        // A firm sees itself in the registry, nobody else.
        Some(Role::Consultancy) => {
            let firm = viewer
                .consultancy_id()
                .ok_or_else(|| AppError::forbidden("a consultancy user without a firm"))?;
            query = query.filter(consultancy::Column::Id.eq(firm));
        }
        _ => {
            return Err(AppError::forbidden(
                "only administrators may list consultancies",
            ));
        }
    }
    fetch_page(db, filtered(query, filter)?, consultancy::Column::Id, page).await
}

/// `query` narrowed to the firms `filter` asks for.
fn filtered(
    mut query: Select<consultancy::Entity>,
    filter: ConsultancyFilter,
) -> AppResult<Select<consultancy::Entity>> {
    if let Some(city) = filter.city_code.as_deref().map(str::trim) {
        query = query.filter(consultancy::Column::CityCode.eq(city));
    }
    if let Some(status) = filter.status {
        query = query.filter(consultancy::Column::Status.eq(status.as_str()));
    }
    if let Some(pattern) = search_text("filter.text", filter.text.as_deref())? {
        query = query.filter(like_any(
            &[consultancy::Column::Name, consultancy::Column::CreditCode],
            &pattern,
        ));
    }
    Ok(query)
}

pub async fn add_staff(
    s: &Services,
    viewer: &Viewer,
    consultancy_id: Uuid,
    input: NewStaff,
) -> AppResult<consultancy_staff::Model> {
    require_manage_staff(viewer, consultancy_id)?;
    let db = &s.db;
    let name = required_text("name", &input.name, 100)?;
    let id_card = validate_id_card(&input.id_card_number)
        .map_err(|e| AppError::bad_input("idCardNumber", e.to_string()))?
        .into_string();
    let certificate = optional_text("certificateNumber", input.certificate_number, 100)?;
    let firm = find(db, consultancy_id).await?;
    if firm.status == ConsultancyStatus::Deregistered {
        return Err(AppError::bad_input(
            "consultancyId",
            "the consultancy is deregistered",
        ));
    }

    let id_card_hmac = s.data_keys.blind_index(&id_card);
    let txn = begin_write(db).await?;
    // One firm at a time: the person's other employments must have ended before this one.
    let others = consultancy_staff::Entity::find()
        .filter(consultancy_staff::Column::IdCardHmac.eq(id_card_hmac.as_str()))
        .all(&txn)
        .await?;
    if let Some(clash) = others
        .iter()
        .find(|o| employments_overlap((o.started_on, o.ended_on), (input.started_on.0, None)))
    {
        let until = clash
            .ended_on
            .map_or_else(|| "now".to_owned(), |d| d.to_string());
        return Err(AppError::conflict(format!(
            "this person is employed by consultancy {} from {} to {until}; end that employment first",
            clash.consultancy_id, clash.started_on
        )));
    }
    let now = Utc::now();
    let row = consultancy_staff::ActiveModel {
        id: Set(Uuid::now_v7()),
        consultancy_id: Set(consultancy_id),
        name: Set(name),
        id_card_number: Set(s.data_keys.encrypt(&id_card)?),
        id_card_hmac: Set(Some(id_card_hmac)),
        role: Set(input.role),
        certificate_number: Set(certificate),
        started_on: Set(input.started_on.0),
        ended_on: Set(None),
        end_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let operation = ("addConsultancyStaff", "ConsultancyStaff");
    audit_log::commit_insert(txn, viewer, operation, row, |created| {
        json!({ "consultancyId": consultancy_id, "role": created.role, "startedOn": created.started_on })
    })
    .await
}

pub async fn end_employment(
    db: &DatabaseConnection,
    viewer: &Viewer,
    staff_id: Uuid,
    ended_on: NaiveDate,
    reason: Option<String>,
) -> AppResult<consultancy_staff::Model> {
    viewer.require_user()?;
    let staff = find_staff(db, staff_id).await?;
    require_manage_staff(viewer, staff.consultancy_id)?;
    let reason = optional_text("reason", reason, 500)?;
    if let Some(ended) = staff.ended_on {
        return Err(AppError::bad_input(
            "staffId",
            format!("the employment already ended on {ended}"),
        ));
    }
    if ended_on < staff.started_on {
        return Err(AppError::bad_input(
            "endedOn",
            "must not be before the employment started",
        ));
    }
    // A report this person led must stay led by staff of the firm on its date.
    if let Some(led) = audit::Entity::find()
        .filter(audit::Column::LeadAuditorId.eq(staff_id))
        .filter(audit::Column::ReportSubmittedOn.gt(ended_on))
        .one(db)
        .await?
    {
        return Err(AppError::bad_input(
            "endedOn",
            format!(
                "this person led the report of audit {} submitted after that day",
                led.id
            ),
        ));
    }
    let txn = begin_write(db).await?;
    let mut active: consultancy_staff::ActiveModel = staff.into();
    active.ended_on = Set(Some(ended_on));
    active.end_reason = Set(reason);
    active.updated_at = Set(Utc::now());
    let update = consultancy_staff::Entity::update_many()
        .set(active)
        .filter(consultancy_staff::Column::Id.eq(staff_id))
        .filter(consultancy_staff::Column::EndedOn.is_null());
    versioned::write_guarded(&txn, update, || {
        AppError::conflict("the employment was ended meanwhile; reload")
    })
    .await?;
    let updated = find_staff(&txn, staff_id).await?;
    audit_log::commit(
        txn,
        viewer,
        "endConsultancyStaffEmployment",
        "ConsultancyStaff",
        Some(staff_id.to_string()),
        json!({ "consultancyId": updated.consultancy_id, "endedOn": ended_on }),
    )
    .await?;
    Ok(updated)
}

/// Every employment of one person, across firms, oldest first (administrators).
pub async fn staff_history(
    s: &Services,
    viewer: &Viewer,
    id_card_number: &str,
) -> AppResult<Vec<consultancy_staff::Model>> {
    viewer.require_admin()?;
    let card = validate_id_card(id_card_number)
        .map_err(|e| AppError::bad_input("idCardNumber", e.to_string()))?;
    Ok(consultancy_staff::Entity::find()
        .filter(consultancy_staff::Column::IdCardHmac.eq(s.data_keys.blind_index(card.as_str())))
        .order_by_asc(consultancy_staff::Column::StartedOn)
        .all(&s.db)
        .await?)
}

/// Encrypts staff ID-card numbers stored before encryption existed (rows without a keyed
/// hash); idempotent, run at start-up.
pub async fn encrypt_legacy_staff_rows(s: &Services) -> AppResult<u64> {
    let legacy = consultancy_staff::Entity::find()
        .filter(consultancy_staff::Column::IdCardHmac.is_null())
        .all(&s.db)
        .await?;
    let mut converted = 0;
    for row in legacy {
        let clear = s.data_keys.decrypt(&row.id_card_number)?;
        let txn = begin_write(&s.db).await?;
        consultancy_staff::Entity::update_many()
            .set(consultancy_staff::ActiveModel {
                id_card_number: Set(s.data_keys.encrypt(&clear)?),
                id_card_hmac: Set(Some(s.data_keys.blind_index(&clear))),
                ..Default::default()
            })
            .filter(consultancy_staff::Column::Id.eq(row.id))
            .filter(consultancy_staff::Column::IdCardHmac.is_null())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        converted += 1;
    }
    Ok(converted)
}

/// One line of a published ranking about one firm (the year is published: the line is frozen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedRankingLine {
    pub year: i32,
    pub rank: u32,
    pub position: u32,
    pub total: Decimal,
    pub grade: Grade,
    pub scores: Scores,
    pub previous_rank: Option<u32>,
    pub rank_change: Option<i32>,
}

/// A firm as the public registry shows it (enterprises choose their consultancy from it): no
/// address, contact, staff names or ID numbers, no unpublished appraisal.
#[derive(Clone, Debug)]
pub struct PublicFirm {
    pub id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub city_code: String,
    pub status: ConsultancyStatus,
    /// Staff employed today (China Standard Time).
    pub staff_count: u64,
    /// Its lines in published rankings, latest year first.
    pub rankings: Vec<PublishedRankingLine>,
}

/// Adds to each firm its current staff count and its published ranking lines (two queries for
/// the lot).
async fn public_firms(
    db: &impl ConnectionTrait,
    firms: Vec<consultancy::Model>,
) -> AppResult<Vec<PublicFirm>> {
    use sea_orm::QuerySelect;
    let ids: Vec<Uuid> = firms.iter().map(|f| f.id).collect();
    let day = today();
    let mut staff: HashMap<Uuid, u64> = HashMap::new();
    let employments = consultancy_staff::Entity::find()
        .select_only()
        .columns([
            consultancy_staff::Column::ConsultancyId,
            consultancy_staff::Column::StartedOn,
            consultancy_staff::Column::EndedOn,
        ])
        .filter(consultancy_staff::Column::ConsultancyId.is_in(ids.iter().copied()))
        .into_tuple::<(Uuid, NaiveDate, Option<NaiveDate>)>()
        .all(db)
        .await?;
    for (firm, started, ended) in employments {
        if employed_on(started, ended, day) {
            *staff.entry(firm).or_default() += 1;
        }
    }
    // Lines exist only for published years (publication writes them); the join keeps it so
    // should that ever change.
    let published: Vec<i32> = appraisal_year::Entity::find()
        .select_only()
        .column(appraisal_year::Column::Year)
        .filter(appraisal_year::Column::PublishedAt.is_not_null())
        .into_tuple::<i32>()
        .all(db)
        .await?;
    let lines = ranking_entry::Entity::find()
        .filter(ranking_entry::Column::ConsultancyId.is_in(ids.iter().copied()))
        .filter(ranking_entry::Column::Year.is_in(published))
        .order_by_desc(ranking_entry::Column::Year)
        .all(db)
        .await?;
    let mut rankings = grouped(lines, |l| l.consultancy_id);
    Ok(firms
        .into_iter()
        .map(|f| PublicFirm {
            staff_count: staff.get(&f.id).copied().unwrap_or_default(),
            rankings: rankings
                .remove(&f.id)
                .unwrap_or_default()
                .into_iter()
                .map(|e| PublishedRankingLine {
                    year: e.year,
                    rank: u32::try_from(e.rank).unwrap_or_default(),
                    position: u32::try_from(e.position).unwrap_or_default(),
                    total: from_stored(e.total),
                    grade: e.grade,
                    scores: super::ranking::scores_of(&e),
                    previous_rank: e.previous_rank.and_then(|r| u32::try_from(r).ok()),
                    rank_change: e.rank_change,
                })
                .collect(),
            id: f.id,
            name: f.name,
            credit_code: f.credit_code,
            city_code: f.city_code,
            status: f.status,
        })
        .collect())
}

/// The public registry in registration order (no viewer: everyone sees the same).
pub async fn public_consultancies(
    db: &impl ConnectionTrait,
    filter: ConsultancyFilter,
    page: PageRequest,
) -> AppResult<Page<PublicFirm>> {
    let query = filtered(consultancy::Entity::find(), filter)?;
    let page = fetch_page(db, query, consultancy::Column::Id, page).await?;
    let Page {
        items,
        has_next_page,
        has_previous_page,
        total_count,
    } = page;
    Ok(Page {
        items: public_firms(db, items).await?,
        has_next_page,
        has_previous_page,
        total_count,
    })
}

/// One firm of the public registry.
pub async fn public_consultancy(db: &impl ConnectionTrait, id: Uuid) -> AppResult<PublicFirm> {
    let firm = find(db, id).await?;
    public_firms(db, vec![firm])
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("Consultancy", id))
}

/// Batch reads for the GraphQL loaders, without a viewer: see `experts::unguarded`.
pub mod unguarded {
    use super::*;
    crate::services::owned_by_reads! {
        staff_of: consultancy_staff by ConsultancyId, ordered by StartedOn, Id;
        status_history_of: consultancy_status_change by ConsultancyId, ordered by Id;
    }
}
