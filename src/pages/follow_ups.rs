//! Follow-ups after an exit, as pages: the person page's section (each exited placement
//! with its follow-ups and the form to record one that is due), its form
//! (`POST /people/placements/<id>/follow-ups`, through the use case of
//! `POST /api/v1/placements/{id}/follow-ups`), and the list of the follow-ups due
//! (`/follow-ups`), linked from the work list.

use chrono::NaiveDate;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::follow_ups::{self as app, DueFollowUp, FollowUpRequest, FollowUpView};
use crate::app::placements::Actor;
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::db::{Conn, Db};
use crate::domain::follow_ups::{due_on, months_asked, SITUATIONS, SOURCES};
use crate::domain::ids::{ParticipantId, PlacementId, StructureId};
use crate::domain::rule::Violation;
use crate::error::ApiError;
use crate::pages::candidates::{date_field, filled};
use crate::pages::people::{self, Choice, Forms};
use crate::pages::{notice, Exit, FieldErrors, Html, PageView, Visitor};
use crate::store::placements::PlacementView;

/// What the person page reads of follow-ups.
pub struct FollowUpData {
    pub recorded: Vec<FollowUpView>,
    pub months_asked: Vec<i64>,
}

pub fn load(
    conn: &mut Conn,
    sid: StructureId,
    id: ParticipantId,
) -> Result<FollowUpData, AppError> {
    Ok(FollowUpData {
        recorded: app::of_person(conn, sid, id)?,
        months_asked: months_asked(crate::store::follow_ups::twelve_months(conn, sid)?).to_vec(),
    })
}

/// A follow-up form as it came back refused.
#[derive(Serialize, Default, Clone)]
pub struct FollowUpValues {
    pub placement_id: i64,
    pub months: String,
    pub situation: String,
    pub observed_on: String,
    pub source: String,
    pub errors: FieldErrors,
}

#[derive(Serialize)]
struct Recorded {
    /// The follow-up's id: its correction form.
    id: i64,
    months: i64,
    situation: &'static str,
    observed_on: String,
    source: &'static str,
}

#[derive(Serialize)]
struct Pending {
    months: i64,
    due_on: String,
    /// Due today or before: the form is shown.
    due: bool,
}

#[derive(Serialize)]
struct ExitedPlacement {
    id: i64,
    job_title: String,
    contractor_name: String,
    ended_on: String,
    outcome: String,
    recorded: Vec<Recorded>,
    pending: Vec<Pending>,
    form: FollowUpValues,
}

/// The person page's section.
#[derive(Serialize)]
pub struct Section {
    placements: Vec<ExitedPlacement>,
    situations: Vec<Choice>,
    sources: Vec<Choice>,
}

pub fn section(
    views: &[PlacementView],
    data: FollowUpData,
    refused: Option<FollowUpValues>,
    today: NaiveDate,
) -> Section {
    let placements = views
        .iter()
        .filter(|v| v.placement.cancelled_at.is_none())
        .filter_map(|v| {
            let p = &v.placement;
            let exit_on = p.exit_on?;
            let mine: Vec<&FollowUpView> = data
                .recorded
                .iter()
                .filter(|f| f.placement_id == p.id)
                .collect();
            let recorded = mine
                .iter()
                .map(|f| Recorded {
                    id: f.id,
                    months: f.months,
                    situation: f.situation_label,
                    observed_on: f.observed_on.to_string(),
                    source: f.source_label,
                })
                .collect();
            let pending: Vec<Pending> = data
                .months_asked
                .iter()
                .filter(|m| !mine.iter().any(|f| f.months == **m))
                .map(|&m| {
                    let due = due_on(exit_on, m);
                    Pending {
                        months: m,
                        due_on: due.to_string(),
                        due: due <= today,
                    }
                })
                .collect();
            let form = match &refused {
                Some(r) if r.placement_id == p.id.0 => r.clone(),
                _ => FollowUpValues {
                    placement_id: p.id.0,
                    months: pending
                        .iter()
                        .find(|x| x.due)
                        .map(|x| x.months.to_string())
                        .unwrap_or_default(),
                    observed_on: today.to_string(),
                    ..FollowUpValues::default()
                },
            };
            Some(ExitedPlacement {
                id: p.id.0,
                job_title: p.job_title.clone(),
                contractor_name: v.contractor_name.clone(),
                ended_on: exit_on.to_string(),
                outcome: p
                    .exit_outcome
                    .map(|o| o.label().to_string())
                    .unwrap_or_default(),
                recorded,
                pending,
                form,
            })
        })
        .collect();
    let choices = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(code, label)| Choice {
                code: code.to_string(),
                label: label.to_string(),
            })
            .collect()
    };
    Section {
        placements,
        situations: choices(SITUATIONS),
        sources: choices(SOURCES),
    }
}

/// The follow-up form of a placement.
#[derive(FromForm, Default)]
pub struct FollowUpForm {
    csrf_token: Option<String>,
    months: Option<String>,
    situation: Option<String>,
    observed_on: Option<String>,
    source: Option<String>,
}

const FIELDS: &[&str] = &["months", "situation", "observed_on", "source"];

/// POST /people/placements/{id}/follow-ups — staff: records a follow-up, then back to the
/// person's page at the placement; refused, that page with the errors beside the fields.
#[rocket::post("/people/placements/<id>/follow-ups", data = "<form>")]
pub async fn record(
    visitor: Visitor,
    id: PlacementId,
    form: Option<Form<FollowUpForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let person = people::person_of_placement(&visitor, &caller, db, id).await?;
    let mut broken = Vec::new();
    let observed_on = match filled(form.observed_on.as_deref()) {
        Some(d) => date_field("observed_on", Some(d), &mut broken),
        None => {
            broken.push(Violation::new("observed_on", "required"));
            None
        }
    };
    let months = filled(form.months.as_deref()).and_then(|m| m.parse::<i64>().ok());
    if months.is_none() {
        broken.push(Violation::new("months", "required"));
    }
    let situation = filled(form.situation.as_deref()).unwrap_or("").to_string();
    let source = filled(form.source.as_deref()).unwrap_or("").to_string();
    for (field, value) in [("situation", &situation), ("source", &source)] {
        if value.is_empty() {
            broken.push(Violation::new(field, "required"));
        }
    }
    let refused: ApiError = match (months, observed_on, broken.is_empty()) {
        (Some(months), Some(observed_on), true) => {
            let by = Actor {
                structure_id: caller.structure_id,
                user_id: caller.user_id,
                today: db.clock.today(),
            };
            let request = FollowUpRequest {
                months,
                situation,
                observed_on,
                source,
            };
            match db.run(move |c| app::record(c, &by, id, request)).await {
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "/people/{}?fait=suivi-enregistre#follow-up-{}",
                        person.0, id.0
                    )))
                }
                Err(e) => e.into(),
            }
        }
        _ => AppError::Invalid(broken).into(),
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(people::problem(&visitor, &caller, refused));
    }
    let values = FollowUpValues {
        placement_id: id.0,
        months: form.months.clone().unwrap_or_default(),
        situation: form.situation.clone().unwrap_or_default(),
        observed_on: form.observed_on.clone().unwrap_or_default(),
        source: form.source.clone().unwrap_or_default(),
        errors: people::errors_of(&refused, FIELDS),
    };
    let mut forms = Forms::default();
    forms.follow_up = Some(values);
    let status = people::refused_status(&visitor, &refused);
    Ok(Exit::Page(
        people::render_person(&visitor, &caller, db, person, forms, status, None).await?,
    ))
}

/// How many follow-ups due a page lists.
const PAGE_SIZE: i64 = 50;

#[derive(Serialize)]
struct DueLine {
    person: String,
    contractor: String,
    months: i64,
    exit_on: String,
    due_on: String,
    href: String,
}

#[derive(Serialize)]
struct DuePage {
    lines: Vec<DueLine>,
    total: i64,
    page: i64,
    pages: i64,
}

/// GET /follow-ups — staff: the follow-ups due and not recorded of the structure, oldest
/// due first, 50 a page, each with a link to the person's page where it is recorded.
#[rocket::get("/follow-ups?<page>")]
pub async fn due_page(visitor: Visitor, page: Option<&str>, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let page = page
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let (sid, uid, today) = (caller.structure_id, caller.user_id, db.clock.today());
    let (items, total) = db
        .run(move |c| app::due_list(c, sid, Some(uid), today, PAGE_SIZE, (page - 1) * PAGE_SIZE))
        .await
        .map_err(|e| people::problem(&visitor, &caller, e))?;
    let lines = items
        .into_iter()
        .map(|d: DueFollowUp| DueLine {
            person: if d.person.is_empty() {
                "Personne sans nom".to_string()
            } else {
                d.person
            },
            contractor: d.contractor,
            months: d.months,
            exit_on: d.exit_on.to_string(),
            due_on: d.due_on.to_string(),
            href: d.href,
        })
        .collect();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let view = PageView::new(
        "follow_ups.html",
        "Suivis après la sortie à faire",
        "/follow-ups",
        DuePage {
            lines,
            total,
            page,
            pages,
        },
    );
    Ok(view
        .notice(notice(None))
        .render(&visitor, &caller, Status::Ok))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![record, due_page]
}
