//! A buyer's responsible-purchasing (SPASER) evaluation for a year, beside the year before
//! (docs/domain.md#spaser-evaluation): the purchasing figures of `domain::spaser` and the
//! insertion figures of the annual report filtered on the buyer (hours, persons, FTE,
//! achievement rate, exits), which a funder sees under the annual report's rules; the JSON
//! shape and the XLSX workbook.
//!
//! The purchasing figures are counts and amounts of contracts, public records, not of
//! persons: a funder sees them unsuppressed, as the report's PNAD figures.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

use super::{outcome_label, ser_opt_tenths, Exits, Report};
use crate::domain::calibration::format_hundredths_fr;
use crate::domain::report::rate_tenths;
use crate::domain::spaser::{
    basis_label, holder_group_label, Purchasing, HOLDER_GROUPS, SPASER_THRESHOLD_CENTS,
};
use crate::domain::spreadsheet::CsvDialect;
use crate::domain::units::{ser_hundredths, ser_opt_hundredths};

/// Contracts reserved under one legal basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReservedBasis {
    /// `L2113-12`, `L2113-13`, `L2113-14`, `L2113-15`, or `not_stated` (declared
    /// `marche_reserve` in the open data, without a reserved-contract clause).
    pub legal_basis: String,
    pub label: String,
    pub contracts: i64,
    /// Reserved amount excluding VAT, euros.
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub amount_eur: i64,
}

/// The reserved contracts of the year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reserved {
    pub contracts: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub amount_eur: i64,
    pub by_legal_basis: Vec<ReservedBasis>,
}

/// The contracts with a holder of one kind and their amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Awarded {
    /// `siae`, `ea` or `esat`.
    pub holders: String,
    pub label: String,
    pub contracts: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub amount_eur: i64,
}

/// One year of the evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SpaserYear {
    pub year: i32,
    pub contracts_notified: i64,
    /// Amount notified excluding VAT, euros (a contract's amount, else the sum of its lots).
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub amount_notified_eur: i64,
    /// Contracts notified whose amount is not known (counted with 0 €).
    pub contracts_without_amount: i64,
    pub with_social_consideration: i64,
    /// Percentage with one decimal; null without contract.
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub social_share: Option<i64>,
    pub with_environmental_consideration: i64,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub environmental_share: Option<i64>,
    pub reserved: Reserved,
    /// Amounts of the contracts held by SIAE, EA and ESAT (a contract counts in each group
    /// one of its holders belongs to).
    pub awarded: Vec<Awarded>,
    /// Insertion hours of the buyer's clauses (validated), hours; null for a funder when
    /// the year's selection is under the threshold (`below_threshold`).
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub hours: Option<i64>,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub fte: Option<i64>,
    /// Distinct persons with validated hours on the buyer's clauses.
    pub persons: Option<i64>,
    /// Clauses of the buyer in execution in the year.
    pub clauses: Option<i64>,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub required_hours: Option<i64>,
    /// Hours of clauses with a target over their required hours (percent, one decimal).
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub achievement_rate: Option<i64>,
    /// Exits by outcome and the dynamic exits' share, as the annual report gives them.
    pub exits: Exits,
    /// True when a funder is shown no insertion figure for this year (fewer than the
    /// threshold's persons, or a buyer whose cell the report hides).
    pub below_threshold: bool,
    /// Whether the amount notified known to clausier exceeds 50 M€ HT (an indication).
    pub above_spaser_threshold: bool,
}

/// The evaluation as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Spaser {
    pub buyer_id: i64,
    pub buyer_name: String,
    pub year: i32,
    pub current: SpaserYear,
    pub previous: SpaserYear,
    /// 50 000 000: the yearly amount (euros HT) above which a buyer must adopt a SPASER.
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub spaser_threshold_eur: i64,
    /// The current year's `above_spaser_threshold`.
    pub above_spaser_threshold: bool,
    /// The same in a French sentence, worded as an indication, not a legal finding.
    pub indication: String,
    /// The suppression threshold applied (funders); null for staff.
    pub suppression_threshold: Option<i64>,
}

/// Euros in French from cents: `1 430 000 €`, `12 500,50 €`.
pub fn euros_fr(cents: i64) -> String {
    format!("{}\u{a0}€", format_hundredths_fr(cents, cents % 100 != 0))
}

/// The French sentence of the 50 M€ indication.
pub fn indication(year: i32, amount_cents: i64) -> String {
    let known = euros_fr(amount_cents);
    if amount_cents > SPASER_THRESHOLD_CENTS {
        format!(
            "À titre indicatif, les marchés notifiés en {year} que clausier connaît atteignent {known} HT, au-delà de 50 millions d'euros HT : l'acheteur est probablement tenu d'adopter un schéma de promotion des achats socialement et écologiquement responsables (SPASER). Ce n'est pas un constat juridique : l'obligation s'apprécie sur l'ensemble des achats de l'acheteur."
        )
    } else {
        format!(
            "À titre indicatif, les marchés notifiés en {year} que clausier connaît totalisent {known} HT, sans dépasser 50 millions d'euros HT. Ce n'est pas un constat juridique : l'obligation d'adopter un SPASER s'apprécie sur l'ensemble des achats de l'acheteur, dont clausier ne connaît qu'une partie."
        )
    }
}

/// One year from its purchasing figures and the annual report filtered on the buyer.
pub fn year_of(year: i32, p: &Purchasing, report: &Report) -> SpaserYear {
    let shown = match report {
        Report::Shown(r) => Some(r),
        Report::BelowThreshold(_) => None,
    };
    SpaserYear {
        year,
        contracts_notified: p.notified.contracts,
        amount_notified_eur: p.notified.amount_cents,
        contracts_without_amount: p.without_amount,
        with_social_consideration: p.with_social_consideration,
        social_share: rate_tenths(p.with_social_consideration, p.notified.contracts),
        with_environmental_consideration: p.with_environmental_consideration,
        environmental_share: rate_tenths(p.with_environmental_consideration, p.notified.contracts),
        reserved: Reserved {
            contracts: p.reserved.contracts,
            amount_eur: p.reserved.amount_cents,
            by_legal_basis: p
                .reserved_by_basis
                .iter()
                .map(|(basis, n)| ReservedBasis {
                    legal_basis: basis.clone(),
                    label: basis_label(basis).to_string(),
                    contracts: n.contracts,
                    amount_eur: n.amount_cents,
                })
                .collect(),
        },
        awarded: HOLDER_GROUPS
            .iter()
            .map(|g| {
                let n = p.awarded.get(g).copied().unwrap_or_default();
                Awarded {
                    holders: g.to_string(),
                    label: format!("Titulaires {}", holder_group_label(g)),
                    contracts: n.contracts,
                    amount_eur: n.amount_cents,
                }
            })
            .collect(),
        hours: shown.map(|r| r.hours),
        fte: shown.map(|r| r.fte),
        persons: shown.map(|r| r.beneficiaries),
        clauses: shown.map(|r| r.clauses),
        required_hours: shown.map(|r| r.required_hours),
        achievement_rate: shown.and_then(|r| r.achievement_rate),
        exits: shown.map(|r| r.exits.clone()).unwrap_or_default(),
        below_threshold: shown.is_none(),
        above_spaser_threshold: p.above_spaser_threshold(),
    }
}

/// A line of the evaluation's table: its French label and each year's value, in French.
pub struct Line {
    pub label: String,
    pub current: String,
    pub previous: String,
    /// A sub-line (indented on the page).
    pub detail: bool,
}

/// Hundredths of hours in French (`1 234,5 h`); hidden figures read « secret statistique ».
fn hours_fr(v: Option<i64>) -> String {
    match v {
        Some(h) => format!("{}\u{a0}h", format_hundredths_fr(h, h % 100 != 0)),
        None => HIDDEN.to_string(),
    }
}

const HIDDEN: &str = "secret statistique";

fn count_fr(v: Option<i64>) -> String {
    v.map(crate::domain::report::format_int_fr)
        .unwrap_or_else(|| HIDDEN.to_string())
}

fn share_fr(v: Option<i64>, shown: bool) -> String {
    match (v, shown) {
        (_, false) => HIDDEN.to_string(),
        (Some(t), _) if t % 10 == 0 => format!("{}\u{a0}%", t / 10),
        (Some(t), _) => format!("{},{}\u{a0}%", t / 10, (t % 10).abs()),
        (None, _) => "–".to_string(),
    }
}

/// The table of the page, one line per figure, the current year and the year before.
pub fn lines(s: &Spaser) -> Vec<Line> {
    let (c, p) = (&s.current, &s.previous);
    let line = |label: &str, f: &dyn Fn(&SpaserYear) -> String, detail: bool| Line {
        label: label.to_string(),
        current: f(c),
        previous: f(p),
        detail,
    };
    let mut out = vec![
        line(
            "Marchés notifiés",
            &|y| crate::domain::report::format_int_fr(y.contracts_notified),
            false,
        ),
        line(
            "Montant notifié HT",
            &|y| euros_fr(y.amount_notified_eur),
            false,
        ),
        line(
            "dont marchés au montant inconnu",
            &|y| crate::domain::report::format_int_fr(y.contracts_without_amount),
            true,
        ),
        line(
            "Part des marchés avec une considération sociale",
            &|y| share_fr(y.social_share, true),
            false,
        ),
        line(
            "Part des marchés avec une considération environnementale",
            &|y| share_fr(y.environmental_share, true),
            false,
        ),
        line(
            "Marchés réservés",
            &|y| crate::domain::report::format_int_fr(y.reserved.contracts),
            false,
        ),
        line(
            "Montant réservé HT",
            &|y| euros_fr(y.reserved.amount_eur),
            false,
        ),
    ];
    // Every basis found in either year.
    let mut bases: Vec<(String, String)> = c
        .reserved
        .by_legal_basis
        .iter()
        .chain(p.reserved.by_legal_basis.iter())
        .map(|b| (b.legal_basis.clone(), b.label.clone()))
        .collect();
    bases.sort();
    bases.dedup();
    for (basis, label) in bases {
        let of = |y: &SpaserYear| {
            y.reserved
                .by_legal_basis
                .iter()
                .find(|b| b.legal_basis == basis)
                .map(|b| format!("{} ({})", euros_fr(b.amount_eur), marches_fr(b.contracts)))
                .unwrap_or_else(|| "0\u{a0}€".to_string())
        };
        out.push(Line {
            label: format!("dont {label}"),
            current: of(c),
            previous: of(p),
            detail: true,
        });
    }
    for (i, g) in HOLDER_GROUPS.iter().enumerate() {
        let of = |y: &SpaserYear| {
            y.awarded
                .get(i)
                .map(|a| format!("{} ({})", euros_fr(a.amount_eur), marches_fr(a.contracts)))
                .unwrap_or_default()
        };
        out.push(Line {
            label: format!("Montant attribué aux titulaires {}", holder_group_label(g)),
            current: of(c),
            previous: of(p),
            detail: false,
        });
    }
    out.extend([
        line(
            "Heures d'insertion réalisées",
            &|y| hours_fr(y.hours),
            false,
        ),
        line("Personnes bénéficiaires", &|y| count_fr(y.persons), false),
        line(
            "Équivalents temps plein (ETP)",
            &|y| match y.fte {
                Some(f) => format_hundredths_fr(f, true),
                None => HIDDEN.to_string(),
            },
            false,
        ),
        line(
            "Heures exigées des clauses",
            &|y| hours_fr(y.required_hours),
            false,
        ),
        line(
            "Taux de réalisation",
            &|y| share_fr(y.achievement_rate, !y.below_threshold),
            false,
        ),
        line(
            "Part de sorties dynamiques",
            &|y| {
                share_fr(
                    y.exits.dynamic_share,
                    !y.below_threshold && y.exits.durable_employment.is_some(),
                )
            },
            false,
        ),
    ]);
    out
}

/// `0 marché`, `1 marché`, `3 marchés` (French keeps the singular below 2).
fn marches_fr(n: i64) -> String {
    if n < 2 {
        format!("{n} marché")
    } else {
        format!("{} marchés", crate::domain::report::format_int_fr(n))
    }
}

/// The file name of a download: `spaser-<buyer>-<year>.<extension>`.
pub fn file_name(s: &Spaser, extension: &str) -> String {
    format!("spaser-{}-{}.{extension}", s.buyer_id, s.year)
}

/// A value of the downloads: a count, euros (cents), hours (hundredths), a share (tenths),
/// or a figure hidden from a funder (statistical confidentiality).
enum V {
    N(Option<i64>),
    Money(i64),
    Hours(Option<i64>),
    Share(Option<i64>),
    Hidden,
}

/// What a figure reads of a year.
type Read = Box<dyn Fn(&SpaserYear) -> V>;

/// One figure of the downloads: its stable code, its French label, what it reads.
struct Figure {
    code: String,
    label: String,
    read: Read,
}

fn figure(code: impl Into<String>, label: impl Into<String>, read: Read) -> Figure {
    Figure {
        code: code.into(),
        label: label.into(),
        read,
    }
}

/// An insertion figure: hidden in a year a funder is shown none of them.
fn insertion(read: impl Fn(&SpaserYear) -> V + 'static) -> Read {
    Box::new(move |y| {
        if y.below_threshold {
            V::Hidden
        } else {
            read(y)
        }
    })
}

/// The figures of both downloads, in the order of the page: purchasing figures (public
/// records, never hidden), the reserved amounts per legal basis found in either year, the
/// amounts per holder group, then the insertion figures, which a funder may not be shown.
fn figures(s: &Spaser) -> Vec<Figure> {
    let mut rows = vec![
        figure(
            "contracts_notified",
            "Marchés notifiés",
            Box::new(|y| V::N(Some(y.contracts_notified))),
        ),
        figure(
            "amount_notified_eur",
            "Montant notifié HT (€)",
            Box::new(|y| V::Money(y.amount_notified_eur)),
        ),
        figure(
            "contracts_without_amount",
            "Marchés au montant inconnu",
            Box::new(|y| V::N(Some(y.contracts_without_amount))),
        ),
        figure(
            "with_social_consideration",
            "Marchés avec une considération sociale",
            Box::new(|y| V::N(Some(y.with_social_consideration))),
        ),
        figure(
            "social_share",
            "Part avec une considération sociale (%)",
            Box::new(|y| V::Share(y.social_share)),
        ),
        figure(
            "with_environmental_consideration",
            "Marchés avec une considération environnementale",
            Box::new(|y| V::N(Some(y.with_environmental_consideration))),
        ),
        figure(
            "environmental_share",
            "Part avec une considération environnementale (%)",
            Box::new(|y| V::Share(y.environmental_share)),
        ),
        figure(
            "reserved_contracts",
            "Marchés réservés",
            Box::new(|y| V::N(Some(y.reserved.contracts))),
        ),
        figure(
            "reserved_amount_eur",
            "Montant réservé HT (€)",
            Box::new(|y| V::Money(y.reserved.amount_eur)),
        ),
    ];
    let mut bases: Vec<(String, String)> = s
        .current
        .reserved
        .by_legal_basis
        .iter()
        .chain(s.previous.reserved.by_legal_basis.iter())
        .map(|b| (b.legal_basis.clone(), b.label.clone()))
        .collect();
    bases.sort();
    bases.dedup();
    for (basis, label) in bases {
        let code = basis.clone();
        let find = move |y: &SpaserYear| {
            y.reserved
                .by_legal_basis
                .iter()
                .find(|b| b.legal_basis == basis)
                .map(|b| (b.contracts, b.amount_eur))
                .unwrap_or((0, 0))
        };
        let find_amount = find.clone();
        rows.push(figure(
            format!("reserved_contracts.{code}"),
            format!("Marchés réservés, {label}"),
            Box::new(move |y| V::N(Some(find(y).0))),
        ));
        rows.push(figure(
            format!("reserved_amount_eur.{code}"),
            format!("Montant réservé HT (€), {label}"),
            Box::new(move |y| V::Money(find_amount(y).1)),
        ));
    }
    for (i, g) in HOLDER_GROUPS.iter().enumerate() {
        let label = format!("Titulaires {}", holder_group_label(g));
        rows.push(figure(
            format!("awarded_contracts.{g}"),
            format!("{label} : marchés"),
            Box::new(move |y| V::N(Some(y.awarded.get(i).map(|a| a.contracts).unwrap_or(0)))),
        ));
        rows.push(figure(
            format!("awarded_amount_eur.{g}"),
            format!("{label} : montant HT (€)"),
            Box::new(move |y| V::Money(y.awarded.get(i).map(|a| a.amount_eur).unwrap_or(0))),
        ));
    }
    rows.extend([
        figure(
            "hours",
            "Heures d'insertion réalisées",
            insertion(|y| V::Hours(y.hours)),
        ),
        figure(
            "persons",
            "Personnes bénéficiaires",
            insertion(|y| V::N(y.persons)),
        ),
        figure(
            "fte",
            "Équivalents temps plein (ETP)",
            insertion(|y| V::Hours(y.fte)),
        ),
        figure(
            "clauses",
            "Clauses en exécution",
            insertion(|y| V::N(y.clauses)),
        ),
        figure(
            "required_hours",
            "Heures exigées des clauses",
            insertion(|y| V::Hours(y.required_hours)),
        ),
        figure(
            "achievement_rate",
            "Taux de réalisation (%)",
            insertion(|y| V::Share(y.achievement_rate)),
        ),
    ]);
    let funder = s.suppression_threshold.is_some();
    for (outcome, _) in Exits::default().named() {
        rows.push(figure(
            format!("exits.{outcome}"),
            format!("Sorties : {}", outcome_label(outcome).to_lowercase()),
            insertion(move |y| {
                let n = y.exits.named().into_iter().find(|(o, _)| *o == outcome);
                match n.and_then(|(_, n)| n) {
                    Some(n) => V::N(Some(n)),
                    // A count is null only where the report hides it.
                    None => V::Hidden,
                }
            }),
        ));
    }
    rows.push(figure(
        "exits.dynamic_share",
        "Part de sorties dynamiques (%)",
        insertion(move |y| match y.exits.dynamic_share {
            Some(t) => V::Share(Some(t)),
            // Null without any exit; for a funder also where the report hides it.
            None if funder && !no_exit(&y.exits) => V::Hidden,
            None => V::Share(None),
        }),
    ));
    rows
}

/// Whether every exit count is shown and zero: a null share then means no exit, not a
/// hidden one.
fn no_exit(e: &Exits) -> bool {
    e.named().iter().all(|(_, n)| *n == Some(0))
}

/// The workbook: one sheet with the buyer, the year, each figure for the year and the year
/// before (amounts in euros and hours as numbers, shares in percent), and the indication.
pub fn xlsx(s: &Spaser) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let share = Format::new().set_num_format("0.0");
    let sheet = book.add_worksheet();
    sheet.set_name("SPASER")?;
    sheet.set_column_width(0, 60)?;
    sheet.set_column_width(1, 18)?;
    sheet.set_column_width(2, 18)?;
    sheet.write_string_with_format(
        0,
        0,
        format!("Évaluation SPASER — {} — {}", s.buyer_name, s.year),
        &bold,
    )?;
    sheet.write_string_with_format(2, 0, "Indicateur", &bold)?;
    sheet.write_string_with_format(2, 1, s.current.year.to_string(), &bold)?;
    sheet.write_string_with_format(2, 2, s.previous.year.to_string(), &bold)?;
    let mut row = 3u32;
    for f in figures(s) {
        sheet.write_string(row, 0, &f.label)?;
        for (col, y) in [(1u16, &s.current), (2u16, &s.previous)] {
            match (f.read)(y) {
                V::N(Some(n)) => {
                    sheet.write_number(row, col, n as f64)?;
                }
                V::Money(c) => {
                    sheet.write_number_with_format(row, col, c as f64 / 100.0, &money)?;
                }
                V::Hours(Some(h)) => {
                    sheet.write_number_with_format(row, col, h as f64 / 100.0, &money)?;
                }
                V::Share(Some(t)) => {
                    sheet.write_number_with_format(row, col, t as f64 / 10.0, &share)?;
                }
                V::Hidden => {
                    sheet.write_string(row, col, HIDDEN)?;
                }
                V::N(None) | V::Hours(None) | V::Share(None) => {}
            }
        }
        row += 1;
    }
    row += 1;
    sheet.write_string(row, 0, &s.indication)?;
    if s.current.below_threshold || s.previous.below_threshold {
        row += 1;
        sheet.write_string(
            row,
            0,
            "Secret statistique : les chiffres d'insertion d'une année concernant moins de personnes que le seuil, ou une case masquée du bilan d'ensemble, ne sont pas publiés.",
        )?;
    }
    book.save_to_buffer()
}

const CSV_HEADER_FR: [&str; 5] = [
    "Année",
    "Code",
    "Indicateur",
    "Valeur",
    "Secret statistique",
];
const CSV_HEADER_STANDARD: [&str; 5] = ["year", "code", "value", "suppressed", "label"];

/// The evaluation as one long CSV table, each figure for the year then the year before, in
/// the form the annual report's CSV uses (`reports::csv`): French by default (byte-order
/// mark, `;`, decimal comma, `Année;Code;Indicateur;Valeur;Secret statistique`), or
/// `standard` (`year,code,value,suppressed,label`, decimal point). Euros and hours carry at
/// most two decimals and shares one, as in the JSON; a figure hidden from a funder has an
/// empty value and is marked suppressed, as the annual report's hidden cells are.
pub fn csv(s: &Spaser, dialect: CsvDialect) -> Result<Vec<u8>, ::csv::Error> {
    let mut out = Vec::new();
    out.extend_from_slice(dialect.preamble().as_bytes());
    let mut w = ::csv::WriterBuilder::new()
        .delimiter(dialect.delimiter())
        .from_writer(out);
    w.write_record(match dialect {
        CsvDialect::French => CSV_HEADER_FR,
        CsvDialect::Standard => CSV_HEADER_STANDARD,
    })?;
    for f in figures(s) {
        for y in [&s.current, &s.previous] {
            let (value, hidden) = match (f.read)(y) {
                V::N(n) => (n.map(|n| n.to_string()).unwrap_or_default(), false),
                // Hundredths (cents, hours) and tenths, with the JSON's decimals.
                V::Money(c) => (dialect.hours(c), false),
                V::Hours(h) => (h.map(|h| dialect.hours(h)).unwrap_or_default(), false),
                V::Share(t) => (t.map(|t| dialect.hours(t * 10)).unwrap_or_default(), false),
                V::Hidden => (String::new(), true),
            };
            let year = y.year.to_string();
            let suppressed = dialect.yes_no(hidden).to_string();
            match dialect {
                CsvDialect::French => {
                    w.write_record([year, f.code.clone(), f.label.clone(), value, suppressed])?
                }
                CsvDialect::Standard => {
                    w.write_record([year, f.code.clone(), value, suppressed, f.label.clone()])?
                }
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn year(year: i32, exits: Exits, below_threshold: bool) -> SpaserYear {
        SpaserYear {
            year,
            contracts_notified: 2,
            amount_notified_eur: 123_456,
            contracts_without_amount: 0,
            with_social_consideration: 1,
            social_share: Some(500),
            with_environmental_consideration: 0,
            environmental_share: Some(0),
            reserved: Reserved::default(),
            awarded: Vec::new(),
            hours: (!below_threshold).then_some(5_050),
            fte: (!below_threshold).then_some(3),
            persons: (!below_threshold).then_some(6),
            clauses: (!below_threshold).then_some(1),
            required_hours: (!below_threshold).then_some(83_300),
            achievement_rate: None,
            exits,
            below_threshold,
            above_spaser_threshold: false,
        }
    }

    /// The lines of a figure in a French CSV: (year, value, suppressed).
    fn cells(text: &str, code: &str) -> Vec<(String, String, String)> {
        text.lines()
            .map(|l| l.split(';').map(str::to_string).collect::<Vec<_>>())
            .filter(|f| f.get(1).map(String::as_str) == Some(code))
            .map(|f| (f[0].clone(), f[3].clone(), f[4].clone()))
            .collect()
    }

    #[test]
    fn a_funders_csv_hides_what_the_report_hides_and_nothing_else() {
        let zero = Exits {
            durable_employment: Some(0),
            transitional_employment: Some(0),
            positive_exit: Some(0),
            other: Some(0),
            dynamic_share: None,
        };
        let hidden = Exits {
            durable_employment: None,
            other: Some(5),
            ..zero.clone()
        };
        let s = Spaser {
            buyer_id: 3,
            buyer_name: "Ville".into(),
            year: 2026,
            // 2026: shown, with an exit count the report hides; 2025: no exit at all.
            current: year(2026, hidden, false),
            previous: year(2025, zero, false),
            spaser_threshold_eur: SPASER_THRESHOLD_CENTS,
            above_spaser_threshold: false,
            indication: String::new(),
            suppression_threshold: Some(5),
        };
        let text = String::from_utf8(csv(&s, CsvDialect::French).unwrap()).unwrap();
        let cell = |y: &str, v: &str, h: &str| (y.to_string(), v.to_string(), h.to_string());
        assert_eq!(
            cells(&text, "exits.dynamic_share"),
            vec![cell("2026", "", "oui"), cell("2025", "", "non")]
        );
        assert_eq!(
            cells(&text, "exits.durable_employment"),
            vec![cell("2026", "", "oui"), cell("2025", "0", "non")]
        );
        // No target: an empty rate that hides nothing.
        assert_eq!(
            cells(&text, "achievement_rate"),
            vec![cell("2026", "", "non"), cell("2025", "", "non")]
        );
        assert_eq!(
            cells(&text, "hours"),
            vec![cell("2026", "50,5", "non"), cell("2025", "50,5", "non")]
        );
        assert_eq!(
            cells(&text, "amount_notified_eur"),
            vec![
                cell("2026", "1234,56", "non"),
                cell("2025", "1234,56", "non")
            ]
        );
        // A year under the threshold: every insertion figure hidden, the contracts shown.
        let below = Spaser {
            previous: year(2025, Exits::default(), true),
            ..s
        };
        let text = String::from_utf8(csv(&below, CsvDialect::French).unwrap()).unwrap();
        for code in ["hours", "persons", "fte", "clauses", "exits.other"] {
            assert_eq!(cells(&text, code)[1], cell("2025", "", "oui"), "{code}");
        }
        assert_eq!(cells(&text, "social_share")[1], cell("2025", "50", "non"));
    }

    #[test]
    fn the_indication_is_worded_as_one() {
        let above = indication(2026, SPASER_THRESHOLD_CENTS + 100);
        assert!(above.starts_with("À titre indicatif"), "{above}");
        assert!(above.contains("n'est pas un constat juridique"));
        assert!(above.contains("au-delà de 50 millions"));
        let below = indication(2026, 143_000_000);
        assert!(
            below.contains("1\u{202f}430\u{202f}000\u{a0}€") || below.contains("1 430 000"),
            "{below}"
        );
        assert!(below.contains("sans dépasser"));
    }
}
