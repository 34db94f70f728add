//! Contracts still to clause (docs/domain.md#contracts-to-clause): the notified contracts of a
//! structure's buyers, at or above the buyer's threshold, lasting at least two months, with no
//! clause that is not cancelled and no declared social consideration; each with the hours the
//! standard calibration would give (`domain::calibration`), or none when the labour share of
//! its CPV code is unknown (never an invented share).

use chrono::{Months, NaiveDate};

use crate::domain::calibration::{
    calibrate, lookup_labour_share, CalibrationRequest, LabourShareRef,
};
use crate::domain::pnad::has_social_consideration;
use crate::domain::rule::Violation;
use crate::domain::units::Hundredths;
use crate::domain::vocabulary::ClauseStatus;

/// The amount from which a buyer's contracts are expected to carry a clause, when the buyer
/// has no threshold of its own: 70 000 € HT (the figure Mayotte's buyers use), in cents.
pub const DEFAULT_THRESHOLD_CENTS: i64 = 7_000_000;
/// The standard calibration's insertion rate when the structure has none: 5 %, in basis points.
pub const DEFAULT_INSERTION_RATE_BP: i64 = 500;
/// The standard calibration's loaded hourly cost when the structure has none: 30 €, in cents.
pub const DEFAULT_HOURLY_COST_CENTS: i64 = 3_000;
/// The highest loaded hourly cost a structure may set: 1 000 €, in cents (beyond it the
/// figure is surely a typing error).
pub const MAX_HOURLY_COST_CENTS: i64 = 100_000;
/// The shortest duration worth a clause, in months.
pub const MIN_MONTHS: u32 = 2;

/// A contract as the rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub notified_on: Option<NaiveDate>,
    pub amount_cents: Option<i64>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub social_considerations: Vec<String>,
    pub clauses: Vec<ClauseStatus>,
}

/// Whether a contract lasts at least two months: its duration in months when known, else
/// from its first to its last day inclusive (1 March to 30 April is two months). Unknown
/// (neither a duration nor both dates): not listed, since nothing says it is long enough.
pub fn lasts_two_months(
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    duration_months: Option<i32>,
) -> Option<bool> {
    if let Some(m) = duration_months {
        return Some(i64::from(m) >= i64::from(MIN_MONTHS));
    }
    let (start, end) = (starts_on?, ends_on?);
    let after_last_day = end.succ_opt()?;
    let two_months_on = start.checked_add_months(Months::new(MIN_MONTHS))?;
    Some(after_last_day >= two_months_on)
}

/// Whether a contract is still to clause for a buyer's threshold (cents).
pub fn is_to_clause(c: &Candidate, threshold_cents: i64) -> bool {
    c.notified_on.is_some()
        && c.amount_cents.is_some_and(|a| a >= threshold_cents)
        && lasts_two_months(c.starts_on, c.ends_on, c.duration_months) == Some(true)
        && !has_social_consideration(&c.social_considerations, &c.clauses)
}

/// The standard calibration of a structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standard {
    pub insertion_rate_bp: i64,
    pub hourly_cost_cents: i64,
}

impl Default for Standard {
    fn default() -> Standard {
        Standard {
            insertion_rate_bp: DEFAULT_INSERTION_RATE_BP,
            hourly_cost_cents: DEFAULT_HOURLY_COST_CENTS,
        }
    }
}

/// A standard calibration as an administrator sets it: an insertion rate above 0 and at most
/// 100 % (basis points), a loaded hourly cost above 0 and at most 1 000 € (cents); every
/// broken rule beside its field.
pub fn check_standard(
    insertion_rate_bp: i64,
    hourly_cost_cents: i64,
) -> Result<Standard, Vec<Violation>> {
    let mut broken = Vec::new();
    if !(1..=10_000).contains(&insertion_rate_bp) {
        broken.push(Violation::new(
            "insertion_rate_percent",
            "percent_out_of_range",
        ));
    }
    if hourly_cost_cents <= 0 {
        broken.push(Violation::new("hourly_cost_eur", "not_positive"));
    } else if hourly_cost_cents > MAX_HOURLY_COST_CENTS {
        broken.push(
            Violation::new("hourly_cost_eur", "hourly_cost_above_max")
                .with("max", MAX_HOURLY_COST_CENTS / 100),
        );
    }
    if broken.is_empty() {
        Ok(Standard {
            insertion_rate_bp,
            hourly_cost_cents,
        })
    } else {
        Err(broken)
    }
}

/// What the standard calibration gives a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// The labour share used, in basis points; None: unknown for its CPV code.
    pub labour_share_bp: Option<i64>,
    /// The label of the reference row used.
    pub labour_share_label: Option<String>,
    /// Whole hours, rounded half up; None when the labour share is unknown.
    pub hours: Option<i64>,
}

/// The hours of the standard calibration: amount × labour share of the longest matching CPV
/// prefix × insertion rate ÷ hourly cost, through `calibration::calibrate`.
pub fn estimate(
    amount_cents: i64,
    cpv_code: Option<&str>,
    shares: &[LabourShareRef],
    standard: Standard,
) -> Estimate {
    let unknown = Estimate {
        labour_share_bp: None,
        labour_share_label: None,
        hours: None,
    };
    let Some(reference) = cpv_code.and_then(|cpv| lookup_labour_share(shares, cpv)) else {
        return unknown;
    };
    let request = calibration_request(amount_cents, reference.share_bp, standard);
    match calibrate(&request, shares, None) {
        Ok(result) => Estimate {
            labour_share_bp: Some(reference.share_bp),
            labour_share_label: Some(reference.label.clone()),
            hours: Some(result.hours),
        },
        Err(_) => unknown,
    }
}

/// The `labour_share` calibration request the estimate makes (also what the new-clause
/// form is prefilled with).
pub fn calibration_request(
    amount_cents: i64,
    share_bp: i64,
    standard: Standard,
) -> CalibrationRequest {
    CalibrationRequest::LabourShare {
        amount_eur: Some(Hundredths(amount_cents)),
        labour_share_percent: Some(Hundredths(share_bp)),
        cpv_code: None,
        insertion_rate_percent: Hundredths(standard.insertion_rate_bp),
        hourly_cost_eur: Hundredths(standard.hourly_cost_cents),
        lots: None,
    }
}

/// How the list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Amount,
    Date,
    Hours,
}

impl SortKey {
    pub const CODES: [&'static str; 3] = ["amount", "date", "hours"];

    pub fn from_code(code: &str) -> Option<SortKey> {
        match code {
            "amount" => Some(SortKey::Amount),
            "date" => Some(SortKey::Date),
            "hours" => Some(SortKey::Hours),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SortKey::Amount => "amount",
            SortKey::Date => "date",
            SortKey::Hours => "hours",
        }
    }
}

/// The values a line is sorted on: (amount cents, notification date, hours, id).
pub type SortValues = (i64, Option<NaiveDate>, Option<i64>, i64);

/// Compares two lines for a sort: the key in the order asked (descending by default), lines
/// without hours last whatever the order, ties by id ascending so that pages are stable.
pub fn compare(
    a: &SortValues,
    b: &SortValues,
    key: SortKey,
    descending: bool,
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let directed = |o: Ordering| if descending { o.reverse() } else { o };
    let primary = match key {
        SortKey::Amount => directed(a.0.cmp(&b.0)),
        SortKey::Date => directed(a.1.cmp(&b.1)),
        SortKey::Hours => match (a.2, b.2) {
            (Some(x), Some(y)) => directed(x.cmp(&y)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    };
    primary.then(a.3.cmp(&b.3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calibration::default_labour_shares;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn candidate() -> Candidate {
        Candidate {
            notified_on: Some(d("2026-02-01")),
            amount_cents: Some(7_000_000),
            starts_on: Some(d("2026-03-01")),
            ends_on: Some(d("2026-04-30")),
            duration_months: None,
            social_considerations: Vec::new(),
            clauses: Vec::new(),
        }
    }

    #[test]
    fn a_standard_has_a_rate_up_to_100_percent_and_a_cost_up_to_1000_euros() {
        assert_eq!(
            check_standard(550, 2_850),
            Ok(Standard {
                insertion_rate_bp: 550,
                hourly_cost_cents: 2_850
            })
        );
        assert!(check_standard(10_000, MAX_HOURLY_COST_CENTS).is_ok());
        let codes = |r: Result<Standard, Vec<Violation>>| {
            r.unwrap_err()
                .into_iter()
                .map(|v| (v.field, v.code))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes(check_standard(0, 0)),
            [
                ("insertion_rate_percent".to_string(), "percent_out_of_range"),
                ("hourly_cost_eur".to_string(), "not_positive")
            ]
        );
        assert_eq!(
            codes(check_standard(10_001, MAX_HOURLY_COST_CENTS + 1)),
            [
                ("insertion_rate_percent".to_string(), "percent_out_of_range"),
                ("hourly_cost_eur".to_string(), "hourly_cost_above_max")
            ]
        );
    }

    #[test]
    fn two_months_from_the_duration_or_the_dates() {
        assert_eq!(lasts_two_months(None, None, Some(2)), Some(true));
        assert_eq!(lasts_two_months(None, None, Some(1)), Some(false));
        let (s, e) = (Some(d("2026-03-01")), Some(d("2026-04-30")));
        assert_eq!(lasts_two_months(s, e, None), Some(true));
        assert_eq!(
            lasts_two_months(s, Some(d("2026-04-29")), None),
            Some(false)
        );
        // From the 31st: two months on is the last day of the month after next.
        assert_eq!(
            lasts_two_months(Some(d("2026-12-31")), Some(d("2027-02-27")), None),
            Some(true)
        );
        assert_eq!(lasts_two_months(s, None, None), None);
    }

    #[test]
    fn the_threshold_is_reached_from_its_amount() {
        let c = candidate();
        assert!(is_to_clause(&c, DEFAULT_THRESHOLD_CENTS));
        assert!(!is_to_clause(&c, DEFAULT_THRESHOLD_CENTS + 1));
        let not_notified = Candidate {
            notified_on: None,
            ..candidate()
        };
        assert!(!is_to_clause(&not_notified, 0));
        let unknown_amount = Candidate {
            amount_cents: None,
            ..candidate()
        };
        assert!(!is_to_clause(&unknown_amount, 0));
    }

    #[test]
    fn a_clause_or_a_declared_consideration_takes_it_off_the_list() {
        let with_clause = Candidate {
            clauses: vec![ClauseStatus::Draft],
            ..candidate()
        };
        assert!(!is_to_clause(&with_clause, 0));
        let cancelled = Candidate {
            clauses: vec![ClauseStatus::Cancelled],
            ..candidate()
        };
        assert!(is_to_clause(&cancelled, 0));
        let declared = Candidate {
            social_considerations: vec!["critere_social".into()],
            ..candidate()
        };
        assert!(!is_to_clause(&declared, 0));
        let short = Candidate {
            ends_on: Some(d("2026-03-31")),
            ..candidate()
        };
        assert!(!is_to_clause(&short, 0));
    }

    #[test]
    fn hours_of_the_standard_calibration_or_none() {
        let shares = default_labour_shares();
        // 1 000 000 € of painting (70 %), 5 %, 30 €: 1 000 000 × 0.7 × 0.05 ÷ 30 = 1 166.67
        // → 1 167 h.
        let e = estimate(
            100_000_000,
            Some("45442100-8"),
            &shares,
            Standard::default(),
        );
        assert_eq!(e.hours, Some(1167));
        assert_eq!(e.labour_share_bp, Some(7000));
        assert_eq!(e.labour_share_label.as_deref(), Some("Travaux de peinture"));
        // DOMAIN.md's first example: 1 000 000 €, 50 %, 5 %, 30 €: 833 h.
        let e = estimate(100_000_000, Some("45262500"), &shares, Standard::default());
        assert_eq!(e.hours, Some(833));
        // No reference row for the CPV code, or no code: no hours, no share.
        let none = estimate(100_000_000, Some("79710000"), &shares, Standard::default());
        assert_eq!((none.hours, none.labour_share_bp), (None, None));
        assert_eq!(
            estimate(100_000_000, None, &shares, Standard::default()).hours,
            None
        );
    }

    #[test]
    fn sorted_descending_by_default_hours_unknown_last() {
        let a: SortValues = (10, Some(d("2026-01-01")), Some(5), 1);
        let b: SortValues = (20, Some(d("2025-01-01")), None, 2);
        let c: SortValues = (20, Some(d("2026-06-01")), Some(9), 3);
        let mut v = [a, b, c];
        v.sort_by(|x, y| compare(x, y, SortKey::Amount, true));
        assert_eq!(v.iter().map(|x| x.3).collect::<Vec<_>>(), [2, 3, 1]);
        v.sort_by(|x, y| compare(x, y, SortKey::Hours, true));
        assert_eq!(v.iter().map(|x| x.3).collect::<Vec<_>>(), [3, 1, 2]);
        v.sort_by(|x, y| compare(x, y, SortKey::Hours, false));
        assert_eq!(v.iter().map(|x| x.3).collect::<Vec<_>>(), [1, 3, 2]);
        v.sort_by(|x, y| compare(x, y, SortKey::Date, false));
        assert_eq!(v.iter().map(|x| x.3).collect::<Vec<_>>(), [2, 1, 3]);
    }
}
