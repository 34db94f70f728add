//! Contractors see only their own work: no eligibility information, no other organisation's
//! figures, targets or clauses, no person they declined, no employer but themselves, and a
//! taken email that names no structure.

use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, eligible, participant, World};
use crate::on_both;

/// A placement of `person` on `assignment` employed by `employer`, 20 h a week.
fn place_20h(
    app: &TestApp,
    w: &World,
    person: i64,
    assignment: i64,
    employer: i64,
    starts: &str,
    ends: &str,
) -> i64 {
    let r = app.post(
        "/api/v1/placements",
        &w.facilitator,
        json!({"participant_id": person, "assignment_id": assignment, "modality": "direct_hire",
               "employer_id": employer, "contract_type": "cddi", "job_title": "Peintre en bâtiment",
               "starts_on": starts, "ends_on": ends, "weekly_hours": 20}),
    );
    assert_eq!(r.status, 201, "placement: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn need_body(assignment: i64, employer: i64) -> Value {
    json!({"assignment_id": assignment, "job_title": "Peintre en bâtiment", "rome_code": "F1606",
           "posts": 2, "commune_code": "93066", "territory": "93", "starts_on": "2026-12-14",
           "weekly_hours": 35, "duration_months": 6, "modality": "direct_hire",
           "employer_id": employer, "contract_type": "cddi"})
}

/// A need of contractor A recorded by the facilitator, and a person eligible on its start
/// proposed to it; returns (need, person, referral).
fn proposed_to_a(app: &TestApp, w: &World) -> (i64, i64, i64) {
    let r = app.post(
        "/api/v1/needs",
        &w.facilitator,
        need_body(w.assignment_a, w.contractor_a),
    );
    assert_eq!(r.status, 201, "need: {}", r.text);
    let need = r.body["id"].as_i64().unwrap();
    let person = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    eligible(app, &w.facilitator, person, "2026-11-01");
    let r = app.post(
        "/api/v1/referrals",
        &w.facilitator,
        json!({"need_id": need, "participant_id": person}),
    );
    assert_eq!(r.status, 201, "referral: {}", r.text);
    (need, person, r.body["id"].as_i64().unwrap())
}

fn has_key(v: &Value, key: &str) -> bool {
    v.as_object().is_some_and(|o| o.contains_key(key))
}

on_both!(
    contractors_never_read_the_derogation_reason,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        // No eligibility: the facilitator places the person on a derogation.
        let person = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
        let reason = "Bénéficiaire du RSA, attestation CAF attendue";
        let r = app.post(
            "/api/v1/placements",
            &w.facilitator,
            json!({"participant_id": person, "assignment_id": w.assignment_a, "modality": "direct_hire",
                   "employer_id": w.contractor_a, "contract_type": "cddi", "job_title": "Peintre",
                   "starts_on": "2026-02-01", "ends_on": "2026-06-30", "derogation_reason": reason}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let pl = r.body["id"].as_i64().unwrap();
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");

        let one = app.get(&format!("/api/v1/placements/{pl}"), &a);
        assert_eq!(one.status, 200, "{}", one.text);
        assert!(!has_key(&one.body, "derogation_reason"), "{}", one.text);
        let list = app.get("/api/v1/placements", &a);
        assert_eq!(list.body["total"], 1, "{}", list.text);
        assert!(
            !has_key(&list.body["items"][0], "derogation_reason"),
            "{}",
            list.text
        );
        let person_view = app.get(&format!("/api/v1/participants/{person}"), &a);
        assert_eq!(person_view.status, 200, "{}", person_view.text);
        assert_eq!(person_view.body["placements"][0]["id"], pl);
        assert!(!person_view.text.contains(reason), "{}", person_view.text);
        assert!(!has_key(
            &person_view.body["placements"][0],
            "derogation_reason"
        ));
        let timeline = app.get(&format!("/api/v1/participants/{person}/timeline"), &a);
        assert_eq!(timeline.status, 200, "{}", timeline.text);
        assert!(!timeline.text.contains(reason), "{}", timeline.text);

        // Staff keep it.
        let staff = app.get(&format!("/api/v1/placements/{pl}"), &w.facilitator);
        assert_eq!(staff.body["derogation_reason"], reason);
        let staff = app.get(&format!("/api/v1/participants/{person}"), &w.facilitator);
        assert_eq!(staff.status, 200);
    }
);

on_both!(
    a_contractor_names_only_itself_as_employer,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let (_, person, referral) = proposed_to_a(app, &w);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        let b = contractor_user(app, &w.admin, w.contractor_b, "b@peintures.test");

        // A hire naming another organisation as employer is refused, naming the rule.
        let r = app.post(
            &format!("/api/v1/referrals/{referral}/answer"),
            &a,
            json!({"state": "hired", "placement": {"employer_id": w.contractor_b}}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "placement.employer_id");
        assert_eq!(r.body["errors"][0]["code"], "employer_not_own");
        // So is a need of its own naming another employer.
        let r = app.post(
            "/api/v1/needs",
            &a,
            need_body(w.assignment_a, w.contractor_b),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "employer_id");
        assert_eq!(r.body["errors"][0]["code"], "employer_not_own");
        // B never got to read the person.
        assert_eq!(
            app.get(&format!("/api/v1/participants/{person}"), &b)
                .status,
            404
        );

        // Naming itself, or nothing (the need's employer), is fine.
        let r = app.post(
            "/api/v1/needs",
            &a,
            need_body(w.assignment_a, w.contractor_a),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let r = app.post(
            &format!("/api/v1/referrals/{referral}/answer"),
            &a,
            json!({"state": "hired", "placement": {"employer_id": w.contractor_a}}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["employer_id"], w.contractor_a);
        assert_eq!(
            app.get(&format!("/api/v1/participants/{person}"), &b)
                .status,
            404
        );
    }
);

on_both!(
    the_monthly_cap_refusal_shows_no_other_organisation_figure,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let person = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
        eligible(app, &w.facilitator, person, "2026-01-10");
        let pa = place_20h(
            app,
            &w,
            person,
            w.assignment_a,
            w.contractor_a,
            "2026-02-01",
            "2026-06-30",
        );
        let pb = place_20h(
            app,
            &w,
            person,
            w.assignment_b,
            w.contractor_b,
            "2026-03-01",
            "2026-04-30",
        );
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        let b = contractor_user(app, &w.admin, w.contractor_b, "b@peintures.test");
        fixtures::report_work(app, &a, pa, "2026-03", 150.25);

        let r = app.put(
            &format!("/api/v1/placements/{pb}/hours/2026-03"),
            &b,
            json!({"work_hours": 100}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "work_hours");
        // Neither A's figure nor the month's total (from which it follows).
        for figure in ["150", "250"] {
            assert!(!r.text.contains(figure), "{figure} in {}", r.text);
        }
        assert!(r.text.contains("208 h"), "{}", r.text);
        // The same through an import.
        let csv = format!("placement_id,month,work_hours,training_hours\n{pb},2026-03,100,0\n");
        let r = app.import_hours_csv(&b, csv);
        assert_eq!(r.status, 422, "{}", r.text);
        for figure in ["150", "250"] {
            assert!(!r.text.contains(figure), "{figure} in {}", r.text);
        }

        // Staff keep the detail.
        let r = app.put(
            &format!("/api/v1/placements/{pb}/hours/2026-03"),
            &w.facilitator,
            json!({"work_hours": 100}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("150,25"), "{}", r.text);
    }
);

on_both!(
    a_contractor_no_longer_sees_whom_it_declined,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let (_, person, referral) = proposed_to_a(app, &w);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        assert_eq!(
            app.get(&format!("/api/v1/participants/{person}"), &a)
                .status,
            200
        );
        let r = app.post(
            &format!("/api/v1/referrals/{referral}/answer"),
            &a,
            json!({"state": "declined", "reason": "candidate_declined"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(!r.text.contains("Diallo"), "{}", r.text);

        // The proposal stays, with its state and dates, without the person.
        let one = app.get(&format!("/api/v1/referrals/{referral}"), &a);
        assert_eq!(one.status, 200, "{}", one.text);
        assert_eq!(one.body["state"], "declined");
        assert!(one.body["updated_at"].is_string(), "{}", one.text);
        assert!(one.body["participant"].is_null(), "{}", one.text);
        assert!(
            !one.text.contains("Diallo") && !one.text.contains("Awa"),
            "{}",
            one.text
        );
        let list = app.get("/api/v1/referrals", &a);
        assert_eq!(list.body["total"], 1, "{}", list.text);
        assert_eq!(list.body["items"][0]["state"], "declined");
        assert!(!list.text.contains("Diallo"), "{}", list.text);
        // The person is out of its reach.
        assert_eq!(
            app.get(&format!("/api/v1/participants/{person}"), &a)
                .status,
            404
        );
        assert_eq!(
            app.get(&format!("/api/v1/participants/{person}/timeline"), &a)
                .status,
            404
        );
        let people = app.get("/api/v1/participants", &a);
        assert_eq!(people.body["total"], 0, "{}", people.text);

        // Staff still see who it was.
        let staff = app.get(&format!("/api/v1/referrals/{referral}"), &w.facilitator);
        assert_eq!(staff.body["participant"]["last_name"], "Diallo");
    }
);

on_both!(
    a_contractor_still_sees_a_declined_person_placed_with_it,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let (_, person, referral) = proposed_to_a(app, &w);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        place_20h(
            app,
            &w,
            person,
            w.assignment_a,
            w.contractor_a,
            "2026-11-02",
            "2026-12-31",
        );
        let r = app.post(
            &format!("/api/v1/referrals/{referral}/answer"),
            &a,
            json!({"state": "declined", "reason": "candidate_declined"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let p = app.get(&format!("/api/v1/participants/{person}"), &a);
        assert_eq!(p.status, 200, "{}", p.text);
        assert_eq!(p.body["last_name"], "Diallo");
    }
);

on_both!(
    a_co_contractor_reads_its_own_assignment_only,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let b = contractor_user(app, &w.admin, w.contractor_b, "b@peintures.test");
        for path in [
            format!("/api/v1/clauses/{}", w.clause),
            "/api/v1/clauses".to_string(),
        ] {
            let r = app.get(&path, &b);
            assert_eq!(r.status, 200, "{}", r.text);
            let clause = if r.body["items"].is_array() {
                r.body["items"][0].clone()
            } else {
                r.body.clone()
            };
            let assignments = clause["assignments"].as_array().unwrap();
            assert_eq!(assignments.len(), 1, "{}", r.text);
            assert_eq!(assignments[0]["contractor_id"], w.contractor_b);
            assert_eq!(assignments[0]["hours_target"], 333);
            // Nothing from which A's target follows.
            assert!(!has_key(&clause, "assigned_hours"), "{}", r.text);
            assert!(!has_key(&clause, "unassigned_hours"), "{}", r.text);
            assert!(!r.text.contains("500"), "{}", r.text);
        }
        // Staff see the whole split.
        let r = app.get(&format!("/api/v1/clauses/{}", w.clause), &w.facilitator);
        assert_eq!(r.body["assignments"].as_array().unwrap().len(), 2);
        assert_eq!(r.body["assigned_hours"], 833);
        assert_eq!(r.body["unassigned_hours"], 0);
    }
);

on_both!(
    a_holder_without_assignment_does_not_see_the_clause,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        // A second clause of A's contract, whose hours are all B's.
        let other = fixtures::clause(app, &w.admin, w.contract, "2026-01-01", "2026-12-31", None);
        fixtures::activate(app, &w.admin, other);
        fixtures::assign(app, &w.admin, other, w.contractor_b, "subcontractor", 833);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        for path in [
            format!("/api/v1/clauses/{other}"),
            format!("/api/v1/clauses/{other}/progress"),
            format!("/api/v1/clauses/{other}/milestones"),
        ] {
            let r = app.get(&path, &a);
            assert_eq!(r.status, 404, "{path}: {}", r.text);
        }
        // Its own clause, and B on the other one, still answer.
        assert_eq!(
            app.get(&format!("/api/v1/clauses/{}", w.clause), &a).status,
            200
        );
        let b = contractor_user(app, &w.admin, w.contractor_b, "b@peintures.test");
        for path in [
            format!("/api/v1/clauses/{other}"),
            format!("/api/v1/clauses/{other}/progress"),
            format!("/api/v1/clauses/{other}/milestones"),
        ] {
            assert_eq!(app.get(&path, &b).status, 200, "{path}");
        }
    }
);

on_both!(a_taken_email_names_no_structure, |app: &TestApp| {
    let plie = app.structure_admin("PLIE Nord");
    let other = app.structure_admin("Maison de l'emploi Sud");
    let body = json!({"email": "Claire@Example.test", "password": crate::common::PASSWORD,
                          "role": "facilitator"});
    assert_eq!(app.post("/api/v1/users", &plie, body.clone()).status, 201);
    let elsewhere = app.post("/api/v1/users", &other, body.clone());
    let here = app.post("/api/v1/users", &plie, body);
    for r in [&elsewhere, &here] {
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "email");
        assert_eq!(r.body["errors"][0]["code"], "email_taken");
        assert!(
            !r.text.contains("PLIE") && !r.text.contains("Nord"),
            "{}",
            r.text
        );
    }
    // Whether the account is in the caller's structure or another, the same answer.
    assert_eq!(elsewhere.body, here.body);
});
