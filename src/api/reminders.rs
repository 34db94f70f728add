//! Milestones of clauses, the outbox of reminder emails (notifications), and each user's
//! reminder preferences.

use chrono::NaiveDate;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::auth::{AnyRole, Staff, StaffOrContractor};
use crate::db::Db;
use crate::domain::calendar::local_date_time;
use crate::domain::limits::{self, Code, Label};
use crate::error::{ApiError, ApiResult};
use crate::reminders::collect::clause_time_zone;
use crate::store::clauses::{self, Clause};
use crate::store::milestones::{self, MilestoneView};
use crate::store::outbox::{self, NotificationView, STATUSES};
use crate::store::reminders as prefs;

fn parse_date(field: &str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "must be a date YYYY-MM-DD"))
}

/// Today in the clause's territory, on the clock of the unit of work (`Db::run`).
fn local_today(clause: &Clause) -> NaiveDate {
    let now = crate::clock::Clock::current().now();
    local_date_time(now, clause_time_zone(clause)).date()
}

/// GET /api/v1/clauses/{id}/milestones?on=DATE&limit=&offset= — staff; a contractor for its
/// own clauses. A page of the milestones by due date, with the clause's total.
#[rocket::get("/clauses/<id>/milestones?<on>&<limit>&<offset>")]
pub async fn list_milestones(
    caller: StaffOrContractor,
    id: i64,
    on: Param<NaiveDate>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<MilestoneView>>> {
    params!(on, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let caller = caller.0;
    let (items, total) = db
        .run(move |c| {
            let clause = clauses::get_visible(c, caller.structure_id, id, caller.contractor_org())?;
            let today = on.unwrap_or_else(|| local_today(&clause));
            milestones::list(c, &clause, today, limit, offset)
        })
        .await?;
    Ok(Json(ListResponse { items, total }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ManualMilestone {
    pub kind: Option<Code>,
    pub label: Label,
    pub due_on: Code,
}

/// POST /api/v1/clauses/{id}/milestones — staff: adds a milestone by hand.
#[rocket::post("/clauses/<id>/milestones", data = "<body>")]
pub async fn add_milestone(
    caller: Staff,
    id: i64,
    body: JsonBody<ManualMilestone>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<MilestoneView>)> {
    let input = body.0;
    let kind = input
        .kind
        .map(String::from)
        .unwrap_or_else(|| "manual".to_string());
    let kind = kind.trim().to_string();
    if kind.is_empty()
        || kind.len() > 40
        || !kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(ApiError::invalid(
            "kind",
            "must be a short code of lower-case letters, digits and _",
        ));
    }
    let label = input.label.trim().to_string();
    if label.is_empty() || label.chars().count() > 200 {
        return Err(ApiError::invalid("label", "must be 1 to 200 characters"));
    }
    let due_on = parse_date("due_on", &input.due_on)?;
    if let Some(why) = limits::date_out_of_range(due_on) {
        return Err(ApiError::invalid("due_on", why));
    }
    let sid = caller.structure_id;
    let view = db
        .write(move |c| {
            let clause = clauses::get(c, sid, id)?;
            let mid = milestones::add_manual(c, &clause, &kind, &label, due_on)?;
            one_milestone(c, &clause, mid)
        })
        .await?;
    Ok((Status::Created, Json(view)))
}

fn one_milestone(
    c: &mut crate::db::Conn,
    clause: &Clause,
    id: i64,
) -> Result<MilestoneView, ApiError> {
    milestones::one(c, clause, id, local_today(clause))
}

/// POST /api/v1/milestones/{id}/done — staff: marks a milestone done.
#[rocket::post("/milestones/<id>/done")]
pub async fn milestone_done(
    caller: Staff,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<MilestoneView>> {
    let sid = caller.structure_id;
    let view = db
        .write(move |c| {
            let m = milestones::get(c, sid, id)?;
            milestones::mark_done(c, id)?;
            let clause = clauses::get(c, sid, m.clause_id)?;
            one_milestone(c, &clause, id)
        })
        .await?;
    Ok(Json(view))
}

/// GET /api/v1/notifications?status=queued|sent|failed — staff of the structure.
#[rocket::get("/notifications?<status>&<limit>&<offset>")]
pub async fn list_notifications(
    caller: Staff,
    status: Param<String>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<NotificationView>>> {
    params!(status, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    if let Some(s) = &status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(ApiError::invalid(
                "status",
                "must be one of queued, sent, failed",
            ));
        }
    }
    let sid = caller.structure_id;
    let (rows, total) = db
        .run(move |c| outbox::list(c, sid, status.as_deref(), limit, offset))
        .await?;
    Ok(Json(ListResponse {
        items: rows.into_iter().map(Into::into).collect(),
        total,
    }))
}

/// POST /api/v1/notifications/{id}/retry — staff: a failed email goes back to the queue.
#[rocket::post("/notifications/<id>/retry")]
pub async fn retry_notification(
    caller: Staff,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<NotificationView>> {
    let sid = caller.structure_id;
    let row = db.write(move |c| outbox::retry(c, sid, id)).await?;
    Ok(Json(row.into()))
}

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preferences {
    /// True: no reminder that is not an obligation (reporting reminders always go).
    pub optional_reminders_off: bool,
}

/// GET /api/v1/me/preferences — any user.
#[rocket::get("/me/preferences")]
pub async fn get_preferences(caller: AnyRole, db: &State<Db>) -> ApiResult<Json<Preferences>> {
    let uid = caller.user_id;
    let off = db.run(move |c| prefs::optional_off(c, uid)).await?;
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
) -> ApiResult<Json<Preferences>> {
    let uid = caller.user_id;
    let off = body.0.optional_reminders_off;
    db.write(move |c| prefs::set_optional_off(c, uid, off))
        .await?;
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
