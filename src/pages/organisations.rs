//! The structure's organisations (issue 19): the list (`/organisations`, filtered by kind,
//! paginated), a new organisation (`/organisations/new`) and an organisation's page with
//! who receives its reminders (`/organisations/{id}`, its contacts form posted to
//! `/organisations/{id}/contacts`). Every form calls the use case of the API route doing
//! the same thing (`app::organisations::validate` and `create_organisation`, as
//! `POST /api/v1/organisations`; `replace_contacts`, as
//! `PUT /api/v1/organisations/{id}/contacts`): no rule is written twice. Staff only.

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::organisations::{self as organisations, OrganisationInput};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::catalogue::{label, CodeList, ORGANISATION_KINDS, SIAE_KINDS};
use crate::domain::ids::OrganisationId;
use crate::domain::limits::{Code, Label};
use crate::domain::rule::Violation;
use crate::domain::territory::departement_name;
use crate::error::ApiError;
use crate::pages::candidates::{
    checked, contact_line, contacts_page, filled, read_contacts, ContactLine, ContactsForm,
    ContactsPage,
};
use crate::pages::{notice, Exit, FieldErrors, Html, PageView, Visitor};
use crate::store::organisations::{Contact, Organisation};

/// Organisations shown on a page of the list.
const PAGE_SIZE: i64 = 50;
const ORGANISATIONS_PATH: &str = "/organisations";
/// The fields of the new organisation form: a use case's error on another field is shown
/// above the form.
const FIELDS: &[&str] = &["kind", "name", "siret", "territory", "siae_kind"];

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

/// A territory (département code) with its name, as shown.
fn territory_words(code: Option<&str>) -> Option<String> {
    code.map(|c| match departement_name(c) {
        Some(name) => format!("{name} ({c})"),
        None => c.to_string(),
    })
}

/// An organisation as the pages show it.
#[derive(Serialize)]
struct OrgRow {
    id: i64,
    kind: &'static str,
    kind_label: &'static str,
    name: String,
    siret: Option<String>,
    /// Another identifier than a SIRET: its type and value.
    other_identifier: Option<String>,
    territory: Option<String>,
    siae_kind: Option<&'static str>,
    ess: bool,
}

fn org_row(o: &Organisation) -> OrgRow {
    let is_siret = o.identifier_type.as_deref() == Some("SIRET");
    OrgRow {
        id: o.id.0,
        kind: o.kind.as_str(),
        kind_label: o.kind.label(),
        name: o.name.clone(),
        siret: if is_siret { o.identifier.clone() } else { None },
        other_identifier: match (&o.identifier_type, &o.identifier) {
            (Some(t), Some(i)) if !is_siret => Some(format!("{t} {i}")),
            _ => None,
        },
        territory: territory_words(o.territory.as_deref()),
        siae_kind: o.siae_kind.map(|k| k.label()),
        ess: o.ess,
    }
}

// ---------------------------------------------------------------------------------------
// The list

#[derive(Serialize)]
struct OrganisationsPage {
    rows: Vec<OrgRow>,
    total: i64,
    page: i64,
    pages: i64,
    /// The kind filtered on (its code), empty for all.
    kind: String,
    kind_label: Option<&'static str>,
    kinds: Vec<Choice>,
}

/// GET /organisations?kind=&page= — staff: the structure's organisations, oldest first,
/// 50 a page, optionally of one kind.
#[rocket::get("/organisations?<kind>&<page>&<fait>")]
pub async fn list(
    visitor: Visitor,
    kind: Option<&str>,
    page: Option<&str>,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let page = page
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);
    // Only a kind of the list filters (anything else shows every organisation).
    let kind = filled(kind).and_then(|k| {
        ORGANISATION_KINDS
            .iter()
            .find(|(code, _)| *code == k)
            .map(|(code, _)| *code)
    });
    let sid = caller.structure_id;
    let (rows, total) = db
        .run(move |c| {
            organisations::list_organisations(c, sid, kind, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        })
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let data = OrganisationsPage {
        rows: rows.iter().map(org_row).collect(),
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        kind: kind.unwrap_or("").to_string(),
        kind_label: kind.and_then(|k| label(ORGANISATION_KINDS, k)),
        kinds: choices(ORGANISATION_KINDS),
    };
    let view = PageView::new(
        "organisations.html",
        "Organisations",
        ORGANISATIONS_PATH,
        data,
    );
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

// ---------------------------------------------------------------------------------------
// A new organisation

/// The new organisation form, as typed.
#[derive(FromForm, Default, Serialize, Clone)]
pub struct OrganisationForm {
    #[serde(skip)]
    csrf_token: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    siret: Option<String>,
    territory: Option<String>,
    siae_kind: Option<String>,
    /// The ESS checkbox ("on" when ticked).
    ess: Option<String>,
}

#[derive(Serialize)]
struct NewOrganisationPage {
    form: OrganisationForm,
    errors: FieldErrors,
    kinds: Vec<Choice>,
    siae_kinds: Vec<Choice>,
}

fn new_organisation_page(
    visitor: &Visitor,
    caller: &Caller,
    form: OrganisationForm,
    errors: FieldErrors,
    status: Status,
) -> Html {
    let data = NewOrganisationPage {
        form,
        errors,
        kinds: choices(ORGANISATION_KINDS),
        siae_kinds: choices(SIAE_KINDS),
    };
    PageView::new(
        "organisation_new.html",
        "Nouvelle organisation",
        ORGANISATIONS_PATH,
        data,
    )
    .render(visitor, caller, status)
}

/// GET /organisations/new — staff: the form of a new organisation.
#[rocket::get("/organisations/new?<kind>")]
pub async fn new_organisation(visitor: Visitor, kind: Option<&str>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let form = OrganisationForm {
        kind: filled(kind).map(str::to_string),
        ..Default::default()
    };
    Ok(new_organisation_page(
        &visitor,
        &caller,
        form,
        FieldErrors::default(),
        Status::Ok,
    ))
}

/// The creation input of a form, each field in its length class (a missing or refused one
/// empty), with the broken rules of the form itself (a required field left empty, a field
/// too long); the use case (`organisations::validate`) checks the rest.
fn read_organisation(f: &OrganisationForm) -> (OrganisationInput, Vec<Violation>) {
    let mut errors = Vec::new();
    for (field, value) in [("kind", &f.kind), ("name", &f.name)] {
        if filled(value.as_deref()).is_none() {
            errors.push(Violation::new(field, "required"));
        }
    }
    let input = OrganisationInput {
        kind: checked::<Code>("kind", f.kind.as_deref(), &mut errors).unwrap_or_default(),
        name: checked::<Label>("name", f.name.as_deref(), &mut errors).unwrap_or_default(),
        siret: checked::<Code>("siret", f.siret.as_deref(), &mut errors),
        identifier_type: None,
        identifier: None,
        territory: checked::<Code>("territory", f.territory.as_deref(), &mut errors),
        siae_kind: checked::<Code>("siae_kind", f.siae_kind.as_deref(), &mut errors),
        ess: Some(f.ess.is_some()),
    };
    (input, errors)
}

/// A refused creation's errors beside the form's fields: the identifier's (a SIRET
/// another organisation holds) beside the SIRET, any other field's above the form.
fn creation_errors(e: &ApiError) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (field, message) in FieldErrors::of_problem(e).0 {
        let field = match field.as_str() {
            "identifier" | "identifier_type" => "siret",
            f if FIELDS.contains(&f) => f,
            _ => "",
        };
        out.0.entry(field.to_string()).or_insert(message);
    }
    out
}

/// POST /organisations/new — staff: records the organisation (the use case of
/// `POST /api/v1/organisations`), then its page; refused, the form again with each error
/// beside its field (422, or 409 for a SIRET another organisation holds), nothing stored.
#[rocket::post("/organisations/new", data = "<form>")]
pub async fn create_organisation(
    visitor: Visitor,
    form: Option<Form<OrganisationForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let (input, mut broken) = read_organisation(&form);
    let refused: ApiError = match organisations::validate(input) {
        Ok(new) if broken.is_empty() => {
            let sid = caller.structure_id;
            match db
                .run(move |c| organisations::create_organisation(c, sid, new))
                .await
            {
                Ok(done) => {
                    return Ok(Exit::see_other(format!(
                        "/organisations/{}?fait=organisation-creee",
                        done.id.0
                    )))
                }
                Err(e) => e.into(),
            }
        }
        Ok(_) => AppError::Invalid(broken).into(),
        // Every broken rule at once: the form's own first (a field left empty is said
        // to be required, not empty or unknown), then the use case's on other fields.
        Err(AppError::Invalid(rules)) => {
            for rule in rules {
                if !broken.iter().any(|b| b.field == rule.field) {
                    broken.push(rule);
                }
            }
            AppError::Invalid(broken).into()
        }
        Err(e) => e.into(),
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(visitor.problem(refused));
    }
    let errors = creation_errors(&refused);
    let status = Status::from_code(refused.status).unwrap_or(Status::UnprocessableEntity);
    Ok(Exit::Page(new_organisation_page(
        &visitor, &caller, form, errors, status,
    )))
}

// ---------------------------------------------------------------------------------------
// An organisation and its contacts

#[derive(Serialize)]
struct OrganisationPage {
    org: OrgRow,
    contacts: ContactsPage,
    /// How many contacts are saved (the form shows empty rows too).
    saved: usize,
    /// Its correction link and history (`pages::corrections_records`).
    corrections: crate::pages::corrections_records::OrganisationSection,
}

/// The organisation of the structure and its contacts (another structure's: not found).
async fn organisation_of(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: OrganisationId,
) -> Result<
    (
        Organisation,
        Vec<Contact>,
        crate::pages::corrections_records::OrganisationSection,
    ),
    Exit,
> {
    let reader = caller.clone();
    db.run(move |c| {
        let org = organisations::organisation(c, reader.structure_id, id)?;
        let contacts = organisations::contacts(c, &reader, id)?;
        let corrections = crate::pages::corrections_records::organisation_section(c, &reader, id)?;
        Ok::<_, AppError>((org, contacts, corrections))
    })
    .await
    .map_err(|e| visitor.problem(e.into()))
}

#[allow(clippy::too_many_arguments)]
fn organisation_page(
    visitor: &Visitor,
    caller: &Caller,
    org: &Organisation,
    contacts: ContactsPage,
    saved: usize,
    status: Status,
    fait: Option<&str>,
    corrections: crate::pages::corrections_records::OrganisationSection,
) -> Html {
    let data = OrganisationPage {
        org: org_row(org),
        contacts,
        saved,
        corrections,
    };
    PageView::new("organisation.html", &org.name, ORGANISATIONS_PATH, data)
        .notice(notice(fait))
        .render(visitor, caller, status)
}

/// GET /organisations/{id} — staff: the organisation and who receives its reminders, as a
/// form to change them.
#[rocket::get("/organisations/<id>?<fait>")]
pub async fn show(
    visitor: Visitor,
    id: OrganisationId,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let (org, contacts, corrections) = organisation_of(&visitor, &caller, db, id).await?;
    let saved = contacts.len();
    let rows = contacts.into_iter().map(contact_line).collect();
    Ok(organisation_page(
        &visitor,
        &caller,
        &org,
        contacts_page(rows, FieldErrors::default()),
        saved,
        Status::Ok,
        fait,
        corrections,
    ))
}

/// POST /organisations/{id}/contacts — staff: replaces who receives the organisation's
/// reminders, all rows at once (the use case of `PUT /api/v1/organisations/{id}/contacts`);
/// an invalid row saves nothing and comes back with its error beside it (422).
#[rocket::post("/organisations/<id>/contacts", data = "<form>")]
pub async fn save_contacts(
    visitor: Visitor,
    id: OrganisationId,
    form: Option<Form<ContactsForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    // Another structure's organisation is unknown, whatever the form holds.
    let (org, current, corrections) = organisation_of(&visitor, &caller, db, id).await?;
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
            return match db
                .run(move |c| organisations::replace_contacts(c, &writer, id, list))
                .await
            {
                Ok(_) => Ok(Exit::see_other(format!(
                    "/organisations/{}?fait=contacts-enregistres",
                    id.0
                ))),
                Err(e) => Err(visitor.problem(e.into())),
            };
        }
        Err(errors) => errors,
    };
    Ok(Exit::Page(organisation_page(
        &visitor,
        &caller,
        &org,
        contacts_page(rows, errors),
        current.len(),
        Status::UnprocessableEntity,
        None,
        corrections,
    )))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        list,
        new_organisation,
        create_organisation,
        show,
        save_contacts
    ]
}
