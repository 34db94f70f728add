//! The queries of a structure's work list beyond needs and proposals: late reports, entries
//! waiting for validation, the totals of active clauses (their progress), eligibility about
//! to expire, exits without outcome and emails that failed. Each kind is a few indexed
//! queries over the structure, bounded (`limit` rows, plus a count of all), never one a
//! clause or a person.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use crate::db::schema::{
    assignment_month_totals, assignments, clauses, eligibility_validations, milestones, outbox,
    participants, placements,
};
use crate::db::Conn;
use crate::domain::calendar;
use crate::domain::ids::{ClauseId, OrganisationId, StructureId};
use crate::domain::period::Month;
use crate::domain::vocabulary::ClauseStatus;
use crate::store::names::{clause_labels, organisation_names};

/// How many overdue report milestones are read at most, the most recent first: a structure
/// of the national data set has about 7,000 a year.
pub const LATE_MILESTONES_READ: i64 = 20_000;

/// Ids passed at most in one `IN (...)` list (SQLite takes at most 32,766 parameters).
const CHUNK: usize = 10_000;

/// The late reports of one assignment (a contractor on a clause).
#[derive(Debug, Clone)]
pub struct LateReport {
    pub contractor_id: i64,
    pub contractor_name: String,
    pub clause_id: i64,
    pub clause_label: String,
    /// The months owed (`YYYY-MM`), oldest first.
    pub months: Vec<String>,
    /// The earliest due date of the periods owed.
    pub since: NaiveDate,
}

/// The report periods overdue on `today` (due before it, not marked done) of the active
/// clauses of the structure, per assignment, whose owed figures are not all in: each
/// (placement, month) open in the period needs an entry not refused, as the contractor's
/// pages and the reminders count it. The first `limit` late assignments, oldest first, named,
/// and the number of them all: five queries over the structure, and two for the names of
/// those shown.
pub fn late_reports(
    conn: &mut Conn,
    structure_id: StructureId,
    today: NaiveDate,
    limit: usize,
) -> QueryResult<(Vec<LateReport>, i64)> {
    // Each read alone over the structure (through its index): a join lets PostgreSQL hash
    // every structure's clauses or assignments.
    let active: HashSet<i64> = clauses::table
        .filter(clauses::structure_id.eq(structure_id))
        .filter(clauses::status.eq(ClauseStatus::Active))
        .select(clauses::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    if active.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let periods: Vec<(i64, String, NaiveDate)> = milestones::table
        .filter(milestones::structure_id.eq(structure_id))
        .filter(sql::<Bool>(
            "milestones.kind = 'report' AND NOT milestones.manual AND milestones.done_at IS NULL",
        ))
        .filter(milestones::due_on.lt(today))
        .order((milestones::due_on.desc(), milestones::clause_id))
        .limit(LATE_MILESTONES_READ)
        .select((
            milestones::clause_id,
            milestones::period,
            milestones::due_on,
        ))
        .load(conn)?;
    let mut by_clause: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (id, clause, contractor) in assignments::table
        .filter(assignments::structure_id.eq(structure_id))
        .select((
            assignments::id,
            assignments::clause_id,
            assignments::contractor_id,
        ))
        .load::<(i64, i64, i64)>(conn)?
    {
        by_clause.entry(clause).or_default().push((id, contractor));
    }
    // assignment, contractor, clause, period, due date
    let mut rows: Vec<(i64, i64, i64, String, NaiveDate)> = Vec::new();
    for (clause, period, due_on) in periods {
        if !active.contains(&clause) {
            continue;
        }
        for &(assignment, contractor) in by_clause.get(&clause).map(Vec::as_slice).unwrap_or(&[]) {
            rows.push((assignment, contractor, clause, period.clone(), due_on));
        }
    }
    if rows.is_empty() {
        return Ok((Vec::new(), 0));
    }
    type Span = (i64, NaiveDate, Option<NaiveDate>, Option<NaiveDate>);
    // Per assignment, the (start, last day) of each of its placements.
    let mut by_assignment: HashMap<i64, Vec<(NaiveDate, Option<NaiveDate>)>> = HashMap::new();
    // Only the placements of the assignments that owe a period (not every placement of the
    // structure: a large contractor's thousands of current placements owe nothing yet).
    let mut owing: Vec<i64> = rows.iter().map(|r| r.0).collect();
    owing.sort_unstable();
    owing.dedup();
    let mut spans: Vec<Span> = Vec::new();
    for chunk in owing.chunks(CHUNK) {
        spans.extend(
            placements::table
                .filter(placements::assignment_id.eq_any(chunk))
                .filter(placements::cancelled_at.is_null())
                .select((
                    placements::assignment_id,
                    placements::starts_on,
                    placements::ends_on,
                    placements::exit_on,
                ))
                .load::<Span>(conn)?,
        );
    }
    for (a, start, end, exit) in spans {
        by_assignment
            .entry(a)
            .or_default()
            .push((start, exit.or(end)));
    }
    // Each owed period's months and their days, worked out once (thousands of assignments
    // owe the same few periods).
    let mut month_spans: HashMap<String, Vec<(String, NaiveDate, NaiveDate)>> = HashMap::new();
    for r in &rows {
        month_spans
            .entry(r.3.clone())
            .or_insert_with(|| calendar::period_month_spans(&r.3));
    }
    let first_month = month_spans
        .values()
        .filter_map(|months| months.first().map(|m| m.0.clone()))
        .min()
        .unwrap_or_default();
    // The reports in per assignment and month, from the kept counts (not the entries: a
    // contractor's import of 50,000 current entries is no late report's business).
    let mut reported: HashMap<i64, HashMap<String, i64>> = HashMap::new();
    for chunk in owing.chunks(CHUNK) {
        for (a, m, n) in assignment_month_totals::table
            .filter(assignment_month_totals::assignment_id.eq_any(chunk))
            .filter(assignment_month_totals::month.ge(&first_month))
            .filter(assignment_month_totals::reported_entries.gt(0))
            .select((
                assignment_month_totals::assignment_id,
                assignment_month_totals::month,
                assignment_month_totals::reported_entries,
            ))
            .load::<(i64, String, i64)>(conn)?
        {
            reported.entry(a).or_default().insert(m, n);
        }
    }
    let mut out: Vec<LateReport> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for (assignment, contractor, clause, period, due_on) in rows {
        let spans = by_assignment
            .get(&assignment)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let months = month_spans.get(&period).map(Vec::as_slice).unwrap_or(&[]);
        let open: Vec<(String, i64)> = months
            .iter()
            .map(|(m, first, last)| {
                let placed = spans
                    .iter()
                    .filter(|&&(start, end)| calendar::open_between(start, end, *first, *last))
                    .count();
                (m.clone(), i64::try_from(placed).unwrap_or(i64::MAX))
            })
            .collect();
        let short = calendar::months_short(&open, |m| {
            reported
                .get(&assignment)
                .and_then(|months| months.get(m))
                .copied()
                .unwrap_or(0)
        });
        let Some(short) = short.filter(|s| !s.is_empty()) else {
            continue;
        };
        let at = *index.entry(assignment).or_insert_with(|| {
            out.push(LateReport {
                contractor_id: contractor,
                contractor_name: String::new(),
                clause_id: clause,
                clause_label: String::new(),
                months: Vec::new(),
                since: due_on,
            });
            out.len() - 1
        });
        let line = &mut out[at];
        line.since = line.since.min(due_on);
        for m in short {
            if !line.months.contains(&m) {
                line.months.push(m);
            }
        }
    }
    let total = i64::try_from(out.len()).unwrap_or(i64::MAX);
    out.sort_by(|a, b| a.since.cmp(&b.since).then(a.clause_id.cmp(&b.clause_id)));
    out.truncate(limit);
    let clause_ids: Vec<ClauseId> = out.iter().map(|l| ClauseId(l.clause_id)).collect();
    let labels = clause_labels(conn, &clause_ids)?;
    let org_ids: Vec<OrganisationId> = out
        .iter()
        .map(|l| OrganisationId(l.contractor_id))
        .collect();
    let names = organisation_names(conn, &org_ids)?;
    for line in &mut out {
        line.months.sort();
        line.clause_label = labels
            .get(&ClauseId(line.clause_id))
            .cloned()
            .unwrap_or_default();
        line.contractor_name = names
            .get(&OrganisationId(line.contractor_id))
            .cloned()
            .unwrap_or_default();
    }
    Ok((out, total))
}

/// The entries waiting for validation of one contractor.
#[derive(Debug, Clone)]
pub struct WaitingEntries {
    pub contractor_id: i64,
    pub contractor_name: String,
    pub entries: i64,
    /// The oldest month with an entry waiting (`YYYY-MM`).
    pub oldest_month: String,
}

/// Per contractor of the structure, the entries waiting for validation and the oldest month
/// they are of, from the kept counts per assignment and month (the partial index on
/// `pending_entries > 0`), oldest first.
pub fn waiting_entries(
    conn: &mut Conn,
    structure_id: StructureId,
) -> QueryResult<Vec<WaitingEntries>> {
    let rows: Vec<(i64, i64, String)> = assignment_month_totals::table
        .inner_join(
            assignments::table.on(assignments::id.eq(assignment_month_totals::assignment_id)),
        )
        .filter(assignments::structure_id.eq(structure_id))
        .filter(sql::<Bool>("assignment_month_totals.pending_entries > 0"))
        .group_by(assignments::contractor_id)
        .select((
            assignments::contractor_id,
            sql::<BigInt>("CAST(SUM(assignment_month_totals.pending_entries) AS BIGINT)"),
            sql::<Text>("MIN(assignment_month_totals.month)"),
        ))
        .load(conn)?;
    let ids: Vec<OrganisationId> = rows.iter().map(|r| OrganisationId(r.0)).collect();
    let names = organisation_names(conn, &ids)?;
    let mut out: Vec<WaitingEntries> = rows
        .into_iter()
        .map(|(contractor_id, entries, oldest_month)| WaitingEntries {
            contractor_id,
            contractor_name: names
                .get(&OrganisationId(contractor_id))
                .cloned()
                .unwrap_or_default(),
            entries,
            oldest_month,
        })
        .collect();
    out.sort_by(|a, b| {
        a.oldest_month
            .cmp(&b.oldest_month)
            .then(a.contractor_name.cmp(&b.contractor_name))
    });
    Ok(out)
}

/// An active clause with its validated hours up to a month, for its progress.
#[derive(Debug, Clone)]
pub struct ClauseHours {
    pub clause_id: i64,
    pub required_hours: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub validated: i64,
}

/// The active clauses of the structure that have started by `today`, with their validated
/// hours of the months up to `today`'s month summed over their assignments (the maintained
/// totals): three queries, whatever the number of clauses (name those shown with
/// `store::names::clause_labels`).
pub fn active_clause_hours(
    conn: &mut Conn,
    structure_id: StructureId,
    today: NaiveDate,
) -> QueryResult<Vec<ClauseHours>> {
    type Row = (i64, i64, NaiveDate, NaiveDate);
    let rows: Vec<Row> = clauses::table
        .filter(clauses::structure_id.eq(structure_id))
        .filter(clauses::status.eq(ClauseStatus::Active))
        .filter(clauses::starts_on.le(today))
        .select((
            clauses::id,
            clauses::required_hours,
            clauses::starts_on,
            clauses::ends_on,
        ))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let validated = if conn.is_sqlite() {
        validated_by_clause_joined(conn, structure_id, today)?
    } else {
        validated_by_clause_listed(conn, structure_id, today)?
    };
    Ok(rows
        .into_iter()
        .map(
            |(clause_id, required_hours, starts_on, ends_on)| ClauseHours {
                clause_id,
                required_hours,
                starts_on,
                ends_on,
                validated: validated.get(&clause_id).copied().unwrap_or(0),
            },
        )
        .collect())
}

/// Validated hours per clause of the structure up to `today`'s month, in one joined query
/// (SQLite walks the structure's assignments by index, then each one's months by key).
fn validated_by_clause_joined(
    conn: &mut Conn,
    structure_id: StructureId,
    today: NaiveDate,
) -> QueryResult<HashMap<i64, i64>> {
    Ok(assignment_month_totals::table
        .inner_join(
            assignments::table.on(assignments::id.eq(assignment_month_totals::assignment_id)),
        )
        .filter(assignments::structure_id.eq(structure_id))
        .filter(assignment_month_totals::month.le(Month::of(today)))
        .group_by(assignments::clause_id)
        .select((
            assignments::clause_id,
            sql::<BigInt>("CAST(COALESCE(SUM(assignment_month_totals.validated), 0) AS BIGINT)"),
        ))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

/// The same, the structure's assignments first, then their totals by primary key: a join
/// lets PostgreSQL scan every structure's totals.
fn validated_by_clause_listed(
    conn: &mut Conn,
    structure_id: StructureId,
    today: NaiveDate,
) -> QueryResult<HashMap<i64, i64>> {
    let clause_of: HashMap<i64, i64> = assignments::table
        .filter(assignments::structure_id.eq(structure_id))
        .select((assignments::id, assignments::clause_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<i64> = clause_of.keys().copied().collect();
    let mut validated: HashMap<i64, i64> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sums: Vec<(i64, i64)> = assignment_month_totals::table
            .filter(assignment_month_totals::assignment_id.eq_any(chunk))
            .filter(assignment_month_totals::month.le(Month::of(today)))
            .group_by(assignment_month_totals::assignment_id)
            .select((
                assignment_month_totals::assignment_id,
                sql::<BigInt>(
                    "CAST(COALESCE(SUM(assignment_month_totals.validated), 0) AS BIGINT)",
                ),
            ))
            .load(conn)?;
        for (assignment, hours) in sums {
            if let Some(clause) = clause_of.get(&assignment) {
                *validated.entry(*clause).or_insert(0) += hours;
            }
        }
    }
    Ok(validated)
}

/// An eligibility validation about to end.
#[derive(Debug, Clone)]
pub struct Expiring {
    pub participant_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub valid_until: NaiveDate,
}

/// The people of the structure whose eligibility ends between `today` and `until` (both
/// included), not withdrawn, and not renewed (no other validation of theirs lasting past
/// `until`), who are still placed on `today` or waiting for work; soonest first, at most
/// `limit`, with the number of them all.
pub fn expiring_eligibility(
    conn: &mut Conn,
    structure_id: StructureId,
    today: NaiveDate,
    until: NaiveDate,
    limit: usize,
) -> QueryResult<(Vec<Expiring>, i64)> {
    // The validations first (few, through their index), then their people by id: a join
    // lets PostgreSQL scan every participant.
    let ending: Vec<(i64, NaiveDate)> = eligibility_validations::table
        .filter(eligibility_validations::structure_id.eq(structure_id))
        .filter(eligibility_validations::withdrawn_at.is_null())
        .filter(eligibility_validations::valid_until.ge(today))
        .filter(eligibility_validations::valid_until.le(until))
        .order((
            eligibility_validations::valid_until,
            eligibility_validations::participant_id,
        ))
        .select((
            eligibility_validations::participant_id,
            eligibility_validations::valid_until,
        ))
        .load(conn)?;
    if ending.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let people_ids: Vec<i64> = ending
        .iter()
        .map(|r| r.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    type Person = (i64, Option<String>, Option<String>, bool);
    let mut people: HashMap<i64, Person> = HashMap::new();
    for chunk in people_ids.chunks(CHUNK) {
        let found: Vec<Person> = participants::table
            .filter(participants::id.eq_any(chunk))
            .filter(participants::structure_id.eq(structure_id))
            .filter(participants::anonymised_at.is_null())
            .select((
                participants::id,
                participants::first_name,
                participants::last_name,
                participants::looking_for_work,
            ))
            .load(conn)?;
        people.extend(found.into_iter().map(|p| (p.0, p)));
    }
    type Row = (i64, Option<String>, Option<String>, bool, NaiveDate);
    let rows: Vec<Row> = ending
        .into_iter()
        .filter_map(|(id, until)| {
            let (_, first, last, looking) = people.get(&id)?.clone();
            Some((id, first, last, looking, until))
        })
        .collect();
    if rows.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let renewed: HashSet<i64> = eligibility_validations::table
        .filter(eligibility_validations::participant_id.eq_any(&ids))
        .filter(eligibility_validations::withdrawn_at.is_null())
        .filter(eligibility_validations::valid_until.gt(until))
        .select(eligibility_validations::participant_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let placed: HashSet<i64> = placements::table
        .filter(placements::participant_id.eq_any(&ids))
        .filter(placements::cancelled_at.is_null())
        .filter(placements::exit_outcome.is_null())
        .filter(placements::starts_on.le(today))
        .filter(
            placements::exit_on
                .is_null()
                .or(placements::exit_on.ge(today)),
        )
        .filter(
            placements::ends_on
                .is_null()
                .or(placements::ends_on.ge(today)),
        )
        .select(placements::participant_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let mut seen = HashSet::new();
    let all: Vec<Expiring> = rows
        .into_iter()
        .filter(|r| !renewed.contains(&r.0) && (r.3 || placed.contains(&r.0)))
        .filter(|r| seen.insert(r.0))
        .map(
            |(participant_id, first_name, last_name, _, valid_until)| Expiring {
                participant_id,
                first_name,
                last_name,
                valid_until,
            },
        )
        .collect();
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    Ok((all.into_iter().take(limit).collect(), total))
}

/// A placement that ended without an exit outcome.
#[derive(Debug, Clone)]
pub struct MissingExit {
    pub placement_id: i64,
    pub participant_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub contractor_name: String,
    /// The exit date, else the planned end.
    pub ended_on: NaiveDate,
}

/// The placements of the structure, not cancelled, whose exit date (else planned end) is
/// before `today` and that have no exit outcome; oldest first, at most `limit`, with the
/// number of them all.
pub fn exits_without_outcome(
    conn: &mut Conn,
    structure_id: StructureId,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<(Vec<MissingExit>, i64)> {
    let ended = || {
        placements::exit_on.lt(today).or(placements::exit_on
            .is_null()
            .and(placements::ends_on.lt(today)))
    };
    let total: i64 = placements::table
        .filter(placements::structure_id.eq(structure_id))
        .filter(placements::cancelled_at.is_null())
        .filter(placements::exit_outcome.is_null())
        .filter(ended())
        .count()
        .get_result(conn)?;
    if total == 0 {
        return Ok((Vec::new(), 0));
    }
    // The placements alone (through the partial index), then their people and contractors
    // by id: a join lets PostgreSQL hash every participant.
    type Row = (i64, i64, i64, Option<NaiveDate>, Option<NaiveDate>);
    let rows: Vec<Row> = placements::table
        .filter(placements::structure_id.eq(structure_id))
        .filter(placements::cancelled_at.is_null())
        .filter(placements::exit_outcome.is_null())
        .filter(ended())
        .order((
            placements::exit_on.asc(),
            placements::ends_on.asc(),
            placements::id,
        ))
        .limit(limit)
        .select((
            placements::id,
            placements::participant_id,
            placements::contractor_id,
            placements::exit_on,
            placements::ends_on,
        ))
        .load(conn)?;
    let people_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let people: HashMap<i64, (Option<String>, Option<String>)> = participants::table
        .filter(participants::id.eq_any(&people_ids))
        .select((
            participants::id,
            participants::first_name,
            participants::last_name,
        ))
        .load::<(i64, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, first, last)| (id, (first, last)))
        .collect();
    let org_ids: Vec<OrganisationId> = rows.iter().map(|r| OrganisationId(r.2)).collect();
    let names = organisation_names(conn, &org_ids)?;
    let mut out: Vec<MissingExit> = rows
        .into_iter()
        .filter_map(|(placement_id, participant_id, contractor, exit, end)| {
            let (first_name, last_name) = people.get(&participant_id).cloned()?;
            Some(MissingExit {
                placement_id,
                participant_id,
                first_name,
                last_name,
                contractor_name: names
                    .get(&OrganisationId(contractor))
                    .cloned()
                    .unwrap_or_default(),
                ended_on: exit.or(end)?,
            })
        })
        .collect();
    out.sort_by_key(|m| (m.ended_on, m.placement_id));
    Ok((out, total))
}

/// The failed state as a literal, as the partial index `outbox_failed` states it.
const FAILED: &str = "outbox.status = 'failed'";

/// An email of the outbox that failed.
#[derive(Debug, Clone)]
pub struct FailedEmail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
}

/// The emails of the structure that failed (the outbox rows in `failed` state), oldest
/// first, at most `limit`, with the number of them all.
pub fn failed_emails(
    conn: &mut Conn,
    structure_id: StructureId,
    limit: i64,
) -> QueryResult<(Vec<FailedEmail>, i64)> {
    let total: i64 = outbox::table
        .filter(outbox::structure_id.eq(structure_id))
        .filter(sql::<Bool>(FAILED))
        .count()
        .get_result(conn)?;
    if total == 0 {
        return Ok((Vec::new(), 0));
    }
    let rows: Vec<(i64, String, String, i32, NaiveDateTime)> = outbox::table
        .filter(outbox::structure_id.eq(structure_id))
        .filter(sql::<Bool>(FAILED))
        .order((outbox::created_at, outbox::id))
        .limit(limit)
        .select((
            outbox::id,
            outbox::recipient_email,
            outbox::subject_line,
            outbox::attempts,
            outbox::created_at,
        ))
        .load(conn)?;
    Ok((
        rows.into_iter()
            .map(
                |(id, recipient, subject, attempts, created_at)| FailedEmail {
                    id,
                    recipient,
                    subject,
                    attempts,
                    created_at,
                },
            )
            .collect(),
        total,
    ))
}

#[cfg(test)]
mod tests {
    use crate::domain::vocabulary::OutboxStatus;

    #[test]
    fn the_failed_literal_is_the_failed_state() {
        assert_eq!(
            super::FAILED,
            format!("outbox.status = '{}'", OutboxStatus::Failed.as_str())
        );
    }
}
