//! Recruitment needs, pool matching, referrals and their answers, the work list and the
//! referral figures.

use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, eligible, propose, World};
use crate::on_both;

/// Start of the needs below; the world's clause runs through 2026.
const STARTS: &str = "2026-12-14";

/// A person of the pool: wishes `rome`, reaches 93, available from 1 December, with the
/// given licences.
fn pool_person(app: &TestApp, token: &str, first: &str, last: &str, extra: Value) -> i64 {
    let mut body = json!({"first_name": first, "last_name": last, "birth_date": "1990-04-02",
        "sex": "female", "postal_code": "93200", "qpv": true, "qualification_level": "3",
        "looking_for_work": true, "wished_rome_codes": ["F1606"], "reachable_departements": ["93"],
        "available_from": "2026-12-01", "licences": ["B"]});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let r = app.post("/api/v1/participants", token, body);
    assert_eq!(r.status, 201, "participant: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn need_body(assignment: i64, employer: i64, posts: i64) -> Value {
    json!({"assignment_id": assignment, "job_title": "Peintre en bâtiment", "rome_code": "f1606",
           "posts": posts, "commune_code": "93066", "territory": "93", "starts_on": STARTS,
           "weekly_hours": 35, "duration_months": 6, "licences": ["b"], "modality": "direct_hire",
           "employer_id": employer, "contract_type": "cddi"})
}

fn need(app: &TestApp, token: &str, assignment: i64, employer: i64, posts: i64) -> i64 {
    let r = app.post(
        "/api/v1/needs",
        token,
        need_body(assignment, employer, posts),
    );
    assert_eq!(r.status, 201, "need: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// Two people of the pool eligible on the start date, one whose eligibility ends before it.
fn three_people(app: &TestApp, w: &World) -> (i64, i64, i64) {
    let ideal = pool_person(app, &w.facilitator, "Awa", "Diallo", json!({}));
    let partial = pool_person(
        app,
        &w.facilitator,
        "Jean",
        "Martin",
        json!({"wished_rome_codes": ["K2204"], "licences": []}),
    );
    let expiring = pool_person(app, &w.facilitator, "Léa", "Petit", json!({}));
    eligible(app, &w.facilitator, ideal, "2026-11-01");
    eligible(app, &w.facilitator, partial, "2026-10-15");
    // Valid through 30 November, before the start on 14 December.
    eligible(app, &w.facilitator, expiring, "2026-06-01");
    (ideal, partial, expiring)
}

on_both!(
    matching_ranks_the_pool_and_leaves_out_expiring_eligibility,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let (ideal, partial, expiring) = three_people(app, &w);
        // Not looking for work: never in the pool.
        let busy = pool_person(
            app,
            &w.facilitator,
            "Marc",
            "Leroy",
            json!({"looking_for_work": false}),
        );
        eligible(app, &w.facilitator, busy, "2026-11-01");
        let n = need(app, &w.facilitator, w.assignment_a, w.contractor_a, 1);
        let got = app.get(&format!("/api/v1/needs/{n}"), &w.facilitator);
        assert_eq!(got.status, 200, "{}", got.text);
        assert_eq!(got.body["rome_code"], "F1606");
        assert_eq!(got.body["licences"], json!(["B"]));
        assert_eq!(got.body["status"], "open");
        assert_eq!(got.body["contractor_id"], w.contractor_a);

        let m = app.get(&format!("/api/v1/needs/{n}/matches"), &w.facilitator);
        assert_eq!(m.status, 200, "{}", m.text);
        assert_eq!(m.body["total"], 2, "{}", m.text);
        let items = m.body["items"].as_array().unwrap();
        assert_eq!(items[0]["participant_id"], ideal);
        assert_eq!(items[0]["score"], 7);
        assert_eq!(
            items[0]["reasons"],
            json!(["job", "place", "available", "licences"])
        );
        assert_eq!(items[1]["participant_id"], partial);
        assert_eq!(items[1]["score"], 3);
        assert_eq!(items[1]["reasons"], json!(["place", "available"]));
        assert!(items.iter().all(|i| i["participant_id"] != expiring));
        assert!(items[0]["referral"].is_null());

        // Proposing the person whose eligibility ends before the start: 422.
        let r = app.post(
            "/api/v1/referrals",
            &w.facilitator,
            json!({"need_id": n, "participant_id": expiring}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.error_fields(), vec!["participant_id"]);
        let id = propose(app, &w.facilitator, n, ideal);
        // The same person twice to one need: 409.
        let r = app.post(
            "/api/v1/referrals",
            &w.facilitator,
            json!({"need_id": n, "participant_id": ideal}),
        );
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(r.body["existing_id"], id);
        let m = app.get(&format!("/api/v1/needs/{n}/matches"), &w.facilitator);
        assert_eq!(m.body["items"][0]["referral"]["id"], id);
        assert_eq!(m.body["items"][0]["referral"]["state"], "proposed");
        let got = app.get(&format!("/api/v1/needs/{n}"), &w.facilitator);
        assert_eq!(
            (got.body["proposals"].as_i64(), got.body["pending"].as_i64()),
            (Some(1), Some(1))
        );

        // Bad needs: every broken field named, nothing stored.
        let mut bad = need_body(w.assignment_a, w.contractor_a, 0);
        bad["commune_code"] = json!("75056");
        bad["licences"] = json!(["CACES R482"]);
        bad["rome_code"] = json!("painter");
        bad["modality"] = json!("magic");
        let r = app.post("/api/v1/needs", &w.facilitator, bad);
        assert_eq!(r.status, 422, "{}", r.text);
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(
            fields,
            vec![
                "commune_code",
                "licences[0]",
                "modality",
                "posts",
                "rome_code"
            ]
        );
        let mut late = need_body(w.assignment_a, w.contractor_a, 1);
        late["starts_on"] = json!("2027-02-01");
        let r = app.post("/api/v1/needs", &w.facilitator, late);
        assert_eq!(r.status, 422);
        assert_eq!(r.error_fields(), vec!["starts_on"]);
        assert_eq!(app.get("/api/v1/needs", &w.facilitator).body["total"], 1);
    }
);

on_both!(
    contractors_see_only_proposals_to_their_needs_never_criteria,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let (ideal, partial, _) = three_people(app, &w);
        let need_a = need(app, &w.facilitator, w.assignment_a, w.contractor_a, 1);
        let need_b = need(app, &w.facilitator, w.assignment_b, w.contractor_b, 1);
        let ref_a = propose(app, &w.facilitator, need_a, ideal);
        let ref_b = propose(app, &w.facilitator, need_b, partial);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");

        let list = app.get("/api/v1/referrals", &a);
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(list.body["total"], 1);
        assert_eq!(list.body["items"][0]["id"], ref_a);
        let one = app.get(&format!("/api/v1/referrals/{ref_a}"), &a);
        assert_eq!(one.status, 200, "{}", one.text);
        let person = &one.body["participant"];
        assert_eq!(person["last_name"], "Diallo");
        assert_eq!(person["wished_rome_codes"], json!(["F1606"]));
        assert_eq!(person["available_from"], "2026-12-01");
        let keys: Vec<&String> = person.as_object().unwrap().keys().collect();
        assert_eq!(
            keys.len(),
            5,
            "only id, names, wished jobs, availability: {keys:?}"
        );
        for hidden in ["rsa", "criteria", "eligibility", "birth_date", "1990-04-02"] {
            assert!(!one.text.contains(hidden), "{hidden} leaked: {}", one.text);
        }
        assert_eq!(
            app.get(&format!("/api/v1/referrals/{ref_b}"), &a).status,
            404
        );
        assert_eq!(
            app.get(&format!("/api/v1/referrals?need_id={need_b}"), &a)
                .body["total"],
            0
        );
        let r = app.post(
            &format!("/api/v1/referrals/{ref_b}/answer"),
            &a,
            json!({"state": "interview"}),
        );
        assert_eq!(r.status, 404);
        // Its own needs only; no pool, no proposing.
        assert_eq!(app.get("/api/v1/needs", &a).body["total"], 1);
        assert_eq!(app.get(&format!("/api/v1/needs/{need_b}"), &a).status, 404);
        assert_eq!(app.get(&format!("/api/v1/needs/{need_a}"), &a).status, 200);
        assert_eq!(
            app.get(&format!("/api/v1/needs/{need_a}/matches"), &a)
                .status,
            403
        );
        assert_eq!(
            app.post(
                "/api/v1/referrals",
                &a,
                json!({"need_id": need_a, "participant_id": partial})
            )
            .status,
            403
        );
        assert_eq!(app.get("/api/v1/worklist", &a).status, 403);
        // It records needs for its own assignments, not for another's.
        let r = app.post(
            "/api/v1/needs",
            &a,
            need_body(w.assignment_a, w.contractor_a, 2),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let r = app.post(
            "/api/v1/needs",
            &a,
            need_body(w.assignment_b, w.contractor_a, 2),
        );
        assert_eq!(r.status, 422);
        assert_eq!(r.error_fields(), vec!["assignment_id"]);

        // The participant routes show a proposed person with the same fields only.
        let p = app.get(&format!("/api/v1/participants/{ideal}"), &a);
        assert_eq!(p.status, 200, "{}", p.text);
        assert_eq!(p.body["wished_rome_codes"], json!(["F1606"]));
        assert_eq!(p.body["available_from"], "2026-12-01");
        assert!(p.body.get("eligibility").is_none() && p.body.get("birth_date").is_none());
        assert!(p.body.get("licences").is_none() && p.body.get("qpv").is_none());
        assert_eq!(
            app.get(&format!("/api/v1/participants/{partial}"), &a)
                .status,
            404
        );
        let people = app.get("/api/v1/participants", &a);
        assert_eq!(people.body["total"], 1);
        // Its timeline shows the proposal and that the contractor owes the answer.
        let t = app.get(&format!("/api/v1/participants/{ideal}/timeline"), &a);
        assert_eq!(t.status, 200, "{}", t.text);
        assert!(t.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "referral" && e["detail"]["state"] == "proposed"));
        assert_eq!(t.body["next_action"]["code"], "referral_answer");
        assert_eq!(t.body["next_action"]["owed_by"]["kind"], "contractor");
    }
);

on_both!(
    a_hire_creates_one_placement_and_a_full_need_refuses_more,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let (ideal, partial, _) = three_people(app, &w);
        let n = need(app, &w.facilitator, w.assignment_a, w.contractor_a, 1);
        let r1 = propose(app, &w.facilitator, n, ideal);
        let r2 = propose(app, &w.facilitator, n, partial);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        let answer =
            |id: i64, body: Value| app.post(&format!("/api/v1/referrals/{id}/answer"), &a, body);

        let r = answer(r1, json!({"state": "interview", "comment": "Mardi 10 h"}));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["state"], "interview");
        // A decline needs a reason from the list, `other` a comment.
        let r = answer(r2, json!({"state": "declined"}));
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.error_fields(), vec!["reason"]);
        let r = answer(r2, json!({"state": "declined", "reason": "other"}));
        assert_eq!(r.status, 422);
        assert_eq!(r.error_fields(), vec!["comment"]);
        let r = answer(r2, json!({"state": "declined", "reason": "bored"}));
        assert_eq!(r.status, 422);
        assert_eq!(r.error_fields(), vec!["reason"]);
        let r = answer(r2, json!({"state": "maybe"}));
        assert_eq!(r.status, 422);
        assert_eq!(r.error_fields(), vec!["state"]);
        // A contractor cannot record a derogation.
        let r = answer(
            r1,
            json!({"state": "hired", "placement": {"derogation_reason": "urgent"}}),
        );
        assert_eq!(r.status, 422);
        assert_eq!(r.error_fields(), vec!["placement.derogation_reason"]);
        // A hire the placement rules refuse changes nothing.
        let r = answer(
            r1,
            json!({"state": "hired", "placement": {"starts_on": "2027-06-01"}}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.error_fields(), vec!["placement.starts_on"]);
        assert_eq!(
            app.get(&format!("/api/v1/referrals/{r1}"), &a).body["state"],
            "interview"
        );
        let placements = format!("/api/v1/placements?assignment_id={}", w.assignment_a);
        assert_eq!(app.get(&placements, &w.facilitator).body["total"], 0);

        // The hire: need defaults, one override, one step.
        let r = answer(
            r1,
            json!({"state": "hired", "placement": {"weekly_hours": 30}}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let placement = r.body["id"].as_i64().unwrap();
        assert_eq!(r.body["participant_id"], ideal);
        assert_eq!(r.body["assignment_id"], w.assignment_a);
        assert_eq!(r.body["weekly_hours"], 30);
        assert_eq!(r.body["starts_on"], STARTS);
        assert_eq!(r.body["ends_on"], "2027-06-13");
        assert_eq!(r.body["contract_type"], "cddi");
        assert_eq!(r.body["modality"], "direct_hire");
        assert_eq!(r.body["job_title"], "Peintre en bâtiment");
        let all = app.get(&placements, &w.facilitator);
        assert_eq!(all.body["total"], 1);
        assert_eq!(all.body["items"][0]["id"], placement);
        let got = app.get(&format!("/api/v1/needs/{n}"), &w.facilitator);
        assert_eq!(got.body["status"], "filled");
        assert_eq!(got.body["hires"], 1);
        let one = app.get(&format!("/api/v1/referrals/{r1}"), &w.facilitator);
        assert_eq!(one.body["state"], "hired");
        assert_eq!(one.body["placement_id"], placement);
        // The events in the one history shape: the proposal, then each answer changing
        // `state` (the hire also `placement_id`), the answer's comment as the reason.
        let events = one.body["events"].as_array().unwrap();
        let actions: Vec<&str> = events
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, vec!["create", "answer", "answer"]);
        let state_changes: Vec<(Value, Value)> = events
            .iter()
            .map(|e| {
                let c = e["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["field"] == "state")
                    .unwrap();
                (c["before"].clone(), c["after"].clone())
            })
            .collect();
        assert_eq!(
            state_changes,
            vec![
                (Value::Null, json!("proposed")),
                (json!("proposed"), json!("interview")),
                (json!("interview"), json!("hired")),
            ]
        );
        assert_eq!(
            events[2]["changes"][0],
            json!({"field": "placement_id", "before": null, "after": placement})
        );
        assert!(events
            .iter()
            .all(|e| e["by"]["id"].is_i64() && e["by"]["name"].is_string() && e["at"].is_string()));
        assert_eq!(events[1]["reason"], "Mardi 10 h");
        assert_eq!(events[0]["reason"], Value::Null);
        assert_eq!(events[0]["by"]["id"], w.facilitator_id);
        assert_ne!(events[1]["by"]["id"], w.facilitator_id);
        assert!(events
            .iter()
            .all(|e| e.get("user_id").is_none() && e.get("state").is_none()));

        // A second hire on the full need: 409, nothing created.
        let r = answer(r2, json!({"state": "hired"}));
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(app.get(&placements, &w.facilitator).body["total"], 1);
        // A final answer takes no other; the full need takes no proposal.
        assert_eq!(
            answer(r1, json!({"state": "declined", "reason": "no_show"})).status,
            409
        );
        let third = pool_person(app, &w.facilitator, "Zoé", "Bernard", json!({}));
        eligible(app, &w.facilitator, third, "2026-11-02");
        let r = app.post(
            "/api/v1/referrals",
            &w.facilitator,
            json!({"need_id": n, "participant_id": third}),
        );
        assert_eq!(r.status, 409);
        // The other proposal is declined with a reason, by the facilitator on the phone.
        let r = app.post(
            &format!("/api/v1/referrals/{r2}/answer"),
            &w.facilitator,
            json!({"state": "declined", "reason": "post_filled"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["reason"], "post_filled");
        let declined = app.get(&format!("/api/v1/referrals?need_id={n}&state=declined"), &a);
        assert_eq!(declined.body["total"], 1);
        assert_eq!(app.get("/api/v1/referrals?state=lost", &a).status, 422);
    }
);

on_both!(
    worklist_names_who_owes_what_and_figures_count_hires,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let (ideal, partial, _) = three_people(app, &w);
        let two_posts = need(app, &w.facilitator, w.assignment_a, w.contractor_a, 2);
        let one_post = need(app, &w.facilitator, w.assignment_b, w.contractor_b, 1);
        let waiting = propose(app, &w.facilitator, two_posts, ideal);
        let hired = propose(app, &w.facilitator, one_post, partial);
        let r = app.post(
            &format!("/api/v1/referrals/{hired}/answer"),
            &w.facilitator,
            json!({"state": "hired"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let today = app.clock.today();
        let on = |days: i64| (today + chrono::Duration::days(days)).to_string();

        // Today: only the two-post need, short of one proposal, owed by the facilitator.
        let l = app.get("/api/v1/worklist", &w.facilitator);
        assert_eq!(l.status, 200, "{}", l.text);
        assert_eq!(l.body["wait_days"], 7);
        assert_eq!(l.body["total"], 1, "{}", l.text);
        let item = &l.body["items"][0];
        assert_eq!(item["code"], "proposals_needed");
        assert_eq!(item["need_id"], two_posts);
        assert_eq!(item["owed_by"]["kind"], "facilitator");
        assert_eq!(item["since"], today.to_string());
        assert!(item["what"]
            .as_str()
            .unwrap()
            .starts_with("candidatures à proposer"));
        // Seven days later the proposal has waited 7 days: not yet; the eighth, it is late.
        let l = app.get(&format!("/api/v1/worklist?on={}", on(7)), &w.facilitator);
        assert_eq!(l.body["total"], 1);
        let l = app.get(&format!("/api/v1/worklist?on={}", on(8)), &w.facilitator);
        assert_eq!(l.body["total"], 2, "{}", l.text);
        let late = l.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "referral_answer")
            .unwrap()
            .clone();
        assert_eq!(late["referral_id"], waiting);
        assert_eq!(late["owed_by"]["kind"], "contractor");
        assert_eq!(late["owed_by"]["organisation_id"], w.contractor_a);
        assert_eq!(late["owed_by"]["name"], "Bâtiment Durable");
        assert_eq!(late["since"], today.to_string());
        assert_eq!(late["days"], 8);
        assert_eq!(late["participant"]["last_name"], "Diallo");
        assert!(late["what"].as_str().unwrap().contains("Bâtiment Durable"));
        // The wait is configurable per request too.
        let l = app.get(
            &format!("/api/v1/worklist?on={}&wait_days=14", on(8)),
            &w.facilitator,
        );
        assert_eq!(l.body["total"], 1);
        assert_eq!(
            app.get("/api/v1/worklist?on=soon", &w.facilitator).status,
            422
        );

        // Figures of the year: 2 needs (3 posts), 2 proposals, 1 hire, 50 %.
        let year = today.format("%Y").to_string();
        let f = app.get(
            &format!("/api/v1/reports/referrals?year={year}"),
            &w.facilitator,
        );
        assert_eq!(f.status, 200, "{}", f.text);
        assert_eq!(f.body["needs"], 2);
        assert_eq!(f.body["posts"], 3);
        assert_eq!(f.body["proposals"], 2);
        assert_eq!(f.body["hires"], 1);
        assert_eq!(f.body["hire_rate"], 50.0);
        assert_eq!(f.body["declines"]["no_show"], 0);
        let by_contractor = f.body["by_contractor"].as_array().unwrap();
        assert_eq!(by_contractor.len(), 2);
        let b = by_contractor
            .iter()
            .find(|c| c["contractor_id"] == w.contractor_b)
            .unwrap();
        assert_eq!(
            (b["proposals"].as_i64(), b["hires"].as_i64()),
            (Some(1), Some(1))
        );
        assert_eq!(b["hire_rate"], 100.0);
        assert_eq!(b["name"], "Peintures Réunies");
        let by_job = f.body["by_job"].as_array().unwrap();
        assert_eq!(by_job.len(), 1);
        assert_eq!(by_job[0]["rome_code"], "F1606");
        assert_eq!(by_job[0]["needs"], 2);
        let empty = app.get("/api/v1/reports/referrals?year=2020", &w.facilitator);
        assert_eq!(
            (
                empty.body["proposals"].as_i64(),
                empty.body["hire_rate"].is_null()
            ),
            (Some(0), true)
        );
        assert_eq!(
            app.get("/api/v1/reports/referrals?year=1900", &w.facilitator)
                .status,
            422
        );
    }
);

on_both!(funders_reach_none_of_these_routes, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let (ideal, _, _) = three_people(app, &w);
    let n = need(app, &w.facilitator, w.assignment_a, w.contractor_a, 1);
    let r = propose(app, &w.facilitator, n, ideal);
    let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
    for path in [
        "/api/v1/needs".to_string(),
        format!("/api/v1/needs/{n}"),
        format!("/api/v1/needs/{n}/matches"),
        "/api/v1/referrals".to_string(),
        format!("/api/v1/referrals/{r}"),
        "/api/v1/worklist".to_string(),
        "/api/v1/reports/referrals?year=2026".to_string(),
    ] {
        assert_eq!(app.get(&path, &funder).status, 403, "{path}");
    }
    for path in [
        "/api/v1/needs".to_string(),
        format!("/api/v1/needs/{n}/close"),
        "/api/v1/referrals".to_string(),
        format!("/api/v1/referrals/{r}/answer"),
    ] {
        assert_eq!(
            app.post(&path, &funder, json!({"state": "interview"}))
                .status,
            403,
            "{path}"
        );
    }
    // Another structure sees none of it.
    let other = fixtures::world(app, "Autre PLIE");
    assert_eq!(
        app.get(&format!("/api/v1/needs/{n}"), &other.facilitator)
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/referrals/{r}"), &other.facilitator)
            .status,
        404
    );
    assert_eq!(
        app.get("/api/v1/referrals", &other.facilitator).body["total"],
        0
    );
    let p = app.post(
        "/api/v1/referrals",
        &other.facilitator,
        json!({"need_id": n, "participant_id": ideal}),
    );
    assert_eq!(p.status, 422);
    // Closing: the owner contractor may, once.
    let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
    let c = app.post(&format!("/api/v1/needs/{n}/close"), &a, json!({}));
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["status"], "closed");
    assert_eq!(
        app.post(&format!("/api/v1/needs/{n}/close"), &a, json!({}))
            .status,
        409
    );
    let h = app.post(
        &format!("/api/v1/referrals/{r}/answer"),
        &a,
        json!({"state": "hired"}),
    );
    assert_eq!(h.status, 409);
});

/// Two hires answered at the same moment on the last post: one placement, one 409.
fn concurrent_hires(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let (ideal, partial, _) = three_people(app, &w);
    let n = need(app, &w.facilitator, w.assignment_a, w.contractor_a, 1);
    let r1 = propose(app, &w.facilitator, n, ideal);
    let r2 = propose(app, &w.facilitator, n, partial);
    // A second application on the same database, with an asynchronous client, so that the
    // two answers really run at the same time.
    let token = w.facilitator.clone();
    let statuses = app.in_parallel(|client| async move {
        let hire = |id: i64| {
            client
                .post(format!("/api/v1/referrals/{id}/answer"))
                .header(rocket::http::ContentType::JSON)
                .header(rocket::http::Header::new(
                    "Authorization",
                    format!("Bearer {token}"),
                ))
                .body(r#"{"state": "hired"}"#)
                .dispatch()
        };
        let (a, b) = rocket::tokio::join!(hire(r1), hire(r2));
        let mut s = vec![a.status().code, b.status().code];
        s.sort();
        s
    });
    assert_eq!(statuses, vec![201, 409]);
    let placements = format!("/api/v1/placements?assignment_id={}", w.assignment_a);
    assert_eq!(app.get(&placements, &w.facilitator).body["total"], 1);
    let got = app.get(&format!("/api/v1/needs/{n}"), &w.facilitator);
    assert_eq!(
        (got.body["hires"].as_i64(), got.body["status"].as_str()),
        (Some(1), Some("filled"))
    );
}

on_both!(
    concurrent_hires_on_the_last_post_make_one_placement,
    concurrent_hires
);

/// Measurement, not a check: ranks a pool of 5 000 people (4 000 eligible on the start
/// date) for one need. `cargo test --test api pool_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn pool_timing() {
    for app in [Some(TestApp::sqlite()), TestApp::postgres()]
        .into_iter()
        .flatten()
    {
        let w = fixtures::world(&app, "PLIE");
        let n = need(&app, &w.facilitator, w.assignment_a, w.contractor_a, 3);
        let pool = clausier::db::build_pool(
            &clausier::config::DatabaseUrl::parse(&app.database_url).expect("url"),
            1,
        )
        .expect("pool");
        let mut conn = pool.get().expect("conn");
        let sid = clausier::domain::ids::StructureId(
            app.get("/api/v1/me", &w.admin).body["structure_id"]
                .as_i64()
                .unwrap(),
        );
        let start = std::time::Instant::now();
        clausier::db::write_tx(&mut conn, |c| {
            use clausier::store::participants::{add_eligibility, create, NewParticipant};
            for i in 0..5000i64 {
                let id = create(
                    c,
                    sid,
                    &NewParticipant {
                        first_name: format!("P{i}"),
                        last_name: format!("N{i}"),
                        birth_date: chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()
                            + chrono::Duration::days(i),
                        sex: clausier::domain::vocabulary::Sex::Female,
                        postal_code: Some("93200".into()),
                        territory: Some("93".into()),
                        qpv: true,
                        zrr: false,
                        qualification_level:
                            clausier::domain::vocabulary::QualificationLevel::Level3,
                        jobseeker_id: None,
                        looking_for_work: true,
                        wished_rome_codes: vec![
                            ["F1606", "K2204", "H2909"][(i % 3) as usize].into()
                        ],
                        licences: if i % 2 == 0 { vec!["B".into()] } else { vec![] },
                        reachable_departements: vec![["93", "75", "77"][(i % 3) as usize].into()],
                        available_from: None,
                    },
                )?;
                let validated = if i % 5 == 0 {
                    "2026-01-01"
                } else {
                    "2026-11-01"
                };
                let on = chrono::NaiveDate::parse_from_str(validated, "%Y-%m-%d").unwrap();
                add_eligibility(
                    c,
                    sid,
                    id,
                    &["rsa".to_string()],
                    clausier::domain::vocabulary::ProofKind::CafCertificate,
                    None,
                    clausier::domain::ids::UserId(1),
                    on,
                    clausier::domain::eligibility::valid_until(on, 6),
                )?;
            }
            Ok::<_, clausier::error::ApiError>(())
        })
        .expect("seed");
        eprintln!("{:?}: seeded in {:?}", app.backend, start.elapsed());
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let r = app.get(&format!("/api/v1/needs/{n}/matches"), &w.facilitator);
            assert_eq!(r.status, 200);
            eprintln!(
                "{:?}: matches of {} people in {:?}",
                app.backend,
                r.body["total"],
                t.elapsed()
            );
        }
    }
}

on_both!(
    referral_figures_count_the_year_in_local_time,
    |app: &TestApp| {
        use clausier::db::schema::{needs, referrals};
        use diesel::prelude::*;
        let w = fixtures::world(app, "PLIE");
        let (ideal, _, _) = three_people(app, &w);
        let n = need(app, &w.facilitator, w.assignment_a, w.contractor_a, 1);
        propose(app, &w.facilitator, n, ideal);
        // Created and proposed on 1 January 2026 at 00:30 in Paris: 23:30 UTC the day before.
        let instant = chrono::NaiveDate::from_ymd_opt(2025, 12, 31)
            .unwrap()
            .and_hms_opt(23, 30, 0)
            .unwrap();
        let pool = clausier::db::build_pool(
            &clausier::config::DatabaseUrl::parse(&app.database_url).expect("url"),
            1,
        )
        .expect("pool");
        let mut conn = pool.get().expect("conn");
        diesel::update(needs::table.filter(needs::id.eq(n)))
            .set(needs::created_at.eq(instant))
            .execute(&mut *conn)
            .expect("need date");
        diesel::update(referrals::table.filter(referrals::need_id.eq(n)))
            .set(referrals::proposed_at.eq(instant))
            .execute(&mut *conn)
            .expect("proposal date");
        let figures = |year: i32| {
            let r = app.get(
                &format!("/api/v1/reports/referrals?year={year}"),
                &w.facilitator,
            );
            assert_eq!(r.status, 200, "{}", r.text);
            (r.body["needs"].as_i64(), r.body["proposals"].as_i64())
        };
        assert_eq!(figures(2026), (Some(1), Some(1)));
        assert_eq!(figures(2025), (Some(0), Some(0)));
    }
);
