//! Contracts with their lots and holders.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::app::contracts as app;
pub use crate::app::contracts::ContractInput;
pub use crate::app::contracts::SOCIAL_CONSIDERATIONS;
use crate::auth::{Staff, StaffOrContractor};
use crate::db::Db;
use crate::error::ApiResult;
use crate::store::contracts::ContractView;

/// POST /api/v1/contracts — staff.
#[rocket::post("/contracts", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<ContractInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<ContractView>)> {
    let sid = caller.structure_id;
    let input = body.0;
    let view = db.run(move |c| app::create_contract(c, sid, input)).await?;
    Ok((Status::Created, Json(view)))
}

/// GET /api/v1/contracts — staff; a contractor sees the contracts it holds or works on.
#[rocket::get("/contracts?<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<ContractView>>> {
    params!(limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = caller.structure_id;
    let contractor = caller.contractor_org();
    let (items, total) = db
        .run(move |c| app::list_contracts(c, sid, contractor, limit, offset))
        .await?;
    Ok(Json(ListResponse { items, total }))
}

/// GET /api/v1/contracts/{id} — staff; a contractor only for a contract it holds or works on.
#[rocket::get("/contracts/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<ContractView>> {
    let sid = caller.structure_id;
    let contractor = caller.contractor_org();
    let view = db
        .run(move |c| app::contract_view(c, sid, id, contractor))
        .await?;
    Ok(Json(view))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get]
}
