//! Examples of error answers, built by the constructors the server answers
//! with, so that an example cannot say what the server never would.
//!
//! Each operation's error answer gets the example of its own status (a `401`
//! shows a `401`), worded for the operation's resource and field where that
//! differs (`todo not found`, `errors.name`).

use service::{FieldErrors, ServiceError};
use utoipa::openapi::RefOr;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::response::Response;

use crate::error::{ApiError, ErrorKind};
use crate::routes::system::{DatabaseStatus, NotReady, PoolCounts};

/// The `request_id` every example shows.
const REQUEST_ID: &str = "0193a5c4-5b1e-7d2a-9c3f-2b8e4f6a1d07";

/// The name the shared answer of a read-only API key used for a write
/// gives its examples (it is no operation of its own).
pub(super) const READ_ONLY_KEY: &str = "read_only_key";

/// The examples of the shared `400` of operations that take no body.
pub(super) const TWO_CREDENTIALS: &str = "two_credentials";

/// The examples of the shared `400` of authenticated operations with a body.
pub(super) const MALFORMED_OR_TWO_CREDENTIALS: &str = "malformed_or_two_credentials";

/// A todo id that examples name.
const TODO_ID: &str = "0193a5c4-7e21-7c3d-8a4b-5f6e7d8c9b0a";

/// Adds to every content of `response` (status `status`, of the operation
/// `operation`, or a shared answer if `None`) its examples.
pub(super) fn add_examples(response: &mut Response, status: u16, operation: Option<&str>) {
    let examples = examples(status, operation.unwrap_or(""));
    for content in response.content.values_mut() {
        if let RefOr::T(content) = content {
            content.example = None;
            for (name, summary, error) in &examples {
                let problem = if status == 503 && operation == Some("ready") {
                    not_ready(error)
                } else {
                    let mut problem = error.problem();
                    problem.request_id = Some(REQUEST_ID.to_owned());
                    serde_json::to_value(problem).unwrap_or_default()
                };
                content.examples.insert(
                    (*name).to_owned(),
                    RefOr::T(
                        ExampleBuilder::new()
                            .summary(*summary)
                            .value(Some(problem))
                            .build(),
                    ),
                );
            }
        }
    }
}

/// Readiness refused: the problem with the readiness members it carries.
fn not_ready(error: &ApiError) -> serde_json::Value {
    let mut problem = error.problem();
    problem.request_id = Some(REQUEST_ID.to_owned());
    serde_json::to_value(NotReady {
        problem,
        database: DatabaseStatus {
            connected: false,
            latency_ms: None,
            pool: PoolCounts {
                size: 0,
                idle: 0,
                max: 16,
            },
        },
        migrations: None,
        replicas: None,
    })
    .unwrap_or_default()
}

/// The resource an operation is about, as the service names it in errors.
fn resource(operation: &str) -> &'static str {
    if operation.contains("api_key") {
        "API key"
    } else if operation.contains("categor") {
        "category"
    } else if operation.contains("tag") {
        "tag"
    } else if operation.contains("session") {
        "session"
    } else if operation.contains("user") || operation.ends_with("_me") {
        "user"
    } else {
        "todo"
    }
}

fn one(field: &str, message: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.insert(field.to_owned(), vec![message.to_owned()]);
    errors
}

type Named = (&'static str, &'static str, ApiError);

fn malformed() -> Named {
    (
        "malformed",
        "A body cut off half-way",
        ApiError::new(
            ErrorKind::BadRequest,
            "malformed JSON: EOF while parsing a string at line 1 column 24",
        ),
    )
}

fn two_credentials() -> Named {
    (
        "two_credentials",
        "Both `X-API-Key` and `Authorization`",
        crate::auth::both_credentials(),
    )
}

/// The examples of `status` for `operation`.
fn examples(status: u16, operation: &str) -> Vec<Named> {
    let service = |err: ServiceError| ApiError::from(err);
    match status {
        400 if operation == "list_todos" => vec![(
            "bad_cursor",
            "A cursor that does not decode",
            ApiError::new(ErrorKind::BadRequest, "cursor: not a valid cursor"),
        )],
        400 if operation == "delta_sync" => vec![(
            "bad_since",
            "A `since` that does not decode",
            crate::dto::sync::bad_since(),
        )],
        400 if operation == TWO_CREDENTIALS => vec![two_credentials()],
        400 if operation == MALFORMED_OR_TWO_CREDENTIALS => vec![malformed(), two_credentials()],
        400 => vec![malformed()],
        401 => vec![match operation {
            "login" => (
                "wrong_credentials",
                "Wrong password, or no such account",
                service(ServiceError::Unauthorized("invalid credentials")),
            ),
            "refresh" => (
                "invalid_token",
                "A refresh token that is unknown, expired, revoked or reused",
                service(ServiceError::Unauthorized(
                    "invalid or expired refresh token",
                )),
            ),
            _ => (
                "no_token",
                "No bearer token",
                ApiError::new(
                    ErrorKind::Unauthorized,
                    "an `Authorization: Bearer <access_token>` header is required",
                ),
            ),
        }],
        403 if operation == "login" => vec![
            (
                "suspended",
                "A suspended account",
                service(ServiceError::Forbidden("this account is suspended")),
            ),
            (
                "email_not_verified",
                "An unverified address, where `REQUIRE_VERIFIED_EMAIL` is on",
                service(ServiceError::EmailNotVerified),
            ),
        ],
        403 if operation == READ_ONLY_KEY => vec![(
            "read_only_key",
            "A key with the scopes [\"read\"] used to write",
            crate::auth::read_only_key(),
        )],
        403 => vec![(
            "not_admin",
            "The caller is not an admin",
            service(ServiceError::Forbidden("this route is for admins")),
        )],
        404 if operation.starts_with("bulk_") => vec![(
            "missing_ids",
            "Ids that are not the caller's todos",
            service(ServiceError::NotFoundItems {
                entity: "todo",
                errors: one(TODO_ID, "not found"),
            }),
        )],
        404 => vec![(
            "not_found",
            "No such resource of the caller's",
            ApiError::not_found(resource(operation)),
        )],
        405 => vec![(
            "method",
            "A method the path does not offer",
            ApiError::method_not_allowed(&[actix_web::http::Method::GET]),
        )],
        409 => conflicts(operation),
        412 => vec![(
            "stale_etag",
            "`If-Match` names an older version",
            service(ServiceError::PreconditionFailed),
        )],
        413 => vec![(
            "too_large",
            "A body over 1 MiB",
            ApiError::new(
                ErrorKind::PayloadTooLarge,
                format!(
                    "the body is larger than {} bytes",
                    crate::extract::MAX_BODY_BYTES
                ),
            ),
        )],
        415 => vec![(
            "not_json",
            "A body sent as `text/plain`",
            ApiError::new(
                ErrorKind::UnsupportedMediaType,
                "the body must be `application/json`, not `text/plain`",
            ),
        )],
        422 => {
            let mut found = vec![(
                "invalid",
                "A field that breaks its rule",
                ApiError::validation(invalid_field(operation)),
            )];
            if crate::idempotency::OPERATIONS.contains(&operation) {
                found.extend(key_refused());
            }
            found
        }
        410 => vec![(
            "gone",
            "A `since` older than the deletions kept",
            service(service::sync::gone()),
        )],
        429 => vec![(
            "rate_limited",
            "Too many attempts",
            ApiError::rate_limited(42),
        )],
        503 if operation == "ready" => vec![(
            "not_ready",
            "The database is unreachable",
            ApiError::new(ErrorKind::Unavailable, "the database is unreachable"),
        )],
        503 => vec![(
            "unavailable",
            "The database is unreachable",
            ApiError::unavailable(),
        )],
        _ => vec![(
            "error",
            "An error",
            ApiError::new(ErrorKind::Internal, "an unexpected error occurred"),
        )],
    }
}

/// The `409`s of `operation`.
fn conflicts(operation: &str) -> Vec<Named> {
    let stale = || {
        (
            "stale_version",
            "The body's `version` is not the current one",
            ApiError::from(ServiceError::StaleVersion { current: 4 }),
        )
    };
    let taken = |field: &'static str| {
        (
            "taken",
            "The value belongs to another resource",
            ApiError::from(ServiceError::taken(field)),
        )
    };
    let deleted = || {
        (
            "deleted",
            "The todo is soft-deleted",
            ApiError::from(ServiceError::Conflict {
                field: None,
                message: "the todo is deleted; restore it before changing it".to_owned(),
            }),
        )
    };
    match operation {
        "register" => vec![taken("email")],
        "create_api_key" => vec![(
            "too_many_keys",
            "The caller already holds 20 live keys",
            ApiError::from(service::api_keys::too_many_keys()),
        )],
        "rotate_api_key" => vec![
            (
                "revoked",
                "The key is revoked (or rotated away) already",
                ApiError::from(service::api_keys::cannot_rotate(false)),
            ),
            (
                "expired",
                "The key has expired",
                ApiError::from(service::api_keys::cannot_rotate(true)),
            ),
        ],
        "create_category" | "create_tag" => vec![taken("name"), key_running()],
        "create_todo" | "bulk_create_todos" => vec![key_running()],
        "rename_tag" | "merge_tags" => vec![taken("name")],
        "update_category" => vec![taken("name"), stale()],
        "update_me" => vec![taken("username"), stale()],
        "update_todo" | "delete_todo" => vec![stale(), deleted()],
        "complete_todo" | "reopen_todo" => vec![deleted()],
        "update_user" | "delete_user" => vec![
            stale(),
            (
                "own_account",
                "An admin acting on their own account",
                ApiError::from(ServiceError::Conflict {
                    field: None,
                    message: "admins cannot suspend their own account".to_owned(),
                }),
            ),
        ],
        "bulk_update_todos" | "bulk_delete_todos" => {
            let advice = if operation == "bulk_update_todos" {
                "restore them before changing them"
            } else {
                "leave them out, or delete them for good with `permanent`"
            };
            vec![(
                "deleted_items",
                "Todos that are soft-deleted",
                ApiError::from(ServiceError::ConflictingItems {
                    message: format!("1 of the todos are deleted; {advice}"),
                    errors: one(TODO_ID, "is deleted"),
                }),
            )]
        }
        _ => vec![stale()],
    }
}

/// The `409` of a create retried while its first request runs.
fn key_running() -> Named {
    (
        "key_in_use",
        "A request with the same `Idempotency-Key` is still running",
        ApiError::from(service::idempotency::still_running()),
    )
}

/// The `422`s of the `Idempotency-Key` itself.
fn key_refused() -> [Named; 2] {
    [
        (
            "key_reused",
            "The `Idempotency-Key` was used with a different request",
            ApiError::from(service::idempotency::used_for_another_request()),
        ),
        (
            "key_invalid",
            "An `Idempotency-Key` that is not 1 to 255 visible ASCII characters",
            crate::idempotency::invalid_key(),
        ),
    ]
}

/// A realistic invalid field of `operation`, with the message its rule gives.
fn invalid_field(operation: &str) -> FieldErrors {
    let (field, message) = match operation {
        "register" => ("email", "must be a valid e-mail address"),
        "login" => ("password", "this field is required"),
        "refresh" | "logout" => ("refresh_token", "must be 1 to 512 characters"),
        "change_password" => ("current_password", "is not the current password"),
        "delete_me" => ("password", "is not the current password"),
        "update_me" => ("preferences.timezone", "must be an IANA time zone name"),
        "create_todo" | "update_todo" => ("title", "must be between 1 and 200 characters"),
        "bulk_create_todos" => ("items[3].title", "must be between 1 and 200 characters"),
        "bulk_update_todos" | "bulk_delete_todos" | "bulk_restore_todos" => {
            ("ids[4]", "repeats ids[1]")
        }
        "create_category" | "update_category" => ("color", "must be at most 32 characters"),
        "create_tag" | "rename_tag" => ("name", "must be between 1 and 50 characters"),
        "merge_tags" => ("source_ids", "must not include the target tag"),
        "create_api_key" => ("scopes", r#"must be ["read"] or ["read", "write"]"#),
        "list_todos" => (
            "sort_by",
            "must be one of: created_at, updated_at, due_date, priority, title",
        ),
        "update_user" => ("status", "must be one of: active, inactive, suspended"),
        "delta_sync" => ("size", "must be between 1 and 1000"),
        // The shared answer of operations without a 422 of their own.
        "" => ("expand", "unknown parameter"),
        _ => ("size", "must be between 1 and 100"),
    };
    one(field, message)
}
