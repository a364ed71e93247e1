//! The todo list: its query parameters and its envelope, which serves both
//! page-number and keyset (cursor) pagination.

use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use service::todos::TodoList;
use service::todos::cursor::Cursor;
use service::todos::query::SortKey;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::enums::{Priority, SortOrder, TodoStatus};
use super::rules::{timestamp, validate_tag_names, validate_timestamp};
use super::todos::TodoOut;
use crate::pagination::{page_link, with_params};

/// Sort keys of the todo list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TodoSortKey {
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Due date; todos without one come last in either direction.
    DueDate,
    /// Priority: low < medium < high < urgent.
    Priority,
    /// Title.
    Title,
}

impl From<TodoSortKey> for SortKey {
    fn from(key: TodoSortKey) -> Self {
        match key {
            TodoSortKey::CreatedAt => Self::CreatedAt,
            TodoSortKey::UpdatedAt => Self::UpdatedAt,
            TodoSortKey::DueDate => Self::DueDate,
            TodoSortKey::Priority => Self::Priority,
            TodoSortKey::Title => Self::Title,
        }
    }
}

/// `cursor` as given, empty included (`cursor=` starts a walk), where a
/// plain `Option` would read an empty value as absent.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    String::deserialize(deserializer).map(Some)
}

/// Filters, search, sort and paging of the todo list. Filters combine.
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TodoListQuery {
    /// Todos with any of these statuses (repeatable).
    #[serde(default)]
    pub status: Vec<TodoStatus>,
    /// Todos with any of these priorities (repeatable).
    #[serde(default)]
    pub priority: Vec<Priority>,
    /// Todos in this category.
    pub category_id: Option<Uuid>,
    /// Todos carrying this tag, by name in any case (repeatable: all must match).
    #[serde(default)]
    #[validate(custom(function = validate_tag_names))]
    pub tag: Vec<String>,
    /// Due before this time (RFC 3339: years 1000–9999, seconds 0–59).
    #[serde(default, deserialize_with = "timestamp")]
    #[validate(custom(function = validate_timestamp))]
    pub due_before: Option<DateTime<Utc>>,
    /// Due at or after this time (RFC 3339: years 1000–9999, seconds 0–59).
    #[serde(default, deserialize_with = "timestamp")]
    #[validate(custom(function = validate_timestamp))]
    pub due_after: Option<DateTime<Utc>>,
    /// Only todos due before now that are `pending` or `in_progress`.
    pub overdue: Option<bool>,
    /// Substring of the title or the description, any case.
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    pub search: Option<String>,
    /// Soft-deleted todos too.
    pub include_deleted: Option<bool>,
    /// Soft-deleted todos only (wins over `include_deleted`).
    pub only_deleted: Option<bool>,
    /// Sort key (default: the caller's `default_sort` preference).
    pub sort_by: Option<TodoSortKey>,
    /// Sort direction (default `desc`).
    pub sort_order: Option<SortOrder>,
    /// 1-based page number (not with `cursor`); past the last page, no items.
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default: the caller's `default_page_size` preference).
    #[validate(range(min = 1, max = 100, message = "must be between 1 and 100"))]
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
    /// Keyset pagination: a `next_cursor` from an earlier answer, or empty to
    /// start a walk from the top. An undecodable cursor is `400`.
    #[serde(default, deserialize_with = "present")]
    pub cursor: Option<String>,
}

/// Navigation links of a todo page; each keeps the request's other parameters.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoPageLinks {
    /// This page.
    #[serde(rename = "self")]
    pub self_: String,
    /// The next page (`page` mode) or the continuation (`cursor` mode), if any.
    pub next: Option<String>,
    /// The previous page, if any (always null in `cursor` mode).
    pub prev: Option<String>,
    /// The first page (absent in `cursor` mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// The last page (absent in `cursor` mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

/// A page of todos. With `cursor`, `total`, `page`, `pages` and the
/// `first`/`last` links are absent: counting would cost what keyset paging saves.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoPage {
    /// The todos of this page.
    pub items: Vec<TodoOut>,
    /// Todos on all pages (absent in `cursor` mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// This page's number (absent in `cursor` mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// Items per page.
    pub size: u64,
    /// Number of pages (absent in `cursor` mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<u64>,
    /// Whether more todos follow.
    pub has_next: bool,
    /// Whether todos precede this page.
    pub has_prev: bool,
    /// Navigation links.
    pub links: TodoPageLinks,
    /// Pass as `cursor` to continue right after this page; null when nothing follows.
    pub next_cursor: Option<String>,
}

impl TodoPage {
    /// The envelope of an offset page (`page` is 1-based).
    #[must_use]
    pub fn paged(req: &HttpRequest, page: u64, list: TodoList) -> Self {
        let total = list.total.unwrap_or(0);
        let size = list.size.max(1);
        let pages = total.div_ceil(size);
        let link = |p: u64| page_link(req, p, size);
        Self {
            items: list.items.into_iter().map(TodoOut::from).collect(),
            total: Some(total),
            page: Some(page),
            size,
            pages: Some(pages),
            has_next: page < pages,
            has_prev: page > 1,
            links: TodoPageLinks {
                self_: link(page),
                next: (page < pages).then(|| link(page + 1)),
                prev: (page > 1).then(|| link((page - 1).min(pages.max(1)))),
                first: Some(link(1)),
                last: Some(link(pages.max(1))),
            },
            next_cursor: list.next_cursor.as_ref().map(Cursor::encode),
        }
    }

    /// The envelope of a keyset page; `continued` when the request named a cursor.
    #[must_use]
    pub fn walked(req: &HttpRequest, continued: bool, list: TodoList) -> Self {
        let next_cursor = list.next_cursor.as_ref().map(Cursor::encode);
        Self {
            items: list.items.into_iter().map(TodoOut::from).collect(),
            total: None,
            page: None,
            size: list.size,
            pages: None,
            has_next: next_cursor.is_some(),
            has_prev: continued,
            links: TodoPageLinks {
                self_: with_params(req, &[], &[]),
                next: next_cursor
                    .as_ref()
                    .map(|c| with_params(req, &[("cursor", c.clone())], &["page"])),
                prev: None,
                first: None,
                last: None,
            },
            next_cursor,
        }
    }
}
