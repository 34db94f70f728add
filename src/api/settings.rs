//! Settings (issue 20): the PNAD targets of a year and the structure's standard
//! calibration. Staff read them; administrators write them.

use rocket::State;

use crate::api::body::JsonBody;
use crate::api::query::{QueryValue, Year};
use crate::api::reply::{self, Answer};
use crate::app::settings as app;
pub use crate::app::settings::{Calibration, CalibrationInput, PnadTargets, PnadTargetsInput};
use crate::app::AppError;
use crate::auth::{AdminOnly, Staff};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};

/// The year of the path, `YYYY` within the years requests may name (422 `year_malformed`).
fn year_of(text: &str) -> ApiResult<i32> {
    Year::read(text).map(|y| y.0).map_err(|mut v| {
        v.field = "year".into();
        ApiError::from(AppError::Invalid(vec![v]))
    })
}

/// GET /api/v1/settings/pnad-targets/{year} — staff: the year's targets of the purchasing
/// plan (the plan's 30 % and 100 % when none are set).
#[rocket::get("/settings/pnad-targets/<year>")]
pub async fn pnad_targets(_caller: Staff, year: &str, db: &State<Db>) -> Answer<PnadTargets> {
    let year = year_of(year)?;
    reply::json(db, move |c| app::pnad_targets(c, year)).await
}

/// PUT /api/v1/settings/pnad-targets/{year} — administrators: sets the year's targets
/// (whole percent, 0 to 100); the annual report reads them.
#[rocket::put("/settings/pnad-targets/<year>", data = "<body>")]
pub async fn set_pnad_targets(
    caller: AdminOnly,
    year: &str,
    body: JsonBody<PnadTargetsInput>,
    db: &State<Db>,
) -> Answer<PnadTargets> {
    let year = year_of(year)?;
    let (sid, uid, input) = (caller.structure_id, caller.user_id, body.0);
    reply::json(db, move |c| app::set_pnad_targets(c, sid, uid, year, input)).await
}

/// GET /api/v1/settings/calibration — staff: the structure's standard calibration.
#[rocket::get("/settings/calibration")]
pub async fn calibration(caller: Staff, db: &State<Db>) -> Answer<Calibration> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::calibration(c, sid)).await
}

/// PUT /api/v1/settings/calibration — administrators: sets the structure's standard
/// calibration (the contracts-to-clause list's hours follow it).
#[rocket::put("/settings/calibration", data = "<body>")]
pub async fn set_calibration(
    caller: AdminOnly,
    body: JsonBody<CalibrationInput>,
    db: &State<Db>,
) -> Answer<Calibration> {
    let (sid, uid, input) = (caller.structure_id, caller.user_id, body.0);
    reply::json(db, move |c| app::set_calibration(c, sid, uid, input)).await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![pnad_targets, set_pnad_targets, calibration, set_calibration]
}
