//! `GET /todos` in every order: each sort key in both directions, by pages
//! and by keyset walks, and walks that others insert into meanwhile.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::{SecondsFormat, TimeDelta, Utc};
use serde_json::json;
use tests::{TestApp, TestUser};

fn days_from_now(days: i64) -> String {
    (Utc::now() + TimeDelta::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One todo of the sorting fixture, created in this order.
struct Row {
    title: &'static str,
    priority: &'static str,
    due_in_days: Option<i64>,
}

const ROWS: [Row; 9] = [
    Row {
        title: "delta",
        priority: "high",
        due_in_days: Some(3),
    },
    Row {
        title: "alpha",
        priority: "low",
        due_in_days: None,
    },
    Row {
        title: "echo",
        priority: "urgent",
        due_in_days: Some(1),
    },
    Row {
        title: "bravo",
        priority: "medium",
        due_in_days: Some(3),
    },
    Row {
        title: "charlie",
        priority: "high",
        due_in_days: None,
    },
    Row {
        title: "golf",
        priority: "low",
        due_in_days: Some(-2),
    },
    Row {
        title: "foxtrot",
        priority: "medium",
        due_in_days: Some(5),
    },
    Row {
        title: "hotel",
        priority: "urgent",
        due_in_days: None,
    },
    Row {
        title: "india",
        priority: "high",
        due_in_days: Some(1),
    },
];

/// Titles edited after all were created, in this order (for `updated_at`).
const EDITED_LAST: [&str; 2] = ["alpha", "echo"];

const SORT_KEYS: [&str; 5] = ["created_at", "updated_at", "due_date", "priority", "title"];

async fn sorting_fixture(app: &TestApp, user: &TestUser) {
    let mut ids = Vec::new();
    for row in &ROWS {
        let mut body = json!({ "title": row.title, "priority": row.priority });
        if let Some(days) = row.due_in_days {
            body["due_date"] = json!(days_from_now(days));
        }
        ids.push(app.create_todo(user, &body).await["id"].clone());
    }
    for title in EDITED_LAST {
        let index = ROWS.iter().position(|r| r.title == title).unwrap();
        app.patch_as(
            user,
            &format!("/api/v1/todos/{}", ids[index].as_str().unwrap()),
            &json!({ "description": "edited" }),
        )
        .await
        .assert_status(200);
    }
}

/// The order the API promises: by key (no key last, in either direction),
/// ties by id, which follows creation order.
fn expected_order(key: &str, descending: bool) -> Vec<String> {
    let rank = |p: &str| {
        ["low", "medium", "high", "urgent"]
            .iter()
            .position(|x| *x == p)
    };
    let key_of = |index: usize| -> Option<i64> {
        let row = &ROWS[index];
        match key {
            "created_at" => Some(index as i64),
            "updated_at" => Some(
                EDITED_LAST
                    .iter()
                    .position(|t| *t == row.title)
                    .map_or(index as i64, |p| 100 + p as i64),
            ),
            "due_date" => row.due_in_days,
            "priority" => rank(row.priority).map(|r| r as i64),
            _ => None,
        }
    };
    let mut indexes: Vec<usize> = (0..ROWS.len()).collect();
    indexes.sort_by(|&a, &b| {
        let direct = |o: Ordering| if descending { o.reverse() } else { o };
        let by_key = if key == "title" {
            direct(ROWS[a].title.cmp(ROWS[b].title))
        } else {
            match (key_of(a), key_of(b)) {
                (Some(x), Some(y)) => direct(x.cmp(&y)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        };
        by_key.then(direct(a.cmp(&b)))
    });
    indexes
        .into_iter()
        .map(|i| ROWS[i].title.to_owned())
        .collect()
}

#[actix_web::test]
async fn every_sort_key_orders_pages_and_walks_without_repeats_or_gaps() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    sorting_fixture(&app, &alice).await;

    for key in SORT_KEYS {
        for order in ["asc", "desc"] {
            let expected = expected_order(key, order == "desc");
            let query = format!("sort_by={key}&sort_order={order}");

            let mut paged = Vec::new();
            for page in 1..=5 {
                let answer = app
                    .list_todos(&alice, &format!("{query}&size=2&page={page}"))
                    .await
                    .json();
                assert_eq!(answer["total"], 9);
                paged.extend(TestApp::titles(&answer));
            }
            assert_eq!(paged, expected, "pages of {query}");

            let walked: Vec<String> = app
                .walk_todos(&alice, &query, 2)
                .await
                .iter()
                .map(|t| t["title"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(walked, expected, "walk of {query}");
        }
    }
    let default_order = app.list_todos(&alice, "sort_by=title").await.json();
    assert_eq!(
        TestApp::titles(&default_order),
        expected_order("title", true),
        "descending by default"
    );
}

#[actix_web::test]
async fn a_keyset_walk_neither_repeats_nor_skips_rows_when_others_are_inserted() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let mut existing = BTreeSet::new();
    for i in 0..20 {
        let title = format!("m{i:02}");
        app.todo_titled(&alice, &title).await;
        existing.insert(title);
    }

    for query in [
        "sort_by=created_at&sort_order=desc",
        "sort_by=created_at&sort_order=asc",
        "sort_by=title&sort_order=asc",
    ] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        let mut inserted = false;
        loop {
            let page = app
                .list_todos(&alice, &format!("{query}&size=4&cursor={cursor}"))
                .await
                .json();
            seen.extend(TestApp::titles(&page));
            if !inserted {
                // Rows that sort before and after the walk's position.
                for title in ["a-early", "z-late"] {
                    app.todo_titled(&alice, &format!("{title}-{}", query.len()))
                        .await;
                }
                inserted = true;
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }

        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no repeats in {query}: {seen:?}");
        for title in &existing {
            assert!(seen.contains(title), "{title} skipped in {query}");
        }
        existing.extend(["a-early", "z-late"].map(|t| format!("{t}-{}", query.len())));
    }
}
