//! Contracts still to clause (issue 20, part 5): the list as JSON and CSV, and the buyers'
//! thresholds. Staff only; the caller's structure's buyers.

use rocket::http::ContentType;
use rocket::State;

use crate::api::body::{Download, JsonBody};
use crate::api::query::{params, Page, Paging, Param};
use crate::api::reply::{self, Answer, Listed};
use crate::app::to_clause as app;
pub use crate::app::to_clause::{Threshold, ThresholdInput, ToClauseLine};
use crate::auth::Staff;
use crate::db::Db;
use crate::domain::ids::OrganisationId;
use crate::domain::rule::Violation;
use crate::domain::spreadsheet::CsvDialect;
use crate::domain::to_clause::SortKey;
use crate::error::{ApiError, ApiResult};

/// The order of the list from `sort` (`amount`, `date`, `hours`; `amount` by default) and
/// `order` (`desc` by default, or `asc`).
pub fn order_of(
    sort: Option<&str>,
    order: Option<&str>,
) -> Result<(SortKey, bool), Vec<Violation>> {
    let mut errors = Vec::new();
    let key = match sort {
        None => Some(SortKey::default()),
        Some(s) => SortKey::from_code(s),
    };
    if key.is_none() {
        errors.push(Violation::new("sort", "to_clause_sort_unknown"));
    }
    let descending = match order {
        None | Some("desc") => Some(true),
        Some("asc") => Some(false),
        Some(_) => None,
    };
    if descending.is_none() {
        errors.push(Violation::new("order", "sort_order_unknown"));
    }
    match (key, descending) {
        (Some(k), Some(d)) => Ok((k, d)),
        _ => Err(errors),
    }
}

fn invalid(errors: Vec<Violation>) -> ApiError {
    crate::app::AppError::Invalid(errors).into()
}

/// GET /api/v1/contracts/to-clause — staff: the structure's notified contracts still to
/// clause, with the standard calibration's hours; sorted and paged.
#[rocket::get("/contracts/to-clause?<sort>&<order>&<buyer_id>&<paging..>")]
pub async fn list(
    caller: Staff,
    sort: Param<String>,
    order: Param<String>,
    buyer_id: Param<OrganisationId>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<ToClauseLine> {
    params!(sort, order, buyer_id, paging);
    let (key, descending) = order_of(sort.as_deref(), order.as_deref()).map_err(invalid)?;
    let Page { limit, offset } = paging;
    let q = app::ToClauseQuery {
        sort: key,
        descending,
        buyer_id,
        limit,
        offset,
    };
    let sid = caller.structure_id;
    reply::page(db, move |c| app::list(c, sid, &q)).await
}

/// GET /api/v1/contracts/to-clause.csv — staff: every line of the list in that order, in the
/// French spreadsheet form unless `dialect=standard`.
#[rocket::get("/contracts/to-clause.csv?<sort>&<order>&<buyer_id>&<dialect>")]
pub async fn list_csv(
    caller: Staff,
    sort: Param<String>,
    order: Param<String>,
    buyer_id: Param<OrganisationId>,
    dialect: Param<CsvDialect>,
    db: &State<Db>,
) -> ApiResult<Download> {
    params!(sort, order, buyer_id, dialect);
    let (key, descending) = order_of(sort.as_deref(), order.as_deref()).map_err(invalid)?;
    let q = app::ToClauseQuery {
        sort: key,
        descending,
        buyer_id,
        limit: i64::MAX,
        offset: 0,
    };
    let sid = caller.structure_id;
    let lines = reply::call(db, move |c| app::all_lines(c, sid, &q)).await?;
    let body = app::render_csv(&lines, dialect.unwrap_or_default()).map_err(|e| {
        tracing::error!("to-clause csv: {e}");
        ApiError::internal()
    })?;
    Ok(Download::new(
        body,
        ContentType::new("text", "csv").with_params(("charset", "utf-8")),
        "marches-a-clauser.csv",
    ))
}

/// GET /api/v1/contracts/to-clause/thresholds — staff: each buyer's threshold.
#[rocket::get("/contracts/to-clause/thresholds")]
pub async fn thresholds(caller: Staff, db: &State<Db>) -> Answer<Vec<Threshold>> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::thresholds(c, sid)).await
}

/// PUT /api/v1/contracts/to-clause/thresholds/{id} — staff: sets a buyer's threshold.
#[rocket::put("/contracts/to-clause/thresholds/<id>", data = "<body>")]
pub async fn set_threshold(
    caller: Staff,
    id: OrganisationId,
    body: JsonBody<ThresholdInput>,
    db: &State<Db>,
) -> Answer<Threshold> {
    let (sid, input) = (caller.structure_id, body.0);
    reply::json(db, move |c| app::set_threshold(c, sid, id, input)).await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![list, list_csv, thresholds, set_threshold]
}
