//! The `cleanprod` command line.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cleanprod::auth::Viewer;
use cleanprod::auth::token::install_crypto_provider;
use cleanprod::config::Config;
use cleanprod::domain::{ImportMode, Role};
use cleanprod::rules::draw::DRAW_ALGORITHM;
use cleanprod::rules::draw_record::{self, DrawRecord};
use cleanprod::services::audit_log::ChainVerdict;
use cleanprod::services::documents;
use cleanprod::services::import::import_enterprises;
use cleanprod::services::notifications::deliveries::DeliveryWorker;
use cleanprod::services::reference::load_catalog;
use cleanprod::services::reports::{ReportFormat, ranking_report};
use cleanprod::services::users::{self, BindingInput, Bootstrap, NewUser};
use cleanprod::{AppState, db, graphql};

/// A GraphQL answer is many small allocations; under load glibc's allocator took a quarter
/// of the server's time (bench/run.sh, workload 1), mimalloc a fraction of that. With the
/// crate's `override` feature SQLite's own allocations (sqlx's rows) go through it as well.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long a stopping process waits for its database pool and leftover tasks.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Told under every command that opens the database.
const ACTS_ON_DATABASE: &str = "Acts on the database at DATABASE_URL (default: \
sqlite://./data/cleanprod.db?mode=rwc, the embedded SQLite in ./data/; \
postgres://user@host/db for PostgreSQL). Other settings are CLEANPROD_* variables (README).";

#[derive(Parser)]
#[command(
    name = "cleanprod",
    version,
    about = "Shanxi clean-production audit registry (GraphQL)",
    after_help = ACTS_ON_DATABASE
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the GraphQL server (the default); it listens on CLEANPROD_BIND (127.0.0.1:8080).
    #[command(after_help = ACTS_ON_DATABASE)]
    Serve,
    /// Apply pending database migrations and exit.
    #[command(after_help = ACTS_ON_DATABASE)]
    Migrate,
    /// Print the GraphQL schema (SDL, sorted), as in schema.graphql. Needs no database.
    ExportSchema,
    /// Fill an empty database with deterministic demo data (scale 1: about 2 000 experts,
    /// 5 000 enterprises, 15 000 audits …); city users `city-<code>` get `--password`.
    #[command(after_help = ACTS_ON_DATABASE)]
    SeedDemo {
        /// How much data: 1 is one province's worth; larger scales multiply every count.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
        scale: u32,
        /// The password of every demo user (`city-140100` … and the others the README lists).
        #[arg(long, default_value = "cleanprod-demo")]
        password: String,
    },
    /// Check the audit log's hash chain; names the first broken entry.
    #[command(after_help = ACTS_ON_DATABASE)]
    VerifyAuditLog,
    /// Verify a panel's exported draw record (JSON) offline: re-runs every round and checks
    /// the seed, the digests and the seats. Needs no database.
    VerifyDraw {
        /// The draw record, as exported by GET /reports/panels/{id}/draw-record.json.
        file: std::path::PathBuf,
    },
    /// Re-hash every stored document file against its recorded SHA-256; lists missing and
    /// altered files and exits non-zero if there are any. Acts on the document store too
    /// (`CLEANPROD_DOCUMENT_STORE`).
    #[command(after_help = ACTS_ON_DATABASE)]
    VerifyFiles,
    /// Write a consistent copy of the SQLite database (online; for PostgreSQL use pg_dump).
    /// The document files are not in it: see the README's "Backups".
    #[command(after_help = ACTS_ON_DATABASE)]
    Backup {
        /// The file to write the copy to; it must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Create a user; the password is read from standard input.
    #[command(after_help = ACTS_ON_DATABASE)]
    CreateUser {
        /// The sign-in name.
        #[arg(long)]
        username: String,
        /// The user's role.
        #[arg(long, value_parser = role_parser(), ignore_case = true)]
        role: Role,
        /// The city code (GB/T 2260, e.g. 140100): required for CITY_ADMIN and COUNTY_ADMIN.
        #[arg(long)]
        city: Option<String>,
        /// The county (区县) as the city's directory names it: required for COUNTY_ADMIN.
        #[arg(long)]
        county: Option<String>,
        /// The expert the account belongs to: required for EXPERT.
        #[arg(long)]
        expert_id: Option<uuid::Uuid>,
        /// The consultancy the account belongs to: required for CONSULTANCY.
        #[arg(long)]
        consultancy_id: Option<uuid::Uuid>,
        /// The enterprise the account acts for: required for ENTERPRISE.
        #[arg(long)]
        enterprise_id: Option<uuid::Uuid>,
    },
    /// Import enterprises from a CSV file (UTF-8, header line first; see the README), as the
    /// province. Prints every rejected row with all its faults.
    #[command(after_help = ACTS_ON_DATABASE)]
    ImportEnterprises {
        /// The CSV file; headers in English (name, creditCode …) or Chinese (企业名称 …).
        file: std::path::PathBuf,
        /// What to do with a file that has bad rows: write nothing (all-or-nothing), or write
        /// the good rows and report the others (good-rows-only).
        #[arg(long, value_parser = mode_parser(), default_value = "all-or-nothing")]
        mode: ImportMode,
    },
    /// Write a report file (the same content as the HTTP report routes).
    #[command(after_help = ACTS_ON_DATABASE)]
    Report {
        #[command(subcommand)]
        report: ReportCommand,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The published consultancy ranking of a year, as CSV or XLSX.
    #[command(after_help = ACTS_ON_DATABASE)]
    Ranking {
        /// The appraisal year, e.g. 2025.
        #[arg(long)]
        year: i32,
        /// The file format.
        #[arg(long, value_parser = format_parser())]
        format: ReportFormat,
        /// The file to write; standard output when absent.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

/// `--format`: its values listed in `--help` and in the error for a wrong one.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = ReportFormat> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["csv", "xlsx"]).map(|s| match s.as_str() {
        "xlsx" => ReportFormat::Xlsx,
        _ => ReportFormat::Csv,
    })
}

/// `--mode`: its values listed in `--help` and in the error for a wrong one.
fn mode_parser() -> impl clap::builder::TypedValueParser<Value = ImportMode> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["all-or-nothing", "good-rows-only"]).map(|s| match s
        .as_str()
    {
        "good-rows-only" => ImportMode::GoodRowsOnly,
        _ => ImportMode::AllOrNothing,
    })
}

/// `--role`: the roles' names, listed in `--help`; any letter case is accepted.
fn role_parser() -> impl clap::builder::TypedValueParser<Value = Role> {
    use clap::builder::TypedValueParser;
    let names: Vec<&'static str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    clap::builder::PossibleValuesParser::new(names)
        .try_map(|s| s.parse::<Role>().map_err(|_| format!("unknown role {s}")))
}

/// A progress line redrawn in place on a terminal; plain lines per finished stage otherwise.
/// Both say how long each stage took — counted from the end of the one before, so the stages
/// add up to the whole run — and the bar shows the time since the start: a national-scale
/// seed runs for minutes.
struct TerminalProgress {
    terminal: bool,
    started: std::time::Instant,
    /// When the last stage finished (the start, before any).
    stage_since: std::sync::Mutex<std::time::Instant>,
}

impl TerminalProgress {
    fn new() -> Self {
        use std::io::IsTerminal;
        let now = std::time::Instant::now();
        TerminalProgress {
            terminal: std::io::stderr().is_terminal(),
            started: now,
            stage_since: std::sync::Mutex::new(now),
        }
    }

    fn finish(&self) {
        if self.terminal {
            // Clears a bar left unfinished (a failed run).
            eprint!("\r\x1b[K");
        }
    }
}

impl cleanprod::services::demo::Progress for TerminalProgress {
    fn update(&self, stage: &str, done: u64, total: u64) {
        let now = std::time::Instant::now();
        // A poisoned clock is still a clock: progress never fails the seed.
        let mut since = self.stage_since.lock().unwrap_or_else(|e| e.into_inner());
        let stage_secs = now.duration_since(*since).as_secs_f64();
        let finished = done >= total;
        if finished {
            *since = now;
        }
        drop(since);
        if self.terminal {
            let overall = now.duration_since(self.started).as_secs();
            let width = 30u64;
            let filled = (done.min(total) * width)
                .checked_div(total)
                .unwrap_or(width) as usize;
            // `\x1b[K` clears what a longer line left; a finished stage keeps its line.
            eprint!(
                "\r{:>2}:{:02} {stage:<22} [{}{}] {done}/{total} {stage_secs:.1} s\x1b[K{}",
                overall / 60,
                overall % 60,
                "#".repeat(filled),
                " ".repeat(width as usize - filled),
                if finished { "\n" } else { "" }
            );
        } else if finished {
            eprintln!("{stage}: {total} in {stage_secs:.1} s");
        }
    }
}

fn init_tracing() {
    // async-graphql opens an INFO span around every DataLoader call: hundreds per answer,
    // each one work for the subscriber and of no use in a log.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "info,sqlx=warn,sea_orm=warn,async_graphql::dataloader=warn",
        )
    });
    let json = std::env::var("CLEANPROD_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::ExportSchema) = cli.command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    if let Some(Command::VerifyDraw { file }) = &cli.command {
        return verify_draw(file);
    }
    init_tracing();
    install_crypto_provider();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    let serving = matches!(command, Command::Serve);
    let outcome = runtime.block_on(run(command));
    // Whatever is still running once the command is done (a connection closing, a loader's
    // task) gets a bounded time: a stopped server exits rather than wait on it.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // Once: the server's log keeps it (it may be JSON for a collector); a command
            // prints it plainly, its log going to the same terminal.
            if serving {
                tracing::error!("{message}");
            } else {
                eprintln!("error: {message}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Removes staged uploads of a process that was killed, at start; then, hourly, stored
/// objects that no document version names (see `services::documents::collect_orphans`).
async fn keep_documents_tidy(services: cleanprod::services::Services) {
    let staging = services.config.documents.staging_dir.clone();
    let removed = tokio::task::spawn_blocking(move || documents::staging::sweep_stale(&staging))
        .await
        .unwrap_or(0);
    if removed > 0 {
        tracing::info!(removed, "removed uploads left by a stopped server");
    }
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match documents::collect_orphans(&services.db, &services.documents, chrono::Utc::now())
            .await
        {
            Ok(0) => {}
            Ok(collected) => tracing::info!(collected, "collected unreferenced document files"),
            Err(e) => tracing::warn!(error = ?e, "document file collection failed"),
        }
    }
}

/// This process's name on the deliveries it claims: unique among running instances.
fn instance_name() -> String {
    format!(
        "pid{}-{}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    )
}

/// Writes the reminders due today, at start and then hourly: the audits' deadlines
/// (`notifications::reminders`) and the calendar's (`notifications::calendar`: reviews and
/// training the day before, a city's list, notices and summary, reviews unarranged, rechecks).
/// Each is written once whatever the number of runs and instances, so the first run after
/// midnight (China time) sends the day's.
async fn send_reminders_hourly(services: cleanprod::services::Services) {
    use cleanprod::services::notifications::{calendar, reminders};
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        let today = cleanprod::services::today();
        let offsets = &services.config.reminder_days;
        match reminders::send_deadline_reminders(&services.db, offsets, today).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "deadline reminders written"),
            Err(e) => tracing::warn!(error = ?e, "deadline reminders failed"),
        }
        match calendar::send_calendar_reminders(&services.db, offsets, today).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "calendar reminders written"),
            Err(e) => tracing::warn!(error = ?e, "calendar reminders failed"),
        }
    }
}

/// `verify-files`: re-hashes every stored document version; fails when any is missing or
/// altered.
async fn verify_files(config: &Config) -> Result<(), String> {
    let db = connect_and_migrate(config, Connection::Pool).await?;
    let store = documents::ObjectStoreHandle::open(&config.documents.store)
        .map_err(|e| format!("cannot open the document store: {e:?}"))?;
    let check = documents::verify(&db, &store)
        .await
        .map_err(|e| format!("cannot check the documents: {e:?}"))?;
    for (document, version, key) in &check.missing {
        println!("MISSING  document {document} version {version}: {key}");
    }
    for (document, version, key) in &check.altered {
        println!("ALTERED  document {document} version {version}: {key}");
    }
    for (document, version, key) in &check.disowned {
        println!("NOT AS LOGGED  document {document} version {version}: {key}");
    }
    println!(
        "{} document versions checked in {}: {} missing, {} altered, {} not as the audit log recorded",
        check.checked,
        store.describe,
        check.missing.len(),
        check.altered.len(),
        check.disowned.len()
    );
    if check.is_clean() {
        Ok(())
    } else {
        Err("some document files are missing or altered".to_owned())
    }
}

/// `verify-draw FILE`: prints each round's verdict; exits 0 only when every round reproduces.
fn verify_draw(file: &std::path::Path) -> ExitCode {
    let record = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))
        .and_then(|text| {
            serde_json::from_str::<DrawRecord>(&text)
                .map_err(|e| format!("{} is not a draw record: {e}", file.display()))
        });
    let record = match record {
        Ok(r) => r,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let verdict = draw_record::verify(&record);
    println!(
        "panel {} (review {}, {} on {}): {} round(s), algorithm {}",
        record.panel_id,
        record.review_id,
        record.review_kind,
        record.review_date,
        record.rounds.len(),
        DRAW_ALGORITHM
    );
    for problem in &verdict.problems {
        println!("record: {problem}");
    }
    for round in &verdict.rounds {
        if round.reproduces {
            let seats: Vec<String> = round
                .expected
                .iter()
                .map(|s| format!("slot {}: {}", s.slot, s.expert_id))
                .collect();
            println!("round {}: reproduces ({})", round.round, seats.join(", "));
        } else {
            println!("round {}: DOES NOT REPRODUCE", round.round);
            for problem in &round.problems {
                println!("  - {problem}");
            }
        }
    }
    if verdict.reproduces {
        println!("verified: every round reproduces");
        ExitCode::SUCCESS
    } else {
        println!("FAILED: the record does not reproduce");
        ExitCode::FAILURE
    }
}

/// The database a URL names, for messages: the SQLite file, or PostgreSQL's host and database
/// without credentials.
fn describe_database(url: &str) -> String {
    if let Some(path) = cleanprod::config::sqlite_path(url) {
        return format!("the SQLite file {}", path.display());
    }
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let place = rest.rsplit_once('@').map_or(rest, |(_, place)| place);
    let place = place.split('?').next().unwrap_or(place);
    format!("the database {place}")
}

/// Who will use the connection.
#[derive(Clone, Copy)]
enum Connection {
    /// Requests or a command's few statements: the configured pool.
    Pool,
    /// One bulk loader (`seed-demo`): see [`db::connect_for_bulk_load`].
    BulkLoader,
}

/// Connects, retrying a network database (PostgreSQL) with exponential backoff while it is
/// unreachable (it may start after us), then migrates. A SQLite file that cannot be opened
/// fails at once, saying why.
async fn connect_and_migrate(
    config: &Config,
    connection: Connection,
) -> Result<sea_orm::DatabaseConnection, String> {
    let mut delay = std::time::Duration::from_millis(500);
    let max_delay = std::time::Duration::from_secs(30);
    let mut attempt: u32 = 1;
    let db = loop {
        let connected = match connection {
            Connection::Pool => db::connect(&config.database_url).await,
            Connection::BulkLoader => db::connect_for_bulk_load(&config.database_url).await,
        };
        match connected {
            Ok(db) => break db,
            // A file on this machine: retrying will not make it openable.
            Err(err) if config.is_sqlite() => {
                return Err(db::sqlite_open_failure(&config.database_url, &err));
            }
            Err(err) if attempt < config.db_connect_attempts => {
                tracing::warn!(
                    attempt,
                    retry_in_ms = delay.as_millis() as u64,
                    error = %err,
                    "database unreachable; retrying"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(max_delay);
                attempt += 1;
            }
            Err(err) => {
                return Err(format!(
                    "cannot connect to the database after {attempt} attempts: {err}"
                ));
            }
        }
    };
    db::migrate(&db)
        .await
        .map_err(|e| format!("migrations failed: {e}"))?;
    Ok(db)
}

/// Creates the first admin when there is no user yet; a generated password is shown once.
async fn bootstrap(db: &sea_orm::DatabaseConnection, password: Option<&str>) -> Result<(), String> {
    match users::bootstrap_admin(db, password).await {
        Ok(Bootstrap::Created {
            password_was_generated: Some(password),
        }) => {
            // Shown once: it is not stored anywhere in clear.
            println!("Created user 'admin' (PROVINCE_ADMIN) with password: {password}");
            println!("Change it with the changePassword mutation.");
            Ok(())
        }
        Ok(Bootstrap::Created {
            password_was_generated: None,
        }) => {
            tracing::info!("created user 'admin' with CLEANPROD_ADMIN_PASSWORD");
            Ok(())
        }
        Ok(Bootstrap::AlreadyHasUsers) => Ok(()),
        Err(err) => Err(format!("cannot create the first admin: {err:?}")),
    }
}

async fn run(command: Command) -> Result<(), String> {
    let mut config = Config::from_env().map_err(|e| e.to_string())?;
    config.prepare_storage().map_err(|e| e.to_string())?;
    // Only the commands that sign tokens or encrypt personal data settle (and announce) the
    // secrets; the others never read them.
    match command {
        Command::Serve => config.settle_secrets(true),
        Command::SeedDemo { .. } => config.settle_secrets(false),
        _ => Ok(()),
    }
    .map_err(|e| e.to_string())?;
    match command {
        Command::ExportSchema | Command::VerifyDraw { .. } => Ok(()),
        Command::SeedDemo { scale, password } => {
            let database = describe_database(&config.database_url);
            let db = connect_and_migrate(&config, Connection::BulkLoader).await?;
            bootstrap(&db, config.admin_password.as_deref()).await?;
            let state = AppState::new(config, db)
                .await
                .map_err(|e| format!("cannot build the application: {e:?}"))?;
            let started = std::time::Instant::now();
            let progress = TerminalProgress::new();
            let report =
                cleanprod::services::demo::seed_demo(&state.services, scale, &password, &progress)
                    .await
                    .map_err(|e| match e {
                        cleanprod::error::AppError::Conflict(_) => format!(
                            "{database} already holds experts or enterprises; seed an empty \
                             one (another DATABASE_URL, or a fresh file)"
                        ),
                        other => other.client_message(),
                    })?;
            progress.finish();
            for (what, count) in report.counts {
                println!("{count:>9} {what}");
            }
            println!(
                "seeded scale {scale} in {:.1} s; city users city-<code> with the given password",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::VerifyAuditLog => {
            let db = connect_and_migrate(&config, Connection::Pool).await?;
            match cleanprod::services::audit_log::verify_chain(&db)
                .await
                .map_err(|e| format!("cannot read the audit log: {e:?}"))?
            {
                ChainVerdict::Intact { entries } => {
                    println!("audit log intact: {entries} entries");
                    Ok(())
                }
                ChainVerdict::Broken {
                    seq,
                    entry_id,
                    problem,
                } => {
                    let id = entry_id.map(|i| format!(" (id {i})")).unwrap_or_default();
                    Err(format!("audit log broken at entry {seq}{id}: {problem}"))
                }
            }
        }
        Command::VerifyFiles => verify_files(&config).await,
        Command::Backup { to } => {
            let db = connect_and_migrate(&config, Connection::Pool).await?;
            cleanprod::db::backup_sqlite(&db, &to)
                .await
                .map_err(|e| format!("backup failed: {e}"))?;
            println!("backup written to {}", to.display());
            Ok(())
        }
        Command::Migrate => {
            connect_and_migrate(&config, Connection::Pool).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Serve => {
            let db = connect_and_migrate(&config, Connection::Pool).await?;
            let admin_password = config.admin_password.clone();
            let state = AppState::new(config, db)
                .await
                .map_err(|e| format!("cannot build the application: {e:?}"))?;
            let db = state.services.db.clone();
            let services = state.services.clone();
            let graphiql = services.config.web.graphiql;
            // Built before the server starts: a malformed SMTP or SMS setting stops it here.
            let delivery = DeliveryWorker::new(services.clone(), instance_name())
                .map_err(|e| format!("cannot set up notification delivery: {e:?}"))?;
            // Marked before the server starts, so that /readyz never answers ready before
            // the pool is read; run once the administrator exists (below).
            let preparing = services.draw_queue.preparing(&services);
            let started = cleanprod::start(state)?;
            for address in &started.addresses {
                tracing::info!(%address, "cleanprod listening");
                if graphiql {
                    println!("GraphiQL: http://{address}/graphql");
                }
            }
            // Only now that the server can serve: the printed password is usable at once.
            bootstrap(&db, admin_password.as_deref()).await?;
            // Beside the start, not before it: /healthz answers meanwhile, /readyz after it.
            let housekeeping = services.clone();
            drop(tokio::spawn(async move {
                if let Err(err) = preparing.await {
                    tracing::warn!(error = ?err, "the draw queue could not prepare; the first draws will");
                }
            }));
            drop(tokio::spawn(send_reminders_hourly(housekeeping.clone())));
            drop(tokio::spawn(delivery.run()));
            drop(tokio::spawn(keep_documents_tidy(housekeeping)));
            let served = started
                .server
                .await
                .map_err(|e| format!("server error: {e}"));
            tracing::info!("server stopped; closing the database pool");
            // Closing waits for every connection to come back (SQLite refreshes its planner
            // statistics as each closes); one that never does must not keep the process up.
            if tokio::time::timeout(SHUTDOWN_GRACE, db.close())
                .await
                .is_err()
            {
                tracing::warn!("the database pool did not close in time; exiting anyway");
            }
            served
        }
        Command::CreateUser {
            username,
            role,
            city,
            county,
            expert_id,
            consultancy_id,
            enterprise_id,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let db = connect_and_migrate(&config, Connection::Pool).await?;
            let user = users::create_user_from_cli(
                &db,
                NewUser {
                    username,
                    password,
                    role,
                    binding: BindingInput {
                        city_code: city,
                        county,
                        expert_id,
                        consultancy_id,
                        enterprise_id,
                    },
                },
            )
            .await
            .map_err(|e| e.client_message())?;
            println!(
                "created user {} ({}) id {}",
                user.username, user.role, user.id
            );
            Ok(())
        }
        Command::Report {
            report: ReportCommand::Ranking { year, format, out },
        } => {
            let db = connect_and_migrate(&config, Connection::Pool).await?;
            let file = ranking_report(&db, year, format).await.map_err(|e| match e {
                cleanprod::error::AppError::NotFound { .. } => format!(
                    "no published consultancy ranking for {year}: the province has not published that year (or it is unknown)"
                ),
                other => other.client_message(),
            })?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &file.bytes)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    eprintln!(
                        "wrote {} ({} bytes, ETag {})",
                        path.display(),
                        file.bytes.len(),
                        file.etag
                    );
                }
                None => {
                    use std::io::Write;
                    let mut stdout = std::io::stdout().lock();
                    stdout
                        .write_all(&file.bytes)
                        .and_then(|()| stdout.flush())
                        .map_err(|e| format!("cannot write the report: {e}"))?;
                }
            }
            Ok(())
        }
        Command::ImportEnterprises { file, mode } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let db = connect_and_migrate(&config, Connection::Pool).await?;
            let catalog = load_catalog(&db)
                .await
                .map_err(|e| format!("cannot load the industry catalogue: {e:?}"))?;
            let report = import_enterprises(&db, &Viewer::System, &catalog, &text, mode)
                .await
                .map_err(|e| e.client_message())?;
            for row in report.rows.iter().filter(|r| !r.accepted) {
                let faults: Vec<String> = row
                    .faults
                    .iter()
                    .map(|f| match &f.column {
                        Some(column) if *column != f.field => {
                            format!("{column} ({}): {}", f.field, f.reason)
                        }
                        Some(_) => format!("{}: {}", f.field, f.reason),
                        None => f.reason.clone(),
                    })
                    .collect();
                println!("line {}: rejected: {}", row.line, faults.join("; "));
            }
            let summary = format!(
                "{} rows accepted, {} rejected",
                report.accepted_count, report.rejected_count
            );
            if report.written {
                println!("{summary}; the accepted rows were imported");
                return Ok(());
            }
            // The rows above said what is wrong; the error says only what happened.
            Err(if report.accepted_count == 0 {
                format!("{summary}; nothing was imported: no row is good")
            } else {
                format!(
                    "{summary}; nothing was imported (--mode good-rows-only imports the {} good rows)",
                    report.accepted_count
                )
            })
        }
    }
}
