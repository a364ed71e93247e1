//! `last_used_at` of API keys, kept without a write per request.
//!
//! Every request made with a key would otherwise update its row: a write
//! (and on PostgreSQL a new row version) per read, and lock contention on
//! a busy key. Instead each server remembers, per key, the latest time it
//! saw it used, and [`Usage::flush`] writes those times in batches (one
//! `UPDATE` per key, however many requests it served). What is lost in a
//! crash is the last uses before it, never a key's validity: that is
//! checked in the database on every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use entity::api_key;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::KeyCaller;
use crate::clock::Timestamp;

/// One key's latest use seen by this server.
#[derive(Debug, Clone, Copy)]
struct Use {
    user_id: Uuid,
    at: Timestamp,
}

/// Uses of API keys not yet written, shared by every worker of a server
/// (clones share one record).
#[derive(Debug, Clone, Default)]
pub struct Usage {
    pending: Arc<Mutex<HashMap<Uuid, Use>>>,
}

impl Usage {
    /// An empty record.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn pending(&self) -> MutexGuard<'_, HashMap<Uuid, Use>> {
        // A panic while holding the lock leaves a map of plain values,
        // still consistent: carry on with it.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes that `caller`'s key was used at `at` (the latest time wins).
    pub fn record(&self, caller: &KeyCaller, at: Timestamp) {
        let mut pending = self.pending();
        let entry = pending.entry(caller.key_id).or_insert(Use {
            user_id: caller.user_id,
            at,
        });
        if at > entry.at {
            entry.at = at;
        }
    }

    /// How many keys have uses not yet written.
    #[must_use]
    pub fn pending_keys(&self) -> usize {
        self.pending().len()
    }

    /// Writes every pending use: one `UPDATE` per key, which never moves
    /// `last_used_at` back (another server may have written a later use).
    /// Answers how many keys were written. Meant to run every few seconds
    /// in the background, and at shutdown.
    ///
    /// # Errors
    /// The database error; the uses not yet written are kept for the next
    /// flush.
    pub async fn flush(&self, db: &impl ConnectionTrait) -> Result<usize, DbErr> {
        let batch: Vec<(Uuid, Use)> = self.pending().drain().collect();
        self.write(db, batch).await
    }

    /// Writes the pending uses of `user_id`'s keys only: what a list of
    /// that user's keys must reflect first.
    ///
    /// # Errors
    /// As [`Usage::flush`].
    pub async fn flush_user(
        &self,
        db: &impl ConnectionTrait,
        user_id: Uuid,
    ) -> Result<usize, DbErr> {
        let batch: Vec<(Uuid, Use)> = {
            let mut pending = self.pending();
            let ids: Vec<Uuid> = pending
                .iter()
                .filter(|(_, used)| used.user_id == user_id)
                .map(|(id, _)| *id)
                .collect();
            ids.into_iter()
                .filter_map(|id| pending.remove(&id).map(|used| (id, used)))
                .collect()
        };
        self.write(db, batch).await
    }

    async fn write(
        &self,
        db: &impl ConnectionTrait,
        batch: Vec<(Uuid, Use)>,
    ) -> Result<usize, DbErr> {
        let mut written = 0;
        let mut rest = batch.into_iter();
        while let Some((id, used)) = rest.next() {
            let result = api_key::Entity::update_many()
                .col_expr(api_key::Column::LastUsedAt, Expr::value(used.at))
                .filter(api_key::Column::Id.eq(id))
                .filter(
                    Condition::any()
                        .add(api_key::Column::LastUsedAt.is_null())
                        .add(api_key::Column::LastUsedAt.lt(used.at)),
                )
                .exec(db)
                .await;
            if let Err(err) = result {
                self.put_back(std::iter::once((id, used)).chain(rest));
                return Err(err);
            }
            written += 1;
        }
        Ok(written)
    }

    /// Returns uses that could not be written, keeping any later one
    /// recorded meanwhile.
    fn put_back(&self, uses: impl Iterator<Item = (Uuid, Use)>) {
        let mut pending = self.pending();
        for (id, used) in uses {
            let entry = pending.entry(id).or_insert(used);
            if used.at > entry.at {
                entry.at = used.at;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::clock;

    fn caller(key_id: Uuid, user_id: Uuid) -> KeyCaller {
        KeyCaller {
            user_id,
            key_id,
            can_write: false,
        }
    }

    #[test]
    fn a_key_keeps_its_latest_use_only() {
        let usage = Usage::new();
        let (key, user) = (Uuid::now_v7(), Uuid::now_v7());
        let now = clock::now();
        usage.record(&caller(key, user), now);
        usage.record(&caller(key, user), now - Duration::seconds(5));
        usage.clone().record(&caller(Uuid::now_v7(), user), now);
        assert_eq!(usage.pending_keys(), 2, "clones share one record");
        assert_eq!(usage.pending().get(&key).map(|u| u.at), Some(now));
    }

    #[test]
    fn uses_put_back_keep_the_later_time() {
        let usage = Usage::new();
        let (key, user) = (Uuid::now_v7(), Uuid::now_v7());
        let now = clock::now();
        usage.record(&caller(key, user), now);
        let earlier = Use {
            user_id: user,
            at: now - Duration::seconds(5),
        };
        usage.put_back(std::iter::once((key, earlier)));
        assert_eq!(usage.pending().get(&key).map(|u| u.at), Some(now));
    }
}
