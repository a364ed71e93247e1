//! A forgotten password: the reset link, the reset, and what it ends.

use entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use tests::PASSWORD;

use crate::accounts::{Accounts, subject};

const NEW_PASSWORD: &str = "brand-new-passw0rd";

#[actix_web::test]
async fn a_reset_link_sets_a_new_password_and_ends_every_session() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let second = app.login(&ada.email, PASSWORD).await.json();

    app.post(
        "/api/v1/auth/forgot-password",
        &json!({ "email": "ADA@example.com" }),
    )
    .await
    .assert_status(202);
    let token = accounts
        .token(&ada.email, subject::RESET, 1, "/reset-password")
        .await;

    let weak = json!({ "token": token, "new_password": "short" });
    app.post("/api/v1/auth/reset-password", &weak)
        .await
        .assert_problem(422, "validation_error");
    let reset = json!({ "token": token, "new_password": NEW_PASSWORD });
    app.post("/api/v1/auth/reset-password", &reset)
        .await
        .assert_status(204);
    app.post("/api/v1/auth/reset-password", &reset)
        .await
        .assert_problem(422, "validation_error");

    for refresh_token in [&ada.refresh_token, &second["refresh_token"].to_string()] {
        let refresh_token = refresh_token.trim_matches('"');
        app.post(
            "/api/v1/auth/refresh",
            &json!({ "refresh_token": refresh_token }),
        )
        .await
        .assert_problem(401, "unauthorized");
    }
    app.login(&ada.email, PASSWORD).await.assert_status(401);
    app.login(&ada.email, NEW_PASSWORD).await.assert_status(200);
    accounts
        .wait_mail(&ada.email, subject::PASSWORD_CHANGED, 1)
        .await;

    let actions: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::UserId.eq(ada.id))
        .all(app.db())
        .await
        .expect("audit")
        .into_iter()
        .map(|row| row.action)
        .collect();
    for action in ["auth.password_reset_request", "auth.password_reset"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[actix_web::test]
async fn an_unknown_address_is_answered_alike_and_mailed_nothing() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    for email in ["ghost@example.com", ada.email.as_str()] {
        let answer = app
            .post("/api/v1/auth/forgot-password", &json!({ "email": email }))
            .await;
        answer.assert_status(202);
        assert!(answer.body.is_empty());
    }
    accounts.wait_mail(&ada.email, subject::RESET, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        accounts
            .sink
            .messages()
            .iter()
            .all(|mail| { !mail.rcpt_to.iter().any(|rcpt| rcpt == "ghost@example.com") })
    );
}

#[actix_web::test]
async fn a_newer_reset_link_retires_the_older_one() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let forgot = json!({ "email": ada.email });
    app.post("/api/v1/auth/forgot-password", &forgot)
        .await
        .assert_status(202);
    let first = accounts
        .token(&ada.email, subject::RESET, 1, "/reset-password")
        .await;
    app.post("/api/v1/auth/forgot-password", &forgot)
        .await
        .assert_status(202);
    let second = accounts
        .token(&ada.email, subject::RESET, 2, "/reset-password")
        .await;
    let with = |token: &str| json!({ "token": token, "new_password": NEW_PASSWORD });
    app.post("/api/v1/auth/reset-password", &with(&first))
        .await
        .assert_problem(422, "validation_error");
    app.post("/api/v1/auth/reset-password", &with(&second))
        .await
        .assert_status(204);
}

#[actix_web::test]
async fn a_password_change_sends_a_notice() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let body = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    app.post_as(&ada, "/api/v1/auth/change-password", &body)
        .await
        .assert_status(204);
    let notice = accounts
        .wait_mail(&ada.email, subject::PASSWORD_CHANGED, 1)
        .await;
    assert!(
        notice
            .part("text/plain")
            .expect("text")
            .contains("Hello ada,")
    );
}

#[actix_web::test]
async fn token_routes_count_against_the_auth_rate_limit() {
    let accounts = Accounts::start_with(|config| {
        config.auth_rate_limit_per_minute = 3;
    })
    .await;
    let app = &accounts.app;
    // Well-formed bodies with unknown tokens: each request passes every
    // extractor, so its count has surely been taken when it is answered.
    let attempts = [
        ("/api/v1/auth/verify-email", json!({ "token": "x" })),
        (
            "/api/v1/auth/confirm-account-deletion",
            json!({ "token": "x" }),
        ),
        (
            "/api/v1/auth/reset-password",
            json!({ "token": "x", "new_password": NEW_PASSWORD }),
        ),
    ];
    for (path, body) in attempts {
        let status = app.post(path, &body).await.status.as_u16();
        assert!(matches!(status, 422), "{path}: {status}");
    }
    let limited = app
        .post(
            "/api/v1/auth/forgot-password",
            &json!({ "email": "a@example.com" }),
        )
        .await;
    limited.assert_problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
}

/// Registrations and reset requests of different accounts at once: each
/// writes its token beside the others' (on MariaDB, a token statement that
/// locked a gap of the index would deadlock with the next one's insert).
#[actix_web::test]
async fn many_accounts_at_once_each_get_their_links() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let names: Vec<String> = (0..12).map(|n| format!("user{n}")).collect();
    let registered = futures_util::future::join_all(names.iter().map(|name| async move {
        app.register(&format!("{name}@example.com"), name, PASSWORD)
            .await
    }))
    .await;
    for answer in &registered {
        answer.assert_status(201);
    }
    let asked = futures_util::future::join_all(names.iter().map(|name| {
        let body = json!({ "email": format!("{name}@example.com") });
        async move { app.post("/api/v1/auth/forgot-password", &body).await }
    }))
    .await;
    for answer in &asked {
        answer.assert_status(202);
    }
    for name in &names {
        let email = format!("{name}@example.com");
        accounts.wait_mail(&email, subject::VERIFY, 1).await;
        accounts.wait_mail(&email, subject::RESET, 1).await;
    }
}
