//! Each kind of clause with its own rules (issue 20, part 2): a reserved contract's legal basis
//! and its holders, an award criterion's committed hours as its target, an insertion
//! purpose's progress in persons, the `no_target` status; on both backends.

use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, World, SIRETS};
use crate::on_both;

/// An organisation delivering hours, with its SIAE kind or its ESS mark.
fn holder(app: &TestApp, w: &World, name: &str, siae_kind: Option<&str>, ess: bool) -> i64 {
    let body = json!({"kind": "contractor", "name": name, "territory": "93",
                      "siae_kind": siae_kind, "ess": ess});
    app.create("/api/v1/organisations", &w.admin, body, name)
}

/// A contract of the world's buyer held by `holders`.
fn contract(app: &TestApp, w: &World, reference: &str, kind: &str, holders: &[i64]) -> i64 {
    let body = json!({"buyer_id": w.buyer, "reference": reference, "title": "Entretien des espaces verts",
                      "kind": kind, "cpv_code": "77310000", "amount_eur": 300000, "notified_on": "2025-12-01",
                      "starts_on": "2026-01-01", "ends_on": "2026-12-31", "holder_ids": holders});
    app.create("/api/v1/contracts", &w.admin, body, reference)
}

fn reserved(
    app: &TestApp,
    w: &World,
    contract: i64,
    basis: Option<&str>,
    ends: &str,
) -> crate::common::Resp {
    let mut body = json!({"kind": "reserved_contract", "starts_on": "2026-01-01", "ends_on": ends});
    if let Some(b) = basis {
        body["legal_basis"] = json!(b);
    }
    app.post(
        &format!("/api/v1/contracts/{contract}/clauses"),
        &w.admin,
        body,
    )
}

/// The one error of a refusal: its field, code and message.
fn only_error(r: &crate::common::Resp) -> (String, String, String) {
    assert_eq!(r.status, 422, "{}", r.text);
    let errors = r.body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{}", r.text);
    let e = &errors[0];
    (
        e["field"].as_str().unwrap().to_string(),
        e["code"].as_str().unwrap().to_string(),
        e["message"].as_str().unwrap().to_string(),
    )
}

fn progress(app: &TestApp, token: &str, clause: i64, on: &str) -> Value {
    let r = app.get(&format!("/api/v1/clauses/{clause}/progress?on={on}"), token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

on_both!(
    reserved_contract_holders_of_its_legal_basis,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Réservé");
        let ei = holder(app, &w, "Régie de quartier", Some("EI"), false);
        let geiq = holder(app, &w, "GEIQ BTP 93", Some("GEIQ"), false);
        let esat = holder(app, &w, "ESAT Les Ateliers", Some("ESAT"), false);
        let ess = holder(app, &w, "Coopérative Solidaire", None, true);

        // The world's contract is held by Bâtiment Durable, an ordinary company.
        let r = reserved(app, &w, w.contract, Some("L2113-13"), "2026-12-31");
        let (field, code, message) = only_error(&r);
        assert_eq!(
            (field.as_str(), code.as_str()),
            ("legal_basis", "reserved_holder_not_eligible")
        );
        assert!(message.contains("« Bâtiment Durable »"), "{message}");
        assert!(message.contains("L2113-13"), "{message}");
        // Without its legal basis, or with an unknown one.
        reserved(app, &w, w.contract, None, "2026-12-31").assert_refused_on(&["legal_basis"]);
        let r = reserved(app, &w, w.contract, Some("L2113-99"), "2026-12-31");
        assert_eq!(only_error(&r).1, "legal_basis_unknown");

        // A GEIQ is not an SIAE.
        let with_geiq = contract(app, &w, "2026-GEIQ", "services", &[geiq]);
        let r = reserved(app, &w, with_geiq, Some("L2113-13"), "2026-12-31");
        let (_, code, message) = only_error(&r);
        assert_eq!(code, "reserved_holder_not_eligible");
        assert!(message.contains("« GEIQ BTP 93 »"), "{message}");
        assert!(message.contains("un GEIQ n'en est pas une"), "{message}");
        // Nor is it an EA or an ESAT (L2113-14).
        let r = reserved(app, &w, with_geiq, Some("L2113-14"), "2026-12-31");
        assert_eq!(only_error(&r).1, "reserved_holder_not_eligible");

        // An EI holds a contract reserved to SIAE: no hour target, no status of hours.
        let with_ei = contract(app, &w, "2026-EI", "services", &[ei]);
        let r = reserved(app, &w, with_ei, Some("L2113-13"), "2026-12-31");
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["legal_basis"], "L2113-13");
        assert_eq!(r.body["required_hours"], Value::Null);
        assert_eq!(r.body["warnings"], json!([]));
        let clause = r.body["id"].as_i64().unwrap();
        // It may not be an ESAT's (L2113-12).
        let r = reserved(app, &w, with_ei, Some("L2113-12"), "2026-12-31");
        assert_eq!(only_error(&r).1, "reserved_holder_not_eligible");
        fixtures::activate(app, &w.admin, clause);
        // No reporting milestones for a reserved contract.
        let r = app.get(&format!("/api/v1/clauses/{clause}"), &w.admin);
        assert_eq!(r.body["required_hours"], Value::Null, "{}", r.text);
        let m = app.get(&format!("/api/v1/clauses/{clause}/milestones"), &w.admin);
        assert_eq!(m.status, 200, "{}", m.text);
        assert_eq!(m.body["total"], 0, "{}", m.text);
        // While an execution condition of the same dates has its monthly ones.
        let m = app.get(
            &format!("/api/v1/clauses/{}/milestones", w.clause),
            &w.admin,
        );
        assert!(m.body["total"].as_i64().unwrap() >= 12, "{}", m.text);

        // A holder added later: the EI with a target of its own (0 allowed), not the company.
        let r = app.post(
            &format!("/api/v1/clauses/{clause}/assignments"),
            &w.admin,
            json!({"contractor_id": ei, "role": "holder", "hours_target": 0}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let r = app.post(
            &format!("/api/v1/clauses/{clause}/assignments"),
            &w.admin,
            json!({"contractor_id": w.contractor_b, "role": "co_contractor", "hours_target": 0}),
        );
        let (field, code, message) = only_error(&r);
        assert_eq!(
            (field.as_str(), code.as_str()),
            ("contractor_id", "reserved_holder_not_eligible")
        );
        assert!(message.contains("« Peintures Réunies »"), "{message}");
        let assigned = app.get(&format!("/api/v1/clauses/{clause}"), &w.admin);
        assert_eq!(assigned.body["assignments"].as_array().unwrap().len(), 1);
        // Nor by replacing the EI's assignment.
        let ei_assignment = assigned.body["assignments"][0]["id"].as_i64().unwrap();
        let r = app.post(
            &format!("/api/v1/assignments/{ei_assignment}/replace"),
            &w.admin,
            json!({"contractor_id": w.contractor_a, "ends_on": "2026-06-30"}),
        );
        assert_eq!(only_error(&r).1, "reserved_holder_not_eligible");
        // Nor by correcting the contract's holders.
        let r = app.patch(
            &format!("/api/v1/contracts/{with_ei}"),
            &w.admin,
            json!({"holder_ids": [ei, w.contractor_a], "reason": "cotraitant oublié"}),
            None,
        );
        let (field, code, message) = only_error(&r);
        assert_eq!(
            (field.as_str(), code.as_str()),
            ("holder_ids[1]", "reserved_holder_not_eligible")
        );
        assert!(message.contains("« Bâtiment Durable »"), "{message}");
        let c = app.get(&format!("/api/v1/contracts/{with_ei}"), &w.admin);
        assert_eq!(c.body["holder_ids"], json!([ei]));

        // The progress has no target: `no_target`, whatever the date.
        let p = progress(app, &w.admin, clause, "2026-07-01");
        assert_eq!(p["status"], "no_target", "{p}");
        assert_eq!(p["required_hours"], Value::Null);
        assert_eq!(p["required_persons"], Value::Null);

        // L2113-12 with an ESAT.
        let with_esat = contract(app, &w, "2026-ESAT", "supplies", &[esat]);
        let r = reserved(app, &w, with_esat, Some("L2113-12"), "2026-12-31");
        assert_eq!(r.status, 201, "{}", r.text);
        let r = reserved(app, &w, with_esat, Some("L2113-14"), "2026-12-31");
        assert_eq!(r.status, 201, "{}", r.text);

        // L2113-15: an ESS holder, services only, a warning beyond 3 years.
        let with_ess = contract(app, &w, "2026-ESS", "services", &[ess]);
        let r = reserved(app, &w, with_ess, Some("L2113-15"), "2028-12-31");
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["warnings"], json!([]));
        let r = reserved(app, &w, with_ess, Some("L2113-15"), "2029-06-30");
        assert_eq!(r.status, 201, "{}", r.text);
        let warnings = r.body["warnings"].as_array().unwrap();
        assert_eq!(warnings.len(), 1, "{}", r.text);
        assert_eq!(warnings[0]["code"], "reserved_longer_than_three_years");
        assert!(warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("plus de 3 ans"));
        let id = r.body["id"].as_i64().unwrap();
        let again = app.get(&format!("/api/v1/clauses/{id}"), &w.admin);
        assert_eq!(
            again.body["warnings"][0]["code"],
            "reserved_longer_than_three_years"
        );
        // An ESS company is not an SIAE.
        let r = reserved(app, &w, with_ess, Some("L2113-13"), "2026-12-31");
        assert_eq!(only_error(&r).1, "reserved_holder_not_eligible");
        let works_ess = contract(app, &w, "2026-ESS-T", "works", &[ess]);
        let r = reserved(app, &w, works_ess, Some("L2113-15"), "2026-12-31");
        assert_eq!(only_error(&r).1, "legal_basis_services_only");
        // The organisation shows its mark.
        let o = app.get(&format!("/api/v1/organisations/{ess}"), &w.admin);
        assert_eq!(o.body["ess"], true, "{}", o.text);
        // Another kind's fields are refused.
        let r = app.post(
            &format!("/api/v1/contracts/{with_ei}/clauses"),
            &w.admin,
            json!({"kind": "reserved_contract", "legal_basis": "L2113-13", "target_persons": 3,
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
        );
        assert_eq!(only_error(&r).1, "field_not_for_clause_kind");
    }
);

on_both!(
    decp_import_keeps_a_holder_a_reservation_excludes,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Import");
        let ei = app.create(
        "/api/v1/organisations",
        &w.admin,
        json!({"kind": "contractor", "name": "Régie EI", "siret": SIRETS[3], "siae_kind": "EI"}),
        "EI",
    );
        let record = |holder: &str, amount: i64| {
            json!({"marches": {"marche": [{"id": "2026-R01", "nature": "Marché", "objet": "Nettoyage des locaux",
            "codeCPV": "90910000", "montant": amount, "dateNotification": "2025-12-01", "dureeMois": 12,
            "acheteur": {"id": SIRETS[0]},
            "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": holder, "denominationSociale": "Propreté Express"}}],
            "considerationsSociales": {"considerationSociale": ["Marché réservé"]}}]}})
        };
        let r = app.post("/api/v1/imports/decp", &w.admin, record(SIRETS[3], 200000));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["created"], 1, "{}", r.text);
        let contracts = app.get("/api/v1/contracts?limit=50", &w.admin);
        let contract = contracts.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == "2026-R01")
            .expect("imported")["id"]
            .as_i64()
            .unwrap();
        let r = app.post(
            &format!("/api/v1/contracts/{contract}/clauses"),
            &w.admin,
            json!({"kind": "reserved_contract", "legal_basis": "L2113-13",
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        // The open data now names an ordinary company: kept, and the summary warns.
        let r = app.post("/api/v1/imports/decp", &w.admin, record(SIRETS[4], 200000));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["updated"], 1, "{}", r.text);
        let warnings = r.body["warnings"].as_array().unwrap();
        let kept: Vec<&Value> = warnings
            .iter()
            .filter(|w| w["code"] == "decp_reserved_holder_kept")
            .collect();
        assert_eq!(kept.len(), 1, "{}", r.text);
        let message = kept[0]["message"].as_str().unwrap();
        assert!(message.contains("« Propreté Express »"), "{message}");
        assert!(message.contains("L2113-13"), "{message}");
        let c = app.get(&format!("/api/v1/contracts/{contract}"), &w.admin);
        let holders = c.body["holder_ids"].as_array().unwrap();
        assert_eq!(holders.len(), 1, "{}", c.text);
        assert_ne!(holders[0], json!(ei), "the open data's holder is kept");
    }
);

/// Hundredths of a JSON number of hours.
fn hundredths(v: &Value) -> i64 {
    (v.as_f64().unwrap_or_else(|| panic!("hours: {v}")) * 100.0).round() as i64
}

on_both!(
    award_criterion_committed_hours_are_the_target,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Critère");
        // Its weighting and committed hours are required.
        let body = json!({"kind": "award_criterion",
        "calibration": {"method": "per_amount", "amount_eur": 300000, "euros_per_hour": 1000},
        "starts_on": "2026-01-01", "ends_on": "2026-12-31"});
        let r = app.post(
            &format!("/api/v1/contracts/{}/clauses", w.contract),
            &w.admin,
            body.clone(),
        );
        r.assert_refused_on(&["weighting_percent", "committed_hours"]);
        let mut good = body.clone();
        good["weighting_percent"] = json!(10);
        good["committed_hours"] = json!(412.5);
        let mut over = good.clone();
        over["weighting_percent"] = json!(120);
        app.post(
            &format!("/api/v1/contracts/{}/clauses", w.contract),
            &w.admin,
            over,
        )
        .assert_refused_on(&["weighting_percent"]);
        let r = app.post(
            &format!("/api/v1/contracts/{}/clauses", w.contract),
            &w.admin,
            good,
        );
        assert_eq!(r.status, 201, "{}", r.text);
        // The calibration stays as the buyer's reference: 300 h; the offer's 412,5 h are required.
        assert_eq!(r.body["computed_hours"], 300);
        assert_eq!(r.body["committed_hours"], 412.5);
        assert_eq!(r.body["required_hours"], 412.5);
        assert_eq!(r.body["weighting_percent"], 10);
        let clause = r.body["id"].as_i64().unwrap();
        fixtures::activate(app, &w.admin, clause);
        fixtures::assign(app, &w.admin, clause, w.contractor_a, "holder", 400);
        let p = progress(app, &w.admin, clause, "2026-07-01");
        assert_eq!(hundredths(&p["required_hours"]), 41250);
        // 412,5 h × 182 days ÷ 365, rounded half up to the hundredth.
        let expected = (2 * 41250 * 182 + 365) / (2 * 365);
        assert_eq!(hundredths(&p["expected_hours"]), expected);
        assert_eq!(p["status"], "at_risk");
        // The year's report requires the world's 833 h and the offer's 412,5 h.
        let r = app.get("/api/v1/reports/annual?year=2026", &w.admin);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(hundredths(&r.body["required_hours"]), 83300 + 41250);
        // A correction of the committed hours moves the target.
        let etag = app
            .get(&format!("/api/v1/clauses/{clause}"), &w.admin)
            .header("etag")
            .unwrap()
            .to_string();
        let r = app.patch(
            &format!("/api/v1/clauses/{clause}"),
            &w.admin,
            json!({"committed_hours": 450, "reason": "offre relue"}),
            Some(&etag),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["required_hours"], 450);
        assert_eq!(r.body["computed_hours"], 300);
    }
);

on_both!(insertion_purpose_progress_in_persons, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE Objet");
    let r = app.post(
        &format!("/api/v1/contracts/{}/clauses", w.contract),
        &w.admin,
        json!({"kind": "insertion_purpose", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    );
    r.assert_refused_on(&["target_persons"]);
    let r = app.post(
        &format!("/api/v1/contracts/{}/clauses", w.contract),
        &w.admin,
        json!({"kind": "insertion_purpose", "target_persons": 4,
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["required_hours"], Value::Null);
    assert_eq!(r.body["target_persons"], 4);
    let clause = r.body["id"].as_i64().unwrap();
    fixtures::activate(app, &w.admin, clause);
    let a = fixtures::assign(app, &w.admin, clause, w.contractor_b, "holder", 0);
    // Awa placed twice (counted once), Lina once; Marc starts after the date.
    let person = |first: &str, last: &str, eligible_on: &str| {
        let p = fixtures::participant(app, &w.facilitator, first, last, "1992-05-06");
        fixtures::eligible(app, &w.facilitator, p, eligible_on);
        p
    };
    let awa = person("Awa", "Diallo", "2026-01-10");
    let lina = person("Lina", "Haddad", "2026-01-10");
    let marc = person("Marc", "Petit", "2026-07-20");
    let f = &w.facilitator;
    fixtures::place(
        app,
        f,
        awa,
        a,
        w.contractor_b,
        "2026-02-01",
        Some("2026-03-31"),
    );
    fixtures::place(
        app,
        f,
        awa,
        a,
        w.contractor_b,
        "2026-04-01",
        Some("2026-06-30"),
    );
    fixtures::place(app, f, lina, a, w.contractor_b, "2026-03-01", None);
    fixtures::place(app, f, marc, a, w.contractor_b, "2026-08-01", None);
    let p = progress(app, &w.admin, clause, "2026-07-01");
    assert_eq!(p["required_persons"], 4, "{p}");
    assert_eq!(p["persons_placed"], 2, "{p}");
    // 4 × 182 ÷ 365 = 1,99…: 2 persons expected; 2 placed is on track.
    assert_eq!(p["expected_persons"], 2);
    assert_eq!(p["status"], "on_track");
    assert_eq!(p["required_hours"], Value::Null);
    // By February only Awa: 4 × 59 ÷ 365 = 0,65 → 1 expected, 1 placed.
    let p = progress(app, &w.admin, clause, "2026-02-28");
    assert_eq!(
        (p["persons_placed"].as_i64(), p["expected_persons"].as_i64()),
        (Some(1), Some(1))
    );
    // In October: 3 placed of 3 expected (4 × 304 ÷ 365 = 3,33); in December 4 expected.
    let p = progress(app, &w.admin, clause, "2026-10-31");
    assert_eq!(
        (p["persons_placed"].as_i64(), p["expected_persons"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(p["status"], "on_track");
    let p = progress(app, &w.admin, clause, "2026-12-31");
    assert_eq!(p["expected_persons"], 4);
    assert_eq!(p["status"], "at_risk", "{p}");
    // The clause contributes nothing to the report's required hours.
    let r = app.get("/api/v1/reports/annual?year=2026", &w.admin);
    assert_eq!(hundredths(&r.body["required_hours"]), 83300);

    // With hours too: both targets, the status on persons.
    let r = app.post(
        &format!("/api/v1/contracts/{}/clauses", w.contract),
        &w.admin,
        json!({"kind": "insertion_purpose", "target_persons": 1,
               "calibration": {"method": "fixed", "hours": 200, "justification": "convention"},
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["required_hours"], 200);
    let both = r.body["id"].as_i64().unwrap();
    fixtures::activate(app, &w.admin, both);
    let a2 = fixtures::assign(app, &w.admin, both, w.contractor_a, "holder", 200);
    let nora = person("Nora", "Benali", "2026-01-10");
    fixtures::place(app, f, nora, a2, w.contractor_a, "2026-02-01", None);
    let p = progress(app, &w.admin, both, "2026-07-01");
    assert_eq!(hundredths(&p["required_hours"]), 20000);
    assert_eq!(p["persons_placed"], 1);
    // No hour validated, but its one person placed: completed on persons.
    assert_eq!(p["status"], "completed", "{p}");
});
