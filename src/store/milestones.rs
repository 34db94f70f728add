//! Execution milestones of clauses: the calendar generated from a clause's dates and reporting
//! frequency (on activation, regenerated when they change), milestones added by hand, and
//! their state on a day.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{hour_entries, milestones, placements};
use crate::db::{now, Conn};
use crate::domain::calendar;
use crate::domain::hours::EntryStatus;
use crate::domain::ids::{AssignmentId, ClauseId, StructureId};
use crate::store::clauses::Clause;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = milestones)]
pub struct Milestone {
    pub id: i64,
    pub structure_id: StructureId,
    pub clause_id: ClauseId,
    pub kind: String,
    pub period: String,
    pub due_on: NaiveDate,
    pub manual: bool,
    pub label: Option<String>,
    pub done_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MilestoneView {
    pub id: i64,
    pub clause_id: ClauseId,
    /// The clause's contract reference and title (and lot).
    pub clause_label: String,
    pub kind: String,
    /// `start`, a reporting period (`YYYY-MM`, `YYYY-Qn`), `mid`, `end`, `final`; empty for
    /// a manual milestone.
    pub period: String,
    pub label: String,
    pub due_on: NaiveDate,
    pub manual: bool,
    pub state: &'static str,
    pub done_at: Option<NaiveDateTime>,
}

/// Brings the generated milestones of a clause in line with its dates and frequency: missing
/// ones are added, moved ones get their new date, those no longer in the calendar are
/// removed. Milestones done and milestones added by hand are kept as they are.
pub fn regenerate(conn: &mut Conn, clause: &Clause) -> QueryResult<()> {
    let frequency = clause.reporting_frequency;
    let specs = calendar::generate(clause.starts_on, clause.ends_on, frequency);
    let existing: Vec<Milestone> = milestones::table
        .filter(milestones::clause_id.eq(clause.id))
        .filter(milestones::manual.eq(false))
        .select(Milestone::as_select())
        .load(conn)?;
    for m in &existing {
        if m.done_at.is_some() {
            continue;
        }
        match specs
            .iter()
            .find(|s| s.kind == m.kind && s.period == m.period)
        {
            Some(s) if s.due_on != m.due_on => {
                diesel::update(milestones::table.filter(milestones::id.eq(m.id)))
                    .set(milestones::due_on.eq(s.due_on))
                    .execute(conn)?;
            }
            Some(_) => {}
            None => {
                diesel::delete(milestones::table.filter(milestones::id.eq(m.id))).execute(conn)?;
            }
        }
    }
    let at = now();
    for s in &specs {
        if existing
            .iter()
            .any(|m| m.kind == s.kind && m.period == s.period)
        {
            continue;
        }
        insert_generated(conn, clause, s, at)?;
    }
    Ok(())
}

/// Inserts one milestone of the generated calendar.
fn insert_generated(
    conn: &mut Conn,
    clause: &Clause,
    s: &calendar::MilestoneSpec,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(milestones::table)
        .values((
            milestones::structure_id.eq(clause.structure_id),
            milestones::clause_id.eq(clause.id),
            milestones::kind.eq(&s.kind),
            milestones::period.eq(&s.period),
            milestones::due_on.eq(s.due_on),
            milestones::manual.eq(false),
            milestones::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Regenerates the future part of a clause's generated calendar after its dates or
/// frequency changed (`calendar::future_changes`): milestones done or due before `today`
/// (the clause's local date) stay as they are, future ones move or go, new ones are added.
/// Milestones added by hand are kept. Returns how many milestones changed.
pub fn regenerate_future(conn: &mut Conn, clause: &Clause, today: NaiveDate) -> QueryResult<usize> {
    let specs = calendar::generate(clause.starts_on, clause.ends_on, clause.reporting_frequency);
    let planned: Vec<calendar::PlannedMilestone> = milestones::table
        .filter(milestones::clause_id.eq(clause.id))
        .filter(milestones::manual.eq(false))
        .order(milestones::id)
        .select(Milestone::as_select())
        .load(conn)?
        .into_iter()
        .map(|m| calendar::PlannedMilestone {
            id: m.id,
            kind: m.kind,
            period: m.period,
            due_on: m.due_on,
            done: m.done_at.is_some(),
        })
        .collect();
    let changes = calendar::future_changes(&planned, &specs, today);
    let at = now();
    for change in &changes {
        match change {
            calendar::CalendarChange::Move { id, due_on } => {
                diesel::update(milestones::table.filter(milestones::id.eq(id)))
                    .set(milestones::due_on.eq(due_on))
                    .execute(conn)?;
            }
            calendar::CalendarChange::Remove { id } => {
                diesel::delete(milestones::table.filter(milestones::id.eq(id))).execute(conn)?;
            }
            calendar::CalendarChange::Add(s) => {
                insert_generated(conn, clause, s, at)?;
            }
        }
    }
    Ok(changes.len())
}

/// The milestones of a clause, by due date.
pub fn of_clause(conn: &mut Conn, clause_id: ClauseId) -> QueryResult<Vec<Milestone>> {
    milestones::table
        .filter(milestones::clause_id.eq(clause_id))
        .order((milestones::due_on, milestones::id))
        .select(Milestone::as_select())
        .load(conn)
}

/// Placement id, assignment id, start, planned end, exit date.
type PlacementDates = (
    i64,
    AssignmentId,
    NaiveDate,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

/// What contractors reported on a clause: its placements (id, assignment, start, last day)
/// and the (placement, month) pairs that have an entry not rejected.
pub struct ClauseReports {
    pub placements: Vec<(i64, AssignmentId, NaiveDate, Option<NaiveDate>)>,
    pub entered: HashSet<(i64, String)>,
}

impl ClauseReports {
    pub fn load(conn: &mut Conn, clause_id: ClauseId) -> QueryResult<ClauseReports> {
        let rows: Vec<PlacementDates> = placements::table
            .filter(placements::clause_id.eq(clause_id))
            .filter(placements::cancelled_at.is_null())
            .select((
                placements::id,
                placements::assignment_id,
                placements::starts_on,
                placements::ends_on,
                placements::exit_on,
            ))
            .load(conn)?;
        let placements: Vec<_> = rows
            .into_iter()
            .map(|(id, a, s, e, exit)| (id, a, s, exit.or(e)))
            .collect();
        let ids: Vec<i64> = placements.iter().map(|p| p.0).collect();
        let entered: HashSet<(i64, String)> = hour_entries::table
            .filter(hour_entries::placement_id.eq_any(&ids))
            .filter(hour_entries::status.ne(EntryStatus::Rejected))
            .select((hour_entries::placement_id, hour_entries::month))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect();
        Ok(ClauseReports {
            placements,
            entered,
        })
    }

    /// The (placement, month) pairs of `period` owed by one assignment (or all of them).
    pub fn owed(&self, assignment_id: Option<AssignmentId>, period: &str) -> Vec<(i64, String)> {
        self.placements
            .iter()
            .filter(|p| assignment_id.is_none_or(|a| p.1 == a))
            .flat_map(|&(id, _, start, end)| {
                calendar::months_open(period, start, end)
                    .into_iter()
                    .map(move |m| (id, m))
            })
            .collect()
    }

    /// Whether `period` is reported: None when nothing is owed.
    pub fn reported(&self, assignment_id: Option<AssignmentId>, period: &str) -> Option<bool> {
        calendar::period_reported(&self.owed(assignment_id, period), &self.entered)
    }
}

/// One page of the milestones of a clause (by due date), with their state on `today` (the
/// clause's local date), and how many the clause has in all.
pub fn list(
    conn: &mut Conn,
    clause: &Clause,
    today: NaiveDate,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<MilestoneView>, i64)> {
    let total: i64 = milestones::table
        .filter(milestones::clause_id.eq(clause.id))
        .count()
        .get_result(conn)?;
    let rows: Vec<Milestone> = milestones::table
        .filter(milestones::clause_id.eq(clause.id))
        .order((milestones::due_on, milestones::id))
        .limit(limit)
        .offset(offset)
        .select(Milestone::as_select())
        .load(conn)?;
    Ok((views(conn, clause, rows, today)?, total))
}

/// One milestone of a clause with its state on `today`, if the clause has it.
pub fn one(
    conn: &mut Conn,
    clause: &Clause,
    id: i64,
    today: NaiveDate,
) -> QueryResult<Option<MilestoneView>> {
    let rows: Vec<Milestone> = milestones::table
        .filter(milestones::clause_id.eq(clause.id))
        .filter(milestones::id.eq(id))
        .select(Milestone::as_select())
        .load(conn)?;
    Ok(views(conn, clause, rows, today)?.into_iter().next())
}

/// Milestones of a clause with their state on `today`.
fn views(
    conn: &mut Conn,
    clause: &Clause,
    rows: Vec<Milestone>,
    today: NaiveDate,
) -> QueryResult<Vec<MilestoneView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let reports = ClauseReports::load(conn, clause.id)?;
    let clause_label = crate::store::names::clause_labels(conn, &[clause.id])?
        .remove(&clause.id)
        .unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|m| {
            let report_complete = if m.kind == "report" && !m.manual {
                match calendar::period_last_day(&m.period) {
                    Some(last) if today > last => {
                        Some(reports.reported(None, &m.period).unwrap_or(true))
                    }
                    _ => None,
                }
            } else {
                None
            };
            let done = calendar::is_done(
                &m.kind,
                m.manual,
                m.done_at.is_some(),
                m.due_on,
                today,
                report_complete,
            );
            MilestoneView {
                id: m.id,
                clause_id: m.clause_id,
                clause_label: clause_label.clone(),
                label: m
                    .label
                    .clone()
                    .unwrap_or_else(|| default_label(&m.kind, &m.period)),
                kind: m.kind,
                period: if m.manual { String::new() } else { m.period },
                due_on: m.due_on,
                manual: m.manual,
                state: calendar::state(m.due_on, done, today).as_str(),
                done_at: m.done_at,
            }
        })
        .collect())
}

/// The French label of a generated milestone.
pub fn default_label(kind: &str, period: &str) -> String {
    use crate::domain::next_action::period_label_fr;
    match kind {
        "start" => "Démarrage des travaux (ordre de service)".to_string(),
        "report" => format!(
            "Déclaration des heures {}",
            crate::domain::french::de_period(&period_label_fr(period))
        ),
        "mid_term" => "Revue à mi-parcours".to_string(),
        "end_warning" => "Fin du marché dans 30 jours".to_string(),
        "final_report" => "Bilan final de la clause".to_string(),
        other => other.to_string(),
    }
}

/// Adds a milestone by hand; returns its id.
pub fn add_manual(
    conn: &mut Conn,
    clause: &Clause,
    kind: &str,
    label: &str,
    due_on: NaiveDate,
) -> QueryResult<i64> {
    diesel::insert_into(milestones::table)
        .values((
            milestones::structure_id.eq(clause.structure_id),
            milestones::clause_id.eq(clause.id),
            milestones::kind.eq(kind),
            // Manual milestones never collide with generated ones or with each other.
            milestones::period.eq(format!("manual-{}", uuid::Uuid::new_v4())),
            milestones::due_on.eq(due_on),
            milestones::manual.eq(true),
            milestones::label.eq(label),
            milestones::created_at.eq(now()),
        ))
        .returning(milestones::id)
        .get_result(conn)
}

/// The milestone of the structure, if any.
pub fn find(conn: &mut Conn, structure_id: StructureId, id: i64) -> QueryResult<Option<Milestone>> {
    milestones::table
        .filter(milestones::id.eq(id))
        .filter(milestones::structure_id.eq(structure_id))
        .select(Milestone::as_select())
        .first(conn)
        .optional()
}

/// Marks a milestone done (kept if already done).
pub fn mark_done(conn: &mut Conn, id: i64) -> QueryResult<()> {
    diesel::update(
        milestones::table
            .filter(milestones::id.eq(id))
            .filter(milestones::done_at.is_null()),
    )
    .set(milestones::done_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Whether the final report of a clause was marked done.
pub fn final_report_done(conn: &mut Conn, clause_id: ClauseId) -> QueryResult<bool> {
    let n: i64 = milestones::table
        .filter(milestones::clause_id.eq(clause_id))
        .filter(milestones::kind.eq("final_report"))
        .filter(milestones::manual.eq(false))
        .filter(milestones::done_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
