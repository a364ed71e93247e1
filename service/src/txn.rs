//! Transactions that write.

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// Begins a transaction that will write.
///
/// On SQLite it starts `IMMEDIATE`: it takes the write lock up front
/// (waiting for it within the busy timeout) instead of reading first and
/// upgrading later, which SQLite refuses with "database is locked"
/// (`SQLITE_BUSY_SNAPSHOT`) when another connection wrote in between. The
/// other engines ignore the mode and lock rows as they go.
///
/// # Errors
/// The database error.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
