#![allow(dead_code)]
//! Fixtures built through the API, as a client would.

use serde_json::{json, Value};

use crate::common::TestApp;

/// Valid SIRET numbers (Luhn) for fixtures.
pub const SIRETS: &[&str] = &[
    "73282932000074",
    "55208131766522",
    "44306184100047",
    "35600000000048",
    "38012986646850",
    "78925245900019",
];

pub fn org(
    app: &TestApp,
    token: &str,
    kind: &str,
    name: &str,
    siret: Option<&str>,
    territory: Option<&str>,
) -> i64 {
    let r = app.post(
        "/api/v1/organisations",
        token,
        json!({"kind": kind, "name": name, "siret": siret, "territory": territory}),
    );
    assert_eq!(r.status, 201, "organisation {name}: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

pub struct World {
    pub admin: String,
    pub facilitator: String,
    pub facilitator_id: i64,
    pub buyer: i64,
    pub contractor_a: i64,
    pub contractor_b: i64,
    pub contract: i64,
    pub clause: i64,
    pub assignment_a: i64,
    pub assignment_b: i64,
}

/// A structure with a buyer, two contractors, a contract worth 1 000 000 € with an active
/// clause of 833 hours from 2026-01-01 to 2026-12-31, split 500 h to A and 333 h to B.
pub fn world(app: &TestApp, structure: &str) -> World {
    let admin = app.structure_admin(structure);
    let slug = structure.to_lowercase().replace(' ', "-");
    let facilitator = app.api_user(&admin, "facilitator", &format!("fac@{slug}.test"), None);
    let facilitator_id = app.get("/api/v1/me", &facilitator).body["id"]
        .as_i64()
        .unwrap();
    let buyer = org(
        app,
        &admin,
        "buyer",
        "Ville de Saint-Denis",
        Some(SIRETS[0]),
        Some("93"),
    );
    let contractor_a = org(
        app,
        &admin,
        "contractor",
        "Bâtiment Durable",
        Some(SIRETS[1]),
        Some("93"),
    );
    let contractor_b = org(
        app,
        &admin,
        "contractor",
        "Peintures Réunies",
        Some(SIRETS[2]),
        Some("93"),
    );
    let r = app.post(
        "/api/v1/contracts",
        &admin,
        json!({"buyer_id": buyer, "reference": "2026-001", "title": "Réhabilitation du groupe scolaire",
               "kind": "works", "cpv_code": "45442100", "amount_eur": 1000000, "notified_on": "2025-12-01",
               "starts_on": "2026-01-01", "ends_on": "2026-12-31", "social_considerations": ["clause_sociale"],
               "holder_ids": [contractor_a]}),
    );
    assert_eq!(r.status, 201, "contract: {}", r.text);
    let contract = r.body["id"].as_i64().unwrap();
    let clause = clause(
        app,
        &admin,
        contract,
        "2026-01-01",
        "2026-12-31",
        Some(facilitator_id),
    );
    let r = app.post(
        &format!("/api/v1/clauses/{clause}/activate"),
        &admin,
        json!({}),
    );
    assert_eq!(r.status, 200, "activate: {}", r.text);
    let assignment_a = assign(app, &admin, clause, contractor_a, "holder", 500);
    let assignment_b = assign(app, &admin, clause, contractor_b, "subcontractor", 333);
    World {
        admin,
        facilitator,
        facilitator_id,
        buyer,
        contractor_a,
        contractor_b,
        contract,
        clause,
        assignment_a,
        assignment_b,
    }
}

/// A clause of 833 hours (1 000 000 € × 50 % × 5 % ÷ 30 €) on the contract.
pub fn clause(
    app: &TestApp,
    token: &str,
    contract: i64,
    starts: &str,
    ends: &str,
    referent: Option<i64>,
) -> i64 {
    let r = app.post(
        &format!("/api/v1/contracts/{contract}/clauses"),
        token,
        json!({"kind": "execution_condition",
               "calibration": {"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50,
                               "insertion_rate_percent": 5, "hourly_cost_eur": 30},
               "starts_on": starts, "ends_on": ends, "reporting_frequency": "monthly",
               "penalty_per_missing_hour_eur": 60, "referent_id": referent}),
    );
    assert_eq!(r.status, 201, "clause: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

pub fn assign(
    app: &TestApp,
    token: &str,
    clause: i64,
    contractor: i64,
    role: &str,
    hours: i64,
) -> i64 {
    let r = app.post(
        &format!("/api/v1/clauses/{clause}/assignments"),
        token,
        json!({"contractor_id": contractor, "role": role, "hours_target": hours}),
    );
    assert_eq!(r.status, 201, "assignment: {}", r.text);
    r.body["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["contractor_id"] == contractor)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

pub fn participant(app: &TestApp, token: &str, first: &str, last: &str, birth: &str) -> i64 {
    let r = app.post(
        "/api/v1/participants",
        token,
        json!({"first_name": first, "last_name": last, "birth_date": birth, "sex": "female",
               "postal_code": "93200", "qpv": true, "qualification_level": "3"}),
    );
    assert_eq!(r.status, 201, "participant: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

pub fn eligible(app: &TestApp, token: &str, participant: i64, validated_on: &str) -> Value {
    let r = app.post(
        &format!("/api/v1/participants/{participant}/eligibility"),
        token,
        json!({"criteria": ["rsa", "qpv"], "proof": "caf_certificate", "validated_on": validated_on}),
    );
    assert_eq!(r.status, 201, "eligibility: {}", r.text);
    r.body.clone()
}

pub fn place(
    app: &TestApp,
    token: &str,
    participant: i64,
    assignment: i64,
    employer: i64,
    starts: &str,
    ends: Option<&str>,
) -> i64 {
    let r = app.post(
        "/api/v1/placements",
        token,
        json!({"participant_id": participant, "assignment_id": assignment, "modality": "direct_hire",
               "employer_id": employer, "contract_type": "cddi", "job_title": "Peintre en bâtiment",
               "starts_on": starts, "ends_on": ends}),
    );
    assert_eq!(r.status, 201, "placement: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// A contractor user of an organisation; returns its token.
/// A world with one person placed with contractor A from February to June 2026.
pub fn placed(app: &TestApp) -> (World, i64, i64) {
    let w = world(app, "PLIE");
    let p = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    eligible(app, &w.facilitator, p, "2026-01-10");
    let pl = place(
        app,
        &w.facilitator,
        p,
        w.assignment_a,
        w.contractor_a,
        "2026-02-01",
        Some("2026-06-30"),
    );
    (w, p, pl)
}

pub fn contractor_user(app: &TestApp, admin: &str, org: i64, email: &str) -> String {
    app.api_user(admin, "contractor", email, Some(org))
}
