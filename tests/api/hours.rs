//! Hours: refusals, replace, lock, amend, validation, bulk import, progress.

use rocket::http::ContentType;
use serde_json::json;

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, eligible, participant, place, placed, World, AWA};
use crate::on_both;

on_both!(each_refusal_rule_names_its_field, |app: &TestApp| {
    let (w, _, pl) = placed(app);
    let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
    let put = |month: &str, body: serde_json::Value| {
        app.put(&format!("/api/v1/placements/{pl}/hours/{month}"), &a, body)
    };
    let cases = [
        ("2026-03", json!({"work_hours": -1}), "work_hours"),
        (
            "2026-03",
            json!({"work_hours": 10, "training_hours": -2}),
            "training_hours",
        ),
        ("2026-03", json!({"work_hours": 10.005}), "work_hours"),
        ("2026-01", json!({"work_hours": 10}), "month"),
        ("2026-07", json!({"work_hours": 10}), "month"),
        ("2099-01", json!({"work_hours": 10}), "month"),
        ("2026-13", json!({"work_hours": 10}), "month"),
        (
            "2026-03",
            json!({"work_hours": 200, "training_hours": 9}),
            "work_hours",
        ),
        ("2026-03", json!({"training_hours": 9}), "work_hours"),
    ];
    for (month, body, field) in cases {
        let r = put(month, body.clone());
        assert_eq!(r.status, 422, "{month} {body}: {}", r.text);
        assert!(
            r.error_fields().contains(&field.to_string()),
            "{month} {body}: {}",
            r.text
        );
    }
    assert_eq!(
        app.get("/api/v1/hours", &a).body["total"],
        0,
        "nothing stored"
    );
});

on_both!(
    monthly_cap_counts_the_persons_other_placements,
    |app: &TestApp| {
        let (w, p, pl) = placed(app);
        let training = json!({"participant_id": p, "assignment_id": w.assignment_b, "modality": "training", "employer_id": w.contractor_b,
               "contract_type": "other", "job_title": "Formation", "starts_on": "2026-03-01", "ends_on": "2026-03-31", "weekly_hours": 10});
        let pl2 = app.create("/api/v1/placements", &w.facilitator, training, "training");
        let r = app.put(
            &format!("/api/v1/placements/{pl}/hours/2026-03"),
            &w.facilitator,
            json!({"work_hours": 150}),
        );
        assert_eq!(r.status, 200);
        let r = app.put(
            &format!("/api/v1/placements/{pl2}/hours/2026-03"),
            &w.facilitator,
            json!({"work_hours": 0, "training_hours": 60}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.error_fields(), vec!["work_hours"]);
        let r = app.put(
            &format!("/api/v1/placements/{pl2}/hours/2026-03"),
            &w.facilitator,
            json!({"work_hours": 0, "training_hours": 58}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
    }
);

on_both!(replace_lock_amend_revalidate, |app: &TestApp| {
    let (w, _, pl) = placed(app);
    let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
    let path = format!("/api/v1/placements/{pl}/hours/2026-03");
    let r = app.put(&path, &a, json!({"work_hours": 100, "training_hours": 7.5}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "submitted");
    let id = r.body["id"].as_i64().unwrap();
    // Replace while not validated.
    let r = app.put(&path, &a, json!({"work_hours": 120}));
    assert_eq!(
        (
            r.status,
            r.body["work_hours"].as_i64(),
            r.body["id"].as_i64()
        ),
        (200, Some(120), Some(id))
    );
    // Contractors cannot validate.
    let decide = json!({"entry_ids": [id], "decision": "validate"});
    assert_eq!(
        app.post("/api/v1/hours/validation", &a, decide.clone())
            .status,
        403
    );
    let r = app.post("/api/v1/hours/validation", &w.facilitator, decide);
    assert_eq!(r.status, 200, "{}", r.text);
    let progress = |app: &TestApp| {
        app.get(
            &format!("/api/v1/clauses/{}/progress?on=2026-03-31", w.clause),
            &w.facilitator,
        )
        .body
    };
    assert_eq!(progress(app)["validated_hours"], 120);
    // Locked: a change needs a reason.
    let r = app.put(&path, &a, json!({"work_hours": 130}));
    assert_eq!(r.status, 422);
    assert_eq!(r.error_fields(), vec!["amendment_reason"]);
    let r = app.put(
        &path,
        &a,
        json!({"work_hours": 130, "amendment_reason": "Heures du 31 oubliées"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "submitted");
    // The validated figure keeps counting until the amendment is validated.
    let p = progress(app);
    assert_eq!(
        (p["validated_hours"].as_i64(), p["pending_hours"].as_i64()),
        (Some(120), Some(130))
    );
    let r = app.post(
        "/api/v1/hours/validation",
        &w.facilitator,
        json!({"entry_ids": [id], "decision": "validate"}),
    );
    assert_eq!(r.status, 200);
    let p = progress(app);
    assert_eq!(
        (p["validated_hours"].as_i64(), p["pending_hours"].as_i64()),
        (Some(130), Some(0))
    );
    // Reject needs a reason; a rejected amendment leaves the validated figure.
    app.put(
        &path,
        &a,
        json!({"work_hours": 150, "amendment_reason": "Erreur"}),
    );
    let r = app.post(
        "/api/v1/hours/validation",
        &w.facilitator,
        json!({"entry_ids": [id], "decision": "reject"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.error_fields(), vec!["reason"]);
    let r = app.post(
        "/api/v1/hours/validation",
        &w.facilitator,
        json!({"entry_ids": [id], "decision": "reject", "reason": "Non justifié"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(progress(app)["validated_hours"], 130);
    // Every change is kept.
    let h = app.get(&format!("/api/v1/hours/{id}/history"), &w.facilitator);
    let actions: Vec<&str> = h
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["submit", "replace", "validate", "amend", "validate", "amend", "reject"]
    );
});

on_both!(contractor_a_cannot_report_on_b, |app: &TestApp| {
    let (w, p, _) = placed(app);
    let plb = place(
        app,
        &w.facilitator,
        p,
        w.assignment_b,
        w.contractor_b,
        "2026-07-01",
        Some("2026-08-31"),
    );
    let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
    let r = app.put(
        &format!("/api/v1/placements/{plb}/hours/2026-07"),
        &a,
        json!({"work_hours": 10}),
    );
    assert_eq!(r.status, 404);
    let b = contractor_user(app, &w.admin, w.contractor_b, "b@pr.test");
    let r = app.put(
        &format!("/api/v1/placements/{plb}/hours/2026-07"),
        &b,
        json!({"work_hours": 10}),
    );
    assert_eq!(r.status, 200);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        app.post(
            "/api/v1/hours/validation",
            &b,
            json!({"entry_ids": [id], "decision": "validate"})
        )
        .status,
        403
    );
    assert_eq!(app.get("/api/v1/hours", &a).body["total"], 0);
});

fn csv(app: &TestApp, token: &str, body: &str, dry_run: bool) -> crate::common::Resp {
    app.request(
        "POST",
        &format!("/api/v1/hours/import?dry_run={dry_run}"),
        Some(token),
        Some(ContentType::CSV),
        Some(body.as_bytes().to_vec()),
    )
}

/// Many placements for one contractor: one person each, from August 2018 to November 2026.
fn many_placements(app: &TestApp, w: &World, n: usize) -> Vec<i64> {
    (0..n)
        .map(|i| {
            let p = participant(
                app,
                &w.facilitator,
                &format!("Prénom{i}"),
                &format!("Nom{i}"),
                "1990-01-01",
            );
            eligible(app, &w.facilitator, p, "2018-07-15");
            place(
                app,
                &w.facilitator,
                p,
                w.assignment_a,
                w.contractor_a,
                "2018-08-01",
                Some("2026-11-30"),
            )
        })
        .collect()
}

/// The 100 months from 2018-08 to 2026-11.
fn months() -> Vec<String> {
    (0..100)
        .map(|i| {
            let m = 7 + i;
            format!("{}-{:02}", 2018 + m / 12, m % 12 + 1)
        })
        .collect()
}

on_both!(csv_import_all_or_nothing, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let ids = many_placements(app, &w, 50);
    let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
    // 5,000 data lines: 50 placements × 100 months.
    let mut body = String::from("placement_id,month,work_hours,training_hours\n");
    for id in &ids {
        for m in months() {
            body.push_str(&format!("{id},{m},100.5,\n"));
        }
    }
    assert_eq!(body.lines().count(), 5001);
    let target = format!("{},2022-04,100.5,\n", ids[20]);
    let bad = body.replacen(&target, &format!("{},2022-04,-3,\n", ids[20]), 1);
    let bad_line = bad.lines().position(|l| l.contains(",-3,")).unwrap() + 1;
    let r = csv(app, &a, &bad, false);
    assert_eq!(r.status, 422, "{}", r.text);
    let errors = r.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}", r.text);
    assert_eq!(r.body["error_count"], 1, "{}", r.text);
    assert_eq!(r.body["detail"], "1 erreur ; rien n'a été enregistré");
    assert_eq!(errors[0]["line"], bad_line);
    assert_eq!(errors[0]["field"], "work_hours");
    assert_eq!(
        app.get("/api/v1/hours", &a).body["total"],
        0,
        "nothing stored"
    );
    // Dry run stores nothing either.
    let r = csv(app, &a, &body, true);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["accepted"], 5000);
    assert_eq!(app.get("/api/v1/hours", &a).body["total"], 0);
    let r = csv(app, &a, &body, false);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["accepted"], 5000);
    assert_eq!(app.get("/api/v1/hours", &a).body["total"], 5000);
    // Sending it again doubles nothing.
    let r = csv(app, &a, &body, false);
    assert_eq!(
        (r.body["accepted"].as_i64(), r.body["unchanged"].as_i64()),
        (Some(0), Some(5000))
    );
    // Semicolons, decimal commas, BOM and CRLF, as French spreadsheets write them.
    let fr = format!("\u{feff}placement_id;month;work_hours;training_hours;commentaire\r\n{};2026-02;99,25;3,5;ok\r\n", ids[0]);
    let r = csv(app, &a, &fr, false);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["accepted"], 1);
    let list = app.get(
        &format!("/api/v1/hours?placement_id={}&month=2026-02", ids[0]),
        &a,
    );
    assert_eq!(list.body["items"][0]["work_hours"], 99.25);
    assert_eq!(list.body["items"][0]["training_hours"], 3.5);
});

on_both!(csv_import_line_errors_carry_their_codes, |app: &TestApp| {
    let (w, _, pl) = placed(app);
    let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
    // Three kinds of bad lines: too many decimals, a month that is not one, a missing
    // placement id (and a duplicate of line 2, a fourth kind).
    let body = format!(
        "placement_id,month,work_hours,training_hours\n\
             {pl},2026-01,7.125,0\n\
             {pl},janvier,10,0\n\
             ,2026-03,10,0\n\
             {pl},2026-04,10,0\n\
             {pl},2026-04,12,0\n"
    );
    let r = csv(app, &a, &body, false);
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error_count"], 4, "{}", r.text);
    let errors = r.body["errors"].as_array().unwrap();
    let seen: Vec<(i64, &str, &str)> = errors
        .iter()
        .map(|e| {
            assert!(
                !e["message"].as_str().unwrap_or("").is_empty(),
                "{}",
                r.text
            );
            (
                e["line"].as_i64().unwrap(),
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (2, "work_hours", "hours_too_many_decimals"),
            (3, "month", "month_cell_malformed"),
            (4, "placement_id", "cell_required"),
            (6, "month", "row_duplicated"),
        ],
        "{}",
        r.text
    );
    assert_eq!(
        errors[0]["message"],
        "deux décimales au plus sont acceptées (par exemple 7,25) ; la cellule contient « 7.125 »"
    );
    // A line that reads well but breaks an entry's rule carries that rule's code.
    let body = format!("placement_id,month,work_hours,training_hours\n{pl},2030-01,10,0\n");
    let r = csv(app, &a, &body, true);
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["errors"][0]["line"], 2, "{}", r.text);
    assert_eq!(r.body["errors"][0]["field"], "month", "{}", r.text);
    assert_eq!(r.body["errors"][0]["code"], "month_in_future", "{}", r.text);
    assert!(!r.body["errors"][0]["message"]
        .as_str()
        .unwrap_or("")
        .is_empty());
    // The served document requires the code on every line error.
    let doc = app.request("GET", "/api/v1/openapi.json", None, None, None);
    let schema = &doc.body["components"]["schemas"]["ImportError"];
    let required = schema["required"].as_array().unwrap();
    for member in ["line", "field", "code", "message"] {
        assert!(required.iter().any(|r| r == member), "{member}: {schema}");
    }
});

on_both!(
    csv_reimport_replaces_submitted_and_rejected_figures,
    |app: &TestApp| {
        let (w, _, pl) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        let entry = |month: &str| {
            let r = app.get(
                &format!("/api/v1/hours?placement_id={pl}&month={month}"),
                &a,
            );
            r.body["items"][0].clone()
        };
        let progress = || {
            let p = app
                .get(
                    &format!("/api/v1/clauses/{}/progress?on=2026-06-30", w.clause),
                    &w.facilitator,
                )
                .body;
            (p["validated_hours"].as_i64(), p["pending_hours"].as_i64())
        };
        let history = |id: i64| -> Vec<(String, serde_json::Value)> {
            app.get(&format!("/api/v1/hours/{id}/history"), &w.facilitator)
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["action"].as_str().unwrap().to_string(),
                        c["changes"].clone(),
                    )
                })
                .collect()
        };
        let header = "placement_id,month,work_hours,training_hours\n";
        let first = format!("{header}{pl},2026-02,100,\n{pl},2026-03,50,\n{pl},2026-04,40,\n");
        let r = csv(app, &a, &first, false);
        assert_eq!(r.body["accepted"], 3, "{}", r.text);
        let (feb, mar, apr) = (entry("2026-02"), entry("2026-03"), entry("2026-04"));
        let decide = |id: &serde_json::Value, body: serde_json::Value| {
            let mut body = body;
            body["entry_ids"] = json!([id]);
            let r = app.post("/api/v1/hours/validation", &w.facilitator, body);
            assert_eq!(r.status, 200, "{}", r.text);
        };
        decide(&feb["id"], json!({"decision": "validate"}));
        decide(
            &apr["id"],
            json!({"decision": "reject", "reason": "Non justifié"}),
        );
        assert_eq!(progress(), (Some(100), Some(50)));

        // February unchanged, March and the rejected April replaced, May new.
        let again = format!(
            "{header}{pl},2026-02,100,\n{pl},2026-03,60,\n{pl},2026-04,45,2\n{pl},2026-05,10,\n"
        );
        let r = csv(app, &a, &again, false);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            (r.body["accepted"].as_i64(), r.body["unchanged"].as_i64()),
            (Some(3), Some(1))
        );
        let (mar2, apr2) = (entry("2026-03"), entry("2026-04"));
        assert_eq!(
            mar2["id"], mar["id"],
            "the entry is replaced, not duplicated"
        );
        assert_eq!(
            (mar2["work_hours"].as_i64(), mar2["status"].as_str()),
            (Some(60), Some("submitted"))
        );
        assert_eq!(
            (
                apr2["work_hours"].as_i64(),
                apr2["training_hours"].as_i64(),
                apr2["status"].as_str()
            ),
            (Some(45), Some(2), Some("submitted"))
        );
        assert!(apr2["rejection_reason"].is_null(), "{apr2}");
        assert_eq!(entry("2026-05")["work_hours"], 10);
        // Validated February keeps counting; pending: 60 + 47 + 10.
        assert_eq!(progress(), (Some(100), Some(117)));
        let mar_history = history(mar["id"].as_i64().unwrap());
        let actions: Vec<&str> = mar_history.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(actions, ["submit", "replace"]);
        // The replacement changed the work hours from 50 to 60, in hours.
        assert_eq!(
            mar_history[1].1,
            json!([{"field": "work_hours", "before": 50, "after": 60}]),
            "{mar_history:?}"
        );
        let apr_actions: Vec<String> = history(apr["id"].as_i64().unwrap())
            .into_iter()
            .map(|(a, _)| a)
            .collect();
        assert_eq!(apr_actions, ["submit", "reject", "replace"]);

        // A validated figure is not changed by an import: the file is refused, nothing moves.
        let change_feb = format!("{header}{pl},2026-03,61,\n{pl},2026-02,90,\n");
        let r = csv(app, &a, &change_feb, false);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["error_count"], 1, "{}", r.text);
        assert_eq!(r.body["errors"][0]["line"], 3, "{}", r.text);
        assert_eq!(
            r.body["errors"][0]["field"], "amendment_reason",
            "{}",
            r.text
        );
        assert_eq!(entry("2026-03")["work_hours"], 60);
        assert_eq!(entry("2026-02")["work_hours"], 100);
        assert_eq!(progress(), (Some(100), Some(117)));
    }
);

on_both!(xlsx_import_and_template, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let ids = many_placements(app, &w, 2);
    let ids: Vec<i64> = ids.into_iter().collect();
    let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
    let t = app.get("/api/v1/hours/template?month=2026-03&format=csv", &a);
    assert_eq!(t.status, 200);
    assert_eq!(t.text.lines().count(), 3, "{}", t.text);
    let x = app.get("/api/v1/hours/template?month=2026-03&format=xlsx", &a);
    assert_eq!(x.status, 200);
    // Fill the template with rust_xlsxwriter the way a spreadsheet would, then import it raw.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = fixtures::hours_sheet(&mut book);
    for (i, id) in ids.iter().enumerate() {
        let row = (i + 1) as u32;
        sheet.write_number(row, 0, *id as f64).unwrap();
        sheet.write_string(row, 1, "2026-03").unwrap();
        sheet.write_number(row, 2, 87.5).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let r = app.request(
        "POST",
        "/api/v1/hours/import",
        Some(&a),
        Some(ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )),
        Some(bytes.clone()),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["accepted"], 2);
    let list = app.get("/api/v1/hours?month=2026-03", &a);
    assert_eq!(list.body["total"], 2);
    assert_eq!(list.body["items"][0]["work_hours"], 87.5);
    // As a multipart field `file`: identical figures, nothing new.
    let boundary = "XyZ123";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"heures.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = app.request(
        "POST",
        "/api/v1/hours/import",
        Some(&a),
        Some(ContentType::new("multipart", "form-data").with_params(("boundary", boundary))),
        Some(body),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["unchanged"], 2);
});

on_both!(
    progress_shows_a_contractor_only_its_own_assignments,
    |app: &TestApp| {
        let (w, _, pl) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        let b = contractor_user(app, &w.admin, w.contractor_b, "b@pr.test");
        let other = fixtures::org(
            app,
            &w.admin,
            "contractor",
            "Espaces Verts du Nord",
            Some(fixtures::SIRETS[3]),
            Some("93"),
        );
        let c = contractor_user(app, &w.admin, other, "c@ev.test");
        // 10 h validated in February, 20 h in March, 5 h waiting in April.
        for (month, hours, validate) in [
            ("2026-02", 10, true),
            ("2026-03", 20, true),
            ("2026-04", 5, false),
        ] {
            let entry = fixtures::report_work(app, &a, pl, month, hours as f64);
            if validate {
                fixtures::validate(app, &w.facilitator, entry);
            }
        }
        let progress = |token: &str, clause: i64, on: &str| {
            app.get(&format!("/api/v1/clauses/{clause}/progress?on={on}"), token)
        };
        let assignment_ids = |body: &serde_json::Value| -> Vec<i64> {
            body["assignments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["assignment_id"].as_i64().unwrap())
                .collect()
        };
        // Staff: the whole clause, totals up to the month of the date.
        let all = progress(&w.facilitator, w.clause, "2026-04-30").body;
        assert_eq!(assignment_ids(&all), [w.assignment_a, w.assignment_b]);
        assert_eq!(
            (
                all["required_hours"].as_i64(),
                all["validated_hours"].as_i64(),
                all["pending_hours"].as_i64()
            ),
            (Some(833), Some(30), Some(5))
        );
        let february = progress(&w.facilitator, w.clause, "2026-02-28").body;
        assert_eq!(
            (
                february["validated_hours"].as_i64(),
                february["pending_hours"].as_i64()
            ),
            (Some(10), Some(0))
        );
        // A contractor: its own assignment only, and the figures are those of its assignment.
        let mine = progress(&a, w.clause, "2026-04-30").body;
        assert_eq!(assignment_ids(&mine), [w.assignment_a]);
        assert_eq!(
            (
                mine["required_hours"].as_i64(),
                mine["validated_hours"].as_i64()
            ),
            (Some(500), Some(30))
        );
        let theirs = progress(&b, w.clause, "2026-04-30").body;
        assert_eq!(assignment_ids(&theirs), [w.assignment_b]);
        assert_eq!(
            (
                theirs["required_hours"].as_i64(),
                theirs["validated_hours"].as_i64(),
                theirs["pending_hours"].as_i64()
            ),
            (Some(333), Some(0), Some(0))
        );
        // Neither assigned nor holder: the clause does not exist for it.
        assert_eq!(progress(&c, w.clause, "2026-04-30").status, 404);
        // A second clause of the contract, with no assignment yet: holding the contract
        // gives no obligation on it, so neither its holder A nor B sees it (issue 14).
        let second = fixtures::clause(app, &w.admin, w.contract, "2026-01-01", "2026-12-31", None);
        assert_eq!(progress(&a, second, "2026-04-30").status, 404);
        assert_eq!(progress(&b, second, "2026-04-30").status, 404);
        // Another structure's staff: 404, the same as a clause that does not exist.
        let elsewhere = fixtures::world(app, "Autre PLIE");
        assert_eq!(
            progress(&elsewhere.facilitator, w.clause, "2026-04-30").status,
            404
        );
        assert_eq!(progress(&w.facilitator, 999_999, "2026-04-30").status, 404);
    }
);

on_both!(progress_status_at_the_boundaries, |app: &TestApp| {
    let (w, p, pl) = placed(app);
    let _ = p;
    // Clause: 833 h over 2026 (365 days). Assignment A: 500 h.
    let put_validate = |month: &str, hours: f64| {
        let r = app.put(
            &format!("/api/v1/placements/{pl}/hours/{month}"),
            &w.facilitator,
            json!({"work_hours": hours, "amendment_reason": "correction"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        let r = app.post(
            "/api/v1/hours/validation",
            &w.facilitator,
            json!({"entry_ids": [id], "decision": "validate"}),
        );
        assert_eq!(r.status, 200);
    };
    let at = |d: &str| {
        app.get(
            &format!("/api/v1/clauses/{}/progress?on={d}", w.clause),
            &w.facilitator,
        )
        .body
    };
    assert_eq!(at("2025-12-31")["status"], "not_started");
    // On 2026-03-31 (90 days of 365) expected = 833 × 90 / 365 = 205.40 h; 80 % = 164.32 h.
    let p = at("2026-03-31");
    assert_eq!(p["expected_hours"], 205.4);
    assert_eq!(p["status"], "at_risk");
    put_validate("2026-02", 100.0);
    put_validate("2026-03", 64.32);
    let p = at("2026-03-31");
    assert_eq!(p["validated_hours"], 164.32);
    assert_eq!(
        p["status"], "on_track",
        "exactly 80 % of expected is on track"
    );
    // Assignment A (500 h): expected 123.29; 164.32 is on track.
    assert_eq!(p["assignments"][0]["status"], "on_track");
    assert_eq!(p["assignments"][1]["status"], "at_risk");
    // After the end, missing hours are exposed to the penalty (60 € per hour).
    let end = at("2027-01-15");
    assert_eq!(end["penalty_exposure_eur"], (833.0 - 164.32) * 60.0);
    // Completed once validated reaches required.
    put_validate("2026-04", 150.0);
    put_validate("2026-05", 150.0);
    put_validate("2026-06", 150.0);
    put_validate("2026-02", 183.0);
    let w2 = at("2026-06-30");
    assert_eq!(w2["assignments"][0]["status"], "completed", "{w2}");
    // The contractor sees only its own assignment.
    let b = contractor_user(app, &w.admin, w.contractor_b, "b@pr.test");
    let pb = app.get(
        &format!("/api/v1/clauses/{}/progress?on=2026-06-30", w.clause),
        &b,
    );
    assert_eq!(pb.status, 200);
    assert_eq!(pb.body["assignments"].as_array().unwrap().len(), 1);
    assert_eq!(pb.body["required_hours"], 333);
});

// A placement open one day of March has one day's share of the monthly cap
// (20800 × 1 ÷ 31 = 670 hundredths), by a single report and by an import alike; a second
// placement of the same person open from 16 March widens it to 16 days (10735 hundredths).
on_both!(
    the_monthly_cap_is_scaled_to_the_days_open,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let (p, pl) = fixtures::person_placed_with_a(
            app,
            &w,
            AWA,
            "2026-03-10",
            ("2026-03-31", Some("2026-06-30")),
        );
        let put = |hours: f64| {
            app.put(
                &format!("/api/v1/placements/{pl}/hours/2026-03"),
                &w.facilitator,
                json!({"work_hours": hours}),
            )
        };
        let r = put(208.0);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.error_fields(), vec!["work_hours"], "{}", r.text);
        assert!(r.text.contains("6,7 h"), "{}", r.text);
        assert_eq!(put(6.71).status, 422);
        let import = |hours: &str| {
            csv(
                app,
                &w.facilitator,
                &format!("placement_id,month,work_hours,training_hours\n{pl},2026-03,{hours},0\n"),
                true,
            )
        };
        let r = import("6.71");
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "work_hours", "{}", r.text);
        assert_eq!(import("6.70").status, 200, "{}", import("6.70").text);
        let r = put(6.7);
        assert_eq!(r.status, 200, "{}", r.text);
        // A second placement, with B, from 16 March: 16 days open in all.
        let pl_b = fixtures::placed_with_b_ten_hours_a_week(app, &w, p, "2026-03-16");
        let put_b = |hours: f64| {
            app.put(
                &format!("/api/v1/placements/{pl_b}/hours/2026-03"),
                &w.facilitator,
                json!({"work_hours": hours}),
            )
        };
        assert_eq!(put_b(100.66).status, 422, "6.70 + 100.66 > 107.35");
        assert_eq!(put_b(100.65).status, 200);
    }
);
