//! `GET /todos/stats`: counts by status and priority, overdue todos, and
//! completions per UTC day, over the caller's live todos only.

use chrono::{DateTime, Days, SubsecRound, Utc};
use entity::todo;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};
use tests::{TestApp, TestUser};

const STATS: &str = "/api/v1/todos/stats";

async fn stats(app: &TestApp, user: &TestUser) -> Value {
    let res = app.get_as(user, STATS).await;
    res.assert_status(200);
    res.json()
}

/// Makes `todo` completed at `when`, as if it had been completed then.
async fn complete_at(app: &TestApp, todo: &Value, when: DateTime<Utc>) {
    todo::ActiveModel {
        id: Set(todo["id"].as_str().unwrap().parse().unwrap()),
        status: Set(todo::TodoStatus::Completed),
        completed_at: Set(Some(when.fixed_offset())),
        ..Default::default()
    }
    .update(app.db())
    .await
    .expect("set completed_at");
}

/// The `(date, count)` pairs of `completed_per_day`.
fn per_day(stats: &Value) -> Vec<(String, u64)> {
    stats["completed_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_owned(),
                d["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn day(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[actix_web::test]
async fn a_user_without_todos_gets_every_key_at_zero_and_30_empty_days_ending_today() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let today = Utc::now().date_naive();

    let res = app.get_as(&alice, STATS).await;

    res.assert_status(200);
    assert!(res.statements() <= 2, "{} statements", res.statements());
    let stats = res.json();
    assert_eq!(
        stats["by_status"],
        json!({ "pending": 0, "in_progress": 0, "completed": 0, "archived": 0 })
    );
    assert_eq!(
        stats["by_priority"],
        json!({ "low": 0, "medium": 0, "high": 0, "urgent": 0 })
    );
    assert_eq!(stats["overdue"], 0);
    assert_eq!(stats["completed_last_7_days"], 0);
    let days = per_day(&stats);
    let expected: Vec<(String, u64)> = (0..30)
        .rev()
        .map(|back| (day(today - Days::new(back)), 0))
        .collect();
    assert_eq!(days, expected, "30 days, oldest first, ending today");
    app.get(STATS).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn stats_count_live_todos_by_status_priority_and_overdue_and_nobody_elses() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let past = "2020-01-01T00:00:00Z";
    let future = "2999-01-01T00:00:00Z";
    let items = [
        json!({ "title": "late", "priority": "low", "due_date": past }),
        json!({ "title": "late too", "status": "in_progress", "priority": "high", "due_date": past }),
        json!({ "title": "not yet", "priority": "urgent", "due_date": future }),
        json!({ "title": "done late", "status": "completed", "due_date": past }),
        json!({ "title": "shelved", "status": "archived", "priority": "low", "due_date": past }),
        json!({ "title": "whenever" }),
        json!({ "title": "deleted", "priority": "urgent", "due_date": past }),
    ];
    let created = app.bulk_create(&alice, &items).await;
    app.delete_as(&alice, &TestApp::todo_path(&created[6]))
        .await
        .assert_status(204);
    app.bulk_create(
        &bob,
        &[json!({ "title": "bob's", "priority": "urgent", "due_date": past })],
    )
    .await;

    let stats = stats(&app, &alice).await;

    assert_eq!(
        stats["by_status"],
        json!({ "pending": 3, "in_progress": 1, "completed": 1, "archived": 1 })
    );
    assert_eq!(
        stats["by_priority"],
        json!({ "low": 2, "medium": 2, "high": 1, "urgent": 1 })
    );
    assert_eq!(
        stats["overdue"], 2,
        "past due and pending or in progress, not deleted"
    );
    assert_eq!(stats["completed_last_7_days"], 1);
    let bobs = self::stats(&app, &bob).await;
    assert_eq!(bobs["by_status"]["pending"], 1);
    assert_eq!(bobs["overdue"], 1);
}

#[actix_web::test]
async fn completions_are_counted_per_utc_day_over_30_days_with_the_last_7_summed() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let now = Utc::now().trunc_subsecs(6);
    let today = now.date_naive();
    let created = app
        .bulk_create(&alice, &vec![json!({ "title": "t" }); 8])
        .await;
    let days_ago = |n: u64| now - Days::new(n);
    for (todo, when) in created.iter().zip([
        now,
        days_ago(1),
        days_ago(1),
        days_ago(6),
        days_ago(7),
        days_ago(29),
        days_ago(30),
        now,
    ]) {
        complete_at(&app, todo, when).await;
    }
    // Soft-deleted: out of every count.
    app.delete_as(&alice, &TestApp::todo_path(&created[7]))
        .await
        .assert_status(204);
    // Completed now through the API: today.
    app.create_todo(&alice, &json!({ "title": "now", "status": "completed" }))
        .await;
    let theirs = app.bulk_create(&bob, &[json!({ "title": "b" })]).await;
    complete_at(&app, &theirs[0], now).await;

    let res = app.get_as(&alice, STATS).await;

    res.assert_status(200);
    assert!(res.statements() <= 2, "{} statements", res.statements());
    let stats = res.json();
    let days = per_day(&stats);
    assert_eq!(days.len(), 30);
    assert_eq!(days[29].0, day(today), "ends today");
    assert_eq!(days[0].0, day(today - Days::new(29)));
    let counts: Vec<u64> = days.iter().map(|(_, n)| *n).collect();
    let mut expected = vec![0; 30];
    expected[29] = 2; // today: one set, one through the API
    expected[28] = 2; // yesterday
    expected[23] = 1; // six days ago: still in the last 7
    expected[22] = 1; // seven days ago: not
    expected[0] = 1; // 29 days ago; 30 days ago is out of the window
    assert_eq!(counts, expected, "{days:?}");
    assert_eq!(stats["completed_last_7_days"], 5);
    assert_eq!(
        stats["by_status"]["completed"], 8,
        "every live completed todo, however long ago"
    );
}
