//! One assignment as its corrections read and write it: its end day and version beside its
//! target, its placements' spans, its validated hours. (Creating an assignment and listing
//! a clause's are in `store::clauses`.)

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{assignment_month_totals, assignments, needs, organisations, placements};
use crate::db::Conn;
use crate::domain::assignments::PlacementSpan;
use crate::domain::ids::{AssignmentId, ClauseId, OrganisationId, StructureId};
use crate::domain::units::ser_hundredths;
use crate::domain::vocabulary::AssignmentRole;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = assignments)]
pub struct AssignmentRow {
    pub id: AssignmentId,
    pub structure_id: StructureId,
    pub clause_id: ClauseId,
    pub contractor_id: OrganisationId,
    pub role: AssignmentRole,
    pub hours_target: i64,
    pub ends_on: Option<NaiveDate>,
    pub version: i64,
}

/// An assignment as people read it, its contractor named.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignmentOut {
    pub id: AssignmentId,
    pub clause_id: ClauseId,
    pub contractor_id: OrganisationId,
    pub contractor_name: String,
    pub role: AssignmentRole,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub hours_target: i64,
    /// The last day of an assignment handed over to another contractor; null while it runs
    /// with its clause.
    pub ends_on: Option<NaiveDate>,
}

/// The assignment of the structure with its contractor's name, if any.
pub fn find_named(
    conn: &mut Conn,
    structure_id: StructureId,
    id: AssignmentId,
) -> QueryResult<Option<(AssignmentRow, String)>> {
    assignments::table
        .inner_join(organisations::table.on(organisations::id.eq(assignments::contractor_id)))
        .filter(assignments::id.eq(id))
        .filter(assignments::structure_id.eq(structure_id))
        .select((AssignmentRow::as_select(), organisations::name))
        .first(conn)
        .optional()
}

/// The assignment's view from its row and its contractor's name.
pub fn out(row: &AssignmentRow, contractor_name: String) -> AssignmentOut {
    AssignmentOut {
        id: row.id,
        clause_id: row.clause_id,
        contractor_id: row.contractor_id,
        contractor_name,
        role: row.role,
        hours_target: row.hours_target,
        ends_on: row.ends_on,
    }
}

/// The end day of an assignment (None: it runs with its clause, or there is no such one).
pub fn end_of(conn: &mut Conn, id: AssignmentId) -> QueryResult<Option<NaiveDate>> {
    Ok(assignments::table
        .filter(assignments::id.eq(id))
        .select(assignments::ends_on)
        .first::<Option<NaiveDate>>(conn)
        .optional()?
        .flatten())
}

/// The targets of the clause's other assignments, together (hundredths).
pub fn others_targets(
    conn: &mut Conn,
    clause_id: ClauseId,
    except: AssignmentId,
) -> QueryResult<i64> {
    let targets: Vec<i64> = assignments::table
        .filter(assignments::clause_id.eq(clause_id))
        .filter(assignments::id.ne(except))
        .select(assignments::hours_target)
        .load(conn)?;
    Ok(targets.into_iter().sum())
}

/// The validated hours of the assignment, all months together (hundredths).
pub fn validated_hours(conn: &mut Conn, id: AssignmentId) -> QueryResult<i64> {
    let months: Vec<i64> = assignment_month_totals::table
        .filter(assignment_month_totals::assignment_id.eq(id))
        .select(assignment_month_totals::validated)
        .load(conn)?;
    Ok(months.into_iter().sum())
}

/// The spans of the assignment's placements.
pub fn placement_spans(conn: &mut Conn, id: AssignmentId) -> QueryResult<Vec<PlacementSpan>> {
    let rows: Vec<(i64, NaiveDate, Option<NaiveDate>, Option<NaiveDate>)> = placements::table
        .filter(placements::assignment_id.eq(id))
        .order(placements::id)
        .select((
            placements::id,
            placements::starts_on,
            placements::ends_on,
            placements::exit_on,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, starts_on, ends_on, exit_on)| PlacementSpan {
            id,
            starts_on,
            last_day: exit_on.or(ends_on),
        })
        .collect())
}

/// How many recruitment needs the assignment has.
pub fn need_count(conn: &mut Conn, id: AssignmentId) -> QueryResult<i64> {
    needs::table
        .filter(needs::assignment_id.eq(id))
        .count()
        .get_result(conn)
}

pub fn set_target(conn: &mut Conn, id: AssignmentId, hours_target: i64) -> QueryResult<()> {
    diesel::update(assignments::table.filter(assignments::id.eq(id)))
        .set(assignments::hours_target.eq(hours_target))
        .execute(conn)?;
    refresh_kept(conn, id)
}

/// Rebuilds the kept yearly rows of the assignment's clause (its target is one of them).
fn refresh_kept(conn: &mut Conn, id: AssignmentId) -> QueryResult<()> {
    let clause: Option<i64> = assignments::table
        .filter(assignments::id.eq(id))
        .select(assignments::clause_id)
        .first(conn)
        .optional()?;
    match clause {
        Some(c) => crate::store::kept_years::refresh_clause(conn, c),
        None => Ok(()),
    }
}

/// Ends the assignment on `ends_on` with what it keeps as its target.
pub fn end(
    conn: &mut Conn,
    id: AssignmentId,
    ends_on: NaiveDate,
    hours_target: i64,
) -> QueryResult<()> {
    diesel::update(assignments::table.filter(assignments::id.eq(id)))
        .set((
            assignments::ends_on.eq(Some(ends_on)),
            assignments::hours_target.eq(hours_target),
        ))
        .execute(conn)?;
    refresh_kept(conn, id)
}

pub fn delete(conn: &mut Conn, id: AssignmentId) -> QueryResult<()> {
    let clause: Option<i64> = assignments::table
        .filter(assignments::id.eq(id))
        .select(assignments::clause_id)
        .first(conn)
        .optional()?;
    diesel::delete(assignments::table.filter(assignments::id.eq(id))).execute(conn)?;
    match clause {
        Some(c) => crate::store::kept_years::refresh_clause(conn, c),
        None => Ok(()),
    }
}

/// An assignment a person may be placed on, as a placement form offers it.
#[derive(Debug, Clone, Queryable)]
pub struct Placeable {
    pub id: AssignmentId,
    pub contractor_id: OrganisationId,
    pub contractor_name: String,
    pub reference: String,
    pub title: String,
    pub lot_number: Option<i32>,
}

/// The structure's assignments of active clauses, by contract reference and contractor:
/// what a placement form offers (at most `limit`; the placement's rules are the use
/// case's).
pub fn placeable(
    conn: &mut Conn,
    structure_id: StructureId,
    limit: i64,
) -> QueryResult<Vec<Placeable>> {
    use crate::db::schema::{clauses, contracts};
    use crate::domain::vocabulary::ClauseStatus;
    assignments::table
        .inner_join(clauses::table.on(clauses::id.eq(assignments::clause_id)))
        .inner_join(contracts::table.on(contracts::id.eq(clauses::contract_id)))
        .inner_join(organisations::table.on(organisations::id.eq(assignments::contractor_id)))
        .filter(assignments::structure_id.eq(structure_id))
        .filter(clauses::status.eq(ClauseStatus::Active))
        .order((
            contracts::reference,
            clauses::lot_number,
            organisations::name,
            assignments::id,
        ))
        .limit(limit)
        .select((
            assignments::id,
            assignments::contractor_id,
            organisations::name,
            contracts::reference,
            contracts::title,
            clauses::lot_number,
        ))
        .load(conn)
}
