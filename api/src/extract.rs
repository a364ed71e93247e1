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

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, mime, web};
use serde::de::{DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer};
use service::FieldErrors;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, ErrorKind};

/// The largest request body accepted (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What a route that needs a body says of an empty one.
pub const BODY_REQUIRED: &str = "a JSON object is required";

/// What a body (or a nested value) that should be an object is told.
pub const OBJECT_RULE: &str = "must be a JSON object";

/// A JSON body, required, deserialized strictly and validated.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T> FromRequest for ValidJson<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_body(req, payload);
        Box::pin(async move {
            match body.await? {
                Some(value) => Ok(Self(value)),
                None => Err(ApiError::invalid_field("body", BODY_REQUIRED)),
            }
        })
    }
}

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

/// Parses a query string into `T` and validates it. A key in the bracket
/// form (`tag[]`) is read as the plain key (`tag`).
///
/// # Errors
/// `422` naming the parameter that does not fit, or that `T` does not know.
pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    reject_nul_in_query(query)?;
    let query = without_brackets(query);
    let deserializer = serde_html_form::Deserializer::from_bytes(query.as_bytes());
    let value: T = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let (field, message) = field_of(err.path().to_string(), err.inner().to_string());
        ApiError::invalid_field(&field, message)
    })?;
    validate(&value)?;
    Ok(value)
}

/// `query` with every key's trailing `[]` taken off; `query` itself when
/// no key can have one.
fn without_brackets(query: &str) -> Cow<'_, str> {
    if !query.contains('[') && !query.contains("%5B") && !query.contains("%5b") {
        return Cow::Borrowed(query);
    }
    let mut out = form_urlencoded::Serializer::new(String::with_capacity(query.len()));
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        out.append_pair(key.strip_suffix("[]").unwrap_or(&key), &value);
    }
    Cow::Owned(out.finish())
}

/// Parses a JSON body into `T`, which must be read from a JSON object.
///
/// # Errors
/// `400` for malformed JSON, `422` naming the field for data that does not
/// fit `T` (`body` when the body is not an object).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    reject_nul_in_json(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<Object<T>, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = match parsed {
        Ok(Object(value)) => value,
        Err(err) => return Err(json_error(bytes, err)),
    };
    // Trailing garbage after the value is malformed JSON too.
    deserializer.end().map_err(|err| malformed(&err))?;
    Ok(value)
}

/// The answer to a body that did not deserialize: `400` if it is not JSON at
/// all (found by parsing it again as any JSON, so that a syntax error later
/// in the body wins over a field error before it), `422` on `body` if it is
/// not an object, else `422` naming the field.
fn json_error(bytes: &[u8], err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Err(syntax) => malformed(&syntax),
        Ok(value) if !value.is_object() => ApiError::invalid_field("body", OBJECT_RULE),
        Ok(_) => {
            let path = err.path().to_string();
            let message = strip_position(&err.into_inner().to_string());
            let (field, message) = field_of(path, message);
            ApiError::invalid_field(&field, message)
        }
    }
}

/// A value that must be read from a JSON object (a map in a query).
///
/// serde's derived structs also accept an array of their fields in order;
/// the API takes objects only, so a request body and its nested objects
/// (`preferences`, `set`, `items[i]`) are read through this.
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(MapOnly(deserializer)).map(Object)
    }
}

/// Reads a struct as a map, never as a sequence; anything else as it is.
struct MapOnly<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for MapOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct enum identifier ignored_any
    }
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
/// missing one names itself, anything else is reported at its path; the
/// message is put in the API's terms ([`in_api_terms`]).
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
    } else if let Some(name) = quoted("duplicate field `") {
        (join(name), "must be given only once".to_owned())
    } else if path == "." || path.is_empty() {
        ("body".to_owned(), in_api_terms(&message))
    } else {
        (path, in_api_terms(&message))
    }
}

/// A deserializer's message in the API's terms: what the value must be,
/// spoken of as JSON (an object, an array, a string, an integer from … to
/// …, true or false, one of: …), never as a server type (`struct
/// TodoCreate`, `enum Priority`, `u32`). Messages of the DTOs' own
/// deserializers ("must not be null", "must be one of: …") pass as they are.
fn in_api_terms(message: &str) -> String {
    let expected = |rest: &str| {
        rest.rsplit_once(", expected ")
            .map(|(found, expected)| (found.to_owned(), expected.to_owned()))
    };
    if let Some((found, wanted)) = message.strip_prefix("invalid type: ").and_then(expected) {
        if found == "null" {
            "must not be null".to_owned()
        } else {
            format!("must be {}", api_type(&wanted))
        }
    } else if let Some((_, wanted)) = message
        .strip_prefix("invalid value: ")
        .or_else(|| message.strip_prefix("invalid length "))
        .and_then(expected)
    {
        format!("must be {}", api_type(&wanted))
    } else if let Some(rest) = message.strip_prefix("unknown variant `") {
        // "unknown variant `x`, expected one of `a`, `b`" (or "`a` or `b`").
        let names: Vec<&str> = rest
            .rsplit_once(", expected ")
            .map(|(_, names)| names.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        format!("must be one of: {}", names.join(", "))
    } else if message.starts_with("UUID parsing failed") {
        "must be a UUID".to_owned()
    } else {
        match message {
            // Read from a query string: the standard library's parse errors.
            "invalid digit found in string" | "cannot parse integer from empty string" => {
                "must be an integer".to_owned()
            }
            "number too large to fit in target type" | "number too small to fit in target type" => {
                "is out of range".to_owned()
            }
            "provided string was not `true` or `false`" => "must be true or false".to_owned(),
            // A key given twice where one value is taken.
            "unsupported value" => "must be given only once".to_owned(),
            "number out of range" => "is out of range".to_owned(),
            // serde_json's word for a value that no variant of an enum can be.
            "expected value" => "has a value of the wrong type".to_owned(),
            _ => message.to_owned(),
        }
    }
}

/// What serde expected, in the API's terms.
fn api_type(expected: &str) -> String {
    macro_rules! integers {
        ($($ty:ident)*) => {
            match expected {
                $(stringify!($ty) => {
                    return format!("an integer from {} to {}", $ty::MIN, $ty::MAX)
                })*
                _ => {}
            }
        };
    }
    integers!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize);
    let named = match expected {
        "a string" | "a borrowed string" | "string" | "a character" | "char" => "a string",
        "a boolean" | "bool" => "true or false",
        "f32" | "f64" => "a number",
        "a sequence" | "a vector" | "a set" => "an array",
        "a map" | "map" => "an object",
        _ if expected.contains("UUID") => "a UUID",
        "an RFC 3339 formatted date and time string" => crate::dto::TIMESTAMP_RULE,
        _ if expected.starts_with("struct ") => "a JSON object",
        _ if expected.starts_with("a sequence")
            || expected.starts_with("tuple")
            || expected.starts_with("an array") =>
        {
            "an array"
        }
        _ if expected.starts_with("enum ")
            || expected.starts_with("variant ")
            || expected.starts_with("unit variant")
            || expected.starts_with("option")
            || expected.starts_with("unit") =>
        {
            "an allowed value"
        }
        // The DTOs' own deserializers say what they expect in the API's terms.
        _ => expected,
    };
    named.to_owned()
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

    use actix_web::test::TestRequest;

    use crate::dto::bulk::{TodoBulkCreate, TodoBulkUpdate};
    use crate::dto::categories::CategoryCreate;
    use crate::dto::todo_list::TodoListQuery;
    use crate::dto::todos::{TodoCreate, TodoUpdate};
    use crate::dto::users::{DeleteBody, UserUpdateMe};

    /// The one field a refused body names, with its messages.
    fn refusal<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> (String, Vec<String>) {
        let err = parse_json::<T>(body.as_bytes()).expect_err(body);
        assert_eq!(
            err.kind(),
            ErrorKind::Validation,
            "{body}: {:?}",
            err.problem()
        );
        let errors = field_errors(&err);
        assert_eq!(errors.len(), 1, "{body}: {errors:?}");
        errors.into_iter().next().unwrap_or_default()
    }

    #[test]
    fn a_syntax_error_anywhere_wins_over_a_field_error_before_it() {
        for body in [
            r#"{"title": "unterminated"#,
            r#"{"name": "Work", "colour": 1, "#,
            r#"["x", 1, "#,
            r#"{"name": 3 x}"#,
        ] {
            let err = parse_json::<CategoryCreate>(body.as_bytes()).expect_err(body);
            assert_eq!(err.kind(), ErrorKind::BadRequest, "{body}");
            assert!(
                err.problem().detail.starts_with("malformed JSON: "),
                "{body}"
            );
        }
        let err = parse_json::<TodoUpdate>(b"[1, 2,").expect_err("array");
        assert_eq!(err.kind(), ErrorKind::BadRequest);
        let err = parse_json::<TodoCreate>(br#"{"priority": 3, "title": "#).expect_err("eof");
        assert_eq!(err.kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn valid_json_that_is_not_an_object_is_refused_as_the_body() {
        for body in [
            r#"["t", null, "pending", "low", null, null, []]"#,
            r#""title""#,
            "3",
            "null",
            "true",
            "[]",
        ] {
            assert_eq!(
                refusal::<TodoCreate>(body),
                ("body".to_owned(), vec![OBJECT_RULE.to_owned()]),
                "{body}"
            );
        }
    }

    #[test]
    fn an_array_where_a_nested_object_belongs_is_refused() {
        let object = vec![OBJECT_RULE.to_owned()];
        assert_eq!(
            refusal::<UserUpdateMe>(r#"{"preferences": ["dark", "UTC"]}"#),
            ("preferences".to_owned(), object.clone())
        );
        assert_eq!(
            refusal::<TodoBulkCreate>(r#"{"items": [{"title": "a"}, ["b"]]}"#),
            ("items[1]".to_owned(), object.clone())
        );
        assert_eq!(
            refusal::<TodoBulkUpdate>(r#"{"ids": [], "set": ["completed"]}"#),
            ("set".to_owned(), object)
        );
    }

    #[test]
    fn a_value_outside_an_enum_lists_the_allowed_values() {
        let allowed = vec!["must be one of: low, medium, high, urgent".to_owned()];
        for value in ["3", r#""highest""#, "true", "[]", "{}"] {
            let body = format!(r#"{{"title": "t", "priority": {value}}}"#);
            assert_eq!(
                refusal::<TodoCreate>(&body),
                ("priority".to_owned(), allowed.clone()),
                "{body}"
            );
        }
        assert_eq!(
            refusal::<TodoBulkUpdate>(r#"{"ids": [], "set": {"status": 1}}"#).0,
            "set.status"
        );
    }

    #[test]
    fn messages_speak_of_json_values_not_of_server_types() {
        let cases: [(&str, &str, &str); 9] = [
            (r#"{"title": 1}"#, "title", "must be a string"),
            (r#"{"title": {}}"#, "title", "must be a string"),
            (r#"{"title": "t", "tags": "a"}"#, "tags", "must be an array"),
            (
                r#"{"title": "t", "tags": [1]}"#,
                "tags[0]",
                "must be a string",
            ),
            (
                r#"{"title": "t", "category_id": 5}"#,
                "category_id",
                "must be a UUID",
            ),
            (
                r#"{"title": "t", "category_id": "x"}"#,
                "category_id",
                "must be a UUID",
            ),
            (
                r#"{"title": "t", "description": []}"#,
                "description",
                "must be a string",
            ),
            (
                r#"{"title": "t", "title": "u"}"#,
                "title",
                "must be given only once",
            ),
            (
                r#"{"title": "t", "tags": null}"#,
                "tags",
                "must not be null",
            ),
        ];
        for (body, field, message) in cases {
            assert_eq!(
                refusal::<TodoCreate>(body),
                (field.to_owned(), vec![message.to_owned()]),
                "{body}"
            );
        }
        let version = vec!["must be an integer from -2147483648 to 2147483647".to_owned()];
        for value in [r#""3""#, "1.5", "3000000000", "true"] {
            let body = format!(r#"{{"version": {value}}}"#);
            assert_eq!(
                refusal::<TodoUpdate>(&body),
                ("version".to_owned(), version.clone())
            );
        }
        assert_eq!(
            refusal::<UserUpdateMe>(r#"{"preferences": {"email_notifications": "yes"}}"#),
            (
                "preferences.email_notifications".to_owned(),
                vec!["must be true or false".to_owned()]
            )
        );
    }

    #[test]
    fn null_is_refused_where_a_field_cannot_be_null() {
        let null = vec!["must not be null".to_owned()];
        for (body, field) in [
            (r#"{"username": null}"#, "username"),
            (r#"{"version": null}"#, "version"),
            (r#"{"preferences": null}"#, "preferences"),
            (r#"{"preferences": {"theme": null}}"#, "preferences.theme"),
        ] {
            assert_eq!(
                refusal::<UserUpdateMe>(body),
                (field.to_owned(), null.clone()),
                "{body}"
            );
        }
        assert_eq!(
            refusal::<TodoCreate>(r#"{"title": null}"#),
            ("title".to_owned(), null.clone())
        );
        assert_eq!(
            refusal::<DeleteBody>(r#"{"version": null}"#),
            ("version".to_owned(), null.clone())
        );
        // The nullable ones clear.
        let cleared: UserUpdateMe = parse_json(br#"{"full_name": null, "bio": null}"#).expect("ok");
        assert_eq!((cleared.full_name, cleared.bio), (Some(None), Some(None)));
        let cleared: TodoUpdate =
            parse_json(br#"{"due_date": null, "description": null, "category_id": null}"#)
                .expect("ok");
        assert_eq!(cleared.due_date, Some(None));
    }

    #[test]
    fn a_date_alone_is_refused_with_the_expected_form() {
        let rule = vec![format!("must be {}", crate::dto::TIMESTAMP_RULE)];
        assert_eq!(
            refusal::<TodoCreate>(r#"{"title": "t", "due_date": "2026-12-24"}"#),
            ("due_date".to_owned(), rule.clone())
        );
        assert_eq!(
            refusal::<TodoUpdate>(r#"{"due_date": 20261224}"#),
            ("due_date".to_owned(), rule.clone())
        );
        let err = parse_query::<TodoListQuery>("due_before=2026-12-24").expect_err("date");
        assert_eq!(field_errors(&err).get("due_before"), Some(&rule));
        let query: TodoListQuery =
            parse_query("due_after=2026-12-24T10%3A00%3A00%2B02%3A00").expect("with offset");
        assert_eq!(
            query.due_after.map(|t| t.to_rfc3339()),
            Some("2026-12-24T08:00:00+00:00".to_owned())
        );
    }

    #[test]
    fn unknown_query_parameters_are_named_and_brackets_mean_repeats() {
        let err = parse_query::<TodoListQuery>("statuses=pending").expect_err("unknown");
        assert_eq!(
            field_errors(&err).get("statuses"),
            Some(&vec!["unknown field".to_owned()])
        );
        let query: TodoListQuery =
            parse_query("status[]=pending&status%5B%5D=completed&tag[]=a&tag=b").expect("ok");
        assert_eq!(query.status.len(), 2);
        assert_eq!(query.tag, ["a", "b"]);
        let err = parse_query::<TodoListQuery>("status[]=paused").expect_err("value");
        assert_eq!(
            field_errors(&err)
                .get("status[0]")
                .or(field_errors(&err).get("status")),
            Some(&vec![
                "must be one of: pending, in_progress, completed, archived".to_owned()
            ])
        );
        let err = parse_query::<TodoListQuery>("size=ten").expect_err("size");
        assert_eq!(
            field_errors(&err).get("size"),
            Some(&vec!["must be an integer".to_owned()])
        );
        let err = parse_query::<TodoListQuery>("overdue=yes").expect_err("flag");
        assert_eq!(
            field_errors(&err).get("overdue"),
            Some(&vec!["must be true or false".to_owned()])
        );
    }

    #[test]
    fn json_media_types_are_application_json_and_its_suffixes() {
        let check = |content_type: Option<&str>| {
            let mut req = TestRequest::default();
            if let Some(content_type) = content_type {
                req = req.insert_header((CONTENT_TYPE, content_type));
            }
            json_media_type(&req.to_http_request()).map_err(|err| err.kind())
        };
        for json in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON;Charset=UTF-8",
            "application/merge-patch+json",
            "application/vnd.api+json",
        ] {
            assert_eq!(check(Some(json)), Ok(()), "{json}");
        }
        for other in [
            "text/plain",
            "text/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonp",
            "application/json+xml",
            "nonsense",
        ] {
            assert_eq!(
                check(Some(other)),
                Err(ErrorKind::UnsupportedMediaType),
                "{other}"
            );
        }
        assert_eq!(check(None), Err(ErrorKind::UnsupportedMediaType));
    }

    #[actix_web::test]
    async fn an_empty_body_is_no_body_and_a_body_must_be_json() {
        let parts = |content_type: Option<&str>, body: &'static str| {
            let mut req = TestRequest::default().set_payload(body);
            if let Some(content_type) = content_type {
                req = req.insert_header((CONTENT_TYPE, content_type));
            }
            req.to_http_parts()
        };
        let (req, mut payload) = parts(Some("application/json"), "");
        let err = ValidJson::<TodoUpdate>::from_request(&req, &mut payload)
            .await
            .expect_err("required");
        assert_eq!(
            field_errors(&err).get("body"),
            Some(&vec![BODY_REQUIRED.to_owned()])
        );
        for content_type in [Some("application/json"), Some("text/plain"), None] {
            let (req, mut payload) = parts(content_type, "");
            let body = OptionalJson::<DeleteBody>::from_request(&req, &mut payload)
                .await
                .expect("no body");
            assert!(body.0.is_none());
        }
        let (req, mut payload) = parts(Some("application/json"), r#"{"version": 3}"#);
        let body = OptionalJson::<DeleteBody>::from_request(&req, &mut payload)
            .await
            .expect("a body");
        assert_eq!(DeleteBody::version_of(body.0), Some(3));
        for content_type in [Some("text/plain"), None] {
            let (req, mut payload) = parts(content_type, r#"{"version": 3}"#);
            let err = OptionalJson::<DeleteBody>::from_request(&req, &mut payload)
                .await
                .expect_err("not JSON");
            assert_eq!(err.kind(), ErrorKind::UnsupportedMediaType);
        }
        let (req, mut payload) = parts(Some("application/json"), r#"{"permanent": true}"#);
        let err = OptionalJson::<DeleteBody>::from_request(&req, &mut payload)
            .await
            .expect_err("unknown");
        assert!(field_errors(&err).contains_key("permanent"));
    }
}
