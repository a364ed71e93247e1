//! The server binary: `api` serves HTTP; `api create-admin` makes the first
//! admin; `api outbox` and `api purge-accounts` are the operator's mail and
//! purge tasks.

use std::process::ExitCode;

use api::cli::{Cli, Command};
use api::config::Config;
use api::logging::{self, LogFormat};
use api::startup::Application;
use clap::Parser;

/// The exit status when the configuration is refused (as for a wrong command line).
const CONFIGURATION_REFUSED: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The configuration says how to log, so it is read first; if it cannot
    // be, the complaint goes out in the default format.
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            logging::init(LogFormat::default());
            log::error!("configuration: {err}");
            return ExitCode::from(CONFIGURATION_REFUSED);
        }
    };
    logging::init(config.log_format);
    let system = actix_web::rt::System::new();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => system.block_on(serve(config)),
        Command::CreateAdmin { email, username } => {
            let password = match admin_password() {
                Ok(password) => password,
                Err(err) => {
                    eprintln!("create-admin: {err}");
                    return ExitCode::FAILURE;
                }
            };
            match system.block_on(api::admin_cli::create_admin(
                config, email, username, password,
            )) {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    // `Debug` prints the error with every cause below it.
                    eprintln!("create-admin: {err:?}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Outbox { retry_failed } => report(
            "outbox",
            system.block_on(api::outbox_cli::outbox(config, retry_failed)),
        ),
        Command::PurgeAccounts => report(
            "purge-accounts",
            system.block_on(api::cli::purge_accounts(config)),
        ),
    }
}

/// Prints what an operator task reports, or why it failed (with every
/// cause, from `Debug`).
fn report(task: &str, result: Result<String, api::cli::OperatorError>) -> ExitCode {
    match result {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{task}: {err:?}");
            ExitCode::FAILURE
        }
    }
}

/// `ADMIN_PASSWORD`, or a hidden prompt (asked twice) when it is unset.
fn admin_password() -> Result<String, String> {
    if let Ok(password) = std::env::var("ADMIN_PASSWORD") {
        return Ok(password);
    }
    let first = rpassword::prompt_password("Admin password: ")
        .map_err(|e| format!("no ADMIN_PASSWORD set and no terminal to prompt on ({e})"))?;
    let again = rpassword::prompt_password("Repeat it: ").map_err(|e| e.to_string())?;
    if first != again {
        return Err("the passwords differ".to_owned());
    }
    Ok(first)
}

async fn serve(config: Config) -> ExitCode {
    if config.jwt_secret_generated {
        log::warn!(
            "JWT_SECRET is not set: using a random secret, so sessions end when the server restarts \
             (fine on a loopback address, refused elsewhere)"
        );
    }
    log::debug!("starting with {config:?}");
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(err) => {
            log::error!("cannot start: {err:?}");
            return ExitCode::FAILURE;
        }
    };
    log::info!("listening on port {}", app.port());
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            log::error!("server error: {err}");
            ExitCode::FAILURE
        }
    }
}
