//! Registration, login, tokens, refresh rotation, logout and sessions.

use actix_web::http::Method;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tests::{PASSWORD, TestApp};

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[actix_web::test]
async fn registering_returns_the_user_with_a_lower_cased_email_and_no_password_hash() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "Ada@Example.COM", "username": "Ada", "password": PASSWORD, "full_name": "Ada L."}),
        )
        .await;
    res.assert_status(201);
    let user = res.json();
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["username"], "Ada");
    assert_eq!(user["full_name"], "Ada L.");
    assert_eq!(user["status"], "active");
    assert_eq!(user["is_admin"], false);
    assert_eq!(user["version"], 1);
    assert_eq!(user["preferences"]["theme"], "system");
    assert_eq!(user["preferences"]["default_page_size"], 20);
    assert!(user["deleted_at"].is_null());
    assert!(!res.text().contains("password"), "{}", res.text());
    assert!(!res.text().contains("$2"), "no bcrypt hash: {}", res.text());
}

#[actix_web::test]
async fn a_taken_email_or_username_is_a_conflict_naming_the_field() {
    let app = TestApp::spawn().await;
    app.register("ada@example.com", "ada", PASSWORD)
        .await
        .assert_status(201);

    let body = app
        .register("ADA@example.com", "someone", PASSWORD)
        .await
        .assert_problem(409, "conflict");
    assert!(body["errors"]["email"].is_array(), "{body}");

    let body = app
        .register("other@example.com", "ADA", PASSWORD)
        .await
        .assert_problem(409, "conflict");
    assert!(
        body["errors"]["username"].is_array(),
        "usernames clash case-insensitively: {body}"
    );
}

#[actix_web::test]
async fn registration_rules_are_validation_errors_naming_each_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"email": "not-an-email", "username": "ada", "password": PASSWORD}),
            "email",
        ),
        (
            json!({"email": "a@example.com", "username": "ab", "password": PASSWORD}),
            "username",
        ),
        (
            json!({"email": "a@example.com", "username": "a b c", "password": PASSWORD}),
            "username",
        ),
        (
            json!({"email": "a@example.com", "username": "ada", "password": "onlyletters"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "username": "ada", "password": "1234567890"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "username": "ada", "password": "a1"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "username": "ada"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "username": "ada", "password": PASSWORD, "role": "admin"}),
            "role",
        ),
        (
            json!({"email": 42, "username": "ada", "password": PASSWORD}),
            "email",
        ),
    ];
    for (body, field) in cases {
        let problem = app
            .post("/api/v1/auth/register", &body)
            .await
            .assert_problem(422, "validation_error");
        assert!(problem["errors"][field].is_array(), "{field} in {problem}");
    }
    // Nothing was created along the way.
    app.register("a@example.com", "ada", PASSWORD)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn malformed_json_is_400_and_an_oversized_body_is_413() {
    let app = TestApp::spawn().await;
    app.post_raw(
        "/api/v1/auth/register",
        "application/json",
        b"{\"email\": ".to_vec(),
    )
    .await
    .assert_problem(400, "bad_request");
    let huge = format!(
        "{{\"email\": \"a@example.com\", \"username\": \"ada\", \"password\": \"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    app.post_raw(
        "/api/v1/auth/register",
        "application/json",
        huge.into_bytes(),
    )
    .await
    .assert_problem(413, "payload_too_large");
}

#[actix_web::test]
async fn login_accepts_the_email_or_the_username_and_returns_a_token_pair() {
    let app = TestApp::spawn().await;
    app.register("ada@example.com", "Ada", PASSWORD)
        .await
        .assert_status(201);
    for identifier in ["ada@example.com", "ADA@example.com", "Ada", "ada"] {
        let res = app.login(identifier, PASSWORD).await;
        res.assert_status(200);
        let pair = res.json();
        assert_eq!(pair["token_type"], "Bearer");
        assert_eq!(pair["expires_in"], 900);
        assert!(pair["access_token"].as_str().unwrap().split('.').count() == 3);
        assert_eq!(pair["refresh_token"].as_str().unwrap().len(), 64);
        let me = app
            .call_as(
                Method::GET,
                "/api/v1/users/me",
                pair["access_token"].as_str().unwrap(),
                None,
            )
            .await;
        me.assert_status(200);
        assert_eq!(me.json()["username"], "Ada");
    }
}

#[actix_web::test]
async fn login_answers_the_same_401_for_an_unknown_email_and_a_wrong_password() {
    let app = TestApp::spawn().await;
    app.register("ada@example.com", "ada", PASSWORD)
        .await
        .assert_status(201);
    let unknown = app.login("nobody@example.com", PASSWORD).await;
    let wrong = app.login("ada@example.com", "wrong-password-1").await;
    let a = unknown.assert_problem(401, "unauthorized");
    let b = wrong.assert_problem(401, "unauthorized");
    assert_eq!(a["detail"], b["detail"]);
    assert_eq!(a["title"], b["title"]);
}

#[actix_web::test]
async fn missing_malformed_and_tampered_tokens_are_401_problems() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let claims = |exp_offset: i64| {
        let now = chrono::Utc::now().timestamp();
        json!({"sub": ada.id, "sid": uuid::Uuid::now_v7(), "adm": true, "iat": now, "exp": now + exp_offset})
    };
    let sign = |claims: &Value, secret: &[u8]| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap()
    };
    let secret = b"test-secret-that-is-at-least-32-bytes-long";
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(600))
    );
    // Change a character in the middle of the signature: the last one of a
    // base64url HMAC carries padding bits a decoder may ignore.
    let bad_signature = {
        let token = sign(&claims(600), secret);
        let at = token.len() - 10;
        let flipped = if &token[at..=at] == "A" { "B" } else { "A" };
        format!("{}{flipped}{}", &token[..at], &token[at + 1..])
    };
    let forged_payload = {
        let parts: Vec<&str> = ada.token.split('.').collect();
        format!("{}.{}.{}", parts[0], b64(&claims(600)), parts[2])
    };
    let tokens = [
        alg_none,
        bad_signature,
        forged_payload,
        sign(&claims(-120), secret),
        sign(&claims(600), b"another-secret-another-secret-another"),
        "not.a.jwt".to_owned(),
        String::new(),
    ];
    for token in tokens {
        app.call_as(Method::GET, "/api/v1/users/me", &token, None)
            .await
            .assert_problem(401, "unauthorized");
    }
    app.get("/api/v1/users/me")
        .await
        .assert_problem(401, "unauthorized");
    let req = app
        .request(Method::GET, "/api/v1/users/me")
        .insert_header(("Authorization", format!("Basic {}", ada.token)));
    app.send(req, None)
        .await
        .assert_problem(401, "unauthorized");
    // The real token still works: the checks above are not just failing everything.
    app.get_as(&ada, "/api/v1/users/me")
        .await
        .assert_status(200);
}

async fn refresh(app: &TestApp, token: &str) -> tests::TestResponse {
    app.post("/api/v1/auth/refresh", &json!({ "refresh_token": token }))
        .await
}

#[actix_web::test]
async fn a_refresh_token_is_single_use_and_replaying_it_revokes_its_whole_family() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;

    let first = refresh(&app, &ada.refresh_token).await;
    first.assert_status(200);
    let second_token = first.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_token, ada.refresh_token);

    // The used token fails, and its reuse revokes the newer one as well.
    refresh(&app, &ada.refresh_token)
        .await
        .assert_problem(401, "unauthorized");
    refresh(&app, &second_token)
        .await
        .assert_problem(401, "unauthorized");

    // Another login (another family) is unaffected.
    let other = app.login(&ada.email, PASSWORD).await.json();
    refresh(&app, other["refresh_token"].as_str().unwrap())
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn logout_revokes_the_session_of_its_refresh_token() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    app.post(
        "/api/v1/auth/logout",
        &json!({"refresh_token": ada.refresh_token}),
    )
    .await
    .assert_status(204);
    refresh(&app, &ada.refresh_token)
        .await
        .assert_problem(401, "unauthorized");
    // Logging out twice is not an error.
    app.post(
        "/api/v1/auth/logout",
        &json!({"refresh_token": ada.refresh_token}),
    )
    .await
    .assert_status(204);
}

#[actix_web::test]
async fn changing_the_password_revokes_every_other_session_but_keeps_the_callers() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let other = app.login(&ada.email, PASSWORD).await.json();

    let body = app
        .post_as(
            &ada,
            "/api/v1/auth/change-password",
            &json!({"current_password": "wrong-password-1", "new_password": "new-passw0rd"}),
        )
        .await
        .assert_problem(422, "validation_error");
    assert!(body["errors"]["current_password"].is_array(), "{body}");

    app.post_as(
        &ada,
        "/api/v1/auth/change-password",
        &json!({"current_password": PASSWORD, "new_password": "new-passw0rd"}),
    )
    .await
    .assert_status(204);

    refresh(&app, other["refresh_token"].as_str().unwrap())
        .await
        .assert_problem(401, "unauthorized");
    refresh(&app, &ada.refresh_token).await.assert_status(200);
    app.login(&ada.email, PASSWORD)
        .await
        .assert_problem(401, "unauthorized");
    app.login(&ada.email, "new-passw0rd")
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn sessions_are_listed_with_the_current_one_marked_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let other = app.login(&ada.email, PASSWORD).await.json();

    let list = app.get_as(&ada, "/api/v1/auth/sessions").await;
    list.assert_status(200);
    let sessions = list.json();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().all(|s| s["ip_address"] == "127.0.0.1"));
    let other_id = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Another user cannot revoke it.
    let bob = app.signup("bob").await;
    app.delete_as(&bob, &format!("/api/v1/auth/sessions/{other_id}"))
        .await
        .assert_problem(404, "not_found");

    app.delete_as(&ada, &format!("/api/v1/auth/sessions/{other_id}"))
        .await
        .assert_status(204);
    refresh(&app, other["refresh_token"].as_str().unwrap())
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(
        app.get_as(&ada, "/api/v1/auth/sessions")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    app.delete_as(&ada, "/api/v1/auth/sessions")
        .await
        .assert_status(204);
    refresh(&app, &ada.refresh_token)
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(
        app.get_as(&ada, "/api/v1/auth/sessions").await.json(),
        json!([])
    );
}

#[actix_web::test]
async fn checking_an_access_token_runs_no_sql() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let res = app.get_as(&ada, "/api/v1/auth/sessions").await;
    res.assert_status(200);
    assert_eq!(res.statements(), 1, "only the session list itself");
}
