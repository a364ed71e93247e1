//! Conditional requests on versioned resources: `ETag`, `If-None-Match`, `If-Match`.
//!
//! A resource's entity tag is its version, as a weak tag: `W/"<version>"`.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use service::version::Expected;

use crate::error::ApiError;

/// The entity tag of `version`.
#[must_use]
pub fn etag(version: i32) -> String {
    format!("W/\"{version}\"")
}

/// Parses one entity tag (weak or strong) back into a version.
fn parse_tag(tag: &str) -> Option<i32> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}

/// The versions an `If-Match` header allows. `None`: no header, or `*`.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<Vec<Option<i32>>>);

impl IfMatch {
    /// The expectation to hand to the service, if the header constrains the version.
    ///
    /// Several tags in one header are rare; the first decides, and a tag that
    /// is not one of ours (`Some(None)`) matches no version.
    #[must_use]
    pub fn expected(&self) -> Option<Expected> {
        let tags = self.0.as_ref()?;
        let first = tags.first().copied().flatten();
        Some(Expected::IfMatch(first.unwrap_or(-1)))
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req
            .headers()
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "*");
        ready(Ok(Self(
            value.map(|v| v.split(',').map(parse_tag).collect()),
        )))
    }
}

/// Whether the request's `If-None-Match` names `version` (or is `*`).
#[must_use]
pub fn none_match_hits(req: &HttpRequest, version: i32) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "*" || v.split(',').any(|tag| parse_tag(tag) == Some(version)))
}

/// `200` with the body and its `ETag`, or `304` with no body when the client
/// already has this version.
pub fn versioned_ok<T: Serialize>(req: &HttpRequest, version: i32, body: &T) -> HttpResponse {
    if none_match_hits(req, version) {
        return with_etag(HttpResponse::NotModified(), version).finish();
    }
    with_etag(HttpResponse::Ok(), version).json(body)
}

/// Adds the `ETag` of `version` to a response.
pub fn with_etag(mut builder: HttpResponseBuilder, version: i32) -> HttpResponseBuilder {
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        builder.insert_header((header::ETAG, value));
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_weak_or_strong() {
        assert_eq!(parse_tag(&etag(7)), Some(7));
        assert_eq!(parse_tag("\"7\""), Some(7));
        assert_eq!(parse_tag("W/\"x\""), None);
        assert_eq!(parse_tag("7"), None);
    }

    #[test]
    fn a_foreign_if_match_tag_matches_no_version() {
        let m = IfMatch(Some(vec![None]));
        assert!(m.expected().expect("constrains").check(1).is_err());
        assert!(IfMatch::default().expected().is_none());
    }
}
