//! Remembered list totals: every write that changes what a user's list
//! counts is seen by their next list, however long totals are remembered.

use std::time::Duration;

use serde_json::{Value, json};
use tests::{TestApp, TestResponse, TestUser};

use crate::bulk::{BULK, BULK_DELETE, BULK_RESTORE};

/// Lists `query` (so its total is remembered), runs `write`, then answers
/// the total the next list of `query` gives.
async fn total_after<F: Future<Output = TestResponse>>(
    app: &TestApp,
    user: &TestUser,
    query: &str,
    write: F,
) -> Value {
    // With an hour to live, what this list counts is remembered until a
    // write of the user forgets it (see `the_next_pages_skip_the_count_until_the_user_writes`).
    app.list_todos(user, query).await.assert_status(200);
    let answer = write.await;
    assert!(
        answer.status.is_success(),
        "{query}: the write failed: {} {}",
        answer.status,
        answer.text()
    );
    app.list_todos(user, query).await.json()["total"].clone()
}

fn ids(todos: &[Value]) -> Vec<Value> {
    todos.iter().map(|t| t["id"].clone()).collect()
}

#[actix_web::test]
async fn every_write_route_is_seen_by_the_next_list_however_long_totals_are_kept() {
    let app =
        TestApp::spawn_with(|config| config.list_totals_ttl = Duration::from_secs(3600)).await;
    let alice = app.signup("alice").await;
    let todo = app.todo_titled(&alice, "first").await;
    let path = TestApp::todo_path(&todo);
    let reopen_path = format!("{path}/reopen");
    let complete_path = format!("{path}/complete");
    let restore_path = format!("{path}/restore");
    let purge_path = format!("{path}?permanent=true");

    let (none, completed) = (json!({}), json!({ "status": "completed" }));
    let second = json!({ "title": "second" });
    let create = app.post_as(&alice, "/api/v1/todos", &second);
    assert_eq!(total_after(&app, &alice, "", create).await, 2, "create");

    let complete = app.patch_as(&alice, &path, &completed);
    let done = total_after(&app, &alice, "status=completed", complete).await;
    assert_eq!(done, 1, "update");

    let reopen = app.post_as(&alice, &reopen_path, &none);
    let done = total_after(&app, &alice, "status=completed", reopen).await;
    assert_eq!(done, 0, "reopen");

    let complete = app.post_as(&alice, &complete_path, &none);
    let done = total_after(&app, &alice, "status=completed", complete).await;
    assert_eq!(done, 1, "complete");

    let delete = app.delete_as(&alice, &path);
    assert_eq!(total_after(&app, &alice, "", delete).await, 1, "delete");

    let restore = app.post_as(&alice, &restore_path, &none);
    assert_eq!(total_after(&app, &alice, "", restore).await, 2, "restore");

    let purge = app.delete_as(&alice, &purge_path);
    let all = total_after(&app, &alice, "include_deleted=true", purge).await;
    assert_eq!(all, 1, "permanent delete");

    let items = json!({ "items": [{ "title": "b1" }, { "title": "b2" }] });
    let bulk_create = app.post_as(&alice, BULK, &items);
    assert_eq!(
        total_after(&app, &alice, "", bulk_create).await,
        3,
        "bulk create"
    );
    let bulk = app.list_todos(&alice, "search=b").await.json()["items"]
        .as_array()
        .unwrap()
        .clone();
    let bulk_ids = ids(&bulk);
    assert_eq!(bulk_ids.len(), 2);

    let set = json!({ "ids": bulk_ids, "set": { "status": "completed" } });
    let bulk_update = app.call_as(
        actix_web::http::Method::PATCH,
        BULK,
        &alice.token,
        Some(&set),
    );
    let done = total_after(&app, &alice, "status=completed", bulk_update).await;
    assert_eq!(done, 2, "bulk update");

    let named = json!({ "ids": bulk_ids });
    let bulk_delete = app.post_as(&alice, BULK_DELETE, &named);
    let live = total_after(&app, &alice, "", bulk_delete).await;
    assert_eq!(live, 1, "bulk delete");

    let bulk_restore = app.post_as(&alice, BULK_RESTORE, &named);
    let live = total_after(&app, &alice, "", bulk_restore).await;
    assert_eq!(live, 3, "bulk restore");

    let category = app.create_category(&alice, "work").await;
    let category_id = category["id"].as_str().unwrap().to_owned();
    app.create_todo(
        &alice,
        &json!({ "title": "filed", "category_id": category_id, "tags": ["a"] }),
    )
    .await;
    let category_path = format!("/api/v1/categories/{category_id}");
    let delete_category = app.delete_as(&alice, &category_path);
    let filed = total_after(
        &app,
        &alice,
        &format!("category_id={category_id}"),
        delete_category,
    )
    .await;
    assert_eq!(filed, 0, "category delete");

    let b = app.create_tag(&alice, "b").await;
    let a_id = app.list_todos(&alice, "tag=a").await.json()["items"][0]["tags"][0]["id"].clone();
    let sources = json!({ "source_ids": [a_id], "target_id": b["id"] });
    let merge = app.post_as(&alice, "/api/v1/tags/merge", &sources);
    assert_eq!(
        total_after(&app, &alice, "tag=b", merge).await,
        1,
        "tag merge"
    );

    let b_path = format!("/api/v1/tags/{}", b["id"].as_str().unwrap());
    let renamed = json!({ "name": "c" });
    let rename = app.patch_as(&alice, &b_path, &renamed);
    assert_eq!(
        total_after(&app, &alice, "tag=b", rename).await,
        0,
        "tag rename"
    );

    let delete_tag = app.delete_as(&alice, &b_path);
    let tagged = total_after(&app, &alice, "tag=c", delete_tag).await;
    assert_eq!(tagged, 0, "tag delete");
}
