//! Statements over many rows, cut to fit each engine's bind-parameter limit.
//!
//! A multi-row `INSERT` binds one parameter per column per row, an `IN (…)`
//! list one per value, and every engine caps the parameters of one
//! statement: PostgreSQL and MySQL at 65,535, SQLite at 32,766 (the default
//! of the bundled library since 3.32). Neither SeaORM nor sea-query chunks,
//! so the callers here do: as few statements as the limit allows, never one
//! per row.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, Iterable, TryInsertResult,
};

/// Parameters the statement spends besides the chunked rows or values (a
/// `user_id = ?`, a timestamp…): kept free in every chunk.
const SPARE: usize = 16;

/// The most bind parameters one statement may carry on `backend`.
#[must_use]
pub fn bind_limit(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Sqlite => 32_766,
        _ => 65_535,
    }
}

/// How many rows (or values) of `per_row` parameters each one statement
/// carries on `backend`, with room for a few more parameters.
#[must_use]
pub fn rows_per_statement(backend: DbBackend, per_row: usize) -> usize {
    ((bind_limit(backend) - SPARE) / per_row.max(1)).max(1)
}

/// Rows of entity `E` per multi-row `INSERT` on `backend`: every column is
/// bound (bulk inserts set every column).
#[must_use]
pub fn insert_rows_per_statement<E: EntityTrait>(backend: DbBackend) -> usize {
    rows_per_statement(backend, E::Column::iter().count())
}

/// Inserts `rows` with as few multi-row `INSERT`s as the bind limit allows
/// (none for no rows). Every row must set the same columns (set them all: a
/// column one row leaves `NotSet` is written as NULL).
///
/// # Errors
/// The database error.
pub async fn insert_all<A>(conn: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait,
{
    let size = insert_rows_per_statement::<A::Entity>(conn.get_database_backend());
    for chunk in chunked(rows, size) {
        A::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Like [`insert_all`], skipping the rows that clash with an existing row on
/// the unique `columns` (`ON CONFLICT … DO NOTHING`; on MySQL `ON DUPLICATE
/// KEY UPDATE id = id`). Returns the rows the engine reports as inserted,
/// which MySQL does not count reliably for the skipped ones: callers read back
/// what they need rather than trust it.
///
/// # Errors
/// The database error.
pub async fn insert_all_skipping_clashes<A, I>(
    conn: &impl ConnectionTrait,
    rows: Vec<A>,
    columns: I,
) -> Result<u64, DbErr>
where
    A: ActiveModelTrait,
    I: IntoIterator<Item = <A::Entity as EntityTrait>::Column> + Clone,
{
    let size = insert_rows_per_statement::<A::Entity>(conn.get_database_backend());
    let mut inserted = 0;
    for chunk in chunked(rows, size) {
        let result = A::Entity::insert_many(chunk)
            .on_conflict_do_nothing_on(columns.clone())
            .exec_without_returning(conn)
            .await?;
        if let TryInsertResult::Inserted(n) = result {
            inserted += n;
        }
    }
    Ok(inserted)
}

/// `items` cut into vectors of at most `size` (at least one item each).
pub fn chunked<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let size = size.max(1);
    let mut chunks = Vec::with_capacity(items.len().div_ceil(size));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(size).collect());
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_stay_under_each_engines_bind_limit() {
        // What a todo row binds: one parameter per column.
        let columns = entity::todo::Column::iter().count();
        let sqlite = rows_per_statement(DbBackend::Sqlite, columns);
        let postgres = rows_per_statement(DbBackend::Postgres, columns);
        assert!(sqlite * columns + SPARE <= 32_766);
        assert!(postgres * columns + SPARE <= 65_535);
        assert!(sqlite >= 1000, "a bulk of 1000 todos is one statement");
        assert_eq!(
            insert_rows_per_statement::<entity::todo::Entity>(DbBackend::Sqlite),
            sqlite
        );
    }

    #[test]
    fn chunking_keeps_every_item_in_order() {
        let chunks = chunked((0..7).collect(), 3);
        assert_eq!(chunks, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
        assert!(chunked(Vec::<u8>::new(), 3).is_empty());
    }
}
