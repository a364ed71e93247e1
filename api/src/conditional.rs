//! Conditional requests on versioned resources: `ETag`, `If-None-Match`, `If-Match`.
//!
//! A resource's entity tag names both its row version and the exact bytes of
//! the JSON it is answered with: `W/"<version>-<hash>"`, where `<hash>` is
//! the first 64 bits of the SHA-256 of the serialized body, in hex. The body
//! is serialized once, hashed, and those same bytes are sent, so the tag can
//! never drift from what the client holds. Derived fields that change without
//! the row's version (a category's `todo_count`; the preferences shown with a
//! user) change the hash, so a `304` never hides a change.
//!
//! The two preconditions read the tag differently, as the contract asks:
//!
//! - `If-None-Match` compares the whole tag (weakly: `W/` is ignored), so a
//!   `304` means the client's copy is byte for byte the current one. A tag
//!   without a hash (`W/"5"`) never matches: the answer is a full `200`.
//! - `If-Match` compares only the version the tag carries, so a `PATCH`
//!   based on a copy whose `todo_count` has since moved still succeeds, and
//!   one based on an older version is `412`. A bare `W/"5"` is accepted.
//!
//! Why SHA-256 and not `std`'s hasher: several servers of the same build sit
//! behind one load balancer, and a tag one of them issued must match on any
//! other (and after an upgrade). `DefaultHasher` promises stability neither
//! across processes nor across Rust releases; SHA-256 (the `sha2` crate,
//! already used for refresh tokens) is the same everywhere and costs
//! microseconds on bodies of this size. Truncating it to 64 bits is plenty:
//! a tag only has to tell two representations of one resource apart.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use serde::Serialize;
use service::version::Expected;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The entity tag of a representation: its `version` and a hash of `body`,
/// the exact bytes sent.
#[must_use]
pub fn etag(version: i32, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("W/\"{version}-{:016x}\"", u64::from_be_bytes(first))
}

/// The opaque part of one entity tag (weak or strong), without `W/` and quotes.
fn opaque(tag: &str) -> Option<&str> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.strip_prefix('"')?.strip_suffix('"')
}

/// The version one entity tag carries: `W/"5-…"`, or a bare `W/"5"`.
fn tag_version(tag: &str) -> Option<i32> {
    let opaque = opaque(tag)?;
    let version = opaque
        .split_once('-')
        .map_or(opaque, |(version, _)| version);
    version.parse().ok()
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

    /// Every version a request expects: this header's, then the body's
    /// `version` field (a request may carry both; each is checked).
    #[must_use]
    pub fn expectations(&self, body_version: Option<i32>) -> Vec<Expected> {
        self.expected()
            .into_iter()
            .chain(body_version.map(Expected::Body))
            .collect()
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
            value.map(|v| v.split(',').map(tag_version).collect()),
        )))
    }
}

/// Whether the request's `If-None-Match` names `etag` (or is `*`), by weak
/// comparison of the whole tag.
#[must_use]
pub fn none_match_hits(req: &HttpRequest, etag: &str) -> bool {
    let Some(ours) = opaque(etag) else {
        return false;
    };
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "*" || v.split(',').any(|tag| opaque(tag) == Some(ours)))
}

/// A representation serialized once, with its entity tag.
struct Representation {
    body: Vec<u8>,
    etag: String,
}

impl Representation {
    fn of<T: Serialize>(version: i32, body: &T) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(body).map_err(|e| ApiError::internal(&e))?;
        let etag = etag(version, &body);
        Ok(Self { body, etag })
    }

    fn tag(&self, builder: &mut HttpResponseBuilder) {
        if let Ok(value) = HeaderValue::from_str(&self.etag) {
            builder.insert_header((header::ETAG, value));
        }
    }
}

/// `200` with the body and its `ETag`, or `304` with no body when the
/// request's `If-None-Match` names exactly this representation.
pub fn versioned_ok<T: Serialize>(req: &HttpRequest, version: i32, body: &T) -> HttpResponse {
    let representation = match Representation::of(version, body) {
        Ok(representation) => representation,
        Err(err) => return err.error_response(),
    };
    if none_match_hits(req, &representation.etag) {
        let mut builder = HttpResponse::NotModified();
        representation.tag(&mut builder);
        return builder.finish();
    }
    tagged_with(HttpResponse::Ok(), representation)
}

/// A JSON answer of `builder`'s status with the body and its `ETag`: what a
/// write (`201`, a `PATCH`'s `200`, restore…) answers, so that the tag a
/// client keeps from it matches a later `GET` of the same representation.
pub fn tagged<T: Serialize>(builder: HttpResponseBuilder, version: i32, body: &T) -> HttpResponse {
    match Representation::of(version, body) {
        Ok(representation) => tagged_with(builder, representation),
        Err(err) => err.error_response(),
    }
}

fn tagged_with(mut builder: HttpResponseBuilder, representation: Representation) -> HttpResponse {
    representation.tag(&mut builder);
    builder
        .content_type("application/json")
        .body(representation.body)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn tags_carry_the_version_and_a_hash_of_the_body() {
        let tag = etag(7, br#"{"todo_count":1}"#);
        assert!(tag.starts_with("W/\"7-"), "{tag}");
        assert_eq!(tag.len(), "W/\"7-\"".len() + 16, "{tag}");
        assert_eq!(tag, etag(7, br#"{"todo_count":1}"#), "stable");
        assert_ne!(tag, etag(7, br#"{"todo_count":2}"#), "the body counts");
        assert_ne!(tag, etag(8, br#"{"todo_count":1}"#), "the version counts");
    }

    #[test]
    fn the_hash_is_the_same_in_every_build() {
        // A fixed vector: servers of one build behind a load balancer, and
        // the builds after it, must all issue this tag for this body.
        assert_eq!(etag(1, b"{}"), "W/\"1-44136fa355b3678a\"");
    }

    #[test]
    fn if_match_reads_the_version_of_new_and_bare_tags() {
        assert_eq!(tag_version(&etag(7, b"{}")), Some(7));
        assert_eq!(tag_version("W/\"7\""), Some(7));
        assert_eq!(tag_version("\"7\""), Some(7));
        assert_eq!(tag_version("W/\"x\""), None);
        assert_eq!(tag_version("7"), None);
    }

    #[test]
    fn a_foreign_if_match_tag_matches_no_version() {
        let m = IfMatch(Some(vec![None]));
        assert!(m.expected().expect("constrains").check(1).is_err());
        assert!(IfMatch::default().expected().is_none());
    }

    #[test]
    fn if_none_match_compares_the_whole_tag() {
        let tag = etag(3, b"{\"a\":1}");
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, value))
                .to_http_request()
        };
        assert!(none_match_hits(&with(&tag), &tag));
        assert!(
            none_match_hits(&with(tag.trim_start_matches("W/")), &tag),
            "weak comparison"
        );
        assert!(
            none_match_hits(&with(&format!("\"x\", {tag}")), &tag),
            "any of a list"
        );
        assert!(none_match_hits(&with("*"), &tag));
        assert!(
            !none_match_hits(&with("W/\"3\""), &tag),
            "a bare version is not this body"
        );
        assert!(!none_match_hits(&with(&etag(3, b"{\"a\":2}")), &tag));
        assert!(!none_match_hits(
            &TestRequest::default().to_http_request(),
            &tag
        ));
    }
}
