//! The report as an HTML page in French, rendered with minijinja from `templates/report/`
//! (embedded in the binary, so it works from any directory). Charts are inline SVG whose
//! geometry is computed here; the page loads no script, font or image from anywhere, and
//! prints on A4 (print stylesheet in the layout).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

use crate::domain::report::{
    format_hundredths_fr, format_int_fr, format_rate_fr, rate_tenths, THOUSANDS_SEPARATOR,
};
use crate::domain::suppression::ShownCell;
use crate::reports::{key_label, outcome_label, AnnualReport, ScopeLabel, BREAKDOWN_TITLES};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "layout.html",
        include_str!("../../templates/report/layout.html"),
    ),
    (
        "annual.html",
        include_str!("../../templates/report/annual.html"),
    ),
    (
        "login.html",
        include_str!("../../templates/report/login.html"),
    ),
    (
        "error.html",
        include_str!("../../templates/report/error.html"),
    ),
    (
        "below_threshold.html",
        include_str!("../../templates/report/below_threshold.html"),
    ),
    (
        "password.html",
        include_str!("../../templates/report/password.html"),
    ),
    (
        "_filters.html",
        include_str!("../../templates/report/_filters.html"),
    ),
];

fn environment() -> &'static Result<Environment<'static>, String> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("template {name}: {e}"))?;
        }
        Ok(env)
    })
}

/// A template that could not be rendered: a defect of the templates, logged where it
/// happened; the page answers 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderError;

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a page template could not be rendered")
    }
}

impl std::error::Error for RenderError {}

/// Renders one of the embedded templates.
pub fn render<S: Serialize>(name: &str, context: S) -> Result<String, RenderError> {
    let env = environment().as_ref().map_err(|e| {
        tracing::error!("{e}");
        RenderError
    })?;
    env.get_template(name)
        .and_then(|t| t.render(context))
        .map_err(|e| {
            tracing::error!("rendering {name}: {e:#}");
            RenderError
        })
}

/// One bar of a vertical chart, geometry in SVG user units.
#[derive(Debug, Serialize)]
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub label: String,
    pub value: String,
    pub label_x: i64,
    pub label_y: i64,
    pub value_y: i64,
    pub current: bool,
}

#[derive(Debug, Serialize)]
pub struct Chart {
    pub width: i64,
    pub height: i64,
    pub baseline: i64,
    pub bars: Vec<Bar>,
    pub description: String,
}

/// A vertical bar chart of (label, value, text) with the last bar highlighted.
fn vertical_chart(points: &[(String, i64, String)], description: String) -> Chart {
    let (width, height, top, bottom, gap) = (560i64, 220i64, 24i64, 28i64, 16i64);
    let baseline = height - bottom;
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let n = points.len().max(1) as i64;
    let slot = width / n;
    let bar_width = (slot - gap).max(4);
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, (label, value, text))| {
            let h =
                (i128::from((*value).max(0)) * i128::from(baseline - top) / i128::from(max)) as i64;
            let x = i as i64 * slot + (slot - bar_width) / 2;
            Bar {
                x,
                y: baseline - h,
                width: bar_width,
                height: h,
                label: label.clone(),
                value: text.clone(),
                label_x: x + bar_width / 2,
                label_y: height - 8,
                value_y: (baseline - h - 6).max(12),
                current: i + 1 == points.len(),
            }
        })
        .collect();
    Chart {
        width,
        height,
        baseline,
        bars,
        description,
    }
}

/// Cells in reading order: age bands and qualification levels in their natural order,
/// other breakdowns as the report lists them.
fn display_order<'a>(name: &str, cells: &'a [ShownCell]) -> Vec<&'a ShownCell> {
    let order: &[&str] = match name {
        "age_band" => &["under_26", "26_49", "50_plus"],
        "qualification" => &["none", "1", "2", "3", "4", "5", "6", "7", "8"],
        _ => &[],
    };
    let rank = |key: &str| order.iter().position(|k| *k == key).unwrap_or(order.len());
    let mut out: Vec<&ShownCell> = cells.iter().collect();
    out.sort_by_key(|c| rank(&c.key));
    out
}

/// A row of a breakdown table, with its inline bar (width in SVG units out of 200).
#[derive(Debug, Serialize)]
pub struct BreakdownRow {
    pub key: String,
    pub label: String,
    pub persons: Option<String>,
    pub hours: Option<String>,
    pub bar: i64,
    pub suppressed: bool,
}

#[derive(Debug, Serialize)]
pub struct BreakdownView {
    pub name: &'static str,
    pub title: &'static str,
    pub note: Option<&'static str>,
    pub rows: Vec<BreakdownRow>,
}

#[derive(Debug, Serialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub label: String,
    pub href: String,
}

/// Everything the page shows besides the report itself.
pub struct PageExtras {
    /// (year, hours, beneficiaries), oldest first, ending with the report's year; a year
    /// withheld from a funder is left out.
    pub trend: Vec<(i32, i64, i64)>,
    pub names: BTreeMap<i64, String>,
    pub scope: ScopeLabel,
    pub structure_name: Option<String>,
    /// The query string of the filters (`territory=93&…`), without `year`.
    pub filter_query: String,
    pub filters: Vec<String>,
    /// The year the header's link opens.
    pub current_year: i32,
    /// The session's secret, sent back by the logout form.
    pub csrf_token: String,
    /// The day the page is edited, in French ("27 novembre 2026"): printed with the report.
    pub edited_on: String,
    /// The filter form (year, territory, buyer, contractor, clause kind).
    pub form: FilterForm,
}

/// One option of a select of the filter form.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The report page's filter form (GET `/reports/annual`, which sends to the page's own
/// address so that it can be shared): whole years only, up to the current one; the
/// territories, buyers and contractors that have hours in the caller's scope, by name.
#[derive(Debug, Clone, Serialize, Default)]
pub struct FilterForm {
    pub years: Vec<Choice>,
    pub territories: Vec<Choice>,
    pub buyers: Vec<Choice>,
    pub contractors: Vec<Choice>,
    pub clause_kinds: Vec<Choice>,
    /// A `structure_id` the page was given (funders with several structures), kept.
    pub structure_id: Option<i64>,
    /// The CSV and XLSX downloads of the same selection.
    pub downloads: Vec<Link>,
}

/// The years a report can be asked for: from the first year with validated hours (or four
/// years back, whichever is earlier) to the current year, newest first; the page's year is
/// selected. A year not yet begun is never offered.
pub fn year_choices(first_with_data: Option<i32>, year: i32, current_year: i32) -> Vec<Choice> {
    use crate::domain::period::FIRST_YEAR;
    let mut from = (current_year - 4).min(first_with_data.unwrap_or(current_year));
    if year <= current_year {
        from = from.min(year);
    }
    let from = from.max(FIRST_YEAR);
    (from..=current_year)
        .rev()
        .map(|y| Choice {
            value: y.to_string(),
            label: y.to_string(),
            selected: y == year,
        })
        .collect()
}

/// Builds the filter form of a report page for `req`, from what the caller's scope offers.
pub fn filter_form(
    choices: &crate::app::reports::ReportChoices,
    req: &crate::reports::ReportRequest,
    current_year: i32,
) -> FilterForm {
    use crate::domain::vocabulary::ClauseKind;
    let year = req.period.from.year;
    let of = |value: String, label: String, selected: bool| Choice {
        value,
        label,
        selected,
    };
    let mut territories: Vec<Choice> = choices
        .territories
        .iter()
        .map(|t| {
            of(
                t.clone(),
                format!("Département {t}"),
                req.territory.as_deref() == Some(t.as_str()),
            )
        })
        .collect();
    if let Some(t) = &req.territory {
        if !territories.iter().any(|c| c.selected) {
            territories.push(of(t.clone(), format!("Département {t}"), true));
        }
    }
    let organisations = |list: &[(i64, String)], chosen: Option<i64>| -> Vec<Choice> {
        list.iter()
            .map(|(id, name)| of(id.to_string(), name.clone(), chosen == Some(*id)))
            .collect()
    };
    let clause_kinds = ClauseKind::CODES
        .iter()
        .filter_map(|code| ClauseKind::parse(code))
        .map(|k| {
            of(
                k.as_str().to_string(),
                k.label().to_string(),
                req.clause_kind == Some(k),
            )
        })
        .collect();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("year", &year.to_string());
    if let Some(t) = &req.territory {
        query.append_pair("territory", t);
    }
    for (name, id) in [
        ("buyer_id", req.buyer_id.map(i64::from)),
        ("contractor_id", req.contractor_id.map(i64::from)),
        ("structure_id", req.structure_id.map(|s| s.0)),
    ] {
        if let Some(id) = id {
            query.append_pair(name, &id.to_string());
        }
    }
    if let Some(k) = req.clause_kind {
        query.append_pair("clause_kind", k.as_str());
    }
    let query = query.finish();
    FilterForm {
        years: year_choices(choices.first_year, year, current_year),
        territories,
        buyers: organisations(&choices.buyers, req.buyer_id.map(i64::from)),
        contractors: organisations(&choices.contractors, req.contractor_id.map(i64::from)),
        clause_kinds,
        structure_id: req.structure_id.map(|s| s.0),
        downloads: vec![
            Link {
                label: "Télécharger le CSV".into(),
                href: format!("/api/v1/reports/annual.csv?{query}"),
            },
            Link {
                label: "Télécharger le classeur XLSX".into(),
                href: format!("/api/v1/reports/annual.xlsx?{query}"),
            },
        ],
    }
}

#[derive(Debug, Serialize)]
pub struct PageContext {
    pub current_year: i32,
    pub edited_on: String,
    pub csrf_token: String,
    pub year: i32,
    pub title: String,
    pub scope: String,
    pub filters: Vec<String>,
    pub headline: String,
    pub figures: Vec<Figure>,
    pub comparison: Vec<Figure>,
    pub pnad: Vec<Figure>,
    /// The PNAD counts per buyer (issue 20).
    pub pnad_buyers: Vec<PnadBuyerView>,
    pub exits: Vec<Figure>,
    /// The situation at 6 months: the follow-ups due, by situation, and the share.
    pub follow_up_6m: Vec<Figure>,
    pub trend: Chart,
    pub breakdowns: Vec<BreakdownView>,
    pub withheld: Option<String>,
    pub suppression: Option<String>,
    pub downloads: Vec<Link>,
    pub previous_year: Link,
    /// None when the next year has not started (its report would be empty).
    pub next_year: Option<Link>,
    pub form: FilterForm,
}

fn hours_fr(h: i64) -> String {
    format!("{}{THOUSANDS_SEPARATOR}h", format_hundredths_fr(h))
}

fn whole_hours_fr(h: i64) -> String {
    let whole = (h + 50).div_euclid(100);
    format!("{}{THOUSANDS_SEPARATOR}h", format_int_fr(whole))
}

/// Change from `before` to `now` in percent (one decimal, signed), or None.
fn change(now: i64, before: i64) -> Option<String> {
    let tenths = rate_tenths(now - before, before)?;
    let sign = if tenths > 0 { "+" } else { "" };
    Some(format!("{sign}{}", format_rate_fr(tenths)))
}

fn query_with(base: &str, extra: &str) -> String {
    match (base.is_empty(), extra.is_empty()) {
        (true, _) => extra.to_string(),
        (false, true) => base.to_string(),
        (false, false) => format!("{base}&{extra}"),
    }
}

/// Builds the page's context from the report and its extras.
pub fn page_context(report: &AnnualReport, extras: &PageExtras) -> PageContext {
    let year = report.year.unwrap_or(0);
    let scope = match &extras.scope {
        ScopeLabel::Structure(_) => extras
            .structure_name
            .clone()
            .unwrap_or_else(|| "Votre structure".into()),
        ScopeLabel::Structures(n) => format!("{n} structures"),
        ScopeLabel::Territory(code) => format!("Département {code}"),
        ScopeLabel::All => "Ensemble des structures".into(),
    };
    let figures = vec![
        Figure {
            label: "Heures d'insertion réalisées".into(),
            value: hours_fr(report.hours),
            note: Some(format!(
                "dont {} de formation",
                hours_fr(report.training_hours)
            )),
        },
        Figure {
            label: "Équivalents temps plein".into(),
            value: format!("{} ETP", format_hundredths_fr(report.fte)),
            note: None,
        },
        Figure {
            label: "Personnes bénéficiaires".into(),
            value: format_int_fr(report.beneficiaries),
            note: Some("comptées une fois".into()),
        },
        Figure {
            label: "Marchés en exécution".into(),
            value: format_int_fr(report.contracts),
            note: Some(format!(
                "{} clause{} en exécution",
                format_int_fr(report.clauses),
                if report.clauses > 1 { "s" } else { "" }
            )),
        },
        Figure {
            label: "Heures exigées sur la période".into(),
            value: hours_fr(report.required_hours),
            note: Some("au prorata de la durée des clauses".into()),
        },
        Figure {
            label: "Taux de réalisation".into(),
            value: report
                .achievement_rate
                .map(format_rate_fr)
                .unwrap_or_else(|| "sans objet".into()),
            note: None,
        },
        Figure {
            label: "Contrats de travail signés".into(),
            value: report
                .employment_contracts
                .map(format_int_fr)
                .unwrap_or_else(|| "secret statistique".into()),
            note: None,
        },
    ];
    let p = &report.previous;
    let withheld_fr = || "secret statistique".to_string();
    let comparison = vec![
        Figure {
            label: format!("Heures ({} à {})", p.from, p.to),
            value: p.hours.map(hours_fr).unwrap_or_else(withheld_fr),
            note: p
                .hours
                .and_then(|h| change(report.hours, h))
                .map(|c| format!("évolution : {c}")),
        },
        Figure {
            label: "Personnes".into(),
            value: p
                .beneficiaries
                .map(format_int_fr)
                .unwrap_or_else(withheld_fr),
            note: p
                .beneficiaries
                .and_then(|n| change(report.beneficiaries, n))
                .map(|c| format!("évolution : {c}")),
        },
        Figure {
            label: "ETP".into(),
            value: p.fte.map(format_hundredths_fr).unwrap_or_else(withheld_fr),
            note: None,
        },
    ];
    let pnad = pnad_figures(&report.pnad);
    let pnad_buyers = pnad_buyer_rows(&report.pnad);
    let share_value = |share: Option<i64>, any: bool, shown: bool| match share {
        Some(tenths) => format_rate_fr(tenths),
        None if any && !shown => "secret statistique".to_string(),
        None => "sans objet".to_string(),
    };
    let count_value = |n: Option<i64>| {
        n.map(format_int_fr)
            .unwrap_or_else(|| "secret statistique".into())
    };
    let mut exits: Vec<Figure> = report
        .exits
        .named()
        .into_iter()
        .map(|(code, n)| Figure {
            label: outcome_label(code).to_string(),
            value: count_value(n),
            note: None,
        })
        .collect();
    let any_exit = report.exits.named().iter().any(|(_, n)| n != &Some(0));
    exits.push(Figure {
        label: "Part de sorties dynamiques (emploi durable, de transition, sortie positive)".into(),
        value: share_value(
            report.exits.dynamic_share,
            any_exit,
            report.suppression_threshold.is_none(),
        ),
        note: None,
    });
    let six = &report.follow_up_6m;
    let mut follow_up_6m: Vec<Figure> = six
        .named()
        .into_iter()
        .map(|(code, n)| Figure {
            label: crate::reports::follow_up_label(code).to_string(),
            value: count_value(n),
            note: None,
        })
        .collect();
    follow_up_6m.push(Figure {
        label: "Part en emploi ou en formation qualifiante (situations connues)".into(),
        value: share_value(
            six.dynamic_share,
            six.due != Some(0),
            report.suppression_threshold.is_none(),
        ),
        note: None,
    });
    let trend_points: Vec<(String, i64, String)> = extras
        .trend
        .iter()
        .map(|(y, h, _)| (y.to_string(), *h, whole_hours_fr(*h)))
        .collect();
    let trend_description = extras
        .trend
        .iter()
        .map(|(y, h, persons)| {
            format!(
                "{y} : {} pour {} personne{}",
                whole_hours_fr(*h),
                format_int_fr(*persons),
                if *persons > 1 { "s" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ");
    let breakdowns = match &report.breakdowns {
        None => Vec::new(),
        Some(b) => b
            .named()
            .into_iter()
            .zip(BREAKDOWN_TITLES)
            .map(|((name, cells), (_, title))| {
                let max = cells.iter().filter_map(|c| c.hours).max().unwrap_or(0).max(1);
                BreakdownView {
                    name,
                    title,
                    note: match name {
                        "criteria" => Some(
                            "Une personne peut relever de plusieurs critères : les lignes ne s'additionnent pas.",
                        ),
                        "modality" | "contract_type" | "sector" | "buyer" | "contractor"
                        | "clause_kind" => Some(
                            "Les heures s'additionnent ; une personne peut figurer sur plusieurs lignes.",
                        ),
                        _ => None,
                    },
                    rows: display_order(name, cells)
                        .into_iter()
                        .map(|c| BreakdownRow {
                            key: c.key.clone(),
                            label: key_label(name, &c.key, &extras.names),
                            persons: c.persons.map(format_int_fr),
                            hours: c.hours.map(hours_fr),
                            bar: c
                                .hours
                                .map(|h| (i128::from(h) * 200 / i128::from(max)) as i64)
                                .unwrap_or(0),
                            suppressed: c.suppressed,
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    let withheld = match (report.suppression_threshold, &report.breakdowns) {
        (Some(t), None) => Some(format!(
            "Le périmètre compte moins de {t} personnes : les répartitions ne sont pas publiées."
        )),
        _ => None,
    };
    let suppression = report.suppression_threshold.map(|t| {
        format!(
            "Secret statistique : les cases de moins de {t} personnes sont masquées, ainsi que \
             les cases nécessaires pour qu'aucune ne puisse être recalculée à partir des totaux."
        )
    });
    let q = &extras.filter_query;
    let downloads = vec![
        Link {
            label: "CSV".into(),
            href: format!(
                "/api/v1/reports/annual.csv?{}",
                query_with(&format!("year={year}"), q)
            ),
        },
        Link {
            label: "Classeur XLSX".into(),
            href: format!(
                "/api/v1/reports/annual.xlsx?{}",
                query_with(&format!("year={year}"), q)
            ),
        },
        Link {
            label: "JSON".into(),
            href: format!(
                "/api/v1/reports/annual?{}",
                query_with(&format!("year={year}"), q)
            ),
        },
    ];
    let year_link = |y: i32| Link {
        label: y.to_string(),
        href: if q.is_empty() {
            format!("/reports/annual/{y}")
        } else {
            format!("/reports/annual/{y}?{q}")
        },
    };
    PageContext {
        current_year: extras.current_year,
        edited_on: extras.edited_on.clone(),
        csrf_token: extras.csrf_token.clone(),
        year,
        title: format!("Bilan {year} des clauses sociales d'insertion"),
        scope,
        filters: extras.filters.clone(),
        headline: report.headline.clone(),
        figures,
        comparison,
        pnad,
        pnad_buyers,
        exits,
        follow_up_6m,
        trend: vertical_chart(&trend_points, trend_description),
        breakdowns,
        withheld,
        suppression,
        downloads,
        previous_year: year_link(year - 1),
        next_year: (year < extras.current_year).then(|| year_link(year + 1)),
        form: extras.form.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_bars_scale_to_the_tallest_and_stand_on_the_baseline() {
        let c = vertical_chart(
            &[
                ("2024".into(), 50, "a".into()),
                ("2025".into(), 100, "b".into()),
                ("2026".into(), 0, "c".into()),
            ],
            String::new(),
        );
        assert_eq!(c.bars.len(), 3);
        let tallest = c.baseline - 24;
        assert_eq!(c.bars[1].height, tallest);
        assert_eq!(c.bars[0].height, tallest / 2);
        assert_eq!(c.bars[2].height, 0);
        assert!(c.bars[2].current && !c.bars[0].current);
        assert!(c.bars.iter().all(|b| b.y + b.height == c.baseline));
        assert!(c.bars.iter().all(|b| b.x >= 0 && b.x + b.width <= c.width));
    }

    #[test]
    fn the_year_choices_are_whole_years_up_to_the_current_one() {
        let years = |c: Vec<Choice>| -> Vec<String> { c.into_iter().map(|c| c.value).collect() };
        // No data: four years back.
        assert_eq!(
            years(year_choices(None, 2026, 2026)),
            ["2026", "2025", "2024", "2023", "2022"]
        );
        // Data from 2019: back to 2019.
        assert_eq!(years(year_choices(Some(2019,), 2025, 2026)).len(), 8);
        // A page of a year not yet begun never offers it.
        let c = year_choices(Some(2024), 2027, 2026);
        assert_eq!(c.first().unwrap().value, "2026");
        assert!(c.iter().all(|c| !c.selected));
        // An older page's year is offered and chosen.
        let c = year_choices(Some(2024), 2015, 2026);
        assert_eq!(c.last().unwrap().value, "2015");
        assert!(c.last().unwrap().selected);
    }

    #[test]
    fn report_page_templates_compile() {
        assert!(environment().is_ok(), "{:?}", environment().as_ref().err());
    }

    #[test]
    fn change_is_a_signed_french_percentage_and_none_from_zero() {
        assert_eq!(change(150, 100).as_deref(), Some("+50,0\u{202F}%"));
        assert_eq!(change(50, 100).as_deref(), Some("-50,0\u{202F}%"));
        assert_eq!(change(5, 0), None);
    }
}

// ---------------------------------------------------------------------------------------
// PNAD (issue 20, part 3): the shares with their year's targets, and one line per buyer.

/// One buyer's line of the PNAD table.
#[derive(Debug, Serialize)]
pub struct PnadBuyerView {
    pub name: String,
    pub notified: String,
    pub social: String,
    pub social_share: String,
    pub environmental: String,
    pub environmental_share: String,
}

fn share_or_none(v: Option<i64>) -> String {
    v.map(format_rate_fr).unwrap_or_else(|| "sans objet".into())
}

fn pnad_figures(p: &crate::reports::Pnad) -> Vec<Figure> {
    let targets = p.targets.unwrap_or_default();
    vec![
        Figure {
            label: "Marchés notifiés sur la période".into(),
            value: format_int_fr(p.contracts_notified),
            note: None,
        },
        Figure {
            label: "dont avec au moins une considération sociale (déclarée ou clause d'insertion)"
                .into(),
            value: format_int_fr(p.with_social_consideration),
            note: None,
        },
        Figure {
            label: format!("Part sociale (objectif{NBSP}: {}{NBSP}%)", targets.social),
            value: share_or_none(p.share),
            note: None,
        },
        Figure {
            label: "dont avec au moins une considération environnementale".into(),
            value: format_int_fr(p.with_environmental_consideration),
            note: None,
        },
        Figure {
            label: format!(
                "Part environnementale (objectif{NBSP}: {}{NBSP}%)",
                targets.environmental
            ),
            value: share_or_none(p.environmental_share),
            note: None,
        },
    ]
}

fn pnad_buyer_rows(p: &crate::reports::Pnad) -> Vec<PnadBuyerView> {
    p.by_buyer
        .iter()
        .map(|b| PnadBuyerView {
            name: b.buyer_name.clone(),
            notified: format_int_fr(b.contracts_notified),
            social: format_int_fr(b.with_social_consideration),
            social_share: share_or_none(b.share),
            environmental: format_int_fr(b.with_environmental_consideration),
            environmental_share: share_or_none(b.environmental_share),
        })
        .collect()
}

/// The no-break space before a French colon or percent sign.
const NBSP: char = '\u{00A0}';
