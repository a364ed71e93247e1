//! Keyset cursors of the todo list: where a walk stopped, as an opaque string.
//!
//! A cursor holds the sort it was made for and the last row's sort key and
//! id: the next page is `WHERE (key, id) > (…)` in the sort's direction, so
//! its cost does not grow with depth, and rows inserted or deleted meanwhile
//! neither repeat nor hide the rows that existed. The text is base64url of a
//! small JSON object; clients must treat it as opaque.
//!
//! Sits on [`super::sort`] alone: the list's other types refer to cursors,
//! never the reverse.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use entity::todo;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::sort::{Sort, SortKey};

/// The sort key value of the row a cursor points after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValue {
    /// A timestamp (`created_at`, `updated_at`, `due_date`).
    Time(DateTime<Utc>),
    /// A priority's rank (0 = low … 3 = urgent).
    Rank(i32),
    /// A title.
    Text(String),
    /// No due date (these come last in either direction).
    Null,
}

/// A position in a walk through the todo list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The sort the walk follows.
    pub sort: Sort,
    /// The sort key of the last row returned.
    pub key: KeyValue,
    /// The id of the last row returned (the tie breaker).
    pub id: Uuid,
}

/// The JSON inside the text; short names keep cursors short.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    /// Sort key name.
    s: String,
    /// Descending.
    d: bool,
    /// Key value.
    k: Value,
    /// Row id.
    i: Uuid,
}

impl Cursor {
    /// The cursor right after `row` in `sort`.
    #[must_use]
    pub fn after(sort: Sort, row: &todo::Model) -> Self {
        let key = match sort.key {
            SortKey::CreatedAt => KeyValue::Time(row.created_at.to_utc()),
            SortKey::UpdatedAt => KeyValue::Time(row.updated_at.to_utc()),
            SortKey::DueDate => row
                .due_date
                .map_or(KeyValue::Null, |t| KeyValue::Time(t.to_utc())),
            SortKey::Priority => KeyValue::Rank(row.priority.rank()),
            SortKey::Title => KeyValue::Text(row.title.clone()),
        };
        Self {
            sort,
            key,
            id: row.id,
        }
    }

    /// The opaque text of this cursor.
    #[must_use]
    pub fn encode(&self) -> String {
        let k = match &self.key {
            KeyValue::Time(t) => Value::String(t.to_rfc3339_opts(SecondsFormat::Micros, true)),
            KeyValue::Rank(r) => Value::from(*r),
            KeyValue::Text(s) => Value::String(s.clone()),
            KeyValue::Null => Value::Null,
        };
        let wire = Wire {
            s: self.sort.key.as_str().to_owned(),
            d: self.sort.descending,
            k,
            i: self.id,
        };
        // Serializing a struct of strings, bools and numbers cannot fail.
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a cursor made by [`Cursor::encode`]; `None` for anything else.
    #[must_use]
    pub fn decode(text: &str) -> Option<Self> {
        let json = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let wire: Wire = serde_json::from_slice(&json).ok()?;
        let key: SortKey = wire.s.parse().ok()?;
        let value = match (key, wire.k) {
            (SortKey::DueDate, Value::Null) => KeyValue::Null,
            (SortKey::CreatedAt | SortKey::UpdatedAt | SortKey::DueDate, Value::String(t)) => {
                KeyValue::Time(DateTime::parse_from_rfc3339(&t).ok()?.to_utc())
            }
            (SortKey::Priority, Value::Number(n)) => {
                KeyValue::Rank(n.as_i64().and_then(|n| i32::try_from(n).ok())?)
            }
            // A NUL cannot be in a stored title (PostgreSQL refuses it as a parameter).
            (SortKey::Title, Value::String(s)) if !s.contains('\0') => KeyValue::Text(s),
            _ => return None,
        };
        Some(Self {
            sort: Sort {
                key,
                descending: wire.d,
            },
            key: value,
            id: wire.i,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(key: SortKey, value: KeyValue) -> Cursor {
        Cursor {
            sort: Sort {
                key,
                descending: true,
            },
            key: value,
            id: Uuid::now_v7(),
        }
    }

    #[test]
    fn cursors_round_trip_for_every_kind_of_key() {
        let time = DateTime::parse_from_rfc3339("2040-01-02T03:04:05.123456Z")
            .expect("time")
            .to_utc();
        for c in [
            cursor(SortKey::CreatedAt, KeyValue::Time(time)),
            cursor(SortKey::DueDate, KeyValue::Null),
            cursor(SortKey::DueDate, KeyValue::Time(time)),
            cursor(SortKey::Priority, KeyValue::Rank(3)),
            cursor(
                SortKey::Title,
                KeyValue::Text("Ünïcode \"quoted\"".to_owned()),
            ),
        ] {
            let text = c.encode();
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{text}"
            );
            assert_eq!(Cursor::decode(&text), Some(c));
        }
    }

    #[test]
    fn anything_else_is_not_a_cursor() {
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(""), None);
        let wrong_type = URL_SAFE_NO_PAD.encode(
            serde_json::json!({"s": "priority", "d": true, "k": "high", "i": Uuid::nil()})
                .to_string(),
        );
        assert_eq!(Cursor::decode(&wrong_type), None);
        let null_created = URL_SAFE_NO_PAD.encode(
            serde_json::json!({"s": "created_at", "d": true, "k": null, "i": Uuid::nil()})
                .to_string(),
        );
        assert_eq!(Cursor::decode(&null_created), None);
    }
}
