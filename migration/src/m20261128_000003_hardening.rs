//! Hardening: login throttling kept in the database (so it holds across instances), the
//! audit log's hash chain, and the keyed-hash column that lets ID-card numbers be stored
//! encrypted while staying unique and searchable by exact value.

use sea_orm_migration::prelude::*;

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
        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(
                        ColumnDef::new(LoginFailures::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(LoginFailures::Username).string().not_null())
                    .col(
                        ColumnDef::new(LoginFailures::FailedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_failures_username")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::Username)
                    .col(LoginFailures::FailedAt)
                    .to_owned(),
            )
            .await?;

        // One column per ALTER: SQLite cannot add several at once.
        for col in [
            ColumnDef::new(AuditLog::Seq)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(AuditLog::PrevHash)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(AuditLog::Hash).string().null().to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditLog::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_seq")
                    .table(AuditLog::Table)
                    .col(AuditLog::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The head row serialises appenders: each takes its row lock to extend the chain.
        manager
            .create_table(
                Table::create()
                    .table(AuditLogHead::Table)
                    .col(
                        ColumnDef::new(AuditLogHead::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AuditLogHead::Seq).big_integer().not_null())
                    .col(ColumnDef::new(AuditLogHead::Hash).string().not_null())
                    .to_owned(),
            )
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

        manager
            .alter_table(
                Table::alter()
                    .table(Experts::Table)
                    .add_column(ColumnDef::new(Experts::IdCardHmac).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_experts_id_card_hmac")
                    .table(Experts::Table)
                    .col(Experts::IdCardHmac)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_experts_id_card_hmac")
                    .table(Experts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Experts::Table)
                    .drop_column(Experts::IdCardHmac)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AuditLogHead::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_audit_log_seq")
                    .table(AuditLog::Table)
                    .to_owned(),
            )
            .await?;
        for col in [AuditLog::Hash, AuditLog::PrevHash, AuditLog::Seq] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditLog::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(LoginFailures::Table).to_owned())
            .await
    }
}
