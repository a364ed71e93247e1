//! Creates `idempotency_keys`: the answer kept for each `Idempotency-Key` a
//! user sent with a create, so that a retry gets the same answer instead of
//! a second resource; deleted with their user, and by housekeeping once
//! they expire.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::common::{
    drop_table, foreign_key, index, key_string, table, timestamp, timestamp_now, uuid, uuid_pk,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // A kept answer may be a bulk create of 1000 todos: far more than
        // MySQL's `TEXT` (64 KiB) holds. `text` is unbounded elsewhere.
        let mut body = ColumnDef::new(IdempotencyKeys::Body);
        if db == DbBackend::MySql {
            body.custom("longtext");
        } else {
            body.text();
        }
        manager
            .create_table(
                table(db, IdempotencyKeys::Table)
                    .col(uuid_pk(IdempotencyKeys::Id))
                    .col(uuid(IdempotencyKeys::UserId))
                    // Compared exactly, as sent: binary on MySQL.
                    .col(key_string(db, IdempotencyKeys::Key, 255))
                    // Hex SHA-256 of the request: always 64 characters.
                    .col(
                        ColumnDef::new(IdempotencyKeys::Fingerprint)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::Status)
                            .small_integer()
                            .not_null(),
                    )
                    .col(body.not_null())
                    .col(
                        ColumnDef::new(IdempotencyKeys::Location)
                            .string_len(255)
                            .null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::Etag).string_len(255).null())
                    .col(timestamp_now(db, IdempotencyKeys::CreatedAt))
                    .col(timestamp(db, IdempotencyKeys::ExpiresAt))
                    .foreign_key(&mut foreign_key(
                        "fk_idempotency_keys_user_id",
                        IdempotencyKeys::Table,
                        IdempotencyKeys::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        // The lookup of a retry; also the foreign key's index.
        manager
            .create_index(
                index(
                    "ux_idempotency_keys_user_id_key",
                    IdempotencyKeys::Table,
                    [IdempotencyKeys::UserId, IdempotencyKeys::Key],
                )
                .unique()
                .take(),
            )
            .await?;
        // Housekeeping deletes what expired.
        manager
            .create_index(index(
                "ix_idempotency_keys_expires_at",
                IdempotencyKeys::Table,
                [IdempotencyKeys::ExpiresAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, IdempotencyKeys::Table).await
    }
}

/// `idempotency_keys` as this migration made it.
#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    UserId,
    Key,
    Fingerprint,
    Status,
    Body,
    Location,
    Etag,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}
