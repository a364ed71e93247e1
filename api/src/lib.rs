//! HTTP server of the Todo service.
//!
//! Handlers turn HTTP into calls of the `service` crate and back: extractors
//! parse and validate, [`error::ApiError`] maps every failure to problem+json,
//! and [`telemetry`] counts each request's SQL statements. [`startup::prepare`]
//! opens the pool and migrates, [`startup::app`] assembles routes and
//! middleware, and [`startup::Application`] serves them on a socket: the
//! server binary binds `HOST:PORT`, the integration tests bind a free port on
//! loopback and send real HTTP requests to it.

pub mod admin_cli;
pub mod auth;
pub mod cli;
pub mod conditional;
pub mod config;
pub mod cors;
pub mod db;
pub mod dto;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod jobs;
pub mod logging;
pub mod openapi;
pub mod outbox_cli;
pub mod pagination;
pub mod reads;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tokens;
