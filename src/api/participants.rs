//! Participants, their eligibility, their timeline, and the audit log of personal data.

use rocket::State;

use crate::api::body::JsonBody;
use crate::api::query::{params, Paging, Param};
use crate::api::reply::{self, Answer, Created, IfMatchHeader, Listed, TaggedAnswer};
use crate::app::participants as app;
pub use crate::app::participants::{
    EligibilityInput, EligibilityOut, ParticipantInput, ParticipantOut, ParticipantPatch,
};
use crate::auth::{AdminOnly, Staff, StaffOrContractor};
use crate::config::Config;
use crate::db::Db;
use crate::domain::ids::ParticipantId;
use crate::store::audit::AuditEntry;
use crate::store::history::HistoryEntry;

/// A ROME code: one letter and four digits.
pub use crate::domain::catalogue::is_rome_code;

/// POST /api/v1/participants — staff.
#[rocket::post("/participants", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<ParticipantInput>,
    db: &State<Db>,
) -> Created<ParticipantOut> {
    let new = app::validate(body.0, db.clock.today())?;
    let caller = caller.0;
    reply::created(db, move |c| app::register_participant(c, &caller, new)).await
}

/// GET /api/v1/participants — staff; a contractor sees the people placed with or proposed to it.
#[rocket::get("/participants?<paging..>")]
pub async fn list(
    caller: StaffOrContractor,
    paging: Paging,
    db: &State<Db>,
) -> Listed<ParticipantOut> {
    params!(paging);
    let caller = caller.0;
    reply::page(db, move |c| {
        app::list_participants(c, &caller, paging.limit, paging.offset)
    })
    .await
}

/// GET /api/v1/participants/{id} — staff; a contractor for people placed with or proposed to
/// it. With the record's `ETag`.
#[rocket::get("/participants/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: ParticipantId,
    db: &State<Db>,
) -> TaggedAnswer<ParticipantOut> {
    let caller = caller.0;
    reply::tagged(db, move |c| app::read_participant(c, &caller, id)).await
}

/// PATCH /api/v1/participants/{id} — staff: corrects a person (merge semantics, `If-Match`).
#[rocket::patch("/participants/<id>", data = "<body>")]
pub async fn correct(
    caller: Staff,
    id: ParticipantId,
    body: JsonBody<ParticipantPatch>,
    if_match: IfMatchHeader,
    db: &State<Db>,
) -> TaggedAnswer<ParticipantOut> {
    let (caller, patch) = (caller.0, body.0);
    reply::tagged(db, move |c| {
        app::correct_participant(c, &caller, id, patch, if_match.0)
    })
    .await
}

/// GET /api/v1/participants/{id}/history — staff: the corrections of a person.
#[rocket::get("/participants/<id>/history")]
pub async fn history(
    caller: Staff,
    id: ParticipantId,
    db: &State<Db>,
) -> Answer<Vec<HistoryEntry>> {
    let caller = caller.0;
    reply::json(db, move |c| app::participant_history(c, &caller, id)).await
}

/// POST /api/v1/participants/{id}/eligibility — staff: records a validation.
#[rocket::post("/participants/<id>/eligibility", data = "<body>")]
pub async fn add_eligibility(
    caller: Staff,
    id: ParticipantId,
    body: JsonBody<EligibilityInput>,
    db: &State<Db>,
    config: &State<Config>,
) -> Created<EligibilityOut> {
    let input = body.0;
    let today = db.clock.today();
    let months = config.eligibility_months;
    let caller = caller.0;
    reply::created(db, move |c| {
        app::validate_eligibility(c, &caller, id, input, today, months)
    })
    .await
}

/// GET /api/v1/participants/{id}/eligibility — staff: the history of validations.
#[rocket::get("/participants/<id>/eligibility")]
pub async fn eligibility_history(
    caller: Staff,
    id: ParticipantId,
    db: &State<Db>,
) -> Answer<Vec<EligibilityOut>> {
    let caller = caller.0;
    reply::json(db, move |c| app::eligibility_history(c, &caller, id)).await
}

/// GET /api/v1/participants/{id}/timeline — staff; a contractor for its own people, without
/// eligibility.
#[rocket::get("/participants/<id>/timeline")]
pub async fn timeline(
    caller: StaffOrContractor,
    id: ParticipantId,
    db: &State<Db>,
) -> Answer<crate::store::timeline::Timeline> {
    let caller = caller.0;
    reply::json(db, move |c| app::participant_timeline(c, &caller, id)).await
}

/// GET /api/v1/audit — admin: who read or changed personal data.
#[rocket::get("/audit?<participant_id>&<paging..>")]
pub async fn audit_log(
    caller: AdminOnly,
    participant_id: Param<ParticipantId>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<AuditEntry> {
    params!(participant_id, paging);
    let (sid, person) = (caller.structure_id, participant_id);
    reply::page(db, move |c| {
        app::audit_log(c, sid, person, paging.limit, paging.offset)
    })
    .await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        create,
        list,
        get,
        correct,
        history,
        add_eligibility,
        eligibility_history,
        timeline,
        audit_log
    ]
}
