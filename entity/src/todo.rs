//! `todos`: the items themselves. Soft-deleted (`deleted_at`), optimistic-locked
//! (`version`); every status change is recorded in `todo_history`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a todo is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum TodoStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// Done; the todo's `completed_at` is set.
    #[sea_orm(string_value = "completed")]
    Completed,
    /// Hidden from the default lists but kept (unlike soft delete, visible
    /// when asked for).
    #[sea_orm(string_value = "archived")]
    Archived,
}

crate::string_enum_text!(TodoStatus {
    Pending => "pending",
    InProgress => "in_progress",
    Completed => "completed",
    Archived => "archived",
});

/// How urgent a todo is. Stored as text, so sort by [`Priority::rank`] (or a
/// `CASE` over it), not by the column.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[sea_orm(string_value = "low")]
    Low,
    #[sea_orm(string_value = "medium")]
    Medium,
    #[sea_orm(string_value = "high")]
    High,
    #[sea_orm(string_value = "urgent")]
    Urgent,
}

crate::string_enum_text!(Priority {
    Low => "low",
    Medium => "medium",
    High => "high",
    Urgent => "urgent",
});

impl Priority {
    /// Order of urgency: low 0, medium 1, high 2, urgent 3.
    #[must_use]
    pub fn rank(self) -> i32 {
        match self {
            Self::Low => 0,
            Self::Medium => 1,
            Self::High => 2,
            Self::Urgent => 3,
        }
    }
}

/// A todo item owned by one user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "todos")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// Optional category; becomes `None` when the category is deleted.
    pub category_id: Option<Uuid>,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub status: TodoStatus,
    pub priority: Priority,
    pub due_date: Option<DateTimeWithTimeZone>,
    /// When the todo last became `completed`; cleared when it leaves that status.
    pub completed_at: Option<DateTimeWithTimeZone>,
    /// Set when the todo is soft-deleted; `None` for live todos.
    pub deleted_at: Option<DateTimeWithTimeZone>,
    /// Optimistic-locking counter: starts at 1, +1 on every update.
    pub version: i32,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    /// The write sequence (`user_state.write_seq`) of the transaction that
    /// last changed the row, as delta sync reads it; 0 for rows older than
    /// delta sync. Set by the service as each write commits.
    pub sync_seq: i64,
    /// Only with the `probe-field` feature: a column that nothing else
    /// knows, so that `.ci/probe-field` can see the compiler point at every
    /// place a new column must be handled. No migration creates it.
    #[cfg(feature = "probe-field")]
    pub probe: Option<String>,
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
    #[sea_orm(
        belongs_to = "super::category::Entity",
        from = "Column::CategoryId",
        to = "super::category::Column::Id",
        on_delete = "SetNull"
    )]
    Category,
    #[sea_orm(has_many = "super::todo_history::Entity")]
    TodoHistory,
    #[sea_orm(has_many = "super::todo_tag::Entity")]
    TodoTag,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl Related<super::todo_history::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TodoHistory.def()
    }
}

impl Related<super::todo_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TodoTag.def()
    }
}

/// Todo → tags, through `todo_tags`: what `load_many(tag::Entity, …)` and
/// `find_with_related(tag::Entity)` follow.
impl Related<super::tag::Entity> for Entity {
    fn to() -> RelationDef {
        super::todo_tag::Relation::Tag.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::todo_tag::Relation::Todo.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
