//! The facilitator's needs pages (`/needs`, `/needs/<id>`, `/needs/<id>/propose`), driven
//! like a browser: the session cookie, the form secret read from a page, url-encoded forms.
//! What a form did is read back through the API.

use serde_json::{json, Value};

use crate::common::{PageSession, TestApp};
use crate::fixtures::{self, contractor_user, eligible, participant, World};
use crate::on_both;

/// A need of assignment A of `w`, starting 14 December 2026 in Saint-Denis (93), through the
/// API.
fn need(app: &TestApp, w: &World, job: &str) -> i64 {
    let body = json!({"assignment_id": w.assignment_a, "job_title": job, "rome_code": "F1606",
                      "posts": 2, "commune_code": "93066", "territory": "93",
                      "starts_on": "2026-12-14", "weekly_hours": 35, "duration_months": 6,
                      "modality": "direct_hire", "employer_id": w.contractor_a,
                      "contract_type": "cddi"});
    app.create("/api/v1/needs", &w.facilitator, body, "need")
}

/// A person of the pool wishing a ROME code and reaching a departement.
fn wishes(app: &TestApp, w: &World, id: i64, rome: &str, departement: &str) {
    let r = app.patch(
        &format!("/api/v1/participants/{id}"),
        &w.facilitator,
        json!({"wished_rome_codes": [rome], "reachable_departements": [departement]}),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

fn referrals_of(app: &TestApp, w: &World, need: i64) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/referrals?need_id={need}"), &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().expect("items").clone()
}

fn list_and_proposal(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let other = fixtures::world(app, "Autre PLIE");
    let solier = need(app, &w, "Solier");
    need(app, &other, "Carreleur");
    let awa = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    eligible(app, &w.facilitator, awa, "2026-11-01");
    wishes(app, &w, awa, "F1606", "93");
    let jean = participant(app, &w.facilitator, "Jean", "Martin", "1985-01-20");
    eligible(app, &w.facilitator, jean, "2026-11-01");
    wishes(app, &w, jean, "K2204", "75");
    // Not eligible: never a match.
    let lina = participant(app, &w.facilitator, "Lina", "Haddad", "1992-05-14");
    let s = app.page_session(&w.facilitator);

    // The navigation leads to the list.
    let home = app.page_get("/", &s);
    assert!(
        home.text.contains("href=\"&#x2f;needs\">Besoins</a>"),
        "{}",
        home.text
    );
    // The list: the structure's need with its names, never the other structure's.
    let list = app.page_get("/needs", &s);
    assert_eq!(list.status, 200, "{}", list.text);
    for shown in [
        &format!("href=\"/needs/{solier}\""),
        "Solier",
        "Bâtiment Durable",
        "2026-001 — Réhabilitation du groupe scolaire",
        "commune 93066 (93)",
        "14 décembre 2026",
        "besoin ouvert",
    ] {
        assert!(list.text.contains(shown), "{shown}: {}", list.text);
    }
    assert!(!list.text.contains("Carreleur"));

    // The need's page: the matches ranked, with their reasons in French, each with a button.
    let path = format!("/needs/{solier}");
    let page = app.page_get(&path, &s);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Aucune personne n'est encore proposée"));
    let at_awa = page.text.find("Awa Diallo").expect("Awa matches");
    let at_jean = page.text.find("Jean Martin").expect("Jean matches");
    assert!(at_awa < at_jean, "the better match first");
    let awa_row = &page.text[at_awa..at_jean];
    assert!(awa_row.contains("Le métier recherché correspond au poste"));
    assert!(awa_row.contains("Peut se rendre dans le département du poste"));
    assert!(awa_row.contains(&format!("name=\"participant_id\" value=\"{awa}\"")));
    assert!(!page.text[at_jean..].contains("Le métier recherché correspond"));
    assert!(!page.text.contains("Haddad"));

    // « Proposer »: back to the need with a notice; the API's referrals return the proposal.
    let r = app.page_post(
        &format!("{path}/propose"),
        &s,
        &[("participant_id", &awa.to_string())],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some(format!("{path}?fait=personne-proposee").as_str())
    );
    let made = referrals_of(app, &w, solier);
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["participant"]["id"], awa);
    assert_eq!(made[0]["state"], "proposed");
    assert_eq!(made[0]["need_id"], solier);
    let page = app.page_get(&format!("{path}?fait=personne-proposee"), &s);
    assert!(page
        .text
        .contains("La personne est proposée à l&#x27;entreprise pour ce besoin."));
    assert!(page.text.contains("proposée, en attente de réponse"));
    assert!(page.text.contains("27 novembre 2026"), "{}", page.text);
    assert!(!page
        .text
        .contains(&format!("name=\"participant_id\" value=\"{awa}\"")));
    // The list counts the proposal.
    let list = app.page_get("/needs", &s);
    assert!(
        list.text.contains("1 en tout : 1 en attente"),
        "{}",
        list.text
    );

    // Proposed twice: refused beside the matches (409), nothing more stored.
    let r = app.page_post(
        &format!("{path}/propose"),
        &s,
        &[("participant_id", &awa.to_string())],
    );
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("id=\"e-propose\""), "{}", r.text);
    assert_eq!(referrals_of(app, &w, solier).len(), 1);
    // A person not eligible on the start date, or no person: 422, nothing stored.
    for who in [lina.to_string(), "abc".to_string()] {
        let r = app.page_post(&format!("{path}/propose"), &s, &[("participant_id", &who)]);
        assert_eq!(r.status, 422, "{who}: {}", r.text);
        assert!(r.text.contains("id=\"e-propose\""), "{}", r.text);
    }
    assert_eq!(referrals_of(app, &w, solier).len(), 1);
}

on_both!(
    needs_list_and_page_show_names_and_a_proposal_reaches_the_api,
    list_and_proposal
);

fn refusals(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let other = fixtures::world(app, "Autre PLIE");
    let ours = need(app, &w, "Solier");
    let theirs = need(app, &other, "Carreleur");
    let awa = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    eligible(app, &w.facilitator, awa, "2026-11-01");
    let contractor = contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
    let funder = app.api_user(&w.admin, "funder", "financeur@plie.test", None);
    for token in [&contractor, &funder] {
        let s = PageSession {
            cookie: token.clone(),
            csrf: String::new(),
        };
        for path in ["/needs".to_string(), format!("/needs/{ours}")] {
            let r = app.page_get(&path, &s);
            assert_eq!(r.status, 403, "{path}: {}", r.text);
            assert!(
                !r.text.contains("Diallo") && !r.text.contains("Solier"),
                "{path}"
            );
        }
        let r = app.page_post(
            &format!("/needs/{ours}/propose"),
            &s,
            &[("participant_id", &awa.to_string())],
        );
        assert_eq!(r.status, 403);
    }
    assert!(referrals_of(app, &w, ours).is_empty());

    // Another structure's need is not found, to read or to propose to.
    let s = app.page_session(&w.facilitator);
    let r = app.page_get(&format!("/needs/{theirs}"), &s);
    assert_eq!(r.status, 404);
    assert!(r
        .text
        .contains("Ce besoin n&#x27;existe pas ou ne fait pas partie de votre structure."));
    assert!(!r.text.contains("Carreleur"));
    let r = app.page_post(
        &format!("/needs/{theirs}/propose"),
        &s,
        &[("participant_id", &awa.to_string())],
    );
    assert_eq!(r.status, 404);
    assert!(referrals_of(app, &other, theirs).is_empty());

    // A form without its secret: 403, nothing stored.
    let r = app.page_post_raw(
        &format!("/needs/{ours}/propose"),
        &s,
        format!("participant_id={awa}"),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(referrals_of(app, &w, ours).is_empty());
}

on_both!(
    needs_pages_refuse_other_roles_other_structures_and_forged_forms,
    refusals
);

/// The French sentence of a page's error beside `field` (its `e-<field>` paragraph).
fn error_beside(text: &str, field: &str) -> Option<String> {
    let at = text.find(&format!("id=\"e-{field}\">"))?;
    let rest = &text[at + field.len() + 8..];
    Some(rest[..rest.find("</p>")?].to_string())
}

fn needs_count(app: &TestApp, w: &World) -> i64 {
    let r = app.get("/api/v1/needs?limit=1", &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["total"].as_i64().expect("a total")
}

fn new_need(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let form = app.page_get("/needs/new", &s);
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form
        .text
        .contains("Réhabilitation du groupe scolaire · Bâtiment Durable"));
    assert!(form.text.contains("<label for=\"f-job_title\">"));
    assert!(app
        .page_get("/needs", &s)
        .text
        .contains("href=\"/needs/new\""));
    let assignment = w.assignment_a.to_string();
    let employer = w.contractor_a.to_string();
    let fields = vec![
        ("assignment_id", assignment.as_str()),
        ("job_title", "Coffreur"),
        ("rome_code", "f1703"),
        ("posts", "3"),
        ("commune_code", "93066"),
        ("territory", "93"),
        ("starts_on", "2026-12-14"),
        ("weekly_hours", "17,5"),
        ("duration_months", "6"),
        ("licences", "B, C"),
        ("modality", "direct_hire"),
        ("employer_id", employer.as_str()),
        ("contract_type", "cddi"),
    ];
    // Broken values: each error beside its field, the values kept, nothing stored.
    let mut bad = fields.clone();
    for (k, v) in bad.iter_mut() {
        match *k {
            "posts" => *v = "trois",
            "weekly_hours" => *v = "beaucoup",
            "commune_code" => *v = "75056",
            _ => {}
        }
    }
    let r = app.page_post("/needs/new", &s, &bad);
    assert_eq!(r.status, 422, "{}", r.text);
    for field in ["posts", "weekly_hours"] {
        assert!(
            error_beside(&r.text, field).is_some(),
            "{field}: {}",
            r.text
        );
    }
    assert!(r.text.contains("value=\"Coffreur\""));
    assert_eq!(needs_count(app, &w), 0);
    // The use case's own rule: a commune outside the departement, beside its field.
    let mut bad = fields.clone();
    for (k, v) in bad.iter_mut() {
        if *k == "commune_code" {
            *v = "75056";
        }
    }
    let r = app.page_post("/needs/new", &s, &bad);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        error_beside(&r.text, "commune_code").is_some(),
        "{}",
        r.text
    );
    assert_eq!(needs_count(app, &w), 0);

    // Stored as the API stores it, then the need's page with its notice.
    let r = app.page_post("/needs/new", &s, &fields);
    assert_eq!(r.status, 303, "{}", r.text);
    let to = r.header("Location").expect("a location").to_string();
    let id: i64 = to
        .strip_prefix("/needs/")
        .and_then(|t| t.strip_suffix("?fait=besoin-enregistre"))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{to}"));
    let need = app.get(&format!("/api/v1/needs/{id}"), &w.facilitator).body;
    assert_eq!(need["job_title"], "Coffreur");
    assert_eq!(need["rome_code"], "F1703");
    assert_eq!(need["posts"], 3);
    assert_eq!(need["weekly_hours"], 17.5);
    assert_eq!(need["licences"], json!(["B", "C"]));
    assert_eq!(need["assignment_id"], w.assignment_a);
    let page = app.page_get(&to, &s);
    assert!(page
        .text
        .contains("Le besoin de recrutement est enregistré"));
    assert!(page.text.contains("Coffreur"));

    // Other roles and forged forms: refused, nothing stored.
    let contractor = contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
    let funder = app.api_user(&w.admin, "funder", "financeur@plie.test", None);
    for token in [&contractor, &funder] {
        let other = PageSession {
            cookie: token.clone(),
            csrf: String::new(),
        };
        assert_eq!(app.page_get("/needs/new", &other).status, 403);
        assert_eq!(app.page_post("/needs/new", &other, &fields).status, 403);
    }
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter())
        .finish();
    assert_eq!(app.page_post_raw("/needs/new", &s, body).status, 403);
    assert_eq!(needs_count(app, &w), 1);
}

on_both!(a_need_made_on_its_form_is_what_the_api_returns, new_need);

fn closing(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let id = need(app, &w, "Solier");
    let path = format!("/needs/{id}");
    let s = app.page_session(&w.facilitator);
    let page = app.page_get(&path, &s);
    assert!(page.text.contains("Clore ce besoin"), "{}", page.text);

    let r = app.page_post(&format!("{path}/close"), &s, &[]);
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some(format!("{path}?fait=besoin-clos").as_str())
    );
    let api = app.get(&format!("/api/v1/needs/{id}"), &w.facilitator);
    assert_eq!(api.body["status"], "closed");
    let page = app.page_get(&format!("{path}?fait=besoin-clos"), &s);
    assert!(page.text.contains("Le besoin est clos"));
    assert!(!page.text.contains("Clore ce besoin"));

    // Closed twice (another tab): the page says why, nothing changes.
    let r = app.page_post(&format!("{path}/close"), &s, &[]);
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("role=\"alert\""), "{}", r.text);

    // Another structure's staff cannot close it; a contractor's session has no page.
    let other = fixtures::world(app, "Autre PLIE");
    let theirs = need(app, &other, "Carreleur");
    assert_eq!(
        app.page_post(&format!("/needs/{theirs}/close"), &s, &[])
            .status,
        404
    );
    let api = app.get(&format!("/api/v1/needs/{theirs}"), &other.facilitator);
    assert_eq!(api.body["status"], "open");
}

on_both!(a_need_closed_from_its_page_is_closed_once, closing);
