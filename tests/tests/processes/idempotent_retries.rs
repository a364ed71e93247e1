//! Two servers on one database share `Idempotency-Key`s: fifty copies of
//! one request spread over both create one todo.

use actix_web::http::Method;
use entity::todo;
use futures_util::future::join_all;
use migration::{Migrator, MigratorTrait};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tests::{Engine, TestDb};

use crate::server_process::{self, Server};

/// `POST path` on `server` with `headers` and a JSON body: the status and the body.
async fn post(
    client: &awc::Client,
    server: &Server,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> (u16, Value) {
    let mut req = server.request(client, Method::POST, path);
    for header in headers {
        req = req.insert_header(*header);
    }
    let res = server_process::send(req, Some(body)).await;
    let value = serde_json::from_slice(&res.body).unwrap_or(Value::Null);
    (res.status.as_u16(), value)
}

#[actix_web::test]
async fn two_servers_run_a_create_retried_on_both_once() {
    let Ok(binary) = std::env::var("API_BIN") else {
        eprintln!("processes test skipped: API_BIN (the server binary) is not set");
        return;
    };
    assert_ne!(
        Engine::current(),
        Engine::Sqlite,
        "two processes share a PostgreSQL or MariaDB database"
    );
    let test = TestDb::fresh().await;
    Migrator::up(&test.db, None).await.expect("migrate");
    let env = [
        ("JWT_SECRET", "processes-secret-that-is-at-least-32-bytes"),
        ("BCRYPT_COST", "4"),
        ("AUTH_RATE_LIMIT_PER_MINUTE", "0"),
    ];
    let mut servers = [
        Server::start(&binary, &test.url, &env),
        Server::start(&binary, &test.url, &env),
    ];
    let client = server_process::client();
    for server in &mut servers {
        server.until_healthy(&client).await;
    }

    let account =
        json!({ "email": "ada@todo.test", "username": "ada", "password": "correct-horse-1" });
    let (registered, _) = post(&client, &servers[0], "/api/v1/auth/register", &[], &account).await;
    assert_eq!(registered, 201);
    let login = json!({ "email": "ada@todo.test", "password": "correct-horse-1" });
    let (logged_in, tokens) = post(&client, &servers[1], "/api/v1/auth/login", &[], &login).await;
    assert_eq!(logged_in, 200);
    let bearer = format!(
        "Bearer {}",
        tokens["access_token"].as_str().expect("a token")
    );
    let headers = [
        ("Authorization", bearer.as_str()),
        ("Idempotency-Key", "two-servers-one-todo"),
    ];

    let body = json!({ "title": "once, on either server", "tags": ["retried"] });
    let answers =
        join_all((0..50).map(|n| post(&client, &servers[n % 2], "/api/v1/todos", &headers, &body)))
            .await;
    let mut created: Option<&Value> = None;
    for (status, answer) in &answers {
        match status {
            201 => assert_eq!(
                *created.get_or_insert(answer),
                answer,
                "one todo, one answer"
            ),
            409 => assert!(answer["errors"]["Idempotency-Key"].is_array(), "{answer}"),
            other => panic!("answered {other}: {answer}"),
        }
    }
    assert!(created.is_some(), "one request created the todo");
    let todos = todo::Entity::find().count(&test.db).await.expect("count");
    assert_eq!(todos, 1, "exactly one todo in the database");
    drop(servers);
}
