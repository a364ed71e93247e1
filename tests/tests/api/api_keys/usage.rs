//! `last_used_at`: uses are remembered in memory and written in batches.

use actix_web::http::Method;
use chrono::{Duration, Utc};
use entity::api_key;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use tests::TestApp;

use super::{KEYS, create_key, secret, with_key};

#[actix_web::test]
async fn last_used_at_follows_the_uses_without_a_write_per_request() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let created = create_key(&app, &ada, "ci", &["read"]).await;
    let key = secret(&created);
    assert!(app.get_as(&ada, KEYS).await.json()[0]["last_used_at"].is_null());

    let before = Utc::now() - Duration::seconds(1);
    for _ in 0..3 {
        with_key(&app, Method::GET, "/api/v1/todos", &key, None)
            .await
            .assert_status(200);
    }
    // Recorded in memory, one entry for the key, not yet in its row.
    assert_eq!(app.state.api_key_usage.pending_keys(), 1);
    let row = api_key::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(row.last_used_at.is_none());

    // The list writes this user's pending uses first.
    let list = app.get_as(&ada, KEYS).await.json();
    let used: chrono::DateTime<Utc> = list[0]["last_used_at"]
        .as_str()
        .expect("last_used_at is set")
        .parse()
        .unwrap();
    assert!(used >= before && used <= Utc::now(), "{used}");
    assert_eq!(app.state.api_key_usage.pending_keys(), 0);

    // A flush never moves the time back.
    let later = service::clock::to_db(Utc::now() + Duration::hours(1));
    api_key::ActiveModel {
        id: Set(row.id),
        last_used_at: Set(Some(later)),
        ..Default::default()
    }
    .update(app.db())
    .await
    .unwrap();
    with_key(&app, Method::GET, "/api/v1/tags", &key, None)
        .await
        .assert_status(200);
    assert_eq!(app.state.api_key_usage.flush(app.db()).await.unwrap(), 1);
    let row = api_key::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.last_used_at, Some(later));
}
