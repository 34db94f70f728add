//! The annual impact report: parameters, who sees what (scope and suppression), assembly of
//! the figures from the store's rows with the pure rules of `domain::report` and
//! `domain::suppression`, and the renderers (JSON through serde, CSV, XLSX, HTML).
//!
//! Definitions (for a period and a scope):
//! - `hours`: validated work plus training hours of the placements in scope; pending and
//!   rejected figures never count. `training_hours` are included in `hours`.
//! - `fte`: hours ÷ `fte_hours` (1 607 by default), two decimals.
//! - `beneficiaries`: distinct persons with at least one validated hour in the period,
//!   counted once across contracts, contractors and months.
//! - `clauses`: clauses in execution, i.e. active or completed clauses whose dates
//!   intersect the period; `contracts`: the distinct contracts of those clauses.
//! - `required_hours`: for each clause in execution, its required hours (or, when the report
//!   is filtered on a contractor, that contractor's assignment target) prorated to the part
//!   of its duration inside the period (days inside ÷ days of the clause, both ends
//!   included, rounded half up to the hundredth per clause), summed.
//! - `achievement_rate`: `hours` ÷ `required_hours`, a percentage with one decimal; null
//!   when nothing is required.
//! - `employment_contracts`: placements starting in the period, except the `training`
//!   modality.
//! - `exits`: placements whose exit date falls in the period, by outcome.
//! - `pnad`: contracts notified in the period (every contract of the scope, imported ones
//!   included) and those with at least one social consideration; `share` in percent with
//!   one decimal. The territory filter applies to the buyer's territory, the contractor
//!   filter to the contracts it holds; the clause-kind filter does not apply (a contract's
//!   social considerations are not clause kinds).
//! - `previous`: hours, beneficiaries and FTE of the period of the same length just
//!   before (the previous year for a year).
//!
//! Who sees what: staff (admin, facilitator) read their own structure, unsuppressed; a
//! `structure_id` other than theirs is 404. Funders read their `FunderScope`, always with
//! small-cell suppression (`domain::suppression`, threshold from the configuration); a
//! `structure_id` or `territory` outside their scope is 404, like any record not visible
//! to the caller. A `buyer_id` or `contractor_id` that is not an organisation of a
//! structure the caller may read is 404 too. For funders, exits of 1 to threshold − 1
//! placements are hidden as well (null).

pub mod csv;
pub mod html;
pub mod xlsx;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::api::query::{refused, Param};
use crate::auth::{Caller, FunderScope, Role};
use crate::db::Conn;
use crate::domain::catalogue::{is_code, CLAUSE_KINDS, OUTCOMES};
use crate::domain::period::{Month, Period, FIRST_YEAR, LAST_YEAR};
use crate::domain::report::{compute, fte, headline, rate_tenths, Figures};
use crate::domain::suppression::{suppress_breakdowns, without_suppression, SuppressedBreakdowns};
use crate::domain::territory::is_valid_departement;
use crate::domain::units::ser_hundredths;
use crate::error::{ApiError, FieldError};
use crate::store::reports::{self as store, ClauseFigures, ReportScope};

/// The query parameters as received: text, each read strictly (`api::query::Param`: no
/// control character, given at most once) so that a bad value is named in a 422.
#[derive(Debug, Clone, Default, rocket::FromForm)]
pub struct RawParams {
    pub year: Param<String>,
    pub from: Param<String>,
    pub to: Param<String>,
    pub territory: Param<String>,
    pub buyer_id: Param<String>,
    pub contractor_id: Param<String>,
    pub clause_kind: Param<String>,
    pub structure_id: Param<String>,
}

/// Checked parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    pub period: Period,
    pub territory: Option<String>,
    pub buyer_id: Option<i64>,
    pub contractor_id: Option<i64>,
    pub clause_kind: Option<String>,
    pub structure_id: Option<i64>,
}

/// A parameter's text, with an empty value (as an HTML form sends) taken as absent; a
/// refused value is named in `errors`.
fn present<'a>(name: &str, v: &'a Param<String>, errors: &mut Vec<FieldError>) -> Option<&'a str> {
    v.check(name, errors)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// A year written `YYYY`, from `FIRST_YEAR` to `LAST_YEAR`.
fn parse_year(text: &str) -> Option<i32> {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse::<i32>().ok())
        .flatten()
        .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
}

/// A month written `YYYY-MM`, from `FIRST_YEAR` to `LAST_YEAR`.
fn parse_month_in_range(text: &str) -> Option<Month> {
    Month::parse(text).filter(|m| (FIRST_YEAR..=LAST_YEAR).contains(&m.year))
}

fn parse_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
}

impl RawParams {
    /// Checks every parameter; all the bad ones are named in one 422.
    pub fn parse(&self) -> Result<ReportRequest, ApiError> {
        let mut errors = Vec::new();
        let year = present("year", &self.year, &mut errors);
        let from = present("from", &self.from, &mut errors);
        let to = present("to", &self.to, &mut errors);
        // A period parameter already refused is not also called missing.
        let period_refused = !errors.is_empty();
        let territory = present("territory", &self.territory, &mut errors).map(str::to_string);
        let buyer_id = present("buyer_id", &self.buyer_id, &mut errors);
        let contractor_id = present("contractor_id", &self.contractor_id, &mut errors);
        let structure_id = present("structure_id", &self.structure_id, &mut errors);
        let clause_kind =
            present("clause_kind", &self.clause_kind, &mut errors).map(str::to_string);
        let mut err = |field: &str, message: &str| {
            errors.push(FieldError {
                field: field.into(),
                code: crate::error::INVALID.into(),
                message: message.into(),
            })
        };
        let years = format!("entre {FIRST_YEAR} et {LAST_YEAR}");
        let period = match (year, from, to) {
            _ if period_refused => None,
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                err(
                    "year",
                    "Donnez soit l'année, soit le premier et le dernier mois (from et to), pas les deux.",
                );
                None
            }
            (Some(y), None, None) => match parse_year(y) {
                Some(y) => Some(Period::year(y)),
                None => {
                    err(
                        "year",
                        &format!("La valeur doit être une année écrite AAAA, {years}."),
                    );
                    None
                }
            },
            (None, None, None) => {
                err(
                    "year",
                    "L'année est obligatoire (ou le premier et le dernier mois, from et to, écrits AAAA-MM).",
                );
                None
            }
            (None, from, to) => {
                let from_month = from.and_then(parse_month_in_range);
                let to_month = to.and_then(parse_month_in_range);
                let message = format!("La valeur doit être un mois écrit AAAA-MM, {years}.");
                if from_month.is_none() {
                    err("from", &message);
                }
                if to_month.is_none() {
                    err("to", &message);
                }
                match (from_month, to_month) {
                    (Some(f), Some(t)) => {
                        let p = Period::new(f, t);
                        if p.is_none() {
                            err(
                                "to",
                                "Le dernier mois ne doit pas précéder le premier, et la période ne doit pas dépasser 120 mois.",
                            );
                        }
                        p
                    }
                    _ => None,
                }
            }
        };
        if territory
            .as_deref()
            .is_some_and(|t| !is_valid_departement(t))
        {
            err(
                "territory",
                "La valeur doit être un code de département (93, 2A, 971…).",
            );
        }
        let mut id = |field: &str, v: Option<&str>| match v {
            Some(text) => match parse_id(text) {
                Some(id) => Some(id),
                None => {
                    err(field, "La valeur doit être un nombre entier positif.");
                    None
                }
            },
            None => None,
        };
        let buyer_id = id("buyer_id", buyer_id);
        let contractor_id = id("contractor_id", contractor_id);
        let structure_id = id("structure_id", structure_id);
        if let Some(k) = &clause_kind {
            if !is_code(CLAUSE_KINDS, k) {
                errors.push(FieldError {
                    field: "clause_kind".into(),
                    code: crate::error::INVALID.into(),
                    message: format!(
                        "La valeur doit être l'un des codes {}.",
                        crate::domain::catalogue::codes(CLAUSE_KINDS).join(", ")
                    ),
                });
            }
        }
        match (period, errors.is_empty()) {
            (Some(period), true) => Ok(ReportRequest {
                period,
                territory,
                buyer_id,
                contractor_id,
                clause_kind,
                structure_id,
            }),
            _ => Err(refused(errors)),
        }
    }
}

/// Who reads the report: the scope of the queries and the suppression threshold (None:
/// unsuppressed figures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub scope: ReportScope,
    pub suppression: Option<i64>,
    /// What the scope covers, in French, for the HTML page.
    pub scope_label: ScopeLabel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeLabel {
    Structure(i64),
    Structures(usize),
    Territory(String),
    All,
}

/// Resolves what the caller may read with these parameters; 404 when a `structure_id`,
/// `territory`, `buyer_id` or `contractor_id` is outside the caller's scope; 403 for a role
/// that reads no report.
pub fn resolve(
    conn: &mut Conn,
    caller: &Caller,
    req: &ReportRequest,
    threshold: i64,
) -> Result<Resolved, ApiError> {
    let not_visible = |what: &str| ApiError::not_found(what);
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
        Role::Contractor => return Err(ApiError::forbidden()),
    };
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
    Ok(Resolved {
        scope: ReportScope {
            structures,
            territory,
            buyer_id: req.buyer_id,
            contractor_id: req.contractor_id,
            clause_kind: req.clause_kind.clone(),
        },
        suppression,
        scope_label: label,
    })
}

/// A share in tenths of a percent as a JSON number with one decimal (`31.5`).
pub fn tenths_to_json(v: i64) -> serde_json::Value {
    if v % 10 == 0 {
        serde_json::Value::from(v / 10)
    } else {
        let text = format!(
            "{}{}.{}",
            if v < 0 { "-" } else { "" },
            v.abs() / 10,
            v.abs() % 10
        );
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }
}

fn ser_opt_tenths<S: serde::Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => Serialize::serialize(&tenths_to_json(*v), s),
        None => s.serialize_none(),
    }
}

/// Exits by outcome; a funder sees null for 1 to threshold − 1 exits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Exits {
    pub durable_employment: Option<i64>,
    pub transitional_employment: Option<i64>,
    pub positive_exit: Option<i64>,
    pub other: Option<i64>,
}

impl Exits {
    pub fn named(&self) -> [(&'static str, Option<i64>); 4] {
        [
            ("durable_employment", self.durable_employment),
            ("transitional_employment", self.transitional_employment),
            ("positive_exit", self.positive_exit),
            ("other", self.other),
        ]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Pnad {
    pub contracts_notified: i64,
    pub with_social_consideration: i64,
    /// Tenths of a percent; null when no contract was notified.
    #[serde(serialize_with = "ser_opt_tenths")]
    pub share: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Previous {
    pub from: String,
    pub to: String,
    #[serde(serialize_with = "ser_hundredths")]
    pub hours: i64,
    pub beneficiaries: i64,
    #[serde(serialize_with = "ser_hundredths")]
    pub fte: i64,
}

/// The report as the API returns it (API.md "Reports"). Hours, FTE and required hours are
/// held in hundredths, rates in tenths of a percent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnualReport {
    /// The calendar year when the period is one; null otherwise.
    pub year: Option<i32>,
    pub from: String,
    pub to: String,
    #[serde(serialize_with = "ser_hundredths")]
    pub hours: i64,
    #[serde(serialize_with = "ser_hundredths")]
    pub training_hours: i64,
    #[serde(serialize_with = "ser_hundredths")]
    pub fte: i64,
    pub beneficiaries: i64,
    pub contracts: i64,
    pub clauses: i64,
    #[serde(serialize_with = "ser_hundredths")]
    pub required_hours: i64,
    #[serde(serialize_with = "ser_opt_tenths")]
    pub achievement_rate: Option<i64>,
    pub employment_contracts: i64,
    /// Null for a funder when the scope has fewer beneficiaries than the threshold.
    pub breakdowns: Option<SuppressedBreakdowns>,
    pub exits: Exits,
    pub pnad: Pnad,
    pub previous: Previous,
    pub headline: String,
    /// The suppression threshold applied (funders); null when figures are unsuppressed.
    pub suppression_threshold: Option<i64>,
}

/// The figures that do not come from the hours: read in SQL, beside the fact rows.
#[derive(Debug, Clone, Default)]
pub struct Others {
    pub clauses: ClauseFigures,
    pub employment_contracts: i64,
    pub exits: BTreeMap<String, i64>,
    /// (contracts notified, with a social consideration)
    pub pnad: (i64, i64),
    /// (hours, beneficiaries) of the previous period.
    pub previous: (i64, i64),
}

/// Puts the report together from the figures of the hours (`domain::report::compute` over
/// the fact rows) and the other figures (pure).
pub fn assemble(
    period: &Period,
    figures: &Figures,
    inputs: &Others,
    fte_hours: u32,
    suppression: Option<i64>,
) -> AnnualReport {
    let fte_value = fte(figures.hours, fte_hours);
    let required = inputs.clauses.required;
    let breakdowns = match suppression {
        None => Some(without_suppression(&figures.breakdowns)),
        Some(threshold) => suppress_breakdowns(figures, threshold),
    };
    let mut exit_counts: BTreeMap<&str, i64> = OUTCOMES.iter().map(|(c, _)| (*c, 0)).collect();
    for (outcome, n) in &inputs.exits {
        let key = if is_code(OUTCOMES, outcome) {
            outcome.as_str()
        } else {
            "other"
        };
        *exit_counts.entry(key).or_insert(0) += n;
    }
    let shown = |key: &str| {
        let n = exit_counts.get(key).copied().unwrap_or(0);
        match suppression {
            Some(t) if n > 0 && n < t => None,
            _ => Some(n),
        }
    };
    let previous_period = period.previous();
    let (prev_hours, prev_persons) = inputs.previous;
    let (notified, with_social) = inputs.pnad;
    AnnualReport {
        year: period.calendar_year(),
        from: period.from.to_string(),
        to: period.to.to_string(),
        hours: figures.hours,
        training_hours: figures.training_hours,
        fte: fte_value,
        beneficiaries: figures.beneficiaries,
        contracts: inputs.clauses.contracts,
        clauses: inputs.clauses.clauses,
        required_hours: required,
        achievement_rate: rate_tenths(figures.hours, required),
        employment_contracts: inputs.employment_contracts,
        breakdowns,
        exits: Exits {
            durable_employment: shown("durable_employment"),
            transitional_employment: shown("transitional_employment"),
            positive_exit: shown("positive_exit"),
            other: shown("other"),
        },
        pnad: Pnad {
            contracts_notified: notified,
            with_social_consideration: with_social,
            share: rate_tenths(with_social, notified),
        },
        previous: Previous {
            from: previous_period.from.to_string(),
            to: previous_period.to.to_string(),
            hours: prev_hours,
            beneficiaries: prev_persons,
            fte: fte(prev_hours, fte_hours),
        },
        headline: headline(
            &period.label(),
            figures.hours,
            fte_value,
            figures.beneficiaries,
        ),
        suppression_threshold: suppression,
    }
}

/// The figures of the hours: one indexed pass for the fact rows, computed here.
pub fn load_figures(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> Result<Figures, ApiError> {
    Ok(compute(&store::fact_rows(conn, scope, period)?))
}

/// The other figures: one query each, aggregated in SQL.
pub fn load_others(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> Result<Others, ApiError> {
    Ok(Others {
        clauses: store::clause_figures(conn, scope, period)?,
        employment_contracts: store::employment_contracts(conn, scope, period)?,
        exits: store::exits(conn, scope, period)?,
        pnad: store::pnad(conn, scope, period)?,
        previous: store::totals(conn, scope, &period.previous())?,
    })
}

/// Resolves the caller's scope and computes the report on one connection. (The API runs
/// `load_figures` and `load_others` side by side on two.)
pub fn build(
    conn: &mut Conn,
    caller: &Caller,
    req: &ReportRequest,
    fte_hours: u32,
    threshold: i64,
) -> Result<(AnnualReport, Resolved), ApiError> {
    let resolved = resolve(conn, caller, req, threshold)?;
    let figures = load_figures(conn, &resolved.scope, &req.period)?;
    let others = load_others(conn, &resolved.scope, &req.period)?;
    let report = assemble(
        &req.period,
        &figures,
        &others,
        fte_hours,
        resolved.suppression,
    );
    Ok((report, resolved))
}

/// The file name of a download: `bilan-2025.csv`, `bilan-2025-01-2025-06.xlsx`.
pub fn file_name(report: &AnnualReport, extension: &str) -> String {
    match report.year {
        Some(y) => format!("bilan-{y}.{extension}"),
        None => format!("bilan-{}-{}.{extension}", report.from, report.to),
    }
}

/// French names of the breakdowns, in the API's order.
pub const BREAKDOWN_TITLES: [(&str, &str); 11] = [
    ("sex", "Sexe"),
    ("age_band", "Tranche d'âge"),
    ("criteria", "Critères d'éligibilité"),
    ("qualification", "Niveau de qualification"),
    ("qpv", "Résidence en QPV"),
    ("modality", "Modalité"),
    ("contract_type", "Type de contrat"),
    ("sector", "Secteur (division CPV)"),
    ("buyer", "Acheteur"),
    ("contractor", "Entreprise"),
    ("clause_kind", "Type de clause"),
];

/// The French label of a breakdown key (codes of the catalogue; organisations by name).
pub fn key_label(breakdown: &str, key: &str, names: &BTreeMap<i64, String>) -> String {
    use crate::domain::catalogue::{
        label, CONTRACT_TYPES, CRITERIA, MODALITIES, QUALIFICATION_LEVELS,
    };
    let from = |list| label(list, key).map(str::to_string);
    let found = match breakdown {
        "sex" => match key {
            "female" => Some("Femmes".to_string()),
            "male" => Some("Hommes".to_string()),
            _ => None,
        },
        "age_band" => match key {
            "under_26" => Some("Moins de 26 ans".to_string()),
            "26_49" => Some("26 à 49 ans".to_string()),
            "50_plus" => Some("50 ans et plus".to_string()),
            _ => None,
        },
        "criteria" => from(CRITERIA),
        "qualification" => from(QUALIFICATION_LEVELS),
        "qpv" => match key {
            "qpv" => Some("Résident d'un QPV".to_string()),
            "not_qpv" => Some("Hors QPV".to_string()),
            _ => None,
        },
        "modality" => from(MODALITIES),
        "contract_type" => from(CONTRACT_TYPES),
        "sector" => match key {
            "unknown" => Some("Non renseigné".to_string()),
            k => Some(format!("Division CPV {k}")),
        },
        "buyer" | "contractor" => key
            .parse::<i64>()
            .ok()
            .and_then(|id| names.get(&id).cloned()),
        "clause_kind" => from(CLAUSE_KINDS),
        _ => None,
    };
    found.unwrap_or_else(|| key.to_string())
}

/// French label of an exit outcome.
pub fn outcome_label(code: &str) -> &'static str {
    crate::domain::catalogue::label(OUTCOMES, code).unwrap_or("Autre sortie")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::tests::example_rows;

    fn raw(pairs: &[(&str, &str)]) -> RawParams {
        let mut r = RawParams::default();
        for (k, v) in pairs {
            let v = Param::of(v.to_string());
            match *k {
                "year" => r.year = v,
                "from" => r.from = v,
                "to" => r.to = v,
                "territory" => r.territory = v,
                "buyer_id" => r.buyer_id = v,
                "contractor_id" => r.contractor_id = v,
                "clause_kind" => r.clause_kind = v,
                "structure_id" => r.structure_id = v,
                _ => unreachable!(),
            }
        }
        r
    }

    fn fields(e: ApiError) -> Vec<String> {
        e.errors.iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn parameters() {
        let r = raw(&[("year", "2025")]).parse().unwrap();
        assert_eq!(r.period, Period::year(2025));
        let r = raw(&[("from", "2025-01"), ("to", "2025-06"), ("territory", "93")])
            .parse()
            .unwrap();
        assert_eq!(r.period.months(), 6);
        assert_eq!(r.territory.as_deref(), Some("93"));
        // Empty values, as a form sends them, are absent.
        let r = raw(&[("year", "2025"), ("territory", ""), ("buyer_id", " ")])
            .parse()
            .unwrap();
        assert_eq!((r.territory, r.buyer_id), (None, None));
        assert_eq!(fields(raw(&[]).parse().unwrap_err()), ["year"]);
        assert_eq!(
            fields(
                raw(&[("year", "2025"), ("from", "2025-01")])
                    .parse()
                    .unwrap_err()
            ),
            ["year"]
        );
        assert_eq!(
            fields(raw(&[("year", "25")]).parse().unwrap_err()),
            ["year"]
        );
        assert_eq!(
            fields(raw(&[("from", "2025-01")]).parse().unwrap_err()),
            ["to"]
        );
        assert_eq!(
            fields(
                raw(&[("from", "2025-07"), ("to", "2025-06")])
                    .parse()
                    .unwrap_err()
            ),
            ["to"]
        );
        let e = raw(&[
            ("year", "2025"),
            ("territory", "100"),
            ("buyer_id", "x"),
            ("contractor_id", "-1"),
            ("clause_kind", "nope"),
            ("structure_id", "0"),
        ])
        .parse()
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "territory",
                "buyer_id",
                "contractor_id",
                "structure_id",
                "clause_kind"
            ]
        );
    }

    #[test]
    fn tenths() {
        assert_eq!(tenths_to_json(315).to_string(), "31.5");
        assert_eq!(tenths_to_json(300).to_string(), "30");
        assert_eq!(tenths_to_json(1).to_string(), "0.1");
        assert_eq!(tenths_to_json(1000).to_string(), "100");
    }

    #[test]
    fn assembled_figures() {
        let figures = compute(&example_rows());
        let inputs = Others {
            // 1 000 h within 2025 and 730 h over 2025-2026 (365 of 730 days in 2025).
            clauses: ClauseFigures {
                clauses: 2,
                contracts: 1,
                required: 100000 + 36500,
            },
            employment_contracts: 7,
            exits: [("durable_employment".to_string(), 6), ("bogus".into(), 2)]
                .into_iter()
                .collect(),
            pnad: (8, 3),
            previous: (160700, 2),
        };
        let period = Period::year(2025);
        let r = assemble(&period, &figures, &inputs, 1607, None);
        assert_eq!((r.hours, r.beneficiaries, r.fte), (67359, 5, 42));
        assert_eq!((r.contracts, r.clauses), (1, 2));
        assert_eq!(r.required_hours, 100000 + 36500);
        assert_eq!(r.achievement_rate, rate_tenths(67359, 136500));
        assert_eq!(r.exits.durable_employment, Some(6));
        assert_eq!(r.exits.other, Some(2));
        assert_eq!(r.exits.positive_exit, Some(0));
        assert_eq!(r.pnad.share, Some(375));
        assert_eq!(
            (r.previous.from.as_str(), r.previous.to.as_str()),
            ("2024-01", "2024-12")
        );
        assert_eq!(r.previous.fte, 100);
        assert_eq!(r.year, Some(2025));
        assert!(r.headline.starts_with("En 2025, "));
        assert!(r
            .breakdowns
            .as_ref()
            .unwrap()
            .sex
            .iter()
            .all(|c| !c.suppressed));
        assert_eq!(r.suppression_threshold, None);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["hours"], serde_json::json!(673.59));
        assert_eq!(json["pnad"]["share"], serde_json::json!(37.5));
        assert_eq!(json["fte"], serde_json::json!(0.42));

        // A funder: 5 beneficiaries reach the threshold of 5, small cells are hidden, and
        // so are exits of 1 to 4.
        let f = assemble(&period, &figures, &inputs, 1607, Some(5));
        let b = f.breakdowns.as_ref().unwrap();
        assert!(b.sex.iter().all(|c| c.suppressed));
        assert_eq!(f.exits.other, None);
        assert_eq!(f.exits.durable_employment, Some(6));
        assert_eq!(f.exits.positive_exit, Some(0));
        assert_eq!((f.hours, f.beneficiaries), (r.hours, r.beneficiaries));
        // Above the scope's size: totals only.
        let g = assemble(&period, &figures, &inputs, 1607, Some(6));
        assert!(g.breakdowns.is_none());
        assert_eq!(g.headline, r.headline);
    }

    #[test]
    fn labels() {
        let names: BTreeMap<i64, String> = [(3, "Ville".to_string())].into_iter().collect();
        assert_eq!(key_label("buyer", "3", &names), "Ville");
        assert_eq!(key_label("buyer", "4", &names), "4");
        assert_eq!(key_label("sex", "female", &names), "Femmes");
        assert_eq!(
            key_label("modality", "geiq", &names),
            "Mise à disposition par un GEIQ"
        );
        assert_eq!(key_label("sector", "45", &names), "Division CPV 45");
    }
}
