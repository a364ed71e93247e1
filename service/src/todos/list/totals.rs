//! A short-lived memory of list totals, so that a client paging through a
//! list (or a screen polling it) does not have every page count all the
//! matching rows again: on a user with 10,000 todos the count is most of
//! what a page costs the database.
//!
//! What is remembered, per user and per filter: the `total` and the
//! preferences the count statement read with it, and the user's write
//! sequence ([`crate::write_seq`]) that the same statement read. A
//! remembered total is used only while the user's sequence is still that
//! one, which the page statement reads on the way (no statement of its
//! own), so it is exact whichever server wrote:
//!
//! - a write through this server forgets the user's totals once it
//!   commits ([`ListTotals::commit`], which the service's write paths
//!   commit through), so the next list counts at once;
//! - a write through another server raised the sequence in its
//!   transaction: the next list here finds it changed and counts again;
//! - a count read at an older sequence than one already seen is not kept;
//! - anything remembered is dropped after the configured time to live,
//!   which bounds memory, and staleness after changes made outside the
//!   service;
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
use crate::sync::Changes;
use crate::write_seq;

/// Distinct filters remembered per user before the oldest are all dropped.
const FILTERS_PER_USER: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    filter: Filter,
    needs: Needs,
}

#[derive(Debug, Default)]
struct UserTotals {
    /// The write sequence every count in `counted` was read at.
    seq: i64,
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
    /// A count, good while the user's write sequence is still `seq`; if it
    /// is not, count and [`ListTotals::store`] with the ticket.
    Remembered {
        /// What the count answered.
        counted: Counted,
        /// The write sequence it was read at.
        seq: i64,
        /// Where to store a fresh count.
        ticket: Ticket,
    },
    /// Nothing yet: count, then [`ListTotals::store`] with the ticket.
    Miss(Ticket),
    /// A list that is never remembered: count.
    Never,
}

/// A count about to run: where to store what it answers.
pub(super) struct Ticket {
    user: Arc<Mutex<UserTotals>>,
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

    /// Ends `txn`, a write of `user_id`'s data, through
    /// [`write_seq::commit`] (which raises the user's write sequence, stamps
    /// what `changes` names for delta sync and commits), then forgets every total of that user here: the way every
    /// write that changes what a list of theirs counts (or the preferences
    /// it reads) ends.
    ///
    /// Other servers learn of the write from the sequence; this one also
    /// forgets at once, so its next list counts without first reading a
    /// page it would have to throw away. Forgotten even when the commit
    /// reports an error, since it may have committed all the same.
    ///
    /// # Errors
    /// The error of the raise or of the commit.
    pub async fn commit(
        &self,
        txn: DatabaseTransaction,
        user_id: Uuid,
        changes: Changes,
    ) -> Result<(), DbErr> {
        let committed = write_seq::commit(txn, user_id, changes).await;
        self.forget(user_id);
        committed
    }

    /// Forgets every total of `user_id`.
    pub fn forget(&self, user_id: Uuid) {
        if let Some(user) = self.users.as_ref().and_then(|users| users.get(&user_id)) {
            let mut user = user.lock().unwrap_or_else(PoisonError::into_inner);
            user.counted.clear();
        }
    }

    /// The remembered count of `filter` with the write sequence it holds
    /// for, or a ticket to store the count about to run.
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
        let remembered = {
            let guard = user.lock().unwrap_or_else(PoisonError::into_inner);
            guard.counted.get(&key).map(|counted| (*counted, guard.seq))
        };
        let ticket = Ticket { user, key };
        match remembered {
            Some((counted, seq)) => Lookup::Remembered {
                counted,
                seq,
                ticket,
            },
            None => Lookup::Miss(ticket),
        }
    }

    /// Stores what a count read at write sequence `seq` answered. A newer
    /// sequence than the user's remembered counts drops them all; an older
    /// one (a count that raced a write seen since) is not kept.
    pub(super) fn store(ticket: Ticket, seq: i64, counted: Counted) {
        let mut user = ticket.user.lock().unwrap_or_else(PoisonError::into_inner);
        if seq < user.seq {
            return;
        }
        if seq > user.seq || user.counted.len() >= FILTERS_PER_USER {
            user.counted.clear();
            user.seq = seq;
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

    /// What a list does with the memory while the user's write sequence is
    /// `seq`: the remembered total if it holds for `seq`, or `None` after
    /// storing `fresh` as counted at `seq`.
    fn hit(totals: &ListTotals, user: Uuid, filter: &Filter, seq: i64, fresh: u64) -> Option<u64> {
        match totals.lookup(user, filter, Needs::default()) {
            Lookup::Remembered {
                counted: c,
                seq: at,
                ..
            } if at == seq => Some(c.total),
            Lookup::Remembered { ticket, .. } | Lookup::Miss(ticket) => {
                ListTotals::store(ticket, seq, counted(fresh));
                None
            }
            Lookup::Never => panic!("this list is remembered"),
        }
    }

    #[test]
    fn remembers_per_user_and_filter_until_a_write_here() {
        let totals = ListTotals::new(Duration::from_secs(60), 100);
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let all = Filter::default();
        let pending = Filter {
            statuses: vec![entity::todo::TodoStatus::Pending],
            ..Filter::default()
        };
        assert_eq!(hit(&totals, alice, &all, 0, 7), None);
        assert_eq!(hit(&totals, alice, &all, 0, 0), Some(7));
        assert_eq!(hit(&totals, alice, &pending, 0, 3), None);
        assert_eq!(hit(&totals, bob, &all, 4, 1), None);
        totals.forget(alice);
        assert_eq!(hit(&totals, alice, &all, 1, 8), None);
        assert_eq!(hit(&totals, alice, &all, 1, 0), Some(8));
        assert_eq!(hit(&totals, alice, &pending, 1, 4), None);
        assert_eq!(hit(&totals, bob, &all, 4, 0), Some(1));
    }

    #[test]
    fn a_write_elsewhere_is_seen_by_its_sequence() {
        let totals = ListTotals::new(Duration::from_secs(60), 100);
        let alice = Uuid::new_v4();
        let (all, pending) = (
            Filter::default(),
            Filter {
                statuses: vec![entity::todo::TodoStatus::Pending],
                ..Filter::default()
            },
        );
        assert_eq!(hit(&totals, alice, &all, 5, 7), None);
        assert_eq!(hit(&totals, alice, &pending, 5, 2), None);
        // Another server wrote: this one was not told, the sequence moved.
        assert_eq!(hit(&totals, alice, &all, 6, 8), None);
        assert_eq!(hit(&totals, alice, &all, 6, 0), Some(8));
        assert_eq!(
            hit(&totals, alice, &pending, 6, 3),
            None,
            "counts read at an older sequence are all dropped"
        );
    }

    #[test]
    fn a_count_read_before_a_newer_one_is_not_kept() {
        let totals = ListTotals::new(Duration::from_secs(60), 100);
        let alice = Uuid::new_v4();
        let all = Filter::default();
        let Lookup::Miss(late) = totals.lookup(alice, &all, Needs::default()) else {
            panic!("nothing is remembered yet");
        };
        assert_eq!(hit(&totals, alice, &all, 3, 7), None);
        ListTotals::store(late, 2, counted(6));
        assert_eq!(hit(&totals, alice, &all, 3, 0), Some(7));
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
        assert_eq!(hit(&totals, alice, &all, 0, 7), None);
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(hit(&totals, alice, &all, 0, 8), None);
    }
}
