//! API keys: long-lived credentials for scripts and integrations, sent as
//! `X-API-Key` instead of a bearer token.
//!
//! A key is [`KEY_PREFIX`] followed by 256 random bits in URL-safe base64
//! (48 characters in all). It is handed out once, by [`create`] or
//! [`rotate`], and stored only as its SHA-256 with its first
//! [`PREFIX_LEN`] characters in clear, so the owner can tell keys apart
//! and a secret scanner can recognise a leaked one.
//!
//! # Checked on every request
//!
//! Unlike an access token, a key is checked against the database on every
//! request ([`authenticate`]: one read by the key's digest, a unique
//! index, joined to its owner), with no cache: a revocation, a rotation, an expiry or a
//! suspension of the owner takes effect with the very next request, on
//! every server. Only `last_used_at` is kept off that path: uses are
//! remembered in memory by [`Usage`] and written in batches.
//!
//! # Choices
//!
//! - Revoking keeps the row (with `revoked_at`), and [`list`] shows revoked
//!   and expired keys beside the live ones, newest first: the owner sees
//!   what was revoked and when, and a key that stops working can be told
//!   from one that never existed. Only live keys count against
//!   [`MAX_LIVE_KEYS`].
//! - Rotating revokes the old row and inserts a new one (new id, new
//!   secret, same name, scopes and expiry) in one transaction, rather than
//!   replacing the hash in place: the list keeps the history, the audit log
//!   names both ids, and `last_used_at` of the new key says when the new
//!   secret was used, not the old one.
//! - Create, rotate and revoke lock the owner's row exclusively
//!   ([`crate::txn`]), so two creates racing cannot both take the last of
//!   the [`MAX_LIVE_KEYS`] slots, and an account that may no longer act
//!   cannot mint keys.

mod check;
mod rules;
mod usage;

use chrono::{DateTime, Utc};
use entity::api_key;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

pub use check::authenticate;
pub use usage::Usage;

use self::rules::{mint, validate};
use crate::audit::{self, Event, action};
use crate::clock::{self, Timestamp};
use crate::context::ClientMeta;
use crate::txn::{self, Hold};
use crate::{ServiceError, ServiceResult, mail};

/// What every key starts with: recognisable in a config file or a leak.
pub const KEY_PREFIX: &str = "todo_";

/// How many leading characters of a key are kept in clear (`prefix`).
pub const PREFIX_LEN: usize = 8;

/// The most live (not revoked, not expired) keys one user may hold.
pub const MAX_LIVE_KEYS: u64 = 20;

/// The longest key name, in characters (once trimmed).
pub const NAME_MAX_CHARS: usize = 100;

/// What a key allows. Every key may read; `Write` adds the right to change
/// data (any method but `GET` and `HEAD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Read the owner's todos, categories and tags.
    Read,
    /// Change them too.
    Write,
}

/// The scopes a stored key carries: `[Read]` or `[Read, Write]`.
#[must_use]
pub fn scopes(key: &api_key::Model) -> Vec<Scope> {
    if key.can_write {
        vec![Scope::Read, Scope::Write]
    } else {
        vec![Scope::Read]
    }
}

/// A key to create.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// The owner's name for it: 1–[`NAME_MAX_CHARS`] characters once
    /// trimmed, on one line.
    pub name: String,
    /// Exactly `[Read]` or `[Read, Write]`, in any order.
    pub scopes: Vec<Scope>,
    /// When it stops working (must lie in the future); `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A key just made, with the only copy of its secret.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// The stored row.
    pub key: api_key::Model,
    /// The key to hand to the client (never stored).
    pub secret: String,
}

/// Who a valid key speaks for, as [`authenticate`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCaller {
    /// The owner of the key.
    pub user_id: Uuid,
    /// The key's id.
    pub key_id: Uuid,
    /// Whether it has the `write` scope.
    pub can_write: bool,
}

/// Inserts `key` inside `txn`.
async fn insert(txn: &DatabaseTransaction, key: &api_key::Model) -> ServiceResult<()> {
    let row: api_key::ActiveModel = key.clone().into();
    api_key::Entity::insert(row)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// The refusal of one key more than [`MAX_LIVE_KEYS`].
#[must_use]
pub fn too_many_keys() -> ServiceError {
    ServiceError::Conflict {
        field: None,
        message: format!(
            "at most {MAX_LIVE_KEYS} live API keys per account; revoke one to make room"
        ),
    }
}

/// The refusal to rotate a key that is revoked (or, if `expired`, expired).
#[must_use]
pub fn cannot_rotate(expired: bool) -> ServiceError {
    let message = if expired {
        "the API key has expired; create a new one instead"
    } else {
        "the API key is revoked; create a new one instead"
    };
    ServiceError::Conflict {
        field: None,
        message: message.to_owned(),
    }
}

/// An audit event about one of the owner's keys.
fn event(action: &'static str, user_id: Uuid, key_id: Uuid) -> Event {
    Event {
        user_id: Some(user_id),
        action,
        entity_type: Some("api_key"),
        entity_id: Some(key_id.to_string()),
        success: true,
        details: None,
    }
}

/// Creates a key for `user_id`: checks the rules and the limit of live
/// keys, stores its digest, queues the notice mail to the owner and writes
/// the audit row, all in one transaction.
///
/// # Errors
/// [`ServiceError::Invalid`] naming `name`, `scopes` or `expires_at`;
/// [`ServiceError::Conflict`] when the user already holds
/// [`MAX_LIVE_KEYS`] live keys; [`ServiceError::Unauthorized`] when the
/// account may no longer act; the database error.
pub async fn create(
    db: &DatabaseConnection,
    user_id: Uuid,
    new: NewKey,
    client: &ClientMeta,
) -> ServiceResult<IssuedKey> {
    let now = clock::now();
    let (name, can_write) = validate(&new, now)?;
    let (txn, user) = txn::begin_as(db, user_id, Hold::Exclusive).await?;
    let live = api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(user_id))
        .filter(live_at(now))
        .count(&txn)
        .await?;
    if live >= MAX_LIVE_KEYS {
        return Err(too_many_keys());
    }
    let issued = mint(
        user_id,
        name,
        can_write,
        new.expires_at.map(clock::to_db),
        now,
    );
    insert(&txn, &issued.key).await?;
    mail::enqueue(
        &txn,
        mail::Message::api_key_created(&user.email, &user.username, &issued.key.name),
    )
    .await?;
    let details = serde_json::json!({ "name": issued.key.name, "can_write": can_write });
    audit::record(
        &txn,
        client,
        event(action::API_KEY_CREATE, user_id, issued.key.id).with_details(details),
    )
    .await?;
    txn.commit().await?;
    Ok(issued)
}

/// The condition of a key that works at `now`: not revoked, not expired.
fn live_at(now: Timestamp) -> Condition {
    Condition::all()
        .add(api_key::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(api_key::Column::ExpiresAt.is_null())
                .add(api_key::Column::ExpiresAt.gt(now)),
        )
}

/// Every key of `user_id`, newest first: live ones and, so the owner sees
/// what stopped working and when, revoked and expired ones too. The secret
/// is never among them (only its digest is stored).
///
/// # Errors
/// The database error.
pub async fn list(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<Vec<api_key::Model>> {
    Ok(api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(user_id))
        .order_by_desc(api_key::Column::CreatedAt)
        .order_by_desc(api_key::Column::Id)
        .all(db)
        .await?)
}

/// One of `user_id`'s keys, inside `txn`; another user's key is not found.
async fn owned(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    id: Uuid,
) -> ServiceResult<api_key::Model> {
    api_key::Entity::find_by_id(id)
        .filter(api_key::Column::UserId.eq(user_id))
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound { entity: "API key" })
}

/// Marks `id` revoked at `now` inside `txn` (if it is not already).
async fn mark_revoked(txn: &DatabaseTransaction, id: Uuid, now: Timestamp) -> ServiceResult<()> {
    api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now))
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Replaces one of `user_id`'s live keys by a new one with the same name,
/// scopes and expiry, in one transaction: the old key is revoked (it stops
/// working at once) and the answer holds the new key's secret. The new
/// key has a new id.
///
/// # Errors
/// [`ServiceError::NotFound`] for a key that is not the user's;
/// [`ServiceError::Conflict`] for a key already revoked or expired (create
/// a new one instead); [`ServiceError::Unauthorized`] when the account may
/// no longer act; the database error.
pub async fn rotate(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    client: &ClientMeta,
) -> ServiceResult<IssuedKey> {
    let (txn, _) = txn::begin_as(db, user_id, Hold::Exclusive).await?;
    let old = owned(&txn, user_id, id).await?;
    let now = clock::now();
    if old.revoked_at.is_some() {
        return Err(cannot_rotate(false));
    }
    if old.expires_at.is_some_and(|at| at <= now) {
        return Err(cannot_rotate(true));
    }
    mark_revoked(&txn, old.id, now).await?;
    let issued = mint(user_id, old.name, old.can_write, old.expires_at, now);
    insert(&txn, &issued.key).await?;
    let details = serde_json::json!({ "new_key_id": issued.key.id });
    audit::record(
        &txn,
        client,
        event(action::API_KEY_ROTATE, user_id, old.id).with_details(details),
    )
    .await?;
    txn.commit().await?;
    Ok(issued)
}

/// Revokes one of `user_id`'s keys: it stops working at once, and stays
/// in the list with its `revoked_at`. Revoking a revoked key changes
/// nothing and succeeds.
///
/// # Errors
/// [`ServiceError::NotFound`] for a key that is not the user's;
/// [`ServiceError::Unauthorized`] when the account may no longer act; the
/// database error.
pub async fn revoke(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let (txn, _) = txn::begin_as(db, user_id, Hold::Exclusive).await?;
    let key = owned(&txn, user_id, id).await?;
    if key.revoked_at.is_none() {
        mark_revoked(&txn, key.id, clock::now()).await?;
        audit::record(&txn, client, event(action::API_KEY_REVOKE, user_id, key.id)).await?;
    }
    txn.commit().await?;
    Ok(())
}
