//! Milestones of clauses, the outbox of reminder emails (notifications), and each user's
//! reminder preferences.

use chrono::NaiveDate;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::JsonBody;
use crate::api::query::{params, Page, Paging, Param};
use crate::api::reply::{self, Answer, Created, Listed};
use crate::app::reminders as app;
use crate::auth::{AnyRole, Staff, StaffOrContractor};
use crate::db::Db;
use crate::domain::ids::ClauseId;
use crate::domain::limits::{Code, Label};
use crate::store::milestones::MilestoneView;
use crate::store::outbox::NotificationView;

/// GET /api/v1/clauses/{id}/milestones?on=DATE&limit=&offset= — staff; a contractor for its
/// own clauses. A page of the milestones by due date, with the clause's total.
#[rocket::get("/clauses/<id>/milestones?<on>&<paging..>")]
pub async fn list_milestones(
    caller: StaffOrContractor,
    id: ClauseId,
    on: Param<NaiveDate>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<MilestoneView> {
    params!(on, paging);
    let (sid, org) = (caller.structure_id, caller.contractor_org());
    let Page { limit, offset } = paging;
    reply::page(db, move |c| {
        app::list_milestones(c, sid, org, id, on, limit, offset)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ManualMilestone {
    pub kind: Option<Code>,
    pub label: Label,
    /// Read by the use case (`date_malformed`, `date_out_of_range`): a date.
    #[schema(value_type = String, format = Date)]
    pub due_on: Code,
}

/// POST /api/v1/clauses/{id}/milestones — staff: adds a milestone by hand.
#[rocket::post("/clauses/<id>/milestones", data = "<body>")]
pub async fn add_milestone(
    caller: Staff,
    id: ClauseId,
    body: JsonBody<ManualMilestone>,
    db: &State<Db>,
) -> Created<MilestoneView> {
    let input = body.0;
    let new = app::check_manual_milestone(input.kind.as_deref(), &input.label, &input.due_on)?;
    let sid = caller.structure_id;
    reply::created(db, move |c| app::add_milestone(c, sid, id, new)).await
}

/// POST /api/v1/milestones/{id}/done — staff: marks a milestone done.
#[rocket::post("/milestones/<id>/done")]
pub async fn milestone_done(caller: Staff, id: i64, db: &State<Db>) -> Answer<MilestoneView> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::mark_milestone_done(c, sid, id)).await
}

/// GET /api/v1/notifications?status=queued|sent|failed — staff of the structure.
#[rocket::get("/notifications?<status>&<paging..>")]
pub async fn list_notifications(
    caller: Staff,
    status: Param<String>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<NotificationView> {
    params!(status, paging);
    let sid = caller.structure_id;
    reply::page(db, move |c| {
        app::list_notifications(c, sid, status.as_deref(), paging.limit, paging.offset)
    })
    .await
}

/// POST /api/v1/notifications/{id}/retry — staff: a failed email goes back to the queue.
#[rocket::post("/notifications/<id>/retry")]
pub async fn retry_notification(
    caller: Staff,
    id: i64,
    db: &State<Db>,
) -> Answer<NotificationView> {
    let sid = caller.structure_id;
    reply::json(db, move |c| app::retry_notification(c, sid, id)).await
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preferences {
    /// True: no reminder that is not an obligation (reporting reminders always go).
    pub optional_reminders_off: bool,
}

/// GET /api/v1/me/preferences — any user.
#[rocket::get("/me/preferences")]
pub async fn get_preferences(caller: AnyRole, db: &State<Db>) -> Answer<Preferences> {
    let uid = caller.user_id;
    let off = reply::call(db, move |c| app::optional_reminders_off(c, uid)).await?;
    Ok(Json(Preferences {
        optional_reminders_off: off,
    }))
}

/// PUT /api/v1/me/preferences — any user: turns optional reminders off or on.
#[rocket::put("/me/preferences", data = "<body>")]
pub async fn put_preferences(
    caller: AnyRole,
    body: JsonBody<Preferences>,
    db: &State<Db>,
) -> Answer<Preferences> {
    let uid = caller.user_id;
    let off = body.0.optional_reminders_off;
    reply::call(db, move |c| app::set_optional_reminders_off(c, uid, off)).await?;
    Ok(Json(Preferences {
        optional_reminders_off: off,
    }))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        list_milestones,
        add_milestone,
        milestone_done,
        list_notifications,
        retry_notification,
        get_preferences,
        put_preferences
    ]
}
