//! A short-lived memory of list totals, so that a client paging through a
//! list (or a screen polling it) does not have every page count all the
//! matching rows again: on a user with 10,000 todos the count is most of
//! what a page costs the database.
//!
//! What is remembered, per user and per filter: the `total` and the
//! preferences the count statement read with it. It is exact for this
//! process, and bounded in time for others:
//!
//! - every write of a user forgets what is remembered for that user once
//!   it commits ([`ListTotals::commit`], which the service's write paths
//!   commit through, so a client that writes and then lists always sees
//!   its write);
//! - a count that raced a write is not remembered (a per-user write counter
//!   is read before the count and checked again before storing);
//! - anything remembered is dropped after the configured time to live, which
//!   bounds how stale a total can be when another process of the service
//!   (or anything else) wrote meanwhile;
//! - `overdue` lists are never remembered: their count changes with the
//!   clock, not with writes.
//!
//! A time to live of zero turns the memory off: every page counts.
//!
//! Keeps plain values of [`super::spec`] (filters and what a count
//! answered) and imports nothing else of the list: the list asks it before
//! counting and tells it what the count answered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::{DatabaseTransaction, DbErr};
use uuid::Uuid;

use super::spec::{Counted, Filter, Needs};

/// Distinct filters remembered per user before the oldest are all dropped.
const FILTERS_PER_USER: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    filter: Filter,
    needs: Needs,
}

#[derive(Debug, Default)]
struct UserTotals {
    writes: u64,
    counted: HashMap<Key, Counted>,
}

/// Remembered list totals (see the module documentation). Cheap to clone:
/// clones share one memory.
#[derive(Clone)]
pub struct ListTotals {
    users: Option<moka::sync::Cache<Uuid, Arc<Mutex<UserTotals>>>>,
}

impl std::fmt::Debug for ListTotals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListTotals")
            .field("enabled", &self.users.is_some())
            .finish_non_exhaustive()
    }
}

/// What [`ListTotals::lookup`] found.
pub(super) enum Lookup {
    /// The remembered count.
    Hit(Counted),
    /// Nothing yet: count, then [`ListTotals::store`] with the ticket.
    Miss(Ticket),
    /// A list that is never remembered: count.
    Never,
}

/// A count about to run: where and whether to store what it answers.
pub(super) struct Ticket {
    user: Arc<Mutex<UserTotals>>,
    writes: u64,
    key: Key,
}

impl ListTotals {
    /// A memory keeping totals for `ttl` at most, for up to `max_users`
    /// users at once; a zero `ttl` keeps nothing.
    #[must_use]
    pub fn new(ttl: Duration, max_users: u64) -> Self {
        let users = (!ttl.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .time_to_live(ttl)
                .max_capacity(max_users)
                .build()
        });
        Self { users }
    }

    /// Commits `txn`, a write of `user_id`'s data, then forgets every
    /// total of that user: the way every write that changes what a list of
    /// theirs counts (or the preferences it reads) ends.
    ///
    /// Forgotten after the commit, so no count can run between the two and
    /// store a total the write made stale (a count that started before is
    /// not stored: see `ListTotals::store`); and forgotten even when the
    /// commit reports an error, since it may have committed all the same.
    ///
    /// # Errors
    /// The commit's error.
    pub async fn commit(&self, txn: DatabaseTransaction, user_id: Uuid) -> Result<(), DbErr> {
        let committed = txn.commit().await;
        self.forget(user_id);
        committed
    }

    /// Forgets every total of `user_id`.
    pub fn forget(&self, user_id: Uuid) {
        if let Some(user) = self.users.as_ref().and_then(|users| users.get(&user_id)) {
            let mut user = user.lock().unwrap_or_else(PoisonError::into_inner);
            user.writes += 1;
            user.counted.clear();
        }
    }

    /// The remembered count of `filter`, or a ticket to store the count
    /// about to run.
    pub(super) fn lookup(&self, user_id: Uuid, filter: &Filter, needs: Needs) -> Lookup {
        let Some(users) = &self.users else {
            return Lookup::Never;
        };
        if filter.overdue {
            return Lookup::Never;
        }
        let key = Key {
            filter: filter.clone(),
            needs,
        };
        let user = users.get_with(user_id, Arc::default);
        let writes = {
            let guard = user.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(counted) = guard.counted.get(&key) {
                return Lookup::Hit(*counted);
            }
            guard.writes
        };
        Lookup::Miss(Ticket { user, writes, key })
    }

    /// Stores what the ticket's count answered, unless a write of the user
    /// happened since the ticket was taken.
    pub(super) fn store(ticket: Ticket, counted: Counted) {
        let mut user = ticket.user.lock().unwrap_or_else(PoisonError::into_inner);
        if user.writes != ticket.writes {
            return;
        }
        if user.counted.len() >= FILTERS_PER_USER {
            user.counted.clear();
        }
        user.counted.insert(ticket.key, counted);
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::Preferences;
    use super::*;

    fn counted(total: u64) -> Counted {
        Counted {
            total,
            prefs: Preferences::default(),
        }
    }

    /// The remembered total, or `None` after storing `fresh` with the ticket.
    fn hit(totals: &ListTotals, user: Uuid, filter: &Filter, fresh: u64) -> Option<u64> {
        match totals.lookup(user, filter, Needs::default()) {
            Lookup::Hit(c) => Some(c.total),
            Lookup::Miss(ticket) => {
                ListTotals::store(ticket, counted(fresh));
                None
            }
            Lookup::Never => panic!("this list is remembered"),
        }
    }

    #[test]
    fn remembers_per_user_and_filter_until_a_write() {
        let totals = ListTotals::new(Duration::from_secs(60), 100);
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let all = Filter::default();
        let pending = Filter {
            statuses: vec![entity::todo::TodoStatus::Pending],
            ..Filter::default()
        };
        assert_eq!(hit(&totals, alice, &all, 7), None);
        assert_eq!(hit(&totals, alice, &all, 0), Some(7));
        assert_eq!(hit(&totals, alice, &pending, 3), None);
        assert_eq!(hit(&totals, bob, &all, 1), None);
        totals.forget(alice);
        assert_eq!(hit(&totals, alice, &all, 8), None);
        assert_eq!(hit(&totals, alice, &all, 0), Some(8));
        assert_eq!(hit(&totals, alice, &pending, 4), None);
        assert_eq!(hit(&totals, bob, &all, 0), Some(1));
    }

    #[test]
    fn a_count_that_raced_a_write_is_not_kept() {
        let totals = ListTotals::new(Duration::from_secs(60), 100);
        let alice = Uuid::new_v4();
        let all = Filter::default();
        let Lookup::Miss(ticket) = totals.lookup(alice, &all, Needs::default()) else {
            panic!("nothing is remembered yet");
        };
        totals.forget(alice);
        ListTotals::store(ticket, counted(7));
        assert_eq!(hit(&totals, alice, &all, 8), None);
    }

    #[test]
    fn overdue_lists_and_a_zero_ttl_keep_nothing() {
        let alice = Uuid::new_v4();
        let overdue = Filter {
            overdue: true,
            ..Filter::default()
        };
        let totals = ListTotals::new(Duration::from_secs(60), 100);
        assert!(matches!(
            totals.lookup(alice, &overdue, Needs::default()),
            Lookup::Never
        ));
        let off = ListTotals::new(Duration::ZERO, 100);
        assert!(matches!(
            off.lookup(alice, &Filter::default(), Needs::default()),
            Lookup::Never
        ));
    }

    #[test]
    fn entries_expire() {
        let totals = ListTotals::new(Duration::from_millis(50), 100);
        let alice = Uuid::new_v4();
        let all = Filter::default();
        assert_eq!(hit(&totals, alice, &all, 7), None);
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(hit(&totals, alice, &all, 8), None);
    }
}
