//! A calendar year's fact rows kept in memory (issue 21): the first report of a year reads its
//! yearly totals once (a national year is about 75,000 rows); every report after that reads
//! only the totals written since (`store::year_totals_mark`, migration
//! `2026-12-08-100000_year_totals_written`), so the first report after a validation reads one
//! row instead of the year. The copy is exact: a total written by a transaction it may not have
//! seen is read again, and totals are never deleted. Each instance keeps its own copy and
//! brings it up to date from the database, so instances sharing PostgreSQL agree.
//!
//! A scope is applied here, to the copy, as `store::reports` applies it in SQL.

use std::collections::HashMap;

use foldhash::HashMap as FastMap;
use std::sync::{Arc, Mutex};

use crate::db::Conn;
use crate::domain::report::{Code, CodeInterner, FactRow};
use crate::store::reports::{self as store, KeptFact, ReportScope};
use diesel::QueryResult;

/// Years kept at most (a report reads its year and the one before; a few funders may look
/// at other years): about 15 MB each nationally.
const MAX_YEARS: usize = 4;

/// The yearly totals of one year, with what a scope filters on.
#[derive(Clone, Default)]
pub struct YearFacts {
    rows: Vec<FactRow>,
    /// Structure and territory of each row, in the order of `rows`.
    places: Vec<(i64, Code)>,
    /// Position of each placement's row.
    index: FastMap<i64, usize>,
    interner: Arc<Mutex<CodeInterner>>,
}

impl YearFacts {
    fn put(&mut self, fact: KeptFact) {
        let place = (fact.structure_id, fact.territory);
        match self.index.get(&fact.row.placement_id) {
            Some(&i) => {
                self.rows[i] = fact.row;
                self.places[i] = place;
            }
            None => {
                self.index.insert(fact.row.placement_id, self.rows.len());
                self.rows.push(fact.row);
                self.places.push(place);
            }
        }
    }

    /// The rows of the scope (zero-hour rows included: the figures skip them).
    pub fn in_scope<'a>(&'a self, scope: &'a ReportScope) -> impl Iterator<Item = &'a FactRow> {
        let kind = scope.clause_kind.map(|k| k.as_str());
        self.rows
            .iter()
            .zip(&self.places)
            .filter(move |(row, (structure, territory))| {
                scope
                    .structures
                    .as_ref()
                    .is_none_or(|ids| ids.iter().any(|id| id.0 == *structure))
                    && scope.territory.as_deref().is_none_or(|t| t == &**territory)
                    && scope.buyer_id.is_none_or(|b| b.0 == row.buyer_id)
                    && scope.contractor_id.is_none_or(|c| c.0 == row.contractor_id)
                    && kind.is_none_or(|k| k == &*row.clause_kind)
            })
            .map(|(row, _)| row)
    }

    /// Hours (hundredths) and distinct persons of the scope, rows with hours only (what
    /// `store::reports::totals` counts for a whole year).
    pub fn totals(&self, scope: &ReportScope) -> (i64, i64) {
        let mut hours = 0i64;
        let mut persons: Vec<i64> = Vec::new();
        for row in self.in_scope(scope) {
            let h = row.work.saturating_add(row.training);
            if h > 0 {
                hours = hours.saturating_add(h);
                persons.push(row.participant_id);
            }
        }
        persons.sort_unstable();
        persons.dedup();
        (hours, persons.len() as i64)
    }

    /// Hours (hundredths) of the given placements this year.
    pub fn hours_of(&self, placements: &[i64]) -> i64 {
        placements
            .iter()
            .filter_map(|p| self.index.get(p))
            .map(|&i| self.rows[i].work.saturating_add(self.rows[i].training))
            .fold(0i64, i64::saturating_add)
    }
}

struct Kept {
    /// Rows written at or after it may be missing from `facts`.
    mark: i64,
    facts: Arc<YearFacts>,
    last_used: u64,
}

/// The kept years of this instance.
#[derive(Default)]
pub struct YearFactsCache {
    years: Mutex<HashMap<i32, Kept>>,
    /// One reader brings the copies up to date at a time, so a year is read whole once.
    turn: Mutex<u64>,
}

impl YearFactsCache {
    /// The yearly totals of `year` as committed now, read whole the first time and brought
    /// up to date from the rows written since after that.
    pub fn year(&self, conn: &mut Conn, year: i32) -> QueryResult<Arc<YearFacts>> {
        let mut turn = self.turn.lock().unwrap_or_else(|p| p.into_inner());
        *turn += 1;
        let used = *turn;
        let mark = store::year_totals_mark(conn)?;
        let kept = self.take(year);
        let (facts, since) = match kept {
            Some(k) => (k.facts, Some(k.mark)),
            None => (Arc::new(YearFacts::default()), None),
        };
        let mut changed: Vec<KeptFact> = Vec::new();
        let interner = facts.interner.clone();
        {
            let mut interner = interner.lock().unwrap_or_else(|p| p.into_inner());
            store::kept_year_facts(conn, year, since, &mut interner, |f| changed.push(f))?;
        }
        let mut facts = facts;
        if !changed.is_empty() {
            // Copied only when a report still reads the previous state.
            let year_facts = Arc::make_mut(&mut facts);
            for f in changed {
                year_facts.put(f);
            }
        }
        let mut years = self.years.lock().unwrap_or_else(|p| p.into_inner());
        years.insert(
            year,
            Kept {
                mark,
                facts: facts.clone(),
                last_used: used,
            },
        );
        while years.len() > MAX_YEARS {
            let oldest = years
                .iter()
                .min_by_key(|(_, k)| k.last_used)
                .map(|(y, _)| *y);
            match oldest {
                Some(y) => years.remove(&y),
                None => break,
            };
        }
        Ok(facts)
    }

    fn take(&self, year: i32) -> Option<Kept> {
        let mut years = self.years.lock().unwrap_or_else(|p| p.into_inner());
        years.remove(&year)
    }
}
