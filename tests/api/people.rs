//! Participants, eligibility, placements, privacy, audit and anonymisation.

use serde_json::json;

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, eligible, participant, place, AWA};
use crate::on_both;

on_both!(
    duplicates_are_refused_with_the_existing_id,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let id = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
        let r = app.post(
        "/api/v1/participants",
        &w.facilitator,
        json!({"first_name": " awa ", "last_name": "DIALLO", "birth_date": "1990-04-02", "sex": "female", "qualification_level": "none"}),
    );
        assert_eq!(r.status, 409);
        assert_eq!(r.body["existing_id"], id);
        let r = app.post(
        "/api/v1/participants",
        &w.facilitator,
        json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "1990-04-02", "sex": "x", "qualification_level": "9"}),
    );
        assert_eq!(r.status, 422);
        let mut f = r.error_fields();
        f.sort();
        assert_eq!(f, vec!["qualification_level", "sex"]);
    }
);

on_both!(eligibility_rules_and_expiry_boundary, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let p = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    let r = app.post(
        &format!("/api/v1/participants/{p}/eligibility"),
        &w.facilitator,
        json!({"criteria": ["rsa", "astronaut"], "proof": "caf_certificate", "validated_on": "2026-01-15"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.error_fields(), vec!["criteria[1]"]);
    let r = app.post(
        &format!("/api/v1/participants/{p}/eligibility"),
        &w.facilitator,
        json!({"criteria": ["facilitator_opinion"], "proof": "facilitator_interview", "validated_on": "2026-01-15"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.error_fields(), vec!["justification"]);
    let e = eligible(app, &w.facilitator, p, "2026-01-15");
    assert_eq!(e["valid_until"], "2026-07-14");
    // The last valid day is accepted, the day after is refused.
    let ok = app.post(
        "/api/v1/placements",
        &w.facilitator,
        json!({"participant_id": p, "assignment_id": w.assignment_a, "modality": "direct_hire", "employer_id": w.contractor_a,
               "contract_type": "cdd", "job_title": "Peintre", "starts_on": "2026-07-14", "ends_on": "2026-08-14", "weekly_hours": 20}),
    );
    assert_eq!(ok.status, 201, "{}", ok.text);
    let p2 = participant(app, &w.facilitator, "Jean", "Martin", "1970-01-01");
    eligible(app, &w.facilitator, p2, "2026-01-15");
    let late = app.post(
        "/api/v1/placements",
        &w.facilitator,
        json!({"participant_id": p2, "assignment_id": w.assignment_a, "modality": "direct_hire", "employer_id": w.contractor_a,
               "contract_type": "cdd", "job_title": "Peintre", "starts_on": "2026-07-15"}),
    );
    assert_eq!(late.status, 422);
    assert_eq!(late.error_fields(), vec!["starts_on"]);
    // With a derogation recorded by the facilitator it is accepted.
    let derog = app.post(
        "/api/v1/placements",
        &w.facilitator,
        json!({"participant_id": p2, "assignment_id": w.assignment_a, "modality": "direct_hire", "employer_id": w.contractor_a,
               "contract_type": "cdd", "job_title": "Peintre", "starts_on": "2026-07-15", "derogation_reason": "Renouvellement en cours à la CAF"}),
    );
    assert_eq!(derog.status, 201, "{}", derog.text);
    assert_eq!(derog.body["age_band"], "50_plus");
    assert_eq!(derog.body["weekly_hours"], 35);
});

on_both!(overlapping_placements_within_48_hours, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let p = participant(app, &w.facilitator, "Awa", "Diallo", "2003-04-02");
    eligible(app, &w.facilitator, p, "2026-01-10");
    let body = |assignment: i64, hours: i64, starts: &str| {
        json!({"participant_id": p, "assignment_id": assignment, "modality": "insertion_temp_agency", "employer_id": w.contractor_b,
               "contract_type": "temp_mission", "job_title": "Manœuvre", "starts_on": starts, "ends_on": "2026-06-30", "weekly_hours": hours})
    };
    let first = app.post(
        "/api/v1/placements",
        &w.facilitator,
        body(w.assignment_a, 30, "2026-02-01"),
    );
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["age_band"], "under_26");
    let too_much = app.post(
        "/api/v1/placements",
        &w.facilitator,
        body(w.assignment_b, 20, "2026-03-01"),
    );
    assert_eq!(too_much.status, 422);
    assert_eq!(too_much.error_fields(), vec!["weekly_hours"]);
    let fits = app.post(
        "/api/v1/placements",
        &w.facilitator,
        body(w.assignment_b, 18, "2026-03-01"),
    );
    assert_eq!(fits.status, 201, "{}", fits.text);
    // Exit with an outcome from the catalogue.
    let id = first.body["id"].as_i64().unwrap();
    let r = app.post(
        &format!("/api/v1/placements/{id}/exit"),
        &w.facilitator,
        json!({"ended_on": "2026-05-31", "outcome": "rich"}),
    );
    assert_eq!(r.status, 422);
    let r = app.post(
        &format!("/api/v1/placements/{id}/exit"),
        &w.facilitator,
        json!({"ended_on": "2026-05-31", "outcome": "durable_employment"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["outcome"], "durable_employment");
});

on_both!(
    contractors_see_only_their_people_and_never_eligibility,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let pa = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
        let pb = participant(app, &w.facilitator, "Jean", "Martin", "1985-01-01");
        eligible(app, &w.facilitator, pa, "2026-01-10");
        eligible(app, &w.facilitator, pb, "2026-01-10");
        place(
            app,
            &w.facilitator,
            pa,
            w.assignment_a,
            w.contractor_a,
            "2026-02-01",
            Some("2026-06-30"),
        );
        place(
            app,
            &w.facilitator,
            pb,
            w.assignment_b,
            w.contractor_b,
            "2026-02-01",
            Some("2026-06-30"),
        );
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        let b = contractor_user(app, &w.admin, w.contractor_b, "b@pr.test");
        let r = app.get(&format!("/api/v1/participants/{pa}"), &a);
        assert_eq!(r.status, 200);
        assert_eq!(r.body["last_name"], "Diallo");
        assert!(r.body.get("eligibility").is_none(), "{}", r.text);
        assert!(r.body.get("birth_date").is_none());
        assert!(!r.text.contains("rsa"));
        assert_eq!(
            app.get(&format!("/api/v1/participants/{pb}"), &a).status,
            404
        );
        assert_eq!(
            app.get(&format!("/api/v1/participants/{pa}"), &b).status,
            404
        );
        assert_eq!(
            app.get(&format!("/api/v1/participants/{pb}/timeline"), &a)
                .status,
            404
        );
        let list = app.get("/api/v1/participants", &a);
        assert_eq!(list.body["total"], 1);
        assert_eq!(
            app.get(&format!("/api/v1/participants/{pa}/eligibility"), &a)
                .status,
            403
        );
        // Staff see everything, eligibility included.
        let full = app.get(&format!("/api/v1/participants/{pa}"), &w.facilitator);
        assert_eq!(full.body["birth_date"], "1990-04-02");
        assert_eq!(
            full.body["eligibility"]["status"], "expired",
            "validated in January"
        );
        let history = app.get(
            &format!("/api/v1/participants/{pa}/eligibility"),
            &w.facilitator,
        );
        assert_eq!(history.body[0]["criteria"], json!(["rsa", "qpv"]));
    }
);

on_both!(
    funders_get_403_on_every_participant_route,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let p = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
        let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
        for path in [
            "/api/v1/participants".to_string(),
            format!("/api/v1/participants/{p}"),
            format!("/api/v1/participants/{p}/timeline"),
            format!("/api/v1/participants/{p}/eligibility"),
            "/api/v1/placements".to_string(),
            format!("/api/v1/audit?participant_id={p}"),
        ] {
            assert_eq!(app.get(&path, &funder).status, 403, "{path}");
        }
        assert_eq!(
            app.post("/api/v1/participants", &funder, json!({})).status,
            403
        );
        assert_eq!(
            app.post("/api/v1/placements", &funder, json!({})).status,
            403
        );
    }
);

on_both!(audit_log_records_reads_and_changes, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let p = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    app.get(&format!("/api/v1/participants/{p}"), &w.facilitator);
    eligible(app, &w.facilitator, p, "2026-01-10");
    let r = app.get(&format!("/api/v1/audit?participant_id={p}"), &w.admin);
    assert_eq!(r.status, 200);
    let actions: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert!(actions.contains(&"create".to_string()), "{actions:?}");
    assert!(actions.contains(&"read".to_string()), "{actions:?}");
    assert!(actions.contains(&"update".to_string()), "{actions:?}");
    // Each line in the one history shape, by the facilitator, named.
    for e in r.body["items"].as_array().unwrap() {
        assert_eq!(e["by"]["id"], w.facilitator_id, "{e}");
        assert_eq!(e["by"]["name"], "fac@plie.test", "{e}");
        assert!(e["reason"].is_null() && e["changes"].is_array(), "{e}");
        assert!(e["at"].is_string(), "{e}");
    }
    assert!(
        !r.text.contains("Diallo"),
        "the audit log holds no personal data"
    );
    assert_eq!(
        app.get(&format!("/api/v1/audit?participant_id={p}"), &w.facilitator)
            .status,
        403
    );
});

on_both!(
    timeline_orders_events_and_names_next_action,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let february_to_april = ("2026-02-01", Some("2026-04-30"));
        let (p, pl) = fixtures::person_placed_with_a(app, &w, AWA, "2026-01-10", february_to_april);
        let r = app.put(
            &format!("/api/v1/placements/{pl}/hours/2026-02"),
            &w.facilitator,
            json!({"work_hours": 140}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let t = app.get(
            &format!("/api/v1/participants/{p}/timeline"),
            &w.facilitator,
        );
        assert_eq!(t.status, 200, "{}", t.text);
        let events = t.body["events"].as_array().unwrap();
        let dates: Vec<&str> = events.iter().map(|e| e["date"].as_str().unwrap()).collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted);
        let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert!(
            kinds.contains(&"eligibility")
                && kinds.contains(&"placement_start")
                && kinds.contains(&"hours"),
            "{kinds:?}"
        );
        // March was never reported: the contractor owes it since 10 April.
        let next = &t.body["next_action"];
        assert_eq!(next["since"], "2026-04-10", "{}", t.text);
        assert_eq!(next["owed_by"]["kind"], "contractor");
        assert!(
            next["what"].as_str().unwrap().contains("Bâtiment Durable"),
            "{}",
            t.text
        );
        // The contractor's timeline shows no eligibility.
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        let t = app.get(&format!("/api/v1/participants/{p}/timeline"), &a);
        assert_eq!(t.status, 200);
        assert!(t.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"] != "eligibility"));
    }
);
