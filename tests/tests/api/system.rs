//! Health, readiness, metrics, request ids, timing and the error envelope.

use actix_web::http::Method;
use api::startup::StartupError;
use tests::{TestApp, TestDb};

#[actix_web::test]
async fn health_answers_ok_without_touching_the_database() {
    let app = TestApp::spawn().await;
    let res = app.get("/health").await;
    res.assert_status(200);
    assert_eq!(res.json()["status"], "ok");
    assert_eq!(res.statements(), 0);
}

#[actix_web::test]
async fn readiness_reports_database_pool_and_migrations() {
    let app = TestApp::spawn().await;
    let res = app.get("/health/ready").await;
    res.assert_status(200);
    let body = res.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"]["connected"], true);
    assert!(body["database"]["latency_ms"].as_f64().is_some());
    assert!(body["database"]["pool"]["max"].as_u64().unwrap() >= 1);
    assert!(body["migrations"]["applied"].as_u64().unwrap() >= 1);
    assert_eq!(body["migrations"]["pending"], 0);
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_server_timing() {
    let app = TestApp::spawn().await;
    let res = app.get("/health/ready").await;
    let id = res.header("x-request-id").expect("generated request id");
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "a UUID: {id}");
    let timing = res.header("server-timing").expect("server timing");
    assert!(timing.starts_with("db;dur="), "{timing}");
    assert!(
        res.statements() >= 1,
        "readiness queries the database: {timing}"
    );

    let req = app
        .request(Method::GET, "/health")
        .insert_header(("X-Request-Id", "client-chosen-id-42"));
    let res = app.send(req, None).await;
    assert_eq!(
        res.header("x-request-id").as_deref(),
        Some("client-chosen-id-42")
    );
}

#[actix_web::test]
async fn an_unknown_route_is_a_problem_with_the_request_id() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/nowhere").await;
    let body = res.assert_problem(404, "not_found");
    assert_eq!(body["type"], "about:blank");
    assert_eq!(body["title"], "Not Found");
}

#[actix_web::test]
async fn metrics_expose_requests_by_route_pattern_and_database_statements() {
    let app = TestApp::spawn().await;
    app.get("/health/ready").await.assert_status(200);
    app.get("/api/v1/nowhere/zq0193x").await;
    let res = app.get("/metrics").await;
    res.assert_status(200);
    let text = res.text();
    for expected in [
        r#"http_requests_total{method="GET",route="/health/ready",status="200"} 1"#,
        r#"route="unmatched",status="404""#,
        "http_request_duration_seconds_bucket",
        "db_statements_total{outcome=\"ok\"}",
        "db_statement_duration_seconds_bucket",
        "db_slow_statements_total",
        "db_pool_connections{state=\"idle\"}",
        "db_pool_connections{state=\"in_use\"}",
        "db_pool_max_connections",
        "db_reads_total{target=\"primary\"} 0",
        "db_reads_total{target=\"replica\"} 0",
    ] {
        assert!(
            text.contains(expected),
            "{expected} missing from /metrics:\n{text}"
        );
    }
    assert!(!text.contains("zq0193x"), "raw paths never become labels");
}

#[actix_web::test]
async fn slow_statements_are_counted() {
    // Every statement is "slow" at 0 ms.
    let app = TestApp::spawn_with(|c| c.slow_query = std::time::Duration::ZERO).await;
    app.get("/health/ready").await.assert_status(200);
    let text = app.get("/metrics").await.text();
    let line = text
        .lines()
        .find(|l| l.starts_with("db_slow_statements_total "))
        .expect("slow counter");
    let count: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1, "{line}");
}

#[actix_web::test]
async fn cors_preflight_allows_configured_origins_only() {
    let app = TestApp::spawn_with(|c| {
        c.cors_allowed_origins = vec!["https://app.example".to_owned()];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/v1/todos")
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "POST"))
    };
    let res = app.send(preflight("https://app.example"), None).await;
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some("https://app.example")
    );
    let res = app.send(preflight("https://evil.example"), None).await;
    assert_eq!(res.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn a_start_with_pending_migrations_and_auto_migrate_off_is_refused() {
    let database = TestDb::fresh().await;
    let mut config = tests::test_config(&database.url);
    config.auto_migrate = false;
    let err = api::startup::prepare(config)
        .await
        .expect_err("pending migrations");
    assert!(matches!(err, StartupError::PendingMigrations { .. }));
    let message = err.to_string();
    assert!(
        message.contains("migration -- up"),
        "names the command: {message}"
    );
}

#[actix_web::test]
async fn readiness_is_503_while_migrations_are_pending() {
    use migration::{Migrator, MigratorTrait};
    let app = TestApp::spawn().await;
    Migrator::down(app.db(), Some(1))
        .await
        .expect("roll back one");
    let res = app.get("/health/ready").await;
    let body = res.assert_problem(503, "unavailable");
    assert_eq!(res.header("retry-after").as_deref(), Some("2"));
    assert_eq!(body["detail"], "migrations are pending");
    assert_eq!(body["database"]["connected"], true);
    assert_eq!(body["migrations"]["pending"], 1);
    assert_eq!(
        body["migrations"]["pending_names"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    Migrator::up(app.db(), None).await.expect("apply again");
    app.get("/health/ready").await.assert_status(200);

    // The document describes that body: the problem's members and the two
    // readiness ones.
    let doc = app.get("/api-docs/openapi.json").await.json();
    let answer = &doc["paths"]["/health/ready"]["get"]["responses"]["503"];
    assert_eq!(
        answer["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/NotReady"
    );
    let schema = &doc["components"]["schemas"]["NotReady"];
    let text = schema.to_string();
    for member in ["database", "migrations", "Problem"] {
        assert!(text.contains(member), "NotReady names {member}: {schema}");
    }
}

/// A client that goes away mid-request drops the request's future wherever
/// it is, also half-way through a statement. The connection must go back to
/// the pool in step with the database (or be closed), never hand the next
/// request a reply that was meant for the one before.
#[actix_web::test]
async fn a_statement_cut_off_half_way_leaves_the_pool_usable() {
    use futures_util::FutureExt as _;
    use sea_orm::{ConnectionTrait, Statement};

    let app = TestApp::spawn().await;
    let mut pool = app.state.config.db.clone();
    pool.max_connections = 1;
    pool.min_connections = 1;
    let metrics = std::sync::Arc::new(api::telemetry::Metrics::new(
        std::time::Duration::from_secs(1),
    ));
    let db = api::db::connect(&app.state.config.database_url, &pool, metrics)
        .await
        .expect("connects");
    let backend = db.get_database_backend();
    for round in 0..20 {
        // Polled once: the statement is sent, its reply not yet read.
        let cut_off = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT 'cut off {round}' AS n"),
            ))
            .now_or_never();
        drop(cut_off);
        let row = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT 'answer {round}' AS n"),
            ))
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"))
            .expect("a row");
        let n: String = row.try_get("", "n").expect("n");
        assert_eq!(
            n,
            format!("answer {round}"),
            "the reply of another statement"
        );
    }
}

#[actix_web::test]
async fn reads_of_users_data_are_counted_by_the_database_that_served_them() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    for path in [
        "/api/v1/todos",
        "/api/v1/todos/stats",
        "/api/v1/tags",
        "/api/v1/sync",
    ] {
        app.get_as(&ada, path).await.assert_status(200);
    }
    // Not a read of todos, categories or tags: not counted.
    app.get_as(&ada, "/api/v1/users/me")
        .await
        .assert_status(200);
    let text = app.get("/metrics").await.text();
    assert!(
        text.contains("db_reads_total{target=\"primary\"} 4"),
        "{text}"
    );
    assert!(
        text.contains("db_reads_total{target=\"replica\"} 0"),
        "{text}"
    );
    // Without replicas, readiness lists none.
    let ready = app.get("/health/ready").await;
    assert!(ready.json().get("replicas").is_none());
}
