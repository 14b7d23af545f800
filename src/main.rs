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
use cleanprod::services::import::import_enterprises;
use cleanprod::services::reference::load_catalog;
use cleanprod::services::reports::{ReportFormat, ranking_report};
use cleanprod::services::users::{self, Bootstrap, NewUser};
use cleanprod::{AppState, db, graphql};

/// A GraphQL answer is many small allocations; under load glibc's allocator took a quarter
/// of the server's time (bench/run.sh, workload 1), mimalloc a fraction of that. With the
/// crate's `override` feature SQLite's own allocations (sqlx's rows) go through it as well.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long a stopping process waits for its database pool and leftover tasks.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Parser)]
#[command(
    name = "cleanprod",
    version,
    about = "Shanxi clean-production audit registry (GraphQL)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the GraphQL server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL, sorted).
    ExportSchema,
    /// Fill an empty database with deterministic demo data (scale 1: about 2 000 experts,
    /// 5 000 enterprises, 15 000 audits …); city users `city-<code>` get `--password`.
    SeedDemo {
        #[arg(long, default_value_t = 1)]
        scale: u32,
        #[arg(long, default_value = "cleanprod-demo")]
        password: String,
    },
    /// Check the audit log's hash chain; names the first broken entry.
    VerifyAuditLog,
    /// Verify a panel's exported draw record (JSON) offline: re-runs every round and checks
    /// the seed, the digests and the seats. Needs no database.
    VerifyDraw { file: std::path::PathBuf },
    /// Write a consistent copy of the SQLite database (online; for PostgreSQL use pg_dump).
    Backup {
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Create a user; the password is read from standard input.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        city: Option<String>,
        #[arg(long)]
        expert_id: Option<uuid::Uuid>,
        #[arg(long)]
        consultancy_id: Option<uuid::Uuid>,
    },
    /// Import enterprises from a CSV file (UTF-8, header line first; see the README), as the
    /// province. Prints every rejected row with its reason.
    ImportEnterprises {
        file: std::path::PathBuf,
        /// What to do with a file that has bad rows.
        #[arg(long, value_parser = parse_mode, default_value = "all-or-nothing")]
        mode: ImportMode,
    },
    /// Write a report file (the same content as the HTTP report routes).
    Report {
        #[command(subcommand)]
        report: ReportCommand,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The published consultancy ranking of a year, as CSV or XLSX.
    Ranking {
        #[arg(long)]
        year: i32,
        #[arg(long, value_parser = parse_format)]
        format: ReportFormat,
        /// The file to write; standard output when absent.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

fn parse_format(s: &str) -> Result<ReportFormat, String> {
    match s.to_ascii_lowercase().as_str() {
        "csv" => Ok(ReportFormat::Csv),
        "xlsx" => Ok(ReportFormat::Xlsx),
        _ => Err("expected csv or xlsx".to_owned()),
    }
}

fn parse_mode(s: &str) -> Result<ImportMode, String> {
    s.to_ascii_uppercase()
        .replace('-', "_")
        .parse::<ImportMode>()
        .map_err(|_| "expected all-or-nothing or good-rows-only".to_owned())
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.to_ascii_uppercase().parse::<Role>().map_err(|_| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

/// A progress line redrawn in place on a terminal; plain lines per finished stage otherwise.
struct TerminalProgress {
    terminal: bool,
}

impl TerminalProgress {
    fn new() -> Self {
        use std::io::IsTerminal;
        TerminalProgress {
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}

impl cleanprod::services::demo::Progress for TerminalProgress {
    fn update(&self, stage: &str, done: u64, total: u64) {
        if self.terminal {
            let width = 30u64;
            let filled = (done * width).checked_div(total).unwrap_or(width) as usize;
            eprint!(
                "\r{stage:<20} [{}{}] {done}/{total}   ",
                "#".repeat(filled),
                " ".repeat(width as usize - filled)
            );
        } else if done == total {
            eprintln!("{stage}: {total}");
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
    let outcome = runtime.block_on(run(cli.command.unwrap_or(Command::Serve)));
    // Whatever is still running once the command is done (a connection closing, a loader's
    // task) gets a bounded time: a stopped server exits rather than wait on it.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
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
    match command {
        Command::ExportSchema | Command::VerifyDraw { .. } => Ok(()),
        Command::SeedDemo { scale, password } => {
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
                    .map_err(|e| e.client_message())?;
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
            let started = cleanprod::start(state)?;
            for address in &started.addresses {
                tracing::info!(%address, "cleanprod listening");
                if graphiql {
                    println!("GraphiQL: http://{address}/graphql");
                }
            }
            // Only now that the server can serve: the printed password is usable at once.
            bootstrap(&db, admin_password.as_deref()).await?;
            // Beside the start, not before it: /readyz answers meanwhile.
            drop(tokio::spawn(async move {
                services.draw_queue.prepare(&services).await;
            }));
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
            expert_id,
            consultancy_id,
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
                    city_code: city,
                    expert_id,
                    consultancy_id,
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
                println!(
                    "line {}: rejected: {}{}",
                    row.line,
                    row.field
                        .as_deref()
                        .map(|f| format!("{f}: "))
                        .unwrap_or_default(),
                    row.reason.as_deref().unwrap_or("")
                );
            }
            println!(
                "{} rows accepted, {} rejected; {}",
                report.accepted_count,
                report.rejected_count,
                if report.written {
                    "the accepted rows were imported"
                } else {
                    "nothing was imported"
                }
            );
            if !report.written && report.rejected_count > 0 {
                return Err(format!(
                    "nothing imported: {} rows rejected (use --mode good-rows-only to import the others)",
                    report.rejected_count
                ));
            }
            Ok(())
        }
    }
}
