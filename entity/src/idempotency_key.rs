//! `idempotency_keys`: the answer a create gave to a request that carried an
//! `Idempotency-Key`, kept per user and key until `expires_at` so that a
//! retry of the same request gets the same answer (and creates nothing).

use sea_orm::entity::prelude::*;

/// One kept answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// The key as the client sent it (1–255 visible ASCII characters),
    /// unique per user.
    pub key: String,
    /// Hex SHA-256 of the request the key was first used with (its
    /// operation and its body in canonical JSON): a retry must match it.
    pub fingerprint: String,
    /// The HTTP status of the answer (never a 5xx: those are not kept).
    pub status: i16,
    /// The answer's body, as sent.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// The answer's `Location`, if it had one.
    pub location: Option<String>,
    /// The answer's `ETag`, if it had one.
    pub etag: Option<String>,
    pub created_at: DateTimeWithTimeZone,
    /// From then on the key is free again (and housekeeping deletes the row).
    pub expires_at: DateTimeWithTimeZone,
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
