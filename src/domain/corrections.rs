//! Rules of the corrections of people and placements (issue 17,
//! docs/domain.md#corrections-of-people-and-placements): which corrected fields change what
//! reports count, and which months of hours a placement's new dates would leave outside.

use chrono::NaiveDate;
use serde::Deserializer;

use crate::domain::patch::Patch;
use crate::domain::period::Month;

/// The fields of a person that the report snapshot of their placements carries: a
/// correction of one of them re-snapshots the placements and their yearly totals (the
/// birth date through the age band on each placement's first day).
pub const PERSON_SNAPSHOT_FIELDS: &[&str] = &["birth_date", "sex", "qpv", "qualification_level"];

/// The fields of a placement that its report snapshot carries (the first day through the
/// age band and the eligibility criteria of that day).
pub const PLACEMENT_SNAPSHOT_FIELDS: &[&str] = &["starts_on", "contract_type"];

/// Whether a correction that changed `changed` (field names) touches the snapshot whose
/// fields are `snapshot_fields`.
pub fn touches_snapshot<'a>(
    changed: impl IntoIterator<Item = &'a str>,
    snapshot_fields: &[&str],
) -> bool {
    changed
        .into_iter()
        .any(|field| snapshot_fields.contains(&field))
}

/// The months among `months` that fall wholly outside a placement running from `starts_on`
/// to `last_day` (None: no end), in order, each once: the hours reported for them would no
/// longer belong to the placement.
pub fn months_outside(
    months: &[Month],
    starts_on: NaiveDate,
    last_day: Option<NaiveDate>,
) -> Vec<Month> {
    let mut out: Vec<Month> = months
        .iter()
        .copied()
        .filter(|m| {
            let before = m.last_day().is_some_and(|last| last < starts_on);
            let after = match (m.first_day(), last_day) {
                (Some(first), Some(end)) => first > end,
                _ => false,
            };
            before || after
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// For `#[serde(default, deserialize_with = "patch_date")]`: a date field of a partial
/// update (absent: unchanged; null: cleared; a date from 1990-01-01 to 2100-12-31: set).
pub fn patch_date<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<NaiveDate>, D::Error> {
    crate::domain::limits::opt_date(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn month(y: i32, m: u32) -> Month {
        Month::new(y, m).unwrap()
    }

    #[test]
    fn a_corrected_sex_or_birth_date_touches_the_snapshot_a_corrected_name_does_not() {
        assert!(touches_snapshot(
            ["first_name", "sex"],
            PERSON_SNAPSHOT_FIELDS
        ));
        assert!(touches_snapshot(["birth_date"], PERSON_SNAPSHOT_FIELDS));
        assert!(touches_snapshot(["qpv"], PERSON_SNAPSHOT_FIELDS));
        assert!(touches_snapshot(
            ["qualification_level"],
            PERSON_SNAPSHOT_FIELDS
        ));
        assert!(!touches_snapshot(
            ["first_name", "postal_code"],
            PERSON_SNAPSHOT_FIELDS
        ));
        assert!(!touches_snapshot([], PERSON_SNAPSHOT_FIELDS));
        assert!(touches_snapshot(["starts_on"], PLACEMENT_SNAPSHOT_FIELDS));
        assert!(!touches_snapshot(["job_title"], PLACEMENT_SNAPSHOT_FIELDS));
    }

    #[test]
    fn a_later_start_leaves_the_earlier_months_outside() {
        // Hours in March, April and May 2026; the start moves from 2026-03-02 to 2026-04-15:
        // March is outside, April (partly worked) stays.
        let months = [month(2026, 3), month(2026, 4), month(2026, 5)];
        assert_eq!(
            months_outside(&months, day(2026, 4, 15), None),
            vec![month(2026, 3)]
        );
    }

    #[test]
    fn an_earlier_end_leaves_the_later_months_outside_in_order_and_once() {
        let months = [
            month(2026, 6),
            month(2026, 3),
            month(2026, 5),
            month(2026, 6),
        ];
        assert_eq!(
            months_outside(&months, day(2026, 3, 1), Some(day(2026, 4, 30))),
            vec![month(2026, 5), month(2026, 6)]
        );
        // An end on the first of a month keeps that month.
        assert!(months_outside(&months, day(2026, 3, 1), Some(day(2026, 6, 1))).is_empty());
    }

    #[test]
    fn a_date_field_of_a_patch_is_absent_cleared_or_set_within_bounds() {
        #[derive(serde::Deserialize)]
        struct Input {
            #[serde(default, deserialize_with = "patch_date")]
            ends_on: Patch<NaiveDate>,
        }
        let i: Input = serde_json::from_str("{}").unwrap();
        assert_eq!(i.ends_on, None);
        let i: Input = serde_json::from_str(r#"{"ends_on": null}"#).unwrap();
        assert_eq!(i.ends_on, Some(None));
        let i: Input = serde_json::from_str(r#"{"ends_on": "2026-05-31"}"#).unwrap();
        assert_eq!(i.ends_on, Some(Some(day(2026, 5, 31))));
        assert!(serde_json::from_str::<Input>(r#"{"ends_on": "1850-01-01"}"#).is_err());
    }
}
