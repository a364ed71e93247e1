//! The server survives a database restart: run alone, against PostgreSQL.
//!
//! This test stops and starts the database server itself, so it must not run
//! beside other tests on that server: it is a test target of its own, and
//! `.ci/run` runs it after the main suite with `TEST_DB_STOP_CMD` and
//! `TEST_DB_START_CMD` set (e.g. `pg_ctlcluster 15 main stop` / `start`).
//! Without them it says so and checks nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::{Duration, Instant};

use tests::{Engine, TestApp};

fn run(command: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(command)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed: {status}");
}

#[actix_web::test]
async fn the_server_answers_503_while_the_database_is_down_and_recovers_by_itself() {
    let (Ok(stop), Ok(start)) = (
        std::env::var("TEST_DB_STOP_CMD"),
        std::env::var("TEST_DB_START_CMD"),
    ) else {
        eprintln!("outage test skipped: TEST_DB_STOP_CMD / TEST_DB_START_CMD are not set");
        return;
    };
    assert_eq!(
        Engine::current(),
        Engine::Postgres,
        "the outage test runs against PostgreSQL"
    );
    let app = TestApp::spawn().await;
    app.get("/health/ready").await.assert_status(200);
    let ada = app.signup("ada").await;
    app.get_as(&ada, "/api/v1/todos").await.assert_status(200);

    run(&stop);
    let outcome = std::panic::AssertUnwindSafe(async {
        app.get("/health").await.assert_status(200);
        let ready = app.get("/health/ready").await;
        assert!(
            ready.header("retry-after").is_some(),
            "503 without Retry-After"
        );
        let body = ready.assert_problem(503, "unavailable");
        assert_eq!(body["database"]["connected"], false);
        // Requests that need the database: 503 problems, not 500s, that
        // say when to retry.
        let todos = app.get_as(&ada, "/api/v1/todos").await;
        assert!(
            todos.header("retry-after").is_some(),
            "503 without Retry-After"
        );
        todos.assert_problem(503, "unavailable");
        app.get_as(&ada, "/api/v1/users/me")
            .await
            .assert_problem(503, "unavailable");
        app.login(&ada.email, tests::PASSWORD)
            .await
            .assert_problem(503, "unavailable");
        // The process is still up and answering while the database is gone.
        app.get("/metrics").await.assert_status(200);
    });
    let result = futures_lite_catch(outcome).await;
    run(&start);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let res = app.get("/health/ready").await;
        if res.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready 30 s after the database came back: {}",
            res.text()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The same process serves API requests again, with no restart.
    app.get_as(&ada, "/api/v1/todos").await.assert_status(200);
    app.login(&ada.email, tests::PASSWORD)
        .await
        .assert_status(200);
}

/// Runs a future, catching a panic so the database is restarted before the test fails.
async fn futures_lite_catch<F: std::future::Future<Output = ()>>(
    fut: std::panic::AssertUnwindSafe<F>,
) -> std::thread::Result<()> {
    use futures_util::FutureExt as _;
    fut.catch_unwind().await
}
