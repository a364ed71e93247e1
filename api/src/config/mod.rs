//! Typed configuration, read once from the environment (and a `.env` file, if present).
//!
//! Every key has a safe default, so `cargo run` works with nothing set, and
//! every numeric key a range checked here, so a nonsensical value stops the
//! server at start with a sentence naming it. [`VARIABLES`] is the complete
//! list of keys; a test holds the README's configuration table and
//! `.env.example` to it.

use std::env;
use std::net::IpAddr;
use std::time::Duration;

use actix_web::http::header::HeaderName;
use secrecy::SecretString;

use service::accounts::AccountPolicy;
use service::mail::{MailConfig, Transport};

use crate::logging::LogFormat;

mod database_url;
#[cfg(test)]
mod tests;
mod values;

pub use database_url::{DatabaseUrl, redact_url};
use values::*;

/// Every environment variable the server reads: the loader reads only these
/// (and `RUST_LOG`, which the logger reads), and the README's configuration
/// table and `.env.example` list exactly these.
pub const VARIABLES: &[&str] = &[
    "DATABASE_URL",
    "HOST",
    "PORT",
    "DB_MAX_CONNECTIONS",
    "DB_MIN_CONNECTIONS",
    "DB_CONNECT_TIMEOUT_SECS",
    "DB_ACQUIRE_TIMEOUT_SECS",
    "DB_IDLE_TIMEOUT_SECS",
    "DB_MAX_LIFETIME_SECS",
    "JWT_SECRET",
    "ACCESS_TOKEN_TTL_SECS",
    "REFRESH_TOKEN_TTL_SECS",
    "BCRYPT_COST",
    "SLOW_QUERY_MS",
    "CORS_ALLOWED_ORIGINS",
    "CORS_ALLOWED_HEADERS",
    "AUTO_MIGRATE",
    "AUTH_RATE_LIMIT_PER_MINUTE",
    "PASSWORD_HASH_CONCURRENCY",
    "LIST_TOTALS_TTL_SECS",
    "TRUST_PROXY_HEADERS",
    "TRUSTED_PROXY_HOPS",
    env_logger::DEFAULT_FILTER_ENV,
    "LOG_FORMAT",
    "SMTP_URL",
    "MAIL_FROM",
    "MAIL_MAX_ATTEMPTS",
    "APP_BASE_URL",
    "REQUIRE_VERIFIED_EMAIL",
    "ACCOUNT_DELETION_GRACE_DAYS",
    "PURGE_INTERVAL_SECS",
    "DATABASE_REPLICA_URLS",
    "REPLICA_MAX_LAG_MS",
];

/// The shortest `JWT_SECRET` accepted, in bytes.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable is set but its value cannot be parsed or is out of range.
    #[error("{name}={value:?} is not valid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value as given.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// No `JWT_SECRET`, and the server would listen beyond this machine.
    #[error(
        "JWT_SECRET is not set and HOST={host} is not a loopback address: outside development \
         the access-token key must be set, so tokens outlive a restart and every server accepts \
         them. Set JWT_SECRET to at least {MIN_JWT_SECRET_BYTES} random bytes, e.g. \
         JWT_SECRET=\"$(openssl rand -base64 48)\""
    )]
    MissingJwtSecret {
        /// The configured `HOST`.
        host: String,
    },
    /// No `SMTP_URL`, and the server would listen beyond this machine.
    #[error(
        "SMTP_URL is not set and HOST={host} is not a loopback address: outside development mail \
         must be delivered, not logged. Set SMTP_URL, e.g. SMTP_URL=smtp://127.0.0.1:25 or \
         SMTP_URL=smtps://user:password@mail.example.com:465"
    )]
    MissingSmtpUrl {
        /// The configured `HOST`.
        host: String,
    },
}

/// Mail delivery from the outbox.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Where mail goes: the SMTP server of `SMTP_URL` (its `Debug` never
    /// shows the password), or without one the log, which only a loopback
    /// `HOST` (development) is allowed.
    pub transport: Transport,
    /// The worker's settings: the sender (`MAIL_FROM`, checked to be a
    /// mailbox) and the attempts before a message fails (`MAIL_MAX_ATTEMPTS`).
    pub delivery: MailConfig,
}

/// Everything the server needs to start.
///
/// `Debug` prints every field; the JWT secret prints as `[REDACTED]` and the
/// database URL without its password.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the data lives; the scheme (`sqlite:`, `postgres:`, `mysql:`) picks the engine.
    pub database_url: DatabaseUrl,
    /// Interface to bind.
    pub host: String,
    /// Port to bind (0: any free port).
    pub port: u16,
    /// Pool sizing and timeouts.
    pub db: PoolConfig,
    /// HS256 key for access tokens (at least 32 bytes).
    pub jwt_secret: SecretString,
    /// Whether `jwt_secret` was generated at start because none was configured.
    pub jwt_secret_generated: bool,
    /// Lifetime of an access token.
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token (a session).
    pub refresh_token_ttl: Duration,
    /// bcrypt work factor for new password hashes.
    pub bcrypt_cost: u32,
    /// Statements slower than this are logged and counted as slow.
    pub slow_query: Duration,
    /// Origins allowed by CORS; empty means no cross-origin access, `*` means any.
    pub cors_allowed_origins: Vec<String>,
    /// Request headers CORS allows besides those the API names (e.g. `traceparent`).
    pub cors_allowed_headers: Vec<HeaderName>,
    /// How log lines are written: text, or one JSON object per line.
    pub log_format: LogFormat,
    /// Apply pending migrations at start.
    pub auto_migrate: bool,
    /// Login and register attempts per client IP and minute; 0 turns the limit off.
    pub auth_rate_limit_per_minute: u32,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy_headers: bool,
    /// How many proxies of ours stand in front of the server: the client IP
    /// is the address this many entries from the right of `X-Forwarded-For`.
    pub trusted_proxy_hops: usize,
    /// bcrypt hashes computed at once; the default leaves one core free.
    pub password_hash_concurrency: usize,
    /// How long a list total may be remembered (`0`: count every page).
    pub list_totals_ttl: Duration,
    /// Mail delivery (`SMTP_URL`, `MAIL_FROM`, `MAIL_MAX_ATTEMPTS`).
    pub mail: MailSettings,
    /// Account rules: where mail links point (`APP_BASE_URL`), the grace
    /// period of a deletion (`ACCOUNT_DELETION_GRACE_DAYS`), whether logins
    /// need a verified address (`REQUIRE_VERIFIED_EMAIL`).
    pub accounts: AccountPolicy,
    /// How often the server purges accounts whose grace period ended, and
    /// sent mail past its retention (`PURGE_INTERVAL_SECS`).
    pub purge_interval: Duration,
    /// PostgreSQL streaming replicas that serve reads (`DATABASE_REPLICA_URLS`).
    pub replica_urls: Vec<DatabaseUrl>,
    /// A replica further behind than this is not read from (`REPLICA_MAX_LAG_MS`).
    pub replica_max_lag: Duration,
}

/// Connection-pool settings.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Upper bound of open connections.
    pub max_connections: u32,
    /// Connections kept open even when idle.
    pub min_connections: u32,
    /// How long opening one connection may take.
    pub connect_timeout: Duration,
    /// How long a request may wait for a free connection before it answers `503`.
    pub acquire_timeout: Duration,
    /// Idle connections above the minimum are closed after this long.
    pub idle_timeout: Duration,
    /// Connections are recycled after this long.
    pub max_lifetime: Duration,
}

/// The default database: a SQLite file in the working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://todo.db?mode=rwc";

/// The default `MAIL_FROM`.
pub const DEFAULT_MAIL_FROM: &str = "Todo <todo@localhost>";

/// The default `APP_BASE_URL`: a frontend's development server.
pub const DEFAULT_APP_BASE_URL: &str = "http://localhost:3000";

/// The default `HOST`: loopback, which is development.
pub const DEFAULT_HOST: &str = "127.0.0.1";

impl Config {
    /// Reads the configuration from the process environment (after loading `.env`).
    ///
    /// # Errors
    /// The first [`ConfigError`]: a value that does not parse or is out of
    /// range, or a missing `JWT_SECRET` outside development.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is the normal case in production.
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| {
            debug_assert!(
                VARIABLES.contains(&name),
                "{name} is missing from VARIABLES"
            );
            lookup(name).filter(|v| !v.trim().is_empty())
        };
        let host = get("HOST").unwrap_or_else(|| DEFAULT_HOST.to_owned());
        let (jwt_secret, jwt_secret_generated) = match get("JWT_SECRET") {
            Some(secret) if secret.len() < MIN_JWT_SECRET_BYTES => {
                return Err(ConfigError::Invalid {
                    name: "JWT_SECRET",
                    value: "[REDACTED]".into(),
                    reason: format!(
                        "must be at least {MIN_JWT_SECRET_BYTES} bytes long, e.g. \
                         JWT_SECRET=\"$(openssl rand -base64 48)\""
                    ),
                });
            }
            Some(secret) => (SecretString::from(secret), false),
            None if is_loopback(&host) => (random_secret(), true),
            None => return Err(ConfigError::MissingJwtSecret { host }),
        };
        let max_connections = DB_MAX_CONNECTIONS.read_as(&get, 10)?;
        let min_connections = range(
            "DB_MIN_CONNECTIONS",
            0,
            u64::from(max_connections),
            " connections (at most DB_MAX_CONNECTIONS)",
        )
        .read_as(&get, 1.min(u64::from(max_connections)))?;
        let default_concurrency = std::thread::available_parallelism()
            .map_or(1, |n| n.get().saturating_sub(1))
            .clamp(1, 1_024);
        Ok(Self {
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
                .into(),
            port: PORT.read_as(&get, 8080)?,
            db: PoolConfig {
                max_connections,
                min_connections,
                connect_timeout: DB_CONNECT_TIMEOUT_SECS.read_secs(&get, 5)?,
                acquire_timeout: DB_ACQUIRE_TIMEOUT_SECS.read_secs(&get, 5)?,
                idle_timeout: DB_IDLE_TIMEOUT_SECS.read_secs(&get, 600)?,
                max_lifetime: DB_MAX_LIFETIME_SECS.read_secs(&get, 1800)?,
            },
            jwt_secret,
            jwt_secret_generated,
            access_token_ttl: ACCESS_TOKEN_TTL_SECS.read_secs(&get, 15 * 60)?,
            refresh_token_ttl: REFRESH_TOKEN_TTL_SECS.read_secs(&get, 30 * 24 * 3600)?,
            bcrypt_cost: BCRYPT_COST.read_as(&get, 12)?,
            slow_query: Duration::from_millis(SLOW_QUERY_MS.read(&get, 200)?),
            cors_allowed_origins: list(&get, "CORS_ALLOWED_ORIGINS"),
            cors_allowed_headers: list(&get, "CORS_ALLOWED_HEADERS")
                .iter()
                .map(|name| {
                    HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| invalid("CORS_ALLOWED_HEADERS", name, "not a header name"))
                })
                .collect::<Result<_, _>>()?,
            log_format: parse(&get, "LOG_FORMAT", LogFormat::Text)?,
            auto_migrate: parse_bool(&get, "AUTO_MIGRATE", true)?,
            auth_rate_limit_per_minute: AUTH_RATE_LIMIT_PER_MINUTE.read_as(&get, 20)?,
            trust_proxy_headers: parse_bool(&get, "TRUST_PROXY_HEADERS", false)?,
            trusted_proxy_hops: TRUSTED_PROXY_HOPS.read_as(&get, 1)?,
            password_hash_concurrency: PASSWORD_HASH_CONCURRENCY
                .read_as(&get, default_concurrency as u64)?,
            list_totals_ttl: LIST_TOTALS_TTL_SECS.read_secs(&get, 2)?,
            mail: mail_settings(&get, &host)?,
            accounts: account_policy(&get)?,
            purge_interval: PURGE_INTERVAL_SECS.read_secs(&get, 3600)?,
            replica_urls: replica_urls(&get)?,
            replica_max_lag: Duration::from_millis(REPLICA_MAX_LAG_MS.read(&get, 1_000)?),
            host,
        })
    }

    /// `host:port`, for binding.
    #[must_use]
    pub fn bind_address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The mail settings: an SMTP server is required off loopback, and the
/// sender must be a mailbox.
fn mail_settings(
    get: &impl Fn(&'static str) -> Option<String>,
    host: &str,
) -> Result<MailSettings, ConfigError> {
    let transport = match get("SMTP_URL") {
        Some(url) => Transport::from_url(&url)
            .map_err(|e| invalid("SMTP_URL", redact_url(&url), &e.to_string()))?,
        None if is_loopback(host) => Transport::log(),
        None => {
            return Err(ConfigError::MissingSmtpUrl {
                host: host.to_owned(),
            });
        }
    };
    let from = get("MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned());
    let mut delivery = MailConfig::new(&from)
        .map_err(|e| invalid("MAIL_FROM", &from, &format!("expected a mailbox ({e})")))?;
    delivery.max_attempts = MAIL_MAX_ATTEMPTS.read_as(get, 10)?;
    Ok(MailSettings {
        transport,
        delivery,
    })
}

/// The account rules; `APP_BASE_URL` must be an absolute `http(s)` URL
/// without query or fragment, since links append a page and a token to it.
fn account_policy(
    get: &impl Fn(&'static str) -> Option<String>,
) -> Result<AccountPolicy, ConfigError> {
    let base = get("APP_BASE_URL").unwrap_or_else(|| DEFAULT_APP_BASE_URL.to_owned());
    let reason = "expected an absolute http:// or https:// URL without query or fragment, \
                  e.g. https://app.example.com";
    let parsed =
        url::Url::parse(base.trim()).map_err(|_| invalid("APP_BASE_URL", &base, reason))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || !parsed.has_host()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(invalid("APP_BASE_URL", &base, reason));
    }
    let mut policy = AccountPolicy::new(&base);
    policy.deletion_grace = chrono::Duration::days(ACCOUNT_DELETION_GRACE_DAYS.read_as(get, 7)?);
    policy.require_verified_email = parse_bool(get, "REQUIRE_VERIFIED_EMAIL", false)?;
    Ok(policy)
}

/// `DATABASE_REPLICA_URLS`: comma-separated PostgreSQL URLs, each read
/// from only when `DATABASE_URL` is PostgreSQL too (checked at start, where
/// the primary's engine is known).
fn replica_urls(
    get: &impl Fn(&'static str) -> Option<String>,
) -> Result<Vec<DatabaseUrl>, ConfigError> {
    list(get, "DATABASE_REPLICA_URLS")
        .into_iter()
        .map(|url| {
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                Ok(DatabaseUrl::from(url))
            } else {
                Err(invalid(
                    "DATABASE_REPLICA_URLS",
                    redact_url(&url),
                    "expected postgres:// URLs of PostgreSQL streaming replicas, separated by commas",
                ))
            }
        })
        .collect()
}

/// Whether `host` names this machine only: development.
#[must_use]
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim();
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
