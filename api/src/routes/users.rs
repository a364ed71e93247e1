//! `/users`: the caller's own profile, and the admin's user management.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use service::accounts::{self, ProfileChanges};
use service::passwords;
use service::users::{self, AdminChanges, SortKey};
use service::version::Expected;
use uuid::Uuid;

use crate::auth::{AdminUser, AuthUser, Client, PasswordAttempt};
use crate::conditional::{IfMatch, versioned_ok};
use crate::dto::users::{
    AdminUserUpdate, DeleteAccountRequest, DeleteQuery, UserListQuery, UserOut, UserSortKey,
    UserUpdateMe,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ValidJson, ValidQuery};
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

/// The caller's profile and preferences, with an `ETag`.
#[utoipa::path(
    tag = "users",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The caller", body = UserOut, headers(("ETag" = String, description = "W/\"<version>\""))),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 401, description = "Not authenticated, or the account is gone", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
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

/// Changes the caller's profile; `preferences` merge key by key.
#[utoipa::path(
    tag = "users",
    security(("bearer_auth" = [])),
    request_body = UserUpdateMe,
    params(("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses(
        (status = 200, description = "The updated caller", body = UserOut),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 409, description = "Username taken, or a stale `version`", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[patch("/users/me")]
pub async fn update_me(
    req: HttpRequest,
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
    let account = accounts::update_profile(&state.db, auth.id, changes).await?;
    let version = account.user.version;
    Ok(versioned_ok(&req, version, &UserOut::from(account)))
}

/// Deletes the caller's account (soft delete): its sessions end, its data is
/// kept for an admin to restore.
#[utoipa::path(
    tag = "users",
    security(("bearer_auth" = [])),
    request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Wrong `password`", body = Problem, content_type = PROBLEM),
        (status = 429, description = "Too many password attempts for this account or from this IP", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[delete("/users/me")]
pub async fn delete_me(
    state: web::Data<AppState>,
    PasswordAttempt(auth): PasswordAttempt,
    client: Client,
    ValidJson(body): ValidJson<DeleteAccountRequest>,
) -> ApiResult<HttpResponse> {
    let account = accounts::get_active(&state.db, auth.id).await?;
    let hash = account.user.password_hash;
    let verified_hash = hash.clone();
    let password = body.password;
    if !state
        .password_work(move || passwords::verify(&password, &hash))
        .await?
    {
        return Err(ApiError::invalid_field(
            "password",
            "is not the account's password",
        ));
    }
    accounts::delete_own(&state.db, auth.id, &verified_hash, &client.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lists users (admin), with filters, search, sort and pagination.
#[utoipa::path(
    tag = "admin",
    security(("bearer_auth" = [])),
    params(UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<UserOut>),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
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

/// One user (admin), deleted or not.
#[utoipa::path(
    tag = "admin",
    security(("bearer_auth" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserOut),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such user", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
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

/// Changes a user's status or admin role (admin). A status other than
/// `active` ends the user's sessions. Admins cannot suspend or demote themselves.
#[utoipa::path(
    tag = "admin",
    security(("bearer_auth" = [])),
    request_body = AdminUserUpdate,
    params(
        ("id" = Uuid, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on"),
    ),
    responses(
        (status = 200, description = "The updated user", body = UserOut),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = PROBLEM),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such user", body = Problem, content_type = PROBLEM),
        (status = 409, description = "Stale `version`, or a change to one's own account", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
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
    Ok(versioned_ok(&req, version, &UserOut::from(account)))
}

/// Deletes a user (admin): a soft delete, or with `?permanent=true` the user
/// and everything they own.
#[utoipa::path(
    tag = "admin",
    security(("bearer_auth" = [])),
    params(
        ("id" = Uuid, Path, description = "User id"),
        DeleteQuery,
        ("If-Match" = Option<String>, Header, description = "ETag of the version the delete is based on"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such user", body = Problem, content_type = PROBLEM),
        (status = 409, description = "One's own account", body = Problem, content_type = PROBLEM),
        (status = 412, description = "`If-Match` does not match", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
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
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if query.permanent.unwrap_or(false) {
        users::purge(&state.db, admin.0.id, id, &client.0).await?;
    } else {
        let expected = expectations(&if_match, None);
        users::soft_delete(&state.db, admin.0.id, id, &expected, &client.0).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Restores a soft-deleted user as `active` (admin).
#[utoipa::path(
    tag = "admin",
    security(("bearer_auth" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The restored user", body = UserOut),
        (status = 401, description = "Not authenticated", body = Problem, content_type = PROBLEM),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 404, description = "No such user", body = Problem, content_type = PROBLEM),
        (status = 503, description = "Database unavailable", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/users/{id}/restore")]
pub async fn restore_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: AdminUser,
    client: Client,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let account = users::restore(&state.db, admin.0.id, id.into_inner(), &client.0).await?;
    let version = account.user.version;
    Ok(versioned_ok(&req, version, &UserOut::from(account)))
}
