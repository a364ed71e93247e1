//! Names of categories and tags: stored as typed (trimmed), unique per user
//! by their key (trimmed and lower-cased), so "Work" and " work" are one name.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{ServiceError, ServiceResult};

/// The columns a named, per-user entity (a category, a tag) is unique by.
pub(crate) struct NameColumns<C> {
    /// The owner.
    pub user_id: C,
    /// The name's key.
    pub name_key: C,
    /// The primary key.
    pub id: C,
}

/// Fails with a conflict on `name` if another row of the caller's (any but
/// `except`) has `key`. The unique index still decides races; this names the
/// field before the write.
///
/// # Errors
/// [`ServiceError::Conflict`] on `name`, or the database error.
pub(crate) async fn ensure_free<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    columns: NameColumns<E::Column>,
    user_id: Uuid,
    key: &str,
    except: Option<Uuid>,
) -> ServiceResult<()> {
    let mut select = E::find()
        .filter(columns.user_id.eq(user_id))
        .filter(columns.name_key.eq(key));
    if let Some(except) = except {
        select = select.filter(columns.id.ne(except));
    }
    if select.one(conn).await?.is_some() {
        return Err(ServiceError::taken("name"));
    }
    Ok(())
}

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
