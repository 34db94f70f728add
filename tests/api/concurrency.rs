//! Two writers at once: each invariant holds when two requests that would each pass alone
//! arrive together. Two applications on the same database (two pools, as two instances
//! would be), one thread each, released by a barrier.

use std::sync::{Arc, Barrier};

use rocket::http::{ContentType, Header};
use rocket::local::blocking::Client;
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures;
use crate::on_both;

/// One request: method, path, token, JSON body.
type Req = (&'static str, String, String, Value);

/// Sends both requests at the same moment from two applications on the app's database;
/// the answers' statuses and bodies, in the order of the requests.
fn race(app: &TestApp, requests: [Req; 2]) -> Vec<(u16, Value)> {
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = requests
        .into_iter()
        .map(|(method, path, token, body)| {
            let rocket = app.second_rocket();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let client = Client::untracked(rocket).expect("client");
                let mut req = match method {
                    "POST" => client.post(path),
                    "PUT" => client.put(path),
                    other => panic!("method {other}"),
                };
                req = req
                    .header(ContentType::JSON)
                    .header(Header::new("Authorization", format!("Bearer {token}")))
                    .body(body.to_string());
                barrier.wait();
                let res = req.dispatch();
                let status = res.status().code;
                let body = res.into_json::<Value>().unwrap_or(Value::Null);
                (status, body)
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("request thread"))
        .collect()
}

fn sorted_statuses(answers: &[(u16, Value)]) -> Vec<u16> {
    let mut s: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    s.sort();
    s
}

/// A refusal by a rule names its field and code; a lost race says `concurrent_update`.
fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| e["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Two assignments each taking the whole remainder of a clause: one is stored, the other
/// refused; the targets never exceed the clause's hours.
fn assignments_within_clause(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let clause = fixtures::clause(app, &w.admin, w.contract, "2026-01-01", "2026-12-31", None);
    let path = format!("/api/v1/clauses/{clause}/assignments");
    let body = |org: i64| json!({"contractor_id": org, "role": "holder", "hours_target": 833});
    let answers = race(
        app,
        [
            ("POST", path.clone(), w.admin.clone(), body(w.contractor_a)),
            ("POST", path.clone(), w.admin.clone(), body(w.contractor_b)),
        ],
    );
    assert_eq!(sorted_statuses(&answers), vec![201, 422], "{answers:?}");
    let view = app.get(&format!("/api/v1/clauses/{clause}"), &w.admin);
    let targets: f64 = view.body["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .map(|a| a["hours_target"].as_f64().unwrap_or(0.0))
        .sum();
    assert_eq!(targets, 833.0, "{}", view.text);
}

on_both!(
    concurrent_assignments_never_exceed_the_clause,
    assignments_within_clause
);

/// Two reports of one new month of one placement: each applied in turn (history keeps both)
/// or refused with `concurrent_update`; never 422 or 5xx; the totals match the entry.
fn reports_of_one_month(app: &TestApp) {
    let (w, _, pl) = fixtures::placed(app);
    let path = format!("/api/v1/placements/{pl}/hours/2026-03");
    let answers = race(
        app,
        [
            (
                "PUT",
                path.clone(),
                w.facilitator.clone(),
                json!({"work_hours": 100}),
            ),
            (
                "PUT",
                path.clone(),
                w.facilitator.clone(),
                json!({"work_hours": 120}),
            ),
        ],
    );
    for (status, body) in &answers {
        assert!(
            (200..300).contains(status)
                || (*status == 409 && codes(body) == vec!["concurrent_update".to_string()]),
            "{answers:?}"
        );
    }
    let entries = app.get(
        &format!("/api/v1/hours?placement_id={pl}&month=2026-03"),
        &w.facilitator,
    );
    assert_eq!(entries.body["total"], 1, "{}", entries.text);
    let entry = &entries.body["items"][0];
    let work = entry["work_hours"].as_f64().expect("work hours");
    let ok = answers.iter().filter(|(s, _)| *s < 300).count();
    let history = app.get(
        &format!("/api/v1/hours/{}/history", entry["id"]),
        &w.facilitator,
    );
    assert_eq!(
        history.body.as_array().map(Vec::len),
        Some(ok),
        "{}",
        history.text
    );
    let progress = app.get(
        &format!("/api/v1/clauses/{}/progress?on=2026-03-31", w.clause),
        &w.facilitator,
    );
    assert_eq!(
        progress.body["pending_hours"].as_f64(),
        Some(work),
        "{}",
        progress.text
    );
}

on_both!(
    concurrent_reports_of_one_month_are_applied_in_turn,
    reports_of_one_month
);

/// One person placed with two contractors the whole month; each contractor reports 150 h
/// at the same moment: together above the 208 h cap, so one is refused.
fn monthly_cap_across_contractors(app: &TestApp) {
    let (w, p, pl_a) = fixtures::placed(app);
    // 35 h and 10 h a week: within the weekly limit together.
    let pl_b = fixtures::placed_with_b_ten_hours_a_week(app, &w, p, "2026-02-01");
    let user_a = fixtures::contractor_user(app, &w.admin, w.contractor_a, "a@bati.test");
    let user_b = fixtures::contractor_user(app, &w.admin, w.contractor_b, "b@peint.test");
    let answers = race(
        app,
        [
            (
                "PUT",
                format!("/api/v1/placements/{pl_a}/hours/2026-03"),
                user_a,
                json!({"work_hours": 150}),
            ),
            (
                "PUT",
                format!("/api/v1/placements/{pl_b}/hours/2026-03"),
                user_b,
                json!({"work_hours": 150}),
            ),
        ],
    );
    assert_eq!(sorted_statuses(&answers), vec![200, 422], "{answers:?}");
    let entries = app.get(
        &format!("/api/v1/hours?month=2026-03&clause_id={}", w.clause),
        &w.facilitator,
    );
    let total: f64 = entries.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            e["work_hours"].as_f64().unwrap_or(0.0) + e["training_hours"].as_f64().unwrap_or(0.0)
        })
        .sum();
    assert_eq!(total, 150.0, "{}", entries.text);
}

on_both!(
    concurrent_reports_of_two_contractors_keep_the_monthly_cap,
    monthly_cap_across_contractors
);

/// The same person recorded twice at the same moment: one is stored, the other is a
/// duplicate.
fn duplicate_people(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let body = json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "1990-04-02",
                      "sex": "female", "postal_code": "93200", "qpv": true, "qualification_level": "3"});
    let answers = race(
        app,
        [
            (
                "POST",
                "/api/v1/participants".into(),
                w.facilitator.clone(),
                body.clone(),
            ),
            (
                "POST",
                "/api/v1/participants".into(),
                w.facilitator.clone(),
                body,
            ),
        ],
    );
    assert_eq!(sorted_statuses(&answers), vec![201, 409], "{answers:?}");
    let list = app.get("/api/v1/participants", &w.facilitator);
    assert_eq!(list.body["total"], 1, "{}", list.text);
}

on_both!(
    concurrent_creations_of_one_person_make_one,
    duplicate_people
);

/// Two placements of one person over the same weeks, 30 h a week each: together above
/// 48 h a week, so one is refused.
fn weekly_load(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let p = fixtures::participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    fixtures::eligible(app, &w.facilitator, p, "2026-01-10");
    let body = |assignment: i64, employer: i64| {
        json!({"participant_id": p, "assignment_id": assignment, "modality": "direct_hire",
               "employer_id": employer, "contract_type": "cddi", "job_title": "Peintre en bâtiment",
               "starts_on": "2026-02-01", "ends_on": "2026-06-30", "weekly_hours": 30})
    };
    let answers = race(
        app,
        [
            (
                "POST",
                "/api/v1/placements".into(),
                w.facilitator.clone(),
                body(w.assignment_a, w.contractor_a),
            ),
            (
                "POST",
                "/api/v1/placements".into(),
                w.facilitator.clone(),
                body(w.assignment_b, w.contractor_b),
            ),
        ],
    );
    assert_eq!(sorted_statuses(&answers), vec![201, 422], "{answers:?}");
    let list = app.get(
        &format!("/api/v1/placements?participant_id={p}"),
        &w.facilitator,
    );
    assert_eq!(list.body["total"], 1, "{}", list.text);
}

on_both!(concurrent_placements_keep_the_weekly_load, weekly_load);

/// Two validations of one entry at the same moment: it is validated once; the progress
/// counts its hours once.
fn validations_of_one_entry(app: &TestApp) {
    let (w, _, pl) = fixtures::placed(app);
    let r = app.put(
        &format!("/api/v1/placements/{pl}/hours/2026-03"),
        &w.facilitator,
        json!({"work_hours": 100}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_i64().expect("entry id");
    let body = json!({"entry_ids": [id], "decision": "validate"});
    let answers = race(
        app,
        [
            (
                "POST",
                "/api/v1/hours/validation".into(),
                w.facilitator.clone(),
                body.clone(),
            ),
            (
                "POST",
                "/api/v1/hours/validation".into(),
                w.admin.clone(),
                body,
            ),
        ],
    );
    assert_eq!(sorted_statuses(&answers), vec![200, 409], "{answers:?}");
    let progress = app.get(
        &format!("/api/v1/clauses/{}/progress?on=2026-03-31", w.clause),
        &w.facilitator,
    );
    assert_eq!(
        (
            progress.body["validated_hours"].as_f64(),
            progress.body["pending_hours"].as_f64()
        ),
        (Some(100.0), Some(0.0)),
        "{}",
        progress.text
    );
}

on_both!(
    concurrent_validations_of_one_entry_count_it_once,
    validations_of_one_entry
);
