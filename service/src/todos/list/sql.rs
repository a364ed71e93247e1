//! The statements of the todo list, built with sea-query so that one
//! builder serves every engine: the `WHERE` of the filters, the keyset
//! condition, the sort expressions, the page and the count, and the
//! reading of what the count answers. The list runs exactly these; tests
//! `EXPLAIN` them.
//!
//! Builds statements from the plain values of [`super::spec`] and runs
//! nothing: it imports the types below it (and the row shape of
//! `crate::todos::view`), never the list that runs it.

use entity::{tag, todo, todo_tag, user_preferences, user_state};
use sea_orm::sea_query::{
    Condition, Expr, ExprTrait, Func, NullOrdering, Order, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, Select,
};
use uuid::Uuid;

use super::spec::{
    Counted, Cursor, Deleted, Filter, KeyValue, Needs, Preferences, Sort, SortKey, Window,
};
use crate::search::contains_ci;
use crate::todos::view::TodoRow;
use crate::{clock, names, write_seq};

/// The page query exactly as the list runs it: the caller's todos that pass
/// `filter`, with their category's name and color (`LEFT JOIN`), in `sort`
/// order, cut to `window`; read as `TodoRow`s. Public so that tests can
/// `EXPLAIN` it.
#[must_use]
pub fn page_query(
    user_id: Uuid,
    filter: &Filter,
    sort: Sort,
    window: Window<'_>,
    now: clock::Timestamp,
) -> Select<todo::Entity> {
    let (after_cursor, offset, limit) = match window {
        Window::Offset { offset, limit } => (None, Some(offset).filter(|o| *o > 0), limit),
        Window::After { cursor, limit } => (cursor.map(|c| after(sort, c)), None, limit),
    };
    let condition = condition(user_id, filter, now).add_option(after_cursor);
    let select = ordered(todo::Entity::find().filter(condition), sort);
    TodoRow::select(select).limit(limit).offset(offset)
}

/// The aliases of what the count statement answers.
const TOTAL: &str = "total";
const DEFAULT_PAGE_SIZE: &str = "default_page_size";
const DEFAULT_SORT: &str = "default_sort";

/// `SELECT COUNT(*) AS total [, (SELECT default_page_size …) , (SELECT
/// default_sort …)] FROM todos WHERE …`: the count of offset paging, which
/// reads the preferences the request leaves open in the same statement
/// (read back by `counted`). Public so that tests can `EXPLAIN` it.
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
    match from_counters(user_id, filter) {
        // `SELECT COALESCE((SELECT … FROM user_state …), 0) AS total, …`:
        // no `FROM`, one row whatever the counters hold.
        Some(total) => stmt.expr_as(total, TOTAL),
        None => stmt
            .expr_as(Expr::cust("COUNT(*)"), TOTAL)
            .from(todo::Entity)
            .cond_where(condition(user_id, filter, now)),
    };
    if needs.size {
        stmt.expr_as(
            preference(user_preferences::Column::DefaultPageSize),
            DEFAULT_PAGE_SIZE,
        );
    }
    if needs.sort {
        stmt.expr_as(
            preference(user_preferences::Column::DefaultSort),
            DEFAULT_SORT,
        );
    }
    stmt
}

/// The `total` of `filter` as the counters in `user_state` hold it, when
/// they can (no filter but statuses, and deleted todos hidden, or included
/// or alone without a status filter): `COALESCE((SELECT todos_pending +
/// … FROM user_state WHERE user_id = ?), 0)`, one primary-key read however
/// many todos there are. `None`: the filter needs a `COUNT(*)`.
///
/// The triggers of migration `m20261202_000008_add_todo_counters` keep the
/// counters in the transaction of every change to `todos`; a test checks
/// them against `COUNT(*)` after concurrent writes on every engine. A
/// filter added to [`Filter`] stops this compiling until it is decided here.
fn from_counters(user_id: Uuid, filter: &Filter) -> Option<Expr> {
    use user_state::Column;
    let Filter {
        statuses,
        priorities,
        category_id,
        tags,
        due_before,
        due_after,
        overdue,
        search,
        deleted,
    } = filter;
    let no_search = search.as_deref().is_none_or(|term| term.trim().is_empty());
    let only_statuses = priorities.is_empty()
        && category_id.is_none()
        && names::distinct(tags).is_empty()
        && due_before.is_none()
        && due_after.is_none()
        && !overdue
        && no_search;
    if !only_statuses {
        return None;
    }
    let live = |status: &todo::TodoStatus| match status {
        todo::TodoStatus::Pending => Column::TodosPending,
        todo::TodoStatus::InProgress => Column::TodosInProgress,
        todo::TodoStatus::Completed => Column::TodosCompleted,
        todo::TodoStatus::Archived => Column::TodosArchived,
    };
    let mut columns: Vec<Column> = if statuses.is_empty() {
        use todo::TodoStatus::{Archived, Completed, InProgress, Pending};
        [Pending, InProgress, Completed, Archived]
            .iter()
            .map(live)
            .collect()
    } else {
        // `status=pending&status=pending` counts the pending ones once.
        let mut named: Vec<&todo::TodoStatus> = Vec::with_capacity(statuses.len());
        for status in statuses {
            if !named.contains(&status) {
                named.push(status);
            }
        }
        named.into_iter().map(live).collect()
    };
    match (deleted, statuses.is_empty()) {
        (Deleted::Hide, _) => {}
        (Deleted::Include, true) => columns.push(Column::TodosDeleted),
        (Deleted::Only, true) => columns = vec![Column::TodosDeleted],
        // Deleted todos are counted whatever their status.
        (Deleted::Include | Deleted::Only, false) => return None,
    }
    let sum = columns
        .into_iter()
        .map(Expr::col)
        .reduce(|sum, column| sum.add(column))?;
    let row = Query::select()
        .expr(sum)
        .from(user_state::Entity)
        .and_where(Expr::col(Column::UserId).eq(user_id))
        .to_owned();
    Some(Func::coalesce([Expr::from(row), Expr::val(0i64)]).into())
}

/// The alias of the caller's write sequence where a list statement reads it.
const WRITE_SEQ: &str = "write_seq";

/// A count of `user_id`'s list ([`count_query`]) also reading the user's
/// write sequence, through a scalar subquery on `user_state`'s primary
/// key: what a remembered total is stored with.
pub(super) fn count_reading_seq(mut count: SelectStatement, user_id: Uuid) -> SelectStatement {
    count.expr_as(write_seq::of(user_id), WRITE_SEQ);
    count
}

/// A page of `user_id`'s list ([`page_query`]) also reading the user's
/// write sequence on every row (the subquery runs once): what tells whether
/// a remembered total still holds, at no statement of its own.
pub(super) fn page_reading_seq(page: Select<todo::Entity>, user_id: Uuid) -> Select<todo::Entity> {
    page.expr_as(write_seq::of(user_id), WRITE_SEQ)
}

/// The write sequence a count built with [`count_reading_seq`] read.
///
/// # Errors
/// A column that does not read as a number.
pub(super) fn seq_read(row: Option<&QueryResult>) -> Result<i64, sea_orm::DbErr> {
    let seq = match row {
        Some(row) => row.try_get::<Option<i64>>("", WRITE_SEQ)?,
        None => None,
    };
    Ok(write_seq::read(seq))
}

/// What the row of [`count_query`] says (none: nothing counted, defaults).
///
/// # Errors
/// A column that does not read as its type.
pub(super) fn counted(row: Option<&QueryResult>, needs: Needs) -> Result<Counted, sea_orm::DbErr> {
    let Some(row) = row else {
        return Ok(Counted {
            total: 0,
            prefs: Preferences::default(),
        });
    };
    let size = if needs.size {
        row.try_get::<Option<i32>>("", DEFAULT_PAGE_SIZE)?
    } else {
        None
    };
    let sort = if needs.sort {
        row.try_get::<Option<String>>("", DEFAULT_SORT)?
    } else {
        None
    };
    Ok(Counted {
        total: u64::try_from(row.try_get::<i64>("", TOTAL)?).unwrap_or(0),
        prefs: Preferences::new(size, sort.as_deref()),
    })
}

/// The `WHERE` of the list: the caller's todos that pass `filter`.
fn condition(user_id: Uuid, filter: &Filter, now: clock::Timestamp) -> Condition {
    use todo::Column;
    let deleted = match filter.deleted {
        Deleted::Hide => Some(Column::DeletedAt.is_null()),
        Deleted::Include => None,
        Deleted::Only => Some(Column::DeletedAt.is_not_null()),
    };
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|term| !term.is_empty())
        .map(|term| {
            Condition::any()
                .add(contains_ci(Column::Title, term))
                .add(contains_ci(Column::Description, term))
        });
    let keys: Vec<String> = names::distinct(&filter.tags)
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    Condition::all()
        .add(Column::UserId.eq(user_id))
        .add_option(deleted)
        .add_option(
            (!filter.statuses.is_empty())
                .then(|| Column::Status.is_in(filter.statuses.iter().copied())),
        )
        .add_option(
            (!filter.priorities.is_empty())
                .then(|| Column::Priority.is_in(filter.priorities.iter().copied())),
        )
        .add_option(filter.category_id.map(|id| Column::CategoryId.eq(id)))
        .add_option(
            filter
                .due_before
                .map(|t| Column::DueDate.lt(clock::to_db(t))),
        )
        .add_option(
            filter
                .due_after
                .map(|t| Column::DueDate.gte(clock::to_db(t))),
        )
        .add_option(filter.overdue.then(|| Column::DueDate.lt(now)))
        .add_option(filter.overdue.then(|| {
            Column::Status.is_in([todo::TodoStatus::Pending, todo::TodoStatus::InProgress])
        }))
        .add_option(search)
        .add_option((!keys.is_empty()).then(|| Column::Id.in_subquery(carrying_all(user_id, keys))))
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

/// The direction of `sort`.
fn order(sort: Sort) -> Order {
    if sort.descending {
        Order::Desc
    } else {
        Order::Asc
    }
}

fn ordered(select: Select<todo::Entity>, sort: Sort) -> Select<todo::Entity> {
    let key = key_expr(sort.key);
    let select = if sort.key == SortKey::DueDate {
        select.order_by_with_nulls(key, order(sort), NullOrdering::Last)
    } else {
        select.order_by(key, order(sort))
    };
    select.order_by(todo::Column::Id, order(sort))
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
