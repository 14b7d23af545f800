//! Hardening: login throttling kept in the database (so it holds across instances), the
//! audit log's hash chain, and the keyed-hash column that lets ID-card numbers be stored
//! encrypted while staying unique and searchable by exact value.

use sea_orm_migration::prelude::*;

use crate::columns::{
    add_columns, add_index, amount, amount_null, drop_columns, drop_index, instant, int_pk, table,
    text, text_null, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Username,
    FailedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Seq,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditLogHead {
    Table,
    Id,
    Seq,
    Hash,
}

#[derive(DeriveIden)]
enum Experts {
    Table,
    IdCardHmac,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        table(LoginFailures::Table)
            .cols([
                uuid_pk(LoginFailures::Id),
                text(LoginFailures::Username),
                instant(LoginFailures::FailedAt),
            ])
            .index(
                "idx_login_failures_username",
                [LoginFailures::Username, LoginFailures::FailedAt],
            )
            .create(manager)
            .await?;

        add_columns(
            manager,
            AuditLog::Table,
            vec![
                amount_null(AuditLog::Seq),
                text_null(AuditLog::PrevHash),
                text_null(AuditLog::Hash),
            ],
        )
        .await?;
        add_index(
            manager,
            "idx_audit_log_seq",
            AuditLog::Table,
            vec![AuditLog::Seq],
            true,
        )
        .await?;
        // The head row serialises appenders: each takes its row lock to extend the chain.
        table(AuditLogHead::Table)
            .cols([
                int_pk(AuditLogHead::Id),
                amount(AuditLogHead::Seq),
                text(AuditLogHead::Hash),
            ])
            .create(manager)
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditLogHead::Table)
                    .columns([AuditLogHead::Id, AuditLogHead::Seq, AuditLogHead::Hash])
                    .values_panic([1.into(), 0i64.into(), "0".repeat(64).into()])
                    .to_owned(),
            )
            .await?;

        add_columns(
            manager,
            Experts::Table,
            vec![text_null(Experts::IdCardHmac)],
        )
        .await?;
        add_index(
            manager,
            "idx_experts_id_card_hmac",
            Experts::Table,
            vec![Experts::IdCardHmac],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, "idx_experts_id_card_hmac", Experts::Table).await?;
        drop_columns(manager, Experts::Table, [Experts::IdCardHmac]).await?;
        manager
            .drop_table(Table::drop().table(AuditLogHead::Table).to_owned())
            .await?;
        drop_index(manager, "idx_audit_log_seq", AuditLog::Table).await?;
        drop_columns(
            manager,
            AuditLog::Table,
            [AuditLog::Hash, AuditLog::PrevHash, AuditLog::Seq],
        )
        .await?;
        manager
            .drop_table(Table::drop().table(LoginFailures::Table).to_owned())
            .await
    }
}
