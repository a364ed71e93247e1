//! Typed configuration, read once from the environment (and a `.env` file, if present).
//!
//! Every key has a safe default, so `cargo run` works with nothing set, and
//! every numeric key a range checked here, so a nonsensical value stops the
//! server at start with a sentence naming it. [`VARIABLES`] is the complete
//! list of keys; a test holds the README's configuration table and
//! `.env.example` to it.

use std::env;
use std::fmt;
use std::net::IpAddr;
use std::ops::{Deref, RangeInclusive};
use std::str::FromStr;
use std::time::Duration;

use actix_web::http::header::HeaderName;
use rand::Rng as _;
use secrecy::SecretString;

use crate::logging::LogFormat;

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

/// A database URL: used as a `&str`, printed by `Debug` without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL as configured, password included: for connecting, not for logs.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced, for logs and messages.
    #[must_use]
    pub fn redacted(&self) -> String {
        redact_url(&self.0)
    }
}

impl Deref for DatabaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(url: &str) -> Self {
        Self(url.to_owned())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.redacted(), f)
    }
}

/// The default database: a SQLite file in the working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://todo.db?mode=rwc";

/// The default `HOST`: loopback, which is development.
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// The allowed range of each numeric variable, with its unit for messages.
struct Range {
    name: &'static str,
    allowed: RangeInclusive<u64>,
    unit: &'static str,
}

const PORT: Range = range("PORT", 0, 65_535, "");
const DB_MAX_CONNECTIONS: Range = range("DB_MAX_CONNECTIONS", 1, 1_000, " connections");
const DB_CONNECT_TIMEOUT_SECS: Range = range("DB_CONNECT_TIMEOUT_SECS", 1, 300, " seconds");
const DB_ACQUIRE_TIMEOUT_SECS: Range = range("DB_ACQUIRE_TIMEOUT_SECS", 1, 300, " seconds");
const DB_IDLE_TIMEOUT_SECS: Range = range("DB_IDLE_TIMEOUT_SECS", 1, 86_400, " seconds");
const DB_MAX_LIFETIME_SECS: Range = range("DB_MAX_LIFETIME_SECS", 1, 604_800, " seconds");
const ACCESS_TOKEN_TTL_SECS: Range = range("ACCESS_TOKEN_TTL_SECS", 1, 86_400, " seconds");
const REFRESH_TOKEN_TTL_SECS: Range = range("REFRESH_TOKEN_TTL_SECS", 1, 366 * 86_400, " seconds");
const BCRYPT_COST: Range = range("BCRYPT_COST", 4, 31, "");
const SLOW_QUERY_MS: Range = range("SLOW_QUERY_MS", 1, 600_000, " milliseconds");
const AUTH_RATE_LIMIT_PER_MINUTE: Range = range(
    "AUTH_RATE_LIMIT_PER_MINUTE",
    0,
    100_000,
    " attempts (0: no limit)",
);
const PASSWORD_HASH_CONCURRENCY: Range = range("PASSWORD_HASH_CONCURRENCY", 1, 1_024, "");
const LIST_TOTALS_TTL_SECS: Range = range("LIST_TOTALS_TTL_SECS", 0, 3_600, " seconds");
const TRUSTED_PROXY_HOPS: Range = range("TRUSTED_PROXY_HOPS", 1, 32, "");

const fn range(name: &'static str, min: u64, max: u64, unit: &'static str) -> Range {
    Range {
        name,
        allowed: min..=max,
        unit,
    }
}

impl Range {
    fn reason(&self) -> String {
        format!(
            "expected a whole number from {} to {}{}",
            self.allowed.start(),
            self.allowed.end(),
            self.unit
        )
    }

    /// The variable's value (or `default`), refused outside the range.
    fn read(
        &self,
        get: &impl Fn(&'static str) -> Option<String>,
        default: u64,
    ) -> Result<u64, ConfigError> {
        let Some(given) = get(self.name) else {
            return Ok(default);
        };
        match given.trim().parse::<u64>() {
            Ok(value) if self.allowed.contains(&value) => Ok(value),
            _ => Err(invalid(self.name, given, &self.reason())),
        }
    }

    fn read_as<T: TryFrom<u64>>(
        &self,
        get: &impl Fn(&'static str) -> Option<String>,
        default: u64,
    ) -> Result<T, ConfigError> {
        let value = self.read(get, default)?;
        T::try_from(value).map_err(|_| invalid(self.name, value, &self.reason()))
    }

    fn read_secs(
        &self,
        get: &impl Fn(&'static str) -> Option<String>,
        default: u64,
    ) -> Result<Duration, ConfigError> {
        self.read(get, default).map(Duration::from_secs)
    }
}

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
            host,
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
        })
    }

    /// `host:port`, for binding.
    #[must_use]
    pub fn bind_address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
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

fn invalid(name: &'static str, value: impl ToString, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        name,
        value: value.to_string(),
        reason: reason.to_owned(),
    }
}

fn parse<T>(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match get(name) {
        None => Ok(default),
        Some(value) => value
            .trim()
            .parse()
            .map_err(|e: T::Err| invalid(name, &value, &e.to_string())),
    }
}

/// A comma-separated list; blanks between commas are skipped.
fn list(get: &impl Fn(&'static str) -> Option<String>, name: &'static str) -> Vec<String> {
    get(name)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn parse_bool(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
        Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
        Some(v) => Err(invalid(name, v, "expected true or false")),
    }
}

fn random_secret() -> SecretString {
    let bytes: [u8; 32] = rand::rng().random();
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into()
}

/// The URL with any password replaced, for logs.
#[must_use]
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};
    use std::sync::Mutex;

    use secrecy::ExposeSecret as _;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_need_no_variables() {
        let cfg = config(&[]).expect("defaults are valid");
        assert_eq!(cfg.database_url.as_str(), DEFAULT_DATABASE_URL);
        assert_eq!(cfg.bind_address(), "127.0.0.1:8080");
        assert!(cfg.auto_migrate);
        assert!(cfg.jwt_secret_generated);
        assert!(cfg.jwt_secret.expose_secret().len() >= MIN_JWT_SECRET_BYTES);
        assert_eq!(cfg.auth_rate_limit_per_minute, 20);
        assert_eq!(cfg.access_token_ttl, Duration::from_secs(900));
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let err = config(&[("JWT_SECRET", "short")]).expect_err("too short");
        assert!(err.to_string().contains("JWT_SECRET"));
        assert!(
            !err.to_string().contains("short\""),
            "the secret is not echoed"
        );
    }

    #[test]
    fn an_unparsable_value_names_its_variable() {
        let err = config(&[("PORT", "eighty")]).expect_err("not a number");
        assert!(err.to_string().starts_with("PORT="));
        let err = config(&[("AUTO_MIGRATE", "maybe")]).expect_err("not a bool");
        assert!(err.to_string().starts_with("AUTO_MIGRATE="));
    }

    #[test]
    fn cors_origins_are_a_comma_separated_list() {
        let cfg = config(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://a.example, https://b.example,",
        )])
        .expect("valid");
        assert_eq!(
            cfg.cors_allowed_origins,
            vec!["https://a.example", "https://b.example"]
        );
    }

    #[test]
    fn extra_cors_headers_are_a_comma_separated_list_of_header_names() {
        let cfg =
            config(&[("CORS_ALLOWED_HEADERS", "traceparent, Cache-Control,")]).expect("valid");
        assert_eq!(cfg.cors_allowed_headers, ["traceparent", "cache-control"]);
        assert!(config(&[]).expect("valid").cors_allowed_headers.is_empty());
        let err = config(&[("CORS_ALLOWED_HEADERS", "trace parent")]).expect_err("a space");
        assert!(
            err.to_string().starts_with("CORS_ALLOWED_HEADERS="),
            "{err}"
        );
    }

    #[test]
    fn the_log_format_is_text_unless_json_is_asked_for() {
        assert_eq!(config(&[]).expect("valid").log_format, LogFormat::Text);
        let cfg = config(&[("LOG_FORMAT", "json")]).expect("valid");
        assert_eq!(cfg.log_format, LogFormat::Json);
        let err = config(&[("LOG_FORMAT", "xml")]).expect_err("unknown");
        assert!(err.to_string().starts_with("LOG_FORMAT="), "{err}");
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:secret@db:5432/todo"),
            "postgres://app:***@db:5432/todo"
        );
        assert_eq!(
            redact_url("sqlite://todo.db?mode=rwc"),
            "sqlite://todo.db?mode=rwc"
        );
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef-secret";

    fn refusal(vars: &[(&str, &str)]) -> String {
        config(vars)
            .map(|_| ())
            .expect_err("the configuration is refused")
            .to_string()
    }

    #[test]
    fn a_zero_token_lifetime_is_refused_naming_variable_value_and_range() {
        let message = refusal(&[("ACCESS_TOKEN_TTL_SECS", "0")]);
        assert_eq!(
            message,
            "ACCESS_TOKEN_TTL_SECS=\"0\" is not valid: expected a whole number from 1 to 86400 seconds"
        );
    }

    #[test]
    fn every_numeric_variable_is_checked_at_both_ends_of_its_range() {
        // (variable, lowest allowed, highest allowed)
        let ranges: &[(&str, u64, u64)] = &[
            ("PORT", 0, 65_535),
            ("DB_MAX_CONNECTIONS", 1, 1_000),
            ("DB_CONNECT_TIMEOUT_SECS", 1, 300),
            ("DB_ACQUIRE_TIMEOUT_SECS", 1, 300),
            ("DB_IDLE_TIMEOUT_SECS", 1, 86_400),
            ("DB_MAX_LIFETIME_SECS", 1, 604_800),
            ("ACCESS_TOKEN_TTL_SECS", 1, 86_400),
            ("REFRESH_TOKEN_TTL_SECS", 1, 366 * 86_400),
            ("BCRYPT_COST", 4, 31),
            ("SLOW_QUERY_MS", 1, 600_000),
            ("AUTH_RATE_LIMIT_PER_MINUTE", 0, 100_000),
            ("PASSWORD_HASH_CONCURRENCY", 1, 1_024),
            ("LIST_TOTALS_TTL_SECS", 0, 3_600),
            ("TRUSTED_PROXY_HOPS", 1, 32),
        ];
        for &(name, low, high) in ranges {
            for ok in [low, high] {
                config(&[(name, &ok.to_string())])
                    .unwrap_or_else(|e| panic!("{name}={ok} is allowed: {e}"));
            }
            let mut outside = vec![(high + 1).to_string(), "-1".to_owned(), "ten".to_owned()];
            if low > 0 {
                outside.push((low - 1).to_string());
            }
            for bad in outside {
                let message = refusal(&[(name, &bad)]);
                let expected = format!(
                    "{name}={bad:?} is not valid: expected a whole number from {low} to {high}"
                );
                assert!(message.starts_with(&expected), "{message}");
            }
        }
    }

    #[test]
    fn the_pool_minimum_may_not_exceed_its_maximum() {
        let message = refusal(&[("DB_MAX_CONNECTIONS", "4"), ("DB_MIN_CONNECTIONS", "5")]);
        assert!(
            message.starts_with(
                "DB_MIN_CONNECTIONS=\"5\" is not valid: expected a whole number from 0 to 4"
            ),
            "{message}"
        );
        let cfg = config(&[("DB_MAX_CONNECTIONS", "4"), ("DB_MIN_CONNECTIONS", "4")])
            .expect("equal is fine");
        assert_eq!((cfg.db.min_connections, cfg.db.max_connections), (4, 4));
        assert_eq!(
            config(&[("DB_MIN_CONNECTIONS", "0")])
                .expect("zero idle")
                .db
                .min_connections,
            0
        );
    }

    #[test]
    fn without_a_jwt_secret_only_loopback_hosts_start_with_a_random_one() {
        for host in [
            "127.0.0.1",
            "127.0.0.2",
            "::1",
            "[::1]",
            "localhost",
            "LOCALHOST",
        ] {
            let cfg = config(&[("HOST", host)]).unwrap_or_else(|e| panic!("{host}: {e}"));
            assert!(cfg.jwt_secret_generated, "{host}");
        }
        let one = config(&[]).expect("valid");
        let two = config(&[]).expect("valid");
        assert_ne!(
            one.jwt_secret.expose_secret(),
            two.jwt_secret.expose_secret(),
            "a generated secret is random"
        );
        for host in ["0.0.0.0", "::", "10.0.0.5", "todo.example"] {
            let message = refusal(&[("HOST", host)]);
            assert!(
                message.starts_with(&format!(
                    "JWT_SECRET is not set and HOST={host} is not a loopback address"
                )),
                "{message}"
            );
            assert!(message.contains("openssl rand -base64 48"), "{message}");
        }
        let cfg = config(&[("HOST", "0.0.0.0"), ("JWT_SECRET", SECRET)]).expect("set");
        assert!(!cfg.jwt_secret_generated);
        assert_eq!(cfg.jwt_secret.expose_secret(), SECRET);
    }

    #[test]
    fn debug_output_hides_the_secret_and_the_database_password() {
        let cfg = config(&[
            ("JWT_SECRET", SECRET),
            ("DATABASE_URL", "postgres://app:hunter2@db:5432/todo"),
            ("LIST_TOTALS_TTL_SECS", "7"),
        ])
        .expect("valid");
        let printed = format!("{cfg:?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("[REDACTED]"), "{printed}");
        assert!(
            printed.contains("postgres://app:***@db:5432/todo"),
            "{printed}"
        );
        // Every field is printed, the last ones included.
        assert!(printed.contains("list_totals_ttl: 7s"), "{printed}");
        assert!(printed.contains("jwt_secret_generated: false"), "{printed}");
        assert_eq!(
            cfg.database_url.as_str(),
            "postgres://app:hunter2@db:5432/todo",
            "the pool still gets the real URL"
        );
    }

    /// The names the loader asks for, with nothing set.
    fn names_read_by_the_loader() -> BTreeSet<String> {
        let asked = Mutex::new(BTreeSet::new());
        Config::from_lookup(|name| {
            asked.lock().expect("not poisoned").insert(name.to_owned());
            None
        })
        .expect("defaults are valid");
        asked.into_inner().expect("not poisoned")
    }

    fn listed() -> BTreeSet<String> {
        VARIABLES.iter().map(|&name| name.to_owned()).collect()
    }

    #[test]
    fn the_loader_reads_exactly_the_listed_variables_besides_the_log_filter() {
        let mut expected = listed();
        assert!(expected.remove(env_logger::DEFAULT_FILTER_ENV));
        assert_eq!(names_read_by_the_loader(), expected);
        assert_eq!(
            VARIABLES.len(),
            listed().len(),
            "no variable is listed twice"
        );
    }

    /// The first back-quoted word of each row of the README's configuration table.
    fn readme_table(readme: &str) -> BTreeSet<String> {
        let section = readme
            .split("\n## Configuration\n")
            .nth(1)
            .expect("the README has a Configuration section");
        let section = section.split("\n## ").next().unwrap_or(section);
        section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|row| row.split_once('`'))
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    /// The `NAME=` lines of `.env.example`, commented out or not.
    fn env_example(text: &str) -> BTreeSet<String> {
        text.lines()
            .map(|line| line.trim_start_matches('#').trim_start())
            .filter_map(|line| line.split_once('='))
            .map(|(name, _)| name)
            .filter(|name| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
            .map(str::to_owned)
            .collect()
    }

    fn differences(what: &str, found: &BTreeSet<String>) -> Vec<String> {
        let listed = listed();
        let mut problems: Vec<String> = listed
            .difference(found)
            .map(|name| format!("{name} is read by the server but missing from {what}"))
            .collect();
        problems.extend(
            found
                .difference(&listed)
                .map(|name| format!("{name} is in {what} but the server does not read it")),
        );
        problems
    }

    #[test]
    fn the_readme_table_and_env_example_list_exactly_the_variables_read() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
        let example = std::fs::read_to_string(root.join(".env.example")).expect(".env.example");
        let mut problems = differences("the README's configuration table", &readme_table(&readme));
        problems.extend(differences(".env.example", &env_example(&example)));
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_table_and_example_readers_find_what_they_should() {
        let readme = "# x\n## Configuration\n\n| variable | default |\n| --- | --- |\n\
                      | `HOST` | `127.0.0.1` |\n| `PORT` | `8080` |\n\n## Next\n| `NOT_THIS` | x |\n";
        assert_eq!(
            readme_table(readme),
            ["HOST", "PORT"].map(str::to_owned).into()
        );
        let example = "# Interface, e.g. HOST=0.0.0.0 in a container\nHOST=127.0.0.1\n\
                       # PASSWORD_HASH_CONCURRENCY=3\nlower=1\n";
        assert_eq!(
            env_example(example),
            ["HOST", "PASSWORD_HASH_CONCURRENCY"]
                .map(str::to_owned)
                .into()
        );
    }
}
