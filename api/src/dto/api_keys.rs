//! API keys: the request that makes one, and the key as answered (with its
//! secret only in the answer that made it).

use chrono::{DateTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use service::api_keys::{self, IssuedKey, NewKey, Scope};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::rules::{one_of, timestamp, validate_timestamp};

/// What a key allows: `read` (every key), `write` (change data too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyScope {
    /// `GET` (and `HEAD`) on the todo, category and tag routes.
    Read,
    /// Every other method on those routes.
    Write,
}

impl ApiKeyScope {
    const NAMES: &'static [(Self, &'static str)] = &[(Self::Read, "read"), (Self::Write, "write")];
}

impl<'de> Deserialize<'de> for ApiKeyScope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        one_of(deserializer, Self::NAMES)
    }
}

impl From<ApiKeyScope> for Scope {
    fn from(value: ApiKeyScope) -> Self {
        match value {
            ApiKeyScope::Read => Self::Read,
            ApiKeyScope::Write => Self::Write,
        }
    }
}

impl From<Scope> for ApiKeyScope {
    fn from(value: Scope) -> Self {
        match value {
            Scope::Read => Self::Read,
            Scope::Write => Self::Write,
        }
    }
}

/// A new API key. The name, scopes and expiry are checked by the service
/// (one home for the rules): each broken rule is `422` naming its field.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCreate {
    /// The owner's name for the key: 1–100 characters once trimmed, on one
    /// line (named in the notice mail and the list).
    #[schema(examples("nightly backup"), min_length = 1, max_length = 100)]
    pub name: String,
    /// `["read"]` or `["read", "write"]`, in any order.
    #[schema(min_items = 1, max_items = 2)]
    pub scopes: Vec<ApiKeyScope>,
    /// When the key stops working (RFC 3339, in the future); absent:
    /// never.
    #[serde(default, deserialize_with = "expiry")]
    #[validate(custom(function = validate_timestamp))]
    #[schema(nullable = false)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// `expires_at`: a timestamp, or absent; `null` is refused, as it is for
/// every field that has nothing to clear.
fn expiry<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    timestamp(deserializer)?
        .map(Some)
        .ok_or_else(|| D::Error::custom("must not be null"))
}

impl From<ApiKeyCreate> for NewKey {
    fn from(body: ApiKeyCreate) -> Self {
        Self {
            name: body.name,
            scopes: body.scopes.into_iter().map(Into::into).collect(),
            expires_at: body.expires_at,
        }
    }
}

/// An API key as listed: never its secret, which only its creation (or
/// rotation) answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyOut {
    /// Key id (UUIDv7).
    pub id: Uuid,
    /// The owner's name for it.
    #[schema(examples("nightly backup"))]
    pub name: String,
    /// The key's first 8 characters, to tell keys apart.
    #[schema(examples("todo_x3F"), min_length = 8, max_length = 8)]
    pub prefix: String,
    /// `["read"]` or `["read", "write"]`.
    pub scopes: Vec<ApiKeyScope>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last time a request used it; written in batches, so it may lag the
    /// last request by a few seconds (and by more for uses on another server).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working; `null`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked (or rotated away); `null` while it works.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<entity::api_key::Model> for ApiKeyOut {
    fn from(key: entity::api_key::Model) -> Self {
        Self {
            scopes: api_keys::scopes(&key).into_iter().map(Into::into).collect(),
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            created_at: key.created_at.to_utc(),
            last_used_at: key.last_used_at.map(|t| t.to_utc()),
            expires_at: key.expires_at.map(|t| t.to_utc()),
            revoked_at: key.revoked_at.map(|t| t.to_utc()),
        }
    }
}

/// An API key just made (or rotated), with its secret: the one answer that
/// shows it. Store it now; it cannot be shown again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyIssued {
    /// Key id (UUIDv7).
    pub id: Uuid,
    /// The owner's name for it.
    #[schema(examples("nightly backup"))]
    pub name: String,
    /// The key's first 8 characters, to tell keys apart.
    #[schema(examples("todo_x3F"), min_length = 8, max_length = 8)]
    pub prefix: String,
    /// `["read"]` or `["read", "write"]`.
    pub scopes: Vec<ApiKeyScope>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Always `null` in this answer.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working; `null`: never.
    pub expires_at: Option<DateTime<Utc>>,
    /// Always `null` in this answer.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The key, for `X-API-Key: <key>`: shown in this answer only.
    #[schema(examples("todo_x3Fq9Zk2VbN8wYt1LmPcR4sD7eGhJ0aUoXiK5nB6vCw"))]
    pub key: String,
}

impl ApiKeyIssued {
    /// The answer for `key`, listed fields first and then its secret.
    #[must_use]
    pub fn new(key: ApiKeyOut, secret: String) -> Self {
        let ApiKeyOut {
            id,
            name,
            prefix,
            scopes,
            created_at,
            last_used_at,
            expires_at,
            revoked_at,
        } = key;
        Self {
            id,
            name,
            prefix,
            scopes,
            created_at,
            last_used_at,
            expires_at,
            revoked_at,
            key: secret,
        }
    }
}

impl From<IssuedKey> for ApiKeyIssued {
    fn from(IssuedKey { key, secret }: IssuedKey) -> Self {
        Self::new(key.into(), secret)
    }
}
