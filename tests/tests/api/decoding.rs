//! How requests are decoded: malformed JSON, bodies that are not objects,
//! values of the wrong type or `null`, unknown and bracketed query
//! parameters, media types, empty bodies, a delete's optional `version`,
//! and date-only timestamps. Each answer is the one API.md names, and a
//! refused request changes nothing.

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{Value, json};
use tests::{TestApp, TestResponse, TestUser};

const TODOS: &str = "/api/v1/todos";
const CATEGORIES: &str = "/api/v1/categories";
const ME: &str = "/api/v1/users/me";
const TIMESTAMP_RULE: &str = "must be an RFC 3339 date-time, e.g. 2026-11-23T10:00:00Z";
const PRIORITIES: &str = "must be one of: low, medium, high, urgent";

/// Sends `body` as it is, with `content_type` if given (no header at all otherwise).
async fn send_bytes(
    app: &TestApp,
    user: &TestUser,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> TestResponse {
    let mut req = app.request(method, path).bearer_auth(&user.token);
    if let Some(content_type) = content_type {
        req = req.insert_header(("content-type", content_type));
    }
    let mut res = req
        .send_body(body.to_vec())
        .await
        .unwrap_or_else(|e| panic!("request failed: {e}"));
    let body = res.body().limit(16 * 1024 * 1024).await.expect("read body");
    TestResponse {
        status: res.status(),
        headers: res.headers().clone(),
        body,
    }
}

/// `method path` with a JSON body.
async fn call(
    app: &TestApp,
    user: &TestUser,
    method: Method,
    path: &str,
    body: &Value,
) -> TestResponse {
    app.call_as(method, path, &user.token, Some(body)).await
}

/// Asserts a `422` whose `errors` hold exactly `field` with `messages`.
#[track_caller]
fn assert_field(res: &TestResponse, field: &str, messages: &[&str]) {
    let body = res.assert_problem(422, "validation_error");
    assert_eq!(body["errors"], json!({ field: messages }), "{body}");
}

/// Asserts a `422` whose `errors` name `field`.
#[track_caller]
fn assert_names(res: &TestResponse, field: &str) {
    let body = res.assert_problem(422, "validation_error");
    assert!(
        body["errors"].get(field).is_some(),
        "{field} not named: {body}"
    );
}

/// `GET /api/v1/todos?{query}`, whatever it answers.
async fn query_todos(app: &TestApp, user: &TestUser, query: &str) -> TestResponse {
    app.get_as(user, &format!("{TODOS}?{query}")).await
}

async fn todo_count(app: &TestApp, user: &TestUser) -> u64 {
    let page = app
        .list_todos(user, "include_deleted=true")
        .await
        .assert_status(200)
        .json();
    page["total"].as_u64().expect("total")
}

#[actix_web::test]
async fn malformed_json_is_400_whatever_came_before_the_syntax_error() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let json = Some("application/json");
    // An unknown field first, then the syntax error.
    let res = send_bytes(
        &app,
        &ada,
        Method::POST,
        CATEGORIES,
        json,
        br#"{"title": "unterminated"#,
    )
    .await;
    let body = res.assert_problem(400, "bad_request");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("malformed JSON")
    );
    // A wrong type first, then the syntax error.
    let res = send_bytes(
        &app,
        &ada,
        Method::POST,
        TODOS,
        json,
        br#"{"priority": 3, "title": "#,
    )
    .await;
    res.assert_problem(400, "bad_request");
    // An array where an object belongs, then the syntax error.
    let todo = app.todo_titled(&ada, "kept").await;
    let path = format!("{TODOS}/{}", todo["id"].as_str().expect("id"));
    let res = send_bytes(&app, &ada, Method::PATCH, &path, json, b"[1, 2,").await;
    res.assert_problem(400, "bad_request");

    let categories = app.get_as(&ada, CATEGORIES).await.json();
    assert_eq!(categories["total"], 0, "nothing was created");
    assert_eq!(todo_count(&app, &ada).await, 1);
    let unchanged = app.get_as(&ada, &path).await.json();
    assert_eq!(unchanged["version"], todo["version"]);
}

#[actix_web::test]
async fn a_body_that_is_json_but_not_an_object_is_422_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    // Seven elements: the fields of a new todo in order, which serde alone
    // would read as one.
    let seven = json!(["x", null, "pending", "low", null, null, []]);
    for body in [
        seven,
        json!("x"),
        json!(3),
        Value::Null,
        json!(true),
        json!([]),
    ] {
        let res = app.post_as(&ada, TODOS, &body).await;
        assert_field(&res, "body", &["must be a JSON object"]);
    }
    // A bulk body is an object too, and so is each of its items.
    let res = app
        .post_as(&ada, "/api/v1/todos/bulk", &json!([{"title": "a"}]))
        .await;
    assert_field(&res, "body", &["must be a JSON object"]);
    let res = app
        .post_as(
            &ada,
            "/api/v1/todos/bulk",
            &json!({"items": [{"title": "a"}, ["b"]]}),
        )
        .await;
    assert_field(&res, "items[1]", &["must be a JSON object"]);
    let res = app
        .patch_as(&ada, ME, &json!({"preferences": ["dark", "UTC", 50]}))
        .await;
    assert_field(&res, "preferences", &["must be a JSON object"]);
    assert_eq!(todo_count(&app, &ada).await, 0, "nothing was created");
    let me = app.get_as(&ada, ME).await.json();
    assert_eq!(me["preferences"]["theme"], "system");
}

#[actix_web::test]
async fn a_value_outside_an_enum_is_422_listing_the_allowed_values() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    for priority in [json!(3), json!("highest"), json!(true), json!(["low"])] {
        let res = app
            .post_as(&ada, TODOS, &json!({"title": "t", "priority": priority}))
            .await;
        assert_field(&res, "priority", &[PRIORITIES]);
    }
    let todo = app.todo_titled(&ada, "t").await;
    let path = format!("{TODOS}/{}", todo["id"].as_str().expect("id"));
    let res = app.patch_as(&ada, &path, &json!({"status": 2})).await;
    assert_field(
        &res,
        "status",
        &["must be one of: pending, in_progress, completed, archived"],
    );
    let res = app
        .patch_as(&ada, ME, &json!({"preferences": {"theme": 1}}))
        .await;
    assert_field(
        &res,
        "preferences.theme",
        &["must be one of: system, light, dark"],
    );
    // A repeatable query parameter is named with the index of the bad value.
    let res = query_todos(&app, &ada, "priority=high&priority=3").await;
    assert_field(&res, "priority[1]", &[PRIORITIES]);
    assert_eq!(todo_count(&app, &ada).await, 1, "only the valid todo");
}

/// The schema behind `schema`: a `$ref` resolved, the non-null member of a
/// `oneOf`/`anyOf`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return resolve(doc, &doc["components"]["schemas"][name]);
    }
    for key in ["oneOf", "anyOf"] {
        let mut members = schema[key].as_array().into_iter().flatten();
        if let Some(member) = members.find(|m| m["type"] != "null") {
            return resolve(doc, member);
        }
    }
    schema
}

/// Whether the document lets `schema` be `null`.
fn nullable(schema: &Value) -> bool {
    let null_type = |s: &Value| {
        s["type"] == "null"
            || s["type"]
                .as_array()
                .is_some_and(|types| types.contains(&json!("null")))
    };
    null_type(schema)
        || ["oneOf", "anyOf"].iter().any(|key| {
            schema[*key]
                .as_array()
                .is_some_and(|members| members.iter().any(null_type))
        })
}

/// Values that are of the wrong type (or out of range) for most fields.
fn wrong_values() -> Vec<Value> {
    vec![
        json!(12345),
        json!(-1),
        json!(1.5),
        json!(3_000_000_000_u64),
        json!("x"),
        json!("2026-12-24"),
        json!(true),
        json!([7]),
        json!({"zz": 1}),
        Value::Null,
    ]
}

/// Bodies that put a wrong value in each field of `schema`, in each field
/// of its nested objects, and in each field of the objects its lists hold.
fn wrong_bodies(doc: &Value, schema: &Value) -> Vec<Value> {
    let mut bodies = vec![json!([]), json!("x"), json!(3), Value::Null, json!([{}])];
    let Some(properties) = resolve(doc, schema)["properties"].as_object() else {
        return bodies;
    };
    for (name, property) in properties {
        for value in wrong_values() {
            bodies.push(json!({ name: value }));
        }
        let inner = resolve(doc, property);
        let (nested, wrap): (&Value, fn(Value) -> Value) = if inner["properties"].is_object() {
            (inner, |v| v)
        } else if inner["type"] == "array" {
            (resolve(doc, &inner["items"]), |v| json!([v]))
        } else {
            continue;
        };
        if let Some(fields) = nested["properties"].as_object() {
            for field in fields.keys() {
                for value in wrong_values() {
                    bodies.push(json!({ name: wrap(json!({ field: value })) }));
                }
            }
        }
    }
    bodies
}

/// Every operation with a JSON body: its method, path and body schema.
fn operations_with_bodies(doc: &Value) -> Vec<(Method, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            if schema.is_null() {
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let path = path.replace("{id}", "0193a5c4-7e21-7c3d-8a4b-5f6e7d8c9b0a");
            found.push((method, path, schema.clone()));
        }
    }
    found
}

/// Whether `word` stands in `text` as a word of its own.
fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| w == word)
}

#[actix_web::test]
async fn no_error_message_names_a_server_type_for_any_wrong_value_in_any_body() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let doc = app
        .get("/api-docs/openapi.json")
        .await
        .assert_status(200)
        .json();
    let mut forbidden: Vec<String> = doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .cloned()
        .collect();
    assert!(
        forbidden.iter().any(|name| name == "TodoCreate"),
        "{forbidden:?}"
    );
    forbidden.extend(
        [
            "u8",
            "u16",
            "u32",
            "u64",
            "i8",
            "i16",
            "i32",
            "i64",
            "usize",
            "isize",
            "f32",
            "f64",
            "struct",
            "enum",
            "variant",
            "sequence",
            "map",
            "Option",
            "Vec",
            "String",
            "Uuid",
            "DateTime",
            "FixedOffset",
            "serde",
            "borrowed",
        ]
        .map(str::to_owned),
    );
    let operations = operations_with_bodies(&doc);
    assert!(operations.len() >= 15, "{}", operations.len());
    let (mut refused, mut fields) = (0, BTreeSet::new());
    for (method, path, schema) in &operations {
        for body in wrong_bodies(&doc, schema) {
            let res = call(&app, &admin, method.clone(), path, &body).await;
            assert!(
                !res.status.is_server_error(),
                "{method} {path} {body}: {}",
                res.status
            );
            if res.status.is_success() {
                continue;
            }
            let problem = res.json();
            let mut texts = vec![problem["detail"].as_str().unwrap_or_default().to_owned()];
            if let Some(errors) = problem["errors"].as_object() {
                for (field, messages) in errors {
                    fields.insert(format!("{path} {field}"));
                    for message in messages.as_array().into_iter().flatten() {
                        texts.push(message.as_str().unwrap_or_default().to_owned());
                    }
                }
            }
            for text in &texts {
                for word in &forbidden {
                    assert!(
                        !has_word(text, word),
                        "{method} {path} {body}: {text:?} names {word:?}"
                    );
                }
            }
            refused += 1;
        }
    }
    assert!(refused > 500, "only {refused} refusals");
    // Nested fields and list items were reached, not just the top level.
    for expected in [
        "/api/v1/users/me preferences.theme",
        "/api/v1/todos/bulk items[0].priority",
        "/api/v1/todos/bulk set.status",
    ] {
        assert!(
            fields.contains(expected),
            "{expected} not reached: {fields:?}"
        );
    }
}

#[actix_web::test]
async fn null_is_422_for_a_field_that_cannot_be_null_and_clears_one_that_can() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let res = app.patch_as(&ada, ME, &json!({"username": null})).await;
    assert_field(&res, "username", &["must not be null"]);
    for (body, field) in [
        (json!({"version": null}), "version"),
        (json!({"preferences": null}), "preferences"),
        (
            json!({"preferences": {"timezone": null}}),
            "preferences.timezone",
        ),
        (
            json!({"preferences": {"email_notifications": null}}),
            "preferences.email_notifications",
        ),
    ] {
        assert_field(
            &app.patch_as(&ada, ME, &body).await,
            field,
            &["must not be null"],
        );
    }
    let me = app.get_as(&ada, ME).await.json();
    assert_eq!(
        (me["username"].as_str(), me["version"].as_i64()),
        (Some("ada"), Some(1))
    );

    let category = app.create_category(&ada, "Work").await;
    let todo = app
        .create_todo(
            &ada,
            &json!({"title": "t", "description": "d", "due_date": "2026-12-24T10:00:00Z",
                    "category_id": category["id"]}),
        )
        .await;
    let path = format!("{TODOS}/{}", todo["id"].as_str().expect("id"));
    for field in ["title", "status", "priority", "tags", "version"] {
        let res = app.patch_as(&ada, &path, &json!({ field: null })).await;
        assert_field(&res, field, &["must not be null"]);
    }
    for field in ["title", "status", "priority", "tags"] {
        let res = app
            .post_as(&ada, TODOS, &json!({"title": "n", field: null}))
            .await;
        assert_names(&res, field);
    }
    let category_path = format!("{CATEGORIES}/{}", category["id"].as_str().expect("id"));
    for field in ["name", "version"] {
        let res = app
            .patch_as(&ada, &category_path, &json!({ field: null }))
            .await;
        assert_field(&res, field, &["must not be null"]);
    }
    let res = app
        .patch_as(
            &ada,
            "/api/v1/todos/bulk",
            &json!({"ids": [todo["id"]], "set": null}),
        )
        .await;
    assert_field(&res, "set", &["must not be null"]);
    assert_eq!(todo_count(&app, &ada).await, 1);
    assert_eq!(
        app.get_as(&ada, &path).await.json()["version"],
        todo["version"]
    );

    // The nullable fields clear.
    let cleared = app
        .patch_as(
            &ada,
            &path,
            &json!({"description": null, "due_date": null, "category_id": null}),
        )
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        (
            &cleared["description"],
            &cleared["due_date"],
            &cleared["category"]
        ),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    let me = app
        .patch_as(&ada, ME, &json!({"full_name": null, "bio": null}))
        .await
        .assert_status(200)
        .json();
    assert!(me["full_name"].is_null() && me["bio"].is_null());
    app.patch_as(&ada, &category_path, &json!({"color": null}))
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn the_document_lets_null_only_where_the_server_takes_it() {
    let app = TestApp::spawn().await;
    let doc = app
        .get("/api-docs/openapi.json")
        .await
        .assert_status(200)
        .json();
    let clearable = [
        "description",
        "due_date",
        "category_id",
        "full_name",
        "bio",
        "color",
    ];
    let mut seen = BTreeSet::new();
    let mut schemas: Vec<(String, Value)> = operations_with_bodies(&doc)
        .into_iter()
        .map(|(method, path, schema)| (format!("{method} {path}"), schema))
        .collect();
    while let Some((place, schema)) = schemas.pop() {
        let schema = resolve(&doc, &schema);
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            if nullable(property) {
                assert!(
                    clearable.contains(&name.as_str()),
                    "{place}: `{name}` is documented as nullable: {property}"
                );
                seen.insert(name.clone());
            }
            let inner = resolve(&doc, property);
            if inner["properties"].is_object() {
                schemas.push((format!("{place}.{name}"), inner.clone()));
            } else if inner["type"] == "array" {
                schemas.push((format!("{place}.{name}[]"), inner["items"].clone()));
            }
        }
    }
    for name in clearable {
        assert!(
            seen.contains(name),
            "`{name}` is not documented as nullable"
        );
    }
}

#[actix_web::test]
async fn unknown_query_parameters_are_422_naming_them_on_every_api_route() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let todo = app.todo_titled(&admin, "kept").await;
    let todo_path = format!("{TODOS}/{}", todo["id"].as_str().expect("id"));
    for path in [
        "/api/v1/todos?statuses=pending",
        "/api/v1/categories?statuses=pending",
        "/api/v1/tags?statuses=pending",
        "/api/v1/users?statuses=pending",
        "/api/v1/admin/audit-logs?statuses=pending",
    ] {
        let res = app.get_as(&admin, path).await;
        assert_field(&res, "statuses", &["unknown parameter"]);
    }
    // Routes that take no query parameter at all refuse one too, and a
    // write refused so changes nothing.
    for path in [
        "/api/v1/todos/stats?range=30".to_owned(),
        format!("{todo_path}?expand=tags"),
        format!("{todo_path}/history?page=2"),
        "/api/v1/users/me?fields=email".to_owned(),
    ] {
        let res = app.get_as(&admin, &path).await;
        let name = path
            .split_once('?')
            .and_then(|(_, query)| query.split_once('='))
            .map(|(name, _)| name)
            .expect("a parameter");
        assert_field(&res, name, &["unknown parameter"]);
    }
    let res = app
        .patch_as(
            &admin,
            &format!("{todo_path}?notify=true"),
            &json!({"title": "changed"}),
        )
        .await;
    assert_field(&res, "notify", &["unknown parameter"]);
    assert_eq!(app.get_as(&admin, &todo_path).await.json()["title"], "kept");
    let res = app
        .delete_as(&admin, &format!("{todo_path}?force=true"))
        .await;
    assert_field(&res, "force", &["unknown parameter"]);
    assert_eq!(todo_count(&app, &admin).await, 1, "nothing was deleted");
    assert!(app.get_as(&admin, &todo_path).await.json()["deleted_at"].is_null());
    // A single-valued parameter given twice.
    let res = query_todos(&app, &admin, "size=5&size=6").await;
    assert_field(&res, "size", &["must be given only once"]);
}

#[actix_web::test]
async fn the_bracket_form_of_a_repeatable_parameter_means_the_repeated_one() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    for (title, status, tags) in [
        ("a", "pending", vec!["x"]),
        ("b", "completed", vec!["x", "y"]),
        ("c", "in_progress", vec!["y"]),
    ] {
        app.create_todo(
            &ada,
            &json!({"title": title, "status": status, "tags": tags}),
        )
        .await;
    }
    let titles = |page: Value| {
        let mut titles = TestApp::titles(&page);
        titles.sort();
        titles
    };
    let completed = app
        .list_todos(&ada, "status[]=completed")
        .await
        .assert_status(200)
        .json();
    assert_eq!(titles(completed), ["b"]);
    for query in [
        "status[]=completed&status[]=pending",
        "status%5B%5D=completed&status%5B%5D=pending",
        "status[]=completed&status=pending",
    ] {
        let bracketed = app.list_todos(&ada, query).await.assert_status(200).json();
        let repeated = app
            .list_todos(&ada, "status=completed&status=pending")
            .await
            .json();
        assert_eq!(titles(bracketed), titles(repeated), "{query}");
    }
    let tagged = app
        .list_todos(&ada, "tag[]=x&tag[]=y")
        .await
        .assert_status(200)
        .json();
    assert_eq!(titles(tagged), ["b"]);
    let both = app
        .list_todos(&ada, "priority[]=medium&priority[]=low")
        .await
        .assert_status(200)
        .json();
    assert_eq!(titles(both), ["a", "b", "c"]);
    let res = query_todos(&app, &ada, "status[]=paused").await;
    assert_names(&res, "status[0]");
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415_and_an_empty_one_is_no_body() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let body = br#"{"title": "t"}"#;
    for content_type in [
        Some("text/plain"),
        Some("text/plain; charset=utf-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let res = send_bytes(&app, &ada, Method::POST, TODOS, content_type, body).await;
        res.assert_problem(415, "unsupported_media_type");
    }
    let res = send_bytes(
        &app,
        &ada,
        Method::POST,
        TODOS,
        Some("application/x-www-form-urlencoded"),
        b"title=t",
    )
    .await;
    res.assert_problem(415, "unsupported_media_type");
    assert_eq!(todo_count(&app, &ada).await, 0, "nothing was created");

    for content_type in [
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/vnd.todo+json",
    ] {
        send_bytes(&app, &ada, Method::POST, TODOS, Some(content_type), body)
            .await
            .assert_status(201);
    }
    let todo = app.todo_titled(&ada, "patched").await;
    let path = format!("{TODOS}/{}", todo["id"].as_str().expect("id"));
    send_bytes(
        &app,
        &ada,
        Method::PATCH,
        &path,
        Some("application/merge-patch+json"),
        br#"{"priority": "high"}"#,
    )
    .await
    .assert_status(200);

    // An empty body is no body: required here, optional on a delete.
    for content_type in [Some("application/json"), Some("text/plain"), None] {
        let res = send_bytes(&app, &ada, Method::POST, TODOS, content_type, b"").await;
        assert_field(&res, "body", &["a JSON object is required"]);
        let res = send_bytes(&app, &ada, Method::PATCH, &path, content_type, b"").await;
        assert_field(&res, "body", &["a JSON object is required"]);
    }
    send_bytes(
        &app,
        &ada,
        Method::DELETE,
        &path,
        Some("application/json"),
        b"",
    )
    .await
    .assert_status(204);
    let res = send_bytes(
        &app,
        &ada,
        Method::DELETE,
        &path,
        Some("text/plain"),
        br#"{"version": 9}"#,
    )
    .await;
    res.assert_problem(415, "unsupported_media_type");
    assert_eq!(todo_count(&app, &ada).await, 4);
}

#[actix_web::test]
async fn a_stale_version_in_a_delete_body_is_409_and_deletes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let ada = app.signup("ada").await;

    // A todo at version 2.
    let todo = app.todo_titled(&ada, "t").await;
    let path = format!("{TODOS}/{}", todo["id"].as_str().expect("id"));
    app.patch_as(&ada, &path, &json!({"priority": "high"}))
        .await
        .assert_status(200);
    for query in ["", "?permanent=true"] {
        let res = call(
            &app,
            &ada,
            Method::DELETE,
            &format!("{path}{query}"),
            &json!({"version": 1}),
        )
        .await;
        let body = res.assert_problem(409, "conflict");
        assert!(body["errors"]["version"].is_array(), "{body}");
    }
    let res = call(
        &app,
        &ada,
        Method::DELETE,
        &path,
        &json!({"version": 2, "force": true}),
    )
    .await;
    assert_field(&res, "force", &["unknown field"]);
    let res = call(&app, &ada, Method::DELETE, &path, &json!({"version": "2"})).await;
    assert_names(&res, "version");
    // If-Match stays a precondition.
    let res = app
        .call_with_headers(
            &ada,
            Method::DELETE,
            &path,
            &[("If-Match", "W/\"1\"")],
            None,
        )
        .await;
    res.assert_problem(412, "precondition_failed");
    let kept = app.get_as(&ada, &path).await.assert_status(200).json();
    assert!(
        kept["deleted_at"].is_null() && kept["version"] == 2,
        "{kept}"
    );
    call(&app, &ada, Method::DELETE, &path, &json!({"version": 2}))
        .await
        .assert_status(204);
    let deleted = app.get_as(&ada, &path).await.json();
    assert!(deleted["deleted_at"].is_string(), "{deleted}");
    // A soft-deleted todo purged with its current version.
    let version = deleted["version"].clone();
    call(
        &app,
        &ada,
        Method::DELETE,
        &format!("{path}?permanent=true"),
        &json!({"version": version}),
    )
    .await
    .assert_status(204);
    app.get_as(&ada, &path).await.assert_status(404);

    // A category at version 2.
    let category = app.create_category(&ada, "Work").await;
    let category_path = format!("{CATEGORIES}/{}", category["id"].as_str().expect("id"));
    app.patch_as(&ada, &category_path, &json!({"color": "red"}))
        .await
        .assert_status(200);
    let res = call(
        &app,
        &ada,
        Method::DELETE,
        &category_path,
        &json!({"version": 1}),
    )
    .await;
    let body = res.assert_problem(409, "conflict");
    assert!(body["errors"]["version"].is_array(), "{body}");
    app.get_as(&ada, &category_path).await.assert_status(200);
    call(
        &app,
        &ada,
        Method::DELETE,
        &category_path,
        &json!({"version": 2}),
    )
    .await
    .assert_status(204);
    app.get_as(&ada, &category_path).await.assert_status(404);

    // A user at version 2, deleted by an admin.
    let bob = app.signup("bob").await;
    let bob_path = format!("/api/v1/users/{}", bob.id);
    app.patch_as(&bob, ME, &json!({"bio": "hi"}))
        .await
        .assert_status(200);
    for query in ["", "?permanent=true"] {
        let res = call(
            &app,
            &admin,
            Method::DELETE,
            &format!("{bob_path}{query}"),
            &json!({"version": 1}),
        )
        .await;
        let body = res.assert_problem(409, "conflict");
        assert!(body["errors"]["version"].is_array(), "{body}");
    }
    let res = app
        .call_with_headers(
            &admin,
            Method::DELETE,
            &format!("{bob_path}?permanent=true"),
            &[("If-Match", "W/\"1\"")],
            None,
        )
        .await;
    res.assert_problem(412, "precondition_failed");
    let kept = app
        .get_as(&admin, &bob_path)
        .await
        .assert_status(200)
        .json();
    assert!(kept["deleted_at"].is_null(), "{kept}");
    call(
        &app,
        &admin,
        Method::DELETE,
        &format!("{bob_path}?permanent=true"),
        &json!({"version": 2}),
    )
    .await
    .assert_status(204);
    app.get_as(&admin, &bob_path).await.assert_status(404);
    // No body deletes whatever the version.
    let carol = app.signup("carol").await;
    app.delete_as(&admin, &format!("/api/v1/users/{}", carol.id))
        .await
        .assert_status(204);
}

#[actix_web::test]
async fn a_date_without_a_time_is_422_showing_the_expected_form() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let res = app
        .post_as(
            &ada,
            TODOS,
            &json!({"title": "t", "due_date": "2026-12-24"}),
        )
        .await;
    assert_field(&res, "due_date", &[TIMESTAMP_RULE]);
    let res = app
        .post_as(
            &ada,
            "/api/v1/todos/bulk",
            &json!({"items": [{"title": "t", "due_date": "2026-12-24"}]}),
        )
        .await;
    assert_field(&res, "items[0].due_date", &[TIMESTAMP_RULE]);
    let todo = app.todo_titled(&ada, "t").await;
    let res = app
        .patch_as(
            &ada,
            "/api/v1/todos/bulk",
            &json!({"ids": [todo["id"]], "set": {"due_date": "2026-12-24"}}),
        )
        .await;
    assert_field(&res, "set.due_date", &[TIMESTAMP_RULE]);
    let path = format!("{TODOS}/{}", todo["id"].as_str().expect("id"));
    let res = app
        .patch_as(&ada, &path, &json!({"due_date": "24.12.2026"}))
        .await;
    assert_field(&res, "due_date", &[TIMESTAMP_RULE]);
    for param in ["due_before", "due_after"] {
        let res = query_todos(&app, &ada, &format!("{param}=2026-12-24")).await;
        assert_field(&res, param, &[TIMESTAMP_RULE]);
    }
    app.list_todos(&ada, "due_before=2026-12-24T00:00:00Z")
        .await
        .assert_status(200);
    assert_eq!(todo_count(&app, &ada).await, 1);
}

#[actix_web::test]
async fn the_document_shows_the_optional_version_body_of_a_delete() {
    let app = TestApp::spawn().await;
    let doc = app
        .get("/api-docs/openapi.json")
        .await
        .assert_status(200)
        .json();
    for path in [
        "/api/v1/todos/{id}",
        "/api/v1/categories/{id}",
        "/api/v1/users/{id}",
    ] {
        let operation = &doc["paths"][path]["delete"];
        let body = &operation["requestBody"];
        assert_ne!(body["required"], true, "{path}: {body}");
        let schema = resolve(&doc, &body["content"]["application/json"]["schema"]);
        let fields: Vec<&String> = schema["properties"]
            .as_object()
            .map(|fields| fields.keys().collect())
            .unwrap_or_default();
        assert_eq!(fields, ["version"], "{path}: {schema}");
        assert!(
            !nullable(&schema["properties"]["version"]),
            "{path}: {schema}"
        );
        assert!(operation["responses"]["409"].is_object(), "{path}");
    }
}
