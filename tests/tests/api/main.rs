//! End-to-end tests: the real server, over HTTP, on a real database.
//!
//! One binary for the whole suite, so it links once. Run against SQLite by
//! default, or PostgreSQL / MariaDB with `TEST_DATABASE_URL` (see README).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod docs;
mod migrations;
mod schema;
mod system;
