//! Versions of correctable records and the `If-Match` precondition (RFC 9110 §13.1.1).
//!
//! Each record people can correct carries a version, raised by every write of its own
//! fields. Its `ETag` is the version as a strong entity tag (`"3"`): it tags the record's
//! own fields, not the figures derived from other records (totals, progress) that its
//! answer may also show. A write carrying `If-Match` proceeds only when one of the tags
//! given is the current one (or `*`); a weak tag (`W/"3"`) never matches, as the standard
//! requires for `If-Match`.

use serde::{Deserialize, Serialize};

/// The version of a record: 1 when created, one more at each write of its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(pub i64);

impl Version {
    /// The strong entity tag answered in `ETag`: the version in quotes.
    pub fn etag(self) -> String {
        format!("\"{}\"", self.0)
    }
}

/// What an `If-Match` header asks: any current record (`*`), or one of these tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    /// The tags as sent, quotes included (`"3"`, `W/"3"`).
    Tags(Vec<String>),
}

impl IfMatch {
    /// Reads the header's value: `*`, or a comma-separated list of entity tags. Anything
    /// else is kept as a tag that matches nothing, so a malformed header fails the
    /// precondition (412) rather than being ignored.
    pub fn parse(header: &str) -> IfMatch {
        let header = header.trim();
        if header == "*" {
            return IfMatch::Any;
        }
        IfMatch::Tags(
            header
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        )
    }

    /// Whether the record at `current` satisfies the precondition (strong comparison).
    pub fn matches(&self, current: Version) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => {
                let etag = current.etag();
                tags.contains(&etag)
            }
        }
    }
}

/// The precondition of a write: none given, or given and met.
pub fn precondition_met(if_match: Option<&IfMatch>, current: Version) -> bool {
    if_match.is_none_or(|m| m.matches(current))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_etag_is_the_version_in_quotes() {
        assert_eq!(Version(1).etag(), "\"1\"");
        assert_eq!(Version(42).etag(), "\"42\"");
    }

    #[test]
    fn a_write_without_if_match_always_proceeds() {
        assert!(precondition_met(None, Version(7)));
    }

    #[test]
    fn the_current_tag_matches_and_an_older_one_does_not() {
        assert!(precondition_met(Some(&IfMatch::parse("\"3\"")), Version(3)));
        assert!(!precondition_met(
            Some(&IfMatch::parse("\"2\"")),
            Version(3)
        ));
    }

    #[test]
    fn a_list_matches_when_one_tag_is_current_and_star_matches_anything() {
        assert!(IfMatch::parse("\"1\", \"3\"").matches(Version(3)));
        assert!(!IfMatch::parse("\"1\", \"2\"").matches(Version(3)));
        assert!(IfMatch::parse(" * ").matches(Version(9)));
    }

    #[test]
    fn weak_or_malformed_tags_never_match() {
        assert!(!IfMatch::parse("W/\"3\"").matches(Version(3)));
        assert!(!IfMatch::parse("3").matches(Version(3)));
        assert!(!IfMatch::parse("").matches(Version(3)));
        assert!(!IfMatch::parse("\"3").matches(Version(3)));
    }
}
