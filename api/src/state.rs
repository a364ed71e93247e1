//! What every handler can reach: the pools, the configuration and the metrics.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use service::passwords::Passwords;
use service::throttle::AuthRateLimit;
use service::todos::ListTotals;

use crate::config::Config;
use crate::reads::Reads;
use crate::telemetry::Metrics;
use crate::tokens::JwtKeys;

/// Shared application state, cloned cheaply into each worker.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The instrumented connection pool of the primary: every write, and
    /// every read that does not go through [`AppState::reads`].
    pub db: DatabaseConnection,
    /// Reads of a user's own data, spread over read replicas when there
    /// are any (`DATABASE_REPLICA_URLS`).
    pub reads: Reads,
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// Process-wide metrics.
    pub metrics: Arc<Metrics>,
    /// Access-token keys.
    pub jwt: Arc<JwtKeys>,
    /// The auth rate limit, counted in the database (`None`: no limit).
    pub auth_limit: Option<AuthRateLimit>,
    /// The password hasher (`BCRYPT_COST`, `PASSWORD_HASH_CONCURRENCY`).
    pub passwords: Passwords,
    /// Recently counted list totals (`LIST_TOTALS_TTL_SECS`).
    pub list_totals: ListTotals,
    /// Uses of API keys not yet written to `last_used_at` (flushed in batches).
    pub api_key_usage: service::api_keys::Usage,
}

impl AppState {
    /// Lifetime of refresh tokens.
    #[must_use]
    pub fn refresh_ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.refresh_token_ttl)
            .unwrap_or_else(|_| chrono::Duration::days(30))
    }
}
