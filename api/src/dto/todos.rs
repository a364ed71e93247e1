//! Todos and their history. The list's query and envelope are in `todo_list`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service::todos::{NewTodo, TodoChanges, TodoView};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::double_option;
use super::enums::{Priority, TodoStatus};
use super::rules::{
    non_null, nullable_timestamp, timestamp, validate_tag_names, validate_timestamp, validate_title,
};

/// A todo's category, as the todo shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoCategory {
    /// Category id.
    pub id: Uuid,
    /// Its name.
    #[schema(examples("Work"))]
    pub name: String,
    /// Its colour.
    #[schema(examples("#3b82f6"))]
    pub color: Option<String>,
}

/// A tag, as a todo shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoTag {
    /// Tag id.
    pub id: Uuid,
    /// Its name.
    #[schema(examples("urgent"))]
    pub name: String,
}

/// A todo with its category and tags.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoOut {
    /// Todo id (UUIDv7).
    pub id: Uuid,
    /// Title.
    #[schema(examples("Write the report"))]
    pub title: String,
    /// Free text.
    pub description: Option<String>,
    /// Status.
    pub status: TodoStatus,
    /// Priority.
    pub priority: Priority,
    /// When it is due.
    pub due_date: Option<DateTime<Utc>>,
    /// When it last became `completed`; null unless it is.
    pub completed_at: Option<DateTime<Utc>>,
    /// Its category, if any.
    pub category: Option<TodoCategory>,
    /// Its tags, by name.
    pub tags: Vec<TodoTag>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it was soft-deleted, if it was.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Raised by one on every change, tag and category changes included.
    pub version: i32,
}

impl From<TodoView> for TodoOut {
    fn from(
        TodoView {
            todo,
            category,
            tags,
        }: TodoView,
    ) -> Self {
        // Every column by name, so that a new one does not compile until it
        // is either answered or listed here as kept from clients.
        let entity::todo::Model {
            id,
            // The owner is the caller; not answered.
            user_id: _,
            // Answered as `category`, with its name and colour.
            category_id: _,
            title,
            description,
            status,
            priority,
            due_date,
            completed_at,
            deleted_at,
            version,
            created_at,
            updated_at,
            // Where delta sync stands; the sync token carries it.
            sync_seq: _,
        } = todo;
        Self {
            id,
            title,
            description,
            status: status.into(),
            priority: priority.into(),
            due_date: due_date.map(|t| t.to_utc()),
            completed_at: completed_at.map(|t| t.to_utc()),
            category: category.map(|c| TodoCategory {
                id: c.id,
                name: c.name,
                color: c.color,
            }),
            tags: tags
                .into_iter()
                .map(|t| TodoTag {
                    id: t.id,
                    name: t.name,
                })
                .collect(),
            created_at: created_at.to_utc(),
            updated_at: updated_at.to_utc(),
            deleted_at: deleted_at.map(|t| t.to_utc()),
            version,
        }
    }
}

/// A new todo.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TodoCreate {
    /// 1–200 characters once trimmed, on one line.
    #[validate(custom(function = validate_title))]
    #[schema(examples("Write the report"), min_length = 1, max_length = 200)]
    pub title: String,
    /// Up to 10,000 characters.
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Default `pending`; `completed` sets `completed_at`.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub status: Option<TodoStatus>,
    /// Default `medium`.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub priority: Option<Priority>,
    /// When it is due (RFC 3339): years 1000–9999, seconds 0–59.
    #[serde(default, deserialize_with = "timestamp")]
    #[validate(custom(function = validate_timestamp))]
    pub due_date: Option<DateTime<Utc>>,
    /// One of the caller's categories (`422` otherwise).
    pub category_id: Option<Uuid>,
    /// Tag names (at most 50, each 1–50 characters); unknown names are
    /// created, repeats in any case count once.
    #[serde(default, deserialize_with = "non_null")]
    #[validate(custom(function = validate_tag_names))]
    #[schema(nullable = false, max_items = 50, examples("urgent"))]
    pub tags: Option<Vec<String>>,
}

impl From<TodoCreate> for NewTodo {
    fn from(
        TodoCreate {
            title,
            description,
            status,
            priority,
            due_date,
            category_id,
            tags,
        }: TodoCreate,
    ) -> Self {
        Self {
            title,
            description,
            status: status.map(Into::into),
            priority: priority.map(Into::into),
            due_date,
            category_id,
            tags: tags.unwrap_or_default(),
        }
    }
}

/// Changes to a todo: absent fields are kept; `null` clears `description`,
/// `due_date` or `category_id`; `tags` replaces the whole set.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TodoUpdate {
    /// New title (1–200 characters once trimmed).
    #[serde(default, deserialize_with = "non_null")]
    #[validate(custom(function = validate_title))]
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    pub title: Option<String>,
    /// New description (up to 10,000 characters); `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Option<Option<String>>,
    /// New status; entering or leaving `completed` sets or clears
    /// `completed_at`, and any change appends a history entry.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub status: Option<TodoStatus>,
    /// New priority.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub priority: Option<Priority>,
    /// New due date (RFC 3339: years 1000–9999, seconds 0–59); `null` clears it.
    #[serde(default, deserialize_with = "nullable_timestamp")]
    #[validate(custom(function = validate_timestamp))]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub due_date: Option<Option<DateTime<Utc>>>,
    /// New category (one of the caller's, `422` otherwise); `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub category_id: Option<Option<Uuid>>,
    /// The new set of tags, by name (unknown names are created).
    #[serde(default, deserialize_with = "non_null")]
    #[validate(custom(function = validate_tag_names))]
    #[schema(nullable = false, max_items = 50)]
    pub tags: Option<Vec<String>>,
    /// The version the client last saw (`409` if stale).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub version: Option<i32>,
}

impl TodoUpdate {
    /// The service's change set, with the expectations of the request.
    #[must_use]
    pub fn into_changes(self, expected: Vec<service::version::Expected>) -> TodoChanges {
        let Self {
            title,
            description,
            status,
            priority,
            due_date,
            category_id,
            tags,
            // Already turned into `expected` by the route, with `If-Match`.
            version: _,
        } = self;
        TodoChanges {
            title,
            description,
            status: status.map(Into::into),
            priority: priority.map(Into::into),
            due_date,
            category_id,
            tags,
            expected,
        }
    }
}

/// One status change of a todo.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntryOut {
    /// Entry id.
    pub id: Uuid,
    /// The status before.
    pub from_status: TodoStatus,
    /// The status after.
    pub to_status: TodoStatus,
    /// When it changed.
    pub changed_at: DateTime<Utc>,
}

impl From<entity::todo_history::Model> for HistoryEntryOut {
    fn from(row: entity::todo_history::Model) -> Self {
        Self {
            id: row.id,
            from_status: row.from_status.into(),
            to_status: row.to_status.into(),
            changed_at: row.changed_at.to_utc(),
        }
    }
}
