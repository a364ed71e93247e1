//! Users, profiles and preferences.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service::accounts::{Account, PreferenceChanges};
use service::paging::PageRequest;
use service::users::{Filter, SortKey};
use utoipa::{IntoParams, IntoResponses, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::double_option;
use super::enums::{SortOrder, Theme, UserStatus};
use super::rules::{non_null, non_null_object, timestamp};
use crate::error::Problem;
use crate::pagination::DEFAULT_PAGE_SIZE;
use crate::routes::responses::PROBLEM;

/// A user as the API shows it (never with a password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserOut {
    /// User id (UUIDv7).
    pub id: Uuid,
    /// E-mail address, lower-case.
    pub email: String,
    /// Username.
    pub username: String,
    /// Display name.
    pub full_name: Option<String>,
    /// Short self-description.
    pub bio: Option<String>,
    /// Account status.
    pub status: UserStatus,
    /// Whether the user is an admin.
    pub is_admin: bool,
    /// Whether the owner proved the address by following a mailed link
    /// (accounts older than verification, and operator-made admins, count
    /// as verified).
    pub email_verified: bool,
    /// When a confirmed self-deletion purges the account, unless it is
    /// cancelled first; `null` when none is scheduled.
    pub deletion_scheduled_for: Option<DateTime<Utc>>,
    /// The user's preferences.
    pub preferences: PreferencesOut,
    /// Registration time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When the account was deleted (soft delete), if it was.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Raised by one on every change (optimistic locking).
    pub version: i32,
}

/// A user's preferences.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreferencesOut {
    /// Colour theme.
    pub theme: Theme,
    /// IANA time zone name.
    #[schema(examples("Europe/Paris"))]
    pub timezone: String,
    /// Page size of lists when the request names none (1–100).
    pub default_page_size: i32,
    /// Default sort key of the todo list.
    #[schema(examples("created_at"))]
    pub default_sort: String,
    /// Whether to send notification e-mails.
    pub email_notifications: bool,
}

impl From<Account> for UserOut {
    fn from(Account { user, preferences }: Account) -> Self {
        Self {
            id: user.id,
            email: user.email,
            username: user.username,
            full_name: user.full_name,
            bio: user.bio,
            status: user.status.into(),
            is_admin: user.is_admin,
            email_verified: user.email_verified,
            deletion_scheduled_for: user.deletion_scheduled_for.map(|t| t.to_utc()),
            preferences: PreferencesOut {
                theme: preferences.theme.into(),
                timezone: preferences.timezone,
                default_page_size: preferences.default_page_size,
                default_sort: preferences.default_sort,
                email_notifications: preferences.email_notifications,
            },
            created_at: user.created_at.to_utc(),
            updated_at: user.updated_at.to_utc(),
            deleted_at: user.deleted_at.map(|t| t.to_utc()),
            version: user.version,
        }
    }
}

/// The todo sort keys a preference may name.
pub const TODO_SORT_KEYS: &[&str] = &service::todos::SortKey::NAMES;

fn validate_timezone(tz: &str) -> Result<(), ValidationError> {
    tz.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| {
        ValidationError::new("timezone").with_message("must be an IANA time zone name".into())
    })
}

fn validate_sort_key(key: &str) -> Result<(), ValidationError> {
    if TODO_SORT_KEYS.contains(&key) {
        Ok(())
    } else {
        Err(ValidationError::new("sort_key")
            .with_message(format!("must be one of {}", TODO_SORT_KEYS.join(", ")).into()))
    }
}

/// Preference changes; absent keys keep their value.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesUpdate {
    /// Colour theme.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub theme: Option<Theme>,
    /// IANA time zone name, e.g. `Europe/Paris`.
    #[serde(default, deserialize_with = "non_null")]
    #[validate(custom(function = validate_timezone))]
    #[schema(nullable = false)]
    pub timezone: Option<String>,
    /// 1–100.
    #[serde(default, deserialize_with = "non_null")]
    #[validate(range(min = 1, max = 100, message = "must be between 1 and 100"))]
    #[schema(nullable = false, minimum = 1, maximum = 100)]
    pub default_page_size: Option<i32>,
    /// One of `created_at`, `updated_at`, `due_date`, `priority`, `title`.
    #[serde(default, deserialize_with = "non_null")]
    #[validate(custom(function = validate_sort_key))]
    #[schema(nullable = false)]
    pub default_sort: Option<String>,
    /// Whether to send notification e-mails.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub email_notifications: Option<bool>,
}

impl From<PreferencesUpdate> for PreferenceChanges {
    fn from(p: PreferencesUpdate) -> Self {
        Self {
            theme: p.theme.map(Into::into),
            timezone: p.timezone,
            default_page_size: p.default_page_size,
            default_sort: p.default_sort,
            email_notifications: p.email_notifications,
        }
    }
}

/// Changes to one's own profile: absent fields are kept, `null` clears
/// `full_name` or `bio`, and `preferences` merge key by key.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdateMe {
    /// New username (unique, case-insensitively).
    #[serde(default, deserialize_with = "non_null")]
    #[validate(custom(function = super::validate_username))]
    #[schema(nullable = false)]
    pub username: Option<String>,
    /// Display name (up to 100 characters); `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 100, message = "must be at most 100 characters"))]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub full_name: Option<Option<String>>,
    /// Short self-description (up to 2000 characters); `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub bio: Option<Option<String>>,
    /// Preference changes.
    #[serde(default, deserialize_with = "non_null_object")]
    #[validate(nested)]
    #[schema(nullable = false)]
    pub preferences: Option<PreferencesUpdate>,
    /// The version the client last saw (`409` if stale).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub version: Option<i32>,
}

/// The password that confirms deleting one's own account.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    /// The account's current password.
    #[validate(length(min = 1, max = 128, message = "is required"))]
    pub password: String,
}

/// An admin's change to a user.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminUserUpdate {
    /// New status; anything but `active` also ends the user's sessions.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub status: Option<UserStatus>,
    /// Grant or revoke the admin role.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub is_admin: Option<bool>,
    /// The version the client last saw (`409` if stale).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub version: Option<i32>,
}

/// Sort keys of the user list.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserSortKey {
    /// Registration time.
    #[default]
    CreatedAt,
    /// E-mail address.
    Email,
    /// Username.
    Username,
}

impl From<UserSortKey> for SortKey {
    fn from(key: UserSortKey) -> Self {
        match key {
            UserSortKey::CreatedAt => Self::CreatedAt,
            UserSortKey::Email => Self::Email,
            UserSortKey::Username => Self::Username,
        }
    }
}

/// Filters and sort of the admin's user list.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Substring of e-mail, username or full name (any case).
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    pub search: Option<String>,
    /// Only users with this status.
    pub status: Option<UserStatus>,
    /// Only admins (`true`) or only non-admins (`false`).
    pub is_admin: Option<bool>,
    /// Only users whose address is verified (`true`) or not (`false`).
    pub is_verified: Option<bool>,
    /// Registered at or after (RFC 3339: years 1000–9999, seconds 0–59).
    #[serde(default, deserialize_with = "timestamp")]
    #[validate(custom(function = super::rules::validate_timestamp))]
    pub created_after: Option<DateTime<Utc>>,
    /// Registered before (RFC 3339: years 1000–9999, seconds 0–59).
    #[serde(default, deserialize_with = "timestamp")]
    #[validate(custom(function = super::rules::validate_timestamp))]
    pub created_before: Option<DateTime<Utc>>,
    /// Include soft-deleted users.
    pub include_deleted: Option<bool>,
    /// Sort key (default `created_at`).
    pub sort_by: Option<UserSortKey>,
    /// Sort direction (default `desc`).
    pub sort_order: Option<SortOrder>,
    /// 1-based page number; past the last page, no items.
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[validate(custom(function = crate::pagination::validate_page_size))]
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

impl UserListQuery {
    /// The users the query asks for, in its order, and the page of them.
    #[must_use]
    pub fn into_parts(self) -> (Filter, PageRequest) {
        let filter = Filter {
            search: self.search,
            status: self.status.map(Into::into),
            is_admin: self.is_admin,
            is_verified: self.is_verified,
            created_after: self.created_after,
            created_before: self.created_before,
            include_deleted: self.include_deleted.unwrap_or(false),
            sort_by: self.sort_by.unwrap_or_default().into(),
            descending: self.sort_order.unwrap_or_default().is_desc(),
        };
        (
            filter,
            PageRequest::new(self.page, self.size, DEFAULT_PAGE_SIZE),
        )
    }
}

/// `?permanent=true` on a delete.
#[derive(Debug, Clone, Copy, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Remove for good instead of a soft delete.
    pub permanent: Option<bool>,
}

impl DeleteQuery {
    /// Whether the delete is for good (`?permanent=true`), not a soft delete.
    #[must_use]
    pub fn is_permanent(self) -> bool {
        self.permanent == Some(true)
    }
}

/// The optional body of a delete: the version the client last saw, checked
/// as a `PATCH` checks it (`409` if stale). No body at all deletes whatever
/// the version.
#[derive(Debug, Clone, Copy, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    /// The version the client last saw (`409` if stale).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub version: Option<i32>,
}

impl DeleteBody {
    /// The `version` of an optional body.
    #[must_use]
    pub fn version_of(body: Option<Self>) -> Option<i32> {
        body.and_then(|body| body.version)
    }

    /// What the operations that take it say of it.
    pub const DESCRIPTION: &str = "Optional: the `version` the delete is based on (`409` if \
                                   stale); no body deletes whatever the version";
}

// What the operations on versioned resources (todos, categories, users)
// document alike: defined once, named by each operation's attribute. The
// server reads these headers through `crate::conditional`.

/// `If-Match` on a change, as documented.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchChange {
    /// ETag of the version the change is based on
    #[param(rename = "If-Match")]
    pub if_match: Option<String>,
}

/// `If-Match` on a delete, as documented.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchDelete {
    /// ETag of the version the delete is based on
    #[param(rename = "If-Match")]
    pub if_match: Option<String>,
}

/// The answer to a read whose `If-None-Match` still holds.
#[derive(Debug, IntoResponses)]
#[response(status = 304, description = "Not modified (`If-None-Match`)")]
pub struct NotModified;

/// The answer to a write whose `If-Match` no longer holds.
#[derive(Debug, IntoResponses)]
#[response(status = 412, description = "`If-Match` does not match", content_type = PROBLEM)]
pub struct IfMatchFailed(pub Problem);

/// The answer to a body that does not fit its schema.
#[derive(Debug, IntoResponses)]
#[response(status = 422, description = "Invalid fields", content_type = PROBLEM)]
pub struct InvalidFields(pub Problem);

/// The answer to query parameters that do not fit their schema.
#[derive(Debug, IntoResponses)]
#[response(status = 422, description = "Invalid query parameters", content_type = PROBLEM)]
pub struct InvalidQuery(pub Problem);

/// The answer of an admin operation to a caller who is not one.
#[derive(Debug, IntoResponses)]
#[response(status = 403, description = "Not an admin", content_type = PROBLEM)]
pub struct NotAdmin(pub Problem);
