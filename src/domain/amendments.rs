//! Amendments (avenants) of a contract: what each changes (its amount, its end or its
//! duration) from the day it is signed, and the contract's current terms. The contract keeps
//! its notified amount and end; the current ones are read from its amendments.

use chrono::NaiveDate;

use crate::domain::decp::end_date;
use crate::domain::limits::MAX_DATE;
use crate::domain::rule::Violation;

/// Longest duration of a contract, in months (as at its creation).
pub const MAX_DURATION_MONTHS: i32 = 600;

/// What one amendment changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmendmentTerms {
    pub signed_on: NaiveDate,
    /// The contract's new total amount, in cents.
    pub amount_cents: Option<i64>,
    /// The contract's new last day.
    pub ends_on: Option<NaiveDate>,
}

/// The terms of a contract as amended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentTerms {
    pub amount_cents: Option<i64>,
    pub ends_on: Option<NaiveDate>,
}

/// The current amount and end of a contract: for each, the value of the latest amendment
/// that sets it (by signature date; on the same day, the later in `amendments`, which come
/// in the order they were recorded), else the notified one.
///
/// Worked example: notified at 1 000 000 € until 31 December 2026; amendment 1 (signed
/// 1 March) sets 1 100 000 €, amendment 2 (signed 1 June) moves the end to 30 June 2027:
/// the contract now counts 1 100 000 € until 30 June 2027.
pub fn current_terms(
    notified_amount_cents: Option<i64>,
    notified_ends_on: Option<NaiveDate>,
    amendments: &[AmendmentTerms],
) -> CurrentTerms {
    let mut ordered: Vec<&AmendmentTerms> = amendments.iter().collect();
    // Stable: the same day keeps the recorded order.
    ordered.sort_by_key(|a| a.signed_on);
    let mut current = CurrentTerms {
        amount_cents: notified_amount_cents,
        ends_on: notified_ends_on,
    };
    for a in ordered {
        if a.amount_cents.is_some() {
            current.amount_cents = a.amount_cents;
        }
        if a.ends_on.is_some() {
            current.ends_on = a.ends_on;
        }
    }
    current
}

/// An amendment as asked, its text fields already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmendmentRequest {
    pub signed_on: NaiveDate,
    pub amount_cents: Option<i64>,
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
}

/// The contract an amendment applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmendedContract {
    pub notified_on: Option<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
}

/// Checks an amendment against its contract: what it changes, or every broken rule.
///
/// - it changes something: an amount, an end or a duration (`amendment_empty`);
/// - it is signed on or after the contract's notification (`amendment_before_notification`);
/// - the amount is positive; the duration, 1 to 600 months, counts from the contract's start
///   and gives the new end when no end is given; the end is not before the start.
pub fn check_amendment(
    request: &AmendmentRequest,
    contract: AmendedContract,
) -> Result<AmendmentTerms, Vec<Violation>> {
    let mut errors = Vec::new();
    if request.amount_cents.is_none()
        && request.ends_on.is_none()
        && request.duration_months.is_none()
    {
        errors.push(Violation::new("amount_eur", "amendment_empty"));
    }
    if let Some(notified) = contract.notified_on {
        if request.signed_on < notified {
            errors.push(
                Violation::new("signed_on", "amendment_before_notification")
                    .with("notified_on", notified),
            );
        }
    }
    if request.amount_cents.is_some_and(|a| a <= 0) {
        errors.push(Violation::new("amount_eur", "not_positive"));
    }
    let months_ok = match request.duration_months {
        Some(m) if m <= 0 || m > MAX_DURATION_MONTHS => {
            errors.push(
                Violation::new("duration_months", "duration_out_of_range")
                    .with("max", MAX_DURATION_MONTHS),
            );
            false
        }
        _ => true,
    };
    let ends_on = match (request.ends_on, request.duration_months) {
        (Some(e), _) => Some(e),
        (None, Some(m)) if months_ok => {
            let end = end_date(contract.starts_on.or(contract.notified_on), Some(m));
            if end.is_some_and(|e| e > MAX_DATE) {
                errors.push(
                    Violation::new("duration_months", "computed_end_too_late")
                        .with("max", MAX_DATE),
                );
            }
            end
        }
        _ => None,
    };
    let start = contract.starts_on.or(contract.notified_on);
    if let (Some(s), Some(e)) = (start, request.ends_on) {
        if e < s {
            errors.push(Violation::new("ends_on", "ends_before_start").with("starts_on", s));
        }
    }
    if errors.is_empty() {
        Ok(AmendmentTerms {
            signed_on: request.signed_on,
            amount_cents: request.amount_cents,
            ends_on,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn terms(signed_on: NaiveDate, amount: Option<i64>, end: Option<NaiveDate>) -> AmendmentTerms {
        AmendmentTerms {
            signed_on,
            amount_cents: amount,
            ends_on: end,
        }
    }

    #[test]
    fn each_term_comes_from_the_latest_amendment_that_sets_it() {
        let notified = (Some(100_000_000), Some(d(2026, 12, 31)));
        assert_eq!(
            current_terms(notified.0, notified.1, &[]),
            CurrentTerms {
                amount_cents: Some(100_000_000),
                ends_on: Some(d(2026, 12, 31))
            }
        );
        // Recorded out of order: the signature dates decide.
        let amendments = [
            terms(d(2026, 6, 1), None, Some(d(2027, 6, 30))),
            terms(d(2026, 3, 1), Some(110_000_000), None),
        ];
        assert_eq!(
            current_terms(notified.0, notified.1, &amendments),
            CurrentTerms {
                amount_cents: Some(110_000_000),
                ends_on: Some(d(2027, 6, 30))
            }
        );
        // Two the same day: the one recorded last wins.
        let same_day = [
            terms(d(2026, 3, 1), Some(110_000_000), None),
            terms(d(2026, 3, 1), Some(120_000_000), None),
        ];
        assert_eq!(
            current_terms(notified.0, notified.1, &same_day).amount_cents,
            Some(120_000_000)
        );
    }

    fn contract() -> AmendedContract {
        AmendedContract {
            notified_on: Some(d(2026, 1, 10)),
            starts_on: Some(d(2026, 1, 15)),
        }
    }

    fn request() -> AmendmentRequest {
        AmendmentRequest {
            signed_on: d(2026, 5, 1),
            amount_cents: None,
            ends_on: None,
            duration_months: None,
        }
    }

    fn codes(r: Result<AmendmentTerms, Vec<Violation>>) -> Vec<(String, &'static str)> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| (v.field, v.code))
            .collect()
    }

    #[test]
    fn a_duration_counts_from_the_start_of_the_contract() {
        // 18 months from 15 January 2026: the last day is 14 July 2027.
        let r = check_amendment(
            &AmendmentRequest {
                duration_months: Some(18),
                ..request()
            },
            contract(),
        );
        assert_eq!(r.unwrap().ends_on, Some(d(2027, 7, 14)));
        let r = check_amendment(
            &AmendmentRequest {
                amount_cents: Some(5),
                ..request()
            },
            contract(),
        );
        assert_eq!(r.unwrap().amount_cents, Some(5));
    }

    #[test]
    fn every_broken_rule_is_reported_on_its_field() {
        assert_eq!(
            codes(check_amendment(&request(), contract())),
            [("amount_eur".to_string(), "amendment_empty")]
        );
        let r = check_amendment(
            &AmendmentRequest {
                signed_on: d(2025, 12, 31),
                amount_cents: Some(0),
                ends_on: Some(d(2026, 1, 1)),
                duration_months: Some(0),
            },
            contract(),
        );
        assert_eq!(
            codes(r),
            [
                ("signed_on".to_string(), "amendment_before_notification"),
                ("amount_eur".to_string(), "not_positive"),
                ("duration_months".to_string(), "duration_out_of_range"),
                ("ends_on".to_string(), "ends_before_start"),
            ]
        );
    }
}
