//! Changes of one todo's state that name no field: complete, reopen and
//! restore ([`transition`], answering the todo), and delete, soft or for
//! good ([`delete`]). Many todos at once are in `bulk`.
//!
//! A soft-deleted todo leaves the lists (unless asked for) but still answers
//! by id; only restoring or deleting it for good changes it further.

use entity::sync_deletion::SyncEntity;
use entity::todo::{self, TodoStatus};
use entity::todo_history;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::status::{record, set_status};
use super::view::{TodoView, with_tags_one};
use super::{ENTITY, ListTotals, find_for_change, row_change, save};
use crate::sync::Changes;
use crate::version::{self, Expected};
use crate::{ServiceResult, clock, txn};

/// A change of one todo's state, answered with the todo. A todo already in
/// the state asked for is answered as it is: no write, same version, no
/// history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Marks a live todo `completed` (sets `completed_at`, appends history).
    Complete,
    /// Makes a live `completed` or `archived` todo `pending` (clears
    /// `completed_at`, appends history); `pending` and `in_progress` are open
    /// already.
    Reopen,
    /// Brings a soft-deleted todo back to the lists.
    Restore,
}

impl Transition {
    /// Whether a soft-deleted todo takes it (the others are a conflict).
    fn takes_deleted(self) -> bool {
        self == Self::Restore
    }

    /// What it writes on `current` at `now`: the row's change and the
    /// history row to append, or `None` when the todo is in that state.
    fn change(
        self,
        current: &todo::Model,
        now: clock::Timestamp,
    ) -> Option<(todo::ActiveModel, Option<todo_history::Model>)> {
        let mut am = row_change(current, now);
        let history = match self {
            Self::Complete => set_status(&mut am, current, TodoStatus::Completed, now)?,
            Self::Reopen
                if matches!(current.status, TodoStatus::Completed | TodoStatus::Archived) =>
            {
                set_status(&mut am, current, TodoStatus::Pending, now)?
            }
            // `pending` and `in_progress` are open already.
            Self::Reopen => return None,
            Self::Restore => {
                // A live todo has nothing to restore.
                current.deleted_at?;
                am.deleted_at = Set(None);
                return Some((am, None));
            }
        };
        Some((am, Some(history)))
    }
}

/// Applies `to` to one of the caller's todos and answers it.
///
/// # Errors
/// [`crate::ServiceError::NotFound`], [`crate::ServiceError::Conflict`] when
/// it is soft-deleted (but for [`Transition::Restore`]), or a version error.
pub async fn transition(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
    to: Transition,
) -> ServiceResult<TodoView> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let (current, category) =
        find_for_change(&txn, user_id, id, expected, to.takes_deleted()).await?;
    let (todo, changes) = match to.change(&current, clock::now()) {
        Some((am, history)) => {
            let todo = save(&txn, am, &current, expected).await?;
            record(&txn, history).await?;
            (todo, Changes::none().todos([id]))
        }
        None => (current, Changes::none()),
    };
    let view = with_tags_one(&txn, todo, category).await?;
    totals.commit(txn, user_id, changes).await?;
    Ok(view)
}

/// Deletes one of the caller's todos: a soft delete (it gets `deleted_at`
/// and can be restored), or with `permanent` for good, soft-deleted or not
/// (its links and history go with it).
///
/// # Errors
/// [`crate::ServiceError::NotFound`], a version error, or for a soft delete
/// [`crate::ServiceError::Conflict`] when it is soft-deleted already.
pub async fn delete(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
    permanent: bool,
) -> ServiceResult<()> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let (current, _) = find_for_change(&txn, user_id, id, expected, permanent).await?;
    let changes = if permanent {
        // Guarded as an update is: gone only if nobody changed it since.
        let removed = todo::Entity::delete_many()
            .filter(todo::Column::Id.eq(id))
            .filter(todo::Column::Version.eq(current.version))
            .exec(&txn)
            .await?;
        if removed.rows_affected == 0 {
            return Err(version::lost_race_of::<todo::Entity>(&txn, id, expected, ENTITY).await);
        }
        Changes::none().deleted(SyncEntity::Todo, [id])
    } else {
        let now = clock::now();
        let mut am = row_change(&current, now);
        am.deleted_at = Set(Some(now));
        save(&txn, am, &current, expected).await?;
        Changes::none().todos([id])
    };
    totals.commit(txn, user_id, changes).await?;
    Ok(())
}
