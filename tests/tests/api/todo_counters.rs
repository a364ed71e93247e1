//! The counters of `user_state` (live todos by status, soft-deleted ones)
//! against `COUNT(*)` after a storm of concurrent writes through every
//! route that adds, moves or removes a todo; and the list's `total`, which
//! reads them, against the rows.

use std::time::{Duration, Instant};

use entity::{todo, user_state};
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tests::{TestApp, TestUser};
use uuid::Uuid;

const CLIENTS: u64 = 8;
const RUN_FOR: Duration = Duration::from_secs(8);
const STATUSES: [&str; 4] = ["pending", "in_progress", "completed", "archived"];

/// The counters of `user` as the database holds them, and as `COUNT(*)`
/// finds them: `[pending, in_progress, completed, archived, deleted]`.
async fn counters(app: &TestApp, user: Uuid) -> ([i64; 5], [i64; 5]) {
    let state = user_state::Entity::find_by_id(user)
        .one(app.db())
        .await
        .unwrap()
        .expect("the user's state row");
    let kept = [
        state.todos_pending,
        state.todos_in_progress,
        state.todos_completed,
        state.todos_archived,
        state.todos_deleted,
    ];
    let mut counted = [0i64; 5];
    for (i, status) in [
        todo::TodoStatus::Pending,
        todo::TodoStatus::InProgress,
        todo::TodoStatus::Completed,
        todo::TodoStatus::Archived,
    ]
    .into_iter()
    .enumerate()
    {
        let live = todo::Entity::find()
            .filter(todo::Column::UserId.eq(user))
            .filter(todo::Column::Status.eq(status))
            .filter(todo::Column::DeletedAt.is_null())
            .count(app.db())
            .await
            .unwrap();
        counted[i] = i64::try_from(live).unwrap();
    }
    let deleted = todo::Entity::find()
        .filter(todo::Column::UserId.eq(user))
        .filter(todo::Column::DeletedAt.is_not_null())
        .count(app.db())
        .await
        .unwrap();
    counted[4] = i64::try_from(deleted).unwrap();
    (kept, counted)
}

/// One client: random writes of every kind that moves a todo between
/// buckets. Answers the server errors it met.
async fn storm(app: &TestApp, user: &TestUser, seed: u64) -> Vec<String> {
    let mut rng = seed;
    let mut next = move |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        usize::try_from(rng % n as u64).unwrap()
    };
    let mut ids: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    let deadline = Instant::now() + RUN_FOR;
    while Instant::now() < deadline {
        let status = STATUSES[next(4)];
        let pick = |ids: &[String], at: usize| ids.get(at % ids.len().max(1)).cloned();
        let some: Vec<String> = (0..3).filter_map(|_| pick(&ids, next(1000))).collect();
        let answer = match (next(10), pick(&ids, next(1000))) {
            (0 | 1, _) | (_, None) => {
                let made = app
                    .post_as(
                        user,
                        "/api/v1/todos",
                        &json!({"title": "storm", "status": status}),
                    )
                    .await;
                if made.status == 201 {
                    ids.push(made.json()["id"].as_str().unwrap().to_owned());
                }
                made
            }
            (2, _) => {
                let items: Vec<Value> = (0..5)
                    .map(|i| json!({"title": format!("bulk {i}"), "status": STATUSES[next(4)]}))
                    .collect();
                let made = app
                    .post_as(user, "/api/v1/todos/bulk", &json!({ "items": items }))
                    .await;
                if made.status == 201 {
                    for item in made.json()["items"].as_array().unwrap() {
                        ids.push(item["id"].as_str().unwrap().to_owned());
                    }
                }
                made
            }
            (3, Some(id)) => {
                app.patch_as(
                    user,
                    &format!("/api/v1/todos/{id}"),
                    &json!({ "status": status }),
                )
                .await
            }
            (4, Some(id)) => {
                let verb = if next(2) == 0 { "complete" } else { "reopen" };
                app.post_as(user, &format!("/api/v1/todos/{id}/{verb}"), &json!({}))
                    .await
            }
            (5, Some(id)) => {
                let permanent = if next(4) == 0 { "?permanent=true" } else { "" };
                app.delete_as(user, &format!("/api/v1/todos/{id}{permanent}"))
                    .await
            }
            (6, Some(id)) => {
                app.post_as(user, &format!("/api/v1/todos/{id}/restore"), &json!({}))
                    .await
            }
            (7, _) => {
                app.patch_as(
                    user,
                    "/api/v1/todos/bulk",
                    &json!({ "ids": some, "set": { "status": status } }),
                )
                .await
            }
            (8, _) => {
                app.post_as(
                    user,
                    "/api/v1/todos/bulk-delete",
                    &json!({ "ids": some, "permanent": next(3) == 0 }),
                )
                .await
            }
            _ => {
                app.post_as(user, "/api/v1/todos/bulk-restore", &json!({ "ids": some }))
                    .await
            }
        };
        if answer.status.is_server_error() {
            errors.push(answer.text());
        }
    }
    errors
}

#[actix_web::test]
async fn the_counters_equal_count_after_concurrent_writes_of_every_kind() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    app.post_as(&bob, "/api/v1/todos", &json!({"title": "bob's"}))
        .await
        .assert_status(201);

    let storms = (0..CLIENTS).map(|seed| storm(&app, &ada, seed * 7919 + 17));
    let errors: Vec<String> = join_all(storms).await.into_iter().flatten().collect();
    assert!(errors.is_empty(), "server errors: {errors:?}");

    let (kept, counted) = counters(&app, ada.id).await;
    assert_eq!(
        kept, counted,
        "[pending, in_progress, completed, archived, deleted]"
    );
    assert!(
        counted.iter().sum::<i64>() > 20,
        "the storm wrote too little: {counted:?}"
    );
    assert_eq!(counters(&app, bob.id).await.0, [1, 0, 0, 0, 0]);

    // The list's totals read them.
    let total = |query: &'static str| {
        let app = &app;
        let ada = &ada;
        async move {
            let page = app
                .get_as(ada, &format!("/api/v1/todos?size=1{query}"))
                .await;
            page.assert_status(200);
            page.json()["total"].as_i64().unwrap()
        }
    };
    let live: i64 = counted[..4].iter().sum();
    assert_eq!(total("").await, live);
    assert_eq!(total("&status=completed").await, counted[2]);
    assert_eq!(
        total("&status=pending&status=in_progress&status=pending").await,
        counted[0] + counted[1]
    );
    assert_eq!(total("&only_deleted=true").await, counted[4]);
    assert_eq!(total("&include_deleted=true").await, live + counted[4]);
    // Filters the counters cannot answer are counted, and agree.
    let walked = app
        .walk_todos(&ada, "only_deleted=true&status=archived", 100)
        .await
        .len();
    assert_eq!(
        total("&only_deleted=true&status=archived").await,
        i64::try_from(walked).unwrap()
    );
}

#[actix_web::test]
async fn a_count_of_the_counters_costs_one_statement_whatever_the_rows() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let items: Vec<Value> = (0..30).map(|i| json!({"title": format!("t{i}")})).collect();
    app.post_as(&ada, "/api/v1/todos/bulk", &json!({ "items": items }))
        .await
        .assert_status(201);
    // A first page with its total: the count, the page, the relations.
    let page = app.get_as(&ada, "/api/v1/todos?size=5").await;
    page.assert_status(200);
    assert_eq!(page.json()["total"], 30);
    let (kept, _) = counters(&app, ada.id).await;
    assert_eq!(kept, [30, 0, 0, 0, 0]);
}
