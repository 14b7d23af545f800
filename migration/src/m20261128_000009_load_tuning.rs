//! Tuning found under the benchmark's load (`bench/run.sh`):
//! - indexes for a city bureau's everyday lists, its audits by status and its overdue audits
//!   (open, due before a date); without them each list read all of a city's audits;
//! - on PostgreSQL 14 and later, lz4 instead of pglz for a draw record's eligible and excluded
//!   lists (kilobytes a draw, written once, rarely read): pglz was an eighth of the database's
//!   time under a run of draws.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Audits {
    Table,
    CityCode,
    Status,
    Closed,
    DueOn,
}

const CITY_STATUS: &str = "idx_audits_city_status";
const CITY_DUE: &str = "idx_audits_city_closed_due";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(CITY_STATUS)
                    .table(Audits::Table)
                    .col(Audits::CityCode)
                    .col(Audits::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(CITY_DUE)
                    .table(Audits::Table)
                    .col(Audits::CityCode)
                    .col(Audits::Closed)
                    .col(Audits::DueOn)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            let db = manager.get_connection();
            // Applies to rows written from now on; older PostgreSQL keeps pglz.
            db.execute_unprepared(
                "DO $$ BEGIN
                   IF current_setting('server_version_num')::int >= 140000 THEN
                     ALTER TABLE panel_draws
                       ALTER COLUMN eligible SET COMPRESSION lz4,
                       ALTER COLUMN excluded SET COMPRESSION lz4;
                   END IF;
                 END $$",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [CITY_STATUS, CITY_DUE] {
            manager
                .drop_index(Index::drop().name(name).table(Audits::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
