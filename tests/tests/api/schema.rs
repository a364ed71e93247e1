//! What the schema itself guarantees, whatever the service does: cascades,
//! case-insensitive uniqueness through the `*_key` columns, CHECK
//! constraints, relations and timestamp ranges. Every test runs on a
//! freshly migrated database of the engine under test.
//!
//! The row builders live in `rows`, shared with `migrations.rs`.

pub(crate) mod rows;

use chrono::{TimeDelta, TimeZone, Utc};
use entity::{
    account_token, api_key, audit_log, category, idempotency_key, mail_outbox, rate_limit, session,
    sync_deletion, tag, todo, todo_history, todo_tag, user, user_preferences, user_state,
};
use sea_orm::prelude::DateTimeWithTimeZone;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, LoaderTrait, ModelTrait, PaginatorTrait,
    QueryFilter, QueryOrder, SqlErr,
};
use uuid::Uuid;

use rows::{Everything, a_category, a_link, a_session, a_tag, a_todo, a_user, insert, migrated};

#[tokio::test]
async fn deleting_a_user_deletes_everything_they_own() {
    let test = migrated().await;
    let db = &test.db;
    let alice = Everything::insert(db, "alice").await;
    let bob = Everything::insert(db, "bob").await;

    user::Entity::delete_by_id(alice.user.id)
        .exec(db)
        .await
        .expect("delete alice");

    assert_eq!(
        tables_still_holding(db, &alice).await,
        vec!["audit_logs", "mail_outbox", "rate_limits"],
        "only the audit trail, mail on its way and rate-limit counts (which \
         expire within minutes) outlive the user"
    );
    assert_eq!(
        tables_still_holding(db, &bob).await,
        vec![
            "users",
            "user_preferences",
            "sessions",
            "categories",
            "tags",
            "todos",
            "todo_tags",
            "todo_history",
            "audit_logs",
            "mail_outbox",
            "account_tokens",
            "api_keys",
            "user_state",
            "rate_limits",
            "idempotency_keys",
            "sync_deletions",
        ],
        "bob's rows are untouched"
    );
}

#[tokio::test]
async fn deleting_a_user_keeps_their_audit_trail_without_the_user() {
    let test = migrated().await;
    let db = &test.db;
    let alice = Everything::insert(db, "alice").await;

    user::Entity::delete_by_id(alice.user.id)
        .exec(db)
        .await
        .expect("delete alice");

    let entry = audit_log::Entity::find_by_id(alice.audit.id)
        .one(db)
        .await
        .expect("query")
        .expect("the audit entry survives");
    assert_eq!(entry.user_id, None);
    assert_eq!(entry.details, alice.audit.details);
}

#[tokio::test]
async fn deleting_a_category_leaves_its_todos_uncategorized() {
    let test = migrated().await;
    let db = &test.db;
    let alice = Everything::insert(db, "alice").await;
    let other = insert(db, a_category(&alice.user, "Other"))
        .await
        .expect("category");
    let elsewhere = insert(db, a_todo(&alice.user, Some(&other)))
        .await
        .expect("todo");

    category::Entity::delete_by_id(alice.category.id)
        .exec(db)
        .await
        .expect("delete category");

    let todo = reload_todo(db, alice.todo.id).await;
    assert_eq!(todo.category_id, None);
    assert_eq!(todo.title, alice.todo.title, "the todo itself is kept");
    assert_eq!(
        reload_todo(db, elsewhere.id).await.category_id,
        Some(other.id),
        "todos of other categories keep theirs"
    );
}

#[tokio::test]
async fn deleting_a_tag_removes_only_its_links() {
    let test = migrated().await;
    let db = &test.db;
    let alice = Everything::insert(db, "alice").await;
    let kept = insert(db, a_tag(&alice.user, "kept")).await.expect("tag");
    insert(db, a_link(&alice.todo, &kept)).await.expect("link");

    tag::Entity::delete_by_id(alice.tag.id)
        .exec(db)
        .await
        .expect("delete tag");

    let links = todo_tag::Entity::find().all(db).await.expect("links");
    assert_eq!(links, vec![a_link(&alice.todo, &kept)]);
    assert!(
        todo::Entity::find_by_id(alice.todo.id)
            .one(db)
            .await
            .expect("query")
            .is_some(),
        "the todo is kept"
    );
}

#[tokio::test]
async fn deleting_a_todo_removes_its_links_and_history_but_not_its_tags() {
    let test = migrated().await;
    let db = &test.db;
    let alice = Everything::insert(db, "alice").await;

    todo::Entity::delete_by_id(alice.todo.id)
        .exec(db)
        .await
        .expect("delete todo");

    assert_eq!(todo_tag::Entity::find().count(db).await.expect("count"), 0);
    assert_eq!(
        todo_history::Entity::find().count(db).await.expect("count"),
        0
    );
    assert_eq!(tag::Entity::find().count(db).await.expect("count"), 1);
}

#[tokio::test]
async fn a_second_tag_with_the_same_name_key_is_a_unique_violation_for_the_same_user_only() {
    let test = migrated().await;
    let db = &test.db;
    let alice = insert(db, a_user("alice")).await.expect("alice");
    let bob = insert(db, a_user("bob")).await.expect("bob");
    insert(db, a_tag(&alice, "Work")).await.expect("first tag");

    let err = insert(db, a_tag(&alice, "WORK"))
        .await
        .expect_err("same key");
    assert_unique_violation(&err);

    insert(db, a_tag(&bob, "work"))
        .await
        .expect("another user's tag");
}

#[tokio::test]
async fn a_second_category_with_the_same_name_key_is_a_unique_violation_for_the_same_user_only() {
    let test = migrated().await;
    let db = &test.db;
    let alice = insert(db, a_user("alice")).await.expect("alice");
    let bob = insert(db, a_user("bob")).await.expect("bob");
    insert(db, a_category(&alice, "Home"))
        .await
        .expect("first category");

    let err = insert(db, a_category(&alice, " home"))
        .await
        .expect_err("same key");
    assert_unique_violation(&err);

    insert(db, a_category(&bob, "Home"))
        .await
        .expect("another user's category");
}

#[tokio::test]
async fn usernames_and_emails_are_unique_case_insensitively() {
    let test = migrated().await;
    let db = &test.db;
    insert(db, a_user("Alice")).await.expect("alice");

    let err = insert(db, a_user("ALICE"))
        .await
        .expect_err("same username_key");
    assert_unique_violation(&err);

    let same_email = user::Model {
        email: "alice@example.com".to_owned(),
        ..a_user("alice2")
    };
    let err = insert(db, same_email).await.expect_err("same email");
    assert_unique_violation(&err);
}

#[tokio::test]
async fn keys_differing_only_by_accents_are_distinct_on_every_engine() {
    let test = migrated().await;
    let db = &test.db;
    let alice = insert(db, a_user("alice")).await.expect("alice");

    insert(db, a_tag(&alice, "cafe")).await.expect("cafe");
    insert(db, a_tag(&alice, "café"))
        .await
        .expect("café is another tag");
    insert(db, a_user("rene")).await.expect("rene");
    insert(db, a_user("rené"))
        .await
        .expect("rené is another user");
}

#[tokio::test]
async fn a_refresh_token_hash_belongs_to_one_session_only() {
    let test = migrated().await;
    let db = &test.db;
    let alice = insert(db, a_user("alice")).await.expect("alice");
    let first = insert(db, a_session(&alice)).await.expect("session");

    let replay = session::Model {
        token_hash: first.token_hash.clone(),
        ..a_session(&alice)
    };
    let err = insert(db, replay).await.expect_err("same token hash");
    assert_unique_violation(&err);
}

#[tokio::test]
async fn a_tag_is_linked_to_a_todo_at_most_once() {
    let test = migrated().await;
    let db = &test.db;
    let alice = Everything::insert(db, "alice").await;

    let err = insert(db, a_link(&alice.todo, &alice.tag))
        .await
        .expect_err("the same link again");
    assert_unique_violation(&err);
}

#[tokio::test]
async fn check_constraints_reject_invalid_values_written_with_raw_sql() {
    let test = migrated().await;
    let db = &test.db;
    Everything::insert(db, "alice").await;

    // Valid values pass, so a rejection below is the CHECK, not the SQL.
    for valid in [
        "UPDATE todos SET status = 'in_progress', priority = 'urgent', version = 2",
        "UPDATE users SET status = 'suspended'",
        "UPDATE user_preferences SET theme = 'light', default_page_size = 100",
        "UPDATE todo_history SET to_status = 'archived'",
    ] {
        test.exec(valid)
            .await
            .unwrap_or_else(|e| panic!("{valid}: {e}"));
    }
    for invalid in [
        "UPDATE todos SET status = 'done'",
        "UPDATE todos SET status = 'Pending'",
        "UPDATE todos SET priority = 'critical'",
        "UPDATE todos SET version = 0",
        "UPDATE users SET status = 'banned'",
        "UPDATE users SET version = 0",
        "UPDATE categories SET version = 0",
        "UPDATE user_preferences SET theme = 'blue'",
        "UPDATE user_preferences SET default_page_size = 0",
        "UPDATE user_preferences SET default_page_size = 101",
        "UPDATE todo_history SET from_status = 'done'",
    ] {
        assert!(test.exec(invalid).await.is_err(), "accepted: {invalid}");
    }
}

#[tokio::test]
async fn column_defaults_match_the_entity_defaults() {
    let test = migrated().await;
    let db = &test.db;
    let alice = Everything::insert(db, "alice").await;
    // Only the required column: every other one takes its default.
    test.exec("DELETE FROM user_preferences")
        .await
        .expect("delete");
    test.exec("INSERT INTO user_preferences (user_id) SELECT id FROM users")
        .await
        .expect("insert with defaults");

    let prefs = user_preferences::Entity::find_by_id(alice.user.id)
        .one(db)
        .await
        .expect("query")
        .expect("row");
    let expected = user_preferences::Model::defaults_for(alice.user.id, prefs.created_at);
    assert_eq!(
        user_preferences::Model {
            updated_at: prefs.created_at,
            ..prefs
        },
        expected
    );
}

#[tokio::test]
async fn timestamp_columns_keep_microseconds_and_reach_past_2038() {
    let test = migrated().await;
    let db = &test.db;
    let alice = insert(db, a_user("alice")).await.expect("alice");
    let todo = insert(db, a_todo(&alice, None)).await.expect("todo");
    let far = far_future();

    // MySQL's TIMESTAMP would end in 2038; the columns are DATETIME(6) there.
    todo::Entity::update_many()
        .col_expr(todo::Column::DueDate, Expr::val(far))
        .filter(todo::Column::Id.eq(todo.id))
        .exec(db)
        .await
        .expect("update");

    assert_eq!(reload_todo(db, todo.id).await.due_date, Some(far));
    let later = todo::Entity::find()
        .filter(todo::Column::DueDate.gt(far - TimeDelta::days(365)))
        .count(db)
        .await
        .expect("filter");
    assert_eq!(later, 1, "filters compare far dates too");
}

#[tokio::test]
async fn a_due_date_after_2038_round_trips_through_the_entity() {
    // Entity timestamps are `DateTimeWithTimeZone` rather than `DateTimeUtc`:
    // sqlx binds `DateTime<Utc>` as a MySQL TIMESTAMP parameter, which
    // MariaDB stores as NULL outside 1970–2038 without an error.
    let test = migrated().await;
    let db = &test.db;
    let alice = insert(db, a_user("alice")).await.expect("alice");
    let todo = todo::Model {
        due_date: Some(far_future()),
        ..a_todo(&alice, None)
    };
    insert(db, todo.clone()).await.expect("todo");

    assert_eq!(reload_todo(db, todo.id).await, todo);
}

#[tokio::test]
async fn tags_of_a_page_of_todos_load_in_one_query_through_todo_tags() {
    let test = migrated().await;
    let db = &test.db;
    let alice = Everything::insert(db, "alice").await;
    let urgent = insert(db, a_tag(&alice.user, "urgent")).await.expect("tag");
    insert(db, a_link(&alice.todo, &urgent))
        .await
        .expect("link");
    let untagged = insert(db, a_todo(&alice.user, None)).await.expect("todo");

    let todos = todo::Entity::find()
        .filter(todo::Column::UserId.eq(alice.user.id))
        .order_by_asc(todo::Column::Id)
        .all(db)
        .await
        .expect("todos");
    let tags = todos.load_many(tag::Entity, db).await.expect("tags");

    let by_todo: Vec<(Uuid, Vec<String>)> = todos
        .iter()
        .zip(tags)
        .map(|(todo, tags)| {
            let mut names: Vec<String> = tags.into_iter().map(|t| t.name).collect();
            names.sort();
            (todo.id, names)
        })
        .collect();
    let mut expected = vec![
        (
            alice.todo.id,
            vec![alice.tag.name.clone(), urgent.name.clone()],
        ),
        (untagged.id, vec![]),
    ];
    expected.sort();
    assert_eq!(by_todo, expected);
    let via_related = alice
        .todo
        .find_related(tag::Entity)
        .count(db)
        .await
        .expect("related tags");
    assert_eq!(via_related, 2);
}

// ---------------------------------------------------------------------------
// Shared steps of the tests above.

/// Which of the rows `everything` inserted are still there, by table.
async fn tables_still_holding(
    db: &DatabaseConnection,
    everything: &Everything,
) -> Vec<&'static str> {
    let link = &everything.link;
    let found = [
        (
            "users",
            exists(user::Entity::find_by_id(everything.user.id), db).await,
        ),
        (
            "user_preferences",
            exists(
                user_preferences::Entity::find_by_id(everything.preferences.user_id),
                db,
            )
            .await,
        ),
        (
            "sessions",
            exists(session::Entity::find_by_id(everything.session.id), db).await,
        ),
        (
            "categories",
            exists(category::Entity::find_by_id(everything.category.id), db).await,
        ),
        (
            "tags",
            exists(tag::Entity::find_by_id(everything.tag.id), db).await,
        ),
        (
            "todos",
            exists(todo::Entity::find_by_id(everything.todo.id), db).await,
        ),
        (
            "todo_tags",
            exists(
                todo_tag::Entity::find_by_id((link.todo_id, link.tag_id)),
                db,
            )
            .await,
        ),
        (
            "todo_history",
            exists(todo_history::Entity::find_by_id(everything.history.id), db).await,
        ),
        (
            "audit_logs",
            exists(audit_log::Entity::find_by_id(everything.audit.id), db).await,
        ),
        (
            "mail_outbox",
            exists(mail_outbox::Entity::find_by_id(everything.mail.id), db).await,
        ),
        (
            "account_tokens",
            exists(account_token::Entity::find_by_id(everything.token.id), db).await,
        ),
        (
            "api_keys",
            exists(api_key::Entity::find_by_id(everything.api_key.id), db).await,
        ),
        (
            "user_state",
            exists(
                user_state::Entity::find_by_id(everything.user_state.user_id),
                db,
            )
            .await,
        ),
        (
            "rate_limits",
            exists(
                rate_limit::Entity::find_by_id((
                    everything.rate_limit.bucket.clone(),
                    everything.rate_limit.window_start,
                )),
                db,
            )
            .await,
        ),
        (
            "idempotency_keys",
            exists(
                idempotency_key::Entity::find_by_id(everything.idempotency_key.id),
                db,
            )
            .await,
        ),
        (
            "sync_deletions",
            exists(
                sync_deletion::Entity::find_by_id(everything.sync_deletion.id),
                db,
            )
            .await,
        ),
    ];
    found
        .into_iter()
        .filter_map(|(table, present)| present.then_some(table))
        .collect()
}

async fn exists<E: EntityTrait>(select: sea_orm::Select<E>, db: &DatabaseConnection) -> bool {
    select.one(db).await.expect("query").is_some()
}

/// 2100-12-31T23:59:59.123456Z: past MySQL's TIMESTAMP range, with microseconds.
fn far_future() -> DateTimeWithTimeZone {
    (Utc.with_ymd_and_hms(2100, 12, 31, 23, 59, 59).unwrap() + TimeDelta::microseconds(123_456))
        .fixed_offset()
}

async fn reload_todo(db: &DatabaseConnection, id: Uuid) -> todo::Model {
    todo::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("query")
        .expect("todo exists")
}

#[track_caller]
pub(crate) fn assert_unique_violation(err: &DbErr) {
    assert!(
        matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
        "expected a unique violation, got {err:?}"
    );
}
