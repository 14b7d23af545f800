//! Documents: what a record rests on (a report, an opinion, a notice, a decision), kept as
//! files. A document belongs to one record (`owner_type`, `owner_id`) and has numbered
//! versions; each version names its bytes by their SHA-256 (`storage_key`), so equal files
//! are stored once and a swapped file is detected. `locked_at` is set when a recorded step
//! rests on the document: from then on it cannot be deleted.

use sea_orm_migration::prelude::*;

use crate::columns::{
    NewTable, amount, create_tables, flag, instant, instant_null, int, int_null, table, text,
    text_null, uuid, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    OwnerType,
    OwnerId,
    Kind,
    /// The city of the record it belongs to (for officials' lists); none for provincial ones.
    CityCode,
    /// The year of the record it belongs to, where it has one.
    Year,
    IsPublic,
    LockedAt,
    LockedBy,
    LatestVersion,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DocumentVersions {
    Table,
    Id,
    DocumentId,
    VersionNo,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    StorageKey,
    UploadedBy,
    UploadedAt,
}

fn tables() -> Vec<NewTable> {
    vec![
        table(Documents::Table).cols([
            uuid_pk(Documents::Id),
            text(Documents::OwnerType),
            uuid(Documents::OwnerId),
            text(Documents::Kind),
            text_null(Documents::CityCode),
            int_null(Documents::Year),
            flag(Documents::IsPublic),
            instant_null(Documents::LockedAt),
            text_null(Documents::LockedBy),
            int(Documents::LatestVersion),
            uuid(Documents::CreatedBy),
            instant(Documents::CreatedAt),
        ]),
        table(DocumentVersions::Table)
            .cols([
                uuid_pk(DocumentVersions::Id),
                uuid(DocumentVersions::DocumentId),
                int(DocumentVersions::VersionNo),
                text(DocumentVersions::FileName),
                text(DocumentVersions::ContentType),
                amount(DocumentVersions::SizeBytes),
                text(DocumentVersions::Sha256),
                text(DocumentVersions::StorageKey),
                uuid(DocumentVersions::UploadedBy),
                instant(DocumentVersions::UploadedAt),
            ])
            .fk(
                "fk_document_versions_document",
                DocumentVersions::DocumentId,
                (Documents::Table, Documents::Id),
            ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await?;
        for index in [
            Index::create()
                .name("idx_documents_owner")
                .table(Documents::Table)
                .col(Documents::OwnerType)
                .col(Documents::OwnerId)
                .col(Documents::Kind)
                .to_owned(),
            Index::create()
                .name("idx_documents_city_year")
                .table(Documents::Table)
                .col(Documents::CityCode)
                .col(Documents::Year)
                .to_owned(),
            Index::create()
                .name("uq_document_versions_number")
                .table(DocumentVersions::Table)
                .col(DocumentVersions::DocumentId)
                .col(DocumentVersions::VersionNo)
                .unique()
                .to_owned(),
            Index::create()
                .name("idx_document_versions_key")
                .table(DocumentVersions::Table)
                .col(DocumentVersions::StorageKey)
                .to_owned(),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }
}
