//! The facilitator's contracts and clauses (issue 19): the structure's contracts
//! (`/contracts`), a new contract (`/contracts/new`), a contract with its clauses
//! (`/contracts/{id}`), a new clause with its live calibration preview
//! (`/contracts/{id}/clauses/new`, the preview fragment `/contracts/{id}/clauses/preview`),
//! and a clause's page (`/clauses/{id}`: progress, assignments, status changes, milestones).
//! Every form calls the use case of the API route doing the same thing
//! (`app::contracts::create_contract`, `app::clauses::preview_calibration`,
//! `create_clause`, `assign_hours`, `change_status`, `app::reminders::add_milestone`,
//! `mark_milestone_done`): no rule is written twice. Staff only.

use chrono::NaiveDate;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::clauses::{self as clauses, AssignmentInput, ClauseChange, ClauseInput};
use crate::app::contracts::{self as contracts, ContractInput};
use crate::app::{organisations, progress, reminders, AppError};
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::config::Config;
use crate::db::Db;
use crate::domain::calibration::{format_hundredths_fr, CalibrationRequest, CalibrationResult};
use crate::domain::catalogue::CLAUSE_KIND_DESCRIPTIONS;
use crate::domain::catalogue::{label, CodeList, CLAUSE_KINDS};
use crate::domain::ids::{ClauseId, ContractId, OrganisationId};
use crate::domain::limits::{Code, FreeText, TextError};
use crate::domain::rule::Violation;
use crate::domain::units::{parse_hundredths, Hundredths};
use crate::domain::vocabulary::{AssignmentRole, ClauseStatus, OrganisationKind};
use crate::error::ApiError;
use crate::pages::candidates;
use crate::pages::contractor::{role_words, status_words};
use crate::pages::corrections::{
    field_views, filtering, row_error_key, rows_typed, values_posted, FieldView, Filter, Values,
};
use crate::pages::corrections_records::lots_field;
use crate::pages::{notice, parse_hours_input, render, Exit, FieldErrors, Html, PageView, Visitor};
use crate::store::clauses::ClauseView;
use crate::store::contracts::ContractView;

/// Contracts shown on a page of the list.
const PAGE_SIZE: i64 = 50;
/// Most organisations offered in a choice (buyers, contractors); past them, a filter.
const CHOICES_MAX: usize = crate::pages::corrections_records::ORG_CHOICES_MAX;
/// Most milestones shown on a clause's page.
const MILESTONES_MAX: i64 = 200;

const CONTRACTS_PATH: &str = "/contracts";

/// The kinds of purchase, in French.
const CONTRACT_KIND_LABELS: &CodeList = &[
    ("works", "Travaux"),
    ("services", "Services"),
    ("supplies", "Fournitures"),
];

/// The calibration methods, in French.
pub(crate) const METHOD_LABELS: &CodeList = &[
    (
        "labour_share",
        "Part de main-d'œuvre : montant × part de main-d'œuvre × taux d'insertion ÷ coût horaire",
    ),
    ("per_amount", "Une heure d'insertion par tranche de montant"),
    ("fixed", "Nombre d'heures fixé, avec sa justification"),
];

/// The reporting frequencies, in French.
const FREQUENCY_LABELS: &CodeList = &[("monthly", "Mensuelle"), ("quarterly", "Trimestrielle")];

/// A choice of a select: its code and its French label (and, for clause kinds, what the
/// kind is for).
#[derive(Serialize)]
struct Choice {
    code: String,
    label: String,
    description: Option<&'static str>,
}

fn choices(list: &CodeList) -> Vec<Choice> {
    list.iter()
        .map(|(code, label)| Choice {
            code: code.to_string(),
            label: label.to_string(),
            description: crate::domain::catalogue::label(CLAUSE_KIND_DESCRIPTIONS, code),
        })
        .collect()
}

/// Cents as euros written the French way: "1 000 000 €", "1 234,50 €".
pub fn euros(cents: i64) -> String {
    format!("{}\u{a0}€", format_hundredths_fr(cents, cents % 100 != 0))
}

/// A date in French words ("5 janvier 2026").
fn date_fr(d: NaiveDate) -> String {
    crate::domain::next_action::format_date_fr(d)
}

/// The French words of a clause's status.
fn clause_status_words(status: ClauseStatus) -> &'static str {
    match status {
        ClauseStatus::Draft => "Brouillon",
        ClauseStatus::Active => "Active",
        ClauseStatus::Completed => "Terminée",
        ClauseStatus::Cancelled => "Annulée",
    }
}

/// The class of a clause status's badge.
fn clause_status_class(status: ClauseStatus) -> &'static str {
    match status {
        ClauseStatus::Draft => "waiting",
        ClauseStatus::Active | ClauseStatus::Completed => "ok",
        ClauseStatus::Cancelled => "late",
    }
}

/// The French words of a milestone's state, and the class of its badge.
fn milestone_state_words(state: &str) -> (&'static str, &'static str) {
    match state {
        "done" => ("Fait", "ok"),
        "due" => ("À faire bientôt", "waiting"),
        "overdue" => ("En retard", "late"),
        _ => ("À venir", ""),
    }
}

// ---------------------------------------------------------------------------------------
// Reading forms

/// A filled text field, trimmed; `None` when empty (the pages' one rule, `candidates::filled`).
fn filled(value: &Option<String>) -> Option<&str> {
    candidates::filled(value.as_deref())
}

/// Whether a required field is empty: the refusal is written then.
fn missing(
    field: &str,
    value: &Option<String>,
    required: bool,
    errors: &mut Vec<Violation>,
) -> bool {
    let empty = filled(value).is_none();
    if empty && required {
        errors.push(Violation::new(field, "required"));
    }
    empty
}

/// A filled text field in its length class (`required`: an empty one is refused).
fn text<T: TryFrom<String, Error = TextError>>(
    field: &str,
    value: &Option<String>,
    required: bool,
    errors: &mut Vec<Violation>,
) -> Option<T> {
    if missing(field, value, required, errors) {
        return None;
    }
    candidates::checked(field, value.as_deref(), errors)
}

/// A date typed `AAAA-MM-JJ` (what a date input sends), within the dates a body may carry.
fn date(
    field: &str,
    value: &Option<String>,
    required: bool,
    errors: &mut Vec<Violation>,
) -> Option<NaiveDate> {
    if missing(field, value, required, errors) {
        return None;
    }
    candidates::date_field(field, value.as_deref(), errors)
}

/// An amount or a percentage typed the French way ("1 250 000", "12,5", "1 234,50 €"), in
/// hundredths; spaces and the euro sign are ignored.
pub(crate) fn number(
    field: &str,
    value: &Option<String>,
    required: bool,
    errors: &mut Vec<Violation>,
) -> Option<Hundredths> {
    let Some(v) = filled(value) else {
        if required {
            errors.push(Violation::new(field, "required"));
        }
        return None;
    };
    let bare: String = v
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '€'))
        .collect();
    match parse_hundredths(&bare) {
        Some(h) if !bare.starts_with('-') => Some(Hundredths(h)),
        _ => {
            errors.push(Violation::new(field, "number_input_invalid"));
            None
        }
    }
}

/// Hours typed the French way ("833", "35,5"), in hundredths.
fn hours(
    field: &str,
    value: &Option<String>,
    required: bool,
    errors: &mut Vec<Violation>,
) -> Option<Hundredths> {
    match parse_hours_input(value.as_deref().unwrap_or("")) {
        Ok(Some(h)) => Some(Hundredths(h)),
        Ok(None) => {
            if required {
                errors.push(Violation::new(field, "required"));
            }
            None
        }
        Err(code) => {
            errors.push(Violation::new(field, code));
            None
        }
    }
}

/// The id of an organisation chosen in a select.
fn chosen_org(
    field: &str,
    value: &Option<String>,
    errors: &mut Vec<Violation>,
) -> Option<OrganisationId> {
    let Some(v) = filled(value) else {
        errors.push(Violation::new(field, "required"));
        return None;
    };
    match v.parse::<i64>() {
        Ok(id) => Some(OrganisationId(id)),
        Err(_) => {
            errors.push(Violation::new(field, "required"));
            None
        }
    }
}

/// A refused use case's errors by the form's field names: `prefix.` taken off (the
/// calibration's fields are named `calibration.…` by the use case, bare in the form).
fn errors_of(e: &ApiError, prefix: &str) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (field, message) in FieldErrors::of_problem(e).0 {
        let field = field.strip_prefix(prefix).unwrap_or(&field).to_string();
        out.0.entry(field).or_insert(message);
    }
    out
}

/// The status of a refused form's page: that of its problem (422, 409), else 422.
fn refused_status(e: &ApiError) -> Status {
    Status::from_code(e.status).unwrap_or(Status::UnprocessableEntity)
}

// ---------------------------------------------------------------------------------------
// Contracts

#[derive(Serialize)]
struct ContractRow {
    id: i64,
    reference: String,
    title: String,
    buyer_name: String,
    kind: &'static str,
    amount: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
}

fn contract_row(c: &ContractView) -> ContractRow {
    ContractRow {
        id: c.id.0,
        reference: c.reference.clone(),
        title: c.title.clone(),
        buyer_name: c.buyer_name.clone(),
        kind: label(CONTRACT_KIND_LABELS, c.kind.as_str()).unwrap_or(""),
        amount: c.current_amount_eur.map(euros),
        starts_on: c.starts_on.map(date_fr),
        ends_on: c.current_ends_on.map(date_fr),
    }
}

#[derive(Serialize)]
struct ContractsPage {
    rows: Vec<ContractRow>,
    total: i64,
    page: i64,
    pages: i64,
}

/// GET /contracts?page= — staff: the structure's contracts, newest first, 50 a page.
#[rocket::get("/contracts?<page>&<fait>")]
pub async fn list(
    visitor: Visitor,
    page: Option<&str>,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let page = page
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);
    let sid = caller.structure_id;
    let (rows, total) = db
        .run(move |c| contracts::list_contracts(c, sid, None, PAGE_SIZE, (page - 1) * PAGE_SIZE))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let data = ContractsPage {
        rows: rows.iter().map(contract_row).collect(),
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
    };
    let view = PageView::new("contracts.html", "Marchés", CONTRACTS_PATH, data);
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

/// The new contract form, as typed (its lots are read from the posted values).
#[derive(Default, Serialize, Clone)]
pub struct ContractForm {
    buyer_id: Option<String>,
    reference: Option<String>,
    title: Option<String>,
    kind: Option<String>,
    cpv_code: Option<String>,
    amount_eur: Option<String>,
    notified_on: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
    holder_id: Option<String>,
    /// The checkbox "clause sociale" (`social_considerations` holds `clause_sociale`).
    clause_sociale: Option<String>,
    /// The checkbox "clause environnementale" (`environmental_considerations`).
    clause_environnementale: Option<String>,
    /// The checkbox "critère environnemental" (`environmental_considerations`).
    critere_environnemental: Option<String>,
    /// What the filters of the buyer's and the holder's selects hold.
    buyer_id_q: Option<String>,
    holder_id_q: Option<String>,
}

impl ContractForm {
    /// The form as posted.
    fn of(values: &Values) -> ContractForm {
        let get = |name: &str| values.get(name).and_then(|v| v.first()).cloned();
        ContractForm {
            buyer_id: get("buyer_id"),
            reference: get("reference"),
            title: get("title"),
            kind: get("kind"),
            cpv_code: get("cpv_code"),
            amount_eur: get("amount_eur"),
            notified_on: get("notified_on"),
            starts_on: get("starts_on"),
            ends_on: get("ends_on"),
            holder_id: get("holder_id"),
            clause_sociale: get("clause_sociale"),
            clause_environnementale: get("clause_environnementale"),
            critere_environnemental: get("critere_environnemental"),
            buyer_id_q: get("buyer_id_q"),
            holder_id_q: get("holder_id_q"),
        }
    }
}

/// The lots of a new contract, as the API reads them.
#[derive(serde::Deserialize)]
struct LotsBody {
    lots: Vec<crate::app::contracts::LotInput>,
}

/// An organisation offered in a select.
#[derive(Serialize)]
struct OrgChoice {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct NewContractPage {
    form: ContractForm,
    errors: FieldErrors,
    buyers: Vec<OrgChoice>,
    buyer_filter: Option<Filter>,
    contractors: Vec<OrgChoice>,
    holder_filter: Option<Filter>,
    kinds: Vec<Choice>,
    /// The lots' lines (one field: `record_fields` draws it).
    lots: Vec<FieldView>,
    /// A select has a filter: the form's first button is its main one (hidden).
    filtered: bool,
}

/// The structure's buyers (else contractors and insertion structures), by name, for a
/// select: at most `CHOICES_MAX`, narrowed by what its filter holds, `keep` (the one
/// chosen) always among them; and the filter to show.
async fn org_choices(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    buyers: bool,
    query: Option<&str>,
    keep: Option<&str>,
) -> Result<(Vec<OrgChoice>, Option<Filter>), Exit> {
    let sid = caller.structure_id;
    let kinds: &'static [OrganisationKind] = if buyers {
        &[OrganisationKind::Buyer]
    } else {
        &[
            OrganisationKind::Contractor,
            OrganisationKind::InsertionStructure,
        ]
    };
    let query = query.unwrap_or("").trim().to_string();
    let keep: Vec<OrganisationId> = keep
        .and_then(|k| k.trim().parse().ok())
        .map(OrganisationId)
        .into_iter()
        .collect();
    let q = query.clone();
    let found = db
        .run(move |c| organisations::org_choices(c, sid, kinds, &q, &keep, CHOICES_MAX))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let list = found
        .list
        .into_iter()
        .map(|o| OrgChoice {
            id: o.id.0,
            name: o.name,
        })
        .collect();
    Ok((list, Filter::of(&query, found.more, CHOICES_MAX)))
}

async fn new_contract_page(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    form: ContractForm,
    values: &Values,
    errors: FieldErrors,
    status: Status,
) -> Result<Html, Exit> {
    let (buyers, buyer_filter) = org_choices(
        visitor,
        caller,
        db,
        true,
        form.buyer_id_q.as_deref(),
        form.buyer_id.as_deref(),
    )
    .await?;
    let (contractors, holder_filter) = org_choices(
        visitor,
        caller,
        db,
        false,
        form.holder_id_q.as_deref(),
        form.holder_id.as_deref(),
    )
    .await?;
    let data = NewContractPage {
        form,
        errors,
        filtered: buyer_filter.is_some() || holder_filter.is_some(),
        buyers,
        buyer_filter,
        contractors,
        holder_filter,
        kinds: choices(CONTRACT_KIND_LABELS),
        lots: field_views(&[lots_field()], values),
    };
    let view = PageView::new("contract_new.html", "Nouveau marché", CONTRACTS_PATH, data);
    Ok(view.render(visitor, caller, status))
}

/// GET /contracts/new — staff: the form of a new contract.
#[rocket::get("/contracts/new")]
pub async fn new_contract(visitor: Visitor, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let form = ContractForm {
        kind: Some("works".into()),
        clause_sociale: Some("on".into()),
        ..Default::default()
    };
    new_contract_page(
        &visitor,
        &caller,
        db,
        form,
        &Values::new(),
        FieldErrors::default(),
        Status::Ok,
    )
    .await
}

/// The contract of a form, or every broken rule of its fields; with the form's line of each
/// lot sent (the API names a lot by its place in the list sent: `lots[0]`).
fn read_contract(
    f: &ContractForm,
    values: &Values,
) -> (Result<ContractInput, ApiError>, Vec<usize>) {
    let mut errors = Vec::new();
    let lots = match rows_typed(&lots_field(), values) {
        Ok(kept) => Some(kept),
        Err(list) => {
            errors.extend(list);
            None
        }
    };
    let lines: Vec<usize> = lots.iter().flatten().map(|(i, _)| *i).collect();
    let buyer_id = chosen_org("buyer_id", &f.buyer_id, &mut errors);
    let reference = text::<Code>("reference", &f.reference, true, &mut errors);
    let title = text("title", &f.title, true, &mut errors);
    let kind = text::<Code>("kind", &f.kind, true, &mut errors);
    let cpv_code = text::<Code>("cpv_code", &f.cpv_code, false, &mut errors);
    let amount_eur = number("amount_eur", &f.amount_eur, false, &mut errors);
    let notified_on = date("notified_on", &f.notified_on, false, &mut errors);
    let starts_on = date("starts_on", &f.starts_on, false, &mut errors);
    let ends_on = date("ends_on", &f.ends_on, false, &mut errors);
    let holder_ids = match filled(&f.holder_id) {
        Some(_) => chosen_org("holder_id", &f.holder_id, &mut errors)
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    let social = match filled(&f.clause_sociale) {
        Some(_) => vec![Code::try_from("clause_sociale".to_string()).unwrap_or_default()],
        None => Vec::new(),
    };
    let environmental = environmental_of(f);
    let lots = lots.map(|kept| {
        let body =
            serde_json::json!({"lots": kept.into_iter().map(|(_, v)| v).collect::<Vec<_>>()});
        crate::api::body::parse_json::<LotsBody>(body.to_string().as_bytes())
    });
    let input = match (buyer_id, reference, title, kind, lots) {
        (_, _, _, _, Some(Err(e))) => Err(e),
        (Some(buyer_id), Some(reference), Some(title), Some(kind), Some(Ok(lots)))
            if errors.is_empty() =>
        {
            Ok(ContractInput {
                buyer_id,
                reference,
                title,
                kind,
                cpv_code,
                amount_eur,
                notified_on,
                starts_on,
                ends_on,
                duration_months: None,
                social_considerations: social,
                environmental_considerations: environmental,
                lots: lots.lots,
                holder_ids,
            })
        }
        _ => Err(AppError::Invalid(errors).into()),
    };
    (input, lines)
}

/// POST /contracts/new — staff: records the contract (the use case of
/// `POST /api/v1/contracts`), then its page; refused, the form again with each error beside
/// its field (422, or 409 for a reference the buyer already has), nothing stored.
#[rocket::post("/contracts/new", data = "<body>")]
pub async fn create_contract(
    visitor: Visitor,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let values = values_posted(&body);
    let token = values.get("csrf_token").and_then(|t| t.first());
    visitor.check_form(&origin, &caller, token.map(String::as_str))?;
    let form = ContractForm::of(&values);
    if filtering(["buyer_id", "holder_id"], &values) {
        // A select narrowed, everything else as typed; nothing written.
        let page = new_contract_page(
            &visitor,
            &caller,
            db,
            form,
            &values,
            FieldErrors::default(),
            Status::Ok,
        )
        .await?;
        return Ok(Exit::Page(page));
    }
    let (input, lines) = read_contract(&form, &values);
    let refused: ApiError = match input {
        Ok(input) => {
            let sid = caller.structure_id;
            match db
                .run(move |c| contracts::create_contract(c, sid, input))
                .await
            {
                Ok(done) => {
                    return Ok(Exit::see_other(format!(
                        "/contracts/{}?fait=contrat-cree",
                        done.id.0
                    )))
                }
                Err(e) => e.into(),
            }
        }
        Err(e) => e,
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(visitor.problem(refused));
    }
    // A lot's error beside its line of the form.
    let lots = [lots_field()];
    let lines = std::collections::BTreeMap::from([("lots", lines)]);
    let mut errors = FieldErrors::default();
    for (field, message) in errors_of(&refused, "").0 {
        let key = row_error_key(&field, &lots, &lines).unwrap_or(field);
        errors.0.entry(key).or_insert(message);
    }
    // The holder is one select in the form, the first of the API's list.
    if let Some(m) = errors.0.remove("holder_ids[0]") {
        errors.0.insert("holder_id".into(), m);
    }
    if let Some(m) = errors.0.remove("social_considerations[0]") {
        errors.0.insert("clause_sociale".into(), m);
    }
    let status = refused_status(&refused);
    let page = new_contract_page(&visitor, &caller, db, form, &values, errors, status).await?;
    Ok(Exit::Page(page))
}

#[derive(Serialize)]
struct ClauseRow {
    id: i64,
    kind: &'static str,
    status: &'static str,
    status_code: &'static str,
    status_class: &'static str,
    lot_number: Option<i32>,
    /// None without an hour target.
    required_hours: Option<i64>,
    assigned_hours: i64,
    starts_on: String,
    ends_on: String,
}

fn clause_row(c: &ClauseView) -> ClauseRow {
    ClauseRow {
        id: c.id.0,
        kind: label(CLAUSE_KINDS, c.kind.as_str()).unwrap_or(""),
        status: clause_status_words(c.status),
        status_code: c.status.as_str(),
        status_class: clause_status_class(c.status),
        lot_number: c.lot_number,
        required_hours: c.required_hours,
        assigned_hours: c.assigned_hours.unwrap_or(0),
        starts_on: date_fr(c.starts_on),
        ends_on: date_fr(c.ends_on),
    }
}

#[derive(Serialize)]
struct ContractPage {
    contract: ContractRow,
    cpv_code: Option<String>,
    notified_on: Option<String>,
    notified_amount: Option<String>,
    holders: Vec<String>,
    social_clause: bool,
    /// French labels of the environmental considerations (issue 20).
    environmental: Vec<&'static str>,
    clauses: Vec<ClauseRow>,
    /// Corrections, amendments and history (`pages::corrections_records`).
    corrections: crate::pages::corrections_records::ContractSection,
}

/// GET /contracts/{id} — staff: the contract, its clauses, the link to add one.
#[rocket::get("/contracts/<id>?<fait>")]
pub async fn show_contract(
    visitor: Visitor,
    id: ContractId,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let sid = caller.structure_id;
    let who = caller.clone();
    let (contract, list, corrections) = db
        .run(move |c| {
            let contract = contracts::contract_view(c, sid, id, None)?;
            let list = clauses::clauses_of_contract(c, sid, id)?;
            let corrections =
                crate::pages::corrections_records::contract_section(c, &who, &contract)?;
            Ok::<_, AppError>((contract, list, corrections))
        })
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let title = format!("Marché {}", contract.reference);
    let data = ContractPage {
        contract: contract_row(&contract),
        cpv_code: contract.cpv_code.clone(),
        notified_on: contract.notified_on.map(date_fr),
        notified_amount: contract
            .amount_eur
            .filter(|a| Some(*a) != contract.current_amount_eur)
            .map(euros),
        holders: contract.holder_names.clone(),
        social_clause: contract
            .social_considerations
            .iter()
            .any(|s| s == "clause_sociale"),
        environmental: environmental_labels(&contract.environmental_considerations),
        clauses: list.iter().map(clause_row).collect(),
        corrections,
    };
    let view = PageView::new("contract.html", &title, CONTRACTS_PATH, data);
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

// ---------------------------------------------------------------------------------------
// New clause with its calibration preview

/// The new clause form, as typed (its fields named as the API's).
#[derive(FromForm, Default, Serialize, Clone)]
pub struct ClauseForm {
    #[serde(skip)]
    csrf_token: Option<String>,
    /// `calculer`: only the preview, nothing stored.
    #[serde(skip)]
    action: Option<String>,
    kind: Option<String>,
    method: Option<String>,
    amount_eur: Option<String>,
    labour_share_percent: Option<String>,
    cpv_code: Option<String>,
    insertion_rate_percent: Option<String>,
    hourly_cost_eur: Option<String>,
    euros_per_hour: Option<String>,
    hours: Option<String>,
    justification: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
    reporting_frequency: Option<String>,
    penalty_per_missing_hour_eur: Option<String>,
    territory: Option<String>,
    /// Reserved contract: its article.
    legal_basis: Option<String>,
    /// Award criterion: its weighting (%) and the hours committed in the winning offer.
    weighting_percent: Option<String>,
    committed_hours: Option<String>,
    /// Insertion purpose: its target in persons.
    target_persons: Option<String>,
}

/// The calibration of a form, or every broken rule of its fields.
fn read_calibration(f: &ClauseForm) -> Result<CalibrationRequest, Vec<Violation>> {
    let mut errors = Vec::new();
    let method = filled(&f.method).unwrap_or("");
    let request = match method {
        "labour_share" => {
            let amount_eur = number("amount_eur", &f.amount_eur, true, &mut errors);
            let labour_share_percent = number(
                "labour_share_percent",
                &f.labour_share_percent,
                false,
                &mut errors,
            );
            let cpv_code = text::<Code>("cpv_code", &f.cpv_code, false, &mut errors);
            let rate = number(
                "insertion_rate_percent",
                &f.insertion_rate_percent,
                true,
                &mut errors,
            );
            let cost = number("hourly_cost_eur", &f.hourly_cost_eur, true, &mut errors);
            match (rate, cost) {
                (Some(insertion_rate_percent), Some(hourly_cost_eur)) => {
                    Some(CalibrationRequest::LabourShare {
                        amount_eur,
                        labour_share_percent,
                        cpv_code,
                        insertion_rate_percent,
                        hourly_cost_eur,
                        lots: None,
                    })
                }
                _ => None,
            }
        }
        "per_amount" => {
            let amount = number("amount_eur", &f.amount_eur, true, &mut errors);
            let per = number("euros_per_hour", &f.euros_per_hour, true, &mut errors);
            match (amount, per) {
                (Some(amount_eur), Some(euros_per_hour)) => Some(CalibrationRequest::PerAmount {
                    amount_eur,
                    euros_per_hour,
                }),
                _ => None,
            }
        }
        "fixed" => {
            let h = hours("hours", &f.hours, true, &mut errors);
            let justification =
                text::<FreeText>("justification", &f.justification, false, &mut errors);
            h.map(|hours| CalibrationRequest::Fixed {
                hours,
                justification,
            })
        }
        other => {
            errors.push(
                Violation::new("method", "value_not_allowed")
                    .with("got", candidates::shown(other))
                    .with("allowed", "labour_share, per_amount, fixed"),
            );
            None
        }
    };
    match request {
        Some(r) if errors.is_empty() => Ok(r),
        _ => Err(errors),
    }
}

/// The clause of a form, or every broken rule of its fields.
fn read_clause(f: &ClauseForm, caller: &Caller) -> Result<ClauseInput, Vec<Violation>> {
    let mut errors = Vec::new();
    // No method chosen: no calibration (a reserved contract, a target in persons only).
    let calibration = match filled(&f.method) {
        None => Some(None),
        Some(_) => read_calibration(f)
            .map_err(|mut e| errors.append(&mut e))
            .ok()
            .map(Some),
    };
    let kind = text::<Code>("kind", &f.kind, true, &mut errors);
    let legal_basis = text::<Code>("legal_basis", &f.legal_basis, false, &mut errors);
    let weighting_percent = whole("weighting_percent", &f.weighting_percent, &mut errors);
    let committed_hours = hours("committed_hours", &f.committed_hours, false, &mut errors);
    let target_persons = whole("target_persons", &f.target_persons, &mut errors);
    let starts_on = date("starts_on", &f.starts_on, true, &mut errors);
    let ends_on = date("ends_on", &f.ends_on, true, &mut errors);
    let frequency = text::<Code>(
        "reporting_frequency",
        &f.reporting_frequency,
        false,
        &mut errors,
    );
    let penalty = number(
        "penalty_per_missing_hour_eur",
        &f.penalty_per_missing_hour_eur,
        false,
        &mut errors,
    );
    let territory = text::<Code>("territory", &f.territory, false, &mut errors);
    match (calibration, kind, starts_on, ends_on) {
        (Some(calibration), Some(kind), Some(starts_on), Some(ends_on)) if errors.is_empty() => {
            Ok(ClauseInput {
                kind,
                lot_number: None,
                calibration,
                hours_override: None,
                override_justification: None,
                starts_on,
                ends_on,
                reporting_frequency: frequency
                    .unwrap_or_else(|| Code::try_from("monthly".to_string()).unwrap_or_default()),
                penalty_per_missing_hour_eur: penalty,
                // The person who writes the clause follows it, until the clause is corrected.
                referent_id: Some(caller.user_id),
                territory,
                legal_basis,
                weighting_percent,
                committed_hours,
                target_persons,
            })
        }
        _ => Err(errors),
    }
}

/// A whole number typed in a form field (empty: none), or its refusal.
fn whole(field: &str, value: &Option<String>, errors: &mut Vec<Violation>) -> Option<i32> {
    let typed = filled(value)?;
    match typed
        .replace([' ', '\u{a0}', '\u{202f}'], "")
        .parse::<i32>()
    {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(Violation::new(field, "number_input_invalid"));
            None
        }
    }
}

/// What the preview shows: the hours and the explanation, or why they cannot be computed.
#[derive(Serialize, Default)]
struct Preview {
    hours: Option<i64>,
    explanation: Option<String>,
    /// The calibration's fields not filled yet or refused, in French.
    problems: Vec<String>,
}

/// The preview of a form's calibration (the use case of `POST /api/v1/calibrations`).
async fn preview_of(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    contract_id: ContractId,
    f: &ClauseForm,
) -> Result<Preview, Exit> {
    let sid = caller.structure_id;
    if filled(&f.method).is_none() {
        return Ok(Preview::default());
    }
    let request = read_calibration(f);
    let result: Result<Option<CalibrationResult>, AppError> = db
        .run(move |c| {
            contracts::contract_view(c, sid, contract_id, None)?;
            match request {
                Ok(r) => clauses::preview_calibration(c, sid, &r).map(Some),
                Err(broken) => Err(AppError::Invalid(broken)),
            }
        })
        .await;
    Ok(match result {
        Ok(Some(r)) => Preview {
            hours: Some(r.hours * 100),
            explanation: Some(r.explanation),
            problems: Vec::new(),
        },
        Ok(None) => Preview::default(),
        Err(e) => {
            let problem: ApiError = e.into();
            if problem.status == 404 {
                return Err(visitor.problem(problem));
            }
            Preview {
                problems: FieldErrors::of_problem(&problem).0.into_values().collect(),
                ..Preview::default()
            }
        }
    })
}

#[derive(Serialize)]
struct NewClausePage {
    contract: ContractRow,
    form: ClauseForm,
    errors: FieldErrors,
    preview: Preview,
    kinds: Vec<Choice>,
    methods: Vec<Choice>,
    frequencies: Vec<Choice>,
    legal_bases: Vec<Choice>,
}

#[allow(clippy::too_many_arguments)]
async fn new_clause_page(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    contract: ContractView,
    form: ClauseForm,
    errors: FieldErrors,
    preview: Preview,
    status: Status,
) -> Html {
    let title = format!("Nouvelle clause du marché {}", contract.reference);
    let data = NewClausePage {
        contract: contract_row(&contract),
        form,
        errors,
        preview,
        kinds: choices(CLAUSE_KINDS),
        methods: choices(METHOD_LABELS)
            .into_iter()
            .map(|c| Choice {
                description: None,
                ..c
            })
            .collect(),
        frequencies: choices(FREQUENCY_LABELS)
            .into_iter()
            .map(|c| Choice {
                description: None,
                ..c
            })
            .collect(),
        legal_bases: crate::domain::clause_kinds::LegalBasis::ALL
            .into_iter()
            .map(|b| Choice {
                code: b.as_str().to_string(),
                label: b.label().to_string(),
                description: None,
            })
            .collect(),
    };
    let _ = db;
    PageView::new("clause_new.html", &title, CONTRACTS_PATH, data).render(visitor, caller, status)
}

async fn contract_of(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: ContractId,
) -> Result<ContractView, Exit> {
    let sid = caller.structure_id;
    db.run(move |c| contracts::contract_view(c, sid, id, None))
        .await
        .map_err(|e| visitor.problem(e.into()))
}

/// GET /contracts/{id}/clauses/new — staff: the form of a new clause, its calibration
/// filled from the contract (amount, CPV code) and usual rates (5 %, 30 € an hour).
/// `insertion_rate_percent` and `hourly_cost_eur` prefill the calibration (the link of the
/// contracts-to-clause list gives the structure's standard calibration).
#[rocket::get("/contracts/<id>/clauses/new?<insertion_rate_percent>&<hourly_cost_eur>")]
pub async fn new_clause(
    visitor: Visitor,
    id: ContractId,
    insertion_rate_percent: Option<&str>,
    hourly_cost_eur: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let contract = contract_of(&visitor, &caller, db, id).await?;
    let form = ClauseForm {
        kind: Some("execution_condition".into()),
        method: Some("labour_share".into()),
        amount_eur: contract
            .current_amount_eur
            .map(|a| format_hundredths_fr(a, a % 100 != 0)),
        cpv_code: contract.cpv_code.clone(),
        insertion_rate_percent: Some(prefill(insertion_rate_percent, "5")),
        hourly_cost_eur: Some(prefill(hourly_cost_eur, "30")),
        starts_on: contract.starts_on.map(|d| d.to_string()),
        ends_on: contract.current_ends_on.map(|d| d.to_string()),
        reporting_frequency: Some("monthly".into()),
        ..Default::default()
    };
    let preview = preview_of(&visitor, &caller, db, id, &form).await?;
    let errors = FieldErrors::default();
    Ok(new_clause_page(
        &visitor,
        &caller,
        db,
        contract,
        form,
        errors,
        preview,
        Status::Ok,
    )
    .await)
}

/// GET /contracts/{id}/clauses/preview?method=…&amount_eur=… — staff: the calibration
/// preview of the typed fields, as an HTML fragment (htmx swaps it into the form): the
/// recommended hours and the French explanation, or what is missing. Stores nothing.
#[rocket::get("/contracts/<id>/clauses/preview?<form..>")]
pub async fn preview(
    visitor: Visitor,
    id: ContractId,
    form: ClauseForm,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let preview = preview_of(&visitor, &caller, db, id, &form).await?;
    let body = render(
        "clause_preview.html",
        &serde_json::json!({ "preview": preview }),
        false,
    )
    .map_err(|e| visitor.problem(e.into()))?;
    Ok(Html::with_status(Status::Ok, body))
}

/// POST /contracts/{id}/clauses/new — staff: with `action=calculer`, the form again with its
/// preview (without JavaScript); else records the draft clause (the use case of
/// `POST /api/v1/contracts/{id}/clauses`), then its page. Refused: the form again with each
/// error beside its field (422), nothing stored.
#[rocket::post("/contracts/<id>/clauses/new", data = "<form>")]
pub async fn create_clause(
    visitor: Visitor,
    id: ContractId,
    form: Option<Form<ClauseForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let contract = contract_of(&visitor, &caller, db, id).await?;
    let preview = preview_of(&visitor, &caller, db, id, &form).await?;
    if form.action.as_deref() == Some("calculer") {
        let errors = FieldErrors::default();
        let page = new_clause_page(
            &visitor,
            &caller,
            db,
            contract,
            form,
            errors,
            preview,
            Status::Ok,
        )
        .await;
        return Ok(Exit::Page(page));
    }
    let refused: ApiError = match read_clause(&form, &caller) {
        Ok(input) => {
            let sid = caller.structure_id;
            match db
                .run(move |c| clauses::create_clause(c, sid, id, input))
                .await
            {
                Ok(done) => {
                    return Ok(Exit::see_other(format!(
                        "/clauses/{}?fait=clause-creee",
                        done.id.0
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
    let errors = errors_of(&refused, "calibration.");
    let status = refused_status(&refused);
    let page = new_clause_page(
        &visitor, &caller, db, contract, form, errors, preview, status,
    )
    .await;
    Ok(Exit::Page(page))
}

// ---------------------------------------------------------------------------------------
// A clause's page

#[derive(Serialize)]
struct AssignmentRow {
    contractor_name: String,
    role: &'static str,
    hours_target: i64,
    validated: i64,
    pending: i64,
    expected: i64,
    status: &'static str,
    status_class: &'static str,
}

#[derive(Serialize)]
struct MilestoneRow {
    id: i64,
    label: String,
    due_on: String,
    state: &'static str,
    state_class: &'static str,
    done: bool,
}

/// What the forms of a clause's page held when refused, with their errors.
#[derive(Serialize, Default)]
struct ClauseForms {
    /// What narrows the contractors' select (`?org_q=`), past 1 000 of them.
    org_q: Option<String>,
    assignment: AssignmentForm,
    assignment_errors: FieldErrors,
    milestone: MilestoneForm,
    milestone_errors: FieldErrors,
    /// A refused status change, in French.
    status_error: Option<String>,
}

#[derive(Serialize)]
struct ClausePage {
    id: i64,
    contract_id: i64,
    clause_label: String,
    buyer_name: String,
    kind: &'static str,
    kind_description: &'static str,
    status: &'static str,
    status_code: &'static str,
    status_class: &'static str,
    explanation: String,
    /// None without an hour target.
    required_hours: Option<i64>,
    unassigned_hours: i64,
    /// What the clause's kind adds: its legal basis, weighting, committed hours, target in
    /// persons, and the persons placed.
    legal_basis: Option<&'static str>,
    weighting_percent: Option<i32>,
    committed_hours: Option<i64>,
    required_persons: Option<i64>,
    persons_placed: Option<i64>,
    expected_persons: Option<i64>,
    warnings: Vec<String>,
    starts_on: String,
    ends_on: String,
    frequency: &'static str,
    penalty: Option<String>,
    referent_name: Option<String>,
    territory: String,
    on: String,
    validated: i64,
    pending: i64,
    expected: i64,
    progress_status: &'static str,
    progress_class: &'static str,
    assignments: Vec<AssignmentRow>,
    milestones: Vec<MilestoneRow>,
    milestones_total: i64,
    contractors: Vec<OrgChoice>,
    contractor_filter: Option<Filter>,
    roles: Vec<Choice>,
    may_assign: bool,
    may_activate: bool,
    may_complete: bool,
    may_cancel: bool,
    forms: ClauseForms,
    /// Corrections, assignments' hand-over and removal, placements, history
    /// (`pages::corrections_records`).
    corrections: crate::pages::corrections_records::ClauseSection,
}

async fn clause_page(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    config: &Config,
    id: ClauseId,
    forms: ClauseForms,
) -> Result<PageView<'static, ClausePage>, Exit> {
    let sid = caller.structure_id;
    let today = db.clock.today();
    let on_track = config.on_track_percent;
    let who = caller.clone();
    let (view, progress, (milestones, milestones_total), corrections) = db
        .run(move |c| {
            let view = clauses::clause_view(c, sid, id, None)?;
            let progress = progress::clause_progress(c, sid, None, id, today, on_track)?;
            let milestones = reminders::list_milestones(c, sid, None, id, None, MILESTONES_MAX, 0)?;
            let corrections = crate::pages::corrections_records::clause_section(c, &who, &view)?;
            Ok::<_, AppError>((view, progress, milestones, corrections))
        })
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let (contractors, contractor_filter) = org_choices(
        visitor,
        caller,
        db,
        false,
        forms.org_q.as_deref(),
        forms.assignment.contractor_id.as_deref(),
    )
    .await?;
    let figures = &progress.progress;
    let (words, class) = status_words(figures.progress.status);
    let assignments = view
        .assignments
        .iter()
        .map(|a| {
            let p = figures
                .assignments
                .iter()
                .find(|p| p.hours.assignment_id == a.assignment.id.0);
            let (status, status_class) = p
                .map(|p| status_words(p.progress.status))
                .unwrap_or(("", ""));
            AssignmentRow {
                contractor_name: a.contractor_name.clone(),
                role: role_words(a.assignment.role),
                hours_target: a.assignment.hours_target,
                validated: p.map(|p| p.hours.validated).unwrap_or(0),
                pending: p.map(|p| p.hours.pending).unwrap_or(0),
                expected: p.map(|p| p.progress.expected).unwrap_or(0),
                status,
                status_class,
            }
        })
        .collect();
    let status = view.status;
    let page = ClausePage {
        id: view.id.0,
        contract_id: view.contract_id.0,
        clause_label: view.clause_label.clone(),
        buyer_name: view.buyer_name.clone(),
        kind: label(CLAUSE_KINDS, view.kind.as_str()).unwrap_or(""),
        kind_description: label(CLAUSE_KIND_DESCRIPTIONS, view.kind.as_str()).unwrap_or(""),
        status: clause_status_words(status),
        status_code: status.as_str(),
        status_class: clause_status_class(status),
        explanation: view.explanation.clone(),
        required_hours: view.required_hours,
        unassigned_hours: view.unassigned_hours.unwrap_or(0),
        legal_basis: view.legal_basis.map(|b| b.label()),
        weighting_percent: view.weighting_percent,
        committed_hours: view.committed_hours,
        required_persons: progress.persons.map(|n| n.required),
        persons_placed: progress.persons.map(|n| n.placed),
        expected_persons: progress.persons.map(|n| n.expected),
        warnings: view
            .warnings
            .iter()
            .map(|w| crate::api::messages::render(&w.rule))
            .collect(),
        starts_on: date_fr(view.starts_on),
        ends_on: date_fr(view.ends_on),
        frequency: label(FREQUENCY_LABELS, view.reporting_frequency.as_str()).unwrap_or(""),
        penalty: view.penalty_per_missing_hour_eur.map(euros),
        referent_name: view.referent_name.clone(),
        territory: view.territory.clone(),
        on: date_fr(today),
        validated: figures.validated,
        pending: figures.pending,
        expected: figures.progress.expected,
        progress_status: words,
        progress_class: class,
        assignments,
        milestones: milestones
            .into_iter()
            .map(|m| MilestoneRow {
                id: m.id,
                label: m.label,
                due_on: date_fr(m.due_on),
                state: milestone_state_words(m.state).0,
                state_class: milestone_state_words(m.state).1,
                done: m.state == "done",
            })
            .collect(),
        milestones_total,
        contractors,
        contractor_filter,
        roles: AssignmentRole::ALL
            .iter()
            .map(|r| Choice {
                code: r.as_str().to_string(),
                label: role_words(*r).to_string(),
                description: None,
            })
            .collect(),
        may_assign: !status.is_closed(),
        may_activate: status == ClauseStatus::Draft,
        may_complete: status == ClauseStatus::Active,
        may_cancel: matches!(status, ClauseStatus::Draft | ClauseStatus::Active),
        forms,
        corrections,
    };
    let title: &'static str = "Clause d'insertion";
    Ok(PageView::new("clause.html", title, CONTRACTS_PATH, page))
}

/// GET /clauses/{id}?org_q= — staff: the clause, its progress today, its assignments, the
/// forms to assign hours, change its status and add milestones; past 1 000 contractors,
/// `org_q` narrows the assignment's select by name.
#[rocket::get("/clauses/<id>?<fait>&<org_q>")]
pub async fn show_clause(
    visitor: Visitor,
    id: ClauseId,
    fait: Option<&str>,
    org_q: Option<&str>,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let forms = ClauseForms {
        org_q: org_q.map(|q| q.chars().take(200).collect()),
        ..ClauseForms::default()
    };
    let view = clause_page(&visitor, &caller, db, config, id, forms).await?;
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

/// The assignment form.
#[derive(FromForm, Default, Serialize, Clone)]
pub struct AssignmentForm {
    #[serde(skip)]
    csrf_token: Option<String>,
    contractor_id: Option<String>,
    role: Option<String>,
    hours_target: Option<String>,
}

fn read_assignment(f: &AssignmentForm) -> Result<AssignmentInput, Vec<Violation>> {
    let mut errors = Vec::new();
    let contractor_id = chosen_org("contractor_id", &f.contractor_id, &mut errors);
    let role = text::<Code>("role", &f.role, true, &mut errors);
    let hours_target = hours("hours_target", &f.hours_target, true, &mut errors);
    match (contractor_id, role, hours_target) {
        (Some(contractor_id), Some(role), Some(hours_target)) if errors.is_empty() => {
            Ok(AssignmentInput {
                contractor_id,
                role,
                hours_target,
            })
        }
        _ => Err(errors),
    }
}

/// The clause's page again after a refused form (its status: 422, or 409).
async fn refused_page(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    config: &Config,
    id: ClauseId,
    refused: ApiError,
    forms: ClauseForms,
) -> Result<Exit, Exit> {
    if !matches!(refused.status, 409 | 422) {
        return Err(visitor.problem(refused));
    }
    let status = refused_status(&refused);
    let view = clause_page(visitor, caller, db, config, id, forms).await?;
    Ok(Exit::Page(view.render(visitor, caller, status)))
}

/// POST /clauses/{id}/assignments — staff: gives part of the clause's hours to a contractor
/// (the use case of `POST /api/v1/clauses/{id}/assignments`).
#[rocket::post("/clauses/<id>/assignments", data = "<form>")]
pub async fn assign(
    visitor: Visitor,
    id: ClauseId,
    form: Option<Form<AssignmentForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let refused: ApiError = match read_assignment(&form) {
        Ok(input) => {
            let sid = caller.structure_id;
            match db
                .run(move |c| clauses::assign_hours(c, sid, id, input))
                .await
            {
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "/clauses/{}?fait=attribution-enregistree",
                        id.0
                    )))
                }
                Err(e) => e.into(),
            }
        }
        Err(broken) => AppError::Invalid(broken).into(),
    };
    let forms = ClauseForms {
        assignment_errors: errors_of(&refused, ""),
        assignment: form,
        ..ClauseForms::default()
    };
    refused_page(&visitor, &caller, db, config, id, refused, forms).await
}

/// The status change form.
#[derive(FromForm, Default)]
pub struct StatusForm {
    csrf_token: Option<String>,
    /// `activate`, `complete` or `cancel`.
    change: Option<String>,
}

/// POST /clauses/{id}/status — staff: activates, completes or cancels the clause (the use
/// cases of `POST /api/v1/clauses/{id}/activate|complete|cancel`).
#[rocket::post("/clauses/<id>/status", data = "<form>")]
pub async fn change_status(
    visitor: Visitor,
    id: ClauseId,
    form: Option<Form<StatusForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let (change, done) = match form.change.as_deref() {
        Some("activate") => (ClauseChange::Activate, "clause-activee"),
        Some("complete") => (ClauseChange::Complete, "clause-terminee"),
        Some("cancel") => (ClauseChange::Cancel, "clause-annulee"),
        other => {
            let refused: ApiError = AppError::invalid(
                Violation::new("change", "value_not_allowed")
                    .with("got", candidates::shown(other.unwrap_or("")))
                    .with("allowed", "activate, complete, cancel"),
            )
            .into();
            let forms = ClauseForms {
                status_error: FieldErrors::of_problem(&refused).0.into_values().next(),
                ..ClauseForms::default()
            };
            return refused_page(&visitor, &caller, db, config, id, refused, forms).await;
        }
    };
    let sid = caller.structure_id;
    let refused: ApiError = match db
        .run(move |c| clauses::change_status(c, sid, id, change))
        .await
    {
        Ok(_) => return Ok(Exit::see_other(format!("/clauses/{}?fait={done}", id.0))),
        Err(e) => e.into(),
    };
    let forms = ClauseForms {
        status_error: FieldErrors::of_problem(&refused).0.into_values().next(),
        ..ClauseForms::default()
    };
    refused_page(&visitor, &caller, db, config, id, refused, forms).await
}

/// The milestone form.
#[derive(FromForm, Default, Serialize, Clone)]
pub struct MilestoneForm {
    #[serde(skip)]
    csrf_token: Option<String>,
    label: Option<String>,
    due_on: Option<String>,
}

/// POST /clauses/{id}/milestones — staff: adds a milestone by hand (the use case of
/// `POST /api/v1/clauses/{id}/milestones`).
#[rocket::post("/clauses/<id>/milestones", data = "<form>")]
pub async fn add_milestone(
    visitor: Visitor,
    id: ClauseId,
    form: Option<Form<MilestoneForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let checked = reminders::check_manual_milestone(
        None,
        form.label.as_deref().unwrap_or(""),
        form.due_on.as_deref().unwrap_or("").trim(),
    );
    let sid = caller.structure_id;
    let outcome = match checked {
        Ok(new) => {
            db.run(move |c| reminders::add_milestone(c, sid, id, new))
                .await
        }
        Err(e) => Err(e),
    };
    let refused: ApiError = match outcome {
        Ok(_) => {
            return Ok(Exit::see_other(format!(
                "/clauses/{}?fait=jalon-ajoute",
                id.0
            )))
        }
        Err(e) => e.into(),
    };
    let forms = ClauseForms {
        milestone_errors: errors_of(&refused, ""),
        milestone: form,
        ..ClauseForms::default()
    };
    refused_page(&visitor, &caller, db, config, id, refused, forms).await
}

/// The form of a milestone done: only its secret.
#[derive(FromForm, Default)]
pub struct DoneForm {
    csrf_token: Option<String>,
}

/// POST /milestones/{id}/done — staff: marks a milestone done (the use case of
/// `POST /api/v1/milestones/{id}/done`), back to its clause.
#[rocket::post("/milestones/<id>/done", data = "<form>")]
pub async fn milestone_done(
    visitor: Visitor,
    id: i64,
    form: Option<Form<DoneForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
    config: &State<Config>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let sid = caller.structure_id;
    let done = db
        .run(move |c| reminders::mark_milestone_done(c, sid, id))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    // An htmx request gets the clause's page as it now is, swapped in place.
    if visitor.htmx {
        let view = clause_page(
            &visitor,
            &caller,
            db,
            config,
            done.clause_id,
            ClauseForms::default(),
        )
        .await?;
        let page = view.notice(notice(Some("jalon-fait")));
        return Ok(Exit::Page(page.render(&visitor, &caller, Status::Ok)));
    }
    Ok(Exit::see_other(format!(
        "/clauses/{}?fait=jalon-fait",
        done.clause_id.0
    )))
}

// ---------------------------------------------------------------------------------------
// DECP import

/// One record of a DECP file left out or imported with a warning, in French.
#[derive(Serialize)]
struct ImportNote {
    /// Its position in the file, from 1.
    number: usize,
    field: String,
    message: String,
}

/// What an import did.
#[derive(Serialize)]
struct ImportDone {
    created: usize,
    updated: usize,
    unchanged: usize,
    skipped: Vec<ImportNote>,
    warnings: Vec<ImportNote>,
}

#[derive(Serialize, Default)]
struct ImportPage {
    errors: FieldErrors,
    done: Option<ImportDone>,
}

fn import_page(visitor: &Visitor, caller: &Caller, page: ImportPage, status: Status) -> Html {
    PageView::new(
        "contract_import.html",
        "Importer des marchés (DECP)",
        CONTRACTS_PATH,
        page,
    )
    .render(visitor, caller, status)
}

/// GET /contracts/import — staff: the form to import a DECP file.
#[rocket::get("/contracts/import")]
pub fn import_form(visitor: Visitor) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    Ok(import_page(
        &visitor,
        &caller,
        ImportPage::default(),
        Status::Ok,
    ))
}

#[derive(FromForm)]
pub struct ImportForm<'r> {
    csrf_token: Option<String>,
    file: Option<rocket::fs::TempFile<'r>>,
}

/// POST /contracts/import (multipart) — staff: applies a DECP file (the use case of
/// `POST /api/v1/imports/decp`: buyers, holders and contracts created or updated in one
/// transaction) and shows the import's summary; a file that is not a DECP document comes
/// back with the reason beside the field, nothing stored.
#[rocket::post("/contracts/import", data = "<form>")]
pub async fn import(
    visitor: Visitor,
    origin: RequestOrigin,
    form: Option<Result<Form<ImportForm<'_>>, rocket::form::Errors<'_>>>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    use rocket::tokio::io::AsyncReadExt;
    let caller = visitor.staff()?;
    let refuse = |v: Violation, status: Status| {
        let mut page = ImportPage::default();
        page.errors.add("file", &v);
        Ok(import_page(&visitor, &caller, page, status))
    };
    let form = match form.ok_or_else(rocket::form::Errors::new).and_then(|f| f) {
        Ok(form) => form.into_inner(),
        // Unreadable (over the size limit, a broken multipart): its secret is unknown, so
        // nothing is done.
        Err(errors) => {
            tracing::info!("DECP form unreadable: {errors}");
            return refuse(
                Violation::new("file", "upload_unreadable"),
                Status::BadRequest,
            );
        }
    };
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let Some(file) = form.file.filter(|f| f.len() > 0 || f.name().is_some()) else {
        return refuse(
            Violation::new("file", "required"),
            Status::UnprocessableEntity,
        );
    };
    let mut bytes = Vec::new();
    let read = match file.open().await {
        Ok(mut f) => f.read_to_end(&mut bytes).await.map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = read {
        tracing::info!("cannot read the DECP upload: {e}");
        return refuse(
            Violation::new("file", "upload_unreadable"),
            Status::BadRequest,
        );
    }
    let parsed = serde_json::from_slice::<serde_json::Value>(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|doc| crate::domain::decp::parse_decp(&doc).map_err(|e| e.to_string()));
    let parsed = match parsed {
        Ok(p) => p,
        Err(why) => {
            tracing::info!("not a DECP file: {why}");
            return refuse(
                Violation::new("file", "decp_unreadable"),
                Status::UnprocessableEntity,
            );
        }
    };
    let sid = caller.structure_id;
    let summary = db
        .run(move |c| contracts::import_decp(c, sid, &parsed))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let note = |index: usize, field: &str, rule: &Violation| ImportNote {
        number: index + 1,
        field: field.to_string(),
        message: crate::api::messages::sentence(&crate::api::messages::render(rule)),
    };
    let done = ImportDone {
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged,
        skipped: summary
            .skipped
            .iter()
            .map(|s| note(s.index, &s.field, &s.rule))
            .collect(),
        warnings: summary
            .warnings
            .iter()
            .map(|w| note(w.index, &w.field, &w.rule))
            .collect(),
    };
    let page = ImportPage {
        errors: FieldErrors::default(),
        done: Some(done),
    };
    Ok(import_page(&visitor, &caller, page, Status::Ok))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        list,
        new_contract,
        create_contract,
        show_contract,
        new_clause,
        preview,
        create_clause,
        show_clause,
        assign,
        change_status,
        add_milestone,
        milestone_done,
        import_form,
        import
    ]
}

// ---------------------------------------------------------------------------------------
// Environmental considerations (issue 20, part 3): the creation form's checkboxes and the
// contract page's line.

/// The environmental considerations ticked in the creation form.
fn environmental_of(f: &ContractForm) -> Vec<Code> {
    [
        (&f.clause_environnementale, "clause_environnementale"),
        (&f.critere_environnemental, "critere_environnemental"),
    ]
    .into_iter()
    .filter(|(ticked, _)| filled(ticked).is_some())
    .filter_map(|(_, code)| Code::try_from(code.to_string()).ok())
    .collect()
}

/// The French labels of a contract's environmental considerations.
fn environmental_labels(codes: &[String]) -> Vec<&'static str> {
    codes
        .iter()
        .filter_map(|c| match c.as_str() {
            "clause_environnementale" => Some("clause environnementale"),
            "critere_environnemental" => Some("critère environnemental"),
            _ => None,
        })
        .collect()
}

/// A prefilled number of the new-clause form from a link (digits and one decimal separator
/// only, at most 12 characters), else the default.
fn prefill(given: Option<&str>, default: &str) -> String {
    given
        .map(str::trim)
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 12
                && v.chars()
                    .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        })
        .unwrap_or(default)
        .replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_the_french_way() {
        assert_eq!(euros(100_000_000), "1\u{202f}000\u{202f}000\u{a0}€");
        assert_eq!(euros(123_450), "1\u{202f}234,50\u{a0}€");
    }

    #[test]
    fn numbers_typed_the_french_way() {
        let mut errors = Vec::new();
        let n = |s: &str, e: &mut Vec<Violation>| number("x", &Some(s.to_string()), true, e);
        assert_eq!(n("1 250 000", &mut errors), Some(Hundredths(125_000_000)));
        assert_eq!(n("12,5", &mut errors), Some(Hundredths(1250)));
        assert_eq!(
            n("1\u{202f}234,50 €", &mut errors),
            Some(Hundredths(123_450))
        );
        assert!(errors.is_empty());
        for bad in ["douze", "-5", "1,234", "1e3"] {
            assert_eq!(n(bad, &mut errors), None, "{bad}");
        }
        assert_eq!(errors.len(), 4);
        assert!(errors.iter().all(|v| v.code == "number_input_invalid"));
    }
}
