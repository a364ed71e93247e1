//! `Idempotency-Key` on the creates (`POST /todos`, `/todos/bulk`,
//! `/categories`, `/tags`): the header read and checked, the request's
//! fingerprint, and the answer kept or replayed. The rule itself (locks,
//! records, what is kept) is `service::idempotency`.
//!
//! A route takes its body as [`Idempotent`] instead of `ValidJson`: the
//! body is read and checked exactly as `ValidJson` reads it, and with a key
//! the same bytes give the request's fingerprint. Without the header the
//! handler runs its create as before; with one it hands [`respond`] a
//! closure that runs the create in the transaction it is given and renders
//! the answer as the route always does, so no route's rendering is written
//! twice.
//!
//! What is kept: every answer the create gives, its refusals (`409` for a
//! name taken, `422` for a `category_id` not the caller's) included, but no
//! `5xx`. A request refused before its create begins is not: a bad token,
//! a bad key, a body that is malformed or breaks its schema (`400`, `413`,
//! `415`, `422`), a `409` because the key's first request is still running.
//! Those answer the same to the same retry anyway, and the client may send
//! a corrected body under the same key.
//!
//! A replayed answer is the kept one (status, body, `Location`, `ETag`)
//! with `Idempotent-Replayed: true`; a replayed problem carries the
//! retry's own `request_id`, as every problem does.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures_util::future::LocalBoxFuture;
use futures_util::{Stream, StreamExt as _};
use sea_orm::DatabaseTransaction;
use serde::de::DeserializeOwned;
use service::idempotency::{self, Answer, FIELD, Keyed, Outcome};
use service::sync::Changes;
use uuid::Uuid;
use validator::Validate;

use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::telemetry::{self, current_request_id};

/// The request header that carries the key.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The response header of a replayed answer.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// What a key that breaks the rule is told.
pub const KEY_RULE: &str = "must be 1 to 255 visible ASCII characters, sent once";

/// The operations that take the header (their handlers take [`Idempotent`]).
pub const OPERATIONS: [&str; 4] = [
    "create_todo",
    "bulk_create_todos",
    "create_category",
    "create_tag",
];

/// The answer to a key that breaks the rule (`422` naming `Idempotency-Key`).
#[must_use]
pub fn invalid_key() -> ApiError {
    ApiError::invalid_field(FIELD, KEY_RULE)
}

/// A key that was sent, with the fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The key, as sent.
    pub key: String,
    /// The request's fingerprint (its operation and body, as JSON).
    pub fingerprint: String,
}

/// A create's JSON body, read and checked as [`ValidJson`] reads it, and
/// the `Idempotency-Key` it came with, if any.
#[derive(Debug)]
pub struct Idempotent<T> {
    /// The body.
    pub body: T,
    /// The key and the request's fingerprint; `None` without the header.
    pub key: Option<IdempotencyKey>,
}

impl<T> FromRequest for Idempotent<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let key = match key_of(req) {
            Ok(key) => key,
            Err(err) => return Box::pin(std::future::ready(Err(err))),
        };
        let Some(key) = key else {
            let body = ValidJson::<T>::from_request(req, payload);
            return Box::pin(async move {
                let ValidJson(body) = body.await?;
                Ok(Self { body, key: None })
            });
        };
        // `ValidJson` reads the body (with its size limit and its answers
        // to a bad one) through a copy of the stream that keeps the bytes.
        let seen = Rc::new(RefCell::new(BytesMut::new()));
        let copy = {
            let seen = Rc::clone(&seen);
            payload.take().inspect(move |chunk| {
                if let Ok(bytes) = chunk {
                    seen.borrow_mut().extend_from_slice(bytes);
                }
            })
        };
        let copy: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(copy);
        let mut copied = Payload::from(copy);
        let body = ValidJson::<T>::from_request(req, &mut copied);
        let operation = format!("{} {}", req.method(), req.path());
        Box::pin(async move {
            let ValidJson(body) = body.await?;
            let raw = seen.take();
            let value: serde_json::Value =
                serde_json::from_slice(&raw).map_err(|e| ApiError::internal(&e))?;
            Ok(Self {
                body,
                key: Some(IdempotencyKey {
                    key,
                    fingerprint: idempotency::fingerprint(&operation, &value),
                }),
            })
        })
    }
}

/// The `Idempotency-Key` of `req`, if it sent one.
///
/// # Errors
/// `422` naming `Idempotency-Key` when it is empty, longer than
/// [`MAX_KEY_LEN`], has a character that is not visible ASCII (a space, a
/// control character, anything past `~`), or is sent more than once.
pub fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let mut values = req.headers().get_all(IDEMPOTENCY_KEY);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    let visible =
        (1..=MAX_KEY_LEN).contains(&bytes.len()) && bytes.iter().all(|b| (b'!'..=b'~').contains(b));
    match (visible, values.next(), value.to_str()) {
        (true, None, Ok(key)) => Ok(Some(key.to_owned())),
        _ => Err(invalid_key()),
    }
}

/// Runs `create` once for `key` (see `service::idempotency::run`) and
/// answers what it answered, or the answer kept for the key's first
/// request, with `Idempotent-Replayed: true`.
///
/// `create` runs the service's create in the transaction it is given
/// (telling the commit what it wrote through the `Changes`) and renders the
/// route's answer. The whole transaction runs as a task of its
/// own, still counted as this request's: a client that goes away does not
/// cut it off half-way, so the key's lock is always released and the
/// answer kept.
///
/// # Errors
/// `409` naming `Idempotency-Key` while the key's first request runs,
/// `422` naming it when the key was used with another request; `create`'s
/// `5xx`; `401` and `503` as any write.
pub async fn respond<F>(
    state: &web::Data<AppState>,
    user_id: Uuid,
    key: IdempotencyKey,
    create: F,
) -> ApiResult<HttpResponse>
where
    F: AsyncFnOnce(&DatabaseTransaction, &mut Changes) -> ApiResult<HttpResponse> + 'static,
{
    let state = state.clone();
    let request = Keyed {
        user_id,
        key: key.key,
        fingerprint: key.fingerprint,
    };
    let work = async move {
        let (db, totals) = (&state.db, &state.list_totals);
        idempotency::run(db, totals, &request, async move |txn, changes| {
            kept(create(txn, changes).await).await
        })
        .await
    };
    let outcome = actix_web::rt::spawn(telemetry::within_request(work))
        .await
        .map_err(|e| ApiError::internal(&e))??;
    Ok(answer(outcome))
}

/// The answer to keep of what a create answered: any answer but a `5xx`,
/// which stays an error (and is not kept).
async fn kept(answered: ApiResult<HttpResponse>) -> ApiResult<Answer> {
    let response = match answered {
        Ok(response) => response,
        Err(err) if err.status_code().is_server_error() => return Err(err),
        Err(err) => err.error_response(),
    };
    let text = |name: header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (location, etag) = (text(header::LOCATION), text(header::ETAG));
    let status = response.status().as_u16();
    let bytes = actix_web::body::to_bytes(response.into_body())
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let body = String::from_utf8(bytes.to_vec()).map_err(|e| ApiError::internal(&e))?;
    Ok(Answer {
        status,
        body,
        location,
        etag,
    })
}

/// The response of `outcome`: its answer, marked when replayed.
fn answer(outcome: Outcome) -> HttpResponse {
    let Outcome { answer, replayed } = outcome;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    let body = if status.is_client_error() {
        response.content_type("application/problem+json");
        if replayed {
            with_own_request_id(answer.body)
        } else {
            answer.body
        }
    } else {
        response.content_type("application/json");
        answer.body
    };
    if replayed {
        response.insert_header((IDEMPOTENT_REPLAYED, HeaderValue::from_static("true")));
    }
    for (name, value) in [
        (header::LOCATION, answer.location),
        (header::ETAG, answer.etag),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            response.insert_header((name, value));
        }
    }
    response.body(body)
}

/// A kept problem body with this request's `request_id` (the one its
/// `X-Request-Id` carries) instead of the first request's.
fn with_own_request_id(body: String) -> String {
    let Ok(serde_json::Value::Object(mut problem)) = serde_json::from_str(&body) else {
        return body;
    };
    problem.insert(
        "request_id".to_owned(),
        current_request_id().map_or(serde_json::Value::Null, serde_json::Value::String),
    );
    serde_json::Value::Object(problem).to_string()
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn key(values: &[&[u8]]) -> Result<Option<String>, ApiError> {
        let mut req = TestRequest::default();
        for value in values {
            let value = HeaderValue::from_bytes(value).expect("a header value");
            req = req.append_header((IDEMPOTENCY_KEY, value));
        }
        key_of(&req.to_http_request())
    }

    #[test]
    fn a_key_is_one_to_255_visible_ascii_characters() {
        assert_eq!(key(&[]).ok(), Some(None));
        assert_eq!(key(&[b"a"]).ok(), Some(Some("a".to_owned())));
        let longest = "~".repeat(MAX_KEY_LEN);
        assert_eq!(key(&[longest.as_bytes()]).ok(), Some(Some(longest.clone())));
        let uuid = "0193a5c4-5b1e-7d2a-9c3f-2b8e4f6a1d07";
        assert_eq!(key(&[uuid.as_bytes()]).ok(), Some(Some(uuid.to_owned())));
        let too_long = "k".repeat(MAX_KEY_LEN + 1);
        for bad in [
            &b""[..],
            too_long.as_bytes(),
            b"a b",
            b"a\tb",
            "caf\u{e9}".as_bytes(),
        ] {
            let err = key(&[bad]).expect_err("refused");
            assert_eq!(err.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(err.problem().errors.is_some_and(|e| e.contains_key(FIELD)));
        }
        assert!(key(&[b"a", b"a"]).is_err(), "one key per request");
    }
}
