//! The OpenAPI 3.1 document, collected from the very route table the server runs.
//!
//! [`document`] walks [`crate::routes::configure`] through `utoipa-actix-web`,
//! so a route cannot be served without being documented, nor documented
//! without being served. The route attributes say what is particular to each
//! operation (its summary and description, bodies, parameters, and the
//! errors only it answers); [`finish`] then adds, in one place each, what
//! every operation of a kind shares:
//!
//! - **Security.** The bearer requirement is stated once, for the whole
//!   document; a public operation says `security(())` on its route, which
//!   the document spells `security: []`. The operations on the caller's
//!   todos, categories and tags (those of [`API_KEY_TAGS`]) take an API key
//!   as well, and say so: bearer *or* `api_key`.
//! - **Shared answers**, defined once under `components/responses` and
//!   referenced: `503` on every operation that touches the database, `401`
//!   on every authenticated one, `422` on every API operation that does not
//!   document its own (an unknown query parameter is one on every route),
//!   `400`/`413`/`415` on every one with a body.
//! - **Headers**, defined once under `components/headers`: `X-Request-Id`
//!   and `Server-Timing` on every answer, `ETag`, `Location` and
//!   `Retry-After` where the route or the shared answer names them.
//! - **`Idempotency-Key`**, the parameter of the creates that take it,
//!   defined once under `components/parameters` with the
//!   `Idempotent-Replayed` header of their answers ([`idempotency`]).
//! - **Examples** (3.1 `examples`, never the deprecated `example`): every
//!   request body and answer carries one, from [`examples`], and every error
//!   answer one built by the very constructors the server answers with
//!   ([`problems`]).

mod account_examples;
mod examples;
mod idempotency;
mod key_examples;
mod problems;
mod sync_examples;

use actix_web::{App, web};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ContentBuilder, Header, ObjectBuilder, OpenApi as Document, Ref, RefOr, SchemaFormat, Type,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::ErrorKind;

/// The name of the bearer-token security scheme in the document.
pub const BEARER: &str = "bearer_auth";

/// The name of the API-key security scheme in the document.
pub const API_KEY: &str = "api_key";

/// The tags of the operations that take an API key besides a bearer token
/// (`crate::auth::Owner`); every other operation takes a bearer token only.
pub const API_KEY_TAGS: [&str; 4] = ["todos", "categories", "tags", "sync"];

/// The content type of every error answer.
const PROBLEM_JSON: &str = "application/problem+json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Todo API",
        description = "Multi-user Todo service. Errors are RFC 9457 problem details \
                       (`application/problem+json`) with a `code`, optional field `errors` and the \
                       `request_id`. Every response carries `X-Request-Id` and a `Server-Timing` \
                       header whose `db` entry counts the SQL statements the request ran.",
        license(name = "MIT", identifier = "MIT")
    ),
    // Relative: the API is served from wherever this document is.
    servers((url = "/", description = "This server")),
    // Every operation needs a bearer token unless its route says `security(())`.
    security(("bearer_auth" = [])),
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
        (name = "sync", description = "Delta sync of the caller's todos, categories and tags: what changed since a point, in commit order"),
        (name = "api-keys", description = "Keys for scripts and integrations, sent as `X-API-Key` on the todo, category and tag operations instead of a bearer token; shown once, stored as hashes, at most 20 live per account"),
        (name = "system", description = "Health, readiness, metrics and documentation"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `access_token` of a login or refresh, as `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "A key from `POST /api/v1/api-keys`, as `X-API-Key: <key>`, on the todo, \
                 category, tag and sync operations only (elsewhere `401`). A key with the scopes \
                 `[\"read\"]` answers `403` to any method but `GET` and `HEAD`; a request \
                 carrying both a key and an `Authorization` header is `400`.",
            ))),
        );
    }
}

/// The document as the server publishes it, built once at start-up.
#[derive(Clone)]
pub struct Published {
    document: Document,
    json: web::Bytes,
}

impl std::fmt::Debug for Published {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Published")
            .field("json_bytes", &self.json.len())
            .finish_non_exhaustive()
    }
}

impl Published {
    /// Builds [`document`] and renders it.
    #[must_use]
    pub fn new() -> Self {
        let document = document();
        let json = web::Bytes::from(serde_json::to_vec(&json(&document)).unwrap_or_default());
        Self { document, json }
    }

    /// The routes and operations, for the server's own use.
    #[must_use]
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The JSON that clients read.
    #[must_use]
    pub fn json(&self) -> web::Bytes {
        self.json.clone()
    }
}

impl Default for Published {
    fn default() -> Self {
        Self::new()
    }
}

/// The document as clients read it: [`document`] with the schemas under
/// their API names ([`SCHEMA_NAMES`]).
#[must_use]
pub fn json(document: &Document) -> serde_json::Value {
    let mut value = serde_json::to_value(document).unwrap_or_default();
    rename_schemas(&mut value);
    value
}

/// The complete document: every route of [`crate::routes::configure`],
/// with the schemas under their Rust names.
#[must_use]
pub fn document() -> Document {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    finish(&mut doc);
    doc
}

/// The shared answers every operation of a kind gets.
#[derive(Debug, Clone, Copy)]
enum Shared {
    MalformedJson,
    TwoCredentials,
    MalformedJsonOrTwoCredentials,
    Unauthorized,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    Unavailable,
    ReadOnlyKey,
}

impl Shared {
    const ALL: [Self; 9] = [
        Self::MalformedJson,
        Self::TwoCredentials,
        Self::MalformedJsonOrTwoCredentials,
        Self::Unauthorized,
        Self::ReadOnlyKey,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::ValidationFailed,
        Self::Unavailable,
    ];

    /// Its name under `components/responses`.
    fn name(self) -> &'static str {
        match self {
            Self::MalformedJson => "MalformedJson",
            Self::TwoCredentials => "TwoCredentials",
            Self::MalformedJsonOrTwoCredentials => "MalformedJsonOrTwoCredentials",
            Self::Unauthorized => "Unauthorized",
            Self::PayloadTooLarge => "PayloadTooLarge",
            Self::UnsupportedMediaType => "UnsupportedMediaType",
            Self::ValidationFailed => "ValidationFailed",
            Self::Unavailable => "Unavailable",
            Self::ReadOnlyKey => "ReadOnlyKey",
        }
    }

    fn kind(self) -> ErrorKind {
        match self {
            Self::MalformedJson | Self::TwoCredentials | Self::MalformedJsonOrTwoCredentials => {
                ErrorKind::BadRequest
            }
            Self::Unauthorized => ErrorKind::Unauthorized,
            Self::PayloadTooLarge => ErrorKind::PayloadTooLarge,
            Self::UnsupportedMediaType => ErrorKind::UnsupportedMediaType,
            Self::ValidationFailed => ErrorKind::Validation,
            Self::Unavailable => ErrorKind::Unavailable,
            Self::ReadOnlyKey => ErrorKind::Forbidden,
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::MalformedJson => "The body is not well-formed JSON",
            Self::TwoCredentials => {
                "The request carries both `X-API-Key` and `Authorization`: send one credential"
            }
            Self::MalformedJsonOrTwoCredentials => {
                "The body is not well-formed JSON, or the request carries both `X-API-Key` \
                 and `Authorization`"
            }
            Self::Unauthorized => {
                "No `Authorization: Bearer` header (nor, where the operation takes one, \
                 `X-API-Key`), or a token or key that is invalid, expired or revoked, or an \
                 account that is no longer active"
            }
            Self::ReadOnlyKey => {
                "An `X-API-Key` with the scopes `[\"read\"]`, sent with a method that writes"
            }
            Self::PayloadTooLarge => "The body is larger than 1 MiB",
            Self::UnsupportedMediaType => {
                "A body whose `Content-Type` is not `application/json` (or `application/*+json`)"
            }
            Self::ValidationFailed => {
                "A query parameter the operation does not take, or a body that is not a JSON \
                 object or does not fit its schema; `errors` names each field"
            }
            Self::Unavailable => {
                "The database is unreachable; the server recovers by itself, retry after \
                 `Retry-After` seconds"
            }
        }
    }

    /// Whether `operation` (at `path`; `reads`: a `GET` or `HEAD`) can answer this.
    fn applies(self, path: &str, operation: &Operation, reads: bool) -> bool {
        let has_body = operation.request_body.is_some();
        // Public operations say `security: []`.
        let authenticated = operation.security.as_ref().is_none_or(|s| !s.is_empty());
        match self {
            Self::MalformedJson => has_body && !authenticated,
            Self::TwoCredentials => !has_body && authenticated,
            Self::MalformedJsonOrTwoCredentials => has_body && authenticated,
            Self::PayloadTooLarge | Self::UnsupportedMediaType => has_body,
            Self::Unauthorized => authenticated,
            Self::ReadOnlyKey => !reads && takes_api_key(operation),
            // Unknown query parameters are refused on every API route.
            Self::ValidationFailed => path.starts_with("/api/"),
            Self::Unavailable => path.starts_with("/api/") || path == "/health/ready",
        }
    }

    fn response(self) -> Response {
        let mut response = ResponseBuilder::new()
            .description(self.description())
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        let own_example = match self {
            Self::ReadOnlyKey => Some(problems::READ_ONLY_KEY),
            Self::TwoCredentials => Some(problems::TWO_CREDENTIALS),
            Self::MalformedJsonOrTwoCredentials => Some(problems::MALFORMED_OR_TWO_CREDENTIALS),
            _ => None,
        };
        problems::add_examples(&mut response, self.kind().status().as_u16(), own_example);
        response
    }
}

/// A reference to a header under `components/headers`.
fn header_ref(name: &str) -> RefOr<Header> {
    RefOr::Ref(Ref::new(format!("#/components/headers/{name}")))
}

/// The headers defined once, under `components/headers`.
fn headers() -> Vec<(&'static str, Header)> {
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let header = |schema: ObjectBuilder, description: &str, example: serde_json::Value| {
        let mut header = HeaderBuilder::new()
            .schema(Some(schema))
            .description(Some(description))
            .build();
        header.examples.insert(
            "typical".to_owned(),
            RefOr::T(
                utoipa::openapi::example::ExampleBuilder::new()
                    .value(Some(example))
                    .build(),
            ),
        );
        header
    };
    vec![
        (
            "X-Request-Id",
            header(
                string(),
                "The request's id: the client's own `X-Request-Id` if it sent one, else a new \
                 UUIDv7. Error bodies repeat it as `request_id`; quote it when reporting a problem.",
                "0193a5c4-5b1e-7d2a-9c3f-2b8e4f6a1d07".into(),
            ),
        ),
        (
            "Server-Timing",
            header(
                string(),
                "The `db` entry gives the SQL statements the request ran and the time spent in \
                 them, in milliseconds.",
                "db;dur=1.8;desc=\"3 queries\"".into(),
            ),
        ),
        (
            "ETag",
            header(
                string(),
                "The entity tag of the representation: `W/\"<version>-<hash>\"`. It changes \
                 whenever any field of the answer does; `If-None-Match` with it answers `304` \
                 while nothing changed, and `If-Match` with it compares the version only.",
                "W/\"3-9f86d081884c7d65\"".into(),
            ),
        ),
        (
            "Location",
            header(
                string().format(Some(SchemaFormat::Custom("uri-reference".to_owned()))),
                "The path of the resource just created.",
                "/api/v1/todos/0193a5c4-5b1e-7d2a-9c3f-2b8e4f6a1d07".into(),
            ),
        ),
        (
            "WWW-Authenticate",
            header(
                string(),
                "The scheme the API expects: `Bearer`.",
                "Bearer".into(),
            ),
        ),
        (
            "Retry-After",
            header(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
                "Seconds to wait before trying again.",
                2.into(),
            ),
        ),
    ]
}

/// The names clients see for schemas whose Rust names say how the server
/// builds them (`TodoOut`, a generic `Page_CategoryOut`, the `BTreeMap`
/// behind field errors) rather than what they are.
const SCHEMA_NAMES: &[(&str, &str)] = &[
    ("TodoOut", "Todo"),
    ("CategoryOut", "Category"),
    ("TagOut", "Tag"),
    ("UserOut", "User"),
    ("PreferencesOut", "Preferences"),
    ("SessionOut", "Session"),
    ("HistoryEntryOut", "StatusChange"),
    ("AuditLogOut", "AuditLogEntry"),
    ("ApiKeyOut", "ApiKey"),
    ("ApiKeyIssued", "IssuedApiKey"),
    ("TodoStatsOut", "TodoStats"),
    ("SyncOut", "SyncAnswer"),
    ("Page_CategoryOut", "CategoryPage"),
    ("Page_TagOut", "TagPage"),
    ("Page_UserOut", "UserPage"),
    ("Page_AuditLogOut", "AuditLogPage"),
    ("BTreeMap", "FieldErrors"),
];

/// Renames schemas by [`SCHEMA_NAMES`], references included. (On the JSON:
/// utoipa's types do not read every document they write back.)
fn rename_schemas(value: &mut serde_json::Value) {
    fn rewrite(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, item) in fields.iter_mut() {
                    if key == "$ref"
                        && let serde_json::Value::String(target) = item
                        && let Some(name) = target.strip_prefix("#/components/schemas/")
                        && let Some((_, new)) = SCHEMA_NAMES.iter().find(|(old, _)| *old == name)
                    {
                        *target = format!("#/components/schemas/{new}");
                    } else {
                        rewrite(item);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(rewrite),
            _ => {}
        }
    }
    if let Some(schemas) = value
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
    {
        // utoipa inlines a generic page's item schema; a client generator
        // would make an anonymous type of it. The page refers to it instead.
        let names: Vec<String> = schemas.keys().cloned().collect();
        for name in &names {
            if let Some(item) = name.strip_prefix("Page_")
                && schemas.contains_key(item)
                && let Some(items) = schemas
                    .get_mut(name)
                    .and_then(|page| page.pointer_mut("/properties/items/items"))
            {
                *items = serde_json::json!({ "$ref": format!("#/components/schemas/{item}") });
            }
        }
        for (old, new) in SCHEMA_NAMES {
            if let Some(schema) = schemas.remove(*old) {
                schemas.insert((*new).to_owned(), schema);
            }
        }
    }
    rewrite(value);
}

/// Adds what every operation of a kind shares (see the module docs).
fn finish(doc: &mut Document) {
    idempotency::document(doc);
    let components = doc.components.get_or_insert_with(Default::default);
    let defined_headers = headers();
    let header_names: Vec<&str> = defined_headers.iter().map(|(name, _)| *name).collect();
    for (name, header) in defined_headers {
        components.headers.insert(name.to_owned(), RefOr::T(header));
    }
    for shared in Shared::ALL {
        components
            .responses
            .insert(shared.name().to_owned(), RefOr::T(shared.response()));
    }
    let schemas = components.schemas.clone();

    for (path, item) in &mut doc.paths.paths {
        let operations = [
            (true, &mut item.get),
            (false, &mut item.put),
            (false, &mut item.post),
            (false, &mut item.delete),
            (false, &mut item.options),
            (true, &mut item.head),
            (false, &mut item.patch),
            (false, &mut item.trace),
        ];
        for (reads, operation) in operations {
            let Some(operation) = operation else {
                continue;
            };
            state_security(operation);
            for shared in Shared::ALL {
                let status = shared.kind().status().as_u16().to_string();
                if shared.applies(path, operation, reads)
                    && !operation.responses.responses.contains_key(&status)
                {
                    operation.responses.responses.insert(
                        status,
                        RefOr::Ref(Ref::new(format!(
                            "#/components/responses/{}",
                            shared.name()
                        ))),
                    );
                }
            }
            let id = operation.operation_id.clone().unwrap_or_default();
            if let Some(RefOr::T(body)) = &mut operation.request_body {
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content {
                        examples::add_request(content, &id);
                    }
                }
            }
            for (status, response) in &mut operation.responses.responses {
                let RefOr::T(response) = response else {
                    continue;
                };
                let code: u16 = status.parse().unwrap_or(0);
                add_headers(response, code);
                // A header the route names that is defined once is referenced.
                for (name, header) in &mut response.headers {
                    if header_names.contains(&name.as_str()) {
                        *header = header_ref(name);
                    }
                }
                if code >= 400 {
                    problems::add_examples(response, code, Some(&id));
                } else {
                    for content in response.content.values_mut() {
                        if let RefOr::T(content) = content {
                            examples::add_response(content, &id, &schemas);
                        }
                    }
                }
            }
        }
    }
    for shared in Shared::ALL {
        if let Some(RefOr::T(response)) = components.responses.get_mut(shared.name()) {
            add_headers(response, shared.kind().status().as_u16());
        }
    }
}

/// The headers an answer of `status` carries: the request id and timing
/// on every one, `WWW-Authenticate` on a `401`, `Retry-After` on a `429`
/// or `503`.
fn add_headers(response: &mut Response, status: u16) {
    let mut names = vec!["X-Request-Id", "Server-Timing"];
    match status {
        401 => names.push("WWW-Authenticate"),
        429 | 503 => names.push("Retry-After"),
        _ => {}
    }
    for name in names {
        response.headers.insert(name.to_owned(), header_ref(name));
    }
}

/// Whether `operation` takes an API key besides a bearer token.
fn takes_api_key(operation: &Operation) -> bool {
    operation
        .tags
        .iter()
        .flatten()
        .any(|tag| API_KEY_TAGS.contains(&tag.as_str()))
}

/// `security: []` on a public operation (its route says `security(())`,
/// which utoipa writes as one empty requirement); bearer or API key on
/// those that take a key; nothing on the others, which inherit the
/// document's bearer requirement.
fn state_security(operation: &mut Operation) {
    if let Some(requirements) = &operation.security {
        let empty = serde_json::to_value(requirements)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .is_some_and(|list| {
                list.iter()
                    .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
        if empty {
            operation.security = Some(Vec::new());
        }
    } else if takes_api_key(operation) {
        operation.security = Some(vec![
            SecurityRequirement::new(BEARER, Vec::<String>::new()),
            SecurityRequirement::new(API_KEY, Vec::<String>::new()),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_published_under_their_api_names_and_referenced_so() {
        let value = json(&document());
        let schemas = value["components"]["schemas"].as_object().expect("schemas");
        for (old, new) in SCHEMA_NAMES {
            assert!(!schemas.contains_key(*old), "{old} is still published");
            assert!(schemas.contains_key(*new), "{new} is not published");
        }
        let text = value.to_string();
        for (old, _) in SCHEMA_NAMES {
            assert!(
                !text.contains(&format!("\"#/components/schemas/{old}\"")),
                "a reference to {old} is left"
            );
        }
    }
}
