//! Reads on a real PostgreSQL streaming replica (`DATABASE_REPLICA_URLS`).
//!
//! `.ci/replica` makes the replica: a second cluster that replays the
//! primary's WAL 300 ms late on purpose (`recovery_min_apply_delay`), so
//! every write here is read while the replica does not hold it yet.
//! `.ci/run` runs this target after the suite with `TEST_DATABASE_URL` (the
//! primary), `TEST_REPLICA_URL` (the replica's server, e.g.
//! `postgres://postgres@127.0.0.1:5433`) and, for the test that stops the
//! replica, `TEST_REPLICA_STOP_CMD` / `TEST_REPLICA_START_CMD`, one test at
//! a time. Without them each test says so and checks nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tests::{Engine, TestApp, TestDb, TestUser, test_config};

/// How many write-then-read rounds the read-your-writes test runs.
const ROUNDS: usize = 1_000;

fn replica_base() -> Option<String> {
    let url = std::env::var("TEST_REPLICA_URL").ok()?;
    if url.trim().is_empty() {
        return None;
    }
    assert_eq!(
        Engine::current(),
        Engine::Postgres,
        "TEST_REPLICA_URL needs a PostgreSQL TEST_DATABASE_URL"
    );
    Some(url)
}

fn run(command: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(command)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed: {status}");
}

/// The first replica as `/health/ready` reports it.
async fn replica_status(app: &TestApp) -> Value {
    let ready = app.get("/health/ready").await;
    ready.assert_status(200);
    ready.json()["replicas"][0].clone()
}

/// Waits (up to `within`) until `/health/ready` says `in_use` is `wanted`.
async fn until_in_use(app: &TestApp, wanted: bool, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let status = replica_status(app).await;
        if status["in_use"] == wanted {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica's in_use stayed {}: {status}",
            !wanted
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `db_reads_total{target}` of `app`.
async fn reads(app: &TestApp, target: &str) -> u64 {
    let text = app.get("/metrics").await.text();
    let series = format!("db_reads_total{{target=\"{target}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in /metrics"))
}

/// A connection straight to the replica's copy of `app`'s database.
async fn replica_db(app: &TestApp) -> DatabaseConnection {
    let url = app.state.config.replica_urls[0].as_str().to_owned();
    Database::connect(url)
        .await
        .expect("connect to the replica")
}

/// Whether the replica holds the todo `id` yet.
async fn replica_has(replica: &DatabaseConnection, id: &str) -> bool {
    let sql = format!("SELECT 1 FROM todos WHERE id = '{id}'");
    replica
        .query_one_raw(Statement::from_string(replica.get_database_backend(), sql))
        .await
        .expect("read the replica")
        .is_some()
}

async fn create(app: &TestApp, user: &TestUser, title: &str) -> Value {
    let created = app
        .post_as(user, "/api/v1/todos", &json!({ "title": title }))
        .await;
    created.assert_status(201);
    created.json()
}

#[actix_web::test]
async fn nobody_reads_their_own_write_stale_from_a_lagging_replica() {
    let Some(replica) = replica_base() else {
        eprintln!("replica test skipped: TEST_REPLICA_URL is not set");
        return;
    };
    // Two servers behind one load balancer, both reading from the replica.
    let one = TestApp::spawn_with_replica(&replica, |_| {}).await;
    let two = one.spawn_beside(|_| {}).await;
    until_in_use(&one, true, Duration::from_secs(60)).await;
    until_in_use(&two, true, Duration::from_secs(60)).await;
    let writer = one.signup("writer").await;
    let reader = one.signup("reader").await;
    create(&one, &reader, "the reader's only todo").await;
    let direct = replica_db(&one).await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let replica_reads = reads(&two, "replica").await;
    let mut behind = 0;
    for round in 0..ROUNDS {
        // Written through one server, read at once through the other.
        let (write_via, read_via) = if round % 2 == 0 {
            (&one, &two)
        } else {
            (&two, &one)
        };
        let title = format!("round {round}");
        let todo = create(write_via, &writer, &title).await;
        let id = todo["id"].as_str().unwrap();
        if round % 10 == 0 && !replica_has(&direct, id).await {
            behind += 1;
        }
        let read = read_via
            .get_as(&writer, &format!("/api/v1/todos/{id}"))
            .await;
        read.assert_status(200);
        assert_eq!(read.json()["title"], title.as_str(), "round {round}");
        if round % 25 == 0 {
            let page = read_via.get_as(&writer, "/api/v1/todos?size=1").await;
            page.assert_status(200);
            assert_eq!(page.json()["total"], round + 1, "round {round}");
            let stats = read_via.get_as(&writer, "/api/v1/todos/stats").await;
            stats.assert_status(200);
        }
        // Somebody else, who wrote nothing lately, reads from the replica.
        let others = read_via.get_as(&reader, "/api/v1/todos").await;
        others.assert_status(200);
        assert_eq!(others.json()["total"], 1);
    }
    assert!(
        behind > 0,
        "the replica never lagged behind a write: the test proved nothing"
    );
    assert!(
        reads(&two, "replica").await > replica_reads + 100,
        "the reader's reads did not go to the replica"
    );

    // Once the replica has replayed the writer's last write, their reads go
    // to it too.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = reads(&one, "replica").await;
    let page = one.get_as(&writer, "/api/v1/todos?size=1").await;
    assert_eq!(page.json()["total"], ROUNDS);
    assert_eq!(reads(&one, "replica").await, before + 1);
}

#[actix_web::test]
async fn a_replica_further_behind_than_the_limit_is_skipped() {
    let Some(replica) = replica_base() else {
        eprintln!("replica test skipped: TEST_REPLICA_URL is not set");
        return;
    };
    // The replica replays 300 ms late: past a limit of 100 ms while writes flow.
    let app = TestApp::spawn_with_replica(&replica, |config| {
        config.replica_max_lag = Duration::from_millis(100);
    })
    .await;
    until_in_use(&app, true, Duration::from_secs(60)).await;
    let writer = app.signup("writer").await;
    let reader = app.signup("reader").await;
    let stop = Arc::new(AtomicBool::new(false));
    let writes = {
        let (app_url, token, stop) = (app.address.clone(), writer.token.clone(), stop.clone());
        actix_web::rt::spawn(async move {
            let client = awc::Client::default();
            while !stop.load(Ordering::Relaxed) {
                let sent = client
                    .post(format!("{app_url}/api/v1/todos"))
                    .bearer_auth(&token)
                    .send_json(&json!({ "title": "keeps the WAL flowing" }))
                    .await;
                assert_eq!(sent.expect("write").status().as_u16(), 201);
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let lagging = loop {
        let status = replica_status(&app).await;
        if status["connected"] == true && status["in_use"] == false {
            break status;
        }
        assert!(Instant::now() < deadline, "never seen lagging: {status}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(lagging["lag_ms"].as_u64().unwrap() > 100, "{lagging}");
    // While it lags, even a user who wrote nothing reads from the primary.
    let before = reads(&app, "replica").await;
    let mut skipped = false;
    for _ in 0..50 {
        if replica_status(&app).await["in_use"] == false {
            app.get_as(&reader, "/api/v1/todos")
                .await
                .assert_status(200);
            skipped |= reads(&app, "replica").await == before;
        }
    }
    stop.store(true, Ordering::Relaxed);
    writes.await.unwrap();
    assert!(skipped, "a read went to the replica while it lagged");
    // Caught up, it is used again.
    until_in_use(&app, true, Duration::from_secs(30)).await;
    app.get_as(&reader, "/api/v1/todos")
        .await
        .assert_status(200);
    assert!(reads(&app, "replica").await > before);
}

#[actix_web::test]
async fn reads_move_to_the_primary_while_the_replica_is_down_and_back_after() {
    let Some(replica) = replica_base() else {
        eprintln!("replica test skipped: TEST_REPLICA_URL is not set");
        return;
    };
    let (Ok(stop_cmd), Ok(start_cmd)) = (
        std::env::var("TEST_REPLICA_STOP_CMD"),
        std::env::var("TEST_REPLICA_START_CMD"),
    ) else {
        eprintln!("replica outage test skipped: TEST_REPLICA_STOP_CMD / _START_CMD are not set");
        return;
    };
    let app = TestApp::spawn_with_replica(&replica, |_| {}).await;
    until_in_use(&app, true, Duration::from_secs(60)).await;
    let user = app.signup("reader").await;
    create(&app, &user, "read all along").await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    // A client reads without pause from before the stop until after the return.
    let stop = Arc::new(AtomicBool::new(false));
    let (answered, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let reader = {
        let (url, token) = (app.address.clone(), user.token.clone());
        let (stop, answered, failed) = (stop.clone(), answered.clone(), failed.clone());
        actix_web::rt::spawn(async move {
            let client = awc::Client::default();
            while !stop.load(Ordering::Relaxed) {
                let mut got = client
                    .get(format!("{url}/api/v1/todos"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("an answer");
                let body: Value = got.json().await.expect("a JSON body");
                if got.status().as_u16() == 200 && body["total"] == 1 {
                    answered.fetch_add(1, Ordering::Relaxed);
                } else {
                    eprintln!("read failed: {} {body}", got.status());
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let on_replica = reads(&app, "replica").await;
    assert!(
        on_replica > 0,
        "no read went to the replica before the stop"
    );

    run(&stop_cmd);
    let outcome = std::panic::AssertUnwindSafe(async {
        let deadline = Instant::now() + Duration::from_secs(10);
        while replica_status(&app).await["connected"] == true {
            assert!(
                Instant::now() < deadline,
                "the stopped replica still counts as connected"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let status = replica_status(&app).await;
        assert_eq!(status["in_use"], false, "{status}");
        assert!(status["lag_ms"].is_null(), "{status}");
        let (replica_then, primary_then) =
            (reads(&app, "replica").await, reads(&app, "primary").await);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(reads(&app, "replica").await, replica_then);
        assert!(reads(&app, "primary").await > primary_then + 10);
    });
    let down = futures_util::FutureExt::catch_unwind(outcome).await;
    run(&start_cmd);
    if let Err(panic) = down {
        std::panic::resume_unwind(panic);
    }

    until_in_use(&app, true, Duration::from_secs(60)).await;
    let back = reads(&app, "replica").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    reader.await.unwrap();
    assert!(
        reads(&app, "replica").await > back,
        "the replica was not used again"
    );
    assert_eq!(failed.load(Ordering::Relaxed), 0, "reads failed meanwhile");
    assert!(answered.load(Ordering::Relaxed) > 100);
}

#[actix_web::test]
async fn replicas_of_a_database_that_is_not_postgresql_are_refused_at_start() {
    if Engine::current() != Engine::Sqlite {
        return;
    }
    let database = TestDb::fresh().await;
    let mut config = test_config(&database.url);
    config.replica_urls = vec!["postgres://postgres@127.0.0.1:1/todo".into()];
    let refused = api::startup::prepare(config).await.expect_err("refused");
    assert!(
        format!("{refused:?}").contains("DATABASE_REPLICA_URLS"),
        "{refused:?}"
    );
}
