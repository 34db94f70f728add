//! Corrections of a person's eligibility validations: withdrawing one entered by mistake.
//! (Recording and listing them are the person's routes: `api::participants`.)

use rocket::State;

use crate::api::body::JsonBody;
use crate::api::reply::{self, Answer, IfMatchHeader, TaggedAnswer};
use crate::app::withdrawals as app;
pub use crate::app::withdrawals::{WithdrawInput, Withdrawal};
use crate::auth::Staff;
use crate::db::Db;
use crate::domain::ids::ParticipantId;
use crate::store::history::HistoryEntry;

/// POST /api/v1/participants/{pid}/eligibility/{id}/withdraw — staff.
#[rocket::post("/participants/<pid>/eligibility/<id>/withdraw", data = "<body>")]
pub async fn withdraw(
    caller: Staff,
    pid: ParticipantId,
    id: i64,
    if_match: IfMatchHeader,
    body: JsonBody<WithdrawInput>,
    db: &State<Db>,
) -> TaggedAnswer<Withdrawal> {
    let caller = caller.0;
    reply::tagged(db, move |c| {
        app::withdraw_eligibility(c, &caller, pid, id, body.0, if_match.0)
    })
    .await
}

/// GET /api/v1/participants/{pid}/eligibility/{id}/history — staff: the validation's
/// corrections (its withdrawal).
#[rocket::get("/participants/<pid>/eligibility/<id>/history")]
pub async fn history(
    caller: Staff,
    pid: ParticipantId,
    id: i64,
    db: &State<Db>,
) -> Answer<Vec<HistoryEntry>> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::validation_history(c, sid, pid, id)).await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![withdraw, history]
}
