//! Bulk operations that fail: all or nothing. Every item is checked before
//! anything is written; a failure names every offending item (by index, or
//! by id for missing and deleted todos) and leaves everything as it was.

use actix_web::http::Method;
use serde_json::{Value, json};
use tests::TestApp;
use uuid::Uuid;

use crate::bulk::{BULK, BULK_DELETE, BULK_RESTORE, reload, todos, total};

/// The keys of a problem's `errors`, sorted.
fn error_keys(problem: &Value) -> Vec<String> {
    let mut keys: Vec<String> = problem["errors"]
        .as_object()
        .unwrap_or_else(|| panic!("errors in {problem}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn id_text(todo: &Value) -> String {
    todo["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_bulk_create_with_item_999_invalid_creates_nothing_not_even_its_tags() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let bobs = app.create_category(&bob, "Bob's").await;
    let mut items: Vec<Value> = (0..1000)
        .map(|i| json!({ "title": format!("t{i}"), "tags": [format!("new-{i}"), "common"] }))
        .collect();

    for (last, field) in [
        (
            json!({ "title": " ", "tags": ["new-999"] }),
            "items[999].title",
        ),
        (
            json!({ "title": "t", "status": "done", "tags": ["new-999"] }),
            "items[999].status",
        ),
        (
            json!({ "title": "t", "category_id": bobs["id"], "tags": ["new-999"] }),
            "items[999].category_id",
        ),
    ] {
        items[999] = last;
        let res = app.post_as(&alice, BULK, &json!({ "items": items })).await;
        let problem = res.assert_problem(422, "validation_error");
        assert_eq!(error_keys(&problem), [field], "{problem}");
    }

    assert_eq!(total(&app, &alice, "include_deleted=true").await, 0);
    let tags = app.get_as(&alice, "/api/v1/tags").await.json();
    assert_eq!(tags["total"], 0, "no tag was created either");
}

#[actix_web::test]
async fn every_invalid_item_of_a_bulk_create_is_named_by_its_index() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let ghost = Uuid::now_v7();

    let items = json!([
        { "title": "fine" },
        { "title": "" },
        { "title": "t", "category_id": ghost },
        { "title": "t", "tags": [""] },
        { "title": "t", "category_id": ghost },
    ]);
    let res = app.post_as(&alice, BULK, &json!({ "items": items })).await;

    let problem = res.assert_problem(422, "validation_error");
    assert_eq!(
        error_keys(&problem),
        ["items[1].title", "items[3].tags"],
        "shape errors first: {problem}"
    );
    let fixed = json!([
        { "title": "fine" },
        { "title": "t", "category_id": ghost },
        { "title": "t" },
        { "title": "t", "category_id": ghost },
    ]);
    let res = app.post_as(&alice, BULK, &json!({ "items": fixed })).await;
    let problem = res.assert_problem(422, "validation_error");
    assert_eq!(
        error_keys(&problem),
        ["items[1].category_id", "items[3].category_id"]
    );
    assert_eq!(total(&app, &alice, "").await, 0);
}

#[actix_web::test]
async fn bulk_requests_naming_none_or_more_than_1000_are_rejected() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let items: Vec<Value> = (0..1001)
        .map(|i| json!({ "title": format!("t{i}") }))
        .collect();
    let ids: Vec<Uuid> = (0..1001).map(|_| Uuid::now_v7()).collect();
    let set = json!({ "priority": "low" });

    for (method, path, body, field) in [
        (Method::POST, BULK, json!({ "items": [] }), "items"),
        (Method::POST, BULK, json!({ "items": items }), "items"),
        (Method::PATCH, BULK, json!({ "ids": [], "set": set }), "ids"),
        (
            Method::PATCH,
            BULK,
            json!({ "ids": ids, "set": set }),
            "ids",
        ),
        (Method::POST, BULK_DELETE, json!({ "ids": [] }), "ids"),
        (Method::POST, BULK_DELETE, json!({ "ids": ids }), "ids"),
        (Method::POST, BULK_RESTORE, json!({ "ids": [] }), "ids"),
        (Method::POST, BULK_RESTORE, json!({ "ids": ids }), "ids"),
    ] {
        let res = app
            .call_as(method.clone(), path, &alice.token, Some(&body))
            .await;
        let problem = res.assert_problem(422, "validation_error");
        assert_eq!(error_keys(&problem), [field], "{method} {path}: {problem}");
    }
    assert_eq!(total(&app, &alice, "").await, 0);
}

#[actix_web::test]
async fn invalid_bulk_bodies_are_rejected_naming_the_field() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let created = todos(&app, &alice, 2).await;
    let (a, b) = (&created[0]["id"], &created[1]["id"]);

    for (method, path, body, field) in [
        (
            Method::PATCH,
            BULK,
            json!({ "ids": [a], "set": { "status": "done" } }),
            "set.status",
        ),
        (
            Method::PATCH,
            BULK,
            json!({ "ids": [a], "set": { "status": null } }),
            "set.status",
        ),
        (
            Method::PATCH,
            BULK,
            json!({ "ids": [a], "set": { "title": "x" } }),
            "set.title",
        ),
        (
            Method::PATCH,
            BULK,
            json!({ "ids": [a], "set": { "due_date": "soon" } }),
            "set.due_date",
        ),
        (Method::PATCH, BULK, json!({ "ids": [a], "set": {} }), "set"),
        (Method::PATCH, BULK, json!({ "ids": [a] }), "set"),
        (
            Method::PATCH,
            BULK,
            json!({ "ids": [a], "add_tags": [""] }),
            "add_tags",
        ),
        (
            Method::PATCH,
            BULK,
            json!({ "ids": [a], "add_tags": ["x"], "remove_tags": [" X"] }),
            "remove_tags",
        ),
        (
            Method::PATCH,
            BULK,
            json!({ "ids": ["nope"], "set": { "priority": "low" } }),
            "ids[0]",
        ),
        (
            Method::PATCH,
            BULK,
            json!({ "set": { "priority": "low" } }),
            "ids",
        ),
        (
            Method::POST,
            BULK,
            json!({ "items": [{ "title": "t" }, { "title": "t", "owner": "bob" }] }),
            "items[1].owner",
        ),
        (Method::POST, BULK, json!({ "todos": [] }), "todos"),
        (
            Method::POST,
            BULK_DELETE,
            json!({ "ids": [a], "permanent": "yes" }),
            "permanent",
        ),
        (
            Method::POST,
            BULK_RESTORE,
            json!({ "ids": [a], "permanent": true }),
            "permanent",
        ),
    ] {
        let res = app
            .call_as(method.clone(), path, &alice.token, Some(&body))
            .await;
        let problem = res.assert_problem(422, "validation_error");
        assert!(
            problem["errors"][field].is_array(),
            "{method} {path} {body} -> {problem}"
        );
    }

    // An id twice is a mistake: each repeat is named, with its first place.
    for (method, path, set) in [
        (Method::PATCH, BULK, Some(json!({ "priority": "low" }))),
        (Method::POST, BULK_DELETE, None),
        (Method::POST, BULK_RESTORE, None),
    ] {
        let mut body = json!({ "ids": [a, b, a] });
        if let Some(set) = set {
            body["set"] = set;
        }
        let res = app
            .call_as(method.clone(), path, &alice.token, Some(&body))
            .await;
        let problem = res.assert_problem(422, "validation_error");
        assert_eq!(problem["errors"], json!({ "ids[2]": ["repeats ids[0]"] }));
    }

    let req = app.request(Method::POST, BULK).bearer_auth(&alice.token);
    app.send_raw(req, b"{\"items\": [".to_vec())
        .await
        .assert_problem(400, "bad_request");
    for (method, path) in [
        (Method::POST, BULK),
        (Method::PATCH, BULK),
        (Method::POST, BULK_DELETE),
        (Method::POST, BULK_RESTORE),
    ] {
        let res = app
            .send(app.request(method, path), Some(&json!({ "ids": [a] })))
            .await;
        res.assert_problem(401, "unauthorized");
    }
    for todo in &created {
        assert_eq!(&reload(&app, &alice, todo).await, todo, "nothing changed");
    }
}

#[actix_web::test]
async fn another_users_or_unknown_ids_are_404_keyed_by_id_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let mine = todos(&app, &alice, 3).await;
    let theirs = todos(&app, &bob, 1).await;
    let ghost = Uuid::now_v7();
    let ids = json!([
        mine[0]["id"],
        mine[1]["id"],
        theirs[0]["id"],
        ghost,
        mine[2]["id"]
    ]);
    let mut expected = vec![id_text(&theirs[0]), ghost.to_string()];
    expected.sort();

    for (method, path, body) in [
        (
            Method::PATCH,
            BULK,
            json!({ "ids": ids, "set": { "status": "completed" }, "add_tags": ["new"] }),
        ),
        (Method::POST, BULK_DELETE, json!({ "ids": ids })),
        (
            Method::POST,
            BULK_DELETE,
            json!({ "ids": ids, "permanent": true }),
        ),
        (Method::POST, BULK_RESTORE, json!({ "ids": ids })),
    ] {
        let res = app
            .call_as(method.clone(), path, &alice.token, Some(&body))
            .await;
        let problem = res.assert_problem(404, "not_found");
        assert_eq!(error_keys(&problem), expected, "{method} {path}: {problem}");
    }

    for todo in &mine {
        assert_eq!(&reload(&app, &alice, todo).await, todo, "nothing changed");
    }
    assert_eq!(reload(&app, &bob, &theirs[0]).await, theirs[0]);
    let tags = app.get_as(&alice, "/api/v1/tags").await.json();
    assert_eq!(tags["total"], 0, "`new` was not created");
}

#[actix_web::test]
async fn soft_deleted_todos_in_a_bulk_update_or_soft_delete_are_409_keyed_by_id() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let before = todos(&app, &alice, 3).await;
    app.delete_as(&alice, &TestApp::todo_path(&before[1]))
        .await
        .assert_status(204);
    let deleted = reload(&app, &alice, &before[1]).await;
    let ids = TestApp::ids_of(&before);

    for (method, body) in [
        (
            Method::PATCH,
            json!({ "ids": ids, "set": { "priority": "high" } }),
        ),
        (Method::POST, json!({ "ids": ids })),
    ] {
        let path = if method == Method::PATCH {
            BULK
        } else {
            BULK_DELETE
        };
        let res = app
            .call_as(method.clone(), path, &alice.token, Some(&body))
            .await;
        let problem = res.assert_problem(409, "conflict");
        assert_eq!(error_keys(&problem), [id_text(&before[1])], "{problem}");
    }

    assert_eq!(reload(&app, &alice, &before[0]).await, before[0]);
    assert_eq!(reload(&app, &alice, &before[1]).await, deleted);
    assert_eq!(reload(&app, &alice, &before[2]).await, before[2]);
}

#[actix_web::test]
async fn a_category_not_the_callers_in_a_bulk_update_is_422_naming_set_category_id() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let bobs = app.create_category(&bob, "Bob's").await;
    let created = todos(&app, &alice, 2).await;

    let res = app
        .patch_as(
            &alice,
            BULK,
            &json!({ "ids": TestApp::ids_of(&created), "set": { "category_id": bobs["id"], "priority": "low" } }),
        )
        .await;

    let problem = res.assert_problem(422, "validation_error");
    assert_eq!(error_keys(&problem), ["set.category_id"]);
    for todo in &created {
        assert_eq!(&reload(&app, &alice, todo).await, todo, "nothing changed");
    }
}
