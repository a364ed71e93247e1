//! `/sync`: delta sync of the caller's todos, categories and tags.

use actix_web::{get, web};
use service::sync;

use crate::auth::Owner;
use crate::dto::sync::{SyncOut, SyncQuery};
use crate::dto::users::InvalidQuery;
use crate::error::{ApiResult, Problem};
use crate::extract::ValidQuery;
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// Changes since a point (delta sync)
///
/// What changed in the caller's todos, categories and tags after `since`
/// (absent or empty: everything), oldest change first, each record once in
/// its current state. A todo counts as changed when its row, its tags or
/// its category link change (soft delete and restore included); a renamed
/// category or tag appears under `categories` or `tags` only. `deleted_ids`
/// are records removed for good. At most `size` records: with `has_more`,
/// ask again at once with `next_since`; otherwise keep `next_since` for
/// later. A client that always passes the last `next_since` back misses no
/// change and sees none twice, whatever ran concurrently on any server.
/// Deletions are remembered at least 30 days: an older `since` is `410`
/// (`gone`), and the client syncs everything again.
#[utoipa::path(
    tag = "sync",
    params(SyncQuery),
    responses(
        (status = 200, description = "The changes after `since`", body = SyncOut),
        (status = 400, description = "A `since` that does not decode", body = Problem, content_type = PROBLEM),
        (status = 410, description = "A `since` older than the deletions kept (30 days at least): sync everything again", body = Problem, content_type = PROBLEM),
        InvalidQuery,
    )
)]
#[get("/sync")]
pub async fn delta_sync(
    state: web::Data<AppState>,
    auth: Owner,
    ValidQuery(query): ValidQuery<SyncQuery>,
) -> ApiResult<web::Json<SyncOut>> {
    let request = query.into_request()?;
    let batch = (state.reads)
        .run(auth.id, |db| async move {
            sync::read(&db, auth.id, request).await
        })
        .await?;
    Ok(web::Json(SyncOut::from(batch)))
}
