//! A contractor's workspace: its home (its assignments with their progress, the reports it
//! owes, the figures the facilitator refused) and the grid of a month to report. Reads only:
//! the grid is saved by `app::hours::import_hours`, the batch use case of the API import.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::app::hours::list_entries;
use crate::app::AppResult;
use crate::auth::Caller;
use crate::db::Conn;
use crate::domain::calendar::{self, add_days, MilestoneState};
use crate::domain::hours::TemplateRow;
use crate::domain::ids::PlacementId;
use crate::domain::period::Month;
use crate::domain::progress::{self, AssignmentHours, ClauseTerms, ProgressStatus};
use crate::domain::vocabulary::AssignmentRole;
use crate::store::hours::{self as hours_store, EntryFilter, HourEntry, HourEntryView};
use crate::store::placements;
use crate::store::workspace::{self as store, ContractorReports};

/// How many assignments the home shows a page.
pub const ASSIGNMENTS_PAGE: i64 = 50;
/// How many refused figures the home lists (the oldest months first).
pub const REJECTED_SHOWN: i64 = 50;
/// How far back the home looks for late reports: a report a year late is a matter for the
/// facilitator, not a reminder on the home page.
pub const LATE_LOOKBACK_DAYS: i64 = 366;
/// How far ahead the home looks for the next report due: a quarter and its due date.
pub const NEXT_LOOKAHEAD_DAYS: i64 = 130;

/// One assignment of the contractor with its progress on the day.
#[derive(Debug, Clone)]
pub struct AssignmentProgressRow {
    pub clause_label: String,
    pub buyer_name: String,
    pub role: AssignmentRole,
    pub hours_target: i64,
    /// Hours expected by the day (hundredths).
    pub expected: i64,
    pub validated: i64,
    pub pending: i64,
    pub status: ProgressStatus,
}

/// A month the contractor has to report, on one or more of its clauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthDue {
    pub month: Month,
    /// The earliest due date of the periods this month belongs to.
    pub due_on: NaiveDate,
    /// The due date is past.
    pub late: bool,
    /// The clauses of the periods (their labels, sorted).
    pub clauses: Vec<String>,
    /// How many placements have no figure for the month yet.
    pub people: usize,
}

/// What the contractor's home shows.
pub struct ContractorHome {
    pub assignments: Vec<AssignmentProgressRow>,
    /// How many assignments the contractor has in all (the page shows some).
    pub assignments_total: i64,
    /// Months whose report is late, oldest first.
    pub late: Vec<MonthDue>,
    /// The next months due (those sharing the nearest due date), if any.
    pub next: Vec<MonthDue>,
    /// Figures the facilitator refused, to correct.
    pub rejected: Vec<HourEntryView>,
    pub rejected_total: i64,
}

/// The home of a contractor on `today`: a page of its assignments with their progress (the
/// domain's progress of an assignment against its target, from the maintained totals), the
/// months it still owes (the reminders' rule: a period is reported once every month of it
/// during which a placement was open has a figure not refused) and its refused figures.
/// A handful of queries whatever the number of assignments.
pub fn contractor_home(
    conn: &mut Conn,
    caller: &Caller,
    today: NaiveDate,
    on_track_percent: u32,
    page: i64,
) -> AppResult<ContractorHome> {
    let Some(org) = caller.contractor_org() else {
        return Err(crate::app::AppError::Forbidden);
    };
    let offset = page.max(0).saturating_mul(ASSIGNMENTS_PAGE);
    let (assignments, assignments_total) =
        store::contractor_assignments(conn, caller.structure_id, org, ASSIGNMENTS_PAGE, offset)?;
    let ids: Vec<_> = assignments.iter().map(|a| a.id).collect();
    let hours = store::assignment_hours(conn, &ids, Month::of(today))?;
    let rows = assignments
        .into_iter()
        .map(|a| {
            let (validated, pending) = hours.get(&a.id).copied().unwrap_or((0, 0));
            let terms = ClauseTerms {
                required: a.hours_target,
                starts_on: a.starts_on,
                ends_on: a.ends_on,
                penalty_per_hour_cents: a.penalty_per_hour_cents,
            };
            let figures = AssignmentHours {
                assignment_id: a.id.0,
                contractor_id: org.0,
                hours_target: a.hours_target,
                validated,
                pending,
            };
            let p = progress::clause_progress(&terms, &[figures], false, today, on_track_percent)
                .progress;
            AssignmentProgressRow {
                clause_label: a.clause_label,
                buyer_name: a.buyer_name,
                role: a.role,
                hours_target: a.hours_target,
                expected: p.expected,
                validated,
                pending,
                status: p.status,
            }
        })
        .collect();
    let from = add_days(today, -LATE_LOOKBACK_DAYS);
    let reports = store::contractor_reports(
        conn,
        caller.structure_id,
        org,
        from,
        add_days(today, NEXT_LOOKAHEAD_DAYS),
        Month::of(from).plus(-3),
    )?;
    let (late, next) = months_due(&reports, today);
    let filter = EntryFilter {
        status: None,
        clause_id: None,
        placement_id: None,
        month: None,
        contractor: None,
        entry_ids: None,
    };
    let (rejected, rejected_total) =
        list_entries(conn, caller, Some("rejected"), filter, REJECTED_SHOWN, 0)?;
    Ok(ContractorHome {
        assignments: rows,
        assignments_total,
        late,
        next,
        rejected,
        rejected_total,
    })
}

/// The months still owed on `today`, late ones (oldest first) and the next ones due (those
/// of the nearest due date to come). A period counts as the reminders count it: owed when a
/// placement of the assignment was open in one of its months, reported when each such
/// (placement, month) has a figure not refused; late once its milestone is overdue.
pub fn months_due(reports: &ContractorReports, today: NaiveDate) -> (Vec<MonthDue>, Vec<MonthDue>) {
    let mut by_assignment: HashMap<_, Vec<_>> = HashMap::new();
    for p in &reports.placements {
        by_assignment.entry(p.1).or_insert_with(Vec::new).push(p);
    }
    // month -> (earliest due date, late, clauses, placements missing)
    type Acc = (NaiveDate, bool, BTreeSet<String>, BTreeSet<i64>);
    let mut late: BTreeMap<Month, Acc> = BTreeMap::new();
    let mut upcoming: BTreeMap<Month, Acc> = BTreeMap::new();
    for period in &reports.periods {
        let spans = by_assignment
            .get(&period.assignment_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let owed: Vec<(i64, String)> = spans
            .iter()
            .flat_map(|&&(id, _, start, end)| {
                calendar::months_open(&period.period, start, end)
                    .into_iter()
                    .map(move |m| (id, m))
            })
            .collect();
        if calendar::period_reported(&owed, &reports.entered) != Some(false) {
            continue;
        }
        let is_late = calendar::state(period.due_on, false, today) == MilestoneState::Overdue;
        let target = if is_late { &mut late } else { &mut upcoming };
        for (placement, month) in owed {
            if reports.entered.contains(&(placement, month.clone())) {
                continue;
            }
            let Some(month) = Month::parse(&month) else {
                continue;
            };
            let acc = target
                .entry(month)
                .or_insert_with(|| (period.due_on, is_late, BTreeSet::new(), BTreeSet::new()));
            acc.0 = acc.0.min(period.due_on);
            acc.2.insert(period.clause_label.clone());
            acc.3.insert(placement);
        }
    }
    let to_list = |m: BTreeMap<Month, Acc>| -> Vec<MonthDue> {
        m.into_iter()
            .map(|(month, (due_on, late, clauses, people))| MonthDue {
                month,
                due_on,
                late,
                clauses: clauses.into_iter().collect(),
                people: people.len(),
            })
            .collect()
    };
    let late = to_list(late);
    let upcoming = to_list(upcoming);
    let nearest = upcoming.iter().map(|m| m.due_on).min();
    let next = upcoming
        .into_iter()
        .filter(|m| Some(m.due_on) == nearest)
        .collect();
    (late, next)
}

/// One row of a month's grid: a placement open in the month, and its figure if one was sent.
pub struct GridRow {
    pub row: TemplateRow,
    pub entry: Option<HourEntry>,
}

/// People a page of the month grid shows (a bigger contractor reports page by page, or
/// uploads the template).
pub const GRID_PAGE: i64 = 100;

/// A page of a month's grid.
pub struct MonthGrid {
    pub rows: Vec<GridRow>,
    /// Rows of the month on every page.
    pub total: i64,
    /// The page shown (1-based; a page past the end shows the last) and how many there are.
    pub page: i64,
    pub pages: i64,
}

/// Page `page` (1-based) of the grid of a month: the placements open in the month that the
/// caller reports on (the rows of the hours template), in placement order, with the figures
/// already sent for them. Reads only the page's rows (three queries), whatever the size of
/// the contractor.
pub fn month_grid(
    conn: &mut Conn,
    caller: &Caller,
    month: Month,
    page: i64,
) -> AppResult<MonthGrid> {
    let window = |page: i64| Some((GRID_PAGE, (page - 1).max(0).saturating_mul(GRID_PAGE)));
    let (org, sid) = (caller.contractor_org(), caller.structure_id);
    let mut page = page.max(1);
    let (mut rows, total) = placements::template_rows_window(conn, sid, org, month, window(page))?;
    let pages = ((total + GRID_PAGE - 1) / GRID_PAGE).max(1);
    if page > pages {
        page = pages;
        rows = placements::template_rows_window(conn, sid, org, month, window(page))?.0;
    }
    let ids: Vec<PlacementId> = rows.iter().map(|r| PlacementId(r.placement_id)).collect();
    let mut by_placement: HashMap<PlacementId, HourEntry> =
        hours_store::of_placements_in_month(conn, sid, &ids, month)?
            .into_iter()
            .map(|e| (e.placement_id, e))
            .collect();
    let rows = rows
        .into_iter()
        .map(|row| {
            let entry = by_placement.remove(&PlacementId(row.placement_id));
            GridRow { row, entry }
        })
        .collect();
    Ok(MonthGrid {
        rows,
        total,
        page,
        pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::AssignmentId;
    use crate::store::workspace::OwedPeriod;
    use std::collections::HashSet;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn period(a: i64, period: &str, due: NaiveDate) -> OwedPeriod {
        OwedPeriod {
            assignment_id: AssignmentId(a),
            clause_label: format!("Clause {a}"),
            period: period.into(),
            due_on: due,
        }
    }

    #[test]
    fn late_and_next_months_as_the_reminders_count_them() {
        let reports = ContractorReports {
            periods: vec![
                period(1, "2026-09", d(2026, 10, 10)),
                period(1, "2026-10", d(2026, 11, 10)),
                period(1, "2026-11", d(2026, 12, 10)),
                period(2, "2026-10", d(2026, 11, 10)),
            ],
            placements: vec![
                (10, AssignmentId(1), d(2026, 9, 1), None),
                (11, AssignmentId(1), d(2026, 10, 15), Some(d(2026, 10, 31))),
                // Assignment 2 has nobody placed: it owes nothing.
            ],
            entered: HashSet::from([(10, "2026-09".to_string()), (10, "2026-10".to_string())]),
        };
        let (late, next) = months_due(&reports, d(2026, 11, 27));
        assert_eq!(late.len(), 1, "{late:?}");
        assert_eq!(late[0].month, Month::parse("2026-10").expect("month"));
        assert_eq!(late[0].people, 1);
        assert_eq!(late[0].clauses, vec!["Clause 1".to_string()]);
        assert!(late[0].late);
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].month, Month::parse("2026-11").expect("month"));
        assert_eq!(next[0].due_on, d(2026, 12, 10));
        assert!(!next[0].late);
    }
}
