//! A follow-up after an exit corrected (PATCH /api/v1/follow-ups/{id}, issue 20): with its
//! version (ETag, If-Match, 412 when stale), the rules of its recording (422 beside the
//! field, nothing changed), its history, the report following the corrected situation,
//! tenancy and roles; and its correction form reached from the person's page.

use serde_json::{json, Value};

use crate::common::{hidden_value, Resp, TestApp};
use crate::fixtures::{self, contractor_user};
use crate::on_both;

/// The problem's code and its fields' codes.
fn codes(r: &Resp) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(std::iter::once(&r.body))
        .filter_map(|e| e["code"].as_str().map(String::from))
        .collect()
}

fn refused(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert!(codes(r).iter().any(|c| c == code), "{code}: {}", r.text);
}

/// The report's counts of the situations at 6 months (2026).
fn six_months(app: &TestApp, token: &str) -> Value {
    app.get_ok("/api/v1/reports/annual?year=2026", token).body["follow_up_6m"].clone()
}

on_both!(
    a_follow_up_is_corrected_with_its_version_and_the_rules_of_its_recording,
    |app: &TestApp| {
        let (w, person, placement) = fixtures::placed(app);
        let r = app.post(
            &format!("/api/v1/placements/{placement}/exit"),
            &w.facilitator,
            json!({"ended_on": "2026-05-15", "outcome": "durable_employment"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let r = app.post(
            &format!("/api/v1/placements/{placement}/follow-ups"),
            &w.facilitator,
            json!({"months": 6, "situation": "job_search", "observed_on": "2026-11-20", "source": "person"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        let path = format!("/api/v1/follow-ups/{id}");
        let r = app.get_ok(&path, &w.facilitator);
        assert_eq!(r.header("etag"), Some("\"1\""), "{}", r.text);
        assert_eq!(r.body["situation"], "job_search");
        let before = six_months(app, &w.facilitator);
        assert_eq!(
            (
                before["job_search"].clone(),
                before["durable_employment"].clone()
            ),
            (json!(1), json!(0)),
            "{before}"
        );

        // Another structure, a contractor's user, a funder: not theirs.
        let other = fixtures::world(app, "Autre PLIE");
        let fix = json!({"situation": "durable_employment", "source": "employer"});
        assert_eq!(app.get(&path, &other.facilitator).status, 404);
        assert_eq!(
            app.patch(&path, &other.admin, fix.clone(), None).status,
            404
        );
        let chef = contractor_user(app, &w.admin, w.contractor_a, "chef@plie.test");
        let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
        for token in [&chef, &funder] {
            assert_eq!(app.patch(&path, token, fix.clone(), None).status, 403);
            assert_eq!(app.get(&path, token).status, 403);
        }

        // The rules of its recording, each beside its field; nothing changes.
        let r = app.patch(
            &path,
            &w.facilitator,
            json!({"situation": "employed", "source": "voisin"}),
            None,
        );
        assert_eq!(r.status, 422, "{}", r.text);
        r.assert_refused_on(&["situation", "source"]);
        refused(
            &app.patch(
                &path,
                &w.facilitator,
                json!({"observed_on": "2026-05-01"}),
                None,
            ),
            422,
            "observed_before_exit",
        );
        refused(
            &app.patch(
                &path,
                &w.facilitator,
                json!({"observed_on": "2026-12-01"}),
                None,
            ),
            422,
            "date_in_future",
        );
        refused(
            &app.patch(&path, &w.facilitator, json!({"situation": null}), None),
            422,
            "required",
        );
        assert_eq!(
            app.patch(&path, &w.facilitator, json!({"months": 12}), None)
                .status,
            422
        );
        let r = app.get_ok(&path, &w.facilitator);
        assert_eq!(r.header("etag"), Some("\"1\""));
        assert_eq!(r.body["situation"], "job_search");

        // Corrected with the current ETag: 200 with the next one.
        let r = app.patch(&path, &w.facilitator, fix.clone(), Some("\"1\""));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));
        assert_eq!(r.body["situation"], "durable_employment");
        assert_eq!(r.body["source"], "employer");
        assert_eq!(r.body["observed_on"], "2026-11-20");
        assert_eq!(r.body["months"], 6);
        // Stale: 412, nothing written.
        let r = app.patch(
            &path,
            &w.admin,
            json!({"situation": "inactive"}),
            Some("\"1\""),
        );
        refused(&r, 412, "precondition_failed");
        assert_eq!(
            app.get_ok(&path, &w.admin).body["situation"],
            "durable_employment"
        );
        // The same values again: nothing changes, not even the version.
        let r = app.patch(&path, &w.facilitator, fix, Some("\"2\""));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));

        // Its history: one correction, the two fields from what to what.
        let h = app.get_ok(&format!("{path}/history"), &w.facilitator);
        let lines = h.body.as_array().unwrap();
        assert_eq!(lines.len(), 1, "{}", h.text);
        assert_eq!(lines[0]["action"], "correct");
        let mut fields: Vec<&str> = lines[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, ["situation", "source"]);
        assert_eq!(
            app.get(&format!("{path}/history"), &other.admin).status,
            404
        );

        // The report counts the corrected situation.
        let after = six_months(app, &w.facilitator);
        assert_eq!(
            (
                after["job_search"].clone(),
                after["durable_employment"].clone()
            ),
            (json!(0), json!(1)),
            "{after}"
        );
        assert_eq!(after["due"], before["due"]);

        // The person's page links to its form; the form corrects it as the API does.
        let s = app.page_session(&w.facilitator);
        let page = app.page_get(&format!("/people/{person}"), &s);
        let edit = format!("/follow-ups/{id}/edit");
        assert!(
            page.text.contains(&format!("href=\"{edit}\"")),
            "{}",
            page.text
        );
        let form = app.page_get(&edit, &s);
        assert_eq!(form.status, 200, "{}", form.text);
        assert_eq!(hidden_value(&form.text, "version").as_deref(), Some("2"));
        let fields = [
            ("version", "2"),
            ("situation", "qualifying_training"),
            ("observed_on", "2026-11-20"),
            ("source", "employer"),
        ];
        let r = app.page_post(&edit, &s, &fields);
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(
            r.header("Location").map(String::from),
            Some(format!(
                "/people/{person}?fait=suivi-corrige#follow-up-{placement}"
            ))
        );
        assert_eq!(
            app.get_ok(&path, &w.admin).body["situation"],
            "qualifying_training"
        );
        // The same form sent again is stale: 412, the other change shown.
        let r = app.page_post(&edit, &s, &fields);
        assert_eq!(r.status, 412, "{}", r.text);
        // Refused beside its field.
        let r = app.page_post(
            &edit,
            &s,
            &[
                ("version", "3"),
                ("situation", "qualifying_training"),
                ("observed_on", "2026-01-01"),
                ("source", "employer"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-observed_on\""), "{}", r.text);
        // Another structure's follow-up: the « introuvable » page.
        let os = app.page_session(&other.facilitator);
        assert_eq!(app.page_get(&edit, &os).status, 404);
    }
);
