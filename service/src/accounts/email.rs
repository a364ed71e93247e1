//! Proving an address: the verification mailed at registration, sent again
//! on request, and the change of address, which takes effect when the new
//! address proves itself.

use entity::account_token::TokenPurpose;
use entity::user;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::policy::{AccountPolicy, Page};
use super::{Account, begin_with_password, save, tokens, with_preferences};
use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::mail::{self, Message};
use crate::passwords::Passwords;
use crate::txn::{self, Hold};
use crate::{ServiceError, ServiceResult};

/// Mails `user` a verification link for `address` (their own, or the one a
/// change moves them to), inside the caller's transaction.
pub(crate) async fn send_verification(
    conn: &impl ConnectionTrait,
    policy: &AccountPolicy,
    user: &user::Model,
    address: &str,
    new_email: Option<String>,
) -> ServiceResult<()> {
    let token = tokens::issue(conn, user.id, TokenPurpose::VerifyEmail, new_email).await?;
    let link = policy.link(Page::VerifyEmail, &token);
    mail::enqueue(conn, Message::verify_email(address, &user.username, &link)).await?;
    Ok(())
}

/// Follows a verification link: the account's address is verified, or,
/// for a change of address, the account moves to the new one (verified).
/// Every other open verification and reset link dies with it.
///
/// # Errors
/// [`ServiceError::Invalid`] naming `token` (unknown, used, expired, or an
/// account that is deleted or inactive); [`ServiceError::Conflict`] naming
/// `email` when the new address was taken meanwhile.
pub async fn verify_email(
    db: &DatabaseConnection,
    presented: &str,
    client: &ClientMeta,
) -> ServiceResult<Account> {
    let owner = tokens::owner(db, presented, TokenPurpose::VerifyEmail)
        .await?
        .ok_or_else(tokens::rejected)?;
    let txn = txn::begin_write(db).await?;
    let user = txn::lock_user(&txn, owner, Hold::Exclusive)
        .await?
        .filter(txn::may_act)
        .ok_or_else(tokens::rejected)?;
    let token = tokens::consume(&txn, user.id, presented, TokenPurpose::VerifyEmail).await?;
    let mut am = user::ActiveModel {
        id: Set(user.id),
        email_verified: Set(true),
        ..Default::default()
    };
    let changed_from = match token.new_email {
        Some(new_email) if new_email != user.email => {
            am.email = Set(new_email);
            tokens::retire_open(&txn, user.id, TokenPurpose::VerifyEmail).await?;
            tokens::retire_open(&txn, user.id, TokenPurpose::ResetPassword).await?;
            Some(user.email.clone())
        }
        _ => None,
    };
    let verified = save(&txn, am, user.version, &[]).await?;
    let details = serde_json::json!({ "email_changed": changed_from.is_some() });
    audit::record(
        &txn,
        client,
        Event::on_user(action::EMAIL_VERIFY, user.id).with_details(details),
    )
    .await?;
    let account = with_preferences(&txn, verified).await?;
    txn.commit().await?;
    Ok(account)
}

/// Mails a new verification link to the account with `email`, if there is
/// one, active and unverified; otherwise does nothing. The caller answers
/// the same either way.
///
/// # Errors
/// The database error.
pub async fn resend_verification(
    db: &DatabaseConnection,
    policy: &AccountPolicy,
    email: &str,
) -> ServiceResult<()> {
    let Some(candidate) = find_by_email(db, email).await? else {
        return Ok(());
    };
    let txn = txn::begin_write(db).await?;
    let Some(user) = txn::lock_user(&txn, candidate.id, Hold::Exclusive).await? else {
        return Ok(());
    };
    if !txn::may_act(&user) || user.email_verified {
        return Ok(());
    }
    send_verification(&txn, policy, &user, &user.email, None).await?;
    txn.commit().await?;
    Ok(())
}

/// Starts moving the caller's account to `new_email`, after checking the
/// password: a verification link goes to the new address and a notice to
/// the current one. The address changes when the link is followed.
///
/// # Errors
/// [`ServiceError::Invalid`] naming `password` (wrong) or `new_email` (the
/// current address); [`ServiceError::Conflict`] naming `new_email` when
/// another account has it; [`ServiceError::Unauthorized`] when the account
/// is no longer active.
pub async fn change_email(
    db: &DatabaseConnection,
    passwords: &Passwords,
    policy: &AccountPolicy,
    user_id: Uuid,
    new_email: &str,
    password: String,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let new_email = new_email.trim().to_lowercase();
    let (txn, user) = begin_with_password(db, passwords, user_id, password).await?;
    if new_email == user.email {
        return Err(ServiceError::invalid(
            "new_email",
            "is already the account's address",
        ));
    }
    if find_by_email(&txn, &new_email).await?.is_some() {
        return Err(ServiceError::Conflict {
            field: Some("new_email"),
            message: "this email address is already taken".to_owned(),
        });
    }
    send_verification(&txn, policy, &user, &new_email, Some(new_email.clone())).await?;
    let notice = Message::email_change_notice(&user.email, &user.username, &new_email);
    mail::enqueue(&txn, notice).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::EMAIL_CHANGE_REQUEST, user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The account whose address is `email` (any case), deleted or not.
pub(crate) async fn find_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> ServiceResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(conn)
        .await?)
}
