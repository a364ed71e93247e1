//! Business rules of the Todo service, over SeaORM.
//!
//! This crate knows nothing of HTTP: every function takes a connection (or a
//! transaction), the acting user's id where it matters, and plain input
//! structs, and returns entity models or a [`ServiceError`]. Ownership, soft
//! delete, version checks, status history and all-or-nothing bulk writes live
//! here, so they hold whichever route (or test) calls them.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod batch;
pub mod categories;
pub mod clock;
pub mod context;
pub mod error;
pub mod idempotency;
mod labels;
pub mod mail;
pub mod names;
pub mod paging;
pub mod passwords;
pub mod search;
pub mod secrets;
pub mod sessions;
pub mod sync;
pub mod system;
pub mod tags;
pub mod throttle;
pub mod todos;
pub mod txn;
pub mod users;
pub mod version;
pub mod write_seq;

pub use context::ClientMeta;
pub use error::{FieldErrors, ServiceError, ServiceResult};
