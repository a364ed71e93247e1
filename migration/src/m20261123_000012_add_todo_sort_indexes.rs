//! PostgreSQL only: indexes in the exact order of the todo list's sorts, so
//! a page is read straight off the index instead of sorting the user's rows,
//! and a small one for counting a user's live todos.
//!
//! The list orders by `created_at DESC, id DESC` by default, and by
//! `due_date DESC NULLS LAST, id DESC` for `sort_by=due_date` (usually with a
//! status filter). The indexes of `m20261123_000006` lead with the same
//! columns but end before the `id` tie breaker and keep PostgreSQL's default
//! `NULLS FIRST` for descending scans, so the planner still sorted every
//! matching row to take the first 50. These cover live rows only, like the
//! others. MySQL and SQLite have no `NULLS LAST` in index definitions and
//! keep the indexes they have: this migration does nothing there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

const INDEXES: &[(&str, &str)] = &[
    // The page's `total`: an index-only scan of the user's live rows,
    // instead of the foreign-key index plus a heap visit per row.
    ("ix_todos_user_live", "(user_id)"),
    (
        "ix_todos_user_created_id_desc",
        "(user_id, created_at DESC, id DESC)",
    ),
    (
        "ix_todos_user_status_due_id_desc",
        "(user_id, status, due_date DESC NULLS LAST, id DESC)",
    ),
    (
        "ix_todos_user_due_id_desc",
        "(user_id, due_date DESC NULLS LAST, id DESC)",
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
        for (name, columns) in INDEXES {
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON todos {columns} WHERE deleted_at IS NULL"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        Ok(())
    }
}
