//! A participant's timeline: eligibility, placements, hours and exits in date order, and
//! the next expected action with who owes it and since when.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{hour_entries, organisations};
use crate::db::Conn;
use crate::domain::hours::{month_first_day, month_key, parse_month};
use crate::domain::ids::ReferralId;
use crate::domain::next_action::{self, NextAction};
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
pub fn report_due_on(month: &str) -> Option<NaiveDate> {
    let (y, m) = parse_month(month)?;
    let first = month_first_day(y, m)?;
    first
        .checked_add_months(chrono::Months::new(1))?
        .with_day(10)
}

/// Months of a placement whose report is due by `today` and missing.
fn missing_reports(
    p: &Placement,
    reported: &[String],
    today: NaiveDate,
) -> Vec<(String, NaiveDate)> {
    let end = p.effective_end().unwrap_or(today).min(today);
    let mut out = Vec::new();
    let mut day = p.starts_on.with_day(1).unwrap_or(p.starts_on);
    while day <= end {
        let key = month_key(day.year(), day.month());
        if let Some(due) = report_due_on(&key) {
            if due <= today && !reported.contains(&key) {
                out.push((key, due));
            }
        }
        match day.checked_add_months(chrono::Months::new(1)) {
            Some(next) => day = next,
            None => break,
        }
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
    for p in &visible {
        let contractor: String = organisations::table
            .filter(organisations::id.eq(p.contractor_id))
            .select(organisations::name)
            .first(conn)?;
        events.push(Event {
            date: p.starts_on,
            kind: "placement_start",
            detail: serde_json::json!({"placement_id": p.id, "job_title": p.job_title, "contractor_id": p.contractor_id,
                                        "contractor": contractor, "modality": p.modality, "contract_type": p.contract_type}),
        });
        let entries: Vec<(String, i64, i64, String)> = hour_entries::table
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
            if let Some((y, m)) = parse_month(month) {
                if let Some(date) = month_first_day(y, m) {
                    events.push(Event {
                        date,
                        kind: "hours",
                        detail: serde_json::json!({"placement_id": p.id, "month": month,
                            "work_hours": crate::domain::units::hundredths_to_json(*work),
                            "training_hours": crate::domain::units::hundredths_to_json(*training), "status": status}),
                    });
                }
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
        let reported: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
        for (month, due) in missing_reports(p, &reported, today) {
            actions.push(next_action::hours_report(
                p.contractor_id.0,
                &contractor,
                &month,
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
    for (r, job) in &proposals {
        for e in changes.iter().filter(|e| e.referral_id == r.row.id) {
            events.push(Event {
                date: e.at.date(),
                kind: "referral",
                detail: serde_json::json!({"referral_id": r.row.id, "need_id": r.row.need_id, "job_title": job,
                                            "contractor_id": r.contractor_id, "state": e.state, "reason": e.reason}),
            });
        }
        if r.row.state.is_pending() {
            let contractor: String = organisations::table
                .filter(organisations::id.eq(r.contractor_id))
                .select(organisations::name)
                .first(conn)?;
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
