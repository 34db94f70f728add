//! Withdrawing an eligibility validation entered by mistake
//! (docs/domain.md#eligibility-withdrawal): what becomes of each placement that rests on it.

use chrono::NaiveDate;

use crate::domain::eligibility::{valid_on, Validation};

/// What a placement resting on a withdrawn validation becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resnapshot {
    /// Another validation covers its start day: the placement rests on it, with its
    /// criteria.
    RestsOn {
        validation_id: i64,
        criteria: Vec<String>,
    },
    /// None covers its start day, but the placement has not started (or rests on a
    /// derogation): it keeps no validation and no criteria.
    Cleared,
    /// None covers its start day and the placement has started without a derogation: the
    /// validation cannot be withdrawn.
    Blocked,
}

/// The fate of a placement starting on `starts_on` once its validation is withdrawn,
/// `remaining` being the person's other validations still counting, on `today`.
pub fn resnapshot(
    remaining: &[Validation],
    starts_on: NaiveDate,
    today: NaiveDate,
    has_derogation: bool,
) -> Resnapshot {
    match valid_on(remaining, starts_on) {
        Some(v) => Resnapshot::RestsOn {
            validation_id: v.id,
            criteria: v.criteria.clone(),
        },
        None if starts_on <= today && !has_derogation => Resnapshot::Blocked,
        None => Resnapshot::Cleared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn validation(id: i64, from: &str, until: &str, criteria: &[&str]) -> Validation {
        Validation {
            id,
            validated_on: day(from),
            valid_until: day(until),
            criteria: criteria.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn a_placement_moves_to_the_latest_other_validation_covering_its_start() {
        let remaining = [
            validation(3, "2026-01-05", "2026-07-04", &["ass"]),
            validation(5, "2026-01-20", "2026-07-19", &["rqth"]),
        ];
        assert_eq!(
            resnapshot(&remaining, day("2026-02-01"), day("2026-11-27"), false),
            Resnapshot::RestsOn {
                validation_id: 5,
                criteria: vec!["rqth".into()]
            }
        );
    }

    #[test]
    fn a_started_placement_without_another_validation_blocks_the_withdrawal() {
        let remaining = [validation(3, "2026-03-01", "2026-08-31", &["ass"])];
        // Started 1 February, before the other validation.
        assert_eq!(
            resnapshot(&remaining, day("2026-02-01"), day("2026-11-27"), false),
            Resnapshot::Blocked
        );
        // Starting today counts as started.
        assert_eq!(
            resnapshot(&[], day("2026-11-27"), day("2026-11-27"), false),
            Resnapshot::Blocked
        );
        // A derogation carries it.
        assert_eq!(
            resnapshot(&remaining, day("2026-02-01"), day("2026-11-27"), true),
            Resnapshot::Cleared
        );
    }

    #[test]
    fn a_placement_not_started_yet_is_left_without_criteria() {
        assert_eq!(
            resnapshot(&[], day("2026-12-01"), day("2026-11-27"), false),
            Resnapshot::Cleared
        );
    }
}
