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

/// Runs `select` for one page: two statements, the count and the page; a
/// page that starts past the last row costs only the count (and a huge page
/// number cannot overflow the offset).
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
    let size = request.size.max(1);
    let paginator = select.paginate(db, size);
    let total = paginator.num_items().await?;
    let index = request.page.saturating_sub(1);
    let items = match index.checked_mul(size) {
        Some(offset) if offset < total => paginator.fetch_page(index).await?,
        _ => Vec::new(),
    };
    Ok(Paged { items, total })
}
