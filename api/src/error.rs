//! Every error answer is RFC 9457 problem details (`application/problem+json`).
//!
//! [`ApiError`] is the one error type handlers return. Service errors map to
//! it in one place ([`From<ServiceError>`]); internal details are logged with
//! the request id and never sent to the client.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use service::FieldErrors;
use service::ServiceError;
use service::error::is_unavailable;
use utoipa::ToSchema;

use crate::telemetry::current_request_id;

/// The seconds a `503` asks a client to wait: about the time the pool takes
/// to notice that the database is back.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 2;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` is the machine-readable kind.
    #[schema(examples("about:blank"))]
    pub r#type: &'static str,
    /// Short summary of the status.
    #[schema(examples("Validation failed"))]
    pub title: &'static str,
    /// The HTTP status code.
    #[schema(examples(422))]
    pub status: u16,
    /// What went wrong, for a person.
    #[schema(examples("title: must be between 1 and 200 characters"))]
    pub detail: String,
    /// The machine-readable kind of error.
    pub code: ErrorKind,
    /// Messages per field, or per item index or id in bulk operations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldErrors>,
    /// The request's `X-Request-Id`, to quote when reporting a problem.
    pub request_id: Option<String>,
}

/// The kinds of error the API answers with; serialized as the problem's
/// `code` (`ErrorCode` in the OpenAPI document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ErrorCode)]
pub enum ErrorKind {
    /// 400
    BadRequest,
    /// 401
    Unauthorized,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 405
    MethodNotAllowed,
    /// 409
    Conflict,
    /// 410: what was asked for is no longer kept (a delta sync's `since`).
    Gone,
    /// 412
    PreconditionFailed,
    /// 413
    PayloadTooLarge,
    /// 415
    UnsupportedMediaType,
    /// 422
    #[serde(rename = "validation_error")]
    Validation,
    /// 429
    RateLimited,
    /// 503
    Unavailable,
    /// 500
    Internal,
    /// 403: the account's address must be verified first.
    EmailNotVerified,
}

impl ErrorKind {
    /// The HTTP status of this kind.
    #[must_use]
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::EmailNotVerified => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::Gone => StatusCode::GONE,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Validation => "Validation failed",
            Self::Unavailable => "Service unavailable",
            Self::RateLimited => "Too many requests",
            _ => self.status().canonical_reason().unwrap_or("Error"),
        }
    }
}

/// An error answer: a kind, a message for the client, and optional field errors.
#[derive(Debug)]
pub struct ApiError {
    kind: ErrorKind,
    detail: String,
    errors: Option<FieldErrors>,
    retry_after: Option<u64>,
    allow: Option<String>,
}

impl ApiError {
    /// An error of `kind` with a message for the client.
    #[must_use]
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            errors: None,
            retry_after: None,
            allow: None,
        }
    }

    /// `422` with messages per field; `detail` summarises them.
    #[must_use]
    pub fn validation(errors: FieldErrors) -> Self {
        let detail = errors
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join(", ")))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            kind: ErrorKind::Validation,
            detail,
            errors: Some(errors),
            retry_after: None,
            allow: None,
        }
    }

    /// `422` on one field.
    #[must_use]
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_owned(), vec![message.into()]);
        Self::validation(errors)
    }

    /// Adds field (or item) errors to any kind, e.g. a `404` naming missing ids.
    #[must_use]
    pub fn with_errors(mut self, errors: FieldErrors) -> Self {
        self.errors = Some(errors);
        self
    }

    /// `429` with the seconds to wait.
    #[must_use]
    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                ErrorKind::RateLimited,
                format!("too many attempts; retry in {retry_after} s"),
            )
        }
    }

    /// `405` for a path that answers only `allowed` (sent in `Allow`).
    #[must_use]
    pub fn method_not_allowed(allowed: &[actix_web::http::Method]) -> Self {
        let allow = allowed
            .iter()
            .map(actix_web::http::Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            allow: Some(allow.clone()),
            ..Self::new(
                ErrorKind::MethodNotAllowed,
                format!("this path answers only {allow}"),
            )
        }
    }

    /// `503`: the database cannot be reached (sent with `Retry-After`).
    #[must_use]
    pub fn unavailable() -> Self {
        Self {
            retry_after: Some(UNAVAILABLE_RETRY_AFTER_SECS),
            ..Self::new(
                ErrorKind::Unavailable,
                "the database is unavailable; try again shortly",
            )
        }
    }

    /// `404` for the named kind of resource.
    #[must_use]
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, format!("{what} not found"))
    }

    /// `500`; the cause is logged here and not shown to the client. It is
    /// logged with `Debug`, which for the service's errors holds every
    /// cause ("Caused by:" lines), not only the outermost message.
    #[must_use]
    pub fn internal(cause: &dyn fmt::Debug) -> Self {
        log::error!(
            "internal error (request {}): {cause:?}",
            current_request_id().as_deref().unwrap_or("-")
        );
        Self::new(ErrorKind::Internal, "an unexpected error occurred")
    }

    /// The kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The problem body this error answers with.
    #[must_use]
    pub fn problem(&self) -> Problem {
        Problem {
            r#type: "about:blank",
            title: self.kind.title(),
            status: self.kind.status().as_u16(),
            detail: self.detail.clone(),
            code: self.kind,
            errors: self.errors.clone(),
            request_id: current_request_id(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.detail, self.kind.status())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(seconds) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Some(allow) = &self.allow {
            res.insert_header((header::ALLOW, allow.as_str()));
        }
        if self.kind == ErrorKind::Unauthorized {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        res.json(self.problem())
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::NotFound { entity } => Self::not_found(entity),
            ServiceError::Conflict { field, message } => {
                let error = Self::new(ErrorKind::Conflict, message.clone());
                match field {
                    Some(field) => {
                        let mut errors = FieldErrors::new();
                        errors.insert(field.to_owned(), vec![message]);
                        error.with_errors(errors)
                    }
                    None => error,
                }
            }
            ServiceError::NotFoundItems { entity, errors } => {
                let detail = format!("{} of the {entity}s named do not exist", errors.len());
                Self::new(ErrorKind::NotFound, detail).with_errors(errors)
            }
            ServiceError::ConflictingItems { message, errors } => {
                Self::new(ErrorKind::Conflict, message).with_errors(errors)
            }
            err @ ServiceError::StaleVersion { .. } => {
                let mut errors = FieldErrors::new();
                errors.insert("version".to_owned(), vec![err.to_string()]);
                Self::new(ErrorKind::Conflict, err.to_string()).with_errors(errors)
            }
            err @ ServiceError::PreconditionFailed => {
                Self::new(ErrorKind::PreconditionFailed, err.to_string())
            }
            ServiceError::Invalid(errors) => Self::validation(errors),
            ServiceError::Unauthorized(message) => Self::new(ErrorKind::Unauthorized, message),
            ServiceError::Gone(message) => Self::new(ErrorKind::Gone, message),
            ServiceError::Forbidden(message) => Self::new(ErrorKind::Forbidden, message),
            err @ ServiceError::EmailNotVerified => {
                Self::new(ErrorKind::EmailNotVerified, err.to_string())
            }
            ServiceError::Database(db) => db.into(),
            err @ ServiceError::Internal { .. } => Self::internal(&err),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        if is_unavailable(&err) {
            log::warn!(
                "database unavailable (request {}): {err}",
                current_request_id().as_deref().unwrap_or("-")
            );
            Self::unavailable()
        } else if matches!(
            err.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            Self::new(ErrorKind::Conflict, "a unique value is already taken")
        } else {
            Self::internal(&err)
        }
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
