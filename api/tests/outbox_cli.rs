//! `outbox`, the operator's view of the mail outbox: run as the binary, on a
//! fresh SQLite database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn outbox(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", "sqlite://outbox.db?mode=rwc")
        .arg("outbox")
        .args(args)
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn outbox_reports_counts_and_queues_failed_mail_again_on_request() {
    let dir = std::env::temp_dir().join(format!("outbox-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (ok, stdout, stderr) = outbox(&dir, &[]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "pending 0, failed 0, sent 0\n", "{stderr}");
    let (ok, stdout, stderr) = outbox(&dir, &["--retry-failed"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout, "queued 0 failed message(s) again\npending 0, failed 0, sent 0\n",
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
