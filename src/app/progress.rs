//! The progress of a clause at a date, from the maintained totals: the one computation the
//! progress route and the reminders read.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::app::{AppError, AppResult};
use crate::auth::records::{contractor_sees_assignment, contractor_sees_clause};
use crate::db::Conn;
use crate::domain::clause_kinds;
use crate::domain::ids::{ClauseId, OrganisationId, StructureId};
use crate::domain::period::Month;
use crate::domain::progress::{self, AssignmentHours, ClauseTerms, ProgressStatus};
use crate::domain::vocabulary::ClauseKind;
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
    /// An insertion purpose's target in persons and the persons placed (its status is
    /// computed on them); none for the other kinds.
    pub persons: Option<PersonsProgress>,
}

/// The progress of a target in persons at a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonsProgress {
    pub required: i64,
    /// Distinct persons placed on the clause (on the caller's assignments) by the date.
    pub placed: i64,
    /// Persons expected by the date, prorated on the days elapsed.
    pub expected: i64,
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
    let mut figures =
        progress::clause_progress(&terms, &hours, contractor.is_none(), on, on_track_percent);
    if !clause.hour_target {
        // Nothing to measure hours against: no status of hours (a reserved contract's stays so).
        figures.progress.status = ProgressStatus::NoTarget;
        for a in &mut figures.assignments {
            a.progress.status = ProgressStatus::NoTarget;
        }
    }
    let mut persons = None;
    if let (ClauseKind::InsertionPurpose, Some(target)) = (clause.kind, clause.target_persons) {
        let seen: Vec<_> = assignments.iter().map(|a| a.id).collect();
        let placed = crate::store::clause_kinds::persons_placed(conn, clause.id, &seen, on)?;
        let (expected, status) = clause_kinds::persons_status(
            i64::from(target),
            placed,
            clause.starts_on,
            clause.ends_on,
            on,
            on_track_percent,
        );
        figures.progress.status = status;
        persons = Some(PersonsProgress {
            required: i64::from(target),
            placed,
            expected,
        });
    }
    Ok(ClauseProgressView {
        clause,
        clause_label: found.clause_label,
        assignments,
        contractor_names,
        progress: figures,
        persons,
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
