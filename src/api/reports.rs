//! The annual impact report as JSON, CSV and XLSX (same parameters). Who sees what is
//! decided in `reports::resolve`: staff their own structure unsuppressed, funders their
//! scope with small-cell suppression, and nothing but `below_threshold` for a selection
//! under the threshold or on a hidden cell (`reports::disclose`); contractors are refused
//! by the guard.

use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket::State;

use crate::api::body::Download;
use crate::auth::{Caller, ReportReader};
use crate::config::Config;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::reports::{self, AnnualReport, RawParams, Report, ReportRequest, Resolved};
use crate::store::reports as store;

/// A computed report with what the renderers need besides it.
pub struct Loaded {
    pub report: Report,
    pub resolved: Resolved,
    /// Names of the buyers and contractors of the breakdowns and filters.
    pub names: std::collections::BTreeMap<i64, String>,
}

/// Organisation ids a rendering names: breakdown keys and filters.
pub fn named_ids(report: &AnnualReport, req: &ReportRequest) -> Vec<i64> {
    let mut ids: Vec<i64> = report
        .breakdowns
        .as_ref()
        .map(|b| {
            b.buyer
                .iter()
                .chain(b.contractor.iter())
                .filter_map(|c| c.key.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    ids.extend(req.buyer_id);
    ids.extend(req.contractor_id);
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Authorises and computes the report: the scope first, then the figures of the hours and
/// the other figures side by side on two connections (each is one pass; together they
/// take the time of the longer), then the names a rendering needs.
pub async fn load(
    caller: Caller,
    req: ReportRequest,
    db: &Db,
    config: &Config,
    with_names: bool,
) -> ApiResult<Loaded> {
    let (fte_hours, threshold) = (config.fte_hours, i64::from(config.suppression_threshold));
    let request = req.clone();
    let resolved = db
        .run(move |c| reports::resolve(c, &caller, &request, threshold))
        .await?;
    let (scope, period) = (resolved.scope.clone(), req.period);
    let figures = db.run(move |c| reports::load_figures(c, &scope, &period));
    let scope = resolved.scope.clone();
    let others = db.run(move |c| reports::load_others(c, &scope, &period));
    let (figures, others) = rocket::tokio::try_join!(figures, others)?;
    let report = match resolved.suppression {
        None => Report::Shown(reports::assemble(
            &req.period,
            &figures,
            &others,
            fte_hours,
            None,
        )),
        // A funder: judged against the threshold and the unfiltered report's hidden cells.
        Some(t) => {
            let (judged, period) = (resolved.clone(), req.period);
            db.run(move |c| reports::disclose(c, &judged, &period, &figures, others, fte_hours, t))
                .await?
        }
    };
    let names = match (&report, with_names) {
        (Report::Shown(shown), true) => {
            let ids = named_ids(shown, &req);
            db.run(move |c| store::organisation_names(c, &ids)).await?
        }
        _ => Default::default(),
    };
    Ok(Loaded {
        report,
        resolved,
        names,
    })
}

/// GET /api/v1/reports/annual — staff (own structure), funders (their scope, suppressed).
#[rocket::get("/reports/annual?<params..>")]
pub async fn annual(
    caller: ReportReader,
    params: RawParams,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Json<Report>> {
    let req = params.parse()?;
    let loaded = load(caller.0, req, db, config, false).await?;
    Ok(Json(loaded.report))
}

/// GET /api/v1/reports/annual.csv — same parameters and readers as the JSON report.
#[rocket::get("/reports/annual.csv?<params..>")]
pub async fn annual_csv(
    caller: ReportReader,
    params: RawParams,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Download> {
    let req = params.parse()?;
    let loaded = load(caller.0, req, db, config, false).await?;
    let body = reports::csv::render(&loaded.report).map_err(|e| {
        tracing::error!("report csv: {e}");
        ApiError::internal()
    })?;
    Ok(Download::new(
        body.into_bytes(),
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
    let loaded = load(caller.0, req, db, config, true).await?;
    let body = reports::xlsx::render(&loaded.report, &loaded.names).map_err(|e| {
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
