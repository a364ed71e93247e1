//! Creates `api_keys`: keys for scripts and integrations, stored as their
//! SHA-256 with a short clear prefix to tell them apart; deleted with their
//! user.

use sea_orm_migration::prelude::*;

use crate::common::{
    drop_table, foreign_key, index, table, timestamp_now, timestamp_null, uuid, uuid_pk,
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
        manager
            .create_table(
                table(db, ApiKeys::Table)
                    .col(uuid_pk(ApiKeys::Id))
                    .col(uuid(ApiKeys::UserId))
                    .col(ColumnDef::new(ApiKeys::Name).string_len(100).not_null())
                    .col(ColumnDef::new(ApiKeys::Prefix).string_len(8).not_null())
                    // Hex SHA-256: always 64 characters.
                    .col(ColumnDef::new(ApiKeys::KeyHash).string_len(64).not_null())
                    // Scope `write` besides `read` (every key may read).
                    .col(ColumnDef::new(ApiKeys::CanWrite).boolean().not_null())
                    .col(timestamp_null(db, ApiKeys::ExpiresAt))
                    .col(timestamp_null(db, ApiKeys::LastUsedAt))
                    .col(timestamp_null(db, ApiKeys::RevokedAt))
                    .col(timestamp_now(db, ApiKeys::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_api_keys_user_id",
                        ApiKeys::Table,
                        ApiKeys::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ux_api_keys_key_hash", ApiKeys::Table, [ApiKeys::KeyHash])
                    .unique()
                    .take(),
            )
            .await?;
        // Foreign key index; also the owner's list and live-key count.
        manager
            .create_index(index(
                "ix_api_keys_user_id",
                ApiKeys::Table,
                [ApiKeys::UserId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, ApiKeys::Table).await
    }
}

/// `api_keys` as this migration made it.
#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    UserId,
    Name,
    Prefix,
    KeyHash,
    CanWrite,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}
