//! The todo list: filters, search, sorts, and both ways of paging (the SQL
//! itself is built in `statements`).
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

use chrono::{DateTime, Utc};
use entity::{todo, user_preferences};
use sea_orm::sea_query::Order;
use sea_orm::{ConnectionTrait, EntityTrait, Select};
use uuid::Uuid;

use super::cursor::Cursor;
use super::statements::PageRow;
pub use super::statements::{Needs, count_query, page_query};
pub use super::totals::ListTotals;
use super::totals::{Counted, Lookup};
use super::{TodoCategory, TodoView, with_tags};
use crate::{ServiceResult, clock, paging};

/// Sort keys of the todo list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Creation time (the default).
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Due date; todos without one come last in either direction.
    DueDate,
    /// Priority by rank: low < medium < high < urgent.
    Priority,
    /// Title, in the database's collation.
    Title,
}

impl SortKey {
    /// Every key, in the order the API lists them.
    pub const ALL: [Self; 5] = [
        Self::CreatedAt,
        Self::UpdatedAt,
        Self::DueDate,
        Self::Priority,
        Self::Title,
    ];

    /// The API spelling of the key (also what `default_sort` stores).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
            Self::DueDate => "due_date",
            Self::Priority => "priority",
            Self::Title => "title",
        }
    }

    /// The key spelled `text`, if it is one.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A sort: the key and the direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The key.
    pub key: SortKey,
    /// Descending (the API's default direction).
    pub descending: bool,
}

impl Sort {
    pub(super) fn order(self) -> Order {
        if self.descending {
            Order::Desc
        } else {
            Order::Asc
        }
    }
}

/// Which todos the list shows with respect to soft deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Deleted {
    /// Live todos only (the default).
    #[default]
    Hide,
    /// Live and soft-deleted todos.
    Include,
    /// Soft-deleted todos only.
    Only,
}

/// Filters of the todo list; they combine (all must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    /// Any of these statuses (none: any status).
    pub statuses: Vec<todo::TodoStatus>,
    /// Any of these priorities (none: any priority).
    pub priorities: Vec<todo::Priority>,
    /// In this category.
    pub category_id: Option<Uuid>,
    /// Carrying every one of these tags (by name, any case).
    pub tags: Vec<String>,
    /// Due before this time.
    pub due_before: Option<DateTime<Utc>>,
    /// Due at or after this time.
    pub due_after: Option<DateTime<Utc>>,
    /// Due before now and still `pending` or `in_progress`.
    pub overdue: bool,
    /// Substring of the title or the description, any case.
    pub search: Option<String>,
    /// Soft-deleted todos: hidden, included, or only them.
    pub deleted: Deleted,
}

/// How to page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// Offset paging: this 1-based page, with totals.
    Page(u64),
    /// Keyset paging: right after this cursor (`None`: from the top).
    Cursor(Option<Cursor>),
}

/// A list request.
#[derive(Debug, Clone)]
pub struct ListRequest {
    /// What to show.
    pub filter: Filter,
    /// The sort key; `None`: the cursor's when continuing a walk, else the
    /// caller's `default_sort` preference.
    pub sort_key: Option<SortKey>,
    /// The direction; `None`: the cursor's when continuing a walk, else descending.
    pub descending: Option<bool>,
    /// Rows per page (1–100); `None`: the caller's `default_page_size`.
    pub size: Option<u64>,
    /// Offset or keyset paging.
    pub paging: Paging,
}

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

/// The rows a page query fetches.
#[derive(Debug, Clone, Copy)]
pub enum Window<'a> {
    /// `LIMIT limit OFFSET offset`.
    Offset {
        /// Rows to skip.
        offset: u64,
        /// Rows to fetch.
        limit: u64,
    },
    /// The first `limit` rows after `cursor` (from the top without one).
    After {
        /// Where the previous page ended.
        cursor: Option<&'a Cursor>,
        /// Rows to fetch.
        limit: u64,
    },
}

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
        Paging::Page(page) => {
            let needs = Needs {
                size: request.size.is_none(),
                sort: request.sort_key.is_none(),
            };
            let (Counted { total, prefs }, remembered) =
                match totals.lookup(user_id, &request.filter, needs) {
                    Lookup::Hit(counted) => (counted, true),
                    Lookup::Miss(ticket) => {
                        let counted = count(db, user_id, &request.filter, now, needs).await?;
                        ListTotals::store(ticket, counted);
                        (counted, false)
                    }
                    Lookup::Never => (
                        count(db, user_id, &request.filter, now, needs).await?,
                        false,
                    ),
                };
            let size = request.size.unwrap_or(prefs.size);
            let sort = Sort {
                key: request.sort_key.unwrap_or(prefs.sort_key),
                descending: request.descending.unwrap_or(true),
            };
            // Only a total counted just now may skip the page: a remembered
            // one can be behind another process's writes. A page that
            // `paging::offset` cannot place is past the end of any table.
            let offset = paging::offset(*page, size);
            let rows = match offset {
                Some(offset) if total > offset || remembered => {
                    let window = Window::Offset {
                        offset,
                        limit: size,
                    };
                    fetch_page(db, page_query(user_id, &request.filter, sort, window, now)).await?
                }
                _ => Vec::new(),
            };
            let shown = offset.map_or(u64::MAX, |offset| offset + rows.len() as u64);
            let next_cursor = match rows.last() {
                Some((last, _)) if shown < total => Some(Cursor::after(sort, last)),
                _ => None,
            };
            Ok(TodoList {
                items: with_tags(db, rows).await?,
                size,
                sort,
                total: Some(total),
                next_cursor,
            })
        }
        Paging::Cursor(cursor) => {
            // A walk keeps the sort it started with.
            let key = cursor.as_ref().map(|c| c.sort.key).or(request.sort_key);
            let prefs = if request.size.is_none() || key.is_none() {
                Preferences::load(db, user_id).await?
            } else {
                Preferences::default()
            };
            let size = request.size.unwrap_or(prefs.size);
            let sort = Sort {
                key: key.unwrap_or(prefs.sort_key),
                descending: cursor
                    .as_ref()
                    .map(|c| c.sort.descending)
                    .or(request.descending)
                    .unwrap_or(true),
            };
            let window = Window::After {
                cursor: cursor.as_ref(),
                limit: size + 1,
            };
            let mut rows =
                fetch_page(db, page_query(user_id, &request.filter, sort, window, now)).await?;
            let more = rows.len() as u64 > size;
            rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
            let next_cursor = match rows.last() {
                Some((last, _)) if more => Some(Cursor::after(sort, last)),
                _ => None,
            };
            Ok(TodoList {
                items: with_tags(db, rows).await?,
                size,
                sort,
                total: None,
                next_cursor,
            })
        }
    }
}

/// Runs the page query: each todo with its category.
async fn fetch_page(
    db: &impl ConnectionTrait,
    query: Select<todo::Entity>,
) -> Result<Vec<(todo::Model, Option<TodoCategory>)>, sea_orm::DbErr> {
    let rows = query.into_model::<PageRow>().all(db).await?;
    Ok(rows.into_iter().map(PageRow::split).collect())
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
    Ok(match row {
        Some(row) => Counted {
            total: u64::try_from(row.try_get::<i64>("", "total")?).unwrap_or(0),
            prefs: Preferences::from_row(&row, needs)?,
        },
        None => Counted {
            total: 0,
            prefs: Preferences::default(),
        },
    })
}

/// The caller's list preferences, with the service defaults where unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Preferences {
    size: u64,
    sort_key: SortKey,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            size: u64::try_from(user_preferences::DEFAULT_PAGE_SIZE).unwrap_or(20),
            sort_key: SortKey::parse(user_preferences::DEFAULT_SORT).unwrap_or_default(),
        }
    }
}

impl Preferences {
    fn new(size: Option<i32>, sort: Option<String>) -> Self {
        let defaults = Self::default();
        Self {
            size: size
                .and_then(|s| u64::try_from(s).ok())
                .filter(|s| (1..=100).contains(s))
                .unwrap_or(defaults.size),
            sort_key: sort
                .as_deref()
                .and_then(SortKey::parse)
                .unwrap_or(defaults.sort_key),
        }
    }

    fn from_row(row: &sea_orm::QueryResult, needs: Needs) -> Result<Self, sea_orm::DbErr> {
        let size = if needs.size {
            row.try_get::<Option<i32>>("", "default_page_size")?
        } else {
            None
        };
        let sort = if needs.sort {
            row.try_get::<Option<String>>("", "default_sort")?
        } else {
            None
        };
        Ok(Self::new(size, sort))
    }

    async fn load(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Self, sea_orm::DbErr> {
        let row = user_preferences::Entity::find_by_id(user_id)
            .one(db)
            .await?;
        Ok(row.map_or_else(Self::default, |p| {
            Self::new(Some(p.default_page_size), Some(p.default_sort))
        }))
    }
}
