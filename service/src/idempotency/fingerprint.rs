//! What makes two requests "the same request": the operation, and the body
//! equal *as JSON*. The body is written in a canonical form (object members
//! sorted by name, no insignificant whitespace) and hashed with the
//! operation, so key order and spacing do not matter while any difference
//! of a value does. A row keeps only the 64 hex digits of the hash.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hex SHA-256 of `operation` (e.g. `POST /api/v1/todos`) and `body` in
/// canonical JSON. Two bodies that are equal as JSON (the same members with
/// equal values, in any order and spacing) have the same fingerprint; so
/// does nothing else, in practice. The operation is part of it, so a key
/// used once for a todo and then for a tag is a different request.
#[must_use]
pub fn fingerprint(operation: &str, body: &Value) -> String {
    let mut canonical = String::with_capacity(256);
    write_canonical(body, &mut canonical);
    let digest = Sha256::new()
        .chain_update(operation.as_bytes())
        .chain_update(b"\n")
        .chain_update(canonical.as_bytes())
        .finalize();
    hex::encode(digest)
}

/// Writes `value` with the members of every object sorted by name and no
/// whitespace; strings and numbers as `serde_json` writes them (so a string
/// spelled with escapes and one spelled without are written alike).
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (name, member)) in sorted.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                write_canonical(member, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(json: &str) -> String {
        fingerprint(
            "POST /api/v1/todos",
            &serde_json::from_str(json).expect("json"),
        )
    }

    #[test]
    fn member_order_and_whitespace_do_not_matter() {
        let a = of(r#"{"title":"Buy milk","tags":["a","b"],"due":{"x":1,"y":2}}"#);
        let b = of(
            "{ \"due\" : {\"y\":2, \"x\":1},\n  \"tags\": [\"a\", \"b\"], \"title\": \"Buy milk\" }",
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn escapes_spell_the_same_string() {
        assert_eq!(of(r#"{"title":"é\n"}"#), of(r#"{"title":"\u00e9\u000a"}"#));
    }

    #[test]
    fn any_difference_of_a_value_or_the_operation_matters() {
        let base = of(r#"{"title":"a","tags":["x","y"]}"#);
        for other in [
            r#"{"title":"b","tags":["x","y"]}"#,
            r#"{"title":"a","tags":["y","x"]}"#,
            r#"{"title":"a","tags":["x","y"],"description":null}"#,
            r#"{"title":"a"}"#,
            r#"{"title":["a"],"tags":["x","y"]}"#,
        ] {
            assert_ne!(base, of(other), "{other}");
        }
        let body = serde_json::json!({ "name": "home" });
        assert_ne!(
            fingerprint("POST /api/v1/tags", &body),
            fingerprint("POST /api/v1/categories", &body)
        );
    }

    #[test]
    fn names_that_need_escapes_cannot_fake_structure() {
        assert_ne!(of(r#"{"a\":1,\"b":2}"#), of(r#"{"a":1,"b":2}"#));
    }
}
