//! The limit of live keys per account, alone and under concurrent creates.

use chrono::{Duration, Utc};
use futures_util::future::join_all;
use serde_json::json;
use tests::TestApp;

use super::{KEYS, create_key, set_expiry};

#[actix_web::test]
async fn twenty_live_keys_at_most_and_revoking_one_frees_a_slot() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let mut ids = Vec::new();
    for n in 0..20 {
        let key = create_key(&app, &ada, &format!("key {n}"), &["read"]).await;
        ids.push(key["id"].as_str().unwrap().to_owned());
    }
    let body = json!({ "name": "one more", "scopes": ["read"] });
    app.post_as(&ada, KEYS, &body)
        .await
        .assert_problem(409, "conflict");
    // Another user's keys are counted apart.
    let bob = app.signup("bob").await;
    create_key(&app, &bob, "mine", &["read"]).await;

    app.delete_as(&ada, &format!("{KEYS}/{}", ids[3]))
        .await
        .assert_status(204);
    app.post_as(&ada, KEYS, &body).await.assert_status(201);
    app.post_as(&ada, KEYS, &body)
        .await
        .assert_problem(409, "conflict");
    // An expired key is no longer live either.
    set_expiry(&app, &ids[5], Utc::now() - Duration::seconds(1)).await;
    app.post_as(&ada, KEYS, &body).await.assert_status(201);
    assert_eq!(
        app.get_as(&ada, KEYS)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        22
    );
}

/// Creates racing for the last free slot: the owner's row is locked by
/// each, so exactly one of them takes it, on every engine.
#[actix_web::test]
async fn concurrent_creates_never_exceed_the_limit() {
    let app = TestApp::spawn_concurrent().await;
    let ada = app.signup("ada").await;
    for n in 0..19 {
        create_key(&app, &ada, &format!("key {n}"), &["read"]).await;
    }
    let body = json!({ "name": "racing", "scopes": ["read"] });
    let answers = join_all((0..6).map(|_| app.post_as(&ada, KEYS, &body))).await;
    let statuses: Vec<u16> = answers.iter().map(|res| res.status.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [201, 409].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        app.get_as(&ada, KEYS)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        20
    );
}
