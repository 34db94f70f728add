//! The queries of the facilitator's validation queue that `store::hours::list` does not
//! answer: the filter choices (the clauses, contractors and months that have entries of a
//! status) and the previous month's figure of the entries of one page, each in one query.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::QueryResult;

use crate::db::schema::{clauses, contracts, hour_entries, organisations, placements};
use crate::db::Conn;
use crate::domain::hours::EntryStatus;
use crate::domain::ids::{PlacementId, StructureId};
use crate::domain::period::Month;
use crate::store::hours::CHUNK;
use crate::store::names::clause_label;

/// What the queue's filters offer: the clauses and contractors (id, name), and the months,
/// that have entries of the status shown.
#[derive(Debug, Clone, Default)]
pub struct QueueChoices {
    pub clauses: Vec<(i64, String)>,
    pub contractors: Vec<(i64, String)>,
    pub months: Vec<Month>,
}

/// clause id, lot, contract reference, contract title, contractor id, contractor name
type ChoiceRow = (i64, Option<i32>, String, String, i64, String);

/// The clauses, contractors and months that have entries of `status` in the structure, in
/// name order (months newest first): two queries, whatever the number of entries.
pub fn queue_choices(
    conn: &mut Conn,
    structure_id: StructureId,
    status: EntryStatus,
) -> QueryResult<QueueChoices> {
    let rows: Vec<ChoiceRow> = hour_entries::table
        .inner_join(placements::table)
        .inner_join(clauses::table.on(clauses::id.eq(placements::clause_id)))
        .inner_join(contracts::table.on(contracts::id.eq(clauses::contract_id)))
        .inner_join(organisations::table.on(organisations::id.eq(placements::contractor_id)))
        .filter(hour_entries::structure_id.eq(structure_id))
        .filter(hour_entries::status.eq(status))
        .select((
            clauses::id,
            clauses::lot_number,
            contracts::reference,
            contracts::title,
            placements::contractor_id,
            organisations::name,
        ))
        .distinct()
        .load(conn)?;
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
    let months: Vec<Month> = hour_entries::table
        .filter(hour_entries::structure_id.eq(structure_id))
        .filter(hour_entries::status.eq(status))
        .select(hour_entries::month)
        .distinct()
        .order(hour_entries::month.desc())
        .load(conn)?;
    Ok(QueueChoices {
        clauses: by_name(clause_names),
        contractors: by_name(contractor_names),
        months,
    })
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
