//! Queries of the annual impact report. Each figure is one indexed pass over the maintained
//! aggregates or the placements' snapshot, never a walk over people: validated hours come
//! from `placement_year_totals` for whole calendar years and from the validated figures of
//! `hour_entries` (grouped by placement in SQL) for the months of partial years; every row
//! carries the placement's snapshot, which is what the breakdowns group by.
//!
//! Tenancy: every query filters on `ReportScope::structures` unless it is None, which the
//! API only allows for funders whose scope is a territory (then `territory` is always set)
//! or the whole country.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use crate::db::schema::{
    clause_years, clauses, contract_years, hour_entries, organisations, placement_year_totals,
    placements, structures,
};
use crate::db::Conn;
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::period::{Month, Period};
use crate::domain::report::{CodeInterner, FactRow};
use crate::domain::vocabulary::ClauseKind;

/// What a report covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportScope {
    /// The structures read; None: every structure (a funder with a territory or national
    /// scope).
    pub structures: Option<Vec<StructureId>>,
    /// Département code: placements and clauses whose territory it is; contracts (PNAD)
    /// whose buyer's territory it is.
    pub territory: Option<String>,
    pub buyer_id: Option<OrganisationId>,
    pub contractor_id: Option<OrganisationId>,
    pub clause_kind: Option<ClauseKind>,
}

/// Applies the scope to a boxed query over a table carrying the placement's snapshot
/// (`placements`, joined or not, or `placement_year_totals`): `$t` names that table, and the
/// structure column to filter on is given, since the aggregates carry their own indexed copy.
macro_rules! snapshot_scope {
    ($q:ident, $scope:expr, $t:ident, $structure_col:expr) => {{
        let s: &ReportScope = $scope;
        if let Some(ids) = &s.structures {
            $q = $q.filter($structure_col.eq_any(ids.clone()));
        }
        if let Some(t) = &s.territory {
            $q = $q.filter($t::territory.eq(t.clone()));
        }
        if let Some(b) = s.buyer_id {
            $q = $q.filter($t::buyer_id.eq(b));
        }
        if let Some(c) = s.contractor_id {
            $q = $q.filter($t::contractor_id.eq(c));
        }
        if let Some(k) = &s.clause_kind {
            $q = $q.filter($t::clause_kind.eq(*k));
        }
    }};
}

/// One placement's validated hours with its snapshot, as read from the database.
#[derive(Queryable)]
struct FactDb {
    placement_id: i64,
    participant_id: i64,
    starts_on: NaiveDate,
    sex: String,
    age_band: String,
    criteria: String,
    qualification: String,
    qpv: bool,
    modality: String,
    contract_type: String,
    sector: String,
    buyer_id: i64,
    contractor_id: i64,
    clause_kind: String,
    work: i64,
    training: i64,
}

/// Collects fact rows as the database streams them: codes interned, so a national year
/// holds one copy of each code instead of 600,000 small strings; a placement read from
/// several sources (years, partial months) summed into one row.
struct FactSink {
    interner: CodeInterner,
    rows: Vec<FactRow>,
    /// Row of each placement, when several sources may name it.
    merge: Option<HashMap<i64, usize>>,
}

impl FactSink {
    fn new(many_sources: bool) -> Self {
        FactSink {
            interner: CodeInterner::default(),
            rows: Vec::new(),
            merge: many_sources.then(HashMap::new),
        }
    }

    fn push(&mut self, f: FactDb) {
        if let Some(index) = &mut self.merge {
            if let Some(&i) = index.get(&f.placement_id) {
                let seen = &mut self.rows[i];
                seen.work = seen.work.saturating_add(f.work);
                seen.training = seen.training.saturating_add(f.training);
                return;
            }
            index.insert(f.placement_id, self.rows.len());
        }
        self.rows.push(f.into_row(&mut self.interner));
    }

    /// The rows with hours (zero-hour rows dropped).
    fn into_rows(mut self) -> Vec<FactRow> {
        self.rows.retain(|r| r.work.saturating_add(r.training) > 0);
        self.rows
    }
}

impl FactDb {
    fn into_row(self, i: &mut CodeInterner) -> FactRow {
        let f = self;
        FactRow {
            participant_id: f.participant_id,
            placement_id: f.placement_id,
            placement_start: f.starts_on,
            sex: i.code(&f.sex),
            age_band: i.code(&f.age_band),
            criteria: i.criteria(&f.criteria),
            qualification: i.code(&f.qualification),
            qpv: f.qpv,
            modality: i.code(&f.modality),
            contract_type: i.code(&f.contract_type),
            sector: i.code(&f.sector),
            buyer_id: f.buyer_id,
            contractor_id: f.contractor_id,
            clause_kind: i.code(&f.clause_kind),
            work: f.work,
            training: f.training,
        }
    }
}

/// The snapshot columns of a fact row, in `FactDb` order, before the two hour columns.
macro_rules! snapshot_columns {
    () => {
        (
            placements::id,
            placements::participant_id,
            placements::starts_on,
            placements::sex,
            placements::age_band,
            placements::criteria,
            placements::qualification_level,
            placements::qpv,
            placements::modality,
            placements::contract_type,
            placements::sector,
            placements::buyer_id,
            placements::contractor_id,
            placements::clause_kind,
        )
    };
}

/// The columns of a `placement_year_totals` row in `FactDb` order (inside a `use
/// placement_year_totals as t`).
macro_rules! year_total_columns {
    () => {
        (
            t::placement_id,
            t::participant_id,
            t::starts_on,
            t::sex,
            t::age_band,
            t::criteria,
            t::qualification_level,
            t::qpv,
            t::modality,
            t::contract_type,
            t::sector,
            t::buyer_id,
            t::contractor_id,
            t::clause_kind,
            t::work,
            t::training,
        )
    };
}

/// Validated hours of each placement of whole calendar years, with the snapshot.
fn year_facts(
    conn: &mut Conn,
    scope: &ReportScope,
    years: &[i32],
    sink: &mut FactSink,
) -> QueryResult<()> {
    // Streamed on the concrete connection: a national year is ~75,000 rows. One table, no
    // join: its rows carry the snapshot.
    crate::per_backend!(conn, |c, Streamed| {
        use placement_year_totals as t;
        let mut q = t::table
            .filter(t::year.eq_any(years.to_vec()))
            .select(year_total_columns!())
            .into_boxed();
        snapshot_scope!(
            q,
            scope,
            placement_year_totals,
            placement_year_totals::structure_id
        );
        for fact in q.load_iter::<FactDb, Streamed>(c)? {
            sink.push(fact?);
        }
        Ok(())
    })
}

/// Where a copy of yearly totals read from now on stands: a row written at or after this
/// mark may be unseen by it, a row written before it is seen (migration
/// `2026-12-08-100000_year_totals_written`). PostgreSQL: the `xmin` of a snapshot taken now
/// (every transaction below it had ended); SQLite: the data version (one writer at a time).
/// Taken before the rows are read, so a write committed in between is read again later.
pub fn year_totals_mark(conn: &mut Conn) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Mark {
        #[diesel(sql_type = BigInt)]
        mark: i64,
    }
    let row: Mark = match conn {
        Conn::Pg(c) => diesel::sql_query(
            "SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT) AS mark",
        )
        .get_result(c)?,
        Conn::Sqlite(c) => diesel::sql_query(
            "SELECT CAST(changes + hours_people_changes AS BIGINT) AS mark FROM data_version WHERE slot = 0",
        )
        .get_result(c)?,
    };
    Ok(row.mark)
}

/// One yearly total as a kept copy holds it: its fact row, and the structure and territory
/// a scope filters on.
pub struct KeptFact {
    pub structure_id: i64,
    pub territory: crate::domain::report::Code,
    pub row: FactRow,
}

/// Every yearly total of `year` (whatever its hours or scope), or those written at or after
/// `since` (a [`year_totals_mark`]), streamed to `each` with codes interned in `interner`.
pub fn kept_year_facts(
    conn: &mut Conn,
    year: i32,
    since: Option<i64>,
    interner: &mut CodeInterner,
    mut each: impl FnMut(KeptFact),
) -> QueryResult<()> {
    crate::per_backend!(conn, |c, Streamed| {
        use placement_year_totals as t;
        let mut q = t::table
            .filter(t::year.eq(year))
            .select((t::structure_id, t::territory, year_total_columns!()))
            .into_boxed();
        if let Some(mark) = since {
            q = q.filter(t::written_by.ge(mark));
        }
        for read in q.load_iter::<(i64, String, FactDb), Streamed>(c)? {
            let (structure_id, territory, fact) = read?;
            each(KeptFact {
                structure_id,
                territory: interner.code(&territory),
                row: fact.into_row(interner),
            });
        }
        Ok(())
    })
}

/// The placements of clauses without an hour target in the scope, over the whole history
/// (the first half of [`hours_without_target`], for a kept copy of the year's totals).
pub fn placements_without_target(conn: &mut Conn, scope: &ReportScope) -> QueryResult<Vec<i64>> {
    let mut q = placements::table
        .filter(placements::cancelled_at.is_null())
        .filter(
            placements::clause_id.eq_any(
                clauses::table
                    .filter(clauses::hour_target.eq(false))
                    .select(clauses::id),
            ),
        )
        .select(placements::id)
        .into_boxed();
    snapshot_scope!(q, scope, placements, placements::structure_id);
    q.load(conn)
}

/// Validated hours of each placement in a run of months, summed in SQL, with the snapshot.
/// Only entries with a validated figure count (`validated_work` is set on validation and
/// kept while an amendment waits; pending and rejected figures never count).
fn month_facts(
    conn: &mut Conn,
    scope: &ReportScope,
    from: Month,
    to: Month,
    sink: &mut FactSink,
) -> QueryResult<()> {
    crate::per_backend!(conn, |c, Streamed| {
        let (p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13) = snapshot_columns!();
        let mut q = hour_entries::table
            .inner_join(placements::table)
            .filter(placements::cancelled_at.is_null())
            .filter(hour_entries::month.ge(from))
            .filter(hour_entries::month.le(to))
            .filter(hour_entries::validated_work.is_not_null())
            .group_by(placements::id)
            .select((
                p0,
                p1,
                p2,
                p3,
                p4,
                p5,
                p6,
                p7,
                p8,
                p9,
                p10,
                p11,
                p12,
                p13,
                sql::<BigInt>("CAST(COALESCE(SUM(hour_entries.validated_work), 0) AS BIGINT)"),
                sql::<BigInt>("CAST(COALESCE(SUM(hour_entries.validated_training), 0) AS BIGINT)"),
            ))
            .into_boxed();
        snapshot_scope!(q, scope, placements, hour_entries::structure_id);
        for fact in q.load_iter::<FactDb, Streamed>(c)? {
            sink.push(fact?);
        }
        Ok(())
    })
}

/// One fact row per placement with validated hours in the period (zero-hour rows dropped).
/// A placement with hours both in whole years and in partial ones gets one row, summed.
pub fn fact_rows(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> QueryResult<Vec<FactRow>> {
    let split = period.split();
    let mut sink = FactSink::new(split.whole_years.len() + split.partial.len() > 1);
    if !split.whole_years.is_empty() {
        year_facts(conn, scope, &split.whole_years, &mut sink)?;
    }
    for (from, to) in &split.partial {
        month_facts(conn, scope, *from, *to, &mut sink)?;
    }
    Ok(sink.into_rows())
}

/// Hours (hundredths) and beneficiaries of the scope in a period: the totals only, for the
/// comparison with the previous period and the multi-year trend. A period read from one
/// source (whole years, or the months of one partial year) is summed and counted in SQL;
/// one that mixes them counts each person once across the sources here.
pub fn totals(conn: &mut Conn, scope: &ReportScope, period: &Period) -> QueryResult<(i64, i64)> {
    let split = period.split();
    let persons_sql = "CAST(COUNT(DISTINCT placements.participant_id) AS BIGINT)";
    let entry_hours =
        "COALESCE(hour_entries.validated_work, 0) + COALESCE(hour_entries.validated_training, 0)";
    match (split.whole_years.is_empty(), split.partial.as_slice()) {
        (false, []) => {
            let mut q = placement_year_totals::table
                .filter(placement_year_totals::year.eq_any(split.whole_years.clone()))
                .filter((placement_year_totals::work + placement_year_totals::training).gt(0))
                .select((
                    sql::<BigInt>(
                        "CAST(COALESCE(SUM(placement_year_totals.work + placement_year_totals.training), 0) AS BIGINT)",
                    ),
                    sql::<BigInt>(
                        "CAST(COUNT(DISTINCT placement_year_totals.participant_id) AS BIGINT)",
                    ),
                ))
                .into_boxed();
            snapshot_scope!(
                q,
                scope,
                placement_year_totals,
                placement_year_totals::structure_id
            );
            return q.get_result::<(i64, i64)>(conn);
        }
        (true, [(from, to)]) => {
            let mut q = hour_entries::table
                .inner_join(placements::table)
                .filter(placements::cancelled_at.is_null())
                .filter(hour_entries::month.ge(from))
                .filter(hour_entries::month.le(to))
                .filter(hour_entries::validated_work.is_not_null())
                .filter(sql::<diesel::sql_types::Bool>(&format!(
                    "{entry_hours} > 0"
                )))
                .select((
                    sql::<BigInt>(&format!("CAST(COALESCE(SUM({entry_hours}), 0) AS BIGINT)")),
                    sql::<BigInt>(persons_sql),
                ))
                .into_boxed();
            snapshot_scope!(q, scope, placements, hour_entries::structure_id);
            return q.get_result::<(i64, i64)>(conn);
        }
        _ => {}
    }
    let mut rows: Vec<(i64, i64)> = Vec::new();
    if !split.whole_years.is_empty() {
        let mut q = placement_year_totals::table
            .filter(placement_year_totals::year.eq_any(split.whole_years.clone()))
            .select((
                placement_year_totals::participant_id,
                placement_year_totals::work + placement_year_totals::training,
            ))
            .into_boxed();
        snapshot_scope!(
            q,
            scope,
            placement_year_totals,
            placement_year_totals::structure_id
        );
        rows.extend(q.load::<(i64, i64)>(conn)?);
    }
    for (from, to) in &split.partial {
        let mut q = hour_entries::table
            .inner_join(placements::table)
            .filter(placements::cancelled_at.is_null())
            .filter(hour_entries::month.ge(from))
            .filter(hour_entries::month.le(to))
            .filter(hour_entries::validated_work.is_not_null())
            .select((placements::participant_id, sql::<BigInt>(entry_hours)))
            .into_boxed();
        snapshot_scope!(q, scope, placements, hour_entries::structure_id);
        rows.extend(q.load::<(i64, i64)>(conn)?);
    }
    let mut hours: i64 = 0;
    let mut persons: HashSet<i64> = HashSet::new();
    for (participant, h) in rows {
        if h > 0 {
            hours = hours.saturating_add(h);
            persons.insert(participant);
        }
    }
    Ok((hours, persons.len() as i64))
}

/// Clauses in execution in the period and the hours they require of the scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClauseFigures {
    pub clauses: i64,
    /// Distinct contracts of those clauses.
    pub contracts: i64,
    /// Hundredths of an hour: each clause's hours prorated to the period, summed.
    pub required: i64,
}

/// SQL for `domain::period::prorate` of one kept row of `clause_years`: its `hours` spread
/// evenly over the clause's days (both ends included) times its days inside the period,
/// rounded half up to the hundredth, all of it when the clause lies inside the period.
/// Dates are literals formatted here from `NaiveDate`s (never from input text).
fn prorated_sql(conn: &Conn, period: &Period) -> String {
    let (start, end) = (
        period.start().format("%Y-%m-%d"),
        period.end().format("%Y-%m-%d"),
    );
    let required = "clause_years.hours";
    let (inside, total) = if conn.is_sqlite() {
        (
            format!(
                "(CAST(julianday(MIN(clause_years.ends_on, '{end}')) - julianday(MAX(clause_years.starts_on, '{start}')) AS INTEGER) + 1)"
            ),
            "(CAST(julianday(clause_years.ends_on) - julianday(clause_years.starts_on) AS INTEGER) + 1)"
                .to_string(),
        )
    } else {
        (
            format!(
                "((LEAST(clause_years.ends_on, DATE '{end}') - GREATEST(clause_years.starts_on, DATE '{start}')) + 1)"
            ),
            "((clause_years.ends_on - clause_years.starts_on) + 1)".to_string(),
        )
    };
    // A clause wholly inside the period (the common case) is decided on its dates alone.
    format!(
        "CAST(COALESCE(SUM(CASE WHEN {required} <= 0 THEN 0 \
                                WHEN clause_years.starts_on >= '{start}' AND clause_years.ends_on <= '{end}' THEN {required} \
                                WHEN {inside} >= {total} THEN {required} \
                                ELSE (2 * {required} * {inside} + {total}) / (2 * {total}) END), 0) AS BIGINT)"
    )
}

/// Clauses in execution in the period (active or completed, their dates intersecting it;
/// draft and cancelled clauses are not in execution), their distinct contracts, and the
/// hours they require: each clause's required hours, or a contractor's assignment targets
/// when the scope names a contractor, prorated per clause (`domain::period::prorate`) and
/// summed in SQL: one row out, whatever the number of clauses.
///
/// Read from the rows kept per year (`store::kept_years`), through the key: a calendar year
/// sums the prorated hours kept for it; any other period reads the rows of its years, one
/// per clause (the row of the clause's first year inside the period), and prorates them
/// here. Either way the cost is that of the period's years, not of the history.
pub fn clause_figures(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> QueryResult<ClauseFigures> {
    use chrono::Datelike;
    use clause_years as k;
    let (y0, y1) = (period.start().year(), period.end().year());
    let one_year = period.is_whole_years() && y0 == y1;
    let required = if one_year {
        "CAST(COALESCE(SUM(clause_years.prorated), 0) AS BIGINT)".to_string()
    } else {
        prorated_sql(conn, period)
    };
    let mut q = k::table
        .select((
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
            sql::<BigInt>("CAST(COUNT(DISTINCT clause_years.contract_id) AS BIGINT)"),
            sql::<BigInt>(&required),
        ))
        .into_boxed();
    if one_year {
        q = q.filter(k::year.eq(y0));
    } else {
        q = q
            .filter(k::year.between(y0, y1))
            .filter(
                k::year
                    .eq(y0)
                    .and(k::first_year.le(y0))
                    .or(k::year.gt(y0).and(k::year.eq(k::first_year))),
            )
            .filter(k::starts_on.le(period.end()))
            .filter(k::ends_on.ge(period.start()));
    }
    // The clause's own rows, or those of the contractor's assignments.
    q = match scope.contractor_id {
        None => q.filter(k::assignment_id.eq(0)),
        Some(c) => q
            .filter(k::assignment_id.gt(0))
            .filter(k::contractor_id.eq(c)),
    };
    if let Some(ids) = &scope.structures {
        q = q.filter(k::structure_id.eq_any(ids.clone()));
    }
    if let Some(t) = &scope.territory {
        q = q.filter(k::territory.eq(t.clone()));
    }
    if let Some(kind) = &scope.clause_kind {
        q = q.filter(k::kind.eq(*kind));
    }
    if let Some(b) = scope.buyer_id {
        // Looked up by the contract's key for each row of the period: the buyer is the
        // contract's, whatever corrections it had.
        q = q.filter(sql::<Bool>(&format!(
            "EXISTS (SELECT 1 FROM contracts WHERE contracts.id = clause_years.contract_id \
             AND contracts.buyer_id = {})",
            i64::from(b)
        )));
    }
    let (clauses_n, contracts_n, required) = q.get_result::<(i64, i64, i64)>(conn)?;
    Ok(ClauseFigures {
        clauses: clauses_n,
        contracts: contracts_n,
        required,
    })
}

/// Validated hours (hundredths) in the period of the scope's placements on clauses without
/// an hour target (`clauses.hour_target` false: reserved contracts, insertion purposes
/// counted in persons), which the achievement rate leaves out
/// (docs/domain.md#figure-achievement-rate). Those placements (`ids`, from
/// [`placements_without_target`]: usually none or a few) have their hours read from the same
/// sources as the fact rows.
pub fn hours_without_target(conn: &mut Conn, ids: &[i64], period: &Period) -> QueryResult<i64> {
    let split = period.split();
    let mut total = 0i64;
    // Bounded parameter lists, whatever the number of placements.
    for chunk in ids.chunks(500) {
        if !split.whole_years.is_empty() {
            let sum: i64 = placement_year_totals::table
                .filter(placement_year_totals::placement_id.eq_any(chunk.to_vec()))
                .filter(placement_year_totals::year.eq_any(split.whole_years.clone()))
                .select(sql::<BigInt>(
                    "CAST(COALESCE(SUM(placement_year_totals.work + placement_year_totals.training), 0) AS BIGINT)",
                ))
                .get_result(conn)?;
            total = total.saturating_add(sum);
        }
        for (from, to) in &split.partial {
            let sum: i64 = hour_entries::table
                .filter(hour_entries::placement_id.eq_any(chunk.to_vec()))
                .filter(hour_entries::month.ge(*from))
                .filter(hour_entries::month.le(*to))
                .filter(hour_entries::validated_work.is_not_null())
                .select(sql::<BigInt>(
                    "CAST(COALESCE(SUM(COALESCE(hour_entries.validated_work, 0) + COALESCE(hour_entries.validated_training, 0)), 0) AS BIGINT)",
                ))
                .get_result(conn)?;
            total = total.saturating_add(sum);
        }
    }
    Ok(total)
}

/// A count of placements and the distinct persons behind them (what a funder's threshold
/// is measured on).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    pub placements: i64,
    pub persons: i64,
}

/// Employment contracts signed in the period: placements starting in it, except those of
/// the `training` modality (training towards the job is not an employment contract), and
/// the distinct persons who signed them.
pub fn employment_contracts(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> QueryResult<Counted> {
    let mut q = placements::table
        .filter(placements::starts_on.ge(period.start()))
        .filter(placements::starts_on.le(period.end()))
        .filter(placements::modality.ne("training"))
        .filter(placements::cancelled_at.is_null())
        .select((
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
            sql::<BigInt>("CAST(COUNT(DISTINCT placements.participant_id) AS BIGINT)"),
        ))
        .into_boxed();
    snapshot_scope!(q, scope, placements, placements::structure_id);
    let (placements, persons) = q.get_result::<(i64, i64)>(conn)?;
    Ok(Counted {
        placements,
        persons,
    })
}

/// Exits in the period by outcome: placements whose exit date falls in it, and the distinct
/// persons who left. An exit without an outcome counts as `other`; where several stored
/// values fall into one outcome, its persons are the largest of their distinct counts (a
/// sure lower bound, so that a threshold on it never shows too few persons).
pub fn exits(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> QueryResult<BTreeMap<String, Counted>> {
    let mut q = placements::table
        .filter(placements::exit_on.ge(period.start()))
        .filter(placements::exit_on.le(period.end()))
        .filter(placements::cancelled_at.is_null())
        .group_by(placements::exit_outcome)
        .select((
            placements::exit_outcome,
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
            sql::<BigInt>("CAST(COUNT(DISTINCT placements.participant_id) AS BIGINT)"),
        ))
        .into_boxed();
    snapshot_scope!(q, scope, placements, placements::structure_id);
    let rows: Vec<(Option<String>, i64, i64)> = q.load(conn)?;
    let mut out: BTreeMap<String, Counted> = BTreeMap::new();
    for (outcome, n, persons) in rows {
        let c = out
            .entry(outcome.unwrap_or_else(|| "other".into()))
            .or_default();
        c.placements += n;
        c.persons = c.persons.max(persons);
    }
    Ok(out)
}

/// What the cells of `year_cells` are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellsBy {
    /// The département of each placement: the cells a territory filter is judged on.
    Territory,
    /// The structure (its id as the key): the cells a `structure_id` is judged on.
    Structure,
}

/// Persons and hours of each territory or structure of the scope in whole calendar years,
/// read from the maintained per-year totals (one grouped pass), in the order of the key.
pub fn year_cells(
    conn: &mut Conn,
    scope: &ReportScope,
    years: &[i32],
    by: CellsBy,
) -> QueryResult<Vec<crate::domain::report::Cell>> {
    use placement_year_totals as t;
    // The same query grouped by one column or the other (their types differ).
    macro_rules! cells {
        ($column:expr, $key:ty) => {{
            let mut q = t::table
                .filter(t::year.eq_any(years.to_vec()))
                .filter((t::work + t::training).gt(0))
                .group_by($column)
                .select((
                    $column,
                    sql::<BigInt>(
                        "CAST(COUNT(DISTINCT placement_year_totals.participant_id) AS BIGINT)",
                    ),
                    sql::<BigInt>(
                        "CAST(COALESCE(SUM(placement_year_totals.work + placement_year_totals.training), 0) AS BIGINT)",
                    ),
                ))
                .into_boxed();
            snapshot_scope!(q, scope, placement_year_totals, t::structure_id);
            let mut rows: Vec<($key, i64, i64)> = q.load(conn)?;
            rows.sort();
            rows.into_iter()
                .map(|(key, persons, hours)| crate::domain::report::Cell {
                    key: key.to_string(),
                    persons,
                    hours,
                })
                .collect()
        }};
    }
    Ok(match by {
        CellsBy::Territory => cells!(t::territory, String),
        CellsBy::Structure => cells!(t::structure_id, i64),
    })
}

/// Per buyer, the contracts notified in the period, those with a social consideration and
/// those with an environmental one, for the national purchasing plan indicators
/// (docs/domain.md#figure-pnad-share); every contract counts, imported ones included. Read
/// from the rows kept per notification year (`store::kept_years`), whose flags are
/// `domain::pnad::has_social_consideration` and `has_environmental_consideration`, kept
/// with every write of the contract and its clauses; grouped in SQL over the period's years
/// of the key. A contract recorded by two structures (the same buyer's DECP file imported
/// by both) counts once in each: merging them across structures cost more than the rest of
/// a national report together (a distinct count over 150,000 keys), for a case that should
/// stay rare.
pub fn pnad_by_buyer(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> QueryResult<Vec<PnadBuyerRow>> {
    use chrono::Datelike;
    use contract_years as k;
    let (first, last) = (period.start().year(), period.end().year());
    let mut q = k::table
        .filter(k::notified_on.ge(period.start()))
        .filter(k::notified_on.le(period.end()))
        .group_by(k::buyer_id)
        .select((
            k::buyer_id,
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
            sql::<BigInt>(
                "CAST(COALESCE(SUM(CASE WHEN contract_years.social THEN 1 ELSE 0 END), 0) AS BIGINT)",
            ),
            sql::<BigInt>(
                "CAST(COALESCE(SUM(CASE WHEN contract_years.environmental THEN 1 ELSE 0 END), 0) AS BIGINT)",
            ),
        ))
        .into_boxed();
    // One year (the usual case) as an equality: the rows then come in buyer order from the
    // index `contract_years_buyers`, with no sort to group them.
    q = if first == last {
        q.filter(k::year.eq(first))
    } else {
        q.filter(k::year.between(first, last))
    };
    if let Some(ids) = &scope.structures {
        q = q.filter(k::structure_id.eq_any(ids.clone()));
    }
    // The buyer's territory and the contract's holders, looked up by key for each row of the
    // period (not a list of every contract or organisation of the history).
    if let Some(t) = &scope.territory {
        q = q.filter(
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM organisations WHERE organisations.id = \
                 contract_years.buyer_id AND organisations.territory = ",
            )
            .bind::<Text, _>(t.clone())
            .sql(")"),
        );
    }
    if let Some(b) = scope.buyer_id {
        q = q.filter(k::buyer_id.eq(b));
    }
    if let Some(c) = scope.contractor_id {
        q = q.filter(sql::<Bool>(&format!(
            "EXISTS (SELECT 1 FROM contract_holders WHERE contract_holders.contract_id = \
             contract_years.contract_id AND contract_holders.organisation_id = {})",
            i64::from(c)
        )));
    }
    let rows: Vec<(i64, i64, i64, i64)> = q.load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let names = crate::store::names::organisation_names_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(buyer_id, notified, social, environmental)| PnadBuyerRow {
            buyer_id,
            buyer_name: names
                .get(&buyer_id)
                .cloned()
                .unwrap_or_else(|| buyer_id.to_string()),
            counts: crate::domain::pnad::Counts {
                notified,
                social,
                environmental,
            },
        })
        .collect())
}

/// One buyer's PNAD counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PnadBuyerRow {
    pub buyer_id: i64,
    pub buyer_name: String,
    pub counts: crate::domain::pnad::Counts,
}

/// Whether a structure exists.
pub fn structure_exists(conn: &mut Conn, id: StructureId) -> QueryResult<bool> {
    Ok(structures::table
        .filter(structures::id.eq(id))
        .select(structures::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// The département of a structure, when recorded.
pub fn structure_territory(conn: &mut Conn, id: StructureId) -> QueryResult<Option<String>> {
    Ok(structures::table
        .filter(structures::id.eq(id))
        .select(structures::territory)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// The name of a structure.
pub fn structure_name(conn: &mut Conn, id: StructureId) -> QueryResult<Option<String>> {
    structures::table
        .filter(structures::id.eq(id))
        .select(structures::name)
        .first(conn)
        .optional()
}

/// The structure an organisation belongs to.
pub fn organisation_structure(
    conn: &mut Conn,
    id: OrganisationId,
) -> QueryResult<Option<StructureId>> {
    organisations::table
        .filter(organisations::id.eq(id))
        .select(organisations::structure_id)
        .first(conn)
        .optional()
}

/// What the report page's filter form offers for a scope (the caller's, before any filter):
/// the first year with validated hours, and the territories, buyers and contractors that
/// have some, each read from the yearly aggregates in one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterChoices {
    pub first_year: Option<i32>,
    pub territories: Vec<String>,
    pub buyers: Vec<i64>,
    pub contractors: Vec<i64>,
}

/// The filter choices of `scope` (its structures and territory; its other filters are not
/// applied, so that a choice already made does not hide the others).
pub fn filter_choices(conn: &mut Conn, scope: &ReportScope) -> QueryResult<FilterChoices> {
    let base = ReportScope {
        structures: scope.structures.clone(),
        territory: scope.territory.clone(),
        ..ReportScope::default()
    };
    let with_hours = (placement_year_totals::work + placement_year_totals::training).gt(0);
    let mut q = placement_year_totals::table
        .filter(with_hours)
        .select(diesel::dsl::min(placement_year_totals::year))
        .into_boxed();
    snapshot_scope!(
        q,
        &base,
        placement_year_totals,
        placement_year_totals::structure_id
    );
    let first_year = q.get_result::<Option<i32>>(conn)?;
    let mut q = placement_year_totals::table
        .filter(with_hours)
        .select(placement_year_totals::territory)
        .distinct()
        .into_boxed();
    snapshot_scope!(
        q,
        &base,
        placement_year_totals,
        placement_year_totals::structure_id
    );
    let mut territories = q.load::<String>(conn)?;
    territories.sort();
    let mut q = placement_year_totals::table
        .filter(with_hours)
        .select(placement_year_totals::buyer_id)
        .distinct()
        .into_boxed();
    snapshot_scope!(
        q,
        &base,
        placement_year_totals,
        placement_year_totals::structure_id
    );
    let buyers = q.load::<i64>(conn)?;
    let mut q = placement_year_totals::table
        .filter(with_hours)
        .select(placement_year_totals::contractor_id)
        .distinct()
        .into_boxed();
    snapshot_scope!(
        q,
        &base,
        placement_year_totals,
        placement_year_totals::structure_id
    );
    let contractors = q.load::<i64>(conn)?;
    Ok(FilterChoices {
        first_year,
        territories,
        buyers,
        contractors,
    })
}
