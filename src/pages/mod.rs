//! French pages for people, served by the same service as the API and calling the same use
//! cases (`src/app`): no rule is written twice. This module holds what every page shares:
//! the templates (`templates/pages/`, built into the binary), the frame around each page
//! (title, navigation by role, logout), the visitor guard (the session cookie, or a way to
//! get one), the CSRF check of forms, errors beside their fields, and the static files
//! (`static/`: the stylesheet and the vendored htmx).
//!
//! Session cookie and links from emails: the cookie stays `SameSite=Strict` (a page opened
//! from another site never carries it, so no other site can act or read as the user). A
//! link from a reminder email opened in a webmail is such a cross-site navigation: instead of
//! sending a logged-in user to the login page, the page answers a tiny same-site "bounce"
//! page that reloads the same address from our own origin, which then carries the cookie.
//! Chosen over `Lax` because `Lax` would also send the cookie on every cross-site top-level
//! GET, widening what a forged link can trigger, for no gain to the user.

pub mod account;
pub mod admin;
pub mod candidates;
pub mod clause_progress;
pub mod contractor;
pub mod contracts;
pub mod corrections;
pub mod corrections_records;
pub mod eligibility_withdraw;
pub mod emails;
pub mod follow_ups;
pub mod home;
pub mod login;
pub mod needs;
pub mod organisations;
pub mod password;
pub mod people;
pub mod settings;
pub mod spaser;
pub mod to_clause;
pub mod upload;
pub mod validation;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use minijinja::{Environment, Value};
use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Redirect, Responder, Response};
use serde::Serialize;

use crate::auth::csrf::RequestOrigin;
use crate::auth::{authenticate, Caller, Presented};
use crate::clock::Clock;
use crate::domain::rule::Violation;
use crate::domain::vocabulary::Role;
use crate::error::ApiError;

pub use login::{error_page, Html};

/// Content security policy of the workspace pages: scripts only from this service (the
/// vendored htmx, which runs with `allowEval` off), nothing loaded from anywhere else.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                       img-src 'self' data:; connect-src 'self'; form-action 'self'; \
                       base-uri 'none'; frame-ancestors 'none'";

/// Every page of the workspace: its template name and source, built into the binary.
/// A new page adds its template here.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "layout.html",
        include_str!("../../templates/pages/layout.html"),
    ),
    (
        "_macros.html",
        include_str!("../../templates/pages/_macros.html"),
    ),
    (
        "bounce.html",
        include_str!("../../templates/pages/bounce.html"),
    ),
    (
        "forbidden.html",
        include_str!("../../templates/pages/forbidden.html"),
    ),
    (
        "forgot.html",
        include_str!("../../templates/pages/forgot.html"),
    ),
    (
        "staff_home.html",
        include_str!("../../templates/pages/staff_home.html"),
    ),
    (
        "contractor_home.html",
        include_str!("../../templates/pages/contractor_home.html"),
    ),
    (
        "contractor_month.html",
        include_str!("../../templates/pages/contractor_month.html"),
    ),
    (
        "candidates.html",
        include_str!("../../templates/pages/candidates.html"),
    ),
    (
        "contacts.html",
        include_str!("../../templates/pages/contacts.html"),
    ),
    (
        "upload.html",
        include_str!("../../templates/pages/upload.html"),
    ),
    (
        "validation.html",
        include_str!("../../templates/pages/validation.html"),
    ),
    (
        "validation_entry.html",
        include_str!("../../templates/pages/validation_entry.html"),
    ),
    (
        "contracts.html",
        include_str!("../../templates/pages/contracts.html"),
    ),
    (
        "contract_new.html",
        include_str!("../../templates/pages/contract_new.html"),
    ),
    (
        "contract.html",
        include_str!("../../templates/pages/contract.html"),
    ),
    (
        "clause_new.html",
        include_str!("../../templates/pages/clause_new.html"),
    ),
    (
        "clause_preview.html",
        include_str!("../../templates/pages/clause_preview.html"),
    ),
    (
        "clause.html",
        include_str!("../../templates/pages/clause.html"),
    ),
    (
        "contract_import.html",
        include_str!("../../templates/pages/contract_import.html"),
    ),
    (
        "admin_users.html",
        include_str!("../../templates/pages/admin_users.html"),
    ),
    (
        "admin_labour_shares.html",
        include_str!("../../templates/pages/admin_labour_shares.html"),
    ),
    (
        "emails_failed.html",
        include_str!("../../templates/pages/emails_failed.html"),
    ),
    (
        "people.html",
        include_str!("../../templates/pages/people.html"),
    ),
    (
        "_person.html",
        include_str!("../../templates/pages/_person.html"),
    ),
    (
        "person_new.html",
        include_str!("../../templates/pages/person_new.html"),
    ),
    (
        "person.html",
        include_str!("../../templates/pages/person.html"),
    ),
    (
        "clause_progress.html",
        include_str!("../../templates/pages/clause_progress.html"),
    ),
    (
        "person_edit.html",
        include_str!("../../templates/pages/person_edit.html"),
    ),
    (
        "people_missing.html",
        include_str!("../../templates/pages/people_missing.html"),
    ),
    (
        "organisations.html",
        include_str!("../../templates/pages/organisations.html"),
    ),
    (
        "organisation_new.html",
        include_str!("../../templates/pages/organisation_new.html"),
    ),
    (
        "organisation.html",
        include_str!("../../templates/pages/organisation.html"),
    ),
    (
        "needs.html",
        include_str!("../../templates/pages/needs.html"),
    ),
    ("need.html", include_str!("../../templates/pages/need.html")),
    (
        "need_missing.html",
        include_str!("../../templates/pages/need_missing.html"),
    ),
    (
        "need_new.html",
        include_str!("../../templates/pages/need_new.html"),
    ),
    (
        "account.html",
        include_str!("../../templates/pages/account.html"),
    ),
    (
        "to_clause.html",
        include_str!("../../templates/pages/to_clause.html"),
    ),
    (
        "spaser.html",
        include_str!("../../templates/pages/spaser.html"),
    ),
    (
        "_history.html",
        include_str!("../../templates/pages/_history.html"),
    ),
    (
        "record_form.html",
        include_str!("../../templates/pages/record_form.html"),
    ),
    (
        "record_missing.html",
        include_str!("../../templates/pages/record_missing.html"),
    ),
    (
        "_follow_ups.html",
        include_str!("../../templates/pages/_follow_ups.html"),
    ),
    (
        "follow_ups.html",
        include_str!("../../templates/pages/follow_ups.html"),
    ),
    (
        "settings.html",
        include_str!("../../templates/pages/settings.html"),
    ),
];

/// The template environment of the pages, built once; `None` with why when a template
/// does not parse (a test renders every template, so this never reaches a user).
fn environment() -> &'static Result<Environment<'static>, String> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_filter("hours", |h: i64| {
            crate::domain::next_action::format_hours_fr(h)
        });
        env.add_filter("int", |n: i64| crate::domain::report::format_int_fr(n));
        env.add_filter("date", |d: String| {
            match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
                Ok(d) => crate::domain::next_action::format_date_fr(d),
                Err(_) => d,
            }
        });
        env.add_filter("month", |m: String| {
            crate::domain::next_action::period_label_fr(&m)
        });
        // The value of an hours input: hundredths as the French decimal a person types.
        env.add_filter("hours_input", |h: i64| hours_input(h));
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("template {name}: {e}"))?;
        }
        Ok(env)
    })
}

/// Hundredths as a French decimal for a form field: `3550` -> `35,5`, `700` -> `7`.
pub fn hours_input(h: i64) -> String {
    let sign = if h < 0 { "-" } else { "" };
    let abs = h.unsigned_abs();
    match abs % 100 {
        0 => format!("{sign}{}", abs / 100),
        c if c % 10 == 0 => format!("{sign}{},{}", abs / 100, c / 10),
        c => format!("{sign}{},{c:02}", abs / 100),
    }
}

/// A figure typed in a form, in hundredths: `35`, `35,5`, `35.50`, ` 7 ` (spaces around
/// ignored), empty = `None`. At most two decimals, never negative, at most 9,999 hours.
pub fn parse_hours_input(text: &str) -> Result<Option<i64>, &'static str> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if t.is_empty() {
        return Ok(None);
    }
    let (whole, frac) = match t.split_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err("hours_input_invalid");
    }
    let whole: i64 = whole.parse().map_err(|_| "hours_input_invalid")?;
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| "hours_input_invalid")? * 10,
        _ => frac.parse().map_err(|_| "hours_input_invalid")?,
    };
    Ok(Some(whole * 100 + frac))
}

/// Why a page could not be rendered (a template fault: ours, answered as a 500 page).
#[derive(Debug)]
pub struct RenderFault(pub String);

impl From<RenderFault> for ApiError {
    fn from(e: RenderFault) -> ApiError {
        tracing::error!("page template: {}", e.0);
        ApiError::internal()
    }
}

/// Renders `name` with `context`: the whole page, or only its `content` block for an htmx
/// request (`HX-Request`), which swaps it into the page already shown.
pub fn render<S: Serialize>(
    name: &str,
    context: &S,
    fragment: bool,
) -> Result<String, RenderFault> {
    let env = environment().as_ref().map_err(|e| RenderFault(e.clone()))?;
    let template = env
        .get_template(name)
        .map_err(|e| RenderFault(e.to_string()))?;
    let value = Value::from_serialize(context);
    if fragment {
        let mut captured = template
            .render_captured(value)
            .map_err(|e| RenderFault(e.to_string()))?;
        captured
            .with_state_mut(|state| state.render_block("content"))
            .map_err(|e| RenderFault(e.to_string()))
    } else {
        template
            .render(value)
            .map_err(|e| RenderFault(e.to_string()))
    }
}

/// A navigation link of the frame.
#[derive(Serialize, Clone)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
}

/// The links of the header, by role.
fn navigation(role: Role, year: i32) -> Vec<NavLink> {
    // Failed emails are reached from the work list and the home page's cards: the header keeps
    // to the daily places, so that it holds on one line at 1280 px.
    let mut links = role_navigation(role, year);
    if role == Role::Admin {
        links.push(NavLink {
            href: "/admin/users".into(),
            label: "Comptes",
        });
    }
    links
}

/// The links every account of a role has.
fn role_navigation(role: Role, year: i32) -> Vec<NavLink> {
    match role {
        Role::Contractor => vec![
            NavLink {
                href: "/contractor".into(),
                label: "Mes chantiers",
            },
            NavLink {
                href: "/contractor/candidates".into(),
                label: "Candidats proposés",
            },
            NavLink {
                href: "/contractor/contacts".into(),
                label: "Contacts",
            },
        ],
        Role::Admin | Role::Facilitator => vec![
            NavLink {
                href: "/".into(),
                label: "Accueil",
            },
            NavLink {
                href: "/validation".into(),
                label: "Heures à valider",
            },
            NavLink {
                href: format!("/reports/annual/{year}"),
                label: "Bilans",
            },
            NavLink {
                href: "/contracts".into(),
                label: "Marchés",
            },
            NavLink {
                href: "/people".into(),
                label: "Personnes",
            },
            NavLink {
                href: "/organisations".into(),
                label: "Organisations",
            },
            NavLink {
                href: "/needs".into(),
                label: "Besoins",
            },
        ],
        Role::Funder => vec![NavLink {
            href: format!("/reports/annual/{year}"),
            label: "Bilans",
        }],
    }
}

/// What the frame of every page shows around its content.
#[derive(Serialize)]
pub struct Frame<'a, T: Serialize> {
    /// The page's title, in the tab and as its heading: where the user is.
    pub title: &'a str,
    /// Where the user is (the navigation link shown as current).
    pub here: &'a str,
    pub nav: Vec<NavLink>,
    pub csrf_token: &'a str,
    pub role_label: &'static str,
    /// A message after a change made on the previous page (`?fait=…`), in French.
    pub notice: Option<&'static str>,
    pub current_year: i32,
    /// The page's own data.
    pub page: T,
}

/// What the user reads for their role in the header.
fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Administration",
        Role::Facilitator => "Facilitation",
        Role::Contractor => "Entreprise",
        Role::Funder => "Financeur",
    }
}

/// A page of the workspace for `caller`: the frame around `page`, rendered from `template`.
pub struct PageView<'a, T: Serialize> {
    pub template: &'a str,
    pub title: &'a str,
    pub here: &'a str,
    pub notice: Option<&'static str>,
    pub page: T,
}

impl<'a, T: Serialize> PageView<'a, T> {
    pub fn new(template: &'a str, title: &'a str, here: &'a str, page: T) -> Self {
        PageView {
            template,
            title,
            here,
            notice: None,
            page,
        }
    }

    pub fn notice(mut self, notice: Option<&'static str>) -> Self {
        self.notice = notice;
        self
    }

    /// The page with `status` (422 when a form comes back with its errors).
    pub fn render(self, visitor: &Visitor, caller: &Caller, status: Status) -> Html {
        let frame = Frame {
            title: self.title,
            here: self.here,
            nav: navigation(caller.role, visitor.year),
            csrf_token: &caller.csrf_token,
            role_label: role_label(caller.role),
            notice: self.notice,
            current_year: visitor.year,
            page: self.page,
        };
        match render(self.template, &frame, visitor.htmx) {
            Ok(body) => Html::with_status(status, body),
            Err(e) => error_page(&visitor.clock, &e.into()),
        }
    }
}

/// Where a page request ends when it does not get its page: a redirect (to the login, to
/// the page after a form) or another page (refusal, bounce).
#[derive(rocket::Responder)]
pub enum Exit {
    /// Boxed: a Redirect is large, and every page handler returns this as its error.
    Redirect(Box<Redirect>),
    Page(Html),
}

impl Exit {
    /// After a form: back to `path` with a GET (303), so a reload does not post again.
    pub fn see_other(path: String) -> Exit {
        Exit::to(path)
    }

    /// A redirect to `path`.
    pub fn to(path: String) -> Exit {
        Exit::Redirect(Box::new(Redirect::to(path)))
    }
}

/// The visitor of a page: the session cookie's caller if there is one, and what the page
/// needs to send a visitor without one to the login (or bounce a cross-site arrival).
pub struct Visitor {
    session: Result<Caller, ApiError>,
    /// The caller presented a Bearer token rather than the cookie.
    bearer: bool,
    /// The address asked for, to come back to after the login.
    here: String,
    /// `Sec-Fetch-Site: cross-site`: a navigation from another site (a webmail), which
    /// never carries the Strict cookie.
    cross_site: bool,
    pub htmx: bool,
    pub year: i32,
    pub clock: Clock,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Visitor {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        // The cookie of a browser, or a program's Bearer token (which cannot be forged
        // across sites: its forms need no CSRF token).
        let (session, bearer) = match authenticate(req).await {
            Ok((c, presented)) => (Ok(c), presented == Presented::Bearer),
            Err(e) => (Err(e), false),
        };
        let clock = req
            .rocket()
            .state::<Clock>()
            .cloned()
            .unwrap_or_else(Clock::system);
        let headers = req.headers();
        Outcome::Success(Visitor {
            session,
            bearer,
            here: req.uri().to_string(),
            cross_site: headers.get_one("Sec-Fetch-Site") == Some("cross-site"),
            htmx: headers.get_one("HX-Request") == Some("true"),
            year: clock.today().year(),
            clock,
        })
    }
}

impl Visitor {
    /// The caller, if their role is one of `roles`; else the way out: the login page (or the
    /// bounce page first, for an arrival from another site), or a refusal page with a link
    /// to the caller's own home.
    pub fn require(&self, roles: &[Role]) -> Result<Caller, Exit> {
        match &self.session {
            Ok(caller) if roles.contains(&caller.role) => Ok(caller.clone()),
            Ok(caller) => Err(Exit::Page(self.forbidden(caller))),
            Err(e) if e.status == 401 => Err(self.to_login()),
            Err(e) => Err(Exit::Page(error_page(&self.clock, e))),
        }
    }

    /// The caller of any role, or the way to the login.
    pub fn any(&self) -> Result<Caller, Exit> {
        self.require(&[
            Role::Admin,
            Role::Facilitator,
            Role::Contractor,
            Role::Funder,
        ])
    }

    /// Staff of the structure (administrators and facilitators).
    pub fn staff(&self) -> Result<Caller, Exit> {
        self.require(&[Role::Admin, Role::Facilitator])
    }

    /// A contractor's user.
    pub fn contractor(&self) -> Result<Caller, Exit> {
        self.require(&[Role::Contractor])
    }

    /// The way to the login page for a visitor without a session (or, arriving from another
    /// site, the bounce page that comes back here with the cookie).
    pub fn to_login(&self) -> Exit {
        if self.cross_site {
            let body = render(
                "bounce.html",
                &BTreeMap::from([("here", &self.here)]),
                false,
            );
            if let Ok(body) = body {
                return Exit::Page(Html::with_status(Status::Ok, body));
            }
        }
        let next: String = url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        Exit::to(format!("/login?next={next}"))
    }

    fn forbidden(&self, caller: &Caller) -> Html {
        // A funder reads the annual report only: the page says so and links to it.
        let page = Forbidden {
            funder: caller.role == Role::Funder,
            home: home_of(caller.role, self.year),
        };
        let view = PageView::new("forbidden.html", "Accès refusé", "", page);
        let mut page = view.render(self, caller, Status::Forbidden);
        page.set_status(Status::Forbidden);
        page
    }

    /// A page answered for a failed use case: its problem's words, in the frame.
    pub fn problem(&self, e: ApiError) -> Exit {
        Exit::Page(error_page(&self.clock, &e))
    }
}

impl Visitor {
    /// Checks a form's `csrf_token` (and the request's `Origin`) against the session's
    /// secret; a forged form gets the refusal page, and nothing is done. A Bearer token is
    /// never sent by a browser on its own, so its requests need no form secret.
    pub fn check_form(
        &self,
        origin: &RequestOrigin,
        caller: &Caller,
        token: Option<&str>,
    ) -> Result<(), Exit> {
        if self.bearer {
            return Ok(());
        }
        origin.check(&caller.csrf_token, token).map_err(|e| {
            let mut page = error_page(&self.clock, &e);
            page.set_status(Status::Forbidden);
            Exit::Page(page)
        })
    }
}

/// What the refusal page says: for a funder, what they can see and where.
#[derive(Serialize)]
struct Forbidden {
    funder: bool,
    home: String,
}

/// The errors of a refused form, each beside its field: field name -> French sentence (from
/// the message catalogue). Errors of the whole form are under the empty name `""`.
#[derive(Serialize, Default, Debug, Clone)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds the message of `violation` under `field` (the first message of a field stays).
    pub fn add(&mut self, field: impl Into<String>, violation: &Violation) {
        let message = crate::api::messages::sentence(&crate::api::messages::render(violation));
        self.0.entry(field.into()).or_insert(message);
    }

    /// The problem of a refused use case as errors by field: each violation under its own
    /// field name (`rename` maps the use case's field to the form's), the rest under `""`.
    pub fn of_problem(e: &ApiError) -> FieldErrors {
        let mut out = FieldErrors::default();
        for f in &e.errors {
            out.0
                .entry(f.field.clone())
                .or_insert_with(|| crate::api::messages::sentence(&f.message));
        }
        if out.0.is_empty() {
            out.0
                .insert(String::new(), crate::api::messages::sentence(&e.detail));
        }
        out
    }
}

/// The French notice of a `?fait=` code after a change (post, redirect, get): fixed
/// sentences only, so a link cannot make a page say anything else.
pub fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "heures-enregistrees" => "Les heures du mois sont enregistrées ; elles attendent la validation du facilitateur.",
        "import-enregistre" => "Le fichier est importé : ses heures attendent la validation du facilitateur.",
        "validees" => "Les heures choisies sont validées.",
        "refusees" => "Les heures choisies sont refusées ; l'entreprise est prévenue.",
        "corrigee" => "Le chiffre validé est corrigé.",
        "reponse-enregistree" => "Votre réponse est enregistrée.",
        "contacts-enregistres" => "Les contacts sont enregistrés : ils recevront les prochaines relances.",
        "compte-cree" => "Le compte est créé : la personne peut se connecter avec le mot de passe choisi.",
        "compte-invite" => "Le compte est créé ; une invitation à choisir son mot de passe part par courriel, valable 48 heures.",
        "invitation-envoyee" => "Une invitation à choisir son mot de passe part par courriel ; elle reste valable 48 heures.",
        "compte-modifie" => "Le compte est modifié.",
        "parts-enregistrees" => "Le tableau des parts de main-d'œuvre est enregistré : il sert aux prochains calibrages.",
        "courriel-renvoye" => "Le courriel repart dans la file d'envoi : il sera envoyé au prochain passage de l'expéditeur.",
        "compte-desactive" => "Le compte est désactivé : il ne peut plus se connecter et ses sessions sont fermées.",
        "personne-enregistree" => "La personne est enregistrée.",
        "personne-corrigee" => "La fiche de la personne est corrigée.",
        "eligibilite-enregistree" => "La validation d'éligibilité est enregistrée.",
        "personne-placee" => "La mise en situation est enregistrée.",
        "sortie-enregistree" => "La sortie est enregistrée.",
        "lien-envoye" => "Si un compte actif correspond à cette adresse, un lien pour choisir un nouveau mot de passe lui est envoyé par courriel ; il reste valable 48 heures.",
        "contrat-cree" => "Le marché est enregistré.",
        "clause-creee" => "La clause est enregistrée comme brouillon : attribuez ses heures, puis activez-la.",
        "attribution-enregistree" => "Les heures sont attribuées à l'entreprise.",
        "clause-activee" => "La clause est active : son calendrier de jalons est établi.",
        "clause-terminee" => "La clause est terminée.",
        "clause-annulee" => "La clause est annulée.",
        "jalon-ajoute" => "Le jalon est ajouté.",
        "jalon-fait" => "Le jalon est marqué comme fait.",
        "organisation-creee" => "L'organisation est enregistrée.",
        "personne-proposee" => "La personne est proposée à l'entreprise pour ce besoin.",
        "besoin-enregistre" => "Le besoin de recrutement est enregistré : proposez-lui des personnes.",
        "eligibilite-retiree" => "La validation d'éligibilité est retirée ; le retrait figure dans son historique.",
        "besoin-clos" => "Le besoin est clos : aucune nouvelle personne ne peut lui être proposée.",
        "seuil-enregistre" => "Le seuil de l'acheteur est enregistré : la liste des marchés à clauser en tient compte.",
        "marche-corrige" => "Le marché est corrigé ; la correction figure dans son historique.",
        "avenant-enregistre" => "L'avenant est enregistré : le montant et la fin en vigueur du marché le suivent.",
        "clause-corrigee" => "La clause est corrigée ; la correction figure dans son historique.",
        "attribution-corrigee" => "Les heures attribuées sont corrigées.",
        "attribution-remplacee" => "L'entreprise est remplacée : la nouvelle attribution reprend les heures restantes.",
        "attribution-retiree" => "L'attribution est retirée ; ses heures sont de nouveau à attribuer.",
        "mise-en-situation-corrigee" => "La mise en situation est corrigée.",
        "mise-en-situation-annulee" => "La mise en situation est annulée : elle ne compte plus nulle part.",
        "organisation-corrigee" => "L'organisation est corrigée.",
        "suivi-enregistre" => "Le suivi après la sortie est enregistré.",
        "suivi-corrige" => "Le suivi après la sortie est corrigé ; la correction figure dans son historique.",
        "objectifs-enregistres" => "Les objectifs du plan national d'achats durables sont enregistrés : le bilan annuel de l'année les affiche.",
        "calibrage-enregistre" => "Le calibrage standard est enregistré : la liste des marchés à clauser en tient compte.",
        "suivi-12-mois-enregistre" => "Le réglage du suivi à 12 mois est enregistré.",
        _ => return None,
    })
}

/// A static file of the pages, built into the binary, cached by browsers for a day (the
/// stylesheet's address carries a version to change when it does).
pub struct Static(&'static [u8], ContentType);

impl<'r> Responder<'r, 'static> for Static {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Response::build()
            .header(self.1)
            .header(Header::new("Cache-Control", "public, max-age=86400"))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            .sized_body(self.0.len(), std::io::Cursor::new(self.0))
            .ok()
    }
}

/// GET /static/clausier.css — public: the pages' stylesheet.
#[rocket::get("/static/clausier.css")]
pub fn stylesheet() -> Static {
    Static(
        include_bytes!("../../static/clausier.css"),
        ContentType::CSS,
    )
}

/// GET /static/htmx.min.js — public: htmx 2 (0BSD licence, `static/htmx.LICENSE`), unmodified.
#[rocket::get("/static/htmx.min.js")]
pub fn htmx() -> Static {
    Static(
        include_bytes!("../../static/htmx.min.js"),
        ContentType::JavaScript,
    )
}

/// Every page route of the service.
pub fn routes() -> Vec<rocket::Route> {
    let mut routes = rocket::routes![stylesheet, htmx];
    routes.extend(login::routes());
    routes.extend(password::routes());
    routes.extend(home::routes());
    routes.extend(contractor::routes());
    routes.extend(candidates::routes());
    routes.extend(upload::routes());
    routes.extend(validation::routes());
    routes.extend(contracts::routes());
    routes.extend(admin::routes());
    routes.extend(emails::routes());
    routes.extend(people::routes());
    routes.extend(organisations::routes());
    routes.extend(needs::routes());
    routes.extend(clause_progress::routes());
    routes.extend(eligibility_withdraw::routes());
    routes.extend(account::routes());
    routes.extend(to_clause::routes());
    routes.extend(spaser::routes());
    routes.extend(corrections_records::routes());
    routes.extend(follow_ups::routes());
    routes.extend(settings::routes());
    routes
}

/// The path `/` sends a visitor of `role` to.
pub fn home_of(role: Role, year: i32) -> String {
    match role {
        Role::Contractor => "/contractor".to_string(),
        Role::Admin | Role::Facilitator => "/".to_string(),
        Role::Funder => format!("/reports/annual/{year}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        assert!(environment().is_ok(), "{:?}", environment().as_ref().err());
    }

    #[test]
    fn hours_typed_in_a_form() {
        assert_eq!(parse_hours_input("35"), Ok(Some(3500)));
        assert_eq!(parse_hours_input(" 35,5 "), Ok(Some(3550)));
        assert_eq!(parse_hours_input("35.25"), Ok(Some(3525)));
        assert_eq!(parse_hours_input("1 234,5"), Ok(Some(123450)));
        assert_eq!(parse_hours_input(""), Ok(None));
        assert_eq!(parse_hours_input("  "), Ok(None));
        assert_eq!(parse_hours_input("3,"), Ok(Some(300)));
        for bad in ["-3", "3,555", "abc", "1e3", "12345", ",5", "3,-5", "\0"] {
            assert_eq!(parse_hours_input(bad), Err("hours_input_invalid"), "{bad}");
        }
        assert_eq!(hours_input(3550), "35,5");
        assert_eq!(hours_input(700), "7");
        assert_eq!(hours_input(3525), "35,25");
        assert_eq!(hours_input(5), "0,05");
    }
}
