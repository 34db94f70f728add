//! Contracts still to clause (issue 20, part 5): the list through the API (JSON and CSV) and
//! its page, the buyers' thresholds, the two-month rule, the unknown labour share, sorting
//! and paging, tenancy and roles. Expected hours are computed here from the entries.

use serde_json::{json, Value};

use crate::common::{csv_rows, TestApp};
use crate::fixtures::{self, contractor_user, org, SIRETS};
use crate::on_both;

/// A contract; `amount` in cents, `duration` in months or the dates' span.
#[allow(clippy::too_many_arguments)]
fn contract(
    app: &TestApp,
    token: &str,
    buyer: i64,
    reference: &str,
    cpv: &str,
    amount_cents: i64,
    notified_on: Option<&str>,
    dates: (&str, &str),
    duration: Option<i32>,
    social: &[&str],
) -> i64 {
    let amount = format!("{}.{:02}", amount_cents / 100, amount_cents % 100);
    let body = json!({"buyer_id": buyer, "reference": reference, "title": format!("Marché {reference}"),
               "kind": "works", "cpv_code": cpv,
               "amount_eur": serde_json::from_str::<Value>(&amount).unwrap(),
               "notified_on": notified_on, "starts_on": dates.0, "ends_on": dates.1,
               "duration_months": duration, "social_considerations": social});
    let r = app.post("/api/v1/contracts", token, body);
    assert_eq!(r.status, 201, "contract {reference}: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// amount × share × 5 % ÷ 30 €, rounded half up to whole hours, in integers: cents ×
/// share percent × rate percent ÷ (cost cents × 100 × 100) hours.
fn standard_hours(amount_cents: i64, share_percent: i64) -> i64 {
    let num = amount_cents * share_percent * 5;
    let den = 3000 * 100 * 100;
    (2 * num + den) / (2 * den)
}

fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/contracts/to-clause?{query}"), token);
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    r.body
}

fn references(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["reference"].as_str().unwrap().to_string())
        .collect()
}

struct Setup {
    w: fixtures::World,
}

/// The world's buyer with: A at the threshold (painting, two months by dates), B one cent
/// under, C one month long, D of unknown labour share, E with a declared criterion, F with a
/// draft clause, G not notified, H masonry over twelve months, I with a cancelled clause.
fn setup(app: &TestApp) -> Setup {
    let w = fixtures::world(app, "PLIE Mayotte");
    let t = &w.admin;
    let b = w.buyer;
    let two = ("2026-03-01", "2026-04-30");
    let year = ("2026-01-01", "2026-12-31");
    contract(
        app,
        t,
        b,
        "A",
        "45442100",
        7_000_000,
        Some("2026-02-01"),
        two,
        None,
        &[],
    );
    contract(
        app,
        t,
        b,
        "B",
        "45442100",
        6_999_999,
        Some("2026-02-02"),
        year,
        None,
        &[],
    );
    contract(
        app,
        t,
        b,
        "C",
        "45442100",
        20_000_000,
        Some("2026-02-03"),
        ("2026-03-01", "2026-04-29"),
        None,
        &[],
    );
    contract(
        app,
        t,
        b,
        "D",
        "79710000",
        15_000_000,
        Some("2026-01-15"),
        year,
        Some(12),
        &[],
    );
    contract(
        app,
        t,
        b,
        "E",
        "45442100",
        50_000_000,
        Some("2026-02-04"),
        year,
        None,
        &["critere_social"],
    );
    let f = contract(
        app,
        t,
        b,
        "F",
        "45442100",
        30_000_000,
        Some("2026-02-05"),
        year,
        None,
        &[],
    );
    fixtures::clause(app, t, f, "2026-01-01", "2026-12-31", None);
    contract(
        app,
        t,
        b,
        "G",
        "45442100",
        30_000_000,
        None,
        year,
        None,
        &[],
    );
    contract(
        app,
        t,
        b,
        "H",
        "45262500",
        100_000_000,
        Some("2025-11-20"),
        ("2026-01-01", "2026-12-31"),
        Some(12),
        &[],
    );
    let i = contract(
        app,
        t,
        b,
        "I",
        "45442100",
        8_000_000,
        Some("2026-03-01"),
        year,
        Some(2),
        &[],
    );
    let k = fixtures::clause(app, t, i, "2026-01-01", "2026-12-31", None);
    let r = app.post(&format!("/api/v1/clauses/{k}/cancel"), t, json!({}));
    assert_eq!(r.status, 200, "{}", r.text);
    Setup { w }
}

on_both!(
    lists_the_contracts_to_clause_with_their_hours,
    |app: &TestApp| {
        let s = setup(app);
        let w = &s.w;
        let body = list(app, &w.facilitator, "");
        // By amount, largest first: H 1 000 000, D 150 000, I 80 000, A 70 000.
        assert_eq!(references(&body), ["H", "D", "I", "A"]);
        assert_eq!(body["total"], 4);
        let item = |r: &str| -> Value {
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["reference"] == r)
                .cloned()
                .unwrap()
        };
        let a = item("A");
        assert_eq!(a["hours"], standard_hours(7_000_000, 70));
        assert_eq!(a["hours"], 82);
        assert_eq!(a["labour_share_percent"], 70);
        assert_eq!(a["labour_share_label"], "Travaux de peinture");
        assert_eq!(a["amount_eur"], 70000);
        assert_eq!(a["threshold_eur"], 70000);
        assert_eq!(a["insertion_rate_percent"], 5);
        assert_eq!(a["hourly_cost_eur"], 30);
        assert_eq!(a["note"], Value::Null);
        assert_eq!(a["buyer_name"], "Ville de Saint-Denis");
        let h = item("H");
        assert_eq!(h["hours"], standard_hours(100_000_000, 50));
        assert_eq!(h["hours"], 833);
        // No labour share for its CPV code: no hours, never an invented share.
        let d = item("D");
        assert_eq!(d["hours"], Value::Null);
        assert_eq!(d["labour_share_percent"], Value::Null);
        assert_eq!(d["note"], "part de main-d'œuvre inconnue");
        // The link creates the clause with that calibration.
        let href = a["new_clause_href"].as_str().unwrap().to_string();
        assert_eq!(
            href,
            format!(
                "/contracts/{}/clauses/new?insertion_rate_percent=5&hourly_cost_eur=30",
                a["contract_id"]
            )
        );
        let page = app.get(&href, &w.facilitator);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(
            page.text.contains("name=\"insertion_rate_percent\""),
            "{}",
            page.text
        );

        // Sorted by hours (unknown last), by date, and paged.
        assert_eq!(
            references(&list(app, &w.facilitator, "sort=hours")),
            ["H", "I", "A", "D"]
        );
        assert_eq!(
            references(&list(app, &w.facilitator, "sort=hours&order=asc")),
            ["A", "I", "H", "D"]
        );
        assert_eq!(
            references(&list(app, &w.facilitator, "sort=date&order=asc")),
            ["H", "D", "A", "I"]
        );
        let page2 = list(app, &w.facilitator, "limit=2&offset=2");
        assert_eq!(references(&page2), ["I", "A"]);
        assert_eq!(page2["total"], 4);
        let r = app.get("/api/v1/contracts/to-clause?sort=price", &w.facilitator);
        assert_eq!(r.status, 422, "{}", r.text);
        r.assert_refused_on(&["sort"]);
        let r = app.get("/api/v1/contracts/to-clause?order=up", &w.facilitator);
        r.assert_refused_on(&["order"]);

        // A clause added to A takes it off the list.
        let a_id = a["contract_id"].as_i64().unwrap();
        fixtures::clause(app, &w.admin, a_id, "2026-03-01", "2026-04-30", None);
        assert_eq!(references(&list(app, &w.facilitator, "")), ["H", "D", "I"]);
    }
);

on_both!(a_buyer_threshold_changes_the_list, |app: &TestApp| {
    let s = setup(app);
    let w = &s.w;
    let r = app.get("/api/v1/contracts/to-clause/thresholds", &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!([{"buyer_id": w.buyer, "buyer_name": "Ville de Saint-Denis",
                "threshold_eur": 70000, "is_default": true}])
    );
    let path = format!("/api/v1/contracts/to-clause/thresholds/{}", w.buyer);
    let r = app.put(&path, &w.facilitator, json!({"threshold_eur": 150000}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["is_default"], false);
    // From 150 000 €: D (150 000, at the threshold) and H stay.
    let body = list(app, &w.facilitator, "");
    assert_eq!(references(&body), ["H", "D"]);
    assert_eq!(body["items"][1]["threshold_eur"], 150000);
    let r = app.put(&path, &w.facilitator, json!({"threshold_eur": 0}));
    r.assert_refused_on(&["threshold_eur"]);
    // A contractor is not a buyer; an unknown id is 404.
    let r = app.put(
        &format!("/api/v1/contracts/to-clause/thresholds/{}", w.contractor_a),
        &w.facilitator,
        json!({"threshold_eur": 1000}),
    );
    r.assert_refused_on(&["buyer_id"]);
    let r = app.put(
        "/api/v1/contracts/to-clause/thresholds/999999",
        &w.facilitator,
        json!({"threshold_eur": 1000}),
    );
    assert_eq!(r.status, 404, "{}", r.text);
});

on_both!(
    another_structure_and_other_roles_see_nothing,
    |app: &TestApp| {
        let s = setup(app);
        let w = &s.w;
        // Another structure with a contract to clause of its own.
        let other = app.structure_admin("PLIE Voisin");
        let buyer = org(
            app,
            &other,
            "buyer",
            "Ville voisine",
            Some(SIRETS[5]),
            Some("976"),
        );
        contract(
            app,
            &other,
            buyer,
            "V-1",
            "45442100",
            9_000_000,
            Some("2026-02-01"),
            ("2026-01-01", "2026-12-31"),
            None,
            &[],
        );
        assert_eq!(references(&list(app, &other, "")), ["V-1"]);
        assert_eq!(
            references(&list(app, &w.facilitator, "")),
            ["H", "D", "I", "A"]
        );
        let csv = app.get("/api/v1/contracts/to-clause.csv", &other);
        assert!(!csv.text.contains("Saint-Denis"));
        // Neither may set the other's buyer's threshold, nor filter on it.
        let r = app.put(
            &format!("/api/v1/contracts/to-clause/thresholds/{}", w.buyer),
            &other,
            json!({"threshold_eur": 1000}),
        );
        assert_eq!(r.status, 404, "{}", r.text);
        let r = app.get(
            &format!("/api/v1/contracts/to-clause?buyer_id={}", w.buyer),
            &other,
        );
        assert_eq!(r.status, 404, "{}", r.text);
        // Contractors and funders are refused.
        let contractor = contractor_user(app, &w.admin, w.contractor_a, "chef@batiment.test");
        let funder = app.api_user(&w.admin, "funder", "financeur@mayotte.test", None);
        for token in [&contractor, &funder] {
            for path in [
                "/api/v1/contracts/to-clause",
                "/api/v1/contracts/to-clause.csv",
                "/api/v1/contracts/to-clause/thresholds",
            ] {
                assert_eq!(app.get(path, token).status, 403, "{path}");
            }
            let r = app.put(
                &format!("/api/v1/contracts/to-clause/thresholds/{}", w.buyer),
                token,
                json!({"threshold_eur": 1000}),
            );
            assert_eq!(r.status, 403);
        }
    }
);

on_both!(the_csv_opens_in_a_french_spreadsheet, |app: &TestApp| {
    let s = setup(app);
    let w = &s.w;
    let r = app.get("/api/v1/contracts/to-clause.csv?sort=hours", &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r
        .header("Content-Type")
        .is_some_and(|c| c.starts_with("text/csv")));
    assert!(r
        .header("Content-Disposition")
        .is_some_and(|c| c.contains("marches-a-clauser.csv")));
    let text = r.text.strip_prefix('\u{feff}').expect("byte-order mark");
    let rows = csv_rows(text, b';');
    assert_eq!(
        rows[0],
        [
            "Marché",
            "Objet",
            "Acheteur",
            "Code CPV",
            "Montant HT (€)",
            "Notification",
            "Début",
            "Fin",
            "Durée (mois)",
            "Seuil de l'acheteur (€)",
            "Part de main-d'œuvre (%)",
            "Heures d'insertion (calibrage standard)",
            "Remarque"
        ]
    );
    let refs: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(refs, ["H", "I", "A", "D"]);
    let a = &rows[3];
    assert_eq!(a[4], "70000,00");
    assert_eq!(a[5], "2026-02-01");
    assert_eq!(a[9], "70000,00");
    assert_eq!(a[10], "70,00");
    assert_eq!(a[11], "82");
    assert_eq!(a[12], "");
    let d = &rows[4];
    assert_eq!(d[11], "");
    assert_eq!(d[12], "part de main-d'œuvre inconnue");
    assert_eq!(d[8], "12");
    // The standard form for programs.
    let r = app.get(
        "/api/v1/contracts/to-clause.csv?dialect=standard",
        &w.facilitator,
    );
    assert!(r.text.starts_with("reference,title,buyer,"), "{}", r.text);
    assert!(r.text.contains("1000000.00"), "{}", r.text);
});

on_both!(
    the_page_lists_sorts_and_sets_a_threshold,
    |app: &TestApp| {
        let s = setup(app);
        let w = &s.w;
        let session = app.page_session(&w.facilitator);
        let contracts = app.page_get("/contracts", &session);
        assert!(contracts.text.contains("href=\"/contracts/to-clause\""));
        let page = app.page_get("/contracts/to-clause", &session);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(
            page.text.contains("<h1>Marchés à clauser</h1>"),
            "{}",
            page.text
        );
        assert!(page.text.contains("4 marchés à clauser"), "{}", page.text);
        assert!(page.text.contains("833\u{a0}h"), "{}", page.text);
        assert!(
            page.text.contains("part de main-d&#x27;œuvre inconnue")
                || page.text.contains("part de main-d'œuvre inconnue"),
            "{}",
            page.text
        );
        assert!(page.text.contains("Créer la clause"));
        assert!(
            page.text.contains("70\u{a0}000\u{a0}€") || page.text.contains("70\u{202f}000\u{a0}€"),
            "{}",
            page.text
        );
        // The hours header sorts by hours, descending first.
        assert!(
            page.text
                .contains("to-clause?sort=hours&amp;order=desc\">Heures d'insertion</a>"),
            "{}",
            page.text
        );
        let sorted = app.page_get("/contracts/to-clause?sort=hours&order=asc", &session);
        let a = sorted.text.find(">A</a>").unwrap();
        let h = sorted.text.find(">H</a>").unwrap();
        assert!(a < h);
        // The threshold form: refused beside its field, then saved.
        let buyer = w.buyer.to_string();
        let r = app.page_post(
            "/contracts/to-clause/threshold",
            &session,
            &[("buyer_id", &buyer), ("threshold_eur", "beaucoup")],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-threshold_eur\""), "{}", r.text);
        let r = app.page_post(
            "/contracts/to-clause/threshold",
            &session,
            &[("buyer_id", &buyer), ("threshold_eur", "150 000")],
        );
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(
            r.header("Location"),
            Some("/contracts/to-clause?fait=seuil-enregistre")
        );
        let page = app.page_get("/contracts/to-clause?fait=seuil-enregistre", &session);
        assert!(
            page.text
                .contains("Le seuil de l&#x27;acheteur est enregistré")
                || page.text.contains("Le seuil de l'acheteur est enregistré"),
            "{}",
            page.text
        );
        assert!(page.text.contains("2 marchés à clauser"), "{}", page.text);
        // Read back through the API.
        let t = app.get("/api/v1/contracts/to-clause/thresholds", &w.facilitator);
        assert_eq!(t.body[0]["threshold_eur"], 150000);
        // A contractor gets the refusal page.
        let contractor = contractor_user(app, &w.admin, w.contractor_a, "chef@batiment.test");
        let cs = app.page_session(&contractor);
        assert_eq!(app.page_get("/contracts/to-clause", &cs).status, 403);
    }
);

on_both!(
    the_demo_shows_contracts_to_clause_and_the_pnad_shares,
    |app: &TestApp| {
        use chrono::Datelike;
        use clausier::seed::{generate, Scale, SeedOptions};
        let today = app.clock.today();
        let pool = clausier::db::build_pool(
            &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
            1,
        )
        .unwrap();
        let mut conn = pool.get().unwrap();
        let first = today.with_day(1).unwrap();
        let options = SeedOptions {
            scale: Scale::Demo,
            years: 2,
            seed: 2026,
            last_month: first.pred_opt().unwrap().with_day(1).unwrap(),
            today,
            password_hash: clausier::auth::password::hash_password(crate::common::PASSWORD)
                .unwrap(),
            open_placements: 0,
        };
        let report = generate(&mut conn, &options).expect("demo generated");
        let email = report
            .users
            .iter()
            .find(|(r, _)| r == "facilitator")
            .unwrap()
            .1
            .clone();
        let staff = app.token(&email);
        let body = list(app, &staff, "limit=500");
        let items = body["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{body}");
        assert!(items
            .iter()
            .any(|i| i["hours"].as_i64().is_some_and(|h| h > 0)));
        assert!(items
            .iter()
            .any(|i| i["note"] == "part de main-d'œuvre inconnue"));
        for i in items {
            assert!(i["amount_eur"].as_f64().unwrap() >= 70000.0, "{i}");
        }
        // Each year of the demo has environmental considerations among its contracts.
        let year = today.year();
        let r = app.get(&format!("/api/v1/reports/annual?year={}", year - 1), &staff);
        assert_eq!(r.status, 200, "{}", r.text);
        let p = &r.body["pnad"];
        let share = p["environmental_share"].as_f64().unwrap_or(0.0);
        assert!(share > 0.0 && share < 100.0, "{p}");
        assert!(!p["by_buyer"].as_array().unwrap().is_empty(), "{p}");
    }
);
