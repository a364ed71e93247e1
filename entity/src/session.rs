//! `sessions`: one row per refresh token issued. Rotating a refresh token
//! revokes its row and inserts a new one in the same family; presenting a
//! revoked token revokes the whole family (token theft detection).

use sea_orm::entity::prelude::*;

/// A refresh-token session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// Hex SHA-256 of the refresh token; the token itself is never stored.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Shared by every session of one login chain (all rotations of the
    /// refresh token issued at one sign-in).
    pub family_id: Uuid,
    #[sea_orm(column_type = "Text", nullable)]
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
    pub expires_at: DateTimeWithTimeZone,
    /// When the token was last exchanged; `None` if never.
    pub last_used_at: Option<DateTimeWithTimeZone>,
    /// Set on logout, rotation or family revocation; `None` while usable.
    pub revoked_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
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
