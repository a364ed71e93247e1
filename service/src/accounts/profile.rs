//! The caller's own profile and preferences.

use entity::{user, user_preferences};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait};
use uuid::Uuid;

use super::{Account, save, username_key, with_preferences};
use crate::sync::Changes;
use crate::todos::ListTotals;
use crate::version::{self, Expected};
use crate::{ServiceResult, clock, txn};

/// Changes to one's own profile. `None` leaves a field as it is; for the
/// nullable fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ProfileChanges {
    /// New username.
    pub username: Option<String>,
    /// New full name, or `Some(None)` to clear it.
    pub full_name: Option<Option<String>>,
    /// New bio, or `Some(None)` to clear it.
    pub bio: Option<Option<String>>,
    /// Preference changes, merged key by key.
    pub preferences: PreferenceChanges,
    /// Versions the client expects the user row to have.
    pub expected: Vec<Expected>,
}

/// Preference changes; `None` keeps the current value. Values are validated by the caller.
#[derive(Debug, Clone, Default)]
pub struct PreferenceChanges {
    /// Colour theme.
    pub theme: Option<user_preferences::Theme>,
    /// IANA time zone name.
    pub timezone: Option<String>,
    /// Default list page size (1–100).
    pub default_page_size: Option<i32>,
    /// Default todo sort key.
    pub default_sort: Option<String>,
    /// Whether to send notification e-mails.
    pub email_notifications: Option<bool>,
}

impl PreferenceChanges {
    fn is_empty(&self) -> bool {
        self.theme.is_none()
            && self.timezone.is_none()
            && self.default_page_size.is_none()
            && self.default_sort.is_none()
            && self.email_notifications.is_none()
    }
}

/// Applies changes to the caller's own profile and preferences, in one transaction.
///
/// # Errors
/// [`ServiceError::Conflict`] on a taken username, a version error when the
/// client's version is stale, [`ServiceError::Unauthorized`] if the account
/// is no longer active.
pub async fn update_profile(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    changes: ProfileChanges,
) -> ServiceResult<Account> {
    let (txn, user) = txn::begin_as(db, user_id, txn::Hold::Exclusive).await?;
    let mut account = with_preferences(&txn, user).await?;
    version::check_all(&changes.expected, account.user.version)?;
    let now = clock::now();

    let user_changed =
        changes.username.is_some() || changes.full_name.is_some() || changes.bio.is_some();
    if user_changed || !changes.preferences.is_empty() {
        let mut am = user::ActiveModel {
            id: Set(user_id),
            updated_at: Set(now),
            ..Default::default()
        };
        if let Some(username) = changes.username {
            am.username_key = Set(username_key(&username));
            am.username = Set(username);
        }
        if let Some(full_name) = changes.full_name {
            am.full_name = Set(full_name);
        }
        if let Some(bio) = changes.bio {
            am.bio = Set(bio);
        }
        account.user = save(&txn, am, account.user.version, &changes.expected).await?;
    }
    if !changes.preferences.is_empty() {
        account.preferences =
            save_preferences(&txn, account.preferences, changes.preferences, now).await?;
    }
    totals.commit(txn, user_id, Changes::none()).await?;
    Ok(account)
}

async fn save_preferences(
    conn: &impl ConnectionTrait,
    current: user_preferences::Model,
    changes: PreferenceChanges,
    now: clock::Timestamp,
) -> ServiceResult<user_preferences::Model> {
    let exists = user_preferences::Entity::find_by_id(current.user_id)
        .one(conn)
        .await?
        .is_some();
    let mut merged = current;
    if let Some(theme) = changes.theme {
        merged.theme = theme;
    }
    if let Some(timezone) = changes.timezone {
        merged.timezone = timezone;
    }
    if let Some(size) = changes.default_page_size {
        merged.default_page_size = size;
    }
    if let Some(sort) = changes.default_sort {
        merged.default_sort = sort;
    }
    if let Some(notify) = changes.email_notifications {
        merged.email_notifications = notify;
    }
    merged.updated_at = now;
    let am = user_preferences::ActiveModel::from(merged.clone());
    if exists {
        user_preferences::Entity::update(am.reset_all())
            .exec(conn)
            .await?;
    } else {
        merged.created_at = now;
        user_preferences::Entity::insert(user_preferences::ActiveModel::from(merged.clone()))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(merged)
}
