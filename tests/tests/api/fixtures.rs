//! The one place the tests spell out every column of a todo. Tests that need
//! a whole `todo::Model` start from [`todo_row`] and change what they care
//! about (`todo::Model { title: …, ..todo_row(…) }`), so that a column added
//! to the entity is one edit here, where the compiler points.

use entity::todo;
use sea_orm::prelude::DateTimeWithTimeZone;
use uuid::Uuid;

/// A live todo of `user_id` titled `title`: pending, medium priority, no
/// category, description or due date, version 1, created and last changed
/// at `now`.
pub(crate) fn todo_row(user_id: Uuid, title: &str, now: DateTimeWithTimeZone) -> todo::Model {
    todo::Model {
        id: Uuid::now_v7(),
        user_id,
        category_id: None,
        title: title.to_owned(),
        description: None,
        status: todo::TodoStatus::Pending,
        priority: todo::Priority::Medium,
        due_date: None,
        completed_at: None,
        deleted_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
        sync_seq: 0,
    }
}
