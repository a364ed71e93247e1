//! `account_tokens`: the single-use tokens that mail links carry. Only the
//! SHA-256 of a token is stored; using one sets `used_at`, once.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a token proves when it comes back.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    /// The owner reads mail at the address (a new account's, or the
    /// `new_email` of a change).
    #[sea_orm(string_value = "verify_email")]
    VerifyEmail,
    /// The owner may set a new password without the old one.
    #[sea_orm(string_value = "reset_password")]
    ResetPassword,
    /// The owner confirms the deletion of the account.
    #[sea_orm(string_value = "confirm_deletion")]
    ConfirmDeletion,
}

crate::string_enum_text!(TokenPurpose {
    VerifyEmail => "verify_email",
    ResetPassword => "reset_password",
    ConfirmDeletion => "confirm_deletion",
});

/// One token sent by mail.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub purpose: TokenPurpose,
    /// Hex SHA-256 of the token; the token itself is only in the mail.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// For a change of address: the address the account moves to when the
    /// link is followed. `None` for every other token.
    pub new_email: Option<String>,
    pub expires_at: DateTimeWithTimeZone,
    /// Set when the token is used; a used token is never accepted again.
    pub used_at: Option<DateTimeWithTimeZone>,
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
