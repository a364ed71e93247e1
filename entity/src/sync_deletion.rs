//! `sync_deletions`: a record of each todo, category or tag removed for
//! good, so that a delta sync can tell clients which ids are gone. Kept at
//! least 30 days (housekeeping drops older ones and raises the user's
//! `user_state.sync_floor`), and deleted with the user.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What kind of record was removed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum SyncEntity {
    #[sea_orm(string_value = "category")]
    Category,
    #[sea_orm(string_value = "tag")]
    Tag,
    #[sea_orm(string_value = "todo")]
    Todo,
}

crate::string_enum_text!(SyncEntity {
    Category => "category",
    Tag => "tag",
    Todo => "todo",
});

/// One permanent deletion of a user's todo, category or tag.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_deletions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub entity_type: SyncEntity,
    /// The id the removed record had.
    pub entity_id: Uuid,
    /// The write sequence of the transaction that removed it.
    pub sync_seq: i64,
    pub deleted_at: DateTimeWithTimeZone,
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
