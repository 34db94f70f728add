//! JSON for people (issue 16): names beside the ids in every view a person reads, hours in
//! hours, one history shape; a funder reads no person's name.

use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, eligible, participant, placed, propose, World};
use crate::on_both;

/// The clause of `fixtures::world` as people name it: its contract's reference and title.
const CLAUSE_LABEL: &str = "2026-001 — Réhabilitation du groupe scolaire";
const CONTRACTOR_A: &str = "Bâtiment Durable";
const CONTRACTOR_B: &str = "Peintures Réunies";
const BUYER: &str = "Ville de Saint-Denis";
const FACILITATOR_EMAIL: &str = "fac@plie.test";

/// The items of a list answer, which must be 200.
fn items(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let r = app.get(path, token);
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.body["items"].as_array().expect("items").clone()
}

/// Jean Martin placed with contractor B from March to June 2026; returns the placement.
fn jean_with_b(app: &TestApp, w: &World) -> i64 {
    let (_, pl) = fixtures::person_placed(
        app,
        w,
        ("Jean", "Martin", "1985-06-01"),
        "2026-01-10",
        (w.assignment_b, w.contractor_b),
        ("2026-03-01", Some("2026-06-30")),
    );
    pl
}

on_both!(
    hour_entries_name_person_contractor_and_clause,
    |app: &TestApp| {
        let (w, _, awa) = placed(app);
        let jean = jean_with_b(app, &w);
        fixtures::report_work(app, &w.facilitator, awa, "2026-03", 56.5);
        fixtures::report_work(app, &w.facilitator, jean, "2026-03", 20.0);

        // Staff: both entries, each named, the hours in hours.
        let all = items(app, "/api/v1/hours?month=2026-03", &w.facilitator);
        assert_eq!(all.len(), 2, "{all:?}");
        let of = |placement: i64| {
            all.iter()
                .find(|e| e["placement_id"] == placement)
                .unwrap_or_else(|| panic!("entry of {placement} in {all:?}"))
                .clone()
        };
        let (a, b) = (of(awa), of(jean));
        assert_eq!(a["participant_name"], "Awa Diallo");
        assert_eq!(a["contractor_id"], w.contractor_a);
        assert_eq!(a["contractor_name"], CONTRACTOR_A);
        assert_eq!(a["clause_id"], w.clause);
        assert_eq!(a["clause_label"], CLAUSE_LABEL);
        assert_eq!(a["month"], "2026-03");
        assert_eq!(a["work_hours"], json!(56.5));
        assert_eq!(b["participant_name"], "Jean Martin");
        assert_eq!(b["contractor_name"], CONTRACTOR_B);

        // Contractor A: its own person only, named; nobody of B's.
        let a_user = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        let own = items(app, "/api/v1/hours", &a_user);
        assert_eq!(own.len(), 1, "{own:?}");
        assert_eq!(own[0]["participant_name"], "Awa Diallo");
        assert_eq!(own[0]["contractor_name"], CONTRACTOR_A);
        let r = app.get("/api/v1/hours", &a_user);
        assert!(!r.text.contains("Martin"), "{}", r.text);
    }
);

on_both!(
    placements_clauses_and_contracts_are_named,
    |app: &TestApp| {
        let (w, _, awa) = placed(app);
        let expect_placement = |p: &Value| {
            assert_eq!(p["id"], awa, "{p}");
            assert_eq!(p["participant_name"], "Awa Diallo", "{p}");
            assert_eq!(p["contractor_name"], CONTRACTOR_A, "{p}");
            assert_eq!(p["employer_name"], CONTRACTOR_A, "{p}");
            assert_eq!(p["buyer_id"], w.buyer, "{p}");
            assert_eq!(p["buyer_name"], BUYER, "{p}");
            assert_eq!(p["clause_label"], CLAUSE_LABEL, "{p}");
        };
        let list = items(app, "/api/v1/placements", &w.facilitator);
        assert_eq!(list.len(), 1);
        expect_placement(&list[0]);
        expect_placement(
            &app.get_ok(&format!("/api/v1/placements/{awa}"), &w.facilitator)
                .body,
        );
        // The contractor reads the same names for its own placement.
        let a_user = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        expect_placement(
            &app.get_ok(&format!("/api/v1/placements/{awa}"), &a_user)
                .body,
        );

        let expect_clause = |c: &Value, assignments: usize| {
            assert_eq!(c["clause_label"], CLAUSE_LABEL, "{c}");
            assert_eq!(c["buyer_name"], BUYER, "{c}");
            assert_eq!(c["referent_name"], FACILITATOR_EMAIL, "{c}");
            let names: Vec<&str> = c["assignments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["contractor_name"].as_str().unwrap())
                .collect();
            let expected = [CONTRACTOR_A, CONTRACTOR_B];
            assert_eq!(names, expected[..assignments], "{c}");
        };
        let clause = format!("/api/v1/clauses/{}", w.clause);
        expect_clause(&app.get_ok(&clause, &w.facilitator).body, 2);
        expect_clause(&items(app, "/api/v1/clauses", &w.facilitator)[0], 2);
        // A contractor sees its own assignment only, named.
        expect_clause(&app.get_ok(&clause, &a_user).body, 1);

        let progress = app.get_ok(&format!("{clause}/progress"), &w.facilitator);
        assert_eq!(progress.body["clause_label"], CLAUSE_LABEL);
        assert_eq!(
            progress.body["assignments"][0]["contractor_name"],
            CONTRACTOR_A
        );
        assert_eq!(
            progress.body["assignments"][1]["contractor_name"],
            CONTRACTOR_B
        );

        let contract = app.get_ok(&format!("/api/v1/contracts/{}", w.contract), &w.facilitator);
        assert_eq!(contract.body["buyer_name"], BUYER);
        assert_eq!(contract.body["holder_ids"], json!([w.contractor_a]));
        assert_eq!(contract.body["holder_names"], json!([CONTRACTOR_A]));
        let listed = items(app, "/api/v1/contracts", &w.facilitator);
        assert_eq!(listed[0]["buyer_name"], BUYER);

        let milestones = items(
            app,
            &format!("/api/v1/clauses/{}/milestones", w.clause),
            &w.facilitator,
        );
        assert!(!milestones.is_empty());
        assert!(milestones.iter().all(|m| m["clause_label"] == CLAUSE_LABEL));

        // The timeline names the contractor, the employer and the clause of the placement.
        let t = app.get_ok(
            &format!(
                "/api/v1/participants/{}/timeline",
                list[0]["participant_id"]
            ),
            &w.facilitator,
        );
        let start = t.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "placement_start")
            .expect("a placement start")
            .clone();
        assert_eq!(start["detail"]["contractor_name"], CONTRACTOR_A);
        assert_eq!(start["detail"]["employer_name"], CONTRACTOR_A);
        assert_eq!(start["detail"]["clause_label"], CLAUSE_LABEL);
    }
);

on_both!(
    needs_referrals_and_the_work_list_are_named,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let body = json!({"assignment_id": w.assignment_b, "job_title": "Peintre", "posts": 2,
        "commune_code": "93066", "territory": "93", "starts_on": "2026-12-14", "weekly_hours": 35,
        "modality": "direct_hire", "employer_id": w.contractor_b, "contract_type": "cddi"});
        let need = app.create("/api/v1/needs", &w.facilitator, body, "need");
        let n = app.get_ok(&format!("/api/v1/needs/{need}"), &w.facilitator);
        assert_eq!(n.body["contractor_name"], CONTRACTOR_B);
        assert_eq!(n.body["employer_name"], CONTRACTOR_B);
        assert_eq!(n.body["clause_label"], CLAUSE_LABEL);
        assert_eq!(
            items(app, "/api/v1/needs", &w.facilitator)[0]["contractor_name"],
            CONTRACTOR_B
        );

        let p = participant(app, &w.facilitator, "Léa", "Petit", "1992-02-03");
        eligible(app, &w.facilitator, p, "2026-11-01");
        let referral = propose(app, &w.facilitator, need, p);
        let r = app.get_ok(&format!("/api/v1/referrals/{referral}"), &w.facilitator);
        assert_eq!(r.body["participant_name"], "Léa Petit");
        assert_eq!(r.body["contractor_name"], CONTRACTOR_B);
        let listed = items(app, "/api/v1/referrals", &w.facilitator);
        assert_eq!(listed[0]["participant_name"], "Léa Petit");

        // Eight days on, the proposal waits for B's answer: the work list names both.
        let on = (app.clock.today() + chrono::Duration::days(8)).to_string();
        let l = app.get_ok(&format!("/api/v1/worklist?on={on}"), &w.facilitator);
        let items = l.body["items"].as_array().unwrap();
        let waiting = items
            .iter()
            .find(|i| i["referral_id"] == referral)
            .unwrap_or_else(|| panic!("the proposal in {items:?}"));
        assert_eq!(waiting["participant_name"], "Léa Petit");
        assert_eq!(waiting["contractor_name"], CONTRACTOR_B);
        assert!(items.iter().all(|i| i["contractor_name"] == CONTRACTOR_B));
    }
);

on_both!(a_funder_reads_no_name_of_a_person, |app: &TestApp| {
    let (w, _, awa) = placed(app);
    let entry = fixtures::report_work(app, &w.facilitator, awa, "2026-03", 56.5);
    fixtures::validate(app, &w.facilitator, entry);
    app.cli_user("PLIE", "funder", "funder@plie.test", None, None);
    let funder = app.token("funder@plie.test");
    let r = app.get("/api/v1/reports/annual?year=2026", &funder);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body.get("hours").is_some(), "{}", r.text);
    for name in ["Awa", "Diallo", "participant_name"] {
        assert!(!r.text.contains(name), "{name} in {}", r.text);
    }
    // Nothing else with a name is open to a funder.
    for path in [
        "/api/v1/hours".to_string(),
        "/api/v1/placements".to_string(),
        format!("/api/v1/placements/{awa}"),
        "/api/v1/referrals".to_string(),
        "/api/v1/worklist".to_string(),
        format!("/api/v1/hours/{entry}/history"),
    ] {
        assert_eq!(app.get(&path, &funder).status, 403, "{path}");
    }
});

on_both!(
    hour_history_is_one_shape_in_hours_and_names_who,
    |app: &TestApp| {
        let (w, _, awa) = placed(app);
        let a_user = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        let a_id = app.get_ok("/api/v1/me", &a_user).body["id"].clone();
        let entry = fixtures::report_work(app, &a_user, awa, "2026-03", 56.5);
        fixtures::validate(app, &w.facilitator, entry);
        let r = app.put(
            &format!("/api/v1/placements/{awa}/hours/2026-03"),
            &a_user,
            json!({"work_hours": 60, "amendment_reason": "Heures du 31 oubliées"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);

        let h = app.get_ok(&format!("/api/v1/hours/{entry}/history"), &w.facilitator);
        assert!(!h.text.contains("5650"), "hundredths in {}", h.text);
        let lines = h.body.as_array().unwrap();
        assert_eq!(lines.len(), 3, "{}", h.text);
        for l in lines {
            let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys.len(), 5, "{l}");
            assert!(l["at"].is_string(), "{l}");
        }
        let by = |l: &Value| (l["by"]["id"].clone(), l["by"]["name"].clone());
        let field = |f: &str, before: Value, after: Value| json!({"field": f, "before": before, "after": after});

        assert_eq!(lines[0]["action"], "submit");
        assert_eq!(by(&lines[0]), (a_id.clone(), json!("a@batiment.test")));
        assert!(lines[0]["reason"].is_null());
        assert_eq!(
            lines[0]["changes"],
            json!([
                field("status", Value::Null, json!("submitted")),
                field("training_hours", Value::Null, json!(0)),
                field("work_hours", Value::Null, json!(56.5)),
            ])
        );

        assert_eq!(lines[1]["action"], "validate");
        assert_eq!(
            by(&lines[1]),
            (json!(w.facilitator_id), json!(FACILITATOR_EMAIL))
        );
        assert_eq!(
            lines[1]["changes"],
            json!([
                field("status", json!("submitted"), json!("validated")),
                field("validated_training", Value::Null, json!(0)),
                field("validated_work", Value::Null, json!(56.5)),
            ])
        );

        assert_eq!(lines[2]["action"], "amend");
        assert_eq!(by(&lines[2]), (a_id, json!("a@batiment.test")));
        assert_eq!(lines[2]["reason"], "Heures du 31 oubliées");
        assert_eq!(
            lines[2]["changes"],
            json!([
                field("status", json!("validated"), json!("submitted")),
                field("work_hours", json!(56.5), json!(60)),
            ])
        );
        // The contractor reads the same history of its own entry.
        let own = app.get_ok(&format!("/api/v1/hours/{entry}/history"), &a_user);
        assert_eq!(own.body, h.body);
    }
);

on_both!(eligibility_history_is_the_same_shape, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let p = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    let created = eligible(app, &w.facilitator, p, "2026-01-10");
    let r = app.post(
        &format!("/api/v1/participants/{p}/eligibility"),
        &w.admin,
        json!({"criteria": ["deld"], "proof": "caf_certificate", "validated_on": "2026-07-01",
               "justification": "Renouvellement"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let h = app.get_ok(
        &format!("/api/v1/participants/{p}/eligibility"),
        &w.facilitator,
    );
    let lines = h.body.as_array().unwrap();
    assert_eq!(lines.len(), 2, "{}", h.text);
    let first = &lines[0];
    assert_eq!(first["id"], created["id"]);
    assert_eq!(first["action"], "validate");
    assert_eq!(
        first["by"],
        json!({"id": w.facilitator_id, "name": FACILITATOR_EMAIL})
    );
    assert!(first["reason"].is_null());
    assert!(first["at"].is_string());
    assert_eq!(
        first["changes"],
        json!([
            {"field": "criteria", "before": null, "after": ["rsa", "qpv"]},
            {"field": "proof", "before": null, "after": "caf_certificate"},
            {"field": "validated_on", "before": null, "after": "2026-01-10"},
            {"field": "valid_until", "before": null, "after": "2026-07-09"},
        ])
    );
    // The fields clients read before stay.
    assert_eq!(first["criteria"], json!(["rsa", "qpv"]));
    assert_eq!(first["valid_until"], "2026-07-09");
    let second = &lines[1];
    assert_eq!(second["by"]["name"], "admin@plie.test");
    assert_eq!(second["reason"], "Renouvellement");
    assert_eq!(second["changes"][0]["after"], json!(["deld"]));
    // The answer of the validation itself is its history line.
    assert_eq!(created["action"], "validate");
    assert_eq!(created["by"]["id"], w.facilitator_id);
});
