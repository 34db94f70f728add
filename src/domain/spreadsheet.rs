//! The two forms of the CSV files people download (the report, the hours template).
//!
//! - `fr` (by default): what a French spreadsheet opens as columns on a double click: `;`
//!   between values, UTF-8 with a byte-order mark (without it Excel reads "BÃ¢timent"),
//!   decimal comma, French headers, a French label beside each code and names beside ids.
//! - `standard`: the columns programs already read (`,`, decimal point, no byte-order mark,
//!   English headers), plus a `label` column last.
//!
//! Also the key under which an import recognises a column header, whatever its case and
//! accents.

/// The byte-order mark that tells a spreadsheet the file is UTF-8.
pub const BYTE_ORDER_MARK: &str = "\u{feff}";

/// The form of a CSV download, chosen by the `dialect` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvDialect {
    #[default]
    French,
    Standard,
}

impl CsvDialect {
    /// The codes the `dialect` parameter accepts.
    pub const CODES: [&'static str; 2] = ["fr", "standard"];

    pub fn from_code(code: &str) -> Option<CsvDialect> {
        match code {
            "fr" => Some(CsvDialect::French),
            "standard" => Some(CsvDialect::Standard),
            _ => None,
        }
    }

    pub fn delimiter(self) -> u8 {
        match self {
            CsvDialect::French => b';',
            CsvDialect::Standard => b',',
        }
    }

    /// What a file of this form starts with (the byte-order mark for French spreadsheets).
    pub fn preamble(self) -> &'static str {
        match self {
            CsvDialect::French => BYTE_ORDER_MARK,
            CsvDialect::Standard => "",
        }
    }

    /// Hours held in hundredths, with at most two decimals: `56,5` or `56.5`.
    pub fn hours(self, hundredths: i64) -> String {
        let text = crate::domain::hours::format_hours(hundredths);
        match self {
            CsvDialect::French => text.replace('.', ","),
            CsvDialect::Standard => text,
        }
    }

    /// A yes-or-no value: `oui`/`non`, or `true`/`false`.
    pub fn yes_no(self, value: bool) -> &'static str {
        match (self, value) {
            (CsvDialect::French, true) => "oui",
            (CsvDialect::French, false) => "non",
            (CsvDialect::Standard, true) => "true",
            (CsvDialect::Standard, false) => "false",
        }
    }
}

/// A column header as an import compares it: lower case, accents and ligatures folded, and
/// only ASCII letters and digits kept, so that `N° mise en situation`, `n° Mise en
/// Situation` and `N mise-en-situation` read alike, and `Placement ID` like `placement_id`.
pub fn header_key(header: &str) -> String {
    let mut key = String::with_capacity(header.len());
    for c in header.chars().flat_map(char::to_lowercase) {
        let folded: &str = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' | 'í' | 'ì' => "i",
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
            'ù' | 'û' | 'ü' | 'ú' => "u",
            'ÿ' => "y",
            'œ' => "oe",
            'æ' => "ae",
            c if c.is_ascii_alphanumeric() => {
                key.push(c);
                continue;
            }
            // Spaces, `_`, `-`, `°`, `º`, apostrophes and everything else: left out.
            _ => continue,
        };
        key.push_str(folded);
    }
    key
}

/// A text people typed (a name, a title) as a spreadsheet must show it: one starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula when the file is
/// opened, so a leading apostrophe keeps it text. Never for figures.
pub fn defused(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_write_hours_and_yes_no_their_own_way() {
        assert_eq!(CsvDialect::French.hours(5650), "56,5");
        assert_eq!(CsvDialect::Standard.hours(5650), "56.5");
        assert_eq!(CsvDialect::French.hours(12345), "123,45");
        assert_eq!(CsvDialect::French.hours(700), "7");
        assert_eq!(CsvDialect::French.yes_no(true), "oui");
        assert_eq!(CsvDialect::Standard.yes_no(false), "false");
        assert_eq!(CsvDialect::French.preamble(), "\u{feff}");
        assert_eq!(CsvDialect::Standard.preamble(), "");
        assert_eq!(CsvDialect::from_code("fr"), Some(CsvDialect::French));
        assert_eq!(
            CsvDialect::from_code("standard"),
            Some(CsvDialect::Standard)
        );
        assert_eq!(CsvDialect::from_code("excel"), None);
        assert_eq!(CsvDialect::default(), CsvDialect::French);
    }

    #[test]
    fn headers_compare_without_case_accents_or_punctuation() {
        for same in [
            "N° mise en situation",
            "n° MISE EN SITUATION",
            " Nº mise-en-situation ",
            "N mise en situation",
        ] {
            assert_eq!(header_key(same), "nmiseensituation", "{same}");
        }
        assert_eq!(header_key("Heures de Formation"), "heuresdeformation");
        assert_eq!(header_key("HÉURES DE TRAVAIL"), "heuresdetravail");
        assert_eq!(header_key("Placement_ID"), header_key("placement id"));
        assert_eq!(header_key("Mois"), "mois");
        assert_eq!(header_key("Œuvre"), "oeuvre");
    }
}
