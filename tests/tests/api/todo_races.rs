//! Concurrent writers: of two changes based on one version exactly one
//! wins, because the version check and the write are one statement. Only on
//! PostgreSQL and MariaDB: the SQLite test database is a single connection.

use futures_util::future::join;
use serde_json::{Value, json};
use tests::{Engine, TestApp, TestUser};

#[actix_web::test]
async fn of_two_concurrent_patches_on_one_version_exactly_one_wins() {
    if Engine::current() == Engine::Sqlite {
        println!(
            "skipped on SQLite: the test database is one connection, so the two \
             requests run one after the other and never race"
        );
        return;
    }
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let todo = app.todo_titled(&alice, "t").await;
    let path = TestApp::todo_path(&todo);

    for round in 0..100 {
        let version = round + 1;
        let (a, b) = join(
            app.patch_as(&alice, &path, &json!({ "title": "a", "version": version })),
            app.patch_as(&alice, &path, &json!({ "title": "b", "version": version })),
        )
        .await;

        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: {} / {}",
            a.text(),
            b.text()
        );
        let winner = if a.status == 200 { &a } else { &b };
        let loser = if a.status == 200 { &b } else { &a };
        loser.assert_problem(409, "conflict");
        let now = app.get_as(&alice, &path).await.json();
        assert_eq!(now["version"], version + 1, "round {round}");
        assert_eq!(now["title"], winner.json()["title"], "round {round}");
    }
}

/// Holds the todo's row lock in a transaction of the test's own while a
/// PATCH based on version 1 runs, and `meddle` changes the row and commits.
/// The test's transaction locks the user's `user_state` row first, as every
/// write of the service that may change todos does (`service::txn`), since
/// the triggers that count todos write it: so the PATCH waits at that lock,
/// before it reads, and then finds the row changed. (Its own `UPDATE … WHERE
/// version = 1` refuses a version that moved after the read all the same,
/// as the concurrent test above shows on SQLite.)
async fn patch_racing(
    app: &TestApp,
    user: &TestUser,
    todo: &Value,
    meddle: impl AsyncFnOnce(&sea_orm::DatabaseTransaction, uuid::Uuid),
) -> tests::TestResponse {
    use entity::todo as todos;
    use sea_orm::{EntityTrait, QuerySelect, TransactionTrait};
    let id: uuid::Uuid = todo["id"].as_str().unwrap().parse().unwrap();
    let txn = app.db().begin().await.expect("begin");
    entity::user_state::Entity::find_by_id(user.id)
        .lock_exclusive()
        .one(&txn)
        .await
        .expect("lock the user's state");
    todos::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await
        .expect("lock the row")
        .expect("the row");
    let (res, ()) = join(
        app.patch_as(
            user,
            &TestApp::todo_path(todo),
            &json!({ "title": "mine", "version": 1 }),
        ),
        async {
            // Long enough for the PATCH to reach its UPDATE and wait there.
            actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
            meddle(&txn, id).await;
            txn.commit().await.expect("commit");
        },
    )
    .await;
    res
}

#[actix_web::test]
async fn a_write_whose_version_moved_after_its_read_is_refused_not_lost() {
    if Engine::current() == Engine::Sqlite {
        println!(
            "skipped on SQLite: the test database is one connection, which the \
             row lock of this test would hold away from the server"
        );
        return;
    }
    use entity::todo as todos;
    use sea_orm::sea_query::{Expr, ExprTrait};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn().await;
    let alice = app.signup("alice").await;
    let moved = app.todo_titled(&alice, "t").await;
    let removed = app.todo_titled(&alice, "u").await;

    let res = patch_racing(&app, &alice, &moved, async |txn, id| {
        todos::Entity::update_many()
            .col_expr(
                todos::Column::Version,
                Expr::col(todos::Column::Version).add(1),
            )
            .col_expr(todos::Column::Title, Expr::value("theirs"))
            .filter(todos::Column::Id.eq(id))
            .exec(txn)
            .await
            .expect("their change");
    })
    .await;
    let body = res.assert_problem(409, "conflict");
    assert!(body["errors"]["version"].is_array(), "{body}");
    let now = app.get_as(&alice, &TestApp::todo_path(&moved)).await.json();
    assert_eq!(
        (now["title"].as_str(), now["version"].as_i64()),
        (Some("theirs"), Some(2))
    );

    let res = patch_racing(&app, &alice, &removed, async |txn, id| {
        todos::Entity::delete_by_id(id)
            .exec(txn)
            .await
            .expect("their delete");
    })
    .await;
    res.assert_problem(404, "not_found");
}
