//! The annual impact report as JSON, CSV and XLSX (same parameters). Who sees what is
//! decided in `app::reports::resolve`: staff their own structure unsuppressed, funders their
//! scope with small-cell suppression, and nothing but `below_threshold` for a selection
//! under the threshold or on a hidden cell (`app::reports::disclose`); contractors are
//! refused by the guard.

use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket::State;

use crate::api::body::Download;
use crate::api::query::Param;
use crate::api::reply::Answer;
use crate::api::report_params::RawParams;
use crate::app::reports::{self as app, Loaded};
use crate::auth::{Caller, ReportReader};
use crate::config::Config;
use crate::db::Db;
use crate::domain::spreadsheet::CsvDialect;
use crate::error::{ApiError, ApiResult};
use crate::reports::{self, Report, ReportRequest};

/// Authorises and computes the report (`app::reports::annual_report`) with the figures of
/// the configuration.
pub async fn load(
    caller: Caller,
    req: ReportRequest,
    db: &Db,
    config: &Config,
    with_names: bool,
) -> ApiResult<Loaded> {
    let (fte_hours, threshold) = (config.fte_hours, i64::from(config.suppression_threshold));
    Ok(app::annual_report(db, caller, req, fte_hours, threshold, with_names).await?)
}

/// GET /api/v1/reports/annual — staff (own structure), funders (their scope, suppressed).
#[rocket::get("/reports/annual?<params..>")]
pub async fn annual(
    caller: ReportReader,
    params: RawParams,
    db: &State<Db>,
    config: &State<Config>,
) -> Answer<Report> {
    let req = params.parse()?;
    let loaded = load(caller.0, req, db, config, true).await?;
    Ok(Json(loaded.report))
}

/// GET /api/v1/reports/annual.csv — same parameters and readers as the JSON report, and
/// `dialect`: the French spreadsheet form by default, `standard` for programs.
#[rocket::get("/reports/annual.csv?<dialect>&<params..>")]
pub async fn annual_csv(
    caller: ReportReader,
    dialect: Param<CsvDialect>,
    params: RawParams,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Download> {
    let (req, dialect) = params.parse_with_dialect(dialect)?;
    let loaded = load(caller.0, req, db, config, true).await?;
    let body = reports::csv::render(&loaded.report, &loaded.names, dialect).map_err(|e| {
        tracing::error!("report csv: {e}");
        ApiError::internal()
    })?;
    Ok(Download::new(
        body,
        ContentType::new("text", "csv").with_params(("charset", "utf-8")),
        &reports::file_name(&loaded.report, "csv"),
    ))
}

/// GET /api/v1/reports/annual.xlsx — same parameters and readers as the JSON report.
#[rocket::get("/reports/annual.xlsx?<params..>")]
pub async fn annual_xlsx(
    caller: ReportReader,
    params: RawParams,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Download> {
    let req = params.parse()?;
    let loaded = load(caller.0, req.clone(), db, config, true).await?;
    let body = reports::xlsx::render(&loaded.report, &loaded.names, &req).map_err(|e| {
        tracing::error!("report xlsx: {e}");
        ApiError::internal()
    })?;
    Ok(Download::new(
        body,
        ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        &reports::file_name(&loaded.report, "xlsx"),
    ))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![annual, annual_csv, annual_xlsx]
}
