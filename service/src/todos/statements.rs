//! The statements of the todo list, built with sea-query so that one
//! builder serves every engine: the `WHERE` of the filters, the keyset
//! condition, the sort expressions, the page and the count. The list runs
//! exactly these; tests `EXPLAIN` them.

use entity::{category, tag, todo, todo_tag, user_preferences};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, NullOrdering, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait, Select,
};
use uuid::Uuid;

use super::cursor::{Cursor, KeyValue};
use super::query::{Deleted, Filter, Sort, SortKey, Window};
use super::{TodoCategory, TodoTag};
use crate::search::contains_ci;
use crate::{clock, names};
/// Aliases of the category columns of the page query (see [`PageRow`]).
const CATEGORY_NAME: &str = "category_name";
const CATEGORY_COLOR: &str = "category_color";

/// A row of the page query: the todo (its columns under their own names, so
/// they are read without building prefixed names) and what a todo shows of
/// its category, null without one.
#[derive(Debug, FromQueryResult)]
pub(super) struct PageRow {
    #[sea_orm(nested)]
    todo: todo::Model,
    category_name: Option<String>,
    category_color: Option<String>,
}

impl PageRow {
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

/// Aliases of the tag columns of the single-todo query (see [`OneRow`]).
const TAG_ID: &str = "tag_id";
const TAG_NAME: &str = "tag_name";
const TAG_NAME_KEY: &str = "tag_name_key";

/// A row of the single-todo query: a [`PageRow`] and one of the todo's tags
/// (null when it has none).
#[derive(Debug, FromQueryResult)]
pub(super) struct OneRow {
    #[sea_orm(nested)]
    page: PageRow,
    tag_id: Option<Uuid>,
    tag_name: Option<String>,
    tag_name_key: Option<String>,
}

impl OneRow {
    /// The todo, its category and the tag of this row.
    pub(super) fn split(self) -> (todo::Model, Option<TodoCategory>, Option<TodoTag>) {
        let tag = match (self.tag_id, self.tag_name, self.tag_name_key) {
            (Some(id), Some(name), Some(name_key)) => Some(TodoTag { id, name, name_key }),
            _ => None,
        };
        let (todo, category) = self.page.split();
        (todo, category, tag)
    }
}

/// The caller's todo `id` (soft-deleted or not) `LEFT JOIN` what it shows of
/// its category and, through `todo_tags`, of its tags: a row per tag, or one
/// row without a tag; read as [`OneRow`]s. Only the columns the todo shows
/// are read (not the category's and tags' own timestamps and owners).
#[must_use]
pub fn one_query(user_id: Uuid, id: Uuid) -> Select<todo::Entity> {
    todo::Entity::find_by_id(id)
        .filter(todo::Column::UserId.eq(user_id))
        .left_join(category::Entity)
        .column_as(category::Column::Name, CATEGORY_NAME)
        .column_as(category::Column::Color, CATEGORY_COLOR)
        .join(JoinType::LeftJoin, todo::Relation::TodoTag.def())
        .join(JoinType::LeftJoin, todo_tag::Relation::Tag.def())
        .column_as(tag::Column::Id, TAG_ID)
        .column_as(tag::Column::Name, TAG_NAME)
        .column_as(tag::Column::NameKey, TAG_NAME_KEY)
}

/// The page query exactly as the list runs it: the caller's todos that pass
/// `filter`, with their category's name and color (`LEFT JOIN`), in `sort`
/// order, cut to `window`; read as [`PageRow`]s. Public so that tests can
/// `EXPLAIN` it.
#[must_use]
pub fn page_query(
    user_id: Uuid,
    filter: &Filter,
    sort: Sort,
    window: Window<'_>,
    now: clock::Timestamp,
) -> Select<todo::Entity> {
    let mut condition = condition(user_id, filter, now);
    let (offset, limit) = match window {
        Window::Offset { offset, limit } => (Some(offset), limit),
        Window::After { cursor, limit } => {
            if let Some(cursor) = cursor {
                condition = condition.add(after(sort, cursor));
            }
            (None, limit)
        }
    };
    let select = ordered(todo::Entity::find().filter(condition), sort);
    let mut select = select
        .left_join(category::Entity)
        .column_as(category::Column::Name, CATEGORY_NAME)
        .column_as(category::Column::Color, CATEGORY_COLOR)
        .limit(limit);
    if let Some(offset) = offset.filter(|o| *o > 0) {
        select = select.offset(offset);
    }
    select
}

/// What the count statement also reads from the caller's preferences.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Needs {
    /// `default_page_size`.
    pub size: bool,
    /// `default_sort`.
    pub sort: bool,
}

/// `SELECT COUNT(*) AS total [, (SELECT default_page_size …) , (SELECT
/// default_sort …)] FROM todos WHERE …`: the count of offset paging, which
/// reads the preferences the request leaves open in the same statement.
/// Public so that tests can `EXPLAIN` it.
#[must_use]
pub fn count_query(
    user_id: Uuid,
    filter: &Filter,
    now: clock::Timestamp,
    needs: Needs,
) -> SelectStatement {
    let preference = |column: user_preferences::Column| {
        Expr::from(
            Query::select()
                .column(column)
                .from(user_preferences::Entity)
                .and_where(Expr::col(user_preferences::Column::UserId).eq(user_id))
                .to_owned(),
        )
    };
    let mut stmt = Query::select();
    stmt.expr_as(Expr::cust("COUNT(*)"), "total")
        .from(todo::Entity)
        .cond_where(condition(user_id, filter, now));
    if needs.size {
        stmt.expr_as(
            preference(user_preferences::Column::DefaultPageSize),
            "default_page_size",
        );
    }
    if needs.sort {
        stmt.expr_as(
            preference(user_preferences::Column::DefaultSort),
            "default_sort",
        );
    }
    stmt
}

/// The `WHERE` of the list: the caller's todos that pass `filter`.
fn condition(user_id: Uuid, filter: &Filter, now: clock::Timestamp) -> Condition {
    use todo::Column;
    let mut all = Condition::all().add(Column::UserId.eq(user_id));
    all = match filter.deleted {
        Deleted::Hide => all.add(Column::DeletedAt.is_null()),
        Deleted::Include => all,
        Deleted::Only => all.add(Column::DeletedAt.is_not_null()),
    };
    if !filter.statuses.is_empty() {
        all = all.add(Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if !filter.priorities.is_empty() {
        all = all.add(Column::Priority.is_in(filter.priorities.iter().copied()));
    }
    if let Some(category_id) = filter.category_id {
        all = all.add(Column::CategoryId.eq(category_id));
    }
    if let Some(before) = filter.due_before {
        all = all.add(Column::DueDate.lt(clock::to_db(before)));
    }
    if let Some(after) = filter.due_after {
        all = all.add(Column::DueDate.gte(clock::to_db(after)));
    }
    if filter.overdue {
        all = all
            .add(Column::DueDate.lt(now))
            .add(Column::Status.is_in([todo::TodoStatus::Pending, todo::TodoStatus::InProgress]));
    }
    if let Some(term) = filter.search.as_deref().map(str::trim)
        && !term.is_empty()
    {
        all = all.add(
            Condition::any()
                .add(contains_ci(Column::Title, term))
                .add(contains_ci(Column::Description, term)),
        );
    }
    let keys: Vec<String> = names::distinct(&filter.tags)
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    if !keys.is_empty() {
        all = all.add(Column::Id.in_subquery(carrying_all(user_id, keys)));
    }
    all
}

/// `SELECT todo_id FROM todo_tags JOIN tags … WHERE tags.user_id = ? AND
/// tags.name_key IN (…) GROUP BY todo_id HAVING COUNT(DISTINCT tag_id) = n`:
/// the todos that carry every one of the `n` tags.
fn carrying_all(user_id: Uuid, keys: Vec<String>) -> SelectStatement {
    let wanted = i64::try_from(keys.len()).unwrap_or(i64::MAX);
    Query::select()
        .column((todo_tag::Entity, todo_tag::Column::TodoId))
        .from(todo_tag::Entity)
        .inner_join(
            tag::Entity,
            Expr::col((tag::Entity, tag::Column::Id))
                .equals((todo_tag::Entity, todo_tag::Column::TagId)),
        )
        .and_where(Expr::col((tag::Entity, tag::Column::UserId)).eq(user_id))
        .and_where(Expr::col((tag::Entity, tag::Column::NameKey)).is_in(keys))
        .group_by_col((todo_tag::Entity, todo_tag::Column::TodoId))
        .and_having(
            Expr::col((todo_tag::Entity, todo_tag::Column::TagId))
                .count_distinct()
                .eq(wanted),
        )
        .to_owned()
}

/// The expression a sort orders by.
fn key_expr(key: SortKey) -> Expr {
    use todo::Column;
    match key {
        SortKey::CreatedAt => Column::CreatedAt.into_expr(),
        SortKey::UpdatedAt => Column::UpdatedAt.into_expr(),
        SortKey::DueDate => Column::DueDate.into_expr(),
        SortKey::Title => Column::Title.into_expr(),
        SortKey::Priority => {
            let is = |p: todo::Priority| Column::Priority.into_expr().eq(p.as_str());
            Expr::case(is(todo::Priority::Low), todo::Priority::Low.rank())
                .case(is(todo::Priority::Medium), todo::Priority::Medium.rank())
                .case(is(todo::Priority::High), todo::Priority::High.rank())
                .finally(todo::Priority::Urgent.rank())
                .into()
        }
    }
}

fn ordered(select: Select<todo::Entity>, sort: Sort) -> Select<todo::Entity> {
    let key = key_expr(sort.key);
    let select = if sort.key == SortKey::DueDate {
        select.order_by_with_nulls(key, sort.order(), NullOrdering::Last)
    } else {
        select.order_by(key, sort.order())
    };
    select.order_by(todo::Column::Id, sort.order())
}

/// The rows after `cursor` in `sort` (nulls of the due date last).
fn after(sort: Sort, cursor: &Cursor) -> Condition {
    let key = key_expr(sort.key);
    let id = todo::Column::Id.into_expr();
    let beyond = |a: Expr, b: Expr| if sort.descending { a.lt(b) } else { a.gt(b) };
    let id_beyond = beyond(id, Expr::val(cursor.id));
    let value = match &cursor.key {
        KeyValue::Null => {
            // Only rows without a due date follow one without.
            return Condition::all().add(key.is_null()).add(id_beyond);
        }
        KeyValue::Time(t) => Expr::val(clock::to_db(*t)),
        KeyValue::Rank(r) => Expr::val(*r),
        KeyValue::Text(s) => Expr::val(s.clone()),
    };
    let mut any = Condition::any()
        .add(beyond(key.clone(), value.clone()))
        .add(Condition::all().add(key.clone().eq(value)).add(id_beyond));
    if sort.key == SortKey::DueDate {
        any = any.add(key.is_null());
    }
    any
}
