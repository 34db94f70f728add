//! The correction pages of every record but the person (issue 19, « Corrections »): each
//! says its fields, how its record is read (of the caller's structure, else the
//! « introuvable » page) and which use case of the API writes it; `pages::corrections` does
//! the rest (the form with the version as `If-Match`, the 412 page, errors beside fields,
//! the history).
//!
//! - contract: `/contracts/{id}/edit` (`PATCH /api/v1/contracts/{id}`) and its amendments,
//!   `/contracts/{id}/amendments` (`POST /api/v1/contracts/{id}/amendments`);
//! - clause: `/clauses/{id}/edit` (`PATCH /api/v1/clauses/{id}`);
//! - assignment: `/assignments/{id}/edit` (its target), `/assignments/{id}/replace` (another
//!   contractor takes over) and `/assignments/{id}/delete` (a confirmation page first);
//! - placement: `/placements/{id}/edit` and `/placements/{id}/cancel` (with its reason);
//! - follow-up after an exit: `/follow-ups/{id}/edit` (`PATCH /api/v1/follow-ups/{id}`);
//! - organisation: `/organisations/{id}/edit`;
//! - account (administrators): `/admin/users/{id}/edit` (role, organisation, active).
//!
//! Staff only, administrators for accounts, as the API's routes.

use std::sync::{Arc, Mutex};

use rocket::State;
use serde::Serialize;

use crate::api::placements::CancelInput;
use crate::app::assignments::{self, AssignmentPatch, ReplaceInput};
use crate::app::clauses::{self, ClausePatch};
use crate::app::contracts::{self, AmendmentInput, ContractPatch};
use crate::app::organisations::{self, OrganisationPatch};
use crate::app::placements::{self, Actor, PlacementPatch};
use crate::app::users::{self, UserPatch};
use crate::app::AppResult;
use crate::auth::csrf::RequestOrigin;
use crate::auth::login::forget_sessions;
use crate::auth::{Caller, CallerCache};
use crate::db::{Conn, Db};
use crate::domain::catalogue::{CodeList, CONTRACT_TYPES, OUTCOMES, SIAE_KINDS};
use crate::domain::clause_kinds::LegalBasis;
use crate::domain::ids::{
    AssignmentId, ClauseId, ContractId, FollowUpId, OrganisationId, PlacementId, UserId,
};
use crate::domain::siret::IDENTIFIER_TYPES;
use crate::domain::vocabulary::{ClauseKind, OrganisationKind, Role};
use crate::pages::corrections::{
    self as form, choices, history_lines, json_of, writer, Body, Choice, Field, HistoryLine, Kind,
    Loaded, Loader, Spec,
};
use crate::pages::{Exit, Html, Visitor};
use crate::store::organisations::OrganisationView;
use crate::store::users::UserView;

/// The paths of the forms carrying a record's version (a POST of one answers 412 when the
/// record changed meanwhile; the amendment form does not carry one).
pub const CORRECTION_FORMS: &[&str] = &[
    "/contracts/<id>/edit",
    "/contracts/<id>/amendments",
    "/clauses/<id>/edit",
    "/assignments/<id>/edit",
    "/assignments/<id>/replace",
    "/assignments/<id>/delete",
    "/placements/<id>/edit",
    "/placements/<id>/cancel",
    "/follow-ups/<id>/edit",
    "/organisations/<id>/edit",
    "/admin/users/<id>/edit",
];

/// Most accounts (or placements of a clause) a list offers.
const CHOICES_MAX: i64 = 1000;
/// Most organisations a select offers; past them, its filter narrows the list.
pub const ORG_CHOICES_MAX: usize = 1000;

const CONTRACT_KINDS: &CodeList = &[
    ("works", "Travaux"),
    ("services", "Services"),
    ("supplies", "Fournitures"),
];

const SOCIAL_CONSIDERATIONS: &CodeList = &[
    ("clause_sociale", "Clause sociale d'exécution"),
    ("critere_social", "Critère social d'attribution"),
    ("marche_reserve", "Marché réservé"),
];

const ENVIRONMENTAL_CONSIDERATIONS: &CodeList = &[
    (
        "clause_environnementale",
        "Clause environnementale d'exécution",
    ),
    (
        "critere_environnemental",
        "Critère environnemental d'attribution",
    ),
];

const FREQUENCIES: &CodeList = &[("monthly", "Mensuelle"), ("quarterly", "Trimestrielle")];

/// The organisations of these kinds an `Id` select offers, narrowed by its filter, with
/// the filter to show.
type OrgSelect = (Vec<Choice>, Option<form::Filter>);

/// What a posted form typed in the select `field` and in its filter: the organisation
/// chosen (kept among the choices whatever the filter) and the filter. Nothing posted (the
/// form first drawn): neither.
fn typed_org(posted: Option<&str>, field: &str) -> (Option<OrganisationId>, String) {
    let Some(body) = posted else {
        return (None, String::new());
    };
    let values = form::values_posted(body);
    let chosen = form::one(&values, field).parse().ok().map(OrganisationId);
    (chosen, form::filter_typed(body, field))
}

/// The organisations of the structure of these kinds matching `query`, those of `keep`
/// always among them, as choices, with the filter to show.
fn org_choices(
    c: &mut Conn,
    caller: &Caller,
    kinds: &[OrganisationKind],
    query: &str,
    keep: &[OrganisationId],
) -> AppResult<OrgSelect> {
    let found =
        organisations::org_choices(c, caller.structure_id, kinds, query, keep, ORG_CHOICES_MAX)?;
    let list = found
        .list
        .into_iter()
        .map(|o| Choice {
            code: o.id.0.to_string(),
            label: o.name,
        })
        .collect();
    Ok((list, form::Filter::of(query, found.more, ORG_CHOICES_MAX)))
}

const DELIVERERS: &[OrganisationKind] = &[
    OrganisationKind::Contractor,
    OrganisationKind::InsertionStructure,
];

/// The organisations an account may belong to.
pub const ACCOUNT_ORGANISATIONS: &[OrganisationKind] = &[
    OrganisationKind::Contractor,
    OrganisationKind::InsertionStructure,
    OrganisationKind::Funder,
];

/// Choices read from the database before a form is drawn (another structure's record is
/// found missing by the loader, not here).
async fn read_choices<T: Send + 'static>(
    visitor: &Visitor,
    db: &Db,
    f: impl FnOnce(&mut Conn) -> AppResult<T> + Send + 'static,
) -> Result<T, Exit> {
    db.run(f).await.map_err(|e| visitor.problem(e.into()))
}

fn actor(caller: &Caller, db: &Db) -> Actor {
    Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    }
}

// --- Contract ----------------------------------------------------------------------------

const CONTRACT_MISSING: &str = "Ce marché n'existe pas ou ne fait pas partie de votre structure.";

/// History fields of a contract that its form does not have.
const CONTRACT_EXTRA: &[(&str, &str)] = &[
    ("current_amount_eur", "Montant en vigueur (€)"),
    ("current_ends_on", "Fin en vigueur"),
    ("amendment", "Avenant"),
    ("holder_ids", "Titulaires"),
    (
        "environmental_considerations",
        "Considérations environnementales",
    ),
];

/// A lot in words: « lot 2 « Voirie », 12 500,50 €, CPV 45233140 ».
pub fn lot_words(lot: &serde_json::Value) -> String {
    let mut out = format!(
        "lot {}",
        lot.get("number").map(|n| n.to_string()).unwrap_or_default()
    );
    if let Some(title) = lot.get("title").and_then(|t| t.as_str()) {
        out.push_str(&format!(" « {title} »"));
    }
    let cents = lot
        .get("amount_eur")
        .filter(|a| a.is_number())
        .and_then(|a| crate::domain::units::parse_hundredths(&a.to_string()));
    if let Some(cents) = cents {
        out.push_str(&format!(", {}", crate::pages::contracts::euros(cents)));
    }
    if let Some(cpv) = lot.get("cpv_code").and_then(|c| c.as_str()) {
        out.push_str(&format!(", CPV {cpv}"));
    }
    out
}

/// The lots of a contract as lines of a form (its correction, its creation).
pub fn lots_field() -> Field {
    Field::rows(
        "lots",
        "Lots",
        form::Rows {
            columns: vec![
                Field::new("number", "Numéro", Kind::Int).required(),
                Field::new("title", "Intitulé", Kind::Text),
                Field::new("amount_eur", "Montant (€)", Kind::Money),
                Field::new("cpv_code", "Code CPV", Kind::Text),
            ],
            item: "Lot",
            blank: "Nouveau lot",
            remove: "Retirer ce lot",
            words: lot_words,
        },
    )
    .hint("Seul le numéro est obligatoire\u{a0}; montants en euros, par exemple 12\u{202f}500,50. Pour enlever un lot, cochez «\u{a0}Retirer ce lot\u{a0}»\u{a0}; pour en ajouter, remplissez une ligne «\u{a0}Nouveau lot\u{a0}». Sans intitulé, un lot s'appelle «\u{a0}Lot\u{a0}» suivi de son numéro.")
}

fn contract_fields(buyers: OrgSelect) -> Vec<Field> {
    vec![
        Field::new("reference", "Référence", Kind::Text).required(),
        Field::new("title", "Objet", Kind::Text).required(),
        Field::new("buyer_id", "Acheteur", Kind::Id)
            .required()
            .choices(buyers.0)
            .filter(buyers.1),
        Field::new("kind", "Nature", Kind::Code)
            .required()
            .choices(choices(CONTRACT_KINDS)),
        Field::new("cpv_code", "Code CPV", Kind::Text),
        Field::new("amount_eur", "Montant notifié (€)", Kind::Money)
            .hint("Par exemple 1 250 000 ou 84 999,50."),
        Field::new("notified_on", "Notifié le", Kind::Date),
        Field::new("starts_on", "Début d'exécution", Kind::Date),
        Field::new("ends_on", "Fin d'exécution", Kind::Date),
        Field::new("duration_months", "Durée (mois)", Kind::Int),
        Field::new(
            "social_considerations",
            "Considérations sociales",
            Kind::Codes,
        )
        .choices(choices(SOCIAL_CONSIDERATIONS)),
        Field::new(
            "environmental_considerations",
            "Considérations environnementales",
            Kind::Codes,
        )
        .choices(choices(ENVIRONMENTAL_CONSIDERATIONS)),
        lots_field(),
        Field::reason(true),
    ]
}

fn contract_loader(caller: &Caller, id: ContractId) -> Loader {
    let sid = caller.structure_id;
    Arc::new(move |c| {
        let v = contracts::contract_versioned(c, sid, id, None)?;
        Ok(Loaded {
            record: json_of(&v.record)?,
            version: v.version.0,
            history: contracts::contract_history(c, sid, id)?,
            name: format!("{} — {}", v.record.reference, v.record.title),
        })
    })
}

/// The correction form of a contract; `posted`: the form as sent (its buyer and filter).
async fn contract_spec(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: ContractId,
    posted: Option<&str>,
) -> Result<Spec, Exit> {
    let who = caller.clone();
    let (chosen, query) = typed_org(posted, "buyer_id");
    let buyers = read_choices(visitor, db, move |c| {
        let now = contracts::contract_versioned(c, who.structure_id, id, None)
            .ok()
            .map(|v| v.record.buyer_id);
        let keep: Vec<OrganisationId> = chosen.into_iter().chain(now).collect();
        org_choices(c, &who, &[OrganisationKind::Buyer], &query, &keep)
    })
    .await?;
    Ok(Spec {
        title: "Corriger le marché",
        here: "/contracts",
        back_href: format!("/contracts/{}", id.0),
        back_label: "Retour au marché".into(),
        action: format!("/contracts/{}/edit", id.0),
        submit: "Enregistrer la correction",
        intro: "Corrigez une erreur de saisie. Un avenant (montant ou durée changés après la notification) s'enregistre depuis la page du marché.",
        fields: contract_fields(buyers),
        body: Body::Changes,
        extra_labels: CONTRACT_EXTRA,
        with_history: true,
        danger: false,
        facts: Vec::new(),
        missing: CONTRACT_MISSING,
    })
}

/// GET /contracts/{id}/edit — staff: the correction form of a contract, with its history.
#[rocket::get("/contracts/<id>/edit")]
pub async fn contract_edit(visitor: Visitor, id: ContractId, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let spec = contract_spec(&visitor, &caller, db, id, None).await?;
    form::show(&visitor, &caller, db, spec, contract_loader(&caller, id)).await
}

/// POST /contracts/{id}/edit — staff: corrects the contract (as `PATCH
/// /api/v1/contracts/{id}` with the form's version as `If-Match`), with its reason.
#[rocket::post("/contracts/<id>/edit", data = "<body>")]
pub async fn contract_correct(
    visitor: Visitor,
    id: ContractId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let spec = contract_spec(&visitor, &caller, db, id, Some(&body)).await?;
    let (sid, by) = (caller.structure_id, caller.user_id);
    let write = writer(move |c, patch: ContractPatch, im| {
        contracts::correct_contract(c, sid, by, id, patch, Some(im)).map(|_| ())
    });
    let done = format!("/contracts/{}?fait=marche-corrige", id.0);
    let loader = contract_loader(&caller, id);
    form::submit(
        &visitor, &caller, &origin, db, spec, loader, &body, write, done,
    )
    .await
}

fn amendment_fields() -> Vec<Field> {
    vec![
        Field::new("number", "Numéro de l'avenant", Kind::Text).required(),
        Field::new("signed_on", "Signé le", Kind::Date).required(),
        Field::new("amount_eur", "Nouveau montant total (€)", Kind::Money)
            .hint("Vide si l'avenant ne change pas le montant."),
        Field::new("ends_on", "Nouvelle fin d'exécution", Kind::Date)
            .hint("Vide si l'avenant ne change pas la fin, ou si vous donnez la durée."),
        Field::new(
            "duration_months",
            "Nouvelle durée (mois, depuis le début)",
            Kind::Int,
        ),
        Field::reason(true),
    ]
}

fn amendment_spec(id: ContractId) -> Spec {
    Spec {
        title: "Enregistrer un avenant",
        here: "/contracts",
        back_href: format!("/contracts/{}#avenants", id.0),
        back_label: "Retour au marché".into(),
        action: format!("/contracts/{}/amendments", id.0),
        submit: "Enregistrer l'avenant",
        intro: "Le montant et la fin en vigueur du marché suivent l'avenant ; les montant et dates notifiés restent. Les heures des clauses ne changent pas d'elles-mêmes : corrigez-les depuis chaque clause si besoin.",
        fields: amendment_fields(),
        body: Body::Whole,
        extra_labels: &[],
        with_history: false,
        danger: false,
        facts: Vec::new(),
        missing: CONTRACT_MISSING,
    }
}

/// GET /contracts/{id}/amendments/new — staff: the amendment form of a contract.
#[rocket::get("/contracts/<id>/amendments/new")]
pub async fn amendment_new(visitor: Visitor, id: ContractId, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    form::show(
        &visitor,
        &caller,
        db,
        amendment_spec(id),
        contract_loader(&caller, id),
    )
    .await
}

/// POST /contracts/{id}/amendments — staff: records an amendment (as `POST
/// /api/v1/contracts/{id}/amendments`), back to the contract's page.
#[rocket::post("/contracts/<id>/amendments", data = "<body>")]
pub async fn amendment_add(
    visitor: Visitor,
    id: ContractId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let (sid, by) = (caller.structure_id, caller.user_id);
    let write = writer(move |c, input: AmendmentInput, _| {
        contracts::amend_contract(c, sid, by, id, input).map(|_| ())
    });
    let done = format!("/contracts/{}?fait=avenant-enregistre#avenants", id.0);
    let loader = contract_loader(&caller, id);
    form::submit(
        &visitor,
        &caller,
        &origin,
        db,
        amendment_spec(id),
        loader,
        &body,
        write,
        done,
    )
    .await
}

/// An amendment as the contract's page lists it.
#[derive(Serialize)]
pub struct AmendmentRow {
    number: String,
    signed_on: String,
    amount: Option<String>,
    ends_on: Option<String>,
    reason: Option<String>,
}

/// What the contract's page shows of its corrections: its amendments, the amendment form,
/// its history.
#[derive(Serialize)]
pub struct ContractSection {
    id: i64,
    amendments: Vec<AmendmentRow>,
    amendment_fields: Vec<form::FieldView>,
    history: Vec<HistoryLine>,
}

/// The corrections section of a contract's page.
pub fn contract_section(
    c: &mut Conn,
    caller: &Caller,
    view: &crate::store::contracts::ContractView,
) -> AppResult<ContractSection> {
    let history = contracts::contract_history(c, caller.structure_id, view.id)?;
    Ok(ContractSection {
        id: view.id.0,
        amendments: view
            .amendments
            .iter()
            .map(|a| AmendmentRow {
                number: a.number.clone(),
                signed_on: a.signed_on.to_string(),
                amount: a.amount_cents.map(crate::pages::contracts::euros),
                ends_on: a.ends_on.map(|d| d.to_string()),
                reason: a.reason.clone(),
            })
            .collect(),
        amendment_fields: form::blank_fields(&amendment_fields()),
        history: history_lines(
            history,
            &contract_fields((Vec::new(), None)),
            CONTRACT_EXTRA,
        ),
    })
}

// --- Clause ------------------------------------------------------------------------------

const CLAUSE_MISSING: &str = "Cette clause n'existe pas ou ne fait pas partie de votre structure.";

const CLAUSE_EXTRA: &[(&str, &str)] = &[
    ("required_hours", "Heures exigées"),
    ("computed_hours", "Heures calculées"),
    ("calibration", "Calibrage"),
    ("method", "Méthode de calibrage"),
    ("explanation", "Explication du calibrage"),
    ("status", "État"),
];

fn clause_fields(referents: Vec<Choice>) -> Vec<Field> {
    vec![
        Field::new("starts_on", "Début", Kind::Date).required(),
        Field::new("ends_on", "Fin", Kind::Date).required(),
        Field::new("reporting_frequency", "Fréquence des relevés", Kind::Code)
            .required()
            .choices(choices(FREQUENCIES)),
        Field::new(
            "penalty_per_missing_hour_eur",
            "Pénalité par heure manquante (€)",
            Kind::Money,
        ),
        Field::new("referent_id", "Référent", Kind::Id).choices(referents),
        Field::new(
            "hours_override",
            "Heures exigées fixées à la main",
            Kind::Hours,
        )
        .hint("Vide : les heures du calibrage. Sinon, donnez la justification."),
        Field::new(
            "override_justification",
            "Justification des heures fixées à la main",
            Kind::Area,
        ),
        Field::reason(false),
    ]
}

/// The calibration's inputs: a change of one recomputes the clause's hours from them all.
fn calibration_fields() -> Vec<Field> {
    vec![
        Field::new("calibration.method", "Méthode de calibrage", Kind::Code)
            .choices(choices(crate::pages::contracts::METHOD_LABELS)),
        Field::new(
            "calibration.amount_eur",
            "Montant pris en compte (€)",
            Kind::Money,
        )
        .hint("Part de main-d'œuvre ou tranche de montant."),
        Field::new(
            "calibration.labour_share_percent",
            "Part de main-d'œuvre (%)",
            Kind::Percent,
        )
        .hint("Vide : celle de la table de référence selon le code CPV."),
        Field::new("calibration.cpv_code", "Code CPV du calibrage", Kind::Text),
        Field::new(
            "calibration.insertion_rate_percent",
            "Taux d'insertion (%)",
            Kind::Percent,
        ),
        Field::new(
            "calibration.hourly_cost_eur",
            "Coût horaire chargé (€)",
            Kind::Money,
        ),
        Field::new(
            "calibration.euros_per_hour",
            "Une heure par tranche de (€)",
            Kind::Money,
        ),
        Field::new("calibration.hours", "Heures fixées", Kind::Hours),
        Field::new(
            "calibration.justification",
            "Justification des heures fixées",
            Kind::Area,
        ),
    ]
}

/// The fields of the clause's own kind: its legal basis, its criterion or its persons.
fn kind_fields(kind: Option<ClauseKind>) -> Vec<Field> {
    match kind {
        Some(ClauseKind::ReservedContract) => {
            vec![
                Field::new("legal_basis", "Fondement de la réservation", Kind::Code)
                    .required()
                    .choices(
                        LegalBasis::ALL
                            .iter()
                            .map(|b| Choice {
                                code: b.as_str().to_string(),
                                label: b.label().to_string(),
                            })
                            .collect(),
                    ),
            ]
        }
        Some(ClauseKind::AwardCriterion) => vec![
            Field::new("weighting_percent", "Pondération du critère (%)", Kind::Int),
            Field::new(
                "committed_hours",
                "Heures promises par le titulaire",
                Kind::Hours,
            )
            .hint("Elles deviennent les heures exigées."),
        ],
        Some(ClauseKind::InsertionPurpose) => vec![Field::new(
            "target_persons",
            "Personnes à accompagner",
            Kind::Int,
        )],
        _ => Vec::new(),
    }
}

fn clause_loader(caller: &Caller, id: ClauseId) -> Loader {
    let sid = caller.structure_id;
    Arc::new(move |c| {
        let v = clauses::clause_versioned(c, sid, id, None)?;
        Ok(Loaded {
            record: json_of(&v.record)?,
            version: v.version.0,
            history: clauses::clause_history(c, sid, id)?,
            name: v.record.clause_label.clone(),
        })
    })
}

fn referent_choices(c: &mut Conn, sid: crate::domain::ids::StructureId) -> AppResult<Vec<Choice>> {
    let (list, _) = users::list_users(c, sid, CHOICES_MAX, 0)?;
    Ok(list
        .into_iter()
        .filter(|u| u.active && matches!(u.role, Role::Admin | Role::Facilitator))
        .map(|u| Choice {
            code: u.id.0.to_string(),
            label: crate::store::history::user_name(u.display_name.clone(), u.email.clone()),
        })
        .collect())
}

async fn clause_spec(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: ClauseId,
) -> Result<Spec, Exit> {
    let sid = caller.structure_id;
    let referents = read_choices(visitor, db, move |c| referent_choices(c, sid)).await?;
    let kind = read_choices(visitor, db, move |c| {
        Ok(clauses::clause_versioned(c, sid, id, None)
            .ok()
            .map(|v| v.record.kind))
    })
    .await?;
    let mut fields = clause_fields(referents);
    let reason = fields.pop();
    fields.extend(kind_fields(kind));
    fields.extend(calibration_fields());
    fields.extend(reason);
    Ok(Spec {
        title: "Corriger la clause",
        here: "/contracts",
        back_href: format!("/clauses/{}", id.0),
        back_label: "Retour à la clause".into(),
        action: format!("/clauses/{}/edit", id.0),
        submit: "Enregistrer la correction",
        intro: "De nouvelles dates ou une nouvelle fréquence refont la partie à venir du calendrier des jalons ; les heures exigées ne peuvent pas descendre sous celles déjà attribuées.",
        fields,
        body: Body::Changes,
        extra_labels: CLAUSE_EXTRA,
        with_history: true,
        danger: false,
        facts: Vec::new(),
        missing: CLAUSE_MISSING,
    })
}

/// GET /clauses/{id}/edit — staff: the correction form of a clause, with its history.
#[rocket::get("/clauses/<id>/edit")]
pub async fn clause_edit(visitor: Visitor, id: ClauseId, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let spec = clause_spec(&visitor, &caller, db, id).await?;
    form::show(&visitor, &caller, db, spec, clause_loader(&caller, id)).await
}

/// POST /clauses/{id}/edit — staff: corrects the clause (as `PATCH /api/v1/clauses/{id}`).
#[rocket::post("/clauses/<id>/edit", data = "<body>")]
pub async fn clause_correct(
    visitor: Visitor,
    id: ClauseId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let spec = clause_spec(&visitor, &caller, db, id).await?;
    let (sid, by) = (caller.structure_id, caller.user_id);
    let write = writer(move |c, patch: ClausePatch, im| {
        clauses::correct_clause(c, sid, by, id, patch, Some(im)).map(|_| ())
    });
    let done = format!("/clauses/{}?fait=clause-corrigee", id.0);
    let loader = clause_loader(&caller, id);
    form::submit(
        &visitor, &caller, &origin, db, spec, loader, &body, write, done,
    )
    .await
}

/// An assignment as the clause's corrections section lists it.
#[derive(Serialize)]
pub struct AssignmentLine {
    id: i64,
    contractor: String,
    hours_target: i64,
    ended_on: Option<String>,
}

/// A placement of the clause, with the links to correct or cancel it.
#[derive(Serialize)]
pub struct PlacementLine {
    id: i64,
    person: String,
    job_title: String,
    contractor: String,
    starts_on: String,
    cancelled: bool,
}

/// What the clause's page shows of its corrections.
#[derive(Serialize)]
pub struct ClauseSection {
    id: i64,
    assignments: Vec<AssignmentLine>,
    placements: Vec<PlacementLine>,
    history: Vec<HistoryLine>,
}

/// The corrections section of a clause's page: its assignments (to correct, hand over or
/// remove), its placements (to correct or cancel) and its history.
pub fn clause_section(
    c: &mut Conn,
    caller: &Caller,
    view: &crate::store::clauses::ClauseView,
) -> AppResult<ClauseSection> {
    let history = clauses::clause_history(c, caller.structure_id, view.id)?;
    let mut lines = Vec::new();
    for a in &view.assignments {
        let (list, _) =
            placements::list_placements(c, caller, None, Some(a.assignment.id), CHOICES_MAX, 0)?;
        lines.extend(list.into_iter().map(|p| PlacementLine {
            id: p.placement.id.0,
            person: p.participant_name.clone().unwrap_or_default(),
            job_title: p.placement.job_title.clone(),
            contractor: p.contractor_name.clone(),
            starts_on: p.placement.starts_on.to_string(),
            cancelled: p.placement.cancelled_at.is_some(),
        }));
    }
    let mut assigned = Vec::new();
    for a in &view.assignments {
        let out = assignments::assignment_for(c, caller, a.assignment.id)?.record;
        assigned.push(AssignmentLine {
            id: out.id.0,
            contractor: out.contractor_name,
            hours_target: out.hours_target,
            ended_on: out.ends_on.map(|d| d.to_string()),
        });
    }
    Ok(ClauseSection {
        id: view.id.0,
        assignments: assigned,
        placements: lines,
        history: history_lines(history, &clause_fields(Vec::new()), CLAUSE_EXTRA),
    })
}

// --- Assignment --------------------------------------------------------------------------

const ASSIGNMENT_MISSING: &str =
    "Cette attribution n'existe pas ou ne fait pas partie de votre structure.";

/// An assignment read for its forms.
fn assignment_loader(caller: &Caller, id: AssignmentId) -> Loader {
    let who = caller.clone();
    Arc::new(move |c| {
        let v = assignments::assignment_for(c, &who, id)?;
        Ok(Loaded {
            record: json_of(&v.record)?,
            version: v.version.0,
            history: assignments::assignment_history(c, who.structure_id, id)?,
            name: v.record.contractor_name.clone(),
        })
    })
}

/// The clause of an assignment of the structure (else the « introuvable » page).
async fn clause_of_assignment(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: AssignmentId,
    spec: &Spec,
) -> Result<(i64, String, i64), Exit> {
    let who = caller.clone();
    db.run(move |c| {
        let v = assignments::assignment_for(c, &who, id)?;
        Ok((
            v.record.clause_id.0,
            v.record.contractor_name.clone(),
            v.record.hours_target,
        ))
    })
    .await
    .map_err(|e| form::failed(visitor, caller, spec, e.into()))
}

fn assignment_spec(id: AssignmentId, what: &str, contractors: OrgSelect) -> Spec {
    let mut spec = Spec {
        title: "Corriger l'attribution",
        here: "/contracts",
        back_href: "/contracts".into(),
        back_label: "Retour à la clause".into(),
        action: format!("/assignments/{}/{what}", id.0),
        submit: "Enregistrer la correction",
        intro: "",
        fields: vec![Field::new("hours_target", "Heures attribuées", Kind::Hours).required()],
        body: Body::Changes,
        extra_labels: &[("ends_on", "Fin"), ("contractor_id", "Entreprise")],
        with_history: true,
        danger: false,
        facts: Vec::new(),
        missing: ASSIGNMENT_MISSING,
    };
    match what {
        "replace" => {
            spec.title = "Remplacer l'entreprise";
            spec.submit = "Remplacer l'entreprise";
            spec.intro = "L'attribution actuelle s'arrête à la date donnée, ses heures attribuées ramenées à ses heures validées ; la nouvelle entreprise reprend le reste, sauf si vous donnez un autre nombre d'heures.";
            spec.fields = vec![
                Field::new("contractor_id", "Entreprise qui reprend", Kind::Id)
                    .required()
                    .choices(contractors.0)
                    .filter(contractors.1),
                Field::new(
                    "ends_on",
                    "Dernier jour de l'entreprise actuelle",
                    Kind::Date,
                )
                .required(),
                Field::new(
                    "hours_target",
                    "Heures de la nouvelle entreprise",
                    Kind::Hours,
                )
                .hint("Vide : ce qui restait à faire à l'entreprise actuelle."),
            ];
            spec.body = Body::Whole;
            spec.with_history = false;
        }
        "delete" => {
            spec.title = "Retirer l'attribution";
            spec.submit = "Retirer l'attribution";
            spec.intro = "L'attribution est supprimée ; ses heures redeviennent à attribuer. Ce n'est possible que si aucune mise en situation ni aucune heure n'en dépend.";
            spec.fields = Vec::new();
            spec.body = Body::Whole;
            spec.with_history = false;
            spec.danger = true;
        }
        _ => {}
    }
    spec
}

/// The form of an assignment (`what`: `edit`, `replace`, `delete`) with its clause's link
/// and its facts; `posted`: the form as sent (the contractor chosen and its filter).
async fn assignment_form(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: AssignmentId,
    what: &str,
    posted: Option<&str>,
) -> Result<Spec, Exit> {
    let contractors = if what == "replace" {
        let who = caller.clone();
        let (chosen, query) = typed_org(posted, "contractor_id");
        let keep: Vec<OrganisationId> = chosen.into_iter().collect();
        read_choices(visitor, db, move |c| {
            org_choices(c, &who, DELIVERERS, &query, &keep)
        })
        .await?
    } else {
        (Vec::new(), None)
    };
    let mut spec = assignment_spec(id, what, contractors);
    let (clause, contractor, target) = clause_of_assignment(visitor, caller, db, id, &spec).await?;
    spec.back_href = format!("/clauses/{clause}#corrections");
    spec.facts = vec![
        ("Entreprise".into(), contractor),
        (
            "Heures attribuées".into(),
            format!("{} h", crate::domain::next_action::format_hours_fr(target)),
        ),
    ];
    Ok(spec)
}

/// An assignment's form page (`what`: `edit`, `replace`, `delete`).
async fn assignment_page(
    visitor: Visitor,
    id: AssignmentId,
    what: &'static str,
    db: &Db,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let spec = assignment_form(&visitor, &caller, db, id, what, None).await?;
    let loader = assignment_loader(&caller, id);
    form::show(&visitor, &caller, db, spec, loader).await
}

/// An assignment's form posted: corrects its target (as `PATCH /api/v1/assignments/{id}`),
/// hands it over (as `POST …/replace`) or removes it (as `DELETE /api/v1/assignments/{id}`),
/// each with the form's version as `If-Match`; back to the clause's page.
async fn assignment_change(
    visitor: Visitor,
    id: AssignmentId,
    what: &'static str,
    body: String,
    origin: RequestOrigin,
    db: &Db,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let spec = assignment_form(&visitor, &caller, db, id, what, Some(&body)).await?;
    let who = caller.clone();
    let (write, notice) = match what {
        "replace" => (
            writer(move |c, input: ReplaceInput, im| {
                assignments::replace_assignment(c, &who, id, input, Some(im)).map(|_| ())
            }),
            "attribution-remplacee",
        ),
        "delete" => (
            writer(move |c, _: serde_json::Value, im| {
                assignments::delete_assignment(c, &who, id, Some(im))
            }),
            "attribution-retiree",
        ),
        _ => (
            writer(move |c, patch: AssignmentPatch, im| {
                assignments::correct_assignment(c, &who, id, patch, Some(im)).map(|_| ())
            }),
            "attribution-corrigee",
        ),
    };
    let clause = spec.back_href.trim_end_matches("#corrections").to_string();
    let done = format!("{clause}?fait={notice}#corrections");
    let loader = assignment_loader(&caller, id);
    form::submit(
        &visitor, &caller, &origin, db, spec, loader, &body, write, done,
    )
    .await
}

/// GET /assignments/{id}/edit — staff: the correction form of an assignment's target.
#[rocket::get("/assignments/<id>/edit")]
pub async fn assignment_edit(
    visitor: Visitor,
    id: AssignmentId,
    db: &State<Db>,
) -> Result<Html, Exit> {
    assignment_page(visitor, id, "edit", db).await
}

/// POST /assignments/{id}/edit — staff: corrects the assignment's target.
#[rocket::post("/assignments/<id>/edit", data = "<body>")]
pub async fn assignment_correct(
    visitor: Visitor,
    id: AssignmentId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    assignment_change(visitor, id, "edit", body, origin, db).await
}

/// GET /assignments/{id}/replace — staff: the form handing an assignment over to another
/// contractor.
#[rocket::get("/assignments/<id>/replace")]
pub async fn assignment_replace_form(
    visitor: Visitor,
    id: AssignmentId,
    db: &State<Db>,
) -> Result<Html, Exit> {
    assignment_page(visitor, id, "replace", db).await
}

/// POST /assignments/{id}/replace — staff: hands the assignment over.
#[rocket::post("/assignments/<id>/replace", data = "<body>")]
pub async fn assignment_replace(
    visitor: Visitor,
    id: AssignmentId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    assignment_change(visitor, id, "replace", body, origin, db).await
}

/// GET /assignments/{id}/delete — staff: the confirmation page of an assignment's removal.
#[rocket::get("/assignments/<id>/delete")]
pub async fn assignment_delete_form(
    visitor: Visitor,
    id: AssignmentId,
    db: &State<Db>,
) -> Result<Html, Exit> {
    assignment_page(visitor, id, "delete", db).await
}

/// POST /assignments/{id}/delete — staff: removes the assignment (confirmed).
#[rocket::post("/assignments/<id>/delete", data = "<body>")]
pub async fn assignment_delete(
    visitor: Visitor,
    id: AssignmentId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    assignment_change(visitor, id, "delete", body, origin, db).await
}

// --- Placement ---------------------------------------------------------------------------

const PLACEMENT_MISSING: &str =
    "Cette mise en situation n'existe pas ou ne fait pas partie de votre structure.";

fn placement_fields(employers: OrgSelect) -> Vec<Field> {
    vec![
        Field::new("job_title", "Poste", Kind::Text).required(),
        Field::new("contract_type", "Type de contrat", Kind::Code)
            .required()
            .choices(choices(CONTRACT_TYPES)),
        Field::new("employer_id", "Employeur", Kind::Id)
            .required()
            .choices(employers.0)
            .filter(employers.1),
        Field::new("starts_on", "Début", Kind::Date).required(),
        Field::new("ends_on", "Fin prévue", Kind::Date),
        Field::new("weekly_hours", "Heures par semaine", Kind::Hours).required(),
        Field::new("ended_on", "Date de sortie", Kind::Date)
            .hint("Avec le résultat de la sortie ; vides tous les deux, la sortie est retirée."),
        Field::new("outcome", "Résultat de la sortie", Kind::Code).choices(choices(OUTCOMES)),
    ]
}

const PLACEMENT_EXTRA: &[(&str, &str)] = &[
    ("cancelled_at", "Annulée le"),
    ("status", "État"),
    ("age_band", "Tranche d'âge"),
];

fn placement_loader(caller: &Caller, id: PlacementId) -> Loader {
    let who = caller.clone();
    Arc::new(move |c| {
        let v = placements::placement_for(c, &who, id)?;
        let p = &v.record;
        Ok(Loaded {
            record: json_of(p)?,
            version: v.version.0,
            history: placements::placement_history(c, who.structure_id, id)?,
            name: format!(
                "{}, {}",
                p.participant_name.clone().unwrap_or_default(),
                p.placement.job_title
            ),
        })
    })
}

/// The person of a placement of the structure (the way back), else the « introuvable »
/// page.
async fn person_of(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: PlacementId,
    spec: &Spec,
) -> Result<i64, Exit> {
    let who = caller.clone();
    db.run(move |c| {
        Ok(placements::placement_for(c, &who, id)?
            .record
            .placement
            .participant_id
            .0)
    })
    .await
    .map_err(|e| form::failed(visitor, caller, spec, e.into()))
}

/// A placement's correction (or cancellation) form; `posted`: the form as sent (the
/// employer chosen and its filter).
async fn placement_spec(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: PlacementId,
    cancel: bool,
    posted: Option<&str>,
) -> Result<Spec, Exit> {
    let who = caller.clone();
    let employers = if cancel {
        (Vec::new(), None)
    } else {
        let (chosen, query) = typed_org(posted, "employer_id");
        read_choices(visitor, db, move |c| {
            let now = placements::placement_for(c, &who, id)
                .ok()
                .map(|v| v.record.placement.employer_id);
            let keep: Vec<OrganisationId> = chosen.into_iter().chain(now).collect();
            org_choices(c, &who, DELIVERERS, &query, &keep)
        })
        .await?
    };
    let mut spec = Spec {
        title: "Corriger la mise en situation",
        here: "/people",
        back_href: "/people".into(),
        back_label: "Retour à la fiche de la personne".into(),
        action: format!("/placements/{}/edit", id.0),
        submit: "Enregistrer la correction",
        intro: "Les règles de la création valent pour la mise en situation corrigée : éligibilité au début, heures hebdomadaires de la personne, mois d'heures déjà déclarés dans les dates.",
        fields: placement_fields(employers),
        body: Body::Changes,
        extra_labels: PLACEMENT_EXTRA,
        with_history: true,
        danger: false,
        facts: Vec::new(),
        missing: PLACEMENT_MISSING,
    };
    if cancel {
        spec.title = "Annuler la mise en situation";
        spec.action = format!("/placements/{}/cancel", id.0);
        spec.submit = "Annuler la mise en situation";
        spec.intro = "Pour une mise en situation saisie par erreur : elle ne compte plus nulle part et ses heures en attente sont refusées avec ce motif. Impossible une fois des heures validées.";
        spec.fields = vec![Field::reason(true)];
        spec.body = Body::Whole;
        spec.with_history = false;
        spec.danger = true;
    }
    let person = person_of(visitor, caller, db, id, &spec).await?;
    spec.back_href = format!("/people/{person}#placements");
    Ok(spec)
}

/// GET /placements/{id}/edit — staff: the correction form of a placement, with its history.
#[rocket::get("/placements/<id>/edit")]
pub async fn placement_edit(
    visitor: Visitor,
    id: PlacementId,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let spec = placement_spec(&visitor, &caller, db, id, false, None).await?;
    form::show(&visitor, &caller, db, spec, placement_loader(&caller, id)).await
}

/// POST /placements/{id}/edit — staff: corrects the placement (as `PATCH
/// /api/v1/placements/{id}`), back to the person's page.
#[rocket::post("/placements/<id>/edit", data = "<body>")]
pub async fn placement_correct(
    visitor: Visitor,
    id: PlacementId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let spec = placement_spec(&visitor, &caller, db, id, false, Some(&body)).await?;
    let by = actor(&caller, db);
    let write = writer(move |c, patch: PlacementPatch, im| {
        placements::correct_placement(c, &by, id, patch, Some(im)).map(|_| ())
    });
    let done = format!(
        "{}?fait=mise-en-situation-corrigee#placements",
        spec.back_href.trim_end_matches("#placements")
    );
    let loader = placement_loader(&caller, id);
    form::submit(
        &visitor, &caller, &origin, db, spec, loader, &body, write, done,
    )
    .await
}

/// GET /placements/{id}/cancel — staff: the confirmation page of a placement's
/// cancellation, asking its reason.
#[rocket::get("/placements/<id>/cancel")]
pub async fn placement_cancel_form(
    visitor: Visitor,
    id: PlacementId,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let spec = placement_spec(&visitor, &caller, db, id, true, None).await?;
    form::show(&visitor, &caller, db, spec, placement_loader(&caller, id)).await
}

/// POST /placements/{id}/cancel — staff: cancels the placement (as `POST
/// /api/v1/placements/{id}/cancel` with the form's version as `If-Match`).
#[rocket::post("/placements/<id>/cancel", data = "<body>")]
pub async fn placement_cancel(
    visitor: Visitor,
    id: PlacementId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let spec = placement_spec(&visitor, &caller, db, id, true, None).await?;
    let by = actor(&caller, db);
    let write = writer(move |c, input: CancelInput, im| {
        placements::cancel_placement(c, &by, id, &input.reason, Some(im)).map(|_| ())
    });
    let done = format!(
        "{}?fait=mise-en-situation-annulee#placements",
        spec.back_href.trim_end_matches("#placements")
    );
    let loader = placement_loader(&caller, id);
    form::submit(
        &visitor, &caller, &origin, db, spec, loader, &body, write, done,
    )
    .await
}

// --- Follow-up after an exit --------------------------------------------------------------

const FOLLOW_UP_MISSING: &str =
    "Ce suivi après la sortie n'existe pas ou ne fait pas partie de votre structure.";

fn follow_up_fields() -> Vec<Field> {
    use crate::domain::follow_ups::{SITUATIONS, SOURCES};
    vec![
        Field::new("situation", "Situation de la personne", Kind::Code)
            .required()
            .choices(choices(SITUATIONS)),
        Field::new(
            "observed_on",
            "Date à laquelle la situation est connue",
            Kind::Date,
        )
        .required()
        .hint("Entre la sortie et aujourd'hui."),
        Field::new("source", "Source de l'information", Kind::Code)
            .required()
            .choices(choices(SOURCES)),
    ]
}

fn follow_up_loader(caller: &Caller, id: FollowUpId) -> Loader {
    let sid = caller.structure_id;
    Arc::new(move |c| {
        let v = crate::app::follow_ups::get(c, sid, id)?;
        let f = &v.record;
        let person = crate::store::participants::get(c, sid, f.participant_id)?;
        let name = crate::store::names::person_name(person.first_name, person.last_name)
            .unwrap_or_default();
        Ok(Loaded {
            record: json_of(f)?,
            version: v.version.0,
            history: crate::app::follow_ups::follow_up_history(c, sid, id)?,
            name: format!("{name}, suivi à {} mois", f.months),
        })
    })
}

async fn follow_up_spec(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: FollowUpId,
) -> Result<Spec, Exit> {
    let mut spec = Spec {
        title: "Corriger le suivi après la sortie",
        here: "/people",
        back_href: "/people".into(),
        back_label: "Retour à la fiche de la personne".into(),
        action: format!("/follow-ups/{}/edit", id.0),
        submit: "Enregistrer la correction",
        intro: "Pour un suivi saisi avec une erreur : la situation corrigée compte dans le bilan annuel, et la correction reste dans l'historique du suivi.",
        fields: follow_up_fields(),
        body: Body::Changes,
        extra_labels: &[],
        with_history: true,
        danger: false,
        facts: Vec::new(),
        missing: FOLLOW_UP_MISSING,
    };
    let sid = caller.structure_id;
    let (person, placement) = db
        .run(move |c| {
            crate::app::follow_ups::get(c, sid, id)
                .map(|v| (v.record.participant_id.0, v.record.placement_id.0))
        })
        .await
        .map_err(|e| form::failed(visitor, caller, &spec, e.into()))?;
    spec.back_href = format!("/people/{person}#follow-up-{placement}");
    Ok(spec)
}

/// GET /follow-ups/{id}/edit — staff: the correction form of a follow-up, with its history.
#[rocket::get("/follow-ups/<id>/edit")]
pub async fn follow_up_edit(
    visitor: Visitor,
    id: FollowUpId,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let spec = follow_up_spec(&visitor, &caller, db, id).await?;
    form::show(&visitor, &caller, db, spec, follow_up_loader(&caller, id)).await
}

/// POST /follow-ups/{id}/edit — staff: corrects the follow-up (as `PATCH
/// /api/v1/follow-ups/{id}`), back to the person's page.
#[rocket::post("/follow-ups/<id>/edit", data = "<body>")]
pub async fn follow_up_correct(
    visitor: Visitor,
    id: FollowUpId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let spec = follow_up_spec(&visitor, &caller, db, id).await?;
    let by = actor(&caller, db);
    let write = writer(move |c, patch: crate::app::follow_ups::FollowUpPatch, im| {
        crate::app::follow_ups::correct(c, &by, id, patch, Some(im)).map(|_| ())
    });
    let (path, anchor) = spec
        .back_href
        .split_once('#')
        .map(|(p, a)| (p.to_string(), a.to_string()))
        .unwrap_or_default();
    let done = format!("{path}?fait=suivi-corrige#{anchor}");
    let loader = follow_up_loader(&caller, id);
    form::submit(
        &visitor, &caller, &origin, db, spec, loader, &body, write, done,
    )
    .await
}

// --- Organisation ------------------------------------------------------------------------

const ORGANISATION_MISSING: &str =
    "Cette organisation n'existe pas ou ne fait pas partie de votre structure.";

fn organisation_fields() -> Vec<Field> {
    vec![
        Field::new("name", "Nom", Kind::Text).required(),
        Field::new("siret", "SIRET", Kind::Text).hint("14 chiffres."),
        Field::new("territory", "Département", Kind::Text)
            .hint("Son numéro, par exemple 93 ou 2A."),
        Field::new("siae_kind", "Type de structure d'insertion", Kind::Code)
            .choices(choices(SIAE_KINDS)),
        Field::new("identifier_type", "Type d'identifiant", Kind::Code)
            .choices(
                IDENTIFIER_TYPES
                    .iter()
                    .map(|t| Choice {
                        code: t.to_string(),
                        label: t.to_string(),
                    })
                    .collect(),
            )
            .hint("Pour un titulaire sans SIRET (open data DECP)."),
        Field::new("identifier", "Identifiant", Kind::Text),
        Field::new(
            "ess",
            "Entreprise de l'économie sociale et solidaire (ESS)",
            Kind::Check,
        ),
    ]
}

const ORGANISATION_EXTRA: &[(&str, &str)] = &[];

fn organisation_loader(caller: &Caller, id: OrganisationId) -> Loader {
    let sid = caller.structure_id;
    Arc::new(move |c| {
        let v = organisations::organisation_versioned(c, sid, id)?;
        let view = OrganisationView::from(v.record);
        Ok(Loaded {
            record: json_of(&view)?,
            version: v.version.0,
            history: organisations::organisation_history(c, sid, id)?,
            name: view.name.clone(),
        })
    })
}

fn organisation_spec(id: OrganisationId) -> Spec {
    Spec {
        title: "Corriger l'organisation",
        here: "/organisations",
        back_href: format!("/organisations/{}", id.0),
        back_label: "Retour à l'organisation".into(),
        action: format!("/organisations/{}/edit", id.0),
        submit: "Enregistrer la correction",
        intro: "Sa nature (acheteur, entreprise...) ne se corrige pas : une organisation saisie dans la mauvaise nature se crée à nouveau.",
        fields: organisation_fields(),
        body: Body::Changes,
        extra_labels: ORGANISATION_EXTRA,
        with_history: true,
        danger: false,
        facts: Vec::new(),
        missing: ORGANISATION_MISSING,
    }
}

/// GET /organisations/{id}/edit — staff: the correction form of an organisation.
#[rocket::get("/organisations/<id>/edit")]
pub async fn organisation_edit(
    visitor: Visitor,
    id: OrganisationId,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    let loader = organisation_loader(&caller, id);
    form::show(&visitor, &caller, db, organisation_spec(id), loader).await
}

/// POST /organisations/{id}/edit — staff: corrects the organisation (as `PATCH
/// /api/v1/organisations/{id}`).
#[rocket::post("/organisations/<id>/edit", data = "<body>")]
pub async fn organisation_correct(
    visitor: Visitor,
    id: OrganisationId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let who = caller.clone();
    let write = writer(move |c, patch: OrganisationPatch, im| {
        organisations::correct_organisation(c, &who, id, patch, Some(im)).map(|_| ())
    });
    let done = format!("/organisations/{}?fait=organisation-corrigee", id.0);
    let loader = organisation_loader(&caller, id);
    let spec = organisation_spec(id);
    form::submit(
        &visitor, &caller, &origin, db, spec, loader, &body, write, done,
    )
    .await
}

/// What the organisation's page shows of its corrections.
#[derive(Serialize)]
pub struct OrganisationSection {
    id: i64,
    history: Vec<HistoryLine>,
}

/// The corrections section of an organisation's page.
pub fn organisation_section(
    c: &mut Conn,
    caller: &Caller,
    id: OrganisationId,
) -> AppResult<OrganisationSection> {
    let history = organisations::organisation_history(c, caller.structure_id, id)?;
    Ok(OrganisationSection {
        id: id.0,
        history: history_lines(history, &organisation_fields(), ORGANISATION_EXTRA),
    })
}

// --- Account -----------------------------------------------------------------------------

const USER_MISSING: &str = "Ce compte n'existe pas ou ne fait pas partie de votre structure.";

fn user_fields(organisations: OrgSelect) -> Vec<Field> {
    let roles = [
        Role::Admin,
        Role::Facilitator,
        Role::Contractor,
        Role::Funder,
    ]
    .iter()
    .map(|r| Choice {
        code: r.as_str().to_string(),
        label: crate::pages::admin::role_name(*r).to_string(),
    })
    .collect();
    vec![
        Field::new("role", "Rôle", Kind::Code)
            .required()
            .choices(roles),
        Field::new("organisation_id", "Organisation", Kind::Id)
            .hint("Obligatoire pour un compte d'entreprise, possible pour un financeur.")
            .choices(organisations.0)
            .filter(organisations.1),
        Field::new("active", "Compte actif (il peut se connecter)", Kind::Check),
    ]
}

fn user_loader(caller: &Caller, id: UserId) -> Loader {
    let sid = caller.structure_id;
    Arc::new(move |c| {
        let v = users::get_user(c, sid, id)?;
        let view = UserView::from(v.record);
        Ok(Loaded {
            record: json_of(&view)?,
            version: v.version.0,
            history: users::user_history(c, sid, id)?,
            name: view.email.clone(),
        })
    })
}

/// An account's form; `posted`: the form as sent (the organisation chosen and its filter).
async fn user_spec(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    id: UserId,
    posted: Option<&str>,
) -> Result<Spec, Exit> {
    let who = caller.clone();
    let (chosen, query) = typed_org(posted, "organisation_id");
    let orgs = read_choices(visitor, db, move |c| {
        let now = users::get_user(c, who.structure_id, id)
            .ok()
            .and_then(|v| v.record.organisation_id);
        let keep: Vec<OrganisationId> = chosen.into_iter().chain(now).collect();
        org_choices(c, &who, ACCOUNT_ORGANISATIONS, &query, &keep)
    })
    .await?;
    Ok(Spec {
        title: "Modifier le compte",
        here: "/admin/users",
        back_href: "/admin/users".into(),
        back_label: "Retour aux comptes".into(),
        action: format!("/admin/users/{}/edit", id.0),
        submit: "Enregistrer",
        intro: "Un compte désactivé ne peut plus se connecter et ses sessions sont fermées aussitôt. Personne ne change son propre rôle ni ne retire le dernier administrateur.",
        fields: user_fields(orgs),
        body: Body::Changes,
        extra_labels: &[],
        with_history: true,
        danger: false,
        facts: Vec::new(),
        missing: USER_MISSING,
    })
}

/// GET /admin/users/{id}/edit — an administrator: an account's role, organisation and
/// state as a form carrying its version, with its history.
#[rocket::get("/admin/users/<id>/edit")]
pub async fn user_edit(visitor: Visitor, id: UserId, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    let spec = user_spec(&visitor, &caller, db, id, None).await?;
    form::show(&visitor, &caller, db, spec, user_loader(&caller, id)).await
}

/// POST /admin/users/{id}/edit — an administrator: changes the account (as `PATCH
/// /api/v1/users/{id}` with the form's version as `If-Match`); switched off, its sessions
/// end at once.
#[rocket::post("/admin/users/<id>/edit", data = "<body>")]
pub async fn user_change(
    visitor: Visitor,
    id: UserId,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
    cache: &State<CallerCache>,
) -> Result<Exit, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    let spec = user_spec(&visitor, &caller, db, id, Some(&body)).await?;
    let (me, sid) = (caller.user_id, caller.structure_id);
    let ended = Arc::new(Mutex::new(Vec::new()));
    let sessions = ended.clone();
    let write = writer(move |c, patch: UserPatch, im| {
        let changed = users::update_user(c, me, sid, id, patch, Some(im))?;
        if let Ok(mut s) = sessions.lock() {
            *s = changed.ended_sessions;
        }
        Ok(())
    });
    let done = format!("/admin/users?fait=compte-modifie#user-{}", id.0);
    let loader = user_loader(&caller, id);
    let out = form::submit(
        &visitor, &caller, &origin, db, spec, loader, &body, write, done,
    )
    .await;
    // Its role or organisation may have changed: read again at its next request.
    if let Ok(list) = ended.lock() {
        forget_sessions(cache, &list);
    }
    cache.forget_user(id);
    out
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        contract_edit,
        contract_correct,
        amendment_new,
        amendment_add,
        clause_edit,
        clause_correct,
        assignment_edit,
        assignment_correct,
        assignment_replace_form,
        assignment_replace,
        assignment_delete_form,
        assignment_delete,
        placement_edit,
        placement_correct,
        placement_cancel_form,
        placement_cancel,
        follow_up_edit,
        follow_up_correct,
        organisation_edit,
        organisation_correct,
        user_edit,
        user_change
    ]
}
