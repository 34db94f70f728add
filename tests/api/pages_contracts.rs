//! The facilitator's contracts and clauses pages (issue 19), driven like a browser: the
//! session cookie, the form secret read from a page, url-encoded forms. What a form did is
//! read back through the API; the calibration preview is compared with the API's.

use serde_json::{json, Value};

use crate::common::{PageSession, Resp, TestApp};
use crate::fixtures::{self, World};
use crate::on_both;

/// A text as the pages print it (minijinja's HTML escaping).
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

fn assert_done(r: &Resp, to: &str) {
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("Location"), Some(to), "{}", r.text);
}

/// The id at the end of a redirect's address, before its query.
fn id_in(r: &Resp, prefix: &str) -> i64 {
    assert_eq!(r.status, 303, "{}", r.text);
    let to = r.header("Location").expect("a redirect");
    let rest = to.strip_prefix(prefix).unwrap_or_else(|| panic!("{to}"));
    rest.split('?').next().unwrap().parse().unwrap()
}

/// The field's error paragraph holds `message`.
fn assert_beside(page: &Resp, field: &str, message: &str) {
    let at = page
        .text
        .find(&format!("id=\"e-{field}\""))
        .unwrap_or_else(|| panic!("no error beside {field}: {}", page.text));
    let end = page.text[at..].find("</p>").unwrap() + at;
    let shown = &page.text[at..end];
    assert!(shown.contains(&escaped(message)), "{field}: {shown}");
    assert!(
        page.text
            .contains(&format!("aria-describedby=\"e-{field}\"")),
        "{field} is not tied to its error"
    );
}

fn contracts_total(app: &TestApp, w: &World) -> i64 {
    let r = app.get("/api/v1/contracts", &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["total"].as_i64().unwrap()
}

fn clause_of_api(app: &TestApp, w: &World, id: i64) -> Value {
    let r = app.get(&format!("/api/v1/clauses/{id}"), &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// A new clause's form, 1 000 000 € × 50 % × 5 % ÷ 30 € (833 hours).
const CLAUSE_FIELDS: &[(&str, &str)] = &[
    ("kind", "execution_condition"),
    ("method", "labour_share"),
    ("amount_eur", "1 000 000"),
    ("labour_share_percent", "50"),
    ("insertion_rate_percent", "5"),
    ("hourly_cost_eur", "30"),
    ("starts_on", "2026-12-01"),
    ("ends_on", "2027-11-30"),
    ("reporting_frequency", "monthly"),
    ("penalty_per_missing_hour_eur", "60"),
];

on_both!(
    a_contract_created_on_the_page_is_the_api_s,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.facilitator);
        let list = app.page_get("/contracts", &s);
        assert_eq!(list.status, 200, "{}", list.text);
        for shown in [
            "2026-001",
            "Réhabilitation du groupe scolaire",
            "Ville de Saint-Denis",
            "1\u{202f}000\u{202f}000\u{a0}€",
            "du 1er janvier 2026 au 31 décembre 2026",
            "1 marché.",
        ] {
            assert!(list.text.contains(shown), "{shown}: {}", list.text);
        }
        let form = app.page_get("/contracts/new", &s);
        assert_eq!(form.status, 200, "{}", form.text);
        assert!(form.text.contains("Ville de Saint-Denis"), "{}", form.text);
        assert!(form.text.contains("Peintures Réunies"), "{}", form.text);
        let buyer = w.buyer.to_string();
        let holder = w.contractor_b.to_string();
        let r = app.page_post(
            "/contracts/new",
            &s,
            &[
                ("buyer_id", &buyer),
                ("reference", "2026-077"),
                ("title", "Entretien des espaces verts"),
                ("kind", "services"),
                ("cpv_code", "77310000"),
                ("amount_eur", "250 000,50"),
                ("starts_on", "2027-01-01"),
                ("ends_on", "2027-12-31"),
                ("holder_id", &holder),
                ("clause_sociale", "on"),
            ],
        );
        let id = id_in(&r, "/contracts/");
        assert_done(&r, &format!("/contracts/{id}?fait=contrat-cree"));
        let api = app.get(&format!("/api/v1/contracts/{id}"), &w.facilitator);
        assert_eq!(api.status, 200, "{}", api.text);
        assert_eq!(api.body["reference"], "2026-077");
        assert_eq!(api.body["kind"], "services");
        assert_eq!(api.body["amount_eur"].as_f64(), Some(250000.5));
        assert_eq!(api.body["buyer_id"], w.buyer);
        assert_eq!(api.body["holder_ids"], json!([w.contractor_b]));
        assert_eq!(api.body["social_considerations"], json!(["clause_sociale"]));
        assert_eq!(api.body["ends_on"], "2027-12-31");
        let page = app.page_get(&format!("/contracts/{id}?fait=contrat-cree"), &s);
        assert_eq!(page.status, 200, "{}", page.text);
        for shown in [
            "Le marché est enregistré.",
            "Entretien des espaces verts",
            "250\u{202f}000,50\u{a0}€",
            "Peintures Réunies",
            "Ajouter une clause",
        ] {
            assert!(page.text.contains(shown), "{shown}: {}", page.text);
        }
        // The world's contract lists its clause.
        let first = app.page_get(&format!("/contracts/{}", w.contract), &s);
        assert!(
            first
                .text
                .contains(&format!("href=\"/clauses/{}\"", w.clause)),
            "{}",
            first.text
        );
        assert!(first.text.contains("833 h"), "{}", first.text);
    }
);

on_both!(
    a_refused_contract_shows_its_errors_beside_the_fields_and_stores_nothing,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.facilitator);
        let buyer = w.buyer.to_string();
        let before = contracts_total(app, &w);
        let r = app.page_post(
            "/contracts/new",
            &s,
            &[
                ("buyer_id", &buyer),
                ("reference", ""),
                ("title", "Voirie"),
                ("kind", "works"),
                ("amount_eur", "douze mille"),
                ("starts_on", "01/02/2027"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_beside(&r, "reference", "Ce champ est obligatoire.");
        assert_beside(
            &r,
            "amount_eur",
            "Indiquez un nombre, par exemple 1 250 000 ou 12,5 (deux décimales au plus).",
        );
        assert_beside(&r, "starts_on", "La date doit être écrite AAAA-MM-JJ");
        // What was typed stays in the form.
        assert!(r.text.contains("value=\"douze mille\""), "{}", r.text);
        assert_eq!(contracts_total(app, &w), before);
        // A buyer's reference already taken: the use case's refusal beside its field.
        let r = app.page_post(
            "/contracts/new",
            &s,
            &[
                ("buyer_id", &buyer),
                ("reference", "2026-001"),
                ("title", "Voirie"),
                ("kind", "works"),
            ],
        );
        assert_eq!(r.status, 409, "{}", r.text);
        assert!(r.text.contains("id=\"e-reference\""), "{}", r.text);
        assert_eq!(contracts_total(app, &w), before);
        // Without the form's secret: refused, nothing stored.
        let body = format!("buyer_id={buyer}&reference=2026-099&title=Voirie&kind=works");
        let r = app.page_post_raw("/contracts/new", &s, body);
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(contracts_total(app, &w), before);
    }
);

on_both!(the_preview_gives_the_api_s_calibration, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let cases = [
            (
                "method=labour_share&amount_eur=1+000+000&labour_share_percent=50&insertion_rate_percent=5&hourly_cost_eur=30",
                json!({"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50,
                       "insertion_rate_percent": 5, "hourly_cost_eur": 30}),
            ),
            // The labour share taken from the reference table by the CPV code.
            (
                "method=labour_share&amount_eur=2500000&cpv_code=45442100&insertion_rate_percent=7%2C5&hourly_cost_eur=32",
                json!({"method": "labour_share", "amount_eur": 2500000, "cpv_code": "45442100",
                       "insertion_rate_percent": 7.5, "hourly_cost_eur": 32}),
            ),
            (
                "method=per_amount&amount_eur=480000&euros_per_hour=1000",
                json!({"method": "per_amount", "amount_eur": 480000, "euros_per_hour": 1000}),
            ),
        ];
    for (query, body) in cases {
        let api = app.post("/api/v1/calibrations", &w.facilitator, body);
        assert_eq!(api.status, 200, "{}", api.text);
        let hours = api.body["hours"].as_i64().unwrap();
        let explanation = api.body["explanation"].as_str().unwrap();
        let r = app.page_get(
            &format!("/contracts/{}/clauses/preview?{query}", w.contract),
            &s,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        // A fragment, not a page.
        assert!(!r.text.contains("<html"), "{}", r.text);
        let figure = hours
            .to_string()
            .as_bytes()
            .rchunks(3)
            .rev()
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join("\u{a0}");
        assert!(
            r.text
                .contains(&format!("<strong>{figure} heures</strong>")),
            "{hours}: {}",
            r.text
        );
        assert!(
            r.text.contains(&escaped(explanation)),
            "{explanation}: {}",
            r.text
        );
    }
    assert_eq!(
        app.post(
            "/api/v1/calibrations",
            &w.facilitator,
            json!({"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50,
                       "insertion_rate_percent": 5, "hourly_cost_eur": 30})
        )
        .body["hours"],
        833
    );
    // A field still missing: what the calculation waits for, in French.
    let r = app.page_get(
        &format!(
            "/contracts/{}/clauses/preview?method=per_amount&amount_eur=480000",
            w.contract
        ),
        &s,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("Le calcul attend encore"), "{}", r.text);
    assert!(r.text.contains("Ce champ est obligatoire."), "{}", r.text);
    // The form's page shows the preview of its defaults (the contract's amount and CPV
    // code) and the clause kinds with their explanation; the form asks htmx for the
    // preview as the user types.
    let form = app.page_get(&format!("/contracts/{}/clauses/new", w.contract), &s);
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.text.contains("heures</strong>"), "{}", form.text);
    assert!(
        form.text.contains(&format!(
            "hx-get=\"/contracts/{}/clauses/preview\"",
            w.contract
        )),
        "{}",
        form.text
    );
    assert!(form
        .text
        .contains("hx-trigger=\"input changed delay:300ms, change\""));
    // The form's secret stays out of the preview's address.
    assert!(form.text.contains("hx-params=\"not csrf_token,action\""));
    assert!(form.text.contains(&escaped(
        "Heures d'insertion imposées au titulaire pendant l'exécution"
    )));
    // Without JavaScript: "Calculer" posts the form back with its preview, storing nothing.
    let mut fields = CLAUSE_FIELDS.to_vec();
    fields.push(("action", "calculer"));
    let before = app.get("/api/v1/clauses", &w.facilitator).body["total"].clone();
    let r = app.page_post(
        &format!("/contracts/{}/clauses/new", w.contract),
        &s,
        &fields,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("<strong>833 heures</strong>"), "{}", r.text);
    assert_eq!(
        app.get("/api/v1/clauses", &w.facilitator).body["total"],
        before
    );
});

on_both!(
    a_clause_is_created_assigned_activated_and_followed_on_its_page,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.facilitator);
        let r = app.page_post(
            &format!("/contracts/{}/clauses/new", w.contract),
            &s,
            CLAUSE_FIELDS,
        );
        let id = id_in(&r, "/clauses/");
        assert_done(&r, &format!("/clauses/{id}?fait=clause-creee"));
        let api = clause_of_api(app, &w, id);
        assert_eq!(api["status"], "draft");
        assert_eq!(api["kind"], "execution_condition");
        assert_eq!(api["required_hours"].as_f64(), Some(833.0));
        assert_eq!(api["contract_id"], w.contract);
        assert_eq!(api["penalty_per_missing_hour_eur"].as_f64(), Some(60.0));
        assert_eq!(api["starts_on"], "2026-12-01");
        assert_eq!(api["referent_id"], w.facilitator_id);
        let page = app.page_get(&format!("/clauses/{id}?fait=clause-creee"), &s);
        assert_eq!(page.status, 200, "{}", page.text);
        for shown in [
            "Brouillon",
            "833 h",
            "Activer la clause",
            "Pas encore commencée",
        ] {
            assert!(page.text.contains(shown), "{shown}: {}", page.text);
        }
        assert!(page
            .text
            .contains(&escaped(api["explanation"].as_str().unwrap())));

        // An assignment: the contractor chosen by name, its target in hours.
        let a = w.contractor_a.to_string();
        let r = app.page_post(
            &format!("/clauses/{id}/assignments"),
            &s,
            &[
                ("contractor_id", &a),
                ("role", "holder"),
                ("hours_target", "500"),
            ],
        );
        assert_done(&r, &format!("/clauses/{id}?fait=attribution-enregistree"));
        let api = clause_of_api(app, &w, id);
        let assignments = api["assignments"].as_array().unwrap();
        assert_eq!(assignments.len(), 1);
        assert_eq!(assignments[0]["contractor_id"], w.contractor_a);
        assert_eq!(assignments[0]["role"], "holder");
        assert_eq!(assignments[0]["hours_target"].as_f64(), Some(500.0));
        // Above the clause's hours: refused beside the field, nothing stored.
        let b = w.contractor_b.to_string();
        let r = app.page_post(
            &format!("/clauses/{id}/assignments"),
            &s,
            &[
                ("contractor_id", &b),
                ("role", "subcontractor"),
                ("hours_target", "400"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-hours_target\""), "{}", r.text);
        assert!(r.text.contains("value=\"400\""), "{}", r.text);
        assert_eq!(
            clause_of_api(app, &w, id)["assignments"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // Activation: the calendar of milestones follows.
        let r = app.page_post(
            &format!("/clauses/{id}/status"),
            &s,
            &[("change", "activate")],
        );
        assert_done(&r, &format!("/clauses/{id}?fait=clause-activee"));
        assert_eq!(clause_of_api(app, &w, id)["status"], "active");
        let page = app.page_get(&format!("/clauses/{id}"), &s);
        assert!(
            page.text.contains("Marquer la clause terminée"),
            "{}",
            page.text
        );
        assert!(!page.text.contains("Activer la clause"), "{}", page.text);
        // Activating again: the use case's conflict, in French.
        let r = app.page_post(
            &format!("/clauses/{id}/status"),
            &s,
            &[("change", "activate")],
        );
        assert_eq!(r.status, 409, "{}", r.text);
        assert!(r.text.contains("role=\"alert\""), "{}", r.text);

        // A milestone added by hand, then marked done.
        let r = app.page_post(
            &format!("/clauses/{id}/milestones"),
            &s,
            &[("label", "Comité de suivi"), ("due_on", "2026-12-20")],
        );
        assert_done(&r, &format!("/clauses/{id}?fait=jalon-ajoute"));
        let list = app.get(
            &format!("/api/v1/clauses/{id}/milestones?limit=100"),
            &w.facilitator,
        );
        assert_eq!(list.status, 200, "{}", list.text);
        let ours = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["label"] == "Comité de suivi")
            .cloned()
            .expect("the milestone added");
        assert_ne!(ours["state"], "done");
        assert!(
            list.body["total"].as_i64().unwrap() > 1,
            "the calendar: {}",
            list.text
        );
        let page = app.page_get(&format!("/clauses/{id}"), &s);
        assert!(page.text.contains("Comité de suivi"), "{}", page.text);
        let mid = ours["id"].as_i64().unwrap();
        let r = app.page_post(&format!("/milestones/{mid}/done"), &s, &[]);
        assert_done(&r, &format!("/clauses/{id}?fait=jalon-fait"));
        let list = app.get(
            &format!("/api/v1/clauses/{id}/milestones?limit=100"),
            &w.facilitator,
        );
        let ours = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == mid)
            .cloned()
            .unwrap();
        assert_eq!(ours["state"], "done");
        // By htmx: the clause's page comes back as it now is, with the notice.
        let generated = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["state"] != "done")
            .cloned()
            .expect("a generated milestone");
        let gid = generated["id"].as_i64().unwrap();
        let cookie = format!("clausier_session={}", s.cookie);
        let r = app.request_with(
            "POST",
            &format!("/milestones/{gid}/done"),
            None,
            Some(rocket::http::ContentType::Form),
            Some(
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("csrf_token", &s.csrf)
                    .finish()
                    .into_bytes(),
            ),
            &[("Cookie", &cookie), ("HX-Request", "true")],
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.text.contains("Le jalon est marqué comme fait."),
            "{}",
            r.text
        );
        assert!(!r.text.contains("<html"), "{}", r.text);
        let list = app.get(
            &format!("/api/v1/clauses/{id}/milestones?limit=100"),
            &w.facilitator,
        );
        let state = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == gid)
            .map(|m| m["state"].clone());
        assert_eq!(state, Some(json!("done")));
        // A milestone without its date: refused beside the field.
        let r = app.page_post(
            &format!("/clauses/{id}/milestones"),
            &s,
            &[("label", "Bilan"), ("due_on", "")],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-due_on\""), "{}", r.text);

        // Completion, through the page.
        let r = app.page_post(
            &format!("/clauses/{id}/status"),
            &s,
            &[("change", "complete")],
        );
        assert_done(&r, &format!("/clauses/{id}?fait=clause-terminee"));
        assert_eq!(clause_of_api(app, &w, id)["status"], "completed");
    }
);

on_both!(
    a_refused_clause_shows_its_errors_beside_the_fields_and_stores_nothing,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.facilitator);
        let before = app.get("/api/v1/clauses", &w.facilitator).body["total"].clone();
        let fields: Vec<(&str, &str)> = CLAUSE_FIELDS
            .iter()
            .map(|&(k, v)| match k {
                "hourly_cost_eur" => (k, "trente"),
                "starts_on" => (k, ""),
                _ => (k, v),
            })
            .collect();
        let r = app.page_post(
            &format!("/contracts/{}/clauses/new", w.contract),
            &s,
            &fields,
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_beside(&r, "hourly_cost_eur", "Indiquez un nombre");
        assert_beside(&r, "starts_on", "Ce champ est obligatoire.");
        assert!(r.text.contains("value=\"trente\""), "{}", r.text);
        // The use case's own rules, beside their fields: a period ending before it starts,
        // a zero insertion rate.
        let fields: Vec<(&str, &str)> = CLAUSE_FIELDS
            .iter()
            .map(|&(k, v)| match k {
                "insertion_rate_percent" => (k, "0"),
                "ends_on" => (k, "2026-06-30"),
                _ => (k, v),
            })
            .collect();
        let r = app.page_post(
            &format!("/contracts/{}/clauses/new", w.contract),
            &s,
            &fields,
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-ends_on\""), "{}", r.text);
        assert!(
            r.text.contains("id=\"e-insertion_rate_percent\""),
            "{}",
            r.text
        );
        assert_eq!(
            app.get("/api/v1/clauses", &w.facilitator).body["total"],
            before
        );
        // Without the form's secret: refused, nothing stored.
        let r = app.page_post_raw(
            &format!("/contracts/{}/clauses/new", w.contract),
            &s,
            "kind=execution_condition&method=fixed&hours=100&starts_on=2026-12-01&ends_on=2027-01-31"
                .into(),
        );
        assert_eq!(r.status, 403, "{}", r.text);
        for (path, body) in [
            (
                format!("/clauses/{}/status", w.clause),
                "change=cancel".to_string(),
            ),
            (
                format!("/clauses/{}/milestones", w.clause),
                "label=Bilan&due_on=2026-12-20".to_string(),
            ),
        ] {
            let r = app.page_post_raw(&path, &s, body);
            assert_eq!(r.status, 403, "{path}: {}", r.text);
        }
        assert_eq!(
            app.get("/api/v1/clauses", &w.facilitator).body["total"],
            before
        );
        assert_eq!(clause_of_api(app, &w, w.clause)["status"], "active");
    }
);

on_both!(
    another_structure_s_records_are_not_found_and_other_roles_are_refused,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let other = fixtures::world(app, "Maison Emploi");
        let s = app.page_session(&w.facilitator);
        for path in [
            format!("/contracts/{}", other.contract),
            format!("/contracts/{}/clauses/new", other.contract),
            format!(
                "/contracts/{}/clauses/preview?method=fixed&hours=10",
                other.contract
            ),
            format!("/clauses/{}", other.clause),
        ] {
            let r = app.page_get(&path, &s);
            assert_eq!(r.status, 404, "{path}: {}", r.text);
        }
        let r = app.page_post(
            &format!("/clauses/{}/status", other.clause),
            &s,
            &[("change", "cancel")],
        );
        assert_eq!(r.status, 404, "{}", r.text);
        assert_eq!(clause_of_api(app, &other, other.clause)["status"], "active");
        let contractor = fixtures::contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
        let funder = app.api_user(&w.admin, "funder", "financeur@plie.test", None);
        for token in [&contractor, &funder] {
            let them = PageSession {
                cookie: token.to_string(),
                csrf: String::new(),
            };
            for path in [
                "/contracts".to_string(),
                "/contracts/new".to_string(),
                format!("/contracts/{}", w.contract),
                format!("/clauses/{}", w.clause),
            ] {
                let r = app.page_get(&path, &them);
                assert_eq!(r.status, 403, "{path}: {}", r.text);
                assert!(r.text.contains("Accès refusé"), "{}", r.text);
            }
            let r = app.page_post(
                &format!("/clauses/{}/status", w.clause),
                &them,
                &[("change", "cancel")],
            );
            assert_eq!(r.status, 403, "{}", r.text);
        }
        assert_eq!(clause_of_api(app, &w, w.clause)["status"], "active");
        // No session: to the login page.
        let anon = PageSession {
            cookie: String::new(),
            csrf: String::new(),
        };
        let r = app.page_get("/contracts", &anon);
        assert_eq!(r.status, 303, "{}", r.text);
    }
);

/// A DECP sample of the shared folder, as its bytes.
fn decp_sample(name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        dir.join("../shared/samples/decp").join(name),
        std::path::PathBuf::from("/work/shared/samples/decp").join(name),
    ];
    let path = candidates.iter().find(|p| p.exists()).expect("DECP sample");
    std::fs::read_to_string(path).expect("read sample")
}

/// The DECP import form posted with `content` as its file (and the form's secret unless
/// `forged`).
fn import(app: &TestApp, s: &PageSession, content: &str, forged: bool) -> Resp {
    let b = "decp-upload";
    let secret = if forged {
        String::new()
    } else {
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n",
            s.csrf
        )
    };
    let body = format!(
        "{secret}--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"decp.json\"\r\n\
         Content-Type: application/json\r\n\r\n{content}\r\n--{b}--\r\n"
    );
    let ct = rocket::http::ContentType::new("multipart", "form-data").with_params(("boundary", b));
    let cookie = format!("clausier_session={}", s.cookie);
    app.request_with(
        "POST",
        "/contracts/import",
        None,
        Some(ct),
        Some(body.into_bytes()),
        &[("Cookie", &cookie)],
    )
}

on_both!(
    a_decp_file_imported_on_the_page_shows_its_summary,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.facilitator);
        let form = app.page_get("/contracts/import", &s);
        assert_eq!(form.status, 200, "{}", form.text);
        assert!(
            form.text.contains("enctype=\"multipart/form-data\""),
            "{}",
            form.text
        );
        let before = contracts_total(app, &w);
        let sample = decp_sample("v2-single-marche.json");
        let r = import(app, &s, &sample, false);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("Le fichier est importé"), "{}", r.text);
        assert!(r.text.contains("1 marché créé"), "{}", r.text);
        assert!(r.text.contains("aucune fiche écartée."), "{}", r.text);
        assert_eq!(contracts_total(app, &w), before + 1);
        // The same file again: nothing new.
        let r = import(app, &s, &sample, false);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("1 marché déjà à jour"), "{}", r.text);
        assert!(r.text.contains("Aucun marché créé"), "{}", r.text);
        assert_eq!(contracts_total(app, &w), before + 1);
        // Not a DECP document: the reason beside the field, nothing stored.
        let r = import(app, &s, "{\"pas\": \"des marchés\"}", false);
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-file\""), "{}", r.text);
        let r = import(app, &s, "ceci n'est pas du JSON", false);
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-file\""), "{}", r.text);
        // Without the form's secret: refused.
        let other = decp_sample("v2-marches-and-concessions.json");
        let r = import(app, &s, &other, true);
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(contracts_total(app, &w), before + 1);
        // A contractor may not.
        let contractor = fixtures::contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
        let them = PageSession {
            cookie: contractor,
            csrf: s.csrf.clone(),
        };
        let r = app.page_get("/contracts/import", &them);
        assert_eq!(r.status, 403, "{}", r.text);
        let r = import(app, &them, &other, false);
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(contracts_total(app, &w), before + 1);
    }
);

/// The cells of a month's row on the clause's progress page, as the page writes them.
fn month_row(text: &str, month: &str) -> String {
    let start = text
        .find(&format!(">{month}</th>"))
        .unwrap_or_else(|| panic!("no row for {month}: {text}"));
    let end = start + text[start..].find("</tr>").expect("row end");
    text[start..end].to_string()
}

/// Hours a person reads: "205,41 h", thousands apart with a no-break space.
fn hours_fr(hundredths: i64) -> String {
    let whole = (hundredths / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(ch);
    }
    match hundredths % 100 {
        0 => format!("{grouped} h"),
        c => format!("{grouped},{c:02} h"),
    }
}

on_both!(
    a_clause_s_months_add_up_its_validated_hours_against_the_expected,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let (_, placement) = fixtures::placed_feb_to_june(app, &w);
        let feb = fixtures::report_work(app, &w.facilitator, placement, "2026-02", 70.0);
        fixtures::validate(app, &w.facilitator, feb);
        let mar = fixtures::report_work(app, &w.facilitator, placement, "2026-03", 80.5);
        fixtures::validate(app, &w.facilitator, mar);
        fixtures::report_work(app, &w.facilitator, placement, "2026-04", 30.0);

        let s = app.page_session(&w.facilitator);
        let clause_page = app.page_get(&format!("/clauses/{}", w.clause), &s);
        assert!(clause_page
            .text
            .contains(&format!("href=\"/clauses/{}/progress\"", w.clause)));
        let r = app.page_get(&format!("/clauses/{}/progress", w.clause), &s);
        assert_eq!(r.status, 200, "{}", r.text);
        // 833 h from 1 January to 31 December 2026 (365 days), seen on 27 November: one row a
        // month from January to November, none for December.
        assert!(r.text.contains(">Janvier 2026</th>"));
        assert!(r.text.contains(">Novembre 2026</th>"));
        assert!(!r.text.contains(">Décembre 2026</th>"));
        let expected_by = |days: i64| (83_300 * days * 2 + 365) / (2 * 365);
        let march = month_row(&r.text, "Mars 2026");
        assert!(march.contains(&hours_fr(8_050)), "{march}");
        assert!(march.contains(&hours_fr(15_050)), "{march}");
        assert!(
            march.contains(&hours_fr(expected_by(31 + 28 + 31))),
            "{march}"
        );
        assert!(march.contains("en dessous de l'attendu"), "{march}");
        // April's figure waits: shown as waiting, not in the total.
        let april = month_row(&r.text, "Avril 2026");
        assert!(april.contains(&hours_fr(3_000)), "{april}");
        assert!(april.contains(&hours_fr(15_050)), "{april}");
        // November counts to the 27th.
        let november = month_row(&r.text, "Novembre 2026");
        assert!(
            november.contains(&hours_fr(expected_by(304 + 27))),
            "{november}"
        );

        // Another structure's staff do not see it; a contractor has no such page.
        let other = fixtures::world(app, "Autre PLIE");
        let theirs = app.page_session(&other.facilitator);
        let r = app.page_get(&format!("/clauses/{}/progress", w.clause), &theirs);
        assert_eq!(r.status, 404);
        assert!(!r.text.contains("Janvier 2026"));
    }
);
