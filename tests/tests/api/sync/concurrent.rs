//! A client that syncs while eight writers change everything at once ends
//! with exactly the server's todos, categories and tags.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Value, json};
use tests::{TestApp, TestUser};

use super::sync_all;

const WRITERS: u64 = 8;
const RUN_FOR: Duration = Duration::from_secs(12);
const TAGS: [&str; 6] = ["red", "green", "blue", "cyan", "gray", "pink"];

/// The client's copy: records by id.
#[derive(Debug, Default)]
struct Copy {
    todos: HashMap<String, Value>,
    categories: HashMap<String, Value>,
    tags: HashMap<String, Value>,
}

impl Copy {
    fn apply(&mut self, answer: &Value) {
        for (kind, map) in [
            ("todos", &mut self.todos),
            ("categories", &mut self.categories),
            ("tags", &mut self.tags),
        ] {
            for record in answer[kind]["changed"].as_array().unwrap() {
                map.insert(record["id"].as_str().unwrap().to_owned(), record.clone());
            }
            for id in answer[kind]["deleted_ids"].as_array().unwrap() {
                map.remove(id.as_str().unwrap());
            }
        }
    }
}

/// A deterministic pseudo-random sequence (xorshift).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n as u64).unwrap()
    }

    fn tags(&mut self) -> Vec<&'static str> {
        (0..self.roll(3))
            .map(|_| TAGS[self.roll(TAGS.len())])
            .collect()
    }
}

/// What one writer owns: its todos (and whether each is soft-deleted) and
/// its categories. Writers never touch each other's records, so every
/// write is one the server takes (no `404` or `409` from a race).
#[derive(Default)]
struct Own {
    todos: Vec<(String, bool)>,
    categories: Vec<String>,
}

impl Own {
    fn add(&mut self, made: &Value) {
        let made = made["items"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![made.clone()]);
        for todo in made {
            self.todos
                .push((todo["id"].as_str().unwrap().to_owned(), false));
        }
    }
}

/// One writer: creates, changes and deletes its todos and categories until
/// the time is up; answers the failures it met.
async fn writer(app: &TestApp, user: &TestUser, seed: u64) -> Vec<String> {
    let mut dice = Dice(seed);
    let mut own = Own::default();
    let mut failures = Vec::new();
    let deadline = Instant::now() + RUN_FOR;
    let todo = |id: &str| format!("/api/v1/todos/{id}");
    while Instant::now() < deadline {
        let op = if own.todos.is_empty() {
            0
        } else {
            dice.roll(11)
        };
        let at = dice.roll(own.todos.len().max(1));
        let (id, deleted) = own.todos.get(at).cloned().unwrap_or_default();
        let (res, expected) = match op {
            0 | 1 => {
                let body = json!({ "title": "new", "tags": dice.tags() });
                (app.post_as(user, "/api/v1/todos", &body).await, 201)
            }
            2 => {
                let items: Vec<Value> = (0..5)
                    .map(|_| json!({ "title": "bulk", "tags": dice.tags() }))
                    .collect();
                let body = json!({ "items": items });
                (app.post_as(user, "/api/v1/todos/bulk", &body).await, 201)
            }
            3 | 4 if !deleted => {
                let body = json!({ "title": format!("edit {}", dice.roll(100)) });
                (app.patch_as(user, &todo(&id), &body).await, 200)
            }
            5 if !deleted => {
                let body = json!({ "tags": dice.tags() });
                (app.patch_as(user, &todo(&id), &body).await, 200)
            }
            3..=6 if deleted => {
                let path = format!("{}/restore", todo(&id));
                own.todos[at].1 = false;
                (app.post_as(user, &path, &json!({})).await, 200)
            }
            6 => {
                own.todos[at].1 = true;
                (app.delete_as(user, &todo(&id)).await, 204)
            }
            7 => {
                own.todos.swap_remove(at);
                let path = format!("{}?permanent=true", todo(&id));
                (app.delete_as(user, &path).await, 204)
            }
            8 => {
                own.todos.swap_remove(at);
                let body = json!({ "ids": [id], "permanent": true });
                let path = "/api/v1/todos/bulk-delete";
                (app.post_as(user, path, &body).await, 200)
            }
            9 if deleted => continue,
            9 => {
                let name = format!("cat {seed} {}", dice.roll(1_000_000));
                let body = json!({ "name": name });
                let made = app.post_as(user, "/api/v1/categories", &body).await;
                if made.status == 201 {
                    own.categories
                        .push(made.json()["id"].as_str().unwrap().to_owned());
                    let body = json!({ "category_id": made.json()["id"] });
                    (app.patch_as(user, &todo(&id), &body).await, 200)
                } else {
                    (made, 201)
                }
            }
            _ => match own.categories.pop() {
                Some(category) => {
                    let path = format!("/api/v1/categories/{category}");
                    (app.delete_as(user, &path).await, 204)
                }
                None => continue,
            },
        };
        if res.status.as_u16() != expected {
            failures.push(format!("operation {op}: {} {}", res.status, res.text()));
        } else if expected == 201 && op <= 2 {
            own.add(&res.json());
        }
    }
    failures
}

/// Syncs every 100 ms until `done`, applying each answer to `copy`.
async fn syncer(
    app: &TestApp,
    user: &TestUser,
    copy: &RefCell<Copy>,
    done: &RefCell<bool>,
) -> String {
    let (answers, mut since) = sync_all(app, user, None, 500).await;
    answers.iter().for_each(|a| copy.borrow_mut().apply(a));
    while !*done.borrow() {
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        let (answers, next) = sync_all(app, user, Some(&since), 50).await;
        answers.iter().for_each(|a| copy.borrow_mut().apply(a));
        since = next;
    }
    since
}

fn by_id(records: Vec<Value>) -> HashMap<String, Value> {
    records
        .into_iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r))
        .collect()
}

/// `name` and `version` (categories) or `name` (tags) of each label: what a
/// label's own change moves (its `todo_count` moves with its todos).
fn labels(records: &HashMap<String, Value>) -> HashMap<String, (Value, Value)> {
    records
        .iter()
        .map(|(id, r)| (id.clone(), (r["name"].clone(), r["version"].clone())))
        .collect()
}

#[actix_web::test]
async fn a_client_syncing_under_eight_writers_ends_with_exactly_the_servers_data() {
    let app = TestApp::spawn_concurrent().await;
    let alice = app.signup("alice").await;
    let items: Vec<Value> = (0..20)
        .map(|i| json!({ "title": format!("seed {i}"), "tags": ["red"] }))
        .collect();
    let seeded = app.bulk_create(&alice, &items).await;
    let copy = RefCell::new(Copy::default());
    let done = RefCell::new(false);

    let writers = async {
        let errors = join_all((1..=WRITERS).map(|seed| writer(&app, &alice, seed * 7919))).await;
        *done.borrow_mut() = true;
        errors.concat()
    };
    let (errors, since) =
        futures_util::future::join(writers, syncer(&app, &alice, &copy, &done)).await;
    assert!(errors.is_empty(), "writes refused: {errors:?}");
    // A last sync after the writes, as a client does when it next looks.
    let (answers, _) = sync_all(&app, &alice, Some(&since), 500).await;
    answers.iter().for_each(|a| copy.borrow_mut().apply(a));

    let copy = copy.into_inner();
    let todos = by_id(app.walk_todos(&alice, "include_deleted=true", 100).await);
    assert!(todos.len() > seeded.len(), "the writers created todos");
    assert_eq!(copy.todos.len(), todos.len(), "the same todos");
    for (id, todo) in &todos {
        assert_eq!(
            copy.todos.get(id),
            Some(todo),
            "todo {id}: same version, same state"
        );
    }
    let page = |path: &str| {
        let path = path.to_owned();
        let app = &app;
        let alice = &alice;
        async move {
            app.get_as(alice, &path).await.json()["items"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let categories = by_id(page("/api/v1/categories?size=100").await);
    assert_eq!(
        labels(&copy.categories),
        labels(&categories),
        "the same categories"
    );
    let tags = by_id(page("/api/v1/tags?size=100").await);
    assert_eq!(labels(&copy.tags), labels(&tags), "the same tags");
}
