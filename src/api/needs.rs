//! Recruitment needs (besoins de recrutement) of an assignment, and the people of the pool
//! that match them.

use rocket::State;

use crate::api::body::JsonBody;
use crate::api::query::{params, Page, Paging, Param};
use crate::api::reply::{self, Answer, Created, Listed};
use crate::app::needs as app;
pub use crate::app::needs::{MatchView, NeedInput, NeedView};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::Db;
use crate::domain::ids::{AssignmentId, NeedId};

/// POST /api/v1/needs — staff; a contractor for its own assignments.
#[rocket::post("/needs", data = "<body>")]
pub async fn create(
    caller: StaffOrContractor,
    body: JsonBody<NeedInput>,
    db: &State<Db>,
) -> Created<NeedView> {
    let (sid, uid, org) = (caller.structure_id, caller.user_id, caller.contractor_org());
    let input = body.0;
    reply::created(db, move |c| app::create_need(c, sid, uid, org, input)).await
}

/// GET /api/v1/needs — staff; a contractor sees the needs of its own assignments.
#[rocket::get("/needs?<status>&<assignment_id>&<paging..>")]
pub async fn list(
    caller: StaffOrContractor,
    status: Param<String>,
    assignment_id: Param<AssignmentId>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<NeedView> {
    params!(status, assignment_id, paging);
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    let Page { limit, offset } = paging;
    reply::page(db, move |c| {
        app::list_needs(c, sid, org, status.as_deref(), assignment_id, limit, offset)
    })
    .await
}

/// GET /api/v1/needs/{id} — staff; a contractor for its own needs.
#[rocket::get("/needs/<id>")]
pub async fn get(caller: StaffOrContractor, id: NeedId, db: &State<Db>) -> Answer<NeedView> {
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    reply::json(db, move |c| app::need(c, sid, id, org)).await
}

/// POST /api/v1/needs/{id}/close — staff; a contractor for its own needs: the need is no
/// longer recruited for (a filled need stays filled). Pending proposals keep waiting for
/// their answer.
#[rocket::post("/needs/<id>/close")]
pub async fn close(caller: StaffOrContractor, id: NeedId, db: &State<Db>) -> Answer<NeedView> {
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    reply::json(db, move |c| app::close_need(c, sid, id, org)).await
}

/// GET /api/v1/needs/{id}/matches — staff: the pool ranked for the need (see
/// `domain::matching::rank` for the score). Each person listed is written to the audit log.
#[rocket::get("/needs/<id>/matches?<paging..>")]
pub async fn matches(
    caller: Staff,
    id: NeedId,
    paging: Paging,
    db: &State<Db>,
) -> Listed<MatchView> {
    params!(paging);
    let (sid, uid) = (caller.structure_id, caller.user_id);
    reply::page(db, move |c| {
        app::match_pool(c, sid, uid, id, paging.limit, paging.offset)
    })
    .await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, close, matches]
}
