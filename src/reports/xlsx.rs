//! The report as an XLSX workbook: a summary sheet ("Synthèse") with the period, the filters
//! (organisations by name, the clause kind by its label), the key figures, exits and the
//! purchasing plan indicator, then one sheet per breakdown (code, French label or the
//! organisation's name, persons, hours, hidden). Hours are written as numbers with two
//! decimals; hidden cells are empty with "oui" in the last column. A funder's selection under
//! the threshold (`reports::BelowThreshold`) is one sheet with one line saying so in French.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::domain::catalogue::{label, CLAUSE_KINDS};
use crate::reports::{
    key_label, outcome_label, AnnualReport, Report, ReportRequest, BREAKDOWN_TITLES,
};

/// The filters of the request, in French, organisations by name and codes by label.
fn selection(req: &ReportRequest, names: &BTreeMap<i64, String>) -> Vec<(&'static str, String)> {
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let mut lines = Vec::new();
    if let Some(t) = &req.territory {
        lines.push(("Département", t.clone()));
    }
    if let Some(id) = req.buyer_id {
        lines.push(("Acheteur", name(id.0)));
    }
    if let Some(id) = req.contractor_id {
        lines.push(("Entreprise", name(id.0)));
    }
    if let Some(kind) = &req.clause_kind {
        let text = label(CLAUSE_KINDS, kind.as_str())
            .unwrap_or(kind.as_str())
            .to_string();
        lines.push(("Type de clause", text));
    }
    lines
}

/// Hundredths as a spreadsheet number (the display value of an exact decimal).
fn number(hundredths: i64) -> f64 {
    hundredths as f64 / 100.0
}

/// A value of the summary sheet.
enum Value {
    /// None: hidden from a funder.
    Hours(Option<i64>),
    /// None: hidden from a funder.
    Count(Option<i64>),
    /// Tenths of a percent; None: nothing to divide by.
    Share(Option<i64>),
}

fn tenths(v: i64) -> f64 {
    v as f64 / 10.0
}

/// The workbook; `names` are the organisations' names by id, `req` the request whose
/// filters the summary names.
pub fn render(
    report: &Report,
    names: &BTreeMap<i64, String>,
    req: &ReportRequest,
) -> Result<Vec<u8>, XlsxError> {
    match report {
        Report::Shown(r) => render_figures(r, names, req),
        Report::BelowThreshold(b) => {
            let mut book = Workbook::new();
            let sheet = book.add_worksheet();
            sheet.set_name("Synthèse")?;
            sheet.write_string(0, 0, b.sentence())?;
            book.save_to_buffer()
        }
    }
}

fn render_figures(
    report: &AnnualReport,
    names: &BTreeMap<i64, String>,
    req: &ReportRequest,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let hours = Format::new().set_num_format("#,##0.00");
    let count = Format::new().set_num_format("#,##0");
    let share = Format::new().set_num_format("0.0");

    let sheet = book.add_worksheet();
    sheet.set_name("Synthèse")?;
    sheet.set_column_width(0, 48)?;
    sheet.set_column_width(1, 18)?;
    sheet.write_string_with_format(0, 0, "Bilan des clauses sociales d'insertion", &bold)?;
    sheet.write_string(1, 0, &report.headline)?;
    sheet.write_string(2, 0, "Période")?;
    sheet.write_string(2, 1, format!("{} à {}", report.from, report.to))?;
    let mut row = 3u32;
    for (what, value) in selection(req, names) {
        sheet.write_string(row, 0, what)?;
        sheet.write_string(row, 1, value)?;
        row += 1;
    }
    let mut lines: Vec<(String, Value)> = vec![
        (
            "Heures d'insertion réalisées".into(),
            Value::Hours(Some(report.hours)),
        ),
        (
            "dont heures de formation".into(),
            Value::Hours(Some(report.training_hours)),
        ),
        (
            "Équivalents temps plein (ETP)".into(),
            Value::Hours(Some(report.fte)),
        ),
        (
            "Personnes bénéficiaires".into(),
            Value::Count(Some(report.beneficiaries)),
        ),
        (
            "Marchés en exécution".into(),
            Value::Count(Some(report.contracts)),
        ),
        (
            "Clauses en exécution".into(),
            Value::Count(Some(report.clauses)),
        ),
        (
            "Heures exigées sur la période".into(),
            Value::Hours(Some(report.required_hours)),
        ),
        (
            "Taux de réalisation (%)".into(),
            Value::Share(report.achievement_rate),
        ),
        (
            "Contrats de travail signés".into(),
            Value::Count(report.employment_contracts),
        ),
    ];
    for (code, n) in report.exits.named() {
        lines.push((
            format!("Sorties : {}", outcome_label(code)),
            Value::Count(n),
        ));
    }
    lines.push((
        "Part de sorties dynamiques (%)".to_string(),
        Value::Share(report.exits.dynamic_share),
    ));
    for (code, n) in report.follow_up_6m.named() {
        lines.push((
            format!(
                "Situation à 6 mois : {}",
                crate::reports::follow_up_label(code)
            ),
            Value::Count(n),
        ));
    }
    lines.push((
        "Situation à 6 mois : part en emploi ou en formation qualifiante (%)".to_string(),
        Value::Share(report.follow_up_6m.dynamic_share),
    ));
    lines.extend([
        (
            "Marchés notifiés sur la période".to_string(),
            Value::Count(Some(report.pnad.contracts_notified)),
        ),
        (
            "dont avec une considération sociale".into(),
            Value::Count(Some(report.pnad.with_social_consideration)),
        ),
        (
            "Part des marchés avec une considération sociale (%)".into(),
            Value::Share(report.pnad.share),
        ),
        (
            "dont avec une considération environnementale".into(),
            Value::Count(Some(report.pnad.with_environmental_consideration)),
        ),
        (
            "Part des marchés avec une considération environnementale (%)".into(),
            Value::Share(report.pnad.environmental_share),
        ),
        (
            format!(
                "Heures, période précédente ({} à {})",
                report.previous.from, report.previous.to
            ),
            Value::Hours(report.previous.hours),
        ),
        (
            "Personnes, période précédente".into(),
            Value::Count(report.previous.beneficiaries),
        ),
        (
            "ETP, période précédente".into(),
            Value::Hours(report.previous.fte),
        ),
    ]);
    for (label, value) in &lines {
        sheet.write_string(row, 0, label)?;
        match *value {
            Value::Hours(Some(h)) => {
                sheet.write_number_with_format(row, 1, number(h), &hours)?;
            }
            Value::Count(None) | Value::Hours(None) => {
                sheet.write_string(row, 1, "secret statistique")?;
            }
            Value::Count(Some(n)) => {
                sheet.write_number_with_format(row, 1, n as f64, &count)?;
            }
            Value::Share(Some(t)) => {
                sheet.write_number_with_format(row, 1, tenths(t), &share)?;
            }
            Value::Share(None) => {
                sheet.write_string(row, 1, "sans objet")?;
            }
        }
        row += 1;
    }
    if let Some(t) = report.suppression_threshold {
        row += 1;
        sheet.write_string(
            row,
            0,
            format!(
                "Secret statistique : les cases de moins de {t} personnes sont masquées, \
                 ainsi que les cases nécessaires pour qu'elles ne puissent pas être recalculées."
            ),
        )?;
    }

    if let Some(b) = &report.breakdowns {
        for ((name, cells), (_, title)) in b.named().into_iter().zip(BREAKDOWN_TITLES) {
            let sheet = book.add_worksheet();
            // Sheet names: at most 31 characters, no : \ / ? * [ ].
            sheet.set_name(
                title
                    .replace(['(', ')'], "")
                    .chars()
                    .take(31)
                    .collect::<String>(),
            )?;
            sheet.set_column_width(0, 24)?;
            sheet.set_column_width(1, 60)?;
            sheet.set_column_width(2, 12)?;
            sheet.set_column_width(3, 14)?;
            sheet.set_column_width(4, 20)?;
            for (col, head) in [
                "Code",
                "Libellé",
                "Personnes",
                "Heures",
                "Secret statistique",
            ]
            .into_iter()
            .enumerate()
            {
                sheet.write_string_with_format(0, col as u16, head, &bold)?;
            }
            for (i, c) in cells.iter().enumerate() {
                let r = i as u32 + 1;
                sheet.write_string(r, 0, &c.key)?;
                sheet.write_string(r, 1, key_label(name, &c.key, names))?;
                if let Some(p) = c.persons {
                    sheet.write_number_with_format(r, 2, p as f64, &count)?;
                }
                if let Some(h) = c.hours {
                    sheet.write_number_with_format(r, 3, number(h), &hours)?;
                }
                sheet.write_string(r, 4, if c.suppressed { "oui" } else { "non" })?;
            }
        }
    }
    pnad_sheet(&mut book, &report.pnad, &bold, &count, &share)?;
    book.save_to_buffer()
}

/// The PNAD sheet (issue 20): the targets, then one line per buyer.
fn pnad_sheet(
    book: &mut Workbook,
    pnad: &crate::reports::Pnad,
    bold: &Format,
    count: &Format,
    share: &Format,
) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name("PNAD par acheteur")?;
    sheet.set_column_width(0, 40)?;
    for col in 1..=5 {
        sheet.set_column_width(col, 18)?;
    }
    let targets = pnad.targets.unwrap_or_default();
    sheet.write_string(0, 0, "Objectif de part sociale (%)")?;
    sheet.write_number_with_format(0, 1, targets.social as f64, count)?;
    sheet.write_string(1, 0, "Objectif de part environnementale (%)")?;
    sheet.write_number_with_format(1, 1, targets.environmental as f64, count)?;
    for (col, head) in [
        "Acheteur",
        "Marchés notifiés",
        "Considération sociale",
        "Part sociale (%)",
        "Considération environnementale",
        "Part environnementale (%)",
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string_with_format(3, col as u16, head, bold)?;
    }
    for (i, b) in pnad.by_buyer.iter().enumerate() {
        let r = i as u32 + 4;
        sheet.write_string(r, 0, &b.buyer_name)?;
        sheet.write_number_with_format(r, 1, b.contracts_notified as f64, count)?;
        sheet.write_number_with_format(r, 2, b.with_social_consideration as f64, count)?;
        if let Some(t) = b.share {
            sheet.write_number_with_format(r, 3, tenths(t), share)?;
        }
        sheet.write_number_with_format(r, 4, b.with_environmental_consideration as f64, count)?;
        if let Some(t) = b.environmental_share {
            sheet.write_number_with_format(r, 5, tenths(t), share)?;
        }
    }
    Ok(())
}
