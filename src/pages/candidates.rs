//! The contractor's proposed candidates (`/contractor/candidates`: the people the facilitator
//! proposes for its recruitment needs, to answer with an interview, a hire or a reasoned
//! decline) and its reminder contacts (`/contractor/contacts`). Both call the use cases of
//! the API routes doing the same thing: `app::referrals::answer_referral` (as
//! `POST /api/v1/referrals/{id}/answer`) and `app::organisations::replace_contacts` (as
//! `PUT /api/v1/organisations/{id}/contacts`). A contractor sees of a person what the API
//! shows it: name, wished jobs and availability, never the eligibility.

use chrono::NaiveDate;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::organisations::{self as organisations, ContactInput};
use crate::app::placements::Actor;
use crate::app::referrals::{self as referrals, Candidate, CandidateBoard, HireOverrides};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::catalogue::{CodeList, CONTRACT_TYPES};
use crate::domain::ids::{OrganisationId, ReferralId};
use crate::domain::limits::{
    date_out_of_range, Code, Email, FreeText, Label, Name, TextError, MAX_CONTACTS, MAX_DATE,
    MIN_DATE,
};
use crate::domain::referrals::DECLINE_REASONS;
use crate::domain::referrals::{check_answer, days_since, Answer, State as RefState};
use crate::domain::rule::Violation;
use crate::error::ApiError;
use crate::pages::{
    hours_input, notice, parse_hours_input, Exit, FieldErrors, Html, PageView, Visitor,
};
use crate::store::contracts::split_codes;
use crate::store::organisations::Contact;

/// Most proposals shown of each kind (waiting, answered).
const PAGE_SIZE: i64 = 100;
/// Contact rows the form shows at least (empty rows are ignored when saved).
const CONTACT_ROWS: usize = 5;
/// The fields of an answer form: a use case's error on another field is shown above it.
const ANSWER_FIELDS: &[&str] = &[
    "state",
    "reason",
    "comment",
    "starts_on",
    "job_title",
    "contract_type",
    "weekly_hours",
];

/// Who acts, for the use cases (as the API's routes build it).
fn actor(caller: &Caller, db: &Db) -> Actor {
    Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    }
}

/// The contractor's own organisation (a contractor account always has one).
fn own_org(visitor: &Visitor, caller: &Caller) -> Result<OrganisationId, Exit> {
    caller
        .contractor_org()
        .ok_or_else(|| visitor.problem(AppError::NotFound("organisation").into()))
}

/// A choice of a select: its code and its French label.
#[derive(Serialize)]
struct Choice {
    code: &'static str,
    label: &'static str,
}

fn choices(list: &CodeList) -> Vec<Choice> {
    list.iter()
        .map(|(code, label)| Choice { code, label })
        .collect()
}

/// What a hire form holds: the need's defaults, or what the contractor typed.
#[derive(Serialize, Default)]
struct HireValues {
    starts_on: String,
    job_title: String,
    contract_type: String,
    weekly_hours: String,
}

/// An answer refused for one proposal: which form, what was typed, why (beside each field).
#[derive(Serialize)]
struct Refused {
    state: String,
    reason: String,
    comment: String,
    errors: FieldErrors,
}

/// One proposal as the page shows it.
#[derive(Serialize)]
struct Row {
    id: i64,
    /// The person's name; `None` once declined (the contractor no longer sees who it was).
    person: Option<String>,
    declined: bool,
    available_from: Option<String>,
    wished_jobs: Vec<String>,
    job_title: String,
    /// Where the job is: the département named, the commune's code beside.
    place: String,
    clause_label: String,
    state: &'static str,
    state_label: &'static str,
    reason_label: Option<&'static str>,
    comment: Option<String>,
    proposed_on: String,
    /// Days since the proposal.
    waited_days: i64,
    answered_on: String,
    /// Still proposed: an interview may be planned.
    may_interview: bool,
    hire: HireValues,
    refused: Option<Refused>,
}

/// The state of a proposal in French, for its contractor.
fn state_label(state: RefState) -> &'static str {
    match state {
        RefState::Proposed => "Proposition à étudier",
        RefState::Interview => "Entretien prévu",
        RefState::Hired => "Embauche confirmée",
        RefState::Declined => "Candidature déclinée",
    }
}

fn row(c: Candidate, today: NaiveDate) -> Row {
    let r = c.details.referral.row;
    let person = c.details.person;
    let proposed_on = r.proposed_at.date();
    Row {
        id: r.id.0,
        person: person.as_ref().map(|p| {
            crate::store::names::person_name(p.first_name.clone(), p.last_name.clone())
                .unwrap_or_else(|| "Nom non communiqué".to_string())
        }),
        declined: r.state == RefState::Declined,
        available_from: person
            .as_ref()
            .and_then(|p| p.available_from)
            .map(|d| d.to_string()),
        wished_jobs: person
            .as_ref()
            .map(|p| split_codes(&p.wished_rome_codes))
            .unwrap_or_default(),
        job_title: c.need.job_title.clone(),
        place: crate::domain::territory::commune_label(&c.need.commune_code),
        clause_label: c.need.clause_label,
        state: r.state.as_str(),
        state_label: state_label(r.state),
        reason_label: r
            .reason
            .as_deref()
            .and_then(|code| crate::domain::catalogue::label(DECLINE_REASONS, code)),
        comment: r.comment,
        proposed_on: proposed_on.to_string(),
        waited_days: days_since(proposed_on, today).max(0),
        answered_on: r.updated_at.date().to_string(),
        may_interview: r.state == RefState::Proposed,
        hire: HireValues {
            starts_on: c.need.starts_on.to_string(),
            job_title: c.need.job_title,
            contract_type: c.need.contract_type.as_str().to_string(),
            weekly_hours: hours_input(c.need.weekly_hours),
        },
        refused: None,
    }
}

#[derive(Serialize)]
struct CandidatesPage {
    waiting: Vec<Row>,
    waiting_total: i64,
    answered: Vec<Row>,
    answered_total: i64,
    page_size: i64,
    reasons: Vec<Choice>,
    contract_types: Vec<Choice>,
    /// A refusal of a proposal not among those waiting (answered meanwhile).
    error: Option<String>,
}

fn candidates_page(board: CandidateBoard, today: NaiveDate) -> CandidatesPage {
    CandidatesPage {
        waiting: board.waiting.into_iter().map(|c| row(c, today)).collect(),
        waiting_total: board.waiting_total,
        answered: board.answered.into_iter().map(|c| row(c, today)).collect(),
        answered_total: board.answered_total,
        page_size: PAGE_SIZE,
        reasons: choices(DECLINE_REASONS),
        contract_types: choices(CONTRACT_TYPES),
        error: None,
    }
}

/// The proposals to the caller's needs (`app::referrals::candidate_board`).
async fn board(visitor: &Visitor, caller: &Caller, db: &Db) -> Result<CandidateBoard, Exit> {
    let org = own_org(visitor, caller)?;
    let by = actor(caller, db);
    db.write(move |c| referrals::candidate_board(c, &by, org, PAGE_SIZE))
        .await
        .map_err(|e| visitor.problem(e.into()))
}

const CANDIDATES_TITLE: &str = "Candidats proposés";
const CANDIDATES_PATH: &str = "/contractor/candidates";

/// GET /contractor/candidates — a contractor: the people proposed for its needs, those
/// waiting for its answer first, each with the forms to answer.
#[rocket::get("/contractor/candidates?<fait>")]
pub async fn candidates(
    visitor: Visitor,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.contractor()?;
    let board = board(&visitor, &caller, db).await?;
    let page = candidates_page(board, db.clock.today());
    let view = PageView::new("candidates.html", CANDIDATES_TITLE, CANDIDATES_PATH, page);
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

/// An answer form. Every field is text, read and checked here, so that no value makes the
/// form unreadable.
#[derive(FromForm, Default)]
pub struct AnswerForm {
    csrf_token: Option<String>,
    /// `interview`, `hired` or `declined`.
    state: Option<String>,
    /// A decline's reason (`DECLINE_REASONS`).
    reason: Option<String>,
    comment: Option<String>,
    /// A hire: the start date (`AAAA-MM-JJ`), else the need's.
    starts_on: Option<String>,
    /// A hire: the job title, else the need's.
    job_title: Option<String>,
    /// A hire: the contract type, else the need's.
    contract_type: Option<String>,
    /// A hire: weekly hours (French decimal), else the need's.
    weekly_hours: Option<String>,
}

/// A filled text field, trimmed; `None` when empty.
pub(crate) fn filled(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// What a refused value is shown as in its message: on one line, at most 40 characters.
pub(crate) fn shown(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// A filled text field in its length class, or the broken rule on `field`.
pub(crate) fn checked<T: TryFrom<String, Error = TextError>>(
    field: &str,
    value: Option<&str>,
    errors: &mut Vec<Violation>,
) -> Option<T> {
    let v = filled(value)?;
    match T::try_from(v.to_string()) {
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(e.violation(field));
            None
        }
    }
}

/// A date typed `AAAA-MM-JJ` (what a date input sends), within the dates a body may carry.
pub(crate) fn date_field(
    field: &str,
    value: Option<&str>,
    errors: &mut Vec<Violation>,
) -> Option<NaiveDate> {
    let v = filled(value)?;
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) if date_out_of_range(d).is_none() => Some(d),
        _ => {
            errors.push(
                Violation::new(field, "date_malformed")
                    .with("got", shown(v))
                    .with("min", MIN_DATE)
                    .with("max", MAX_DATE),
            );
            None
        }
    }
}

/// What a hire form changes of the need's defaults (an empty field keeps the default).
fn hire_overrides(f: &AnswerForm, errors: &mut Vec<Violation>) -> HireOverrides {
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
    HireOverrides {
        starts_on: date_field("starts_on", f.starts_on.as_deref(), errors),
        job_title: checked::<Label>("job_title", f.job_title.as_deref(), errors),
        contract_type: checked::<Code>("contract_type", f.contract_type.as_deref(), errors),
        weekly_hours,
        ..HireOverrides::default()
    }
}

/// The answer of a form, checked by the API's rule (`check_answer`), with the hire's
/// placement details; every broken rule at once.
fn read_answer(f: &AnswerForm) -> Result<(Answer, HireOverrides), Vec<Violation>> {
    let mut errors = Vec::new();
    let comment = checked::<FreeText>("comment", f.comment.as_deref(), &mut errors);
    let state = f.state.as_deref().unwrap_or("");
    let answer = check_answer(state, f.reason.as_deref(), comment.as_deref(), false);
    let hired = answer.as_ref().is_ok_and(|a| a.state() == RefState::Hired);
    let overrides = if hired {
        hire_overrides(f, &mut errors)
    } else {
        HireOverrides::default()
    };
    match answer {
        Ok(a) if errors.is_empty() => Ok((a, overrides)),
        Ok(_) => Err(errors),
        Err(mut broken) => {
            errors.append(&mut broken);
            Err(errors)
        }
    }
}

/// A refused answer's errors beside the form's fields: the placement's rules (named
/// `placement.…` by the use case) beside the hire's fields, any other above the form.
fn answer_errors(e: &ApiError) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (field, message) in FieldErrors::of_problem(e).0 {
        let field = field.strip_prefix("placement.").unwrap_or(&field);
        let field = if ANSWER_FIELDS.contains(&field) {
            field
        } else {
            ""
        };
        out.0.entry(field.to_string()).or_insert(message);
    }
    out
}

/// POST /contractor/candidates/{id} — a contractor: answers a proposal to one of its needs
/// (interview, hired with the placement's details, declined with a reason), through the
/// use case of `POST /api/v1/referrals/{id}/answer`. Refused: the page again with the
/// errors beside their fields (422, or 409 when the proposal no longer takes the answer).
#[rocket::post("/contractor/candidates/<id>", data = "<form>")]
pub async fn answer(
    visitor: Visitor,
    id: ReferralId,
    form: Option<Form<AnswerForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.contractor()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let org = own_org(&visitor, &caller)?;
    let by = actor(&caller, db);
    let refused: ApiError = match read_answer(&form) {
        Ok((answer, overrides)) => {
            let done = db
                .write(move |c| {
                    referrals::answer_referral(c, &by, Some(org), id, answer, overrides)
                })
                .await;
            match done {
                // An htmx request gets the list as it now is, swapped in place.
                Ok(_) if visitor.htmx => {
                    let board = board(&visitor, &caller, db).await?;
                    let page = candidates_page(board, db.clock.today());
                    let view =
                        PageView::new("candidates.html", CANDIDATES_TITLE, CANDIDATES_PATH, page);
                    let done = view.notice(notice(Some("reponse-enregistree")));
                    return Ok(Exit::Page(done.render(&visitor, &caller, Status::Ok)));
                }
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "{CANDIDATES_PATH}?fait=reponse-enregistree"
                    )))
                }
                Err(e) => e.into(),
            }
        }
        Err(broken) => AppError::Invalid(broken).into(),
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(visitor.problem(refused));
    }
    // Only a proposal the contractor may see is answered with its errors (another's is
    // unknown to it, whatever the form holds).
    db.run(move |c| referrals::visible_referral(c, by.structure_id, id, Some(org)))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let board = board(&visitor, &caller, db).await?;
    let mut page = candidates_page(board, db.clock.today());
    let errors = answer_errors(&refused);
    match page.waiting.iter_mut().find(|r| r.id == id.0) {
        Some(row) => {
            if form.state.as_deref() == Some("hired") {
                // What was typed; an empty field keeps the need's value, as the hire does.
                let typed = |v: &Option<String>, default: &mut String| {
                    if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                        *default = v.to_string();
                    }
                };
                typed(&form.starts_on, &mut row.hire.starts_on);
                typed(&form.job_title, &mut row.hire.job_title);
                typed(&form.contract_type, &mut row.hire.contract_type);
                typed(&form.weekly_hours, &mut row.hire.weekly_hours);
            }
            row.refused = Some(Refused {
                state: form.state.clone().unwrap_or_default(),
                reason: form.reason.clone().unwrap_or_default(),
                comment: form.comment.clone().unwrap_or_default(),
                errors,
            });
        }
        None => {
            page.error = errors.0.values().next().cloned();
        }
    }
    // htmx swaps only successful answers: its request gets the errors with a 200.
    let status = match Status::from_code(refused.status) {
        _ if visitor.htmx => Status::Ok,
        Some(s) => s,
        None => Status::UnprocessableEntity,
    };
    let view = PageView::new("candidates.html", CANDIDATES_TITLE, CANDIDATES_PATH, page);
    Ok(Exit::Page(view.render(&visitor, &caller, status)))
}

// ---------------------------------------------------------------------------------------
// Contacts

/// One row of the contacts form, as typed.
#[derive(Serialize, Default, Clone)]
pub(crate) struct ContactLine {
    pub(crate) name: String,
    pub(crate) email: String,
}

#[derive(Serialize)]
pub(crate) struct ContactsPage {
    rows: Vec<ContactLine>,
    /// Errors by field: `contacts[i].email`, `contacts[i].name`, or `""` for the list.
    errors: FieldErrors,
    max_contacts: usize,
}

/// The rows of the form: the given ones, then empty ones up to `CONTACT_ROWS` and two more
/// than the given ones, never more than `MAX_CONTACTS`.
pub(crate) fn contacts_page(mut rows: Vec<ContactLine>, errors: FieldErrors) -> ContactsPage {
    let wanted = (rows.len() + 2).clamp(CONTACT_ROWS, MAX_CONTACTS);
    rows.truncate(MAX_CONTACTS);
    rows.resize(wanted.max(rows.len()), ContactLine::default());
    ContactsPage {
        rows,
        errors,
        max_contacts: MAX_CONTACTS,
    }
}

/// A saved contact as a row of the form.
pub(crate) fn contact_line(c: Contact) -> ContactLine {
    ContactLine {
        name: c.name.unwrap_or_default(),
        email: c.email,
    }
}

const CONTACTS_TITLE: &str = "Contacts pour les relances";
const CONTACTS_PATH: &str = "/contractor/contacts";

/// GET /contractor/contacts — a contractor: who receives its reminders, as a form to change
/// them (the use case of `GET /api/v1/organisations/{id}/contacts`).
#[rocket::get("/contractor/contacts?<fait>")]
pub async fn contacts(visitor: Visitor, fait: Option<&str>, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.contractor()?;
    let org = own_org(&visitor, &caller)?;
    let reader = caller.clone();
    let list: Vec<Contact> = db
        .run(move |c| organisations::contacts(c, &reader, org))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let rows = list.into_iter().map(contact_line).collect();
    let view = PageView::new(
        "contacts.html",
        CONTACTS_TITLE,
        CONTACTS_PATH,
        contacts_page(rows, FieldErrors::default()),
    );
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

#[derive(FromForm, Default)]
pub struct ContactRow {
    pub(crate) name: Option<String>,
    pub(crate) email: Option<String>,
}

/// The contacts form: rows `contacts[0].name`, `contacts[0].email`, …
#[derive(FromForm, Default)]
pub struct ContactsForm {
    pub(crate) csrf_token: Option<String>,
    pub(crate) contacts: Vec<ContactRow>,
}

/// The contacts of the filled rows, each checked by the API's rule (`check_contacts`), or
/// the errors beside their fields. Empty rows are ignored.
pub(crate) fn read_contacts(rows: &[ContactLine]) -> Result<Vec<Contact>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let filled_rows = rows
        .iter()
        .filter(|r| !r.name.is_empty() || !r.email.is_empty())
        .count();
    if filled_rows > MAX_CONTACTS {
        errors.add(
            "",
            &Violation::new("contacts", "list_too_long").with("max", MAX_CONTACTS),
        );
    }
    let mut list = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.name.is_empty() && r.email.is_empty() {
            continue;
        }
        let name_field = format!("contacts[{i}].name");
        let email_field = format!("contacts[{i}].email");
        let name = match filled(Some(&r.name)).map(|n| Name::new(n.to_string())) {
            Some(Ok(n)) => Some(n),
            Some(Err(e)) => {
                errors.add(name_field, &e.violation("name"));
                None
            }
            None => None,
        };
        if r.email.is_empty() {
            errors.add(email_field, &Violation::new("email", "required"));
            continue;
        }
        let email = match Email::new(r.email.clone()) {
            Ok(e) => e,
            Err(e) => {
                errors.add(email_field, &e.violation("email"));
                continue;
            }
        };
        match organisations::check_contacts(vec![ContactInput { email, name }]) {
            Ok(mut checked) => list.append(&mut checked),
            Err(AppError::Invalid(broken)) => {
                for v in &broken {
                    errors.add(email_field.clone(), v);
                }
            }
            Err(e) => {
                let problem = ApiError::from(e);
                errors
                    .0
                    .entry(String::new())
                    .or_insert(problem.detail.clone());
            }
        }
    }
    if errors.is_empty() {
        Ok(list)
    } else {
        Err(errors)
    }
}

/// POST /contractor/contacts — a contractor: replaces who receives its reminders, all rows
/// at once (the use case of `PUT /api/v1/organisations/{id}/contacts`); an invalid row
/// saves nothing and comes back with its error beside it (422).
#[rocket::post("/contractor/contacts", data = "<form>")]
pub async fn save_contacts(
    visitor: Visitor,
    form: Option<Form<ContactsForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.contractor()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let org = own_org(&visitor, &caller)?;
    let rows: Vec<ContactLine> = form
        .contacts
        .into_iter()
        .map(|r| ContactLine {
            name: r.name.as_deref().unwrap_or("").trim().to_string(),
            email: r.email.as_deref().unwrap_or("").trim().to_string(),
        })
        .collect();
    let errors = match read_contacts(&rows) {
        Ok(list) => {
            let writer = caller.clone();
            let saved = db
                .run(move |c| organisations::replace_contacts(c, &writer, org, list))
                .await;
            match saved {
                // An htmx request gets the form as it now is, swapped in place.
                Ok(saved) if visitor.htmx => {
                    let rows = saved.into_iter().map(contact_line).collect();
                    let view = PageView::new(
                        "contacts.html",
                        CONTACTS_TITLE,
                        CONTACTS_PATH,
                        contacts_page(rows, FieldErrors::default()),
                    );
                    let done = view.notice(notice(Some("contacts-enregistres")));
                    return Ok(Exit::Page(done.render(&visitor, &caller, Status::Ok)));
                }
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "{CONTACTS_PATH}?fait=contacts-enregistres"
                    )))
                }
                Err(e) => return Err(visitor.problem(e.into())),
            }
        }
        Err(errors) => errors,
    };
    let view = PageView::new(
        "contacts.html",
        CONTACTS_TITLE,
        CONTACTS_PATH,
        contacts_page(rows, errors),
    );
    // htmx swaps only successful answers: its request gets the errors with a 200.
    let status = if visitor.htmx {
        Status::Ok
    } else {
        Status::UnprocessableEntity
    };
    Ok(Exit::Page(view.render(&visitor, &caller, status)))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![candidates, answer, contacts, save_contacts]
}
