//! The work every server does beside answering requests: delivering the
//! mail outbox, writing the API keys' `last_used_at` in batches,
//! housekeeping on a timer (purging accounts whose grace period ended, and
//! sent mail past its retention), and measuring the read replicas' lag.
//!
//! Every server runs every job; each is safe with several servers on one
//! database (the mail claim takes a lease, a purge is one guarded `DELETE`
//! per account), so none needs electing a leader.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use service::api_keys::Usage;
use service::{ServiceResult, accounts, clock, mail};
use tokio::sync::watch;

use crate::state::AppState;

/// How often the uses of API keys are written (`last_used_at` lags the last
/// use by at most this, plus the time of a listing, which writes first).
pub const API_KEY_USAGE_FLUSH: Duration = Duration::from_secs(30);

/// How long a sent message is kept (its headers; the bodies are dropped
/// when it is sent).
pub const SENT_MAIL_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(30);

/// What one round of housekeeping removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Housekeeping {
    /// Accounts purged with everything they owned.
    pub accounts_purged: u64,
    /// Sent messages past [`SENT_MAIL_RETENTION`].
    pub mail_purged: u64,
    /// Mail-link tokens that expired a day or more ago.
    pub tokens_purged: u64,
}

/// One round of housekeeping, as of now.
///
/// # Errors
/// The database error.
pub async fn housekeeping(db: &DatabaseConnection) -> ServiceResult<Housekeeping> {
    let now = clock::now();
    // Rate-limit counts past their minute: routine, not worth reporting.
    service::throttle::purge_expired(db, now).await?;
    // Idempotency records past their 24 hours: routine too.
    service::idempotency::purge_expired(db, now).await?;
    // Delta-sync deletion records past their 30 days (raising the floor).
    service::sync::purge_deletions(db, now).await?;
    Ok(Housekeeping {
        accounts_purged: accounts::purge_due(db, now).await?,
        mail_purged: mail::purge_sent_before(db, now - SENT_MAIL_RETENTION).await?,
        tokens_purged: accounts::purge_expired_tokens(db, now - chrono::TimeDelta::days(1)).await?,
    })
}

/// The background jobs of one server, until [`Jobs::stop`].
#[derive(Debug)]
pub struct Jobs {
    stop: watch::Sender<bool>,
    tasks: Vec<actix_web::rt::task::JoinHandle<()>>,
}

impl Jobs {
    /// Starts the mail worker, the flush of API-key uses (every
    /// [`API_KEY_USAGE_FLUSH`], and once more when stopped), the
    /// housekeeping timer (a round at once, then every `PURGE_INTERVAL_SECS`)
    /// and, with replicas, their health checks (every
    /// [`crate::reads::CHECK_INTERVAL`]).
    #[must_use]
    pub fn start(state: &AppState) -> Self {
        let (stop, stopped) = watch::channel(false);
        let db = &state.db;
        let worker = {
            let (db, mail, stopped) = (db.clone(), state.config.mail.clone(), stopped.clone());
            actix_web::rt::spawn(async move {
                mail::run_worker(&db, &mail.transport, &mail.delivery, until(stopped)).await;
            })
        };
        let usage = {
            let (db, usage, mut stopped) =
                (db.clone(), state.api_key_usage.clone(), stopped.clone());
            actix_web::rt::spawn(async move {
                let mut ticks = tokio::time::interval(API_KEY_USAGE_FLUSH);
                loop {
                    tokio::select! {
                        _ = ticks.tick() => flush_usage(&db, &usage).await,
                        _ = stopped.changed() => break,
                    }
                }
                flush_usage(&db, &usage).await;
            })
        };
        let purge_interval = state.config.purge_interval;
        let timer = {
            let (db, mut stopped) = (db.clone(), stopped.clone());
            actix_web::rt::spawn(async move {
                let mut ticks = tokio::time::interval(purge_interval);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = ticks.tick() => run_housekeeping(&db).await,
                        _ = stopped.changed() => return,
                    }
                }
            })
        };
        let mut tasks = vec![worker, usage, timer];
        if state.reads.has_replicas() {
            let (reads, mut stopped) = (state.reads.clone(), stopped.clone());
            tasks.push(actix_web::rt::spawn(async move {
                let mut ticks = tokio::time::interval(crate::reads::CHECK_INTERVAL);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = ticks.tick() => reads.check().await,
                        _ = stopped.changed() => return,
                    }
                }
            }));
        }
        Self { stop, tasks }
    }

    /// Stops every job once its round in progress is done.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(err) = task.await {
                log::error!("a background job ended abnormally: {err}");
            }
        }
    }
}

/// Resolves when `stop` is sent (or its sender dropped).
async fn until(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

async fn flush_usage(db: &DatabaseConnection, usage: &Usage) {
    if let Err(err) = usage.flush(db).await {
        // The uses stay pending for the next round.
        log::warn!("API keys: writing last_used_at failed: {err}");
    }
}

async fn run_housekeeping(db: &DatabaseConnection) {
    match housekeeping(db).await {
        Ok(done) if done != Housekeeping::default() => log::info!(
            "housekeeping: purged {} account(s), {} sent message(s) and {} expired token(s)",
            done.accounts_purged,
            done.mail_purged,
            done.tokens_purged
        ),
        Ok(_) => {}
        // Retried at the next tick; an outage is logged by the pool too.
        Err(err) => log::warn!("housekeeping failed: {err:?}"),
    }
}
