//! A buyer's SPASER evaluation for a year, as JSON, CSV and XLSX (`app::spaser`): staff for their
//! structure's buyers, funders for the buyers of their scope with the annual report's
//! suppression; contractors are refused by the guard.

use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket::State;

use crate::api::body::Download;
use crate::api::messages::field_error;
use crate::api::query::{refused, Param};
use crate::api::reply::Answer;
use crate::app::spaser::{self as app, SpaserRequest};
use crate::auth::{Caller, ReportReader};
use crate::config::Config;
use crate::db::Db;
use crate::domain::ids::OrganisationId;
use crate::domain::period::{FIRST_YEAR, LAST_YEAR};
use crate::domain::rule::Violation;
use crate::domain::spreadsheet::CsvDialect;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::reports::spaser::{csv, file_name, xlsx, Spaser};

/// The query of the evaluation: `buyer_id` and `year`, both required.
#[derive(Debug, Clone, Default, rocket::FromForm)]
pub struct SpaserParams {
    pub buyer_id: Param<OrganisationId>,
    pub year: Param<String>,
}

impl SpaserParams {
    /// Checks both parameters; every bad one named in one 422.
    pub fn parse(self) -> Result<SpaserRequest, ApiError> {
        self.parse_after(Vec::new())
    }

    /// Checks the CSV's `dialect` with both parameters: all the bad ones in one 422.
    pub fn parse_with_dialect(
        self,
        dialect: Param<CsvDialect>,
    ) -> Result<(SpaserRequest, CsvDialect), ApiError> {
        let mut errors = Vec::new();
        let dialect = dialect.take("dialect", &mut errors);
        Ok((self.parse_after(errors)?, dialect.unwrap_or_default()))
    }

    /// Checks both parameters after the ones already refused in `errors`.
    fn parse_after(self, mut errors: Vec<FieldError>) -> Result<SpaserRequest, ApiError> {
        let buyer = self.buyer_id.take("buyer_id", &mut errors);
        let year_text = self.year.take("year", &mut errors);
        // A buyer_id refused as malformed is not also called missing.
        let buyer_refused = errors.iter().any(|e| e.field == "buyer_id");
        if buyer.is_none() && !buyer_refused {
            errors.push(field_error(&Violation::new("buyer_id", "param_required")));
        }
        let year = match year_text.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(field_error(&Violation::new("year", "param_required")));
                None
            }
            Some(text) => {
                let y = (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| text.parse::<i32>().ok())
                    .flatten()
                    // The year before must be in range too.
                    .filter(|y| (FIRST_YEAR + 1..=LAST_YEAR).contains(y));
                if y.is_none() {
                    errors.push(field_error(
                        &Violation::new("year", "period_year_malformed")
                            .with("min", FIRST_YEAR + 1)
                            .with("max", LAST_YEAR),
                    ));
                }
                y
            }
        };
        match (buyer, year, errors.is_empty()) {
            (Some(buyer_id), Some(year), true) => Ok(SpaserRequest { buyer_id, year }),
            _ => Err(refused(errors)),
        }
    }
}

/// The evaluation with the figures of the configuration.
pub async fn load(
    caller: Caller,
    req: SpaserRequest,
    db: &Db,
    config: &Config,
) -> ApiResult<Spaser> {
    let (fte_hours, threshold) = (config.fte_hours, i64::from(config.suppression_threshold));
    Ok(app::evaluation(db, caller, req, fte_hours, threshold).await?)
}

/// GET /api/v1/reports/spaser?buyer_id=&year= — staff (their buyers), funders (their scope).
#[rocket::get("/reports/spaser?<params..>")]
pub async fn spaser(
    caller: ReportReader,
    params: SpaserParams,
    db: &State<Db>,
    config: &State<Config>,
) -> Answer<Spaser> {
    let req = params.parse()?;
    Ok(Json(load(caller.0, req, db, config).await?))
}

/// GET /api/v1/reports/spaser.xlsx?buyer_id=&year= — the same as a workbook.
#[rocket::get("/reports/spaser.xlsx?<params..>")]
pub async fn spaser_xlsx(
    caller: ReportReader,
    params: SpaserParams,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Download> {
    let req = params.parse()?;
    let s = load(caller.0, req, db, config).await?;
    let body = xlsx(&s).map_err(|e| {
        tracing::error!("spaser xlsx: {e}");
        ApiError::internal()
    })?;
    Ok(Download::new(
        body,
        ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        &file_name(&s, "xlsx"),
    ))
}

/// GET /api/v1/reports/spaser.csv?buyer_id=&year=&dialect= — the same as one long table,
/// in the French spreadsheet form unless `dialect=standard`.
#[rocket::get("/reports/spaser.csv?<dialect>&<params..>")]
pub async fn spaser_csv(
    caller: ReportReader,
    dialect: Param<CsvDialect>,
    params: SpaserParams,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Download> {
    let (req, dialect) = params.parse_with_dialect(dialect)?;
    let s = load(caller.0, req, db, config).await?;
    let body = csv(&s, dialect).map_err(|e| {
        tracing::error!("spaser csv: {e}");
        ApiError::internal()
    })?;
    Ok(Download::new(
        body,
        ContentType::new("text", "csv").with_params(("charset", "utf-8")),
        &file_name(&s, "csv"),
    ))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![spaser, spaser_csv, spaser_xlsx]
}
