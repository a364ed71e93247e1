//! A small SMTP server on a local port that keeps what it is sent.
//!
//! It speaks what a client such as lettre needs (`EHLO`/`HELO`, `MAIL FROM`,
//! `RCPT TO`, `DATA`, `RSET`, `NOOP`, `QUIT`; no TLS, no `AUTH`), stores each
//! message with its envelope, and can be told to refuse mail with a reply
//! code of the test's choice (`451` to be tried again later, `554` for
//! good) or to stop listening and come back on the same port.
//!
//! Include it with `#[path = "../support/smtp_sink.rs"] mod smtp_sink;` from
//! a test binary's `main.rs`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

/// One message the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The reverse path of `MAIL FROM`, without angle brackets.
    pub mail_from: String,
    /// The forward paths of `RCPT TO`, without angle brackets.
    pub rcpt_to: Vec<String>,
    /// The message as sent after `DATA`, dot-stuffing undone, CRLF kept.
    pub data: String,
}

impl Received {
    /// The first header `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        header_in(head_of(&self.data), name)
    }

    /// The decoded body of the first MIME part whose type is `mime_type`.
    pub fn part(&self, mime_type: &str) -> Option<String> {
        let content_type = self.header("Content-Type")?;
        let boundary = content_type
            .split(';')
            .filter_map(|param| param.trim().strip_prefix("boundary="))
            .next()?
            .trim_matches('"')
            .to_owned();
        let delimiter = format!("--{boundary}");
        self.data
            .split(delimiter.as_str())
            .skip(1)
            .find_map(|part| {
                let part = part.strip_prefix("\r\n")?;
                let head = head_of(part);
                let kind = header_in(head, "Content-Type")?;
                if !kind.to_ascii_lowercase().starts_with(mime_type) {
                    return None;
                }
                let body = part.get(head.len() + 4..).unwrap_or("");
                let body = body.strip_suffix("\r\n").unwrap_or(body);
                let encoding = header_in(head, "Content-Transfer-Encoding").unwrap_or_default();
                Some(decode(body, &encoding))
            })
    }
}

/// The header block of `message`: everything before the first empty line.
fn head_of(message: &str) -> &str {
    message
        .find("\r\n\r\n")
        .map_or(message, |end| &message[..end])
}

fn header_in(head: &str, name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for line in head.split("\r\n") {
        if let Some(value) = found.as_mut() {
            if line.starts_with([' ', '\t']) {
                value.push(' ');
                value.push_str(line.trim());
                continue;
            }
            break;
        }
        if let Some((key, value)) = line.split_once(':')
            && key.eq_ignore_ascii_case(name)
        {
            found = Some(value.trim().to_owned());
        }
    }
    found
}

fn decode(body: &str, encoding: &str) -> String {
    use base64::Engine;
    match encoding.to_ascii_lowercase().as_str() {
        "base64" => {
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("valid base64 body");
            String::from_utf8(bytes).expect("utf-8 body")
        }
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_owned(),
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let unfolded = body.replace("=\r\n", "");
    let bytes = unfolded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = unfolded.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("utf-8 body")
}

/// What the sink answers to `MAIL FROM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Accept,
    Refuse(u16),
}

#[derive(Debug)]
struct State {
    messages: Mutex<Vec<Received>>,
    mode: Mutex<Mode>,
    arrived: Notify,
}

/// The server; it stops when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    addr: SocketAddr,
    state: Arc<State>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl SmtpSink {
    /// Starts a sink on a free port of 127.0.0.1, accepting everything.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("the sink's address");
        let state = Arc::new(State {
            messages: Mutex::new(Vec::new()),
            mode: Mutex::new(Mode::Accept),
            arrived: Notify::new(),
        });
        let server = tokio::spawn(serve(listener, Arc::clone(&state)));
        Self {
            addr,
            state,
            server: Mutex::new(Some(server)),
        }
    }

    /// `smtp://127.0.0.1:<port>`, for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// From now on, answers `MAIL FROM` with `code` (`451`, `554`, …).
    pub fn refuse(&self, code: u16) {
        *self.state.mode.lock().expect("mode") = Mode::Refuse(code);
    }

    /// From now on, accepts mail again.
    pub fn accept(&self) {
        *self.state.mode.lock().expect("mode") = Mode::Accept;
    }

    /// Stops listening and drops every open connection: clients get
    /// "connection refused" until [`SmtpSink::resume`].
    pub async fn stop(&self) {
        let server = self.server.lock().expect("server").take();
        if let Some(server) = server {
            // Dropping the accept loop drops its set of connection tasks,
            // which aborts them; awaiting it makes sure the port is closed.
            server.abort();
            let _ = server.await;
        }
    }

    /// Listens again on the same port.
    pub async fn resume(&self) {
        self.stop().await;
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(_) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("cannot listen on {} again: {e}", self.addr),
            }
        };
        let server = tokio::spawn(serve(listener, Arc::clone(&self.state)));
        *self.server.lock().expect("server") = Some(server);
    }

    /// Every message accepted so far, in order of arrival.
    pub fn messages(&self) -> Vec<Received> {
        self.state.messages.lock().expect("messages").clone()
    }

    /// Waits until at least `count` messages arrived (panics after `within`).
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let waiting = async {
            loop {
                let arrived = self.state.arrived.notified();
                let messages = self.messages();
                if messages.len() >= count {
                    return messages;
                }
                arrived.await;
            }
        };
        tokio::time::timeout(within, waiting)
            .await
            .unwrap_or_else(|_| panic!("{count} messages did not arrive within {within:?}"))
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Ok(mut server) = self.server.lock()
            && let Some(server) = server.take()
        {
            server.abort();
        }
    }
}

async fn serve(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        connections.spawn(session(stream, Arc::clone(&state)));
        // Forget the sessions that ended.
        while connections.try_join_next().is_some() {}
    }
}

/// One SMTP session; ends at `QUIT`, at end of input or on an I/O error.
async fn session(stream: TcpStream, state: Arc<State>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if write
        .write_all(b"220 sink.test ESMTP ready\r\n")
        .await
        .is_err()
    {
        return;
    }
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let answer: String = match verb.as_str() {
            "EHLO" => "250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760".into(),
            "HELO" => "250 sink.test".into(),
            "MAIL" => {
                let mode = *state.mode.lock().expect("mode");
                match mode {
                    Mode::Refuse(code) => format!("{code} sink told to refuse mail"),
                    Mode::Accept => {
                        mail_from = Some(path_of(&command));
                        rcpt_to.clear();
                        "250 OK".into()
                    }
                }
            }
            "RCPT" if mail_from.is_some() => {
                rcpt_to.push(path_of(&command));
                "250 OK".into()
            }
            "RCPT" => "503 MAIL first".into(),
            "DATA" if mail_from.is_some() && !rcpt_to.is_empty() => {
                if write
                    .write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let Some(data) = read_data(&mut lines).await else {
                    return;
                };
                let received = Received {
                    mail_from: mail_from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                };
                let number = {
                    let mut messages = state.messages.lock().expect("messages");
                    messages.push(received);
                    messages.len()
                };
                state.arrived.notify_waiters();
                format!("250 OK queued as {number}")
            }
            "DATA" => "503 MAIL and RCPT first".into(),
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                "250 OK".into()
            }
            "NOOP" => "250 OK".into(),
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => "502 command not implemented".into(),
        };
        if write
            .write_all(format!("{answer}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

/// The text of `DATA` up to the line holding a single dot, unstuffed.
async fn read_data<R>(lines: &mut R) -> Option<String>
where
    R: AsyncBufReadExt + Unpin,
{
    let mut data = String::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        let text = String::from_utf8_lossy(&line);
        if text == ".\r\n" || text == ".\n" {
            return Some(data);
        }
        data.push_str(text.strip_prefix('.').unwrap_or(&text));
    }
}

/// `<a@b>` out of `MAIL FROM:<a@b> SIZE=…` or `RCPT TO:<a@b>`.
fn path_of(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(path, _)| path.to_owned())
        .unwrap_or_default()
}
