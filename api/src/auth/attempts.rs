//! The extractors that count attempts to prove a password against the
//! auth rate limit (`service::throttle`), in the database: logins,
//! registrations and the mail-link token routes per client IP
//! ([`AuthAttempt`]), password proofs behind an access token per account
//! and per client IP ([`PasswordAttempt`]).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use service::throttle::{Attempter, Verdict};

use super::{AuthUser, Client, authenticate};
use crate::error::ApiError;
use crate::state::AppState;

/// Counts one login or register attempt (or one use of a mail-link token)
/// against the client's IP; `429` with `Retry-After` past
/// `AUTH_RATE_LIMIT_PER_MINUTE`, `503` when the database cannot count it.
#[derive(Debug, Clone, Copy)]
pub struct AuthAttempt;

impl FromRequest for AuthAttempt {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let attempters: Vec<Attempter> = Client::ip(req).map(Attempter::Ip).into_iter().collect();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(&"application state missing"))?;
            count_attempt(&state, attempters).await?;
            Ok(Self)
        })
    }
}

/// An authenticated caller about to prove their password again (changing
/// it, deleting the account). A stolen access token must not buy unlimited
/// guesses: each attempt counts against the account and against the
/// client's IP, in the buckets logins use; past `AUTH_RATE_LIMIT_PER_MINUTE`
/// either way, `429` with `Retry-After`, before any password is checked.
///
/// Every attempt counts, right or wrong: a bucket cannot be peeked at, and
/// a guess refused only after it was checked would still tell a right
/// password from a wrong one. Proving one's password is rare enough that
/// the honest caller never meets the limit.
#[derive(Debug, Clone, Copy)]
pub struct PasswordAttempt(pub AuthUser);

impl FromRequest for PasswordAttempt {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = authenticate(req);
        let ip = Client::ip(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let caller = caller?;
            let state = state.ok_or_else(|| ApiError::internal(&"application state missing"))?;
            let mut attempters = vec![Attempter::User(caller.id)];
            attempters.extend(ip.map(Attempter::Ip));
            count_attempt(&state, attempters).await?;
            Ok(Self(caller))
        })
    }
}

/// Counts one attempt against each of `attempters` in the database (none
/// without a limit): `429` with `Retry-After` from the first that refuses it.
async fn count_attempt(
    state: &web::Data<AppState>,
    attempters: Vec<Attempter>,
) -> Result<(), ApiError> {
    let Some(limit) = state.auth_limit else {
        return Ok(());
    };
    if attempters.is_empty() {
        return Ok(());
    }
    // A task of its own, as for `AdminUser`: a statement cut off half-way,
    // when another extractor refuses the request, would cost its
    // connection; and the attempt counts all the same.
    let db = state.db.clone();
    let counted = async move { limit.attempt(&db, &attempters).await };
    let verdict = actix_web::rt::spawn(counted)
        .await
        .map_err(|e| ApiError::internal(&e))??;
    match verdict {
        Verdict::Allowed => Ok(()),
        Verdict::Refused { retry_after_secs } => Err(ApiError::rate_limited(retry_after_secs)),
    }
}
