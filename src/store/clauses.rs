//! Clauses, their assignments, and the labour-share reference table.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{assignments, clauses, labour_shares, organisations, users};
use crate::db::{now, Conn};
use crate::domain::calendar::Frequency;
use crate::domain::calibration::LabourShareRef;
use crate::domain::clause_kinds::LegalBasis;
use crate::domain::ids::{AssignmentId, ClauseId, ContractId, OrganisationId, StructureId, UserId};
use crate::domain::units::{ser_hundredths, ser_opt_hundredths};
use crate::domain::vocabulary::{
    AssignmentRole, CalibrationMethod, ClauseKind, ClauseStatus, Role,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clauses)]
pub struct Clause {
    pub id: ClauseId,
    pub structure_id: StructureId,
    pub contract_id: ContractId,
    pub lot_number: Option<i32>,
    pub kind: ClauseKind,
    pub status: ClauseStatus,
    pub method: CalibrationMethod,
    pub calibration: String,
    pub explanation: String,
    pub computed_hours: i64,
    pub hours_override: Option<i64>,
    pub override_justification: Option<String>,
    pub required_hours: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub reporting_frequency: Frequency,
    pub penalty_per_hour_cents: Option<i64>,
    pub referent_id: Option<UserId>,
    pub territory: String,
    pub time_zone: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// Raised by each correction: the `ETag` of the clause.
    pub version: i64,
    /// A reserved contract's article (`L2113-12` …).
    pub legal_basis: Option<String>,
    /// An award criterion's weighting, in whole percent.
    pub weighting_percent: Option<i32>,
    /// An award criterion's hours committed in the winning offer (hundredths).
    pub committed_hours: Option<i64>,
    /// An insertion purpose's target in persons.
    pub target_persons: Option<i32>,
    /// Whether the clause has an hour target (`required_hours` is 0 when not).
    pub hour_target: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = assignments)]
pub struct Assignment {
    pub id: AssignmentId,
    #[serde(skip)]
    pub structure_id: StructureId,
    pub clause_id: ClauseId,
    pub contractor_id: OrganisationId,
    pub role: AssignmentRole,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub hours_target: i64,
    #[serde(skip)]
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClauseView {
    pub id: ClauseId,
    pub contract_id: ContractId,
    pub lot_number: Option<i32>,
    pub kind: ClauseKind,
    pub status: ClauseStatus,
    /// Null without a calibration (a reserved contract, an insertion purpose without hours).
    pub method: Option<CalibrationMethod>,
    /// Null without a calibration.
    #[schema(value_type = Option<crate::domain::calibration::CalibrationRequest>)]
    pub calibration: serde_json::Value,
    pub explanation: String,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub computed_hours: i64,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub hours_override: Option<i64>,
    pub override_justification: Option<String>,
    /// Null for a clause without an hour target (a reserved contract, an insertion purpose
    /// counted in persons only).
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub required_hours: Option<i64>,
    /// A reserved contract's article: `L2113-12`, `L2113-13`, `L2113-14` or `L2113-15`.
    pub legal_basis: Option<LegalBasis>,
    /// An award criterion's weighting (whole percent).
    pub weighting_percent: Option<i32>,
    /// An award criterion's hours committed in the winning offer: its required hours.
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub committed_hours: Option<i64>,
    /// An insertion purpose's target in persons.
    pub target_persons: Option<i32>,
    /// The split of the hours between contractors: staff only (`None` for a contractor,
    /// which sees its own assignment and not the others' targets).
    #[schema(value_type = Option<f64>)]
    #[serde(
        serialize_with = "ser_opt_hundredths",
        skip_serializing_if = "Option::is_none"
    )]
    pub assigned_hours: Option<i64>,
    #[schema(value_type = Option<f64>)]
    #[serde(
        serialize_with = "ser_opt_hundredths",
        skip_serializing_if = "Option::is_none"
    )]
    pub unassigned_hours: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub reporting_frequency: Frequency,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub penalty_per_missing_hour_eur: Option<i64>,
    pub referent_id: Option<UserId>,
    pub territory: String,
    pub time_zone: String,
    pub assignments: Vec<AssignmentView>,
    /// How people name the clause: its contract's reference and title (and lot).
    pub clause_label: String,
    pub buyer_id: OrganisationId,
    pub buyer_name: String,
    /// The referent's display name, else their email; null without a referent.
    pub referent_name: Option<String>,
    /// What the record is warned of (`reserved_longer_than_three_years`); empty mostly.
    pub warnings: Vec<ClauseWarning>,
}

/// What a clause's record is warned of (its dates beyond what its legal basis allows):
/// the code for programs, the French message written at the HTTP edge.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ClauseWarning)]
pub struct ClauseWarning {
    pub field: String,
    pub code: &'static str,
    pub message: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub rule: crate::domain::rule::Violation,
}

/// The warnings of a clause's record.
fn warnings_of(c: &Clause) -> Vec<ClauseWarning> {
    let mut out = Vec::new();
    let basis = c.legal_basis.as_deref().and_then(LegalBasis::parse);
    if let Some(basis) = basis.filter(|_| c.kind == ClauseKind::ReservedContract) {
        if crate::domain::clause_kinds::longer_than_allowed(basis, c.starts_on, c.ends_on) {
            let rule =
                crate::domain::rule::Violation::new("ends_on", "reserved_longer_than_three_years");
            out.push(ClauseWarning {
                field: rule.field.clone(),
                code: rule.code,
                message: String::new(),
                rule,
            });
        }
    }
    out
}

/// An assignment with its contractor named.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    #[serde(flatten)]
    pub assignment: Assignment,
    pub contractor_name: String,
}

/// What a clause view names beside ids: label, buyer, referent.
struct ClauseNames {
    label: String,
    buyer_id: OrganisationId,
    buyer_name: String,
    referent_name: Option<String>,
}

/// clause id, lot, contract reference and title, buyer id and name, referent's display name
/// and email
type ClauseNameRow = (
    ClauseId,
    Option<i32>,
    String,
    String,
    OrganisationId,
    String,
    Option<String>,
    Option<String>,
);

/// The names of these clauses, in one query.
fn clause_names(
    conn: &mut Conn,
    ids: &[ClauseId],
) -> QueryResult<std::collections::HashMap<ClauseId, ClauseNames>> {
    use crate::db::schema::contracts;
    let rows: Vec<ClauseNameRow> = clauses::table
        .inner_join(contracts::table)
        .inner_join(organisations::table.on(organisations::id.eq(contracts::buyer_id)))
        .left_join(users::table.on(clauses::referent_id.eq(users::id.nullable())))
        .filter(clauses::id.eq_any(ids))
        .select((
            clauses::id,
            clauses::lot_number,
            contracts::reference,
            contracts::title,
            contracts::buyer_id,
            organisations::name,
            users::display_name.nullable(),
            users::email.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, lot, reference, title, buyer_id, buyer_name, name, email)| {
                let referent_name =
                    email.map(|email| crate::store::history::user_name(name, email));
                let names = ClauseNames {
                    label: crate::store::names::clause_label(&reference, &title, lot),
                    buyer_id,
                    buyer_name,
                    referent_name,
                };
                (id, names)
            },
        )
        .collect())
}

/// The assignments of these clauses with their contractors' names, in one query, in id
/// order.
fn assignments_named(conn: &mut Conn, clause_ids: &[ClauseId]) -> QueryResult<Vec<AssignmentView>> {
    let rows: Vec<(Assignment, String)> = assignments::table
        .inner_join(organisations::table.on(organisations::id.eq(assignments::contractor_id)))
        .filter(assignments::clause_id.eq_any(clause_ids))
        .order(assignments::id)
        .select((Assignment::as_select(), organisations::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(assignment, contractor_name)| AssignmentView {
            assignment,
            contractor_name,
        })
        .collect())
}

pub struct NewClause {
    pub contract_id: ContractId,
    pub lot_number: Option<i32>,
    pub kind: ClauseKind,
    pub method: CalibrationMethod,
    pub calibration: String,
    pub explanation: String,
    pub computed_hours: i64,
    pub hours_override: Option<i64>,
    pub override_justification: Option<String>,
    pub required_hours: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub reporting_frequency: Frequency,
    pub penalty_per_hour_cents: Option<i64>,
    pub referent_id: Option<UserId>,
    pub territory: String,
    pub time_zone: String,
    pub legal_basis: Option<LegalBasis>,
    pub weighting_percent: Option<i32>,
    pub committed_hours: Option<i64>,
    pub target_persons: Option<i32>,
    pub hour_target: bool,
}

pub fn create(conn: &mut Conn, structure_id: StructureId, c: &NewClause) -> QueryResult<ClauseId> {
    let at = now();
    let id: ClauseId = diesel::insert_into(clauses::table)
        .values((
            clauses::structure_id.eq(structure_id),
            clauses::contract_id.eq(c.contract_id),
            clauses::lot_number.eq(c.lot_number),
            clauses::kind.eq(&c.kind),
            clauses::status.eq(ClauseStatus::Draft),
            clauses::method.eq(&c.method),
            clauses::calibration.eq(&c.calibration),
            clauses::explanation.eq(&c.explanation),
            clauses::computed_hours.eq(c.computed_hours),
            clauses::hours_override.eq(c.hours_override),
            clauses::override_justification.eq(&c.override_justification),
            clauses::required_hours.eq(c.required_hours),
            clauses::starts_on.eq(c.starts_on),
            clauses::ends_on.eq(c.ends_on),
            clauses::reporting_frequency.eq(&c.reporting_frequency),
            clauses::penalty_per_hour_cents.eq(c.penalty_per_hour_cents),
            clauses::referent_id.eq(c.referent_id),
            clauses::territory.eq(&c.territory),
            clauses::time_zone.eq(&c.time_zone),
            clauses::legal_basis.eq(c.legal_basis.map(LegalBasis::as_str)),
            clauses::weighting_percent.eq(c.weighting_percent),
            clauses::committed_hours.eq(c.committed_hours),
            clauses::target_persons.eq(c.target_persons),
            clauses::hour_target.eq(c.hour_target),
            clauses::created_at.eq(at),
            clauses::updated_at.eq(at),
        ))
        .returning(clauses::id)
        .get_result(conn)?;
    // A draft is not in execution, but already a social consideration of its contract.
    crate::store::kept_years::refresh_clause(conn, id)?;
    Ok(id)
}

/// The clause of the structure, if any.
pub fn find(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ClauseId,
) -> QueryResult<Option<Clause>> {
    clauses::table
        .filter(clauses::id.eq(id))
        .filter(clauses::structure_id.eq(structure_id))
        .select(Clause::as_select())
        .first(conn)
        .optional()
}

/// The clause of the structure; diesel's `NotFound` when there is none.
pub fn get(conn: &mut Conn, structure_id: StructureId, id: ClauseId) -> QueryResult<Clause> {
    clauses::table
        .filter(clauses::id.eq(id))
        .filter(clauses::structure_id.eq(structure_id))
        .select(Clause::as_select())
        .first(conn)
}

/// Whether the organisation has an assignment on the clause (what a contractor may see of
/// a clause is decided in `auth::records`).
pub fn has_assignment(conn: &mut Conn, clause: &Clause, org: OrganisationId) -> QueryResult<bool> {
    let assigned: i64 = assignments::table
        .filter(assignments::clause_id.eq(clause.id))
        .filter(assignments::contractor_id.eq(org))
        .count()
        .get_result(conn)?;
    Ok(assigned > 0)
}

pub fn assignments_of(conn: &mut Conn, clause_id: ClauseId) -> QueryResult<Vec<Assignment>> {
    assignments::table
        .filter(assignments::clause_id.eq(clause_id))
        .order(assignments::id)
        .select(Assignment::as_select())
        .load(conn)
}

pub fn view(conn: &mut Conn, c: Clause) -> QueryResult<ClauseView> {
    view_for(conn, c, None)
}

/// The clause as the caller sees it: staff everything; a contractor (`Some(org)`) its own
/// assignment only, without the other contractors' targets or the split's totals.
pub fn view_for(
    conn: &mut Conn,
    c: Clause,
    contractor: Option<OrganisationId>,
) -> QueryResult<ClauseView> {
    let mut views = views_for(conn, vec![c], contractor)?;
    views.pop().ok_or(diesel::result::Error::NotFound)
}

/// Clauses as the caller sees them (see `view_for`), with their names and assignments in
/// two queries whatever their number.
pub fn views_for(
    conn: &mut Conn,
    clauses: Vec<Clause>,
    contractor: Option<OrganisationId>,
) -> QueryResult<Vec<ClauseView>> {
    let ids: Vec<ClauseId> = clauses.iter().map(|c| c.id).collect();
    let mut names = clause_names(conn, &ids)?;
    let all_assignments = assignments_named(conn, &ids)?;
    let mut out = Vec::with_capacity(clauses.len());
    for c in clauses {
        let mut assignments: Vec<AssignmentView> = all_assignments
            .iter()
            .filter(|a| a.assignment.clause_id == c.id)
            .cloned()
            .collect();
        let assigned: i64 = assignments.iter().map(|a| a.assignment.hours_target).sum();
        let split = match contractor {
            Some(org) => {
                assignments.retain(|a| a.assignment.contractor_id == org);
                None
            }
            None => Some(assigned),
        };
        let n = names.remove(&c.id).ok_or(diesel::result::Error::NotFound)?;
        let warnings = warnings_of(&c);
        out.push(ClauseView {
            id: c.id,
            contract_id: c.contract_id,
            lot_number: c.lot_number,
            kind: c.kind,
            status: c.status,
            calibration: serde_json::from_str(&c.calibration).unwrap_or(serde_json::Value::Null),
            method: Some(c.method).filter(|_| c.calibration != "null"),
            explanation: c.explanation,
            computed_hours: c.computed_hours,
            hours_override: c.hours_override,
            override_justification: c.override_justification,
            required_hours: c.hour_target.then_some(c.required_hours),
            legal_basis: c.legal_basis.as_deref().and_then(LegalBasis::parse),
            weighting_percent: c.weighting_percent,
            committed_hours: c.committed_hours,
            target_persons: c.target_persons,
            assigned_hours: split,
            unassigned_hours: split
                .filter(|_| c.hour_target)
                .map(|a| (c.required_hours - a).max(0)),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            reporting_frequency: c.reporting_frequency,
            penalty_per_missing_hour_eur: c.penalty_per_hour_cents,
            referent_id: c.referent_id,
            territory: c.territory,
            time_zone: c.time_zone,
            assignments,
            clause_label: n.label,
            buyer_id: n.buyer_id,
            buyer_name: n.buyer_name,
            referent_name: n.referent_name,
            warnings,
        });
    }
    Ok(out)
}

pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Clause>, i64)> {
    let base = || {
        let mut q = clauses::table
            .filter(clauses::structure_id.eq(structure_id))
            .into_boxed();
        if let Some(org) = contractor {
            q = q.filter(
                clauses::id.eq_any(
                    assignments::table
                        .filter(assignments::contractor_id.eq(org))
                        .select(assignments::clause_id),
                ),
            );
        }
        if let Some(s) = status {
            q = q.filter(clauses::status.eq(s.to_string()));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let items = base()
        .order(clauses::id)
        .limit(limit)
        .offset(offset)
        .select(Clause::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn set_status(conn: &mut Conn, id: ClauseId, status: ClauseStatus) -> QueryResult<()> {
    diesel::update(clauses::table.filter(clauses::id.eq(id)))
        .set((clauses::status.eq(status), clauses::updated_at.eq(now())))
        .execute(conn)?;
    crate::store::kept_years::refresh_clause(conn, id)
}

pub fn add_assignment(
    conn: &mut Conn,
    structure_id: StructureId,
    clause_id: ClauseId,
    contractor_id: OrganisationId,
    role: AssignmentRole,
    hours_target: i64,
) -> QueryResult<AssignmentId> {
    let id: AssignmentId = diesel::insert_into(assignments::table)
        .values((
            assignments::structure_id.eq(structure_id),
            assignments::clause_id.eq(clause_id),
            assignments::contractor_id.eq(contractor_id),
            assignments::role.eq(role),
            assignments::hours_target.eq(hours_target),
            assignments::created_at.eq(now()),
        ))
        .returning(assignments::id)
        .get_result(conn)?;
    crate::store::kept_years::refresh_clause(conn, clause_id)?;
    Ok(id)
}

pub fn find_assignment(
    conn: &mut Conn,
    structure_id: StructureId,
    id: AssignmentId,
) -> QueryResult<Option<Assignment>> {
    assignments::table
        .filter(assignments::id.eq(id))
        .filter(assignments::structure_id.eq(structure_id))
        .select(Assignment::as_select())
        .first(conn)
        .optional()
}

/// Whether the user is a facilitator or admin of the structure (a possible referent).
pub fn is_staff_user(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: UserId,
) -> QueryResult<bool> {
    let n: i64 = users::table
        .filter(users::id.eq(user_id))
        .filter(users::structure_id.eq(structure_id))
        .filter(users::role.eq_any([Role::Admin, Role::Facilitator]))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn organisation_territory(conn: &mut Conn, id: OrganisationId) -> QueryResult<Option<String>> {
    Ok(organisations::table
        .filter(organisations::id.eq(id))
        .select(organisations::territory)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

pub fn labour_shares(
    conn: &mut Conn,
    structure_id: StructureId,
) -> QueryResult<Vec<LabourShareRef>> {
    let rows: Vec<(String, i64, String)> = labour_shares::table
        .filter(labour_shares::structure_id.eq(structure_id))
        .order(labour_shares::cpv_prefix)
        .select((
            labour_shares::cpv_prefix,
            labour_shares::share_bp,
            labour_shares::label,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(cpv_prefix, share_bp, label)| LabourShareRef {
            cpv_prefix,
            share_bp,
            label,
        })
        .collect())
}

pub fn replace_labour_shares(
    conn: &mut Conn,
    structure_id: StructureId,
    rows: &[LabourShareRef],
) -> QueryResult<()> {
    diesel::delete(labour_shares::table.filter(labour_shares::structure_id.eq(structure_id)))
        .execute(conn)?;
    for r in rows {
        diesel::insert_into(labour_shares::table)
            .values((
                labour_shares::structure_id.eq(structure_id),
                labour_shares::cpv_prefix.eq(&r.cpv_prefix),
                labour_shares::share_bp.eq(r.share_bp),
                labour_shares::label.eq(&r.label),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes the corrected fields of a clause (in the caller's transaction; its version is
/// raised by `claim_version!` before).
pub fn correct(conn: &mut Conn, id: ClauseId, c: &NewClause) -> QueryResult<()> {
    diesel::update(clauses::table.filter(clauses::id.eq(id)))
        .set((
            clauses::method.eq(&c.method),
            clauses::calibration.eq(&c.calibration),
            clauses::explanation.eq(&c.explanation),
            clauses::computed_hours.eq(c.computed_hours),
            clauses::hours_override.eq(c.hours_override),
            clauses::override_justification.eq(&c.override_justification),
            clauses::required_hours.eq(c.required_hours),
            clauses::starts_on.eq(c.starts_on),
            clauses::ends_on.eq(c.ends_on),
            clauses::reporting_frequency.eq(&c.reporting_frequency),
            clauses::penalty_per_hour_cents.eq(c.penalty_per_hour_cents),
            clauses::referent_id.eq(c.referent_id),
            clauses::legal_basis.eq(c.legal_basis.map(LegalBasis::as_str)),
            clauses::weighting_percent.eq(c.weighting_percent),
            clauses::committed_hours.eq(c.committed_hours),
            clauses::target_persons.eq(c.target_persons),
            clauses::hour_target.eq(c.hour_target),
            clauses::updated_at.eq(now()),
        ))
        .execute(conn)?;
    crate::store::kept_years::refresh_clause(conn, id)
}

/// The clauses of a contract, in id order.
pub fn of_contract(conn: &mut Conn, contract_id: ContractId) -> QueryResult<Vec<Clause>> {
    clauses::table
        .filter(clauses::contract_id.eq(contract_id))
        .order(clauses::id)
        .select(Clause::as_select())
        .load(conn)
}
