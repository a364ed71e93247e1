//! `categories`: a user's todo categories (a todo has at most one).

use sea_orm::entity::prelude::*;

/// A category owned by one user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// The name as the user typed it.
    pub name: String,
    /// `name` trimmed and lower-cased by the service: unique per user, so
    /// "Work" and "work " are the same category.
    pub name_key: String,
    /// Free-form colour, e.g. `#3b82f6`.
    pub color: Option<String>,
    /// Optimistic-locking counter: starts at 1, +1 on every update.
    pub version: i32,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    /// The write sequence (`user_state.write_seq`) of the transaction that
    /// last changed the row, as delta sync reads it; 0 for rows older than
    /// delta sync. Set by the service as each write commits.
    pub sync_seq: i64,
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
    #[sea_orm(has_many = "super::todo::Entity")]
    Todo,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::todo::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Todo.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
