//! `/tags`: create, list with live counts, rename, delete, merge.

use serde_json::{Value, json};
use tests::{TestApp, TestUser};

fn tag_names(todo: &Value) -> Vec<String> {
    todo["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn todo_with_tags(app: &TestApp, user: &TestUser, title: &str, tags: &[&str]) -> Value {
    app.create_todo(user, &json!({ "title": title, "tags": tags }))
        .await
}

async fn reload(app: &TestApp, user: &TestUser, todo: &Value) -> Value {
    let res = app
        .get_as(
            user,
            &format!("/api/v1/todos/{}", todo["id"].as_str().unwrap()),
        )
        .await;
    res.assert_status(200);
    res.json()
}

#[actix_web::test]
async fn creating_a_tag_answers_201_and_names_are_unique_in_any_case() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;

    let res = app
        .post_as(&alice, "/api/v1/tags", &json!({ "name": " Urgent " }))
        .await;

    res.assert_status(201);
    let tag = res.json();
    assert_eq!(tag["name"], "Urgent");
    assert_eq!(tag["todo_count"], 0);
    assert!(tag["created_at"].as_str().unwrap().ends_with('Z'));
    let clash = app
        .post_as(&alice, "/api/v1/tags", &json!({ "name": "URGENT" }))
        .await;
    let body = clash.assert_problem(409, "conflict");
    assert!(body["errors"]["name"].is_array(), "{body}");
    app.create_tag(&bob, "urgent").await;
    for body in [
        json!({ "name": "" }),
        json!({ "name": "t".repeat(51) }),
        json!({}),
    ] {
        let res = app.post_as(&alice, "/api/v1/tags", &body).await;
        let problem = res.assert_problem(422, "validation_error");
        assert!(problem["errors"]["name"].is_array(), "{problem}");
    }
}

#[actix_web::test]
async fn the_tag_list_is_by_name_and_counts_live_todos_only() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    todo_with_tags(&app, &alice, "a", &["home", "Errands"]).await;
    todo_with_tags(&app, &alice, "b", &["home"]).await;
    let gone = todo_with_tags(&app, &alice, "c", &["home"]).await;
    app.create_tag(&alice, "unused").await;
    todo_with_tags(&app, &bob, "b1", &["home"]).await;
    app.delete_as(
        &alice,
        &format!("/api/v1/todos/{}", gone["id"].as_str().unwrap()),
    )
    .await
    .assert_status(204);

    let res = app.get_as(&alice, "/api/v1/tags").await;

    res.assert_status(200);
    assert_eq!(res.statements(), 3, "count, page, grouped todo counts");
    let page = res.json();
    let rows: Vec<(String, u64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["todo_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Errands".to_owned(), 1),
            ("home".to_owned(), 2),
            ("unused".to_owned(), 0)
        ]
    );
    assert_eq!(page["total"], 3);
}

#[actix_web::test]
async fn renaming_a_tag_shows_on_its_todos_under_a_new_version() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todo = todo_with_tags(&app, &alice, "a", &["hme"]).await;
    let tag_id = todo["tags"][0]["id"].as_str().unwrap().to_owned();
    app.create_tag(&alice, "work").await;
    let path = format!("/api/v1/tags/{tag_id}");

    let res = app
        .patch_as(&alice, &path, &json!({ "name": "Home" }))
        .await;

    res.assert_status(200);
    let tag = res.json();
    assert_eq!(tag["name"], "Home");
    assert_eq!(tag["todo_count"], 1);
    let after = reload(&app, &alice, &todo).await;
    assert_eq!(tag_names(&after), ["Home"]);
    assert_eq!(after["version"], 2);
    let clash = app
        .patch_as(&alice, &path, &json!({ "name": "WORK" }))
        .await;
    clash.assert_problem(409, "conflict");
    let recased = app
        .patch_as(&alice, &path, &json!({ "name": "HOME" }))
        .await;
    recased.assert_status(200);
    let missing = app.patch_as(&alice, &path, &json!({})).await;
    missing.assert_problem(422, "validation_error");
}

#[actix_web::test]
async fn deleting_a_tag_removes_it_from_every_todo() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let first = todo_with_tags(&app, &alice, "a", &["home", "work"]).await;
    let second = todo_with_tags(&app, &alice, "b", &["home"]).await;
    let home = first["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "home")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let res = app.delete_as(&alice, &format!("/api/v1/tags/{home}")).await;

    res.assert_status(204);
    let first = reload(&app, &alice, &first).await;
    assert_eq!(tag_names(&first), ["work"]);
    assert_eq!(first["version"], 2);
    let second = reload(&app, &alice, &second).await;
    assert!(tag_names(&second).is_empty());
    assert_eq!(second["version"], 2);
    app.delete_as(&alice, &format!("/api/v1/tags/{home}"))
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn merging_tags_gives_their_todos_the_target_once_and_removes_the_sources() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let only_source = todo_with_tags(&app, &alice, "a", &["todo"]).await;
    let both = todo_with_tags(&app, &alice, "b", &["todo", "task"]).await;
    let two_sources = todo_with_tags(&app, &alice, "c", &["todo", "chore"]).await;
    let untouched = todo_with_tags(&app, &alice, "d", &["other"]).await;
    let id_of = |todo: &Value, name: &str| {
        todo["tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let source = id_of(&only_source, "todo");
    let chore = id_of(&two_sources, "chore");
    let target = id_of(&both, "task");

    let res = app
        .post_as(
            &alice,
            "/api/v1/tags/merge",
            &json!({ "source_ids": [source, chore, source], "target_id": target }),
        )
        .await;

    res.assert_status(200);
    let merged = res.json();
    assert_eq!(merged["id"], target.as_str());
    assert_eq!(merged["name"], "task");
    assert_eq!(merged["todo_count"], 3);
    for todo in [&only_source, &both, &two_sources] {
        let after = reload(&app, &alice, todo).await;
        assert_eq!(tag_names(&after), ["task"], "{after}");
        assert_eq!(after["version"], 2);
    }
    let after = reload(&app, &alice, &untouched).await;
    assert_eq!(tag_names(&after), ["other"]);
    assert_eq!(after["version"], 1);
    let names: Vec<String> = app.get_as(&alice, "/api/v1/tags").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["other", "task"]);
}

#[actix_web::test]
async fn a_merge_needs_sources_apart_from_the_target_all_of_the_callers() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let a = app.create_tag(&alice, "a").await["id"].clone();
    let b = app.create_tag(&alice, "b").await["id"].clone();
    let bobs = app.create_tag(&bob, "b").await["id"].clone();
    let merge = |body: Value| {
        let app = &app;
        let alice = &alice;
        async move { app.post_as(alice, "/api/v1/tags/merge", &body).await }
    };

    let empty = merge(json!({ "source_ids": [], "target_id": a })).await;
    let body = empty.assert_problem(422, "validation_error");
    assert!(body["errors"]["source_ids"].is_array(), "{body}");
    let into_itself = merge(json!({ "source_ids": [a, b], "target_id": a })).await;
    let body = into_itself.assert_problem(422, "validation_error");
    assert!(body["errors"]["source_ids"].is_array(), "{body}");
    merge(json!({ "source_ids": [bobs], "target_id": a }))
        .await
        .assert_problem(404, "not_found");
    merge(json!({ "source_ids": [a], "target_id": bobs }))
        .await
        .assert_problem(404, "not_found");
    merge(json!({ "source_ids": [a], "target_id": uuid::Uuid::now_v7() }))
        .await
        .assert_problem(404, "not_found");
    let listed = app.get_as(&alice, "/api/v1/tags").await.json();
    assert_eq!(listed["total"], 2, "nothing changed");
}

#[actix_web::test]
async fn another_users_tag_is_not_found_on_every_verb() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let tag = app.create_tag(&alice, "mine").await;
    let bobs = app.create_tag(&bob, "his").await;
    let path = format!("/api/v1/tags/{}", tag["id"].as_str().unwrap());

    app.patch_as(&bob, &path, &json!({ "name": "x" }))
        .await
        .assert_problem(404, "not_found");
    app.delete_as(&bob, &path)
        .await
        .assert_problem(404, "not_found");
    app.post_as(
        &bob,
        "/api/v1/tags/merge",
        &json!({ "source_ids": [tag["id"]], "target_id": bobs["id"] }),
    )
    .await
    .assert_problem(404, "not_found");
    let listed = app.get_as(&bob, "/api/v1/tags").await.json();
    assert_eq!(listed["total"], 1);
    let alices = app.get_as(&alice, "/api/v1/tags").await.json();
    assert_eq!(alices["items"][0]["name"], "mine");
}
