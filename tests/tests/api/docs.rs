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
    "POST /api/v1/api-keys",
    "GET /api/v1/api-keys",
    "POST /api/v1/api-keys/{id}/rotate",
    "DELETE /api/v1/api-keys/{id}",
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

/// Swagger UI's default online validator would receive the document's URL
/// from every reader's browser (outside localhost); `.ci/contract` checks the
/// page's requests in a browser, this checks the setting.
#[actix_web::test]
async fn the_docs_page_sends_the_document_to_no_online_validator() {
    let app = TestApp::spawn().await;
    let init = app.get("/docs/swagger-initializer.js").await;
    init.assert_status(200);
    assert!(
        init.text().contains(r#""validatorUrl": "none""#),
        "{}",
        init.text()
    );
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

/// The bearer requirement is stated once, for the whole document; public
/// operations say `security: []`, those that take an API key too say
/// bearer or `api_key` (`api_keys.rs` checks them against the server), and
/// the rest state nothing (they inherit it). Each side is checked against
/// the server: an operation documented as authenticated answers `401`
/// without a token, a public one does not.
#[actix_web::test]
async fn the_bearer_requirement_is_stated_once_and_only_the_public_operations_lift_it() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api-docs/openapi.json").await.json();
    assert_eq!(doc["security"], serde_json::json!([{ "bearer_auth": [] }]));
    let mut public = BTreeSet::new();
    for (path, method, operation) in operations(&doc) {
        let op = format!("{} {path}", method.to_uppercase());
        match &operation["security"] {
            Value::Null => {}
            Value::Array(list) if list.is_empty() => {
                public.insert(op.clone());
            }
            either if *either == serde_json::json!([{ "bearer_auth": [] }, { "api_key": [] }]) => {}
            other => panic!("{op} restates its security: {other}"),
        }
        let path = path.replace("{id}", "0193a000-0000-7000-8000-000000000000");
        let req = app.request(
            Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
            &path,
        );
        let res = app.send(req, None).await;
        assert_eq!(
            res.status == 401,
            !public.contains(&op),
            "{op} answered {} without a token",
            res.status
        );
        if res.status == 401 {
            assert_eq!(
                res.header("www-authenticate").as_deref(),
                Some("Bearer"),
                "{op}"
            );
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
        "POST /api/v1/auth/verify-email",
        "POST /api/v1/auth/resend-verification",
        "POST /api/v1/auth/forgot-password",
        "POST /api/v1/auth/reset-password",
        "POST /api/v1/auth/confirm-account-deletion",
        "POST /api/v1/auth/cancel-account-deletion",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(public, expected);
}

/// Every operation of the document: path, method and the operation.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            out.push((path.clone(), method.clone(), operation.clone()));
        }
    }
    out
}

/// Follows a local `$ref`, if `value` is one.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(target) => doc
            .pointer(target.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{target} resolves")),
        None => value,
    }
}

/// Every key named `key` under `value`, with its JSON path.
fn keys_named(value: &Value, key: &str, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (name, item) in fields {
                if name == key {
                    out.push(format!("{path}/{name}"));
                }
                keys_named(item, key, &format!("{path}/{name}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                keys_named(item, key, &format!("{path}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// A summary of one line and a description; an example of every request
/// body and answer, in 3.1 `examples` (never the deprecated `example`); and
/// each error answer's example is of its own status and code.
#[actix_web::test]
async fn every_operation_is_summarised_described_and_exemplified() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api-docs/openapi.json").await.json();
    let mut deprecated = Vec::new();
    keys_named(&doc, "example", "#", &mut deprecated);
    // A property named `example` would be fine; none exists.
    assert!(
        deprecated.is_empty(),
        "deprecated `example` at {deprecated:#?}"
    );

    for (path, method, operation) in operations(&doc) {
        let op = format!("{} {path}", method.to_uppercase());
        let summary = operation["summary"].as_str().unwrap_or_default();
        assert!(
            !summary.is_empty() && !summary.contains('\n') && summary.len() <= 60,
            "{op}: summary {summary:?}"
        );
        let description = operation["description"].as_str().unwrap_or_default();
        assert!(description.len() > summary.len(), "{op}: no description");
        if let Some(body) = operation.get("requestBody") {
            for (media, content) in body["content"].as_object().expect("content") {
                assert!(
                    content["examples"]
                        .as_object()
                        .is_some_and(|e| !e.is_empty()),
                    "{op}: no request example for {media}"
                );
            }
        }
        for (status, response) in operation["responses"].as_object().expect("responses") {
            let response = resolve(&doc, response);
            let code: u16 = status.parse().expect("numeric status");
            for name in ["X-Request-Id", "Server-Timing"] {
                assert!(
                    response["headers"].get(name).is_some(),
                    "{op} {status}: {name} is not documented"
                );
            }
            let Some(contents) = response["content"].as_object() else {
                continue;
            };
            for (media, content) in contents {
                let examples = content["examples"]
                    .as_object()
                    .unwrap_or_else(|| panic!("{op} {status} {media}: no examples"));
                assert!(!examples.is_empty(), "{op} {status}: no examples");
                if code >= 400 {
                    assert_eq!(media, "application/problem+json", "{op} {status}");
                    for (name, example) in examples {
                        let value = &resolve(&doc, example)["value"];
                        assert_eq!(value["status"], code, "{op} {status} example {name}");
                        assert!(
                            value["code"].is_string() && value["detail"].is_string(),
                            "{op} {status} example {name}: {value}"
                        );
                    }
                }
            }
        }
    }
}

/// One definition of the `503` answer and of the headers every answer
/// carries, referenced everywhere; no schema is named after a Rust type.
#[actix_web::test]
async fn shared_answers_and_headers_are_defined_once_and_schemas_have_api_names() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api-docs/openapi.json").await.json();
    let shared = &doc["components"]["responses"]["Unavailable"];
    assert!(shared["headers"].get("Retry-After").is_some(), "{shared}");
    let mut services_503 = 0;
    for (path, method, operation) in operations(&doc) {
        let op = format!("{} {path}", method.to_uppercase());
        if let Some(answer) = operation["responses"].get("503") {
            services_503 += 1;
            if path != "/health/ready" {
                assert_eq!(
                    answer["$ref"], "#/components/responses/Unavailable",
                    "{op} defines its own 503"
                );
            }
        } else {
            assert!(
                !path.starts_with("/api/"),
                "{op} touches the database but documents no 503"
            );
        }
        // An unknown query parameter is 422 on every API route.
        assert!(
            !path.starts_with("/api/") || operation["responses"].get("422").is_some(),
            "{op} documents no 422"
        );
        for (status, answer) in operation["responses"].as_object().expect("responses") {
            if let Some(headers) = answer["headers"].as_object() {
                for (name, header) in headers {
                    assert!(
                        header.get("$ref").is_some(),
                        "{op} {status}: header {name} is defined in place"
                    );
                }
            }
        }
    }
    assert!(services_503 > 40, "{services_503} operations answer 503");
    for name in doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
    {
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric()) && !name.contains("Map"),
            "schema {name} is not an API name"
        );
    }
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    assert!(
        codes
            .as_array()
            .is_some_and(|c| c.contains(&"validation_error".into())),
        "the problem's code is an enum: {codes}"
    );
}
