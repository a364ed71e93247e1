//! Reading one variable: numbers within their ranges, booleans, lists,
//! anything `FromStr`; every refusal names the variable, the value and why.

use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use rand::Rng as _;
use secrecy::SecretString;

use super::ConfigError;

/// The allowed range of each numeric variable, with its unit for messages.
pub(super) struct Range {
    name: &'static str,
    allowed: RangeInclusive<u64>,
    unit: &'static str,
}

pub(super) const PORT: Range = range("PORT", 0, 65_535, "");
pub(super) const DB_MAX_CONNECTIONS: Range = range("DB_MAX_CONNECTIONS", 1, 1_000, " connections");
pub(super) const DB_CONNECT_TIMEOUT_SECS: Range =
    range("DB_CONNECT_TIMEOUT_SECS", 1, 300, " seconds");
pub(super) const DB_ACQUIRE_TIMEOUT_SECS: Range =
    range("DB_ACQUIRE_TIMEOUT_SECS", 1, 300, " seconds");
pub(super) const DB_IDLE_TIMEOUT_SECS: Range = range("DB_IDLE_TIMEOUT_SECS", 1, 86_400, " seconds");
pub(super) const DB_MAX_LIFETIME_SECS: Range =
    range("DB_MAX_LIFETIME_SECS", 1, 604_800, " seconds");
pub(super) const ACCESS_TOKEN_TTL_SECS: Range =
    range("ACCESS_TOKEN_TTL_SECS", 1, 86_400, " seconds");
pub(super) const REFRESH_TOKEN_TTL_SECS: Range =
    range("REFRESH_TOKEN_TTL_SECS", 1, 366 * 86_400, " seconds");
pub(super) const BCRYPT_COST: Range = range("BCRYPT_COST", 4, 31, "");
pub(super) const SLOW_QUERY_MS: Range = range("SLOW_QUERY_MS", 1, 600_000, " milliseconds");
pub(super) const AUTH_RATE_LIMIT_PER_MINUTE: Range = range(
    "AUTH_RATE_LIMIT_PER_MINUTE",
    0,
    100_000,
    " attempts (0: no limit)",
);
pub(super) const PASSWORD_HASH_CONCURRENCY: Range =
    range("PASSWORD_HASH_CONCURRENCY", 1, 1_024, "");
pub(super) const LIST_TOTALS_TTL_SECS: Range = range("LIST_TOTALS_TTL_SECS", 0, 3_600, " seconds");
pub(super) const MAIL_MAX_ATTEMPTS: Range = range("MAIL_MAX_ATTEMPTS", 1, 100, " attempts");
pub(super) const ACCOUNT_DELETION_GRACE_DAYS: Range =
    range("ACCOUNT_DELETION_GRACE_DAYS", 0, 3_650, " days");
pub(super) const PURGE_INTERVAL_SECS: Range = range("PURGE_INTERVAL_SECS", 1, 86_400, " seconds");
pub(super) const REPLICA_MAX_LAG_MS: Range =
    range("REPLICA_MAX_LAG_MS", 1, 3_600_000, " milliseconds");
pub(super) const TRUSTED_PROXY_HOPS: Range = range("TRUSTED_PROXY_HOPS", 1, 32, "");

pub(super) const fn range(name: &'static str, min: u64, max: u64, unit: &'static str) -> Range {
    Range {
        name,
        allowed: min..=max,
        unit,
    }
}

impl Range {
    pub(super) fn reason(&self) -> String {
        format!(
            "expected a whole number from {} to {}{}",
            self.allowed.start(),
            self.allowed.end(),
            self.unit
        )
    }

    /// The variable's value (or `default`), refused outside the range.
    pub(super) fn read(
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

    pub(super) fn read_as<T: TryFrom<u64>>(
        &self,
        get: &impl Fn(&'static str) -> Option<String>,
        default: u64,
    ) -> Result<T, ConfigError> {
        let value = self.read(get, default)?;
        T::try_from(value).map_err(|_| invalid(self.name, value, &self.reason()))
    }

    pub(super) fn read_secs(
        &self,
        get: &impl Fn(&'static str) -> Option<String>,
        default: u64,
    ) -> Result<Duration, ConfigError> {
        self.read(get, default).map(Duration::from_secs)
    }
}

pub(super) fn invalid(name: &'static str, value: impl ToString, reason: &str) -> ConfigError {
    ConfigError::Invalid {
        name,
        value: value.to_string(),
        reason: reason.to_owned(),
    }
}

pub(super) fn parse<T>(
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
pub(super) fn list(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
) -> Vec<String> {
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

pub(super) fn parse_bool(
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

pub(super) fn random_secret() -> SecretString {
    let bytes: [u8; 32] = rand::rng().random();
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .into()
}
