//! The search key of a name: what people type to find someone (lowercase, accents
//! removed), compared by prefix. The same folds are written in SQL by the migration that
//! filled the keys of the people already recorded (`2026-12-03-000003_people_search`), so a
//! name keyed there and a name keyed here agree.

/// The letters folded to plain ones, in both cases (SQLite's `lower` only lowers ASCII, so
/// the migration folds the capitals itself).
pub const FOLDS: &[(char, &str)] = &[
    ('à', "a"),
    ('á', "a"),
    ('â', "a"),
    ('ã', "a"),
    ('ä', "a"),
    ('å', "a"),
    ('æ', "ae"),
    ('ç', "c"),
    ('è', "e"),
    ('é', "e"),
    ('ê', "e"),
    ('ë', "e"),
    ('ì', "i"),
    ('í', "i"),
    ('î', "i"),
    ('ï', "i"),
    ('ñ', "n"),
    ('ò', "o"),
    ('ó', "o"),
    ('ô', "o"),
    ('õ', "o"),
    ('ö', "o"),
    ('ø', "o"),
    ('œ', "oe"),
    ('ù', "u"),
    ('ú', "u"),
    ('û', "u"),
    ('ü', "u"),
    ('ý', "y"),
    ('ÿ', "y"),
    ('’', "'"),
];

/// The key of a name or of what is typed in the search field: trimmed, lowercase, accents
/// removed (`"  Éloïse "` -> `"eloise"`).
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        match FOLDS.iter().find(|(from, _)| *from == c) {
            Some((_, to)) => out.push_str(to),
            None => out.push(c),
        }
    }
    out
}

/// Whether a name holds every word typed (`query_key`, already a `search_key`) anywhere in
/// it, case and accents ignored: how a long list of organisations is narrowed on a form
/// ("ville paris" finds « Ville de Paris »). Nothing typed: every name.
pub fn holds_words(name: &str, query_key: &str) -> bool {
    let key = search_key(name);
    query_key.split_whitespace().all(|w| key.contains(w))
}

/// The bounds of the keys that start with `prefix`, for an index range: `key >= low AND
/// key < high` (byte order: SQLite's, and PostgreSQL's "C" collation of the key columns).
/// `None` for an empty prefix.
pub fn prefix_range(prefix: &str) -> Option<(String, String)> {
    let last = prefix.chars().last()?;
    let stem = &prefix[..prefix.len() - last.len_utf8()];
    // The next character (U+E000 after the surrogates' gap); the last one has none: the
    // bound is then the prefix with the greatest character appended.
    let high = match char::from_u32(last as u32 + 1).or_else(|| char::from_u32(0xE000)) {
        Some(next) if (next as u32) > last as u32 => format!("{stem}{next}"),
        _ => format!("{prefix}\u{10FFFF}"),
    };
    Some((prefix.to_string(), high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_keyed_without_case_or_accents() {
        assert_eq!(search_key("  Éloïse "), "eloise");
        assert_eq!(search_key("LŒUVRE-Müller"), "loeuvre-muller");
        assert_eq!(search_key("N’Diaye"), "n'diaye");
        assert_eq!(search_key("Ça"), "ca");
    }

    #[test]
    fn a_name_holds_the_words_typed_in_any_order() {
        let q = search_key("  paris VILLE ");
        assert!(holds_words("Ville de Paris", &q));
        assert!(holds_words(
            "Société d'économie mixte",
            &search_key("ECONOMIE soci")
        ));
        assert!(!holds_words("Ville de Lyon", &q));
        assert!(holds_words("N'importe laquelle", ""));
    }

    #[test]
    fn a_prefix_range_holds_exactly_the_keys_that_start_with_it() {
        let (low, high) = prefix_range("dur").unwrap();
        assert_eq!((low.as_str(), high.as_str()), ("dur", "dus"));
        for key in ["dur", "durand", "dur-", "durz"] {
            assert!(key >= low.as_str() && key < high.as_str(), "{key}");
        }
        for key in ["du", "dus", "duq", "dupont"] {
            assert!(!(key >= low.as_str() && key < high.as_str()), "{key}");
        }
        assert_eq!(prefix_range(""), None);
    }

    #[test]
    fn the_migration_folds_every_letter_of_the_table() {
        for sql in [
            include_str!("../../migrations/sqlite/2026-12-03-000003_people_search/up.sql"),
            include_str!("../../migrations/postgres/2026-12-03-000003_people_search/up.sql"),
        ] {
            for (from, to) in FOLDS {
                assert!(
                    sql.contains(&format!("'{from}', '{}'", to.replace('\'', "''"))),
                    "{from}"
                );
                let upper: String = from.to_uppercase().collect();
                if upper.chars().count() == 1 && upper != from.to_string() {
                    assert!(
                        sql.contains(&format!("'{upper}', '{}'", to.replace('\'', "''"))),
                        "{upper}"
                    );
                }
            }
        }
    }
}
