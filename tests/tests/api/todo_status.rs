//! Status changes (by PATCH, complete, reopen) with `completed_at` and the
//! history they append, and the life of a soft-deleted todo.

use serde_json::{Value, json};
use tests::TestApp;

fn time(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a timestamp")).expect("RFC 3339")
}

#[actix_web::test]
async fn a_status_change_by_patch_sets_completed_at_and_appends_history() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todo = app.todo_titled(&alice, "t").await;
    let path = TestApp::todo_path(&todo);

    let done = app
        .patch_as(&alice, &path, &json!({ "status": "completed" }))
        .await
        .json();
    assert!(done["completed_at"].is_string());
    assert_eq!(done["version"], 2);
    let same = app
        .patch_as(
            &alice,
            &path,
            &json!({ "status": "completed", "priority": "low" }),
        )
        .await
        .json();
    assert_eq!(
        same["completed_at"], done["completed_at"],
        "kept while completed"
    );
    let archived = app
        .patch_as(&alice, &path, &json!({ "status": "archived" }))
        .await
        .json();
    assert_eq!(archived["completed_at"], Value::Null);

    assert_eq!(
        app.history_of(&alice, &todo).await,
        [
            ("pending".to_owned(), "completed".to_owned()),
            ("completed".to_owned(), "archived".to_owned()),
        ]
    );
}

#[actix_web::test]
async fn completing_reopening_and_completing_again_leaves_three_history_rows_in_order() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todo = app.todo_titled(&alice, "t").await;
    let path = TestApp::todo_path(&todo);

    let first = app
        .post_as(&alice, &format!("{path}/complete"), &json!({}))
        .await;
    first.assert_status(200);
    let first = first.json();
    assert_eq!(first["status"], "completed");
    assert!(first["completed_at"].is_string());
    let reopened = app
        .post_as(&alice, &format!("{path}/reopen"), &json!({}))
        .await
        .json();
    assert_eq!(reopened["status"], "pending");
    assert_eq!(reopened["completed_at"], Value::Null);
    let again = app
        .post_as(&alice, &format!("{path}/complete"), &json!({}))
        .await
        .json();
    assert_eq!(again["status"], "completed");
    assert!(time(&again["completed_at"]) >= time(&first["completed_at"]));
    assert_eq!(again["version"], 4);

    let res = app.get_as(&alice, &format!("{path}/history")).await;
    let rows = res.json();
    assert_eq!(
        app.history_of(&alice, &todo).await,
        [
            ("pending".to_owned(), "completed".to_owned()),
            ("completed".to_owned(), "pending".to_owned()),
            ("pending".to_owned(), "completed".to_owned()),
        ]
    );
    let times: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|h| time(&h["changed_at"]))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "oldest first: {times:?}"
    );
    assert_eq!(times[2], time(&again["completed_at"]));
}

#[actix_web::test]
async fn completing_a_completed_todo_changes_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todo = app
        .create_todo(&alice, &json!({ "title": "t", "status": "in_progress" }))
        .await;
    let path = TestApp::todo_path(&todo);
    let done = app
        .post_as(&alice, &format!("{path}/complete"), &json!({}))
        .await
        .json();

    let again = app
        .post_as(&alice, &format!("{path}/complete"), &json!({}))
        .await;

    again.assert_status(200);
    assert_eq!(again.json(), done);
    let open = app
        .post_as(&alice, &format!("{path}/reopen"), &json!({}))
        .await
        .json();
    let open_again = app
        .post_as(&alice, &format!("{path}/reopen"), &json!({}))
        .await
        .json();
    assert_eq!(open_again, open, "reopening an open todo changes nothing");
    assert_eq!(app.history_of(&alice, &todo).await.len(), 2);
}

#[actix_web::test]
async fn a_soft_deleted_todo_can_be_read_restored_or_purged_but_not_changed() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todo = app.todo_titled(&alice, "t").await;
    let path = TestApp::todo_path(&todo);

    app.delete_as(&alice, &path).await.assert_status(204);

    let deleted = app.get_as(&alice, &path).await;
    deleted.assert_status(200);
    let deleted = deleted.json();
    assert!(deleted["deleted_at"].is_string());
    assert_eq!(deleted["version"], 2, "a soft delete is a change");
    app.patch_as(&alice, &path, &json!({ "title": "x" }))
        .await
        .assert_problem(409, "conflict");
    for action in ["complete", "reopen"] {
        app.post_as(&alice, &format!("{path}/{action}"), &json!({}))
            .await
            .assert_problem(409, "conflict");
    }
    app.delete_as(&alice, &path)
        .await
        .assert_problem(409, "conflict");
    assert_eq!(app.list_todos(&alice, "").await.json()["total"], 0);

    let restored = app
        .post_as(&alice, &format!("{path}/restore"), &json!({}))
        .await;
    restored.assert_status(200);
    let restored = restored.json();
    assert_eq!(restored["deleted_at"], Value::Null);
    assert_eq!(restored["version"], 3);
    let again = app
        .post_as(&alice, &format!("{path}/restore"), &json!({}))
        .await
        .json();
    assert_eq!(again, restored, "restoring a live todo changes nothing");

    app.delete_as(&alice, &path).await.assert_status(204);
    app.delete_as(&alice, &format!("{path}?permanent=true"))
        .await
        .assert_status(204);
    app.get_as(&alice, &path)
        .await
        .assert_problem(404, "not_found");
    app.get_as(&alice, &format!("{path}/history"))
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_live_todo_can_be_deleted_permanently() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todo = app
        .create_todo(&alice, &json!({ "title": "t", "tags": ["x"] }))
        .await;

    app.delete_as(
        &alice,
        &format!("{}?permanent=true", TestApp::todo_path(&todo)),
    )
    .await
    .assert_status(204);

    app.get_as(&alice, &TestApp::todo_path(&todo))
        .await
        .assert_problem(404, "not_found");
    let tags = app.get_as(&alice, "/api/v1/tags").await.json();
    assert_eq!(tags["items"][0]["todo_count"], 0, "the tag stays, unlinked");
}
