//! Tags: a user's labels, on any number of todos (many-to-many through
//! `todo_tags`).
//!
//! Names are unique per user case-insensitively (through `name_key`). A tag's
//! `todo_count` counts live todos only, like a category's. Tags carry no
//! version of their own; the todos that show a tag do: renaming, deleting or
//! merging a tag raises the version of each todo it is on, in the same
//! transaction, so a todo's `ETag` always describes the tags it shows.

use std::collections::{HashMap, HashSet};

use entity::sync_deletion::SyncEntity;
use entity::{tag, todo, todo_tag};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::extension::mysql::{IndexHintScope, MySqlSelectStatementExt as _};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait, Select,
};
use uuid::Uuid;

use crate::labels::{self, Label};
use crate::paging::{PageRequest, Paged};
use crate::sync::Changes;
use crate::todos::ListTotals;
use crate::{ServiceError, ServiceResult, batch, clock, names, txn};

const ENTITY: &str = "tag";

/// The unique index of `(user_id, name_key)` (see the tags migration).
const UNIQUE_NAME_INDEX: &str = "ux_tags_user_id_name_key";

/// A tag with the number of live todos it is on: what the API calls a Tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagView {
    /// The tag row.
    pub tag: tag::Model,
    /// Live (not soft-deleted) todos carrying the tag.
    pub todo_count: u64,
}

impl Label for tag::Entity {
    const ENTITY: &'static str = ENTITY;
    const ID: tag::Column = tag::Column::Id;
    const USER_ID: tag::Column = tag::Column::UserId;
    const NAME_KEY: tag::Column = tag::Column::NameKey;
    const SYNC_SEQ: tag::Column = tag::Column::SyncSeq;
    const KIND: SyncEntity = SyncEntity::Tag;

    type View = TagView;
    fn view(tag: tag::Model, todo_count: u64) -> TagView {
        TagView { tag, todo_count }
    }
    fn id(tag: &tag::Model) -> Uuid {
        tag.id
    }

    // A todo carries its tags through `todo_tags`.
    type Link = todo_tag::Entity;
    const LINK: todo_tag::Column = todo_tag::Column::TagId;
    fn links() -> Select<todo_tag::Entity> {
        todo_tag::Entity::find().join(JoinType::InnerJoin, todo_tag::Relation::Todo.def())
    }
    fn carried_by(ids: &[Uuid]) -> SimpleExpr {
        let carrying = Query::select()
            .column(todo_tag::Column::TodoId)
            .from(todo_tag::Entity)
            .and_where(Expr::col(todo_tag::Column::TagId).is_in(ids.iter().copied()))
            .to_owned();
        todo::Column::Id.in_subquery(carrying)
    }
}

/// The caller's tags by name, with their live todo counts: three statements
/// (the count, the page, the grouped todo counts).
///
/// # Errors
/// The database error.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    page: PageRequest,
) -> ServiceResult<Paged<TagView>> {
    labels::list::<tag::Entity>(db, user_id, page).await
}

/// Creates a tag for the caller; the name is 1–50 characters once trimmed
/// (checked by the caller).
///
/// # Errors
/// [`ServiceError::Conflict`] naming `name` when the caller has a tag of that
/// name (in any case).
pub async fn create(db: &DatabaseConnection, user_id: Uuid, name: &str) -> ServiceResult<TagView> {
    labels::create::<tag::Entity>(db, user_id, name, |name, key| new_tag(user_id, name, key)).await
}

/// Creates a tag for the caller inside `txn`, a write transaction that
/// already holds the caller's lock ([`txn::begin_as`] with
/// [`txn::Hold::Shared`]) and that the caller ends; the new tag is added
/// to `changes`, for the commit.
///
/// # Errors
/// As [`create`].
pub async fn create_in(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    name: &str,
    changes: &mut Changes,
) -> ServiceResult<TagView> {
    let build = |name, key| new_tag(user_id, name, key);
    labels::create_in::<tag::Entity>(txn, user_id, name, build, changes).await
}

/// Renames one of the caller's tags, in one transaction with the version
/// raise of the todos that show it.
///
/// # Errors
/// [`ServiceError::NotFound`], or [`ServiceError::Conflict`] naming `name`
/// when another tag of the caller has that name.
pub async fn rename(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    id: Uuid,
    name: &str,
) -> ServiceResult<TagView> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Exclusive).await?;
    let mut current = labels::get_owned::<tag::Entity>(&txn, user_id, id).await?;
    (current.name, current.name_key) =
        labels::free_name::<tag::Entity>(&txn, user_id, name, Some(id)).await?;
    current.updated_at = clock::now();
    tag::Entity::update(tag::ActiveModel {
        id: Set(id),
        name: Set(current.name.clone()),
        name_key: Set(current.name_key.clone()),
        updated_at: Set(current.updated_at),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await
    .map_err(labels::name_taken)?;
    labels::touch_todos::<tag::Entity>(&[id], false)
        .exec(&txn)
        .await?;
    let view = labels::counted::<tag::Entity>(&txn, current).await?;
    // A change of the tag alone, not of the todos showing it.
    totals
        .commit(txn, user_id, Changes::none().tags([id]))
        .await?;
    Ok(view)
}

/// Deletes one of the caller's tags: it leaves every todo it was on, and
/// each of those todos gets a new version and `updated_at`.
///
/// # Errors
/// [`ServiceError::NotFound`].
pub async fn delete(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    id: Uuid,
) -> ServiceResult<()> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Exclusive).await?;
    labels::get_owned::<tag::Entity>(&txn, user_id, id).await?;
    let untagged = labels::carrying::<tag::Entity>(&txn, user_id, &[id]).await?;
    labels::touch_todos::<tag::Entity>(&[id], true)
        .exec(&txn)
        .await?;
    // The links go with the tag (foreign key cascade).
    tag::Entity::delete_by_id(id).exec(&txn).await?;
    let changes = Changes::none()
        .todos(untagged)
        .deleted(SyncEntity::Tag, [id]);
    totals.commit(txn, user_id, changes).await?;
    Ok(())
}

/// Merges tags into one, in one transaction: every todo carrying a source
/// tag carries the target afterwards (once, also when it had both), and
/// the sources are deleted. Each todo that carried a source gets a new
/// version and `updated_at`.
///
/// # Errors
/// [`ServiceError::Invalid`] naming `source_ids` when they are empty or
/// include the target; [`ServiceError::NotFound`] when the target or a
/// source does not exist or is not the caller's.
pub async fn merge(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    source_ids: &[Uuid],
    target_id: Uuid,
) -> ServiceResult<TagView> {
    let mut sources: Vec<Uuid> = Vec::with_capacity(source_ids.len());
    for id in source_ids {
        if !sources.contains(id) {
            sources.push(*id);
        }
    }
    if sources.is_empty() {
        return Err(ServiceError::invalid("source_ids", "name at least one tag"));
    }
    if sources.contains(&target_id) {
        return Err(ServiceError::invalid(
            "source_ids",
            "must not include the target tag",
        ));
    }
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Exclusive).await?;
    let mut wanted = sources.clone();
    wanted.push(target_id);
    let found = labels::find_owned::<tag::Entity>(&txn, user_id, &wanted).await?;
    let target = found
        .iter()
        .find(|t| t.id == target_id)
        .cloned()
        .ok_or(ServiceError::NotFound { entity: ENTITY })?;
    if found.len() != wanted.len() {
        return Err(ServiceError::NotFound { entity: ENTITY });
    }
    let retagged = labels::carrying::<tag::Entity>(&txn, user_id, &sources).await?;
    labels::touch_todos::<tag::Entity>(&sources, true)
        .exec(&txn)
        .await?;
    // INSERT INTO todo_tags (todo_id, tag_id)
    //   SELECT todo_id, <target> FROM todo_tags WHERE tag_id IN (<sources>)
    //   AND todo_id NOT IN (SELECT todo_id FROM todo_tags WHERE tag_id = <target>)
    //   GROUP BY todo_id
    // One statement whatever the number of todos; the NOT IN and the GROUP BY
    // keep a todo that had the target, or several sources, to one link.
    let already = Query::select()
        .column(todo_tag::Column::TodoId)
        .from(todo_tag::Entity)
        .and_where(Expr::col(todo_tag::Column::TagId).eq(target_id))
        .to_owned();
    let gaining = Query::select()
        .column(todo_tag::Column::TodoId)
        .expr(Expr::val(target_id))
        .from(todo_tag::Entity)
        .and_where(Expr::col(todo_tag::Column::TagId).is_in(sources.iter().copied()))
        .and_where(Expr::col(todo_tag::Column::TodoId).not_in_subquery(already))
        .group_by_col(todo_tag::Column::TodoId)
        .to_owned();
    let insert = Query::insert()
        .into_table(todo_tag::Entity)
        .columns([todo_tag::Column::TodoId, todo_tag::Column::TagId])
        .select_from(gaining)
        .map_err(|err| ServiceError::internal("building the tag merge", err))?
        .to_owned();
    txn.execute(&insert).await?;
    tag::Entity::delete_many()
        .filter(tag::Column::Id.is_in(sources.iter().copied()))
        .filter(tag::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let view = labels::counted::<tag::Entity>(&txn, target).await?;
    let changes = Changes::none()
        .todos(retagged)
        .deleted(SyncEntity::Tag, sources);
    totals.commit(txn, user_id, changes).await?;
    Ok(view)
}

/// The caller's tags named `names` (any case), creating the missing ones, in
/// the order of `names` and without repeats (compared case-insensitively;
/// the first spelling wins). Runs inside the caller's transaction; the tags
/// it creates are added to `changes`.
///
/// Built for a whole batch at once: one `SELECT … WHERE name_key IN (…)`
/// and one multi-row `INSERT` of the missing names (more only past the
/// engine's bind-parameter limit), whatever the number of names.
///
/// # Errors
/// The database error.
pub(crate) async fn find_or_create(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    names: &[String],
    changes: &mut Changes,
) -> Result<Vec<tag::Model>, DbErr> {
    let wanted = names::distinct(names);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let keys = wanted.iter().map(|(_, key)| key.clone()).collect();
    let mut found = by_keys(conn, user_id, keys, false).await?;
    let mut missing: Vec<tag::Model> = wanted
        .iter()
        .filter(|(_, key)| !found.contains_key(key))
        .map(|(name, key)| new_tag(user_id, name.clone(), key.clone()))
        .collect();
    if !missing.is_empty() {
        // Always in one order, by key: two transactions creating the same
        // new names ("a", "b" and "b", "a") then wait for each other at the
        // first name they share instead of each holding the name the other
        // needs (a deadlock on PostgreSQL and MariaDB).
        missing.sort_unstable_by(|a, b| a.name_key.cmp(&b.name_key));
        let ours: HashSet<Uuid> = missing.iter().map(|t| t.id).collect();
        let expected = missing.len() as u64;
        let keys: Vec<String> = missing.iter().map(|t| t.name_key.clone()).collect();
        let rows = missing
            .iter()
            .cloned()
            .map(tag::ActiveModel::from)
            .collect();
        // A concurrent request may create the same name first: its row is
        // skipped here and read back below. PostgreSQL and SQLite count only
        // the rows they inserted, so when every row went in there is nothing
        // to read back; MySQL counts a skipped row as matched, so it always reads.
        let inserted = batch::insert_all_skipping_clashes(
            conn,
            rows,
            [tag::Column::UserId, tag::Column::NameKey],
        )
        .await?;
        if inserted == expected && conn.get_database_backend() != DbBackend::MySql {
            found.extend(missing.into_iter().map(|t| (t.name_key.clone(), t)));
        } else {
            found.extend(by_keys(conn, user_id, keys, true).await?);
        }
        // The tags this transaction created, for delta sync: only rows it
        // wrote (and so holds). A name skipped for a clash was created, and
        // is stamped, by the other request; stamping an id that no row has
        // would make MariaDB lock the gap where it would go.
        changes.add_tags(found.values().map(|t| t.id).filter(|id| ours.contains(id)));
    }
    Ok(wanted
        .iter()
        .filter_map(|(_, key)| found.get(key).cloned())
        .collect())
}

/// The caller's existing tags named `names` (any case); unknown names are
/// skipped. One `IN` query.
///
/// # Errors
/// The database error.
pub(crate) async fn find_named(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    names: &[String],
) -> Result<Vec<tag::Model>, DbErr> {
    let keys: Vec<String> = names::distinct(names)
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    Ok(by_keys(conn, user_id, keys, false)
        .await?
        .into_values()
        .collect())
}

/// The caller's tags whose `name_key` is among `keys`, by key: one `IN`
/// query per bind limit's worth of keys.
///
/// `latest` reads rows that other transactions committed after this one
/// first read (a locking read): MariaDB's repeatable read would otherwise
/// answer from the transaction's snapshot and miss a tag another request
/// has just created. PostgreSQL (read committed) sees them anyway.
async fn by_keys(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    keys: Vec<String>,
    latest: bool,
) -> Result<HashMap<String, tag::Model>, DbErr> {
    let per_statement = batch::rows_per_statement(conn.get_database_backend(), 1);
    let mut found = HashMap::with_capacity(keys.len());
    for chunk in batch::chunked(keys, per_statement) {
        let mut select = tag::Entity::find()
            .filter(tag::Column::UserId.eq(user_id))
            .filter(tag::Column::NameKey.is_in(chunk));
        if latest && conn.get_database_backend() == DbBackend::MySql {
            // Through the unique index only. Scanning the table instead
            // (MariaDB's choice for a small one) would wait on the row of a
            // transaction that is inserting the same name and itself waits
            // for ours: its row is written, its unique entry not yet.
            QuerySelect::query(&mut select).force_index(UNIQUE_NAME_INDEX, IndexHintScope::All);
            select = select.lock_shared();
        }
        let tags = select.all(conn).await?;
        found.extend(tags.into_iter().map(|t| (t.name_key.clone(), t)));
    }
    Ok(found)
}

fn new_tag(user_id: Uuid, name: String, name_key: String) -> tag::Model {
    let now = clock::now();
    tag::Model {
        id: clock::new_id(),
        user_id,
        name,
        name_key,
        created_at: now,
        updated_at: now,
        // Stamped as the write commits (`write_seq::commit`).
        sync_seq: 0,
    }
}
