//! Migrations go up, come down one step at a time and go up again on a
//! database holding rows, on whichever engine the suite runs against; the
//! data migration seeds exactly the missing preference rows and removes
//! exactly those again.

use migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, Statement};
use sea_orm_migration::MigrationStatus;

use crate::schema::rows::{
    Everything, a_user, custom_preferences, insert, insert_before_verification, now,
};
use entity::{user, user_preferences};
use tests::TestDb;

/// The tables each migration creates, by migration name. The steps
/// themselves come from [`Migrator::migrations`]; one that creates no table
/// (an index, a data migration, a new column) needs no entry here.
const CREATES: [(&str, &[&str]); 16] = [
    ("m20261123_000001_create_users", &["users"]),
    (
        "m20261123_000002_create_user_preferences",
        &["user_preferences"],
    ),
    ("m20261123_000003_create_sessions", &["sessions"]),
    ("m20261123_000004_create_categories", &["categories"]),
    ("m20261123_000005_create_tags", &["tags"]),
    ("m20261123_000006_create_todos", &["todos"]),
    ("m20261123_000007_create_todo_tags", &["todo_tags"]),
    ("m20261123_000008_create_todo_history", &["todo_history"]),
    ("m20261123_000009_create_audit_logs", &["audit_logs"]),
    ("m20261201_000001_create_mail_outbox", &["mail_outbox"]),
    (
        "m20261202_000002_create_account_tokens",
        &["account_tokens"],
    ),
    ("m20261202_000003_create_api_keys", &["api_keys"]),
    ("m20261202_000004_create_user_state", &["user_state"]),
    ("m20261202_000005_create_rate_limits", &["rate_limits"]),
    (
        "m20261202_000006_create_idempotency_keys",
        &["idempotency_keys"],
    ),
    ("m20261202_000007_add_sync_columns", &["sync_deletions"]),
];

/// The data migration that gives every user the default preferences.
const SEED: &str = "m20261123_000010_seed_missing_user_preferences";

/// The migration that adds `email_verified`, true for the accounts before it.
const LIFECYCLE: &str = "m20261202_000001_add_user_lifecycle_columns";

/// One migration, in the order the migrator runs them.
struct Step {
    name: String,
    /// The tables it creates (see [`CREATES`]).
    made: &'static [&'static str],
}

/// Every migration, oldest first, with the tables it creates.
fn steps() -> Vec<Step> {
    let steps: Vec<Step> = Migrator::migrations()
        .iter()
        .map(|migration| {
            let name = migration.name().to_owned();
            let made = CREATES
                .iter()
                .find(|(creator, _)| *creator == name)
                .map_or(&[][..], |(_, tables)| *tables);
            Step { name, made }
        })
        .collect();
    for name in CREATES.iter().map(|(name, _)| *name).chain([SEED]) {
        assert!(
            steps.iter().any(|step| step.name == name),
            "{name} is not a migration of the migrator"
        );
    }
    steps
}

/// How many migrations run up to, not including, the one named `name`.
fn steps_before(name: &str) -> u32 {
    let index = steps()
        .iter()
        .position(|step| step.name == name)
        .unwrap_or_else(|| panic!("{name} is a migration"));
    u32::try_from(index).expect("a few migrations")
}

#[tokio::test]
async fn each_down_drops_only_its_own_tables_and_up_again_restores_the_schema() {
    let test = TestDb::fresh().await;
    let db = &test.db;
    let steps = steps();
    Migrator::up(db, None).await.expect("up");
    // One row in every table. The preferences are customised, so the data
    // migration's `down` (which removes untouched default rows) keeps them.
    Everything::insert(db, "alice").await;

    for step in (0..steps.len()).rev() {
        Migrator::down(db, Some(1)).await.expect("down one step");
        let Step { name, made } = &steps[step];

        assert_eq!(
            applied(db).await,
            names(&steps[..step]),
            "after undoing {name}"
        );
        for table in *made {
            assert!(!has_table(db, table).await, "{name} down left {table}");
        }
        for earlier in &steps[..step] {
            for table in earlier.made {
                assert!(has_table(db, table).await, "{name} down dropped {table}");
                assert_eq!(
                    count(db, table).await,
                    1,
                    "{name} down changed rows of {table}"
                );
            }
        }
    }

    // Midway: the first three applied, in order, the rest pending.
    Migrator::up(db, Some(3)).await.expect("up three steps");
    assert_status(db, 3).await;
    assert!(has_table(db, "sessions").await);
    assert!(!has_table(db, "categories").await);

    Migrator::up(db, None).await.expect("up the rest");
    assert_status(db, steps.len()).await;
    for step in &steps {
        for table in step.made {
            assert!(has_table(db, table).await, "{table} is back");
            assert_eq!(count(db, table).await, 0, "{table} is back empty");
        }
    }
    // And the schema works again, relations and all.
    Everything::insert(db, "bob").await;
}

#[tokio::test]
async fn a_fresh_database_has_every_migration_pending() {
    let test = TestDb::fresh().await;

    assert_status(&test.db, 0).await;
}

#[tokio::test]
async fn the_seed_migration_gives_every_user_without_preferences_the_defaults() {
    let test = TestDb::fresh().await;
    let db = &test.db;
    Migrator::up(db, Some(steps_before(SEED)))
        .await
        .expect("up to the seed migration");
    let alice = insert_before_verification(db, a_user("alice"))
        .await
        .expect("alice");
    let bob = insert_before_verification(db, a_user("bob"))
        .await
        .expect("bob");
    let carol = insert_before_verification(db, a_user("carol"))
        .await
        .expect("carol");
    let customised = insert(db, custom_preferences(&carol))
        .await
        .expect("carol's");

    Migrator::up(db, None)
        .await
        .expect("run the seed migration");

    let rows = all_preferences(db).await;
    assert_eq!(rows.len(), 3, "one row per user: {rows:?}");
    for user in [&alice, &bob] {
        let row = rows
            .iter()
            .find(|row| row.user_id == user.id)
            .unwrap_or_else(|| panic!("{} got preferences", user.username));
        assert_eq!(row.updated_at, row.created_at);
        assert_eq!(
            *row,
            user_preferences::Model::defaults_for(user.id, row.created_at)
        );
    }
    assert!(rows.contains(&customised), "carol's own row is untouched");
}

#[tokio::test]
async fn undoing_the_seed_migration_removes_exactly_the_rows_it_seeded() {
    let test = TestDb::fresh().await;
    let db = &test.db;
    Migrator::up(db, Some(steps_before(SEED)))
        .await
        .expect("up to the seed migration");
    insert_before_verification(db, a_user("alice"))
        .await
        .expect("alice");
    let carol = insert_before_verification(db, a_user("carol"))
        .await
        .expect("carol");
    let dave = insert_before_verification(db, a_user("dave"))
        .await
        .expect("dave");
    let customised = insert(db, custom_preferences(&carol))
        .await
        .expect("carol's");
    // Default values, but saved after creation: a user's choice, kept.
    let created = now() - chrono::TimeDelta::hours(1);
    let resaved = user_preferences::Model {
        created_at: created,
        ..user_preferences::Model::defaults_for(dave.id, now())
    };
    let resaved = insert(db, resaved).await.expect("dave's");
    // Only the seed migration, so that the step below undoes exactly it.
    Migrator::up(db, Some(1))
        .await
        .expect("run the seed migration");
    assert_eq!(all_preferences(db).await.len(), 3);

    Migrator::down(db, Some(1))
        .await
        .expect("undo the seed migration");

    let mut expected = vec![customised, resaved];
    expected.sort_by_key(|row| row.user_id);
    assert_eq!(all_preferences(db).await, expected);

    Migrator::up(db, None).await.expect("seed again");
    assert_eq!(
        all_preferences(db).await.len(),
        3,
        "alice's row is seeded again"
    );
}

#[tokio::test]
async fn accounts_older_than_address_verification_count_as_verified() {
    let test = TestDb::fresh().await;
    let db = &test.db;
    Migrator::up(db, None).await.expect("up");
    let unverified = user::Model {
        email_verified: false,
        ..a_user("alice")
    };
    let alice = insert(db, unverified).await.expect("alice");
    let since = steps().len() - usize::try_from(steps_before(LIFECYCLE)).expect("a few");
    Migrator::down(db, Some(u32::try_from(since).expect("a few")))
        .await
        .expect("back to before verification");
    assert_status(db, steps().len() - since).await;

    Migrator::up(db, None).await.expect("up again");
    let alice = user::Entity::find_by_id(alice.id)
        .one(db)
        .await
        .expect("read")
        .expect("alice is kept");
    assert!(alice.email_verified, "an older account counts as verified");
    assert_eq!(alice.deletion_scheduled_for, None);
}

/// Names of `steps`, in order.
fn names(steps: &[Step]) -> Vec<String> {
    steps.iter().map(|step| step.name.clone()).collect()
}

async fn applied(db: &DatabaseConnection) -> Vec<String> {
    Migrator::get_applied_migrations(db)
        .await
        .expect("applied migrations")
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// The first `applied` migrations are applied and the rest pending, as seen
/// by every status query the server and the CLI use.
async fn assert_status(db: &DatabaseConnection, applied_count: usize) {
    let statuses: Vec<(String, MigrationStatus)> = Migrator::get_migration_with_status(db)
        .await
        .expect("statuses")
        .iter()
        .map(|m| (m.name().to_owned(), m.status()))
        .collect();
    let steps = steps();
    let expected: Vec<(String, MigrationStatus)> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let status = if i < applied_count {
                MigrationStatus::Applied
            } else {
                MigrationStatus::Pending
            };
            (step.name.clone(), status)
        })
        .collect();
    assert_eq!(statuses, expected);

    assert_eq!(applied(db).await, names(&steps[..applied_count]));
    let pending: Vec<String> = Migrator::get_pending_migrations(db)
        .await
        .expect("pending migrations")
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    assert_eq!(pending, names(&steps[applied_count..]));
}

/// Whether the engine's catalog lists `table`.
async fn has_table(db: &DatabaseConnection, table: &str) -> bool {
    SchemaManager::new(db)
        .has_table(table)
        .await
        .expect("catalog query")
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("count query")
        .expect("one row")
        .try_get_by_index::<i64>(0)
        .expect("a count")
}

async fn all_preferences(db: &DatabaseConnection) -> Vec<user_preferences::Model> {
    user_preferences::Entity::find()
        .order_by_asc(user_preferences::Column::UserId)
        .all(db)
        .await
        .expect("preferences")
}

#[tokio::test]
async fn the_user_state_migration_gives_every_existing_user_a_write_sequence_at_zero() {
    use entity::user_state;
    let test = TestDb::fresh().await;
    let db = &test.db;
    Migrator::up(db, Some(steps_before("m20261202_000004_create_user_state")))
        .await
        .expect("up to the user state");
    let alice = insert(db, a_user("alice")).await.expect("alice");
    let bob = insert(db, a_user("bob")).await.expect("bob");

    Migrator::up(db, None).await.expect("up");

    let rows: Vec<(uuid::Uuid, i64)> = user_state::Entity::find()
        .order_by_asc(user_state::Column::UserId)
        .all(db)
        .await
        .expect("rows")
        .into_iter()
        .map(|row| (row.user_id, row.write_seq))
        .collect();
    let mut expected = vec![(alice.id, 0), (bob.id, 0)];
    expected.sort_unstable();
    assert_eq!(rows, expected);
}

#[tokio::test]
async fn the_counter_migration_counts_the_todos_already_there_and_comes_down_cleanly() {
    use crate::schema::rows::a_todo;
    use entity::{todo, user_state};
    const COUNTERS: &str = "m20261202_000008_add_todo_counters";
    let test = TestDb::fresh().await;
    let db = &test.db;
    Migrator::up(db, Some(steps_before(COUNTERS)))
        .await
        .expect("up to the counters");
    // Alice has no `user_state` row (an account written by hand); Bob has one.
    let alice = insert(db, a_user("alice")).await.expect("alice");
    let bob = insert(db, a_user("bob")).await.expect("bob");
    let states = [
        (todo::TodoStatus::Pending, false),
        (todo::TodoStatus::Pending, false),
        (todo::TodoStatus::Completed, false),
        (todo::TodoStatus::Archived, true),
        (todo::TodoStatus::InProgress, true),
    ];
    for (status, deleted) in states {
        let row = todo::Model {
            status,
            deleted_at: deleted.then(now),
            ..a_todo(&alice, None)
        };
        insert(db, row).await.expect("alice's todo");
    }
    db.execute_unprepared(
        "INSERT INTO user_state (user_id, write_seq, updated_at, sync_floor) \
         SELECT id, 0, updated_at, 0 FROM users WHERE username = 'bob'",
    )
    .await
    .expect("bob's state");

    let counters = |row: user_state::Model| {
        [
            row.todos_pending,
            row.todos_in_progress,
            row.todos_completed,
            row.todos_archived,
            row.todos_deleted,
        ]
    };
    for round in ["up", "down and up again"] {
        if round != "up" {
            Migrator::down(db, Some(1))
                .await
                .expect("down the counters");
        }
        Migrator::up(db, None).await.expect("up");
        let state = |id| async move {
            user_state::Entity::find_by_id(id)
                .one(db)
                .await
                .expect("read")
                .expect("a row")
        };
        assert_eq!(counters(state(alice.id).await), [2, 0, 1, 0, 2], "{round}");
        assert_eq!(counters(state(bob.id).await), [0; 5], "{round}");
    }
}
