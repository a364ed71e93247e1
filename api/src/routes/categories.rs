//! `/categories`: the caller's categories, versioned like todos.

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use service::categories::{self, CategoryChanges, CategoryView, NewCategory};
use utoipa::IntoResponses;
use uuid::Uuid;

use crate::auth::Owner;
use crate::conditional::{IfMatch, tagged, versioned_ok};
use crate::dto::categories::{CategoryCreate, CategoryOut, CategoryUpdate};
use crate::dto::users::{
    DeleteBody, IfMatchChange, IfMatchDelete, IfMatchFailed, InvalidFields, InvalidQuery,
    NotModified,
};
use crate::error::{ApiResult, Problem};
use crate::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::idempotency::{self, Idempotent};
use crate::pagination::{DEFAULT_PAGE_SIZE, Page, PageParams};
use crate::routes::API_PREFIX;
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// The answer of an operation on a category the caller does not have.
#[derive(Debug, IntoResponses)]
#[response(status = 404, description = "No such category of the caller's", content_type = PROBLEM)]
pub struct NoSuchCategory(pub Problem);

/// List categories
///
/// The caller's categories ordered by name, each with its live todo count
/// (soft-deleted todos are not counted), paged by `page` and `size`.
#[utoipa::path(
    tag = "categories",
    params(PageParams),
    responses(
        (status = 200, description = "A page of categories", body = Page<CategoryOut>),
        InvalidQuery,
    )
)]
#[get("/categories")]
pub async fn list_categories(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Owner,
    ValidQuery(query): ValidQuery<PageParams>,
) -> ApiResult<web::Json<Page<CategoryOut>>> {
    let page = query.request(DEFAULT_PAGE_SIZE);
    let paged = (state.reads)
        .run(auth.id, |db| async move {
            categories::list(&db, auth.id, page).await
        })
        .await?;
    Ok(web::Json(Page::new(&req, page, paged, CategoryOut::from)))
}

/// Create a category
///
/// Creates a category and answers it with its `ETag` and `Location`. Names
/// are unique per user, compared without regard to case (`409` with
/// `errors.name`).
#[utoipa::path(
    tag = "categories",
    request_body = CategoryCreate,
    responses(
        (status = 201, description = "The new category", body = CategoryOut, headers(("ETag" = String, description = "W/\"<version>-<hash>\""), ("Location" = String, description = "`/api/v1/categories/{id}`"))),
        (status = 409, description = "The caller has a category of that name (in any case)", body = Problem, content_type = PROBLEM),
        InvalidFields,
    )
)]
#[post("/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    auth: Owner,
    Idempotent { body, key }: Idempotent<CategoryCreate>,
) -> ApiResult<HttpResponse> {
    let user_id = auth.id;
    let new = NewCategory {
        name: body.name,
        color: body.color,
    };
    let Some(key) = key else {
        let view = categories::create(&state.db, user_id, new).await?;
        return Ok(created_category(view));
    };
    idempotency::respond(&state, user_id, key, async move |txn, changes| {
        let view = categories::create_in(txn, user_id, new, changes).await?;
        Ok(created_category(view))
    })
    .await
}

/// The answer to a create: `201` with the category, its `ETag` and `Location`.
fn created_category(view: CategoryView) -> HttpResponse {
    let category = CategoryOut::from(view);
    let mut created = HttpResponse::Created();
    created.insert_header((LOCATION, format!("{API_PREFIX}/categories/{}", category.id)));
    tagged(created, category.version, &category)
}

/// Get a category
///
/// One of the caller's categories with its live todo count. The `ETag`
/// changes whenever the answer does (the count included); send it back in
/// `If-None-Match` to get `304` while nothing changed.
#[utoipa::path(
    tag = "categories",
    params(("id" = Uuid, Path, description = "Category id")),
    responses(
        (status = 200, description = "The category", body = CategoryOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        NotModified,
        NoSuchCategory,
    )
)]
#[get("/categories/{id}")]
pub async fn get_category(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Owner,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let category = (state.reads)
        .run(auth.id, |db| async move {
            categories::get(&db, auth.id, id).await
        })
        .await?;
    let category = CategoryOut::from(category);
    Ok(versioned_ok(&req, category.version, &category))
}

/// Update a category
///
/// Renames or recolours a category (`color: null` clears it). The todos in
/// it show the new name or colour, so their versions rise too. Send the
/// `version` you read (body, `409` when stale) or its `ETag` (`If-Match`,
/// `412` when stale) so that no change is lost.
#[utoipa::path(
    tag = "categories",
    request_body = CategoryUpdate,
    params(("id" = Uuid, Path, description = "Category id"), IfMatchChange),
    responses(
        (status = 200, description = "The changed category", body = CategoryOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        NoSuchCategory,
        (status = 409, description = "The name is taken, or a stale `version`", body = Problem, content_type = PROBLEM),
        IfMatchFailed,
        InvalidFields,
    )
)]
#[patch("/categories/{id}")]
pub async fn update_category(
    state: web::Data<AppState>,
    auth: Owner,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(body): ValidJson<CategoryUpdate>,
) -> ApiResult<HttpResponse> {
    let changes = CategoryChanges {
        expected: if_match.expectations(body.version),
        name: body.name,
        color: body.color,
    };
    let view = categories::update(&state.db, auth.id, id.into_inner(), changes).await?;
    let category = CategoryOut::from(view);
    Ok(tagged(HttpResponse::Ok(), category.version, &category))
}

/// Delete a category
///
/// Deletes a category. Its todos stay, with `category: null` and a new
/// version. Accepts `If-Match` or a body `version`, as an update does.
#[utoipa::path(
    tag = "categories",
    request_body(content = Option<DeleteBody>, description = DeleteBody::DESCRIPTION),
    params(("id" = Uuid, Path, description = "Category id"), IfMatchDelete),
    responses(
        (status = 204, description = "Deleted"),
        NoSuchCategory,
        (status = 409, description = "A stale body `version`", body = Problem, content_type = PROBLEM),
        IfMatchFailed,
    )
)]
#[delete("/categories/{id}")]
pub async fn delete_category(
    state: web::Data<AppState>,
    auth: Owner,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    OptionalJson(body): OptionalJson<DeleteBody>,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expectations(DeleteBody::version_of(body));
    categories::delete(
        &state.db,
        &state.list_totals,
        auth.id,
        id.into_inner(),
        &expected,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
