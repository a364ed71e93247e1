//! A forgotten password: a reset link by mail, and the reset it allows,
//! which ends every session of the account.

use entity::account_token::TokenPurpose;
use entity::user;
use sea_orm::ActiveValue::Set;
use sea_orm::DatabaseConnection;

use super::email::find_by_email;
use super::policy::{AccountPolicy, Page};
use super::{save, tokens};
use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::mail::{self, Message};
use crate::passwords::Passwords;
use crate::txn::{self, Hold};
use crate::{ServiceResult, sessions};

/// Mails a reset link to the account with `email`, if there is one that is
/// not deleted; otherwise does nothing. The caller answers the same either
/// way, and should not wait for this to answer (see the API's handler):
/// the time it takes tells whether the account exists.
///
/// # Errors
/// The database error.
pub async fn forgot_password(
    db: &DatabaseConnection,
    policy: &AccountPolicy,
    email: &str,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let Some(candidate) = find_by_email(db, email).await? else {
        return Ok(());
    };
    let txn = txn::begin_write(db).await?;
    let Some(user) = txn::lock_user(&txn, candidate.id, Hold::Exclusive).await? else {
        return Ok(());
    };
    if user.deleted_at.is_some() {
        return Ok(());
    }
    let token = tokens::issue(&txn, user.id, TokenPurpose::ResetPassword, None).await?;
    let link = policy.link(Page::ResetPassword, &token);
    mail::enqueue(
        &txn,
        Message::reset_password(&user.email, &user.username, &link),
    )
    .await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::PASSWORD_RESET_REQUEST, user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password with a reset token: every session of the account
/// ends, the owner gets a notice, and the address counts as verified (the
/// link proved it). An account scheduled for deletion stays scheduled; its
/// owner may cancel with the new password.
///
/// # Errors
/// [`ServiceError::Invalid`](crate::ServiceError::Invalid) naming `token`
/// when it is unknown, used, expired, or its account is deleted.
pub async fn reset_password(
    db: &DatabaseConnection,
    passwords: &Passwords,
    presented: &str,
    new_password: String,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let owner = tokens::owner(db, presented, TokenPurpose::ResetPassword)
        .await?
        .ok_or_else(tokens::rejected)?;
    // Hashed before the lock: bcrypt takes a while.
    let password_hash = passwords.hash(new_password).await?;
    let txn = txn::begin_write(db).await?;
    let user = txn::lock_user(&txn, owner, Hold::Exclusive)
        .await?
        .filter(|user| user.deleted_at.is_none())
        .ok_or_else(tokens::rejected)?;
    tokens::consume(&txn, user.id, presented, TokenPurpose::ResetPassword).await?;
    tokens::retire_open(&txn, user.id, TokenPurpose::ResetPassword).await?;
    let am = user::ActiveModel {
        id: Set(user.id),
        password_hash: Set(password_hash),
        email_verified: Set(true),
        ..Default::default()
    };
    save(&txn, am, user.version, &[]).await?;
    let revoked = sessions::revoke_all(&txn, user.id, None).await?;
    mail::enqueue(&txn, Message::password_changed(&user.email, &user.username)).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::PASSWORD_RESET, user.id)
            .with_details(serde_json::json!({ "sessions_revoked": revoked })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
