//! The national purchasing plan's indicators (PNAD 2022-2025, docs/domain.md#figure-pnad-share):
//! which notified contracts count as carrying a social or an environmental consideration,
//! the shares and the yearly targets.
//!
//! The report counts them in SQL (`store::reports::pnad_by_buyer`) with the same rule as
//! [`has_social_consideration`]; the list of contracts still to clause (`domain::to_clause`)
//! is the complement of that rule among the contracts above their buyer's threshold.

use serde::Serialize;

use crate::domain::report::rate_tenths;
use crate::domain::rule::Violation;
use crate::domain::vocabulary::ClauseStatus;

/// The PNAD 2022-2025 target of the social share, in percent (used for every year without a
/// setting of its own, the plan having ended with 2025).
pub const DEFAULT_SOCIAL_TARGET: i64 = 30;
/// The PNAD 2022-2025 target of the environmental share, in percent.
pub const DEFAULT_ENVIRONMENTAL_TARGET: i64 = 100;

/// A contract has a social consideration when the open data (or the person who entered it)
/// declares one (`clause_sociale`, `critere_social`, `marche_reserve`), or when it carries a
/// clause that is not cancelled (whatever its kind: a reserved-contract clause is a clause).
pub fn has_social_consideration(declared: &[String], clauses: &[ClauseStatus]) -> bool {
    !declared.is_empty() || clauses.iter().any(|s| *s != ClauseStatus::Cancelled)
}

/// A contract has an environmental consideration when it declares one
/// (`clause_environnementale`, `critere_environnemental`).
pub fn has_environmental_consideration(declared: &[String]) -> bool {
    !declared.is_empty()
}

/// The targets of a year, in whole percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Targets {
    pub social: i64,
    pub environmental: i64,
}

impl Default for Targets {
    fn default() -> Targets {
        Targets {
            social: DEFAULT_SOCIAL_TARGET,
            environmental: DEFAULT_ENVIRONMENTAL_TARGET,
        }
    }
}

/// The key of a year's targets among the instance's settings (`app_settings`).
pub fn targets_setting_key(year: i32) -> String {
    format!("pnad_targets_{year}")
}

/// A year's targets from its setting, written `social,environmental` in whole percent
/// (`30,100`); the defaults when there is none or it does not read as two percentages.
pub fn targets_from_setting(setting: Option<&str>) -> Targets {
    let read = |s: &str| {
        s.trim()
            .parse::<i64>()
            .ok()
            .filter(|v| (0..=100).contains(v))
    };
    setting
        .and_then(|s| s.split_once(','))
        .and_then(|(a, b)| Some((read(a)?, read(b)?)))
        .map(|(social, environmental)| Targets {
            social,
            environmental,
        })
        .unwrap_or_default()
}

/// A year's targets as an administrator sets them: each a whole percent from 0 to 100
/// (`target_percent_out_of_range` beside each field that is not).
pub fn check_targets(social: i64, environmental: i64) -> Result<Targets, Vec<Violation>> {
    let broken: Vec<Violation> = [
        ("social_percent", social),
        ("environmental_percent", environmental),
    ]
    .into_iter()
    .filter(|(_, v)| !(0..=100).contains(v))
    .map(|(field, _)| Violation::new(field, "target_percent_out_of_range"))
    .collect();
    if broken.is_empty() {
        Ok(Targets {
            social,
            environmental,
        })
    } else {
        Err(broken)
    }
}

/// The setting's text of targets.
pub fn targets_to_setting(t: Targets) -> String {
    format!("{},{}", t.social, t.environmental)
}

/// Counts of one buyer's (or all) contracts notified in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub notified: i64,
    pub social: i64,
    pub environmental: i64,
}

impl Counts {
    /// Share with a social consideration, tenths of a percent; None without contract.
    pub fn social_share(&self) -> Option<i64> {
        rate_tenths(self.social, self.notified)
    }

    /// Share with an environmental consideration, tenths of a percent.
    pub fn environmental_share(&self) -> Option<i64> {
        rate_tenths(self.environmental, self.notified)
    }
}

/// The sum of the buyers' counts (each contract belongs to one buyer).
pub fn total(rows: &[Counts]) -> Counts {
    rows.iter().fold(Counts::default(), |a, r| Counts {
        notified: a.notified + r.notified,
        social: a.social + r.social,
        environmental: a.environmental + r.environmental,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_whole_percents_from_0_to_100() {
        assert_eq!(
            check_targets(0, 100),
            Ok(Targets {
                social: 0,
                environmental: 100
            })
        );
        let broken = check_targets(-1, 101).unwrap_err();
        let fields: Vec<&str> = broken.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["social_percent", "environmental_percent"]);
        assert!(broken
            .iter()
            .all(|v| v.code == "target_percent_out_of_range"));
        // What is set reads back from the setting's text.
        let t = check_targets(35, 60).unwrap();
        assert_eq!(targets_from_setting(Some(&targets_to_setting(t))), t);
    }

    fn codes(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_live_clause_is_a_social_consideration_a_cancelled_one_is_not() {
        // The reproduction: notified 2026-02-01, nothing declared, a clause added
        // and activated.
        assert!(has_social_consideration(&[], &[ClauseStatus::Active]));
        assert!(has_social_consideration(&[], &[ClauseStatus::Draft]));
        assert!(has_social_consideration(&[], &[ClauseStatus::Completed]));
        assert!(!has_social_consideration(&[], &[ClauseStatus::Cancelled]));
        assert!(!has_social_consideration(&[], &[]));
        assert!(has_social_consideration(&codes(&["marche_reserve"]), &[]));
        assert!(has_social_consideration(
            &codes(&["critere_social"]),
            &[ClauseStatus::Cancelled]
        ));
    }

    #[test]
    fn environmental_from_the_declared_considerations() {
        assert!(has_environmental_consideration(&codes(&[
            "clause_environnementale"
        ])));
        assert!(!has_environmental_consideration(&[]));
    }

    #[test]
    fn targets_default_to_the_plan_and_read_a_setting() {
        assert_eq!(
            targets_from_setting(None),
            Targets {
                social: 30,
                environmental: 100
            }
        );
        assert_eq!(
            targets_from_setting(Some("35, 90")),
            Targets {
                social: 35,
                environmental: 90
            }
        );
        assert_eq!(targets_from_setting(Some("150,90")), Targets::default());
        assert_eq!(targets_from_setting(Some("abc")), Targets::default());
        assert_eq!(
            targets_from_setting(Some(&targets_to_setting(Targets {
                social: 40,
                environmental: 80
            }))),
            Targets {
                social: 40,
                environmental: 80
            }
        );
        assert_eq!(targets_setting_key(2026), "pnad_targets_2026");
    }

    #[test]
    fn shares_in_tenths_of_a_percent() {
        // 3 of 8 with a social consideration: 37.5 %; 1 of 8 environmental: 12.5 %.
        let rows = [
            Counts {
                notified: 5,
                social: 2,
                environmental: 1,
            },
            Counts {
                notified: 3,
                social: 1,
                environmental: 0,
            },
        ];
        let t = total(&rows);
        assert_eq!(t.notified, 8);
        assert_eq!(t.social_share(), Some(375));
        assert_eq!(t.environmental_share(), Some(125));
        assert_eq!(Counts::default().social_share(), None);
    }
}
