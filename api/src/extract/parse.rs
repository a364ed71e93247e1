//! Reading request bytes into typed values: JSON bodies (objects only,
//! `400` for malformed JSON) and query strings (bracketed keys, strict
//! names), with U+0000 refused before any DTO sees it.

use std::borrow::Cow;

use serde::de::{DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer};
use validator::Validate;

use super::OBJECT_RULE;
use super::messages::{field_of, strip_position, validate};
use crate::error::{ApiError, ErrorKind};

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
