//! Participants, their eligibility, their timeline, and the audit log of personal data.

use chrono::NaiveDate;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::app::participants as app;
use crate::auth::{AdminOnly, Staff, StaffOrContractor};
use crate::config::Config;
use crate::db::Db;
use crate::domain::limits::{self, Code, FreeText, Name};
use crate::error::ApiResult;
use crate::store::audit::AuditEntry;
use crate::store::participants::EligibilityRow;
use crate::store::placements::Placement;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ParticipantInput {
    pub first_name: Name,
    pub last_name: Name,
    /// Not bounded by the 1990 floor of other dates: the plausibility rule of `validate`.
    pub birth_date: NaiveDate,
    pub sex: Code,
    pub postal_code: Option<Code>,
    #[serde(default)]
    pub qpv: bool,
    #[serde(default)]
    pub zrr: bool,
    pub qualification_level: Code,
    pub jobseeker_id: Option<Code>,
    pub looking_for_work: Option<bool>,
    #[serde(default)]
    pub wished_rome_codes: Vec<Code>,
    #[serde(default)]
    pub licences: Vec<Code>,
    #[serde(default)]
    pub reachable_departements: Vec<Code>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub available_from: Option<NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EligibilitySummary {
    pub status: &'static str,
    pub valid_until: Option<NaiveDate>,
    pub expired_since: Option<NaiveDate>,
    pub criteria: Vec<String>,
}

/// What staff see of a participant.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ParticipantView {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: i32,
    pub sex: String,
    pub postal_code: Option<String>,
    pub territory: Option<String>,
    pub qpv: bool,
    pub zrr: bool,
    pub qualification_level: String,
    pub jobseeker_id: Option<String>,
    pub looking_for_work: bool,
    pub wished_rome_codes: Vec<String>,
    pub licences: Vec<String>,
    pub reachable_departements: Vec<String>,
    pub available_from: Option<NaiveDate>,
    pub anonymised: bool,
    pub eligibility: EligibilitySummary,
}

/// What a contractor sees: the name and the placements with its organisation; for a person
/// proposed to one of its needs, also the wished jobs and the availability. Never the
/// eligibility, its criteria or the birth date.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ParticipantLimitedView {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub placements: Vec<Placement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wished_rome_codes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_from: Option<Option<NaiveDate>>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ParticipantOut {
    Full(Box<ParticipantView>),
    Limited(ParticipantLimitedView),
}

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
        .run(move |c| Ok(app::register_participant(c, &caller, new)?))
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
        .run(move |c| Ok(app::list_participants(c, &caller, limit, offset)?))
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
        .run(move |c| Ok(app::read_participant(c, &caller, id)?))
        .await?;
    Ok(Json(out))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EligibilityInput {
    pub criteria: Vec<Code>,
    pub proof: Code,
    #[serde(deserialize_with = "limits::date")]
    pub validated_on: NaiveDate,
    pub justification: Option<FreeText>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EligibilityOut {
    #[serde(flatten)]
    pub row: EligibilityRow,
    pub criteria: Vec<String>,
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
        .run(move |c| {
            Ok(app::validate_eligibility(
                c, &caller, id, input, today, months,
            )?)
        })
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
        .run(move |c| Ok(app::eligibility_history(c, &caller, id)?))
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
        .run(move |c| Ok(app::participant_timeline(c, &caller, id)?))
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
        .run(move |c| Ok(app::audit_log(c, sid, participant_id, limit, offset)?))
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
