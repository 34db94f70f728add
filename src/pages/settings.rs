//! The settings page (`/settings`, issue 20): the PNAD targets of a year, the structure's
//! standard calibration of the contracts-to-clause list and the 12-month follow-up, each a
//! small form on the use case of its API route (`PUT /api/v1/settings/pnad-targets/{year}`,
//! `PUT /api/v1/settings/calibration`, `PUT /api/v1/follow-ups/settings`). Administrators
//! change them; facilitators read them.

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::api::query::{QueryValue, Year};
use crate::app::follow_ups::FollowUpSettings;
use crate::app::settings::{self as app, CalibrationInput, PnadTargetsInput};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::rule::Violation;
use crate::domain::vocabulary::Role;
use crate::error::ApiError;
use crate::pages::contracts::number;
use crate::pages::{notice, Exit, FieldErrors, Html, PageView, Visitor};

const PATH: &str = "/settings";
const TITLE: &str = "Réglages";

#[derive(Serialize, Default, Clone)]
struct PnadValues {
    social_percent: String,
    environmental_percent: String,
}

#[derive(Serialize, Default, Clone)]
struct CalibrationValues {
    insertion_rate_percent: String,
    hourly_cost_eur: String,
}

#[derive(Serialize)]
struct SettingsPage {
    admin: bool,
    targets: app::PnadTargets,
    pnad_form: PnadValues,
    calibration_form: CalibrationValues,
    calibration_default: bool,
    twelve_months: bool,
    errors: FieldErrors,
    /// The form the errors are of: `pnad` or `calibration`.
    refused: &'static str,
}

/// What a refused form brings back to the page.
struct Refused {
    form: &'static str,
    pnad: Option<PnadValues>,
    calibration: Option<CalibrationValues>,
    errors: FieldErrors,
    status: Status,
}

/// A number as a form shows it: `5`, `7,5`, `7,25`.
fn typed(hundredths: i64) -> String {
    crate::pages::hours_input(hundredths)
}

async fn render_page(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    year: i32,
    refused: Option<Refused>,
    fait: Option<&str>,
) -> Result<Html, Exit> {
    let sid = caller.structure_id;
    let (targets, calibration, follow_ups) = db
        .run(move |c| {
            Ok::<_, AppError>((
                app::pnad_targets(c, year)?,
                app::calibration(c, sid)?,
                crate::app::follow_ups::settings(c, sid)?,
            ))
        })
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let mut page = SettingsPage {
        admin: caller.role == Role::Admin,
        pnad_form: PnadValues {
            social_percent: targets.social_percent.to_string(),
            environmental_percent: targets.environmental_percent.to_string(),
        },
        targets,
        calibration_form: CalibrationValues {
            insertion_rate_percent: typed(calibration.insertion_rate_percent),
            hourly_cost_eur: typed(calibration.hourly_cost_eur),
        },
        calibration_default: calibration.is_default,
        twelve_months: follow_ups.twelve_months,
        errors: FieldErrors::default(),
        refused: "",
    };
    let mut status = Status::Ok;
    if let Some(r) = refused {
        page.refused = r.form;
        page.errors = r.errors;
        if let Some(f) = r.pnad {
            page.pnad_form = f;
        }
        if let Some(f) = r.calibration {
            page.calibration_form = f;
        }
        status = r.status;
    }
    let view = PageView::new("settings.html", TITLE, PATH, page);
    Ok(view.notice(notice(fait)).render(visitor, caller, status))
}

/// The year a form or an address names, else this year.
fn year_or_this(visitor: &Visitor, text: Option<&str>) -> i32 {
    text.and_then(|t| Year::read(t.trim()).ok())
        .map(|y| y.0)
        .unwrap_or(visitor.year)
}

/// GET /settings — staff: the settings, as forms for an administrator.
#[rocket::get("/settings?<annee>&<fait>")]
pub async fn show(
    visitor: Visitor,
    annee: Option<&str>,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let year = year_or_this(&visitor, annee);
    render_page(&visitor, &caller, db, year, None, fait).await
}

/// A refusal as the page shows it (409 and 422 beside the fields, anything else the error
/// page).
fn refusal(visitor: &Visitor, e: ApiError) -> Result<(FieldErrors, Status), Exit> {
    if !matches!(e.status, 409 | 422) {
        return Err(visitor.problem(e));
    }
    let status = if visitor.htmx {
        Status::Ok
    } else {
        Status::from_code(e.status).unwrap_or(Status::UnprocessableEntity)
    };
    Ok((FieldErrors::of_problem(&e), status))
}

#[derive(FromForm, Default)]
pub struct PnadTargetsForm {
    csrf_token: Option<String>,
    year: Option<String>,
    social_percent: Option<String>,
    environmental_percent: Option<String>,
}

/// A whole percent typed in a form, or its rule broken.
fn whole(field: &str, value: &Option<String>, errors: &mut Vec<Violation>) -> Option<i64> {
    let text = value.as_deref().map(str::trim).unwrap_or("");
    if text.is_empty() {
        errors.push(Violation::new(field, "required"));
        return None;
    }
    let n = text.trim_end_matches('%').trim().parse::<i64>().ok();
    if n.is_none() {
        errors.push(Violation::new(field, "target_percent_out_of_range"));
    }
    n
}

/// POST /settings/pnad-targets — administrators: sets the year's PNAD targets, back to the
/// page with a notice; refused, the page with the errors beside the fields.
#[rocket::post("/settings/pnad-targets", data = "<form>")]
pub async fn set_pnad_targets(
    visitor: Visitor,
    form: Option<Form<PnadTargetsForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let year = year_or_this(&visitor, form.year.as_deref());
    let mut errors = Vec::new();
    let social = whole("social_percent", &form.social_percent, &mut errors);
    let environmental = whole(
        "environmental_percent",
        &form.environmental_percent,
        &mut errors,
    );
    let refused: ApiError = match (social, environmental) {
        (Some(social_percent), Some(environmental_percent)) if errors.is_empty() => {
            let (sid, uid) = (caller.structure_id, caller.user_id);
            let input = PnadTargetsInput {
                social_percent,
                environmental_percent,
            };
            match db
                .run(move |c| app::set_pnad_targets(c, sid, uid, year, input))
                .await
            {
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "{PATH}?annee={year}&fait=objectifs-enregistres#pnad"
                    )))
                }
                Err(e) => e.into(),
            }
        }
        _ => AppError::Invalid(errors).into(),
    };
    let (errors, status) = refusal(&visitor, refused)?;
    let back = Refused {
        form: "pnad",
        pnad: Some(PnadValues {
            social_percent: form.social_percent.unwrap_or_default(),
            environmental_percent: form.environmental_percent.unwrap_or_default(),
        }),
        calibration: None,
        errors,
        status,
    };
    let page = render_page(&visitor, &caller, db, year, Some(back), None).await?;
    Ok(Exit::Page(page))
}

#[derive(FromForm, Default)]
pub struct CalibrationForm {
    csrf_token: Option<String>,
    insertion_rate_percent: Option<String>,
    hourly_cost_eur: Option<String>,
}

/// POST /settings/calibration — administrators: sets the structure's standard calibration.
#[rocket::post("/settings/calibration", data = "<form>")]
pub async fn set_calibration(
    visitor: Visitor,
    form: Option<Form<CalibrationForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let mut errors = Vec::new();
    let rate = number(
        "insertion_rate_percent",
        &form
            .insertion_rate_percent
            .as_ref()
            .map(|t| t.trim_end_matches('%').to_string()),
        true,
        &mut errors,
    );
    let cost = number("hourly_cost_eur", &form.hourly_cost_eur, true, &mut errors);
    let refused: ApiError = match (rate, cost) {
        (Some(insertion_rate_percent), Some(hourly_cost_eur)) if errors.is_empty() => {
            let (sid, uid) = (caller.structure_id, caller.user_id);
            let input = CalibrationInput {
                insertion_rate_percent,
                hourly_cost_eur,
            };
            match db
                .run(move |c| app::set_calibration(c, sid, uid, input))
                .await
            {
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "{PATH}?fait=calibrage-enregistre#calibrage"
                    )))
                }
                Err(e) => e.into(),
            }
        }
        _ => AppError::Invalid(errors).into(),
    };
    let (errors, status) = refusal(&visitor, refused)?;
    let back = Refused {
        form: "calibration",
        pnad: None,
        calibration: Some(CalibrationValues {
            insertion_rate_percent: form.insertion_rate_percent.unwrap_or_default(),
            hourly_cost_eur: form.hourly_cost_eur.unwrap_or_default(),
        }),
        errors,
        status,
    };
    let year = visitor.year;
    let page = render_page(&visitor, &caller, db, year, Some(back), None).await?;
    Ok(Exit::Page(page))
}

#[derive(FromForm, Default)]
pub struct FollowUpsForm {
    csrf_token: Option<String>,
    twelve_months: Option<String>,
}

/// POST /settings/follow-ups — administrators: turns the 12-month follow-up on or off.
#[rocket::post("/settings/follow-ups", data = "<form>")]
pub async fn set_follow_ups(
    visitor: Visitor,
    form: Option<Form<FollowUpsForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let settings = FollowUpSettings {
        twelve_months: form.twelve_months.is_some_and(|v| !v.trim().is_empty()),
    };
    let sid = caller.structure_id;
    db.run(move |c| crate::app::follow_ups::set_settings(c, sid, settings))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    Ok(Exit::see_other(format!(
        "{PATH}?fait=suivi-12-mois-enregistre#suivi"
    )))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![show, set_pnad_targets, set_calibration, set_follow_ups]
}
