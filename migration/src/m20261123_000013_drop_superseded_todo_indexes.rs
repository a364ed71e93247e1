//! PostgreSQL only: drops the three list indexes of `m20261123_000006` that
//! `m20261123_000012` superseded. Each new index leads with the same columns
//! and ends with the `id` tie breaker, and a B-tree reads both ways, so every
//! query the old ones served (a user's todos by creation, by due date or due
//! date range, by status and due date) is served by the new ones:
//!
//! | dropped | served by |
//! | --- | --- |
//! | `ix_todos_user_id_created_at` | `ix_todos_user_created_id_desc` |
//! | `ix_todos_user_id_due_date` | `ix_todos_user_due_id_desc` |
//! | `ix_todos_user_id_status_due_date` | `ix_todos_user_status_due_id_desc` |
//!
//! PostgreSQL's statistics showed no scan of them under the benchmark's load,
//! while every inserted todo still paid an entry in each: three of the eleven
//! index insertions of a `POST /todos`, and of every row of a bulk create.
//! MySQL and SQLite never had the new indexes and keep the old ones.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

const SUPERSEDED: &[(&str, &str)] = &[
    ("ix_todos_user_id_created_at", "(user_id, created_at)"),
    ("ix_todos_user_id_due_date", "(user_id, due_date)"),
    (
        "ix_todos_user_id_status_due_date",
        "(user_id, status, due_date)",
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (name, _) in SUPERSEDED {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (name, columns) in SUPERSEDED {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON todos {columns} WHERE deleted_at IS NULL"
            ))
            .await?;
        }
        Ok(())
    }
}
