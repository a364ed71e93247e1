//! `/admin`: the audit log.

use actix_web::{HttpRequest, get, web};
use service::audit;

use crate::auth::AdminUser;
use crate::dto::audit::{AuditLogOut, AuditLogQuery};
use crate::error::{ApiResult, Problem};
use crate::extract::ValidQuery;
use crate::pagination::{DEFAULT_PAGE_SIZE, Page, PageParams};
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// Read the audit log
///
/// Admins only. The security-relevant events (logins, failed logins, password
/// changes, session revocations, account and role changes), newest first,
/// filtered by user, action and time, paged by `page` and `size`.
#[utoipa::path(
    tag = "admin",
    params(AuditLogQuery),
    responses(
        (status = 200, description = "A page of audit rows", body = Page<AuditLogOut>),
        (status = 403, description = "Not an admin", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid query parameters", body = Problem, content_type = PROBLEM),
    )
)]
#[get("/admin/audit-logs")]
pub async fn audit_logs(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: AdminUser,
    ValidQuery(query): ValidQuery<AuditLogQuery>,
) -> ApiResult<web::Json<Page<AuditLogOut>>> {
    let filter = audit::Filter {
        user_id: query.user_id,
        action: query.action,
        since: query.since,
        until: query.until,
    };
    let page = PageParams {
        page: query.page,
        size: query.size,
    }
    .request(DEFAULT_PAGE_SIZE);
    let paged = audit::list(&state.db, &filter, page).await?;
    Ok(web::Json(Page::new(&req, page, paged, AuditLogOut::from)))
}
