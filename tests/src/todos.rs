//! Shortcuts for the todo, category and tag tests: one method per request
//! the tests make over and over, each asserting that it succeeded.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::{TestApp, TestResponse, TestUser};

impl TestApp {
    /// `POST /api/v1/todos` as `user`; asserts `201` and returns the todo.
    pub async fn create_todo(&self, user: &TestUser, body: &Value) -> Value {
        let res = self.post_as(user, "/api/v1/todos", body).await;
        res.assert_status(201);
        res.json()
    }

    /// A todo with just a title.
    pub async fn todo_titled(&self, user: &TestUser, title: &str) -> Value {
        self.create_todo(user, &json!({ "title": title })).await
    }

    /// `POST /api/v1/categories` as `user`; asserts `201` and returns the category.
    pub async fn create_category(&self, user: &TestUser, name: &str) -> Value {
        let res = self
            .post_as(user, "/api/v1/categories", &json!({ "name": name }))
            .await;
        res.assert_status(201);
        res.json()
    }

    /// `POST /api/v1/tags` as `user`; asserts `201` and returns the tag.
    pub async fn create_tag(&self, user: &TestUser, name: &str) -> Value {
        let res = self
            .post_as(user, "/api/v1/tags", &json!({ "name": name }))
            .await;
        res.assert_status(201);
        res.json()
    }

    /// `POST /api/v1/todos/bulk` as `user` with `items`; asserts `201` and
    /// returns the new todos.
    pub async fn bulk_create(&self, user: &TestUser, items: &[Value]) -> Vec<Value> {
        let res = self
            .post_as(user, "/api/v1/todos/bulk", &json!({ "items": items }))
            .await;
        res.assert_status(201);
        res.json()["items"].as_array().expect("items").clone()
    }

    /// The ids of todo answers, as JSON strings.
    #[must_use]
    pub fn ids_of(todos: &[Value]) -> Vec<Value> {
        todos.iter().map(|t| t["id"].clone()).collect()
    }

    /// `GET /api/v1/todos?{query}` as `user`; asserts `200` and returns the answer.
    pub async fn list_todos(&self, user: &TestUser, query: &str) -> TestResponse {
        let res = self.get_as(user, &format!("/api/v1/todos?{query}")).await;
        res.assert_status(200);
        res
    }

    /// The path of a todo answer: `/api/v1/todos/{id}`.
    #[must_use]
    pub fn todo_path(todo: &Value) -> String {
        format!("/api/v1/todos/{}", todo["id"].as_str().expect("todo id"))
    }

    /// The tag names of a todo answer, in order.
    #[must_use]
    pub fn tag_names(todo: &Value) -> Vec<String> {
        todo["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t["name"].as_str().expect("tag name").to_owned())
            .collect()
    }

    /// `GET …/history` of a todo as `user`: `(from_status, to_status)` pairs, oldest first.
    pub async fn history_of(&self, user: &TestUser, todo: &Value) -> Vec<(String, String)> {
        let res = self
            .get_as(user, &format!("{}/history", Self::todo_path(todo)))
            .await;
        res.assert_status(200);
        res.json()
            .as_array()
            .expect("a bare array")
            .iter()
            .map(|h| {
                (
                    h["from_status"].as_str().expect("from").to_owned(),
                    h["to_status"].as_str().expect("to").to_owned(),
                )
            })
            .collect()
    }

    /// The titles of the items of a list answer, in order.
    #[must_use]
    pub fn titles(page: &Value) -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|t| t["title"].as_str().expect("title").to_owned())
            .collect()
    }

    /// Walks the whole list with cursors (`query` plus `cursor=`, `size`) and
    /// returns every item in order; panics if the walk does not end.
    pub async fn walk_todos(&self, user: &TestUser, query: &str, size: u64) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor = String::new();
        for _ in 0..10_000 {
            let page = self
                .list_todos(user, &format!("{query}&size={size}&cursor={cursor}"))
                .await
                .json();
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => return items,
            }
        }
        panic!("the walk did not end");
    }

    /// `method path` as `user` with extra headers and an optional JSON body.
    pub async fn call_with_headers(
        &self,
        user: &TestUser,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> TestResponse {
        let mut req = self.request(method, path).bearer_auth(&user.token);
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        self.send(req, body).await
    }

    /// Sends `req` with a raw JSON body (for malformed JSON).
    pub async fn send_raw(&self, req: awc::ClientRequest, body: Vec<u8>) -> TestResponse {
        let mut res = req
            .content_type("application/json")
            .send_body(body)
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"));
        let body = res.body().limit(16 * 1024 * 1024).await.expect("read body");
        TestResponse {
            status: res.status(),
            headers: res.headers().clone(),
            body,
        }
    }
}
