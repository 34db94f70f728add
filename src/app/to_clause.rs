//! Use cases of the list of contracts still to clause (docs/domain.md#contracts-to-clause)
//! and of the buyers' thresholds. Staff only, their own structure's buyers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::app::{AppError, AppResult};
use crate::db::{write_tx, Conn};
use crate::domain::calibration::LabourShareRef;
use crate::domain::hours::format_hours;
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::rule::Violation;
use crate::domain::spreadsheet::defused;
use crate::domain::to_clause::{
    compare, estimate, is_to_clause, Candidate, SortKey, SortValues, Standard,
    DEFAULT_THRESHOLD_CENTS,
};
use crate::domain::units::{ser_hundredths, ser_opt_hundredths, Hundredths};
use crate::domain::vocabulary::OrganisationKind;
use crate::store::clauses as clause_store;
use crate::store::contracts::split_codes;
use crate::store::organisations;
use crate::store::to_clause as store;

/// What a line says when the labour share of its CPV code is unknown.
pub const UNKNOWN_SHARE_NOTE: &str = "part de main-d'œuvre inconnue";

/// One contract still to clause, with the standard calibration's hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ToClauseLine {
    pub contract_id: i64,
    pub reference: String,
    pub title: String,
    pub buyer_id: i64,
    pub buyer_name: String,
    pub cpv_code: Option<String>,
    /// The notified amount excluding VAT.
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub amount_eur: i64,
    pub notified_on: Option<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    /// The buyer's threshold excluding VAT (70 000 by default).
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub threshold_eur: i64,
    /// The labour share of the longest matching CPV prefix; null when unknown.
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub labour_share_percent: Option<i64>,
    pub labour_share_label: Option<String>,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub insertion_rate_percent: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub hourly_cost_eur: i64,
    /// Whole hours of the standard calibration; null when the labour share is unknown.
    pub hours: Option<i64>,
    /// « part de main-d'œuvre inconnue » when there are no hours.
    pub note: Option<String>,
    /// The new-clause page of the contract, prefilled with this calibration.
    pub new_clause_href: String,
}

/// The list's order and slice.
#[derive(Debug, Clone, Copy, Default)]
pub struct ToClauseQuery {
    pub sort: SortKey,
    pub descending: bool,
    pub buyer_id: Option<OrganisationId>,
    pub limit: i64,
    pub offset: i64,
}

/// The rate or cost as the new-clause form reads it: `5`, `5.5`.
fn form_number(hundredths: i64) -> String {
    format_hours(hundredths)
}

fn line_of(
    row: store::CandidateRow,
    threshold_cents: i64,
    shares: &[LabourShareRef],
    standard: Standard,
) -> Option<ToClauseLine> {
    let candidate = Candidate {
        notified_on: row.notified_on,
        amount_cents: row.amount_cents,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        duration_months: row.duration_months,
        social_considerations: split_codes(&row.social_considerations),
        clauses: Vec::new(),
    };
    if !is_to_clause(&candidate, threshold_cents) {
        return None;
    }
    let amount = row.amount_cents?;
    let e = estimate(amount, row.cpv_code.as_deref(), shares, standard);
    let contract_id = i64::from(row.id);
    Some(ToClauseLine {
        contract_id,
        reference: row.reference,
        title: row.title,
        buyer_id: i64::from(row.buyer_id),
        buyer_name: row.buyer_name,
        cpv_code: row.cpv_code,
        amount_eur: amount,
        notified_on: row.notified_on,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        duration_months: row.duration_months,
        threshold_eur: threshold_cents,
        labour_share_percent: e.labour_share_bp,
        labour_share_label: e.labour_share_label,
        insertion_rate_percent: standard.insertion_rate_bp,
        hourly_cost_eur: standard.hourly_cost_cents,
        hours: e.hours,
        note: e.hours.is_none().then(|| UNKNOWN_SHARE_NOTE.to_string()),
        new_clause_href: format!(
            "/contracts/{contract_id}/clauses/new?insertion_rate_percent={}&hourly_cost_eur={}",
            form_number(standard.insertion_rate_bp),
            form_number(standard.hourly_cost_cents)
        ),
    })
}

/// Every line of the structure's list, sorted (not paged).
pub fn all_lines(
    conn: &mut Conn,
    structure_id: StructureId,
    q: &ToClauseQuery,
) -> AppResult<Vec<ToClauseLine>> {
    if let Some(b) = q.buyer_id {
        buyer_of(conn, structure_id, b)?;
    }
    let thresholds = store::thresholds(conn, structure_id)?;
    let standard = store::standard(conn, structure_id)?;
    let shares = clause_store::labour_shares(conn, structure_id)?;
    let mut lines: Vec<ToClauseLine> = store::candidates(conn, structure_id, q.buyer_id)?
        .into_iter()
        .filter_map(|row| {
            let threshold = thresholds
                .get(&i64::from(row.buyer_id))
                .copied()
                .unwrap_or(DEFAULT_THRESHOLD_CENTS);
            line_of(row, threshold, &shares, standard)
        })
        .collect();
    let values =
        |l: &ToClauseLine| -> SortValues { (l.amount_eur, l.notified_on, l.hours, l.contract_id) };
    lines.sort_by(|a, b| compare(&values(a), &values(b), q.sort, q.descending));
    Ok(lines)
}

/// One page of the list and the number of lines in all.
pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    q: &ToClauseQuery,
) -> AppResult<(Vec<ToClauseLine>, i64)> {
    let lines = all_lines(conn, structure_id, q)?;
    let total = lines.len() as i64;
    let page = lines
        .into_iter()
        .skip(usize::try_from(q.offset).unwrap_or(0))
        .take(usize::try_from(q.limit).unwrap_or(0))
        .collect();
    Ok((page, total))
}

/// A buyer's threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Threshold {
    pub buyer_id: i64,
    pub buyer_name: String,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub threshold_eur: i64,
    /// True when the buyer has no threshold of its own (70 000 € HT).
    pub is_default: bool,
}

/// `PUT /api/v1/contracts/to-clause/thresholds/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdInput {
    /// Euros excluding VAT, positive.
    #[schema(value_type = f64)]
    pub threshold_eur: Hundredths,
}

fn buyer_of(
    conn: &mut Conn,
    structure_id: StructureId,
    id: OrganisationId,
) -> AppResult<crate::store::organisations::Organisation> {
    match organisations::find(conn, structure_id, id)? {
        Some(o) if o.kind == OrganisationKind::Buyer => Ok(o),
        Some(_) => Err(AppError::Invalid(vec![Violation::new(
            "buyer_id",
            "organisation_not_buyer",
        )])),
        None => Err(AppError::NotFound("organisation")),
    }
}

/// The thresholds of the structure's buyers, by name.
pub fn thresholds(conn: &mut Conn, structure_id: StructureId) -> AppResult<Vec<Threshold>> {
    let set = store::thresholds(conn, structure_id)?;
    Ok(store::buyers(conn, structure_id)?
        .into_iter()
        .map(|(id, name)| Threshold {
            buyer_id: id,
            buyer_name: name,
            threshold_eur: set.get(&id).copied().unwrap_or(DEFAULT_THRESHOLD_CENTS),
            is_default: !set.contains_key(&id),
        })
        .collect())
}

/// Sets a buyer's threshold: a buyer of the caller's structure (404 otherwise, 422 for an
/// organisation that is not a buyer), a positive amount.
pub fn set_threshold(
    conn: &mut Conn,
    structure_id: StructureId,
    buyer_id: OrganisationId,
    input: ThresholdInput,
) -> AppResult<Threshold> {
    write_tx(conn, |c| {
        let buyer = buyer_of(c, structure_id, buyer_id)?;
        if input.threshold_eur.0 <= 0 {
            return Err(AppError::Invalid(vec![Violation::new(
                "threshold_eur",
                "not_positive",
            )]));
        }
        store::set_threshold(c, structure_id, buyer_id, input.threshold_eur.0)?;
        Ok(Threshold {
            buyer_id: i64::from(buyer_id),
            buyer_name: buyer.name,
            threshold_eur: input.threshold_eur.0,
            is_default: false,
        })
    })
}

// ---------------------------------------------------------------------------------------
// CSV

const CSV_HEADER_FR: [&str; 13] = [
    "Marché",
    "Objet",
    "Acheteur",
    "Code CPV",
    "Montant HT (€)",
    "Notification",
    "Début",
    "Fin",
    "Durée (mois)",
    "Seuil de l'acheteur (€)",
    "Part de main-d'œuvre (%)",
    "Heures d'insertion (calibrage standard)",
    "Remarque",
];

const CSV_HEADER_STANDARD: [&str; 13] = [
    "reference",
    "title",
    "buyer",
    "cpv_code",
    "amount_eur",
    "notified_on",
    "starts_on",
    "ends_on",
    "duration_months",
    "threshold_eur",
    "labour_share_percent",
    "hours",
    "note",
];

/// Cents (or basis points) with two decimals, the dialect's way: `70000,00` or `70000.00`.
fn two_decimals(v: i64, dialect: crate::domain::spreadsheet::CsvDialect) -> String {
    let text = format!(
        "{}{}.{:02}",
        if v < 0 { "-" } else { "" },
        v.unsigned_abs() / 100,
        v.unsigned_abs() % 100
    );
    match dialect {
        crate::domain::spreadsheet::CsvDialect::French => text.replace('.', ","),
        crate::domain::spreadsheet::CsvDialect::Standard => text,
    }
}

/// The list as CSV: the French spreadsheet form (byte-order mark, `;`, decimal comma, French
/// headers) or `standard`.
pub fn render_csv(
    lines: &[ToClauseLine],
    dialect: crate::domain::spreadsheet::CsvDialect,
) -> Result<Vec<u8>, csv::Error> {
    use crate::domain::spreadsheet::CsvDialect;
    let mut out = Vec::new();
    out.extend_from_slice(dialect.preamble().as_bytes());
    let mut w = csv::WriterBuilder::new()
        .delimiter(dialect.delimiter())
        .from_writer(out);
    w.write_record(match dialect {
        CsvDialect::French => CSV_HEADER_FR,
        CsvDialect::Standard => CSV_HEADER_STANDARD,
    })?;
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for l in lines {
        w.write_record([
            defused(&l.reference),
            defused(&l.title),
            defused(&l.buyer_name),
            l.cpv_code.clone().unwrap_or_default(),
            two_decimals(l.amount_eur, dialect),
            date(l.notified_on),
            date(l.starts_on),
            date(l.ends_on),
            l.duration_months.map(|m| m.to_string()).unwrap_or_default(),
            two_decimals(l.threshold_eur, dialect),
            l.labour_share_percent
                .map(|p| two_decimals(p, dialect))
                .unwrap_or_default(),
            l.hours.map(|h| h.to_string()).unwrap_or_default(),
            l.note.clone().unwrap_or_default(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
