//! The server binary's command line: serving (the default) and operator tasks.

use std::fmt;

use clap::{Parser, Subcommand};
use service::ServiceError;
use service::error::error_chain_fmt;

use crate::config::Config;
use crate::startup::StartupError;

/// Todo service.
#[derive(Debug, Parser)]
#[command(
    version,
    about = "Todo service: serves the HTTP API (configured by environment variables, see README)"
)]
pub struct Cli {
    /// What to do; with none, serve.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Operator tasks.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Create an admin, or promote the existing user with this e-mail, in the
    /// `DATABASE_URL` database. The password comes from `ADMIN_PASSWORD`, or a
    /// prompt when that is unset.
    CreateAdmin {
        /// The admin's e-mail address.
        #[arg(long)]
        email: String,
        /// The admin's username (used when a new account is created).
        #[arg(long)]
        username: String,
    },
    /// Show the mail outbox of the `DATABASE_URL` database: how many messages
    /// are pending, failed and sent, and the failed and pending ones with
    /// their last error.
    Outbox {
        /// First queue every failed message again (attempts start over).
        #[arg(long)]
        retry_failed: bool,
    },
    /// Purge, in the `DATABASE_URL` database, every account whose confirmed
    /// deletion is due (its grace period ended), with everything it owns,
    /// and sent mail older than 30 days. Servers do the same every
    /// `PURGE_INTERVAL_SECS`; running both at once purges each account once.
    PurgeAccounts,
}

/// Why an operator task could not finish. `Debug` adds every cause, one per
/// line.
#[derive(thiserror::Error)]
pub enum OperatorError {
    /// The database could not be reached or brought up to date.
    #[error("cannot open the database")]
    Startup(#[from] StartupError),
    /// The task's reads or writes failed.
    #[error("the task failed")]
    Service(#[from] ServiceError),
}

impl fmt::Debug for OperatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        error_chain_fmt(self, f)
    }
}

/// `purge-accounts`: one round of the servers' housekeeping, reported.
///
/// # Errors
/// The database cannot be opened, read or written.
pub async fn purge_accounts(config: Config) -> Result<String, OperatorError> {
    let state = crate::startup::prepare(config).await?;
    let done = crate::jobs::housekeeping(&state.db).await?;
    Ok(format!(
        "purged {} account(s) whose deletion was due, and {} sent message(s) older than {} days\n",
        done.accounts_purged,
        done.mail_purged,
        crate::jobs::SENT_MAIL_RETENTION.num_days()
    ))
}
