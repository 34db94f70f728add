//! Recruitment needs (besoins de recrutement) of an assignment, and the people of the pool
//! that match them.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::app::needs as app;
pub use crate::app::needs::{MatchView, NeedInput, NeedView};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::Db;
use crate::error::ApiResult;

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
        .run(move |c| app::create_need(c, sid, uid, org, input))
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
    let view = db.run(move |c| app::need(c, sid, id, org)).await?;
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
    let view = db.run(move |c| app::close_need(c, sid, id, org)).await?;
    Ok(Json(view))
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
        .run(move |c| app::match_pool(c, sid, uid, id, limit, offset))
        .await?;
    let out = ListResponse { items, total };
    Ok(Json(out))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, close, matches]
}
