//! Several server processes on one database behave as one:
//!
//! - two deliver an outbox of 200 messages through an SMTP server that
//!   first refuses mail, then disappears, then comes back: nothing is lost
//!   and nothing is sent twice;
//! - three count the auth rate limit together: the attempt past the limit
//!   is refused whichever of them it reaches;
//! - a list total one of three remembers is never served after another
//!   answered a write of the user.
//!
//! It runs the real server binary, named by `API_BIN` (`.ci/run` sets it to
//! the release build, and runs this target on PostgreSQL and MariaDB after
//! the suite); without it the test says so and checks nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Shared with the mail tests; this binary reads only envelopes and headers.
#[allow(dead_code)]
#[path = "support/smtp_sink.rs"]
mod smtp_sink;

#[path = "support/server_process.rs"]
mod server_process;

// Three servers sharing the auth rate limit and list totals.
#[path = "processes/shared_state.rs"]
mod shared_state;

use std::collections::HashSet;
use std::time::Duration;

use chrono::TimeDelta;
use entity::mail_outbox::{self, MailStatus};
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use service::clock;
use service::mail::{self, Message};
use tests::{Engine, TestDb};

use server_process::Server;
use smtp_sink::SmtpSink;

const MESSAGES: usize = 200;

/// How many messages have `status`, and the fewest attempts among them.
async fn outbox(db: &DatabaseConnection, status: MailStatus) -> (usize, i32) {
    let rows = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Status.eq(status))
        .all(db)
        .await
        .expect("read the outbox");
    let fewest = rows.iter().map(|row| row.attempts).min().unwrap_or(0);
    (rows.len(), fewest)
}

/// Waits (up to 60 s) until every message is pending with at least
/// `attempts` failed attempts.
async fn until_all_failed(db: &DatabaseConnection, attempts: i32) {
    for _ in 0..600 {
        if outbox(db, MailStatus::Pending).await == (MESSAGES, attempts) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "not every message failed {attempts} time(s): {:?}",
        outbox(db, MailStatus::Pending).await
    );
}

/// Makes every pending message due now, as if its backoff had passed.
async fn skip_backoff(db: &DatabaseConnection) {
    mail_outbox::Entity::update_many()
        .col_expr(
            mail_outbox::Column::NextAttemptAt,
            Expr::value(clock::now() - TimeDelta::seconds(1)),
        )
        .filter(mail_outbox::Column::Status.eq(MailStatus::Pending))
        .exec(db)
        .await
        .expect("rewind the backoff");
}

#[tokio::test]
async fn two_servers_deliver_every_message_once_through_refusals_and_an_outage() {
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
    let db = &test.db;
    Migrator::up(db, None).await.expect("migrate");
    let sink = SmtpSink::start().await;
    sink.refuse(451);

    let mut ids = HashSet::new();
    let txn = db.begin().await.expect("begin");
    for n in 0..MESSAGES {
        let message = Message::password_changed(&format!("user{n}@todo.test"), "someone");
        ids.insert(mail::enqueue(&txn, message).await.expect("enqueue"));
    }
    txn.commit().await.expect("commit");
    let smtp_url = sink.url();
    let mail = [
        ("SMTP_URL", smtp_url.as_str()),
        ("MAIL_FROM", "Todo <noreply@todo.test>"),
    ];
    let servers = [
        Server::start(&binary, &test.url, &mail),
        Server::start(&binary, &test.url, &mail),
    ];

    // Refused: every message stays pending, one attempt spent.
    until_all_failed(db, 1).await;
    assert!(sink.messages().is_empty());
    // Gone: a connection that is refused costs another attempt.
    sink.stop().await;
    skip_backoff(db).await;
    until_all_failed(db, 2).await;
    // Back: everything goes out, once.
    sink.resume().await;
    sink.accept();
    skip_backoff(db).await;
    sink.wait_for(MESSAGES, Duration::from_secs(60)).await;
    for _ in 0..100 {
        if outbox(db, MailStatus::Sent).await.0 == MESSAGES {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for a duplicate to show, had one been sent.
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(servers);

    let received = sink.messages();
    assert_eq!(received.len(), MESSAGES, "nothing lost, nothing twice");
    let message_ids: HashSet<String> = received
        .iter()
        .map(|mail| mail.header("Message-ID").expect("a Message-ID"))
        .collect();
    let expected: HashSet<String> = ids.iter().map(|id| format!("<{id}@todo.test>")).collect();
    assert_eq!(message_ids, expected, "each message exactly once");
    assert_eq!(outbox(db, MailStatus::Sent).await.0, MESSAGES);
}

/// Two servers on one database share `Idempotency-Key`s: fifty copies of
/// one request spread over both create one todo.
mod idempotent_retries {
    use std::net::TcpListener;
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    use awc::Client;
    use entity::todo;
    use futures_util::future::join_all;
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{EntityTrait, PaginatorTrait};
    use serde_json::{Value, json};
    use tests::{Engine, TestDb};

    /// A server process listening on `address`; killed when dropped.
    struct Api {
        child: Child,
        address: String,
    }

    impl Api {
        /// Starts `binary` on `database_url` (already migrated), on a free
        /// port, with the secret every server of a deployment shares.
        fn start(binary: &str, database_url: &str) -> Self {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("a free port")
                .port();
            let child = Command::new(binary)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("DATABASE_URL", database_url)
                .env("HOST", "127.0.0.1")
                .env("PORT", port.to_string())
                .env("JWT_SECRET", "processes-secret-that-is-at-least-32-bytes")
                .env("BCRYPT_COST", "4")
                .env("AUTH_RATE_LIMIT_PER_MINUTE", "0")
                .env("RUST_LOG", "error")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
            Self {
                child,
                address: format!("http://127.0.0.1:{port}"),
            }
        }

        /// Waits (up to 30 s) until the server answers `/health`.
        async fn ready(&self, client: &Client) {
            for _ in 0..300 {
                let health = client.get(format!("{}/health", self.address)).send().await;
                if health.is_ok_and(|res| res.status().is_success()) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("the server at {} did not come up", self.address);
        }
    }

    impl Drop for Api {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// `POST path` on `api` with a JSON body: the status and the body.
    async fn post(
        client: &Client,
        api: &Api,
        path: &str,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> (u16, Value) {
        let mut req = client.post(format!("{}{path}", api.address));
        for header in headers {
            req = req.insert_header(*header);
        }
        let mut res = req
            .send_json(body)
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let bytes = res.body().await.expect("a body");
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (res.status().as_u16(), value)
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
        let servers = [
            Api::start(&binary, &test.url),
            Api::start(&binary, &test.url),
        ];
        let client = Client::builder().timeout(Duration::from_secs(30)).finish();
        for server in &servers {
            server.ready(&client).await;
        }

        let account =
            json!({ "email": "ada@todo.test", "username": "ada", "password": "correct-horse-1" });
        let (registered, _) =
            post(&client, &servers[0], "/api/v1/auth/register", &[], &account).await;
        assert_eq!(registered, 201);
        let login = json!({ "email": "ada@todo.test", "password": "correct-horse-1" });
        let (logged_in, tokens) =
            post(&client, &servers[1], "/api/v1/auth/login", &[], &login).await;
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
        let answers = join_all(
            (0..50).map(|n| post(&client, &servers[n % 2], "/api/v1/todos", &headers, &body)),
        )
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
}
