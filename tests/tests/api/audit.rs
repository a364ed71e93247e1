//! The audit log: one row per security-relevant event, readable by admins.

use serde_json::{Value, json};
use tests::{PASSWORD, TestApp};

fn actions(page: &Value) -> Vec<(String, bool)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["action"].as_str().unwrap().to_owned(),
                row["success"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn every_listed_event_leaves_an_audit_row_with_the_client() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await; // register + login
    app.login(&ada.email, "wrong-password-1")
        .await
        .assert_status(401);
    app.login("ghost@example.com", PASSWORD)
        .await
        .assert_status(401);
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": ada.refresh_token}),
        )
        .await
        .json();
    // Reuse of the first token.
    app.post(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": ada.refresh_token}),
    )
    .await
    .assert_status(401);
    let fresh = app.login(&ada.email, PASSWORD).await.json();
    app.post(
        "/api/v1/auth/logout",
        &json!({"refresh_token": fresh["refresh_token"]}),
    )
    .await
    .assert_status(204);
    let ada = tests::TestUser {
        token: fresh["access_token"].as_str().unwrap().to_owned(),
        ..ada
    };
    app.post_as(
        &ada,
        "/api/v1/auth/change-password",
        &json!({"current_password": PASSWORD, "new_password": "new-passw0rd"}),
    )
    .await
    .assert_status(204);
    let path = format!("/api/v1/users/{}", ada.id);
    app.patch_as(&admin, &path, &json!({"status": "suspended"}))
        .await
        .assert_status(200);
    app.patch_as(&admin, &path, &json!({"status": "active"}))
        .await
        .assert_status(200);
    app.delete_as(&admin, &path).await.assert_status(204);
    app.post_as(&admin, &format!("{path}/restore"), &json!({}))
        .await
        .assert_status(200);
    assert!(refreshed["access_token"].is_string());

    let log = app
        .get_as(&admin, "/api/v1/admin/audit-logs?size=100")
        .await;
    log.assert_status(200);
    let log = log.json();
    let seen = actions(&log);
    for expected in [
        ("user.register", true),
        ("auth.login", true),
        ("auth.login", false),
        ("auth.refresh_token_reuse", false),
        ("auth.logout", true),
        ("auth.password_change", true),
        ("admin.user_update", true),
        ("admin.user_delete", true),
        ("admin.user_restore", true),
    ] {
        assert!(
            seen.contains(&(expected.0.to_owned(), expected.1)),
            "{expected:?} missing from {seen:?}"
        );
    }
    let failures = seen
        .iter()
        .filter(|(a, ok)| a == "auth.login" && !ok)
        .count();
    assert_eq!(failures, 2, "a wrong password and an unknown account");
    let row = &log["items"][0];
    assert_eq!(row["ip_address"], "127.0.0.1");
    assert!(row["user_agent"].is_string());
    assert!(row["created_at"].is_string());

    // Newest first, and filters narrow it down.
    let logins = app
        .get_as(
            &admin,
            &format!(
                "/api/v1/admin/audit-logs?action=auth.login&user_id={}",
                ada.id
            ),
        )
        .await
        .json();
    assert!(actions(&logins).iter().all(|(a, _)| a == "auth.login"));
    assert_eq!(
        logins["total"], 3,
        "two successes and one wrong password for ada"
    );
    let future = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let none = app
        .get_as(&admin, &format!("/api/v1/admin/audit-logs?since={future}"))
        .await
        .json();
    assert_eq!(none["total"], 0);
    let paged = app
        .get_as(&admin, "/api/v1/admin/audit-logs?size=2&page=2")
        .await
        .json();
    assert_eq!(paged["items"].as_array().unwrap().len(), 2);
    assert_eq!(paged["has_prev"], true);
}

#[actix_web::test]
async fn self_deletion_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await;
    app.call_as(
        actix_web::http::Method::DELETE,
        "/api/v1/users/me",
        &ada.token,
        Some(&json!({"password": PASSWORD})),
    )
    .await
    .assert_status(204);
    let log = app
        .get_as(&admin, "/api/v1/admin/audit-logs?action=user.delete")
        .await
        .json();
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["user_id"], ada.id.to_string());
}
