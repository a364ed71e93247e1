//! The operator's `create-admin` command.

use tests::{Engine, TestApp, TestDb, test_config};

#[actix_web::test]
async fn create_admin_makes_a_new_admin_then_promotes_an_existing_user() {
    let database = TestDb::fresh().await;
    // The command opens its own connection: in-memory SQLite would give it a
    // database of its own each time, so use a file there.
    let dir = std::env::temp_dir().join(format!("create-admin-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = match Engine::current() {
        Engine::Sqlite => format!("sqlite://{}/todo.db?mode=rwc", dir.display()),
        _ => database.url.clone(),
    };
    let config = || test_config(&url);

    let line = api::admin_cli::create_admin(
        config(),
        "Root@Example.com".into(),
        "root".into(),
        "admin-passw0rd".into(),
    )
    .await
    .expect("created");
    assert!(
        line.starts_with("created admin root <root@example.com>"),
        "{line}"
    );

    let app = TestApp::spawn_with(|c| c.database_url = url.clone().into()).await;
    app.register("ada@example.com", "ada", tests::PASSWORD)
        .await
        .assert_status(201);
    let line = api::admin_cli::create_admin(
        config(),
        "ada@example.com".into(),
        "ignored".into(),
        "admin-passw0rd".into(),
    )
    .await
    .expect("promoted");
    assert!(
        line.starts_with("promoted existing user to admin ada"),
        "{line}"
    );

    let err =
        api::admin_cli::create_admin(config(), "x@example.com".into(), "x".into(), "weak".into())
            .await
            .expect_err("invalid")
            .to_string();
    assert!(
        err.contains("password") && err.contains("username"),
        "{err}"
    );

    // The new admin logs in with the given password and reaches admin routes;
    // the promoted user keeps their own password.
    let token = app.login("root@example.com", "admin-passw0rd").await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let users = app
        .call_as(
            actix_web::http::Method::GET,
            "/api/v1/users?is_admin=true",
            &token,
            None,
        )
        .await;
    users.assert_status(200);
    assert_eq!(users.json()["total"], 2);
    app.login("ada@example.com", tests::PASSWORD)
        .await
        .assert_status(200);
    drop(app);
    std::fs::remove_dir_all(&dir).ok();
}
