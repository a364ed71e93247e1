//! Optimistic locking: the version a client says it has seen.

use crate::{ServiceError, ServiceResult};

/// The version a client expects a row to have, and how it said so.
///
/// The two sources fail differently (API.md): a stale `If-Match` header is a
/// failed precondition (`412`), a stale `version` in the body a conflict (`409`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// From an `If-Match` header.
    IfMatch(i32),
    /// From a `version` field in the body.
    Body(i32),
}

impl Expected {
    /// Checks the expectation against the row's current version.
    ///
    /// # Errors
    /// [`ServiceError::PreconditionFailed`] or [`ServiceError::StaleVersion`].
    pub fn check(self, current: i32) -> ServiceResult<()> {
        match self {
            Self::IfMatch(v) if v != current => Err(ServiceError::PreconditionFailed),
            Self::Body(v) if v != current => Err(ServiceError::StaleVersion { current }),
            _ => Ok(()),
        }
    }
}

/// Checks every given expectation (a request may carry both a header and a body field).
///
/// # Errors
/// The first failing expectation's error.
pub fn check_all(expected: &[Expected], current: i32) -> ServiceResult<()> {
    expected.iter().try_for_each(|e| e.check(current))
}

/// The error for a guarded write (`UPDATE … WHERE id = ? AND version = ?`)
/// that matched no row although the row had that version when it was read:
/// someone else changed or removed it in between. `now` is the row's version
/// as read again after the miss, `None` if the row is gone.
///
/// A client that named no version still learns that its change was based
/// on a state that no longer exists (`StaleVersion`): no update is lost.
#[must_use]
pub fn lost_race(expected: &[Expected], now: Option<i32>, entity: &'static str) -> ServiceError {
    match now {
        None => ServiceError::NotFound { entity },
        Some(_) if expected.iter().any(|e| matches!(e, Expected::IfMatch(_))) => {
            ServiceError::PreconditionFailed
        }
        Some(current) => ServiceError::StaleVersion { current },
    }
}
