//! Monthly hour entries: reports, amendments, validations, their history, and the totals
//! kept current in the same transaction (per assignment and month for progress, per
//! placement and year for reports).

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    assignment_month_totals, hour_entries, hour_entry_changes, placement_year_totals, placements,
};
use crate::db::{now, Conn};
use crate::domain::hours::{
    check_entry, person_monthly_cap, EntryCheck, ImportError, ImportErrors, ImportRow, OpenPeriod,
};
use crate::domain::period::Month;
use crate::domain::units::{ser_hundredths, ser_opt_hundredths};
use crate::error::{ApiError, FieldError};
use crate::per_backend;
use crate::store::clauses::{Assignment, Clause};
use crate::store::placements::Placement;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = hour_entries)]
pub struct HourEntry {
    pub id: i64,
    #[serde(skip)]
    pub structure_id: i64,
    pub placement_id: i64,
    #[serde(skip)]
    pub participant_id: i64,
    pub month: String,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub work_hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub training_hours: i64,
    pub status: String,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub validated_work: Option<i64>,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub validated_training: Option<i64>,
    pub amendment_reason: Option<String>,
    pub rejection_reason: Option<String>,
    pub submitted_by: i64,
    pub submitted_at: chrono::NaiveDateTime,
    pub validated_by: Option<i64>,
    pub validated_at: Option<chrono::NaiveDateTime>,
}

impl HourEntry {
    fn known(&self) -> Known {
        Known {
            id: self.id,
            work: self.work_hours,
            training: self.training_hours,
            status: status_code(&self.status),
            validated_work: self.validated_work,
            validated_training: self.validated_training,
        }
    }
    fn pending(&self) -> i64 {
        self.known().pending()
    }
    fn snapshot(&self) -> String {
        self.known().snapshot()
    }
}

/// The figures of an entry that the rules read: small and `Copy`, so an import can hold
/// the entries of thousands of people at little cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    id: i64,
    work: i64,
    training: i64,
    status: &'static str,
    validated_work: Option<i64>,
    validated_training: Option<i64>,
}

impl Known {
    /// Hours waiting for validation (progress counts them apart).
    fn pending(&self) -> i64 {
        if self.status == "submitted" {
            self.work + self.training
        } else {
            0
        }
    }

    /// The entry's figures as the history records them.
    fn snapshot(&self) -> String {
        serde_json::json!({
            "work_hours": self.work,
            "training_hours": self.training,
            "status": self.status,
            "validated_work": self.validated_work,
            "validated_training": self.validated_training,
        })
        .to_string()
    }

    /// The figure the entry weighs in the monthly cap of its person.
    fn cap_figure(&self) -> i64 {
        cap_figure(
            self.status,
            self.work,
            self.training,
            self.validated_work,
            self.validated_training,
        )
    }
}

/// The stored status as a static code (the three values the service writes).
fn status_code(status: &str) -> &'static str {
    match status {
        "validated" => "validated",
        "rejected" => "rejected",
        _ => "submitted",
    }
}

/// What a submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    Created,
    Replaced,
    Amended,
    Unchanged,
}

/// What a submission does to the entry of its month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Unchanged,
    Create,
    /// Replace the figure; `amended` when a validated figure exists (it keeps counting).
    Replace {
        amended: bool,
    },
}

/// Decides what a new figure does to the existing entry: same figures change nothing; a
/// validated figure changes only by an amendment with a reason.
fn plan(
    existing: Option<Known>,
    work: i64,
    training: i64,
    reason: Option<&str>,
) -> Result<Plan, FieldError> {
    let Some(e) = existing else {
        return Ok(Plan::Create);
    };
    if e.work == work && e.training == training && e.status != "rejected" {
        return Ok(Plan::Unchanged);
    }
    let locked = e.validated_work.is_some();
    if locked && reason.is_none() {
        return Err(FieldError {
            field: "amendment_reason".into(),
            code: crate::error::INVALID.into(),
            message: "this month's figure has been validated; an amendment needs a reason".into(),
        });
    }
    Ok(Plan::Replace { amended: locked })
}

/// The figure an entry weighs in the monthly cap of its person: the latest reported one,
/// or for a rejected entry the validated one it still has.
fn cap_figure(status: &str, work: i64, training: i64, vw: Option<i64>, vt: Option<i64>) -> i64 {
    match status {
        "rejected" => vw.unwrap_or(0) + vt.unwrap_or(0),
        _ => work + training,
    }
}

pub fn find(
    conn: &mut Conn,
    placement_id: i64,
    month: &str,
) -> Result<Option<HourEntry>, ApiError> {
    Ok(hour_entries::table
        .filter(hour_entries::placement_id.eq(placement_id))
        .filter(hour_entries::month.eq(month))
        .select(HourEntry::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut Conn, structure_id: i64, id: i64) -> Result<HourEntry, ApiError> {
    hour_entries::table
        .filter(hour_entries::id.eq(id))
        .filter(hour_entries::structure_id.eq(structure_id))
        .select(HourEntry::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("hour entry"))
}

/// work, training, status, validated work, validated training
type EntryFigures = (i64, i64, String, Option<i64>, Option<i64>);

/// Hours already reported for the person in the month on other placements (the latest
/// figure of each entry that is not rejected).
fn other_placements_hours(
    conn: &mut Conn,
    participant_id: i64,
    placement_id: i64,
    month: &str,
) -> Result<i64, ApiError> {
    let rows: Vec<EntryFigures> = hour_entries::table
        .filter(hour_entries::participant_id.eq(participant_id))
        .filter(hour_entries::month.eq(month))
        .filter(hour_entries::placement_id.ne(placement_id))
        .select((
            hour_entries::work_hours,
            hour_entries::training_hours,
            hour_entries::status,
            hour_entries::validated_work,
            hour_entries::validated_training,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(w, t, status, vw, vt)| cap_figure(&status, w, t, vw, vt))
        .sum())
}

fn record_change(
    conn: &mut Conn,
    entry_id: i64,
    user_id: i64,
    action: &str,
    before: Option<String>,
    after: String,
    reason: Option<&str>,
) -> Result<(), ApiError> {
    diesel::insert_into(hour_entry_changes::table)
        .values((
            hour_entry_changes::entry_id.eq(entry_id),
            hour_entry_changes::at.eq(now()),
            hour_entry_changes::user_id.eq(user_id),
            hour_entry_changes::action.eq(action),
            hour_entry_changes::before_value.eq(before),
            hour_entry_changes::after_value.eq(after),
            hour_entry_changes::reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds deltas to the maintained totals of an assignment and month.
fn add_to_assignment_month(
    conn: &mut Conn,
    assignment_id: i64,
    month: &str,
    validated: i64,
    pending: i64,
) -> Result<(), ApiError> {
    if validated == 0 && pending == 0 {
        return Ok(());
    }
    per_backend!(conn, |c| {
        diesel::insert_into(assignment_month_totals::table)
            .values((
                assignment_month_totals::assignment_id.eq(assignment_id),
                assignment_month_totals::month.eq(month),
                assignment_month_totals::validated.eq(0i64),
                assignment_month_totals::pending.eq(0i64),
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
        assignment_month_totals::validated.eq(assignment_month_totals::validated + validated),
        assignment_month_totals::pending.eq(assignment_month_totals::pending + pending),
    ))
    .execute(conn)?;
    Ok(())
}

fn add_to_placement_year(
    conn: &mut Conn,
    p: &Placement,
    month: &str,
    work: i64,
    training: i64,
) -> Result<(), ApiError> {
    if work == 0 && training == 0 {
        return Ok(());
    }
    let year: i32 = month
        .get(..4)
        .and_then(|y| y.parse().ok())
        .ok_or_else(ApiError::internal)?;
    per_backend!(conn, |c| {
        diesel::insert_into(placement_year_totals::table)
            .values((
                placement_year_totals::placement_id.eq(p.id),
                placement_year_totals::year.eq(year),
                placement_year_totals::structure_id.eq(p.structure_id),
                placement_year_totals::work.eq(0i64),
                placement_year_totals::training.eq(0i64),
                // The placement's report snapshot, so a year's report reads this table alone.
                placement_year_totals::participant_id.eq(p.participant_id),
                placement_year_totals::starts_on.eq(p.starts_on),
                placement_year_totals::sex.eq(&p.sex),
                placement_year_totals::age_band.eq(&p.age_band),
                placement_year_totals::criteria.eq(&p.criteria),
                placement_year_totals::qualification_level.eq(&p.qualification_level),
                placement_year_totals::qpv.eq(p.qpv),
                placement_year_totals::modality.eq(&p.modality),
                placement_year_totals::contract_type.eq(&p.contract_type),
                placement_year_totals::sector.eq(&p.sector),
                placement_year_totals::buyer_id.eq(p.buyer_id),
                placement_year_totals::contractor_id.eq(p.contractor_id),
                placement_year_totals::clause_kind.eq(&p.clause_kind),
                placement_year_totals::territory.eq(&p.territory),
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

pub struct Submission<'a> {
    pub month: &'a str,
    pub work: i64,
    pub training: i64,
    pub amendment_reason: Option<&'a str>,
    pub user_id: i64,
    pub today: NaiveDate,
    pub monthly_cap: i64,
    /// Staff: a refusal by the monthly cap may show the other placements' hours.
    pub disclose_other_placements: bool,
}

/// The person's cap for a month given as `YYYY-MM` (DOMAIN.md "Hours"), from the dates of
/// all of the person's placements; 0 for a month that does not parse (refused anyway).
fn person_cap(
    conn: &mut Conn,
    participant_id: i64,
    month: &str,
    cap: i64,
) -> Result<i64, ApiError> {
    let Some(month) = Month::parse(month) else {
        return Ok(0);
    };
    let periods: Vec<OpenPeriod> = crate::store::placements::of_participant(conn, participant_id)?
        .iter()
        .map(|p| (p.starts_on, p.effective_end()))
        .collect();
    let (year, m) = month.tuple();
    Ok(person_monthly_cap(cap, year, m, &periods))
}

/// Records a contractor's (or facilitator's) figure for a placement and month. A broken
/// rule is a validation problem naming the field; nothing is written when an error is
/// returned.
pub fn submit(
    conn: &mut Conn,
    p: &Placement,
    s: &Submission<'_>,
) -> Result<(Submitted, HourEntry), ApiError> {
    // The person's reports take turns: the monthly cap over all of its placements and the
    // entry of the month are read and written by one writer at a time.
    crate::lock_rows!(conn, participants, [p.participant_id])?;
    let other = other_placements_hours(conn, p.participant_id, p.id, s.month)?;
    let monthly_cap = person_cap(conn, p.participant_id, s.month, s.monthly_cap)?;
    check_entry(&EntryCheck {
        month: s.month,
        work: s.work,
        training: s.training,
        placement_start: p.starts_on,
        placement_end: p.effective_end(),
        today: s.today,
        other_placements_same_month: other,
        monthly_cap,
        disclose_other_placements: s.disclose_other_placements,
    })
    .map_err(ApiError::validation)?;
    let existing = find(conn, p.id, s.month)?;
    let reason = s.amendment_reason.map(str::trim).filter(|r| !r.is_empty());
    let at = now();
    let planned = plan(
        existing.as_ref().map(HourEntry::known),
        s.work,
        s.training,
        reason,
    )
    .map_err(|e| ApiError::validation(vec![e]))?;
    let result = match existing {
        Some(e) if planned == Plan::Unchanged => return Ok((Submitted::Unchanged, e)),
        None => {
            let id: i64 = diesel::insert_into(hour_entries::table)
                .values((
                    hour_entries::structure_id.eq(p.structure_id),
                    hour_entries::placement_id.eq(p.id),
                    hour_entries::participant_id.eq(p.participant_id),
                    hour_entries::month.eq(s.month),
                    hour_entries::work_hours.eq(s.work),
                    hour_entries::training_hours.eq(s.training),
                    hour_entries::status.eq("submitted"),
                    hour_entries::submitted_by.eq(s.user_id),
                    hour_entries::submitted_at.eq(at),
                ))
                .returning(hour_entries::id)
                .get_result(conn)?;
            add_to_assignment_month(conn, p.assignment_id, s.month, 0, s.work + s.training)?;
            let entry = get(conn, p.structure_id, id)?;
            record_change(conn, id, s.user_id, "submit", None, entry.snapshot(), None)?;
            (Submitted::Created, entry)
        }
        Some(e) => {
            let locked = planned == Plan::Replace { amended: true };
            let before = e.snapshot();
            diesel::update(hour_entries::table.filter(hour_entries::id.eq(e.id)))
                .set((
                    hour_entries::work_hours.eq(s.work),
                    hour_entries::training_hours.eq(s.training),
                    hour_entries::status.eq("submitted"),
                    hour_entries::amendment_reason.eq(if locked { reason } else { None }),
                    hour_entries::rejection_reason.eq(None::<String>),
                    hour_entries::submitted_by.eq(s.user_id),
                    hour_entries::submitted_at.eq(at),
                ))
                .execute(conn)?;
            add_to_assignment_month(
                conn,
                p.assignment_id,
                s.month,
                0,
                s.work + s.training - e.pending(),
            )?;
            let entry = get(conn, p.structure_id, e.id)?;
            let action = if locked { "amend" } else { "replace" };
            record_change(
                conn,
                e.id,
                s.user_id,
                action,
                Some(before),
                entry.snapshot(),
                reason,
            )?;
            (
                if locked {
                    Submitted::Amended
                } else {
                    Submitted::Replaced
                },
                entry,
            )
        }
    };
    crate::store::participants::touch(conn, p.participant_id, s.today)?;
    Ok(result)
}

/// Validates or rejects submitted entries, keeping the totals current.
pub fn decide(
    conn: &mut Conn,
    structure_id: i64,
    user_id: i64,
    entry_ids: &[i64],
    validate: bool,
    reason: Option<&str>,
) -> Result<Vec<HourEntry>, ApiError> {
    // Decisions take turns with each other and with reports of the same people (see
    // `submit`): an entry is decided once, on the figure it holds when decided.
    let mut people = Vec::new();
    for chunk in entry_ids.chunks(CHUNK) {
        people.extend(
            hour_entries::table
                .filter(hour_entries::id.eq_any(chunk))
                .filter(hour_entries::structure_id.eq(structure_id))
                .select(hour_entries::participant_id)
                .load::<i64>(conn)?,
        );
    }
    crate::lock_rows!(conn, participants, &people)?;
    let mut out = Vec::new();
    for (i, id) in entry_ids.iter().enumerate() {
        let e = hour_entries::table
            .filter(hour_entries::id.eq(id))
            .filter(hour_entries::structure_id.eq(structure_id))
            .select(HourEntry::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                ApiError::invalid(
                    &format!("entry_ids[{i}]"),
                    format!("no hour entry {id} in your structure"),
                )
            })?;
        if e.status != "submitted" {
            return Err(ApiError::conflict(format!(
                "entry {id} is {}; only submitted entries can be decided",
                e.status
            )));
        }
        let p = crate::store::placements::get(conn, structure_id, e.placement_id)?;
        let before = e.snapshot();
        let at = now();
        if validate {
            let (old_w, old_t) = (
                e.validated_work.unwrap_or(0),
                e.validated_training.unwrap_or(0),
            );
            diesel::update(hour_entries::table.filter(hour_entries::id.eq(e.id)))
                .set((
                    hour_entries::status.eq("validated"),
                    hour_entries::validated_work.eq(e.work_hours),
                    hour_entries::validated_training.eq(e.training_hours),
                    hour_entries::validated_by.eq(user_id),
                    hour_entries::validated_at.eq(at),
                ))
                .execute(conn)?;
            add_to_assignment_month(
                conn,
                p.assignment_id,
                &e.month,
                e.work_hours + e.training_hours - old_w - old_t,
                -e.pending(),
            )?;
            add_to_placement_year(
                conn,
                &p,
                &e.month,
                e.work_hours - old_w,
                e.training_hours - old_t,
            )?;
        } else if let (Some(vw), Some(vt)) = (e.validated_work, e.validated_training) {
            // A rejected amendment: the validated figure stands.
            diesel::update(hour_entries::table.filter(hour_entries::id.eq(e.id)))
                .set((
                    hour_entries::status.eq("validated"),
                    hour_entries::work_hours.eq(vw),
                    hour_entries::training_hours.eq(vt),
                    hour_entries::rejection_reason.eq(reason),
                ))
                .execute(conn)?;
            add_to_assignment_month(conn, p.assignment_id, &e.month, 0, -e.pending())?;
        } else {
            diesel::update(hour_entries::table.filter(hour_entries::id.eq(e.id)))
                .set((
                    hour_entries::status.eq("rejected"),
                    hour_entries::rejection_reason.eq(reason),
                ))
                .execute(conn)?;
            add_to_assignment_month(conn, p.assignment_id, &e.month, 0, -e.pending())?;
        }
        let entry = get(conn, structure_id, e.id)?;
        let action = if validate { "validate" } else { "reject" };
        record_change(
            conn,
            e.id,
            user_id,
            action,
            Some(before),
            entry.snapshot(),
            reason,
        )?;
        out.push(entry);
    }
    Ok(out)
}

pub struct EntryFilter {
    pub status: Option<String>,
    pub clause_id: Option<i64>,
    pub placement_id: Option<i64>,
    pub month: Option<String>,
    pub contractor: Option<i64>,
}

pub fn list(
    conn: &mut Conn,
    structure_id: i64,
    f: &EntryFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<HourEntry>, i64), ApiError> {
    let base = || {
        let mut q = hour_entries::table
            .filter(hour_entries::structure_id.eq(structure_id))
            .into_boxed();
        if let Some(s) = &f.status {
            q = q.filter(hour_entries::status.eq(s.clone()));
        }
        if let Some(p) = f.placement_id {
            q = q.filter(hour_entries::placement_id.eq(p));
        }
        if let Some(m) = &f.month {
            q = q.filter(hour_entries::month.eq(m.clone()));
        }
        if let Some(c) = f.clause_id {
            q = q.filter(
                hour_entries::placement_id.eq_any(
                    placements::table
                        .filter(placements::clause_id.eq(c))
                        .select(placements::id),
                ),
            );
        }
        if let Some(org) = f.contractor {
            q = q.filter(
                hour_entries::placement_id.eq_any(
                    placements::table
                        .filter(
                            placements::contractor_id
                                .eq(org)
                                .or(placements::employer_id.eq(org)),
                        )
                        .select(placements::id),
                ),
            );
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let items = base()
        .order((hour_entries::month, hour_entries::id))
        .limit(limit)
        .offset(offset)
        .select(HourEntry::as_select())
        .load(conn)?;
    Ok((items, total))
}

#[derive(Debug, Serialize, Queryable, utoipa::ToSchema)]
pub struct Change {
    pub at: chrono::NaiveDateTime,
    pub user_id: i64,
    pub action: String,
    pub before_value: Option<String>,
    pub after_value: String,
    pub reason: Option<String>,
}

pub fn changes(conn: &mut Conn, entry_id: i64) -> Result<Vec<Change>, ApiError> {
    Ok(hour_entry_changes::table
        .filter(hour_entry_changes::entry_id.eq(entry_id))
        .order(hour_entry_changes::id)
        .select((
            hour_entry_changes::at,
            hour_entry_changes::user_id,
            hour_entry_changes::action,
            hour_entry_changes::before_value,
            hour_entry_changes::after_value,
            hour_entry_changes::reason,
        ))
        .load(conn)?)
}

/// An assignment with its validated and pending hours (hundredths).
pub type AssignmentTotals = (Assignment, i64, i64);

/// A clause of the structure with its assignments, in id order, each with its validated
/// and pending hours up to `last_month` included (`YYYY-MM`): one query, since progress is
/// the most polled figure. None when the structure has no such clause.
pub fn clause_with_totals(
    conn: &mut Conn,
    structure_id: i64,
    clause_id: i64,
    last_month: &str,
) -> Result<Option<(Clause, Vec<AssignmentTotals>)>, ApiError> {
    use crate::db::schema::{assignments, clauses};
    type Row = (Clause, Option<Assignment>, Option<i64>, Option<i64>);
    // Joins kept flat: SQLite materialises a nested join (every assignment of the base).
    let rows: Vec<Row> = clauses::table
        .left_join(assignments::table)
        .left_join(
            assignment_month_totals::table.on(assignment_month_totals::assignment_id
                .eq(assignments::id)
                .and(assignment_month_totals::month.le(last_month.to_string()))),
        )
        .filter(clauses::id.eq(clause_id))
        .filter(clauses::structure_id.eq(structure_id))
        .order(assignments::id)
        .select((
            Clause::as_select(),
            Option::<Assignment>::as_select(),
            assignment_month_totals::validated.nullable(),
            assignment_month_totals::pending.nullable(),
        ))
        .load(conn)?;
    let mut clause = None;
    let mut out: Vec<AssignmentTotals> = Vec::new();
    for (c, a, v, p) in rows {
        clause.get_or_insert(c);
        let Some(a) = a else { continue };
        let (v, p) = (v.unwrap_or(0), p.unwrap_or(0));
        match out.last_mut() {
            Some(last) if last.0.id == a.id => {
                last.1 += v;
                last.2 += p;
            }
            _ => out.push((a, v, p)),
        }
    }
    Ok(clause.map(|c| (c, out)))
}

/// Who imports, and under which rules.
pub struct ImportContext {
    pub structure_id: i64,
    /// A contractor may only report on its own placements.
    pub contractor: Option<i64>,
    pub user_id: i64,
    pub today: NaiveDate,
    pub monthly_cap: i64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportCounts {
    pub accepted: usize,
    pub unchanged: usize,
}

/// id, placement, person, month, work, training, status, validated work and training.
type StoredFigures = (
    i64,
    i64,
    i64,
    String,
    i64,
    i64,
    String,
    Option<i64>,
    Option<i64>,
);

/// One decided row of an import.
struct Decided<'a> {
    placement: &'a Placement,
    row: &'a ImportRow,
    month: Month,
    /// The stored entry before this file, if any.
    existing: Option<Known>,
    amended: bool,
}

/// Rows per statement: 9 values a row stays far below SQLite's 32,766 bound parameters.
const CHUNK: usize = 500;

/// Imports many rows with the rules of `submit`, but reading what it needs in a few queries
/// and writing in batches: a 50,000-line file is a few hundred statements, not 400,000.
/// Rows are decided in file order against an in-memory view of the month totals, so a file
/// that would break the monthly cap with its own rows is refused like one sent row by row.
/// Errors count every bad row (the first ones kept); the caller's transaction then stores
/// nothing.
pub fn import_rows(
    conn: &mut Conn,
    ctx: &ImportContext,
    rows: &[ImportRow],
) -> Result<Result<ImportCounts, ImportErrors>, ApiError> {
    use std::collections::{HashMap, HashSet};
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.placement_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut placements_by_id: HashMap<i64, Placement> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for p in placements::table
            .filter(placements::structure_id.eq(ctx.structure_id))
            .filter(placements::id.eq_any(chunk))
            .select(Placement::as_select())
            .load(conn)?
        {
            let visible = ctx
                .contractor
                .is_none_or(|org| p.contractor_id == org || p.employer_id == org);
            if visible {
                placements_by_id.insert(p.id, p);
            }
        }
    }
    // Every entry of the people concerned: existing figures and the monthly cap's sums.
    let people: Vec<i64> = placements_by_id
        .values()
        .map(|p| p.participant_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Reports of these people take turns with this import (see `submit`).
    crate::lock_rows!(conn, participants, &people)?;
    // The dates of every placement of these people, for their monthly caps.
    let mut periods: HashMap<i64, Vec<OpenPeriod>> = HashMap::new();
    for chunk in people.chunks(CHUNK) {
        let rows: Vec<(i64, NaiveDate, Option<NaiveDate>, Option<NaiveDate>)> = placements::table
            .filter(placements::participant_id.eq_any(chunk))
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
    let mut caps: HashMap<(i64, Month), i64> = HashMap::new();
    let mut known: HashMap<(i64, Month), Known> = HashMap::new();
    let mut person_month: HashMap<(i64, Month), i64> = HashMap::new();
    for chunk in people.chunks(CHUNK) {
        let stored: Vec<StoredFigures> = hour_entries::table
            .filter(hour_entries::participant_id.eq_any(chunk))
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
            // Stored months are always valid; one that is not could match no row anyway.
            let Some(month) = Month::parse(&month) else {
                continue;
            };
            let entry = Known {
                id,
                work,
                training,
                status: status_code(&status),
                validated_work: vw,
                validated_training: vt,
            };
            *person_month.entry((person, month)).or_default() += entry.cap_figure();
            known.insert((placement, month), entry);
        }
    }
    let mut errors = ImportErrors::new();
    let mut decided: Vec<Decided> = Vec::new();
    // The stored entry of each key before this file, for the rows that change it.
    let mut original: HashMap<(i64, Month), Option<Known>> = HashMap::new();
    let mut counts = ImportCounts::default();
    for row in rows {
        let Some(p) = placements_by_id.get(&row.placement_id) else {
            errors.push(ImportError {
                line: row.line,
                field: "placement_id".into(),
                message: format!("no placement {} that you may report on", row.placement_id),
            });
            continue;
        };
        // A month that does not parse is refused by `check_entry` below.
        let month = Month::parse(&row.month);
        let current = month.and_then(|m| known.get(&(p.id, m)).copied());
        let own = current.map(|e| e.cap_figure()).unwrap_or(0);
        let month_total = month
            .and_then(|m| person_month.get(&(p.participant_id, m)).copied())
            .unwrap_or(0);
        let monthly_cap = month.map_or(0, |m| {
            *caps.entry((p.participant_id, m)).or_insert_with(|| {
                let (year, number) = m.tuple();
                let dates = periods
                    .get(&p.participant_id)
                    .map_or(&[][..], Vec::as_slice);
                person_monthly_cap(ctx.monthly_cap, year, number, dates)
            })
        });
        let check = check_entry(&EntryCheck {
            month: &row.month,
            work: row.work_hours,
            training: row.training_hours,
            placement_start: p.starts_on,
            placement_end: p.effective_end(),
            today: ctx.today,
            other_placements_same_month: month_total - own,
            monthly_cap,
            disclose_other_placements: ctx.contractor.is_none(),
        })
        .map_err(|list| list.into_iter().next());
        let planned = check
            .and_then(|_| plan(current, row.work_hours, row.training_hours, None).map_err(Some));
        match (planned, month) {
            (Err(e), _) => {
                if let Some(e) = e {
                    errors.push(ImportError {
                        line: row.line,
                        field: e.field,
                        message: e.message,
                    });
                }
            }
            (Ok(Plan::Unchanged), _) => counts.unchanged += 1,
            // `check_entry` already refuses such a month; kept as a plain error, never a panic.
            (Ok(_), None) => errors.push(ImportError {
                line: row.line,
                field: "month".into(),
                message: "month must be written YYYY-MM".into(),
            }),
            (Ok(plan), Some(month)) => {
                counts.accepted += 1;
                *person_month.entry((p.participant_id, month)).or_default() +=
                    row.work_hours + row.training_hours - own;
                let before = *original.entry((p.id, month)).or_insert(current);
                decided.push(Decided {
                    placement: p,
                    row,
                    month,
                    existing: before,
                    amended: plan == Plan::Replace { amended: true },
                });
                // Later rows of the same file see this figure.
                let base = current.unwrap_or(Known {
                    id: 0,
                    work: 0,
                    training: 0,
                    status: "submitted",
                    validated_work: None,
                    validated_training: None,
                });
                known.insert(
                    (p.id, month),
                    Known {
                        work: row.work_hours,
                        training: row.training_hours,
                        status: "submitted",
                        ..base
                    },
                );
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    drop(known);
    drop(original);
    write_import(conn, ctx, &decided)?;
    Ok(Ok(counts))
}

/// Replaces the figures of existing entries, one statement per chunk: each goes back to
/// `submitted` with the new figures (the validated ones stay until the next validation).
fn replace_figures(
    conn: &mut Conn,
    rows: &[(i64, i64, i64)],
    user_id: i64,
    at: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    use diesel::sql_types::{Array, BigInt, Timestamp};
    const SET: &str = "status = 'submitted', amendment_reason = NULL, rejection_reason = NULL";
    match conn {
        Conn::Pg(c) => {
            let column = |f: fn(&(i64, i64, i64)) -> i64| rows.iter().map(f).collect::<Vec<_>>();
            diesel::sql_query(format!(
                "UPDATE hour_entries SET work_hours = v.work, training_hours = v.training, {SET}, \
                 submitted_by = $4, submitted_at = $5 \
                 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, work, training) \
                 WHERE hour_entries.id = v.id"
            ))
            .bind::<Array<BigInt>, _>(column(|r| r.0))
            .bind::<Array<BigInt>, _>(column(|r| r.1))
            .bind::<Array<BigInt>, _>(column(|r| r.2))
            .bind::<BigInt, _>(user_id)
            .bind::<Timestamp, _>(at)
            .execute(c)?;
        }
        Conn::Sqlite(c) => {
            let values = vec!["(?, ?, ?)"; rows.len()].join(", ");
            let mut q = diesel::sql_query(format!(
                "UPDATE hour_entries SET work_hours = v.column2, training_hours = v.column3, {SET}, \
                 submitted_by = ?, submitted_at = ? \
                 FROM (VALUES {values}) AS v WHERE hour_entries.id = v.column1"
            ))
            .into_boxed()
            .bind::<BigInt, _>(user_id)
            .bind::<Timestamp, _>(at);
            for &(id, work, training) in rows {
                q = q
                    .bind::<BigInt, _>(id)
                    .bind::<BigInt, _>(work)
                    .bind::<BigInt, _>(training);
            }
            q.execute(c)?;
        }
    }
    Ok(())
}

/// Writes decided rows: new entries in multi-row inserts, replaced figures in one update a
/// chunk, the history in batches, and the totals once per assignment and month.
fn write_import(conn: &mut Conn, ctx: &ImportContext, decided: &[Decided]) -> Result<(), ApiError> {
    use std::collections::{HashMap, HashSet};
    let at = now();
    let mut pending: HashMap<(i64, Month), i64> = HashMap::new();
    // A file may name the same placement and month twice: only its last figure is written.
    let mut last: HashMap<(i64, Month), &Decided> = HashMap::new();
    for d in decided {
        last.insert((d.placement.id, d.month), d);
    }
    let mut creates: Vec<&Decided> = Vec::new();
    let mut replaces: Vec<(&Decided, Known)> = Vec::new();
    for d in decided {
        if !std::ptr::eq(last[&(d.placement.id, d.month)], d) {
            continue;
        }
        let before_pending = d.existing.map(|e| e.pending()).unwrap_or(0);
        *pending
            .entry((d.placement.assignment_id, d.month))
            .or_default() += d.row.work_hours + d.row.training_hours - before_pending;
        match d.existing {
            None => creates.push(d),
            Some(e) => replaces.push((d, e)),
        }
    }
    drop(last);
    for chunk in replaces.chunks(CHUNK) {
        let figures: Vec<(i64, i64, i64)> = chunk
            .iter()
            .map(|(d, e)| (e.id, d.row.work_hours, d.row.training_hours))
            .collect();
        replace_figures(conn, &figures, ctx.user_id, at)?;
        let history: Vec<NewChange> = chunk
            .iter()
            .map(|(d, e)| NewChange {
                entry_id: e.id,
                before: Some(e.snapshot()),
                after: Known {
                    work: d.row.work_hours,
                    training: d.row.training_hours,
                    status: "submitted",
                    ..*e
                }
                .snapshot(),
                action: if d.amended { "amend" } else { "replace" },
            })
            .collect();
        write_history(conn, ctx.user_id, at, &history)?;
    }
    for chunk in creates.chunks(CHUNK) {
        let months: Vec<String> = chunk.iter().map(|d| d.month.to_string()).collect();
        let values: Vec<_> = chunk
            .iter()
            .zip(&months)
            .map(|(d, month)| {
                (
                    hour_entries::structure_id.eq(d.placement.structure_id),
                    hour_entries::placement_id.eq(d.placement.id),
                    hour_entries::participant_id.eq(d.placement.participant_id),
                    hour_entries::month.eq(month.as_str()),
                    hour_entries::work_hours.eq(d.row.work_hours),
                    hour_entries::training_hours.eq(d.row.training_hours),
                    hour_entries::status.eq("submitted"),
                    hour_entries::submitted_by.eq(ctx.user_id),
                    hour_entries::submitted_at.eq(at),
                )
            })
            .collect();
        let stored: Vec<(i64, i64, String)> =
            per_backend!(conn, |c| diesel::insert_into(hour_entries::table)
                .values(&values)
                .returning((
                    hour_entries::id,
                    hour_entries::placement_id,
                    hour_entries::month
                ))
                .get_results(c))?;
        let ids: HashMap<(i64, &str), i64> = stored
            .iter()
            .map(|(id, p, m)| ((*p, m.as_str()), *id))
            .collect();
        let history: Vec<NewChange> = chunk
            .iter()
            .zip(&months)
            .filter_map(|(d, month)| {
                let id = *ids.get(&(d.placement.id, month.as_str()))?;
                Some(NewChange {
                    entry_id: id,
                    before: None,
                    after: Known {
                        id,
                        work: d.row.work_hours,
                        training: d.row.training_hours,
                        status: "submitted",
                        validated_work: None,
                        validated_training: None,
                    }
                    .snapshot(),
                    action: "submit",
                })
            })
            .collect();
        write_history(conn, ctx.user_id, at, &history)?;
    }
    for ((assignment, month), delta) in pending {
        add_to_assignment_month(conn, assignment, &month.to_string(), 0, delta)?;
    }
    let people: Vec<i64> = decided
        .iter()
        .map(|d| d.placement.participant_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in people.chunks(CHUNK) {
        diesel::update(
            crate::db::schema::participants::table
                .filter(crate::db::schema::participants::id.eq_any(chunk))
                .filter(crate::db::schema::participants::last_activity_on.lt(ctx.today)),
        )
        .set(crate::db::schema::participants::last_activity_on.eq(ctx.today))
        .execute(conn)?;
    }
    Ok(())
}

/// One line of an entry's history, written by an import.
struct NewChange {
    entry_id: i64,
    before: Option<String>,
    after: String,
    action: &'static str,
}

/// Writes a chunk of history lines: one `COPY` on PostgreSQL (much cheaper than an
/// insert there), one multi-row insert on SQLite.
fn write_history(
    conn: &mut Conn,
    user_id: i64,
    at: chrono::NaiveDateTime,
    lines: &[NewChange],
) -> Result<(), ApiError> {
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
            )
        })
        .collect();
    match conn {
        Conn::Pg(c) => {
            diesel::copy_from(hour_entry_changes::table)
                .from_insertable(rows)
                .execute(c)?;
        }
        Conn::Sqlite(c) => {
            diesel::insert_into(hour_entry_changes::table)
                .values(rows)
                .execute(c)?;
        }
    }
    Ok(())
}
