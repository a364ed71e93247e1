//! Accounts: registration, login checks, the caller's own profile, password
//! changes and self-deletion, and what every change of a user row goes
//! through (loading it with its preferences, the guarded write, the soft
//! delete). Admin operations on other users are in [`crate::users`], which
//! builds on this module (never the other way round).

use entity::{user, user_preferences};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::audit::{self, Event, action};
use crate::context::ClientMeta;
use crate::passwords::Passwords;
use crate::version::{self, Expected, Versioned};
use crate::{ServiceError, ServiceResult, clock, sessions, txn, write_seq};

/// What errors call a user.
pub(crate) const ENTITY: &str = "user";

mod credentials;
mod deletion;
mod email;
mod policy;
mod profile;
mod recovery;
mod tokens;

use credentials::begin_with_password;
pub use credentials::{change_password, delete_own, login};
pub use deletion::{cancel_deletion, confirm_deletion, purge_due, request_deletion};
pub use email::{change_email, resend_verification, verify_email};
pub use policy::{AccountPolicy, Page};
pub use profile::{PreferenceChanges, ProfileChanges, update_profile};
pub use recovery::{forgot_password, reset_password};
pub use tokens::{lifetime as token_lifetime, purge_expired_before as purge_expired_tokens};

/// A user with their preferences: what the API calls a User.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user row.
    pub user: user::Model,
    /// Their preferences.
    pub preferences: user_preferences::Model,
}

impl Account {
    /// `user` with the preferences read with it; a user whose preferences
    /// row is missing (created before preferences existed) gets the defaults.
    #[must_use]
    pub fn new(user: user::Model, preferences: Option<user_preferences::Model>) -> Self {
        let preferences = preferences
            .unwrap_or_else(|| user_preferences::Model::defaults_for(user.id, user.created_at));
        Self { user, preferences }
    }
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

/// E-mail addresses and usernames are unique: a write that clashes is a
/// conflict on the field the violated index is about.
impl Versioned for user::Entity {
    const ID: user::Column = user::Column::Id;
    const VERSION: user::Column = user::Column::Version;
    const UPDATED_AT: user::Column = user::Column::UpdatedAt;

    fn write_error(err: DbErr) -> ServiceError {
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
}

/// Writes `am` to the user row read at version `current` (see
/// [`version::save_guarded`]).
pub(crate) async fn save(
    conn: &impl ConnectionTrait,
    am: user::ActiveModel,
    current: i32,
    expected: &[Expected],
) -> ServiceResult<user::Model> {
    version::save_guarded::<user::Entity>(conn, am, current, expected, ENTITY).await
}

/// Hashes the password, then creates an account with default preferences,
/// mails it a verification link and audits it, in one transaction: a
/// registration that rolls back sends nothing.
///
/// # Errors
/// [`ServiceError::Conflict`] naming `email` or `username` when taken;
/// [`ServiceError::Invalid`] naming `email` when mail cannot be sent there.
pub async fn register(
    db: &DatabaseConnection,
    passwords: &Passwords,
    policy: &AccountPolicy,
    new: NewAccount,
    client: &ClientMeta,
) -> ServiceResult<Account> {
    let password_hash = passwords.hash(new.password.clone()).await?;
    let txn = txn::begin_write(db).await?;
    let account = insert_account(&txn, new, password_hash).await?;
    let user = &account.user;
    email::send_verification(&txn, policy, user, &user.email, None).await?;
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
        // Only the operator's command makes admins, and it vouches for them.
        email_verified: new.is_admin,
        deletion_scheduled_for: None,
        deleted_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let preferences = user_preferences::Model::defaults_for(user.id, now);
    user::Entity::insert(user::ActiveModel::from(user.clone()))
        .exec_without_returning(conn)
        .await
        .map_err(<user::Entity as Versioned>::write_error)?;
    user_preferences::Entity::insert(user_preferences::ActiveModel::from(preferences.clone()))
        .exec_without_returning(conn)
        .await?;
    write_seq::start(conn, user.id).await?;
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
        .await?;
    Ok(Account::new(user, preferences))
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

/// A user with preferences (see [`Account::new`]), in one statement; `None`
/// if there is no such user.
///
/// # Errors
/// The database error.
pub async fn load(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<Option<Account>> {
    let found = user::Entity::find_by_id(user_id)
        .find_also_related(user_preferences::Entity)
        .one(db)
        .await?;
    Ok(found.map(|(user, preferences)| Account::new(user, preferences)))
}

/// Soft-deletes `user` inside the caller's transaction: `deleted_at` set,
/// status `inactive`, version raised, every session revoked.
pub(crate) async fn soft_delete(
    conn: &impl ConnectionTrait,
    user: &user::Model,
) -> ServiceResult<user::Model> {
    let am = user::ActiveModel {
        id: Set(user.id),
        deleted_at: Set(Some(clock::now())),
        status: Set(user::UserStatus::Inactive),
        ..Default::default()
    };
    let deleted = save(conn, am, user.version, &[]).await?;
    sessions::revoke_all(conn, user.id, None).await?;
    Ok(deleted)
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
            let am = user::ActiveModel {
                id: Set(user.id),
                is_admin: Set(true),
                email_verified: Set(true),
                ..Default::default()
            };
            let promoted = save(&txn, am, user.version, &[]).await?;
            let account = with_preferences(&txn, promoted).await?;
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
