//! `purge-accounts`, the operator's purge: run as the binary on a SQLite
//! database holding an account whose deletion is due and one whose grace
//! period lasts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use chrono::TimeDelta;
use entity::user::{self, UserStatus};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, Database, EntityTrait};

fn purge(dir: &std::path::Path) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", "sqlite://purge.db?mode=rwc")
        .arg("purge-accounts")
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn scheduled(name: &str, due_in: TimeDelta) -> user::ActiveModel {
    let now = service::clock::now();
    user::ActiveModel {
        id: Set(service::clock::new_id()),
        email: Set(format!("{name}@example.com")),
        username: Set(name.to_owned()),
        username_key: Set(name.to_owned()),
        password_hash: Set("$2b$04$not.a.real.hash".to_owned()),
        full_name: Set(None),
        bio: Set(None),
        status: Set(UserStatus::Inactive),
        is_admin: Set(false),
        email_verified: Set(true),
        deletion_scheduled_for: Set(Some(now + due_in)),
        deleted_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

#[actix_web::test]
async fn purge_accounts_removes_the_due_accounts_only_and_says_how_many() {
    let dir = std::env::temp_dir().join(format!("purge-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (ok, stdout, stderr) = purge(&dir);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("purged 0 account(s)"), "{stdout}");

    let url = format!("sqlite://{}?mode=rwc", dir.join("purge.db").display());
    let db = Database::connect(url.as_str()).await.expect("open");
    let due = scheduled("due", -TimeDelta::minutes(1))
        .insert(&db)
        .await
        .expect("due");
    let waiting = scheduled("waiting", TimeDelta::days(3))
        .insert(&db)
        .await
        .expect("waiting");
    db.close().await.expect("close");

    let (ok, stdout, stderr) = purge(&dir);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("purged 1 account(s)"), "{stdout}");
    let db = Database::connect(url.as_str()).await.expect("open");
    assert!(
        user::Entity::find_by_id(due.id)
            .one(&db)
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        user::Entity::find_by_id(waiting.id)
            .one(&db)
            .await
            .expect("read")
            .is_some()
    );
    db.close().await.expect("close");
    let _ = std::fs::remove_dir_all(&dir);
}
