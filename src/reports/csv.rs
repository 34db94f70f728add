//! The report as one long CSV table: `breakdown,key,persons,hours,suppressed`.
//!
//! Rows: `total,all` (beneficiaries and hours), then every cell of every breakdown in the
//! API's order (a hidden cell has empty persons and hours and `suppressed` true), then
//! `exits,<outcome>` with the number of exits in `persons`. Hours are decimals with a point
//! and two decimals at most, as in the JSON. A funder's selection under the threshold
//! (`reports::BelowThreshold`) is one line saying so in French, and nothing else.

use crate::domain::units::hundredths_to_json;
use crate::reports::{AnnualReport, Report};

fn hours_text(v: Option<i64>) -> String {
    v.map(|h| hundredths_to_json(h).to_string())
        .unwrap_or_default()
}

pub fn render(report: &Report) -> Result<String, csv::Error> {
    match report {
        Report::Shown(r) => render_figures(r),
        Report::BelowThreshold(b) => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([b.sentence()])?;
            let bytes = w.into_inner().map_err(|e| e.into_error())?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

fn render_figures(report: &AnnualReport) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["breakdown", "key", "persons", "hours", "suppressed"])?;
    w.write_record([
        "total".to_string(),
        "all".to_string(),
        report.beneficiaries.to_string(),
        hours_text(Some(report.hours)),
        "false".to_string(),
    ])?;
    if let Some(b) = &report.breakdowns {
        for (name, cells) in b.named() {
            for c in cells {
                w.write_record([
                    name.to_string(),
                    c.key.clone(),
                    c.persons.map(|p| p.to_string()).unwrap_or_default(),
                    hours_text(c.hours),
                    c.suppressed.to_string(),
                ])?;
            }
        }
    }
    for (outcome, n) in report.exits.named() {
        w.write_record([
            "exits".to_string(),
            outcome.to_string(),
            n.map(|p| p.to_string()).unwrap_or_default(),
            String::new(),
            n.is_none().to_string(),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
