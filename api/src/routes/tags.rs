//! `/tags`: the caller's tags: list, create, rename, delete, merge.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use service::tags;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::dto::tags::{TagMerge, TagName, TagOut};
use crate::error::{ApiResult, Problem};
use crate::extract::{ValidJson, ValidQuery};
use crate::pagination::{DEFAULT_PAGE_SIZE, Page, PageParams};
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// Lists the caller's tags by name, each with its live todo count.
#[utoipa::path(
    tag = "tags",
    security(("bearer_auth" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of tags", body = Page<TagOut>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/tags")]
pub async fn list_tags(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    ValidQuery(query): ValidQuery<PageParams>,
) -> ApiResult<web::Json<Page<TagOut>>> {
    let page = query.request(DEFAULT_PAGE_SIZE);
    let paged = tags::list(&state.db, auth.id, page).await?;
    Ok(web::Json(Page::new(&req, page, paged, TagOut::from)))
}

/// Creates a tag.
#[utoipa::path(
    tag = "tags",
    security(("bearer_auth" = [])),
    request_body = TagName,
    responses(
        (status = 201, description = "The new tag", body = TagOut),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 409, description = "The caller has a tag of that name (in any case)", body = Problem, content_type = PROBLEM),
        (status = 413, description = "Body too large", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    auth: AuthUser,
    ValidJson(body): ValidJson<TagName>,
) -> ApiResult<HttpResponse> {
    let view = tags::create(&state.db, auth.id, &body.name).await?;
    Ok(HttpResponse::Created().json(TagOut::from(view)))
}

/// Merges tags into one: every todo carrying a source carries the target
/// (once), and the sources are removed; all in one transaction.
#[utoipa::path(
    tag = "tags",
    security(("bearer_auth" = [])),
    request_body = TagMerge,
    responses(
        (status = 200, description = "The target tag, with its new todo count", body = TagOut),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "A source or the target is not one of the caller's tags", body = Problem, content_type = PROBLEM),
        (status = 413, description = "Body too large", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields (no sources, or the target among them)", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/tags/merge")]
pub async fn merge_tags(
    state: web::Data<AppState>,
    auth: AuthUser,
    ValidJson(body): ValidJson<TagMerge>,
) -> ApiResult<web::Json<TagOut>> {
    let view = tags::merge(&state.db, auth.id, &body.source_ids, body.target_id).await?;
    Ok(web::Json(view.into()))
}

/// Renames a tag; the todos carrying it show the new name (and get a new version).
#[utoipa::path(
    tag = "tags",
    security(("bearer_auth" = [])),
    request_body = TagName,
    params(("id" = Uuid, Path, description = "Tag id")),
    responses(
        (status = 200, description = "The renamed tag", body = TagOut),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such tag of the caller's", body = Problem, content_type = PROBLEM),
        (status = 409, description = "The caller has another tag of that name", body = Problem, content_type = PROBLEM),
        (status = 413, description = "Body too large", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[patch("/tags/{id}")]
pub async fn rename_tag(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    ValidJson(body): ValidJson<TagName>,
) -> ApiResult<web::Json<TagOut>> {
    let view = tags::rename(&state.db, auth.id, id.into_inner(), &body.name).await?;
    Ok(web::Json(view.into()))
}

/// Deletes a tag: it leaves every todo it was on.
#[utoipa::path(
    tag = "tags",
    security(("bearer_auth" = [])),
    params(("id" = Uuid, Path, description = "Tag id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such tag of the caller's", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[delete("/tags/{id}")]
pub async fn delete_tag(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    tags::delete(&state.db, auth.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
