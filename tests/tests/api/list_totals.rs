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

/// The caller's write sequence now.
async fn seq(app: &TestApp, user: &TestUser) -> i64 {
    service::write_seq::current(app.db(), user.id)
        .await
        .expect("read the write sequence")
}

#[actix_web::test]
async fn every_write_of_the_users_data_raises_their_write_sequence_by_one() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    assert_eq!(seq(&app, &alice).await, 0, "a new account");

    let todo = app.todo_titled(&alice, "first").await;
    assert_eq!(seq(&app, &alice).await, 1, "create");
    let path = TestApp::todo_path(&todo);
    app.patch_as(&alice, &path, &json!({ "title": "second" }))
        .await
        .assert_status(200);
    assert_eq!(seq(&app, &alice).await, 2, "update");
    let category = app.create_category(&alice, "work").await;
    assert_eq!(seq(&app, &alice).await, 3, "category create");
    let category_path = format!("/api/v1/categories/{}", category["id"].as_str().unwrap());
    app.patch_as(&alice, &category_path, &json!({ "name": "Work" }))
        .await
        .assert_status(200);
    assert_eq!(seq(&app, &alice).await, 4, "category rename");
    app.create_tag(&alice, "home").await;
    assert_eq!(seq(&app, &alice).await, 5, "tag create");
    let items = json!({ "items": [{ "title": "b1" }, { "title": "b2" }] });
    app.post_as(&alice, BULK, &items).await.assert_status(201);
    assert_eq!(seq(&app, &alice).await, 6, "bulk create: one transaction");
    let prefs = json!({ "preferences": { "default_page_size": 5 } });
    app.patch_as(&alice, "/api/v1/users/me", &prefs)
        .await
        .assert_status(200);
    assert_eq!(seq(&app, &alice).await, 7, "profile");

    app.list_todos(&alice, "").await.assert_status(200);
    app.get_as(&alice, &path).await.assert_status(200);
    assert_eq!(seq(&app, &alice).await, 7, "reads leave it");
    assert_eq!(seq(&app, &bob).await, 0, "bob's is his own");
}

#[actix_web::test]
async fn a_user_without_a_write_sequence_row_writes_all_the_same() {
    use sea_orm::EntityTrait;
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    // As for an account inserted by hand: no row.
    entity::user_state::Entity::delete_by_id(alice.id)
        .exec(app.db())
        .await
        .expect("delete the row");
    assert_eq!(seq(&app, &alice).await, 0, "a missing row reads as 0");
    assert_eq!(app.list_todos(&alice, "").await.json()["total"], 0);

    app.todo_titled(&alice, "first").await;

    assert_eq!(seq(&app, &alice).await, 1, "the write made the row");
    assert_eq!(app.list_todos(&alice, "").await.json()["total"], 1);
}

#[actix_web::test]
async fn a_total_is_not_served_once_another_server_wrote() {
    let app =
        TestApp::spawn_with(|config| config.list_totals_ttl = Duration::from_secs(3600)).await;
    let alice = app.signup("alice").await;
    app.todo_titled(&alice, "here").await;
    let counted = app.list_todos(&alice, "").await;
    let remembered = app.list_todos(&alice, "").await;
    assert_eq!(remembered.json()["total"], 1);
    assert_eq!(remembered.statements(), counted.statements() - 1);

    // Another server's memory: this one is not told, the sequence tells.
    let elsewhere = service::todos::ListTotals::new(Duration::from_secs(60), 10);
    let new = service::todos::NewTodo {
        title: "elsewhere".to_owned(),
        ..Default::default()
    };
    service::todos::create(app.db(), &elsewhere, alice.id, new)
        .await
        .unwrap();

    let after = app.list_todos(&alice, "").await;
    assert_eq!(after.json()["total"], 2, "counted again at once");
    assert_eq!(
        after.statements(),
        counted.statements(),
        "the page told that the total no longer held"
    );
    let again = app.list_todos(&alice, "").await;
    assert_eq!(again.json()["total"], 2);
    assert_eq!(
        again.statements(),
        remembered.statements(),
        "remembered anew"
    );
}
