//! Page-number pagination: the query parameters and the answer envelope with
//! links. The limits and the page arithmetic are the service's
//! ([`service::paging`]); this module only reads and answers them over HTTP.

use actix_web::HttpRequest;
use serde::{Deserialize, Deserializer, Serialize};
pub use service::paging::DEFAULT_PAGE_SIZE;
use service::paging::{MAX_PAGE_SIZE, MIN_PAGE_SIZE, PageRequest, Paged};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

/// What [`page_number`] says of a `page` it refuses.
pub const PAGE_RULE: &str = "must be a whole number from 1 to 18446744073709551615";

/// Reads the `page` query parameter of every paged list: a positive 64-bit
/// integer, however large (a page past the last is empty, see
/// `service::paging::PageRequest::offset`); an empty value is no value.
///
/// # Errors
/// [`PAGE_RULE`] for anything else: `0`, `-1`, `1.5`, `abc`, `2^64`.
pub fn page_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    match text.parse::<u64>() {
        Ok(page) if page >= 1 => Ok(Some(page)),
        _ => Err(serde::de::Error::custom(PAGE_RULE)),
    }
}

/// Checks a `size` query parameter against the sizes a page may have.
///
/// # Errors
/// "must be between 1 and 100" for any other size.
pub fn validate_page_size(size: u64) -> Result<(), ValidationError> {
    if PageRequest::SIZES.contains(&size) {
        Ok(())
    } else {
        Err(ValidationError::new("range")
            .with_message(format!("must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}").into()))
    }
}

/// `page` and `size` query parameters.
#[derive(Debug, Clone, Copy, Default, Deserialize, Validate, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1); past the last page, no items.
    #[serde(default, deserialize_with = "page_number")]
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[validate(custom(function = validate_page_size))]
    #[param(minimum = 1, maximum = 100)]
    pub size: Option<u64>,
}

impl PageParams {
    /// The page to fetch, with `default_size` when the request names none.
    #[must_use]
    pub fn request(self, default_size: u64) -> PageRequest {
        PageRequest::new(self.page, self.size, default_size)
    }
}

/// Navigation links of a page; each keeps the request's other query parameters.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageLinks {
    /// This page.
    #[serde(rename = "self")]
    pub self_: String,
    /// The next page, if any.
    pub next: Option<String>,
    /// The previous page, if any.
    pub prev: Option<String>,
    /// The first page.
    pub first: String,
    /// The last page.
    pub last: String,
}

/// A page of items with totals and links.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page (empty past the last page).
    pub items: Vec<T>,
    /// Items on all pages.
    pub total: u64,
    /// This page's number (1-based).
    pub page: u64,
    /// Items per page.
    pub size: u64,
    /// Number of pages (0 when there are no items).
    pub pages: u64,
    /// Whether a next page exists.
    pub has_next: bool,
    /// Whether a previous page exists.
    pub has_prev: bool,
    /// Navigation links.
    pub links: PageLinks,
}

impl<T> Page<T> {
    /// Builds the envelope for `paged`, mapping each row with `map` and
    /// linking to neighbours of the request's URL.
    pub fn new<R>(
        req: &HttpRequest,
        request: PageRequest,
        paged: Paged<R>,
        map: impl FnMut(R) -> T,
    ) -> Self {
        let pages = paged.total.div_ceil(request.size);
        let link = |page: u64| page_link(req, page, request.size);
        Self {
            items: paged.items.into_iter().map(map).collect(),
            total: paged.total,
            page: request.page,
            size: request.size,
            pages,
            has_next: request.page < pages,
            has_prev: request.page > 1,
            links: PageLinks {
                self_: link(request.page),
                next: (request.page < pages).then(|| link(request.page + 1)),
                prev: (request.page > 1).then(|| link((request.page - 1).min(pages.max(1)))),
                first: link(1),
                last: link(pages.max(1)),
            },
        }
    }
}

/// The request's path and query with `page` and `size` replaced.
#[must_use]
pub fn page_link(req: &HttpRequest, page: u64, size: u64) -> String {
    with_params(
        req,
        &[("page", page.to_string()), ("size", size.to_string())],
        &["cursor"],
    )
}

/// The request's path and query with `set` replacing (or adding) parameters
/// and `remove` dropped; other parameters keep their order.
#[must_use]
pub fn with_params(req: &HttpRequest, set: &[(&str, String)], remove: &[&str]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if set.iter().any(|(k, _)| *k == key) || remove.contains(&key.as_ref()) {
            continue;
        }
        out.append_pair(&key, &value);
    }
    for (key, value) in set {
        out.append_pair(key, value);
    }
    format!("{}?{}", req.path(), out.finish())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_page_is_a_positive_64_bit_integer_however_large() {
        let page = |query: &str| crate::extract::parse_query::<PageParams>(query);
        assert_eq!(page("").map(|p| p.page).ok(), Some(None));
        assert_eq!(page("page=").map(|p| p.page).ok(), Some(None));
        assert_eq!(page("page=1").map(|p| p.page).ok(), Some(Some(1)));
        assert_eq!(
            page("page=18446744073709551615").map(|p| p.page).ok(),
            Some(Some(u64::MAX))
        );
        for bad in ["0", "-1", "18446744073709551616", "abc", "1.5", "1e3"] {
            let err = page(&format!("page={bad}")).expect_err(bad);
            let errors = err.problem().errors.unwrap_or_default();
            assert_eq!(
                errors.get("page"),
                Some(&vec![PAGE_RULE.to_owned()]),
                "{bad}"
            );
        }
    }

    /// The page `page` of `size` of a list of `total` items, `shown` of
    /// them on it, answered to a request for `uri`.
    fn page_of(uri: &str, page: u64, size: u64, shown: Vec<i32>, total: u64) -> Page<i32> {
        let req = TestRequest::get().uri(uri).to_http_request();
        let paged = Paged {
            items: shown,
            total,
        };
        Page::new(&req, PageRequest { page, size }, paged, |x| x)
    }

    #[test]
    fn a_page_past_the_last_links_back_to_the_last() {
        let uri = "/api/v1/tags?page=18446744073709551615&size=10";
        let page = page_of(uri, u64::MAX, 10, vec![], 25);
        assert_eq!((page.pages, page.has_next, page.has_prev), (3, false, true));
        assert_eq!(page.links.next, None);
        assert_eq!(
            page.links.prev.as_deref(),
            Some("/api/v1/tags?page=3&size=10")
        );
        assert_eq!(page.links.last, "/api/v1/tags?page=3&size=10");
    }

    #[test]
    fn links_keep_other_parameters_and_stop_at_the_ends() {
        let uri = "/api/v1/users?status=active&page=2&size=10&search=a%20b";
        let page = page_of(uri, 2, 10, vec![1, 2, 3], 25);
        assert_eq!(page.pages, 3);
        assert!(page.has_next && page.has_prev);
        assert_eq!(
            page.links.next.as_deref(),
            Some("/api/v1/users?status=active&search=a+b&page=3&size=10")
        );
        assert_eq!(
            page.links.first,
            "/api/v1/users?status=active&search=a+b&page=1&size=10"
        );
        assert_eq!(
            page.links.last,
            "/api/v1/users?status=active&search=a+b&page=3&size=10"
        );

        let empty = page_of(uri, 1, 10, vec![], 0);
        assert_eq!(
            (empty.pages, empty.has_next, empty.has_prev),
            (0, false, false)
        );
        assert_eq!(empty.links.next, None);
    }
}
