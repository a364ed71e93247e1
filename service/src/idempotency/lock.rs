//! The lock that tells a retry "the first request with this key is still
//! running" at once, instead of letting it wait.
//!
//! - **PostgreSQL**: `pg_try_advisory_xact_lock` on a 64-bit hash of the
//!   user and the key, inside the transaction. It never waits, and it is
//!   released by the commit or rollback itself (after the commit is
//!   visible), so a retry that gets it sees the first request's record.
//! - **MySQL/MariaDB**: `GET_LOCK(name, 0)`, which never waits either. It
//!   belongs to the session, not the transaction, so it is taken on the
//!   transaction's own connection and released there with `RELEASE_LOCK`
//!   as the last statement before the commit or rollback: the connection
//!   goes back to the pool when the transaction ends, and SeaORM offers no
//!   way to run a statement on it after that. The few milliseconds between
//!   the release and the commit are covered by the unique index of
//!   `(user_id, key)`: a retry that slips in runs, finds the index taken
//!   when it writes its record, rolls everything back and answers the
//!   first request's answer (see `super::run`). The name is a digest of
//!   the database, the user and the key (60 characters; MariaDB allows
//!   64), since such locks are server-wide. A request cut off between the
//!   two statements would leave the name locked on a pooled connection:
//!   callers run the whole transaction as a task of its own, which a
//!   client that goes away does not stop.
//! - **SQLite**: nothing. A write transaction there starts `IMMEDIATE` and
//!   runs alone (see [`crate::txn`]), so a retry waits for the first to
//!   commit and then finds its record: it is answered the replay, not
//!   `409`.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Statement};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The name of a MariaDB lock, computed in SQL from `?` (the hex digest of
/// the user and the key): the current database's, so that two databases
/// on one server never share a lock.
const LOCK_NAME: &str =
    "CONCAT('idempotency:', LEFT(SHA2(CONCAT(IFNULL(DATABASE(), ''), '/', ?), 256), 48))";

/// The lock of one user's key, for the engine at hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum KeyLock {
    /// PostgreSQL: a transaction-level advisory lock on this number.
    Advisory(i64),
    /// MySQL/MariaDB: a session-level named lock on a name derived from
    /// this digest.
    Named(String),
    /// SQLite: write transactions already run one at a time.
    Serialized,
}

impl KeyLock {
    /// The lock of `user_id`'s `key` on `backend`.
    pub(super) fn of(backend: DbBackend, user_id: Uuid, key: &str) -> Self {
        let digest = Sha256::new()
            .chain_update(user_id.as_bytes())
            .chain_update(key.as_bytes())
            .finalize();
        match backend {
            DbBackend::Postgres => {
                let mut first = [0_u8; 8];
                first.copy_from_slice(&digest[..8]);
                Self::Advisory(i64::from_be_bytes(first))
            }
            DbBackend::MySql => Self::Named(hex::encode(digest)),
            _ => Self::Serialized,
        }
    }

    /// Takes the lock in `txn` without waiting; `false` when another
    /// transaction holds it.
    pub(super) async fn try_take(&self, txn: &DatabaseTransaction) -> Result<bool, DbErr> {
        let sql = match self {
            Self::Advisory(_) => "SELECT pg_try_advisory_xact_lock($1) AS taken".to_owned(),
            // NULL (an error inside the server) counts as not taken.
            Self::Named(_) => {
                format!("SELECT CAST(COALESCE(GET_LOCK({LOCK_NAME}, 0), 0) AS SIGNED) AS taken")
            }
            Self::Serialized => return Ok(true),
        };
        let row = txn
            .query_one_raw(self.statement(txn.get_database_backend(), sql))
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("the lock query answered no row".to_owned()))?;
        match self {
            Self::Advisory(_) => row.try_get::<bool>("", "taken"),
            _ => Ok(row.try_get::<i64>("", "taken")? == 1),
        }
    }

    /// Releases a lock that [`KeyLock::try_take`] took in `txn`, before
    /// the transaction ends: only a MariaDB lock needs it.
    pub(super) async fn release(&self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        if let Self::Named(_) = self {
            let sql = format!("SELECT RELEASE_LOCK({LOCK_NAME}) AS released");
            txn.query_one_raw(self.statement(DbBackend::MySql, sql))
                .await?;
        }
        Ok(())
    }

    fn statement(&self, backend: DbBackend, sql: String) -> Statement {
        let value: sea_orm::Value = match self {
            Self::Advisory(id) => (*id).into(),
            Self::Named(digest) => digest.clone().into(),
            Self::Serialized => sea_orm::Value::Bool(None),
        };
        Statement::from_sql_and_values(backend, sql, [value])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_gets_its_own_kind_of_lock() {
        let user = Uuid::now_v7();
        assert!(matches!(
            KeyLock::of(DbBackend::Postgres, user, "k"),
            KeyLock::Advisory(_)
        ));
        let KeyLock::Named(digest) = KeyLock::of(DbBackend::MySql, user, "k") else {
            panic!("MariaDB takes a named lock");
        };
        assert_eq!(digest.len(), 64);
        assert_eq!(
            KeyLock::of(DbBackend::Sqlite, user, "k"),
            KeyLock::Serialized
        );
    }

    #[test]
    fn locks_differ_by_user_and_by_key() {
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let lock = |user, key| KeyLock::of(DbBackend::Postgres, user, key);
        assert_eq!(lock(alice, "k"), lock(alice, "k"));
        assert_ne!(lock(alice, "k"), lock(bob, "k"));
        assert_ne!(lock(alice, "k"), lock(alice, "k2"));
    }
}
