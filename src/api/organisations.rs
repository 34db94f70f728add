//! Organisations: buyers, contractors, insertion structures and funders of a structure.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::app::organisations as app;
pub use crate::app::organisations::{ContactInput, OrganisationInput};
use crate::auth::Staff;
use crate::db::Db;
use crate::domain::limits::{List, MAX_CONTACTS};
use crate::error::ApiResult;
use crate::store::organisations::{Contact, OrganisationView};

/// POST /api/v1/organisations — staff.
#[rocket::post("/organisations", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<OrganisationInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<OrganisationView>)> {
    let new = app::validate(body.0)?;
    let sid = caller.structure_id;
    let org = db
        .run(move |c| app::create_organisation(c, sid, new))
        .await?;
    Ok((Status::Created, Json(org.into())))
}

/// GET /api/v1/organisations — staff.
#[rocket::get("/organisations?<kind>&<limit>&<offset>")]
pub async fn list(
    caller: Staff,
    kind: Param<String>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<OrganisationView>>> {
    params!(kind, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = caller.structure_id;
    let (items, total) = db
        .run(move |c| app::list_organisations(c, sid, kind.as_deref(), limit, offset))
        .await?;
    Ok(Json(ListResponse {
        items: items.into_iter().map(Into::into).collect(),
        total,
    }))
}

/// GET /api/v1/organisations/{id} — staff.
#[rocket::get("/organisations/<id>")]
pub async fn get(caller: Staff, id: i64, db: &State<Db>) -> ApiResult<Json<OrganisationView>> {
    let sid = caller.structure_id;
    let org = db.run(move |c| app::organisation(c, sid, id)).await?;
    Ok(Json(org.into()))
}

/// PUT /api/v1/organisations/{id}/contacts — staff: who receives a contractor's reminders.
#[rocket::put("/organisations/<id>/contacts", data = "<body>")]
pub async fn put_contacts(
    caller: Staff,
    id: i64,
    body: JsonBody<List<ContactInput, { MAX_CONTACTS }>>,
    db: &State<Db>,
) -> ApiResult<Json<Vec<Contact>>> {
    let list = app::check_contacts(body.0.into_vec())?;
    let sid = caller.structure_id;
    let saved = db
        .run(move |c| app::replace_contacts(c, sid, id, list))
        .await?;
    Ok(Json(saved))
}

/// GET /api/v1/organisations/{id}/contacts — staff.
#[rocket::get("/organisations/<id>/contacts")]
pub async fn get_contacts(caller: Staff, id: i64, db: &State<Db>) -> ApiResult<Json<Vec<Contact>>> {
    let sid = caller.structure_id;
    let list = db.run(move |c| app::contacts(c, sid, id)).await?;
    Ok(Json(list))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, put_contacts, get_contacts]
}
