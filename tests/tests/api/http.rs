//! HTTP as browsers and HTTP clients expect it: entity tags that change
//! with the representation, `Location` on creation, CORS preflights, and
//! `HEAD` on the system endpoints.

use actix_web::http::Method;
use api::conditional::etag;
use serde_json::{Value, json};
use tests::{TestApp, TestResponse, TestUser};

/// The `ETag` of an answer, checked to be the version and hash of its body.
#[track_caller]
fn tag_of(res: &TestResponse, version: i64) -> String {
    let tag = res.header("etag").expect("an ETag");
    let version = i32::try_from(version).expect("a small version");
    assert_eq!(tag, etag(version, &res.body), "the tag is the body's");
    tag
}

/// `GET path` as `user` with `If-None-Match: tag`.
async fn get_unless(app: &TestApp, user: &TestUser, path: &str, tag: &str) -> TestResponse {
    app.call_with_headers(user, Method::GET, path, &[("If-None-Match", tag)], None)
        .await
}

fn category_path(category: &Value) -> String {
    format!(
        "/api/v1/categories/{}",
        category["id"].as_str().expect("id")
    )
}

#[actix_web::test]
async fn a_category_etag_changes_when_its_todo_count_does() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let work = app.create_category(&ada, "work").await;
    let path = category_path(&work);
    let before = app.get_as(&ada, &path).await;
    let old_tag = tag_of(&before, 1);
    get_unless(&app, &ada, &path, &old_tag)
        .await
        .assert_status(304);

    app.create_todo(&ada, &json!({ "title": "t", "category_id": work["id"] }))
        .await;

    let res = get_unless(&app, &ada, &path, &old_tag).await;
    res.assert_status(200);
    assert_eq!(res.json()["todo_count"], 1);
    assert_eq!(res.json()["version"], 1, "a count is no change of the row");
    let new_tag = tag_of(&res, 1);
    assert_ne!(new_tag, old_tag);
    let res = get_unless(&app, &ada, &path, &new_tag).await;
    res.assert_status(304);
    assert_eq!(res.header("etag"), Some(new_tag), "a 304 names the tag");
    assert!(res.body.is_empty());
}

#[actix_web::test]
async fn if_match_compares_only_the_version_a_category_etag_carries() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let work = app.create_category(&ada, "work").await;
    let path = category_path(&work);
    let old_tag = tag_of(&app.get_as(&ada, &path).await, 1);
    app.create_todo(&ada, &json!({ "title": "t", "category_id": work["id"] }))
        .await;

    let rename = async |tag: &str, name: &str| {
        app.call_with_headers(
            &ada,
            Method::PATCH,
            &path,
            &[("If-Match", tag)],
            Some(&json!({ "name": name })),
        )
        .await
    };
    // Read before the count moved, but the version is current: the change goes through.
    let res = rename(&old_tag, "Work").await;
    res.assert_status(200);
    let patched_tag = tag_of(&res, 2);

    // The version that tag carries is gone now.
    rename(&old_tag, "Job")
        .await
        .assert_problem(412, "precondition_failed");
    // A bare version tag is still understood.
    rename("W/\"2\"", "Job").await.assert_status(200);
    rename(&patched_tag, "Task")
        .await
        .assert_problem(412, "precondition_failed");
}

#[actix_web::test]
async fn a_todo_etag_changes_when_its_category_is_renamed() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let work = app.create_category(&ada, "work").await;
    let todo = app
        .create_todo(&ada, &json!({ "title": "t", "category_id": work["id"] }))
        .await;
    let path = TestApp::todo_path(&todo);
    let old_tag = app.get_as(&ada, &path).await.header("etag").expect("tag");

    app.patch_as(&ada, &category_path(&work), &json!({ "name": "job" }))
        .await
        .assert_status(200);

    let res = get_unless(&app, &ada, &path, &old_tag).await;
    res.assert_status(200);
    assert_eq!(res.json()["category"]["name"], "job");
    let version = res.json()["version"].as_i64().expect("version");
    assert_ne!(tag_of(&res, version), old_tag);
}

#[actix_web::test]
async fn a_user_etag_changes_when_their_preferences_do() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await;
    let me = "/api/v1/users/me";
    let as_admin = format!("/api/v1/users/{}", ada.id);
    let old_tag = tag_of(&app.get_as(&ada, me).await, 1);
    let admin_tag = app.get_as(&admin, &as_admin).await.header("etag");
    assert_eq!(
        admin_tag.as_ref(),
        Some(&old_tag),
        "one user, one representation"
    );

    let res = app
        .patch_as(&ada, me, &json!({ "preferences": { "theme": "dark" } }))
        .await;
    res.assert_status(200);
    let patched_tag = tag_of(&res, 2);

    let res = get_unless(&app, &ada, me, &old_tag).await;
    res.assert_status(200);
    assert_eq!(res.json()["preferences"]["theme"], "dark");
    assert_eq!(
        tag_of(&res, 2),
        patched_tag,
        "the PATCH answered the tag a GET gives"
    );
    get_unless(&app, &ada, me, &patched_tag)
        .await
        .assert_status(304);
    get_unless(&app, &admin, &as_admin, &old_tag)
        .await
        .assert_status(200);
    get_unless(&app, &admin, &as_admin, &patched_tag)
        .await
        .assert_status(304);
}

#[actix_web::test]
async fn the_tag_of_every_write_answer_is_the_tag_a_get_gives() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let created = app
        .post_as(&ada, "/api/v1/categories", &json!({ "name": "work" }))
        .await;
    created.assert_status(201);
    let path = category_path(&created.json());
    get_unless(&app, &ada, &path, &tag_of(&created, 1))
        .await
        .assert_status(304);

    let created = app
        .post_as(
            &ada,
            "/api/v1/todos",
            &json!({ "title": "t", "tags": ["x"] }),
        )
        .await;
    created.assert_status(201);
    let path = TestApp::todo_path(&created.json());
    get_unless(&app, &ada, &path, &tag_of(&created, 1))
        .await
        .assert_status(304);

    let mut version = 1;
    for (method, action) in [
        (Method::POST, "complete"),
        (Method::POST, "reopen"),
        (Method::DELETE, ""),
        (Method::POST, "restore"),
    ] {
        let target = if action.is_empty() {
            path.clone()
        } else {
            format!("{path}/{action}")
        };
        let res = app.call_as(method, &target, &ada.token, None).await;
        version += 1;
        if action.is_empty() {
            res.assert_status(204);
            continue;
        }
        res.assert_status(200);
        let tag = tag_of(&res, version);
        get_unless(&app, &ada, &path, &tag).await.assert_status(304);
    }
}

#[actix_web::test]
async fn creating_a_resource_answers_its_location() {
    let app = TestApp::spawn().await;
    let registered = app
        .register("ada@example.com", "ada", tests::PASSWORD)
        .await;
    registered.assert_status(201);
    assert_eq!(
        registered.header("location").as_deref(),
        Some("/api/v1/users/me")
    );
    let ada = app.signup("grace").await;

    for (path, body) in [
        ("/api/v1/todos", json!({ "title": "t" })),
        ("/api/v1/categories", json!({ "name": "work" })),
        ("/api/v1/tags", json!({ "name": "urgent" })),
    ] {
        let res = app.post_as(&ada, path, &body).await;
        res.assert_status(201);
        let id = res.json()["id"].as_str().expect("id").to_owned();
        let location = res.header("location").expect("a Location");
        assert_eq!(location, format!("{path}/{id}"));
        // The path answers for the resource: a read, or for a tag its rename.
        let at = if path == "/api/v1/tags" {
            app.patch_as(&ada, &location, &json!({ "name": "later" }))
                .await
        } else {
            app.get_as(&ada, &location).await
        };
        at.assert_status(200);
        assert_eq!(at.json()["id"], id.as_str());
    }

    let doc = app.get("/api-docs/openapi.json").await.json();
    for path in [
        "/api/v1/auth/register",
        "/api/v1/todos",
        "/api/v1/categories",
        "/api/v1/tags",
    ] {
        let created = &doc["paths"][path]["post"]["responses"]["201"];
        assert!(
            created["headers"]["Location"].is_object(),
            "{path} documents Location: {created}"
        );
    }
}

const ORIGIN: &str = "https://app.example";

/// A preflight from `origin` for `PATCH /api/v1/todos` sending `headers`.
async fn preflight(app: &TestApp, origin: &str, headers: &str) -> TestResponse {
    let req = app
        .request(Method::OPTIONS, "/api/v1/todos")
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", "PATCH"))
        .insert_header(("Access-Control-Request-Headers", headers));
    app.send(req, None).await
}

/// The comma-separated names of a header, lower-case.
fn names(res: &TestResponse, header: &str) -> Vec<String> {
    res.header(header)
        .unwrap_or_default()
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

const API_REQUEST_HEADERS: [&str; 7] = [
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "x-request-id",
    "idempotency-key",
    "x-api-key",
];

async fn cors_app(extra_headers: &[&str]) -> TestApp {
    let extra: Vec<_> = extra_headers
        .iter()
        .map(|h| h.parse().expect("a header name"))
        .collect();
    TestApp::spawn_with(move |config| {
        config.cors_allowed_origins = vec![ORIGIN.to_owned()];
        config.cors_allowed_headers = extra;
    })
    .await
}

#[actix_web::test]
async fn a_preflight_may_send_every_header_the_api_names() {
    let app = cors_app(&[]).await;
    let res = preflight(&app, ORIGIN, &API_REQUEST_HEADERS.join(", ")).await;
    res.assert_status(200);
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    let mut allowed = names(&res, "access-control-allow-headers");
    allowed.sort();
    let mut expected = API_REQUEST_HEADERS.map(str::to_owned).to_vec();
    expected.sort();
    assert_eq!(allowed, expected);
}

#[actix_web::test]
async fn a_header_the_api_does_not_name_is_refused_with_a_problem() {
    let app = cors_app(&[]).await;
    let res = preflight(&app, ORIGIN, "content-type, traceparent").await;
    let body = res.assert_problem(403, "forbidden");
    let detail = body["detail"].as_str().expect("detail");
    assert!(detail.contains("traceparent"), "{detail}");
    assert!(!detail.contains("content-type"), "{detail}");
}

#[actix_web::test]
async fn cors_allowed_headers_adds_to_what_a_preflight_may_send() {
    let app = cors_app(&["traceparent", "Cache-Control"]).await;
    let res = preflight(&app, ORIGIN, "authorization, traceparent, cache-control").await;
    res.assert_status(200);
    let allowed = names(&res, "access-control-allow-headers");
    for name in ["traceparent", "cache-control", "authorization", "if-match"] {
        assert!(allowed.iter().any(|a| a == name), "{name} in {allowed:?}");
    }
    preflight(&app, ORIGIN, "x-other")
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_preflight_from_another_origin_is_refused_with_a_problem() {
    let app = cors_app(&[]).await;
    let res = preflight(&app, "https://evil.example", "content-type").await;
    let body = res.assert_problem(403, "forbidden");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("https://evil.example")),
        "{body}"
    );
    assert!(res.header("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn a_cross_origin_answer_exposes_the_headers_the_api_names() {
    let app = cors_app(&[]).await;
    let ada = app.signup("ada").await;
    let req = app
        .request(Method::GET, "/api/v1/users/me")
        .bearer_auth(&ada.token)
        .insert_header(("Origin", ORIGIN));
    let res = app.send(req, None).await;
    res.assert_status(200);
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    let exposed = names(&res, "access-control-expose-headers");
    for name in [
        "etag",
        "location",
        "retry-after",
        "x-request-id",
        "server-timing",
        "idempotent-replayed",
    ] {
        assert!(exposed.iter().any(|e| e == name), "{name} in {exposed:?}");
    }
}

#[actix_web::test]
async fn head_on_health_and_metrics_is_200_without_a_body() {
    let app = TestApp::spawn().await;
    for path in ["/health", "/metrics"] {
        let res = app.send(app.request(Method::HEAD, path), None).await;
        res.assert_status(200);
        assert!(res.body.is_empty(), "{path}");
        assert!(res.header("content-type").is_some(), "{path}");
    }
}
