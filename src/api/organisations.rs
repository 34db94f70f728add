//! Organisations: buyers, contractors, insertion structures and funders of a structure.

use rocket::State;

use crate::api::body::JsonBody;
use crate::api::query::{params, Paging, Param};
use crate::api::reply::{self, Answer, Created, IfMatchHeader, Listed, TaggedAnswer};
use crate::app::organisations as app;
pub use crate::app::organisations::{ContactInput, OrganisationInput, OrganisationPatch};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::Db;
use crate::domain::ids::OrganisationId;
use crate::domain::limits::{List, MAX_CONTACTS};
use crate::store::history::HistoryEntry;
use crate::store::organisations::{Contact, OrganisationView};

/// POST /api/v1/organisations — staff.
#[rocket::post("/organisations", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<OrganisationInput>,
    db: &State<Db>,
) -> Created<OrganisationView> {
    let new = app::validate(body.0)?;
    let sid = caller.structure_id;
    reply::created(db, move |c| app::create_organisation(c, sid, new)).await
}

/// GET /api/v1/organisations — staff.
#[rocket::get("/organisations?<kind>&<paging..>")]
pub async fn list(
    caller: Staff,
    kind: Param<String>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<OrganisationView> {
    params!(kind, paging);
    let sid = caller.structure_id;
    reply::page(db, move |c| {
        app::list_organisations(c, sid, kind.as_deref(), paging.limit, paging.offset)
    })
    .await
}

/// GET /api/v1/organisations/{id} — staff; with its `ETag`.
#[rocket::get("/organisations/<id>")]
pub async fn get(
    caller: Staff,
    id: OrganisationId,
    db: &State<Db>,
) -> TaggedAnswer<OrganisationView> {
    let sid = caller.structure_id;
    reply::tagged(db, move |c| app::organisation_versioned(c, sid, id)).await
}

/// PATCH /api/v1/organisations/{id} — staff: corrects name, identifiers, territory, SIAE kind.
#[rocket::patch("/organisations/<id>", data = "<body>")]
pub async fn patch(
    caller: Staff,
    id: OrganisationId,
    if_match: IfMatchHeader,
    body: JsonBody<OrganisationPatch>,
    db: &State<Db>,
) -> TaggedAnswer<OrganisationView> {
    let caller = caller.0;
    reply::tagged(db, move |c| {
        app::correct_organisation(c, &caller, id, body.0, if_match.0)
    })
    .await
}

/// GET /api/v1/organisations/{id}/history — staff.
#[rocket::get("/organisations/<id>/history")]
pub async fn history(
    caller: Staff,
    id: OrganisationId,
    db: &State<Db>,
) -> Answer<Vec<HistoryEntry>> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::organisation_history(c, sid, id)).await
}

/// PUT /api/v1/organisations/{id}/contacts — staff; a contractor for its own organisation:
/// who receives a contractor's reminders.
#[rocket::put("/organisations/<id>/contacts", data = "<body>")]
pub async fn put_contacts(
    caller: StaffOrContractor,
    id: OrganisationId,
    body: JsonBody<List<ContactInput, { MAX_CONTACTS }>>,
    db: &State<Db>,
) -> Answer<Vec<Contact>> {
    let list = app::check_contacts(body.0.into_vec())?;
    let caller = caller.0;
    reply::json(db, move |c| app::replace_contacts(c, &caller, id, list)).await
}

/// GET /api/v1/organisations/{id}/contacts — staff; a contractor for its own organisation.
#[rocket::get("/organisations/<id>/contacts")]
pub async fn get_contacts(
    caller: StaffOrContractor,
    id: OrganisationId,
    db: &State<Db>,
) -> Answer<Vec<Contact>> {
    let caller = caller.0;
    reply::json(db, move |c| app::contacts(c, &caller, id)).await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        create,
        list,
        get,
        patch,
        history,
        put_contacts,
        get_contacts
    ]
}
