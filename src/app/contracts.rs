//! Use cases of contracts (with their lots and holders) and of the DECP import.

use crate::app::versioned::{check_if_match, claimed, Versioned};
use crate::app::{AppError, AppResult};
use crate::auth::records;
use crate::db::{write_tx, Conn};
use crate::domain::amendments::{check_amendment, AmendedContract, AmendmentRequest};
use crate::domain::decp::{end_date, is_cpv_code, DecpParse};
use crate::domain::ids::{ClauseId, ContractId, OrganisationId, StructureId, UserId};
use crate::domain::limits;
use crate::domain::limits::{Code, FreeText, Label, Title};
use crate::domain::patch::{apply, not_null, present, Patch};
use crate::domain::rule::Violation;
use crate::domain::units::{ser_hundredths, Hundredths};
use crate::domain::version::{IfMatch, Version};
use crate::domain::vocabulary::{ContractKind, ContractSource, HistoryAction, OrganisationKind};
use crate::store::contracts::{self as store, Amendment, ContractView, NewContract, NewLot};
use crate::store::decp::{self, ImportSummary};
use crate::store::history::{self, changes_between, fields_of, HistoryEntry, RecordKind};
use crate::store::organisations;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LotInput {
    pub number: i32,
    pub title: Option<Label>,
    pub amount_eur: Option<Hundredths>,
    pub cpv_code: Option<Code>,
}

/// Most lots of a contract (the pages offer as many).
pub const MAX_LOTS: usize = 100;
/// Most holders of a contract (a joint bid rarely has more than a handful).
pub const MAX_HOLDERS: usize = 50;

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
    /// `clause_environnementale`, `critere_environnemental` (as the open data states them).
    #[serde(default)]
    pub environmental_considerations: Vec<Code>,
    #[serde(default)]
    pub lots: Vec<LotInput>,
    #[serde(default)]
    pub holder_ids: Vec<OrganisationId>,
}

/// The social considerations a contract may state.
pub const SOCIAL_CONSIDERATIONS: &[&str] = &["clause_sociale", "critere_social", "marche_reserve"];
/// The environmental considerations a contract may state (DECP `considerationsEnvironnementales`).
pub const ENVIRONMENTAL_CONSIDERATIONS: &[&str] =
    &["clause_environnementale", "critere_environnemental"];
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
    for (i, code) in input.environmental_considerations.iter().enumerate() {
        if !ENVIRONMENTAL_CONSIDERATIONS.contains(&code.as_str()) {
            errors.push(Violation::new(
                format!("environmental_considerations[{i}]"),
                "environmental_consideration_unknown",
            ));
        }
    }
    // Bounded before anything is checked one by one (each holder is a lookup).
    let too_long = |field: &str, len: usize, max: usize| {
        (len > max).then(|| Violation::new(field, "list_too_long").with("max", max))
    };
    if let Some(v) = too_long("lots", input.lots.len(), MAX_LOTS)
        .or_else(|| too_long("holder_ids", input.holder_ids.len(), MAX_HOLDERS))
    {
        return Err(AppError::Invalid(vec![v]));
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
    let mut environmental: Vec<String> = input
        .environmental_considerations
        .into_iter()
        .map(Into::into)
        .collect();
    environmental.sort();
    environmental.dedup();
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
        environmental_considerations: environmental,
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
                    let id = store::create(c, structure_id, &new)?;
                    decp::record_modifications(c, structure_id, id, r)?;
                    summary.created += 1;
                }
                Some(existing)
                    if existing.fingerprint.as_deref() == Some(r.fingerprint.as_str()) =>
                {
                    summary.unchanged += 1;
                }
                Some(existing) => {
                    let before = store::holders(c, existing.id)?;
                    store::update_imported(c, existing.id, &new)?;
                    // The open data is the record: a holder a reserved clause excludes is
                    // kept, and the summary says so.
                    let after = store::holders(c, existing.id)?;
                    for v in holders_refused(c, structure_id, existing.id, &before, &after)? {
                        let param = |name: &str| {
                            v.params
                                .iter()
                                .find(|(n, _)| *n == name)
                                .map(|(_, value)| value.clone())
                                .unwrap_or_default()
                        };
                        let rule = Violation::new("holders", "decp_reserved_holder_kept")
                            .with("holder", param("holder"))
                            .with("legal_basis", param("legal_basis"));
                        summary.warnings.push(crate::store::decp::Warning {
                            index: r.index,
                            field: rule.field.clone(),
                            code: "decp_reserved_holder_kept",
                            message: String::new(),
                            rule,
                        });
                    }
                    // Each modification of the open data is an amendment.
                    decp::record_modifications(c, structure_id, existing.id, r)?;
                    summary.updated += 1;
                }
            }
        }
        summary.skipped.sort_by_key(|s| s.index);
        summary.warnings.sort_by_key(|w| w.index);
        Ok(summary)
    })
}

/// The holders a contract gains, each checked against the legal basis of the contract's
/// reserved clauses that are not cancelled: the first that may not hold it, named
/// (`reserved_holder_not_eligible`).
fn holders_refused(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ContractId,
    before: &[OrganisationId],
    after: &[OrganisationId],
) -> AppResult<Vec<Violation>> {
    let mut out = Vec::new();
    let added: Vec<(usize, OrganisationId)> = after
        .iter()
        .enumerate()
        .filter(|(_, h)| !before.contains(h))
        .map(|(i, h)| (i, *h))
        .collect();
    if added.is_empty() {
        return Ok(out);
    }
    for clause in crate::store::clauses::of_contract(conn, id)? {
        if clause.status == crate::domain::vocabulary::ClauseStatus::Cancelled {
            continue;
        }
        let Some(basis) = crate::app::clauses::reservation_of(&clause) else {
            continue;
        };
        for (i, holder) in &added {
            let field = format!("holder_ids[{i}]");
            if let Some(v) =
                crate::app::clauses::holder_refusal(conn, structure_id, basis, *holder, &field)?
            {
                out.push(v);
            }
        }
    }
    Ok(out)
}

/// A correction's new holders, refused when a reserved clause of the contract excludes them.
fn reserved_holders_fit(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ContractId,
    before: &[OrganisationId],
    after: &[OrganisationId],
) -> AppResult<()> {
    let refused = holders_refused(conn, structure_id, id, before, after)?;
    if refused.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(refused))
    }
}

// ---------------------------------------------------------------------------------------
// Corrections and amendments (issue 17)

/// A correction of a contract's data-entry errors (JSON merge patch): a field absent is
/// unchanged, `null` clears an optional one; the rules of creation hold. `reason` is
/// required.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub buyer_id: Patch<OrganisationId>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub reference: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub title: Patch<Title>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ContractKind>)]
    pub kind: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub cpv_code: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    pub amount_eur: Patch<Hundredths>,
    #[serde(default, deserialize_with = "crate::domain::corrections::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub notified_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::corrections::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub starts_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::corrections::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub duration_months: Patch<i32>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub social_considerations: Patch<Vec<Code>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub environmental_considerations: Patch<Vec<Code>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<LotInput>>)]
    pub lots: Patch<Vec<LotInput>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<i64>>)]
    pub holder_ids: Patch<Vec<OrganisationId>>,
    /// Why the contract is corrected (kept in its history).
    #[schema(value_type = String)]
    pub reason: FreeText,
}

fn code_of(s: String) -> Code {
    // Stored values passed these checks when written: they convert back.
    Code::try_from(s).unwrap_or_default()
}

/// The new value of a field that cannot be cleared, if given; `null` is reported.
fn keep<T>(errors: &mut Vec<Violation>, field: &str, patch: Patch<T>) -> Option<T> {
    not_null(field, patch).unwrap_or_else(|v| {
        errors.push(v);
        None
    })
}

/// The creation input of a contract as it is now, with a correction applied, or the
/// fields the correction cannot clear.
fn merged(current: &ContractView, patch: ContractPatch) -> Result<ContractInput, Vec<Violation>> {
    let mut errors = Vec::new();
    let buyer_id = keep(&mut errors, "buyer_id", patch.buyer_id).unwrap_or(current.buyer_id);
    let reference = keep(&mut errors, "reference", patch.reference);
    let title = keep(&mut errors, "title", patch.title);
    let kind = keep(&mut errors, "kind", patch.kind);
    let social = keep(
        &mut errors,
        "social_considerations",
        patch.social_considerations,
    );
    let environmental = keep(
        &mut errors,
        "environmental_considerations",
        patch.environmental_considerations,
    );
    let recompute_end = patch.ends_on.is_none()
        && (patch.duration_months.is_some() || patch.starts_on.is_some())
        && current.duration_months.is_some();
    let lots = match patch.lots {
        None => current
            .lots
            .iter()
            .map(|l| LotInput {
                number: l.number,
                title: Label::try_from(l.title.clone()).ok(),
                amount_eur: l.amount_cents.map(Hundredths),
                cpv_code: l.cpv_code.clone().map(code_of),
            })
            .collect(),
        Some(l) => l.unwrap_or_default(),
    };
    let input = ContractInput {
        buyer_id,
        reference: reference.unwrap_or_else(|| code_of(current.reference.clone())),
        title: title.unwrap_or_else(|| Title::try_from(current.title.clone()).unwrap_or_default()),
        kind: kind.unwrap_or_else(|| code_of(current.kind.as_str().to_string())),
        cpv_code: apply(current.cpv_code.clone().map(code_of), patch.cpv_code),
        amount_eur: apply(current.amount_eur.map(Hundredths), patch.amount_eur),
        notified_on: apply(current.notified_on, patch.notified_on),
        starts_on: apply(current.starts_on, patch.starts_on),
        ends_on: if recompute_end {
            None
        } else {
            apply(current.ends_on, patch.ends_on)
        },
        duration_months: apply(current.duration_months, patch.duration_months),
        social_considerations: social.unwrap_or_else(|| {
            current
                .social_considerations
                .iter()
                .cloned()
                .map(code_of)
                .collect()
        }),
        environmental_considerations: environmental.unwrap_or_else(|| {
            current
                .environmental_considerations
                .iter()
                .cloned()
                .map(code_of)
                .collect()
        }),
        lots,
        holder_ids: apply(Some(current.holder_ids.clone()), patch.holder_ids).unwrap_or_default(),
    };
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(errors)
    }
}

/// One contract with its version (its `ETag`), if the caller may see it.
pub fn contract_versioned(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ContractId,
    contractor: Option<OrganisationId>,
) -> AppResult<Versioned<ContractView>> {
    let contract = records::visible_contract(conn, structure_id, id, contractor)?;
    let version = Version(contract.version);
    Ok(Versioned::new(store::view(conn, contract)?, version))
}

/// Corrects a contract's data-entry errors with the rules of its creation; the fields
/// before and after go to its history with the reason. Nothing changed: answered as it is.
pub fn correct_contract(
    conn: &mut Conn,
    structure_id: StructureId,
    by: UserId,
    id: ContractId,
    patch: ContractPatch,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<ContractView>> {
    write_tx(conn, |c| {
        let row = store::find(c, structure_id, id)?.ok_or(AppError::NotFound("contract"))?;
        check_if_match(if_match.as_ref(), Version(row.version))?;
        let before = store::view(c, row.clone())?;
        let reason = patch.reason.trim().to_string();
        let mut errors = Vec::new();
        if reason.is_empty() {
            errors.push(Violation::new("reason", "required"));
        }
        let input = match merged(&before, patch) {
            Ok(i) => Some(i),
            Err(list) => {
                errors.extend(list);
                None
            }
        };
        let new = match input.map(|i| validate(c, structure_id, i)) {
            Some(Ok(new)) if errors.is_empty() => new,
            Some(Err(AppError::Invalid(list))) => {
                errors.extend(list);
                return Err(AppError::Invalid(errors));
            }
            Some(Err(e)) => return Err(e),
            _ => return Err(AppError::Invalid(errors)),
        };
        reserved_holders_fit(c, structure_id, id, &before.holder_ids, &new.holder_ids)?;
        if (new.buyer_id, new.reference.as_str()) != (row.buyer_id, row.reference.as_str()) {
            if let Some(other) = store::find_by_key(c, structure_id, new.buyer_id, &new.reference)?
            {
                if other.id != id {
                    return Err(AppError::conflict(
                        Violation::new("reference", "contract_reference_taken")
                            .with("reference", &new.reference),
                    ));
                }
            }
        }
        let probe = new_view_fields(&before, &new);
        if changes_between(
            &fields_of(&comparable(&before)),
            &fields_of(&comparable(&probe)),
        )
        .is_empty()
        {
            return contract_versioned(c, structure_id, id, None);
        }
        claimed(
            crate::claim_version!(c, contracts, id, Version(row.version))?,
            if_match.as_ref(),
        )?;
        store::correct(c, id, &new)?;
        let after = contract_versioned(c, structure_id, id, None)?.record;
        let changes = changes_between(&fields_of(&before), &fields_of(&after));
        history::record(
            c,
            history::NewHistoryLine {
                structure_id,
                kind: RecordKind::Contract,
                record_id: id.into(),
                at: crate::db::now(),
                by: Some(by),
                action: HistoryAction::Correct,
                reason: Some(&reason),
                changes: &changes,
            },
        )?;
        contract_versioned(c, structure_id, id, None)
    })
}

/// The view the correction would give, for the fields a correction writes (to tell a
/// correction that changes nothing).
fn new_view_fields(before: &ContractView, new: &NewContract) -> ContractView {
    let mut v = before.clone();
    v.buyer_id = new.buyer_id;
    v.reference = new.reference.clone();
    v.title = new.title.clone();
    v.kind = new.kind;
    v.cpv_code = new.cpv_code.clone();
    v.amount_eur = new.amount_cents;
    v.notified_on = new.notified_on;
    v.starts_on = new.starts_on;
    v.ends_on = new.ends_on;
    v.duration_months = new.duration_months;
    v.social_considerations = new.social_considerations.clone();
    v.environmental_considerations = new.environmental_considerations.clone();
    v.lots = new
        .lots
        .iter()
        .map(|l| store::Lot {
            id: 0,
            contract_id: before.id,
            number: l.number,
            title: l.title.clone(),
            amount_cents: l.amount_cents,
            cpv_code: l.cpv_code.clone(),
        })
        .collect();
    v.lots.sort_by_key(|l| l.number);
    let mut holders = new.holder_ids.clone();
    holders.sort_unstable();
    holders.dedup();
    v.holder_ids = holders;
    v
}

/// The fields a correction compares: the view without the names read from elsewhere.
fn comparable(v: &ContractView) -> ContractView {
    let mut v = v.clone();
    v.holder_names = Vec::new();
    v.buyer_name = String::new();
    v
}

/// The history of a contract (corrections and amendments), oldest first.
pub fn contract_history(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ContractId,
) -> AppResult<Vec<HistoryEntry>> {
    store::find(conn, structure_id, id)?.ok_or(AppError::NotFound("contract"))?;
    Ok(history::history_of(
        conn,
        structure_id,
        RecordKind::Contract,
        id.into(),
    )?)
}

/// An amendment (avenant) of a contract.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentInput {
    /// Its number, unique within the contract.
    #[schema(value_type = String)]
    pub number: Code,
    #[serde(deserialize_with = "limits::date")]
    pub signed_on: NaiveDate,
    /// The contract's new total amount.
    #[schema(value_type = Option<f64>)]
    pub amount_eur: Option<Hundredths>,
    /// The contract's new last day.
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub ends_on: Option<NaiveDate>,
    /// The contract's new duration in months, from its start (gives the new last day when
    /// `ends_on` is not given).
    pub duration_months: Option<i32>,
    #[schema(value_type = String)]
    pub reason: FreeText,
}

/// The hours a clause's calibration would give after an amendment (not applied).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClauseRecalibration {
    pub clause_id: ClauseId,
    /// The clause's required hours now.
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub required_hours: i64,
    /// What its calibration gives with the amended amount (whole hours).
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub recalibrated_hours: i64,
}

/// An amendment recorded, and what it would do to the contract's clauses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AmendmentOutcome {
    pub amendment: Amendment,
    pub clauses: Vec<ClauseRecalibration>,
}

/// Records an amendment of a contract: its current amount and end follow, its notified
/// ones stay; the clauses are not changed, the hours their calibration would give with the
/// new amount are answered (to recalibrate them with `PATCH /clauses/{id}`).
pub fn amend_contract(
    conn: &mut Conn,
    structure_id: StructureId,
    by: UserId,
    id: ContractId,
    input: AmendmentInput,
) -> AppResult<AmendmentOutcome> {
    write_tx(conn, |c| {
        let row = store::find(c, structure_id, id)?.ok_or(AppError::NotFound("contract"))?;
        let before = store::view(c, row.clone())?;
        let number = input.number.trim().to_string();
        let reason = input.reason.trim().to_string();
        let mut errors = Vec::new();
        if number.is_empty() {
            errors.push(Violation::new("number", "required"));
        }
        if reason.is_empty() {
            errors.push(Violation::new("reason", "required"));
        }
        let request = AmendmentRequest {
            signed_on: input.signed_on,
            amount_cents: input.amount_eur.map(|a| a.0),
            ends_on: input.ends_on,
            duration_months: input.duration_months,
        };
        let contract = AmendedContract {
            notified_on: row.notified_on,
            starts_on: row.starts_on,
        };
        let terms = match check_amendment(&request, contract) {
            Ok(t) if errors.is_empty() => t,
            Ok(_) => return Err(AppError::Invalid(errors)),
            Err(list) => {
                errors.extend(list);
                return Err(AppError::Invalid(errors));
            }
        };
        if store::find_amendment(c, id, &number)?.is_some() {
            return Err(AppError::conflict(
                Violation::new("number", "amendment_number_taken").with("number", &number),
            ));
        }
        claimed(
            crate::claim_version!(c, contracts, id, Version(row.version))?,
            None,
        )?;
        let amendment_id = store::add_amendment(
            c,
            &store::NewAmendment {
                structure_id,
                contract_id: id,
                number: &number,
                signed_on: terms.signed_on,
                amount_cents: terms.amount_cents,
                ends_on: terms.ends_on,
                duration_months: request.duration_months,
                reason: Some(&reason),
                source: ContractSource::Manual,
                created_by: Some(by),
            },
        )?;
        let after = contract_versioned(c, structure_id, id, None)?.record;
        let mut changes = amendment_changes(&before, &after);
        changes.push(history::FieldChange {
            field: "amendment".into(),
            before: serde_json::Value::Null,
            after: serde_json::Value::String(number.clone()),
        });
        history::record(
            c,
            history::NewHistoryLine {
                structure_id,
                kind: RecordKind::Contract,
                record_id: id.into(),
                at: crate::db::now(),
                by: Some(by),
                action: HistoryAction::Amend,
                reason: Some(&reason),
                changes: &changes,
            },
        )?;
        let amendment = after
            .amendments
            .iter()
            .find(|a| a.id == amendment_id)
            .cloned()
            .ok_or(AppError::NotFound("amendment"))?;
        let clauses =
            crate::app::clauses::recalibrations(c, structure_id, &row, &after.amendments)?;
        Ok(AmendmentOutcome { amendment, clauses })
    })
}

/// What an amendment changed of a contract's current terms.
fn amendment_changes(before: &ContractView, after: &ContractView) -> Vec<history::FieldChange> {
    let terms = |v: &ContractView| {
        let mut m = fields_of(v);
        m.retain(|k, _| k == "current_amount_eur" || k == "current_ends_on");
        m
    };
    changes_between(&terms(before), &terms(after))
}
