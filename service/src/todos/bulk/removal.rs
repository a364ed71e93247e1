//! Deleting and restoring many todos at once (the rules are in [`super`];
//! one todo at a time is `transition`'s).

use entity::sync_deletion::SyncEntity;
use entity::todo;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use super::{Bulk, check_ids, lock_owned, next_versions, owned_among, refuse_deleted};
use crate::audit::action;
use crate::context::ClientMeta;
use crate::sync::Changes;
use crate::todos::ListTotals;
use crate::{ServiceResult, clock};

/// Deletes the caller's todos in `ids`, all or nothing: soft (each gets
/// `deleted_at`, a new version and `updated_at`; restorable), or with
/// `permanent` for good, soft-deleted or not (their links and history go
/// with them). Answers how many were deleted (all of them).
///
/// # Errors
/// [`crate::ServiceError::Invalid`] for a bad id list;
/// [`crate::ServiceError::NotFoundItems`] naming every id that is not the
/// caller's; for a soft delete, [`crate::ServiceError::ConflictingItems`]
/// naming every one already soft-deleted.
pub async fn delete_many(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    ids: &[Uuid],
    permanent: bool,
    client: &ClientMeta,
) -> ServiceResult<u64> {
    check_ids(ids)?;
    let bulk = Bulk::begin(db, totals, user_id, client).await?;
    let current = lock_owned(&bulk.txn, user_id, ids).await?;
    let named = ids.iter().copied();
    let changes = if permanent {
        owned_among(todo::Entity::delete_many(), user_id, named)
            .exec(&bulk.txn)
            .await?;
        Changes::none().deleted(SyncEntity::Todo, ids.iter().copied())
    } else {
        refuse_deleted(
            &current,
            "leave them out, or delete them for good with `permanent`",
        )?;
        let now = clock::now();
        let update = next_versions(now).col_expr(todo::Column::DeletedAt, Expr::value(Some(now)));
        owned_among(update, user_id, named).exec(&bulk.txn).await?;
        Changes::none().todos(ids.iter().copied())
    };
    let details = json!({ "count": ids.len(), "permanent": permanent });
    bulk.finish(action::TODO_BULK_DELETE, details, changes)
        .await?;
    Ok(ids.len() as u64)
}

/// Restores the caller's soft-deleted todos in `ids`, all or nothing; each
/// gets a new version and `updated_at`. Live todos among them are left as
/// they are (as restoring one live todo does). Answers how many were restored.
///
/// # Errors
/// [`crate::ServiceError::Invalid`] for a bad id list;
/// [`crate::ServiceError::NotFoundItems`] naming every id that is not the
/// caller's.
pub async fn restore_many(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    ids: &[Uuid],
    client: &ClientMeta,
) -> ServiceResult<u64> {
    check_ids(ids)?;
    let bulk = Bulk::begin(db, totals, user_id, client).await?;
    let current = lock_owned(&bulk.txn, user_id, ids).await?;
    let deleted: Vec<Uuid> = current
        .iter()
        .filter(|t| t.deleted_at.is_some())
        .map(|t| t.id)
        .collect();
    if !deleted.is_empty() {
        let update = next_versions(clock::now()).col_expr(
            todo::Column::DeletedAt,
            Expr::value(None::<clock::Timestamp>),
        );
        owned_among(update, user_id, deleted.iter().copied())
            .exec(&bulk.txn)
            .await?;
    }
    let details = json!({ "count": ids.len(), "restored": deleted.len() });
    let restored = deleted.len() as u64;
    let changes = Changes::none().todos(deleted);
    bulk.finish(action::TODO_BULK_RESTORE, details, changes)
        .await?;
    Ok(restored)
}
