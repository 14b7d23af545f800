//! Documents: uploads through the GraphQL multipart request spec, the officials' list, the
//! versions of a document and where to download each.

use async_graphql::{Context, ID, InputObject, Object, Result, Upload};
use chrono::{DateTime, Utc};
use entity::{document, document_version};

use crate::domain::{DocumentKind, DocumentOwnerType, FileType};
use crate::rules::documents::mime_of;
use crate::services::documents::{
    self, DocumentFilter as ServiceFilter, DocumentWithVersions, UploadTarget, staging,
};

use super::audits::Audit;
use super::context::{services, viewer, with_id};
use super::pagination::page_args;
use super::scalars::{id_of, parse_id, parse_optional_id};

/// A document of a record, with its versions (newest first).
pub struct Document(pub DocumentWithVersions);

crate::connection_type!(DocumentConnection, DocumentEdge, Document);

/// One uploaded version; versions are never overwritten.
pub struct DocumentVersion(pub document_version::Model);

#[Object]
impl Document {
    async fn id(&self) -> ID {
        id_of(self.0.document.id)
    }
    async fn owner_type(&self) -> DocumentOwnerType {
        self.0.document.owner_type
    }
    async fn owner_id(&self) -> ID {
        id_of(self.0.document.owner_id)
    }
    async fn kind(&self) -> DocumentKind {
        self.0.document.kind
    }
    async fn kind_label(&self) -> &'static str {
        self.0.document.kind.label()
    }
    /// Anyone may read it (set by an official).
    async fn public(&self) -> bool {
        self.0.document.is_public
    }
    /// A recorded step rests on it (its operation's name); it cannot be deleted.
    async fn locked_by(&self) -> Option<&str> {
        self.0.document.locked_by.as_deref()
    }
    async fn locked_at(&self) -> Option<DateTime<Utc>> {
        self.0.document.locked_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.document.created_at
    }
    async fn latest_version(&self) -> Option<DocumentVersion> {
        self.0.versions.first().cloned().map(DocumentVersion)
    }
    async fn versions(&self) -> Vec<DocumentVersion> {
        self.0
            .versions
            .iter()
            .cloned()
            .map(DocumentVersion)
            .collect()
    }
}

#[Object]
impl DocumentVersion {
    async fn version(&self) -> i32 {
        self.0.version_no
    }
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// The type the bytes are (decided from them, not from the name).
    async fn file_type(&self) -> FileType {
        self.0.content_type
    }
    async fn content_type(&self) -> &'static str {
        mime_of(self.0.content_type)
    }
    async fn size(&self) -> i64 {
        self.0.size_bytes
    }
    /// Lower-case hex SHA-256 of the bytes; the download's `ETag`.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn uploaded_by(&self) -> ID {
        id_of(self.0.uploaded_by)
    }
    async fn uploaded_at(&self) -> DateTime<Utc> {
        self.0.uploaded_at
    }
    /// Where to download this version (with the same bearer token).
    async fn download_path(&self) -> String {
        format!(
            "/documents/{}/content?version={}",
            self.0.document_id, self.0.version_no
        )
    }
}

/// What a new upload belongs to: a record and a kind, or an earlier document (a new version).
#[derive(InputObject)]
pub struct UploadDocumentInput {
    pub owner_type: Option<DocumentOwnerType>,
    pub owner_id: Option<ID>,
    pub kind: Option<DocumentKind>,
    /// Upload a new version of this document instead (owner and kind are its own).
    pub document_id: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct DocumentFilter {
    pub owner_type: Option<DocumentOwnerType>,
    pub owner_id: Option<ID>,
    pub kind: Option<DocumentKind>,
    /// A city admin sees their own city's only.
    pub city_code: Option<String>,
    pub year: Option<i32>,
}

/// An audit whose submitted report lacks a required document.
pub struct MissingDocuments(pub documents::MissingDocuments);

#[Object]
impl MissingDocuments {
    async fn audit(&self) -> Audit {
        Audit(self.0.audit.clone())
    }
    async fn missing_kinds(&self) -> Vec<DocumentKind> {
        self.0.kinds.clone()
    }
}

#[derive(Default)]
pub struct DocumentQuery;

#[Object]
impl DocumentQuery {
    /// One document with its versions, for whoever may read it.
    async fn document(&self, ctx: &Context<'_>, id: ID) -> Result<Document> {
        with_id(ctx, "id", &id, documents::get).await.map(Document)
    }

    /// Documents by record, kind, city and year (administrators; a city admin their city's).
    async fn documents(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<DocumentFilter>,
    ) -> Result<DocumentConnection> {
        let (s, page) = page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let found = documents::list(
            s,
            viewer(ctx),
            ServiceFilter {
                owner_type: f.owner_type,
                owner_id: parse_optional_id("filter.ownerId", f.owner_id.as_ref())?,
                kind: f.kind,
                city_code: f.city_code,
                year: f.year,
            },
            page,
        )
        .await?;
        let ids: Vec<uuid::Uuid> = found.items.iter().map(|d: &document::Model| d.id).collect();
        let mut versions = documents::unguarded::versions_of(&s.db, &ids).await?;
        Ok(DocumentConnection::from_page(found.map(|d| {
            let v = versions.remove(&d.id).unwrap_or_default();
            (
                d.id,
                Document(DocumentWithVersions {
                    document: d,
                    versions: v,
                }),
            )
        })))
    }

    /// Audits whose submitted report lacks a required document (the report; for a STRICT
    /// audit also the performance sheet), by city and year (administrators).
    async fn missing_documents(
        &self,
        ctx: &Context<'_>,
        city_code: Option<String>,
        year: Option<i32>,
    ) -> Result<Vec<MissingDocuments>> {
        let s = services(ctx)?;
        Ok(documents::missing(s, viewer(ctx), city_code, year)
            .await?
            .into_iter()
            .map(MissingDocuments)
            .collect())
    }
}

#[derive(Default)]
pub struct DocumentMutation;

#[Object]
impl DocumentMutation {
    /// Uploads a file (GraphQL multipart request) as a new document of a record, or as a new
    /// version of a document. Large files may use `POST /documents` instead.
    async fn upload_document(
        &self,
        ctx: &Context<'_>,
        input: UploadDocumentInput,
        file: Upload,
    ) -> Result<Document> {
        let s = services(ctx)?;
        let viewer = viewer(ctx);
        viewer.require_user()?;
        let target = match &input.document_id {
            Some(id) => UploadTarget::Version {
                document_id: parse_id("input.documentId", id)?,
            },
            None => UploadTarget::New {
                owner_type: input.owner_type.ok_or_else(|| {
                    crate::error::AppError::bad_input("input.ownerType", "is required")
                })?,
                owner_id: parse_id(
                    "input.ownerId",
                    input.owner_id.as_ref().ok_or_else(|| {
                        crate::error::AppError::bad_input("input.ownerId", "is required")
                    })?,
                )?,
                kind: input.kind.ok_or_else(|| {
                    crate::error::AppError::bad_input("input.kind", "is required")
                })?,
            },
        };
        // Not `Upload::value`: it indexes the request's files without a check, and a JSON
        // request can name a file it does not carry.
        let upload = ctx
            .query_env
            .uploads
            .get(file.0)
            .and_then(|u| u.try_clone().ok())
            .ok_or_else(|| {
                crate::error::AppError::bad_input("file", "send the file as a multipart upload")
            })?;
        let file_name = upload.filename.clone();
        let settings = s.config.documents.clone();
        let staged = tokio::task::spawn_blocking(move || {
            staging::adopt(&settings.staging_dir, settings.max_bytes, upload.content)
        })
        .await
        .map_err(|e| crate::error::AppError::internal(format!("staging: {e}")))?
        .map_err(crate::error::AppError::from)?;
        Ok(Document(
            documents::upload(s, viewer, target, &file_name, staged).await?,
        ))
    }

    /// Deletes a document no recorded step rests on (its uploader only: a withdrawn draft).
    async fn delete_document(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let s = services(ctx)?;
        let uuid = parse_id("id", &id)?;
        documents::delete(s, viewer(ctx), uuid).await?;
        Ok(id)
    }

    /// Makes a document public or not (officials of its record; disclosure evidence, penalty
    /// decisions of published violations, training materials, written notices).
    async fn set_document_public(
        &self,
        ctx: &Context<'_>,
        id: ID,
        public: bool,
    ) -> Result<Document> {
        with_id(ctx, "id", &id, |s, v, id| {
            documents::set_public(s, v, id, public)
        })
        .await
        .map(Document)
    }
}
