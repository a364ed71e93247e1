//! The API's spelling of the entity enums, with their OpenAPI schemas.
//!
//! The entity crate knows nothing of OpenAPI, so each enum is mirrored here;
//! the `From` conversions are exhaustive matches, so a variant added to an
//! entity fails to compile until the API learns it too.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident <=> $entity:path { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                $variant,
            )+
        }

        impl From<$name> for $entity {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant,)+
                }
            }
        }

        impl From<$entity> for $name {
            fn from(value: $entity) -> Self {
                match value {
                    $(<$entity>::$variant => Self::$variant,)+
                }
            }
        }
    };
}

api_enum!(
    /// Account status.
    UserStatus <=> entity::user::UserStatus { Active, Inactive, Suspended }
);

api_enum!(
    /// Colour theme.
    Theme <=> entity::user_preferences::Theme { System, Light, Dark }
);

api_enum!(
    /// Where a todo is in its life.
    TodoStatus <=> entity::todo::TodoStatus { Pending, InProgress, Completed, Archived }
);

api_enum!(
    /// How urgent a todo is; sorts low < medium < high < urgent.
    Priority <=> entity::todo::Priority { Low, Medium, High, Urgent }
);

/// Sort direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Ascending.
    Asc,
    /// Descending.
    #[default]
    Desc,
}

impl SortOrder {
    /// Whether this is descending.
    #[must_use]
    pub fn is_desc(self) -> bool {
        self == Self::Desc
    }
}
