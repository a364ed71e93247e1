//! Todos: create, read and change here; soft delete, restore and purge in
//! `deletion`; complete, reopen and history in `status`; the list in
//! [`query`] (its SQL in `statements`), its keyset cursors in [`cursor`].
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
pub mod cursor;
mod deletion;
pub mod query;
mod statements;
mod stats;
mod status;
mod totals;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{category, tag, todo, todo_tag};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::version::{self, Expected};
use crate::{ServiceError, ServiceResult, batch, categories, clock, tags, txn};

pub use bulk::{BulkChanges, MAX_BULK, create_many, update_many};
pub use deletion::{delete_many, purge, restore, restore_many, soft_delete};
pub use query::{ListRequest, TodoList, list};
pub use stats::{TodoStats, stats};
pub use status::{complete, history, reopen};
use status::{record, set_status};
pub use totals::ListTotals;

const ENTITY: &str = "todo";

/// A todo with its category and tags (by name): what the API calls a Todo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoView {
    /// The todo row.
    pub todo: todo::Model,
    /// Its category, if it has one.
    pub category: Option<TodoCategory>,
    /// Its tags, by name.
    pub tags: Vec<TodoTag>,
}

/// A category as a todo shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoCategory {
    /// The category id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its color, if it has one.
    pub color: Option<String>,
}

impl From<category::Model> for TodoCategory {
    fn from(category: category::Model) -> Self {
        Self {
            id: category.id,
            name: category.name,
            color: category.color,
        }
    }
}

/// A tag as a todo shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoTag {
    /// The tag id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its case-folded name, by which a todo's tags are ordered.
    pub name_key: String,
}

impl From<tag::Model> for TodoTag {
    fn from(tag: tag::Model) -> Self {
        Self {
            id: tag.id,
            name: tag.name,
            name_key: tag.name_key,
        }
    }
}

/// A new todo. Lengths are checked by the caller (title 1–200 characters
/// once trimmed, description up to 10,000).
#[derive(Debug, Clone, Default)]
pub struct NewTodo {
    /// Title; stored trimmed.
    pub title: String,
    /// Free text.
    pub description: Option<String>,
    /// Status (default `pending`); `completed` sets `completed_at`.
    pub status: Option<todo::TodoStatus>,
    /// Priority (default `medium`).
    pub priority: Option<todo::Priority>,
    /// When it is due.
    pub due_date: Option<DateTime<Utc>>,
    /// One of the caller's categories.
    pub category_id: Option<Uuid>,
    /// Tag names; unknown names become new tags, repeats (in any case) count once.
    pub tags: Vec<String>,
}

/// Changes to a todo. `None` keeps a field; for nullable fields `Some(None)`
/// clears it; `tags` replaces the whole set.
#[derive(Debug, Clone, Default)]
pub struct TodoChanges {
    /// New title.
    pub title: Option<String>,
    /// New description, or `Some(None)` to clear it.
    pub description: Option<Option<String>>,
    /// New status.
    pub status: Option<todo::TodoStatus>,
    /// New priority.
    pub priority: Option<todo::Priority>,
    /// New due date, or `Some(None)` to clear it.
    pub due_date: Option<Option<DateTime<Utc>>>,
    /// New category, or `Some(None)` to clear it.
    pub category_id: Option<Option<Uuid>>,
    /// The new set of tags, by name.
    pub tags: Option<Vec<String>>,
    /// Versions the client expects the row to have.
    pub expected: Vec<Expected>,
}

impl TodoChanges {
    fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.status.is_none()
            && self.priority.is_none()
            && self.due_date.is_none()
            && self.category_id.is_none()
            && self.tags.is_none()
    }
}

/// Creates a todo for the caller, with its tags (unknown names are created),
/// in one transaction.
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
    let category = match new.category_id {
        Some(id) => Some(owned_category(&txn, user_id, id).await?),
        None => None,
    };
    let tags = tags::find_or_create(&txn, user_id, &new.tags).await?;
    let todo = new_row(user_id, new, clock::now());
    todo::Entity::insert(todo::ActiveModel::from(todo.clone()))
        .exec_without_returning(&txn)
        .await?;
    link(&txn, tags.iter().map(|t| (todo.id, t.id))).await?;
    totals.commit(txn, user_id).await?;
    Ok(view(todo, category, tags))
}

/// The row of a new todo of `user_id`, every column set (bulk inserts
/// need them all): defaults filled, the title trimmed, `completed_at` set
/// when it starts `completed`.
fn new_row(user_id: Uuid, new: NewTodo, now: clock::Timestamp) -> todo::Model {
    let status = new.status.unwrap_or(todo::TodoStatus::Pending);
    todo::Model {
        id: clock::new_id(),
        user_id,
        category_id: new.category_id,
        title: new.title.trim().to_owned(),
        description: new.description,
        status,
        priority: new.priority.unwrap_or(todo::Priority::Medium),
        due_date: new.due_date.map(clock::to_db),
        completed_at: (status == todo::TodoStatus::Completed).then_some(now),
        deleted_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// One of the caller's todos, soft-deleted or not, in one statement (see
/// [`statements::one_query`]).
///
/// # Errors
/// [`ServiceError::NotFound`].
pub async fn get(db: &impl ConnectionTrait, user_id: Uuid, id: Uuid) -> ServiceResult<TodoView> {
    let mut rows = statements::one_query(user_id, id)
        .into_model::<statements::OneRow>()
        .all(db)
        .await?
        .into_iter()
        .map(statements::OneRow::split);
    let (todo, category, tag) = rows
        .next()
        .ok_or(ServiceError::NotFound { entity: ENTITY })?;
    let tags = tag.into_iter().chain(rows.filter_map(|(_, _, tag)| tag));
    Ok(view(todo, category, tags))
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
    let (current, mut category) = find_live(&txn, user_id, id, &changes.expected).await?;
    if changes.is_empty() {
        let view = with_tags(&txn, vec![(current, category)]).await?;
        totals.commit(txn, user_id).await?;
        return single(view);
    }
    let now = clock::now();
    let mut am = bump(&current, now);
    if let Some(title) = &changes.title {
        am.title = Set(title.trim().to_owned());
    }
    if let Some(description) = changes.description.clone() {
        am.description = Set(description);
    }
    if let Some(priority) = changes.priority {
        am.priority = Set(priority);
    }
    if let Some(due_date) = changes.due_date {
        am.due_date = Set(due_date.map(clock::to_db));
    }
    if let Some(category_id) = changes.category_id {
        category = match category_id {
            Some(cid) if category.as_ref().is_some_and(|c| c.id == cid) => category,
            Some(cid) => Some(owned_category(&txn, user_id, cid).await?),
            None => None,
        };
        am.category_id = Set(category_id);
    }
    let transition = changes
        .status
        .and_then(|to| set_status(&mut am, &current, to, now));
    let todo = save(&txn, am, &current, &changes.expected).await?;
    record(&txn, transition).await?;
    let tags = match &changes.tags {
        Some(names) => {
            let tags = tags::find_or_create(&txn, user_id, names).await?;
            todo_tag::Entity::delete_many()
                .filter(todo_tag::Column::TodoId.eq(id))
                .exec(&txn)
                .await?;
            link(&txn, tags.iter().map(|t| (id, t.id))).await?;
            tags.into_iter().map(TodoTag::from).collect()
        }
        None => load_tags(&txn, id).await?,
    };
    totals.commit(txn, user_id).await?;
    Ok(view(todo, category, tags))
}

/// Attaches the tags of every todo in `rows` with one `IN` query through
/// `todo_tags` (none for no rows).
pub(crate) async fn with_tags(
    conn: &impl ConnectionTrait,
    rows: Vec<(todo::Model, Option<impl Into<TodoCategory>>)>,
) -> Result<Vec<TodoView>, DbErr> {
    let mut tags = tags_of(conn, rows.iter().map(|(todo, _)| todo.id)).await?;
    Ok(rows
        .into_iter()
        .map(|(todo, category)| {
            let tags = tags.remove(&todo.id).unwrap_or_default();
            view(todo, category, tags)
        })
        .collect())
}

/// The tags of these todos, by todo: one `todo_tags JOIN tags … WHERE
/// todo_id IN (…)`, read as tuples (by position, only what a todo shows).
async fn tags_of(
    conn: &impl ConnectionTrait,
    todo_ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Vec<TodoTag>>, DbErr> {
    let ids: Vec<Uuid> = todo_ids.into_iter().collect();
    let mut tags: HashMap<Uuid, Vec<TodoTag>> = HashMap::with_capacity(ids.len());
    if ids.is_empty() {
        return Ok(tags);
    }
    let rows: Vec<(Uuid, Uuid, String, String)> = todo_tag::Entity::find()
        .select_only()
        .column(todo_tag::Column::TodoId)
        .column(tag::Column::Id)
        .column(tag::Column::Name)
        .column(tag::Column::NameKey)
        .inner_join(tag::Entity)
        .filter(todo_tag::Column::TodoId.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    for (todo_id, id, name, name_key) in rows {
        tags.entry(todo_id)
            .or_default()
            .push(TodoTag { id, name, name_key });
    }
    Ok(tags)
}

/// The change every write makes: the next version, `updated_at` now.
fn bump(current: &todo::Model, now: clock::Timestamp) -> todo::ActiveModel {
    todo::ActiveModel {
        id: Set(current.id),
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Writes `am` only if the row still has the version it was read with: the
/// check and the write are one statement.
async fn save(
    conn: &impl ConnectionTrait,
    am: todo::ActiveModel,
    current: &todo::Model,
    expected: &[Expected],
) -> ServiceResult<todo::Model> {
    match todo::Entity::update(am)
        .validate()?
        .filter(todo::Column::Version.eq(current.version))
        .exec(conn)
        .await
    {
        Ok(model) => Ok(model),
        Err(DbErr::RecordNotUpdated) => Err(lost_race(conn, current.id, expected).await),
        Err(err) => Err(err.into()),
    }
}

/// Names what a guarded write that matched nothing ran into.
async fn lost_race(conn: &impl ConnectionTrait, id: Uuid, expected: &[Expected]) -> ServiceError {
    // A locking read sees the latest committed row even under MySQL's
    // repeatable read, where a plain read would show the transaction's snapshot.
    let now = todo::Entity::find_by_id(id).lock_shared().one(conn).await;
    match now {
        Ok(row) => version::lost_race(expected, row.map(|t| t.version), ENTITY),
        Err(err) => err.into(),
    }
}

/// The caller's todo with its category (one statement), deleted or not.
async fn find_owned(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> ServiceResult<(todo::Model, Option<category::Model>)> {
    todo::Entity::find_by_id(id)
        .filter(todo::Column::UserId.eq(user_id))
        .find_also_related(category::Entity)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound { entity: ENTITY })
}

/// The caller's todo for a change: it must be live and have the expected version.
async fn find_live(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
) -> ServiceResult<(todo::Model, Option<category::Model>)> {
    let found = find_owned(conn, user_id, id).await?;
    if found.0.deleted_at.is_some() {
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

async fn load_tags(conn: &impl ConnectionTrait, todo_id: Uuid) -> Result<Vec<TodoTag>, DbErr> {
    Ok(tags_of(conn, [todo_id])
        .await?
        .remove(&todo_id)
        .unwrap_or_default())
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

/// A todo as answered; its tags by name (sorted here, so that every route
/// answers them in the same order whatever the engine's collation).
fn view(
    todo: todo::Model,
    category: Option<impl Into<TodoCategory>>,
    tags: impl IntoIterator<Item = impl Into<TodoTag>>,
) -> TodoView {
    let mut tags: Vec<TodoTag> = tags.into_iter().map(Into::into).collect();
    tags.sort_by(|a, b| a.name_key.cmp(&b.name_key).then(a.id.cmp(&b.id)));
    TodoView {
        todo,
        category: category.map(Into::into),
        tags,
    }
}

fn single(mut views: Vec<TodoView>) -> ServiceResult<TodoView> {
    views
        .pop()
        .ok_or_else(|| ServiceError::bug("a loaded todo vanished"))
}
