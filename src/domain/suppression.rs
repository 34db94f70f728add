//! Statistical disclosure control for what funders see (docs/domain.md#small-cell-suppression):
//! a funder never sees a person, so small cells are hidden.
//!
//! Rules, with `threshold` (5 by default):
//! - a scope of fewer than `threshold` beneficiaries shows no figure at all (the report
//!   says only that it is below the threshold, `reports::disclose`); here, no breakdown;
//! - primary rule: a cell of 1 to `threshold - 1` persons is hidden (persons and hours);
//!   a cell of 0 persons is shown;
//! - complementary rule: in a breakdown whose cells add up to a total the response shows,
//!   the hidden cells cannot be recovered by subtraction: either no cell is hidden, or at
//!   least two are and together they cover at least `threshold` persons. While they do not,
//!   the next smallest shown cell (fewest persons, then fewest hours, then key) is hidden too.
//!
//! What "cover" means depends on the breakdown:
//! - sex, age band, QPV, qualification split the persons (each person in exactly one cell):
//!   persons and hours add up to the totals, and the hidden cells cover the sum of their
//!   persons;
//! - modality, contract type, sector, buyer, contractor, clause kind split the hours but not
//!   the persons (one person may work in several cells). The sum of the hidden cells' persons
//!   may count someone twice, so it is not a safe measure: the only sure lower bound on the
//!   distinct persons behind the recoverable sum of hidden hours is the largest hidden cell.
//!   These breakdowns therefore need a hidden cell of at least `threshold` persons. This is
//!   stricter than summing (it can hide one more cell) but it is a guarantee.
//! - criteria (a person may have several) add up to no total, so a value cannot simply be
//!   subtracted out. But every eligible person has at least one criterion, and when every
//!   person happens to have exactly one, a reader can prove it from the figures (a single
//!   hidden cell of at most `threshold - 1` persons and the shown cells falling exactly that
//!   many short of the beneficiaries) and subtract the hidden cell's hours out. So criteria
//!   get the complementary rule too, measured like the placement breakdowns.
//!
//! Across responses (docs/domain.md#funders-threshold-rule): a funder reads whole
//! calendar years only; a filter whose population is under `threshold`, or that selects a
//! cell the same period's unfiltered breakdown hides (primarily or as a complementary cell),
//! gets no figure (`reports::disclose`). Territories have no breakdown in the response, but
//! a territory filter is judged the same way, on the cells [`suppress_shared`] would hide.

use serde::Serialize;

use crate::domain::report::{Breakdowns, Cell, Figures};
use crate::domain::units::ser_opt_hundredths;

/// The default minimum number of persons behind any figure a funder sees.
pub const DEFAULT_THRESHOLD: i64 = 5;

/// A breakdown cell as a response shows it: `persons` and `hours` are None when suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShownCell {
    pub key: String,
    pub persons: Option<i64>,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub hours: Option<i64>,
    pub suppressed: bool,
    /// Buyer and contractor cells only: the organisation's name (the key is its id); absent
    /// from the other breakdowns, whose keys are codes of the reference lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// The breakdowns as a response shows them, in the API's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SuppressedBreakdowns {
    pub sex: Vec<ShownCell>,
    pub age_band: Vec<ShownCell>,
    pub criteria: Vec<ShownCell>,
    pub qualification: Vec<ShownCell>,
    pub qpv: Vec<ShownCell>,
    pub modality: Vec<ShownCell>,
    pub contract_type: Vec<ShownCell>,
    pub sector: Vec<ShownCell>,
    pub buyer: Vec<ShownCell>,
    pub contractor: Vec<ShownCell>,
    pub clause_kind: Vec<ShownCell>,
}

impl SuppressedBreakdowns {
    /// The breakdowns with their API names, in the API's order (for renderers).
    pub fn named(&self) -> [(&'static str, &Vec<ShownCell>); 11] {
        [
            ("sex", &self.sex),
            ("age_band", &self.age_band),
            ("criteria", &self.criteria),
            ("qualification", &self.qualification),
            ("qpv", &self.qpv),
            ("modality", &self.modality),
            ("contract_type", &self.contract_type),
            ("sector", &self.sector),
            ("buyer", &self.buyer),
            ("contractor", &self.contractor),
            ("clause_kind", &self.clause_kind),
        ]
    }
}

/// How the persons of a breakdown's cells relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persons {
    /// Each person is in exactly one cell: hidden cells cover the sum of their persons.
    Split,
    /// A person may be in several cells: hidden cells surely cover only their largest count.
    Shared,
}

/// The breakdowns a funder may see, or None when the scope has fewer than `threshold`
/// beneficiaries (the response then shows totals only).
pub fn suppress_breakdowns(f: &Figures, threshold: i64) -> Option<SuppressedBreakdowns> {
    if f.beneficiaries < threshold {
        return None;
    }
    let b = &f.breakdowns;
    let split = |cells: &[Cell]| suppress_cells(cells, threshold, Persons::Split);
    let shared = |cells: &[Cell]| suppress_cells(cells, threshold, Persons::Shared);
    Some(SuppressedBreakdowns {
        sex: split(&b.sex),
        age_band: split(&b.age_band),
        criteria: shared(&b.criteria),
        qualification: split(&b.qualification),
        qpv: split(&b.qpv),
        modality: shared(&b.modality),
        contract_type: shared(&b.contract_type),
        sector: shared(&b.sector),
        buyer: shared(&b.buyer),
        contractor: shared(&b.contractor),
        clause_kind: shared(&b.clause_kind),
    })
}

/// Suppresses one list of cells in which a person may be in several cells (as the
/// placement breakdowns): used for the cells of a filter that the response does not break
/// down (territories).
pub fn suppress_shared(cells: &[Cell], threshold: i64) -> Vec<ShownCell> {
    suppress_cells(cells, threshold, Persons::Shared)
}

/// The breakdowns with nothing hidden, in the same shape (for readers who see persons).
pub fn without_suppression(b: &Breakdowns) -> SuppressedBreakdowns {
    let all = |cells: &[Cell]| {
        let shown = vec![false; cells.len()];
        render(cells, &shown)
    };
    SuppressedBreakdowns {
        sex: all(&b.sex),
        age_band: all(&b.age_band),
        criteria: all(&b.criteria),
        qualification: all(&b.qualification),
        qpv: all(&b.qpv),
        modality: all(&b.modality),
        contract_type: all(&b.contract_type),
        sector: all(&b.sector),
        buyer: all(&b.buyer),
        contractor: all(&b.contractor),
        clause_kind: all(&b.clause_kind),
    }
}

fn suppress_cells(cells: &[Cell], threshold: i64, persons: Persons) -> Vec<ShownCell> {
    let mut hidden: Vec<bool> = cells
        .iter()
        .map(|c| c.persons > 0 && c.persons < threshold)
        .collect();
    if hidden.contains(&true) {
        while !covered(cells, &hidden, threshold, persons) {
            match next_smallest_shown(cells, &hidden) {
                Some(i) => hidden[i] = true,
                // Every non-empty cell is hidden: nothing is left to subtract from.
                None => break,
            }
        }
    }
    render(cells, &hidden)
}

/// Whether the hidden cells are safe: at least two (one alone is the total minus the others)
/// covering at least `threshold` persons.
fn covered(cells: &[Cell], hidden: &[bool], threshold: i64, persons: Persons) -> bool {
    let hidden_persons = cells
        .iter()
        .zip(hidden)
        .filter(|(_, &h)| h)
        .map(|(c, _)| c.persons);
    let count = hidden.iter().filter(|&&h| h).count();
    let cover = match persons {
        Persons::Split => hidden_persons.sum(),
        Persons::Shared => hidden_persons.max().unwrap_or(0),
    };
    count >= 2 && cover >= threshold
}

/// The shown cell with persons to hide next: fewest persons, then fewest hours, then key.
/// Empty cells are never chosen: hiding them adds no one.
fn next_smallest_shown(cells: &[Cell], hidden: &[bool]) -> Option<usize> {
    cells
        .iter()
        .enumerate()
        .filter(|&(i, c)| !hidden[i] && c.persons > 0)
        .min_by(|(_, a), (_, b)| (a.persons, a.hours, &a.key).cmp(&(b.persons, b.hours, &b.key)))
        .map(|(i, _)| i)
}

fn render(cells: &[Cell], hidden: &[bool]) -> Vec<ShownCell> {
    cells
        .iter()
        .zip(hidden)
        .map(|(c, &h)| ShownCell {
            key: c.key.clone(),
            persons: (!h).then_some(c.persons),
            hours: (!h).then_some(c.hours),
            suppressed: h,
            label: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::NaiveDate;

    use super::*;
    use crate::domain::report::tests::{cells, example_rows, CellRows};
    use crate::domain::report::{compute, FactRow};

    const SPLIT: [&str; 4] = ["sex", "age_band", "qualification", "qpv"];
    const HOURS_ADD_UP: [&str; 10] = [
        "sex",
        "age_band",
        "qualification",
        "qpv",
        "modality",
        "contract_type",
        "sector",
        "buyer",
        "contractor",
        "clause_kind",
    ];

    fn figures_with(beneficiaries: i64, hours: i64, set: impl FnOnce(&mut Breakdowns)) -> Figures {
        let mut f = Figures {
            hours,
            training_hours: 0,
            beneficiaries,
            breakdowns: Breakdowns::default(),
        };
        set(&mut f.breakdowns);
        f
    }

    /// Suppression at the usual threshold of five, checked to leave nothing recoverable.
    fn suppressed_at_five(f: &Figures) -> SuppressedBreakdowns {
        let s = suppress_breakdowns(f, 5).unwrap();
        assert_unrecoverable(f, &s, 5, None);
        s
    }

    fn shown(key: &str, persons: i64, hours: i64) -> ShownCell {
        ShownCell {
            key: key.into(),
            persons: Some(persons),
            hours: Some(hours),
            suppressed: false,
            label: None,
        }
    }

    fn hidden(key: &str) -> ShownCell {
        ShownCell {
            key: key.into(),
            persons: None,
            hours: None,
            suppressed: true,
            label: None,
        }
    }

    fn hidden_keys(cells: &[ShownCell]) -> Vec<&str> {
        cells
            .iter()
            .filter(|c| c.suppressed)
            .map(|c| c.key.as_str())
            .collect()
    }

    /// What a reader of the response can work out for one hidden cell: the total minus the
    /// shown cells. Some((key, value)) when that pins a single hidden cell down.
    fn recover(
        total: i64,
        cells: &[ShownCell],
        value: impl Fn(&ShownCell) -> Option<i64>,
    ) -> Option<(String, i64)> {
        let hidden: Vec<&ShownCell> = cells.iter().filter(|c| c.suppressed).collect();
        let shown: i64 = cells.iter().filter_map(&value).sum();
        match hidden.as_slice() {
            [only] => Some((only.key.clone(), total - shown)),
            _ => None,
        }
    }

    /// Persons behind each key of a breakdown, computed naively from the rows (independent
    /// of `compute`): used to measure the distinct persons the hidden cells cover.
    fn persons_by_key(rows: &[FactRow], name: &str) -> BTreeMap<String, BTreeSet<i64>> {
        let counted: Vec<&FactRow> = rows.iter().filter(|r| r.work + r.training > 0).collect();
        let mut firsts: BTreeMap<i64, &FactRow> = BTreeMap::new();
        for &r in &counted {
            let first = firsts.entry(r.participant_id).or_insert(r);
            if (r.placement_start, r.placement_id) < (first.placement_start, first.placement_id) {
                *first = r;
            }
        }
        let mut out: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
        let person_keys = |r: &FactRow| -> Vec<String> {
            match name {
                "sex" => vec![r.sex.to_string()],
                "age_band" => vec![r.age_band.to_string()],
                "criteria" => r.criteria.iter().map(|c| c.to_string()).collect(),
                "qualification" => vec![r.qualification.to_string()],
                "qpv" => vec![if r.qpv { "qpv" } else { "not_qpv" }.to_string()],
                _ => unreachable!(),
            }
        };
        if ["sex", "age_band", "criteria", "qualification", "qpv"].contains(&name) {
            for (id, r) in firsts {
                for k in person_keys(r) {
                    out.entry(k).or_default().insert(id);
                }
            }
        } else {
            for r in counted {
                let k = match name {
                    "modality" => r.modality.to_string(),
                    "contract_type" => r.contract_type.to_string(),
                    "sector" => r.sector.to_string(),
                    "buyer" => r.buyer_id.to_string(),
                    "contractor" => r.contractor_id.to_string(),
                    "clause_kind" => r.clause_kind.to_string(),
                    _ => unreachable!(),
                };
                out.entry(k).or_default().insert(r.participant_id);
            }
        }
        out
    }

    /// Checks a suppressed response against the figures it came from:
    /// - shown cells carry the true values, and no shown cell has 1 to threshold-1 persons;
    /// - the hidden cells still account for the totals (total minus shown = hidden);
    /// - trying to recover any hidden value by subtraction fails: in each breakdown that adds
    ///   up, zero or at least two cells are hidden;
    /// - the hidden cells cover at least `threshold` distinct persons (measured from the rows
    ///   when given, else by the sum for the breakdowns that split persons).
    fn assert_unrecoverable(
        f: &Figures,
        s: &SuppressedBreakdowns,
        threshold: i64,
        rows: Option<&[FactRow]>,
    ) {
        for ((name, truth), (shown_name, shown)) in f.breakdowns.named().into_iter().zip(s.named())
        {
            assert_eq!(name, shown_name);
            assert_eq!(truth.len(), shown.len(), "{name}");
            if truth.is_empty() {
                continue; // not filled in by a hand-made fixture
            }
            for (t, c) in truth.iter().zip(shown) {
                assert_eq!(t.key, c.key, "{name}");
                if c.suppressed {
                    assert_eq!((c.persons, c.hours), (None, None), "{name}/{}", c.key);
                    assert!(t.persons > 0, "{name}/{}: an empty cell is shown", c.key);
                } else {
                    assert_eq!(
                        (c.persons, c.hours),
                        (Some(t.persons), Some(t.hours)),
                        "{name}/{}",
                        c.key
                    );
                    assert!(
                        t.persons == 0 || t.persons >= threshold,
                        "{name}/{} shows {} persons",
                        c.key,
                        t.persons
                    );
                }
            }
            let hidden: Vec<&Cell> = truth
                .iter()
                .zip(shown)
                .filter(|(_, c)| c.suppressed)
                .map(|(t, _)| t)
                .collect();
            if HOURS_ADD_UP.contains(&name) {
                let hidden_hours: i64 = hidden.iter().map(|c| c.hours).sum();
                let shown_hours: i64 = shown.iter().filter_map(|c| c.hours).sum();
                assert_eq!(shown_hours + hidden_hours, f.hours, "{name}: hours add up");
                assert_eq!(
                    recover(f.hours, shown, |c| c.hours),
                    None,
                    "{name}: hours recovered"
                );
            }
            if SPLIT.contains(&name) {
                let hidden_persons: i64 = hidden.iter().map(|c| c.persons).sum();
                let shown_persons: i64 = shown.iter().filter_map(|c| c.persons).sum();
                assert_eq!(
                    shown_persons + hidden_persons,
                    f.beneficiaries,
                    "{name}: persons add up"
                );
                assert_eq!(
                    recover(f.beneficiaries, shown, |c| c.persons),
                    None,
                    "{name}: persons recovered"
                );
            }
            if hidden.is_empty() {
                continue;
            }
            let everything_hidden = truth
                .iter()
                .zip(shown)
                .all(|(t, c)| c.suppressed || t.persons == 0);
            if name != "criteria" || !everything_hidden {
                assert!(hidden.len() >= 2, "{name}: a single hidden cell");
            }
            let cover = match rows {
                Some(rows) => {
                    let by_key = persons_by_key(rows, name);
                    let union: BTreeSet<i64> = hidden
                        .iter()
                        .flat_map(|c| by_key[&c.key].iter().copied())
                        .collect();
                    union.len() as i64
                }
                None if SPLIT.contains(&name) => hidden.iter().map(|c| c.persons).sum(),
                None => hidden.iter().map(|c| c.persons).max().unwrap_or(0),
            };
            assert!(
                cover >= threshold || (name == "criteria" && everything_hidden),
                "{name}: hidden cells cover {cover} persons"
            );
        }
    }

    #[test]
    fn cells_of_one_to_four_are_hidden_five_shown() {
        for persons in 1..=4 {
            let f = figures_with(25, 2500, |b| {
                b.criteria = cells(&[
                    ("rsa", persons, 100),
                    ("deld", 5, 500),
                    ("senior", 20, 2000),
                ]);
            });
            let s = suppress_breakdowns(&f, 5).unwrap();
            assert!(s.criteria[0].suppressed, "{persons}");
            assert!(!s.criteria[2].suppressed);
        }
        let f = figures_with(25, 2500, |b| {
            b.sex = cells(&[("female", 5, 500), ("male", 20, 2000)])
        });
        assert_eq!(hidden_keys(&suppressed_at_five(&f).sex), Vec::<&str>::new());
    }

    /// The breakdown a worked example fills in.
    type Pick = fn(&mut Breakdowns) -> &mut Vec<Cell>;

    /// What a worked example shows, the breakdown it fills in, the persons and hours in
    /// scope, the breakdown's cells, and the keys hidden at threshold 5.
    type WorkedExample<'a> = (&'a str, Pick, i64, i64, CellRows<'a>, &'a [&'a str]);

    #[test]
    #[rustfmt::skip]
    fn worked_examples_on_one_breakdown_hide_what_cannot_be_shown() {
        // (what it shows, breakdown, persons and hours in scope, its cells, the keys hidden at 5)
        let examples: &[WorkedExample] = &[
            // The empty cell is shown (zero persons); the complementary cell is the smallest
            // other non-empty one. Shown cells carry their true figures (assert_unrecoverable).
            ("small cell hidden, zero shown", |b| &mut b.modality,
             30, 300_000, &[("direct_hire", 20, 200_000), ("geiq", 0, 0), ("insertion_temp_agency", 10, 96_000), ("training", 1, 4_000)],
             &["insertion_temp_agency", "training"]),
            // 2 + 3 persons hidden: at least two cells, five persons, nothing more to hide.
            ("split breakdown: hidden cells summing to the threshold are enough", |b| &mut b.qualification,
             40, 4000, &[("1", 2, 200), ("3", 3, 300), ("4", 15, 1500), ("none", 20, 2000)], &["1", "3"]),
            // One cell of 1 person: alone it is total minus the others; with the 2-person cell
            // still only 3 persons; the 6-person cell (fewer hours than the other 6) makes 9.
            ("complementary rule hides the next smallest until covered", |b| &mut b.qualification,
             43, 4300, &[("1", 1, 100), ("2", 2, 200), ("3", 6, 600), ("4", 6, 500), ("none", 28, 2900)], &["1", "2", "4"]),
            // 3 + 3 persons hidden may be the same three persons working in two modalities:
            // their hours would be recovered for three persons, so a larger cell is hidden too.
            ("placement breakdowns need a large hidden cell", |b| &mut b.modality,
             40, 4000, &[("direct_hire", 30, 3400), ("geiq", 3, 200), ("training", 3, 100), ("temp_agency", 6, 300)],
             &["geiq", "training", "temp_agency"]),
            // Everyone has exactly one criterion, so the cells happen to add up: the reader sees
            // 36 of 40 persons in shown cells and one hidden cell of at most 4 persons, so it
            // holds exactly the 4 others, and the hours would follow by subtraction. Hence the
            // complementary rule on criteria too.
            ("criteria with one criterion each cannot be subtracted out", |b| &mut b.criteria,
             40, 4000, &[("deld", 4, 400), ("rsa", 30, 3000), ("senior", 6, 600)], &["deld", "senior"]),
        ];
        for &(what, pick, beneficiaries, hours, list, expected) in examples {
            let f = figures_with(beneficiaries, hours, |b| *pick(b) = cells(list));
            let s = suppressed_at_five(&f);
            // The other breakdowns are empty: every hidden key is from the one filled in.
            let hidden: Vec<&str> = s.named().into_iter().flat_map(|(_, c)| hidden_keys(c)).collect();
            assert_eq!(hidden, expected, "{what}");
        }
    }

    #[test]
    fn ties_are_broken_by_hours_then_key() {
        let f = figures_with(21, 2100, |b| {
            b.qpv = cells(&[
                ("not_qpv", 8, 800),
                ("qpv", 8, 800),
                ("x", 1, 100),
                ("y", 4, 400),
            ]);
            b.sex = cells(&[("a", 8, 900), ("b", 8, 800), ("c", 1, 100), ("d", 4, 400)]);
        });
        let s = suppress_breakdowns(&f, 5).unwrap();
        // 1 + 4 = 5 persons over two cells: covered without a complementary cell.
        assert_eq!(hidden_keys(&s.qpv), ["x", "y"]);
        let f = figures_with(20, 2000, |b| {
            b.qpv = cells(&[("b", 8, 800), ("a", 8, 800), ("c", 3, 300), ("d", 1, 100)]);
            b.sex = cells(&[("a", 8, 900), ("b", 8, 800), ("c", 3, 300), ("d", 1, 100)]);
        });
        let s = suppress_breakdowns(&f, 5).unwrap();
        let same_persons_and_hours = hidden_keys(&s.qpv);
        assert_eq!(same_persons_and_hours, ["a", "c", "d"], "key a first");
        let same_persons = hidden_keys(&s.sex);
        assert_eq!(same_persons, ["b", "c", "d"], "fewer hours first");
    }

    #[test]
    fn whole_breakdown_suppressed_when_needed() {
        // 7 persons: 3 women and 4 men, both small.
        let f = figures_with(7, 700, |b| {
            b.sex = cells(&[("female", 3, 300), ("male", 4, 400)]);
            // 4 in QPV is small; the other cell must go too, or 7 - 3 would give it away.
            b.qpv = cells(&[("not_qpv", 3, 300), ("qpv", 4, 400)]);
            b.modality = cells(&[("direct_hire", 7, 600), ("training", 2, 100)]);
        });
        let s = suppressed_at_five(&f);
        assert!(s.sex.iter().all(|c| c.suppressed));
        assert!(s.qpv.iter().all(|c| c.suppressed));
        assert!(s.modality.iter().all(|c| c.suppressed));
    }

    #[test]
    fn scope_under_threshold_gives_totals_only() {
        let f = compute(&example_rows());
        assert_eq!(f.beneficiaries, 5);
        assert!(suppress_breakdowns(&f, 6).is_none());
        assert!(suppress_breakdowns(&f, 5).is_some());
        assert!(suppress_breakdowns(&Figures::default(), 1).is_none());
        assert!(suppress_breakdowns(&Figures::default(), 0).is_some());
    }

    #[test]
    fn example_rows_suppressed() {
        let rows = example_rows();
        let f = compute(&rows);
        let s = suppress_breakdowns(&f, 5).unwrap();
        // Five persons: every non-empty cell has fewer than five, except two that have all.
        assert!(s.sex.iter().all(|c| c.suppressed));
        assert!(s.modality.iter().all(|c| c.suppressed));
        assert_unrecoverable(&f, &s, 5, Some(&rows));
        // Threshold 3: still every cell (no cell but one reaches 3, and it must go with them).
        let s = suppress_breakdowns(&f, 3).unwrap();
        assert!(s
            .named()
            .iter()
            .all(|(_, cells)| cells.iter().all(|c| c.suppressed)));
        assert_unrecoverable(&f, &s, 3, Some(&rows));
        // Threshold 2 leaves more to see.
        let s = suppress_breakdowns(&f, 2).unwrap();
        assert_eq!(hidden_keys(&s.sex), Vec::<&str>::new());
        assert_eq!(hidden_keys(&s.qpv), Vec::<&str>::new());
        // under_26 (1 person) hidden, then 26_49 (2 persons, fewer hours than 50_plus).
        assert_eq!(hidden_keys(&s.age_band), ["26_49", "under_26"]);
        // Buyer 101 (1 person), then 102 (2 persons, fewer than 100's 3).
        assert_eq!(
            s.buyer,
            [shown("100", 3, 43075), hidden("101"), hidden("102")]
        );
        assert_unrecoverable(&f, &s, 2, Some(&rows));
        // Threshold 1 hides nothing.
        let s = suppress_breakdowns(&f, 1).unwrap();
        assert_eq!(s, without_suppression(&f.breakdowns));
    }

    #[test]
    fn shared_cells_of_a_filter_follow_the_placement_rule() {
        // Territories: 93 has 3 persons (primary), 95 has 6 (complementary: 3 alone is not
        // covered), 75 has 40 (shown).
        let territories = cells(&[("75", 40, 4000), ("93", 3, 300), ("95", 6, 600)]);
        let s = suppress_shared(&territories, 5);
        assert_eq!(hidden_keys(&s), ["93", "95"]);
        assert_eq!(s[0].persons, Some(40));
        // Nothing small: nothing hidden.
        let territories = cells(&[("75", 40, 4000), ("93", 5, 300)]);
        assert_eq!(
            hidden_keys(&suppress_shared(&territories, 5)),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn suppressed_cells_serialise_with_null_persons_and_hours() {
        let f = figures_with(20, 3000, |b| {
            b.sex = cells(&[("female", 2, 1050), ("male", 18, 1950)])
        });
        let s = suppress_breakdowns(&f, 5).unwrap();
        let v = serde_json::to_value(&s.sex).unwrap();
        assert_eq!(
            v,
            serde_json::json!([
                {"key": "female", "persons": null, "hours": null, "suppressed": true},
                {"key": "male", "persons": null, "hours": null, "suppressed": true},
            ])
        );
        let all = serde_json::to_value(without_suppression(&f.breakdowns).sex).unwrap();
        assert_eq!(
            all[0],
            serde_json::json!({"key": "female", "persons": 2, "hours": 10.5, "suppressed": false})
        );
    }

    /// A small deterministic generator (no dependency): Knuth's MMIX LCG.
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            // Skewed: the first item is likely, the last ones are rare (small cells).
            let i = self
                .below(items.len() as u64)
                .min(self.below(items.len() as u64));
            items[i as usize]
        }
    }

    fn random_rows(g: &mut Lcg) -> Vec<FactRow> {
        let persons = 1 + g.below(40) as i64;
        let mut rows = Vec::new();
        let mut placement = 0;
        for id in 1..=persons {
            let sex = g.pick(&["female", "male"]);
            let qualification = g.pick(&["3", "none", "4", "2", "5", "8"]);
            let qpv = g.below(3) == 0;
            let mut criteria = vec![g
                .pick(&["rsa", "deld", "detld", "senior", "rqth", "ase"])
                .to_string()];
            if g.below(3) == 0 {
                criteria.push(g.pick(&["qpv", "rsa", "single_parent"]).to_string());
            }
            let criteria: std::sync::Arc<[crate::domain::report::Code]> =
                criteria.iter().map(|c| c.as_str().into()).collect();
            for _ in 0..1 + g.below(3) {
                placement += 1;
                let start =
                    NaiveDate::from_ymd_opt(2025, 1 + g.below(12) as u32, 1 + g.below(28) as u32)
                        .unwrap();
                rows.push(FactRow {
                    participant_id: id,
                    placement_id: placement,
                    placement_start: start,
                    sex: sex.into(),
                    age_band: g.pick(&["26_49", "under_26", "50_plus"]).into(),
                    criteria: criteria.clone(),
                    qualification: qualification.into(),
                    qpv,
                    modality: g
                        .pick(&[
                            "direct_hire",
                            "insertion_temp_agency",
                            "geiq",
                            "training",
                            "temp_agency",
                        ])
                        .into(),
                    contract_type: g
                        .pick(&["cddi", "cdd", "temp_mission", "cdi", "apprenticeship"])
                        .into(),
                    sector: g.pick(&["45", "90", "50", "unknown", "77"]).into(),
                    buyer_id: 1 + g.below(6) as i64,
                    contractor_id: 10 + g.below(9) as i64,
                    clause_kind: g
                        .pick(&[
                            "execution_condition",
                            "reserved_contract",
                            "insertion_purpose",
                        ])
                        .into(),
                    work: if g.below(6) == 0 {
                        0
                    } else {
                        g.below(40_000) as i64
                    },
                    training: if g.below(3) == 0 {
                        g.below(5_000) as i64
                    } else {
                        0
                    },
                });
            }
        }
        rows
    }

    #[test]
    fn random_scopes_never_leak() {
        let mut g = Lcg(2025);
        let mut suppressed_responses = 0;
        for _ in 0..400 {
            let rows = random_rows(&mut g);
            let f = compute(&rows);
            // The naive per-key person sets agree with compute's counts.
            for (name, cells) in f.breakdowns.named() {
                let by_key = persons_by_key(&rows, name);
                let counts: Vec<(String, i64)> =
                    cells.iter().map(|c| (c.key.clone(), c.persons)).collect();
                let mut naive: Vec<(String, i64)> = by_key
                    .iter()
                    .map(|(k, v)| (k.clone(), v.len() as i64))
                    .collect();
                if name == "buyer" || name == "contractor" {
                    naive.sort_by_key(|(k, _)| k.parse::<i64>().unwrap());
                }
                assert_eq!(counts, naive, "{name}");
            }
            for threshold in 2..=6 {
                match suppress_breakdowns(&f, threshold) {
                    None => assert!(f.beneficiaries < threshold),
                    Some(s) => {
                        suppressed_responses += 1;
                        assert_unrecoverable(&f, &s, threshold, Some(&rows));
                    }
                }
            }
        }
        assert!(suppressed_responses > 1000);
    }
}
