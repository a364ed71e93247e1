//! What the operator decides about accounts: where mail links point, how
//! long a confirmed deletion waits, whether logins need a verified address.

use chrono::Duration;

/// The account rules of one deployment (`APP_BASE_URL`,
/// `ACCOUNT_DELETION_GRACE_DAYS`, `REQUIRE_VERIFIED_EMAIL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPolicy {
    /// The frontend's address, without a trailing slash: mail links are
    /// this plus the page (`/verify-email`, …) and `?token=…`.
    app_base_url: String,
    /// How long a confirmed deletion can be cancelled before the purge.
    pub deletion_grace: Duration,
    /// Whether a login with the right password of an unverified account is
    /// refused (`email_not_verified`).
    pub require_verified_email: bool,
}

/// The frontend pages that mail links open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `/verify-email`
    VerifyEmail,
    /// `/reset-password`
    ResetPassword,
    /// `/confirm-account-deletion`
    ConfirmDeletion,
}

impl Page {
    fn path(self) -> &'static str {
        match self {
            Self::VerifyEmail => "/verify-email",
            Self::ResetPassword => "/reset-password",
            Self::ConfirmDeletion => "/confirm-account-deletion",
        }
    }
}

impl AccountPolicy {
    /// The default grace period: seven days.
    pub const DEFAULT_GRACE_DAYS: i64 = 7;

    /// Links to `app_base_url`; a seven-day grace period; unverified
    /// addresses may log in.
    #[must_use]
    pub fn new(app_base_url: &str) -> Self {
        Self {
            app_base_url: app_base_url.trim().trim_end_matches('/').to_owned(),
            deletion_grace: Duration::days(Self::DEFAULT_GRACE_DAYS),
            require_verified_email: false,
        }
    }

    /// The link that opens `page` with `token`. Tokens are URL-safe base64,
    /// so they stand in the query as they are.
    #[must_use]
    pub fn link(&self, page: Page, token: &str) -> String {
        format!("{}{}?token={token}", self.app_base_url, page.path())
    }

    /// The grace period in whole days, for the mail that names it.
    #[must_use]
    pub fn grace_days(&self) -> u32 {
        u32::try_from(self.deletion_grace.num_days()).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_join_the_base_the_page_and_the_token() {
        let policy = AccountPolicy::new(" https://app.example.com/ ");
        assert_eq!(
            policy.link(Page::ResetPassword, "AbC-_1"),
            "https://app.example.com/reset-password?token=AbC-_1"
        );
        let nested = AccountPolicy::new("https://example.com/todo");
        assert_eq!(
            nested.link(Page::ConfirmDeletion, "t"),
            "https://example.com/todo/confirm-account-deletion?token=t"
        );
        assert_eq!(nested.grace_days(), 7);
    }
}
