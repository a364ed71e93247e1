//! `outbox`: the operator's view of mail waiting or given up on, and the
//! way to queue failed mail again (`--retry-failed`).

use std::fmt::Write as _;

use service::mail::{self, OutboxEntry, OutboxSummary};

use crate::cli::OperatorError;
use crate::config::Config;

/// Queues failed messages again when `retry_failed`, then reports the
/// outbox: counts by status, and the failed and pending messages with their
/// last error.
///
/// # Errors
/// The database cannot be opened or read.
pub async fn outbox(config: Config, retry_failed: bool) -> Result<String, OperatorError> {
    let state = crate::startup::prepare(config).await?;
    let mut report = String::new();
    if retry_failed {
        let queued = mail::retry_failed(&state.db).await?;
        let _ = writeln!(report, "queued {queued} failed message(s) again");
    }
    report.push_str(&render(&mail::outbox_summary(&state.db).await?));
    Ok(report)
}

/// The summary as the operator reads it: one line of counts, then a line
/// per listed message.
fn render(summary: &OutboxSummary) -> String {
    let mut out = format!(
        "pending {}, failed {}, sent {}\n",
        summary.pending, summary.failed, summary.sent
    );
    for (heading, entries) in [
        ("failed", &summary.failed_messages),
        ("pending", &summary.pending_messages),
    ] {
        if entries.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{heading}:");
        for entry in entries {
            out.push_str(&line(entry));
        }
    }
    out
}

fn line(entry: &OutboxEntry) -> String {
    format!(
        "  {id}  to {to}  \"{subject}\"  attempts {attempts}  next {next}  queued {queued}{error}\n",
        id = entry.id,
        to = entry.recipient,
        subject = entry.subject,
        attempts = entry.attempts,
        next = utc(entry.next_attempt_at),
        queued = utc(entry.created_at),
        error = entry
            .last_error
            .as_deref()
            .map(|e| format!("\n    last error: {e}"))
            .unwrap_or_default(),
    )
}

fn utc(at: service::clock::Timestamp) -> String {
    at.with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_counts_and_lists_with_the_last_error() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        let failed = OutboxEntry {
            id: uuid::Uuid::nil(),
            recipient: "ann@example.com".to_owned(),
            subject: "Verify your email".to_owned(),
            attempts: 10,
            next_attempt_at: at.into(),
            last_error: Some("554 rejected".to_owned()),
            created_at: at.into(),
            updated_at: at.into(),
        };
        let summary = OutboxSummary {
            pending: 0,
            sent: 3,
            failed: 1,
            failed_messages: vec![failed],
            pending_messages: Vec::new(),
        };
        let text = render(&summary);
        assert!(text.starts_with("pending 0, failed 1, sent 3\n"), "{text}");
        assert!(text.contains("\nfailed:\n  00000000-0000-0000-0000-000000000000  to ann@example.com  \"Verify your email\"  attempts 10"), "{text}");
        assert!(text.contains("last error: 554 rejected"), "{text}");
        assert!(!text.contains("pending:"), "{text}");
    }
}
