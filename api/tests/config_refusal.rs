//! The server binary refuses a configuration it cannot run safely: it exits
//! with status 2 and one sentence naming what to change, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

/// Runs the server with only `vars` set (and `PATH`), in an empty directory
/// so no `.env` is read; it must stop on its own.
fn run(vars: &[(&str, &str)]) -> Output {
    let dir = std::env::temp_dir().join(format!("config-refusal-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(vars.iter().copied())
        .output()
        .expect("the server runs");
    let _ = std::fs::remove_dir_all(&dir);
    output
}

fn assert_refused(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn a_zero_access_token_lifetime_stops_the_server_with_the_allowed_range() {
    let output = run(&[("ACCESS_TOKEN_TTL_SECS", "0")]);
    assert_refused(
        &output,
        "ACCESS_TOKEN_TTL_SECS=\"0\" is not valid: expected a whole number from 1 to 86400 seconds",
    );
}

#[test]
fn listening_beyond_loopback_without_a_jwt_secret_stops_the_server_saying_how_to_set_one() {
    let output = run(&[("HOST", "0.0.0.0"), ("PORT", "0")]);
    assert_refused(
        &output,
        "JWT_SECRET is not set and HOST=0.0.0.0 is not a loopback address",
    );
    assert_refused(&output, "openssl rand -base64 48");
}
