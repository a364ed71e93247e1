//! The server's log: a human-readable line per event (`LOG_FORMAT=text`, the
//! default), or one JSON object per line (`LOG_FORMAT=json`) for log
//! collectors.
//!
//! Every line, application and access alike, goes through the `log` crate
//! and `env_logger` (`RUST_LOG` filters as usual). A JSON line carries
//! `timestamp` (RFC 3339, UTC, milliseconds), `level`, `target` and
//! `message`, then the event's structured fields (`log`'s key-values) as
//! members of their own. The access line of each request (target
//! [`ACCESS_TARGET`]) has `request_id`, `method`, `path`, `status`,
//! `duration_ms`, `client_ip` and `user_agent`, so a `request_id` quoted from
//! an error body finds its line; in text, the same id ends the message.

use std::fmt;
use std::io::Write as _;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use log::kv::{self, Key, Value, VisitSource, VisitValue};
use serde_json::Value as Json;

/// The target of access lines: `RUST_LOG=info,access=warn` silences them.
pub const ACCESS_TARGET: &str = "access";

/// The filter when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm_migration=warn";

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// `env_logger`'s line for people reading a terminal.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err("expected text or json".to_owned()),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text => "text",
            Self::Json => "json",
        })
    }
}

/// Installs the process's logger (once, at start), filtered by `RUST_LOG`.
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(DEFAULT_FILTER));
    if format == LogFormat::Json {
        builder.format(|out, record| writeln!(out, "{}", json_line(record, Utc::now())));
    }
    builder.init();
}

/// The members every JSON line starts with, in this order.
const OWN_MEMBERS: [&str; 4] = ["timestamp", "level", "target", "message"];

/// One log record as a JSON object on one line (no newline): its own
/// members first, then its fields in the order they were given.
#[must_use]
pub fn json_line(record: &log::Record<'_>, now: DateTime<Utc>) -> String {
    let own = [
        Json::from(now.to_rfc3339_opts(SecondsFormat::Millis, true)),
        Json::from(record.level().as_str()),
        Json::from(record.target()),
        Json::from(record.args().to_string()),
    ];
    let mut fields = Fields(Vec::new());
    // A field that cannot be read is left out; the line itself still goes out.
    let _ = record.key_values().visit(&mut fields);
    let members = OWN_MEMBERS
        .into_iter()
        .map(str::to_owned)
        .zip(own)
        // A field does not replace one of the line's own members.
        .chain(
            fields
                .0
                .into_iter()
                .filter(|(key, _)| !OWN_MEMBERS.contains(&key.as_str())),
        )
        .map(|(key, value)| format!("{}:{value}", Json::from(key)));
    format!("{{{}}}", members.collect::<Vec<_>>().join(","))
}

/// Collects a record's key-values as JSON members.
struct Fields(Vec<(String, Json)>);

impl<'kvs> VisitSource<'kvs> for Fields {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        let mut json = ToJson(Json::Null);
        value.visit(&mut json)?;
        self.0.push((key.as_str().to_owned(), json.0));
        Ok(())
    }
}

/// `VisitValue` methods that store the value as the JSON it converts to.
macro_rules! visit_as_json {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method(&mut self, value: $ty) -> Result<(), kv::Error> {
                self.0 = value.into();
                Ok(())
            }
        )*
    };
}

/// One key-value's value as JSON: numbers, booleans and strings as
/// themselves, anything else as its text.
struct ToJson(Json);

impl VisitValue<'_> for ToJson {
    fn visit_any(&mut self, value: Value<'_>) -> Result<(), kv::Error> {
        self.0 = value.to_string().into();
        Ok(())
    }

    fn visit_null(&mut self) -> Result<(), kv::Error> {
        self.0 = Json::Null;
        Ok(())
    }

    visit_as_json!(
        visit_u64: u64,
        visit_i64: i64,
        visit_f64: f64,
        visit_bool: bool,
        visit_str: &str,
    );
}

/// What the access line of one request says.
#[derive(Debug, Clone)]
pub struct Access<'a> {
    /// The id in `X-Request-Id` and in problem bodies.
    pub request_id: &'a str,
    /// The request's method.
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The request target as sent: path and query.
    pub target: &'a str,
    /// `HTTP/1.1`, `HTTP/2.0`…
    pub version: &'a str,
    /// The answer's status code.
    pub status: u16,
    /// The body's size, when known before it is sent.
    pub bytes: Option<u64>,
    /// Time to the answer's head, in milliseconds.
    pub duration_ms: f64,
    /// The client's address as the server trusts it (see `TRUST_PROXY_HEADERS`).
    pub client_ip: Option<&'a str>,
    /// The `User-Agent` header.
    pub user_agent: Option<&'a str>,
}

impl Access<'_> {
    /// The line's message: `ip "METHOD target VERSION" status bytes duration
    /// "user agent" request_id=…`.
    #[must_use]
    pub fn message(&self) -> String {
        format!(
            "{} \"{} {} {}\" {} {} {:.1}ms {:?} request_id={}",
            self.client_ip.unwrap_or("-"),
            self.method,
            self.target,
            self.version,
            self.status,
            self.bytes.map_or_else(|| "-".to_owned(), |b| b.to_string()),
            self.duration_ms,
            self.user_agent.unwrap_or("-"),
            self.request_id,
        )
    }

    /// Writes the access line, with its fields.
    pub fn log(&self) {
        log::info!(
            target: ACCESS_TARGET,
            request_id = self.request_id,
            method = self.method,
            path = self.path,
            status = self.status,
            duration_ms = self.duration_ms,
            client_ip = self.client_ip,
            user_agent = self.user_agent;
            "{}",
            self.message()
        );
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
            .single()
            .expect("valid time")
    }

    fn parse(line: &str) -> Json {
        assert!(!line.contains('\n'), "one line: {line}");
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    #[test]
    fn an_application_line_has_time_level_target_and_message() {
        let line = json_line(
            &log::Record::builder()
                .level(log::Level::Warn)
                .target("api::startup")
                .args(format_args!("say \"hi\"\nthen\tleave \u{1}"))
                .build(),
            at(),
        );
        let json = parse(&line);
        assert_eq!(json["timestamp"], "2026-11-23T10:00:00.000Z");
        assert_eq!(json["level"], "WARN");
        assert_eq!(json["target"], "api::startup");
        assert_eq!(json["message"], "say \"hi\"\nthen\tleave \u{1}");
    }

    #[test]
    fn fields_become_members_of_their_own_type() {
        let fields: &[(&str, Value<'_>)] = &[
            ("request_id", Value::from("0193-abc")),
            ("status", Value::from(404_u16)),
            ("duration_ms", Value::from(1.5_f64)),
            ("user_agent", Value::from_display(&"curl/8")),
            ("client_ip", Value::null()),
            ("message", Value::from("not the message")),
        ];
        let line = json_line(
            &log::Record::builder()
                .level(log::Level::Info)
                .target(ACCESS_TARGET)
                .args(format_args!("the message"))
                .key_values(&fields)
                .build(),
            at(),
        );
        assert!(line.starts_with("{\"timestamp\":"), "{line}");
        let json = parse(&line);
        assert_eq!(json["request_id"], "0193-abc");
        assert_eq!(json["status"], 404);
        assert_eq!(json["duration_ms"], 1.5);
        assert_eq!(json["user_agent"], "curl/8");
        assert!(json["client_ip"].is_null());
        assert_eq!(
            json["message"], "the message",
            "a field does not replace the message"
        );
    }

    fn access() -> Access<'static> {
        Access {
            request_id: "0193a5c4-req",
            method: "GET",
            path: "/api/v1/todos",
            target: "/api/v1/todos?page=2",
            version: "HTTP/1.1",
            status: 200,
            bytes: Some(512),
            duration_ms: 2.04,
            client_ip: Some("203.0.113.7"),
            user_agent: Some("todo-web/3 \"beta\""),
        }
    }

    #[test]
    fn the_access_message_ends_with_the_request_id() {
        assert_eq!(
            access().message(),
            "203.0.113.7 \"GET /api/v1/todos?page=2 HTTP/1.1\" 200 512 2.0ms \
             \"todo-web/3 \\\"beta\\\"\" request_id=0193a5c4-req"
        );
        let unknown = Access {
            bytes: None,
            client_ip: None,
            user_agent: None,
            ..access()
        };
        assert!(
            unknown.message().starts_with("- \"GET")
                && unknown.message().contains(" - 2.0ms \"-\" "),
            "{}",
            unknown.message()
        );
    }

    #[test]
    fn log_formats_are_text_or_json() {
        assert_eq!("JSON".parse(), Ok(LogFormat::Json));
        assert_eq!(" text ".parse(), Ok(LogFormat::Text));
        assert!("yaml".parse::<LogFormat>().is_err());
        assert_eq!(LogFormat::default(), LogFormat::Text);
    }
}
