//! `create-admin`: the operator's way to the first admin, with no default password.

use std::fmt;

use service::ServiceError;
use service::accounts::{self, NewAccount};
use service::error::error_chain_fmt;
use validator::Validate;

use crate::config::Config;
use crate::dto::auth::RegisterRequest;
use crate::extract::flatten;
use crate::startup::StartupError;

/// Why `create-admin` did not create or promote the admin. `Display` is a
/// sentence for the operator; `Debug` adds every cause, one per line.
#[derive(thiserror::Error)]
pub enum CreateAdminError {
    /// The input breaks the rules registration applies.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The database could not be reached or brought up to date.
    #[error("cannot open the database")]
    Startup(#[from] StartupError),
    /// The new account's e-mail or username is taken.
    #[error("{0}")]
    Taken(String),
    /// The service failed.
    #[error("cannot create the admin")]
    Service(#[source] ServiceError),
}

impl fmt::Debug for CreateAdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        error_chain_fmt(self, f)
    }
}

impl From<ServiceError> for CreateAdminError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Conflict { message, .. } => Self::Taken(message),
            other => Self::Service(other),
        }
    }
}

/// Creates or promotes the admin; returns a line for the operator.
///
/// # Errors
/// What is wrong: invalid input, an unreachable database, a taken username.
pub async fn create_admin(
    config: Config,
    email: String,
    username: String,
    password: String,
) -> Result<String, CreateAdminError> {
    // The same rules as registration.
    let request = RegisterRequest {
        email,
        username,
        password,
        full_name: None,
    };
    if let Err(errors) = request.validate() {
        let details = flatten(&errors)
            .into_iter()
            .map(|(field, messages)| format!("{field} {}", messages.join(", ")))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(CreateAdminError::Invalid(details));
    }
    let state = crate::startup::prepare(config).await?;
    let (account, created) = accounts::create_or_promote_admin(
        &state.db,
        &state.passwords,
        NewAccount {
            email: request.email,
            username: request.username,
            password: request.password,
            full_name: None,
            is_admin: true,
        },
    )
    .await?;
    Ok(format!(
        "{} admin {} <{}> (id {})",
        if created {
            "created"
        } else {
            "promoted existing user to"
        },
        account.user.username,
        account.user.email,
        account.user.id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_tells_the_operator_every_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let err = CreateAdminError::from(ServiceError::internal("opening a connection", io));
        // Each link of the chain is said once: the top line, then its causes.
        assert_eq!(err.to_string(), "cannot create the admin");
        let debug = format!("{err:?}");
        let lines: Vec<&str> = debug.lines().collect();
        assert_eq!(lines.first(), Some(&err.to_string().as_str()), "{debug}");
        assert_eq!(lines.last(), Some(&"\tconnection refused"), "{debug}");
        assert_eq!(debug.matches("Caused by:").count(), 2, "{debug}");
    }

    #[test]
    fn a_taken_name_is_told_as_the_service_says_it() {
        let err = CreateAdminError::from(ServiceError::taken("username"));
        assert_eq!(err.to_string(), "username is already taken");
    }
}
