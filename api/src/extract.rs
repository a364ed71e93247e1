//! Request extractors that answer bad input with problem+json.
//!
//! [`ValidJson`] and [`ValidQuery`] deserialize with `serde_path_to_error`, so
//! a value of the wrong type is reported against the field that holds it, and
//! then run the DTO's `validator` rules. The outcome follows API.md: malformed
//! JSON is `400`, a body over [`MAX_BODY_BYTES`] is `413`, and unknown,
//! missing or invalid fields are `422` naming the field.
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
use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use service::FieldErrors;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, ErrorKind};

/// The largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body, deserialized strictly and validated.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T> FromRequest for ValidJson<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(body_error)?;
            let value: T = parse_json(&bytes)?;
            validate(&value)?;
            Ok(Self(value))
        })
    }
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

/// Parses a query string into `T` and validates it.
///
/// # Errors
/// `422` naming the parameter that does not fit.
pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    reject_nul_in_query(query)?;
    let deserializer = serde_html_form::Deserializer::from_bytes(query.as_bytes());
    let value: T = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let field = field_of(err.path().to_string(), err.inner().to_string());
        ApiError::invalid_field(&field.0, field.1)
    })?;
    validate(&value)?;
    Ok(value)
}

/// Parses a JSON body into `T`.
///
/// # Errors
/// `400` for malformed JSON, `422` naming the field for data that does not fit `T`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    reject_nul_in_json(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_data() {
            let (field, message) = field_of(path, strip_position(&inner.to_string()));
            ApiError::invalid_field(&field, message)
        } else {
            malformed(&inner)
        }
    })?;
    // Trailing garbage after the value is malformed JSON too.
    deserializer.end().map_err(|err| malformed(&err))?;
    Ok(value)
}

/// What a field holding U+0000 is told.
const NUL_RULE: &str = "must not contain NUL characters";

/// `422` naming the first key or string of a JSON body that holds U+0000,
/// by the path [`parse_json`] reports other errors at (`items[0].title`,
/// `preferences.timezone`).
fn reject_nul_in_json(bytes: &[u8]) -> Result<(), ApiError> {
    // Inside valid JSON, U+0000 can only be spelled `\u0000` (a raw control
    // character is malformed), so a body without that spelling is walked no
    // further. One with it is parsed twice; malformed, it is left to the
    // strict parse to report.
    if !bytes.windows(6).any(|w| w == br"\u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    let mut path = String::new();
    if holds_nul(&value, &mut path) {
        let field = if path.is_empty() { "body" } else { &path };
        return Err(ApiError::invalid_field(field, NUL_RULE));
    }
    Ok(())
}

/// Whether `value` holds U+0000; if so, `path` leads to it.
fn holds_nul(value: &serde_json::Value, path: &mut String) -> bool {
    use serde_json::Value;
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().enumerate().any(|(index, item)| {
            let len = path.len();
            path.push_str(&format!("[{index}]"));
            let found = holds_nul(item, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        Value::Object(fields) => fields.iter().any(|(key, item)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            let found = key.contains('\0') || holds_nul(item, path);
            if !found {
                path.truncate(len);
            }
            found
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// `422` naming the first query parameter whose name or value holds U+0000
/// (`%00`); a repeated parameter's bracket form (`tag[]`) is named without
/// its brackets, as its other errors are.
fn reject_nul_in_query(query: &str) -> Result<(), ApiError> {
    if !query.contains("%00") {
        return Ok(());
    }
    match form_urlencoded::parse(query.as_bytes())
        .find(|(key, value)| key.contains('\0') || value.contains('\0'))
    {
        Some((key, _)) => Err(ApiError::invalid_field(
            key.strip_suffix("[]").unwrap_or(&key),
            NUL_RULE,
        )),
        None => Ok(()),
    }
}

fn malformed(err: &serde_json::Error) -> ApiError {
    ApiError::new(ErrorKind::BadRequest, format!("malformed JSON: {err}"))
}

/// Names the field an error is about: an unknown field names itself, a
/// missing one names itself, anything else is reported at its path.
fn field_of(path: String, message: String) -> (String, String) {
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let join = |name: String| {
        if path == "." || path.is_empty() {
            name
        } else if path == name || path.ends_with(&format!(".{name}")) {
            // serde_path_to_error already stepped into the unknown key.
            path.clone()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(name) = quoted("unknown field `") {
        (join(name), "unknown field".to_owned())
    } else if let Some(name) = quoted("missing field `") {
        (join(name), "this field is required".to_owned())
    } else if path == "." || path.is_empty() {
        ("body".to_owned(), message)
    } else {
        (path, message)
    }
}

fn strip_position(message: &str) -> String {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
        .to_owned()
}

fn body_error(err: actix_web::Error) -> ApiError {
    match err.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::new(
            ErrorKind::PayloadTooLarge,
            format!("the body is larger than {MAX_BODY_BYTES} bytes"),
        ),
        _ => ApiError::new(
            ErrorKind::BadRequest,
            format!("cannot read the body: {err}"),
        ),
    }
}

/// Runs the `validator` rules of `value`.
///
/// # Errors
/// `422` with every failing field.
pub fn validate<T: Validate>(value: &T) -> Result<(), ApiError> {
    value
        .validate()
        .map_err(|errors| ApiError::validation(flatten(&errors)))
}

/// Turns nested `validator` errors into `field.sub[index]` → messages.
#[must_use]
pub fn flatten(errors: &ValidationErrors) -> FieldErrors {
    fn walk(prefix: &str, errors: &ValidationErrors, out: &mut FieldErrors) {
        for (field, kind) in errors.errors() {
            let name = if prefix.is_empty() {
                field.to_string()
            } else {
                format!("{prefix}.{field}")
            };
            match kind {
                ValidationErrorsKind::Field(list) => {
                    let messages = list.iter().map(|e| {
                        e.message
                            .as_ref()
                            .map_or_else(|| e.code.replace('_', " "), ToString::to_string)
                    });
                    out.entry(name).or_default().extend(messages);
                }
                ValidationErrorsKind::Struct(inner) => walk(&name, inner, out),
                ValidationErrorsKind::List(items) => {
                    for (index, inner) in items {
                        walk(&format!("{name}[{index}]"), inner, out);
                    }
                }
            }
        }
    }
    let mut out = FieldErrors::new();
    walk("", errors, &mut out);
    out
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

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use validator::Validate;

    use super::*;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[validate(length(min = 1, max = 5, message = "must be between 1 and 5 characters"))]
        title: String,
        #[serde(default)]
        #[allow(dead_code)]
        count: Option<u32>,
    }

    #[derive(Debug, Deserialize, Validate)]
    struct Query {
        #[serde(default)]
        status: Vec<String>,
        #[validate(range(min = 1, max = 100))]
        size: Option<u64>,
    }

    fn field_errors(err: &ApiError) -> FieldErrors {
        err.problem().errors.unwrap_or_default()
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let err = parse_json::<Body>(b"{\"title\": ").expect_err("malformed");
        assert_eq!(err.kind(), ErrorKind::BadRequest);
        let err = parse_json::<Body>(b"{\"title\": \"a\"} x").expect_err("trailing");
        assert_eq!(err.kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn unknown_missing_and_mistyped_fields_are_named() {
        let err = parse_json::<Body>(br#"{"title": "a", "colour": 1}"#).expect_err("unknown");
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert!(field_errors(&err).contains_key("colour"));

        let err = parse_json::<Body>(br#"{}"#).expect_err("missing");
        assert!(field_errors(&err).contains_key("title"));

        let err = parse_json::<Body>(br#"{"title": "a", "count": "x"}"#).expect_err("type");
        assert!(
            field_errors(&err).contains_key("count"),
            "{:?}",
            err.problem()
        );
    }

    #[test]
    fn validator_rules_are_reported_per_field() {
        let body: Body = parse_json(br#"{"title": "too long"}"#).expect("parses");
        let err = validate(&body).expect_err("too long");
        assert_eq!(
            field_errors(&err).get("title"),
            Some(&vec!["must be between 1 and 5 characters".to_owned()])
        );
    }

    #[test]
    fn a_nul_character_anywhere_in_a_body_is_named_by_its_path() {
        let named = |body: &[u8]| {
            let err = parse_json::<serde_json::Value>(body).expect_err("refused");
            assert_eq!(err.kind(), ErrorKind::Validation);
            field_errors(&err).into_keys().collect::<Vec<_>>()
        };
        assert_eq!(named(br#"{"title": "a\u0000"}"#), ["title"]);
        assert_eq!(
            named(br#"{"items": [{"title": "a"}, {"tags": ["x", "\u0000"]}]}"#),
            ["items[1].tags[1]"]
        );
        assert_eq!(
            named(br#"{"preferences": {"timezone": "UTC\u0000"}}"#),
            ["preferences.timezone"]
        );
        assert_eq!(named(br#"{"ti\u0000tle": 1}"#), ["ti\0tle"]);
        assert_eq!(named(br#""\u0000""#), ["body"]);
        // An escaped backslash before `u0000` is no NUL.
        let value: serde_json::Value = parse_json(br#"{"title": "\\u0000"}"#).expect("parses");
        assert_eq!(value["title"], "\\u0000");
        // Malformed JSON stays malformed, whatever it holds.
        let err = parse_json::<Body>(br#"{"title": "\u0000""#).expect_err("malformed");
        assert_eq!(err.kind(), ErrorKind::BadRequest);
        let err = parse_json::<Body>(br#"{"title": "\ud800"}"#).expect_err("lone surrogate");
        assert_eq!(err.kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn a_nul_character_in_a_query_is_named_by_its_parameter() {
        for query in [
            "status=a%00",
            "status=a&status%5B%5D=%00",
            "size=1&status=%00",
        ] {
            let err = parse_query::<Query>(query).expect_err("refused");
            assert_eq!(
                field_errors(&err).into_keys().collect::<Vec<_>>(),
                ["status"],
                "{query}"
            );
        }
        let err = parse_query::<Query>("sta%00tus=a").expect_err("refused");
        assert!(field_errors(&err).contains_key("sta\0tus"));
    }

    #[test]
    fn repeated_query_keys_become_lists_and_ranges_are_checked() {
        let q: Query = parse_query("status=pending&status=completed&size=5").expect("parses");
        assert_eq!(q.status, vec!["pending", "completed"]);
        let err = parse_query::<Query>("size=500").expect_err("out of range");
        assert!(field_errors(&err).contains_key("size"));
        let err = parse_query::<Query>("size=ten").expect_err("not a number");
        assert!(
            field_errors(&err).contains_key("size"),
            "{:?}",
            err.problem()
        );
    }
}
