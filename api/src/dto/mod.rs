//! Request and response types: what the API speaks, kept apart from the entities.
//!
//! Each resource has its family (`…Create`, `…Update`, `…Out`, list query).
//! Requests reject unknown fields and carry `validator` rules; responses are
//! built from service models and never carry a password hash.

pub mod account;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod categories;
pub mod enums;
mod rules;
pub mod stats;
pub mod sync;
pub mod tags;
pub mod todo_list;
pub mod todos;
pub mod users;

pub use rules::{TIMESTAMP_RULE, double_option, validate_password, validate_username};
