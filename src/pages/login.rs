//! Pages for people (mounted at `/`): the login form, which keeps the token in an HttpOnly,
//! SameSite=Strict session cookie, logout, and the annual report page in French. The page
//! reads the same figures as `/api/v1/reports/annual`, with the same guard and scope rules.

use chrono::Datelike;
use rocket::form::{Form, FromForm};
use rocket::http::uri::Origin;
use rocket::http::{ContentType, Cookie, CookieJar, Header, SameSite, Status};
use rocket::request::Request;
use rocket::response::{self, Redirect, Responder, Response};
use rocket::State;
use serde::Serialize;

use crate::api::query::{self, Param};
use crate::api::report_params::RawParams;
use crate::app::report_cache::{annual_report_cached, ReportCache};
use crate::app::reports::{page_extras, report_choices};
use crate::auth::csrf::RequestOrigin;
use crate::auth::login::{end_session, login_with};
use crate::auth::password::HashLimiter;
use crate::auth::token::random_hex;
use crate::auth::{CallerCache, CookieSession, ReportReader, TokenKeys, SESSION_COOKIE};
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::domain::limits::{Email, Password, TextError};
use crate::domain::rule::Violation;
use crate::error::ApiError;
use crate::reports::html::{filter_form, page_context, render, FilterForm, PageExtras};
use crate::reports::{Report, ScopeLabel};

use crate::pages::CSP;

/// An HTML page with its status and the headers every page carries.
pub struct Html {
    status: Status,
    body: String,
    retry_after: Option<i64>,
}

impl Html {
    /// Changes the page's status (a refusal page answered as 403).
    pub fn set_status(&mut self, status: Status) {
        self.status = status;
    }

    /// A page with its status.
    pub fn with_status(status: Status, body: String) -> Html {
        Html {
            status,
            body,
            retry_after: None,
        }
    }

    fn ok(body: String) -> Html {
        Html {
            status: Status::Ok,
            body,
            retry_after: None,
        }
    }
}

impl<'r> Responder<'r, 'static> for Html {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut b = Response::build();
        b.status(self.status)
            .header(ContentType::HTML)
            .header(Header::new("Content-Security-Policy", CSP))
            .header(Header::new("Cache-Control", "no-store"))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            // Nothing to other sites; to our own, the page's origin (with `no-referrer`
            // browsers send `Origin: null` on our own forms, which the CSRF check refuses).
            .header(Header::new("Referrer-Policy", "same-origin"))
            .sized_body(self.body.len(), std::io::Cursor::new(self.body));
        if let Some(s) = self.retry_after {
            b.header(Header::new("Retry-After", s.to_string()));
        }
        b.ok()
    }
}

fn current_year(clock: &Clock) -> i32 {
    clock.today().year()
}

/// Where a login without `next` goes: the home of the user's role.
fn default_next(_clock: &Clock) -> String {
    "/".to_string()
}

/// `next` when it is a path of this site that a redirect can carry, else None: it starts
/// with a single `/` (not `//host`), has no `//` anywhere, no backslash, no space or
/// control character, is at most 2000 bytes and parses as an origin URI (path and query).
/// `/ /x` passed the older check and made the redirect fail with a 500 after the login.
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.contains("//")
        && next.len() <= 2000
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && Origin::parse(next).is_ok()
        && rocket::http::uri::Reference::parse(next).is_ok();
    ok.then_some(next)
}

#[derive(Serialize)]
struct LoginContext<'a> {
    current_year: i32,
    next: &'a str,
    email: &'a str,
    error: Option<String>,
    csrf_token: &'a str,
}

/// What a login page shows besides its error.
struct LoginFields<'a> {
    next: &'a str,
    email: &'a str,
    /// The login form's secret (the `clausier_login` cookie).
    csrf_token: &'a str,
}

/// A message of the login page, from the catalogue, as a sentence.
fn login_message(v: Violation) -> String {
    crate::api::messages::sentence(&crate::api::messages::render(&v))
}

/// The login page's refusal `code` of a text field, with the text check's own rule and values.
fn text_refused(field: &str, code: &'static str, why: &TextError) -> Violation {
    why.violation(field).params.into_iter().fold(
        Violation::new(field, code).with("rule", why.code()),
        |v, (name, value)| v.with(name, value),
    )
}

fn login_page(clock: &Clock, status: Status, fields: &LoginFields, error: Option<String>) -> Html {
    let body = render(
        "login.html",
        LoginContext {
            current_year: current_year(clock),
            next: fields.next,
            email: fields.email,
            error,
            csrf_token: fields.csrf_token,
        },
    );
    match body {
        Ok(body) => Html {
            status,
            body,
            retry_after: None,
        },
        Err(e) => error_page(clock, &e.into()),
    }
}

/// The page of a funder's selection under the threshold: one French sentence.
#[derive(Serialize)]
struct BelowThresholdContext<'a> {
    current_year: i32,
    csrf_token: &'a str,
    title: String,
    scope: &'static str,
    sentence: &'a str,
    form: FilterForm,
}

#[derive(Serialize)]
struct ErrorContext {
    current_year: i32,
    title: String,
    message: String,
    /// Each refused field with its message, from the catalogue.
    errors: Vec<String>,
}

/// A problem shown as a page: the report's own words for a refused access, else the
/// problem's title and detail from the catalogue, with each refused field.
pub fn error_page(clock: &Clock, e: &ApiError) -> Html {
    let (title, message) = match e.status {
        403 => (
            "Accès refusé".to_string(),
            "Votre compte ne donne pas accès aux bilans.".to_string(),
        ),
        404 => (
            "Introuvable".to_string(),
            "Ce bilan n'existe pas ou ne fait pas partie de votre périmètre.".to_string(),
        ),
        _ => (e.title.clone(), e.detail.clone()),
    };
    let errors = match e.errors.as_slice() {
        [] | [_] => Vec::new(),
        many => many
            .iter()
            .map(|f| format!("« {} » : {}", f.field, f.message))
            .collect(),
    };
    let body = render(
        "error.html",
        ErrorContext {
            current_year: current_year(clock),
            title: title.clone(),
            message,
            errors,
        },
    )
    .unwrap_or_else(|_| format!("<!DOCTYPE html><title>{title}</title><p>{title}</p>"));
    Html {
        status: Status::from_code(e.status).unwrap_or(Status::InternalServerError),
        body,
        retry_after: None,
    }
}

/// The cookie holding the login form's secret: a login has no session yet, so the form's
/// CSRF token is checked against this cookie (a site that makes a browser post the form can
/// neither read nor set it).
pub(crate) const LOGIN_CSRF_COOKIE: &str = "clausier_login";

/// The login form's secret: the browser's one if it has it, else a new one (set as a cookie).
pub(crate) fn login_secret(cookies: &CookieJar<'_>, config: &Config) -> String {
    if let Some(c) = cookies.get(LOGIN_CSRF_COOKIE) {
        return c.value().to_string();
    }
    let secret = random_hex::<32>();
    cookies.add(
        Cookie::build((LOGIN_CSRF_COOKIE, secret.clone()))
            .http_only(true)
            .secure(config.cookie_secure)
            .same_site(SameSite::Strict)
            .path("/"),
    );
    secret
}

/// GET /login — public: the login form.
#[rocket::get("/login?<next>")]
pub fn login_form(
    next: Param<String>,
    cookies: &CookieJar<'_>,
    clock: &State<Clock>,
    config: &State<Config>,
) -> Html {
    let clock: &Clock = clock;
    let mut refused = Vec::new();
    let next = next.take("next", &mut refused);
    if !refused.is_empty() {
        return error_page(clock, &query::refused(refused));
    }
    let fallback = default_next(clock);
    let next = next.as_deref().and_then(local_path).unwrap_or(&fallback);
    let secret = login_secret(cookies, config);
    let fields = LoginFields {
        next,
        email: "",
        csrf_token: &secret,
    };
    login_page(clock, Status::Ok, &fields, None)
}

#[derive(FromForm)]
pub struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
    csrf_token: Option<String>,
}

/// A refused page request: a page for a browser, a problem for a program.
#[derive(rocket::Responder)]
pub enum Refused {
    Page(Html),
    Problem(ApiError),
}

/// Whether the client reads HTML (a browser submitting a form) rather than a problem.
pub struct WantsHtml(bool);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for WantsHtml {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        let html = req
            .headers()
            .get_one("Accept")
            .is_some_and(|a| a.contains("text/html"));
        rocket::request::Outcome::Success(WantsHtml(html))
    }
}

/// A CSRF refusal, as a page or a problem.
pub(crate) fn forged(clock: &Clock, wants: &WantsHtml, e: ApiError) -> Refused {
    if wants.0 {
        let mut page = error_page(clock, &e);
        page.status = Status::Forbidden;
        Refused::Page(page)
    } else {
        Refused::Problem(e)
    }
}

/// POST /login — public: checks the form's secret and the credentials (with the lockout rule
/// of the API login), sets the session cookie and goes to `next` (a local path) or this
/// year's report.
#[rocket::post("/login", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn login_submit(
    form: Option<Form<LoginForm>>,
    cookies: &CookieJar<'_>,
    origin: RequestOrigin,
    wants: WantsHtml,
    db: &State<Db>,
    keys: &State<TokenKeys>,
    config: &State<Config>,
    hashes: &State<HashLimiter>,
) -> Result<Redirect, Refused> {
    let clock = &db.clock;
    let form = form.map(Form::into_inner).unwrap_or(LoginForm {
        email: None,
        password: None,
        next: None,
        csrf_token: None,
    });
    let secret = cookies
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if let Err(e) = origin.check(&secret, form.csrf_token.as_deref()) {
        return Err(forged(clock, &wants, e));
    }
    let fallback = default_next(clock);
    let next = form
        .next
        .as_deref()
        .and_then(local_path)
        .unwrap_or(&fallback)
        .to_string();
    let email = form.email.unwrap_or_default().trim().to_string();
    let password = form.password.unwrap_or_default();
    // The limits of the API login: a NUL or an overlong value never reaches the database.
    let email = match Email::new(email) {
        Ok(e) => e.into_string(),
        Err(why) => {
            let fields = LoginFields {
                next: &next,
                email: "",
                csrf_token: &secret,
            };
            return Err(Refused::Page(login_page(
                clock,
                Status::UnprocessableEntity,
                &fields,
                Some(login_message(text_refused(
                    "email",
                    "login_email_refused",
                    &why,
                ))),
            )));
        }
    };
    let fields = LoginFields {
        next: &next,
        email: &email,
        csrf_token: &secret,
    };
    let password = match Password::new(password) {
        Ok(p) => p.into_string(),
        Err(why) => {
            return Err(Refused::Page(login_page(
                clock,
                Status::UnprocessableEntity,
                &fields,
                Some(login_message(text_refused(
                    "password",
                    "login_password_refused",
                    &why,
                ))),
            )))
        }
    };
    if email.is_empty() || password.is_empty() {
        return Err(Refused::Page(login_page(
            clock,
            Status::UnprocessableEntity,
            &fields,
            Some(login_message(Violation::new("", "login_fields_missing"))),
        )));
    }
    match login_with(db, keys, config, hashes, email.clone(), password)
        .await
        .map_err(ApiError::from)
    {
        Ok(token) => {
            let cookie = Cookie::build((SESSION_COOKIE, token.access_token))
                .http_only(true)
                .secure(config.cookie_secure)
                .same_site(SameSite::Strict)
                .path("/")
                .max_age(rocket::time::Duration::seconds(token.expires_in));
            cookies.add(cookie);
            Ok(Redirect::to(next))
        }
        Err(e) if e.status == 401 => Err(Refused::Page(login_page(
            clock,
            Status::Unauthorized,
            &fields,
            Some(login_message(Violation::new("", "login_credentials_wrong"))),
        ))),
        Err(e) if e.status == 429 => {
            let wait = e.retry_after.unwrap_or(60);
            let mut page = login_page(
                clock,
                Status::TooManyRequests,
                &fields,
                Some(login_message(
                    Violation::new("", "login_too_many_attempts").with("minutes", (wait + 59) / 60),
                )),
            );
            page.retry_after = Some(wait);
            Err(Refused::Page(page))
        }
        Err(e) if e.kind.ends_with("/overloaded") => {
            let mut page = login_page(
                clock,
                Status::ServiceUnavailable,
                &fields,
                Some(login_message(Violation::new("", "login_overloaded"))),
            );
            page.retry_after = e.retry_after;
            Err(Refused::Page(page))
        }
        Err(e) => Err(Refused::Page(error_page(clock, &e))),
    }
}

#[derive(FromForm)]
pub struct LogoutForm {
    csrf_token: Option<String>,
}

/// POST /logout — public: ends the session of the cookie (its form's secret must match) and
/// forgets the cookie. Without a live session there is nothing to end: back to the login.
#[rocket::post("/logout", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn logout(
    form: Option<Form<LogoutForm>>,
    session: Result<CookieSession, ApiError>,
    origin: RequestOrigin,
    wants: WantsHtml,
    cookies: &CookieJar<'_>,
    db: &State<Db>,
    cache: &State<CallerCache>,
) -> Result<Redirect, Refused> {
    if let Ok(CookieSession(caller)) = session {
        let field = form.as_ref().and_then(|f| f.csrf_token.as_deref());
        if let Err(e) = origin.check(&caller.csrf_token, field) {
            return Err(forged(&db.clock, &wants, e));
        }
        if let Err(e) = end_session(db, cache, caller.session_id).await {
            return Err(Refused::Page(error_page(&db.clock, &e.into())));
        }
    }
    cookies.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok(Redirect::to("/login"))
}

/// The page's query string, from the filters it was given (`year` is in the path).
fn filter_query(raw: &RawParams) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("territory", &raw.territory),
        ("buyer_id", &raw.buyer_id),
        ("contractor_id", &raw.contractor_id),
        ("clause_kind", &raw.clause_kind),
        ("structure_id", &raw.structure_id),
    ] {
        if let Some(v) = value.value().map(|v| v.trim()).filter(|v| !v.is_empty()) {
            out.append_pair(name, v);
        }
    }
    out.finish()
}

/// GET /reports/annual/{year} — staff and funders, like the JSON report; without a session,
/// a redirect to the login page that comes back here.
#[rocket::get(
    "/reports/annual/<year>?<territory>&<buyer_id>&<contractor_id>&<clause_kind>&<structure_id>"
)]
#[allow(clippy::too_many_arguments)]
pub async fn annual_page(
    caller: Result<ReportReader, ApiError>,
    year: &str,
    territory: Param<String>,
    buyer_id: Param<String>,
    contractor_id: Param<String>,
    clause_kind: Param<String>,
    structure_id: Param<String>,
    visitor: crate::pages::Visitor,
    db: &State<Db>,
    cache: &State<ReportCache>,
    config: &State<Config>,
) -> Result<Html, crate::pages::Exit> {
    let caller = match caller {
        Ok(c) => c.0,
        Err(e) if e.status == 401 => return Err(visitor.to_login()),
        Err(e) => return Ok(error_page(&db.clock, &e)),
    };
    let raw = RawParams {
        year: Param::of(year.to_string()),
        territory,
        buyer_id,
        contractor_id,
        clause_kind,
        structure_id,
        ..<RawParams as Default>::default()
    };
    let req = match raw.parse() {
        Ok(r) => r,
        Err(e) => return Ok(error_page(&db.clock, &e)),
    };
    let csrf_token = caller.csrf_token.clone();
    let threshold = i64::from(config.suppression_threshold);
    let fte_hours = config.fte_hours;
    let loaded =
        match annual_report_cached(db, cache, caller, req.clone(), fte_hours, threshold, true)
            .await
            .map_err(ApiError::from)
        {
            Ok((l, _)) => l,
            Err(e) => return Ok(error_page(&db.clock, &e)),
        };
    let choices = match report_choices(db, &loaded.resolved).await {
        Ok(c) => c,
        Err(e) => return Ok(error_page(&db.clock, &e.into())),
    };
    let form = filter_form(&choices, &req, current_year(&db.clock));
    let report = match &loaded.report {
        Report::Shown(r) => r,
        Report::BelowThreshold(below) => {
            let body = render(
                "below_threshold.html",
                BelowThresholdContext {
                    current_year: current_year(&db.clock),
                    csrf_token: &csrf_token,
                    title: format!(
                        "Bilan {} des clauses sociales d'insertion",
                        below.year().unwrap_or(req.period.from.year)
                    ),
                    scope: "secret statistique",
                    sentence: below.sentence(),
                    form,
                },
            );
            return Ok(match body {
                Ok(body) => Html::ok(body),
                Err(e) => error_page(&db.clock, &e.into()),
            });
        }
    };
    let report_year = req.period.from.year;
    let current = (report.hours, report.beneficiaries);
    let previous = report.previous.hours.zip(report.previous.beneficiaries);
    let extras = page_extras(db, loaded.resolved.clone(), report_year, current, previous)
        .await
        .map_err(ApiError::from);
    let (trend, structure_name) = match extras {
        Ok(x) => x,
        Err(e) => return Ok(error_page(&db.clock, &e)),
    };
    let name_of = |id: i64| {
        loaded
            .names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    };
    let mut filters = Vec::new();
    if let (Some(t), false) = (
        &req.territory,
        matches!(loaded.resolved.scope_label, ScopeLabel::Territory(_)),
    ) {
        filters.push(format!("Département {t}"));
    }
    if let Some(b) = req.buyer_id {
        filters.push(format!("Acheteur : {}", name_of(b.0)));
    }
    if let Some(c) = req.contractor_id {
        filters.push(format!("Entreprise : {}", name_of(c.0)));
    }
    if let Some(k) = &req.clause_kind {
        filters.push(format!("Clause : {}", k.label()));
    }
    let extras = PageExtras {
        trend,
        names: loaded.names.clone(),
        scope: loaded.resolved.scope_label.clone(),
        structure_name,
        filter_query: filter_query(&raw),
        filters,
        current_year: current_year(&db.clock),
        csrf_token,
        edited_on: crate::domain::next_action::format_date_fr(db.clock.today()),
        form,
    };
    let context = page_context(report, &extras);
    match render("annual.html", context) {
        Ok(body) => Ok(Html::ok(body)),
        Err(e) => Ok(error_page(&db.clock, &e.into())),
    }
}

/// GET /reports/annual — staff and funders: the report page's filter form (GET, so that
/// its address can be shared) sends here; answered with a redirect to the page's own
/// address, `/reports/annual/{year}` with the chosen filters. A year that is not a year
/// sends to the current one.
#[rocket::get(
    "/reports/annual?<year>&<territory>&<buyer_id>&<contractor_id>&<clause_kind>&<structure_id>"
)]
#[allow(clippy::too_many_arguments)]
pub fn annual_filter(
    visitor: crate::pages::Visitor,
    year: Param<String>,
    territory: Param<String>,
    buyer_id: Param<String>,
    contractor_id: Param<String>,
    clause_kind: Param<String>,
    structure_id: Param<String>,
) -> Result<Redirect, crate::pages::Exit> {
    use crate::domain::period::{FIRST_YEAR, LAST_YEAR};
    visitor.require(&[
        crate::auth::Role::Admin,
        crate::auth::Role::Facilitator,
        crate::auth::Role::Funder,
    ])?;
    let year = year
        .value()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
        .unwrap_or(visitor.year);
    let raw = RawParams {
        territory,
        buyer_id,
        contractor_id,
        clause_kind,
        structure_id,
        ..<RawParams as Default>::default()
    };
    let query = filter_query(&raw);
    Ok(Redirect::to(if query.is_empty() {
        format!("/reports/annual/{year}")
    } else {
        format!("/reports/annual/{year}?{query}")
    }))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![login_form, login_submit, logout, annual_page, annual_filter]
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(
            local_path("/reports/annual/2025"),
            Some("/reports/annual/2025")
        );
        assert_eq!(
            local_path("/reports/annual/2025?territory=93"),
            Some("/reports/annual/2025?territory=93")
        );
        assert_eq!(local_path("//evil.example/x"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path("https://evil.example/"), None);
        assert_eq!(local_path("reports"), None);
        assert_eq!(local_path("/a\nb"), None);
        assert_eq!(local_path("/ /x"), None);
        assert_eq!(local_path("/reports//x"), None);
        assert_eq!(local_path("/a\tb"), None);
        assert_eq!(local_path("/a#b"), None);
        assert_eq!(local_path(""), None);
    }
}
