//! `/auth`: registration, login, token refresh, logout, password change, sessions.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, delete, get, post, web};
use entity::user;
use service::accounts::{self, NewAccount};
use service::sessions;
use utoipa::IntoResponses;
use uuid::Uuid;

use crate::auth::{AuthAttempt, AuthUser, Client, PasswordAttempt};
use crate::conditional::tagged;
use crate::dto::auth::{
    ChangePasswordRequest, LoginRequest, RefreshRequest, RegisterRequest, SessionOut, TokenPair,
    TokenType,
};
use crate::dto::users::{InvalidFields, UserOut};
use crate::error::{ApiResult, Problem};
use crate::extract::ValidJson;
use crate::routes::API_PREFIX;
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// The answer of a login or registration attempt past the per-IP limit.
#[derive(Debug, IntoResponses)]
#[response(status = 429, description = "Too many attempts from this IP", content_type = PROBLEM)]
pub struct TooManyAttempts(pub Problem);

/// The answer of an operation that checks the account's password, past
/// the per-account or per-IP limit of attempts.
#[derive(Debug, IntoResponses)]
#[response(
    status = 429,
    description = "Too many password attempts for this account or from this IP",
    content_type = PROBLEM
)]
pub struct TooManyPasswordAttempts(pub Problem);

/// The token pair of a session just started (a login) or rotated (a refresh).
fn token_pair(
    state: &AppState,
    (user, issued): (user::Model, sessions::Issued),
) -> ApiResult<web::Json<TokenPair>> {
    Ok(web::Json(TokenPair {
        access_token: state.jwt.issue(user.id, issued.session.id, user.is_admin)?,
        refresh_token: issued.refresh_token,
        token_type: TokenType::Bearer,
        expires_in: state.jwt.ttl().as_secs(),
    }))
}

/// Register an account
///
/// Creates an account, mails it a verification link (valid 48 hours; see
/// `POST /auth/verify-email`), and answers it with
/// `Location: /api/v1/users/me`. The
/// e-mail address is stored lower-case; e-mail and username must be free
/// (`409` with `errors.email` or `errors.username`). Rate limited per client
/// IP together with login (`429` with `Retry-After`).
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The new account", body = UserOut, headers(("ETag" = String, description = "The entity tag of the new account"), ("Location" = String, description = "`/api/v1/users/me`"))),
        (status = 409, description = "E-mail or username taken", body = Problem, content_type = PROBLEM),
        InvalidFields,
        TooManyAttempts,
    )
)]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    _: AuthAttempt,
    client: Client,
    ValidJson(body): ValidJson<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let account = accounts::register(
        &state.db,
        &state.passwords,
        &state.config.accounts,
        NewAccount {
            email: body.email,
            username: body.username,
            password: body.password,
            full_name: body.full_name,
            is_admin: false,
        },
        &client.0,
    )
    .await?;
    let user = UserOut::from(account);
    let mut created = HttpResponse::Created();
    created.insert_header((LOCATION, format!("{API_PREFIX}/users/me")));
    Ok(tagged(created, user.version, &user))
}

/// Log in
///
/// Exchanges credentials (e-mail or username, and password) for a token pair:
/// a short-lived JWT access token for `Authorization: Bearer` and a refresh
/// token that starts a session. Wrong credentials and unknown accounts take
/// the same time and answer the same `401`. Rate limited per client IP
/// (`429` with `Retry-After`).
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPair),
        (status = 401, description = "Wrong credentials, or an inactive or deleted account", body = Problem, content_type = PROBLEM),
        (status = 403, description = "The account is suspended (`forbidden`), or its address is not verified while `REQUIRE_VERIFIED_EMAIL` is on (`email_not_verified`)", body = Problem, content_type = PROBLEM),
        InvalidFields,
        TooManyAttempts,
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    _: AuthAttempt,
    client: Client,
    ValidJson(body): ValidJson<LoginRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    let session = accounts::login(
        &state.db,
        &state.passwords,
        &state.config.accounts,
        &body.email,
        body.password,
        state.refresh_ttl(),
        &client.0,
    )
    .await?;
    token_pair(&state, session)
}

/// Refresh a token pair
///
/// Exchanges a refresh token for a new pair; the presented token is revoked.
/// Presenting an already-used token revokes every session of its login chain
/// (a stolen token can be used at most once).
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "Unknown, expired, revoked or reused token, or the account is not active", body = Problem, content_type = PROBLEM),
        InvalidFields,
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    client: Client,
    ValidJson(body): ValidJson<RefreshRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    let ttl = state.refresh_ttl();
    let session = sessions::rotate(&state.db, &body.refresh_token, ttl, &client.0).await?;
    token_pair(&state, session)
}

/// Log out
///
/// Revokes the session of a refresh token. Idempotent: an unknown or already
/// revoked token also answers `204`.
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The session is revoked"),
        InvalidFields,
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    client: Client,
    ValidJson(body): ValidJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    sessions::logout(&state.db, &body.refresh_token, &client.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the password
///
/// Changes the caller's password after checking the current one; every other
/// session of the caller is revoked, the calling one stays. Every attempt
/// counts against a per-account and per-IP limit (`429` with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; other sessions revoked"),
        (status = 422, description = "Invalid fields, or a wrong `current_password`", body = Problem, content_type = PROBLEM),
        TooManyPasswordAttempts,
    )
)]
#[post("/auth/change-password")]
pub async fn change_password(
    state: web::Data<AppState>,
    PasswordAttempt(auth): PasswordAttempt,
    client: Client,
    ValidJson(body): ValidJson<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    accounts::change_password(
        &state.db,
        &state.passwords,
        auth.id,
        auth.session_id,
        body.current_password,
        body.new_password,
        &client.0,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List sessions
///
/// The caller's live sessions (active refresh tokens), newest first, as a bare
/// array; `current` marks the session of the calling access token.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "Live sessions", body = [SessionOut]),
    )
)]
#[get("/auth/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> ApiResult<web::Json<Vec<SessionOut>>> {
    let list = sessions::list_active(&state.db, auth.id).await?;
    Ok(web::Json(
        list.into_iter()
            .map(|s| SessionOut::new(s, auth.session_id))
            .collect(),
    ))
}

/// Revoke a session
///
/// Revokes one of the caller's sessions: its refresh token stops working at
/// once. Another user's session answers `404`, as a missing one does.
#[utoipa::path(
    tag = "auth",
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such live session of the caller", body = Problem, content_type = PROBLEM),
    )
)]
#[delete("/auth/sessions/{id}")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    sessions::revoke(&state.db, auth.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke every session
///
/// Revokes every session of the caller, the calling one included: every
/// refresh token of the account stops working (log out everywhere).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "All revoked"),
    )
)]
#[delete("/auth/sessions")]
pub async fn revoke_all_sessions(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> ApiResult<HttpResponse> {
    sessions::revoke_everywhere(&state.db, auth.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
