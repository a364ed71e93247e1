//! Where a key is accepted (the todo, category and tag routes, as the
//! document says), what a `read` key may do, and where a key is refused.

use actix_web::http::Method;
use serde_json::{Value, json};
use tests::TestApp;

use super::{KEYS, create_key, secret, with_key};

/// Arranges, as `key`'s owner through the key itself, a todo, a category
/// and a tag; answers their paths.
async fn arrange(app: &TestApp, key: &str) -> [String; 3] {
    let todo = with_key(
        app,
        Method::POST,
        "/api/v1/todos",
        key,
        Some(&json!({ "title": "Ship it", "tags": ["release"] })),
    )
    .await;
    todo.assert_status(201);
    let category = with_key(
        app,
        Method::POST,
        "/api/v1/categories",
        key,
        Some(&json!({ "name": "Work" })),
    )
    .await;
    category.assert_status(201);
    let tag = with_key(
        app,
        Method::POST,
        "/api/v1/tags",
        key,
        Some(&json!({ "name": "later" })),
    )
    .await;
    tag.assert_status(201);
    [todo, category, tag].map(|res| res.header("location").expect("Location"))
}

#[actix_web::test]
async fn a_write_key_reads_and_writes_the_owners_todos_categories_and_tags() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let key = secret(&create_key(&app, &ada, "sync", &["read", "write"]).await);
    let [todo, category, tag] = arrange(&app, &key).await;

    for path in [
        "/api/v1/todos",
        "/api/v1/todos/stats",
        "/api/v1/categories",
        "/api/v1/tags",
        todo.as_str(),
        &format!("{todo}/history"),
        category.as_str(),
    ] {
        with_key(&app, Method::GET, path, &key, None)
            .await
            .assert_status(200);
    }
    let writes = [
        (
            Method::PATCH,
            todo.clone(),
            json!({ "status": "completed" }),
            200,
        ),
        (
            Method::PATCH,
            category.clone(),
            json!({ "color": "#ff0000" }),
            200,
        ),
        (Method::PATCH, tag.clone(), json!({ "name": "soon" }), 200),
        (
            Method::POST,
            "/api/v1/todos/bulk".to_owned(),
            json!({ "items": [{ "title": "One" }, { "title": "Two" }] }),
            201,
        ),
        (
            Method::PATCH,
            "/api/v1/todos/bulk".to_owned(),
            json!({ "ids": [todo.rsplit('/').next()], "set": { "priority": "high" } }),
            200,
        ),
    ];
    for (method, path, body, status) in writes {
        with_key(&app, method, &path, &key, Some(&body))
            .await
            .assert_status(status);
    }
    // What the key made is the owner's, as the owner's token sees it.
    let listed = app.get_as(&ada, "/api/v1/todos").await.json();
    assert_eq!(listed["total"], 3);
    let stats = with_key(&app, Method::GET, "/api/v1/todos/stats", &key, None).await;
    assert_eq!(stats.json()["by_status"]["completed"], 1);
}

#[actix_web::test]
async fn a_read_key_reads_but_every_write_is_forbidden() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let writer = secret(&create_key(&app, &ada, "writer", &["read", "write"]).await);
    let reader = secret(&create_key(&app, &ada, "reader", &["read"]).await);
    let [todo, category, tag] = arrange(&app, &writer).await;
    let todo_id = todo.rsplit('/').next().unwrap().to_owned();
    let before = app.get_as(&ada, &todo).await.json();

    for path in [
        "/api/v1/todos",
        "/api/v1/todos/stats",
        "/api/v1/categories",
        "/api/v1/tags",
        todo.as_str(),
    ] {
        with_key(&app, Method::GET, path, &reader, None)
            .await
            .assert_status(200);
        with_key(&app, Method::HEAD, path, &reader, None)
            .await
            .assert_status(200);
    }
    let ids = json!({ "ids": [todo_id] });
    let writes: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/api/v1/todos".into(),
            json!({ "title": "No" }),
        ),
        (Method::PATCH, todo.clone(), json!({ "title": "No" })),
        (Method::DELETE, todo.clone(), json!({})),
        (Method::POST, format!("{todo}/complete"), json!({})),
        (
            Method::POST,
            "/api/v1/categories".into(),
            json!({ "name": "No" }),
        ),
        (Method::PATCH, category.clone(), json!({ "name": "No" })),
        (Method::DELETE, category.clone(), json!({})),
        (Method::POST, "/api/v1/tags".into(), json!({ "name": "no" })),
        (Method::PATCH, tag.clone(), json!({ "name": "no" })),
        (Method::DELETE, tag.clone(), json!({})),
        (
            Method::POST,
            "/api/v1/todos/bulk".into(),
            json!({ "items": [{ "title": "No" }] }),
        ),
        (
            Method::PATCH,
            "/api/v1/todos/bulk".into(),
            json!({ "ids": [todo_id], "set": { "status": "archived" } }),
        ),
        (
            Method::POST,
            "/api/v1/todos/bulk-delete".into(),
            ids.clone(),
        ),
        (Method::POST, "/api/v1/todos/bulk-restore".into(), ids),
    ];
    for (method, path, body) in writes {
        let label = format!("{method} {path}");
        let res = with_key(&app, method, &path, &reader, Some(&body)).await;
        let problem = res.assert_problem(403, "forbidden");
        assert!(
            problem["detail"].as_str().unwrap().contains("write"),
            "{label}: {problem}"
        );
    }
    // Nothing changed.
    assert_eq!(app.get_as(&ada, &todo).await.json(), before);
    assert_eq!(app.get_as(&ada, "/api/v1/todos").await.json()["total"], 1);
}

#[actix_web::test]
async fn a_key_is_refused_off_its_routes_with_a_helpful_401() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let key = secret(&create_key(&app, &ada, "ci", &["read", "write"]).await);
    let calls = [
        (Method::GET, "/api/v1/users/me", None),
        (Method::GET, "/api/v1/auth/sessions", None),
        (Method::GET, KEYS, None),
        (
            Method::POST,
            KEYS,
            Some(json!({ "name": "from a key", "scopes": ["read"] })),
        ),
    ];
    for (method, path, body) in calls {
        let res = with_key(&app, method, path, &key, body.as_ref()).await;
        let problem = res.assert_problem(401, "unauthorized");
        assert_eq!(res.header("www-authenticate").as_deref(), Some("Bearer"));
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("X-API-Key") && detail.contains("Bearer"),
            "{path}: {detail}"
        );
    }
    // A key that is no key of ours, and one that was never issued.
    for junk in ["", "not-a-key", "todo_doesnotexist"] {
        with_key(&app, Method::GET, "/api/v1/todos", junk, None)
            .await
            .assert_problem(401, "unauthorized");
    }
}

#[actix_web::test]
async fn a_key_and_a_bearer_token_together_are_a_bad_request() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let key = secret(&create_key(&app, &ada, "ci", &["read"]).await);
    for path in ["/api/v1/todos", "/api/v1/users/me", KEYS] {
        let req = app
            .request(Method::GET, path)
            .bearer_auth(&ada.token)
            .insert_header(("X-API-Key", key.as_str()));
        let problem = app.send(req, None).await.assert_problem(400, "bad_request");
        assert!(problem["detail"].as_str().unwrap().contains("not both"));
    }
}

/// The document says which operations take a key; the server agrees: each
/// of them lets a valid key through (whatever else it then answers), and
/// every other authenticated operation refuses it with `401`.
#[actix_web::test]
async fn the_operations_documented_as_taking_a_key_are_those_that_do() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let key = secret(&create_key(&app, &ada, "ci", &["read", "write"]).await);
    let doc = app.get("/api-docs/openapi.json").await.json();
    let either = json!([{ "bearer_auth": [] }, { "api_key": [] }]);
    let mut keyed = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let public = operation["security"] == json!([]);
            let takes_key = operation["security"] == either;
            if public {
                continue;
            }
            let path = path.replace("{id}", "0193a000-0000-7000-8000-000000000000");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let op = format!("{method} {path}");
            let res = with_key(&app, method, &path, &key, None).await;
            if takes_key {
                keyed += 1;
                assert!(
                    ![400, 401, 403].contains(&res.status.as_u16()),
                    "{op} refused the key: {}",
                    res.text()
                );
                assert!(
                    op.contains("/todos")
                        || op.contains("/categories")
                        || op.contains("/tags")
                        || op.contains("/sync")
                );
            } else {
                assert_eq!(res.status.as_u16(), 401, "{op} took the key");
            }
        }
    }
    assert!(keyed >= 24, "{keyed} operations take a key");
    let scheme = &doc["components"]["securitySchemes"]["api_key"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["in"].as_str()),
        (Some("apiKey"), Some("header"))
    );
    assert_eq!(scheme["name"], "X-API-Key");
}
