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
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::{ServiceError, ServiceResult, clock, txn};

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
    hex::encode(Sha256::digest(token.as_bytes()))
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
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash_token(presented)))
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    let Some((session, Some(user))) = found else {
        return Err(INVALID);
    };
    if session.revoked_at.is_some() {
        revoke_family_for_reuse(db, &session, client).await?;
        return Err(INVALID);
    }
    let now = clock::now();
    if session.expires_at <= now
        || user.deleted_at.is_some()
        || user.status != user::UserStatus::Active
    {
        return Err(INVALID);
    }
    let txn = txn::begin_write(db).await?;
    // Revoke only if still live: of two concurrent refreshes with the same
    // token, exactly one wins; the other is treated as reuse.
    let revoked = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .col_expr(session::Column::LastUsedAt, Expr::value(now))
        .col_expr(session::Column::UpdatedAt, Expr::value(now))
        .filter(session::Column::Id.eq(session.id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if revoked.rows_affected == 0 {
        txn.rollback().await?;
        revoke_family_for_reuse(db, &session, client).await?;
        return Err(INVALID);
    }
    let issued = start(&txn, user.id, Some(session.family_id), ttl, client).await?;
    txn.commit().await?;
    Ok((user, issued))
}

async fn revoke_family_for_reuse(
    db: &DatabaseConnection,
    session: &session::Model,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let txn = txn::begin_write(db).await?;
    let revoked = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(clock::now()))
        .filter(session::Column::FamilyId.eq(session.family_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        client,
        Event {
            user_id: Some(session.user_id),
            action: action::REFRESH_REUSE,
            entity_type: Some("session"),
            entity_id: Some(session.id.to_string()),
            success: false,
            details: Some(serde_json::json!({
                "family_id": session.family_id,
                "sessions_revoked": revoked.rows_affected,
            })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes the session a refresh token belongs to (logout). An unknown or
/// already revoked token changes nothing: logging out twice is not an error.
///
/// # Errors
/// The database error.
pub async fn logout(
    db: &DatabaseConnection,
    presented: &str,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let Some(session) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash_token(presented)))
        .filter(session::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let txn = txn::begin_write(db).await?;
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
/// [`ServiceError::NotFound`] if it is not theirs or not live.
pub async fn revoke(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    session_id: Uuid,
) -> ServiceResult<()> {
    let revoked = revoke_where(
        db,
        session::Column::Id
            .eq(session_id)
            .and(session::Column::UserId.eq(user_id)),
    )
    .await?;
    if revoked == 0 {
        return Err(ServiceError::NotFound { entity: "session" });
    }
    Ok(())
}

/// Revokes every live session of the user except `keep`; returns how many.
///
/// # Errors
/// The database error.
pub async fn revoke_all(
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
