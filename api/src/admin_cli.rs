//! `create-admin`: the operator's way to the first admin, with no default password.

use service::accounts::{self, NewAccount};
use service::passwords;
use validator::Validate;

use crate::config::Config;
use crate::dto::auth::RegisterRequest;
use crate::extract::flatten;

/// Creates or promotes the admin; returns a line for the operator.
///
/// # Errors
/// A sentence saying what is wrong: invalid input, an unreachable database,
/// a taken username.
pub async fn create_admin(
    config: Config,
    email: String,
    username: String,
    password: String,
) -> Result<String, String> {
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
        return Err(format!("invalid input: {details}"));
    }
    let cost = config.bcrypt_cost;
    let state = crate::startup::prepare(config)
        .await
        .map_err(|e| e.to_string())?;
    let password = request.password;
    let password_hash = tokio::task::spawn_blocking(move || passwords::hash(&password, cost))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let (account, created) = accounts::create_or_promote_admin(
        &state.db,
        NewAccount {
            email: request.email,
            username: request.username,
            password_hash,
            full_name: None,
            is_admin: true,
        },
    )
    .await
    .map_err(|e| match e {
        service::ServiceError::Conflict { message, .. } => message,
        other => format!("cannot create the admin: {other}"),
    })?;
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
