//! HTTP handlers, one module per resource, and the route table.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub mod account;
pub mod admin;
pub mod api_keys;
pub mod auth;
pub mod bulk;
pub mod categories;
pub mod fallback;
pub(crate) mod responses;
pub mod sync;
pub mod system;
pub mod tags;
pub mod todos;
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
                .service(account::verify_email)
                .service(account::resend_verification)
                .service(account::change_email)
                .service(account::forgot_password)
                .service(account::reset_password)
                .service(account::request_account_deletion)
                .service(account::confirm_account_deletion)
                .service(account::cancel_account_deletion)
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
                .service(admin::audit_logs)
                .service(api_keys::create_api_key)
                .service(api_keys::list_api_keys)
                .service(api_keys::rotate_api_key)
                .service(api_keys::revoke_api_key)
                .service(categories::list_categories)
                .service(categories::create_category)
                .service(categories::get_category)
                .service(categories::update_category)
                .service(categories::delete_category)
                // `/tags/merge` before `/tags/{id}`.
                .service(tags::list_tags)
                .service(tags::create_tag)
                .service(tags::merge_tags)
                .service(tags::rename_tag)
                .service(tags::delete_tag)
                // Literal `/todos/...` paths go before `/todos/{id}`.
                .service(todos::list_todos)
                .service(todos::create_todo)
                .service(todos::todo_stats)
                .service(bulk::bulk_create_todos)
                .service(bulk::bulk_update_todos)
                .service(bulk::bulk_delete_todos)
                .service(bulk::bulk_restore_todos)
                .service(todos::get_todo)
                .service(todos::update_todo)
                .service(todos::delete_todo)
                .service(todos::restore_todo)
                .service(todos::complete_todo)
                .service(todos::reopen_todo)
                .service(todos::todo_history)
                .service(sync::delta_sync),
        );
}
