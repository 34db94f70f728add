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
use crate::reports::{self, ReportRequest};

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

/// The report's JSON as kept with it (`Loaded::json`): served without writing or copying it.
struct SharedJson(Arc<str>);

impl AsRef<[u8]> for SharedJson {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// The report as JSON, the bytes kept with the report, with `X-Cache`.
pub struct ReportJson {
    body: Arc<str>,
    cache: Header<'static>,
}

impl<'r> rocket::response::Responder<'r, 'static> for ReportJson {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        let len = self.body.len();
        rocket::Response::build()
            .header(ContentType::JSON)
            .header(self.cache)
            .sized_body(len, std::io::Cursor::new(SharedJson(self.body)))
            // Rocket writes bodies in 4 KiB chunks by default: a 2 MB report would take
            // 500 writes.
            .max_chunk_size(256 << 10)
            .ok()
    }
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
    let body = loaded.json().map_err(|e| {
        tracing::error!("report json: {e}");
        ApiError::internal()
    })?;
    Ok(ReportJson {
        body,
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
