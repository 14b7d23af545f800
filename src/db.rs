//! Connecting to the database and bringing its schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::error::AppResult;

/// Arbitrary but fixed: every instance takes this advisory lock while migrating.
const MIGRATION_LOCK_KEY: i64 = 0x636c_6561_6e70_726f; // "cleanpro"

/// `CLEANPROD_DB_POOL_SIZE`, or the backend's default.
fn pool_size(default: u32) -> u32 {
    std::env::var("CLEANPROD_DB_POOL_SIZE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

pub async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        // Fail fast while the database is away: a request waits at most this long for a
        // connection, then answers SERVICE_UNAVAILABLE; the pool reconnects by itself.
        .acquire_timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(3));
    if url.starts_with("sqlite:") {
        // sea-orm caps SQLite at one connection unless told: readers would queue behind
        // writers. WAL lets readers run beside the one writer; the busy timeout makes a
        // writer wait for the lock instead of failing with SQLITE_BUSY.
        options
            .max_connections(pool_size(8))
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    // SQLite plans with the statistics ANALYZE left; without them it can pick
                    // a wide index over a narrow one (20 ms instead of 1 ms for an appraisal's
                    // inputs). Refreshed, where stale, as connections close.
                    .optimize_on_close(true, Some(1_000))
            });
    } else {
        options
            .max_connections(pool_size(16))
            .min_connections(1)
            .map_sqlx_postgres_opts(|o| {
                // The registry's working set stays in memory, where a random read costs about
                // what a sequential one does. With the default (4) the planner scans whole
                // tables for the loaders' `id IN (…)` lists: 0.3 ms instead of 0.08 ms each.
                o.options([("random_page_cost", "1.1")])
            });
    }
    Database::connect(options).await
}

/// Applies pending migrations. On PostgreSQL under a transaction-scoped advisory lock, so
/// that instances starting together migrate one after another.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [MIGRATION_LOCK_KEY.into()],
            ))
            .await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
        _ => {
            Migrator::up(db, None).await?;
            // Statistics for tables that lack them or have changed much since.
            db.execute_unprepared("PRAGMA optimize=0x10002").await?;
            Ok(())
        }
    }
}

/// Refreshes the planner's statistics after a bulk load (`seed-demo`, an import), so that
/// queries are planned for the data now there rather than for an empty database.
pub async fn refresh_statistics(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    // The same statement on both databases.
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

/// Whether every known migration has been applied (for `/readyz`).
pub async fn migrations_applied(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.is_empty())
}

/// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`, which takes the write
/// lock up front, so two writers queue on the busy timeout instead of one failing when it
/// upgrades a read lock.
pub async fn begin_write(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?)
}

/// An online, consistent copy of a SQLite database (`VACUUM INTO`), safe while the server
/// runs. PostgreSQL deployments use `pg_dump` instead.
pub async fn backup_sqlite(db: &DatabaseConnection, to: &std::path::Path) -> Result<(), String> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err("backup is for the SQLite setup; for PostgreSQL use pg_dump".into());
    }
    if to.exists() {
        return Err(format!(
            "{} exists already; choose a new file",
            to.display()
        ));
    }
    let path = to
        .to_str()
        .ok_or_else(|| "the backup path is not valid UTF-8".to_owned())?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    ))
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}
