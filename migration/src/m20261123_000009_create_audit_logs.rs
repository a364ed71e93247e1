//! Creates `audit_logs`: append-only security events. A row outlives its
//! user (`user_id` becomes NULL), so the trail survives account deletion.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::common::{drop_table, foreign_key, index, table, timestamp_now, uuid_null, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        let mut details = ColumnDef::new(AuditLogs::Details);
        // jsonb on PostgreSQL (indexable, compact); JSON elsewhere.
        if db == DbBackend::Postgres {
            details.json_binary();
        } else {
            details.json();
        }
        manager
            .create_table(
                table(db, AuditLogs::Table)
                    .col(uuid_pk(AuditLogs::Id))
                    .col(uuid_null(AuditLogs::UserId))
                    .col(ColumnDef::new(AuditLogs::Action).string_len(64).not_null())
                    .col(ColumnDef::new(AuditLogs::EntityType).string_len(64).null())
                    .col(ColumnDef::new(AuditLogs::EntityId).string_len(64).null())
                    .col(ColumnDef::new(AuditLogs::Success).boolean().not_null())
                    .col(ColumnDef::new(AuditLogs::IpAddress).string_len(64).null())
                    .col(ColumnDef::new(AuditLogs::UserAgent).text().null())
                    .col(details.null())
                    .col(timestamp_now(db, AuditLogs::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_audit_logs_user_id",
                        AuditLogs::Table,
                        AuditLogs::UserId,
                        Users::Table,
                        ForeignKeyAction::SetNull,
                    ))
                    .take(),
            )
            .await?;

        let indexes = [
            // One user's trail, newest first; also the foreign key index.
            (
                "ix_audit_logs_user_id_created_at",
                vec![AuditLogs::UserId, AuditLogs::CreatedAt],
            ),
            // "All failed logins this week".
            (
                "ix_audit_logs_action_created_at",
                vec![AuditLogs::Action, AuditLogs::CreatedAt],
            ),
            // The whole trail by time, and pruning old rows.
            ("ix_audit_logs_created_at", vec![AuditLogs::CreatedAt]),
        ];
        for (name, columns) in indexes {
            manager
                .create_index(index(name, AuditLogs::Table, columns))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, AuditLogs::Table).await
    }
}

/// `audit_logs` as this migration made it.
#[derive(DeriveIden, Clone, Copy)]
enum AuditLogs {
    Table,
    Id,
    UserId,
    Action,
    EntityType,
    EntityId,
    Success,
    IpAddress,
    UserAgent,
    Details,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}
