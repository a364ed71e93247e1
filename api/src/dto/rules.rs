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
    fn passwords_need_a_letter_and_a_digit() {
        assert!(validate_password("passw0rd").is_ok());
        assert!(validate_password("password").is_err());
        assert!(validate_password("12345678").is_err());
        assert!(validate_password("pa55").is_err());
        assert!(validate_password(&format!("a1{}", "x".repeat(127))).is_err());
    }
}
