//! The progress of a clause at a date, from the maintained totals: the one computation the
//! progress route and the reminders read.

use chrono::NaiveDate;

use crate::app::{AppError, AppResult};
use crate::auth::records::{contractor_sees_assignment, contractor_sees_clause};
use crate::db::Conn;
use crate::domain::ids::{ClauseId, OrganisationId, StructureId};
use crate::domain::period::Month;
use crate::domain::progress::{self, AssignmentHours, ClauseTerms};
use crate::store::clauses::{Assignment, Clause};
use crate::store::hours as store;
use crate::store::names;

/// A clause, the assignments the caller sees, and their progress.
pub struct ClauseProgressView {
    pub clause: Clause,
    /// The assignments seen, in id order.
    pub assignments: Vec<Assignment>,
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
    let (clause, totals) = store::clause_with_totals(conn, structure_id, clause_id, Month::of(on))?
        .ok_or(AppError::NotFound("clause"))?;
    let contractors: Vec<OrganisationId> = totals.iter().map(|(a, _, _)| a.contractor_id).collect();
    if !contractor_sees_clause(contractor, &contractors) {
        return Err(AppError::NotFound("clause"));
    }
    let (assignments, hours): (Vec<Assignment>, Vec<AssignmentHours>) = totals
        .into_iter()
        .filter(|(a, _, _)| contractor_sees_assignment(contractor, a.contractor_id))
        .map(|(a, validated, pending)| {
            let hours = AssignmentHours {
                assignment_id: a.id.0,
                contractor_id: a.contractor_id.0,
                hours_target: a.hours_target,
                validated,
                pending,
            };
            (a, hours)
        })
        .unzip();
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
        assignments,
        progress: figures,
    })
}

/// A clause's progress as people read it: with the clause's label and each assignment's
/// contractor named (two more queries; the reminders read `clause_progress` alone).
pub struct NamedProgress {
    pub view: ClauseProgressView,
    pub clause_label: String,
    pub contractor_names: std::collections::HashMap<OrganisationId, String>,
}

impl ClauseProgressView {
    /// The progress with the names a person reads beside the ids.
    pub fn named(self, conn: &mut Conn) -> AppResult<NamedProgress> {
        let clause_label = names::clause_labels(conn, &[self.clause.id])?
            .remove(&self.clause.id)
            .unwrap_or_default();
        let contractors: Vec<OrganisationId> =
            self.assignments.iter().map(|a| a.contractor_id).collect();
        let contractor_names = names::organisation_names(conn, &contractors)?;
        Ok(NamedProgress {
            view: self,
            clause_label,
            contractor_names,
        })
    }
}
