//! What an admin does with other users: list, inspect, change status or
//! role, soft-delete, restore and purge.
//!
//! Admin actions are audited with the admin as `user_id` and the target as
//! `entity_id`. An admin cannot suspend, demote or delete their own account
//! through these operations, so a lone admin cannot lock everyone out.

use chrono::{DateTime, Utc};
use entity::{user, user_preferences};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    Order, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::accounts::{Account, bump, load, with_preferences};
use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::paging::{self, PageRequest, Paged};
use crate::search::contains_ci;
use crate::todos::ListTotals;
use crate::txn::{self, Hold};
use crate::version::{self, Expected};
use crate::{ServiceError, ServiceResult, clock, sessions};

/// Sort keys of the user list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Registration time (the default).
    #[default]
    CreatedAt,
    /// E-mail address.
    Email,
    /// Username (case-insensitively).
    Username,
}

/// Which users to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Substring of e-mail, username or full name, any case.
    pub search: Option<String>,
    /// Only users with this status.
    pub status: Option<user::UserStatus>,
    /// Only admins, or only non-admins.
    pub is_admin: Option<bool>,
    /// Registered at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Registered before.
    pub created_before: Option<DateTime<Utc>>,
    /// Include soft-deleted users.
    pub include_deleted: bool,
    /// Sort key.
    pub sort_by: SortKey,
    /// Sort direction (ties break by id in the same direction).
    pub descending: bool,
}

/// An admin's change to a user. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AdminChanges {
    /// New status.
    pub status: Option<user::UserStatus>,
    /// New admin flag.
    pub is_admin: Option<bool>,
    /// Versions the client expects the row to have.
    pub expected: Vec<Expected>,
}

/// Lists users with their preferences: two statements (the page, the count).
///
/// # Errors
/// The database error.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: PageRequest,
) -> ServiceResult<Paged<Account>> {
    use user::Column;
    let mut condition = Condition::all();
    if let Some(term) = filter.search.as_deref().filter(|t| !t.trim().is_empty()) {
        let term = term.trim();
        condition = condition.add(
            Condition::any()
                .add(contains_ci(Column::Email, term))
                .add(contains_ci(Column::Username, term))
                .add(contains_ci(Column::FullName, term)),
        );
    }
    if let Some(status) = filter.status {
        condition = condition.add(Column::Status.eq(status));
    }
    if let Some(is_admin) = filter.is_admin {
        condition = condition.add(Column::IsAdmin.eq(is_admin));
    }
    if let Some(after) = filter.created_after {
        condition = condition.add(Column::CreatedAt.gte(clock::to_db(after)));
    }
    if let Some(before) = filter.created_before {
        condition = condition.add(Column::CreatedAt.lt(clock::to_db(before)));
    }
    if !filter.include_deleted {
        condition = condition.add(Column::DeletedAt.is_null());
    }
    let order = if filter.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let key = match filter.sort_by {
        SortKey::CreatedAt => Column::CreatedAt,
        SortKey::Email => Column::Email,
        SortKey::Username => Column::UsernameKey,
    };
    let select = user::Entity::find()
        .filter(condition)
        .order_by(key, order.clone())
        .order_by(Column::Id, order)
        .find_also_related(user_preferences::Entity);
    let Paged { items: rows, total } = paging::fetch(db, select, page).await?;
    let items = rows
        .into_iter()
        .map(|(user, preferences)| {
            let preferences = preferences
                .unwrap_or_else(|| user_preferences::Model::defaults_for(user.id, user.created_at));
            Account { user, preferences }
        })
        .collect();
    Ok(Paged { items, total })
}

/// One user, deleted or not.
///
/// # Errors
/// [`ServiceError::NotFound`].
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> ServiceResult<Account> {
    load(db, id)
        .await?
        .ok_or(ServiceError::NotFound { entity: "user" })
}

/// Begins `actor`'s transaction on user `id`, holding the target's row
/// exclusively (see [`crate::txn`]): a refresh, login or write of theirs
/// racing the change runs wholly before or wholly after it.
///
/// The admin's own row is locked too, shared (their audit row refers to
/// it), and the two in id order: two admins acting on each other at once
/// then wait in turn instead of each holding the row the other needs.
async fn begin_on(
    db: &DatabaseConnection,
    actor: Uuid,
    id: Uuid,
) -> ServiceResult<(DatabaseTransaction, Account)> {
    let txn = txn::begin_write(db).await?;
    let mut locks = vec![(id, Hold::Exclusive)];
    if actor != id {
        locks.push((actor, Hold::Shared));
    }
    locks.sort_unstable_by_key(|(user, _)| *user);
    let mut target = None;
    for (user, hold) in locks {
        let locked = txn::lock_user(&txn, user, hold).await?;
        if user == id {
            target = locked;
        }
    }
    let target = target.ok_or(ServiceError::NotFound { entity: "user" })?;
    let current = with_preferences(&txn, target).await?;
    Ok((txn, current))
}

fn refuse_self(actor: Uuid, target: Uuid, what: &str) -> ServiceResult<()> {
    if actor == target {
        return Err(ServiceError::Conflict {
            field: None,
            message: format!("admins cannot {what} their own account"),
        });
    }
    Ok(())
}

/// Changes a user's status or admin flag. Suspending or deactivating a user
/// also ends their sessions.
///
/// # Errors
/// [`ServiceError::NotFound`], a version error, or a conflict when an admin
/// would suspend or demote themselves.
pub async fn update(
    db: &DatabaseConnection,
    actor: Uuid,
    id: Uuid,
    changes: AdminChanges,
    client: &ClientMeta,
) -> ServiceResult<Account> {
    let (txn, current) = begin_on(db, actor, id).await?;
    version::check_all(&changes.expected, current.user.version)?;
    let demotes = changes.is_admin == Some(false);
    let disables = changes
        .status
        .is_some_and(|s| s != user::UserStatus::Active);
    if demotes || disables {
        refuse_self(actor, id, "suspend or demote")?;
    }
    if changes.status.is_none() && changes.is_admin.is_none() {
        txn.commit().await?;
        return Ok(current);
    }
    let mut am = user::ActiveModel {
        id: Set(id),
        version: Set(current.user.version + 1),
        updated_at: Set(clock::now()),
        ..Default::default()
    };
    if let Some(status) = changes.status {
        am.status = Set(status);
    }
    if let Some(is_admin) = changes.is_admin {
        am.is_admin = Set(is_admin);
    }
    let user = bump(&txn, am, current.user.version).await?;
    if disables {
        sessions::revoke_all(&txn, id, None).await?;
    }
    audit::record(
        &txn,
        client,
        admin_event(action::ADMIN_USER_UPDATE, actor, id).with_details(serde_json::json!({
            "status": changes.status.map(|s| s.as_str()),
            "is_admin": changes.is_admin,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(Account {
        user,
        preferences: current.preferences,
    })
}

fn admin_event(action: &'static str, actor: Uuid, target: Uuid) -> Event {
    Event {
        user_id: Some(actor),
        action,
        entity_type: Some("user"),
        entity_id: Some(target.to_string()),
        success: true,
        details: None,
    }
}

/// Soft-deletes `user` inside the caller's transaction: `deleted_at` set,
/// status `inactive`, version raised, every session revoked.
pub(crate) async fn soft_delete_in(
    conn: &impl ConnectionTrait,
    user: &user::Model,
) -> ServiceResult<user::Model> {
    let now = clock::now();
    let deleted = bump(
        conn,
        user::ActiveModel {
            id: Set(user.id),
            deleted_at: Set(Some(now)),
            status: Set(user::UserStatus::Inactive),
            version: Set(user.version + 1),
            updated_at: Set(now),
            ..Default::default()
        },
        user.version,
    )
    .await?;
    sessions::revoke_all(conn, user.id, None).await?;
    Ok(deleted)
}

/// Soft-deletes a user (an admin's action). Deleting a deleted user changes nothing.
///
/// # Errors
/// [`ServiceError::NotFound`], a version error, or a conflict for one's own account.
pub async fn soft_delete(
    db: &DatabaseConnection,
    totals: &ListTotals,
    actor: Uuid,
    id: Uuid,
    expected: &[Expected],
    client: &ClientMeta,
) -> ServiceResult<()> {
    refuse_self(actor, id, "delete")?;
    let (txn, current) = begin_on(db, actor, id).await?;
    version::check_all(expected, current.user.version)?;
    if current.user.deleted_at.is_none() {
        soft_delete_in(&txn, &current.user).await?;
        audit::record(
            &txn,
            client,
            admin_event(action::ADMIN_USER_DELETE, actor, id),
        )
        .await?;
    }
    totals.commit(txn, id).await?;
    Ok(())
}

/// Removes a user and everything they own (the foreign keys cascade);
/// their audit rows stay, with the user unset. `expected` is checked as
/// for a soft delete.
///
/// # Errors
/// [`ServiceError::NotFound`], a conflict for one's own account, or a
/// failed expectation.
pub async fn purge(
    db: &DatabaseConnection,
    totals: &ListTotals,
    actor: Uuid,
    id: Uuid,
    expected: &[Expected],
    client: &ClientMeta,
) -> ServiceResult<()> {
    refuse_self(actor, id, "delete")?;
    let (txn, current) = begin_on(db, actor, id).await?;
    version::check_all(expected, current.user.version)?;
    user::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        client,
        admin_event(action::ADMIN_USER_PURGE, actor, id),
    )
    .await?;
    totals.commit(txn, id).await?;
    Ok(())
}

/// Restores a soft-deleted user as `active`. Restoring a live user changes nothing.
///
/// # Errors
/// [`ServiceError::NotFound`].
pub async fn restore(
    db: &DatabaseConnection,
    totals: &ListTotals,
    actor: Uuid,
    id: Uuid,
    client: &ClientMeta,
) -> ServiceResult<Account> {
    let (txn, current) = begin_on(db, actor, id).await?;
    if current.user.deleted_at.is_none() {
        totals.commit(txn, id).await?;
        return Ok(current);
    }
    let user = bump(
        &txn,
        user::ActiveModel {
            id: Set(id),
            deleted_at: Set(None),
            status: Set(user::UserStatus::Active),
            version: Set(current.user.version + 1),
            updated_at: Set(clock::now()),
            ..Default::default()
        },
        current.user.version,
    )
    .await?;
    audit::record(
        &txn,
        client,
        admin_event(action::ADMIN_USER_RESTORE, actor, id),
    )
    .await?;
    totals.commit(txn, id).await?;
    Ok(Account {
        user,
        preferences: current.preferences,
    })
}
