//! Where a read of a user's data runs: on a PostgreSQL streaming replica
//! (`DATABASE_REPLICA_URLS`) or on the primary. The one place that decides.
//!
//! # The rule
//!
//! [`Reads::run`] runs a read of one user's todos, categories, tags, stats
//! or sync records. It goes to a replica that is in use (it answered the
//! last health check, at most `REPLICA_MAX_LAG_MS` behind) and holds that
//! user's last write; otherwise to the primary. Writes never come here: they
//! run on the primary, and so do the reads inside them (the optimistic-
//! locking checks among them), in the write's transaction. So does every
//! other read: sign-in, sessions, API keys, the profile, the admin's routes.
//!
//! # Read-your-writes, by the user's write sequence
//!
//! Every transaction that writes a user's data raises `user_state.write_seq`
//! before it commits (`service::write_seq`), and a replica replays the
//! primary's transactions whole and in commit order. So when a replica's
//! copy of a user's number equals the primary's, it holds every write of
//! that user that any server has answered; when it is lower, one is still on
//! its way and the read goes to the primary. Two primary-key reads decide:
//! the number on the primary, then on the replica.
//!
//! This is as precise as comparing the WAL position of the user's last
//! commit with `pg_last_wal_replay_lsn()`, and costs the same one read on
//! the primary: a position would have to be stored there too, for the other
//! servers to see the writes this one answered. It is finer, being per
//! user: other users' writes that a replica has yet to replay do not keep
//! this user's reads on the primary.
//!
//! # Failures
//!
//! A read that fails on a replica with a database error runs again on the
//! primary, and the replica is set aside until a health check finds it
//! answering again (within [`CHECK_INTERVAL`]): a replica that stops in the
//! middle of a request costs that request a retry, not an error. A replica
//! that cannot give a connection within [`crate::db::REPLICA_TIMEOUT`]
//! fails the same way.
//!
//! # Health
//!
//! [`Reads::check`] runs every [`CHECK_INTERVAL`] in each server's jobs and
//! asks every replica how far behind it is: 0 when it has replayed all the
//! WAL it has received, otherwise the time since the primary committed the
//! last transaction it replayed. (After a long quiet spell on the primary
//! that overstates the lag of the first write's replay: the replica is then
//! skipped for a moment, which costs load on the primary, never a stale
//! read.)

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use serde::Serialize;
use service::{ServiceError, ServiceResult, write_seq};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::Config;
use crate::telemetry::Metrics;

/// How often every replica's lag is measured.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// Milliseconds behind: 0 once everything received is replayed; otherwise
/// the age of the last transaction replayed. `NULL` when not a replica.
const LAG_SQL: &str = "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL \
     WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
     ELSE COALESCE(CAST(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) \
     * 1000 AS BIGINT), 0) END AS lag_ms";

/// Reads of users' data, and the replicas they may go to. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Reads {
    primary: DatabaseConnection,
    replicas: Arc<[Replica]>,
    next: Arc<AtomicUsize>,
    max_lag_ms: u64,
    metrics: Arc<Metrics>,
}

#[derive(Debug)]
struct Replica {
    /// `host:port/database`, without credentials.
    name: String,
    db: DatabaseConnection,
    /// Whether the last health check (or read) found it answering.
    connected: AtomicBool,
    /// Milliseconds behind as of the last check.
    lag_ms: AtomicU64,
}

/// One replica as `/health/ready` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReplicaStatus {
    /// `host:port/database` of the replica (no credentials).
    pub name: String,
    /// Whether it answered its last health check.
    pub connected: bool,
    /// How far it was behind the primary then, in milliseconds (absent
    /// when it did not answer).
    pub lag_ms: Option<u64>,
    /// Whether reads go to it now: connected and at most
    /// `REPLICA_MAX_LAG_MS` behind.
    pub in_use: bool,
}

/// Where a read ran, as `db_reads_total` labels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Primary,
    Replica,
}

impl Target {
    const fn label(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Replica => "replica",
        }
    }
}

impl Reads {
    /// Reads on `primary`, and on the replicas `config` names (their pools
    /// open lazily: a replica that is down does not stop the start).
    ///
    /// # Errors
    /// A replica URL that cannot be parsed; DATABASE_URL not PostgreSQL
    /// while replicas are named.
    pub async fn connect(
        primary: DatabaseConnection,
        config: &Config,
        metrics: Arc<Metrics>,
    ) -> Result<Self, DbErr> {
        if !config.replica_urls.is_empty()
            && primary.get_database_backend() != sea_orm::DatabaseBackend::Postgres
        {
            return Err(DbErr::Custom(
                "DATABASE_REPLICA_URLS names PostgreSQL replicas, but DATABASE_URL is not \
                 PostgreSQL: unset DATABASE_REPLICA_URLS"
                    .to_owned(),
            ));
        }
        let mut replicas = Vec::with_capacity(config.replica_urls.len());
        for url in &config.replica_urls {
            let db = crate::db::connect_replica(url, &config.db, metrics.clone()).await?;
            replicas.push(Replica {
                name: name_of(url),
                db,
                connected: AtomicBool::new(false),
                lag_ms: AtomicU64::new(0),
            });
        }
        Ok(Self {
            primary,
            replicas: replicas.into(),
            next: Arc::new(AtomicUsize::new(0)),
            max_lag_ms: u64::try_from(config.replica_max_lag.as_millis()).unwrap_or(u64::MAX),
            metrics,
        })
    }

    /// Whether any replica is configured.
    #[must_use]
    pub fn has_replicas(&self) -> bool {
        !self.replicas.is_empty()
    }

    /// Runs `read` for `user_id`: on a replica that holds the user's last
    /// write, else on the primary (see the module documentation). `read` is
    /// handed the connection to use, and may be called twice: on a replica
    /// and, when that fails with a database error, on the primary.
    ///
    /// # Errors
    /// What `read` returns on the primary, or the primary's database error
    /// reading the user's write sequence.
    pub async fn run<T, F, Fut>(&self, user_id: Uuid, read: F) -> ServiceResult<T>
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = ServiceResult<T>>,
    {
        if let Some(replica) = self.replica_for(user_id).await? {
            match read(replica.db.clone()).await {
                Err(ServiceError::Database(err)) => replica.failed(&err),
                answer => {
                    self.metrics.observe_read(Target::Replica.label());
                    return answer;
                }
            }
        }
        self.metrics.observe_read(Target::Primary.label());
        read(self.primary.clone()).await
    }

    /// A replica in use that has replayed `user_id`'s last write, if any.
    async fn replica_for(&self, user_id: Uuid) -> ServiceResult<Option<&Replica>> {
        let Some(replica) = self.pick() else {
            return Ok(None);
        };
        let on_primary = write_seq::current(&self.primary, user_id).await?;
        match write_seq::current(&replica.db, user_id).await {
            Ok(on_replica) if on_replica >= on_primary => Ok(Some(replica)),
            Ok(_) => Ok(None),
            Err(err) => {
                replica.failed(&err);
                Ok(None)
            }
        }
    }

    /// The next replica in use, in turn.
    fn pick(&self) -> Option<&Replica> {
        let count = self.replicas.len();
        if count == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..count)
            .map(|offset| &self.replicas[(start + offset) % count])
            .find(|replica| replica.in_use(self.max_lag_ms))
    }

    /// Measures every replica's lag (one statement each, at once).
    pub async fn check(&self) {
        futures_util::future::join_all(self.replicas.iter().map(Replica::check)).await;
    }

    /// Every replica as of its last check.
    #[must_use]
    pub fn status(&self) -> Vec<ReplicaStatus> {
        self.replicas
            .iter()
            .map(|replica| {
                let connected = replica.connected.load(Ordering::Relaxed);
                ReplicaStatus {
                    name: replica.name.clone(),
                    connected,
                    lag_ms: connected.then(|| replica.lag_ms.load(Ordering::Relaxed)),
                    in_use: replica.in_use(self.max_lag_ms),
                }
            })
            .collect()
    }
}

impl Replica {
    fn in_use(&self, max_lag_ms: u64) -> bool {
        self.connected.load(Ordering::Relaxed) && self.lag_ms.load(Ordering::Relaxed) <= max_lag_ms
    }

    /// Sets the replica aside until the next check finds it answering.
    fn failed(&self, err: &DbErr) {
        if self.connected.swap(false, Ordering::Relaxed) {
            log::warn!(
                "replica {}: {err}; reading from the primary until it answers",
                self.name
            );
        }
    }

    async fn check(&self) {
        let backend = self.db.get_database_backend();
        let lag = self
            .db
            .query_one_raw(Statement::from_string(backend, LAG_SQL))
            .await
            .and_then(|row| match row {
                Some(row) => row.try_get::<Option<i64>>("", "lag_ms"),
                None => Ok(None),
            });
        match lag {
            Ok(lag) => {
                let lag = lag.map_or(0, |ms| u64::try_from(ms).unwrap_or(0));
                self.lag_ms.store(lag, Ordering::Relaxed);
                if !self.connected.swap(true, Ordering::Relaxed) {
                    log::info!("replica {}: answering, {lag} ms behind", self.name);
                }
            }
            Err(err) => self.failed(&err),
        }
    }
}

/// `host:port/database` of a PostgreSQL URL: how logs and readiness name a
/// replica, without its credentials.
fn name_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    rest.split(['?', '#']).next().unwrap_or(rest).to_owned()
}

#[cfg(test)]
mod tests {
    use super::name_of;

    #[test]
    fn a_replica_is_named_without_its_credentials_or_options() {
        assert_eq!(
            name_of("postgres://todo:s3cret@replica-1:5433/todo?sslmode=require"),
            "replica-1:5433/todo"
        );
        assert_eq!(name_of("postgresql://replica-2/todo"), "replica-2/todo");
    }
}
