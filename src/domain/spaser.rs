//! The purchasing figures of a buyer's responsible-purchasing (SPASER) evaluation for a year
//! (docs/domain.md#spaser-evaluation): contracts notified and their amount, the shares with a
//! social and with an environmental consideration (the PNAD rules of `domain::pnad`), the
//! reserved contracts by legal basis, the amounts awarded to SIAE, EA and ESAT holders, and
//! the indication of the 50 M€ HT a year above which a buyer must adopt a SPASER.
//!
//! Money is in cents throughout. The figures of insertion hours, persons, FTE, achievement
//! rate and dynamic exits are the annual report's for the buyer (`reports`), not computed
//! here.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::clause_kinds::{is_ea_or_esat, is_siae, LegalBasis};
use crate::domain::pnad::{has_environmental_consideration, has_social_consideration};
use crate::domain::vocabulary::{ClauseKind, ClauseStatus, SiaeKind};

/// The amount notified a year (HT, in cents) above which a buyer must adopt a SPASER: 50 M€
/// (code de la commande publique, L2111-3 and D2111-3).
pub const SPASER_THRESHOLD_CENTS: i64 = 50_000_000 * 100;

/// The key of reserved contracts declared in the open data (`marche_reserve`) without a
/// reserved-contract clause naming the article.
pub const BASIS_NOT_STATED: &str = "not_stated";

/// One clause of a contract, as far as these figures need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseFact {
    pub kind: ClauseKind,
    pub status: ClauseStatus,
    pub lot_number: Option<i32>,
    pub legal_basis: Option<LegalBasis>,
}

/// One contract notified in the year, with its lots, clauses and holders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractFact {
    pub amount_cents: Option<i64>,
    /// (lot number, lot amount in cents).
    pub lots: Vec<(i32, Option<i64>)>,
    /// Declared social considerations (`clause_sociale`, `critere_social`, `marche_reserve`).
    pub social_declared: Vec<String>,
    pub environmental_declared: Vec<String>,
    pub clauses: Vec<ClauseFact>,
    /// The SIAE kind of each holder (None: an ordinary company).
    pub holder_kinds: Vec<Option<SiaeKind>>,
}

impl ContractFact {
    /// The contract's amount: its own, else the sum of its lots' amounts, else 0 (unknown).
    pub fn amount(&self) -> i64 {
        self.amount_cents.unwrap_or_else(|| {
            self.lots
                .iter()
                .filter_map(|(_, a)| *a)
                .fold(0i64, i64::saturating_add)
        })
    }

    /// Whether the amount is known (the contract's or one of its lots').
    pub fn amount_known(&self) -> bool {
        self.amount_cents.is_some() || self.lots.iter().any(|(_, a)| a.is_some())
    }

    /// The reserved part of the contract by legal basis (`docs/domain.md#spaser-evaluation`):
    /// each basis of its reserved-contract clauses that are not cancelled, with the amounts
    /// of the lots those clauses name (the whole contract when a clause names no lot, or a
    /// lot without an amount); a contract declared `marche_reserve` without such a clause is
    /// reserved as a whole under [`BASIS_NOT_STATED`]. Empty: not reserved.
    pub fn reserved(&self) -> BTreeMap<String, i64> {
        let mut lots_by_basis: BTreeMap<String, Option<BTreeSet<i32>>> = BTreeMap::new();
        for c in self
            .clauses
            .iter()
            .filter(|c| c.kind == ClauseKind::ReservedContract)
            .filter(|c| c.status != ClauseStatus::Cancelled)
        {
            let key = c
                .legal_basis
                .map(|b| b.as_str().to_string())
                .unwrap_or_else(|| BASIS_NOT_STATED.to_string());
            let lot_amount = c
                .lot_number
                .and_then(|n| self.lots.iter().find(|(m, _)| *m == n))
                .and_then(|(n, a)| a.map(|_| *n));
            let entry = lots_by_basis
                .entry(key)
                .or_insert_with(|| Some(BTreeSet::new()));
            match (entry.as_mut(), lot_amount) {
                (Some(lots), Some(n)) => {
                    lots.insert(n);
                }
                // The whole contract.
                _ => *entry = None,
            }
        }
        let mut out: BTreeMap<String, i64> = lots_by_basis
            .into_iter()
            .map(|(basis, lots)| {
                let amount = match lots {
                    None => self.amount(),
                    Some(lots) => self
                        .lots
                        .iter()
                        .filter(|(n, _)| lots.contains(n))
                        .filter_map(|(_, a)| *a)
                        .fold(0i64, i64::saturating_add),
                };
                (basis, amount)
            })
            .collect();
        if out.is_empty() && self.social_declared.iter().any(|s| s == "marche_reserve") {
            out.insert(BASIS_NOT_STATED.to_string(), self.amount());
        }
        out
    }
}

/// A count of contracts and their amount (cents).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountAmount {
    pub contracts: i64,
    pub amount_cents: i64,
}

impl CountAmount {
    fn add(&mut self, amount: i64) {
        self.contracts += 1;
        self.amount_cents = self.amount_cents.saturating_add(amount);
    }
}

/// The kinds of holder the evaluation sums the amounts of.
pub const HOLDER_GROUPS: [&str; 3] = ["siae", "ea", "esat"];

/// The group of a holder's kind: `siae` (EI, ETTI, AI, ACI, EITI: a GEIQ is not one), `ea`,
/// `esat`; None for any other holder.
pub fn holder_group(kind: SiaeKind) -> Option<&'static str> {
    if is_siae(kind) {
        Some("siae")
    } else if is_ea_or_esat(kind) {
        Some(if kind == SiaeKind::Ea { "ea" } else { "esat" })
    } else {
        None
    }
}

/// The purchasing figures of one buyer for one year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purchasing {
    pub notified: CountAmount,
    /// Contracts notified whose amount is unknown (counted in `notified` with 0).
    pub without_amount: i64,
    pub with_social_consideration: i64,
    pub with_environmental_consideration: i64,
    /// Contracts with a reserved part and the reserved amount.
    pub reserved: CountAmount,
    /// Per legal basis (`L2113-12`… or `not_stated`): contracts and reserved amount.
    pub reserved_by_basis: BTreeMap<String, CountAmount>,
    /// Per holder group (`siae`, `ea`, `esat`): the contracts with at least one holder of
    /// that group and their whole amounts.
    pub awarded: BTreeMap<&'static str, CountAmount>,
}

impl Purchasing {
    /// Whether the amount notified known to the service exceeds the SPASER threshold: an
    /// indication only, the obligation resting on all of the buyer's purchases.
    pub fn above_spaser_threshold(&self) -> bool {
        self.notified.amount_cents > SPASER_THRESHOLD_CENTS
    }
}

/// The purchasing figures of the contracts a buyer notified in a year.
pub fn purchasing(contracts: &[ContractFact]) -> Purchasing {
    let mut p = Purchasing {
        awarded: HOLDER_GROUPS
            .iter()
            .map(|g| (*g, CountAmount::default()))
            .collect(),
        ..Purchasing::default()
    };
    for c in contracts {
        let amount = c.amount();
        p.notified.add(amount);
        if !c.amount_known() {
            p.without_amount += 1;
        }
        let statuses: Vec<ClauseStatus> = c.clauses.iter().map(|k| k.status).collect();
        if has_social_consideration(&c.social_declared, &statuses) {
            p.with_social_consideration += 1;
        }
        if has_environmental_consideration(&c.environmental_declared) {
            p.with_environmental_consideration += 1;
        }
        let reserved = c.reserved();
        if !reserved.is_empty() {
            // The reserved amount of a contract reserved under two bases on different lots
            // is the sum of both; the whole contract at most.
            let total = reserved
                .values()
                .fold(0i64, |a, v| a.saturating_add(*v))
                .min(amount.max(0));
            p.reserved.add(total);
            for (basis, a) in reserved {
                p.reserved_by_basis.entry(basis).or_default().add(a);
            }
        }
        let groups: BTreeSet<&'static str> = c
            .holder_kinds
            .iter()
            .flatten()
            .filter_map(|k| holder_group(*k))
            .collect();
        for g in groups {
            p.awarded.entry(g).or_default().add(amount);
        }
    }
    p
}

/// The French label of a legal basis key.
pub fn basis_label(key: &str) -> &'static str {
    match LegalBasis::parse(key) {
        Some(b) => b.label(),
        None => "Marché réservé déclaré sans article précisé",
    }
}

/// The French name of a holder group, as it reads after « titulaires ».
pub fn holder_group_label(group: &str) -> &'static str {
    match group {
        "siae" => "SIAE (EI, ETTI, AI, ACI, EITI)",
        "ea" => "entreprises adaptées (EA)",
        _ => "ESAT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(kind: ClauseKind, lot: Option<i32>, basis: Option<LegalBasis>) -> ClauseFact {
        ClauseFact {
            kind,
            status: ClauseStatus::Active,
            lot_number: lot,
            legal_basis: basis,
        }
    }

    /// A worked example: four contracts of one buyer in a year.
    /// - A: 1 000 000 €, a clause of hours, environmental clause, ordinary holder;
    /// - B: 300 000 €, lots 1 (120 000 €) and 2 (180 000 €), lot 2 reserved under L2113-13,
    ///   held by an EI (SIAE);
    /// - C: no amount, lots 1 (50 000 €) and 2 (no amount), reserved as a whole under
    ///   L2113-12 (clause on lot 2, which has no amount), held by an EA and an ESAT;
    /// - D: 80 000 €, declared `marche_reserve` in the open data, no clause, held by a GEIQ.
    ///
    /// Notified: 4 contracts, 1 000 000 + 300 000 + 50 000 + 80 000 = 1 430 000 €.
    /// Social: A, B, C (clauses), D (declared) = 4; environmental: A = 1.
    /// Reserved: B 180 000 (L2113-13), C 50 000 (L2113-12, whole), D 80 000 (not stated):
    /// 3 contracts, 310 000 €. Awarded: SIAE 300 000 (B), EA 50 000 (C), ESAT 50 000 (C);
    /// the GEIQ is not an SIAE.
    #[test]
    fn worked_example_of_a_buyers_year() {
        let a = ContractFact {
            amount_cents: Some(100_000_000),
            environmental_declared: vec!["clause_environnementale".into()],
            clauses: vec![clause(ClauseKind::ExecutionCondition, None, None)],
            holder_kinds: vec![None],
            ..ContractFact::default()
        };
        let b = ContractFact {
            amount_cents: Some(30_000_000),
            lots: vec![(1, Some(12_000_000)), (2, Some(18_000_000))],
            clauses: vec![clause(
                ClauseKind::ReservedContract,
                Some(2),
                Some(LegalBasis::L2113_13),
            )],
            holder_kinds: vec![Some(SiaeKind::Ei)],
            ..ContractFact::default()
        };
        let c = ContractFact {
            amount_cents: None,
            lots: vec![(1, Some(5_000_000)), (2, None)],
            clauses: vec![clause(
                ClauseKind::ReservedContract,
                Some(2),
                Some(LegalBasis::L2113_12),
            )],
            holder_kinds: vec![Some(SiaeKind::Ea), Some(SiaeKind::Esat)],
            ..ContractFact::default()
        };
        let d = ContractFact {
            amount_cents: Some(8_000_000),
            social_declared: vec!["marche_reserve".into()],
            holder_kinds: vec![Some(SiaeKind::Geiq)],
            ..ContractFact::default()
        };
        let p = purchasing(&[a, b, c, d]);
        assert_eq!(
            p.notified,
            CountAmount {
                contracts: 4,
                amount_cents: 143_000_000
            }
        );
        assert_eq!(p.without_amount, 0);
        assert_eq!(
            (
                p.with_social_consideration,
                p.with_environmental_consideration
            ),
            (4, 1)
        );
        assert_eq!(
            p.reserved,
            CountAmount {
                contracts: 3,
                amount_cents: 31_000_000
            }
        );
        let basis = |k: &str| p.reserved_by_basis.get(k).copied().unwrap_or_default();
        assert_eq!(basis("L2113-13").amount_cents, 18_000_000);
        assert_eq!(basis("L2113-12").amount_cents, 5_000_000);
        assert_eq!(basis(BASIS_NOT_STATED).amount_cents, 8_000_000);
        assert_eq!(p.awarded["siae"].amount_cents, 30_000_000);
        assert_eq!(p.awarded["ea"].amount_cents, 5_000_000);
        assert_eq!(p.awarded["esat"].amount_cents, 5_000_000);
        assert!(!p.above_spaser_threshold());
    }

    #[test]
    fn a_cancelled_reserved_clause_reserves_nothing_and_the_threshold_is_strict() {
        let mut c = ContractFact {
            amount_cents: Some(SPASER_THRESHOLD_CENTS),
            clauses: vec![clause(
                ClauseKind::ReservedContract,
                None,
                Some(LegalBasis::L2113_14),
            )],
            ..ContractFact::default()
        };
        c.clauses[0].status = ClauseStatus::Cancelled;
        let p = purchasing(std::slice::from_ref(&c));
        assert_eq!(p.reserved.contracts, 0);
        assert_eq!(p.with_social_consideration, 0);
        // Exactly 50 M€ does not exceed the threshold; one cent more does.
        assert!(!p.above_spaser_threshold());
        c.amount_cents = Some(SPASER_THRESHOLD_CENTS + 1);
        assert!(purchasing(&[c]).above_spaser_threshold());
    }

    #[test]
    fn an_unknown_amount_is_counted_apart() {
        let p = purchasing(&[ContractFact::default()]);
        assert_eq!(p.notified.contracts, 1);
        assert_eq!(p.without_amount, 1);
        assert_eq!(p.notified.amount_cents, 0);
    }
}
