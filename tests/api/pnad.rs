//! The purchasing-plan (PNAD) indicators of the annual report (issue 20, part 3): a clause
//! that is not cancelled counts as a social consideration, environmental considerations are
//! taken by contract creation and correction and read from the open data, the shares per
//! buyer and the year's targets. Every expected figure is counted here from the entries.

use serde_json::{json, Value};

use crate::common::{csv_rows, TestApp};
use crate::fixtures::{self, org, SIRETS};
use crate::on_both;

fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/reports/annual?{query}"), token);
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    r.body
}

/// A contract notified on `notified_on` with these considerations; its id.
fn contract(
    app: &TestApp,
    token: &str,
    buyer: i64,
    reference: &str,
    notified_on: &str,
    social: &[&str],
    environmental: &[&str],
) -> i64 {
    let r = app.post(
        "/api/v1/contracts",
        token,
        json!({"buyer_id": buyer, "reference": reference, "title": format!("Marché {reference}"),
               "kind": "works", "cpv_code": "45442100", "amount_eur": 250000,
               "notified_on": notified_on, "starts_on": "2026-03-01", "ends_on": "2026-12-31",
               "social_considerations": social, "environmental_considerations": environmental}),
    );
    assert_eq!(r.status, 201, "contract: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn buyer_line(pnad: &Value, buyer: i64) -> &Value {
    pnad["by_buyer"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["buyer_id"] == buyer)
        .unwrap_or_else(|| panic!("buyer {buyer} in {pnad}"))
}

on_both!(
    a_clause_added_and_activated_counts_as_a_social_consideration,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Est");
        // The reproduction: notified 2026-02-01, nothing declared.
        let c = contract(app, &w.admin, w.buyer, "R-1", "2026-02-01", &[], &[]);
        let r = report(app, &w.facilitator, "year=2026");
        assert_eq!(r["pnad"]["contracts_notified"], 1);
        assert_eq!(r["pnad"]["with_social_consideration"], 0);
        assert_eq!(r["pnad"]["share"], 0);
        // A clause added and activated: the contract now has a social consideration.
        let clause = fixtures::clause(app, &w.admin, c, "2026-03-01", "2026-12-31", None);
        let r = report(app, &w.facilitator, "year=2026");
        assert_eq!(
            r["pnad"]["with_social_consideration"], 1,
            "a draft clause counts"
        );
        fixtures::activate(app, &w.admin, clause);
        let r = report(app, &w.facilitator, "year=2026");
        assert_eq!(r["pnad"]["with_social_consideration"], 1);
        assert_eq!(r["pnad"]["share"], 100);
        // Cancelled, it no longer does.
        let cancel = app.post(
            &format!("/api/v1/clauses/{clause}/cancel"),
            &w.admin,
            json!({}),
        );
        assert_eq!(cancel.status, 200, "{}", cancel.text);
        let r = report(app, &w.facilitator, "year=2026");
        assert_eq!(r["pnad"]["with_social_consideration"], 0);
        // The fixture's contract (2025, declared and clause) is 2025's.
        let r25 = report(app, &w.facilitator, "year=2025");
        assert_eq!(r25["pnad"]["contracts_notified"], 1);
        assert_eq!(r25["pnad"]["with_social_consideration"], 1);
    }
);

on_both!(
    environmental_considerations_are_taken_counted_per_buyer_with_targets,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Ouest");
        let other = org(
            app,
            &w.admin,
            "buyer",
            "Département de la Seine-Saint-Denis",
            Some(SIRETS[3]),
            Some("93"),
        );
        // Buyer 1: E-1 environmental clause and social clause, E-2 nothing, E-3 criterion
        // (corrected in later). Buyer 2: F-1 environmental, F-2 reserved.
        contract(
            app,
            &w.admin,
            w.buyer,
            "E-1",
            "2026-01-10",
            &["clause_sociale"],
            &["clause_environnementale"],
        );
        contract(app, &w.admin, w.buyer, "E-2", "2026-02-10", &[], &[]);
        let e3 = contract(app, &w.admin, w.buyer, "E-3", "2026-03-10", &[], &[]);
        contract(
            app,
            &w.admin,
            other,
            "F-1",
            "2026-04-10",
            &[],
            &["critere_environnemental", "clause_environnementale"],
        );
        contract(
            app,
            &w.admin,
            other,
            "F-2",
            "2026-05-10",
            &["marche_reserve"],
            &[],
        );
        // An unknown code is refused with its French message.
        let r = app.post(
            "/api/v1/contracts",
            &w.admin,
            json!({"buyer_id": w.buyer, "reference": "X", "title": "X", "kind": "works",
                   "environmental_considerations": ["vert"]}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(
            r.body["errors"][0]["field"],
            "environmental_considerations[0]"
        );
        assert_eq!(
            r.body["errors"][0]["code"],
            "environmental_consideration_unknown"
        );
        assert!(
            r.text.contains("considération environnementale"),
            "{}",
            r.text
        );
        // The correction takes them too, and the contract shows them.
        let current = app.get(&format!("/api/v1/contracts/{e3}"), &w.admin);
        let etag = current.header("ETag").map(str::to_string);
        let r = app.patch(
            &format!("/api/v1/contracts/{e3}"),
            &w.admin,
            json!({"environmental_considerations": ["critere_environnemental"],
                   "reason": "Critère environnemental oublié à la saisie"}),
            etag.as_deref(),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.body["environmental_considerations"],
            json!(["critere_environnemental"])
        );
        let f1 = app.get("/api/v1/contracts?limit=500", &w.admin).body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == "F-1")
            .cloned()
            .unwrap();
        assert_eq!(
            f1["environmental_considerations"],
            json!(["clause_environnementale", "critere_environnemental"])
        );

        // Counted from the entries above: buyer 1 has 3 contracts, 1 social (E-1), 2
        // environmental (E-1, E-3); buyer 2 has 2, 1 social (F-2), 1 environmental (F-1).
        let r = report(app, &w.facilitator, "year=2026");
        let p = &r["pnad"];
        assert_eq!(p["contracts_notified"], 5);
        assert_eq!(p["with_social_consideration"], 2);
        assert_eq!(p["share"], 40);
        assert_eq!(p["with_environmental_consideration"], 3);
        assert_eq!(p["environmental_share"], 60);
        assert_eq!(p["targets"], json!({"social": 30, "environmental": 100}));
        let b1 = buyer_line(p, w.buyer);
        assert_eq!(b1["buyer_name"], "Ville de Saint-Denis");
        assert_eq!(
            (
                b1["contracts_notified"].as_i64(),
                b1["with_social_consideration"].as_i64(),
                b1["with_environmental_consideration"].as_i64()
            ),
            (Some(3), Some(1), Some(2))
        );
        assert_eq!(b1["share"], 33.3);
        assert_eq!(b1["environmental_share"], 66.7);
        let b2 = buyer_line(p, other);
        assert_eq!(b2["share"], 50);
        assert_eq!(b2["environmental_share"], 50);
        // Most contracts first.
        assert_eq!(p["by_buyer"][0]["buyer_id"], w.buyer);
        // The buyer filter narrows the list to it.
        let r = report(app, &w.facilitator, &format!("year=2026&buyer_id={other}"));
        assert_eq!(r["pnad"]["by_buyer"].as_array().unwrap().len(), 1);
        assert_eq!(r["pnad"]["environmental_share"], 50);

        // The CSV (French spreadsheet form) has the counts, totals and per buyer.
        let csv = app.get("/api/v1/reports/annual.csv?year=2026", &w.facilitator);
        assert_eq!(csv.status, 200);
        let text = csv.text.strip_prefix('\u{feff}').expect("byte-order mark");
        let rows = csv_rows(text, b';');
        let find = |title: &str, key: &str| -> Vec<String> {
            rows.iter()
                .find(|r| r[0] == title && r[1] == key)
                .cloned()
                .unwrap_or_else(|| panic!("{title} {key} in {text}"))
        };
        assert_eq!(
            find(
                "Plan national des achats durables",
                "with_environmental_consideration"
            )[3],
            "3"
        );
        let line = find(
            "Marchés avec une considération environnementale",
            &other.to_string(),
        );
        assert_eq!(
            (line[2].as_str(), line[3].as_str()),
            ("Département de la Seine-Saint-Denis", "1")
        );
        // The workbook opens, and the page shows the shares against their targets.
        let xlsx = app.get("/api/v1/reports/annual.xlsx?year=2026", &w.facilitator);
        assert_eq!(xlsx.status, 200);
        let page = app.get("/reports/annual/2026", &w.facilitator);
        assert_eq!(page.status, 200);
        assert!(
            page.text
                .contains("Part environnementale (objectif\u{a0}: 100\u{a0}%)"),
            "{}",
            page.text
        );
        assert!(page.text.contains("60,0\u{202f}%"), "{}", page.text);
        assert!(page.text.contains("Département de la Seine-Saint-Denis"));
    }
);

fn sample(name: &str) -> Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        dir.join("../shared/samples/decp").join(name),
        std::path::PathBuf::from("/work/shared/samples/decp").join(name),
    ];
    let path = candidates.iter().find(|p| p.exists()).expect("DECP sample");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The contracts of a DECP file (`{"marches": {"marche": ...}}` or `{"marches": [...]}`).
fn records(file: &Value) -> Vec<Value> {
    let m = &file["marches"];
    let list = if m.is_array() { m } else { &m["marche"] };
    match list {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![list.clone()],
        _ => Vec::new(),
    }
}

/// Whether a published record states a consideration of `key` (wrapped or plain array)
/// other than "Pas de considération …".
fn states(record: &Value, key: &str, inner: &str) -> bool {
    let v = &record[key];
    let list = if v.is_array() { v } else { &v[inner] };
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|l| !l.starts_with("Pas de"))
}

on_both!(
    environmental_share_of_an_imported_decp_sample,
    |app: &TestApp| {
        let admin = app.structure_admin("Maison de l'emploi");
        let mut notified = 0;
        let mut environmental = 0;
        let mut social = 0;
        let names = ["v2-single-marche.json", "v2-marches-and-concessions.json"];
        for name in names {
            let r = app.post("/api/v1/imports/decp", &admin, sample(name));
            assert_eq!(r.status, 200, "{name}: {}", r.text);
        }
        // The contracts the imports created (concessions and a buyer identifier that is not
        // a SIRET are skipped), read back, then counted from the files' own fields.
        let stored: Vec<String> = app.get("/api/v1/contracts?limit=500", &admin).body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["reference"].as_str().unwrap().to_string())
            .collect();
        assert!(!stored.is_empty());
        for name in names {
            let created: Vec<Value> = records(&sample(name))
                .into_iter()
                .filter(|m| {
                    m["id"]
                        .as_str()
                        .is_some_and(|id| stored.iter().any(|s| s == id))
                })
                .filter(|m| {
                    m["dateNotification"]
                        .as_str()
                        .is_some_and(|d| d.starts_with("2024"))
                })
                .collect();
            notified += created.len() as i64;
            environmental += created
                .iter()
                .filter(|m| {
                    states(
                        m,
                        "considerationsEnvironnementales",
                        "considerationEnvironnementale",
                    )
                })
                .count() as i64;
            social += created
                .iter()
                .filter(|m| states(m, "considerationsSociales", "considerationSociale"))
                .count() as i64;
        }
        assert!(environmental > 0, "the samples state environmental clauses");
        // A contract entered by hand in 2024 without any consideration.
        let buyer = org(
            app,
            &admin,
            "buyer",
            "Commune de Mamoudzou",
            Some(SIRETS[4]),
            Some("976"),
        );
        let r = app.post(
            "/api/v1/contracts",
            &admin,
            json!({"buyer_id": buyer, "reference": "M-1", "title": "Entretien des espaces verts",
                   "kind": "services", "amount_eur": 90000, "notified_on": "2024-09-01"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        notified += 1;
        let r = report(app, &admin, "year=2024");
        let p = &r["pnad"];
        assert_eq!(p["contracts_notified"], notified);
        assert_eq!(p["with_environmental_consideration"], environmental);
        assert_eq!(p["with_social_consideration"], social);
        // Share in tenths of a percent, rounded half up, as a number with one decimal.
        let tenths = (2 * environmental * 1000 + notified) / (2 * notified);
        let expected = tenths as f64 / 10.0;
        assert_eq!(p["environmental_share"].as_f64(), Some(expected), "{p}");
    }
);

on_both!(
    a_funder_under_the_threshold_gets_no_pnad_figure,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Centre");
        contract(
            app,
            &w.admin,
            w.buyer,
            "G-1",
            "2026-02-01",
            &[],
            &["clause_environnementale"],
        );
        let funder = app.api_user(&w.admin, "funder", "financeur@centre.test", None);
        let r = report(app, &funder, "year=2026");
        // No one placed: the whole selection is under the threshold.
        assert_eq!(r["below_threshold"], true, "{r}");
        assert_eq!(r["pnad"]["with_environmental_consideration"], Value::Null);
        assert_eq!(r["pnad"]["environmental_share"], Value::Null);
        assert_eq!(r["pnad"]["targets"], Value::Null);
        assert_eq!(r["pnad"]["by_buyer"], json!([]));
    }
);
