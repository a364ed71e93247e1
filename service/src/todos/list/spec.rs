//! What a todo list request asks for, as plain values: which todos
//! ([`Filter`]), in which order ([`Sort`], from [`super::sort`]), which
//! rows ([`Paging`], [`Window`], with [`Cursor`]s from [`super::cursor`]),
//! and the caller's list preferences that fill in what the request leaves
//! open ([`Preferences`], [`Needs`]).
//!
//! Imports only [`super::sort`], [`super::cursor`] and the crate's paging
//! limits: no SQL and no database here. The statements built from these
//! are in [`super::sql`]; running them is [`super::list`]'s.

use chrono::{DateTime, Utc};
use entity::{todo, user_preferences};
use uuid::Uuid;

pub use super::cursor::{Cursor, KeyValue};
pub use super::sort::{Sort, SortKey, UnknownSortKey};
use crate::paging::{DEFAULT_PAGE_SIZE, PageRequest};

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
    /// Rows per page (within [`PageRequest::SIZES`]); `None`: the caller's
    /// `default_page_size`.
    pub size: Option<u64>,
    /// Offset or keyset paging.
    pub paging: Paging,
}

impl ListRequest {
    /// The preferences this request leaves open, and so must read.
    #[must_use]
    pub(super) fn needs(&self) -> Needs {
        // A walk keeps the sort it started with.
        let cursor_sort = match &self.paging {
            Paging::Cursor(Some(cursor)) => Some(cursor.sort),
            _ => None,
        };
        Needs {
            size: self.size.is_none(),
            sort: cursor_sort.is_none() && self.sort_key.is_none(),
        }
    }

    /// The page size and the sort this request lists with, `prefs` filling
    /// in what it leaves open: a walk keeps its cursor's sort, and the
    /// direction is descending unless named.
    #[must_use]
    pub(super) fn resolve(&self, prefs: Preferences) -> (u64, Sort) {
        let cursor_sort = match &self.paging {
            Paging::Cursor(Some(cursor)) => Some(cursor.sort),
            _ => None,
        };
        let sort = cursor_sort.unwrap_or(Sort {
            key: self.sort_key.unwrap_or(prefs.sort_key),
            descending: self.descending.unwrap_or(true),
        });
        (self.size.unwrap_or(prefs.size), sort)
    }
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

/// The caller's preferences a request leaves open: what the count statement
/// also reads (page mode), or what must be loaded (cursor mode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Needs {
    /// `default_page_size`.
    pub size: bool,
    /// `default_sort`.
    pub sort: bool,
}

impl Needs {
    /// Whether any preference is needed.
    #[must_use]
    pub fn any(self) -> bool {
        self.size || self.sort
    }
}

/// The caller's list preferences, with the service defaults where unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Preferences {
    /// Rows per page.
    pub size: u64,
    /// Sort key.
    pub sort_key: SortKey,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            size: DEFAULT_PAGE_SIZE,
            sort_key: user_preferences::DEFAULT_SORT.parse().unwrap_or_default(),
        }
    }
}

impl Preferences {
    /// The preferences as stored (`None`: not read), defaults for anything
    /// unset or not one of the values a request may name.
    #[must_use]
    pub(super) fn new(size: Option<i32>, sort: Option<&str>) -> Self {
        let defaults = Self::default();
        Self {
            size: size
                .and_then(PageRequest::preferred_size)
                .unwrap_or(defaults.size),
            sort_key: sort
                .and_then(|s| s.parse().ok())
                .unwrap_or(defaults.sort_key),
        }
    }
}

/// What a count statement answers: the total and the preferences read with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Counted {
    /// Rows matching the filter, on all pages.
    pub total: u64,
    /// The preferences the statement read (defaults for those not needed).
    pub prefs: Preferences,
}
