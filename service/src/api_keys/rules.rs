//! The rules a new key must follow, and how a key is made.

use entity::api_key;
use uuid::Uuid;

use super::{IssuedKey, KEY_PREFIX, NAME_MAX_CHARS, NewKey, PREFIX_LEN, Scope};
use crate::clock::{self, Timestamp};
use crate::{FieldErrors, ServiceError, ServiceResult, secrets};

/// Checks `new` against the rules; answers the trimmed name and whether
/// the key may write.
pub(super) fn validate(new: &NewKey, now: Timestamp) -> ServiceResult<(String, bool)> {
    let mut errors = FieldErrors::new();
    let name = new.name.trim();
    if !(1..=NAME_MAX_CHARS).contains(&name.chars().count()) {
        errors.insert(
            "name".to_owned(),
            vec![format!("must be between 1 and {NAME_MAX_CHARS} characters")],
        );
    } else if name.chars().any(char::is_control) {
        errors.insert(
            "name".to_owned(),
            vec!["must not contain control characters".to_owned()],
        );
    }
    let count = |scope| new.scopes.iter().filter(|s| **s == scope).count();
    let can_write = match (count(Scope::Read), count(Scope::Write)) {
        (1, 0) => false,
        (1, 1) => true,
        _ => {
            errors.insert(
                "scopes".to_owned(),
                vec![r#"must be ["read"] or ["read", "write"]"#.to_owned()],
            );
            false
        }
    };
    if new.expires_at.is_some_and(|at| clock::to_db(at) <= now) {
        errors.insert(
            "expires_at".to_owned(),
            vec!["must be in the future".to_owned()],
        );
    }
    if errors.is_empty() {
        Ok((name.to_owned(), can_write))
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

/// A new secret and the row that stores its digest.
pub(super) fn mint(
    user_id: Uuid,
    name: String,
    can_write: bool,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> IssuedKey {
    let secret = format!("{KEY_PREFIX}{}", secrets::new_token());
    let key = api_key::Model {
        id: clock::new_id(),
        user_id,
        name,
        prefix: secret.chars().take(PREFIX_LEN).collect(),
        key_hash: secrets::digest(&secret),
        can_write,
        expires_at,
        last_used_at: None,
        revoked_at: None,
        created_at: now,
    };
    IssuedKey { key, secret }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;

    fn new(name: &str, scopes: &[Scope], expires_at: Option<DateTime<Utc>>) -> NewKey {
        NewKey {
            name: name.to_owned(),
            scopes: scopes.to_vec(),
            expires_at,
        }
    }

    fn fields(result: ServiceResult<(String, bool)>) -> Vec<String> {
        match result {
            Err(ServiceError::Invalid(errors)) => errors.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn scopes_are_read_or_read_and_write_in_any_order() {
        let now = clock::now();
        let read = validate(&new(" ci ", &[Scope::Read], None), now).expect("read");
        assert_eq!(read, ("ci".to_owned(), false));
        for scopes in [[Scope::Read, Scope::Write], [Scope::Write, Scope::Read]] {
            let (_, can_write) = validate(&new("ci", &scopes, None), now).expect("read+write");
            assert!(can_write);
        }
        for scopes in [
            &[][..],
            &[Scope::Write],
            &[Scope::Read, Scope::Read],
            &[Scope::Read, Scope::Write, Scope::Write],
        ] {
            assert_eq!(fields(validate(&new("ci", scopes, None), now)), ["scopes"]);
        }
    }

    #[test]
    fn names_and_expiry_follow_their_rules() {
        let now = clock::now();
        let past = Some(Utc::now() - chrono::Duration::seconds(1));
        assert_eq!(
            fields(validate(&new("  ", &[Scope::Read], past), now)),
            ["expires_at", "name"]
        );
        let long = "n".repeat(NAME_MAX_CHARS + 1);
        assert_eq!(
            fields(validate(&new(&long, &[Scope::Read], None), now)),
            ["name"]
        );
        assert_eq!(
            fields(validate(&new("a\nb", &[Scope::Read], None), now)),
            ["name"]
        );
        let future = Some(Utc::now() + chrono::Duration::days(1));
        assert!(
            validate(
                &new(&"n".repeat(NAME_MAX_CHARS), &[Scope::Read], future),
                now
            )
            .is_ok()
        );
    }

    #[test]
    fn a_minted_key_is_recognisable_and_stored_as_its_digest() {
        let now = clock::now();
        let issued = mint(Uuid::nil(), "ci".to_owned(), true, None, now);
        assert!(issued.secret.starts_with(KEY_PREFIX));
        assert!(
            issued.secret.len() >= KEY_PREFIX.len() + 43,
            "256 bits at least"
        );
        assert_eq!(issued.key.prefix, issued.secret[..PREFIX_LEN]);
        assert_eq!(issued.key.key_hash, secrets::digest(&issued.secret));
        assert_ne!(issued.key.key_hash, issued.secret);
    }
}
