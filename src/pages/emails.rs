//! The emails that could not be sent (`/emails/failed`, staff): the outbox messages of the
//! structure that failed after their last attempt, each with a "Renvoyer" button that puts
//! it back in the queue. Both call the use cases of the API routes doing the same thing:
//! `app::reminders::list_notifications` (as `GET /api/v1/notifications?status=failed`) and
//! `app::reminders::retry_notification` (as `POST /api/v1/notifications/{id}/retry`).

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::reminders as app;
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::next_action::format_date_fr;
use crate::domain::vocabulary::ReminderRule;
use crate::error::ApiError;
use crate::pages::{notice, Exit, FieldErrors, Html, PageView, Visitor};
use crate::store::outbox::NotificationView;

const TITLE: &str = "Courriels non envoyés";
const PATH: &str = "/emails/failed";
/// Most failed messages listed (the oldest beyond are reached once these are dealt with).
const MOST: i64 = 200;

/// What an email of a rule is about, in French.
pub fn rule_label(rule: ReminderRule) -> &'static str {
    match rule {
        ReminderRule::ObligationsSummary => "Récapitulatif des obligations",
        ReminderRule::ReportingDue => "Heures du mois à déclarer",
        ReminderRule::AtRiskMidTerm => "Clause en retard à mi-parcours",
        ReminderRule::EndApproaching => "Fin de clause proche",
        ReminderRule::FinalReportDue => "Bilan final à remettre",
        ReminderRule::EligibilityExpiring => "Éligibilité bientôt expirée",
        ReminderRule::ExitMissing => "Sortie sans situation renseignée",
        ReminderRule::ReferralWaiting => "Candidat en attente de réponse",
        ReminderRule::HoursRejected => "Heures refusées",
        ReminderRule::Digest => "Relances regroupées",
        ReminderRule::PasswordLink => "Lien pour choisir un mot de passe",
        ReminderRule::FollowUpDue => "Suivi après la sortie à faire",
    }
}

#[derive(Serialize)]
struct Line {
    id: i64,
    recipient: String,
    subject: String,
    rule: &'static str,
    /// When the last attempt was made, in French ("27 novembre 2026 à 10 h 00").
    when: String,
    attempts: i32,
    error: String,
}

#[derive(Serialize)]
struct FailedPage {
    lines: Vec<Line>,
    total: i64,
    /// A refused retry (its message is no longer in the list), under `""`.
    errors: FieldErrors,
}

fn line(n: NotificationView) -> Line {
    let at = n.next_attempt_at;
    Line {
        id: n.id,
        recipient: n.recipient,
        subject: n.subject,
        rule: rule_label(n.rule),
        when: format!("{} à {}", format_date_fr(at.date()), at.format("%H h %M")),
        attempts: n.attempts,
        error: n
            .last_error
            .unwrap_or_else(|| "Aucune erreur enregistrée".to_string()),
    }
}

async fn show(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    errors: FieldErrors,
    status: Status,
    done: Option<&str>,
) -> Result<Html, Exit> {
    let sid = caller.structure_id;
    let (rows, total) = db
        .run(move |c| app::list_notifications(c, sid, Some("failed"), MOST, 0))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let page = FailedPage {
        lines: rows
            .into_iter()
            .map(|r| line(NotificationView::from(r)))
            .collect(),
        total,
        errors,
    };
    let view = PageView::new("emails_failed.html", TITLE, PATH, page);
    Ok(view.notice(notice(done)).render(visitor, caller, status))
}

/// GET /emails/failed — staff: the structure's emails that could not be sent, with the
/// recipient, the subject, what the email is about, when it was last tried and the error.
#[rocket::get("/emails/failed?<fait>")]
pub async fn failed(visitor: Visitor, fait: Option<&str>, db: &State<Db>) -> Result<Html, Exit> {
    let caller = visitor.staff()?;
    show(
        &visitor,
        &caller,
        db,
        FieldErrors::default(),
        Status::Ok,
        fait,
    )
    .await
}

#[derive(FromForm, Default)]
pub struct RetryForm {
    csrf_token: Option<String>,
}

/// POST /emails/<id>/retry — staff: puts a failed email of the structure back in the queue
/// (the next run of the mailer sends it). A message of another structure is not found; one
/// that is no longer failed (already put back) is refused above the list (409).
#[rocket::post("/emails/<id>/retry", data = "<form>")]
pub async fn retry(
    visitor: Visitor,
    id: i64,
    form: Option<Form<RetryForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.staff()?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let sid = caller.structure_id;
    let done = db.run(move |c| app::retry_notification(c, sid, id)).await;
    match done {
        Ok(_) => Ok(Exit::see_other(format!("{PATH}?fait=courriel-renvoye"))),
        Err(e @ AppError::Conflict { .. }) => {
            let problem: ApiError = e.into();
            let mut errors = FieldErrors::default();
            errors.0.insert(
                String::new(),
                crate::api::messages::sentence(&problem.detail),
            );
            show(&visitor, &caller, db, errors, Status::Conflict, None)
                .await
                .map(Exit::Page)
        }
        Err(e) => Err(visitor.problem(e.into())),
    }
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![failed, retry]
}
