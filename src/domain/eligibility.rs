//! Eligibility of participants and the rules a placement must respect
//! (docs/domain.md#eligibility, docs/domain.md#weekly-load).

use chrono::{Datelike, Months, NaiveDate};

use crate::domain::catalogue::{is_code, CRITERIA};
use crate::domain::hours::format_hours;
use crate::domain::rule::Violation;

/// The criterion that needs a written justification.
pub const FACILITATOR_OPINION: &str = "facilitator_opinion";

/// Default validity of an eligibility validation, in months.
pub const DEFAULT_VALIDITY_MONTHS: u32 = 6;

/// Most planned hours a week, in hundredths (48 h, the legal weekly maximum).
pub const MAX_WEEKLY_HOURS: i64 = 4800;

/// Checks the criteria of an eligibility validation: at least one, all known, no duplicate,
/// and a justification when the facilitator's reasoned opinion is one of them.
pub fn check_criteria(
    criteria: &[String],
    justification: Option<&str>,
) -> Result<(), Vec<Violation>> {
    let mut errors = Vec::new();
    if criteria.is_empty() {
        errors.push(Violation::new("criteria", "criteria_required"));
    }
    for (i, code) in criteria.iter().enumerate() {
        if !is_code(CRITERIA, code) {
            errors.push(
                Violation::new(format!("criteria[{i}]"), "criterion_unknown")
                    .with("criterion", code),
            );
        } else if criteria[..i].contains(code) {
            errors.push(
                Violation::new(format!("criteria[{i}]"), "criterion_repeated")
                    .with("criterion", code),
            );
        }
    }
    let needs_justification = criteria.iter().any(|c| c == FACILITATOR_OPINION);
    if needs_justification && justification.is_none_or(|j| j.trim().is_empty()) {
        errors.push(
            Violation::new("justification", "justification_required")
                .with("criterion", FACILITATOR_OPINION),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Last day of validity: `validated_on` plus `months` (clamped to the end of a shorter
/// month), minus one day. 2026-01-15 + 6 months gives 2026-07-14.
pub fn valid_until(validated_on: NaiveDate, months: u32) -> NaiveDate {
    validated_on
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// One recorded eligibility validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    pub id: i64,
    pub validated_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub criteria: Vec<String>,
}

impl Validation {
    /// Both bounds included.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.validated_on <= day && day <= self.valid_until
    }
}

/// The most recent validation (by validation date, then id) that covers `day`.
pub fn valid_on(history: &[Validation], day: NaiveDate) -> Option<&Validation> {
    history
        .iter()
        .filter(|v| v.covers(day))
        .max_by_key(|v| (v.validated_on, v.id))
}

/// Eligibility of a person on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EligibilityStatus {
    /// A validation covers the day; `until` is its last day of validity.
    Valid { until: NaiveDate },
    /// Validations exist before the day but none covers it; `since` is the first day
    /// without validity (the day after the latest end).
    Expired { since: NaiveDate },
    /// No validation on or before the day.
    None,
}

impl EligibilityStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            EligibilityStatus::Valid { .. } => "valid",
            EligibilityStatus::Expired { .. } => "expired",
            EligibilityStatus::None => "none",
        }
    }
}

pub fn status_on(history: &[Validation], day: NaiveDate) -> EligibilityStatus {
    if let Some(v) = valid_on(history, day) {
        return EligibilityStatus::Valid {
            until: v.valid_until,
        };
    }
    // Validations made after `day` say nothing about it.
    let last_end = history
        .iter()
        .filter(|v| v.validated_on <= day)
        .map(|v| v.valid_until)
        .max();
    match last_end {
        Some(end) => EligibilityStatus::Expired {
            since: end.succ_opt().unwrap_or(end),
        },
        None => EligibilityStatus::None,
    }
}

/// Age bands of the impact report (a vocabulary: stored and sent as its code).
pub use crate::domain::vocabulary::AgeBand;

/// Age in whole years on a day (0 before birth).
pub fn age_on(birth_date: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth_date).unwrap_or(0)
}

/// The age band on a day: the 26th birthday starts `26_49`, the 50th starts `50_plus`.
pub fn age_band(birth_date: NaiveDate, on: NaiveDate) -> AgeBand {
    match age_on(birth_date, on) {
        0..=25 => AgeBand::Under26,
        26..=49 => AgeBand::From26To49,
        _ => AgeBand::From50,
    }
}

/// What the weekly-load rule needs to know of a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedPlacement {
    pub starts_on: NaiveDate,
    /// None: open-ended, runs forever.
    pub ends_on: Option<NaiveDate>,
    /// Planned hours a week, in hundredths.
    pub weekly_hours: i64,
}

impl PlannedPlacement {
    fn is_active_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }
}

/// Placements of one person may overlap only while their planned weekly hours together stay
/// within `max_weekly` on every day of the new placement.
pub fn check_weekly_load(
    existing: &[PlannedPlacement],
    new: &PlannedPlacement,
    max_weekly: i64,
) -> Result<(), Violation> {
    // The total only rises when a placement starts, so its maximum over the new span is
    // reached on the new start or on the start of an existing placement inside the span.
    let mut days: Vec<NaiveDate> = std::iter::once(new.starts_on)
        .chain(existing.iter().map(|p| p.starts_on))
        .filter(|d| new.is_active_on(*d))
        .collect();
    days.sort();
    days.dedup();
    for day in days {
        let total = existing
            .iter()
            .filter(|p| p.is_active_on(day))
            .fold(new.weekly_hours, |sum, p| {
                sum.saturating_add(p.weekly_hours)
            });
        if total > max_weekly {
            return Err(Violation::new("weekly_hours", "weekly_load_above_max")
                .with("on", day)
                .with("total", format_hours(total))
                .with("max", format_hours(max_weekly)));
        }
    }
    Ok(())
}

/// The end of a placement, when known, is not before its start.
pub fn check_placement_dates(
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
) -> Result<(), Violation> {
    match ends_on {
        Some(end) if end < starts_on => {
            Err(Violation::new("ends_on", "ends_before_start").with("starts_on", starts_on))
        }
        _ => Ok(()),
    }
}

/// Planned weekly hours (hundredths): more than 0 and at most 48 h.
pub fn check_weekly_hours(hours: i64) -> Result<(), Violation> {
    if hours <= 0 {
        Err(Violation::new("weekly_hours", "not_positive"))
    } else if hours > MAX_WEEKLY_HOURS {
        Err(Violation::new("weekly_hours", "weekly_hours_above_max")
            .with("max", format_hours(MAX_WEEKLY_HOURS)))
    } else {
        Ok(())
    }
}

/// The birth year kept after anonymisation.
pub fn birth_year(birth_date: NaiveDate) -> i32 {
    birth_date.year()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A weekly-load refusal's values, as its message shows them.
    fn shown(v: &Violation) -> String {
        format!(
            "on {}: {} h, above {} h",
            v.param("on").unwrap_or(""),
            v.param("total").unwrap_or(""),
            v.param("max").unwrap_or("")
        )
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn known_criteria_and_a_justified_opinion_are_accepted() {
        assert_eq!(check_criteria(&strings(&["rsa"]), None), Ok(()));
        assert_eq!(
            check_criteria(&strings(&["qpv", "deld", "senior"]), None),
            Ok(())
        );
        assert_eq!(
            check_criteria(
                &strings(&["facilitator_opinion"]),
                Some("suivi depuis 2 ans")
            ),
            Ok(())
        );
    }

    #[test]
    fn missing_unknown_repeated_criteria_and_bare_opinion_are_refused() {
        let errors = check_criteria(&[], None).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "criteria");

        let errors = check_criteria(&strings(&["rsa", "unicorn", "rsa"]), None).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "criteria[1]");
        assert!(
            errors[0].code == "criterion_unknown"
                && errors[0].param("criterion") == Some("unicorn"),
            "{:?}",
            errors[0]
        );
        assert_eq!(errors[1].field, "criteria[2]");
        assert_eq!(errors[1].code, "criterion_repeated");

        for justification in [None, Some(""), Some("   \n")] {
            let errors =
                check_criteria(&strings(&["facilitator_opinion"]), justification).unwrap_err();
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, "justification");
        }
    }

    #[test]
    fn validation_expires_the_day_before_the_same_date_months_later() {
        assert_eq!(valid_until(d("2026-01-15"), 6), d("2026-07-14"));
        assert_eq!(valid_until(d("2026-08-31"), 6), d("2027-02-27"));
        assert_eq!(valid_until(d("2026-01-01"), 6), d("2026-06-30"));
        assert_eq!(valid_until(d("2027-08-31"), 6), d("2028-02-28"));
        assert_eq!(valid_until(d("2026-03-01"), 0), d("2026-02-28"));
        assert_eq!(valid_until(NaiveDate::MAX, 6), NaiveDate::MAX);
    }

    fn validation(id: i64, on: &str, until: &str) -> Validation {
        Validation {
            id,
            validated_on: d(on),
            valid_until: d(until),
            criteria: strings(&["rsa"]),
        }
    }

    #[test]
    fn validity_on_a_day() {
        let history = vec![
            validation(1, "2025-01-10", "2025-07-09"),
            validation(2, "2025-06-01", "2025-11-30"),
            validation(3, "2026-03-01", "2026-08-31"),
        ];
        assert_eq!(valid_on(&history, d("2025-01-09")), None);
        assert_eq!(valid_on(&history, d("2025-01-10")).unwrap().id, 1);
        assert_eq!(valid_on(&history, d("2025-06-01")).unwrap().id, 2);
        assert_eq!(valid_on(&history, d("2025-11-30")).unwrap().id, 2);
        assert_eq!(valid_on(&history, d("2025-12-01")), None);
        assert_eq!(valid_on(&history, d("2026-08-31")).unwrap().id, 3);

        assert_eq!(
            status_on(&history, d("2025-01-01")),
            EligibilityStatus::None
        );
        assert_eq!(
            status_on(&history, d("2025-07-01")),
            EligibilityStatus::Valid {
                until: d("2025-11-30")
            }
        );
        assert_eq!(
            status_on(&history, d("2026-01-15")),
            EligibilityStatus::Expired {
                since: d("2025-12-01")
            }
        );
        assert_eq!(
            status_on(&history, d("2026-09-01")),
            EligibilityStatus::Expired {
                since: d("2026-09-01")
            }
        );
        assert_eq!(status_on(&[], d("2026-09-01")).as_str(), "none");
    }

    #[test]
    fn same_day_validations_pick_the_latest_id() {
        let history = vec![
            validation(7, "2025-01-10", "2025-07-09"),
            validation(9, "2025-01-10", "2025-04-09"),
        ];
        assert_eq!(valid_on(&history, d("2025-02-01")).unwrap().id, 9);
        assert_eq!(valid_on(&history, d("2025-05-01")).unwrap().id, 7);
    }

    #[test]
    fn age_band_changes_on_the_26th_and_50th_birthdays() {
        let birth = d("2000-03-15");
        assert_eq!(age_band(birth, d("2026-03-14")), AgeBand::Under26);
        assert_eq!(age_band(birth, d("2026-03-15")), AgeBand::From26To49);
        assert_eq!(age_band(birth, d("2050-03-14")), AgeBand::From26To49);
        assert_eq!(age_band(birth, d("2050-03-15")), AgeBand::From50);
        assert_eq!(age_band(birth, d("1999-01-01")), AgeBand::Under26);
        // Born on 29 February: a year older on 1 March of a common year.
        let leap = d("2000-02-29");
        assert_eq!(age_on(leap, d("2026-02-28")), 25);
        assert_eq!(age_on(leap, d("2026-03-01")), 26);
        for band in AgeBand::ALL {
            assert_eq!(AgeBand::parse(band.as_str()), Some(band));
        }
        assert_eq!(AgeBand::From26To49.as_str(), "26_49");
        assert_eq!(AgeBand::parse("50+"), None);
    }

    fn planned(start: &str, end: Option<&str>, hours: i64) -> PlannedPlacement {
        PlannedPlacement {
            starts_on: d(start),
            ends_on: end.map(d),
            weekly_hours: hours,
        }
    }

    #[test]
    fn overlapping_placements_never_exceed_the_weekly_hours() {
        let existing = vec![
            planned("2026-01-01", Some("2026-03-31"), 2000),
            planned("2026-05-01", None, 3500),
        ];
        // A new placement beside the existing ones, under the 48 h cap.
        let load = |existing: &[PlannedPlacement], start, end, hours| {
            check_weekly_load(existing, &planned(start, end, hours), 4800)
        };
        // Fits beside the first one: 20 + 28 = 48 h exactly.
        assert_eq!(
            load(&existing, "2026-02-01", Some("2026-04-30"), 2800),
            Ok(())
        );
        // Overlaps the first by one day with too many hours.
        let err = shown(&load(&existing, "2026-03-31", Some("2026-04-30"), 2801).unwrap_err());
        assert!(err.contains("2026-03-31"), "{err}");
        assert!(err.contains("48.01 h") && err.contains("48 h"), "{err}");
        // Ends the day before the first one starts: no overlap.
        assert_eq!(
            load(&existing, "2025-06-01", Some("2025-12-31"), 4800),
            Ok(())
        );
        // Open-ended new placement meets the open-ended existing one later.
        let err = shown(&load(&existing, "2026-04-01", None, 1400).unwrap_err());
        assert!(err.contains("2026-05-01") && err.contains("49 h"), "{err}");
        // The existing open-ended one runs forever.
        let err = shown(&load(&existing, "2040-01-01", Some("2040-01-31"), 1500).unwrap_err());
        assert!(err.contains("50 h"), "{err}");
        // Three-way overlap, each pair fitting but not the three together.
        let existing = vec![
            planned("2026-01-01", Some("2026-01-31"), 2000),
            planned("2026-01-20", Some("2026-02-28"), 2000),
        ];
        let err = shown(&load(&existing, "2026-01-10", Some("2026-01-25"), 1000).unwrap_err());
        assert!(err.contains("2026-01-20") && err.contains("50 h"), "{err}");
        assert_eq!(
            load(&existing, "2026-01-10", Some("2026-01-19"), 2800),
            Ok(())
        );
    }

    #[test]
    fn placement_end_and_weekly_hours_are_checked() {
        assert!(check_placement_dates(d("2026-01-01"), None).is_ok());
        assert!(check_placement_dates(d("2026-01-01"), Some(d("2026-01-01"))).is_ok());
        let e = check_placement_dates(d("2026-01-02"), Some(d("2026-01-01"))).unwrap_err();
        assert_eq!(e.field, "ends_on");
        assert!(check_weekly_hours(1).is_ok());
        assert!(check_weekly_hours(4800).is_ok());
        assert_eq!(check_weekly_hours(0).unwrap_err().field, "weekly_hours");
        assert_eq!(check_weekly_hours(-100).unwrap_err().field, "weekly_hours");
        let e = check_weekly_hours(4801).unwrap_err();
        assert_eq!(e.code, "weekly_hours_above_max");
        assert_eq!(e.param("max"), Some("48"));
        assert_eq!(birth_year(d("1990-12-31")), 1990);
    }
}
