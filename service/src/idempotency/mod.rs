//! Idempotent creates: a request that carries an `Idempotency-Key` runs
//! once per user and key, and every retry of it gets the first answer again.
//!
//! [`run`] holds the rule, in one transaction:
//!
//! 1. the caller's lock ([`txn::begin_as`], shared, as every create), then
//!    the key's lock, taken without waiting (see `lock`): held by another
//!    transaction, the first request is still running, and the retry is
//!    told so at once (a conflict naming `Idempotency-Key`);
//! 2. the key's record: kept and unexpired, the same request (by
//!    [`fingerprint`]) gets the kept answer, *replayed*, and nothing is
//!    written; another request is refused (invalid `Idempotency-Key`). An
//!    expired record is deleted and the key is free again;
//! 3. otherwise the create runs, inside a savepoint, and renders its answer
//!    (the caller's closure: the service call and the HTTP rendering, so
//!    this module knows neither). A success keeps its writes; a refusal (a
//!    `4xx`: a name taken, a category not the caller's) keeps none of them,
//!    but its answer is kept all the same; a failure (anything the closure
//!    answers as an error: a `5xx`) keeps nothing, so a retry runs afresh;
//! 4. the record is written in the same transaction as the create, which
//!    ends through [`ListTotals::commit`]: a crash leaves both or neither.
//!    Should another transaction have written the key's record meanwhile
//!    (on MariaDB a retry can slip in between the release of the key's
//!    lock and the commit, see `lock`), the unique index of
//!    `(user_id, key)` refuses this one: everything it did is rolled back
//!    and it answers the other's record, replayed.
//!
//! Records expire after [`RETENTION`]; housekeeping deletes them
//! ([`purge_expired`]).

mod fingerprint;
mod lock;

use chrono::TimeDelta;
use entity::idempotency_key;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, SqlErr, TransactionTrait,
};
use uuid::Uuid;

pub use fingerprint::fingerprint;
use lock::KeyLock;

use crate::sync::Changes;
use crate::todos::ListTotals;
use crate::{ServiceError, clock, txn};

/// How long an answer is kept: a retry after this runs afresh.
pub const RETENTION: TimeDelta = TimeDelta::hours(24);

/// The field errors of this module name.
pub const FIELD: &str = "Idempotency-Key";

/// An answer as kept and replayed: what a client can tell apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status (a `5xx` is never kept).
    pub status: u16,
    /// The body, as sent.
    pub body: String,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The `ETag` header, if any.
    pub etag: Option<String>,
}

/// What [`run`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The answer: this request's own, or the kept one.
    pub answer: Answer,
    /// Whether the answer is the kept one of an earlier request.
    pub replayed: bool,
}

/// A create to run once: whose key, and what request it was sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed {
    /// The caller.
    pub user_id: Uuid,
    /// The `Idempotency-Key`, as sent (1–255 visible ASCII characters,
    /// checked by the caller).
    pub key: String,
    /// The request's [`fingerprint`].
    pub fingerprint: String,
}

/// What the locked part decided.
enum Decision {
    /// The kept answer of the same request.
    Replay(Answer),
    /// This request's answer, written with its record, and what its create
    /// touched (nothing for a refusal, whose writes were undone).
    Fresh(Answer, Changes),
    /// Another transaction wrote the key's record first (the unique index
    /// said so): everything here is to be undone and the winner read.
    Raced,
}

/// Runs `create` once for `request`'s key (see the module documentation),
/// or answers what the key's first request was answered.
///
/// `create` runs in a savepoint of a transaction that holds the caller's
/// lock, adds what it writes to the [`Changes`] it is given (for the
/// commit), and answers the rendered [`Answer`] (a `4xx` too) or an error,
/// which nothing keeps. Run this as a task of its own that a client going
/// away does not cut off: on MariaDB the key's lock belongs to the
/// connection until it is released (see `lock`).
///
/// # Errors
/// [`ServiceError::Unauthorized`] as [`txn::begin_as`];
/// [`ServiceError::Conflict`] naming [`FIELD`] while the key's first
/// request is running; [`ServiceError::Invalid`] naming [`FIELD`] when the
/// key was used with another request; `create`'s error; the database error.
pub async fn run<E, F>(
    db: &DatabaseConnection,
    totals: &ListTotals,
    request: &Keyed,
    create: F,
) -> Result<Outcome, E>
where
    E: From<ServiceError>,
    F: AsyncFnOnce(&DatabaseTransaction, &mut Changes) -> Result<Answer, E>,
{
    let user_id = request.user_id;
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let lock = KeyLock::of(txn.get_database_backend(), user_id, &request.key);
    match lock.try_take(&txn).await {
        Ok(true) => {}
        Ok(false) => return Err(rolled_back(txn, still_running().into()).await),
        Err(err) => return Err(rolled_back(txn, ServiceError::from(err).into()).await),
    }
    let decided = decide(&txn, request, create).await;
    let released = lock.release(&txn).await.map_err(ServiceError::from);
    // Rolled back here, not when dropped: a dropped transaction is rolled
    // back only once its connection is next used, and PostgreSQL holds the
    // key's lock until then.
    let decision = match (decided, released) {
        (Ok(decision), Ok(())) => decision,
        (Err(err), _) => return Err(rolled_back(txn, err).await),
        (Ok(_), Err(err)) => return Err(rolled_back(txn, err.into()).await),
    };
    match decision {
        Decision::Fresh(answer, changes) => {
            totals
                .commit(txn, user_id, changes)
                .await
                .map_err(ServiceError::from)?;
            Ok(Outcome {
                answer,
                replayed: false,
            })
        }
        Decision::Replay(answer) => {
            txn.rollback().await.map_err(ServiceError::from)?;
            Ok(Outcome {
                answer,
                replayed: true,
            })
        }
        Decision::Raced => {
            txn.rollback().await.map_err(ServiceError::from)?;
            let winner = find(db, request).await.map_err(ServiceError::from)?;
            match winner {
                Some(kept) => Ok(Outcome {
                    answer: replay(kept, request)?,
                    replayed: true,
                }),
                None => Err(still_running().into()),
            }
        }
    }
}

/// `err`, once `txn` is rolled back (a failure of the rollback itself
/// says less than `err`, and ends the connection's transaction anyway).
async fn rolled_back<E>(txn: DatabaseTransaction, err: E) -> E {
    if let Err(rollback) = txn.rollback().await {
        log::warn!("rolling back an idempotent create failed: {rollback}");
    }
    err
}

/// Under the key's lock: the kept answer, or the create and its record.
async fn decide<E, F>(txn: &DatabaseTransaction, request: &Keyed, create: F) -> Result<Decision, E>
where
    E: From<ServiceError>,
    F: AsyncFnOnce(&DatabaseTransaction, &mut Changes) -> Result<Answer, E>,
{
    let now = clock::now();
    if let Some(kept) = find(txn, request).await.map_err(ServiceError::from)? {
        if kept.expires_at > now {
            return Ok(Decision::Replay(replay(kept, request)?));
        }
        idempotency_key::Entity::delete_by_id(kept.id)
            .exec(txn)
            .await
            .map_err(ServiceError::from)?;
    }
    let savepoint = txn.begin().await.map_err(ServiceError::from)?;
    let mut changes = Changes::none();
    let answer = match create(&savepoint, &mut changes).await {
        Ok(answer) if answer.status < 500 => answer,
        // Never kept, whatever the closure says.
        Ok(answer) => {
            let err = ServiceError::bug(format!("a create answered {}", answer.status));
            return Err(rolled_back(savepoint, err.into()).await);
        }
        // The whole transaction is rolled back next.
        Err(err) => return Err(rolled_back(savepoint, err).await),
    };
    let ended = if answer.status < 400 {
        savepoint.commit().await
    } else {
        changes = Changes::none();
        savepoint.rollback().await
    };
    ended.map_err(ServiceError::from)?;
    let record = idempotency_key::ActiveModel {
        id: Set(clock::new_id()),
        user_id: Set(request.user_id),
        key: Set(request.key.clone()),
        fingerprint: Set(request.fingerprint.clone()),
        status: Set(i16::try_from(answer.status)
            .map_err(|e| ServiceError::internal("keeping an answer", e))?),
        body: Set(answer.body.clone()),
        location: Set(answer.location.clone()),
        etag: Set(answer.etag.clone()),
        created_at: Set(now),
        expires_at: Set(now + RETENTION),
    };
    match idempotency_key::Entity::insert(record)
        .exec_without_returning(txn)
        .await
    {
        Ok(_) => Ok(Decision::Fresh(answer, changes)),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(Decision::Raced)
        }
        Err(err) => Err(ServiceError::from(err).into()),
    }
}

/// The record of `request`'s key, expired or not.
async fn find(
    conn: &impl ConnectionTrait,
    request: &Keyed,
) -> Result<Option<idempotency_key::Model>, DbErr> {
    idempotency_key::Entity::find()
        .filter(idempotency_key::Column::UserId.eq(request.user_id))
        .filter(idempotency_key::Column::Key.eq(request.key.as_str()))
        .one(conn)
        .await
}

/// The answer `kept` holds, if it was kept for the same request as `request`.
fn replay(kept: idempotency_key::Model, request: &Keyed) -> Result<Answer, ServiceError> {
    if kept.fingerprint != request.fingerprint {
        return Err(used_for_another_request());
    }
    Ok(Answer {
        status: u16::try_from(kept.status)
            .map_err(|e| ServiceError::internal("reading a kept answer", e))?,
        body: kept.body,
        location: kept.location,
        etag: kept.etag,
    })
}

/// The conflict of a retry that came while the key's first request still
/// runs (`409` naming [`FIELD`]).
#[must_use]
pub fn still_running() -> ServiceError {
    ServiceError::Conflict {
        field: Some(FIELD),
        message: "a request with this Idempotency-Key is still running; retry shortly".to_owned(),
    }
}

/// The refusal of a key sent with another request than its first one
/// (`422` naming [`FIELD`]).
#[must_use]
pub fn used_for_another_request() -> ServiceError {
    ServiceError::invalid(
        FIELD,
        "was used with a different request; send a new key for a new request",
    )
}

/// Deletes every record that expired before `now`, answering how many.
///
/// # Errors
/// The database error.
pub async fn purge_expired(db: &impl ConnectionTrait, now: clock::Timestamp) -> Result<u64, DbErr> {
    let deleted = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
