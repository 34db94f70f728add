//! One assignment of a clause: read it, correct its target, hand it over to another
//! contractor, delete it, read its history. (Assignments are created on their clause:
//! `POST /api/v1/clauses/{id}/assignments`.)

use rocket::http::Status;
use rocket::State;

use crate::api::body::JsonBody;
use crate::api::reply::{self, Answer, IfMatchHeader, Tagged, TaggedAnswer};
use crate::app::assignments as app;
pub use crate::app::assignments::{AssignmentPatch, ReplaceInput, Replacement};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::Db;
use crate::domain::ids::AssignmentId;
use crate::error::ApiResult;
use crate::store::assignments::AssignmentOut;
use crate::store::history::HistoryEntry;

/// GET /api/v1/assignments/{id} — staff; a contractor its own; with its `ETag`.
#[rocket::get("/assignments/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: AssignmentId,
    db: &State<Db>,
) -> TaggedAnswer<AssignmentOut> {
    let caller = caller.0;
    reply::tagged(db, move |c| app::assignment_for(c, &caller, id)).await
}

/// PATCH /api/v1/assignments/{id} — staff: corrects the target.
#[rocket::patch("/assignments/<id>", data = "<body>")]
pub async fn patch(
    caller: Staff,
    id: AssignmentId,
    if_match: IfMatchHeader,
    body: JsonBody<AssignmentPatch>,
    db: &State<Db>,
) -> TaggedAnswer<AssignmentOut> {
    let caller = caller.0;
    reply::tagged(db, move |c| {
        app::correct_assignment(c, &caller, id, body.0, if_match.0)
    })
    .await
}

/// POST /api/v1/assignments/{id}/replace — staff: hands the assignment over to another
/// contractor; 201 with both, the ended one's `ETag`.
#[rocket::post("/assignments/<id>/replace", data = "<body>")]
pub async fn replace(
    caller: Staff,
    id: AssignmentId,
    if_match: IfMatchHeader,
    body: JsonBody<ReplaceInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Tagged<Replacement>)> {
    let caller = caller.0;
    let tagged: Tagged<Replacement> = reply::tagged(db, move |c| {
        app::replace_assignment(c, &caller, id, body.0, if_match.0)
    })
    .await?;
    Ok((Status::Created, tagged))
}

/// DELETE /api/v1/assignments/{id} — staff: 204 when nothing rests on it.
#[rocket::delete("/assignments/<id>")]
pub async fn delete(
    caller: Staff,
    id: AssignmentId,
    if_match: IfMatchHeader,
    db: &State<Db>,
) -> ApiResult<Status> {
    let caller = caller.0;
    reply::call(db, move |c| {
        app::delete_assignment(c, &caller, id, if_match.0)
    })
    .await?;
    Ok(Status::NoContent)
}

/// GET /api/v1/assignments/{id}/history — staff.
#[rocket::get("/assignments/<id>/history")]
pub async fn history(caller: Staff, id: AssignmentId, db: &State<Db>) -> Answer<Vec<HistoryEntry>> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::assignment_history(c, sid, id)).await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![get, patch, replace, delete, history]
}
