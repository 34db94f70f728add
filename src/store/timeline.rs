//! A participant's timeline: eligibility, placements, hours and exits in date order, and
//! the next expected action with who owes it and since when.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::hour_entries;
use crate::db::Conn;
use crate::domain::ids::{OrganisationId, ReferralId};
use crate::domain::next_action::{self, NextAction};
use crate::domain::period::Month;
use crate::store::contracts::split_codes;
use crate::store::participants::{self, Participant, ParticipantAccess};
use crate::store::placements::{self, Placement};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TimelineEvent)]
pub struct Event {
    pub date: NaiveDate,
    pub kind: &'static str,
    /// What happened, by kind of event.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NextActionOut {
    pub what: String,
    pub code: String,
    /// Who owes the action: `{kind}`, with `organisation_id` and `name` for a contractor.
    #[schema(value_type = Object)]
    pub owed_by: serde_json::Value,
    pub since: NaiveDate,
}

impl From<NextAction> for NextActionOut {
    fn from(a: NextAction) -> Self {
        let owed_by = match &a.owed_by {
            next_action::Party::Contractor {
                organisation_id,
                name,
            } => {
                serde_json::json!({"kind": "contractor", "organisation_id": organisation_id, "name": name})
            }
            other => serde_json::json!({"kind": other.code()}),
        };
        NextActionOut {
            what: a.what,
            code: a.code,
            owed_by,
            since: a.since,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub participant_id: i64,
    pub events: Vec<Event>,
    pub next_action: Option<NextActionOut>,
}

/// The report due date of a month: the 10th of the following month.
pub fn report_due_on(month: Month) -> Option<NaiveDate> {
    month.plus(1).first_day()?.with_day(10)
}

/// The month of a day.
fn month_of(day: NaiveDate) -> Option<Month> {
    Month::new(day.year(), day.month())
}

/// Months of a placement whose report is due by `today` and missing.
fn missing_reports(p: &Placement, reported: &[Month], today: NaiveDate) -> Vec<(Month, NaiveDate)> {
    let end = p.effective_end().unwrap_or(today).min(today);
    let (Some(first), Some(last)) = (month_of(p.starts_on), month_of(end)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut month = first;
    while month <= last {
        if let Some(due) = report_due_on(month) {
            if due <= today && !reported.contains(&month) {
                out.push((month, due));
            }
        }
        month = month.plus(1);
    }
    out
}

pub fn build(
    conn: &mut Conn,
    person: &Participant,
    access: ParticipantAccess,
    today: NaiveDate,
) -> QueryResult<Timeline> {
    let mut events = Vec::new();
    let mut actions = Vec::new();
    let all = placements::of_participant(conn, person.id)?;
    let visible: Vec<Placement> = match access {
        ParticipantAccess::Full => all,
        ParticipantAccess::NameAndPlacements { organisation_id } => all
            .into_iter()
            .filter(|p| p.contractor_id == organisation_id || p.employer_id == organisation_id)
            .collect(),
    };
    if access == ParticipantAccess::Full {
        let rows = participants::eligibility_history(conn, person.id)?;
        for r in &rows {
            events.push(Event {
                date: r.validated_on,
                kind: "eligibility",
                detail: serde_json::json!({"criteria": split_codes(&r.criteria), "proof": r.proof, "valid_until": r.valid_until}),
            });
        }
        let history = participants::validations(&rows);
        let open = visible
            .iter()
            .any(|p| p.effective_end().is_none_or(|e| e >= today));
        if !open {
            if let crate::domain::eligibility::EligibilityStatus::Expired { since } =
                crate::domain::eligibility::status_on(&history, today)
            {
                if person.looking_for_work && person.anonymised_at.is_none() {
                    actions.push(next_action::eligibility_renewal(
                        since.pred_opt().unwrap_or(since),
                    ));
                }
            }
        }
    }
    let named = placements::named(conn, visible.clone())?;
    for (p, names) in visible.iter().zip(&named) {
        let contractor = names.contractor_name.clone();
        events.push(Event {
            date: p.starts_on,
            kind: "placement_start",
            detail: serde_json::json!({"placement_id": p.id, "job_title": p.job_title, "contractor_id": p.contractor_id,
                                        "contractor": contractor, "contractor_name": contractor,
                                        "employer_id": p.employer_id, "employer_name": names.employer_name,
                                        "clause_id": p.clause_id, "clause_label": names.clause_label,
                                        "modality": p.modality, "contract_type": p.contract_type}),
        });
        let entries: Vec<(Month, i64, i64, String)> = hour_entries::table
            .filter(hour_entries::placement_id.eq(p.id))
            .order(hour_entries::month)
            .select((
                hour_entries::month,
                hour_entries::work_hours,
                hour_entries::training_hours,
                hour_entries::status,
            ))
            .load(conn)?;
        for (month, work, training, status) in &entries {
            if let Some(date) = month.first_day() {
                events.push(Event {
                    date,
                    kind: "hours",
                    detail: serde_json::json!({"placement_id": p.id, "month": month,
                        "work_hours": crate::domain::units::hundredths_to_json(*work),
                        "training_hours": crate::domain::units::hundredths_to_json(*training), "status": status}),
                });
            }
        }
        if let (Some(end), Some(outcome)) = (p.exit_on, &p.exit_outcome) {
            events.push(Event {
                date: end,
                kind: "exit",
                detail: serde_json::json!({"placement_id": p.id, "outcome": outcome}),
            });
        } else if let Some(end) = p.effective_end().filter(|e| *e < today) {
            if access == ParticipantAccess::Full {
                actions.push(next_action::exit_outcome(end));
            }
        }
        let reported: Vec<Month> = entries.iter().map(|e| e.0).collect();
        for (month, due) in missing_reports(p, &reported, today) {
            actions.push(next_action::hours_report(
                p.contractor_id.0,
                &contractor,
                &month.to_string(),
                due,
            ));
        }
    }
    // Proposals to recruitment needs (a contractor: those to its own needs), each state
    // change an event; a proposal without a final answer is owed by the contractor since
    // its last change.
    let proposals: Vec<_> = crate::store::referrals::of_participant(conn, person.id)?
        .into_iter()
        .filter(|(r, _)| match access {
            ParticipantAccess::Full => true,
            ParticipantAccess::NameAndPlacements { organisation_id } => {
                r.contractor_id == organisation_id
            }
        })
        .collect();
    let ids: Vec<ReferralId> = proposals.iter().map(|(r, _)| r.row.id).collect();
    let changes = crate::store::referrals::events(conn, &ids)?;
    let contractors: Vec<OrganisationId> = proposals.iter().map(|(r, _)| r.contractor_id).collect();
    let contractor_names = crate::store::names::organisation_names(conn, &contractors)?;
    for (r, job) in &proposals {
        for e in changes.iter().filter(|e| e.referral_id == r.row.id) {
            events.push(Event {
                date: e.at.date(),
                kind: "referral",
                detail: serde_json::json!({"referral_id": r.row.id, "need_id": r.row.need_id, "job_title": job,
                                            "contractor_id": r.contractor_id, "contractor_name": contractor_names.get(&r.contractor_id),
                                            "state": e.state, "reason": e.reason}),
            });
        }
        if r.row.state.is_pending() {
            let contractor = contractor_names
                .get(&r.contractor_id)
                .cloned()
                .unwrap_or_default();
            actions.push(next_action::referral_answer(
                r.contractor_id.0,
                &contractor,
                r.row.updated_at.date(),
            ));
        }
    }
    events.sort_by(|a, b| a.date.cmp(&b.date).then(a.kind.cmp(b.kind)));
    Ok(Timeline {
        participant_id: person.id.0,
        events,
        next_action: next_action::earliest(actions).map(Into::into),
    })
}
