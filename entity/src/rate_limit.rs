//! `rate_limits`: attempts counted against the auth rate limit, per bucket
//! (`ip:203.0.113.7`, `user:<uuid>`) and ten-second window, shared by every
//! server on the database. Rows belong to no user (a bucket is only a
//! string); the housekeeping round deletes them once they are too old to
//! count.

use sea_orm::entity::prelude::*;

/// The attempts of one bucket in one window.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_limits")]
pub struct Model {
    /// What is counted: `ip:` and a client address, or `user:` and an account id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bucket: String,
    /// The start of the window (UTC, a whole multiple of its length).
    #[sea_orm(primary_key, auto_increment = false)]
    pub window_start: DateTimeWithTimeZone,
    /// Attempts in the window, refused ones included.
    pub attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
