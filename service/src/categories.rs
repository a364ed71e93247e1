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

use entity::sync_deletion::SyncEntity;
use entity::{category, todo};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Select,
};
use uuid::Uuid;

use crate::labels::{self, Label};
use crate::paging::{PageRequest, Paged};
use crate::sync::Changes;
use crate::todos::ListTotals;
use crate::version::{self, Expected, Versioned};
use crate::{ServiceError, ServiceResult, clock, txn, write_seq};

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

impl Label for category::Entity {
    const ENTITY: &'static str = ENTITY;
    const ID: category::Column = category::Column::Id;
    const USER_ID: category::Column = category::Column::UserId;
    const NAME_KEY: category::Column = category::Column::NameKey;
    const SYNC_SEQ: category::Column = category::Column::SyncSeq;
    const KIND: SyncEntity = SyncEntity::Category;

    type View = CategoryView;
    fn view(category: category::Model, todo_count: u64) -> CategoryView {
        CategoryView {
            category,
            todo_count,
        }
    }
    fn id(category: &category::Model) -> Uuid {
        category.id
    }

    // A todo names its category itself.
    type Link = todo::Entity;
    const LINK: todo::Column = todo::Column::CategoryId;
    fn links() -> Select<todo::Entity> {
        todo::Entity::find()
    }
    fn carried_by(ids: &[Uuid]) -> SimpleExpr {
        todo::Column::CategoryId.is_in(ids.iter().copied())
    }
}

/// A category name is unique per user: a write that clashes is a conflict on `name`.
impl Versioned for category::Entity {
    const ID: category::Column = category::Column::Id;
    const VERSION: category::Column = category::Column::Version;
    const UPDATED_AT: category::Column = category::Column::UpdatedAt;

    fn write_error(err: DbErr) -> ServiceError {
        labels::name_taken(err)
    }
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
    labels::list::<category::Entity>(db, user_id, page).await
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
    let category = labels::get_owned::<category::Entity>(db, user_id, id).await?;
    Ok(labels::counted::<category::Entity>(db, category).await?)
}

/// Creates a category for the caller, in one transaction.
///
/// # Errors
/// [`ServiceError::Conflict`] naming `name` when the caller has a category of
/// that name (in any case).
pub async fn create(
    db: &DatabaseConnection,
    user_id: Uuid,
    new: NewCategory,
) -> ServiceResult<CategoryView> {
    let name = new.name.clone();
    labels::create::<category::Entity>(db, user_id, &name, new_category(user_id, new)).await
}

/// Creates a category for the caller inside `txn`, a write transaction
/// that already holds the caller's lock ([`txn::begin_as`] with
/// [`txn::Hold::Shared`]) and that the caller ends; the new category is
/// added to `changes`, for the commit.
///
/// # Errors
/// As [`create`].
pub async fn create_in(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    new: NewCategory,
    changes: &mut Changes,
) -> ServiceResult<CategoryView> {
    let name = new.name.clone();
    let build = new_category(user_id, new);
    labels::create_in::<category::Entity>(txn, user_id, &name, build, changes).await
}

/// The row of `new`, built from its name's display form and key.
fn new_category(user_id: Uuid, new: NewCategory) -> impl FnOnce(String, String) -> category::Model {
    move |name, name_key| {
        let now = clock::now();
        category::Model {
            id: clock::new_id(),
            user_id,
            name,
            name_key,
            color: new.color,
            version: 1,
            created_at: now,
            updated_at: now,
            // Stamped as the write commits (`write_seq::commit`).
            sync_seq: 0,
        }
    }
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
    let current = labels::get_owned::<category::Entity>(&txn, user_id, id).await?;
    version::check_all(&changes.expected, current.version)?;
    if changes.name.is_none() && changes.color.is_none() {
        let view = labels::counted::<category::Entity>(&txn, current).await?;
        txn.commit().await?;
        return Ok(view);
    }
    let mut am = category::ActiveModel {
        id: Set(id),
        ..Default::default()
    };
    if let Some(name) = &changes.name {
        let (name, key) =
            labels::free_name::<category::Entity>(&txn, user_id, name, Some(id)).await?;
        am.name = Set(name);
        am.name_key = Set(key);
    }
    if let Some(color) = changes.color {
        am.color = Set(color);
    }
    let updated = version::save_guarded::<category::Entity>(
        &txn,
        am,
        current.version,
        &changes.expected,
        ENTITY,
    )
    .await?;
    // Its todos show the new name or colour: their representation changed.
    labels::touch_todos::<category::Entity>(&[id], false)
        .exec(&txn)
        .await?;
    let view = labels::counted::<category::Entity>(&txn, updated).await?;
    // A change of the category alone, not of the todos showing it.
    write_seq::commit(txn, user_id, Changes::none().categories([id])).await?;
    Ok(view)
}

/// Deletes one of the caller's categories. Its todos stay, without a
/// category; each of them gets a new version and `updated_at`, in the same
/// transaction (one `UPDATE`), and is a change for delta sync (their ids
/// are read first: one statement).
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
    let current = labels::get_owned::<category::Entity>(&txn, user_id, id).await?;
    version::check_all(expected, current.version)?;
    let detached = labels::carrying::<category::Entity>(&txn, user_id, &[id]).await?;
    // The foreign key would set `category_id` to NULL too; setting it here
    // as well makes the one statement that raises the versions also the one
    // that detaches the todos, whatever the engine's foreign key settings.
    labels::touch_todos::<category::Entity>(&[id], true)
        .col_expr(todo::Column::CategoryId, Expr::value(None::<Uuid>))
        .filter(todo::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let deleted = category::Entity::delete_many()
        .filter(category::Column::Id.eq(id))
        .filter(category::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        let lost = version::lost_race_of::<category::Entity>(&txn, id, expected, ENTITY);
        return Err(lost.await);
    }
    let changes = Changes::none()
        .todos(detached)
        .deleted(SyncEntity::Category, [id]);
    totals.commit(txn, user_id, changes).await?;
    Ok(())
}

/// The caller's category `id`, if it exists and is theirs.
pub(crate) async fn find_owned(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<category::Model>, DbErr> {
    Ok(find_owned_many(conn, user_id, &[id]).await?.pop())
}

/// The caller's categories among `ids` (fewer when some are not theirs),
/// in one `IN` query (none for no ids).
pub(crate) async fn find_owned_many(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<category::Model>, DbErr> {
    labels::find_owned::<category::Entity>(conn, user_id, ids).await
}
