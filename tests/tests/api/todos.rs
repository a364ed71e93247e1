//! One todo at a time: create, read, change, versions and tenant isolation.

use actix_web::http::Method;
use api::conditional::etag;
use serde_json::{Value, json};
use tests::TestApp;

#[actix_web::test]
async fn creating_a_todo_fills_the_defaults() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;

    let res = app
        .post_as(&alice, "/api/v1/todos", &json!({ "title": "  Write it  " }))
        .await;

    res.assert_status(201);
    assert_eq!(res.header("etag"), Some(etag(1, &res.body)));
    let todo = res.json();
    assert_eq!(todo["title"], "Write it");
    assert_eq!(todo["description"], Value::Null);
    assert_eq!(todo["status"], "pending");
    assert_eq!(todo["priority"], "medium");
    assert_eq!(todo["due_date"], Value::Null);
    assert_eq!(todo["completed_at"], Value::Null);
    assert_eq!(todo["category"], Value::Null);
    assert_eq!(todo["tags"], json!([]));
    assert_eq!(todo["deleted_at"], Value::Null);
    assert_eq!(todo["version"], 1);
    for field in ["created_at", "updated_at"] {
        let text = todo[field].as_str().unwrap();
        assert!(text.ends_with('Z'), "{field} is UTC: {text}");
        assert!(chrono::DateTime::parse_from_rfc3339(text).is_ok());
    }
    let read = app.get_as(&alice, &TestApp::todo_path(&todo)).await.json();
    assert_eq!(read, todo, "what was answered is what was stored");
}

#[actix_web::test]
async fn creating_a_todo_with_new_tag_names_creates_the_tags() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let existing = app.create_tag(&alice, "Home").await;
    let work = app.create_category(&alice, "Work").await;

    let todo = app
        .create_todo(
            &alice,
            &json!({
                "title": "t",
                "description": "d",
                "status": "in_progress",
                "priority": "urgent",
                "due_date": "2040-05-06T07:08:09Z",
                "category_id": work["id"],
                "tags": ["urgent", "home", "URGENT ", "errand"],
            }),
        )
        .await;

    assert_eq!(TestApp::tag_names(&todo), ["errand", "Home", "urgent"]);
    let home = todo["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Home")
        .unwrap();
    assert_eq!(home["id"], existing["id"], "an existing tag is reused");
    assert_eq!(todo["category"]["id"], work["id"]);
    assert_eq!(todo["category"]["name"], "Work");
    assert_eq!(todo["status"], "in_progress");
    assert_eq!(todo["priority"], "urgent");
    assert_eq!(todo["due_date"], "2040-05-06T07:08:09Z");
    let tags = app.get_as(&alice, "/api/v1/tags").await.json();
    assert_eq!(tags["total"], 3, "urgent and errand were created once each");
}

#[actix_web::test]
async fn creating_a_completed_todo_sets_completed_at() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;

    let todo = app
        .create_todo(&alice, &json!({ "title": "done", "status": "completed" }))
        .await;

    assert_eq!(todo["completed_at"], todo["created_at"]);
    assert!(app.history_of(&alice, &todo).await.is_empty());
}

#[actix_web::test]
async fn invalid_todo_bodies_are_rejected_naming_the_field() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;

    for (body, field) in [
        (json!({}), "title"),
        (json!({ "title": "" }), "title"),
        (json!({ "title": "  " }), "title"),
        (json!({ "title": "t".repeat(201) }), "title"),
        (
            json!({ "title": "t", "description": "d".repeat(10_001) }),
            "description",
        ),
        (json!({ "title": "t", "status": "done" }), "status"),
        (json!({ "title": "t", "status": null }), "status"),
        (json!({ "title": "t", "priority": "critical" }), "priority"),
        (json!({ "title": "t", "due_date": "tomorrow" }), "due_date"),
        (json!({ "title": "t", "tags": [""] }), "tags"),
        (json!({ "title": "t", "tags": "home" }), "tags"),
        (
            json!({ "title": "t", "category_id": "nope" }),
            "category_id",
        ),
        (
            json!({ "title": "t", "category_id": uuid::Uuid::now_v7() }),
            "category_id",
        ),
        (json!({ "title": "t", "owner": "bob" }), "owner"),
    ] {
        let res = app.post_as(&alice, "/api/v1/todos", &body).await;
        let problem = res.assert_problem(422, "validation_error");
        assert!(problem["errors"][field].is_array(), "{body} -> {problem}");
    }
    let req = app
        .request(Method::POST, "/api/v1/todos")
        .bearer_auth(&alice.token);
    app.send_raw(req, b"{\"title\": ".to_vec())
        .await
        .assert_problem(400, "bad_request");
    app.post("/api/v1/todos", &json!({ "title": "t" }))
        .await
        .assert_problem(401, "unauthorized");
    let listed = app.list_todos(&alice, "").await.json();
    assert_eq!(listed["total"], 0, "nothing was created");
}

#[actix_web::test]
async fn a_todo_answers_with_its_etag_304_when_unchanged_in_one_statement() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "work").await;
    let todo = app
        .create_todo(
            &alice,
            &json!({ "title": "t", "category_id": work["id"], "tags": ["a", "b", "c"] }),
        )
        .await;

    let res = app.get_as(&alice, &TestApp::todo_path(&todo)).await;

    res.assert_status(200);
    assert_eq!(res.header("etag"), Some(etag(1, &res.body)));
    let tag = res.header("etag").expect("an ETag");
    assert_eq!(res.statements(), 1, "todo, category and tags in one join");
    assert_eq!(TestApp::tag_names(&res.json()), ["a", "b", "c"]);
    assert_eq!(res.json()["category"]["name"], "work");
    let cached = app
        .call_with_headers(
            &alice,
            Method::GET,
            &TestApp::todo_path(&todo),
            &[("If-None-Match", tag.as_str())],
            None,
        )
        .await;
    cached.assert_status(304);
    assert!(cached.body.is_empty());
    let stale_cache = app
        .call_with_headers(
            &alice,
            Method::GET,
            &TestApp::todo_path(&todo),
            &[("If-None-Match", "W/\"0\"")],
            None,
        )
        .await;
    stale_cache.assert_status(200);
}

#[actix_web::test]
async fn patch_keeps_absent_fields_clears_nulls_and_replaces_tags() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "work").await;
    let todo = app
        .create_todo(
            &alice,
            &json!({
                "title": "t",
                "description": "d",
                "priority": "high",
                "due_date": "2040-01-01T00:00:00Z",
                "category_id": work["id"],
                "tags": ["a", "b"],
            }),
        )
        .await;

    let res = app
        .patch_as(
            &alice,
            &TestApp::todo_path(&todo),
            &json!({ "description": null, "due_date": null, "category_id": null, "tags": ["b", "C"] }),
        )
        .await;

    res.assert_status(200);
    assert_eq!(res.header("etag"), Some(etag(2, &res.body)));
    let after = res.json();
    assert_eq!(after["title"], "t");
    assert_eq!(after["priority"], "high");
    assert_eq!(after["description"], Value::Null);
    assert_eq!(after["due_date"], Value::Null);
    assert_eq!(after["category"], Value::Null);
    assert_eq!(TestApp::tag_names(&after), ["b", "C"]);
    assert_eq!(after["version"], 2, "one change, one version");
    assert_eq!(
        app.get_as(&alice, &TestApp::todo_path(&todo)).await.json(),
        after
    );

    let moved = app
        .patch_as(
            &alice,
            &TestApp::todo_path(&todo),
            &json!({ "title": "new", "category_id": work["id"], "priority": "low" }),
        )
        .await
        .json();
    assert_eq!(moved["title"], "new");
    assert_eq!(moved["category"]["name"], "work");
    assert_eq!(moved["priority"], "low");
    assert_eq!(
        TestApp::tag_names(&moved),
        ["b", "C"],
        "absent tags are kept"
    );
    assert_eq!(moved["version"], 3);
    let nothing = app
        .patch_as(&alice, &TestApp::todo_path(&todo), &json!({}))
        .await
        .json();
    assert_eq!(
        nothing["version"], 3,
        "a PATCH naming nothing changes nothing"
    );
    for (body, field) in [
        (json!({ "title": null }), "title"),
        (json!({ "title": "" }), "title"),
        (json!({ "tags": null }), "tags"),
        (
            json!({ "category_id": uuid::Uuid::now_v7() }),
            "category_id",
        ),
        (json!({ "colour": "red" }), "colour"),
    ] {
        let res = app
            .patch_as(&alice, &TestApp::todo_path(&todo), &body)
            .await;
        let problem = res.assert_problem(422, "validation_error");
        assert!(problem["errors"][field].is_array(), "{body} -> {problem}");
    }
}

#[actix_web::test]
async fn stale_versions_are_refused_by_body_and_by_if_match() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todo = app.todo_titled(&alice, "t").await;
    let path = TestApp::todo_path(&todo);
    app.patch_as(&alice, &path, &json!({ "title": "u", "version": 1 }))
        .await
        .assert_status(200);

    let stale = app
        .patch_as(&alice, &path, &json!({ "title": "v", "version": 1 }))
        .await;
    let body = stale.assert_problem(409, "conflict");
    assert!(body["errors"]["version"].is_array(), "{body}");

    // A delete's body may carry only `version`.
    let change = json!({ "title": "v" });
    for (method, body) in [(Method::PATCH, Some(&change)), (Method::DELETE, None)] {
        let res = app
            .call_with_headers(&alice, method, &path, &[("If-Match", "W/\"1\"")], body)
            .await;
        res.assert_problem(412, "precondition_failed");
    }
    let permanent = app
        .call_with_headers(
            &alice,
            Method::DELETE,
            &format!("{path}?permanent=true"),
            &[("If-Match", "W/\"1\"")],
            None,
        )
        .await;
    permanent.assert_problem(412, "precondition_failed");
    let fresh = app
        .call_with_headers(
            &alice,
            Method::PATCH,
            &path,
            &[("If-Match", "W/\"2\"")],
            Some(&json!({ "title": "v" })),
        )
        .await;
    fresh.assert_status(200);
    assert_eq!(fresh.json()["title"], "v");
}

#[actix_web::test]
async fn another_users_todo_is_not_found_on_every_verb() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let todo = app
        .create_todo(&alice, &json!({ "title": "secret", "tags": ["x"] }))
        .await;
    let path = TestApp::todo_path(&todo);

    app.get_as(&bob, &path)
        .await
        .assert_problem(404, "not_found");
    app.patch_as(&bob, &path, &json!({ "title": "mine" }))
        .await
        .assert_problem(404, "not_found");
    app.delete_as(&bob, &path)
        .await
        .assert_problem(404, "not_found");
    app.delete_as(&bob, &format!("{path}?permanent=true"))
        .await
        .assert_problem(404, "not_found");
    for action in ["restore", "complete", "reopen"] {
        app.post_as(&bob, &format!("{path}/{action}"), &json!({}))
            .await
            .assert_problem(404, "not_found");
    }
    app.get_as(&bob, &format!("{path}/history"))
        .await
        .assert_problem(404, "not_found");
    let listed = app
        .list_todos(&bob, "tag=x&include_deleted=true")
        .await
        .json();
    assert_eq!(listed["total"], 0);

    let untouched = app.get_as(&alice, &path).await.json();
    assert_eq!(untouched, todo, "nothing bob did reached alice's todo");
    app.get_as(&alice, "/api/v1/todos/not-a-uuid")
        .await
        .assert_problem(404, "not_found");
}

/// The write paths' statement counts, as the README quotes them. Each
/// write begins by locking the caller's row (the check that the account
/// may still write, and the per-user lock of `service::txn`).
#[actix_web::test]
async fn single_todo_writes_cost_a_fixed_few_statements() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "work").await;
    app.create_tag(&alice, "known").await;

    let created = app
        .post_as(
            &alice,
            "/api/v1/todos",
            &json!({ "title": "t", "category_id": work["id"], "tags": ["known", "new"] }),
        )
        .await;
    created.assert_status(201);
    let path = TestApp::todo_path(&created.json());
    let patched = app
        .patch_as(
            &alice,
            &path,
            &json!({ "title": "u", "status": "completed" }),
        )
        .await;
    patched.assert_status(200);

    let counts = (created.statements(), patched.statements());
    eprintln!("POST /todos, PATCH /todos/{{id}}: {counts:?} statements");
    // POST: the lock, the category, the tags (found, then the new one
    // inserted), the todo, its tag links, the raise of the write sequence,
    // and the delta-sync stamps of the todo and of the new tag.
    // PATCH: the lock, the todo with its category, the update, the
    // history row, the tags it shows, the raise of the write sequence, the
    // stamp of the todo.
    // MySQL has no RETURNING: it reads the new tags back, and the updated row.
    // Where rows are locked (not SQLite), each also locks the caller's
    // `user_state` row after their user row (`service::txn`).
    let engine = tests::Engine::current();
    let extra =
        u64::from(engine == tests::Engine::MySql) + u64::from(engine != tests::Engine::Sqlite);
    assert_eq!(counts, (9 + extra, 7 + extra));
}
