//! Creates `categories`: a user's categories, unique per user by `name_key`
//! (the trimmed, lower-cased name); deleted with their user.

use sea_orm_migration::prelude::*;

use crate::common::{
    drop_table, foreign_key, index, key_string, positive, table, timestamp_now, uuid, uuid_pk,
    version,
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
                table(db, Categories::Table)
                    .col(uuid_pk(Categories::Id))
                    .col(uuid(Categories::UserId))
                    .col(ColumnDef::new(Categories::Name).string_len(100).not_null())
                    .col(key_string(db, Categories::NameKey, 100))
                    .col(ColumnDef::new(Categories::Color).string_len(32).null())
                    .col(version(Categories::Version))
                    .col(timestamp_now(db, Categories::CreatedAt))
                    .col(timestamp_now(db, Categories::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_categories_user_id",
                        Categories::Table,
                        Categories::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(positive("ck_categories_version", Categories::Version))
                    .take(),
            )
            .await?;

        // Led by user_id: also the foreign key index and the per-user list's.
        manager
            .create_index(
                index(
                    "ux_categories_user_id_name_key",
                    Categories::Table,
                    [Categories::UserId, Categories::NameKey],
                )
                .unique()
                .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Categories::Table).await
    }
}

/// `categories` as this migration made it.
#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    UserId,
    Name,
    NameKey,
    Color,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}
