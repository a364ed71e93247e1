//! Offset pagination shared by the list operations.
//!
//! Page numbers come from clients and may be as large as `u64::MAX`, while
//! `page * size` must fit the `OFFSET` the engines take (a signed 64-bit
//! integer) and SeaORM's paginator multiplies without checking (it panics in
//! a debug build and wraps in a release one). [`offset`] is the one guard:
//! every paged list asks it first, and a page it cannot place lies past the
//! end of any table, so it answers no rows without asking the database.

use sea_orm::{ConnectionTrait, DbErr, PaginatorTrait, SelectorTrait};

/// A 1-based page of `size` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Rows per page (1–100, checked by the caller).
    pub size: u64,
}

impl PageRequest {
    /// The rows before this page, if an engine can skip that many (see [`offset`]).
    #[must_use]
    pub fn offset(self) -> Option<u64> {
        offset(self.page, self.size)
    }
}

/// The rows before the 1-based page `page` of `size` rows, or `None` when
/// that number does not fit a signed 64-bit integer: no table holds that many
/// rows, so such a page is past the last one.
#[must_use]
pub fn offset(page: u64, size: u64) -> Option<u64> {
    page.saturating_sub(1)
        .checked_mul(size)
        .filter(|offset| i64::try_from(*offset).is_ok())
}

/// One page of rows and the number of rows on all pages.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// The rows of the requested page (empty past the last page).
    pub items: Vec<T>,
    /// Rows matching the filter, on all pages.
    pub total: u64,
}

/// Runs `select` (a `Select`, a `SelectTwo`, or anything else SeaORM pages)
/// for one page: two statements, the count and the page. A page that starts
/// past the last row costs only the count, however large its number.
///
/// # Errors
/// The database error.
pub async fn fetch<'db, C, S>(
    db: &'db C,
    select: S,
    request: PageRequest,
) -> Result<Paged<<S::Selector as SelectorTrait>::Item>, DbErr>
where
    C: ConnectionTrait,
    S: PaginatorTrait<'db, C>,
{
    let size = request.size.max(1);
    let paginator = select.paginate(db, size);
    let total = paginator.num_items().await?;
    let items = match offset(request.page, size) {
        // `fetch_page` multiplies index by size again: safe, as `offset` fits.
        Some(offset) if offset < total => {
            paginator.fetch_page(request.page.saturating_sub(1)).await?
        }
        _ => Vec::new(),
    };
    Ok(Paged { items, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_past_a_signed_64_bit_integer_is_none() {
        assert_eq!(offset(1, 20), Some(0));
        assert_eq!(offset(0, 20), Some(0));
        assert_eq!(offset(3, 20), Some(40));
        let max = u64::try_from(i64::MAX).unwrap_or_default();
        assert_eq!(offset(max, 1), Some(max - 1));
        assert_eq!(offset(max, 2), None);
        assert_eq!(offset(max / 2 + 1, 2), Some(max - 1));
        assert_eq!(offset(u64::MAX, 1), None);
        assert_eq!(offset(u64::MAX, 100), None);
        assert_eq!(PageRequest { page: 2, size: 10 }.offset(), Some(10));
    }
}
