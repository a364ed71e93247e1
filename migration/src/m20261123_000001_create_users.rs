//! Creates `users`: accounts, with case-insensitively unique e-mail and
//! username (through the lower-cased `email` and `username_key` columns).

use sea_orm_migration::prelude::*;

use crate::common::{
    drop_table, enum_string, index, key_string, one_of, positive, table, timestamp_now,
    timestamp_null, uuid_pk, version,
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
                table(db, Users::Table)
                    .col(uuid_pk(Users::Id))
                    .col(key_string(db, Users::Email, 255))
                    .col(ColumnDef::new(Users::Username).string_len(64).not_null())
                    .col(key_string(db, Users::UsernameKey, 64))
                    .col(
                        ColumnDef::new(Users::PasswordHash)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Users::FullName).string_len(255).null())
                    .col(ColumnDef::new(Users::Bio).text().null())
                    .col(enum_string(db, Users::Status, Some("active")))
                    .col(
                        ColumnDef::new(Users::IsAdmin)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(timestamp_null(db, Users::DeletedAt))
                    .col(version(Users::Version))
                    .col(timestamp_now(db, Users::CreatedAt))
                    .col(timestamp_now(db, Users::UpdatedAt))
                    .check(one_of(
                        "ck_users_status",
                        Users::Status,
                        &["active", "inactive", "suspended"],
                    ))
                    .check(positive("ck_users_version", Users::Version))
                    .take(),
            )
            .await?;

        manager
            .create_index(
                index("ux_users_email", Users::Table, [Users::Email])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("ux_users_username_key", Users::Table, [Users::UsernameKey])
                    .unique()
                    .take(),
            )
            .await?;
        // Admin listing, newest first.
        manager
            .create_index(index(
                "ix_users_created_at",
                Users::Table,
                [Users::CreatedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Users::Table).await
    }
}

/// `users` as this migration made it.
#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Username,
    UsernameKey,
    PasswordHash,
    FullName,
    Bio,
    Status,
    IsAdmin,
    DeletedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}
