//! Login and register are limited per client IP, counted in the database.

use actix_web::http::Method;
use serde_json::json;
use tests::{PASSWORD, TestApp};

async fn login_from(app: &TestApp, ip: &str) -> tests::TestResponse {
    let req = app
        .request(Method::POST, "/api/v1/auth/login")
        .insert_header(("X-Forwarded-For", ip.to_owned()));
    app.send(
        req,
        Some(&json!({"email": "ada@example.com", "password": PASSWORD})),
    )
    .await
}

#[actix_web::test]
async fn the_attempt_past_the_limit_is_429_with_retry_after_and_other_ips_are_unaffected() {
    let app = TestApp::spawn_with(|c| {
        c.auth_rate_limit_per_minute = 3;
        c.trust_proxy_headers = true;
    })
    .await;
    for _ in 0..3 {
        login_from(&app, "203.0.113.7").await.assert_status(401);
    }
    let limited = login_from(&app, "203.0.113.7").await;
    limited.assert_problem(429, "rate_limited");
    let wait: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");

    login_from(&app, "198.51.100.1").await.assert_status(401);
}

#[actix_web::test]
async fn register_shares_the_limit_and_zero_turns_it_off() {
    let app = TestApp::spawn_with(|c| c.auth_rate_limit_per_minute = 2).await;
    app.register("a@example.com", "aaa", PASSWORD)
        .await
        .assert_status(201);
    app.login("a@example.com", PASSWORD)
        .await
        .assert_status(200);
    app.register("b@example.com", "bbb", PASSWORD)
        .await
        .assert_problem(429, "rate_limited");

    let unlimited = TestApp::spawn().await; // the test configuration sets 0
    for _ in 0..30 {
        unlimited
            .login("nobody@example.com", PASSWORD)
            .await
            .assert_status(401);
    }
}

#[actix_web::test]
async fn an_attempt_the_database_cannot_count_is_503_never_500() {
    let app = TestApp::spawn_with(|c| c.auth_rate_limit_per_minute = 5).await;
    let ada = app.signup("ada").await;
    // Every connection of the server's pool is gone, as in an outage.
    app.db().clone().close().await.expect("close the pool");

    let login = app.login(&ada.email, PASSWORD).await;
    login.assert_problem(503, "unavailable");
    assert!(login.header("retry-after").is_some());
    let guess = json!({ "current_password": "guess-123", "new_password": "new-pass-123" });
    app.post_as(&ada, "/api/v1/auth/change-password", &guess)
        .await
        .assert_problem(503, "unavailable");
}
