//! `user_state`: one row per user (1:1, keyed by the user's id) holding the
//! sequence of their writes and the counts of their todos. Every transaction that writes a user's data
//! raises `write_seq` by one as it commits (`service::write_seq`), so the
//! number tells whether anything of theirs changed since it was last read,
//! whichever server wrote.

use sea_orm::entity::prelude::*;

/// One user's write sequence.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_state")]
pub struct Model {
    /// Primary key and foreign key to `users.id` (deleted with the user).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// Writes committed so far: 0 for a new account, then one more per
    /// write transaction. Never goes down.
    pub write_seq: i64,
    /// When `write_seq` last changed.
    pub updated_at: DateTimeWithTimeZone,
    /// The highest `write_seq` whose records in `sync_deletions` may have
    /// been dropped by housekeeping: a delta sync from before it cannot be
    /// answered (0: none dropped yet).
    pub sync_floor: i64,
    /// Live todos of the user by status, and soft-deleted ones: kept by
    /// triggers on `todos` in the transaction of every change (see the
    /// migration `m20261202_000008_add_todo_counters`), so a list's `total`
    /// is read here instead of counted.
    pub todos_pending: i64,
    /// Live todos `in_progress`.
    pub todos_in_progress: i64,
    /// Live todos `completed`.
    pub todos_completed: i64,
    /// Live todos `archived`.
    pub todos_archived: i64,
    /// Soft-deleted todos, whatever their status.
    pub todos_deleted: i64,
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
