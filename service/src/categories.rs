//! Categories: a user's own grouping of todos (a todo has at most one).
//!
//! Names are unique per user case-insensitively (through `name_key`).
//! Categories are versioned like todos. A category's `todo_count` counts its
//! live todos only: a soft-deleted todo is out of every list until it is
//! restored, so counting it would promise rows the category's list never
//! shows. Counts for a whole page come from one grouped query.
//!
//! A todo shows its category's name and colour, so a change to either raises
//! the version of every todo in the category (one `UPDATE`): an `ETag` never
//! vouches for a stale name. Deleting a category leaves its todos without
//! one, and that is a change of each of them (version and `updated_at`).

use std::collections::HashMap;

use entity::{category, todo};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::paging::{self, PageRequest, Paged};
use crate::todos::ListTotals;
use crate::version::{self, Expected};
use crate::{ServiceError, ServiceResult, clock, names, txn};

const ENTITY: &str = "category";

/// A category with the number of live todos in it: what the API calls a Category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryView {
    /// The category row.
    pub category: category::Model,
    /// Live (not soft-deleted) todos in the category.
    pub todo_count: u64,
}

/// A new category; the name is 1–50 characters once trimmed (checked by the caller).
#[derive(Debug, Clone, Default)]
pub struct NewCategory {
    /// The name as typed; stored trimmed.
    pub name: String,
    /// Free-form colour, e.g. `#3b82f6`.
    pub color: Option<String>,
}

/// Changes to a category. `None` keeps a field; `color: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct CategoryChanges {
    /// New name.
    pub name: Option<String>,
    /// New colour, or `Some(None)` to clear it.
    pub color: Option<Option<String>>,
    /// Versions the client expects the row to have.
    pub expected: Vec<Expected>,
}

/// The caller's categories by name, with their live todo counts: three
/// statements (the count, the page, the grouped todo counts).
///
/// # Errors
/// The database error.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    page: PageRequest,
) -> ServiceResult<Paged<CategoryView>> {
    let select = category::Entity::find()
        .filter(category::Column::UserId.eq(user_id))
        .order_by_asc(category::Column::NameKey)
        .order_by_asc(category::Column::Id);
    let paged = paging::fetch(db, select, page).await?;
    let ids: Vec<Uuid> = paged.items.iter().map(|c| c.id).collect();
    let counts = live_todo_counts(db, &ids).await?;
    Ok(Paged {
        total: paged.total,
        items: paged
            .items
            .into_iter()
            .map(|category| with_count(category, &counts))
            .collect(),
    })
}

/// One of the caller's categories, with its live todo count (two statements).
///
/// # Errors
/// [`ServiceError::NotFound`] when it does not exist or is not the caller's.
pub async fn get(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> ServiceResult<CategoryView> {
    let category = find_owned(db, user_id, id)
        .await?
        .ok_or(ServiceError::NotFound { entity: ENTITY })?;
    let counts = live_todo_counts(db, &[id]).await?;
    Ok(with_count(category, &counts))
}

/// Creates a category for the caller.
///
/// # Errors
/// [`ServiceError::Conflict`] naming `name` when the caller has a category of
/// that name (in any case).
pub async fn create(
    db: &DatabaseConnection,
    user_id: Uuid,
    new: NewCategory,
) -> ServiceResult<CategoryView> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let key = names::key(&new.name);
    ensure_name_free(&txn, user_id, &key, None).await?;
    let now = clock::now();
    let category = category::Model {
        id: clock::new_id(),
        user_id,
        name: names::display(&new.name),
        name_key: key,
        color: new.color,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    category::Entity::insert(category::ActiveModel::from(category.clone()))
        .exec_without_returning(&txn)
        .await
        // The index decides a race the check above could not see.
        .map_err(|err| ServiceError::unique_or(err, "name"))?;
    txn.commit().await?;
    Ok(CategoryView {
        category,
        todo_count: 0,
    })
}

/// Renames or recolours one of the caller's categories, in one transaction.
/// A request that changes nothing leaves the version as it is.
///
/// # Errors
/// [`ServiceError::NotFound`], a version error, or [`ServiceError::Conflict`]
/// naming `name` when another category of the caller has that name.
pub async fn update(
    db: &DatabaseConnection,
    user_id: Uuid,
    id: Uuid,
    changes: CategoryChanges,
) -> ServiceResult<CategoryView> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Exclusive).await?;
    let current = find_owned(&txn, user_id, id)
        .await?
        .ok_or(ServiceError::NotFound { entity: ENTITY })?;
    version::check_all(&changes.expected, current.version)?;
    if changes.name.is_none() && changes.color.is_none() {
        let counts = live_todo_counts(&txn, &[id]).await?;
        txn.commit().await?;
        return Ok(with_count(current, &counts));
    }
    let now = clock::now();
    let mut am = category::ActiveModel {
        id: Set(id),
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(name) = &changes.name {
        let key = names::key(name);
        ensure_name_free(&txn, user_id, &key, Some(id)).await?;
        am.name = Set(names::display(name));
        am.name_key = Set(key);
    }
    if let Some(color) = changes.color {
        am.color = Set(color);
    }
    let updated = match category::Entity::update(am)
        .validate()?
        .filter(category::Column::Version.eq(current.version))
        .exec(&txn)
        .await
    {
        Ok(model) => model,
        Err(DbErr::RecordNotUpdated) => {
            return Err(lost_race(&txn, id, &changes.expected).await);
        }
        Err(err) => return Err(ServiceError::unique_or(err, "name")),
    };
    // Its todos show the new name or colour: their representation changed.
    todo::Entity::update_many()
        .col_expr(
            todo::Column::Version,
            Expr::col(todo::Column::Version).add(1),
        )
        .filter(todo::Column::CategoryId.eq(id))
        .exec(&txn)
        .await?;
    let counts = live_todo_counts(&txn, &[id]).await?;
    txn.commit().await?;
    Ok(with_count(updated, &counts))
}

/// Deletes one of the caller's categories. Its todos stay, without a
/// category; each of them gets a new version and `updated_at`, in the same
/// transaction (one `UPDATE`).
///
/// # Errors
/// [`ServiceError::NotFound`] or a version error.
pub async fn delete(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    id: Uuid,
    expected: &[Expected],
) -> ServiceResult<()> {
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Exclusive).await?;
    let current = find_owned(&txn, user_id, id)
        .await?
        .ok_or(ServiceError::NotFound { entity: ENTITY })?;
    version::check_all(expected, current.version)?;
    // The foreign key would set `category_id` to NULL too; setting it here
    // as well makes the one statement that raises the versions also the one
    // that detaches the todos, whatever the engine's foreign key settings.
    todo::Entity::update_many()
        .col_expr(todo::Column::CategoryId, Expr::value(None::<Uuid>))
        .col_expr(
            todo::Column::Version,
            Expr::col(todo::Column::Version).add(1),
        )
        .col_expr(todo::Column::UpdatedAt, Expr::value(clock::now()))
        .filter(todo::Column::CategoryId.eq(id))
        .filter(todo::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let deleted = category::Entity::delete_many()
        .filter(category::Column::Id.eq(id))
        .filter(category::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(lost_race(&txn, id, expected).await);
    }
    totals.commit(txn, user_id).await?;
    Ok(())
}

/// The caller's category `id`, if it exists and is theirs.
pub(crate) async fn find_owned(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<category::Model>, DbErr> {
    category::Entity::find_by_id(id)
        .filter(category::Column::UserId.eq(user_id))
        .one(conn)
        .await
}

/// The caller's categories among `ids` (fewer when some are not theirs),
/// in one `IN` query (none for no ids).
pub(crate) async fn find_owned_many(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<category::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    category::Entity::find()
        .filter(category::Column::Id.is_in(ids.iter().copied()))
        .filter(category::Column::UserId.eq(user_id))
        .all(conn)
        .await
}

/// Fails with a conflict on `name` if another of the caller's categories has `key`.
async fn ensure_name_free(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    key: &str,
    except: Option<Uuid>,
) -> ServiceResult<()> {
    let columns = names::NameColumns {
        user_id: category::Column::UserId,
        name_key: category::Column::NameKey,
        id: category::Column::Id,
    };
    names::ensure_free::<category::Entity>(conn, columns, user_id, key, except).await
}

/// Live todos per category of `ids`, in one grouped query (none for no ids).
async fn live_todo_counts(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, u64>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<Uuid>, i64)> = todo::Entity::find()
        .select_only()
        .column(todo::Column::CategoryId)
        .column_as(Expr::cust("COUNT(*)"), "todo_count")
        .filter(todo::Column::CategoryId.is_in(ids.iter().copied()))
        .filter(todo::Column::DeletedAt.is_null())
        .group_by(todo::Column::CategoryId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0))))
        .collect())
}

fn with_count(category: category::Model, counts: &HashMap<Uuid, u64>) -> CategoryView {
    CategoryView {
        todo_count: counts.get(&category.id).copied().unwrap_or(0),
        category,
    }
}

/// Names what a guarded write that matched nothing ran into.
async fn lost_race(conn: &impl ConnectionTrait, id: Uuid, expected: &[Expected]) -> ServiceError {
    // A locking read sees the latest committed row even under MySQL's
    // repeatable read, where a plain read would show the transaction's snapshot.
    let now = category::Entity::find_by_id(id)
        .lock_shared()
        .one(conn)
        .await;
    match now {
        Ok(row) => version::lost_race(expected, row.map(|c| c.version), ENTITY),
        Err(err) => err.into(),
    }
}
