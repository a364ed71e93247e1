//! Optimistic locking: the version a client says it has seen.

use entity::todo;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, Value,
};

use crate::{ServiceError, ServiceResult, clock};

/// The version a client expects a row to have, and how it said so.
///
/// The two sources fail differently (API.md): a stale `If-Match` header is a
/// failed precondition (`412`), a stale `version` in the body a conflict (`409`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// From an `If-Match` header.
    IfMatch(i32),
    /// From a `version` field in the body.
    Body(i32),
}

impl Expected {
    /// Checks the expectation against the row's current version.
    ///
    /// # Errors
    /// [`ServiceError::PreconditionFailed`] or [`ServiceError::StaleVersion`].
    pub fn check(self, current: i32) -> ServiceResult<()> {
        match self {
            Self::IfMatch(v) if v != current => Err(ServiceError::PreconditionFailed),
            Self::Body(v) if v != current => Err(ServiceError::StaleVersion { current }),
            _ => Ok(()),
        }
    }
}

/// Checks every given expectation (a request may carry both a header and a body field).
///
/// # Errors
/// The first failing expectation's error.
pub fn check_all(expected: &[Expected], current: i32) -> ServiceResult<()> {
    expected.iter().try_for_each(|e| e.check(current))
}

/// The error for a guarded write (`UPDATE … WHERE id = ? AND version = ?`)
/// that matched no row although the row had that version when it was read:
/// someone else changed or removed it in between. `now` is the row's version
/// as read again after the miss, `None` if the row is gone.
///
/// A client that named no version still learns that its change was based
/// on a state that no longer exists (`StaleVersion`): no update is lost.
#[must_use]
pub fn lost_race(expected: &[Expected], now: Option<i32>, entity: &'static str) -> ServiceError {
    match now {
        None => ServiceError::NotFound { entity },
        Some(_) if expected.iter().any(|e| matches!(e, Expected::IfMatch(_))) => {
            ServiceError::PreconditionFailed
        }
        Some(current) => ServiceError::StaleVersion { current },
    }
}

/// An entity versioned like a todo: a primary key `id`, an `i32` `version`
/// raised by exactly one on every change, and an `updated_at`. Every write
/// to such a row goes through [`save_guarded`].
pub trait Versioned: EntityTrait {
    /// The primary key column.
    const ID: Self::Column;
    /// The optimistic-locking counter.
    const VERSION: Self::Column;
    /// When the row last changed.
    const UPDATED_AT: Self::Column;

    /// What a failed guarded write means when it is not a lost race: a
    /// unique index the change clashes with, say. The database error by default.
    fn write_error(err: DbErr) -> ServiceError {
        err.into()
    }
}

/// Todos: nothing but the database can refuse their writes.
impl Versioned for todo::Entity {
    const ID: todo::Column = todo::Column::Id;
    const VERSION: todo::Column = todo::Column::Version;
    const UPDATED_AT: todo::Column = todo::Column::UpdatedAt;
}

/// Writes `am` (which sets the primary key and the changed columns) only if
/// the row still has version `current`, the version it was read with: sets
/// `version` to `current + 1` and `updated_at` to now (unless `am` sets it,
/// for a caller that stamps other columns with the same instant), and runs
/// `UPDATE … WHERE id = ? AND version = ?`, so the check and the write are
/// one statement. Answers the row as written.
///
/// # Errors
/// When the guard matched nothing, what [`lost_race_of`] names; any other
/// failure as [`Versioned::write_error`] names it.
pub async fn save_guarded<E>(
    conn: &impl ConnectionTrait,
    mut am: E::ActiveModel,
    current: i32,
    expected: &[Expected],
    entity: &'static str,
) -> ServiceResult<E::Model>
where
    E: Versioned,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    am.set(E::VERSION, Value::Int(Some(current + 1)));
    if am.is_not_set(E::UPDATED_AT) {
        am.set(E::UPDATED_AT, clock::now().into());
    }
    let id = am.get(E::ID).into_value().ok_or_else(|| {
        ServiceError::bug(format!("a guarded write of a {entity} without its id"))
    })?;
    match E::update(am)
        .validate()?
        .filter(E::VERSION.eq(current))
        .exec(conn)
        .await
    {
        Ok(model) => Ok(model),
        Err(DbErr::RecordNotUpdated) => Err(lost_race_of::<E>(conn, id, expected, entity).await),
        Err(err) => Err(E::write_error(err)),
    }
}

/// Names what a guarded write (an `UPDATE` or `DELETE … WHERE id = ? AND
/// version = ?`) of row `id` that matched nothing ran into: reads the row's
/// version again and answers [`lost_race`].
pub async fn lost_race_of<E: Versioned>(
    conn: &impl ConnectionTrait,
    id: impl Into<Value>,
    expected: &[Expected],
    entity: &'static str,
) -> ServiceError {
    // A locking read sees the latest committed row even under MySQL's
    // repeatable read, where a plain read would show the transaction's snapshot.
    let now = E::find()
        .select_only()
        .column(E::VERSION)
        .filter(E::ID.eq(id))
        .lock_shared()
        .into_tuple::<i32>()
        .one(conn)
        .await;
    match now {
        Ok(version) => lost_race(expected, version, entity),
        Err(err) => err.into(),
    }
}
