//! The audit log, as admins read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service::audit::Filter;
use service::paging::PageRequest;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::pagination::DEFAULT_PAGE_SIZE;

/// One audit row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditLogOut {
    /// Row id.
    pub id: Uuid,
    /// The user the event is by (admin actions) or about; null once that user is purged.
    pub user_id: Option<Uuid>,
    /// What happened, e.g. `auth.login`.
    #[schema(examples("auth.login"))]
    pub action: String,
    /// The kind of entity affected.
    pub entity_type: Option<String>,
    /// Its id.
    pub entity_id: Option<String>,
    /// Whether the attempt succeeded.
    pub success: bool,
    /// The client's IP address.
    pub ip_address: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// Extra facts (never secrets).
    pub details: Option<serde_json::Value>,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

impl From<entity::audit_log::Model> for AuditLogOut {
    fn from(row: entity::audit_log::Model) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            success: row.success,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            details: row.details,
            created_at: row.created_at.to_utc(),
        }
    }
}

/// Filters of the audit log (newest first).
#[derive(Debug, Clone, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditLogQuery {
    /// Rows by or about this user.
    pub user_id: Option<Uuid>,
    /// Rows of this action, e.g. `auth.login`.
    #[validate(length(max = 64, message = "must be at most 64 characters"))]
    pub action: Option<String>,
    /// Rows written at or after (RFC 3339: years 1000–9999, seconds 0–59).
    #[serde(default, deserialize_with = "super::rules::timestamp")]
    #[validate(custom(function = super::rules::validate_timestamp))]
    pub since: Option<DateTime<Utc>>,
    /// Rows written before (RFC 3339: years 1000–9999, seconds 0–59).
    #[serde(default, deserialize_with = "super::rules::timestamp")]
    #[validate(custom(function = super::rules::validate_timestamp))]
    pub until: Option<DateTime<Utc>>,
    /// 1-based page number; past the last page, no items.
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[validate(custom(function = crate::pagination::validate_page_size))]
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

impl AuditLogQuery {
    /// The rows the query asks for, and the page of them.
    #[must_use]
    pub fn into_parts(self) -> (Filter, PageRequest) {
        let filter = Filter {
            user_id: self.user_id,
            action: self.action,
            since: self.since,
            until: self.until,
        };
        (
            filter,
            PageRequest::new(self.page, self.size, DEFAULT_PAGE_SIZE),
        )
    }
}
