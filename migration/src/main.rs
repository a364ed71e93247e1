//! Operator CLI for the schema: `up`, `up -n N`, `down`, `down -n N`,
//! `status`, `fresh`, `refresh`, `reset` against `DATABASE_URL` (a `.env`
//! file is read if present). See `README.md` beside this crate.

use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(migration::Migrator).await;
}
