//! Limits on request bodies (issue 13): every text field has a class with a length limit
//! counted in characters, control characters are refused, lists and dates are bounded, and
//! a clause lasts at most 240 months. Over a limit: 422 naming the field, nothing stored.

use serde_json::{json, Value};

use crate::common::{Resp, TestApp, PASSWORD};
use crate::fixtures::{self, eligible, participant, World};
use crate::on_both;

/// `n` characters of two bytes each: limits count characters, not bytes.
fn chars(n: usize) -> String {
    "é".repeat(n)
}

/// 15 MiB of text, as in the incident.
fn huge() -> String {
    "x".repeat(15 * 1024 * 1024)
}

fn refused(r: &Resp, field: &str) {
    let start: String = r.text.chars().take(500).collect();
    assert_eq!(r.status, 422, "{field}: {start}");
    assert_eq!(r.error_fields(), vec![field.to_string()], "{}", r.text);
    assert_eq!(r.body["title"], "Données refusées");
}

fn total(app: &TestApp, path: &str, token: &str) -> i64 {
    let r = app.get(path, token);
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.body["total"].as_i64().unwrap()
}

fn person(first: &str, last: &str) -> Value {
    json!({"first_name": first, "last_name": last, "birth_date": "1990-04-02", "sex": "female",
           "postal_code": "93200", "qpv": true, "qualification_level": "3"})
}

fn placement_body(w: &World, participant: i64, job_title: &str) -> Value {
    json!({"participant_id": participant, "assignment_id": w.assignment_a, "modality": "direct_hire",
           "employer_id": w.contractor_a, "contract_type": "cddi", "job_title": job_title,
           "starts_on": "2026-02-01", "ends_on": "2026-06-30"})
}

fn clause_body(starts: &str, ends: &str) -> Value {
    json!({"kind": "execution_condition",
           "calibration": {"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50,
                           "insertion_rate_percent": 5, "hourly_cost_eur": 30},
           "starts_on": starts, "ends_on": ends})
}

/// A person proposed to a need of contractor A; returns the world, the proposal and
/// contractor A's token.
fn proposal(app: &TestApp) -> (World, i64, String) {
    let w = fixtures::world(app, "PLIE");
    let p = participant(app, &w.facilitator, "Awa", "Diallo", "1990-04-02");
    eligible(app, &w.facilitator, p, "2026-01-10");
    let r = app.post(
        "/api/v1/needs",
        &w.facilitator,
        json!({"assignment_id": w.assignment_a, "job_title": "Peintre en bâtiment", "posts": 1,
               "commune_code": "93066", "territory": "93", "starts_on": "2026-02-01",
               "weekly_hours": 35, "modality": "direct_hire", "employer_id": w.contractor_a,
               "contract_type": "cddi"}),
    );
    assert_eq!(r.status, 201, "need: {}", r.text);
    let need = r.body["id"].as_i64().unwrap();
    let id = fixtures::propose(app, &w.facilitator, need, p);
    let a = fixtures::contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
    (w, id, a)
}

fn answer(app: &TestApp, token: &str, referral: i64, body: Value) -> Resp {
    app.post(&format!("/api/v1/referrals/{referral}/answer"), token, body)
}

fn form_login(app: &TestApp, body: &str) -> (u16, String) {
    let r = app.submit_login_form(body);
    let status = r.status().code;
    assert!(r.headers().get_one("Set-Cookie").is_none());
    (status, r.into_string().unwrap_or_default())
}

on_both!(names_at_and_over_their_limit, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let f = &w.facilitator;
    let r = app.post("/api/v1/participants", f, person(&chars(100), &chars(100)));
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap();
    let got = app.get(&format!("/api/v1/participants/{id}"), f);
    assert_eq!(got.body["first_name"], chars(100));
    assert_eq!(got.body["last_name"], chars(100));

    refused(
        &app.post("/api/v1/participants", f, person(&chars(101), "Diallo")),
        "first_name",
    );
    refused(
        &app.post("/api/v1/participants", f, person("Awa", &chars(101))),
        "last_name",
    );
    refused(
        &app.post("/api/v1/participants", f, person(&huge(), "Diallo")),
        "first_name",
    );
    assert_eq!(total(app, "/api/v1/participants", f), 1);

    // A contact's name.
    let path = format!("/api/v1/organisations/{}/contacts", w.contractor_a);
    let r = app.put(
        &path,
        f,
        json!([{"email": "chef@bd.test", "name": chars(100)}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.put(
        &path,
        f,
        json!([{"email": "autre@bd.test", "name": chars(101)}]),
    );
    refused(&r, "[0].name");
    let got = app.get(&path, f);
    assert_eq!(
        got.body,
        json!([{"email": "chef@bd.test", "name": chars(100)}])
    );
});

on_both!(
    labels_and_titles_at_and_over_their_limit,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let f = &w.facilitator;
        let p = participant(app, f, "Awa", "Diallo", "1990-04-02");
        eligible(app, f, p, "2026-01-10");
        let placements = format!("/api/v1/placements?participant_id={p}");

        // A job title: 200 characters.
        refused(
            &app.post("/api/v1/placements", f, placement_body(&w, p, &chars(201))),
            "job_title",
        );
        refused(
            &app.post("/api/v1/placements", f, placement_body(&w, p, &huge())),
            "job_title",
        );
        assert_eq!(total(app, &placements, f), 0);
        let r = app.post("/api/v1/placements", f, placement_body(&w, p, &chars(200)));
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["job_title"], chars(200));
        assert_eq!(total(app, &placements, f), 1);

        // A milestone's label.
        let path = format!("/api/v1/clauses/{}/milestones", w.clause);
        let before = total(app, &path, f);
        let r = app.post(
            &path,
            f,
            json!({"label": chars(201), "due_on": "2026-06-15"}),
        );
        refused(&r, "label");
        assert_eq!(total(app, &path, f), before);

        // An organisation's name: a label, since legal names run past 100 characters.
        let orgs = total(app, "/api/v1/organisations", f);
        let r = app.post(
            "/api/v1/organisations",
            f,
            json!({"kind": "buyer", "name": chars(201), "siret": fixtures::SIRETS[3]}),
        );
        refused(&r, "name");
        assert_eq!(total(app, "/api/v1/organisations", f), orgs);
        let r = app.post(
            "/api/v1/organisations",
            f,
            json!({"kind": "buyer", "name": chars(200), "siret": fixtures::SIRETS[3]}),
        );
        assert_eq!(r.status, 201, "{}", r.text);

        // A contract's title: 1 000 characters.
        let contract = |title: &str, reference: &str| {
            json!({"buyer_id": w.buyer, "reference": reference, "title": title, "kind": "works",
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
        };
        let contracts = total(app, "/api/v1/contracts", f);
        refused(
            &app.post("/api/v1/contracts", f, contract(&chars(1001), "2026-100")),
            "title",
        );
        assert_eq!(total(app, "/api/v1/contracts", f), contracts);
        let r = app.post("/api/v1/contracts", f, contract(&chars(1000), "2026-100"));
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["title"], chars(1000));
    }
);

on_both!(
    free_text_codes_emails_and_passwords_at_and_over_their_limit,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let f = &w.facilitator;
        let clauses = format!("/api/v1/contracts/{}/clauses", w.contract);

        // A justification: 2 000 characters, several lines allowed.
        let overridden = |justification: &str| {
            let mut b = clause_body("2026-01-01", "2026-12-31");
            b["hours_override"] = json!(900);
            b["override_justification"] = json!(justification);
            b
        };
        let before = total(app, "/api/v1/clauses", f);
        refused(
            &app.post(&clauses, f, overridden(&chars(2001))),
            "override_justification",
        );
        refused(
            &app.post(&clauses, f, overridden(&huge())),
            "override_justification",
        );
        assert_eq!(total(app, "/api/v1/clauses", f), before);
        let head = "Ligne 1\n\tLigne 2\r\n";
        let text = format!("{head}{}", chars(2000 - head.chars().count()));
        assert_eq!(text.chars().count(), 2000);
        let r = app.post(&clauses, f, overridden(&text));
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        let got = app.get(&format!("/api/v1/clauses/{id}"), f);
        assert_eq!(got.body["override_justification"], text);

        // A code or identifier (the default class of single-line fields): 64 characters.
        let mut b = person("Awa", "Diallo");
        b["jobseeker_id"] = json!("x".repeat(65));
        refused(&app.post("/api/v1/participants", f, b), "jobseeker_id");
        let mut b = person("Awa", "Diallo");
        b["jobseeker_id"] = json!("x".repeat(64));
        let r = app.post("/api/v1/participants", f, b);
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(total(app, "/api/v1/participants", f), 1);

        // An email: 254 characters.
        let email_of = |n: usize| {
            let domain = format!(
                "{}.{}.{}.fr",
                "b".repeat(63),
                "c".repeat(63),
                "d".repeat(58)
            );
            format!("{}@{domain}", "a".repeat(n - 1 - domain.len()))
        };
        assert_eq!(email_of(254).chars().count(), 254);
        let path = format!("/api/v1/organisations/{}/contacts", w.contractor_a);
        refused(
            &app.put(&path, f, json!([{"email": email_of(255)}])),
            "[0].email",
        );
        assert_eq!(app.get(&path, f).body, json!([]));
        let r = app.put(&path, f, json!([{"email": email_of(254)}]));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(app.get(&path, f).body[0]["email"], email_of(254));

        // A password: 1 024 characters.
        let users = total(app, "/api/v1/users", &w.admin);
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "long@plie.test", "password": "p".repeat(1025), "role": "facilitator"}),
        );
        refused(&r, "password");
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": email_of(255), "password": PASSWORD, "role": "facilitator"}),
        );
        refused(&r, "email");
        assert_eq!(total(app, "/api/v1/users", &w.admin), users);
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "long@plie.test", "password": "p".repeat(1024), "role": "facilitator"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(app.login("long@plie.test", &"p".repeat(1024)).status, 200);
        refused(&app.login("long@plie.test", &"p".repeat(1025)), "password");
        refused(&app.login(&email_of(255), PASSWORD), "email");
    }
);

on_both!(
    comments_take_free_text_and_refuse_control_characters,
    |app: &TestApp| {
        let (w, id, a) = proposal(app);
        let path = format!("/api/v1/referrals/{id}");
        let r = answer(
            app,
            &a,
            id,
            json!({"state": "interview", "comment": "Entretien\0 mardi"}),
        );
        refused(&r, "comment");
        let interview_with = |comment: String| {
            answer(
                app,
                &a,
                id,
                json!({"state": "interview", "comment": comment}),
            )
        };
        for bad in ["Mardi \u{7} 10 h", "Mardi \u{1b}[31m", "Mardi\u{7f}"] {
            refused(&interview_with(bad.to_string()), "comment");
        }
        refused(&interview_with(chars(2001)), "comment");
        refused(&interview_with(huge()), "comment");
        let got = app.get(&path, &w.facilitator);
        assert_eq!(got.body["state"], "proposed", "{}", got.text);
        assert!(got.body["comment"].is_null());

        // Tab and line breaks belong in a comment.
        let head = "Entretien mardi 10 h\n\tApporter le CV\r\n";
        let comment = format!("{head}{}", chars(2000 - head.chars().count()));
        assert_eq!(comment.chars().count(), 2000);
        let r = answer(
            app,
            &a,
            id,
            json!({"state": "interview", "comment": comment}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let got = app.get(&path, &w.facilitator);
        assert_eq!(got.body["state"], "interview");
        assert_eq!(got.body["comment"], comment);
    }
);

on_both!(names_refuse_nul_tab_and_line_breaks, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let f = &w.facilitator;
    for (first, last, field) in [
        ("Awa\0", "Diallo", "first_name"),
        ("Awa", "Dia\0llo", "last_name"),
        ("Awa\tMarie", "Diallo", "first_name"),
        ("Awa", "Diallo\n", "last_name"),
        ("Awa\r", "Diallo", "first_name"),
        ("Awa\u{1}", "Diallo", "first_name"),
    ] {
        refused(
            &app.post("/api/v1/participants", f, person(first, last)),
            field,
        );
    }
    // A NUL in a code too.
    let mut b = person("Awa", "Diallo");
    b["postal_code"] = json!("93\u{0}200");
    refused(&app.post("/api/v1/participants", f, b), "postal_code");
    assert_eq!(total(app, "/api/v1/participants", f), 0);
    // Printable text of any kind is a name.
    let r = app.post(
        "/api/v1/participants",
        f,
        person("Inès-Marie", "N'Diaye Lefèvre"),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(total(app, "/api/v1/participants", f), 1);
});

on_both!(
    a_nul_in_the_login_is_refused_not_a_server_error,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        // The JSON login.
        refused(&app.login("fac@plie.test\0", PASSWORD), "email");
        refused(&app.login("\0", PASSWORD), "email");
        refused(&app.login("fac@plie.test", "correct\0horse"), "password");
        refused(&app.login(&huge(), PASSWORD), "email");
        // The HTML form: the login page again, with a French message.
        let (status, page) = form_login(
            app,
            &format!("email=fac%40plie.test%00&password={PASSWORD}"),
        );
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("<html lang=\"fr\">"), "{page}");
        assert!(page.contains("caractère nul"), "{page}");
        let (status, page) = form_login(app, "email=fac%40plie.test&password=correct%00horse");
        assert_eq!(status, 422, "{page}");
        assert!(
            page.contains("Le mot de passe ne doit pas contenir de caractère nul"),
            "{page}"
        );
        let (status, page) = form_login(
            app,
            &format!("email=fac%40plie.test%01&password={PASSWORD}"),
        );
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("caractère de contrôle"), "{page}");
        let (status, page) = form_login(
            app,
            &format!("email={}&password={PASSWORD}", "a".repeat(255)),
        );
        assert_eq!(status, 422, "{page}");
        assert!(
            page.contains("ne doit pas dépasser 254 caractères"),
            "{page}"
        );
        // A form far over Rocket's form limit is refused before any check, not a server error.
        let (status, _) = form_login(app, &format!("email={}&password=x", huge()));
        assert!((400..500).contains(&status), "{status}");
        // None of this counted as a failed attempt, and the account still logs in.
        let r = app.login("fac@plie.test", PASSWORD);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(!w.facilitator.is_empty());
    }
);

on_both!(at_most_fifty_contacts, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let f = &w.facilitator;
    let path = format!("/api/v1/organisations/{}/contacts", w.contractor_a);
    let list = |n: usize| -> Value {
        (0..n)
            .map(
                |i| json!({"email": format!("contact{i}@bd.test"), "name": format!("Contact {i}")}),
            )
            .collect()
    };
    let r = app.put(&path, f, list(50));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.get(&path, f).body.as_array().unwrap().len(), 50);
    let r = app.put(&path, f, list(51));
    refused(&r, "body");
    let r = app.put(&path, f, list(15_000));
    refused(&r, "body");
    // The 50 stay.
    assert_eq!(app.get(&path, f).body.as_array().unwrap().len(), 50);
});

on_both!(dates_and_the_length_of_a_clause, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let f = &w.facilitator;
    let clauses = format!("/api/v1/contracts/{}/clauses", w.contract);
    let before = total(app, "/api/v1/clauses", f);
    // 241 months, and the incident's year 1 to 9999.
    let r = app.post(&clauses, f, clause_body("2026-01-01", "2046-01-31"));
    refused(&r, "ends_on");
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("240 mois"),
        "{}",
        r.text
    );
    refused(
        &app.post(&clauses, f, clause_body("2026-01-01", "2046-01-01")),
        "ends_on",
    );
    let r = app.post(&clauses, f, clause_body("0001-01-01", "9999-12-31"));
    assert_eq!(r.status, 422, "{}", r.text);
    refused(
        &app.post(&clauses, f, clause_body("1989-12-31", "2000-01-01")),
        "starts_on",
    );
    refused(
        &app.post(&clauses, f, clause_body("2099-01-01", "2101-01-01")),
        "ends_on",
    );
    assert_eq!(total(app, "/api/v1/clauses", f), before);
    // 240 months exactly.
    let r = app.post(&clauses, f, clause_body("2026-01-01", "2045-12-31"));
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(total(app, "/api/v1/clauses", f), before + 1);

    // A contract's dates: 1990-01-01 to 2100-12-31.
    let contract = |reference: &str, notified: &str, ends: &str| {
        json!({"buyer_id": w.buyer, "reference": reference, "title": "Entretien des espaces verts",
               "kind": "services", "notified_on": notified, "starts_on": notified, "ends_on": ends})
    };
    let contracts = total(app, "/api/v1/contracts", f);
    refused(
        &app.post(
            "/api/v1/contracts",
            f,
            contract("C-1", "1989-12-31", "1995-12-31"),
        ),
        "notified_on",
    );
    refused(
        &app.post(
            "/api/v1/contracts",
            f,
            contract("C-2", "2100-01-01", "2101-01-01"),
        ),
        "ends_on",
    );
    assert_eq!(total(app, "/api/v1/contracts", f), contracts);
    let r = app.post(
        "/api/v1/contracts",
        f,
        contract("C-3", "1990-01-01", "2100-12-31"),
    );
    assert_eq!(r.status, 201, "{}", r.text);

    // A placement's dates, and a milestone's.
    let p = participant(app, f, "Awa", "Diallo", "1990-04-02");
    eligible(app, f, p, "2026-01-10");
    let mut b = placement_body(&w, p, "Peintre");
    b["ends_on"] = json!("2101-01-01");
    refused(&app.post("/api/v1/placements", f, b), "ends_on");
    assert_eq!(
        total(app, &format!("/api/v1/placements?participant_id={p}"), f),
        0
    );
    let path = format!("/api/v1/clauses/{}/milestones", w.clause);
    let milestones = total(app, &path, f);
    let r = app.post(
        &path,
        f,
        json!({"label": "Visite de chantier", "due_on": "1989-12-31"}),
    );
    refused(&r, "due_on");
    assert_eq!(total(app, &path, f), milestones);
});

on_both!(
    decp_imports_skip_records_whose_texts_do_not_fit,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let record = |id: &str, objet: &str, holder: &str| {
            json!({"id": id, "acheteur": {"id": "21750001630040", "nom": "Ville de Paris"},
               "objet": objet, "codeCPV": "45454000-4", "montant": 100000,
               "dateNotification": "2024-03-01", "dureeMois": 12,
               "titulaires": [{"id": "55204599900869", "typeIdentifiant": "SIRET",
                               "denominationSociale": holder}]})
        };
        let doc = json!({"marches": {"marche": [
            record("2024-001", "Travaux\u{0} de voirie", "Bâtiment Durable"),
            record("2024-002", &chars(1001), "Bâtiment Durable"),
            record("2024-003", "Entretien des espaces verts", "Bâti\u{0}ment"),
            record("2024-004", "Nettoyage des locaux\r\nlot 2", "Propreté Services"),
        ]}});
        let r = app.post("/api/v1/imports/decp", &admin, doc);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["created"], 2, "{}", r.text);
        let skipped: Vec<(i64, String, String)> = r.body["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["index"].as_i64().unwrap(),
                    s["field"].as_str().unwrap().to_string(),
                    s["code"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            skipped,
            vec![
                (0, "objet".to_string(), "nul_character".to_string()),
                (1, "objet".to_string(), "too_long".to_string()),
            ]
        );
        assert_eq!(
            r.body["skipped"][0]["reason"],
            "le texte ne doit pas contenir de caractère nul (U+0000)"
        );
        let contracts = app.get("/api/v1/contracts", &admin);
        assert_eq!(contracts.body["total"], 2, "{}", contracts.text);
        let titles: Vec<&str> = contracts.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap())
            .collect();
        assert!(titles.contains(&"Nettoyage des locaux lot 2"), "{titles:?}");
        // The holder whose name held a NUL was dropped, not stored.
        let orgs = app.get("/api/v1/organisations?kind=contractor", &admin);
        let names: Vec<&str> = orgs.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap_or(""))
            .collect();
        assert!(names.iter().all(|n| !n.contains('\0')), "{names:?}");
    }
);
