//! Creates `mail_outbox`: mail written in the same transaction as the event
//! that causes it, delivered later by a worker that claims rows with a
//! lease, so a rolled-back event sends nothing and several servers deliver
//! each message once.

use sea_orm_migration::prelude::*;

use crate::common::{
    drop_table, enum_string, index, one_of, table, timestamp, timestamp_now, timestamp_null,
    uuid_pk,
};

/// The delivery states of this day.
const STATUSES: &[&str] = &["pending", "sent", "failed"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                table(db, MailOutbox::Table)
                    .col(uuid_pk(MailOutbox::Id))
                    // RFC 5321 caps a path at 256 octets; 320 leaves room for
                    // the local part and domain maxima added up.
                    .col(
                        ColumnDef::new(MailOutbox::Recipient)
                            .string_len(320)
                            .not_null(),
                    )
                    .col(ColumnDef::new(MailOutbox::Subject).text().not_null())
                    .col(ColumnDef::new(MailOutbox::TextBody).text().not_null())
                    .col(ColumnDef::new(MailOutbox::HtmlBody).text().not_null())
                    .col(enum_string(db, MailOutbox::Status, Some("pending")))
                    .col(
                        ColumnDef::new(MailOutbox::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp(db, MailOutbox::NextAttemptAt))
                    // Set while a worker holds the row; a past value frees it.
                    .col(timestamp_null(db, MailOutbox::LeaseUntil))
                    .col(ColumnDef::new(MailOutbox::LastError).text().null())
                    .col(timestamp_null(db, MailOutbox::SentAt))
                    .col(timestamp_now(db, MailOutbox::CreatedAt))
                    .col(timestamp_now(db, MailOutbox::UpdatedAt))
                    .check(one_of(
                        "ck_mail_outbox_status",
                        MailOutbox::Status,
                        STATUSES,
                    ))
                    .check(Check::named(
                        "ck_mail_outbox_attempts",
                        Expr::col(MailOutbox::Attempts).gte(0),
                    ))
                    .take(),
            )
            .await?;

        // The worker's claim: pending rows whose time has come, oldest first.
        // Also serves the operator's counts and lists by status.
        manager
            .create_index(index(
                "ix_mail_outbox_status_next_attempt_at",
                MailOutbox::Table,
                [MailOutbox::Status, MailOutbox::NextAttemptAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, MailOutbox::Table).await
    }
}

/// `mail_outbox` as this migration made it.
#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    SentAt,
    CreatedAt,
    UpdatedAt,
}
