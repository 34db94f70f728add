//! The queries of the facilitator's validation queue that `store::hours::list` does not
//! answer: the filter choices (the clauses, contractors and months that have entries of a
//! status) and the previous month's figure of the entries of one page, each in one query.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::QueryResult;

use crate::db::schema::{
    assignment_month_totals, assignments, clauses, contracts, hour_entries, organisations,
    placements,
};
use crate::db::Conn;
use crate::domain::hours::EntryStatus;
use crate::domain::ids::{ClauseId, HourEntryId, OrganisationId, PlacementId, StructureId};
use crate::domain::period::Month;
use crate::store::hours::CHUNK;
use crate::store::names::clause_label;

/// The entries the queue shows: one status of the structure, narrowed by month, clause and
/// contractor (the placement's contractor, not its employer).
#[derive(Debug, Clone, Copy)]
pub struct QueueQuery {
    pub status: EntryStatus,
    pub month: Option<Month>,
    pub clause_id: Option<ClauseId>,
    pub contractor_id: Option<OrganisationId>,
}

/// The entries of the query as a boxed statement (the id only), so that the page and its
/// count share one filter. The clause and contractor narrow the placements first (through
/// their own indexes), so a small contractor's queue never walks the structure's.
fn queue_base<'a>(
    structure_id: StructureId,
    q: &QueueQuery,
) -> hour_entries::BoxedQuery<'a, <Conn as Connection>::Backend, diesel::sql_types::BigInt> {
    let mut b = hour_entries::table
        .filter(hour_entries::structure_id.eq(structure_id))
        .filter(hour_entries::status.eq(q.status))
        .select(hour_entries::id)
        .into_boxed();
    if let Some(m) = q.month {
        b = b.filter(hour_entries::month.eq(m));
    }
    // Plain (not boxed) sub-selects: only those render for both backends.
    let of_structure = placements::table
        .filter(placements::structure_id.eq(structure_id))
        .select(placements::id);
    match (q.clause_id, q.contractor_id) {
        (None, None) => {}
        (Some(c), None) => {
            let narrowed = of_structure.filter(placements::clause_id.eq(c));
            b = b.filter(hour_entries::placement_id.eq_any(narrowed));
        }
        (None, Some(o)) => {
            let narrowed = of_structure.filter(placements::contractor_id.eq(o));
            b = b.filter(hour_entries::placement_id.eq_any(narrowed));
        }
        (Some(c), Some(o)) => {
            let narrowed = of_structure
                .filter(placements::clause_id.eq(c))
                .filter(placements::contractor_id.eq(o));
            b = b.filter(hour_entries::placement_id.eq_any(narrowed));
        }
    }
    b
}

/// The ids of a page of the queue, in the order a facilitator works (oldest month first,
/// then as they came): an index range, whatever the number of entries of the structure.
pub fn queue_ids(
    conn: &mut Conn,
    structure_id: StructureId,
    q: &QueueQuery,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<HourEntryId>> {
    queue_base(structure_id, q)
        .order((hour_entries::month, hour_entries::id))
        .limit(limit)
        .offset(offset)
        .load(conn)
}

/// How many entries the query holds, counted up to `most` + 1 at most: beyond `most`, the
/// page says "more than", and the cost of a count stays bounded on a national queue.
pub fn queue_count(
    conn: &mut Conn,
    structure_id: StructureId,
    q: &QueueQuery,
    most: i64,
) -> QueryResult<i64> {
    let ids: Vec<HourEntryId> = queue_base(structure_id, q)
        .limit(most.saturating_add(1))
        .load(conn)?;
    Ok(i64::try_from(ids.len()).unwrap_or(i64::MAX))
}

/// What the queue's filters offer: clauses and contractors (id, name), and months.
#[derive(Debug, Clone, Default)]
pub struct QueueChoices {
    pub clauses: Vec<(i64, String)>,
    pub contractors: Vec<(i64, String)>,
    pub months: Vec<Month>,
}

/// clause id, lot, contract reference, contract title, contractor id, contractor name
type ChoiceRow = (i64, Option<i32>, String, String, i64, String);

/// Most months the month filter offers (three years back from the newest).
pub const MONTHS_OFFERED: i32 = 36;

/// What the queue's filters offer for `status`: for the entries waiting, the clauses and
/// contractors of the assignments that have some (from the kept count of waiting entries,
/// through its partial index); for the other statuses, those of every assignment of the
/// structure. In name order; the months from the newest entry of the status back to the
/// oldest, at most `MONTHS_OFFERED`. A handful of index reads, whatever the number of entries.
pub fn queue_choices(
    conn: &mut Conn,
    structure_id: StructureId,
    status: EntryStatus,
) -> QueryResult<QueueChoices> {
    let base = assignments::table
        .inner_join(clauses::table.on(clauses::id.eq(assignments::clause_id)))
        .inner_join(contracts::table.on(contracts::id.eq(clauses::contract_id)))
        .inner_join(organisations::table.on(organisations::id.eq(assignments::contractor_id)))
        .filter(assignments::structure_id.eq(structure_id))
        .select((
            clauses::id,
            clauses::lot_number,
            contracts::reference,
            contracts::title,
            assignments::contractor_id,
            organisations::name,
        ));
    let rows: Vec<ChoiceRow> = if status == EntryStatus::Submitted {
        // Written out, not bound: the planner then matches the partial index's predicate
        // even in a prepared statement's generic plan.
        let waiting = assignment_month_totals::table
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "assignment_month_totals.pending_entries > 0",
            ))
            .select(assignment_month_totals::assignment_id);
        base.filter(assignments::id.eq_any(waiting)).load(conn)?
    } else {
        base.load(conn)?
    };
    let mut clause_names: HashMap<i64, String> = HashMap::new();
    let mut contractor_names: HashMap<i64, String> = HashMap::new();
    for (clause, lot, reference, title, contractor, name) in rows {
        clause_names
            .entry(clause)
            .or_insert_with(|| clause_label(&reference, &title, lot));
        contractor_names.entry(contractor).or_insert(name);
    }
    let by_name = |names: HashMap<i64, String>| {
        let mut v: Vec<(i64, String)> = names.into_iter().collect();
        v.sort_by(|a, b| {
            a.1.to_lowercase()
                .cmp(&b.1.to_lowercase())
                .then(a.0.cmp(&b.0))
        });
        v
    };
    let of_status = || {
        hour_entries::table
            .filter(hour_entries::structure_id.eq(structure_id))
            .filter(hour_entries::status.eq(status))
            .select(hour_entries::month)
    };
    // The ends of the status's index range: two lookups, not a scan.
    let oldest: Option<Month> = of_status()
        .order(hour_entries::month)
        .first(conn)
        .optional()?;
    let newest: Option<Month> = of_status()
        .order(hour_entries::month.desc())
        .first(conn)
        .optional()?;
    let mut months = Vec::new();
    if let (Some(oldest), Some(newest)) = (oldest, newest) {
        let mut m = newest;
        while m >= oldest && months.len() < MONTHS_OFFERED as usize {
            months.push(m);
            m = m.plus(-1);
        }
    }
    Ok(QueueChoices {
        clauses: by_name(clause_names),
        contractors: by_name(contractor_names),
        months,
    })
}

/// How many entries of the structure wait for validation: the kept counts of its
/// assignments that have some (a few rows through the partial index), not a count of entries.
pub fn waiting_count(conn: &mut Conn, structure_id: StructureId) -> QueryResult<i64> {
    let counts: Vec<i64> = assignment_month_totals::table
        .inner_join(
            assignments::table.on(assignments::id.eq(assignment_month_totals::assignment_id)),
        )
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "assignment_month_totals.pending_entries > 0",
        ))
        .filter(assignments::structure_id.eq(structure_id))
        .select(assignment_month_totals::pending_entries)
        .load(conn)?;
    Ok(counts.iter().sum())
}

/// The figure an entry held for a placement and month: work, training (hundredths), status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredFigure {
    pub work: i64,
    pub training: i64,
    pub status: EntryStatus,
}

/// The entries of these placements and months of the structure (one query a chunk of
/// placements), by placement id and month; pairs without an entry are absent.
pub fn figures_of(
    conn: &mut Conn,
    structure_id: StructureId,
    keys: &[(PlacementId, Month)],
) -> QueryResult<HashMap<(i64, Month), StoredFigure>> {
    let mut placement_ids: Vec<PlacementId> = keys.iter().map(|(p, _)| *p).collect();
    placement_ids.sort_unstable_by_key(|p| p.0);
    placement_ids.dedup();
    // As text: a month list binds as the column's text.
    let mut months: Vec<String> = keys.iter().map(|(_, m)| m.to_string()).collect();
    months.sort_unstable();
    months.dedup();
    let wanted: std::collections::HashSet<(i64, Month)> =
        keys.iter().map(|(p, m)| (p.0, *m)).collect();
    let mut out = HashMap::new();
    for chunk in placement_ids.chunks(CHUNK) {
        let rows: Vec<(i64, Month, i64, i64, EntryStatus)> = hour_entries::table
            .filter(hour_entries::structure_id.eq(structure_id))
            .filter(hour_entries::placement_id.eq_any(chunk))
            .filter(hour_entries::month.eq_any(&months))
            .select((
                hour_entries::placement_id,
                hour_entries::month,
                hour_entries::work_hours,
                hour_entries::training_hours,
                hour_entries::status,
            ))
            .load(conn)?;
        for (placement, month, work, training, status) in rows {
            if wanted.contains(&(placement, month)) {
                out.insert(
                    (placement, month),
                    StoredFigure {
                        work,
                        training,
                        status,
                    },
                );
            }
        }
    }
    Ok(out)
}
