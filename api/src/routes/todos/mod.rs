//! `/todos`: the caller's todos: create, list, statistics, read, change,
//! delete, and the changes of state that name no field (restore, complete,
//! reopen: one service call, [`todos::transition`]), history (bulk
//! operations are in `bulk`). What several operations answer alike is
//! documented once, in `answers`.

mod answers;

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use service::todos::list::Paging;
use service::todos::{self, TodoView, Transition};
use uuid::Uuid;

pub use answers::{InvalidTodo, NoSuchTodo, SoftDeletedTodo};

use crate::auth::Owner;
use crate::conditional::{IfMatch, tagged, versioned_ok};
use crate::dto::stats::TodoStatsOut;
use crate::dto::todo_list::{TodoListQuery, TodoPage};
use crate::dto::todos::{HistoryEntryOut, TodoCreate, TodoOut, TodoUpdate};
use crate::dto::users::{
    DeleteBody, DeleteQuery, IfMatchChange, IfMatchDelete, IfMatchFailed, InvalidQuery, NotModified,
};
use crate::error::{ApiResult, Problem};
use crate::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::idempotency::{self, Idempotent};
use crate::routes::API_PREFIX;
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// A todo answer with its `ETag`.
fn todo_answer(builder: HttpResponseBuilder, view: TodoView) -> HttpResponse {
    let version = view.todo.version;
    tagged(builder, version, &TodoOut::from(view))
}

/// What a request for a change of state carries besides the state: the
/// caller, the todo's id, and its `If-Match` (extracted in this order).
type StateChange = (Owner, web::Path<Uuid>, IfMatch);

/// Applies `to` to the caller's todo and answers it with its `ETag`.
async fn transition(
    state: &AppState,
    (auth, id, if_match): StateChange,
    to: Transition,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expectations(None);
    let (db, totals) = (&state.db, &state.list_totals);
    let view = todos::transition(db, totals, auth.id, id.into_inner(), &expected, to).await?;
    Ok(todo_answer(HttpResponse::Ok(), view))
}

/// Create a todo
///
/// Creates a todo and answers it with its `ETag` and `Location`. Tags are
/// given by name; names the caller has not used yet become new tags. A
/// `category_id` must be one of the caller's categories (`422` otherwise).
#[utoipa::path(
    tag = "todos",
    request_body = TodoCreate,
    responses(
        (status = 201, description = "The new todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>-<hash>\""), ("Location" = String, description = "`/api/v1/todos/{id}`"))),
        InvalidTodo,
    )
)]
#[post("/todos")]
pub async fn create_todo(
    state: web::Data<AppState>,
    auth: Owner,
    Idempotent { body, key }: Idempotent<TodoCreate>,
) -> ApiResult<HttpResponse> {
    let (user_id, new) = (auth.id, body.into());
    let Some(key) = key else {
        let view = todos::create(&state.db, &state.list_totals, user_id, new).await?;
        return Ok(created_todo(view));
    };
    idempotency::respond(&state, user_id, key, async move |txn, changes| {
        Ok(created_todo(
            todos::create_in(txn, user_id, new, changes).await?,
        ))
    })
    .await
}

/// The answer to a create: `201` with the todo, its `ETag` and `Location`.
fn created_todo(view: TodoView) -> HttpResponse {
    let mut created = HttpResponse::Created();
    created.insert_header((LOCATION, format!("{API_PREFIX}/todos/{}", view.todo.id)));
    todo_answer(created, view)
}

/// List todos
///
/// The caller's todos, with filters (status, priority, category, tags, due
/// dates, overdue), a full-text `search` over title and description, and a
/// sort; filters combine with AND, repeated values of one filter with OR.
///
/// Paged by `page` and `size` (with `total` and `links`), or walked by
/// `cursor` (keyset: `next_cursor`, no totals, constant cost at any depth).
/// Soft-deleted todos appear only when asked for (`include_deleted`,
/// `only_deleted`).
#[utoipa::path(
    tag = "todos",
    params(TodoListQuery),
    responses(
        (status = 200, description = "A page of todos", body = TodoPage),
        (status = 400, description = "An undecodable `cursor`, or one made for another sort", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters (e.g. an unknown `sort_by`, a bad date, `size` over 100)", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/todos")]
pub async fn list_todos(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Owner,
    ValidQuery(query): ValidQuery<TodoListQuery>,
) -> ApiResult<web::Json<TodoPage>> {
    let request = query.into_request()?;
    let (totals, asked) = (&state.list_totals, &request);
    let list = (state.reads)
        .run(auth.id, |db| async move {
            todos::list(&db, totals, auth.id, asked).await
        })
        .await?;
    Ok(web::Json(match request.paging {
        Paging::Page(page) => TodoPage::paged(&req, page, list),
        Paging::Cursor(cursor) => TodoPage::walked(&req, cursor.is_some(), list),
    }))
}

/// Todo statistics
///
/// Statistics over the caller's live (not soft-deleted) todos: counts by
/// status and by priority (every key present), overdue todos, and
/// completions per day over the last 30 days in UTC (oldest first, ending
/// today, days without completions at 0). Computed by grouped queries in
/// the database: two statements whatever the number of todos.
#[utoipa::path(
    tag = "todos",
    responses(
        (status = 200, description = "The caller's statistics", body = TodoStatsOut),
    )
)]
#[get("/todos/stats")]
pub async fn todo_stats(
    state: web::Data<AppState>,
    auth: Owner,
) -> ApiResult<web::Json<TodoStatsOut>> {
    let stats = (state.reads)
        .run(
            auth.id,
            |db| async move { todos::stats(&db, auth.id).await },
        )
        .await?;
    Ok(web::Json(stats.into()))
}

/// Get a todo
///
/// One of the caller's todos (soft-deleted ones too, with `deleted_at`). The
/// `ETag` changes whenever the answer does (its category's name and colour
/// included); send it back in `If-None-Match` to get `304` while nothing
/// changed.
#[utoipa::path(
    tag = "todos",
    params(("id" = Uuid, Path, description = "Todo id")),
    responses(
        (status = 200, description = "The todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        NotModified,
        NoSuchTodo,
    )
)]
#[get("/todos/{id}")]
pub async fn get_todo(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Owner,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let view = (state.reads)
        .run(
            auth.id,
            |db| async move { todos::get(&db, auth.id, id).await },
        )
        .await?;
    let version = view.todo.version;
    Ok(versioned_ok(&req, version, &TodoOut::from(view)))
}

/// Update a todo
///
/// Changes a todo: absent fields are kept, `null` clears `description`,
/// `due_date` or `category_id`, and `tags` replaces the set. A status change
/// sets or clears `completed_at` and appends a history entry.
///
/// Send the `version` you read (body, `409` when stale) or its `ETag`
/// (`If-Match`, `412` when stale) so that no change is lost. A soft-deleted
/// todo cannot be changed (`409`: restore it first).
#[utoipa::path(
    tag = "todos",
    request_body = TodoUpdate,
    params(("id" = Uuid, Path, description = "Todo id"), IfMatchChange),
    responses(
        (status = 200, description = "The changed todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        NoSuchTodo,
        (status = 409, description = "A stale `version`, or the todo is soft-deleted", body = Problem, content_type = PROBLEM),
        IfMatchFailed,
        InvalidTodo,
    )
)]
#[patch("/todos/{id}")]
pub async fn update_todo(
    state: web::Data<AppState>,
    auth: Owner,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(body): ValidJson<TodoUpdate>,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expectations(body.version);
    let changes = body.into_changes(expected);
    let (db, totals) = (&state.db, &state.list_totals);
    let view = todos::update(db, totals, auth.id, id.into_inner(), changes).await?;
    Ok(todo_answer(HttpResponse::Ok(), view))
}

/// Delete a todo
///
/// A soft delete (restorable; deleting it again is `409`), or with
/// `?permanent=true` for good, soft-deleted or not. Accepts `If-Match` or a
/// body `version`, as an update does.
#[utoipa::path(
    tag = "todos",
    request_body(content = Option<DeleteBody>, description = DeleteBody::DESCRIPTION),
    params(("id" = Uuid, Path, description = "Todo id"), DeleteQuery, IfMatchDelete),
    responses(
        (status = 204, description = "Deleted"),
        NoSuchTodo,
        (status = 409, description = "A stale body `version`, or already soft-deleted (soft delete only)", body = Problem, content_type = PROBLEM),
        IfMatchFailed,
        InvalidQuery,
    )
)]
#[delete("/todos/{id}")]
pub async fn delete_todo(
    state: web::Data<AppState>,
    (auth, id, if_match): StateChange,
    ValidQuery(query): ValidQuery<DeleteQuery>,
    OptionalJson(body): OptionalJson<DeleteBody>,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expectations(DeleteBody::version_of(body));
    let permanent = query.permanent == Some(true);
    let (db, totals) = (&state.db, &state.list_totals);
    todos::delete(db, totals, auth.id, id.into_inner(), &expected, permanent).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Restore a todo
///
/// Restores a soft-deleted todo with a new version; a live todo is answered
/// as it is.
#[utoipa::path(
    tag = "todos",
    params(("id" = Uuid, Path, description = "Todo id"), IfMatchChange),
    responses(
        (status = 200, description = "The restored todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        NoSuchTodo,
        IfMatchFailed,
    )
)]
#[post("/todos/{id}/restore")]
pub async fn restore_todo(
    state: web::Data<AppState>,
    change: StateChange,
) -> ApiResult<HttpResponse> {
    transition(&state, change, Transition::Restore).await
}

/// Complete a todo
///
/// Marks a todo `completed`: sets `completed_at` and appends a history entry.
/// A completed todo is answered as it is: no new history entry, same
/// version.
#[utoipa::path(
    tag = "todos",
    params(("id" = Uuid, Path, description = "Todo id"), IfMatchChange),
    responses(
        (status = 200, description = "The completed todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        NoSuchTodo,
        SoftDeletedTodo,
        IfMatchFailed,
    )
)]
#[post("/todos/{id}/complete")]
pub async fn complete_todo(
    state: web::Data<AppState>,
    change: StateChange,
) -> ApiResult<HttpResponse> {
    transition(&state, change, Transition::Complete).await
}

/// Reopen a todo
///
/// Reopens a todo: `completed` or `archived` becomes `pending` (clears
/// `completed_at`, appends a history entry). An open todo (`pending`,
/// `in_progress`) is answered as it is.
#[utoipa::path(
    tag = "todos",
    params(("id" = Uuid, Path, description = "Todo id"), IfMatchChange),
    responses(
        (status = 200, description = "The reopened todo", body = TodoOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        NoSuchTodo,
        SoftDeletedTodo,
        IfMatchFailed,
    )
)]
#[post("/todos/{id}/reopen")]
pub async fn reopen_todo(
    state: web::Data<AppState>,
    change: StateChange,
) -> ApiResult<HttpResponse> {
    transition(&state, change, Transition::Reopen).await
}

/// Status history of a todo
///
/// Every status change of one of the caller's todos, oldest first, as a bare
/// array: the status before and after, and when it changed (UTC).
#[utoipa::path(
    tag = "todos",
    params(("id" = Uuid, Path, description = "Todo id")),
    responses(
        (status = 200, description = "Its history, oldest first", body = Vec<HistoryEntryOut>),
        NoSuchTodo,
    )
)]
#[get("/todos/{id}/history")]
pub async fn todo_history(
    state: web::Data<AppState>,
    auth: Owner,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<HistoryEntryOut>>> {
    let id = id.into_inner();
    let rows = (state.reads)
        .run(auth.id, |db| async move {
            todos::history(&db, auth.id, id).await
        })
        .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}
