//! The report's orchestration: who reads what (the scope of the caller and the funder's
//! rules), the figures read from the store, and what a funder is shown of them (small-cell
//! suppression, `disclose`). The report itself is put together in `reports::assemble`
//! (pure) and rendered by `reports::{csv, xlsx, html}`.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use diesel::QueryResult;

use crate::app::{AppError, AppResult};
use crate::auth::{Caller, FunderScope, Role};
use crate::db::{Conn, Db};
use crate::domain::period::Period;
use crate::domain::report::{compute, Figures};
use crate::domain::rule::Violation;
use crate::domain::suppression::{suppress_breakdowns, suppress_shared, ShownCell};
use crate::reports::{
    assemble, AnnualReport, BelowThreshold, Others, Report, ReportRequest, Resolved, ScopeLabel,
    FUNDER_WHOLE_YEARS,
};
use crate::store::names::organisation_names_of;
use crate::store::reports::{self as store, ReportScope};

/// Resolves what the caller may read with these parameters; 404 when a `structure_id`,
/// `territory`, `buyer_id` or `contractor_id` is outside the caller's scope; 403 for a role
/// that reads no report.
pub fn resolve(
    conn: &mut Conn,
    caller: &Caller,
    req: &ReportRequest,
    threshold: i64,
) -> AppResult<Resolved> {
    let not_visible = |what: &'static str| AppError::NotFound(what);
    let (structures, scope_territory, suppression, mut label) = match caller.role {
        Role::Admin | Role::Facilitator => {
            if req.structure_id.is_some_and(|s| s != caller.structure_id) {
                return Err(not_visible("structure"));
            }
            (
                Some(vec![caller.structure_id]),
                None,
                None,
                ScopeLabel::Structure(caller.structure_id),
            )
        }
        Role::Funder => {
            if !req.period.is_whole_years() {
                return Err(AppError::invalid(Violation::new(
                    "from",
                    FUNDER_WHOLE_YEARS,
                )));
            }
            let (structures, territory, label) = match (&caller.funder_scope, req.structure_id) {
                (FunderScope::Own, None) => (
                    Some(vec![caller.structure_id]),
                    None,
                    ScopeLabel::Structure(caller.structure_id),
                ),
                (FunderScope::Own, Some(s)) if s == caller.structure_id => {
                    (Some(vec![s]), None, ScopeLabel::Structure(s))
                }
                (FunderScope::Structures(ids), None) => {
                    let label = match ids.as_slice() {
                        [one] => ScopeLabel::Structure(*one),
                        many => ScopeLabel::Structures(many.len()),
                    };
                    (Some(ids.clone()), None, label)
                }
                (FunderScope::Structures(ids), Some(s)) if ids.contains(&s) => {
                    (Some(vec![s]), None, ScopeLabel::Structure(s))
                }
                (FunderScope::Territory(code), None) => (
                    None,
                    Some(code.clone()),
                    ScopeLabel::Territory(code.clone()),
                ),
                (FunderScope::Territory(code), Some(s)) if store::structure_exists(conn, s)? => {
                    (Some(vec![s]), Some(code.clone()), ScopeLabel::Structure(s))
                }
                (FunderScope::All, None) => (None, None, ScopeLabel::All),
                (FunderScope::All, Some(s)) if store::structure_exists(conn, s)? => {
                    (Some(vec![s]), None, ScopeLabel::Structure(s))
                }
                _ => return Err(not_visible("structure")),
            };
            (structures, territory, Some(threshold), label)
        }
        Role::Contractor => return Err(AppError::Forbidden),
    };
    let base_structures = match (caller.role, &caller.funder_scope) {
        (Role::Funder, FunderScope::Own) => Some(vec![caller.structure_id]),
        (Role::Funder, FunderScope::Structures(ids)) => Some(ids.clone()),
        (Role::Funder, FunderScope::Territory(_) | FunderScope::All) => None,
        _ => structures.clone(),
    };
    let base_territory = scope_territory.clone();
    let territory = match (scope_territory, &req.territory) {
        (Some(code), Some(asked)) if &code != asked => return Err(not_visible("territory")),
        (Some(code), _) => Some(code),
        (None, asked) => asked.clone(),
    };
    if let (Some(t), ScopeLabel::Structures(_) | ScopeLabel::All) = (&req.territory, &label) {
        label = ScopeLabel::Territory(t.clone());
    }
    for (field, id) in [("buyer", req.buyer_id), ("contractor", req.contractor_id)] {
        if let Some(id) = id {
            let visible = match (store::organisation_structure(conn, id)?, &structures) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(s), Some(ids)) => ids.contains(&s),
            };
            if !visible {
                return Err(not_visible(field));
            }
        }
    }
    let scope = ReportScope {
        structures,
        territory,
        buyer_id: req.buyer_id,
        contractor_id: req.contractor_id,
        clause_kind: req.clause_kind,
    };
    let base = match suppression {
        Some(_) => ReportScope {
            structures: base_structures,
            territory: base_territory,
            ..ReportScope::default()
        },
        None => scope.clone(),
    };
    Ok(Resolved {
        scope,
        base,
        suppression,
        scope_label: label,
    })
}

/// Whether a funder's filters select a cell hidden in the same period's unfiltered report:
/// a buyer, contractor or clause kind whose cell that report's breakdown hides (primarily
/// or as a complementary cell), or a territory or structure whose cell would be hidden by
/// the same rule (`suppress_shared`, over the maintained per-year totals). The unfiltered
/// report is computed exactly as its own request computes it. False when nothing narrows
/// the caller's scope.
pub fn selection_hidden(
    conn: &mut Conn,
    resolved: &Resolved,
    period: &Period,
    threshold: i64,
) -> QueryResult<bool> {
    let (scope, base) = (&resolved.scope, &resolved.base);
    if scope == base {
        return Ok(false);
    }
    let hides = |cells: &[ShownCell], key: &str| cells.iter().any(|c| c.suppressed && c.key == key);
    let cell_filters = [
        scope.buyer_id.map(|b| ("buyer", b.to_string())),
        scope.contractor_id.map(|c| ("contractor", c.to_string())),
        scope.clause_kind.map(|k| ("clause_kind", k.to_string())),
    ];
    if cell_filters.iter().any(Option::is_some) {
        let unfiltered = compute(&store::fact_rows(conn, base, period)?);
        let Some(shown) = suppress_breakdowns(&unfiltered, threshold) else {
            return Ok(true);
        };
        for (name, key) in cell_filters.into_iter().flatten() {
            let cells = match name {
                "buyer" => &shown.buyer,
                "contractor" => &shown.contractor,
                _ => &shown.clause_kind,
            };
            if hides(cells, &key) {
                return Ok(true);
            }
        }
    }
    let narrows_territory = scope.territory.is_some() && scope.territory != base.territory;
    let narrows_structures = scope.structures != base.structures;
    if narrows_territory || narrows_structures {
        let split = period.split();
        if !split.partial.is_empty() {
            // Funders read whole years only; anything else is not judged, so not shown.
            return Ok(true);
        }
        if let (true, Some(t)) = (narrows_territory, &scope.territory) {
            let cells =
                store::year_cells(conn, base, &split.whole_years, store::CellsBy::Territory)?;
            if hides(&suppress_shared(&cells, threshold), t) {
                return Ok(true);
            }
        }
        if let (true, Some(ids)) = (narrows_structures, &scope.structures) {
            let cells =
                store::year_cells(conn, base, &split.whole_years, store::CellsBy::Structure)?;
            let shown = suppress_shared(&cells, threshold);
            if ids.iter().any(|id| hides(&shown, &id.to_string())) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The report a funder gets (`threshold` is theirs): nothing but [`BelowThreshold`] when the
/// selection has fewer than `threshold` persons or selects a hidden cell; otherwise the
/// suppressed report, with the previous period's totals only when that period's selection
/// passes the same test.
pub fn disclose(
    conn: &mut Conn,
    resolved: &Resolved,
    period: &Period,
    figures: &Figures,
    mut others: Others,
    fte_hours: u32,
    threshold: i64,
) -> QueryResult<Report> {
    if figures.beneficiaries < threshold || selection_hidden(conn, resolved, period, threshold)? {
        return Ok(Report::BelowThreshold(BelowThreshold::new(
            period, threshold,
        )));
    }
    others.previous = match others.previous {
        Some((_, persons)) if persons < threshold => None,
        Some(p) if !selection_hidden(conn, resolved, &period.previous(), threshold)? => Some(p),
        _ => None,
    };
    Ok(Report::Shown(assemble(
        period,
        figures,
        &others,
        fte_hours,
        Some(threshold),
    )))
}

/// The figures of the hours: one indexed pass for the fact rows, computed here.
pub fn load_figures(conn: &mut Conn, scope: &ReportScope, period: &Period) -> QueryResult<Figures> {
    let started = std::time::Instant::now();
    let rows = store::fact_rows(conn, scope, period)?;
    let read = started.elapsed();
    let figures = compute(&rows);
    tracing::debug!(
        rows = rows.len(),
        read_ms = read.as_millis() as u64,
        compute_ms = (started.elapsed() - read).as_millis() as u64,
        "report fact rows"
    );
    Ok(figures)
}

/// What a kept year gives beside its figures: the totals of the year before, and the
/// year itself, for the hours of clauses without a target.
struct KeptYearHours {
    /// Hours and persons of the year before.
    previous: (i64, i64),
    this_year: Arc<crate::app::year_facts::YearFacts>,
}

/// The figures of one whole year from the kept copies of its totals and of the year
/// before's (`app::year_facts`), brought up to date first: what `load_figures` and the
/// previous period's `store::totals` compute in SQL, equal to them.
fn kept_year_figures(
    conn: &mut Conn,
    facts: &crate::app::year_facts::YearFactsCache,
    year: i32,
    scope: &ReportScope,
) -> QueryResult<(Figures, KeptYearHours)> {
    let started = std::time::Instant::now();
    let this_year = facts.year(conn, year)?;
    let year_before = facts.year(conn, year - 1)?;
    let read = started.elapsed();
    let figures = compute(this_year.in_scope(scope));
    let hours = KeptYearHours {
        previous: year_before.totals(scope),
        this_year,
    };
    tracing::debug!(
        read_ms = read.as_millis() as u64,
        compute_ms = (started.elapsed() - read).as_millis() as u64,
        "report fact rows kept"
    );
    Ok((figures, hours))
}

/// The other figures: one query each, aggregated in SQL.
pub fn load_others(conn: &mut Conn, scope: &ReportScope, period: &Period) -> QueryResult<Others> {
    let hourless = load_hourless_others(conn, scope, period)?;
    with_hours(conn, scope, period, hourless)
}

/// The other figures that read no table of hours (clauses, contracts, exits, follow-ups,
/// PNAD): a validation moves none of them, so they are kept under the data version without
/// the hours (`app::report_cache`). The two figures of hours are left at zero.
pub fn load_hourless_others(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> QueryResult<Others> {
    Ok(Others {
        clauses: store::clause_figures(conn, scope, period)?,
        employment_contracts: store::employment_contracts(conn, scope, period)?,
        exits: store::exits(conn, scope, period)?,
        pnad: crate::reports::PnadInputs {
            by_buyer: store::pnad_by_buyer(conn, scope, period)?,
            targets: pnad_targets(conn, period)?,
        },
        follow_up_6m: crate::store::follow_ups::six_months_groups(conn, scope, period)?,
        previous: None,
        hours_without_target: 0,
        placements_without_target: store::placements_without_target(conn, scope)?.into(),
    })
}

/// The hourless figures completed with the two that read the hours: the previous period's
/// totals and the hours of clauses without a target.
pub fn with_hours(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
    hourless: Others,
) -> QueryResult<Others> {
    Ok(Others {
        previous: Some(store::totals(conn, scope, &period.previous())?),
        hours_without_target: store::hours_without_target(
            conn,
            &hourless.placements_without_target,
            period,
        )?,
        ..hourless
    })
}

/// The PNAD targets of the period's year (its last year when it spans several), from the
/// instance's settings, else the plan's 30 % and 100 %.
pub fn pnad_targets(conn: &mut Conn, period: &Period) -> QueryResult<crate::domain::pnad::Targets> {
    let key = crate::domain::pnad::targets_setting_key(period.to.year);
    let setting = crate::store::settings::get(conn, &key)?;
    Ok(crate::domain::pnad::targets_from_setting(
        setting.as_deref(),
    ))
}

/// Resolves the caller's scope and computes the report on one connection. (The API runs
/// `load_figures` and `load_others` side by side on two.)
pub fn build(
    conn: &mut Conn,
    caller: &Caller,
    req: &ReportRequest,
    fte_hours: u32,
    threshold: i64,
) -> AppResult<(Report, Resolved)> {
    let resolved = resolve(conn, caller, req, threshold)?;
    let figures = load_figures(conn, &resolved.scope, &req.period)?;
    let others = load_others(conn, &resolved.scope, &req.period)?;
    let report = match resolved.suppression {
        None => Report::Shown(assemble(&req.period, &figures, &others, fte_hours, None)),
        Some(t) => disclose(conn, &resolved, &req.period, &figures, others, fte_hours, t)?,
    };
    Ok((report, resolved))
}

/// Runs one unit of work on a connection of the pool, its failure an `AppError` (a pool that
/// cannot give a connection is `Unavailable`).
async fn on<T, F>(db: &Db, f: F) -> AppResult<T>
where
    F: FnOnce(&mut Conn) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    db.run(f).await
}

/// A computed report with what the renderers need besides it.
pub struct Loaded {
    pub report: Report,
    pub resolved: Resolved,
    /// Names of the buyers and contractors of the breakdowns and filters.
    pub names: BTreeMap<i64, String>,
    /// The report as JSON, written on first use: a kept national report is about 1 MB, and
    /// writing it again for every request served from memory would be most of its cost.
    pub json: OnceLock<Arc<str>>,
    /// The same JSON compressed with gzip, written on the first request that accepts it: a
    /// national report's 2.2 MB travel as about 300 KB.
    pub json_gzip: OnceLock<Arc<[u8]>>,
}

impl Loaded {
    pub fn new(report: Report, resolved: Resolved, names: BTreeMap<i64, String>) -> Loaded {
        Loaded {
            report,
            resolved,
            names,
            json: OnceLock::new(),
            json_gzip: OnceLock::new(),
        }
    }

    /// The report as JSON, written once.
    pub fn json(&self) -> serde_json::Result<Arc<str>> {
        if let Some(json) = self.json.get() {
            return Ok(json.clone());
        }
        let written: Arc<str> = serde_json::to_string(&self.report)?.into();
        Ok(self.json.get_or_init(|| written).clone())
    }

    /// The report's JSON compressed with gzip, written once. The fastest level: it is
    /// written again at every data version, and the best level would save a third of the
    /// bytes for three times the time (4 ms against 12 for a national report).
    pub fn json_gzip(&self) -> std::io::Result<Arc<[u8]>> {
        if let Some(gzip) = self.json_gzip.get() {
            return Ok(gzip.clone());
        }
        let json = self.json().map_err(std::io::Error::other)?;
        let written: Arc<[u8]> = crate::reports::gzip(json.as_bytes())?.into();
        Ok(self.json_gzip.get_or_init(|| written).clone())
    }
}

/// Organisation ids a rendering names: breakdown keys and filters.
pub fn named_ids(report: &AnnualReport, req: &ReportRequest) -> Vec<i64> {
    let mut ids: Vec<i64> = report
        .breakdowns
        .as_ref()
        .map(|b| {
            b.buyer
                .iter()
                .chain(b.contractor.iter())
                .filter_map(|c| c.key.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    ids.extend(req.buyer_id.map(i64::from));
    ids.extend(req.contractor_id.map(i64::from));
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The annual report as the caller may read it: the scope first, then the figures of the
/// hours and the other figures side by side on two connections (each is one pass; together
/// they take the time of the longer), then what a funder is shown, then the names a
/// rendering needs (`with_names`).
pub async fn annual_report(
    db: &Db,
    caller: Caller,
    req: ReportRequest,
    fte_hours: u32,
    threshold: i64,
    with_names: bool,
) -> AppResult<Loaded> {
    annual_report_keeping(db, caller, req, fte_hours, threshold, with_names, None).await
}

/// Where the figures without hours may be kept: the cache and the data version without the
/// hours, read before anything is computed.
pub type HourlessKept<'a> = (&'a crate::app::report_cache::ReportCache, i64);

/// [`annual_report`], taking the figures without hours from `kept` when they were computed
/// for the same scope and period under the same version without hours, and keeping them
/// there otherwise.
pub async fn annual_report_keeping(
    db: &Db,
    caller: Caller,
    req: ReportRequest,
    fte_hours: u32,
    threshold: i64,
    with_names: bool,
    kept: Option<HourlessKept<'_>>,
) -> AppResult<Loaded> {
    let started = std::time::Instant::now();
    let request = req.clone();
    let resolved = on(db, move |c| resolve(c, &caller, &request, threshold)).await?;
    let (scope, period) = (resolved.scope.clone(), req.period);
    // One whole year, with a cache: its figures from the kept copy of its totals.
    let kept_year = kept
        .zip(period.calendar_year())
        .map(|((cache, _), year)| (cache.year_facts(), year));
    let from_kept_year = kept_year.is_some();
    let figures = on(db, move |c| {
        let t = std::time::Instant::now();
        let read = match kept_year {
            Some((facts, year)) => {
                let (figures, hours) = kept_year_figures(c, &facts, year, &scope)?;
                (figures, Some(hours))
            }
            None => (load_figures(c, &scope, &period)?, None),
        };
        Ok((read, t.elapsed()))
    });
    let scope = resolved.scope.clone();
    let hourless_key = format!("{scope:?}|{period:?}");
    let known = kept.and_then(|(cache, version)| cache.hourless(&hourless_key, version));
    let others = on(db, move |c| {
        let t = std::time::Instant::now();
        let (hourless, fresh) = match known {
            Some(hourless) => ((*hourless).clone(), None),
            None => {
                let hourless = load_hourless_others(c, &scope, &period)?;
                (hourless.clone(), Some(hourless))
            }
        };
        let others = match from_kept_year {
            true => hourless,
            false => with_hours(c, &scope, &period, hourless)?,
        };
        Ok((others, fresh, t.elapsed()))
    });
    let (((figures, hours), figures_took), (others, fresh, others_took)) =
        rocket::tokio::try_join!(figures, others)?;
    let others = match hours {
        Some(KeptYearHours {
            previous,
            this_year,
        }) => Others {
            previous: Some(previous),
            hours_without_target: this_year.hours_of(&others.placements_without_target),
            ..others
        },
        None => others,
    };
    if let (Some((cache, version)), Some(hourless)) = (kept, fresh) {
        cache.keep_hourless(hourless_key, version, Arc::new(hourless));
    }
    let computed = started.elapsed();
    let report = match resolved.suppression {
        None => Report::Shown(assemble(&req.period, &figures, &others, fte_hours, None)),
        // A funder: judged against the threshold and the unfiltered report's hidden cells.
        Some(t) => {
            let (judged, period) = (resolved.clone(), req.period);
            on(db, move |c| {
                Ok(disclose(
                    c, &judged, &period, &figures, others, fte_hours, t,
                )?)
            })
            .await?
        }
    };
    let mut report = report;
    let names = match (&mut report, with_names) {
        (Report::Shown(shown), true) => {
            let ids = named_ids(shown, &req);
            // One query, whatever the number of cells (thousands nationally).
            let names = on(db, move |c| Ok(organisation_names_of(c, &ids)?)).await?;
            crate::reports::name_organisation_cells(shown, &names);
            names
        }
        _ => Default::default(),
    };
    // Where a report's time goes, for the benchmark of issue 21 (`RUST_LOG=clausier=debug`).
    tracing::debug!(
        figures_ms = figures_took.as_millis() as u64,
        others_ms = others_took.as_millis() as u64,
        computed_ms = computed.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "annual report computed"
    );
    Ok(Loaded::new(report, resolved, names))
}

/// What the report page adds to a shown report: the totals of the five years up to the
/// report's (an earlier year only as that year's own report would show it to a funder),
/// and the name of the structure the scope covers.
pub async fn page_extras(
    db: &Db,
    resolved: Resolved,
    report_year: i32,
    current: (i64, i64),
    previous: Option<(i64, i64)>,
) -> AppResult<(Vec<(i32, i64, i64)>, Option<String>)> {
    on(db, move |c| {
        let mut trend = Vec::new();
        for y in report_year - 4..=report_year {
            let point = if y == report_year {
                Some(current)
            } else if y == report_year - 1 {
                previous
            } else {
                let period = Period::year(y);
                let (h, p) = store::totals(c, &resolved.scope, &period)?;
                match resolved.suppression {
                    Some(t) if p < t || selection_hidden(c, &resolved, &period, t)? => None,
                    _ => Some((h, p)),
                }
            };
            if let Some((h, p)) = point {
                trend.push((y, h, p));
            }
        }
        let structure_name = match resolved.scope_label {
            ScopeLabel::Structure(id) => store::structure_name(c, id)?,
            _ => None,
        };
        Ok((trend, structure_name))
    })
    .await
}

/// What the report page's filter form offers the caller: the first year with validated
/// hours in their scope, and the territories, buyers and contractors with hours there
/// (organisations by name, sorted as a person reads them). Read over the caller's whole
/// scope, before the request's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportChoices {
    pub first_year: Option<i32>,
    pub territories: Vec<String>,
    pub buyers: Vec<(i64, String)>,
    pub contractors: Vec<(i64, String)>,
}

pub async fn report_choices(db: &Db, resolved: &Resolved) -> AppResult<ReportChoices> {
    let scope = match resolved.suppression {
        // A funder: the scope before the filters.
        Some(_) => resolved.base.clone(),
        // Staff: their structure; a territory there is a filter.
        None => ReportScope {
            structures: resolved.scope.structures.clone(),
            ..ReportScope::default()
        },
    };
    on(db, move |c| {
        let found = store::filter_choices(c, &scope)?;
        let mut ids: Vec<i64> = found
            .buyers
            .iter()
            .chain(found.contractors.iter())
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let names = organisation_names_of(c, &ids)?;
        let named = |list: &[i64]| {
            let mut out: Vec<(i64, String)> = list
                .iter()
                .map(|id| {
                    (
                        *id,
                        names.get(id).cloned().unwrap_or_else(|| id.to_string()),
                    )
                })
                .collect();
            out.sort_by(|a, b| {
                a.1.to_lowercase()
                    .cmp(&b.1.to_lowercase())
                    .then(a.0.cmp(&b.0))
            });
            out
        };
        Ok(ReportChoices {
            first_year: found.first_year,
            territories: found.territories.clone(),
            buyers: named(&found.buyers),
            contractors: named(&found.contractors),
        })
    })
    .await
}
