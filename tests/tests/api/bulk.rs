//! Bulk operations that succeed: create, change, delete and restore many
//! todos in one request, in a fixed number of statements, with one audit
//! row each. The failures (all or nothing) are in `bulk_failures`.

use actix_web::http::Method;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tests::{TestApp, TestUser};

pub const BULK: &str = "/api/v1/todos/bulk";
pub const BULK_DELETE: &str = "/api/v1/todos/bulk-delete";
pub const BULK_RESTORE: &str = "/api/v1/todos/bulk-restore";

/// `n` todos titled `todo 0` … made by one bulk create.
pub async fn todos(app: &TestApp, user: &TestUser, n: usize) -> Vec<Value> {
    let items: Vec<Value> = (0..n)
        .map(|i| json!({ "title": format!("todo {i}") }))
        .collect();
    app.bulk_create(user, &items).await
}

/// The todo as the server has it now.
pub async fn reload(app: &TestApp, user: &TestUser, todo: &Value) -> Value {
    let res = app.get_as(user, &TestApp::todo_path(todo)).await;
    res.assert_status(200);
    res.json()
}

/// `total` of `GET /todos?{query}`.
pub async fn total(app: &TestApp, user: &TestUser, query: &str) -> u64 {
    app.list_todos(user, query).await.json()["total"]
        .as_u64()
        .unwrap()
}

async fn tag_counts(app: &TestApp, user: &TestUser) -> Vec<(String, u64)> {
    let tags = app.get_as(user, "/api/v1/tags?size=100").await.json();
    tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["todo_count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_bulk_create_of_1000_todos_with_tags_answers_them_in_input_order_in_at_most_10_statements()
 {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let home = app.create_tag(&alice, "Home").await;
    let work = app.create_category(&alice, "Work").await;
    let items: Vec<Value> = (0..1000)
        .map(|i| {
            let priority = ["low", "medium", "high", "urgent"][i % 4];
            json!({
                "title": format!("todo {i}"),
                "priority": priority,
                "status": if i % 10 == 0 { "completed" } else { "pending" },
                "category_id": if i % 2 == 0 { work["id"].clone() } else { Value::Null },
                "tags": ["home", format!("batch-{}", i % 5), "Shared", "shared"],
            })
        })
        .collect();

    let res = app.post_as(&alice, BULK, &json!({ "items": items })).await;

    res.assert_status(201);
    eprintln!("bulk create of 1000: {} statements", res.statements());
    // Ten, the delta-sync stamps of the todos and of the new tags included;
    // one more on MySQL, which reads the new tags back; one more where rows
    // are locked (not SQLite), for the caller's `user_state` row.
    let most = 10
        + u64::from(tests::Engine::current() == tests::Engine::MySql)
        + u64::from(tests::Engine::current() != tests::Engine::Sqlite);
    assert!(
        res.statements() <= most,
        "{} statements for 1000 todos",
        res.statements()
    );
    let created = res.json()["items"].as_array().unwrap().clone();
    assert_eq!(created.len(), 1000);
    for (i, todo) in created.iter().enumerate() {
        assert_eq!(
            todo["title"],
            format!("todo {i}"),
            "answered in input order"
        );
        assert_eq!(todo["version"], 1);
        assert_eq!(TestApp::tag_names(todo).len(), 3, "repeats count once");
    }
    let first = &created[0];
    assert_eq!(TestApp::tag_names(first), ["batch-0", "Home", "Shared"]);
    assert!(
        first["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == home["id"])
    );
    assert_eq!(first["category"]["name"], "Work");
    assert_eq!(first["status"], "completed");
    assert_eq!(first["completed_at"], first["created_at"]);
    assert_eq!(created[1]["category"], Value::Null);
    assert_eq!(created[1]["completed_at"], Value::Null);
    assert_eq!(created[3]["priority"], "urgent");
    for todo in [&created[0], &created[557], &created[999]] {
        assert_eq!(
            &reload(&app, &alice, todo).await,
            todo,
            "what was answered is what was stored"
        );
    }
    assert_eq!(total(&app, &alice, "").await, 1000);
    let tags = tag_counts(&app, &alice).await;
    assert_eq!(
        tags.len(),
        7,
        "Home reused; five batch tags and Shared created once"
    );
    assert!(tags.contains(&("Home".to_owned(), 1000)));
    assert!(tags.contains(&("batch-4".to_owned(), 200)));
}

#[actix_web::test]
async fn a_bulk_status_change_appends_history_to_each_changed_todo_and_raises_every_version_once() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let items = ["pending", "completed", "in_progress"]
        .map(|status| json!({ "title": status, "status": status }));
    let before = app.bulk_create(&alice, &items).await;
    let ids = TestApp::ids_of(&before);

    let res = app
        .patch_as(
            &alice,
            BULK,
            &json!({ "ids": ids, "set": { "status": "completed" } }),
        )
        .await;

    res.assert_status(200);
    assert_eq!(res.json(), json!({ "updated": 3 }));
    let mut after = Vec::new();
    for todo in &before {
        after.push(reload(&app, &alice, todo).await);
    }
    for todo in &after {
        assert_eq!(todo["status"], "completed");
        assert_eq!(todo["version"], 2, "one change, one version");
        assert!(todo["completed_at"].is_string());
    }
    assert_eq!(
        after[1]["completed_at"], before[1]["completed_at"],
        "a todo that stays completed keeps its time"
    );
    let pair = |from: &str, to: &str| (from.to_owned(), to.to_owned());
    assert_eq!(
        app.history_of(&alice, &before[0]).await,
        [pair("pending", "completed")]
    );
    assert!(app.history_of(&alice, &before[1]).await.is_empty());
    assert_eq!(
        app.history_of(&alice, &before[2]).await,
        [pair("in_progress", "completed")]
    );

    let archived = app
        .patch_as(
            &alice,
            BULK,
            &json!({ "ids": ids, "set": { "status": "archived" } }),
        )
        .await;
    archived.assert_status(200);
    for todo in &before {
        let now = reload(&app, &alice, todo).await;
        assert_eq!(
            now["completed_at"],
            Value::Null,
            "leaving completed clears it"
        );
        assert_eq!(now["version"], 3);
        assert_eq!(
            app.history_of(&alice, todo).await.last(),
            Some(&pair("completed", "archived"))
        );
    }
}

#[actix_web::test]
async fn a_bulk_update_sets_priority_category_and_due_date_and_null_clears_them() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "Work").await;
    let before = todos(&app, &alice, 2).await;
    let ids = TestApp::ids_of(&before);

    let set = json!({
        "ids": ids,
        "set": { "priority": "urgent", "category_id": work["id"], "due_date": "2040-01-02T03:04:05Z" },
    });
    let res = app.patch_as(&alice, BULK, &set).await;

    assert_eq!(res.json(), json!({ "updated": 2 }));
    for todo in &before {
        let now = reload(&app, &alice, todo).await;
        assert_eq!(now["priority"], "urgent");
        assert_eq!(now["category"]["name"], "Work");
        assert_eq!(now["due_date"], "2040-01-02T03:04:05Z");
        assert_eq!(now["title"], todo["title"], "fields not named are kept");
        assert_eq!(now["status"], "pending");
        assert_eq!(now["version"], 2);
    }
    let clear = json!({ "ids": ids, "set": { "category_id": null, "due_date": null } });
    app.patch_as(&alice, BULK, &clear).await.assert_status(200);
    for todo in &before {
        let now = reload(&app, &alice, todo).await;
        assert_eq!(now["category"], Value::Null);
        assert_eq!(now["due_date"], Value::Null);
        assert_eq!(now["priority"], "urgent");
        assert_eq!(now["version"], 3);
    }
}

#[actix_web::test]
async fn a_bulk_update_adds_and_removes_tags_creating_unknown_names_once() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let items = [json!(["a", "b"]), json!(["b"]), json!([])]
        .map(|tags| json!({ "title": "t", "tags": tags }));
    let before = app.bulk_create(&alice, &items).await;

    let res = app
        .patch_as(
            &alice,
            BULK,
            &json!({
                "ids": TestApp::ids_of(&before),
                "add_tags": ["A", "c"],
                "remove_tags": ["b", "never-made"],
            }),
        )
        .await;

    assert_eq!(res.json(), json!({ "updated": 3 }));
    for todo in &before {
        let now = reload(&app, &alice, todo).await;
        assert_eq!(TestApp::tag_names(&now), ["a", "c"], "{now}");
        assert_eq!(now["version"], 2, "a change of tags is a change");
    }
    assert_eq!(
        tag_counts(&app, &alice).await,
        [
            ("a".to_owned(), 3),
            ("b".to_owned(), 0),
            ("c".to_owned(), 3)
        ],
        "`A` is `a`; `c` was created once; unknown names to remove are ignored"
    );
}

#[actix_web::test]
async fn bulk_delete_soft_deletes_and_bulk_restore_brings_the_todos_back() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let before = todos(&app, &alice, 4).await;
    let three = TestApp::ids_of(&before[..3]);

    let res = app
        .post_as(&alice, BULK_DELETE, &json!({ "ids": three }))
        .await;

    res.assert_status(200);
    assert_eq!(res.json(), json!({ "deleted": 3 }));
    assert_eq!(total(&app, &alice, "").await, 1);
    assert_eq!(total(&app, &alice, "only_deleted=true").await, 3);
    let deleted = reload(&app, &alice, &before[0]).await;
    assert!(deleted["deleted_at"].is_string());
    assert_eq!(deleted["version"], 2);

    let all = TestApp::ids_of(&before);
    let res = app
        .post_as(&alice, BULK_RESTORE, &json!({ "ids": all }))
        .await;

    res.assert_status(200);
    assert_eq!(
        res.json(),
        json!({ "restored": 3 }),
        "the live todo is not counted"
    );
    assert_eq!(total(&app, &alice, "").await, 4);
    let restored = reload(&app, &alice, &before[0]).await;
    assert_eq!(restored["deleted_at"], Value::Null);
    assert_eq!(restored["version"], 3);
    assert_eq!(
        reload(&app, &alice, &before[3]).await,
        before[3],
        "a live todo is left as it is"
    );
}

#[actix_web::test]
async fn a_permanent_bulk_delete_removes_live_and_deleted_todos_with_links_and_history() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let items = vec![json!({ "title": "t", "tags": ["x"] }); 3];
    let before = app.bulk_create(&alice, &items).await;
    let ids = TestApp::ids_of(&before);
    app.post_as(
        &alice,
        &format!("{}/complete", TestApp::todo_path(&before[0])),
        &json!({}),
    )
    .await
    .assert_status(200);
    app.delete_as(&alice, &TestApp::todo_path(&before[1]))
        .await
        .assert_status(204);

    let res = app
        .post_as(
            &alice,
            BULK_DELETE,
            &json!({ "ids": ids, "permanent": true }),
        )
        .await;

    res.assert_status(200);
    assert_eq!(res.json(), json!({ "deleted": 3 }));
    for todo in &before {
        app.get_as(&alice, &TestApp::todo_path(todo))
            .await
            .assert_problem(404, "not_found");
    }
    assert_eq!(total(&app, &alice, "include_deleted=true").await, 0);
    assert_eq!(tag_counts(&app, &alice).await, [("x".to_owned(), 0)]);
    let history = entity::todo_history::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(history, 0, "the history went with the todos");
    let links = entity::todo_tag::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(links, 0, "the links went with the todos");
}

#[actix_web::test]
async fn every_bulk_operation_writes_one_audit_row_with_its_counts() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let alice = app.signup("alice").await;
    let items = vec![json!({ "title": "t", "tags": ["x", "y"] }); 3];
    let created = app.bulk_create(&alice, &items).await;
    let ids = TestApp::ids_of(&created);
    let two = TestApp::ids_of(&created[..2]);
    app.patch_as(
        &alice,
        BULK,
        &json!({ "ids": ids, "set": { "status": "completed" }, "add_tags": ["z"] }),
    )
    .await
    .assert_status(200);
    app.post_as(&alice, BULK_DELETE, &json!({ "ids": two }))
        .await
        .assert_status(200);
    app.post_as(&alice, BULK_RESTORE, &json!({ "ids": two }))
        .await
        .assert_status(200);
    // A failed bulk writes nothing, its audit row included.
    app.post_as(
        &alice,
        BULK_DELETE,
        &json!({ "ids": [uuid::Uuid::now_v7()] }),
    )
    .await
    .assert_problem(404, "not_found");

    let log = app
        .get_as(
            &admin,
            &format!("/api/v1/admin/audit-logs?user_id={}&size=100", alice.id),
        )
        .await
        .json();

    let rows: Vec<&Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["action"].as_str().unwrap().starts_with("todo."))
        .collect();
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "todo.bulk_restore",
            "todo.bulk_delete",
            "todo.bulk_update",
            "todo.bulk_create"
        ],
        "one row per operation, newest first"
    );
    for row in &rows {
        assert_eq!(row["user_id"], alice.id.to_string());
        assert_eq!(row["entity_type"], "todo");
        assert_eq!(row["success"], true);
        assert_eq!(row["ip_address"], "127.0.0.1");
    }
    assert_eq!(rows[3]["details"]["count"], 3);
    assert_eq!(rows[3]["details"]["tags"], 2);
    assert_eq!(rows[3]["details"]["links"], 6);
    assert_eq!(rows[2]["details"]["count"], 3);
    assert_eq!(rows[2]["details"]["status_changes"], 3);
    assert_eq!(rows[2]["details"]["tags_added"], 1);
    assert_eq!(
        rows[1]["details"],
        json!({ "count": 2, "permanent": false })
    );
    assert_eq!(rows[0]["details"], json!({ "count": 2, "restored": 2 }));
}

#[actix_web::test]
async fn bulk_writes_cost_the_same_few_statements_for_10_or_500_todos() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let mut costs = Vec::new();
    for n in [10, 500] {
        let ids = TestApp::ids_of(&todos(&app, &alice, n).await);
        let mut cost = Vec::new();
        for (method, path, body) in [
            (
                Method::PATCH,
                BULK,
                json!({
                    "ids": ids,
                    "set": { "status": "completed", "priority": "high" },
                    "add_tags": ["new", format!("size-{n}")],
                    "remove_tags": ["old"],
                }),
            ),
            (Method::POST, BULK_DELETE, json!({ "ids": ids })),
            (Method::POST, BULK_RESTORE, json!({ "ids": ids })),
            (
                Method::POST,
                BULK_DELETE,
                json!({ "ids": ids, "permanent": true }),
            ),
        ] {
            let res = app
                .call_as(method.clone(), path, &alice.token, Some(&body))
                .await;
            res.assert_status(200);
            cost.push((format!("{method} {path}"), res.statements()));
        }
        costs.push(cost);
    }

    eprintln!("bulk statement counts: {:?}", costs[1]);
    assert_eq!(costs[0], costs[1], "the count does not grow with the todos");
    // The bulk update is the dearest: 12 with the raise of the caller's
    // write sequence and the delta-sync stamps of the todos and the new
    // tag, one more on MySQL, which has no RETURNING and reads its rows back,
    // and one more where rows are locked (not SQLite) for `user_state`.
    let most = 12
        + u64::from(tests::Engine::current() == tests::Engine::MySql)
        + u64::from(tests::Engine::current() != tests::Engine::Sqlite);
    for (route, statements) in &costs[1] {
        assert!(*statements <= most, "{route}: {statements} statements");
    }
}
