//! HTTP API: one module per resource, each with `routes()`, mounted under `/api/v1`.

pub mod access;
pub mod auth;
pub mod body;
pub mod clauses;
pub mod contracts;
pub mod hours;
pub mod imports;
pub mod messages;
pub mod needs;
pub mod organisations;
pub mod pages;
pub mod participants;
pub mod placements;
pub mod query;
pub mod reference;
pub mod referrals;
pub mod reminders;
pub mod reply;
pub mod report_params;
pub mod reports;
pub mod users;

use rocket::http::Status;
use rocket::serde::json::{json, Json, Value};
use rocket::{Request, State};

use crate::db::Db;
use crate::error::{take_stashed, ApiError};

/// GET /health — public.
#[rocket::get("/health")]
pub fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// GET /ready — public; 503 while the database does not answer.
#[rocket::get("/ready")]
pub async fn ready(db: &State<Db>) -> Result<Json<Value>, ApiError> {
    use diesel::RunQueryDsl;
    db.run(|c| {
        diesel::sql_query("SELECT 1")
            .execute(c)
            .map_err(|_| ApiError::unavailable())
    })
    .await?;
    Ok(Json(json!({"status": "ready"})))
}

/// Every API route, mounted under /api/v1.
pub fn v1_routes() -> Vec<rocket::Route> {
    let resources: [fn() -> Vec<rocket::Route>; 14] = [
        auth::routes,
        users::routes,
        organisations::routes,
        contracts::routes,
        clauses::routes,
        imports::routes,
        participants::routes,
        placements::routes,
        hours::routes,
        needs::routes,
        referrals::routes,
        reminders::routes,
        reports::routes,
        reference::routes,
    ];
    resources.into_iter().flat_map(|routes| routes()).collect()
}

/// Errors Rocket raises itself (no route, guard failures, bad query values) as problems.
#[rocket::catch(default)]
pub fn problem_catcher(status: Status, req: &Request<'_>) -> ApiError {
    if let Some(p) = take_stashed(req) {
        return p;
    }
    match status.code {
        404 => ApiError::not_found("route"),
        422 => ApiError::new(
            422,
            "validation",
            "Données invalides",
            "a parameter or the body does not have the expected form",
        ),
        _ => ApiError::from_status(status),
    }
}
