//! Names of categories and tags: stored as typed (trimmed), unique per user
//! by their key (trimmed and lower-cased), so "Work" and " work" are one name.
//! The check that a name is free is the labels' own (`labels::free_name`).

use std::collections::HashSet;

/// The display form of a name: the name without surrounding whitespace.
#[must_use]
pub fn display(name: &str) -> String {
    name.trim().to_owned()
}

/// The key a name is unique by (per user): trimmed and lower-cased.
#[must_use]
pub fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// `names` without repeats, compared by key; the first spelling wins and
/// the order is kept. Each entry is `(display, key)`.
#[must_use]
pub fn distinct(names: &[String]) -> Vec<(String, String)> {
    // A set, not a scan of `out`: a bulk request names up to 50,000 tags.
    let mut seen = HashSet::with_capacity(names.len());
    let mut out: Vec<(String, String)> = Vec::with_capacity(names.len());
    for name in names {
        let key = key(name);
        if seen.insert(key.clone()) {
            out.push((display(name), key));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_by_their_trimmed_lower_case_form() {
        assert_eq!(key("  Work "), "work");
        assert_eq!(display("  Work "), "Work");
        let names = ["Urgent", "home", " URGENT", "Home "].map(str::to_owned);
        assert_eq!(
            distinct(&names),
            vec![
                ("Urgent".to_owned(), "urgent".to_owned()),
                ("home".to_owned(), "home".to_owned()),
            ]
        );
    }
}
