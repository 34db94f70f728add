//! The home of each role (`/`) and the reports entry (`/reports`).

use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::api::referrals::work_list;
use crate::app::read_log::RecentReads;
use crate::app::worklist::{read_and_log, work_lines};
use crate::config::Config;
use crate::db::Db;
use crate::pages::{home_of, notice, Exit, Html, PageView, Visitor};

/// One line of the work list as the page shows it.
#[derive(Serialize)]
struct Line {
    what: String,
    who: String,
    since: String,
    href: String,
}

/// The lines of one kind under their heading.
#[derive(Serialize)]
struct Group {
    kind: String,
    heading: String,
    lines: Vec<Line>,
    /// Lines of the kind not shown (beyond the first 50).
    more: i64,
}

#[derive(Serialize)]
struct StaffHome {
    /// Monthly figures waiting for validation in the structure.
    waiting: i64,
    /// The kinds that have lines, in the work list's order.
    groups: Vec<Group>,
}

/// A next action's text ("candidatures à proposer ...") as a sentence: capital first, full
/// stop last.
fn as_sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// GET / — anyone: the caller's home (staff: the work list; a contractor: its sites; a
/// funder: this year's report), or the login page without a session.
#[rocket::get("/?<fait>")]
pub async fn home(
    visitor: Visitor,
    fait: Option<&str>,
    db: &State<Db>,
    reads: &State<RecentReads>,
    config: &State<Config>,
) -> Result<Html, Exit> {
    let caller = match visitor.any() {
        Ok(c) => c,
        Err(Exit::Redirect(_)) => return Err(Exit::to("/login".into())),
        Err(e) => return Err(e),
    };
    if !caller.is_staff() {
        return Err(Exit::to(home_of(caller.role, visitor.year)));
    }
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let today = db.clock.today();
    let (wait, pct) = (config.referral_wait_days, config.on_track_percent);
    let reader = caller.clone();
    let reads = reads.inner().clone();
    let (waiting, items, more) = db
        .run(move |c| {
            read_and_log(c, &reads, sid, uid, |c, named| {
                let waiting = crate::app::validation::waiting_count(c, &reader)?;
                let items = work_list(c, sid, today, wait, named)?;
                let more = work_lines(c, sid, today, pct, named)?;
                Ok((waiting, items, more))
            })
        })
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let mut groups = Vec::new();
    if !items.is_empty() {
        groups.push(Group {
            kind: "proposals".into(),
            heading: "Besoins et propositions".into(),
            more: 0,
            lines: items
                .into_iter()
                .map(|i| {
                    let who = match &i.participant_name {
                        Some(p) => format!("{p} — {} ({})", i.contractor_name, i.job_title),
                        None => format!("{} ({})", i.contractor_name, i.job_title),
                    };
                    let href = match &i.participant {
                        Some(p) => format!("/people/{}", p.id),
                        None => format!("/needs/{}", i.need_id),
                    };
                    Line {
                        what: as_sentence(&i.what),
                        who,
                        since: i.since.to_string(),
                        href,
                    }
                })
                .collect(),
        });
    }
    for k in more.kinds {
        let lines: Vec<Line> = more
            .lines
            .iter()
            .filter(|l| l.kind == k.kind)
            .map(|l| Line {
                what: l.what.clone(),
                who: l.who.clone(),
                since: l.since.to_string(),
                href: l.href.clone(),
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        groups.push(Group {
            kind: k.kind,
            heading: k.heading,
            lines,
            more: (k.total - k.shown).max(0),
        });
    }
    let view = PageView::new(
        "staff_home.html",
        "Accueil",
        "/",
        StaffHome { waiting, groups },
    );
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![home]
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_next_action_reads_as_a_sentence() {
        assert_eq!(
            super::as_sentence("éligibilité à renouveler"),
            "Éligibilité à renouveler."
        );
        assert_eq!(super::as_sentence("Fait."), "Fait.");
        assert_eq!(super::as_sentence(""), "");
    }
}
