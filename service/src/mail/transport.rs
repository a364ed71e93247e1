//! How mail leaves the server: SMTP, or the log in development.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use entity::mail_outbox;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use uuid::Uuid;

use super::MailSetupError;

/// How long one SMTP exchange (connect, greeting, each command) may take
/// before the attempt counts as failed. The worker stops sending a claimed
/// batch when less than this is left of its lease (see [`super::MailConfig`]).
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where [`super::deliver_due`] sends mail.
///
/// Cloning is cheap (the SMTP client is shared).
#[derive(Clone)]
pub struct Transport {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Smtp {
        /// Shared: a transport holds its settings inline, and cloning the
        /// [`Transport`] for each task should not copy them.
        client: Arc<AsyncSmtpTransport<Tokio1Executor>>,
        /// The URL without credentials, for logs.
        server: String,
    },
    Log,
}

impl Transport {
    /// An SMTP transport from `SMTP_URL`, as lettre reads it:
    ///
    /// - `smtp://host:port`: plain SMTP (port 25 by default), for a relay on
    ///   the same host or network, or a development sink;
    /// - `smtp://user:pass@host:587?tls=required`: STARTTLS, refused if the
    ///   server does not offer it (`?tls=opportunistic` takes it if offered);
    /// - `smtps://user:pass@host:465`: TLS from the first byte.
    ///
    /// TLS is rustls with the Mozilla root certificates (no OpenSSL, no
    /// system store). User and password are percent-decoded; a path
    /// (`smtp://host/name`) sets the name sent in `EHLO`. Nothing is
    /// connected here: a wrong host shows as failed deliveries.
    ///
    /// # Errors
    /// [`MailSetupError::SmtpUrl`] when the URL cannot be read or names an
    /// unknown scheme or `tls` mode. The message never repeats the password.
    pub fn from_url(smtp_url: &str) -> Result<Self, MailSetupError> {
        let client = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| MailSetupError::SmtpUrl(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Self {
            kind: Kind::Smtp {
                client: Arc::new(client),
                server: without_credentials(smtp_url),
            },
        })
    }

    /// A transport that writes each message, links included, to the log at
    /// `info` level and counts it as sent. For development only: links in
    /// mail are credentials (password resets), and logs are read by more
    /// people than mailboxes are.
    #[must_use]
    pub fn log() -> Self {
        Self { kind: Kind::Log }
    }

    /// Whether this is [`Transport::log`].
    #[must_use]
    pub fn is_log(&self) -> bool {
        matches!(self.kind, Kind::Log)
    }

    /// Says where mail goes, without credentials: `smtp://host:port` or `log`.
    #[must_use]
    pub fn describe(&self) -> &str {
        match &self.kind {
            Kind::Smtp { server, .. } => server,
            Kind::Log => "log",
        }
    }

    /// Delivers one outbox row from `from`.
    pub(crate) async fn send(
        &self,
        row: &mail_outbox::Model,
        from: &Mailbox,
    ) -> Result<(), SendError> {
        let email = build(row, from)?;
        match &self.kind {
            Kind::Smtp { client, .. } => client
                .send(email)
                .await
                .map(|_| ())
                .map_err(|e| SendError::retry(e.to_string())),
            Kind::Log => {
                log::info!(
                    "mail (not sent: no SMTP_URL) to {} with Message-ID {}, subject {:?}:\n{}",
                    row.recipient,
                    message_id(row.id, from),
                    row.subject,
                    row.text_body
                );
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Transport").field(&self.describe()).finish()
    }
}

/// Why one delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SendError {
    /// What went wrong, for `last_error`.
    pub(crate) message: String,
    /// Whether another attempt cannot succeed (a malformed address): then
    /// the row fails at once instead of after every attempt.
    pub(crate) permanent: bool,
}

impl SendError {
    fn retry(message: String) -> Self {
        Self {
            message,
            permanent: false,
        }
    }

    fn permanent(message: String) -> Self {
        Self {
            message,
            permanent: true,
        }
    }
}

/// The `Message-ID` of outbox row `id` sent from `from`:
/// `<{id}@{domain of from}>`. The same row always gets the same id, so a
/// message delivered twice (a worker that lost its lease after the server
/// accepted it) is recognisable as one by the receiving side.
#[must_use]
pub fn message_id(id: Uuid, from: &Mailbox) -> String {
    format!("<{id}@{}>", from.email.domain())
}

/// The MIME message of `row`: `multipart/alternative`, text then HTML.
fn build(row: &mail_outbox::Model, from: &Mailbox) -> Result<lettre::Message, SendError> {
    let to: Mailbox = row
        .recipient
        .parse()
        .map_err(|e| SendError::permanent(format!("invalid recipient {:?}: {e}", row.recipient)))?;
    lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(message_id(row.id, from)))
        .multipart(MultiPart::alternative_plain_html(
            row.text_body.clone(),
            row.html_body.clone(),
        ))
        .map_err(|e| SendError::permanent(format!("cannot build the message: {e}")))
}

/// `url` with user and password removed, for logs.
fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            // Both fail only for URLs that cannot have credentials at all.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => "an unreadable SMTP URL".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from() -> Mailbox {
        "Todo <noreply@todo.example>".parse().expect("a mailbox")
    }

    #[test]
    fn the_message_id_is_the_row_id_at_the_sender_domain() {
        let id = Uuid::parse_str("0190c3e2-7b7a-7cc0-9d1e-3b9f6f0c2a11").expect("a uuid");
        assert_eq!(
            message_id(id, &from()),
            "<0190c3e2-7b7a-7cc0-9d1e-3b9f6f0c2a11@todo.example>"
        );
    }

    #[test]
    fn smtp_urls_are_read_as_lettre_reads_them_and_logged_without_credentials() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:secret@mail.example:587?tls=required",
            "smtps://user:secret@mail.example:465",
        ] {
            let transport = Transport::from_url(url).expect(url);
            assert!(!transport.is_log());
            assert!(!transport.describe().contains("secret"), "{url}");
            assert!(!format!("{transport:?}").contains("secret"), "{url}");
        }
        assert_eq!(
            Transport::from_url("smtps://user:secret@mail.example:465")
                .expect("smtps")
                .describe(),
            "smtps://mail.example:465"
        );
    }

    #[test]
    fn unusable_smtp_urls_are_refused_without_echoing_the_password() {
        for url in [
            "not a url",
            "http://mail.example",
            "smtp://user:secret@mail.example?tls=sometimes",
        ] {
            let err = Transport::from_url(url).expect_err(url);
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }

    #[test]
    fn the_log_transport_says_so() {
        assert!(Transport::log().is_log());
        assert_eq!(Transport::log().describe(), "log");
    }
}
