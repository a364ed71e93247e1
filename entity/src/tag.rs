//! `tags`: a user's tags, linked to todos many-to-many through `todo_tags`.

use sea_orm::entity::prelude::*;

/// A tag owned by one user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// The name as the user typed it.
    pub name: String,
    /// `name` trimmed and lower-cased by the service: unique per user.
    pub name_key: String,
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
    #[sea_orm(has_many = "super::todo_tag::Entity")]
    TodoTag,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::todo_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TodoTag.def()
    }
}

/// Tag → todos, through `todo_tags`.
impl Related<super::todo::Entity> for Entity {
    fn to() -> RelationDef {
        super::todo_tag::Relation::Todo.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::todo_tag::Relation::Tag.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
