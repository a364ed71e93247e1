//! Password hashing (bcrypt), and the rules around it: the cost, how many
//! hashes run at once, and the dummy hash that unknown accounts are checked
//! against.
//!
//! bcrypt is CPU-bound on purpose. [`Passwords`] runs it on the blocking
//! pool, never on an async worker, so a login never stalls other requests'
//! I/O; and with fewer permits than cores, a flood of logins queues here
//! instead of taking every core from the requests that need none.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::{ServiceError, ServiceResult};

/// Hashes `password` with bcrypt at `cost`, on the calling thread.
///
/// # Errors
/// [`ServiceError::Internal`] if bcrypt fails (an invalid cost).
pub fn hash(password: &str, cost: u32) -> ServiceResult<String> {
    bcrypt::hash(password, cost).map_err(|e| ServiceError::internal("hashing a password", e))
}

/// Whether `password` matches `hash`, on the calling thread. A malformed
/// hash matches nothing.
#[must_use]
pub fn verify(password: &str, hash: &str) -> bool {
    bcrypt::verify(password, hash).unwrap_or(false)
}

/// The password hasher of the service. Cheap to clone: clones share the
/// permits and the dummy hash.
#[derive(Clone)]
pub struct Passwords {
    inner: Arc<Inner>,
}

struct Inner {
    cost: u32,
    slots: Semaphore,
    dummy_hash: String,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords")
            .field("cost", &self.inner.cost)
            .field("available_slots", &self.inner.slots.available_permits())
            .finish_non_exhaustive()
    }
}

impl Passwords {
    /// A hasher at bcrypt `cost` running at most `concurrency` hashes at
    /// once (at least one). Computes the dummy hash, which takes one hash's
    /// time.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] if bcrypt fails (an invalid cost) or the
    /// blocking pool does.
    pub async fn new(cost: u32, concurrency: usize) -> ServiceResult<Self> {
        // A hash of a random password at the same cost: verifying against
        // it takes as long as verifying a real one, so a login for an
        // unknown account cannot be told apart by its timing.
        let random = crate::clock::new_id().to_string();
        let dummy_hash = tokio::task::spawn_blocking(move || hash(&random, cost))
            .await
            .map_err(|e| ServiceError::internal("computing the dummy password hash", e))??;
        Ok(Self {
            inner: Arc::new(Inner {
                cost,
                slots: Semaphore::new(concurrency.max(1)),
                dummy_hash,
            }),
        })
    }

    /// The bcrypt cost of new hashes.
    #[must_use]
    pub fn cost(&self) -> u32 {
        self.inner.cost
    }

    /// Hashes a new password.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] if bcrypt or the blocking pool fails.
    pub async fn hash(&self, password: String) -> ServiceResult<String> {
        let cost = self.inner.cost;
        self.run(move || hash(&password, cost)).await?
    }

    /// Whether `password` matches `hash`; with no hash (an unknown
    /// account), checks it against the dummy hash, which takes the same
    /// time, and answers `false`.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] if the blocking pool fails.
    pub async fn verify(&self, password: String, hash: Option<String>) -> ServiceResult<bool> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.inner.dummy_hash.clone());
        let matches = self.run(move || verify(&password, &hash)).await?;
        Ok(known && matches)
    }

    /// Checks `current` against `hash` and, if it matches, hashes `new`, in
    /// one turn on the blocking pool: `None` when `current` is wrong.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] if bcrypt or the blocking pool fails.
    pub async fn verify_and_rehash(
        &self,
        current: String,
        hash: String,
        new: String,
    ) -> ServiceResult<Option<String>> {
        let cost = self.inner.cost;
        self.run(move || {
            if verify(&current, &hash) {
                self::hash(&new, cost).map(Some)
            } else {
                Ok(None)
            }
        })
        .await?
    }

    /// Runs `work` on the blocking pool once a permit is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ServiceResult<T> {
        let _permit = self
            .inner
            .slots
            .acquire()
            .await
            .map_err(|e| ServiceError::internal("waiting for a password slot", e))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ServiceError::internal("running password work", e))
    }
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

    #[tokio::test]
    async fn an_unknown_account_matches_no_password_even_the_dummy_one() {
        let passwords = Passwords::new(4, 1).await.expect("passwords");
        let h = passwords
            .hash("s3cret-password".into())
            .await
            .expect("hash");
        assert!(
            passwords
                .verify("s3cret-password".into(), Some(h.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify("wrong".into(), Some(h))
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify("s3cret-password".into(), None)
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn a_wrong_current_password_hashes_nothing() {
        let passwords = Passwords::new(4, 2).await.expect("passwords");
        let h = passwords.hash("old-password1".into()).await.expect("hash");
        let none = passwords
            .verify_and_rehash("wrong".into(), h.clone(), "new-password1".into())
            .await
            .expect("verify");
        assert_eq!(none, None);
        let new = passwords
            .verify_and_rehash("old-password1".into(), h, "new-password1".into())
            .await
            .expect("verify")
            .expect("a new hash");
        assert!(verify("new-password1", &new));
    }
}
