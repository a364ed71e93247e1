//! `/users`: the caller's own profile, and the admin's user management.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use service::accounts::{self, Account, ProfileChanges};
use service::users::{self, AdminChanges};
use utoipa::IntoResponses;
use uuid::Uuid;

use crate::auth::{AdminUser, AuthUser, Client, PasswordAttempt};
use crate::conditional::{IfMatch, tagged, versioned_ok};
use crate::dto::users::{
    AdminUserUpdate, DeleteAccountRequest, DeleteBody, DeleteQuery, IfMatchChange, IfMatchDelete,
    IfMatchFailed, InvalidFields, InvalidQuery, NotAdmin, NotModified, UserListQuery, UserOut,
    UserUpdateMe,
};
use crate::error::{ApiResult, Problem};
use crate::extract::{OptionalJson, ValidJson, ValidQuery};
use crate::pagination::Page;
use crate::routes::auth::TooManyPasswordAttempts;
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// The answer of an admin operation on a user that does not exist.
#[derive(Debug, IntoResponses)]
#[response(status = 404, description = "No such user", content_type = PROBLEM)]
pub struct NoSuchUser(pub Problem);

/// `account` as a `200` with its `ETag`: what a change of a user answers.
fn changed(account: Account) -> HttpResponse {
    let user = UserOut::from(account);
    tagged(HttpResponse::Ok(), user.version, &user)
}

/// `account` as a read answers it: `304` while `If-None-Match` holds.
fn read(req: &HttpRequest, account: Account) -> HttpResponse {
    let user = UserOut::from(account);
    versioned_ok(req, user.version, &user)
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
        NotModified,
    )
)]
#[get("/users/me")]
pub async fn get_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
) -> ApiResult<HttpResponse> {
    Ok(read(&req, accounts::get_active(&state.db, auth.id).await?))
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
    params(IfMatchChange),
    responses(
        (status = 200, description = "The updated caller", body = UserOut),
        (status = 409, description = "Username taken, or a stale `version`", body = Problem, content_type = PROBLEM),
        IfMatchFailed,
        InvalidFields,
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
        expected: if_match.expectations(body.version),
        username: body.username,
        full_name: body.full_name,
        bio: body.bio,
        preferences: body.preferences.map(Into::into).unwrap_or_default(),
    };
    let account = accounts::update_profile(&state.db, &state.list_totals, auth.id, changes).await?;
    Ok(changed(account))
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
        TooManyPasswordAttempts,
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
        NotAdmin,
        InvalidQuery,
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: AdminUser,
    ValidQuery(query): ValidQuery<UserListQuery>,
) -> ApiResult<web::Json<Page<UserOut>>> {
    let (filter, page) = query.into_parts();
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
        NotModified,
        NotAdmin,
        NoSuchUser,
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: AdminUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    Ok(read(&req, users::get(&state.db, id.into_inner()).await?))
}

/// Update a user
///
/// Admins only. Changes a user's status or admin role. A status other than
/// `active` ends the user's sessions at once. Admins cannot suspend or demote
/// themselves (`409`). Accepts `If-Match` or a body `version`.
#[utoipa::path(
    tag = "admin",
    request_body = AdminUserUpdate,
    params(("id" = Uuid, Path, description = "User id"), IfMatchChange),
    responses(
        (status = 200, description = "The updated user", body = UserOut),
        NotAdmin,
        NoSuchUser,
        (status = 409, description = "Stale `version`, or a change to one's own account", body = Problem, content_type = PROBLEM),
        IfMatchFailed,
        InvalidFields,
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
        expected: if_match.expectations(body.version),
    };
    let account = users::update(&state.db, admin.0.id, id.into_inner(), changes, &client.0).await?;
    Ok(changed(account))
}

/// Delete a user
///
/// Admins only. A soft delete (sessions end at once; restorable), or with
/// `?permanent=true` the user and everything they own. Accepts `If-Match` or
/// a body `version`.
#[utoipa::path(
    tag = "admin",
    request_body(content = Option<DeleteBody>, description = DeleteBody::DESCRIPTION),
    params(("id" = Uuid, Path, description = "User id"), DeleteQuery, IfMatchDelete),
    responses(
        (status = 204, description = "Deleted"),
        NotAdmin,
        NoSuchUser,
        (status = 409, description = "One's own account, or a stale body `version`", body = Problem, content_type = PROBLEM),
        IfMatchFailed,
        InvalidQuery,
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
    let expected = if_match.expectations(DeleteBody::version_of(body));
    users::delete(
        &state.db,
        &state.list_totals,
        admin.0.id,
        id.into_inner(),
        &expected,
        query.is_permanent(),
        &client.0,
    )
    .await?;
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
        NotAdmin,
        NoSuchUser,
    )
)]
#[post("/users/{id}/restore")]
pub async fn restore_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    client: Client,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let account = users::restore(&state.db, &state.list_totals, admin.0.id, id, &client.0).await?;
    Ok(changed(account))
}
