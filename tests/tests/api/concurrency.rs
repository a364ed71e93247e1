//! Many writers at once: no 5xx, no lost update, no lost or extra history row.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_web::http::Method;
use futures_util::future::join_all;
use serde_json::{Value, json};
use tests::{Engine, TestApp, TestUser};

const CLIENTS: usize = 32;
const RUN_FOR: Duration = Duration::from_secs(20);

/// What the clients saw succeed, per todo.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    changes: i64,
    status_changes: i64,
}

struct Outcome {
    tallies: HashMap<String, Tally>,
    requests: u64,
    server_errors: Vec<String>,
}

fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// One client: picks a todo, reads it, and writes to it conditionally on the
/// version it read; only writes the server acknowledged are counted.
async fn client(app: &TestApp, user: &TestUser, ids: Vec<String>, seed: u64) -> Outcome {
    let mut outcome = Outcome {
        tallies: HashMap::new(),
        requests: 0,
        server_errors: Vec::new(),
    };
    let mut ids = ids;
    let mut rng = seed;
    let mut next = move |n: usize| {
        // xorshift: deterministic per client, no dependency needed.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        usize::try_from(rng % n as u64).unwrap()
    };
    let deadline = Instant::now() + RUN_FOR;
    while Instant::now() < deadline {
        outcome.requests += 1;
        if next(10) == 0 {
            let res = app
                .post_as(user, "/api/v1/todos", &json!({"title": "made under load"}))
                .await;
            if res.status.is_server_error() {
                outcome.server_errors.push(res.text());
            } else if res.status == 201 {
                let id = res.json()["id"].as_str().unwrap().to_owned();
                outcome.tallies.entry(id.clone()).or_default();
                ids.push(id);
            }
            continue;
        }
        let id = ids[next(ids.len())].clone();
        let path = format!("/api/v1/todos/{id}");
        let current = app.get_as(user, &path).await;
        outcome.requests += 1;
        if current.status.is_server_error() {
            outcome.server_errors.push(current.text());
            continue;
        }
        let todo = current.json();
        if !todo["deleted_at"].is_null() {
            continue;
        }
        let version = todo["version"].as_i64().unwrap();
        let status = todo["status"].as_str().unwrap().to_owned();
        let (res, status_change) = match next(4) {
            0 => {
                let title = format!("edited {}", next(1000));
                let body = json!({"title": title, "version": version});
                (app.patch_as(user, &path, &body).await, false)
            }
            1 => {
                let to = if status == "pending" {
                    "in_progress"
                } else {
                    "pending"
                };
                let body = json!({"status": to, "version": version});
                (app.patch_as(user, &path, &body).await, true)
            }
            2 => {
                let action = if status == "completed" {
                    "reopen"
                } else {
                    "complete"
                };
                let req = app
                    .request(Method::POST, &format!("{path}/{action}"))
                    .bearer_auth(&user.token)
                    .insert_header(("If-Match", etag(version)));
                (app.send(req, None).await, true)
            }
            _ => {
                if next(8) != 0 {
                    continue; // deletes are rarer, or the pool would empty
                }
                let req = app
                    .request(Method::DELETE, &path)
                    .bearer_auth(&user.token)
                    .insert_header(("If-Match", etag(version)));
                (app.send(req, None).await, false)
            }
        };
        if res.status.is_server_error() {
            outcome
                .server_errors
                .push(format!("{}: {}", res.status, res.text()));
        } else if res.status.is_success() {
            let tally = outcome.tallies.entry(id).or_default();
            tally.changes += 1;
            tally.status_changes += i64::from(status_change);
        } else {
            assert!(
                matches!(res.status.as_u16(), 409 | 412),
                "a losing writer is told 409 or 412, got {}: {}",
                res.status,
                res.text()
            );
        }
    }
    outcome
}

#[actix_web::test]
async fn thirty_two_concurrent_writers_lose_no_update_and_no_history() {
    if Engine::current() == Engine::Sqlite {
        eprintln!(
            "concurrency test skipped: SQLite serialises writers; run it with TEST_DATABASE_URL (PostgreSQL or MariaDB)"
        );
        return;
    }
    let app = TestApp::spawn_with(|c| c.db.max_connections = 16).await;
    let user = app.signup("busy").await;
    let mut ids = Vec::new();
    for i in 0..40 {
        let res = app
            .post_as(
                &user,
                "/api/v1/todos",
                &json!({"title": format!("todo {i}")}),
            )
            .await;
        res.assert_status(201);
        ids.push(res.json()["id"].as_str().unwrap().to_owned());
    }

    let outcomes = join_all((0..CLIENTS).map(|n| {
        client(
            &app,
            &user,
            ids.clone(),
            0x9E37_79B9_7F4A_7C15 ^ (n as u64 + 1),
        )
    }))
    .await;

    let mut tallies: HashMap<String, Tally> = ids
        .iter()
        .map(|id| (id.clone(), Tally::default()))
        .collect();
    let mut requests = 0;
    for outcome in outcomes {
        assert!(
            outcome.server_errors.is_empty(),
            "5xx answers: {:?}",
            outcome.server_errors
        );
        requests += outcome.requests;
        for (id, tally) in outcome.tallies {
            let total = tallies.entry(id).or_default();
            total.changes += tally.changes;
            total.status_changes += tally.status_changes;
        }
    }
    eprintln!(
        "{requests} requests by {CLIENTS} clients over {RUN_FOR:?}, {} todos",
        tallies.len()
    );
    assert!(requests > 1000, "the load ran: {requests} requests");

    let mut changed = 0;
    for (id, tally) in &tallies {
        let todo: Value = app
            .get_as(&user, &format!("/api/v1/todos/{id}"))
            .await
            .json();
        assert_eq!(
            todo["version"].as_i64().unwrap(),
            1 + tally.changes,
            "todo {id}: version = 1 + its acknowledged updates"
        );
        let history = app
            .get_as(&user, &format!("/api/v1/todos/{id}/history"))
            .await
            .json();
        let history = history.as_array().unwrap();
        assert_eq!(
            history.len() as i64,
            tally.status_changes,
            "todo {id}: one history row per acknowledged status change"
        );
        // The rows form one chain ending in the current status.
        let mut status = "pending".to_owned();
        for row in history {
            assert_eq!(
                row["from_status"],
                status.as_str(),
                "todo {id}: {history:?}"
            );
            status = row["to_status"].as_str().unwrap().to_owned();
        }
        assert_eq!(todo["status"], status.as_str());
        changed += i64::from(tally.changes > 0);
    }
    assert!(changed > 20, "most todos saw writes: {changed}");
}
