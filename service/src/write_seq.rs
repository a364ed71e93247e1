//! The per-user write sequence: `user_state.write_seq`, raised by one in
//! every transaction that writes a user's data, near its end (only the
//! delta-sync stamps of the rows it wrote follow it), before the commit
//! ([`commit`] is the one way such a transaction ends).
//!
//! What it promises, per user:
//!
//! - **Committed with the write.** The raise is part of the transaction: a
//!   reader that sees the new number sees the write, and a reader that
//!   sees the write sees the new number (or a later one).
//! - **In commit order.** Once a reader sees number `n`, every transaction
//!   numbered up to `n` has committed, and none will commit with a lower
//!   one: delta sync stamps rows with the number of the transaction that
//!   wrote them (after the raise, in [`commit`]) and reads up to it.
//! - **Monotonic.** It only goes up, by one per write transaction. The
//!   raise takes the row's write lock, so the writers of one user pass
//!   their ends one at a time, in the order of their numbers.
//!
//! What builds on it: a list total that any server remembers is used only
//! while the user's number is still the one it was counted at
//! (`todos::list`), so a write through another server is seen by the very
//! next list; delta sync ([`crate::sync`]) hands positions in it out.
//!
//! # Why last, and why an upsert
//!
//! The raise holds the user's `user_state` row until the commit. Every
//! write transaction locks the user's row in `users` first
//! ([`crate::txn`]), so the two locks are always taken in that order. Where
//! the transaction may change todos (a shared hold on `users`), it locks
//! the `user_state` row right after, since the triggers that count the
//! user's todos write that row at the first todo changed; where it holds
//! `users` exclusively, the raise takes it.
//!
//! The raise is one `INSERT INTO user_state … SELECT id, 1, now FROM users
//! WHERE id = ? ON CONFLICT (user_id) DO UPDATE SET write_seq =
//! user_state.write_seq + 1` (MySQL: `ON DUPLICATE KEY UPDATE`). It raises
//! the row; creates it at 1 when it is missing (an account inserted by
//! hand or by a tool: a missing row reads as 0 and never makes a write
//! fail); and does nothing when the transaction deleted the user itself.
//! A plain `UPDATE … WHERE user_id = ?`, with an insert when it matched
//! nothing, would cost the same in the common case, but on MariaDB an
//! `UPDATE` that matches nothing locks the gap where the row would go, and
//! two such transactions then deadlock on their inserts into it; the
//! upsert locks only the row of its key.

use entity::{user, user_state};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait};
use uuid::Uuid;

use crate::clock;
use crate::sync::{self, Changes};

/// Raises `user_id`'s write sequence inside `txn`, stamps what `changes`
/// names with the new number (see [`crate::sync`]: one statement per table
/// touched, none when nothing was), then commits: how every transaction
/// that writes a user's data ends (through `ListTotals::commit` where the
/// writer also keeps list totals).
///
/// # Errors
/// The database error of the raise or the stamps (the transaction is then
/// rolled back) or of the commit.
pub async fn commit(
    txn: DatabaseTransaction,
    user_id: Uuid,
    changes: Changes,
) -> Result<(), DbErr> {
    raise(&txn, user_id).await?;
    sync::stamp(&txn, user_id, changes).await?;
    txn.commit().await
}

/// The one statement that raises the sequence (see the module documentation).
async fn raise(txn: &DatabaseTransaction, user_id: Uuid) -> Result<(), DbErr> {
    use user_state::Column;
    let user_row = Query::select()
        .column((user::Entity, user::Column::Id))
        .expr(Expr::val(1i64))
        .expr(Expr::val(clock::now()))
        .from(user::Entity)
        .and_where(Expr::col((user::Entity, user::Column::Id)).eq(user_id))
        .to_owned();
    let raised = Expr::col((user_state::Entity, Column::WriteSeq)).add(1i64);
    let upsert = Query::insert()
        .into_table(user_state::Entity)
        .columns([Column::UserId, Column::WriteSeq, Column::UpdatedAt])
        .select_from(user_row)
        .map_err(|err| DbErr::Custom(format!("building the write-sequence raise: {err}")))?
        .on_conflict(
            OnConflict::column(Column::UserId)
                .value(Column::WriteSeq, raised)
                .update_column(Column::UpdatedAt)
                .to_owned(),
        )
        .to_owned();
    txn.execute(&upsert).await?;
    Ok(())
}

/// The row of a new account: no writes yet. Inserted with the user.
///
/// # Errors
/// The database error.
pub(crate) async fn start(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbErr> {
    let row = user_state::Model {
        user_id,
        write_seq: 0,
        updated_at: clock::now(),
        sync_floor: 0,
        todos_pending: 0,
        todos_in_progress: 0,
        todos_completed: 0,
        todos_archived: 0,
        todos_deleted: 0,
    };
    user_state::Entity::insert(user_state::ActiveModel::from(row))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// `(SELECT write_seq FROM user_state WHERE user_id = ?)`: the user's
/// number as a scalar subquery, to ride on a statement that runs anyway
/// (`NULL` when the row is missing, which counts as 0: see [`read`]). The
/// stamps of delta sync read the number just raised through it. The
/// stamps of delta sync read the number just raised through it.
pub(crate) fn of(user_id: Uuid) -> Expr {
    Expr::from(
        Query::select()
            .column(user_state::Column::WriteSeq)
            .from(user_state::Entity)
            .and_where(Expr::col(user_state::Column::UserId).eq(user_id))
            .to_owned(),
    )
}

/// The number as [`of`] reads it: a missing row counts as 0, the number
/// of a user who never wrote.
#[must_use]
pub(crate) fn read(value: Option<i64>) -> i64 {
    value.unwrap_or(0)
}

/// `user_id`'s write sequence now: one primary-key read.
///
/// # Errors
/// The database error.
pub async fn current(db: &impl ConnectionTrait, user_id: Uuid) -> Result<i64, DbErr> {
    let row = user_state::Entity::find_by_id(user_id).one(db).await?;
    Ok(read(row.map(|row| row.write_seq)))
}
