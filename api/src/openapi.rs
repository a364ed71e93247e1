//! The OpenAPI 3.1 document, collected from the very route table the server runs.
//!
//! [`document`] walks [`crate::routes::configure`] through `utoipa-actix-web`,
//! so a route cannot be served without being documented, nor documented
//! without being served.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

/// The name of the bearer-token security scheme in the document.
pub const BEARER: &str = "bearer_auth";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Todo API",
        description = "Multi-user Todo service. Errors are RFC 9457 problem details \
                       (`application/problem+json`) with a `code`, optional field `errors` and the \
                       `request_id`. Every response carries `X-Request-Id` and a `Server-Timing` \
                       header whose `db` entry counts the SQL statements the request ran.",
        license(name = "MIT")
    ),
    // Relative: the API is served from wherever this document is.
    servers((url = "/", description = "This server")),
    modifiers(&BearerAuth),
    // Schemas that only query parameters refer to: utoipa does not collect
    // those from the route table, and a reference to nothing breaks client
    // generators (`docs::every_reference_in_the_openapi_document_resolves`).
    components(schemas(
        crate::error::Problem,
        crate::dto::todo_list::TodoSortKey,
        crate::dto::users::UserSortKey,
        crate::dto::enums::SortOrder,
    )),
    tags(
        (name = "auth", description = "Registration, login, tokens and sessions"),
        (name = "users", description = "The caller's profile and preferences"),
        (name = "admin", description = "User management and the audit log (admins only)"),
        (name = "todos", description = "The caller's todos: filters, search, sorting, page and cursor pagination, status history, statistics, and all-or-nothing bulk operations (at most 1000 items or ids; a failure changes nothing and keys `errors` by item path, e.g. `items[3].title` or `ids[2]`, or by id for todos that are missing (404) or soft-deleted (409))"),
        (name = "categories", description = "The caller's categories, with live todo counts"),
        (name = "tags", description = "The caller's tags, with live todo counts; rename and merge"),
        (name = "system", description = "Health, readiness, metrics and documentation"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The complete document: every route of [`crate::routes::configure`].
#[must_use]
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    mark_public_operations(&mut doc);
    doc
}

/// Says `security: []` on every operation that declares no security of its
/// own: those are the public ones (registration, login, the system
/// endpoints). An operation that says nothing would inherit a document-wide
/// requirement, were one ever added, and linters and client generators
/// cannot tell "public" from "forgotten".
fn mark_public_operations(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            operation.security.get_or_insert_with(Vec::new);
        }
    }
}
