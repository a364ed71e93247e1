//! A server whose mail goes to a sink of the test's own, and what the tests
//! of the account lifecycle read from it: the mail to an address, and the
//! token of the link it carries.

use std::time::Duration;

use api::config::Config;
use service::accounts::AccountPolicy;
use service::mail::Transport;
use tests::TestApp;

use crate::smtp_sink::{Received, SmtpSink};

/// The frontend the links of these tests open.
pub(crate) const APP_BASE_URL: &str = "https://app.todo.test";

/// A server delivering to `sink` every 50 ms.
pub(crate) struct Accounts {
    pub(crate) app: TestApp,
    pub(crate) sink: SmtpSink,
}

impl Accounts {
    pub(crate) async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Like [`Accounts::start`], with the configuration adjusted first.
    pub(crate) async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let sink = SmtpSink::start().await;
        let url = sink.url();
        let app = TestApp::spawn_with(|config| {
            config.mail.transport = Transport::from_url(&url).expect("the sink's URL");
            config.mail.delivery.poll_interval = Duration::from_millis(50);
            config.accounts = AccountPolicy::new(APP_BASE_URL);
            adjust(config);
        })
        .await;
        Self { app, sink }
    }

    /// The mail received so far to `to` with this subject, oldest first.
    pub(crate) fn mails(&self, to: &str, subject: &str) -> Vec<Received> {
        self.sink
            .messages()
            .into_iter()
            .filter(|mail| mail.rcpt_to.iter().any(|rcpt| rcpt == to))
            .filter(|mail| mail.header("Subject").as_deref() == Some(subject))
            .collect()
    }

    /// Waits until `count` mails to `to` with this subject arrived, and
    /// answers the last (panics after 20 s).
    pub(crate) async fn wait_mail(&self, to: &str, subject: &str, count: usize) -> Received {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let mails = self.mails(to, subject);
            if mails.len() >= count {
                return mails.last().cloned().expect("a mail");
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no mail #{count} to {to} about {subject:?}; received: {:?}",
                self.sink
                    .messages()
                    .iter()
                    .map(|m| (m.rcpt_to.clone(), m.header("Subject")))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The token of the link to `page` in the newest of `count` mails to
    /// `to` about `subject`.
    pub(crate) async fn token(&self, to: &str, subject: &str, count: usize, page: &str) -> String {
        token_in(&self.wait_mail(to, subject, count).await, page)
    }
}

/// The subjects of the mail the service sends.
pub(crate) mod subject {
    pub(crate) const VERIFY: &str = "Confirm your email address";
    pub(crate) const RESET: &str = "Reset your password";
    pub(crate) const CONFIRM_DELETION: &str = "Confirm the deletion of your account";
    pub(crate) const PASSWORD_CHANGED: &str = "Your password was changed";
    pub(crate) const DELETION_SCHEDULED: &str = "Your account will be deleted";
    pub(crate) const EMAIL_CHANGE: &str = "Your email address is being changed";
}

/// The token of the link to `page` (e.g. `/verify-email`): the link stands
/// on a line of its own in the text part, and the HTML part links to it too.
pub(crate) fn token_in(mail: &Received, page: &str) -> String {
    let prefix = format!("{APP_BASE_URL}{page}?token=");
    let text = mail.part("text/plain").expect("a text part");
    let line = text
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line with a link to {page} in\n{text}"));
    let token = &line[prefix.len()..];
    assert!(
        token.len() >= 22
            && token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "a URL-safe token of at least 128 bits: {token}"
    );
    let html = mail.part("text/html").expect("an HTML part");
    assert!(html.contains(&format!("href=\"{line}\"")), "{html}");
    token.to_owned()
}
