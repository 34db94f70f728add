//! The SPASER evaluation page (`/reports/spaser`, issue 20 part 4): a form choosing a buyer
//! and a whole year (GET, so the address can be shared), then the table of
//! `GET /api/v1/reports/spaser` for that year and the year before, the workbook and CSV links, and
//! the 50 M€ line worded as an indication. Staff and funders, as the API.

use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::spaser::{self as app, SpaserRequest};
use crate::auth::{Caller, Role};
use crate::config::Config;
use crate::db::Db;
use crate::domain::ids::OrganisationId;
use crate::domain::rule::Violation;
use crate::pages::{Exit, FieldErrors, Html, PageView, Visitor};
use crate::reports::spaser::{lines, Spaser};

const TITLE: &str = "Évaluation SPASER d'un acheteur";
/// How many years the form offers, up to the current one.
const YEARS_OFFERED: i32 = 10;

#[derive(Serialize)]
struct BuyerChoice {
    id: i64,
    name: String,
    selected: bool,
}

#[derive(Serialize)]
struct YearChoice {
    year: i32,
    selected: bool,
}

#[derive(Serialize)]
struct LineView {
    label: String,
    current: String,
    previous: String,
    detail: bool,
}

#[derive(Serialize)]
struct Evaluation {
    buyer_name: String,
    year: i32,
    previous_year: i32,
    lines: Vec<LineView>,
    indication: String,
    above: bool,
    below_threshold: bool,
    threshold: Option<i64>,
    xlsx_href: String,
    csv_href: String,
    json_href: String,
}

#[derive(Serialize)]
struct SpaserPage {
    buyers: Vec<BuyerChoice>,
    years: Vec<YearChoice>,
    evaluation: Option<Evaluation>,
    errors: FieldErrors,
    funder: bool,
}

fn evaluation_view(s: &Spaser) -> Evaluation {
    let query = format!("buyer_id={}&year={}", s.buyer_id, s.year);
    Evaluation {
        buyer_name: s.buyer_name.clone(),
        year: s.year,
        previous_year: s.previous.year,
        lines: lines(s)
            .into_iter()
            .map(|l| LineView {
                label: l.label,
                current: l.current,
                previous: l.previous,
                detail: l.detail,
            })
            .collect(),
        indication: s.indication.clone(),
        above: s.above_spaser_threshold,
        below_threshold: s.current.below_threshold || s.previous.below_threshold,
        threshold: s.suppression_threshold,
        xlsx_href: format!("/api/v1/reports/spaser.xlsx?{query}"),
        csv_href: format!("/api/v1/reports/spaser.csv?{query}"),
        json_href: format!("/api/v1/reports/spaser?{query}"),
    }
}

/// GET /reports/spaser — the form, and the evaluation once a buyer is chosen.
#[rocket::get("/reports/spaser?<buyer_id>&<year>")]
pub async fn page(
    visitor: Visitor,
    buyer_id: Option<&str>,
    year: Option<&str>,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Html, Exit> {
    let caller: Caller = visitor.require(&[Role::Admin, Role::Facilitator, Role::Funder])?;
    let threshold = i64::from(config.suppression_threshold);
    let current_year = visitor.year;
    let first_offered = current_year - YEARS_OFFERED + 1;
    let mut errors = FieldErrors::default();
    // A year outside the offered ones is refused beside its field; none: the current year.
    let chosen_year = match year.map(str::trim).filter(|y| !y.is_empty()) {
        None => Some(current_year),
        Some(text) => {
            let y = text
                .parse::<i32>()
                .ok()
                .filter(|y| (first_offered..=current_year).contains(y));
            if y.is_none() {
                errors.add(
                    "year",
                    &Violation::new("year", "period_year_malformed")
                        .with("min", first_offered)
                        .with("max", current_year),
                );
            }
            y
        }
    };
    let chosen_buyer = match buyer_id.map(str::trim).filter(|b| !b.is_empty()) {
        None => None,
        Some(text) => {
            let b = text.parse::<i64>().ok().filter(|b| *b > 0);
            if b.is_none() {
                errors.add("buyer_id", &Violation::new("buyer_id", "id_not_positive"));
            }
            b
        }
    };
    let buyers = app::buyers(db, caller.clone(), threshold)
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let mut status = Status::Ok;
    let evaluation = match (chosen_buyer, chosen_year) {
        (Some(b), Some(y)) => {
            let req = SpaserRequest {
                buyer_id: OrganisationId(b),
                year: y,
            };
            match app::evaluation(db, caller.clone(), req, config.fte_hours, threshold).await {
                Ok(s) => Some(evaluation_view(&s)),
                Err(e) => return Err(visitor.problem(e.into())),
            }
        }
        _ => None,
    };
    if !errors.is_empty() {
        status = Status::UnprocessableEntity;
    }
    let data = SpaserPage {
        buyers: buyers
            .into_iter()
            .map(|(id, name)| BuyerChoice {
                selected: chosen_buyer == Some(id),
                id,
                name,
            })
            .collect(),
        years: (first_offered..=current_year)
            .rev()
            .map(|y| YearChoice {
                year: y,
                selected: chosen_year == Some(y),
            })
            .collect(),
        evaluation,
        errors,
        funder: caller.role == Role::Funder,
    };
    let here = format!("/reports/annual/{current_year}");
    let view = PageView::new("spaser.html", TITLE, &here, data);
    Ok(view.render(&visitor, &caller, status))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![page]
}
