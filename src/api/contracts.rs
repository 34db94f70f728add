//! Contracts with their lots and holders.

use rocket::State;

use crate::api::body::JsonBody;
use crate::api::query::{params, Paging};
use crate::api::reply::{self, Answer, Created, IfMatchHeader, Listed, TaggedAnswer};
use crate::app::contracts as app;
pub use crate::app::contracts::ContractInput;
pub use crate::app::contracts::SOCIAL_CONSIDERATIONS;
pub use crate::app::contracts::{AmendmentInput, AmendmentOutcome, ContractPatch};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::Db;
use crate::domain::ids::ContractId;
use crate::store::contracts::ContractView;
use crate::store::history::HistoryEntry;

/// POST /api/v1/contracts — staff.
#[rocket::post("/contracts", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<ContractInput>,
    db: &State<Db>,
) -> Created<ContractView> {
    let (sid, input) = (caller.structure_id, body.0);
    reply::created(db, move |c| app::create_contract(c, sid, input)).await
}

/// GET /api/v1/contracts — staff; a contractor sees the contracts it holds or works on.
#[rocket::get("/contracts?<paging..>")]
pub async fn list(
    caller: StaffOrContractor,
    paging: Paging,
    db: &State<Db>,
) -> Listed<ContractView> {
    params!(paging);
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    reply::page(db, move |c| {
        app::list_contracts(c, sid, org, paging.limit, paging.offset)
    })
    .await
}

/// GET /api/v1/contracts/{id} — staff; a contractor only for a contract it holds or works on.
/// Answers the contract's version as `ETag`.
#[rocket::get("/contracts/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: ContractId,
    db: &State<Db>,
) -> TaggedAnswer<ContractView> {
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    reply::tagged(db, move |c| app::contract_versioned(c, sid, id, org)).await
}

/// PATCH /api/v1/contracts/{id} — staff: corrects data-entry errors, with a reason.
#[rocket::patch("/contracts/<id>", data = "<body>")]
pub async fn correct(
    caller: Staff,
    id: ContractId,
    if_match: IfMatchHeader,
    body: JsonBody<ContractPatch>,
    db: &State<Db>,
) -> TaggedAnswer<ContractView> {
    let (sid, by, patch) = (caller.structure_id, caller.user_id, body.0);
    reply::tagged(db, move |c| {
        app::correct_contract(c, sid, by, id, patch, if_match.0)
    })
    .await
}

/// GET /api/v1/contracts/{id}/history — staff: corrections and amendments.
#[rocket::get("/contracts/<id>/history")]
pub async fn history(caller: Staff, id: ContractId, db: &State<Db>) -> Answer<Vec<HistoryEntry>> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::contract_history(c, sid, id)).await
}

/// POST /api/v1/contracts/{id}/amendments — staff: records an amendment (avenant).
#[rocket::post("/contracts/<id>/amendments", data = "<body>")]
pub async fn amend(
    caller: Staff,
    id: ContractId,
    body: JsonBody<AmendmentInput>,
    db: &State<Db>,
) -> Created<AmendmentOutcome> {
    let (sid, by, input) = (caller.structure_id, caller.user_id, body.0);
    reply::created(db, move |c| app::amend_contract(c, sid, by, id, input)).await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, correct, history, amend]
}
