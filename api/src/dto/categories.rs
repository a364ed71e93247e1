//! Categories.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service::categories::CategoryView;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::double_option;
use super::rules::{non_null, validate_name};

/// A category with the number of live todos in it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryOut {
    /// Category id (UUIDv7).
    pub id: Uuid,
    /// Name, unique per user case-insensitively.
    #[schema(examples("Work"))]
    pub name: String,
    /// Free-form colour.
    #[schema(examples("#3b82f6"))]
    pub color: Option<String>,
    /// Live (not soft-deleted) todos in the category.
    pub todo_count: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Raised by one on every change (optimistic locking).
    pub version: i32,
}

impl From<CategoryView> for CategoryOut {
    fn from(
        CategoryView {
            category,
            todo_count,
        }: CategoryView,
    ) -> Self {
        Self {
            id: category.id,
            name: category.name,
            color: category.color,
            todo_count,
            created_at: category.created_at.to_utc(),
            updated_at: category.updated_at.to_utc(),
            version: category.version,
        }
    }
}

/// A new category.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryCreate {
    /// 1–50 characters once trimmed; unique per user case-insensitively.
    #[validate(custom(function = validate_name))]
    #[schema(examples("Work"), min_length = 1, max_length = 50)]
    pub name: String,
    /// Free-form colour (up to 32 characters).
    #[validate(length(max = 32, message = "must be at most 32 characters"))]
    #[schema(examples("#3b82f6"), max_length = 32)]
    pub color: Option<String>,
}

/// Changes to a category: absent fields are kept, `color: null` clears it.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryUpdate {
    /// New name (1–50 characters once trimmed).
    #[serde(default, deserialize_with = "non_null")]
    #[validate(custom(function = validate_name))]
    #[schema(nullable = false, min_length = 1, max_length = 50)]
    pub name: Option<String>,
    /// New colour (up to 32 characters); `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 32, message = "must be at most 32 characters"))]
    #[schema(value_type = Option<String>, max_length = 32)]
    pub color: Option<Option<String>>,
    /// The version the client last saw (`409` if stale).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub version: Option<i32>,
}
