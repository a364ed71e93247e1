//! Several servers on one database: leases, the claim under a race, and
//! the claim's plan.

use std::collections::HashSet;
use std::time::Duration;

use entity::mail_outbox::MailStatus;
use sea_orm::sea_query::PostgresQueryBuilder;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryTrait,
    Statement, TransactionTrait,
};
use service::clock;
use service::mail::{self, Message};
use tests::Engine;

use crate::Setup;

#[tokio::test]
async fn a_worker_whose_lease_ran_out_cannot_overwrite_the_next_ones_result() {
    let setup = Setup::new().await;
    let id = setup.enqueue("ada@todo.test").await;
    let mut slow = setup.config.clone();
    slow.lease = Duration::from_millis(1);

    let first = mail::claim_due(setup.db(), &slow).await.expect("claim");
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = mail::claim_due(setup.db(), &setup.config)
        .await
        .expect("claim again");
    assert_eq!(second.len(), 1, "an expired lease frees the row");
    assert!(
        mail::claim_due(setup.db(), &setup.config)
            .await
            .expect("claim")
            .is_empty(),
        "a live lease holds it"
    );

    assert!(
        mail::record_sent(setup.db(), &second[0])
            .await
            .expect("record")
    );
    let late = mail::record_failure(setup.db(), &first[0], "too late", false, &setup.config)
        .await
        .expect("record");
    assert!(!late, "the first claim's lease is gone");
    let late = mail::record_sent(setup.db(), &first[0])
        .await
        .expect("record");
    assert!(!late);
    let row = setup.row(id).await;
    assert_eq!(
        (row.status, row.attempts, row.last_error),
        (MailStatus::Sent, 0, None)
    );
}

// Two runtime threads, so that the two workers really run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_deliver_each_of_200_messages_exactly_once() {
    let mut setup = Setup::new().await;
    setup.config.batch = 10;
    let mut ids = HashSet::new();
    let txn = setup.db().begin().await.expect("begin");
    for n in 0..200 {
        let message = Message::password_changed(&format!("user{n}@todo.test"), "someone");
        ids.insert(mail::enqueue(&txn, message).await.expect("enqueue"));
    }
    txn.commit().await.expect("commit");

    // On PostgreSQL and MariaDB each worker is a server of its own, with
    // its own pool; SQLite has one server by nature, so there both share
    // the database's one connection and take turns at claiming.
    let other = match Engine::current() {
        Engine::Sqlite => {
            eprintln!(
                "SQLite: both workers share one connection; the race between servers is checked on PostgreSQL and MariaDB"
            );
            setup.db().clone()
        }
        _ => {
            let mut options = ConnectOptions::new(setup.test.url.clone());
            options.sqlx_logging(false).max_connections(5);
            Database::connect(options).await.expect("a second server")
        }
    };
    let drain = |db: DatabaseConnection| {
        let (transport, config) = (setup.transport.clone(), setup.config.clone());
        async move {
            let mut attempted = 0;
            loop {
                let round = mail::deliver_due(&db, &transport, &config)
                    .await
                    .expect("a delivery round");
                if round == 0 {
                    return attempted;
                }
                attempted += round;
            }
        }
    };
    let a = tokio::spawn(drain(setup.db().clone()));
    let b = tokio::spawn(drain(other.clone()));
    let (a, b) = (a.await.expect("worker A"), b.await.expect("worker B"));
    eprintln!("worker A sent {a}, worker B sent {b}");
    if Engine::current() != Engine::Sqlite {
        other.close().await.expect("close the second server");
    }

    assert_eq!(a + b, 200);
    let received = setup.sink.messages();
    assert_eq!(received.len(), 200);
    let message_ids: HashSet<String> = received
        .iter()
        .map(|mail| mail.header("Message-ID").expect("a Message-ID"))
        .collect();
    let expected: HashSet<String> = ids.iter().map(|id| format!("<{id}@todo.test>")).collect();
    assert_eq!(message_ids, expected, "each message once");
    let summary = mail::outbox_summary(setup.db()).await.expect("summary");
    assert_eq!((summary.pending, summary.sent, summary.failed), (0, 200, 0));
}

#[tokio::test]
async fn the_claim_reads_due_rows_through_the_status_index() {
    if Engine::current() != Engine::Postgres {
        println!("skipped: the claim's plan is checked on PostgreSQL only");
        return;
    }
    let setup = Setup::new().await;
    let db = setup.db();
    // A long history of sent mail, a few messages waiting for a retry
    // later, a few due now: what a server's outbox looks like.
    for sql in [
        "INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, status, \
           attempts, next_attempt_at, sent_at, created_at, updated_at) \
         SELECT gen_random_uuid(), 'u' || g || '@todo.test', 's', 't', 'h', \
           CASE WHEN g % 1000 = 0 THEN 'pending' ELSE 'sent' END, \
           CASE WHEN g % 2000 = 0 THEN 1 ELSE 0 END, \
           now() - interval '1 day' + CASE WHEN g % 2000 = 0 THEN interval '2 days' ELSE interval '0' END, \
           now(), now(), now() \
         FROM generate_series(1, 100000) AS g",
        "ANALYZE mail_outbox",
    ] {
        setup.test.exec(sql).await.expect("seed");
    }
    let (sql, values) = mail::claim_candidates(clock::now(), 20)
        .into_query()
        .build(PostgresQueryBuilder);
    let explain =
        Statement::from_sql_and_values(DbBackend::Postgres, format!("EXPLAIN {sql}"), values);
    let plan = db
        .query_all_raw(explain)
        .await
        .expect("EXPLAIN runs")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a plan line"))
        .collect::<Vec<_>>()
        .join("\n");

    assert!(
        plan.contains("ix_mail_outbox_status_next_attempt_at") && !plan.contains("Seq Scan"),
        "the claim scans the outbox:\n{plan}"
    );
}

/// The server runs the worker itself: a message queued in the server's
/// database reaches the SMTP server named by its configuration, and the
/// worker stops with the server.
#[actix_web::test]
async fn a_running_server_delivers_what_its_outbox_holds() {
    let sink = crate::smtp_sink::SmtpSink::start().await;
    let url = sink.url();
    let app = tests::TestApp::spawn_with(|config| {
        config.mail.transport = mail::Transport::from_url(&url).expect("the sink's URL");
        config.mail.delivery.poll_interval = Duration::from_millis(50);
    })
    .await;
    let id = mail::enqueue(app.db(), Message::password_changed("ada@todo.test", "ada"))
        .await
        .expect("enqueue");
    let received = sink.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(received.len(), 1, "one message, delivered once");
    let message_id = received[0].header("Message-ID").expect("a Message-ID");
    assert!(message_id.contains(&id.to_string()), "{message_id}");
}
