//! Password hashing (bcrypt). CPU-bound on purpose: callers on an async
//! runtime run these on a blocking thread (`web::block`), never on a worker.

use crate::{ServiceError, ServiceResult};

/// Hashes `password` with bcrypt at `cost`.
///
/// # Errors
/// [`ServiceError::Internal`] if bcrypt fails (an invalid cost).
pub fn hash(password: &str, cost: u32) -> ServiceResult<String> {
    bcrypt::hash(password, cost).map_err(|e| ServiceError::Internal(format!("bcrypt: {e}")))
}

/// Whether `password` matches `hash`. A malformed hash matches nothing.
#[must_use]
pub fn verify(password: &str, hash: &str) -> bool {
    bcrypt::verify(password, hash).unwrap_or(false)
}

/// A hash of a random password at `cost`: verifying against it takes as long
/// as verifying a real one, so a login for an unknown account cannot be told
/// apart by its timing.
///
/// # Errors
/// [`ServiceError::Internal`] if bcrypt fails.
pub fn dummy_hash(cost: u32) -> ServiceResult<String> {
    hash(&crate::clock::new_id().to_string(), cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("s3cret-password", 4).expect("hash");
        assert!(verify("s3cret-password", &h));
        assert!(!verify("other-password1", &h));
        assert!(!verify("s3cret-password", "not a bcrypt hash"));
    }
}
