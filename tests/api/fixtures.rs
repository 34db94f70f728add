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
    let body = json!({"kind": kind, "name": name, "siret": siret, "territory": territory});
    app.create(
        "/api/v1/organisations",
        token,
        body,
        &format!("organisation {name}"),
    )
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
    // The buyer and the two contractors, all in Seine-Saint-Denis.
    let [buyer, contractor_a, contractor_b] = [
        ("buyer", "Ville de Saint-Denis", SIRETS[0]),
        ("contractor", "Bâtiment Durable", SIRETS[1]),
        ("contractor", "Peintures Réunies", SIRETS[2]),
    ]
    .map(|(kind, name, siret)| org(app, &admin, kind, name, Some(siret), Some("93")));
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
    activate(app, &admin, clause);
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

/// Activates a draft clause; it must be accepted.
pub fn activate(app: &TestApp, admin: &str, clause: i64) {
    let r = app.post(
        &format!("/api/v1/clauses/{clause}/activate"),
        admin,
        json!({}),
    );
    assert_eq!(r.status, 200, "activate: {}", r.text);
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
    let body = json!({"kind": "execution_condition",
               "calibration": {"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50,
                               "insertion_rate_percent": 5, "hourly_cost_eur": 30},
               "starts_on": starts, "ends_on": ends, "reporting_frequency": "monthly",
               "penalty_per_missing_hour_eur": 60, "referent_id": referent});
    app.create(
        &format!("/api/v1/contracts/{contract}/clauses"),
        token,
        body,
        "clause",
    )
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
    let body = json!({"first_name": first, "last_name": last, "birth_date": birth, "sex": "female",
                      "postal_code": "93200", "qpv": true, "qualification_level": "3"});
    app.create("/api/v1/participants", token, body, "participant")
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
    let body = json!({"participant_id": participant, "assignment_id": assignment, "modality": "direct_hire",
                      "employer_id": employer, "contract_type": "cddi", "job_title": "Peintre en bâtiment",
                      "starts_on": starts, "ends_on": ends});
    app.create("/api/v1/placements", token, body, "placement")
}

/// A person created by the world's facilitator, eligible from `eligible_on`, placed in an
/// assignment with its contractor from `starts` to `ends`; returns (participant, placement).
pub fn person_placed(
    app: &TestApp,
    w: &World,
    (first, last, born): (&str, &str, &str),
    eligible_on: &str,
    (assignment, contractor): (i64, i64),
    (starts, ends): (&str, Option<&str>),
) -> (i64, i64) {
    let p = participant(app, &w.facilitator, first, last, born);
    eligible(app, &w.facilitator, p, eligible_on);
    let pl = place(app, &w.facilitator, p, assignment, contractor, starts, ends);
    (p, pl)
}

/// `person_placed` with contractor A.
pub fn person_placed_with_a(
    app: &TestApp,
    w: &World,
    person: (&str, &str, &str),
    eligible_on: &str,
    dates: (&str, Option<&str>),
) -> (i64, i64) {
    let with_a = (w.assignment_a, w.contractor_a);
    person_placed(app, w, person, eligible_on, with_a, dates)
}

/// A proposal of a person for a recruitment need; returns the referral's id.
pub fn propose(app: &TestApp, token: &str, need: i64, participant: i64) -> i64 {
    let body = json!({"need_id": need, "participant_id": participant});
    app.create("/api/v1/referrals", token, body, "referral")
}

/// Awa Diallo, born 1990-04-02: the person most tests follow.
pub const AWA: (&str, &str, &str) = ("Awa", "Diallo", "1990-04-02");

/// A world with one person placed with contractor A from February to June 2026.
pub fn placed(app: &TestApp) -> (World, i64, i64) {
    let w = world(app, "PLIE");
    let (p, pl) = placed_feb_to_june(app, &w);
    (w, p, pl)
}

/// Awa, eligible from 10 January, placed with contractor A from February to June 2026.
pub fn placed_feb_to_june(app: &TestApp, w: &World) -> (i64, i64) {
    let february_to_june = ("2026-02-01", Some("2026-06-30"));
    person_placed_with_a(app, w, AWA, "2026-01-10", february_to_june)
}

/// A second placement of a person, with contractor B, 10 h a week from `starts` to the end
/// of June 2026; returns its id.
pub fn placed_with_b_ten_hours_a_week(app: &TestApp, w: &World, person: i64, starts: &str) -> i64 {
    let r = app.post(
        "/api/v1/placements",
        &w.facilitator,
        json!({"participant_id": person, "assignment_id": w.assignment_b, "modality": "direct_hire",
               "employer_id": w.contractor_b, "contract_type": "cddi", "job_title": "Peintre",
               "starts_on": starts, "ends_on": "2026-06-30", "weekly_hours": 10}),
    );
    assert_eq!(r.status, 201, "placement with B: {}", r.text);
    r.body["id"].as_i64().expect("placement id")
}

/// Reports work hours for a month of a placement; the report must be accepted. Returns the
/// entry's id.
pub fn report_work(
    app: &TestApp,
    token: &str,
    placement: i64,
    month: &str,
    work_hours: f64,
) -> i64 {
    let r = app.put(
        &format!("/api/v1/placements/{placement}/hours/{month}"),
        token,
        json!({"work_hours": work_hours}),
    );
    assert_eq!(r.status, 200, "hours of {month}: {}", r.text);
    r.body["id"].as_i64().expect("entry id")
}

/// Validates an hours entry; the validation must be accepted.
pub fn validate(app: &TestApp, token: &str, entry: i64) {
    let r = app.post(
        "/api/v1/hours/validation",
        token,
        json!({"entry_ids": [entry], "decision": "validate"}),
    );
    assert_eq!(r.status, 200, "validation: {}", r.text);
}

/// Adds to a workbook a sheet with the header of an hours import, as a spreadsheet would
/// have it, for the caller to fill in from row 1.
pub fn hours_sheet(book: &mut rust_xlsxwriter::Workbook) -> &mut rust_xlsxwriter::Worksheet {
    let sheet = book.add_worksheet();
    for (c, h) in ["placement_id", "month", "work_hours", "training_hours"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet
}

/// A contractor user of an organisation; returns its token.
pub fn contractor_user(app: &TestApp, admin: &str, org: i64, email: &str) -> String {
    app.api_user(admin, "contractor", email, Some(org))
}
