//! Bulk operations on todos: up to 1000 items or ids per request, all or
//! nothing. Errors name an invalid item by its path in the body
//! (`items[3].title`, `ids[7]`, `set.category_id`) and a missing or
//! soft-deleted todo by its id.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service::todos::{BulkChanges, MAX_BULK, NewTodo};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError, ValidationErrors};

use super::double_option;
use super::enums::{Priority, TodoStatus};
use super::rules::{
    non_null, nullable_timestamp, object, objects, validate_tag_names, validate_timestamp,
};
use super::todos::{TodoCreate, TodoOut};

/// Todos to create in one request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TodoBulkCreate {
    /// 1–1000 new todos, each as for `POST /todos`. Errors name an item by
    /// its index: `items[3].title`, `items[999].category_id`.
    #[serde(deserialize_with = "objects")]
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<TodoCreate>,
}

impl Validate for TodoBulkCreate {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if let Err(error) = validate_count(self.items.len()) {
            // Past the limit, the items themselves are not worth checking.
            errors.add("items", error);
            return Err(errors);
        }
        // Each invalid item under `items[i]`, as `flatten` spells it.
        errors.merge_self("items", self.items.validate());
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl TodoBulkCreate {
    /// The service's new todos, in input order.
    #[must_use]
    pub fn into_new(self) -> Vec<NewTodo> {
        self.items.into_iter().map(Into::into).collect()
    }
}

fn validate_count(count: usize) -> Result<(), ValidationError> {
    if (1..=MAX_BULK).contains(&count) {
        Ok(())
    } else {
        Err(ValidationError::new("length")
            .with_message(format!("must list 1 to {MAX_BULK} items").into()))
    }
}

/// The todos a bulk create made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoBulkCreated {
    /// The new todos, in the order of the request's items.
    pub items: Vec<TodoOut>,
}

/// The fields a bulk update sets on every todo: absent fields are kept;
/// `null` clears `category_id` or `due_date`.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TodoBulkSet {
    /// New status; entering or leaving `completed` sets or clears
    /// `completed_at`, and each todo whose status changes gets a history entry.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub status: Option<TodoStatus>,
    /// New priority.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub priority: Option<Priority>,
    /// New category (one of the caller's, `422` naming `set.category_id`
    /// otherwise); `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub category_id: Option<Option<Uuid>>,
    /// New due date (RFC 3339: years 1000–9999, seconds 0–59); `null` clears it.
    #[serde(default, deserialize_with = "nullable_timestamp")]
    #[validate(custom(function = validate_timestamp))]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub due_date: Option<Option<DateTime<Utc>>>,
}

/// One change applied to many todos.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TodoBulkUpdate {
    /// 1–1000 ids of the caller's live todos, each once.
    #[schema(min_items = 1, max_items = 1000)]
    pub ids: Vec<Uuid>,
    /// Fields to set on every todo (may be left out when only tags change).
    #[serde(default, deserialize_with = "object")]
    #[validate(nested)]
    pub set: TodoBulkSet,
    /// Tags to put on every todo, by name (at most 50); unknown names are created.
    #[serde(default, deserialize_with = "non_null")]
    #[validate(custom(function = validate_tag_names))]
    #[schema(nullable = false, max_items = 50, examples("urgent"))]
    pub add_tags: Option<Vec<String>>,
    /// Tags to take off every todo, by name (at most 50); unknown names are
    /// ignored. Naming a tag also in `add_tags` is `422`.
    #[serde(default, deserialize_with = "non_null")]
    #[validate(custom(function = validate_tag_names))]
    #[schema(nullable = false, max_items = 50)]
    pub remove_tags: Option<Vec<String>>,
}

impl TodoBulkUpdate {
    /// The ids and the service's change set.
    #[must_use]
    pub fn into_parts(self) -> (Vec<Uuid>, BulkChanges) {
        let changes = BulkChanges {
            status: self.set.status.map(Into::into),
            priority: self.set.priority.map(Into::into),
            category_id: self.set.category_id,
            due_date: self.set.due_date,
            add_tags: self.add_tags.unwrap_or_default(),
            remove_tags: self.remove_tags.unwrap_or_default(),
        };
        (self.ids, changes)
    }
}

/// How many todos a bulk update changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoBulkUpdated {
    /// Every todo named (all or nothing).
    pub updated: u64,
}

/// Todos to delete in one request.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TodoBulkDelete {
    /// 1–1000 ids of the caller's todos, each once.
    #[schema(min_items = 1, max_items = 1000)]
    pub ids: Vec<Uuid>,
    /// `true` removes the todos for good (soft-deleted or not); the default
    /// soft-deletes them, which live todos only take.
    #[serde(default)]
    pub permanent: bool,
}

/// How many todos a bulk delete removed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoBulkDeleted {
    /// Every todo named (all or nothing).
    pub deleted: u64,
}

/// Todos to restore in one request.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TodoBulkRestore {
    /// 1–1000 ids of the caller's todos, each once; live ones are left as they are.
    #[schema(min_items = 1, max_items = 1000)]
    pub ids: Vec<Uuid>,
}

/// How many todos a bulk restore brought back.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoBulkRestored {
    /// The soft-deleted todos among the ids, now live again (live ones are
    /// not counted).
    pub restored: u64,
}
