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
use crate::passwords::Passwords;
use crate::txn;
use crate::{ServiceError, ServiceResult, clock};

mod credentials;
mod profile;

pub use credentials::{change_password, delete_own, login};
pub use profile::{PreferenceChanges, ProfileChanges, update_profile};

/// A user with their preferences: what the API calls a User.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user row.
    pub user: user::Model,
    /// Their preferences.
    pub preferences: user_preferences::Model,
}

/// What registration needs.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// E-mail address (stored lower-cased).
    pub email: String,
    /// Username, 3–50 of `[A-Za-z0-9_.-]`, unique case-insensitively.
    pub username: String,
    /// The password, in clear: it is hashed before anything is stored.
    pub password: String,
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

/// Hashes the password, then creates an account with default preferences
/// and audits it, in one transaction.
///
/// # Errors
/// [`ServiceError::Conflict`] naming `email` or `username` when taken.
pub async fn register(
    db: &DatabaseConnection,
    passwords: &Passwords,
    new: NewAccount,
    client: &ClientMeta,
) -> ServiceResult<Account> {
    let password_hash = passwords.hash(new.password.clone()).await?;
    let txn = txn::begin_write(db).await?;
    let account = insert_account(&txn, new, password_hash).await?;
    audit::record(
        &txn,
        client,
        Event::on_user(action::REGISTER, account.user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(account)
}

async fn insert_account(
    conn: &impl ConnectionTrait,
    new: NewAccount,
    password_hash: String,
) -> ServiceResult<Account> {
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
        password_hash,
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

/// Makes the account with `email` an admin, creating it (with the given
/// password) if there is none; an existing account keeps its password.
/// Returns the account and whether it was created.
///
/// # Errors
/// [`ServiceError::Conflict`] if a new account's username is taken.
pub async fn create_or_promote_admin(
    db: &DatabaseConnection,
    passwords: &Passwords,
    new: NewAccount,
) -> ServiceResult<(Account, bool)> {
    let password_hash = passwords.hash(new.password.clone()).await?;
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
                password_hash,
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
