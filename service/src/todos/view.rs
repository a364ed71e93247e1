//! A todo as every route answers it ([`TodoView`]: the row, what it shows of
//! its category, its tags by name), and the reads that build one: the
//! single-todo statement, the row shape a list page reads, and the tags of
//! many todos in one query.
//!
//! Imports the entities only; the list ([`super::list`]) and the writes
//! build their answers from here.

use std::collections::HashMap;

use entity::{category, tag, todo, todo_tag};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select,
};
use uuid::Uuid;

use crate::{ServiceError, ServiceResult};

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

/// Aliases of the category columns (see [`TodoRow`]).
const CATEGORY_NAME: &str = "category_name";
const CATEGORY_COLOR: &str = "category_color";

/// A todo row with what it shows of its category, null without one: the
/// todo's columns under their own names (read without building prefixed
/// names), the category's under aliases. What a list page reads.
#[derive(Debug, FromQueryResult)]
pub(super) struct TodoRow {
    #[sea_orm(nested)]
    todo: todo::Model,
    category_name: Option<String>,
    category_color: Option<String>,
}

impl TodoRow {
    /// `select` (of todos) `LEFT JOIN` what each shows of its category, as
    /// the columns a [`TodoRow`] reads.
    pub(super) fn select(select: Select<todo::Entity>) -> Select<todo::Entity> {
        select
            .left_join(category::Entity)
            .column_as(category::Column::Name, CATEGORY_NAME)
            .column_as(category::Column::Color, CATEGORY_COLOR)
    }

    /// The todo and its category.
    pub(super) fn split(self) -> (todo::Model, Option<TodoCategory>) {
        let category = match (self.todo.category_id, self.category_name) {
            (Some(id), Some(name)) => Some(TodoCategory {
                id,
                name,
                color: self.category_color,
            }),
            _ => None,
        };
        (self.todo, category)
    }
}

/// Aliases of the tag columns of the single-todo query (see [`TaggedRow`]).
const TAG_ID: &str = "tag_id";
const TAG_NAME: &str = "tag_name";
const TAG_NAME_KEY: &str = "tag_name_key";

/// A row of the single-todo query: a [`TodoRow`] and one of the todo's tags
/// (null when it has none).
#[derive(Debug, FromQueryResult)]
struct TaggedRow {
    #[sea_orm(nested)]
    row: TodoRow,
    tag_id: Option<Uuid>,
    tag_name: Option<String>,
    tag_name_key: Option<String>,
}

/// The caller's todo `id` (soft-deleted or not) `LEFT JOIN` what it shows of
/// its category and, through `todo_tags`, of its tags: a row per tag, or one
/// row without a tag; read as [`TaggedRow`]s. Only the columns the todo shows
/// are read (not the category's and tags' own timestamps and owners).
fn one_query(user_id: Uuid, id: Uuid) -> Select<todo::Entity> {
    TodoRow::select(todo::Entity::find_by_id(id).filter(todo::Column::UserId.eq(user_id)))
        .join(JoinType::LeftJoin, todo::Relation::TodoTag.def())
        .join(JoinType::LeftJoin, todo_tag::Relation::Tag.def())
        .column_as(tag::Column::Id, TAG_ID)
        .column_as(tag::Column::Name, TAG_NAME)
        .column_as(tag::Column::NameKey, TAG_NAME_KEY)
}

/// One of the caller's todos, soft-deleted or not, in one statement (see
/// [`one_query`]).
pub(super) async fn read_one(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> ServiceResult<Option<TodoView>> {
    let rows = one_query(user_id, id)
        .into_model::<TaggedRow>()
        .all(db)
        .await?;
    let mut found: Option<(todo::Model, Option<TodoCategory>)> = None;
    let mut tags = Vec::with_capacity(rows.len());
    for TaggedRow {
        row,
        tag_id,
        tag_name,
        tag_name_key,
    } in rows
    {
        if found.is_none() {
            found = Some(row.split());
        }
        if let (Some(id), Some(name), Some(name_key)) = (tag_id, tag_name, tag_name_key) {
            tags.push(TodoTag { id, name, name_key });
        }
    }
    Ok(found.map(|(todo, category)| view(todo, category, tags)))
}

/// Attaches the tags of every todo in `rows` with one `IN` query through
/// `todo_tags` (none for no rows).
pub(super) async fn with_tags(
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

/// The todos `condition` selects (on the todo's own columns), in the order
/// delta sync hands them out (`sync_seq`, then id), at most `limit`, with
/// their categories and tags: two statements (one for none).
pub(crate) async fn in_sync_order(
    conn: &impl ConnectionTrait,
    condition: Condition,
    limit: u64,
) -> Result<Vec<TodoView>, DbErr> {
    let select = todo::Entity::find()
        .filter(condition)
        .order_by_asc(todo::Column::SyncSeq)
        .order_by_asc(todo::Column::Id)
        .limit(limit);
    let rows = TodoRow::select(select)
        .into_model::<TodoRow>()
        .all(conn)
        .await?;
    with_tags(conn, rows.into_iter().map(TodoRow::split).collect()).await
}

/// One todo with its tags (one `IN` query), as [`with_tags`] answers many.
pub(super) async fn with_tags_one(
    conn: &impl ConnectionTrait,
    todo: todo::Model,
    category: Option<impl Into<TodoCategory>>,
) -> ServiceResult<TodoView> {
    with_tags(conn, vec![(todo, category)])
        .await?
        .pop()
        .ok_or_else(|| ServiceError::bug("a loaded todo vanished"))
}

/// The tags of one todo.
pub(super) async fn load_tags(
    conn: &impl ConnectionTrait,
    todo_id: Uuid,
) -> Result<Vec<TodoTag>, DbErr> {
    Ok(tags_of(conn, [todo_id])
        .await?
        .remove(&todo_id)
        .unwrap_or_default())
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

/// A todo as answered; its tags by name (sorted here, so that every route
/// answers them in the same order whatever the engine's collation).
pub(super) fn view(
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
