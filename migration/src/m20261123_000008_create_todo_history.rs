//! Creates `todo_history`: one row per status change of a todo, deleted
//! with the todo, read per todo in time order.

use sea_orm_migration::prelude::*;

use crate::common::{
    drop_table, enum_string, foreign_key, index, one_of, table, timestamp, uuid, uuid_pk,
};

/// The todo statuses of this day (the same set as `todos`' check).
const STATUSES: &[&str] = &["pending", "in_progress", "completed", "archived"];

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
                table(db, TodoHistory::Table)
                    .col(uuid_pk(TodoHistory::Id))
                    .col(uuid(TodoHistory::TodoId))
                    .col(enum_string(db, TodoHistory::FromStatus, None))
                    .col(enum_string(db, TodoHistory::ToStatus, None))
                    .col(timestamp(db, TodoHistory::ChangedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_todo_history_todo_id",
                        TodoHistory::Table,
                        TodoHistory::TodoId,
                        Todos::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .check(one_of(
                        "ck_todo_history_from_status",
                        TodoHistory::FromStatus,
                        STATUSES,
                    ))
                    .check(one_of(
                        "ck_todo_history_to_status",
                        TodoHistory::ToStatus,
                        STATUSES,
                    ))
                    .take(),
            )
            .await?;

        // A todo's history in order; also the foreign key index.
        manager
            .create_index(index(
                "ix_todo_history_todo_id_changed_at",
                TodoHistory::Table,
                [TodoHistory::TodoId, TodoHistory::ChangedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, TodoHistory::Table).await
    }
}

/// `todo_history` as this migration made it.
#[derive(DeriveIden)]
enum TodoHistory {
    Table,
    Id,
    TodoId,
    FromStatus,
    ToStatus,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Todos {
    Table,
}
