//! The mail outbox and its worker, end to end: rows written in transactions,
//! delivered over real SMTP to a local sink, on the engine `TEST_DATABASE_URL`
//! names (SQLite by default, PostgreSQL or MariaDB).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/smtp_sink.rs"]
mod smtp_sink;

mod accounts;
mod deletion;
mod delivery;
mod operations;
mod recovery;
mod servers;
mod verification;

use chrono::TimeDelta;
use entity::mail_outbox::{self, MailStatus};
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use service::clock;
use service::mail::{self, MailConfig, Message, Transport};
use uuid::Uuid;

use smtp_sink::SmtpSink;
use tests::TestDb;

pub(crate) const LINK: &str =
    "https://app.todo.test/verify-email?token=q1w2e3r4t5y6u7i8o9p0AsDfGhJkLzXc";

/// A migrated database, a sink, and a worker's settings pointing at it.
pub(crate) struct Setup {
    pub(crate) test: TestDb,
    pub(crate) sink: SmtpSink,
    pub(crate) transport: Transport,
    pub(crate) config: MailConfig,
}

impl Setup {
    pub(crate) async fn new() -> Self {
        let test = TestDb::fresh().await;
        Migrator::up(&test.db, None).await.expect("migrate");
        let sink = SmtpSink::start().await;
        let transport = Transport::from_url(&sink.url()).expect("the sink's URL");
        let config = MailConfig::new("Todo <noreply@todo.test>").expect("a sender");
        Self {
            test,
            sink,
            transport,
            config,
        }
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.test.db
    }

    /// One round of the worker.
    pub(crate) async fn deliver(&self) -> usize {
        mail::deliver_due(self.db(), &self.transport, &self.config)
            .await
            .expect("a delivery round")
    }

    /// Queues a verification mail to `to`, committed.
    pub(crate) async fn enqueue(&self, to: &str) -> Uuid {
        mail::enqueue(self.db(), Message::verify_email(to, "ada", LINK))
            .await
            .expect("enqueue")
    }

    pub(crate) async fn row(&self, id: Uuid) -> mail_outbox::Model {
        mail_outbox::Entity::find_by_id(id)
            .one(self.db())
            .await
            .expect("read the outbox")
            .expect("the row exists")
    }

    /// Makes every pending message due now, as if its backoff had passed.
    pub(crate) async fn skip_backoff(&self) {
        mail_outbox::Entity::update_many()
            .col_expr(
                mail_outbox::Column::NextAttemptAt,
                Expr::value(clock::now() - TimeDelta::seconds(1)),
            )
            .filter(mail_outbox::Column::Status.eq(MailStatus::Pending))
            .exec(self.db())
            .await
            .expect("rewind");
    }
}
