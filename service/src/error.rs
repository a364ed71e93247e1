//! The one error type of the service layer.

use std::collections::BTreeMap;
use std::fmt;

use sea_orm::{DbErr, SqlErr};

/// Messages per field (or, for bulk operations, per item index or id).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Result alias of every service function.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// Any error, kept as the cause of an internal one.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What can go wrong in a domain operation.
///
/// The HTTP layer maps each variant to one status code; nothing here knows
/// about HTTP. Database failures stay [`ServiceError::Database`] so the
/// caller can tell an unreachable database (retry later) from a bug.
///
/// `Debug` prints the error and then each of its causes on a line of its
/// own, so a log line written with `{:?}` says why, not only what.
#[derive(thiserror::Error)]
pub enum ServiceError {
    /// The resource does not exist, or belongs to somebody else.
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for, e.g. `"todo"`.
        entity: &'static str,
    },
    /// A unique value is taken (`field` names it) or the change clashes with the state.
    #[error("{message}")]
    Conflict {
        /// The field whose value clashes, if one does.
        field: Option<&'static str>,
        /// A sentence for the client.
        message: String,
    },
    /// Rows a bulk operation names that do not exist or belong to somebody
    /// else, with a message per id. Nothing was changed.
    #[error("{count} of the {entity}s named do not exist", count = errors.len())]
    NotFoundItems {
        /// What was looked for, e.g. `"todo"`.
        entity: &'static str,
        /// A message per missing id.
        errors: FieldErrors,
    },
    /// Rows a bulk operation names whose state forbids the change (a
    /// soft-deleted todo, say), with a message per id. Nothing was changed.
    #[error("{message}")]
    ConflictingItems {
        /// A sentence for the client.
        message: String,
        /// A message per id.
        errors: FieldErrors,
    },
    /// The client's `version` is not the current one.
    #[error("the resource was changed by someone else (current version {current})")]
    StaleVersion {
        /// The version the row holds now.
        current: i32,
    },
    /// An `If-Match` precondition did not hold.
    #[error("the resource does not match the given precondition")]
    PreconditionFailed,
    /// Input that passed the shape checks but breaks a domain rule.
    #[error("validation failed")]
    Invalid(FieldErrors),
    /// Credentials or a token were not accepted.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The right password of an account whose address is not verified yet,
    /// where verified addresses are required (`REQUIRE_VERIFIED_EMAIL`).
    #[error(
        "the account's email address is not verified yet; follow the link in the verification mail"
    )]
    EmailNotVerified,
    /// What was asked for is no longer kept (a delta sync from before the
    /// retention of deletion records): the client starts over.
    #[error("{0}")]
    Gone(&'static str),
    /// A database error; unreachable databases are told apart by [`is_unavailable`].
    #[error(transparent)]
    Database(#[from] DbErr),
    /// Something that should not happen; logged with its causes, never shown.
    #[error("internal error: {context}")]
    Internal {
        /// What was being done.
        context: String,
        /// Why it failed, when another error says so.
        #[source]
        source: Option<BoxError>,
    },
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        error_chain_fmt(self, f)
    }
}

/// Writes `err`, then each error of its `source()` chain on a
/// `Caused by:` line of its own: what a `Debug` of an error should say.
///
/// # Errors
/// The formatter's error.
pub fn error_chain_fmt(err: &dyn std::error::Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{err}")?;
    let mut cause = err.source();
    while let Some(source) = cause {
        write!(f, "\nCaused by:\n\t{source}")?;
        cause = source.source();
    }
    Ok(())
}

impl ServiceError {
    /// A validation error on one field.
    #[must_use]
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.into(), vec![message.into()]);
        Self::Invalid(errors)
    }

    /// An internal error: `context` says what was being done, `source` why it failed.
    #[must_use]
    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Internal {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// An internal error no other error explains: a broken invariant.
    #[must_use]
    pub fn bug(context: impl Into<String>) -> Self {
        Self::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// A conflict on a unique field.
    #[must_use]
    pub fn taken(field: &'static str) -> Self {
        Self::Conflict {
            field: Some(field),
            message: format!("{field} is already taken"),
        }
    }

    /// Turns a unique-constraint violation into a conflict on `field`; passes other errors on.
    #[must_use]
    pub fn unique_or(err: DbErr, field: &'static str) -> Self {
        if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            Self::taken(field)
        } else {
            Self::Database(err)
        }
    }
}

/// Whether `err` means the database cannot be reached right now (as opposed to a bad query).
///
/// Covers a pool that timed out or closed, lost or refused connections, and
/// the server telling us it is shutting down (SQLSTATE classes 08 and 57).
#[must_use]
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as SqlxError;
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    match runtime {
        RuntimeErr::SqlxError(sqlx_err) => match sqlx_err.as_ref() {
            SqlxError::Io(_)
            | SqlxError::Tls(_)
            | SqlxError::PoolTimedOut
            | SqlxError::PoolClosed
            | SqlxError::WorkerCrashed
            | SqlxError::Protocol(_) => true,
            SqlxError::Database(db) => db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
            _ => false,
        },
        // A connection error raised by SeaORM itself (e.g. "Disconnected").
        RuntimeErr::Internal(_) => matches!(err, DbErr::Conn(_)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a cause of its own, as an I/O error wrapped by a driver.
    #[derive(Debug, thiserror::Error)]
    #[error("the pool could not open a connection")]
    struct Wrapper(#[source] std::io::Error);

    #[test]
    fn debug_prints_every_cause_in_order() {
        let root = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let err = ServiceError::internal("reading the stats", Wrapper(root));
        let debug = format!("{err:?}");
        assert_eq!(
            debug,
            "internal error: reading the stats\n\
             Caused by:\n\tthe pool could not open a connection\n\
             Caused by:\n\tconnection refused"
        );
        // The answer a client sees says nothing of the causes.
        assert_eq!(err.to_string(), "internal error: reading the stats");
    }

    #[test]
    fn an_error_without_a_cause_prints_itself_alone() {
        let err = ServiceError::bug("a loaded todo vanished");
        assert_eq!(format!("{err:?}"), "internal error: a loaded todo vanished");
    }
}
