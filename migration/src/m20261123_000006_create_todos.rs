//! Creates `todos`, with the indexes of the list endpoint: every list is one
//! user's, filtered by status and/or due date and sorted by a timestamp, so
//! each index is led by `user_id`. On PostgreSQL those list indexes cover
//! live rows only (`deleted_at IS NULL`), which is what lists show.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::common::{
    drop_table, enum_string, foreign_key, index, live_rows_only, one_of, positive, table,
    timestamp_now, timestamp_null, uuid, uuid_null, uuid_pk, version,
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
                table(db, Todos::Table)
                    .col(uuid_pk(Todos::Id))
                    .col(uuid(Todos::UserId))
                    .col(uuid_null(Todos::CategoryId))
                    .col(ColumnDef::new(Todos::Title).string_len(255).not_null())
                    .col(ColumnDef::new(Todos::Description).text().null())
                    .col(enum_string(db, Todos::Status, Some("pending")))
                    .col(enum_string(db, Todos::Priority, Some("medium")))
                    .col(timestamp_null(db, Todos::DueDate))
                    .col(timestamp_null(db, Todos::CompletedAt))
                    .col(timestamp_null(db, Todos::DeletedAt))
                    .col(version(Todos::Version))
                    .col(timestamp_now(db, Todos::CreatedAt))
                    .col(timestamp_now(db, Todos::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_todos_user_id",
                        Todos::Table,
                        Todos::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_todos_category_id",
                        Todos::Table,
                        Todos::CategoryId,
                        Categories::Table,
                        ForeignKeyAction::SetNull,
                    ))
                    .check(one_of(
                        "ck_todos_status",
                        Todos::Status,
                        &["pending", "in_progress", "completed", "archived"],
                    ))
                    .check(one_of(
                        "ck_todos_priority",
                        Todos::Priority,
                        &["low", "medium", "high", "urgent"],
                    ))
                    .check(positive("ck_todos_version", Todos::Version))
                    .take(),
            )
            .await?;

        let list_indexes = [
            // Filter by status, then by or sorted on due date.
            (
                "ix_todos_user_id_status_due_date",
                vec![Todos::UserId, Todos::Status, Todos::DueDate],
            ),
            // The default sort (newest first) and keyset pagination.
            (
                "ix_todos_user_id_created_at",
                vec![Todos::UserId, Todos::CreatedAt],
            ),
            // Due-date range filters and "sort=due_date" without a status.
            (
                "ix_todos_user_id_due_date",
                vec![Todos::UserId, Todos::DueDate],
            ),
            // "sort=updated_at" (recently touched).
            (
                "ix_todos_user_id_updated_at",
                vec![Todos::UserId, Todos::UpdatedAt],
            ),
        ];
        for (name, columns) in list_indexes {
            manager
                .create_index(live_rows_only(
                    db,
                    Todos::DeletedAt,
                    index(name, Todos::Table, columns),
                ))
                .await?;
        }

        // Foreign key indexes. Elsewhere the whole list indexes above serve
        // `user_id`; PostgreSQL's partial ones cannot (a user's deletion must
        // reach deleted todos too), so it gets a whole index of its own.
        if db == DbBackend::Postgres {
            manager
                .create_index(index("ix_todos_user_id", Todos::Table, [Todos::UserId]))
                .await?;
        }
        // Turning todos' category_id to NULL when their category is deleted.
        manager
            .create_index(index(
                "ix_todos_category_id",
                Todos::Table,
                [Todos::CategoryId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, Todos::Table).await
    }
}

/// `todos` as this migration made it.
#[derive(DeriveIden, Clone, Copy)]
enum Todos {
    Table,
    Id,
    UserId,
    CategoryId,
    Title,
    Description,
    Status,
    Priority,
    DueDate,
    CompletedAt,
    DeletedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
}
