//! Liveness, readiness, metrics and the API documentation.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::pool_status;
use crate::error::{ApiError, ErrorKind, Problem};
use crate::reads::ReplicaStatus;
use crate::state::AppState;

/// Whether an instance serves: `ok`, or `unavailable` (readiness only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServingStatus {
    /// It serves.
    Ok,
    /// It cannot serve requests that need the database.
    Unavailable,
}

/// Liveness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the process serves.
    pub status: ServingStatus,
}

/// Readiness answer: whether this instance can serve requests that need the database.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ok`, or `unavailable` (database unreachable or migrations pending).
    pub status: ServingStatus,
    /// The database as seen from this instance.
    pub database: DatabaseStatus,
    /// Schema state; absent when the database cannot be read.
    pub migrations: Option<MigrationCounts>,
    /// Each read replica (`DATABASE_REPLICA_URLS`) as of its last health
    /// check; absent without replicas. A replica that is down or lags does
    /// not make the instance unready: its reads go to the primary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Vec<ReplicaStatus>>,
}

/// Readiness refused: a problem (`code` `unavailable`) whose extra members
/// say which check failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotReady {
    /// The problem members every error answer has.
    #[serde(flatten)]
    pub problem: Problem,
    /// The database as seen from this instance.
    pub database: DatabaseStatus,
    /// Schema state; absent when the database cannot be read.
    pub migrations: Option<MigrationCounts>,
    /// Each read replica as of its last health check; absent without replicas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Vec<ReplicaStatus>>,
}

/// Reachability and pool of the database.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseStatus {
    /// Whether a ping succeeded.
    pub connected: bool,
    /// Round trip of the ping in milliseconds (absent when it failed).
    pub latency_ms: Option<f64>,
    /// Connection pool counters.
    pub pool: PoolCounts,
}

/// Connection pool counters.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolCounts {
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Upper bound.
    pub max: u32,
}

/// How many migrations are applied and pending.
#[derive(Debug, Serialize, ToSchema)]
pub struct MigrationCounts {
    /// Applied migrations.
    pub applied: usize,
    /// Migrations not yet applied (the instance is not ready while any are).
    pub pending: usize,
    /// Names of the pending migrations, in the order they would run.
    pub pending_names: Vec<String>,
}

/// Liveness
///
/// The process is alive. Touches no database, so a database outage does not
/// make an orchestrator restart the server.
#[utoipa::path(
    security(()),
    tag = "system",
    responses((status = 200, description = "The process serves", body = Health))
)]
#[get("/health")]
pub async fn health() -> web::Json<Health> {
    web::Json(Health {
        status: ServingStatus::Ok,
    })
}

/// Readiness
///
/// The instance is ready to serve: the database answers and the schema is at
/// the migration this build expects. `503` (with `Retry-After`) otherwise,
/// with the failing check named. With read replicas, each is listed with
/// its lag and whether reads go to it; a replica down or behind does not
/// make the instance unready, as the primary serves its reads.
#[utoipa::path(
    security(()),
    tag = "system",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "Database unreachable or migrations pending: a problem whose extra members `database` and `migrations` hold the readiness details",
         body = NotReady, content_type = "application/problem+json"),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let ping = service::system::ping(&state.db).await;
    let migrations = match &ping {
        Ok(_) => service::system::migration_state(&state.db).await.ok(),
        Err(_) => None,
    };
    let pool = pool_status(&state.db).map_or(
        PoolCounts {
            size: 0,
            idle: 0,
            max: 0,
        },
        |p| PoolCounts {
            size: p.size,
            idle: p.idle,
            max: p.max,
        },
    );
    let migrations = migrations.map(|m| MigrationCounts {
        applied: m.applied.len(),
        pending: m.pending.len(),
        pending_names: m.pending,
    });
    let connected = ping.is_ok() && migrations.is_some();
    let is_ready = connected && migrations.as_ref().is_some_and(|m| m.pending == 0);
    let database = DatabaseStatus {
        connected,
        latency_ms: ping.ok().map(|d| (d.as_secs_f64() * 1e5).round() / 100.0),
        pool,
    };
    let replicas = state.reads.has_replicas().then(|| state.reads.status());
    if is_ready {
        return HttpResponse::Ok().json(Readiness {
            status: ServingStatus::Ok,
            database,
            migrations,
            replicas,
        });
    }
    let detail = if connected {
        "migrations are pending"
    } else {
        "the database is unreachable"
    };
    let not_ready = NotReady {
        problem: ApiError::new(ErrorKind::Unavailable, detail).problem(),
        database,
        migrations,
        replicas,
    };
    HttpResponse::ServiceUnavailable()
        .content_type("application/problem+json")
        .insert_header((
            header::RETRY_AFTER,
            crate::error::UNAVAILABLE_RETRY_AFTER_SECS.to_string(),
        ))
        .json(not_ready)
}

/// Metrics
///
/// Prometheus metrics in the text exposition format: requests by route,
/// method and status, their latency, SQL statements and their latency, and
/// slow statements.
#[utoipa::path(
    security(()),
    tag = "system",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(pool_status(&state.db)))
}

/// Documentation
///
/// The interactive documentation (Swagger UI) lives at `/docs/`; this sends
/// browsers there with a `308`.
#[utoipa::path(
    security(()),
    tag = "system",
    responses(
        (status = 200, description = "The documentation page (after the redirect)", body = String, content_type = "text/html"),
        (status = 308, description = "Redirect to `/docs/`", headers(("Location" = String))),
    )
)]
#[get("/docs")]
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// OpenAPI document
///
/// The OpenAPI 3.1 document of this API, generated from the routes the server
/// runs: what a client generator reads.
#[utoipa::path(
    security(()),
    tag = "system",
    responses((status = 200, description = "The OpenAPI document", body = serde_json::Value))
)]
#[get("/api-docs/openapi.json")]
pub async fn openapi_json(doc: web::Data<crate::openapi::Published>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(doc.json())
}
