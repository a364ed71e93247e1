//! `/admin`: the audit log.

use actix_web::{HttpRequest, get, web};
use service::audit;

use crate::auth::AdminUser;
use crate::dto::audit::{AuditLogOut, AuditLogQuery};
use crate::dto::users::{InvalidQuery, NotAdmin};
use crate::error::ApiResult;
use crate::extract::ValidQuery;
use crate::pagination::Page;
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
        NotAdmin,
        InvalidQuery,
    )
)]
#[get("/admin/audit-logs")]
pub async fn audit_logs(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: AdminUser,
    ValidQuery(query): ValidQuery<AuditLogQuery>,
) -> ApiResult<web::Json<Page<AuditLogOut>>> {
    let (filter, page) = query.into_parts();
    let paged = audit::list(&state.db, &filter, page).await?;
    Ok(web::Json(Page::new(&req, page, paged, AuditLogOut::from)))
}
