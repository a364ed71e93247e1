//! The todo list: filters, search, sorts, and both ways of paging.
//!
//! Its modules, each importing only those before it in this order:
//!
//! 1. [`sort`]: the sort keys (spelled once) and directions;
//! 2. [`cursor`]: keyset cursors and their opaque text;
//! 3. [`spec`]: the request as plain values (filter, paging, window,
//!    preferences), re-exporting the two above;
//! 4. [`sql`]: the statements built from those values, and the reading of
//!    the count's row;
//! 5. `totals`: the short-lived memory of counts;
//! 6. this module: [`list`], which resolves the request, runs the
//!    statements (through `crate::todos::view` for the answer's rows and
//!    tags) and asks the memory, and nothing below calls back up here.
//!
//! Statement budget of one list request (whatever the page size):
//!
//! - page mode: (1) the count, which also reads the caller's
//!   `default_page_size` / `default_sort` preferences through scalar
//!   subqueries when the request leaves them open; what it answers is
//!   remembered for a short while per user and filter, until the user's
//!   next write (see [`ListTotals`]), so the next pages of the same list
//!   skip it; (2) the page, todos
//!   `LEFT JOIN` categories; (3) the tags of the page's todos, one `IN`
//!   query through `todo_tags`. A count of zero, or a page past the end,
//!   skips (2) and (3), when counted just now.
//! - cursor mode: (1) the preferences, only when the request names no `size`
//!   (or no sort, for a walk's first page); (2) the page, fetching one row
//!   more than asked to learn whether more follow; (3) the tags. No count and
//!   no `OFFSET`: `WHERE (key, id) > (…)` spelled with `OR`/`AND` so every
//!   engine can use it, and the cost does not grow with depth.
//!
//! Sorting: nulls of `due_date` come last in either direction; `priority`
//! sorts by rank through a `CASE` (low < medium < high < urgent); `title`
//! sorts in the database's collation (a keyset comparison then uses the
//! same collation as the `ORDER BY`, so walks stay exact on every engine);
//! ties break by id in the same direction, so pages never repeat or skip rows.
//!
//! Preferences cost no statement of their own in page mode, and in cursor
//! mode only when the request leaves `size` (or, on a walk's first page,
//! the sort) open: a client that names both pays two statements per page.

pub mod cursor;
pub mod sort;
pub mod spec;
pub mod sql;
mod totals;

use entity::{todo, user_preferences};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use spec::{Counted, Preferences};
pub use spec::{
    Cursor, Deleted, Filter, KeyValue, ListRequest, Needs, Paging, Sort, SortKey, UnknownSortKey,
    Window,
};
pub use sql::{count_query, page_query};
pub use totals::ListTotals;
use totals::Lookup;

use super::view::{TodoCategory, TodoRow, TodoView, with_tags};
use crate::paging::PageRequest;
use crate::{ServiceResult, clock};

/// One page of the list.
#[derive(Debug, Clone)]
pub struct TodoList {
    /// The todos of this page, with category and tags.
    pub items: Vec<TodoView>,
    /// Rows per page used.
    pub size: u64,
    /// Sort used.
    pub sort: Sort,
    /// Rows on all pages (offset paging only).
    pub total: Option<u64>,
    /// Where the next page starts, if one follows.
    pub next_cursor: Option<Cursor>,
}

/// Rows of a page: each todo with its category.
type Rows = Vec<(todo::Model, Option<TodoCategory>)>;

/// Lists the caller's todos (see the module documentation for the statements).
///
/// # Errors
/// The database error.
pub async fn list(
    db: &impl ConnectionTrait,
    totals: &ListTotals,
    user_id: Uuid,
    request: &ListRequest,
) -> ServiceResult<TodoList> {
    let now = clock::now();
    match &request.paging {
        Paging::Page(page) => numbered(db, totals, user_id, request, *page, now).await,
        Paging::Cursor(cursor) => walked(db, user_id, request, cursor.as_ref(), now).await,
    }
}

/// Offset paging: the count (or what is remembered of it), then the page.
async fn numbered(
    db: &impl ConnectionTrait,
    totals: &ListTotals,
    user_id: Uuid,
    request: &ListRequest,
    page: u64,
    now: clock::Timestamp,
) -> ServiceResult<TodoList> {
    let filter = &request.filter;
    let needs = request.needs();
    let (Counted { total, prefs }, remembered) = match totals.lookup(user_id, filter, needs) {
        Lookup::Hit(counted) => (counted, true),
        Lookup::Miss(ticket) => {
            let counted = count(db, user_id, filter, now, needs).await?;
            ListTotals::store(ticket, counted);
            (counted, false)
        }
        Lookup::Never => (count(db, user_id, filter, now, needs).await?, false),
    };
    let (size, sort) = request.resolve(prefs);
    // Only a total counted just now may skip the page: a remembered one can
    // be behind another process's writes. A page whose offset cannot be
    // placed is past the end of any table.
    let offset = PageRequest { page, size }.offset();
    let rows = match offset {
        Some(offset) if total > offset || remembered => {
            let window = Window::Offset {
                offset,
                limit: size,
            };
            fetch(db, page_query(user_id, filter, sort, window, now)).await?
        }
        _ => Vec::new(),
    };
    let shown = offset.map_or(u64::MAX, |offset| offset + rows.len() as u64);
    answer(db, rows, size, sort, Some(total), shown < total).await
}

/// Keyset paging: the preferences if the request leaves any open, then one
/// row more than the page to learn whether more follow.
async fn walked(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    request: &ListRequest,
    cursor: Option<&Cursor>,
    now: clock::Timestamp,
) -> ServiceResult<TodoList> {
    let prefs = if request.needs().any() {
        preferences(db, user_id).await?
    } else {
        Preferences::default()
    };
    let (size, sort) = request.resolve(prefs);
    let window = Window::After {
        cursor,
        limit: size + 1,
    };
    let mut rows = fetch(db, page_query(user_id, &request.filter, sort, window, now)).await?;
    let more = rows.len() as u64 > size;
    rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    answer(db, rows, size, sort, None, more).await
}

/// The page as answered: its todos with their tags, and a cursor after the
/// last one when `more` follow.
async fn answer(
    db: &impl ConnectionTrait,
    rows: Rows,
    size: u64,
    sort: Sort,
    total: Option<u64>,
    more: bool,
) -> ServiceResult<TodoList> {
    let next_cursor = match rows.last() {
        Some((last, _)) if more => Some(Cursor::after(sort, last)),
        _ => None,
    };
    Ok(TodoList {
        items: with_tags(db, rows).await?,
        size,
        sort,
        total,
        next_cursor,
    })
}

/// Runs a page query.
async fn fetch(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<todo::Entity>,
) -> Result<Rows, sea_orm::DbErr> {
    let rows = query.into_model::<TodoRow>().all(db).await?;
    Ok(rows.into_iter().map(TodoRow::split).collect())
}

/// Runs the count statement: the total, and the preferences it read.
async fn count(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    filter: &Filter,
    now: clock::Timestamp,
    needs: Needs,
) -> ServiceResult<Counted> {
    let row = db
        .query_one(&count_query(user_id, filter, now, needs))
        .await?;
    Ok(sql::counted(row.as_ref(), needs)?)
}

/// The caller's list preferences, read on their own (cursor mode).
async fn preferences(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Preferences, sea_orm::DbErr> {
    let row = user_preferences::Entity::find_by_id(user_id)
        .one(db)
        .await?;
    Ok(row.map_or_else(Preferences::default, |p| {
        Preferences::new(Some(p.default_page_size), Some(&p.default_sort))
    }))
}
