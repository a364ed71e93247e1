//! Authentication: the `AuthUser`/`AdminUser` extractors, the client's
//! address, and (in `attempts`) the extractors that count password
//! guesses. The tokens they verify are made in [`crate::tokens`], below
//! [`crate::state`], which this module reads; the rate limit they count
//! against is `service::throttle`, counted in the database so that every
//! server counts the same attempts.
//!
//! Checking an access token touches no database, so on routes that only read
//! the caller's own data a token stays good until it expires (15 minutes by
//! default) even if its session is revoked or its account suspended
//! meanwhile. What takes effect at once:
//!
//! - every write: the service locks the caller's row first and answers `401`
//!   for an account that is gone, deleted, inactive or suspended
//!   (`service::txn`);
//! - every admin route: [`AdminUser`] re-reads the caller (one primary-key
//!   read) and ignores the token's admin flag, so a demotion or suspension
//!   is `403`, a deletion `401`, and a promotion counts, with the next request;
//! - every refresh: sessions are revoked in the same transaction as the
//!   change that revokes them, so no refresh can outlive it.
//!
//! The routes on the caller's todos, categories and tags take [`Owner`]
//! instead: a bearer token as above, or an API key (`X-API-Key`), which is
//! checked in the database on every request (`service::api_keys`), so a
//! revoked or expired key, or one whose owner is suspended, is refused with
//! the very next request. A request may carry one credential, not both.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use service::ClientMeta;
use service::api_keys::KeyCaller;
use uuid::Uuid;

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

mod attempts;

pub use attempts::{AuthAttempt, PasswordAttempt};

/// The authenticated caller. Naming it in a handler's signature makes the
/// route require a valid `Authorization: Bearer` access token.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    /// The user's id.
    pub id: Uuid,
    /// The session the token belongs to.
    pub session_id: Uuid,
    /// Whether the token carries the admin role.
    pub is_admin: bool,
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(&"application state missing"))?;
    let has_key = req.headers().contains_key(API_KEY);
    if has_key && req.headers().contains_key(header::AUTHORIZATION) {
        return Err(both_credentials());
    }
    if has_key {
        return Err(ApiError::new(
            ErrorKind::Unauthorized,
            "this route takes an `Authorization: Bearer <access_token>` header; API keys \
             (`X-API-Key`) are accepted on the todo, category and tag routes only",
        ));
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorKind::Unauthorized,
                "an `Authorization: Bearer <access_token>` header is required",
            )
        })?;
    let claims = state.jwt.verify(token)?;
    let user = AuthUser {
        id: claims.sub,
        session_id: claims.sid,
        is_admin: claims.adm,
    };
    Ok(user)
}

/// An authenticated admin, as the database says now: the caller is re-read
/// on every admin request, whatever the token claims. A caller who is not
/// (or no longer) an admin, or is suspended, gets `403`; one whose account
/// is gone, deleted or inactive `401` (as does a request without a valid token).
#[derive(Debug, Clone, Copy)]
pub struct AdminUser(pub AuthUser);

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = authenticate(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let mut caller = caller?;
            let state = state.ok_or_else(|| ApiError::internal(&"application state missing"))?;
            // A task of its own: when another extractor of the request
            // refuses it (a bad query, say), actix drops this future, and a
            // read cut off half-way would cost its connection.
            let id = caller.id;
            actix_web::rt::spawn(
                async move { service::accounts::authorize_admin(&state.db, id).await },
            )
            .await
            .map_err(|e| ApiError::internal(&e))??;
            caller.is_admin = true;
            Ok(Self(caller))
        })
    }
}

/// The header that carries an API key.
pub const API_KEY: header::HeaderName = header::HeaderName::from_static("x-api-key");

/// `400`: a request that carries both an API key and an `Authorization` header.
#[must_use]
pub fn both_credentials() -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "send either `X-API-Key` or `Authorization`, not both",
    )
}

/// `403`: a key without the `write` scope, sent with a method that writes.
#[must_use]
pub fn read_only_key() -> ApiError {
    ApiError::new(
        ErrorKind::Forbidden,
        "this API key may only read (scopes [\"read\"]); writing takes a key with the `write` \
         scope",
    )
}

/// How an [`Owner`] proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A bearer access token of this session.
    Token {
        /// The session the token belongs to.
        session_id: Uuid,
    },
    /// An API key.
    Key {
        /// The key's id.
        key_id: Uuid,
        /// Whether it has the `write` scope.
        can_write: bool,
    },
}

/// The caller on the routes of their own todos, categories and tags: a
/// bearer access token (checked as [`AuthUser`] checks it, without the
/// database) or an `X-API-Key`, checked in the database on every request
/// and its use recorded for `last_used_at`. A key without the `write`
/// scope answers `403` to any method but `GET` and `HEAD`; a request with
/// both credentials is `400`; one with neither, or a key that is unknown,
/// revoked, expired or whose owner may no longer act, is `401`.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    /// The user whose data the request reads or writes.
    pub id: Uuid,
    /// The credential it came with.
    pub via: Via,
}

impl FromRequest for Owner {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(key) = req.headers().get(API_KEY) else {
            let owner = authenticate(req).map(|user| Self {
                id: user.id,
                via: Via::Token {
                    session_id: user.session_id,
                },
            });
            return Box::pin(ready(owner));
        };
        if req.headers().contains_key(header::AUTHORIZATION) {
            return Box::pin(ready(Err(both_credentials())));
        }
        // A header that is not text holds no key of ours; the service
        // refuses the empty string without a query.
        let key = key.to_str().unwrap_or_default().to_owned();
        let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(&"application state missing"))?;
            // A task of its own, as for `AdminUser`: a read cut off
            // half-way, when another extractor refuses the request, would
            // cost its connection.
            let db = state.db.clone();
            let check = async move { service::api_keys::authenticate(&db, &key).await };
            let caller: KeyCaller = actix_web::rt::spawn(check)
                .await
                .map_err(|e| ApiError::internal(&e))??;
            if writes && !caller.can_write {
                return Err(read_only_key());
            }
            state.api_key_usage.record(&caller, service::clock::now());
            Ok(Self {
                id: caller.user_id,
                via: Via::Key {
                    key_id: caller.key_id,
                    can_write: caller.can_write,
                },
            })
        })
    }
}

/// The client's address and user agent, for sessions and the audit log.
#[derive(Debug, Clone)]
pub struct Client(pub ClientMeta);

impl Client {
    /// The client IP as the server trusts it: the socket's peer, or behind
    /// proxies of ours (`TRUST_PROXY_HEADERS`) the address that the
    /// outermost of the `TRUSTED_PROXY_HOPS` proxies saw.
    fn ip(req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr().map(|addr| addr.ip());
        match req.app_data::<web::Data<AppState>>() {
            Some(state) if state.config.trust_proxy_headers => {
                forwarded_client(req.headers(), state.config.trusted_proxy_hops).or(peer)
            }
            _ => peer,
        }
    }
}

/// The address `hops` entries from the right of `X-Forwarded-For` (all of
/// its headers read as one list).
///
/// Each proxy appends the address it received the request from, so the
/// right-most `hops` entries are written by our own proxies and everything
/// left of them by the client, who may write anything there: the left-most
/// entry is never to be trusted. With fewer entries than hops the request
/// passed fewer proxies, and the left-most entry is the one the first of
/// them wrote. `None` when there is no entry or it is not an address.
fn forwarded_client(headers: &header::HeaderMap, hops: usize) -> Option<IpAddr> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    let entry = entries.get(entries.len().saturating_sub(hops))?;
    entry.parse().ok()
}

impl FromRequest for Client {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect());
        ready(Ok(Self(ClientMeta {
            ip_address: Self::ip(req).map(|ip| ip.to_string()),
            user_agent,
        })))
    }
}

#[cfg(test)]
mod forwarded_tests {
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(value).expect("header"),
            );
        }
        map
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn the_client_ip_is_counted_from_the_right_never_the_left_most_entry() {
        // The client wrote "6.6.6.6"; our one proxy appended what it saw.
        let forged = headers(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(forwarded_client(&forged, 1), ip("203.0.113.7"));
        // Two proxies of ours: the outer one saw the client.
        let two = headers(&["6.6.6.6, 203.0.113.7", "10.0.0.2"]);
        assert_eq!(forwarded_client(&two, 2), ip("203.0.113.7"));
        assert_eq!(forwarded_client(&two, 1), ip("10.0.0.2"));
    }

    #[test]
    fn fewer_entries_than_hops_take_the_left_most_and_garbage_takes_none() {
        assert_eq!(
            forwarded_client(&headers(&["198.51.100.1"]), 3),
            ip("198.51.100.1")
        );
        assert_eq!(forwarded_client(&headers(&["1.1.1.1, not-an-ip"]), 1), None);
        assert_eq!(forwarded_client(&HeaderMap::new(), 1), None);
    }
}
