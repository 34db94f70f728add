//! The rules of each kind of clause (docs/domain.md#each-kind-of-clause): the legal basis of a
//! reserved contract and who may hold it, which kinds have an hour target, the fields each
//! kind reads, and the progress of an insertion-purpose clause counted in persons.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::assignments::check_target;
use crate::domain::progress::{expected_hours, ProgressStatus};
use crate::domain::rule::Violation;
use crate::domain::vocabulary::{ClauseKind, ContractKind, SiaeKind};

/// The article of the public procurement code a contract is reserved under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum LegalBasis {
    /// Reserved to adapted companies (EA) and sheltered work establishments (ESAT).
    #[serde(rename = "L2113-12")]
    L2113_12,
    /// Reserved to insertion structures (SIAE: EI, ETTI, AI, ACI, EITI).
    #[serde(rename = "L2113-13")]
    L2113_13,
    /// Reserved to either of the two above.
    #[serde(rename = "L2113-14")]
    L2113_14,
    /// Reserved to enterprises of the social and solidarity economy, for some services.
    #[serde(rename = "L2113-15")]
    L2113_15,
}

impl LegalBasis {
    pub const ALL: [LegalBasis; 4] = [
        LegalBasis::L2113_12,
        LegalBasis::L2113_13,
        LegalBasis::L2113_14,
        LegalBasis::L2113_15,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LegalBasis::L2113_12 => "L2113-12",
            LegalBasis::L2113_13 => "L2113-13",
            LegalBasis::L2113_14 => "L2113-14",
            LegalBasis::L2113_15 => "L2113-15",
        }
    }

    pub fn parse(code: &str) -> Option<LegalBasis> {
        LegalBasis::ALL.into_iter().find(|b| b.as_str() == code)
    }

    /// Who a contract reserved under this article goes to, in French.
    pub fn label(self) -> &'static str {
        match self {
            LegalBasis::L2113_12 => "L2113-12 : entreprises adaptées (EA) et ESAT",
            LegalBasis::L2113_13 => {
                "L2113-13 : structures d'insertion par l'activité économique (SIAE)"
            }
            LegalBasis::L2113_14 => "L2113-14 : EA, ESAT ou SIAE",
            LegalBasis::L2113_15 => {
                "L2113-15 : entreprises de l'économie sociale et solidaire (services)"
            }
        }
    }
}

/// Whether a structure of this kind is an SIAE (a GEIQ is not one).
pub fn is_siae(kind: SiaeKind) -> bool {
    matches!(
        kind,
        SiaeKind::Ei | SiaeKind::Etti | SiaeKind::Ai | SiaeKind::Aci | SiaeKind::Eiti
    )
}

/// Whether a structure of this kind is an adapted company or a sheltered work establishment.
pub fn is_ea_or_esat(kind: SiaeKind) -> bool {
    matches!(kind, SiaeKind::Ea | SiaeKind::Esat)
}

/// Whether an organisation (its SIAE kind, its ESS mark) may hold a contract reserved under
/// `basis`.
pub fn holder_fits(basis: LegalBasis, siae_kind: Option<SiaeKind>, ess: bool) -> bool {
    match basis {
        LegalBasis::L2113_12 => siae_kind.is_some_and(is_ea_or_esat),
        LegalBasis::L2113_13 => siae_kind.is_some_and(is_siae),
        LegalBasis::L2113_14 => siae_kind.is_some_and(|k| is_siae(k) || is_ea_or_esat(k)),
        LegalBasis::L2113_15 => ess,
    }
}

/// Whether the contract's kind of purchase may be reserved under `basis` (L2113-15: services
/// only).
pub fn purchase_fits(basis: LegalBasis, contract_kind: ContractKind) -> bool {
    basis != LegalBasis::L2113_15 || contract_kind == ContractKind::Services
}

/// Whether a reservation under `basis` running from `starts_on` to `ends_on` is longer than
/// the 3 years L2113-15 allows (a warning, not a refusal: the dates may be provisional).
pub fn longer_than_allowed(basis: LegalBasis, starts_on: NaiveDate, ends_on: NaiveDate) -> bool {
    basis == LegalBasis::L2113_15
        && starts_on
            .checked_add_months(Months::new(36))
            .is_some_and(|limit| ends_on >= limit)
}

/// Whether a clause of this kind has an hour target: a reserved contract never has one; an
/// insertion purpose has one only when hours are given beside its target in persons.
pub fn has_hour_target(kind: ClauseKind, hours_given: bool) -> bool {
    match kind {
        ClauseKind::ReservedContract => false,
        ClauseKind::InsertionPurpose => hours_given,
        ClauseKind::ExecutionCondition | ClauseKind::AwardCriterion => true,
    }
}

/// Whether a clause of this kind has a calendar of reporting milestones: not a reserved
/// contract, which has no target to report against.
pub fn has_reporting_milestones(kind: ClauseKind) -> bool {
    kind != ClauseKind::ReservedContract
}

/// The fields of a clause request only some kinds read, and the kind that reads each.
pub fn field_applies(field: &str, kind: ClauseKind) -> bool {
    match field {
        "legal_basis" => kind == ClauseKind::ReservedContract,
        "weighting_percent" | "committed_hours" => kind == ClauseKind::AwardCriterion,
        "target_persons" => kind == ClauseKind::InsertionPurpose,
        // The override of the calibrated hours: kinds whose target is the calibration's.
        "hours_override" | "override_justification" => matches!(
            kind,
            ClauseKind::ExecutionCondition | ClauseKind::InsertionPurpose
        ),
        _ => true,
    }
}

/// The target of one assignment of a clause: with an hour target, more than 0 and the
/// clause's targets together within its required hours (`assignments::check_target`);
/// without one, any target of 0 or more (the contractor's own figure).
pub fn check_assignment_target(
    hour_target: bool,
    target: i64,
    others: i64,
    required: i64,
) -> Result<(), Violation> {
    if hour_target {
        check_target(target, others, required)
    } else if target < 0 {
        Err(Violation::new("hours_target", "negative"))
    } else {
        Ok(())
    }
}

/// The progress of a target in persons at `on`: persons expected by then prorated on the
/// days elapsed (as hours are), the status compared with the persons placed.
///
/// Worked example: 10 persons over 2026, on 2026-07-01 (182 days of 365): 5 persons expected
/// (4.99 rounded half up); 4 placed is on track at 80 %, 3 at risk, 10 completed.
pub fn persons_status(
    target: i64,
    placed: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    on: NaiveDate,
    on_track_percent: u32,
) -> (i64, ProgressStatus) {
    let expected = expected_hours(target, starts_on, ends_on, on);
    let status = if on < starts_on {
        ProgressStatus::NotStarted
    } else if placed >= target {
        ProgressStatus::Completed
    } else if i128::from(placed) * 100 >= i128::from(expected) * i128::from(on_track_percent) {
        ProgressStatus::OnTrack
    } else {
        ProgressStatus::AtRisk
    };
    (expected, status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn legal_bases_read_and_write_their_articles() {
        for b in LegalBasis::ALL {
            assert_eq!(LegalBasis::parse(b.as_str()), Some(b));
            assert_eq!(
                serde_json::to_value(b).unwrap(),
                serde_json::json!(b.as_str())
            );
        }
        assert_eq!(LegalBasis::parse("L2113-16"), None);
    }

    #[test]
    fn a_geiq_is_not_an_siae_and_holds_no_reserved_contract() {
        assert!(!is_siae(SiaeKind::Geiq));
        for basis in LegalBasis::ALL {
            assert!(
                !holder_fits(basis, Some(SiaeKind::Geiq), false),
                "{basis:?}"
            );
        }
    }

    #[test]
    fn each_basis_takes_its_holders() {
        use SiaeKind::*;
        for k in [Ei, Etti, Ai, Aci, Eiti] {
            assert!(holder_fits(LegalBasis::L2113_13, Some(k), false));
            assert!(!holder_fits(LegalBasis::L2113_12, Some(k), false));
            assert!(holder_fits(LegalBasis::L2113_14, Some(k), false));
        }
        for k in [Ea, Esat] {
            assert!(holder_fits(LegalBasis::L2113_12, Some(k), false));
            assert!(!holder_fits(LegalBasis::L2113_13, Some(k), false));
            assert!(holder_fits(LegalBasis::L2113_14, Some(k), false));
        }
        // An ordinary company, ESS or not.
        assert!(!holder_fits(LegalBasis::L2113_13, None, true));
        assert!(holder_fits(LegalBasis::L2113_15, None, true));
        assert!(!holder_fits(LegalBasis::L2113_15, Some(Ei), false));
    }

    #[test]
    fn l2113_15_is_for_services_for_three_years_at_most() {
        assert!(purchase_fits(LegalBasis::L2113_15, ContractKind::Services));
        assert!(!purchase_fits(LegalBasis::L2113_15, ContractKind::Works));
        assert!(purchase_fits(LegalBasis::L2113_13, ContractKind::Works));
        // 2026-01-01 to 2028-12-31: three years exactly; one more day is longer.
        assert!(!longer_than_allowed(
            LegalBasis::L2113_15,
            d(2026, 1, 1),
            d(2028, 12, 31)
        ));
        assert!(longer_than_allowed(
            LegalBasis::L2113_15,
            d(2026, 1, 1),
            d(2029, 1, 1)
        ));
        assert!(!longer_than_allowed(
            LegalBasis::L2113_13,
            d(2026, 1, 1),
            d(2030, 1, 1)
        ));
    }

    #[test]
    fn only_kinds_with_hours_have_an_hour_target() {
        assert!(!has_hour_target(ClauseKind::ReservedContract, true));
        assert!(has_hour_target(ClauseKind::ExecutionCondition, true));
        assert!(has_hour_target(ClauseKind::AwardCriterion, true));
        assert!(has_hour_target(ClauseKind::InsertionPurpose, true));
        assert!(!has_hour_target(ClauseKind::InsertionPurpose, false));
        assert!(field_applies("legal_basis", ClauseKind::ReservedContract));
        assert!(!field_applies("legal_basis", ClauseKind::AwardCriterion));
        assert!(!field_applies("hours_override", ClauseKind::AwardCriterion));
        assert!(field_applies(
            "target_persons",
            ClauseKind::InsertionPurpose
        ));
    }

    #[test]
    fn without_an_hour_target_any_assignment_target_fits() {
        assert!(check_assignment_target(false, 0, 0, 0).is_ok());
        assert!(check_assignment_target(false, 50000, 0, 0).is_ok());
        assert!(check_assignment_target(false, -1, 0, 0).is_err());
        assert!(check_assignment_target(true, 0, 0, 100).is_err());
        assert!(check_assignment_target(true, 60, 50, 100).is_err());
        assert!(check_assignment_target(true, 50, 50, 100).is_ok());
    }

    #[test]
    fn persons_progress_worked_example() {
        let (s, e, on) = (d(2026, 1, 1), d(2026, 12, 31), d(2026, 7, 1));
        // 10 × 182 / 365 = 4.986… → 5 expected.
        assert_eq!(
            persons_status(10, 4, s, e, on, 80),
            (5, ProgressStatus::OnTrack)
        );
        assert_eq!(
            persons_status(10, 3, s, e, on, 80),
            (5, ProgressStatus::AtRisk)
        );
        assert_eq!(
            persons_status(10, 10, s, e, on, 80),
            (5, ProgressStatus::Completed)
        );
        assert_eq!(
            persons_status(10, 0, s, e, d(2025, 12, 31), 80).1,
            ProgressStatus::NotStarted
        );
    }
}
