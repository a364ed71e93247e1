//! Delta sync: the query and the answer of `GET /sync`.

use serde::{Deserialize, Serialize};
use service::sync::{MAX_SIZE, Position, SyncBatch, SyncRequest};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::categories::CategoryOut;
use super::tags::TagOut;
use super::todos::TodoOut;
use crate::error::{ApiError, ApiResult, ErrorKind};

/// Records per answer when the request names no `size`.
pub const DEFAULT_SIZE: u64 = 500;

fn validate_size(size: u64) -> Result<(), ValidationError> {
    if (1..=MAX_SIZE).contains(&size) {
        Ok(())
    } else {
        Err(ValidationError::new("range")
            .with_message(format!("must be between 1 and {MAX_SIZE}").into()))
    }
}

/// `since` and `size` query parameters.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// The `next_since` of the previous answer; absent or empty: everything.
    pub since: Option<String>,
    /// The most records to answer, 1–1000 (default 500).
    #[validate(custom(function = validate_size))]
    #[param(minimum = 1, maximum = 1000)]
    pub size: Option<u64>,
}

impl SyncQuery {
    /// The service's request; a `since` that does not decode is `400`.
    ///
    /// # Errors
    /// `400` for such a `since`.
    pub fn into_request(self) -> ApiResult<SyncRequest> {
        let since = match self.since.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(Position::decode(text).ok_or_else(bad_since)?),
        };
        Ok(SyncRequest {
            since,
            size: self.size.unwrap_or(DEFAULT_SIZE),
        })
    }
}

/// `400`: a `since` that is not a `next_since` this API handed out.
#[must_use]
pub fn bad_since() -> ApiError {
    ApiError::new(ErrorKind::BadRequest, "since: not a valid sync token")
}

/// The todos of a sync answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncedTodos {
    /// Todos created or changed (their row, tags or category link; soft
    /// delete and restore included), each once, in its current state.
    pub changed: Vec<TodoOut>,
    /// Todos deleted for good.
    pub deleted_ids: Vec<Uuid>,
}

/// The categories of a sync answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncedCategories {
    /// Categories created or changed, each once, in their current state.
    pub changed: Vec<CategoryOut>,
    /// Categories deleted.
    pub deleted_ids: Vec<Uuid>,
}

/// The tags of a sync answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncedTags {
    /// Tags created or renamed, each once, in their current state.
    pub changed: Vec<TagOut>,
    /// Tags deleted, or merged into another.
    pub deleted_ids: Vec<Uuid>,
}

/// What changed after `since`, oldest change first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncOut {
    /// Changed and deleted todos.
    pub todos: SyncedTodos,
    /// Changed and deleted categories.
    pub categories: SyncedCategories,
    /// Changed and deleted tags.
    pub tags: SyncedTags,
    /// Where this answer ends: the `since` of the next request (opaque).
    #[schema(examples("MS40Mg"))]
    pub next_since: String,
    /// Whether more changes follow at once: ask again with `next_since`.
    pub has_more: bool,
}

impl From<SyncBatch> for SyncOut {
    fn from(batch: SyncBatch) -> Self {
        let SyncBatch {
            todos,
            deleted_todos,
            categories,
            deleted_categories,
            tags,
            deleted_tags,
            next,
            has_more,
        } = batch;
        Self {
            todos: SyncedTodos {
                changed: todos.into_iter().map(TodoOut::from).collect(),
                deleted_ids: deleted_todos,
            },
            categories: SyncedCategories {
                changed: categories.into_iter().map(CategoryOut::from).collect(),
                deleted_ids: deleted_categories,
            },
            tags: SyncedTags {
                changed: tags.into_iter().map(TagOut::from).collect(),
                deleted_ids: deleted_tags,
            },
            next_since: next.encode(),
            has_more,
        }
    }
}
