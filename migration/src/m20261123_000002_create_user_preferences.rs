//! Creates `user_preferences`: one row of settings per user, keyed by the
//! user's id and deleted with the user. Every column has a default, so
//! `INSERT … (user_id)` alone makes a valid row.

use sea_orm_migration::prelude::*;

use crate::common::{drop_table, enum_string, foreign_key, one_of, table, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // The primary key is also the foreign key, so it needs no other index.
        manager
            .create_table(
                table(db, UserPreferences::Table)
                    .col(
                        ColumnDef::new(UserPreferences::UserId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(enum_string(db, UserPreferences::Theme, Some("system")))
                    .col(
                        ColumnDef::new(UserPreferences::Timezone)
                            .string_len(64)
                            .not_null()
                            .default("UTC"),
                    )
                    .col(
                        ColumnDef::new(UserPreferences::DefaultPageSize)
                            .integer()
                            .not_null()
                            .default(20),
                    )
                    .col(
                        ColumnDef::new(UserPreferences::DefaultSort)
                            .string_len(32)
                            .not_null()
                            .default("created_at"),
                    )
                    .col(
                        ColumnDef::new(UserPreferences::EmailNotifications)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(timestamp_now(db, UserPreferences::CreatedAt))
                    .col(timestamp_now(db, UserPreferences::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_user_preferences_user_id",
                        UserPreferences::Table,
                        UserPreferences::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(one_of(
                        "ck_user_preferences_theme",
                        UserPreferences::Theme,
                        &["system", "light", "dark"],
                    ))
                    .check(Check::named(
                        "ck_user_preferences_default_page_size",
                        Expr::col(UserPreferences::DefaultPageSize).between(1, 100),
                    ))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, UserPreferences::Table).await
    }
}

/// `user_preferences` as this migration made it.
#[derive(DeriveIden)]
enum UserPreferences {
    Table,
    UserId,
    Theme,
    Timezone,
    DefaultPageSize,
    DefaultSort,
    EmailNotifications,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}
