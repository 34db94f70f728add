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
use diesel::sql_types::BigInt;

use crate::db::schema::{
    assignments, clauses, contract_holders, contracts, hour_entries, organisations,
    placement_year_totals, placements, structures,
};
use crate::db::Conn;
use crate::domain::period::{Month, Period};
use crate::domain::report::FactRow;
use crate::error::ApiError;

/// What a report covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportScope {
    /// The structures read; None: every structure (a funder with a territory or national
    /// scope).
    pub structures: Option<Vec<i64>>,
    /// Département code: placements and clauses whose territory it is; contracts (PNAD)
    /// whose buyer's territory it is.
    pub territory: Option<String>,
    pub buyer_id: Option<i64>,
    pub contractor_id: Option<i64>,
    pub clause_kind: Option<String>,
}

/// Applies the scope to a boxed query over `placements` (joined or not): the structure
/// column to filter on is given, since the aggregates carry their own indexed copy.
macro_rules! placement_scope {
    ($q:ident, $scope:expr, $structure_col:expr) => {{
        let s: &ReportScope = $scope;
        if let Some(ids) = &s.structures {
            $q = $q.filter($structure_col.eq_any(ids.clone()));
        }
        if let Some(t) = &s.territory {
            $q = $q.filter(placements::territory.eq(t.clone()));
        }
        if let Some(b) = s.buyer_id {
            $q = $q.filter(placements::buyer_id.eq(b));
        }
        if let Some(c) = s.contractor_id {
            $q = $q.filter(placements::contractor_id.eq(c));
        }
        if let Some(k) = &s.clause_kind {
            $q = $q.filter(placements::clause_kind.eq(k.clone()));
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

impl FactDb {
    fn into_row(self) -> FactRow {
        FactRow {
            participant_id: self.participant_id,
            placement_id: self.placement_id,
            placement_start: self.starts_on,
            sex: self.sex,
            age_band: self.age_band,
            criteria: self
                .criteria
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
            qualification: self.qualification,
            qpv: self.qpv,
            modality: self.modality,
            contract_type: self.contract_type,
            sector: self.sector,
            buyer_id: self.buyer_id,
            contractor_id: self.contractor_id,
            clause_kind: self.clause_kind,
            work: self.work,
            training: self.training,
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

/// Validated hours of each placement of whole calendar years, with the snapshot.
fn year_facts(conn: &mut Conn, scope: &ReportScope, years: &[i32]) -> QueryResult<Vec<FactDb>> {
    let (p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13) = snapshot_columns!();
    let mut q = placement_year_totals::table
        .inner_join(placements::table)
        .filter(placement_year_totals::year.eq_any(years.to_vec()))
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
            placement_year_totals::work,
            placement_year_totals::training,
        ))
        .into_boxed();
    placement_scope!(q, scope, placement_year_totals::structure_id);
    q.load::<FactDb>(conn)
}

/// Validated hours of each placement in a run of months, summed in SQL, with the snapshot.
/// Only entries with a validated figure count (`validated_work` is set on validation and
/// kept while an amendment waits; pending and rejected figures never count).
fn month_facts(
    conn: &mut Conn,
    scope: &ReportScope,
    from: Month,
    to: Month,
) -> QueryResult<Vec<FactDb>> {
    let (p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13) = snapshot_columns!();
    let mut q = hour_entries::table
        .inner_join(placements::table)
        .filter(hour_entries::month.ge(from.to_string()))
        .filter(hour_entries::month.le(to.to_string()))
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
    placement_scope!(q, scope, hour_entries::structure_id);
    q.load::<FactDb>(conn)
}

/// One fact row per placement with validated hours in the period (zero-hour rows dropped).
/// A placement with hours both in whole years and in partial ones gets one row, summed.
pub fn fact_rows(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> Result<Vec<FactRow>, ApiError> {
    let split = period.split();
    let mut facts = Vec::new();
    if !split.whole_years.is_empty() {
        facts.extend(year_facts(conn, scope, &split.whole_years)?);
    }
    for (from, to) in &split.partial {
        facts.extend(month_facts(conn, scope, *from, *to)?);
    }
    let many_sources = split.whole_years.len() + split.partial.len() > 1;
    let rows: Vec<FactRow> = if many_sources {
        let mut by_placement: BTreeMap<i64, FactDb> = BTreeMap::new();
        for f in facts {
            match by_placement.get_mut(&f.placement_id) {
                Some(seen) => {
                    seen.work = seen.work.saturating_add(f.work);
                    seen.training = seen.training.saturating_add(f.training);
                }
                None => {
                    by_placement.insert(f.placement_id, f);
                }
            }
        }
        by_placement.into_values().map(FactDb::into_row).collect()
    } else {
        facts.into_iter().map(FactDb::into_row).collect()
    };
    Ok(rows
        .into_iter()
        .filter(|r| r.work.saturating_add(r.training) > 0)
        .collect())
}

/// Hours (hundredths) and beneficiaries of the scope in a period: the totals only, for the
/// comparison with the previous period and the multi-year trend.
pub fn totals(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> Result<(i64, i64), ApiError> {
    let split = period.split();
    let mut rows: Vec<(i64, i64)> = Vec::new();
    if !split.whole_years.is_empty() {
        let mut q = placement_year_totals::table
            .inner_join(placements::table)
            .filter(placement_year_totals::year.eq_any(split.whole_years.clone()))
            .select((
                placements::participant_id,
                placement_year_totals::work + placement_year_totals::training,
            ))
            .into_boxed();
        placement_scope!(q, scope, placement_year_totals::structure_id);
        rows.extend(q.load::<(i64, i64)>(conn)?);
    }
    for (from, to) in &split.partial {
        let mut q = hour_entries::table
            .inner_join(placements::table)
            .filter(hour_entries::month.ge(from.to_string()))
            .filter(hour_entries::month.le(to.to_string()))
            .filter(hour_entries::validated_work.is_not_null())
            .select((
                placements::participant_id,
                sql::<BigInt>(
                    "COALESCE(hour_entries.validated_work, 0) + COALESCE(hour_entries.validated_training, 0)",
                ),
            ))
            .into_boxed();
        placement_scope!(q, scope, hour_entries::structure_id);
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

/// A clause in execution in the period, with the hours it requires of the scope: the
/// clause's required hours, or a contractor's target when the scope names a contractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseSpan {
    pub clause_id: i64,
    pub contract_id: i64,
    /// Hundredths of an hour, for the whole clause.
    pub required: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Clauses in execution in the period: active or completed, their dates intersecting it.
/// Draft and cancelled clauses are not in execution.
pub fn clauses_in_execution(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> Result<Vec<ClauseSpan>, ApiError> {
    let statuses = vec!["active".to_string(), "completed".to_string()];
    let rows: Vec<(i64, i64, i64, NaiveDate, NaiveDate)> = match scope.contractor_id {
        None => {
            let mut q = clauses::table
                .inner_join(contracts::table)
                .filter(clauses::status.eq_any(statuses))
                .filter(clauses::starts_on.le(period.end()))
                .filter(clauses::ends_on.ge(period.start()))
                .select((
                    clauses::id,
                    clauses::contract_id,
                    clauses::required_hours,
                    clauses::starts_on,
                    clauses::ends_on,
                ))
                .into_boxed();
            if let Some(ids) = &scope.structures {
                q = q.filter(clauses::structure_id.eq_any(ids.clone()));
            }
            if let Some(t) = &scope.territory {
                q = q.filter(clauses::territory.eq(t.clone()));
            }
            if let Some(k) = &scope.clause_kind {
                q = q.filter(clauses::kind.eq(k.clone()));
            }
            if let Some(b) = scope.buyer_id {
                q = q.filter(contracts::buyer_id.eq(b));
            }
            q.load(conn)?
        }
        Some(contractor) => {
            let mut q = assignments::table
                .inner_join(clauses::table.inner_join(contracts::table))
                .filter(assignments::contractor_id.eq(contractor))
                .filter(clauses::status.eq_any(statuses))
                .filter(clauses::starts_on.le(period.end()))
                .filter(clauses::ends_on.ge(period.start()))
                .select((
                    clauses::id,
                    clauses::contract_id,
                    assignments::hours_target,
                    clauses::starts_on,
                    clauses::ends_on,
                ))
                .into_boxed();
            if let Some(ids) = &scope.structures {
                q = q.filter(clauses::structure_id.eq_any(ids.clone()));
            }
            if let Some(t) = &scope.territory {
                q = q.filter(clauses::territory.eq(t.clone()));
            }
            if let Some(k) = &scope.clause_kind {
                q = q.filter(clauses::kind.eq(k.clone()));
            }
            if let Some(b) = scope.buyer_id {
                q = q.filter(contracts::buyer_id.eq(b));
            }
            q.load(conn)?
        }
    };
    Ok(rows
        .into_iter()
        .map(
            |(clause_id, contract_id, required, starts_on, ends_on)| ClauseSpan {
                clause_id,
                contract_id,
                required,
                starts_on,
                ends_on,
            },
        )
        .collect())
}

/// Employment contracts signed in the period: placements starting in it, except those of
/// the `training` modality (training towards the job is not an employment contract).
pub fn employment_contracts(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> Result<i64, ApiError> {
    let mut q = placements::table
        .filter(placements::starts_on.ge(period.start()))
        .filter(placements::starts_on.le(period.end()))
        .filter(placements::modality.ne("training"))
        .count()
        .into_boxed();
    placement_scope!(q, scope, placements::structure_id);
    Ok(q.get_result(conn)?)
}

/// Exits in the period by outcome: placements whose exit date falls in it. An exit without
/// an outcome counts as `other`.
pub fn exits(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> Result<BTreeMap<String, i64>, ApiError> {
    let mut q = placements::table
        .filter(placements::exit_on.ge(period.start()))
        .filter(placements::exit_on.le(period.end()))
        .group_by(placements::exit_outcome)
        .select((placements::exit_outcome, diesel::dsl::count_star()))
        .into_boxed();
    placement_scope!(q, scope, placements::structure_id);
    let rows: Vec<(Option<String>, i64)> = q.load(conn)?;
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for (outcome, n) in rows {
        *out.entry(outcome.unwrap_or_else(|| "other".into()))
            .or_insert(0) += n;
    }
    Ok(out)
}

/// Contracts notified in the period and those with at least one social consideration, for
/// the national purchasing plan indicator; every contract counts, imported ones included.
/// A contract imported by several structures (same buyer identifier and reference) counts
/// once; it has a social consideration when any of its copies has one.
pub fn pnad(conn: &mut Conn, scope: &ReportScope, period: &Period) -> Result<(i64, i64), ApiError> {
    let mut q = contracts::table
        .inner_join(organisations::table.on(organisations::id.eq(contracts::buyer_id)))
        .filter(contracts::notified_on.ge(period.start()))
        .filter(contracts::notified_on.le(period.end()))
        .select((
            contracts::id,
            organisations::identifier_type,
            organisations::identifier,
            contracts::reference,
            contracts::social_considerations.ne(""),
        ))
        .into_boxed();
    if let Some(ids) = &scope.structures {
        q = q.filter(contracts::structure_id.eq_any(ids.clone()));
    }
    if let Some(t) = &scope.territory {
        q = q.filter(organisations::territory.eq(t.clone()));
    }
    if let Some(b) = scope.buyer_id {
        q = q.filter(contracts::buyer_id.eq(b));
    }
    if let Some(c) = scope.contractor_id {
        q = q.filter(
            contracts::id.eq_any(
                contract_holders::table
                    .filter(contract_holders::organisation_id.eq(c))
                    .select(contract_holders::contract_id),
            ),
        );
    }
    let rows: Vec<(i64, Option<String>, Option<String>, String, bool)> = q.load(conn)?;
    let single_structure = scope.structures.as_ref().is_some_and(|s| s.len() == 1);
    if single_structure {
        // (structure, buyer, reference) is unique: no copies to merge.
        let with = rows.iter().filter(|r| r.4).count() as i64;
        return Ok((rows.len() as i64, with));
    }
    let mut seen: HashMap<(String, String, String), bool> = HashMap::new();
    let mut unique: HashMap<i64, bool> = HashMap::new();
    for (id, id_type, identifier, reference, social) in rows {
        match identifier {
            Some(identifier) => {
                let key = (id_type.unwrap_or_default(), identifier, reference);
                let e = seen.entry(key).or_insert(false);
                *e = *e || social;
            }
            None => {
                unique.insert(id, social);
            }
        }
    }
    let notified = (seen.len() + unique.len()) as i64;
    let with = seen.values().chain(unique.values()).filter(|s| **s).count() as i64;
    Ok((notified, with))
}

/// Whether a structure exists.
pub fn structure_exists(conn: &mut Conn, id: i64) -> Result<bool, ApiError> {
    Ok(structures::table
        .filter(structures::id.eq(id))
        .select(structures::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// The name of a structure.
pub fn structure_name(conn: &mut Conn, id: i64) -> Result<Option<String>, ApiError> {
    Ok(structures::table
        .filter(structures::id.eq(id))
        .select(structures::name)
        .first(conn)
        .optional()?)
}

/// The structure an organisation belongs to.
pub fn organisation_structure(conn: &mut Conn, id: i64) -> Result<Option<i64>, ApiError> {
    Ok(organisations::table
        .filter(organisations::id.eq(id))
        .select(organisations::structure_id)
        .first(conn)
        .optional()?)
}

/// Names of organisations (buyers and contractors of the breakdowns), by id.
pub fn organisation_names(conn: &mut Conn, ids: &[i64]) -> Result<BTreeMap<i64, String>, ApiError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String)> = organisations::table
            .filter(organisations::id.eq_any(chunk.to_vec()))
            .select((organisations::id, organisations::name))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
