//! The account lifecycle: verifying and changing the address, resetting a
//! forgotten password, deleting the account with a grace period.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// The token of a mailed link (the `token` query parameter of the page it
/// opens).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token, as the link carries it.
    #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
    #[schema(
        examples("Qm9vbGVhbi1yYW5kb20tMjU2LWJpdHMtdG9rZW4tZXhhbXBsZQ"),
        min_length = 1,
        max_length = 256
    )]
    pub token: String,
}

/// An address to mail a link to.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    /// The account's e-mail address.
    #[validate(
        email(message = "must be a valid e-mail address"),
        length(max = 254, message = "must be at most 254 characters")
    )]
    #[schema(format = "email", examples("ada@example.com"), max_length = 254)]
    pub email: String,
}

/// A change of the caller's address.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeEmailRequest {
    /// The address to move to; it must prove itself by the mailed link.
    #[validate(
        email(message = "must be a valid e-mail address"),
        length(max = 254, message = "must be at most 254 characters")
    )]
    #[schema(format = "email", examples("ada@new.example.com"), max_length = 254)]
    pub new_email: String,
    /// The account's current password.
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

/// A new password, with the token of a reset link.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The token of the reset link.
    #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
    #[schema(min_length = 1, max_length = 256)]
    pub token: String,
    /// 8–128 characters with at least one letter and one digit.
    #[validate(custom(function = super::validate_password))]
    #[schema(examples("correct-horse-2"), min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// The credentials of an account scheduled for deletion.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelDeletionRequest {
    /// The account's e-mail address.
    #[validate(length(min = 1, max = 254, message = "must be 1 to 254 characters"))]
    #[schema(examples("ada@example.com"), min_length = 1, max_length = 254)]
    pub email: String,
    /// The account's password.
    #[validate(length(min = 1, max = 128, message = "must be 1 to 128 characters"))]
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

/// A confirmed deletion.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeletionScheduled {
    /// When the account and everything it owns are purged, unless the
    /// owner cancels first (`POST /auth/cancel-account-deletion`).
    pub scheduled_for: DateTime<Utc>,
}
