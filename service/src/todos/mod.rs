//! Todos: create, read and change here, with the fields a client sets and
//! how they land on the row in `fields`; a todo as answered, and the reads
//! that build one, in `view`; complete, reopen, restore and delete in
//! `transition`; the status rules and history in `status`; many todos at
//! once in `bulk`; the list in [`list`](mod@list) (its types, SQL, cursors and
//! remembered totals in its submodules); the dashboard counts in `stats`.
//!
//! Rules that hold whichever route changes a todo:
//!
//! - every change raises `version` by exactly one, and the version check and
//!   the write are one statement (`UPDATE … WHERE id = ? AND version = ?`),
//!   so of two concurrent writers based on the same version one wins and the
//!   other is told (stale version, or failed precondition for `If-Match`);
//! - a status change sets `completed_at` (entering `completed`) or clears it
//!   (leaving it) and appends a `todo_history` row, in the same transaction;
//!   a "change" to the status a todo already has is none: no history row,
//!   and `complete` on a completed todo (or `reopen` on an open one)
//!   answers the todo as it is, version unchanged;
//! - a soft-deleted todo can be read, restored or purged; any other change
//!   is a conflict;
//! - another user's todo does not exist.

mod bulk;
mod fields;
pub mod list;
mod stats;
mod status;
mod transition;
mod view;

use entity::{category, todo, todo_tag};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter,
};
use uuid::Uuid;

use crate::sync::Changes;
use crate::version::{self, Expected};
use crate::{ServiceError, ServiceResult, batch, categories, clock, tags, txn};

pub use bulk::{
    BulkChanges, MAX_BULK, create_many, create_many_in, delete_many, restore_many, update_many,
};
use fields::new_row;
pub use fields::{NewTodo, TodoChanges};
pub use list::{ListRequest, ListTotals, SortKey, TodoList, list};
pub use stats::{TodoStats, stats};
pub use status::history;
use status::{record, set_status};
pub use transition::{Transition, delete, transition};
pub(crate) use view::in_sync_order;
pub use view::{TodoCategory, TodoTag, TodoView};
use view::{load_tags, view, with_tags_one};

const ENTITY: &str = "todo";

/// Creates a todo for the caller, with its tags (unknown names are created),
/// in one transaction ([`create_in`] is the rule).
///
/// # Errors
/// [`ServiceError::Invalid`] naming `category_id` when it is not one of the
/// caller's categories.
pub async fn create(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    new: NewTodo,
) -> ServiceResult<TodoView> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let mut changes = Changes::none();
    let view = create_in(&txn, user_id, new, &mut changes).await?;
    totals.commit(txn, user_id, changes).await?;
    Ok(view)
}

/// Creates a todo for the caller, with its tags (unknown names are
/// created), inside `txn`: a write transaction that already holds the
/// caller's lock ([`txn::begin_as`] with [`txn::Hold::Shared`]) and that
/// the caller ends, so that more can be written in it (an idempotency
/// record, say). The todo and the tags it creates are added to `changes`,
/// for the commit.
///
/// # Errors
/// [`ServiceError::Invalid`] naming `category_id` when it is not one of the
/// caller's categories.
pub async fn create_in(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    new: NewTodo,
    changes: &mut Changes,
) -> ServiceResult<TodoView> {
    let category = match new.category_id {
        Some(id) => Some(owned_category(txn, user_id, id).await?),
        None => None,
    };
    let tags = tags::find_or_create(txn, user_id, &new.tags, changes).await?;
    let todo = new_row(user_id, new, clock::now());
    todo::Entity::insert(todo::ActiveModel::from(todo.clone()))
        .exec_without_returning(txn)
        .await?;
    link(txn, tags.iter().map(|t| (todo.id, t.id))).await?;
    changes.add(Changes::none().todos([todo.id]));
    Ok(view(todo, category, tags))
}

/// One of the caller's todos, soft-deleted or not, in one statement (the
/// todo `LEFT JOIN` its category and tags).
///
/// # Errors
/// [`ServiceError::NotFound`].
pub async fn get(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> ServiceResult<TodoView> {
    view::read_one(db, user_id, id)
        .await?
        .ok_or(ServiceError::NotFound { entity: ENTITY })
}

/// Changes one of the caller's live todos, in one transaction: the fields,
/// the status (with `completed_at` and a history row), the category and the
/// set of tags. A request that names no field changes nothing.
///
/// # Errors
/// [`ServiceError::NotFound`], [`ServiceError::Conflict`] when the todo is
/// soft-deleted, a version error, or [`ServiceError::Invalid`] naming
/// `category_id`.
pub async fn update(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    id: Uuid,
    changes: TodoChanges,
) -> ServiceResult<TodoView> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let (current, mut category) =
        find_for_change(&txn, user_id, id, &changes.expected, false).await?;
    if changes.is_empty() {
        let view = with_tags_one(&txn, current, category).await?;
        totals.commit(txn, user_id, Changes::none()).await?;
        return Ok(view);
    }
    let now = clock::now();
    let mut touched = Changes::none().todos([id]);
    let mut am = row_change(&current, now);
    let deferred = changes.apply(&mut am);
    if let Some(category_id) = deferred.category_id {
        category = match category_id {
            Some(cid) if category.as_ref().is_some_and(|c| c.id == cid) => category,
            Some(cid) => Some(owned_category(&txn, user_id, cid).await?),
            None => None,
        };
    }
    let transition = deferred
        .status
        .and_then(|to| set_status(&mut am, &current, to, now));
    let todo = save(&txn, am, &current, &changes.expected).await?;
    record(&txn, transition).await?;
    let tags = match &changes.tags {
        Some(names) => {
            let tags = tags::find_or_create(&txn, user_id, names, &mut touched).await?;
            todo_tag::Entity::delete_many()
                .filter(todo_tag::Column::TodoId.eq(id))
                .exec(&txn)
                .await?;
            link(&txn, tags.iter().map(|t| (id, t.id))).await?;
            tags.into_iter().map(TodoTag::from).collect()
        }
        None => load_tags(&txn, id).await?,
    };
    totals.commit(txn, user_id, touched).await?;
    Ok(view(todo, category, tags))
}

/// The start of every write of `current`'s row: its id, and `updated_at` at
/// `now` (the instant a write also stamps `completed_at` or `deleted_at`
/// with); the caller adds what changes, and [`save`] the next version.
fn row_change(current: &todo::Model, now: clock::Timestamp) -> todo::ActiveModel {
    todo::ActiveModel {
        id: Set(current.id),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Writes `am` only if the row still has the version it was read with, as
/// the next version (see [`version::save_guarded`]: the check and the write
/// are one statement).
async fn save(
    conn: &impl ConnectionTrait,
    am: todo::ActiveModel,
    current: &todo::Model,
    expected: &[Expected],
) -> ServiceResult<todo::Model> {
    version::save_guarded::<todo::Entity>(conn, am, current.version, expected, ENTITY).await
}

/// The caller's todo with its category (one statement), for a change based
/// on the `expected` versions: soft-deleted only where `deleted_ok` (restore,
/// permanent delete), a conflict for any other change.
async fn find_for_change(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
    deleted_ok: bool,
) -> ServiceResult<(todo::Model, Option<category::Model>)> {
    let found = todo::Entity::find_by_id(id)
        .filter(todo::Column::UserId.eq(user_id))
        .find_also_related(category::Entity)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound { entity: ENTITY })?;
    if !deleted_ok && found.0.deleted_at.is_some() {
        return Err(ServiceError::Conflict {
            field: None,
            message: "the todo is deleted; restore it before changing it".to_owned(),
        });
    }
    version::check_all(expected, found.0.version)?;
    Ok(found)
}

/// The caller's category `id`, or a validation error naming `category_id`.
async fn owned_category(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> ServiceResult<category::Model> {
    categories::find_owned(conn, user_id, id)
        .await?
        .ok_or_else(|| ServiceError::invalid("category_id", "is not one of your categories"))
}

/// Writes `(todo_id, tag_id)` links: one multi-row `INSERT` (more only past
/// the engine's bind-parameter limit), none for no links.
async fn link(
    conn: &impl ConnectionTrait,
    links: impl IntoIterator<Item = (Uuid, Uuid)>,
) -> Result<(), DbErr> {
    batch::insert_all(conn, link_rows(links)).await
}

fn link_rows(links: impl IntoIterator<Item = (Uuid, Uuid)>) -> Vec<todo_tag::ActiveModel> {
    links
        .into_iter()
        .map(|(todo_id, tag_id)| todo_tag::ActiveModel {
            todo_id: Set(todo_id),
            tag_id: Set(tag_id),
        })
        .collect()
}
