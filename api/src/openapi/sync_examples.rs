//! The example answer of delta sync, as [`super::examples`] asks for it:
//! built from the same example todo, category and tag as the other answers.

use crate::dto::sync::{SyncOut, SyncedCategories, SyncedTags, SyncedTodos};

/// A sync answer: one of each kind changed, a todo and a tag removed.
pub(super) fn answer() -> SyncOut {
    use super::examples::{category, id, tag, todo};
    SyncOut {
        todos: SyncedTodos {
            changed: vec![todo()],
            deleted_ids: vec![id("0193a5c4-9a0b-7c1d-8e2f-3a4b5c6d7e8f")],
        },
        categories: SyncedCategories {
            changed: vec![category()],
            deleted_ids: Vec::new(),
        },
        tags: SyncedTags {
            changed: vec![tag()],
            deleted_ids: vec![id("0193a5c4-ab1c-7d2e-9f3a-4b5c6d7e8f9a")],
        },
        next_since: "MS40Mg".to_owned(),
        has_more: false,
    }
}
