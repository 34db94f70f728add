//! The facilitator's people pages (`/people`, `/people/new`, `/people/<id>`,
//! `/people/<id>/edit`), driven like a browser: the session cookie, the form secret read
//! from a page, url-encoded forms. What a form did is read back through the API.

use serde_json::{json, Value};

use crate::common::{hidden_value, PageSession, Resp, TestApp};
use crate::fixtures::{self, contractor_user, eligible, participant, place, World};
use crate::on_both;

/// The French sentence of a page's error beside `field` (its `e-<field>` paragraph).
fn error_beside(page: &Resp, field: &str) -> Option<String> {
    let at = page.text.find(&format!("id=\"e-{field}\">"))?;
    let rest = &page.text[at + field.len() + 8..];
    Some(rest[..rest.find("</p>")?].to_string())
}

/// The ids of the people a search page links to, in order.
fn linked_people(page: &Resp) -> Vec<i64> {
    page.text
        .match_indices("<a href=\"/people/")
        .filter_map(|(at, m)| {
            let rest = &page.text[at + m.len()..];
            let end = rest.find('"')?;
            rest[..end].parse().ok()
        })
        .collect()
}

fn search(app: &TestApp, s: &PageSession, q: &str) -> Resp {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let page = app.page_get(&format!("/people?q={q}"), s);
    assert_eq!(page.status, 200, "{}", page.text);
    page
}

fn api_person(app: &TestApp, w: &World, id: i64) -> Value {
    let r = app.get(&format!("/api/v1/participants/{id}"), &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn people_count(app: &TestApp, w: &World) -> i64 {
    let r = app.get("/api/v1/participants?limit=1", &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["total"].as_i64().expect("a total")
}

/// The fields of a whole person's form.
fn person_fields<'a>(
    first: &'a str,
    last: &'a str,
    postal_code: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("first_name", first),
        ("last_name", last),
        ("birth_date", "1992-05-14"),
        ("sex", "female"),
        ("postal_code", postal_code),
        ("qpv", "on"),
        ("qualification_level", "3"),
        ("looking_for_work", "on"),
        ("wished_rome_codes", "F1606, f1703"),
        ("reachable_departements", "93, 94"),
        ("available_from", "2026-12-01"),
    ]
}

fn search_finds_by_the_beginning_of_a_name(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let other = fixtures::world(app, "Autre PLIE");
    let eloise = participant(app, &w.facilitator, "Éloïse", "Lefèvre", "1990-04-02");
    let jean = participant(app, &w.facilitator, "Jean", "Martin", "1985-01-20");
    let awa = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    let elsewhere = participant(app, &other.facilitator, "Éloïse", "Lefebvre", "1990-04-02");
    eligible(app, &w.facilitator, awa, "2026-01-10");
    place(
        app,
        &w.facilitator,
        awa,
        w.assignment_a,
        w.contractor_a,
        "2026-02-01",
        None,
    );
    let s = app.page_session(&w.facilitator);

    // A prefix of the last name, of the first name, with or without accents and capitals.
    for q in [
        "lef",
        "LEFÈ",
        "Lefe",
        "eloi",
        "Éloïse",
        " éLOÏ ",
        "eloise lef",
        "lefevre elo",
    ] {
        let page = search(app, &s, q);
        assert_eq!(linked_people(&page), vec![eloise], "{q}: {}", page.text);
        assert!(page.text.contains("Lefèvre Éloïse"), "{q}");
    }
    // Only in the caller's structure: the other structure's Éloïse Lefebvre is never found.
    let page = search(app, &s, "lefeb");
    assert!(linked_people(&page).is_empty(), "{}", page.text);
    assert!(!page.text.contains(&format!("/people/{elsewhere}\"")));
    assert!(page
        .text
        .contains("Aucune personne dont le nom ou le prénom commence par"));
    // The middle of a name is not its beginning.
    assert!(linked_people(&search(app, &s, "tin")).is_empty());
    assert_eq!(linked_people(&search(app, &s, "mar")), vec![jean]);
    // No query: everyone of the structure, by last name; the birth year, postal code and
    // placement in progress shown.
    let page = search(app, &s, "");
    assert_eq!(
        linked_people(&page),
        vec![awa, eloise, jean],
        "{}",
        page.text
    );
    assert!(page.text.contains("1985"));
    assert!(page.text.contains("93200"));
    assert!(
        page.text
            .contains("Peintre en bâtiment chez Bâtiment Durable"),
        "{}",
        page.text
    );
    assert!(page.text.contains("href=\"/people/new\""));

    // Pages of 50: the 51st person is on the second page.
    for i in 0..51 {
        participant(
            app,
            &w.facilitator,
            "Test",
            &format!("Nombreux {i:02}"),
            "1990-04-02",
        );
    }
    let first = search(app, &s, "nombreux");
    assert_eq!(linked_people(&first).len(), 50);
    assert!(
        first
            .text
            .contains("href=\"&#x2f;people?q=nombreux&amp;page=2\""),
        "{}",
        first.text
    );
    let second = app.page_get("/people?q=nombreux&page=2", &s);
    assert_eq!(second.status, 200);
    assert_eq!(linked_people(&second).len(), 1);
    assert!(second.text.contains("Nombreux 50"));
    assert!(!second.text.contains("Page suivante"));
}

on_both!(
    the_search_finds_people_of_the_structure_by_the_beginning_of_a_name,
    search_finds_by_the_beginning_of_a_name
);

fn creation(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let form = app.page_get("/people/new", &s);
    assert_eq!(form.status, 200);
    for label in [
        "Prénom",
        "Date de naissance",
        "Niveau de qualification",
        "Code postal",
    ] {
        assert!(form.text.contains(&format!(">{label}</label>")), "{label}");
    }
    let r = app.page_post("/people/new", &s, &person_fields("Inès", "Benali", "93200"));
    assert_eq!(r.status, 303, "{}", r.text);
    let to = r.header("Location").unwrap().to_string();
    let id: i64 = to
        .trim_start_matches("/people/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(to, format!("/people/{id}?fait=personne-enregistree"));
    let p = api_person(app, &w, id);
    assert_eq!(p["first_name"], "Inès");
    assert_eq!(p["last_name"], "Benali");
    assert_eq!(p["birth_date"], "1992-05-14");
    assert_eq!(p["sex"], "female");
    assert_eq!(p["postal_code"], "93200");
    assert_eq!(p["territory"], "93");
    assert_eq!(p["qpv"], true);
    assert_eq!(p["zrr"], false);
    assert_eq!(p["qualification_level"], "3");
    assert_eq!(p["looking_for_work"], true);
    assert_eq!(p["wished_rome_codes"], json!(["F1606", "F1703"]));
    assert_eq!(p["reachable_departements"], json!(["93", "94"]));
    assert_eq!(p["available_from"], "2026-12-01");
    let page = app.page_get(&to, &s);
    assert_eq!(page.status, 200);
    assert!(page.text.contains("La personne est enregistrée."));
    assert!(page.text.contains("Inès Benali"));
    assert!(page.text.contains("14 mai 1992"));
    // Found by the search at once (the name's key is written with the person).
    assert_eq!(linked_people(&search(app, &s, "ines")), vec![id]);

    // Broken rules: each beside its field, in French; nothing stored.
    let before = people_count(app, &w);
    let mut bad = person_fields("Inès", "", "00000");
    bad.retain(|(k, _)| *k != "birth_date" && *k != "sex");
    bad.push(("birth_date", "14/05/1992"));
    let r = app.page_post("/people/new", &s, &bad);
    assert_eq!(r.status, 422, "{}", r.text);
    let date = error_beside(&r, "birth_date").expect("an error beside the birth date");
    assert!(
        date.starts_with("La date doit être écrite AAAA-MM-JJ"),
        "{date}"
    );
    assert!(r.text.contains("aria-describedby=\"e-birth_date\""));
    assert_eq!(
        error_beside(&r, "sex").as_deref(),
        Some("Ce champ est obligatoire.")
    );
    assert!(error_beside(&r, "last_name").is_some(), "{}", r.text);
    // What was typed stays in the form.
    assert!(r.text.contains("value=\"14&#x2f;05&#x2f;1992\""));
    assert_eq!(people_count(app, &w), before);
    // The postal code is the use case's rule (once the form reads well).
    let r = app.page_post("/people/new", &s, &person_fields("Inès", "Benali", "00000"));
    assert!(r.status == 422 || r.status == 409, "{}", r.text);
    let r = app.page_post("/people/new", &s, &person_fields("Lina", "Haddad", "00000"));
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "postal_code").is_some(), "{}", r.text);
    assert_eq!(people_count(app, &w), before);
    // An htmx request gets its refused form with 200 (htmx swaps only successful answers),
    // the errors beside the fields; nothing stored either.
    let body = format!(
        "csrf_token={}&first_name=Lina&last_name=&birth_date=1992-05-14&sex=female&qualification_level=3",
        s.csrf
    );
    let cookie = format!("clausier_session={}", s.cookie);
    let r = app.request_with(
        "POST",
        "/people/new",
        None,
        Some(rocket::http::ContentType::Form),
        Some(body.into_bytes()),
        &[("Cookie", &cookie), ("HX-Request", "true")],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        error_beside(&r, "last_name").as_deref(),
        Some("Ce champ est obligatoire.")
    );
    assert_eq!(people_count(app, &w), before);
    // The same person twice: 409, said above the form.
    let r = app.page_post("/people/new", &s, &person_fields("Inès", "Benali", "93200"));
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("role=\"alert\""));
    assert_eq!(people_count(app, &w), before);
}

on_both!(
    a_person_registered_by_the_form_is_what_the_api_returns,
    creation
);

fn eligibility(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let id = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    let s = app.page_session(&w.facilitator);
    let page = app.page_get(&format!("/people/{id}"), &s);
    assert_eq!(page.status, 200);
    // The criteria of the reference list as checkboxes with their French labels.
    let criteria = app.get("/api/v1/reference/criteria", &w.facilitator);
    for c in criteria.body.as_array().expect("the criteria") {
        let code = c["code"].as_str().unwrap();
        assert!(
            page.text.contains(&format!(
                "name=\"criteria\" type=\"checkbox\" value=\"{code}\""
            )),
            "{code}"
        );
        let label = c["label"]
            .as_str()
            .unwrap()
            .replace('\'', "&#x27;")
            .replace('/', "&#x2f;");
        assert!(page.text.contains(&format!(">{label}</label>")), "{label}");
    }
    assert!(page
        .text
        .contains("<option value=\"caf_certificate\">Attestation CAF ou MSA</option>"));

    // Refused: no proof kind; the error beside the select, nothing stored.
    let path = format!("/people/{id}/eligibility");
    let r = app.page_post(
        &path,
        &s,
        &[
            ("criteria", "rsa"),
            ("criteria", "qpv"),
            ("validated_on", "2026-11-02"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        error_beside(&r, "proof").as_deref(),
        Some("Ce champ est obligatoire.")
    );
    // The boxes checked stay checked.
    assert!(r.text.contains("value=\"rsa\" checked"));
    let history = app.get(
        &format!("/api/v1/participants/{id}/eligibility"),
        &w.facilitator,
    );
    assert_eq!(history.body, json!([]));

    let r = app.page_post(
        &path,
        &s,
        &[
            ("criteria", "rsa"),
            ("criteria", "qpv"),
            ("proof", "caf_certificate"),
            ("validated_on", "2026-11-02"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some(format!("/people/{id}?fait=eligibilite-enregistree#eligibilite").as_str())
    );
    let history = app.get(
        &format!("/api/v1/participants/{id}/eligibility"),
        &w.facilitator,
    );
    let rows = history.body.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", history.text);
    let mut got: Vec<&str> = rows[0]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, ["qpv", "rsa"]);
    assert_eq!(rows[0]["proof"], "caf_certificate");
    assert_eq!(rows[0]["validated_on"], "2026-11-02");
    assert_eq!(api_person(app, &w, id)["eligibility"]["status"], "valid");
    let page = app.page_get(&format!("/people/{id}?fait=eligibilite-enregistree"), &s);
    assert!(
        page.text
            .contains("La validation d&#x27;éligibilité est enregistrée."),
        "{}",
        page.text
    );
    assert!(page.text.contains("Bénéficiaire du RSA"));
    assert!(page.text.contains("Éligible jusqu&#x27;au"));
}

on_both!(
    an_eligibility_with_two_criteria_is_recorded_from_the_page,
    eligibility
);

fn placing_and_exiting(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let id = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    eligible(app, &w.facilitator, id, "2026-01-10");
    let s = app.page_session(&w.facilitator);
    let page = app.page_get(&format!("/people/{id}"), &s);
    assert!(
        page.text
            .contains(&format!("<option value=\"{}\">", w.assignment_a)),
        "{}",
        page.text
    );
    let (assignment, employer) = (w.assignment_a.to_string(), w.contractor_a.to_string());
    let form = |job: &'static str, hours: &'static str| {
        vec![
            ("assignment_id", assignment.clone()),
            ("modality", "direct_hire".to_string()),
            ("employer_id", employer.clone()),
            ("contract_type", "cddi".to_string()),
            ("job_title", job.to_string()),
            ("starts_on", "2026-03-02".to_string()),
            ("ends_on", "2026-09-30".to_string()),
            ("weekly_hours", hours.to_string()),
        ]
    };
    let placed = |app: &TestApp| {
        app.get(
            &format!("/api/v1/placements?participant_id={id}"),
            &w.facilitator,
        )
        .body["items"]
            .as_array()
            .unwrap()
            .clone()
    };
    let path = format!("/people/{id}/placements");
    // Refused: hours that are not a figure; the error beside the field, nothing stored.
    let bad = form("Maçon", "beaucoup");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.page_post(&path, &s, &bad);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "weekly_hours").is_some(), "{}", r.text);
    assert!(placed(app).is_empty());

    let good = form("Maçon coffreur", "17,5");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.page_post(&path, &s, &good);
    assert_eq!(r.status, 303, "{}", r.text);
    let items = placed(app);
    assert_eq!(items.len(), 1);
    let pl = &items[0];
    assert_eq!(pl["job_title"], "Maçon coffreur");
    assert_eq!(pl["assignment_id"], w.assignment_a);
    assert_eq!(pl["starts_on"], "2026-03-02");
    assert_eq!(pl["weekly_hours"], 17.5);
    assert_eq!(pl["outcome"], Value::Null);
    let pl_id = pl["id"].as_i64().unwrap();

    // The exit: refused without an outcome, then recorded.
    let exit = format!("/people/placements/{pl_id}/exit");
    let r = app.page_post(&exit, &s, &[("ended_on", "2026-09-30"), ("outcome", "")]);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains(&format!("id=\"e-outcome-{pl_id}\"")),
        "{}",
        r.text
    );
    assert_eq!(
        app.get(&format!("/api/v1/placements/{pl_id}"), &w.facilitator)
            .body["outcome"],
        Value::Null
    );
    let r = app.page_post(
        &exit,
        &s,
        &[
            ("ended_on", "2026-09-30"),
            ("outcome", "durable_employment"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some(format!("/people/{id}?fait=sortie-enregistree#placements").as_str())
    );
    let after = app
        .get(&format!("/api/v1/placements/{pl_id}"), &w.facilitator)
        .body;
    assert_eq!(after["outcome"], "durable_employment");
    assert_eq!(after["ended_on"], "2026-09-30");
    // A second exit is refused (409), said beside the placement's form.
    let r = app.page_post(
        &exit,
        &s,
        &[("ended_on", "2026-09-30"), ("outcome", "other")],
    );
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(
        app.get(&format!("/api/v1/placements/{pl_id}"), &w.facilitator)
            .body["outcome"],
        "durable_employment"
    );

    // The page: the placement, its exit and the timeline, in French.
    let page = app.page_get(&format!("/people/{id}?fait=sortie-enregistree"), &s);
    assert!(page.text.contains("La sortie est enregistrée."));
    assert!(
        page.text.contains("Emploi durable le 30 septembre 2026"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Sortie : Emploi durable"));
    assert!(page
        .text
        .contains("Début de la mise en situation : Maçon coffreur chez Bâtiment Durable"));
    let timeline = app.get(
        &format!("/api/v1/participants/{id}/timeline"),
        &w.facilitator,
    );
    assert!(timeline.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "exit"));
}

on_both!(
    placing_and_exiting_from_the_page_change_what_the_api_returns,
    placing_and_exiting
);

fn stale_correction(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let id = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    let s = app.page_session(&w.facilitator);
    let edit = app.page_get(&format!("/people/{id}/edit"), &s);
    assert_eq!(edit.status, 200);
    assert_eq!(hidden_value(&edit.text, "version").as_deref(), Some("1"));
    assert!(edit.text.contains("value=\"93200\""));
    // Another tab changes the postal code first.
    let r = app.patch(
        &format!("/api/v1/participants/{id}"),
        &w.facilitator,
        json!({"postal_code": "75011"}),
        Some("\"1\""),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    // This tab sends its form, filled from version 1.
    let path = format!("/people/{id}/edit");
    let mut fields = person_fields("Awa", "Diallo", "93100");
    fields.retain(|(k, _)| *k != "birth_date");
    fields.push(("birth_date", "1990-04-02"));
    fields.push(("version", "1"));
    let r = app.page_post(&path, &s, &fields);
    assert_eq!(r.status, 412, "{}", r.text);
    assert!(
        r.text.contains("modifiée par quelqu'un d'autre"),
        "{}",
        r.text
    );
    // The record's current value beside what was typed, and the form from the record now.
    let row = r
        .text
        .find(">Code postal <span")
        .expect("the postal code line marked different");
    let line = &r.text[row..row + 300];
    assert!(line.contains("75011") && line.contains("93100"), "{line}");
    assert_eq!(hidden_value(&r.text, "version").as_deref(), Some("2"));
    assert!(
        r.text
            .contains("id=\"f-postal_code\" name=\"postal_code\" type=\"text\" value=\"75011\""),
        "{}",
        r.text
    );
    // Nothing stored.
    let p = api_person(app, &w, id);
    assert_eq!(p["postal_code"], "75011");
    assert_eq!(p["wished_rome_codes"], json!([]));
    let history = app.get(
        &format!("/api/v1/participants/{id}/history"),
        &w.facilitator,
    );
    assert_eq!(
        history.body.as_array().unwrap().len(),
        1,
        "{}",
        history.text
    );

    // Started again from the current record: stored.
    let fields: Vec<(&str, &str)> = fields
        .into_iter()
        .map(|(k, v)| (k, if k == "version" { "2" } else { v }))
        .collect();
    let r = app.page_post(&path, &s, &fields);
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some(format!("/people/{id}?fait=personne-corrigee").as_str())
    );
    let p = api_person(app, &w, id);
    assert_eq!(p["postal_code"], "93100");
    assert_eq!(p["wished_rome_codes"], json!(["F1606", "F1703"]));
    let history = app.get(
        &format!("/api/v1/participants/{id}/history"),
        &w.facilitator,
    );
    assert_eq!(history.body.as_array().unwrap().len(), 2);
    // The history of corrections on the edit page, the latest first.
    let edit = app.page_get(&path, &s);
    assert_eq!(hidden_value(&edit.text, "version").as_deref(), Some("3"));
    let latest = edit
        .text
        .find("Code postal : 75011 → 93100")
        .expect("the latest correction");
    let earlier = edit
        .text
        .find("Code postal : 93200 → 75011")
        .expect("the earlier correction");
    assert!(latest < earlier);
    // A broken rule: beside its field, the version kept, nothing stored.
    let mut bad = fields.clone();
    bad.retain(|(k, _)| *k != "version" && *k != "birth_date");
    bad.push(("version", "3"));
    bad.push(("birth_date", "2030-01-01"));
    let r = app.page_post(&path, &s, &bad);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "birth_date").is_some(), "{}", r.text);
    assert_eq!(hidden_value(&r.text, "version").as_deref(), Some("3"));
    assert_eq!(api_person(app, &w, id)["birth_date"], "1990-04-02");
}

on_both!(
    a_correction_from_a_stale_form_gets_412_and_stores_nothing,
    stale_correction
);

fn refusals(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let other = fixtures::world(app, "Autre PLIE");
    let id = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    let theirs = participant(app, &other.facilitator, "Jean", "Martin", "1985-01-20");
    let contractor = contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
    let funder = app.api_user(&w.admin, "funder", "financeur@plie.test", None);
    let before = people_count(app, &w);
    for token in [&contractor, &funder] {
        let s = PageSession {
            cookie: token.clone(),
            csrf: String::new(),
        };
        for path in [
            "/people".to_string(),
            "/people/new".into(),
            format!("/people/{id}"),
            format!("/people/{id}/edit"),
        ] {
            let r = app.page_get(&path, &s);
            assert_eq!(r.status, 403, "{path}: {}", r.text);
            assert!(!r.text.contains("Diallo"), "{path}");
        }
        let r = app.page_post("/people/new", &s, &person_fields("Lina", "Haddad", "93200"));
        assert_eq!(r.status, 403);
    }
    assert_eq!(people_count(app, &w), before);
    // Another structure's person is not found, to read or to change.
    let s = app.page_session(&w.facilitator);
    for path in [
        format!("/people/{theirs}"),
        format!("/people/{theirs}/edit"),
    ] {
        let r = app.page_get(&path, &s);
        assert_eq!(r.status, 404, "{path}");
        assert!(r.text.contains(
            "Cette personne n&#x27;existe pas ou ne fait pas partie de votre structure."
        ));
        assert!(!r.text.contains("Martin"));
    }
    let r = app.page_post(
        &format!("/people/{theirs}/eligibility"),
        &s,
        &[
            ("criteria", "rsa"),
            ("proof", "caf_certificate"),
            ("validated_on", "2026-11-02"),
        ],
    );
    assert_eq!(r.status, 404);
    assert!(r.text.contains("Cette personne n&#x27;existe pas"));
    let r = app.page_post(
        &format!("/people/{theirs}/placements"),
        &s,
        &[
            ("assignment_id", "1"),
            ("employer_id", "1"),
            ("job_title", "Maçon"),
            ("starts_on", "2026-03-02"),
        ],
    );
    assert_eq!(r.status, 404);
    let mut fields = person_fields("Jean", "Martin", "75011");
    fields.push(("version", "1"));
    assert_eq!(
        app.page_post(&format!("/people/{theirs}/edit"), &s, &fields)
            .status,
        404
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/participants/{theirs}"),
            &other.facilitator
        )
        .body["postal_code"],
        "93200"
    );
    // A form without its secret: 403, nothing done.
    let body =
        "first_name=Lina&last_name=Haddad&birth_date=1990-04-02&sex=female&qualification_level=3";
    let r = app.page_post_raw("/people/new", &s, body.to_string());
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(people_count(app, &w), before);
    let r = app.page_post_raw(
        &format!("/people/{id}/edit"),
        &s,
        format!("version=1&{body}&postal_code=75011"),
    );
    assert_eq!(r.status, 403);
    let r = app.page_post_raw(
        &format!("/people/{id}/eligibility"),
        &s,
        "criteria=rsa&proof=caf_certificate&validated_on=2026-11-02".into(),
    );
    assert_eq!(r.status, 403);
    let p = api_person(app, &w, id);
    assert_eq!(p["first_name"], "Awa");
    assert_eq!(p["postal_code"], "93200");
    assert_eq!(p["eligibility"]["status"], "none");
}

on_both!(
    people_pages_refuse_other_roles_other_structures_and_forged_forms,
    refusals
);

/// Runs `sql` (one or more statements) on the application's database, as an operator
/// would, outside the service.
fn execute(app: &TestApp, sql: &str) {
    use diesel::connection::SimpleConnection;
    app.database().batch_execute(sql).expect(sql);
}

/// The statements of the migration that key the people recorded before it.
fn migration_fill(app: &TestApp) -> String {
    use crate::common::Backend;
    let up = match app.backend {
        Backend::Sqlite => {
            include_str!("../../migrations/sqlite/2026-12-03-000003_people_search/up.sql")
        }
        Backend::Postgres => {
            include_str!("../../migrations/postgres/2026-12-03-000003_people_search/up.sql")
        }
    };
    let at = up
        .find("-- fill:begin")
        .expect("the migration's fill section");
    let end = up[at..].find("-- fill:end").expect("its end");
    up[at..at + end].to_string()
}

fn people_recorded_before_the_search(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let id = participant(app, &w.facilitator, "ÉLODIE", "Œuvray-Núñez", "1990-04-02");
    let anonymous = participant(app, &w.facilitator, "Jean", "Oubli", "1990-04-02");
    // As recorded before the keys existed.
    execute(
        app,
        "UPDATE participants SET last_name_key = NULL, first_name_key = NULL",
    );
    execute(
        app,
        &format!(
            "UPDATE participants SET first_name = NULL, last_name = NULL, \
             anonymised_at = '2026-01-01 00:00:00' WHERE id = {anonymous}"
        ),
    );
    assert!(linked_people(&search(app, &s, "")).is_empty());
    // The migration keys them as the service does: found by either name, accents and
    // capitals ignored; an anonymised person has no name to find.
    execute(app, &migration_fill(app));
    for q in ["oeuv", "Œuvray-nú", "elodie", "ÉLO", "élodie oeuvray"] {
        assert_eq!(linked_people(&search(app, &s, q)), vec![id], "{q}");
    }
    assert_eq!(linked_people(&search(app, &s, "")), vec![id]);
    // A correction keeps the key with the name.
    let r = app.patch(
        &format!("/api/v1/participants/{id}"),
        &w.facilitator,
        json!({"last_name": "Dupré"}),
        Some("\"1\""),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(linked_people(&search(app, &s, "oeuv")).is_empty());
    assert_eq!(linked_people(&search(app, &s, "dupre")), vec![id]);
}

on_both!(
    people_recorded_before_the_search_are_keyed_by_its_migration,
    people_recorded_before_the_search
);

fn demo_people_are_found(app: &TestApp) {
    use clausier::seed::{generate, Scale, SeedOptions};
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
        1,
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    let options = SeedOptions {
        scale: Scale::Demo,
        years: 1,
        seed: 7,
        last_month: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        password_hash: clausier::auth::password::hash_password(crate::common::PASSWORD).unwrap(),
        open_placements: 0,
    };
    let report = generate(&mut conn, &options).unwrap();
    drop(conn);
    let facilitator = &report
        .users
        .iter()
        .find(|(r, _)| r == "facilitator")
        .unwrap()
        .1;
    let token = app.token(facilitator);
    // The bulk writer of the data sets keys its people like the service: the first page of
    // everyone is full, and a person is found by the beginning of their last name.
    let s = app.page_session(&token);
    let all = search(app, &s, "");
    let ids = linked_people(&all);
    assert_eq!(ids.len(), 50, "{}", all.text);
    let someone = app
        .get(&format!("/api/v1/participants/{}", ids[7]), &token)
        .body;
    let last = someone["last_name"].as_str().unwrap();
    let prefix: String = last.chars().take(3).collect();
    let found = linked_people(&search(app, &s, &prefix.to_uppercase()));
    assert!(found.contains(&ids[7]), "{prefix}");
}

on_both!(
    the_people_of_the_data_sets_are_found_by_the_search,
    demo_people_are_found
);

fn anonymised_people_are_not_found(app: &TestApp) {
    use clausier::config::{Config, DatabaseUrl};
    let w = fixtures::world(app, "PLIE");
    let gone = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    let s = app.page_session(&w.facilitator);
    assert_eq!(linked_people(&search(app, &s, "dia")), vec![gone]);
    let config = Config::for_database(&app.database_url).expect("config");
    let pool =
        clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).expect("pool");
    let mut conn = pool.get().expect("connection");
    let far = chrono::NaiveDate::from_ymd_opt(2031, 1, 1).unwrap();
    let done = app
        .clock
        .scope(|| clausier::jobs::anonymise(&mut conn, &config, far))
        .expect("anonymise");
    assert_eq!(done.len(), 1);
    // The name's keys are erased with the name: nobody to find, by name or in the list.
    for q in ["dia", "awa", ""] {
        assert!(linked_people(&search(app, &s, q)).is_empty(), "{q}");
    }
}

on_both!(
    anonymised_people_are_not_found_by_the_search,
    anonymised_people_are_not_found
);

on_both!(
    an_eligibility_validation_is_withdrawn_from_the_person_s_page,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let p = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
        let validation = eligible(app, &w.facilitator, p, "2026-11-01")["id"]
            .as_i64()
            .expect("validation id");
        let s = app.page_session(&w.facilitator);
        let path = format!("/people/{p}/eligibility/{validation}/withdraw");
        let person = app.page_get(&format!("/people/{p}"), &s);
        assert!(
            person.text.contains(&format!("href=\"{path}\"")),
            "{}",
            person.text
        );

        let form = app.page_get(&path, &s);
        assert_eq!(form.status, 200, "{}", form.text);
        assert!(form.text.contains("Retirer la validation"));
        let version = hidden_value(&form.text, "version").expect("version field");
        assert_eq!(version, "1");

        // Without a reason: refused beside the field, nothing changed.
        let r = app.page_post(&path, &s, &[("version", "1"), ("reason", " ")]);
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(error_beside(&r, "reason").is_some(), "{}", r.text);
        // A version that is no longer the validation's: the page of the other change.
        let r = app.page_post(
            &path,
            &s,
            &[("version", "7"), ("reason", "Erreur de saisie")],
        );
        assert_eq!(r.status, 412, "{}", r.text);
        let list = app.get(
            &format!("/api/v1/participants/{p}/eligibility"),
            &w.facilitator,
        );
        assert!(list.body[0]["withdrawn_at"].is_null(), "{}", list.text);

        let r = app.page_post(
            &path,
            &s,
            &[
                ("version", "1"),
                ("reason", "Saisie sur la mauvaise personne"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(
            r.header("Location"),
            Some(format!("/people/{p}?fait=eligibilite-retiree#eligibilite").as_str())
        );
        let list = app.get(
            &format!("/api/v1/participants/{p}/eligibility"),
            &w.facilitator,
        );
        assert!(list.body[0]["withdrawn_at"].is_string(), "{}", list.text);
        let history = app.get(
            &format!("/api/v1/participants/{p}/eligibility/{validation}/history"),
            &w.facilitator,
        );
        assert_eq!(history.body[0]["action"], "withdraw", "{}", history.text);
        let person = app.page_get(&format!("/people/{p}?fait=eligibilite-retiree"), &s);
        assert!(
            person
                .text
                .contains("La validation d&#x27;éligibilité est retirée")
                || person
                    .text
                    .contains("La validation d'éligibilité est retirée")
        );
        assert!(!person.text.contains(&format!("href=\"{path}\"")));

        // Other roles and structures: refused, nothing shown.
        let other = fixtures::world(app, "Autre PLIE");
        let theirs = app.page_session(&other.facilitator);
        assert_eq!(app.page_get(&path, &theirs).status, 404);
        let contractor = contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
        let cs = PageSession {
            cookie: contractor,
            csrf: String::new(),
        };
        assert_eq!(app.page_get(&path, &cs).status, 403);
    }
);
