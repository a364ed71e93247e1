//! Access tokens: HS256 JWTs carrying the user id, the session id and the
//! admin flag, signed and verified with the server's secret.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ErrorKind};

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The session (refresh-token) id the token was issued with.
    pub sid: Uuid,
    /// Whether the user was an admin when the token was issued.
    pub adm: bool,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// Signing and verification keys for access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Keys from the shared secret; tokens live for `ttl`.
    #[must_use]
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        // Only HS256 is accepted: `alg: none` and every other algorithm fail.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// The lifetime of new tokens.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Signs an access token for `user_id` in session `session_id`.
    ///
    /// # Errors
    /// `500` if signing fails (it does not with an HMAC key).
    pub fn issue(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        is_admin: bool,
    ) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            sid: session_id,
            adm: is_admin,
            iat: now,
            exp: now + i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(&e))
    }

    /// Verifies a token's algorithm, signature and expiry.
    ///
    /// # Errors
    /// `401` for any token that does not verify.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                let detail = match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                        "the access token has expired"
                    }
                    _ => "the access token is invalid",
                };
                ApiError::new(ErrorKind::Unauthorized, detail)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60))
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let keys = keys();
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let token = keys.issue(user, session, true).expect("signs");
        let claims = keys.verify(&token).expect("verifies");
        assert_eq!((claims.sub, claims.sid, claims.adm), (user, session, true));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_rejected() {
        let other = JwtKeys::new(b"another-secret-another-secret-xx", Duration::from_secs(60));
        let token = other
            .issue(Uuid::now_v7(), Uuid::now_v7(), false)
            .expect("signs");
        assert_eq!(
            keys().verify(&token).expect_err("rejected").kind(),
            ErrorKind::Unauthorized
        );
    }
}
