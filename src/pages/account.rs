//! « Mon compte » (`/account`), for any logged-in role: the change of one's own password
//! (the use case of `PUT /api/v1/me/password`: the current password, the new one twice; the
//! other sessions end, this one goes on) and the reminder preferences (those of
//! `GET/PUT /api/v1/me/preferences`: optional reminders off or on).

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::reminders as prefs;
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::password::{HashLimiter, PASSWORD_MIN_CHARS};
use crate::auth::{Caller, CallerCache};
use crate::db::Db;
use crate::domain::rule::Violation;
use crate::error::ApiError;
use crate::pages::{Exit, FieldErrors, Html, PageView, Visitor};

/// The page's address (and the navigation's "here").
pub const ACCOUNT_PATH: &str = "/account";

/// The password form, as typed (never shown back).
#[derive(FromForm, Default)]
pub struct PasswordForm {
    csrf_token: Option<String>,
    current_password: Option<String>,
    new_password: Option<String>,
    new_password_again: Option<String>,
}

/// The preferences form: the box ticked ("on") turns optional reminders off.
#[derive(FromForm, Default)]
pub struct PreferencesForm {
    csrf_token: Option<String>,
    optional_reminders_off: Option<String>,
}

#[derive(Serialize)]
struct AccountPage {
    min_chars: usize,
    optional_reminders_off: bool,
    errors: FieldErrors,
}

async fn account_page(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    errors: FieldErrors,
    status: Status,
    notice: Option<&'static str>,
) -> Result<Html, Exit> {
    let uid = caller.user_id;
    let off = db
        .run(move |c| prefs::optional_reminders_off(c, uid))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let page = AccountPage {
        min_chars: PASSWORD_MIN_CHARS,
        optional_reminders_off: off,
        errors,
    };
    Ok(
        PageView::new("account.html", "Mon compte", ACCOUNT_PATH, page)
            .notice(notice)
            .render(visitor, caller, status),
    )
}

/// GET /account — any role: the password form and the reminder preferences.
#[rocket::get("/account?<fait>")]
pub async fn show(visitor: Visitor, fait: Option<String>, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.any()?;
    let notice = account_notice(fait.as_deref());
    account_page(
        &visitor,
        &caller,
        db,
        FieldErrors::default(),
        Status::Ok,
        notice,
    )
    .await
}

/// The French notices of the page's changes.
fn account_notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "mot-de-passe-change" => {
            "Votre mot de passe est changé ; vos autres sessions sont fermées, celle-ci continue."
        }
        "preferences-enregistrees" => "Vos préférences de relance sont enregistrées.",
        _ => return None,
    })
}

/// POST /account/password — any role: changes one's own password.
#[rocket::post("/account/password", data = "<form>")]
pub async fn change_password(
    visitor: Visitor,
    form: Option<Form<PasswordForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
    hashes: &State<HashLimiter>,
    cache: &State<CallerCache>,
) -> Result<Exit, Exit> {
    let caller = visitor.any()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let mut broken = Vec::new();
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    let (current, new, again) = (
        typed(&form.current_password),
        typed(&form.new_password),
        typed(&form.new_password_again),
    );
    if current.is_empty() {
        broken.push(Violation::new("current_password", "required"));
    }
    if new.is_empty() {
        broken.push(Violation::new("new_password", "required"));
    } else if again != new {
        broken.push(Violation::new("new_password_again", "password_mismatch"));
    }
    let refused: ApiError = if broken.is_empty() {
        match crate::auth::login::change_password(db, hashes, cache, &caller, current, new).await {
            Ok(()) => {
                return Ok(Exit::see_other(format!(
                    "{ACCOUNT_PATH}?fait=mot-de-passe-change"
                )))
            }
            Err(e) => e.into(),
        }
    } else {
        AppError::Invalid(broken).into()
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(visitor.problem(refused));
    }
    let errors = FieldErrors::of_problem(&refused);
    let status = Status::UnprocessableEntity;
    let page = account_page(&visitor, &caller, db, errors, status, None).await?;
    Ok(Exit::Page(page))
}

/// POST /account/preferences — any role: turns optional reminders off or on.
#[rocket::post("/account/preferences", data = "<form>")]
pub async fn save_preferences(
    visitor: Visitor,
    form: Option<Form<PreferencesForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.any()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let (uid, off) = (caller.user_id, form.optional_reminders_off.is_some());
    db.run(move |c| prefs::set_optional_reminders_off(c, uid, off))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    Ok(Exit::see_other(format!(
        "{ACCOUNT_PATH}?fait=preferences-enregistrees"
    )))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![show, change_password, save_preferences]
}
