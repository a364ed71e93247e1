//! Soft delete, restore and permanent delete, of one todo or (all or
//! nothing, see `bulk`) of many. A soft-deleted todo leaves the lists
//! (unless asked for) but still answers by id; only restoring or purging it
//! changes it further.

use entity::todo;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::bulk::{check_ids, event, lock_owned, refuse_deleted};
use super::{
    ListTotals, TodoView, bump, find_live, find_owned, lost_race, save, single, with_tags,
};
use crate::audit::{self, action};
use crate::context::ClientMeta;
use crate::version::{self, Expected};
use crate::{ServiceResult, clock, txn};

/// Soft-deletes one of the caller's todos: it leaves the lists (unless asked
/// for) but still answers by id, and can be restored.
///
/// # Errors
/// [`ServiceError::NotFound`], [`ServiceError::Conflict`] when it is already
/// soft-deleted, or a version error.
pub async fn soft_delete(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
) -> ServiceResult<()> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let (current, _) = find_live(&txn, user_id, id, expected).await?;
    let now = clock::now();
    let mut am = bump(&current, now);
    am.deleted_at = Set(Some(now));
    save(&txn, am, &current, expected).await?;
    totals.commit(txn, user_id).await?;
    Ok(())
}

/// Removes one of the caller's todos for good (soft-deleted or not), with
/// its links and history.
///
/// # Errors
/// [`ServiceError::NotFound`] or a version error.
pub async fn purge(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
) -> ServiceResult<()> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let (current, _) = find_owned(&txn, user_id, id).await?;
    version::check_all(expected, current.version)?;
    let removed = todo::Entity::delete_many()
        .filter(todo::Column::Id.eq(id))
        .filter(todo::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(lost_race(&txn, id, expected).await);
    }
    totals.commit(txn, user_id).await?;
    Ok(())
}

/// Restores one of the caller's soft-deleted todos. Restoring a live todo
/// changes nothing and answers it as it is.
///
/// # Errors
/// [`ServiceError::NotFound`] or a version error.
pub async fn restore(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
) -> ServiceResult<TodoView> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let (current, category) = find_owned(&txn, user_id, id).await?;
    version::check_all(expected, current.version)?;
    let todo = if current.deleted_at.is_some() {
        let mut am = bump(&current, clock::now());
        am.deleted_at = Set(None);
        save(&txn, am, &current, expected).await?
    } else {
        current
    };
    let view = with_tags(&txn, vec![(todo, category)]).await?;
    totals.commit(txn, user_id).await?;
    single(view)
}

/// Deletes the caller's todos in `ids`, all or nothing: soft (each gets
/// `deleted_at`, a new version and `updated_at`; restorable), or with
/// `permanent` for good, soft-deleted or not (their links and history go
/// with them). Answers how many were deleted (all of them).
///
/// # Errors
/// [`ServiceError::Invalid`] for a bad id list; [`ServiceError::NotFoundItems`]
/// naming every id that is not the caller's; for a soft delete,
/// [`ServiceError::ConflictingItems`] naming every one already soft-deleted.
pub async fn delete_many(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    ids: &[Uuid],
    permanent: bool,
    client: &ClientMeta,
) -> ServiceResult<u64> {
    check_ids(ids)?;
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let current = lock_owned(&txn, user_id, ids).await?;
    let in_ids = todo::Column::Id.is_in(ids.iter().copied());
    let owned = todo::Column::UserId.eq(user_id);
    if permanent {
        todo::Entity::delete_many()
            .filter(in_ids)
            .filter(owned)
            .exec(&txn)
            .await?;
    } else {
        refuse_deleted(
            &current,
            "leave them out, or delete them for good with `permanent`",
        )?;
        let now = clock::now();
        todo::Entity::update_many()
            .col_expr(todo::Column::DeletedAt, Expr::value(Some(now)))
            .col_expr(
                todo::Column::Version,
                Expr::col(todo::Column::Version).add(1),
            )
            .col_expr(todo::Column::UpdatedAt, Expr::value(now))
            .filter(in_ids)
            .filter(owned)
            .exec(&txn)
            .await?;
    }
    let details = json!({ "count": ids.len(), "permanent": permanent });
    audit::record(
        &txn,
        client,
        event(action::TODO_BULK_DELETE, user_id, details),
    )
    .await?;
    totals.commit(txn, user_id).await?;
    Ok(ids.len() as u64)
}

/// Restores the caller's soft-deleted todos in `ids`, all or nothing; each
/// gets a new version and `updated_at`. Live todos among them are left as
/// they are (as restoring one live todo does). Answers how many were restored.
///
/// # Errors
/// [`ServiceError::Invalid`] for a bad id list; [`ServiceError::NotFoundItems`]
/// naming every id that is not the caller's.
pub async fn restore_many(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    ids: &[Uuid],
    client: &ClientMeta,
) -> ServiceResult<u64> {
    check_ids(ids)?;
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let current = lock_owned(&txn, user_id, ids).await?;
    let deleted: Vec<Uuid> = current
        .iter()
        .filter(|t| t.deleted_at.is_some())
        .map(|t| t.id)
        .collect();
    if !deleted.is_empty() {
        todo::Entity::update_many()
            .col_expr(
                todo::Column::DeletedAt,
                Expr::value(None::<clock::Timestamp>),
            )
            .col_expr(
                todo::Column::Version,
                Expr::col(todo::Column::Version).add(1),
            )
            .col_expr(todo::Column::UpdatedAt, Expr::value(clock::now()))
            .filter(todo::Column::Id.is_in(deleted.iter().copied()))
            .filter(todo::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
    }
    let details = json!({ "count": ids.len(), "restored": deleted.len() });
    audit::record(
        &txn,
        client,
        event(action::TODO_BULK_RESTORE, user_id, details),
    )
    .await?;
    totals.commit(txn, user_id).await?;
    Ok(deleted.len() as u64)
}
