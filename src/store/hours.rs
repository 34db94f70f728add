//! Monthly hour entries: the queries of reports, amendments, validations, their history, and
//! of the totals kept current in the same transaction (per assignment and month for
//! progress, per placement and year for reports). The rules live in `domain::hours`, the use
//! cases in `app::hours`.

use foldhash::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::QueryResult;
use serde::Serialize;

use crate::db::schema::{
    assignment_month_totals, hour_entries, hour_entry_changes, placement_year_totals, placements,
};
use crate::db::Conn;
use crate::domain::hours::{EntryFigures, EntryStatus, OpenPeriod, StoredEntry};
use crate::domain::ids::{
    AssignmentId, ClauseId, HourEntryId, OrganisationId, ParticipantId, PlacementId, StructureId,
    UserId,
};
use crate::domain::period::Month;
use crate::domain::units::{ser_hundredths, ser_opt_hundredths};
use crate::domain::vocabulary::HistoryAction;
use crate::per_backend;
use crate::store::clauses::{Assignment, Clause};
use crate::store::history::{changes_between, object_in_hours, By, HistoryEntry};
use crate::store::names::{clause_label, person_name};
use crate::store::placements::Placement;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = hour_entries)]
pub struct HourEntry {
    pub id: HourEntryId,
    #[serde(skip)]
    pub structure_id: StructureId,
    pub placement_id: PlacementId,
    #[serde(skip)]
    pub participant_id: ParticipantId,
    /// `YYYY-MM`.
    #[schema(value_type = String, example = "2026-04")]
    pub month: Month,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub work_hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub training_hours: i64,
    pub status: EntryStatus,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub validated_work: Option<i64>,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub validated_training: Option<i64>,
    pub amendment_reason: Option<String>,
    pub rejection_reason: Option<String>,
    pub submitted_by: UserId,
    pub submitted_at: chrono::NaiveDateTime,
    pub validated_by: Option<UserId>,
    pub validated_at: Option<chrono::NaiveDateTime>,
}

impl HourEntry {
    /// The figures the rules read.
    pub fn figures(&self) -> EntryFigures {
        EntryFigures {
            id: self.id.0,
            work: self.work_hours,
            training: self.training_hours,
            status: self.status,
            validated_work: self.validated_work,
            validated_training: self.validated_training,
        }
    }
}

/// Rows per statement: 9 values a row stays far below SQLite's 32,766 bound parameters.
pub const CHUNK: usize = 500;

/// Ids per lookup of a batch's placements and people: SQLite's chunk, and on PostgreSQL
/// 10,000 (within its 65,535 bound parameters), so that an import's 5,000 people take one
/// round trip per lookup instead of ten.
fn id_chunk(conn: &Conn) -> usize {
    if conn.is_sqlite() {
        CHUNK
    } else {
        10_000
    }
}

pub fn find(
    conn: &mut Conn,
    placement_id: PlacementId,
    month: Month,
) -> QueryResult<Option<HourEntry>> {
    hour_entries::table
        .filter(hour_entries::placement_id.eq(placement_id))
        .filter(hour_entries::month.eq(month))
        .select(HourEntry::as_select())
        .first(conn)
        .optional()
}

/// The entries of a month of these placements of the structure (at most one each): one
/// query, through the (placement, month) key.
pub fn of_placements_in_month(
    conn: &mut Conn,
    structure_id: StructureId,
    ids: &[PlacementId],
    month: Month,
) -> QueryResult<Vec<HourEntry>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            hour_entries::table
                .filter(hour_entries::placement_id.eq_any(chunk))
                .filter(hour_entries::month.eq(month))
                .filter(hour_entries::structure_id.eq(structure_id))
                .select(HourEntry::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The entry of the structure, if any.
pub fn get(
    conn: &mut Conn,
    structure_id: StructureId,
    id: HourEntryId,
) -> QueryResult<Option<HourEntry>> {
    hour_entries::table
        .filter(hour_entries::id.eq(id))
        .filter(hour_entries::structure_id.eq(structure_id))
        .select(HourEntry::as_select())
        .first(conn)
        .optional()
}

/// What a batch of hours needs of a placement: whose it is, where its hours count, and
/// the days it covers.
#[derive(Debug, Clone, Copy)]
pub struct BatchPlacement {
    pub id: PlacementId,
    pub structure_id: StructureId,
    pub participant_id: ParticipantId,
    pub assignment_id: AssignmentId,
    pub starts_on: NaiveDate,
    /// The last day worked: the exit date when there is one, else the planned end.
    pub ends_on: Option<NaiveDate>,
}

impl BatchPlacement {
    pub fn of(p: &Placement) -> Self {
        BatchPlacement {
            id: p.id,
            structure_id: p.structure_id,
            participant_id: p.participant_id,
            assignment_id: p.assignment_id,
            starts_on: p.starts_on,
            ends_on: p.effective_end(),
        }
    }
}

/// id, structure, person, assignment, contractor, employer, start, planned end, exit.
type BatchPlacementRow = (
    PlacementId,
    StructureId,
    ParticipantId,
    AssignmentId,
    OrganisationId,
    OrganisationId,
    NaiveDate,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

/// The placements of the structure among `ids` that the caller may report on (a contractor:
/// those it is the contractor or employer of), with only the columns a batch uses (the
/// whole placement, names and snapshot included, took twice as long for 5,000).
pub fn visible_placements(
    conn: &mut Conn,
    structure_id: StructureId,
    ids: &[PlacementId],
    contractor: Option<OrganisationId>,
) -> QueryResult<Vec<BatchPlacement>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(id_chunk(conn)) {
        let rows: Vec<BatchPlacementRow> = placements::table
            .filter(placements::structure_id.eq(structure_id))
            .filter(placements::id.eq_any(chunk))
            // A cancelled placement takes no more hours.
            .filter(placements::cancelled_at.is_null())
            .select((
                placements::id,
                placements::structure_id,
                placements::participant_id,
                placements::assignment_id,
                placements::contractor_id,
                placements::employer_id,
                placements::starts_on,
                placements::ends_on,
                placements::exit_on,
            ))
            .load(conn)?;
        for (
            id,
            structure_id,
            participant_id,
            assignment_id,
            contractor_id,
            employer_id,
            starts_on,
            ends_on,
            exit_on,
        ) in rows
        {
            if contractor.is_none_or(|org| contractor_id == org || employer_id == org) {
                out.push(BatchPlacement {
                    id,
                    structure_id,
                    participant_id,
                    assignment_id,
                    starts_on,
                    ends_on: exit_on.or(ends_on),
                });
            }
        }
    }
    Ok(out)
}

/// The dates of every placement of these people, for their monthly caps.
pub fn periods_of_people(
    conn: &mut Conn,
    people: &[ParticipantId],
) -> QueryResult<HashMap<i64, Vec<OpenPeriod>>> {
    let mut periods: HashMap<i64, Vec<OpenPeriod>> = HashMap::default();
    for chunk in people.chunks(id_chunk(conn)) {
        let rows: Vec<(i64, NaiveDate, Option<NaiveDate>, Option<NaiveDate>)> = placements::table
            .filter(placements::participant_id.eq_any(chunk))
            .filter(placements::cancelled_at.is_null())
            .select((
                placements::participant_id,
                placements::starts_on,
                placements::ends_on,
                placements::exit_on,
            ))
            .load(conn)?;
        for (person, starts_on, ends_on, exit_on) in rows {
            periods
                .entry(person)
                .or_default()
                .push((starts_on, exit_on.or(ends_on)));
        }
    }
    Ok(periods)
}

/// id, placement, person, month, work, training, status, validated work and training.
type StoredFigures = (
    i64,
    i64,
    i64,
    Month,
    i64,
    i64,
    EntryStatus,
    Option<i64>,
    Option<i64>,
);

/// Months a batch may name and still be read month by month; a file naming more (a hostile
/// one) reads the people's every entry instead of binding that many parameters.
const MONTHS_NAMED: usize = 240;

/// The entries of these people in these months (every month when more than
/// [`MONTHS_NAMED`] are given): the existing figures and the monthly cap's sums. A batch
/// only ever meets the entries of its own months, whatever the history.
pub fn entries_of_people(
    conn: &mut Conn,
    people: &[ParticipantId],
    months: &[Month],
) -> QueryResult<Vec<StoredEntry>> {
    let mut out = Vec::new();
    if months.is_empty() {
        return Ok(out);
    }
    let named: Vec<String> = months.iter().map(Month::to_string).collect();
    for chunk in people.chunks(id_chunk(conn)) {
        let mut q = hour_entries::table
            .filter(hour_entries::participant_id.eq_any(chunk))
            .into_boxed();
        if named.len() <= MONTHS_NAMED {
            q = q.filter(hour_entries::month.eq_any(&named));
        }
        let stored: Vec<StoredFigures> = q
            .select((
                hour_entries::id,
                hour_entries::placement_id,
                hour_entries::participant_id,
                hour_entries::month,
                hour_entries::work_hours,
                hour_entries::training_hours,
                hour_entries::status,
                hour_entries::validated_work,
                hour_entries::validated_training,
            ))
            .load(conn)?;
        for (id, placement, person, month, work, training, status, vw, vt) in stored {
            out.push(StoredEntry {
                placement_id: placement,
                participant_id: person,
                month,
                figures: EntryFigures {
                    id,
                    work,
                    training,
                    status,
                    validated_work: vw,
                    validated_training: vt,
                },
            });
        }
    }
    Ok(out)
}

/// A new entry to insert.
pub struct NewEntry {
    pub structure_id: StructureId,
    pub placement_id: PlacementId,
    pub participant_id: ParticipantId,
    pub month: Month,
    pub work: i64,
    pub training: i64,
}

/// Rows a writer of a batch takes at once: SQLite's bound-parameter limit; on PostgreSQL
/// `COPY` and array statements take any number, so a whole import is one round trip each.
pub fn chunk_for(conn: &Conn) -> usize {
    if conn.is_sqlite() {
        CHUNK
    } else {
        usize::MAX
    }
}

/// Inserts new submitted entries with their `submit` history lines. On PostgreSQL, past a
/// few lines, the entries go in one `COPY` with ids drawn beforehand, and their history in
/// one `INSERT … SELECT` over the ids and figures sent as three arrays, the database writing
/// each snapshot (a `COPY` of whole history rows was no faster and built 50,000 strings
/// here); otherwise multi-row inserts, and the history as every line is written.
pub fn insert_submitted(
    conn: &mut Conn,
    entries: &[NewEntry],
    drawn: &[HourEntryId],
    user_id: UserId,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    if draws_entry_ids(conn, entries.len()) {
        // Ids drawn beforehand (`draw_entry_ids`), else now.
        let drawn_now;
        let ids = match drawn.get(..entries.len()) {
            Some(ids) => ids,
            None => {
                drawn_now = draw_entry_ids(conn, entries.len())?;
                &drawn_now
            }
        };
        if let Conn::Pg(c) = &mut *conn {
            return copy_submitted(c, entries, ids, user_id, at);
        }
    }
    let mut stored: HashMap<(PlacementId, Month), HourEntryId> = HashMap::default();
    for chunk in entries.chunks(CHUNK) {
        let values: Vec<_> = chunk
            .iter()
            .map(|e| {
                (
                    hour_entries::structure_id.eq(e.structure_id),
                    hour_entries::placement_id.eq(e.placement_id),
                    hour_entries::participant_id.eq(e.participant_id),
                    hour_entries::month.eq(e.month),
                    hour_entries::work_hours.eq(e.work),
                    hour_entries::training_hours.eq(e.training),
                    hour_entries::status.eq(EntryStatus::Submitted),
                    hour_entries::submitted_by.eq(user_id),
                    hour_entries::submitted_at.eq(at),
                )
            })
            .collect();
        let ids: Vec<(HourEntryId, PlacementId, Month)> =
            per_backend!(conn, |c| diesel::insert_into(hour_entries::table)
                .values(&values)
                .returning((
                    hour_entries::id,
                    hour_entries::placement_id,
                    hour_entries::month
                ))
                .get_results(c))?;
        stored.extend(ids.into_iter().map(|(id, p, m)| ((p, m), id)));
    }
    let history: Vec<NewChange<'_>> = entries
        .iter()
        .filter_map(|e| {
            let id = *stored.get(&(e.placement_id, e.month))?;
            Some(NewChange {
                entry_id: id,
                before: None,
                after: EntryFigures::new_entry(id.0, e.work, e.training).snapshot(),
                action: HistoryAction::Submit,
                reason: None,
            })
        })
        .collect();
    for chunk in history.chunks(CHUNK) {
        write_history(conn, user_id, at, chunk)?;
    }
    Ok(())
}

/// Whether `n` new entries are copied with ids drawn beforehand (PostgreSQL, past a few).
pub fn draws_entry_ids(conn: &Conn, n: usize) -> bool {
    !conn.is_sqlite() && n > FEW_LINES
}

/// PostgreSQL, past a few entries: `n` ids drawn from the entries' sequence in one query
/// (the sequence named once, in a sub-select: named in the call, its lookup ran for each of
/// 50,000 rows). Elsewhere none: inserts return their ids.
pub fn draw_entry_ids(conn: &mut Conn, n: usize) -> QueryResult<Vec<HourEntryId>> {
    #[derive(diesel::QueryableByName)]
    struct Drawn {
        #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::BigInt>)]
        ids: Vec<i64>,
    }
    if !draws_entry_ids(conn, n) {
        return Ok(Vec::new());
    }
    let Conn::Pg(c) = conn else {
        return Ok(Vec::new());
    };
    let t = std::time::Instant::now();
    // One array rather than 50,000 rows: one message to read instead of a row each.
    let drawn: Drawn = diesel::sql_query(
        "SELECT array_agg(nextval((SELECT pg_get_serial_sequence('hour_entries', 'id')::regclass))) \
         AS ids FROM generate_series(1, $1)",
    )
    .bind::<diesel::sql_types::BigInt, _>(n as i64)
    .get_result(c)?;
    tracing::debug!(
        "hours batch: {n} ids drawn {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(drawn.ids.into_iter().map(HourEntryId).collect())
}

/// The snapshot [`EntryFigures::snapshot`] writes for a new entry, as PostgreSQL builds it
/// from the columns `v.work` and `v.training` (`tests/api/hours_history_text.rs` holds the
/// two texts equal).
const SUBMITTED_SNAPSHOT_SQL: &str =
    "'{\"status\":\"submitted\",\"training_hours\":' || v.training \
     || ',\"work_hours\":' || v.work || '}'";

/// PostgreSQL: one `COPY` of the entries with their ids, then one `INSERT … SELECT` of their
/// history lines from three arrays (ids, work, training).
fn copy_submitted(
    c: &mut diesel::PgConnection,
    entries: &[NewEntry],
    ids: &[HourEntryId],
    user_id: UserId,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Text, Timestamp};
    let t = std::time::Instant::now();
    let rows: Vec<_> = entries
        .iter()
        .zip(ids)
        .map(|(e, id)| {
            (
                hour_entries::id.eq(*id),
                hour_entries::structure_id.eq(e.structure_id),
                hour_entries::placement_id.eq(e.placement_id),
                hour_entries::participant_id.eq(e.participant_id),
                hour_entries::month.eq(e.month),
                hour_entries::work_hours.eq(e.work),
                hour_entries::training_hours.eq(e.training),
                hour_entries::status.eq(EntryStatus::Submitted),
                hour_entries::submitted_by.eq(user_id),
                hour_entries::submitted_at.eq(at),
            )
        })
        .collect();
    diesel::copy_from(hour_entries::table)
        .from_insertable(rows)
        .execute(c)?;
    tracing::debug!(
        "hours batch: copied {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let column = |f: fn(&NewEntry) -> i64| entries.iter().map(f).collect::<Vec<_>>();
    diesel::sql_query(format!(
        "INSERT INTO hour_entry_changes (entry_id, at, user_id, action, after_value) \
         SELECT v.id, $4, $5, $6, {SUBMITTED_SNAPSHOT_SQL} \
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, work, training)"
    ))
    .bind::<Array<BigInt>, _>(ids.iter().map(|id| id.0).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(column(|e| e.work))
    .bind::<Array<BigInt>, _>(column(|e| e.training))
    .bind::<Timestamp, _>(at)
    .bind::<BigInt, _>(user_id)
    .bind::<Text, _>(HistoryAction::Submit.as_str())
    .execute(c)?;
    tracing::debug!(
        "hours batch: history {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

/// A new figure for an existing entry.
pub struct Replacement<'a> {
    pub id: HourEntryId,
    pub work: i64,
    pub training: i64,
    /// The reason of an amendment of a validated figure (kept on the entry).
    pub amendment_reason: Option<&'a str>,
}

/// Replaces the figures of existing entries, one statement per chunk: each goes back to
/// `submitted` with the new figures (the validated ones stay until the next validation).
pub fn replace_figures(
    conn: &mut Conn,
    rows: &[Replacement<'_>],
    user_id: UserId,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
    const SET: &str = "status = 'submitted', rejection_reason = NULL";
    for rows in rows.chunks(CHUNK) {
        match &mut *conn {
            Conn::Pg(c) => {
                let column =
                    |f: fn(&Replacement<'_>) -> i64| rows.iter().map(f).collect::<Vec<_>>();
                let reasons: Vec<Option<String>> = rows
                    .iter()
                    .map(|r| r.amendment_reason.map(str::to_string))
                    .collect();
                diesel::sql_query(format!(
                    "UPDATE hour_entries SET work_hours = v.work, training_hours = v.training, \
                     amendment_reason = v.reason, {SET}, submitted_by = $5, submitted_at = $6 \
                     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[]) \
                     AS v(id, work, training, reason) WHERE hour_entries.id = v.id"
                ))
                .bind::<Array<BigInt>, _>(column(|r| r.id.0))
                .bind::<Array<BigInt>, _>(column(|r| r.work))
                .bind::<Array<BigInt>, _>(column(|r| r.training))
                .bind::<Array<Nullable<Text>>, _>(reasons)
                .bind::<BigInt, _>(user_id)
                .bind::<Timestamp, _>(at)
                .execute(c)?;
            }
            Conn::Sqlite(c) => {
                let values = vec!["(?, ?, ?, ?)"; rows.len()].join(", ");
                let mut q = diesel::sql_query(format!(
                    "UPDATE hour_entries SET work_hours = v.column2, training_hours = v.column3, \
                     amendment_reason = v.column4, {SET}, submitted_by = ?, submitted_at = ? \
                     FROM (VALUES {values}) AS v WHERE hour_entries.id = v.column1"
                ))
                .into_boxed()
                .bind::<BigInt, _>(user_id)
                .bind::<Timestamp, _>(at);
                for r in rows {
                    q = q
                        .bind::<BigInt, _>(r.id)
                        .bind::<BigInt, _>(r.work)
                        .bind::<BigInt, _>(r.training)
                        .bind::<Nullable<Text>, _>(r.amendment_reason.map(str::to_string));
                }
                q.execute(c)?;
            }
        }
    }
    Ok(())
}

/// The people of these entries of the structure (one per entry found).
pub fn people_of_entries(
    conn: &mut Conn,
    structure_id: StructureId,
    entry_ids: &[HourEntryId],
) -> QueryResult<Vec<ParticipantId>> {
    let mut people = Vec::new();
    for chunk in entry_ids.chunks(CHUNK) {
        people.extend(
            hour_entries::table
                .filter(hour_entries::id.eq_any(chunk))
                .filter(hour_entries::structure_id.eq(structure_id))
                .select(hour_entries::participant_id)
                .load::<ParticipantId>(conn)?,
        );
    }
    Ok(people)
}

/// Stores a decision's figures on an entry: validated (the validated figures set to the
/// reported ones), an amendment rejected (the validated figure stands), or rejected.
pub fn validate(
    conn: &mut Conn,
    e: &HourEntry,
    user_id: UserId,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(hour_entries::table.filter(hour_entries::id.eq(e.id)))
        .set((
            hour_entries::status.eq(EntryStatus::Validated),
            hour_entries::validated_work.eq(e.work_hours),
            hour_entries::validated_training.eq(e.training_hours),
            hour_entries::validated_by.eq(user_id),
            hour_entries::validated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A rejected amendment: the entry goes back to its validated figures.
pub fn restore_validated(
    conn: &mut Conn,
    id: HourEntryId,
    work: i64,
    training: i64,
    reason: Option<&str>,
) -> QueryResult<()> {
    diesel::update(hour_entries::table.filter(hour_entries::id.eq(id)))
        .set((
            hour_entries::status.eq(EntryStatus::Validated),
            hour_entries::work_hours.eq(work),
            hour_entries::training_hours.eq(training),
            hour_entries::rejection_reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn reject(conn: &mut Conn, id: HourEntryId, reason: Option<&str>) -> QueryResult<()> {
    diesel::update(hour_entries::table.filter(hour_entries::id.eq(id)))
        .set((
            hour_entries::status.eq(EntryStatus::Rejected),
            hour_entries::rejection_reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(())
}

/// What a change adds to the kept totals of an assignment and month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthDelta {
    /// Validated hours (hundredths).
    pub validated: i64,
    /// Hours waiting for validation.
    pub pending: i64,
    /// Entries waiting for validation (a 0 h entry waits too).
    pub waiting: i64,
    /// Entries not refused: the placements whose report of the month is in.
    pub reported: i64,
}

impl MonthDelta {
    fn is_zero(&self) -> bool {
        *self == MonthDelta::default()
    }
}

/// Adds deltas to the maintained totals of many assignments and months: one statement on
/// PostgreSQL (an import touches thousands), one pair per row on SQLite.
pub fn add_to_assignment_months(
    conn: &mut Conn,
    rows: &[(AssignmentId, Month, MonthDelta)],
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Text};
    let rows: Vec<_> = rows.iter().filter(|r| !r.2.is_zero()).collect();
    match &mut *conn {
        Conn::Pg(c) if rows.len() > FEW_LINES => {
            let column =
                |f: fn(&MonthDelta) -> i64| rows.iter().map(|r| f(&r.2)).collect::<Vec<_>>();
            let months: Vec<String> = rows.iter().map(|r| r.1.to_string()).collect();
            diesel::sql_query(
                "INSERT INTO assignment_month_totals \
                 (assignment_id, month, validated, pending, pending_entries, reported_entries) \
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) \
                 ON CONFLICT (assignment_id, month) DO UPDATE SET \
                 validated = assignment_month_totals.validated + excluded.validated, \
                 pending = assignment_month_totals.pending + excluded.pending, \
                 pending_entries = assignment_month_totals.pending_entries + excluded.pending_entries, \
                 reported_entries = assignment_month_totals.reported_entries + excluded.reported_entries",
            )
            .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.0 .0).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(months)
            .bind::<Array<BigInt>, _>(column(|d| d.validated))
            .bind::<Array<BigInt>, _>(column(|d| d.pending))
            .bind::<Array<BigInt>, _>(column(|d| d.waiting))
            .bind::<Array<BigInt>, _>(column(|d| d.reported))
            .execute(c)?;
            Ok(())
        }
        _ => {
            for r in rows {
                add_to_assignment_month(conn, r.0, r.1, r.2)?;
            }
            Ok(())
        }
    }
}

/// Adds deltas to the maintained totals of an assignment and month.
pub fn add_to_assignment_month(
    conn: &mut Conn,
    assignment_id: AssignmentId,
    month: Month,
    delta: MonthDelta,
) -> QueryResult<()> {
    if delta.is_zero() {
        return Ok(());
    }
    per_backend!(conn, |c| {
        diesel::insert_into(assignment_month_totals::table)
            .values((
                assignment_month_totals::assignment_id.eq(assignment_id),
                assignment_month_totals::month.eq(month),
                assignment_month_totals::validated.eq(0i64),
                assignment_month_totals::pending.eq(0i64),
                assignment_month_totals::pending_entries.eq(0i64),
                assignment_month_totals::reported_entries.eq(0i64),
            ))
            .on_conflict_do_nothing()
            .execute(c)
    })?;
    diesel::update(
        assignment_month_totals::table
            .filter(assignment_month_totals::assignment_id.eq(assignment_id))
            .filter(assignment_month_totals::month.eq(month)),
    )
    .set((
        assignment_month_totals::validated.eq(assignment_month_totals::validated + delta.validated),
        assignment_month_totals::pending.eq(assignment_month_totals::pending + delta.pending),
        assignment_month_totals::pending_entries
            .eq(assignment_month_totals::pending_entries + delta.waiting),
        assignment_month_totals::reported_entries
            .eq(assignment_month_totals::reported_entries + delta.reported),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn add_to_placement_year(
    conn: &mut Conn,
    p: &Placement,
    month: Month,
    work: i64,
    training: i64,
) -> QueryResult<()> {
    if work == 0 && training == 0 {
        return Ok(());
    }
    let year = month.year;
    let snapshot = p.snapshot();
    per_backend!(conn, |c| {
        diesel::insert_into(placement_year_totals::table)
            .values((
                placement_year_totals::placement_id.eq(p.id),
                placement_year_totals::year.eq(year),
                placement_year_totals::structure_id.eq(p.structure_id),
                placement_year_totals::work.eq(0i64),
                placement_year_totals::training.eq(0i64),
                // The placement's report snapshot, so a year's report reads this table alone.
                crate::snapshot_values!(placement_year_totals, &snapshot),
            ))
            .on_conflict_do_nothing()
            .execute(c)
    })?;
    diesel::update(
        placement_year_totals::table
            .filter(placement_year_totals::placement_id.eq(p.id))
            .filter(placement_year_totals::year.eq(year)),
    )
    .set((
        placement_year_totals::work.eq(placement_year_totals::work + work),
        placement_year_totals::training.eq(placement_year_totals::training + training),
    ))
    .execute(conn)?;
    Ok(())
}

pub struct EntryFilter {
    pub status: Option<EntryStatus>,
    pub clause_id: Option<ClauseId>,
    pub placement_id: Option<PlacementId>,
    pub month: Option<Month>,
    pub contractor: Option<OrganisationId>,
    /// Only these entries (a write's answer, named as the list names them).
    pub entry_ids: Option<Vec<HourEntryId>>,
}

/// An entry as people read it in a list: with the person, the contractor and the clause
/// named beside their ids.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HourEntryView {
    #[serde(flatten)]
    pub entry: HourEntry,
    /// First and last name; null once the person is anonymised.
    pub participant_name: Option<String>,
    pub contractor_id: i64,
    pub contractor_name: String,
    pub clause_id: i64,
    /// The contract's reference and title (and lot).
    pub clause_label: String,
}

/// entry, first name, last name, contractor id and name, clause id, lot, contract reference
/// and title
type EntryRow = (
    HourEntry,
    Option<String>,
    Option<String>,
    i64,
    String,
    i64,
    Option<i32>,
    String,
    String,
);

/// A page of the entries (named, in one query with joins) and how many match in all.
pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    f: &EntryFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<HourEntryView>, i64)> {
    use crate::db::schema::{clauses, contracts, organisations, participants};
    let base = || {
        let mut q = hour_entries::table
            .inner_join(placements::table.inner_join(participants::table))
            .inner_join(clauses::table.on(clauses::id.eq(placements::clause_id)))
            .inner_join(contracts::table.on(contracts::id.eq(clauses::contract_id)))
            .inner_join(organisations::table.on(organisations::id.eq(placements::contractor_id)))
            .filter(hour_entries::structure_id.eq(structure_id))
            .into_boxed();
        if let Some(s) = &f.status {
            q = q.filter(hour_entries::status.eq(*s));
        }
        if let Some(p) = f.placement_id {
            q = q.filter(hour_entries::placement_id.eq(p));
        }
        if let Some(m) = &f.month {
            q = q.filter(hour_entries::month.eq(*m));
        }
        if let Some(c) = f.clause_id {
            q = q.filter(placements::clause_id.eq(c));
        }
        if let Some(ids) = &f.entry_ids {
            q = q.filter(hour_entries::id.eq_any(ids.clone()));
        }
        if let Some(org) = f.contractor {
            q = q.filter(
                placements::contractor_id
                    .eq(org)
                    .or(placements::employer_id.eq(org)),
            );
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows: Vec<EntryRow> = base()
        .order((hour_entries::month, hour_entries::id))
        .limit(limit)
        .offset(offset)
        .select((
            HourEntry::as_select(),
            participants::first_name,
            participants::last_name,
            placements::contractor_id,
            organisations::name,
            clauses::id,
            clauses::lot_number,
            contracts::reference,
            contracts::title,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(
            |(
                entry,
                first,
                last,
                contractor_id,
                contractor_name,
                clause_id,
                lot,
                reference,
                title,
            )| {
                HourEntryView {
                    entry,
                    participant_name: person_name(first, last),
                    contractor_id,
                    contractor_name,
                    clause_id,
                    clause_label: clause_label(&reference, &title, lot),
                }
            },
        )
        .collect();
    Ok((items, total))
}

/// The figures of an entry that are hours (stored as hundredths in its history snapshots).
const HOUR_FIELDS: [&str; 4] = [
    "work_hours",
    "training_hours",
    "validated_work",
    "validated_training",
];

/// at, user id, display name, email, action, before, after, reason
type ChangeRow = (
    chrono::NaiveDateTime,
    UserId,
    Option<String>,
    String,
    HistoryAction,
    Option<String>,
    String,
    Option<String>,
);

/// The history of an entry in the one history shape, oldest first, with the name of each
/// writer (one query) and the figures in hours.
pub fn changes(conn: &mut Conn, entry_id: HourEntryId) -> QueryResult<Vec<HistoryEntry>> {
    use crate::db::schema::users;
    let rows: Vec<ChangeRow> = hour_entry_changes::table
        .inner_join(users::table.on(users::id.eq(hour_entry_changes::user_id)))
        .filter(hour_entry_changes::entry_id.eq(entry_id))
        .order(hour_entry_changes::id)
        .select((
            hour_entry_changes::at,
            hour_entry_changes::user_id,
            users::display_name,
            users::email,
            hour_entry_changes::action,
            hour_entry_changes::before_value,
            hour_entry_changes::after_value,
            hour_entry_changes::reason,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(at, user_id, name, email, action, before, after, reason)| {
                let before = object_in_hours(before.as_deref(), &HOUR_FIELDS);
                let after = object_in_hours(Some(&after), &HOUR_FIELDS);
                HistoryEntry {
                    at,
                    by: By::user(user_id, name, email),
                    action,
                    reason,
                    changes: changes_between(&before, &after),
                }
            },
        )
        .collect())
}

/// An assignment of a clause with its contractor's name and its validated and pending
/// hours up to the month asked.
pub struct AssignmentTotals {
    pub assignment: Assignment,
    pub contractor_name: String,
    pub validated: i64,
    pub pending: i64,
}

/// A clause with what its progress shows: its label, and its assignments in id order.
pub struct ClauseTotals {
    pub clause: Clause,
    /// The clause as people name it (`store::names::clause_label`).
    pub clause_label: String,
    pub assignments: Vec<AssignmentTotals>,
}

/// A clause of the structure with its label, its assignments in id order, each with its
/// contractor's name and its validated and pending hours up to `last_month` included. One
/// query, names included, since progress is the most polled figure (a query more a request
/// cost PostgreSQL a third of its throughput). None when the structure has no such clause.
pub fn clause_with_totals(
    conn: &mut Conn,
    structure_id: StructureId,
    clause_id: ClauseId,
    last_month: Month,
) -> QueryResult<Option<ClauseTotals>> {
    use crate::db::schema::{assignments, clauses, contracts, organisations};
    type Row = (
        Clause,
        (String, String),
        Option<Assignment>,
        Option<String>,
        Option<i64>,
        Option<i64>,
    );
    // Joins kept flat: SQLite materialises a nested join (every assignment of the base).
    let rows: Vec<Row> = clauses::table
        .inner_join(contracts::table)
        .left_join(assignments::table)
        .left_join(organisations::table.on(organisations::id.eq(assignments::contractor_id)))
        .left_join(
            assignment_month_totals::table.on(assignment_month_totals::assignment_id
                .eq(assignments::id)
                .and(assignment_month_totals::month.le(last_month))),
        )
        .filter(clauses::id.eq(clause_id))
        .filter(clauses::structure_id.eq(structure_id))
        .order(assignments::id)
        .select((
            Clause::as_select(),
            (contracts::reference, contracts::title),
            Option::<Assignment>::as_select(),
            organisations::name.nullable(),
            assignment_month_totals::validated.nullable(),
            assignment_month_totals::pending.nullable(),
        ))
        .load(conn)?;
    let mut found: Option<ClauseTotals> = None;
    for (c, (reference, title), a, name, v, p) in rows {
        let clause = found.get_or_insert_with(|| ClauseTotals {
            clause_label: clause_label(&reference, &title, c.lot_number),
            clause: c,
            assignments: Vec::new(),
        });
        let Some(a) = a else { continue };
        let (v, p) = (v.unwrap_or(0), p.unwrap_or(0));
        match clause.assignments.last_mut() {
            Some(last) if last.assignment.id == a.id => {
                last.validated += v;
                last.pending += p;
            }
            _ => clause.assignments.push(AssignmentTotals {
                assignment: a,
                contractor_name: name.unwrap_or_default(),
                validated: v,
                pending: p,
            }),
        }
    }
    Ok(found)
}

/// One line of an entry's history.
pub struct NewChange<'a> {
    pub entry_id: HourEntryId,
    pub before: Option<String>,
    pub after: String,
    pub action: HistoryAction,
    pub reason: Option<&'a str>,
}

/// Writes history lines (callers pass at most `CHUNK` at a time): one `COPY` on PostgreSQL (much cheaper than an
/// insert there), one multi-row insert on SQLite.
pub fn write_history(
    conn: &mut Conn,
    user_id: UserId,
    at: chrono::NaiveDateTime,
    lines: &[NewChange<'_>],
) -> QueryResult<()> {
    let rows: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                hour_entry_changes::entry_id.eq(l.entry_id),
                hour_entry_changes::at.eq(at),
                hour_entry_changes::user_id.eq(user_id),
                hour_entry_changes::action.eq(l.action),
                hour_entry_changes::before_value.eq(l.before.as_deref()),
                hour_entry_changes::after_value.eq(l.after.as_str()),
                hour_entry_changes::reason.eq(l.reason),
            )
        })
        .collect();
    match conn {
        // A few lines (a monthly report, a decision): one insert, one round trip, where a
        // `COPY` takes two.
        Conn::Pg(c) if rows.len() > FEW_LINES => {
            diesel::copy_from(hour_entry_changes::table)
                .from_insertable(rows)
                .execute(c)?;
        }
        _ => {
            per_backend!(conn, |c| diesel::insert_into(hour_entry_changes::table)
                .values(rows)
                .execute(c))?;
        }
    }
    Ok(())
}

/// Up to this many history lines are inserted rather than copied (PostgreSQL).
const FEW_LINES: usize = 8;

/// A clause's validated and waiting hours by month, up to `last_month`, from the totals kept
/// per assignment and month (one row per assignment and month; the caller adds them up).
pub fn clause_month_totals(
    conn: &mut Conn,
    clause_id: ClauseId,
    last_month: Month,
) -> QueryResult<Vec<(Month, i64, i64)>> {
    use crate::db::schema::assignments;
    assignment_month_totals::table
        .inner_join(
            assignments::table.on(assignments::id.eq(assignment_month_totals::assignment_id)),
        )
        .filter(assignments::clause_id.eq(clause_id))
        .filter(assignment_month_totals::month.le(last_month))
        .order(assignment_month_totals::month)
        .select((
            assignment_month_totals::month,
            assignment_month_totals::validated,
            assignment_month_totals::pending,
        ))
        .load(conn)
}
