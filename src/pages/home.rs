//! The home of each role (`/`) and the reports entry (`/reports`).

use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::api::reply;
use crate::app::hours::list_entries;
use crate::db::Db;
use crate::pages::{home_of, notice, Exit, Html, PageView, Visitor};
use crate::store::hours::EntryFilter;

#[derive(Serialize)]
struct StaffHome {
    /// Monthly figures waiting for validation in the structure.
    waiting: i64,
}

/// GET / — anyone: the caller's home (staff: this page; a contractor: its sites; a funder:
/// this year's report), or the login page without a session.
#[rocket::get("/?<fait>")]
pub async fn home(visitor: Visitor, fait: Option<&str>, db: &State<Db>) -> Result<Html, Exit> {
    let caller = match visitor.any() {
        Ok(c) => c,
        Err(Exit::Redirect(_)) => return Err(Exit::to("/login".into())),
        Err(e) => return Err(e),
    };
    if !caller.is_staff() {
        return Err(Exit::to(home_of(caller.role, visitor.year)));
    }
    let reader = caller.clone();
    let waiting = reply::call(db, move |c| {
        let filter = EntryFilter {
            status: None,
            clause_id: None,
            placement_id: None,
            month: None,
            contractor: None,
            entry_ids: None,
        };
        list_entries(c, &reader, Some("submitted"), filter, 1, 0).map(|(_, total)| total)
    })
    .await
    .map_err(|e| visitor.problem(e))?;
    let view = PageView::new("staff_home.html", "Accueil", "/", StaffHome { waiting });
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![home]
}
