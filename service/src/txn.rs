//! Transactions that write, and the per-user lock every one of them takes.
//!
//! # The user's row is the lock of the user's data
//!
//! Every write transaction on behalf of a user starts by locking that
//! user's row, and refuses to go on when the account no longer exists or is
//! deleted, inactive or suspended. That one rule gives three guarantees:
//!
//! - **Rights that change take effect at once.** An access token is checked
//!   without the database, so it outlives a suspension or a deletion by up
//!   to its lifetime; the lock read turns any write through such a token
//!   into [`ServiceError::Unauthorized`] instead of a foreign-key violation
//!   (a user who no longer exists) or a silent success.
//! - **Revocation holds under races.** Everything that creates or revokes a
//!   session (login, refresh, logout, password change, suspension, deletion)
//!   holds the row [`Hold::Exclusive`], so a refresh either commits before a
//!   revocation (and its new session is revoked with the rest) or starts
//!   after it (and finds its token, or its account, no longer valid).
//! - **A user's writes cannot deadlock each other.** Ordinary writes (todos,
//!   new categories and tags) hold the row [`Hold::Shared`] and run side by
//!   side; structural changes (renaming, deleting or merging categories and
//!   tags, the profile) hold it exclusively and run alone. So a merge never
//!   meets a PATCH halfway, and a deleted category is either seen by a
//!   create or not, never vanishing underneath it.
//!
//! A transaction takes its hold once, first, and never upgrades it: two
//! shared holders that both wanted the exclusive lock would deadlock.
//!
//! A shared holder then locks the user's `user_state` row for update, the
//! second lock of every such transaction: the triggers that count the
//! user's todos write that row at the first todo the transaction changes,
//! and the write sequence at its end, so shared holders of one user pass
//! through their writes one at a time (they already committed one at a
//! time, behind the sequence); many users still write side by side.
//!
//! PostgreSQL and MariaDB lock the row (`FOR SHARE` / `LOCK IN SHARE MODE`,
//! `FOR UPDATE`). SQLite has no row locks and needs none: a write
//! transaction there starts `IMMEDIATE` and so runs alone.

use entity::{user, user_state};
use sea_orm::sea_query::LockType;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QuerySelect,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

use crate::{ServiceError, ServiceResult};

/// How a write transaction holds its user's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Writes that other writes of the same user may run beside: creating
    /// and changing todos (one at a time or in bulk), creating categories
    /// and tags. Shared holders do not wait for each other.
    Shared,
    /// Changes nothing else of the user's may interleave with: the account
    /// and its sessions, and renaming, deleting or merging categories and
    /// tags. Waits for every other holder, and they for it.
    Exclusive,
}

/// Begins a transaction that will write.
///
/// On SQLite it starts `IMMEDIATE`: it takes the write lock up front
/// (waiting for it within the busy timeout) instead of reading first and
/// upgrading later, which SQLite refuses with "database is locked"
/// (`SQLITE_BUSY_SNAPSHOT`) when another connection wrote in between. The
/// other engines ignore the mode and lock rows as they go.
///
/// # Errors
/// The database error.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Begins a write transaction on behalf of `user_id`: locks their row as
/// `hold` says and answers it, if the account may still write.
///
/// # Errors
/// [`ServiceError::Unauthorized`] when the account no longer exists, or is
/// deleted, inactive or suspended (the transaction is rolled back); the
/// database error.
pub async fn begin_as(
    db: &DatabaseConnection,
    user_id: Uuid,
    hold: Hold,
) -> ServiceResult<(DatabaseTransaction, user::Model)> {
    let txn = begin_write(db).await?;
    let user = lock_user(&txn, user_id, hold)
        .await?
        .ok_or(ServiceError::Unauthorized("the account no longer exists"))?;
    if !may_act(&user) {
        return Err(ServiceError::Unauthorized("the account is not active"));
    }
    if hold == Hold::Shared && db.get_database_backend() != DbBackend::Sqlite {
        // The triggers that count the user's todos write their `user_state`
        // row at the first todo the transaction changes. Two shared holders
        // taking it there, each after locking todos of its own, would
        // deadlock; taken here, second of the two locks every write takes,
        // it orders them (an exclusive holder is alone already).
        user_state::Entity::find_by_id(user_id)
            .lock(LockType::Update)
            .one(&txn)
            .await?;
    }
    Ok((txn, user))
}

/// Whether the account may sign in and write: not deleted, and active.
#[must_use]
pub fn may_act(user: &user::Model) -> bool {
    user.deleted_at.is_none() && user.status == user::UserStatus::Active
}

/// Locks the row of `user_id` inside `txn` (whatever the account's state)
/// and answers it; `None` when there is no such user. For the transactions
/// that act on a user other than the caller (an admin's), or on one that
/// may be inactive (a logout).
///
/// # Errors
/// The database error.
pub async fn lock_user(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    hold: Hold,
) -> Result<Option<user::Model>, DbErr> {
    let lock = match hold {
        Hold::Shared => LockType::Share,
        Hold::Exclusive => LockType::Update,
    };
    user::Entity::find_by_id(user_id).lock(lock).one(txn).await
}
