//! The sorts of the todo list: its keys, spelled here once (the API's
//! `sort_by` values, the `default_sort` preference and cursors all read and
//! write these spellings), and a direction.
//!
//! The bottom of the list modules: imports nothing of the crate.

use std::fmt;
use std::str::FromStr;

/// Sort keys of the todo list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    /// Creation time (the default).
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Due date; todos without one come last in either direction.
    DueDate,
    /// Priority by rank: low < medium < high < urgent.
    Priority,
    /// Title, in the database's collation.
    Title,
}

impl SortKey {
    /// Every key, in the order the API lists them.
    pub const ALL: [Self; 5] = [
        Self::CreatedAt,
        Self::UpdatedAt,
        Self::DueDate,
        Self::Priority,
        Self::Title,
    ];

    /// The spelling of every key, in the order of [`Self::ALL`].
    pub const NAMES: [&'static str; Self::ALL.len()] = {
        let mut names = [""; Self::ALL.len()];
        let mut index = 0;
        while index < names.len() {
            names[index] = Self::ALL[index].as_str();
            index += 1;
        }
        names
    };

    /// The API spelling of the key (also what `default_sort` stores).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
            Self::DueDate => "due_date",
            Self::Priority => "priority",
            Self::Title => "title",
        }
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that spells no [`SortKey`]; it displays the rule
/// ("must be one of created_at, …"), as a validation message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownSortKey;

impl fmt::Display for UnknownSortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "must be one of {}", SortKey::NAMES.join(", "))
    }
}

impl std::error::Error for UnknownSortKey {}

impl FromStr for SortKey {
    type Err = UnknownSortKey;

    /// The key spelled exactly `text` (as [`SortKey::as_str`] spells it).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|key| key.as_str() == text)
            .ok_or(UnknownSortKey)
    }
}

/// A sort: the key and the direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The key.
    pub key: SortKey,
    /// Descending (the API's default direction).
    pub descending: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_from_its_spelling_and_nothing_else_does() {
        assert_eq!(SortKey::NAMES.len(), SortKey::ALL.len());
        for (key, name) in SortKey::ALL.into_iter().zip(SortKey::NAMES) {
            assert_eq!(key.as_str(), name);
            assert_eq!(key.as_str().parse(), Ok(key));
            assert_eq!(key.to_string(), key.as_str());
        }
        assert_eq!("Title".parse::<SortKey>(), Err(UnknownSortKey));
        assert_eq!(
            UnknownSortKey.to_string(),
            "must be one of created_at, updated_at, due_date, priority, title"
        );
    }
}
