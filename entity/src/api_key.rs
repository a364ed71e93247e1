//! `api_keys`: keys for scripts and integrations, sent as `X-API-Key`.
//! Only the SHA-256 of a key is stored, with its first characters in clear
//! (`prefix`) so the owner can tell keys apart.

use sea_orm::entity::prelude::*;

/// One API key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// The owner's name for it.
    pub name: String,
    /// The key's first 8 characters.
    pub prefix: String,
    /// Hex SHA-256 of the key.
    #[sea_orm(unique)]
    pub key_hash: String,
    /// Scope `write` besides `read`: may change data, not only read it.
    pub can_write: bool,
    /// After this the key is refused; `None`: never expires.
    pub expires_at: Option<DateTimeWithTimeZone>,
    /// When the key was last used, as recorded in batches (it may lag the
    /// last request by the flush interval).
    pub last_used_at: Option<DateTimeWithTimeZone>,
    /// Set when the key is revoked or rotated away; refused from then on.
    pub revoked_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
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
