//! The queries of a contractor's workspace (its home page): its assignments named as people
//! read them with their hours, and what its reports owe. A few queries for all of its
//! assignments, never one an assignment: a big contractor has hundreds.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{
    assignment_month_totals, assignments, clauses, contracts, hour_entries, milestones,
    organisations, placements,
};
use crate::db::Conn;
use crate::domain::hours::EntryStatus;
use crate::domain::ids::{AssignmentId, ClauseId, OrganisationId, StructureId};
use crate::domain::period::Month;
use crate::domain::vocabulary::{AssignmentRole, ClauseStatus};
use crate::store::names::clause_label;

/// One assignment of a contractor with what its progress reads: the clause's dates and
/// penalty, its label and its buyer's name.
#[derive(Debug, Clone)]
pub struct ContractorAssignment {
    pub id: AssignmentId,
    pub clause_id: ClauseId,
    pub role: AssignmentRole,
    pub hours_target: i64,
    pub clause_label: String,
    pub buyer_name: String,
    pub clause_status: ClauseStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub penalty_per_hour_cents: Option<i64>,
}

/// assignment id, clause id, role, target, lot, reference, title, buyer, status, start,
/// end, penalty
type AssignmentRow = (
    AssignmentId,
    ClauseId,
    AssignmentRole,
    i64,
    Option<i32>,
    String,
    String,
    String,
    ClauseStatus,
    NaiveDate,
    NaiveDate,
    Option<i64>,
);

/// A page of the assignments of `contractor` in the structure (by contract reference, lot,
/// then id) and how many it has in all: one query with joins, and one count.
pub fn contractor_assignments(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: OrganisationId,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<ContractorAssignment>, i64)> {
    let base = || {
        assignments::table
            .inner_join(clauses::table.inner_join(contracts::table))
            .inner_join(organisations::table.on(organisations::id.eq(contracts::buyer_id)))
            .filter(assignments::structure_id.eq(structure_id))
            .filter(assignments::contractor_id.eq(contractor))
            .filter(clauses::status.ne(ClauseStatus::Draft))
    };
    let total: i64 = base().count().get_result(conn)?;
    let rows: Vec<AssignmentRow> = base()
        .order((contracts::reference, clauses::lot_number, assignments::id))
        .limit(limit)
        .offset(offset)
        .select((
            assignments::id,
            assignments::clause_id,
            assignments::role,
            assignments::hours_target,
            clauses::lot_number,
            contracts::reference,
            contracts::title,
            organisations::name,
            clauses::status,
            clauses::starts_on,
            clauses::ends_on,
            clauses::penalty_per_hour_cents,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(
            |(id, clause_id, role, target, lot, reference, title, buyer, status, s, e, pen)| {
                ContractorAssignment {
                    id,
                    clause_id,
                    role,
                    hours_target: target,
                    clause_label: clause_label(&reference, &title, lot),
                    buyer_name: buyer,
                    clause_status: status,
                    starts_on: s,
                    ends_on: e,
                    penalty_per_hour_cents: pen,
                }
            },
        )
        .collect();
    Ok((items, total))
}

/// The validated and pending hours of these assignments, months up to `last_month`
/// included (from the totals kept current with each entry): one query.
pub fn assignment_hours(
    conn: &mut Conn,
    ids: &[AssignmentId],
    last_month: Month,
) -> QueryResult<HashMap<AssignmentId, (i64, i64)>> {
    let rows: Vec<(AssignmentId, i64, i64)> = assignment_month_totals::table
        .filter(assignment_month_totals::assignment_id.eq_any(ids))
        .filter(assignment_month_totals::month.le(last_month))
        .select((
            assignment_month_totals::assignment_id,
            assignment_month_totals::validated,
            assignment_month_totals::pending,
        ))
        .load(conn)?;
    let mut out: HashMap<AssignmentId, (i64, i64)> = HashMap::new();
    for (id, validated, pending) in rows {
        let sum = out.entry(id).or_default();
        sum.0 += validated;
        sum.1 += pending;
    }
    Ok(out)
}

/// A reporting period owed by one assignment of the contractor (a generated `report`
/// milestone of an active clause, not marked done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedPeriod {
    pub assignment_id: AssignmentId,
    pub clause_label: String,
    /// `YYYY-MM` or `YYYY-Qn`.
    pub period: String,
    pub due_on: NaiveDate,
}

/// One placement of an assignment: id, assignment, start, last day (its exit, else its
/// planned end).
pub type PlacementSpan = (i64, AssignmentId, NaiveDate, Option<NaiveDate>);

/// What the contractor's reports owe: the reporting periods of its assignments due from
/// `due_from` to `due_until`, the placements of those assignments, and the (placement,
/// month) pairs from `first_month` on that have an entry not rejected (the pairs the
/// reminders count as reported). Four queries, whatever the number of assignments.
pub struct ContractorReports {
    pub periods: Vec<OwedPeriod>,
    pub placements: Vec<PlacementSpan>,
    pub entered: HashSet<(i64, String)>,
}

/// milestone's assignment, clause lot, reference, title, period, due date
type PeriodRow = (AssignmentId, Option<i32>, String, String, String, NaiveDate);

/// See [`ContractorReports`].
pub fn contractor_reports(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: OrganisationId,
    due_from: NaiveDate,
    due_until: NaiveDate,
    first_month: Month,
) -> QueryResult<ContractorReports> {
    let rows: Vec<PeriodRow> = milestones::table
        .inner_join(assignments::table.on(assignments::clause_id.eq(milestones::clause_id)))
        .inner_join(clauses::table.on(clauses::id.eq(milestones::clause_id)))
        .inner_join(contracts::table.on(contracts::id.eq(clauses::contract_id)))
        .filter(milestones::structure_id.eq(structure_id))
        .filter(assignments::contractor_id.eq(contractor))
        .filter(clauses::status.eq(ClauseStatus::Active))
        .filter(milestones::kind.eq("report"))
        .filter(milestones::manual.eq(false))
        .filter(milestones::done_at.is_null())
        .filter(milestones::due_on.ge(due_from))
        .filter(milestones::due_on.le(due_until))
        .order((milestones::due_on, assignments::id))
        .select((
            assignments::id,
            clauses::lot_number,
            contracts::reference,
            contracts::title,
            milestones::period,
            milestones::due_on,
        ))
        .load(conn)?;
    let periods: Vec<OwedPeriod> = rows
        .into_iter()
        .map(
            |(assignment_id, lot, reference, title, period, due_on)| OwedPeriod {
                assignment_id,
                clause_label: clause_label(&reference, &title, lot),
                period,
                due_on,
            },
        )
        .collect();
    let ids: Vec<AssignmentId> = periods
        .iter()
        .map(|p| p.assignment_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok(ContractorReports {
            periods,
            placements: Vec::new(),
            entered: HashSet::new(),
        });
    }
    type Span = (
        i64,
        AssignmentId,
        NaiveDate,
        Option<NaiveDate>,
        Option<NaiveDate>,
    );
    let spans: Vec<Span> = placements::table
        .filter(placements::assignment_id.eq_any(&ids))
        .filter(placements::cancelled_at.is_null())
        .select((
            placements::id,
            placements::assignment_id,
            placements::starts_on,
            placements::ends_on,
            placements::exit_on,
        ))
        .load(conn)?;
    let placements: Vec<PlacementSpan> = spans
        .into_iter()
        .map(|(id, a, start, end, exit)| (id, a, start, exit.or(end)))
        .collect();
    let placement_ids: Vec<i64> = placements.iter().map(|p| p.0).collect();
    let entered: HashSet<(i64, String)> = hour_entries::table
        .filter(hour_entries::placement_id.eq_any(&placement_ids))
        .filter(hour_entries::month.ge(first_month))
        .filter(hour_entries::status.ne(EntryStatus::Rejected))
        .select((hour_entries::placement_id, hour_entries::month))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(ContractorReports {
        periods,
        placements,
        entered,
    })
}
