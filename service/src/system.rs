//! Facts about the running system: database reachability and schema state.

use std::time::{Duration, Instant};

use migration::Migrator;
use sea_orm::{DatabaseConnection, DbErr};
use sea_orm_migration::{MigrationStatus, MigratorTrait};

/// Applied and pending migrations, by name.
#[derive(Debug, Clone, Default)]
pub struct MigrationState {
    /// Names of the applied migrations, oldest first.
    pub applied: Vec<String>,
    /// Names of the migrations not yet applied, in the order they would run.
    pub pending: Vec<String>,
}

/// Pings the database and measures the round trip.
///
/// # Errors
/// The database error when it cannot be reached.
pub async fn ping(db: &DatabaseConnection) -> Result<Duration, DbErr> {
    let started = Instant::now();
    db.ping().await?;
    Ok(started.elapsed())
}

/// Which migrations the database has applied and which are pending.
///
/// # Errors
/// A database error when the migration table cannot be read.
pub async fn migration_state(db: &DatabaseConnection) -> Result<MigrationState, DbErr> {
    // One read of the migration table, and no `CREATE TABLE` on a database that has none.
    let mut state = MigrationState::default();
    for migration in Migrator::get_migration_with_status_read_only(db).await? {
        let name = migration.name().to_owned();
        match migration.status() {
            MigrationStatus::Applied => state.applied.push(name),
            MigrationStatus::Pending => state.pending.push(name),
        }
    }
    Ok(state)
}
