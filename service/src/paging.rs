//! Offset pagination shared by the list operations.

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, Select};

/// A 1-based page of `size` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Rows per page (1–100, checked by the caller).
    pub size: u64,
}

/// One page of rows and the number of rows on all pages.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// The rows of the requested page (empty past the last page).
    pub items: Vec<T>,
    /// Rows matching the filter, on all pages.
    pub total: u64,
}

/// Runs `select` for one page: two statements, the page and the count.
///
/// # Errors
/// The database error.
pub async fn fetch<E, M, C>(
    db: &C,
    select: Select<E>,
    request: PageRequest,
) -> Result<Paged<M>, sea_orm::DbErr>
where
    C: ConnectionTrait,
    E: EntityTrait<Model = M>,
    M: FromQueryResult + Send + Sync,
{
    let paginator = select.paginate(db, request.size.max(1));
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(request.page.saturating_sub(1)).await?;
    Ok(Paged { items, total })
}
