//! The auth rate limit: attempts to prove a password (logins,
//! registrations, the mail-link token routes, password checks behind an
//! access token), counted per bucket in the database, so that every server
//! on it counts the same attempts. A bucket is a client address
//! (`ip:203.0.113.7`) or an account (`user:<id>`), each allowed
//! `AUTH_RATE_LIMIT_PER_MINUTE` attempts.
//!
//! # A sliding minute in ten-second windows
//!
//! An attempt is counted in the row of its bucket and ten-second window
//! (`rate_limits`), and the limit applies to the attempts of the current
//! window and the five before it: a minute that slides in steps of ten
//! seconds. So no more than the limit pass in any 50 seconds, an attempt
//! stops counting 50 to 60 seconds after it was made, and the `Retry-After`
//! of a refusal (when enough of the oldest windows will have left the
//! minute) is never more than 60 seconds. A fixed one-minute window would
//! let twice the limit through around the turn of each minute; weighting
//! the previous minute's count by how much of it is left, the usual
//! approximation, may ask a client to wait longer than a minute after a
//! burst, and a wait it cannot state exactly.
//!
//! Every attempt counts, refused ones too: a client that keeps trying past
//! the limit stays refused; one that waits the `Retry-After` it was given
//! gets in (unless others from its address tried meanwhile).
//!
//! # One upsert per attempt, atomic on every engine
//!
//! PostgreSQL and SQLite: `INSERT … ON CONFLICT (bucket, window_start) DO
//! UPDATE SET attempts = rate_limits.attempts + 1 RETURNING attempts`,
//! then a read of the bucket's earlier windows (a range of the primary
//! key). MySQL/MariaDB have no `RETURNING` on an upsert: `INSERT … ON
//! DUPLICATE KEY UPDATE`, then the read of every window of the minute, in
//! one transaction; the upsert holds the current row's lock until the
//! commit, so the read sees exactly this attempt's count. Concurrent
//! attempts from several servers each get their own number, and never
//! lose one another's.
//!
//! Rows older than the minute are deleted by the housekeeping round
//! ([`purge_expired`]).

use std::net::IpAddr;
use std::num::NonZeroU32;

use chrono::{DateTime, TimeDelta};
use entity::rate_limit::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use crate::clock::{self, Timestamp};

/// The length of one window, in seconds.
const WINDOW_SECS: i64 = 10;

/// Windows the limit spans: the current one and the five before it.
const WINDOWS: i64 = 6;

/// The column `RETURNING` answers.
const ATTEMPTS: &str = "attempts";

/// What an attempt is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attempter {
    /// The client's address (logins, registrations, token routes and
    /// password proofs).
    Ip(IpAddr),
    /// The account whose password is being proved behind its access token.
    User(Uuid),
}

impl Attempter {
    /// The bucket's key in `rate_limits`.
    fn bucket(self) -> String {
        match self {
            Self::Ip(ip) => format!("ip:{ip}"),
            Self::User(id) => format!("user:{id}"),
        }
    }
}

/// What the limit says to an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Verdict {
    /// Within the limit: go on.
    Allowed,
    /// Past the limit: refuse, and tell the client to wait this many
    /// seconds (1 to 60), after which an attempt gets in unless others of
    /// the same bucket came meanwhile.
    Refused {
        /// Seconds until enough of the counted attempts have left the minute.
        retry_after_secs: u64,
    },
}

/// The auth rate limit: `per_minute` attempts per bucket (see the module
/// documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthRateLimit {
    per_minute: NonZeroU32,
}

impl AuthRateLimit {
    /// `per_minute` attempts per bucket; `None` when 0 (no limit).
    #[must_use]
    pub fn new(per_minute: u32) -> Option<Self> {
        NonZeroU32::new(per_minute).map(|per_minute| Self { per_minute })
    }

    /// Counts one attempt against each of `attempters`, in order, and stops
    /// at the first that refuses it (the later ones are not counted).
    ///
    /// # Errors
    /// The database error.
    pub async fn attempt(
        self,
        db: &DatabaseConnection,
        attempters: &[Attempter],
    ) -> Result<Verdict, DbErr> {
        let now = clock::now();
        for attempter in attempters {
            let windows = count(db, &attempter.bucket(), now).await?;
            let verdict = self.judge(&windows, now);
            if verdict != Verdict::Allowed {
                return Ok(verdict);
            }
        }
        Ok(Verdict::Allowed)
    }

    /// The verdict on an attempt already counted in `windows` (the
    /// bucket's windows of the minute: start and attempts, oldest first).
    fn judge(self, windows: &[(Timestamp, i64)], now: Timestamp) -> Verdict {
        let limit = i64::from(self.per_minute.get());
        let mut counted: i64 = windows.iter().map(|(_, attempts)| attempts).sum();
        if counted <= limit {
            return Verdict::Allowed;
        }
        // The oldest windows leave the minute first: the next attempt gets
        // in once the ones left, and it, are within the limit.
        for (start, attempts) in windows {
            counted -= attempts;
            if counted < limit {
                let leaves = *start + TimeDelta::seconds(WINDOW_SECS * WINDOWS);
                let wait_ms = (leaves - now).num_milliseconds();
                let secs = u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000);
                return Verdict::Refused {
                    retry_after_secs: secs.clamp(1, 60),
                };
            }
        }
        Verdict::Refused {
            retry_after_secs: 60,
        }
    }
}

/// The start of the window `at` falls in.
fn window_of(at: Timestamp) -> Timestamp {
    let start = at.timestamp().div_euclid(WINDOW_SECS) * WINDOW_SECS;
    DateTime::from_timestamp(start, 0).map_or(at, |start| start.fixed_offset())
}

/// Counts one attempt in `bucket`'s current window and answers the
/// bucket's windows of the minute, this attempt included, oldest first.
async fn count(
    db: &DatabaseConnection,
    bucket: &str,
    now: Timestamp,
) -> Result<Vec<(Timestamp, i64)>, DbErr> {
    let current = window_of(now);
    let oldest = current - TimeDelta::seconds(WINDOW_SECS * (WINDOWS - 1));
    let mut upsert = Query::insert();
    upsert
        .into_table(rate_limit::Entity)
        .columns([Column::Bucket, Column::WindowStart, Column::Attempts])
        .values([bucket.into(), current.into(), 1i32.into()])
        .map_err(|err| DbErr::Custom(format!("building the attempt count: {err}")))?
        .on_conflict(
            OnConflict::columns([Column::Bucket, Column::WindowStart])
                .value(
                    Column::Attempts,
                    Expr::col((rate_limit::Entity, Column::Attempts)).add(1i32),
                )
                .to_owned(),
        );
    if db.get_database_backend() == DbBackend::MySql {
        let txn = db.begin().await?;
        txn.execute(&upsert).await?;
        let windows = windows(&txn, bucket, oldest, current).await?;
        txn.commit().await?;
        return Ok(windows);
    }
    upsert.returning_col(Column::Attempts);
    let row = db.query_one(&upsert).await?;
    let attempts = match row {
        Some(row) => row.try_get::<i32>("", ATTEMPTS)?,
        None => return Err(DbErr::RecordNotInserted),
    };
    let before = current - TimeDelta::seconds(WINDOW_SECS);
    let mut windows = windows(db, bucket, oldest, before).await?;
    windows.push((current, i64::from(attempts)));
    Ok(windows)
}

/// `bucket`'s windows from `oldest` through `newest`, oldest first.
async fn windows(
    conn: &impl ConnectionTrait,
    bucket: &str,
    oldest: Timestamp,
    newest: Timestamp,
) -> Result<Vec<(Timestamp, i64)>, DbErr> {
    let rows: Vec<(Timestamp, i32)> = rate_limit::Entity::find()
        .select_only()
        .columns([Column::WindowStart, Column::Attempts])
        .filter(Column::Bucket.eq(bucket))
        .filter(Column::WindowStart.between(oldest, newest))
        .order_by_asc(Column::WindowStart)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(start, attempts)| (start, i64::from(attempts)))
        .collect())
}

/// Deletes the counts that no longer matter at `now` (windows that left
/// the minute, with a minute to spare for clocks that disagree); the
/// housekeeping round calls it. Answers how many rows went.
///
/// # Errors
/// The database error.
pub async fn purge_expired(db: &DatabaseConnection, now: Timestamp) -> Result<u64, DbErr> {
    let cutoff = window_of(now) - TimeDelta::seconds(2 * WINDOW_SECS * WINDOWS);
    let deleted = rate_limit::Entity::delete_many()
        .filter(Column::WindowStart.lt(cutoff))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64, millis: i64) -> Timestamp {
        DateTime::from_timestamp_millis(secs * 1000 + millis)
            .expect("in range")
            .fixed_offset()
    }

    fn limit(per_minute: u32) -> AuthRateLimit {
        AuthRateLimit::new(per_minute).expect("enabled")
    }

    #[test]
    fn windows_are_ten_seconds_long_and_start_on_the_tens() {
        assert_eq!(window_of(at(1_000_007, 250)), at(1_000_000, 0));
        assert_eq!(window_of(at(1_000_010, 0)), at(1_000_010, 0));
        assert!(AuthRateLimit::new(0).is_none());
    }

    #[test]
    fn within_the_limit_the_attempt_is_allowed() {
        let windows = [(at(100, 0), 1), (at(130, 0), 1), (at(150, 0), 1)];
        assert_eq!(limit(3).judge(&windows, at(155, 0)), Verdict::Allowed);
    }

    #[test]
    fn a_burst_waits_until_its_window_leaves_the_minute() {
        // Three attempts at 100–101 s, the refused fourth at 105.5 s.
        let windows = [(at(100, 0), 4)];
        let verdict = limit(3).judge(&windows, at(105, 500));
        assert_eq!(
            verdict,
            Verdict::Refused {
                retry_after_secs: 55
            }
        );
    }

    #[test]
    fn the_wait_ends_when_enough_of_the_oldest_windows_have_left() {
        // 2 at 100 s, 2 at 130 s, and now 1 more at 155 s: limit 4.
        let windows = [(at(100, 0), 2), (at(130, 0), 2), (at(150, 0), 1)];
        // Once the window of 100 s leaves (at 160 s) 3 remain: the next gets in.
        let verdict = limit(4).judge(&windows, at(155, 200));
        assert_eq!(
            verdict,
            Verdict::Refused {
                retry_after_secs: 5
            }
        );
        // With a limit of 2, the window of 130 s must leave too (at 190 s).
        let verdict = limit(2).judge(&windows, at(155, 200));
        assert_eq!(
            verdict,
            Verdict::Refused {
                retry_after_secs: 35
            }
        );
    }

    #[test]
    fn buckets_of_addresses_and_accounts_do_not_mix() {
        let ip = Attempter::Ip("203.0.113.7".parse().expect("ip"));
        assert_eq!(ip.bucket(), "ip:203.0.113.7");
        let v6 = Attempter::Ip("2001:db8::1".parse().expect("ip"));
        assert_eq!(v6.bucket(), "ip:2001:db8::1");
        let id = Uuid::nil();
        assert_eq!(
            Attempter::User(id).bucket(),
            "user:00000000-0000-0000-0000-000000000000"
        );
    }
}
