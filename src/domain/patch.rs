//! Partial updates (`PATCH`, JSON Merge Patch, RFC 7396): a field absent is unchanged, a
//! field given `null` is cleared, a field given a value is set to it.
//!
//! An input type declares each correctable field as `Patch<T>` with
//! `#[serde(default, deserialize_with = "crate::domain::patch::present")]`: absent gives
//! `None` (serde's default), `null` gives `Some(None)`, a value `Some(Some(v))`.

use serde::{Deserialize, Deserializer};

use crate::domain::rule::Violation;

/// One field of a partial update: `None` absent, `Some(None)` cleared, `Some(Some(v))` set.
pub type Patch<T> = Option<Option<T>>;

/// Deserializes a field that is present (its value, `null` included).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A field that cannot be cleared: absent is `Ok(None)` (unchanged), a value is kept, and
/// `null` is the violation `required` on `field`.
pub fn not_null<T>(field: &str, patch: Patch<T>) -> Result<Option<T>, Violation> {
    match patch {
        None => Ok(None),
        Some(Some(v)) => Ok(Some(v)),
        Some(None) => Err(Violation::new(field, "required")),
    }
}

/// The value after the patch of an optional field: unchanged when absent.
pub fn apply<T>(current: Option<T>, patch: Patch<T>) -> Option<T> {
    match patch {
        None => current,
        Some(v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Input {
        #[serde(default, deserialize_with = "present")]
        name: Patch<String>,
        #[serde(default, deserialize_with = "present")]
        note: Patch<String>,
    }

    #[test]
    fn absent_null_and_value_are_three_different_things() {
        let i: Input = serde_json::from_str(r#"{"note": null}"#).unwrap();
        assert_eq!(i.name, None);
        assert_eq!(i.note, Some(None));
        let i: Input = serde_json::from_str(r#"{"name": "Awa"}"#).unwrap();
        assert_eq!(i.name, Some(Some("Awa".to_string())));
    }

    #[test]
    fn a_required_field_cannot_be_cleared() {
        assert_eq!(not_null::<i32>("sex", None), Ok(None));
        assert_eq!(not_null("sex", Some(Some(1))), Ok(Some(1)));
        let v = not_null::<i32>("sex", Some(None)).unwrap_err();
        assert_eq!((v.field.as_str(), v.code), ("sex", "required"));
    }

    #[test]
    fn applying_keeps_clears_or_sets() {
        assert_eq!(apply(Some(1), None), Some(1));
        assert_eq!(apply(Some(1), Some(None)), None);
        assert_eq!(apply(None, Some(Some(2))), Some(2));
    }
}
