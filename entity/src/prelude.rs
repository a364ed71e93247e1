//! The entities under short names: `use entity::prelude::*;` brings `User`,
//! `Todo`, `Tag`, … (each an `Entity`) into scope.

pub use super::account_token::Entity as AccountToken;
pub use super::api_key::Entity as ApiKey;
pub use super::audit_log::Entity as AuditLog;
pub use super::category::Entity as Category;
pub use super::idempotency_key::Entity as IdempotencyKey;
pub use super::mail_outbox::Entity as MailOutbox;
pub use super::rate_limit::Entity as RateLimit;
pub use super::session::Entity as Session;
pub use super::sync_deletion::Entity as SyncDeletion;
pub use super::tag::Entity as Tag;
pub use super::todo::Entity as Todo;
pub use super::todo_history::Entity as TodoHistory;
pub use super::todo_tag::Entity as TodoTag;
pub use super::user::Entity as User;
pub use super::user_preferences::Entity as UserPreferences;
pub use super::user_state::Entity as UserState;
