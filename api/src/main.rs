//! The server binary: `api` serves HTTP.

use std::process::ExitCode;

use api::config::Config;
use api::startup::Application;

#[actix_web::main]
async fn main() -> ExitCode {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,sqlx=warn,sea_orm_migration=warn"),
    )
    .init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            log::error!("configuration: {err}");
            return ExitCode::FAILURE;
        }
    };
    if config.jwt_secret_generated {
        log::warn!(
            "JWT_SECRET is not set: using a random secret, so sessions end when the server restarts"
        );
    }
    log::debug!("starting with {config:?}");
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(err) => {
            log::error!("cannot start: {err}");
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
