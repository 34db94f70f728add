//! Limits on what a request may store (issue 13, "no request can take the service down"):
//! the length and the characters of every text field, the range of dates, the length of
//! lists, and the longest clause.
//!
//! Text fields of request bodies are typed with one of the classes below, whose
//! `Deserialize` enforces the class: a value over the limit never reaches a handler, and the
//! JSON parser names the field in its 422. Limits count characters (Unicode scalar values),
//! not bytes. Every class refuses U+0000 and the C0 control characters (U+0001 to U+001F)
//! and U+007F; the multi-line class lets tab, line feed and carriage return through.

use std::fmt;

use chrono::{Months, NaiveDate};
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::domain::rule::Violation;

/// Names of persons and contacts.
pub const NAME_MAX: usize = 100;
/// Job titles, labels, lot titles; also organisation names, since legal names (raison
/// sociale) of the SIRENE register run past 100 characters.
pub const LABEL_MAX: usize = 200;
/// The title (objet) of a public contract, often several sentences long.
pub const TITLE_MAX: usize = 1_000;
/// Free-text reasons, justifications and comments (multi-line).
pub const FREE_TEXT_MAX: usize = 2_000;
/// An email address (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;
/// Passwords: long enough for any passphrase, short enough for hashing to stay cheap.
pub const PASSWORD_MAX: usize = 1_024;
/// Codes and identifiers (kinds, SIRET, CPV, postal codes, references…): the default class
/// of a single-line field.
pub const CODE_MAX: usize = 64;

/// Reminder contacts of one organisation.
pub const MAX_CONTACTS: usize = 50;

/// The longest clause, in months: its calendar of milestones grows with it.
pub const MAX_CLAUSE_MONTHS: u32 = 240;

const fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

/// The first date a request body may carry (birth dates aside, which have their own rule).
pub const MIN_DATE: NaiveDate = day(1990, 1, 1);
/// The last date a request body may carry.
pub const MAX_DATE: NaiveDate = day(2100, 12, 31);

// ---------------------------------------------------------------------------------------
// text

/// Why a text does not fit its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// More characters than the class allows.
    TooLong { max: usize },
    /// U+0000.
    Nul,
    /// Tab, line feed or carriage return in a single-line field.
    LineBreak(char),
    /// Another C0 control character, or U+007F.
    Control(char),
}

impl TextError {
    /// The broken rule, on `field`.
    pub fn violation(&self, field: impl Into<String>) -> crate::domain::rule::Violation {
        let v = crate::domain::rule::Violation::new(field, self.code());
        match self {
            TextError::TooLong { max } => v.with("max", max),
            TextError::Nul => v,
            TextError::LineBreak(c) | TextError::Control(c) => {
                v.with("character", format!("U+{:04X}", u32::from(*c)))
            }
        }
    }

    /// The code and params of the rule, as a serde message: the HTTP edge reads them back
    /// (`too_long max=200`) and writes the catalogue's sentence.
    pub fn serde_message(&self) -> String {
        self.violation("")
            .params
            .iter()
            .fold(self.code().to_string(), |m, (name, value)| {
                format!("{m} {name}={value}")
            })
    }

    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            TextError::TooLong { .. } => "too_long",
            TextError::Nul => "nul_character",
            TextError::LineBreak(_) => "line_break",
            TextError::Control(_) => "control_character",
        }
    }
}

/// A French predicate, to follow the field's name ("email : ne doit pas dépasser…").
impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::TooLong { max } => write!(f, "ne doit pas dépasser {max} caractères"),
            TextError::Nul => write!(f, "ne doit pas contenir de caractère nul (U+0000)"),
            TextError::LineBreak(c) => write!(
                f,
                "doit tenir sur une seule ligne, sans tabulation ni saut de ligne (U+{:04X})",
                u32::from(*c)
            ),
            TextError::Control(c) => write!(
                f,
                "ne doit pas contenir de caractère de contrôle (U+{:04X})",
                u32::from(*c)
            ),
        }
    }
}

/// Checks a text against a class: at most `max` characters, no NUL, no control character
/// (tab, line feed and carriage return allowed when `multiline`).
pub fn check_text(text: &str, max: usize, multiline: bool) -> Result<(), TextError> {
    // At most 4 bytes a character: a short text needs no counting.
    if text.len() > max && text.chars().nth(max).is_some() {
        return Err(TextError::TooLong { max });
    }
    for c in text.chars() {
        match c {
            '\0' => return Err(TextError::Nul),
            '\t' | '\n' | '\r' if multiline => {}
            '\t' | '\n' | '\r' => return Err(TextError::LineBreak(c)),
            '\u{1}'..='\u{1f}' | '\u{7f}' => return Err(TextError::Control(c)),
            _ => {}
        }
    }
    Ok(())
}

/// A text of at most `MAX` characters without control characters; `MULTILINE` lets tab and
/// line breaks through. Use the aliases ([`Name`], [`Label`], …), which name the class.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Text<const MAX: usize, const MULTILINE: bool>(String);

/// A person's or a contact's name.
pub type Name = Text<NAME_MAX, false>;
/// A job title, a label, a lot title, an organisation's name.
pub type Label = Text<LABEL_MAX, false>;
/// A contract's title.
pub type Title = Text<TITLE_MAX, false>;
/// A reason, a justification, a comment: several lines allowed.
pub type FreeText = Text<FREE_TEXT_MAX, true>;
/// An email address, as far as its length and characters go (its syntax is checked where
/// an address is stored).
pub type Email = Text<EMAIL_MAX, false>;
/// A password, as far as its length and characters go (strength is checked on creation).
pub type Password = Text<PASSWORD_MAX, false>;
/// A code or an identifier: the default class of a single-line field.
pub type Code = Text<CODE_MAX, false>;

impl<const MAX: usize, const MULTILINE: bool> Text<MAX, MULTILINE> {
    /// The most characters of the class.
    pub const MAX_CHARS: usize = MAX;

    pub fn new(text: String) -> Result<Self, TextError> {
        check_text(&text, MAX, MULTILINE)?;
        Ok(Text(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize, const MULTILINE: bool> TryFrom<String> for Text<MAX, MULTILINE> {
    type Error = TextError;
    fn try_from(text: String) -> Result<Self, TextError> {
        Self::new(text)
    }
}

impl<const MAX: usize, const MULTILINE: bool> TryFrom<&str> for Text<MAX, MULTILINE> {
    type Error = TextError;
    fn try_from(text: &str) -> Result<Self, TextError> {
        Self::new(text.to_string())
    }
}

impl<const MAX: usize, const MULTILINE: bool> From<Text<MAX, MULTILINE>> for String {
    fn from(t: Text<MAX, MULTILINE>) -> String {
        t.0
    }
}

impl<const MAX: usize, const MULTILINE: bool> std::ops::Deref for Text<MAX, MULTILINE> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize, const MULTILINE: bool> PartialEq<str> for Text<MAX, MULTILINE> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl<const MAX: usize, const MULTILINE: bool> PartialEq<&str> for Text<MAX, MULTILINE> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<const MAX: usize, const MULTILINE: bool> AsRef<str> for Text<MAX, MULTILINE> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize, const MULTILINE: bool> fmt::Debug for Text<MAX, MULTILINE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MAX: usize, const MULTILINE: bool> fmt::Display for Text<MAX, MULTILINE> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize, const MULTILINE: bool> Serialize for Text<MAX, MULTILINE> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de, const MAX: usize, const MULTILINE: bool> Deserialize<'de> for Text<MAX, MULTILINE> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::new(text).map_err(|e| serde::de::Error::custom(e.serde_message()))
    }
}

// ---------------------------------------------------------------------------------------
// dates

/// Why a date is refused.
pub fn date_out_of_range(date: NaiveDate) -> Option<String> {
    (date < MIN_DATE || date > MAX_DATE)
        .then(|| format!("doit être comprise entre le {MIN_DATE} et le {MAX_DATE}"))
}

/// For `#[serde(deserialize_with = "date")]`: a date from 1990-01-01 to 2100-12-31.
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let date = NaiveDate::deserialize(d)?;
    match date_out_of_range(date) {
        Some(_) => Err(serde::de::Error::custom(format!(
            "date_out_of_range min={MIN_DATE} max={MAX_DATE}"
        ))),
        None => Ok(date),
    }
}

/// For `#[serde(default, deserialize_with = "opt_date")]`: an optional date (null or
/// absent) from 1990-01-01 to 2100-12-31.
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    struct Bounded(#[serde(deserialize_with = "date")] NaiveDate);
    Ok(Option::<Bounded>::deserialize(d)?.map(|b| b.0))
}

// ---------------------------------------------------------------------------------------
// lists

/// A list of at most `MAX` items; reading stops at the first item over the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List<T, const MAX: usize>(pub Vec<T>);

impl<T, const MAX: usize> List<T, MAX> {
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for List<T, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items<T, const MAX: usize>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for Items<T, MAX> {
            type Value = List<T, MAX>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of at most {MAX} items")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX));
                while let Some(item) = seq.next_element()? {
                    if items.len() == MAX {
                        return Err(serde::de::Error::custom(format!("list_too_long max={MAX}")));
                    }
                    items.push(item);
                }
                Ok(List(items))
            }
        }

        d.deserialize_seq(Items(std::marker::PhantomData))
    }
}

// ---------------------------------------------------------------------------------------
// clauses

/// The last day a clause that starts on `starts_on` may run to: 240 months later, less a day.
pub fn latest_clause_end(starts_on: NaiveDate) -> Option<NaiveDate> {
    starts_on
        .checked_add_months(Months::new(MAX_CLAUSE_MONTHS))
        .and_then(|d| d.pred_opt())
}

/// A clause lasts at most 240 months: from 2026-01-01, it ends on 2045-12-31 at the latest.
pub fn check_clause_span(starts_on: NaiveDate, ends_on: NaiveDate) -> Result<(), Violation> {
    match latest_clause_end(starts_on) {
        Some(latest) if ends_on <= latest => Ok(()),
        latest => {
            let v = Violation::new("ends_on", "clause_too_long").with("months", MAX_CLAUSE_MONTHS);
            Err(match latest {
                Some(latest) => v.with("latest", latest),
                None => v,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let at_limit = "é".repeat(NAME_MAX);
        assert!(at_limit.len() > NAME_MAX);
        assert_eq!(check_text(&at_limit, NAME_MAX, false), Ok(()));
        let over = "é".repeat(NAME_MAX + 1);
        assert_eq!(
            check_text(&over, NAME_MAX, false),
            Err(TextError::TooLong { max: NAME_MAX })
        );
        assert_eq!(check_text("", NAME_MAX, false), Ok(()));
        let huge = "a".repeat(15 * 1024 * 1024);
        assert_eq!(
            check_text(&huge, FREE_TEXT_MAX, true),
            Err(TextError::TooLong { max: FREE_TEXT_MAX })
        );
    }

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_where_allowed() {
        assert_eq!(check_text("a\0b", 10, true), Err(TextError::Nul));
        assert_eq!(check_text("a\0b", 10, false), Err(TextError::Nul));
        assert_eq!(check_text("a\tb\r\nc\n", 10, true), Ok(()));
        for c in ['\t', '\n', '\r'] {
            assert_eq!(
                check_text(&format!("a{c}b"), 10, false),
                Err(TextError::LineBreak(c))
            );
        }
        for c in ['\u{1}', '\u{7}', '\u{1b}', '\u{1f}', '\u{7f}'] {
            assert_eq!(
                check_text(&format!("a{c}b"), 10, true),
                Err(TextError::Control(c))
            );
            assert_eq!(
                check_text(&format!("a{c}b"), 10, false),
                Err(TextError::Control(c))
            );
        }
        // Printable text of any script, and the no-break spaces of French typography.
        assert_eq!(check_text("Inès Ndiaye-Lefèvre", 100, false), Ok(()));
        assert_eq!(
            check_text("12\u{202F}000\u{A0}€ ; 日本", 100, false),
            Ok(())
        );
    }

    #[test]
    fn messages_are_french_predicates() {
        assert_eq!(
            TextError::TooLong { max: 200 }.to_string(),
            "ne doit pas dépasser 200 caractères"
        );
        assert_eq!(
            TextError::Nul.to_string(),
            "ne doit pas contenir de caractère nul (U+0000)"
        );
        assert_eq!(
            TextError::Control('\u{7}').to_string(),
            "ne doit pas contenir de caractère de contrôle (U+0007)"
        );
        assert_eq!(TextError::LineBreak('\n').code(), "line_break");
    }

    #[test]
    fn classes_deserialize_with_their_limit() {
        let ok: Name = serde_json::from_str(&format!("\"{}\"", "a".repeat(100))).unwrap();
        assert_eq!(ok.len(), 100);
        let e = serde_json::from_value::<Name>("a".repeat(101).into()).unwrap_err();
        assert_eq!(e.to_string(), "too_long max=100");
        assert!(serde_json::from_str::<Name>("\"a\\u0000\"").is_err());
        assert!(serde_json::from_str::<Name>("\"a\\nb\"").is_err());
        let c: FreeText = serde_json::from_str("\"a\\n\\tb\"").unwrap();
        assert_eq!(c.as_str(), "a\n\tb");
        assert!(serde_json::from_str::<FreeText>("\"a\\u0000\"").is_err());
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"a\\n\\tb\"");
        assert_eq!(Label::MAX_CHARS, 200);
        assert_eq!(Email::MAX_CHARS, 254);
        assert_eq!(FreeText::MAX_CHARS, 2_000);
    }

    #[test]
    fn dates_from_1990_to_2100() {
        assert_eq!(date_out_of_range(d("1990-01-01")), None);
        assert_eq!(date_out_of_range(d("2100-12-31")), None);
        assert!(date_out_of_range(d("1989-12-31")).is_some());
        assert!(date_out_of_range(d("2101-01-01")).is_some());
        assert!(date_out_of_range(d("0001-01-01")).is_some());

        #[derive(Debug, Deserialize)]
        struct Body {
            #[serde(deserialize_with = "date")]
            on: NaiveDate,
            #[serde(default, deserialize_with = "opt_date")]
            until: Option<NaiveDate>,
        }
        let b: Body = serde_json::from_str(r#"{"on": "2026-01-01"}"#).unwrap();
        assert_eq!((b.on, b.until), (d("2026-01-01"), None));
        let b: Body = serde_json::from_str(r#"{"on": "2026-01-01", "until": null}"#).unwrap();
        assert_eq!(b.until, None);
        let b: Body =
            serde_json::from_str(r#"{"on": "2026-01-01", "until": "2100-12-31"}"#).unwrap();
        assert_eq!(b.until, Some(d("2100-12-31")));
        let e = serde_json::from_str::<Body>(r#"{"on": "9999-12-31"}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("date_out_of_range min=1990-01-01 max=2100-12-31"),
            "{e}"
        );
        assert!(
            serde_json::from_str::<Body>(r#"{"on": "2026-01-01", "until": "1989-12-31"}"#).is_err()
        );
    }

    #[test]
    fn lists_stop_over_their_limit() {
        let ok: List<u8, 3> = serde_json::from_str("[1, 2, 3]").unwrap();
        assert_eq!(ok.into_vec(), vec![1, 2, 3]);
        let e = serde_json::from_str::<List<u8, 3>>("[1, 2, 3, 4]").unwrap_err();
        assert!(e.to_string().starts_with("list_too_long max=3"), "{e}");
        let empty: List<u8, 3> = serde_json::from_str("[]").unwrap();
        assert!(empty.0.is_empty());
    }

    #[test]
    fn a_clause_lasts_at_most_240_months() {
        assert_eq!(latest_clause_end(d("2026-01-01")), Some(d("2045-12-31")));
        assert_eq!(latest_clause_end(d("2026-01-31")), Some(d("2046-01-30")));
        assert!(check_clause_span(d("2026-01-01"), d("2045-12-31")).is_ok());
        assert!(check_clause_span(d("2026-01-01"), d("2026-01-01")).is_ok());
        let e = check_clause_span(d("2026-01-01"), d("2046-01-31")).unwrap_err();
        assert_eq!(e.field, "ends_on");
        assert_eq!(e.code, "clause_too_long");
        assert_eq!(e.param("latest"), Some("2045-12-31"));
        assert!(check_clause_span(d("2026-01-01"), d("2046-01-01")).is_err());
        // The incident: a clause from year 1 to 9999.
        assert!(check_clause_span(d("0001-01-01"), d("9999-12-31")).is_err());
    }
}
