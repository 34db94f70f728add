//! Hour writes answer named entries (issue 16): the answers of `PUT
//! /placements/{id}/hours/{month}` and `POST /hours/validation` carry the person, the
//! contractor and the clause beside their ids, as `GET /hours` does.

use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, placed, World};
use crate::on_both;

const CLAUSE_LABEL: &str = "2026-001 — Réhabilitation du groupe scolaire";
const CONTRACTOR_A: &str = "Bâtiment Durable";

/// The names an entry answer must carry for Awa's placement with contractor A.
fn assert_named_as_awa(entry: &Value, w: &World) {
    assert_eq!(entry["participant_name"], "Awa Diallo", "{entry}");
    assert_eq!(entry["contractor_id"], w.contractor_a);
    assert_eq!(entry["contractor_name"], CONTRACTOR_A);
    assert_eq!(entry["clause_id"], w.clause);
    assert_eq!(entry["clause_label"], CLAUSE_LABEL);
}

on_both!(
    hour_writes_answer_entries_named_like_the_list,
    |app: &TestApp| {
        let (w, _, awa) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "chef@a.test");

        // A contractor's report: the entry named, hours in hours.
        let r = app.put(
            &format!("/api/v1/placements/{awa}/hours/2026-03"),
            &a,
            json!({"work_hours": 56.5}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_named_as_awa(&r.body, &w);
        assert_eq!(r.body["placement_id"], awa);
        assert_eq!(r.body["work_hours"], 56.5);
        assert_eq!(r.body["status"], "submitted");
        let march = r.body["id"].as_i64().unwrap();
        // The answer is the entry as the list shows it.
        let listed = app.get("/api/v1/hours?month=2026-03", &w.facilitator);
        assert_eq!(listed.body["items"][0], r.body);

        // A batch decision: every entry named, in the order given.
        let april = fixtures::report_work(app, &w.facilitator, awa, "2026-04", 20.0);
        let r = app.post(
            "/api/v1/hours/validation",
            &w.facilitator,
            json!({"entry_ids": [april, march], "decision": "validate"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["total"], 2);
        let items = r.body["items"].as_array().unwrap();
        let ids: Vec<i64> = items.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![april, march]);
        for e in items {
            assert_named_as_awa(e, &w);
            assert_eq!(e["status"], "validated");
        }
        assert_eq!(items[1]["validated_work"], 56.5);
    }
);
