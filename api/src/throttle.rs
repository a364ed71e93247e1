//! The rate limit of password guesses, per client address and per account.
//! The extractors that count attempts against it are in [`crate::auth`].

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::error::ApiError;

/// Who an attempt to prove a password is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Attempter {
    /// The client's address (logins, registrations and password proofs).
    Ip(IpAddr),
    /// The account whose password is being guessed behind its access token.
    User(Uuid),
}

/// Limiter of attempts to prove a password, per client IP and per account
/// (`AUTH_RATE_LIMIT_PER_MINUTE` each, in a burst, refilled evenly).
#[derive(Debug)]
pub struct AuthRateLimiter(DefaultKeyedRateLimiter<Attempter>);

impl AuthRateLimiter {
    /// `per_minute` attempts per key and minute, in a burst; `None` when 0 (no limit).
    #[must_use]
    pub fn new(per_minute: u32) -> Option<Arc<Self>> {
        NonZeroU32::new(per_minute)
            .map(|n| Arc::new(Self(RateLimiter::keyed(Quota::per_minute(n)))))
    }

    pub(crate) fn check(&self, key: Attempter) -> Result<(), ApiError> {
        // Forget idle clients now and then so the map stays small.
        if self.0.len() > 10_000 {
            self.0.retain_recent();
        }
        self.0.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::rate_limited(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn the_rate_limit_allows_a_burst_then_refuses_with_a_wait() {
        let limiter = AuthRateLimiter::new(3).expect("enabled");
        let ip = Attempter::Ip("10.0.0.1".parse().expect("ip"));
        for _ in 0..3 {
            limiter.check(ip).expect("within the limit");
        }
        let err = limiter.check(ip).expect_err("over the limit");
        assert_eq!(err.kind(), ErrorKind::RateLimited);
        limiter
            .check(Attempter::Ip("10.0.0.2".parse().expect("ip")))
            .expect("another IP is unaffected");
        limiter
            .check(Attempter::User(Uuid::now_v7()))
            .expect("an account is a bucket of its own");
        assert!(AuthRateLimiter::new(0).is_none());
    }
}
