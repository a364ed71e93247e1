//! `GET /todos`: filters, search, deletion views, the page envelope, cursor
//! answers, the caller's preferences, bad parameters, and what a page costs
//! in statements. Orders are in `todo_sorting`.

use std::time::Duration;

use chrono::{SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};
use tests::{TestApp, TestResponse, TestUser};

/// Every sort key the API accepts.
const SORT_KEYS: [&str; 5] = ["created_at", "updated_at", "due_date", "priority", "title"];

fn days_from_now(days: i64) -> String {
    (Utc::now() + TimeDelta::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn sorted(mut titles: Vec<String>) -> Vec<String> {
    titles.sort();
    titles
}

#[actix_web::test]
async fn filters_search_and_deletion_views_return_exactly_the_matching_todos() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let work = app.create_category(&alice, "work").await;
    let todos = [
        json!({ "title": "Write report", "status": "pending", "priority": "high",
                "due_date": days_from_now(-1), "category_id": work["id"], "tags": ["a", "b"] }),
        json!({ "title": "Call mom", "description": "about the REPORT", "status": "in_progress",
                "priority": "low", "due_date": days_from_now(2), "tags": ["A"] }),
        json!({ "title": "Pay 100% of rent", "status": "completed", "priority": "high",
                "due_date": days_from_now(-3), "category_id": work["id"], "tags": ["b"] }),
        json!({ "title": "Plan trip", "status": "archived", "priority": "urgent",
                "tags": ["a", "b", "c"] }),
        json!({ "title": "Fix bike", "status": "in_progress", "priority": "medium",
                "due_date": days_from_now(-5) }),
        json!({ "title": "Old stuff", "tags": ["a", "b"] }),
    ];
    for body in &todos {
        app.create_todo(&alice, body).await;
    }
    app.create_todo(
        &bob,
        &json!({ "title": "Bob's report", "tags": ["a", "b"] }),
    )
    .await;
    let old = app.list_todos(&alice, "search=old").await.json();
    let old_id = old["items"][0]["id"].as_str().unwrap().to_owned();
    app.delete_as(&alice, &format!("/api/v1/todos/{old_id}"))
        .await
        .assert_status(204);
    let work_id = work["id"].as_str().unwrap();

    for (query, expected) in [
        (
            "",
            vec![
                "Write report",
                "Call mom",
                "Pay 100% of rent",
                "Plan trip",
                "Fix bike",
            ],
        ),
        (
            "status=pending&status=in_progress",
            vec!["Write report", "Call mom", "Fix bike"],
        ),
        ("status=archived", vec!["Plan trip"]),
        ("priority=high", vec!["Write report", "Pay 100% of rent"]),
        (
            &format!("category_id={work_id}"),
            vec!["Write report", "Pay 100% of rent"],
        ),
        ("tag=a", vec!["Write report", "Call mom", "Plan trip"]),
        ("tag=a&tag=B", vec!["Write report", "Plan trip"]),
        ("tag=a&tag=b&tag=c", vec!["Plan trip"]),
        ("tag=a&tag=a", vec!["Write report", "Call mom", "Plan trip"]),
        ("tag=nope", vec![]),
        ("tag=a&tag=nope", vec![]),
        (
            &format!("due_before={}", days_from_now(0)),
            vec!["Write report", "Pay 100% of rent", "Fix bike"],
        ),
        (
            &format!("due_after={}", days_from_now(-2)),
            vec!["Write report", "Call mom"],
        ),
        ("overdue=true", vec!["Write report", "Fix bike"]),
        (
            "overdue=false",
            vec![
                "Write report",
                "Call mom",
                "Pay 100% of rent",
                "Plan trip",
                "Fix bike",
            ],
        ),
        ("search=REPORT", vec!["Write report", "Call mom"]),
        ("search=100%25", vec!["Pay 100% of rent"]),
        ("search=0%25%20o", vec!["Pay 100% of rent"]),
        ("search=_", vec![]),
        (
            "include_deleted=true",
            vec![
                "Write report",
                "Call mom",
                "Pay 100% of rent",
                "Plan trip",
                "Fix bike",
                "Old stuff",
            ],
        ),
        ("only_deleted=true", vec!["Old stuff"]),
        ("only_deleted=true&tag=a&tag=b", vec!["Old stuff"]),
        (
            "status=pending&tag=b&search=write&overdue=true",
            vec!["Write report"],
        ),
        (
            &format!("tag=b&category_id={work_id}&priority=high&status=completed"),
            vec!["Pay 100% of rent"],
        ),
    ] {
        let page = app.list_todos(&alice, query).await.json();
        let expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        assert_eq!(
            sorted(TestApp::titles(&page)),
            sorted(expected.clone()),
            "{query}"
        );
        assert_eq!(page["total"], expected.len(), "{query}");
        let walked = app.walk_todos(&alice, query, 2).await;
        assert_eq!(walked.len(), expected.len(), "walk of {query}");
    }
}

#[actix_web::test]
async fn a_page_of_5_or_of_100_todos_with_category_and_tags_costs_the_same_few_statements() {
    // Every page counts here: no remembered totals (they are tested below).
    let app = TestApp::spawn_with(|config| config.list_totals_ttl = Duration::ZERO).await;
    let alice = app.signup("alice").await;
    let mut categories = Vec::new();
    for name in ["c0", "c1", "c2", "c3", "c4"] {
        categories.push(app.create_category(&alice, name).await["id"].clone());
    }
    for i in 0..100 {
        app.create_todo(
            &alice,
            &json!({
                "title": format!("todo {i}"),
                "category_id": categories[i % 5],
                "tags": [format!("t{}", i % 10), format!("t{}", (i + 1) % 10), format!("t{}", (i + 2) % 10)],
            }),
        )
        .await;
    }

    let mut counts = Vec::new();
    for query in ["size=5", "size=100", "size=5&cursor=", "size=100&cursor="] {
        let res = app.list_todos(&alice, query).await;
        let page = res.json();
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), if query.contains("100") { 100 } else { 5 });
        for item in items {
            assert!(item["category"]["name"].is_string(), "{item}");
            assert_eq!(item["tags"].as_array().unwrap().len(), 3, "{item}");
        }
        counts.push(res.statements());
    }

    println!("statements for size=5, size=100, and both with cursor=: {counts:?}");
    assert!(counts.iter().all(|&n| n <= 3), "{counts:?}");
    assert_eq!(counts[0], counts[1], "page mode: {counts:?}");
    assert_eq!(counts[2], counts[3], "cursor mode: {counts:?}");
    let deep = app
        .list_todos(&alice, "size=5&sort_by=title&sort_order=asc&cursor=")
        .await
        .json();
    let cursor = deep["next_cursor"].as_str().unwrap();
    let next = app
        .list_todos(
            &alice,
            &format!("size=5&sort_by=title&sort_order=asc&cursor={cursor}"),
        )
        .await;
    assert!(
        next.statements() <= 2,
        "size and sort named: no preference lookup"
    );
}

#[actix_web::test]
async fn the_next_pages_skip_the_count_until_the_user_writes() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    for i in 0..5 {
        app.todo_titled(&alice, &format!("t{i}")).await;
    }

    let first = app.list_todos(&alice, "size=2").await;
    let second = app.list_todos(&alice, "size=2&page=2").await;

    assert_eq!(first.json()["total"], 5);
    assert_eq!(second.json()["total"], 5);
    assert_eq!(
        second.statements(),
        first.statements() - 1,
        "the count of the first page is remembered"
    );
    let pending = app.list_todos(&alice, "size=2&status=pending").await;
    assert_eq!(
        pending.statements(),
        first.statements(),
        "another filter counts"
    );
    app.todo_titled(&bob, "bob's").await;
    let untouched = app.list_todos(&alice, "size=2&page=3").await;
    assert_eq!(
        untouched.statements(),
        second.statements(),
        "bob's writes are his"
    );

    let todo = app.todo_titled(&alice, "t5").await;
    let after = app.list_todos(&alice, "size=2&page=3").await;
    assert_eq!(
        after.json()["total"],
        6,
        "the caller's write is seen at once"
    );
    assert_eq!(after.statements(), first.statements());
    app.delete_as(&alice, &TestApp::todo_path(&todo))
        .await
        .assert_status(204);
    assert_eq!(app.list_todos(&alice, "size=2").await.json()["total"], 5);
    assert_eq!(
        app.list_todos(&alice, "size=2&status=pending").await.json()["total"],
        5
    );
    app.patch_as(
        &alice,
        "/api/v1/users/me",
        &json!({ "preferences": { "default_page_size": 4 } }),
    )
    .await
    .assert_status(200);
    assert_eq!(
        app.list_todos(&alice, "").await.json()["size"],
        4,
        "preferences too"
    );
}

#[actix_web::test]
async fn a_remembered_total_never_hides_todos_written_elsewhere() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    assert_eq!(app.list_todos(&alice, "").await.json()["total"], 0);

    // Written by another process of the service: this one is not told.
    let new = service::todos::NewTodo {
        title: "elsewhere".to_owned(),
        ..Default::default()
    };
    let elsewhere = service::todos::ListTotals::new(Duration::from_secs(60), 10);
    service::todos::create(app.db(), &elsewhere, alice.id, new)
        .await
        .unwrap();

    let page = app.list_todos(&alice, "").await.json();
    assert_eq!(
        TestApp::titles(&page),
        ["elsewhere"],
        "the page still reads"
    );
    let far = app.list_todos(&alice, "page=9223372036854775808").await;
    far.assert_status(200);
    assert_eq!(
        far.json()["items"],
        json!([]),
        "past any offset an engine takes"
    );
}

#[actix_web::test]
async fn with_no_memory_for_totals_every_page_counts() {
    let app = TestApp::spawn_with(|config| config.list_totals_ttl = Duration::ZERO).await;
    let alice = app.signup("alice").await;
    for i in 0..3 {
        app.todo_titled(&alice, &format!("t{i}")).await;
    }
    let first = app.list_todos(&alice, "size=2").await;
    let second = app.list_todos(&alice, "size=2&page=2").await;
    assert_eq!(second.json()["total"], 3);
    assert_eq!(second.statements(), first.statements());
}

#[actix_web::test]
async fn page_size_and_sort_default_to_the_callers_preferences() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    for title in ["b", "d", "a", "e", "c"] {
        app.todo_titled(&alice, title).await;
    }
    app.patch_as(
        &alice,
        "/api/v1/users/me",
        &json!({ "preferences": { "default_page_size": 3, "default_sort": "title" } }),
    )
    .await
    .assert_status(200);

    let res = app.list_todos(&alice, "").await;

    let page = res.json();
    assert_eq!(page["size"], 3);
    assert_eq!(page["pages"], 2);
    assert_eq!(TestApp::titles(&page), ["e", "d", "c"]);
    assert!(res.statements() <= 3, "the preferences ride on the count");
    let asc = app.list_todos(&alice, "sort_order=asc").await.json();
    assert_eq!(TestApp::titles(&asc), ["a", "b", "c"]);
    let walk = app.list_todos(&alice, "cursor=").await.json();
    assert_eq!(TestApp::titles(&walk), ["e", "d", "c"]);
    let named = app
        .list_todos(&alice, "size=5&sort_by=created_at")
        .await
        .json();
    assert_eq!(TestApp::titles(&named), ["c", "e", "a", "d", "b"]);
}

#[actix_web::test]
async fn the_page_envelope_links_keep_the_other_parameters() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    for title in ["a", "b", "c", "d", "e"] {
        app.todo_titled(&alice, title).await;
    }

    let page = app
        .list_todos(&alice, "status=pending&search=&size=2&page=2")
        .await
        .json();

    assert_eq!(page["total"], 5);
    assert_eq!(page["page"], 2);
    assert_eq!(page["size"], 2);
    assert_eq!(page["pages"], 3);
    assert_eq!(page["has_next"], true);
    assert_eq!(page["has_prev"], true);
    let links = &page["links"];
    assert_eq!(
        links["self"],
        "/api/v1/todos?status=pending&search=&page=2&size=2"
    );
    assert_eq!(
        links["next"],
        "/api/v1/todos?status=pending&search=&page=3&size=2"
    );
    assert_eq!(
        links["prev"],
        "/api/v1/todos?status=pending&search=&page=1&size=2"
    );
    assert_eq!(
        links["first"],
        "/api/v1/todos?status=pending&search=&page=1&size=2"
    );
    assert_eq!(
        links["last"],
        "/api/v1/todos?status=pending&search=&page=3&size=2"
    );
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a cursor to switch to keyset");
    let continued = app
        .list_todos(&alice, &format!("status=pending&size=2&cursor={cursor}"))
        .await
        .json();
    assert_eq!(TestApp::titles(&continued), ["a"], "right after page 2");

    let past = app.list_todos(&alice, "size=2&page=9").await.json();
    assert_eq!(past["items"], json!([]));
    assert_eq!(past["total"], 5);
    assert_eq!(past["next_cursor"], Value::Null);
    let last = app.list_todos(&alice, "size=2&page=3").await.json();
    assert_eq!(last["has_next"], false);
    assert_eq!(last["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn a_cursor_answer_omits_totals_and_links_to_its_continuation() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    for title in ["a", "b", "c"] {
        app.todo_titled(&alice, title).await;
    }

    let first = app
        .list_todos(&alice, "status=pending&size=2&cursor=")
        .await
        .json();

    let object = first.as_object().unwrap();
    for absent in ["total", "pages", "page"] {
        assert!(!object.contains_key(absent), "{absent} in {first}");
    }
    assert!(!first["links"].as_object().unwrap().contains_key("first"));
    assert!(!first["links"].as_object().unwrap().contains_key("last"));
    assert_eq!(first["has_next"], true);
    assert_eq!(first["has_prev"], false);
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_eq!(
        first["links"]["next"],
        format!("/api/v1/todos?status=pending&size=2&cursor={cursor}")
    );
    let second = app
        .list_todos(&alice, &format!("status=pending&size=2&cursor={cursor}"))
        .await
        .json();
    assert_eq!(TestApp::titles(&second), ["a"]);
    assert_eq!(second["next_cursor"], Value::Null);
    assert_eq!(second["has_prev"], true);
    assert_eq!(second["has_next"], false);
}

async fn list(app: &TestApp, user: &TestUser, query: &str) -> TestResponse {
    app.get_as(user, &format!("/api/v1/todos?{query}")).await
}

#[actix_web::test]
async fn bad_list_parameters_are_rejected() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    app.todo_titled(&alice, "t").await;

    let res = list(&app, &alice, "sort_by=name").await;
    let body = res.assert_problem(422, "validation_error");
    let message = body["errors"]["sort_by"][0].as_str().unwrap();
    for key in SORT_KEYS {
        assert!(message.contains(key), "{message}");
    }
    for (query, field) in [
        ("size=0", "size"),
        ("size=101", "size"),
        ("page=0", "page"),
        ("sort_order=up", "sort_order"),
        ("status=done", "status"),
        ("priority=critical", "priority"),
        ("due_before=yesterday", "due_before"),
        ("due_after=2040-13-01T00:00:00Z", "due_after"),
        ("overdue=maybe", "overdue"),
        ("category_id=nope", "category_id"),
        ("cursor=&page=2", "cursor"),
    ] {
        let body = list(&app, &alice, query)
            .await
            .assert_problem(422, "validation_error");
        // A repeatable parameter is named with the index of the bad value: `status[0]`.
        let named = body["errors"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k == field || k.starts_with(&format!("{field}[")));
        assert!(named, "{query} -> {body}");
    }
    list(&app, &alice, "cursor=not-a-cursor")
        .await
        .assert_problem(400, "bad_request");
    app.todo_titled(&alice, "u").await;
    let title_cursor = app
        .list_todos(&alice, "sort_by=title&size=1&cursor=")
        .await
        .json()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    list(
        &app,
        &alice,
        &format!("sort_by=due_date&cursor={title_cursor}"),
    )
    .await
    .assert_problem(400, "bad_request");
    list(
        &app,
        &alice,
        &format!("sort_by=title&sort_order=asc&cursor={title_cursor}"),
    )
    .await
    .assert_problem(400, "bad_request");
    list(&app, &alice, &format!("cursor={title_cursor}"))
        .await
        .assert_status(200);
}
