//! Replaces the index of `todo_tags` on `tag_id` with one on
//! `(tag_id, todo_id)`: the tag filter of the todo list, the todo counts of
//! tags and tag merges all go from tags to the todos carrying them, and with
//! `todo_id` in the index they read it alone (an index-only scan on
//! PostgreSQL) instead of visiting the table for every link. The new index
//! still leads with `tag_id`, so it serves the foreign key as the old one
//! did; it is created before the old one is dropped because MySQL refuses
//! to leave a foreign key without an index.

use sea_orm_migration::prelude::*;

use crate::common::index;

const OLD: &str = "ix_todo_tags_tag_id";
const NEW: &str = "ix_todo_tags_tag_id_todo_id";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                NEW,
                TodoTags::Table,
                [TodoTags::TagId, TodoTags::TodoId],
            ))
            .await?;
        manager
            .drop_index(Index::drop().name(OLD).table(TodoTags::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(OLD, TodoTags::Table, [TodoTags::TagId]))
            .await?;
        manager
            .drop_index(Index::drop().name(NEW).table(TodoTags::Table).to_owned())
            .await
    }
}

/// `todo_tags` as this migration found it.
#[derive(DeriveIden)]
enum TodoTags {
    Table,
    TodoId,
    TagId,
}
