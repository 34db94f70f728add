//! Writes a parsed DECP file: buyers, holders and contracts, keyed by buyer SIRET and `id`.

use serde::Serialize;

use crate::db::Conn;
use crate::domain::decp::{DecpParse, DecpRecord};
use crate::error::ApiError;
use crate::store::contracts::{self, NewContract};
use crate::store::organisations::{self, NewOrganisation};

#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = DecpSkipped)]
pub struct Skipped {
    pub index: usize,
    pub reason: String,
}

#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = DecpWarning)]
pub struct Warning {
    pub index: usize,
    pub message: String,
}

#[derive(Debug, Serialize, Default, utoipa::ToSchema)]
#[schema(as = DecpImportSummary)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<Warning>,
}

/// The organisation with this identifier, created with `kind` when missing.
fn organisation_for(
    conn: &mut Conn,
    sid: i64,
    kind: &str,
    identifier_type: &str,
    identifier: &str,
    name: Option<&str>,
) -> Result<i64, ApiError> {
    if let Some(o) = organisations::find_by_identifier(conn, sid, identifier_type, identifier)? {
        return Ok(o.id);
    }
    let fallback = match kind {
        "buyer" => format!("Acheteur {identifier}"),
        _ => format!("Titulaire {identifier}"),
    };
    let org = organisations::create(
        conn,
        sid,
        NewOrganisation {
            kind: kind.to_string(),
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .unwrap_or(fallback),
            identifier_type: Some(identifier_type.to_string()),
            identifier: Some(identifier.to_string()),
            territory: None,
            siae_kind: None,
        },
    )?;
    Ok(org.id)
}

fn new_contract(conn: &mut Conn, sid: i64, r: &DecpRecord) -> Result<NewContract, ApiError> {
    let buyer_id = organisation_for(
        conn,
        sid,
        "buyer",
        "SIRET",
        &r.buyer_siret,
        r.buyer_name.as_deref(),
    )?;
    let mut holder_ids = Vec::new();
    for h in &r.holders {
        holder_ids.push(organisation_for(
            conn,
            sid,
            "contractor",
            &h.identifier_type,
            &h.identifier,
            h.name.as_deref(),
        )?);
    }
    Ok(NewContract {
        buyer_id,
        reference: r.reference.clone(),
        title: r.title.clone(),
        kind: r.kind.clone(),
        cpv_code: r.cpv_code.clone(),
        amount_cents: r.amount_cents,
        notified_on: r.notified_on,
        starts_on: r.starts_on,
        ends_on: r.ends_on,
        duration_months: r.duration_months,
        social_considerations: r.social_considerations.clone(),
        environmental_considerations: r.environmental_considerations.clone(),
        lots: Vec::new(),
        holder_ids,
        source: "decp",
        fingerprint: Some(r.fingerprint.clone()),
    })
}

/// Applies the parsed file in the caller's transaction.
pub fn apply(conn: &mut Conn, sid: i64, parsed: &DecpParse) -> Result<ImportSummary, ApiError> {
    let mut summary = ImportSummary {
        skipped: parsed
            .skipped
            .iter()
            .map(|(index, reason)| Skipped {
                index: *index,
                reason: reason.clone(),
            })
            .collect(),
        warnings: parsed
            .warnings
            .iter()
            .map(|(index, message)| Warning {
                index: *index,
                message: message.clone(),
            })
            .collect(),
        ..ImportSummary::default()
    };
    for r in &parsed.records {
        let new = new_contract(conn, sid, r)?;
        match contracts::find_by_key(conn, sid, new.buyer_id, &new.reference)? {
            None => {
                contracts::create(conn, sid, &new)?;
                summary.created += 1;
            }
            Some(existing) if existing.fingerprint.as_deref() == Some(r.fingerprint.as_str()) => {
                summary.unchanged += 1;
            }
            Some(existing) => {
                contracts::update_imported(conn, existing.id, &new)?;
                summary.updated += 1;
            }
        }
    }
    summary.skipped.sort_by_key(|s| s.index);
    summary.warnings.sort_by_key(|w| w.index);
    Ok(summary)
}
