//! The histories of corrections (issue 17) and the anonymisation at the end of the retention
//! period: once a person is anonymised, the lines of their own history, of their placements'
//! and of their eligibility validations' hold neither their personal data nor the reasons
//! written about them; what was done, when and by whom stays, and so does the history of
//! everyone else.

use chrono::NaiveDate;
use clausier::config::{Config, DatabaseUrl};
use clausier::store::participants::PERSONAL_FIELDS;
use diesel::sql_types::{Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, eligible, participant, place, placed_with_b_ten_hours_a_week};
use crate::on_both;

const FIRST: &str = "Philomène";
const CORRECTED_FIRST: &str = "Philomena";
const LAST: &str = "Kerbrat";
const JOBSEEKER: &str = "4471932K";
/// In every reason and free text written about the person.
const MARKER: &str = "MARQUEUR-PRIVE-3F";
/// Another person, corrected too and active later: her history is kept whole.
const KEPT_LAST: &str = "Ronceray";

/// What no history may hold once the person is anonymised.
const PERSONAL: &[&str] = &[
    FIRST,
    CORRECTED_FIRST,
    LAST,
    JOBSEEKER,
    MARKER,
    "1988-07-14",
];

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    entity: String,
    #[diesel(sql_type = Nullable<Text>)]
    reason: Option<String>,
    #[diesel(sql_type = Text)]
    changes: String,
}

/// Every line of `record_changes`, as stored.
fn stored_lines(app: &TestApp) -> Vec<Line> {
    const SQL: &str = "SELECT entity, reason, changes FROM record_changes ORDER BY id";
    diesel::sql_query(SQL)
        .load(&mut *app.database())
        .expect("lines")
}

/// The personal data found in `text` (case-insensitive).
fn personal_in(text: &str) -> Vec<&'static str> {
    let text = text.to_lowercase();
    PERSONAL
        .iter()
        .copied()
        .filter(|p| text.contains(&p.to_lowercase()))
        .collect()
}

/// Runs the anonymisation as the scheduled job and the command do, on `today`; the people
/// anonymised.
fn anonymise_on(app: &TestApp, today: NaiveDate) -> Vec<i64> {
    let config = Config::for_database(&app.database_url).expect("config");
    let pool = clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 1)
        .expect("pool");
    let mut conn = pool.get().expect("connection");
    app.clock
        .scope(|| clausier::jobs::anonymise(&mut conn, &config, today))
        .expect("anonymise")
        .into_iter()
        .map(i64::from)
        .collect()
}

fn history(app: &TestApp, path: &str, token: &str) -> (Vec<Value>, String) {
    let r = app.get_ok(&format!("{path}/history"), token);
    (r.body.as_array().expect("a history").clone(), r.text)
}

/// The change of `field` in a history line.
fn change<'a>(line: &'a Value, field: &str) -> &'a Value {
    line["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["field"] == field))
        .unwrap_or_else(|| panic!("no change of {field} in {line}"))
}

on_both!(
    an_anonymised_person_leaves_nothing_personal_in_the_histories,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let fac = &w.facilitator;
        // The person, eligible, placed, then corrected: her first name, her jobseeker id
        // and her postal code.
        let p = participant(app, fac, FIRST, LAST, "1988-07-14");
        eligible(app, fac, p, "2026-01-10");
        let person = format!("/api/v1/participants/{p}");
        let r = app.patch(
            &person,
            fac,
            json!({"first_name": CORRECTED_FIRST, "jobseeker_id": JOBSEEKER,
                   "postal_code": "93240"}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        // A validation entered by mistake, withdrawn with a reason that names her.
        let mistake = eligible(app, fac, p, "2026-01-20")["id"]
            .as_i64()
            .expect("validation id");
        let validation = format!("{person}/eligibility/{mistake}");
        let r = app.post(
            &format!("{validation}/withdraw"),
            fac,
            json!({"reason": format!("{MARKER} : {CORRECTED_FIRST} {LAST} avait déjà une validation")}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        // A placement whose job title is corrected into one that names her.
        let kept_placement = place(
            app,
            fac,
            p,
            w.assignment_a,
            w.contractor_a,
            "2026-02-01",
            Some("2026-06-30"),
        );
        let kept_placement = format!("/api/v1/placements/{kept_placement}");
        let r = app.patch(
            &kept_placement,
            fac,
            json!({"job_title": format!("Peintre ({MARKER})")}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        // A placement entered by mistake, cancelled with a reason that names her.
        let cancelled = placed_with_b_ten_hours_a_week(app, &w, p, "2026-03-01");
        let cancelled = format!("/api/v1/placements/{cancelled}");
        let r = app.post(
            &format!("{cancelled}/cancel"),
            fac,
            json!({"reason": format!("Saisie pour {CORRECTED_FIRST} {LAST} par erreur ({MARKER})")}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        // Everything is in the histories, and in the table.
        let (_, text) = history(app, &person, fac);
        assert!(personal_in(&text).contains(&CORRECTED_FIRST), "{text}");
        for path in [&validation, &kept_placement, &cancelled] {
            let (_, text) = history(app, path, fac);
            assert!(personal_in(&text).contains(&MARKER), "{path}: {text}");
        }
        let lines = stored_lines(app);
        for entity in ["participant", "eligibility", "placement"] {
            assert!(
                lines.iter().any(|l| l.entity == entity
                    && !personal_in(&format!("{:?} {}", l.reason, l.changes)).is_empty()),
                "no {entity} line names her"
            );
        }

        // The other person is corrected the next day: active later, she is kept.
        app.clock.advance(chrono::Duration::hours(15));
        let fac = app.token("fac@plie.test");
        let kept = participant(app, &fac, "Bertille", "Ronsseray", "1991-05-06");
        let r = app.patch(
            &format!("/api/v1/participants/{kept}"),
            &fac,
            json!({"last_name": KEPT_LAST}),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let before = app.get_ok(&person, &fac).body;

        // 24 months after her last activity (2026-11-27), not after the other's.
        let ids = anonymise_on(app, NaiveDate::from_ymd_opt(2028, 11, 28).expect("date"));
        assert_eq!(ids, vec![p]);

        // The anonymisation erases exactly the fields its list names, which the history
        // blanks in turn.
        let after = app.get_ok(&person, &fac).body;
        assert_eq!(after["anonymised"], true, "{after}");
        let erased: Vec<&String> = after
            .as_object()
            .expect("a person")
            .iter()
            .filter(|(field, value)| *field != "anonymised" && before[field.as_str()] != **value)
            .map(|(field, _)| field)
            .collect();
        for field in &erased {
            assert!(
                PERSONAL_FIELDS.contains(&field.as_str()),
                "{field} is erased but not in PERSONAL_FIELDS"
            );
        }
        for field in PERSONAL_FIELDS {
            let v = &after[*field];
            assert!(
                v.is_null() || *v == json!([]) || *v == json!(false),
                "{field} kept: {after}"
            );
        }

        // Her history: the same line, who and when, the fields named, no value.
        let (h, text) = history(app, &person, &fac);
        assert!(personal_in(&text).is_empty(), "{text}");
        assert_eq!(h.len(), 1, "{text}");
        assert_eq!(h[0]["action"], "correct");
        assert_eq!(h[0]["by"]["id"], w.facilitator_id);
        for field in ["first_name", "jobseeker_id", "postal_code"] {
            let c = change(&h[0], field);
            assert!(c["before"].is_null() && c["after"].is_null(), "{c}");
        }
        // The withdrawn validation: no reason, no value of the reason.
        let (h, text) = history(app, &validation, &fac);
        assert!(personal_in(&text).is_empty(), "{text}");
        assert_eq!(h.len(), 1, "{text}");
        assert_eq!(h[0]["action"], "withdraw");
        assert!(h[0]["reason"].is_null(), "{text}");
        assert!(change(&h[0], "withdrawn_at")["after"].is_string(), "{text}");
        // The corrected placement: the job title's values go.
        let (h, text) = history(app, &kept_placement, &fac);
        assert!(personal_in(&text).is_empty(), "{text}");
        let c = change(&h[0], "job_title");
        assert!(c["before"].is_null() && c["after"].is_null(), "{text}");
        // The cancelled placement: still cancelled, when and by whom, without the reason.
        let (h, text) = history(app, &cancelled, &fac);
        assert!(personal_in(&text).is_empty(), "{text}");
        let cancel = h.iter().find(|l| l["action"] == "cancel").expect("cancel");
        assert!(cancel["reason"].is_null(), "{text}");
        assert_eq!(cancel["by"]["id"], w.facilitator_id);
        assert!(
            change(cancel, "cancelled_at")["after"].is_string(),
            "{text}"
        );

        // The table holds none of it; the other person's correction is whole.
        let lines = stored_lines(app);
        let left: Vec<String> = lines
            .iter()
            .map(|l| format!("{} {:?} {}", l.entity, l.reason, l.changes))
            .filter(|l| !personal_in(l).is_empty())
            .collect();
        assert!(left.is_empty(), "personal data left: {left:#?}");
        assert!(
            lines
                .iter()
                .any(|l| l.changes.contains(KEPT_LAST) && l.changes.contains("Ronsseray")),
            "the other person's history is kept"
        );
    }
);
