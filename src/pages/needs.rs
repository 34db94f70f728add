//! The facilitator's recruitment needs pages: the structure's needs (`/needs`), and one need
//! (`/needs/<id>`) with its proposals and the people of the pool that match it, each with
//! the reasons of the match in French and a « Proposer » button. Reading and proposing go
//! through the use cases of the API routes doing the same thing (`app::needs::list_needs`,
//! `app::needs::match_pool`, `app::referrals::propose`), so the rules, the audit log and the
//! history are the API's.

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::needs::NeedInput;
use crate::app::needs::{self as needs, MatchView, NeedView};
use crate::app::placements::Actor;
use crate::app::referrals::{self as referrals, ReferralDetails, ReferralFilter};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::db::{write_tx, Db};
use crate::domain::catalogue::{CodeList, CONTRACT_TYPES, MODALITIES};
use crate::domain::ids::{AssignmentId, OrganisationId};
use crate::domain::ids::{NeedId, ParticipantId};
use crate::domain::limits::{Code, Label};
use crate::domain::referrals::State as RefState;
use crate::domain::referrals::{MAX_DURATION_MONTHS, MAX_POSTS};
use crate::domain::rule::Violation;
use crate::domain::units::Hundredths;
use crate::domain::vocabulary::NeedStatus;
use crate::domain::vocabulary::OrganisationKind;
use crate::error::ApiError;
use crate::pages::candidates::{checked, date_field, filled, shown};
use crate::pages::{notice, parse_hours_input, Exit, FieldErrors, Html, PageView, Visitor};
use crate::store::names::{clause_label, person_name};

/// Needs a page of the list shows.
const PAGE_SIZE: i64 = 50;
/// The last page the list may ask for.
const MAX_PAGE: i64 = 1000;
/// Proposals and matches a need's page shows at most.
const LIST_MAX: i64 = 100;

const NEEDS_PATH: &str = "/needs";
const NEEDS_TITLE: &str = "Besoins de recrutement";

/// Who acts, for the use cases (as the API's routes build it).
fn actor(caller: &Caller, db: &Db) -> Actor {
    Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    }
}

/// A need's status, as an adjective of « le besoin ».
fn status_fr(status: NeedStatus) -> &'static str {
    match status {
        NeedStatus::Open => "ouvert",
        NeedStatus::Filled => "pourvu",
        NeedStatus::Closed => "fermé",
    }
}

/// A proposal's state, as the need's page says it.
fn state_fr(state: RefState) -> &'static str {
    match state {
        RefState::Proposed => "proposée, en attente de réponse",
        RefState::Interview => "entretien prévu",
        RefState::Hired => "embauche confirmée",
        RefState::Declined => "candidature déclinée",
    }
}

/// A reason of a match (`domain::matching`), as a French sentence.
fn reason_fr(reason: &str) -> &'static str {
    match reason {
        "job" => "Le métier recherché correspond au poste",
        "place" => "Peut se rendre dans le département du poste",
        "available" => "Disponible à la date de début",
        "licences" => "A les permis demandés",
        _ => "Autre critère rempli",
    }
}

/// A failed use case as a page: a need not found (another structure's, or none) gets the
/// needs pages' own words (404); any other problem its words from the catalogue.
fn problem(visitor: &Visitor, caller: &Caller, e: impl Into<ApiError>) -> Exit {
    let e = e.into();
    if e.status != 404 {
        return visitor.problem(e);
    }
    let page = BTreeMap::from([(
        "message",
        "Ce besoin n'existe pas ou ne fait pas partie de votre structure.",
    )]);
    let view = PageView::new("need_missing.html", "Introuvable", NEEDS_PATH, page);
    Exit::Page(view.render(visitor, caller, Status::NotFound))
}

// --- The list ----------------------------------------------------------------------------

#[derive(Serialize)]
struct NeedRow {
    id: i64,
    job_title: String,
    contractor_name: String,
    clause_label: String,
    commune_code: String,
    territory: String,
    posts: i32,
    starts_on: String,
    status: &'static str,
    proposals: i64,
    pending: i64,
    hires: i64,
    declined: i64,
}

fn need_row(n: &NeedView) -> NeedRow {
    NeedRow {
        id: n.id.0,
        job_title: n.job_title.clone(),
        contractor_name: n.contractor_name.clone(),
        clause_label: n.clause_label.clone(),
        commune_code: n.commune_code.clone(),
        territory: n.territory.clone(),
        posts: n.posts,
        starts_on: n.starts_on.to_string(),
        status: status_fr(n.status),
        proposals: n.proposals,
        pending: n.pending,
        hires: n.hires,
        declined: n.declined,
    }
}

#[derive(Serialize)]
struct NeedsPage {
    rows: Vec<NeedRow>,
    total: i64,
    page: i64,
    previous: Option<String>,
    next: Option<String>,
}

fn list_href(page: i64) -> String {
    if page > 1 {
        format!("{NEEDS_PATH}?page={page}")
    } else {
        NEEDS_PATH.to_string()
    }
}

/// GET /needs — staff: the structure's recruitment needs, newest first, 50 a page, each with
/// its job, contractor, clause, place, posts, start and how many proposals in which state.
#[rocket::get("/needs?<page>&<fait>")]
pub async fn list(
    visitor: Visitor,
    page: Option<&str>,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let page = page
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE);
    let sid = caller.structure_id;
    let (found, total) = db
        .run(move |c| {
            needs::list_needs(c, sid, None, None, None, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        })
        .await
        .map_err(|e| problem(&visitor, &caller, e))?;
    let data = NeedsPage {
        rows: found.iter().map(need_row).collect(),
        previous: (page > 1).then(|| list_href(page - 1)),
        next: (page * PAGE_SIZE < total).then(|| list_href(page + 1)),
        total,
        page,
    };
    let view = PageView::new("needs.html", NEEDS_TITLE, NEEDS_PATH, data);
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

// --- One need ----------------------------------------------------------------------------

#[derive(Serialize)]
struct ProposalRow {
    person_id: i64,
    name: String,
    state: &'static str,
    proposed_on: String,
    updated_on: String,
}

fn proposal_row(d: ReferralDetails) -> ProposalRow {
    let r = d.referral.row;
    ProposalRow {
        person_id: r.participant_id.0,
        name: d
            .person
            .and_then(|p| person_name(p.first_name, p.last_name))
            .unwrap_or_else(|| "Personne anonymisée".to_string()),
        state: state_fr(r.state),
        proposed_on: r.proposed_at.date().to_string(),
        updated_on: r.updated_at.date().to_string(),
    }
}

#[derive(Serialize)]
struct MatchRow {
    person_id: i64,
    name: String,
    score: i32,
    reasons: Vec<&'static str>,
    /// The state of the proposal already made, if any: no button then.
    proposed: Option<&'static str>,
}

fn match_row(m: MatchView) -> MatchRow {
    MatchRow {
        person_id: m.participant_id.0,
        name: person_name(m.first_name, m.last_name).unwrap_or_default(),
        score: m.score,
        reasons: m.reasons.iter().map(|r| reason_fr(r)).collect(),
        proposed: m.referral.map(|r| state_fr(r.state)),
    }
}

#[derive(Serialize)]
struct NeedPage {
    need: NeedRow,
    open: bool,
    weekly_hours: i64,
    proposals: Vec<ProposalRow>,
    matches: Vec<MatchRow>,
    matches_total: i64,
    /// Why a proposal was refused, above the matches.
    error: Option<String>,
}

/// What a need's page shows, read through the API's use cases.
async fn need_page(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: NeedId,
) -> Result<NeedPage, Exit> {
    let by = actor(caller, db);
    let read = db
        .run(move |c| {
            let need = needs::need(c, by.structure_id, id, None)?;
            let filter = ReferralFilter {
                need_id: Some(id),
                ..ReferralFilter::default()
            };
            // Each read writes who was shown to the audit log, in its own transaction (as
            // the API's routes do).
            let (proposals, _) = write_tx(c, |c| {
                referrals::list_referrals(c, &by, None, filter, LIST_MAX, 0)
            })?;
            let (matches, total) =
                needs::match_pool(c, by.structure_id, by.user_id, id, LIST_MAX, 0)?;
            Ok((need, proposals, matches, total))
        })
        .await
        .map_err(|e| problem(visitor, caller, e))?;
    let (need, proposals, matches, matches_total) = read;
    Ok(NeedPage {
        open: need.status == NeedStatus::Open,
        weekly_hours: need.weekly_hours,
        need: need_row(&need),
        proposals: proposals.into_iter().map(proposal_row).collect(),
        matches: matches.into_iter().map(match_row).collect(),
        matches_total,
        error: None,
    })
}

/// GET /needs/<id> — staff: a need of the structure, its proposals (person, state, dates)
/// and the people of the pool that match it with the reasons, each with a « Proposer »
/// button. Another structure's need: the 404 page.
#[rocket::get("/needs/<id>?<fait>")]
pub async fn show(
    visitor: Visitor,
    id: NeedId,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let data = need_page(&visitor, &caller, db, id).await?;
    let view = PageView::new("need.html", "Besoin de recrutement", NEEDS_PATH, data);
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

#[derive(FromForm, Default)]
pub struct ProposeForm {
    csrf_token: Option<String>,
    participant_id: Option<String>,
}

/// POST /needs/<id>/propose — staff: proposes a person of the pool to the need (as
/// `POST /api/v1/referrals`), then back to the need with a notice. Refused: the need's page
/// with the reason above the matches (409 or 422), nothing stored.
#[rocket::post("/needs/<id>/propose", data = "<form>")]
pub async fn propose(
    visitor: Visitor,
    id: NeedId,
    form: Option<Form<ProposeForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    // Only a need of the structure is answered (another's is unknown, whatever the form).
    let sid = caller.structure_id;
    db.run(move |c| needs::need(c, sid, id, None))
        .await
        .map_err(|e| problem(&visitor, &caller, e))?;
    let person = form
        .participant_id
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .map(ParticipantId);
    let by = actor(&caller, db);
    let refused: ApiError = match person {
        Some(person) => match db
            .write(move |c| referrals::propose(c, &by, id, person))
            .await
        {
            Ok(_) => {
                return Ok(Exit::see_other(format!(
                    "{NEEDS_PATH}/{}?fait=personne-proposee",
                    id.0
                )))
            }
            Err(e) => e.into(),
        },
        None => crate::app::AppError::invalid(crate::domain::rule::Violation::new(
            "participant_id",
            "participant_unknown",
        ))
        .into(),
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(visitor.problem(refused));
    }
    let mut data = need_page(&visitor, &caller, db, id).await?;
    data.error = crate::pages::FieldErrors::of_problem(&refused)
        .0
        .into_values()
        .next();
    let status = Status::from_code(refused.status).unwrap_or(Status::UnprocessableEntity);
    let view = PageView::new("need.html", "Besoin de recrutement", NEEDS_PATH, data);
    Ok(Exit::Page(view.render(&visitor, &caller, status)))
}

#[derive(FromForm, Default)]
pub struct CloseForm {
    csrf_token: Option<String>,
}

/// POST /needs/<id>/close — staff: the need is no longer recruited for (as
/// `POST /api/v1/needs/{id}/close`); back to its page with a notice. A need already closed or
/// filled: its page with the reason, nothing changed.
#[rocket::post("/needs/<id>/close", data = "<form>")]
pub async fn close(
    visitor: Visitor,
    id: NeedId,
    form: Option<Form<CloseForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let sid = caller.structure_id;
    let refused: ApiError = match db.run(move |c| needs::close_need(c, sid, id, None)).await {
        Ok(_) => {
            return Ok(Exit::see_other(format!(
                "{NEEDS_PATH}/{}?fait=besoin-clos",
                id.0
            )))
        }
        Err(e) => e.into(),
    };
    if refused.status != 409 {
        return Err(visitor.problem(refused));
    }
    let mut data = need_page(&visitor, &caller, db, id).await?;
    data.error = Some(refused.detail.clone());
    let view = PageView::new("need.html", "Besoin de recrutement", NEEDS_PATH, data);
    Ok(Exit::Page(view.render(&visitor, &caller, Status::Conflict)))
}

// --- A new need ----------------------------------------------------------------------------

/// A choice of a select: its value and its French label.
#[derive(Serialize, Clone)]
struct Choice {
    code: String,
    label: String,
}

fn code_choices(list: &CodeList) -> Vec<Choice> {
    list.iter()
        .map(|(code, label)| Choice {
            code: code.to_string(),
            label: label.to_string(),
        })
        .collect()
}

/// The need's form: every value as typed.
#[derive(FromForm, Default, Serialize, Clone)]
pub struct NeedForm {
    #[serde(skip)]
    csrf_token: Option<String>,
    assignment_id: Option<String>,
    job_title: Option<String>,
    rome_code: Option<String>,
    posts: Option<String>,
    commune_code: Option<String>,
    territory: Option<String>,
    starts_on: Option<String>,
    weekly_hours: Option<String>,
    duration_months: Option<String>,
    licences: Option<String>,
    modality: Option<String>,
    employer_id: Option<String>,
    contract_type: Option<String>,
}

const NEED_FIELDS: &[&str] = &[
    "assignment_id",
    "job_title",
    "rome_code",
    "posts",
    "commune_code",
    "territory",
    "starts_on",
    "weekly_hours",
    "duration_months",
    "licences",
    "modality",
    "employer_id",
    "contract_type",
];

#[derive(Serialize)]
struct NewNeedPage {
    values: NeedForm,
    errors: FieldErrors,
    assignments: Vec<Choice>,
    employers: Vec<Choice>,
    modalities: Vec<Choice>,
    contract_types: Vec<Choice>,
}

/// The structure's assignments and the employers a need may name, for the form's selects.
async fn new_need_page(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    values: NeedForm,
    errors: FieldErrors,
) -> Result<NewNeedPage, Exit> {
    let sid = caller.structure_id;
    let (assignments, employers) = db
        .run(move |c| {
            let assignments = crate::store::assignments::placeable(c, sid, LIST_MAX)?;
            let mut employers = Vec::new();
            for kind in [
                OrganisationKind::Contractor,
                OrganisationKind::InsertionStructure,
            ] {
                let (orgs, _) = crate::app::organisations::list_organisations(
                    c,
                    sid,
                    Some(kind.as_str()),
                    LIST_MAX,
                    0,
                )?;
                employers.extend(orgs.into_iter().map(|o| Choice {
                    code: o.id.0.to_string(),
                    label: o.name,
                }));
            }
            Ok((assignments, employers))
        })
        .await
        .map_err(|e| problem(visitor, caller, e))?;
    Ok(NewNeedPage {
        values,
        errors,
        assignments: assignments
            .into_iter()
            .map(|a| Choice {
                code: a.id.0.to_string(),
                label: format!(
                    "{} · {}",
                    clause_label(&a.reference, &a.title, a.lot_number),
                    a.contractor_name
                ),
            })
            .collect(),
        employers,
        modalities: code_choices(MODALITIES),
        contract_types: code_choices(CONTRACT_TYPES),
    })
}

const NEW_NEED_TITLE: &str = "Nouveau besoin de recrutement";

/// GET /needs/new — staff: the form of a new recruitment need.
#[rocket::get("/needs/new")]
pub async fn new_form(visitor: Visitor, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let values = NeedForm {
        posts: Some("1".into()),
        weekly_hours: Some("35".into()),
        ..<NeedForm as Default>::default()
    };
    let data = new_need_page(&visitor, &caller, db, values, FieldErrors::default()).await?;
    let view = PageView::new("need_new.html", NEW_NEED_TITLE, NEEDS_PATH, data);
    Ok(view.render(&visitor, &caller, Status::Ok))
}

/// A whole number typed in `field`, else the field's rule broken.
fn whole(
    field: &str,
    value: Option<&str>,
    rule: Violation,
    errors: &mut Vec<Violation>,
) -> Option<i64> {
    let value = filled(value)?;
    match value.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            let mut rule = rule;
            rule.field = field.to_string();
            errors.push(rule);
            None
        }
    }
}

/// The need a form asks for, as the API's body would carry it.
fn read_need(f: &NeedForm) -> Result<NeedInput, Vec<Violation>> {
    let mut errors = Vec::new();
    let id_of = |field: &str, v: Option<&str>, errors: &mut Vec<Violation>| match filled(v)
        .map(str::parse::<i64>)
    {
        Some(Ok(id)) => Some(id),
        _ => {
            errors.push(Violation::new(field, "required"));
            None
        }
    };
    let assignment = id_of("assignment_id", f.assignment_id.as_deref(), &mut errors);
    let employer = id_of("employer_id", f.employer_id.as_deref(), &mut errors);
    let job_title = checked::<Label>("job_title", f.job_title.as_deref(), &mut errors);
    let rome_code = checked::<Code>("rome_code", f.rome_code.as_deref(), &mut errors);
    let commune_code = checked::<Code>("commune_code", f.commune_code.as_deref(), &mut errors);
    let territory = checked::<Code>("territory", f.territory.as_deref(), &mut errors);
    let modality = checked::<Code>("modality", f.modality.as_deref(), &mut errors);
    let contract_type = checked::<Code>("contract_type", f.contract_type.as_deref(), &mut errors);
    let posts = whole(
        "posts",
        f.posts.as_deref(),
        Violation::new("posts", "posts_out_of_range").with("max", MAX_POSTS),
        &mut errors,
    );
    let duration_months = whole(
        "duration_months",
        f.duration_months.as_deref(),
        Violation::new("duration_months", "duration_out_of_range").with("max", MAX_DURATION_MONTHS),
        &mut errors,
    );
    let starts_on = match filled(f.starts_on.as_deref()) {
        Some(d) => date_field("starts_on", Some(d), &mut errors),
        None => {
            errors.push(Violation::new("starts_on", "required"));
            None
        }
    };
    let weekly_hours = match filled(f.weekly_hours.as_deref()).map(parse_hours_input) {
        Some(Ok(Some(h))) => Some(h),
        Some(Err(code)) => {
            let got = shown(f.weekly_hours.as_deref().unwrap_or(""));
            errors.push(
                Violation::new("weekly_hours", code)
                    .with("got_kind", "text")
                    .with("got", got),
            );
            None
        }
        _ => {
            errors.push(Violation::new("weekly_hours", "required"));
            None
        }
    };
    let mut licences = Vec::new();
    for l in filled(f.licences.as_deref())
        .unwrap_or("")
        .split([',', ' '])
    {
        if let Some(code) = checked::<Code>("licences", filled(Some(l)), &mut errors) {
            licences.push(code);
        }
    }
    let text = |v: Option<Code>| v.unwrap_or_default();
    match (
        assignment,
        employer,
        job_title,
        starts_on,
        weekly_hours,
        errors.is_empty(),
    ) {
        (Some(a), Some(e), Some(job), Some(starts_on), Some(h), true) => Ok(NeedInput {
            assignment_id: AssignmentId(a),
            job_title: job,
            rome_code,
            posts: posts.unwrap_or(0),
            commune_code: text(commune_code),
            territory: text(territory),
            starts_on,
            weekly_hours: Hundredths(h),
            duration_months,
            licences,
            modality: text(modality),
            employer_id: OrganisationId(e),
            contract_type: text(contract_type),
        }),
        _ => Err(errors),
    }
}

/// POST /needs/new — staff: records the need (as `POST /api/v1/needs`), then its page with a
/// notice. Refused: the form again with each error beside its field (422), nothing stored.
#[rocket::post("/needs/new", data = "<form>")]
pub async fn create(
    visitor: Visitor,
    form: Option<Form<NeedForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let refused: ApiError = match read_need(&form) {
        Ok(input) => match db
            .run(move |c| needs::create_need(c, sid, uid, None, input))
            .await
        {
            Ok(need) => {
                return Ok(Exit::see_other(format!(
                    "{NEEDS_PATH}/{}?fait=besoin-enregistre",
                    need.id.0
                )))
            }
            Err(e) => e.into(),
        },
        Err(broken) => AppError::Invalid(broken).into(),
    };
    if !matches!(refused.status, 409 | 422) {
        return Err(visitor.problem(refused));
    }
    let mut errors = FieldErrors::default();
    for (field, message) in FieldErrors::of_problem(&refused).0 {
        let field = field.split('[').next().unwrap_or("").to_string();
        let field = if NEED_FIELDS.contains(&field.as_str()) {
            field
        } else {
            String::new()
        };
        errors.0.entry(field).or_insert(message);
    }
    let data = new_need_page(&visitor, &caller, db, form, errors).await?;
    let status = Status::from_code(refused.status).unwrap_or(Status::UnprocessableEntity);
    let view = PageView::new("need_new.html", NEW_NEED_TITLE, NEEDS_PATH, data);
    Ok(Exit::Page(view.render(&visitor, &caller, status)))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![list, new_form, create, show, propose, close]
}
