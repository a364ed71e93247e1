//! Creates `tags`: a user's tags, unique per user by `name_key` (the
//! trimmed, lower-cased name); deleted with their user.

use sea_orm_migration::prelude::*;

use crate::common::{
    drop_table, foreign_key, index, key_string, table, timestamp_now, uuid, uuid_pk,
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
                table(db, Tags::Table)
                    .col(uuid_pk(Tags::Id))
                    .col(uuid(Tags::UserId))
                    .col(ColumnDef::new(Tags::Name).string_len(100).not_null())
                    .col(key_string(db, Tags::NameKey, 100))
                    .col(timestamp_now(db, Tags::CreatedAt))
                    .col(timestamp_now(db, Tags::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_tags_user_id",
                        Tags::Table,
                        Tags::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        // Led by user_id: also the foreign key index and the per-user list's.
        manager
            .create_index(
                index(
                    "ux_tags_user_id_name_key",
                    Tags::Table,
                    [Tags::UserId, Tags::NameKey],
                )
                .unique()
                .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Tags::Table).await
    }
}

/// `tags` as this migration made it.
#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    UserId,
    Name,
    NameKey,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}
