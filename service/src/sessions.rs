//! Refresh-token sessions: single-use tokens, rotation, and reuse detection.
//!
//! A refresh token is 256 random bits, handed to the client once and stored
//! only as its SHA-256 hash. Each refresh revokes the presented session and
//! starts a new one in the same *family* (one login chain). Presenting a
//! revoked token again means it leaked (or a client misbehaves): the whole
//! family is revoked, so the thief's and the owner's tokens both stop working.

use chrono::Duration;
use entity::{session, user};
use rand::Rng as _;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::txn::{self, Hold};
use crate::{ServiceError, ServiceResult, clock};

/// A session just started, with the only copy of its refresh token.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The stored session row.
    pub session: session::Model,
    /// The refresh token to hand to the client (never stored).
    pub refresh_token: String,
}

/// The stored form of a refresh token.
#[must_use]
pub fn hash_token(token: &str) -> String {
    crate::secrets::digest(token)
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// Starts a session for `user_id`: in `family` (a refresh) or a new family (a login).
///
/// # Errors
/// The database error.
pub async fn start(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    family: Option<Uuid>,
    ttl: Duration,
    client: &ClientMeta,
) -> Result<Issued, DbErr> {
    let now = clock::now();
    let refresh_token = new_token();
    let session = session::Model {
        id: clock::new_id(),
        user_id,
        token_hash: hash_token(&refresh_token),
        family_id: family.unwrap_or_else(clock::new_id),
        user_agent: client.user_agent.clone(),
        ip_address: client.ip_address.clone(),
        expires_at: now + ttl,
        last_used_at: Some(now),
        revoked_at: None,
        created_at: now,
        updated_at: now,
    };
    session::Entity::insert(session::ActiveModel::from(session.clone()))
        .exec_without_returning(conn)
        .await?;
    Ok(Issued {
        session,
        refresh_token,
    })
}

/// Exchanges a refresh token for a new one in the same family.
///
/// Decided under the owner's exclusive lock (see [`crate::txn`]), as every
/// other change to their sessions is: a refresh racing a revocation (a
/// password change, a suspension, "sign out everywhere", the reuse of an
/// older token of the family) either commits first, and its new session is
/// revoked with the rest, or runs after it and finds its token revoked.
///
/// # Errors
/// [`ServiceError::Unauthorized`] for an unknown, expired or revoked token
/// (a revoked one also revokes its family and is audited as reuse), or when
/// the account is no longer active.
pub async fn rotate(
    db: &DatabaseConnection,
    presented: &str,
    ttl: Duration,
    client: &ClientMeta,
) -> ServiceResult<(user::Model, Issued)> {
    const INVALID: ServiceError = ServiceError::Unauthorized("invalid or expired refresh token");
    let token_hash = hash_token(presented);
    let Some(owner) = owner_of(db, &token_hash).await? else {
        return Err(INVALID);
    };
    let txn = txn::begin_write(db).await?;
    let Some(user) = txn::lock_user(&txn, owner, Hold::Exclusive).await? else {
        return Err(INVALID);
    };
    // Read again under the lock: this is the state no revocation can change
    // until the transaction ends.
    let Some(session) = by_token_hash(&txn, &token_hash).await? else {
        return Err(INVALID);
    };
    if session.revoked_at.is_some() {
        revoke_family_for_reuse(&txn, &session, client).await?;
        txn.commit().await?;
        return Err(INVALID);
    }
    let now = clock::now();
    if session.expires_at <= now || !txn::may_act(&user) {
        return Err(INVALID);
    }
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .col_expr(session::Column::LastUsedAt, Expr::value(now))
        .col_expr(session::Column::UpdatedAt, Expr::value(now))
        .filter(session::Column::Id.eq(session.id))
        .exec(&txn)
        .await?;
    let issued = start(&txn, user.id, Some(session.family_id), ttl, client).await?;
    txn.commit().await?;
    Ok((user, issued))
}

/// The user a refresh token (by its hash) belongs to, revoked or not.
async fn owner_of(db: &DatabaseConnection, token_hash: &str) -> Result<Option<Uuid>, DbErr> {
    session::Entity::find()
        .select_only()
        .column(session::Column::UserId)
        .filter(session::Column::TokenHash.eq(token_hash))
        .into_tuple()
        .one(db)
        .await
}

/// The session of a refresh token, read for update: on MariaDB a locking
/// read also sees what committed after the transaction's snapshot.
async fn by_token_hash(
    txn: &DatabaseTransaction,
    token_hash: &str,
) -> Result<Option<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .lock_exclusive()
        .one(txn)
        .await
}

async fn revoke_family_for_reuse(
    txn: &DatabaseTransaction,
    session: &session::Model,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let revoked = revoke_where(txn, session::Column::FamilyId.eq(session.family_id)).await?;
    audit::record(
        txn,
        client,
        Event {
            user_id: Some(session.user_id),
            action: action::REFRESH_REUSE,
            entity_type: Some("session"),
            entity_id: Some(session.id.to_string()),
            success: false,
            details: Some(serde_json::json!({
                "family_id": session.family_id,
                "sessions_revoked": revoked,
            })),
        },
    )
    .await?;
    Ok(())
}

/// Revokes the session a refresh token belongs to (logout). An unknown or
/// already revoked token changes nothing: logging out twice is not an error.
/// An account that can no longer sign in may still log out.
///
/// # Errors
/// The database error.
pub async fn logout(
    db: &DatabaseConnection,
    presented: &str,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let token_hash = hash_token(presented);
    let Some(owner) = owner_of(db, &token_hash).await? else {
        return Ok(());
    };
    let txn = txn::begin_write(db).await?;
    if txn::lock_user(&txn, owner, Hold::Exclusive)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let Some(session) = by_token_hash(&txn, &token_hash)
        .await?
        .filter(|s| s.revoked_at.is_none())
    else {
        return Ok(());
    };
    revoke_where(&txn, session::Column::Id.eq(session.id)).await?;
    audit::record(
        &txn,
        client,
        Event {
            user_id: Some(session.user_id),
            action: action::LOGOUT,
            entity_type: Some("session"),
            entity_id: Some(session.id.to_string()),
            success: true,
            details: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The user's live sessions (not revoked, not expired), newest first.
///
/// # Errors
/// The database error.
pub async fn list_active(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> ServiceResult<Vec<session::Model>> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(clock::now()))
        .order_by_desc(session::Column::CreatedAt)
        .order_by_desc(session::Column::Id)
        .all(db)
        .await?)
}

/// Revokes one of the user's live sessions.
///
/// # Errors
/// [`ServiceError::NotFound`] if it is not theirs or not live;
/// [`ServiceError::Unauthorized`] if the account may no longer act.
pub async fn revoke(db: &DatabaseConnection, user_id: Uuid, session_id: Uuid) -> ServiceResult<()> {
    let (txn, _) = txn::begin_as(db, user_id, Hold::Exclusive).await?;
    let revoked = revoke_where(
        &txn,
        session::Column::Id
            .eq(session_id)
            .and(session::Column::UserId.eq(user_id)),
    )
    .await?;
    if revoked == 0 {
        return Err(ServiceError::NotFound { entity: "session" });
    }
    txn.commit().await?;
    Ok(())
}

/// Revokes every session of the user ("sign out everywhere").
///
/// # Errors
/// [`ServiceError::Unauthorized`] if the account may no longer act; the
/// database error.
pub async fn revoke_everywhere(db: &DatabaseConnection, user_id: Uuid) -> ServiceResult<u64> {
    let (txn, _) = txn::begin_as(db, user_id, Hold::Exclusive).await?;
    let revoked = revoke_all(&txn, user_id, None).await?;
    txn.commit().await?;
    Ok(revoked)
}

/// Revokes every live session of the user except `keep`; returns how many.
/// Runs inside the caller's transaction, which holds the user's row
/// exclusively (see [`crate::txn`]).
///
/// # Errors
/// The database error.
pub(crate) async fn revoke_all(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<u64, DbErr> {
    let mut condition = session::Column::UserId.eq(user_id);
    if let Some(keep) = keep {
        condition = condition.and(session::Column::Id.ne(keep));
    }
    revoke_where(conn, condition).await
}

async fn revoke_where(
    conn: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<u64, DbErr> {
    let now = clock::now();
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .col_expr(session::Column::UpdatedAt, Expr::value(now))
        .filter(condition)
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes the user's sessions that expired (housekeeping at login).
///
/// # Errors
/// The database error.
pub async fn purge_expired(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<u64, DbErr> {
    let result = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ExpiresAt.lte(clock::now()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_stored_only_as_a_hash() {
        let token = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, new_token());
        let hash = hash_token(&token);
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, token);
        assert_eq!(hash, hash_token(&token));
    }
}
