//! Counts each user's todos in `user_state`, kept by the database in the
//! same transaction as every write: `todos_pending`, `todos_in_progress`,
//! `todos_completed` and `todos_archived` count live todos by status,
//! `todos_deleted` the soft-deleted ones. The todo list answers the `total`
//! of its common filters (none, or only statuses, with deleted todos hidden,
//! included or alone) from them instead of counting the user's rows.
//!
//! # Why triggers
//!
//! Todos are inserted, changed in status, soft-deleted, restored and
//! deleted by a dozen statements (single and bulk routes, the purge of an
//! account), and a counter that one of them forgets is wrong forever. A
//! trigger on `todos` is the one place that sees every row change, in the
//! transaction that makes it, whichever statement (or tool) makes it:
//!
//! - after an insert, `+1` in the new row's bucket (an upsert: it also
//!   creates the user's row if it is missing);
//! - after a delete, `-1` in the old row's bucket;
//! - after an update that moves a row to another bucket (its status or
//!   whether it is deleted changed), `-1` in the old and `+1` in the new.
//!   On MySQL the body runs only then: a statement that reads `user_state`
//!   while it updates `todos` (the delta-sync stamp) may not write it.
//!
//! A todo never changes owner. Every write transaction locks the user's
//! row in `users` first, and one that may change todos locks the user's
//! `user_state` row right after (`service::txn`), so the counters of one
//! user are updated one transaction at a time, and the trigger takes no
//! lock its transaction does not hold already. On MySQL, foreign-key cascades do not fire triggers:
//! the only cascade that deletes todos is the deletion of their user, whose
//! `user_state` row goes with it.
//!
//! Creating a trigger on MySQL/MariaDB takes the `TRIGGER` privilege and,
//! with binary logging on, `log_bin_trust_function_creators = 1` (or
//! `SUPER`): see the README's "PostgreSQL or MySQL/MariaDB".
//!
//! The counters of existing todos are filled in by one `UPDATE` with a
//! `COUNT` per bucket; run it with the servers stopped (as every migration
//! here is meant to run), or a write in between may be counted twice.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::sea_orm::prelude::DateTimeUtc;

/// The counters: column, and the condition on a todo row (`{row}` is `NEW`
/// or `OLD`) that puts it in the bucket.
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

/// The triggers, on every engine.
const TRIGGERS: [&str; 3] = [
    "todos_counted_on_insert",
    "todos_counted_on_update",
    "todos_counted_on_delete",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        for (column, _) in BUCKETS {
            manager
                .alter_table(
                    Table::alter()
                        .table(UserState::Table)
                        .add_column(
                            ColumnDef::new(Alias::new(column))
                                .big_integer()
                                .not_null()
                                .default(0),
                        )
                        .take(),
                )
                .await?;
        }
        let db = manager.get_connection();
        for sql in create_triggers(backend) {
            db.execute_unprepared(&sql).await?;
        }
        manager.execute(missing_rows()?).await?;
        db.execute_unprepared(&backfill()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        for trigger in TRIGGERS {
            let sql = match backend {
                DbBackend::Postgres => format!("DROP TRIGGER {trigger} ON todos"),
                _ => format!("DROP TRIGGER {trigger}"),
            };
            db.execute_unprepared(&sql).await?;
        }
        if backend == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION count_todos()").await?;
        }
        for (column, _) in BUCKETS {
            manager
                .alter_table(
                    Table::alter()
                        .table(UserState::Table)
                        .drop_column(Alias::new(column))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}

/// `{row}`'s bucket conditions, one per counter, as 0 or 1.
fn flags(backend: DbBackend, row: &str) -> Vec<String> {
    BUCKETS
        .iter()
        .map(|(_, condition)| {
            let condition = condition.replace("{row}", row);
            match backend {
                DbBackend::Postgres => format!("CAST({condition} AS INT)"),
                // MySQL and SQLite compute comparisons as 0 or 1.
                _ => format!("({condition})"),
            }
        })
        .collect()
}

/// `UPDATE user_state SET todos_x = todos_x - old_x + new_x, … WHERE
/// user_id = OLD.user_id`, for the terms given (`None`: leave it out).
fn adjust(backend: DbBackend, minus: Option<&str>, plus: Option<&str>) -> String {
    let old = minus.map(|row| flags(backend, row));
    let new = plus.map(|row| flags(backend, row));
    let sets: Vec<String> = BUCKETS
        .iter()
        .enumerate()
        .map(|(i, (column, _))| {
            let mut set = format!("{column} = {column}");
            if let Some(old) = &old {
                set.push_str(&format!(" - {}", old[i]));
            }
            if let Some(new) = &new {
                set.push_str(&format!(" + {}", new[i]));
            }
            set
        })
        .collect();
    let row = minus.or(plus).unwrap_or("OLD");
    format!(
        "UPDATE user_state SET {} WHERE user_id = {row}.user_id",
        sets.join(", ")
    )
}

/// `INSERT INTO user_state (user_id, todos_x, …) VALUES (NEW.user_id,
/// new_x, …)` adding to the row when it exists.
fn count_in(backend: DbBackend) -> String {
    let columns: Vec<&str> = BUCKETS.iter().map(|(column, _)| *column).collect();
    let values = flags(backend, "NEW");
    let mut insert_columns = format!("user_id, {}", columns.join(", "));
    let mut insert_values = format!("NEW.user_id, {}", values.join(", "));
    if backend == DbBackend::Sqlite {
        // Stored as the service stores instants on SQLite (RFC 3339).
        insert_columns.push_str(", updated_at");
        insert_values.push_str(", strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')");
    }
    let on_conflict = match backend {
        DbBackend::MySql => format!(
            "ON DUPLICATE KEY UPDATE {}",
            columns
                .iter()
                .map(|c| format!("{c} = {c} + VALUES({c})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DbBackend::Postgres => format!(
            "ON CONFLICT (user_id) DO UPDATE SET {}",
            columns
                .iter()
                .map(|c| format!("{c} = user_state.{c} + EXCLUDED.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => format!(
            "ON CONFLICT (user_id) DO UPDATE SET {}",
            columns
                .iter()
                .map(|c| format!("{c} = {c} + excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!("INSERT INTO user_state ({insert_columns}) VALUES ({insert_values}) {on_conflict}")
}

/// Whether an update moved the row to another bucket.
fn moved(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::MySql => {
            "NOT (OLD.status <=> NEW.status) OR ((OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))"
        }
        DbBackend::Postgres => {
            "OLD.status IS DISTINCT FROM NEW.status OR ((OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))"
        }
        _ => {
            "OLD.status IS NOT NEW.status OR ((OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))"
        }
    }
}

fn create_triggers(backend: DbBackend) -> Vec<String> {
    let [on_insert, on_update, on_delete] = TRIGGERS;
    let insert = count_in(backend);
    let update = adjust(backend, Some("OLD"), Some("NEW"));
    let delete = adjust(backend, Some("OLD"), None);
    let moved = moved(backend);
    match backend {
        DbBackend::Postgres => vec![
            format!(
                "CREATE FUNCTION count_todos() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN \
                   IF TG_OP = 'INSERT' THEN {insert}; \
                   ELSIF TG_OP = 'UPDATE' THEN {update}; \
                   ELSE {delete}; \
                   END IF; \
                   RETURN NULL; \
                 END $$"
            ),
            format!(
                "CREATE TRIGGER {on_insert} AFTER INSERT ON todos \
                 FOR EACH ROW EXECUTE FUNCTION count_todos()"
            ),
            format!(
                "CREATE TRIGGER {on_update} AFTER UPDATE OF status, deleted_at ON todos \
                 FOR EACH ROW WHEN ({moved}) EXECUTE FUNCTION count_todos()"
            ),
            format!(
                "CREATE TRIGGER {on_delete} AFTER DELETE ON todos \
                 FOR EACH ROW EXECUTE FUNCTION count_todos()"
            ),
        ],
        DbBackend::MySql => vec![
            format!("CREATE TRIGGER {on_insert} AFTER INSERT ON todos FOR EACH ROW {insert}"),
            format!(
                "CREATE TRIGGER {on_update} AFTER UPDATE ON todos FOR EACH ROW \
                 BEGIN IF {moved} THEN {update}; END IF; END"
            ),
            format!("CREATE TRIGGER {on_delete} AFTER DELETE ON todos FOR EACH ROW {delete}"),
        ],
        _ => vec![
            format!("CREATE TRIGGER {on_insert} AFTER INSERT ON todos BEGIN {insert}; END"),
            format!(
                "CREATE TRIGGER {on_update} AFTER UPDATE OF status, deleted_at ON todos \
                 WHEN {moved} BEGIN {update}; END"
            ),
            format!("CREATE TRIGGER {on_delete} AFTER DELETE ON todos BEGIN {delete}; END"),
        ],
    }
}

/// A row at 0 for every user who has none (an account inserted by hand).
/// The instant is bound from Rust, stored as the service stores it.
fn missing_rows() -> Result<InsertStatement, DbErr> {
    let now: DateTimeUtc = chrono::Utc::now();
    let rows = Query::select()
        .column(Users::Id)
        .expr(Expr::val(0i64))
        .expr(Expr::val(now))
        .from(Users::Table)
        .and_where(
            Expr::col(Users::Id).not_in_subquery(
                Query::select()
                    .column(UserState::UserId)
                    .from(UserState::Table)
                    .take(),
            ),
        )
        .take();
    Ok(Query::insert()
        .into_table(UserState::Table)
        .columns([UserState::UserId, UserState::WriteSeq, UserState::UpdatedAt])
        .select_from(rows)
        .map_err(|e| DbErr::Migration(e.to_string()))?
        .take())
}

/// Every counter set to the count of the todos in its bucket now.
fn backfill() -> String {
    let sets: Vec<String> = BUCKETS
        .iter()
        .map(|(column, condition)| {
            let condition = condition.replace("{row}", "todos");
            format!(
                "{column} = (SELECT COUNT(*) FROM todos \
                 WHERE todos.user_id = user_state.user_id AND {condition})"
            )
        })
        .collect();
    format!("UPDATE user_state SET {}", sets.join(", "))
}

/// `user_state` as this migration finds it.
#[derive(DeriveIden)]
enum UserState {
    Table,
    UserId,
    WriteSeq,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
