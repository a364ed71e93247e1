//! The migration binary as an operator meets it: without a database it says
//! what to set and exits 2, never panics; `--help` leads with the operator's
//! verbs; with a database it does the work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An empty directory (so no `.env` is read), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("migration-cli-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the binary in `dir` with only `vars` set (and `PATH`).
fn migration(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migration"))
        .current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(vars.iter().copied())
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_no_panic(output: &Output) {
    let both = format!("{}{}", stdout(output), stderr(output));
    assert!(!both.contains("panicked"), "{both}");
    assert!(!both.contains("backtrace"), "{both}");
}

#[test]
fn without_database_url_every_database_verb_says_what_to_set_and_exits_2() {
    let dir = Scratch::new();
    for args in [
        &[][..],
        &["status"],
        &["up"],
        &["down", "-n", "2"],
        &["-v", "fresh"],
    ] {
        let output = migration(&dir.0, args, &[]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(
            message.starts_with("DATABASE_URL is not set: point it at the database, e.g. "),
            "{args:?}: {message}"
        );
        assert!(message.contains("sqlite://todo.db?mode=rwc"), "{message}");
        assert_no_panic(&output);
    }
}

#[test]
fn an_unreachable_database_is_one_sentence_and_exit_1() {
    let dir = Scratch::new();
    // A SQLite file in a directory that does not exist, without `mode=rwc`.
    let url = format!("sqlite://{}/missing/todo.db", dir.0.display());
    let output = migration(&dir.0, &["status"], &[("DATABASE_URL", &url)]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with("cannot connect to the database at DATABASE_URL: "),
        "{}",
        stderr(&output)
    );
    assert_no_panic(&output);
}

#[test]
fn help_leads_with_the_operator_verbs_and_needs_no_database() {
    let dir = Scratch::new();
    let output = migration(&dir.0, &["--help"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let help = stdout(&output);
    let mut last = 0;
    for verb in ["up", "down", "status", "fresh", "refresh", "reset"] {
        let at = help
            .find(&format!("\n  {verb} "))
            .unwrap_or_else(|| panic!("{verb} is listed: {help}"));
        assert!(at > last, "{verb} comes in order: {help}");
        last = at;
    }
    let generate = help.find("generate").expect("generate is mentioned");
    assert!(
        generate > last,
        "generate comes after the operator verbs: {help}"
    );
}

#[test]
fn with_a_database_status_and_up_do_their_work() {
    let dir = Scratch::new();
    let url = format!("sqlite://{}/todo.db?mode=rwc", dir.0.display());
    let vars = [("DATABASE_URL", url.as_str())];
    let before = migration(&dir.0, &["status"], &vars);
    assert_eq!(before.status.code(), Some(0), "{}", stderr(&before));
    assert!(stdout(&before).contains("Pending"), "{}", stdout(&before));
    let up = migration(&dir.0, &["up"], &vars);
    assert_eq!(up.status.code(), Some(0), "{}", stderr(&up));
    let after = migration(&dir.0, &["status"], &vars);
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    assert!(stdout(&after).contains("Applied"), "{}", stdout(&after));
    assert!(!stdout(&after).contains("Pending"), "{}", stdout(&after));
    // `-u` stands in for the variable.
    let flag = migration(&dir.0, &["-u", &url, "status"], &[]);
    assert_eq!(flag.status.code(), Some(0), "{}", stderr(&flag));
    assert!(stdout(&flag).contains("Applied"), "{}", stdout(&flag));
}
