//! Data migration: gives every user without a `user_preferences` row one
//! holding the defaults, so the service may assume the row exists.
//!
//! Written with sea-query and string identifiers, not entities: it must keep
//! meaning what it meant on its day whatever the entities become.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::DateTimeUtc;

/// The default preferences of this day: (column, value), in insert order.
fn defaults() -> [(&'static str, Value); 5] {
    [
        ("theme", "system".into()),
        ("timezone", "UTC".into()),
        ("default_page_size", 20i32.into()),
        ("default_sort", "created_at".into()),
        ("email_notifications", true.into()),
    ]
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    /// `INSERT INTO user_preferences (…) SELECT users.id, <defaults>, now, now
    /// FROM users WHERE NOT EXISTS (a preferences row for that user)`: one
    /// statement however many users there are, and a no-op on a fresh database.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One instant for both timestamps, bound from Rust so that it is
        // stored exactly as the service stores timestamps on every engine.
        let now: DateTimeUtc = chrono::Utc::now();

        let mut rows = Query::select();
        rows.column(("users", "id"));
        for (_, value) in defaults() {
            rows.expr(Expr::val(value));
        }
        rows.expr(Expr::val(now))
            .expr(Expr::val(now))
            .from("users")
            .and_where(Expr::not_exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from("user_preferences")
                    .and_where(Expr::col(("user_preferences", "user_id")).equals(("users", "id")))
                    .take(),
            ));

        let mut columns = vec!["user_id"];
        columns.extend(defaults().map(|(column, _)| column));
        columns.extend(["created_at", "updated_at"]);

        let insert = Query::insert()
            .into_table("user_preferences")
            .columns(columns)
            .select_from(rows)
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .take();
        manager.execute(insert).await
    }

    /// Deletes the rows `up` could have inserted.
    ///
    /// Nothing marks them, so this deletes every preferences row that still
    /// holds exactly the defaults and was never updated (`created_at =
    /// updated_at`). That may include rows made later by the service for new
    /// users, but such a row is indistinguishable from a seeded one and
    /// carries no information: running `up` again recreates it. Rows any
    /// user has changed are kept.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut delete = Query::delete();
        delete.from_table("user_preferences");
        for (column, value) in defaults() {
            delete.and_where(Expr::col(column).eq(value));
        }
        delete.and_where(Expr::col("created_at").equals("updated_at"));
        manager.execute(delete).await
    }
}
