//! Status rules: what a status change writes besides the status, and the
//! history it leaves behind (whichever route changes the status: a PATCH,
//! `complete`, `reopen`, or a bulk update).
//!
//! [`set_status`] decides `completed_at` and the history row, and the caller
//! writes both in the transaction of the change.

use entity::{todo, todo_history};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::ENTITY;
use crate::{ServiceError, ServiceResult, batch, clock};

/// The status changes of one of the caller's todos (soft-deleted or not),
/// oldest first.
///
/// # Errors
/// [`ServiceError::NotFound`].
pub async fn history(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> ServiceResult<Vec<todo_history::Model>> {
    let exists = todo::Entity::find_by_id(id)
        .filter(todo::Column::UserId.eq(user_id))
        .select_only()
        .column(todo::Column::Id)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    if exists.is_none() {
        return Err(ServiceError::NotFound { entity: ENTITY });
    }
    Ok(todo_history::Entity::find()
        .filter(todo_history::Column::TodoId.eq(id))
        .order_by_asc(todo_history::Column::ChangedAt)
        .order_by_asc(todo_history::Column::Id)
        .all(db)
        .await?)
}

/// Sets `status` (and `completed_at`) on `am` when it differs from the
/// todo's, and returns the history row to append.
pub(super) fn set_status(
    am: &mut todo::ActiveModel,
    current: &todo::Model,
    to: todo::TodoStatus,
    now: clock::Timestamp,
) -> Option<todo_history::Model> {
    let entry = transition(current, to, now)?;
    am.status = Set(to);
    am.completed_at = Set((to == todo::TodoStatus::Completed).then_some(now));
    Some(entry)
}

/// The history row of `current` moving to `to` at `now`; none when it has
/// that status already (no change, no history).
pub(super) fn transition(
    current: &todo::Model,
    to: todo::TodoStatus,
    now: clock::Timestamp,
) -> Option<todo_history::Model> {
    (to != current.status).then(|| todo_history::Model {
        id: clock::new_id(),
        todo_id: current.id,
        from_status: current.status,
        to_status: to,
        changed_at: now,
    })
}

/// Appends history rows: one multi-row `INSERT` (more only past the
/// engine's bind-parameter limit), none for no rows.
pub(super) async fn record(
    conn: &impl ConnectionTrait,
    entries: impl IntoIterator<Item = todo_history::Model>,
) -> Result<(), DbErr> {
    let rows = entries
        .into_iter()
        .map(todo_history::ActiveModel::from)
        .collect();
    batch::insert_all(conn, rows).await
}
