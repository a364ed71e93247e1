//! The todo list: its query parameters and its envelope, which serves both
//! page-number and keyset (cursor) pagination.

use std::borrow::Cow;

use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use service::paging::{PageRequest, Paged};
use service::todos::TodoList;
use service::todos::list::{Cursor, Deleted, Filter, ListRequest, Paging, SortKey};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::enums::{Priority, SortOrder, TodoStatus};
use super::rules::{timestamp, validate_tag_names, validate_timestamp};
use super::todos::TodoOut;
use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::pagination::{Page, PageLinks, validate_page_size, with_params};

/// A sort key of the todo list as the API reads it: the service's
/// [`SortKey`], whose spellings are the only list of keys (the schema's
/// `enum` and the refusal of any other value are made from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TodoSortKey(pub SortKey);

impl From<TodoSortKey> for SortKey {
    fn from(key: TodoSortKey) -> Self {
        key.0
    }
}

impl<'de> Deserialize<'de> for TodoSortKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse()
            .map(Self)
            .map_err(|_| serde::de::Error::unknown_variant(&text, &SortKey::NAMES))
    }
}

impl PartialSchema for TodoSortKey {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(SortKey::NAMES))
            .description(Some("Sort keys of the todo list."))
            .into()
    }
}

impl ToSchema for TodoSortKey {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("TodoSortKey")
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
    /// A page costs the rows before it: the database reads and skips
    /// `(page - 1) × size` rows to reach it, so deep pages of a long list
    /// are slow (page 10,000 of a list of a million reads half of it). To
    /// walk a long list, or to reach deep into it, use `cursor` instead:
    /// each of its pages costs the same at any depth.
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default: the caller's `default_page_size` preference).
    #[validate(custom(function = validate_page_size))]
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
    /// Keyset pagination: a `next_cursor` from an earlier answer, or empty to
    /// start a walk from the top. An undecodable cursor is `400`.
    #[serde(default, deserialize_with = "present")]
    pub cursor: Option<String>,
}

impl TodoListQuery {
    /// The service's list request; a cursor that does not decode, or that
    /// was made for another sort, is `400`.
    ///
    /// # Errors
    /// `400` for such a cursor, `422` for a cursor with a page.
    pub fn into_request(self) -> ApiResult<ListRequest> {
        let sort_key = self.sort_by.map(Into::into);
        let descending = self.sort_order.map(SortOrder::is_desc);
        let paging = match (self.cursor.as_deref().map(str::trim), self.page) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid_field(
                    "cursor",
                    "cannot be combined with page",
                ));
            }
            (Some(""), None) => Paging::Cursor(None),
            (Some(text), None) => {
                let cursor =
                    Cursor::decode(text).ok_or_else(|| bad_cursor("not a valid cursor"))?;
                let other_key = sort_key.is_some_and(|k| k != cursor.sort.key);
                let other_order = descending.is_some_and(|d| d != cursor.sort.descending);
                if other_key || other_order {
                    return Err(bad_cursor("it was made for another sort"));
                }
                Paging::Cursor(Some(cursor))
            }
            (None, page) => Paging::Page(page.unwrap_or(1).max(1)),
        };
        let deleted = if self.only_deleted == Some(true) {
            Deleted::Only
        } else if self.include_deleted == Some(true) {
            Deleted::Include
        } else {
            Deleted::Hide
        };
        Ok(ListRequest {
            filter: Filter {
                statuses: self.status.into_iter().map(Into::into).collect(),
                priorities: self.priority.into_iter().map(Into::into).collect(),
                category_id: self.category_id,
                tags: self.tag,
                due_before: self.due_before,
                due_after: self.due_after,
                overdue: self.overdue == Some(true),
                search: self.search,
                deleted,
            },
            sort_key,
            descending,
            size: self.size,
            paging,
        })
    }
}

fn bad_cursor(detail: &str) -> ApiError {
    ApiError::new(ErrorKind::BadRequest, format!("cursor: {detail}"))
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

impl From<PageLinks> for TodoPageLinks {
    fn from(links: PageLinks) -> Self {
        let PageLinks {
            self_,
            next,
            prev,
            first,
            last,
        } = links;
        Self {
            self_,
            next,
            prev,
            first: Some(first),
            last: Some(last),
        }
    }
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
    /// The envelope of an offset page (`page` is 1-based): the [`Page`]
    /// every paged list answers, and the cursor to walk on from it.
    #[must_use]
    pub fn paged(req: &HttpRequest, page: u64, list: TodoList) -> Self {
        let next_cursor = list.next_cursor.as_ref().map(Cursor::encode);
        let request = PageRequest {
            page,
            size: list.size.max(1),
        };
        let paged = Paged {
            items: list.items,
            total: list.total.unwrap_or(0),
        };
        let Page {
            items,
            total,
            page,
            size,
            pages,
            has_next,
            has_prev,
            links,
        } = Page::new(req, request, paged, TodoOut::from);
        Self {
            items,
            total: Some(total),
            page: Some(page),
            size,
            pages: Some(pages),
            has_next,
            has_prev,
            links: links.into(),
            next_cursor,
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
