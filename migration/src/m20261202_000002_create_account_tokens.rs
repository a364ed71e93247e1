//! Creates `account_tokens`: the single-use tokens that mail links carry
//! (email verification, password reset, deletion confirmation), stored as
//! their SHA-256 only; deleted with their user.

use sea_orm_migration::prelude::*;

use crate::common::{
    drop_table, enum_string, foreign_key, index, one_of, table, timestamp, timestamp_now,
    timestamp_null, uuid, uuid_pk,
};

/// What a token of this day may prove.
const PURPOSES: &[&str] = &["verify_email", "reset_password", "confirm_deletion"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_database_backend();
        manager
            .create_table(
                table(db, AccountTokens::Table)
                    .col(uuid_pk(AccountTokens::Id))
                    .col(uuid(AccountTokens::UserId))
                    .col(enum_string(db, AccountTokens::Purpose, None))
                    // Hex SHA-256: always 64 characters.
                    .col(
                        ColumnDef::new(AccountTokens::TokenHash)
                            .string_len(64)
                            .not_null(),
                    )
                    // The address a change-of-email link moves the account to.
                    .col(
                        ColumnDef::new(AccountTokens::NewEmail)
                            .string_len(320)
                            .null(),
                    )
                    .col(timestamp(db, AccountTokens::ExpiresAt))
                    .col(timestamp_null(db, AccountTokens::UsedAt))
                    .col(timestamp_now(db, AccountTokens::CreatedAt))
                    .check(one_of(
                        "ck_account_tokens_purpose",
                        AccountTokens::Purpose,
                        PURPOSES,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_account_tokens_user_id",
                        AccountTokens::Table,
                        AccountTokens::UserId,
                        Users::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_account_tokens_token_hash",
                    AccountTokens::Table,
                    [AccountTokens::TokenHash],
                )
                .unique()
                .take(),
            )
            .await?;
        // Foreign key index; also "every open token of this purpose".
        manager
            .create_index(index(
                "ix_account_tokens_user_id_purpose",
                AccountTokens::Table,
                [AccountTokens::UserId, AccountTokens::Purpose],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, AccountTokens::Table).await
    }
}

/// `account_tokens` as this migration made it.
#[derive(DeriveIden)]
enum AccountTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    NewEmail,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
}
