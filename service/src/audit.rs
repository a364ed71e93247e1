//! The audit log: an append-only record of security-relevant events.
//!
//! [`record`] takes any connection, so callers write the audit row inside the
//! transaction of the change it records: both land, or neither does.

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::clock;
use crate::context::ClientMeta;
use crate::paging::{self, PageRequest, Paged};

/// The actions written to the log.
pub mod action {
    /// A new account was registered.
    pub const REGISTER: &str = "user.register";
    /// A login attempt (see `success`).
    pub const LOGIN: &str = "auth.login";
    /// A refresh token was revoked by its owner.
    pub const LOGOUT: &str = "auth.logout";
    /// A used refresh token was presented again; its family was revoked.
    pub const REFRESH_REUSE: &str = "auth.refresh_token_reuse";
    /// A password was changed.
    pub const PASSWORD_CHANGE: &str = "auth.password_change";
    /// A user deleted their own account.
    pub const ACCOUNT_DELETE: &str = "user.delete";
    /// A user proved their address (or moved to a new one) by a mailed link.
    pub const EMAIL_VERIFY: &str = "auth.email_verify";
    /// A user asked to move their account to a new address.
    pub const EMAIL_CHANGE_REQUEST: &str = "auth.email_change_request";
    /// A password-reset link was mailed to an account.
    pub const PASSWORD_RESET_REQUEST: &str = "auth.password_reset_request";
    /// A password was reset through a mailed link; every session ended.
    pub const PASSWORD_RESET: &str = "auth.password_reset";
    /// A user asked to delete their account; a confirmation link was mailed.
    pub const DELETION_REQUEST: &str = "user.deletion_request";
    /// A user confirmed the deletion: deactivated, purged after the grace period.
    pub const DELETION_CONFIRM: &str = "user.deletion_confirm";
    /// A user cancelled a scheduled deletion within the grace period.
    pub const DELETION_CANCEL: &str = "user.deletion_cancel";
    /// An account whose grace period ended was purged with all it owned.
    pub const ACCOUNT_PURGE: &str = "user.purge";
    /// An admin changed a user's status or role.
    pub const ADMIN_USER_UPDATE: &str = "admin.user_update";
    /// An admin soft-deleted a user.
    pub const ADMIN_USER_DELETE: &str = "admin.user_delete";
    /// An admin removed a user and everything they owned.
    pub const ADMIN_USER_PURGE: &str = "admin.user_purge";
    /// An admin restored a soft-deleted user.
    pub const ADMIN_USER_RESTORE: &str = "admin.user_restore";
    /// An operator created or promoted an admin from the command line.
    pub const ADMIN_CREATE: &str = "admin.create";
    /// A user created todos in one bulk request.
    pub const TODO_BULK_CREATE: &str = "todo.bulk_create";
    /// A user changed todos in one bulk request.
    pub const TODO_BULK_UPDATE: &str = "todo.bulk_update";
    /// A user deleted todos (soft or for good) in one bulk request.
    pub const TODO_BULK_DELETE: &str = "todo.bulk_delete";
    /// A user restored soft-deleted todos in one bulk request.
    pub const TODO_BULK_RESTORE: &str = "todo.bulk_restore";
    /// A user created an API key.
    pub const API_KEY_CREATE: &str = "api_key.create";
    /// A user rotated an API key: the old one was revoked, a new one made.
    pub const API_KEY_ROTATE: &str = "api_key.rotate";
    /// A user revoked an API key.
    pub const API_KEY_REVOKE: &str = "api_key.revoke";
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event {
    /// The user the event is about or by (none for an unknown login).
    pub user_id: Option<Uuid>,
    /// One of [`action`].
    pub action: &'static str,
    /// The kind of entity affected, e.g. `user`.
    pub entity_type: Option<&'static str>,
    /// Its id.
    pub entity_id: Option<String>,
    /// Whether the attempt succeeded.
    pub success: bool,
    /// Anything else worth keeping (never secrets).
    pub details: Option<serde_json::Value>,
}

impl Event {
    /// A successful event about `user_id` by themselves.
    #[must_use]
    pub fn on_user(action: &'static str, user_id: Uuid) -> Self {
        Self {
            user_id: Some(user_id),
            action,
            entity_type: Some("user"),
            entity_id: Some(user_id.to_string()),
            success: true,
            details: None,
        }
    }

    /// A successful event of an admin (`actor`) on another user (`target`).
    #[must_use]
    pub fn by_admin(action: &'static str, actor: Uuid, target: Uuid) -> Self {
        Self {
            user_id: Some(actor),
            ..Self::on_user(action, target)
        }
    }

    /// Adds details.
    #[must_use]
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// Appends one row to the audit log.
///
/// # Errors
/// The database error.
pub async fn record(
    conn: &impl ConnectionTrait,
    client: &ClientMeta,
    event: Event,
) -> Result<(), DbErr> {
    let row = audit_log::ActiveModel {
        id: Set(clock::new_id()),
        user_id: Set(event.user_id),
        action: Set(event.action.to_owned()),
        entity_type: Set(event.entity_type.map(str::to_owned)),
        entity_id: Set(event.entity_id),
        success: Set(event.success),
        ip_address: Set(client.ip_address.clone()),
        user_agent: Set(client.user_agent.clone()),
        details: Set(event.details),
        created_at: Set(clock::now()),
    };
    audit_log::Entity::insert(row)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Which audit rows to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Rows about this user.
    pub user_id: Option<Uuid>,
    /// Rows of this action.
    pub action: Option<String>,
    /// Rows written at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Rows written before this time.
    pub until: Option<DateTime<Utc>>,
}

/// Lists audit rows, newest first.
///
/// # Errors
/// The database error.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: PageRequest,
) -> Result<Paged<audit_log::Model>, DbErr> {
    use audit_log::Column;
    let mut select = audit_log::Entity::find();
    if let Some(user_id) = filter.user_id {
        select = select.filter(Column::UserId.eq(user_id));
    }
    if let Some(action) = &filter.action {
        select = select.filter(Column::Action.eq(action.as_str()));
    }
    if let Some(since) = filter.since {
        select = select.filter(Column::CreatedAt.gte(clock::to_db(since)));
    }
    if let Some(until) = filter.until {
        select = select.filter(Column::CreatedAt.lt(clock::to_db(until)));
    }
    let select = select
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id);
    paging::fetch(db, select, page).await
}
