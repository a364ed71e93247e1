//! `/users`: the caller's own profile, and the admin's user management.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use service::accounts::{self, ProfileChanges};
use service::users::{self, AdminChanges, SortKey};
use service::version::Expected;
use uuid::Uuid;

use crate::auth::{AdminUser, AuthUser, Client, PasswordAttempt};
use crate::conditional::{IfMatch, tagged, versioned_ok};
use crate::dto::users::{
    AdminUserUpdate, DeleteAccountRequest, DeleteBody, DeleteQuery, UserListQuery, UserOut,
    UserSortKey, UserUpdateMe,
};
use crate::error::{ApiResult, Problem};
use crate::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::pagination::{DEFAULT_PAGE_SIZE, Page, PageParams};
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

fn expectations(if_match: &IfMatch, body_version: Option<i32>) -> Vec<Expected> {
    if_match
        .expected()
        .into_iter()
        .chain(body_version.map(Expected::Body))
        .collect()
}

/// Get my profile
///
/// The caller's profile and preferences. The `ETag` changes whenever the
/// answer does (preferences included); send it back in `If-None-Match` to
/// get `304` while nothing changed.
#[utoipa::path(
    tag = "users",
    responses(
        (status = 200, description = "The caller", body = UserOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
    )
)]
#[get("/users/me")]
pub async fn get_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
) -> ApiResult<HttpResponse> {
    let account = accounts::get_active(&state.db, auth.id).await?;
    let version = account.user.version;
    Ok(versioned_ok(&req, version, &UserOut::from(account)))
}

/// Update my profile
///
/// Changes the caller's profile: absent fields are kept, `null` clears
/// `full_name` or `bio`, and `preferences` merge key by key. A username
/// another account has is `409` with `errors.username`. Accepts `If-Match`
/// or a body `version`.
#[utoipa::path(
    tag = "users",
    request_body = UserUpdateMe,
    params(("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses(
        (status = 200, description = "The updated caller", body = UserOut),
        (status = 409, description = "Username taken, or a stale `version`", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields", body = Problem, content_type = PROBLEM),
    )
)]
#[patch("/users/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: AuthUser,
    if_match: IfMatch,
    ValidJson(body): ValidJson<UserUpdateMe>,
) -> ApiResult<HttpResponse> {
    let changes = ProfileChanges {
        expected: expectations(&if_match, body.version),
        username: body.username,
        full_name: body.full_name,
        bio: body.bio,
        preferences: body.preferences.map(Into::into).unwrap_or_default(),
    };
    let account = accounts::update_profile(&state.db, &state.list_totals, auth.id, changes).await?;
    let version = account.user.version;
    Ok(tagged(HttpResponse::Ok(), version, &UserOut::from(account)))
}

/// Delete my account
///
/// Deletes the caller's account after checking the password (soft delete):
/// every session ends at once, and the data is kept for an admin to
/// restore. Every attempt counts against a per-account and per-IP limit.
#[utoipa::path(
    tag = "users",
    request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "Deleted"),
        (status = 422, description = "Wrong `password`", body = Problem, content_type = PROBLEM),
        (status = 429, description = "Too many password attempts for this account or from this IP", body = Problem, content_type = PROBLEM),
    )
)]
#[delete("/users/me")]
pub async fn delete_me(
    state: web::Data<AppState>,
    PasswordAttempt(auth): PasswordAttempt,
    client: Client,
    ValidJson(body): ValidJson<DeleteAccountRequest>,
) -> ApiResult<HttpResponse> {
    accounts::delete_own(
        &state.db,
        &state.passwords,
        &state.list_totals,
        auth.id,
        body.password,
        &client.0,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List users
///
/// Admins only. Every account, with filters (status, admin role, creation
/// time, deleted ones), a search, a sort, and pagination.
#[utoipa::path(
    tag = "admin",
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<UserOut>),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: AdminUser,
    ValidQuery(query): ValidQuery<UserListQuery>,
) -> ApiResult<web::Json<Page<UserOut>>> {
    let filter = users::Filter {
        search: query.search,
        status: query.status.map(Into::into),
        is_admin: query.is_admin,
        created_after: query.created_after,
        created_before: query.created_before,
        include_deleted: query.include_deleted.unwrap_or(false),
        sort_by: match query.sort_by.unwrap_or_default() {
            UserSortKey::CreatedAt => SortKey::CreatedAt,
            UserSortKey::Email => SortKey::Email,
            UserSortKey::Username => SortKey::Username,
        },
        descending: query.sort_order.unwrap_or_default().is_desc(),
    };
    let page = PageParams {
        page: query.page,
        size: query.size,
    }
    .request(DEFAULT_PAGE_SIZE);
    let paged = users::list(&state.db, &filter, page).await?;
    Ok(web::Json(Page::new(&req, page, paged, UserOut::from)))
}

/// Get a user
///
/// Admins only. One account, deleted or not, with its preferences and an
/// `ETag`.
#[utoipa::path(
    tag = "admin",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserOut),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such user", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: AdminUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let account = users::get(&state.db, id.into_inner()).await?;
    let version = account.user.version;
    Ok(versioned_ok(&req, version, &UserOut::from(account)))
}

/// Update a user
///
/// Admins only. Changes a user's status or admin role. A status other than
/// `active` ends the user's sessions at once. Admins cannot suspend or demote
/// themselves (`409`). Accepts `If-Match` or a body `version`.
#[utoipa::path(
    tag = "admin",
    request_body = AdminUserUpdate,
    params(
        ("id" = Uuid, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on"),
    ),
    responses(
        (status = 200, description = "The updated user", body = UserOut),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such user", body = Problem, content_type = PROBLEM),
        (status = 409, description = "Stale `version`, or a change to one's own account", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields", body = Problem, content_type = PROBLEM),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    client: Client,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidJson(body): ValidJson<AdminUserUpdate>,
) -> ApiResult<HttpResponse> {
    let changes = AdminChanges {
        status: body.status.map(Into::into),
        is_admin: body.is_admin,
        expected: expectations(&if_match, body.version),
    };
    let account = users::update(&state.db, admin.0.id, id.into_inner(), changes, &client.0).await?;
    let version = account.user.version;
    Ok(tagged(HttpResponse::Ok(), version, &UserOut::from(account)))
}

/// Delete a user
///
/// Admins only. A soft delete (sessions end at once; restorable), or with
/// `?permanent=true` the user and everything they own. Accepts `If-Match` or
/// a body `version`.
#[utoipa::path(
    tag = "admin",
    request_body(content = Option<DeleteBody>, description = "Optional: the `version` the delete is based on (`409` if stale); no body deletes whatever the version"),
    params(
        ("id" = Uuid, Path, description = "User id"),
        DeleteQuery,
        ("If-Match" = Option<String>, Header, description = "ETag of the version the delete is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such user", body = Problem, content_type = PROBLEM),
        (status = 409, description = "One's own account, or a stale body `version`", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = PROBLEM),
    )
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    client: Client,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    ValidQuery(query): ValidQuery<DeleteQuery>,
    OptionalJson(body): OptionalJson<DeleteBody>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let expected = expectations(&if_match, DeleteBody::version_of(body));
    if query.permanent.unwrap_or(false) {
        users::purge(
            &state.db,
            &state.list_totals,
            admin.0.id,
            id,
            &expected,
            &client.0,
        )
        .await?;
    } else {
        users::soft_delete(
            &state.db,
            &state.list_totals,
            admin.0.id,
            id,
            &expected,
            &client.0,
        )
        .await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Restore a user
///
/// Admins only. Restores a soft-deleted user as `active`, with a new
/// version.
#[utoipa::path(
    tag = "admin",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The restored user", body = UserOut),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such user", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/users/{id}/restore")]
pub async fn restore_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    client: Client,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let account = users::restore(
        &state.db,
        &state.list_totals,
        admin.0.id,
        id.into_inner(),
        &client.0,
    )
    .await?;
    let version = account.user.version;
    Ok(tagged(HttpResponse::Ok(), version, &UserOut::from(account)))
}
