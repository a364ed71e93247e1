//! Validation rules shared by several DTOs.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use validator::ValidationError;

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

/// Free text (descriptions, colours, search terms): no NUL characters,
/// which PostgreSQL cannot store.
///
/// # Errors
/// A validation error describing the rule.
pub fn validate_text(text: &str) -> Result<(), ValidationError> {
    if text.contains('\0') {
        Err(error("nul", "must not contain NUL characters"))
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

/// Due dates: between the years 1000 and 9999 (what every engine stores).
///
/// # Errors
/// A validation error describing the rule.
pub fn validate_due_date(due: &chrono::DateTime<chrono::Utc>) -> Result<(), ValidationError> {
    use chrono::Datelike;
    if (1000..=9999).contains(&due.year()) {
        Ok(())
    } else {
        Err(error("range", "must be between the years 1000 and 9999"))
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
        None => Err(serde::de::Error::custom("must not be null")),
    }
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
        assert!(validate_text("fine\nwith lines").is_ok());
        assert!(validate_text("nul\0").is_err());
        assert!(validate_tag_names(&vec!["a".to_owned(); 51]).is_err());
        assert!(validate_tag_names(&["ok".to_owned(), String::new()]).is_err());
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
