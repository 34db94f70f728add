//! Use cases of contracts (with their lots and holders) and of the DECP import.

use crate::app::{AppError, AppResult};
use crate::auth::records;
use crate::db::{write_tx, Conn};
use crate::domain::decp::{end_date, is_cpv_code, DecpParse};
use crate::domain::ids::{ContractId, OrganisationId, StructureId};
use crate::domain::limits;
use crate::domain::limits::{Code, Label, Title};
use crate::domain::rule::Violation;
use crate::domain::units::Hundredths;
use crate::domain::vocabulary::{ContractKind, ContractSource, OrganisationKind};
use crate::store::contracts::{self as store, ContractView, NewContract, NewLot};
use crate::store::decp::{self, ImportSummary};
use crate::store::organisations;
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LotInput {
    pub number: i32,
    pub title: Option<Label>,
    pub amount_eur: Option<Hundredths>,
    pub cpv_code: Option<Code>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContractInput {
    pub buyer_id: OrganisationId,
    pub reference: Code,
    pub title: Title,
    #[schema(value_type = ContractKind)]
    pub kind: Code,
    pub cpv_code: Option<Code>,
    pub amount_eur: Option<Hundredths>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub notified_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    #[serde(default)]
    pub social_considerations: Vec<Code>,
    #[serde(default)]
    pub lots: Vec<LotInput>,
    #[serde(default)]
    pub holder_ids: Vec<OrganisationId>,
}

/// The social considerations a contract may state.
pub const SOCIAL_CONSIDERATIONS: &[&str] = &["clause_sociale", "critere_social", "marche_reserve"];
/// Longest duration accepted, in months.
const MAX_DURATION_MONTHS: i32 = 600;

/// Checks a contract request: the contract to insert, or every broken rule.
fn validate(
    conn: &mut Conn,
    structure_id: StructureId,
    input: ContractInput,
) -> AppResult<NewContract> {
    let mut errors = Vec::new();
    match organisations::find(conn, structure_id, input.buyer_id)? {
        Some(o) if o.kind == OrganisationKind::Buyer => {}
        Some(_) => errors.push(Violation::new("buyer_id", "organisation_not_buyer")),
        None => errors.push(Violation::new("buyer_id", "organisation_unknown")),
    }
    let reference = input.reference.trim().to_string();
    if reference.is_empty() || reference.chars().count() > 64 {
        errors.push(Violation::new("reference", "reference_length").with("max", 64));
    }
    if input.title.trim().is_empty() {
        errors.push(Violation::new("title", "empty"));
    }
    let kind = ContractKind::parse(&input.kind);
    if kind.is_none() {
        errors.push(Violation::new("kind", "contract_kind_unknown"));
    }
    if input.cpv_code.as_deref().is_some_and(|c| !is_cpv_code(c)) {
        errors.push(Violation::new("cpv_code", "cpv_code_malformed"));
    }
    if input.amount_eur.is_some_and(|a| a.0 <= 0) {
        errors.push(Violation::new("amount_eur", "not_positive"));
    }
    if input
        .duration_months
        .is_some_and(|m| m <= 0 || m > MAX_DURATION_MONTHS)
    {
        errors.push(
            Violation::new("duration_months", "duration_out_of_range")
                .with("max", MAX_DURATION_MONTHS),
        );
    }
    let ends_on = match (input.starts_on, input.ends_on, input.duration_months) {
        (Some(s), Some(e), _) if e < s => {
            errors.push(Violation::new("ends_on", "ends_before_start"));
            None
        }
        (_, Some(e), _) => Some(e),
        (Some(s), None, Some(m)) if m > 0 => end_date(Some(s), Some(m)),
        _ => None,
    };
    if input.ends_on.is_none() && ends_on.is_some_and(|e| e > limits::MAX_DATE) {
        errors.push(
            Violation::new("duration_months", "computed_end_too_late")
                .with("max", limits::MAX_DATE),
        );
    }
    for (i, code) in input.social_considerations.iter().enumerate() {
        if !SOCIAL_CONSIDERATIONS.contains(&code.as_str()) {
            errors.push(Violation::new(
                format!("social_considerations[{i}]"),
                "social_consideration_unknown",
            ));
        }
    }
    let mut numbers = std::collections::HashSet::new();
    let mut lots = Vec::new();
    for (i, lot) in input.lots.iter().enumerate() {
        if lot.number <= 0 || !numbers.insert(lot.number) {
            errors.push(Violation::new(
                format!("lots[{i}].number"),
                "lot_number_invalid",
            ));
        }
        if lot.amount_eur.is_some_and(|a| a.0 <= 0) {
            errors.push(Violation::new(
                format!("lots[{i}].amount_eur"),
                "not_positive",
            ));
        }
        if lot.cpv_code.as_deref().is_some_and(|c| !is_cpv_code(c)) {
            errors.push(Violation::new(
                format!("lots[{i}].cpv_code"),
                "cpv_code_malformed",
            ));
        }
        lots.push(NewLot {
            number: lot.number,
            title: lot
                .title
                .clone()
                .map(Into::into)
                .unwrap_or_else(|| format!("Lot {}", lot.number)),
            amount_cents: lot.amount_eur.map(|a| a.0),
            cpv_code: lot.cpv_code.clone().map(Into::into),
        });
    }
    for (i, id) in input.holder_ids.iter().enumerate() {
        match organisations::find(conn, structure_id, *id)? {
            Some(o) if o.kind.delivers_hours() => {}
            _ => errors.push(Violation::new(
                format!("holder_ids[{i}]"),
                "organisation_not_contractor",
            )),
        }
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let mut social: Vec<String> = input
        .social_considerations
        .into_iter()
        .map(Into::into)
        .collect();
    social.sort();
    social.dedup();
    Ok(NewContract {
        buyer_id: input.buyer_id,
        reference,
        title: input.title.trim().to_string(),
        kind,
        cpv_code: input.cpv_code.map(Into::into),
        amount_cents: input.amount_eur.map(|a| a.0),
        notified_on: input.notified_on,
        starts_on: input.starts_on,
        ends_on,
        duration_months: input.duration_months,
        social_considerations: social,
        environmental_considerations: Vec::new(),
        lots,
        holder_ids: input.holder_ids,
        source: ContractSource::Manual,
        fingerprint: None,
    })
}

/// Records a contract; a buyer has one contract per reference (`contract_reference_taken`).
pub fn create_contract(
    conn: &mut Conn,
    structure_id: StructureId,
    input: ContractInput,
) -> AppResult<ContractView> {
    write_tx(conn, |c| {
        let new = validate(c, structure_id, input)?;
        if store::find_by_key(c, structure_id, new.buyer_id, &new.reference)?.is_some() {
            return Err(AppError::conflict(
                Violation::new("reference", "contract_reference_taken")
                    .with("reference", &new.reference),
            ));
        }
        let id = store::create(c, structure_id, &new)?;
        let contract = store::find(c, structure_id, id)?.ok_or(AppError::NotFound("contract"))?;
        Ok(store::view(c, contract)?)
    })
}

/// One page of the contracts the caller may see (a contractor: those it holds or works on).
pub fn list_contracts(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<ContractView>, i64)> {
    let (rows, total) = store::list(conn, structure_id, contractor, limit, offset)?;
    Ok((store::views(conn, rows)?, total))
}

/// One contract, if the caller may see it.
pub fn contract_view(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ContractId,
    contractor: Option<OrganisationId>,
) -> AppResult<ContractView> {
    let contract = records::visible_contract(conn, structure_id, id, contractor)?;
    Ok(store::view(conn, contract)?)
}

/// Applies a parsed DECP file in one transaction: buyers, holders and contracts created or
/// updated, unchanged records counted.
pub fn import_decp(
    conn: &mut Conn,
    structure_id: StructureId,
    parsed: &DecpParse,
) -> AppResult<ImportSummary> {
    write_tx(conn, |c| {
        let mut summary = decp::summary_of(parsed);
        for r in &parsed.records {
            let new = decp::new_contract(c, structure_id, r)?;
            match store::find_by_key(c, structure_id, new.buyer_id, &new.reference)? {
                None => {
                    store::create(c, structure_id, &new)?;
                    summary.created += 1;
                }
                Some(existing)
                    if existing.fingerprint.as_deref() == Some(r.fingerprint.as_str()) =>
                {
                    summary.unchanged += 1;
                }
                Some(existing) => {
                    store::update_imported(c, existing.id, &new)?;
                    summary.updated += 1;
                }
            }
        }
        summary.skipped.sort_by_key(|s| s.index);
        summary.warnings.sort_by_key(|w| w.index);
        Ok(summary)
    })
}
