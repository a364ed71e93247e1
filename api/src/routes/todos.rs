//! `/todos`: the caller's todos: create, list, statistics, read, change,
//! delete, restore, complete, reopen, history (bulk operations are in `bulk`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use service::todos::cursor::Cursor;
use service::todos::query::{Deleted, Filter, ListRequest, Paging};
use service::todos::{self, TodoView};
use service::version::Expected;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::conditional::{IfMatch, versioned_ok, with_etag};
use crate::dto::stats::TodoStatsOut;
use crate::dto::todo_list::{TodoListQuery, TodoPage};
use crate::dto::todos::{HistoryEntryOut, TodoCreate, TodoOut, TodoUpdate};
use crate::dto::users::DeleteQuery;
use crate::error::{ApiError, ApiResult, ErrorKind, Problem};
use crate::extract::{ValidJson, ValidQuery};
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// The versions a request expects: its `If-Match` header and body `version`.
pub(crate) fn expectations(if_match: &IfMatch, body_version: Option<i32>) -> Vec<Expected> {
    if_match
        .expected()
        .into_iter()
        .chain(body_version.map(Expected::Body))
        .collect()
}

/// A todo answer with its `ETag`.
fn todo_answer(status: StatusCode, view: TodoView) -> HttpResponse {
    let version = view.todo.version;
    with_etag(HttpResponseBuilder::new(status), version).json(TodoOut::from(view))
}

fn bad_cursor(detail: &str) -> ApiError {
    ApiError::new(ErrorKind::BadRequest, format!("cursor: {detail}"))
}

/// The service's list request for `query`; a cursor that does not decode,
/// or that was made for another sort, is `400`.
fn list_request(query: TodoListQuery) -> ApiResult<ListRequest> {
    let sort_key = query.sort_by.map(Into::into);
    let descending = query.sort_order.map(|o| o.is_desc());
    let paging = match (query.cursor.as_deref().map(str::trim), query.page) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_field(
                "cursor",
                "cannot be combined with page",
            ));
        }
        (Some(""), None) => Paging::Cursor(None),
        (Some(text), None) => {
            let cursor = Cursor::decode(text).ok_or_else(|| bad_cursor("not a valid cursor"))?;
            let other_key = sort_key.is_some_and(|k| k != cursor.sort.key);
            let other_order = descending.is_some_and(|d| d != cursor.sort.descending);
            if other_key || other_order {
                return Err(bad_cursor("it was made for another sort"));
            }
            Paging::Cursor(Some(cursor))
        }
        (None, page) => Paging::Page(page.unwrap_or(1).max(1)),
    };
    let deleted = if query.only_deleted == Some(true) {
        Deleted::Only
    } else if query.include_deleted == Some(true) {
        Deleted::Include
    } else {
        Deleted::Hide
    };
    Ok(ListRequest {
        filter: Filter {
            statuses: query.status.into_iter().map(Into::into).collect(),
            priorities: query.priority.into_iter().map(Into::into).collect(),
            category_id: query.category_id,
            tags: query.tag,
            due_before: query.due_before,
            due_after: query.due_after,
            overdue: query.overdue == Some(true),
            search: query.search,
            deleted,
        },
        sort_key,
        descending,
        size: query.size,
        paging,
    })
}

/// Creates a todo; unknown tag names become new tags.
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    request_body = TodoCreate,
    responses(
        (status = 201, description = "The new todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 413, description = "Body too large", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields, or a `category_id` that is not one of the caller's", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/todos")]
pub async fn create_todo(
    state: web::Data<AppState>,
    auth: AuthUser,
    ValidJson(body): ValidJson<TodoCreate>,
) -> ApiResult<HttpResponse> {
    let view = todos::create(&state.db, auth.id, body.into()).await?;
    Ok(todo_answer(StatusCode::CREATED, view))
}

/// Lists the caller's todos: filters, search and sort combine; paged by
/// `page`/`size`, or walked by `cursor` (keyset: no totals, constant cost
/// at any depth). Soft-deleted todos only when asked for.
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    params(TodoListQuery),
    responses(
        (status = 200, description = "A page of todos", body = TodoPage),
        (status = 400, description = "An undecodable `cursor`, or one made for another sort", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters (e.g. an unknown `sort_by`, a bad date, `size` over 100)", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/todos")]
pub async fn list_todos(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    ValidQuery(query): ValidQuery<TodoListQuery>,
) -> ApiResult<web::Json<TodoPage>> {
    let request = list_request(query)?;
    let list = todos::list(&state.db, &state.list_totals, auth.id, &request).await?;
    Ok(web::Json(match request.paging {
        Paging::Page(page) => TodoPage::paged(&req, page, list),
        Paging::Cursor(cursor) => TodoPage::walked(&req, cursor.is_some(), list),
    }))
}

/// Statistics over the caller's live (not soft-deleted) todos: counts by
/// status and by priority (every key present), overdue todos, and
/// completions per day over the last 30 days in UTC (oldest first, ending
/// today, days without completions at 0). Computed by grouped queries in
/// the database: two statements whatever the number of todos.
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The caller's statistics", body = TodoStatsOut),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/todos/stats")]
pub async fn todo_stats(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> ApiResult<web::Json<TodoStatsOut>> {
    let stats = todos::stats(&state.db, auth.id).await?;
    Ok(web::Json(stats.into()))
}

/// One of the caller's todos (soft-deleted ones too, with `deleted_at`), with an `ETag`.
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    params(("id" = Uuid, Path, description = "Todo id")),
    responses(
        (status = 200, description = "The todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such todo of the caller's", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/todos/{id}")]
pub async fn get_todo(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let view = todos::get(&state.db, auth.id, id.into_inner()).await?;
    let version = view.todo.version;
    Ok(versioned_ok(&req, version, &TodoOut::from(view)))
}

/// Changes a todo: absent fields are kept, `null` clears `description`,
/// `due_date` or `category_id`, `tags` replaces the set. A status change
/// sets or clears `completed_at` and appends a history entry.
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    request_body = TodoUpdate,
    params(
        ("id" = Uuid, Path, description = "Todo id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on"),
    ),
    responses(
        (status = 200, description = "The changed todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such todo of the caller's", body = Problem, content_type = PROBLEM),
        (status = 409, description = "A stale `version`, or the todo is soft-deleted", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 413, description = "Body too large", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields, or a `category_id` that is not one of the caller's", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[patch("/todos/{id}")]
pub async fn update_todo(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(body): ValidJson<TodoUpdate>,
) -> ApiResult<HttpResponse> {
    let expected = expectations(&if_match, body.version);
    let changes = body.into_changes(expected);
    let view = todos::update(&state.db, auth.id, id.into_inner(), changes).await?;
    Ok(todo_answer(StatusCode::OK, view))
}

/// Deletes a todo: a soft delete (restorable; deleting it again is `409`),
/// or with `?permanent=true` for good, soft-deleted or not.
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    params(
        ("id" = Uuid, Path, description = "Todo id"),
        DeleteQuery,
        ("If-Match" = Option<String>, Header, description = "ETag of the version the delete is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such todo of the caller's", body = Problem, content_type = PROBLEM),
        (status = 409, description = "Already soft-deleted (soft delete only)", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[delete("/todos/{id}")]
pub async fn delete_todo(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidQuery(query): ValidQuery<DeleteQuery>,
) -> ApiResult<HttpResponse> {
    let expected = expectations(&if_match, None);
    if query.permanent == Some(true) {
        todos::purge(&state.db, auth.id, id.into_inner(), &expected).await?;
    } else {
        todos::soft_delete(&state.db, auth.id, id.into_inner(), &expected).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Restores a soft-deleted todo; a live todo is answered as it is.
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    params(
        ("id" = Uuid, Path, description = "Todo id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on"),
    ),
    responses(
        (status = 200, description = "The restored todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such todo of the caller's", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/todos/{id}/restore")]
pub async fn restore_todo(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = expectations(&if_match, None);
    let view = todos::restore(&state.db, auth.id, id.into_inner(), &expected).await?;
    Ok(todo_answer(StatusCode::OK, view))
}

/// Marks a todo `completed` (sets `completed_at`, appends history). A
/// completed todo is answered as it is: no new history entry, same version.
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    params(
        ("id" = Uuid, Path, description = "Todo id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on"),
    ),
    responses(
        (status = 200, description = "The completed todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such todo of the caller's", body = Problem, content_type = PROBLEM),
        (status = 409, description = "The todo is soft-deleted", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/todos/{id}/complete")]
pub async fn complete_todo(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = expectations(&if_match, None);
    let view = todos::complete(&state.db, auth.id, id.into_inner(), &expected).await?;
    Ok(todo_answer(StatusCode::OK, view))
}

/// Reopens a todo: `completed` or `archived` becomes `pending` (clears
/// `completed_at`, appends history). An open todo (`pending`,
/// `in_progress`) is answered as it is.
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    params(
        ("id" = Uuid, Path, description = "Todo id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on"),
    ),
    responses(
        (status = 200, description = "The reopened todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such todo of the caller's", body = Problem, content_type = PROBLEM),
        (status = 409, description = "The todo is soft-deleted", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/todos/{id}/reopen")]
pub async fn reopen_todo(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = expectations(&if_match, None);
    let view = todos::reopen(&state.db, auth.id, id.into_inner(), &expected).await?;
    Ok(todo_answer(StatusCode::OK, view))
}

/// The status changes of a todo, oldest first (a bare array).
#[utoipa::path(
    tag = "todos",
    security(("bearer_auth" = [])),
    params(("id" = Uuid, Path, description = "Todo id")),
    responses(
        (status = 200, description = "Its history, oldest first", body = Vec<HistoryEntryOut>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such todo of the caller's", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/todos/{id}/history")]
pub async fn todo_history(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<HistoryEntryOut>>> {
    let rows = todos::history(&state.db, auth.id, id.into_inner()).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}
