//! Follow-ups after an exit: recording what became of a person 6 (or 12) months after a
//! placement ended, the list of those due, and the structure's 12-month setting.

use chrono::NaiveDate;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::JsonBody;
use crate::api::query::{params, Page, Paging, Param};
use crate::api::reply::{self, Answer, Created, IfMatchHeader, Listed, TaggedAnswer};
pub use crate::app::follow_ups::FollowUpPatch;
use crate::app::follow_ups::{
    self as app, DueFollowUp, FollowUpRequest, FollowUpSettings, FollowUpView,
};
use crate::app::placements::Actor;
use crate::auth::{AdminOnly, Staff};
use crate::db::Db;
use crate::domain::follow_ups::{Situation, Source};
use crate::domain::ids::{FollowUpId, PlacementId};
use crate::domain::limits::{self, Code};
use crate::store::history::HistoryEntry;

#[derive(Deserialize, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpInput {
    /// 6 or 12: months after the exit.
    pub months: i64,
    #[schema(value_type = Situation)]
    pub situation: Code,
    /// The day the situation was known.
    #[serde(deserialize_with = "limits::date")]
    pub observed_on: NaiveDate,
    #[schema(value_type = Source)]
    pub source: Code,
}

/// POST /api/v1/placements/{id}/follow-ups — staff: records the situation of the person
/// 6 or 12 months after the placement's exit, once (a second one for the same months is 409
/// `follow_up_already_recorded` with `existing_id`).
#[rocket::post("/placements/<id>/follow-ups", data = "<body>")]
pub async fn record(
    caller: Staff,
    id: PlacementId,
    body: JsonBody<FollowUpInput>,
    db: &State<Db>,
) -> Created<FollowUpView> {
    let by = Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    };
    let input = body.0;
    let request = FollowUpRequest {
        months: input.months,
        situation: input.situation.into(),
        observed_on: input.observed_on,
        source: input.source.into(),
    };
    reply::created(db, move |c| app::record(c, &by, id, request)).await
}

/// A line of the follow-ups list: one due (`due=true`) or one recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum FollowUpLine {
    Due(DueFollowUp),
    Recorded(FollowUpView),
}

impl From<DueFollowUp> for FollowUpLine {
    fn from(d: DueFollowUp) -> Self {
        FollowUpLine::Due(d)
    }
}

impl From<FollowUpView> for FollowUpLine {
    fn from(v: FollowUpView) -> Self {
        FollowUpLine::Recorded(v)
    }
}

/// GET /api/v1/follow-ups — staff, own structure: with `due=true` the follow-ups due and
/// not recorded yet (oldest due first); otherwise the recorded ones (latest first).
#[rocket::get("/follow-ups?<due>&<paging..>")]
pub async fn list(
    caller: Staff,
    due: Param<bool>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<FollowUpLine> {
    params!(due, paging);
    let Page { limit, offset } = paging;
    let (sid, uid, today) = (caller.structure_id, caller.user_id, db.clock.today());
    if due.unwrap_or(false) {
        reply::page(db, move |c| {
            app::due_list(c, sid, Some(uid), today, limit, offset).map(|(items, total)| {
                (
                    items
                        .into_iter()
                        .map(FollowUpLine::from)
                        .collect::<Vec<_>>(),
                    total,
                )
            })
        })
        .await
    } else {
        reply::page(db, move |c| {
            app::recorded_list(c, sid, limit, offset).map(|(items, total)| {
                (
                    items
                        .into_iter()
                        .map(FollowUpLine::from)
                        .collect::<Vec<_>>(),
                    total,
                )
            })
        })
        .await
    }
}

/// GET /api/v1/follow-ups/settings — staff: whether the structure asks for 12-month
/// follow-ups too.
#[rocket::get("/follow-ups/settings")]
pub async fn settings(caller: Staff, db: &State<Db>) -> Answer<FollowUpSettings> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::settings(c, sid)).await
}

/// PUT /api/v1/follow-ups/settings — admin: turns the 12-month follow-up on or off.
#[rocket::put("/follow-ups/settings", data = "<body>")]
pub async fn set_settings(
    caller: AdminOnly,
    body: JsonBody<FollowUpSettings>,
    db: &State<Db>,
) -> Answer<FollowUpSettings> {
    let sid = caller.structure_id;
    let settings = body.0;
    reply::json(db, move |c| app::set_settings(c, sid, settings)).await
}

/// GET /api/v1/follow-ups/{id} — staff, own structure: one follow-up with its `ETag`.
#[rocket::get("/follow-ups/<id>")]
pub async fn get(caller: Staff, id: FollowUpId, db: &State<Db>) -> TaggedAnswer<FollowUpView> {
    let sid = caller.structure_id;
    reply::tagged(db, move |c| app::get(c, sid, id)).await
}

/// PATCH /api/v1/follow-ups/{id} — staff: corrects a follow-up's situation, date or source
/// (merge semantics, `If-Match`), the correction kept in its history.
#[rocket::patch("/follow-ups/<id>", data = "<body>")]
pub async fn correct(
    caller: Staff,
    id: FollowUpId,
    body: JsonBody<FollowUpPatch>,
    if_match: IfMatchHeader,
    db: &State<Db>,
) -> TaggedAnswer<FollowUpView> {
    let by = Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    };
    let patch = body.0;
    reply::tagged(db, move |c| app::correct(c, &by, id, patch, if_match.0)).await
}

/// GET /api/v1/follow-ups/{id}/history — staff: the corrections of a follow-up.
#[rocket::get("/follow-ups/<id>/history")]
pub async fn history(caller: Staff, id: FollowUpId, db: &State<Db>) -> Answer<Vec<HistoryEntry>> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::follow_up_history(c, sid, id)).await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![record, list, settings, set_settings, get, correct, history]
}
