//! The API's spelling of the entity enums, with their OpenAPI schemas.
//!
//! The entity crate knows nothing of OpenAPI, so each enum is mirrored here;
//! the `From` conversions are exhaustive matches, so a variant added to an
//! entity fails to compile until the API learns it too.
//!
//! Each variant is listed with its name on the wire: a request reads it
//! through [`one_of`], so a value that is none of them (another name, a
//! number, `true`) is told "must be one of: …" with the names.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::rules::one_of;

macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident <=> $entity:path { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                $variant,
            )+
        }

        impl $name {
            /// Every value with its name on the wire.
            pub const NAMES: &'static [(Self, &'static str)] = &[$((Self::$variant, $wire)),+];
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                one_of(deserializer, Self::NAMES)
            }
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
    UserStatus <=> entity::user::UserStatus {
        Active = "active",
        Inactive = "inactive",
        Suspended = "suspended",
    }
);

api_enum!(
    /// Colour theme.
    Theme <=> entity::user_preferences::Theme { System = "system", Light = "light", Dark = "dark" }
);

api_enum!(
    /// Where a todo is in its life.
    TodoStatus <=> entity::todo::TodoStatus {
        Pending = "pending",
        InProgress = "in_progress",
        Completed = "completed",
        Archived = "archived",
    }
);

api_enum!(
    /// How urgent a todo is; sorts low < medium < high < urgent.
    Priority <=> entity::todo::Priority {
        Low = "low",
        Medium = "medium",
        High = "high",
        Urgent = "urgent",
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The names requests are read by are those answers are written with.
    #[test]
    fn each_value_is_read_by_the_name_it_is_written_with() {
        fn check<T: Serialize + PartialEq + std::fmt::Debug + Copy>(names: &[(T, &str)]) {
            for (value, name) in names {
                assert_eq!(serde_json::to_value(value).ok(), Some((*name).into()));
            }
        }
        check(UserStatus::NAMES);
        check(Theme::NAMES);
        check(TodoStatus::NAMES);
        check(Priority::NAMES);
        let read: Priority = serde_json::from_str("\"urgent\"").expect("a name");
        assert_eq!(read, Priority::Urgent);
        let err = serde_json::from_str::<Priority>("3").expect_err("a number");
        assert!(
            err.to_string()
                .contains("expected one of: low, medium, high, urgent"),
            "{err}"
        );
    }
}
