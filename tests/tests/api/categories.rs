//! `/categories`: CRUD, unique names, live todo counts, versioning, and
//! what deleting or renaming a category does to its todos.

use actix_web::http::Method;
use api::conditional::etag;
use serde_json::json;
use tests::TestApp;

#[actix_web::test]
async fn creating_a_category_answers_201_with_version_1_and_no_todos() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;

    let res = app
        .post_as(
            &alice,
            "/api/v1/categories",
            &json!({ "name": "  Work ", "color": "#3b82f6" }),
        )
        .await;

    res.assert_status(201);
    assert_eq!(res.header("etag"), Some(etag(1, &res.body)));
    let body = res.json();
    assert_eq!(body["name"], "Work", "stored trimmed");
    assert_eq!(body["color"], "#3b82f6");
    assert_eq!(body["todo_count"], 0);
    assert_eq!(body["version"], 1);
    assert!(body["id"].as_str().unwrap().parse::<uuid::Uuid>().is_ok());
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
}

#[actix_web::test]
async fn category_names_are_unique_per_user_in_any_case() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    app.create_category(&alice, "Work").await;

    let clash = app
        .post_as(&alice, "/api/v1/categories", &json!({ "name": " WORK" }))
        .await;

    let body = clash.assert_problem(409, "conflict");
    assert!(body["errors"]["name"].is_array(), "{body}");
    app.create_category(&bob, "work").await;
}

#[actix_web::test]
async fn invalid_category_bodies_are_rejected_naming_the_field() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let path = "/api/v1/categories";

    for (body, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": "n".repeat(51) }), "name"),
        (json!({}), "name"),
        (json!({ "name": "ok", "colour": "red" }), "colour"),
        (json!({ "name": "ok", "color": "c".repeat(33) }), "color"),
        (json!({ "name": 5 }), "name"),
    ] {
        let res = app.post_as(&alice, path, &body).await;
        let problem = res.assert_problem(422, "validation_error");
        assert!(problem["errors"][field].is_array(), "{body} -> {problem}");
    }
    let req = app
        .request(Method::POST, path)
        .bearer_auth(&alice.token)
        .content_type("application/json");
    let res = app.send_raw(req, b"{\"name\":".to_vec()).await;
    res.assert_problem(400, "bad_request");
}

#[actix_web::test]
async fn the_category_list_is_by_name_with_live_todo_counts_in_three_statements() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let work = app.create_category(&alice, "work").await;
    app.create_category(&alice, "Errands").await;
    app.create_category(&alice, "home").await;
    app.create_category(&bob, "bobs").await;
    for title in ["a", "b", "c"] {
        app.create_todo(
            &alice,
            &json!({ "title": title, "category_id": work["id"] }),
        )
        .await;
    }
    let gone = app
        .create_todo(
            &alice,
            &json!({ "title": "gone", "category_id": work["id"] }),
        )
        .await;
    app.delete_as(
        &alice,
        &format!("/api/v1/todos/{}", gone["id"].as_str().unwrap()),
    )
    .await
    .assert_status(204);

    let res = app.get_as(&alice, "/api/v1/categories?size=2").await;

    res.assert_status(200);
    let page = res.json();
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Errands", "home"]);
    assert_eq!(page["total"], 3);
    assert_eq!(page["pages"], 2);
    assert_eq!(res.statements(), 3, "count, page, grouped todo counts");
    let second = app
        .get_as(&alice, "/api/v1/categories?page=2&size=2")
        .await
        .json();
    assert_eq!(second["items"][0]["name"], "work");
    assert_eq!(
        second["items"][0]["todo_count"], 3,
        "soft-deleted todos are not counted"
    );
}

#[actix_web::test]
async fn a_category_answers_with_its_etag_and_304_when_unchanged() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "work").await;
    let path = format!("/api/v1/categories/{}", work["id"].as_str().unwrap());

    let res = app.get_as(&alice, &path).await;
    res.assert_status(200);
    assert_eq!(res.header("etag"), Some(etag(1, &res.body)));
    let tag = res.header("etag").expect("an ETag");
    assert_eq!(res.json()["name"], "work");

    let res = app
        .call_with_headers(
            &alice,
            Method::GET,
            &path,
            &[("If-None-Match", tag.as_str())],
            None,
        )
        .await;
    res.assert_status(304);
    assert!(res.body.is_empty());
}

#[actix_web::test]
async fn patching_a_category_renames_recolours_and_raises_its_version() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "work").await;
    let path = format!("/api/v1/categories/{}", work["id"].as_str().unwrap());
    app.patch_as(&alice, &path, &json!({ "color": "#fff" }))
        .await
        .assert_status(200);

    let res = app
        .patch_as(
            &alice,
            &path,
            &json!({ "name": "Job", "color": null, "version": 2 }),
        )
        .await;

    res.assert_status(200);
    assert_eq!(res.header("etag"), Some(etag(3, &res.body)));
    let body = res.json();
    assert_eq!(body["name"], "Job");
    assert_eq!(body["color"], serde_json::Value::Null);
    assert_eq!(body["version"], 3);
    let same = app.patch_as(&alice, &path, &json!({})).await.json();
    assert_eq!(same["version"], 3, "a PATCH naming nothing changes nothing");
}

#[actix_web::test]
async fn stale_category_versions_are_refused() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "work").await;
    let path = format!("/api/v1/categories/{}", work["id"].as_str().unwrap());
    app.patch_as(&alice, &path, &json!({ "name": "Work" }))
        .await
        .assert_status(200);

    let stale_body = app
        .patch_as(&alice, &path, &json!({ "name": "x", "version": 1 }))
        .await;
    let body = stale_body.assert_problem(409, "conflict");
    assert!(body["errors"]["version"].is_array(), "{body}");

    let stale_header = app
        .call_with_headers(
            &alice,
            Method::PATCH,
            &path,
            &[("If-Match", "W/\"1\"")],
            Some(&json!({ "name": "x" })),
        )
        .await;
    stale_header.assert_problem(412, "precondition_failed");

    let stale_delete = app
        .call_with_headers(
            &alice,
            Method::DELETE,
            &path,
            &[("If-Match", "W/\"1\"")],
            None,
        )
        .await;
    stale_delete.assert_problem(412, "precondition_failed");

    let current = app
        .call_with_headers(
            &alice,
            Method::PATCH,
            &path,
            &[("If-Match", "W/\"2\"")],
            Some(&json!({ "name": "x" })),
        )
        .await;
    current.assert_status(200);
    assert_eq!(app.get_as(&alice, &path).await.json()["name"], "x");
}

#[actix_web::test]
async fn renaming_a_category_to_another_of_its_names_is_a_conflict() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "work").await;
    app.create_category(&alice, "home").await;
    let path = format!("/api/v1/categories/{}", work["id"].as_str().unwrap());

    let clash = app
        .patch_as(&alice, &path, &json!({ "name": "HOME" }))
        .await;
    let body = clash.assert_problem(409, "conflict");
    assert!(body["errors"]["name"].is_array());

    let recased = app
        .patch_as(&alice, &path, &json!({ "name": "WORK" }))
        .await;
    recased.assert_status(200);
    assert_eq!(recased.json()["name"], "WORK");
    let null_name = app.patch_as(&alice, &path, &json!({ "name": null })).await;
    let body = null_name.assert_problem(422, "validation_error");
    assert!(body["errors"]["name"].is_array(), "{body}");
}

#[actix_web::test]
async fn a_renamed_category_shows_on_its_todos_under_a_new_version() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "work").await;
    let todo = app
        .create_todo(&alice, &json!({ "title": "t", "category_id": work["id"] }))
        .await;
    let todo_path = format!("/api/v1/todos/{}", todo["id"].as_str().unwrap());

    app.patch_as(
        &alice,
        &format!("/api/v1/categories/{}", work["id"].as_str().unwrap()),
        &json!({ "name": "Job", "color": "red" }),
    )
    .await
    .assert_status(200);

    let after = app.get_as(&alice, &todo_path).await.json();
    assert_eq!(after["category"]["name"], "Job");
    assert_eq!(after["category"]["color"], "red");
    assert_eq!(after["version"], 2, "the todo's representation changed");
}

#[actix_web::test]
async fn deleting_a_category_keeps_its_todos_uncategorized_under_a_new_version() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "work").await;
    let home = app.create_category(&alice, "home").await;
    let in_work = app
        .create_todo(&alice, &json!({ "title": "w", "category_id": work["id"] }))
        .await;
    let in_home = app
        .create_todo(&alice, &json!({ "title": "h", "category_id": home["id"] }))
        .await;
    let path = format!("/api/v1/categories/{}", work["id"].as_str().unwrap());

    let res = app
        .call_with_headers(
            &alice,
            Method::DELETE,
            &path,
            &[("If-Match", "W/\"1\"")],
            None,
        )
        .await;

    res.assert_status(204);
    app.get_as(&alice, &path)
        .await
        .assert_problem(404, "not_found");
    let orphan = app
        .get_as(
            &alice,
            &format!("/api/v1/todos/{}", in_work["id"].as_str().unwrap()),
        )
        .await
        .json();
    assert_eq!(orphan["category"], serde_json::Value::Null);
    assert_eq!(orphan["version"], 2);
    assert_ne!(orphan["updated_at"], in_work["updated_at"]);
    let untouched = app
        .get_as(
            &alice,
            &format!("/api/v1/todos/{}", in_home["id"].as_str().unwrap()),
        )
        .await
        .json();
    assert_eq!(untouched["category"]["name"], "home");
    assert_eq!(untouched["version"], 1);
    app.delete_as(&alice, &path)
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn another_users_category_is_not_found_on_every_verb() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let work = app.create_category(&alice, "work").await;
    let path = format!("/api/v1/categories/{}", work["id"].as_str().unwrap());

    app.get_as(&bob, &path)
        .await
        .assert_problem(404, "not_found");
    app.patch_as(&bob, &path, &json!({ "name": "mine" }))
        .await
        .assert_problem(404, "not_found");
    app.delete_as(&bob, &path)
        .await
        .assert_problem(404, "not_found");
    let listed = app.get_as(&bob, "/api/v1/categories").await.json();
    assert_eq!(listed["total"], 0);
    let borrowed = app
        .post_as(
            &bob,
            "/api/v1/todos",
            &json!({ "title": "t", "category_id": work["id"] }),
        )
        .await;
    let body = borrowed.assert_problem(422, "validation_error");
    assert!(body["errors"]["category_id"].is_array(), "{body}");
    assert_eq!(app.get_as(&alice, &path).await.json()["name"], "work");
}
