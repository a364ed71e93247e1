//! Checking a presented key: on every request, in one query.

use entity::{api_key, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{KEY_PREFIX, KeyCaller};
use crate::clock::{self, Timestamp};
use crate::{ServiceError, ServiceResult, secrets};

/// The longest `X-API-Key` value looked up at all: anything longer is no
/// key of ours and is refused without a query.
const PRESENTED_MAX_LEN: usize = 256;

/// The row of a presented key and the state of its owner.
type KeyRow = (
    Uuid,
    Uuid,
    bool,
    Option<Timestamp>,
    Option<Timestamp>,
    Option<Timestamp>,
    user::UserStatus,
);

/// Who `presented` (an `X-API-Key` value) speaks for, checked now: one
/// query joining the key and its owner, no cache.
///
/// # Errors
/// [`ServiceError::Unauthorized`] for a key that is unknown, revoked
/// (rotation included) or expired, or whose owner is deleted, inactive or
/// suspended; the database error.
pub async fn authenticate(db: &impl ConnectionTrait, presented: &str) -> ServiceResult<KeyCaller> {
    let presented = presented.trim();
    if !presented.starts_with(KEY_PREFIX) || presented.len() > PRESENTED_MAX_LEN {
        return Err(ServiceError::Unauthorized(
            "the `X-API-Key` header does not hold an API key",
        ));
    }
    let row: Option<KeyRow> = api_key::Entity::find()
        .select_only()
        .column(api_key::Column::Id)
        .column(api_key::Column::UserId)
        .column(api_key::Column::CanWrite)
        .column(api_key::Column::RevokedAt)
        .column(api_key::Column::ExpiresAt)
        .column(user::Column::DeletedAt)
        .column(user::Column::Status)
        .inner_join(user::Entity)
        .filter(api_key::Column::KeyHash.eq(secrets::digest(presented)))
        .into_tuple()
        .one(db)
        .await?;
    let Some((key_id, user_id, can_write, revoked_at, expires_at, deleted_at, status)) = row else {
        return Err(ServiceError::Unauthorized("unknown API key"));
    };
    if revoked_at.is_some() {
        return Err(ServiceError::Unauthorized("the API key has been revoked"));
    }
    if expires_at.is_some_and(|at| at <= clock::now()) {
        return Err(ServiceError::Unauthorized("the API key has expired"));
    }
    if deleted_at.is_some() || status != user::UserStatus::Active {
        return Err(ServiceError::Unauthorized(
            "the account of this API key is not active",
        ));
    }
    Ok(KeyCaller {
        user_id,
        key_id,
        can_write,
    })
}
