//! Reversible schema migrations of the Todo service, run by the server at
//! start (`AUTO_MIGRATE`), by the tests, and by operators through the
//! `migration` binary (see `README.md` beside this crate).
//!
//! Each migration is one file named `mYYYYMMDD_NNNNNN_what.rs` and describes
//! the schema *as it was on its day* with its own `DeriveIden` enums: this
//! crate never imports `entity`, so changing an entity cannot rewrite
//! history. Every migration has a real `down`, and runs in a transaction
//! (PostgreSQL and SQLite roll DDL back on failure; MySQL commits each DDL
//! statement implicitly, so there only the data statements are atomic).
//!
//! The schema is the same on SQLite, PostgreSQL and MySQL/MariaDB except
//! where noted in `common.rs` (timestamp types, MySQL collations, PostgreSQL
//! partial indexes).

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261123_000001_create_users;
mod m20261123_000002_create_user_preferences;
mod m20261123_000003_create_sessions;
mod m20261123_000004_create_categories;
mod m20261123_000005_create_tags;
mod m20261123_000006_create_todos;
mod m20261123_000007_create_todo_tags;
mod m20261123_000008_create_todo_history;
mod m20261123_000009_create_audit_logs;
mod m20261123_000010_seed_missing_user_preferences;
mod m20261123_000011_cover_todo_tags_by_tag;
mod m20261123_000012_add_todo_sort_indexes;
mod m20261123_000013_drop_superseded_todo_indexes;
mod m20261201_000001_create_mail_outbox;
mod m20261202_000001_add_user_lifecycle_columns;
mod m20261202_000002_create_account_tokens;
mod m20261202_000003_create_api_keys;
mod m20261202_000004_create_user_state;
mod m20261202_000005_create_rate_limits;
mod m20261202_000006_create_idempotency_keys;
mod m20261202_000007_add_sync_columns;
mod m20261202_000008_add_todo_counters;
mod m20261202_000009_count_todos_per_statement;

/// All migrations of the service, oldest first. Append new ones at the end;
/// never reorder, rename or edit one that has been released.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_users::Migration),
            Box::new(m20261123_000002_create_user_preferences::Migration),
            Box::new(m20261123_000003_create_sessions::Migration),
            Box::new(m20261123_000004_create_categories::Migration),
            Box::new(m20261123_000005_create_tags::Migration),
            Box::new(m20261123_000006_create_todos::Migration),
            Box::new(m20261123_000007_create_todo_tags::Migration),
            Box::new(m20261123_000008_create_todo_history::Migration),
            Box::new(m20261123_000009_create_audit_logs::Migration),
            Box::new(m20261123_000010_seed_missing_user_preferences::Migration),
            Box::new(m20261123_000011_cover_todo_tags_by_tag::Migration),
            Box::new(m20261123_000012_add_todo_sort_indexes::Migration),
            Box::new(m20261123_000013_drop_superseded_todo_indexes::Migration),
            Box::new(m20261201_000001_create_mail_outbox::Migration),
            Box::new(m20261202_000001_add_user_lifecycle_columns::Migration),
            Box::new(m20261202_000002_create_account_tokens::Migration),
            Box::new(m20261202_000003_create_api_keys::Migration),
            Box::new(m20261202_000004_create_user_state::Migration),
            Box::new(m20261202_000005_create_rate_limits::Migration),
            Box::new(m20261202_000006_create_idempotency_keys::Migration),
            Box::new(m20261202_000007_add_sync_columns::Migration),
            Box::new(m20261202_000008_add_todo_counters::Migration),
            Box::new(m20261202_000009_count_todos_per_statement::Migration),
        ]
    }
}
