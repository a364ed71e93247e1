//! Time and identifiers, made the same way everywhere.

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use uuid::Uuid;

/// The type of every timestamp column (see the `entity` crate).
pub type Timestamp = DateTime<FixedOffset>;

/// The current time, truncated to microseconds.
///
/// PostgreSQL and MySQL keep microseconds, SQLite keeps whatever text it is
/// given: truncating here makes a value read back equal to the value written
/// on every engine, which timestamps in ETags, cursors and tests rely on.
///
/// It is a `DateTime<FixedOffset>` (at UTC) because that is the type of the
/// entities' timestamp columns; see the `entity` crate for why.
#[must_use]
pub fn now() -> DateTime<FixedOffset> {
    Utc::now().trunc_subsecs(6).fixed_offset()
}

/// `time` as the entities store it: UTC, to the microsecond.
#[must_use]
pub fn to_db(time: DateTime<Utc>) -> DateTime<FixedOffset> {
    time.trunc_subsecs(6).fixed_offset()
}

/// A new time-ordered id (UUIDv7): B-tree friendly and usable as a keyset tie breaker.
#[must_use]
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}
