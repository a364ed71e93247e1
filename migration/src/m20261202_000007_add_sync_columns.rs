//! Adds what delta sync reads: `sync_seq` on `todos`, `categories` and
//! `tags` (the write sequence of the transaction that last changed the
//! row, 0 for rows older than this migration), `sync_deletions` (a record
//! of each todo, category or tag removed for good, with the sequence of
//! the transaction that removed it), and `user_state.sync_floor` (the
//! highest sequence whose deletion records housekeeping has dropped).
//!
//! Each table gets an index led by `(user_id, sync_seq)`: a sync reads
//! `WHERE user_id = ? AND sync_seq > ? ORDER BY sync_seq, id`.

use sea_orm_migration::prelude::*;

use crate::common::{
    drop_table, enum_string, foreign_key, index, one_of, table, timestamp, uuid, uuid_pk,
};

/// The tables whose rows carry `sync_seq`, with the name of their index.
const STAMPED: [(Stamped, &str); 3] = [
    (Stamped::Todos, "ix_todos_user_id_sync_seq"),
    (Stamped::Categories, "ix_categories_user_id_sync_seq"),
    (Stamped::Tags, "ix_tags_user_id_sync_seq"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        for (stamped, name) in STAMPED {
            manager
                .alter_table(
                    Table::alter()
                        .table(stamped)
                        .add_column(sync_seq(Columns::SyncSeq))
                        .take(),
                )
                .await?;
            manager
                .create_index(index(
                    name,
                    stamped,
                    [Columns::UserId, Columns::SyncSeq, Columns::Id],
                ))
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(UserState::Table)
                    .add_column(sync_seq(UserState::SyncFloor))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                table(db, SyncDeletions::Table)
                    .col(uuid_pk(SyncDeletions::Id))
                    .col(uuid(SyncDeletions::UserId))
                    .col(enum_string(db, SyncDeletions::EntityType, None))
                    .col(uuid(SyncDeletions::EntityId))
                    .col(sync_seq(SyncDeletions::SyncSeq))
                    .col(timestamp(db, SyncDeletions::DeletedAt))
                    .check(one_of(
                        "ck_sync_deletions_entity_type",
                        SyncDeletions::EntityType,
                        &["todo", "category", "tag"],
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_sync_deletions_user_id",
                        SyncDeletions::Table,
                        SyncDeletions::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        // A sync's read; also the foreign key's index.
        manager
            .create_index(index(
                "ix_sync_deletions_user_id_sync_seq",
                SyncDeletions::Table,
                [
                    SyncDeletions::UserId,
                    SyncDeletions::SyncSeq,
                    SyncDeletions::Id,
                ],
            ))
            .await?;
        // Housekeeping drops what is older than the retention.
        manager
            .create_index(index(
                "ix_sync_deletions_deleted_at",
                SyncDeletions::Table,
                [SyncDeletions::DeletedAt],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, SyncDeletions::Table).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserState::Table)
                    .drop_column(UserState::SyncFloor)
                    .take(),
            )
            .await?;
        for (stamped, name) in STAMPED {
            manager
                .drop_index(Index::drop().name(name).table(stamped).to_owned())
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(stamped)
                        .drop_column(Columns::SyncSeq)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}

/// A write sequence number: `BIGINT NOT NULL DEFAULT 0`.
fn sync_seq<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(0)
        .take()
}

/// The tables that get `sync_seq`.
#[derive(DeriveIden, Clone, Copy)]
enum Stamped {
    Todos,
    Categories,
    Tags,
}

/// The columns of theirs this migration names.
#[derive(DeriveIden)]
enum Columns {
    Id,
    UserId,
    SyncSeq,
}

/// `user_state` as this migration changes it.
#[derive(DeriveIden)]
enum UserState {
    Table,
    SyncFloor,
}

/// `sync_deletions` as this migration made it.
#[derive(DeriveIden)]
enum SyncDeletions {
    Table,
    Id,
    UserId,
    EntityType,
    EntityId,
    SyncSeq,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}
