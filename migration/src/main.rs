//! Operator CLI for the schema: `up`, `up -n N`, `down`, `down -n N`,
//! `status`, `fresh`, `refresh`, `reset` against `DATABASE_URL` (a `.env`
//! file is read if present). See `README.md` beside this crate.
//!
//! sea-orm-migration's command line does the work; this wrapper first makes
//! sure there is a database to work on, so a missing `DATABASE_URL` or an
//! unreachable database ends in one sentence and a non-zero status instead
//! of a panic, and `--help` leads with the operator's verbs.

use std::process::ExitCode;

use sea_orm_migration::cli;
use sea_orm_migration::sea_orm::{ConnectOptions, Database, DbConn, DbErr};

/// The exit status when no database is configured (as for a wrong command line).
const NOT_CONFIGURED: u8 = 2;

/// The exit status when the database cannot be reached (as for a failed step).
const UNREACHABLE: i32 = 1;

const USAGE: &str = "\
Applies and rolls back the Todo service's schema migrations in the DATABASE_URL database.

Usage: migration [OPTIONS] [VERB]

Verbs:
  up [-n N]     apply every pending migration (the default), or only the next N
  down [-n N]   roll back the last applied migration, or the last N
  status        list every migration as Applied or Pending
  fresh         DROP EVERY TABLE in the database, then apply all migrations
  refresh       roll back all applied migrations, then apply them all again
  reset         roll back all applied migrations and drop the bookkeeping table

Options:
  -u, --database-url URL       the database; default: DATABASE_URL from the environment
                               or a .env file, e.g. sqlite://todo.db?mode=rwc or
                               postgres://user@host/db
  -s, --database-schema NAME   PostgreSQL schema (default: DATABASE_SCHEMA, or public)
  -v, --verbose                debug output, every SQL statement included
  -h, --help                   this text; `VERB --help` shows a verb's options
  -V, --version                the version

For developers: `generate NAME` (run inside migration/) writes a new migration file.
";

/// Verbs that work on the database.
const DATABASE_VERBS: &[&str] = &["up", "down", "status", "fresh", "refresh", "reset"];

/// Options that take a value, so the word after them is not the verb.
const OPTIONS_WITH_VALUES: &[&str] = &["-u", "--database-url", "-s", "--database-schema"];

#[tokio::main]
async fn main() -> ExitCode {
    // sea-orm-migration reads .env as well; read it first so the check below sees it.
    let _ = dotenvy::dotenv();
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let verb = verb(&args);
    if verb.is_none() && args.iter().any(|arg| arg == "-h" || arg == "--help") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let needs_database = verb.is_none_or(|verb| DATABASE_VERBS.contains(&verb));
    if needs_database && !database_url_given(&args) {
        eprintln!(
            "DATABASE_URL is not set: point it at the database, e.g. \
             DATABASE_URL='sqlite://todo.db?mode=rwc' or DATABASE_URL='postgres://user@host/db' \
             (or pass -u URL; a .env file in the current directory is read too). \
             `migration --help` lists the verbs."
        );
        return ExitCode::from(NOT_CONFIGURED);
    }
    cli::run_cli_with_connection(migration::Migrator, connect).await;
    ExitCode::SUCCESS
}

/// The first word that is neither an option nor an option's value.
fn verb(args: &[String]) -> Option<&str> {
    let mut words = args.iter();
    while let Some(arg) = words.next() {
        if OPTIONS_WITH_VALUES.contains(&arg.as_str()) {
            words.next();
        } else if !arg.starts_with('-') {
            return Some(arg);
        }
    }
    None
}

fn database_url_given(args: &[String]) -> bool {
    let in_env = std::env::var("DATABASE_URL").is_ok_and(|url| !url.trim().is_empty());
    in_env
        || args.iter().any(|arg| {
            arg == "--database-url" || arg.starts_with("--database-url=") || arg.starts_with("-u")
        })
}

/// Opens the database, or ends the process with a sentence saying why not.
async fn connect(options: ConnectOptions) -> Result<DbConn, DbErr> {
    match Database::connect(options).await {
        Ok(db) => Ok(db),
        Err(err) => {
            eprintln!("cannot connect to the database at DATABASE_URL: {err}");
            std::process::exit(UNREACHABLE);
        }
    }
}
