//! What every handler can reach: the pool, the configuration and the metrics.

use std::sync::Arc;

use actix_web::web;
use sea_orm::DatabaseConnection;
use service::todos::ListTotals;
use tokio::sync::Semaphore;

use crate::auth::{AuthRateLimiter, JwtKeys};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::telemetry::Metrics;

/// Shared application state, cloned cheaply into each worker.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The instrumented connection pool.
    pub db: DatabaseConnection,
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// Process-wide metrics.
    pub metrics: Arc<Metrics>,
    /// Access-token keys.
    pub jwt: Arc<JwtKeys>,
    /// A bcrypt hash to verify unknown logins against (same cost, same time).
    pub dummy_hash: Arc<str>,
    /// Per-IP limiter of login and register attempts (`None`: no limit).
    pub auth_limiter: Option<Arc<AuthRateLimiter>>,
    /// Permits for bcrypt work running at once (`PASSWORD_HASH_CONCURRENCY`).
    pub password_slots: Arc<Semaphore>,
    /// Recently counted list totals (`LIST_TOTALS_TTL_SECS`).
    pub list_totals: ListTotals,
}

impl AppState {
    /// Runs CPU-heavy password work (bcrypt) on the blocking pool, at most
    /// `PASSWORD_HASH_CONCURRENCY` at a time.
    ///
    /// Off the async workers, a login never stalls other requests' I/O; and
    /// with fewer slots than cores, a flood of logins queues here instead of
    /// taking every core from the requests that need none.
    ///
    /// # Errors
    /// `500` if the blocking pool fails.
    pub async fn password_work<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _permit = self
            .password_slots
            .acquire()
            .await
            .map_err(|e| ApiError::internal(&e))?;
        web::block(work).await.map_err(|e| ApiError::internal(&e))
    }

    /// Lifetime of refresh tokens.
    #[must_use]
    pub fn refresh_ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.refresh_token_ttl)
            .unwrap_or_else(|_| chrono::Duration::days(30))
    }
}
