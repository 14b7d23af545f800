//! Documents of the records: uploads (new documents and new versions), reads with the access
//! rules, deletion of drafts, making public, what steps require, and keeping the store and
//! the rows consistent (`verify`, `collect_orphans`).
//!
//! Order of an upload: the bytes are staged and hashed (`staging`), checked, written to the
//! store under their content address, and only then is the row written, with the audit-log
//! entry that carries the SHA-256, in one transaction. A failure before the row leaves at
//! most an object no row names, which `collect_orphans` deletes once it is older than
//! `ORPHAN_GRACE` (an upload in flight writes its row within that time).

pub mod staging;
pub mod store;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Utc};
use entity::{
    annual_audit_list, audit, certification, document, document_version, panel_seat, review,
    training_session, violation,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::db::begin_write;
use crate::domain::{DocumentKind, DocumentOwnerType, Role, SeatStatus};
use crate::error::{AppError, AppResult};
use crate::rules::documents::{
    clean_file_name, detect_file_type, in_expert_window, kinds_for, may_be_public, storage_key,
};

use super::pagination::{Page, PageRequest, fetch_page};
use super::{Services, audit_log, today, versioned};

pub use staging::StagedFile;
pub use store::ObjectStoreHandle;

/// How old an unreferenced object must be before it is collected.
pub const ORPHAN_GRACE: chrono::Duration = chrono::Duration::hours(1);

/// What an upload is for: a new document of a record, or a new version of one.
pub enum UploadTarget {
    New {
        owner_type: DocumentOwnerType,
        owner_id: Uuid,
        kind: DocumentKind,
    },
    Version {
        document_id: Uuid,
    },
}

/// A document with its versions, newest first.
#[derive(Clone, Debug)]
pub struct DocumentWithVersions {
    pub document: document::Model,
    pub versions: Vec<document_version::Model>,
}

#[derive(Default)]
pub struct DocumentFilter {
    pub owner_type: Option<DocumentOwnerType>,
    pub owner_id: Option<Uuid>,
    pub kind: Option<DocumentKind>,
    pub city_code: Option<String>,
    pub year: Option<i32>,
}

/// What the access rules need to know of the record a document belongs to.
#[derive(Clone, Debug, Default)]
struct OwnerFacts {
    city_code: Option<String>,
    year: Option<i32>,
    enterprise_id: Option<Uuid>,
    consultancy_id: Option<Uuid>,
    /// The audit the record belongs to (audits, reviews, panel seats).
    audit_id: Option<Uuid>,
    /// The county the audit's evaluation and acceptance are delegated to.
    delegated_county: Option<String>,
    /// The expert of a panel seat.
    seat_expert_id: Option<Uuid>,
    seat_status: Option<SeatStatus>,
}

async fn audit_facts(db: &impl ConnectionTrait, audit_id: Uuid) -> AppResult<OwnerFacts> {
    let found = audit::Entity::find_by_id(audit_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("ownerId", "no such audit"))?;
    Ok(OwnerFacts {
        city_code: Some(found.city_code),
        year: Some(found.year),
        enterprise_id: Some(found.enterprise_id),
        consultancy_id: found.consultancy_id,
        audit_id: Some(found.id),
        delegated_county: found.delegated_county,
        ..OwnerFacts::default()
    })
}

async fn owner_facts(
    db: &impl ConnectionTrait,
    owner_type: DocumentOwnerType,
    owner_id: Uuid,
) -> AppResult<OwnerFacts> {
    let missing = || AppError::bad_input("ownerId", format!("no such {}", owner_type.as_str()));
    match owner_type {
        DocumentOwnerType::Audit => audit_facts(db, owner_id).await,
        DocumentOwnerType::Review => {
            let found = review::Entity::find_by_id(owner_id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            audit_facts(db, found.audit_id).await
        }
        DocumentOwnerType::PanelSeat => {
            let seat = panel_seat::Entity::find_by_id(owner_id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            let found = review::Entity::find_by_id(seat.review_id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            Ok(OwnerFacts {
                seat_expert_id: Some(seat.expert_id),
                seat_status: Some(seat.status),
                ..audit_facts(db, found.audit_id).await?
            })
        }
        DocumentOwnerType::AnnualList => {
            let list = annual_audit_list::Entity::find_by_id(owner_id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            Ok(OwnerFacts {
                city_code: Some(list.city_code),
                year: Some(list.year),
                ..OwnerFacts::default()
            })
        }
        DocumentOwnerType::Violation => {
            let found = violation::Entity::find_by_id(owner_id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            Ok(OwnerFacts {
                city_code: found.city_code,
                year: Some(found.decision_date.year()),
                ..OwnerFacts::default()
            })
        }
        DocumentOwnerType::Certification => {
            let found = certification::Entity::find_by_id(owner_id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            let enterprise = entity::enterprise::Entity::find_by_id(found.enterprise_id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            Ok(OwnerFacts {
                city_code: Some(enterprise.city_code),
                year: Some(found.certified_on.year()),
                enterprise_id: Some(enterprise.id),
                ..OwnerFacts::default()
            })
        }
        DocumentOwnerType::TrainingSession => {
            let found = training_session::Entity::find_by_id(owner_id)
                .one(db)
                .await?
                .ok_or_else(missing)?;
            Ok(OwnerFacts {
                city_code: found.city_code,
                year: Some(found.year),
                ..OwnerFacts::default()
            })
        }
    }
}

/// Officials act on the records of their city (a county on the audits delegated to it); the
/// province on all.
fn is_official_for(viewer: &Viewer, facts: &OwnerFacts) -> bool {
    match viewer.role() {
        Some(Role::ProvinceAdmin) => true,
        Some(Role::CityAdmin) => {
            facts.city_code.is_some() && viewer.city_scope() == facts.city_code.as_deref()
        }
        Some(Role::CountyAdmin) => facts
            .city_code
            .as_deref()
            .is_some_and(|city| viewer.is_county_admin_of(city, facts.delegated_county.as_deref())),
        _ => false,
    }
}

/// Who may add a document (or a version) of this kind to this record.
fn may_write(
    viewer: &Viewer,
    owner: DocumentOwnerType,
    kind: DocumentKind,
    f: &OwnerFacts,
) -> bool {
    if is_official_for(viewer, f) {
        return true;
    }
    let audit_side = matches!(
        kind,
        DocumentKind::AuditReport
            | DocumentKind::PerformanceSheet
            | DocumentKind::DisclosureEvidence
            | DocumentKind::Other
    );
    match owner {
        DocumentOwnerType::Audit => {
            audit_side
                && (f.enterprise_id.is_some_and(|e| viewer.is_enterprise(e))
                    || f.consultancy_id.is_some_and(|c| viewer.is_consultancy(c)))
        }
        DocumentOwnerType::Certification => {
            f.enterprise_id.is_some_and(|e| viewer.is_enterprise(e))
        }
        DocumentOwnerType::PanelSeat => {
            f.seat_status != Some(SeatStatus::Declined)
                && f.seat_expert_id.is_some_and(|e| viewer.is_expert(e))
        }
        _ => false,
    }
}

/// Checks an upload and stores it: a new document, or the next version of one.
pub async fn upload(
    s: &Services,
    viewer: &Viewer,
    target: UploadTarget,
    file_name: &str,
    staged: StagedFile,
) -> AppResult<DocumentWithVersions> {
    let principal = viewer.require_user()?;
    let uploader = principal.user_id;
    let file_name = clean_file_name(file_name)
        .ok_or_else(|| AppError::bad_input("fileName", "must name the file"))?;
    let (existing, owner_type, owner_id, kind) = match target {
        UploadTarget::New {
            owner_type,
            owner_id,
            kind,
        } => {
            if !kinds_for(owner_type).contains(&kind) {
                return Err(AppError::bad_input(
                    "kind",
                    format!(
                        "a {} holds no {} documents",
                        owner_type.as_str(),
                        kind.as_str()
                    ),
                ));
            }
            (None, owner_type, owner_id, kind)
        }
        UploadTarget::Version { document_id } => {
            let found = find(&s.db, document_id).await?;
            let (t, o, k) = (found.owner_type, found.owner_id, found.kind);
            (Some(found), t, o, k)
        }
    };
    let facts = owner_facts(&s.db, owner_type, owner_id).await?;
    if !may_write(viewer, owner_type, kind, &facts) {
        return Err(AppError::forbidden(
            "you may not add documents to this record",
        ));
    }
    if staged.size > s.config.documents.max_bytes {
        return Err(staging::too_large(s.config.documents.max_bytes));
    }
    let file_type = {
        let head_file = staged.reopen()?;
        let zip_file = staged.reopen()?;
        tokio::task::spawn_blocking(move || {
            let head = staging::head(head_file).unwrap_or_default();
            detect_file_type(&head, || staging::zip_entries(zip_file))
        })
        .await
        .map_err(|e| AppError::internal(format!("file type check: {e}")))?
    }
    .ok_or_else(|| {
        AppError::bad_input("file", "must be a PDF, OFD, DOCX, XLSX, JPEG or PNG file")
    })?;
    let key = storage_key(&staged.sha256);
    // Written even when the same bytes are there: that renews the object's age, so the
    // orphan collector cannot take it away while this upload's row is being written.
    s.documents.put_file(&key, staged.reopen()?).await?;

    let now = Utc::now();
    let txn = begin_write(&s.db).await?;
    let (saved, version_no) = match existing {
        None => {
            let created = document::ActiveModel {
                id: Set(Uuid::now_v7()),
                owner_type: Set(owner_type),
                owner_id: Set(owner_id),
                kind: Set(kind),
                city_code: Set(facts.city_code.clone()),
                year: Set(facts.year),
                is_public: Set(false),
                locked_at: Set(None),
                locked_by: Set(None),
                latest_version: Set(1),
                created_by: Set(uploader),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
            (created, 1)
        }
        Some(current) => {
            let next = current.latest_version + 1;
            let update = document::Entity::update_many()
                .col_expr(
                    document::Column::LatestVersion,
                    sea_orm::sea_query::Expr::value(next),
                )
                .filter(document::Column::Id.eq(current.id))
                .filter(document::Column::LatestVersion.eq(current.latest_version));
            versioned::write_guarded(&txn, update, || {
                AppError::conflict("another version was uploaded meanwhile; reload and try again")
            })
            .await?;
            (
                document::Model {
                    latest_version: next,
                    ..current
                },
                next,
            )
        }
    };
    document_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        document_id: Set(saved.id),
        version_no: Set(version_no),
        file_name: Set(file_name.clone()),
        content_type: Set(file_type),
        size_bytes: Set(i64::try_from(staged.size).unwrap_or(i64::MAX)),
        sha256: Set(staged.sha256.clone()),
        storage_key: Set(key),
        uploaded_by: Set(uploader),
        uploaded_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit_log::commit(
        txn,
        viewer,
        "uploadDocument",
        "Document",
        Some(saved.id.to_string()),
        json!({
            "ownerType": owner_type,
            "ownerId": owner_id,
            "kind": kind,
            "version": version_no,
            "fileName": file_name,
            "contentType": file_type,
            "size": staged.size,
            "sha256": staged.sha256,
        }),
    )
    .await?;
    with_versions(&s.db, saved).await
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<document::Model> {
    document::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("Document", id))
}

async fn with_versions(
    db: &impl ConnectionTrait,
    document: document::Model,
) -> AppResult<DocumentWithVersions> {
    let versions = document_version::Entity::find()
        .filter(document_version::Column::DocumentId.eq(document.id))
        .order_by_desc(document_version::Column::VersionNo)
        .all(db)
        .await?;
    Ok(DocumentWithVersions { document, versions })
}

/// Whether the viewer may read a document that is not public.
async fn may_read(
    s: &Services,
    viewer: &Viewer,
    doc: &document::Model,
    facts: &OwnerFacts,
) -> AppResult<bool> {
    if is_official_for(viewer, facts) {
        return Ok(true);
    }
    let own_enterprise = facts.enterprise_id.is_some_and(|e| viewer.is_enterprise(e));
    let own_firm = facts
        .consultancy_id
        .is_some_and(|c| viewer.is_consultancy(c));
    match doc.owner_type {
        DocumentOwnerType::Audit | DocumentOwnerType::Review => {
            if own_enterprise || own_firm {
                return Ok(true);
            }
        }
        DocumentOwnerType::Certification => return Ok(own_enterprise),
        DocumentOwnerType::PanelSeat => {
            return Ok(facts.seat_status != Some(SeatStatus::Declined)
                && facts.seat_expert_id.is_some_and(|e| viewer.is_expert(e)));
        }
        _ => return Ok(false),
    }
    // An expert seated on a review of the audit reads the report under review in its window.
    let report = matches!(
        doc.kind,
        DocumentKind::AuditReport | DocumentKind::PerformanceSheet
    );
    let (Some(principal), Some(audit_id)) = (viewer.principal(), facts.audit_id) else {
        return Ok(false);
    };
    let Some(expert_id) = principal
        .expert_id
        .filter(|_| principal.role == Role::Expert)
    else {
        return Ok(false);
    };
    if !report || doc.owner_type != DocumentOwnerType::Audit {
        return Ok(false);
    }
    let seats = panel_seat::Entity::find()
        .filter(panel_seat::Column::ExpertId.eq(expert_id))
        .filter(
            panel_seat::Column::ReviewId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(review::Column::Id)
                    .from(review::Entity)
                    .and_where(review::Column::AuditId.eq(audit_id))
                    .to_owned(),
            ),
        )
        .all(&s.db)
        .await?;
    let settings = &s.config.documents;
    let today = today();
    Ok(seats.iter().any(|seat| {
        seat.status != SeatStatus::Declined
            && in_expert_window(
                seat.review_date,
                today,
                settings.expert_days_before,
                settings.expert_days_after,
            )
    }))
}

/// Whether anyone may read the document: made public, and for a penalty decision, while its
/// violation is shown (not withdrawn, its publication period not over).
async fn shown_publicly(s: &Services, doc: &document::Model) -> AppResult<bool> {
    if !doc.is_public {
        return Ok(false);
    }
    if doc.owner_type != DocumentOwnerType::Violation {
        return Ok(true);
    }
    violation_shown(s, doc.owner_id).await
}

async fn violation_shown(s: &Services, violation_id: Uuid) -> AppResult<bool> {
    Ok(violation::Entity::find_by_id(violation_id)
        .one(&s.db)
        .await?
        .is_some_and(|v| {
            crate::services::violations::publication_state(&s.config.violation_publication, &v)
                == crate::domain::ViolationPublicationState::Public
        }))
}

/// Checks that the viewer may read the document; public ones anyone may.
async fn require_read(s: &Services, viewer: &Viewer, doc: &document::Model) -> AppResult<()> {
    if shown_publicly(s, doc).await? {
        return Ok(());
    }
    viewer.require_user()?;
    let facts = owner_facts(&s.db, doc.owner_type, doc.owner_id).await?;
    if may_read(s, viewer, doc, &facts).await? {
        Ok(())
    } else {
        Err(AppError::forbidden("you may not read this document"))
    }
}

/// One document with its versions, for a reader allowed to see it.
pub async fn get(s: &Services, viewer: &Viewer, id: Uuid) -> AppResult<DocumentWithVersions> {
    let doc = find(&s.db, id).await?;
    require_read(s, viewer, &doc).await?;
    with_versions(&s.db, doc).await
}

/// The documents of one record the viewer may read: the record's facts read once, the
/// versions in one query.
pub async fn of_record(
    s: &Services,
    viewer: &Viewer,
    owner_type: DocumentOwnerType,
    owner_id: Uuid,
) -> AppResult<Vec<DocumentWithVersions>> {
    let docs = document::Entity::find()
        .filter(document::Column::OwnerType.eq(owner_type.as_str()))
        .filter(document::Column::OwnerId.eq(owner_id))
        .order_by_asc(document::Column::Id)
        .all(&s.db)
        .await?;
    if docs.is_empty() {
        return Ok(Vec::new());
    }
    let facts = owner_facts(&s.db, owner_type, owner_id).await?;
    let mut readable = Vec::with_capacity(docs.len());
    for doc in docs {
        if shown_publicly(s, &doc).await? || may_read(s, viewer, &doc, &facts).await? {
            readable.push(doc);
        }
    }
    let ids: Vec<Uuid> = readable.iter().map(|d| d.id).collect();
    let mut versions = unguarded::versions_of(&s.db, &ids).await?;
    Ok(readable
        .into_iter()
        .map(|document| DocumentWithVersions {
            versions: versions.remove(&document.id).unwrap_or_default(),
            document,
        })
        .collect())
}

/// What a download sends: the version's row and where its bytes are.
pub struct Download {
    pub document: document::Model,
    pub version: document_version::Model,
}

/// A version to download (the latest when `version_no` is absent). Reads by anyone but the
/// public are written to the audit log.
pub async fn download(
    s: &Services,
    viewer: &Viewer,
    id: Uuid,
    version_no: Option<i32>,
) -> AppResult<Download> {
    let doc = find(&s.db, id).await?;
    require_read(s, viewer, &doc).await?;
    let wanted = version_no.unwrap_or(doc.latest_version);
    let version = document_version::Entity::find()
        .filter(document_version::Column::DocumentId.eq(id))
        .filter(document_version::Column::VersionNo.eq(wanted))
        .one(&s.db)
        .await?
        .ok_or_else(|| {
            AppError::bad_input("version", format!("document has no version {wanted}"))
        })?;
    if !shown_publicly(s, &doc).await? {
        let txn = begin_write(&s.db).await?;
        audit_log::commit(
            txn,
            viewer,
            "downloadDocument",
            "Document",
            Some(id.to_string()),
            json!({ "version": wanted, "sha256": version.sha256 }),
        )
        .await?;
    }
    Ok(Download {
        document: doc,
        version,
    })
}

/// Deletes a document no recorded step rests on; only its uploader may (a withdrawn draft).
/// Its bytes go with the next collection if nothing else names them.
pub async fn delete(s: &Services, viewer: &Viewer, id: Uuid) -> AppResult<document::Model> {
    let principal = viewer.require_user()?;
    let doc = find(&s.db, id).await?;
    if doc.created_by != principal.user_id {
        return Err(AppError::forbidden(
            "only the uploader may delete a document",
        ));
    }
    if let Some(step) = &doc.locked_by {
        return Err(AppError::conflict(format!(
            "the document backs a recorded step ({step}) and cannot be deleted"
        )));
    }
    let txn = begin_write(&s.db).await?;
    document_version::Entity::delete_many()
        .filter(document_version::Column::DocumentId.eq(id))
        .exec(&txn)
        .await?;
    let gone = document::Entity::delete_many()
        .filter(document::Column::Id.eq(id))
        .filter(document::Column::LockedAt.is_null())
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 {
        return Err(AppError::conflict(
            "the document came to back a recorded step meanwhile and cannot be deleted",
        ));
    }
    audit_log::commit(
        txn,
        viewer,
        "deleteDocument",
        "Document",
        Some(id.to_string()),
        json!({ "ownerType": doc.owner_type, "ownerId": doc.owner_id, "kind": doc.kind }),
    )
    .await?;
    Ok(doc)
}

/// Makes a document public (or not): officials of its record, for kinds that may be public;
/// a penalty decision only while its violation is shown publicly.
pub async fn set_public(
    s: &Services,
    viewer: &Viewer,
    id: Uuid,
    public: bool,
) -> AppResult<DocumentWithVersions> {
    viewer.require_admin()?;
    let doc = find(&s.db, id).await?;
    let facts = owner_facts(&s.db, doc.owner_type, doc.owner_id).await?;
    if !is_official_for(viewer, &facts) {
        return Err(AppError::forbidden(
            "only the officials of the record may make its documents public",
        ));
    }
    if public && !may_be_public(doc.kind) {
        return Err(AppError::bad_input(
            "public",
            format!("{} documents are not published", doc.kind.as_str()),
        ));
    }
    if public
        && doc.owner_type == DocumentOwnerType::Violation
        && !violation_shown(s, doc.owner_id).await?
    {
        return Err(AppError::bad_input(
            "public",
            "publish the violation before its decision",
        ));
    }
    let txn = begin_write(&s.db).await?;
    document::Entity::update_many()
        .col_expr(
            document::Column::IsPublic,
            sea_orm::sea_query::Expr::value(public),
        )
        .filter(document::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit_log::commit(
        txn,
        viewer,
        "setDocumentPublic",
        "Document",
        Some(id.to_string()),
        json!({ "public": public }),
    )
    .await?;
    with_versions(
        &s.db,
        document::Model {
            is_public: public,
            ..doc
        },
    )
    .await
}

/// Officials' list of documents (a city admin's: their city's).
pub async fn list(
    s: &Services,
    viewer: &Viewer,
    filter: DocumentFilter,
    page: PageRequest,
) -> AppResult<Page<document::Model>> {
    let city = viewer.list_city(filter.city_code.as_deref())?;
    let mut query = document::Entity::find();
    if let Some(city) = city {
        query = query.filter(document::Column::CityCode.eq(city));
    }
    if let Some(t) = filter.owner_type {
        query = query.filter(document::Column::OwnerType.eq(t.as_str()));
    }
    if let Some(id) = filter.owner_id {
        query = query.filter(document::Column::OwnerId.eq(id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(document::Column::Kind.eq(kind.as_str()));
    }
    if let Some(year) = filter.year {
        query = query.filter(document::Column::Year.eq(year));
    }
    fetch_page(&s.db, query, document::Column::Id, page).await
}

/// The versions of documents, for the loaders (no viewer: see `experts::unguarded`).
pub mod unguarded {
    use super::*;

    pub async fn versions_of(
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, Vec<document_version::Model>>> {
        let rows = document_version::Entity::find()
            .filter(document_version::Column::DocumentId.is_in(ids.iter().copied()))
            .order_by_desc(document_version::Column::VersionNo)
            .all(db)
            .await?;
        Ok(crate::services::grouped(rows, |v| v.document_id))
    }
}

/// Whether steps need their documents (`DocumentSettings::required_for_steps`).
#[derive(Clone, Copy, Debug)]
pub struct StepDocuments {
    pub required: bool,
}

/// The documents a step needs, one of each kind (the newest), or which is missing. When
/// documents are not required, those present still come to back the step.
pub(crate) async fn required(
    db: &impl ConnectionTrait,
    rule: StepDocuments,
    owner_type: DocumentOwnerType,
    owner_id: Uuid,
    kinds: &[&[DocumentKind]],
) -> AppResult<Vec<Uuid>> {
    let held = document::Entity::find()
        .filter(document::Column::OwnerType.eq(owner_type.as_str()))
        .filter(document::Column::OwnerId.eq(owner_id))
        .order_by_desc(document::Column::Id)
        .all(db)
        .await?;
    let mut backing = Vec::new();
    for any_of in kinds {
        let Some(doc) = held.iter().find(|d| any_of.contains(&d.kind)) else {
            if !rule.required {
                continue;
            }
            let names: Vec<&str> = any_of.iter().map(|k| k.as_str()).collect();
            return Err(AppError::bad_input(
                "documents",
                format!("upload the {} document first", names.join(" or ")),
            ));
        };
        backing.push(doc.id);
    }
    Ok(backing)
}

/// Marks documents as backing a recorded step, inside that step's transaction.
pub(crate) async fn lock(
    txn: &impl ConnectionTrait,
    ids: &[Uuid],
    operation: &str,
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let locked = document::Entity::update_many()
        .col_expr(
            document::Column::LockedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .col_expr(
            document::Column::LockedBy,
            sea_orm::sea_query::Expr::value(Some(operation.to_owned())),
        )
        .filter(document::Column::Id.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    if locked.rows_affected != ids.len() as u64 {
        return Err(AppError::conflict(
            "a required document was deleted meanwhile; upload it again",
        ));
    }
    Ok(())
}

/// An audit and the required documents it lacks.
pub struct MissingDocuments {
    pub audit: audit::Model,
    pub kinds: Vec<DocumentKind>,
}

/// Audits of a city and year whose submitted report lacks a required document (officials).
pub async fn missing(
    s: &Services,
    viewer: &Viewer,
    city_code: Option<String>,
    year: Option<i32>,
) -> AppResult<Vec<MissingDocuments>> {
    let city = viewer.list_city(city_code.as_deref())?;
    let mut query = audit::Entity::find().filter(audit::Column::ReportSubmittedOn.is_not_null());
    if let Some(city) = city {
        query = query.filter(audit::Column::CityCode.eq(city));
    }
    if let Some(year) = year {
        query = query.filter(audit::Column::Year.eq(year));
    }
    let audits = query.order_by_asc(audit::Column::Id).all(&s.db).await?;
    let ids: Vec<Uuid> = audits.iter().map(|a| a.id).collect();
    let mut held: HashSet<(Uuid, DocumentKind)> = HashSet::new();
    for chunk in ids.chunks(500) {
        let docs = document::Entity::find()
            .filter(document::Column::OwnerType.eq(DocumentOwnerType::Audit.as_str()))
            .filter(document::Column::OwnerId.is_in(chunk.iter().copied()))
            .all(&s.db)
            .await?;
        held.extend(docs.into_iter().map(|d| (d.owner_id, d.kind)));
    }
    Ok(audits
        .into_iter()
        .filter_map(|a| {
            let kinds: Vec<DocumentKind> = crate::rules::documents::required_for_report(a.mode)
                .iter()
                .copied()
                .filter(|k| !held.contains(&(a.id, *k)))
                .collect();
            (!kinds.is_empty()).then_some(MissingDocuments { audit: a, kinds })
        })
        .collect())
}

/// What `verify-files` found.
#[derive(Debug, Default)]
pub struct FileCheck {
    pub checked: usize,
    /// Versions whose object is not in the store: (document id, version, key).
    pub missing: Vec<(Uuid, i32, String)>,
    /// Versions whose object's bytes no longer hash to the recorded SHA-256.
    pub altered: Vec<(Uuid, i32, String)>,
    /// Versions whose recorded SHA-256 is not the one the hash-chained audit log kept at
    /// upload (a row changed behind the registry's back, with its file swapped to match).
    pub disowned: Vec<(Uuid, i32, String)>,
}

impl FileCheck {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.altered.is_empty() && self.disowned.is_empty()
    }
}

/// The SHA-256 of each (document, version) as the audit log recorded it at upload.
async fn logged_hashes(db: &DatabaseConnection) -> AppResult<HashMap<(Uuid, i64), String>> {
    let entries = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Operation.eq("uploadDocument"))
        .all(db)
        .await?;
    Ok(entries
        .into_iter()
        .filter_map(|e| {
            let id = Uuid::parse_str(e.entity_id.as_deref()?).ok()?;
            let summary: serde_json::Value = serde_json::from_str(&e.summary).ok()?;
            let version = summary.get("version")?.as_i64()?;
            let sha = summary.get("sha256")?.as_str()?.to_owned();
            Some(((id, version), sha))
        })
        .collect())
}

/// Re-hashes every stored object that a version names.
pub async fn verify(db: &DatabaseConnection, store: &ObjectStoreHandle) -> AppResult<FileCheck> {
    use futures_util::StreamExt;
    use sha2::{Digest, Sha256};
    let versions = document_version::Entity::find()
        .order_by_asc(document_version::Column::Id)
        .all(db)
        .await?;
    let logged = logged_hashes(db).await?;
    let mut check = FileCheck::default();
    let mut verdicts: HashMap<String, Option<bool>> = HashMap::new();
    for v in versions {
        check.checked += 1;
        if logged.get(&(v.document_id, i64::from(v.version_no))) != Some(&v.sha256) {
            check
                .disowned
                .push((v.document_id, v.version_no, v.storage_key.clone()));
        }
        let verdict = match verdicts.get(&v.storage_key) {
            Some(known) => *known,
            None => {
                let verdict = match store.size(&v.storage_key).await? {
                    None => None,
                    Some(_) => {
                        let mut hasher = Sha256::new();
                        let mut bytes = store.read(&v.storage_key, None).await?;
                        while let Some(chunk) = bytes.next().await {
                            let chunk = chunk.map_err(|e| {
                                AppError::internal(format!("read {}: {e}", v.storage_key))
                            })?;
                            hasher.update(&chunk);
                        }
                        Some(hex::encode(hasher.finalize()) == v.sha256)
                    }
                };
                verdicts.insert(v.storage_key.clone(), verdict);
                verdict
            }
        };
        match verdict {
            None => check
                .missing
                .push((v.document_id, v.version_no, v.storage_key)),
            Some(false) => check
                .altered
                .push((v.document_id, v.version_no, v.storage_key)),
            Some(true) => {}
        }
    }
    Ok(check)
}

/// Deletes stored objects that no version names and that are older than `ORPHAN_GRACE`
/// (left by an upload that failed after storing, or by a deleted draft). Answers how many.
pub async fn collect_orphans(
    db: &DatabaseConnection,
    store: &ObjectStoreHandle,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let objects = store.list("documents/sha256").await?;
    let old: Vec<String> = objects
        .into_iter()
        .filter(|o| now - o.last_modified > ORPHAN_GRACE)
        .map(|o| o.key)
        .collect();
    let mut collected = 0;
    for chunk in old.chunks(500) {
        let named: HashSet<String> = document_version::Entity::find()
            .filter(document_version::Column::StorageKey.is_in(chunk.iter().cloned()))
            .all(db)
            .await?
            .into_iter()
            .map(|v| v.storage_key)
            .collect();
        for key in chunk.iter().filter(|k| !named.contains(*k)) {
            store.delete(key).await?;
            collected += 1;
        }
    }
    Ok(collected)
}
