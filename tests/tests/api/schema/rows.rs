//! Row builders shared by the schema and migration tests: one valid row of
//! each table, inserted through the entities (`ActiveModel` inserts).

use chrono::{DurationRound, TimeDelta, Utc};
use entity::{
    account_token, api_key, audit_log, category, idempotency_key, mail_outbox, rate_limit, session,
    sync_deletion, tag, todo, todo_history, todo_tag, user, user_preferences, user_state,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::prelude::DateTimeWithTimeZone;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, ModelTrait,
};
use tests::TestDb;
use uuid::Uuid;

use crate::fixtures::todo_row;

/// A fresh database of the engine under test with every migration applied.
pub(crate) async fn migrated() -> TestDb {
    let test = TestDb::fresh().await;
    Migrator::up(&test.db, None).await.expect("migrate up");
    test
}

/// The current time at the precision every engine stores (microseconds), so
/// that models compare equal after a round trip.
pub(crate) fn now() -> DateTimeWithTimeZone {
    Utc::now()
        .duration_trunc(TimeDelta::microseconds(1))
        .expect("in range")
        .fixed_offset()
}

/// Inserts `model` as an `ActiveModel` with every column set, and gives it
/// back (no `RETURNING`, so the same on MySQL).
pub(crate) async fn insert<M>(db: &DatabaseConnection, model: M) -> Result<M, DbErr>
where
    M: ModelTrait
        + Clone
        + IntoActiveModel<<<M as ModelTrait>::Entity as EntityTrait>::ActiveModel>,
{
    let active = model.clone().into_active_model().reset_all();
    <M::Entity as EntityTrait>::insert(active)
        .exec_without_returning(db)
        .await?;
    Ok(model)
}

/// Inserts `user` into a schema older than address verification: the
/// columns that came with it are left out of the statement.
pub(crate) async fn insert_before_verification(
    db: &DatabaseConnection,
    user: user::Model,
) -> Result<user::Model, DbErr> {
    use sea_orm::ActiveValue::NotSet;
    let active = user::ActiveModel {
        email_verified: NotSet,
        deletion_scheduled_for: NotSet,
        ..user.clone().into_active_model().reset_all()
    };
    user::Entity::insert(active)
        .exec_without_returning(db)
        .await?;
    Ok(user)
}

/// A live, active user whose e-mail and username key derive from `username`.
pub(crate) fn a_user(username: &str) -> user::Model {
    let key = username.to_lowercase();
    user::Model {
        id: Uuid::now_v7(),
        email: format!("{key}@example.com"),
        username: username.to_owned(),
        username_key: key,
        password_hash: "$2b$04$not.a.real.hash".to_owned(),
        full_name: Some(format!("{username} Example")),
        bio: None,
        status: user::UserStatus::Active,
        is_admin: false,
        email_verified: true,
        deletion_scheduled_for: None,
        deleted_at: None,
        version: 1,
        created_at: now(),
        updated_at: now(),
    }
}

/// Preferences that differ from the defaults (dark theme, 50 per page).
pub(crate) fn custom_preferences(user: &user::Model) -> user_preferences::Model {
    user_preferences::Model {
        theme: user_preferences::Theme::Dark,
        timezone: "Europe/Paris".to_owned(),
        default_page_size: 50,
        ..user_preferences::Model::defaults_for(user.id, now())
    }
}

pub(crate) fn a_session(user: &user::Model) -> session::Model {
    session::Model {
        id: Uuid::now_v7(),
        user_id: user.id,
        token_hash: format!("{:0>64}", Uuid::new_v4().simple()),
        family_id: Uuid::now_v7(),
        user_agent: Some("tests".to_owned()),
        ip_address: Some("127.0.0.1".to_owned()),
        expires_at: now() + TimeDelta::days(30),
        last_used_at: None,
        revoked_at: None,
        created_at: now(),
        updated_at: now(),
    }
}

/// A category whose key is `name` trimmed and lower-cased, as the service does.
pub(crate) fn a_category(user: &user::Model, name: &str) -> category::Model {
    category::Model {
        id: Uuid::now_v7(),
        user_id: user.id,
        name: name.to_owned(),
        name_key: name.trim().to_lowercase(),
        color: Some("#3b82f6".to_owned()),
        version: 1,
        created_at: now(),
        updated_at: now(),
        sync_seq: 2,
    }
}

/// A tag whose key is `name` trimmed and lower-cased, as the service does.
pub(crate) fn a_tag(user: &user::Model, name: &str) -> tag::Model {
    tag::Model {
        id: Uuid::now_v7(),
        user_id: user.id,
        name: name.to_owned(),
        name_key: name.trim().to_lowercase(),
        created_at: now(),
        updated_at: now(),
        sync_seq: 2,
    }
}

/// A pending todo with every optional column a value can fill: a description,
/// a due date tomorrow, high priority and `category` if given.
pub(crate) fn a_todo(user: &user::Model, category: Option<&category::Model>) -> todo::Model {
    todo::Model {
        category_id: category.map(|c| c.id),
        description: Some("Both balconies.".to_owned()),
        priority: todo::Priority::High,
        due_date: Some(now() + TimeDelta::days(1)),
        ..todo_row(user.id, "Water the plants", now())
    }
}

pub(crate) fn a_link(todo: &todo::Model, tag: &tag::Model) -> todo_tag::Model {
    todo_tag::Model {
        todo_id: todo.id,
        tag_id: tag.id,
    }
}

pub(crate) fn a_history_entry(todo: &todo::Model) -> todo_history::Model {
    todo_history::Model {
        id: Uuid::now_v7(),
        todo_id: todo.id,
        from_status: todo::TodoStatus::Pending,
        to_status: todo::TodoStatus::InProgress,
        changed_at: now(),
    }
}

pub(crate) fn an_audit_entry(user: &user::Model) -> audit_log::Model {
    audit_log::Model {
        id: Uuid::now_v7(),
        user_id: Some(user.id),
        action: "auth.login".to_owned(),
        entity_type: Some("user".to_owned()),
        entity_id: Some(user.id.to_string()),
        success: true,
        ip_address: Some("127.0.0.1".to_owned()),
        user_agent: Some("tests".to_owned()),
        details: Some(serde_json::json!({ "method": "password" })),
        created_at: now(),
    }
}

pub(crate) fn a_mail(user: &user::Model) -> mail_outbox::Model {
    mail_outbox::Model {
        id: Uuid::now_v7(),
        recipient: user.email.clone(),
        subject: "Confirm your email address".to_owned(),
        text_body: "Hello".to_owned(),
        html_body: "<p>Hello</p>".to_owned(),
        status: mail_outbox::MailStatus::Pending,
        attempts: 0,
        next_attempt_at: now(),
        lease_until: None,
        last_error: None,
        sent_at: None,
        created_at: now(),
        updated_at: now(),
    }
}

pub(crate) fn a_token(user: &user::Model) -> account_token::Model {
    account_token::Model {
        id: Uuid::now_v7(),
        user_id: user.id,
        purpose: account_token::TokenPurpose::VerifyEmail,
        token_hash: format!("{:0>64}", Uuid::new_v4().simple()),
        new_email: None,
        expires_at: now() + TimeDelta::days(2),
        used_at: None,
        created_at: now(),
    }
}

pub(crate) fn an_api_key(user: &user::Model) -> api_key::Model {
    api_key::Model {
        id: Uuid::now_v7(),
        user_id: user.id,
        name: "deploy".to_owned(),
        prefix: "todo_abc".to_owned(),
        key_hash: format!("{:0>64}", Uuid::new_v4().simple()),
        can_write: true,
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
        created_at: now(),
    }
}

/// The user's write sequence, a few writes in.
pub(crate) fn a_user_state(user: &user::Model) -> user_state::Model {
    user_state::Model {
        user_id: user.id,
        write_seq: 3,
        updated_at: now(),
        sync_floor: 1,
        // Counted by the triggers on `todos` as the user's todos arrive.
        todos_pending: 0,
        todos_in_progress: 0,
        todos_completed: 0,
        todos_archived: 0,
        todos_deleted: 0,
    }
}

/// The record of a tag the user deleted for good, at their third write.
pub(crate) fn a_sync_deletion(user: &user::Model) -> sync_deletion::Model {
    sync_deletion::Model {
        id: Uuid::now_v7(),
        user_id: user.id,
        entity_type: sync_deletion::SyncEntity::Tag,
        entity_id: Uuid::now_v7(),
        sync_seq: 3,
        deleted_at: now(),
    }
}

/// Attempts of the user's rate-limit bucket (it belongs to no user: a
/// bucket is only a string).
pub(crate) fn a_rate_limit(user: &user::Model) -> rate_limit::Model {
    rate_limit::Model {
        bucket: format!("user:{}", user.id),
        window_start: now()
            .duration_trunc(TimeDelta::seconds(10))
            .expect("in range"),
        attempts: 2,
    }
}

/// The answer kept for one of the user's `Idempotency-Key`s.
pub(crate) fn an_idempotency_key(user: &user::Model) -> idempotency_key::Model {
    idempotency_key::Model {
        id: Uuid::now_v7(),
        user_id: user.id,
        key: "0193a5c4-5b1e-7d2a-9c3f-2b8e4f6a1d07".to_owned(),
        fingerprint: "0".repeat(64),
        status: 201,
        body: r#"{"id":"0193a5c4-7e21-7c3d-8a4b-5f6e7d8c9b0a","name":"Home"}"#.to_owned(),
        location: Some("/api/v1/tags/0193a5c4-7e21-7c3d-8a4b-5f6e7d8c9b0a".to_owned()),
        etag: None,
        created_at: now(),
        expires_at: now() + TimeDelta::days(1),
    }
}

/// One row in every table, all belonging to one user.
#[derive(Debug)]
pub(crate) struct Everything {
    pub user: user::Model,
    pub preferences: user_preferences::Model,
    pub session: session::Model,
    pub category: category::Model,
    pub tag: tag::Model,
    pub todo: todo::Model,
    pub link: todo_tag::Model,
    pub history: todo_history::Model,
    pub audit: audit_log::Model,
    pub mail: mail_outbox::Model,
    pub token: account_token::Model,
    pub api_key: api_key::Model,
    pub user_state: user_state::Model,
    pub rate_limit: rate_limit::Model,
    pub idempotency_key: idempotency_key::Model,
    pub sync_deletion: sync_deletion::Model,
}

impl Everything {
    /// Inserts a user named `username` and one row of each kind they own.
    pub(crate) async fn insert(db: &DatabaseConnection, username: &str) -> Self {
        let user = insert(db, a_user(username)).await.expect("user");
        let mut user_state = insert(db, a_user_state(&user)).await.expect("user state");
        let preferences = insert(db, custom_preferences(&user)).await.expect("prefs");
        let session = insert(db, a_session(&user)).await.expect("session");
        let category = insert(db, a_category(&user, "Home"))
            .await
            .expect("category");
        let tag = insert(db, a_tag(&user, "chores")).await.expect("tag");
        let todo = insert(db, a_todo(&user, Some(&category)))
            .await
            .expect("todo");
        // The trigger on `todos` counted it.
        user_state.todos_pending += 1;
        let link = insert(db, a_link(&todo, &tag)).await.expect("link");
        let history = insert(db, a_history_entry(&todo)).await.expect("history");
        let audit = insert(db, an_audit_entry(&user)).await.expect("audit");
        let mail = insert(db, a_mail(&user)).await.expect("mail");
        let token = insert(db, a_token(&user)).await.expect("token");
        let api_key = insert(db, an_api_key(&user)).await.expect("api key");
        let rate_limit = insert(db, a_rate_limit(&user)).await.expect("rate limit");
        let idempotency_key = insert(db, an_idempotency_key(&user))
            .await
            .expect("idempotency key");
        let sync_deletion = insert(db, a_sync_deletion(&user))
            .await
            .expect("sync deletion");
        Self {
            user,
            preferences,
            session,
            category,
            tag,
            todo,
            link,
            history,
            audit,
            mail,
            token,
            api_key,
            user_state,
            rate_limit,
            idempotency_key,
            sync_deletion,
        }
    }
}
