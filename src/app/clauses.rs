//! Use cases of clauses: the calibration preview, the labour-share reference table, creating
//! a clause from its calibration, its status changes and the contractors' assignments.

use crate::app::contracts::ClauseRecalibration;
use crate::app::versioned::{check_if_match, claimed, Versioned};
use crate::app::{AppError, AppResult};
use crate::auth::records;
use crate::db::{write_tx, Conn};
use crate::domain::calendar::{local_date_time, Frequency};
use crate::domain::calibration::{
    calibrate, calibrated_amount, required_hours, with_amended_amount, CalibrationRequest,
    CalibrationResult, LabourShareRef,
};
use crate::domain::clause_kinds::{self as kinds, LegalBasis};
use crate::domain::ids::{ClauseId, ContractId, OrganisationId, StructureId, UserId};
use crate::domain::limits::check_clause_span;
use crate::domain::limits::{self, Code, FreeText, Label};
use crate::domain::patch::{apply, not_null, present, Patch};
use crate::domain::rule::Violation;
use crate::domain::territory::{is_valid_departement, time_zone};
use crate::domain::units::hundredths_to_json;
use crate::domain::units::Hundredths;
use crate::domain::version::{IfMatch, Version};
use crate::domain::vocabulary::HistoryAction;
use crate::domain::vocabulary::{AssignmentRole, ClauseKind, ClauseStatus};
use crate::store::clauses::{self as store, Clause, ClauseView, NewClause};
use crate::store::contracts::Contract;
use crate::store::history::{self, changes_between, fields_of, HistoryEntry, RecordKind};
use crate::store::{contracts, milestones, organisations};
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LabourShareItem {
    pub cpv_prefix: Code,
    pub labour_share_percent: Hundredths,
    pub label: Label,
}

fn default_frequency() -> Code {
    // A constant of the class: it cannot be refused (the empty default would be, later).
    Code::try_from(Frequency::Monthly.as_str()).unwrap_or_default()
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClauseInput {
    #[schema(value_type = ClauseKind)]
    pub kind: Code,
    pub lot_number: Option<i32>,
    /// Required for an execution condition; the buyer's reference for an award criterion;
    /// the optional hour target of an insertion purpose; not read for a reserved contract.
    #[serde(default)]
    pub calibration: Option<CalibrationRequest>,
    pub hours_override: Option<Hundredths>,
    pub override_justification: Option<FreeText>,
    #[serde(deserialize_with = "limits::date")]
    pub starts_on: NaiveDate,
    #[serde(deserialize_with = "limits::date")]
    pub ends_on: NaiveDate,
    #[serde(default = "default_frequency")]
    #[schema(value_type = Frequency)]
    pub reporting_frequency: Code,
    pub penalty_per_missing_hour_eur: Option<Hundredths>,
    pub referent_id: Option<UserId>,
    pub territory: Option<Code>,
    /// A reserved contract's article (required for that kind).
    #[serde(default)]
    #[schema(value_type = Option<LegalBasis>)]
    pub legal_basis: Option<Code>,
    /// An award criterion's weighting, whole percent from 1 to 100 (required for that kind).
    #[serde(default)]
    pub weighting_percent: Option<i32>,
    /// An award criterion's hours committed in the winning offer: its required hours
    /// (required for that kind).
    #[serde(default)]
    pub committed_hours: Option<Hundredths>,
    /// An insertion purpose's target in persons (required for that kind).
    #[serde(default)]
    pub target_persons: Option<i32>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AssignmentInput {
    pub contractor_id: OrganisationId,
    #[schema(value_type = AssignmentRole)]
    pub role: Code,
    pub hours_target: Hundredths,
}

/// Computes the hours of a calibration request with the structure's reference table,
/// storing nothing.
pub fn preview_calibration(
    conn: &mut Conn,
    structure_id: StructureId,
    request: &CalibrationRequest,
) -> AppResult<CalibrationResult> {
    let shares = store::labour_shares(conn, structure_id)?;
    Ok(calibrate(request, &shares, None)?)
}

/// The structure's labour-share reference table.
pub fn labour_shares(conn: &mut Conn, structure_id: StructureId) -> AppResult<Vec<LabourShareRef>> {
    Ok(store::labour_shares(conn, structure_id)?)
}

/// Replaces the structure's labour-share reference table; every broken row is reported.
pub fn replace_labour_shares(
    conn: &mut Conn,
    structure_id: StructureId,
    items: Vec<LabourShareItem>,
) -> AppResult<Vec<LabourShareRef>> {
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let prefix = item.cpv_prefix.trim().to_string();
        let at = |field: &str| format!("[{i}].{field}");
        if prefix.is_empty() || prefix.len() > 8 || !prefix.chars().all(|c| c.is_ascii_digit()) {
            errors.push(Violation::new(at("cpv_prefix"), "cpv_prefix_malformed"));
        } else if !seen.insert(prefix.clone()) {
            errors.push(Violation::new(at("cpv_prefix"), "cpv_prefix_repeated"));
        }
        let share = item.labour_share_percent.0;
        if share <= 0 || share > 10_000 {
            errors.push(Violation::new(
                at("labour_share_percent"),
                "percent_out_of_range",
            ));
        }
        if item.label.trim().is_empty() {
            errors.push(Violation::new(at("label"), "empty"));
        }
        rows.push(LabourShareRef {
            cpv_prefix: prefix,
            share_bp: share,
            label: item.label.trim().to_string(),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    write_tx(conn, |c| {
        store::replace_labour_shares(c, structure_id, &rows)?;
        Ok(store::labour_shares(c, structure_id)?)
    })
}

/// Checks a clause request against its contract and calibrates it: the clause to insert,
/// or every broken rule.
fn build_clause(
    conn: &mut Conn,
    sid: StructureId,
    contract_id: ContractId,
    input: ClauseInput,
) -> AppResult<NewClause> {
    let contract =
        contracts::find(conn, sid, contract_id)?.ok_or(AppError::NotFound("contract"))?;
    let mut errors = Vec::new();
    let kind = ClauseKind::parse(&input.kind);
    if kind.is_none() {
        errors.push(Violation::new("kind", "clause_kind_unknown"));
    }
    let mut cpv = contract.cpv_code.clone();
    if let Some(n) = input.lot_number {
        match contracts::lots(conn, contract_id)?
            .into_iter()
            .find(|l| l.number == n)
        {
            Some(lot) => cpv = lot.cpv_code.or(cpv),
            None => errors.push(Violation::new("lot_number", "lot_unknown").with("lot", n)),
        }
    }
    if input.ends_on < input.starts_on {
        errors.push(Violation::new("ends_on", "ends_before_start"));
    } else if let Err(v) = check_clause_span(input.starts_on, input.ends_on) {
        errors.push(v);
    }
    let frequency = Frequency::parse(&input.reporting_frequency);
    if frequency.is_none() {
        errors.push(Violation::new("reporting_frequency", "frequency_unknown"));
    }
    if input.penalty_per_missing_hour_eur.is_some_and(|p| p.0 < 0) {
        errors.push(Violation::new("penalty_per_missing_hour_eur", "negative"));
    }
    let justification = input
        .override_justification
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(h) = input.hours_override {
        if h.0 < 0 {
            errors.push(Violation::new("hours_override", "not_positive"));
        }
        if justification.is_none() {
            errors.push(Violation::new(
                "override_justification",
                "override_justification_required",
            ));
        }
    }
    if let Some(r) = input.referent_id {
        if !store::is_staff_user(conn, sid, r)? {
            errors.push(Violation::new("referent_id", "referent_not_staff"));
        }
    }
    let territory = match input.territory.clone().map(String::from) {
        Some(t) if is_valid_departement(&t) => Some(t),
        Some(t) => {
            errors.push(Violation::new("territory", "territory_unknown").with("territory", t));
            None
        }
        None => {
            let from_buyer = store::organisation_territory(conn, contract.buyer_id)?;
            if from_buyer.is_none() {
                errors.push(Violation::new("territory", "territory_required"));
            }
            from_buyer
        }
    };
    let shares = store::labour_shares(conn, sid)?;
    let calibration = match &input.calibration {
        Some(request) => match calibrate(request, &shares, cpv.as_deref()) {
            Ok(c) => Some(c),
            Err(list) => {
                errors.extend(list.into_iter().map(|v| v.under("calibration")));
                None
            }
        },
        None => None,
    };
    let terms = kind.map(|k| {
        kind_terms(
            conn,
            sid,
            &contract,
            k,
            &input,
            calibration.as_ref(),
            &mut errors,
        )
    });
    let terms = match terms {
        Some(t) => Some(t?),
        None => None,
    };
    let (Some(kind), Some(frequency), Some(territory), Some(terms), true) =
        (kind, frequency, territory, terms, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    let computed = calibration.as_ref().map_or(0, |c| c.hours * 100);
    Ok(NewClause {
        contract_id,
        lot_number: input.lot_number,
        kind,
        method: input
            .calibration
            .as_ref()
            .map_or(crate::domain::vocabulary::CalibrationMethod::Fixed, |c| {
                c.method()
            }),
        calibration: serde_json::to_string(&input.calibration).unwrap_or_default(),
        explanation: calibration.map(|c| c.explanation).unwrap_or_default(),
        computed_hours: computed,
        hours_override: input.hours_override.map(|h| h.0),
        override_justification: justification,
        required_hours: terms.required_hours,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        reporting_frequency: frequency,
        penalty_per_hour_cents: input.penalty_per_missing_hour_eur.map(|p| p.0),
        referent_id: input.referent_id,
        time_zone: time_zone(&territory).name().to_string(),
        territory,
        legal_basis: terms.legal_basis,
        weighting_percent: input.weighting_percent,
        committed_hours: input.committed_hours.map(|h| h.0),
        target_persons: input.target_persons,
        hour_target: terms.hour_target,
    })
}

/// What a clause's kind decides: its required hours (0 without an hour target), whether
/// it has one, its legal basis.
struct KindTerms {
    required_hours: i64,
    hour_target: bool,
    legal_basis: Option<LegalBasis>,
}

/// The rules of each kind of clause (docs/domain.md#each-kind-of-clause): the fields it
/// reads (another kind's are refused), its target, and for a reserved contract its legal
/// basis and the contract's holders.
fn kind_terms(
    conn: &mut Conn,
    sid: StructureId,
    contract: &Contract,
    kind: ClauseKind,
    input: &ClauseInput,
    calibration: Option<&CalibrationResult>,
    errors: &mut Vec<Violation>,
) -> AppResult<KindTerms> {
    let given = [
        ("legal_basis", input.legal_basis.is_some()),
        ("weighting_percent", input.weighting_percent.is_some()),
        ("committed_hours", input.committed_hours.is_some()),
        ("target_persons", input.target_persons.is_some()),
        ("hours_override", input.hours_override.is_some()),
    ];
    for (field, present) in given {
        if present && !kinds::field_applies(field, kind) {
            errors.push(Violation::new(field, "field_not_for_clause_kind").with("kind", kind));
        }
    }
    let mut terms = KindTerms {
        required_hours: 0,
        hour_target: kinds::has_hour_target(kind, input.calibration.is_some()),
        legal_basis: None,
    };
    match kind {
        ClauseKind::ExecutionCondition if input.calibration.is_none() => {
            errors.push(Violation::new("calibration", "required"));
        }
        ClauseKind::AwardCriterion => {
            match input.weighting_percent {
                None => errors.push(Violation::new("weighting_percent", "required")),
                Some(w) if !(1..=100).contains(&w) => {
                    errors.push(Violation::new("weighting_percent", "percent_out_of_range"));
                }
                Some(_) => {}
            }
            match input.committed_hours {
                None => errors.push(Violation::new("committed_hours", "required")),
                Some(h) if h.0 < 50 => errors.push(Violation::new(
                    "committed_hours",
                    crate::domain::calibration::ZERO_HOURS,
                )),
                Some(h) => terms.required_hours = h.0,
            }
            return Ok(terms);
        }
        ClauseKind::InsertionPurpose => match input.target_persons {
            None => errors.push(Violation::new("target_persons", "required")),
            Some(n) if n <= 0 => errors.push(Violation::new("target_persons", "not_positive")),
            Some(_) => {}
        },
        ClauseKind::ReservedContract => {
            match input.legal_basis.as_deref().map(LegalBasis::parse) {
                None => errors.push(Violation::new("legal_basis", "required")),
                Some(None) => errors.push(Violation::new("legal_basis", "legal_basis_unknown")),
                Some(Some(basis)) => {
                    terms.legal_basis = Some(basis);
                    if !kinds::purchase_fits(basis, contract.kind) {
                        errors.push(Violation::new("legal_basis", "legal_basis_services_only"));
                    }
                    for holder in contracts::holders(conn, contract.id)? {
                        if let Some(v) = holder_refusal(conn, sid, basis, holder, "legal_basis")? {
                            errors.push(v);
                        }
                    }
                }
            }
            return Ok(terms);
        }
        ClauseKind::ExecutionCondition => {}
    }
    if terms.hour_target {
        if let Some(c) = calibration {
            let override_ok = input.hours_override.is_none_or(|h| h.0 >= 0);
            if override_ok {
                match required_hours(c.hours, input.hours_override) {
                    Ok(r) => terms.required_hours = r,
                    Err(v) => errors.push(v),
                }
            }
        }
    }
    Ok(terms)
}

/// The refusal of an organisation as a holder of a contract reserved under `basis`, naming
/// it (`reserved_holder_not_eligible`), or none when it may hold it.
pub(crate) fn holder_refusal(
    conn: &mut Conn,
    sid: StructureId,
    basis: LegalBasis,
    holder: OrganisationId,
    field: &str,
) -> AppResult<Option<Violation>> {
    let Some(org) = organisations::find(conn, sid, holder)? else {
        return Ok(None);
    };
    if kinds::holder_fits(basis, org.siae_kind, org.ess) {
        return Ok(None);
    }
    Ok(Some(
        Violation::new(field, "reserved_holder_not_eligible")
            .with("holder", org.name)
            .with("legal_basis", basis.as_str()),
    ))
}

/// The legal basis of a clause's reservation, when it is a reserved contract.
pub(crate) fn reservation_of(clause: &Clause) -> Option<LegalBasis> {
    (clause.kind == ClauseKind::ReservedContract)
        .then(|| clause.legal_basis.as_deref().and_then(LegalBasis::parse))
        .flatten()
}

/// The clause of the structure, or not found.
pub fn get(conn: &mut Conn, structure_id: StructureId, id: ClauseId) -> AppResult<Clause> {
    store::find(conn, structure_id, id)?.ok_or(AppError::NotFound("clause"))
}

/// Creates a draft clause on a contract, its hours calibrated.
pub fn create_clause(
    conn: &mut Conn,
    structure_id: StructureId,
    contract_id: ContractId,
    input: ClauseInput,
) -> AppResult<ClauseView> {
    write_tx(conn, |c| {
        let new = build_clause(c, structure_id, contract_id, input)?;
        let id = store::create(c, structure_id, &new)?;
        let clause = get(c, structure_id, id)?;
        Ok(store::view(c, clause)?)
    })
}

/// One page of the clauses the caller may see (a contractor: those it has an assignment on),
/// as it may see them, and how many there are.
pub fn list_clauses(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<ClauseView>, i64)> {
    let (rows, total) = store::list(conn, structure_id, contractor, status, limit, offset)?;
    Ok((store::views_for(conn, rows, contractor)?, total))
}

/// One clause as the caller may see it.
pub fn clause_view(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ClauseId,
    contractor: Option<OrganisationId>,
) -> AppResult<ClauseView> {
    let clause = records::visible_clause(conn, structure_id, id, contractor)?;
    Ok(store::view_for(conn, clause, contractor)?)
}

/// The status changes of a clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseChange {
    /// draft → active: its milestones are generated.
    Activate,
    /// active → completed.
    Complete,
    /// draft or active → cancelled.
    Cancel,
}

impl ClauseChange {
    fn from(self) -> &'static [ClauseStatus] {
        match self {
            ClauseChange::Activate => &[ClauseStatus::Draft],
            ClauseChange::Complete => &[ClauseStatus::Active],
            ClauseChange::Cancel => &[ClauseStatus::Draft, ClauseStatus::Active],
        }
    }

    fn to(self) -> ClauseStatus {
        match self {
            ClauseChange::Activate => ClauseStatus::Active,
            ClauseChange::Complete => ClauseStatus::Completed,
            ClauseChange::Cancel => ClauseStatus::Cancelled,
        }
    }
}

/// Moves a clause to its new status; from any other status than the change allows, a
/// conflict (`clause_status_transition`).
pub fn change_status(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ClauseId,
    change: ClauseChange,
) -> AppResult<ClauseView> {
    write_tx(conn, |c| {
        let clause = get(c, structure_id, id)?;
        let to = change.to();
        if !change.from().contains(&clause.status) {
            return Err(AppError::conflict(
                Violation::new("status", "clause_status_transition")
                    .with("status", clause.status)
                    .with("to", to),
            ));
        }
        store::set_status(c, id, to)?;
        let clause = get(c, structure_id, id)?;
        // An activated clause gets its calendar, in the same transaction.
        if clause.status == ClauseStatus::Active && kinds::has_reporting_milestones(clause.kind) {
            milestones::regenerate(c, &clause)?;
        }
        Ok(store::view(c, clause)?)
    })
}

/// Gives part of the clause's hours to a contractor: the targets together stay within the
/// clause's required hours, one assignment per contractor, none on a closed clause.
pub fn assign_hours(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ClauseId,
    input: AssignmentInput,
) -> AppResult<ClauseView> {
    write_tx(conn, |c| {
        // Two assignments checked against the same remainder take turns.
        crate::lock_rows!(c, clauses, [id])?;
        let clause = get(c, structure_id, id)?;
        if clause.status.is_closed() {
            return Err(AppError::conflict(
                Violation::new("", "clause_closed").with("status", clause.status),
            ));
        }
        let mut errors = Vec::new();
        match organisations::find(c, structure_id, input.contractor_id)? {
            Some(o) if o.kind.delivers_hours() => {}
            _ => errors.push(Violation::new(
                "contractor_id",
                "organisation_not_contractor",
            )),
        }
        let role = AssignmentRole::parse(&input.role);
        if role.is_none() {
            errors.push(Violation::new("role", "assignment_role_unknown"));
        }
        if let Some(basis) = reservation_of(&clause) {
            if let Some(v) =
                holder_refusal(c, structure_id, basis, input.contractor_id, "contractor_id")?
            {
                errors.push(v);
            }
        }
        let assignments = store::assignments_of(c, id)?;
        let assigned: i64 = assignments.iter().map(|a| a.hours_target).sum();
        if !clause.hour_target {
            // Without an hour target, a target of hours is the contractor's own (0 allowed).
            if input.hours_target.0 < 0 {
                errors.push(Violation::new("hours_target", "negative"));
            }
        } else if input.hours_target.0 <= 0 {
            errors.push(Violation::new("hours_target", "not_positive"));
        } else if assigned + input.hours_target.0 > clause.required_hours {
            errors.push(
                Violation::new("hours_target", "above_clause_hours")
                    .with("total", hundredths_to_json(assigned + input.hours_target.0))
                    .with("required", hundredths_to_json(clause.required_hours))
                    .with("left", hundredths_to_json(clause.required_hours - assigned)),
            );
        }
        let (Some(role), true) = (role, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        if assignments
            .iter()
            .any(|a| a.contractor_id == input.contractor_id)
        {
            return Err(AppError::conflict(Violation::new(
                "contractor_id",
                "assignment_exists",
            )));
        }
        store::add_assignment(
            c,
            structure_id,
            id,
            input.contractor_id,
            role,
            input.hours_target.0,
        )?;
        let clause = get(c, structure_id, id)?;
        Ok(store::view(c, clause)?)
    })
}

// ---------------------------------------------------------------------------------------
// Corrections and recalibrations (issue 17)

/// The CPV code a clause's calibration looks its labour share up with: its lot's, else its
/// contract's.
fn clause_cpv(conn: &mut Conn, contract: &Contract, lot: Option<i32>) -> AppResult<Option<String>> {
    let mut cpv = contract.cpv_code.clone();
    if let Some(n) = lot {
        if let Some(l) = contracts::lots(conn, contract.id)?
            .into_iter()
            .find(|l| l.number == n)
        {
            cpv = l.cpv_code.or(cpv);
        }
    }
    Ok(cpv)
}

/// What the calibration of each clause of a contract would give with its current amount
/// (`amendments` recorded), in hundredths of an hour (whole hours), beside its required
/// hours now. Each calibration is scaled from the contract's amount when it was made (at the
/// clause's creation or its latest new calibration: the notified amount with the amendments
/// recorded before) to the current one (`calibration::with_amended_amount`). Cancelled
/// clauses are left out.
pub fn recalibrations(
    conn: &mut Conn,
    structure_id: StructureId,
    contract: &Contract,
    amendments: &[crate::store::contracts::Amendment],
) -> AppResult<Vec<ClauseRecalibration>> {
    use crate::domain::amendments::current_terms;
    let shares = store::labour_shares(conn, structure_id)?;
    let terms_until = |at: chrono::NaiveDateTime| {
        let before: Vec<_> = amendments
            .iter()
            .filter(|a| a.created_at <= at)
            .map(|a| a.terms())
            .collect();
        current_terms(contract.amount_cents, contract.ends_on, &before).amount_cents
    };
    let now_amount = terms_until(chrono::NaiveDateTime::MAX);
    let mut out = Vec::new();
    for clause in store::of_contract(conn, contract.id)? {
        if clause.status == ClauseStatus::Cancelled {
            continue;
        }
        let calibrated_at =
            history::history_of(conn, structure_id, RecordKind::Clause, clause.id.into())?
                .into_iter()
                // The calibration itself replaced (an override leaves it as it was made).
                .filter(|h| {
                    h.action == HistoryAction::Recalibrate
                        && h.changes.iter().any(|ch| ch.field == "calibration")
                })
                .map(|h| h.at)
                .max()
                .unwrap_or(clause.created_at);
        let recalibrated = match serde_json::from_str::<CalibrationRequest>(&clause.calibration) {
            Ok(request) => {
                let base = terms_until(calibrated_at).or_else(|| calibrated_amount(&request));
                let request = match (base, now_amount) {
                    (Some(base), Some(to)) => with_amended_amount(&request, base, to),
                    _ => request,
                };
                let cpv = clause_cpv(conn, contract, clause.lot_number)?;
                calibrate(&request, &shares, cpv.as_deref())
                    .map(|r| r.hours.saturating_mul(100))
                    .unwrap_or(clause.computed_hours)
            }
            Err(_) => clause.computed_hours,
        };
        out.push(ClauseRecalibration {
            clause_id: clause.id,
            required_hours: clause.required_hours,
            recalibrated_hours: recalibrated,
        });
    }
    Ok(out)
}

/// A correction of a clause (JSON merge patch): its dates, referent, reporting frequency
/// and penalty; its required hours by a new calibration or an override with its
/// justification (`hours_override: null` goes back to the calibration's figure). The rules
/// of creation hold.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClausePatch {
    #[serde(default, deserialize_with = "crate::domain::corrections::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub starts_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::corrections::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Frequency>)]
    pub reporting_frequency: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    pub penalty_per_missing_hour_eur: Patch<Hundredths>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub referent_id: Patch<UserId>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<CalibrationRequest>)]
    pub calibration: Patch<CalibrationRequest>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    pub hours_override: Patch<Hundredths>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub override_justification: Patch<FreeText>,
    /// A reserved contract's article (its holders checked again).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<LegalBasis>)]
    pub legal_basis: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub weighting_percent: Patch<i32>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    pub committed_hours: Patch<Hundredths>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub target_persons: Patch<i32>,
    /// Why the clause is corrected (kept in its history).
    #[schema(value_type = Option<String>)]
    pub reason: Option<FreeText>,
}

fn keep<T>(errors: &mut Vec<Violation>, field: &str, patch: Patch<T>) -> Option<T> {
    not_null(field, patch).unwrap_or_else(|v| {
        errors.push(v);
        None
    })
}

/// One clause as the caller may see it, with its version (its `ETag`).
pub fn clause_versioned(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ClauseId,
    contractor: Option<OrganisationId>,
) -> AppResult<Versioned<ClauseView>> {
    let clause = records::visible_clause(conn, structure_id, id, contractor)?;
    let version = Version(clause.version);
    Ok(Versioned::new(
        store::view_for(conn, clause, contractor)?,
        version,
    ))
}

/// The fields of a clause a recalibration changes.
const HOURS_FIELDS: &[&str] = &[
    "calibration",
    "computed_hours",
    "explanation",
    "hours_override",
    "method",
    "override_justification",
    "required_hours",
];

/// Corrects a clause with the rules of its creation. A new calibration or override writes
/// a `recalibrate` line in its history (the former figures in it), other fields a
/// `correct` line; new dates or frequency regenerate the future part of its calendar (an
/// active clause's), so that milestones done or past and the reminders already queued stay
/// as they are. Required hours below the targets already assigned are refused.
pub fn correct_clause(
    conn: &mut Conn,
    structure_id: StructureId,
    by: UserId,
    id: ClauseId,
    patch: ClausePatch,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<ClauseView>> {
    write_tx(conn, |c| {
        let row = get(c, structure_id, id)?;
        check_if_match(if_match.as_ref(), Version(row.version))?;
        let before = store::view(c, row.clone())?;
        let mut errors = Vec::new();
        let starts_on = keep(&mut errors, "starts_on", patch.starts_on).unwrap_or(row.starts_on);
        let ends_on = keep(&mut errors, "ends_on", patch.ends_on).unwrap_or(row.ends_on);
        let frequency = keep(
            &mut errors,
            "reporting_frequency",
            patch.reporting_frequency,
        )
        .unwrap_or_else(|| Code::try_from(row.reporting_frequency.as_str()).unwrap_or_default());
        let new_calibration = keep(&mut errors, "calibration", patch.calibration);
        let recalibrating = new_calibration.is_some() || patch.hours_override.is_some();
        if matches!(patch.hours_override, Some(Some(_)))
            && !matches!(&patch.override_justification, Some(Some(j)) if !j.trim().is_empty())
        {
            errors.push(Violation::new(
                "override_justification",
                "override_justification_required",
            ));
        }
        let current_calibration: Option<CalibrationRequest> =
            serde_json::from_str(&row.calibration).map_err(|_| AppError::Internal)?;
        let input = ClauseInput {
            kind: Code::try_from(row.kind.as_str()).unwrap_or_default(),
            lot_number: row.lot_number,
            calibration: new_calibration.clone().or(current_calibration),
            hours_override: apply(row.hours_override.map(Hundredths), patch.hours_override),
            override_justification: apply(
                row.override_justification
                    .clone()
                    .and_then(|j| FreeText::try_from(j).ok()),
                patch.override_justification,
            ),
            starts_on,
            ends_on,
            reporting_frequency: frequency,
            penalty_per_missing_hour_eur: apply(
                row.penalty_per_hour_cents.map(Hundredths),
                patch.penalty_per_missing_hour_eur,
            ),
            referent_id: apply(row.referent_id, patch.referent_id),
            territory: Code::try_from(row.territory.clone()).ok(),
            legal_basis: apply(
                row.legal_basis.clone().and_then(|b| Code::try_from(b).ok()),
                patch.legal_basis,
            ),
            weighting_percent: apply(row.weighting_percent, patch.weighting_percent),
            committed_hours: apply(row.committed_hours.map(Hundredths), patch.committed_hours),
            target_persons: apply(row.target_persons, patch.target_persons),
        };
        let built = build_clause(c, structure_id, row.contract_id, input);
        let mut new = match built {
            Ok(n) if errors.is_empty() => n,
            Ok(_) => return Err(AppError::Invalid(errors)),
            Err(AppError::Invalid(list)) => {
                errors.extend(list);
                return Err(AppError::Invalid(errors));
            }
            Err(e) => return Err(e),
        };
        if new_calibration.is_none() {
            // The calibration stays as computed then (the reference table may have changed
            // since): only the override can move the figure.
            new.method = row.method;
            new.calibration = row.calibration.clone();
            new.explanation = row.explanation.clone();
            new.computed_hours = row.computed_hours;
            if new.hour_target && new.kind != ClauseKind::AwardCriterion {
                new.required_hours = new.hours_override.unwrap_or(row.computed_hours);
            }
        }
        let assigned: i64 = store::assignments_of(c, id)?
            .iter()
            .map(|a| a.hours_target)
            .sum();
        if new.hour_target && new.required_hours < assigned {
            let field = if new.hours_override.is_some() {
                "hours_override"
            } else {
                "calibration"
            };
            return Err(AppError::Invalid(vec![Violation::new(
                field,
                "below_assigned_hours",
            )
            .with("required", hundredths_to_json(new.required_hours))
            .with("assigned", hundredths_to_json(assigned))]));
        }
        if unchanged(&row, &new) {
            // Nothing to correct: answered as it is, its version kept.
            return clause_versioned(c, structure_id, id, None);
        }
        claimed(
            crate::claim_version!(c, clauses, id, Version(row.version))?,
            if_match.as_ref(),
        )?;
        store::correct(c, id, &new)?;
        let after_row = get(c, structure_id, id)?;
        let after = store::view(c, after_row.clone())?;
        let changes = changes_between(&fields_of(&before), &fields_of(&after));
        let (hours, others): (Vec<_>, Vec<_>) = changes
            .into_iter()
            .partition(|ch| HOURS_FIELDS.contains(&ch.field.as_str()));
        let reason = patch
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let at = crate::db::now();
        if recalibrating && !hours.is_empty() {
            let why = reason
                .clone()
                .or_else(|| after_row.override_justification.clone());
            history::record(
                c,
                history::NewHistoryLine {
                    structure_id,
                    kind: RecordKind::Clause,
                    record_id: id.into(),
                    at,
                    by: Some(by),
                    action: HistoryAction::Recalibrate,
                    reason: why.as_deref(),
                    changes: &hours,
                },
            )?;
        }
        let rest: Vec<_> = if recalibrating {
            others
        } else {
            hours.into_iter().chain(others).collect()
        };
        let rest: Vec<_> = rest
            .into_iter()
            .filter(|ch| !matches!(ch.field.as_str(), "unassigned_hours"))
            .collect();
        if !rest.is_empty() {
            history::record(
                c,
                history::NewHistoryLine {
                    structure_id,
                    kind: RecordKind::Clause,
                    record_id: id.into(),
                    at,
                    by: Some(by),
                    action: HistoryAction::Correct,
                    reason: reason.as_deref(),
                    changes: &rest,
                },
            )?;
        }
        let calendar_moved = after_row.starts_on != row.starts_on
            || after_row.ends_on != row.ends_on
            || after_row.reporting_frequency != row.reporting_frequency;
        if calendar_moved
            && after_row.status == ClauseStatus::Active
            && kinds::has_reporting_milestones(after_row.kind)
        {
            let now = crate::clock::Clock::current().now();
            let tz = crate::reminders::collect::clause_time_zone(&after_row);
            let today = local_date_time(now, tz).date();
            milestones::regenerate_future(c, &after_row, today)?;
        }
        clause_versioned(c, structure_id, id, None)
    })
}

/// Whether a corrected clause is the clause as it is.
fn unchanged(row: &Clause, new: &NewClause) -> bool {
    row.method == new.method
        && row.calibration == new.calibration
        && row.explanation == new.explanation
        && row.computed_hours == new.computed_hours
        && row.hours_override == new.hours_override
        && row.override_justification == new.override_justification
        && row.required_hours == new.required_hours
        && row.starts_on == new.starts_on
        && row.ends_on == new.ends_on
        && row.reporting_frequency == new.reporting_frequency
        && row.penalty_per_hour_cents == new.penalty_per_hour_cents
        && row.referent_id == new.referent_id
        && row.legal_basis.as_deref() == new.legal_basis.map(LegalBasis::as_str)
        && row.weighting_percent == new.weighting_percent
        && row.committed_hours == new.committed_hours
        && row.target_persons == new.target_persons
        && row.hour_target == new.hour_target
}

/// The history of a clause (corrections and recalibrations), oldest first.
pub fn clause_history(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ClauseId,
) -> AppResult<Vec<HistoryEntry>> {
    get(conn, structure_id, id)?;
    Ok(history::history_of(
        conn,
        structure_id,
        RecordKind::Clause,
        id.into(),
    )?)
}

/// The clauses of a contract of the structure (staff), oldest first; another structure's
/// contract is not found.
pub fn clauses_of_contract(
    conn: &mut Conn,
    structure_id: StructureId,
    contract_id: ContractId,
) -> AppResult<Vec<ClauseView>> {
    let contract = records::visible_contract(conn, structure_id, contract_id, None)?;
    let rows = store::of_contract(conn, contract.id)?;
    Ok(store::views_for(conn, rows, None)?)
}
