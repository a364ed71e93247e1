//! What a request that no handler takes is answered: `405` with `Allow` when
//! its path is one of ours but its method is not (an invented method too),
//! `404` otherwise; and `HEAD` served by every `GET` route.
//!
//! Each `#[get]`/`#[post]`… handler is its own resource guarded by its
//! method, so actix-web tries the next resource when the method differs and
//! ends at the default service knowing nothing of the paths it passed. The
//! methods of each path are therefore read from the OpenAPI document, which
//! is collected from the same route table ([`crate::routes::configure`]).
//!
//! The same table knows the query parameters each operation takes, so an
//! API request naming another one is `422` naming it ([`refuse_unknown_query`]),
//! on every route alike, with or without query parameters of its own; a
//! repeatable parameter's bracket form (`status[]`) is its own name.
//!
//! A literal path wins over a `{parameter}` one: `/todos/stats` offers only
//! `GET`, though `PATCH /todos/stats` reaches the handler of
//! `/todos/{id}`, whose id then does not parse. That path error comes here
//! too ([`answer`]), and so answers `405` like any other method the path
//! does not offer.

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::{OpenApi, RefOr};

use crate::error::ApiError;

/// One documented path: its segments (`None` for a `{parameter}`), the
/// methods it answers, in the order `Allow` lists them, and the query
/// parameters of each.
#[derive(Debug, Clone)]
struct Route {
    segments: Vec<Option<String>>,
    methods: Vec<Method>,
    queries: Vec<(Method, Vec<String>)>,
}

/// The methods every documented path answers.
#[derive(Debug, Clone, Default)]
pub struct RouteMethods {
    routes: Vec<Route>,
}

impl RouteMethods {
    /// The table of `doc`'s paths; a path with `GET` answers `HEAD` too.
    #[must_use]
    pub fn from_openapi(doc: &OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let offered = [
                    (Method::GET, item.get.is_some()),
                    (Method::HEAD, item.get.is_some() || item.head.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                    (Method::OPTIONS, item.options.is_some()),
                    (Method::TRACE, item.trace.is_some()),
                ];
                let queries = [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                ]
                .into_iter()
                .filter_map(|(method, operation)| {
                    let operation = operation.as_ref()?;
                    let names = operation
                        .parameters
                        .iter()
                        .flatten()
                        .filter_map(|parameter| match parameter {
                            RefOr::T(p) if p.parameter_in == ParameterIn::Query => {
                                Some(p.name.clone())
                            }
                            _ => None,
                        })
                        .collect();
                    Some((method, names))
                })
                .collect();
                Route {
                    queries,
                    segments: path
                        .split('/')
                        .map(|segment| {
                            let parameter = segment.starts_with('{') && segment.ends_with('}');
                            (!parameter).then(|| segment.to_owned())
                        })
                        .collect(),
                    methods: offered
                        .into_iter()
                        .filter_map(|(method, offered)| offered.then_some(method))
                        .collect(),
                }
            })
            .collect();
        Self { routes }
    }

    /// The routes `path` matches. Of those, the ones with the fewest
    /// `{parameters}` count: `/tags/merge` is no `/tags/{id}`.
    fn matching(&self, path: &str) -> Vec<&Route> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut found: Vec<&Route> = Vec::new();
        let mut fewest_parameters = usize::MAX;
        for route in &self.routes {
            let matches =
                route.segments.len() == segments.len()
                    && route.segments.iter().zip(&segments).all(
                        |(expected, given)| match expected {
                            Some(literal) => literal == given,
                            // A `{parameter}` takes one non-empty segment.
                            None => !given.is_empty(),
                        },
                    );
            let parameters = route.segments.iter().filter(|s| s.is_none()).count();
            if matches && parameters <= fewest_parameters {
                if parameters < fewest_parameters {
                    fewest_parameters = parameters;
                    found.clear();
                }
                found.push(route);
            }
        }
        found
    }

    /// The methods `path` answers, or `None` when no route matches it.
    #[must_use]
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let routes = self.matching(path);
        if routes.is_empty() {
            return None;
        }
        let mut methods: Vec<Method> = Vec::new();
        for method in routes.iter().flat_map(|route| &route.methods) {
            if !methods.contains(method) {
                methods.push(method.clone());
            }
        }
        methods.sort_by_key(allow_order);
        Some(methods)
    }

    /// The query parameters the operation `method` `path` takes, or `None`
    /// when no documented operation is there (a `HEAD` is its `GET`).
    #[must_use]
    pub fn query_parameters(&self, method: &Method, path: &str) -> Option<&[String]> {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.matching(path).into_iter().find_map(|route| {
            route
                .queries
                .iter()
                .find(|(m, _)| m == method)
                .map(|(_, names)| names.as_slice())
        })
    }

    /// The first query parameter of `query` that the operation does not
    /// take, without its brackets (`status[]` is `status`).
    #[must_use]
    pub fn unknown_query_parameter(
        &self,
        method: &Method,
        path: &str,
        query: &str,
    ) -> Option<String> {
        if query.is_empty() {
            return None;
        }
        let known = self.query_parameters(method, path)?;
        form_urlencoded::parse(query.as_bytes())
            .map(|(key, _)| key.strip_suffix("[]").unwrap_or(&key).to_owned())
            .find(|key| !known.iter().any(|name| name == key))
    }
}

/// Middleware: what the route table refuses, refused before any extractor
/// runs, so no credential or body check can answer first. An API request
/// whose path does not offer its method is `405` with `Allow` (`GET
/// /todos/bulk` would otherwise reach the handler of `/todos/{id}` and
/// answer what its extractors say); one with a query parameter its
/// operation does not take is `422` naming it. The system routes (`/health`,
/// `/metrics`, the documentation) keep their query parameters: probes and
/// browsers add parameters of their own.
///
/// # Errors
/// Whatever the inner service returns.
pub async fn refuse_unknown_query(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let refusal = match req.app_data::<web::Data<RouteMethods>>() {
        Some(routes) if req.path().starts_with(crate::routes::API_PREFIX) => {
            match routes.allowed(req.path()) {
                Some(methods) if !methods.contains(req.method()) => {
                    Some(ApiError::method_not_allowed(&methods))
                }
                _ => routes
                    .unknown_query_parameter(req.method(), req.path(), req.query_string())
                    .map(|name| ApiError::invalid_field(&name, "unknown parameter")),
            }
        }
        _ => None,
    };
    if let Some(error) = refusal {
        let response = error.error_response().map_into_right_body();
        return Ok(req.into_response(response));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

fn allow_order(method: &Method) -> usize {
    [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ]
    .iter()
    .position(|m| m == method)
    .unwrap_or(usize::MAX)
}

/// `405` with `Allow` when `req`'s path does not offer its method, else
/// `404` for `what`.
#[must_use]
pub fn answer(req: &HttpRequest, what: &str) -> ApiError {
    let allowed = req
        .app_data::<web::Data<RouteMethods>>()
        .and_then(|routes| routes.allowed(req.path()));
    match allowed {
        Some(methods) if !methods.contains(req.method()) => ApiError::method_not_allowed(&methods),
        _ => ApiError::not_found(what),
    }
}

/// The default service: `405` with `Allow` on a known path, else `404`.
///
/// # Errors
/// Always: that is its answer.
pub async fn not_found_or_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(answer(&req, "route"))
}

/// Middleware: a `HEAD` request is routed as the `GET` of its path. The
/// HTTP/1 codec remembers that the request was `HEAD` and sends the
/// headers of the answer without its body.
///
/// # Errors
/// Whatever the inner service returns.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteMethods {
        RouteMethods::from_openapi(&crate::openapi::document())
    }

    #[test]
    fn a_path_answers_the_methods_of_every_route_it_matches() {
        let routes = table();
        assert_eq!(
            routes.allowed("/api/v1/todos"),
            Some(vec![Method::GET, Method::HEAD, Method::POST])
        );
        assert_eq!(
            routes.allowed("/api/v1/todos/0193a1b2-0000-7000-8000-000000000000"),
            Some(vec![
                Method::GET,
                Method::HEAD,
                Method::PATCH,
                Method::DELETE
            ])
        );
        // Literal paths win over `{id}`.
        assert_eq!(
            routes.allowed("/api/v1/tags/merge"),
            Some(vec![Method::POST])
        );
        assert_eq!(
            routes.allowed("/api/v1/todos/stats"),
            Some(vec![Method::GET, Method::HEAD])
        );
        assert_eq!(
            routes.allowed("/api/v1/tags/0193a1b2-0000-7000-8000-000000000000"),
            Some(vec![Method::PATCH, Method::DELETE])
        );
        assert_eq!(
            routes.allowed("/health"),
            Some(vec![Method::GET, Method::HEAD])
        );
    }

    #[test]
    fn a_query_parameter_the_operation_does_not_take_is_named() {
        let routes = table();
        let todo = "/api/v1/todos/0193a1b2-0000-7000-8000-000000000000";
        let unknown = |method: Method, path: &str, query: &str| {
            routes.unknown_query_parameter(&method, path, query)
        };
        assert_eq!(unknown(Method::GET, todo, "x=1"), Some("x".to_owned()));
        assert_eq!(
            unknown(Method::HEAD, "/api/v1/todos/stats", "a=1"),
            Some("a".to_owned())
        );
        assert_eq!(unknown(Method::DELETE, todo, "permanent=true"), None);
        assert_eq!(
            unknown(Method::PATCH, todo, "permanent=true"),
            Some("permanent".to_owned())
        );
        assert_eq!(
            unknown(Method::GET, "/api/v1/todos", "status[]=a&tag=b&page=2"),
            None
        );
        assert_eq!(
            unknown(Method::GET, "/api/v1/todos", "size=1&colour=red"),
            Some("colour".to_owned())
        );
        assert_eq!(unknown(Method::GET, "/api/v1/todos", ""), None);
        assert_eq!(unknown(Method::GET, "/api/v1/nowhere", "x=1"), None);
    }

    #[test]
    fn a_path_no_route_matches_answers_nothing() {
        let routes = table();
        assert_eq!(routes.allowed("/api/v1/nowhere"), None);
        assert_eq!(routes.allowed("/api/v1/todos/"), None);
        assert_eq!(routes.allowed("/api/v1/todos//restore"), None);
    }
}
