//! Indicators of the annual impact report (docs/domain.md#annual-report, one section per
//! figure): hours, training hours, beneficiaries and the eleven breakdowns, computed from
//! one fact row per placement; the full-time equivalent, rates and the French headline.
//!
//! Rows whose validated hours (work + training) are zero are ignored everywhere: they name no
//! beneficiary and feed no cell.
//!
//! Breakdowns come in two families:
//! - person attributes (sex, age band, criteria, qualification, QPV): each person falls in
//!   one cell with all their hours. For sex, age band, qualification and QPV the cells add up
//!   to the beneficiaries and to the hours. **The criteria breakdown does not add up**: a
//!   person with several criteria counts, with all their hours, in each of them.
//! - placement attributes (modality, contract type, sector, buyer, contractor, clause kind):
//!   hours are summed per cell and add up to the total hours; `persons` is the number of
//!   distinct persons with hours in the cell, and a person may be in several cells, so
//!   persons do not add up to the beneficiaries.

use std::hash::Hash;
use std::sync::Arc;

use chrono::NaiveDate;
use foldhash::{HashMap, HashMapExt};
use serde::Serialize;

use crate::domain::units::ser_hundredths;

/// A catalogue code of a fact row (`female`, `cddi`, `45`...). A national year is 75,000
/// rows sharing a few dozen codes: the loader interns them (`CodeInterner`), so a row holds
/// shared pointers rather than its own copies.
pub type Code = Arc<str>;

/// Shares one allocation per distinct code (and per distinct list of criteria) among the
/// fact rows of a report.
#[derive(Debug, Default)]
pub struct CodeInterner {
    codes: HashMap<Box<str>, Code>,
    criteria: HashMap<Box<str>, Arc<[Code]>>,
}

impl CodeInterner {
    pub fn code(&mut self, text: &str) -> Code {
        if let Some(code) = self.codes.get(text) {
            return code.clone();
        }
        let code: Code = text.into();
        self.codes.insert(text.into(), code.clone());
        code
    }

    /// The criteria of a person as stored: codes separated by commas.
    pub fn criteria(&mut self, list: &str) -> Arc<[Code]> {
        if let Some(codes) = self.criteria.get(list) {
            return codes.clone();
        }
        let codes: Arc<[Code]> = list
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| self.code(c))
            .collect();
        self.criteria.insert(list.into(), codes.clone());
        codes
    }
}

/// The validated hours of one placement in the period, with what the breakdowns need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactRow {
    pub participant_id: i64,
    pub placement_id: i64,
    pub placement_start: NaiveDate,
    /// `female` or `male`.
    pub sex: Code,
    /// `under_26`, `26_49` or `50_plus`, as stored on the placement at its start.
    pub age_band: Code,
    /// Eligibility criteria codes of the person (a person may have several).
    pub criteria: Arc<[Code]>,
    /// `none` or `1` to `8`.
    pub qualification: Code,
    pub qpv: bool,
    pub modality: Code,
    pub contract_type: Code,
    /// CPV division (two digits) or `unknown`.
    pub sector: Code,
    pub buyer_id: i64,
    pub contractor_id: i64,
    pub clause_kind: Code,
    /// Validated work hours in the period, hundredths.
    pub work: i64,
    /// Validated training hours in the period, hundredths.
    pub training: i64,
}

impl FactRow {
    fn hours(&self) -> i64 {
        self.work.saturating_add(self.training)
    }

    /// Orders a person's placements: earliest start first, then lowest id.
    fn start_order(&self) -> (NaiveDate, i64) {
        (self.placement_start, self.placement_id)
    }
}

/// One cell of a breakdown: persons and hours (hundredths) under one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Cell {
    pub key: String,
    pub persons: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub hours: i64,
}

/// The breakdowns of the report, each sorted by key (buyer and contractor ids numerically).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Breakdowns {
    pub sex: Vec<Cell>,
    pub age_band: Vec<Cell>,
    /// Not additive: a person with several criteria is in several cells.
    pub criteria: Vec<Cell>,
    pub qualification: Vec<Cell>,
    pub qpv: Vec<Cell>,
    pub modality: Vec<Cell>,
    pub contract_type: Vec<Cell>,
    pub sector: Vec<Cell>,
    pub buyer: Vec<Cell>,
    pub contractor: Vec<Cell>,
    pub clause_kind: Vec<Cell>,
}

impl Breakdowns {
    /// The breakdowns with their API names, in the API's order (for renderers).
    pub fn named(&self) -> [(&'static str, &Vec<Cell>); 11] {
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

/// The figures of one scope and period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// Validated work plus training hours, hundredths.
    #[serde(serialize_with = "ser_hundredths")]
    pub hours: i64,
    /// Validated training hours, hundredths (included in `hours`).
    #[serde(serialize_with = "ser_hundredths")]
    pub training_hours: i64,
    /// Distinct persons with hours in the period.
    pub beneficiaries: i64,
    pub breakdowns: Breakdowns,
}

/// What the report knows of one person: their hours in the period and the placement their
/// attributes are read from (the earliest-starting one with hours; tie: lowest id).
struct Person<'a> {
    first: &'a FactRow,
    hours: i64,
}

/// The cells of one breakdown while they are counted, sorted by key at the end. Rows are
/// visited grouped by person, so a cell counts a person when it meets them for the first
/// time in a row (`last`).
struct Tally<K> {
    /// Filled once there are more than [`SCANNED`] cells: until then a row's cell is found
    /// by comparing keys in turn, faster than hashing for the few codes of a reference list.
    index: HashMap<K, usize>,
    /// (key, last person counted, persons, hours)
    cells: Vec<(K, Option<i64>, i64, i64)>,
}

/// Cells a [`Tally`] finds by comparing keys in turn; beyond, by hash (buyers, contractors).
const SCANNED: usize = 16;

impl<K: Copy + Eq + Hash + Ord + ToString> Tally<K> {
    fn new() -> Self {
        Tally {
            index: HashMap::new(),
            cells: Vec::new(),
        }
    }

    fn cell(&mut self, key: K) -> &mut (K, Option<i64>, i64, i64) {
        let cells = &mut self.cells;
        let i = if self.index.is_empty() {
            match cells.iter().position(|c| c.0 == key) {
                Some(i) => i,
                None => {
                    cells.push((key, None, 0, 0));
                    if cells.len() > SCANNED {
                        self.index
                            .extend(cells.iter().enumerate().map(|(i, c)| (c.0, i)));
                    }
                    cells.len() - 1
                }
            }
        } else {
            *self.index.entry(key).or_insert_with(|| {
                cells.push((key, None, 0, 0));
                cells.len() - 1
            })
        };
        &mut self.cells[i]
    }

    /// A person in a person-attribute cell: once, with all their hours, even when the
    /// attribute lists the key twice.
    fn add_person(&mut self, key: K, person: i64, hours: i64) {
        let cell = self.cell(key);
        if cell.1 != Some(person) {
            cell.1 = Some(person);
            cell.2 += 1;
            cell.3 = cell.3.saturating_add(hours);
        }
    }

    /// A placement's hours in a placement-attribute cell; its person counted once per cell.
    fn add_row(&mut self, key: K, person: i64, hours: i64) {
        let cell = self.cell(key);
        if cell.1 != Some(person) {
            cell.1 = Some(person);
            cell.2 += 1;
        }
        cell.3 = cell.3.saturating_add(hours);
    }

    fn into_cells(self) -> Vec<Cell> {
        let mut cells = self.cells;
        cells.sort_unstable_by_key(|c| c.0);
        cells
            .into_iter()
            .map(|(key, _, persons, hours)| Cell {
                key: key.to_string(),
                persons,
                hours,
            })
            .collect()
    }
}

/// Computes the figures from one row per placement with validated hours in the period.
/// A person's attributes (sex, age band, criteria, qualification, QPV) are read from their
/// earliest-starting placement with hours, so rows that disagree cannot split a person.
///
/// One pass over the rows sorted by person (a national year is 75 000 rows): keys are
/// borrowed from the rows, each cell counts a person the first time it meets them.
pub fn compute<'a>(rows: impl IntoIterator<Item = &'a FactRow>) -> Figures {
    let mut counted: Vec<&FactRow> = rows.into_iter().filter(|r| r.hours() > 0).collect();
    counted.sort_unstable_by_key(|r| (r.participant_id, r.start_order()));
    let mut persons: Vec<Person<'_>> = Vec::new();
    for &row in &counted {
        match persons.last_mut() {
            Some(p) if p.first.participant_id == row.participant_id => {
                p.hours = p.hours.saturating_add(row.hours());
            }
            _ => persons.push(Person {
                first: row,
                hours: row.hours(),
            }),
        }
    }
    let (mut sex, mut age_band, mut criteria, mut qualification, mut qpv) = (
        Tally::new(),
        Tally::new(),
        Tally::new(),
        Tally::new(),
        Tally::new(),
    );
    for p in &persons {
        let (who, id, hours) = (p.first, p.first.participant_id, p.hours);
        sex.add_person(&*who.sex, id, hours);
        age_band.add_person(&*who.age_band, id, hours);
        for c in who.criteria.iter() {
            criteria.add_person(&**c, id, hours);
        }
        qualification.add_person(&*who.qualification, id, hours);
        qpv.add_person(qpv_key(who.qpv), id, hours);
    }
    let (mut modality, mut contract_type, mut sector, mut clause_kind) =
        (Tally::new(), Tally::new(), Tally::new(), Tally::new());
    let (mut buyer, mut contractor) = (Tally::new(), Tally::new());
    let (mut hours, mut training_hours) = (0i64, 0i64);
    for &r in &counted {
        let (id, h) = (r.participant_id, r.hours());
        modality.add_row(&*r.modality, id, h);
        contract_type.add_row(&*r.contract_type, id, h);
        sector.add_row(&*r.sector, id, h);
        buyer.add_row(r.buyer_id, id, h);
        contractor.add_row(r.contractor_id, id, h);
        clause_kind.add_row(&*r.clause_kind, id, h);
        hours = hours.saturating_add(h);
        training_hours = training_hours.saturating_add(r.training);
    }
    Figures {
        hours,
        training_hours,
        beneficiaries: persons.len() as i64,
        breakdowns: Breakdowns {
            sex: sex.into_cells(),
            age_band: age_band.into_cells(),
            criteria: criteria.into_cells(),
            qualification: qualification.into_cells(),
            qpv: qpv.into_cells(),
            modality: modality.into_cells(),
            contract_type: contract_type.into_cells(),
            sector: sector.into_cells(),
            buyer: buyer.into_cells(),
            contractor: contractor.into_cells(),
            clause_kind: clause_kind.into_cells(),
        },
    }
}

fn qpv_key(qpv: bool) -> &'static str {
    if qpv {
        "qpv"
    } else {
        "not_qpv"
    }
}

/// Divides, rounding half away from zero (half up for the non-negative figures of reports).
/// None when `denominator` is 0 or the result does not fit.
fn div_round_half_up(numerator: i128, denominator: i128) -> Option<i64> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = (numerator.unsigned_abs(), denominator.unsigned_abs());
    let q = (2 * n + d) / (2 * d);
    let q = i64::try_from(q).ok()?;
    Some(if (numerator < 0) != (denominator < 0) {
        -q
    } else {
        q
    })
}

/// Full-time equivalent in hundredths of an ETP: hours ÷ `fte_hours` (1 607 by default),
/// rounded half up to two decimals. Hundredths of an hour divided by hours give hundredths
/// of an ETP directly. 0 when `fte_hours` is 0 (the configuration refuses it).
pub fn fte(hours_hundredths: i64, fte_hours: u32) -> i64 {
    div_round_half_up(i128::from(hours_hundredths), i128::from(fte_hours)).unwrap_or(0)
}

/// `numerator ÷ denominator` as a percentage with one decimal, in tenths of a percent,
/// rounded half up (e.g. 315 for 31.5 %). None when the denominator is 0.
pub fn rate_tenths(numerator: i64, denominator: i64) -> Option<i64> {
    div_round_half_up(i128::from(numerator) * 1000, i128::from(denominator))
}

/// The achievement rate (docs/domain.md#figure-achievement-rate): the validated hours of
/// clauses that have an hour target over the hours those clauses require, in tenths of a
/// percent. `hours` are all the validated hours of the selection and `without_target` those
/// of clauses without an hour target (a reserved contract, an insertion purpose counted in
/// persons), which require nothing and so must not count towards the rate either. None when
/// nothing is required.
pub fn achievement_rate(hours: i64, without_target: i64, required: i64) -> Option<i64> {
    rate_tenths(hours.saturating_sub(without_target).max(0), required)
}

/// Thousands separator of French numbers: the narrow no-break space (U+202F), as French
/// typography and CLDR's `fr` locale write it; it never breaks a number across lines.
pub const THOUSANDS_SEPARATOR: char = '\u{202F}';

/// An integer the French way: `1 512 340` (narrow no-break spaces), `-1 234`.
pub fn format_int_fr(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() * 2);
    if n < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(THOUSANDS_SEPARATOR);
        }
        out.push(digit);
    }
    out
}

/// Hundredths the French way, always with two decimals: 123450 -> `1 234,50`.
pub fn format_hundredths_fr(n: i64) -> String {
    let abs = n.unsigned_abs();
    let whole = format_int_fr((abs / 100) as i64);
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{whole},{:02}", abs % 100)
}

/// Tenths of a percent the French way: 315 -> `31,5 %` (narrow no-break space before %).
pub fn format_rate_fr(tenths: i64) -> String {
    let abs = tenths.unsigned_abs();
    let whole = format_int_fr((abs / 10) as i64);
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}{whole},{}{THOUSANDS_SEPARATOR}%", abs % 10)
}

/// The period label the headline starts with: `En 2025` for a whole calendar year,
/// otherwise `Du 2025-01 au 2025-06` (months as the API writes them).
pub fn period_label(from: (i32, u32), to: (i32, u32)) -> String {
    let ((from_year, from_month), (to_year, to_month)) = (from, to);
    if from_year == to_year && from_month == 1 && to_month == 12 {
        format!("En {from_year}")
    } else {
        format!("Du {from_year}-{from_month:02} au {to_year}-{to_month:02}")
    }
}

/// The sentence funders quote, e.g. "En 2025, les achats socialement responsables ont
/// généré 1 512 340 heures d'insertion, soit 941 ETP, au bénéfice de 3 046 personnes."
///
/// Hours and ETP are rounded half up to whole numbers; an ETP that rounds to 0 while hours
/// exist is written with two decimals ("0,31 ETP") rather than a misleading "0 ETP".
/// French puts 0 and 1 in the singular ("1 heure", "0 personne"); "ETP" is invariable.
pub fn headline(period_label: &str, hours: i64, fte_hundredths: i64, beneficiaries: i64) -> String {
    let whole_hours = div_round_half_up(i128::from(hours), 100).unwrap_or(0);
    let whole_fte = div_round_half_up(i128::from(fte_hundredths), 100).unwrap_or(0);
    let fte_text = if whole_fte == 0 && fte_hundredths > 0 {
        format_hundredths_fr(fte_hundredths)
    } else {
        format_int_fr(whole_fte)
    };
    let sentence = format!(
        "les achats socialement responsables ont généré {} d'insertion, soit {fte_text} ETP, \
         au bénéfice de {}.",
        counted(whole_hours, "heure", "heures"),
        counted(beneficiaries, "personne", "personnes"),
    );
    let label = period_label.trim();
    if label.is_empty() {
        capitalise(&sentence)
    } else {
        format!("{label}, {sentence}")
    }
}

/// "1 heure", "2 heures": French uses the singular below 2.
fn counted(n: i64, singular: &str, plural: &str) -> String {
    let noun = if n.unsigned_abs() < 2 {
        singular
    } else {
        plural
    };
    format!("{} {noun}", format_int_fr(n))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    // The first, straightforward implementation of `compute` (a map per breakdown, keys
    // cloned), kept as the reference the one-pass version is checked against.
    struct RefPerson<'a> {
        first: &'a FactRow,
        hours: i64,
    }

    pub(crate) fn compute_reference(rows: &[FactRow]) -> Figures {
        let counted: Vec<&FactRow> = rows.iter().filter(|r| r.hours() > 0).collect();
        let persons = persons_of(&counted);
        let breakdowns = Breakdowns {
            sex: person_cells(&persons, |p| vec![p.sex.to_string()]),
            age_band: person_cells(&persons, |p| vec![p.age_band.to_string()]),
            criteria: person_cells(&persons, |p| {
                p.criteria.iter().map(|c| c.to_string()).collect()
            }),
            qualification: person_cells(&persons, |p| vec![p.qualification.to_string()]),
            qpv: person_cells(&persons, |p| vec![qpv_key(p.qpv).to_string()]),
            modality: placement_cells(&counted, |r| r.modality.to_string()),
            contract_type: placement_cells(&counted, |r| r.contract_type.to_string()),
            sector: placement_cells(&counted, |r| r.sector.to_string()),
            buyer: placement_cells(&counted, |r| r.buyer_id),
            contractor: placement_cells(&counted, |r| r.contractor_id),
            clause_kind: placement_cells(&counted, |r| r.clause_kind.to_string()),
        };
        Figures {
            hours: counted
                .iter()
                .fold(0, |acc, r| acc.saturating_add(r.hours())),
            training_hours: counted
                .iter()
                .fold(0, |acc, r| acc.saturating_add(r.training)),
            beneficiaries: persons.len() as i64,
            breakdowns,
        }
    }

    fn persons_of<'a>(rows: &[&'a FactRow]) -> BTreeMap<i64, RefPerson<'a>> {
        let mut persons: BTreeMap<i64, RefPerson<'a>> = BTreeMap::new();
        for &row in rows {
            let person = persons.entry(row.participant_id).or_insert(RefPerson {
                first: row,
                hours: 0,
            });
            if row.start_order() < person.first.start_order() {
                person.first = row;
            }
            person.hours = person.hours.saturating_add(row.hours());
        }
        persons
    }

    /// Cells of a person attribute; `keys` gives the person's cells (several for criteria,
    /// counted once each even if repeated).
    fn person_cells(
        persons: &BTreeMap<i64, RefPerson<'_>>,
        keys: impl Fn(&FactRow) -> Vec<String>,
    ) -> Vec<Cell> {
        let mut cells: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for person in persons.values() {
            let distinct: BTreeSet<String> = keys(person.first).into_iter().collect();
            for key in distinct {
                let cell = cells.entry(key).or_insert((0, 0));
                cell.0 += 1;
                cell.1 = cell.1.saturating_add(person.hours);
            }
        }
        cells
            .into_iter()
            .map(|(key, (persons, hours))| Cell {
                key,
                persons,
                hours,
            })
            .collect()
    }

    /// Cells of a placement attribute, ordered by `K` (ids sort as numbers, codes as text).
    fn placement_cells<K: Ord + ToString>(
        rows: &[&FactRow],
        key: impl Fn(&FactRow) -> K,
    ) -> Vec<Cell> {
        let mut cells: BTreeMap<K, (BTreeSet<i64>, i64)> = BTreeMap::new();
        for &row in rows {
            let cell = cells
                .entry(key(row))
                .or_insert_with(|| (BTreeSet::new(), 0));
            cell.0.insert(row.participant_id);
            cell.1 = cell.1.saturating_add(row.hours());
        }
        cells
            .into_iter()
            .map(|(key, (persons, hours))| Cell {
                key: key.to_string(),
                persons: persons.len() as i64,
                hours,
            })
            .collect()
    }

    const NNBSP: char = '\u{202F}';

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A person's attributes, repeated on each of their rows.
    pub(crate) struct Who {
        pub id: i64,
        pub sex: &'static str,
        pub criteria: &'static [&'static str],
        pub qualification: &'static str,
        pub qpv: bool,
    }

    /// A placement's attributes and hours.
    pub(crate) struct Where {
        pub placement: i64,
        pub start: NaiveDate,
        pub age_band: &'static str,
        pub modality: &'static str,
        pub contract_type: &'static str,
        pub sector: &'static str,
        pub buyer: i64,
        pub contractor: i64,
        pub clause_kind: &'static str,
        pub work: i64,
        pub training: i64,
    }

    pub(crate) fn row(who: &Who, at: Where) -> FactRow {
        FactRow {
            participant_id: who.id,
            placement_id: at.placement,
            placement_start: at.start,
            sex: who.sex.into(),
            age_band: at.age_band.into(),
            criteria: who.criteria.iter().map(|c| Code::from(*c)).collect(),
            qualification: who.qualification.into(),
            qpv: who.qpv,
            modality: at.modality.into(),
            contract_type: at.contract_type.into(),
            sector: at.sector.into(),
            buyer_id: at.buyer,
            contractor_id: at.contractor,
            clause_kind: at.clause_kind.into(),
            work: at.work,
            training: at.training,
        }
    }

    const fn who(
        id: i64,
        sex: &'static str,
        criteria: &'static [&'static str],
        qualification: &'static str,
        qpv: bool,
    ) -> Who {
        Who {
            id,
            sex,
            criteria,
            qualification,
            qpv,
        }
    }

    const P1: Who = who(1, "female", &["rsa", "qpv"], "3", true);
    const P2: Who = who(2, "male", &["deld"], "none", false);
    const P3: Who = who(3, "female", &["rsa"], "4", false);
    const P4: Who = who(4, "male", &["facilitator_opinion"], "3", true);
    const P5: Who = who(5, "female", &["rsa"], "none", false);
    const P6: Who = who(6, "male", &["senior", "rsa", "rsa"], "1", false);

    #[allow(clippy::too_many_arguments)]
    fn at(
        placement: i64,
        start: NaiveDate,
        age_band: &'static str,
        modality: &'static str,
        contract_type: &'static str,
        sector: &'static str,
        (buyer, contractor): (i64, i64),
        clause_kind: &'static str,
        (work, training): (i64, i64),
    ) -> Where {
        Where {
            placement,
            start,
            age_band,
            modality,
            contract_type,
            sector,
            buyer,
            contractor,
            clause_kind,
            work,
            training,
        }
    }

    /// Twelve rows, six persons, computed by hand below.
    /// - P1 works under contractors 200 and 201, on a cdi and a temp mission: counted once;
    ///   age band from placement 11 (earliest with hours), not from placement 12 (earlier,
    ///   but without hours) nor placement 10 (later).
    /// - P2 has work and training on two placements starting the same day.
    /// - P3's two placements start the same day: age band from the lower id (30), although
    ///   the row of 31 comes first.
    /// - P5 has only a zero-hour row: not a beneficiary, in no cell.
    /// - P6 lists `rsa` twice: counted once in it.
    #[rustfmt::skip]
    pub(crate) fn example_rows() -> Vec<FactRow> {
        let ex = "execution_condition";
        vec![
            row(&P1, at(10, date(2025, 3, 1), "26_49", "direct_hire", "cdi", "45", (100, 200), ex, (10000, 0))),
            row(&P1, at(11, date(2025, 1, 15), "under_26", "insertion_temp_agency", "temp_mission", "45", (100, 201), ex, (5000, 1000))),
            row(&P1, at(12, date(2024, 11, 1), "50_plus", "geiq", "cdd", "90", (101, 299), "award_criterion", (0, 0))),
            row(&P2, at(20, date(2025, 2, 1), "50_plus", "direct_hire", "cdd", "45", (100, 200), ex, (20050, 0))),
            row(&P2, at(21, date(2025, 2, 1), "50_plus", "training", "cdd", "45", (100, 200), ex, (0, 3025))),
            row(&P3, at(31, date(2025, 5, 10), "under_26", "subcontract_siae", "cddi", "90", (101, 202), "reserved_contract", (1234, 0))),
            row(&P3, at(30, date(2025, 5, 10), "26_49", "subcontract_siae", "cddi", "90", (101, 202), "reserved_contract", (7000, 0))),
            row(&P4, at(40, date(2025, 4, 1), "26_49", "geiq", "professionalisation", "unknown", (102, 203), ex, (12000, 2000))),
            row(&P5, at(50, date(2025, 1, 1), "under_26", "direct_hire", "cdi", "45", (100, 200), ex, (0, 0))),
            row(&P6, at(60, date(2025, 6, 1), "50_plus", "direct_hire", "cdi", "45", (100, 201), ex, (4000, 0))),
            row(&P6, at(61, date(2025, 7, 1), "50_plus", "temp_agency", "temp_mission", "45", (102, 203), ex, (1550, 0))),
            row(&P4, at(41, date(2025, 9, 1), "26_49", "geiq", "professionalisation", "unknown", (102, 203), ex, (0, 500))),
        ]
    }

    /// Cells written as (key, persons, hours).
    pub(crate) type CellRows<'a> = &'a [(&'a str, i64, i64)];

    pub(crate) fn cells(list: CellRows) -> Vec<Cell> {
        list.iter()
            .map(|&(key, persons, hours)| Cell {
                key: key.into(),
                persons,
                hours,
            })
            .collect()
    }

    #[test]
    fn one_pass_matches_the_reference() {
        let mut rows = example_rows();
        assert_eq!(compute(&rows), compute_reference(&rows));
        rows.reverse();
        assert_eq!(compute(&rows), compute_reference(&rows));
        // Random rows: persons with several placements whose attributes disagree, repeated
        // criteria, zero-hour rows, ties on start dates.
        let mut seed: u64 = 7;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let pick = |list: &[&str], i: u64| Code::from(list[i as usize % list.len()]);
        for round in 0..20 {
            let n = 50 + round * 40;
            let rows: Vec<FactRow> = (0..n)
                .map(|i| FactRow {
                    participant_id: next(n / 3 + 1) as i64,
                    placement_id: i as i64,
                    placement_start: date(2025, 1 + next(12) as u32, 1 + next(3) as u32),
                    sex: pick(&["female", "male"], next(2)),
                    age_band: pick(&["under_26", "26_49", "50_plus"], next(3)),
                    criteria: (0..next(3))
                        .map(|_| pick(&["rsa", "qpv", "deld", "rqth"], next(4)))
                        .collect(),
                    qualification: pick(&["none", "3", "4"], next(3)),
                    qpv: next(2) == 0,
                    modality: pick(&["direct_hire", "geiq", "training"], next(3)),
                    contract_type: pick(&["cdi", "cddi"], next(2)),
                    sector: pick(&["45", "90", "unknown"], next(3)),
                    buyer_id: next(12) as i64,
                    contractor_id: next(30) as i64,
                    clause_kind: pick(&["execution_condition", "award_criterion"], next(2)),
                    work: if next(5) == 0 { 0 } else { next(20000) as i64 },
                    training: if next(3) == 0 { next(500) as i64 } else { 0 },
                })
                .collect();
            assert_eq!(compute(&rows), compute_reference(&rows), "round {round}");
        }
    }

    #[test]
    fn hand_computed_example() {
        // Hours per person: P1 16000, P2 23075, P3 8234, P4 14500, P6 5550.
        let f = compute(&example_rows());
        assert_eq!(f.hours, 67359);
        assert_eq!(f.training_hours, 1000 + 3025 + 2000 + 500);
        assert_eq!(f.beneficiaries, 5);
        // Each breakdown in the API's order, with its cells (key, persons, hours).
        #[rustfmt::skip]
        let expected: [(&str, CellRows); 11] = [
            ("sex", &[("female", 2, 24234), ("male", 3, 43125)]),
            ("age_band", &[("26_49", 2, 8234 + 14500), ("50_plus", 2, 23075 + 5550), ("under_26", 1, 16000)]),
            ("criteria", &[("deld", 1, 23075), ("facilitator_opinion", 1, 14500), ("qpv", 1, 16000),
                           ("rsa", 3, 16000 + 8234 + 5550), ("senior", 1, 5550)]),
            ("qualification", &[("1", 1, 5550), ("3", 2, 30500), ("4", 1, 8234), ("none", 1, 23075)]),
            ("qpv", &[("not_qpv", 3, 36859), ("qpv", 2, 30500)]),
            ("modality", &[("direct_hire", 3, 34050), ("geiq", 1, 14500), ("insertion_temp_agency", 1, 6000),
                           ("subcontract_siae", 1, 8234), ("temp_agency", 1, 1550), ("training", 1, 3025)]),
            ("contract_type", &[("cdd", 1, 23075), ("cddi", 1, 8234), ("cdi", 2, 14000),
                                ("professionalisation", 1, 14500), ("temp_mission", 2, 7550)]),
            ("sector", &[("45", 3, 44625), ("90", 1, 8234), ("unknown", 1, 14500)]),
            ("buyer", &[("100", 3, 43075), ("101", 1, 8234), ("102", 2, 16050)]),
            ("contractor", &[("200", 2, 33075), ("201", 2, 10000), ("202", 1, 8234), ("203", 2, 16050)]),
            ("clause_kind", &[("execution_condition", 4, 59125), ("reserved_contract", 1, 8234)]),
        ];
        for ((name, list), (computed_name, computed)) in
            expected.into_iter().zip(f.breakdowns.named())
        {
            assert_eq!(name, computed_name);
            assert_eq!(*computed, cells(list), "{name}");
        }
    }

    #[test]
    fn additive_breakdowns_add_up_and_criteria_does_not() {
        let f = compute(&example_rows());
        for (name, list) in f.breakdowns.named() {
            let hours: i64 = list.iter().map(|c| c.hours).sum();
            let persons: i64 = list.iter().map(|c| c.persons).sum();
            match name {
                "criteria" => assert!(hours > f.hours && persons > f.beneficiaries),
                "sex" | "age_band" | "qualification" | "qpv" => {
                    assert_eq!((persons, hours), (f.beneficiaries, f.hours), "{name}")
                }
                _ => {
                    assert_eq!(hours, f.hours, "{name}");
                    assert!(persons >= f.beneficiaries, "{name}");
                }
            }
        }
    }

    #[test]
    fn zero_hour_rows_change_nothing() {
        let with: Vec<FactRow> = example_rows();
        let without: Vec<FactRow> = with
            .iter()
            .filter(|r| r.work + r.training > 0)
            .cloned()
            .collect();
        assert_eq!(with.len(), 12);
        assert_eq!(without.len(), 10);
        assert_eq!(compute(&with), compute(&without));
        assert_eq!(compute(&[]), Figures::default());
        let only_zero = compute(&with[2..3]);
        assert_eq!((only_zero.hours, only_zero.beneficiaries), (0, 0));
        assert!(only_zero
            .breakdowns
            .named()
            .iter()
            .all(|(_, list)| list.is_empty()));
    }

    #[test]
    fn row_order_does_not_matter() {
        let mut rows = example_rows();
        let expected = compute(&rows);
        rows.reverse();
        assert_eq!(compute(&rows), expected);
        rows.rotate_left(5);
        assert_eq!(compute(&rows), expected);
    }

    #[test]
    fn training_only_rows_count() {
        #[rustfmt::skip]
        let rows = [row(&P2, at(21, date(2025, 2, 1), "50_plus", "training", "cdd", "45", (1, 1), "x", (0, 700)))];
        let f = compute(&rows);
        assert_eq!((f.hours, f.training_hours, f.beneficiaries), (700, 700, 1));
    }

    #[test]
    fn ids_sort_as_numbers() {
        #[rustfmt::skip]
        let rows = [
            row(&P1, at(1, date(2025, 1, 1), "26_49", "direct_hire", "cdi", "45", (10, 9), "x", (100, 0))),
            row(&P1, at(2, date(2025, 1, 1), "26_49", "direct_hire", "cdi", "45", (9, 10), "x", (100, 0))),
            row(&P1, at(3, date(2025, 1, 1), "26_49", "direct_hire", "cdi", "45", (100, 2), "x", (100, 0))),
        ];
        let f = compute(&rows);
        let keys = |list: &[Cell]| list.iter().map(|c| c.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&f.breakdowns.buyer), ["9", "10", "100"]);
        assert_eq!(keys(&f.breakdowns.contractor), ["2", "9", "10"]);
    }

    #[test]
    fn fte_divides_hours_and_rounds_half_up() {
        // docs/domain.md#figure-headline: 1 512 340 hours ÷ 1 607 = 941.0952… ETP.
        assert_eq!(fte(151_234_000, 1607), 94110);
        // National 2021 figures divide by 1 600: 25 124 684 h -> 15 702.93 (≈ 15 703 ETP).
        assert_eq!(fte(2_512_468_400, 1600), 1_570_293);
        assert_eq!(fte(160_700, 1607), 100);
        assert_eq!(fte(67359, 1607), 42); // 673.59 h = 0.4191… ETP
                                          // Half up: 0.01 h ÷ 2 = 0.005 ETP -> 0.01 ETP.
        assert_eq!(fte(1, 2), 1);
        assert_eq!(fte(3, 2), 2);
        assert_eq!(fte(0, 1607), 0);
        assert_eq!(fte(100, 0), 0);
    }

    #[test]
    fn rate_in_tenths_rounds_half_up_and_is_none_over_zero() {
        assert_eq!(rate_tenths(315, 1000), Some(315));
        assert_eq!(rate_tenths(1, 3), Some(333));
        assert_eq!(rate_tenths(2, 3), Some(667));
        assert_eq!(rate_tenths(1, 8), Some(125)); // 12.5 % exactly
        assert_eq!(rate_tenths(1, 16), Some(63)); // 6.25 % -> 6.3 %
        assert_eq!(rate_tenths(3, 2), Some(1500));
        assert_eq!(rate_tenths(0, 5), Some(0));
        assert_eq!(rate_tenths(5, 0), None);
        assert_eq!(rate_tenths(-1, 16), Some(-63));
    }

    #[test]
    fn achievement_rate_leaves_out_hours_of_clauses_without_a_target() {
        // 300 h on an 833 h clause and 120 h on a reserved contract (no target): 300 ÷ 833
        // = 36.0 %, not 420 ÷ 833 = 50.4 %.
        assert_eq!(achievement_rate(42000, 12000, 83300), Some(360));
        assert_eq!(achievement_rate(42000, 0, 83300), Some(504));
        // Only no-target hours: nothing required, no rate.
        assert_eq!(achievement_rate(12000, 12000, 0), None);
    }

    #[test]
    fn numbers_print_with_french_separators() {
        let s = |t: &str| t.replace(' ', &NNBSP.to_string());
        assert_eq!(format_int_fr(0), "0");
        assert_eq!(format_int_fr(999), "999");
        assert_eq!(format_int_fr(1000), s("1 000"));
        assert_eq!(format_int_fr(1_512_340), s("1 512 340"));
        assert_eq!(format_int_fr(-1234), s("-1 234"));
        assert_eq!(format_int_fr(i64::MIN), s("-9 223 372 036 854 775 808"));
        assert_eq!(format_hundredths_fr(123450), s("1 234,50"));
        assert_eq!(format_hundredths_fr(5), "0,05");
        assert_eq!(format_hundredths_fr(-5), "-0,05");
        assert_eq!(format_hundredths_fr(94110), "941,10");
        assert_eq!(format_rate_fr(315), s("31,5 %"));
    }

    #[test]
    fn period_label_is_the_year_or_the_months() {
        assert_eq!(period_label((2025, 1), (2025, 12)), "En 2025");
        assert_eq!(period_label((2025, 1), (2025, 6)), "Du 2025-01 au 2025-06");
        assert_eq!(period_label((2024, 7), (2025, 6)), "Du 2024-07 au 2025-06");
    }

    #[test]
    fn headline_of_domain_example() {
        let hours = 151_234_000;
        let text = headline("En 2025", hours, fte(hours, 1607), 3046);
        let expected = format!(
            "En 2025, les achats socialement responsables ont généré 1{NNBSP}512{NNBSP}340 heures \
             d'insertion, soit 941 ETP, au bénéfice de 3{NNBSP}046 personnes."
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn headline_rounding_and_singular() {
        // 1.50 h rounds half up to 2 hours; 0.49 h to 0 hours.
        assert_eq!(
            headline("Du 2025-01 au 2025-06", 150, 0, 1),
            "Du 2025-01 au 2025-06, les achats socialement responsables ont généré 2 heures \
             d'insertion, soit 0 ETP, au bénéfice de 1 personne."
        );
        assert_eq!(
            headline("En 2025", 100, 0, 2),
            "En 2025, les achats socialement responsables ont généré 1 heure d'insertion, soit \
             0 ETP, au bénéfice de 2 personnes."
        );
        assert_eq!(
            headline("En 2024", 0, 0, 0),
            "En 2024, les achats socialement responsables ont généré 0 heure d'insertion, soit \
             0 ETP, au bénéfice de 0 personne."
        );
        // 500 h = 0.31 ETP: not "0 ETP". 2 410.50 h -> 1.50 ETP -> 2 ETP.
        assert!(headline("En 2025", 50000, fte(50000, 1607), 1).contains("soit 0,31 ETP"));
        assert!(headline("En 2025", 241050, 150, 1).contains("soit 2 ETP"));
        assert!(headline("", 100, 0, 1).starts_with("Les achats socialement responsables"));
    }
}
