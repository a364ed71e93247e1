//! The connection pool: built from [`PoolConfig`], instrumented, and inspected for readiness.

use std::sync::Arc;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DbErr};

use crate::config::PoolConfig;
use crate::telemetry::{self, Metrics};

/// Opens the pool for `url` and installs the statement metrics on it.
///
/// SQLite files run in WAL mode with foreign keys on, so readers do not wait
/// for the writer; an in-memory SQLite database keeps a single connection,
/// since every connection to `:memory:` would be a database of its own.
///
/// # Errors
/// The database error when the first connection cannot be opened.
pub async fn connect(
    url: &str,
    pool: &PoolConfig,
    metrics: Arc<Metrics>,
) -> Result<DatabaseConnection, DbErr> {
    let mut db = Database::connect(options(url, pool)).await?;
    telemetry::instrument(&mut db, metrics);
    Ok(db)
}

/// Opens the pool of a read replica for `url` without connecting yet, so
/// that a replica that is down does not stop the server from starting. Its
/// connections are opened and waited for at most [`REPLICA_TIMEOUT`]: a
/// replica slower than that is no help, and the read goes to the primary.
///
/// # Errors
/// The database error when `url` cannot be parsed.
pub async fn connect_replica(
    url: &str,
    pool: &PoolConfig,
    metrics: Arc<Metrics>,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = options(url, pool);
    options
        .connect_timeout(pool.connect_timeout.min(REPLICA_TIMEOUT))
        .acquire_timeout(pool.acquire_timeout.min(REPLICA_TIMEOUT))
        .min_connections(0)
        .connect_lazy(true);
    let mut db = Database::connect(options).await?;
    telemetry::instrument(&mut db, metrics);
    Ok(db)
}

/// The longest a read waits to open or borrow a replica's connection.
pub const REPLICA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// The pool options every connection of the server shares.
fn options(url: &str, pool: &PoolConfig) -> ConnectOptions {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    // PostgreSQL plans a prepared statement afresh on every execution for as
    // long as its generic plan looks dearer than the custom ones, and for the
    // list's statements it always does: `LIMIT $n` is costed as a tenth of the
    // table, and a page's tags are an `IN` of up to 100 ids. That planning was
    // two fifths of PostgreSQL's CPU on a page of todos. Every statement here
    // is keyed by user and id over indexes in its own order, so the generic
    // plan is the plan: the server asks for it, unless DATABASE_URL sets
    // `plan_cache_mode` itself (`?options=-c%20plan_cache_mode%3Dauto`).
    let plan_cache_mode_set = url.contains("plan_cache_mode");
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if in_memory { 1 } else { pool.max_connections })
        .min_connections(pool.min_connections.min(pool.max_connections))
        .connect_timeout(pool.connect_timeout)
        .acquire_timeout(pool.acquire_timeout)
        .idle_timeout(pool.idle_timeout)
        .max_lifetime(pool.max_lifetime)
        // Statements are logged by our metric callback when slow, not one by one here.
        .sqlx_logging(false)
        // sqlx pings a connection on every checkout by default: a round trip
        // per statement. Ping only connections idle long enough to have been
        // dropped (a restarted database, a proxy's timeout); a hot connection
        // that died fails its statement once (503) and is replaced.
        .test_before_acquire_if_idle_for(std::time::Duration::from_secs(1))
        .map_sqlx_postgres_opts(move |opts| {
            if plan_cache_mode_set {
                opts
            } else {
                opts.options([("plan_cache_mode", "force_generic_plan")])
            }
        })
        .map_sqlx_sqlite_opts(|opts| {
            opts.foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(5))
        });
    if in_memory {
        // An idle timeout would drop the only connection, and the data with it.
        options
            .idle_timeout(None::<std::time::Duration>)
            .max_lifetime(None::<std::time::Duration>);
    }
    options
}

/// Connections of the pool right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Open connections, idle or in use.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The configured upper bound.
    pub max: u32,
}

/// Reads the pool's counters (no I/O).
#[must_use]
pub fn pool_status(db: &DatabaseConnection) -> Option<PoolStatus> {
    macro_rules! status {
        ($pool:expr) => {{
            let pool = $pool;
            Some(PoolStatus {
                size: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            })
        }};
    }
    match db.get_database_backend() {
        DatabaseBackend::Postgres => status!(db.get_postgres_connection_pool()),
        DatabaseBackend::MySql => status!(db.get_mysql_connection_pool()),
        DatabaseBackend::Sqlite => status!(db.get_sqlite_connection_pool()),
        _ => None,
    }
}
