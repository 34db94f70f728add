//! Contractors see only their own work: no eligibility information, no other organisation's
//! figures, targets or clauses, no person they declined, no employer but themselves, and a
//! taken email that names no structure.

use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, eligible, participant, World};
use crate::on_both;

/// A placement of `person` on `assignment` employed by `employer`, 20 h a week.
fn place_20h(
    app: &TestApp,
    w: &World,
    person: i64,
    assignment: i64,
    employer: i64,
    starts: &str,
    ends: &str,
) -> i64 {
    let r = app.post(
        "/api/v1/placements",
        &w.facilitator,
        json!({"participant_id": person, "assignment_id": assignment, "modality": "direct_hire",
               "employer_id": employer, "contract_type": "cddi", "job_title": "Peintre en bâtiment",
               "starts_on": starts, "ends_on": ends, "weekly_hours": 20}),
    );
    assert_eq!(r.status, 201, "placement: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn need_body(assignment: i64, employer: i64) -> Value {
    json!({"assignment_id": assignment, "job_title": "Peintre en bâtiment", "rome_code": "F1606",
           "posts": 2, "commune_code": "93066", "territory": "93", "starts_on": "2026-12-14",
           "weekly_hours": 35, "duration_months": 6, "modality": "direct_hire",
           "employer_id": employer, "contract_type": "cddi"})
}

/// A need of contractor A recorded by the facilitator, and a person eligible on its start
/// proposed to it; returns (need, person, referral).
fn proposed_to_a(app: &TestApp, w: &World) -> (i64, i64, i64) {
    let r = app.post(
        "/api/v1/needs",
        &w.facilitator,
        need_body(w.assignment_a, w.contractor_a),
    );
    assert_eq!(r.status, 201, "need: {}", r.text);
    let need = r.body["id"].as_i64().unwrap();
    let person = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    eligible(app, &w.facilitator, person, "2026-11-01");
    let r = app.post(
        "/api/v1/referrals",
        &w.facilitator,
        json!({"need_id": need, "participant_id": person}),
    );
    assert_eq!(r.status, 201, "referral: {}", r.text);
    (need, person, r.body["id"].as_i64().unwrap())
}

fn has_key(v: &Value, key: &str) -> bool {
    v.as_object().is_some_and(|o| o.contains_key(key))
}


