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

use crate::api::auth::login_with;
use crate::api::reports::load;
use crate::auth::password::HashLimiter;
use crate::auth::{ReportReader, TokenKeys, SESSION_COOKIE};
use crate::config::Config;
use crate::db::{now, Db};
use crate::domain::catalogue::{label, CLAUSE_KINDS};
use crate::domain::period::Period;
use crate::error::ApiError;
use crate::reports::html::{page_context, render, PageExtras};
use crate::reports::{RawParams, ScopeLabel};
use crate::store::reports as store;

/// Content security policy of every page: nothing is loaded from anywhere, no script runs.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                   form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// An HTML page with its status and the headers every page carries.
pub struct Html {
    status: Status,
    body: String,
    retry_after: Option<i64>,
}

impl Html {
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
            .header(Header::new("Referrer-Policy", "no-referrer"))
            .sized_body(self.body.len(), std::io::Cursor::new(self.body));
        if let Some(s) = self.retry_after {
            b.header(Header::new("Retry-After", s.to_string()));
        }
        b.ok()
    }
}

fn current_year() -> i32 {
    now().date().year()
}

fn default_next() -> String {
    format!("/reports/annual/{}", current_year())
}

/// `next` when it is a path of this site (`/…`, not `//host` or `/\host`), else None.
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2000
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

#[derive(Serialize)]
struct LoginContext<'a> {
    current_year: i32,
    next: &'a str,
    email: &'a str,
    error: Option<String>,
}

fn login_page(status: Status, next: &str, email: &str, error: Option<String>) -> Html {
    let body = render(
        "login.html",
        LoginContext {
            current_year: current_year(),
            next,
            email,
            error,
        },
    );
    match body {
        Ok(body) => Html {
            status,
            body,
            retry_after: None,
        },
        Err(e) => error_page(&e),
    }
}

#[derive(Serialize)]
struct ErrorContext {
    current_year: i32,
    title: &'static str,
    message: String,
}

/// A problem shown as a page.
fn error_page(e: &ApiError) -> Html {
    let (title, message) = match e.status {
        403 => (
            "Accès refusé",
            "Votre compte ne donne pas accès aux bilans.".to_string(),
        ),
        404 => (
            "Introuvable",
            "Ce bilan n'existe pas ou ne fait pas partie de votre périmètre.".to_string(),
        ),
        422 => ("Paramètres invalides", e.detail.clone()),
        503 => (
            "Service indisponible",
            "La base de données ne répond pas ; réessayez dans un instant.".to_string(),
        ),
        _ => (
            "Erreur",
            "Une erreur inattendue s'est produite ; elle a été enregistrée.".to_string(),
        ),
    };
    let body = render(
        "error.html",
        ErrorContext {
            current_year: current_year(),
            title,
            message,
        },
    )
    .unwrap_or_else(|_| format!("<!DOCTYPE html><title>{title}</title><p>{title}</p>"));
    Html {
        status: Status::from_code(e.status).unwrap_or(Status::InternalServerError),
        body,
        retry_after: None,
    }
}

/// GET /login — public: the login form.
#[rocket::get("/login?<next>")]
pub fn login_form(next: Option<String>) -> Html {
    let fallback = default_next();
    let next = next
        .as_deref()
        .and_then(local_path)
        .unwrap_or(&fallback)
        .to_string();
    login_page(Status::Ok, &next, "", None)
}

#[derive(FromForm)]
pub struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

/// POST /login — public: checks the credentials (with the lockout rule of the API login),
/// sets the session cookie and goes to `next` (a local path) or this year's report.
#[rocket::post("/login", data = "<form>")]
pub async fn login_submit(
    form: Form<LoginForm>,
    cookies: &CookieJar<'_>,
    db: &State<Db>,
    keys: &State<TokenKeys>,
    config: &State<Config>,
    hashes: &State<HashLimiter>,
) -> Result<Redirect, Html> {
    let form = form.into_inner();
    let fallback = default_next();
    let next = form
        .next
        .as_deref()
        .and_then(local_path)
        .unwrap_or(&fallback)
        .to_string();
    let email = form.email.unwrap_or_default().trim().to_string();
    let password = form.password.unwrap_or_default();
    if email.is_empty() || password.is_empty() {
        return Err(login_page(
            Status::UnprocessableEntity,
            &next,
            &email,
            Some("Renseignez votre adresse électronique et votre mot de passe.".into()),
        ));
    }
    match login_with(db, keys, config, hashes, email.clone(), password).await {
        Ok(token) => {
            let cookie = Cookie::build((SESSION_COOKIE, token.access_token))
                .http_only(true)
                .same_site(SameSite::Strict)
                .path("/")
                .max_age(rocket::time::Duration::seconds(token.expires_in));
            cookies.add(cookie);
            Ok(Redirect::to(next))
        }
        Err(e) if e.status == 401 => Err(login_page(
            Status::Unauthorized,
            &next,
            &email,
            Some("Adresse électronique ou mot de passe incorrect.".into()),
        )),
        Err(e) if e.status == 429 => {
            let wait = e.retry_after.unwrap_or(60);
            let mut page = login_page(
                Status::TooManyRequests,
                &next,
                &email,
                Some(format!(
                    "Trop de tentatives : réessayez dans {} minute{}.",
                    (wait + 59) / 60,
                    if wait > 60 { "s" } else { "" }
                )),
            );
            page.retry_after = Some(wait);
            Err(page)
        }
        Err(e) if e.kind.ends_with("/overloaded") => {
            let mut page = login_page(
                Status::ServiceUnavailable,
                &next,
                &email,
                Some("Trop de connexions sont en cours : réessayez dans un instant.".into()),
            );
            page.retry_after = e.retry_after;
            Err(page)
        }
        Err(e) => Err(error_page(&e)),
    }
}

/// POST /logout — public: forgets the session cookie.
#[rocket::post("/logout")]
pub fn logout(cookies: &CookieJar<'_>) -> Redirect {
    cookies.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Redirect::to("/login")
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
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
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
    territory: Option<String>,
    buyer_id: Option<String>,
    contractor_id: Option<String>,
    clause_kind: Option<String>,
    structure_id: Option<String>,
    uri: &Origin<'_>,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Html, Redirect> {
    let caller = match caller {
        Ok(c) => c.0,
        Err(e) if e.status == 401 => {
            let here = uri.to_string();
            let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
            return Err(Redirect::to(format!("/login?next={next}")));
        }
        Err(e) => return Ok(error_page(&e)),
    };
    let raw = RawParams {
        year: Some(year.to_string()),
        territory,
        buyer_id,
        contractor_id,
        clause_kind,
        structure_id,
        ..<RawParams as Default>::default()
    };
    let req = match raw.parse() {
        Ok(r) => r,
        Err(e) => return Ok(error_page(&e)),
    };
    let loaded = match load(caller, req.clone(), db, config, true).await {
        Ok(l) => l,
        Err(e) => return Ok(error_page(&e)),
    };
    let report_year = req.period.from.year;
    let scope = loaded.resolved.scope.clone();
    let label_scope = loaded.resolved.scope_label.clone();
    let (hours, persons) = (loaded.report.hours, loaded.report.beneficiaries);
    let previous = (
        loaded.report.previous.hours,
        loaded.report.previous.beneficiaries,
    );
    let extras = db
        .run(move |c| {
            let mut trend = Vec::new();
            for y in report_year - 4..=report_year {
                let (h, p) = if y == report_year {
                    (hours, persons)
                } else if y == report_year - 1 {
                    previous
                } else {
                    store::totals(c, &scope, &Period::year(y))?
                };
                trend.push((y, h, p));
            }
            let structure_name = match label_scope {
                ScopeLabel::Structure(id) => store::structure_name(c, id)?,
                _ => None,
            };
            Ok((trend, structure_name))
        })
        .await;
    let (trend, structure_name) = match extras {
        Ok(x) => x,
        Err(e) => return Ok(error_page(&e)),
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
        filters.push(format!("Acheteur : {}", name_of(b)));
    }
    if let Some(c) = req.contractor_id {
        filters.push(format!("Entreprise : {}", name_of(c)));
    }
    if let Some(k) = &req.clause_kind {
        filters.push(format!(
            "Clause : {}",
            label(CLAUSE_KINDS, k).unwrap_or(k.as_str())
        ));
    }
    let extras = PageExtras {
        trend,
        names: loaded.names.clone(),
        scope: loaded.resolved.scope_label.clone(),
        structure_name,
        filter_query: filter_query(&raw),
        filters,
        current_year: current_year(),
    };
    let context = page_context(&loaded.report, &extras);
    match render("annual.html", context) {
        Ok(body) => Ok(Html::ok(body)),
        Err(e) => Ok(error_page(&e)),
    }
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![login_form, login_submit, logout, annual_page]
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
        assert_eq!(local_path(""), None);
    }
}
