//! The OpenAPI document and the interactive documentation.

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::Value;
use tests::TestApp;

/// Every route of the HTTP contract that exists so far, as `METHOD /path`.
/// A route added to the server must be added here, and to the document.
const CONTRACT: &[&str] = &[
    "GET /health",
    "GET /health/ready",
    "GET /metrics",
    "GET /api-docs/openapi.json",
    "GET /docs",
    "POST /api/v1/auth/register",
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/change-password",
    "GET /api/v1/auth/sessions",
    "DELETE /api/v1/auth/sessions/{id}",
    "DELETE /api/v1/auth/sessions",
    "GET /api/v1/users/me",
    "PATCH /api/v1/users/me",
    "DELETE /api/v1/users/me",
    "GET /api/v1/users",
    "GET /api/v1/users/{id}",
    "PATCH /api/v1/users/{id}",
    "DELETE /api/v1/users/{id}",
    "POST /api/v1/users/{id}/restore",
    "GET /api/v1/admin/audit-logs",
    "GET /api/v1/categories",
    "POST /api/v1/categories",
    "GET /api/v1/categories/{id}",
    "PATCH /api/v1/categories/{id}",
    "DELETE /api/v1/categories/{id}",
    "GET /api/v1/tags",
    "POST /api/v1/tags",
    "PATCH /api/v1/tags/{id}",
    "DELETE /api/v1/tags/{id}",
    "POST /api/v1/tags/merge",
    "POST /api/v1/todos",
    "GET /api/v1/todos",
    "GET /api/v1/todos/stats",
    "POST /api/v1/todos/bulk",
    "PATCH /api/v1/todos/bulk",
    "POST /api/v1/todos/bulk-delete",
    "POST /api/v1/todos/bulk-restore",
    "GET /api/v1/todos/{id}",
    "PATCH /api/v1/todos/{id}",
    "DELETE /api/v1/todos/{id}",
    "POST /api/v1/todos/{id}/restore",
    "POST /api/v1/todos/{id}/complete",
    "POST /api/v1/todos/{id}/reopen",
    "GET /api/v1/todos/{id}/history",
];

fn documented_operations(doc: &Value) -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    ops
}

#[actix_web::test]
async fn the_openapi_document_is_3_1_and_lists_every_route_of_the_contract() {
    let app = TestApp::spawn().await;
    let res = app.get("/api-docs/openapi.json").await;
    res.assert_status(200);
    let doc = res.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let documented = documented_operations(&doc);
    for op in CONTRACT {
        assert!(
            documented.contains(*op),
            "{op} is missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[actix_web::test]
async fn every_documented_route_is_served() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api-docs/openapi.json").await.json();
    for op in documented_operations(&doc) {
        let (method, path) = op.split_once(' ').unwrap();
        // Fill path parameters with a well-formed id that names nothing.
        let path = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "0193a000-0000-7000-8000-000000000000"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let req = app.request(Method::from_bytes(method.as_bytes()).unwrap(), &path);
        let res = app.send(req, None).await;
        let unrouted = res.status == 404 && res.json()["detail"] == "route not found";
        assert!(!unrouted, "{op} is documented but not served");
    }
}

#[actix_web::test]
async fn the_docs_page_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let res = app.get("/docs").await;
    res.assert_status(308);
    assert_eq!(res.header("location").as_deref(), Some("/docs/"));
    let page = app.get("/docs/").await;
    page.assert_status(200);
    assert!(page.text().contains("swagger"), "{}", page.text());
    let init = app.get("/docs/swagger-initializer.js").await;
    init.assert_status(200);
    assert!(init.text().contains("/api-docs/openapi.json"));
    app.get("/docs/swagger-ui-bundle.js")
        .await
        .assert_status(200);
}

/// Every `$ref` under `value`, with its JSON path.
fn references(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) => {
            for (key, item) in fields {
                if key == "$ref"
                    && let Some(target) = item.as_str()
                {
                    out.push((path.to_owned(), target.to_owned()));
                }
                references(item, &format!("{path}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                references(item, &format!("{path}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// A reference to nothing makes client generators fail (openapi-typescript)
/// or skip the operation (openapi-python-client).
#[actix_web::test]
async fn every_reference_in_the_openapi_document_resolves() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api-docs/openapi.json").await.json();
    assert_eq!(
        doc["servers"][0]["url"], "/",
        "clients need a server to call"
    );
    let mut found = Vec::new();
    references(&doc, "#", &mut found);
    assert!(!found.is_empty(), "the document uses references");
    let dangling: Vec<_> = found
        .iter()
        .filter(|(_, target)| {
            let pointer = target.strip_prefix('#').unwrap_or(target);
            !target.starts_with('#') || doc.pointer(pointer).is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:#?}");
}

/// Public operations say so (`security: []`); the rest name the bearer scheme.
#[actix_web::test]
async fn every_operation_states_its_security_and_only_the_public_ones_need_none() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api-docs/openapi.json").await.json();
    let mut public = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let security = operation["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} states no security"));
            if security.is_empty() {
                public.insert(format!("{} {path}", method.to_uppercase()));
            } else {
                assert!(
                    security.iter().all(|s| s.get("bearer_auth").is_some()),
                    "{method} {path}: {security:?}"
                );
            }
        }
    }
    let expected: BTreeSet<String> = [
        "GET /docs",
        "GET /health",
        "GET /health/ready",
        "GET /metrics",
        "GET /api-docs/openapi.json",
        "POST /api/v1/auth/register",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/refresh",
        "POST /api/v1/auth/logout",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(public, expected);
}
