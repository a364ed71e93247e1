//! The real server binary as a child process on a port of its own, and a
//! small HTTP client for it (awc, so the tests run under
//! `#[actix_web::test]`).
//!
//! Include it with `#[path = "support/server_process.rs"] mod server_process;`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use actix_web::http::Method;
use serde_json::Value;
use tests::TestResponse;

/// A server process; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub address: String,
}

impl Server {
    /// Starts `binary` on `database_url`, listening on a free loopback
    /// port, with `env` on top of the basics (`RUST_LOG=error`). The
    /// database must be migrated already: several servers starting at once
    /// would race to migrate it.
    pub fn start(binary: &str, database_url: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let child = Command::new(binary)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RUST_LOG", "error")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits (up to 30 s) until `GET /health` answers `200`.
    pub async fn until_healthy(&mut self, client: &awc::Client) {
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server on {} exited: {status}", self.address);
            }
            let health = client.get(format!("{}/health", self.address)).send().await;
            if health.is_ok_and(|res| res.status().is_success()) {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server on {} never became healthy", self.address);
    }

    /// A request to `path` on this server.
    pub fn request(&self, client: &awc::Client, method: Method, path: &str) -> awc::ClientRequest {
        client.request(method, format!("{}{path}", self.address))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now: bound, read, and let go.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("bound").port()
}

/// A client for the servers: a generous timeout, no redirects.
pub fn client() -> awc::Client {
    awc::Client::builder()
        .add_default_header(("User-Agent", "todo-tests/1"))
        .timeout(Duration::from_secs(30))
        .disable_redirects()
        .finish()
}

/// Sends `req`, with `body` as JSON if given.
pub async fn send(req: awc::ClientRequest, body: Option<&Value>) -> TestResponse {
    let sent = match body {
        Some(body) => req.send_json(body).await,
        None => req.send().await,
    };
    let mut res = sent.unwrap_or_else(|e| panic!("request failed: {e}"));
    let body = res.body().limit(16 * 1024 * 1024).await.expect("read body");
    TestResponse {
        status: res.status(),
        headers: res.headers().clone(),
        body,
    }
}
