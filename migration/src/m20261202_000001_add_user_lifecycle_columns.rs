//! Adds what the account lifecycle needs on `users`: `email_verified`, and
//! `deletion_scheduled_for`, the time a confirmed self-deletion is purged.
//!
//! `email_verified` is `NOT NULL DEFAULT TRUE`: every account that existed
//! before addresses were verified counts as verified (the backfill is the
//! default). The service writes the column explicitly on every insert, so
//! new registrations start unverified whatever the default says.

use sea_orm_migration::prelude::*;

use crate::common::timestamp_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::EmailVerified)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_null(db, Users::DeletionScheduledFor))
                    .take(),
            )
            .await?;
        // The purge's scan: accounts whose time has come.
        manager
            .create_index(
                Index::create()
                    .name("ix_users_deletion_scheduled_for")
                    .table(Users::Table)
                    .col(Users::DeletionScheduledFor)
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_users_deletion_scheduled_for")
                    .table(Users::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Users::DeletionScheduledFor, Users::EmailVerified] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}

/// `users` as this migration changes it.
#[derive(DeriveIden)]
enum Users {
    Table,
    EmailVerified,
    DeletionScheduledFor,
}
