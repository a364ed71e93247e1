//! The examples of the API-key operations: real DTO values, as in
//! [`super::examples`], which asks here for them.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::dto::api_keys::{ApiKeyIssued, ApiKeyOut, ApiKeyScope};

const KEY_ID: &str = "0193a5c4-6a7b-7c8d-9e0f-1a2b3c4d5e6f";

/// A key as the example shows it (the secret's first 8 characters are the prefix).
const SECRET: &str = "todo_x3Fq9Zk2VbN8wYt1LmPcR4sD7eGhJ0aUoXiK5nB6vCw";

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap_or_default()
}

fn key() -> ApiKeyOut {
    ApiKeyOut {
        id: Uuid::parse_str(KEY_ID).unwrap_or_default(),
        name: "nightly backup".to_owned(),
        prefix: SECRET.chars().take(8).collect(),
        scopes: vec![ApiKeyScope::Read],
        created_at: at("2026-11-20T08:00:00Z"),
        last_used_at: Some(at("2026-11-23T02:00:04Z")),
        expires_at: Some(at("2027-11-20T08:00:00Z")),
        revoked_at: None,
    }
}

/// The example of the schema `name` (its Rust name), if it is an API key's.
pub(super) fn by_schema(name: &str) -> Option<Value> {
    match name {
        "ApiKeyOut" => serde_json::to_value(key()).ok(),
        "ApiKeyIssued" => {
            let fresh = ApiKeyOut {
                last_used_at: None,
                ..key()
            };
            serde_json::to_value(ApiKeyIssued::new(fresh, SECRET.to_owned())).ok()
        }
        _ => None,
    }
}

/// The request body of `POST /api-keys`.
pub(super) fn create_request() -> Value {
    json!({
        "name": "nightly backup",
        "scopes": ["read"],
        "expires_at": "2030-12-31T23:59:59Z"
    })
}
