//! What admins do: list, inspect, change, delete, restore and purge users.

use actix_web::http::Method;
use entity::{category, todo, user};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tests::{PASSWORD, TestApp};

use crate::fixtures::todo_row;

#[actix_web::test]
async fn every_admin_route_is_403_for_a_normal_user_and_401_without_a_token() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let id = ada.id;
    let routes = [
        (Method::GET, "/api/v1/users".to_owned(), None),
        (Method::GET, format!("/api/v1/users/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/users/{id}"),
            Some(json!({"is_admin": true})),
        ),
        (Method::DELETE, format!("/api/v1/users/{id}"), None),
        (Method::POST, format!("/api/v1/users/{id}/restore"), None),
        (Method::GET, "/api/v1/admin/audit-logs".to_owned(), None),
    ];
    for (method, path, body) in routes {
        app.call_as(method.clone(), &path, &ada.token, body.as_ref())
            .await
            .assert_problem(403, "forbidden");
        app.send(app.request(method, &path), body.as_ref())
            .await
            .assert_problem(401, "unauthorized");
    }
    assert_eq!(
        app.get_as(&ada, "/api/v1/users/me").await.json()["is_admin"],
        false
    );
}

fn usernames(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn the_user_list_filters_searches_sorts_and_pages() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    for i in 0..24 {
        app.register(
            &format!("user{i:02}@example.com"),
            &format!("user{i:02}"),
            PASSWORD,
        )
        .await
        .assert_status(201);
    }
    app.register("zed@other.org", "zed", PASSWORD)
        .await
        .assert_status(201);

    // 26 users (root included), 10 a page, by username ascending.
    let first = app
        .get_as(
            &admin,
            "/api/v1/users?sort_by=username&sort_order=asc&size=10",
        )
        .await;
    first.assert_status(200);
    let first = first.json();
    assert_eq!(first["total"], 26);
    assert_eq!(first["pages"], 3);
    assert_eq!(first["has_next"], true);
    assert_eq!(first["has_prev"], false);
    assert_eq!(usernames(&first)[0], "root");
    assert_eq!(usernames(&first)[1], "user00");
    assert_eq!(
        first["links"]["next"],
        "/api/v1/users?sort_by=username&sort_order=asc&page=2&size=10"
    );
    let mut all = usernames(&first);
    for page in [2, 3] {
        let res = app
            .get_as(
                &admin,
                &format!("/api/v1/users?sort_by=username&sort_order=asc&size=10&page={page}"),
            )
            .await
            .json();
        all.extend(usernames(&res));
    }
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(all, sorted, "every user once, in order");
    assert_eq!(all.len(), 26);

    let past = app
        .get_as(&admin, "/api/v1/users?page=9&size=10")
        .await
        .json();
    assert_eq!(past["items"], json!([]));

    let found = app
        .get_as(&admin, "/api/v1/users?search=OTHER.ORG")
        .await
        .json();
    assert_eq!(usernames(&found), vec!["zed"]);
    let admins = app
        .get_as(&admin, "/api/v1/users?is_admin=true")
        .await
        .json();
    assert_eq!(usernames(&admins), vec!["root"]);
    let desc = app
        .get_as(&admin, "/api/v1/users?sort_by=email&sort_order=desc&size=1")
        .await
        .json();
    assert_eq!(usernames(&desc), vec!["zed"]);

    let future = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let none = app
        .get_as(&admin, &format!("/api/v1/users?created_after={future}"))
        .await
        .json();
    assert_eq!(none["total"], 0);
    let everyone = app
        .get_as(&admin, &format!("/api/v1/users?created_before={future}"))
        .await
        .json();
    assert_eq!(everyone["total"], 26);

    for bad in [
        "sort_by=password",
        "sort_order=up",
        "size=101",
        "page=0",
        "status=gone",
        "created_after=yesterday",
    ] {
        app.get_as(&admin, &format!("/api/v1/users?{bad}"))
            .await
            .assert_problem(422, "validation_error");
    }
}

#[actix_web::test]
async fn suspending_a_user_ends_their_sessions_and_login_answers_403() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await;
    let res = app
        .patch_as(
            &admin,
            &format!("/api/v1/users/{}", ada.id),
            &json!({"status": "suspended"}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["status"], "suspended");
    assert_eq!(res.json()["version"], 2);

    app.post(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": ada.refresh_token}),
    )
    .await
    .assert_problem(401, "unauthorized");
    app.login(&ada.email, PASSWORD)
        .await
        .assert_problem(403, "forbidden");
    app.login(&ada.email, "wrong-password-1")
        .await
        .assert_problem(401, "unauthorized");

    app.patch_as(
        &admin,
        &format!("/api/v1/users/{}", ada.id),
        &json!({"status": "active"}),
    )
    .await
    .assert_status(200);
    app.login(&ada.email, PASSWORD).await.assert_status(200);
}

#[actix_web::test]
async fn an_admin_cannot_suspend_demote_or_delete_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let me = format!("/api/v1/users/{}", admin.id);
    app.patch_as(&admin, &me, &json!({"is_admin": false}))
        .await
        .assert_problem(409, "conflict");
    app.patch_as(&admin, &me, &json!({"status": "suspended"}))
        .await
        .assert_problem(409, "conflict");
    app.delete_as(&admin, &me)
        .await
        .assert_problem(409, "conflict");
    app.delete_as(&admin, &format!("{me}?permanent=true"))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(app.get_as(&admin, &me).await.json()["is_admin"], true);
}

#[actix_web::test]
async fn granting_admin_takes_effect_at_the_next_login() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await;
    app.patch_as(
        &admin,
        &format!("/api/v1/users/{}", ada.id),
        &json!({"is_admin": true}),
    )
    .await
    .assert_status(200);
    let token = app.login(&ada.email, PASSWORD).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call_as(Method::GET, "/api/v1/users", &token, None)
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn admin_updates_honour_versions() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await;
    let path = format!("/api/v1/users/{}", ada.id);
    app.patch_as(&admin, &path, &json!({"is_admin": true, "version": 7}))
        .await
        .assert_problem(409, "conflict");
    let req = app
        .request(Method::PATCH, &path)
        .bearer_auth(&admin.token)
        .insert_header(("If-Match", "W/\"7\""));
    app.send(req, Some(&json!({"is_admin": true})))
        .await
        .assert_problem(412, "precondition_failed");
    app.get_as(&admin, "/api/v1/users/0193a000-0000-7000-8000-000000000000")
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn soft_deleted_users_are_hidden_restorable_and_purging_removes_everything_they_own() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await;
    let path = format!("/api/v1/users/{}", ada.id);

    app.delete_as(&admin, &path).await.assert_status(204);
    app.login(&ada.email, PASSWORD)
        .await
        .assert_problem(401, "unauthorized");
    let listed = app.get_as(&admin, "/api/v1/users").await.json();
    assert_eq!(usernames(&listed), vec!["root"]);
    let with_deleted = app
        .get_as(&admin, "/api/v1/users?include_deleted=true")
        .await
        .json();
    assert_eq!(with_deleted["total"], 2);

    let restored = app
        .post_as(&admin, &format!("{path}/restore"), &json!({}))
        .await;
    restored.assert_status(200);
    assert_eq!(restored.json()["status"], "active");
    assert!(restored.json()["deleted_at"].is_null());
    app.login(&ada.email, PASSWORD).await.assert_status(200);

    // Give ada something to own, then purge.
    let now = service::clock::now();
    let cat = category::ActiveModel::from(category::Model {
        id: uuid::Uuid::now_v7(),
        user_id: ada.id,
        name: "Work".into(),
        name_key: "work".into(),
        color: None,
        version: 1,
        created_at: now,
        updated_at: now,
        sync_seq: 0,
    });
    category::Entity::insert(cat)
        .exec_without_returning(app.db())
        .await
        .unwrap();
    let item = todo::ActiveModel::from(todo_row(ada.id, "Write", now));
    todo::Entity::insert(item)
        .exec_without_returning(app.db())
        .await
        .unwrap();

    app.delete_as(&admin, &format!("{path}?permanent=true"))
        .await
        .assert_status(204);
    app.get_as(&admin, &path)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(user::Entity::find().count(app.db()).await.unwrap(), 1);
    assert_eq!(category::Entity::find().count(app.db()).await.unwrap(), 0);
    assert_eq!(todo::Entity::find().count(app.db()).await.unwrap(), 0);
}

#[actix_web::test]
async fn no_user_answer_ever_contains_a_password_hash() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await;
    let user_path = format!("/api/v1/users/{}", ada.id);
    let answers = [
        app.register("bob@example.com", "bob", PASSWORD).await,
        app.get_as(&ada, "/api/v1/users/me").await,
        app.patch_as(&ada, "/api/v1/users/me", &json!({"bio": "hi"}))
            .await,
        app.get_as(&admin, "/api/v1/users").await,
        app.get_as(&admin, &user_path).await,
        app.patch_as(&admin, &user_path, &json!({"status": "active"}))
            .await,
        app.post_as(&admin, &format!("{user_path}/restore"), &json!({}))
            .await,
        app.get_as(&admin, "/api/v1/admin/audit-logs?size=100")
            .await,
    ];
    for res in answers {
        assert!(res.status.is_success(), "{}", res.text());
        let text = res.text();
        assert!(
            !text.contains("password_hash") && !text.contains("$2b$"),
            "{text}"
        );
    }
}
