//! Who is acting, and from where: carried into audit rows and sessions.

/// The client a request came from.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    /// The client's IP address (the socket peer, or the proxy's `X-Forwarded-For`).
    pub ip_address: Option<String>,
    /// The `User-Agent` header, truncated to 512 characters.
    pub user_agent: Option<String>,
}
