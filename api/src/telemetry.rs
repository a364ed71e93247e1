//! Request ids, per-request SQL statement counts, Prometheus metrics, and
//! the access line of each request ([`crate::logging`]).
//!
//! Each request runs inside a task-local [`RequestContext`]. SeaORM's metric
//! callback fires in the task that ran the statement, so it can add the
//! statement to the current request's count without any plumbing through the
//! handlers; the middleware then reports the total in `Server-Timing` and in
//! `/metrics`. Work a handler moves to another task (`web::block`) is not
//! counted, which is right: it runs no SQL. Work that does, moved to a
//! task of its own, carries the context along ([`within_request`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::FromRequest as _;
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use sea_orm::DatabaseConnection;
use service::ClientMeta;

use crate::auth::Client;
use crate::logging::Access;

/// The header carrying the request id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// What one request knows about itself while it runs.
#[derive(Debug)]
pub struct RequestContext {
    /// The id echoed in `X-Request-Id` and in every problem+json body.
    pub request_id: String,
    statements: AtomicU64,
    statement_nanos: AtomicU64,
}

impl RequestContext {
    fn new(request_id: String) -> Self {
        Self {
            request_id,
            statements: AtomicU64::new(0),
            statement_nanos: AtomicU64::new(0),
        }
    }

    fn record_statement(&self, elapsed: Duration) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.statement_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Statements run so far by this request.
    #[must_use]
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn statement_time(&self) -> Duration {
        Duration::from_nanos(self.statement_nanos.load(Ordering::Relaxed))
    }
}

tokio::task_local! {
    static CONTEXT: Arc<RequestContext>;
}

/// The id of the request being handled, if called while one is.
#[must_use]
pub fn current_request_id() -> Option<String> {
    CONTEXT.try_with(|ctx| ctx.request_id.clone()).ok()
}

/// `work` inside the current request's context, if there is one: for work
/// a handler runs as a task of its own that must still count as the
/// request's (its statements, and the request id of its error bodies).
pub fn within_request<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let context = CONTEXT.try_with(Arc::clone).ok();
    async move {
        match context {
            Some(context) => CONTEXT.scope(context, work).await,
            None => work.await,
        }
    }
}

/// The process-wide metrics, registered in their own registry.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    db_statements: IntCounterVec,
    db_duration: Histogram,
    db_slow: IntCounter,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    db_reads: IntCounterVec,
    slow_query: Duration,
}

impl Metrics {
    /// Creates and registers every metric.
    ///
    /// # Panics
    /// Never in practice: the metric definitions are static and valid.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(slow_query: Duration) -> Self {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )
        .expect("valid metric");
        let db_statements = IntCounterVec::new(
            Opts::new("db_statements_total", "SQL statements executed"),
            &["outcome"],
        )
        .expect("valid metric");
        let db_duration = Histogram::with_opts(
            HistogramOpts::new(
                "db_statement_duration_seconds",
                "Time spent in one SQL statement",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0,
            ]),
        )
        .expect("valid metric");
        let db_slow = IntCounter::new(
            "db_slow_statements_total",
            "SQL statements slower than SLOW_QUERY_MS",
        )
        .expect("valid metric");
        let pool_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Open pool connections by state"),
            &["state"],
        )
        .expect("valid metric");
        let pool_max =
            IntGauge::new("db_pool_max_connections", "Pool size limit").expect("valid metric");
        let db_reads = IntCounterVec::new(
            Opts::new(
                "db_reads_total",
                "Reads of a user's data, by the database that served them",
            ),
            &["target"],
        )
        .expect("valid metric");
        // Both series exist from the start, at 0.
        for target in ["primary", "replica"] {
            db_reads.with_label_values(&[target]);
        }
        for collector in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(db_statements.clone()),
            Box::new(db_duration.clone()),
            Box::new(db_slow.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_max.clone()),
            Box::new(db_reads.clone()),
        ] {
            registry.register(collector).expect("unique metric names");
        }
        Self {
            registry,
            http_requests,
            http_duration,
            db_statements,
            db_duration,
            db_slow,
            pool_connections,
            pool_max,
            db_reads,
            slow_query,
        }
    }

    /// Records one SQL statement: called by SeaORM's metric callback.
    pub fn observe_statement(&self, info: &sea_orm::metric::Info<'_>) {
        let outcome = if info.failed { "error" } else { "ok" };
        self.db_statements.with_label_values(&[outcome]).inc();
        self.db_duration.observe(info.elapsed.as_secs_f64());
        if info.elapsed >= self.slow_query {
            self.db_slow.inc();
            log::warn!(
                "slow statement ({} ms, request {}): {}",
                info.elapsed.as_millis(),
                current_request_id().as_deref().unwrap_or("-"),
                info.statement.sql
            );
        }
        // Statements outside a request (start-up, background tasks) have no context.
        let _ = CONTEXT.try_with(|ctx| ctx.record_statement(info.elapsed));
    }

    /// Counts one read of a user's data served by `target` (`primary` or `replica`).
    pub fn observe_read(&self, target: &str) {
        self.db_reads.with_label_values(&[target]).inc();
    }

    /// The Prometheus text exposition, with the pool gauges read now.
    #[must_use]
    pub fn render(&self, pool: Option<crate::db::PoolStatus>) -> String {
        if let Some(pool) = pool {
            self.pool_connections
                .with_label_values(&["idle"])
                .set(i64::from(pool.idle));
            self.pool_connections
                .with_label_values(&["in_use"])
                .set(i64::from(pool.size.saturating_sub(pool.idle)));
            self.pool_max.set(i64::from(pool.max));
        }
        let mut buffer = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            log::error!("cannot encode metrics: {err}");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// Installs the metric callback on `db`; do it before the connection is cloned.
pub fn instrument(db: &mut DatabaseConnection, metrics: Arc<Metrics>) {
    db.set_metric_callback(move |info| metrics.observe_statement(info));
}

/// Middleware: request id, statement counting, `Server-Timing`, HTTP
/// metrics, and the access line (written here, where the request id is known).
///
/// # Errors
/// Whatever the inner service returns; errors pass through untouched.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_acceptable_request_id(v))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    // Read before the inner layers see it: `HEAD` is routed as `GET`.
    let method = method_label(req.method());
    let incoming = Incoming::of(&req);
    let context = Arc::new(RequestContext::new(request_id));

    let mut res = match CONTEXT.scope(context.clone(), next.call(req)).await {
        Ok(res) => res,
        Err(err) => {
            let status = err.as_response_error().status_code().as_u16();
            incoming.log(&context.request_id, status, None, started);
            return Err(err);
        }
    };

    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&context.request_id) {
        headers.insert(REQUEST_ID, value);
    }
    let db_ms = context.statement_time().as_secs_f64() * 1000.0;
    let n = context.statements();
    let timing = format!(
        "db;dur={db_ms:.1};desc=\"{n} {}\"",
        if n == 1 { "query" } else { "queries" }
    );
    if let Ok(value) = HeaderValue::from_str(&timing) {
        headers.insert(SERVER_TIMING, value);
    }

    if let Some(metrics) = metrics {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let status = res.status().as_u16().to_string();
        metrics
            .http_requests
            .with_label_values(&[method, route.as_str(), status.as_str()])
            .inc();
        metrics
            .http_duration
            .with_label_values(&[method, route.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }
    let bytes = match res.response().body().size() {
        BodySize::Sized(n) => Some(n),
        BodySize::None => Some(0),
        BodySize::Stream => None,
    };
    incoming.log(&context.request_id, res.status().as_u16(), bytes, started);
    Ok(res)
}

/// What the access line needs of a request, read before the inner layers
/// take it.
struct Incoming {
    method: String,
    path: String,
    target: String,
    version: String,
    client: Option<ClientMeta>,
}

impl Incoming {
    fn of(req: &ServiceRequest) -> Self {
        let uri = req.uri();
        Self {
            method: req.method().as_str().to_owned(),
            path: uri.path().to_owned(),
            target: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), ToString::to_string),
            version: format!("{:?}", req.version()),
            // The address as the audit log records it (`TRUST_PROXY_HEADERS`).
            client: Client::from_request(req.request(), &mut Payload::None)
                .into_inner()
                .ok()
                .map(|client| client.0),
        }
    }

    fn log(&self, request_id: &str, status: u16, bytes: Option<u64>, started: Instant) {
        let client = self.client.as_ref();
        Access {
            request_id,
            method: &self.method,
            path: &self.path,
            target: &self.target,
            version: &self.version,
            status,
            bytes,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            client_ip: client.and_then(|c| c.ip_address.as_deref()),
            user_agent: client.and_then(|c| c.user_agent.as_deref()),
        }
        .log();
    }
}

/// The `method` label of a request: the methods HTTP defines by their name,
/// any other under `other`. A client may send any token as a method, and
/// each new label value would be a new series in `/metrics` forever.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// A client-sent id is echoed only if it is short and printable, so it cannot
/// bloat logs or smuggle anything into headers.
fn is_acceptable_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_clients_are_checked() {
        assert!(is_acceptable_request_id("0193a-b_c.d:e"));
        assert!(!is_acceptable_request_id(""));
        assert!(!is_acceptable_request_id("a b"));
        assert!(!is_acceptable_request_id(&"x".repeat(129)));
    }

    #[test]
    fn methods_outside_http_share_one_label() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(method_label(&Method::TRACE), "TRACE");
        for invented in ["FOO", "get", "PROPFIND"] {
            let method = Method::from_bytes(invented.as_bytes()).unwrap_or_default();
            assert_eq!(method_label(&method), "other", "{invented}");
        }
    }

    #[test]
    fn metrics_render_the_documented_names() {
        let metrics = Metrics::new(Duration::from_millis(100));
        metrics
            .http_requests
            .with_label_values(&["GET", "/health", "200"])
            .inc();
        let text = metrics.render(Some(crate::db::PoolStatus {
            size: 3,
            idle: 2,
            max: 10,
        }));
        for name in [
            "http_requests_total",
            "db_pool_connections",
            "db_pool_max_connections 10",
            "db_slow_statements_total",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
        assert!(text.contains("db_pool_connections{state=\"in_use\"} 1"));
    }
}
