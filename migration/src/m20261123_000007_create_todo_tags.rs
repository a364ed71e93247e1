//! Creates `todo_tags`, the todo–tag link table: primary key (todo_id,
//! tag_id), each side cascading, and an index on `tag_id` for the other
//! direction (the primary key serves `todo_id`).

use sea_orm_migration::prelude::*;

use crate::common::{drop_table, foreign_key, index, table, uuid};

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
                table(db, TodoTags::Table)
                    .col(uuid(TodoTags::TodoId))
                    .col(uuid(TodoTags::TagId))
                    .primary_key(
                        Index::create()
                            .name("pk_todo_tags")
                            .col(TodoTags::TodoId)
                            .col(TodoTags::TagId),
                    )
                    .foreign_key(&mut foreign_key(
                        "fk_todo_tags_todo_id",
                        TodoTags::Table,
                        TodoTags::TodoId,
                        Todos::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_todo_tags_tag_id",
                        TodoTags::Table,
                        TodoTags::TagId,
                        Tags::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_index(index(
                "ix_todo_tags_tag_id",
                TodoTags::Table,
                [TodoTags::TagId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, TodoTags::Table).await
    }
}

/// `todo_tags` as this migration made it.
#[derive(DeriveIden)]
enum TodoTags {
    Table,
    TodoId,
    TagId,
}

#[derive(DeriveIden)]
enum Todos {
    Table,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
}
