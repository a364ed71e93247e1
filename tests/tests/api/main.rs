//! End-to-end tests: the real server, over HTTP, on a real database.
//!
//! One binary for the whole suite, so it links once. Run against SQLite by
//! default, or PostgreSQL / MariaDB with `TEST_DATABASE_URL` (see README).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod api_keys;
mod audit;
mod auth;
mod bulk;
mod bulk_failures;
mod categories;
mod concurrency;
mod create_admin;
mod decoding;
mod docs;
mod edges;
mod fixtures;
mod http;
mod idempotency;
mod list_totals;
mod migrations;
mod profile;
mod races;
mod rate_limit;
mod rights;
mod schema;
mod stats;
mod sync;
mod system;
mod tags;
mod todo_counters;
mod todo_listing;
mod todo_plans;
mod todo_races;
mod todo_sorting;
mod todo_status;
mod todos;
