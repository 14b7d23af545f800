//! Settings from the environment (a `.env` file is read first when present).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::rules::admission::AdmissionPolicy;

pub const DEFAULT_SQLITE_URL: &str = "sqlite://./data/cleanprod.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Milliseconds between the live-notification poller's reads (`CLEANPROD_LIVE_POLL_MS`).
pub const DEFAULT_LIVE_POLL_MS: u64 = 1000;
/// Seconds a token's principal is trusted without reading the user row again.
pub const DEFAULT_AUTH_CACHE_SECONDS: u64 = 5;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    /// Where the embedded setup keeps its generated secrets (and, by default, its database).
    pub data_dir: PathBuf,
    /// HS256 signing secret; `None` until resolved by [`Config::settle_secrets`].
    pub jwt_secret: Option<Vec<u8>>,
    /// The previous secret, still accepted for verification during a key rotation.
    pub jwt_previous_secret: Option<Vec<u8>>,
    /// Key for personal data at rest; `None` until resolved by [`Config::settle_secrets`].
    pub data_key: Option<Vec<u8>>,
    pub token_ttl: Duration,
    /// How long a token's principal is trusted without reading the user again; bounds how
    /// late another process's revocation is seen (this process's own is seen at once).
    pub auth_cache: Duration,
    pub admin_password: Option<String>,
    pub max_body_bytes: usize,
    pub max_page_size: u64,
    pub admission: AdmissionPolicy,
    pub limits: QueryLimits,
    pub web: WebSettings,
    /// Start-up connection attempts before giving up (with exponential backoff).
    pub db_connect_attempts: u32,
    /// Panel seats one expert may hold in a calendar year (not counting declined seats).
    pub seat_cap: u32,
    /// The deadlines' periods of our own choosing.
    pub deadlines: crate::rules::deadlines::DeadlinePolicy,
    /// The score a PASSED review must reach (0–100).
    pub review_pass_mark: u32,
    /// A panel's names are revealed to its organiser this many hours before the review starts
    /// (the start of the review day when no time is set); 0 by default (our choice).
    pub panel_reveal_hours_before: u32,
    /// How often the live-notification poller reads newly written notifications while a
    /// subscriber is connected (`CLEANPROD_LIVE_POLL_MS`, our choice).
    pub live_poll: Duration,
    pub documents: DocumentSettings,
    pub opinions: OpinionSettings,
    /// Days before an audit's deadline its parties are reminded (CLEANPROD_REMINDER_DAYS,
    /// our choice), besides once when it has passed.
    pub reminder_days: Vec<u32>,
    pub delivery: DeliverySettings,
    /// How long a published violation stays public, per severity (our choice: the credit
    /// rules' longest periods; `CLEANPROD_VIOLATION_PUBLICATION_MONTHS_GENERAL`, `_SERIOUS`).
    pub violation_publication: crate::rules::violation_publication::PublicationPeriods,
    /// Days a consultancy has, from the day a recheck finding about it is recorded, to respond
    /// before the province may confirm it without a response (our choice;
    /// `CLEANPROD_FINDING_RESPONSE_DAYS`, 1–90).
    pub finding_response_days: u32,
}

/// E-mail and SMS delivery of notifications: the servers, and the retry policy (our choices).
#[derive(Clone, Debug)]
pub struct DeliverySettings {
    /// `CLEANPROD_SMTP_URL` (`smtps://host:465`, `smtp://host:587?tls=required`, or plain
    /// `smtp://127.0.0.1:25` on a trusted network); no URL: no e-mail.
    pub smtp_url: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// The sender, e.g. `山西省清洁生产审核 <noreply@example.gov.cn>`.
    pub smtp_from: String,
    /// `CLEANPROD_SMS_URL`: the gateway's HTTP endpoint; no URL: no SMS.
    pub sms_url: Option<String>,
    /// Signs each SMS request (HMAC-SHA256 of the body, hex, in `X-Cleanprod-Signature`).
    pub sms_secret: Option<String>,
    /// Where the links in messages point (this server, as its users reach it).
    pub public_url: String,
    /// How long a seat-answer link in an invitation works.
    pub seat_link_hours: u32,
    /// Tries before a delivery is FAILED; the wait doubles from `backoff` after each.
    pub max_attempts: u32,
    pub backoff: Duration,
    /// A claim older than this is a worker that stopped mid-send: FAILED, outcome unknown
    /// (never sent again by itself, so nothing arrives twice; an administrator may resend).
    pub lease: Duration,
    /// How often each instance's worker looks for due deliveries.
    pub poll: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            smtp_url: None,
            smtp_username: None,
            smtp_password: None,
            smtp_from: "cleanprod <noreply@localhost>".to_owned(),
            sms_url: None,
            sms_secret: None,
            public_url: format!("http://{DEFAULT_BIND}"),
            seat_link_hours: 72,
            max_attempts: 5,
            backoff: Duration::from_secs(30),
            lease: Duration::from_secs(300),
            poll: Duration::from_secs(2),
        }
    }
}

impl DeliverySettings {
    fn from_env() -> Result<DeliverySettings, ConfigError> {
        let defaults = DeliverySettings::default();
        let settings = DeliverySettings {
            smtp_url: env_var("CLEANPROD_SMTP_URL"),
            smtp_username: env_var("CLEANPROD_SMTP_USERNAME"),
            smtp_password: env_var("CLEANPROD_SMTP_PASSWORD"),
            smtp_from: env_var("CLEANPROD_SMTP_FROM").unwrap_or(defaults.smtp_from),
            sms_url: env_var("CLEANPROD_SMS_URL"),
            sms_secret: env_var("CLEANPROD_SMS_SECRET"),
            public_url: env_var("CLEANPROD_PUBLIC_URL")
                .map(|u| u.trim_end_matches('/').to_owned())
                .unwrap_or(defaults.public_url),
            seat_link_hours: env_parse("CLEANPROD_SEAT_LINK_HOURS", defaults.seat_link_hours)?,
            max_attempts: env_parse("CLEANPROD_DELIVERY_MAX_ATTEMPTS", defaults.max_attempts)?,
            backoff: Duration::from_secs(env_parse("CLEANPROD_DELIVERY_BACKOFF_SECONDS", 30)?),
            lease: Duration::from_secs(env_parse("CLEANPROD_DELIVERY_LEASE_SECONDS", 300)?),
            poll: Duration::from_millis(env_parse("CLEANPROD_DELIVERY_POLL_MS", 2000)?),
        };
        if settings.sms_url.is_some() && settings.sms_secret.is_none() {
            return Err(ConfigError::Invalid(
                "CLEANPROD_SMS_URL needs CLEANPROD_SMS_SECRET to sign its requests".into(),
            ));
        }
        if !(1..=24 * 30).contains(&settings.seat_link_hours) {
            return Err(ConfigError::Invalid(format!(
                "CLEANPROD_SEAT_LINK_HOURS must be from 1 to 720, got {}",
                settings.seat_link_hours
            )));
        }
        if !(1..=50).contains(&settings.max_attempts) {
            return Err(ConfigError::Invalid(format!(
                "CLEANPROD_DELIVERY_MAX_ATTEMPTS must be from 1 to 50, got {}",
                settings.max_attempts
            )));
        }
        // A send gives up after 30 s: a shorter lease would take live sends for stopped ones.
        if settings.poll.is_zero() || settings.lease < Duration::from_secs(60) {
            return Err(ConfigError::Invalid(
                "CLEANPROD_DELIVERY_POLL_MS must be positive and CLEANPROD_DELIVERY_LEASE_SECONDS at least 60"
                    .into(),
            ));
        }
        Ok(settings)
    }
}

/// Opinion sheets: whether a review's outcome must follow from them, and each kind's
/// criteria with weights (our policy choices, not the plan's words).
#[derive(Clone, Debug)]
pub struct OpinionSettings {
    /// Panels drawn while this is on need the present experts' sheets and the leader's
    /// confirmation before `recordReviewOutcome` (CLEANPROD_REQUIRE_OPINION_SHEETS).
    pub require_sheets: bool,
    pub criteria: crate::rules::opinions::OpinionCriteria,
}

impl Default for OpinionSettings {
    fn default() -> Self {
        OpinionSettings {
            require_sheets: true,
            criteria: Default::default(),
        }
    }
}

impl OpinionSettings {
    /// `CLEANPROD_OPINION_CRITERIA_EVALUATION` (and `_ACCEPTANCE`, `_RECHECK`):
    /// `CODE:WEIGHT:label;…`, weights adding up to 100.
    fn from_env() -> Result<OpinionSettings, ConfigError> {
        let spec = |kind: &str| env_var(&format!("CLEANPROD_OPINION_CRITERIA_{kind}"));
        let criteria = crate::rules::opinions::OpinionCriteria::from_specs(
            spec("EVALUATION").as_deref(),
            spec("ACCEPTANCE").as_deref(),
            spec("RECHECK").as_deref(),
        )
        .map_err(|e| ConfigError::Invalid(format!("CLEANPROD_OPINION_CRITERIA_*: {e}")))?;
        Ok(OpinionSettings {
            require_sheets: env_parse("CLEANPROD_REQUIRE_OPINION_SHEETS", true)?,
            criteria,
        })
    }
}

/// Where documents are kept and the limits on them.
#[derive(Clone, Debug)]
pub struct DocumentSettings {
    pub store: DocumentStore,
    /// Uploads arrive here (owner-only) before they are hashed, checked and stored.
    pub staging_dir: PathBuf,
    /// The largest file accepted, in bytes (our choice; 50 MB by default).
    pub max_bytes: u64,
    /// A seated expert reads the report under review from this many days before the review
    /// date … (our choice; 3 by default)
    pub expert_days_before: u32,
    /// … until this many days after it (30 by default).
    pub expert_days_after: u32,
    /// Whether submitting a report, recording a review's outcome and publishing a violation
    /// need their documents uploaded first (on by default; off only while a registry moves
    /// from paper, `CLEANPROD_REQUIRE_DOCUMENTS=false`).
    pub required_for_steps: bool,
}

/// The object store behind the documents.
#[derive(Clone, Debug)]
pub enum DocumentStore {
    /// A folder on this machine (the embedded default: `documents/` in the data folder).
    Local(PathBuf),
    /// Any S3-compatible store.
    S3(S3Settings),
}

#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    /// The store's URL for a non-AWS service (e.g. `http://127.0.0.1:9000`); AWS when absent.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl DocumentSettings {
    pub fn step_documents(&self) -> crate::services::documents::StepDocuments {
        crate::services::documents::StepDocuments {
            required: self.required_for_steps,
        }
    }

    fn in_data_dir(data_dir: &Path) -> DocumentSettings {
        DocumentSettings {
            store: DocumentStore::Local(data_dir.join("documents")),
            staging_dir: data_dir.join("uploads"),
            max_bytes: 50 * 1024 * 1024,
            expert_days_before: 3,
            expert_days_after: 30,
            required_for_steps: true,
        }
    }

    fn from_env(data_dir: &Path) -> Result<DocumentSettings, ConfigError> {
        let defaults = DocumentSettings::in_data_dir(data_dir);
        let store = match env_var("CLEANPROD_DOCUMENT_STORE").as_deref() {
            None | Some("local") => DocumentStore::Local(
                env_var("CLEANPROD_DOCUMENT_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data_dir.join("documents")),
            ),
            Some("s3") => DocumentStore::S3(S3Settings {
                bucket: env_var("CLEANPROD_S3_BUCKET").ok_or_else(|| {
                    ConfigError::Invalid(
                        "CLEANPROD_DOCUMENT_STORE=s3 needs CLEANPROD_S3_BUCKET".to_owned(),
                    )
                })?,
                endpoint: env_var("CLEANPROD_S3_ENDPOINT"),
                region: env_var("CLEANPROD_S3_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
                access_key_id: env_var("AWS_ACCESS_KEY_ID"),
                secret_access_key: env_var("AWS_SECRET_ACCESS_KEY"),
            }),
            Some(other) => {
                return Err(ConfigError::Invalid(format!(
                    "CLEANPROD_DOCUMENT_STORE must be local or s3, got {other}"
                )));
            }
        };
        let max_mb: u64 = env_parse("CLEANPROD_DOCUMENT_MAX_MB", 50)?;
        if !(1..=2048).contains(&max_mb) {
            return Err(ConfigError::Invalid(format!(
                "CLEANPROD_DOCUMENT_MAX_MB must be from 1 to 2048, got {max_mb}"
            )));
        }
        Ok(DocumentSettings {
            store,
            staging_dir: defaults.staging_dir,
            max_bytes: max_mb * 1024 * 1024,
            expert_days_before: env_parse(
                "CLEANPROD_EXPERT_READ_DAYS_BEFORE",
                defaults.expert_days_before,
            )?,
            expert_days_after: env_parse(
                "CLEANPROD_EXPERT_READ_DAYS_AFTER",
                defaults.expert_days_after,
            )?,
            required_for_steps: env_parse("CLEANPROD_REQUIRE_DOCUMENTS", true)?,
        })
    }
}

/// Limits on what one GraphQL request may ask for; a request over any of them is refused
/// before it runs.
#[derive(Clone, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub introspection: bool,
    /// A tracing span per resolved field (async-graphql's tracing extension): for finding a
    /// slow resolver. Off by default: on a large answer its spans cost more than the data.
    pub resolver_spans: bool,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_depth: 16,
            max_complexity: 5_000,
            max_aliases: 30,
            max_root_fields: 20,
            introspection: true,
            resolver_spans: false,
        }
    }
}

/// Browser-facing settings: GraphiQL, CORS and security headers.
#[derive(Clone, Debug)]
pub struct WebSettings {
    pub graphiql: bool,
    /// Origins allowed to call the API from a browser; empty: no CORS headers at all.
    pub cors_origins: Vec<String>,
    pub security_headers: bool,
    pub hsts: bool,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            graphiql: true,
            cors_origins: Vec::new(),
            security_headers: true,
            hsts: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "{0} is not set: with PostgreSQL the server does not generate it, \
         because several instances must share one; set it to at least 32 random bytes"
    )]
    MissingSecret(&'static str),
    #[error("cannot keep the generated secret in {path}: {source}")]
    SecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_parse<T: std::str::FromStr>(name: &str, default: T) -> Result<T, ConfigError> {
    match env_var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConfigError::Invalid(format!("{name} has an invalid value: {v:?}"))),
    }
}

/// The publication periods of violations, each from 1 to 120 months.
fn violation_publication_from_env()
-> Result<crate::rules::violation_publication::PublicationPeriods, ConfigError> {
    use crate::rules::violation_publication::{MAX_MONTHS, PublicationPeriods};
    let defaults = PublicationPeriods::default();
    let months = |name: &str, default: u32| -> Result<u32, ConfigError> {
        let value: u32 = env_parse(name, default)?;
        if !(1..=MAX_MONTHS).contains(&value) {
            return Err(ConfigError::Invalid(format!(
                "{name} must be from 1 to {MAX_MONTHS}, got {value}"
            )));
        }
        Ok(value)
    };
    Ok(PublicationPeriods {
        general_months: months(
            "CLEANPROD_VIOLATION_PUBLICATION_MONTHS_GENERAL",
            defaults.general_months,
        )?,
        serious_months: months(
            "CLEANPROD_VIOLATION_PUBLICATION_MONTHS_SERIOUS",
            defaults.serious_months,
        )?,
    })
}

impl Config {
    /// Defaults for a database URL, before the environment is read (also used by tests).
    pub fn with_database(database_url: impl Into<String>) -> Config {
        Config {
            database_url: database_url.into(),
            bind: DEFAULT_BIND.to_owned(),
            data_dir: PathBuf::from("./data"),
            jwt_secret: None,
            jwt_previous_secret: None,
            data_key: None,
            token_ttl: Duration::from_secs(8 * 3600),
            auth_cache: Duration::from_secs(DEFAULT_AUTH_CACHE_SECONDS),
            admin_password: None,
            max_body_bytes: 256 * 1024,
            max_page_size: 100,
            admission: AdmissionPolicy::default(),
            limits: QueryLimits::default(),
            web: WebSettings::default(),
            db_connect_attempts: 20,
            seat_cap: crate::rules::eligibility::DEFAULT_SEAT_CAP,
            deadlines: Default::default(),
            review_pass_mark: crate::rules::audit_lifecycle::DEFAULT_PASS_MARK,
            documents: DocumentSettings::in_data_dir(Path::new("./data")),
            opinions: OpinionSettings::default(),
            reminder_days: vec![30, 7, 1],
            delivery: DeliverySettings::default(),
            violation_publication: Default::default(),
            finding_response_days: crate::rules::finding_confirmation::DEFAULT_RESPONSE_DAYS,
            panel_reveal_hours_before: 0,
            live_poll: Duration::from_millis(DEFAULT_LIVE_POLL_MS),
        }
    }

    /// Reads the environment. Does not touch the disk: see [`Config::prepare_storage`].
    pub fn from_env() -> Result<Config, ConfigError> {
        let _ = dotenvy::dotenv();
        let database_url = env_var("DATABASE_URL").unwrap_or_else(|| DEFAULT_SQLITE_URL.to_owned());
        let data_dir = env_var("CLEANPROD_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| sqlite_path(&database_url).and_then(|p| p.parent().map(Path::to_path_buf)))
            .unwrap_or_else(|| PathBuf::from("./data"));
        let data_dir = if data_dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            data_dir
        };
        let ttl_minutes: u64 = env_parse("CLEANPROD_TOKEN_TTL_MINUTES", 8 * 60)?;
        let admission = AdmissionPolicy {
            min_years_with_intermediate_title: env_parse(
                "CLEANPROD_ADMISSION_MIN_YEARS_INTERMEDIATE",
                AdmissionPolicy::default().min_years_with_intermediate_title,
            )?,
            max_age_exclusive: env_parse(
                "CLEANPROD_ADMISSION_MAX_AGE",
                AdmissionPolicy::default().max_age_exclusive,
            )?,
        };
        let defaults = QueryLimits::default();
        let limits = QueryLimits {
            max_depth: env_parse("CLEANPROD_MAX_DEPTH", defaults.max_depth)?,
            max_complexity: env_parse("CLEANPROD_MAX_COMPLEXITY", defaults.max_complexity)?,
            max_aliases: env_parse("CLEANPROD_MAX_ALIASES", defaults.max_aliases)?,
            max_root_fields: env_parse("CLEANPROD_MAX_ROOT_FIELDS", defaults.max_root_fields)?,
            introspection: env_parse("CLEANPROD_INTROSPECTION", defaults.introspection)?,
            resolver_spans: env_parse("CLEANPROD_RESOLVER_SPANS", defaults.resolver_spans)?,
        };
        let web_defaults = WebSettings::default();
        let web = WebSettings {
            graphiql: env_parse("CLEANPROD_GRAPHIQL", web_defaults.graphiql)?,
            cors_origins: env_var("CLEANPROD_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            security_headers: env_parse(
                "CLEANPROD_SECURITY_HEADERS",
                web_defaults.security_headers,
            )?,
            hsts: env_parse("CLEANPROD_HSTS", web_defaults.hsts)?,
        };
        let seat_cap = env_parse(
            "CLEANPROD_SEAT_CAP",
            crate::rules::eligibility::DEFAULT_SEAT_CAP,
        )?;
        if !(1..=366).contains(&seat_cap) {
            return Err(ConfigError::Invalid(format!(
                "CLEANPROD_SEAT_CAP must be from 1 to 366, got {seat_cap}"
            )));
        }
        let late_report_evaluation_days = env_parse(
            "CLEANPROD_LATE_REPORT_EVALUATION_DAYS",
            crate::rules::deadlines::DeadlinePolicy::default().late_report_evaluation_days,
        )?;
        if !(1..=365).contains(&late_report_evaluation_days) {
            return Err(ConfigError::Invalid(format!(
                "CLEANPROD_LATE_REPORT_EVALUATION_DAYS must be from 1 to 365, got {late_report_evaluation_days}"
            )));
        }
        let review_pass_mark = env_parse(
            "CLEANPROD_REVIEW_PASS_MARK",
            crate::rules::audit_lifecycle::DEFAULT_PASS_MARK,
        )?;
        if review_pass_mark > 100 {
            return Err(ConfigError::Invalid(format!(
                "CLEANPROD_REVIEW_PASS_MARK must be from 0 to 100, got {review_pass_mark}"
            )));
        }
        let documents = DocumentSettings::from_env(&data_dir)?;
        let panel_reveal_hours_before = env_parse("CLEANPROD_PANEL_REVEAL_HOURS_BEFORE", 0)?;
        if panel_reveal_hours_before > 24 * 30 {
            return Err(ConfigError::Invalid(format!(
                "CLEANPROD_PANEL_REVEAL_HOURS_BEFORE must be from 0 to 720, got {panel_reveal_hours_before}"
            )));
        }
        let live_poll_ms = env_parse("CLEANPROD_LIVE_POLL_MS", DEFAULT_LIVE_POLL_MS)?;
        if !(100..=60_000).contains(&live_poll_ms) {
            return Err(ConfigError::Invalid(format!(
                "CLEANPROD_LIVE_POLL_MS must be from 100 to 60000, got {live_poll_ms}"
            )));
        }
        let finding_response_days = env_parse(
            "CLEANPROD_FINDING_RESPONSE_DAYS",
            crate::rules::finding_confirmation::DEFAULT_RESPONSE_DAYS,
        )?;
        if !(1..=crate::rules::finding_confirmation::MAX_RESPONSE_DAYS)
            .contains(&finding_response_days)
        {
            return Err(ConfigError::Invalid(format!(
                "CLEANPROD_FINDING_RESPONSE_DAYS must be from 1 to 90, got {finding_response_days}"
            )));
        }
        Ok(Config {
            finding_response_days,
            live_poll: Duration::from_millis(live_poll_ms),
            documents,
            opinions: OpinionSettings::from_env()?,
            delivery: DeliverySettings::from_env()?,
            violation_publication: violation_publication_from_env()?,
            reminder_days: match env_var("CLEANPROD_REMINDER_DAYS") {
                None => vec![30, 7, 1],
                Some(text) => crate::rules::reminders::parse_offsets(&text).ok_or_else(|| {
                    ConfigError::Invalid(format!(
                        "CLEANPROD_REMINDER_DAYS must be days from 1 to 365, comma-separated, got {text:?}"
                    ))
                })?,
            },
            panel_reveal_hours_before,
            review_pass_mark,
            db_connect_attempts: env_parse("CLEANPROD_DB_CONNECT_ATTEMPTS", 20)?,
            seat_cap,
            deadlines: crate::rules::deadlines::DeadlinePolicy {
                late_report_evaluation_days,
            },
            limits,
            web,
            database_url,
            bind: env_var("CLEANPROD_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            data_dir,
            jwt_secret: env_var("CLEANPROD_JWT_SECRET").map(String::into_bytes),
            jwt_previous_secret: env_var("CLEANPROD_JWT_PREVIOUS_SECRET").map(String::into_bytes),
            data_key: env_var("CLEANPROD_DATA_KEY").map(String::into_bytes),
            token_ttl: Duration::from_secs(ttl_minutes * 60),
            auth_cache: Duration::from_secs(env_parse(
                "CLEANPROD_AUTH_CACHE_SECONDS",
                DEFAULT_AUTH_CACHE_SECONDS,
            )?),
            admin_password: env_var("CLEANPROD_ADMIN_PASSWORD"),
            max_body_bytes: env_parse("CLEANPROD_MAX_BODY_BYTES", 256 * 1024)?,
            max_page_size: env_parse("CLEANPROD_MAX_PAGE_SIZE", 100)?,
            admission,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// Creates the SQLite database folder (owner-only) and narrows the database file's mode.
    pub fn prepare_storage(&mut self) -> Result<(), ConfigError> {
        if let Some(path) = sqlite_path(&self.database_url) {
            if let Some(dir) = path.parent()
                && !dir.as_os_str().is_empty()
            {
                create_owner_only_dirs(dir).map_err(|source| ConfigError::SecretFile {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
            if self.database_url.contains("mode=rwc") {
                keep_owner_only(&path).map_err(|source| ConfigError::SecretFile {
                    path: path.clone(),
                    source,
                })?;
            }
        }
        Ok(())
    }

    /// Settles the JWT secret and the data key, for the commands that use them: the embedded
    /// setup generates each and keeps it owner-readable in the data folder; PostgreSQL refuses
    /// to start without them, since instances must agree on them. A generated secret is
    /// announced only where it is used: `for_tokens` when tokens are signed (the server),
    /// the data key always (both the server and the demo loader encrypt personal data).
    pub fn settle_secrets(&mut self, for_tokens: bool) -> Result<(), ConfigError> {
        if self.jwt_secret.is_none() {
            self.jwt_secret =
                Some(self.generated_secret("CLEANPROD_JWT_SECRET", "jwt-secret", for_tokens)?);
        }
        if self.data_key.is_none() {
            self.data_key = Some(self.generated_secret("CLEANPROD_DATA_KEY", "data-key", true)?);
        }
        Ok(())
    }

    /// The embedded setup's generated secret for `variable`, kept in the data folder.
    fn generated_secret(
        &self,
        variable: &'static str,
        file: &str,
        announce: bool,
    ) -> Result<Vec<u8>, ConfigError> {
        if !self.is_sqlite() {
            return Err(ConfigError::MissingSecret(variable));
        }
        let path = self.data_dir.join(file);
        let secret = load_or_create_secret(&path).map_err(|source| ConfigError::SecretFile {
            path: path.clone(),
            source,
        })?;
        if announce {
            tracing::warn!(
                path = %path.display(),
                "{variable} is not set: using the one generated for this embedded setup"
            );
        }
        Ok(secret)
    }
}

/// The file behind a `sqlite:` URL, if it names one (not `:memory:`).
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Creates the folders that do not exist yet readable by the owner only (0700), like the
/// secrets and the database they hold; folders that already exist keep their mode.
pub fn create_owner_only_dirs(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The SQLite database readable by its owner only (0600): created empty with that mode when
/// missing, narrowed when it is wider. SQLite gives its `-wal` and `-shm` files the mode of
/// the database file, so they follow.
#[cfg(unix)]
pub fn keep_owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    for file in [
        path.to_path_buf(),
        PathBuf::from(format!("{}-wal", path.display())),
        PathBuf::from(format!("{}-shm", path.display())),
    ] {
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn keep_owner_only(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

fn load_or_create_secret(path: &Path) -> std::io::Result<Vec<u8>> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    if let Some(dir) = path.parent() {
        create_owner_only_dirs(dir)?;
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    let secret = hex::encode(bytes);
    write_owner_only(path, secret.as_bytes())?;
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_owner_only(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

#[cfg(not(unix))]
fn write_owner_only(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path(DEFAULT_SQLITE_URL),
            Some(PathBuf::from("./data/cleanprod.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db"),
            Some(PathBuf::from("/tmp/a.db"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_folder_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("data");
        let db = folder.join("cleanprod.db");
        let mut config = Config::with_database(format!("sqlite://{}?mode=rwc", db.display()));
        config.data_dir = folder.clone();
        config.prepare_storage().expect("prepared");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&db), 0o600);
        // A database left readable by others (an older start) is narrowed, with its WAL.
        let wal = folder.join("cleanprod.db-wal");
        std::fs::write(&wal, b"").expect("wal");
        for p in [&db, &wal] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        config.prepare_storage().expect("prepared again");
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&wal), 0o600);
    }

    #[test]
    fn generated_secret_is_kept_owner_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/jwt-secret");
        let first = load_or_create_secret(&path).expect("created");
        let second = load_or_create_secret(&path).expect("read back");
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
