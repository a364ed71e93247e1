//! `mail_outbox`: mail waiting to be delivered, or delivered, or given up on.
//!
//! A row is written in the same transaction as the event that causes the
//! mail (so a rolled-back event sends nothing) and delivered by a worker
//! that claims it with a lease (`lease_until`), sends it outside any
//! transaction, and marks the result. See `service::mail`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a message stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// Waiting for its `next_attempt_at` (or held by a worker's lease).
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Accepted by the SMTP server.
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Given up after the maximum number of attempts; an operator may queue
    /// it again.
    #[sea_orm(string_value = "failed")]
    Failed,
}

crate::string_enum_text!(MailStatus {
    Pending => "pending",
    Sent => "sent",
    Failed => "failed",
});

/// One message of the outbox.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    /// UUIDv7; also the left part of the message's `Message-ID`, so a
    /// message delivered twice can be recognised as one.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The one address the message goes to.
    pub recipient: String,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// The `text/plain` part; every link stands on a line of its own.
    /// Emptied once sent, with `html_body`: links carry tokens.
    #[sea_orm(column_type = "Text")]
    pub text_body: String,
    /// The `text/html` part, already escaped.
    #[sea_orm(column_type = "Text")]
    pub html_body: String,
    pub status: MailStatus,
    /// Failed deliveries so far (reset to 0 when an operator retries).
    pub attempts: i32,
    /// Not to be tried before this time (backoff after a failure).
    pub next_attempt_at: DateTimeWithTimeZone,
    /// Set while a worker holds the row; a row whose lease has run out is
    /// free to be claimed again. `None` when nobody holds it.
    pub lease_until: Option<DateTimeWithTimeZone>,
    /// What the last failed attempt said (kept after a later success).
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// When the SMTP server accepted it; `None` until then.
    pub sent_at: Option<DateTimeWithTimeZone>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
mod tests {
    use super::MailStatus;
    use sea_orm::{ActiveEnum, Iterable};
    use std::str::FromStr;

    #[test]
    fn mail_statuses_are_spelled_the_same_everywhere() {
        for status in MailStatus::iter() {
            let text = status.to_string();
            assert_eq!(status.to_value(), text);
            assert_eq!(MailStatus::from_str(&text), Ok(status));
        }
        assert!(MailStatus::from_str("Sent").is_err());
    }
}
