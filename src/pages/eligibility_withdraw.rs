//! Withdrawing an eligibility validation entered by mistake, from the person's page
//! (`/people/{pid}/eligibility/{id}/withdraw`, staff): a confirmation page asking the reason,
//! carrying the validation's version, over the use case of
//! `POST /api/v1/participants/{pid}/eligibility/{id}/withdraw`, with the validation's history.

use std::sync::Arc;

use rocket::State;
use serde_json::json;

use crate::app::withdrawals::{self, WithdrawInput};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::ids::ParticipantId;
use crate::domain::next_action::format_date_fr;
use crate::pages::corrections::{self as form, writer, Body, Field, Loaded, Loader, Spec};
use crate::pages::{Exit, Html, Visitor};

const MISSING: &str =
    "Cette validation d'éligibilité n'existe pas ou ne fait pas partie de votre structure.";

/// History fields of a validation that the form does not have.
const EXTRA_LABELS: &[(&str, &str)] = &[
    ("withdrawn_at", "Retirée le"),
    ("withdraw_reason", "Motif du retrait"),
    ("criteria", "Critères"),
    ("proof", "Justificatif"),
    ("validated_on", "Validée le"),
    ("valid_until", "Valable jusqu'au"),
];

fn spec(pid: ParticipantId, id: i64) -> Spec {
    Spec {
        title: "Retirer la validation d'éligibilité",
        here: "/people",
        back_href: format!("/people/{}#eligibilite", pid.0),
        back_label: "Retour à la fiche de la personne".into(),
        action: format!("/people/{}/eligibility/{id}/withdraw", pid.0),
        submit: "Retirer la validation",
        intro: "Pour une validation saisie par erreur : elle ne compte plus, et les mises en situation qui reposaient sur elle reprennent les critères d'une autre validation de la personne. Refusé quand une mise en situation n'aurait plus aucune validation.",
        fields: vec![Field::reason(true)],
        body: Body::Whole,
        extra_labels: EXTRA_LABELS,
        with_history: true,
        danger: true,
        facts: Vec::new(),
        missing: MISSING,
    }
}

fn loader(caller: &Caller, pid: ParticipantId, id: i64) -> Loader {
    let sid = caller.structure_id;
    Arc::new(move |c| {
        let row = crate::store::withdrawals::find(c, sid, pid, id)?
            .ok_or(AppError::NotFound("eligibility"))?;
        Ok(Loaded {
            record: json!({ "reason": null }),
            version: row.version,
            history: withdrawals::validation_history(c, sid, pid, id)?,
            name: format!("validation du {}", format_date_fr(row.validated_on)),
        })
    })
}

/// GET /people/{pid}/eligibility/{id}/withdraw — staff: the confirmation page of a
/// validation's withdrawal, asking its reason, with the validation's history.
#[rocket::get("/people/<pid>/eligibility/<id>/withdraw")]
pub async fn withdraw_form(
    visitor: Visitor,
    pid: ParticipantId,
    id: i64,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    form::show(
        &visitor,
        &caller,
        db,
        spec(pid, id),
        loader(&caller, pid, id),
    )
    .await
}

/// POST /people/{pid}/eligibility/{id}/withdraw — staff: withdraws the validation (as the
/// API's route, with the form's version as `If-Match`), back to the person's page.
#[rocket::post("/people/<pid>/eligibility/<id>/withdraw", data = "<body>")]
pub async fn withdraw(
    visitor: Visitor,
    pid: ParticipantId,
    id: i64,
    body: String,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let who = caller.clone();
    let write = writer(move |c, input: WithdrawInput, im| {
        withdrawals::withdraw_eligibility(c, &who, pid, id, input, Some(im)).map(|_| ())
    });
    let done = format!("/people/{}?fait=eligibilite-retiree#eligibilite", pid.0);
    form::submit(
        &visitor,
        &caller,
        &origin,
        db,
        spec(pid, id),
        loader(&caller, pid, id),
        &body,
        write,
        done,
    )
    .await
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![withdraw_form, withdraw]
}
