//! The contracts still to clause page (`/contracts/to-clause`, issue 20 part 5): the list of
//! `GET /api/v1/contracts/to-clause` sorted by links in its headers and paged (works without
//! JavaScript), each line with a link to the new-clause page prefilled with the standard
//! calibration, the CSV download, and a small form to set a buyer's threshold (the use case of
//! `PUT /api/v1/contracts/to-clause/thresholds/{id}`).

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::to_clause::{self as app, Threshold, ThresholdInput, ToClauseLine, ToClauseQuery};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::ids::OrganisationId;
use crate::domain::next_action::format_date_fr;
use crate::domain::report::format_int_fr;
use crate::domain::rule::Violation;
use crate::domain::to_clause::SortKey;
use crate::error::ApiError;
use crate::pages::contracts::{euros, number};
use crate::pages::{notice, Exit, FieldErrors, Html, PageView, Visitor};

const PAGE_SIZE: i64 = 50;
const MAX_PAGE: i64 = 1000;
const PATH: &str = "/contracts/to-clause";
const TITLE: &str = "Marchés à clauser";
/// The navigation entry the page belongs to.
const CONTRACTS_PATH: &str = "/contracts";

#[derive(Serialize)]
struct Row {
    contract_id: i64,
    reference: String,
    title: String,
    buyer_name: String,
    amount: String,
    notified_on: String,
    duration: String,
    labour_share: String,
    hours: Option<String>,
    note: Option<String>,
    new_clause_href: String,
}

fn percent_fr(hundredths: i64) -> String {
    format!(
        "{}\u{a0}%",
        crate::domain::calibration::format_hundredths_fr(hundredths, hundredths % 100 != 0)
    )
}

fn row_of(l: &ToClauseLine) -> Row {
    let duration = match (l.duration_months, l.starts_on, l.ends_on) {
        (Some(m), _, _) => format!("{m}\u{a0}mois"),
        (None, Some(s), Some(e)) => format!("du {} au {}", format_date_fr(s), format_date_fr(e)),
        _ => "non renseignée".into(),
    };
    Row {
        contract_id: l.contract_id,
        reference: l.reference.clone(),
        title: l.title.clone(),
        buyer_name: l.buyer_name.clone(),
        amount: euros(l.amount_eur),
        notified_on: l.notified_on.map(format_date_fr).unwrap_or_default(),
        duration,
        labour_share: match (l.labour_share_percent, &l.labour_share_label) {
            (Some(p), Some(label)) => format!("{} ({label})", percent_fr(p)),
            (Some(p), None) => percent_fr(p),
            _ => "inconnue".into(),
        },
        hours: l.hours.map(|h| format!("{}\u{a0}h", format_int_fr(h))),
        note: l.note.clone(),
        new_clause_href: l.new_clause_href.clone(),
    }
}

#[derive(Serialize)]
struct SortLink {
    label: &'static str,
    href: String,
    /// `ascending`, `descending` or `none`, for `aria-sort`.
    state: &'static str,
}

#[derive(Serialize)]
struct ThresholdRow {
    buyer_id: i64,
    buyer_name: String,
    threshold: String,
    is_default: bool,
}

#[derive(Serialize, Default, Clone)]
struct ThresholdFormView {
    buyer_id: String,
    threshold_eur: String,
}

#[derive(Serialize)]
struct ToClausePage {
    rows: Vec<Row>,
    total: i64,
    page: i64,
    previous: Option<String>,
    next: Option<String>,
    sorts: Vec<SortLink>,
    csv_href: String,
    rate: String,
    cost: String,
    thresholds: Vec<ThresholdRow>,
    form: ThresholdFormView,
    errors: FieldErrors,
}

fn list_href(sort: SortKey, descending: bool, page: i64) -> String {
    let mut href = format!(
        "{PATH}?sort={}&order={}",
        sort.code(),
        if descending { "desc" } else { "asc" }
    );
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

fn sort_links(current: SortKey, descending: bool) -> Vec<SortLink> {
    [
        (SortKey::Amount, "Montant"),
        (SortKey::Date, "Notification"),
        (SortKey::Hours, "Heures"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let active = key == current;
        SortLink {
            label,
            // A click on the active column reverses its order; another column starts
            // descending.
            href: list_href(key, if active { !descending } else { true }, 1),
            state: match (active, descending) {
                (false, _) => "none",
                (true, true) => "descending",
                (true, false) => "ascending",
            },
        }
    })
    .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_page(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    sort: SortKey,
    descending: bool,
    page: i64,
    form: ThresholdFormView,
    errors: FieldErrors,
    status: Status,
    fait: Option<&str>,
) -> Result<Html, Exit> {
    let sid = caller.structure_id;
    let q = ToClauseQuery {
        sort,
        descending,
        buyer_id: None,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let (lines, total, thresholds, standard) = db
        .run(move |c| {
            let (lines, total) = app::list(c, sid, &q)?;
            let thresholds = app::thresholds(c, sid)?;
            let standard = crate::store::to_clause::standard(c, sid)?;
            Ok::<_, AppError>((lines, total, thresholds, standard))
        })
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let data = ToClausePage {
        rows: lines.iter().map(row_of).collect(),
        total,
        page,
        previous: (page > 1).then(|| list_href(sort, descending, page - 1)),
        next: (page * PAGE_SIZE < total).then(|| list_href(sort, descending, page + 1)),
        sorts: sort_links(sort, descending),
        csv_href: format!(
            "/api/v1/contracts/to-clause.csv?sort={}&order={}",
            sort.code(),
            if descending { "desc" } else { "asc" }
        ),
        rate: percent_fr(standard.insertion_rate_bp),
        cost: euros(standard.hourly_cost_cents),
        thresholds: thresholds.iter().map(threshold_row).collect(),
        form,
        errors,
    };
    let view = PageView::new("to_clause.html", TITLE, CONTRACTS_PATH, data);
    Ok(view.notice(notice(fait)).render(visitor, caller, status))
}

fn threshold_row(t: &Threshold) -> ThresholdRow {
    ThresholdRow {
        buyer_id: t.buyer_id,
        buyer_name: t.buyer_name.clone(),
        threshold: euros(t.threshold_eur),
        is_default: t.is_default,
    }
}

/// GET /contracts/to-clause — staff: the structure's contracts still to clause.
#[rocket::get("/contracts/to-clause?<sort>&<order>&<page>&<fait>")]
pub async fn list(
    visitor: Visitor,
    sort: Option<&str>,
    order: Option<&str>,
    page: Option<&str>,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    // An unknown sort or order falls back to the default: a page never refuses a link.
    let key = sort.and_then(SortKey::from_code).unwrap_or_default();
    let descending = order != Some("asc");
    let page = page
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE);
    render_page(
        &visitor,
        &caller,
        db,
        key,
        descending,
        page,
        ThresholdFormView::default(),
        FieldErrors::default(),
        Status::Ok,
        fait,
    )
    .await
}

#[derive(FromForm, Default)]
pub struct ThresholdForm {
    csrf_token: Option<String>,
    buyer_id: Option<String>,
    threshold_eur: Option<String>,
}

/// POST /contracts/to-clause/threshold — staff: sets a buyer's threshold, then back to the
/// list with a notice; refused, the page again with the error beside its field.
#[rocket::post("/contracts/to-clause/threshold", data = "<form>")]
pub async fn set_threshold(
    visitor: Visitor,
    form: Option<Form<ThresholdForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let mut errors = Vec::new();
    let buyer = form
        .buyer_id
        .as_deref()
        .and_then(|b| b.trim().parse::<i64>().ok())
        .filter(|b| *b > 0)
        .map(OrganisationId);
    if buyer.is_none() {
        errors.push(Violation::new("buyer_id", "required"));
    }
    let amount = number("threshold_eur", &form.threshold_eur, true, &mut errors);
    let refused: ApiError = match (buyer, amount) {
        (Some(buyer), Some(amount)) if errors.is_empty() => {
            let sid = caller.structure_id;
            let input = ThresholdInput {
                threshold_eur: amount,
            };
            match db
                .run(move |c| app::set_threshold(c, sid, buyer, input))
                .await
            {
                Ok(_) => return Ok(Exit::see_other(format!("{PATH}?fait=seuil-enregistre"))),
                Err(AppError::NotFound(_)) => {
                    AppError::Invalid(vec![Violation::new("buyer_id", "organisation_unknown")])
                        .into()
                }
                Err(e) => e.into(),
            }
        }
        _ => AppError::Invalid(errors).into(),
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(visitor.problem(refused));
    }
    let status = Status::from_code(refused.status).unwrap_or(Status::UnprocessableEntity);
    let view = ThresholdFormView {
        buyer_id: form.buyer_id.unwrap_or_default(),
        threshold_eur: form.threshold_eur.unwrap_or_default(),
    };
    let page = render_page(
        &visitor,
        &caller,
        db,
        SortKey::default(),
        true,
        1,
        view,
        FieldErrors::of_problem(&refused),
        status,
        None,
    )
    .await?;
    Ok(Exit::Page(page))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![list, set_threshold]
}
