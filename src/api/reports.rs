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

/// The report's JSON as kept with it (`Loaded::json`, `Loaded::json_gzip`): served without
/// writing or copying it.
enum SharedJson {
    Plain(Arc<str>),
    Gzip(Arc<[u8]>),
}

impl AsRef<[u8]> for SharedJson {
    fn as_ref(&self) -> &[u8] {
        match self {
            SharedJson::Plain(json) => json.as_bytes(),
            SharedJson::Gzip(bytes) => bytes,
        }
    }
}

/// The report as JSON, the bytes kept with the report (compressed for a client that
/// accepts gzip), with `X-Cache`.
pub struct ReportJson {
    body: SharedJson,
    cache: Header<'static>,
}

impl<'r> rocket::response::Responder<'r, 'static> for ReportJson {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        let len = self.body.as_ref().len();
        let mut answer = rocket::Response::build();
        answer
            .header(ContentType::JSON)
            .header(self.cache)
            // Caches between the client and us keep one answer per encoding.
            .header(Header::new("Vary", "Accept-Encoding"));
        if matches!(self.body, SharedJson::Gzip(_)) {
            answer.header(Header::new("Content-Encoding", "gzip"));
        }
        answer
            .sized_body(len, std::io::Cursor::new(self.body))
            // Rocket writes bodies in 4 KiB chunks by default: a 2 MB report would take
            // 500 writes.
            .max_chunk_size(256 << 10)
            .ok()
    }
}

/// Whether the client accepts a gzip answer: its `Accept-Encoding` names `gzip` (or
/// `x-gzip`), or `*` without naming gzip, with a weight above zero (RFC 9110 §12.5.3).
pub struct AcceptsGzip(bool);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for AcceptsGzip {
    type Error = std::convert::Infallible;

    async fn from_request(
        req: &'r rocket::Request<'_>,
    ) -> rocket::request::Outcome<Self, Self::Error> {
        let header = req.headers().get("Accept-Encoding").collect::<Vec<_>>();
        rocket::request::Outcome::Success(AcceptsGzip(accepts_gzip(&header.join(","))))
    }
}

/// See [`AcceptsGzip`]: `gzip`, `gzip;q=0.5`, `br, *` do; `gzip;q=0`, `identity`,
/// `*, gzip;q=0` do not.
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut named = None;
    let mut star = false;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let weighted_zero = parts.any(|p| {
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("q") && is_zero_weight(v.trim())
            })
        });
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            named = Some(!weighted_zero || named == Some(true));
        } else if coding == "*" {
            star = !weighted_zero;
        }
    }
    named.unwrap_or(star)
}

/// A weight of zero: `0`, `0.`, `0.0`, `0.000`.
fn is_zero_weight(q: &str) -> bool {
    q.starts_with('0') && q.chars().all(|c| c == '0' || c == '.')
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
    gzip: AcceptsGzip,
    db: &State<Db>,
    cache: &State<ReportCache>,
    config: &State<Config>,
) -> ApiResult<ReportJson> {
    let req = params.parse()?;
    let (loaded, status) = load(caller.0, req, db, cache, config, true).await?;
    let body = if gzip.0 {
        // Compressing a national report takes a few milliseconds: not on the async workers.
        let written = tokio::task::spawn_blocking(move || loaded.json_gzip()).await;
        written
            .map_err(std::io::Error::other)
            .and_then(|w| w)
            .map(SharedJson::Gzip)
    } else {
        loaded
            .json()
            .map(SharedJson::Plain)
            .map_err(std::io::Error::other)
    }
    .map_err(|e| {
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

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn gzip_is_accepted_when_named_or_starred_with_a_weight_above_zero() {
        for yes in [
            "gzip",
            "GZIP",
            "gzip, deflate, br",
            "br;q=1.0, gzip;q=0.5",
            "x-gzip",
            "*",
            "br, *;q=0.1",
            " deflate , gzip ; q=0.001",
            "gzip;q=0, gzip",
        ] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in [
            "",
            "identity",
            "br, deflate",
            "gzip;q=0",
            "gzip; q=0.000",
            "*, gzip;q=0",
            "*;q=0",
            "gzipped",
            "\0gzip",
        ] {
            assert!(!accepts_gzip(no), "{no:?}");
        }
    }
}
