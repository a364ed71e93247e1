//! API keys: creating, listing, rotating and revoking them, and what is
//! stored and written meanwhile. Where a key is accepted and refused is in
//! `api_keys/access.rs`.

mod access;
mod limits;
mod usage;

use actix_web::http::Method;
use chrono::{Duration, Utc};
use entity::{api_key, audit_log, mail_outbox};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{PASSWORD, TestApp, TestResponse, TestUser};
use uuid::Uuid;

const KEYS: &str = "/api/v1/api-keys";

/// `POST /api-keys` as `user`, asserting `201`; answers the new key.
async fn create_key(app: &TestApp, user: &TestUser, name: &str, scopes: &[&str]) -> Value {
    let res = app
        .post_as(user, KEYS, &json!({ "name": name, "scopes": scopes }))
        .await;
    res.assert_status(201);
    res.json()
}

/// `method path` with `X-API-Key: key` and no bearer token.
async fn with_key(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> TestResponse {
    let req = app.request(method, path).insert_header(("X-API-Key", key));
    app.send(req, body).await
}

/// The `key` of an answer as text.
fn secret(answer: &Value) -> String {
    answer["key"]
        .as_str()
        .expect("the answer shows the key")
        .to_owned()
}

/// Audit rows of `action` about `user`.
async fn audited(app: &TestApp, user: &TestUser, action: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::UserId.eq(user.id))
        .filter(audit_log::Column::Action.eq(action))
        .all(app.db())
        .await
        .unwrap()
}

/// Sets a key's expiry directly in the database.
async fn set_expiry(app: &TestApp, id: &str, at: chrono::DateTime<Utc>) {
    api_key::ActiveModel {
        id: Set(id.parse().unwrap()),
        expires_at: Set(Some(at.fixed_offset())),
        ..Default::default()
    }
    .update(app.db())
    .await
    .unwrap();
}

#[actix_web::test]
async fn a_new_key_is_shown_once_stored_as_a_hash_announced_by_mail_and_audited() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let res = app
        .post_as(
            &ada,
            KEYS,
            &json!({ "name": "  nightly backup ", "scopes": ["write", "read"] }),
        )
        .await;
    res.assert_status(201);
    let created = res.json();
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        res.header("location").as_deref(),
        Some(format!("{KEYS}/{id}").as_str())
    );
    let key = secret(&created);
    assert!(key.starts_with("todo_") && key.len() >= 48, "{key}");
    assert_eq!(created["prefix"], key[..8]);
    assert_eq!(created["name"], "nightly backup");
    assert_eq!(created["scopes"], json!(["read", "write"]));
    for empty in ["last_used_at", "expires_at", "revoked_at"] {
        assert!(created[empty].is_null(), "{empty}: {created}");
    }

    let list = app.get_as(&ada, KEYS).await;
    list.assert_status(200);
    let list = list.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["prefix"], created["prefix"]);
    assert!(list[0].get("key").is_none(), "the list never shows a key");
    assert!(!list.to_string().contains(&key));

    // Only the digest is stored: no column of any key row holds the key.
    let rows = api_key::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].key_hash, service::secrets::digest(&key));
    assert!(!format!("{rows:?}").contains(&key[8..]));

    let mail = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq(ada.email.as_str()))
        .all(app.db())
        .await
        .unwrap();
    let notice = mail
        .iter()
        .find(|m| m.subject.contains("API key"))
        .expect("a notice of the new key");
    assert!(notice.text_body.contains("nightly backup"));
    assert!(!notice.text_body.contains(&key) && !notice.html_body.contains(&key));

    let audit = audited(&app, &ada, "api_key.create").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].entity_id.as_deref(), Some(id));
    assert!(!format!("{audit:?}").contains(&key));
}

#[actix_web::test]
async fn names_scopes_and_expiry_are_checked_field_by_field() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let past = (Utc::now() - Duration::minutes(1)).to_rfc3339();
    let cases = [
        (json!({ "name": "ci", "scopes": ["write"] }), "scopes"),
        (
            json!({ "name": "ci", "scopes": ["read", "read"] }),
            "scopes",
        ),
        (json!({ "name": "ci", "scopes": [] }), "scopes"),
        (json!({ "name": "ci", "scopes": ["admin"] }), "scopes[0]"),
        (json!({ "name": "ci" }), "scopes"),
        (json!({ "name": "  ", "scopes": ["read"] }), "name"),
        (
            json!({ "name": "n".repeat(101), "scopes": ["read"] }),
            "name",
        ),
        (
            json!({ "name": "ci", "scopes": ["read"], "expires_at": past }),
            "expires_at",
        ),
        (
            json!({ "name": "ci", "scopes": ["read"], "expires_at": "soon" }),
            "expires_at",
        ),
        (
            json!({ "name": "ci", "scopes": ["read"], "expires_at": null }),
            "expires_at",
        ),
        (
            json!({ "name": "ci", "scopes": ["read"], "admin": true }),
            "admin",
        ),
    ];
    for (body, field) in cases {
        let problem = app
            .post_as(&ada, KEYS, &body)
            .await
            .assert_problem(422, "validation_error");
        assert!(problem["errors"].get(field).is_some(), "{body}: {problem}");
    }
    let future = (Utc::now() + Duration::days(30)).to_rfc3339();
    let res = app
        .post_as(
            &ada,
            KEYS,
            &json!({ "name": "n".repeat(100), "scopes": ["read"], "expires_at": future }),
        )
        .await;
    res.assert_status(201);
    assert!(res.json()["expires_at"].is_string());
    assert_eq!(
        api_key::Entity::find().all(app.db()).await.unwrap().len(),
        1
    );
}

#[actix_web::test]
async fn revoking_a_key_stops_it_at_once_and_keeps_it_listed() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let created = create_key(&app, &ada, "ci", &["read"]).await;
    let key = secret(&created);
    let path = format!("{KEYS}/{}", created["id"].as_str().unwrap());
    with_key(&app, Method::GET, "/api/v1/todos", &key, None)
        .await
        .assert_status(200);

    app.delete_as(&ada, &path).await.assert_status(204);
    let refused = with_key(&app, Method::GET, "/api/v1/todos", &key, None).await;
    let problem = refused.assert_problem(401, "unauthorized");
    assert!(problem["detail"].as_str().unwrap().contains("revoked"));

    let list = app.get_as(&ada, KEYS).await.json();
    assert!(list[0]["revoked_at"].is_string(), "{list}");
    // Revoking again changes nothing.
    app.delete_as(&ada, &path).await.assert_status(204);
    assert_eq!(audited(&app, &ada, "api_key.revoke").await.len(), 1);
}

#[actix_web::test]
async fn rotating_a_key_revokes_it_and_answers_a_new_one_like_it() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let expires = (Utc::now() + Duration::days(7)).to_rfc3339();
    let old = app
        .post_as(
            &ada,
            KEYS,
            &json!({ "name": "deploy", "scopes": ["read", "write"], "expires_at": expires }),
        )
        .await
        .json();
    let old_id = old["id"].as_str().unwrap();
    let rotate = format!("{KEYS}/{old_id}/rotate");

    let res = app.post_as(&ada, &rotate, &json!({})).await;
    res.assert_status(200);
    let new = res.json();
    assert_ne!(new["id"], old["id"]);
    assert_ne!(new["key"], old["key"]);
    assert_eq!(new["prefix"], secret(&new)[..8]);
    for same in ["name", "scopes", "expires_at"] {
        assert_eq!(new[same], old[same], "{same}");
    }

    with_key(&app, Method::GET, "/api/v1/tags", &secret(&old), None)
        .await
        .assert_problem(401, "unauthorized");
    with_key(
        &app,
        Method::POST,
        "/api/v1/tags",
        &secret(&new),
        Some(&json!({"name": "x"})),
    )
    .await
    .assert_status(201);

    let list = app.get_as(&ada, KEYS).await.json();
    assert_eq!(list[0]["id"], new["id"], "newest first");
    assert_eq!(list[1]["id"], old["id"]);
    assert!(list[1]["revoked_at"].is_string() && list[0]["revoked_at"].is_null());

    // A revoked key cannot be rotated; nor can an expired one.
    app.post_as(&ada, &rotate, &json!({}))
        .await
        .assert_problem(409, "conflict");
    let new_id = new["id"].as_str().unwrap();
    set_expiry(&app, new_id, Utc::now() - Duration::seconds(1)).await;
    app.post_as(&ada, &format!("{KEYS}/{new_id}/rotate"), &json!({}))
        .await
        .assert_problem(409, "conflict");

    let audit = audited(&app, &ada, "api_key.rotate").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].entity_id.as_deref(), Some(old_id));
    assert_eq!(audit[0].details.as_ref().unwrap()["new_key_id"], new["id"]);
}

#[actix_web::test]
async fn an_expired_key_is_refused() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let created = create_key(&app, &ada, "ci", &["read"]).await;
    let key = secret(&created);
    with_key(&app, Method::GET, "/api/v1/categories", &key, None)
        .await
        .assert_status(200);
    set_expiry(
        &app,
        created["id"].as_str().unwrap(),
        Utc::now() - Duration::seconds(1),
    )
    .await;
    let problem = with_key(&app, Method::GET, "/api/v1/categories", &key, None)
        .await
        .assert_problem(401, "unauthorized");
    assert!(problem["detail"].as_str().unwrap().contains("expired"));
}

#[actix_web::test]
async fn another_users_key_is_not_found_and_keeps_working() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let created = create_key(&app, &ada, "ci", &["read"]).await;
    let path = format!("{KEYS}/{}", created["id"].as_str().unwrap());
    app.post_as(&bob, &format!("{path}/rotate"), &json!({}))
        .await
        .assert_problem(404, "not_found");
    app.delete_as(&bob, &path)
        .await
        .assert_problem(404, "not_found");
    app.delete_as(&ada, &format!("{KEYS}/{}", Uuid::now_v7()))
        .await
        .assert_problem(404, "not_found");
    assert!(
        app.get_as(&bob, KEYS)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    with_key(&app, Method::GET, "/api/v1/todos", &secret(&created), None)
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn a_key_of_a_suspended_or_deleted_owner_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let ada_key = secret(&create_key(&app, &ada, "ci", &["read", "write"]).await);
    let bob_key = secret(&create_key(&app, &bob, "ci", &["read"]).await);
    let ada_path = format!("/api/v1/users/{}", ada.id);

    app.patch_as(&admin, &ada_path, &json!({ "status": "suspended" }))
        .await
        .assert_status(200);
    let problem = with_key(&app, Method::GET, "/api/v1/todos", &ada_key, None)
        .await
        .assert_problem(401, "unauthorized");
    assert!(problem["detail"].as_str().unwrap().contains("not active"));
    // Checked on every request: reinstated, the key works again at once.
    app.patch_as(&admin, &ada_path, &json!({ "status": "active" }))
        .await
        .assert_status(200);
    with_key(&app, Method::GET, "/api/v1/todos", &ada_key, None)
        .await
        .assert_status(200);

    app.call_as(
        Method::DELETE,
        "/api/v1/users/me",
        &bob.token,
        Some(&json!({ "password": PASSWORD })),
    )
    .await
    .assert_status(204);
    with_key(&app, Method::GET, "/api/v1/todos", &bob_key, None)
        .await
        .assert_problem(401, "unauthorized");
}
