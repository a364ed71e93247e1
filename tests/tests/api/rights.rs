//! Rights that change take effect at once: admin routes re-read the caller,
//! writes of an account that may no longer act answer 401, the client IP
//! comes from the right of `X-Forwarded-For`, and password guesses behind a
//! token are limited.

use actix_web::http::Method;
use entity::{category, tag, todo};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{PASSWORD, TestApp, TestUser};

fn user_path(user: &TestUser) -> String {
    format!("/api/v1/users/{}", user.id)
}

async fn admin_patch(app: &TestApp, admin: &TestUser, target: &TestUser, body: &Value) {
    app.patch_as(admin, &user_path(target), body)
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn a_demoted_admin_is_refused_with_the_very_next_request() {
    let app = TestApp::spawn().await;
    let ada = app.signup_admin("ada").await;
    let bob = app.signup_admin("bob").await;
    app.get_as(&ada, "/api/v1/users").await.assert_status(200);

    admin_patch(&app, &bob, &ada, &json!({"is_admin": false})).await;

    // Ada's token still says admin; the server no longer believes it.
    app.get_as(&ada, "/api/v1/users")
        .await
        .assert_problem(403, "forbidden");
    app.get_as(&ada, "/api/v1/admin/audit-logs")
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_suspended_admin_cannot_promote_anyone_to_get_back_in() {
    let app = TestApp::spawn().await;
    let mallory = app.signup_admin("mallory").await;
    let bob = app.signup_admin("bob").await;
    let accomplice = app.signup("accomplice").await;

    admin_patch(
        &app,
        &bob,
        &mallory,
        &json!({"status": "suspended", "is_admin": false}),
    )
    .await;

    app.patch_as(
        &mallory,
        &user_path(&accomplice),
        &json!({"is_admin": true}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.patch_as(&mallory, &user_path(&mallory), &json!({"status": "active"}))
        .await
        .assert_problem(403, "forbidden");
    let seen = app.get_as(&bob, &user_path(&accomplice)).await.json();
    assert_eq!(seen["is_admin"], false);
    let seen = app.get_as(&bob, &user_path(&mallory)).await.json();
    assert_eq!(seen["status"], "suspended");
}

#[actix_web::test]
async fn a_suspended_admin_who_keeps_the_flag_is_403_and_a_deleted_one_401() {
    let app = TestApp::spawn().await;
    let ada = app.signup_admin("ada").await;
    let cyd = app.signup_admin("cyd").await;
    let bob = app.signup_admin("bob").await;

    admin_patch(&app, &bob, &ada, &json!({"status": "suspended"})).await;
    app.get_as(&ada, "/api/v1/users")
        .await
        .assert_problem(403, "forbidden");

    app.delete_as(&bob, &user_path(&cyd))
        .await
        .assert_status(204);
    app.get_as(&cyd, "/api/v1/users")
        .await
        .assert_problem(401, "unauthorized");

    app.call_as(
        Method::DELETE,
        &format!("{}?permanent=true", user_path(&ada)),
        &bob.token,
        None,
    )
    .await
    .assert_status(204);
    app.get_as(&ada, "/api/v1/users")
        .await
        .assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn a_user_just_made_admin_may_use_admin_routes_at_once() {
    let app = TestApp::spawn().await;
    let bob = app.signup_admin("bob").await;
    let ada = app.signup("ada").await;
    app.get_as(&ada, "/api/v1/users")
        .await
        .assert_problem(403, "forbidden");

    admin_patch(&app, &bob, &ada, &json!({"is_admin": true})).await;

    // The same token as before, which says "not an admin".
    app.get_as(&ada, "/api/v1/users").await.assert_status(200);
}

/// Every write route a user's data has, with a body that would succeed.
fn writes(todo_path: &str) -> Vec<(Method, String, Value)> {
    vec![
        (
            Method::POST,
            "/api/v1/todos".to_owned(),
            json!({"title": "t", "tags": ["fresh"]}),
        ),
        (
            Method::POST,
            "/api/v1/todos/bulk".to_owned(),
            json!({"items": [{"title": "t", "tags": ["fresh"]}]}),
        ),
        (
            Method::POST,
            "/api/v1/categories".to_owned(),
            json!({"name": "c"}),
        ),
        (
            Method::POST,
            "/api/v1/tags".to_owned(),
            json!({"name": "x"}),
        ),
        (Method::PATCH, todo_path.to_owned(), json!({"title": "u"})),
        (Method::POST, format!("{todo_path}/complete"), Value::Null),
        (
            Method::PATCH,
            "/api/v1/users/me".to_owned(),
            json!({"bio": "b"}),
        ),
    ]
}

async fn rows_of(app: &TestApp, user: &TestUser) -> (u64, u64, u64) {
    let db = app.db();
    (
        todo::Entity::find()
            .filter(todo::Column::UserId.eq(user.id))
            .count(db)
            .await
            .unwrap(),
        category::Entity::find()
            .filter(category::Column::UserId.eq(user.id))
            .count(db)
            .await
            .unwrap(),
        tag::Entity::find()
            .filter(tag::Column::UserId.eq(user.id))
            .count(db)
            .await
            .unwrap(),
    )
}

async fn assert_writes_refused(app: &TestApp, user: &TestUser, todo_path: &str) {
    for (method, path, body) in writes(todo_path) {
        let body = (!body.is_null()).then_some(body);
        app.call_as(method.clone(), &path, &user.token, body.as_ref())
            .await
            .assert_problem(401, "unauthorized");
    }
}

#[actix_web::test]
async fn writes_with_the_token_of_a_user_who_no_longer_exists_are_401_not_500() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("admin").await;
    let gone = app.signup("gone").await;
    let todo = app.todo_titled(&gone, "kept until purged").await;

    app.call_as(
        Method::DELETE,
        &format!("{}?permanent=true", user_path(&gone)),
        &admin.token,
        None,
    )
    .await
    .assert_status(204);

    assert_writes_refused(&app, &gone, &TestApp::todo_path(&todo)).await;
    assert_eq!(rows_of(&app, &gone).await, (0, 0, 0));
}

#[actix_web::test]
async fn writes_of_a_deleted_suspended_or_inactive_user_are_401_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("admin").await;
    for (name, change) in [
        ("deleted", None),
        ("suspended", Some(json!({"status": "suspended"}))),
        ("inactive", Some(json!({"status": "inactive"}))),
    ] {
        let user = app.signup(name).await;
        let todo = app.todo_titled(&user, "before").await;
        match change {
            Some(body) => admin_patch(&app, &admin, &user, &body).await,
            None => {
                app.delete_as(&admin, &user_path(&user))
                    .await
                    .assert_status(204);
            }
        }
        assert_writes_refused(&app, &user, &TestApp::todo_path(&todo)).await;
        assert_eq!(rows_of(&app, &user).await, (1, 0, 0), "{name}");
        let stored =
            todo::Entity::find_by_id(todo["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap())
                .one(app.db())
                .await
                .unwrap()
                .unwrap();
        assert_eq!(
            (stored.title.as_str(), stored.version),
            ("before", 1),
            "{name}"
        );
    }
}

async fn from_ip(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    forwarded: &str,
    body: &Value,
) -> tests::TestResponse {
    let mut req = app
        .request(method, path)
        .insert_header(("X-Forwarded-For", forwarded.to_owned()));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    app.send(req, Some(body)).await
}

#[actix_web::test]
async fn the_client_ip_is_the_one_our_proxy_saw_not_the_left_most_forwarded_address() {
    let app = TestApp::spawn_with(|c| {
        c.auth_rate_limit_per_minute = 3;
        c.trust_proxy_headers = true;
    })
    .await;
    let login = json!({"email": "nobody@example.com", "password": PASSWORD});
    // The client invents a new left-most address each time; our proxy
    // appends the one it really saw.
    for n in 0..3 {
        let forged = format!("10.9.8.{n}, 203.0.113.7");
        from_ip(
            &app,
            Method::POST,
            "/api/v1/auth/login",
            None,
            &forged,
            &login,
        )
        .await
        .assert_status(401);
    }
    from_ip(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        "10.9.8.99, 203.0.113.7",
        &login,
    )
    .await
    .assert_problem(429, "rate_limited");

    // Sessions and the audit log keep the address the proxy saw.
    assert_eq!(
        session_address(&app, "6.6.6.6, 198.51.100.4").await,
        "198.51.100.4"
    );
}

#[actix_web::test]
async fn trusted_proxy_hops_counts_that_many_addresses_from_the_right() {
    let app = TestApp::spawn_with(|c| {
        c.trust_proxy_headers = true;
        c.trusted_proxy_hops = 2;
    })
    .await;
    assert_eq!(
        session_address(&app, "6.6.6.6, 198.51.100.4, 10.0.0.2").await,
        "198.51.100.4"
    );
}

/// Registers and logs in through proxies that wrote `forwarded`, and
/// answers the address the new session keeps.
async fn session_address(app: &TestApp, forwarded: &str) -> Value {
    let register = json!({"email": "ada@example.com", "username": "ada", "password": PASSWORD});
    let login = json!({"email": "ada@example.com", "password": PASSWORD});
    from_ip(
        app,
        Method::POST,
        "/api/v1/auth/register",
        None,
        forwarded,
        &register,
    )
    .await
    .assert_status(201);
    let tokens = from_ip(
        app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        forwarded,
        &login,
    )
    .await
    .json();
    let access = tokens["access_token"].as_str().unwrap();
    let sessions = app
        .call_as(Method::GET, "/api/v1/auth/sessions", access, None)
        .await
        .json();
    sessions[0]["ip_address"].clone()
}

#[actix_web::test]
async fn wrong_current_passwords_are_limited_per_account_whatever_the_ip() {
    let app = TestApp::spawn_with(|c| {
        c.auth_rate_limit_per_minute = 3;
        c.trust_proxy_headers = true;
    })
    .await;
    // Signing up counts against 127.0.0.1, not against the addresses below.
    let ada = app.signup("ada").await;
    let guess = json!({"current_password": "guess-123", "new_password": "new-pass-123"});
    for n in 0..3 {
        from_ip(
            &app,
            Method::POST,
            "/api/v1/auth/change-password",
            Some(&ada.token),
            &format!("198.51.100.{n}"),
            &guess,
        )
        .await
        .assert_problem(422, "validation_error");
    }
    // A fresh address, and even the right password: the account's budget is spent.
    let limited = from_ip(
        &app,
        Method::POST,
        "/api/v1/auth/change-password",
        Some(&ada.token),
        "198.51.100.50",
        &json!({"current_password": PASSWORD, "new_password": "new-pass-123"}),
    )
    .await;
    limited.assert_problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
    // Account deletion draws on the same budget.
    from_ip(
        &app,
        Method::DELETE,
        "/api/v1/users/me",
        Some(&ada.token),
        "198.51.100.51",
        &json!({"password": "guess-456"}),
    )
    .await
    .assert_problem(429, "rate_limited");
    // Nothing changed: the old password still logs in.
    app.login(&ada.email, PASSWORD).await.assert_status(200);
}

#[actix_web::test]
async fn password_guesses_count_against_the_client_ip_with_logins() {
    // Two sign-ups take four attempts from 127.0.0.1; the guesses below
    // come from another address.
    let app = TestApp::spawn_with(|c| {
        c.auth_rate_limit_per_minute = 5;
        c.trust_proxy_headers = true;
    })
    .await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let ip = "203.0.113.20";
    for user in [&ada, &bob] {
        from_ip(
            &app,
            Method::DELETE,
            "/api/v1/users/me",
            Some(&user.token),
            ip,
            &json!({"password": "guess-123"}),
        )
        .await
        .assert_problem(422, "validation_error");
    }
    for _ in 0..3 {
        from_ip(
            &app,
            Method::POST,
            "/api/v1/auth/login",
            None,
            ip,
            &json!({"email": "nobody@example.com", "password": "wrong-pass-1"}),
        )
        .await
        .assert_status(401);
    }
    from_ip(
        &app,
        Method::POST,
        "/api/v1/auth/change-password",
        Some(&bob.token),
        ip,
        &json!({"current_password": "guess-1", "new_password": "new-pass-123"}),
    )
    .await
    .assert_problem(429, "rate_limited");
}

/// The admin check reads the database while the other extractors run; one
/// of them refusing the request (a bad query) must not cut that read off
/// half-way and leave its connection out of step with the database.
#[actix_web::test]
async fn admin_requests_refused_for_their_query_leave_every_connection_usable() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("admin").await;
    for round in 0..60 {
        app.get_as(&admin, "/api/v1/users?page=0")
            .await
            .assert_problem(422, "validation_error");
        app.get_as(&admin, "/api/v1/admin/audit-logs?since=yesterday")
            .await
            .assert_problem(422, "validation_error");
        let res = app.get_as(&admin, "/api/v1/users?size=1").await;
        assert_eq!(res.status.as_u16(), 200, "round {round}: {}", res.text());
    }
}
