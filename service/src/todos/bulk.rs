//! Bulk operations: create, change, delete or restore up to [`MAX_BULK`]
//! todos in one request, all or nothing. Creating and changing are here;
//! deleting and restoring many sit beside deleting and restoring one, in
//! `deletion`, and use the checks of this module.
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

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{category, tag, todo, todo_tag};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, UpdateMany,
};
use serde_json::json;
use uuid::Uuid;

use super::status::transition;
use super::{ENTITY, ListTotals, NewTodo, TodoView, link, link_rows, new_row, record, view};
use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::{FieldErrors, ServiceError, ServiceResult, batch, categories, clock, names, tags, txn};

/// The most items (or ids) one bulk request may name.
pub const MAX_BULK: usize = 1000;

const NOT_YOUR_CATEGORY: &str = "is not one of your categories";

/// What a bulk update does to every todo it names. `None` keeps a field;
/// for nullable fields `Some(None)` clears it. Errors name the fields as the
/// API spells them (`set.category_id`, `add_tags`, `remove_tags`).
#[derive(Debug, Clone, Default)]
pub struct BulkChanges {
    /// New status: entering `completed` sets `completed_at`, leaving it
    /// clears it, and each todo whose status changes gets a history row.
    pub status: Option<todo::TodoStatus>,
    /// New priority.
    pub priority: Option<todo::Priority>,
    /// New category (one of the caller's), or `Some(None)` to clear it.
    pub category_id: Option<Option<Uuid>>,
    /// New due date, or `Some(None)` to clear it.
    pub due_date: Option<Option<DateTime<Utc>>>,
    /// Tags to put on every todo, by name; unknown names are created.
    pub add_tags: Vec<String>,
    /// Tags to take off every todo, by name; unknown names are ignored.
    pub remove_tags: Vec<String>,
}

impl BulkChanges {
    fn check(&self) -> ServiceResult<()> {
        let sets_nothing = self.status.is_none()
            && self.priority.is_none()
            && self.category_id.is_none()
            && self.due_date.is_none();
        if sets_nothing && self.add_tags.is_empty() && self.remove_tags.is_empty() {
            return Err(ServiceError::invalid(
                "set",
                "name at least one change (in set, add_tags or remove_tags)",
            ));
        }
        let adding: HashSet<String> = names::distinct(&self.add_tags)
            .into_iter()
            .map(|(_, key)| key)
            .collect();
        if names::distinct(&self.remove_tags)
            .iter()
            .any(|(_, key)| adding.contains(key))
        {
            return Err(ServiceError::invalid(
                "remove_tags",
                "must not name a tag that add_tags names",
            ));
        }
        Ok(())
    }
}

/// Creates todos for the caller, all or nothing, and answers them in input
/// order with their categories and tags. Tag names of all items are
/// resolved together; unknown ones are created once.
///
/// # Errors
/// [`ServiceError::Invalid`] naming `items` (none, or more than
/// [`MAX_BULK`]) or each `items[i].category_id` that is not one of the
/// caller's categories.
pub async fn create_many(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    items: Vec<NewTodo>,
    client: &ClientMeta,
) -> ServiceResult<Vec<TodoView>> {
    check_count("items", items.len())?;
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let categories = categories_of(&txn, user_id, &items).await?;
    let names: Vec<String> = items.iter().flat_map(|i| i.tags.iter().cloned()).collect();
    let tags: HashMap<String, tag::Model> = tags::find_or_create(&txn, user_id, &names)
        .await?
        .into_iter()
        .map(|t| (t.name_key.clone(), t))
        .collect();
    let now = clock::now();
    let mut views = Vec::with_capacity(items.len());
    let mut links = Vec::new();
    for item in items {
        let own_tags: Vec<tag::Model> = names::distinct(&item.tags)
            .iter()
            .filter_map(|(_, key)| tags.get(key).cloned())
            .collect();
        let category = item.category_id.and_then(|id| categories.get(&id).cloned());
        let todo = new_row(user_id, item, now);
        links.extend(own_tags.iter().map(|t| (todo.id, t.id)));
        views.push(view(todo, category, own_tags));
    }
    let rows = views
        .iter()
        .map(|v| todo::ActiveModel::from(v.todo.clone()))
        .collect();
    batch::insert_all(&txn, rows).await?;
    let linked = links.len();
    link(&txn, links).await?;
    let details = json!({ "count": views.len(), "tags": tags.len(), "links": linked });
    audit::record(
        &txn,
        client,
        event(action::TODO_BULK_CREATE, user_id, details),
    )
    .await?;
    totals.commit(txn, user_id).await?;
    Ok(views)
}

/// Applies `changes` to every one of the caller's todos in `ids`, all or
/// nothing; each gets a new version and `updated_at`. Answers how many
/// todos were changed (all of them).
///
/// # Errors
/// [`ServiceError::Invalid`] for a bad id list (`ids`, `ids[i]`), no change
/// named (`set`), a tag both added and removed (`remove_tags`) or a
/// category not the caller's (`set.category_id`);
/// [`ServiceError::NotFoundItems`] naming every id that is not the
/// caller's; [`ServiceError::ConflictingItems`] naming every soft-deleted one.
pub async fn update_many(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    ids: &[Uuid],
    changes: BulkChanges,
    client: &ClientMeta,
) -> ServiceResult<u64> {
    check_ids(ids)?;
    changes.check()?;
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    if let Some(Some(category_id)) = changes.category_id
        && categories::find_owned(&txn, user_id, category_id)
            .await?
            .is_none()
    {
        return Err(ServiceError::invalid("set.category_id", NOT_YOUR_CATEGORY));
    }
    let current = lock_owned(&txn, user_id, ids).await?;
    refuse_deleted(&current, "restore them before changing them")?;
    let added = tags::find_or_create(&txn, user_id, &changes.add_tags).await?;
    let removed = tags::find_named(&txn, user_id, &changes.remove_tags).await?;
    let now = clock::now();
    let history: Vec<_> = match changes.status {
        Some(to) => current
            .iter()
            .filter_map(|t| transition(t, to, now))
            .collect(),
        None => Vec::new(),
    };
    let status_changes = history.len();

    changed_columns(&changes, now)
        .filter(todo::Column::Id.is_in(ids.iter().copied()))
        .filter(todo::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    record(&txn, history).await?;
    retag(&txn, ids, &added, &removed).await?;
    let details = json!({
        "count": ids.len(),
        "status_changes": status_changes,
        "tags_added": added.len(),
        "tags_removed": removed.len(),
    });
    audit::record(
        &txn,
        client,
        event(action::TODO_BULK_UPDATE, user_id, details),
    )
    .await?;
    totals.commit(txn, user_id).await?;
    Ok(ids.len() as u64)
}

/// `UPDATE todos SET version = version + 1, updated_at = now, <each field
/// of changes>`, still without its `WHERE`.
fn changed_columns(changes: &BulkChanges, now: clock::Timestamp) -> UpdateMany<todo::Entity> {
    let mut update = todo::Entity::update_many()
        .col_expr(
            todo::Column::Version,
            Expr::col(todo::Column::Version).add(1),
        )
        .col_expr(todo::Column::UpdatedAt, Expr::value(now));
    if let Some(priority) = changes.priority {
        update = update.col_expr(todo::Column::Priority, Expr::value(priority));
    }
    if let Some(category_id) = changes.category_id {
        update = update.col_expr(todo::Column::CategoryId, Expr::value(category_id));
    }
    if let Some(due_date) = changes.due_date {
        update = update.col_expr(
            todo::Column::DueDate,
            Expr::value(due_date.map(clock::to_db)),
        );
    }
    if let Some(to) = changes.status {
        // `completed_at` goes before `status`: MySQL assigns left to right
        // and lets later assignments see earlier ones, so the CASE must read
        // the old status. A todo that stays `completed` keeps its time.
        let completed_at: Expr = if to == todo::TodoStatus::Completed {
            Expr::case(
                Expr::col(todo::Column::Status).eq(todo::TodoStatus::Completed.as_str()),
                Expr::col(todo::Column::CompletedAt),
            )
            .finally(Expr::value(now))
            .into()
        } else {
            Expr::value(None::<clock::Timestamp>)
        };
        update = update
            .col_expr(todo::Column::CompletedAt, completed_at)
            .col_expr(todo::Column::Status, Expr::value(to));
    }
    update
}

/// Takes `removed` off and puts `added` on every todo of `ids`: one
/// `DELETE … WHERE todo_id IN (…) AND tag_id IN (…)` and one multi-row
/// `INSERT` that skips the links a todo has already.
async fn retag(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    added: &[tag::Model],
    removed: &[tag::Model],
) -> Result<(), DbErr> {
    if !removed.is_empty() {
        todo_tag::Entity::delete_many()
            .filter(todo_tag::Column::TodoId.is_in(ids.iter().copied()))
            .filter(todo_tag::Column::TagId.is_in(removed.iter().map(|t| t.id)))
            .exec(conn)
            .await?;
    }
    let links = ids
        .iter()
        .flat_map(|todo_id| added.iter().map(move |t| (*todo_id, t.id)));
    batch::insert_all_skipping_clashes(
        conn,
        link_rows(links),
        [todo_tag::Column::TodoId, todo_tag::Column::TagId],
    )
    .await?;
    Ok(())
}

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
pub(super) fn check_ids(ids: &[Uuid]) -> ServiceResult<()> {
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

/// The caller's categories that `items` name, by id (one `IN` query); a
/// validation error naming each `items[i].category_id` that is not theirs.
async fn categories_of(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    items: &[NewTodo],
) -> ServiceResult<HashMap<Uuid, category::Model>> {
    let mut ids: Vec<Uuid> = items.iter().filter_map(|i| i.category_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let found: HashMap<Uuid, category::Model> = categories::find_owned_many(conn, user_id, &ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let errors: FieldErrors = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.category_id.is_some_and(|id| !found.contains_key(&id)))
        .map(|(index, _)| {
            (
                format!("items[{index}].category_id"),
                vec![NOT_YOUR_CATEGORY.to_owned()],
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

/// The caller's todos in `ids` (deleted or not), locked for the rest of the
/// transaction, in id order (so concurrent bulk requests lock in the same
/// order); every id that is not the caller's is named.
pub(super) async fn lock_owned(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &[Uuid],
) -> ServiceResult<Vec<todo::Model>> {
    let rows = todo::Entity::find()
        .filter(todo::Column::Id.is_in(ids.iter().copied()))
        .filter(todo::Column::UserId.eq(user_id))
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
pub(super) fn refuse_deleted(todos: &[todo::Model], advice: &str) -> ServiceResult<()> {
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

/// The audit row of a bulk operation by `user_id`.
pub(super) fn event(action: &'static str, user_id: Uuid, details: serde_json::Value) -> Event {
    Event {
        user_id: Some(user_id),
        action,
        entity_type: Some(ENTITY),
        entity_id: None,
        success: true,
        details: Some(details),
    }
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

    #[test]
    fn a_bulk_update_must_change_something_and_not_add_and_remove_one_tag() {
        assert!(BulkChanges::default().check().is_err());
        let tags = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        let clash = BulkChanges {
            add_tags: tags(&["Home", "work"]),
            remove_tags: tags(&[" home "]),
            ..BulkChanges::default()
        };
        assert!(clash.check().is_err());
        let fine = BulkChanges {
            remove_tags: tags(&["home"]),
            ..BulkChanges::default()
        };
        assert!(fine.check().is_ok());
    }
}
