//! The mail the service sends, one constructor per kind.

use chrono::{DateTime, Utc};

use super::template::{self, Template};

/// One mail to one recipient, ready for [`super::enqueue`].
///
/// Build it with one of the typed constructors ([`Message::verify_email`],
/// …), which fill in the templates under `service/templates/mail/`: the text
/// part as written, the HTML part escaped, every link on a line of its own
/// in the text part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part.
    pub html: String,
}

impl Message {
    fn from_template(to: &str, subject: &str, template: Template, values: &[(&str, &str)]) -> Self {
        Self {
            to: to.to_owned(),
            subject: subject.to_owned(),
            text: template.text(values),
            html: template.html(values),
        }
    }

    /// Asks `to` to confirm their address by following `link` (a new
    /// account, a resent verification, or a change of email, which goes to
    /// the new address). The link is valid 48 hours.
    #[must_use]
    pub fn verify_email(to: &str, username: &str, link: &str) -> Self {
        Self::from_template(
            to,
            "Confirm your email address",
            template::VERIFY_EMAIL,
            &[("username", username), ("link", link)],
        )
    }

    /// Sends the password-reset `link` (valid one hour).
    #[must_use]
    pub fn reset_password(to: &str, username: &str, link: &str) -> Self {
        Self::from_template(
            to,
            "Reset your password",
            template::RESET_PASSWORD,
            &[("username", username), ("link", link)],
        )
    }

    /// Asks to confirm the deletion of the account by following `link`
    /// (valid 24 hours); `grace_days` is how long the account can still be
    /// restored after the confirmation.
    #[must_use]
    pub fn confirm_deletion(to: &str, username: &str, link: &str, grace_days: u32) -> Self {
        Self::from_template(
            to,
            "Confirm the deletion of your account",
            template::CONFIRM_DELETION,
            &[
                ("username", username),
                ("link", link),
                ("grace_days", &grace_days.to_string()),
            ],
        )
    }

    /// Tells the owner that the password was changed or reset.
    #[must_use]
    pub fn password_changed(to: &str, username: &str) -> Self {
        Self::from_template(
            to,
            "Your password was changed",
            template::PASSWORD_CHANGED,
            &[("username", username)],
        )
    }

    /// Tells the owner that an API key named `key_name` was created.
    #[must_use]
    pub fn api_key_created(to: &str, username: &str, key_name: &str) -> Self {
        Self::from_template(
            to,
            "A new API key was created for your account",
            template::API_KEY_CREATED,
            &[("username", username), ("key_name", key_name)],
        )
    }

    /// Tells the owner that the account is deactivated and will be purged
    /// at `scheduled_for`, unless they cancel before.
    #[must_use]
    pub fn deletion_scheduled(to: &str, username: &str, scheduled_for: DateTime<Utc>) -> Self {
        let when = scheduled_for.format("%Y-%m-%d %H:%M UTC").to_string();
        Self::from_template(
            to,
            "Your account will be deleted",
            template::DELETION_SCHEDULED,
            &[("username", username), ("scheduled_for", &when)],
        )
    }

    /// Tells the current address `to` that a change of the account's email
    /// to `new_email` was requested (the link itself goes to `new_email`
    /// with [`Message::verify_email`]).
    #[must_use]
    pub fn email_change_notice(to: &str, username: &str, new_email: &str) -> Self {
        Self::from_template(
            to,
            "Your email address is being changed",
            template::EMAIL_CHANGE_NOTICE,
            &[("username", username), ("new_email", new_email)],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const LINK: &str = "https://app.example/verify-email?token=AbC-_123&x=1";

    /// One message of each kind, as the service would build them.
    fn every_kind() -> Vec<Message> {
        let when = Utc
            .with_ymd_and_hms(2026, 12, 8, 9, 30, 0)
            .single()
            .expect("a valid date");
        vec![
            Message::verify_email("ada@example.com", "ada", LINK),
            Message::reset_password("ada@example.com", "ada", LINK),
            Message::confirm_deletion("ada@example.com", "ada", LINK, 7),
            Message::password_changed("ada@example.com", "ada"),
            Message::api_key_created("ada@example.com", "ada", "ci <deploy>"),
            Message::deletion_scheduled("ada@example.com", "ada", when),
            Message::email_change_notice("ada@example.com", "ada", "new@example.com"),
        ]
    }

    #[test]
    fn every_template_is_filled_in_completely() {
        assert_eq!(every_kind().len(), template::ALL.len());
        for message in every_kind() {
            for part in [&message.text, &message.html] {
                assert!(
                    !part.contains('{') && !part.contains('}'),
                    "{}: a placeholder is left in\n{part}",
                    message.subject
                );
                assert!(part.contains("Hello ada,"), "{}", message.subject);
            }
            assert!(message.html.trim_start().starts_with("<!DOCTYPE html>"));
        }
    }

    #[test]
    fn links_stand_on_lines_of_their_own_in_the_text_part() {
        for template in template::ALL {
            for line in template.raw_text().lines() {
                if line.contains("{link}") {
                    assert_eq!(line, "{link}", "a link shares its line");
                }
            }
        }
        let kinds_with_links =
            every_kind()
                .into_iter()
                .filter(|message| message.text.contains(LINK))
                .inspect(|message| {
                    assert!(message.text.lines().any(|line| line == LINK));
                    assert!(message.html.contains(
                        r#"href="https://app.example/verify-email?token=AbC-_123&amp;x=1""#
                    ));
                })
                .count();
        assert_eq!(kinds_with_links, 3, "verification, reset and deletion");
    }

    #[test]
    fn values_are_escaped_in_html_only() {
        let message = Message::api_key_created("ada@example.com", "ada", "ci <deploy>");
        assert!(message.text.contains(r#""ci <deploy>""#));
        assert!(message.html.contains("ci &lt;deploy&gt;"));
    }

    #[test]
    fn the_deletion_date_is_written_in_utc() {
        let message = every_kind().remove(5);
        assert!(message.text.contains("2026-12-08 09:30 UTC"));
        assert!(message.text.contains("on\n2026-12-08 09:30 UTC."));
    }

    #[test]
    fn the_deletion_confirmation_names_the_grace_period() {
        let message = Message::confirm_deletion("ada@example.com", "ada", LINK, 7);
        assert!(message.text.contains("after 7 days"));
    }
}
