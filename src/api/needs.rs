//! Recruitment needs (besoins de recrutement) of an assignment, and the people of the pool
//! that match them.

use chrono::NaiveDate;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::app::needs as app;
use crate::auth::{Staff, StaffOrContractor};
use crate::db::Db;
use crate::domain::limits::{self, Code, Label};
use crate::domain::units::{ser_hundredths, Hundredths};
use crate::error::ApiResult;
use crate::store::contracts::split_codes;
use crate::store::needs::{Need, ProposalCounts};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NeedInput {
    pub assignment_id: i64,
    pub job_title: Label,
    pub rome_code: Option<Code>,
    pub posts: i64,
    pub commune_code: Code,
    pub territory: Code,
    #[serde(deserialize_with = "limits::date")]
    pub starts_on: NaiveDate,
    pub weekly_hours: Hundredths,
    pub duration_months: Option<i64>,
    #[serde(default)]
    pub licences: Vec<Code>,
    pub modality: Code,
    pub employer_id: i64,
    pub contract_type: Code,
}

/// A need as the API shows it, with the counts of its proposals.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NeedView {
    pub id: i64,
    pub assignment_id: i64,
    pub clause_id: i64,
    pub contractor_id: i64,
    pub job_title: String,
    pub rome_code: Option<String>,
    pub posts: i32,
    pub commune_code: String,
    pub territory: String,
    pub starts_on: NaiveDate,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub weekly_hours: i64,
    pub duration_months: Option<i32>,
    pub licences: Vec<String>,
    pub modality: String,
    pub employer_id: i64,
    pub contract_type: String,
    /// `open`, `filled` (hires reached the posts) or `closed`.
    pub status: String,
    pub proposals: i64,
    /// Proposed or in interview: still in the running.
    pub pending: i64,
    pub hires: i64,
    pub declined: i64,
    pub created_by: i64,
    pub created_at: chrono::NaiveDateTime,
}

pub fn need_view(n: Need, counts: ProposalCounts) -> NeedView {
    let r = n.row;
    NeedView {
        id: r.id,
        assignment_id: r.assignment_id,
        clause_id: n.clause_id,
        contractor_id: n.contractor_id,
        job_title: r.job_title,
        rome_code: r.rome_code,
        posts: r.posts,
        commune_code: r.commune_code,
        territory: r.territory,
        starts_on: r.starts_on,
        weekly_hours: r.weekly_hours,
        duration_months: r.duration_months,
        licences: split_codes(&r.licences),
        modality: r.modality,
        employer_id: r.employer_id,
        contract_type: r.contract_type,
        status: r.status,
        proposals: counts.total,
        pending: counts.pending,
        hires: counts.hires,
        declined: counts.declined,
        created_by: r.created_by,
        created_at: r.created_at,
    }
}

/// POST /api/v1/needs — staff; a contractor for its own assignments.
#[rocket::post("/needs", data = "<body>")]
pub async fn create(
    caller: StaffOrContractor,
    body: JsonBody<NeedInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<NeedView>)> {
    let (sid, uid, org) = (caller.structure_id, caller.user_id, caller.contractor_org());
    let input = body.0;
    let view = db
        .run(move |c| Ok(app::create_need(c, sid, uid, org, input)?))
        .await?;
    Ok((Status::Created, Json(view)))
}

/// GET /api/v1/needs — staff; a contractor sees the needs of its own assignments.
#[rocket::get("/needs?<status>&<assignment_id>&<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    status: Param<String>,
    assignment_id: Param<i64>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<NeedView>>> {
    params!(status, assignment_id, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = caller.structure_id;
    let org = caller.contractor_org();
    let out = db
        .run(move |c| {
            let (items, total) =
                app::list_needs(c, sid, org, status.as_deref(), assignment_id, limit, offset)?;
            Ok(ListResponse { items, total })
        })
        .await?;
    Ok(Json(out))
}

/// GET /api/v1/needs/{id} — staff; a contractor for its own needs.
#[rocket::get("/needs/<id>")]
pub async fn get(caller: StaffOrContractor, id: i64, db: &State<Db>) -> ApiResult<Json<NeedView>> {
    let sid = caller.structure_id;
    let org = caller.contractor_org();
    let view = db.run(move |c| Ok(app::need(c, sid, id, org)?)).await?;
    Ok(Json(view))
}

/// POST /api/v1/needs/{id}/close — staff; a contractor for its own needs: the need is no
/// longer recruited for (a filled need stays filled). Pending proposals keep waiting for
/// their answer.
#[rocket::post("/needs/<id>/close")]
pub async fn close(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<NeedView>> {
    let sid = caller.structure_id;
    let org = caller.contractor_org();
    let view = db
        .run(move |c| Ok(app::close_need(c, sid, id, org)?))
        .await?;
    Ok(Json(view))
}

/// One person of the pool ranked for a need.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MatchView {
    pub participant_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Out of 7: `job` 3, `place` 2, `available` 1, `licences` 1.
    pub score: i32,
    pub reasons: Vec<&'static str>,
    pub wished_rome_codes: Vec<String>,
    pub reachable_departements: Vec<String>,
    pub licences: Vec<String>,
    pub available_from: Option<NaiveDate>,
    pub eligibility_valid_until: Option<NaiveDate>,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub planned_weekly_hours_on_start: i64,
    /// The proposal of this person to this need, if already made.
    pub referral: Option<MatchReferral>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MatchReferral {
    pub id: i64,
    pub state: String,
}

/// GET /api/v1/needs/{id}/matches — staff: the pool ranked for the need (see
/// `domain::matching::rank` for the score). Each person listed is written to the audit log.
#[rocket::get("/needs/<id>/matches?<limit>&<offset>")]
pub async fn matches(
    caller: Staff,
    id: i64,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<MatchView>>> {
    params!(limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let (items, total) = db
        .run(move |c| Ok(app::match_pool(c, sid, uid, id, limit, offset)?))
        .await?;
    let out = ListResponse { items, total };
    Ok(Json(out))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, close, matches]
}
