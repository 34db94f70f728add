//! Rules of an assignment's corrections (docs/domain.md#assignments): its target within the
//! clause's hours, its hand-over to another contractor on an end day, and the placements an
//! ended assignment may still take.

use chrono::NaiveDate;

use crate::domain::rule::Violation;
use crate::domain::units::hundredths_to_json;

/// The target of one assignment (hundredths), the others' targets together being `others`:
/// more than 0, and all the targets of the clause within its `required` hours.
pub fn check_target(target: i64, others: i64, required: i64) -> Result<(), Violation> {
    if target <= 0 {
        return Err(Violation::new("hours_target", "not_positive"));
    }
    if others + target > required {
        return Err(Violation::new("hours_target", "above_clause_hours")
            .with("total", hundredths_to_json(others + target))
            .with("required", hundredths_to_json(required))
            .with("left", hundredths_to_json((required - others).max(0))));
    }
    Ok(())
}

/// A placement on an assignment that ends on `assignment_end` (if it does) runs within it:
/// it starts on or before that day, and ends (planned end) on or before it too. An
/// open-ended placement runs forever, so after any end.
pub fn check_within_assignment(
    assignment_end: Option<NaiveDate>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
) -> Result<(), Violation> {
    let Some(end) = assignment_end else {
        return Ok(());
    };
    if starts_on > end {
        return Err(Violation::new("starts_on", "assignment_ended").with("ends_on", end));
    }
    if ends_on.is_none_or(|e| e > end) {
        return Err(Violation::new("ends_on", "assignment_ended").with("ends_on", end));
    }
    Ok(())
}

/// A placement as the hand-over reads it: its id, start, and last day (its exit, else its
/// planned end; none: open-ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacementSpan {
    pub id: i64,
    pub starts_on: NaiveDate,
    pub last_day: Option<NaiveDate>,
}

/// The placements still open after `end` (running on a later day), which keep an assignment
/// from ending on `end`; in id order.
pub fn open_after(end: NaiveDate, placements: &[PlacementSpan]) -> Vec<i64> {
    let mut ids: Vec<i64> = placements
        .iter()
        .filter(|p| p.last_day.is_none_or(|last| last > end))
        .map(|p| p.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// The end day of a hand-over lies within the clause's dates.
pub fn check_end_in_clause(
    ends_on: NaiveDate,
    clause_starts_on: NaiveDate,
    clause_ends_on: NaiveDate,
) -> Result<(), Violation> {
    if ends_on < clause_starts_on || ends_on > clause_ends_on {
        return Err(Violation::new("ends_on", "assignment_end_outside_clause")
            .with("starts_on", clause_starts_on)
            .with("ends_on", clause_ends_on));
    }
    Ok(())
}

/// The targets after a hand-over (hundredths): the ended assignment keeps what it delivered
/// (its validated hours); the new one takes `given`, else what the old one had left to do
/// (its target less its validated hours, never below 0).
pub fn handed_over_targets(old_target: i64, validated: i64, given: Option<i64>) -> (i64, i64) {
    let kept = validated.max(0);
    let handed = given.unwrap_or((old_target - kept).max(0));
    (kept, handed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_target_stays_within_the_clause_hours() {
        // The fixture's clause: 833 h, B holds 333 h; A may hold up to 500 h.
        assert_eq!(check_target(50_000, 33_300, 83_300), Ok(()));
        let v = check_target(50_100, 33_300, 83_300).unwrap_err();
        assert_eq!(
            (v.field.as_str(), v.code),
            ("hours_target", "above_clause_hours")
        );
        assert_eq!(v.param("total"), Some("834"));
        assert_eq!(v.param("left"), Some("500"));
        assert_eq!(check_target(0, 0, 83_300).unwrap_err().code, "not_positive");
    }

    #[test]
    fn an_ended_assignment_takes_placements_within_its_end_only() {
        let end = Some(day("2026-06-30"));
        assert_eq!(
            check_within_assignment(None, day("2027-01-01"), None),
            Ok(())
        );
        assert_eq!(
            check_within_assignment(end, day("2026-03-01"), Some(day("2026-06-30"))),
            Ok(())
        );
        let v =
            check_within_assignment(end, day("2026-07-01"), Some(day("2026-08-01"))).unwrap_err();
        assert_eq!(
            (v.field.as_str(), v.code),
            ("starts_on", "assignment_ended")
        );
        assert_eq!(v.param("ends_on"), Some("2026-06-30"));
        let v = check_within_assignment(end, day("2026-03-01"), None).unwrap_err();
        assert_eq!(v.field, "ends_on");
        let v =
            check_within_assignment(end, day("2026-03-01"), Some(day("2026-07-01"))).unwrap_err();
        assert_eq!(v.field, "ends_on");
    }

    #[test]
    fn placements_open_after_the_end_keep_the_assignment_from_ending() {
        let spans = [
            PlacementSpan {
                id: 7,
                starts_on: day("2026-02-01"),
                last_day: Some(day("2026-06-30")),
            },
            PlacementSpan {
                id: 9,
                starts_on: day("2026-05-01"),
                last_day: None,
            },
            PlacementSpan {
                id: 8,
                starts_on: day("2026-05-01"),
                last_day: Some(day("2026-07-01")),
            },
        ];
        assert_eq!(open_after(day("2026-06-30"), &spans), vec![8, 9]);
        assert_eq!(open_after(day("2026-07-01"), &spans), vec![9]);
    }

    #[test]
    fn a_hand_over_ends_within_the_clause() {
        let (from, to) = (day("2026-01-01"), day("2026-12-31"));
        assert_eq!(check_end_in_clause(day("2026-06-30"), from, to), Ok(()));
        assert_eq!(check_end_in_clause(day("2026-01-01"), from, to), Ok(()));
        let v = check_end_in_clause(day("2027-01-01"), from, to).unwrap_err();
        assert_eq!(
            (v.field.as_str(), v.code),
            ("ends_on", "assignment_end_outside_clause")
        );
        assert!(check_end_in_clause(day("2025-12-31"), from, to).is_err());
    }

    #[test]
    fn the_old_assignment_keeps_what_it_delivered_and_hands_over_the_rest() {
        // 500 h target, 120.5 h validated: 379.5 h handed over.
        assert_eq!(handed_over_targets(50_000, 12_050, None), (12_050, 37_950));
        assert_eq!(
            handed_over_targets(50_000, 12_050, Some(20_000)),
            (12_050, 20_000)
        );
        // More delivered than the target: nothing left to hand over.
        assert_eq!(handed_over_targets(10_000, 12_000, None), (12_000, 0));
    }
}
