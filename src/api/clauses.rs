//! Calibration previews, the labour-share reference table, clauses and their assignments.

use rocket::serde::json::Json;
use rocket::State;
use serde::Serialize;

use crate::api::body::JsonBody;
use crate::api::query::{params, Page, Paging, Param};
use crate::api::reply::{self, Answer, Created, IfMatchHeader, Listed, TaggedAnswer};
use crate::app::clauses::{self as app, ClauseChange};
pub use crate::app::clauses::{AssignmentInput, ClauseInput, ClausePatch, LabourShareItem};
use crate::auth::{AdminOnly, Staff, StaffOrContractor};
use crate::db::Db;
use crate::domain::calibration::{CalibrationRequest, CalibrationResult, LabourShareRef};
use crate::domain::ids::{ClauseId, ContractId, StructureId};
use crate::domain::units::ser_hundredths;
use crate::store::clauses::ClauseView;
use crate::store::history::HistoryEntry;

/// A clause with its warnings' French messages written.
pub fn worded(mut view: ClauseView) -> ClauseView {
    for w in &mut view.warnings {
        w.message = crate::api::messages::render(&w.rule);
    }
    view
}

fn worded_versioned(
    mut v: crate::app::versioned::Versioned<ClauseView>,
) -> crate::app::versioned::Versioned<ClauseView> {
    v.record = worded(v.record);
    v
}

/// POST /api/v1/calibrations — staff: computes the hours of a clause, stores nothing.
#[rocket::post("/calibrations", data = "<body>")]
pub async fn preview(
    caller: Staff,
    body: JsonBody<CalibrationRequest>,
    db: &State<Db>,
) -> Answer<CalibrationResult> {
    let (sid, request) = (caller.structure_id, body.0);
    reply::json(db, move |c| app::preview_calibration(c, sid, &request)).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LabourShareOut {
    pub cpv_prefix: String,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub labour_share_percent: i64,
    pub label: String,
}

fn shares_out(rows: Vec<LabourShareRef>) -> Vec<LabourShareOut> {
    rows.into_iter()
        .map(|r| LabourShareOut {
            cpv_prefix: r.cpv_prefix,
            labour_share_percent: r.share_bp,
            label: r.label,
        })
        .collect()
}

/// GET /api/v1/reference/labour-shares — staff.
#[rocket::get("/reference/labour-shares")]
pub async fn get_labour_shares(caller: Staff, db: &State<Db>) -> Answer<Vec<LabourShareOut>> {
    let sid = caller.structure_id;
    let rows = db.run(move |c| app::labour_shares(c, sid)).await?;
    Ok(Json(shares_out(rows)))
}

/// PUT /api/v1/reference/labour-shares — admin: replaces the structure's table.
#[rocket::put("/reference/labour-shares", data = "<body>")]
pub async fn put_labour_shares(
    caller: AdminOnly,
    body: JsonBody<Vec<LabourShareItem>>,
    db: &State<Db>,
) -> Answer<Vec<LabourShareOut>> {
    let sid = caller.structure_id;
    let items = body.0;
    let saved = db
        .run(move |c| app::replace_labour_shares(c, sid, items))
        .await?;
    Ok(Json(shares_out(saved)))
}

/// POST /api/v1/contracts/{id}/clauses — staff.
#[rocket::post("/contracts/<contract_id>/clauses", data = "<body>")]
pub async fn create(
    caller: Staff,
    contract_id: ContractId,
    body: JsonBody<ClauseInput>,
    db: &State<Db>,
) -> Created<ClauseView> {
    let (sid, input) = (caller.structure_id, body.0);
    reply::created(db, move |c| {
        app::create_clause(c, sid, contract_id, input).map(worded)
    })
    .await
}

/// GET /api/v1/clauses — staff; a contractor sees the clauses it has an assignment on.
#[rocket::get("/clauses?<status>&<paging..>")]
pub async fn list(
    caller: StaffOrContractor,
    status: Param<String>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<ClauseView> {
    params!(status, paging);
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    let Page { limit, offset } = paging;
    reply::page(db, move |c| {
        app::list_clauses(c, sid, org, status.as_deref(), limit, offset)
            .map(|(rows, total)| (rows.into_iter().map(worded).collect(), total))
    })
    .await
}

/// GET /api/v1/clauses/{id} — staff; a contractor only for its own clauses. Answers the
/// clause's version as `ETag`.
#[rocket::get("/clauses/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: ClauseId,
    db: &State<Db>,
) -> TaggedAnswer<ClauseView> {
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    reply::tagged(db, move |c| {
        app::clause_versioned(c, sid, id, org).map(worded_versioned)
    })
    .await
}

/// PATCH /api/v1/clauses/{id} — staff: dates, referent, frequency, penalty, required hours.
#[rocket::patch("/clauses/<id>", data = "<body>")]
pub async fn correct(
    caller: Staff,
    id: ClauseId,
    if_match: IfMatchHeader,
    body: JsonBody<ClausePatch>,
    db: &State<Db>,
) -> TaggedAnswer<ClauseView> {
    let (sid, by, patch) = (caller.structure_id, caller.user_id, body.0);
    reply::tagged(db, move |c| {
        app::correct_clause(c, sid, by, id, patch, if_match.0).map(worded_versioned)
    })
    .await
}

/// GET /api/v1/clauses/{id}/history — staff: corrections and recalibrations.
#[rocket::get("/clauses/<id>/history")]
pub async fn history(caller: Staff, id: ClauseId, db: &State<Db>) -> Answer<Vec<HistoryEntry>> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::clause_history(c, sid, id)).await
}

/// Runs one status change of a clause.
async fn transition(
    db: &Db,
    sid: StructureId,
    id: ClauseId,
    change: ClauseChange,
) -> Answer<ClauseView> {
    reply::json(db, move |c| app::change_status(c, sid, id, change)).await
}

/// POST /api/v1/clauses/{id}/activate — staff: draft -> active.
#[rocket::post("/clauses/<id>/activate")]
pub async fn activate(caller: Staff, id: ClauseId, db: &State<Db>) -> Answer<ClauseView> {
    transition(db, caller.structure_id, id, ClauseChange::Activate).await
}

/// POST /api/v1/clauses/{id}/complete — staff: active -> completed.
#[rocket::post("/clauses/<id>/complete")]
pub async fn complete(caller: Staff, id: ClauseId, db: &State<Db>) -> Answer<ClauseView> {
    transition(db, caller.structure_id, id, ClauseChange::Complete).await
}

/// POST /api/v1/clauses/{id}/cancel — staff: draft or active -> cancelled.
#[rocket::post("/clauses/<id>/cancel")]
pub async fn cancel(caller: Staff, id: ClauseId, db: &State<Db>) -> Answer<ClauseView> {
    transition(db, caller.structure_id, id, ClauseChange::Cancel).await
}

/// POST /api/v1/clauses/{id}/assignments — staff: gives part of the hours to a contractor.
#[rocket::post("/clauses/<id>/assignments", data = "<body>")]
pub async fn add_assignment(
    caller: Staff,
    id: ClauseId,
    body: JsonBody<AssignmentInput>,
    db: &State<Db>,
) -> Created<ClauseView> {
    let (sid, input) = (caller.structure_id, body.0);
    reply::created(db, move |c| app::assign_hours(c, sid, id, input)).await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        preview,
        get_labour_shares,
        put_labour_shares,
        create,
        list,
        get,
        correct,
        history,
        activate,
        complete,
        cancel,
        add_assignment
    ]
}
