//! Organisations, contracts, calibration, clauses, assignments and the DECP import.

use serde_json::json;

use crate::common::TestApp;
use crate::fixtures::{self, org, SIRETS};
use crate::on_both;

on_both!(
    organisations_validate_and_refuse_duplicates,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let id = org(
            app,
            &admin,
            "buyer",
            "Département",
            Some(SIRETS[0]),
            Some("93"),
        );
        let r = app.get(&format!("/api/v1/organisations/{id}"), &admin);
        assert_eq!(r.body["siret"], SIRETS[0]);
        // La Poste exception.
        org(
            app,
            &admin,
            "contractor",
            "La Poste",
            Some("35600000000048"),
            None,
        );
        // Duplicate identifier in one structure: 409 pointing at the existing one.
        let r = app.post(
            "/api/v1/organisations",
            &admin,
            json!({"kind": "buyer", "name": "Doublon", "siret": SIRETS[0]}),
        );
        assert_eq!(r.status, 409);
        assert_eq!(r.body["existing_id"], id);
        // Another structure may hold the same identifier.
        let other = app.structure_admin("Autre");
        org(
            app,
            &other,
            "buyer",
            "Département",
            Some(SIRETS[0]),
            Some("93"),
        );
        // Bad SIRET, bad territory, bad kind: 422 with fields; nothing stored.
        let r = app.post(
            "/api/v1/organisations",
            &admin,
            json!({"kind": "seller", "name": "X", "siret": "73282932000075", "territory": "975"}),
        );
        assert_eq!(r.status, 422);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, vec!["kind", "siret", "territory"]);
        // Foreign holder with a VAT number; overseas territory.
        let r = app.post(
        "/api/v1/organisations",
        &admin,
        json!({"kind": "contractor", "name": "Bau GmbH", "identifier_type": "TVA", "identifier": "DE123456789", "territory": "976"}),
    );
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(app.get("/api/v1/organisations", &admin).body["total"], 3);
    }
);

on_both!(contracts_with_lots_and_dates, |app: &TestApp| {
    let admin = app.structure_admin("PLIE");
    let buyer = org(app, &admin, "buyer", "Ville", Some(SIRETS[0]), Some("93"));
    let r = app.post(
        "/api/v1/contracts",
        &admin,
        json!({"buyer_id": buyer, "reference": "R1", "title": "Groupe scolaire", "kind": "works",
               "amount_eur": 1000000.5, "starts_on": "2026-01-01", "duration_months": 12,
               "lots": [{"number": 1, "title": "Peinture", "amount_eur": 200000, "cpv_code": "45442100"},
                        {"number": 2, "title": "Maçonnerie", "amount_eur": 500000}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["amount_eur"], 1000000.5);
    assert_eq!(r.body["ends_on"], "2026-12-31");
    assert_eq!(r.body["lots"].as_array().unwrap().len(), 2);
    app.post(
        "/api/v1/contracts",
        &admin,
        json!({"buyer_id": buyer, "reference": "R2", "title": "X", "kind": "works",
               "starts_on": "2026-05-01", "ends_on": "2026-04-30", "amount_eur": 10.123}),
    )
    .assert_refused_on(&["amount_eur"]);
    let r = app.post(
        "/api/v1/contracts",
        &admin,
        json!({"buyer_id": buyer, "reference": "R2", "title": "X", "kind": "works",
               "starts_on": "2026-05-01", "ends_on": "2026-04-30", "amount_eur": -5}),
    );
    assert_eq!(r.status, 422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["amount_eur", "ends_on"]);
    assert_eq!(app.get("/api/v1/contracts", &admin).body["total"], 1);
});

on_both!(calibration_worked_examples, |app: &TestApp| {
    let admin = app.structure_admin("PLIE");
    let cases = [
        (
            json!({"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50, "insertion_rate_percent": 5, "hourly_cost_eur": 30}),
            833,
        ),
        (
            json!({"method": "labour_share", "amount_eur": 1500000, "labour_share_percent": 70, "insertion_rate_percent": 10, "hourly_cost_eur": 30}),
            3500,
        ),
        (
            json!({"method": "labour_share", "insertion_rate_percent": 7, "hourly_cost_eur": 30,
                "lots": [{"amount_eur": 200000, "labour_share_percent": 70},
                         {"amount_eur": 500000, "labour_share_percent": 50},
                         {"amount_eur": 300000, "labour_share_percent": 20}]}),
            1050,
        ),
        (
            json!({"method": "per_amount", "amount_eur": 1000000, "euros_per_hour": 2000}),
            500,
        ),
        (
            json!({"method": "per_amount", "amount_eur": 5000, "euros_per_hour": 2000}),
            3,
        ),
        (
            json!({"method": "fixed", "hours": 120, "justification": "Convention avec l'acheteur"}),
            120,
        ),
    ];
    for (body, hours) in cases {
        let r = app.post("/api/v1/calibrations", &admin, body.clone());
        assert_eq!(r.status, 200, "{body}: {}", r.text);
        assert_eq!(r.body["hours"], hours, "{body}");
        assert!(!r.body["explanation"].as_str().unwrap().is_empty());
    }
    let lots = app.post("/api/v1/calibrations", &admin, json!({"method": "labour_share", "insertion_rate_percent": 7, "hourly_cost_eur": 30,
        "lots": [{"amount_eur": 200000, "labour_share_percent": 70}, {"amount_eur": 500000, "labour_share_percent": 50}, {"amount_eur": 300000, "labour_share_percent": 20}]}));
    let per_lot: Vec<i64> = lots.body["lots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["hours"].as_i64().unwrap())
        .collect();
    assert_eq!(per_lot, vec![327, 583, 140]);
    // The CPV reference table gives the share of interior painting (70 %).
    let r = app.post("/api/v1/calibrations", &admin, json!({"method": "labour_share", "amount_eur": 1500000, "cpv_code": "45442100", "insertion_rate_percent": 10, "hourly_cost_eur": 30}));
    assert_eq!(r.body["hours"], 3500, "{}", r.text);
    assert!(r.body["explanation"].as_str().unwrap().contains("454421"));
    app.post("/api/v1/calibrations", &admin, json!({"method": "labour_share", "amount_eur": 1500000, "cpv_code": "90910000", "insertion_rate_percent": 10, "hourly_cost_eur": 30})).assert_refused_on(&["labour_share_percent"]);
});

on_both!(calibration_refusals_name_the_field, |app: &TestApp| {
    let admin = app.structure_admin("PLIE");
    let base = json!({"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50, "insertion_rate_percent": 5, "hourly_cost_eur": 30});
    for (field, value) in [
        ("amount_eur", json!(0)),
        ("amount_eur", json!(-100)),
        ("labour_share_percent", json!(101)),
        ("labour_share_percent", json!(0)),
        ("insertion_rate_percent", json!(150)),
        ("hourly_cost_eur", json!(0)),
    ] {
        let mut body = base.clone();
        body[field] = value.clone();
        let r = app.post("/api/v1/calibrations", &admin, body);
        assert_eq!(r.status, 422, "{field}={value}: {}", r.text);
        assert_eq!(r.error_fields(), vec![field.to_string()], "{field}={value}");
    }
    app.post(
        "/api/v1/calibrations",
        &admin,
        json!({"method": "fixed", "hours": 100, "justification": "  "}),
    )
    .assert_refused_on(&["justification"]);
    // Rounding half up: 1 000 € × 50 % × 5 % ÷ 10 € = 2.5 h -> 3.
    let r = app.post("/api/v1/calibrations", &admin, json!({"method": "labour_share", "amount_eur": 1000, "labour_share_percent": 50, "insertion_rate_percent": 5, "hourly_cost_eur": 10}));
    assert_eq!(r.body["hours"], 3, "{}", r.text);
    assert_eq!(r.body["exact_hours"], 2.5);
});

on_both!(clauses_lifecycle_and_assignments, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let c = app.get(&format!("/api/v1/clauses/{}", w.clause), &w.admin);
    assert_eq!(c.status, 200);
    assert_eq!(c.body["required_hours"], 833);
    assert_eq!(c.body["status"], "active");
    assert_eq!(c.body["unassigned_hours"], 0);
    assert_eq!(c.body["territory"], "93");
    assert_eq!(c.body["time_zone"], "Europe/Paris");
    assert_eq!(c.body["method"], "labour_share");
    // Over-assignment refused and nothing stored.
    let clause2 = fixtures::clause(app, &w.admin, w.contract, "2026-01-01", "2026-06-30", None);
    fixtures::assign(app, &w.admin, clause2, w.contractor_a, "holder", 800);
    let r = app.post(
        &format!("/api/v1/clauses/{clause2}/assignments"),
        &w.admin,
        json!({"contractor_id": w.contractor_b, "role": "co_contractor", "hours_target": 40}),
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.error_fields(), vec!["hours_target"]);
    let c2 = app.get(&format!("/api/v1/clauses/{clause2}"), &w.admin);
    assert_eq!(c2.body["unassigned_hours"], 33);
    assert_eq!(c2.body["assignments"].as_array().unwrap().len(), 1);
    // Transitions.
    assert_eq!(
        app.post(
            &format!("/api/v1/clauses/{clause2}/complete"),
            &w.admin,
            json!({})
        )
        .status,
        409
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/clauses/{clause2}/cancel"),
            &w.admin,
            json!({})
        )
        .status,
        200
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/clauses/{clause2}/activate"),
            &w.admin,
            json!({})
        )
        .status,
        409
    );
    // Override needs a justification.
    app.post(
        &format!("/api/v1/contracts/{}/clauses", w.contract),
        &w.admin,
        json!({"kind": "execution_condition", "calibration": {"method": "per_amount", "amount_eur": 100000, "euros_per_hour": 2000},
               "hours_override": 80, "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    ).assert_refused_on(&["override_justification"]);
    let r = app.post(
        &format!("/api/v1/contracts/{}/clauses", w.contract),
        &w.admin,
        json!({"kind": "insertion_purpose", "target_persons": 2, "calibration": {"method": "per_amount", "amount_eur": 100000, "euros_per_hour": 2000},
               "hours_override": 80, "override_justification": "Accord de l'acheteur", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
               "territory": "976"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["required_hours"], 80);
    assert_eq!(r.body["computed_hours"], 50);
    assert_eq!(r.body["time_zone"], "Indian/Mayotte");
});

on_both!(
    contractor_reads_only_its_own_and_cannot_write,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let a = fixtures::contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        let other = org(
            app,
            &w.admin,
            "contractor",
            "Sans marché",
            Some(SIRETS[4]),
            None,
        );
        let z = fixtures::contractor_user(app, &w.admin, other, "z@sans.test");
        assert_eq!(
            app.get(&format!("/api/v1/clauses/{}", w.clause), &a).status,
            200
        );
        assert_eq!(
            app.get(&format!("/api/v1/contracts/{}", w.contract), &a)
                .status,
            200
        );
        assert_eq!(app.get("/api/v1/clauses", &a).body["total"], 1);
        assert_eq!(
            app.get(&format!("/api/v1/clauses/{}", w.clause), &z).status,
            404
        );
        assert_eq!(
            app.get(&format!("/api/v1/contracts/{}", w.contract), &z)
                .status,
            404
        );
        assert_eq!(app.get("/api/v1/contracts", &z).body["total"], 0);
        let body = json!({"kind": "execution_condition", "calibration": {"method": "fixed", "hours": 10, "justification": "x"},
                      "starts_on": "2026-01-01", "ends_on": "2026-12-31"});
        assert_eq!(
            app.post(
                &format!("/api/v1/contracts/{}/clauses", w.contract),
                &a,
                body
            )
            .status,
            403
        );
        assert_eq!(
            app.post(
                &format!("/api/v1/clauses/{}/cancel", w.clause),
                &a,
                json!({})
            )
            .status,
            403
        );
        assert_eq!(app.get("/api/v1/organisations", &a).status, 403);
        // Another structure sees none of it.
        let other_admin = app.structure_admin("Autre PLIE");
        assert_eq!(
            app.get(&format!("/api/v1/clauses/{}", w.clause), &other_admin)
                .status,
            404
        );
        assert_eq!(
            app.get(&format!("/api/v1/contracts/{}", w.contract), &other_admin)
                .status,
            404
        );
        assert_eq!(app.get("/api/v1/clauses", &other_admin).body["total"], 0);
        let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
        assert_eq!(app.get("/api/v1/clauses", &funder).status, 403);
    }
);

on_both!(labour_shares_reference_table, |app: &TestApp| {
    let admin = app.structure_admin("PLIE");
    let fac = app.api_user(&admin, "facilitator", "fac@plie.test", None);
    let r = app.get("/api/v1/reference/labour-shares", &fac);
    assert_eq!(r.status, 200);
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    let table = json!([{"cpv_prefix": "9091", "labour_share_percent": 80, "label": "Nettoyage"}]);
    assert_eq!(
        app.put("/api/v1/reference/labour-shares", &fac, table.clone())
            .status,
        403
    );
    let r = app.put("/api/v1/reference/labour-shares", &admin, table);
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.post("/api/v1/calibrations", &fac, json!({"method": "labour_share", "amount_eur": 300000, "cpv_code": "90910000", "insertion_rate_percent": 10, "hourly_cost_eur": 30}));
    assert_eq!(r.body["hours"], 800, "{}", r.text);
});

fn sample(name: &str) -> serde_json::Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        dir.join("../shared/samples/decp").join(name),
        std::path::PathBuf::from("/work/shared/samples/decp").join(name),
    ];
    let path = candidates.iter().find(|p| p.exists()).expect("DECP sample");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn import(app: &TestApp, token: &str, body: &serde_json::Value) -> crate::common::Resp {
    app.post("/api/v1/imports/decp", token, body.clone())
}

on_both!(decp_samples_import, |app: &TestApp| {
    for (name, created, skipped) in [
        ("v2-single-marche.json", 1, 0),
        ("v2-marches-with-modifications.json", 1, 1),
        ("v2-marches-and-concessions.json", 1, 3),
        ("v1-paquet.json", 1, 2),
    ] {
        let admin = app.structure_admin(&format!("S {name}"));
        let doc = sample(name);
        let r = import(app, &admin, &doc);
        assert_eq!(r.status, 200, "{name}: {}", r.text);
        assert_eq!(r.body["created"], created, "{name}: {}", r.text);
        assert_eq!(
            r.body["skipped"].as_array().unwrap().len(),
            skipped,
            "{name}: {}",
            r.text
        );
        // A second import of the same file creates and updates nothing.
        let again = import(app, &admin, &doc);
        assert_eq!(again.body["created"], 0, "{name}");
        assert_eq!(again.body["updated"], 0, "{name}");
        assert_eq!(again.body["unchanged"], created, "{name}");
    }
    let admin = app.structure_admin("Pas DECP");
    let r = import(app, &admin, &json!({"hello": "world"}));
    assert_eq!(r.status, 400);
    let r = import(app, &admin, &json!([1, 2, 3]));
    assert_eq!(r.status, 400);
});

on_both!(
    decp_generated_file_with_malformed_records,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let mut marches = Vec::new();
        for i in 0..60 {
            let buyer = match i % 20 {
                7 => json!(null),
                13 => json!({"id": "12345678901234"}),
                _ => json!({"id": SIRETS[i % 3]}),
            };
            let holder = if i % 20 == 5 {
                json!([{"titulaire": {"typeIdentifiant": "SIRET", "id": "999"}}])
            } else {
                json!([{"titulaire": {"typeIdentifiant": "SIRET", "id": SIRETS[3 + i % 3]}}])
            };
            let mut m = json!({"id": format!("2025-{i:04}"), "nature": "Marché", "objet": format!("Marché {i}"),
                           "codeCPV": if i % 2 == 0 {"45442100"} else {"90910000"}, "montant": 100000 + i,
                           "dateNotification": "2025-03-01", "dureeMois": 12, "titulaires": holder,
                           "considerationsSociales": {"considerationSociale": if i % 3 == 0 {vec!["Clause sociale"]} else {vec!["Pas de considération sociale"]}}});
            if !buyer.is_null() {
                m["acheteur"] = buyer;
            }
            marches.push(m);
        }
        let doc = json!({"marches": {"marche": marches}});
        let r = import(app, &admin, &doc);
        assert_eq!(r.status, 200, "{}", r.text);
        // 3 records without a buyer (7, 27, 47), 3 with an invalid buyer SIRET (13, 33, 53).
        let skipped: Vec<i64> = r.body["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["index"].as_i64().unwrap())
            .collect();
        assert_eq!(skipped, vec![7, 13, 27, 33, 47, 53]);
        assert_eq!(r.body["created"], 54);
        let warned: Vec<i64> = r.body["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["index"].as_i64().unwrap())
            .collect();
        assert_eq!(warned, vec![5, 25, 45], "{}", r.body["warnings"]);
        let contracts = app.get("/api/v1/contracts?limit=500", &admin);
        assert_eq!(contracts.body["total"], 54);
        let c0 = contracts.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == "2025-0000")
            .unwrap();
        assert_eq!(c0["kind"], "works");
        assert_eq!(c0["social_considerations"], json!(["clause_sociale"]));
        assert_eq!(c0["ends_on"], "2026-02-28");
        let c5 = contracts.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == "2025-0005")
            .unwrap();
        assert_eq!(c5["holder_ids"], json!([]));
        // Re-import with one amount changed: one update.
        marches_changed(&doc, app, &admin);
    }
);

fn marches_changed(doc: &serde_json::Value, app: &TestApp, admin: &str) {
    let mut doc = doc.clone();
    doc["marches"]["marche"][0]["montant"] = json!(250000);
    let r = import(app, admin, &doc);
    assert_eq!(r.body["updated"], 1, "{}", r.text);
    assert_eq!(r.body["unchanged"], 53);
}

on_both!(clause_refuses_zero_required_hours, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let path = format!("/api/v1/contracts/{}/clauses", w.contract);
    let body = |calibration: serde_json::Value| {
        json!({"kind": "execution_condition", "calibration": calibration,
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    };
    let zero = |r: &crate::common::Resp, field: &str| {
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.error_fields(), vec![field.to_string()], "{}", r.text);
        assert_eq!(r.body["errors"][0]["code"], "zero_hours", "{}", r.text);
        let message = r.body["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains("au moins une heure"), "{message}");
    };
    // Every method, whenever its result rounds to 0 h: 500 € × 50 % × 5 % ÷ 30 € = 0,42 h;
    // two lots of 0,42 h and 0,33 h each round to 0 h; 998 € at 1 h per 2 000 € = 0,499 h;
    // a fixed 0,4 h.
    for calibration in [
        json!({"method": "labour_share", "amount_eur": 500, "labour_share_percent": 50,
               "insertion_rate_percent": 5, "hourly_cost_eur": 30}),
        json!({"method": "labour_share", "insertion_rate_percent": 5, "hourly_cost_eur": 30,
               "lots": [{"amount_eur": 500, "labour_share_percent": 50},
                        {"amount_eur": 400, "labour_share_percent": 50}]}),
        json!({"method": "per_amount", "amount_eur": 998, "euros_per_hour": 2000}),
        json!({"method": "fixed", "hours": 0.4, "justification": "Accord de l'acheteur"}),
    ] {
        zero(&app.post(&path, &w.admin, body(calibration)), "calibration");
    }
    // An override that rounds to 0 h is refused on the override.
    for h in [0.0, 0.49] {
        let mut b = body(json!({"method": "fixed", "hours": 10, "justification": "Accord"}));
        b["hours_override"] = json!(h);
        b["override_justification"] = json!("Avenant");
        zero(&app.post(&path, &w.admin, b), "hours_override");
    }
    // A 0 h calibration overridden with a real target is a clause with that target.
    let mut b = body(json!({"method": "per_amount", "amount_eur": 998, "euros_per_hour": 2000}));
    b["hours_override"] = json!(120);
    b["override_justification"] = json!("Accord de l'acheteur");
    let r = app.post(&path, &w.admin, b);
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["required_hours"], 120);
    // 1 000 € at 1 h per 2 000 € = 0,5 h, rounded half up to 1 h: accepted.
    let r = app.post(
        &path,
        &w.admin,
        body(json!({"method": "per_amount", "amount_eur": 1000, "euros_per_hour": 2000})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["required_hours"], 1);
    assert_eq!(app.get("/api/v1/clauses", &w.admin).body["total"], 3);
});

on_both!(
    refusals_of_contracts_and_clauses_carry_specific_codes,
    |app: &TestApp| {
        let w = fixtures::world(app, "Codes");
        let code = |r: &crate::common::Resp, field: &str| {
            r.body["errors"]
                .as_array()
                .and_then(|errors| errors.iter().find(|e| e["field"] == field))
                .map(|e| e["code"].as_str().unwrap_or("").to_string())
                .unwrap_or_default()
        };
        // The same buyer and reference again: 409, its code and today's sentence.
        let r = app.post(
            "/api/v1/contracts",
            &w.admin,
            json!({"buyer_id": w.buyer, "reference": "2026-001", "title": "Encore", "kind": "works"}),
        );
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(code(&r, "reference"), "contract_reference_taken");
        assert_eq!(
            r.body["detail"],
            "Cet acheteur a déjà un marché de référence « 2026-001 »."
        );
        // Field rules: one code each, never `invalid`.
        let r = app.post(
            "/api/v1/contracts",
            &w.admin,
            json!({"buyer_id": w.contractor_a, "reference": "X", "title": " ", "kind": "works",
                   "cpv_code": "4544", "duration_months": 0}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(code(&r, "buyer_id"), "organisation_not_buyer");
        assert_eq!(code(&r, "title"), "empty");
        assert_eq!(code(&r, "cpv_code"), "cpv_code_malformed");
        assert_eq!(code(&r, "duration_months"), "duration_out_of_range");
        // An active clause cannot be activated again.
        let r = app.post(
            &format!("/api/v1/clauses/{}/activate", w.clause),
            &w.admin,
            json!({}),
        );
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(code(&r, "status"), "clause_status_transition");
        assert_eq!(
            r.body["detail"],
            "Une clause active ne peut pas devenir active."
        );
        // A second assignment of the same contractor.
        let r = app.post(
            &format!("/api/v1/clauses/{}/assignments", w.clause),
            &w.admin,
            json!({"contractor_id": w.contractor_a, "role": "holder", "hours_target": 0}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(code(&r, "hours_target"), "not_positive");
        assert_eq!(
            r.body["errors"][0]["message"],
            "la valeur doit être supérieure à 0"
        );
    }
);

on_both!(a_contract_s_lists_are_bounded, |app: &TestApp| {
    let admin = app.structure_admin("PLIE");
    let buyer = org(app, &admin, "buyer", "Ville", Some(SIRETS[0]), Some("93"));
    let lots: Vec<_> = (1..=101).map(|n| json!({"number": n})).collect();
    let r = app.post(
        "/api/v1/contracts",
        &admin,
        json!({"buyer_id": buyer, "reference": "R1", "title": "Groupe scolaire", "kind": "works",
               "starts_on": "2026-01-01", "duration_months": 12, "lots": lots}),
    );
    r.assert_refused_on(&["lots"]);
    assert!(r.text.contains("list_too_long"), "{}", r.text);
    // A hundred thousand holders are refused before any is looked up.
    let holders: Vec<i64> = (1..=100_000).collect();
    let r = app.post(
        "/api/v1/contracts",
        &admin,
        json!({"buyer_id": buyer, "reference": "R1", "title": "Groupe scolaire", "kind": "works",
               "starts_on": "2026-01-01", "duration_months": 12, "holder_ids": holders}),
    );
    assert!(matches!(r.status, 413 | 422), "{} {}", r.status, r.text);
    assert_eq!(app.get("/api/v1/contracts", &admin).body["total"], 0);
    // At the bounds: accepted.
    let lots: Vec<_> = (1..=100).map(|n| json!({"number": n})).collect();
    let r = app.post(
        "/api/v1/contracts",
        &admin,
        json!({"buyer_id": buyer, "reference": "R1", "title": "Groupe scolaire", "kind": "works",
               "starts_on": "2026-01-01", "duration_months": 12, "lots": lots}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["lots"].as_array().unwrap().len(), 100);
});
