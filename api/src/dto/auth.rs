//! Registration, login, tokens and sessions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// A new account.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// E-mail address (stored lower-case, unique).
    #[validate(
        email(message = "must be a valid e-mail address"),
        length(max = 254, message = "must be at most 254 characters")
    )]
    #[schema(format = "email", examples("ada@example.com"), max_length = 254)]
    pub email: String,
    /// 3–50 of `[A-Za-z0-9_.-]`, unique case-insensitively.
    #[validate(custom(function = super::validate_username))]
    #[schema(
        examples("ada"),
        min_length = 3,
        max_length = 50,
        pattern = "^[A-Za-z0-9_.-]{3,50}$"
    )]
    pub username: String,
    /// 8–128 characters with at least one letter and one digit.
    #[validate(custom(function = super::validate_password))]
    #[schema(examples("correct-horse-1"), min_length = 8, max_length = 128)]
    pub password: String,
    /// Display name (up to 100 characters).
    #[validate(length(max = 100, message = "must be at most 100 characters"))]
    #[schema(max_length = 100)]
    pub full_name: Option<String>,
}

/// Credentials.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// E-mail address or username.
    #[validate(length(min = 1, max = 254, message = "must be 1 to 254 characters"))]
    #[schema(examples("ada@example.com"), min_length = 1, max_length = 254)]
    pub email: String,
    /// The password.
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

/// The kind of token a client sends back: the one value `Bearer`, so that
/// typed clients see a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum TokenType {
    /// `Authorization: Bearer <access_token>`.
    Bearer,
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenPair {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single-use token for `POST /auth/refresh`.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    #[schema(examples(900))]
    pub expires_in: u64,
}

/// A refresh token, to renew or to revoke.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last token pair.
    #[validate(length(min = 1, max = 512, message = "must be 1 to 512 characters"))]
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

/// A password change.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password (`422` naming this field when wrong).
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(min_length = 1, max_length = 128)]
    pub current_password: String,
    /// 8–128 characters with at least one letter and one digit.
    #[validate(custom(function = super::validate_password))]
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// A live refresh-token session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionOut {
    /// Session id.
    pub id: Uuid,
    /// When the session (or the rotation that made it) started.
    pub created_at: DateTime<Utc>,
    /// Last time its token was used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When its refresh token expires.
    pub expires_at: DateTime<Utc>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// The client's IP address.
    pub ip_address: Option<String>,
    /// Whether this is the session of the access token used for this request.
    pub current: bool,
}

impl SessionOut {
    /// The API view of `session`; `current` marks the caller's own.
    #[must_use]
    pub fn new(session: entity::session::Model, current: Uuid) -> Self {
        Self {
            current: session.id == current,
            id: session.id,
            created_at: session.created_at.to_utc(),
            last_used_at: session.last_used_at.map(|t| t.to_utc()),
            expires_at: session.expires_at.to_utc(),
            user_agent: session.user_agent,
            ip_address: session.ip_address,
        }
    }
}
