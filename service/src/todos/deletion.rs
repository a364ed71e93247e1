//! Soft delete, restore and permanent delete. A soft-deleted todo leaves
//! the lists (unless asked for) but still answers by id; only restoring or
//! purging it changes it further.

use entity::todo;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{TodoView, bump, find_live, find_owned, lost_race, save, single, with_tags};
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
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
) -> ServiceResult<()> {
    let txn = txn::begin_write(db).await?;
    let (current, _) = find_live(&txn, user_id, id, expected).await?;
    let now = clock::now();
    let mut am = bump(&current, now);
    am.deleted_at = Set(Some(now));
    save(&txn, am, &current, expected).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes one of the caller's todos for good (soft-deleted or not), with
/// its links and history.
///
/// # Errors
/// [`ServiceError::NotFound`] or a version error.
pub async fn purge(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
) -> ServiceResult<()> {
    let txn = txn::begin_write(db).await?;
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
    txn.commit().await?;
    Ok(())
}

/// Restores one of the caller's soft-deleted todos. Restoring a live todo
/// changes nothing and answers it as it is.
///
/// # Errors
/// [`ServiceError::NotFound`] or a version error.
pub async fn restore(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
) -> ServiceResult<TodoView> {
    let txn = txn::begin_write(db).await?;
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
    txn.commit().await?;
    single(view)
}
