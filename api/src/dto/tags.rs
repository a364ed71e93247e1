//! Tags.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service::tags::TagView;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::rules::validate_name;

/// A tag with the number of live todos carrying it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagOut {
    /// Tag id (UUIDv7).
    pub id: Uuid,
    /// Name, unique per user case-insensitively.
    #[schema(examples("urgent"))]
    pub name: String,
    /// Live (not soft-deleted) todos carrying the tag.
    pub todo_count: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<TagView> for TagOut {
    fn from(TagView { tag, todo_count }: TagView) -> Self {
        Self {
            id: tag.id,
            name: tag.name,
            todo_count,
            created_at: tag.created_at.to_utc(),
        }
    }
}

/// A new tag, or a tag's new name.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagName {
    /// 1–50 characters once trimmed; unique per user case-insensitively.
    #[validate(custom(function = validate_name))]
    #[schema(examples("urgent"), min_length = 1, max_length = 50)]
    pub name: String,
}

fn validate_sources(ids: &[Uuid]) -> Result<(), ValidationError> {
    if (1..=100).contains(&ids.len()) {
        Ok(())
    } else {
        Err(ValidationError::new("length").with_message("must list 1 to 100 tag ids".into()))
    }
}

/// Tags to merge into another.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagMerge {
    /// The tags to merge and remove (1–100 ids, not including the target).
    #[validate(custom(function = validate_sources))]
    #[schema(min_items = 1, max_items = 100)]
    pub source_ids: Vec<Uuid>,
    /// The tag that takes their place on every todo.
    pub target_id: Uuid,
}
