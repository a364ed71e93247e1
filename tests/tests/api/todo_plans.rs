//! The indexes of the todo list, proved by `EXPLAIN` on PostgreSQL rather
//! than believed: with 100k todos across 100 users, the queries the list
//! endpoint runs (built by the very functions it uses) read one user's rows
//! through indexes and never scan the whole `todos` table, with the generic
//! plans the server's connections use.

use sea_orm::sea_query::PostgresQueryBuilder;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryTrait, Statement};
use service::clock;
use service::todos::list::{Filter, Needs, Sort, SortKey, Window, count_query, page_query};
use tests::{Engine, TestApp};
use uuid::Uuid;

const SEED: &[&str] = &[
    "INSERT INTO users (id, email, username, username_key, password_hash, status, is_admin, \
       version, created_at, updated_at) \
     SELECT gen_random_uuid(), 'u' || i || '@example.com', 'u' || i, 'u' || i, 'x', 'active', \
       false, 1, now(), now() \
     FROM generate_series(1, 100) AS i",
    "INSERT INTO tags (id, user_id, name, name_key, created_at, updated_at) \
     SELECT gen_random_uuid(), u.id, 'tag' || t, 'tag' || t, now(), now() \
     FROM users u CROSS JOIN generate_series(1, 10) AS t",
    "INSERT INTO todos (id, user_id, title, status, priority, due_date, version, created_at, \
       updated_at) \
     SELECT gen_random_uuid(), u.id, 'todo ' || g, \
       (ARRAY['pending', 'in_progress', 'completed', 'archived'])[1 + g % 4], \
       (ARRAY['low', 'medium', 'high', 'urgent'])[1 + (g / 4) % 4], \
       CASE WHEN g % 5 = 0 THEN NULL ELSE now() + (g % 400 - 200) * interval '1 day' END, \
       1, now() - g * interval '1 minute', now() \
     FROM generate_series(1, 100000) AS g \
     JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM users) AS u \
       ON u.n = g % 100",
    "INSERT INTO todo_tags (todo_id, tag_id) \
     SELECT t.id, tg.id \
     FROM (SELECT id, user_id, row_number() OVER (ORDER BY id) AS n FROM todos) AS t \
     JOIN tags tg ON tg.user_id = t.user_id \
       AND (tg.name_key = 'tag' || (1 + t.n % 10) OR tg.name_key = 'tag' || (1 + (t.n / 10) % 10))",
    "ANALYZE",
];

async fn plan(db: &DatabaseConnection, sql: &str, values: sea_orm::Values) -> String {
    let explain =
        Statement::from_sql_and_values(DbBackend::Postgres, format!("EXPLAIN {sql}"), values);
    db.query_all_raw(explain)
        .await
        .expect("EXPLAIN runs")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a plan line"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_indexed(plan: &str, what: &str) {
    assert!(
        !plan.contains("Seq Scan on todos"),
        "{what} scans the whole todos table:\n{plan}"
    );
    assert!(plan.contains("Index"), "{what} uses no index:\n{plan}");
}

#[actix_web::test]
async fn list_queries_read_one_users_todos_through_indexes() {
    if Engine::current() != Engine::Postgres {
        println!("skipped: the query plans are checked on PostgreSQL only");
        return;
    }
    let app = TestApp::spawn().await;
    let db = app.db();
    // The server's connections use generic plans (see `api::db::connect`):
    // the plans below are the ones it runs, not a one-off custom plan.
    let mode = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_setting('plan_cache_mode')",
        ))
        .await
        .expect("query")
        .expect("a row")
        .try_get_by_index::<String>(0)
        .expect("a setting");
    assert_eq!(mode, "force_generic_plan");
    for sql in SEED {
        db.execute_unprepared(sql).await.expect("seed");
    }
    let user_id: Uuid = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT id FROM users ORDER BY email LIMIT 1",
        ))
        .await
        .expect("query")
        .expect("a user")
        .try_get_by_index(0)
        .expect("an id");
    let now = clock::now();
    let by_due_date = Sort {
        key: SortKey::DueDate,
        descending: false,
    };
    let page = Window::Offset {
        offset: 0,
        limit: 20,
    };

    let pending = Filter {
        statuses: vec![entity::todo::TodoStatus::Pending],
        ..Filter::default()
    };
    let (sql, values) = page_query(user_id, &pending, by_due_date, page, now)
        .into_query()
        .build(PostgresQueryBuilder);
    let status_plan = plan(db, &sql, values).await;
    assert_indexed(&status_plan, "the status filter sorted by due date");

    // A due-date window of any status, in due-date order.
    let today = now.with_timezone(&chrono::Utc);
    let this_week = Filter {
        due_after: Some(today),
        due_before: Some(today + chrono::Duration::days(7)),
        ..Filter::default()
    };
    let (sql, values) = page_query(user_id, &this_week, by_due_date, page, now)
        .into_query()
        .build(PostgresQueryBuilder);
    let window_plan = plan(db, &sql, values).await;
    assert_indexed(&window_plan, "the due-date window sorted by due date");

    let tagged = Filter {
        tags: vec!["tag3".to_owned()],
        ..Filter::default()
    };
    let by_creation = Sort {
        key: SortKey::CreatedAt,
        descending: true,
    };
    let (sql, values) = page_query(user_id, &tagged, by_creation, page, now)
        .into_query()
        .build(PostgresQueryBuilder);
    let tag_plan = plan(db, &sql, values).await;
    assert_indexed(&tag_plan, "the tag filter");
    assert!(
        !tag_plan.contains("Seq Scan on todo_tags"),
        "the tag filter scans every link:\n{tag_plan}"
    );

    let needs = Needs {
        size: true,
        sort: true,
    };
    let (sql, values) = count_query(user_id, &tagged, now, needs).build(PostgresQueryBuilder);
    let count_plan = plan(db, &sql, values).await;
    assert_indexed(&count_plan, "the count with the tag filter");
    // A status filter's total is read from the user's counters: no todo is read.
    let (sql, values) = count_query(user_id, &pending, now, needs).build(PostgresQueryBuilder);
    let count_plan = plan(db, &sql, values).await;
    assert!(
        !count_plan.contains("todos") && count_plan.contains("user_state"),
        "the count with the status filter reads todos:\n{count_plan}"
    );
}
