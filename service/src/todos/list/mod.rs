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
//!   subqueries when the request leaves them open, and the caller's write
//!   sequence; what it answers is remembered for a short while per user and
//!   filter (see [`ListTotals`]), so the next pages of the same list skip
//!   it; (2) the page, todos `LEFT JOIN` categories, which reads the write
//!   sequence too when the total is remembered: the total is used only if
//!   the sequence has not moved since the count (whichever server wrote),
//!   and counted again otherwise; (3) the tags of the page's todos, one
//!   `IN` query through `todo_tags`. A count of zero, or a page past the
//!   end, skips (2) and (3), when counted just now.
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
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use uuid::Uuid;

use spec::{Counted, Preferences};
pub use spec::{
    Cursor, Deleted, Filter, KeyValue, ListRequest, Needs, Paging, Sort, SortKey, UnknownSortKey,
    Window,
};
pub use sql::{count_query, page_query};
pub use totals::ListTotals;
use totals::{Lookup, Ticket};

use super::view::{TodoCategory, TodoRow, TodoView, with_tags};
use crate::paging::PageRequest;
use crate::{ServiceResult, clock, write_seq};

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
    // A page read with a remembered count that no longer held: its rows
    // stand if the preferences it was read with still do.
    let mut read = None;
    let ticket = match totals.lookup(user_id, filter, needs) {
        Lookup::Never => None,
        Lookup::Miss(ticket) => Some(ticket),
        Lookup::Remembered {
            counted,
            seq,
            ticket,
        } => {
            let (size, sort) = request.resolve(counted.prefs);
            if let Some(offset) = (PageRequest { page, size }).offset() {
                let window = Window::Offset {
                    offset,
                    limit: size,
                };
                let query = page_query(user_id, filter, sort, window, now);
                let (rows, read_seq) = fetch_reading_seq(db, user_id, query).await?;
                // No row, no sequence: an empty page is counted again.
                if read_seq == Some(seq) {
                    let shown = offset + rows.len() as u64;
                    let more = shown < counted.total;
                    return answer(db, rows, size, sort, Some(counted.total), more).await;
                }
                read = Some((counted.prefs, rows));
            }
            Some(ticket)
        }
    };
    let counted = count(db, user_id, filter, now, needs, ticket).await?;
    let (size, sort) = request.resolve(counted.prefs);
    // A total counted just now may skip the page: one whose offset cannot
    // be placed is past the end of any table.
    let offset = PageRequest { page, size }.offset();
    let rows = match (offset, read) {
        (Some(_), Some((prefs, rows))) if prefs == counted.prefs => rows,
        (Some(offset), _) if counted.total > offset => {
            let window = Window::Offset {
                offset,
                limit: size,
            };
            fetch(db, page_query(user_id, filter, sort, window, now)).await?
        }
        _ => Vec::new(),
    };
    let shown = offset.map_or(u64::MAX, |offset| offset + rows.len() as u64);
    answer(
        db,
        rows,
        size,
        sort,
        Some(counted.total),
        shown < counted.total,
    )
    .await
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

/// A page row with the caller's write sequence ([`sql::page_reading_seq`]).
#[derive(FromQueryResult)]
struct SequencedRow {
    #[sea_orm(nested)]
    row: TodoRow,
    write_seq: Option<i64>,
}

/// Runs a page query that also reads `user_id`'s write sequence: the rows,
/// and the sequence (`None` when no row came back to carry it).
async fn fetch_reading_seq(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    query: sea_orm::Select<todo::Entity>,
) -> Result<(Rows, Option<i64>), sea_orm::DbErr> {
    let rows = sql::page_reading_seq(query, user_id)
        .into_model::<SequencedRow>()
        .all(db)
        .await?;
    let seq = rows.first().map(|row| write_seq::read(row.write_seq));
    let rows = rows.into_iter().map(|row| row.row.split()).collect();
    Ok((rows, seq))
}

/// Runs the count statement: the total, and the preferences it read. With
/// a ticket it also reads the user's write sequence, and what it answered
/// is remembered at that sequence.
async fn count(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    filter: &Filter,
    now: clock::Timestamp,
    needs: Needs,
    ticket: Option<Ticket>,
) -> ServiceResult<Counted> {
    let statement = count_query(user_id, filter, now, needs);
    let Some(ticket) = ticket else {
        let row = db.query_one(&statement).await?;
        return Ok(sql::counted(row.as_ref(), needs)?);
    };
    let row = db
        .query_one(&sql::count_reading_seq(statement, user_id))
        .await?;
    let counted = sql::counted(row.as_ref(), needs)?;
    ListTotals::store(ticket, sql::seq_read(row.as_ref())?, counted);
    Ok(counted)
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
