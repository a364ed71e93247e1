//! Creates `rate_limits`: the attempts counted against the auth rate limit,
//! per bucket (`ip:<address>` or `user:<id>`) and window, shared by every
//! server on the database. A bucket is only a string: no foreign key, and
//! nothing to delete with a user (rows expire within minutes and the
//! housekeeping round deletes them, through the index on `window_start`).

use sea_orm_migration::prelude::*;

use crate::common::{drop_table, index, key_string, table, timestamp};

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
                table(db, RateLimits::Table)
                    // `user:` and a UUID is 41 characters, `ip:` and an
                    // IPv6 address at most 42; binary on MySQL, so that the
                    // key means the same as on the other engines.
                    .col(key_string(db, RateLimits::Bucket, 64))
                    .col(timestamp(db, RateLimits::WindowStart))
                    .col(ColumnDef::new(RateLimits::Attempts).integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(RateLimits::Bucket)
                            .col(RateLimits::WindowStart),
                    )
                    .take(),
            )
            .await?;
        // The housekeeping round deletes old windows by their start.
        manager
            .create_index(index(
                "ix_rate_limits_window_start",
                RateLimits::Table,
                [RateLimits::WindowStart],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, RateLimits::Table).await
    }
}

/// `rate_limits` as this migration made it.
#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Bucket,
    WindowStart,
    Attempts,
}
