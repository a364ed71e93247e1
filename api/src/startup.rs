//! Building and running the server: pool, migrations, app factory, HTTP listener.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use migration::{Migrator, MigratorTrait};
use secrecy::ExposeSecret as _;
use service::passwords::Passwords;
use service::throttle::AuthRateLimit;
use service::todos::ListTotals;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::jobs::Jobs;
use crate::reads::Reads;
use crate::routes::fallback::{self, RouteMethods};
use crate::state::AppState;
use crate::telemetry::{self, Metrics};
use crate::tokens::JwtKeys;

/// Users whose list totals are remembered at once (the least recently used go first).
const LIST_TOTALS_USERS: u64 = 100_000;

/// Why the server could not start. `Debug` prints the whole chain of
/// causes, for the log line that reports it.
#[derive(thiserror::Error)]
pub enum StartupError {
    /// The database could not be reached or migrated.
    #[error("database {url} cannot be reached or migrated")]
    Database {
        /// The database URL, password redacted.
        url: String,
        /// The driver's error.
        #[source]
        source: sea_orm::DbErr,
    },
    /// A replica of `DATABASE_REPLICA_URLS` cannot be used.
    #[error("cannot use DATABASE_REPLICA_URLS")]
    Replicas {
        /// Why.
        #[source]
        source: sea_orm::DbErr,
    },
    /// Migrations are pending and `AUTO_MIGRATE` is off.
    #[error(
        "{count} migration(s) pending ({names}) and AUTO_MIGRATE=false: run `cargo run -p migration -- up` \
         (or `migration up` with the same DATABASE_URL), or start with AUTO_MIGRATE=true"
    )]
    PendingMigrations {
        /// How many.
        count: usize,
        /// Their names.
        names: String,
    },
    /// The password hasher could not make its timing-equaliser hash.
    #[error("cannot start the password hasher")]
    Passwords(#[source] service::ServiceError),
    /// The listener could not be bound.
    #[error("cannot listen on {address}")]
    Bind {
        /// `host:port`.
        address: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl std::fmt::Debug for StartupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        service::error::error_chain_fmt(self, f)
    }
}

/// Opens the pool and brings the schema up to date (or refuses to start).
///
/// # Errors
/// [`StartupError::Database`] when the database cannot be reached or a
/// migration fails; [`StartupError::PendingMigrations`] when migrations are
/// pending and `AUTO_MIGRATE` is false.
pub async fn prepare(config: Config) -> Result<AppState, StartupError> {
    let metrics = Arc::new(Metrics::new(config.slow_query));
    let database_error = |source| StartupError::Database {
        url: config.database_url.redacted(),
        source,
    };
    let db = crate::db::connect(&config.database_url, &config.db, metrics.clone())
        .await
        .map_err(database_error)?;
    let pending = Migrator::get_pending_migrations(&db)
        .await
        .map_err(database_error)?;
    if !pending.is_empty() {
        if !config.auto_migrate {
            return Err(StartupError::PendingMigrations {
                count: pending.len(),
                names: pending
                    .iter()
                    .map(|m| m.name().to_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        log::info!("applying {} pending migration(s)", pending.len());
        Migrator::up(&db, None).await.map_err(database_error)?;
    }
    let reads = Reads::connect(db.clone(), &config, metrics.clone())
        .await
        .map_err(|source| StartupError::Replicas { source })?;
    let passwords = Passwords::new(config.bcrypt_cost, config.password_hash_concurrency)
        .await
        .map_err(StartupError::Passwords)?;
    Ok(AppState {
        db,
        reads,
        jwt: Arc::new(JwtKeys::new(
            config.jwt_secret.expose_secret().as_bytes(),
            config.access_token_ttl,
        )),
        auth_limit: AuthRateLimit::new(config.auth_rate_limit_per_minute),
        passwords,
        list_totals: ListTotals::new(config.list_totals_ttl, LIST_TOTALS_USERS),
        api_key_usage: service::api_keys::Usage::new(),
        config: Arc::new(config),
        metrics,
    })
}

/// The application: routes, middleware and shared state, as each server
/// worker builds it (the tests too: they run the same server on a free port
/// and talk to it over HTTP).
pub fn app(
    state: AppState,
    openapi: web::Data<crate::openapi::Published>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = crate::cors::cors(
        &state.config.cors_allowed_origins,
        &state.config.cors_allowed_headers,
    );
    let route_methods = web::Data::new(RouteMethods::from_openapi(openapi.document()));
    App::new()
        .app_data(web::Data::new(state.clone()))
        .app_data(web::Data::from(state.metrics.clone()))
        .app_data(openapi)
        .app_data(route_methods)
        .configure(crate::extract::configure)
        .into_utoipa_app()
        .configure(crate::routes::configure)
        .into_app()
        .service(SwaggerUi::new("/docs/{_:.*}").config(
            // No online validator: it would send the document's URL to a
            // third party from every reader's browser.
            utoipa_swagger_ui::Config::new(["/api-docs/openapi.json"]).validator_url("none"),
        ))
        .default_service(web::to(fallback::not_found_or_not_allowed))
        .wrap(from_fn(fallback::refuse_unknown_query))
        .wrap(from_fn(fallback::head_as_get))
        .wrap(cors)
        .wrap(from_fn(crate::cors::refusals_as_problems))
        // Outermost: everything inside runs in the request's context, and
        // the access line is written with the request's id.
        .wrap(from_fn(telemetry::observe))
}

/// A bound, ready-to-run server, and the background jobs that run beside
/// it ([`crate::jobs`]).
pub struct Application {
    server: Server,
    port: u16,
    state: AppState,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Prepares the state, binds `HOST:PORT` (port 0 picks a free one) and builds the server.
    ///
    /// # Errors
    /// Any [`StartupError`].
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let address = config.bind_address();
        let state = prepare(config).await?;
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Bind {
            address: address.clone(),
            source,
        })?;
        Self::serve(state, listener, None).map_err(|source| StartupError::Bind { address, source })
    }

    /// Builds the server on an already bound listener, with `workers` worker
    /// threads (default: one per core).
    ///
    /// # Errors
    /// The I/O error when the listener cannot be used.
    pub fn serve(
        state: AppState,
        listener: TcpListener,
        workers: Option<usize>,
    ) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let openapi = web::Data::new(crate::openapi::Published::new());
        let app_state = state.clone();
        let mut server = HttpServer::new(move || app(app_state.clone(), openapi.clone()));
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        let server = server.listen(listener)?.shutdown_timeout(10).run();
        Ok(Self {
            server,
            port,
            state,
        })
    }

    /// A handle to stop the server.
    #[must_use]
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The port the server listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until SIGINT/SIGTERM, then finishes in-flight requests and stops.
    /// The background jobs (mail delivery, housekeeping) run beside the
    /// server and stop after it, once their round in progress is done.
    ///
    /// # Errors
    /// The server's I/O error.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self { server, state, .. } = self;
        let jobs = Jobs::start(&state);
        let served = server.await;
        jobs.stop().await;
        served
    }
}
