//! `/tags`: the caller's tags: list, create, rename, delete, merge.

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use service::tags::{self, TagView};
use utoipa::IntoResponses;
use uuid::Uuid;

use crate::auth::Owner;
use crate::dto::tags::{TagMerge, TagName, TagOut};
use crate::dto::users::{InvalidFields, InvalidQuery};
use crate::error::{ApiResult, Problem};
use crate::extract::{ValidJson, ValidQuery};
use crate::idempotency::{self, Idempotent};
use crate::pagination::{DEFAULT_PAGE_SIZE, Page, PageParams};
use crate::routes::API_PREFIX;
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// The answer of an operation on a tag the caller does not have.
#[derive(Debug, IntoResponses)]
#[response(status = 404, description = "No such tag of the caller's", content_type = PROBLEM)]
pub struct NoSuchTag(pub Problem);

/// List tags
///
/// The caller's tags ordered by name, each with its live todo count (soft-
/// deleted todos are not counted), paged by `page` and `size`.
#[utoipa::path(
    tag = "tags",
    params(PageParams),
    responses(
        (status = 200, description = "A page of tags", body = Page<TagOut>),
        InvalidQuery,
    )
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Owner,
    ValidQuery(query): ValidQuery<PageParams>,
) -> ApiResult<web::Json<Page<TagOut>>> {
    let page = query.request(DEFAULT_PAGE_SIZE);
    let paged = (state.reads)
        .run(
            auth.id,
            |db| async move { tags::list(&db, auth.id, page).await },
        )
        .await?;
    Ok(web::Json(Page::new(&req, page, paged, TagOut::from)))
}

/// Create a tag
///
/// Creates a tag and answers it with `Location` (the path of its `PATCH` and
/// `DELETE`). Names are unique per user, compared without regard to case
/// (`409` with `errors.name`).
#[utoipa::path(
    tag = "tags",
    request_body = TagName,
    responses(
        (status = 201, description = "The new tag", body = TagOut, headers(("Location" = String, description = "`/api/v1/tags/{id}`"))),
        (status = 409, description = "The caller has a tag of that name (in any case)", body = Problem, content_type = PROBLEM),
        InvalidFields,
    )
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    auth: Owner,
    Idempotent { body, key }: Idempotent<TagName>,
) -> ApiResult<HttpResponse> {
    let user_id = auth.id;
    let Some(key) = key else {
        let view = tags::create(&state.db, user_id, &body.name).await?;
        return Ok(created_tag(view));
    };
    idempotency::respond(&state, user_id, key, async move |txn, changes| {
        let view = tags::create_in(txn, user_id, &body.name, changes).await?;
        Ok(created_tag(view))
    })
    .await
}

/// The answer to a create: `201` with the tag and its `Location`.
fn created_tag(view: TagView) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((LOCATION, format!("{API_PREFIX}/tags/{}", view.tag.id)))
        .json(TagOut::from(view))
}

/// Merge tags
///
/// Merges tags into one: every todo carrying a source carries the target
/// (once), the sources are removed, and every todo that changed gets a new
/// version; all in one transaction.
#[utoipa::path(
    tag = "tags",
    request_body = TagMerge,
    responses(
        (status = 200, description = "The target tag, with its new todo count", body = TagOut),
        (status = 404, description = "A source or the target is not one of the caller's tags", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields (no sources, or the target among them)", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/tags/merge")]
pub async fn merge_tags(
    state: web::Data<AppState>,
    auth: Owner,
    ValidJson(body): ValidJson<TagMerge>,
) -> ApiResult<web::Json<TagOut>> {
    let view = tags::merge(
        &state.db,
        &state.list_totals,
        auth.id,
        &body.source_ids,
        body.target_id,
    )
    .await?;
    Ok(web::Json(view.into()))
}

/// Rename a tag
///
/// Renames a tag; the todos carrying it show the new name and get a new
/// version. A name another of the caller's tags has is `409` with
/// `errors.name`.
#[utoipa::path(
    tag = "tags",
    request_body = TagName,
    params(("id" = Uuid, Path, description = "Tag id")),
    responses(
        (status = 200, description = "The renamed tag", body = TagOut),
        NoSuchTag,
        (status = 409, description = "The caller has another tag of that name", body = Problem, content_type = PROBLEM),
        InvalidFields,
    )
)]
#[patch("/tags/{id}")]
pub async fn rename_tag(
    state: web::Data<AppState>,
    auth: Owner,
    id: web::Path<Uuid>,
    ValidJson(body): ValidJson<TagName>,
) -> ApiResult<web::Json<TagOut>> {
    let view = tags::rename(
        &state.db,
        &state.list_totals,
        auth.id,
        id.into_inner(),
        &body.name,
    )
    .await?;
    Ok(web::Json(view.into()))
}

/// Delete a tag
///
/// Deletes a tag: it leaves every todo it was on, and each of those todos
/// gets a new version.
#[utoipa::path(
    tag = "tags",
    params(("id" = Uuid, Path, description = "Tag id")),
    responses(
        (status = 204, description = "Deleted"),
        NoSuchTag,
    )
)]
#[delete("/tags/{id}")]
pub async fn delete_tag(
    state: web::Data<AppState>,
    auth: Owner,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    tags::delete(&state.db, &state.list_totals, auth.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
