//! HTTP API: one module per resource, each with `routes()`, mounted under `/api/v1`.

pub mod access;
pub mod assignments;
pub mod auth;
pub mod body;
pub mod clauses;
pub mod contracts;
pub mod eligibility;
pub mod follow_ups;
pub mod hours;
pub mod imports;
pub mod messages;
pub mod needs;
pub mod organisations;
pub mod participants;
pub mod placements;
pub mod query;
pub mod reference;
pub mod referrals;
pub mod reminders;
pub mod reply;
pub mod report_params;
pub mod reports;
pub mod settings;
pub mod spaser;
pub mod to_clause;
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
            .map_err(|_| crate::app::AppError::Unavailable)
    })
    .await?;
    Ok(Json(json!({"status": "ready"})))
}

/// Every API route, mounted under /api/v1.
pub fn v1_routes() -> Vec<rocket::Route> {
    let resources: [fn() -> Vec<rocket::Route>; 20] = [
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
        assignments::routes,
        eligibility::routes,
        to_clause::routes,
        follow_ups::routes,
        spaser::routes,
        settings::routes,
    ];
    resources.into_iter().flat_map(|routes| routes()).collect()
}

/// Errors Rocket raises itself (no route, guard failures, bad query values) as problems,
/// their messages from the catalogue. A path that exists for other methods is a 405 with
/// their list in `Allow`, not a 404: Rocket 0.5 routes by method first and only says 404.
#[rocket::catch(default)]
pub fn problem_catcher(status: Status, req: &Request<'_>) -> ApiError {
    if let Some(p) = take_stashed(req) {
        return p;
    }
    if status.code == 404 {
        let allowed = methods_serving(req);
        if !allowed.is_empty() {
            return ApiError::method_not_allowed(req.method().as_str(), &allowed);
        }
    }
    ApiError::from_status(status)
}

/// The methods of the mounted routes whose path template matches the request's path (a
/// `<param>` takes one segment, a `<param..>` the rest), in a stable order.
fn methods_serving(req: &Request<'_>) -> Vec<String> {
    let path: Vec<&str> = req
        .uri()
        .path()
        .as_str()
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut methods: Vec<String> = req
        .rocket()
        .routes()
        .filter(|route| route.method != req.method() && template_matches(route.uri.path(), &path))
        .map(|route| route.method.as_str().to_string())
        .collect();
    if methods.iter().any(|m| m == "GET") {
        methods.push("HEAD".into());
    }
    methods.sort();
    methods.dedup();
    methods
}

fn template_matches(template: &str, path: &[&str]) -> bool {
    let segments: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let mut i = 0;
    for segment in &segments {
        if segment.starts_with('<') && segment.ends_with("..>") {
            return true;
        }
        match path.get(i) {
            Some(part) if segment.starts_with('<') || part == segment => i += 1,
            _ => return false,
        }
    }
    i == path.len()
}

#[cfg(test)]
mod tests {
    use super::template_matches;

    #[test]
    fn a_route_template_matches_paths_segment_by_segment() {
        let path = |p: &'static str| p.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>();
        assert!(template_matches(
            "/api/v1/clauses/<id>",
            &path("/api/v1/clauses/7")
        ));
        assert!(!template_matches(
            "/api/v1/clauses/<id>",
            &path("/api/v1/clauses")
        ));
        assert!(!template_matches(
            "/api/v1/clauses/<id>",
            &path("/api/v1/clauses/7/x")
        ));
        assert!(!template_matches(
            "/api/v1/contracts",
            &path("/api/v1/clauses")
        ));
        assert!(template_matches(
            "/static/<path..>",
            &path("/static/a/b.css")
        ));
        assert!(template_matches("/", &path("/")));
    }
}
