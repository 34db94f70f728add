//! The staff's organisations pages (`/organisations`, `/organisations/new`,
//! `/organisations/{id}` and its contacts form), driven like a browser: the session cookie,
//! the form secret read from the page, url-encoded forms. What a form did is read back
//! through the API.

use serde_json::{json, Value};

use crate::common::{PageSession, Resp, TestApp};
use crate::fixtures::{self, contractor_user, World, SIRETS};
use crate::on_both;

/// The structure's organisations, as the facilitator reads them through the API.
fn organisations(app: &TestApp, w: &World) -> Vec<Value> {
    let r = app.get("/api/v1/organisations?limit=100", &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

/// The contacts of an organisation, as the facilitator reads them through the API.
fn contacts(app: &TestApp, w: &World, id: i64) -> Value {
    let r = app.get(
        &format!("/api/v1/organisations/{id}/contacts"),
        &w.facilitator,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn assert_done(r: &Resp, to: &str) {
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("Location"), Some(to), "{}", r.text);
}

/// The error beside field `name` of a refused form (its paragraph, pointed at by the field).
fn error_beside(page: &str, name: &str) -> String {
    assert!(
        page.contains(&format!("aria-describedby=\"e-{name}\"")),
        "no error pointed at by {name}: {page}"
    );
    let mark = format!("<p class=\"field-error\" id=\"e-{name}\">");
    let at = page
        .find(&mark)
        .unwrap_or_else(|| panic!("no error of {name}: {page}"))
        + mark.len();
    page[at..at + page[at..].find("</p>").unwrap()].to_string()
}

on_both!(
    organisations_are_listed_filtered_and_created,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.facilitator);

        // The list: the world's buyer and contractors, their kind in French, with their SIRET.
        let page = app.page_get("/organisations", &s);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("3 organisations."), "{}", page.text);
        assert!(page.text.contains("Ville de Saint-Denis"), "{}", page.text);
        assert!(page.text.contains("Acheteur"), "{}", page.text);
        assert!(page.text.contains("Entreprise"), "{}", page.text);
        assert!(page.text.contains(SIRETS[1]), "{}", page.text);
        assert!(page.text.contains("href=\"/organisations/new\""));
        assert!(
            page.text
                .contains("aria-current=\"page\">Organisations</a>"),
            "the navigation link: {}",
            page.text
        );
        // Filtered by kind: only the buyer.
        let page = app.page_get("/organisations?kind=buyer", &s);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("1 organisation."), "{}", page.text);
        assert!(page.text.contains("Ville de Saint-Denis"));
        assert!(!page.text.contains("Bâtiment Durable"), "{}", page.text);
        assert!(page.text.contains("<option value=\"buyer\" selected>"));

        // A new organisation through the form: stored as the API answers it.
        let form = app.page_get("/organisations/new", &s);
        assert_eq!(form.status, 200, "{}", form.text);
        assert!(form.text.contains("<label for=\"f-siret\">SIRET</label>"));
        let r = app.page_post(
            "/organisations/new",
            &s,
            &[
                ("kind", "insertion_structure"),
                ("name", "Régie de quartier Nord"),
                ("siret", &format!("{} {}", &SIRETS[3][..9], &SIRETS[3][9..])),
                ("territory", "93"),
                ("siae_kind", "ACI"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text);
        let to = r.header("Location").unwrap().to_string();
        let id: i64 = to
            .strip_prefix("/organisations/")
            .and_then(|rest| rest.strip_suffix("?fait=organisation-creee"))
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("to the organisation's page: {to}"));
        let api = app.get(&format!("/api/v1/organisations/{id}"), &w.facilitator);
        assert_eq!(api.status, 200, "{}", api.text);
        assert_eq!(api.body["kind"], "insertion_structure");
        assert_eq!(api.body["name"], "Régie de quartier Nord");
        assert_eq!(api.body["siret"], SIRETS[3]);
        assert_eq!(api.body["territory"], "93");
        assert_eq!(api.body["siae_kind"], "ACI");
        let page = app.page_get(&to, &s);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(
            page.text.contains("L&#x27;organisation est enregistrée.")
                || page.text.contains("L'organisation est enregistrée."),
            "{}",
            page.text
        );
        assert!(page.text.contains("Structure d"), "{}", page.text);
        assert!(page.text.contains("Atelier et chantier d"), "{}", page.text);
        assert!(
            page.text.contains("Seine-Saint-Denis (93)"),
            "{}",
            page.text
        );
        assert!(page.text.contains("Aucun contact n"), "{}", page.text);
        assert_eq!(organisations(app, &w).len(), 4);
    }
);

on_both!(
    bad_organisations_are_refused_beside_their_fields,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.facilitator);
        // No name, a SIRET that is not one, an unknown département: every error beside its field.
        let r = app.page_post(
            "/organisations/new",
            &s,
            &[
                ("kind", "buyer"),
                ("name", "  "),
                ("siret", "12345"),
                ("territory", "99"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(error_beside(&r.text, "name"), "Ce champ est obligatoire.");
        assert!(
            error_beside(&r.text, "siret").contains("n&#x27;est pas un SIRET"),
            "{}",
            r.text
        );
        assert!(
            error_beside(&r.text, "territory").contains("code de département"),
            "{}",
            r.text
        );
        // What was typed stays in the form.
        assert!(r.text.contains("value=\"12345\""), "{}", r.text);
        assert!(
            r.text.contains("<option value=\"buyer\" selected>"),
            "{}",
            r.text
        );
        // No kind.
        let r = app.page_post("/organisations/new", &s, &[("name", "Sans type")]);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(error_beside(&r.text, "kind"), "Ce champ est obligatoire.");
        // An SIAE kind for a buyer.
        let r = app.page_post(
            "/organisations/new",
            &s,
            &[("kind", "buyer"), ("name", "Mairie"), ("siae_kind", "ACI")],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        error_beside(&r.text, "siae_kind");
        // A SIRET another organisation of the structure holds: 409, beside the SIRET.
        let r = app.page_post(
            "/organisations/new",
            &s,
            &[
                ("kind", "contractor"),
                ("name", "Doublon"),
                ("siret", SIRETS[1]),
            ],
        );
        assert_eq!(r.status, 409, "{}", r.text);
        assert!(
            error_beside(&r.text, "siret").contains(SIRETS[1]),
            "{}",
            r.text
        );
        // Nothing stored.
        assert_eq!(organisations(app, &w).len(), 3);
    }
);

on_both!(
    contacts_saved_on_the_page_are_those_of_the_api,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.facilitator);
        let path = format!("/organisations/{}", w.contractor_a);
        let page = app.page_get(&path, &s);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("Bâtiment Durable"), "{}", page.text);
        assert!(
            page.text.contains("name=\"contacts[4].email\""),
            "{}",
            page.text
        );
        let r = app.page_post(
            &format!("{path}/contacts"),
            &s,
            &[
                ("contacts[0].name", "Service paie"),
                ("contacts[0].email", "Paie@BD.test"),
                ("contacts[1].name", ""),
                ("contacts[1].email", ""),
                ("contacts[2].email", " chantier@bd.test "),
            ],
        );
        assert_done(&r, &format!("{path}?fait=contacts-enregistres"));
        let saved = json!([
            {"email": "paie@bd.test", "name": "Service paie"},
            {"email": "chantier@bd.test", "name": null}
        ]);
        assert_eq!(contacts(app, &w, w.contractor_a), saved);
        // The contractor reads the same contacts on its own page.
        let user = contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
        let r = app.get(
            &format!("/api/v1/organisations/{}/contacts", w.contractor_a),
            &user,
        );
        assert_eq!(r.body, saved);
        let page = app.page_get(&format!("{path}?fait=contacts-enregistres"), &s);
        assert!(
            page.text.contains("Les contacts sont enregistrés"),
            "{}",
            page.text
        );
        assert!(
            page.text.contains("value=\"paie@bd.test\""),
            "{}",
            page.text
        );
        assert!(page.text.contains("2 personnes reçoivent"), "{}", page.text);

        // A bad address: the page again, the error beside its row, nothing changed.
        let r = app.page_post(
            &format!("{path}/contacts"),
            &s,
            &[
                ("contacts[0].name", "Accueil"),
                ("contacts[0].email", "rh@bd.test"),
                ("contacts[1].name", "Sans adresse"),
                ("contacts[1].email", ""),
                ("contacts[2].email", "pas-une-adresse"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(
            error_beside(&r.text, "email-1"),
            "Ce champ est obligatoire."
        );
        error_beside(&r.text, "email-2");
        assert!(r.text.contains("value=\"pas-une-adresse\""), "{}", r.text);
        assert_eq!(contacts(app, &w, w.contractor_a), saved);

        // Emptied rows remove every contact.
        let r = app.page_post(
            &format!("{path}/contacts"),
            &s,
            &[("contacts[0].name", ""), ("contacts[0].email", "")],
        );
        assert_done(&r, &format!("{path}?fait=contacts-enregistres"));
        assert_eq!(contacts(app, &w, w.contractor_a), json!([]));
    }
);

on_both!(
    only_the_structure_s_staff_have_these_pages,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let other = fixtures::world(app, "Autre PLIE");
        let contractor = contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
        let funder = app.api_user(&w.admin, "funder", "financeur@plie.test", None);
        let org = format!("/organisations/{}", w.contractor_a);
        // Contractors and funders: 403 on every page, nothing stored.
        for token in [&contractor, &funder] {
            let s = PageSession {
                cookie: token.clone(),
                csrf: String::new(),
            };
            for path in ["/organisations", "/organisations/new", org.as_str()] {
                let r = app.page_get(path, &s);
                assert_eq!(r.status, 403, "{path}: {}", r.text);
            }
            let s = app.page_session(token);
            let r = app.page_post(
                "/organisations/new",
                &s,
                &[("kind", "buyer"), ("name", "Intrus")],
            );
            assert_eq!(r.status, 403, "{}", r.text);
            let r = app.page_post(
                &format!("{org}/contacts"),
                &s,
                &[("contacts[0].email", "pirate@evil.test")],
            );
            assert_eq!(r.status, 403, "{}", r.text);
        }
        // The admin is staff too.
        let s = app.page_session(&w.admin);
        assert_eq!(app.page_get("/organisations", &s).status, 200);
        // Another structure's organisation: a 404 page, its contacts untouched.
        let s = app.page_session(&other.facilitator);
        let r = app.page_get(&org, &s);
        assert_eq!(r.status, 404, "{}", r.text);
        assert!(!r.text.contains("Bâtiment Durable"), "{}", r.text);
        let r = app.page_post(
            &format!("{org}/contacts"),
            &s,
            &[("contacts[0].email", "pirate@evil.test")],
        );
        assert_eq!(r.status, 404, "{}", r.text);
        // A form without its secret, or a forged one: 403, nothing stored.
        let s = app.page_session(&w.facilitator);
        let r = app.page_post_raw(
            "/organisations/new",
            &s,
            "kind=buyer&name=Sans+secret".into(),
        );
        assert_eq!(r.status, 403, "{}", r.text);
        let r = app.page_post_raw(
            &format!("{org}/contacts"),
            &s,
            "csrf_token=forged&contacts%5B0%5D.email=pirate%40evil.test".into(),
        );
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(organisations(app, &w).len(), 3);
        assert_eq!(contacts(app, &w, w.contractor_a), json!([]));
        // Nobody: to the login page.
        let r = app.request("GET", "/organisations", None, None, None);
        assert_eq!(r.status, 303, "{}", r.text);
    }
);

on_both!(the_list_is_paginated_within_its_kind, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    // 50 more buyers: 51 buyers, 53 organisations.
    for i in 0..50 {
        let r = app.post(
            "/api/v1/organisations",
            &w.facilitator,
            json!({"kind": "buyer", "name": format!("Commune {i:02}")}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let s = app.page_session(&w.facilitator);
    let page = app.page_get("/organisations", &s);
    assert!(
        page.text.contains("53 organisations — page 1 sur 2."),
        "{}",
        page.text
    );
    assert!(page.text.contains("page=2\" rel=\"next\""), "{}", page.text);
    let page = app.page_get("/organisations?kind=buyer&page=2", &s);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("51 organisations — page 2 sur 2."),
        "{}",
        page.text
    );
    assert!(page.text.contains("Commune 49"), "{}", page.text);
    assert!(!page.text.contains("Commune 48"), "{}", page.text);
    assert!(
        page.text.contains("kind=buyer&amp;page=1\" rel=\"prev\""),
        "{}",
        page.text
    );
    // An unknown kind filters nothing; a page out of range is the first.
    let page = app.page_get("/organisations?kind=inconnu&page=abc", &s);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("53 organisations — page 1 sur 2."),
        "{}",
        page.text
    );
});
