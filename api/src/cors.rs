//! Cross-origin access for browser front ends (`actix-cors`).
//!
//! Origins come from `CORS_ALLOWED_ORIGINS`. A preflight may ask for the
//! request headers the API names, plus any in `CORS_ALLOWED_HEADERS` (say
//! `traceparent` for a front end that traces); answers expose the response
//! headers the API names, so a script can read them. `actix-cors` answers a
//! refused preflight with a bare `400`; [`refusals_as_problems`] turns it
//! into the `403` problem body every other refusal has.

use actix_cors::{Cors, CorsError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, header::HeaderMap};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;
use crate::telemetry::REQUEST_ID;

/// The request headers the API names: always allowed to a permitted origin.
const API_REQUEST_HEADERS: [HeaderName; 7] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    REQUEST_ID,
    HeaderName::from_static("idempotency-key"),
    HeaderName::from_static("x-api-key"),
];

/// The response headers a script may read.
const EXPOSED_HEADERS: [HeaderName; 6] = [
    header::ETAG,
    header::LOCATION,
    header::RETRY_AFTER,
    REQUEST_ID,
    HeaderName::from_static("server-timing"),
    HeaderName::from_static("idempotent-replayed"),
];

/// The request headers a preflight may ask for: the API's and `extra`.
fn allowed_headers(extra: &[HeaderName]) -> Vec<HeaderName> {
    let mut headers = API_REQUEST_HEADERS.to_vec();
    for name in extra {
        if !headers.contains(name) {
            headers.push(name.clone());
        }
    }
    headers
}

/// The CORS middleware for `origins` (`*`: any) and the `extra` request headers.
pub fn cors(origins: &[String], extra: &[HeaderName]) -> Cors {
    let cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allowed_headers(allowed_headers(extra))
        .expose_headers(EXPOSED_HEADERS)
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        return cors.allow_any_origin();
    }
    origins
        .iter()
        .fold(cors, |cors, origin| cors.allowed_origin(origin))
}

/// Middleware around [`cors`]: a refused preflight answers `403`
/// problem+json (`forbidden`) saying what was refused, with the request id.
///
/// # Errors
/// Whatever the inner service returns; errors pass through untouched.
pub async fn refusals_as_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let Some(refusal) = res
        .response()
        .error()
        .and_then(|err| err.as_error::<CorsError>())
    else {
        return Ok(res.map_into_boxed_body());
    };
    let extra = res
        .request()
        .app_data::<web::Data<AppState>>()
        .map(|state| state.config.cors_allowed_headers.clone())
        .unwrap_or_default();
    let detail = refusal_detail(refusal, res.request().headers(), &extra);
    let (req, _) = res.into_parts();
    let problem = ApiError::new(ErrorKind::Forbidden, detail).error_response();
    Ok(ServiceResponse::new(req, problem))
}

/// What a refused preflight was refused for, in the client's terms.
fn refusal_detail(refusal: &CorsError, headers: &HeaderMap, extra: &[HeaderName]) -> String {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    match refusal {
        CorsError::OriginNotAllowed => format!(
            "cross-origin requests from {} are not allowed",
            text(header::ORIGIN)
        ),
        CorsError::MethodNotAllowed => format!(
            "cross-origin {} requests are not allowed",
            text(header::ACCESS_CONTROL_REQUEST_METHOD)
        ),
        CorsError::HeadersNotAllowed => {
            let allowed = allowed_headers(extra);
            let refused: Vec<String> = text(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty() && !allowed.iter().any(|a| a.as_str() == h.as_str()))
                .collect();
            format!(
                "cross-origin requests may not send the header(s) {}",
                refused.join(", ")
            )
        }
        other => format!("refused cross-origin preflight: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    #[test]
    fn extra_headers_add_to_the_api_headers_once() {
        let extra = [HeaderName::from_static("traceparent"), header::IF_MATCH];
        let allowed = allowed_headers(&extra);
        assert_eq!(allowed.len(), API_REQUEST_HEADERS.len() + 1);
        assert!(allowed.contains(&HeaderName::from_static("traceparent")));
    }

    #[test]
    fn a_refusal_names_the_refused_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static("content-type, Traceparent, cache-control"),
        );
        let detail = refusal_detail(
            &CorsError::HeadersNotAllowed,
            &headers,
            &[HeaderName::from_static("cache-control")],
        );
        assert_eq!(
            detail,
            "cross-origin requests may not send the header(s) traceparent"
        );
    }
}
