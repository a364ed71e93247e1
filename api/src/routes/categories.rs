//! `/categories`: the caller's categories, versioned like todos.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use service::categories::{self, CategoryChanges, NewCategory};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::conditional::{IfMatch, versioned_ok, with_etag};
use crate::dto::categories::{CategoryCreate, CategoryOut, CategoryUpdate};
use crate::error::{ApiResult, Problem};
use crate::extract::{ValidJson, ValidQuery};
use crate::pagination::{DEFAULT_PAGE_SIZE, Page, PageParams};
use crate::routes::responses::PROBLEM;
use crate::routes::todos::expectations;
use crate::state::AppState;

/// Lists the caller's categories by name, each with its live todo count.
#[utoipa::path(
    tag = "categories",
    security(("bearer_auth" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of categories", body = Page<CategoryOut>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/categories")]
pub async fn list_categories(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    ValidQuery(query): ValidQuery<PageParams>,
) -> ApiResult<web::Json<Page<CategoryOut>>> {
    let page = query.request(DEFAULT_PAGE_SIZE);
    let paged = categories::list(&state.db, auth.id, page).await?;
    Ok(web::Json(Page::new(&req, page, paged, CategoryOut::from)))
}

/// Creates a category.
#[utoipa::path(
    tag = "categories",
    security(("bearer_auth" = [])),
    request_body = CategoryCreate,
    responses(
        (status = 201, description = "The new category", body = CategoryOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 409, description = "The caller has a category of that name (in any case)", body = Problem, content_type = PROBLEM),
        (status = 413, description = "Body too large", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    auth: AuthUser,
    ValidJson(body): ValidJson<CategoryCreate>,
) -> ApiResult<HttpResponse> {
    let new = NewCategory {
        name: body.name,
        color: body.color,
    };
    let view = categories::create(&state.db, auth.id, new).await?;
    let version = view.category.version;
    Ok(with_etag(HttpResponse::Created(), version).json(CategoryOut::from(view)))
}

/// One of the caller's categories, with an `ETag`.
#[utoipa::path(
    tag = "categories",
    security(("bearer_auth" = [])),
    params(("id" = Uuid, Path, description = "Category id")),
    responses(
        (status = 200, description = "The category", body = CategoryOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such category of the caller's", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/categories/{id}")]
pub async fn get_category(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let view = categories::get(&state.db, auth.id, id.into_inner()).await?;
    let version = view.category.version;
    Ok(versioned_ok(&req, version, &CategoryOut::from(view)))
}

/// Renames or recolours a category (`color: null` clears it). The todos in
/// it show the new name or colour, so their versions rise too.
#[utoipa::path(
    tag = "categories",
    security(("bearer_auth" = [])),
    request_body = CategoryUpdate,
    params(
        ("id" = Uuid, Path, description = "Category id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on"),
    ),
    responses(
        (status = 200, description = "The changed category", body = CategoryOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such category of the caller's", body = Problem, content_type = PROBLEM),
        (status = 409, description = "The name is taken, or a stale `version`", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 413, description = "Body too large", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[patch("/categories/{id}")]
pub async fn update_category(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(body): ValidJson<CategoryUpdate>,
) -> ApiResult<HttpResponse> {
    let changes = CategoryChanges {
        expected: expectations(&if_match, body.version),
        name: body.name,
        color: body.color,
    };
    let view = categories::update(&state.db, auth.id, id.into_inner(), changes).await?;
    let version = view.category.version;
    Ok(with_etag(HttpResponse::Ok(), version).json(CategoryOut::from(view)))
}

/// Deletes a category. Its todos stay, with `category: null` and a new version.
#[utoipa::path(
    tag = "categories",
    security(("bearer_auth" = [])),
    params(
        ("id" = Uuid, Path, description = "Category id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the delete is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such category of the caller's", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[delete("/categories/{id}")]
pub async fn delete_category(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = expectations(&if_match, None);
    categories::delete(&state.db, auth.id, id.into_inner(), &expected).await?;
    Ok(HttpResponse::NoContent().finish())
}
