//! Monthly hour entries (docs/domain.md#hour-entries): months, the rules of one entry, bulk
//! import from CSV or XLSX (docs/domain.md#hours-import), and the templates contractors fill
//! in.

use std::collections::hash_map::Entry;
use std::io::Cursor;

use foldhash::{HashMap, HashMapExt};

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::domain::period::Month;
use crate::domain::rule::Violation;
use crate::domain::spreadsheet::{defused, header_key, CsvDialect};
use crate::domain::units::parse_hundredths;
use crate::domain::xlsx_guard::{self, Refusal, XlsxLimits};

/// Default monthly cap on work and training hours together (208 h), in hundredths.
pub const DEFAULT_MONTHLY_CAP: i64 = 20800;

/// Hundredths of an hour as a short decimal: 3500 -> "35", 3550 -> "35.5", 3525 -> "35.25".
pub fn format_hours(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    let (whole, frac) = (abs / 100, abs % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Months

/// Parses a month written `YYYY-MM` (exactly), years 1 to 9999.
pub fn parse_month(s: &str) -> Option<(i32, u32)> {
    let (year, month) = s.split_once('-')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let year = parse_digits(year)? as i32;
    let month = parse_digits(month)?;
    (year >= 1 && (1..=12).contains(&month)).then_some((year, month))
}

/// A string of ASCII digits only (no sign, no spaces), at most 9 of them.
fn parse_digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

pub fn month_key(year: i32, month: u32) -> String {
    format!("{year:04}-{month:02}")
}

/// The month of a date, as `YYYY-MM`.
pub fn month_of(day: NaiveDate) -> String {
    month_key(day.year(), day.month())
}

pub fn month_first_day(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

pub fn month_last_day(year: i32, month: u32) -> Option<NaiveDate> {
    month_first_day(year, month)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

/// The months from the month of `from` to the month of `to`, both included, as `YYYY-MM`;
/// empty when `to` is before `from`.
pub fn months_between(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut months = Vec::new();
    let mut current = from.with_day(1);
    while let Some(first) = current {
        if first > to {
            break;
        }
        months.push(month_of(first));
        current = first.checked_add_months(Months::new(1));
    }
    months
}

// ---------------------------------------------------------------------------------------------
// Monthly cap of a person

/// A placement's dates as the cap reads them: first day, last day (none: still open).
pub type OpenPeriod = (NaiveDate, Option<NaiveDate>);

/// The days of the month on which at least one of the periods is open (both ends included);
/// a day covered by several overlapping periods counts once.
pub fn open_days_in_month(year: i32, month: u32, periods: &[OpenPeriod]) -> u32 {
    let (Some(first), Some(last)) = (month_first_day(year, month), month_last_day(year, month))
    else {
        return 0;
    };
    // The periods cut to the month, in order, then their union counted: an import asks
    // 50,000 times, where walking the month's days took a tenth of its planning.
    let mut spans: Vec<(NaiveDate, NaiveDate)> = periods
        .iter()
        .map(|&(start, end)| (start.max(first), end.map_or(last, |e| e.min(last))))
        .filter(|(from, to)| from <= to)
        .collect();
    spans.sort_unstable();
    let mut days = 0;
    let mut counted_to: Option<NaiveDate> = None;
    for (from, to) in spans {
        // The days of this span after those already counted.
        let from = match counted_to {
            Some(c) if c >= to => continue,
            Some(c) if c >= from => c.succ_opt().unwrap_or(to),
            _ => from,
        };
        days += (to - from).num_days() + 1;
        counted_to = Some(to);
    }
    u32::try_from(days).unwrap_or(0)
}

/// A person's cap for a month, in hundredths (docs/domain.md#monthly-cap): the monthly cap
/// scaled to the days on which at least one of the person's placements is open,
/// cap × open days ÷ days in the month, rounded down. A month that does not exist has no
/// open day.
pub fn person_monthly_cap(cap: i64, year: i32, month: u32, periods: &[OpenPeriod]) -> i64 {
    let Some(days) = month_last_day(year, month).map(|d| i64::from(d.day())) else {
        return 0;
    };
    let open = i64::from(open_days_in_month(year, month, periods));
    cap.saturating_mul(open) / days
}

// ---------------------------------------------------------------------------------------------
// One entry

/// What the rules of one monthly entry need to know.
#[derive(Debug, Clone, Copy)]
pub struct EntryCheck<'a> {
    /// The month as given, `YYYY-MM`.
    pub month: &'a str,
    /// Hundredths of an hour.
    pub work: i64,
    pub training: i64,
    pub placement_start: NaiveDate,
    pub placement_end: Option<NaiveDate>,
    pub today: NaiveDate,
    /// Hundredths already reported or validated for the same person and month on other placements.
    pub other_placements_same_month: i64,
    /// Cap on work, training and other placements together for one person and month.
    pub monthly_cap: i64,
    /// Whether a refusal may show the other placements' figures (staff). A contractor's
    /// refusal shows none of them, nor the month's total they are part of: those hours may
    /// be another organisation's.
    pub disclose_other_placements: bool,
}

/// Checks one monthly entry; lists every broken rule.
pub fn check_entry(c: &EntryCheck) -> Result<(), Vec<Violation>> {
    let mut errors = Vec::new();
    if let Err(v) = check_entry_month(c) {
        errors.push(v);
    }
    if c.work < 0 {
        errors.push(Violation::new("work_hours", "negative_hours"));
    }
    if c.training < 0 {
        errors.push(Violation::new("training_hours", "negative_hours"));
    }
    if c.work >= 0 && c.training >= 0 {
        if let Err(v) = check_monthly_cap(c) {
            errors.push(v);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn check_entry_month(c: &EntryCheck) -> Result<(), Violation> {
    let malformed = || Violation::new("month", "month_malformed");
    let (year, month) = parse_month(c.month).ok_or_else(malformed)?;
    let (first, last) = month_first_day(year, month)
        .zip(month_last_day(year, month))
        .ok_or_else(malformed)?;
    if first > c.today {
        return Err(Violation::new("month", "month_in_future")
            .with("month", c.month)
            .with("today", c.today));
    }
    let before_start = last < c.placement_start;
    let after_end = c.placement_end.is_some_and(|end| first > end);
    if before_start || after_end {
        let v = Violation::new("month", "month_outside_placement")
            .with("month", c.month)
            .with("starts_on", c.placement_start);
        return Err(match c.placement_end {
            Some(end) => v.with("ends_on", end),
            None => v,
        });
    }
    Ok(())
}

fn check_monthly_cap(c: &EntryCheck) -> Result<(), Violation> {
    let own = c.work.saturating_add(c.training);
    let total = own.saturating_add(c.other_placements_same_month);
    if total <= c.monthly_cap {
        return Ok(());
    }
    let figures = |code| {
        Violation::new("work_hours", code)
            .with("work", format_hours(c.work))
            .with("training", format_hours(c.training))
    };
    if c.other_placements_same_month > 0 && !c.disclose_other_placements {
        // A contractor: no figure of the other placements, nor the total they are part of.
        return Err(figures("above_monthly_cap_with_other_placements")
            .with("cap", format_hours(c.monthly_cap)));
    }
    let v = figures("above_monthly_cap");
    let v = if c.other_placements_same_month > 0 {
        v.with("other", format_hours(c.other_placements_same_month))
    } else {
        v
    };
    Err(v
        .with("total", format_hours(total))
        .with("cap", format_hours(c.monthly_cap)))
}

// ---------------------------------------------------------------------------------------------
// The state of an entry, and what a batch of new figures does to the entries

crate::domain::vocabulary::vocabulary! {
    /// The status of an entry (stored as the same text).
    pub enum EntryStatus ("hour entry status") {
        Submitted = "submitted",
        Validated = "validated",
        Rejected = "rejected",
    }
}

/// The figures of an entry that the rules read: small and `Copy`, so a batch can hold the
/// entries of thousands of people at little cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryFigures {
    pub id: i64,
    pub work: i64,
    pub training: i64,
    pub status: EntryStatus,
    pub validated_work: Option<i64>,
    pub validated_training: Option<i64>,
}

impl EntryFigures {
    /// 1 for an entry waiting for validation, else 0 (the queue's count).
    pub fn waiting(&self) -> i64 {
        i64::from(self.status == EntryStatus::Submitted)
    }

    /// One while the entry is not refused: the month's report is in for its placement.
    pub fn reported(&self) -> i64 {
        i64::from(self.status != EntryStatus::Rejected)
    }

    /// Hours waiting for validation (progress counts them apart).
    pub fn pending(&self) -> i64 {
        if self.status == EntryStatus::Submitted {
            self.work + self.training
        } else {
            0
        }
    }

    /// The figure the entry weighs in the monthly cap of its person: the latest reported
    /// one, or for a rejected entry the validated one it still has.
    pub fn cap_figure(&self) -> i64 {
        match self.status {
            EntryStatus::Rejected => {
                self.validated_work.unwrap_or(0) + self.validated_training.unwrap_or(0)
            }
            _ => self.work + self.training,
        }
    }

    /// The entry once a new figure replaced this one: submitted again, validated figures
    /// kept until the next validation.
    pub fn replaced_by(&self, work: i64, training: i64) -> EntryFigures {
        EntryFigures {
            work,
            training,
            status: EntryStatus::Submitted,
            ..*self
        }
    }

    /// A new entry's figures.
    pub fn new_entry(id: i64, work: i64, training: i64) -> EntryFigures {
        EntryFigures {
            id,
            work,
            training,
            status: EntryStatus::Submitted,
            validated_work: None,
            validated_training: None,
        }
    }

    /// The entry's figures as the history records them: a JSON object, its fields in key
    /// order, the validated figures left out while there are none. The history reads a
    /// missing field as null (`store::history::changes_between`), like the explicit null of
    /// the lines written before, so the shorter text shows the same changes; half of all
    /// history lines are the submissions of new entries, which have no validated figure.
    pub fn snapshot(&self) -> String {
        use std::fmt::Write;
        // Written straight into one string: an import writes 50,000 and a status is one of
        // three plain words, so nothing needs escaping.
        let mut out = String::with_capacity(112);
        out.push_str("{\"status\":\"");
        out.push_str(self.status.as_str());
        let _ = write!(out, "\",\"training_hours\":{}", self.training);
        if let Some(v) = self.validated_training {
            let _ = write!(out, ",\"validated_training\":{v}");
        }
        if let Some(v) = self.validated_work {
            let _ = write!(out, ",\"validated_work\":{v}");
        }
        let _ = write!(out, ",\"work_hours\":{}}}", self.work);
        out
    }
}

/// What a new figure does to the entry of its month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigurePlan {
    Unchanged,
    Create,
    /// Replace the figure; `amended` when a validated figure exists (it keeps counting).
    Replace {
        amended: bool,
    },
}

/// Decides what a new figure does to the existing entry: same figures change nothing; a
/// validated figure changes only by an amendment with a reason.
pub fn plan_figure(
    existing: Option<&EntryFigures>,
    work: i64,
    training: i64,
    reason: Option<&str>,
) -> Result<FigurePlan, Violation> {
    let Some(e) = existing else {
        return Ok(FigurePlan::Create);
    };
    if e.work == work && e.training == training && e.status != EntryStatus::Rejected {
        return Ok(FigurePlan::Unchanged);
    }
    let locked = e.validated_work.is_some();
    if locked && reason.is_none() {
        return Err(Violation::new(
            "amendment_reason",
            "amendment_reason_required",
        ));
    }
    Ok(FigurePlan::Replace { amended: locked })
}

/// A placement's dates and person, as the planner reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacementDates {
    pub id: i64,
    pub participant_id: i64,
    pub starts_on: NaiveDate,
    /// Last day (none: still open).
    pub ends_on: Option<NaiveDate>,
}

/// A stored entry, as the planner reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredEntry {
    pub placement_id: i64,
    pub participant_id: i64,
    pub month: Month,
    pub figures: EntryFigures,
}

/// One line of a batch: a monthly report is a batch of one, an import file a batch of its
/// rows.
#[derive(Debug, Clone, Copy)]
pub struct BatchLine<'a> {
    pub placement_id: i64,
    /// The placement, when the caller may report on it.
    pub placement: Option<&'a PlacementDates>,
    /// The month as given, `YYYY-MM`.
    pub month: &'a str,
    pub work: i64,
    pub training: i64,
    /// Trimmed, never empty.
    pub amendment_reason: Option<&'a str>,
}

/// The rules a batch runs under.
#[derive(Debug, Clone, Copy)]
pub struct BatchRules {
    pub today: NaiveDate,
    /// The monthly cap setting, before scaling to each person's open days.
    pub monthly_cap: i64,
    /// Whether a refusal may show the other placements' figures (staff).
    pub disclose_other_placements: bool,
}

/// What one line of a batch does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineDecision {
    /// Broken rules: the whole batch is refused.
    Refused(Vec<Violation>),
    /// The same figures as the entry already holds: nothing to write.
    Unchanged,
    /// A figure to write.
    Write(EntryWrite),
}

/// A figure to write for a placement and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryWrite {
    pub placement_id: i64,
    pub month: Month,
    pub work: i64,
    pub training: i64,
    /// The stored entry before this batch, if any (none: a new entry).
    pub before: Option<EntryFigures>,
    /// A validated figure is amended (the reason is kept with it).
    pub amended: bool,
}

impl EntryWrite {
    /// What the write adds to the hours waiting for validation of its month.
    pub fn pending_delta(&self) -> i64 {
        self.work + self.training - self.before.map_or(0, |e| e.pending())
    }

    /// What the write adds to the entries waiting for validation of its month: every write
    /// leaves its entry waiting.
    pub fn waiting_delta(&self) -> i64 {
        1 - self.before.map_or(0, |e| e.waiting())
    }

    /// What the write adds to the entries not refused of its month (a refused entry sent
    /// again counts once more).
    pub fn reported_delta(&self) -> i64 {
        1 - self.before.map_or(0, |e| e.reported())
    }
}

/// Decides the lines of a batch in order against an in-memory view of the entries and of
/// each person's month totals, so that a batch which would break the monthly cap with its own
/// lines is refused like lines sent one by one.
pub struct BatchPlanner<'a> {
    rules: BatchRules,
    /// Each person's placements' dates, for the monthly cap.
    periods: &'a HashMap<i64, Vec<OpenPeriod>>,
    /// Each placement and month's entry. One map (and one for the people below) rather than
    /// one per figure: an import looks each up once per line, 50,000 times, and the time
    /// goes in reaching the table's memory.
    entries: HashMap<(i64, Month), PlannedEntry>,
    /// Each person and month: the cap figure over all placements and the cap.
    people: HashMap<(i64, Month), PersonMonth>,
}

/// A placement and month's entry in a batch.
#[derive(Debug, Clone, Copy, Default)]
struct PlannedEntry {
    /// As the lines decided so far left it.
    current: Option<EntryFigures>,
    /// The stored entry before the batch, once a line has written a figure.
    before_batch: Option<Option<EntryFigures>>,
}

/// A person's month in a batch.
#[derive(Debug, Clone, Copy, Default)]
struct PersonMonth {
    /// The cap figure over all of the person's placements.
    total: i64,
    /// The person's cap, scaled to the days its placements are open (once asked).
    cap: Option<i64>,
}

impl<'a> BatchPlanner<'a> {
    pub fn new(
        rules: BatchRules,
        periods: &'a HashMap<i64, Vec<OpenPeriod>>,
        stored: impl IntoIterator<Item = StoredEntry>,
    ) -> BatchPlanner<'a> {
        let mut entries = HashMap::new();
        let mut people: HashMap<(i64, Month), PersonMonth> = HashMap::new();
        for e in stored {
            people.entry((e.participant_id, e.month)).or_default().total += e.figures.cap_figure();
            entries.insert(
                (e.placement_id, e.month),
                PlannedEntry {
                    current: Some(e.figures),
                    before_batch: None,
                },
            );
        }
        BatchPlanner {
            rules,
            periods,
            entries,
            people,
        }
    }

    /// Room for the lines of a batch of `lines`, so that its maps grow once.
    pub fn reserve(&mut self, lines: usize) {
        self.entries.reserve(lines);
        self.people.reserve(lines);
    }

    /// The entry of a placement and month as the lines decided so far left it.
    pub fn current(&self, placement_id: i64, month: Month) -> Option<&EntryFigures> {
        self.entries
            .get(&(placement_id, month))
            .and_then(|e| e.current.as_ref())
    }

    /// Decides one line; later lines see its figure.
    pub fn decide(&mut self, line: &BatchLine<'_>) -> LineDecision {
        let Some(p) = line.placement else {
            return LineDecision::Refused(vec![Violation::new(
                "placement_id",
                "placement_unknown",
            )
            .with("placement_id", line.placement_id)]);
        };
        // A month that does not parse is refused by `check_entry` below.
        let month = Month::parse(line.month);
        let (entry, person) = match month {
            Some(m) => {
                let entry = self.entries.entry((p.id, m)).or_default();
                let person = self.people.entry((p.participant_id, m)).or_default();
                if person.cap.is_none() {
                    let (year, number) = m.tuple();
                    let dates = self
                        .periods
                        .get(&p.participant_id)
                        .map_or(&[][..], Vec::as_slice);
                    person.cap = Some(person_monthly_cap(
                        self.rules.monthly_cap,
                        year,
                        number,
                        dates,
                    ));
                }
                (Some(entry), Some(person))
            }
            None => (None, None),
        };
        let current = entry.as_ref().and_then(|e| e.current);
        let own = current.map_or(0, |e| e.cap_figure());
        let month_total = person.as_ref().map_or(0, |m| m.total);
        let monthly_cap = person.as_ref().and_then(|m| m.cap).unwrap_or(0);
        let checked = check_entry(&EntryCheck {
            month: line.month,
            work: line.work,
            training: line.training,
            placement_start: p.starts_on,
            placement_end: p.ends_on,
            today: self.rules.today,
            other_placements_same_month: month_total - own,
            monthly_cap,
            disclose_other_placements: self.rules.disclose_other_placements,
        });
        if let Err(violations) = checked {
            return LineDecision::Refused(violations);
        }
        let planned = match plan_figure(
            current.as_ref(),
            line.work,
            line.training,
            line.amendment_reason,
        ) {
            Ok(plan) => plan,
            Err(v) => return LineDecision::Refused(vec![v]),
        };
        let (Some(month), Some(entry), Some(person)) = (month, entry, person) else {
            // `check_entry` already refuses such a month; kept as a refusal, never a panic.
            return LineDecision::Refused(vec![Violation::new("month", "month_malformed")]);
        };
        if planned == FigurePlan::Unchanged {
            return LineDecision::Unchanged;
        }
        person.total += line.work + line.training - own;
        let before = *entry.before_batch.get_or_insert(current);
        let base = current.unwrap_or(EntryFigures::new_entry(0, 0, 0));
        entry.current = Some(base.replaced_by(line.work, line.training));
        LineDecision::Write(EntryWrite {
            placement_id: p.id,
            month,
            work: line.work,
            training: line.training,
            before,
            amended: planned == FigurePlan::Replace { amended: true },
        })
    }
}

/// The writes a batch leaves: a batch may name the same placement and month twice, only its
/// last figure is written (with the entry as it was before the batch). In batch order.
pub fn last_writes(writes: &[EntryWrite]) -> Vec<EntryWrite> {
    let mut last: HashMap<(i64, Month), usize> = HashMap::new();
    for (i, w) in writes.iter().enumerate() {
        last.insert((w.placement_id, w.month), i);
    }
    writes
        .iter()
        .enumerate()
        .filter(|(i, w)| last[&(w.placement_id, w.month)] == *i)
        .map(|(_, w)| *w)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Bulk import

/// One valid row of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Line as a spreadsheet shows it (header = 1).
    pub line: usize,
    pub placement_id: i64,
    /// `YYYY-MM`.
    pub month: String,
    pub work_hours: i64,
    pub training_hours: i64,
}

/// A problem in an import file: `field` is a column name, or `file` / `row` for the whole
/// file or line; `code` says which rule the line breaks, for programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportError {
    pub line: usize,
    pub field: String,
    /// Stable machine code of the broken rule (`hours_too_many_decimals`).
    #[schema(value_type = String)]
    pub code: &'static str,
    /// The sentence people read, rendered from `rule` at the HTTP edge (`api::messages`);
    /// empty until then.
    pub message: String,
    /// The broken rule itself: its field, code and the values its message needs.
    /// (Boxed: a line error stays small in the results that carry it.)
    #[serde(skip)]
    pub rule: Box<Violation>,
}

impl ImportError {
    /// The broken rule `violation` on line `line`.
    pub fn new(line: usize, violation: Violation) -> Self {
        ImportError {
            line,
            field: violation.field.clone(),
            code: violation.code,
            message: String::new(),
            rule: Box::new(violation),
        }
    }
}

/// How many errors of an import are kept and returned; the others are only counted.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// The errors of an import: every one counted, the first `MAX_REPORTED_ERRORS` by line kept
/// (a file of a million bad lines must not become a million messages in memory). Derefs to
/// the kept errors, in line order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportErrors {
    kept: Vec<ImportError>,
    count: usize,
}

impl ImportErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn one(error: ImportError) -> Self {
        let mut errors = Self::new();
        errors.push(error);
        errors
    }

    /// Counts the error and keeps it if it is among the first by line (equal lines keep the
    /// order they came in).
    pub fn push(&mut self, error: ImportError) {
        self.count += 1;
        let at = self.kept.partition_point(|e| e.line <= error.line);
        if at >= MAX_REPORTED_ERRORS {
            return;
        }
        if self.kept.len() == MAX_REPORTED_ERRORS {
            self.kept.pop();
        }
        self.kept.insert(at, error);
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds the errors of another part of the file (those it did not keep still counted).
    pub fn append(&mut self, other: ImportErrors) {
        let unkept = other.count - other.kept.len();
        self.extend(other.kept);
        self.count += unkept;
    }

    /// Every error found, kept or not.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The kept errors, in line order.
    pub fn into_first(self) -> Vec<ImportError> {
        self.kept
    }
}

impl std::ops::Deref for ImportErrors {
    type Target = [ImportError];
    fn deref(&self) -> &[ImportError] {
        &self.kept
    }
}

impl Extend<ImportError> for ImportErrors {
    fn extend<T: IntoIterator<Item = ImportError>>(&mut self, iter: T) {
        for e in iter {
            self.push(e);
        }
    }
}

/// Most characters of a value quoted in an error message.
pub const QUOTED_CHARS: usize = 50;

/// A value as quoted in a message: its first `QUOTED_CHARS` characters, then "…" when cut
/// (characters, not bytes: a cut never splits one).
pub fn excerpt(value: &str) -> String {
    truncate_chars(value, QUOTED_CHARS)
}

fn truncate_chars(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value.to_string(),
    }
}

const COL_PLACEMENT: &str = "placement_id";
const COL_MONTH: &str = "month";
const COL_WORK: &str = "work_hours";
const COL_TRAINING: &str = "training_hours";

/// The columns an import reads, each as (its English name, which is also the field its
/// errors name, and its French name, as the template's header writes it). A header names a
/// column in either language, case, accents and punctuation aside (`spreadsheet::header_key`).
/// Other columns (the template's `Personne` and `Poste`, notes) are ignored.
const IMPORT_COLUMNS: [(&str, &str); 4] = [
    (COL_PLACEMENT, "N° mise en situation"),
    (COL_MONTH, "Mois"),
    (COL_WORK, "Heures de travail"),
    (COL_TRAINING, "Heures de formation"),
];

/// A cell as read from either format, before interpretation.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Date(NaiveDate),
    /// A cell of a kind that no column accepts: its kind (`boolean`, `error_cell`,
    /// `duration`, `duration_iso`, `date_cell`) and its value.
    Other(&'static str, String),
}

impl Cell {
    fn text(s: &str) -> Cell {
        let s = s.trim();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_string())
        }
    }

    /// Adds what the cell holds to a violation: `got_kind` (`empty`, `text`, `number`,
    /// `date` or an `Other` kind) and `got`, its value (cut by `excerpt` when text).
    fn describe(&self, v: Violation) -> Violation {
        let (kind, value) = match self {
            Cell::Empty => ("empty", String::new()),
            Cell::Text(s) => ("text", excerpt(s)),
            Cell::Int(i) => ("number", i.to_string()),
            Cell::Float(f) => ("number", f.to_string()),
            Cell::Date(d) => ("date", d.to_string()),
            Cell::Other(kind, value) => (*kind, value.clone()),
        };
        v.with("got_kind", kind).with("got", value)
    }
}

/// Positions of the four columns in a row.
#[derive(Clone)]
struct Columns {
    placement_id: usize,
    month: usize,
    work: usize,
    training: usize,
}

fn find_columns(header: &[Cell], line: usize) -> Result<Columns, Vec<ImportError>> {
    let keys: Vec<String> = header
        .iter()
        .map(|c| match c {
            Cell::Text(s) => header_key(s),
            _ => String::new(),
        })
        .collect();
    let names_one = |name: &str| keys.contains(&header_key(name));
    // Errors name the columns in the file's language: English when it uses an English name
    // and no French one, French otherwise (as in the template).
    let english = IMPORT_COLUMNS.iter().any(|(en, _)| names_one(en))
        && !IMPORT_COLUMNS.iter().any(|(_, fr)| names_one(fr));
    let shown = |(en, fr): (&'static str, &'static str)| if english { en } else { fr };
    let other = |(en, fr): (&'static str, &'static str)| if english { fr } else { en };
    let required = format!(
        "{} (ou leurs noms {} : {})",
        IMPORT_COLUMNS
            .map(|c| format!("« {} »", shown(c)))
            .join(", "),
        if english { "français" } else { "anglais" },
        IMPORT_COLUMNS.map(other).join(", ")
    );
    let mut errors = Vec::new();
    let mut position = |(en, fr): (&'static str, &'static str)| {
        let (en_key, fr_key) = (header_key(en), header_key(fr));
        let found: Vec<usize> = (0..keys.len())
            .filter(|i| keys[*i] == en_key || keys[*i] == fr_key)
            .collect();
        let column = shown((en, fr));
        match found.as_slice() {
            [i] => Some(*i),
            [] => {
                errors.push(ImportError::new(
                    line,
                    Violation::new(en, "column_missing")
                        .with("column", column)
                        .with("required", &required),
                ));
                None
            }
            _ => {
                errors.push(ImportError::new(
                    line,
                    Violation::new(en, "column_duplicated").with("column", column),
                ));
                None
            }
        }
    };
    let [placement_id, month, work, training] = IMPORT_COLUMNS.map(&mut position);
    match (placement_id, month, work, training) {
        (Some(placement_id), Some(month), Some(work), Some(training)) => Ok(Columns {
            placement_id,
            month,
            work,
            training,
        }),
        _ => Err(errors),
    }
}

fn is_blank_row(cells: &[Cell]) -> bool {
    cells.iter().all(|c| *c == Cell::Empty)
}

/// Reads the rows of either format: the first non-blank row is the header, blank rows are
/// skipped, every error is collected, and a (placement, month) pair may appear only once.
fn parse_rows<I>(mut rows: I) -> Result<Vec<ImportRow>, ImportErrors>
where
    I: Iterator<Item = Result<(usize, Vec<Cell>), ImportError>>,
{
    let mut read = RowsRead::default();
    read.read_header(&mut rows);
    read.read(rows);
    read.finish()
}

/// The next row that is not blank, the unreadable ones met before it added to `errors`.
fn next_filled_row<I>(rows: &mut I, errors: &mut ImportErrors) -> Option<(usize, Vec<Cell>)>
where
    I: Iterator<Item = Result<(usize, Vec<Cell>), ImportError>>,
{
    for row in rows {
        match row {
            Ok((_, cells)) if is_blank_row(&cells) => {}
            Ok(row) => return Some(row),
            Err(e) => errors.push(e),
        }
    }
    None
}

/// Rows read from a file, or from one part of it.
#[derive(Default)]
struct RowsRead {
    /// Found in the header; given for a part that follows it.
    columns: Option<Columns>,
    /// The number of cells of the header row.
    header_width: Option<usize>,
    /// The header names no usable column set: its errors are all there is to say.
    header_refused: bool,
    parsed: Vec<ImportRow>,
    errors: ImportErrors,
}

impl RowsRead {
    /// Reads rows until the header (the first non-blank row) is found or refused.
    fn read_header<I>(&mut self, rows: &mut I)
    where
        I: Iterator<Item = Result<(usize, Vec<Cell>), ImportError>>,
    {
        let Some((line, cells)) = next_filled_row(rows, &mut self.errors) else {
            return;
        };
        match find_columns(&cells, line) {
            Ok(found) => {
                self.columns = Some(found);
                self.header_width = Some(cells.len());
            }
            Err(header) => {
                self.errors.extend(header);
                self.header_refused = true;
            }
        }
    }

    /// Reads the data rows after the header (none when it was not found or refused).
    fn read<I>(&mut self, mut rows: I)
    where
        I: Iterator<Item = Result<(usize, Vec<Cell>), ImportError>>,
    {
        let Some(cols) = &self.columns else {
            return;
        };
        while let Some((line, cells)) = next_filled_row(&mut rows, &mut self.errors) {
            match parse_row(line, &cells, cols) {
                Ok(row) => self.parsed.push(row),
                Err(row_errors) => self.errors.extend(row_errors),
            }
        }
    }

    /// The rows of the part of the file that follows this one.
    fn append(&mut self, next: RowsRead) {
        self.parsed.extend(next.parsed);
        self.errors.append(next.errors);
    }

    /// The rows, or every error including a (placement, month) pair named twice.
    fn finish(self) -> Result<Vec<ImportRow>, ImportErrors> {
        let RowsRead {
            columns,
            header_refused,
            parsed,
            mut errors,
            ..
        } = self;
        if header_refused {
            return Err(errors);
        }
        // Rows come in line order, so the first of a pair is the one named.
        let mut seen: HashMap<(i64, &str), usize> = HashMap::with_capacity(parsed.len());
        for row in &parsed {
            match seen.entry((row.placement_id, row.month.as_str())) {
                Entry::Occupied(first) => errors.push(ImportError::new(
                    row.line,
                    Violation::new(COL_MONTH, "row_duplicated")
                        .with("placement_id", row.placement_id)
                        .with("month", &row.month)
                        .with("first_line", *first.get()),
                )),
                Entry::Vacant(slot) => {
                    slot.insert(row.line);
                }
            }
        }
        drop(seen);
        if columns.is_none() && errors.is_empty() {
            errors.push(ImportError::new(1, Violation::new("file", "file_empty")));
        } else if parsed.is_empty() && errors.is_empty() {
            errors.push(ImportError::new(
                1,
                Violation::new("file", "file_no_data_rows"),
            ));
        }
        if errors.is_empty() {
            Ok(parsed)
        } else {
            Err(errors)
        }
    }
}

fn parse_row(line: usize, cells: &[Cell], cols: &Columns) -> Result<ImportRow, Vec<ImportError>> {
    let cell = |i: usize| cells.get(i).unwrap_or(&Cell::Empty);
    let placement_id = placement_id_of(cell(cols.placement_id));
    let month = month_of_cell(cell(cols.month));
    let work = hours_of(cell(cols.work), true);
    let training = hours_of(cell(cols.training), false);
    match (placement_id, month, work, training) {
        (Ok(placement_id), Ok(month), Ok(work_hours), Ok(training_hours)) => Ok(ImportRow {
            line,
            placement_id,
            month,
            work_hours,
            training_hours,
        }),
        (p, m, w, t) => {
            let named = [
                (COL_PLACEMENT, p.err()),
                (COL_MONTH, m.err()),
                (COL_WORK, w.err()),
                (COL_TRAINING, t.err()),
            ];
            Err(named
                .into_iter()
                .filter_map(|(field, e)| e.map(|v| ImportError::new(line, v.under(field))))
                .collect())
        }
    }
}

/// A broken rule of one cell, before its column is known (`field` empty).
fn cell_rule(code: &'static str) -> Violation {
    Violation::new("", code)
}

fn placement_id_of(cell: &Cell) -> Result<i64, Violation> {
    let id = match cell {
        Cell::Empty => return Err(cell_rule("cell_required")),
        Cell::Text(s) => s.parse::<i64>().ok(),
        Cell::Int(i) => Some(*i),
        // Integers up to 2^53 are exact in a float.
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => Some(*f as i64),
        _ => None,
    };
    match id {
        Some(id) if id > 0 => Ok(id),
        _ => Err(cell.describe(cell_rule("placement_id_malformed"))),
    }
}

fn month_of_cell(cell: &Cell) -> Result<String, Violation> {
    let month = match cell {
        Cell::Empty => return Err(cell_rule("cell_required")),
        Cell::Text(s) => month_from_text(s),
        Cell::Date(d) => Some((d.year(), d.month())),
        // A bare number in the month column of a spreadsheet is an Excel serial date.
        Cell::Int(_) | Cell::Float(_) => excel_serial_date(cell).map(|d| (d.year(), d.month())),
        Cell::Other(..) => None,
    };
    month
        .map(|(y, m)| month_key(y, m))
        .ok_or_else(|| cell.describe(cell_rule("month_cell_malformed")))
}

/// Months as people and spreadsheets write them: `YYYY-MM`, `MM/YYYY`, `YYYY-MM-DD`,
/// `DD/MM/YYYY`, the two dates possibly followed by a time, and a French month name with
/// its year (`mars 2026`, or `mars-26` as French Excel shows and saves a `2026-03` it took
/// for a date).
fn month_from_text(s: &str) -> Option<(i32, u32)> {
    let s = s.trim();
    if let Some(month) = parse_month(s) {
        return Some(month);
    }
    if let Some(month) = french_month_name(s) {
        return Some(month);
    }
    let date_part = s.split([' ', 'T']).next().unwrap_or(s);
    if let Ok(d) = NaiveDate::parse_from_str(date_part, "%Y-%m-%d") {
        return Some((d.year(), d.month()));
    }
    if let Ok(d) = NaiveDate::parse_from_str(date_part, "%d/%m/%Y") {
        return Some((d.year(), d.month()));
    }
    let (month, year) = s.split_once('/')?;
    let month = parse_digits(month).filter(|m| (1..=12).contains(m))?;
    let year = parse_digits(year).filter(|_| year.len() == 4)? as i32;
    (year >= 1).then_some((year, month))
}

/// French month names, full and as French spreadsheets shorten them, accents folded
/// (`spreadsheet::header_key`).
const FRENCH_MONTHS: [&[&str]; 12] = [
    &["janvier", "janv"],
    &["fevrier", "fevr", "fev"],
    &["mars"],
    &["avril", "avr"],
    &["mai"],
    &["juin"],
    &["juillet", "juil"],
    &["aout"],
    &["septembre", "sept"],
    &["octobre", "oct"],
    &["novembre", "nov"],
    &["decembre", "dec"],
];

/// `mars 2026`, `Mars-2026`, `mars-26`, `févr.-26`: a month name, a space or hyphen, and a
/// year of four digits or two (20YY).
fn french_month_name(s: &str) -> Option<(i32, u32)> {
    let at = s.rfind([' ', '-'])?;
    let (name, year) = (header_key(&s[..at]), &s[at + 1..]);
    let month = FRENCH_MONTHS
        .iter()
        .position(|names| names.contains(&name.as_str()))?;
    let year = match year.len() {
        4 => parse_digits(year)? as i32,
        2 => 2000 + parse_digits(year)? as i32,
        _ => return None,
    };
    Some((year, month as u32 + 1))
}

/// The date of an Excel serial number (1900 date system), for plausible dates only.
fn excel_serial_date(cell: &Cell) -> Option<NaiveDate> {
    use calamine::{Data, DataType};
    let value = match cell {
        Cell::Int(i) => *i as f64,
        Cell::Float(f) => *f,
        _ => return None,
    };
    // 1 = 1900-01-01, 2958465 = 9999-12-31.
    if !(1.0..2_958_466.0).contains(&value) {
        return None;
    }
    Data::Float(value).as_date()
}

/// Hours in hundredths from a cell: at most two decimals, never negative.
fn hours_of(cell: &Cell, required: bool) -> Result<i64, Violation> {
    let text = match cell {
        Cell::Empty if required => return Err(cell_rule("cell_required")),
        Cell::Empty => return Ok(0),
        Cell::Text(s) => std::borrow::Cow::Borrowed(s.as_str()),
        Cell::Int(i) => std::borrow::Cow::Owned(i.to_string()),
        // Rust prints the shortest text that reads back as the same float, which is the
        // decimal the person typed: 7.1 prints "7.1", 0.1 + 0.2 prints "0.30000000000000004".
        Cell::Float(f) if f.is_finite() => std::borrow::Cow::Owned(format!("{f}")),
        _ => return Err(cell.describe(cell_rule("hours_not_a_number"))),
    };
    match parse_hundredths(&text) {
        Some(h) if h < 0 => Err(cell_rule("negative_hours")),
        Some(h) => Ok(h),
        None if looks_decimal(&text) => Err(cell.describe(cell_rule("hours_too_many_decimals"))),
        None => Err(cell.describe(cell_rule("hours_not_a_number"))),
    }
}

fn looks_decimal(s: &str) -> bool {
    let s = s.trim().trim_start_matches('-');
    s.contains(['.', ','])
        && s.chars().filter(|c| matches!(c, '.' | ',')).count() == 1
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// Reads a CSV import: UTF-8 with or without BOM, LF or CRLF, `,` or `;` separator detected
/// from the header line, quoted values, decimal point or comma. Lists every error.
pub fn parse_hours_csv(bytes: &[u8]) -> Result<Vec<ImportRow>, ImportErrors> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        ImportErrors::one(ImportError::new(1, Violation::new("file", "file_not_utf8")))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ImportErrors::one(ImportError::new(
            1,
            Violation::new("file", "file_empty"),
        )));
    }
    let delimiter = detect_delimiter(text);
    // A large file is read in two halves on two cores. Only when it holds no quote: a quoted
    // value may hold a line break, and then a line break is not always a row's end.
    let Some((head, tail)) = halves_of(text) else {
        return parse_rows(csv_rows(text, delimiter, 1, None));
    };
    let mut read = RowsRead::default();
    let mut head_rows = csv_rows(head, delimiter, 1, None);
    read.read_header(&mut head_rows);
    if read.columns.is_none() {
        if read.header_refused {
            return read.finish();
        }
        // A first half of blank lines: the header is further on.
        return parse_rows(csv_rows(text, delimiter, 1, None));
    }
    let mut tail_read = RowsRead {
        columns: read.columns.clone(),
        header_width: read.header_width,
        ..RowsRead::default()
    };
    let tail_line = 1 + line_breaks(head.as_bytes());
    std::thread::scope(|scope| {
        let reading_tail = scope.spawn(|| {
            let width = tail_read.header_width;
            tail_read.read(csv_rows(tail, delimiter, tail_line, width));
            tail_read
        });
        read.read(head_rows);
        let tail_read = reading_tail
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.append(tail_read);
    });
    read.finish()
}

/// Files from this size on are read in two halves.
const SPLIT_FROM_BYTES: usize = 64 * 1024;

/// A large text without quotes cut after the line break nearest its middle.
fn halves_of(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    if bytes.len() < SPLIT_FROM_BYTES || bytes.contains(&b'"') {
        return None;
    }
    let middle = bytes.len() / 2;
    let cut = middle + bytes[middle..].iter().position(|&b| b == b'\n')? + 1;
    // After an ASCII line break: a character boundary.
    let (head, tail) = text.split_at(cut);
    (!tail.is_empty()).then_some((head, tail))
}

/// The line breaks of a text as [`LineCounter`] counts them (LF, CRLF once, a lone CR).
fn line_breaks(text: &[u8]) -> usize {
    text.iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && text.get(i + 1) != Some(&b'\n')))
        .count()
}

/// The rows of a CSV text as cells with their line (the text's first being `first_line`);
/// `header_width` is the header's number of cells when the text follows it.
fn csv_rows(
    text: &str,
    delimiter: u8,
    first_line: usize,
    mut header_width: Option<usize>,
) -> impl Iterator<Item = Result<(usize, Vec<Cell>), ImportError>> + '_ {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::starting_at(text.as_bytes(), first_line);
    // One record read into again and again, not one allocated for each of 50,000 lines.
    let mut record = csv::StringRecord::new();
    std::iter::from_fn(move || {
        // A flexible reader over a text already checked as UTF-8 has nothing left to fail on
        // (no I/O, no width rule); its one error kind on a slice is an invalid UTF-8 field.
        match reader.read_record(&mut record) {
            Ok(false) => None,
            Err(e) => {
                let line = e.position().map_or(first_line, |p| lines.line_at(p.byte()));
                Some(Err(ImportError::new(
                    line,
                    Violation::new("file", "file_not_utf8"),
                )))
            }
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(first_line, |p| lines.line_at(p.byte()));
                let cells: Vec<Cell> = record.iter().map(Cell::text).collect();
                Some(checked_width(line, cells, &mut header_width))
            }
        }
    })
}

/// A CSV row's cells, refused when it holds more values than the header has columns: that
/// usually means a decimal comma split a number in a comma-separated file, which would shift
/// the columns silently. The first row that is not blank sets the width.
fn checked_width(
    line: usize,
    cells: Vec<Cell>,
    header_width: &mut Option<usize>,
) -> Result<(usize, Vec<Cell>), ImportError> {
    if is_blank_row(&cells) {
        return Ok((line, cells));
    }
    let width = *header_width.get_or_insert(cells.len());
    if cells[width.min(cells.len())..]
        .iter()
        .any(|c| *c != Cell::Empty)
    {
        return Err(ImportError::new(
            line,
            Violation::new("row", "row_too_many_values")
                .with("values", cells.len())
                .with("columns", width),
        ));
    }
    Ok((line, cells))
}

/// Line numbers of CSV records. The csv crate's own line count goes wrong after CRLF and
/// blank lines, and its byte position is where reading resumed (before any line breaks and
/// blank lines preceding the record), so the record starts after those.
struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    /// Counts from `line`, the text's first.
    fn starting_at(text: &'a [u8], line: usize) -> Self {
        LineCounter { text, pos: 0, line }
    }

    /// The line of the record read from byte `resumed_at`; calls come in increasing order.
    fn line_at(&mut self, resumed_at: u64) -> usize {
        let mut start = usize::try_from(resumed_at)
            .unwrap_or(usize::MAX)
            .clamp(self.pos, self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        for i in self.pos..start {
            let breaks_line = match self.text[i] {
                b'\n' => true,
                // A lone CR (old Mac files) ends a line too; CRLF counts once, on the LF.
                b'\r' => self.text.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            if breaks_line {
                self.line += 1;
            }
        }
        self.pos = start;
        self.line
    }
}

/// `;` when the first non-blank line has more semicolons than commas, else `,`.
fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let semicolons = header.matches(';').count();
    let commas = header.matches(',').count();
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// Reads the first worksheet of an XLSX workbook: numbers, text, date cells. The workbook is
/// checked first (`xlsx_guard`: ranges, sizes inflated, strings), then its cells are read as
/// they stream from calamine, row by row, never as a whole range.
pub fn parse_hours_xlsx(bytes: &[u8]) -> Result<Vec<ImportRow>, ImportErrors> {
    let limits = XlsxLimits::default();
    xlsx_guard::check(bytes, &limits)
        .map_err(|r| ImportErrors::one(ImportError::new(1, r.violation())))?;
    // Calamine indexes shared strings without checking (a sheet may name one the table does
    // not have) and may panic on other inconsistencies: such a file is unreadable, not a fault
    // of the service.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_xlsx(bytes, &limits)))
        .unwrap_or_else(|_| Err(unreadable_xlsx(&"inconsistent workbook")))
}

fn unreadable_xlsx(e: &dyn std::fmt::Display) -> ImportErrors {
    ImportErrors::one(unreadable_xlsx_error(e))
}

fn unreadable_xlsx_error(e: &dyn std::fmt::Display) -> ImportError {
    ImportError::new(
        1,
        Violation::new("file", "xlsx_unreadable")
            .with("error", truncate_chars(&e.to_string(), 200)),
    )
}

fn read_xlsx(bytes: &[u8], limits: &XlsxLimits) -> Result<Vec<ImportRow>, ImportErrors> {
    use calamine::{Reader, Xlsx, XlsxError};
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable_xlsx(&e))?;
    let Some(name) = workbook.sheet_names().first().cloned() else {
        return Err(ImportErrors::one(ImportError::new(
            1,
            Violation::new("file", "xlsx_no_worksheet"),
        )));
    };
    let rows = match workbook.worksheet_cells_reader(&name) {
        Ok(mut reader) => parse_rows(SheetRows {
            next_cell: move || {
                reader
                    .next_cell()
                    .map(|c| {
                        c.map(|c| {
                            (
                                c.get_position(),
                                calamine::Data::from(c.get_value().clone()),
                            )
                        })
                    })
                    .map_err(|e| e.to_string())
            },
            pending: None,
            finished: false,
            limits: *limits,
        }),
        // A chart sheet first: no cells.
        Err(XlsxError::NotAWorksheet(_)) => parse_rows(std::iter::empty()),
        Err(e) => Err(unreadable_xlsx(&e)),
    };
    rows
}

/// A cell of a sheet as calamine streams it: its 0-based (row, column) and its value.
type SheetCell = ((u32, u32), calamine::Data);

/// The rows of a sheet from its cells as calamine streams them (in row order, as spreadsheet
/// applications write them): one row at a time in memory, each cell's position checked
/// against the limits as it comes. Ends after the first error.
struct SheetRows<F> {
    next_cell: F,
    /// The row being gathered: its 0-based index and its cells by column.
    pending: Option<(u32, Vec<Cell>)>,
    finished: bool,
    limits: XlsxLimits,
}

impl<F> Iterator for SheetRows<F>
where
    F: FnMut() -> Result<Option<SheetCell>, String>,
{
    type Item = Result<(usize, Vec<Cell>), ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        loop {
            let ((row, col), value) = match (self.next_cell)() {
                Ok(Some(cell)) => cell,
                Ok(None) => {
                    self.finished = true;
                    return self
                        .pending
                        .take()
                        .map(|(row, cells)| Ok((row as usize + 1, cells)));
                }
                Err(e) => {
                    self.finished = true;
                    return Some(Err(unreadable_xlsx_error(&e)));
                }
            };
            if row >= self.limits.max_rows || col >= self.limits.max_columns {
                self.finished = true;
                let refusal = Refusal::CellOutside {
                    cell: xlsx_guard::cell_name(row, col),
                    rows: self.limits.max_rows,
                    columns: self.limits.max_columns,
                };
                return Some(Err(ImportError::new(1, refusal.violation())));
            }
            if value == calamine::Data::Empty {
                continue;
            }
            let value = cell_of_data(&value);
            let done = match &mut self.pending {
                Some((current, cells)) if *current == row => {
                    put(cells, col, value);
                    None
                }
                Some((current, _)) if row < *current => {
                    self.finished = true;
                    return Some(Err(ImportError::new(
                        row as usize + 1,
                        Violation::new("file", "xlsx_rows_out_of_order"),
                    )));
                }
                _ => {
                    let mut cells = Vec::new();
                    put(&mut cells, col, value);
                    self.pending.replace((row, cells))
                }
            };
            if let Some((done_row, cells)) = done {
                return Some(Ok((done_row as usize + 1, cells)));
            }
        }
    }
}

/// Puts a value in its column (below the column limit, so the row stays small).
fn put(cells: &mut Vec<Cell>, col: u32, value: Cell) {
    let col = col as usize;
    if cells.len() <= col {
        cells.resize(col + 1, Cell::Empty);
    }
    cells[col] = value;
}

fn cell_of_data(data: &calamine::Data) -> Cell {
    use calamine::{Data, DataType};
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::text(s),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        // A duration such as 35:30 is not hours to the hundredth; ask for a decimal number.
        Data::DateTime(dt) if dt.is_duration() => {
            Cell::Other("duration", excerpt(&data.to_string()))
        }
        Data::DateTime(_) | Data::DateTimeIso(_) => match data.as_date() {
            Some(d) => Cell::Date(d),
            None => Cell::Other("date_cell", excerpt(&data.to_string())),
        },
        Data::Bool(b) => Cell::Other("boolean", b.to_string()),
        Data::Error(e) => Cell::Other("error_cell", e.to_string()),
        Data::DurationIso(d) => Cell::Other("duration_iso", excerpt(d)),
    }
}

// ---------------------------------------------------------------------------------------------
// Templates

/// One line of the template a contractor fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub placement_id: i64,
    /// `YYYY-MM`.
    pub month: String,
    pub participant: String,
    pub job_title: String,
    pub contractor: String,
}

/// The template's columns in the French form (CSV `fr` and XLSX): what a site manager opens.
pub const TEMPLATE_HEADER_FR: [&str; 6] = [
    "N° mise en situation",
    "Personne",
    "Poste",
    "Mois",
    "Heures de travail",
    "Heures de formation",
];

/// The template's columns in the `standard` CSV form: the columns programs read, and the
/// row's `label` last.
const TEMPLATE_HEADER_STANDARD: [&str; 8] = [
    COL_PLACEMENT,
    COL_MONTH,
    COL_WORK,
    COL_TRAINING,
    "participant",
    "job_title",
    "contractor",
    "label",
];

impl TemplateRow {
    /// What the line is about, in words: the person and the job.
    fn label(&self) -> String {
        format!("{} — {}", self.participant, self.job_title)
    }
}

/// A CSV template, ids, names and months filled, hours empty: in the French form (`;`,
/// byte-order mark, French headers) or the standard one (`,`, English headers, `label`
/// last). Names are defused (`spreadsheet::defused`): the import ignores those columns.
pub fn template_csv(rows: &[TemplateRow], dialect: CsvDialect) -> String {
    let separator = char::from(dialect.delimiter()).to_string();
    let mut out = dialect.preamble().to_string();
    let header: &[&str] = match dialect {
        CsvDialect::French => &TEMPLATE_HEADER_FR,
        CsvDialect::Standard => &TEMPLATE_HEADER_STANDARD,
    };
    out.push_str(&header.join(&separator));
    out.push('\n');
    for row in rows {
        let text = |value: &str| csv_field(&defused(value));
        let fields = match dialect {
            CsvDialect::French => vec![
                row.placement_id.to_string(),
                text(&row.participant),
                text(&row.job_title),
                csv_field(&row.month),
                String::new(),
                String::new(),
            ],
            CsvDialect::Standard => vec![
                row.placement_id.to_string(),
                csv_field(&row.month),
                String::new(),
                String::new(),
                text(&row.participant),
                text(&row.job_title),
                text(&row.contractor),
                text(&row.label()),
            ],
        };
        out.push_str(&fields.join(&separator));
        out.push('\n');
    }
    out
}

fn csv_field(value: &str) -> String {
    let needs_quotes = value.contains([',', ';', '"', '\n', '\r'])
        || value.starts_with(' ')
        || value.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// An XLSX template with the same columns: bold header, month as text, hours empty.
pub fn template_xlsx(rows: &[TemplateRow]) -> Result<Vec<u8>, String> {
    template_workbook(rows)
        .and_then(|mut workbook| workbook.save_to_buffer())
        .map_err(|e| e.to_string())
}

fn template_workbook(
    rows: &[TemplateRow],
) -> Result<rust_xlsxwriter::Workbook, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Heures")?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let hours = Format::new().set_num_format("0.00");
    for (col, name) in TEMPLATE_HEADER_FR.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }
    sheet.set_column_format(3, &text)?;
    sheet.set_column_format(4, &hours)?;
    sheet.set_column_format(5, &hours)?;
    for (col, width) in [20, 30, 30, 10, 18, 20].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        // Ids stay well below 2^53, where floats are exact.
        sheet.write_number(r, 0, row.placement_id as f64)?;
        sheet.write_string(r, 1, &row.participant)?;
        sheet.write_string(r, 2, &row.job_title)?;
        sheet.write_string_with_format(r, 3, &row.month, &text)?;
    }
    Ok(workbook)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn row(line: usize, id: i64, month: &str, work: i64, training: i64) -> ImportRow {
        ImportRow {
            line,
            placement_id: id,
            month: month.to_string(),
            work_hours: work,
            training_hours: training,
        }
    }

    /// The errors of a refused file, each message rendered as the HTTP edge renders it.
    fn rendered(result: Result<Vec<ImportRow>, ImportErrors>) -> ImportErrors {
        let mut errors = result.unwrap_err();
        for e in &mut errors.kept {
            e.message = crate::api::messages::render(&e.rule);
        }
        errors
    }

    /// Fails with the whole message when it does not mention `part`.
    fn assert_mentions(message: &str, part: &str) {
        assert!(message.contains(part), "{message}");
    }

    fn errors_of(result: Result<Vec<ImportRow>, ImportErrors>) -> Vec<(usize, String)> {
        result
            .unwrap_err()
            .into_first()
            .into_iter()
            .map(|e| (e.line, e.field))
            .collect()
    }

    #[test]
    fn hours_print_with_at_most_two_decimals() {
        let printed = [3500, 3550, 3525, 5, -150, 0].map(format_hours);
        assert_eq!(printed, ["35", "35.5", "35.25", "0.05", "-1.5", "0"]);
    }

    #[test]
    fn months_parse_strictly_and_list_between_dates() {
        assert_eq!(parse_month("2026-01"), Some((2026, 1)));
        assert_eq!(parse_month("2026-12"), Some((2026, 12)));
        for bad in [
            "2026-13", "2026-00", "2026-1", "26-01", "2026/01", " 2026-01", "2026-+1", "0000-01",
            "",
        ] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        assert_eq!(month_key(2026, 3), "2026-03");
        assert_eq!(month_first_day(2026, 2), Some(d("2026-02-01")));
        assert_eq!(month_last_day(2026, 2), Some(d("2026-02-28")));
        assert_eq!(month_last_day(2028, 2), Some(d("2028-02-29")));
        assert_eq!(month_last_day(2026, 12), Some(d("2026-12-31")));
        assert_eq!(month_last_day(2026, 13), None);
        assert_eq!(
            months_between(d("2025-11-30"), d("2026-02-01")),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
        assert_eq!(
            months_between(d("2026-02-10"), d("2026-02-11")),
            ["2026-02"]
        );
        assert!(months_between(d("2026-02-10"), d("2026-01-31")).is_empty());
        assert_eq!(month_of(d("2026-07-14")), "2026-07");
    }

    fn entry(month: &str) -> EntryCheck<'_> {
        EntryCheck {
            month,
            work: 15000,
            training: 1000,
            placement_start: d("2026-01-15"),
            placement_end: Some(d("2026-06-10")),
            today: d("2026-04-02"),
            other_placements_same_month: 0,
            monthly_cap: DEFAULT_MONTHLY_CAP,
            disclose_other_placements: true,
        }
    }

    fn fields(r: Result<(), Vec<Violation>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn entry_month_lies_in_the_placement_and_not_in_the_future() {
        assert_eq!(check_entry(&entry("2026-01")), Ok(()));
        assert_eq!(
            check_entry(&entry("2026-04")),
            Ok(()),
            "the current month is allowed"
        );
        assert_eq!(fields(check_entry(&entry("2026-05"))), ["month"]);
        assert_eq!(fields(check_entry(&entry("2025-12"))), ["month"]);
        assert_eq!(fields(check_entry(&entry("2026-4"))), ["month"]);
        let mut c = entry("2026-06");
        c.today = d("2026-12-01");
        assert_eq!(
            check_entry(&c),
            Ok(()),
            "the month of the end date is inside"
        );
        let mut c = entry("2026-07");
        c.today = d("2026-12-01");
        let e = check_entry(&c).unwrap_err();
        assert_eq!(e[0].code, "month_outside_placement");
        assert_eq!(e[0].param("starts_on"), Some("2026-01-15"));
        assert_eq!(e[0].param("ends_on"), Some("2026-06-10"));
        c.placement_end = None;
        assert_eq!(check_entry(&c), Ok(()), "open-ended placement");
    }

    #[test]
    fn monthly_cap_scaled_to_open_days() {
        let march =
            |periods: &[OpenPeriod]| person_monthly_cap(DEFAULT_MONTHLY_CAP, 2026, 3, periods);
        // Open only on 31 March: 20800 × 1 ÷ 31 = 670.9…, rounded down.
        assert_eq!(march(&[(d("2026-03-31"), None)]), 670);
        assert_eq!(march(&[(d("2026-03-31"), Some(d("2026-05-31")))]), 670);
        // The whole month, or beyond it on both sides: the whole cap.
        assert_eq!(march(&[(d("2026-01-01"), None)]), 20800);
        assert_eq!(march(&[(d("2026-03-01"), Some(d("2026-03-31")))]), 20800);
        // 1 to 15 March: 20800 × 15 ÷ 31 = 10064.5…
        assert_eq!(march(&[(d("2026-03-01"), Some(d("2026-03-15")))]), 10064);
        // Overlapping placements count each day once: 1–15 and 10–20 open 20 days.
        assert_eq!(
            march(&[
                (d("2026-03-01"), Some(d("2026-03-15"))),
                (d("2026-03-10"), Some(d("2026-03-20"))),
            ]),
            20800 * 20 / 31
        );
        assert_eq!(
            open_days_in_month(
                2026,
                3,
                &[
                    (d("2026-03-01"), Some(d("2026-03-15"))),
                    (d("2026-03-10"), Some(d("2026-03-20"))),
                ]
            ),
            20
        );
        // Disjoint placements add up: 1–10 and 21–31 open 21 days.
        assert_eq!(
            open_days_in_month(
                2026,
                3,
                &[
                    (d("2026-03-01"), Some(d("2026-03-10"))),
                    (d("2026-03-21"), Some(d("2026-03-31"))),
                ]
            ),
            21
        );
        // February of 2028 has 29 days; no placement open: no hour.
        assert_eq!(
            person_monthly_cap(DEFAULT_MONTHLY_CAP, 2028, 2, &[(d("2028-02-29"), None)]),
            20800 / 29
        );
        assert_eq!(march(&[(d("2026-04-01"), None)]), 0);
        assert_eq!(person_monthly_cap(DEFAULT_MONTHLY_CAP, 2026, 13, &[]), 0);
    }

    fn planner_rules() -> BatchRules {
        BatchRules {
            today: d("2026-04-02"),
            monthly_cap: DEFAULT_MONTHLY_CAP,
            disclose_other_placements: true,
        }
    }

    static PLACEMENT: std::sync::LazyLock<PlacementDates> =
        std::sync::LazyLock::new(|| PlacementDates {
            id: 7,
            participant_id: 70,
            starts_on: d("2026-01-01"),
            ends_on: None,
        });

    fn line<'a>(month: &'a str, work: i64, reason: Option<&'a str>) -> BatchLine<'a> {
        BatchLine {
            placement_id: PLACEMENT.id,
            placement: Some(&*PLACEMENT),
            month,
            work,
            training: 0,
            amendment_reason: reason,
        }
    }

    fn stored(month: &str, work: i64, validated: Option<i64>) -> StoredEntry {
        StoredEntry {
            placement_id: PLACEMENT.id,
            participant_id: PLACEMENT.participant_id,
            month: Month::parse(month).unwrap(),
            figures: EntryFigures {
                id: 1,
                work,
                training: 0,
                status: if validated.is_some() {
                    EntryStatus::Validated
                } else {
                    EntryStatus::Submitted
                },
                validated_work: validated,
                validated_training: validated.map(|_| 0),
            },
        }
    }

    #[test]
    fn batch_planner_creates_replaces_or_leaves_an_entry_unchanged() {
        let periods: HashMap<_, _> = [(70, vec![(PLACEMENT.starts_on, None)])]
            .into_iter()
            .collect();
        let mut planner =
            BatchPlanner::new(planner_rules(), &periods, [stored("2026-02", 5000, None)]);
        let LineDecision::Write(created) = planner.decide(&line("2026-03", 4000, None)) else {
            panic!("a new month is a new entry");
        };
        assert_eq!((created.before, created.amended), (None, false));
        assert_eq!(created.pending_delta(), 4000);
        assert_eq!(
            planner.decide(&line("2026-02", 5000, None)),
            LineDecision::Unchanged
        );
        let LineDecision::Write(replaced) = planner.decide(&line("2026-02", 6000, None)) else {
            panic!("a new figure replaces a submitted one");
        };
        assert_eq!(replaced.before.map(|e| e.work), Some(5000));
        assert_eq!(replaced.pending_delta(), 1000);
        // Later lines see the figure of earlier ones.
        assert_eq!(
            planner.decide(&line("2026-03", 4000, None)),
            LineDecision::Unchanged
        );
    }

    #[test]
    fn batch_planner_changes_a_validated_figure_only_by_an_amendment_with_a_reason() {
        let periods: HashMap<_, _> = [(70, vec![(PLACEMENT.starts_on, None)])]
            .into_iter()
            .collect();
        let mut planner = BatchPlanner::new(
            planner_rules(),
            &periods,
            [stored("2026-02", 5000, Some(5000))],
        );
        let LineDecision::Refused(v) = planner.decide(&line("2026-02", 6000, None)) else {
            panic!("no reason, no amendment");
        };
        assert_eq!(
            (v[0].field.as_str(), v[0].code),
            ("amendment_reason", "amendment_reason_required")
        );
        let LineDecision::Write(w) = planner.decide(&line("2026-02", 6000, Some("erreur"))) else {
            panic!("an amendment with a reason");
        };
        assert!(w.amended);
        assert_eq!(
            w.pending_delta(),
            6000,
            "a validated entry had nothing pending"
        );
    }

    #[test]
    fn batch_planner_counts_the_batch_s_own_lines_in_the_monthly_cap() {
        let periods: HashMap<_, _> = [(70, vec![(PLACEMENT.starts_on, None)])]
            .into_iter()
            .collect();
        let other = PlacementDates {
            id: 8,
            ..*PLACEMENT
        };
        let mut planner = BatchPlanner::new(planner_rules(), &periods, Vec::new());
        assert!(matches!(
            planner.decide(&line("2026-03", 15000, None)),
            LineDecision::Write(_)
        ));
        let mut second = line("2026-03", 6000, None);
        second.placement_id = other.id;
        second.placement = Some(&other);
        let LineDecision::Refused(v) = planner.decide(&second) else {
            panic!("150 h + 60 h are above the cap of 208 h");
        };
        assert_eq!(v[0].code, "above_monthly_cap");
        assert_eq!(v[0].param("other"), Some("150"));
        let unknown = BatchLine {
            placement: None,
            placement_id: 99,
            ..line("2026-03", 1, None)
        };
        let LineDecision::Refused(v) = planner.decide(&unknown) else {
            panic!("an unknown placement is refused");
        };
        assert_eq!(
            (v[0].code, v[0].param("placement_id")),
            ("placement_unknown", Some("99"))
        );
    }

    #[test]
    fn last_writes_keep_the_last_figure_of_each_month_with_the_entry_before_the_batch() {
        let month = Month::parse("2026-03").unwrap();
        let w = |work| EntryWrite {
            placement_id: 7,
            month,
            work,
            training: 0,
            before: None,
            amended: false,
        };
        let other = EntryWrite {
            placement_id: 8,
            ..w(10)
        };
        assert_eq!(last_writes(&[w(1), other, w(2)]), [other, w(2)]);
    }

    #[test]
    fn entry_hours_are_non_negative_and_within_the_monthly_cap() {
        let mut c = entry("2026-02");
        c.work = -1;
        c.training = -1;
        assert_eq!(fields(check_entry(&c)), ["work_hours", "training_hours"]);

        let mut c = entry("2026-02");
        c.work = 19800;
        c.training = 1000;
        assert_eq!(check_entry(&c), Ok(()), "208 h exactly is allowed");
        c.training = 1001;
        let e = check_entry(&c).unwrap_err();
        assert_eq!(e[0].field, "work_hours");
        assert_eq!(e[0].code, "above_monthly_cap");
        assert_eq!(
            e[0].params,
            [
                ("work", "198".to_string()),
                ("training", "10.01".to_string()),
                ("total", "208.01".to_string()),
                ("cap", "208".to_string()),
            ]
        );

        let mut c = entry("2026-02");
        c.work = 10000;
        c.training = 0;
        c.other_placements_same_month = 11000;
        let e = check_entry(&c).unwrap_err();
        assert_eq!(e[0].param("other"), Some("110"));
        assert_eq!(e[0].param("total"), Some("210"));

        // A contractor: no figure of the other placements, nor the total they are part of.
        c.disclose_other_placements = false;
        let e = check_entry(&c).unwrap_err();
        assert_eq!(e[0].field, "work_hours");
        assert_eq!(e[0].code, "above_monthly_cap_with_other_placements");
        assert_eq!(e[0].param("other"), None);
        assert_eq!(e[0].param("total"), None);

        let mut c = entry("2027-02");
        c.work = -5;
        assert_eq!(fields(check_entry(&c)), ["month", "work_hours"]);
    }

    #[test]
    #[rustfmt::skip]
    fn csv_layouts_that_parse() {
        let layouts = [
            ("commas and an empty training value",
             "placement_id,month,work_hours,training_hours\n12,2026-01,35.5,7\n13,2026-01,151.67,\n",
             vec![row(2, 12, "2026-01", 3550, 700), row(3, 13, "2026-01", 15167, 0)]),
            ("semicolons, decimal commas, a byte order mark, CRLF and a blank line",
             "\u{feff}Placement_ID ; Month;WORK_HOURS;training_hours\r\n12;2026-01;35,5;7,25\r\n\r\n13;\"2026-02\";\"151,67\";0\r\n",
             vec![row(2, 12, "2026-01", 3550, 725), row(4, 13, "2026-02", 15167, 0)]),
            ("any column order, extra columns, empty and blank lines",
             "note,training_hours,work_hours,month,placement_id\n\"a, b\",1,2,2026-03,5\n,,,,\n  \n",
             vec![row(2, 5, "2026-03", 200, 100)]),
        ];
        for (what, csv, expected) in layouts {
            assert_eq!(parse_hours_csv(csv.as_bytes()).unwrap(), expected, "{what}");
        }
    }

    #[test]
    fn csv_month_spellings() {
        let csv = "placement_id;month;work_hours;training_hours\n\
                   1;03/2026;1;0\n2;3/2026;1;0\n3;2026-03-31;1;0\n4;31/03/2026;1;0\n5;2026-03-01 00:00:00;1;0\n\
                   6;2026-13;1;0\n7;31/02/2026;1;0\n8;marsh 2026;1;0\n9;13/2026;1;0\n";
        let result = parse_hours_csv(csv.as_bytes());
        assert_eq!(
            errors_of(result.clone()),
            [
                (7, "month".to_string()),
                (8, "month".to_string()),
                (9, "month".to_string()),
                (10, "month".to_string())
            ]
        );
        let ok = parse_hours_csv(
            csv.lines()
                .take(6)
                .collect::<Vec<_>>()
                .join("\n")
                .as_bytes(),
        )
        .unwrap();
        assert!(ok.iter().all(|r| r.month == "2026-03"), "{ok:?}");
        assert_eq!(ok.len(), 5);
    }

    #[test]
    fn csv_french_month_names_as_spreadsheets_save_them() {
        let csv = "N° mise en situation;Mois;Heures de travail;Heures de formation\n\
                   1;mars 2026;1;0\n2;mars-26;1;0\n3;Févr.-26;1;0\n4;déc.-2025;1;0\n\
                   5;août 2026;1;0\n6;juil.-26;1;0\n7;mars 26 2026;1;0\n8;mars-6;1;0\n";
        let result = parse_hours_csv(csv.as_bytes());
        assert_eq!(
            errors_of(result),
            [(8, "month".to_string()), (9, "month".to_string())]
        );
        let ok: String = csv.lines().take(7).map(|l| format!("{l}\n")).collect();
        let months: Vec<String> = parse_hours_csv(ok.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| r.month)
            .collect();
        assert_eq!(
            months,
            ["2026-03", "2026-03", "2026-02", "2025-12", "2026-08", "2026-07"]
        );
    }

    #[test]
    fn csv_every_error_with_line_and_field() {
        let csv = "placement_id,month,work_hours,training_hours\n\
                   x,2026-01,1,0\n\
                   1,,1.234,-2\n\
                   2,2026-01,,abc\n\
                   3,2026-01,-1,0\n\
                   0,2026-01,1,0\n\
                   4,2026-01,1,0\n\
                   4,2026-01,2,0\n";
        let errors = rendered(parse_hours_csv(csv.as_bytes()));
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            [
                (2, "placement_id"),
                (3, "month"),
                (3, "work_hours"),
                (3, "training_hours"),
                (4, "work_hours"),
                (4, "training_hours"),
                (5, "work_hours"),
                (6, "placement_id"),
                (8, "month"),
            ]
        );
        assert_mentions(&errors[2].message, "deux décimales");
        assert_eq!(
            errors[3].message,
            "le nombre d'heures ne peut pas être négatif"
        );
        assert_eq!(errors[4].message, "cette cellule est obligatoire");
        assert_mentions(&errors[8].message, "(ligne 7)");
    }

    #[test]
    fn csv_decimal_comma_with_comma_separator_is_caught() {
        let csv = "placement_id,month,work_hours,training_hours\n1,2026-01,35,5,0\n2,2026-01,\"35,5\",0\n";
        let errors = rendered(parse_hours_csv(csv.as_bytes()));
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].field.as_str()), (2, "row"));
        // Trailing empty values are harmless.
        let csv = "placement_id,month,work_hours,training_hours\n1,2026-01,35,0,,\n";
        assert_eq!(parse_hours_csv(csv.as_bytes()).unwrap().len(), 1);
    }

    #[test]
    fn csv_header_problems() {
        let csv = "placement_id;month;hours\n1;2026-01;3\n";
        let errors = rendered(parse_hours_csv(csv.as_bytes()));
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(got, [(1, "work_hours"), (1, "training_hours")]);
        assert!(errors[0]
            .message
            .contains("la colonne « work_hours » manque"));

        let csv = "placement_id,month,work_hours,training_hours,month\n";
        assert_eq!(
            errors_of(parse_hours_csv(csv.as_bytes())),
            [(1, "month".to_string())]
        );

        for blank in ["", "\u{feff}", " \n\r\n", "\n\n"] {
            assert_eq!(
                errors_of(parse_hours_csv(blank.as_bytes())),
                [(1, "file".to_string())]
            );
        }
        let header_only = "placement_id,month,work_hours,training_hours\r\n";
        let errors = rendered(parse_hours_csv(header_only.as_bytes()));
        assert_eq!(
            errors[0].message,
            "le fichier ne contient aucune ligne de données sous l'en-tête"
        );

        let latin1 = b"placement_id;month;work_hours;training_hours\n1;2026-01;3;0;\xe9t\xe9\n";
        let errors = rendered(parse_hours_csv(latin1));
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].field.as_str()), (1, "file"));
    }

    #[test]
    fn csv_multiline_quoted_value_keeps_line_numbers() {
        let csv = "placement_id,month,work_hours,training_hours,note\n1,2026-01,1,0,\"two\nlines\"\n2,2026-01,x,0,\n";
        let errors = rendered(parse_hours_csv(csv.as_bytes()));
        assert_eq!(
            (errors[0].line, errors[0].field.as_str()),
            (4, "work_hours")
        );
    }

    #[test]
    fn csv_line_numbers_after_blank_lines_and_line_breaks() {
        let csv = "\r\nplacement_id;month;work_hours;training_hours;note\r\n\r\n\r\n\
                   1;2026-01;x;0;\"a\r\nb\"\r\n\r\n2;2026-01;y;0;\r\n";
        assert_eq!(
            errors_of(parse_hours_csv(csv.as_bytes())),
            [(5, "work_hours".to_string()), (8, "work_hours".to_string())]
        );
        let old_mac =
            "placement_id,month,work_hours,training_hours\r1,2026-01,x,0\r\r2,2026-01,y,0\r";
        assert_eq!(
            errors_of(parse_hours_csv(old_mac.as_bytes())),
            [(2, "work_hours".to_string()), (4, "work_hours".to_string())]
        );
    }

    #[test]
    fn csv_5000_lines_with_one_bad_line() {
        let mut csv = String::from("placement_id;month;work_hours;training_hours\r\n");
        for i in 1..=5000 {
            let work = if i == 3217 {
                "12,345".to_string()
            } else {
                format!("{},{:02}", i % 150, i % 100)
            };
            csv.push_str(&format!("{i};2026-01;{work};0\r\n"));
        }
        let errors = rendered(parse_hours_csv(csv.as_bytes()));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 3218);
        assert_eq!(errors[0].field, "work_hours");
        assert_eq!(
            errors[0].message,
            "deux décimales au plus sont acceptées (par exemple 7,25) ; la cellule contient \
             « 12,345 »"
        );

        let fixed = csv.replace("12,345", "12,34");
        let rows = parse_hours_csv(fixed.as_bytes()).unwrap();
        assert_eq!(rows.len(), 5000);
        assert_eq!(rows[4999], row(5001, 5000, "2026-01", 5000, 0));
    }

    #[test]
    fn import_error_serialises() {
        let e = ImportError::new(3, Violation::new("month", "cell_required"));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"line": 3, "field": "month", "code": "cell_required", "message": ""})
        );
    }

    fn template_rows() -> Vec<TemplateRow> {
        vec![
            TemplateRow {
                placement_id: 41,
                month: "2026-03".to_string(),
                participant: "Durand, Léa".to_string(),
                job_title: "Peintre \"intérieur\"".to_string(),
                contractor: "=Bâti Nord".to_string(),
            },
            TemplateRow {
                placement_id: 42,
                month: "2026-03".to_string(),
                participant: "Martin Ali".to_string(),
                job_title: "Maçon".to_string(),
                contractor: "Bâti Nord".to_string(),
            },
        ]
    }

    /// The template of `template_rows` read back: unfilled, work hours are missing on both
    /// lines; filled with 120.5 h, and 80 h with 4.25 h of training, both lines are read.
    fn assert_template_read_back(
        unfilled: Result<Vec<ImportRow>, ImportErrors>,
        filled: Result<Vec<ImportRow>, ImportErrors>,
    ) {
        let missing = [(2, "work_hours".to_string()), (3, "work_hours".to_string())];
        assert_eq!(errors_of(unfilled), missing);
        let read = [
            row(2, 41, "2026-03", 12050, 0),
            row(3, 42, "2026-03", 8000, 425),
        ];
        assert_eq!(filled.unwrap(), read);
    }

    /// Writes a header on `header_row` and two rows below it: a date cell of February 2026
    /// with 7 and 7.1, then an Excel serial number (46023 = 2026-01-01) with 8, "12,5" and 0.5.
    fn write_dated_rows(sheet: &mut rust_xlsxwriter::Worksheet, header_row: u32, names: [&str; 4]) {
        use rust_xlsxwriter::{ExcelDateTime, Format};
        for (col, name) in names.iter().enumerate() {
            sheet.write_string(header_row, col as u16, *name).unwrap();
        }
        let (dated, serial) = (header_row + 1, header_row + 2);
        let date = Format::new().set_num_format("mmm-yy");
        let february = ExcelDateTime::from_ymd(2026, 2, 17).unwrap();
        sheet
            .write_datetime_with_format(dated, 0, february, &date)
            .unwrap();
        sheet.write_number(dated, 1, 7.0).unwrap();
        sheet.write_number(dated, 2, 7.1).unwrap();
        sheet.write_number(serial, 0, 46023.0).unwrap();
        sheet.write_number(serial, 1, 8.0).unwrap();
        sheet.write_string(serial, 2, "12,5").unwrap();
        sheet.write_number(serial, 3, 0.5).unwrap();
    }

    #[test]
    fn csv_template_round_trip() {
        // The French form: byte-order mark, `;`, French headers, names beside the id; filled
        // with decimal commas as a French spreadsheet writes them.
        let template = template_csv(&template_rows(), CsvDialect::French);
        let body = template
            .strip_prefix('\u{feff}')
            .expect("a byte-order mark");
        let mut lines = body.lines();
        assert_eq!(
            lines.next(),
            Some("N° mise en situation;Personne;Poste;Mois;Heures de travail;Heures de formation")
        );
        assert_eq!(
            lines.next(),
            Some("41;\"Durand, Léa\";\"Peintre \"\"intérieur\"\"\";2026-03;;")
        );
        assert_eq!(lines.next(), Some("42;Martin Ali;Maçon;2026-03;;"));
        let filled = template
            .replace("2026-03;;\n", "2026-03;120,5;\n")
            .replace("Maçon;2026-03;120,5;", "Maçon;2026-03;80;4,25");
        assert_template_read_back(
            parse_hours_csv(template.as_bytes()),
            parse_hours_csv(filled.as_bytes()),
        );

        // The standard form: today's columns, then `label`.
        let template = template_csv(&template_rows(), CsvDialect::Standard);
        let mut lines = template.lines();
        assert_eq!(
            lines.next(),
            Some("placement_id,month,work_hours,training_hours,participant,job_title,contractor,label")
        );
        assert_eq!(
            lines.next(),
            Some("41,2026-03,,,\"Durand, Léa\",\"Peintre \"\"intérieur\"\"\",'=Bâti Nord,\"Durand, Léa — Peintre \"\"intérieur\"\"\"")
        );
        let filled = template
            .replace("41,2026-03,,", "41,2026-03,120.5,")
            .replace("42,2026-03,,,", "42,2026-03,80,4.25,");
        assert_template_read_back(
            parse_hours_csv(template.as_bytes()),
            parse_hours_csv(filled.as_bytes()),
        );
    }

    #[test]
    fn xlsx_template_round_trip() {
        let bytes = template_xlsx(&template_rows()).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let mut workbook = template_workbook(&template_rows()).unwrap();
        let sheet = workbook.worksheet_from_index(0).unwrap();
        sheet.write_number(1, 4, 120.5).unwrap();
        sheet.write_number(2, 4, 80.0).unwrap();
        sheet.write_number(2, 5, 4.25).unwrap();
        let filled = workbook.save_to_buffer().unwrap();
        assert_template_read_back(parse_hours_xlsx(&bytes), parse_hours_xlsx(&filled));
    }

    #[test]
    fn french_and_english_headers_name_the_same_columns() {
        let french =
            "Heures de formation;MOIS;n° mise en situation;Personne;Poste;HEURES DE TRAVAIL\n\
                      1,5;2026-01;12;Léa Durand;Maçon;35,5\n";
        let english = "training_hours,month,placement_id,work_hours\n1.5,2026-01,12,35.5\n";
        let mixed =
            "N° mise en situation;month;Heures de travail;training_hours\n12;2026-01;35,5;1,5\n";
        for csv in [french, english, mixed] {
            assert_eq!(
                parse_hours_csv(csv.as_bytes()).unwrap(),
                [row(2, 12, "2026-01", 3550, 150)],
                "{csv}"
            );
        }
        // A column named twice, in two languages, is refused; a missing one is named in the
        // file's language.
        let twice =
            "N° mise en situation;placement_id;Mois;Heures de travail;Heures de formation\n";
        let errors = rendered(parse_hours_csv(twice.as_bytes()));
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code),
            ("placement_id", "column_duplicated")
        );
        assert!(
            errors[0].message.contains("« N° mise en situation »"),
            "{}",
            errors[0].message
        );
        let missing = "N° mise en situation;Mois;Heures de travail\n1;2026-01;3\n";
        let errors = rendered(parse_hours_csv(missing.as_bytes()));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code),
            ("training_hours", "column_missing")
        );
        assert!(
            errors[0]
                .message
                .contains("la colonne « Heures de formation » manque"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[0].message.contains("« Mois »"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn xlsx_dates_numbers_and_errors() {
        use rust_xlsxwriter::Workbook;
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        // Header on row 3 (any case); row 4: a date cell; row 5: an Excel serial number;
        // row 6: text; row 7 left blank; row 8: broken values.
        write_dated_rows(
            sheet,
            2,
            ["Month", "placement_id", "WORK_HOURS", "training_hours"],
        );
        sheet.write_string(5, 0, "2026-03").unwrap();
        sheet.write_string(5, 1, "9").unwrap();
        sheet.write_number(5, 2, 100.0).unwrap();
        sheet.write_string(7, 0, "2026-03").unwrap();
        sheet.write_number(7, 1, 10.5).unwrap();
        sheet.write_number(7, 2, 0.1 + 0.2).unwrap();
        sheet.write_boolean(7, 3, true).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();

        let errors = rendered(parse_hours_xlsx(&bytes));
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            [
                (8, "placement_id"),
                (8, "work_hours"),
                (8, "training_hours")
            ]
        );
        assert_mentions(&errors[1].message, "deux décimales");

        // Without the broken row, every row is read.
        let mut workbook = Workbook::new();
        write_dated_rows(
            workbook.add_worksheet(),
            0,
            ["month", "placement_id", "work_hours", "training_hours"],
        );
        let bytes = workbook.save_to_buffer().unwrap();
        assert_eq!(
            parse_hours_xlsx(&bytes).unwrap(),
            [row(2, 7, "2026-02", 710, 0), row(3, 8, "2026-01", 1250, 50)]
        );
    }

    #[test]
    fn xlsx_duration_cells_are_refused() {
        use rust_xlsxwriter::{Format, Workbook};
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, (name, _)) in IMPORT_COLUMNS.iter().enumerate() {
            sheet.write_string(0, col as u16, *name).unwrap();
        }
        sheet.write_number(1, 0, 3.0).unwrap();
        sheet.write_string(1, 1, "2026-01").unwrap();
        // 35:30 as an Excel duration (days).
        let duration = Format::new().set_num_format("[h]:mm");
        sheet
            .write_number_with_format(1, 2, 35.5 / 24.0, &duration)
            .unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let errors = rendered(parse_hours_xlsx(&bytes));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].line, errors[0].field.as_str()),
            (2, "work_hours")
        );
        assert_mentions(&errors[0].message, "la durée");
    }

    #[test]
    fn xlsx_unreadable_or_empty() {
        assert_eq!(
            errors_of(parse_hours_xlsx(b"not a workbook")),
            [(1, "file".to_string())]
        );
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.add_worksheet();
        let bytes = workbook.save_to_buffer().unwrap();
        let errors = rendered(parse_hours_xlsx(&bytes));
        assert_eq!(errors[0].message, "le fichier est vide");
    }

    #[test]
    fn errors_are_counted_but_only_the_first_hundred_kept() {
        let mut errors = ImportErrors::new();
        for line in 2..1_000_002 {
            errors.push(ImportError::new(
                line,
                Violation::new("work_hours", "cell_required"),
            ));
        }
        assert_eq!(errors.count(), 1_000_000);
        assert_eq!(errors.len(), MAX_REPORTED_ERRORS);
        assert_eq!((errors[0].line, errors[99].line), (2, 101));
        // Whatever the order they come in, the first lines are kept, equal lines in order.
        let mut errors = ImportErrors::new();
        for line in (1..=300).rev() {
            errors.push(ImportError::new(line, Violation::new("a", "cell_required")));
        }
        errors.push(ImportError::new(1, Violation::new("b", "cell_required")));
        assert_eq!(errors.count(), 301);
        let kept: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(kept[..3], [(1, "a"), (1, "b"), (2, "a")]);
        assert_eq!(kept.len(), 100);
        assert_eq!(kept[99], (99, "a"));
        assert!(ImportErrors::new().is_empty());
    }

    #[test]
    fn quoted_values_are_cut_to_fifty_characters() {
        assert_eq!(excerpt("court"), "court");
        let fifty = "x".repeat(50);
        assert_eq!(excerpt(&fifty), fifty);
        assert_eq!(excerpt(&"x".repeat(51)), format!("{fifty}…"));
        // Characters, not bytes: accents and emoji are never split.
        let accents = "é".repeat(60);
        assert_eq!(excerpt(&accents), format!("{}…", "é".repeat(50)));
        let emoji = "👷".repeat(51);
        assert_eq!(excerpt(&emoji).chars().count(), 51);
        assert!(excerpt(&emoji).ends_with("👷…"));
        assert_eq!(excerpt(""), "");
    }

    #[test]
    fn a_csv_of_many_bad_lines_keeps_a_hundred_short_messages() {
        let mut csv = String::from("placement_id,month,work_hours,training_hours\n");
        let cell = "9".repeat(1_000) + "x";
        for i in 0..20_000 {
            csv.push_str(&format!("{},2026-01,{cell},0\n", i + 1));
        }
        let errors = rendered(parse_hours_csv(csv.as_bytes()));
        assert_eq!(errors.count(), 20_000);
        assert_eq!(errors.len(), 100);
        assert_eq!((errors[0].line, errors[99].line), (2, 101));
        assert_eq!(
            errors[0].message,
            format!(
                "la cellule doit contenir un nombre d'heures (la virgule décimale est acceptée \
                 : 7,5) ; elle contient « {}… »",
                "9".repeat(50)
            )
        );
        // A cell of 2 MB is quoted by its first 50 characters.
        let huge = "é".repeat(1_000_000);
        let csv = format!("placement_id,month,work_hours,training_hours\n1,{huge},1,0\n");
        let errors = rendered(parse_hours_csv(csv.as_bytes()));
        assert_eq!(errors.count(), 1);
        assert!(
            errors[0].message.chars().count() < 200,
            "{}",
            errors[0].message
        );
        assert!(errors[0]
            .message
            .ends_with(&format!("« {}… »", "é".repeat(50))));
    }

    fn sheet_rows(
        cells: Vec<((u32, u32), calamine::Data)>,
    ) -> Vec<Result<(usize, Vec<Cell>), ImportError>> {
        let mut cells = cells.into_iter();
        SheetRows {
            next_cell: move || Ok(cells.next()),
            pending: None,
            finished: false,
            limits: XlsxLimits::default(),
        }
        .map(|row| {
            row.map_err(|mut e| {
                e.message = crate::api::messages::render(&e.rule);
                e
            })
        })
        .collect()
    }

    #[test]
    fn sheet_rows_gather_cells_by_row_and_check_each_position() {
        use calamine::Data;
        let rows = sheet_rows(vec![
            ((0, 1), Data::String("b".into())),
            ((0, 0), Data::String("a".into())),
            ((0, 3), Data::Empty),
            ((4, 2), Data::Int(7)),
        ]);
        assert_eq!(
            rows,
            [
                Ok((1, vec![Cell::Text("a".into()), Cell::Text("b".into())])),
                Ok((5, vec![Cell::Empty, Cell::Empty, Cell::Int(7)])),
            ]
        );
        // A cell past the limits ends the rows with the error, whatever came before.
        let rows = sheet_rows(vec![
            ((0, 0), Data::Int(1)),
            ((1_048_575, 16_383), Data::Int(1)),
            ((2, 0), Data::Int(1)),
        ]);
        assert_eq!(rows.len(), 1);
        let Err(e) = &rows[0] else { panic!("{rows:?}") };
        assert_eq!((e.line, e.field.as_str()), (1, "file"));
        assert!(e.message.contains("XFD1048576"), "{}", e.message);
        assert!(sheet_rows(vec![((99_999, 49), Data::Int(1))])[0].is_ok());
        assert!(sheet_rows(vec![((100_000, 0), Data::Int(1))])[0].is_err());
        assert!(sheet_rows(vec![((0, 50), Data::Int(1))])[0].is_err());
        // Rows going back: refused rather than gathered in memory.
        let rows = sheet_rows(vec![((3, 0), Data::Int(1)), ((1, 0), Data::Int(1))]);
        assert_eq!(rows.len(), 1);
        assert!(matches!(&rows[0], Err(e) if e.line == 2 && e.message.contains("dans l'ordre")));
    }

    #[test]
    fn hostile_workbooks_are_refused_before_reading() {
        use crate::xlsx_samples::{far_cell, workbook_parts, zip_of};
        let workbook = |data: &str| crate::xlsx_samples::workbook(data).unwrap();
        let errors = rendered(parse_hours_xlsx(&far_cell().unwrap()));
        assert_eq!(errors.count(), 1);
        assert_eq!((errors[0].line, errors[0].field.as_str()), (1, "file"));
        assert!(errors[0]
            .message
            .starts_with("la feuille utilise la cellule XFD1048576"));
        // A shared string the table does not have: calamine would panic; unreadable instead.
        let bytes = zip_of(&workbook_parts(
            r#"<sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row></sheetData>"#,
            "<si><t>placement_id</t></si>",
        ))
        .unwrap();
        let errors = rendered(parse_hours_xlsx(&bytes));
        assert_eq!(errors[0].field, "file");
        assert_mentions(&errors[0].message, "pas un classeur XLSX lisible");
        // Rows out of order.
        let bytes = workbook(
            r#"<row r="3"><c r="A3" t="inlineStr"><is><t>x</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>"#,
        );
        let errors = rendered(parse_hours_xlsx(&bytes));
        assert!(
            errors.iter().any(|e| e.message.contains("dans l'ordre")),
            "{errors:?}"
        );
    }

    /// The CSV read as one part, as files too small or quoted to cut are.
    fn read_in_one_part(text: &str) -> Result<Vec<ImportRow>, ImportErrors> {
        parse_rows(csv_rows(text, detect_delimiter(text), 1, None))
    }

    /// A file of `n` rows, 12 months of a placement after another, with blank lines.
    fn large_csv(sep: &str, eol: &str, n: usize) -> String {
        let mut text = format!("placement_id{sep}month{sep}work_hours{sep}training_hours{eol}");
        for i in 0..n {
            text.push_str(&format!(
                "{}{sep}2026-{:02}{sep}{}{sep}{eol}",
                1 + i / 12,
                1 + i % 12,
                100 + i % 50
            ));
            if i % 700 == 0 {
                text.push_str(eol);
            }
        }
        text
    }

    #[test]
    fn a_large_file_reads_the_same_in_two_halves() {
        for (sep, eol) in [(",", "\n"), (";", "\r\n"), (",", "\r")] {
            let good = large_csv(sep, eol, 4_000);
            assert!(good.len() > SPLIT_FROM_BYTES);
            let read = parse_hours_csv(good.as_bytes()).expect("a valid file");
            assert_eq!(read.len(), 4_000);
            assert_eq!(Ok(read.clone()), read_in_one_part(&good));
            // The last row's line: the header, the rows, and the blank lines among them.
            let last = read.last().expect("rows");
            assert_eq!(last.line, 1 + 4_000 + 4_000_usize.div_ceil(700));
            assert_eq!((last.placement_id, last.month.as_str()), (334, "2026-04"));
            // Errors in both halves, a pair named in the first half and again in the
            // second, a row too wide, a blank line on the cut.
            let mut lines: Vec<String> = good.split(eol).map(str::to_string).collect();
            lines[5] = format!("abc{sep}2026-13{sep}-1{sep}");
            let middle = lines.len() / 2;
            lines[middle] = String::new();
            lines[middle + 3] = format!("1{sep}2026-02{sep}7{sep}");
            lines[middle + 9] = format!("9{sep}2026-01{sep}7{sep}1{sep}surplus");
            lines.push(format!("2{sep}2026-05{sep}1,5{sep}"));
            let bad = lines.join(eol);
            let errors = parse_hours_csv(bad.as_bytes()).expect_err("errors");
            assert_eq!(Err(errors.clone()), read_in_one_part(&bad));
            let codes: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.code)).collect();
            assert!(codes.contains(&(6, "placement_id_malformed")), "{codes:?}");
            assert!(codes.contains(&(middle + 4, "row_duplicated")), "{codes:?}");
            assert!(
                codes.contains(&(middle + 10, "row_too_many_values")),
                "{codes:?}"
            );
            // A header that names no column: its errors alone, as in one piece.
            let unnamed = good.replacen("placement_id", "identifiant", 1);
            let errors = parse_hours_csv(unnamed.as_bytes()).expect_err("no column");
            assert!(errors.iter().all(|e| e.line == 1), "{errors:?}");
            assert_eq!(Err(errors), read_in_one_part(&unnamed));
        }
    }

    #[test]
    fn a_file_is_cut_only_when_large_and_without_quotes() {
        let large = large_csv(",", "\n", 4_000);
        let (head, tail) = halves_of(&large).expect("cut");
        assert!(head.ends_with('\n') && !tail.is_empty());
        assert_eq!(format!("{head}{tail}"), large);
        assert!(halves_of(&large_csv(",", "\n", 100)).is_none());
        let quoted = large.replacen("2026-03", "\"2026-03\"", 1);
        assert!(halves_of(&quoted).is_none());
        assert_eq!(line_breaks(b"a\nb\r\nc\rd\n"), 4);
    }
}

#[cfg(test)]
mod counted_days_tests {
    use super::*;

    /// The days counted one by one, as the rule says it.
    fn walked(year: i32, month: u32, periods: &[OpenPeriod]) -> u32 {
        let (first, last) = (
            month_first_day(year, month).unwrap(),
            month_last_day(year, month).unwrap(),
        );
        first
            .iter_days()
            .take_while(|day| *day <= last)
            .filter(|day| {
                periods
                    .iter()
                    .any(|(start, end)| start <= day && end.is_none_or(|e| *day <= e))
            })
            .count() as u32
    }

    #[test]
    fn open_days_are_the_days_walked_one_by_one() {
        // Every period of up to three placements among dates around February 2028 (29 days)
        // and March 2026: starts and ends before, inside, at the edges and after the month.
        let base = NaiveDate::from_ymd_opt(2028, 1, 25).unwrap();
        let at = |n: i64| base + chrono::Duration::days(n);
        let points = [0, 6, 7, 8, 15, 20, 35, 36, 40];
        let mut periods: Vec<OpenPeriod> = Vec::new();
        for &s in &points {
            periods.push((at(s), None));
            for &e in &points {
                if e >= s - 1 {
                    periods.push((at(s), Some(at(e))));
                }
            }
        }
        let mut checked = 0;
        for a in &periods {
            for b in periods.iter().step_by(3) {
                for c in periods.iter().step_by(17) {
                    let set = [*a, *b, *c];
                    for n in 1..=3 {
                        assert_eq!(
                            open_days_in_month(2028, 2, &set[..n]),
                            walked(2028, 2, &set[..n]),
                            "{:?}",
                            &set[..n]
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
        assert_eq!(open_days_in_month(2028, 2, &[]), 0);
        assert_eq!(open_days_in_month(2028, 13, &[(at(0), None)]), 0);
    }

    #[test]
    fn a_snapshot_is_the_sorted_object_the_history_holds() {
        let e = EntryFigures {
            id: 7,
            work: 12_550,
            training: 0,
            status: EntryStatus::Validated,
            validated_work: Some(10_000),
            validated_training: None,
        };
        let sorted = serde_json::json!({
            "work_hours": 12_550,
            "training_hours": 0,
            "status": "validated",
            "validated_work": 10_000,
        })
        .to_string();
        assert_eq!(e.snapshot(), sorted);
        assert_eq!(
            e.snapshot(),
            r#"{"status":"validated","training_hours":0,"validated_work":10000,"work_hours":12550}"#
        );
        assert_eq!(
            EntryFigures::new_entry(3, 10_000, 250).snapshot(),
            r#"{"status":"submitted","training_hours":250,"work_hours":10000}"#
        );
        for e in [
            EntryFigures::new_entry(3, 10_000, 250),
            EntryFigures {
                status: EntryStatus::Rejected,
                validated_work: Some(-1),
                validated_training: Some(i64::MAX),
                ..e
            },
        ] {
            // serde_json's objects keep their keys sorted; the absent figures left out.
            let mut object = serde_json::Map::new();
            object.insert("status".into(), e.status.as_str().into());
            object.insert("training_hours".into(), e.training.into());
            if let Some(v) = e.validated_training {
                object.insert("validated_training".into(), v.into());
            }
            if let Some(v) = e.validated_work {
                object.insert("validated_work".into(), v.into());
            }
            object.insert("work_hours".into(), e.work.into());
            assert_eq!(e.snapshot(), serde_json::Value::Object(object).to_string());
        }
    }
}
