//! Settings (issue 20): the PNAD targets of a year and the structure's standard calibration
//! through the API and the `/settings` page, with the 12-month follow-up. The report's
//! targets and the contracts-to-clause hours follow a change; facilitators read, only an
//! administrator writes; bad values are refused beside their field with nothing changed.
//! Expected hours are computed here from the entries.

use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user};
use crate::on_both;

fn codes(r: &crate::common::Resp) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["code"].as_str().map(String::from))
        .collect()
}

fn report_targets(app: &TestApp, token: &str) -> Value {
    let r = app.get_ok("/api/v1/reports/annual?year=2026", token);
    r.body["pnad"]["targets"].clone()
}

/// A notified painting contract (70 % labour share) of 1 000 000 € over 2026, no clause.
fn painting_contract(app: &TestApp, token: &str, buyer: i64) -> i64 {
    let r = app.post(
        "/api/v1/contracts",
        token,
        json!({"buyer_id": buyer, "reference": "PEINT-1", "title": "Peinture des écoles",
               "kind": "works", "cpv_code": "45442100", "amount_eur": 1000000,
               "notified_on": "2026-02-01", "starts_on": "2026-03-01", "ends_on": "2026-12-31"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// amount × share × rate ÷ cost in whole hours, rounded half up: cents × share percent ×
/// rate (hundredths of a percent) ÷ (cost cents × 100 × 10 000).
fn hours(amount_cents: i64, share_percent: i64, rate_bp: i64, cost_cents: i64) -> i64 {
    let num = amount_cents as i128 * share_percent as i128 * rate_bp as i128;
    let den = cost_cents as i128 * 100 * 10_000;
    ((2 * num + den) / (2 * den)) as i64
}

fn to_clause_hours(app: &TestApp, token: &str, contract: i64) -> Value {
    let r = app.get_ok("/api/v1/contracts/to-clause", token);
    let line = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["contract_id"] == contract)
        .cloned()
        .unwrap_or_else(|| panic!("contract {contract} not listed: {}", r.text));
    line["hours"].clone()
}

on_both!(
    pnad_targets_are_set_by_an_administrator_and_read_by_the_report,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let path = "/api/v1/settings/pnad-targets/2026";
        let r = app.get_ok(path, &w.facilitator);
        assert_eq!(
            r.body,
            json!({"year": 2026, "social_percent": 30, "environmental_percent": 100, "is_default": true})
        );
        assert_eq!(
            report_targets(app, &w.facilitator),
            json!({"social": 30, "environmental": 100})
        );

        // A facilitator, a contractor's user, a funder: not theirs to set.
        let chef = contractor_user(app, &w.admin, w.contractor_a, "chef@plie.test");
        let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
        let body = json!({"social_percent": 35, "environmental_percent": 60});
        for token in [&w.facilitator, &chef, &funder] {
            assert_eq!(app.put(path, token, body.clone()).status, 403);
        }
        assert_eq!(app.get(path, &chef).status, 403);

        // Bad values: 422 beside each field, nothing stored.
        let r = app.put(
            path,
            &w.admin,
            json!({"social_percent": 101, "environmental_percent": -1}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        r.assert_refused_on(&["social_percent", "environmental_percent"]);
        assert!(codes(&r).iter().all(|c| c == "target_percent_out_of_range"));
        assert!(r.text.contains("entre 0 et 100"), "{}", r.text);
        for bad in [
            json!({"social_percent": 30.5, "environmental_percent": 60}),
            json!({"social_percent": 30}),
            json!({"social_percent": 30, "environmental_percent": 60, "year": 2026}),
        ] {
            assert_eq!(app.put(path, &w.admin, bad.clone()).status, 422, "{bad}");
        }
        let r = app.put("/api/v1/settings/pnad-targets/20x6", &w.admin, body.clone());
        assert_eq!(r.status, 422, "{}", r.text);
        r.assert_refused_on(&["year"]);
        assert_eq!(app.get_ok(path, &w.admin).body["is_default"], true);
        assert_eq!(
            report_targets(app, &w.facilitator),
            json!({"social": 30, "environmental": 100})
        );

        // Set: the report of the year compares with them; another year keeps the plan's.
        let r = app.put(path, &w.admin, body);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.body,
            json!({"year": 2026, "social_percent": 35, "environmental_percent": 60, "is_default": false})
        );
        assert_eq!(
            report_targets(app, &w.facilitator),
            json!({"social": 35, "environmental": 60})
        );
        assert_eq!(
            app.get_ok("/api/v1/settings/pnad-targets/2027", &w.facilitator)
                .body["is_default"],
            true
        );
        // They are the national plan's: every structure's report reads the same.
        let other = fixtures::world(app, "Autre PLIE");
        assert_eq!(
            report_targets(app, &other.facilitator),
            json!({"social": 35, "environmental": 60})
        );
    }
);

on_both!(
    the_standard_calibration_is_the_structure_s_and_the_list_s_hours_follow_it,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let other = fixtures::world(app, "Autre PLIE");
        let contract = painting_contract(app, &w.admin, w.buyer);
        let path = "/api/v1/settings/calibration";
        let r = app.get_ok(path, &w.facilitator);
        assert_eq!(
            r.body,
            json!({"insertion_rate_percent": 5, "hourly_cost_eur": 30, "is_default": true})
        );
        let amount = 100_000_000;
        assert_eq!(
            to_clause_hours(app, &w.facilitator, contract),
            json!(hours(amount, 70, 500, 3000))
        );

        // Only an administrator sets it; bad values are refused with nothing changed.
        let body = json!({"insertion_rate_percent": 7.5, "hourly_cost_eur": 25});
        assert_eq!(app.put(path, &w.facilitator, body.clone()).status, 403);
        let r = app.put(
            path,
            &w.admin,
            json!({"insertion_rate_percent": 0, "hourly_cost_eur": 0}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        r.assert_refused_on(&["insertion_rate_percent", "hourly_cost_eur"]);
        let r = app.put(
            path,
            &w.admin,
            json!({"insertion_rate_percent": 100.01, "hourly_cost_eur": 1000.01}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        let c = codes(&r);
        assert!(
            c.contains(&"percent_out_of_range".to_string()),
            "{}",
            r.text
        );
        assert!(
            c.contains(&"hourly_cost_above_max".to_string()),
            "{}",
            r.text
        );
        assert!(r.text.contains("1\u{202f}000\u{a0}€"), "{}", r.text);
        let r = app.put(
            path,
            &w.admin,
            json!({"insertion_rate_percent": 5.555, "hourly_cost_eur": 30}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(app.get_ok(path, &w.admin).body["is_default"], true);

        // Set: the list's hours and its new-clause link follow; the other structure's do not.
        let r = app.put(path, &w.admin, body);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.body,
            json!({"insertion_rate_percent": 7.5, "hourly_cost_eur": 25, "is_default": false})
        );
        let expected = hours(amount, 70, 750, 2500);
        assert_ne!(expected, hours(amount, 70, 500, 3000));
        assert_eq!(
            to_clause_hours(app, &w.facilitator, contract),
            json!(expected)
        );
        let list = app.get_ok("/api/v1/contracts/to-clause", &w.facilitator);
        assert_eq!(list.body["items"][0]["insertion_rate_percent"], 7.5);
        assert!(list.body["items"][0]["new_clause_href"]
            .as_str()
            .unwrap()
            .contains("insertion_rate_percent=7.5&hourly_cost_eur=25"));
        assert_eq!(
            app.get_ok(path, &other.facilitator).body["is_default"],
            true
        );
    }
);

on_both!(
    the_settings_page_has_three_forms_for_an_administrator_and_reads_for_a_facilitator,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.admin);
        let home = app.page_get("/", &s);
        assert!(home.text.contains("href=\"/settings\""), "{}", home.text);
        let page = app.page_get("/settings", &s);
        assert_eq!(page.status, 200, "{}", page.text);
        for action in [
            "/settings/pnad-targets",
            "/settings/calibration",
            "/settings/follow-ups",
        ] {
            assert!(
                page.text.contains(&format!("action=\"{action}\"")),
                "{action}: {}",
                page.text
            );
        }

        // Refused beside its field, nothing stored.
        let r = app.page_post(
            "/settings/pnad-targets",
            &s,
            &[
                ("year", "2026"),
                ("social_percent", "trente"),
                ("environmental_percent", "60"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-social_percent\""), "{}", r.text);
        assert!(r.text.contains("value=\"trente\""), "{}", r.text);
        let r = app.page_post(
            "/settings/pnad-targets",
            &s,
            &[
                ("year", "2026"),
                ("social_percent", "40"),
                ("environmental_percent", "150"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            r.text.contains("id=\"e-environmental_percent\""),
            "{}",
            r.text
        );
        let targets = "/api/v1/settings/pnad-targets/2026";
        assert_eq!(app.get_ok(targets, &w.admin).body["is_default"], true);

        // Saved, each back to the page with its notice.
        let r = app.page_post(
            "/settings/pnad-targets",
            &s,
            &[
                ("year", "2026"),
                ("social_percent", "40"),
                ("environmental_percent", "70"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(
            r.header("Location"),
            Some("/settings?annee=2026&fait=objectifs-enregistres#pnad")
        );
        let t = app.get_ok(targets, &w.admin).body;
        assert_eq!(
            (
                t["social_percent"].clone(),
                t["environmental_percent"].clone()
            ),
            (json!(40), json!(70))
        );
        let page = app.page_get("/settings?annee=2026&fait=objectifs-enregistres", &s);
        assert!(
            page.text.contains("Les objectifs du plan national"),
            "{}",
            page.text
        );

        let r = app.page_post(
            "/settings/calibration",
            &s,
            &[
                ("insertion_rate_percent", "6,5"),
                ("hourly_cost_eur", "abc"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-hourly_cost_eur\""), "{}", r.text);
        let r = app.page_post(
            "/settings/calibration",
            &s,
            &[("insertion_rate_percent", "6,5"), ("hourly_cost_eur", "32")],
        );
        assert_eq!(r.status, 303, "{}", r.text);
        let c = app
            .get_ok("/api/v1/settings/calibration", &w.facilitator)
            .body;
        assert_eq!(c["insertion_rate_percent"], 6.5);
        assert_eq!(c["hourly_cost_eur"], 32);

        let r = app.page_post("/settings/follow-ups", &s, &[("twelve_months", "on")]);
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(
            app.get_ok("/api/v1/follow-ups/settings", &w.facilitator)
                .body["twelve_months"],
            true
        );
        let r = app.page_post("/settings/follow-ups", &s, &[]);
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(
            app.get_ok("/api/v1/follow-ups/settings", &w.facilitator)
                .body["twelve_months"],
            false
        );

        // A facilitator reads them, without forms, and cannot post them.
        let f = app.page_session(&w.facilitator);
        let page = app.page_get("/settings", &f);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(!page.text.contains("action=\"/settings/pnad-targets\""));
        assert!(
            page.text.contains("Seul un administrateur"),
            "{}",
            page.text
        );
        assert!(page.text.contains("6,5&nbsp;%"), "{}", page.text);
        let r = app.page_post(
            "/settings/calibration",
            &f,
            &[("insertion_rate_percent", "9"), ("hourly_cost_eur", "30")],
        );
        assert_eq!(r.status, 403);
        assert_eq!(
            app.get_ok("/api/v1/settings/calibration", &w.facilitator)
                .body["insertion_rate_percent"],
            6.5
        );
        // A contractor gets the refusal page.
        let chef = contractor_user(app, &w.admin, w.contractor_a, "chef@plie.test");
        let cs = app.page_session(&chef);
        assert_eq!(app.page_get("/settings", &cs).status, 403);
    }
);
