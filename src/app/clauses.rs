//! Use cases of clauses: the calibration preview, the labour-share reference table, creating
//! a clause from its calibration, its status changes and the contractors' assignments.

use crate::app::{AppError, AppResult};
use crate::auth::records;
use crate::db::{write_tx, Conn};
use crate::domain::calendar::Frequency;
use crate::domain::calibration::{
    calibrate, required_hours, CalibrationRequest, CalibrationResult, LabourShareRef,
};
use crate::domain::ids::{ClauseId, ContractId, OrganisationId, StructureId, UserId};
use crate::domain::limits::check_clause_span;
use crate::domain::limits::{self, Code, FreeText, Label};
use crate::domain::rule::Violation;
use crate::domain::territory::{is_valid_departement, time_zone};
use crate::domain::units::hundredths_to_json;
use crate::domain::units::Hundredths;
use crate::domain::vocabulary::{AssignmentRole, ClauseKind, ClauseStatus};
use crate::store::clauses::{self as store, Clause, ClauseView, NewClause};
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
    pub calibration: CalibrationRequest,
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
    let territory = match input.territory.map(String::from) {
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
    let calibration = match calibrate(&input.calibration, &shares, cpv.as_deref()) {
        Ok(c) => Some(c),
        Err(list) => {
            errors.extend(list.into_iter().map(|v| v.under("calibration")));
            None
        }
    };
    let required = match &calibration {
        Some(c) if input.hours_override.is_none_or(|h| h.0 >= 0) => {
            match required_hours(c.hours, input.hours_override) {
                Ok(r) => Some(r),
                Err(v) => {
                    errors.push(v);
                    None
                }
            }
        }
        _ => None,
    };
    let (Some(kind), Some(frequency), Some(calibration), Some(territory), Some(required), true) = (
        kind,
        frequency,
        calibration,
        territory,
        required,
        errors.is_empty(),
    ) else {
        return Err(AppError::Invalid(errors));
    };
    let computed = calibration.hours * 100;
    Ok(NewClause {
        contract_id,
        lot_number: input.lot_number,
        kind,
        method: input.calibration.method(),
        calibration: serde_json::to_string(&input.calibration).unwrap_or_default(),
        explanation: calibration.explanation,
        computed_hours: computed,
        hours_override: input.hours_override.map(|h| h.0),
        override_justification: justification,
        required_hours: required,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        reporting_frequency: frequency,
        penalty_per_hour_cents: input.penalty_per_missing_hour_eur.map(|p| p.0),
        referent_id: input.referent_id,
        time_zone: time_zone(&territory).name().to_string(),
        territory,
    })
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
        if clause.status == ClauseStatus::Active {
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
        let assignments = store::assignments_of(c, id)?;
        let assigned: i64 = assignments.iter().map(|a| a.hours_target).sum();
        if input.hours_target.0 <= 0 {
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
