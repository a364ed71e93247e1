//! Shared pieces of handler documentation and answers.

/// The content type of every error answer, for `#[utoipa::path]` responses.
pub const PROBLEM: &str = "application/problem+json";
