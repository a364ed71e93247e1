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

// Two servers sharing `Idempotency-Key`s.
#[path = "processes/idempotent_retries.rs"]
mod idempotent_retries;

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
