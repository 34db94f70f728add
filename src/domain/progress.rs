//! Progress of an assignment or a clause at a date D (docs/domain.md#progress).

use chrono::NaiveDate;

use crate::domain::period::Month;

/// Default share of the expected hours, in percent, at or above which a clause is on track.
pub const DEFAULT_ON_TRACK_PERCENT: u32 = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgressStatus {
    NotStarted,
    OnTrack,
    AtRisk,
    Completed,
    /// The clause has no target to measure against (a reserved contract).
    NoTarget,
}

impl ProgressStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProgressStatus::NotStarted => "not_started",
            ProgressStatus::OnTrack => "on_track",
            ProgressStatus::AtRisk => "at_risk",
            ProgressStatus::Completed => "completed",
            ProgressStatus::NoTarget => "no_target",
        }
    }
}

/// Hours are hundredths of an hour; amounts are cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressInput {
    pub required: i64,
    /// Validated hours of the months up to D's month.
    pub validated: i64,
    /// Pending hours of the same months (shown apart, never counted).
    pub pending: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub on: NaiveDate,
    pub on_track_percent: u32,
    pub penalty_per_hour_cents: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Hundredths, rounded half up.
    pub expected: i64,
    pub status: ProgressStatus,
    /// Cents; 0 until the period has ended.
    pub penalty_exposure_cents: i64,
    /// D is after the end date.
    pub period_ended: bool,
    /// Required minus validated, never below 0 (hundredths).
    pub remaining: i64,
}

/// `numerator / denominator` rounded half up, for a non-negative numerator and a positive
/// denominator.
fn div_half_up(numerator: i128, denominator: i128) -> i128 {
    (2 * numerator + denominator) / (2 * denominator)
}

fn to_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// Hours expected by D: required × elapsed days ÷ period days (both bounds included),
/// between 0 and required.
pub fn expected_hours(
    required: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    on: NaiveDate,
) -> i64 {
    let required = required.max(0);
    if on < starts_on {
        return 0;
    }
    if on >= ends_on {
        return required;
    }
    let elapsed = i128::from((on - starts_on).num_days() + 1);
    let period = i128::from((ends_on - starts_on).num_days() + 1);
    to_i64(div_half_up(i128::from(required) * elapsed, period)).min(required)
}

pub fn progress(i: &ProgressInput) -> Progress {
    let expected = expected_hours(i.required, i.starts_on, i.ends_on, i.on);
    let remaining = i.required.saturating_sub(i.validated).max(0);
    let status = if i.on < i.starts_on {
        ProgressStatus::NotStarted
    } else if i.validated >= i.required {
        ProgressStatus::Completed
    } else if i128::from(i.validated) * 100 >= i128::from(expected) * i128::from(i.on_track_percent)
    {
        ProgressStatus::OnTrack
    } else {
        ProgressStatus::AtRisk
    };
    let period_ended = i.on > i.ends_on;
    let penalty_exposure_cents = match i.penalty_per_hour_cents {
        Some(per_hour) if period_ended && per_hour > 0 => {
            // hundredths of an hour × cents per hour ÷ 100 = cents.
            to_i64(div_half_up(
                i128::from(remaining) * i128::from(per_hour),
                100,
            ))
        }
        _ => 0,
    };
    Progress {
        expected,
        status,
        penalty_exposure_cents,
        period_ended,
        remaining,
    }
}

/// What a clause's progress reads of the clause itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClauseTerms {
    /// Hours the whole clause requires (hundredths).
    pub required: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub penalty_per_hour_cents: Option<i64>,
}

/// An assignment's target and its hours up to D's month (hundredths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssignmentHours {
    pub assignment_id: i64,
    pub contractor_id: i64,
    pub hours_target: i64,
    pub validated: i64,
    pub pending: i64,
}

/// The progress of one assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssignmentProgress {
    pub hours: AssignmentHours,
    pub progress: Progress,
}

/// The progress of a clause at D, over the assignments given.
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseProgress {
    pub on: NaiveDate,
    pub required: i64,
    pub validated: i64,
    pub pending: i64,
    pub progress: Progress,
    /// Expected share of the required hours at D, percent with one decimal.
    pub expected_share: f64,
    pub assignments: Vec<AssignmentProgress>,
}

/// The progress of a clause at `on` (docs/domain.md#progress): each assignment against its target,
/// and the clause's figures summed over the assignments given. `whole_clause`: they are all
/// of the clause's, and the clause's required hours apply; else (a contractor's view of its
/// own assignments) the sum of their targets does.
pub fn clause_progress(
    terms: &ClauseTerms,
    assignments: &[AssignmentHours],
    whole_clause: bool,
    on: NaiveDate,
    on_track_percent: u32,
) -> ClauseProgress {
    let compute = |required: i64, validated: i64, pending: i64| {
        progress(&ProgressInput {
            required,
            validated,
            pending,
            starts_on: terms.starts_on,
            ends_on: terms.ends_on,
            on,
            on_track_percent,
            penalty_per_hour_cents: terms.penalty_per_hour_cents,
        })
    };
    let items: Vec<AssignmentProgress> = assignments
        .iter()
        .map(|a| AssignmentProgress {
            hours: *a,
            progress: compute(a.hours_target, a.validated, a.pending),
        })
        .collect();
    let validated = assignments.iter().map(|a| a.validated).sum();
    let pending = assignments.iter().map(|a| a.pending).sum();
    let required = if whole_clause {
        terms.required
    } else {
        assignments.iter().map(|a| a.hours_target).sum()
    };
    let pr = compute(required, validated, pending);
    let expected_share = if required > 0 {
        ((pr.expected * 1000 + required / 2) / required) as f64 / 10.0
    } else {
        0.0
    };
    ClauseProgress {
        on,
        required,
        validated,
        pending,
        progress: pr,
        expected_share,
        assignments: items,
    }
}

/// One month of a clause's progress over time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthProgress {
    pub month: Month,
    /// Hours validated for work done that month.
    pub validated: i64,
    /// Hours declared for that month, waiting for validation.
    pub pending: i64,
    /// Hours validated from the clause's start to the end of that month.
    pub cumulative: i64,
    /// Hours expected by the last day of that month (or by `on` for the current month).
    pub expected: i64,
}

/// The clause's months from its start to the month of `on` (at most its last month), each
/// with the hours of the month, their running total and what was expected by the month's end
/// (by `on` in the month of `on`). `totals`: (month, validated, pending), months without
/// figures may be absent; months outside the period are ignored.
pub fn months_of_progress(
    required: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    on: NaiveDate,
    totals: &[(Month, i64, i64)],
) -> Vec<MonthProgress> {
    let first = Month::of(starts_on);
    let last = Month::of(on.min(ends_on));
    if on < starts_on || last < first {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut cumulative = 0i64;
    let mut month = first;
    while month <= last {
        let (validated, pending) = totals
            .iter()
            .filter(|(m, _, _)| *m == month)
            .fold((0, 0), |(v, p), (_, mv, mp)| (v + mv, p + mp));
        cumulative += validated;
        let end = month.last_day().unwrap_or(ends_on).min(on);
        out.push(MonthProgress {
            month,
            validated,
            pending,
            cumulative,
            expected: expected_hours(required, starts_on, ends_on, end),
        });
        month = month.plus(1);
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn months_of_progress_run_from_the_start_to_today() {
        // 1,200 h over 2026-01-01..2026-12-31 (365 days), seen on 2026-03-15.
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let m = |s: &str| Month::parse(s).unwrap();
        let totals = [
            (m("2026-01"), 8_000, 0),
            (m("2026-02"), 5_000, 1_000),
            (m("2026-02"), 2_000, 0),
            (m("2025-12"), 9_999, 0),
        ];
        let rows = months_of_progress(
            120_000,
            d("2026-01-01"),
            d("2026-12-31"),
            d("2026-03-15"),
            &totals,
        );
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].validated, rows[0].cumulative), (8_000, 8_000));
        // 31 days of 365: 120,000 × 31 / 365 = 10,191.78 → 10,192.
        assert_eq!(rows[0].expected, 10_192);
        assert_eq!(
            (rows[1].validated, rows[1].pending, rows[1].cumulative),
            (7_000, 1_000, 15_000)
        );
        // 59 days: 19,397.26 → 19,397.
        assert_eq!(rows[1].expected, 19_397);
        // The current month counts to the 15th: 74 days, 24,328.77 → 24,329.
        assert_eq!(
            (rows[2].validated, rows[2].cumulative, rows[2].expected),
            (0, 15_000, 24_329)
        );
        // Not started yet: nothing.
        assert!(months_of_progress(
            100,
            d("2026-05-01"),
            d("2026-06-30"),
            d("2026-04-30"),
            &totals
        )
        .is_empty());
        // Ended: stops at the last month, which expects everything.
        let done = months_of_progress(100, d("2026-01-10"), d("2026-02-20"), d("2026-09-01"), &[]);
        assert_eq!(done.len(), 2);
        assert_eq!(done[1].expected, 100);
    }
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A 2026 clause of 1 000 h over 365 days.
    fn input(on: &str, validated: i64) -> ProgressInput {
        ProgressInput {
            required: 100_000,
            validated,
            pending: 0,
            starts_on: d("2026-01-01"),
            ends_on: d("2026-12-31"),
            on: d(on),
            on_track_percent: DEFAULT_ON_TRACK_PERCENT,
            penalty_per_hour_cents: None,
        }
    }

    #[test]
    fn clause_progress_sums_the_assignments_given_against_the_clause_or_their_targets() {
        let terms = ClauseTerms {
            required: 83300,
            starts_on: d("2026-01-01"),
            ends_on: d("2026-12-31"),
            penalty_per_hour_cents: Some(3000),
        };
        let a = AssignmentHours {
            assignment_id: 1,
            contractor_id: 10,
            hours_target: 50000,
            validated: 10000,
            pending: 2000,
        };
        let b = AssignmentHours {
            assignment_id: 2,
            contractor_id: 20,
            hours_target: 33300,
            validated: 5000,
            pending: 0,
        };
        let on = d("2026-07-01");
        let whole = clause_progress(&terms, &[a, b], true, on, 80);
        assert_eq!(
            (whole.required, whole.validated, whole.pending),
            (83300, 15000, 2000)
        );
        assert_eq!(whole.assignments.len(), 2);
        assert_eq!(
            whole.assignments[0].progress,
            progress(&ProgressInput {
                required: 50000,
                validated: 10000,
                pending: 2000,
                starts_on: terms.starts_on,
                ends_on: terms.ends_on,
                on,
                on_track_percent: 80,
                penalty_per_hour_cents: Some(3000),
            })
        );
        let expected = whole.progress.expected;
        assert_eq!(
            whole.expected_share,
            ((expected * 1000 + 83300 / 2) / 83300) as f64 / 10.0
        );
        // A contractor's view: its assignments' targets are what is required.
        let own = clause_progress(&terms, &[a], false, on, 80);
        assert_eq!(
            (own.required, own.validated, own.pending),
            (50000, 10000, 2000)
        );
        // No hours required: no expected share.
        let none = clause_progress(
            &ClauseTerms {
                required: 0,
                ..terms
            },
            &[],
            true,
            on,
            80,
        );
        assert_eq!(none.expected_share, 0.0);
    }

    #[test]
    fn expected_at_the_bounds() {
        // D = start: one day of 365 -> 1 000 h / 365 = 2.7397 h -> 2.74 h.
        let p = progress(&input("2026-01-01", 0));
        assert_eq!(p.expected, 274);
        assert_eq!(p.status, ProgressStatus::AtRisk);
        assert!(!p.period_ended);
        // D = end: everything is expected, the period has not ended yet.
        let p = progress(&input("2026-12-31", 0));
        assert_eq!(p.expected, 100_000);
        assert!(!p.period_ended);
        // 2026-07-02 is day 183: 100 000 × 183 / 365 = 50 136.98 -> 50 137.
        assert_eq!(progress(&input("2026-07-02", 0)).expected, 50_137);
        // After the end: clamped to required.
        assert_eq!(progress(&input("2027-03-01", 0)).expected, 100_000);
    }

    #[test]
    fn expected_hours_round_half_up() {
        // 1 h over 2 days, on day 1: 0.5 h exactly; 1 hundredth over 2 days: 0.5 -> 1.
        assert_eq!(
            expected_hours(100, d("2026-01-01"), d("2026-01-02"), d("2026-01-01")),
            50
        );
        assert_eq!(
            expected_hours(1, d("2026-01-01"), d("2026-01-02"), d("2026-01-01")),
            1
        );
        // 1 hundredth over 3 days, on day 1: 0.33 -> 0.
        assert_eq!(
            expected_hours(1, d("2026-01-01"), d("2026-01-03"), d("2026-01-01")),
            0
        );
        // A one-day period.
        assert_eq!(
            expected_hours(700, d("2026-01-01"), d("2026-01-01"), d("2026-01-01")),
            700
        );
    }

    #[test]
    fn on_track_from_80_percent_of_expected_hours() {
        // Day 183: expected 50 137; 80 % is 40 109.6.
        let p = progress(&input("2026-07-02", 40_110));
        assert_eq!(p.status, ProgressStatus::OnTrack);
        let p = progress(&input("2026-07-02", 40_109));
        assert_eq!(p.status, ProgressStatus::AtRisk);
        // Exactly 80 %: 1 000 h over 10 days, day 5 -> 500 h expected, 400 h validated.
        let exact = ProgressInput {
            required: 100_000,
            validated: 40_000,
            pending: 5_000,
            starts_on: d("2026-03-01"),
            ends_on: d("2026-03-10"),
            on: d("2026-03-05"),
            on_track_percent: 80,
            penalty_per_hour_cents: Some(6_000),
        };
        let p = progress(&exact);
        assert_eq!(p.expected, 50_000);
        assert_eq!(p.status, ProgressStatus::OnTrack);
        assert_eq!(p.penalty_exposure_cents, 0, "no exposure before the end");
        assert_eq!(p.remaining, 60_000);
        let p = progress(&ProgressInput {
            validated: 39_999,
            ..exact
        });
        assert_eq!(p.status, ProgressStatus::AtRisk);
    }

    #[test]
    fn not_started_and_completed() {
        let p = progress(&input("2025-12-31", 0));
        assert_eq!(p.status, ProgressStatus::NotStarted);
        assert_eq!(p.expected, 0);
        assert_eq!(p.remaining, 100_000);
        let p = progress(&input("2026-03-01", 100_000));
        assert_eq!(p.status, ProgressStatus::Completed);
        assert_eq!(p.remaining, 0);
        let p = progress(&input("2027-01-01", 120_000));
        assert_eq!(p.status, ProgressStatus::Completed);
        assert_eq!(p.remaining, 0);
        assert_eq!(ProgressStatus::NotStarted.as_str(), "not_started");
        assert_eq!(ProgressStatus::OnTrack.as_str(), "on_track");
        assert_eq!(ProgressStatus::AtRisk.as_str(), "at_risk");
        assert_eq!(ProgressStatus::Completed.as_str(), "completed");
    }

    #[test]
    fn penalty_after_the_end() {
        // 60 € per missing hour, 123.45 h missing: 7 407 €.
        let mut i = input("2027-01-01", 100_000 - 12_345);
        i.penalty_per_hour_cents = Some(6_000);
        let p = progress(&i);
        assert!(p.period_ended);
        // 87.7 % of the required hours: on track by the 80 % rule, yet exposed.
        assert_eq!(p.status, ProgressStatus::OnTrack);
        assert_eq!(p.penalty_exposure_cents, 740_700);
        // Rounding half up: 0.01 h × 0.50 € = 0.005 € -> 0.01 €; 0.01 h × 0.49 € -> 0.
        let mut i = input("2027-01-01", 99_999);
        i.penalty_per_hour_cents = Some(50);
        assert_eq!(progress(&i).penalty_exposure_cents, 1);
        i.penalty_per_hour_cents = Some(49);
        assert_eq!(progress(&i).penalty_exposure_cents, 0);
        // On the end date itself: not yet.
        let mut i = input("2026-12-31", 0);
        i.penalty_per_hour_cents = Some(6_000);
        assert_eq!(progress(&i).penalty_exposure_cents, 0);
        // Without a penalty clause.
        let p = progress(&input("2027-01-01", 0));
        assert!(p.period_ended);
        assert_eq!(p.penalty_exposure_cents, 0);
        // Completed: nothing missing.
        let mut i = input("2027-01-01", 100_000);
        i.penalty_per_hour_cents = Some(6_000);
        assert_eq!(progress(&i).penalty_exposure_cents, 0);
    }
}
