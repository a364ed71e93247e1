//! `/todos/bulk…`: create, change, delete and restore up to 1000 todos in
//! one request, all or nothing (the rules are in `service::todos::bulk`).

use actix_web::{HttpResponse, patch, post, web};
use service::todos::{self, TodoView};
use utoipa::IntoResponses;

use crate::auth::{Client, Owner};
use crate::dto::bulk::{
    TodoBulkCreate, TodoBulkCreated, TodoBulkDelete, TodoBulkDeleted, TodoBulkRestore,
    TodoBulkRestored, TodoBulkUpdate, TodoBulkUpdated,
};
use crate::dto::todos::TodoOut;
use crate::error::{ApiResult, Problem};
use crate::extract::ValidJson;
use crate::idempotency::{self, Idempotent};
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// The answer to an id list that is not 1–1000 distinct ids.
#[derive(Debug, IntoResponses)]
#[response(
    status = 422,
    description = "Invalid body: `ids` (empty, over 1000) or `ids[i]` (a repeat)",
    content_type = PROBLEM
)]
pub struct InvalidIds(pub Problem);

/// Create todos in bulk
///
/// Creates 1–1000 todos in one transaction, all or nothing, and answers
/// them in the order of `items`. Tag names are resolved for the whole batch
/// (unknown names are created once). Every item is checked before anything
/// is written; a failure changes nothing and names every invalid item by
/// its index: `errors` keys like `items[3].title` or `items[999].category_id`.
#[utoipa::path(
    tag = "todos",
    request_body = TodoBulkCreate,
    responses(
        (status = 201, description = "The new todos, in input order", body = TodoBulkCreated),
        (status = 422, description = "No items or more than 1000 (`items`), or invalid items keyed by index (`items[3].title`; a `category_id` that is not one of the caller's is `items[3].category_id`); nothing was created", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/todos/bulk")]
pub async fn bulk_create_todos(
    state: web::Data<AppState>,
    auth: Owner,
    Client(client): Client,
    Idempotent { body, key }: Idempotent<TodoBulkCreate>,
) -> ApiResult<HttpResponse> {
    let (user_id, items) = (auth.id, body.into_new());
    let Some(key) = key else {
        let (db, totals) = (&state.db, &state.list_totals);
        let views = todos::create_many(db, totals, user_id, items, &client).await?;
        return Ok(created_todos(views));
    };
    idempotency::respond(&state, user_id, key, async move |txn, changes| {
        let views = todos::create_many_in(txn, user_id, items, &client, changes).await?;
        Ok(created_todos(views))
    })
    .await
}

/// The answer to a bulk create: `201` with the todos in input order.
fn created_todos(views: Vec<TodoView>) -> HttpResponse {
    HttpResponse::Created().json(TodoBulkCreated {
        items: views.into_iter().map(TodoOut::from).collect(),
    })
}

/// Update todos in bulk
///
/// Applies one change to 1–1000 of the caller's live todos in one
/// transaction, all or nothing: the fields of `set`, then `remove_tags` and
/// `add_tags` (unknown names are created). Every todo gets a new version;
/// a status change sets or clears `completed_at` and appends a history
/// entry to each todo whose status changes.
///
/// Checked in this order, each failure changing nothing: the body (`422`:
/// `ids` empty or over 1000, an id twice — `ids[4]` "repeats ids[1]" —,
/// nothing to change, a tag both added and removed, `set.category_id` not
/// the caller's); ids that are not the caller's (`404`, `errors` keyed by
/// id); soft-deleted todos (`409`, keyed by id: restore them first, as for
/// one todo).
#[utoipa::path(
    tag = "todos",
    request_body = TodoBulkUpdate,
    responses(
        (status = 200, description = "How many todos were changed (all of them)", body = TodoBulkUpdated),
        (status = 404, description = "Ids that do not exist or are not the caller's, keyed by id; nothing was changed", body = Problem, content_type = PROBLEM),
        (status = 409, description = "Soft-deleted todos among the ids, keyed by id; nothing was changed", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid body: `ids` (empty, over 1000), `ids[i]` (a repeat), `set` (nothing to change), `set.category_id` (not one of the caller's), `add_tags`/`remove_tags`; nothing was changed", body = Problem, content_type = PROBLEM),
    )
)]
#[patch("/todos/bulk")]
pub async fn bulk_update_todos(
    state: web::Data<AppState>,
    auth: Owner,
    client: Client,
    ValidJson(body): ValidJson<TodoBulkUpdate>,
) -> ApiResult<web::Json<TodoBulkUpdated>> {
    let (ids, changes) = body.into_parts();
    let (db, totals) = (&state.db, &state.list_totals);
    let updated = todos::update_many(db, totals, auth.id, &ids, changes, &client.0).await?;
    Ok(web::Json(TodoBulkUpdated { updated }))
}

/// Delete todos in bulk
///
/// Deletes 1–1000 of the caller's todos in one transaction, all or
/// nothing: a soft delete (restorable; each gets a new version), or with
/// `permanent: true` for good, soft-deleted or not. Ids that are not the
/// caller's answer `404` keyed by id; a soft delete of todos already
/// soft-deleted answers `409` keyed by id (as for one todo).
#[utoipa::path(
    tag = "todos",
    request_body = TodoBulkDelete,
    responses(
        (status = 200, description = "How many todos were deleted (all of them)", body = TodoBulkDeleted),
        (status = 404, description = "Ids that do not exist or are not the caller's, keyed by id; nothing was deleted", body = Problem, content_type = PROBLEM),
        (status = 409, description = "Soft delete only: todos already soft-deleted, keyed by id; nothing was deleted", body = Problem, content_type = PROBLEM),
        InvalidIds,
    )
)]
#[post("/todos/bulk-delete")]
pub async fn bulk_delete_todos(
    state: web::Data<AppState>,
    auth: Owner,
    client: Client,
    ValidJson(body): ValidJson<TodoBulkDelete>,
) -> ApiResult<web::Json<TodoBulkDeleted>> {
    let TodoBulkDelete { ids, permanent } = body;
    let (db, totals) = (&state.db, &state.list_totals);
    let deleted = todos::delete_many(db, totals, auth.id, &ids, permanent, &client.0).await?;
    Ok(web::Json(TodoBulkDeleted { deleted }))
}

/// Restore todos in bulk
///
/// Restores 1–1000 of the caller's soft-deleted todos in one transaction,
/// all or nothing; each gets a new version. Live todos among the ids are
/// left as they are and not counted (restoring one live todo answers it
/// unchanged too). Ids that are not the caller's answer `404` keyed by id.
#[utoipa::path(
    tag = "todos",
    request_body = TodoBulkRestore,
    responses(
        (status = 200, description = "How many soft-deleted todos were restored", body = TodoBulkRestored),
        (status = 404, description = "Ids that do not exist or are not the caller's, keyed by id; nothing was restored", body = Problem, content_type = PROBLEM),
        InvalidIds,
    )
)]
#[post("/todos/bulk-restore")]
pub async fn bulk_restore_todos(
    state: web::Data<AppState>,
    auth: Owner,
    client: Client,
    ValidJson(body): ValidJson<TodoBulkRestore>,
) -> ApiResult<web::Json<TodoBulkRestored>> {
    let (db, totals) = (&state.db, &state.list_totals);
    let restored = todos::restore_many(db, totals, auth.id, &body.ids, &client.0).await?;
    Ok(web::Json(TodoBulkRestored { restored }))
}
