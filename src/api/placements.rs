//! Placements of participants on assignments, and their exit.

use chrono::NaiveDate;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::Deserialize;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::app::placements::{self as app, Actor, PlacementRequest};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::{write_tx, Db};
use crate::domain::limits::{self, Code, FreeText, Label};
use crate::domain::units::Hundredths;
use crate::error::ApiResult;
use crate::store::placements::Placement;

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct PlacementInput {
    pub participant_id: i64,
    pub assignment_id: i64,
    pub modality: Code,
    pub employer_id: i64,
    pub contract_type: Code,
    pub job_title: Label,
    #[serde(deserialize_with = "limits::date")]
    pub starts_on: NaiveDate,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub ends_on: Option<NaiveDate>,
    pub weekly_hours: Option<Hundredths>,
    pub derogation_reason: Option<FreeText>,
}

impl From<PlacementInput> for PlacementRequest {
    fn from(input: PlacementInput) -> PlacementRequest {
        PlacementRequest {
            participant_id: input.participant_id,
            assignment_id: input.assignment_id,
            modality: input.modality.into(),
            employer_id: input.employer_id,
            contract_type: input.contract_type.into(),
            job_title: input.job_title.into(),
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            weekly_hours: input.weekly_hours.map(|h| h.0),
            derogation_reason: input.derogation_reason.map(Into::into),
        }
    }
}

/// POST /api/v1/placements — staff (a derogation is a facilitator's decision).
#[rocket::post("/placements", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<PlacementInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<Placement>)> {
    let by = Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    };
    let input = PlacementRequest::from(body.0);
    let p = db
        .run(move |c| write_tx(c, |c| app::place_person(c, &by, input)))
        .await?;
    Ok((Status::Created, Json(p)))
}

/// GET /api/v1/placements — staff; a contractor sees the placements of its organisation.
#[rocket::get("/placements?<participant_id>&<assignment_id>&<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    participant_id: Param<i64>,
    assignment_id: Param<i64>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<Placement>>> {
    params!(participant_id, assignment_id, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let caller = caller.0;
    let (items, total) = db
        .run(move |c| {
            app::list_placements(c, &caller, participant_id, assignment_id, limit, offset)
        })
        .await?;
    Ok(Json(ListResponse { items, total }))
}

/// GET /api/v1/placements/{id} — staff; a contractor for its own placements.
#[rocket::get("/placements/<id>")]
pub async fn get(caller: StaffOrContractor, id: i64, db: &State<Db>) -> ApiResult<Json<Placement>> {
    let caller = caller.0;
    let p = db.run(move |c| app::placement_for(c, &caller, id)).await?;
    Ok(Json(p))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExitInput {
    #[serde(deserialize_with = "limits::date")]
    pub ended_on: NaiveDate,
    pub outcome: Code,
}

/// POST /api/v1/placements/{id}/exit — staff: records the end and its outcome.
#[rocket::post("/placements/<id>/exit", data = "<body>")]
pub async fn exit(
    caller: Staff,
    id: i64,
    body: JsonBody<ExitInput>,
    db: &State<Db>,
) -> ApiResult<Json<Placement>> {
    let input = body.0;
    let by = Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    };
    let p = db
        .run(move |c| {
            write_tx(c, |c| {
                app::record_exit(c, &by, id, input.ended_on, &input.outcome)
            })
        })
        .await?;
    Ok(Json(p))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, exit]
}
