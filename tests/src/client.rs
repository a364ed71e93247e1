//! The real server on a real socket, and a small client for it.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::{Method, StatusCode, header::HeaderMap};
use actix_web::web::Bytes;
use api::config::Config;
use api::state::AppState;
use sea_orm::DatabaseConnection;
use serde_json::Value;

use crate::db::TestDb;

/// A running server on its own fresh database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The server's state: its pool and configuration.
    pub state: AppState,
    client: awc::Client,
    handle: ServerHandle,
    // Dropped last: the database outlives the server that uses it (`None`
    // for a server beside another, which owns it).
    _database: Option<TestDb>,
}

/// What the server answered.
#[derive(Debug)]
pub struct TestResponse {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl TestResponse {
    /// The body as JSON (panics with the body text when it is not JSON).
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {:?} (status {})",
                String::from_utf8_lossy(&self.body),
                self.status
            )
        })
    }

    /// The body as text.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header as text, if present.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// The number of SQL statements from `Server-Timing: db;dur=…;desc="N queries"`.
    #[must_use]
    pub fn statements(&self) -> u64 {
        let timing = self
            .header("server-timing")
            .expect("every response carries Server-Timing");
        let desc = timing
            .split("desc=\"")
            .nth(1)
            .expect("Server-Timing has a desc");
        desc.split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count in {timing:?}"))
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// Asserts a problem+json error with the given status and `code`, and returns its body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        self.assert_status(status);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "error bodies are problem+json"
        );
        let body = self.json();
        assert_eq!(body["status"], status, "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert!(
            body["request_id"].is_string(),
            "problem carries request_id: {body}"
        );
        assert_eq!(
            body["request_id"].as_str(),
            self.header("x-request-id").as_deref(),
            "request_id matches X-Request-Id"
        );
        body
    }
}

/// The configuration every test server starts from: cheap hashing, a fixed
/// secret, no rate limit, and a short pool wait so outages answer quickly.
#[must_use]
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::from_lookup(|name| match name {
        "JWT_SECRET" => Some("test-secret-that-is-at-least-32-bytes-long".to_owned()),
        "BCRYPT_COST" => Some("4".to_owned()),
        "AUTH_RATE_LIMIT_PER_MINUTE" => Some("0".to_owned()),
        _ => None,
    })
    .expect("test configuration is valid");
    config.database_url = database_url.into();
    config.host = "127.0.0.1".to_owned();
    config.port = 0;
    config.db.max_connections = 5;
    config.db.acquire_timeout = Duration::from_secs(2);
    config.db.connect_timeout = Duration::from_secs(2);
    config
}

impl TestApp {
    /// A server on a fresh, migrated database with the test configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`TestApp::spawn`], with the configuration adjusted first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(TestDb::fresh().await, adjust).await
    }

    /// A server whose requests really run at once on every engine: on
    /// SQLite a database file with the server's own pool of several
    /// connections (WAL), instead of one in-memory connection.
    pub async fn spawn_concurrent() -> Self {
        Self::spawn_on(TestDb::fresh_file().await, |config| {
            config.db.max_connections = 8;
            config.db.acquire_timeout = Duration::from_secs(10);
        })
        .await
    }

    async fn spawn_on(database: TestDb, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config(&database.url);
        adjust(&mut config);
        Self::start(config, Some(database)).await
    }

    /// A server on a fresh, migrated PostgreSQL database (`TEST_DATABASE_URL`)
    /// that reads from a streaming replica of it: the same database on the
    /// replica server `replica` (`postgres://user@host:port`).
    ///
    /// # Panics
    /// When `replica` is not a URL.
    pub async fn spawn_with_replica(replica: &str, adjust: impl FnOnce(&mut Config)) -> Self {
        let database = TestDb::fresh().await;
        let mut url = url::Url::parse(replica).expect("the replica's URL");
        let primary = url::Url::parse(&database.url).expect("the database's URL");
        url.set_path(primary.path());
        let mut config = test_config(&database.url);
        config.replica_urls = vec![url.to_string().into()];
        adjust(&mut config);
        Self::start(config, Some(database)).await
    }

    /// Another server on this one's database (and replicas), as a second
    /// instance behind a load balancer would be.
    pub async fn spawn_beside(&self, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = (*self.state.config).clone();
        adjust(&mut config);
        Self::start(config, None).await
    }

    async fn start(config: Config, database: Option<TestDb>) -> Self {
        // The server's log, when a run asks for it (`RUST_LOG=error cargo test … -- --nocapture`).
        let _ = env_logger::builder().is_test(true).try_init();
        let state = api::startup::prepare(config)
            .await
            .unwrap_or_else(|e| panic!("cannot prepare the app: {e}"));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().expect("bound").port();
        let server = api::startup::Application::serve(state.clone(), listener, Some(1))
            .expect("server builds");
        let handle = server.handle();
        actix_web::rt::spawn(server.run_until_stopped());
        Self {
            address: format!("http://127.0.0.1:{port}"),
            state,
            client: awc::Client::builder()
                .add_default_header(("User-Agent", "todo-tests/1"))
                .timeout(Duration::from_secs(30))
                .disable_redirects()
                .finish(),
            handle,
            _database: database,
        }
    }

    /// The server's connection pool, for arranging rows directly.
    #[must_use]
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// A request to `path` (absolute, e.g. `/api/v1/todos`), ready to send with [`TestApp::send`].
    #[must_use]
    pub fn request(&self, method: Method, path: &str) -> awc::ClientRequest {
        self.client
            .request(method, format!("{}{path}", self.address))
    }

    /// Sends `req`, with `body` as JSON if given.
    pub async fn send(&self, req: awc::ClientRequest, body: Option<&Value>) -> TestResponse {
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

    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(self.request(Method::GET, path), None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.send(self.request(Method::POST, path), Some(body))
            .await
    }

    /// `POST path` with a raw body and content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> TestResponse {
        let res = self
            .request(Method::POST, path)
            .content_type(content_type)
            .send_body(body)
            .await;
        let mut res = res.unwrap_or_else(|e| panic!("request failed: {e}"));
        let body = res.body().limit(16 * 1024 * 1024).await.expect("read body");
        TestResponse {
            status: res.status(),
            headers: res.headers().clone(),
            body,
        }
    }
}

/// A registered, logged-in user.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// User id.
    pub id: uuid::Uuid,
    /// E-mail address.
    pub email: String,
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// A valid access token.
    pub token: String,
    /// The refresh token of the login.
    pub refresh_token: String,
}

/// The password every [`TestApp::signup`] user gets.
pub const PASSWORD: &str = "correct-horse-1";

impl TestApp {
    /// `method path` as `token`'s user, with `body` as JSON if given.
    pub async fn call_as(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> TestResponse {
        let req = self.request(method, path).bearer_auth(token);
        self.send(req, body).await
    }

    /// `GET path` as `user`.
    pub async fn get_as(&self, user: &TestUser, path: &str) -> TestResponse {
        self.call_as(Method::GET, path, &user.token, None).await
    }

    /// `POST path` as `user`.
    pub async fn post_as(&self, user: &TestUser, path: &str, body: &Value) -> TestResponse {
        self.call_as(Method::POST, path, &user.token, Some(body))
            .await
    }

    /// `PATCH path` as `user`.
    pub async fn patch_as(&self, user: &TestUser, path: &str, body: &Value) -> TestResponse {
        self.call_as(Method::PATCH, path, &user.token, Some(body))
            .await
    }

    /// `DELETE path` as `user`.
    pub async fn delete_as(&self, user: &TestUser, path: &str) -> TestResponse {
        self.call_as(Method::DELETE, path, &user.token, None).await
    }

    /// `POST /api/v1/auth/register`.
    pub async fn register(&self, email: &str, username: &str, password: &str) -> TestResponse {
        self.post(
            "/api/v1/auth/register",
            &serde_json::json!({ "email": email, "username": username, "password": password }),
        )
        .await
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post(
            "/api/v1/auth/login",
            &serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Registers `name` (`name@example.com`, password [`PASSWORD`]) and logs in.
    pub async fn signup(&self, name: &str) -> TestUser {
        let email = format!("{name}@example.com");
        let registered = self.register(&email, name, PASSWORD).await;
        registered.assert_status(201);
        let tokens = self.login(&email, PASSWORD).await;
        tokens.assert_status(200);
        let tokens = tokens.json();
        TestUser {
            id: registered.json()["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .expect("user id"),
            email,
            username: name.to_owned(),
            password: PASSWORD.to_owned(),
            token: tokens["access_token"].as_str().expect("token").to_owned(),
            refresh_token: tokens["refresh_token"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
        }
    }

    /// Registers `name` and makes them an admin (as the operator command does), then logs in.
    pub async fn signup_admin(&self, name: &str) -> TestUser {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let user = self.signup(name).await;
        entity::user::ActiveModel {
            id: Set(user.id),
            is_admin: Set(true),
            ..Default::default()
        }
        .update(self.db())
        .await
        .expect("promote to admin");
        let tokens = self.login(&user.email, PASSWORD).await.json();
        TestUser {
            token: tokens["access_token"].as_str().expect("token").to_owned(),
            refresh_token: tokens["refresh_token"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
            ..user
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stop accepting; the System ending with the test stops the workers.
        drop(actix_web::rt::spawn(
            async move { handle.stop(false).await },
        ));
    }
}
