//! Creates `sessions`: one row per refresh token (stored as its SHA-256),
//! grouped in families of rotations; deleted with their user.

use sea_orm_migration::prelude::*;

use crate::common::{
    drop_table, foreign_key, index, table, timestamp, timestamp_now, timestamp_null, uuid, uuid_pk,
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
                table(db, Sessions::Table)
                    .col(uuid_pk(Sessions::Id))
                    .col(uuid(Sessions::UserId))
                    // Hex SHA-256: always 64 characters.
                    .col(
                        ColumnDef::new(Sessions::TokenHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(uuid(Sessions::FamilyId))
                    .col(ColumnDef::new(Sessions::UserAgent).text().null())
                    // Textual IPv6 is at most 45 characters.
                    .col(ColumnDef::new(Sessions::IpAddress).string_len(64).null())
                    .col(timestamp(db, Sessions::ExpiresAt))
                    .col(timestamp_null(db, Sessions::LastUsedAt))
                    .col(timestamp_null(db, Sessions::RevokedAt))
                    .col(timestamp_now(db, Sessions::CreatedAt))
                    .col(timestamp_now(db, Sessions::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_sessions_user_id",
                        Sessions::Table,
                        Sessions::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_index(
                index(
                    "ux_sessions_token_hash",
                    Sessions::Table,
                    [Sessions::TokenHash],
                )
                .unique()
                .take(),
            )
            .await?;
        // Foreign key index; also "sign out everywhere" and the session list.
        manager
            .create_index(index(
                "ix_sessions_user_id",
                Sessions::Table,
                [Sessions::UserId],
            ))
            .await?;
        // Revoking a whole family when a rotated token is replayed.
        manager
            .create_index(index(
                "ix_sessions_family_id",
                Sessions::Table,
                [Sessions::FamilyId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Sessions::Table).await
    }
}

/// `sessions` as this migration made it.
#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    FamilyId,
    UserAgent,
    IpAddress,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}
