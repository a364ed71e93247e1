//! Mail: an outbox written with the events that cause it, and a worker that
//! delivers it over SMTP, safely with any number of servers.
//!
//! - [`enqueue`] writes a [`Message`] to `mail_outbox` with the caller's
//!   connection: called inside the transaction of the event (a registration,
//!   a reset request), the mail exists if and only if the event committed.
//! - [`run_worker`] (one per server) calls [`deliver_due`] every few
//!   seconds: it claims due rows with a lease in a short transaction, sends
//!   each outside any transaction through a [`Transport`] with a
//!   `Message-ID` made from the row id ([`message_id`]), then records the
//!   result under the same lease. Failures are retried with [`backoff`] and
//!   given up after [`MailConfig::max_attempts`].
//! - Operators see [`outbox_summary`] and queue failed mail again with
//!   [`retry_failed`]; [`purge_sent_before`] is the retention of sent rows.
//!
//! Delivery is at least once, and once unless a server stops between the
//! SMTP server's acceptance and its record of it; a repeat carries the same
//! `Message-ID`. The mail texts are files under `service/templates/mail/`.

mod message;
mod outbox;
mod template;
mod transport;
mod worker;

use std::time::Duration;

pub use lettre::message::Mailbox;
pub use message::Message;
pub use outbox::{
    OutboxEntry, OutboxSummary, SUMMARY_LIST_LIMIT, enqueue, outbox_summary, purge_sent_before,
    retry_failed,
};
pub use template::escape_html;
pub use transport::{SMTP_TIMEOUT, Transport, message_id};
pub use worker::{
    backoff, claim_candidates, claim_due, deliver_due, record_failure, record_sent, run_worker,
};

/// A mail setting that cannot be used; the server should refuse to start
/// and say which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailSetupError {
    /// `SMTP_URL` is not an SMTP URL lettre can use.
    #[error(
        "SMTP_URL is not a usable SMTP URL (smtp://host:port, smtps://user:pass@host:465, smtp://…?tls=required): {0}"
    )]
    SmtpUrl(String),
    /// `MAIL_FROM` is not a mailbox.
    #[error(
        "MAIL_FROM is not an address such as `Todo <todo@example.com>` or `todo@example.com`: {0}"
    )]
    From(String),
}

/// How the worker delivers: sender, retries, lease, pace.
///
/// [`MailConfig::new`] gives the defaults, which suit production; change
/// fields for tests or from configuration.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The `From` of every message (`MAIL_FROM`); its domain is also the
    /// right part of each `Message-ID`.
    pub from: Mailbox,
    /// Failed attempts after which a message is marked failed
    /// (`MAIL_MAX_ATTEMPTS`, default 10).
    pub max_attempts: i32,
    /// How long a claim holds a row (default 5 minutes). A server that dies
    /// mid-round delays its claimed mail by at most this; it must be well
    /// above [`SMTP_TIMEOUT`], or a round releases rows instead of sending.
    pub lease: Duration,
    /// The pause between rounds when the last one found less than a batch
    /// (default 5 s): the delay between an event and its mail.
    pub poll_interval: Duration,
    /// The most messages one round claims (default 20).
    pub batch: u64,
    /// The wait after the first failure, doubled after each further one
    /// (default 30 s); see [`backoff`].
    pub retry_base: Duration,
    /// The longest wait between attempts (default 1 hour).
    pub retry_cap: Duration,
}

impl MailConfig {
    /// The defaults, sending from `from` (`MAIL_FROM`): a bare address or
    /// `Name <address>`.
    ///
    /// # Errors
    /// [`MailSetupError::From`] when `from` is not a mailbox.
    pub fn new(from: &str) -> Result<Self, MailSetupError> {
        let from: Mailbox = from
            .trim()
            .parse()
            .map_err(|e: lettre::address::AddressError| MailSetupError::From(e.to_string()))?;
        Ok(Self {
            from,
            max_attempts: 10,
            lease: Duration::from_secs(300),
            poll_interval: Duration::from_secs(5),
            batch: 20,
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(3600),
        })
    }

    /// [`MailConfig::batch`] as a count of rows.
    pub(crate) fn batch_size(&self) -> usize {
        usize::try_from(self.batch).unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_may_be_an_address_or_a_named_mailbox() {
        let bare = MailConfig::new("todo@example.com").expect("bare address");
        assert_eq!(bare.from.email.domain(), "example.com");
        let named = MailConfig::new(" Todo <todo@mail.example.com> ").expect("named");
        assert_eq!(named.from.name.as_deref(), Some("Todo"));
        assert_eq!(named.from.email.domain(), "mail.example.com");
        assert!(matches!(
            MailConfig::new("not an address"),
            Err(MailSetupError::From(_))
        ));
    }

    #[test]
    fn the_defaults_fit_together() {
        let config = MailConfig::new("todo@example.com").expect("config");
        assert_eq!(config.max_attempts, 10);
        assert!(
            config.lease >= SMTP_TIMEOUT * 4,
            "a lease outlasts several sends"
        );
        assert!(config.retry_cap >= config.retry_base);
        assert_eq!(config.batch_size(), 20);
    }
}
