//! Contracts with their lots and holders.

use rocket::State;

use crate::api::body::JsonBody;
use crate::api::query::{params, Paging};
use crate::api::reply::{self, Answer, Created, Listed};
use crate::app::contracts as app;
pub use crate::app::contracts::ContractInput;
pub use crate::app::contracts::SOCIAL_CONSIDERATIONS;
use crate::auth::{Staff, StaffOrContractor};
use crate::db::Db;
use crate::domain::ids::ContractId;
use crate::store::contracts::ContractView;

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
#[rocket::get("/contracts/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: ContractId,
    db: &State<Db>,
) -> Answer<ContractView> {
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    reply::json(db, move |c| app::contract_view(c, sid, id, org)).await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get]
}
