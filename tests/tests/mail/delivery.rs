//! Delivery: what is sent, when, and what a failure leaves behind.

use std::time::Duration;

use chrono::TimeDelta;
use entity::mail_outbox::{self, MailStatus};
use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};
use service::clock;
use service::mail::{self, Message, Transport};

use crate::{LINK, Setup};

#[tokio::test]
async fn mail_of_a_rolled_back_event_is_never_sent_and_of_a_committed_one_once() {
    let setup = Setup::new().await;
    let db = setup.db();

    let txn = db.begin().await.expect("begin");
    mail::enqueue(
        &txn,
        Message::verify_email("ghost@todo.test", "ghost", LINK),
    )
    .await
    .expect("enqueue");
    txn.rollback().await.expect("rollback");

    let txn = db.begin().await.expect("begin");
    let id = mail::enqueue(&txn, Message::verify_email("ada@todo.test", "ada", LINK))
        .await
        .expect("enqueue");
    txn.commit().await.expect("commit");

    assert_eq!(setup.deliver().await, 1);
    assert_eq!(setup.deliver().await, 0, "nothing is left to send");
    let received = setup.sink.messages();
    assert_eq!(received.len(), 1, "{received:#?}");
    let mail = &received[0];
    assert_eq!(mail.mail_from, "noreply@todo.test");
    assert_eq!(mail.rcpt_to, ["ada@todo.test"]);
    assert_eq!(
        mail.header("Message-ID").as_deref(),
        Some(format!("<{id}@todo.test>").as_str())
    );
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Confirm your email address")
    );
    assert!(
        mail.header("Content-Type")
            .is_some_and(|kind| kind.starts_with("multipart/alternative")),
        "{}",
        mail.data
    );
    let text = mail.part("text/plain").expect("a text part");
    assert!(text.contains("Hello ada,"), "{text}");
    assert!(
        text.lines().any(|line| line == LINK),
        "the link stands on a line of its own:\n{text}"
    );
    let html = mail.part("text/html").expect("an HTML part");
    assert!(html.contains(&format!(r#"<a href="{LINK}">"#)), "{html}");

    let row = setup.row(id).await;
    assert_eq!(row.status, MailStatus::Sent);
    assert!(row.sent_at.is_some());
    assert_eq!((row.attempts, row.lease_until), (0, None));
    assert!(
        row.text_body.is_empty() && row.html_body.is_empty(),
        "the tokens in the links are not kept"
    );
    let everything = mail_outbox::Entity::find().all(db).await.expect("read");
    assert_eq!(everything.len(), 1, "the rolled-back row is gone");
}

#[tokio::test]
async fn a_refused_message_stays_pending_and_goes_out_once_the_server_accepts_again() {
    for code in [451, 554] {
        let setup = Setup::new().await;
        let id = setup.enqueue("ada@todo.test").await;
        setup.sink.refuse(code);

        let before = clock::now();
        assert_eq!(setup.deliver().await, 1);

        let row = setup.row(id).await;
        assert_eq!(row.status, MailStatus::Pending, "after {code}");
        assert_eq!(row.attempts, 1);
        assert_eq!(row.lease_until, None);
        let error = row.last_error.clone().expect("the error is kept");
        assert!(error.contains(&code.to_string()), "{error}");
        // The first retry waits the backoff's base (30 s by default).
        let wait = row.next_attempt_at - before;
        assert!(
            wait >= TimeDelta::seconds(30) && wait < TimeDelta::seconds(40),
            "{wait}"
        );
        assert_eq!(setup.deliver().await, 0, "not before its time");

        setup.sink.accept();
        setup.skip_backoff().await;
        assert_eq!(setup.deliver().await, 1);
        assert_eq!(setup.sink.messages().len(), 1, "sent once");
        let row = setup.row(id).await;
        assert_eq!(row.status, MailStatus::Sent);
        assert_eq!(row.attempts, 1, "the failed attempt is still counted");
    }
}

#[tokio::test]
async fn a_server_that_is_down_costs_an_attempt_and_delivery_resumes_when_it_is_back() {
    let setup = Setup::new().await;
    let id = setup.enqueue("ada@todo.test").await;
    setup.sink.stop().await;

    assert_eq!(setup.deliver().await, 1);
    let row = setup.row(id).await;
    assert_eq!((row.status, row.attempts), (MailStatus::Pending, 1));
    assert!(row.last_error.is_some());

    setup.sink.resume().await;
    setup.skip_backoff().await;
    assert_eq!(setup.deliver().await, 1);
    assert_eq!(setup.sink.messages().len(), 1);
    assert_eq!(setup.row(id).await.status, MailStatus::Sent);
}

#[tokio::test]
async fn a_message_that_cannot_be_addressed_fails_at_once() {
    let setup = Setup::new().await;
    let refused = mail::enqueue(
        setup.db(),
        Message::password_changed("not an address", "ada"),
    )
    .await;
    assert!(refused.is_err(), "enqueue checks the address");

    // A row written some other way, with a recipient lettre cannot parse.
    let now = clock::now();
    let id = clock::new_id();
    mail_outbox::Entity::insert(mail_outbox::ActiveModel {
        id: Set(id),
        recipient: Set("no at sign".to_owned()),
        subject: Set("s".to_owned()),
        text_body: Set("t".to_owned()),
        html_body: Set("<p>h</p>".to_owned()),
        status: Set(MailStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(setup.db())
    .await
    .expect("insert");

    assert_eq!(setup.deliver().await, 1);
    let row = setup.row(id).await;
    assert_eq!((row.status, row.attempts), (MailStatus::Failed, 1));
    assert!(setup.sink.messages().is_empty());
}

#[tokio::test]
async fn the_worker_delivers_until_it_is_told_to_stop() {
    let mut setup = Setup::new().await;
    setup.config.poll_interval = Duration::from_millis(50);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = {
        let (db, transport, config) = (
            setup.db().clone(),
            setup.transport.clone(),
            setup.config.clone(),
        );
        tokio::spawn(async move {
            mail::run_worker(&db, &transport, &config, async {
                let _ = stopped.await;
            })
            .await;
        })
    };

    setup.enqueue("ada@todo.test").await;
    setup.sink.wait_for(1, Duration::from_secs(10)).await;
    setup.enqueue("bob@todo.test").await;
    let received = setup.sink.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(received[1].rcpt_to, ["bob@todo.test"]);

    stop.send(()).expect("the worker listens");
    tokio::time::timeout(Duration::from_secs(5), worker)
        .await
        .expect("the worker stops promptly")
        .expect("the worker did not panic");
}

#[tokio::test]
async fn the_log_transport_counts_mail_as_sent_without_a_server() {
    let setup = Setup::new().await;
    let id = setup.enqueue("ada@todo.test").await;

    let attempted = mail::deliver_due(setup.db(), &Transport::log(), &setup.config)
        .await
        .expect("a round");

    assert_eq!(attempted, 1);
    assert_eq!(setup.row(id).await.status, MailStatus::Sent);
    assert!(setup.sink.messages().is_empty());
}
