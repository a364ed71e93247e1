//! Deleting one's own account with a grace period: request, confirm,
//! cancel, and the purge after the grace period, once per account.

use chrono::TimeDelta;
use entity::{account_token, audit_log, category, session, tag, todo, user};
use sea_orm::{ColumnTrait, ConnectOptions, Database, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use service::{accounts, clock};
use tests::{Engine, PASSWORD, TestUser};

use crate::accounts::{Accounts, subject};

/// Asks for and confirms the deletion of `user`'s account; answers the
/// confirmation's body.
async fn delete_with_grace(accounts: &Accounts, user: &TestUser, nth: usize) -> serde_json::Value {
    let app = &accounts.app;
    app.post_as(
        user,
        "/api/v1/auth/request-account-deletion",
        &json!({ "password": PASSWORD }),
    )
    .await
    .assert_status(202);
    let token = accounts
        .token(
            &user.email,
            subject::CONFIRM_DELETION,
            nth,
            "/confirm-account-deletion",
        )
        .await;
    let confirmed = app
        .post(
            "/api/v1/auth/confirm-account-deletion",
            &json!({ "token": token }),
        )
        .await;
    confirmed.assert_status(200);
    confirmed.json()
}

/// A todo with a tag and a category, so the purge has something to remove.
async fn own_things(accounts: &Accounts, user: &TestUser) {
    let app = &accounts.app;
    let category = app
        .post_as(user, "/api/v1/categories", &json!({ "name": "work" }))
        .await;
    category.assert_status(201);
    app.post_as(
        user,
        "/api/v1/todos",
        &json!({ "title": "pay", "tags": ["bills"], "category_id": category.json()["id"] }),
    )
    .await
    .assert_status(201);
}

#[actix_web::test]
async fn a_confirmed_deletion_deactivates_the_account_until_its_owner_cancels() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let wrong = app
        .post_as(
            &ada,
            "/api/v1/auth/request-account-deletion",
            &json!({ "password": "wrong-passw0rd" }),
        )
        .await;
    assert!(wrong.assert_problem(422, "validation_error")["errors"]["password"].is_array());

    let before = clock::now();
    let confirmed = delete_with_grace(&accounts, &ada, 1).await;
    let scheduled: chrono::DateTime<chrono::Utc> = confirmed["scheduled_for"]
        .as_str()
        .expect("scheduled_for")
        .parse()
        .expect("a timestamp");
    let grace = scheduled - before.to_utc();
    assert!(
        grace >= TimeDelta::days(7) && grace < TimeDelta::days(7) + TimeDelta::minutes(1),
        "{grace}"
    );
    accounts
        .wait_mail(&ada.email, subject::DELETION_SCHEDULED, 1)
        .await;

    app.login(&ada.email, PASSWORD)
        .await
        .assert_problem(401, "unauthorized");
    app.post(
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": ada.refresh_token }),
    )
    .await
    .assert_problem(401, "unauthorized");
    let cancel = |password: &str| json!({ "email": "ADA@example.com", "password": password });
    let path = "/api/v1/auth/cancel-account-deletion";
    app.post(path, &cancel("wrong-passw0rd"))
        .await
        .assert_problem(401, "unauthorized");
    let restored = app.post(path, &cancel(PASSWORD)).await;
    restored.assert_status(200);
    assert_eq!(restored.json()["status"], "active");
    assert!(restored.json()["deletion_scheduled_for"].is_null());
    app.login(&ada.email, PASSWORD).await.assert_status(200);
    app.post(path, &cancel(PASSWORD))
        .await
        .assert_problem(409, "conflict");

    let actions: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::UserId.eq(ada.id))
        .all(app.db())
        .await
        .expect("audit")
        .into_iter()
        .map(|row| row.action)
        .collect();
    for action in [
        "user.deletion_request",
        "user.deletion_confirm",
        "user.deletion_cancel",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[actix_web::test]
async fn the_purge_after_the_grace_period_removes_everything_of_that_account_only() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    own_things(&accounts, &ada).await;
    own_things(&accounts, &bob).await;
    delete_with_grace(&accounts, &ada, 1).await;

    let db = app.db();
    assert_eq!(
        accounts::purge_due(db, clock::now()).await.expect("purge"),
        0
    );
    let later = clock::now() + TimeDelta::days(7) + TimeDelta::minutes(1);
    assert_eq!(accounts::purge_due(db, later).await.expect("purge"), 1);
    assert_eq!(accounts::purge_due(db, later).await.expect("again"), 0);

    assert!(
        user::Entity::find_by_id(ada.id)
            .one(db)
            .await
            .expect("read")
            .is_none()
    );
    for (who, expected) in [(ada.id, 0), (bob.id, 1)] {
        let todos = todo::Entity::find()
            .filter(todo::Column::UserId.eq(who))
            .count(db)
            .await
            .expect("todos");
        let categories = category::Entity::find()
            .filter(category::Column::UserId.eq(who))
            .count(db)
            .await
            .expect("categories");
        let tags = tag::Entity::find()
            .filter(tag::Column::UserId.eq(who))
            .count(db)
            .await
            .expect("tags");
        assert_eq!((todos, categories, tags), (expected, expected, expected));
    }
    let left = session::Entity::find()
        .filter(session::Column::UserId.eq(ada.id))
        .count(db)
        .await
        .expect("sessions")
        + account_token::Entity::find()
            .filter(account_token::Column::UserId.eq(ada.id))
            .count(db)
            .await
            .expect("tokens");
    assert_eq!(left, 0);
    let purges = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("user.purge"))
        .all(db)
        .await
        .expect("audit");
    assert_eq!(purges.len(), 1);
    assert_eq!(
        purges[0].entity_id.as_deref(),
        Some(ada.id.to_string().as_str())
    );
    app.get_as(&bob, "/api/v1/todos").await.assert_status(200);
}

#[actix_web::test]
async fn a_cancelled_or_reactivated_account_is_not_purged() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let admin = app.signup_admin("root").await;
    delete_with_grace(&accounts, &ada, 1).await;
    let reactivated = app
        .patch_as(
            &admin,
            &format!("/api/v1/users/{}", ada.id),
            &json!({ "status": "active" }),
        )
        .await;
    reactivated.assert_status(200);
    assert!(reactivated.json()["deletion_scheduled_for"].is_null());
    let later = clock::now() + TimeDelta::days(30);
    assert_eq!(
        accounts::purge_due(app.db(), later).await.expect("purge"),
        0
    );
    app.login(&ada.email, PASSWORD).await.assert_status(200);
}

/// Each purge has its own pool, as two servers would; their statements
/// interleave on the database, where the race is decided.
#[actix_web::test]
async fn two_servers_purging_at_once_purge_each_account_once() {
    if Engine::current() == Engine::Sqlite {
        println!("skipped: one server by nature on SQLite; raced on PostgreSQL and MariaDB");
        return;
    }
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let mut users = Vec::new();
    for n in 0..6 {
        let user = app.signup(&format!("user{n}")).await;
        own_things(&accounts, &user).await;
        delete_with_grace(&accounts, &user, 1).await;
        users.push(user);
    }
    let url = app.state.config.database_url.as_str().to_owned();
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false).max_connections(3);
    let other = Database::connect(options).await.expect("a second server");
    let later = clock::now() + TimeDelta::days(8);
    let (a, b) = tokio::join!(
        accounts::purge_due(app.db(), later),
        accounts::purge_due(&other, later)
    );
    let (a, b) = (a.expect("purge A"), b.expect("purge B"));
    other.close().await.expect("close");
    assert_eq!(a + b, 6, "A purged {a}, B purged {b}");
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("user.purge"))
        .count(app.db())
        .await
        .expect("audit");
    assert_eq!(audited, 6);
}
