//! Refusals in the API's terms: decoding errors named by field, with
//! messages about JSON values rather than server types, and `validator`
//! errors flattened to `field.sub[index]` paths.

use actix_web::error::PayloadError;
use service::FieldErrors;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use super::MAX_BODY_BYTES;
use crate::error::{ApiError, ErrorKind};

/// Names the field an error is about: an unknown field names itself, a
/// missing one names itself, anything else is reported at its path; the
/// message is put in the API's terms ([`in_api_terms`]).
pub(super) fn field_of(path: String, message: String) -> (String, String) {
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

pub(super) fn strip_position(message: &str) -> String {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
        .to_owned()
}

pub(super) fn body_error(err: actix_web::Error) -> ApiError {
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
