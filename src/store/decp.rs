//! Writes a parsed DECP file: buyers, holders and contracts, keyed by buyer SIRET and `id`
//! (what each record does, create, update or nothing, is decided in
//! `app::contracts::import_decp`).

use diesel::QueryResult;
use serde::Serialize;

use crate::db::Conn;
use crate::domain::decp::{DecpParse, DecpRecord};
use crate::domain::ids::ContractId;
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::rule::Violation;
use crate::domain::vocabulary::HistoryAction;
use crate::domain::vocabulary::{ContractSource, OrganisationKind};
use crate::store::contracts::{self, NewAmendment, NewContract};
use crate::store::history::{self, FieldChange, NewHistoryLine, RecordKind};
use crate::store::organisations::{self, NewOrganisation};

/// A record not imported: its index, the key at fault, the code of the catalogue and, once
/// rendered at the HTTP edge (`api::imports`), the French reason.
#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = DecpSkipped)]
pub struct Skipped {
    pub index: usize,
    pub field: String,
    pub code: &'static str,
    pub reason: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub rule: Violation,
}

/// What was dropped or ignored within an imported record, the same way.
#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = DecpWarning)]
pub struct Warning {
    pub index: usize,
    pub field: String,
    pub code: &'static str,
    pub message: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub rule: Violation,
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
    sid: StructureId,
    kind: OrganisationKind,
    identifier_type: &str,
    identifier: &str,
    name: Option<&str>,
) -> QueryResult<OrganisationId> {
    if let Some(o) = organisations::find_by_identifier(conn, sid, identifier_type, identifier)? {
        return Ok(o.id);
    }
    let fallback = match kind {
        OrganisationKind::Buyer => format!("Acheteur {identifier}"),
        _ => format!("Titulaire {identifier}"),
    };
    let org = organisations::create(
        conn,
        sid,
        NewOrganisation {
            kind,
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .unwrap_or(fallback),
            identifier_type: Some(identifier_type.to_string()),
            identifier: Some(identifier.to_string()),
            territory: None,
            siae_kind: None,
            ess: false,
        },
    )?;
    Ok(org.id)
}

/// The contract of a record, its buyer and holders found by identifier or created.
pub fn new_contract(conn: &mut Conn, sid: StructureId, r: &DecpRecord) -> QueryResult<NewContract> {
    let buyer_id = organisation_for(
        conn,
        sid,
        OrganisationKind::Buyer,
        "SIRET",
        &r.buyer_siret,
        r.buyer_name.as_deref(),
    )?;
    let mut holder_ids = Vec::new();
    for h in &r.holders {
        holder_ids.push(organisation_for(
            conn,
            sid,
            OrganisationKind::Contractor,
            &h.identifier_type,
            &h.identifier,
            h.name.as_deref(),
        )?);
    }
    Ok(NewContract {
        buyer_id,
        reference: r.reference.clone(),
        title: r.title.clone(),
        // The parser writes one of the three codes, services when in doubt.
        kind: r.kind,
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
        source: ContractSource::Decp,
        fingerprint: Some(r.fingerprint.clone()),
    })
}

/// The summary of a parsed file before any record is applied: its skipped records and
/// warnings.
pub fn summary_of(parsed: &DecpParse) -> ImportSummary {
    ImportSummary {
        skipped: parsed
            .skipped
            .iter()
            .map(|(index, rule)| Skipped {
                index: *index,
                field: rule.field.clone(),
                code: rule.code,
                reason: String::new(),
                rule: rule.clone(),
            })
            .collect(),
        warnings: parsed
            .warnings
            .iter()
            .map(|(index, rule)| Warning {
                index: *index,
                field: rule.field.clone(),
                code: rule.code,
                message: String::new(),
                rule: rule.clone(),
            })
            .collect(),
        ..ImportSummary::default()
    }
}

/// The reason of an amendment read from the open data without `objetModification`.
pub const DECP_AMENDMENT_REASON: &str = "Modification publiée dans les données essentielles";

/// Records the modifications of a record the contract does not have yet (by number) as its
/// amendments, each with a line of its history; returns how many were added.
pub fn record_modifications(
    conn: &mut Conn,
    sid: StructureId,
    contract_id: ContractId,
    r: &DecpRecord,
) -> QueryResult<usize> {
    let mut added = 0;
    for m in &r.modifications {
        if contracts::find_amendment(conn, contract_id, &m.number)?.is_some() {
            continue;
        }
        let reason = m.reason.as_deref().unwrap_or(DECP_AMENDMENT_REASON);
        contracts::add_amendment(
            conn,
            &NewAmendment {
                structure_id: sid,
                contract_id,
                number: &m.number,
                signed_on: m.signed_on,
                amount_cents: m.amount_cents,
                ends_on: m.ends_on,
                duration_months: m.duration_months,
                reason: Some(reason),
                source: ContractSource::Decp,
                created_by: None,
            },
        )?;
        history::record(
            conn,
            NewHistoryLine {
                structure_id: sid,
                kind: RecordKind::Contract,
                record_id: contract_id.into(),
                at: crate::db::now(),
                by: None,
                action: HistoryAction::Amend,
                reason: Some(reason),
                changes: &[FieldChange {
                    field: "amendment".into(),
                    before: serde_json::Value::Null,
                    after: serde_json::Value::String(m.number.clone()),
                }],
            },
        )?;
        added += 1;
    }
    Ok(added)
}
