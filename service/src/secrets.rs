//! Secrets handed to clients once and stored only as a digest: refresh
//! tokens, the tokens in mail links, API keys.
//!
//! A secret is 256 random bits from the operating system's generator, so a
//! plain SHA-256 is the right digest: there is nothing to brute-force that
//! a slow hash would protect, and a lookup by digest is one index probe.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sha2::{Digest, Sha256};

/// 256 random bits as URL-safe base64 without padding: 43 characters that
/// stand in a link's query string as they are.
#[must_use]
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret: its SHA-256, in hex (64 characters).
#[must_use]
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_bits_in_url_safe_text() {
        let token = new_token();
        assert_eq!(token.len(), 43);
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        let bytes = URL_SAFE_NO_PAD.decode(&token).expect("decodes");
        assert_eq!(bytes.len(), 32);
        assert_ne!(new_token(), token);
    }

    #[test]
    fn digests_are_hex_sha256() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
