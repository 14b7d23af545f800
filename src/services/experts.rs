//! The provincial expert pool: records, status changes, conflicts and unavailability.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::InputObject;
use chrono::{NaiveDate, Utc};
use entity::{
    expert, expert_conflict, expert_kind, expert_sector, expert_status_change,
    expert_unavailability,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::crypto::DataKeys;
use crate::db::begin_write;
use crate::domain::{ConflictKind, ExpertStatus, ExpertiseKind, Gender, ProfessionalTitle, Sector};
use crate::error::{AppError, AppResult};
use crate::rules::admission::{AdmissionPolicy, check_admission};
use crate::rules::checksum::{validate_credit_code, validate_id_card};
use crate::rules::deadlines::today_in_china;
use crate::rules::expert_status::check_status_transition;
use crate::rules::masking::{mask_id_card, mask_phone};
use crate::scalars::Date;

use super::expert_pool::{self, PoolExpert, PoolFilter};
use super::pagination::{Page, PageRequest, page_in_memory};
use super::text::{optional_text, phone_number, required_text, search_term, tag_set};
use super::{Services, audit_log, reference, versioned};

// An expert to add (the GraphQL input `CreateExpertInput`).
#[derive(InputObject)]
#[graphql(name = "CreateExpertInput")]
pub struct NewExpert {
    pub name: String,
    pub gender: Gender,
    pub birth_date: Date,
    /// 18-character citizen ID (GB 11643); must agree with `birthDate`.
    pub id_card_number: String,
    pub phone: String,
    pub email: Option<String>,
    pub employer: String,
    pub employer_credit_code: String,
    pub title: ProfessionalTitle,
    pub years_in_field: i32,
    pub city_code: String,
    pub sectors: Vec<Sector>,
    pub expertise_kinds: Vec<ExpertiseKind>,
    pub term_start: Date,
    pub term_end: Date,
}

// Fields an update may change (the GraphQL input `UpdateExpertInput`); `None` leaves a field
// as it is. Its doc comment is the input's GraphQL description.
/// Every field optional: only the given ones change. Experts may set only phone and email.
#[derive(InputObject, Default)]
#[graphql(name = "UpdateExpertInput")]
pub struct ExpertPatch {
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub id_card_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub employer: Option<String>,
    pub employer_credit_code: Option<String>,
    pub title: Option<ProfessionalTitle>,
    pub years_in_field: Option<i32>,
    pub city_code: Option<String>,
    pub sectors: Option<Vec<Sector>>,
    pub expertise_kinds: Option<Vec<ExpertiseKind>>,
    pub term_start: Option<Date>,
    pub term_end: Option<Date>,
}

impl ExpertPatch {
    /// Whether the patch touches anything beyond contact details (what an expert may edit).
    fn touches_more_than_contact(&self) -> bool {
        self.name.is_some()
            || self.gender.is_some()
            || self.birth_date.is_some()
            || self.id_card_number.is_some()
            || self.employer.is_some()
            || self.employer_credit_code.is_some()
            || self.title.is_some()
            || self.years_in_field.is_some()
            || self.city_code.is_some()
            || self.sectors.is_some()
            || self.expertise_kinds.is_some()
            || self.term_start.is_some()
            || self.term_end.is_some()
    }
}

// A conflict to declare (the GraphQL input `ExpertConflictInput`).
#[derive(InputObject)]
#[graphql(name = "ExpertConflictInput")]
pub struct NewConflict {
    pub kind: ConflictKind,
    pub organisation_name: String,
    pub organisation_credit_code: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub note: Option<String>,
}

// Dates to keep free (the GraphQL input `ExpertUnavailabilityInput`).
#[derive(InputObject)]
#[graphql(name = "ExpertUnavailabilityInput")]
pub struct NewUnavailability {
    pub starts_on: Date,
    pub ends_on: Date,
    pub reason: Option<String>,
}

fn validate_phone(value: &str) -> AppResult<String> {
    phone_number("phone", value)
}

fn validate_email(value: Option<String>) -> AppResult<Option<String>> {
    let Some(value) = optional_text("email", value, 254)? else {
        return Ok(None);
    };
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !value.contains(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        return Err(AppError::bad_input("email", "is not an email address"));
    }
    Ok(Some(value))
}

fn validate_years(years: i32) -> AppResult<i32> {
    if !(0..=70).contains(&years) {
        return Err(AppError::bad_input(
            "yearsInField",
            "must be between 0 and 70",
        ));
    }
    Ok(years)
}

fn validate_term(start: NaiveDate, end: NaiveDate) -> AppResult<()> {
    if end < start {
        return Err(AppError::bad_input(
            "termEnd",
            "must not be before termStart",
        ));
    }
    Ok(())
}

/// The ID card must be valid and agree with the stated birth date.
fn validate_identity(id_card: &str, birth_date: NaiveDate) -> AppResult<String> {
    let card = validate_id_card(id_card)
        .map_err(|e| AppError::bad_input("idCardNumber", e.to_string()))?;
    if card.birth_date() != birth_date {
        return Err(AppError::bad_input(
            "birthDate",
            "does not match the birth date in the ID card number",
        ));
    }
    Ok(card.into_string())
}

async fn ensure_city(db: &impl ConnectionTrait, code: &str) -> AppResult<()> {
    reference::require_known_city(db, "cityCode", code).await
}

async fn ensure_unique_id_card(
    db: &impl ConnectionTrait,
    id_card_hmac: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    let column = expert::Column::IdCardHmac;
    if super::taken_by_another::<expert::Entity>(db, column, id_card_hmac, except).await? {
        return Err(AppError::conflict(
            "an expert with this ID card number is already in the pool",
        ));
    }
    Ok(())
}

async fn replace_sets(
    txn: &impl ConnectionTrait,
    expert_id: Uuid,
    sectors: Option<&[Sector]>,
    kinds: Option<&[ExpertiseKind]>,
) -> AppResult<()> {
    if let Some(sectors) = sectors {
        expert_sector::Entity::delete_many()
            .filter(expert_sector::Column::ExpertId.eq(expert_id))
            .exec(txn)
            .await?;
        expert_sector::Entity::insert_many(sectors.iter().map(|s| expert_sector::ActiveModel {
            expert_id: Set(expert_id),
            sector: Set(*s),
        }))
        .exec(txn)
        .await?;
    }
    if let Some(kinds) = kinds {
        expert_kind::Entity::delete_many()
            .filter(expert_kind::Column::ExpertId.eq(expert_id))
            .exec(txn)
            .await?;
        expert_kind::Entity::insert_many(kinds.iter().map(|k| expert_kind::ActiveModel {
            expert_id: Set(expert_id),
            kind: Set(*k),
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}

/// The record with its personal data decrypted. Services hand records on as stored, and
/// what shows them decrypts the fields it shows ([`id_card_number_seen_by`], [`phone_seen_by`]):
/// a page of seated experts then costs no decryption at all.
fn reveal(keys: &DataKeys, mut model: expert::Model) -> AppResult<expert::Model> {
    model.id_card_number = keys.decrypt(&model.id_card_number)?;
    model.phone = keys.decrypt(&model.phone)?;
    Ok(model)
}

pub async fn create_expert(
    s: &Services,
    viewer: &Viewer,
    input: NewExpert,
) -> AppResult<expert::Model> {
    let db = &s.db;
    viewer.require_province_admin()?;
    let name = required_text("name", &input.name, 100)?;
    let id_card_number = validate_identity(&input.id_card_number, input.birth_date.0)?;
    let phone = validate_phone(&input.phone)?;
    let email = validate_email(input.email)?;
    let employer = required_text("employer", &input.employer, 200)?;
    let employer_credit_code = validate_credit_code(&input.employer_credit_code)
        .map_err(|e| AppError::bad_input("employerCreditCode", e.to_string()))?;
    let years = validate_years(input.years_in_field)?;
    let sectors = tag_set("sectors", &input.sectors)?;
    let kinds = tag_set("expertiseKinds", &input.expertise_kinds)?;
    validate_term(input.term_start.0, input.term_end.0)?;
    ensure_city(db, &input.city_code).await?;

    let id_card_hmac = s.data_keys.blind_index(&id_card_number);
    let txn = begin_write(db).await?;
    ensure_unique_id_card(&txn, &id_card_hmac, None).await?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let created = expert::ActiveModel {
        id: Set(id),
        name: Set(name),
        gender: Set(input.gender),
        birth_date: Set(input.birth_date.0),
        id_card_number: Set(s.data_keys.encrypt(&id_card_number)?),
        id_card_hmac: Set(Some(id_card_hmac)),
        phone: Set(s.data_keys.encrypt(&phone)?),
        email: Set(email),
        employer: Set(employer),
        employer_credit_code: Set(employer_credit_code),
        title: Set(input.title),
        years_in_field: Set(years),
        city_code: Set(input.city_code),
        term_start: Set(input.term_start.0),
        term_end: Set(input.term_end.0),
        status: Set(ExpertStatus::Candidate),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    replace_sets(&txn, id, Some(&sectors), Some(&kinds)).await?;
    versioned::record_status_change::<expert::Entity>(
        &txn,
        viewer,
        id,
        None,
        ExpertStatus::Candidate,
        "created",
    )
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "createExpert",
        "Expert",
        Some(id.to_string()),
        json!({ "name": created.name, "cityCode": created.city_code }),
    )
    .await?;
    Ok(created)
}

/// Who may read an expert's record: admins (the whole pool) and the expert.
fn require_read(viewer: &Viewer, expert_id: Uuid) -> AppResult<()> {
    if viewer.is_expert(expert_id) {
        return Ok(());
    }
    viewer.require_admin()
}

/// Who may edit an expert's conflicts and unavailability: the province and the expert.
fn require_own_or_province(viewer: &Viewer, expert_id: Uuid) -> AppResult<()> {
    if viewer.is_expert(expert_id) {
        return Ok(());
    }
    viewer.require_province_admin()
}

pub async fn get_expert(s: &Services, viewer: &Viewer, id: Uuid) -> AppResult<expert::Model> {
    require_read(viewer, id)?;
    find(&s.db, id).await
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<expert::Model> {
    super::find_or_not_found::<expert::Entity>(db, "Expert", id).await
}

/// Applies a patch when the caller read `expected_version`; a stale version is CONFLICT and
/// writes nothing. An expert may change only their own contact details.
pub async fn update_expert(
    s: &Services,
    viewer: &Viewer,
    id: Uuid,
    patch: ExpertPatch,
    expected_version: i32,
) -> AppResult<expert::Model> {
    if viewer.is_expert(id) {
        if patch.touches_more_than_contact() {
            return Err(AppError::forbidden(
                "an expert may change only their own phone and email",
            ));
        }
    } else {
        viewer.require_province_admin()?;
    }
    let db = &s.db;
    let current = reveal(&s.data_keys, find(db, id).await?)?;
    versioned::expect_version::<expert::Entity>(current.version, expected_version)?;
    let mut changed: Vec<&str> = Vec::new();
    let mut active = expert::ActiveModel {
        id: sea_orm::Unchanged(id),
        ..Default::default()
    };
    if let Some(name) = &patch.name {
        active.name = Set(required_text("name", name, 100)?);
        changed.push("name");
    }
    if let Some(gender) = patch.gender {
        active.gender = Set(gender);
        changed.push("gender");
    }
    let birth_date = patch.birth_date.map_or(current.birth_date, |d| d.0);
    if patch.birth_date.is_some() || patch.id_card_number.is_some() {
        let card = patch
            .id_card_number
            .as_deref()
            .unwrap_or(&current.id_card_number);
        let number = validate_identity(card, birth_date)?;
        let hmac = s.data_keys.blind_index(&number);
        ensure_unique_id_card(db, &hmac, Some(id)).await?;
        active.id_card_number = Set(s.data_keys.encrypt(&number)?);
        active.id_card_hmac = Set(Some(hmac));
        active.birth_date = Set(birth_date);
        changed.push("identity");
    }
    if let Some(phone) = &patch.phone {
        active.phone = Set(s.data_keys.encrypt(&validate_phone(phone)?)?);
        changed.push("phone");
    }
    if patch.email.is_some() {
        active.email = Set(validate_email(patch.email.clone())?);
        changed.push("email");
    }
    if let Some(employer) = &patch.employer {
        active.employer = Set(required_text("employer", employer, 200)?);
        changed.push("employer");
    }
    if let Some(code) = &patch.employer_credit_code {
        active.employer_credit_code = Set(validate_credit_code(code)
            .map_err(|e| AppError::bad_input("employerCreditCode", e.to_string()))?);
        changed.push("employerCreditCode");
    }
    if let Some(title) = patch.title {
        active.title = Set(title);
        changed.push("title");
    }
    if let Some(years) = patch.years_in_field {
        active.years_in_field = Set(validate_years(years)?);
        changed.push("yearsInField");
    }
    if let Some(city) = &patch.city_code {
        ensure_city(db, city).await?;
        active.city_code = Set(city.clone());
        changed.push("cityCode");
    }
    let term_start = patch.term_start.map_or(current.term_start, |d| d.0);
    let term_end = patch.term_end.map_or(current.term_end, |d| d.0);
    if patch.term_start.is_some() || patch.term_end.is_some() {
        validate_term(term_start, term_end)?;
        active.term_start = Set(term_start);
        active.term_end = Set(term_end);
        changed.push("term");
    }
    let sectors = patch
        .sectors
        .as_deref()
        .map(|s| tag_set("sectors", s))
        .transpose()?;
    let kinds = patch
        .expertise_kinds
        .as_deref()
        .map(|k| tag_set("expertiseKinds", k))
        .transpose()?;
    if sectors.is_some() {
        changed.push("sectors");
    }
    if kinds.is_some() {
        changed.push("expertiseKinds");
    }
    active.version = Set(expected_version + 1);
    active.updated_at = Set(Utc::now());

    let txn = begin_write(db).await?;
    // The version condition makes a concurrent writer's update lose cleanly.
    let updated =
        versioned::update_if_version::<expert::Entity>(&txn, active, id, expected_version, None)
            .await?;
    replace_sets(&txn, id, sectors.as_deref(), kinds.as_deref()).await?;
    audit_log::commit(
        txn,
        viewer,
        "updateExpert",
        "Expert",
        Some(id.to_string()),
        json!({ "changed": changed, "version": updated.version }),
    )
    .await?;
    Ok(updated)
}

pub async fn set_expert_status(
    s: &Services,
    viewer: &Viewer,
    policy: &AdmissionPolicy,
    id: Uuid,
    to: ExpertStatus,
    reason: &str,
) -> AppResult<expert::Model> {
    viewer.require_province_admin()?;
    let reason = required_text("reason", reason, 500)?;
    let db = &s.db;
    let current = find(db, id).await?;
    let from = current.status;
    check_status_transition(from, to).map_err(|e| AppError::bad_input("status", e.to_string()))?;
    if to == ExpertStatus::Active {
        let title: ProfessionalTitle = current.title;
        let years = u32::try_from(current.years_in_field).unwrap_or(0);
        let today = today_in_china(Utc::now());
        check_admission(policy, title, years, current.birth_date, today).map_err(|failures| {
            let text = failures
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            AppError::bad_input("status", format!("admission check failed: {text}"))
        })?;
    }
    let version = current.version;
    let mut active = expert::ActiveModel {
        id: sea_orm::Unchanged(id),
        ..Default::default()
    };
    active.status = Set(to);
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());

    let updated = versioned::commit_status_change::<expert::Entity>(
        db,
        viewer,
        "setExpertStatus",
        active,
        id,
        version,
        (from, to),
        &reason,
    )
    .await?;
    Ok(updated)
}

/// A page of the pool, read from memory (see [`super::expert_pool`]); each expert comes
/// with their sectors and kinds, as stored (see [`phone_seen_by`]).
pub async fn list_experts(
    s: &Services,
    viewer: &Viewer,
    mut filter: PoolFilter,
    page: PageRequest,
) -> AppResult<Page<PoolExpert>> {
    viewer.require_admin()?;
    filter.text = search_term("filter.text", filter.text.as_deref())?;
    let pool = expert_pool::current(&s.db, &s.expert_pool).await?;
    let matching: Vec<&PoolExpert> = pool.select(&filter).collect();
    let page = page_in_memory(matching, |e| e.model.id, page);
    let items = page.items.into_iter().cloned().collect();
    Ok(Page {
        items,
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
        total_count: page.total_count,
    })
}

/// Encrypts the personal data of records stored before encryption existed (those without
/// a keyed hash); idempotent, run at start-up.
pub async fn encrypt_legacy_rows(s: &Services) -> AppResult<u64> {
    let legacy = expert::Entity::find()
        .filter(expert::Column::IdCardHmac.is_null())
        .all(&s.db)
        .await?;
    let mut converted = 0;
    for row in legacy {
        let clear_id = s.data_keys.decrypt(&row.id_card_number)?;
        let clear_phone = s.data_keys.decrypt(&row.phone)?;
        let txn = begin_write(&s.db).await?;
        expert::Entity::update_many()
            .set(expert::ActiveModel {
                id_card_number: Set(s.data_keys.encrypt(&clear_id)?),
                id_card_hmac: Set(Some(s.data_keys.blind_index(&clear_id))),
                phone: Set(s.data_keys.encrypt(&clear_phone)?),
                ..Default::default()
            })
            .filter(expert::Column::Id.eq(row.id))
            .filter(expert::Column::IdCardHmac.is_null())
            .exec(&txn)
            .await?;
        txn.commit().await?;
        converted += 1;
    }
    Ok(converted)
}

async fn require_expert_exists(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    find(db, id).await.map(|_| ())
}

pub async fn add_conflict(
    db: &DatabaseConnection,
    viewer: &Viewer,
    expert_id: Uuid,
    input: NewConflict,
) -> AppResult<expert_conflict::Model> {
    require_own_or_province(viewer, expert_id)?;
    let organisation_name = required_text("organisationName", &input.organisation_name, 200)?;
    let code = validate_credit_code(&input.organisation_credit_code)
        .map_err(|e| AppError::bad_input("organisationCreditCode", e.to_string()))?;
    if let (Some(from), Some(until)) = (input.valid_from, input.valid_until)
        && until < from
    {
        return Err(AppError::bad_input(
            "validUntil",
            "must not be before validFrom",
        ));
    }
    let note = optional_text("note", input.note, 500)?;
    let row = expert_conflict::ActiveModel {
        id: Set(Uuid::now_v7()),
        expert_id: Set(expert_id),
        kind: Set(input.kind),
        organisation_name: Set(organisation_name),
        organisation_credit_code: Set(code),
        valid_from: Set(input.valid_from.map(|d| d.0)),
        valid_until: Set(input.valid_until.map(|d| d.0)),
        note: Set(note),
        created_at: Set(Utc::now()),
    };
    add_declared(db, viewer, expert_id, ("addExpertConflict", "ExpertConflict"), row, |c| {
        json!({ "expertId": expert_id, "kind": c.kind, "organisationCreditCode": c.organisation_credit_code })
    })
    .await
}

pub async fn remove_conflict(
    db: &DatabaseConnection,
    viewer: &Viewer,
    conflict_id: Uuid,
) -> AppResult<expert_conflict::Model> {
    remove_declared::<expert_conflict::Entity>(
        db,
        viewer,
        conflict_id,
        ("removeExpertConflict", "ExpertConflict"),
        |id| AppError::not_found("ExpertConflict", id),
        |found| found.expert_id,
    )
    .await
}

pub async fn add_unavailability(
    db: &DatabaseConnection,
    viewer: &Viewer,
    expert_id: Uuid,
    input: NewUnavailability,
) -> AppResult<expert_unavailability::Model> {
    require_own_or_province(viewer, expert_id)?;
    if input.ends_on < input.starts_on {
        return Err(AppError::bad_input("endsOn", "must not be before startsOn"));
    }
    if (input.ends_on.0 - input.starts_on.0).num_days() > 366 {
        return Err(AppError::bad_input(
            "endsOn",
            "a declared range may span at most a year",
        ));
    }
    let reason = optional_text("reason", input.reason, 500)?;
    let row = expert_unavailability::ActiveModel {
        id: Set(Uuid::now_v7()),
        expert_id: Set(expert_id),
        starts_on: Set(input.starts_on.0),
        ends_on: Set(input.ends_on.0),
        reason: Set(reason),
        created_at: Set(Utc::now()),
    };
    add_declared(
        db,
        viewer,
        expert_id,
        ("addExpertUnavailability", "ExpertUnavailability"),
        row,
        |u| json!({ "expertId": expert_id, "startsOn": u.starts_on, "endsOn": u.ends_on }),
    )
    .await
}

pub async fn remove_unavailability(
    db: &DatabaseConnection,
    viewer: &Viewer,
    unavailability_id: Uuid,
) -> AppResult<expert_unavailability::Model> {
    remove_declared::<expert_unavailability::Entity>(
        db,
        viewer,
        unavailability_id,
        ("removeExpertUnavailability", "ExpertUnavailability"),
        |id| AppError::not_found("ExpertUnavailability", id),
        |found| found.expert_id,
    )
    .await
}

/// Records a fact an expert declares about themself (a conflict, an unavailability), once the
/// expert is known to exist; the audit log calls it `operation` on a `type_name`.
async fn add_declared<A>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    expert_id: Uuid,
    (operation, type_name): (&str, &str),
    row: A,
    summary: impl FnOnce(&<A::Entity as EntityTrait>::Model) -> serde_json::Value,
) -> AppResult<<A::Entity as EntityTrait>::Model>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    require_expert_exists(db, expert_id).await?;
    let txn = begin_write(db).await?;
    audit_log::commit_insert(txn, viewer, (operation, type_name), row, summary).await
}

/// Deletes a fact an expert declared about themself (a conflict, an unavailability): the
/// expert or the province may, and the audit log keeps whose it was.
async fn remove_declared<E>(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    (operation, type_name): (&str, &str),
    missing: impl FnOnce(Uuid) -> AppError,
    expert_of: impl Fn(&E::Model) -> Uuid,
) -> AppResult<E::Model>
where
    E: EntityTrait,
    E::PrimaryKey: sea_orm::PrimaryKeyTrait<ValueType = Uuid>,
{
    viewer.require_user()?;
    let found = E::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| missing(id))?;
    let expert_id = expert_of(&found);
    require_own_or_province(viewer, expert_id)?;
    let txn = begin_write(db).await?;
    E::delete_by_id(id).exec(&txn).await?;
    audit_log::commit(
        txn,
        viewer,
        operation,
        type_name,
        Some(id.to_string()),
        json!({ "expertId": expert_id }),
    )
    .await?;
    Ok(found)
}

/// Whether the viewer sees an expert's ID-card number and phone in clear: the province and
/// the expert themself (others see them masked).
pub fn sees_personal_data(viewer: &Viewer, expert_id: Uuid) -> bool {
    viewer.is_province_admin() || viewer.is_expert(expert_id)
}

/// A stored record's ID-card number as `viewer` may see it: decrypted, and masked
/// (`140***********123X`) unless [`sees_personal_data`].
pub fn id_card_number_seen_by(
    keys: &DataKeys,
    viewer: &Viewer,
    stored: &expert::Model,
) -> AppResult<String> {
    let in_clear = sees_personal_data(viewer, stored.id);
    keys.shown(&stored.id_card_number, in_clear, mask_id_card)
}

/// A stored record's phone as `viewer` may see it: decrypted, and masked unless
/// [`sees_personal_data`].
pub fn phone_seen_by(
    keys: &DataKeys,
    viewer: &Viewer,
    stored: &expert::Model,
) -> AppResult<String> {
    keys.shown(
        &stored.phone,
        sees_personal_data(viewer, stored.id),
        mask_phone,
    )
}

/// Whether the viewer may open the expert record behind a panel seat: administrators and
/// the expert themself (a consultancy sees the name only).
pub fn sees_seat_expert(viewer: &Viewer, expert_id: Uuid) -> bool {
    viewer.require_admin().is_ok() || viewer.is_expert(expert_id)
}

/// Batch reads for the GraphQL loaders, one query per relation whatever the page size. They
/// take no viewer and check nothing: what they return reaches a client only through a type
/// that checks access as it resolves; a service calls them only after its own checks.
pub mod unguarded {
    use super::*;

    /// Experts' names by id (names only: no personal data).
    pub async fn names_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, String>> {
        let rows: Vec<(Uuid, String)> = expert::Entity::find()
            .select_only()
            .columns([expert::Column::Id, expert::Column::Name])
            .filter(crate::services::bulk::among(
                db.get_database_backend(),
                expert::Column::Id,
                ids.iter().copied(),
            ))
            .into_tuple()
            .all(db)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// Experts by id as stored (the GraphQL type decrypts what it shows), from the pool in
    /// memory: shared, not copied.
    pub async fn by_ids(
        s: &Services,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Arc<expert::Model>>> {
        let pool = expert_pool::current(&s.db, &s.expert_pool).await?;
        Ok(shared(&pool, ids))
    }

    /// [`by_ids`] from the pool at a revision just read with another statement (the seats of
    /// an enterprise page carry it), or a newer one already cached: one statement fewer.
    pub async fn by_ids_at_revision(
        s: &Services,
        ids: &[Uuid],
        revision: i64,
    ) -> AppResult<HashMap<Uuid, Arc<expert::Model>>> {
        let pool = expert_pool::at_least_revision(&s.db, &s.expert_pool, revision).await?;
        Ok(shared(&pool, ids))
    }

    fn shared(pool: &expert_pool::Pool, ids: &[Uuid]) -> HashMap<Uuid, Arc<expert::Model>> {
        ids.iter()
            .filter_map(|id| pool.get(*id))
            .map(|e| (e.model.id, e.model.clone()))
            .collect()
    }

    pub async fn sectors_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<Sector>>> {
        crate::services::tags_of::<expert_sector::Entity, _>(
            db,
            expert_sector::Column::ExpertId,
            expert_sector::Column::Sector,
            ids,
        )
        .await
    }

    pub async fn kinds_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<ExpertiseKind>>> {
        crate::services::tags_of::<expert_kind::Entity, _>(
            db,
            expert_kind::Column::ExpertId,
            expert_kind::Column::Kind,
            ids,
        )
        .await
    }

    crate::services::owned_by_reads! {
        status_history_of: expert_status_change by ExpertId, ordered by Id;
        conflicts_of: expert_conflict by ExpertId, ordered by Id;
        unavailability_of: expert_unavailability by ExpertId, ordered by StartsOn;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_and_email_shapes() {
        assert!(validate_phone("13812345678").is_ok());
        assert!(validate_phone("0351-1234567").is_ok());
        assert!(validate_phone("12ab").is_err());
        assert_eq!(validate_email(Some("  ".into())).ok(), Some(None));
        assert!(validate_email(Some("a@b.cn".into())).is_ok());
        assert!(validate_email(Some("nobody".into())).is_err());
    }
}
