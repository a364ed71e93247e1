//! The loader's refusals, and the checks that hold the README's table and
//! `.env.example` to [`VARIABLES`]: one file, as they share the helpers that
//! read the loader's names.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use secrecy::ExposeSecret as _;

use super::*;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn defaults_need_no_variables() {
    let cfg = config(&[]).expect("defaults are valid");
    assert_eq!(cfg.database_url.as_str(), DEFAULT_DATABASE_URL);
    assert_eq!(cfg.bind_address(), "127.0.0.1:8080");
    assert!(cfg.auto_migrate);
    assert!(cfg.jwt_secret_generated);
    assert!(cfg.jwt_secret.expose_secret().len() >= MIN_JWT_SECRET_BYTES);
    assert_eq!(cfg.auth_rate_limit_per_minute, 20);
    assert_eq!(cfg.access_token_ttl, Duration::from_secs(900));
}

#[test]
fn a_short_jwt_secret_is_refused() {
    let err = config(&[("JWT_SECRET", "short")]).expect_err("too short");
    assert!(err.to_string().contains("JWT_SECRET"));
    assert!(
        !err.to_string().contains("short\""),
        "the secret is not echoed"
    );
}

#[test]
fn an_unparsable_value_names_its_variable() {
    let err = config(&[("PORT", "eighty")]).expect_err("not a number");
    assert!(err.to_string().starts_with("PORT="));
    let err = config(&[("AUTO_MIGRATE", "maybe")]).expect_err("not a bool");
    assert!(err.to_string().starts_with("AUTO_MIGRATE="));
}

#[test]
fn cors_origins_are_a_comma_separated_list() {
    let cfg = config(&[(
        "CORS_ALLOWED_ORIGINS",
        "https://a.example, https://b.example,",
    )])
    .expect("valid");
    assert_eq!(
        cfg.cors_allowed_origins,
        vec!["https://a.example", "https://b.example"]
    );
}

#[test]
fn extra_cors_headers_are_a_comma_separated_list_of_header_names() {
    let cfg = config(&[("CORS_ALLOWED_HEADERS", "traceparent, Cache-Control,")]).expect("valid");
    assert_eq!(cfg.cors_allowed_headers, ["traceparent", "cache-control"]);
    assert!(config(&[]).expect("valid").cors_allowed_headers.is_empty());
    let err = config(&[("CORS_ALLOWED_HEADERS", "trace parent")]).expect_err("a space");
    assert!(
        err.to_string().starts_with("CORS_ALLOWED_HEADERS="),
        "{err}"
    );
}

#[test]
fn the_log_format_is_text_unless_json_is_asked_for() {
    assert_eq!(config(&[]).expect("valid").log_format, LogFormat::Text);
    let cfg = config(&[("LOG_FORMAT", "json")]).expect("valid");
    assert_eq!(cfg.log_format, LogFormat::Json);
    let err = config(&[("LOG_FORMAT", "xml")]).expect_err("unknown");
    assert!(err.to_string().starts_with("LOG_FORMAT="), "{err}");
}

#[test]
fn passwords_in_database_urls_are_redacted() {
    assert_eq!(
        redact_url("postgres://app:secret@db:5432/todo"),
        "postgres://app:***@db:5432/todo"
    );
    assert_eq!(
        redact_url("sqlite://todo.db?mode=rwc"),
        "sqlite://todo.db?mode=rwc"
    );
}

const SECRET: &str = "0123456789abcdef0123456789abcdef-secret";

fn refusal(vars: &[(&str, &str)]) -> String {
    config(vars)
        .map(|_| ())
        .expect_err("the configuration is refused")
        .to_string()
}

#[test]
fn a_zero_token_lifetime_is_refused_naming_variable_value_and_range() {
    let message = refusal(&[("ACCESS_TOKEN_TTL_SECS", "0")]);
    assert_eq!(
        message,
        "ACCESS_TOKEN_TTL_SECS=\"0\" is not valid: expected a whole number from 1 to 86400 seconds"
    );
}

#[test]
fn every_numeric_variable_is_checked_at_both_ends_of_its_range() {
    // (variable, lowest allowed, highest allowed)
    let ranges: &[(&str, u64, u64)] = &[
        ("PORT", 0, 65_535),
        ("DB_MAX_CONNECTIONS", 1, 1_000),
        ("DB_CONNECT_TIMEOUT_SECS", 1, 300),
        ("DB_ACQUIRE_TIMEOUT_SECS", 1, 300),
        ("DB_IDLE_TIMEOUT_SECS", 1, 86_400),
        ("DB_MAX_LIFETIME_SECS", 1, 604_800),
        ("ACCESS_TOKEN_TTL_SECS", 1, 86_400),
        ("REFRESH_TOKEN_TTL_SECS", 1, 366 * 86_400),
        ("BCRYPT_COST", 4, 31),
        ("SLOW_QUERY_MS", 1, 600_000),
        ("AUTH_RATE_LIMIT_PER_MINUTE", 0, 100_000),
        ("PASSWORD_HASH_CONCURRENCY", 1, 1_024),
        ("LIST_TOTALS_TTL_SECS", 0, 3_600),
        ("TRUSTED_PROXY_HOPS", 1, 32),
        ("MAIL_MAX_ATTEMPTS", 1, 100),
        ("REPLICA_MAX_LAG_MS", 1, 3_600_000),
    ];
    for &(name, low, high) in ranges {
        for ok in [low, high] {
            config(&[(name, &ok.to_string())])
                .unwrap_or_else(|e| panic!("{name}={ok} is allowed: {e}"));
        }
        let mut outside = vec![(high + 1).to_string(), "-1".to_owned(), "ten".to_owned()];
        if low > 0 {
            outside.push((low - 1).to_string());
        }
        for bad in outside {
            let message = refusal(&[(name, &bad)]);
            let expected = format!(
                "{name}={bad:?} is not valid: expected a whole number from {low} to {high}"
            );
            assert!(message.starts_with(&expected), "{message}");
        }
    }
}

#[test]
fn the_pool_minimum_may_not_exceed_its_maximum() {
    let message = refusal(&[("DB_MAX_CONNECTIONS", "4"), ("DB_MIN_CONNECTIONS", "5")]);
    assert!(
        message.starts_with(
            "DB_MIN_CONNECTIONS=\"5\" is not valid: expected a whole number from 0 to 4"
        ),
        "{message}"
    );
    let cfg =
        config(&[("DB_MAX_CONNECTIONS", "4"), ("DB_MIN_CONNECTIONS", "4")]).expect("equal is fine");
    assert_eq!((cfg.db.min_connections, cfg.db.max_connections), (4, 4));
    assert_eq!(
        config(&[("DB_MIN_CONNECTIONS", "0")])
            .expect("zero idle")
            .db
            .min_connections,
        0
    );
}

#[test]
fn without_a_jwt_secret_only_loopback_hosts_start_with_a_random_one() {
    for host in [
        "127.0.0.1",
        "127.0.0.2",
        "::1",
        "[::1]",
        "localhost",
        "LOCALHOST",
    ] {
        let cfg = config(&[("HOST", host)]).unwrap_or_else(|e| panic!("{host}: {e}"));
        assert!(cfg.jwt_secret_generated, "{host}");
    }
    let one = config(&[]).expect("valid");
    let two = config(&[]).expect("valid");
    assert_ne!(
        one.jwt_secret.expose_secret(),
        two.jwt_secret.expose_secret(),
        "a generated secret is random"
    );
    for host in ["0.0.0.0", "::", "10.0.0.5", "todo.example"] {
        let message = refusal(&[("HOST", host)]);
        assert!(
            message.starts_with(&format!(
                "JWT_SECRET is not set and HOST={host} is not a loopback address"
            )),
            "{message}"
        );
        assert!(message.contains("openssl rand -base64 48"), "{message}");
    }
    let cfg = config(&[
        ("HOST", "0.0.0.0"),
        ("JWT_SECRET", SECRET),
        ("SMTP_URL", "smtp://127.0.0.1:25"),
    ])
    .expect("set");
    assert!(!cfg.jwt_secret_generated);
    assert_eq!(cfg.jwt_secret.expose_secret(), SECRET);
}

#[test]
fn mail_is_logged_only_on_loopback_and_otherwise_needs_an_smtp_server() {
    let cfg = config(&[]).expect("valid");
    assert!(cfg.mail.transport.is_log());
    assert_eq!(cfg.mail.delivery.max_attempts, 10);
    assert_eq!(cfg.mail.delivery.from.email.domain(), "localhost");

    let message = refusal(&[("HOST", "0.0.0.0"), ("JWT_SECRET", SECRET)]);
    assert!(
        message.starts_with("SMTP_URL is not set and HOST=0.0.0.0 is not a loopback address"),
        "{message}"
    );
    assert!(message.contains("SMTP_URL=smtp://"), "{message}");

    let cfg = config(&[
        ("HOST", "0.0.0.0"),
        ("JWT_SECRET", SECRET),
        ("SMTP_URL", "smtps://app:hunter2@mail.example.com:465"),
        ("MAIL_FROM", "Todo <todo@mail.example.com>"),
        ("MAIL_MAX_ATTEMPTS", "3"),
    ])
    .expect("valid");
    assert!(!cfg.mail.transport.is_log());
    assert_eq!(cfg.mail.delivery.max_attempts, 3);
    assert_eq!(cfg.mail.delivery.from.email.domain(), "mail.example.com");
    assert!(!format!("{cfg:?}").contains("hunter2"), "{cfg:?}");
}

#[test]
fn an_unusable_smtp_url_or_sender_is_refused_by_name_without_the_password() {
    let message = refusal(&[("SMTP_URL", "ftp://app:hunter2@mail.example.com")]);
    assert!(message.starts_with("SMTP_URL="), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    let message = refusal(&[("MAIL_FROM", "not an address")]);
    assert!(
        message.starts_with("MAIL_FROM=\"not an address\" is not valid"),
        "{message}"
    );
}

#[test]
fn debug_output_hides_the_secret_and_the_database_password() {
    let cfg = config(&[
        ("JWT_SECRET", SECRET),
        ("DATABASE_URL", "postgres://app:hunter2@db:5432/todo"),
        ("LIST_TOTALS_TTL_SECS", "7"),
    ])
    .expect("valid");
    let printed = format!("{cfg:?}");
    assert!(!printed.contains(SECRET), "{printed}");
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("[REDACTED]"), "{printed}");
    assert!(
        printed.contains("postgres://app:***@db:5432/todo"),
        "{printed}"
    );
    // Every field is printed, the last ones included.
    assert!(printed.contains("list_totals_ttl: 7s"), "{printed}");
    assert!(printed.contains("jwt_secret_generated: false"), "{printed}");
    assert_eq!(
        cfg.database_url.as_str(),
        "postgres://app:hunter2@db:5432/todo",
        "the pool still gets the real URL"
    );
}

/// The names the loader asks for, with nothing set.
fn names_read_by_the_loader() -> BTreeSet<String> {
    let asked = Mutex::new(BTreeSet::new());
    Config::from_lookup(|name| {
        asked.lock().expect("not poisoned").insert(name.to_owned());
        None
    })
    .expect("defaults are valid");
    asked.into_inner().expect("not poisoned")
}

fn listed() -> BTreeSet<String> {
    VARIABLES.iter().map(|&name| name.to_owned()).collect()
}

#[test]
fn the_loader_reads_exactly_the_listed_variables_besides_the_log_filter() {
    let mut expected = listed();
    assert!(expected.remove(env_logger::DEFAULT_FILTER_ENV));
    assert_eq!(names_read_by_the_loader(), expected);
    assert_eq!(
        VARIABLES.len(),
        listed().len(),
        "no variable is listed twice"
    );
}

/// The first back-quoted word of each row of the README's configuration table.
fn readme_table(readme: &str) -> BTreeSet<String> {
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .expect("the README has a Configuration section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|row| row.split_once('`'))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// The `NAME=` lines of `.env.example`, commented out or not.
fn env_example(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(|line| line.trim_start_matches('#').trim_start())
        .filter_map(|line| line.split_once('='))
        .map(|(name, _)| name)
        .filter(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

fn differences(what: &str, found: &BTreeSet<String>) -> Vec<String> {
    let listed = listed();
    let mut problems: Vec<String> = listed
        .difference(found)
        .map(|name| format!("{name} is read by the server but missing from {what}"))
        .collect();
    problems.extend(
        found
            .difference(&listed)
            .map(|name| format!("{name} is in {what} but the server does not read it")),
    );
    problems
}

#[test]
fn the_readme_table_and_env_example_list_exactly_the_variables_read() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let example = std::fs::read_to_string(root.join(".env.example")).expect(".env.example");
    let mut problems = differences("the README's configuration table", &readme_table(&readme));
    problems.extend(differences(".env.example", &env_example(&example)));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_table_and_example_readers_find_what_they_should() {
    let readme = "# x\n## Configuration\n\n| variable | default |\n| --- | --- |\n\
                  | `HOST` | `127.0.0.1` |\n| `PORT` | `8080` |\n\n## Next\n| `NOT_THIS` | x |\n";
    assert_eq!(
        readme_table(readme),
        ["HOST", "PORT"].map(str::to_owned).into()
    );
    let example = "# Interface, e.g. HOST=0.0.0.0 in a container\nHOST=127.0.0.1\n\
                   # PASSWORD_HASH_CONCURRENCY=3\nlower=1\n";
    assert_eq!(
        env_example(example),
        ["HOST", "PASSWORD_HASH_CONCURRENCY"]
            .map(str::to_owned)
            .into()
    );
}

#[test]
fn replica_urls_are_a_list_of_postgresql_urls_and_default_to_none() {
    let cfg = config(&[]).expect("defaults");
    assert!(cfg.replica_urls.is_empty());
    assert_eq!(cfg.replica_max_lag, Duration::from_secs(1));
    let cfg = config(&[(
        "DATABASE_REPLICA_URLS",
        " postgres://u:pw-r1-x7@r1:5432/todo, ,postgresql://r2/todo ",
    )])
    .expect("two replicas");
    let urls: Vec<&str> = cfg.replica_urls.iter().map(|url| url.as_str()).collect();
    assert_eq!(
        urls,
        ["postgres://u:pw-r1-x7@r1:5432/todo", "postgresql://r2/todo"]
    );
    assert!(!format!("{cfg:?}").contains("pw-r1-x7"));
    let err = config(&[("DATABASE_REPLICA_URLS", "mysql://root:pw@r1/todo")])
        .expect_err("not PostgreSQL")
        .to_string();
    assert!(
        err.contains("DATABASE_REPLICA_URLS") && !err.contains("pw"),
        "{err}"
    );
}
