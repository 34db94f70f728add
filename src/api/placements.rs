//! Placements of participants on assignments, and their exit.

use chrono::NaiveDate;
use rocket::State;
use serde::Deserialize;

use crate::api::body::JsonBody;
use crate::api::query::{params, Page, Paging, Param};
use crate::api::reply::{self, Answer, Created, IfMatchHeader, Listed, TaggedAnswer};
pub use crate::app::placements::PlacementPatch;
use crate::app::placements::{self as app, Actor, PlacementRequest};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::{write_tx, Db};
use crate::domain::ids::{AssignmentId, OrganisationId, ParticipantId, PlacementId};
use crate::domain::limits::{self, Code, FreeText, Label};
use crate::domain::units::Hundredths;
use crate::domain::vocabulary::{ContractType, ExitOutcome, Modality};
use crate::store::history::HistoryEntry;
use crate::store::placements::PlacementView;

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct PlacementInput {
    pub participant_id: ParticipantId,
    pub assignment_id: AssignmentId,
    #[schema(value_type = Modality)]
    pub modality: Code,
    pub employer_id: OrganisationId,
    #[schema(value_type = ContractType)]
    pub contract_type: Code,
    pub job_title: Label,
    #[serde(deserialize_with = "limits::date")]
    pub starts_on: NaiveDate,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub ends_on: Option<NaiveDate>,
    pub weekly_hours: Option<Hundredths>,
    pub derogation_reason: Option<FreeText>,
}

impl From<PlacementInput> for PlacementRequest {
    fn from(input: PlacementInput) -> PlacementRequest {
        PlacementRequest {
            participant_id: input.participant_id,
            assignment_id: input.assignment_id,
            modality: input.modality.into(),
            employer_id: input.employer_id,
            contract_type: input.contract_type.into(),
            job_title: input.job_title.into(),
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            weekly_hours: input.weekly_hours.map(|h| h.0),
            derogation_reason: input.derogation_reason.map(Into::into),
        }
    }
}

/// POST /api/v1/placements — staff (a derogation is a facilitator's decision).
#[rocket::post("/placements", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<PlacementInput>,
    db: &State<Db>,
) -> Created<PlacementView> {
    let by = actor(&caller, db);
    let input = PlacementRequest::from(body.0);
    reply::created(db, move |c| {
        write_tx(c, |c| {
            let p = app::place_person(c, &by, input)?;
            app::placement_view(c, p)
        })
    })
    .await
}

/// The staff caller as the writer of a placement, today.
fn actor(caller: &Staff, db: &Db) -> Actor {
    Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    }
}

/// GET /api/v1/placements — staff; a contractor sees the placements of its organisation.
#[rocket::get("/placements?<participant_id>&<assignment_id>&<paging..>")]
pub async fn list(
    caller: StaffOrContractor,
    participant_id: Param<ParticipantId>,
    assignment_id: Param<AssignmentId>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<PlacementView> {
    params!(participant_id, assignment_id, paging);
    let caller = caller.0;
    let Page { limit, offset } = paging;
    reply::page(db, move |c| {
        app::list_placements(c, &caller, participant_id, assignment_id, limit, offset)
    })
    .await
}

/// GET /api/v1/placements/{id} — staff; a contractor for its own placements. With the
/// record's `ETag`.
#[rocket::get("/placements/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: PlacementId,
    db: &State<Db>,
) -> TaggedAnswer<PlacementView> {
    let caller = caller.0;
    reply::tagged(db, move |c| app::placement_for(c, &caller, id)).await
}

/// PATCH /api/v1/placements/{id} — staff: corrects a placement or its exit (merge
/// semantics, `If-Match`).
#[rocket::patch("/placements/<id>", data = "<body>")]
pub async fn correct(
    caller: Staff,
    id: PlacementId,
    body: JsonBody<PlacementPatch>,
    if_match: IfMatchHeader,
    db: &State<Db>,
) -> TaggedAnswer<PlacementView> {
    let by = actor(&caller, db);
    let patch = body.0;
    reply::tagged(db, move |c| {
        app::correct_placement(c, &by, id, patch, if_match.0)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// Why the placement was entered by mistake (kept in its history).
    pub reason: FreeText,
}

/// POST /api/v1/placements/{id}/cancel — staff: cancels a placement entered by mistake.
#[rocket::post("/placements/<id>/cancel", data = "<body>")]
pub async fn cancel(
    caller: Staff,
    id: PlacementId,
    body: JsonBody<CancelInput>,
    if_match: IfMatchHeader,
    db: &State<Db>,
) -> TaggedAnswer<PlacementView> {
    let by = actor(&caller, db);
    let reason = body.0.reason;
    reply::tagged(db, move |c| {
        app::cancel_placement(c, &by, id, &reason, if_match.0)
    })
    .await
}

/// GET /api/v1/placements/{id}/history — staff: the corrections of a placement.
#[rocket::get("/placements/<id>/history")]
pub async fn history(caller: Staff, id: PlacementId, db: &State<Db>) -> Answer<Vec<HistoryEntry>> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::placement_history(c, sid, id)).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExitInput {
    #[serde(deserialize_with = "limits::date")]
    pub ended_on: NaiveDate,
    #[schema(value_type = ExitOutcome)]
    pub outcome: Code,
}

/// POST /api/v1/placements/{id}/exit — staff: records the end and its outcome.
#[rocket::post("/placements/<id>/exit", data = "<body>")]
pub async fn exit(
    caller: Staff,
    id: PlacementId,
    body: JsonBody<ExitInput>,
    db: &State<Db>,
) -> Answer<PlacementView> {
    let input = body.0;
    let by = actor(&caller, db);
    reply::json(db, move |c| {
        write_tx(c, |c| {
            let p = app::record_exit(c, &by, id, input.ended_on, &input.outcome)?;
            app::placement_view(c, p)
        })
    })
    .await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, correct, cancel, history, exit]
}
