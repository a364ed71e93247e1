//! Request extractors that answer bad input with problem+json.
//!
//! [`ValidJson`], [`OptionalJson`] and [`ValidQuery`] deserialize with
//! `serde_path_to_error`, so a value of the wrong type is reported against
//! the field that holds it, and then run the DTO's `validator` rules. The
//! outcome follows API.md:
//!
//! - a body over [`MAX_BODY_BYTES`] is `413`;
//! - a non-empty body whose `Content-Type` is not `application/json` nor
//!   `application/*+json` (parameters such as `charset` allowed) is `415`,
//!   and so is a non-empty body sent with no `Content-Type` at all, as
//!   actix's own `Json` extractor does: the server never guesses a type;
//! - an empty body is no body, whatever its `Content-Type`: an
//!   [`OptionalJson`] is `None`, a [`ValidJson`] is `422` on `body`;
//! - malformed JSON is `400`, whatever came before the syntax error;
//! - valid JSON that is not an object (an array, a string, a number,
//!   `null`) is `422` on `body`, and so is an array where a nested object
//!   (`preferences`, `set`, `items[0]`) is expected: serde would read a
//!   struct from an array of its fields in order, the API does not;
//! - unknown, missing, `null` (where not nullable), mistyped or invalid
//!   fields are `422` naming the field, with a message in the API's terms
//!   (an object, a string, an integer from … to …, one of: …), never a
//!   server type name.
//!
//! The happy path parses once. Only when deserializing fails is the whole
//! body parsed again, as any JSON: if that fails too the body is malformed
//! (`400`) even where the typed parse stopped earlier at a field error.
//!
//! Query strings are read as strictly: unknown parameters are `422` naming
//! them (every query DTO denies unknown fields), and a key in the bracket
//! form that common clients send for lists (`status[]=a&status[]=b`) means
//! the same as the plain key.
//!
//! They are also the one place that keeps U+0000 out of the database: every
//! text of a request that reaches it comes through [`parse_json`] or
//! [`parse_query`], and PostgreSQL cannot store a NUL character in `text`
//! (it fails the statement), while SQLite and MariaDB would keep it. So a
//! NUL anywhere, in a value or a key, is `422` naming the field before any
//! DTO sees it, and the engines agree.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, mime, web};
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{ApiError, ErrorKind};

mod messages;
mod parse;
#[cfg(test)]
mod tests;

use messages::body_error;
pub use messages::{flatten, validate};
pub use parse::{Object, parse_json, parse_query};

/// The largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What a route that needs a body says of an empty one.
pub const BODY_REQUIRED: &str = "a JSON object is required";

/// What a body (or a nested value) that should be an object is told.
pub const OBJECT_RULE: &str = "must be a JSON object";

/// A JSON body that a route may go without (`DELETE` with an optional
/// `version`): an empty body, or none, is `None`; a body that is sent is
/// read exactly as a [`ValidJson`] one.
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T> FromRequest for OptionalJson<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move { body.await.map(Self) })
    }
}

/// A JSON body, required, deserialized strictly and validated: an
/// [`OptionalJson`] that must be there.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T> FromRequest for ValidJson<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = OptionalJson::<T>::from_request(req, payload);
        Box::pin(async move {
            let OptionalJson(value) = body.await?;
            value
                .map(Self)
                .ok_or_else(|| ApiError::invalid_field("body", BODY_REQUIRED))
        })
    }
}

/// Reads the body (`None` when it is empty), checks its media type, parses
/// and validates it.
fn read_body<T>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<Option<T>, ApiError>> + use<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    let media_type = json_media_type(req);
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        let bytes = bytes.await.map_err(body_error)?;
        if bytes.is_empty() {
            return Ok(None);
        }
        media_type?;
        let value: T = parse_json(&bytes)?;
        validate(&value)?;
        Ok(Some(value))
    }
}

/// `Ok` when the request's `Content-Type` is JSON: `application/json` or
/// `application/<anything>+json`, in any case, with any parameters.
///
/// # Errors
/// `415` for any other type, an unreadable one, or none.
fn json_media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let Some(header) = req.headers().get(CONTENT_TYPE) else {
        return Err(unsupported("no `Content-Type` was sent"));
    };
    let text = header.to_str().unwrap_or_default();
    match text.parse::<mime::Mime>() {
        Ok(media)
            if media.type_() == mime::APPLICATION
                && match media.suffix() {
                    // `application/json`; `application/json+xml` is no JSON.
                    None => media.subtype() == mime::JSON,
                    Some(suffix) => suffix == mime::JSON,
                } =>
        {
            Ok(())
        }
        Ok(media) => Err(unsupported(&format!("not `{}`", media.essence_str()))),
        Err(_) => Err(unsupported("the `Content-Type` cannot be read")),
    }
}

fn unsupported(what: &str) -> ApiError {
    ApiError::new(
        ErrorKind::UnsupportedMediaType,
        format!("the body must be `application/json`, {what}"),
    )
}

/// Query parameters, deserialized (repeated keys become lists) and validated.
#[derive(Debug)]
pub struct ValidQuery<T>(pub T);

impl<T> FromRequest for ValidQuery<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Self))
    }
}

/// Extractor configuration: body size limit and `404` for undecodable path
/// ids (`405` when the path is a literal one that does not offer the
/// method, e.g. `PATCH /todos/stats`, which reached `/todos/{id}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(
            // A path id that is not a UUID names no resource.
            web::PathConfig::default()
                .error_handler(|_, req| crate::routes::fallback::answer(req, "resource").into()),
        );
}
