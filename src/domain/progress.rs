//! Progress of an assignment or a clause at a date D (docs/domain.md#progress).

use chrono::NaiveDate;

/// Default share of the expected hours, in percent, at or above which a clause is on track.
pub const DEFAULT_ON_TRACK_PERCENT: u32 = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgressStatus {
    NotStarted,
    OnTrack,
    AtRisk,
    Completed,
}

impl ProgressStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProgressStatus::NotStarted => "not_started",
            ProgressStatus::OnTrack => "on_track",
            ProgressStatus::AtRisk => "at_risk",
            ProgressStatus::Completed => "completed",
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

#[cfg(test)]
mod tests {
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
