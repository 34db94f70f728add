//! What became of a person after an exit (docs/domain.md#follow-up-after-exit): the
//! situation recorded 6 months (and, where the structure asks for it, 12 months) after each
//! exit, when it is due, and the report's two figures that read exits and follow-ups:
//! dynamic exits (docs/domain.md#figure-dynamic-exits) and the situation at 6 months
//! (docs/domain.md#figure-follow-up-6m).

use chrono::{Datelike, Months, NaiveDate};

use crate::domain::catalogue::CodeList;
use crate::domain::period::Period;
use crate::domain::report::{rate_tenths, Cell};
use crate::domain::suppression::suppress_shared;
use crate::domain::vocabulary::{vocabulary, ExitOutcome};

vocabulary! {
    /// A person's situation when a follow-up is recorded.
    pub enum Situation ("follow-up situation") {
        /// Permanent contract, or fixed-term or temp work of 6 months or more (also a
        /// civil-service post or a business creation).
        DurableEmployment = "durable_employment",
        /// Fixed-term or temp work under 6 months, subsidised contract.
        TransitionalEmployment = "transitional_employment",
        QualifyingTraining = "qualifying_training",
        JobSearch = "job_search",
        Inactive = "inactive",
        /// The person could not be reached: counted as due, not in the share.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// Who told the facilitator the situation.
    pub enum Source ("follow-up source") {
        Person = "person",
        Employer = "employer",
        FranceTravail = "france_travail",
        Other = "other",
    }
}

/// The situations with their French labels (reference list `follow-up-situations`).
pub const SITUATIONS: &CodeList = &[
    (
        "durable_employment",
        "Emploi durable (CDI, CDD ou intérim de 6 mois ou plus)",
    ),
    (
        "transitional_employment",
        "Emploi de transition (CDD ou intérim de moins de 6 mois, contrat aidé)",
    ),
    ("qualifying_training", "Formation qualifiante"),
    ("job_search", "En recherche d'emploi"),
    ("inactive", "Inactivité"),
    ("unknown", "Situation inconnue"),
];

/// The sources with their French labels (reference list `follow-up-sources`).
pub const SOURCES: &CodeList = &[
    ("person", "La personne"),
    ("employer", "L'employeur"),
    ("france_travail", "France Travail"),
    ("other", "Autre source"),
];

impl Situation {
    pub fn label(self) -> &'static str {
        crate::domain::catalogue::label(SITUATIONS, self.as_str()).unwrap_or(self.as_str())
    }

    /// Counts in the numerator of the situation at 6 months: employment (durable or
    /// transitional) or qualifying training.
    pub fn is_dynamic(self) -> bool {
        matches!(
            self,
            Situation::DurableEmployment
                | Situation::TransitionalEmployment
                | Situation::QualifyingTraining
        )
    }
}

impl Source {
    pub fn label(self) -> &'static str {
        crate::domain::catalogue::label(SOURCES, self.as_str()).unwrap_or(self.as_str())
    }
}

/// The months after an exit at which a follow-up may be recorded.
pub const MONTHS: [i64; 2] = [6, 12];

/// The follow-ups a structure asks for: 6 months after each exit, and 12 when its setting
/// says so.
pub fn months_asked(twelve_months: bool) -> &'static [i64] {
    if twelve_months {
        &MONTHS
    } else {
        &MONTHS[..1]
    }
}

/// The day a follow-up becomes due: the exit date plus `months` calendar months (the last
/// day of the month when that month is shorter: 31 August + 6 months is 28 or 29 February).
pub fn due_on(exit_on: NaiveDate, months: i64) -> NaiveDate {
    u32::try_from(months)
        .ok()
        .and_then(|m| exit_on.checked_add_months(Months::new(m)))
        .unwrap_or(NaiveDate::MAX)
}

/// The latest exit date whose follow-up of `months` is due by `today`: `today` less
/// `months` months, or the end of that month when `today` ends its own (on 28 February,
/// the exits of 28 to 31 August are due).
pub fn last_exit_due(today: NaiveDate, months: i64) -> NaiveDate {
    let back = u32::try_from(months)
        .ok()
        .and_then(|m| today.checked_sub_months(Months::new(m)))
        .unwrap_or(NaiveDate::MIN);
    let month_ends = today.succ_opt().is_none_or(|next| next.day() == 1);
    if month_ends {
        crate::domain::period::Month::of(back)
            .last_day()
            .unwrap_or(back)
    } else {
        back
    }
}

/// The exits whose follow-up of `months` falls due in `period`: exits from the first day of
/// the month `months` before the period's first month to the last day of the month `months`
/// before its last month (so that 31 August, due the last day of February, is in a period
/// ending with February).
pub fn exits_due_in(period: &Period, months: i64) -> (NaiveDate, NaiveDate) {
    let first = period
        .from
        .plus(-months)
        .first_day()
        .unwrap_or(NaiveDate::MIN);
    let last = period.to.plus(-months).last_day().unwrap_or(NaiveDate::MIN);
    (first, last)
}

/// Whether an exit outcome is a dynamic exit (IAE "sortie dynamique"): durable,
/// transitional or positive.
pub fn is_dynamic_exit(outcome: ExitOutcome) -> bool {
    !matches!(outcome, ExitOutcome::Other)
}

/// A count of placements and a sure lower bound of the distinct persons behind them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Group {
    pub placements: i64,
    /// Distinct persons, or a lower bound of them (the largest of merged groups).
    pub persons: i64,
}

impl Group {
    /// Two groups together: placements add up, persons keep the larger lower bound.
    pub fn merge(self, other: Group) -> Group {
        Group {
            placements: self.placements + other.placements,
            persons: self.persons.max(other.persons),
        }
    }
}

/// Whether a funder may see a figure made of these groups: at least `threshold` persons in
/// all (a sure lower bound: the largest group), and no group of 1 to `threshold - 1`
/// persons, whose count the funder does not see and a share would give away.
fn all_shown(groups: &[Group], threshold: i64) -> bool {
    let whole = groups.iter().map(|g| g.persons).max().unwrap_or(0);
    whole >= threshold
        && groups
            .iter()
            .all(|g| g.placements == 0 || g.persons >= threshold)
}

/// Dynamic exits at exit: (durable + transitional + positive) over all exits of the period,
/// from the exits by outcome, in tenths of a percent; None without exits. A funder
/// (`threshold`) sees it only when every count by outcome is shown to them (see
/// `all_shown`): otherwise the share would let a hidden count be worked out.
pub fn dynamic_exits(exits: &[(ExitOutcome, Group)], threshold: Option<i64>) -> Option<i64> {
    let (mut dynamic, mut other) = (Group::default(), Group::default());
    for &(outcome, g) in exits {
        if is_dynamic_exit(outcome) {
            dynamic = dynamic.merge(g);
        } else {
            other = other.merge(g);
        }
    }
    if let Some(t) = threshold {
        let groups: Vec<Group> = exits.iter().map(|(_, g)| *g).collect();
        if !all_shown(&groups, t) {
            return None;
        }
    }
    rate_tenths(dynamic.placements, dynamic.placements + other.placements)
}

/// The situation at 6 months of the follow-ups due in a period, cell by cell; each count is
/// None where a funder may not see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SixMonths {
    pub due: Option<i64>,
    /// In the order of [`Situation::ALL`], then `not_recorded`.
    pub cells: Vec<(&'static str, Option<i64>)>,
    /// Tenths of a percent: employment or qualifying training over the recorded situations
    /// other than unknown; for a funder, only when no cell is hidden.
    pub dynamic_share: Option<i64>,
}

impl SixMonths {
    /// The count of a cell (`durable_employment`... `not_recorded`).
    pub fn cell(&self, key: &str) -> Option<i64> {
        self.cells
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, n)| *n)
    }
}

/// The key of follow-ups due but not recorded.
pub const NOT_RECORDED: &str = "not_recorded";

/// The 6-month follow-ups due in a period, grouped by situation (None: not recorded), and
/// the distinct persons behind them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueGroups {
    pub groups: Vec<(Option<Situation>, Group)>,
    pub persons: i64,
}

/// Computes the situation at 6 months from the follow-ups due in the period grouped by
/// situation (None: not recorded). For a funder (`threshold`): nothing at all under
/// `threshold` persons due; a cell of 1 to `threshold - 1` persons is hidden, and since the
/// cells add up to `due`, which is shown, more cells are hidden until the hidden ones hold
/// a cell of at least `threshold` persons (`suppression::suppress_shared`: a person with two
/// exits may be in two cells).
pub fn six_months(due: &DueGroups, threshold: Option<i64>) -> SixMonths {
    let groups = &due.groups;
    let group_of = |s: Option<Situation>| {
        groups
            .iter()
            .filter(|(g, _)| *g == s)
            .fold(Group::default(), |acc, (_, g)| acc.merge(*g))
    };
    let mut keyed: Vec<(&'static str, Group)> = Situation::ALL
        .iter()
        .map(|&s| (s.as_str(), group_of(Some(s))))
        .collect();
    keyed.push((NOT_RECORDED, group_of(None)));
    let due_persons = due.persons;
    let due = keyed
        .iter()
        .fold(Group::default(), |acc, (_, g)| acc.merge(*g));
    let (mut dynamic, mut rest) = (Group::default(), Group::default());
    for &s in &Situation::ALL {
        match s {
            Situation::Unknown => {}
            s if s.is_dynamic() => dynamic = dynamic.merge(group_of(Some(s))),
            s => rest = rest.merge(group_of(Some(s))),
        }
    }
    let dynamic_share = rate_tenths(dynamic.placements, dynamic.placements + rest.placements);
    let Some(t) = threshold else {
        return SixMonths {
            due: Some(due.placements),
            cells: keyed
                .into_iter()
                .map(|(k, g)| (k, Some(g.placements)))
                .collect(),
            dynamic_share,
        };
    };
    if due.persons.max(due_persons) < t {
        return SixMonths {
            due: None,
            cells: keyed.into_iter().map(|(k, _)| (k, None)).collect(),
            dynamic_share: None,
        };
    }
    let cells: Vec<Cell> = keyed
        .iter()
        .map(|(k, g)| Cell {
            key: (*k).to_string(),
            persons: g.persons,
            hours: g.placements,
        })
        .collect();
    let shown = suppress_shared(&cells, t);
    // The share is a ratio of shown cells only: with a cell hidden it could give it away.
    let all_cells_shown = shown.iter().all(|c| !c.suppressed);
    SixMonths {
        due: Some(due.placements),
        cells: keyed
            .iter()
            .zip(shown)
            .map(|((k, g), s)| (*k, (!s.suppressed).then_some(g.placements)))
            .collect(),
        dynamic_share: dynamic_share.filter(|_| all_cells_shown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::period::Month;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn g(placements: i64, persons: i64) -> Group {
        Group {
            placements,
            persons,
        }
    }

    #[test]
    fn a_follow_up_is_due_six_months_after_the_exit_at_the_end_of_a_shorter_month() {
        assert_eq!(due_on(d(2026, 1, 15), 6), d(2026, 7, 15));
        assert_eq!(due_on(d(2025, 8, 31), 6), d(2026, 2, 28));
        assert_eq!(due_on(d(2027, 8, 31), 6), d(2028, 2, 29));
        assert_eq!(due_on(d(2026, 3, 10), 12), d(2027, 3, 10));
        assert_eq!(months_asked(false), &[6]);
        assert_eq!(months_asked(true), &[6, 12]);
        assert_eq!(last_exit_due(d(2026, 7, 15), 6), d(2026, 1, 15));
        assert_eq!(last_exit_due(d(2026, 2, 28), 6), d(2025, 8, 31));
        assert_eq!(last_exit_due(d(2026, 2, 27), 6), d(2025, 8, 27));
        for exit in [
            d(2025, 8, 27),
            d(2025, 8, 28),
            d(2025, 8, 31),
            d(2025, 9, 1),
        ] {
            for today in [d(2026, 2, 27), d(2026, 2, 28), d(2026, 3, 1)] {
                assert_eq!(
                    due_on(exit, 6) <= today,
                    exit <= last_exit_due(today, 6),
                    "{exit} {today}"
                );
            }
        }
    }

    #[test]
    fn the_exits_due_in_a_period_are_those_six_months_before_it() {
        let year = Period::year(2026);
        assert_eq!(exits_due_in(&year, 6), (d(2025, 7, 1), d(2026, 6, 30)));
        let feb = Period::new(Month::new(2026, 2).unwrap(), Month::new(2026, 2).unwrap()).unwrap();
        let (first, last) = exits_due_in(&feb, 6);
        assert_eq!((first, last), (d(2025, 8, 1), d(2025, 8, 31)));
        // 31 August is due on 28 February: in the February period.
        assert!(year.contains(due_on(d(2025, 7, 1), 6)));
        assert!(feb.contains(due_on(last, 6)));
    }

    #[test]
    fn dynamic_exits_are_durable_transitional_and_positive_over_all_exits() {
        // DOMAIN.md: 6 durable, 5 transitional, 0 positive, 2 other: 11 of 13 = 84.6 %.
        let exits = [
            (ExitOutcome::DurableEmployment, g(6, 6)),
            (ExitOutcome::TransitionalEmployment, g(5, 5)),
            (ExitOutcome::Other, g(2, 2)),
        ];
        assert_eq!(dynamic_exits(&exits, None), Some(846));
        // A funder does not see the 2 other exits, nor the share that would give them away.
        assert_eq!(dynamic_exits(&exits, Some(5)), None);
        let more = [
            (ExitOutcome::DurableEmployment, g(6, 6)),
            (ExitOutcome::PositiveExit, g(0, 0)),
            (ExitOutcome::Other, g(5, 5)),
        ];
        assert_eq!(dynamic_exits(&more, Some(5)), Some(545));
        // Every exit dynamic: 100 %, shown when at least 5 persons left.
        assert_eq!(
            dynamic_exits(&[(ExitOutcome::PositiveExit, g(5, 5))], Some(5)),
            Some(1000)
        );
        assert_eq!(
            dynamic_exits(&[(ExitOutcome::PositiveExit, g(5, 4))], Some(5)),
            None
        );
        assert_eq!(dynamic_exits(&[], None), None);
    }

    #[test]
    fn the_situation_at_six_months_counts_every_follow_up_due_and_shares_the_known_ones() {
        let groups = [
            (Some(Situation::DurableEmployment), g(3, 3)),
            (Some(Situation::TransitionalEmployment), g(2, 2)),
            (Some(Situation::QualifyingTraining), g(1, 1)),
            (Some(Situation::JobSearch), g(3, 3)),
            (Some(Situation::Unknown), g(2, 2)),
            (None, g(4, 4)),
        ];
        let groups = DueGroups {
            groups: groups.to_vec(),
            persons: 15,
        };
        let s = six_months(&groups, None);
        assert_eq!(s.due, Some(15));
        assert_eq!(s.cell("durable_employment"), Some(3));
        assert_eq!(s.cell("inactive"), Some(0));
        assert_eq!(s.cell("not_recorded"), Some(4));
        // (3 + 2 + 1) of the 9 known (unknown and not recorded left out): 66.7 %.
        assert_eq!(s.dynamic_share, Some(667));
        // A funder: every cell is under 5 persons, so every non-empty cell is hidden, and
        // the share with them.
        let f = six_months(&groups, Some(5));
        assert_eq!(f.due, Some(15));
        assert_eq!(f.cell("durable_employment"), None);
        assert_eq!(
            f.cells.iter().find(|c| c.0 == "inactive").unwrap().1,
            Some(0)
        );
        assert_eq!(f.dynamic_share, None);
        // Under 5 persons due: nothing at all.
        let few = six_months(
            &DueGroups {
                groups: vec![(Some(Situation::JobSearch), g(4, 4))],
                persons: 4,
            },
            Some(5),
        );
        assert_eq!(
            few,
            SixMonths {
                due: None,
                cells: few.cells.iter().map(|(k, _)| (*k, None)).collect(),
                dynamic_share: None,
            }
        );
        // Large enough groups are shown, and a single small cell drags another one along.
        let big = [
            (Some(Situation::DurableEmployment), g(8, 8)),
            (Some(Situation::JobSearch), g(6, 6)),
            (None, g(2, 2)),
        ];
        let big = DueGroups {
            groups: big.to_vec(),
            persons: 16,
        };
        let b = six_months(&big, Some(5));
        assert_eq!(b.due, Some(16));
        assert_eq!(b.cell("not_recorded"), None);
        assert_eq!(b.cell("job_search"), None);
        assert_eq!(b.cell("durable_employment"), Some(8));
        // 8 of 14 would give away the 6 in job search, and with them the 2 not recorded.
        assert_eq!(b.dynamic_share, None);
        assert_eq!(six_months(&big, None).dynamic_share, Some(571));
        let shown = [
            (Some(Situation::DurableEmployment), g(8, 8)),
            (Some(Situation::JobSearch), g(6, 6)),
        ];
        let shown = DueGroups {
            groups: shown.to_vec(),
            persons: 14,
        };
        assert_eq!(six_months(&shown, Some(5)).dynamic_share, Some(571));
    }

    #[test]
    fn vocabularies_and_labels_agree() {
        assert_eq!(
            Situation::CODES.to_vec(),
            SITUATIONS.iter().map(|(c, _)| *c).collect::<Vec<_>>()
        );
        assert_eq!(
            Source::CODES.to_vec(),
            SOURCES.iter().map(|(c, _)| *c).collect::<Vec<_>>()
        );
        assert_eq!(Source::FranceTravail.label(), "France Travail");
        assert!(Situation::QualifyingTraining.is_dynamic());
        assert!(!Situation::Unknown.is_dynamic());
    }
}
