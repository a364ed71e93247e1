//! The example of every request body and answer in the document.
//!
//! Answers are real values of the DTO types, serialized by the same serde
//! code as the server's answers: a field added to a DTO fails to compile
//! here until its example says what it holds. Request bodies are JSON, keyed
//! by operation; a unit test runs each through the extractor and the rules
//! of its DTO, so an example is always a request the server accepts.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use migration::MigratorTrait;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::{Content, RefOr, Schema};
use uuid::Uuid;

use crate::dto::audit::AuditLogOut;
use crate::dto::auth::{SessionOut, TokenPair};
use crate::dto::bulk::{TodoBulkCreated, TodoBulkDeleted, TodoBulkRestored, TodoBulkUpdated};
use crate::dto::categories::CategoryOut;
use crate::dto::enums::{Priority, Theme, TodoStatus, UserStatus};
use crate::dto::stats::{DayCount, PriorityCounts, StatusCounts, TodoStatsOut};
use crate::dto::tags::TagOut;
use crate::dto::todo_list::{TodoPage, TodoPageLinks};
use crate::dto::todos::{HistoryEntryOut, TodoCategory, TodoOut, TodoTag};
use crate::dto::users::{PreferencesOut, UserOut};
use crate::pagination::{Page, PageLinks};
use crate::routes::system::{
    DatabaseStatus, Health, MigrationCounts, PoolCounts, Readiness, ServingStatus,
};

const USER_ID: &str = "0193a5c4-1a2b-7c3d-9e4f-5a6b7c8d9e0f";
const TODO_ID: &str = "0193a5c4-7e21-7c3d-8a4b-5f6e7d8c9b0a";
const CATEGORY_ID: &str = "0193a5c4-3c4d-7e5f-8a6b-7c8d9e0f1a2b";
const TAG_ID: &str = "0193a5c4-4d5e-7f6a-9b7c-8d9e0f1a2b3c";
const SESSION_ID: &str = "0193a5c4-5e6f-7a8b-8c9d-0e1f2a3b4c5d";

pub(super) fn id(text: &str) -> Uuid {
    Uuid::parse_str(text).unwrap_or_default()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap_or_default()
}

/// Sets `content`'s examples to `value` under `name`.
fn set(content: &mut Content, name: &str, summary: &str, value: Value) {
    content.example = None;
    content.examples.insert(
        name.to_owned(),
        RefOr::T(
            ExampleBuilder::new()
                .summary(summary)
                .value(Some(value))
                .build(),
        ),
    );
}

/// Adds the request example of `operation` to its body's `content`.
pub(super) fn add_request(content: &mut Content, operation: &str) {
    if let Some(value) = request(operation) {
        set(content, "typical", "A typical request", value);
    }
}

/// Adds the example of the answer's schema to `content`, if it has one.
pub(super) fn add_response(
    content: &mut Content,
    operation: &str,
    schemas: &BTreeMap<String, RefOr<Schema>>,
) {
    let value = match &content.schema {
        Some(RefOr::Ref(reference)) => {
            schema_name(&reference.ref_location).and_then(|name| by_schema(name, schemas))
        }
        Some(RefOr::T(Schema::Array(array))) => match &array.items {
            utoipa::openapi::schema::ArrayItems::RefOrSchema(item) => match item.as_ref() {
                RefOr::Ref(reference) => schema_name(&reference.ref_location)
                    .and_then(|name| by_schema(name, schemas))
                    .map(|item| Value::Array(vec![item])),
                RefOr::T(_) => None,
            },
            utoipa::openapi::schema::ArrayItems::False => None,
        },
        _ => by_operation(operation),
    };
    if let Some(value) = value {
        set(content, "typical", "A typical answer", value);
    }
}

fn schema_name(location: &str) -> Option<&str> {
    location.strip_prefix("#/components/schemas/")
}

fn to_value(value: impl Serialize) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// Answers whose schema is inline (the system routes).
fn by_operation(operation: &str) -> Option<Value> {
    match operation {
        "metrics" => Some(Value::from(
            "# HELP http_requests_total HTTP requests answered\n\
             # TYPE http_requests_total counter\n\
             http_requests_total{method=\"GET\",route=\"/api/v1/todos\",status=\"200\"} 42\n",
        )),
        "docs_redirect" => Some(Value::from(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>Swagger UI</title></head>\n\
             <body><div id=\"swagger-ui\"></div></body>\n</html>\n",
        )),
        "openapi_json" => Some(json!({
            "openapi": "3.1.0",
            "info": { "title": "Todo API", "version": env!("CARGO_PKG_VERSION") },
            "paths": {}
        })),
        _ => None,
    }
}

/// The example of a named schema; a page of a schema with an example is
/// built from it.
fn by_schema(name: &str, schemas: &BTreeMap<String, RefOr<Schema>>) -> Option<Value> {
    let value = match name {
        "TodoOut" => to_value(todo()),
        "TodoPage" => to_value(todo_page()),
        "TodoStatsOut" => to_value(stats()),
        "HistoryEntryOut" => to_value(HistoryEntryOut {
            id: id("0193a5c4-8f9a-7b0c-9d1e-2f3a4b5c6d7e"),
            from_status: TodoStatus::Pending,
            to_status: TodoStatus::InProgress,
            changed_at: at("2026-11-23T10:05:00Z"),
        }),
        "TodoBulkCreated" => to_value(TodoBulkCreated {
            items: vec![todo()],
        }),
        "TodoBulkUpdated" => to_value(TodoBulkUpdated { updated: 3 }),
        "TodoBulkDeleted" => to_value(TodoBulkDeleted { deleted: 3 }),
        "TodoBulkRestored" => to_value(TodoBulkRestored { restored: 3 }),
        "CategoryOut" => to_value(category()),
        "TagOut" => to_value(tag()),
        "UserOut" => to_value(user()),
        "SessionOut" => to_value(SessionOut {
            id: id(SESSION_ID),
            created_at: at("2026-11-23T09:00:00Z"),
            last_used_at: Some(at("2026-11-23T10:00:00Z")),
            expires_at: at("2026-12-23T09:00:00Z"),
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64)".to_owned()),
            ip_address: Some("203.0.113.7".to_owned()),
            current: true,
        }),
        "TokenPair" => to_value(TokenPair {
            access_token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMTkzYTVjNCJ9.c2lnbmF0dXJl".to_owned(),
            refresh_token: "rt_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d".to_owned(),
            token_type: crate::dto::auth::TokenType::Bearer,
            expires_in: 900,
        }),
        "AuditLogOut" => to_value(audit_entry()),
        "ApiKeyOut" | "ApiKeyIssued" => super::key_examples::by_schema(name),
        "DeletionScheduled" => super::account_examples::by_schema(name),
        "SyncOut" => to_value(super::sync_examples::answer()),
        "Health" => to_value(Health {
            status: ServingStatus::Ok,
        }),
        "Readiness" => to_value(Readiness {
            status: ServingStatus::Ok,
            database: DatabaseStatus {
                connected: true,
                latency_ms: Some(0.4),
                pool: PoolCounts {
                    size: 4,
                    idle: 3,
                    max: 16,
                },
            },
            migrations: Some(MigrationCounts {
                applied: migration::Migrator::migrations().len(),
                pending: 0,
                pending_names: Vec::new(),
            }),
            replicas: Some(vec![crate::reads::ReplicaStatus {
                name: "replica-1:5432/todo".to_owned(),
                connected: true,
                lag_ms: Some(12),
                in_use: true,
            }]),
        }),
        _ => page_of(name, schemas),
    }?;
    Some(value)
}

/// `Page<T>` appears as `Page_T`; its example is a page of `T`'s.
fn page_of(name: &str, schemas: &BTreeMap<String, RefOr<Schema>>) -> Option<Value> {
    let item_name = name.strip_prefix("Page_")?;
    let item = by_schema(item_name, schemas)?;
    let path = match item_name {
        "CategoryOut" => "/api/v1/categories",
        "TagOut" => "/api/v1/tags",
        "UserOut" => "/api/v1/users",
        "AuditLogOut" => "/api/v1/admin/audit-logs",
        _ => return None,
    };
    to_value(Page {
        items: vec![item],
        total: 41,
        page: 1,
        size: 20,
        pages: 3,
        has_next: true,
        has_prev: false,
        links: PageLinks {
            self_: format!("{path}?page=1&size=20"),
            next: Some(format!("{path}?page=2&size=20")),
            prev: None,
            first: format!("{path}?page=1&size=20"),
            last: format!("{path}?page=3&size=20"),
        },
    })
}

pub(super) fn todo() -> TodoOut {
    TodoOut {
        id: id(TODO_ID),
        title: "Send the invoice to ACME".to_owned(),
        description: Some("PDF from the shared drive; copy accounting.".to_owned()),
        status: TodoStatus::InProgress,
        priority: Priority::High,
        due_date: Some(at("2026-11-30T17:00:00Z")),
        completed_at: None,
        category: Some(TodoCategory {
            id: id(CATEGORY_ID),
            name: "Work".to_owned(),
            color: Some("#3b82f6".to_owned()),
        }),
        tags: vec![
            TodoTag {
                id: id(TAG_ID),
                name: "billing".to_owned(),
            },
            TodoTag {
                id: id("0193a5c4-6f7a-7b8c-9d0e-1f2a3b4c5d6e"),
                name: "urgent".to_owned(),
            },
        ],
        created_at: at("2026-11-23T10:00:00Z"),
        updated_at: at("2026-11-23T10:05:00Z"),
        deleted_at: None,
        version: 3,
    }
}

fn todo_page() -> TodoPage {
    let path = "/api/v1/todos?status=in_progress&sort_by=due_date";
    TodoPage {
        items: vec![todo()],
        total: Some(41),
        page: Some(1),
        size: 20,
        pages: Some(3),
        has_next: true,
        has_prev: false,
        links: TodoPageLinks {
            self_: format!("{path}&page=1&size=20"),
            next: Some(format!("{path}&page=2&size=20")),
            prev: None,
            first: Some(format!("{path}&page=1&size=20")),
            last: Some(format!("{path}&page=3&size=20")),
        },
        next_cursor: Some("eyJrIjoiZHVlX2RhdGUiLCJ2IjoiMjAyNi0xMS0zMCJ9".to_owned()),
    }
}

fn stats() -> TodoStatsOut {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    // Exactly 30 days, oldest first, ending today, as the server answers.
    let completed_per_day: Vec<DayCount> = (0..30u64)
        .rev()
        .map(|ago| DayCount {
            date: today - chrono::Days::new(ago),
            count: (ago * 7 + 3) % 4,
        })
        .collect();
    TodoStatsOut {
        by_status: StatusCounts {
            pending: 12,
            in_progress: 4,
            completed: 23,
            archived: 2,
        },
        by_priority: PriorityCounts {
            low: 6,
            medium: 21,
            high: 10,
            urgent: 4,
        },
        overdue: 3,
        completed_last_7_days: completed_per_day
            .iter()
            .rev()
            .take(7)
            .map(|d| d.count)
            .sum(),
        completed_per_day,
    }
}

pub(super) fn category() -> CategoryOut {
    CategoryOut {
        id: id(CATEGORY_ID),
        name: "Work".to_owned(),
        color: Some("#3b82f6".to_owned()),
        todo_count: 17,
        created_at: at("2026-11-20T08:00:00Z"),
        updated_at: at("2026-11-21T08:30:00Z"),
        version: 2,
    }
}

pub(super) fn tag() -> TagOut {
    TagOut {
        id: id(TAG_ID),
        name: "billing".to_owned(),
        todo_count: 5,
        created_at: at("2026-11-20T08:00:00Z"),
    }
}

fn user() -> UserOut {
    UserOut {
        id: id(USER_ID),
        email: "ada@example.com".to_owned(),
        username: "ada".to_owned(),
        full_name: Some("Ada Lovelace".to_owned()),
        bio: None,
        status: UserStatus::Active,
        is_admin: false,
        email_verified: true,
        deletion_scheduled_for: None,
        preferences: PreferencesOut {
            theme: Theme::Dark,
            timezone: "Europe/London".to_owned(),
            default_page_size: 20,
            default_sort: "due_date".to_owned(),
            email_notifications: true,
        },
        created_at: at("2026-11-01T12:00:00Z"),
        updated_at: at("2026-11-20T09:00:00Z"),
        deleted_at: None,
        version: 5,
    }
}

fn audit_entry() -> AuditLogOut {
    AuditLogOut {
        id: id("0193a5c4-9a0b-7c1d-8e2f-3a4b5c6d7e8f"),
        user_id: Some(id(USER_ID)),
        action: "auth.login".to_owned(),
        entity_type: Some("user".to_owned()),
        entity_id: Some(USER_ID.to_owned()),
        success: true,
        ip_address: Some("203.0.113.7".to_owned()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64)".to_owned()),
        details: None,
        created_at: at("2026-11-23T09:00:00Z"),
    }
}

/// The request body of each operation that takes one.
pub(crate) fn request(operation: &str) -> Option<Value> {
    let value = match operation {
        "register" => json!({
            "email": "ada@example.com",
            "username": "ada",
            "password": "correct-horse-battery-9",
            "full_name": "Ada Lovelace"
        }),
        "login" => json!({ "email": "ada@example.com", "password": "correct-horse-battery-9" }),
        "refresh" | "logout" => json!({ "refresh_token": "rt_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d" }),
        "change_password" => json!({
            "current_password": "correct-horse-battery-9",
            "new_password": "staple-lantern-orbit-4"
        }),
        "update_me" => json!({
            "full_name": "Ada King",
            "bio": null,
            "preferences": { "theme": "dark", "default_page_size": 50 },
            "version": 5
        }),
        "delete_me" => json!({ "password": "correct-horse-battery-9" }),
        "update_user" => json!({ "status": "suspended", "version": 5 }),
        "delete_user" | "delete_category" | "delete_todo" => json!({ "version": 3 }),
        "create_category" => json!({ "name": "Work", "color": "#3b82f6" }),
        "update_category" => json!({ "name": "Office", "color": null, "version": 2 }),
        "create_tag" | "rename_tag" => json!({ "name": "billing" }),
        "merge_tags" => json!({
            "source_ids": ["0193a5c4-6f7a-7b8c-9d0e-1f2a3b4c5d6e"],
            "target_id": TAG_ID
        }),
        "create_todo" => json!({
            "title": "Send the invoice to ACME",
            "description": "PDF from the shared drive; copy accounting.",
            "priority": "high",
            "due_date": "2026-11-30T17:00:00Z",
            "category_id": CATEGORY_ID,
            "tags": ["billing", "urgent"]
        }),
        "update_todo" => json!({
            "status": "in_progress",
            "due_date": null,
            "tags": ["billing"],
            "version": 3
        }),
        "bulk_create_todos" => json!({
            "items": [
                { "title": "Book the venue", "priority": "high", "tags": ["party"] },
                { "title": "Order the cake", "due_date": "2026-12-20T12:00:00Z" }
            ]
        }),
        "bulk_update_todos" => json!({
            "ids": [TODO_ID],
            "set": { "status": "completed" },
            "add_tags": ["done-this-week"]
        }),
        "bulk_delete_todos" => json!({ "ids": [TODO_ID], "permanent": false }),
        "bulk_restore_todos" => json!({ "ids": [TODO_ID] }),
        "create_api_key" => super::key_examples::create_request(),
        _ => return super::account_examples::request(operation),
    };
    Some(value)
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use validator::Validate;

    use super::*;
    use crate::dto::auth::{ChangePasswordRequest, LoginRequest, RefreshRequest, RegisterRequest};
    use crate::dto::bulk::{TodoBulkCreate, TodoBulkDelete, TodoBulkRestore, TodoBulkUpdate};
    use crate::dto::categories::{CategoryCreate, CategoryUpdate};
    use crate::dto::tags::{TagMerge, TagName};
    use crate::dto::todos::{TodoCreate, TodoUpdate};
    use crate::dto::users::{AdminUserUpdate, DeleteAccountRequest, DeleteBody, UserUpdateMe};
    use crate::extract::{parse_json, validate};

    fn parsed<T: DeserializeOwned>(operation: &str) -> T {
        let body = request(operation).unwrap_or_else(|| panic!("{operation} has no example"));
        let bytes = serde_json::to_vec(&body).expect("serializes");
        parse_json(&bytes).unwrap_or_else(|err| panic!("{operation}: {:?}", err.problem()))
    }

    fn accepted<T: DeserializeOwned + Validate>(operation: &str) {
        let value: T = parsed(operation);
        validate(&value).unwrap_or_else(|err| panic!("{operation}: {:?}", err.problem()));
    }

    /// Each request example goes through the extractor and the rules of its
    /// operation's body type; an operation with a body and no example, or
    /// one missing here, fails.
    #[test]
    fn every_request_example_is_a_body_the_server_accepts() {
        let document = crate::openapi::document();
        let mut checked = 0;
        for item in document.paths.paths.values() {
            let operations = [&item.post, &item.patch, &item.delete, &item.put];
            for operation in operations.into_iter().flatten() {
                if operation.request_body.is_none() {
                    continue;
                }
                let id = operation.operation_id.as_deref().unwrap_or_default();
                match id {
                    "register" => accepted::<RegisterRequest>(id),
                    "login" => accepted::<LoginRequest>(id),
                    "refresh" | "logout" => accepted::<RefreshRequest>(id),
                    "change_password" => accepted::<ChangePasswordRequest>(id),
                    "update_me" => accepted::<UserUpdateMe>(id),
                    "delete_me" => accepted::<DeleteAccountRequest>(id),
                    "update_user" => accepted::<AdminUserUpdate>(id),
                    "delete_user" | "delete_category" | "delete_todo" => {
                        accepted::<DeleteBody>(id);
                    }
                    "create_category" => accepted::<CategoryCreate>(id),
                    "update_category" => accepted::<CategoryUpdate>(id),
                    "create_tag" | "rename_tag" => accepted::<TagName>(id),
                    "merge_tags" => accepted::<TagMerge>(id),
                    "create_todo" => accepted::<TodoCreate>(id),
                    "update_todo" => accepted::<TodoUpdate>(id),
                    "bulk_create_todos" => {
                        let bulk: TodoBulkCreate = parsed(id);
                        assert!(!bulk.items.is_empty());
                        for item in &bulk.items {
                            validate(item)
                                .unwrap_or_else(|err| panic!("{id}: {:?}", err.problem()));
                        }
                    }
                    "bulk_update_todos" => accepted::<TodoBulkUpdate>(id),
                    "bulk_delete_todos" => accepted::<TodoBulkDelete>(id),
                    "bulk_restore_todos" => accepted::<TodoBulkRestore>(id),
                    "create_api_key" => accepted::<crate::dto::api_keys::ApiKeyCreate>(id),
                    other => assert!(
                        super::super::account_examples::check(other),
                        "{other} takes a body: give it an example and check it here"
                    ),
                }
                checked += 1;
            }
        }
        assert!(checked >= 30, "{checked} request examples checked");
    }
}
