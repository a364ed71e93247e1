//! What categories and tags share: both are a user's labels on todos, named
//! uniquely per user by their case-folded key (see [`crate::names`]), listed
//! by name with the number of live todos they are on, and shown by every
//! todo that carries them (so a change to one is a change of those todos).
//!
//! Each rule is written once here, generic over [`Label`]; `categories` and
//! `tags` say how their rows link to todos and keep what differs (versions
//! and colours of categories, the merge and the find-or-create of tags).

use std::collections::HashMap;

use entity::sync_deletion::SyncEntity;
use entity::todo;
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Select, UpdateMany,
};
use uuid::Uuid;

use crate::paging::{self, PageRequest, Paged};
use crate::sync::Changes;
use crate::{ServiceError, ServiceResult, clock, names, txn, write_seq};

/// A user's label on todos: a category or a tag.
pub(crate) trait Label:
    EntityTrait<Model: Clone + Send + Sync + IntoActiveModel<Self::ActiveModel>>
{
    /// Its name in errors, e.g. `"category"`.
    const ENTITY: &'static str;
    /// The primary key column.
    const ID: Self::Column;
    /// The owner column.
    const USER_ID: Self::Column;
    /// The column the name is unique by, per owner.
    const NAME_KEY: Self::Column;
    /// The write sequence that last changed the row (delta sync).
    const SYNC_SEQ: Self::Column;
    /// What delta sync calls it.
    const KIND: SyncEntity;

    /// The label with its live todo count, as the service answers it.
    type View;
    /// The view of `model` on `todo_count` live todos.
    fn view(model: Self::Model, todo_count: u64) -> Self::View;
    /// The id of `model`.
    fn id(model: &Self::Model) -> Uuid;

    /// The rows that link a todo to a label.
    type Link: EntityTrait;
    /// The link's label id column.
    const LINK: <Self::Link as EntityTrait>::Column;
    /// Every link, joined to its todo (so that the todo's columns can filter).
    fn links() -> Select<Self::Link>;
    /// The todos that carry one of `ids`, as a condition on `todos`.
    fn carried_by(ids: &[Uuid]) -> SimpleExpr;
}

/// The caller's labels by name, with their live todo counts: three
/// statements (the count, the page, the grouped todo counts).
///
/// # Errors
/// The database error.
pub(crate) async fn list<L: Label>(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    page: PageRequest,
) -> ServiceResult<Paged<L::View>> {
    let select = L::find()
        .filter(L::USER_ID.eq(user_id))
        .order_by_asc(L::NAME_KEY)
        .order_by_asc(L::ID);
    let paged = paging::fetch(db, select, page).await?;
    let ids: Vec<Uuid> = paged.items.iter().map(L::id).collect();
    let counts = live_todo_counts::<L>(db, &ids).await?;
    Ok(paged.map(|label| with_count::<L>(label, &counts)))
}

/// `label` with its live todo count (one statement).
///
/// # Errors
/// The database error.
pub(crate) async fn counted<L: Label>(
    conn: &impl ConnectionTrait,
    label: L::Model,
) -> Result<L::View, DbErr> {
    let counts = live_todo_counts::<L>(conn, &[L::id(&label)]).await?;
    Ok(with_count::<L>(label, &counts))
}

/// The labels `condition` selects (on the label's own columns), in the
/// order delta sync hands them out (`sync_seq`, then id), at most `limit`,
/// with their live todo counts: two statements (one for none).
///
/// # Errors
/// The database error.
pub(crate) async fn in_sync_order<L: Label>(
    conn: &impl ConnectionTrait,
    condition: Condition,
    limit: u64,
) -> Result<Vec<L::View>, DbErr> {
    let labels = L::find()
        .filter(condition)
        .order_by_asc(L::SYNC_SEQ)
        .order_by_asc(L::ID)
        .limit(limit)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = labels.iter().map(L::id).collect();
    let counts = live_todo_counts::<L>(conn, &ids).await?;
    Ok(labels
        .into_iter()
        .map(|label| with_count::<L>(label, &counts))
        .collect())
}

/// Creates a label for the caller, in one transaction ([`create_in`] is
/// the rule).
///
/// # Errors
/// As [`create_in`].
pub(crate) async fn create<L: Label>(
    db: &DatabaseConnection,
    user_id: Uuid,
    name: &str,
    build: impl FnOnce(String, String) -> L::Model,
) -> ServiceResult<L::View> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let mut changes = Changes::none();
    let view = create_in::<L>(&txn, user_id, name, build, &mut changes).await?;
    write_seq::commit(txn, user_id, changes).await?;
    Ok(view)
}

/// Creates a label for the caller inside `txn`, a write transaction that
/// already holds the caller's lock ([`txn::Hold::Shared`]) and that the
/// caller ends: `build` makes the row of the name's display form and key,
/// once no other label of the caller's has that key. The new label is
/// added to `changes`.
///
/// # Errors
/// [`ServiceError::Conflict`] naming `name` when the caller has a label of
/// that name (in any case).
pub(crate) async fn create_in<L: Label>(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    name: &str,
    build: impl FnOnce(String, String) -> L::Model,
    changes: &mut Changes,
) -> ServiceResult<L::View> {
    let (display, key) = free_name::<L>(txn, user_id, name, None).await?;
    let label = build(display, key);
    L::insert(label.clone().into_active_model())
        .exec_without_returning(txn)
        .await
        // The index decides a race the check above could not see.
        .map_err(name_taken)?;
    changes.add(Changes::none().of(L::KIND, [L::id(&label)]));
    Ok(L::view(label, 0))
}

/// The display form and key of `name`, once no label of the caller's but
/// `except` has that key. The unique index still decides races (see
/// [`name_taken`]); this names the field before the write.
///
/// # Errors
/// [`ServiceError::Conflict`] on `name`, or the database error.
pub(crate) async fn free_name<L: Label>(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    name: &str,
    except: Option<Uuid>,
) -> ServiceResult<(String, String)> {
    let key = names::key(name);
    let mut select = L::find()
        .filter(L::USER_ID.eq(user_id))
        .filter(L::NAME_KEY.eq(key.as_str()));
    if let Some(except) = except {
        select = select.filter(L::ID.ne(except));
    }
    if select.one(conn).await?.is_some() {
        return Err(ServiceError::taken("name"));
    }
    Ok((names::display(name), key))
}

/// A write that clashed with the unique index of names: a conflict on `name`.
pub(crate) fn name_taken(err: DbErr) -> ServiceError {
    ServiceError::unique_or(err, "name")
}

/// The caller's labels among `ids` (fewer when some are not theirs), in
/// one `IN` query (none for no ids).
///
/// # Errors
/// The database error.
pub(crate) async fn find_owned<L: Label>(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<L::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    L::find()
        .filter(L::ID.is_in(ids.iter().copied()))
        .filter(L::USER_ID.eq(user_id))
        .all(conn)
        .await
}

/// The caller's label `id`.
///
/// # Errors
/// [`ServiceError::NotFound`] when it does not exist or is not the caller's.
pub(crate) async fn get_owned<L: Label>(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> ServiceResult<L::Model> {
    find_owned::<L>(conn, user_id, &[id])
        .await?
        .pop()
        .ok_or(ServiceError::NotFound { entity: L::ENTITY })
}

/// `UPDATE todos SET version = version + 1 WHERE <carries one of ids>`: the
/// todos that show these labels change with them. `edited` also sets their
/// `updated_at` (the labels they carry change, not only a label's name);
/// the caller may add columns or filters before running it.
pub(crate) fn touch_todos<L: Label>(ids: &[Uuid], edited: bool) -> UpdateMany<todo::Entity> {
    let mut update = todo::Entity::update_many()
        .col_expr(
            todo::Column::Version,
            Expr::col(todo::Column::Version).add(1),
        )
        .filter(L::carried_by(ids));
    if edited {
        update = update.col_expr(todo::Column::UpdatedAt, Expr::value(clock::now()));
    }
    update
}

/// The ids of the caller's todos (soft-deleted or not) that carry one of
/// `ids`: one statement. A label's deletion or merge changes each of them.
///
/// # Errors
/// The database error.
pub(crate) async fn carrying<L: Label>(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, DbErr> {
    todo::Entity::find()
        .select_only()
        .column(todo::Column::Id)
        .filter(L::carried_by(ids))
        .filter(todo::Column::UserId.eq(user_id))
        .into_tuple()
        .all(conn)
        .await
}

/// Live (not soft-deleted) todos per label of `ids`, in one grouped query
/// (none for no ids).
async fn live_todo_counts<L: Label>(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, u64>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // A category link is a nullable column, so the id is read as optional.
    let rows: Vec<(Option<Uuid>, i64)> = L::links()
        .select_only()
        .column(L::LINK)
        .column_as(Expr::cust("COUNT(*)"), "todo_count")
        .filter(L::LINK.is_in(ids.iter().copied()))
        .filter(todo::Column::DeletedAt.is_null())
        .group_by(L::LINK)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0))))
        .collect())
}

fn with_count<L: Label>(label: L::Model, counts: &HashMap<Uuid, u64>) -> L::View {
    let todo_count = counts.get(&L::id(&label)).copied().unwrap_or(0);
    L::view(label, todo_count)
}
