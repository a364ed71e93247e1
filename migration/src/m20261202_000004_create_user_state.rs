//! Creates `user_state`: one row per user holding `write_seq`, the number
//! of write transactions of the user's data committed so far, deleted with
//! the user. Every existing user gets a row at 0 in the same migration, so
//! the service may assume the row exists (it still copes when one is
//! missing).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::DateTimeUtc;

use crate::common::{drop_table, foreign_key, table, timestamp_now};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        // The primary key is also the foreign key, so it needs no other index.
        manager
            .create_table(
                table(db, UserState::Table)
                    .col(
                        ColumnDef::new(UserState::UserId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(UserState::WriteSeq)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp_now(db, UserState::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_user_state_user_id",
                        UserState::Table,
                        UserState::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        // `INSERT INTO user_state (user_id, write_seq, updated_at) SELECT
        // id, 0, now FROM users`: one statement however many users there
        // are. The instant is bound from Rust so that it is stored exactly
        // as the service stores timestamps on every engine.
        let now: DateTimeUtc = chrono::Utc::now();
        let rows = Query::select()
            .column(Users::Id)
            .expr(Expr::val(0i64))
            .expr(Expr::val(now))
            .from(Users::Table)
            .take();
        let insert = Query::insert()
            .into_table(UserState::Table)
            .columns([UserState::UserId, UserState::WriteSeq, UserState::UpdatedAt])
            .select_from(rows)
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .take();
        manager.execute(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, UserState::Table).await
    }
}

/// `user_state` as this migration made it.
#[derive(DeriveIden)]
enum UserState {
    Table,
    UserId,
    WriteSeq,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
