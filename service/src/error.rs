//! The one error type of the service layer.

use std::collections::BTreeMap;

use sea_orm::{DbErr, SqlErr};

/// Messages per field (or, for bulk operations, per item index or id).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Result alias of every service function.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// What can go wrong in a domain operation.
///
/// The HTTP layer maps each variant to one status code; nothing here knows
/// about HTTP. Database failures stay [`ServiceError::Database`] so the
/// caller can tell an unreachable database (retry later) from a bug.
#[derive(Debug, thiserror::Error)]
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
    /// A database error; unreachable databases are told apart by [`is_unavailable`].
    #[error(transparent)]
    Database(#[from] DbErr),
    /// Something that should not happen; its message is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    /// A validation error on one field.
    #[must_use]
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.into(), vec![message.into()]);
        Self::Invalid(errors)
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
