//! What takes the account's password: logging in, changing the password,
//! deleting one's own account.
//!
//! Each checks the password first, on [`Passwords`]' blocking pool and
//! outside any transaction (bcrypt takes a while; a lock held meanwhile
//! would stall the user's other writes), then takes the user's lock and
//! decides again: a password change, suspension or deletion that committed
//! while the password was being checked wins.

use entity::user;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::policy::AccountPolicy;
use super::{get_active, save, soft_delete};
use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::mail::{self, Message};
use crate::passwords::Passwords;
use crate::sync::Changes;
use crate::todos::ListTotals;
use crate::txn::{self, Hold};
use crate::{ServiceError, ServiceResult, sessions};

/// Logs in with an identifier (e-mail or username, any case) and a
/// password: starts a new session family and answers the user and the
/// session's tokens.
///
/// Unknown accounts are checked against a dummy hash of the same cost, so
/// every failure takes the same time. Unknown accounts, wrong passwords,
/// inactive and deleted accounts all fail with the same
/// [`ServiceError::Unauthorized`]; a suspended account with the right
/// password is [`ServiceError::Forbidden`]. Every attempt is audited; a
/// success clears the user's expired sessions.
///
/// # Errors
/// As above, or a database error.
pub async fn login(
    db: &DatabaseConnection,
    passwords: &Passwords,
    policy: &AccountPolicy,
    identifier: &str,
    password: String,
    refresh_ttl: chrono::Duration,
    client: &ClientMeta,
) -> ServiceResult<(user::Model, sessions::Issued)> {
    let candidate = find_for_login(db, identifier).await?;
    let hash = candidate.as_ref().map(|u| u.password_hash.clone());
    let matches = passwords.verify(password, hash).await?;
    let attempt = Attempt {
        candidate,
        password_matches: matches,
        require_verified_email: policy.require_verified_email,
    };
    complete_login(db, attempt, refresh_ttl, client).await
}

/// A login whose password check has been done.
struct Attempt {
    /// The account the identifier names, if any.
    candidate: Option<user::Model>,
    /// Whether the password was the candidate's.
    password_matches: bool,
    /// Whether an unverified address is refused (`REQUIRE_VERIFIED_EMAIL`).
    require_verified_email: bool,
}

/// The user an identifier (e-mail or username, any case) names, deleted or not.
async fn find_for_login(
    db: &DatabaseConnection,
    identifier: &str,
) -> ServiceResult<Option<user::Model>> {
    let identifier = identifier.trim().to_lowercase();
    Ok(user::Entity::find()
        .filter(
            Condition::any()
                .add(user::Column::Email.eq(identifier.as_str()))
                .add(user::Column::UsernameKey.eq(identifier.as_str())),
        )
        .one(db)
        .await?)
}

/// Finishes a login whose password check has been done.
async fn complete_login(
    db: &DatabaseConnection,
    Attempt {
        candidate,
        password_matches,
        require_verified_email,
    }: Attempt,
    refresh_ttl: chrono::Duration,
    client: &ClientMeta,
) -> ServiceResult<(user::Model, sessions::Issued)> {
    let failure = |user: Option<&user::Model>, reason: &str| Event {
        user_id: user.map(|u| u.id),
        action: action::LOGIN,
        entity_type: Some("user"),
        entity_id: user.map(|u| u.id.to_string()),
        success: false,
        details: Some(serde_json::json!({ "reason": reason })),
    };
    let user = match candidate {
        Some(user) if password_matches => user,
        candidate => {
            let reason = if candidate.is_some() {
                "wrong password"
            } else {
                "unknown account"
            };
            audit::record(db, client, failure(candidate.as_ref(), reason)).await?;
            return Err(ServiceError::Unauthorized("invalid credentials"));
        }
    };
    // Decided again under the user's exclusive lock (see `crate::txn`): a
    // suspension, deletion or password change that committed while the
    // password was being checked wins, and one that comes later revokes
    // the session this login starts.
    const INVALID: ServiceError = ServiceError::Unauthorized("invalid credentials");
    let txn = txn::begin_write(db).await?;
    let refusal = match txn::lock_user(&txn, user.id, Hold::Exclusive).await? {
        None => Some(("account inactive", INVALID)),
        Some(now) if now.password_hash != user.password_hash => Some(("wrong password", INVALID)),
        Some(now) if now.deleted_at.is_some() || now.status == user::UserStatus::Inactive => {
            Some(("account inactive", INVALID))
        }
        Some(now) if now.status == user::UserStatus::Suspended => Some((
            "account suspended",
            ServiceError::Forbidden("this account is suspended"),
        )),
        Some(now) if require_verified_email && !now.email_verified => {
            Some(("email not verified", ServiceError::EmailNotVerified))
        }
        Some(_) => None,
    };
    if let Some((reason, error)) = refusal {
        txn.rollback().await?;
        audit::record(db, client, failure(Some(&user), reason)).await?;
        return Err(error);
    }
    sessions::purge_expired(&txn, user.id).await?;
    let issued = sessions::start(&txn, user.id, None, refresh_ttl, client).await?;
    audit::record(&txn, client, Event::on_user(action::LOGIN, user.id)).await?;
    txn.commit().await?;
    Ok((user, issued))
}

/// Changes the caller's password after checking the current one, and ends
/// every other session of the user; `keep_session` (the caller's own)
/// stays valid.
///
/// The new hash is written in one transaction that holds the user's row
/// exclusively, so no refresh racing it keeps a session alive; if the
/// password changed while `current` was being checked, the check no longer
/// counts.
///
/// # Errors
/// [`ServiceError::Unauthorized`] if the account is no longer active;
/// [`ServiceError::Invalid`] naming `current_password` if `current` is not
/// the password (or no longer is).
pub async fn change_password(
    db: &DatabaseConnection,
    passwords: &Passwords,
    user_id: Uuid,
    keep_session: Uuid,
    current: String,
    new: String,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let wrong = || ServiceError::invalid("current_password", "is not the current password");
    let check = async |hash| passwords.verify_and_rehash(current, hash, new).await;
    let (txn, user, new_hash) = begin_verified(db, user_id, wrong, check).await?;
    let am = user::ActiveModel {
        id: Set(user_id),
        password_hash: Set(new_hash),
        ..Default::default()
    };
    save(&txn, am, user.version, &[]).await?;
    let revoked = sessions::revoke_all(&txn, user_id, Some(keep_session)).await?;
    mail::enqueue(&txn, Message::password_changed(&user.email, &user.username)).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::PASSWORD_CHANGE, user_id)
            .with_details(serde_json::json!({ "sessions_revoked": revoked })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Soft-deletes the caller's own account after checking its password:
/// `deleted_at` set, status `inactive`, every session revoked. The data
/// stays for an admin to restore.
///
/// # Errors
/// [`ServiceError::Unauthorized`] if the account is no longer active;
/// [`ServiceError::Invalid`] naming `password` if it is not the account's
/// password (or no longer is).
pub async fn delete_own(
    db: &DatabaseConnection,
    passwords: &Passwords,
    totals: &ListTotals,
    user_id: Uuid,
    password: String,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let (txn, user) = begin_with_password(db, passwords, user_id, password).await?;
    soft_delete(&txn, &user).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::ACCOUNT_DELETE, user_id),
    )
    .await?;
    totals.commit(txn, user_id, Changes::none()).await?;
    Ok(())
}

/// Checks the account's `password` and begins the change it allows, as
/// [`begin_verified`] does; a wrong password is [`ServiceError::Invalid`]
/// naming `password`.
pub(super) async fn begin_with_password(
    db: &DatabaseConnection,
    passwords: &Passwords,
    user_id: Uuid,
    password: String,
) -> ServiceResult<(DatabaseTransaction, user::Model)> {
    let wrong = || ServiceError::invalid("password", "is not the account's password");
    let check = async |hash| Ok(passwords.verify(password, Some(hash)).await?.then_some(()));
    let (txn, user, ()) = begin_verified(db, user_id, wrong, check).await?;
    Ok((txn, user))
}

/// Checks the caller's password and begins the change it allows: `check`
/// runs on the account's password hash, outside any transaction, and
/// answers `None` for a wrong password; then the caller's row is locked
/// exclusively and, if the password changed meanwhile, the check no longer
/// counts. Either failure is `wrong()`. Answers the transaction, the user as
/// locked, and what `check` found.
async fn begin_verified<T>(
    db: &DatabaseConnection,
    user_id: Uuid,
    wrong: impl Fn() -> ServiceError,
    check: impl AsyncFnOnce(String) -> ServiceResult<Option<T>>,
) -> ServiceResult<(DatabaseTransaction, user::Model, T)> {
    let verified_hash = get_active(db, user_id).await?.user.password_hash;
    let found = check(verified_hash.clone()).await?.ok_or_else(&wrong)?;
    let (txn, user) = txn::begin_as(db, user_id, Hold::Exclusive).await?;
    if user.password_hash != verified_hash {
        return Err(wrong());
    }
    Ok((txn, user, found))
}
