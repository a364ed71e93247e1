//! What operators do with the outbox: retry failed mail, purge sent mail,
//! migrate the table.

use std::time::Duration;

use chrono::TimeDelta;
use entity::mail_outbox::{self, MailStatus};
use migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm::EntityTrait;
use service::clock;
use service::mail;
use tests::TestDb;
use uuid::Uuid;

use crate::Setup;

#[tokio::test]
async fn after_its_last_attempt_a_message_fails_until_an_operator_queues_it_again() {
    let mut setup = Setup::new().await;
    setup.config.max_attempts = 3;
    setup.config.retry_base = Duration::ZERO;
    let id = setup.enqueue("ada@todo.test").await;
    setup.sink.refuse(451);

    for _ in 0..3 {
        assert_eq!(setup.deliver().await, 1);
    }
    let row = setup.row(id).await;
    assert_eq!((row.status, row.attempts), (MailStatus::Failed, 3));
    assert_eq!(
        setup.deliver().await,
        0,
        "a failed message is not tried again"
    );

    let summary = mail::outbox_summary(setup.db()).await.expect("summary");
    assert_eq!((summary.pending, summary.sent, summary.failed), (0, 0, 1));
    let failed = &summary.failed_messages[0];
    assert_eq!((failed.id, failed.attempts), (id, 3));
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("451"))
    );

    setup.sink.accept();
    assert_eq!(mail::retry_failed(setup.db()).await.expect("retry"), 1);
    let summary = mail::outbox_summary(setup.db()).await.expect("summary");
    assert_eq!((summary.pending, summary.failed), (1, 0));
    assert_eq!(summary.pending_messages[0].attempts, 0);

    assert_eq!(setup.deliver().await, 1);
    assert_eq!(setup.sink.messages().len(), 1);
    let summary = mail::outbox_summary(setup.db()).await.expect("summary");
    assert_eq!((summary.pending, summary.sent, summary.failed), (0, 1, 0));
}

#[tokio::test]
async fn sent_mail_is_purged_after_its_retention_and_pending_mail_is_kept() {
    let setup = Setup::new().await;
    let sent = setup.enqueue("ada@todo.test").await;
    setup.deliver().await;
    let pending = setup.enqueue("bob@todo.test").await;

    let purged = mail::purge_sent_before(setup.db(), clock::now() + TimeDelta::seconds(1))
        .await
        .expect("purge");

    assert_eq!(purged, 1);
    let left: Vec<Uuid> = mail_outbox::Entity::find()
        .all(setup.db())
        .await
        .expect("read")
        .into_iter()
        .map(|row| row.id)
        .collect();
    assert_eq!(left, [pending]);
    assert_ne!(sent, pending);
}

#[tokio::test]
async fn the_outbox_migration_goes_down_and_up_again() {
    let test = TestDb::fresh().await;
    let db = &test.db;
    Migrator::up(db, None).await.expect("up");
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect();
    let position = names
        .iter()
        .position(|name| name.ends_with("_create_mail_outbox"))
        .expect("the outbox migration is registered");
    let steps = u32::try_from(names.len() - position).expect("a few");
    let manager = SchemaManager::new(db);

    Migrator::down(db, Some(steps)).await.expect("down");
    assert!(!manager.has_table("mail_outbox").await.expect("has_table"));
    Migrator::up(db, None).await.expect("up again");
    assert!(manager.has_table("mail_outbox").await.expect("has_table"));
}
