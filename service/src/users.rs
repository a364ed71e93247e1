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

use crate::accounts::{self, Account};
use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::paging::{self, PageRequest, Paged};
use crate::search::contains_ci;
use crate::sync::Changes;
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
    /// Only verified addresses, or only unverified ones.
    pub is_verified: Option<bool>,
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
    if let Some(verified) = filter.is_verified {
        condition = condition.add(Column::EmailVerified.eq(verified));
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
    let paged = paging::fetch(db, select, page).await?;
    Ok(paged.map(|(user, preferences)| Account::new(user, preferences)))
}

/// One user, deleted or not.
///
/// # Errors
/// [`ServiceError::NotFound`].
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> ServiceResult<Account> {
    accounts::load(db, id).await?.ok_or(ServiceError::NotFound {
        entity: accounts::ENTITY,
    })
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
    let target = target.ok_or(ServiceError::NotFound {
        entity: accounts::ENTITY,
    })?;
    let current = accounts::with_preferences(&txn, target).await?;
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
        ..Default::default()
    };
    if let Some(status) = changes.status {
        am.status = Set(status);
        // An account made active again is no longer on its way out.
        if status == user::UserStatus::Active {
            am.deletion_scheduled_for = Set(None);
        }
    }
    if let Some(is_admin) = changes.is_admin {
        am.is_admin = Set(is_admin);
    }
    let user = accounts::save(&txn, am, current.user.version, &changes.expected).await?;
    if disables {
        sessions::revoke_all(&txn, id, None).await?;
    }
    audit::record(
        &txn,
        client,
        Event::by_admin(action::ADMIN_USER_UPDATE, actor, id).with_details(serde_json::json!({
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

/// Deletes a user (an admin's action): a soft delete (sessions end at once,
/// the data stays, restorable; deleting a deleted user changes nothing), or
/// with `permanent` the user and everything they own, for good (the foreign
/// keys cascade; their audit rows stay, with the user unset). `expected` is
/// checked either way.
///
/// # Errors
/// [`ServiceError::NotFound`], a version error, or a conflict for one's own account.
pub async fn delete(
    db: &DatabaseConnection,
    totals: &ListTotals,
    actor: Uuid,
    id: Uuid,
    expected: &[Expected],
    permanent: bool,
    client: &ClientMeta,
) -> ServiceResult<()> {
    refuse_self(actor, id, "delete")?;
    let (txn, current) = begin_on(db, actor, id).await?;
    version::check_all(expected, current.user.version)?;
    let action = if permanent {
        user::Entity::delete_by_id(id).exec(&txn).await?;
        Some(action::ADMIN_USER_PURGE)
    } else if current.user.deleted_at.is_none() {
        accounts::soft_delete(&txn, &current.user).await?;
        Some(action::ADMIN_USER_DELETE)
    } else {
        None
    };
    if let Some(action) = action {
        audit::record(&txn, client, Event::by_admin(action, actor, id)).await?;
    }
    totals.commit(txn, id, Changes::none()).await?;
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
        totals.commit(txn, id, Changes::none()).await?;
        return Ok(current);
    }
    let am = user::ActiveModel {
        id: Set(id),
        deleted_at: Set(None),
        status: Set(user::UserStatus::Active),
        ..Default::default()
    };
    let user = accounts::save(&txn, am, current.user.version, &[]).await?;
    let event = Event::by_admin(action::ADMIN_USER_RESTORE, actor, id);
    audit::record(&txn, client, event).await?;
    totals.commit(txn, id, Changes::none()).await?;
    Ok(Account {
        user,
        preferences: current.preferences,
    })
}
