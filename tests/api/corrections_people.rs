//! Corrections of people and placements (issue 17): `PATCH` with merge semantics, `ETag` and
//! `If-Match`, the history each correction leaves, the report snapshot that follows a
//! corrected person, and the cancellation of a placement entered by mistake.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};

use crate::common::{Resp, TestApp};
use crate::fixtures::{self, contractor_user, eligible, placed, report_work, validate, World, AWA};
use crate::on_both;

fn person_path(id: i64) -> String {
    format!("/api/v1/participants/{id}")
}

fn placement_path(id: i64) -> String {
    format!("/api/v1/placements/{id}")
}

/// The `ETag` of a record's GET.
fn etag(app: &TestApp, path: &str, token: &str) -> String {
    let r = app.get_ok(path, token);
    r.header("etag").expect("an ETag").to_string()
}

/// A person posted with all their facts; returns the id.
fn person(
    app: &TestApp,
    token: &str,
    (first, last, born): (&str, &str, &str),
    sex: &str,
    qpv: bool,
    qualification: &str,
) -> i64 {
    let body = json!({"first_name": first, "last_name": last, "birth_date": born, "sex": sex,
                      "postal_code": "93200", "qpv": qpv, "qualification_level": qualification});
    app.create("/api/v1/participants", token, body, "participant")
}

fn place(app: &TestApp, w: &World, person: i64, starts: &str, ends: Option<&str>) -> i64 {
    let body = json!({"participant_id": person, "assignment_id": w.assignment_a, "modality": "direct_hire",
                      "employer_id": w.contractor_a, "contract_type": "cddi", "job_title": "Peintre en bâtiment",
                      "starts_on": starts, "ends_on": ends, "weekly_hours": 20});
    app.create("/api/v1/placements", &w.facilitator, body, "placement")
}

/// The code of a problem: its first field's, else its own.
fn code(r: &Resp) -> String {
    r.body["errors"][0]["code"]
        .as_str()
        .or_else(|| r.body["code"].as_str())
        .unwrap_or("")
        .to_string()
}

fn history(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let r = app.get_ok(&format!("{path}/history"), token);
    r.body.as_array().expect("a history").clone()
}

/// The change of `field` in a history line.
fn change<'a>(line: &'a Value, field: &str) -> Option<&'a Value> {
    line["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["field"] == field))
}

// ---------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------

on_both!(a_person_is_corrected_field_by_field, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let fac = &w.facilitator;
    let id = fixtures::participant(app, fac, AWA.0, AWA.1, AWA.2);
    let path = person_path(id);
    assert_eq!(etag(app, &path, fac), "\"1\"");
    // A typo in the name, the postal code cleared, a wished job added; the rest unchanged.
    let r = app.patch(
        &path,
        fac,
        json!({"first_name": "Awa-Marie", "postal_code": null, "wished_rome_codes": ["F1606"]}),
        Some("\"1\""),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.body["first_name"], "Awa-Marie");
    assert_eq!(r.body["last_name"], "Diallo");
    assert_eq!(r.body["postal_code"], Value::Null);
    assert_eq!(r.body["territory"], Value::Null);
    assert_eq!(r.body["wished_rome_codes"], json!(["F1606"]));
    assert_eq!(r.body["qpv"], true);
    assert_eq!(etag(app, &path, fac), "\"2\"");
    // The same patch again changes nothing: same version, no new history line.
    let again = app.patch(&path, fac, json!({"first_name": "Awa-Marie"}), None);
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.header("etag"), Some("\"2\""));
    // The history: who, when, what, before and after.
    let h = history(app, &path, fac);
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["action"], "correct");
    assert_eq!(h[0]["by"]["id"], w.facilitator_id);
    assert_eq!(h[0]["reason"], Value::Null);
    let first = change(&h[0], "first_name").expect("first_name changed");
    assert_eq!(
        (&first["before"], &first["after"]),
        (&json!("Awa"), &json!("Awa-Marie"))
    );
    let pc = change(&h[0], "postal_code").expect("postal_code changed");
    assert_eq!(
        (&pc["before"], &pc["after"]),
        (&json!("93200"), &Value::Null)
    );
    assert!(change(&h[0], "last_name").is_none());
    // The personal-data audit logs the correction and the reads.
    let audit = app.get_ok(&format!("/api/v1/audit?participant_id={id}"), &w.admin);
    let details: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap_or(""))
        .collect();
    assert!(details.contains(&"personal data corrected"), "{details:?}");
    assert!(details.contains(&"history"), "{details:?}");
});

on_both!(
    a_correction_of_a_person_is_refused_as_a_creation_would_be,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let fac = &w.facilitator;
        let id = fixtures::participant(app, fac, AWA.0, AWA.1, AWA.2);
        let other = fixtures::participant(app, fac, "Jean", "Martin", "1970-01-01");
        let path = person_path(id);
        // Every broken rule, each naming its field; a required field cannot be cleared.
        let r = app.patch(
            &path,
            fac,
            json!({"sex": "x", "last_name": null, "birth_date": null}),
            None,
        );
        assert_eq!(r.status, 422, "{}", r.text);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, vec!["birth_date", "last_name"]);
        let r = app.patch(
            &path,
            fac,
            json!({"sex": "x", "qualification_level": "9"}),
            None,
        );
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, vec!["qualification_level", "sex"], "{}", r.text);
        let r = app.patch(&path, fac, json!({"birth_date": "2030-01-01"}), None);
        r.assert_refused_on(&["birth_date"]);
        // A field that does not exist is refused, not ignored.
        let r = app.patch(&path, fac, json!({"frist_name": "Awa"}), None);
        assert_eq!(r.status, 422, "{}", r.text);
        // Made equal to another person: the duplicate rule of creation, with their id.
        let r = app.patch(
            &path,
            fac,
            json!({"first_name": "jean", "last_name": "MARTIN", "birth_date": "1970-01-01"}),
            None,
        );
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(code(&r), "participant_duplicate");
        assert_eq!(r.body["existing_id"], other);
        // A stale If-Match: 412, and nothing changed.
        let ok = app.patch(&path, fac, json!({"zrr": true}), Some("\"1\""));
        assert_eq!(ok.status, 200, "{}", ok.text);
        let stale = app.patch(&path, fac, json!({"zrr": false}), Some("\"1\""));
        assert_eq!(stale.status, 412, "{}", stale.text);
        assert_eq!(code(&stale), "precondition_failed");
        assert_eq!(app.get_ok(&path, fac).body["zrr"], true);
        // Nothing was written by the refusals: one correction in the history.
        assert_eq!(history(app, &path, fac).len(), 1);
        // A contractor corrects nothing; another structure's staff do not see the person.
        let contractor = contractor_user(app, &w.admin, w.contractor_a, "ca@plie.test");
        let r = app.patch(&path, &contractor, json!({"zrr": false}), None);
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(app.get(&format!("{path}/history"), &contractor).status, 403);
        let elsewhere = fixtures::world(app, "PLIE Ouest");
        let r = app.patch(&path, &elsewhere.facilitator, json!({"zrr": false}), None);
        assert_eq!(r.status, 404, "{}", r.text);
        assert_eq!(
            app.get(&format!("{path}/history"), &elsewhere.facilitator)
                .status,
            404
        );
    }
);

/// Age band of a person on a day, as the report counts it.
fn band(birth: NaiveDate, on: NaiveDate) -> &'static str {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    match age {
        ..=25 => "under_26",
        26..=49 => "26_49",
        _ => "50_plus",
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// What the test itself posted about one person and their validated hours.
struct Posted {
    sex: &'static str,
    birth: &'static str,
    qpv: bool,
    qualification: &'static str,
    starts_on: &'static str,
    /// Validated work hours by month.
    validated: Vec<(&'static str, i64)>,
}

/// Report cells by breakdown and key: (persons, hours).
type Cells = BTreeMap<(String, String), (i64, i64)>;

/// The report's figures recomputed from what was posted: per breakdown and key, (persons,
/// hours), and the totals.
fn recompute(people: &[Posted], from: &str, to: &str) -> (Cells, i64, i64) {
    let mut cells: BTreeMap<(String, String), (Vec<usize>, i64)> = BTreeMap::new();
    let (mut hours, mut persons) = (0, 0);
    for (i, p) in people.iter().enumerate() {
        let h: i64 = p
            .validated
            .iter()
            .filter(|(m, _)| *m >= from && *m <= to)
            .map(|(_, h)| h)
            .sum();
        if h == 0 {
            continue;
        }
        hours += h;
        persons += 1;
        let keys = [
            ("sex", p.sex.to_string()),
            ("age_band", band(day(p.birth), day(p.starts_on)).to_string()),
            ("qpv", if p.qpv { "qpv" } else { "not_qpv" }.to_string()),
            ("qualification", p.qualification.to_string()),
        ];
        for (b, k) in keys {
            let cell = cells.entry((b.to_string(), k)).or_default();
            cell.0.push(i);
            cell.1 += h;
        }
    }
    let cells = cells
        .into_iter()
        .map(|(k, (who, h))| (k, (who.len() as i64, h)))
        .collect();
    (cells, hours, persons)
}

const RECOMPUTED: &[&str] = &["sex", "age_band", "qpv", "qualification"];

/// The report's JSON cells of the recomputed breakdowns, those with persons.
fn json_cells(report: &Value) -> Cells {
    let mut out = BTreeMap::new();
    for b in RECOMPUTED {
        for c in report["breakdowns"][b].as_array().expect("breakdown") {
            let persons = c["persons"].as_i64().unwrap_or(0);
            if persons > 0 {
                let hours = c["hours"].as_f64().expect("hours") as i64;
                out.insert(
                    (b.to_string(), c["key"].as_str().unwrap().to_string()),
                    (persons, hours),
                );
            }
        }
    }
    out
}

/// The same cells read from the CSV (standard dialect), and its total row.
fn csv_cells(text: &str) -> (Cells, (i64, i64)) {
    let mut out = BTreeMap::new();
    let mut total = (0, 0);
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    for row in rows.records() {
        let row = row.unwrap();
        let persons = row[2].parse::<i64>().unwrap_or(0);
        let hours = row[3].parse::<f64>().unwrap_or(0.0) as i64;
        if &row[0] == "total" {
            total = (persons, hours);
        } else if RECOMPUTED.contains(&&row[0]) && persons > 0 {
            out.insert((row[0].to_string(), row[1].to_string()), (persons, hours));
        }
    }
    (out, total)
}

/// The annual reports of 2025 and 2026, JSON and CSV, equal the recomputation from what
/// was posted.
fn assert_report_is(app: &TestApp, token: &str, people: &[Posted]) {
    for year in [2025, 2026] {
        let (from, to) = (format!("{year}-01"), format!("{year}-12"));
        let (cells, hours, persons) = recompute(people, &from, &to);
        let r = app.get_ok(&format!("/api/v1/reports/annual?year={year}"), token);
        let figure = |r: &Resp| r.body["hours"].as_f64().unwrap() as i64;
        assert_eq!(figure(&r), hours, "{year}: {}", r.text);
        assert_eq!(r.body["beneficiaries"], persons, "{year}");
        assert_eq!(json_cells(&r.body), cells, "JSON of {year}");
        let path = format!("/api/v1/reports/annual.csv?year={year}&dialect=standard");
        let (csv, total) = csv_cells(&app.get_ok(&path, token).text);
        assert_eq!(csv, cells, "CSV of {year}");
        assert_eq!(total, (persons, hours), "CSV total of {year}");
        // A run of months reads the hour entries with the placements' snapshot.
        let (from, to) = (format!("{year}-03"), format!("{year}-11"));
        let (cells, hours, _) = recompute(people, &from, &to);
        let r = app.get_ok(
            &format!("/api/v1/reports/annual?from={from}&to={to}"),
            token,
        );
        assert_eq!(figure(&r), hours, "{from} to {to}");
        assert_eq!(json_cells(&r.body), cells, "JSON of {from} to {to}");
    }
}

/// An assignment of contractor A on a contract and clause running from 2025 to 2026.
fn assignment_over_two_years(app: &TestApp, w: &World) -> i64 {
    let r = app.post(
        "/api/v1/contracts",
        &w.admin,
        json!({"buyer_id": w.buyer, "reference": "2025-007", "title": "Entretien des voiries",
               "kind": "works", "cpv_code": "45233141", "amount_eur": 1000000, "notified_on": "2024-12-01",
               "starts_on": "2025-01-01", "ends_on": "2026-12-31", "social_considerations": ["clause_sociale"],
               "holder_ids": [w.contractor_a]}),
    );
    assert_eq!(r.status, 201, "contract: {}", r.text);
    let contract = r.body["id"].as_i64().unwrap();
    let clause = fixtures::clause(app, &w.admin, contract, "2025-01-01", "2026-12-31", None);
    fixtures::activate(app, &w.admin, clause);
    fixtures::assign(app, &w.admin, clause, w.contractor_a, "holder", 500)
}

on_both!(
    a_corrected_sex_and_birth_date_follow_into_the_annual_report,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let fac = &w.facilitator;
        // Awa: 35 at the start of her placement, female, in a QPV, level 3.
        let mut people = vec![
            Posted {
                sex: "female",
                birth: "1990-04-02",
                qpv: true,
                qualification: "3",
                starts_on: "2026-02-01",
                validated: vec![("2026-02", 100), ("2026-03", 120)],
            },
            Posted {
                sex: "male",
                birth: "1972-06-30",
                qpv: false,
                qualification: "none",
                starts_on: "2026-03-01",
                validated: vec![("2026-03", 80)],
            },
        ];
        // Sofia: 24 at the start of her placement, hours in 2025 and 2026.
        people.push(Posted {
            sex: "female",
            birth: "2000-11-20",
            qpv: true,
            qualification: "5",
            starts_on: "2025-10-01",
            validated: vec![("2025-10", 50), ("2025-11", 60), ("2026-02", 40)],
        });
        let awa = person(app, fac, AWA, "female", true, "3");
        let marc = person(
            app,
            fac,
            ("Marc", "Petit", "1972-06-30"),
            "male",
            false,
            "none",
        );
        let mut placements = Vec::new();
        for (id, p) in [awa, marc].into_iter().zip(&people) {
            eligible(app, fac, id, "2026-01-10");
            let pl = place(app, &w, id, p.starts_on, Some("2026-06-30"));
            for (month, h) in &p.validated {
                let e = report_work(app, fac, pl, month, *h as f64);
                validate(app, fac, e);
            }
            placements.push(pl);
        }
        let sofia = person(
            app,
            fac,
            ("Sofia", "Benali", "2000-11-20"),
            "female",
            true,
            "5",
        );
        eligible(app, fac, sofia, "2025-09-15");
        let two_years = assignment_over_two_years(app, &w);
        let body = json!({"participant_id": sofia, "assignment_id": two_years, "modality": "direct_hire",
                          "employer_id": w.contractor_a, "contract_type": "cdd", "job_title": "Cantonnière",
                          "starts_on": "2025-10-01", "ends_on": "2026-03-31", "weekly_hours": 20});
        let sofia_placement = app.create("/api/v1/placements", fac, body, "placement");
        for (month, h) in &people[2].validated {
            let e = report_work(app, fac, sofia_placement, month, *h as f64);
            validate(app, fac, e);
        }
        // Hours waiting for validation count nowhere.
        report_work(app, fac, placements[1], "2026-04", 40.0);
        assert_report_is(app, fac, &people);
        // Awa was entered with the wrong sex and birth date (she was 24 at the start).
        let r = app.patch(
            &person_path(awa),
            fac,
            json!({"sex": "male", "birth_date": "2001-09-15", "qpv": false, "qualification_level": "4"}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        people[0].sex = "male";
        people[0].birth = "2001-09-15";
        people[0].qpv = false;
        people[0].qualification = "4";
        // Sofia was 50 at the start of hers, and a man.
        let r = app.patch(
            &person_path(sofia),
            fac,
            json!({"sex": "male", "birth_date": "1975-05-05"}),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        people[2].sex = "male";
        people[2].birth = "1975-05-05";
        assert_report_is(app, fac, &people);
        // The placement shows its new age band; its territory stays the clause's.
        let pl = app.get_ok(&placement_path(placements[0]), fac);
        assert_eq!(pl.body["age_band"], "under_26");
        // The history shows the change.
        let h = history(app, &person_path(awa), fac);
        assert_eq!(h.len(), 1);
        let sex = change(&h[0], "sex").expect("sex changed");
        assert_eq!(
            (&sex["before"], &sex["after"]),
            (&json!("female"), &json!("male"))
        );
        let born = change(&h[0], "birth_date").expect("birth date changed");
        assert_eq!(
            (&born["before"], &born["after"]),
            (&json!("1990-04-02"), &json!("2001-09-15"))
        );
        // A correction of the name only touches nothing the report counts.
        let r = app.patch(&person_path(awa), fac, json!({"first_name": "Awa"}), None);
        assert_eq!(r.status, 200);
        assert_report_is(app, fac, &people);
    }
);

/// Two corrections of `path` sent at the same moment with the same `If-Match` ("1"), on a
/// second application over the same database: their statuses, sorted.
fn two_corrections_at_once(
    app: &TestApp,
    token: &str,
    path: String,
    bodies: [Value; 2],
) -> Vec<u16> {
    let token = token.to_string();
    app.in_parallel(|client| async move {
        let correct = |body: &Value| {
            client
                .patch(path.clone())
                .header(rocket::http::ContentType::JSON)
                .header(rocket::http::Header::new(
                    "Authorization",
                    format!("Bearer {token}"),
                ))
                .header(rocket::http::Header::new("If-Match", "\"1\""))
                .body(body.to_string())
                .dispatch()
        };
        let (a, b) = rocket::tokio::join!(correct(&bodies[0]), correct(&bodies[1]));
        let mut s = vec![a.status().code, b.status().code];
        s.sort();
        s
    })
}

/// Two facilitators correct the same person, then the same placement, at the same moment
/// with the same `If-Match`: each time exactly one wins, the other gets 412 (PostgreSQL, two
/// threads).
#[test]
#[cfg_attr(not(postgres_tests), ignore = "CLAUSIER_TEST_POSTGRES_URL is not set")]
fn two_corrections_of_the_same_version_never_both_succeed() {
    let app = TestApp::postgres_required(|_| {});
    let (w, id, pl) = placed(&app);
    let fac = &w.facilitator;
    let path = person_path(id);
    let statuses = two_corrections_at_once(
        &app,
        fac,
        path.clone(),
        [
            json!({"first_name": "Awa-Marie"}),
            json!({"first_name": "Aminata"}),
        ],
    );
    assert_eq!(statuses, vec![200, 412]);
    assert_eq!(etag(&app, &path, fac), "\"2\"");
    assert_eq!(history(&app, &path, fac).len(), 1);
    let path = placement_path(pl);
    let statuses = two_corrections_at_once(
        &app,
        fac,
        path.clone(),
        [
            json!({"weekly_hours": 30}),
            json!({"job_title": "Peintre décorateur"}),
        ],
    );
    assert_eq!(statuses, vec![200, 412]);
    assert_eq!(etag(&app, &path, fac), "\"2\"");
    assert_eq!(history(&app, &path, fac).len(), 1);
}

// ---------------------------------------------------------------------------------------
// Placements
// ---------------------------------------------------------------------------------------

on_both!(
    a_placement_is_corrected_under_the_rules_of_creation,
    |app: &TestApp| {
        let (w, _, pl) = placed(app);
        let fac = &w.facilitator;
        let path = placement_path(pl);
        assert_eq!(etag(app, &path, fac), "\"1\"");
        let r = app.patch(
            &path,
            fac,
            json!({"job_title": "Peintre décorateur", "weekly_hours": 24.5, "contract_type": "cdd",
               "employer_id": w.contractor_b}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));
        assert_eq!(r.body["job_title"], "Peintre décorateur");
        assert_eq!(r.body["weekly_hours"], 24.5);
        assert_eq!(r.body["contract_type"], "cdd");
        assert_eq!(r.body["employer_name"], "Peintures Réunies");
        assert_eq!(r.body["participant_name"], "Awa Diallo");
        // Hours in March and April: new dates may not leave them outside.
        let march = report_work(app, fac, pl, "2026-03", 60.0);
        validate(app, fac, march);
        report_work(app, fac, pl, "2026-04", 50.0);
        let r = app.patch(&path, fac, json!({"starts_on": "2026-04-10"}), None);
        r.assert_refused_on(&["starts_on"]);
        assert_eq!(code(&r), "hours_outside_new_dates");
        let message = r.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("mars 2026"), "{message}");
        let r = app.patch(&path, fac, json!({"ends_on": "2026-02-28"}), None);
        r.assert_refused_on(&["ends_on"]);
        let message = r.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("mars 2026, avril 2026"), "{message}");
        // Eligibility on the new first day (validated from 10 January).
        let r = app.patch(&path, fac, json!({"starts_on": "2026-01-05"}), None);
        r.assert_refused_on(&["starts_on"]);
        assert_eq!(code(&r), "eligibility_missing");
        // The rules of the fields themselves, all listed; a required field cannot be cleared.
        let r = app.patch(
            &path,
            fac,
            json!({"weekly_hours": 0, "job_title": " ", "contract_type": "cdx", "starts_on": null}),
            None,
        );
        assert_eq!(r.status, 422, "{}", r.text);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(
            fields,
            vec!["contract_type", "job_title", "starts_on", "weekly_hours"]
        );
        let r = app.patch(&path, fac, json!({"ends_on": "2026-01-15"}), None);
        assert_eq!(r.status, 422, "{}", r.text);
        // The weekly load of the person, with their other placement.
        fixtures::placed_with_b_ten_hours_a_week(app, &w, r_person(app, fac, pl), "2026-03-01");
        let r = app.patch(&path, fac, json!({"weekly_hours": 45}), None);
        assert_eq!(r.status, 422, "{}", r.text);
        // A later start inside the hours: accepted, and the dates follow.
        let r = app.patch(
            &path,
            fac,
            json!({"starts_on": "2026-03-02", "ends_on": null}),
            Some("\"2\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["starts_on"], "2026-03-02");
        assert_eq!(r.body["ends_on"], Value::Null);
        // A stale If-Match.
        let r = app.patch(&path, fac, json!({"job_title": "Peintre"}), Some("\"2\""));
        assert_eq!(r.status, 412, "{}", r.text);
        // Staff only; another structure's placement is not found.
        let contractor = contractor_user(app, &w.admin, w.contractor_a, "ca@plie.test");
        assert_eq!(app.get(&path, &contractor).status, 200);
        assert!(app.get(&path, &contractor).header("etag").is_some());
        assert_eq!(
            app.patch(&path, &contractor, json!({"job_title": "Peintre"}), None)
                .status,
            403
        );
        assert_eq!(app.get(&format!("{path}/history"), &contractor).status, 403);
        let elsewhere = fixtures::world(app, "PLIE Ouest");
        let r = app.patch(
            &path,
            &elsewhere.facilitator,
            json!({"job_title": "Peintre"}),
            None,
        );
        assert_eq!(r.status, 404, "{}", r.text);
        // The history: two corrections, the first with the employer, the second with the dates.
        let h = history(app, &path, fac);
        assert_eq!(h.len(), 2, "{h:?}");
        assert!(h.iter().all(|l| l["action"] == "correct"));
        let employer = change(&h[0], "employer_id").expect("employer changed");
        assert_eq!(employer["after"], w.contractor_b);
        let starts = change(&h[1], "starts_on").expect("start changed");
        assert_eq!(
            (&starts["before"], &starts["after"]),
            (&json!("2026-02-01"), &json!("2026-03-02"))
        );
    }
);

/// The person of a placement.
fn r_person(app: &TestApp, token: &str, placement: i64) -> i64 {
    app.get_ok(&placement_path(placement), token).body["participant_id"]
        .as_i64()
        .unwrap()
}

on_both!(new_dates_re_snapshot_the_age_band, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let fac = &w.facilitator;
    // 25 on 2026-02-01, 26 from 2026-03-15.
    let id = person(
        app,
        fac,
        ("Léa", "Moreau", "2000-03-15"),
        "female",
        false,
        "5",
    );
    eligible(app, fac, id, "2026-01-10");
    let pl = place(app, &w, id, "2026-02-01", Some("2026-06-30"));
    let e = report_work(app, fac, pl, "2026-04", 70.0);
    validate(app, fac, e);
    let cell = |app: &TestApp, key: &str| {
        let r = app.get_ok("/api/v1/reports/annual?year=2026", fac);
        r.body["breakdowns"]["age_band"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map(|c| c["persons"].as_i64().unwrap_or(0))
            .unwrap_or(0)
    };
    assert_eq!(cell(app, "under_26"), 1);
    let r = app.patch(
        &placement_path(pl),
        fac,
        json!({"starts_on": "2026-03-20"}),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["age_band"], "26_49");
    assert_eq!(cell(app, "under_26"), 0);
    assert_eq!(cell(app, "26_49"), 1);
});

on_both!(an_exit_is_corrected_with_the_same_patch, |app: &TestApp| {
    let (w, _, pl) = placed(app);
    let fac = &w.facilitator;
    let path = placement_path(pl);
    // The exit answer names the person and organisations, as the GET does.
    let r = app.post(
        &format!("{path}/exit"),
        fac,
        json!({"ended_on": "2026-05-15", "outcome": "other"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["participant_name"], "Awa Diallo");
    assert_eq!(r.body["contractor_name"], "Bâtiment Durable");
    assert!(r.body["clause_label"]
        .as_str()
        .unwrap()
        .contains("2026-001"));
    let r = app.patch(
        &path,
        fac,
        json!({"exit_on": "2026-05-29", "exit_outcome": "durable_employment"}),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["ended_on"], "2026-05-29");
    assert_eq!(r.body["outcome"], "durable_employment");
    let r = app.patch(&path, fac, json!({"outcome": "nowhere"}), None);
    r.assert_refused_on(&["outcome"]);
    let r = app.patch(&path, fac, json!({"ended_on": "2026-01-15"}), None);
    r.assert_refused_on(&["ended_on"]);
    // An exit has both its date and its outcome, or neither.
    let r = app.patch(&path, fac, json!({"outcome": null}), None);
    r.assert_refused_on(&["outcome"]);
    let r = app.patch(&path, fac, json!({"ended_on": null, "outcome": null}), None);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["ended_on"], Value::Null);
    let h = history(app, &path, fac);
    assert_eq!(h.len(), 2);
    let outcome = change(&h[0], "outcome").expect("outcome changed");
    assert_eq!(
        (&outcome["before"], &outcome["after"]),
        (&json!("other"), &json!("durable_employment"))
    );
});

on_both!(
    a_placement_entered_by_mistake_is_cancelled,
    |app: &TestApp| {
        let (w, awa, pl) = placed(app);
        let fac = &w.facilitator;
        let path = placement_path(pl);
        let progress = |app: &TestApp| {
            app.get_ok(
                &format!("/api/v1/clauses/{}/progress?on=2026-11-27", w.clause),
                fac,
            )
            .body
        };
        let before = app.get_ok("/api/v1/reports/annual?year=2026", fac).body;
        let contracts = |r: &Value| {
            r["employment_contracts"]
                .as_i64()
                .expect("employment contracts")
        };
        assert_eq!(contracts(&before), 1, "{before}");
        // Hours waiting for validation.
        let pending = report_work(app, fac, pl, "2026-03", 30.0);
        assert_eq!(progress(app)["pending_hours"], 30);
        // The reason is required.
        let r = app.post(&format!("{path}/cancel"), fac, json!({"reason": " "}));
        r.assert_refused_on(&["reason"]);
        // Staff only; another structure's placement is not found; a stale If-Match is 412.
        let contractor = contractor_user(app, &w.admin, w.contractor_a, "ca@plie.test");
        let r = app.post(
            &format!("{path}/cancel"),
            &contractor,
            json!({"reason": "Erreur"}),
        );
        assert_eq!(r.status, 403);
        let elsewhere = fixtures::world(app, "PLIE Ouest");
        let r = app.post(
            &format!("{path}/cancel"),
            &elsewhere.facilitator,
            json!({"reason": "Erreur"}),
        );
        assert_eq!(r.status, 404);
        let r = app.post_if_match(
            &format!("{path}/cancel"),
            fac,
            json!({"reason": "Erreur"}),
            Some("\"7\""),
        );
        assert_eq!(r.status, 412);
        let r = app.post_if_match(
            &format!("{path}/cancel"),
            fac,
            json!({"reason": "Saisie sur la mauvaise personne"}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));
        assert!(r.body["cancelled_at"].is_string(), "{}", r.text);
        // It counts nowhere: lists, pending hours, reports, the person's limited view.
        let list = app.get_ok(&format!("/api/v1/placements?participant_id={awa}"), fac);
        assert_eq!(list.body["total"], 0);
        assert_eq!(progress(app)["pending_hours"], 0);
        let entry = app.get_ok(&format!("/api/v1/hours?placement_id={pl}"), fac);
        let e = &entry.body["items"][0];
        assert_eq!(
            (e["id"].as_i64(), e["status"].as_str()),
            (Some(pending), Some("rejected"))
        );
        let after = app.get_ok("/api/v1/reports/annual?year=2026", fac).body;
        assert_eq!(contracts(&after), 0, "{after}");
        // No more hours, corrections or second cancellation.
        let r = app.put(
            &format!("{path}/hours/2026-04"),
            fac,
            json!({"work_hours": 10}),
        );
        assert_ne!(r.status, 200, "{}", r.text);
        let r = app.patch(&path, fac, json!({"job_title": "Peintre"}), None);
        assert_eq!(
            (r.status, code(&r)),
            (409, "placement_cancelled".to_string())
        );
        assert!(
            r.body["detail"].as_str().unwrap().contains("annulée"),
            "{}",
            r.text
        );
        let r = app.post(&format!("{path}/cancel"), fac, json!({"reason": "Erreur"}));
        assert_eq!(r.status, 409);
        let r = app.post(
            &format!("{path}/exit"),
            fac,
            json!({"ended_on": "2026-05-15", "outcome": "other"}),
        );
        assert_eq!(r.status, 409);
        // Its history keeps the reason.
        let h = history(app, &path, fac);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0]["action"], "cancel");
        assert_eq!(h[0]["reason"], "Saisie sur la mauvaise personne");
        assert!(change(&h[0], "cancelled_at").is_some());
        // A placement with validated hours cannot be cancelled.
        let (_, other) = fixtures::person_placed_with_a(
            app,
            &w,
            ("Marc", "Petit", "1972-06-30"),
            "2026-01-10",
            ("2026-02-01", Some("2026-06-30")),
        );
        let e = report_work(app, fac, other, "2026-02", 20.0);
        validate(app, fac, e);
        let r = app.post(
            &format!("/api/v1/placements/{other}/cancel"),
            fac,
            json!({"reason": "Erreur"}),
        );
        assert_eq!(
            (r.status, code(&r)),
            (409, "placement_has_validated_hours".to_string()),
            "{}",
            r.text
        );
        assert!(
            r.body["detail"].as_str().unwrap().contains("février 2026"),
            "{}",
            r.text
        );
    }
);

on_both!(
    the_creation_answer_names_the_person_and_organisations,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let fac = &w.facilitator;
        let id = fixtures::participant(app, fac, AWA.0, AWA.1, AWA.2);
        eligible(app, fac, id, "2026-01-10");
        let r = app.post(
            "/api/v1/placements",
            fac,
            json!({"participant_id": id, "assignment_id": w.assignment_a, "modality": "direct_hire",
               "employer_id": w.contractor_a, "contract_type": "cddi", "job_title": "Peintre",
               "starts_on": "2026-02-01"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["participant_name"], "Awa Diallo");
        assert_eq!(r.body["contractor_name"], "Bâtiment Durable");
        assert_eq!(r.body["employer_name"], "Bâtiment Durable");
        assert_eq!(r.body["buyer_name"], "Ville de Saint-Denis");
        assert!(r.body["clause_label"]
            .as_str()
            .unwrap()
            .contains("2026-001"));
        assert_eq!(r.body["cancelled_at"], Value::Null);
    }
);
