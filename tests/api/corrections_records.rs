//! Corrections of organisations, assignments and eligibility validations (issue 17): each
//! change through the API with its refusals (422 naming the field, 409, 412 on a stale
//! If-Match, 403 for the roles that may not, 404 for another structure) and the history it
//! leaves; a contractor reads and replaces its own organisation's contacts only.

use serde_json::{json, Value};

use crate::common::{Resp, TestApp};
use crate::fixtures::{
    self, contractor_user, org, place, placed, report_work, validate, World, SIRETS,
};
use crate::on_both;

/// Every code a refusal carries: its own and its fields'.
fn codes(r: &Resp) -> Vec<String> {
    let mut out = vec![r.body["code"].as_str().unwrap_or("").to_string()];
    for e in r.body["errors"].as_array().into_iter().flatten() {
        out.push(e["code"].as_str().unwrap_or("").to_string());
    }
    out
}

/// The answer is refused with `status` and carries `code`.
fn refused(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert!(codes(r).iter().any(|c| c == code), "{code}: {}", r.text);
}

/// The fields of one history line's changes.
fn changed_fields(line: &Value) -> Vec<String> {
    line["changes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The history of a record: a list, each line an object.
fn history(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let r = app.get_ok(path, token);
    r.body.as_array().cloned().unwrap_or_default()
}

/// Another structure's admin, for the 404s.
fn stranger(app: &TestApp) -> String {
    app.structure_admin("Autre PLIE")
}

on_both!(
    an_organisation_is_corrected_with_the_checks_of_its_creation,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let path = format!("/api/v1/organisations/{}", w.contractor_a);
        let r = app.get_ok(&path, &w.facilitator);
        assert_eq!(r.header("etag"), Some("\"1\""), "{}", r.text);

        // A correction with the current ETag: 200 with the new one.
        let r = app.patch(
            &path,
            &w.facilitator,
            json!({"name": "Bâtiment Durable SA"}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["name"], "Bâtiment Durable SA");
        assert_eq!(r.body["siret"], SIRETS[1]);
        assert_eq!(r.header("etag"), Some("\"2\""));
        // The ETag read before it is stale now: nothing written.
        let r = app.patch(
            &path,
            &w.facilitator,
            json!({"name": "Autre nom"}),
            Some("\"1\""),
        );
        refused(&r, 412, "precondition_failed");
        assert_eq!(
            app.get_ok(&path, &w.admin).body["name"],
            "Bâtiment Durable SA"
        );

        // The rules of creation, every broken one named.
        let r = app.patch(
            &path,
            &w.facilitator,
            json!({"siret": "12345678901234", "territory": "99"}),
            None,
        );
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, ["siret", "territory"], "{}", r.text);
        refused(&r, 422, "siret_malformed");
        let r = app.patch(&path, &w.facilitator, json!({"name": null}), None);
        r.assert_refused_on(&["name"]);
        let r = app.patch(&path, &w.facilitator, json!({"kind": "buyer"}), None);
        refused(&r, 422, "field_unknown");
        let r = app.patch(
            &path,
            &w.facilitator,
            json!({"siret": SIRETS[5], "identifier_type": "HORS-UE", "identifier": "X1"}),
            None,
        );
        refused(&r, 422, "siret_or_identifier");
        let r = app.patch(
            &format!("/api/v1/organisations/{}", w.buyer),
            &w.facilitator,
            json!({"siae_kind": "EI"}),
            None,
        );
        refused(&r, 422, "siae_kind_not_applicable");
        // Another organisation's identifier: 409 with its id.
        let r = app.patch(&path, &w.facilitator, json!({"siret": SIRETS[2]}), None);
        refused(&r, 409, "organisation_identifier_taken");
        assert_eq!(r.body["existing_id"], w.contractor_b, "{}", r.text);

        // Another identifier replaces the SIRET; then the SIAE kind and territory.
        let r = app.patch(
            &path,
            &w.admin,
            json!({"identifier_type": "HORS-UE", "identifier": "UK778899"}),
            Some("\"2\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["siret"], Value::Null);
        assert_eq!(r.body["identifier_type"], "HORS-UE");
        assert_eq!(r.header("etag"), Some("\"3\""));
        let r = app.patch(
            &path,
            &w.facilitator,
            json!({"siae_kind": "EI", "territory": "974"}),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            (r.body["siae_kind"].as_str(), r.body["territory"].as_str()),
            (Some("EI"), Some("974"))
        );
        // The same values again: nothing changes, not even the version.
        let r = app.patch(&path, &w.facilitator, json!({"territory": "974"}), None);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"4\""));

        // Who may not.
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@plie.test");
        let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
        for token in [&a, &funder] {
            let r = app.patch(&path, token, json!({"name": "X"}), None);
            refused(&r, 403, "forbidden");
        }
        let other = stranger(app);
        let r = app.patch(&path, &other, json!({"name": "X"}), None);
        refused(&r, 404, "not_found");

        // The history: who, what before and after.
        let lines = history(app, &format!("{path}/history"), &w.facilitator);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines.iter().all(|l| l["action"] == "correct"), "{lines:?}");
        assert_eq!(changed_fields(&lines[0]), ["name"]);
        assert_eq!(lines[0]["changes"][0]["before"], "Bâtiment Durable");
        assert_eq!(lines[0]["changes"][0]["after"], "Bâtiment Durable SA");
        assert_eq!(lines[0]["by"]["id"], w.facilitator_id);
        assert_eq!(
            changed_fields(&lines[1]),
            ["identifier", "identifier_type", "siret"]
        );
        assert_eq!(changed_fields(&lines[2]), ["siae_kind", "territory"]);
        let r = app.get(&format!("{path}/history"), &other);
        refused(&r, 404, "not_found");
    }
);

on_both!(
    a_contractor_manages_its_own_contacts_only,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@plie.test");
        let own = format!("/api/v1/organisations/{}/contacts", w.contractor_a);
        let r = app.put(
            &own,
            &a,
            json!([{"email": "Paie@BD.test", "name": "Service paie"}]),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body[0]["email"], "paie@bd.test");
        let r = app.get_ok(&own, &a);
        assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.text);
        // Staff read what the contractor wrote.
        assert_eq!(app.get_ok(&own, &w.facilitator).body, r.body);
        // Any other organisation is unknown to it.
        for other in [w.contractor_b, w.buyer] {
            let path = format!("/api/v1/organisations/{other}/contacts");
            refused(&app.get(&path, &a), 404, "not_found");
            refused(
                &app.put(&path, &a, json!([{"email": "x@y.test"}])),
                404,
                "not_found",
            );
        }
        let r = app.put(&own, &a, json!([{"email": "pas une adresse"}]));
        r.assert_refused_on(&["[0].email"]);
        // A funder may not; nor does the contractor read the organisation itself.
        let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
        refused(&app.get(&own, &funder), 403, "forbidden");
        refused(
            &app.get(&format!("/api/v1/organisations/{}", w.contractor_a), &a),
            403,
            "forbidden",
        );
        refused(&app.get(&own, &stranger(app)), 404, "not_found");
    }
);

on_both!(
    an_assignment_target_is_corrected_within_the_clause_hours,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let path = format!("/api/v1/assignments/{}", w.assignment_a);
        let r = app.get_ok(&path, &w.facilitator);
        assert_eq!(r.header("etag"), Some("\"1\""));
        assert_eq!(r.body["hours_target"], 500);
        assert_eq!(r.body["contractor_name"], "Bâtiment Durable");
        assert_eq!(r.body["ends_on"], Value::Null);
        // 833 h required, B holds 333 h: A may hold up to 500 h.
        let r = app.patch(&path, &w.facilitator, json!({"hours_target": 500.5}), None);
        refused(&r, 422, "above_clause_hours");
        r.assert_refused_on(&["hours_target"]);
        let r = app.patch(&path, &w.facilitator, json!({"hours_target": 0}), None);
        refused(&r, 422, "not_positive");
        let r = app.patch(&path, &w.facilitator, json!({"hours_target": null}), None);
        r.assert_refused_on(&["hours_target"]);
        let r = app.patch(&path, &w.facilitator, json!({"role": "holder"}), None);
        refused(&r, 422, "field_unknown");
        let r = app.patch(
            &path,
            &w.facilitator,
            json!({"hours_target": 420.5}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["hours_target"], 420.5);
        assert_eq!(r.header("etag"), Some("\"2\""));
        let r = app.patch(
            &path,
            &w.facilitator,
            json!({"hours_target": 400}),
            Some("\"1\""),
        );
        refused(&r, 412, "precondition_failed");
        // The clause shows the hours freed.
        let clause = app.get_ok(&format!("/api/v1/clauses/{}", w.clause), &w.admin);
        assert_eq!(clause.body["unassigned_hours"], 79.5, "{}", clause.text);

        // A contractor reads its own assignment only and corrects none.
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@plie.test");
        assert_eq!(app.get_ok(&path, &a).body["hours_target"], 420.5);
        refused(
            &app.get(&format!("/api/v1/assignments/{}", w.assignment_b), &a),
            404,
            "not_found",
        );
        refused(
            &app.patch(&path, &a, json!({"hours_target": 10}), None),
            403,
            "forbidden",
        );
        refused(&app.get(&format!("{path}/history"), &a), 403, "forbidden");
        let other = stranger(app);
        refused(&app.get(&path, &other), 404, "not_found");
        refused(
            &app.patch(&path, &other, json!({"hours_target": 10}), None),
            404,
            "not_found",
        );

        let lines = history(app, &format!("{path}/history"), &w.facilitator);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["action"], "correct");
        assert_eq!(
            lines[0]["changes"],
            json!([{"field": "hours_target", "before": 500, "after": 420.5}])
        );
    }
);

/// A contractor C of the world's structure, for the hand-overs.
fn contractor_c(app: &TestApp, w: &World) -> i64 {
    org(
        app,
        &w.admin,
        "contractor",
        "Rénovation Cévenole",
        Some(SIRETS[5]),
        Some("93"),
    )
}

on_both!(
    an_assignment_is_handed_over_on_an_end_day,
    |app: &TestApp| {
        let (w, p, pl) = placed(app);
        let c = contractor_c(app, &w);
        let entry = report_work(app, &w.facilitator, pl, "2026-03", 120.5);
        validate(app, &w.facilitator, entry);
        let path = format!("/api/v1/assignments/{}/replace", w.assignment_a);
        let replace = |body: Value| app.post(&path, &w.facilitator, body);

        // Awa's placement runs to 30 June: the assignment cannot end before.
        let r = replace(json!({"contractor_id": c, "ends_on": "2026-06-15"}));
        refused(&r, 409, "assignment_open_placements");
        assert_eq!(r.body["placement_ids"], json!([pl]), "{}", r.text);
        let r = replace(json!({"contractor_id": w.buyer, "ends_on": "2027-01-15"}));
        let mut fields = r.error_fields();
        fields.sort();
        assert_eq!(fields, ["contractor_id", "ends_on"], "{}", r.text);
        refused(&r, 422, "assignment_end_outside_clause");
        refused(&r, 422, "organisation_not_contractor");
        let r = replace(json!({"contractor_id": c, "ends_on": "2026-06-30", "hours_target": 600}));
        refused(&r, 422, "above_clause_hours");
        let r = replace(json!({"contractor_id": w.contractor_b, "ends_on": "2026-06-30"}));
        refused(&r, 409, "assignment_exists");
        let r = app.post_if_match(
            &path,
            &w.facilitator,
            json!({"contractor_id": c, "ends_on": "2026-06-30"}),
            Some("\"5\""),
        );
        refused(&r, 412, "precondition_failed");
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@plie.test");
        refused(
            &app.post(
                &path,
                &a,
                json!({"contractor_id": c, "ends_on": "2026-06-30"}),
            ),
            403,
            "forbidden",
        );
        refused(
            &app.post(
                &path,
                &stranger(app),
                json!({"contractor_id": c, "ends_on": "2026-06-30"}),
            ),
            404,
            "not_found",
        );

        // Ended on 30 June: A keeps its 120.5 validated hours, C takes the 379.5 h left.
        let r = app.post_if_match(
            &path,
            &w.facilitator,
            json!({"contractor_id": c, "ends_on": "2026-06-30"}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));
        assert_eq!(r.body["ended"]["ends_on"], "2026-06-30");
        assert_eq!(r.body["ended"]["hours_target"], 120.5);
        assert_eq!(r.body["replacement"]["contractor_id"], c);
        assert_eq!(r.body["replacement"]["role"], "holder");
        assert_eq!(r.body["replacement"]["hours_target"], 379.5);
        assert_eq!(r.body["replacement"]["ends_on"], Value::Null);
        let new = r.body["replacement"]["id"].as_i64().expect("new id");
        let r = replace(json!({"contractor_id": c, "ends_on": "2026-06-30"}));
        refused(&r, 409, "assignment_already_ended");

        // The placement and its hours stay with A's assignment.
        let r = app.get_ok(&format!("/api/v1/placements/{pl}"), &w.facilitator);
        assert_eq!(r.body["assignment_id"], w.assignment_a);
        let progress = app.get_ok(
            &format!("/api/v1/clauses/{}/progress?on=2026-11-27", w.clause),
            &w.facilitator,
        );
        let of = |id: i64| {
            progress.body["assignments"]
                .as_array()
                .and_then(|l| l.iter().find(|x| x["assignment_id"] == id).cloned())
                .unwrap_or(Value::Null)
        };
        assert_eq!(
            of(w.assignment_a)["validated_hours"],
            120.5,
            "{}",
            progress.text
        );
        assert_eq!(of(new)["hours_target"], 379.5, "{}", progress.text);

        // No new placement on A's ended assignment after its end; C's takes it.
        let body = |assignment: i64, employer: i64| {
            json!({"participant_id": p, "assignment_id": assignment, "modality": "direct_hire",
                   "employer_id": employer, "contract_type": "cddi", "job_title": "Peintre",
                   "starts_on": "2026-07-01", "ends_on": "2026-09-30"})
        };
        let r = app.post(
            "/api/v1/placements",
            &w.facilitator,
            body(w.assignment_a, w.contractor_a),
        );
        r.assert_refused_on(&["starts_on"]);
        refused(&r, 422, "assignment_ended");
        let r = app.post(
            "/api/v1/placements",
            &w.facilitator,
            json!({"participant_id": p, "assignment_id": w.assignment_a, "modality": "direct_hire",
                   "employer_id": w.contractor_a, "contract_type": "cddi", "job_title": "Peintre",
                   "starts_on": "2026-06-01"}),
        );
        r.assert_refused_on(&["ends_on"]);

        // Both histories.
        let old = history(
            app,
            &format!("/api/v1/assignments/{}/history", w.assignment_a),
            &w.facilitator,
        );
        assert_eq!(old.len(), 1, "{old:?}");
        assert_eq!(old[0]["action"], "hand_over");
        assert_eq!(
            changed_fields(&old[0]),
            ["ends_on", "hours_target", "replacement_id"]
        );
        assert_eq!(old[0]["changes"][1]["before"], 500);
        assert_eq!(old[0]["changes"][2]["after"], new);
        let created = history(
            app,
            &format!("/api/v1/assignments/{new}/history"),
            &w.facilitator,
        );
        assert_eq!(created[0]["action"], "create", "{created:?}");
        assert!(changed_fields(&created[0]).contains(&"replaces_id".to_string()));
    }
);

on_both!(
    an_assignment_without_placements_is_deleted,
    |app: &TestApp| {
        let (w, _, _) = placed(app);
        let clause = fixtures::clause(app, &w.admin, w.contract, "2026-01-01", "2026-12-31", None);
        let spare = fixtures::assign(app, &w.admin, clause, w.contractor_a, "holder", 100);
        let with_need =
            fixtures::assign(app, &w.admin, clause, w.contractor_b, "subcontractor", 100);
        fixtures::activate(app, &w.admin, clause);
        let r = app.post(
            "/api/v1/needs",
            &w.facilitator,
            json!({"assignment_id": with_need, "job_title": "Plaquiste", "rome_code": "F1606",
                   "posts": 1, "commune_code": "93066", "territory": "93",
                   "starts_on": "2026-12-14", "weekly_hours": 35, "duration_months": 6,
                   "modality": "direct_hire", "employer_id": w.contractor_b,
                   "contract_type": "cddi"}),
        );
        assert_eq!(r.status, 201, "need: {}", r.text);

        let path = |id: i64| format!("/api/v1/assignments/{id}");
        let r = app.delete(&path(w.assignment_a), &w.facilitator);
        refused(&r, 409, "assignment_has_placements");
        let r = app.delete(&path(with_need), &w.facilitator);
        refused(&r, 409, "assignment_has_needs");
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@plie.test");
        refused(&app.delete(&path(spare), &a), 403, "forbidden");
        refused(&app.delete(&path(spare), &stranger(app)), 404, "not_found");
        let r = app.request_with(
            "DELETE",
            &path(spare),
            Some(&w.facilitator),
            None,
            None,
            &[("If-Match", "\"3\"")],
        );
        refused(&r, 412, "precondition_failed");

        let r = app.delete(&path(spare), &w.facilitator);
        assert_eq!(r.status, 204, "{}", r.text);
        refused(&app.get(&path(spare), &w.facilitator), 404, "not_found");
        refused(&app.delete(&path(spare), &w.facilitator), 404, "not_found");
        let clause = app.get_ok(&format!("/api/v1/clauses/{clause}"), &w.admin);
        assert_eq!(clause.body["assignments"].as_array().map(Vec::len), Some(1));
        assert_eq!(clause.body["unassigned_hours"], 733, "{}", clause.text);
    }
);

/// Records a validation of `criteria` on `validated_on`; returns its id.
fn validation(app: &TestApp, token: &str, p: i64, criteria: &[&str], validated_on: &str) -> i64 {
    app.create(
        &format!("/api/v1/participants/{p}/eligibility"),
        token,
        json!({"criteria": criteria, "proof": "caf_certificate", "validated_on": validated_on}),
        "eligibility",
    )
}

/// The criteria breakdown of the 2026 report: (key, hours) of each cell with hours.
fn criteria_cells(app: &TestApp, token: &str) -> Vec<(String, f64)> {
    let r = app.get_ok("/api/v1/reports/annual?year=2026", token);
    r.body["breakdowns"]["criteria"]
        .as_array()
        .map(|cells| {
            cells
                .iter()
                .filter(|c| c["hours"].as_f64().unwrap_or(0.0) > 0.0)
                .map(|c| {
                    (
                        c["key"].as_str().unwrap_or("").to_string(),
                        c["hours"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect::<Vec<_>>()
        })
        .map(|mut cells| {
            cells.sort_by(|a, b| a.0.cmp(&b.0));
            cells
        })
        .unwrap_or_default()
}

on_both!(
    an_eligibility_validation_is_withdrawn_and_placements_follow,
    |app: &TestApp| {
        let (w, p, pl) = placed(app);
        let fac = &w.facilitator;
        let other_structure = stranger(app);
        let entry = report_work(app, fac, pl, "2026-03", 56.5);
        validate(app, fac, entry);
        let list = app.get_ok(&format!("/api/v1/participants/{p}/eligibility"), fac);
        let first = list.body[0]["id"].as_i64().expect("validation id");
        let withdraw = |v: i64, body: Value, if_match: Option<&str>| {
            app.post_if_match(
                &format!("/api/v1/participants/{p}/eligibility/{v}/withdraw"),
                fac,
                body,
                if_match,
            )
        };
        let reason = json!({"reason": "Saisie sur la mauvaise personne"});

        // The placement started on it and nothing else covers 1 February: refused.
        let r = withdraw(first, reason.clone(), None);
        refused(&r, 409, "eligibility_withdraw_blocked");
        assert_eq!(r.body["placement_ids"], json!([pl]), "{}", r.text);
        assert!(r.text.contains(&format!("n° {pl}")), "{}", r.text);

        // Another validation from 20 January covers it: the placement moves onto it.
        let second = validation(app, fac, p, &["ass"], "2026-01-20");
        let r = withdraw(first, json!({"reason": "  "}), None);
        r.assert_refused_on(&["reason"]);
        let r = withdraw(first, json!({}), None);
        r.assert_refused_on(&["reason"]);
        let r = withdraw(first, json!({"reason": "x", "why": "y"}), None);
        refused(&r, 422, "field_unknown");
        let r = withdraw(first, reason.clone(), Some("\"2\""));
        refused(&r, 412, "precondition_failed");
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@plie.test");
        let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
        let path = format!("/api/v1/participants/{p}/eligibility/{first}/withdraw");
        for token in [&a, &funder] {
            refused(&app.post(&path, token, reason.clone()), 403, "forbidden");
        }
        refused(
            &app.post(&path, &other_structure, reason.clone()),
            404,
            "not_found",
        );
        let other = fixtures::participant(app, fac, "Léa", "Martin", "1992-05-06");
        refused(
            &app.post(
                &format!("/api/v1/participants/{other}/eligibility/{first}/withdraw"),
                fac,
                reason.clone(),
            ),
            404,
            "not_found",
        );
        assert_eq!(
            criteria_cells(app, fac),
            [("qpv".to_string(), 56.5), ("rsa".to_string(), 56.5)]
        );

        let r = withdraw(first, reason.clone(), Some("\"1\""));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));
        assert_eq!(r.body["validation"]["id"], first);
        assert_eq!(
            r.body["validation"]["withdraw_reason"],
            "Saisie sur la mauvaise personne"
        );
        assert!(
            r.body["validation"]["withdrawn_at"].is_string(),
            "{}",
            r.text
        );
        assert_eq!(
            r.body["placements"],
            json!([{"placement_id": pl, "eligibility_id": second,
                    "criteria_before": ["rsa", "qpv"], "criteria_after": ["ass"]}])
        );
        // On 27 November the remaining validation (to 19 July) has expired.
        assert_eq!(r.body["eligibility"]["status"], "expired", "{}", r.text);
        refused(
            &withdraw(first, reason.clone(), None),
            409,
            "eligibility_already_withdrawn",
        );

        // The report follows the snapshot taken again; the person's file too.
        assert_eq!(criteria_cells(app, fac), [("ass".to_string(), 56.5)]);
        let list = app.get_ok(&format!("/api/v1/participants/{p}/eligibility"), fac);
        let withdrawn: Vec<&Value> = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| !v["withdrawn_at"].is_null())
            .collect();
        assert_eq!(withdrawn.len(), 1, "{}", list.text);
        assert_eq!(withdrawn[0]["id"], first);

        // Its history: who withdrew it, when, why.
        let lines = history(
            app,
            &format!("/api/v1/participants/{p}/eligibility/{first}/history"),
            fac,
        );
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["action"], "withdraw");
        assert_eq!(lines[0]["reason"], "Saisie sur la mauvaise personne");
        assert_eq!(lines[0]["by"]["id"], w.facilitator_id);
        assert!(changed_fields(&lines[0]).contains(&"withdrawn_at".to_string()));
        refused(
            &app.get(
                &format!("/api/v1/participants/{p}/eligibility/{first}/history"),
                &other_structure,
            ),
            404,
            "not_found",
        );
    }
);

on_both!(
    a_placement_not_started_loses_its_criteria_with_the_withdrawal,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let fac = &w.facilitator;
        let p = fixtures::participant(app, fac, "Rose", "Petit", "1988-09-09");
        let v = validation(app, fac, p, &["rsa"], "2026-11-20");
        let pl = place(
            app,
            fac,
            p,
            w.assignment_a,
            w.contractor_a,
            "2026-12-01",
            Some("2026-12-31"),
        );
        let r = app.post(
            &format!("/api/v1/participants/{p}/eligibility/{v}/withdraw"),
            fac,
            json!({"reason": "Justificatif d'une autre personne"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.body["placements"],
            json!([{"placement_id": pl, "eligibility_id": null,
                    "criteria_before": ["rsa"], "criteria_after": []}])
        );
        assert_eq!(r.body["eligibility"]["status"], "none", "{}", r.text);
        let person = app.get_ok(&format!("/api/v1/participants/{p}"), fac);
        assert_eq!(
            person.body["eligibility"]["status"], "none",
            "{}",
            person.text
        );
        // The withdrawn validation no longer makes the person placeable.
        let r = app.post(
            "/api/v1/placements",
            fac,
            json!({"participant_id": p, "assignment_id": w.assignment_b, "modality": "direct_hire",
                   "employer_id": w.contractor_b, "contract_type": "cddi", "job_title": "Peintre",
                   "starts_on": "2026-12-01", "ends_on": "2026-12-31", "weekly_hours": 10}),
        );
        refused(&r, 422, "eligibility_missing");
    }
);

/// Sends two requests at the same moment from two applications on the app's database (as two
/// instances would), each with its `If-Match`; the statuses and bodies, in request order.
fn race(
    app: &TestApp,
    requests: [(&'static str, String, Value, Option<&'static str>); 2],
) -> Vec<(u16, Value)> {
    use rocket::http::{ContentType, Header};
    use std::sync::{Arc, Barrier};
    let barrier = Arc::new(Barrier::new(2));
    let token = app.token("fac@plie.test");
    let threads: Vec<_> = requests
        .into_iter()
        .map(|(method, path, body, if_match)| {
            let rocket = app.second_rocket();
            let barrier = barrier.clone();
            let token = token.clone();
            std::thread::spawn(move || {
                let client = rocket::local::blocking::Client::untracked(rocket).expect("client");
                let mut req = match method {
                    "PATCH" => client.patch(path),
                    _ => client.post(path),
                };
                req = req
                    .header(ContentType::JSON)
                    .header(Header::new("Authorization", format!("Bearer {token}")))
                    .body(body.to_string());
                if let Some(tag) = if_match {
                    req = req.header(Header::new("If-Match", tag));
                }
                barrier.wait();
                let res = req.dispatch();
                let status = res.status().code;
                (status, res.into_json::<Value>().unwrap_or(Value::Null))
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("request thread"))
        .collect()
}

on_both!(
    two_corrections_of_the_same_version_never_both_succeed,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let path = format!("/api/v1/assignments/{}", w.assignment_a);
        let answers = race(
            app,
            [
                (
                    "PATCH",
                    path.clone(),
                    json!({"hours_target": 400}),
                    Some("\"1\""),
                ),
                (
                    "PATCH",
                    path.clone(),
                    json!({"hours_target": 450}),
                    Some("\"1\""),
                ),
            ],
        );
        let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
        statuses.sort();
        assert_eq!(statuses, [200, 412], "{answers:?}");
        let r = app.get_ok(&path, &w.facilitator);
        assert_eq!(r.header("etag"), Some("\"2\""));
        let won = answers
            .iter()
            .find(|(s, _)| *s == 200)
            .map(|(_, b)| b["hours_target"].clone());
        assert_eq!(Some(r.body["hours_target"].clone()), won);
        assert_eq!(
            history(app, &format!("{path}/history"), &w.facilitator).len(),
            1
        );

        // Two hand-overs of the same assignment: one ends it, the other finds it ended.
        let c = contractor_c(app, &w);
        let d = org(
            app,
            &w.admin,
            "contractor",
            "Dépannage Express",
            Some(SIRETS[3]),
            Some("93"),
        );
        let replace = format!("{path}/replace");
        let answers = race(
            app,
            [
                (
                    "POST",
                    replace.clone(),
                    json!({"contractor_id": c, "ends_on": "2026-06-30"}),
                    None,
                ),
                (
                    "POST",
                    replace.clone(),
                    json!({"contractor_id": d, "ends_on": "2026-06-30"}),
                    None,
                ),
            ],
        );
        let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
        statuses.sort();
        assert_eq!(statuses, [201, 409], "{answers:?}");
        let clause = app.get_ok(&format!("/api/v1/clauses/{}", w.clause), &w.admin);
        assert_eq!(
            clause.body["assignments"].as_array().map(Vec::len),
            Some(3),
            "{}",
            clause.text
        );
    }
);
