//! The failed emails page (issue 19): the structure's outbox messages that could not be
//! sent, with the recipient, the subject, the reason in French, the last attempt and the
//! error, and a "Renvoyer" button that puts a message back in the queue (the use case of
//! `POST /api/v1/notifications/{id}/retry`), read back through `GET /api/v1/notifications`.

use diesel::RunQueryDsl;

use crate::common::{PageSession, TestApp};
use crate::fixtures::{contractor_user, world};
use crate::on_both;

/// A failed email of the structure, written into the outbox as the mailer leaves one after
/// its last refused attempt; returns its id.
fn failed_email(app: &TestApp, structure_id: i64, id: i64, recipient: &str) -> i64 {
    let sql = format!(
        "INSERT INTO outbox (id, structure_id, dedup_key, rule, subject_type, subject_id, period, \
         stage, recipient_email, subject_line, body_text, body_html, message_id, status, attempts, \
         next_attempt_at, last_error, created_at) VALUES ({id}, {structure_id}, 'echec-{id}', \
         'reporting_due', 'clause', 1, '2026-10', 'due', '{recipient}', 'Heures d''octobre à déclarer', \
         'Relance', '<p>Relance</p>', '<echec-{id}@clausier>', 'failed', 3, \
         '2026-11-26 09:30:00', '550 boîte inconnue', '2026-11-20 10:00:00')"
    );
    diesel::sql_query(sql)
        .execute(&mut *app.database())
        .expect("insert outbox");
    id
}

/// The status of an outbox message as the API lists it.
fn status_of(app: &TestApp, token: &str, id: i64) -> String {
    let r = app.get_ok("/api/v1/notifications?limit=200", token);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .map(|n| n["status"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

on_both!(staff_see_and_retry_failed_emails, |app: &TestApp| {
    let w = world(app, "PLIE Courrier");
    let structure = app.get_ok("/api/v1/me", &w.admin).body["structure_id"]
        .as_i64()
        .unwrap();
    let other = world(app, "PLIE Voisin Courrier");
    let other_structure = app.get_ok("/api/v1/me", &other.admin).body["structure_id"]
        .as_i64()
        .unwrap();
    let ours = failed_email(app, structure, 800_001, "paie@courrier.test");
    let theirs = failed_email(app, other_structure, 800_002, "rh@voisin.test");

    let s = app.page_session(&w.facilitator);
    let r = app.page_get("/emails/failed", &s);
    assert_eq!(r.status, 200, "{}", r.text);
    let text = r.text.replace("&#x27;", "'").replace("&#x2f;", "/");
    assert!(
        text.contains("<strong>paie@courrier.test</strong>"),
        "{text}"
    );
    assert!(text.contains("Heures d'octobre à déclarer"), "{text}");
    assert!(text.contains(">Heures du mois à déclarer<"), "{text}");
    assert!(text.contains("26 novembre 2026 à 09 h 30"), "{text}");
    assert!(text.contains("550 boîte inconnue"), "{text}");
    assert!(text.contains("3 tentatives"));
    assert!(text.contains(">Renvoyer</button>"));
    // Another structure's message is not listed, nor can it be sent again.
    assert!(!text.contains("rh@voisin.test"));
    let r = app.page_post(&format!("/emails/{theirs}/retry"), &s, &[]);
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(status_of(app, &other.admin, theirs), "failed");

    // Without the form's secret: refused, nothing queued.
    let r = app.page_post_raw(&format!("/emails/{ours}/retry"), &s, String::new());
    assert_eq!(r.status, 403);
    assert_eq!(status_of(app, &w.admin, ours), "failed");

    // Retried: back in the queue, gone from the page, with a notice.
    let r = app.page_post(&format!("/emails/{ours}/retry"), &s, &[]);
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some("/emails/failed?fait=courriel-renvoye")
    );
    assert_eq!(status_of(app, &w.admin, ours), "queued");
    let r = app.page_get("/emails/failed?fait=courriel-renvoye", &s);
    assert!(r.text.contains("repart dans la file d"), "{}", r.text);
    assert!(!r.text.contains("paie@courrier.test"));
    assert!(r.text.contains("Aucun courriel en échec"));
    // Retried twice (another tab): refused with the reason, nothing changed.
    let r = app.page_post(&format!("/emails/{ours}/retry"), &s, &[]);
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains(r#"role="alert""#), "{}", r.text);
    assert_eq!(status_of(app, &w.admin, ours), "queued");

    // Contractors and funders are refused.
    let chef = contractor_user(app, &w.admin, w.contractor_a, "chef@courrier.test");
    let funder = app.api_user(&w.admin, "funder", "financeur@courrier.test", None);
    for token in [&chef, &funder] {
        let s = PageSession {
            cookie: token.to_string(),
            csrf: String::new(),
        };
        assert_eq!(app.page_get("/emails/failed", &s).status, 403);
    }
});
