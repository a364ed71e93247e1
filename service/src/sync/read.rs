//! The read of a delta sync: every record changed after a [`Position`], in
//! `(sync_seq, source, id)` order, at most a given number.
//!
//! One statement reads the user's write sequence, their `sync_floor` and
//! the deletion records together (one snapshot: a record dropped by
//! housekeeping is never missing under an old floor); then one statement
//! per table reads the rows stamped after the position and no later than
//! that sequence, and one more per table loads what they show (the todos'
//! tags, the labels' todo counts). Bounding every read by the sequence read
//! first is what makes the answer exact without a transaction: every write
//! numbered up to it has committed, and a write after it stamps a higher
//! number, so the tables cannot disagree about what happened up to it.

use std::collections::HashSet;

use entity::sync_deletion::{self, SyncEntity};
use entity::{category, tag, todo, user_state};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{Condition, ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::position::{Position, Source};
use crate::categories::CategoryView;
use crate::tags::TagView;
use crate::todos::{self, TodoView};
use crate::{ServiceError, ServiceResult, labels};

/// The most records one answer may hold.
pub const MAX_SIZE: u64 = 1000;

/// What a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncRequest {
    /// Where it stands; `None`: before everything.
    pub since: Option<Position>,
    /// The most records to answer (1 to [`MAX_SIZE`], checked by the caller).
    pub size: u64,
}

/// The records changed after a position, each once, in its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncBatch {
    /// Todos created or changed.
    pub todos: Vec<TodoView>,
    /// Todos removed for good.
    pub deleted_todos: Vec<Uuid>,
    /// Categories created or changed.
    pub categories: Vec<CategoryView>,
    /// Categories removed.
    pub deleted_categories: Vec<Uuid>,
    /// Tags created or changed.
    pub tags: Vec<TagView>,
    /// Tags removed (deleted, or merged into another).
    pub deleted_tags: Vec<Uuid>,
    /// Where the client stands after this answer.
    pub next: Position,
    /// Whether more records follow at once.
    pub has_more: bool,
}

/// The first statement's row: the user's numbers and a deletion record
/// (null when none follows the position).
#[derive(Debug, FromQueryResult)]
struct HeadRow {
    write_seq: i64,
    sync_floor: i64,
    id: Option<Uuid>,
    entity_type: Option<String>,
    entity_id: Option<Uuid>,
    sync_seq: Option<i64>,
}

/// A record of the answer, before it is sorted and cut.
enum Record {
    Category(CategoryView),
    Tag(TagView),
    Todo(TodoView),
    Deletion(SyncEntity, Uuid),
}

/// What changed in `user_id`'s todos, categories and tags after
/// `request.since`: at most `request.size` records, oldest change first
/// (seven statements at most, see the module documentation).
///
/// # Errors
/// [`ServiceError::Gone`] when `since` lies before records housekeeping
/// has dropped; the database error.
pub async fn read(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    request: SyncRequest,
) -> ServiceResult<SyncBatch> {
    let since = request.since.unwrap_or(Position::START);
    let limit = request.size.clamp(1, MAX_SIZE) + 1;
    let (bound, floor, deletions) = head(db, user_id, since, limit).await?;
    if request.since.is_some() && floor > 0 && since.before_end_of(floor) {
        return Err(gone());
    }
    let mut records: Vec<(i64, Source, Uuid, Record)> = deletions;
    // Qualified: the todos' statement joins their categories.
    let window = |[seq, id, owner]: [Expr; 3], source| {
        Condition::all()
            .add(owner.eq(user_id))
            .add(seq.clone().lte(bound))
            .add(after(since, source, seq, id))
    };

    use {category::Column as C, tag::Column as G, todo::Column as T};
    let condition = window(
        [C::SyncSeq, C::Id, C::UserId].map(|c| Expr::col((category::Entity, c))),
        Source::Category,
    );
    for view in labels::in_sync_order::<category::Entity>(db, condition, limit).await? {
        let key = (view.category.sync_seq, Source::Category, view.category.id);
        records.push((key.0, key.1, key.2, Record::Category(view)));
    }
    let condition = window(
        [G::SyncSeq, G::Id, G::UserId].map(|c| Expr::col((tag::Entity, c))),
        Source::Tag,
    );
    for view in labels::in_sync_order::<tag::Entity>(db, condition, limit).await? {
        let key = (view.tag.sync_seq, Source::Tag, view.tag.id);
        records.push((key.0, key.1, key.2, Record::Tag(view)));
    }
    let condition = window(
        [T::SyncSeq, T::Id, T::UserId].map(|c| Expr::col((todo::Entity, c))),
        Source::Todo,
    );
    for view in todos::in_sync_order(db, condition, limit).await? {
        let key = (view.todo.sync_seq, Source::Todo, view.todo.id);
        records.push((key.0, key.1, key.2, Record::Todo(view)));
    }

    records.sort_by_key(|(seq, source, id, _)| (*seq, *source, *id));
    let size = usize::try_from(limit - 1).unwrap_or(usize::MAX);
    let has_more = records.len() > size;
    records.truncate(size);
    let next = match records.last() {
        Some((seq, source, id, _)) if has_more => Position::at(*seq, *source, *id),
        _ => since.max(Position::through(bound)),
    };
    let mut batch = SyncBatch {
        todos: Vec::new(),
        deleted_todos: Vec::new(),
        categories: Vec::new(),
        deleted_categories: Vec::new(),
        tags: Vec::new(),
        deleted_tags: Vec::new(),
        next,
        has_more,
    };
    for (_, _, _, record) in records {
        match record {
            Record::Category(view) => batch.categories.push(view),
            Record::Tag(view) => batch.tags.push(view),
            Record::Todo(view) => batch.todos.push(view),
            Record::Deletion(SyncEntity::Category, id) => batch.deleted_categories.push(id),
            Record::Deletion(SyncEntity::Tag, id) => batch.deleted_tags.push(id),
            Record::Deletion(SyncEntity::Todo, id) => batch.deleted_todos.push(id),
        }
    }
    // A record removed for good is answered as removed only.
    let gone: HashSet<Uuid> = (batch.deleted_todos.iter())
        .chain(&batch.deleted_categories)
        .chain(&batch.deleted_tags)
        .copied()
        .collect();
    batch.todos.retain(|v| !gone.contains(&v.todo.id));
    batch.categories.retain(|v| !gone.contains(&v.category.id));
    batch.tags.retain(|v| !gone.contains(&v.tag.id));
    Ok(batch)
}

/// The refusal of a `since` older than the deletion records kept.
#[must_use]
pub fn gone() -> ServiceError {
    ServiceError::Gone(
        "the changes since this point are no longer kept; sync everything again (without `since`)",
    )
}

/// Records of `source` after `position`, on their `seq` and `id` columns:
/// a later sequence, or the same one and a later `(source, id)`.
fn after(position: Position, source: Source, seq: Expr, id: Expr) -> Condition {
    let later = seq.clone().gt(position.seq);
    match position.after {
        Some((last_source, last_id)) if last_source == source => Condition::any().add(later).add(
            Condition::all()
                .add(seq.eq(position.seq))
                .add(id.gt(last_id)),
        ),
        Some((last_source, _)) if last_source < source => {
            Condition::all().add(seq.gte(position.seq))
        }
        _ => Condition::all().add(later),
    }
}

/// The first statement: `user_state LEFT JOIN sync_deletions` (see the
/// module documentation). Answers the write sequence, the floor, and the
/// deletion records after `since` up to that sequence, at most `limit`.
async fn head(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    since: Position,
    limit: u64,
) -> ServiceResult<(i64, i64, Vec<(i64, Source, Uuid, Record)>)> {
    use sync_deletion::{Column as D, Entity as Deletions};
    use user_state::{Column as S, Entity as States};
    let join = Condition::all()
        .add(Expr::col((Deletions, D::UserId)).equals((States, S::UserId)))
        .add(Expr::col((Deletions, D::SyncSeq)).lte(Expr::col((States, S::WriteSeq))))
        .add(after(
            since,
            Source::Deletion,
            Expr::col((Deletions, D::SyncSeq)),
            Expr::col((Deletions, D::Id)),
        ));
    let select = Query::select()
        .column((States, S::WriteSeq))
        .column((States, S::SyncFloor))
        .columns([
            (Deletions, D::Id),
            (Deletions, D::EntityType),
            (Deletions, D::EntityId),
            (Deletions, D::SyncSeq),
        ])
        .from(States)
        .join(JoinType::LeftJoin, Deletions, join)
        .and_where(Expr::col((States, S::UserId)).eq(user_id))
        .order_by((Deletions, D::SyncSeq), Order::Asc)
        .order_by((Deletions, D::Id), Order::Asc)
        .limit(limit)
        .to_owned();
    let rows = HeadRow::find_by_statement(db.get_database_backend().build(&select))
        .all(db)
        .await?;
    // No row: an account without its `user_state` row, which never wrote.
    let (bound, floor) = rows
        .first()
        .map_or((0, 0), |row| (row.write_seq, row.sync_floor));
    let mut deletions = Vec::with_capacity(rows.len());
    for row in rows {
        let (Some(id), Some(kind), Some(entity_id), Some(seq)) =
            (row.id, row.entity_type, row.entity_id, row.sync_seq)
        else {
            continue;
        };
        let kind: SyncEntity = kind
            .parse()
            .map_err(|_| ServiceError::bug(format!("a deletion record of kind {kind:?}")))?;
        deletions.push((seq, Source::Deletion, id, Record::Deletion(kind, entity_id)));
    }
    Ok((bound, floor, deletions))
}
