//! Accounts: registration, login checks, the caller's own profile, password
//! changes and self-deletion. Admin operations on other users are in
//! [`crate::users`].

use entity::{user, user_preferences};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::txn::{self, Hold};
use crate::{ServiceError, ServiceResult, clock, sessions};

mod profile;

pub use profile::{PreferenceChanges, ProfileChanges, update_profile};

/// A user with their preferences: what the API calls a User.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user row.
    pub user: user::Model,
    /// Their preferences.
    pub preferences: user_preferences::Model,
}

/// What registration needs; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// E-mail address (stored lower-cased).
    pub email: String,
    /// Username, 3–50 of `[A-Za-z0-9_.-]`, unique case-insensitively.
    pub username: String,
    /// bcrypt hash of the password.
    pub password_hash: String,
    /// Optional display name.
    pub full_name: Option<String>,
    /// Whether the account is an admin (only the operator command sets this).
    pub is_admin: bool,
}

/// The case-insensitive key a username is unique by.
#[must_use]
pub fn username_key(username: &str) -> String {
    username.to_lowercase()
}

/// Names the field a unique violation on `users` is about.
pub(crate) fn user_unique_violation(err: DbErr) -> ServiceError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) => {
            if message.contains("email") {
                ServiceError::taken("email")
            } else {
                ServiceError::taken("username")
            }
        }
        _ => ServiceError::Database(err),
    }
}

/// Creates an account with default preferences and audits it, in one transaction.
///
/// # Errors
/// [`ServiceError::Conflict`] naming `email` or `username` when taken.
pub async fn register(
    db: &DatabaseConnection,
    new: NewAccount,
    client: &ClientMeta,
) -> ServiceResult<Account> {
    let txn = txn::begin_write(db).await?;
    let account = insert_account(&txn, new).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::REGISTER, account.user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(account)
}

async fn insert_account(conn: &impl ConnectionTrait, new: NewAccount) -> ServiceResult<Account> {
    let now = clock::now();
    let email = new.email.trim().to_lowercase();
    // Name the clashing field before writing; the unique indexes still
    // decide races, and their violations are named the same way.
    let clash = user::Entity::find()
        .filter(
            Condition::any()
                .add(user::Column::Email.eq(email.as_str()))
                .add(user::Column::UsernameKey.eq(username_key(&new.username))),
        )
        .one(conn)
        .await?;
    if let Some(existing) = clash {
        return Err(if existing.email == email {
            ServiceError::taken("email")
        } else {
            ServiceError::taken("username")
        });
    }
    let user = user::Model {
        id: clock::new_id(),
        username_key: username_key(&new.username),
        email,
        username: new.username,
        password_hash: new.password_hash,
        full_name: new.full_name,
        bio: None,
        status: user::UserStatus::Active,
        is_admin: new.is_admin,
        deleted_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let preferences = user_preferences::Model::defaults_for(user.id, now);
    user::Entity::insert(user::ActiveModel::from(user.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(user_unique_violation)?;
    user_preferences::Entity::insert(user_preferences::ActiveModel::from(preferences.clone()))
        .exec_without_returning(conn)
        .await?;
    Ok(Account { user, preferences })
}

/// The user an identifier (e-mail or username, any case) names, deleted or not.
///
/// # Errors
/// The database error.
pub async fn find_for_login(
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

/// Finishes a login whose password check has been done (off the async workers).
///
/// Unknown accounts, wrong passwords, inactive and deleted accounts all fail
/// with the same [`ServiceError::Unauthorized`]; a suspended account with the
/// right password is [`ServiceError::Forbidden`]. Every attempt is audited;
/// a success starts a new session family and clears the user's expired sessions.
///
/// # Errors
/// As above, or a database error.
pub async fn complete_login(
    db: &DatabaseConnection,
    candidate: Option<user::Model>,
    password_matches: bool,
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

/// The caller's account, if it is still active and not deleted.
///
/// # Errors
/// [`ServiceError::Unauthorized`] when the account is gone, deleted or not
/// active (its access token outlived it).
pub async fn get_active(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<Account> {
    let account = load(db, user_id)
        .await?
        .ok_or(ServiceError::Unauthorized("the account no longer exists"))?;
    if !txn::may_act(&account.user) {
        return Err(ServiceError::Unauthorized("the account is not active"));
    }
    Ok(account)
}

/// `user` (already read, e.g. under its lock) with its preferences: one
/// statement for the preferences alone, the defaults when there are none.
///
/// # Errors
/// The database error.
pub(crate) async fn with_preferences(
    conn: &impl ConnectionTrait,
    user: user::Model,
) -> ServiceResult<Account> {
    let preferences = user_preferences::Entity::find_by_id(user.id)
        .one(conn)
        .await?
        .unwrap_or_else(|| user_preferences::Model::defaults_for(user.id, user.created_at));
    Ok(Account { user, preferences })
}

/// The caller of an admin route, as the database says now (one primary-key
/// read): the token's admin flag is not trusted, so a demotion, suspension
/// or deletion takes effect with the next request, and so does a promotion.
///
/// # Errors
/// [`ServiceError::Unauthorized`] when the account is gone, deleted or
/// inactive; [`ServiceError::Forbidden`] when it is suspended or not an admin.
pub async fn authorize_admin(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> ServiceResult<user::Model> {
    let user = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::Unauthorized("the account no longer exists"))?;
    if user.deleted_at.is_some() || user.status == user::UserStatus::Inactive {
        return Err(ServiceError::Unauthorized("the account is not active"));
    }
    if user.status == user::UserStatus::Suspended {
        return Err(ServiceError::Forbidden("this account is suspended"));
    }
    if !user.is_admin {
        return Err(ServiceError::Forbidden("this route is for admins"));
    }
    Ok(user)
}

/// A user with preferences, in one statement; `None` if there is no such user.
///
/// A user whose preferences row is missing (created before preferences
/// existed) gets the defaults.
///
/// # Errors
/// The database error.
pub async fn load(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<Option<Account>> {
    let found = user::Entity::find_by_id(user_id)
        .find_also_related(user_preferences::Entity)
        .one(db)
        .await?;
    Ok(found.map(|(user, preferences)| {
        let preferences = preferences
            .unwrap_or_else(|| user_preferences::Model::defaults_for(user.id, user.created_at));
        Account { user, preferences }
    }))
}

/// Writes `am` (which must set `version` to `current + 1`) only if the row
/// still has version `current`: the check and the write are one statement.
pub(crate) async fn bump(
    conn: &impl ConnectionTrait,
    am: user::ActiveModel,
    current: i32,
) -> ServiceResult<user::Model> {
    match user::Entity::update(am)
        .validate()?
        .filter(user::Column::Version.eq(current))
        .exec(conn)
        .await
    {
        Ok(model) => Ok(model),
        Err(DbErr::RecordNotUpdated) => Err(ServiceError::StaleVersion {
            current: current + 1,
        }),
        Err(err) => Err(user_unique_violation(err)),
    }
}

/// Replaces the password hash and ends every other session of the user,
/// in one transaction that holds the user's row exclusively, so no refresh
/// racing it keeps a session alive.
///
/// `verified_hash` is the hash the current password was checked against;
/// if the password changed meanwhile, the check no longer counts.
/// `keep_session` is the caller's own session, which stays valid.
///
/// # Errors
/// [`ServiceError::Unauthorized`] if the account is no longer active;
/// [`ServiceError::Invalid`] naming `current_password` if the password
/// changed since it was checked.
pub async fn change_password(
    db: &DatabaseConnection,
    user_id: Uuid,
    verified_hash: &str,
    new_hash: String,
    keep_session: Uuid,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let (txn, user) = txn::begin_as(db, user_id, Hold::Exclusive).await?;
    if user.password_hash != verified_hash {
        return Err(ServiceError::invalid(
            "current_password",
            "is not the current password",
        ));
    }
    bump(
        &txn,
        user::ActiveModel {
            id: Set(user_id),
            password_hash: Set(new_hash),
            version: Set(user.version + 1),
            updated_at: Set(clock::now()),
            ..Default::default()
        },
        user.version,
    )
    .await?;
    let revoked = sessions::revoke_all(&txn, user_id, Some(keep_session)).await?;
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

/// Soft-deletes the caller's own account: `deleted_at` set, status
/// `inactive`, every session revoked. The data stays for an admin to restore.
///
/// # Errors
/// [`ServiceError::Unauthorized`] if the account is no longer active.
pub async fn delete_own(
    db: &DatabaseConnection,
    user_id: Uuid,
    verified_hash: &str,
    client: &ClientMeta,
) -> ServiceResult<()> {
    let (txn, user) = txn::begin_as(db, user_id, Hold::Exclusive).await?;
    if user.password_hash != verified_hash {
        return Err(ServiceError::invalid(
            "password",
            "is not the account's password",
        ));
    }
    crate::users::soft_delete_in(&txn, &user).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::ACCOUNT_DELETE, user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Makes the account with `email` an admin, creating it if there is none.
/// Returns the account and whether it was created.
///
/// # Errors
/// [`ServiceError::Conflict`] if a new account's username is taken.
pub async fn create_or_promote_admin(
    db: &DatabaseConnection,
    new: NewAccount,
) -> ServiceResult<(Account, bool)> {
    let txn = txn::begin_write(db).await?;
    let email = new.email.trim().to_lowercase();
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    let client = ClientMeta {
        ip_address: None,
        user_agent: Some("create-admin".to_owned()),
    };
    let (account, created) = match existing {
        Some(user) => {
            let promoted = bump(
                &txn,
                user::ActiveModel {
                    id: Set(user.id),
                    is_admin: Set(true),
                    version: Set(user.version + 1),
                    updated_at: Set(clock::now()),
                    ..Default::default()
                },
                user.version,
            )
            .await?;
            let account = load(&txn, promoted.id)
                .await?
                .ok_or(ServiceError::NotFound { entity: "user" })?;
            (account, false)
        }
        None => {
            let account = insert_account(
                &txn,
                NewAccount {
                    email,
                    is_admin: true,
                    ..new
                },
            )
            .await?;
            (account, true)
        }
    };
    audit::record(
        &txn,
        &client,
        Event::on_user(action::ADMIN_CREATE, account.user.id)
            .with_details(serde_json::json!({ "created": created })),
    )
    .await?;
    txn.commit().await?;
    Ok((account, created))
}
