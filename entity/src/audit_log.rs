//! `audit_logs`: security-relevant events (sign-ins, failed sign-ins, admin
//! actions). Append only; rows outlive the user they name.

use sea_orm::entity::prelude::*;

/// One audited event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_logs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The acting user, if known; set to `None` when that user is deleted
    /// so the record survives.
    pub user_id: Option<Uuid>,
    /// What happened, as a dotted name such as `auth.login`.
    pub action: String,
    /// Kind of the object acted on (e.g. `todo`), if any.
    pub entity_type: Option<String>,
    /// Id of the object acted on, as text (not a foreign key: the object may
    /// be gone, or not be a row).
    pub entity_id: Option<String>,
    /// Whether the action succeeded (failed sign-ins are audited too).
    pub success: bool,
    pub ip_address: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub user_agent: Option<String>,
    /// Free-form context (JSON object); never secrets.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub details: Option<Json>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
