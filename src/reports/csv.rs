//! The report as one long CSV table, in one of two forms (`domain::spreadsheet::CsvDialect`).
//!
//! - French spreadsheet form (by default): byte-order mark, `;`, decimal comma, the columns
//!   `Ventilation;Code;Libellé;Personnes;Heures;Secret statistique`: the breakdown's French
//!   title, the code (an organisation's id for buyers and contractors), its French label (the
//!   organisation's name), and `oui`/`non`.
//! - `standard`: `breakdown,key,persons,hours,suppressed,label`, hours with a decimal point,
//!   as programs read it before the French form existed, with the French label last.
//!
//! Rows: `total,all` (beneficiaries and hours), then every cell of every breakdown in the
//! API's order (a hidden cell has empty persons and hours and is marked suppressed), then
//! `exits,<outcome>` with the number of exits in `persons`, `exits,dynamic_share`, then
//! `follow_up_6m,<situation>` (`due`, each situation, `not_recorded`) with the number of
//! follow-ups in `persons` and `follow_up_6m,dynamic_share` (the two shares are percentages
//! with one decimal written in the hours column, empty and suppressed when not shown), then
//! the PNAD counts of contracts (not persons) in `persons`: `pnad,<figure>` for the totals and
//! `pnad_<figure>,<buyer id>` per buyer, with the buyer's name as label. Hours have two
//! decimals at most,
//! as in the JSON. A funder's selection under the threshold (`reports::BelowThreshold`) is
//! one line saying so in French, and nothing else.

use std::collections::BTreeMap;

use crate::domain::spreadsheet::CsvDialect;
use crate::reports::{
    follow_up_label, key_label, outcome_label, AnnualReport, Report, BREAKDOWN_TITLES,
};

const HEADER_FR: [&str; 6] = [
    "Ventilation",
    "Code",
    "Libellé",
    "Personnes",
    "Heures",
    "Secret statistique",
];

const HEADER_STANDARD: [&str; 6] = [
    "breakdown",
    "key",
    "persons",
    "hours",
    "suppressed",
    "label",
];

/// One line of the table, before it is written in a dialect.
struct Line<'a> {
    breakdown: &'a str,
    /// The breakdown's French title.
    title: &'a str,
    key: &'a str,
    label: String,
    persons: Option<i64>,
    /// Hundredths.
    hours: Option<i64>,
    suppressed: bool,
}

impl Line<'_> {
    fn fields(&self, dialect: CsvDialect) -> [String; 6] {
        let persons = self.persons.map(|p| p.to_string()).unwrap_or_default();
        let hours = self.hours.map(|h| dialect.hours(h)).unwrap_or_default();
        let suppressed = dialect.yes_no(self.suppressed).to_string();
        // Labels name organisations as people typed them.
        let label = crate::domain::spreadsheet::defused(&self.label);
        match dialect {
            CsvDialect::French => [
                self.title.to_string(),
                self.key.to_string(),
                label,
                persons,
                hours,
                suppressed,
            ],
            CsvDialect::Standard => [
                self.breakdown.to_string(),
                self.key.to_string(),
                persons,
                hours,
                suppressed,
                label,
            ],
        }
    }
}

fn writer(dialect: CsvDialect) -> csv::Writer<Vec<u8>> {
    let mut out = Vec::new();
    out.extend_from_slice(dialect.preamble().as_bytes());
    csv::WriterBuilder::new()
        .delimiter(dialect.delimiter())
        .from_writer(out)
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The report as CSV bytes; `names` are the organisations' names by id.
pub fn render(
    report: &Report,
    names: &BTreeMap<i64, String>,
    dialect: CsvDialect,
) -> Result<Vec<u8>, csv::Error> {
    match report {
        Report::Shown(r) => render_figures(r, names, dialect),
        Report::BelowThreshold(b) => {
            let mut w = writer(dialect);
            w.write_record([b.sentence()])?;
            finish(w)
        }
    }
}

fn render_figures(
    report: &AnnualReport,
    names: &BTreeMap<i64, String>,
    dialect: CsvDialect,
) -> Result<Vec<u8>, csv::Error> {
    let buyer_keys: Vec<String> = report
        .pnad
        .by_buyer
        .iter()
        .map(|b| b.buyer_id.to_string())
        .collect();
    let mut lines = vec![Line {
        breakdown: "total",
        title: "Total",
        key: "all",
        label: "Ensemble des personnes".to_string(),
        persons: Some(report.beneficiaries),
        hours: Some(report.hours),
        suppressed: false,
    }];
    if let Some(b) = &report.breakdowns {
        for ((name, cells), (_, title)) in b.named().into_iter().zip(BREAKDOWN_TITLES) {
            for c in cells {
                lines.push(Line {
                    breakdown: name,
                    title,
                    key: &c.key,
                    label: key_label(name, &c.key, names),
                    persons: c.persons,
                    hours: c.hours,
                    suppressed: c.suppressed,
                });
            }
        }
    }
    for (outcome, n) in report.exits.named() {
        lines.push(Line {
            breakdown: "exits",
            title: "Sorties",
            key: outcome,
            label: outcome_label(outcome).to_string(),
            persons: n,
            hours: None,
            suppressed: n.is_none(),
        });
    }
    let share_line = |breakdown: &'static str, title: &'static str, share: Option<i64>| Line {
        breakdown,
        title,
        key: "dynamic_share",
        label: "Part de sorties dynamiques (%)".to_string(),
        persons: None,
        // A percentage with one decimal, written where hours are (hundredths).
        hours: share.map(|tenths| tenths * 10),
        suppressed: share.is_none(),
    };
    lines.push(share_line("exits", "Sorties", report.exits.dynamic_share));
    for (code, n) in report.follow_up_6m.named() {
        lines.push(Line {
            breakdown: "follow_up_6m",
            title: "Situation à 6 mois",
            key: code,
            label: follow_up_label(code).to_string(),
            persons: n,
            hours: None,
            suppressed: n.is_none(),
        });
    }
    let mut share = share_line(
        "follow_up_6m",
        "Situation à 6 mois",
        report.follow_up_6m.dynamic_share,
    );
    share.label = "Part en emploi ou en formation qualifiante (%)".to_string();
    lines.push(share);
    pnad_lines(report, &buyer_keys, &mut lines);
    let mut w = writer(dialect);
    w.write_record(match dialect {
        CsvDialect::French => HEADER_FR,
        CsvDialect::Standard => HEADER_STANDARD,
    })?;
    for line in &lines {
        w.write_record(line.fields(dialect))?;
    }
    finish(w)
}

/// The PNAD lines (issue 20): counts of contracts, in the persons column as the exits are.
fn pnad_lines<'a>(report: &'a AnnualReport, keys: &'a [String], lines: &mut Vec<Line<'a>>) {
    let p = &report.pnad;
    let figures: [(&'static str, &'static str, &'static str, i64); 3] = [
        (
            "contracts_notified",
            "pnad_contracts_notified",
            "Marchés notifiés",
            p.contracts_notified,
        ),
        (
            "with_social_consideration",
            "pnad_with_social_consideration",
            "Marchés avec une considération sociale",
            p.with_social_consideration,
        ),
        (
            "with_environmental_consideration",
            "pnad_with_environmental_consideration",
            "Marchés avec une considération environnementale",
            p.with_environmental_consideration,
        ),
    ];
    for (key, _, label, n) in figures {
        lines.push(Line {
            breakdown: "pnad",
            title: "Plan national des achats durables",
            key,
            label: label.to_string(),
            persons: Some(n),
            hours: None,
            suppressed: false,
        });
    }
    for (i, (_, breakdown, label, _)) in figures.into_iter().enumerate() {
        for (b, key) in p.by_buyer.iter().zip(keys) {
            let n = match i {
                0 => b.contracts_notified,
                1 => b.with_social_consideration,
                _ => b.with_environmental_consideration,
            };
            lines.push(Line {
                breakdown,
                title: label,
                key,
                label: b.buyer_name.clone(),
                persons: Some(n),
                hours: None,
                suppressed: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::period::Period;
    use crate::domain::report::compute;
    use crate::domain::report::tests::example_rows;
    use crate::reports::{assemble, Others};

    fn example() -> Report {
        let figures = compute(&example_rows());
        Report::Shown(assemble(
            &Period::year(2025),
            &figures,
            &Others::default(),
            1607,
            None,
        ))
    }

    #[test]
    fn french_form_has_a_byte_order_mark_semicolons_decimal_commas_and_labels() {
        let bytes = render(&example(), &BTreeMap::new(), CsvDialect::French).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let body = text.strip_prefix('\u{feff}').expect("a byte-order mark");
        let mut lines = body.lines();
        assert_eq!(
            lines.next(),
            Some("Ventilation;Code;Libellé;Personnes;Heures;Secret statistique")
        );
        // 673.59 h for 5 persons in the example rows.
        assert_eq!(
            lines.next(),
            Some("Total;all;Ensemble des personnes;5;673,59;non")
        );
        assert!(body.contains("\nSexe;female;Femmes;"), "{body}");
        assert!(body.contains("\nSorties;durable_employment;Emploi durable;0;;non"));
        assert!(!body.contains("673.59"));
    }

    #[test]
    fn standard_form_keeps_the_old_columns_and_adds_the_label_last() {
        let bytes = render(&example(), &BTreeMap::new(), CsvDialect::Standard).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("breakdown,key,persons,hours,suppressed,label")
        );
        assert_eq!(
            lines.next(),
            Some("total,all,5,673.59,false,Ensemble des personnes")
        );
        assert!(text.contains("\nsex,female,"), "{text}");
        assert!(text.contains(",false,Femmes\n"), "{text}");
    }

    #[test]
    fn an_organisation_named_like_a_formula_stays_text() {
        let mut names = BTreeMap::new();
        for row in example_rows() {
            names.insert(row.buyer_id, "=1+2".to_string());
            names.insert(row.contractor_id, "@SOMME(A1)".to_string());
        }
        for dialect in [CsvDialect::French, CsvDialect::Standard] {
            let bytes = render(&example(), &names, dialect).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.contains("'=1+2"), "{text}");
            assert!(text.contains("'@SOMME(A1)"), "{text}");
            let separator = if dialect == CsvDialect::French {
                ';'
            } else {
                ','
            };
            for field in text.lines().flat_map(|l| l.split(separator)) {
                assert!(!field.starts_with(['=', '@']), "{field} in {text}");
            }
        }
    }
}
