//! Corrections of contracts and clauses, and contract amendments (issue 17): the happy
//! paths, each refusal (422 naming the field, 409, 412 with a stale If-Match, 403 for a
//! contractor, 404 for another structure), the history they leave, and the acceptance
//! scene: an amendment, the clause recalibrated with a justification and extended, its
//! calendar (done and past milestones kept, new ones added) and its reminders (none sent
//! twice).

use std::collections::HashSet;

use chrono::{DateTime, TimeZone, Utc};
use clausier::config::{Config, DatabaseUrl, SmtpConfig, SmtpTls};
use clausier::reminders::{self, Mailer};
use serde_json::{json, Value};

use crate::common::{Resp, TestApp};
use crate::fixtures::{self, contractor_user, world, World};
use crate::on_both;
use crate::smtp::SmtpServer;

const PAIE: &str = "paie@batiment-durable.test";

fn contract_path(w: &World) -> String {
    format!("/api/v1/contracts/{}", w.contract)
}

fn clause_path(w: &World) -> String {
    format!("/api/v1/clauses/{}", w.clause)
}

/// The fields a refusal names.
fn fields(r: &Resp) -> Vec<String> {
    r.error_fields()
}

/// The codes of a refusal: its own and its fields'.
fn codes(r: &Resp) -> Vec<String> {
    let mut out = vec![r.body["code"].as_str().unwrap_or("").to_string()];
    for e in r.body["errors"].as_array().into_iter().flatten() {
        out.push(e["code"].as_str().unwrap_or("").to_string());
    }
    out
}

fn assert_refused(r: &Resp, status: u16, field: Option<&str>, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert!(codes(r).iter().any(|c| c == code), "{code}: {}", r.text);
    if let Some(f) = field {
        assert!(fields(r).iter().any(|x| x == f), "{f}: {}", r.text);
    }
}

on_both!(a_contract_is_corrected_with_a_reason, |app: &TestApp| {
    let w = world(app, "PLIE");
    let path = contract_path(&w);
    let r = app.get_ok(&path, &w.facilitator);
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(r.body["current_amount_eur"], json!(1000000));
    assert_eq!(r.body["current_ends_on"], "2026-12-31");
    assert_eq!(r.body["amendments"], json!([]));

    // Refusals: no reason, broken rules of creation, a null where a value is required, a
    // field that does not exist.
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"title": "Réhabilitation"}),
        None,
    );
    assert_refused(&r, 422, Some("reason"), "required");
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"kind": "travaux", "cpv_code": "4544", "amount_eur": -5, "reason": "Saisie"}),
        None,
    );
    assert_eq!(r.status, 422, "{}", r.text);
    for f in ["kind", "cpv_code", "amount_eur"] {
        assert!(fields(&r).iter().any(|x| x == f), "{f}: {}", r.text);
    }
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"title": null, "reason": "Saisie"}),
        None,
    );
    assert_refused(&r, 422, Some("title"), "required");
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"ends_on": "2025-06-30", "reason": "Saisie"}),
        None,
    );
    assert_refused(&r, 422, Some("ends_on"), "ends_before_start");
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"titel": "x", "reason": "Saisie"}),
        None,
    );
    assert_eq!(r.status, 422, "{}", r.text);

    // Who may: not a contractor (403), not another structure (404).
    let holder = contractor_user(app, &w.admin, w.contractor_a, "a@plie.test");
    let r = app.patch(
        &path,
        &holder,
        json!({"title": "X", "reason": "Saisie"}),
        None,
    );
    assert_refused(&r, 403, None, "forbidden");
    let other = app.structure_admin("Autre");
    let r = app.patch(
        &path,
        &other,
        json!({"title": "X", "reason": "Saisie"}),
        None,
    );
    assert_eq!(r.status, 404, "{}", r.text);
    let r = app.get(&format!("{path}/history"), &other);
    assert_eq!(r.status, 404, "{}", r.text);

    // The correction, with the version read.
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"title": "Réhabilitation du groupe scolaire Jaurès", "amount_eur": 1050000,
               "reason": "Montant notifié mal recopié"}),
        Some("\"1\""),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.body["title"], "Réhabilitation du groupe scolaire Jaurès");
    assert_eq!(r.body["amount_eur"], json!(1050000));
    assert_eq!(r.body["current_amount_eur"], json!(1050000));
    // Absent fields are unchanged.
    assert_eq!(r.body["reference"], "2026-001");
    assert_eq!(r.body["holder_ids"], json!([w.contractor_a]));

    // A stale If-Match changes nothing.
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"title": "Autre titre", "reason": "Saisie"}),
        Some("\"1\""),
    );
    assert_refused(&r, 412, None, "precondition_failed");
    assert_eq!(
        app.get_ok(&path, &w.facilitator).body["title"],
        "Réhabilitation du groupe scolaire Jaurès"
    );

    // A correction that changes nothing: 200, same version, no history line.
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"title": "Réhabilitation du groupe scolaire Jaurès", "reason": "Relecture"}),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));

    // Another contract of the buyer already has the reference: 409.
    let r = app.post(
        "/api/v1/contracts",
        &w.admin,
        json!({"buyer_id": w.buyer, "reference": "2026-002", "title": "Voirie", "kind": "works"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let second = r.body["id"].as_i64().unwrap();
    let r = app.patch(
        &format!("/api/v1/contracts/{second}"),
        &w.facilitator,
        json!({"reference": "2026-001", "reason": "Saisie"}),
        None,
    );
    assert_refused(&r, 409, Some("reference"), "contract_reference_taken");

    // The history: who, when, why, the fields before and after.
    let r = app.get_ok(&format!("{path}/history"), &w.facilitator);
    let lines = r.body.as_array().unwrap();
    assert_eq!(lines.len(), 1, "{}", r.text);
    let line = &lines[0];
    assert_eq!(line["action"], "correct");
    assert_eq!(line["reason"], "Montant notifié mal recopié");
    assert_eq!(line["by"]["id"], w.facilitator_id);
    let changed: Vec<&str> = line["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert!(changed.contains(&"title"), "{changed:?}");
    assert!(changed.contains(&"amount_eur"), "{changed:?}");
    let amount = line["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "amount_eur")
        .unwrap();
    assert_eq!(amount["before"], json!(1000000));
    assert_eq!(amount["after"], json!(1050000));
    let r = app.get(&format!("{path}/history"), &holder);
    assert_eq!(r.status, 403, "{}", r.text);
});

fn amend(app: &TestApp, token: &str, w: &World, body: Value) -> Resp {
    app.post(
        &format!("/api/v1/contracts/{}/amendments", w.contract),
        token,
        body,
    )
}

on_both!(
    an_amendment_changes_the_current_terms_only,
    |app: &TestApp| {
        let w = world(app, "PLIE");
        // 1 000 000 € × 50 % × 5 % ÷ 30 € = 833 h; with 1 200 000 €, 1 000 h.
        let r = amend(
            app,
            &w.facilitator,
            &w,
            json!({"number": "1", "signed_on": "2026-03-01", "amount_eur": 1200000,
               "reason": "Travaux supplémentaires en toiture"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["amendment"]["number"], "1");
        assert_eq!(r.body["amendment"]["amount_eur"], json!(1200000));
        assert_eq!(r.body["amendment"]["source"], "manual");
        assert_eq!(
            r.body["clauses"],
            json!([{"clause_id": w.clause, "required_hours": 833, "recalibrated_hours": 1000}])
        );
        // Not applied: the clause keeps its hours.
        let clause = app.get_ok(&clause_path(&w), &w.facilitator);
        assert_eq!(clause.body["required_hours"], json!(833));

        let r = app.get_ok(&contract_path(&w), &w.facilitator);
        assert_eq!(r.header("etag"), Some("\"2\""));
        assert_eq!(r.body["amount_eur"], json!(1000000));
        assert_eq!(r.body["current_amount_eur"], json!(1200000));
        assert_eq!(r.body["ends_on"], "2026-12-31");
        assert_eq!(r.body["current_ends_on"], "2026-12-31");

        // A second amendment moves the end (a duration counted from the start): the clause
        // still counts 833 h, its calibration 1 000 h with the current amount.
        let r = amend(
            app,
            &w.facilitator,
            &w,
            json!({"number": "2", "signed_on": "2026-06-01", "duration_months": 15,
               "reason": "Prolongation de trois mois"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["amendment"]["ends_on"], "2027-03-31");
        assert_eq!(r.body["clauses"][0]["recalibrated_hours"], json!(1000));
        let r = app.get_ok(&contract_path(&w), &w.facilitator);
        assert_eq!(r.body["current_ends_on"], "2027-03-31");
        assert_eq!(r.body["ends_on"], "2026-12-31");
        let numbers: Vec<&str> = r.body["amendments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, ["1", "2"]);

        // Refusals.
        let r = amend(
            app,
            &w.facilitator,
            &w,
            json!({"number": "1", "signed_on": "2026-07-01", "amount_eur": 1300000, "reason": "Doublon"}),
        );
        assert_refused(&r, 409, Some("number"), "amendment_number_taken");
        let r = amend(
            app,
            &w.facilitator,
            &w,
            json!({"number": "3", "signed_on": "2025-11-01", "amount_eur": 1300000, "reason": "Avant"}),
        );
        assert_refused(&r, 422, Some("signed_on"), "amendment_before_notification");
        let r = amend(
            app,
            &w.facilitator,
            &w,
            json!({"number": "3", "signed_on": "2026-07-01", "reason": "Rien"}),
        );
        assert_refused(&r, 422, Some("amount_eur"), "amendment_empty");
        let r = amend(
            app,
            &w.facilitator,
            &w,
            json!({"number": "3", "signed_on": "2026-07-01", "amount_eur": 1300000}),
        );
        assert_refused(&r, 422, Some("reason"), "required");
        let r = amend(
            app,
            &w.facilitator,
            &w,
            json!({"number": "3", "signed_on": "2026-07-01", "ends_on": "2025-01-01", "reason": "x"}),
        );
        assert_refused(&r, 422, Some("ends_on"), "ends_before_start");
        let holder = contractor_user(app, &w.admin, w.contractor_a, "a@plie.test");
        let body =
            json!({"number": "3", "signed_on": "2026-07-01", "amount_eur": 1300000, "reason": "x"});
        let r = amend(app, &holder, &w, body.clone());
        assert_refused(&r, 403, None, "forbidden");
        // The holder still reads its contract, with the amendments.
        let r = app.get_ok(&contract_path(&w), &holder);
        assert_eq!(r.body["current_amount_eur"], json!(1200000));
        let other = app.structure_admin("Autre");
        let r = amend(app, &other, &w, body);
        assert_eq!(r.status, 404, "{}", r.text);

        // The history: one `amend` line per amendment, with its reason and the terms changed.
        let r = app.get_ok(&format!("{}/history", contract_path(&w)), &w.admin);
        let lines = r.body.as_array().unwrap();
        assert_eq!(lines.len(), 2, "{}", r.text);
        assert_eq!(lines[0]["action"], "amend");
        assert_eq!(lines[0]["reason"], "Travaux supplémentaires en toiture");
        assert!(lines[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "current_amount_eur"
                && c["before"] == json!(1000000)
                && c["after"] == json!(1200000)));
        assert!(lines[1]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "current_ends_on" && c["after"] == "2027-03-31"));
    }
);

on_both!(a_clause_is_corrected_and_recalibrated, |app: &TestApp| {
    let w = world(app, "PLIE");
    let path = clause_path(&w);
    let r = app.get_ok(&path, &w.facilitator);
    assert_eq!(r.header("etag"), Some("\"1\""));

    // Refusals: an override without justification, required hours below the 833 h
    // assigned, dates out of order, an unknown frequency, a required date cleared.
    let r = app.patch(&path, &w.facilitator, json!({"hours_override": 900}), None);
    assert_refused(
        &r,
        422,
        Some("override_justification"),
        "override_justification_required",
    );
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"hours_override": 700, "override_justification": "Moins d'heures"}),
        None,
    );
    assert_refused(&r, 422, Some("hours_override"), "below_assigned_hours");
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"ends_on": "2025-06-30"}),
        None,
    );
    assert_refused(&r, 422, Some("ends_on"), "ends_before_start");
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"reporting_frequency": "yearly"}),
        None,
    );
    assert_refused(&r, 422, Some("reporting_frequency"), "frequency_unknown");
    let r = app.patch(&path, &w.facilitator, json!({"starts_on": null}), None);
    assert_refused(&r, 422, Some("starts_on"), "required");
    let holder = contractor_user(app, &w.admin, w.contractor_a, "a@plie.test");
    let r = app.patch(
        &path,
        &holder,
        json!({"penalty_per_missing_hour_eur": 80}),
        None,
    );
    assert_refused(&r, 403, None, "forbidden");
    let other = app.structure_admin("Autre");
    let r = app.patch(
        &path,
        &other,
        json!({"penalty_per_missing_hour_eur": 80}),
        None,
    );
    assert_eq!(r.status, 404, "{}", r.text);
    let r = app.get(&format!("{path}/history"), &other);
    assert_eq!(r.status, 404, "{}", r.text);

    // A correction: the penalty and the referent.
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"penalty_per_missing_hour_eur": 80, "referent_id": null, "reason": "Pénalité du CCAP"}),
        Some("\"1\""),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.body["penalty_per_missing_hour_eur"], json!(80));
    assert_eq!(r.body["referent_id"], Value::Null);
    assert_eq!(r.body["required_hours"], json!(833));
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"penalty_per_missing_hour_eur": 90}),
        Some("\"1\""),
    );
    assert_refused(&r, 412, None, "precondition_failed");

    // A new calibration: 1 200 000 € gives 1 000 h.
    let r = app.patch(
        &path,
        &w.facilitator,
        json!({"calibration": {"method": "labour_share", "amount_eur": 1200000,
               "labour_share_percent": 50, "insertion_rate_percent": 5, "hourly_cost_eur": 30},
               "reason": "Avenant n° 1"}),
        Some("\"2\""),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["required_hours"], json!(1000));
    assert_eq!(r.body["computed_hours"], json!(1000));
    assert_eq!(r.body["unassigned_hours"], json!(167));

    let r = app.get_ok(&format!("{path}/history"), &w.facilitator);
    let lines = r.body.as_array().unwrap();
    assert_eq!(lines.len(), 2, "{}", r.text);
    assert_eq!(lines[0]["action"], "correct");
    assert_eq!(lines[0]["reason"], "Pénalité du CCAP");
    assert_eq!(lines[1]["action"], "recalibrate");
    assert_eq!(lines[1]["reason"], "Avenant n° 1");
    // The former result stays in the history.
    assert!(lines[1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["field"] == "required_hours"
            && c["before"] == json!(833)
            && c["after"] == json!(1000)));
});

/// The reminder job of the test: its own pool, mailer and configuration.
struct Job {
    pool: clausier::db::DbPool,
    mailer: Mailer,
    config: Config,
    rt: tokio::runtime::Runtime,
}

impl Job {
    fn new(app: &TestApp, port: u16) -> Job {
        let mut config = Config::for_database(&app.database_url).expect("config");
        config.smtp = Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        });
        let pool =
            clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 4)
                .expect("pool");
        let mailer = Mailer::from_config(&config).expect("mailer");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        Job {
            pool,
            mailer,
            config,
            rt,
        }
    }

    fn run(&self, now: DateTime<Utc>) {
        self.rt
            .block_on(reminders::run(&self.pool, &self.mailer, &self.config, now))
            .expect("reminder job");
    }
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap()
}

/// (id, kind, period, due_on, state) of a clause's milestones.
fn milestones(app: &TestApp, w: &World) -> Vec<(i64, String, String, String, String)> {
    let r = app.get_ok(
        &format!("/api/v1/clauses/{}/milestones?limit=500", w.clause),
        &w.facilitator,
    );
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_i64().unwrap(),
                m["kind"].as_str().unwrap().to_string(),
                m["period"].as_str().unwrap().to_string(),
                m["due_on"].as_str().unwrap().to_string(),
                m["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

on_both!(
    an_amended_clause_is_recalibrated_and_extended_without_reminding_twice,
    |app: &TestApp| {
        let smtp = SmtpServer::start();
        // The scene is set up on 15 May 2026 (08:00 in Paris), in the middle of the
        // clause's year.
        app.clock.set(utc(2026, 5, 15, 6, 0));
        let w = world(app, "PLIE");
        let r = app.put(
            &format!("/api/v1/organisations/{}/contacts", w.contractor_a),
            &w.admin,
            json!([{"email": PAIE, "name": "Service paie"}]),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        // One person placed with A from February to June; February reported and validated,
        // March not: reminders are owed.
        let (_, pl) = fixtures::placed_feb_to_june(app, &w);
        let entry = fixtures::report_work(app, &w.facilitator, pl, "2026-02", 35.0);
        fixtures::validate(app, &w.facilitator, entry);

        // The job runs on 15 May 2026 (09:05 in Paris): the summary and the late reports.
        let job = Job::new(app, smtp.port);
        job.run(utc(2026, 5, 15, 7, 5));
        let first = smtp.count();
        assert!(first > 0, "reminders were due");

        // The facilitators work on 15 May too.
        let before = milestones(app, &w);
        // The June report is marked done early (a milestone done stays as it is).
        let june = before
            .iter()
            .find(|m| m.1 == "report" && m.2 == "2026-06")
            .unwrap()
            .0;
        let r = app.post(
            &format!("/api/v1/milestones/{june}/done"),
            &w.facilitator,
            json!({}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let before = milestones(app, &w);

        // The amendment: 1 200 000 € and three more months.
        let r = amend(
            app,
            &w.facilitator,
            &w,
            json!({"number": "1", "signed_on": "2026-05-04", "amount_eur": 1200000,
                   "ends_on": "2027-03-31", "reason": "Extension au gymnase"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["clauses"][0]["recalibrated_hours"], json!(1000));

        // The clause recalibrated with a justification: the figure of the amendment.
        let etag = app
            .get_ok(&clause_path(&w), &w.facilitator)
            .header("etag")
            .unwrap()
            .to_string();
        let r = app.patch(
            &clause_path(&w),
            &w.facilitator,
            json!({"hours_override": 1000,
                   "override_justification": "Avenant n° 1 : montant porté à 1 200 000 €"}),
            Some(&etag),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["required_hours"], json!(1000));
        assert_eq!(r.body["computed_hours"], json!(833));

        // Its end extended.
        let etag = r.header("etag").unwrap().to_string();
        let r = app.patch(
            &clause_path(&w),
            &w.facilitator,
            json!({"ends_on": "2027-03-31", "reason": "Avenant n° 1"}),
            Some(&etag),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["ends_on"], "2027-03-31");

        // The calendar: the past and the done kept as they were, the future regenerated.
        let after = milestones(app, &w);
        let today = "2026-05-15".to_string();
        for m in &before {
            let done = m.4 == "done";
            if m.3 < today || done || m.0 == june {
                assert!(after.contains(m), "{m:?} kept: {after:?}");
            }
        }
        let find = |kind: &str, period: &str| {
            after
                .iter()
                .find(|m| m.1 == kind && m.2 == period)
                .unwrap_or_else(|| panic!("{kind} {period} in {after:?}"))
                .clone()
        };
        for (period, due) in [
            ("2027-01", "2027-02-10"),
            ("2027-02", "2027-03-10"),
            ("2027-03", "2027-04-10"),
        ] {
            assert_eq!(find("report", period).3, due);
        }
        assert_eq!(find("end_warning", "end").3, "2027-03-01");
        assert_eq!(find("final_report", "final").3, "2027-04-30");
        // The mid-term review (2 July 2026 before, 16 August 2026 now) is still to come: it
        // moves, and keeps its id.
        let mid_before = before.iter().find(|m| m.1 == "mid_term").unwrap();
        let mid_after = find("mid_term", "mid");
        assert_eq!(mid_after.0, mid_before.0);
        assert_eq!(mid_after.3, "2026-08-16");
        // One milestone per kind and period.
        let keys: HashSet<(String, String)> =
            after.iter().map(|m| (m.1.clone(), m.2.clone())).collect();
        assert_eq!(keys.len(), after.len());

        // The reminders: the job again the same day sends nothing more, and the next days
        // nothing already sent.
        job.run(utc(2026, 5, 15, 7, 6));
        assert_eq!(smtp.count(), first, "nothing sent twice the same day");
        job.run(utc(2026, 5, 16, 7, 5));
        job.run(utc(2026, 5, 22, 7, 5));
        let sent: Vec<(Vec<String>, String)> = smtp
            .messages()
            .iter()
            .map(|m| (m.to.clone(), m.subject()))
            .collect();
        let distinct: HashSet<&(Vec<String>, String)> = sent.iter().collect();
        assert_eq!(
            distinct.len(),
            sent.len(),
            "a reminder sent twice: {sent:?}"
        );

        // The history of the clause: the recalibration with its justification and the
        // former figure, then the new end.
        let r = app.get_ok(&format!("{}/history", clause_path(&w)), &w.facilitator);
        let lines = r.body.as_array().unwrap();
        assert_eq!(lines.len(), 2, "{}", r.text);
        assert_eq!(lines[0]["action"], "recalibrate");
        assert_eq!(
            lines[0]["reason"],
            "Avenant n° 1 : montant porté à 1 200 000 €"
        );
        assert!(lines[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "required_hours" && c["before"] == json!(833)));
        assert_eq!(lines[1]["action"], "correct");
        assert!(lines[1]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "ends_on" && c["after"] == "2027-03-31"));
    }
);

on_both!(
    the_decp_import_records_each_modification_as_an_amendment,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let doc = |modifications: Value| {
            json!({"marches": {"marche": [
                {"id": "DECP-1", "acheteur": {"id": crate::fixtures::SIRETS[0]}, "nature": "Marché",
                 "objet": "Voirie", "codeCPV": "45233140-2", "dureeMois": 12,
                 "dateNotification": "2026-01-15", "montant": 100000,
                 "modifications": modifications}
            ]}})
        };
        let first = json!([{"modification": {"id": 1, "dateNotificationModification": "2026-03-01",
        "montant": 120000, "objetModification": "Travaux supplémentaires"}}]);
        let r = app.post("/api/v1/imports/decp", &admin, doc(first.clone()));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["created"], 1, "{}", r.text);
        let list = app.get_ok("/api/v1/contracts", &admin);
        let id = list.body["items"][0]["id"].as_i64().unwrap();
        let path = format!("/api/v1/contracts/{id}");
        let c = app.get_ok(&path, &admin);
        // The notified amount stays; the modification is an amendment.
        assert_eq!(c.body["amount_eur"], json!(100000));
        assert_eq!(c.body["current_amount_eur"], json!(120000));
        assert_eq!(c.body["ends_on"], "2027-01-14");
        let amendments = c.body["amendments"].as_array().unwrap();
        assert_eq!(amendments.len(), 1, "{}", c.text);
        assert_eq!(amendments[0]["number"], "1");
        assert_eq!(amendments[0]["source"], "decp");
        assert_eq!(amendments[0]["signed_on"], "2026-03-01");
        assert_eq!(amendments[0]["reason"], "Travaux supplémentaires");

        // The same file again: nothing changes.
        let r = app.post("/api/v1/imports/decp", &admin, doc(first.clone()));
        assert_eq!(r.body["unchanged"], 1, "{}", r.text);
        let etag = app
            .get_ok(&path, &admin)
            .header("etag")
            .unwrap()
            .to_string();

        // A newer file with a second modification: one more amendment, the first kept once.
        let mut both = first.as_array().unwrap().clone();
        both.push(
            json!({"modification": {"id": 2, "dateNotificationModification": "2026-09-01",
        "dureeMois": 18}}),
        );
        let r = app.post("/api/v1/imports/decp", &admin, doc(Value::Array(both)));
        assert_eq!(r.body["updated"], 1, "{}", r.text);
        let c = app.get_ok(&path, &admin);
        assert_ne!(c.header("etag").unwrap(), etag);
        let numbers: Vec<&str> = c.body["amendments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, ["1", "2"]);
        assert_eq!(c.body["amount_eur"], json!(100000));
        assert_eq!(c.body["current_amount_eur"], json!(120000));
        assert_eq!(c.body["current_ends_on"], "2027-07-14");
        let h = app.get_ok(&format!("{path}/history"), &admin);
        let actions: Vec<&str> = h
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["amend", "amend"]);
    }
);

/// Two corrections of the same version at the same moment: one is written, the other gets
/// 412 and changes nothing.
fn concurrent_corrections(app: &TestApp) {
    let w = world(app, "PLIE");
    let token = w.facilitator.clone();
    let (contract, clause) = (w.contract, w.clause);
    let statuses = app.in_parallel(|client| async move {
        let patch = |path: String, body: &'static str| {
            client
                .patch(path)
                .header(rocket::http::ContentType::JSON)
                .header(rocket::http::Header::new(
                    "Authorization",
                    format!("Bearer {token}"),
                ))
                .header(rocket::http::Header::new("If-Match", "\"1\""))
                .body(body)
                .dispatch()
        };
        let contract_path = format!("/api/v1/contracts/{contract}");
        let clause_path = format!("/api/v1/clauses/{clause}");
        let (a, b, c, d) = rocket::tokio::join!(
            patch(
                contract_path.clone(),
                r#"{"title": "Un", "reason": "Premier"}"#
            ),
            patch(contract_path, r#"{"title": "Deux", "reason": "Second"}"#),
            patch(
                clause_path.clone(),
                r#"{"penalty_per_missing_hour_eur": 70}"#
            ),
            patch(clause_path, r#"{"penalty_per_missing_hour_eur": 90}"#),
        );
        let mut on_contract = vec![a.status().code, b.status().code];
        on_contract.sort();
        let mut on_clause = vec![c.status().code, d.status().code];
        on_clause.sort();
        (on_contract, on_clause)
    });
    assert_eq!(statuses, (vec![200, 412], vec![200, 412]));
    let r = app.get_ok(&contract_path(&w), &w.facilitator);
    assert_eq!(r.header("etag"), Some("\"2\""));
    let h = app.get_ok(&format!("{}/history", contract_path(&w)), &w.facilitator);
    assert_eq!(h.body.as_array().unwrap().len(), 1, "{}", h.text);
    let h = app.get_ok(&format!("{}/history", clause_path(&w)), &w.facilitator);
    assert_eq!(h.body.as_array().unwrap().len(), 1, "{}", h.text);
}

on_both!(
    two_corrections_of_the_same_version_never_both_succeed,
    concurrent_corrections
);
