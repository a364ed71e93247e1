//! Typed configuration, read once from the environment (and a `.env` file, if present).
//!
//! Every key has a safe default, so `cargo run` works with nothing set. The
//! README's configuration table lists the same keys; keep the two in step.

use std::env;
use std::str::FromStr;
use std::time::Duration;

use actix_web::http::header::HeaderName;
use rand::Rng as _;

use crate::logging::LogFormat;

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable is set but its value cannot be parsed.
    #[error("{name}={value:?} is not valid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value as given.
        value: String,
        /// What was expected.
        reason: String,
    },
}

/// Everything the server needs to start.
#[derive(Clone)]
pub struct Config {
    /// Where the data lives; the scheme (`sqlite:`, `postgres:`, `mysql:`) picks the engine.
    pub database_url: String,
    /// Interface to bind.
    pub host: String,
    /// Port to bind.
    pub port: u16,
    /// Pool sizing and timeouts.
    pub db: PoolConfig,
    /// HS256 key for access tokens (at least 32 bytes).
    pub jwt_secret: String,
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

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("db", &self.db)
            .field("jwt_secret", &"<redacted>")
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("bcrypt_cost", &self.bcrypt_cost)
            .field("slow_query", &self.slow_query)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("cors_allowed_headers", &self.cors_allowed_headers)
            .field("log_format", &self.log_format)
            .field("auto_migrate", &self.auto_migrate)
            .field(
                "auth_rate_limit_per_minute",
                &self.auth_rate_limit_per_minute,
            )
            .field("trust_proxy_headers", &self.trust_proxy_headers)
            .field("trusted_proxy_hops", &self.trusted_proxy_hops)
            .field("password_hash_concurrency", &self.password_hash_concurrency)
            .finish()
    }
}

/// The default database: a SQLite file in the working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://todo.db?mode=rwc";

impl Config {
    /// Reads the configuration from the process environment (after loading `.env`).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first variable whose value does not parse.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is the normal case in production.
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first variable whose value does not parse.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
        let (jwt_secret, jwt_secret_generated) = match get("JWT_SECRET") {
            Some(secret) if secret.len() < 32 => {
                return Err(ConfigError::Invalid {
                    name: "JWT_SECRET",
                    value: "<redacted>".into(),
                    reason: "must be at least 32 bytes long".into(),
                });
            }
            Some(secret) => (secret, false),
            None => (random_secret(), true),
        };
        let bcrypt_cost: u32 = parse(&get, "BCRYPT_COST", 12)?;
        if !(4..=31).contains(&bcrypt_cost) {
            return Err(invalid(
                "BCRYPT_COST",
                bcrypt_cost,
                "must be between 4 and 31",
            ));
        }
        let max_connections: u32 = parse(&get, "DB_MAX_CONNECTIONS", 10)?;
        if max_connections == 0 {
            return Err(invalid("DB_MAX_CONNECTIONS", 0, "must be at least 1"));
        }
        Ok(Self {
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            host: get("HOST").unwrap_or_else(|| "127.0.0.1".to_owned()),
            port: parse(&get, "PORT", 8080)?,
            db: PoolConfig {
                max_connections,
                min_connections: parse(&get, "DB_MIN_CONNECTIONS", 1)?,
                connect_timeout: secs(&get, "DB_CONNECT_TIMEOUT_SECS", 5)?,
                acquire_timeout: secs(&get, "DB_ACQUIRE_TIMEOUT_SECS", 5)?,
                idle_timeout: secs(&get, "DB_IDLE_TIMEOUT_SECS", 600)?,
                max_lifetime: secs(&get, "DB_MAX_LIFETIME_SECS", 1800)?,
            },
            jwt_secret,
            jwt_secret_generated,
            access_token_ttl: secs(&get, "ACCESS_TOKEN_TTL_SECS", 15 * 60)?,
            refresh_token_ttl: secs(&get, "REFRESH_TOKEN_TTL_SECS", 30 * 24 * 3600)?,
            bcrypt_cost,
            slow_query: Duration::from_millis(parse(&get, "SLOW_QUERY_MS", 200)?),
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
            auth_rate_limit_per_minute: parse(&get, "AUTH_RATE_LIMIT_PER_MINUTE", 20)?,
            trust_proxy_headers: parse_bool(&get, "TRUST_PROXY_HEADERS", false)?,
            trusted_proxy_hops: match parse(&get, "TRUSTED_PROXY_HOPS", 1)? {
                0 => return Err(invalid("TRUSTED_PROXY_HOPS", 0, "must be at least 1")),
                hops => hops,
            },
            password_hash_concurrency: parse(
                &get,
                "PASSWORD_HASH_CONCURRENCY",
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get().saturating_sub(1))
                    .max(1),
            )?
            .max(1),
            list_totals_ttl: secs(&get, "LIST_TOTALS_TTL_SECS", 2)?,
        })
    }

    /// `host:port`, for binding.
    #[must_use]
    pub fn bind_address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
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

fn secs(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<Duration, ConfigError> {
    parse(get, name, default).map(Duration::from_secs)
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

fn random_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
    use std::collections::HashMap;

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
        assert_eq!(cfg.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(cfg.bind_address(), "127.0.0.1:8080");
        assert!(cfg.auto_migrate);
        assert!(cfg.jwt_secret_generated);
        assert!(cfg.jwt_secret.len() >= 32);
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
}
