//! Requests sent at the same moment, many rounds each: revocation holds
//! against refreshes, one user's creates and tag changes never deadlock,
//! and every answer is a well-defined one (never a 5xx).
//!
//! Run on every engine: on PostgreSQL and MariaDB with the server's pool,
//! and on SQLite in a database file with the server's real pool of several
//! connections in WAL mode ([`TestApp::spawn_concurrent`]).

use actix_web::http::Method;
use futures_util::future::join;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tests::{PASSWORD, TestApp, TestResponse, TestUser};

const ROUNDS: usize = 50;

async fn refresh(app: &TestApp, token: &str) -> TestResponse {
    app.post("/api/v1/auth/refresh", &json!({ "refresh_token": token }))
        .await
}

/// Logs `user` in once more: a session of its own, as a second device.
async fn login(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let res = app.login(email, password).await;
    res.assert_status(200);
    let tokens = res.json();
    (
        tokens["access_token"].as_str().unwrap().to_owned(),
        tokens["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// The refresh token a refresh answered, if it succeeded (a 401 is a fair
/// loss of the race; anything else is a failure).
fn won(round: usize, res: &TestResponse) -> Option<String> {
    match res.status.as_u16() {
        200 => Some(res.json()["refresh_token"].as_str().unwrap().to_owned()),
        401 => None,
        other => panic!("round {round}: refresh answered {other}: {}", res.text()),
    }
}

/// A session that survived its revocation would refresh here.
async fn assert_dead(app: &TestApp, round: usize, token: Option<String>) {
    if let Some(token) = token {
        let res = refresh(app, &token).await;
        assert_eq!(
            res.status.as_u16(),
            401,
            "round {round}: a session of the old generation still refreshes: {}",
            res.text()
        );
    }
}

async fn live_sessions(app: &TestApp, access_token: &str) -> Vec<Value> {
    let res = app
        .call_as(Method::GET, "/api/v1/auth/sessions", access_token, None)
        .await;
    res.assert_status(200);
    res.json().as_array().unwrap().clone()
}

#[actix_web::test]
async fn a_refresh_racing_a_password_change_leaves_no_other_session_alive() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    let mut password = PASSWORD.to_owned();
    for round in 0..ROUNDS {
        let (changer, _) = login(&app, &ada.email, &password).await;
        let (_, other_device) = login(&app, &ada.email, &password).await;
        let new_password = format!("new-password-{round}");
        let (changed, refreshed) = join(
            app.call_as(
                Method::POST,
                "/api/v1/auth/change-password",
                &changer,
                Some(&json!({"current_password": password, "new_password": new_password})),
            ),
            refresh(&app, &other_device),
        )
        .await;
        changed.assert_status(204);
        password = new_password;
        assert_dead(&app, round, won(round, &refreshed)).await;
        assert_eq!(
            live_sessions(&app, &changer).await.len(),
            1,
            "round {round}: only the changer's session lives"
        );
    }
}

#[actix_web::test]
async fn a_refresh_racing_sign_out_everywhere_leaves_no_session_alive() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    for round in 0..ROUNDS {
        let (access, _) = login(&app, &ada.email, PASSWORD).await;
        let (_, other_device) = login(&app, &ada.email, PASSWORD).await;
        let (signed_out, refreshed) = join(
            app.call_as(Method::DELETE, "/api/v1/auth/sessions", &access, None),
            refresh(&app, &other_device),
        )
        .await;
        signed_out.assert_status(204);
        assert_dead(&app, round, won(round, &refreshed)).await;
        let (fresh, _) = login(&app, &ada.email, PASSWORD).await;
        assert_eq!(live_sessions(&app, &fresh).await.len(), 1, "round {round}");
        app.call_as(Method::DELETE, "/api/v1/auth/sessions", &fresh, None)
            .await
            .assert_status(204);
    }
}

#[actix_web::test]
async fn a_replayed_refresh_token_racing_its_successor_revokes_the_whole_family() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    for round in 0..ROUNDS {
        let (_, first) = login(&app, &ada.email, PASSWORD).await;
        let second = won(round, &refresh(&app, &first).await).expect("a fresh token refreshes");
        let (replayed, legitimate) = join(refresh(&app, &first), refresh(&app, &second)).await;
        replayed.assert_problem(401, "unauthorized");
        assert_dead(&app, round, won(round, &legitimate)).await;
    }
}

#[actix_web::test]
async fn a_refresh_racing_a_suspension_leaves_no_session_and_the_user_suspended() {
    let app = TestApp::spawn_concurrent().await;
    let admin = app.signup_admin("admin").await;
    let ada = app.signup("ada").await;
    let path = format!("/api/v1/users/{}", ada.id);
    for round in 0..ROUNDS {
        let (_, device) = login(&app, &ada.email, PASSWORD).await;
        let (suspended, refreshed) = join(
            app.patch_as(&admin, &path, &json!({"status": "suspended"})),
            refresh(&app, &device),
        )
        .await;
        suspended.assert_status(200);
        assert_dead(&app, round, won(round, &refreshed)).await;
        assert_eq!(
            app.get_as(&admin, &path).await.json()["status"],
            "suspended",
            "round {round}"
        );
        app.patch_as(&admin, &path, &json!({"status": "active"}))
            .await
            .assert_status(200);
    }
}

fn tag_names(todo: &Value) -> Vec<String> {
    let mut names = TestApp::tag_names(todo);
    names.sort();
    names
}

async fn all_tags(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let res = app.get_as(user, "/api/v1/tags?size=100").await;
    res.assert_status(200);
    res.json()["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn two_creates_naming_the_same_new_tags_in_opposite_orders_both_succeed() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    for round in 0..ROUNDS {
        let (a, b) = (format!("a{round}"), format!("b{round}"));
        let (one, two) = join(
            app.post_as(
                &ada,
                "/api/v1/todos",
                &json!({"title": "1", "tags": [a, b]}),
            ),
            app.post_as(
                &ada,
                "/api/v1/todos",
                &json!({"title": "2", "tags": [b, a]}),
            ),
        )
        .await;
        let mut expected = vec![a.clone(), b.clone()];
        expected.sort();
        for res in [&one, &two] {
            res.assert_status(201);
            assert_eq!(tag_names(&res.json()), expected, "round {round}");
        }
    }
    let tags = all_tags(&app, &ada).await;
    assert_eq!(tags.len(), 2 * ROUNDS, "each name exists once");
    assert!(tags.iter().all(|t| t["todo_count"] == 2), "{tags:?}");
}

#[actix_web::test]
async fn two_bulk_creates_naming_twenty_new_tags_in_opposite_orders_both_succeed() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    for round in 0..ROUNDS / 5 {
        let names: Vec<String> = (0..20).map(|n| format!("r{round}-t{n:02}")).collect();
        let reversed: Vec<String> = names.iter().rev().cloned().collect();
        let items = |tags: &[String]| json!({"items": (0..5).map(|n| json!({"title": format!("i{n}"), "tags": tags})).collect::<Vec<_>>()});
        let (one, two) = join(
            app.post_as(&ada, "/api/v1/todos/bulk", &items(&names)),
            app.post_as(&ada, "/api/v1/todos/bulk", &items(&reversed)),
        )
        .await;
        one.assert_status(201);
        two.assert_status(201);
    }
    let page = app.get_as(&ada, "/api/v1/tags?size=1").await.json();
    assert_eq!(page["total"], 20 * (ROUNDS / 5), "each name exists once");
}

async fn tag(app: &TestApp, user: &TestUser, name: &str) -> String {
    app.create_tag(user, name).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn status(res: &TestResponse) -> u16 {
    let status = res.status.as_u16();
    assert!(status < 500, "a 5xx: {status} {}", res.text());
    status
}

#[actix_web::test]
async fn crossed_merges_end_with_one_merge_done_and_the_other_404() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    for round in 0..ROUNDS {
        let a = tag(&app, &ada, &format!("a{round}")).await;
        let b = tag(&app, &ada, &format!("b{round}")).await;
        let todo = app
            .create_todo(
                &ada,
                &json!({"title": "t", "tags": [format!("a{round}"), format!("b{round}")]}),
            )
            .await;
        let (ab, ba) = join(
            app.post_as(
                &ada,
                "/api/v1/tags/merge",
                &json!({"source_ids": [a], "target_id": b}),
            ),
            app.post_as(
                &ada,
                "/api/v1/tags/merge",
                &json!({"source_ids": [b], "target_id": a}),
            ),
        )
        .await;
        let mut statuses = [status(&ab), status(&ba)];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 404], "round {round}");
        let now = app.get_as(&ada, &TestApp::todo_path(&todo)).await.json();
        assert_eq!(TestApp::tag_names(&now).len(), 1, "round {round}: {now}");
    }
}

#[actix_web::test]
async fn a_merge_racing_a_delete_or_a_patch_of_its_tags_ends_consistent() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    for round in 0..ROUNDS {
        let (a_name, b_name) = (format!("a{round}"), format!("b{round}"));
        let a = tag(&app, &ada, &a_name).await;
        let b = tag(&app, &ada, &b_name).await;
        let todo = app
            .create_todo(&ada, &json!({"title": "t", "tags": [a_name]}))
            .await;
        let path = TestApp::todo_path(&todo);
        let merge = json!({"source_ids": [a], "target_id": b});
        let (merged, deleted) = join(
            app.post_as(&ada, "/api/v1/tags/merge", &merge),
            app.delete_as(&ada, &format!("/api/v1/tags/{b}")),
        )
        .await;
        assert!(
            matches!((status(&merged), status(&deleted)), (200 | 404, 204)),
            "round {round}"
        );

        let c_name = format!("c{round}");
        let c = tag(&app, &ada, &c_name).await;
        let d = tag(&app, &ada, &format!("d{round}")).await;
        let (merged, patched) = join(
            app.post_as(
                &ada,
                "/api/v1/tags/merge",
                &json!({"source_ids": [c], "target_id": d}),
            ),
            app.patch_as(&ada, &path, &json!({"tags": [c_name]})),
        )
        .await;
        assert_eq!(status(&merged), 200, "round {round}");
        assert!(matches!(status(&patched), 200 | 409), "round {round}");
        // Whichever ran first, the todo shows tags that exist.
        let now = app.get_as(&ada, &path).await.json();
        for shown in now["tags"].as_array().unwrap() {
            let id: uuid::Uuid = shown["id"].as_str().unwrap().parse().unwrap();
            let stored = entity::tag::Entity::find_by_id(id)
                .one(app.db())
                .await
                .unwrap();
            assert!(stored.is_some(), "round {round}: {shown} in {now}");
        }
    }
}

#[actix_web::test]
async fn deleting_a_tag_racing_a_patch_or_bulk_add_naming_it_ends_consistent() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    let todo = app.todo_titled(&ada, "t").await;
    let path = TestApp::todo_path(&todo);
    let id = todo["id"].clone();
    for round in 0..ROUNDS {
        let name = format!("x{round}");
        let x = tag(&app, &ada, &name).await;
        let (deleted, patched) = join(
            app.delete_as(&ada, &format!("/api/v1/tags/{x}")),
            app.patch_as(&ada, &path, &json!({"tags": [name]})),
        )
        .await;
        assert_eq!(status(&deleted), 204, "round {round}");
        assert!(matches!(status(&patched), 200 | 409), "round {round}");

        let y = tag(&app, &ada, &format!("y{round}")).await;
        let (deleted, added) = join(
            app.delete_as(&ada, &format!("/api/v1/tags/{y}")),
            app.call_as(
                Method::PATCH,
                "/api/v1/todos/bulk",
                &ada.token,
                Some(&json!({"ids": [id], "add_tags": [format!("y{round}")]})),
            ),
        )
        .await;
        assert_eq!(status(&deleted), 204, "round {round}");
        assert!(matches!(status(&added), 200 | 409), "round {round}");
    }
}

#[actix_web::test]
async fn deleting_a_category_racing_a_create_that_uses_it_ends_consistent() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    for round in 0..ROUNDS {
        let category = app.create_category(&ada, &format!("c{round}")).await;
        let cid = category["id"].as_str().unwrap().to_owned();
        let (deleted, created) = join(
            app.delete_as(&ada, &format!("/api/v1/categories/{cid}")),
            app.post_as(
                &ada,
                "/api/v1/todos",
                &json!({"title": "t", "category_id": cid}),
            ),
        )
        .await;
        assert_eq!(status(&deleted), 204, "round {round}");
        match status(&created) {
            201 => {
                let now = app
                    .get_as(&ada, &TestApp::todo_path(&created.json()))
                    .await
                    .json();
                assert!(now["category"].is_null(), "round {round}: {now}");
            }
            422 => {
                let problem = created.assert_problem(422, "validation_error");
                assert!(problem["errors"]["category_id"].is_array(), "{problem}");
            }
            other => panic!("round {round}: create answered {other}"),
        }
    }
}

#[actix_web::test]
async fn two_admins_changing_each_other_at_once_never_deadlock() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup_admin("ada").await;
    let bob = app.signup_admin("bob").await;
    let (to_ada, to_bob) = (
        format!("/api/v1/users/{}", ada.id),
        format!("/api/v1/users/{}", bob.id),
    );
    for round in 0..ROUNDS {
        let (one, two) = join(
            app.patch_as(&ada, &to_bob, &json!({"is_admin": true})),
            app.patch_as(&bob, &to_ada, &json!({"is_admin": true})),
        )
        .await;
        assert_eq!((status(&one), status(&two)), (200, 200), "round {round}");
    }
    let seen = app.get_as(&ada, &to_bob).await.json();
    assert_eq!(seen["version"], 1 + ROUNDS, "every change counted: {seen}");
}
