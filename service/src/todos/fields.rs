//! The fields a client sets on a todo: what a new todo carries
//! ([`NewTodo`]), what a change names ([`TodoChanges`]), and how each lands
//! on the row ([`new_row`], [`TodoChanges::apply`]).
//!
//! Every struct here is taken apart by an exhaustive pattern or built by a
//! literal, never with `..`: a field added to [`NewTodo`] or
//! [`TodoChanges`], or a column added to `todo::Model`, does not compile
//! until this file says what happens to it. Without that, a forgotten field
//! would be accepted by a PATCH that answers 200 and changes nothing.

use chrono::{DateTime, Utc};
use entity::todo;
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use crate::clock;
use crate::version::Expected;

/// A new todo. Lengths are checked by the caller (title 1–200 characters
/// once trimmed, description up to 10,000).
#[derive(Debug, Clone, Default)]
pub struct NewTodo {
    /// Title; stored trimmed.
    pub title: String,
    /// Free text.
    pub description: Option<String>,
    /// Status (default `pending`); `completed` sets `completed_at`.
    pub status: Option<todo::TodoStatus>,
    /// Priority (default `medium`).
    pub priority: Option<todo::Priority>,
    /// When it is due.
    pub due_date: Option<DateTime<Utc>>,
    /// One of the caller's categories.
    pub category_id: Option<Uuid>,
    /// Tag names; unknown names become new tags, repeats (in any case) count once.
    pub tags: Vec<String>,
}

/// Changes to a todo. `None` keeps a field; for nullable fields `Some(None)`
/// clears it; `tags` replaces the whole set.
#[derive(Debug, Clone, Default)]
pub struct TodoChanges {
    /// New title.
    pub title: Option<String>,
    /// New description, or `Some(None)` to clear it.
    pub description: Option<Option<String>>,
    /// New status.
    pub status: Option<todo::TodoStatus>,
    /// New priority.
    pub priority: Option<todo::Priority>,
    /// New due date, or `Some(None)` to clear it.
    pub due_date: Option<Option<DateTime<Utc>>>,
    /// New category, or `Some(None)` to clear it.
    pub category_id: Option<Option<Uuid>>,
    /// The new set of tags, by name.
    pub tags: Option<Vec<String>>,
    /// Versions the client expects the row to have.
    pub expected: Vec<Expected>,
}

/// What [`TodoChanges::apply`] leaves to the caller: the changes that take
/// more than a copy onto the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Deferred {
    /// The category named, or `Some(None)` to clear it. Already on the row;
    /// the caller checks that it is one of the user's and loads it for the
    /// answer.
    pub category_id: Option<Option<Uuid>>,
    /// The status named: it also moves `completed_at` and writes a history
    /// row, which the caller does.
    pub status: Option<todo::TodoStatus>,
}

impl TodoChanges {
    /// Whether the request names no field (its expectations are no change).
    pub(super) fn is_empty(&self) -> bool {
        let Self {
            title,
            description,
            status,
            priority,
            due_date,
            category_id,
            tags,
            expected: _,
        } = self;
        title.is_none()
            && description.is_none()
            && status.is_none()
            && priority.is_none()
            && due_date.is_none()
            && category_id.is_none()
            && tags.is_none()
    }

    /// Copies the named fields onto `am` (the row's next version) and
    /// answers what the caller still has to do. The tags and the expected
    /// versions are not the row's: the caller reads them from `self`.
    pub(super) fn apply(&self, am: &mut todo::ActiveModel) -> Deferred {
        let Self {
            title,
            description,
            status,
            priority,
            due_date,
            category_id,
            tags: _,
            expected: _,
        } = self;
        // Every column, so that a new one is decided here: either a change
        // can set it, or it is listed as set elsewhere.
        let todo::ActiveModel {
            id: _,
            user_id: _,
            category_id: row_category_id,
            title: row_title,
            description: row_description,
            // With `completed_at` and the history row, by the caller.
            status: _,
            priority: row_priority,
            due_date: row_due_date,
            completed_at: _,
            // Only soft delete and restore set it.
            deleted_at: _,
            // The next version and `updated_at` are already on `am`.
            version: _,
            created_at: _,
            updated_at: _,
            // Stamped as the write commits (`write_seq::commit`).
            sync_seq: _,
        } = am;
        if let Some(title) = title {
            *row_title = Set(title.trim().to_owned());
        }
        if let Some(description) = description {
            *row_description = Set(description.clone());
        }
        if let Some(priority) = priority {
            *row_priority = Set(*priority);
        }
        if let Some(due_date) = due_date {
            *row_due_date = Set(due_date.map(clock::to_db));
        }
        if let Some(category_id) = category_id {
            *row_category_id = Set(*category_id);
        }
        Deferred {
            category_id: *category_id,
            status: *status,
        }
    }
}

/// The row of a new todo of `user_id`, every column set (bulk inserts
/// need them all): defaults filled, the title trimmed, `completed_at` set
/// when it starts `completed`.
pub(super) fn new_row(user_id: Uuid, new: NewTodo, now: clock::Timestamp) -> todo::Model {
    let NewTodo {
        title,
        description,
        status,
        priority,
        due_date,
        category_id,
        // Linked after the insert, by the caller.
        tags: _,
    } = new;
    let status = status.unwrap_or(todo::TodoStatus::Pending);
    todo::Model {
        id: clock::new_id(),
        user_id,
        category_id,
        title: title.trim().to_owned(),
        description,
        status,
        priority: priority.unwrap_or(todo::Priority::Medium),
        due_date: due_date.map(clock::to_db),
        completed_at: (status == todo::TodoStatus::Completed).then_some(now),
        deleted_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
        // Stamped as the write commits (`write_seq::commit`).
        sync_seq: 0,
    }
}
