//! The server binary with `LOG_FORMAT=json`: every line it writes is one
//! JSON object, and a request's access line carries its request id.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The server, stopped when dropped.
struct Server {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<Value>,
}

impl Server {
    fn start(dir: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_api"))
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/todo.db?mode=rwc", dir.display()),
            )
            .env("PORT", "0")
            .env("BCRYPT_COST", "4")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines (each must be a JSON object) until one satisfies `wanted`.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no line with {what}; lines so far: {:#?}", self.seen));
            let json: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
            for member in ["timestamp", "level", "target", "message"] {
                assert!(json[member].is_string(), "{member} missing: {line}");
            }
            self.seen.push(json.clone());
            if wanted(&json) {
                return json;
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` over plain HTTP/1.1 with `X-Request-Id: id`; the status line.
fn get(port: u16, path: &str, id: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: log-test/1\r\n\
         X-Request-Id: {id}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn json_logs_are_one_object_per_line_and_access_lines_carry_the_request_id() {
    let dir = std::env::temp_dir().join(format!("json-log-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = Server::start(&dir);

    let listening = server.wait_for("the port", |line| {
        line["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("listening on port "))
    });
    assert_eq!(listening["level"], "INFO");
    let port: u16 = listening["message"]
        .as_str()
        .and_then(|m| m.rsplit(' ').next())
        .and_then(|p| p.parse().ok())
        .expect("a port");

    let id = format!("log-test-{}", uuid::Uuid::now_v7());
    let status = get(port, "/api/v1/nowhere?x=1", &id);
    assert!(status.contains(" 404 "), "{status}");

    let access = server.wait_for("the request id", |line| line["request_id"] == id.as_str());
    assert_eq!(access["target"], "access");
    assert_eq!(access["method"], "GET");
    assert_eq!(access["path"], "/api/v1/nowhere");
    assert_eq!(access["status"], 404);
    assert!(access["duration_ms"].as_f64().is_some(), "{access}");
    assert_eq!(access["client_ip"], "127.0.0.1");
    assert_eq!(access["user_agent"], "log-test/1");
    let message = access["message"].as_str().expect("message");
    assert!(message.contains(&format!("request_id={id}")), "{message}");

    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
