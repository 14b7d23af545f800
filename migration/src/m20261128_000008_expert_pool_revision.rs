//! A revision number for the expert pool, raised by the database itself on every change to
//! experts, their sectors or their expertise kinds. The server keeps the pool in memory and
//! reads this one row to know whether its copy is current; triggers (rather than the
//! server's own code) make sure no write path, the command line or a hand-run statement
//! included, can change the pool without raising it.

use sea_orm_migration::prelude::*;

use crate::columns::{amount, int_pk, table};
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExpertPoolRevision {
    Table,
    Id,
    Revision,
}

/// The tables whose rows make up the pool.
const POOL_TABLES: [&str; 3] = ["experts", "expert_sectors", "expert_kinds"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        table(ExpertPoolRevision::Table)
            .cols([
                int_pk(ExpertPoolRevision::Id),
                amount(ExpertPoolRevision::Revision),
            ])
            .create(manager)
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("INSERT INTO expert_pool_revision (id, revision) VALUES (1, 1)")
            .await?;
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION raise_expert_pool_revision() RETURNS trigger AS $$
                     BEGIN
                       UPDATE expert_pool_revision SET revision = revision + 1 WHERE id = 1;
                       RETURN NULL;
                     END $$ LANGUAGE plpgsql",
                )
                .await?;
                for table in POOL_TABLES {
                    // Once per statement: a bulk import raises it once, not per row. Before
                    // the statement: the revision row is locked ahead of any pool row, the
                    // same order in every transaction, so two writers cannot deadlock on it.
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_raise_pool_revision
                         BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
                         FOR EACH STATEMENT EXECUTE FUNCTION raise_expert_pool_revision()"
                    ))
                    .await?;
                }
            }
            _ => {
                // SQLite has row triggers only, one per kind of change.
                for table in POOL_TABLES {
                    for event in ["INSERT", "UPDATE", "DELETE"] {
                        let name = format!("{table}_raise_pool_revision_{}", event.to_lowercase());
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {name} AFTER {event} ON {table}
                             BEGIN
                               UPDATE expert_pool_revision SET revision = revision + 1 WHERE id = 1;
                             END"
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                for table in POOL_TABLES {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_raise_pool_revision ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS raise_expert_pool_revision()")
                    .await?;
            }
            _ => {
                for table in POOL_TABLES {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS {table}_raise_pool_revision_{event}"
                        ))
                        .await?;
                    }
                }
            }
        }
        manager
            .drop_table(Table::drop().table(ExpertPoolRevision::Table).to_owned())
            .await
    }
}
