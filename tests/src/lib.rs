//! Test harness: a fresh database per test, and the real server on a real socket.
//!
//! With no `TEST_DATABASE_URL`, each test gets its own in-memory SQLite
//! database. With `TEST_DATABASE_URL=postgres://…` or `mysql://…` (an admin
//! connection), each test creates a database of its own, named `t_<uuid>`, and
//! drops it when the test ends, so tests run in parallel without sharing rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

mod client;
mod db;
mod todos;

pub use client::{PASSWORD, TestApp, TestResponse, TestUser, test_config};
pub use db::{Engine, TestDb};
