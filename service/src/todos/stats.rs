//! Counts over the caller's live (not soft-deleted) todos, for a dashboard.
//!
//! Two grouped queries, whatever the number of todos, and no rows loaded:
//!
//! 1. `SELECT status, priority, COUNT(*), COUNT(CASE WHEN <overdue> THEN 1
//!    END) … GROUP BY status, priority`: both breakdowns and the overdue
//!    count (at most 16 rows);
//! 2. `SELECT <UTC day of completed_at>, COUNT(*) … WHERE completed_at` in
//!    the last [`DAYS`] days `GROUP BY` that day (at most [`DAYS`] rows).
//!    Each engine spells the day its own way: PostgreSQL `to_char(… AT TIME
//!    ZONE 'UTC', 'YYYY-MM-DD')` (the column is a `timestamptz`), MySQL
//!    `DATE_FORMAT(…)` (a `DATETIME` holding UTC), SQLite `date(…)` (text in
//!    RFC 3339, which `date` reads offset included).
//!
//! `completed_last_7_days` is the sum of the last seven of those days (today
//! and the six before, in UTC), so it always agrees with the chart beside it.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use entity::todo::{self, Priority, TodoStatus};
use sea_orm::sea_query::{Condition, Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Iterable, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::{ServiceError, ServiceResult, clock};

/// Days in [`TodoStats::completed_per_day`], ending today (UTC).
pub const DAYS: u64 = 30;

/// Counts over the caller's live todos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoStats {
    /// Todos per status, every status present (0 when none), in the order
    /// of the enum.
    pub by_status: Vec<(TodoStatus, u64)>,
    /// Todos per priority, every priority present, low to urgent.
    pub by_priority: Vec<(Priority, u64)>,
    /// Due before now and still `pending` or `in_progress`.
    pub overdue: u64,
    /// Completed today or on the six days before (UTC).
    pub completed_last_7_days: u64,
    /// Todos completed per day (by `completed_at`, in UTC), exactly
    /// `DAYS` (30) days, oldest first, ending today; 0 for days without.
    pub completed_per_day: Vec<(NaiveDate, u64)>,
}

impl TodoStats {
    /// The number of todos with `status`.
    #[must_use]
    pub fn with_status(&self, status: TodoStatus) -> u64 {
        count_of(&self.by_status, &status)
    }

    /// The number of todos with `priority`.
    #[must_use]
    pub fn with_priority(&self, priority: Priority) -> u64 {
        count_of(&self.by_priority, &priority)
    }
}

fn count_of<K: PartialEq>(counts: &[(K, u64)], key: &K) -> u64 {
    counts.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
}

/// The caller's todo statistics: two statements (see the module documentation).
///
/// # Errors
/// The database error.
pub async fn stats(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<TodoStats> {
    use todo::Column;
    let now = clock::now();
    let today = now.date_naive();
    let first_day = today - Days::new(DAYS - 1);
    let live = || {
        Condition::all()
            .add(Column::UserId.eq(user_id))
            .add(Column::DeletedAt.is_null())
    };

    let overdue = Condition::all()
        .add(Column::DueDate.lt(now))
        .add(Column::Status.is_in([TodoStatus::Pending, TodoStatus::InProgress]));
    let groups: Vec<(TodoStatus, Priority, i64, i64)> = todo::Entity::find()
        .select_only()
        .column(Column::Status)
        .column(Column::Priority)
        .column_as(Expr::cust("COUNT(*)"), "todos")
        .column_as(Expr::from(Func::count(Expr::case(overdue, 1))), "overdue")
        .filter(live())
        .group_by(Column::Status)
        .group_by(Column::Priority)
        .into_tuple()
        .all(db)
        .await?;

    let day = utc_day(db.get_database_backend());
    let per_day: Vec<(String, i64)> = todo::Entity::find()
        .select_only()
        .column_as(day.clone(), "day")
        .column_as(Expr::cust("COUNT(*)"), "completed")
        .filter(live())
        .filter(Column::Status.eq(TodoStatus::Completed))
        .filter(Column::CompletedAt.gte(midnight(first_day)))
        .filter(Column::CompletedAt.lt(midnight(today + Days::new(1))))
        .group_by(day)
        .into_tuple()
        .all(db)
        .await?;

    let mut by_status: HashMap<TodoStatus, u64> = HashMap::new();
    let mut by_priority: HashMap<Priority, u64> = HashMap::new();
    let mut overdue = 0;
    for (status, priority, todos, late) in groups {
        let todos = non_negative(todos);
        *by_status.entry(status).or_default() += todos;
        *by_priority.entry(priority).or_default() += todos;
        overdue += non_negative(late);
    }
    let mut completed: HashMap<NaiveDate, u64> = HashMap::new();
    for (day, count) in per_day {
        let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|err| ServiceError::internal(format!("day {day:?} of stats"), err))?;
        completed.insert(day, non_negative(count));
    }
    let completed_per_day: Vec<(NaiveDate, u64)> = (0..DAYS)
        .map(|offset| {
            let day = first_day + Days::new(offset);
            (day, completed.get(&day).copied().unwrap_or(0))
        })
        .collect();
    let week = completed_per_day.len().saturating_sub(7);
    Ok(TodoStats {
        by_status: TodoStatus::iter()
            .map(|s| (s, by_status.get(&s).copied().unwrap_or(0)))
            .collect(),
        by_priority: Priority::iter()
            .map(|p| (p, by_priority.get(&p).copied().unwrap_or(0)))
            .collect(),
        overdue,
        completed_last_7_days: completed_per_day[week..].iter().map(|(_, n)| n).sum(),
        completed_per_day,
    })
}

/// `completed_at`'s day in UTC as `YYYY-MM-DD` text, in `backend`'s dialect.
fn utc_day(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => {
            Expr::cust(r#"to_char("completed_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD')"#)
        }
        DbBackend::MySql => Expr::cust("DATE_FORMAT(`completed_at`, '%Y-%m-%d')"),
        _ => Expr::cust(r#"date("completed_at")"#),
    }
}

/// The start of `day` in UTC, as the entities store timestamps.
fn midnight(day: NaiveDate) -> clock::Timestamp {
    day.and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .fixed_offset()
}

fn non_negative(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}
