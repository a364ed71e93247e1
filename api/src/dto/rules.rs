//! Validation rules shared by several DTOs.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, Utc};
use serde::de::{Error as _, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};
use validator::ValidationError;

use crate::extract::Object;

fn error(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Borrowed(message))
}

/// Username: 3–50 of `[A-Za-z0-9_.-]`.
///
/// # Errors
/// A validation error describing the rule.
pub fn validate_username(username: &str) -> Result<(), ValidationError> {
    let length = username.chars().count();
    let charset = username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if (3..=50).contains(&length) && charset {
        Ok(())
    } else {
        Err(error(
            "username",
            "must be 3 to 50 characters of letters, digits, '_', '.' or '-'",
        ))
    }
}

/// Password: 8–128 characters with at least one letter and one digit.
///
/// # Errors
/// A validation error describing the rule.
pub fn validate_password(password: &str) -> Result<(), ValidationError> {
    let length = password.chars().count();
    let letter = password.chars().any(char::is_alphabetic);
    let digit = password.chars().any(|c| c.is_ascii_digit());
    if (8..=128).contains(&length) && letter && digit {
        Ok(())
    } else {
        Err(error(
            "password",
            "must be 8 to 128 characters with at least one letter and one digit",
        ))
    }
}

/// For PATCH fields where `null` clears and absence keeps: an absent field
/// stays `None` (with `#[serde(default)]`), `null` becomes `Some(None)`.
///
/// # Errors
/// The deserializer's error for a value of the wrong type.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Most tags one todo may carry.
pub const MAX_TAGS_PER_TODO: usize = 50;

fn trimmed_length_in(value: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&value.trim().chars().count())
}

/// Category and tag names: 1–50 characters once trimmed, on one line.
///
/// # Errors
/// A validation error describing the rule.
pub fn validate_name(name: &str) -> Result<(), ValidationError> {
    if !trimmed_length_in(name, 1, 50) {
        Err(error("length", "must be between 1 and 50 characters"))
    } else if name.chars().any(char::is_control) {
        Err(error("control", "must not contain control characters"))
    } else {
        Ok(())
    }
}

/// Todo titles: 1–200 characters once trimmed, on one line.
///
/// # Errors
/// A validation error describing the rule.
pub fn validate_title(title: &str) -> Result<(), ValidationError> {
    if !trimmed_length_in(title, 1, 200) {
        Err(error("length", "must be between 1 and 200 characters"))
    } else if title.chars().any(char::is_control) {
        Err(error("control", "must not contain control characters"))
    } else {
        Ok(())
    }
}

/// A todo's tag names: at most [`MAX_TAGS_PER_TODO`], each a valid name.
///
/// # Errors
/// A validation error describing the rule.
pub fn validate_tag_names(names: &[String]) -> Result<(), ValidationError> {
    if names.len() > MAX_TAGS_PER_TODO {
        return Err(error("count", "must list at most 50 tags"));
    }
    if names.iter().any(|name| validate_name(name).is_err()) {
        return Err(error(
            "name",
            "each tag name must be 1 to 50 characters on one line",
        ));
    }
    Ok(())
}

/// Every timestamp a request carries, in a body or a query (`due_date`,
/// `due_before`, `created_after`, `since`, …): in UTC, between the years 1000
/// and 9999, seconds 0–59. That is what every engine stores and compares
/// alike: MariaDB's `DATETIME` knows no other years, and no engine keeps a
/// leap second (`23:59:60`, which chrono parses into a nanosecond field of a
/// billion or more): MariaDB refuses it, the others store the next second.
///
/// # Errors
/// A validation error describing the rule.
pub fn validate_timestamp(time: &chrono::DateTime<chrono::Utc>) -> Result<(), ValidationError> {
    use chrono::{Datelike, Timelike};
    if !(1000..=9999).contains(&time.year()) {
        Err(error("range", "must be between the years 1000 and 9999"))
    } else if time.nanosecond() >= 1_000_000_000 {
        Err(error(
            "leap_second",
            "must have seconds from 0 to 59 (no leap second)",
        ))
    } else {
        Ok(())
    }
}

/// For optional fields that may be absent but not `null` (with
/// `#[serde(default)]`): `null` is an error naming the field.
///
/// # Errors
/// "must not be null", or the deserializer's error for a value of the wrong type.
pub fn non_null<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(D::Error::custom("must not be null")),
    }
}

/// For a nested object that may be absent but not `null` (with
/// `#[serde(default)]`, e.g. `preferences`): read from a JSON object only.
///
/// # Errors
/// "must not be null", "must be a JSON object", or the nested fields' errors.
pub fn non_null_object<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    non_null::<Object<T>, D>(deserializer).map(|value| value.map(|Object(value)| value))
}

/// For a nested object (e.g. `set`): read from a JSON object only, never
/// from an array of its fields.
///
/// # Errors
/// "must be a JSON object", or the nested fields' errors.
pub fn object<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Object::<T>::deserialize(deserializer).map(|Object(value)| value)
}

/// For a list of objects (e.g. bulk `items`): each read from a JSON object only.
///
/// # Errors
/// "must be an array", or an item's error at its index.
pub fn objects<'de, T, D>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Vec::<Object<T>>::deserialize(deserializer)
        .map(|items| items.into_iter().map(|Object(item)| item).collect())
}

/// What a timestamp that does not parse is told, in bodies and queries alike.
pub const TIMESTAMP_RULE: &str = "an RFC 3339 date-time, e.g. 2026-11-23T10:00:00Z";

/// A timestamp as requests spell it (RFC 3339, any offset), kept in UTC.
struct Timestamp(DateTime<Utc>);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Rfc3339;

        impl Visitor<'_> for Rfc3339 {
            type Value = Timestamp;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(TIMESTAMP_RULE)
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                // The parse chrono's own `Deserialize` does, with a message
                // that shows the expected form (a date alone is refused).
                text.parse::<DateTime<FixedOffset>>()
                    .map(|time| Timestamp(time.to_utc()))
                    .map_err(|_| E::invalid_value(Unexpected::Str(text), &self))
            }
        }

        deserializer.deserialize_str(Rfc3339)
    }
}

/// For timestamps that may be absent (with `#[serde(default)]`): a body's
/// `due_date` where `null` is no date, a query's `due_before`.
///
/// # Errors
/// "must be an RFC 3339 date-time, e.g. …" for anything else.
pub fn timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<Timestamp>::deserialize(deserializer).map(|time| time.map(|Timestamp(time)| time))
}

/// [`timestamp`] for a PATCH, where `null` clears (see [`double_option`]).
///
/// # Errors
/// As [`timestamp`].
pub fn nullable_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<DateTime<Utc>>>, D::Error> {
    timestamp(deserializer).map(Some)
}

/// Reads one of `values` by its name: anything else, a string of another
/// name or a value of another type, is "must be one of: …" listing them.
///
/// # Errors
/// That message.
pub fn one_of<'de, T: Copy, D: Deserializer<'de>>(
    deserializer: D,
    values: &'static [(T, &'static str)],
) -> Result<T, D::Error> {
    struct Names<T: 'static>(&'static [(T, &'static str)]);

    impl<T: Copy> Visitor<'_> for Names<T> {
        type Value = T;

        fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str("one of: ")?;
            for (index, (_, name)) in self.0.iter().enumerate() {
                if index > 0 {
                    formatter.write_str(", ")?;
                }
                formatter.write_str(name)?;
            }
            Ok(())
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            self.0
                .iter()
                .find(|(_, name)| *name == text)
                .map(|(value, _)| *value)
                .ok_or_else(|| E::invalid_value(Unexpected::Str(text), &self))
        }
    }

    deserializer.deserialize_str(Names(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_contract() {
        assert!(validate_username("ada.l-ove_1").is_ok());
        assert!(validate_username("ab").is_err());
        assert!(validate_username(&"a".repeat(51)).is_err());
        assert!(validate_username("no spaces").is_err());
    }

    #[test]
    fn names_and_titles_are_measured_trimmed_and_on_one_line() {
        assert!(validate_name(" Work ").is_ok());
        assert!(validate_name("   ").is_err());
        assert!(validate_name(&"n".repeat(51)).is_err());
        assert!(validate_name(&format!("  {}  ", "n".repeat(50))).is_ok());
        assert!(validate_name("two\nlines").is_err());
        assert!(validate_title(&"t".repeat(200)).is_ok());
        assert!(validate_title(&"t".repeat(201)).is_err());
        assert!(validate_tag_names(&vec!["a".to_owned(); 51]).is_err());
        assert!(validate_tag_names(&["ok".to_owned(), String::new()]).is_err());
    }

    fn parsed(text: &str) -> chrono::DateTime<chrono::Utc> {
        serde_json::from_value(serde_json::Value::from(text)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn timestamps_lie_in_the_years_1000_to_9999_without_leap_seconds() {
        assert!(validate_timestamp(&parsed("1000-01-01T00:00:00Z")).is_ok());
        assert!(validate_timestamp(&parsed("9999-12-31T23:59:59.999999Z")).is_ok());
        assert!(validate_timestamp(&parsed("2016-12-31T23:59:59Z")).is_ok());
        let leap = validate_timestamp(&parsed("2016-12-31T23:59:60Z")).expect_err("leap");
        assert_eq!(leap.code, "leap_second");
        assert!(validate_timestamp(&parsed("2016-12-31T23:59:60.5+00:00")).is_err());
        assert!(validate_timestamp(&parsed("0999-12-31T23:59:59Z")).is_err());
        // In UTC, where it is stored, this is the year 10000.
        assert!(validate_timestamp(&parsed("9999-12-31T23:00:00-05:00")).is_err());
    }

    #[test]
    fn passwords_need_a_letter_and_a_digit() {
        assert!(validate_password("passw0rd").is_ok());
        assert!(validate_password("password").is_err());
        assert!(validate_password("12345678").is_err());
        assert!(validate_password("pa55").is_err());
        assert!(validate_password(&format!("a1{}", "x".repeat(127))).is_err());
    }
}
