//! The caller's own profile, preferences and account deletion.

use actix_web::http::Method;
use api::conditional::etag;
use serde_json::json;
use tests::{PASSWORD, TestApp};

#[actix_web::test]
async fn the_profile_carries_an_etag_and_answers_304_when_unchanged() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let res = app.get_as(&ada, "/api/v1/users/me").await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some(etag(1, &res.body)));
    let tag = res.header("etag").expect("an ETag");
    let req = app
        .request(Method::GET, "/api/v1/users/me")
        .bearer_auth(&ada.token)
        .insert_header(("If-None-Match", tag));
    let res = app.send(req, None).await;
    res.assert_status(304);
    assert!(res.body.is_empty());
}

#[actix_web::test]
async fn patching_the_profile_changes_given_fields_clears_nulls_and_merges_preferences() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    app.patch_as(
        &ada,
        "/api/v1/users/me",
        &json!({"full_name": "Ada Lovelace", "bio": "Analyst", "preferences": {"theme": "dark", "timezone": "Europe/Paris"}}),
    )
    .await
    .assert_status(200);

    let res = app
        .patch_as(
            &ada,
            "/api/v1/users/me",
            &json!({"username": "countess", "bio": null, "preferences": {"default_page_size": 50}}),
        )
        .await;
    res.assert_status(200);
    let me = res.json();
    assert_eq!(me["username"], "countess");
    assert_eq!(me["full_name"], "Ada Lovelace", "absent fields are kept");
    assert!(me["bio"].is_null(), "null clears");
    assert_eq!(
        me["preferences"]["theme"], "dark",
        "preferences merge key by key"
    );
    assert_eq!(me["preferences"]["timezone"], "Europe/Paris");
    assert_eq!(me["preferences"]["default_page_size"], 50);
    assert_eq!(me["version"], 3);
    assert_eq!(res.header("etag"), Some(etag(3, &res.body)));
    // The new username logs in.
    app.login("countess", PASSWORD).await.assert_status(200);
}

#[actix_web::test]
async fn invalid_preferences_are_validation_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let cases = [
        (
            json!({"preferences": {"timezone": "Mars/Olympus"}}),
            "preferences.timezone",
        ),
        (
            json!({"preferences": {"default_page_size": 0}}),
            "preferences.default_page_size",
        ),
        (
            json!({"preferences": {"default_page_size": 101}}),
            "preferences.default_page_size",
        ),
        (
            json!({"preferences": {"theme": "neon"}}),
            "preferences.theme",
        ),
        (
            json!({"preferences": {"default_sort": "colour"}}),
            "preferences.default_sort",
        ),
        (
            json!({"preferences": {"fonts": "big"}}),
            "preferences.fonts",
        ),
        (json!({"username": "no spaces allowed"}), "username"),
        (json!({"is_admin": true}), "is_admin"),
    ];
    for (body, field) in cases {
        let problem = app
            .patch_as(&ada, "/api/v1/users/me", &body)
            .await
            .assert_problem(422, "validation_error");
        assert!(problem["errors"][field].is_array(), "{field}: {problem}");
    }
    let me = app.get_as(&ada, "/api/v1/users/me").await.json();
    assert_eq!(me["version"], 1);
    assert_eq!(me["is_admin"], false);
}

#[actix_web::test]
async fn a_taken_username_is_a_conflict() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    app.signup("bob").await;
    let problem = app
        .patch_as(&ada, "/api/v1/users/me", &json!({"username": "BOB"}))
        .await
        .assert_problem(409, "conflict");
    assert!(problem["errors"]["username"].is_array());
}

#[actix_web::test]
async fn stale_versions_are_refused_412_by_header_and_409_by_body() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    app.patch_as(&ada, "/api/v1/users/me", &json!({"bio": "one"}))
        .await
        .assert_status(200);

    let req = app
        .request(Method::PATCH, "/api/v1/users/me")
        .bearer_auth(&ada.token)
        .insert_header(("If-Match", "W/\"1\""));
    app.send(req, Some(&json!({"bio": "two"})))
        .await
        .assert_problem(412, "precondition_failed");

    let problem = app
        .patch_as(
            &ada,
            "/api/v1/users/me",
            &json!({"bio": "two", "version": 1}),
        )
        .await
        .assert_problem(409, "conflict");
    assert!(problem["errors"]["version"].is_array());

    let req = app
        .request(Method::PATCH, "/api/v1/users/me")
        .bearer_auth(&ada.token)
        .insert_header(("If-Match", "W/\"2\""));
    let res = app
        .send(req, Some(&json!({"bio": "two", "version": 2})))
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["bio"], "two");
}

#[actix_web::test]
async fn deleting_ones_account_needs_the_password_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let problem = app
        .call_as(
            Method::DELETE,
            "/api/v1/users/me",
            &ada.token,
            Some(&json!({"password": "wrong-password-1"})),
        )
        .await
        .assert_problem(422, "validation_error");
    assert!(problem["errors"]["password"].is_array());

    app.call_as(
        Method::DELETE,
        "/api/v1/users/me",
        &ada.token,
        Some(&json!({"password": PASSWORD})),
    )
    .await
    .assert_status(204);

    app.login(&ada.email, PASSWORD)
        .await
        .assert_problem(401, "unauthorized");
    app.post(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": ada.refresh_token}),
    )
    .await
    .assert_problem(401, "unauthorized");
    app.get_as(&ada, "/api/v1/users/me")
        .await
        .assert_problem(401, "unauthorized");

    // The data is kept: an admin sees the account as deleted and inactive.
    let admin = app.signup_admin("root").await;
    let user = app
        .get_as(&admin, &format!("/api/v1/users/{}", ada.id))
        .await
        .json();
    assert_eq!(user["status"], "inactive");
    assert!(user["deleted_at"].is_string());
}
