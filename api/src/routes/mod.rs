//! HTTP handlers, one module per resource, and the route table.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub mod admin;
pub mod auth;
pub(crate) mod responses;
pub mod system;
pub mod users;

/// The base path of the API.
pub const API_PREFIX: &str = "/api/v1";

/// Every route of the server. The OpenAPI document is collected from this
/// same function, so the two cannot drift apart.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(system::health)
        .service(system::ready)
        .service(system::metrics)
        .service(system::docs_redirect)
        .service(system::openapi_json)
        .service(
            scope::scope(API_PREFIX)
                .service(auth::register)
                .service(auth::login)
                .service(auth::refresh)
                .service(auth::logout)
                .service(auth::change_password)
                .service(auth::list_sessions)
                .service(auth::revoke_all_sessions)
                .service(auth::revoke_session)
                // `/users/me` before `/users/{id}`.
                .service(users::get_me)
                .service(users::update_me)
                .service(users::delete_me)
                .service(users::list_users)
                .service(users::get_user)
                .service(users::update_user)
                .service(users::delete_user)
                .service(users::restore_user)
                .service(admin::audit_logs),
        );
}
