//! The execution calendar of a clause: the milestones generated from its dates and reporting
//! frequency, their state on a given day, and the local clock of the clause's territory.
//!
//! Everything here works on local calendar dates; converting "now" to the territory's local
//! date is the job of [`local_date_time`] and [`sendable_through`].

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

/// Days before its due date from which a milestone shows as `due` rather than `upcoming`.
pub const DUE_WINDOW_DAYS: i64 = 3;

/// Day of the month following a reporting period on which its report is due.
pub const REPORT_DUE_DAY: u32 = 10;

/// Days before the end of a clause on which the end warning is due.
pub const END_WARNING_DAYS: i64 = 30;

/// Days after the end of a clause on which the final report is due.
pub const FINAL_REPORT_DAYS: i64 = 30;

crate::domain::vocabulary::vocabulary! {
    /// How often contractors report their hours for a clause.
    pub enum Frequency ("reporting frequency") {
        Monthly = "monthly",
        Quarterly = "quarterly",
    }
}

impl Frequency {
    /// Number of months in one reporting period.
    fn months(self) -> u32 {
        match self {
            Frequency::Monthly => 1,
            Frequency::Quarterly => 3,
        }
    }
}

/// One milestone of a clause's calendar.
///
/// `kind` is one of `start`, `report`, `mid_term`, `end_warning`, `final_report`; `period` is
/// `start`, the period key of a report (`YYYY-MM` or `YYYY-Qn`), `mid`, `end` or `final`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneSpec {
    pub kind: String,
    pub period: String,
    pub due_on: NaiveDate,
}

impl MilestoneSpec {
    fn new(kind: &str, period: &str, due_on: NaiveDate) -> MilestoneSpec {
        MilestoneSpec {
            kind: kind.to_string(),
            period: period.to_string(),
            due_on,
        }
    }
}

/// The calendar of a clause running from `starts_on` to `ends_on` (both included), sorted by
/// due date (milestones due the same day keep the order start, reports, mid-term, end
/// warning, final report).
///
/// - `start` on the start date (obligations summary to the contractor);
/// - one `report` per period (month or calendar quarter) that intersects the clause's dates,
///   due on the 10th of the month following the period;
/// - `mid_term` halfway: the start plus half the days from start to end, rounded down;
/// - `end_warning` 30 days before the end, but never before the start (a clause shorter than
///   30 days gets its warning on its first day);
/// - `final_report` 30 days after the end.
///
/// A clause ending before it starts has no calendar (empty list).
pub fn generate(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    frequency: Frequency,
) -> Vec<MilestoneSpec> {
    if ends_on < starts_on {
        return Vec::new();
    }
    let mut milestones = vec![MilestoneSpec::new("start", "start", starts_on)];
    milestones.extend(report_milestones(starts_on, ends_on, frequency));
    let half = (ends_on - starts_on).num_days() / 2;
    milestones.push(MilestoneSpec::new(
        "mid_term",
        "mid",
        add_days(starts_on, half),
    ));
    let warning = add_days(ends_on, -END_WARNING_DAYS).max(starts_on);
    milestones.push(MilestoneSpec::new("end_warning", "end", warning));
    milestones.push(MilestoneSpec::new(
        "final_report",
        "final",
        add_days(ends_on, FINAL_REPORT_DAYS),
    ));
    // Stable sort: same-day milestones keep the logical order they were pushed in.
    milestones.sort_by_key(|m| m.due_on);
    milestones
}

/// One `report` milestone per period from the start's period to the end's period.
fn report_milestones(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    frequency: Frequency,
) -> Vec<MilestoneSpec> {
    let step = frequency.months();
    let first = period_first_month(month_index(starts_on), frequency);
    let last = month_index(ends_on);
    let mut reports = Vec::new();
    let mut period_start = first;
    while period_start <= last {
        let period_end = period_start + i64::from(step) - 1;
        let (year, month) = from_month_index(period_start);
        reports.push(MilestoneSpec::new(
            "report",
            &period_key_of(year, month, frequency),
            report_due_on(period_end),
        ));
        period_start += i64::from(step);
    }
    reports
}

/// The key of the reporting period holding `date`: `YYYY-MM` (monthly) or `YYYY-Qn`
/// (quarterly).
pub fn period_of(date: NaiveDate, frequency: Frequency) -> String {
    period_key_of(date.year(), date.month(), frequency)
}

fn period_key_of(year: i32, month: u32, frequency: Frequency) -> String {
    match frequency {
        Frequency::Monthly => format!("{year:04}-{month:02}"),
        Frequency::Quarterly => format!("{year:04}-Q{}", (month - 1) / 3 + 1),
    }
}

/// The months (`YYYY-MM`) a period key covers: one for `2026-03`, three for `2026-Q1`.
/// None when the key is neither form.
pub fn period_months(period: &str) -> Option<Vec<String>> {
    let (year, rest) = period.split_once('-')?;
    if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let months: Vec<u32> = match rest.strip_prefix('Q') {
        Some(q) if q.len() == 1 => {
            let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            (3 * q - 2..=3 * q).collect()
        }
        Some(_) => return None,
        None if rest.len() == 2 && rest.chars().all(|c| c.is_ascii_digit()) => {
            vec![rest.parse().ok().filter(|m| (1..=12).contains(m))?]
        }
        None => return None,
    };
    Some(months.iter().map(|m| format!("{year:04}-{m:02}")).collect())
}

/// Months counted from year 0, so that periods can be walked with plain additions.
fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

fn from_month_index(index: i64) -> (i32, u32) {
    // The index comes from a valid NaiveDate (plus at most a few months): it fits.
    let year = index.div_euclid(12) as i32;
    let month = index.rem_euclid(12) as u32 + 1;
    (year, month)
}

/// First month of the period holding the month `index`.
fn period_first_month(index: i64, frequency: Frequency) -> i64 {
    let step = i64::from(frequency.months());
    index - index.rem_euclid(step)
}

/// The 10th of the month following the month `last_month_index`.
fn report_due_on(last_month_index: i64) -> NaiveDate {
    let (year, month) = from_month_index(last_month_index + 1);
    NaiveDate::from_ymd_opt(year, month, REPORT_DUE_DAY).unwrap_or(NaiveDate::MAX)
}

/// `date` moved by `days`, saturating at the ends of chrono's calendar instead of panicking.
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    date.checked_add_signed(TimeDelta::days(days))
        .unwrap_or(if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

/// The months (`YYYY-MM`) of `period` during which a placement running from `starts_on` to
/// `ends_on` (None: open-ended) was open, in order; empty for a bad period key.
pub fn months_open(period: &str, starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> Vec<String> {
    let Some(months) = period_months(period) else {
        return Vec::new();
    };
    months
        .into_iter()
        .filter(|m| {
            month_bounds(m)
                .is_some_and(|(first, last)| open_between(starts_on, ends_on, first, last))
        })
        .collect()
}

/// The months of a period (`YYYY-MM` or `YYYY-Qn`) with their first and last days, in
/// order; empty for a bad key.
pub fn period_month_spans(period: &str) -> Vec<(String, NaiveDate, NaiveDate)> {
    period_months(period)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| {
            let (first, last) = month_bounds(&m)?;
            Some((m, first, last))
        })
        .collect()
}

/// Whether a placement running from `starts_on` to `ends_on` (None: open-ended) was open
/// on some day from `first` to `last` (as `months_open` counts a month).
pub fn open_between(
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    first: NaiveDate,
    last: NaiveDate,
) -> bool {
    starts_on <= last && ends_on.is_none_or(|e| e >= first)
}

/// First and last day of a month written `YYYY-MM`.
fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, m) = crate::domain::hours::parse_month(month)?;
    Some((
        crate::domain::hours::month_first_day(y, m)?,
        crate::domain::hours::month_last_day(y, m)?,
    ))
}

/// The last day of a reporting period (`YYYY-MM` or `YYYY-Qn`).
pub fn period_last_day(period: &str) -> Option<NaiveDate> {
    let months = period_months(period)?;
    month_bounds(months.last()?).map(|(_, last)| last)
}

/// Whether a period was reported, from the (placement, month) pairs owed (each month of the
/// period during which a placement was open) and the pairs that have an entry. None when
/// nothing was owed (nobody to report on); otherwise whether every owed pair has an entry.
pub fn period_reported(
    owed: &[(i64, String)],
    entered: &std::collections::HashSet<(i64, String)>,
) -> Option<bool> {
    if owed.is_empty() {
        return None;
    }
    Some(owed.iter().all(|pair| entered.contains(pair)))
}

/// The months of a period still owed by one assignment, from counts: `open`, each month of
/// the period with the number of its placements open then; `reported`, the entries not
/// refused of a month. Every such entry is of an open placement of the month (a
/// cancellation refuses the waiting ones, a date correction may not leave hours outside), so
/// a month is in when the two counts meet. None when nobody was placed in the period (it owes
/// nothing); otherwise the months short, in the order of `open`.
pub fn months_short(open: &[(String, i64)], reported: impl Fn(&str) -> i64) -> Option<Vec<String>> {
    if open.iter().all(|(_, n)| *n == 0) {
        return None;
    }
    Some(
        open.iter()
            .filter(|(month, n)| reported(month) < *n)
            .map(|(month, _)| month.clone())
            .collect(),
    )
}

/// Whether a milestone is done on `today`:
/// - marked done by hand (`marked_done`): always;
/// - a manual milestone: only when marked;
/// - `report`: once its period has ended and every owed report is in (`report_complete`,
///   Some(true); a period in which nobody was placed owes nothing and is done once over);
/// - `start`, `mid_term`, `end_warning`: informational dates, done once past;
/// - `final_report` and anything else: when marked.
pub fn is_done(
    kind: &str,
    manual: bool,
    marked_done: bool,
    due_on: NaiveDate,
    today: NaiveDate,
    report_complete: Option<bool>,
) -> bool {
    if marked_done {
        return true;
    }
    if manual {
        return false;
    }
    match kind {
        "report" => report_complete == Some(true),
        "start" | "mid_term" | "end_warning" => today > due_on,
        _ => false,
    }
}

/// State of a milestone on a given (local) day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneState {
    Upcoming,
    Due,
    Done,
    Overdue,
}

impl MilestoneState {
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneState::Upcoming => "upcoming",
            MilestoneState::Due => "due",
            MilestoneState::Done => "done",
            MilestoneState::Overdue => "overdue",
        }
    }
}

/// Done when done; otherwise upcoming until [`DUE_WINDOW_DAYS`] days before the due date, due
/// from then to the due date included, overdue after it.
pub fn state(due_on: NaiveDate, done: bool, today: NaiveDate) -> MilestoneState {
    if done {
        MilestoneState::Done
    } else if today < add_days(due_on, -DUE_WINDOW_DAYS) {
        MilestoneState::Upcoming
    } else if today <= due_on {
        MilestoneState::Due
    } else {
        MilestoneState::Overdue
    }
}

/// The instant, as stored (UTC, naive), at which `day` begins in `tz`. Timestamps are kept in
/// UTC; a structure's year runs from its own midnight to its own midnight.
pub fn day_start_utc(day: NaiveDate, tz: Tz) -> NaiveDateTime {
    use chrono::TimeZone;
    let midnight = day.and_time(chrono::NaiveTime::MIN);
    // A zone that skips midnight (none of France's does) starts the day at 01:00.
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + TimeDelta::hours(1)))
                .earliest()
        })
        .map(|t| t.naive_utc())
        .unwrap_or(midnight)
}

/// The wall-clock date and time in `tz` at the instant `now_utc`.
pub fn local_date_time(now_utc: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    now_utc.with_timezone(&tz).naive_local()
}

/// Whether something to be sent from `hour` o'clock local time on `day` may go at `now_utc`:
/// the local date is after `day`, or is `day` and the local hour is `hour` or later.
pub fn send_hour_reached(now_utc: DateTime<Utc>, tz: Tz, hour: u32, day: NaiveDate) -> bool {
    let local = local_date_time(now_utc, tz);
    local.date() > day || (local.date() == day && local.hour() >= hour)
}

/// The latest day whose sends may go at `now_utc`: the local date once the local hour has
/// reached `hour`, the day before until then. Passing this as `today` to the reminder rules
/// makes them return exactly what [`send_hour_reached`] allows.
pub fn sendable_through(now_utc: DateTime<Utc>, tz: Tz, hour: u32) -> NaiveDate {
    let local = local_date_time(now_utc, tz);
    if local.hour() >= hour {
        local.date()
    } else {
        add_days(local.date(), -1)
    }
}

/// A milestone of a clause's calendar as it is stored: whether it is done, for the changes
/// of a corrected calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMilestone {
    pub id: i64,
    pub kind: String,
    pub period: String,
    pub due_on: NaiveDate,
    pub done: bool,
}

/// One change that brings a calendar in line with new dates or a new frequency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarChange {
    /// A milestone of the new calendar that the clause did not have.
    Add(MilestoneSpec),
    /// A future milestone still in the new calendar, on its new date.
    Move { id: i64, due_on: NaiveDate },
    /// A future milestone no longer in the new calendar.
    Remove { id: i64 },
}

/// The changes that regenerate the future part of a calendar (`planned`, the generated
/// milestones only) after its clause's dates or frequency changed, on `today` (the clause's
/// local date):
/// - a milestone done, or due before today, stays as it is (the past is not rewritten, and
///   what was reminded of it stays true);
/// - a future milestone not done takes the date of the same milestone (kind and period) of
///   the new calendar, or is removed when the new calendar no longer has it;
/// - a milestone of the new calendar due today or later that the clause does not have is
///   added; one due before today is not (its moment has passed).
///
/// The changes come in the order of `planned`, then the additions in the new calendar's.
pub fn future_changes(
    planned: &[PlannedMilestone],
    new: &[MilestoneSpec],
    today: NaiveDate,
) -> Vec<CalendarChange> {
    let same = |m: &PlannedMilestone, s: &MilestoneSpec| m.kind == s.kind && m.period == s.period;
    let mut changes = Vec::new();
    for m in planned {
        if m.done || m.due_on < today {
            continue;
        }
        match new.iter().find(|s| same(m, s)) {
            Some(s) if s.due_on != m.due_on => changes.push(CalendarChange::Move {
                id: m.id,
                due_on: s.due_on,
            }),
            Some(_) => {}
            None => changes.push(CalendarChange::Remove { id: m.id }),
        }
    }
    for s in new {
        if s.due_on >= today && !planned.iter().any(|m| same(m, s)) {
            changes.push(CalendarChange::Add(s.clone()));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::territory::time_zone;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
    }

    fn summary(ms: &[MilestoneSpec]) -> Vec<(String, String, NaiveDate)> {
        ms.iter()
            .map(|m| (m.kind.clone(), m.period.clone(), m.due_on))
            .collect()
    }

    fn row(kind: &str, period: &str, due_on: NaiveDate) -> (String, String, NaiveDate) {
        (kind.to_string(), period.to_string(), due_on)
    }

    /// The report milestones, as (period, due date).
    fn reports(ms: &[MilestoneSpec]) -> Vec<(&str, NaiveDate)> {
        ms.iter()
            .filter(|m| m.kind == "report")
            .map(|m| (m.period.as_str(), m.due_on))
            .collect()
    }

    fn dates(days: &[NaiveDate]) -> Vec<String> {
        days.iter().map(|day| day.to_string()).collect()
    }

    /// The due date of the milestone of a kind that comes once in a calendar.
    fn due_on(ms: &[MilestoneSpec], kind: &str) -> NaiveDate {
        ms.iter().find(|m| m.kind == kind).unwrap().due_on
    }

    #[test]
    fn frequency_codes_parse_exactly() {
        assert_eq!(Frequency::parse("monthly"), Some(Frequency::Monthly));
        assert_eq!(Frequency::parse("quarterly"), Some(Frequency::Quarterly));
        assert_eq!(Frequency::parse("Monthly"), None);
        assert_eq!(Frequency::parse("yearly"), None);
        assert_eq!(Frequency::parse(""), None);
        assert_eq!(Frequency::Quarterly.as_str(), "quarterly");
    }

    #[test]
    fn monthly_calendar_has_every_stage_and_reports_due_on_the_tenth() {
        // 15 Jan to 30 Jun 2026: 166 days from start to end, mid-term 83 days after the start.
        let ms = generate(d(2026, 1, 15), d(2026, 6, 30), Frequency::Monthly);
        assert_eq!(
            summary(&ms),
            vec![
                row("start", "start", d(2026, 1, 15)),
                row("report", "2026-01", d(2026, 2, 10)),
                row("report", "2026-02", d(2026, 3, 10)),
                row("mid_term", "mid", d(2026, 4, 8)),
                row("report", "2026-03", d(2026, 4, 10)),
                row("report", "2026-04", d(2026, 5, 10)),
                row("end_warning", "end", d(2026, 5, 31)),
                row("report", "2026-05", d(2026, 6, 10)),
                row("report", "2026-06", d(2026, 7, 10)),
                row("final_report", "final", d(2026, 7, 30)),
            ]
        );
    }

    #[test]
    fn periods_cover_every_month_touched_across_years() {
        // One day in November and one day in February still get their reports.
        let ms = generate(d(2025, 11, 30), d(2026, 2, 1), Frequency::Monthly);
        let (periods, due): (Vec<_>, Vec<_>) = reports(&ms).into_iter().unzip();
        assert_eq!(periods, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(
            dates(&due),
            ["2025-12-10", "2026-01-10", "2026-02-10", "2026-03-10"]
        );
    }

    #[test]
    fn quarterly_calendar_reports_each_quarter_on_the_tenth_after_it() {
        let ms = generate(d(2026, 2, 1), d(2026, 11, 30), Frequency::Quarterly);
        assert_eq!(due_on(&ms, "end_warning"), d(2026, 10, 31));
        assert_eq!(due_on(&ms, "final_report"), d(2026, 12, 30));
        let (periods, due): (Vec<_>, Vec<_>) = reports(&ms).into_iter().unzip();
        assert_eq!(periods, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]);
        assert_eq!(
            dates(&due),
            ["2026-04-10", "2026-07-10", "2026-10-10", "2027-01-10"]
        );
        assert!(ms.windows(2).all(|w| w[0].due_on <= w[1].due_on));
    }

    #[test]
    fn days_either_side_of_a_quarter_end_give_two_reports() {
        // 31 March and 1 April fall in two quarters.
        let ms = generate(d(2026, 3, 31), d(2026, 4, 1), Frequency::Quarterly);
        let periods: Vec<_> = reports(&ms).into_iter().map(|(period, _)| period).collect();
        assert_eq!(periods, vec!["2026-Q1", "2026-Q2"]);
    }

    #[test]
    fn one_day_and_short_clauses() {
        let expected = vec![
            row("start", "start", d(2026, 5, 20)),
            row("mid_term", "mid", d(2026, 5, 20)),
            row("end_warning", "end", d(2026, 5, 20)),
            row("report", "2026-05", d(2026, 6, 10)),
            row("final_report", "final", d(2026, 6, 19)),
        ];
        let ms = generate(d(2026, 5, 20), d(2026, 5, 20), Frequency::Monthly);
        assert_eq!(summary(&ms), expected);
        // Shorter than 30 days: the end warning is on the first day, not before it.
        let ms = generate(d(2026, 5, 1), d(2026, 5, 20), Frequency::Monthly);
        assert_eq!(due_on(&ms, "end_warning"), d(2026, 5, 1));
    }

    #[test]
    fn mid_term_rounds_down() {
        // 1 to 4 March: 3 days apart, halfway rounds down to 1 day after the start.
        let ms = generate(d(2026, 3, 1), d(2026, 3, 4), Frequency::Monthly);
        assert_eq!(due_on(&ms, "mid_term"), d(2026, 3, 2));
        // A leap year: 1 Jan to 31 Dec 2028 is 365 days apart.
        let ms = generate(d(2028, 1, 1), d(2028, 12, 31), Frequency::Monthly);
        assert_eq!(due_on(&ms, "mid_term"), d(2028, 7, 1));
    }

    #[test]
    fn reversed_dates_give_no_calendar() {
        assert!(generate(d(2026, 5, 2), d(2026, 5, 1), Frequency::Monthly).is_empty());
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let ms = generate(NaiveDate::MAX, NaiveDate::MAX, Frequency::Monthly);
        assert_eq!(ms.last().unwrap().due_on, NaiveDate::MAX);
        let ms = generate(NaiveDate::MIN, NaiveDate::MIN, Frequency::Quarterly);
        assert_eq!(ms[0].due_on, NaiveDate::MIN);
    }

    #[test]
    fn period_keys_and_months() {
        assert_eq!(period_of(d(2026, 3, 31), Frequency::Monthly), "2026-03");
        assert_eq!(period_of(d(2026, 3, 31), Frequency::Quarterly), "2026-Q1");
        assert_eq!(period_of(d(2026, 10, 1), Frequency::Quarterly), "2026-Q4");
        assert_eq!(period_months("2026-03"), Some(vec!["2026-03".to_string()]));
        assert_eq!(
            period_months("2026-Q2"),
            Some(vec![
                "2026-04".to_string(),
                "2026-05".to_string(),
                "2026-06".to_string()
            ])
        );
        for bad in [
            "2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-Q12", "26-03", "2026", "2026-3",
            "mid", "",
        ] {
            assert_eq!(period_months(bad), None, "{bad}");
        }
    }

    #[test]
    fn states_around_the_due_date() {
        let due = d(2026, 4, 10);
        assert_eq!(state(due, false, d(2026, 4, 6)), MilestoneState::Upcoming);
        assert_eq!(state(due, false, d(2026, 4, 7)), MilestoneState::Due);
        assert_eq!(state(due, false, d(2026, 4, 10)), MilestoneState::Due);
        assert_eq!(state(due, false, d(2026, 4, 11)), MilestoneState::Overdue);
        assert_eq!(state(due, true, d(2026, 4, 11)), MilestoneState::Done);
        assert_eq!(state(due, true, d(2026, 1, 1)), MilestoneState::Done);
        assert_eq!(MilestoneState::Overdue.as_str(), "overdue");
    }

    #[test]
    fn local_time_in_territories() {
        // 07:30 UTC on 10 April 2026 (summer time in Paris).
        let now = utc(2026, 4, 10, 7, 30);
        let paris = local_date_time(now, time_zone("93"));
        assert_eq!(paris, d(2026, 4, 10).and_hms_opt(9, 30, 0).unwrap());
        let reunion = local_date_time(now, time_zone("974"));
        assert_eq!(reunion, d(2026, 4, 10).and_hms_opt(11, 30, 0).unwrap());
        let guadeloupe = local_date_time(now, time_zone("971"));
        assert_eq!(guadeloupe, d(2026, 4, 10).and_hms_opt(3, 30, 0).unwrap());
        // 02:00 UTC is still the day before in Cayenne (UTC-3).
        let cayenne = local_date_time(utc(2026, 4, 10, 2, 0), time_zone("973"));
        assert_eq!(cayenne, d(2026, 4, 9).and_hms_opt(23, 0, 0).unwrap());
    }

    #[test]
    fn send_hour_in_paris_winter_and_summer() {
        let paris = time_zone("75");
        let day = d(2026, 1, 12);
        // Winter: UTC+1, so 09:00 local is 08:00 UTC.
        assert!(!send_hour_reached(utc(2026, 1, 12, 7, 59), paris, 9, day));
        assert!(send_hour_reached(utc(2026, 1, 12, 8, 0), paris, 9, day));
        // Summer: UTC+2, so 09:00 local is 07:00 UTC.
        let day = d(2026, 7, 10);
        assert!(!send_hour_reached(utc(2026, 7, 10, 6, 59), paris, 9, day));
        assert!(send_hour_reached(utc(2026, 7, 10, 7, 0), paris, 9, day));
        // Any hour of a later day; never on an earlier day.
        assert!(send_hour_reached(utc(2026, 7, 11, 0, 0), paris, 9, day));
        assert!(!send_hour_reached(utc(2026, 7, 9, 23, 0), paris, 9, day));
    }

    #[test]
    fn send_hour_follows_overseas_time_zones() {
        let day = d(2026, 4, 10);
        // Martinique is UTC-4: 09:00 local is 13:00 UTC.
        let martinique = time_zone("972");
        assert!(!send_hour_reached(
            utc(2026, 4, 10, 12, 59),
            martinique,
            9,
            day
        ));
        assert!(send_hour_reached(
            utc(2026, 4, 10, 13, 0),
            martinique,
            9,
            day
        ));
        // Mayotte is UTC+3: 09:00 local is 06:00 UTC, and 22:00 UTC on the 9th is already the 10th.
        let mayotte = time_zone("976");
        assert!(send_hour_reached(utc(2026, 4, 10, 6, 0), mayotte, 9, day));
        assert!(!send_hour_reached(utc(2026, 4, 9, 22, 0), mayotte, 9, day));
        assert_eq!(local_date_time(utc(2026, 4, 9, 22, 0), mayotte).date(), day);
    }

    #[test]
    fn sendable_through_matches_send_hour_reached() {
        let tz = time_zone("93");
        // Paris summer time: 06:00 UTC is 08:00, 07:00 UTC is 09:00, and 23:00 UTC is 01:00 on
        // the 11th, before the send hour, so only the 10th's sends may go.
        for (h, expected) in [
            (6, d(2026, 7, 9)),
            (7, d(2026, 7, 10)),
            (23, d(2026, 7, 10)),
        ] {
            let now = utc(2026, 7, 10, h, 0);
            assert_eq!(sendable_through(now, tz, 9), expected, "{h}h UTC");
            for day in [d(2026, 7, 9), d(2026, 7, 10), d(2026, 7, 11)] {
                assert_eq!(
                    send_hour_reached(now, tz, 9, day),
                    day <= sendable_through(now, tz, 9),
                    "{h}h UTC, {day}"
                );
            }
        }
    }

    #[test]
    fn months_open_in_a_period() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            months_open("2026-Q1", d(2026, 2, 15), Some(d(2026, 5, 1))),
            s(&["2026-02", "2026-03"])
        );
        assert_eq!(
            months_open("2026-Q1", d(2026, 1, 31), None),
            s(&["2026-01", "2026-02", "2026-03"])
        );
        assert_eq!(months_open("2026-03", d(2026, 4, 1), None), s(&[]));
        assert_eq!(
            months_open("2026-03", d(2026, 1, 1), Some(d(2026, 2, 28))),
            s(&[])
        );
        assert_eq!(
            months_open("2026-03", d(2026, 1, 1), Some(d(2026, 3, 1))),
            s(&["2026-03"])
        );
        assert_eq!(months_open("mid", d(2026, 1, 1), None), s(&[]));
        assert_eq!(period_last_day("2026-Q1"), Some(d(2026, 3, 31)));
        assert_eq!(period_last_day("2026-02"), Some(d(2026, 2, 28)));
        assert_eq!(period_last_day("final"), None);
    }

    #[test]
    fn reported_periods_and_done_milestones() {
        let owed = vec![(1, "2026-03".to_string()), (2, "2026-03".to_string())];
        let mut entered = std::collections::HashSet::new();
        assert_eq!(period_reported(&[], &entered), None);
        entered.insert((1, "2026-03".to_string()));
        assert_eq!(period_reported(&owed, &entered), Some(false));
        entered.insert((2, "2026-03".to_string()));
        assert_eq!(period_reported(&owed, &entered), Some(true));
        let due = d(2026, 4, 10);
        // (kind, is a visit, marked done, today, period reported) -> done
        let cases = [
            (("report", false, false, d(2026, 4, 1), Some(true)), true),
            (("report", false, false, d(2026, 4, 1), Some(false)), false),
            (("report", false, false, d(2026, 4, 1), None), false),
            (("final_report", false, true, d(2026, 1, 1), None), true),
            (("final_report", false, false, d(2027, 1, 1), None), false),
            (("mid_term", false, false, due, None), false),
            (("mid_term", false, false, d(2026, 4, 11), None), true),
            (("visit", true, false, d(2027, 1, 1), None), false),
            (("visit", true, true, d(2026, 1, 1), None), true),
        ];
        for ((kind, visit, marked, today, reported), done) in cases {
            let got = is_done(kind, visit, marked, due, today, reported);
            assert_eq!(got, done, "{kind} {visit} {marked} {today} {reported:?}");
        }
    }

    #[test]
    fn a_month_is_short_while_fewer_entries_than_open_placements_are_in() {
        let open = vec![("2026-01".to_string(), 2), ("2026-02".to_string(), 1)];
        let counts =
            |in_jan: i64, in_feb: i64| move |m: &str| if m == "2026-01" { in_jan } else { in_feb };
        assert_eq!(
            months_short(&open, counts(1, 1)),
            Some(vec!["2026-01".to_string()])
        );
        assert_eq!(
            months_short(&open, counts(0, 0)),
            Some(vec!["2026-01".to_string(), "2026-02".to_string()])
        );
        assert_eq!(months_short(&open, counts(2, 1)), Some(vec![]));
        // Nobody placed: nothing owed.
        assert_eq!(
            months_short(&[("2026-03".to_string(), 0)], counts(0, 0)),
            None
        );
        assert_eq!(months_short(&[], counts(0, 0)), None);
    }

    #[test]
    fn a_year_begins_at_local_midnight() {
        let at = |y, m, d, h| {
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        let jan1 = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let jul1 = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let (paris, reunion) = (chrono_tz::Europe::Paris, chrono_tz::Indian::Reunion);
        let guadeloupe = chrono_tz::America::Guadeloupe;
        // Paris: UTC+1 in winter, UTC+2 in summer.
        assert_eq!(day_start_utc(jan1, paris), at(2025, 12, 31, 23));
        assert_eq!(day_start_utc(jul1, paris), at(2026, 6, 30, 22));
        // La Réunion UTC+4, Guadeloupe UTC-4, all year.
        assert_eq!(day_start_utc(jan1, reunion), at(2025, 12, 31, 20));
        assert_eq!(day_start_utc(jan1, guadeloupe), at(2026, 1, 1, 4));
    }

    fn planned(
        id: i64,
        kind: &str,
        period: &str,
        due_on: NaiveDate,
        done: bool,
    ) -> PlannedMilestone {
        PlannedMilestone {
            id,
            kind: kind.to_string(),
            period: period.to_string(),
            due_on,
            done,
        }
    }

    #[test]
    fn an_extended_end_keeps_the_past_and_the_done_and_adds_the_new_months() {
        // A clause of January to June 2026, seen on 15 May 2026, extended to 31 August.
        let old = generate(d(2026, 1, 15), d(2026, 6, 30), Frequency::Monthly);
        let mut planned: Vec<PlannedMilestone> = old
            .iter()
            .enumerate()
            .map(|(i, m)| planned(i as i64 + 1, &m.kind, &m.period, m.due_on, false))
            .collect();
        // The April report (due 10 May) is done; the May report (due 10 June) is done early.
        planned[5].done = true;
        planned[7].done = true;
        let new = generate(d(2026, 1, 15), d(2026, 8, 31), Frequency::Monthly);
        let changes = future_changes(&planned, &new, d(2026, 5, 15));
        assert_eq!(
            changes,
            vec![
                // The end warning (31 May) moves to 1 August; the June report stays on
                // 10 July; the final report moves from 30 July to 30 September.
                CalendarChange::Move {
                    id: 7,
                    due_on: d(2026, 8, 1)
                },
                CalendarChange::Move {
                    id: 10,
                    due_on: d(2026, 9, 30)
                },
                CalendarChange::Add(MilestoneSpec::new("report", "2026-07", d(2026, 8, 10))),
                CalendarChange::Add(MilestoneSpec::new("report", "2026-08", d(2026, 9, 10))),
            ]
        );
        // The mid-term review (8 April) is past: it keeps its date though the new
        // calendar would put it on 9 May.
        assert!(!changes
            .iter()
            .any(|c| matches!(c, CalendarChange::Move { id: 4, .. })));
    }

    #[test]
    fn a_shortened_clause_removes_only_its_future_milestones_not_done() {
        let planned = vec![
            planned(1, "report", "2026-03", d(2026, 4, 10), false),
            planned(2, "report", "2026-05", d(2026, 6, 10), false),
            planned(3, "report", "2026-06", d(2026, 7, 10), true),
            planned(4, "report", "2026-07", d(2026, 8, 10), false),
        ];
        // Now ending on 31 May: June and July are no longer reporting periods.
        let new = vec![
            MilestoneSpec::new("report", "2026-03", d(2026, 4, 10)),
            MilestoneSpec::new("report", "2026-05", d(2026, 6, 10)),
        ];
        assert_eq!(
            future_changes(&planned, &new, d(2026, 5, 20)),
            vec![CalendarChange::Remove { id: 4 }]
        );
    }

    #[test]
    fn a_new_frequency_adds_future_periods_only_and_due_today_is_future() {
        let planned = vec![
            planned(1, "report", "2026-01", d(2026, 2, 10), false),
            planned(2, "report", "2026-02", d(2026, 3, 10), false),
            planned(3, "report", "2026-03", d(2026, 4, 10), false),
        ];
        let new = vec![MilestoneSpec::new("report", "2026-Q1", d(2026, 4, 10))];
        // On 10 March: January's report is past and stays; February's is due today, so it
        // is part of the future and goes, as does March's; the quarter is added.
        assert_eq!(
            future_changes(&planned, &new, d(2026, 3, 10)),
            vec![
                CalendarChange::Remove { id: 2 },
                CalendarChange::Remove { id: 3 },
                CalendarChange::Add(MilestoneSpec::new("report", "2026-Q1", d(2026, 4, 10))),
            ]
        );
        // A period of the new calendar already past is not added.
        assert_eq!(
            future_changes(&[], &new, d(2026, 4, 11)),
            Vec::<CalendarChange>::new()
        );
    }
}
