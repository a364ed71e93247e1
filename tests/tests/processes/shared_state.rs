//! Three server processes on one PostgreSQL or MariaDB database count one
//! auth rate limit, and none serves a list total it remembers after
//! another answered a write of the user.

use actix_web::http::Method;
use migration::{Migrator, MigratorTrait};
use serde_json::json;
use tests::{Engine, PASSWORD, TestDb, TestResponse};

use crate::server_process::{self, Server};

/// The server binary to run, or `None` (the test then says it is skipped).
fn server_binary(test: &str) -> Option<String> {
    let binary = std::env::var("API_BIN").ok();
    if binary.is_none() {
        eprintln!("{test} skipped: API_BIN (the server binary) is not set");
    }
    binary
}

/// A fresh, migrated PostgreSQL or MariaDB database, and three healthy
/// servers on it sharing one token secret, with `env` besides.
async fn three_servers(
    binary: &str,
    env: &[(&str, &str)],
    client: &awc::Client,
) -> (TestDb, Vec<Server>) {
    assert_ne!(
        Engine::current(),
        Engine::Sqlite,
        "server processes share a PostgreSQL or MariaDB database"
    );
    let test = TestDb::fresh().await;
    Migrator::up(&test.db, None).await.expect("migrate");
    let mut shared = vec![
        ("JWT_SECRET", "processes-test-secret-at-least-32-bytes"),
        ("BCRYPT_COST", "4"),
    ];
    shared.extend_from_slice(env);
    let mut servers: Vec<Server> = (0..3)
        .map(|_| Server::start(binary, &test.url, &shared))
        .collect();
    for server in &mut servers {
        server.until_healthy(client).await;
    }
    (test, servers)
}

/// `POST /api/v1/auth/login` on `server` from `ip` (as our proxy saw it).
async fn login(client: &awc::Client, server: &Server, ip: &str, password: &str) -> TestResponse {
    let req = server
        .request(client, Method::POST, "/api/v1/auth/login")
        .insert_header(("X-Forwarded-For", ip.to_owned()));
    let body = json!({ "email": "ada@example.com", "password": password });
    server_process::send(req, Some(&body)).await
}

#[actix_web::test]
async fn three_servers_count_one_auth_rate_limit() {
    let Some(binary) = server_binary("the shared rate-limit test") else {
        return;
    };
    let client = server_process::client();
    let env = [
        ("AUTH_RATE_LIMIT_PER_MINUTE", "20"),
        ("TRUST_PROXY_HEADERS", "true"),
    ];
    let (_test, servers) = three_servers(&binary, &env, &client).await;
    // Registered from another address: the logins below have all 20.
    let register = servers[0]
        .request(&client, Method::POST, "/api/v1/auth/register")
        .insert_header(("X-Forwarded-For", "198.51.100.1"));
    let account = json!({ "email": "ada@example.com", "username": "ada", "password": PASSWORD });
    server_process::send(register, Some(&account))
        .await
        .assert_status(201);

    let ip = "203.0.113.7";
    for n in 0..20 {
        let (password, expected) = if n % 2 == 0 {
            (PASSWORD, 200)
        } else {
            ("wrong-pass-1", 401)
        };
        let res = login(&client, &servers[n % 3], ip, password).await;
        assert_eq!(
            res.status.as_u16(),
            expected,
            "attempt {} through server {}: {}",
            n + 1,
            n % 3,
            res.text()
        );
    }
    let limited = login(&client, &servers[20 % 3], ip, PASSWORD).await;
    limited.assert_problem(429, "rate_limited");
    let wait: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    for (n, server) in servers.iter().enumerate() {
        let res = login(&client, server, ip, PASSWORD).await;
        assert_eq!(res.status.as_u16(), 429, "server {n}: {}", res.text());
    }
    login(&client, &servers[0], "198.51.100.2", PASSWORD)
        .await
        .assert_status(200);
}

/// `GET /api/v1/todos?size=2` on `server` as the holder of `token`: the
/// total, and the statements it cost.
async fn listed(client: &awc::Client, server: &Server, token: &str) -> (u64, u64) {
    let req = server
        .request(client, Method::GET, "/api/v1/todos?size=2")
        .bearer_auth(token);
    let res = server_process::send(req, None).await;
    res.assert_status(200);
    let total = res.json()["total"].as_u64().expect("a total");
    (total, res.statements())
}

/// `POST /api/v1/todos` on `server`: the new todo's path.
async fn created(client: &awc::Client, server: &Server, token: &str, title: &str) -> String {
    let req = server
        .request(client, Method::POST, "/api/v1/todos")
        .bearer_auth(token);
    let res = server_process::send(req, Some(&json!({ "title": title }))).await;
    res.assert_status(201);
    format!(
        "/api/v1/todos/{}",
        res.json()["id"].as_str().expect("an id")
    )
}

#[actix_web::test]
async fn a_total_remembered_by_one_server_is_not_served_after_another_wrote() {
    let Some(binary) = server_binary("the shared list-totals test") else {
        return;
    };
    let client = server_process::client();
    let env = [
        ("LIST_TOTALS_TTL_SECS", "60"),
        ("AUTH_RATE_LIMIT_PER_MINUTE", "0"),
    ];
    let (_test, servers) = three_servers(&binary, &env, &client).await;
    let (a, b, c) = (&servers[0], &servers[1], &servers[2]);
    let register = a.request(&client, Method::POST, "/api/v1/auth/register");
    let account = json!({ "email": "ada@example.com", "username": "ada", "password": PASSWORD });
    server_process::send(register, Some(&account))
        .await
        .assert_status(201);
    let tokens = login(&client, a, "unused", PASSWORD).await;
    tokens.assert_status(200);
    let token = tokens.json()["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    for n in 0..3 {
        created(&client, a, &token, &format!("first {n}")).await;
    }

    // Statements of a list of B's: from memory, the page (which reads the
    // write sequence on the way) and its tags; after a write elsewhere,
    // the count as well.
    let (from_memory, counted) = (2, 3);
    let mut expected = 3;
    for round in 0..4 {
        listed(&client, b, &token).await;
        let (total, statements) = listed(&client, b, &token).await;
        assert_eq!(total, expected, "round {round}: B remembers");
        assert_eq!(statements, from_memory, "round {round}: B skips the count");

        let path = created(&client, a, &token, &format!("round {round}")).await;
        expected += 1;
        let seen = listed(&client, b, &token).await;
        assert_eq!(
            seen,
            (expected, counted),
            "round {round}: B sees A's create"
        );
        assert_eq!(listed(&client, b, &token).await, (expected, from_memory));

        created(&client, c, &token, &format!("round {round}, again")).await;
        expected += 1;
        let seen = listed(&client, b, &token).await;
        assert_eq!(
            seen,
            (expected, counted),
            "round {round}: B sees C's create"
        );

        let delete = c
            .request(&client, Method::DELETE, &path)
            .bearer_auth(&token);
        server_process::send(delete, None).await.assert_status(204);
        expected -= 1;
        let seen = listed(&client, b, &token).await;
        assert_eq!(
            seen,
            (expected, counted),
            "round {round}: B sees C's delete"
        );
        let (total, _) = listed(&client, a, &token).await;
        assert_eq!(total, expected, "round {round}: and so does A");
    }
}
