//! `/api-keys`: the caller's API keys: create, list, rotate, revoke. These
//! routes take a bearer token only: a key cannot mint or revoke keys.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, delete, get, post, web};
use service::api_keys;
use utoipa::IntoResponses;
use uuid::Uuid;

use crate::auth::{AuthUser, Client};
use crate::dto::api_keys::{ApiKeyCreate, ApiKeyIssued, ApiKeyOut};
use crate::dto::users::InvalidFields;
use crate::error::{ApiResult, Problem};
use crate::extract::ValidJson;
use crate::routes::API_PREFIX;
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// The answer of an operation on a key the caller does not have.
#[derive(Debug, IntoResponses)]
#[response(status = 404, description = "No such API key of the caller's", content_type = PROBLEM)]
pub struct NoSuchKey(pub Problem);

/// Create an API key
///
/// Creates a key for scripts and integrations and answers it with
/// `Location`. The answer is the only one that shows the key itself
/// (`key`): store it now. Send it as `X-API-Key: <key>` on the todo,
/// category and tag routes (any other route answers `401` to it); a key
/// with the scopes `["read"]` answers `403` to any write. The owner is
/// told of every new key by mail. At most 20 live (not revoked, not
/// expired) keys per account: one more is `409`.
#[utoipa::path(
    tag = "api-keys",
    request_body = ApiKeyCreate,
    responses(
        (status = 201, description = "The new key, with its secret `key`", body = ApiKeyIssued, headers(("Location" = String, description = "`/api/v1/api-keys/{id}`"))),
        (status = 409, description = "The caller already holds 20 live keys", body = Problem, content_type = PROBLEM),
        InvalidFields,
    )
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    auth: AuthUser,
    client: Client,
    ValidJson(body): ValidJson<ApiKeyCreate>,
) -> ApiResult<HttpResponse> {
    let issued = api_keys::create(&state.db, auth.id, body.into(), &client.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("{API_PREFIX}/api-keys/{}", issued.key.id)))
        .json(ApiKeyIssued::from(issued)))
}

/// List API keys
///
/// The caller's keys, newest first, as a bare array: live ones and those
/// revoked, rotated away or expired (see `revoked_at` and `expires_at`),
/// never the key itself. `last_used_at` is written in batches; the uses
/// this server saw are written before it answers.
#[utoipa::path(
    tag = "api-keys",
    responses(
        (status = 200, description = "The caller's keys", body = [ApiKeyOut]),
    )
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> ApiResult<web::Json<Vec<ApiKeyOut>>> {
    state.api_key_usage.flush_user(&state.db, auth.id).await?;
    let keys = api_keys::list(&state.db, auth.id).await?;
    Ok(web::Json(keys.into_iter().map(ApiKeyOut::from).collect()))
}

/// Rotate an API key
///
/// Replaces a live key by a new one with the same name, scopes and expiry:
/// the old key stops working at once (it stays listed, revoked) and the
/// answer is the new key (a new `id`) with its secret `key`, shown only
/// here. A key already revoked or expired cannot be rotated (`409`).
#[utoipa::path(
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "API key id")),
    responses(
        (status = 200, description = "The new key, with its secret `key`", body = ApiKeyIssued),
        NoSuchKey,
        (status = 409, description = "The key is revoked or expired", body = Problem, content_type = PROBLEM),
    )
)]
#[post("/api-keys/{id}/rotate")]
pub async fn rotate_api_key(
    state: web::Data<AppState>,
    auth: AuthUser,
    client: Client,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ApiKeyIssued>> {
    let issued = api_keys::rotate(&state.db, auth.id, id.into_inner(), &client.0).await?;
    Ok(web::Json(issued.into()))
}

/// Revoke an API key
///
/// Revokes one of the caller's keys: it stops working at once, on every
/// server, and stays listed with its `revoked_at`. Revoking a revoked key
/// changes nothing and answers `204` too.
#[utoipa::path(
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "API key id")),
    responses(
        (status = 204, description = "Revoked"),
        NoSuchKey,
    )
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    auth: AuthUser,
    client: Client,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    api_keys::revoke(&state.db, auth.id, id.into_inner(), &client.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
