//! The server binary's command line: serving (the default) and operator tasks.

use clap::{Parser, Subcommand};

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
}
