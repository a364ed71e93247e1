//! Writing to the outbox, and what operators see of it.

use entity::mail_outbox::{self, Column, MailStatus};
use lettre::Address;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::Message;
use crate::clock::{self, Timestamp};
use crate::{ServiceError, ServiceResult};

/// The most rows of each status that [`outbox_summary`] lists (the counts
/// are always complete).
pub const SUMMARY_LIST_LIMIT: u64 = 100;

/// Queues `message` for delivery as soon as a worker gets to it, and
/// answers the row's id (the left part of its `Message-ID`).
///
/// Call it with the transaction of the event that causes the mail: if that
/// transaction rolls back, the row goes with it and nothing is ever sent;
/// once it commits, the mail goes out even if the server stops right after.
///
/// # Errors
/// [`ServiceError::Invalid`] on `email` when the recipient is not an
/// address mail can go to; the database error.
pub async fn enqueue(conn: &impl ConnectionTrait, message: Message) -> ServiceResult<Uuid> {
    if message.to.parse::<Address>().is_err() {
        return Err(ServiceError::invalid(
            "email",
            "is not an address mail can be sent to",
        ));
    }
    let now = clock::now();
    let id = clock::new_id();
    mail_outbox::Entity::insert(mail_outbox::ActiveModel {
        id: Set(id),
        recipient: Set(message.to),
        subject: Set(message.subject),
        text_body: Set(message.text),
        html_body: Set(message.html),
        status: Set(MailStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// The state of the outbox, for the operator's `outbox` command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxSummary {
    /// Messages waiting for (another) attempt.
    pub pending: u64,
    /// Messages accepted by the SMTP server and not yet purged.
    pub sent: u64,
    /// Messages given up on.
    pub failed: u64,
    /// The failed messages, most recently failed first (at most
    /// [`SUMMARY_LIST_LIMIT`]).
    pub failed_messages: Vec<OutboxEntry>,
    /// The pending messages, next due first (at most [`SUMMARY_LIST_LIMIT`]).
    pub pending_messages: Vec<OutboxEntry>,
}

/// One message as the operator sees it (no bodies: they may hold tokens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The row's id.
    pub id: Uuid,
    /// The recipient.
    pub recipient: String,
    /// The subject.
    pub subject: String,
    /// Failed attempts so far.
    pub attempts: i32,
    /// Not tried again before this.
    pub next_attempt_at: Timestamp,
    /// What the last failed attempt said, if one did.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it last changed (for a failed one: when it was given up on).
    pub updated_at: Timestamp,
}

type EntryRow = (
    Uuid,
    String,
    String,
    i32,
    Timestamp,
    Option<String>,
    Timestamp,
    Timestamp,
);

impl From<EntryRow> for OutboxEntry {
    fn from(row: EntryRow) -> Self {
        let (id, recipient, subject, attempts, next_attempt_at, last_error, created_at, updated_at) =
            row;
        Self {
            id,
            recipient,
            subject,
            attempts,
            next_attempt_at,
            last_error,
            created_at,
            updated_at,
        }
    }
}

/// Counts the messages by status and lists the failed and the pending
/// ones, each with its last error. Three statements.
///
/// # Errors
/// The database error.
pub async fn outbox_summary(db: &DatabaseConnection) -> ServiceResult<OutboxSummary> {
    let counts: Vec<(MailStatus, i64)> = mail_outbox::Entity::find()
        .select_only()
        .column(Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "messages")
        .group_by(Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut summary = OutboxSummary::default();
    for (status, count) in counts {
        let count = u64::try_from(count).unwrap_or(0);
        match status {
            MailStatus::Pending => summary.pending = count,
            MailStatus::Sent => summary.sent = count,
            MailStatus::Failed => summary.failed = count,
        }
    }
    summary.failed_messages = entries(db, MailStatus::Failed).await?;
    summary.pending_messages = entries(db, MailStatus::Pending).await?;
    Ok(summary)
}

/// Up to [`SUMMARY_LIST_LIMIT`] rows of `status`, in the order the
/// operator wants them (failed: latest first; pending: next due first).
async fn entries(db: &DatabaseConnection, status: MailStatus) -> Result<Vec<OutboxEntry>, DbErr> {
    let mut select = mail_outbox::Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::Recipient,
            Column::Subject,
            Column::Attempts,
            Column::NextAttemptAt,
            Column::LastError,
            Column::CreatedAt,
            Column::UpdatedAt,
        ])
        .filter(Column::Status.eq(status))
        .limit(SUMMARY_LIST_LIMIT);
    select = match status {
        MailStatus::Pending => select.order_by_asc(Column::NextAttemptAt),
        _ => select.order_by_desc(Column::UpdatedAt),
    }
    .order_by_asc(Column::Id);
    let rows: Vec<EntryRow> = select.into_tuple().all(db).await?;
    Ok(rows.into_iter().map(OutboxEntry::from).collect())
}

/// Queues every failed message again, as new: pending, due now, attempts
/// back to 0 (`last_error` stays until an attempt succeeds or fails
/// anew). Answers how many were queued.
///
/// # Errors
/// The database error.
pub async fn retry_failed(db: &DatabaseConnection) -> ServiceResult<u64> {
    let now = clock::now();
    let result = mail_outbox::Entity::update_many()
        .col_expr(Column::Status, Expr::value(MailStatus::Pending))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::NextAttemptAt, Expr::value(now))
        .col_expr(Column::LeaseUntil, Expr::value(None::<Timestamp>))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Status.eq(MailStatus::Failed))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes the messages sent before `cutoff`: the retention of the outbox,
/// whose sent rows (bodies already emptied) only serve the operator's
/// counts. Answers how many were deleted.
///
/// # Errors
/// The database error.
pub async fn purge_sent_before(db: &DatabaseConnection, cutoff: Timestamp) -> ServiceResult<u64> {
    let result = mail_outbox::Entity::delete_many()
        .filter(Column::Status.eq(MailStatus::Sent))
        .filter(Column::SentAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
