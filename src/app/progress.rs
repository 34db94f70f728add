//! The progress of a clause at a date, from the maintained totals: the one computation the
//! progress route and the reminders read.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::app::{AppError, AppResult};
use crate::auth::records::{contractor_sees_assignment, contractor_sees_clause};
use crate::db::Conn;
use crate::domain::ids::{ClauseId, OrganisationId, StructureId};
use crate::domain::period::Month;
use crate::domain::progress::{self, AssignmentHours, ClauseTerms};
use crate::store::clauses::{Assignment, Clause};
use crate::store::hours as store;

/// A clause, the assignments the caller sees, and their progress, with the names a person
/// reads beside the ids (the clause's label, each contractor's name), all from one query.
pub struct ClauseProgressView {
    pub clause: Clause,
    /// The clause's contract reference and title (and lot).
    pub clause_label: String,
    /// The assignments seen, in id order.
    pub assignments: Vec<Assignment>,
    /// The names of the contractors of the assignments seen.
    pub contractor_names: HashMap<OrganisationId, String>,
    pub progress: progress::ClauseProgress,
}

/// Progress of a clause of the structure at `on`; `contractor` (a contractor's organisation)
/// sees only its own assignments, and the clause's figures are then those of its assignments;
/// a clause it has no assignment on is "not found".
pub fn clause_progress(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    clause_id: ClauseId,
    on: NaiveDate,
    on_track_percent: u32,
) -> AppResult<ClauseProgressView> {
    let found = store::clause_with_totals(conn, structure_id, clause_id, Month::of(on))?
        .ok_or(AppError::NotFound("clause"))?;
    let contractors: Vec<OrganisationId> = found
        .assignments
        .iter()
        .map(|t| t.assignment.contractor_id)
        .collect();
    if !contractor_sees_clause(contractor, &contractors) {
        return Err(AppError::NotFound("clause"));
    }
    let mut assignments = Vec::new();
    let mut hours = Vec::new();
    let mut contractor_names = HashMap::new();
    for seen in found
        .assignments
        .into_iter()
        .filter(|t| contractor_sees_assignment(contractor, t.assignment.contractor_id))
    {
        let a = seen.assignment;
        hours.push(AssignmentHours {
            assignment_id: a.id.0,
            contractor_id: a.contractor_id.0,
            hours_target: a.hours_target,
            validated: seen.validated,
            pending: seen.pending,
        });
        contractor_names.insert(a.contractor_id, seen.contractor_name);
        assignments.push(a);
    }
    let clause = found.clause;
    let terms = ClauseTerms {
        required: clause.required_hours,
        starts_on: clause.starts_on,
        ends_on: clause.ends_on,
        penalty_per_hour_cents: clause.penalty_per_hour_cents,
    };
    let figures =
        progress::clause_progress(&terms, &hours, contractor.is_none(), on, on_track_percent);
    Ok(ClauseProgressView {
        clause,
        clause_label: found.clause_label,
        assignments,
        contractor_names,
        progress: figures,
    })
}

/// A clause of the structure month by month: its label and terms, and for each month since
/// its start the hours of the month, their running total and what was expected by then.
pub struct ClauseMonthsView {
    pub clause: Clause,
    pub clause_label: String,
    pub months: Vec<progress::MonthProgress>,
}

/// The months of a clause of the structure, seen at `on` (staff only: the clause's figures are
/// those of every assignment).
pub fn clause_months(
    conn: &mut Conn,
    structure_id: StructureId,
    clause_id: ClauseId,
    on: NaiveDate,
) -> AppResult<ClauseMonthsView> {
    let found = store::clause_with_totals(conn, structure_id, clause_id, Month::of(on))?
        .ok_or(AppError::NotFound("clause"))?;
    let totals = store::clause_month_totals(conn, clause_id, Month::of(on))?;
    let c = &found.clause;
    let months =
        progress::months_of_progress(c.required_hours, c.starts_on, c.ends_on, on, &totals);
    Ok(ClauseMonthsView {
        clause: found.clause,
        clause_label: found.clause_label,
        months,
    })
}
