//! `user_preferences`: per-user settings, one row per user (1:1, keyed by the
//! user's id). Every column has a default, so a new row can be made from
//! [`Model::defaults_for`] alone.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Colour scheme of the user interface.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the operating system.
    #[sea_orm(string_value = "system")]
    System,
    #[sea_orm(string_value = "light")]
    Light,
    #[sea_orm(string_value = "dark")]
    Dark,
}

crate::string_enum_text!(Theme {
    System => "system",
    Light => "light",
    Dark => "dark",
});

/// Default of [`Model::timezone`].
pub const DEFAULT_TIMEZONE: &str = "UTC";
/// Default of [`Model::default_page_size`], and so the page size of every
/// list whose request names none (the service's `paging` reads it from here).
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// Smallest and largest [`Model::default_page_size`] (a CHECK enforces it).
pub const PAGE_SIZE_RANGE: std::ops::RangeInclusive<i32> = 1..=100;
/// Default of [`Model::default_sort`].
pub const DEFAULT_SORT: &str = "created_at";

/// One user's preferences.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_preferences")]
pub struct Model {
    /// Primary key and foreign key to `users.id` (deleted with the user).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub theme: Theme,
    /// IANA time zone name (e.g. `Europe/Paris`); default `UTC`.
    pub timezone: String,
    /// Page size of list endpoints when the request names none (1–100).
    pub default_page_size: i32,
    /// Sort key of the todo list when the request names none (one of the
    /// todo sort keys the API accepts, e.g. `created_at`).
    pub default_sort: String,
    pub email_notifications: bool,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

impl Model {
    /// The preferences a user has before changing any: the same values as the
    /// column defaults of the schema.
    #[must_use]
    pub fn defaults_for(user_id: Uuid, now: DateTimeWithTimeZone) -> Self {
        Self {
            user_id,
            theme: Theme::System,
            timezone: DEFAULT_TIMEZONE.to_owned(),
            default_page_size: DEFAULT_PAGE_SIZE,
            default_sort: DEFAULT_SORT.to_owned(),
            email_notifications: true,
            created_at: now,
            updated_at: now,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
