//! The facilitator's people pages: the search (`/people`), a new person (`/people/new`), a
//! person's page with their eligibility, placements, exits and timeline (`/people/<id>`),
//! and the correction of a person (`/people/<id>/edit`). Every change goes through the use
//! case of the API route doing the same thing (`app::participants`, `app::placements`), so
//! the rules, the audit log and the history are the API's.
//!
//! The correction form carries the record's version (its `ETag`) in a hidden field, sent as
//! the `If-Match` of the correction: when someone else changed the person first, the answer
//! is a 412 page showing the record's current values beside what was typed, and the form
//! again from the current record.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::participants::{
    self as people, EligibilityInput, ParticipantInput, ParticipantOut, ParticipantPatch,
    ParticipantView, PersonFound,
};
use crate::app::placements::{self as placements, Actor, PlacementRequest};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::config::Config;
use crate::db::{write_tx, Db};
use crate::domain::catalogue::{
    self, CodeList, CONTRACT_TYPES, CRITERIA, MODALITIES, OUTCOMES, PROOF_KINDS,
    QUALIFICATION_LEVELS,
};
use crate::domain::ids::{OrganisationId, ParticipantId, PlacementId};
use crate::domain::limits::{Code, FreeText, Label, Name};
use crate::domain::next_action::{format_date_fr, format_hours_fr, period_label_fr};
use crate::domain::rule::Violation;
use crate::domain::version::IfMatch;
use crate::domain::vocabulary::OrganisationKind;
use crate::error::ApiError;
use crate::pages::candidates::{checked, date_field, filled, shown};
use crate::pages::{notice, parse_hours_input, Exit, FieldErrors, Html, PageView, Visitor};
use crate::store::history::HistoryEntry;
use crate::store::names::{clause_label, person_name};
use crate::store::placements::PlacementView;

/// People a search page shows.
const PAGE_SIZE: i64 = 50;
/// The last page a search may ask for (a name typed narrows better than paging).
const MAX_PAGE: i64 = 1000;
/// Placements, assignments and employers a person's page lists at most.
const LIST_MAX: i64 = 200;

const PEOPLE_PATH: &str = "/people";

/// The sexes as the forms offer them.
const SEXES: &CodeList = &[("female", "Femme"), ("male", "Homme")];

/// A choice of a select or a checkbox list: its code and its French label.
#[derive(Serialize, Clone)]
pub(crate) struct Choice {
    pub(crate) code: String,
    pub(crate) label: String,
}

fn choices(list: &CodeList) -> Vec<Choice> {
    list.iter()
        .map(|(code, label)| Choice {
            code: code.to_string(),
            label: label.to_string(),
        })
        .collect()
}

/// The French label of a code of `list`, else the code itself.
fn label_of(list: &CodeList, code: &str) -> String {
    catalogue::label(list, code).unwrap_or(code).to_string()
}

/// Who acts, for the placement use cases (as the API's routes build it).
fn actor(caller: &Caller, db: &Db) -> Actor {
    Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    }
}

/// A field name of a use case's violation as the form names it (`wished_rome_codes[1]` is
/// the form's `wished_rome_codes`); a field the form does not have goes above it (`""`).
fn form_field(field: &str, fields: &[&str]) -> String {
    let field = field.split('[').next().unwrap_or("");
    let field = field.strip_prefix("placement.").unwrap_or(field);
    if fields.contains(&field) {
        field.to_string()
    } else {
        String::new()
    }
}

/// A refused use case's errors beside the form's `fields`.
pub(crate) fn errors_of(e: &ApiError, fields: &[&str]) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (field, message) in FieldErrors::of_problem(e).0 {
        out.0.entry(form_field(&field, fields)).or_insert(message);
    }
    out
}

/// Broken rules found by the page itself, beside the form's `fields`.
fn errors_of_rules(broken: &[Violation], fields: &[&str]) -> FieldErrors {
    let mut out = FieldErrors::default();
    for v in broken {
        out.add(form_field(&v.field, fields), v);
    }
    out
}

/// The status of a form answered again with its errors: the refusal's, or 200 for an htmx
/// request (htmx swaps only successful answers).
pub(crate) fn refused_status(visitor: &Visitor, e: &ApiError) -> Status {
    if visitor.htmx {
        return Status::Ok;
    }
    Status::from_code(e.status).unwrap_or(Status::UnprocessableEntity)
}

/// A failed use case as a page: a record not found (another structure's, or none) gets the
/// people pages' own words (404); any other problem its words from the catalogue.
pub(crate) fn problem(visitor: &Visitor, caller: &Caller, e: impl Into<ApiError>) -> Exit {
    missing_or(
        visitor,
        caller,
        e.into(),
        "Cette personne n'existe pas ou ne fait pas partie de votre structure.",
    )
}

/// `problem`, with the words of a 404.
/// The person of a placement of the caller's structure, for the way back to their page;
/// another structure's or an unknown placement: the « introuvable » page.
pub(crate) async fn person_of_placement(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: PlacementId,
) -> Result<ParticipantId, Exit> {
    let who = caller.clone();
    db.run(move |c| {
        Ok(placements::placement_for(c, &who, id)?
            .record
            .placement
            .participant_id)
    })
    .await
    .map_err(|e: AppError| {
        missing_or(
            visitor,
            caller,
            e.into(),
            "Cette mise en situation n'existe pas ou ne fait pas partie de votre structure.",
        )
    })
}

pub(crate) fn missing_or(
    visitor: &Visitor,
    caller: &Caller,
    e: ApiError,
    message: &'static str,
) -> Exit {
    if e.status != 404 {
        return visitor.problem(e);
    }
    let page = BTreeMap::from([("message", message)]);
    let view = PageView::new("people_missing.html", "Introuvable", PEOPLE_PATH, page);
    Exit::Page(view.render(visitor, caller, Status::NotFound))
}

// --- The search ------------------------------------------------------------------------

#[derive(Serialize)]
struct PeoplePage {
    q: String,
    rows: Vec<PersonRow>,
    page: i64,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Serialize)]
struct PersonRow {
    id: i64,
    name: String,
    birth_year: i32,
    postal_code: Option<String>,
    placement: Option<String>,
    placed_since: Option<String>,
}

fn person_row(p: PersonFound) -> PersonRow {
    PersonRow {
        id: p.id.0,
        // Sorted by last name: shown last name first.
        name: person_name(p.last_name, p.first_name).unwrap_or_default(),
        birth_year: p.birth_year,
        postal_code: p.postal_code,
        placed_since: p.placement.as_ref().map(|c| c.starts_on.to_string()),
        placement: p
            .placement
            .map(|c| format!("{} chez {}", c.job_title, c.contractor_name)),
    }
}

/// The address of a page of the search.
fn search_href(q: &str, page: i64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        query.append_pair("q", q);
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        PEOPLE_PATH.to_string()
    } else {
        format!("{PEOPLE_PATH}?{query}")
    }
}

/// GET /people — staff: the structure's people whose first or last name starts with `q`
/// (case and accents ignored), 50 a page, each with their birth year, postal code and
/// placement in progress; a link to register a person.
#[rocket::get("/people?<q>&<page>&<fait>")]
pub async fn search(
    visitor: Visitor,
    q: Option<&str>,
    page: Option<&str>,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let q: String = q.unwrap_or("").trim().chars().take(100).collect();
    let page = page
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE);
    let today = db.clock.today();
    let (who, typed) = (caller.clone(), q.clone());
    let mut found = db
        .run(move |c| {
            people::search_people(
                c,
                &who,
                &typed,
                PAGE_SIZE + 1,
                (page - 1) * PAGE_SIZE,
                today,
            )
        })
        .await
        .map_err(|e| problem(&visitor, &caller, e))?;
    let more = found.len() as i64 > PAGE_SIZE;
    found.truncate(PAGE_SIZE as usize);
    let data = PeoplePage {
        rows: found.into_iter().map(person_row).collect(),
        previous: (page > 1).then(|| search_href(&q, page - 1)),
        next: more.then(|| search_href(&q, page + 1)),
        q,
        page,
    };
    let view = PageView::new("people.html", "Personnes accompagnées", PEOPLE_PATH, data);
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

// --- A person's form (creation and correction) --------------------------------------------

/// The fields of a person's form, as text: every value is read and checked here, so that
/// none makes the form unreadable.
#[derive(FromForm, Default)]
pub struct PersonForm {
    csrf_token: Option<String>,
    /// The correction form: the version of the record it was filled from.
    version: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    birth_date: Option<String>,
    sex: Option<String>,
    postal_code: Option<String>,
    qpv: Option<String>,
    zrr: Option<String>,
    qualification_level: Option<String>,
    jobseeker_id: Option<String>,
    looking_for_work: Option<String>,
    /// Codes separated by commas or spaces.
    wished_rome_codes: Option<String>,
    licences: Option<String>,
    reachable_departements: Option<String>,
    available_from: Option<String>,
}

/// The fields of a person's form.
const PERSON_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "postal_code",
    "qpv",
    "zrr",
    "qualification_level",
    "jobseeker_id",
    "looking_for_work",
    "wished_rome_codes",
    "licences",
    "reachable_departements",
    "available_from",
];

/// What a person's form shows: a record's values or what was typed.
#[derive(Serialize, Default, Clone, PartialEq)]
struct PersonValues {
    first_name: String,
    last_name: String,
    birth_date: String,
    sex: String,
    postal_code: String,
    qpv: bool,
    zrr: bool,
    qualification_level: String,
    jobseeker_id: String,
    looking_for_work: bool,
    wished_rome_codes: String,
    licences: String,
    reachable_departements: String,
    available_from: String,
}

impl PersonValues {
    fn typed(f: &PersonForm) -> PersonValues {
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_string();
        PersonValues {
            first_name: text(&f.first_name),
            last_name: text(&f.last_name),
            birth_date: text(&f.birth_date),
            sex: text(&f.sex),
            postal_code: text(&f.postal_code),
            qpv: f.qpv.is_some(),
            zrr: f.zrr.is_some(),
            qualification_level: text(&f.qualification_level),
            jobseeker_id: text(&f.jobseeker_id),
            looking_for_work: f.looking_for_work.is_some(),
            wished_rome_codes: text(&f.wished_rome_codes),
            licences: text(&f.licences),
            reachable_departements: text(&f.reachable_departements),
            available_from: text(&f.available_from),
        }
    }

    fn of(p: &ParticipantView) -> PersonValues {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        PersonValues {
            first_name: p.first_name.clone().unwrap_or_default(),
            last_name: p.last_name.clone().unwrap_or_default(),
            birth_date: date(p.birth_date),
            sex: p.sex.as_str().to_string(),
            postal_code: p.postal_code.clone().unwrap_or_default(),
            qpv: p.qpv,
            zrr: p.zrr,
            qualification_level: p.qualification_level.as_str().to_string(),
            jobseeker_id: p.jobseeker_id.clone().unwrap_or_default(),
            looking_for_work: p.looking_for_work,
            wished_rome_codes: p.wished_rome_codes.join(", "),
            licences: p.licences.join(", "),
            reachable_departements: p.reachable_departements.join(", "),
            available_from: date(p.available_from),
        }
    }

    /// The fields as a person reads them: label and value, in the form's order.
    fn shown(&self) -> Vec<(&'static str, String)> {
        let yes_no = |b: bool| if b { "oui" } else { "non" }.to_string();
        let date = |d: &str| match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => format_date_fr(d),
            Err(_) => d.to_string(),
        };
        vec![
            ("Prénom", self.first_name.clone()),
            ("Nom", self.last_name.clone()),
            ("Date de naissance", date(&self.birth_date)),
            ("Sexe", label_of(SEXES, &self.sex)),
            ("Code postal", self.postal_code.clone()),
            ("Réside en QPV", yes_no(self.qpv)),
            ("Réside en ZRR", yes_no(self.zrr)),
            (
                "Niveau de qualification",
                label_of(QUALIFICATION_LEVELS, &self.qualification_level),
            ),
            ("Identifiant France Travail", self.jobseeker_id.clone()),
            ("En recherche d'emploi", yes_no(self.looking_for_work)),
            (
                "Métiers recherchés (codes ROME)",
                self.wished_rome_codes.clone(),
            ),
            ("Permis", self.licences.clone()),
            (
                "Départements accessibles",
                self.reachable_departements.clone(),
            ),
            ("Disponible à partir du", date(&self.available_from)),
        ]
    }

    /// The person to register or the corrected person, as the API's body would carry it;
    /// every rule the page can check itself (the use case checks the rest).
    fn input(&self) -> Result<ParticipantInput, Vec<Violation>> {
        let mut errors = Vec::new();
        let name = |field: &str, v: &str, errors: &mut Vec<Violation>| {
            if v.is_empty() {
                errors.push(Violation::new(field, "required"));
                return None;
            }
            Name::try_from(v.to_string())
                .map_err(|e| errors.push(e.violation(field)))
                .ok()
        };
        let first_name = name("first_name", &self.first_name, &mut errors);
        let last_name = name("last_name", &self.last_name, &mut errors);
        let required = |field: &str, v: &str, errors: &mut Vec<Violation>| -> Option<Code> {
            if v.is_empty() {
                errors.push(Violation::new(field, "required"));
                return None;
            }
            checked::<Code>(field, Some(v), errors)
        };
        let birth_date = if self.birth_date.is_empty() {
            errors.push(Violation::new("birth_date", "required"));
            None
        } else {
            date_field("birth_date", Some(&self.birth_date), &mut errors)
        };
        let sex = required("sex", &self.sex, &mut errors);
        let qualification_level = required(
            "qualification_level",
            &self.qualification_level,
            &mut errors,
        );
        let postal_code = checked::<Code>("postal_code", Some(&self.postal_code), &mut errors);
        let jobseeker_id = checked::<Code>("jobseeker_id", Some(&self.jobseeker_id), &mut errors);
        let list = |field: &str, v: &str, errors: &mut Vec<Violation>| -> Vec<Code> {
            v.split([',', ';', ' '])
                .filter(|c| !c.trim().is_empty())
                .filter_map(|c| checked::<Code>(field, Some(c), errors))
                .collect()
        };
        let wished_rome_codes = list("wished_rome_codes", &self.wished_rome_codes, &mut errors);
        let licences = list("licences", &self.licences, &mut errors);
        let reachable_departements = list(
            "reachable_departements",
            &self.reachable_departements,
            &mut errors,
        );
        let available_from = date_field("available_from", Some(&self.available_from), &mut errors);
        match (
            first_name,
            last_name,
            birth_date,
            sex,
            qualification_level,
            errors.is_empty(),
        ) {
            (Some(first_name), Some(last_name), Some(birth_date), Some(sex), Some(level), true) => {
                Ok(ParticipantInput {
                    first_name,
                    last_name,
                    birth_date,
                    sex,
                    postal_code,
                    qpv: self.qpv,
                    zrr: self.zrr,
                    qualification_level: level,
                    jobseeker_id,
                    looking_for_work: Some(self.looking_for_work),
                    wished_rome_codes,
                    licences,
                    reachable_departements,
                    available_from,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Every field of a person set to what the form holds: the correction of the whole form
/// (an empty optional field clears it).
fn whole_patch(i: ParticipantInput) -> ParticipantPatch {
    ParticipantPatch {
        first_name: Some(Some(i.first_name)),
        last_name: Some(Some(i.last_name)),
        birth_date: Some(Some(i.birth_date)),
        sex: Some(Some(i.sex)),
        postal_code: Some(i.postal_code),
        qpv: Some(Some(i.qpv)),
        zrr: Some(Some(i.zrr)),
        qualification_level: Some(Some(i.qualification_level)),
        jobseeker_id: Some(i.jobseeker_id),
        looking_for_work: Some(i.looking_for_work),
        wished_rome_codes: Some(Some(i.wished_rome_codes)),
        licences: Some(Some(i.licences)),
        reachable_departements: Some(Some(i.reachable_departements)),
        available_from: Some(i.available_from),
    }
}

/// The choices of a person's form.
#[derive(Serialize)]
struct PersonChoices {
    sexes: Vec<Choice>,
    levels: Vec<Choice>,
}

fn person_choices() -> PersonChoices {
    PersonChoices {
        sexes: choices(SEXES),
        levels: choices(QUALIFICATION_LEVELS),
    }
}

#[derive(Serialize)]
struct NewPersonPage {
    values: PersonValues,
    errors: FieldErrors,
    choices: PersonChoices,
}

const NEW_TITLE: &str = "Enregistrer une personne";

fn new_person_view(values: PersonValues, errors: FieldErrors) -> PageView<'static, NewPersonPage> {
    PageView::new(
        "person_new.html",
        NEW_TITLE,
        PEOPLE_PATH,
        NewPersonPage {
            values,
            errors,
            choices: person_choices(),
        },
    )
}

/// GET /people/new — staff: the form to register a person.
#[rocket::get("/people/new")]
pub async fn new_person(visitor: Visitor) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let values = PersonValues {
        looking_for_work: true,
        ..PersonValues::default()
    };
    Ok(new_person_view(values, FieldErrors::default()).render(&visitor, &caller, Status::Ok))
}

/// The id of a person as staff see them.
fn id_of(out: &ParticipantOut) -> ParticipantId {
    match out {
        ParticipantOut::Full(v) => v.id,
        ParticipantOut::Limited(v) => v.id,
    }
}

/// POST /people/new — staff: registers a person through the use case of
/// `POST /api/v1/participants`, then shows their page; refused, the form again with the
/// errors beside their fields (422, or 409 for a person already registered).
#[rocket::post("/people/new", data = "<form>")]
pub async fn create_person(
    visitor: Visitor,
    form: Option<Form<PersonForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let values = PersonValues::typed(&form);
    let today = db.clock.today();
    let refused: ApiError = match values
        .input()
        .map_err(AppError::Invalid)
        .and_then(|input| people::validate(input, today))
    {
        Ok(new) => {
            let who = caller.clone();
            match db
                .run(move |c| people::register_participant(c, &who, new))
                .await
            {
                Ok(out) => {
                    let id = id_of(&out);
                    return Ok(Exit::see_other(format!(
                        "/people/{}?fait=personne-enregistree",
                        id.0
                    )));
                }
                Err(e) => e.into(),
            }
        }
        Err(e) => e.into(),
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(problem(&visitor, &caller, refused));
    }
    let status = refused_status(&visitor, &refused);
    let errors = errors_of(&refused, PERSON_FIELDS);
    Ok(Exit::Page(
        new_person_view(values, errors).render(&visitor, &caller, status),
    ))
}

// --- A person's page ---------------------------------------------------------------------

/// A person's details as their page shows them.
#[derive(Serialize)]
struct Details {
    name: String,
    fields: Vec<(&'static str, String)>,
    anonymised: bool,
    eligibility_status: &'static str,
    eligibility_label: String,
    criteria: Vec<String>,
}

fn details(p: &ParticipantView) -> Details {
    let e = &p.eligibility;
    let eligibility_label = match (e.valid_until, e.expired_since) {
        (Some(until), _) => format!("Éligible jusqu'au {}", format_date_fr(until)),
        (None, Some(since)) => format!("Éligibilité expirée depuis le {}", format_date_fr(since)),
        _ => "Aucune éligibilité validée".to_string(),
    };
    Details {
        name: person_name(p.first_name.clone(), p.last_name.clone())
            .unwrap_or_else(|| "Personne anonymisée".to_string()),
        fields: PersonValues::of(p).shown(),
        anonymised: p.anonymised,
        eligibility_status: e.status,
        eligibility_label,
        criteria: e.criteria.iter().map(|c| label_of(CRITERIA, c)).collect(),
    }
}

#[derive(Serialize)]
struct ValidationRow {
    id: i64,
    validated_on: String,
    valid_until: String,
    criteria: Vec<String>,
    proof: String,
    justification: Option<String>,
    by: String,
    withdrawn: bool,
}

#[derive(Serialize)]
struct PlacementRow {
    id: i64,
    job_title: String,
    contractor_name: String,
    employer_name: String,
    clause_label: String,
    modality: String,
    starts_on: String,
    ends_on: Option<String>,
    weekly_hours: i64,
    ended_on: Option<String>,
    outcome: Option<String>,
    cancelled: bool,
    /// Still open: an exit may be recorded.
    may_exit: bool,
}

fn placement_row(v: PlacementView) -> PlacementRow {
    let p = v.placement;
    PlacementRow {
        id: p.id.0,
        job_title: p.job_title,
        contractor_name: v.contractor_name,
        employer_name: v.employer_name,
        clause_label: v.clause_label,
        modality: label_of(MODALITIES, p.modality.as_str()),
        starts_on: p.starts_on.to_string(),
        ends_on: p.ends_on.map(|d| d.to_string()),
        weekly_hours: p.weekly_hours,
        ended_on: p.exit_on.map(|d| d.to_string()),
        outcome: p.exit_outcome.map(|o| label_of(OUTCOMES, o.as_str())),
        cancelled: p.cancelled_at.is_some(),
        may_exit: p.cancelled_at.is_none() && p.exit_outcome.is_none(),
    }
}

/// A line of a person's timeline, in French.
#[derive(Serialize)]
struct TimelineLine {
    date: String,
    text: String,
}

/// Hours as the timeline's JSON carries them (56.5) in French.
fn hours_fr(v: &serde_json::Value) -> String {
    format_hours_fr((v.as_f64().unwrap_or(0.0) * 100.0).round() as i64)
}

fn timeline_line(e: &crate::store::timeline::Event) -> TimelineLine {
    let d = &e.detail;
    let s = |key: &str| d[key].as_str().unwrap_or("").to_string();
    let text = match e.kind {
        "eligibility" => {
            let criteria: Vec<String> = d["criteria"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|c| c.as_str())
                        .map(|c| label_of(CRITERIA, c))
                        .collect()
                })
                .unwrap_or_default();
            format!("Éligibilité validée : {}", criteria.join(", "))
        }
        "placement_start" => format!(
            "Début de la mise en situation : {} chez {} ({})",
            s("job_title"),
            s("contractor_name"),
            s("clause_label")
        ),
        "hours" => {
            let status = match d["status"].as_str() {
                Some("validated") => "validées",
                Some("rejected") => "refusées",
                _ => "à valider",
            };
            format!(
                "Heures {} : {} de travail, {} de formation ({status})",
                crate::domain::french::de_period(&period_label_fr(&s("month"))),
                hours_fr(&d["work_hours"]),
                hours_fr(&d["training_hours"]),
            )
        }
        "exit" => format!("Sortie : {}", label_of(OUTCOMES, &s("outcome"))),
        "referral" => {
            let state = match d["state"].as_str() {
                Some("proposed") => "proposée",
                Some("interview") => "entretien prévu",
                Some("hired") => "embauche confirmée",
                Some("declined") => "candidature déclinée",
                _ => "mise à jour",
            };
            format!(
                "Proposition pour le poste {} chez {} : {state}",
                s("job_title"),
                s("contractor_name")
            )
        }
        other => other.to_string(),
    };
    TimelineLine {
        date: e.date.to_string(),
        text,
    }
}

/// A line of a person's history of corrections.
#[derive(Serialize)]
struct HistoryLine {
    at: String,
    by: String,
    changes: Vec<ChangeLine>,
}

#[derive(Serialize)]
struct ChangeLine {
    field: String,
    before: String,
    after: String,
}

/// The French name of a person's field in their history.
fn field_label(field: &str) -> String {
    match field {
        "first_name" => "Prénom",
        "last_name" => "Nom",
        "birth_date" => "Date de naissance",
        "birth_year" => "Année de naissance",
        "sex" => "Sexe",
        "postal_code" => "Code postal",
        "territory" => "Département",
        "qpv" => "Réside en QPV",
        "zrr" => "Réside en ZRR",
        "qualification_level" => "Niveau de qualification",
        "jobseeker_id" => "Identifiant France Travail",
        "looking_for_work" => "En recherche d'emploi",
        "wished_rome_codes" => "Métiers recherchés",
        "licences" => "Permis",
        "reachable_departements" => "Départements accessibles",
        "available_from" => "Disponible à partir du",
        "eligibility" => "Éligibilité",
        other => other,
    }
    .to_string()
}

/// A value of a history line in French.
fn value_fr(field: &str, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(vide)".to_string(),
        serde_json::Value::Bool(b) => if *b { "oui" } else { "non" }.to_string(),
        serde_json::Value::String(s) => match field {
            "sex" => label_of(SEXES, s),
            "qualification_level" => label_of(QUALIFICATION_LEVELS, s),
            _ => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => format_date_fr(d),
                Err(_) => s.clone(),
            },
        },
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|i| value_fr(field, i)).collect();
            if items.is_empty() {
                "(vide)".to_string()
            } else {
                items.join(", ")
            }
        }
        other => other.to_string(),
    }
}

fn history_line(h: HistoryEntry) -> HistoryLine {
    HistoryLine {
        at: h.at.date().to_string(),
        by: h.by.name,
        changes: h
            .changes
            .into_iter()
            // The eligibility summary follows the validations: not a field typed.
            .filter(|c| c.field != "eligibility")
            .map(|c| ChangeLine {
                before: value_fr(&c.field, &c.before),
                after: value_fr(&c.field, &c.after),
                field: field_label(&c.field),
            })
            .collect(),
    }
}

/// What the eligibility form holds, with its errors.
#[derive(Serialize, Default)]
struct EligibilityValues {
    criteria: Vec<String>,
    proof: String,
    validated_on: String,
    justification: String,
    errors: FieldErrors,
}

/// What the placement form holds, with its errors.
#[derive(Serialize, Default)]
struct PlaceValues {
    assignment_id: String,
    modality: String,
    employer_id: String,
    contract_type: String,
    job_title: String,
    starts_on: String,
    ends_on: String,
    weekly_hours: String,
    errors: FieldErrors,
}

/// What an exit form held, with its errors (one form per open placement).
#[derive(Serialize, Default)]
struct ExitValues {
    placement_id: i64,
    ended_on: String,
    outcome: String,
    errors: FieldErrors,
}

/// The forms of a person's page as they come back refused (or empty).
#[derive(Default)]
pub(crate) struct Forms {
    eligibility: Option<EligibilityValues>,
    place: Option<PlaceValues>,
    exit: Option<ExitValues>,
    pub(crate) follow_up: Option<crate::pages::follow_ups::FollowUpValues>,
}

#[derive(Serialize)]
struct AssignmentChoice {
    id: i64,
    label: String,
    contractor_id: i64,
}

#[derive(Serialize)]
struct PersonPage {
    id: i64,
    person: Details,
    validations: Vec<ValidationRow>,
    placements: Vec<PlacementRow>,
    timeline: Vec<TimelineLine>,
    next_action: Option<String>,
    history: Vec<HistoryLine>,
    criteria: Vec<Choice>,
    proof_kinds: Vec<Choice>,
    modalities: Vec<Choice>,
    contract_types: Vec<Choice>,
    outcomes: Vec<Choice>,
    assignments: Vec<AssignmentChoice>,
    employers: Vec<Choice>,
    eligibility: EligibilityValues,
    place: PlaceValues,
    exit: ExitValues,
    today: String,
    /// Each exited placement's follow-ups, with the form to record one that is due.
    follow_ups: crate::pages::follow_ups::Section,
}

/// Everything a person's page reads, through the API's use cases (each read audited as
/// the API's).
struct PersonData {
    view: ParticipantView,
    validations: Vec<people::EligibilityOut>,
    placements: Vec<PlacementView>,
    timeline: crate::store::timeline::Timeline,
    history: Vec<HistoryEntry>,
    assignments: Vec<crate::store::assignments::Placeable>,
    employers: Vec<(OrganisationId, String)>,
    follow_ups: crate::pages::follow_ups::FollowUpData,
}

async fn person_data(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: ParticipantId,
) -> Result<PersonData, Exit> {
    let who = caller.clone();
    db.run(move |c| {
        let out = people::read_participant(c, &who, id)?.record;
        let ParticipantOut::Full(view) = out else {
            return Err(AppError::NotFound("participant"));
        };
        let validations = people::eligibility_history(c, &who, id)?;
        let (placements, _) = placements::list_placements(c, &who, Some(id), None, LIST_MAX, 0)?;
        let timeline = people::participant_timeline(c, &who, id)?;
        let history = people::participant_history(c, &who, id)?;
        let assignments = crate::store::assignments::placeable(c, who.structure_id, LIST_MAX)?;
        let mut employers = Vec::new();
        for kind in [
            OrganisationKind::Contractor,
            OrganisationKind::InsertionStructure,
        ] {
            let (orgs, _) = crate::app::organisations::list_organisations(
                c,
                who.structure_id,
                Some(kind.as_str()),
                LIST_MAX,
                0,
            )?;
            employers.extend(orgs.into_iter().map(|o| (o.id, o.name)));
        }
        let follow_ups = crate::pages::follow_ups::load(c, who.structure_id, id)?;
        Ok(PersonData {
            follow_ups,
            view: *view,
            validations,
            placements,
            timeline,
            history,
            assignments,
            employers,
        })
    })
    .await
    .map_err(|e| problem(visitor, caller, e))
}

fn person_page(data: PersonData, forms: Forms, today: NaiveDate) -> PersonPage {
    let id = data.view.id.0;
    let validations = data
        .validations
        .into_iter()
        .map(|v| ValidationRow {
            id: v.row.id,
            validated_on: v.row.validated_on.to_string(),
            valid_until: v.row.valid_until.to_string(),
            criteria: v.criteria.iter().map(|c| label_of(CRITERIA, c)).collect(),
            proof: label_of(PROOF_KINDS, v.row.proof.as_str()),
            justification: v.row.justification.clone(),
            by: v.history.by.name.clone(),
            withdrawn: v.row.withdrawn_at.is_some(),
        })
        .collect();
    let mut timeline: Vec<TimelineLine> = data.timeline.events.iter().map(timeline_line).collect();
    timeline.reverse();
    let mut history: Vec<HistoryLine> = data
        .history
        .into_iter()
        .map(history_line)
        .filter(|h| !h.changes.is_empty())
        .collect();
    history.reverse();
    let follow_ups = crate::pages::follow_ups::section(
        &data.placements,
        data.follow_ups,
        forms.follow_up,
        today,
    );
    PersonPage {
        follow_ups,
        id,
        person: details(&data.view),
        validations,
        placements: data.placements.into_iter().map(placement_row).collect(),
        timeline,
        next_action: data.timeline.next_action.map(|a| a.what),
        history,
        criteria: choices(CRITERIA),
        proof_kinds: choices(PROOF_KINDS),
        modalities: choices(MODALITIES),
        contract_types: choices(CONTRACT_TYPES),
        outcomes: choices(OUTCOMES),
        assignments: data
            .assignments
            .into_iter()
            .map(|a| AssignmentChoice {
                id: a.id.0,
                label: format!(
                    "{} · {}",
                    clause_label(&a.reference, &a.title, a.lot_number),
                    a.contractor_name
                ),
                contractor_id: a.contractor_id.0,
            })
            .collect(),
        employers: data
            .employers
            .into_iter()
            .map(|(id, name)| Choice {
                code: id.0.to_string(),
                label: name,
            })
            .collect(),
        eligibility: forms.eligibility.unwrap_or_else(|| EligibilityValues {
            validated_on: today.to_string(),
            ..EligibilityValues::default()
        }),
        place: forms.place.unwrap_or_else(|| PlaceValues {
            modality: "direct_hire".into(),
            contract_type: "cddi".into(),
            starts_on: today.to_string(),
            weekly_hours: "35".into(),
            ..PlaceValues::default()
        }),
        exit: forms.exit.unwrap_or_default(),
        today: today.to_string(),
    }
}

/// A person's page for `caller`, with `forms` as they came back.
pub(crate) async fn render_person(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: ParticipantId,
    forms: Forms,
    status: Status,
    fait: Option<&str>,
) -> Result<Html, Exit> {
    let data = person_data(visitor, caller, db, id).await?;
    let page = person_page(data, forms, db.clock.today());
    let title = page.person.name.clone();
    let view = PageView::new("person.html", &title, PEOPLE_PATH, page);
    Ok(view.notice(notice(fait)).render(visitor, caller, status))
}

/// GET /people/{id} — staff: a person of the structure: details, eligibility validations
/// (with the form to add one), placements (with the forms to place and to record an
/// exit), timeline and history of corrections.
#[rocket::get("/people/<id>?<fait>")]
pub async fn person(
    visitor: Visitor,
    id: ParticipantId,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    render_person(
        &visitor,
        &caller,
        db,
        id,
        Forms::default(),
        Status::Ok,
        fait,
    )
    .await
}

/// The eligibility form.
#[derive(FromForm, Default)]
pub struct EligibilityForm {
    csrf_token: Option<String>,
    criteria: Vec<String>,
    proof: Option<String>,
    validated_on: Option<String>,
    justification: Option<String>,
}

const ELIGIBILITY_FIELDS: &[&str] = &["criteria", "proof", "validated_on", "justification"];

/// POST /people/{id}/eligibility — staff: records an eligibility validation through the
/// use case of `POST /api/v1/participants/{id}/eligibility`; refused, the person's page
/// with the errors beside the form's fields (422).
#[rocket::post("/people/<id>/eligibility", data = "<form>")]
pub async fn add_eligibility(
    visitor: Visitor,
    id: ParticipantId,
    form: Option<Form<EligibilityForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let mut broken = Vec::new();
    let criteria: Vec<Code> = form
        .criteria
        .iter()
        .filter_map(|c| checked::<Code>("criteria", Some(c), &mut broken))
        .collect();
    let proof = match filled(form.proof.as_deref()) {
        Some(p) => checked::<Code>("proof", Some(p), &mut broken),
        None => {
            broken.push(Violation::new("proof", "required"));
            None
        }
    };
    let validated_on = match filled(form.validated_on.as_deref()) {
        Some(d) => date_field("validated_on", Some(d), &mut broken),
        None => {
            broken.push(Violation::new("validated_on", "required"));
            None
        }
    };
    let justification =
        checked::<FreeText>("justification", form.justification.as_deref(), &mut broken);
    let refused: ApiError = match (proof, validated_on, broken.is_empty()) {
        (Some(proof), Some(validated_on), true) => {
            let input = EligibilityInput {
                criteria,
                proof,
                validated_on,
                justification,
            };
            let (who, today, months) =
                (caller.clone(), db.clock.today(), config.eligibility_months);
            match db
                .run(move |c| people::validate_eligibility(c, &who, id, input, today, months))
                .await
            {
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "/people/{}?fait=eligibilite-enregistree#eligibilite",
                        id.0
                    )))
                }
                Err(e) => e.into(),
            }
        }
        _ => {
            let mut e: ApiError = AppError::Invalid(broken).into();
            if e.errors.is_empty() {
                e.status = 422;
            }
            e
        }
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(problem(&visitor, &caller, refused));
    }
    let values = EligibilityValues {
        criteria: form.criteria.clone(),
        proof: form.proof.clone().unwrap_or_default(),
        validated_on: form.validated_on.clone().unwrap_or_default(),
        justification: form.justification.clone().unwrap_or_default(),
        errors: errors_of(&refused, ELIGIBILITY_FIELDS),
    };
    let forms = Forms {
        eligibility: Some(values),
        ..Forms::default()
    };
    let status = refused_status(&visitor, &refused);
    Ok(Exit::Page(
        render_person(&visitor, &caller, db, id, forms, status, None).await?,
    ))
}

/// The placement form.
#[derive(FromForm, Default)]
pub struct PlaceForm {
    csrf_token: Option<String>,
    assignment_id: Option<String>,
    modality: Option<String>,
    employer_id: Option<String>,
    contract_type: Option<String>,
    job_title: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
    weekly_hours: Option<String>,
}

const PLACE_FIELDS: &[&str] = &[
    "assignment_id",
    "modality",
    "employer_id",
    "contract_type",
    "job_title",
    "starts_on",
    "ends_on",
    "weekly_hours",
];

/// An id chosen in a select, or the broken rule on `field`.
fn chosen_id(field: &str, value: Option<&str>, errors: &mut Vec<Violation>) -> Option<i64> {
    match filled(value).map(str::parse::<i64>) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.push(Violation::new(field, "required"));
            None
        }
        None => {
            errors.push(Violation::new(field, "required"));
            None
        }
    }
}

/// The placement a form asks for, as the API's body would carry it.
fn read_placement(
    person: ParticipantId,
    f: &PlaceForm,
) -> Result<PlacementRequest, Vec<Violation>> {
    let mut errors = Vec::new();
    let assignment = chosen_id("assignment_id", f.assignment_id.as_deref(), &mut errors);
    let employer = chosen_id("employer_id", f.employer_id.as_deref(), &mut errors);
    let job_title = checked::<Label>("job_title", f.job_title.as_deref(), &mut errors);
    if filled(f.job_title.as_deref()).is_none() {
        errors.push(Violation::new("job_title", "job_title_empty"));
    }
    let starts_on = match filled(f.starts_on.as_deref()) {
        Some(d) => date_field("starts_on", Some(d), &mut errors),
        None => {
            errors.push(Violation::new("starts_on", "required"));
            None
        }
    };
    let ends_on = date_field("ends_on", f.ends_on.as_deref(), &mut errors);
    let weekly_hours = match filled(f.weekly_hours.as_deref()).map(parse_hours_input) {
        Some(Ok(h)) => h,
        Some(Err(code)) => {
            let got = shown(f.weekly_hours.as_deref().unwrap_or(""));
            errors.push(
                Violation::new("weekly_hours", code)
                    .with("got_kind", "text")
                    .with("got", got),
            );
            None
        }
        None => None,
    };
    match (
        assignment,
        employer,
        job_title,
        starts_on,
        errors.is_empty(),
    ) {
        (Some(a), Some(e), Some(job), Some(starts_on), true) => Ok(PlacementRequest {
            participant_id: person,
            assignment_id: crate::domain::ids::AssignmentId(a),
            modality: filled(f.modality.as_deref()).unwrap_or("").to_string(),
            employer_id: OrganisationId(e),
            contract_type: filled(f.contract_type.as_deref()).unwrap_or("").to_string(),
            job_title: job.into(),
            starts_on,
            ends_on,
            weekly_hours,
            derogation_reason: None,
        }),
        _ => Err(errors),
    }
}

/// POST /people/{id}/placements — staff: places the person on a clause's assignment
/// through the use case of `POST /api/v1/placements`; refused, the person's page with the
/// errors beside the form's fields (422 or 409).
#[rocket::post("/people/<id>/placements", data = "<form>")]
pub async fn place(
    visitor: Visitor,
    id: ParticipantId,
    form: Option<Form<PlaceForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    // Another structure's person is unknown here (404), whatever the form holds.
    let sid = caller.structure_id;
    db.run(move |c| {
        crate::store::participants::find_in(c, sid, id)?
            .map(|_| ())
            .ok_or(AppError::NotFound("participant"))
    })
    .await
    .map_err(|e| problem(&visitor, &caller, e))?;
    let refused: ApiError = match read_placement(id, &form) {
        Ok(request) => {
            let by = actor(&caller, db);
            match db
                .run(move |c| write_tx(c, |c| placements::place_person(c, &by, request)))
                .await
            {
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "/people/{}?fait=personne-placee#placements",
                        id.0
                    )))
                }
                Err(e) => e.into(),
            }
        }
        Err(broken) => AppError::Invalid(broken).into(),
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(problem(&visitor, &caller, refused));
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = PlaceValues {
        assignment_id: text(&form.assignment_id),
        modality: text(&form.modality),
        employer_id: text(&form.employer_id),
        contract_type: text(&form.contract_type),
        job_title: text(&form.job_title),
        starts_on: text(&form.starts_on),
        ends_on: text(&form.ends_on),
        weekly_hours: text(&form.weekly_hours),
        errors: errors_of(&refused, PLACE_FIELDS),
    };
    let forms = Forms {
        place: Some(values),
        ..Forms::default()
    };
    let status = refused_status(&visitor, &refused);
    Ok(Exit::Page(
        render_person(&visitor, &caller, db, id, forms, status, None).await?,
    ))
}

/// The exit form of a placement.
#[derive(FromForm, Default)]
pub struct ExitForm {
    csrf_token: Option<String>,
    ended_on: Option<String>,
    outcome: Option<String>,
}

const EXIT_FIELDS: &[&str] = &["ended_on", "outcome"];

/// POST /people/placements/{id}/exit — staff: records the end of a placement and its
/// outcome through the use case of `POST /api/v1/placements/{id}/exit`, then back to the
/// person's page; refused, that page with the errors beside the exit form's fields.
#[rocket::post("/people/placements/<id>/exit", data = "<form>")]
pub async fn exit(
    visitor: Visitor,
    id: PlacementId,
    form: Option<Form<ExitForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let person = person_of_placement(&visitor, &caller, db, id).await?;
    let mut broken = Vec::new();
    let ended_on = match filled(form.ended_on.as_deref()) {
        Some(d) => date_field("ended_on", Some(d), &mut broken),
        None => {
            broken.push(Violation::new("ended_on", "required"));
            None
        }
    };
    let outcome = filled(form.outcome.as_deref()).unwrap_or("").to_string();
    let refused: ApiError = match (ended_on, broken.is_empty()) {
        (Some(ended_on), true) => {
            let by = actor(&caller, db);
            match db
                .run(move |c| {
                    write_tx(c, |c| {
                        placements::record_exit(c, &by, id, ended_on, &outcome)
                    })
                })
                .await
            {
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "/people/{}?fait=sortie-enregistree#placements",
                        person.0
                    )))
                }
                Err(e) => e.into(),
            }
        }
        _ => AppError::Invalid(broken).into(),
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(problem(&visitor, &caller, refused));
    }
    let values = ExitValues {
        placement_id: id.0,
        ended_on: form.ended_on.clone().unwrap_or_default(),
        outcome: form.outcome.clone().unwrap_or_default(),
        errors: errors_of(&refused, EXIT_FIELDS),
    };
    let forms = Forms {
        exit: Some(values),
        ..Forms::default()
    };
    let status = refused_status(&visitor, &refused);
    Ok(Exit::Page(
        render_person(&visitor, &caller, db, person, forms, status, None).await?,
    ))
}

// --- The correction ----------------------------------------------------------------------

/// A field whose value differs between the record now and what was typed.
#[derive(Serialize)]
struct ConflictLine {
    label: &'static str,
    current: String,
    typed: String,
    differs: bool,
}

#[derive(Serialize)]
struct EditPage {
    id: i64,
    name: String,
    values: PersonValues,
    version: i64,
    errors: FieldErrors,
    choices: PersonChoices,
    /// The other change met (412): the record's values beside what was typed.
    conflict: Option<Vec<ConflictLine>>,
    /// Who changed the record last, and when (412).
    changed_by: Option<HistoryLine>,
    history: Vec<HistoryLine>,
}

/// The person as the correction form starts from: values, version, history.
async fn edit_data(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: ParticipantId,
) -> Result<(ParticipantView, i64, Vec<HistoryEntry>), Exit> {
    let who = caller.clone();
    db.run(move |c| {
        let read = people::read_participant(c, &who, id)?;
        let ParticipantOut::Full(view) = read.record else {
            return Err(AppError::NotFound("participant"));
        };
        let history = people::participant_history(c, &who, id)?;
        Ok((*view, read.version.0, history))
    })
    .await
    .map_err(|e| problem(visitor, caller, e))
}

fn edit_page(
    view: &ParticipantView,
    version: i64,
    history: Vec<HistoryEntry>,
    values: PersonValues,
    errors: FieldErrors,
) -> EditPage {
    let mut history: Vec<HistoryLine> = history
        .into_iter()
        .map(history_line)
        .filter(|h| !h.changes.is_empty())
        .collect();
    history.reverse();
    EditPage {
        id: view.id.0,
        name: person_name(view.first_name.clone(), view.last_name.clone()).unwrap_or_default(),
        values,
        version,
        errors,
        choices: person_choices(),
        conflict: None,
        changed_by: None,
        history,
    }
}

const EDIT_TITLE: &str = "Corriger une personne";

/// GET /people/{id}/edit — staff: the correction form of a person, filled from the record
/// and carrying its version; the history of the person's corrections below.
#[rocket::get("/people/<id>/edit")]
pub async fn edit(visitor: Visitor, id: ParticipantId, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let (view, version, history) = edit_data(&visitor, &caller, db, id).await?;
    let values = PersonValues::of(&view);
    let page = edit_page(&view, version, history, values, FieldErrors::default());
    Ok(
        PageView::new("person_edit.html", EDIT_TITLE, PEOPLE_PATH, page).render(
            &visitor,
            &caller,
            Status::Ok,
        ),
    )
}

/// POST /people/{id}/edit — staff: corrects the person through the use case of
/// `PATCH /api/v1/participants/{id}`, the form's version sent as `If-Match`. Another change
/// first: 412, the record's current values beside what was typed and the form again from
/// the current record, nothing stored. Refused: the form with its errors (422 or 409).
#[rocket::post("/people/<id>/edit", data = "<form>")]
pub async fn correct(
    visitor: Visitor,
    id: ParticipantId,
    form: Option<Form<PersonForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let typed = PersonValues::typed(&form);
    // A version that is not one matches no record: the correction is refused (412).
    let version = filled(form.version.as_deref()).unwrap_or("").to_string();
    let if_match = IfMatch::Tags(vec![format!("\"{version}\"")]);
    let refused: ApiError = match typed.input() {
        Ok(input) => {
            let (who, patch) = (caller.clone(), whole_patch(input));
            match db
                .run(move |c| people::correct_participant(c, &who, id, patch, Some(if_match)))
                .await
            {
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "/people/{}?fait=personne-corrigee",
                        id.0
                    )))
                }
                Err(e) => e.into(),
            }
        }
        Err(broken) => {
            // The form's own errors: beside their fields, from the version typed.
            let errors = errors_of_rules(&broken, PERSON_FIELDS);
            let (view, current, history) = edit_data(&visitor, &caller, db, id).await?;
            let mut page = edit_page(&view, current, history, typed, errors);
            page.version = version.parse().unwrap_or(current);
            return Ok(Exit::Page(
                PageView::new("person_edit.html", EDIT_TITLE, PEOPLE_PATH, page).render(
                    &visitor,
                    &caller,
                    if visitor.htmx {
                        Status::Ok
                    } else {
                        Status::UnprocessableEntity
                    },
                ),
            ));
        }
    };
    if !matches!(refused.status, 409 | 412 | 422) {
        return Err(problem(&visitor, &caller, refused));
    }
    let (view, current, history) = edit_data(&visitor, &caller, db, id).await?;
    let status = refused_status(&visitor, &refused);
    if refused.status == 412 {
        // Someone else changed the person first: the form starts again from the record
        // as it is now, the values typed shown beside it.
        let now = PersonValues::of(&view);
        let conflict = now
            .shown()
            .into_iter()
            .zip(typed.shown())
            .map(|((label, current), (_, typed))| ConflictLine {
                label,
                differs: current != typed,
                current,
                typed,
            })
            .collect();
        let mut page = edit_page(&view, current, history, now, FieldErrors::default());
        page.changed_by = page.history.first().map(|h| HistoryLine {
            at: h.at.clone(),
            by: h.by.clone(),
            changes: Vec::new(),
        });
        page.conflict = Some(conflict);
        return Ok(Exit::Page(
            PageView::new(
                "person_edit.html",
                "Modifiée entre-temps",
                PEOPLE_PATH,
                page,
            )
            .render(&visitor, &caller, status),
        ));
    }
    let errors = errors_of(&refused, PERSON_FIELDS);
    let mut page = edit_page(&view, current, history, typed, errors);
    page.version = version.parse().unwrap_or(current);
    Ok(Exit::Page(
        PageView::new("person_edit.html", EDIT_TITLE, PEOPLE_PATH, page)
            .render(&visitor, &caller, status),
    ))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        search,
        new_person,
        create_person,
        person,
        add_eligibility,
        place,
        exit,
        edit,
        correct
    ]
}
