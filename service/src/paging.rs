//! Offset pagination shared by every paged list (todos, categories, tags,
//! users, the audit log): the one page request type, its limits, and the
//! one offset guard.
//!
//! Page numbers come from clients and may be as large as `u64::MAX`, while
//! `page * size` must fit the `OFFSET` the engines take (a signed 64-bit
//! integer) and SeaORM's paginator multiplies without checking (it panics in
//! a debug build and wraps in a release one). [`PageRequest::offset`] is the
//! one guard: every paged list asks it first (through [`fetch`], or itself
//! when it builds its own statements), and a page it cannot place lies past
//! the end of any table, so it answers no rows without asking the database.
//!
//! The sizes a request may name are those a user's `default_page_size`
//! preference may hold ([`user_preferences::PAGE_SIZE_RANGE`]), and a
//! request that names none gets that preference's default
//! ([`user_preferences::DEFAULT_PAGE_SIZE`]): one pair of numbers for both.

use std::ops::RangeInclusive;

use entity::user_preferences;
use sea_orm::{ConnectionTrait, DbErr, PaginatorTrait, SelectorTrait};

/// The fewest rows a page may hold.
// Widened from the preference column's `i32`; both bounds are positive.
pub const MIN_PAGE_SIZE: u64 = *user_preferences::PAGE_SIZE_RANGE.start() as u64;
/// The most rows a page may hold.
pub const MAX_PAGE_SIZE: u64 = *user_preferences::PAGE_SIZE_RANGE.end() as u64;
/// Rows per page when a request names no size and no preference applies.
pub const DEFAULT_PAGE_SIZE: u64 = user_preferences::DEFAULT_PAGE_SIZE as u64;

/// A 1-based page of `size` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Rows per page, within [`PageRequest::SIZES`].
    pub size: u64,
}

impl PageRequest {
    /// The page sizes a request may name.
    pub const SIZES: RangeInclusive<u64> = MIN_PAGE_SIZE..=MAX_PAGE_SIZE;

    /// The page a request names: page 1 and `default_size` where it names
    /// none, page 0 read as 1, and the size brought within [`Self::SIZES`]
    /// (requests are validated first; this keeps the arithmetic safe).
    #[must_use]
    pub fn new(page: Option<u64>, size: Option<u64>, default_size: u64) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            size: size
                .unwrap_or(default_size)
                .clamp(MIN_PAGE_SIZE, MAX_PAGE_SIZE),
        }
    }

    /// A stored `default_page_size` preference as a page size, if it is one
    /// (the column's CHECK makes it one; a row written around it is ignored).
    #[must_use]
    pub fn preferred_size(stored: i32) -> Option<u64> {
        u64::try_from(stored)
            .ok()
            .filter(|size| Self::SIZES.contains(size))
    }

    /// The rows before this page, or `None` when that number does not fit a
    /// signed 64-bit integer: no table holds that many rows, so such a page
    /// is past the last one.
    #[must_use]
    pub fn offset(self) -> Option<u64> {
        self.page
            .saturating_sub(1)
            .checked_mul(self.size)
            .filter(|offset| i64::try_from(*offset).is_ok())
    }
}

/// One page of rows and the number of rows on all pages.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// The rows of the requested page (empty past the last page).
    pub items: Vec<T>,
    /// Rows matching the filter, on all pages.
    pub total: u64,
}

impl<T> Paged<T> {
    /// The same page with each row mapped by `f`.
    #[must_use]
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
        }
    }
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
    let bounded = PageRequest { size, ..request };
    let items = match bounded.offset() {
        // `fetch_page` multiplies index by size again: safe, as the offset fits.
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

    fn offset(page: u64, size: u64) -> Option<u64> {
        PageRequest { page, size }.offset()
    }

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
    }

    #[test]
    fn a_request_fills_in_and_bounds_what_it_leaves_open() {
        assert_eq!(
            PageRequest::new(None, None, DEFAULT_PAGE_SIZE),
            PageRequest { page: 1, size: 20 }
        );
        assert_eq!(
            PageRequest::new(Some(0), Some(500), 7),
            PageRequest { page: 1, size: 100 }
        );
        assert_eq!(
            PageRequest::new(Some(3), Some(0), 7),
            PageRequest { page: 3, size: 1 }
        );
        assert_eq!(PageRequest::preferred_size(50), Some(50));
        assert_eq!(PageRequest::preferred_size(0), None);
        assert_eq!(PageRequest::preferred_size(101), None);
    }
}
