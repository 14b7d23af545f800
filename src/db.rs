//! Connecting to the database and bringing its schema up to date.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::prelude::async_trait::async_trait;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};

use crate::error::AppResult;

/// Arbitrary but fixed: every instance takes this advisory lock while migrating.
const MIGRATION_LOCK_KEY: i64 = 0x636c_6561_6e70_726f; // "cleanpro"

/// Connections to PostgreSQL per instance unless `CLEANPROD_DB_POOL_SIZE` says otherwise.
const POSTGRES_POOL_SIZE: u32 = 16;

/// `CLEANPROD_DB_POOL_SIZE`, or the backend's default.
fn pool_size(default: u32) -> u32 {
    std::env::var("CLEANPROD_DB_POOL_SIZE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// Why a SQLite database could not be opened, in words that say what to do. A file database
/// is on this machine: a failure to open it will not mend itself, so it is not retried.
pub fn sqlite_open_failure(url: &str, err: &dyn std::fmt::Display) -> String {
    let Some(path) = crate::config::sqlite_path(url) else {
        return format!("cannot open the SQLite database {url}: {err}");
    };
    let shown = path.display();
    let folder = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if !folder.is_dir() {
        return format!(
            "cannot open the SQLite database {shown}: its folder {} does not exist; create it first",
            folder.display()
        );
    }
    if !path.exists() && !url.contains("mode=rwc") {
        let separator = if url.contains('?') { '&' } else { '?' };
        return format!(
            "cannot open the SQLite database {shown}: the file does not exist, and the URL does \
             not allow creating it; add mode=rwc to DATABASE_URL ({url}{separator}mode=rwc) or \
             leave DATABASE_URL unset for the default ./data/cleanprod.db"
        );
    }
    format!(
        "cannot open the SQLite database {shown}: {err} (check that this user may read and \
         write the file and its folder {})",
        folder.display()
    )
}

pub async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    connect_with(url, None).await
}

/// [`connect`] with a pool of at most `max_connections` instead of the configured size.
pub async fn connect_with(
    url: &str,
    max_connections: Option<u32>,
) -> Result<DatabaseConnection, sea_orm::DbErr> {
    Database::connect(connect_options(url, max_connections, None)).await
}

/// A PostgreSQL pool of at most `max_connections` that opens its connections when first
/// needed, from the runtime that needs them: one per HTTP worker (see [`crate::start`]).
///
/// A socket answers through the reactor of the runtime that opened it. Each HTTP worker is a
/// single-threaded runtime, so with one pool shared by all of them a worker waiting on a
/// connection another worker opened is woken only when that other worker next polls its
/// reactor: with both busy, a statement's answer waited for a hop between threads, and with
/// one busy the other sat idle (a sixth of the machine under the deep read). A pool per
/// worker keeps each statement's answer on the thread that waits for it.
///
/// `None` for SQLite (its connections run on threads of their own, not on a reactor) and
/// outside a Tokio runtime; the caller then keeps the shared pool.
pub fn connect_worker_pool(url: &str, max_connections: u32) -> Option<DatabaseConnection> {
    use futures_util::FutureExt;
    if url.starts_with("sqlite:") || tokio::runtime::Handle::try_current().is_err() {
        return None;
    }
    let mut options = connect_options(url, Some(max_connections), None);
    options.connect_lazy(true);
    // Lazy: nothing is awaited, so the connect completes on its first poll.
    Database::connect(options).now_or_never()?.ok()
}

/// The share of the configured PostgreSQL pool each of `workers` HTTP workers gets (at least
/// two, so that a request's statement never waits on the same request's other).
pub fn worker_pool_size(workers: usize) -> u32 {
    let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
    pool_size(POSTGRES_POOL_SIZE).div_ceil(workers).max(2)
}

/// Page cache of the bulk loader's one SQLite connection, in KiB (SQLite's negative
/// `cache_size`): room for the whole demo registry at scale 1.
const BULK_LOAD_CACHE_KIB: u32 = 256 * 1024;

/// A connection for one bulk loader (`seed-demo`), which reads back much of what it wrote.
///
/// On SQLite it is a single connection with a large page cache (PostgreSQL gets the usual
/// pool). In WAL mode a commit on one connection empties the page cache of every other
/// connection of the file, so a loader spread over a pool read most pages back from the file
/// after each of its transactions: at scale 1 the seed took 36–63 s that way, its 960
/// appraisals most of it, and 18–20 s on one connection.
///
/// On PostgreSQL its sessions commit without waiting for the WAL flush
/// (`synchronous_commit=off`): the demo's appraisals are thousands of small transactions, each
/// otherwise waiting on a disk flush. A crash may lose the last moments' commits, never
/// consistency — and a seed cut short is redone on an empty database anyway.
pub async fn connect_for_bulk_load(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let options = if url.starts_with("sqlite:") {
        connect_options(url, Some(1), Some(BULK_LOAD_CACHE_KIB))
    } else {
        let mut options = connect_options(url, None, None);
        options.map_sqlx_postgres_opts(|o| {
            o.options([
                // As `connect_options` sets it (this replaces its session options).
                ("random_page_cost", "1.1"),
                ("synchronous_commit", "off"),
            ])
        });
        options
    };
    Database::connect(options).await
}

/// `sqlite_cache_kib`: SQLite's page cache per connection, when not its default (2 MiB).
fn connect_options(
    url: &str,
    max_connections: Option<u32>,
    sqlite_cache_kib: Option<u32>,
) -> ConnectOptions {
    let mut options = ConnectOptions::new(without_tls_on_loopback(url));
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
            .max_connections(max_connections.unwrap_or_else(|| pool_size(8)))
            .min_connections(1)
            // A SQLite connection cannot be dropped by a peer, so the ping sqlx sends on every
            // checkout (a hop to the connection's worker thread and back) checks nothing.
            .test_before_acquire(false)
            .map_sqlx_sqlite_opts(move |o| {
                let o = match sqlite_cache_kib {
                    Some(kib) => o.pragma("cache_size", format!("-{kib}")),
                    None => o,
                };
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
            .max_connections(max_connections.unwrap_or_else(|| pool_size(POSTGRES_POOL_SIZE)))
            .min_connections(1)
            // sqlx pings every connection it hands out, one more round trip per statement
            // (a third of the deep read's). A connection in use moments ago is alive; one idle
            // long enough for a server, proxy or firewall to have dropped it is still checked.
            // sqlx also pings each connection as it returns to the pool.
            .test_before_acquire_if_idle_for(Duration::from_secs(30))
            .map_sqlx_postgres_opts(|o| {
                // The registry's working set stays in memory, where a random read costs about
                // what a sequential one does. With the default (4) the planner scans whole
                // tables for the loaders' `id IN (…)` lists: 0.3 ms instead of 0.08 ms each.
                //
                // sqlx prepares every statement once per connection, but by default
                // PostgreSQL plans a prepared statement again on each run whenever it guesses
                // a plan for those values beats the generic one, which it does for the
                // loaders' `= ANY($1)` arrays: planning was half of PostgreSQL's time in a
                // deep read (0.8 → 0.4 ms of its CPU per request). The statements are key
                // lookups, keyset pages and filters whose skewed values are written into the
                // SQL as constants (see DESIGN.md), so one plan serves every value.
                o.options([
                    ("random_page_cost", "1.1"),
                    ("plan_cache_mode", "force_generic_plan"),
                ])
            });
    }
    options
}

/// `url` with `sslmode=disable` added when it names a PostgreSQL server on this machine and
/// says nothing of TLS itself.
///
/// sqlx's default (`prefer`) encrypts whenever the server offers it. On loopback nothing
/// crosses a network, and encrypting every statement and answer cost a deep read a fifth of
/// this process's time and a share of the server's. An explicit `sslmode` is kept as given.
pub fn without_tls_on_loopback(url: &str) -> String {
    let is_postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !is_postgres || url.contains("sslmode=") {
        return url.to_owned();
    }
    let on_loopback = url
        .parse::<sea_orm::sqlx::postgres::PgConnectOptions>()
        .is_ok_and(|o| {
            let host = o.get_host();
            host == "localhost"
                || host.starts_with('/')
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
    if !on_loopback {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode=disable")
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

/// Refreshes the planner's statistics after a bulk load (`seed-demo`), so that queries are
/// planned for the data now there rather than for an empty database. Outside a transaction.
///
/// On PostgreSQL it also vacuums: a freshly loaded table has no visibility map until
/// autovacuum gets round to it, and until then every count reads the table's pages instead
/// of the index alone (a city's overdue audits at scale 10: 5 ms instead of 1). SQLite needs
/// only the statistics.
pub async fn refresh_statistics(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let statement = match db.get_database_backend() {
        DbBackend::Postgres => "VACUUM (ANALYZE)",
        _ => "ANALYZE",
    };
    db.execute_unprepared(statement).await?;
    Ok(())
}

/// Whether every known migration has been applied (for `/readyz`).
pub async fn migrations_applied(db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.is_empty())
}

/// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`, which takes the write
/// lock up front, so two writers queue instead of one failing when it upgrades a read lock.
///
/// On SQLite the writers of this process queue first on an in-process gate for the database
/// file, in arrival order, and only then take a pooled connection. Queued in SQLite's busy
/// handler instead, each waiter sleeps in steps of up to 100 ms while holding a connection:
/// under a burst of draws the write lock stood idle while its next taker slept, and readers
/// waited for connections held by sleeping writers. Other processes (the command line) still
/// meet the busy timeout.
pub async fn begin_write(db: &DatabaseConnection) -> AppResult<WriteTxn> {
    let gate = match write_gate(db) {
        Some(gate) => Some(gate.lock_owned().await),
        None => None,
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(WriteTxn { txn, _gate: gate })
}

type Gate = Arc<tokio::sync::Mutex<()>>;

/// The write gate of a SQLite database file, one per file in this process; `None` on
/// PostgreSQL, whose writers lock rows, not the database.
fn write_gate(db: &DatabaseConnection) -> Option<Gate> {
    static GATES: LazyLock<Mutex<HashMap<PathBuf, Gate>>> = LazyLock::new(Default::default);
    let file = sqlite_file(db)?;
    // A poisoned map still holds valid gates: a panic elsewhere cannot corrupt an Arc.
    let mut gates = GATES.lock().unwrap_or_else(|e| e.into_inner());
    Some(gates.entry(file).or_default().clone())
}

/// The file of a SQLite database; `None` on PostgreSQL.
fn sqlite_file(db: &DatabaseConnection) -> Option<PathBuf> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    Some(
        db.get_sqlite_connection_pool()
            .connect_options()
            .get_filename()
            .to_path_buf(),
    )
}

/// A write transaction from [`begin_write`], holding the database's write gate (SQLite)
/// until it commits, rolls back or is dropped.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

#[async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    use super::{
        BULK_LOAD_CACHE_KIB, begin_write, connect, connect_for_bulk_load, connect_worker_pool,
        worker_pool_size, write_gate,
    };

    fn text(e: impl std::fmt::Debug) -> String {
        format!("{e:?}")
    }

    #[tokio::test]
    async fn sqlite_workers_keep_the_shared_pool() {
        // SQLite's connections run on their own threads, and its writers queue in one pool.
        assert!(connect_worker_pool("sqlite::memory:", 4).is_none());
    }

    #[test]
    fn outside_a_runtime_no_worker_pool_is_made() {
        assert!(connect_worker_pool("postgres://postgres@127.0.0.1:5432/test", 4).is_none());
    }

    #[test]
    fn workers_share_the_configured_pool_size() {
        if std::env::var_os("CLEANPROD_DB_POOL_SIZE").is_some() {
            return;
        }
        assert_eq!(worker_pool_size(2), 8);
        assert_eq!(worker_pool_size(3), 6);
        // Never below two, nor for a worker count of nought.
        assert_eq!(worker_pool_size(64), 2);
        assert_eq!(worker_pool_size(0), 16);
    }

    #[test]
    fn tls_is_left_out_on_loopback_unless_the_url_asks() {
        use super::without_tls_on_loopback as url;
        assert_eq!(
            url("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
        );
        assert_eq!(
            url("postgresql://u@localhost/db?application_name=x"),
            "postgresql://u@localhost/db?application_name=x&sslmode=disable"
        );
        assert_eq!(
            url("postgres://u@[::1]/db"),
            "postgres://u@[::1]/db?sslmode=disable"
        );
        // Elsewhere, or when the URL says, as given.
        for kept in [
            "postgres://u@db.example.org/db",
            "postgres://u@10.0.0.5/db",
            "postgres://u@127.0.0.1/db?sslmode=require",
            "sqlite://./data/cleanprod.db?mode=rwc",
        ] {
            assert_eq!(url(kept), kept);
        }
    }

    #[test]
    fn an_unopenable_sqlite_file_is_explained() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("my.db");
        let url = format!("sqlite://{}", missing.display());
        let said = super::sqlite_open_failure(&url, &"unable to open database file");
        assert!(said.contains(&missing.display().to_string()), "{said}");
        assert!(said.contains(&format!("{url}?mode=rwc")), "{said}");
        let in_nowhere = format!("sqlite://{}/nowhere/my.db?mode=rwc", dir.path().display());
        let said = super::sqlite_open_failure(&in_nowhere, &"unable to open database file");
        assert!(said.contains("does not exist; create it first"), "{said}");
    }

    async fn cache_size(db: &sea_orm::DatabaseConnection) -> Result<i64, String> {
        let statement = Statement::from_string(DbBackend::Sqlite, "PRAGMA cache_size");
        let row = db
            .query_one_raw(statement)
            .await
            .map_err(text)?
            .ok_or("PRAGMA cache_size answered nothing")?;
        row.try_get_by_index(0).map_err(text)
    }

    #[tokio::test]
    async fn a_sqlite_bulk_loader_gets_one_connection_with_a_large_cache() -> Result<(), String> {
        let dir = tempfile::tempdir().map_err(text)?;
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("load.db").display());
        let db = connect_for_bulk_load(&url).await.map_err(text)?;
        let pool = db.get_sqlite_connection_pool();
        assert_eq!(pool.options().get_max_connections(), 1);
        assert_eq!(cache_size(&db).await?, -i64::from(BULK_LOAD_CACHE_KIB));
        // The usual pool keeps SQLite's default cache.
        let usual = connect(&url).await.map_err(text)?;
        assert_ne!(cache_size(&usual).await?, -i64::from(BULK_LOAD_CACHE_KIB));
        Ok(())
    }

    #[tokio::test]
    async fn writers_of_one_sqlite_file_queue_on_its_gate() -> Result<(), String> {
        let dir = tempfile::tempdir().map_err(text)?;
        let url = |name: &str| format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
        let a = connect(&url("a.db")).await.map_err(text)?;
        let a_again = connect(&url("a.db")).await.map_err(text)?;
        let b = connect(&url("b.db")).await.map_err(text)?;
        let (Some(gate_a), Some(gate_a_again), Some(gate_b)) =
            (write_gate(&a), write_gate(&a_again), write_gate(&b))
        else {
            return Err("every SQLite database has a gate".into());
        };
        assert!(std::sync::Arc::ptr_eq(&gate_a, &gate_a_again));
        assert!(!std::sync::Arc::ptr_eq(&gate_a, &gate_b));

        let first = begin_write(&a).await.map_err(text)?;
        // Another file's writer does not wait; the same file's second writer does.
        let other = begin_write(&b).await.map_err(text)?;
        other.commit().await.map_err(text)?;
        let waiting = tokio::time::timeout(Duration::from_millis(200), begin_write(&a_again)).await;
        assert!(waiting.is_err(), "a second writer went ahead of the first");
        first.commit().await.map_err(text)?;
        let second = tokio::time::timeout(Duration::from_secs(5), begin_write(&a_again))
            .await
            .map_err(text)?
            .map_err(text)?;
        second.commit().await.map_err(text)?;
        Ok(())
    }

    /// `.cargo/config.toml` builds the bundled SQLite without STAT4 and with the query planner
    /// stability guarantee; without either, statements are prepared again on every bind, and
    /// a lost setting would bring that back unnoticed.
    #[tokio::test]
    async fn bundled_sqlite_never_plans_by_bound_values() -> Result<(), sea_orm::DbErr> {
        let db = Database::connect("sqlite::memory:").await?;
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT sqlite_compileoption_used('ENABLE_STAT4') AS stat4, \
                 sqlite_compileoption_used('ENABLE_QPSG') AS qpsg",
            ))
            .await?
            .ok_or_else(|| sea_orm::DbErr::Custom("no row".into()))?;
        assert_eq!(row.try_get::<i32>("", "stat4")?, 0);
        assert_eq!(row.try_get::<i32>("", "qpsg")?, 1);
        Ok(())
    }
}
