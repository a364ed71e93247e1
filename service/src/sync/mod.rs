//! Delta sync: what changed in a user's todos, categories and tags after a
//! point a client holds, in the order the changes committed.
//!
//! # Why a sequence, not a timestamp
//!
//! A row is stamped (`sync_seq`) with the write sequence of the transaction
//! that last changed it ([`crate::write_seq`]), and a permanent deletion
//! leaves a record in `sync_deletions` with the same number. The raise of
//! the sequence takes the user's `user_state` row lock at the end of every
//! write transaction and holds it until the commit, so per user the numbers
//! are handed out in commit order: once a reader sees number `n`, every
//! transaction numbered `n` or lower has committed, and none will commit
//! with a lower number later. A timestamp has no such order (two
//! transactions stamp their rows, the later one commits first, a reader in
//! between sees the later time and skips the earlier write for ever).
//!
//! # What a write pays
//!
//! Each write path says what it touched in a [`Changes`] value, which the
//! one commit path ([`crate::write_seq::commit`], through
//! `ListTotals::commit`) takes by value: after the raise it stamps the
//! rows, one `UPDATE … SET sync_seq = (SELECT write_seq FROM user_state …)
//! WHERE id IN (…)` per table touched (more only past the bind limit), and
//! inserts the deletion records. The rows stamped were written by the same
//! transaction and are locked by it already: no new lock order.
//!
//! What a todo's change is: its row, its tag set, its category link (soft
//! delete and restore included). A category or tag renamed is a change of
//! that label only, not of every todo showing it; a label's `todo_count`
//! moving with its todos is no change of the label either (a client counts
//! from its todos).
//!
//! The read is [`read`] (in `read`); the position a client keeps is a
//! [`Position`] (in `position`); housekeeping drops old deletion records
//! with [`purge_deletions`] (in `retention`).

mod position;
mod read;
mod retention;

use std::collections::HashSet;

use entity::sync_deletion::{self, SyncEntity};
use entity::{category, tag, todo};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Iterable};
use uuid::Uuid;

pub use position::Position;
pub use read::{MAX_SIZE, SyncBatch, SyncRequest, gone, read};
pub use retention::{RETENTION, purge_deletions};

use crate::{batch, clock, write_seq};

/// What a write transaction touched of a user's todos, categories and tags:
/// the rows it created or changed, and the records it removed for good.
/// The commit stamps them ([`crate::write_seq::commit`]). Name only rows
/// the transaction wrote: they are locked by it already, whereas stamping
/// an id that no row has makes MariaDB lock the gap where it would go (a
/// deadlock with a writer inserting there and waiting for this one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "a write says what it touched to the commit"]
pub struct Changes {
    todos: Vec<Uuid>,
    categories: Vec<Uuid>,
    tags: Vec<Uuid>,
    deleted: Vec<(SyncEntity, Uuid)>,
}

impl Changes {
    /// Nothing of the todos, categories and tags (a profile change, say).
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds todos created or changed.
    pub fn todos(mut self, ids: impl IntoIterator<Item = Uuid>) -> Self {
        self.todos.extend(ids);
        self
    }

    /// Adds categories created or changed.
    pub fn categories(mut self, ids: impl IntoIterator<Item = Uuid>) -> Self {
        self.categories.extend(ids);
        self
    }

    /// Adds tags created or changed.
    pub fn tags(mut self, ids: impl IntoIterator<Item = Uuid>) -> Self {
        self.tags.extend(ids);
        self
    }

    /// Adds records of `kind` removed for good.
    pub fn deleted(mut self, kind: SyncEntity, ids: impl IntoIterator<Item = Uuid>) -> Self {
        self.deleted.extend(ids.into_iter().map(|id| (kind, id)));
        self
    }

    /// Adds records of `kind` created or changed.
    pub fn of(self, kind: SyncEntity, ids: impl IntoIterator<Item = Uuid>) -> Self {
        match kind {
            SyncEntity::Category => self.categories(ids),
            SyncEntity::Tag => self.tags(ids),
            SyncEntity::Todo => self.todos(ids),
        }
    }

    /// Adds everything `other` touched.
    pub fn add(&mut self, other: Self) {
        let Self {
            todos,
            categories,
            tags,
            deleted,
        } = other;
        self.todos.extend(todos);
        self.categories.extend(categories);
        self.tags.extend(tags);
        self.deleted.extend(deleted);
    }

    /// Adds new tags (see [`Changes::tags`]) in place.
    pub(crate) fn add_tags(&mut self, ids: impl IntoIterator<Item = Uuid>) {
        self.tags.extend(ids);
    }

    /// Whether it touched nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.todos.is_empty()
            && self.categories.is_empty()
            && self.tags.is_empty()
            && self.deleted.is_empty()
    }
}

/// Stamps what `changes` names with `user_id`'s write sequence, inside
/// `txn`, after the raise: one `UPDATE` per table touched and one `INSERT`
/// of the deletion records (more only past the bind limit), none for
/// nothing touched.
///
/// # Errors
/// The database error.
pub(crate) async fn stamp(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    changes: Changes,
) -> Result<(), DbErr> {
    let Changes {
        todos,
        categories,
        tags,
        deleted,
    } = changes;
    let gone: HashSet<Uuid> = deleted.iter().map(|(_, id)| *id).collect();
    let live = |ids: Vec<Uuid>| -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = ids.into_iter().filter(|id| !gone.contains(id)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    use {category::Column as C, tag::Column as G, todo::Column as T};
    stamp_rows(txn, user_id, [T::Id, T::UserId, T::SyncSeq], live(todos)).await?;
    stamp_rows(
        txn,
        user_id,
        [C::Id, C::UserId, C::SyncSeq],
        live(categories),
    )
    .await?;
    stamp_rows(txn, user_id, [G::Id, G::UserId, G::SyncSeq], live(tags)).await?;
    record_deletions(txn, user_id, deleted).await
}

/// The user's write sequence as just raised in this transaction:
/// `COALESCE((SELECT write_seq FROM user_state WHERE user_id = ?), 0)`.
fn current_seq(user_id: Uuid) -> SimpleExpr {
    Func::coalesce([write_seq::of(user_id), Expr::val(0i64)]).into()
}

/// `UPDATE <table> SET sync_seq = <current> WHERE id IN (ids) AND user_id = ?`,
/// the columns given as `[id, user_id, sync_seq]`.
async fn stamp_rows<C>(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    [id, owner, sync_seq]: [C; 3],
    ids: Vec<Uuid>,
) -> Result<(), DbErr>
where
    C: ColumnTrait,
{
    let backend = txn.get_database_backend();
    let per_statement = batch::rows_per_statement(backend, 1);
    for chunk in batch::chunked(ids, per_statement) {
        let update = Query::update()
            .table(C::EntityName::default())
            .value(sync_seq, current_seq(user_id))
            .and_where(Expr::col(id).is_in(chunk))
            .and_where(Expr::col(owner).eq(user_id))
            .to_owned();
        let mut statement = backend.build(&update);
        if backend == DbBackend::MySql {
            // By primary key only. On a small table MariaDB may scan the
            // user's rows instead, and would then wait on a row another
            // transaction is inserting (a new tag whose name clashes),
            // which itself waits for this one's lock of the user: a
            // deadlock. sea-query writes no index hints in an UPDATE.
            statement.sql = statement
                .sql
                .replacen(" SET ", " FORCE INDEX (PRIMARY) SET ", 1);
        }
        txn.execute_raw(statement).await?;
    }
    Ok(())
}

/// Inserts a deletion record per `(kind, id)`, numbered with the current
/// write sequence.
async fn record_deletions(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    deleted: Vec<(SyncEntity, Uuid)>,
) -> Result<(), DbErr> {
    use sync_deletion::Column;
    let mut seen = HashSet::with_capacity(deleted.len());
    let deleted: Vec<(SyncEntity, Uuid)> =
        deleted.into_iter().filter(|d| seen.insert(*d)).collect();
    let columns = Column::iter().count() + 1;
    let per_statement = batch::rows_per_statement(txn.get_database_backend(), columns);
    let now = clock::now();
    for chunk in batch::chunked(deleted, per_statement) {
        let mut insert = Query::insert();
        insert.into_table(sync_deletion::Entity).columns([
            Column::Id,
            Column::UserId,
            Column::EntityType,
            Column::EntityId,
            Column::SyncSeq,
            Column::DeletedAt,
        ]);
        for (kind, id) in chunk {
            insert
                .values([
                    Expr::val(clock::new_id()),
                    Expr::val(user_id),
                    Expr::val(kind.as_str()),
                    Expr::val(id),
                    current_seq(user_id),
                    Expr::val(now),
                ])
                .map_err(|err| DbErr::Custom(format!("building a deletion record: {err}")))?;
        }
        txn.execute(&insert).await?;
    }
    Ok(())
}
