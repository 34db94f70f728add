//! A clause's progress over time (`/clauses/{id}/progress`, staff): month by month since its
//! start, the hours validated and waiting, their running total against the hours expected by
//! each month's end, from the totals kept per assignment and month
//! (`app::progress::clause_months`).

use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::progress;
use crate::db::Db;
use crate::domain::ids::ClauseId;
use crate::domain::next_action::{format_date_fr, month_name_fr};
use crate::domain::progress::MonthProgress;
use crate::pages::{Exit, Html, PageView, Visitor};

const TITLE: &str = "Avancement mois par mois";
/// The navigation place of a clause's pages.
const CONTRACTS_PATH: &str = "/contracts";

#[derive(Serialize)]
struct Row {
    /// "Mars 2026".
    month: String,
    validated: i64,
    pending: i64,
    cumulative: i64,
    expected: i64,
    /// The running total is below what was expected by the month's end.
    behind: bool,
}

#[derive(Serialize)]
struct ProgressPage {
    id: i64,
    clause_label: String,
    required_hours: i64,
    /// A kind without an hour target (reserved contract, insertion purpose without hours):
    /// no hours expected, only the months' figures.
    hour_target: bool,
    starts_on: String,
    ends_on: String,
    on: String,
    rows: Vec<Row>,
    /// Largest of the cumulative and expected figures: the bars' full width.
    scale: i64,
}

fn month_words(m: &MonthProgress) -> String {
    let name = month_name_fr(m.month.month);
    let mut chars = name.chars();
    let first = chars.next().map(|c| c.to_uppercase().to_string());
    format!(
        "{}{} {}",
        first.unwrap_or_default(),
        chars.as_str(),
        m.month.year
    )
}

/// GET /clauses/{id}/progress — staff: the clause's months since its start with the hours of
/// each, the running total and the hours expected by the month's end (a bar for each).
#[rocket::get("/clauses/<id>/progress")]
pub async fn show(visitor: Visitor, id: ClauseId, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let sid = caller.structure_id;
    let today = db.clock.today();
    let view = db
        .run(move |c| progress::clause_months(c, sid, id, today))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let rows: Vec<Row> = view
        .months
        .iter()
        .map(|m| Row {
            month: month_words(m),
            validated: m.validated,
            pending: m.pending,
            cumulative: m.cumulative,
            expected: m.expected,
            behind: view.clause.hour_target && m.cumulative < m.expected,
        })
        .collect();
    let scale = rows
        .iter()
        .map(|r| r.cumulative.max(r.expected))
        .max()
        .unwrap_or(0)
        .max(1);
    let page = ProgressPage {
        id: view.clause.id.0,
        clause_label: view.clause_label,
        required_hours: view.clause.required_hours,
        hour_target: view.clause.hour_target,
        starts_on: format_date_fr(view.clause.starts_on),
        ends_on: format_date_fr(view.clause.ends_on),
        on: format_date_fr(today),
        rows,
        scale,
    };
    Ok(
        PageView::new("clause_progress.html", TITLE, CONTRACTS_PATH, page).render(
            &visitor,
            &caller,
            Status::Ok,
        ),
    )
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![show]
}
