//! Participants, their eligibility, their timeline, and the audit log of personal data.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::app::participants as app;
pub use crate::app::participants::{
    EligibilityInput, EligibilityOut, ParticipantInput, ParticipantOut,
};
use crate::auth::{AdminOnly, Staff, StaffOrContractor};
use crate::config::Config;
use crate::db::Db;
use crate::error::ApiResult;
use crate::store::audit::AuditEntry;

/// A ROME code: one letter and four digits.
pub use crate::domain::catalogue::is_rome_code;

/// POST /api/v1/participants — staff.
#[rocket::post("/participants", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<ParticipantInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<ParticipantOut>)> {
    let new = app::validate(body.0, db.clock.today())?;
    let caller = caller.0;
    let out = db
        .run(move |c| app::register_participant(c, &caller, new))
        .await?;
    Ok((Status::Created, Json(out)))
}

/// GET /api/v1/participants — staff; a contractor sees the people placed with or proposed to it.
#[rocket::get("/participants?<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<ParticipantOut>>> {
    params!(limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let caller = caller.0;
    let (items, total) = db
        .run(move |c| app::list_participants(c, &caller, limit, offset))
        .await?;
    let page = ListResponse { items, total };
    Ok(Json(page))
}

/// GET /api/v1/participants/{id} — staff; a contractor for people placed with or proposed to it.
#[rocket::get("/participants/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<ParticipantOut>> {
    let caller = caller.0;
    let out = db
        .run(move |c| app::read_participant(c, &caller, id))
        .await?;
    Ok(Json(out))
}

/// POST /api/v1/participants/{id}/eligibility — staff: records a validation.
#[rocket::post("/participants/<id>/eligibility", data = "<body>")]
pub async fn add_eligibility(
    caller: Staff,
    id: i64,
    body: JsonBody<EligibilityInput>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<(Status, Json<EligibilityOut>)> {
    let input = body.0;
    let today = db.clock.today();
    let months = config.eligibility_months;
    let caller = caller.0;
    let out = db
        .run(move |c| app::validate_eligibility(c, &caller, id, input, today, months))
        .await?;
    Ok((Status::Created, Json(out)))
}

/// GET /api/v1/participants/{id}/eligibility — staff: the history of validations.
#[rocket::get("/participants/<id>/eligibility")]
pub async fn eligibility_history(
    caller: Staff,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<Vec<EligibilityOut>>> {
    let caller = caller.0;
    let out = db
        .run(move |c| app::eligibility_history(c, &caller, id))
        .await?;
    Ok(Json(out))
}

/// GET /api/v1/participants/{id}/timeline — staff; a contractor for its own people, without
/// eligibility.
#[rocket::get("/participants/<id>/timeline")]
pub async fn timeline(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<crate::store::timeline::Timeline>> {
    let caller = caller.0;
    let out = db
        .run(move |c| app::participant_timeline(c, &caller, id))
        .await?;
    Ok(Json(out))
}

/// GET /api/v1/audit — admin: who read or changed personal data.
#[rocket::get("/audit?<participant_id>&<limit>&<offset>")]
pub async fn audit_log(
    caller: AdminOnly,
    participant_id: Param<i64>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<AuditEntry>>> {
    params!(participant_id, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = caller.structure_id;
    let (items, total) = db
        .run(move |c| app::audit_log(c, sid, participant_id, limit, offset))
        .await?;
    Ok(Json(ListResponse { items, total }))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        create,
        list,
        get,
        add_eligibility,
        eligibility_history,
        timeline,
        audit_log
    ]
}
