//! PostgreSQL only: the todo counters of `m20261202_000008` kept once per
//! statement instead of once per row.
//!
//! A row trigger that updates the same `user_state` row for every todo a
//! statement writes leaves one row version per todo, and each update walks
//! the versions before it: 1000 todos in one bulk insert cost twice the
//! insert itself, and deleting tens of thousands in one statement (the
//! purge of a large account) ran for minutes. These statement triggers read
//! the rows the statement changed from its transition tables and update
//! each user's row once, with the sums of the changes.
//!
//! An `UPDATE` trigger with transition tables cannot name columns, so it
//! runs after every update of `todos`; it joins the old and new rows by id
//! and writes nothing when no row moved between buckets (the delta-sync
//! stamps, a title change). MySQL and SQLite keep their row triggers: they
//! update a row in place, at a constant cost.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// The counters, and the condition on a row (`{row}`) that puts it there.
const BUCKETS: [(&str, &str); 5] = [
    (
        "todos_pending",
        "{row}.deleted_at IS NULL AND {row}.status = 'pending'",
    ),
    (
        "todos_in_progress",
        "{row}.deleted_at IS NULL AND {row}.status = 'in_progress'",
    ),
    (
        "todos_completed",
        "{row}.deleted_at IS NULL AND {row}.status = 'completed'",
    ),
    (
        "todos_archived",
        "{row}.deleted_at IS NULL AND {row}.status = 'archived'",
    ),
    ("todos_deleted", "{row}.deleted_at IS NOT NULL"),
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
        for trigger in [
            "todos_counted_on_insert",
            "todos_counted_on_update",
            "todos_counted_on_delete",
        ] {
            db.execute_unprepared(&format!("DROP TRIGGER {trigger} ON todos"))
                .await?;
        }
        db.execute_unprepared(&format!(
            "CREATE FUNCTION count_todos_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF TG_OP = 'INSERT' THEN \
                 {insert}; \
               ELSIF TG_OP = 'DELETE' THEN \
                 {delete}; \
               ELSE \
                 {update}; \
               END IF; \
               RETURN NULL; \
             END $$",
            insert = upsert("SELECT n.user_id, {plus} FROM new_rows n GROUP BY n.user_id"),
            delete = adjust("SELECT o.user_id, {minus} FROM old_rows o GROUP BY o.user_id"),
            update = adjust(
                "SELECT n.user_id, {moved} FROM old_rows o JOIN new_rows n ON n.id = o.id \
                 GROUP BY n.user_id"
            ),
        ))
        .await?;
        for (name, event, tables) in [
            (
                "todos_counted_after_insert",
                "INSERT",
                "NEW TABLE AS new_rows",
            ),
            (
                "todos_counted_after_update",
                "UPDATE",
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            ),
            (
                "todos_counted_after_delete",
                "DELETE",
                "OLD TABLE AS old_rows",
            ),
        ] {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER {name} AFTER {event} ON todos REFERENCING {tables} \
                 FOR EACH STATEMENT EXECUTE FUNCTION count_todos_changed()"
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
        for trigger in [
            "todos_counted_after_insert",
            "todos_counted_after_update",
            "todos_counted_after_delete",
        ] {
            db.execute_unprepared(&format!("DROP TRIGGER {trigger} ON todos"))
                .await?;
        }
        db.execute_unprepared("DROP FUNCTION count_todos_changed()")
            .await?;
        // The row triggers of m20261202_000008, as it made them.
        db.execute_unprepared(
            "CREATE TRIGGER todos_counted_on_insert AFTER INSERT ON todos \
             FOR EACH ROW EXECUTE FUNCTION count_todos()",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER todos_counted_on_update AFTER UPDATE OF status, deleted_at ON todos \
             FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR \
             ((OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))) \
             EXECUTE FUNCTION count_todos()",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER todos_counted_on_delete AFTER DELETE ON todos \
             FOR EACH ROW EXECUTE FUNCTION count_todos()",
        )
        .await?;
        Ok(())
    }
}

/// `SUM(CAST(cond AS INT))` per bucket over `{row}`.
fn sums(row: &str, sign: &str) -> String {
    BUCKETS
        .iter()
        .map(|(column, condition)| {
            format!(
                "{sign}SUM(CAST({} AS INT)) AS {column}",
                condition.replace("{row}", row)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Per bucket, the rows that entered it minus those that left it.
fn moved() -> String {
    BUCKETS
        .iter()
        .map(|(column, condition)| {
            format!(
                "SUM(CAST({} AS INT) - CAST({} AS INT)) AS {column}",
                condition.replace("{row}", "n"),
                condition.replace("{row}", "o")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fills `{plus}`, `{minus}` and `{moved}` in a `SELECT user_id, …` of deltas.
fn deltas(select: &str) -> String {
    select
        .replace("{plus}", &sums("n", ""))
        .replace("{minus}", &sums("o", "-"))
        .replace("{moved}", &moved())
}

/// Adds the deltas to the users' rows, creating a row that is missing.
fn upsert(select: &str) -> String {
    let columns: Vec<&str> = BUCKETS.iter().map(|(column, _)| *column).collect();
    let sets = columns
        .iter()
        .map(|c| format!("{c} = user_state.{c} + EXCLUDED.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO user_state (user_id, {}) {} ON CONFLICT (user_id) DO UPDATE SET {sets}",
        columns.join(", "),
        deltas(select)
    )
}

/// Adds the deltas to the rows that exist (a user being deleted has none
/// left to count for), skipping users whose counts did not move.
fn adjust(select: &str) -> String {
    let sets = BUCKETS
        .iter()
        .map(|(c, _)| format!("{c} = user_state.{c} + d.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let moved = BUCKETS
        .iter()
        .map(|(c, _)| format!("d.{c} <> 0"))
        .collect::<Vec<_>>()
        .join(" OR ");
    format!(
        "UPDATE user_state SET {sets} FROM ({}) AS d \
         WHERE user_state.user_id = d.user_id AND ({moved})",
        deltas(select)
    )
}
