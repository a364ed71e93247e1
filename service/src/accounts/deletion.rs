//! Deleting one's own account with a grace period: a request (password)
//! mails a confirmation link; the confirmation deactivates the account and
//! schedules its purge; within the grace period the owner may cancel; after
//! it, [`purge_due`] removes the account and everything it owns.
//!
//! `DELETE /users/me` (a soft delete an admin can undo) is
//! [`super::delete_own`], and stays as it was.

use chrono::{DateTime, Utc};
use entity::account_token::TokenPurpose;
use entity::user::{self, UserStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::email::find_by_email;
use super::policy::{AccountPolicy, Page};
use super::{Account, begin_with_password, save, tokens, with_preferences};
use crate::audit::{self, Event, action};
use crate::clock::{self, Timestamp};
use crate::context::ClientMeta;
use crate::mail::{self, Message};
use crate::passwords::Passwords;
use crate::txn::{self, Hold};
use crate::{ServiceError, ServiceResult, sessions};

/// Accounts one round of [`purge_due`] reads at a time.
const PURGE_BATCH: u64 = 100;

/// Mails the caller a link that confirms the deletion of their account,
/// after checking the password. Nothing else changes until the link is
/// followed.
///
/// # Errors
/// [`ServiceError::Invalid`] naming `password`;
/// [`ServiceError::Unauthorized`] when the account is no longer active.
pub async fn request_deletion(
    db: &DatabaseConnection,
    passwords: &Passwords,
    policy: &AccountPolicy,
    user_id: Uuid,
    password: String,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let (txn, user) = begin_with_password(db, passwords, user_id, password).await?;
    let token = tokens::issue(&txn, user.id, TokenPurpose::ConfirmDeletion, None).await?;
    let link = policy.link(Page::ConfirmDeletion, &token);
    let message =
        Message::confirm_deletion(&user.email, &user.username, &link, policy.grace_days());
    mail::enqueue(&txn, message).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::DELETION_REQUEST, user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Follows a deletion link: the account is deactivated (logins `401`,
/// sessions revoked) and scheduled for purging after the grace period.
/// Answers when.
///
/// # Errors
/// [`ServiceError::Invalid`] naming `token` (unknown, used, expired, or an
/// account that is not active).
pub async fn confirm_deletion(
    db: &DatabaseConnection,
    policy: &AccountPolicy,
    presented: &str,
    client: &ClientMeta,
) -> ServiceResult<DateTime<Utc>> {
    let owner = tokens::owner(db, presented, TokenPurpose::ConfirmDeletion)
        .await?
        .ok_or_else(tokens::rejected)?;
    let txn = txn::begin_write(db).await?;
    let user = txn::lock_user(&txn, owner, Hold::Exclusive)
        .await?
        .filter(txn::may_act)
        .ok_or_else(tokens::rejected)?;
    tokens::consume(&txn, user.id, presented, TokenPurpose::ConfirmDeletion).await?;
    let scheduled_for = clock::now() + policy.deletion_grace;
    let am = user::ActiveModel {
        id: Set(user.id),
        status: Set(UserStatus::Inactive),
        deletion_scheduled_for: Set(Some(scheduled_for)),
        ..Default::default()
    };
    save(&txn, am, user.version, &[]).await?;
    let revoked = sessions::revoke_all(&txn, user.id, None).await?;
    let notice = Message::deletion_scheduled(&user.email, &user.username, scheduled_for.to_utc());
    mail::enqueue(&txn, notice).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::DELETION_CONFIRM, user.id).with_details(serde_json::json!({
            "scheduled_for": scheduled_for.to_utc(),
            "sessions_revoked": revoked,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(scheduled_for.to_utc())
}

/// Cancels a scheduled deletion with the account's email and password,
/// while the grace period lasts: the account is active again.
///
/// Checked as a login is: an unknown address takes as long as a wrong
/// password and answers the same.
///
/// # Errors
/// [`ServiceError::Unauthorized`] for wrong credentials;
/// [`ServiceError::Conflict`] when no deletion is scheduled, or its grace
/// period has ended.
pub async fn cancel_deletion(
    db: &DatabaseConnection,
    passwords: &Passwords,
    email: &str,
    password: String,
    client: &ClientMeta,
) -> ServiceResult<Account> {
    const INVALID: ServiceError = ServiceError::Unauthorized("invalid credentials");
    let candidate = find_by_email(db, email).await?;
    let hash = candidate.as_ref().map(|u| u.password_hash.clone());
    let matches = passwords.verify(password, hash).await?;
    let candidate = candidate.filter(|_| matches).ok_or(INVALID)?;
    let txn = txn::begin_write(db).await?;
    let user = txn::lock_user(&txn, candidate.id, Hold::Exclusive)
        .await?
        .filter(|now| now.password_hash == candidate.password_hash && now.deleted_at.is_none())
        .ok_or(INVALID)?;
    let conflict = |message: &str| ServiceError::Conflict {
        field: None,
        message: message.to_owned(),
    };
    match user.deletion_scheduled_for {
        None => return Err(conflict("no deletion of this account is scheduled")),
        Some(when) if when <= clock::now() => {
            return Err(conflict("the grace period of this deletion has ended"));
        }
        Some(_) => {}
    }
    let am = user::ActiveModel {
        id: Set(user.id),
        status: Set(UserStatus::Active),
        deletion_scheduled_for: Set(None),
        ..Default::default()
    };
    let restored = save(&txn, am, user.version, &[]).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::DELETION_CANCEL, user.id),
    )
    .await?;
    let account = with_preferences(&txn, restored).await?;
    txn.commit().await?;
    Ok(account)
}

/// Purges every account whose confirmed deletion was due by `now`: the
/// user row and, through the foreign keys, everything it owns; the audit
/// log keeps its rows with the user unset, and records the purge.
///
/// Safe with any number of servers: each account is removed by one guarded
/// `DELETE` (still scheduled, still due, still inactive), and only the
/// server whose statement removed the row records it, so each account is
/// purged, and audited, once. An account whose owner cancelled, or that an
/// admin reactivated, is not touched. Answers how many accounts were purged.
///
/// # Errors
/// The database error.
pub async fn purge_due(db: &DatabaseConnection, now: Timestamp) -> ServiceResult<u64> {
    let client = ClientMeta {
        ip_address: None,
        user_agent: Some("account purge".to_owned()),
    };
    let mut purged = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let mut due = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::DeletionScheduledFor.lte(now))
            .filter(user::Column::Status.eq(UserStatus::Inactive))
            .order_by_asc(user::Column::Id)
            .limit(PURGE_BATCH);
        if let Some(last) = after {
            due = due.filter(user::Column::Id.gt(last));
        }
        let ids: Vec<Uuid> = due.into_tuple().all(db).await?;
        for &id in &ids {
            if purge_one(db, id, now, &client).await? {
                purged += 1;
            }
        }
        if ids.len() < usize::try_from(PURGE_BATCH).unwrap_or(usize::MAX) {
            return Ok(purged);
        }
        after = ids.last().copied();
    }
}

/// Removes one account if it is still due; whether this call removed it.
async fn purge_one(
    db: &DatabaseConnection,
    id: Uuid,
    now: Timestamp,
    client: &ClientMeta,
) -> ServiceResult<bool> {
    let txn = txn::begin_write(db).await?;
    let removed = user::Entity::delete_many()
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::DeletionScheduledFor.lte(now))
        .filter(user::Column::Status.eq(UserStatus::Inactive))
        .exec(&txn)
        .await?
        .rows_affected;
    if removed != 1 {
        txn.rollback().await?;
        return Ok(false);
    }
    let event = Event {
        user_id: None,
        action: action::ACCOUNT_PURGE,
        entity_type: Some("user"),
        entity_id: Some(id.to_string()),
        success: true,
        details: None,
    };
    audit::record(&txn, client, event).await?;
    txn.commit().await?;
    Ok(true)
}
