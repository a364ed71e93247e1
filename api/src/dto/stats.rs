//! Statistics over the caller's todos.

use chrono::NaiveDate;
use entity::todo::{Priority, TodoStatus};
use serde::Serialize;
use service::todos::TodoStats;
use utoipa::ToSchema;

/// Live todos per status; every status is present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusCounts {
    /// `pending` todos.
    pub pending: u64,
    /// `in_progress` todos.
    pub in_progress: u64,
    /// `completed` todos.
    pub completed: u64,
    /// `archived` todos.
    pub archived: u64,
}

/// Live todos per priority; every priority is present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriorityCounts {
    /// `low` todos.
    pub low: u64,
    /// `medium` todos.
    pub medium: u64,
    /// `high` todos.
    pub high: u64,
    /// `urgent` todos.
    pub urgent: u64,
}

/// Todos completed on one day (UTC).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayCount {
    /// The day, `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date, examples("2026-11-23"))]
    pub date: NaiveDate,
    /// Todos whose `completed_at` falls on that day.
    pub count: u64,
}

/// Counts over the caller's live (not soft-deleted) todos.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoStatsOut {
    /// Todos per status (0 when none).
    pub by_status: StatusCounts,
    /// Todos per priority (0 when none).
    pub by_priority: PriorityCounts,
    /// Due before now and still `pending` or `in_progress`.
    pub overdue: u64,
    /// Completed today or on the six days before (UTC): the sum of the last
    /// seven entries of `completed_per_day`.
    pub completed_last_7_days: u64,
    /// Completions per day: exactly 30 days, oldest first, ending today
    /// (UTC); days without completions count 0.
    pub completed_per_day: Vec<DayCount>,
}

impl From<TodoStats> for TodoStatsOut {
    fn from(stats: TodoStats) -> Self {
        Self {
            by_status: StatusCounts {
                pending: stats.with_status(TodoStatus::Pending),
                in_progress: stats.with_status(TodoStatus::InProgress),
                completed: stats.with_status(TodoStatus::Completed),
                archived: stats.with_status(TodoStatus::Archived),
            },
            by_priority: PriorityCounts {
                low: stats.with_priority(Priority::Low),
                medium: stats.with_priority(Priority::Medium),
                high: stats.with_priority(Priority::High),
                urgent: stats.with_priority(Priority::Urgent),
            },
            overdue: stats.overdue,
            completed_last_7_days: stats.completed_last_7_days,
            completed_per_day: stats
                .completed_per_day
                .into_iter()
                .map(|(date, count)| DayCount { date, count })
                .collect(),
        }
    }
}
