//! The page of a password link (`/password/{token}`, mounted with the pages): the person
//! sent an invitation or a reset chooses a password, twice, with the rules of creation. The
//! link is used once; an unknown, used, voided or expired link shows a French page saying
//! so (404). The form carries the page's anti-forgery secret, like the login form. The
//! token is in the path: the request log writes the route's template, never the path.

use rocket::form::{Form, FromForm};
use rocket::http::{CookieJar, Status};
use rocket::State;
use serde::Serialize;

use crate::api::messages::{render as message, sentence};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::login::{set_password_through_link, LinkRefused};
use crate::auth::password::{HashLimiter, PASSWORD_MIN_CHARS};
use crate::auth::CallerCache;
use crate::config::Config;
use crate::db::Db;
use crate::domain::rule::Violation;
use crate::error::ApiError;
use crate::pages::login::{
    error_page, forged, login_secret, Html, Refused, WantsHtml, LOGIN_CSRF_COOKIE,
};
use crate::reports::html::render;

#[derive(Serialize)]
struct PasswordContext<'a> {
    current_year: i32,
    /// `form`, `done` or `invalid`.
    state: &'static str,
    token: &'a str,
    email: &'a str,
    csrf_token: &'a str,
    min_chars: usize,
    errors: Vec<String>,
    message: String,
}

fn page(db: &Db, status: Status, context: PasswordContext<'_>) -> Html {
    match render("password.html", context) {
        Ok(body) => Html::with_status(status, body),
        Err(e) => error_page(&db.clock, &e.into()),
    }
}

fn context<'a>(db: &Db, state: &'static str, token: &'a str) -> PasswordContext<'a> {
    use chrono::Datelike;
    PasswordContext {
        current_year: db.clock.today().year(),
        state,
        token,
        email: "",
        csrf_token: "",
        min_chars: PASSWORD_MIN_CHARS,
        errors: Vec::new(),
        message: String::new(),
    }
}

/// The page of a link that is no longer valid (404).
fn invalid(db: &Db, token: &str) -> Html {
    let mut c = context(db, "invalid", "");
    c.message = sentence(&message(&Violation::new("", "password_link_invalid")));
    let _ = token;
    page(db, Status::NotFound, c)
}

/// The account's email if the link is valid now.
async fn link_email(db: &Db, token: &str) -> Result<Option<String>, ApiError> {
    let at = db.clock.naive();
    let t = token.to_string();
    let user = db
        .run(move |c| crate::app::users::link_account(c, &t, at))
        .await
        .map_err(ApiError::from)?;
    Ok(user.map(|u| u.email))
}

/// GET /password/{token} — public: the form to choose a password, or why the link no
/// longer serves.
#[rocket::get("/password/<token>")]
pub async fn form(
    token: &str,
    cookies: &CookieJar<'_>,
    db: &State<Db>,
    config: &State<Config>,
) -> Html {
    match link_email(db, token).await {
        Ok(Some(email)) => {
            let secret = login_secret(cookies, config);
            let mut c = context(db, "form", token);
            c.email = &email;
            c.csrf_token = &secret;
            page(db, Status::Ok, c)
        }
        Ok(None) => invalid(db, token),
        Err(e) => error_page(&db.clock, &e),
    }
}

#[derive(FromForm)]
pub struct PasswordForm {
    password: Option<String>,
    password_confirmation: Option<String>,
    csrf_token: Option<String>,
}

/// POST /password/{token} — public: sets the password (twice the same, the rules of
/// creation), uses the link up and ends the account's sessions.
#[rocket::post("/password/<token>", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    token: &str,
    form: Option<Form<PasswordForm>>,
    cookies: &CookieJar<'_>,
    origin: RequestOrigin,
    wants: WantsHtml,
    db: &State<Db>,
    hashes: &State<HashLimiter>,
    cache: &State<CallerCache>,
) -> Result<Html, Refused> {
    let form = form.map(Form::into_inner).unwrap_or(PasswordForm {
        password: None,
        password_confirmation: None,
        csrf_token: None,
    });
    let secret = cookies
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if let Err(e) = origin.check(&secret, form.csrf_token.as_deref()) {
        return Err(forged(&db.clock, &wants, e));
    }
    let password = form.password.unwrap_or_default();
    let confirmation = form.password_confirmation.unwrap_or_default();
    let refused = match set_password_through_link(
        db,
        hashes,
        cache,
        token.to_string(),
        password,
        confirmation,
    )
    .await
    {
        Ok(()) => return Ok(page(db, Status::Ok, context(db, "done", ""))),
        Err(LinkRefused::Invalid) => return Ok(invalid(db, token)),
        Err(LinkRefused::Refused(AppError::Invalid(violations))) => violations,
        Err(LinkRefused::Refused(e)) => return Ok(error_page(&db.clock, &e.into())),
    };
    let email = match link_email(db, token).await {
        Ok(Some(email)) => email,
        Ok(None) => return Ok(invalid(db, token)),
        Err(e) => return Ok(error_page(&db.clock, &e)),
    };
    let mut c = context(db, "form", token);
    c.email = &email;
    c.csrf_token = &secret;
    c.errors = refused.iter().map(|v| sentence(&message(v))).collect();
    Ok(page(db, Status::UnprocessableEntity, c))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![form, submit, forgot_form, forgot_submit]
}

#[derive(Serialize)]
struct ForgotContext<'a> {
    title: &'static str,
    csrf_token: &'a str,
    email: &'a str,
    errors: crate::pages::FieldErrors,
    /// The answer once asked (the same for any email).
    sent: Option<&'static str>,
}

fn forgot_page(db: &Db, status: Status, c: ForgotContext<'_>) -> Html {
    match crate::pages::render("forgot.html", &c, false) {
        Ok(body) => Html::with_status(status, body),
        Err(e) => error_page(&db.clock, &e.into()),
    }
}

/// GET /password/forgot — public: asks for the email of the account to send a link to.
#[rocket::get("/password/forgot")]
pub fn forgot_form(cookies: &CookieJar<'_>, db: &State<Db>, config: &State<Config>) -> Html {
    let secret = login_secret(cookies, config);
    forgot_page(
        db,
        Status::Ok,
        ForgotContext {
            title: "Mot de passe oublié",
            csrf_token: &secret,
            email: "",
            errors: Default::default(),
            sent: None,
        },
    )
}

#[derive(FromForm)]
pub struct ForgotForm {
    email: Option<String>,
    csrf_token: Option<String>,
}

/// POST /password/forgot — public: emails a link to the account of the address, if there is
/// one (the same answer either way, throttled per address like the API's reset request).
#[rocket::post("/password/forgot", data = "<form>")]
pub async fn forgot_submit(
    form: Option<Form<ForgotForm>>,
    cookies: &CookieJar<'_>,
    origin: RequestOrigin,
    wants: WantsHtml,
    db: &State<Db>,
    config: &State<Config>,
    mailer: &State<crate::reminders::mailer::Mailer>,
) -> Result<Html, Refused> {
    let secret = cookies
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let (email, token) = form
        .map(|f| (f.email.clone(), f.csrf_token.clone()))
        .unwrap_or((None, None));
    if let Err(e) = origin.check(&secret, token.as_deref()) {
        return Err(forged(&db.clock, &wants, e));
    }
    let typed = email.unwrap_or_default().trim().to_string();
    let mut c = ForgotContext {
        title: "Mot de passe oublié",
        csrf_token: &secret,
        email: &typed,
        errors: Default::default(),
        sent: None,
    };
    let checked = match crate::domain::limits::Email::new(typed.clone()) {
        Ok(e) if !typed.is_empty() => e.into_string(),
        Ok(_) => {
            c.errors.add("email", &Violation::new("email", "required"));
            return Ok(forgot_page(db, Status::UnprocessableEntity, c));
        }
        Err(why) => {
            c.email = "";
            c.errors.add("email", &why.violation("email"));
            return Ok(forgot_page(db, Status::UnprocessableEntity, c));
        }
    };
    match crate::auth::login::request_password_reset(db, config, mailer.domain(), checked).await {
        Ok(()) => {
            c.sent = crate::pages::notice(Some("lien-envoye"));
            Ok(forgot_page(db, Status::Ok, c))
        }
        Err(e) => {
            let problem = crate::api::auth::reset_refused(e);
            c.errors = crate::pages::FieldErrors::of_problem(&problem);
            Ok(forgot_page(
                db,
                Status::from_code(problem.status).unwrap_or(Status::Ok),
                c,
            ))
        }
    }
}
