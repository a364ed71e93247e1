//! Inputs at the edges of what the engines and the server take: NUL
//! characters, lone surrogates, page numbers past any offset, timestamps
//! outside the years 1000–9999 or on a leap second, and invented methods.
//! Each answers a 4xx naming what is wrong, the same on every engine.

use actix_web::http::Method;
use serde_json::{Value, json};
use tests::{TestApp, TestResponse, TestUser};

/// Asserts a `422` whose `errors` name `field`.
#[track_caller]
fn assert_names(res: &TestResponse, field: &str) {
    let body = res.assert_problem(422, "validation_error");
    assert!(
        body["errors"].get(field).is_some(),
        "{field} not named: {body}"
    );
}

#[actix_web::test]
async fn a_nul_character_in_a_login_email_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/auth/login",
            &json!({"email": "x\u{0}@ex.com", "password": "whatever-1"}),
        )
        .await;
    assert_names(&res, "email");
}

#[actix_web::test]
async fn a_nul_character_in_any_body_text_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "bob@example.com", "username": "bob", "password": "passw0rd-1",
                    "full_name": "Bob\u{0}"}),
        )
        .await;
    assert_names(&res, "full_name");
    let ada = app.signup("ada").await;
    let cases = [
        (
            Method::PATCH,
            "/api/v1/users/me",
            json!({"full_name": "A\u{0}"}),
            "full_name",
        ),
        (
            Method::PATCH,
            "/api/v1/users/me",
            json!({"bio": "\u{0}"}),
            "bio",
        ),
        (
            Method::PATCH,
            "/api/v1/users/me",
            json!({"preferences": {"timezone": "UTC\u{0}"}}),
            "preferences.timezone",
        ),
        (
            Method::POST,
            "/api/v1/todos/bulk",
            json!({"items": [{"title": "fine"}, {"title": "t", "description": "d\u{0}"}]}),
            "items[1].description",
        ),
        (
            Method::POST,
            "/api/v1/todos/bulk",
            json!({"items": [{"title": "t", "tags": ["ok", "n\u{0}"]}]}),
            "items[0].tags[1]",
        ),
        (
            Method::POST,
            "/api/v1/auth/change-password",
            json!({"current_password": "x\u{0}", "new_password": "passw0rd-2"}),
            "current_password",
        ),
    ];
    for (method, path, body, field) in cases {
        let res = app.call_as(method, path, &ada.token, Some(&body)).await;
        assert_names(&res, field);
    }
    let me = app.get_as(&ada, "/api/v1/users/me").await.json();
    assert_eq!(
        (me["full_name"].clone(), me["bio"].clone()),
        (Value::Null, Value::Null)
    );
}

#[actix_web::test]
async fn a_nul_character_in_a_query_parameter_is_422_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    for (path, field) in [
        ("/api/v1/users?search=a%00b", "search"),
        ("/api/v1/admin/audit-logs?action=auth.login%00", "action"),
        ("/api/v1/todos?search=%00", "search"),
        ("/api/v1/todos?tag=home&tag=x%00", "tag"),
    ] {
        assert_names(&app.get_as(&admin, path).await, field);
    }
}

#[actix_web::test]
async fn a_lone_surrogate_in_a_json_body_is_a_client_error() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/auth/login",
            r#"{"email":"\ud800@ex.com","password":"p"}"#,
        ),
        (Method::PATCH, "/api/v1/users/me", r#"{"bio":"a\udc00b"}"#),
        (Method::POST, "/api/v1/todos", r#"{"title":"t\ud800"}"#),
        (Method::POST, "/api/v1/todos", r#"{"\ud800":"t"}"#),
    ] {
        let req = app.request(method, path).bearer_auth(&ada.token);
        let res = app.send_raw(req, body.as_bytes().to_vec()).await;
        // No string can hold it: the body is not JSON text that we take.
        res.assert_problem(400, "bad_request");
    }
    // In a query, its bytes (`%ED%A0%80`, not UTF-8) decode to replacement
    // characters: an ordinary search.
    let res = app.get_as(&ada, "/api/v1/todos?search=%ED%A0%80").await;
    assert!(!res.status.is_server_error(), "{}", res.status);
}

/// An admin, another user, and two of each paged resource.
async fn app_with_rows() -> (TestApp, TestUser) {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    app.signup("ada").await;
    for name in ["a", "b", "c"] {
        app.todo_titled(&admin, name).await;
    }
    for name in ["work", "home"] {
        app.create_category(&admin, name).await;
        app.create_tag(&admin, name).await;
    }
    (app, admin)
}

const PAGED_ROUTES: [&str; 5] = [
    "/api/v1/todos",
    "/api/v1/categories",
    "/api/v1/tags",
    "/api/v1/users",
    "/api/v1/admin/audit-logs",
];

#[actix_web::test]
async fn a_page_past_the_last_is_empty_on_every_paged_route_however_large() {
    let (app, admin) = app_with_rows().await;
    for route in PAGED_ROUTES {
        let first = app.get_as(&admin, &format!("{route}?size=2")).await;
        first.assert_status(200);
        let total = first.json()["total"].as_u64().expect("total");
        let pages = total.div_ceil(2);
        // i64::MAX, an offset just inside a signed 64-bit integer, u64::MAX;
        // each twice, so that a remembered total is used too.
        for page in [i64::MAX as u64, i64::MAX as u64 / 2, u64::MAX, u64::MAX] {
            let res = app
                .get_as(&admin, &format!("{route}?page={page}&size=2"))
                .await;
            res.assert_status(200);
            let body = res.json();
            assert_eq!(body["items"], json!([]), "{route} page {page}: {body}");
            assert_eq!(
                (&body["total"], &body["pages"], &body["page"]),
                (&json!(total), &json!(pages), &json!(page)),
                "{route}: {body}"
            );
            assert_eq!(
                (&body["has_next"], &body["has_prev"]),
                (&json!(false), &json!(true))
            );
            let links = &body["links"];
            assert_eq!(links["next"], Value::Null, "{route}: {body}");
            let last = format!("{route}?page={pages}&size=2");
            assert_eq!(
                (&links["last"], &links["prev"]),
                (&json!(last), &json!(last))
            );
            assert_eq!(links["self"], json!(format!("{route}?page={page}&size=2")));
        }
    }
}

#[actix_web::test]
async fn a_page_that_is_not_a_positive_64_bit_integer_is_422_naming_page() {
    let (app, admin) = app_with_rows().await;
    for route in PAGED_ROUTES {
        assert_names(
            &app.get_as(&admin, &format!("{route}?page=%00")).await,
            "page",
        );
        for page in ["0", "-1", "18446744073709551616", "abc", "1.5", "1e3"] {
            let res = app.get_as(&admin, &format!("{route}?page={page}")).await;
            assert_names(&res, "page");
            // The same rule for every refusal, in the API's words (never
            // "number too large to fit in target type").
            assert_eq!(
                res.json()["errors"]["page"],
                json!(["must be a whole number from 1 to 18446744073709551615"]),
                "{route}?page={page}"
            );
        }
    }
}

const LEAP_SECOND: &str = "2016-12-31T23:59:60Z";

#[actix_web::test]
async fn a_leap_second_due_date_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let res = app
        .post_as(
            &ada,
            "/api/v1/todos",
            &json!({"title": "t", "due_date": LEAP_SECOND}),
        )
        .await;
    assert_names(&res, "due_date");
    let todo = app.todo_titled(&ada, "t").await;
    let res = app
        .patch_as(
            &ada,
            &TestApp::todo_path(&todo),
            &json!({"due_date": LEAP_SECOND}),
        )
        .await;
    assert_names(&res, "due_date");
    let res = app
        .post_as(
            &ada,
            "/api/v1/todos/bulk",
            &json!({"items": [{"title": "ok"}, {"title": "t", "due_date": LEAP_SECOND}]}),
        )
        .await;
    assert_names(&res, "items[1].due_date");
    let res = app
        .call_as(
            Method::PATCH,
            "/api/v1/todos/bulk",
            &ada.token,
            Some(&json!({"ids": [todo["id"]], "set": {"due_date": LEAP_SECOND}})),
        )
        .await;
    assert_names(&res, "set.due_date");
    let res = app
        .get_as(&ada, "/api/v1/todos?due_before=2016-12-31T23:59:60%2B00:00")
        .await;
    assert_names(&res, "due_before");
    // Nothing was stored.
    let page = app.list_todos(&ada, "").await.json();
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["due_date"], Value::Null);
}

#[actix_web::test]
async fn a_timestamp_outside_the_years_1000_to_9999_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.signup_admin("root").await;
    let early = "0999-12-31T23:59:59Z";
    // 9999-12-31T23:00:00-05:00 is in the year 10000 in UTC, where it is stored.
    let late = "9999-12-31T23:00:00-05:00";
    let res = app
        .post_as(
            &admin,
            "/api/v1/todos",
            &json!({"title": "t", "due_date": late}),
        )
        .await;
    assert_names(&res, "due_date");
    for (path, field) in [
        (format!("/api/v1/todos?due_after={early}"), "due_after"),
        (format!("/api/v1/todos?due_before={early}"), "due_before"),
        (
            format!("/api/v1/users?created_after={early}"),
            "created_after",
        ),
        (
            format!("/api/v1/users?created_before={early}"),
            "created_before",
        ),
        (format!("/api/v1/admin/audit-logs?since={early}"), "since"),
        (
            format!("/api/v1/admin/audit-logs?until={LEAP_SECOND}"),
            "until",
        ),
        (format!("/api/v1/todos?due_before={late}"), "due_before"),
    ] {
        assert_names(&app.get_as(&admin, &path).await, field);
    }
    // The ends of the range are kept exactly, on every engine.
    for due in ["1000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
        let todo = app
            .create_todo(&admin, &json!({"title": "edge", "due_date": due}))
            .await;
        let read = app.get_as(&admin, &TestApp::todo_path(&todo)).await.json();
        assert_eq!(read["due_date"], due);
    }
}

/// `n` distinct methods that HTTP does not define.
fn invented_methods(n: usize) -> Vec<Method> {
    (0..n)
        .map(|i| Method::from_bytes(format!("INVENTED{i}").as_bytes()).expect("a token"))
        .collect()
}

#[actix_web::test]
async fn an_invented_method_is_405_with_allow_and_counts_under_one_label() {
    let app = TestApp::spawn().await;
    // Warm up: every series the loop below may touch exists already.
    let warm = Method::from_bytes(b"WARMUP").expect("a token");
    app.send(app.request(warm, "/api/v1/todos"), None).await;
    app.get("/metrics").await.assert_status(200);
    let before = app.get("/metrics").await.text();
    for method in invented_methods(50) {
        let res = app
            .send(app.request(method.clone(), "/api/v1/todos"), None)
            .await;
        res.assert_problem(405, "method_not_allowed");
        assert_eq!(
            res.header("allow").as_deref(),
            Some("GET, HEAD, POST"),
            "{method}"
        );
    }
    let after = app.get("/metrics").await.text();
    assert!(
        !after.contains("INVENTED"),
        "invented methods are no labels:\n{after}"
    );
    assert!(after.contains(r#"method="other""#), "{after}");
    assert!(
        after.len() < before.len() + 200,
        "/metrics grew from {} to {} bytes",
        before.len(),
        after.len()
    );
}

#[actix_web::test]
async fn a_method_the_path_does_not_offer_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let ada = app.signup("ada").await;
    let todo = app.todo_titled(&ada, "t").await;
    let id = todo["id"].as_str().expect("id");
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/todos".to_owned(), "GET, HEAD, POST"),
        (
            Method::PUT,
            format!("/api/v1/todos/{id}"),
            "GET, HEAD, PATCH, DELETE",
        ),
        (Method::GET, format!("/api/v1/todos/{id}/restore"), "POST"),
        (Method::POST, "/health".to_owned(), "GET, HEAD"),
        // Literal paths beside a `{id}` one: not a todo or tag id.
        (Method::PATCH, "/api/v1/todos/stats".to_owned(), "GET, HEAD"),
        (
            Method::DELETE,
            "/api/v1/todos/bulk".to_owned(),
            "POST, PATCH",
        ),
        (Method::DELETE, "/api/v1/tags/merge".to_owned(), "POST"),
    ] {
        let res = app.call_as(method.clone(), &path, &ada.token, None).await;
        res.assert_problem(405, "method_not_allowed");
        assert_eq!(
            res.header("allow").as_deref(),
            Some(allow),
            "{method} {path}"
        );
    }
    // Decided before any credential is read: no token, or two credentials
    // (a `400` of the handler a literal path's `{id}` twin would reach),
    // still answer what the path offers.
    let no_token = app
        .send(app.request(Method::GET, "/api/v1/todos/bulk"), None)
        .await;
    no_token.assert_problem(405, "method_not_allowed");
    let two_credentials = app
        .send(
            app.request(Method::GET, "/api/v1/todos/bulk")
                .insert_header(("Authorization", format!("Bearer {}", ada.token)))
                .insert_header(("X-API-Key", "todo_whatever")),
            None,
        )
        .await;
    two_credentials.assert_problem(405, "method_not_allowed");
    assert_eq!(
        two_credentials.header("allow").as_deref(),
        Some("POST, PATCH")
    );
    // As `Allow` says, a `GET` route answers `HEAD`: the headers of the `GET`, no body.
    let res = app
        .call_as(Method::HEAD, "/api/v1/todos", &ada.token, None)
        .await;
    res.assert_status(200);
    assert!(res.body.is_empty());
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("application/json")
    );
    // A `{id}` that is no id names no resource: 404 for the methods it offers.
    app.call_as(
        Method::PATCH,
        "/api/v1/todos/nope",
        &ada.token,
        Some(&json!({})),
    )
    .await
    .assert_problem(404, "not_found");
    // A path that does not exist stays 404, whatever the method.
    let res = app
        .send(
            app.request(
                Method::from_bytes(b"FOO").expect("token"),
                "/api/v1/nowhere",
            ),
            None,
        )
        .await;
    res.assert_problem(404, "not_found");
}
