//! The single-use tokens that mail links carry.
//!
//! A token is 256 random bits ([`secrets::new_token`]), sent only in the
//! mail and stored as its SHA-256. It proves one [`TokenPurpose`] for one
//! account until it expires ([`lifetime`]) or is used. Issuing a token
//! retires the account's earlier open tokens of the same purpose, so only
//! the newest link works.
//!
//! # Single use under races
//!
//! [`consume`] runs inside a transaction that already holds the owner's row
//! exclusively (see [`crate::txn`]): every transaction that touches a
//! user's tokens locks the user first, so two uses of one token run one
//! after the other and the second finds it used. The guarded `UPDATE …
//! WHERE used_at IS NULL` would decide a race on its own too; the lock
//! order is what keeps MariaDB from deadlocking on it.

use chrono::Duration;
use entity::account_token::{self, TokenPurpose};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::{ServiceError, ServiceResult, clock, secrets};

/// How long a token of `purpose` is accepted: verification 48 hours, a
/// password reset one hour, a deletion confirmation 24 hours.
#[must_use]
pub fn lifetime(purpose: TokenPurpose) -> Duration {
    match purpose {
        TokenPurpose::VerifyEmail => Duration::hours(48),
        TokenPurpose::ResetPassword => Duration::hours(1),
        TokenPurpose::ConfirmDeletion => Duration::hours(24),
    }
}

/// The answer to a token that is unknown, used, expired or meant for
/// something else: one message, so a guess learns nothing.
pub(crate) fn rejected() -> ServiceError {
    ServiceError::invalid("token", "is not valid: it is unknown, used or expired")
}

/// Issues a token of `purpose` for `user_id` (with the address a change of
/// email moves to, for that purpose) and retires the user's open tokens of
/// the same purpose. Call it in the transaction that sends the mail, which
/// holds the user's row.
///
/// # Errors
/// The database error.
pub(crate) async fn issue(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: TokenPurpose,
    new_email: Option<String>,
) -> Result<String, DbErr> {
    let now = clock::now();
    retire_open(conn, user_id, purpose).await?;
    let token = secrets::new_token();
    let row = account_token::Model {
        id: clock::new_id(),
        user_id,
        purpose,
        token_hash: secrets::digest(&token),
        new_email,
        expires_at: now + lifetime(purpose),
        used_at: None,
        created_at: now,
    };
    account_token::Entity::insert(account_token::ActiveModel::from(row))
        .exec_without_returning(conn)
        .await?;
    Ok(token)
}

/// Marks the user's unused tokens of `purpose` used: a newer link, a reset
/// password or a changed address makes the older links worthless.
///
/// It reads the ids first and changes rows by primary key: on MariaDB an
/// `UPDATE … WHERE user_id = ?` that matches nothing locks the gap where
/// such rows would go, and two of them (two users' requests) would then
/// deadlock on their inserts into that gap. The read needs no lock: the
/// caller holds the user's row, so no token of theirs appears meanwhile.
pub(crate) async fn retire_open(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: TokenPurpose,
) -> Result<u64, DbErr> {
    let open: Vec<Uuid> = account_token::Entity::find()
        .select_only()
        .column(account_token::Column::Id)
        .filter(account_token::Column::UserId.eq(user_id))
        .filter(account_token::Column::Purpose.eq(purpose))
        .filter(account_token::Column::UsedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    if open.is_empty() {
        return Ok(0);
    }
    let result = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(clock::now()))
        .filter(account_token::Column::Id.is_in(open))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes tokens that expired before `cutoff`, used or not: past their
/// expiry they can only be refused, which their absence does as well.
///
/// # Errors
/// The database error.
pub async fn purge_expired_before(
    db: &DatabaseConnection,
    cutoff: crate::clock::Timestamp,
) -> Result<u64, DbErr> {
    let result = account_token::Entity::delete_many()
        .filter(account_token::Column::ExpiresAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The account a presented token of `purpose` belongs to, used or not:
/// what to lock before [`consume`]. `None` for an unknown token.
///
/// # Errors
/// The database error.
pub(crate) async fn owner(
    db: &DatabaseConnection,
    presented: &str,
    purpose: TokenPurpose,
) -> Result<Option<Uuid>, DbErr> {
    account_token::Entity::find()
        .select_only()
        .column(account_token::Column::UserId)
        .filter(account_token::Column::TokenHash.eq(secrets::digest(presented)))
        .filter(account_token::Column::Purpose.eq(purpose))
        .into_tuple()
        .one(db)
        .await
}

/// Uses a presented token of `purpose` for `user_id`, once: marks it used
/// and answers it, or refuses it. Call it in a transaction that holds the
/// user's row exclusively (see the module docs).
///
/// # Errors
/// [`ServiceError::Invalid`] naming `token` when it is unknown, already
/// used, expired, or not this user's token of this purpose.
pub(crate) async fn consume(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    presented: &str,
    purpose: TokenPurpose,
) -> ServiceResult<account_token::Model> {
    let now = clock::now();
    let hash = secrets::digest(presented);
    let used = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::TokenHash.eq(hash.as_str()))
        .filter(account_token::Column::UserId.eq(user_id))
        .filter(account_token::Column::Purpose.eq(purpose))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?;
    if used.rows_affected != 1 {
        return Err(rejected());
    }
    account_token::Entity::find()
        .filter(account_token::Column::TokenHash.eq(hash))
        .one(conn)
        .await?
        .ok_or_else(rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_those_the_contract_names() {
        assert_eq!(lifetime(TokenPurpose::VerifyEmail), Duration::hours(48));
        assert_eq!(lifetime(TokenPurpose::ResetPassword), Duration::hours(1));
        assert_eq!(lifetime(TokenPurpose::ConfirmDeletion), Duration::hours(24));
    }
}
