//! Delta sync (`GET /sync`): what changed after a point, each record once,
//! in commit order; paging, retention, and what a write counts as.

mod concurrent;

use std::collections::HashSet;

use actix_web::http::Method;
use entity::sync_deletion;
use sea_orm::EntityTrait;
use sea_orm::sea_query::Expr;
use serde_json::{Value, json};
use tests::{TestApp, TestUser};

const SYNC: &str = "/api/v1/sync";

/// `GET /sync` as `user` from `since` (none: everything), `size` records at most.
pub(crate) async fn sync(app: &TestApp, user: &TestUser, since: Option<&str>, size: u64) -> Value {
    let since = since.map_or(String::new(), |s| format!("&since={s}"));
    let res = app
        .get_as(user, &format!("{SYNC}?size={size}{since}"))
        .await;
    res.assert_status(200);
    res.json()
}

/// Every answer from `since` until one without `has_more`.
pub(crate) async fn sync_all(
    app: &TestApp,
    user: &TestUser,
    since: Option<&str>,
    size: u64,
) -> (Vec<Value>, String) {
    let mut answers = Vec::new();
    let mut since = since.map(str::to_owned);
    loop {
        let answer = sync(app, user, since.as_deref(), size).await;
        since = Some(answer["next_since"].as_str().unwrap().to_owned());
        let more = answer["has_more"] == json!(true);
        answers.push(answer);
        if !more {
            return (answers, since.unwrap());
        }
    }
}

/// The ids of `kind`'s (`todos`, `categories`, `tags`) `field` (`changed`
/// records' ids or `deleted_ids`) in `answer`.
fn ids(answer: &Value, kind: &str, field: &str) -> Vec<String> {
    answer[kind][field]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            if field == "changed" { &v["id"] } else { v }
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn id_of(record: &Value) -> String {
    record["id"].as_str().unwrap().to_owned()
}

/// The changes of `answer` as `(kind, field, id)`, for comparing whole answers.
fn summary(answer: &Value) -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    for kind in ["todos", "categories", "tags"] {
        for field in ["changed", "deleted_ids"] {
            for id in ids(answer, kind, field) {
                all.push((kind.to_owned(), field.to_owned(), id));
            }
        }
    }
    all.sort();
    all
}

fn triple(kind: &str, field: &str, id: &str) -> (String, String, String) {
    (kind.to_owned(), field.to_owned(), id.to_owned())
}

#[actix_web::test]
async fn the_first_sync_answers_everything_as_the_other_routes_render_it() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "Work").await;
    let home = app.create_tag(&alice, "home").await;
    let todo = app
        .create_todo(
            &alice,
            &json!({ "title": "a", "category_id": work["id"], "tags": ["home", "new"] }),
        )
        .await;
    app.todo_titled(&alice, "b").await;

    let answer = sync(&app, &alice, None, 500).await;

    assert_eq!(answer["has_more"], false);
    assert_eq!(ids(&answer, "todos", "changed").len(), 2);
    assert_eq!(ids(&answer, "categories", "changed"), vec![id_of(&work)]);
    assert_eq!(ids(&answer, "tags", "changed").len(), 2, "home and new");
    let read = app.get_as(&alice, &TestApp::todo_path(&todo)).await.json();
    assert_eq!(
        answer["todos"]["changed"][0], read,
        "rendered as GET /todos/{{id}}"
    );
    let category = app
        .get_as(&alice, &format!("/api/v1/categories/{}", id_of(&work)))
        .await
        .json();
    assert_eq!(answer["categories"]["changed"][0], category);
    assert_eq!(answer["tags"]["changed"][0]["id"], home["id"]);
    assert_eq!(answer["tags"]["changed"][0]["todo_count"], 1);
    // Nothing since: an empty answer, and the same point again.
    let since = answer["next_since"].as_str().unwrap();
    let again = sync(&app, &alice, Some(since), 500).await;
    assert!(summary(&again).is_empty(), "{again}");
    assert_eq!(again["next_since"], since);
}

#[actix_web::test]
async fn each_change_appears_once_in_its_kind_and_a_rename_only_as_the_label() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let work = app.create_category(&alice, "Work").await;
    let a = app
        .create_todo(
            &alice,
            &json!({ "title": "a", "category_id": work["id"], "tags": ["x"] }),
        )
        .await;
    let b = app.todo_titled(&alice, "b").await;
    let (_, since) = sync_all(&app, &alice, None, 500).await;

    let path = TestApp::todo_path(&a);
    app.patch_as(&alice, &path, &json!({ "title": "a2" }))
        .await
        .assert_status(200);
    app.patch_as(&alice, &path, &json!({ "priority": "high" }))
        .await
        .assert_status(200);
    let tag = app.create_tag(&alice, "y").await;
    let tag_path = format!("/api/v1/tags/{}", id_of(&tag));
    app.patch_as(&alice, &tag_path, &json!({ "name": "z" }))
        .await
        .assert_status(200);
    let category_path = format!("/api/v1/categories/{}", id_of(&work));
    app.patch_as(&alice, &category_path, &json!({ "name": "Job" }))
        .await
        .assert_status(200);
    // The tag set of b changes: b changes.
    app.patch_as(&alice, &TestApp::todo_path(&b), &json!({ "tags": ["x"] }))
        .await
        .assert_status(200);

    let (answers, _) = sync_all(&app, &alice, Some(&since), 500).await;
    let answer = &answers[0];
    assert_eq!(
        summary(answer),
        {
            let mut all = vec![
                triple("todos", "changed", &id_of(&a)),
                triple("todos", "changed", &id_of(&b)),
                triple("tags", "changed", &id_of(&tag)),
                triple("categories", "changed", &id_of(&work)),
            ];
            all.sort();
            all
        },
        "each once; the renames are not changes of the todos showing them"
    );
    assert_eq!(answer["todos"]["changed"][0]["title"], "a2", "oldest first");
    assert_eq!(
        answer["todos"]["changed"][0]["priority"], "high",
        "as it is now"
    );
    assert_eq!(answer["tags"]["changed"][0]["name"], "z");
    assert_eq!(answer["categories"]["changed"][0]["name"], "Job");
}

#[actix_web::test]
async fn a_soft_delete_and_a_restore_are_changes_a_permanent_delete_a_deleted_id() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todos = app
        .bulk_create(
            &alice,
            &(0..6)
                .map(|i| json!({ "title": format!("t{i}"), "tags": ["old"] }))
                .collect::<Vec<_>>(),
        )
        .await;
    let id = |i: usize| id_of(&todos[i]);
    let path = |i: usize| TestApp::todo_path(&todos[i]);
    let category = app.create_category(&alice, "Work").await;
    app.patch_as(&alice, &path(5), &json!({ "category_id": category["id"] }))
        .await
        .assert_status(200);
    let source = app.create_tag(&alice, "source").await;
    app.patch_as(&alice, &path(4), &json!({ "tags": ["source"] }))
        .await
        .assert_status(200);
    let target = app.create_tag(&alice, "target").await;
    let (_, since) = sync_all(&app, &alice, None, 500).await;

    app.delete_as(&alice, &path(0)).await.assert_status(204);
    let soft = sync(&app, &alice, Some(&since), 500).await;
    assert_eq!(ids(&soft, "todos", "changed"), vec![id(0)]);
    assert!(soft["todos"]["changed"][0]["deleted_at"].is_string());

    app.delete_as(&alice, &format!("{}?permanent=true", path(1)))
        .await
        .assert_status(204);
    app.post_as(
        &alice,
        "/api/v1/todos/bulk-delete",
        &json!({ "ids": [id(2), id(3)], "permanent": true }),
    )
    .await
    .assert_status(200);
    app.post_as(
        &alice,
        "/api/v1/tags/merge",
        &json!({ "source_ids": [source["id"]], "target_id": target["id"] }),
    )
    .await
    .assert_status(200);
    app.delete_as(&alice, &format!("/api/v1/categories/{}", id_of(&category)))
        .await
        .assert_status(204);
    let since = soft["next_since"].as_str().unwrap();
    let (answers, _) = sync_all(&app, &alice, Some(since), 500).await;
    let answer = &answers[0];

    let mut gone = ids(answer, "todos", "deleted_ids");
    gone.sort();
    assert_eq!(gone, vec![id(1), id(2), id(3)], "direct and bulk");
    assert_eq!(ids(answer, "tags", "deleted_ids"), vec![id_of(&source)]);
    assert_eq!(
        ids(answer, "categories", "deleted_ids"),
        vec![id_of(&category)]
    );
    let changed = ids(answer, "todos", "changed");
    assert_eq!(
        changed,
        vec![id(4), id(5)],
        "retagged by the merge, detached"
    );
    assert!(answer["todos"]["changed"][1]["category"].is_null());
    assert_eq!(answer["todos"]["changed"][0]["tags"][0]["name"], "target");
}

#[actix_web::test]
async fn small_pages_cover_a_big_bulk_exactly_once_and_end_where_they_said() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let items: Vec<Value> = (0..50)
        .map(|i| json!({ "title": format!("t{i}"), "tags": [format!("g{}", i % 3)] }))
        .collect();
    let made = app.bulk_create(&alice, &items).await;

    let (answers, since) = sync_all(&app, &alice, None, 7).await;

    assert_eq!(answers.len(), 8, "53 records, 7 at a time");
    let mut seen = HashSet::new();
    for answer in &answers {
        assert!(summary(answer).len() <= 7);
        for record in summary(answer) {
            assert!(seen.insert(record.clone()), "{record:?} twice");
        }
    }
    let todos: HashSet<String> = made.iter().map(id_of).collect();
    let synced: HashSet<String> = seen
        .iter()
        .filter(|(kind, _, _)| kind == "todos")
        .map(|(_, _, id)| id.clone())
        .collect();
    assert_eq!(synced, todos);
    assert_eq!(seen.len(), 53, "the todos and their three tags");
    // A later change, and only it, follows the last point.
    app.todo_titled(&alice, "later").await;
    let later = sync(&app, &alice, Some(&since), 7).await;
    assert_eq!(ids(&later, "todos", "changed").len(), 1);
    assert_eq!(summary(&later).len(), 1);
}

#[actix_web::test]
async fn a_bad_since_is_400_a_forgotten_one_410_and_others_changes_never_show() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    app.todo_titled(&bob, "bob's").await;
    app.create_tag(&bob, "bob's").await;
    for bad in ["nonsense", "MS4tMQ", "Mi41"] {
        app.get_as(&alice, &format!("{SYNC}?since={bad}"))
            .await
            .assert_problem(400, "bad_request");
    }
    app.get_as(&alice, &format!("{SYNC}?size=1001"))
        .await
        .assert_problem(422, "validation_error");
    let (answers, old) = sync_all(&app, &alice, None, 500).await;
    assert!(
        summary(&answers[0]).is_empty(),
        "bob's records are not alice's"
    );

    let todo = app.todo_titled(&alice, "doomed").await;
    app.delete_as(
        &alice,
        &format!("{}?permanent=true", TestApp::todo_path(&todo)),
    )
    .await
    .assert_status(204);
    let (_, recent) = sync_all(&app, &alice, Some(&old), 500).await;
    // The deletion record ages past its retention; housekeeping drops it.
    let aged = service::clock::now() - chrono::TimeDelta::days(31);
    sync_deletion::Entity::update_many()
        .col_expr(sync_deletion::Column::DeletedAt, Expr::value(aged))
        .exec(app.db())
        .await
        .expect("age the record");
    api::jobs::housekeeping(app.db())
        .await
        .expect("housekeeping");

    app.get_as(&alice, &format!("{SYNC}?since={old}"))
        .await
        .assert_problem(410, "gone");
    let fresh = sync(&app, &alice, Some(&recent), 500).await;
    assert!(
        summary(&fresh).is_empty(),
        "a point after the dropped record holds"
    );
    let everything = sync(&app, &alice, None, 500).await;
    assert!(
        summary(&everything).is_empty(),
        "and a full sync still works"
    );
}

#[actix_web::test]
async fn a_sync_answer_costs_a_fixed_few_statements_and_takes_a_read_key() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let items: Vec<Value> = (0..20)
        .map(|i| json!({ "title": format!("t{i}"), "tags": ["a", "b"] }))
        .collect();
    app.create_category(&alice, "Work").await;
    let made = app.bulk_create(&alice, &items).await;
    app.post_as(
        &alice,
        "/api/v1/todos/bulk-delete",
        &json!({ "ids": [made[0]["id"]], "permanent": true }),
    )
    .await
    .assert_status(200);

    let full = app.get_as(&alice, SYNC).await;
    full.assert_status(200);
    // The numbers and the deletion records, then per table the rows and
    // what they show (labels' todo counts, todos' tags).
    assert_eq!(full.statements(), 7);
    let since = full.json()["next_since"].as_str().unwrap().to_owned();
    let nothing = app.get_as(&alice, &format!("{SYNC}?since={since}")).await;
    assert_eq!(
        nothing.statements(),
        4,
        "no rows: nothing to load with them"
    );

    let key = app
        .post_as(
            &alice,
            "/api/v1/api-keys",
            &json!({ "name": "sync", "scopes": ["read"] }),
        )
        .await
        .json()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let req = app
        .request(Method::GET, SYNC)
        .insert_header(("X-API-Key", key));
    app.send(req, None).await.assert_status(200);
}
