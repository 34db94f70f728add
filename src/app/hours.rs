//! Hours: a monthly report, an import file, the decisions of facilitators, an entry's
//! history. A monthly report is a batch of one: both writers run the batch planner of
//! `domain::hours` and the one writer below.

use std::collections::{HashMap, HashSet};

// The batch path hashes a few hundred thousand small keys per import file: foldhash, not SipHash.
use foldhash::{HashMap as FastMap, HashMapExt, HashSet as FastSet};

use chrono::{NaiveDate, NaiveDateTime};

use crate::app::{AppError, AppResult};
use crate::auth::records::{may_see_other_placements_hours, may_see_placement};
use crate::auth::Caller;
use crate::db::{write_tx, Conn};
use crate::domain::hours::EntryStatus;
use crate::domain::hours::{
    last_writes, BatchLine, BatchPlanner, BatchRules, EntryWrite, ImportError, ImportErrors,
    ImportRow, LineDecision, PlacementDates, TemplateRow,
};
use crate::domain::ids::{AssignmentId, HourEntryId, ParticipantId, PlacementId, UserId};
use crate::domain::period::Month;
use crate::domain::rule::Violation;
use crate::domain::vocabulary::HistoryAction;
use crate::store::history::HistoryEntry;
use crate::store::hours::{
    self as store, BatchPlacement, EntryFilter, HourEntry, HourEntryView, NewChange, NewEntry,
    Replacement,
};
use crate::store::placements::{self as placements, Placement};

/// The settings and the day a report is checked against.
#[derive(Debug, Clone, Copy)]
pub struct HourRules {
    pub today: NaiveDate,
    /// The monthly cap setting (hundredths), before scaling to each person's open days.
    pub monthly_cap: i64,
}

/// The figures of one monthly report.
#[derive(Debug, Clone, Copy)]
pub struct MonthFigures<'a> {
    pub work: i64,
    pub training: i64,
    pub amendment_reason: Option<&'a str>,
}

/// What an import did (or would do, on a dry run).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportCounts {
    pub accepted: usize,
    pub unchanged: usize,
}

/// Logs at debug level the time since `since` under `phase` and restarts it: where an
/// import's time goes (issue 21), with `RUST_LOG=clausier::app::hours=debug`.
fn lap(since: &mut std::time::Instant, phase: &str) {
    let now = std::time::Instant::now();
    tracing::debug!(
        "hours batch: {phase} {:.1} ms",
        (now - *since).as_secs_f64() * 1e3
    );
    *since = now;
}

/// A placement the caller may see, or "not found".
fn visible_placement(conn: &mut Conn, caller: &Caller, id: PlacementId) -> AppResult<Placement> {
    placements::find(conn, caller.structure_id, id)?
        .filter(|p| may_see_placement(caller, p))
        .ok_or(AppError::NotFound("placement"))
}

/// Records a contractor's (or facilitator's) figure for a placement and month, in one
/// transaction; every broken rule of the figure is returned, and nothing is written then.
pub fn report_month(
    conn: &mut Conn,
    caller: &Caller,
    placement_id: PlacementId,
    month: &str,
    figures: &MonthFigures<'_>,
    rules: &HourRules,
    now: NaiveDateTime,
) -> AppResult<HourEntryView> {
    let Some(parsed_month) = Month::parse(month) else {
        return Err(Violation::new("month", "month_malformed").into());
    };
    write_tx(conn, |c| {
        let p = visible_placement(c, caller, placement_id)?;
        let reason = figures
            .amendment_reason
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let line = LineInput {
            placement_id,
            month,
            work: figures.work,
            training: figures.training,
            reason,
        };
        let mut refused = Vec::new();
        let placements: FastMap<i64, BatchPlacement> =
            [(p.id.0, BatchPlacement::of(&p))].into_iter().collect();
        write_batch(
            c,
            caller,
            &placements,
            &[line],
            rules,
            now,
            |_, violations| refused = violations,
        )?;
        if !refused.is_empty() {
            return Err(AppError::Invalid(refused));
        }
        let entry =
            store::find(c, placement_id, parsed_month)?.ok_or(AppError::NotFound("hour entry"))?;
        one_named(named_entries(c, caller, vec![entry])?)
    })
}

/// Entries named as the list names them (the person, the contractor, the clause beside
/// their ids), in the order given.
pub fn named_entries(
    conn: &mut Conn,
    caller: &Caller,
    entries: Vec<HourEntry>,
) -> AppResult<Vec<HourEntryView>> {
    let ids: Vec<HourEntryId> = entries.iter().map(|e| e.id).collect();
    let filter = EntryFilter {
        status: None,
        clause_id: None,
        placement_id: None,
        month: None,
        contractor: None,
        entry_ids: Some(ids.clone()),
    };
    let (views, _) = store::list(conn, caller.structure_id, &filter, ids.len() as i64, 0)?;
    let mut by_id: HashMap<HourEntryId, HourEntryView> =
        views.into_iter().map(|v| (v.entry.id, v)).collect();
    ids.iter()
        .map(|id| by_id.remove(id).ok_or(AppError::NotFound("hour entry")))
        .collect()
}

fn one_named(mut views: Vec<HourEntryView>) -> AppResult<HourEntryView> {
    views.pop().ok_or(AppError::NotFound("hour entry"))
}

/// Why an import transaction was rolled back.
enum ImportAbort {
    DryRun(ImportCounts),
    Failed(AppError),
}

impl From<diesel::result::Error> for ImportAbort {
    fn from(e: diesel::result::Error) -> Self {
        ImportAbort::Failed(e.into())
    }
}

impl From<AppError> for ImportAbort {
    fn from(e: AppError) -> Self {
        ImportAbort::Failed(e)
    }
}

/// Imports the rows of a file in one transaction: all stored, or nothing (a dry run stores
/// nothing and says what would be). Rows are decided in file order as a batch, so a file
/// that would break the monthly cap with its own rows is refused like one sent row by row;
/// every bad row is counted (the first ones kept, one broken rule each).
pub fn import_hours(
    conn: &mut Conn,
    caller: &Caller,
    rows: &[ImportRow],
    dry_run: bool,
    rules: &HourRules,
    now: NaiveDateTime,
) -> AppResult<ImportCounts> {
    let mut t = std::time::Instant::now();
    let outcome = write_tx(conn, |c| {
        let ids: Vec<PlacementId> = rows
            .iter()
            .map(|r| PlacementId(r.placement_id))
            .collect::<FastSet<_>>()
            .into_iter()
            .collect();
        let placements: FastMap<i64, BatchPlacement> =
            store::visible_placements(c, caller.structure_id, &ids, caller.contractor_org())?
                .into_iter()
                .map(|p| (p.id.0, p))
                .collect();
        lap(&mut t, "placements");
        let lines: Vec<LineInput<'_>> = rows
            .iter()
            .map(|r| LineInput {
                placement_id: PlacementId(r.placement_id),
                month: &r.month,
                work: r.work_hours,
                training: r.training_hours,
                reason: None,
            })
            .collect();
        let mut errors = ImportErrors::new();
        let counts = write_batch(
            c,
            caller,
            &placements,
            &lines,
            rules,
            now,
            |i, violations| {
                if let Some(v) = violations.into_iter().next() {
                    errors.push(ImportError::new(rows[i].line, v));
                }
            },
        )?;
        if !errors.is_empty() {
            return Err(ImportAbort::Failed(AppError::InvalidRows(errors)));
        }
        if dry_run {
            return Err(ImportAbort::DryRun(counts));
        }
        t = std::time::Instant::now();
        Ok(counts)
    });
    lap(&mut t, "commit");
    match outcome {
        Ok(counts) | Err(ImportAbort::DryRun(counts)) => Ok(counts),
        Err(ImportAbort::Failed(e)) => Err(e),
    }
}

/// One line of a batch as the writers give it.
#[derive(Debug, Clone, Copy)]
struct LineInput<'a> {
    placement_id: PlacementId,
    month: &'a str,
    work: i64,
    training: i64,
    /// Trimmed, never empty.
    reason: Option<&'a str>,
}

/// Decides every line of a batch and, when none is refused, writes them: new entries in
/// multi-row inserts, replaced figures in one update a chunk, the history in batches, the
/// totals once per assignment and month (the entries' `submitted_at` is the people's activity
/// the anonymisation reads). A refused line is
/// given to `refused` (its index and its broken rules) and nothing is written.
fn write_batch(
    conn: &mut Conn,
    caller: &Caller,
    placements: &FastMap<i64, BatchPlacement>,
    lines: &[LineInput<'_>],
    rules: &HourRules,
    now: NaiveDateTime,
    mut refused: impl FnMut(usize, Vec<Violation>),
) -> AppResult<ImportCounts> {
    let people: Vec<ParticipantId> = placements
        .values()
        .map(|p| p.participant_id)
        .collect::<FastSet<_>>()
        .into_iter()
        .collect();
    // The person's reports take turns: the monthly cap over all of its placements and the
    // entries of the month are read and written by one writer at a time.
    let mut t = std::time::Instant::now();
    crate::lock_rows!(conn, participants, &people)?;
    lap(&mut t, "lock people");
    let periods = store::periods_of_people(conn, &people)?;
    lap(&mut t, "periods");
    // Only the months the lines name matter: the cap is monthly and an entry is one month's.
    let months: Vec<Month> = lines
        .iter()
        .filter_map(|l| Month::parse(l.month))
        .collect::<FastSet<_>>()
        .into_iter()
        .collect();
    let stored = store::entries_of_people(conn, &people, &months)?;
    lap(&mut t, "stored entries");
    let dates: FastMap<i64, PlacementDates> = placements
        .values()
        .map(|p| {
            let d = PlacementDates {
                id: p.id.0,
                participant_id: p.participant_id.0,
                starts_on: p.starts_on,
                ends_on: p.ends_on,
            };
            (p.id.0, d)
        })
        .collect();
    // The months that already have an entry: a line of any other month makes a new one.
    let stored_months: FastSet<(i64, Month)> =
        stored.iter().map(|e| (e.placement_id, e.month)).collect();
    let mut planner = BatchPlanner::new(
        BatchRules {
            today: rules.today,
            monthly_cap: rules.monthly_cap,
            disclose_other_placements: may_see_other_placements_hours(caller),
        },
        &periods,
        stored,
    );
    planner.reserve(lines.len());
    drop(people);
    // A large batch's new entries get their ids drawn by the database while this thread
    // decides the lines: two cores, one for each (a refused file leaves a gap in the ids, as
    // any rolled-back insert does). At most one id a line; the exact count is taken beside.
    let (drawn, (counts, writes, reasons, any_refused)) =
        if store::draws_entry_ids(conn, lines.len()) {
            let (drawn, decided) = std::thread::scope(|scope| {
                let drawing = scope.spawn(|| {
                    let new_entries = count_new_entries(lines, &stored_months);
                    store::draw_entry_ids(conn, new_entries)
                });
                let decided = decide_lines(&mut planner, lines, &dates, &mut refused);
                (drawing.join(), decided)
            });
            let drawn = drawn.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            (drawn, decided)
        } else {
            let decided = decide_lines(&mut planner, lines, &dates, &mut refused);
            (Vec::new(), decided)
        };
    drop(planner);
    lap(&mut t, "decisions");
    if any_refused {
        return Ok(counts);
    }
    write_entries(
        conn,
        caller.user_id,
        placements,
        &last_writes(&writes),
        &reasons,
        &drawn,
        now,
    )?;
    Ok(counts)
}

/// The lines of a month with no entry yet for their placement: the entries a batch creates
/// when none is refused.
fn count_new_entries(lines: &[LineInput<'_>], stored_months: &FastSet<(i64, Month)>) -> usize {
    if stored_months.is_empty() {
        return lines.len();
    }
    lines
        .iter()
        .filter(|l| {
            Month::parse(l.month).is_some_and(|m| !stored_months.contains(&(l.placement_id.0, m)))
        })
        .count()
}

/// What the lines of a batch come to, decided in file order: the counts, the figures to
/// write, the amendments' reasons, and whether a line was refused (given to `refused`).
type Decided<'a> = (
    ImportCounts,
    Vec<EntryWrite>,
    FastMap<(i64, Month), &'a str>,
    bool,
);

fn decide_lines<'a>(
    planner: &mut BatchPlanner<'_>,
    lines: &[LineInput<'a>],
    dates: &FastMap<i64, PlacementDates>,
    refused: &mut impl FnMut(usize, Vec<Violation>),
) -> Decided<'a> {
    let mut counts = ImportCounts::default();
    let mut writes: Vec<EntryWrite> = Vec::new();
    let mut reasons: FastMap<(i64, Month), &str> = FastMap::new();
    let mut any_refused = false;
    for (i, l) in lines.iter().enumerate() {
        let line = BatchLine {
            placement_id: l.placement_id.0,
            placement: dates.get(&l.placement_id.0),
            month: l.month,
            work: l.work,
            training: l.training,
            amendment_reason: l.reason,
        };
        match planner.decide(&line) {
            LineDecision::Refused(violations) => {
                any_refused = true;
                refused(i, violations);
            }
            LineDecision::Unchanged => counts.unchanged += 1,
            LineDecision::Write(w) => {
                counts.accepted += 1;
                if let Some(r) = l.reason.filter(|_| w.amended) {
                    reasons.insert((w.placement_id, w.month), r);
                }
                writes.push(w);
            }
        }
    }
    (counts, writes, reasons, any_refused)
}

/// Writes decided figures (the last of each placement and month) with their history and
/// totals.
fn write_entries(
    conn: &mut Conn,
    user_id: UserId,
    placements: &FastMap<i64, BatchPlacement>,
    writes: &[EntryWrite],
    reasons: &FastMap<(i64, Month), &str>,
    drawn: &[HourEntryId],
    at: NaiveDateTime,
) -> AppResult<()> {
    let reason_of = |w: &EntryWrite| {
        if w.amended {
            reasons.get(&(w.placement_id, w.month)).copied()
        } else {
            None
        }
    };
    // What the batch adds to each assignment and month's kept totals.
    let mut pending: FastMap<(AssignmentId, Month), store::MonthDelta> = FastMap::new();
    let mut creates: Vec<&EntryWrite> = Vec::new();
    let mut replaces: Vec<&EntryWrite> = Vec::new();
    for w in writes {
        let p = &placements[&w.placement_id];
        let added = pending.entry((p.assignment_id, w.month)).or_default();
        added.pending += w.pending_delta();
        added.waiting += w.waiting_delta();
        added.reported += w.reported_delta();
        match w.before {
            None => creates.push(w),
            Some(_) => replaces.push(w),
        }
    }
    let mut t = std::time::Instant::now();
    let chunk_size = store::chunk_for(conn);
    for chunk in replaces.chunks(chunk_size) {
        let figures: Vec<Replacement<'_>> = chunk
            .iter()
            .filter_map(|w| {
                Some(Replacement {
                    id: HourEntryId(w.before?.id),
                    work: w.work,
                    training: w.training,
                    amendment_reason: reason_of(w),
                })
            })
            .collect();
        store::replace_figures(conn, &figures, user_id, at)?;
        let history: Vec<NewChange<'_>> = chunk
            .iter()
            .filter_map(|w| {
                let e = w.before?;
                Some(NewChange {
                    entry_id: HourEntryId(e.id),
                    before: Some(e.snapshot()),
                    after: e.replaced_by(w.work, w.training).snapshot(),
                    action: if w.amended {
                        HistoryAction::Amend
                    } else {
                        HistoryAction::Replace
                    },
                    reason: reason_of(w),
                })
            })
            .collect();
        store::write_history(conn, user_id, at, &history)?;
    }
    lap(&mut t, "replacements");
    for (k, chunk) in creates.chunks(chunk_size).enumerate() {
        let news: Vec<NewEntry> = chunk
            .iter()
            .map(|w| {
                let p = &placements[&w.placement_id];
                NewEntry {
                    structure_id: p.structure_id,
                    placement_id: p.id,
                    participant_id: p.participant_id,
                    month: w.month,
                    work: w.work,
                    training: w.training,
                }
            })
            .collect();
        let ids = drawn
            .get(k.saturating_mul(chunk_size)..)
            .unwrap_or_default();
        store::insert_submitted(conn, &news, ids, user_id, at)?;
        lap(&mut t, "new entries with their history");
    }
    let totals: Vec<_> = pending
        .into_iter()
        .map(|((assignment, month), delta)| (assignment, month, delta))
        .collect();
    store::add_to_assignment_months(conn, &totals)?;
    lap(&mut t, "assignment totals");
    Ok(())
}

/// A facilitator's decision on submitted entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryDecision {
    Validate,
    Reject,
}

impl EntryDecision {
    /// The decision as the request names it.
    pub fn parse(text: &str) -> Result<EntryDecision, Violation> {
        match text {
            "validate" => Ok(EntryDecision::Validate),
            "reject" => Ok(EntryDecision::Reject),
            _ => Err(Violation::new("decision", "decision_unknown")),
        }
    }
}

/// Validates or rejects submitted entries of the caller's structure in one transaction,
/// keeping the totals current; the entries as they are after it, in the order given.
pub fn decide_entries(
    conn: &mut Conn,
    caller: &Caller,
    entry_ids: &[HourEntryId],
    decision: &str,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<Vec<HourEntryView>> {
    let decision = EntryDecision::parse(decision)?;
    if entry_ids.is_empty() {
        return Err(Violation::new("entry_ids", "entry_ids_required").into());
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if decision == EntryDecision::Reject && reason.is_none() {
        return Err(Violation::new("reason", "rejection_reason_required").into());
    }
    let (structure_id, user_id) = (caller.structure_id, caller.user_id);
    write_tx(conn, |c| {
        // Decisions take turns with each other and with reports of the same people: an
        // entry is decided once, on the figure it holds when decided.
        let people = store::people_of_entries(c, structure_id, entry_ids)?;
        crate::lock_rows!(c, participants, &people)?;
        let mut out = Vec::with_capacity(entry_ids.len());
        for (i, &id) in entry_ids.iter().enumerate() {
            let e = store::get(c, structure_id, id)?.ok_or_else(|| {
                AppError::invalid(
                    Violation::new(format!("entry_ids[{i}]"), "entry_unknown")
                        .with("entry_id", id.0),
                )
            })?;
            if e.status != EntryStatus::Submitted {
                return Err(AppError::conflict(
                    Violation::new(format!("entry_ids[{i}]"), "entry_not_submitted")
                        .with("entry_id", id)
                        .with("status", e.status),
                ));
            }
            let p = placements::find(c, structure_id, e.placement_id)?
                .ok_or(AppError::NotFound("placement"))?;
            let month = e.month;
            let before = e.figures();
            match (decision, e.validated_work, e.validated_training) {
                (EntryDecision::Validate, _, _) => {
                    let (old_w, old_t) = (
                        e.validated_work.unwrap_or(0),
                        e.validated_training.unwrap_or(0),
                    );
                    store::validate(c, &e, user_id, now)?;
                    store::add_to_assignment_month(
                        c,
                        p.assignment_id,
                        e.month,
                        store::MonthDelta {
                            validated: e.work_hours + e.training_hours - old_w - old_t,
                            pending: -before.pending(),
                            waiting: -before.waiting(),
                            reported: 0,
                        },
                    )?;
                    store::add_to_placement_year(
                        c,
                        &p,
                        month,
                        e.work_hours - old_w,
                        e.training_hours - old_t,
                    )?;
                }
                (EntryDecision::Reject, Some(vw), Some(vt)) => {
                    // A rejected amendment: the validated figure stands.
                    store::restore_validated(c, e.id, vw, vt, reason)?;
                    store::add_to_assignment_month(
                        c,
                        p.assignment_id,
                        e.month,
                        store::MonthDelta {
                            pending: -before.pending(),
                            waiting: -before.waiting(),
                            ..Default::default()
                        },
                    )?;
                }
                (EntryDecision::Reject, _, _) => {
                    store::reject(c, e.id, reason)?;
                    store::add_to_assignment_month(
                        c,
                        p.assignment_id,
                        e.month,
                        store::MonthDelta {
                            pending: -before.pending(),
                            waiting: -before.waiting(),
                            reported: -before.reported(),
                            ..Default::default()
                        },
                    )?;
                }
            }
            let entry =
                store::get(c, structure_id, e.id)?.ok_or(AppError::NotFound("hour entry"))?;
            let action = match decision {
                EntryDecision::Validate => HistoryAction::Validate,
                EntryDecision::Reject => HistoryAction::Reject,
            };
            store::write_history(
                c,
                user_id,
                now,
                &[NewChange {
                    entry_id: e.id,
                    before: Some(before.snapshot()),
                    after: entry.figures().snapshot(),
                    action,
                    reason,
                }],
            )?;
            out.push(entry);
        }
        named_entries(c, caller, out)
    })
}

/// The history of an entry the caller may see (a contractor: of its own placements).
pub fn entry_history(
    conn: &mut Conn,
    caller: &Caller,
    id: HourEntryId,
) -> AppResult<Vec<HistoryEntry>> {
    let e = store::get(conn, caller.structure_id, id)?.ok_or(AppError::NotFound("hour entry"))?;
    let visible = placements::find(conn, caller.structure_id, e.placement_id)?
        .is_some_and(|p| may_see_placement(caller, &p));
    if !visible {
        return Err(AppError::NotFound("hour entry"));
    }
    Ok(store::changes(conn, id)?)
}

/// A page of the entries the caller may see, and how many there are in all.
pub fn list_entries(
    conn: &mut Conn,
    caller: &Caller,
    status: Option<&str>,
    mut filter: EntryFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<store::HourEntryView>, i64)> {
    if let Some(s) = status {
        filter.status =
            Some(EntryStatus::parse(s).ok_or_else(|| Violation::new("status", "entry_status"))?);
    }
    filter.contractor = caller.contractor_org();
    Ok(store::list(
        conn,
        caller.structure_id,
        &filter,
        limit,
        offset,
    )?)
}

/// The rows of a month's template: the placements open in the month that the caller may
/// report on.
pub fn template_rows(
    conn: &mut Conn,
    caller: &Caller,
    month: Month,
) -> AppResult<Vec<TemplateRow>> {
    Ok(placements::template_rows(
        conn,
        caller.structure_id,
        caller.contractor_org(),
        month,
    )?)
}

/// Most months whose people [`people_of_lines`] looks up: a file naming more months gets
/// names for its first ones only (a hostile file must not make one query per line).
pub const MOST_MONTHS_NAMED: usize = 24;

/// The person and job of each placement named by the lines of an import file (placement
/// id, month), among the placements open in that month that the caller may report on:
/// what a refused line shows beside its number. Lines naming a placement the caller may
/// not see, or a month it is not open in, get no name.
pub fn people_of_lines(
    conn: &mut Conn,
    caller: &Caller,
    lines: &[(i64, String)],
) -> AppResult<HashMap<(i64, String), String>> {
    let mut months: Vec<Month> = Vec::new();
    for (_, m) in lines {
        if let Some(m) = Month::parse(m) {
            if !months.contains(&m) && months.len() < MOST_MONTHS_NAMED {
                months.push(m);
            }
        }
    }
    let wanted: HashSet<&(i64, String)> = lines.iter().collect();
    let mut out = HashMap::new();
    for month in months {
        for row in template_rows(conn, caller, month)? {
            let key = (row.placement_id, row.month.clone());
            if wanted.contains(&key) {
                let label = match row.job_title.trim() {
                    "" => row.participant,
                    job => format!("{} ({job})", row.participant),
                };
                out.insert(key, label);
            }
        }
    }
    Ok(out)
}
