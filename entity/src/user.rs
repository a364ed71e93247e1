//! `users`: accounts. Soft-deleted (`deleted_at`), optimistic-locked (`version`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Whether an account may sign in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Normal account.
    #[sea_orm(string_value = "active")]
    Active,
    /// Deactivated by its owner; can be reactivated.
    #[sea_orm(string_value = "inactive")]
    Inactive,
    /// Blocked by an administrator.
    #[sea_orm(string_value = "suspended")]
    Suspended,
}

crate::string_enum_text!(UserStatus {
    Active => "active",
    Inactive => "inactive",
    Suspended => "suspended",
});

/// A user account. Never serialize this model into a response: it carries
/// the password hash (the API has its own `UserOut`-style DTOs).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Stored lower-cased by the service; unique.
    #[sea_orm(unique)]
    pub email: String,
    /// The name as the user typed it (display form).
    pub username: String,
    /// `username` lower-cased: carries the unique index, so usernames are
    /// unique case-insensitively on every engine.
    #[sea_orm(unique)]
    pub username_key: String,
    /// bcrypt hash (never the password itself).
    pub password_hash: String,
    pub full_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub bio: Option<String>,
    pub status: UserStatus,
    pub is_admin: bool,
    /// Whether the owner proved the address by following a mailed link.
    /// Accounts older than verification, and admins made by the operator
    /// command, count as verified.
    pub email_verified: bool,
    /// When a self-deletion the owner confirmed is purged (the account is
    /// inactive until then, and may be restored by cancelling); `None`
    /// otherwise.
    pub deletion_scheduled_for: Option<DateTimeWithTimeZone>,
    /// Set when the account is soft-deleted; `None` for live accounts.
    pub deleted_at: Option<DateTimeWithTimeZone>,
    /// Optimistic-locking counter: starts at 1, +1 on every update.
    pub version: i32,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_one = "super::user_preferences::Entity")]
    UserPreferences,
    #[sea_orm(has_many = "super::session::Entity")]
    Session,
    #[sea_orm(has_many = "super::category::Entity")]
    Category,
    #[sea_orm(has_many = "super::tag::Entity")]
    Tag,
    #[sea_orm(has_many = "super::todo::Entity")]
    Todo,
    #[sea_orm(has_many = "super::audit_log::Entity")]
    AuditLog,
    #[sea_orm(has_many = "super::account_token::Entity")]
    AccountToken,
    #[sea_orm(has_many = "super::api_key::Entity")]
    ApiKey,
}

impl Related<super::user_preferences::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UserPreferences.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl Related<super::tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tag.def()
    }
}

impl Related<super::todo::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Todo.def()
    }
}

impl Related<super::audit_log::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuditLog.def()
    }
}

impl Related<super::account_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AccountToken.def()
    }
}

impl Related<super::api_key::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiKey.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
