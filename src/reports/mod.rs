//! The annual impact report: parameters, who sees what (scope and suppression), assembly of
//! the figures from the store's rows with the pure rules of `domain::report` and
//! `domain::suppression`, and the renderers (JSON through serde, CSV, XLSX, HTML).
//!
//! Definitions (for a period and a scope): each figure has its section in docs/domain.md, the
//! one home of these rules: `hours` (docs/domain.md#figure-hours), `training_hours`
//! (#figure-training-hours), `fte` (#figure-fte), `beneficiaries` (#figure-beneficiaries),
//! `clauses` (#figure-clauses), `contracts` (#figure-contracts), `required_hours`
//! (#figure-required-hours), `achievement_rate` (#figure-achievement-rate),
//! `employment_contracts` (#figure-employment-contracts), `exits` (#figure-exits), `pnad`
//! (#figure-pnad-share), `previous` (#figure-previous-period), the breakdowns
//! (#figure-breakdowns) and the `headline` (#figure-headline).
//!
//! Who sees what: staff (admin, facilitator) read their own structure, unsuppressed; a
//! `structure_id` other than theirs is 404. Funders read their `FunderScope`, always with
//! small-cell suppression (`domain::suppression`, threshold from the configuration); a
//! `structure_id` or `territory` outside their scope is 404, like any record not visible
//! to the caller. A `buyer_id` or `contractor_id` that is not an organisation of a
//! structure the caller may read is 404 too.
//!
//! A funder never sees a person, even across requests (docs/domain.md#funders-threshold-rule,
//! `disclose`):
//! - their period is one or more whole calendar years (else 422 `funder_whole_years`);
//! - a selection (scope and filters) of fewer than threshold persons, or whose filter
//!   selects a cell that the same period's unfiltered breakdown hides, is answered with no
//!   figure at all ([`BelowThreshold`]); the cells of `territory` and `structure_id`, which
//!   have no breakdown, are judged the same way (`suppression::suppress_shared`);
//! - exits by outcome and employment contracts are hidden for 1 to threshold − 1 distinct
//!   persons; the previous period's totals are shown only when that period's selection
//!   passes the same test.

pub mod csv;
pub mod html;
pub mod spaser;
pub mod xlsx;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::catalogue::{is_code, CLAUSE_KINDS, OUTCOMES};
use crate::domain::follow_ups::{dynamic_exits, six_months, Group};
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::period::Period;
use crate::domain::pnad::{self, Targets};
use crate::domain::report::{achievement_rate, fte, headline, Figures};
use crate::domain::suppression::{suppress_breakdowns, without_suppression, SuppressedBreakdowns};
use crate::domain::units::{ser_hundredths, ser_opt_hundredths};
use crate::domain::vocabulary::{ClauseKind, ExitOutcome};
use crate::store::reports::{ClauseFigures, Counted, PnadBuyerRow, ReportScope};

/// The stable code of the 422 refusing a funder a period that is not whole calendar years.
pub const FUNDER_WHOLE_YEARS: &str = "funder_whole_years";

/// Checked parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    pub period: Period,
    pub territory: Option<String>,
    pub buyer_id: Option<OrganisationId>,
    pub contractor_id: Option<OrganisationId>,
    pub clause_kind: Option<ClauseKind>,
    pub structure_id: Option<StructureId>,
}

/// Who reads the report: the scope of the queries and the suppression threshold (None:
/// unsuppressed figures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub scope: ReportScope,
    /// The caller's scope before the request's filters (`buyer_id`, `contractor_id`,
    /// `clause_kind`, and a `territory` or `structure_id` narrowing it): what a funder's
    /// unfiltered report covers. Equal to `scope` when nothing narrows it.
    pub base: ReportScope,
    pub suppression: Option<i64>,
    /// What the scope covers, in French, for the HTML page.
    pub scope_label: ScopeLabel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeLabel {
    Structure(StructureId),
    Structures(usize),
    Territory(String),
    All,
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

/// Exits by outcome; a funder sees null where 1 to threshold − 1 distinct persons left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Exits {
    pub durable_employment: Option<i64>,
    pub transitional_employment: Option<i64>,
    pub positive_exit: Option<i64>,
    pub other: Option<i64>,
    /// Dynamic exits (docs/domain.md#figure-dynamic-exits): durable + transitional +
    /// positive over all exits, a percentage with one decimal; null without exits, and for a
    /// funder unless every count above is shown and at least threshold persons left.
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub dynamic_share: Option<i64>,
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

/// The situation at 6 months ("situation à 6 mois", docs/domain.md#figure-follow-up-6m):
/// the 6-month follow-ups due in the period, by situation recorded, and the share in
/// employment or qualifying training among those recorded other than unknown. A funder sees
/// nothing under threshold persons due, null for a hidden cell, and the share only when no
/// cell is hidden.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FollowUp6m {
    pub due: Option<i64>,
    pub durable_employment: Option<i64>,
    pub transitional_employment: Option<i64>,
    pub qualifying_training: Option<i64>,
    pub job_search: Option<i64>,
    pub inactive: Option<i64>,
    pub unknown: Option<i64>,
    pub not_recorded: Option<i64>,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub dynamic_share: Option<i64>,
}

impl FollowUp6m {
    fn from_figures(f: &crate::domain::follow_ups::SixMonths) -> FollowUp6m {
        FollowUp6m {
            due: f.due,
            durable_employment: f.cell("durable_employment"),
            transitional_employment: f.cell("transitional_employment"),
            qualifying_training: f.cell("qualifying_training"),
            job_search: f.cell("job_search"),
            inactive: f.cell("inactive"),
            unknown: f.cell("unknown"),
            not_recorded: f.cell(crate::domain::follow_ups::NOT_RECORDED),
            dynamic_share: f.dynamic_share,
        }
    }

    /// The counts with their codes, in the API's order (for renderers).
    pub fn named(&self) -> [(&'static str, Option<i64>); 8] {
        [
            ("due", self.due),
            ("durable_employment", self.durable_employment),
            ("transitional_employment", self.transitional_employment),
            ("qualifying_training", self.qualifying_training),
            ("job_search", self.job_search),
            ("inactive", self.inactive),
            ("unknown", self.unknown),
            ("not_recorded", self.not_recorded),
        ]
    }
}

/// French labels of the situation at 6 months' counts.
pub fn follow_up_label(code: &str) -> &'static str {
    match code {
        "due" => "Suivis à 6 mois dus",
        "not_recorded" => "Situation non renseignée",
        c => crate::domain::catalogue::label(crate::domain::follow_ups::SITUATIONS, c)
            .unwrap_or("Autre situation"),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Pnad {
    pub contracts_notified: i64,
    pub with_social_consideration: i64,
    /// Tenths of a percent; null when no contract was notified.
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub share: Option<i64>,
    pub with_environmental_consideration: i64,
    /// Tenths of a percent; null when no contract was notified.
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub environmental_share: Option<i64>,
    /// The year's targets in percent (settings by year; 30 and 100 by default).
    pub targets: Option<Targets>,
    /// The same counts per buyer, most contracts first. Counts of contracts, which are
    /// public records, not of persons: shown to funders without suppression
    /// (docs/domain.md#figure-pnad-share).
    pub by_buyer: Vec<PnadBuyer>,
}

/// One buyer's PNAD figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PnadBuyer {
    pub buyer_id: i64,
    pub buyer_name: String,
    pub contracts_notified: i64,
    pub with_social_consideration: i64,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub share: Option<i64>,
    pub with_environmental_consideration: i64,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub environmental_share: Option<i64>,
}

/// What the PNAD figures are made of: the store's rows per buyer and the year's targets.
#[derive(Debug, Clone, Default)]
pub struct PnadInputs {
    pub by_buyer: Vec<PnadBuyerRow>,
    pub targets: Targets,
}

impl PnadInputs {
    /// One buyer (id 0) with these counts, for tests.
    pub fn counts(notified: i64, social: i64, environmental: i64) -> PnadInputs {
        PnadInputs {
            by_buyer: vec![PnadBuyerRow {
                buyer_id: 0,
                buyer_name: String::new(),
                counts: pnad::Counts {
                    notified,
                    social,
                    environmental,
                },
            }],
            targets: Targets::default(),
        }
    }
}

/// The PNAD part of a report from its inputs (pure).
pub fn pnad_figures(inputs: &PnadInputs) -> Pnad {
    let rows: Vec<pnad::Counts> = inputs.by_buyer.iter().map(|r| r.counts).collect();
    let total = pnad::total(&rows);
    let mut by_buyer: Vec<PnadBuyer> = inputs
        .by_buyer
        .iter()
        .filter(|r| r.counts.notified > 0)
        .map(|r| PnadBuyer {
            buyer_id: r.buyer_id,
            buyer_name: r.buyer_name.clone(),
            contracts_notified: r.counts.notified,
            with_social_consideration: r.counts.social,
            share: r.counts.social_share(),
            with_environmental_consideration: r.counts.environmental,
            environmental_share: r.counts.environmental_share(),
        })
        .collect();
    by_buyer.sort_by(|a, b| {
        b.contracts_notified
            .cmp(&a.contracts_notified)
            .then_with(|| a.buyer_name.cmp(&b.buyer_name))
            .then(a.buyer_id.cmp(&b.buyer_id))
    });
    Pnad {
        contracts_notified: total.notified,
        with_social_consideration: total.social,
        share: total.social_share(),
        with_environmental_consideration: total.environmental,
        environmental_share: total.environmental_share(),
        targets: Some(inputs.targets),
        by_buyer,
    }
}

/// The totals of the previous period; null for a funder when that period's selection has
/// fewer than threshold persons or selects a cell its unfiltered breakdown hides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Previous {
    pub from: String,
    pub to: String,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub hours: Option<i64>,
    pub beneficiaries: Option<i64>,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub fte: Option<i64>,
}

/// The report as the API returns it (API.md "Reports"). Hours, FTE and required hours are
/// held in hundredths, rates in tenths of a percent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AnnualReport {
    /// The calendar year when the period is one; null otherwise.
    pub year: Option<i32>,
    pub from: String,
    pub to: String,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub training_hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub fte: i64,
    pub beneficiaries: i64,
    pub contracts: i64,
    pub clauses: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub required_hours: i64,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_tenths")]
    pub achievement_rate: Option<i64>,
    /// Null for a funder when 1 to threshold − 1 distinct persons signed them.
    pub employment_contracts: Option<i64>,
    /// Always present (a funder's selection under the threshold gets a [`BelowThreshold`]).
    pub breakdowns: Option<SuppressedBreakdowns>,
    pub exits: Exits,
    pub follow_up_6m: FollowUp6m,
    pub pnad: Pnad,
    pub previous: Previous,
    pub headline: String,
    /// The suppression threshold applied (funders); null when figures are unsuppressed.
    pub suppression_threshold: Option<i64>,
    /// Always false here; true in a [`BelowThreshold`] answer.
    pub below_threshold: bool,
}

/// What a funder gets for a selection under the threshold, or one whose filter selects a
/// hidden cell: the report's fields, every figure null and every breakdown empty. Built only
/// from the period and the threshold, so it cannot carry a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BelowThreshold {
    year: Option<i32>,
    from: String,
    to: String,
    hours: Option<i64>,
    training_hours: Option<i64>,
    fte: Option<i64>,
    beneficiaries: Option<i64>,
    contracts: Option<i64>,
    clauses: Option<i64>,
    required_hours: Option<i64>,
    achievement_rate: Option<i64>,
    employment_contracts: Option<i64>,
    breakdowns: SuppressedBreakdowns,
    exits: Exits,
    follow_up_6m: FollowUp6m,
    pnad: NoPnad,
    previous: Previous,
    headline: String,
    suppression_threshold: i64,
    below_threshold: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
struct NoPnad {
    contracts_notified: Option<i64>,
    with_social_consideration: Option<i64>,
    share: Option<i64>,
    with_environmental_consideration: Option<i64>,
    environmental_share: Option<i64>,
    targets: Option<Targets>,
    by_buyer: Vec<PnadBuyer>,
}

impl BelowThreshold {
    pub fn new(period: &Period, threshold: i64) -> BelowThreshold {
        let previous = period.previous();
        BelowThreshold {
            year: period.calendar_year(),
            from: period.from.to_string(),
            to: period.to.to_string(),
            hours: None,
            training_hours: None,
            fte: None,
            beneficiaries: None,
            contracts: None,
            clauses: None,
            required_hours: None,
            achievement_rate: None,
            employment_contracts: None,
            breakdowns: SuppressedBreakdowns::default(),
            exits: Exits::default(),
            follow_up_6m: FollowUp6m::default(),
            pnad: NoPnad::default(),
            previous: Previous {
                from: previous.from.to_string(),
                to: previous.to.to_string(),
                ..Previous::default()
            },
            headline: below_threshold_sentence(threshold),
            suppression_threshold: threshold,
            below_threshold: true,
        }
    }

    pub fn year(&self) -> Option<i32> {
        self.year
    }

    /// The one French sentence the CSV, XLSX and HTML renderings show.
    pub fn sentence(&self) -> &str {
        &self.headline
    }
}

/// The French sentence of a selection under the threshold.
pub fn below_threshold_sentence(threshold: i64) -> String {
    format!(
        "Secret statistique : cette sélection concerne moins de {threshold} personnes, ou une case masquée du bilan d'ensemble ; aucun chiffre n'est publié."
    )
}

/// A report as answered: the figures, or (funders only) nothing but the fact that the
/// selection is below the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Report {
    Shown(AnnualReport),
    BelowThreshold(BelowThreshold),
}

impl Report {
    /// (year, from, to) of the period, for file names.
    pub fn period_names(&self) -> (Option<i32>, &str, &str) {
        match self {
            Report::Shown(r) => (r.year, &r.from, &r.to),
            Report::BelowThreshold(b) => (b.year, &b.from, &b.to),
        }
    }
}

/// The figures that do not come from the hours: read in SQL, beside the fact rows.
#[derive(Debug, Clone, Default)]
pub struct Others {
    pub clauses: ClauseFigures,
    pub employment_contracts: Counted,
    pub exits: BTreeMap<String, Counted>,
    /// Contracts notified per buyer with their considerations, and the year's targets.
    pub pnad: PnadInputs,
    /// The 6-month follow-ups due in the period by situation (None: not recorded).
    pub follow_up_6m: crate::domain::follow_ups::DueGroups,
    /// (hours, beneficiaries) of the previous period; None when withheld from a funder.
    pub previous: Option<(i64, i64)>,
    /// Validated hours (hundredths) of the period's placements on clauses without an hour
    /// target: left out of the achievement rate (docs/domain.md#figure-achievement-rate).
    pub hours_without_target: i64,
    /// The placements in the scope on clauses without an hour target, over the whole
    /// history: read with the figures without hours (a validation moves neither), so that
    /// a kept year's totals give `hours_without_target` without reading them again.
    pub placements_without_target: std::sync::Arc<[i64]>,
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
    let mut exit_counts: BTreeMap<&str, Counted> = OUTCOMES
        .iter()
        .map(|(c, _)| (*c, Counted::default()))
        .collect();
    for (outcome, n) in &inputs.exits {
        let key = if is_code(OUTCOMES, outcome) {
            outcome.as_str()
        } else {
            "other"
        };
        let c = exit_counts.entry(key).or_default();
        c.placements += n.placements;
        // Distinct persons of merged groups: the largest is a sure lower bound.
        c.persons = c.persons.max(n.persons);
    }
    // A funder sees a count only when 0 or at least threshold distinct persons are behind it.
    let counted = |n: Counted| match suppression {
        Some(t) if n.persons > 0 && n.persons < t => None,
        _ => Some(n.placements),
    };
    let shown = |key: &str| counted(exit_counts.get(key).copied().unwrap_or_default());
    let previous_period = period.previous();
    let previous = match (inputs.previous, suppression) {
        (Some((_, persons)), Some(t)) if persons < t => None,
        (p, _) => p,
    };
    let exit_groups: Vec<(ExitOutcome, Group)> = exit_counts
        .iter()
        .filter_map(|(k, n)| {
            let g = Group {
                placements: n.placements,
                persons: n.persons,
            };
            ExitOutcome::parse(k).map(|o| (o, g))
        })
        .collect();
    let follow_up_6m = six_months(&inputs.follow_up_6m, suppression);
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
        achievement_rate: achievement_rate(figures.hours, inputs.hours_without_target, required),
        employment_contracts: counted(inputs.employment_contracts),
        breakdowns,
        exits: Exits {
            durable_employment: shown("durable_employment"),
            transitional_employment: shown("transitional_employment"),
            positive_exit: shown("positive_exit"),
            other: shown("other"),
            dynamic_share: dynamic_exits(&exit_groups, suppression),
        },
        pnad: pnad_figures(&inputs.pnad),
        follow_up_6m: FollowUp6m::from_figures(&follow_up_6m),
        previous: Previous {
            from: previous_period.from.to_string(),
            to: previous_period.to.to_string(),
            hours: previous.map(|(h, _)| h),
            beneficiaries: previous.map(|(_, p)| p),
            fte: previous.map(|(h, _)| fte(h, fte_hours)),
        },
        headline: headline(
            &period.label(),
            figures.hours,
            fte_value,
            figures.beneficiaries,
        ),
        suppression_threshold: suppression,
        below_threshold: false,
    }
}

/// The file name of a download: `bilan-2025.csv`, `bilan-2025-01-2025-06.xlsx`.
pub fn file_name(report: &Report, extension: &str) -> String {
    match report.period_names() {
        (Some(y), _, _) => format!("bilan-{y}.{extension}"),
        (None, from, to) => format!("bilan-{from}-{to}.{extension}"),
    }
}

/// Bytes compressed with gzip at the fastest level (a report's JSON for the clients that
/// accept it: JSON of names and numbers shrinks about sevenfold).
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::fast(),
    );
    encoder.write_all(bytes)?;
    encoder.finish()
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
            k => Some(
                crate::domain::french::cpv_division_name(k)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("Division CPV {k}")),
            ),
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

/// Names the buyer and contractor cells of the breakdowns (`label`: the organisation's
/// name, else its id as written in the key), as the CSV, XLSX and page do.
pub fn name_organisation_cells(report: &mut AnnualReport, names: &BTreeMap<i64, String>) {
    if let Some(b) = report.breakdowns.as_mut() {
        for (breakdown, cells) in [("buyer", &mut b.buyer), ("contractor", &mut b.contractor)] {
            for cell in cells.iter_mut() {
                cell.label = Some(key_label(breakdown, &cell.key, names));
            }
        }
    }
}

/// French label of an exit outcome.
pub fn outcome_label(code: &str) -> &'static str {
    crate::domain::catalogue::label(OUTCOMES, code).unwrap_or("Autre sortie")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::compute;
    use crate::domain::report::tests::example_rows;

    #[test]
    fn tenths_serialise_as_decimal_numbers() {
        assert_eq!(tenths_to_json(315).to_string(), "31.5");
        assert_eq!(tenths_to_json(300).to_string(), "30");
        assert_eq!(tenths_to_json(1).to_string(), "0.1");
        assert_eq!(tenths_to_json(1000).to_string(), "100");
    }

    #[test]
    fn assembled_report_gives_every_figure_and_hides_small_cells_from_funders() {
        let figures = compute(&example_rows());
        let inputs = Others {
            // 1 000 h within 2025 and 730 h over 2025-2026 (365 of 730 days in 2025).
            clauses: ClauseFigures {
                clauses: 2,
                contracts: 1,
                required: 100000 + 36500,
            },
            employment_contracts: Counted {
                placements: 7,
                persons: 6,
            },
            exits: [
                (
                    "durable_employment".to_string(),
                    Counted {
                        placements: 6,
                        persons: 5,
                    },
                ),
                (
                    "transitional_employment".into(),
                    // Five placements of three persons: thresholded on the persons.
                    Counted {
                        placements: 5,
                        persons: 3,
                    },
                ),
                (
                    "bogus".into(),
                    Counted {
                        placements: 2,
                        persons: 2,
                    },
                ),
            ]
            .into_iter()
            .collect(),
            pnad: PnadInputs::counts(8, 3, 1),
            follow_up_6m: Default::default(),
            previous: Some((160700, 2)),
            hours_without_target: 0,
            placements_without_target: Default::default(),
        };
        let period = Period::year(2025);
        let r = assemble(&period, &figures, &inputs, 1607, None);
        assert_eq!((r.hours, r.beneficiaries, r.fte), (67359, 5, 42));
        assert_eq!((r.contracts, r.clauses), (1, 2));
        assert_eq!(r.required_hours, 100000 + 36500);
        assert_eq!(
            r.achievement_rate,
            crate::domain::report::rate_tenths(67359, 136500)
        );
        assert_eq!(r.exits.durable_employment, Some(6));
        assert_eq!(r.exits.other, Some(2));
        assert_eq!(r.exits.positive_exit, Some(0));
        assert_eq!(r.pnad.share, Some(375));
        assert_eq!(
            (r.previous.from.as_str(), r.previous.to.as_str()),
            ("2024-01", "2024-12")
        );
        assert_eq!(r.previous.fte, Some(100));
        assert_eq!(r.employment_contracts, Some(7));
        assert_eq!(r.exits.transitional_employment, Some(5));
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
        assert_eq!(f.exits.transitional_employment, None);
        assert_eq!(f.exits.positive_exit, Some(0));
        assert_eq!(f.employment_contracts, Some(7));
        // The previous period's two persons are not shown to a funder.
        assert_eq!(
            (f.previous.hours, f.previous.beneficiaries, f.previous.fte),
            (None, None, None)
        );
        assert_eq!((f.hours, f.beneficiaries), (r.hours, r.beneficiaries));
        // Six persons behind seven contracts: hidden at a threshold of 7.
        let g = assemble(&period, &figures, &inputs, 1607, Some(7));
        assert_eq!(g.employment_contracts, None);
    }

    /// Every number anywhere in a JSON value, with its path.
    fn numbers(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Number(_) => out.push(path.to_string()),
            serde_json::Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    numbers(x, &format!("{path}/{i}"), out);
                }
            }
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    numbers(x, &format!("{path}/{k}"), out);
                }
            }
            _ => {}
        }
    }

    /// Replaces `suppression_never_changes_totals` (which the types made impossible to
    /// fail): a funder's shown report keeps the true totals and every key of the staff's
    /// breakdowns, and a report below the threshold carries no figure at all while keeping
    /// every field of the shown one.
    #[test]
    fn funder_report_is_true_or_empty() {
        let figures = compute(&example_rows());
        let inputs = Others {
            clauses: ClauseFigures {
                clauses: 2,
                contracts: 1,
                required: 1000,
            },
            employment_contracts: Counted {
                placements: 9,
                persons: 8,
            },
            exits: BTreeMap::new(),
            pnad: PnadInputs::counts(8, 3, 1),
            follow_up_6m: Default::default(),
            previous: Some((160700, 9)),
            hours_without_target: 0,
            placements_without_target: Default::default(),
        };
        let period = Period::year(2025);
        let staff = assemble(&period, &figures, &inputs, 1607, None);
        let funder = assemble(&period, &figures, &inputs, 1607, Some(5));
        assert_eq!(
            (funder.hours, funder.training_hours, funder.beneficiaries),
            (staff.hours, staff.training_hours, staff.beneficiaries)
        );
        let keys = |r: &AnnualReport| -> Vec<Vec<String>> {
            r.breakdowns
                .as_ref()
                .map(|b| {
                    b.named()
                        .iter()
                        .map(|(_, cells)| cells.iter().map(|c| c.key.clone()).collect())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(keys(&funder), keys(&staff));
        assert_eq!(funder.previous, staff.previous);

        let shown = serde_json::to_value(Report::Shown(funder)).unwrap();
        let below =
            serde_json::to_value(Report::BelowThreshold(BelowThreshold::new(&period, 5))).unwrap();
        let field_names = |v: &serde_json::Value| -> Vec<String> {
            v.as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(field_names(&below), field_names(&shown));
        for part in ["exits", "follow_up_6m", "pnad", "previous", "breakdowns"] {
            assert_eq!(
                field_names(&below[part]),
                field_names(&shown[part]),
                "{part}"
            );
        }
        let mut found = Vec::new();
        numbers(&below, "", &mut found);
        assert_eq!(found, ["/suppression_threshold", "/year"]);
        assert!(below["breakdowns"]
            .as_object()
            .unwrap()
            .values()
            .all(|cells| cells == &serde_json::json!([])));
        assert_eq!(below["below_threshold"], serde_json::json!(true));
        assert_eq!(shown["below_threshold"], serde_json::json!(false));
        assert_eq!(below["hours"], serde_json::Value::Null);
    }

    #[test]
    fn breakdown_keys_read_as_organisation_names_and_french_labels() {
        let names: BTreeMap<i64, String> = [(3, "Ville".to_string())].into_iter().collect();
        assert_eq!(key_label("buyer", "3", &names), "Ville");
        assert_eq!(key_label("buyer", "4", &names), "4");
        assert_eq!(key_label("sex", "female", &names), "Femmes");
        assert_eq!(
            key_label("modality", "geiq", &names),
            "Mise à disposition par un GEIQ"
        );
        assert_eq!(key_label("sector", "45", &names), "Travaux de construction");
        assert_eq!(key_label("sector", "46", &names), "Division CPV 46");
    }
}
