//! The delivery worker: claim due rows, send them outside any transaction,
//! record each result.
//!
//! # Why a lease, and why it is checked on every write
//!
//! Sending talks to another machine and may take seconds, so it cannot
//! happen inside the transaction that claims the rows (that would hold row
//! locks, and on SQLite the one write lock, for as long). Instead a claim
//! sets `lease_until` in a short transaction and commits; the rows are then
//! the worker's until the lease runs out. If the worker dies, the lease
//! runs out and another server (or this one, restarted) claims the rows
//! again: delivery is at least once.
//!
//! Every later write of the worker is guarded by `lease_until = <its
//! lease>`: a worker that was too slow (its lease ran out and another
//! claimed the row) changes nothing, so it cannot overwrite the other's
//! result. Each claim writes a later `lease_until` than any earlier one of
//! the same row (a row is only claimed again once the old lease is past),
//! so the value identifies the claim.

use std::future::Future;
use std::time::Duration;

use chrono::TimeDelta;
use entity::mail_outbox::{self, Column, MailStatus};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::MailConfig;
use super::transport::{SMTP_TIMEOUT, Transport};
use crate::clock::{self, Timestamp};
use crate::{ServiceResult, txn};

/// The longest `last_error` kept, in characters: enough for any SMTP reply.
const MAX_ERROR_CHARS: usize = 1000;

/// The wait before the next attempt after `attempts` failed ones: `base`
/// doubled after each failure (`base`, 2·`base`, 4·`base`, …) and never more
/// than `cap`. With the defaults (30 s, 1 h): 30 s, 1 min, 2 min, … 32 min,
/// then hourly.
#[must_use]
pub fn backoff(attempts: i32, base: Duration, cap: Duration) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0);
    let factor = 1u32.checked_shl(doublings).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(cap)
}

/// Does one round of delivery: claims up to `config.batch` due messages,
/// sends each through `transport`, and records each result. Answers how
/// many messages were attempted (sent or failed); 0 means nothing was due.
///
/// A message that fails goes back to `pending` with `attempts + 1`, its
/// error in `last_error` and its next attempt after [`backoff`]; after
/// `config.max_attempts` failures (or at once when it cannot be built, a
/// malformed address) it is `failed` and waits for an operator's
/// [`super::retry_failed`]. A message whose lease has too little time left
/// for a send is released untried, for the next round.
///
/// # Errors
/// The database error of the claim. Errors while recording a result are
/// logged and do not stop the round: the row's lease runs out and the
/// message is tried again (at least once).
pub async fn deliver_due(
    db: &DatabaseConnection,
    transport: &Transport,
    config: &MailConfig,
) -> ServiceResult<usize> {
    let claimed = claim_due(db, config).await?;
    // Stop sending while the lease still outlasts one more SMTP exchange.
    let budget = delta(SMTP_TIMEOUT.min(config.lease / 2));
    let mut attempted = 0;
    for (index, row) in claimed.iter().enumerate() {
        let Some(lease) = row.lease_until else {
            continue;
        };
        if clock::now() + budget >= lease {
            log::warn!(
                "mail: lease running out, releasing {} claimed messages for the next round",
                claimed.len() - index
            );
            release(db, &claimed[index..]).await;
            break;
        }
        attempted += 1;
        let outcome = transport.send(row, &config.from).await;
        let recorded = match &outcome {
            Ok(()) => record_sent(db, row).await,
            Err(error) => {
                log::warn!(
                    "mail: delivery of {} to {} failed (attempt {}): {}",
                    row.id,
                    row.recipient,
                    row.attempts + 1,
                    error.message
                );
                record_failure(db, row, &error.message, error.permanent, config).await
            }
        };
        match recorded {
            Ok(true) => {}
            Ok(false) => log::warn!(
                "mail: the lease on {} ran out before its result was recorded; \
                 another attempt may repeat it (same Message-ID)",
                row.id
            ),
            Err(e) => log::error!("mail: cannot record the result of {}: {e}", row.id),
        }
    }
    Ok(attempted)
}

/// Runs [`deliver_due`] every `config.poll_interval` until `shutdown`
/// completes, and at once again after a round that filled its batch (a
/// backlog drains without waiting). A round in progress when `shutdown`
/// completes is finished first, so no claimed message is left to wait for
/// its lease. Errors are logged and the loop goes on: a database that is
/// down for a while delays mail, it does not stop it.
///
/// Start it once per server, e.g. `tokio::spawn(async move {
/// mail::run_worker(&db, &transport, &config, stop).await })`.
pub async fn run_worker<F>(
    db: &DatabaseConnection,
    transport: &Transport,
    config: &MailConfig,
    shutdown: F,
) where
    F: Future<Output = ()>,
{
    tokio::pin!(shutdown);
    log::info!("mail: delivering through {}", transport.describe());
    loop {
        let full = match deliver_due(db, transport, config).await {
            Ok(attempted) => attempted >= config.batch_size(),
            Err(e) => {
                log::warn!("mail: delivery round failed: {e:?}");
                false
            }
        };
        let pause = if full {
            Duration::ZERO
        } else {
            config.poll_interval
        };
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
    log::info!("mail: worker stopped");
}

/// Claims up to `config.batch` due messages for `config.lease`: pending,
/// due, and not held by a live lease. Answers them with their new
/// `lease_until`, oldest due first.
///
/// On PostgreSQL and MariaDB the candidates are read `FOR UPDATE SKIP
/// LOCKED`, so two servers claiming at once take disjoint rows without
/// waiting for each other. SQLite has no row locks; its write transaction
/// starts `IMMEDIATE` and so runs alone. On every engine the update repeats
/// the conditions, so a row can never be claimed twice under one lease.
///
/// # Errors
/// The database error.
pub async fn claim_due(
    db: &DatabaseConnection,
    config: &MailConfig,
) -> Result<Vec<mail_outbox::Model>, DbErr> {
    let now = clock::now();
    let lease_until = now + delta(config.lease);
    let txn = txn::begin_write(db).await?;
    let mut select = claim_candidates(now, config.batch);
    if db.get_database_backend() != DbBackend::Sqlite {
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut rows = select.all(&txn).await?;
    if rows.is_empty() {
        txn.commit().await?;
        return Ok(rows);
    }
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    mail_outbox::Entity::update_many()
        .col_expr(Column::LeaseUntil, Expr::value(lease_until))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.is_in(ids))
        .filter(claimable(now))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    for row in &mut rows {
        row.lease_until = Some(lease_until);
        row.updated_at = now;
    }
    Ok(rows)
}

/// The read of [`claim_due`] at `now`, without its lock: up to `batch`
/// claimable rows, next due first, read through the index on
/// `(status, next_attempt_at)`. Public so that a test can `EXPLAIN` it.
#[must_use]
pub fn claim_candidates(now: Timestamp, batch: u64) -> Select<mail_outbox::Entity> {
    mail_outbox::Entity::find()
        .filter(claimable(now))
        .order_by_asc(Column::NextAttemptAt)
        .limit(batch)
}

/// Pending, due at `now`, and held by no live lease.
fn claimable(now: Timestamp) -> Condition {
    Condition::all()
        .add(Column::Status.eq(MailStatus::Pending))
        .add(Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(Column::LeaseUntil.is_null())
                .add(Column::LeaseUntil.lt(now)),
        )
}

/// Records that the SMTP server accepted `row`, and empties its bodies:
/// their links carry tokens that are stored nowhere else in clear, so the
/// outbox keeps them no longer than it needs them. Answers false when the
/// lease had run out and the row was left as another worker has it.
///
/// # Errors
/// The database error.
pub async fn record_sent(db: &DatabaseConnection, row: &mail_outbox::Model) -> Result<bool, DbErr> {
    let now = clock::now();
    let result = mail_outbox::Entity::update_many()
        .col_expr(Column::Status, Expr::value(MailStatus::Sent))
        .col_expr(Column::TextBody, Expr::value(""))
        .col_expr(Column::HtmlBody, Expr::value(""))
        .col_expr(Column::SentAt, Expr::value(now))
        .col_expr(Column::LeaseUntil, Expr::value(None::<Timestamp>))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(held(row))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Records a failed attempt at `row`: back to pending after its backoff,
/// or `failed` when it was the last attempt allowed or `permanent` says
/// another cannot succeed. Answers false when the lease had run out.
///
/// # Errors
/// The database error.
pub async fn record_failure(
    db: &DatabaseConnection,
    row: &mail_outbox::Model,
    error: &str,
    permanent: bool,
    config: &MailConfig,
) -> Result<bool, DbErr> {
    let now = clock::now();
    let attempts = row.attempts.saturating_add(1);
    let gave_up = permanent || attempts >= config.max_attempts;
    let status = if gave_up {
        MailStatus::Failed
    } else {
        MailStatus::Pending
    };
    let wait = backoff(attempts, config.retry_base, config.retry_cap);
    let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
    let result = mail_outbox::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::Attempts, Expr::value(attempts))
        .col_expr(Column::LastError, Expr::value(error))
        .col_expr(Column::NextAttemptAt, Expr::value(now + delta(wait)))
        .col_expr(Column::LeaseUntil, Expr::value(None::<Timestamp>))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(held(row))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Gives claimed rows back untried, so the next round need not wait for
/// their lease. Failures are only logged: the lease frees them anyway.
async fn release(db: &DatabaseConnection, rows: &[mail_outbox::Model]) {
    for row in rows {
        let result = mail_outbox::Entity::update_many()
            .col_expr(Column::LeaseUntil, Expr::value(None::<Timestamp>))
            .filter(held(row))
            .exec(db)
            .await;
        if let Err(e) = result {
            log::warn!("mail: cannot release {}: {e}", row.id);
        }
    }
}

/// `row` as the worker that claimed it still holds it: pending, and under
/// the very lease the claim wrote.
fn held(row: &mail_outbox::Model) -> Condition {
    let lease = match row.lease_until {
        Some(lease) => Column::LeaseUntil.eq(lease),
        // Never claimed: nothing may be recorded against it.
        None => Expr::value(false),
    };
    Condition::all()
        .add(Column::Id.eq(row.id))
        .add(Column::Status.eq(MailStatus::Pending))
        .add(lease)
}

/// `duration` as chrono's, at most a century: added to now it can never
/// overflow, and no sensible lease or backoff comes near.
fn delta(duration: Duration) -> TimeDelta {
    let century = TimeDelta::days(36_525);
    TimeDelta::from_std(duration).map_or(century, |delta| delta.min(century))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(30);
    const CAP: Duration = Duration::from_secs(3600);

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let waits: Vec<u64> = (1..=9)
            .map(|attempts| backoff(attempts, BASE, CAP).as_secs())
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }

    #[test]
    fn backoff_never_overflows_nor_goes_below_the_base() {
        assert_eq!(backoff(i32::MAX, BASE, CAP), CAP);
        assert_eq!(backoff(0, BASE, CAP), BASE);
        assert_eq!(backoff(-3, BASE, CAP), BASE);
        assert_eq!(
            backoff(40, Duration::MAX, Duration::MAX),
            Duration::MAX,
            "saturates"
        );
        assert_eq!(backoff(5, Duration::ZERO, CAP), Duration::ZERO);
    }

    #[test]
    fn durations_convert_saturating() {
        assert_eq!(delta(Duration::from_secs(90)), TimeDelta::seconds(90));
        assert_eq!(delta(Duration::MAX), TimeDelta::days(36_525));
        assert!(
            clock::now()
                .checked_add_signed(delta(Duration::MAX))
                .is_some()
        );
    }
}
