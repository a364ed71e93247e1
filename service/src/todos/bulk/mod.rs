//! Bulk operations: create, change, delete or restore up to [`MAX_BULK`]
//! todos in one request, all or nothing: creating in `create`, changing in
//! `update`, deleting and restoring in `removal`, and here what they share
//! (the checks, the locking read, the version bump, the audit row).
//!
//! Each operation checks everything before it writes anything, inside one
//! transaction, and answers the first kind of failure it finds with every
//! offending item named, having changed nothing:
//!
//! 1. the request itself: 1 to [`MAX_BULK`] items or ids, no id twice
//!    (`ids[5]`: "repeats ids[2]"), something to change → `Invalid`;
//! 2. categories that are not the caller's (`items[3].category_id`,
//!    `set.category_id`) → `Invalid`;
//! 3. ids that do not exist or are somebody else's, keyed by id →
//!    `NotFoundItems`;
//! 4. soft-deleted todos where a change or a soft delete is asked for,
//!    keyed by id → `ConflictingItems`: a deleted todo takes no change but
//!    restore or permanent delete, in bulk as one at a time.
//!
//! Then it writes in batched statements, never one per item, and one audit
//! row. Ids are made here (UUIDv7), so no insert needs `RETURNING` (which
//! MySQL lacks), and a bulk create answers from the rows it wrote. The
//! statements (multi-row `INSERT`s split only past the engine's
//! bind-parameter limit, see [`crate::batch`]):
//!
//! - create: the categories named (one `IN`), the tags named by all items
//!   together (one `IN`, one `INSERT` of the new names, and on MySQL one
//!   read-back), the todos, their tag links, the audit row: at most 7;
//! - update: the category (if one is set), the todos (`SELECT … FOR
//!   UPDATE`), the tags to add (as above) and to remove (one `IN`), one
//!   `UPDATE … WHERE id IN (…)` for every field and `version = version + 1`,
//!   the history rows, the links removed and added, the audit row;
//! - delete and restore: the todos (`SELECT … FOR UPDATE`), one `UPDATE` or
//!   `DELETE … WHERE id IN (…)`, the audit row.
//!
//! The rows an update, delete or restore reads are locked until commit
//! (SQLite's write transaction locks the whole database), so the history
//! written (`from_status`) and the checks made hold for what is changed.

mod create;
mod removal;
mod update;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use entity::todo;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, UpdateMany,
};
use uuid::Uuid;

pub use create::{create_many, create_many_in};
pub use removal::{delete_many, restore_many};
pub use update::{BulkChanges, update_many};

use super::{ENTITY, ListTotals};
use crate::audit::{self, Event};
use crate::context::ClientMeta;
use crate::sync::Changes;
use crate::{FieldErrors, ServiceError, ServiceResult, clock, txn};

/// The most items (or ids) one bulk request may name.
pub const MAX_BULK: usize = 1000;

const NOT_YOUR_CATEGORY: &str = "is not one of your categories";

/// 1 to [`MAX_BULK`] entries in `field`.
fn check_count(field: &str, count: usize) -> ServiceResult<()> {
    match count {
        0 => Err(ServiceError::invalid(field, "must list at least one")),
        n if n > MAX_BULK => Err(ServiceError::invalid(
            field,
            format!("must list at most {MAX_BULK}"),
        )),
        _ => Ok(()),
    }
}

/// A valid id list: 1 to [`MAX_BULK`] ids, none twice (each repeat is named
/// by its index, with the index of its first occurrence).
fn check_ids(ids: &[Uuid]) -> ServiceResult<()> {
    check_count("ids", ids.len())?;
    let mut first_at: HashMap<Uuid, usize> = HashMap::with_capacity(ids.len());
    let mut errors = FieldErrors::new();
    for (index, id) in ids.iter().enumerate() {
        match first_at.entry(*id) {
            Entry::Occupied(first) => {
                let message = format!("repeats ids[{}]", first.get());
                errors.insert(format!("ids[{index}]"), vec![message]);
            }
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

/// A bulk operation under way: the caller's transaction, and what its end
/// needs (the client, for the audit row; the totals to forget).
struct Bulk<'a> {
    txn: DatabaseTransaction,
    totals: &'a ListTotals,
    client: &'a ClientMeta,
    user_id: Uuid,
}

impl<'a> Bulk<'a> {
    /// Begins `user_id`'s bulk operation.
    async fn begin(
        db: &DatabaseConnection,
        totals: &'a ListTotals,
        user_id: Uuid,
        client: &'a ClientMeta,
    ) -> ServiceResult<Self> {
        let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
        Ok(Self {
            txn,
            totals,
            client,
            user_id,
        })
    }

    /// Ends it: its audit row (`action`, with `details`), then the commit,
    /// which stamps what it touched (`changes`) and forgets the user's list
    /// totals.
    async fn finish(
        self,
        action: &'static str,
        details: serde_json::Value,
        changes: Changes,
    ) -> ServiceResult<()> {
        record(&self.txn, self.client, self.user_id, action, details).await?;
        self.totals.commit(self.txn, self.user_id, changes).await?;
        Ok(())
    }
}

/// The audit row of `user_id`'s bulk operation (`action`, with `details`),
/// written in `txn`: the last write of every bulk operation.
async fn record(
    txn: &DatabaseTransaction,
    client: &ClientMeta,
    user_id: Uuid,
    action: &'static str,
    details: serde_json::Value,
) -> ServiceResult<()> {
    let event = Event {
        user_id: Some(user_id),
        action,
        entity_type: Some(ENTITY),
        entity_id: None,
        success: true,
        details: Some(details),
    };
    audit::record(txn, client, event).await?;
    Ok(())
}

/// The caller's todos in `ids` (deleted or not), locked for the rest of the
/// transaction, in id order (so concurrent bulk requests lock in the same
/// order); every id that is not the caller's is named.
async fn lock_owned(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &[Uuid],
) -> ServiceResult<Vec<todo::Model>> {
    let rows = owned_among(todo::Entity::find(), user_id, ids.iter().copied())
        .order_by_asc(todo::Column::Id)
        .lock_exclusive()
        .all(conn)
        .await?;
    if rows.len() == ids.len() {
        return Ok(rows);
    }
    let found: HashSet<Uuid> = rows.iter().map(|t| t.id).collect();
    let errors = ids
        .iter()
        .filter(|id| !found.contains(id))
        .map(|id| (id.to_string(), vec!["not found".to_owned()]))
        .collect();
    Err(ServiceError::NotFoundItems {
        entity: ENTITY,
        errors,
    })
}

/// A conflict naming every soft-deleted todo among `todos`, if there is one.
fn refuse_deleted(todos: &[todo::Model], advice: &str) -> ServiceResult<()> {
    let errors: FieldErrors = todos
        .iter()
        .filter(|t| t.deleted_at.is_some())
        .map(|t| (t.id.to_string(), vec!["is deleted".to_owned()]))
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(ServiceError::ConflictingItems {
        message: format!("{} of the todos are deleted; {advice}", errors.len()),
        errors,
    })
}

/// `query` (a select, update or delete of todos) narrowed to the caller's
/// todos among `ids`.
fn owned_among<Q: QueryFilter>(query: Q, user_id: Uuid, ids: impl IntoIterator<Item = Uuid>) -> Q {
    query
        .filter(todo::Column::Id.is_in(ids))
        .filter(todo::Column::UserId.eq(user_id))
}

/// `UPDATE todos SET version = version + 1, updated_at = now`, still without
/// the rest of its `SET` and its `WHERE`: what every bulk change writes.
fn next_versions(now: clock::Timestamp) -> UpdateMany<todo::Entity> {
    todo::Entity::update_many()
        .col_expr(
            todo::Column::Version,
            Expr::col(todo::Column::Version).add(1),
        )
        .col_expr(todo::Column::UpdatedAt, Expr::value(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_need_one_to_a_thousand_distinct_ids() {
        let id = |n: u128| Uuid::from_u128(n);
        assert!(check_ids(&[id(1), id(2)]).is_ok());
        assert!(check_ids(&[]).is_err());
        let many: Vec<Uuid> = (0..=1000).map(id).collect();
        assert!(check_ids(&many[..1000]).is_ok());
        assert!(check_ids(&many).is_err());
        let Err(ServiceError::Invalid(errors)) = check_ids(&[id(1), id(2), id(1), id(1)]) else {
            panic!("repeats are invalid");
        };
        assert_eq!(
            errors.keys().collect::<Vec<_>>(),
            ["ids[2]", "ids[3]"],
            "every repeat is named"
        );
        assert_eq!(errors["ids[3]"], ["repeats ids[0]"]);
    }
}
