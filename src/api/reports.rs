//! The annual impact report as JSON, CSV and XLSX (same parameters). Who sees what is
//! decided in `app::reports::resolve`: staff their own structure unsuppressed, funders their
//! scope with small-cell suppression, and nothing but `below_threshold` for a selection
//! under the threshold or on a hidden cell (`app::reports::disclose`); contractors are
//! refused by the guard.

use std::sync::Arc;

use rocket::http::{ContentType, Header};
use rocket::State;

use crate::api::body::Download;
use crate::api::query::Param;
use crate::api::report_params::RawParams;
use crate::app::report_cache::{annual_report_cached, CacheStatus, ReportCache};
use crate::app::reports::Loaded;
use crate::auth::{Caller, ReportReader};
use crate::config::Config;
use crate::db::Db;
use crate::domain::spreadsheet::CsvDialect;
use crate::error::{ApiError, ApiResult};
use crate::reports::{self, Report, ReportRequest};

/// Authorises and computes the report (`app::reports::annual_report`) with the figures of
/// the configuration, from memory while the data has not changed (`app::report_cache`).
pub async fn load(
    caller: Caller,
    req: ReportRequest,
    db: &Db,
    cache: &ReportCache,
    config: &Config,
    with_names: bool,
) -> ApiResult<(Arc<Loaded>, CacheStatus)> {
    let (fte_hours, threshold) = (config.fte_hours, i64::from(config.suppression_threshold));
    Ok(annual_report_cached(db, cache, caller, req, fte_hours, threshold, with_names).await?)
}

/// The `X-Cache` header: `hit` when the report came from memory, `miss` when computed.
fn cache_header(status: CacheStatus) -> Header<'static> {
    Header::new("X-Cache", status.as_str())
}

/// The report as JSON, written from the kept report (no copy of it), with `X-Cache`.
#[derive(rocket::Responder)]
pub struct ReportJson {
    body: (ContentType, String),
    cache: Header<'static>,
}

/// A download (CSV, XLSX) of the report, with `X-Cache`.
#[derive(rocket::Responder)]
pub struct ReportDownload {
    body: Download,
    cache: Header<'static>,
}

/// GET /api/v1/reports/annual — staff (own structure), funders (their scope, suppressed).
#[rocket::get("/reports/annual?<params..>")]
pub async fn annual(
    caller: ReportReader,
    params: RawParams,
    db: &State<Db>,
    cache: &State<ReportCache>,
    config: &State<Config>,
) -> ApiResult<ReportJson> {
    let req = params.parse()?;
    let (loaded, status) = load(caller.0, req, db, cache, config, true).await?;
    let body = serde_json::to_string::<Report>(&loaded.report).map_err(|e| {
        tracing::error!("report json: {e}");
        ApiError::internal()
    })?;
    Ok(ReportJson {
        body: (ContentType::JSON, body),
        cache: cache_header(status),
    })
}

/// GET /api/v1/reports/annual.csv — same parameters and readers as the JSON report, and
/// `dialect`: the French spreadsheet form by default, `standard` for programs.
#[rocket::get("/reports/annual.csv?<dialect>&<params..>")]
pub async fn annual_csv(
    caller: ReportReader,
    dialect: Param<CsvDialect>,
    params: RawParams,
    db: &State<Db>,
    cache: &State<ReportCache>,
    config: &State<Config>,
) -> ApiResult<ReportDownload> {
    let (req, dialect) = params.parse_with_dialect(dialect)?;
    let (loaded, status) = load(caller.0, req, db, cache, config, true).await?;
    let body = reports::csv::render(&loaded.report, &loaded.names, dialect).map_err(|e| {
        tracing::error!("report csv: {e}");
        ApiError::internal()
    })?;
    Ok(ReportDownload {
        body: Download::new(
            body,
            ContentType::new("text", "csv").with_params(("charset", "utf-8")),
            &reports::file_name(&loaded.report, "csv"),
        ),
        cache: cache_header(status),
    })
}

/// GET /api/v1/reports/annual.xlsx — same parameters and readers as the JSON report.
#[rocket::get("/reports/annual.xlsx?<params..>")]
pub async fn annual_xlsx(
    caller: ReportReader,
    params: RawParams,
    db: &State<Db>,
    cache: &State<ReportCache>,
    config: &State<Config>,
) -> ApiResult<ReportDownload> {
    let req = params.parse()?;
    let (loaded, status) = load(caller.0, req.clone(), db, cache, config, true).await?;
    let body = reports::xlsx::render(&loaded.report, &loaded.names, &req).map_err(|e| {
        tracing::error!("report xlsx: {e}");
        ApiError::internal()
    })?;
    Ok(ReportDownload {
        body: Download::new(
            body,
            ContentType::new(
                "application",
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            &reports::file_name(&loaded.report, "xlsx"),
        ),
        cache: cache_header(status),
    })
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![annual, annual_csv, annual_xlsx]
}
