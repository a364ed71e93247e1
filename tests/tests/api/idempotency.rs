//! `Idempotency-Key` on the creates: a retry gets the first answer again
//! (marked `Idempotent-Replayed: true`) and creates nothing; another body
//! under the same key, or a key that breaks the rule, is `422` naming the
//! key; keys are per user and expire; a create's refusals are kept, a body
//! refused before the create begins is not; and fifty retries at once make
//! one todo.

use actix_web::http::Method;
use chrono::TimeDelta;
use entity::{category, idempotency_key, tag, todo};
use futures_util::future::{join, join_all};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::{Value, json};
use tests::{TestApp, TestResponse, TestUser};

const KEY: &str = "Idempotency-Key";
const REPLAYED: &str = "idempotent-replayed";

/// `POST path` as `user` with `key` and a JSON body.
async fn post_keyed(
    app: &TestApp,
    user: &TestUser,
    path: &str,
    key: &str,
    body: &Value,
) -> TestResponse {
    app.call_with_headers(user, Method::POST, path, &[(KEY, key)], Some(body))
        .await
}

/// `POST path` as `user` with `key` and a body of exactly these bytes.
async fn post_keyed_raw(
    app: &TestApp,
    user: &TestUser,
    path: &str,
    key: &str,
    body: &str,
) -> TestResponse {
    let req = app
        .request(Method::POST, path)
        .bearer_auth(&user.token)
        .insert_header((KEY, key));
    app.send_raw(req, body.as_bytes().to_vec()).await
}

async fn todos_of(app: &TestApp, user: &TestUser) -> u64 {
    todo::Entity::find()
        .filter(todo::Column::UserId.eq(user.id))
        .count(app.db())
        .await
        .unwrap()
}

/// The kept answer and its replay are the same answer, the replay marked.
#[track_caller]
fn assert_replay_of(first: &TestResponse, replay: &TestResponse) {
    assert_eq!(
        first.header(REPLAYED),
        None,
        "the first answer is no replay"
    );
    assert_eq!(replay.header(REPLAYED).as_deref(), Some("true"));
    assert_eq!(replay.status, first.status);
    for header in ["location", "etag", "content-type"] {
        assert_eq!(replay.header(header), first.header(header), "{header}");
    }
    assert_eq!(replay.json(), first.json());
}

#[actix_web::test]
async fn a_retry_with_the_same_key_gets_the_same_answer_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todo = json!({ "title": "Buy milk", "tags": ["shopping"], "priority": "high" });
    let first = post_keyed(&app, &alice, "/api/v1/todos", "k-todo", &todo).await;
    first.assert_status(201);
    assert!(first.header("location").is_some() && first.header("etag").is_some());
    assert!(first.statements() > 0, "the create counts as the request's");
    let replay = post_keyed(&app, &alice, "/api/v1/todos", "k-todo", &todo).await;
    assert_replay_of(&first, &replay);
    assert_eq!(todos_of(&app, &alice).await, 1);

    let bulk = json!({ "items": [{ "title": "one" }, { "title": "two", "tags": ["x"] }] });
    let first = post_keyed(&app, &alice, "/api/v1/todos/bulk", "k-bulk", &bulk).await;
    first.assert_status(201);
    let replay = post_keyed(&app, &alice, "/api/v1/todos/bulk", "k-bulk", &bulk).await;
    assert_replay_of(&first, &replay);
    assert_eq!(todos_of(&app, &alice).await, 3);

    let home = json!({ "name": "Home", "color": "#3b82f6" });
    let first = post_keyed(&app, &alice, "/api/v1/categories", "k-cat", &home).await;
    first.assert_status(201);
    let replay = post_keyed(&app, &alice, "/api/v1/categories", "k-cat", &home).await;
    assert_replay_of(&first, &replay);
    let categories = category::Entity::find().count(app.db()).await.unwrap();
    assert_eq!(categories, 1);

    let urgent = json!({ "name": "urgent" });
    let first = post_keyed(&app, &alice, "/api/v1/tags", "k-tag", &urgent).await;
    first.assert_status(201);
    let replay = post_keyed(&app, &alice, "/api/v1/tags", "k-tag", &urgent).await;
    assert_replay_of(&first, &replay);
    // `shopping` and `x` came with the todos.
    assert_eq!(tag::Entity::find().count(app.db()).await.unwrap(), 3);
}

#[actix_web::test]
async fn a_body_equal_as_json_is_the_same_request() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let path = "/api/v1/todos";
    let first = post_keyed_raw(
        &app,
        &alice,
        path,
        "k",
        r#"{"title":"Tea","tags":["a","b"],"priority":"low"}"#,
    )
    .await;
    first.assert_status(201);
    let reordered = "{\n  \"priority\" : \"low\",\n  \"tags\" : [ \"a\", \"b\" ],\n  \"title\" : \"T\\u0065a\"\n}";
    let replay = post_keyed_raw(&app, &alice, path, "k", reordered).await;
    assert_replay_of(&first, &replay);
    assert_eq!(todos_of(&app, &alice).await, 1);
}

#[actix_web::test]
async fn the_same_key_with_another_request_is_refused_naming_the_key() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    post_keyed(&app, &alice, "/api/v1/todos", "k", &json!({ "title": "a" }))
        .await
        .assert_status(201);
    for (path, body) in [
        ("/api/v1/todos", json!({ "title": "b" })),
        ("/api/v1/todos", json!({ "title": "a", "tags": [] })),
        ("/api/v1/tags", json!({ "name": "a" })),
    ] {
        let refused = post_keyed(&app, &alice, path, "k", &body).await;
        let problem = refused.assert_problem(422, "validation_error");
        assert!(problem["errors"][KEY].is_array(), "{path}: {problem}");
        assert_eq!(refused.header(REPLAYED), None);
    }
    assert_eq!(todos_of(&app, &alice).await, 1);
    assert_eq!(tag::Entity::find().count(app.db()).await.unwrap(), 0);
}

#[actix_web::test]
async fn keys_that_are_not_1_to_255_visible_ascii_characters_are_refused() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let body = json!({ "title": "a" });
    let too_long = "k".repeat(256);
    for key in ["", too_long.as_str(), "caf\u{e9}", "tab\there", "two words"] {
        let req = app
            .request(Method::POST, "/api/v1/todos")
            .bearer_auth(&alice.token)
            .insert_header((
                KEY,
                actix_web::http::header::HeaderValue::from_bytes(key.as_bytes()).unwrap(),
            ));
        let refused = app.send(req, Some(&body)).await;
        let problem = refused.assert_problem(422, "validation_error");
        assert!(problem["errors"][KEY].is_array(), "{key:?}: {problem}");
    }
    assert_eq!(todos_of(&app, &alice).await, 0);
    let longest = "~".repeat(255);
    post_keyed(&app, &alice, "/api/v1/todos", &longest, &body)
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn keys_belong_to_their_user() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let body = json!({ "title": "same" });
    let hers = post_keyed(&app, &alice, "/api/v1/todos", "shared", &body).await;
    hers.assert_status(201);
    let his = post_keyed(&app, &bob, "/api/v1/todos", "shared", &body).await;
    his.assert_status(201);
    assert_eq!(his.header(REPLAYED), None, "bob's request runs afresh");
    assert_ne!(his.json()["id"], hers.json()["id"]);
    assert_eq!(todos_of(&app, &bob).await, 1);
}

/// What the create refuses (a category that is not the caller's, a name
/// taken) is kept like a success; a body the extractor refuses before the
/// create begins is not, so the corrected body may follow under the key.
#[actix_web::test]
async fn a_refusal_of_the_create_is_kept_and_a_body_refused_before_it_is_not() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let bob = app.signup("bob").await;
    let his = app.create_category(&bob, "His").await;

    let foreign = json!({ "title": "a", "category_id": his["id"] });
    let first = post_keyed(&app, &alice, "/api/v1/todos", "k1", &foreign).await;
    first.assert_problem(422, "validation_error");
    assert!(first.json()["errors"]["category_id"].is_array());
    let replay = post_keyed(&app, &alice, "/api/v1/todos", "k1", &foreign).await;
    let problem = replay.assert_problem(422, "validation_error");
    assert_eq!(replay.header(REPLAYED).as_deref(), Some("true"));
    assert_eq!(problem["errors"], first.json()["errors"]);
    assert_eq!(problem["detail"], first.json()["detail"]);
    let fixed = post_keyed(
        &app,
        &alice,
        "/api/v1/todos",
        "k1",
        &json!({ "title": "a" }),
    )
    .await;
    assert!(fixed.assert_problem(422, "validation_error")["errors"][KEY].is_array());

    app.create_category(&alice, "Home").await;
    let taken = json!({ "name": "home" });
    let first = post_keyed(&app, &alice, "/api/v1/categories", "k2", &taken).await;
    first.assert_problem(409, "conflict");
    let replay = post_keyed(&app, &alice, "/api/v1/categories", "k2", &taken).await;
    replay.assert_problem(409, "conflict");
    assert_eq!(replay.header(REPLAYED).as_deref(), Some("true"));

    let invalid = post_keyed(&app, &alice, "/api/v1/todos", "k3", &json!({ "title": "" })).await;
    assert!(invalid.assert_problem(422, "validation_error")["errors"]["title"].is_array());
    let corrected = post_keyed(
        &app,
        &alice,
        "/api/v1/todos",
        "k3",
        &json!({ "title": "b" }),
    )
    .await;
    corrected.assert_status(201);
    assert_eq!(corrected.header(REPLAYED), None);
    assert_eq!(todos_of(&app, &alice).await, 1);
}

#[actix_web::test]
async fn an_expired_key_runs_afresh_and_housekeeping_deletes_it() {
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let body = json!({ "title": "weekly" });
    let first = post_keyed(&app, &alice, "/api/v1/todos", "old", &body).await;
    first.assert_status(201);
    post_keyed(
        &app,
        &alice,
        "/api/v1/todos",
        "new",
        &json!({ "title": "x" }),
    )
    .await
    .assert_status(201);
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::ExpiresAt,
            Expr::value(service::clock::now() - TimeDelta::seconds(1)),
        )
        .filter(idempotency_key::Column::Key.eq("old"))
        .exec(app.db())
        .await
        .unwrap();

    let again = post_keyed(&app, &alice, "/api/v1/todos", "old", &body).await;
    again.assert_status(201);
    assert_eq!(again.header(REPLAYED), None);
    assert_ne!(again.json()["id"], first.json()["id"]);
    assert_eq!(todos_of(&app, &alice).await, 3);

    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::ExpiresAt,
            Expr::value(service::clock::now() - TimeDelta::seconds(1)),
        )
        .filter(idempotency_key::Column::Key.eq("old"))
        .exec(app.db())
        .await
        .unwrap();
    api::jobs::housekeeping(app.db()).await.unwrap();
    let left: Vec<String> = idempotency_key::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.key)
        .collect();
    assert_eq!(left, ["new"], "only the unexpired record is left");
}

/// Fifty copies of one request at once: one todo; every answer is its
/// `201` (the original or a replay, all alike) or a `409` naming the key
/// (PostgreSQL and MariaDB, where the copies really overlap; on SQLite they
/// wait their turn and are all replays).
#[actix_web::test]
async fn fifty_retries_at_once_create_one_todo() {
    let app = TestApp::spawn_concurrent().await;
    let alice = app.signup("alice").await;
    let body = json!({ "title": "once", "tags": ["race"] });
    let answers =
        join_all((0..50).map(|_| post_keyed(&app, &alice, "/api/v1/todos", "race-key", &body)))
            .await;
    let mut created: Option<Value> = None;
    let (mut fresh, mut conflicts) = (0, 0);
    for answer in &answers {
        match answer.status.as_u16() {
            201 => {
                if answer.header(REPLAYED).is_none() {
                    fresh += 1;
                }
                let todo = answer.json();
                assert_eq!(created.get_or_insert_with(|| todo.clone()), &todo);
            }
            409 => {
                conflicts += 1;
                assert!(answer.json()["errors"][KEY].is_array(), "{}", answer.text());
            }
            other => panic!("answered {other}: {}", answer.text()),
        }
    }
    assert_eq!(fresh, 1, "one request ran ({conflicts} conflicts)");
    assert_eq!(todos_of(&app, &alice).await, 1);
    let replay = post_keyed(&app, &alice, "/api/v1/todos", "race-key", &body).await;
    assert_eq!(replay.header(REPLAYED).as_deref(), Some("true"));
    assert_eq!(Some(replay.json()), created);
}

/// A request whose key's record another transaction writes while it runs
/// (what MariaDB allows between the release of the key's lock and the
/// commit) finds the unique index taken when it writes its own: it undoes
/// everything and answers the record that won. On SQLite it waits for that
/// transaction instead and replays the record as any retry does.
#[actix_web::test]
async fn a_request_that_loses_the_record_to_another_answers_the_winner() {
    let app = TestApp::spawn_concurrent().await;
    let alice = app.signup("alice").await;
    let body = json!({ "title": "contested" });
    let won = r#"{"id":"0193a5c4-7e21-7c3d-8a4b-5f6e7d8c9b0a","title":"contested"}"#;
    let now = service::clock::now();
    let other = app.db().begin().await.unwrap();
    idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        id: Set(service::clock::new_id()),
        user_id: Set(alice.id),
        key: Set("contested".to_owned()),
        fingerprint: Set(service::idempotency::fingerprint(
            "POST /api/v1/todos",
            &body,
        )),
        status: Set(201),
        body: Set(won.to_owned()),
        location: Set(Some(
            "/api/v1/todos/0193a5c4-7e21-7c3d-8a4b-5f6e7d8c9b0a".to_owned(),
        )),
        etag: Set(None),
        created_at: Set(now),
        expires_at: Set(now + TimeDelta::hours(24)),
    })
    .exec_without_returning(&other)
    .await
    .unwrap();
    let (answer, ()) = join(
        post_keyed(&app, &alice, "/api/v1/todos", "contested", &body),
        async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            other.commit().await.unwrap();
        },
    )
    .await;
    answer.assert_status(201);
    assert_eq!(answer.header(REPLAYED).as_deref(), Some("true"));
    assert_eq!(answer.text(), won);
    assert_eq!(
        todos_of(&app, &alice).await,
        0,
        "the loser's todo is undone"
    );
}
