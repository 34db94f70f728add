//! The contractor's pages of proposed candidates (`/contractor/candidates`) and of reminder
//! contacts (`/contractor/contacts`), driven like a browser: the session cookie, the form
//! secret read from the page, url-encoded forms. What a form did is read back through the
//! API.

use serde_json::{json, Value};

use crate::common::{hidden_value, PageSession, Resp, TestApp};
use crate::fixtures::{self, contractor_user, eligible, participant, propose, World};
use crate::on_both;

/// Start of the needs below (the world's clause runs through 2026).
const STARTS: &str = "2026-12-14";

/// A need of 2 posts on `assignment`, the contractor itself employing; returns its id.
fn need(app: &TestApp, w: &World, assignment: i64, employer: i64, job: &str) -> i64 {
    let r = app.post(
        "/api/v1/needs",
        &w.facilitator,
        json!({"assignment_id": assignment, "job_title": job, "rome_code": "F1606",
               "posts": 2, "commune_code": "93066", "territory": "93", "starts_on": STARTS,
               "weekly_hours": 35, "duration_months": 6, "modality": "direct_hire",
               "employer_id": employer, "contract_type": "cddi"}),
    );
    assert_eq!(r.status, 201, "need: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// A person eligible on the needs' start, proposed to `need`; returns the referral's id.
fn proposed(app: &TestApp, w: &World, need: i64, first: &str, last: &str) -> i64 {
    let p = participant(app, &w.facilitator, first, last, "1990-04-02");
    eligible(app, &w.facilitator, p, "2026-11-01");
    propose(app, &w.facilitator, need, p)
}

/// The world of these tests: contractor A with two proposals (Awa Diallo, Jean Martin) to
/// its need, contractor B with one (Léa Petit) to its own.
struct Candidates {
    w: World,
    a_user: String,
    b_user: String,
    awa: i64,
    jean: i64,
    lea: i64,
}

fn candidates(app: &TestApp) -> Candidates {
    let w = fixtures::world(app, "PLIE");
    let a_user = contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
    let b_user = contractor_user(app, &w.admin, w.contractor_b, "chef@pr.test");
    let need_a = need(
        app,
        &w,
        w.assignment_a,
        w.contractor_a,
        "Peintre en bâtiment",
    );
    let need_b = need(app, &w, w.assignment_b, w.contractor_b, "Carreleur");
    let awa = proposed(app, &w, need_a, "Awa", "Diallo");
    let jean = proposed(app, &w, need_a, "Jean", "Martin");
    let lea = proposed(app, &w, need_b, "Léa", "Petit");
    Candidates {
        w,
        a_user,
        b_user,
        awa,
        jean,
        lea,
    }
}

/// A browser session of `token` on the candidates page, with the secret of its forms.
fn session(app: &TestApp, token: &str) -> PageSession {
    let mut s = PageSession {
        cookie: token.to_string(),
        csrf: String::new(),
    };
    let page = app.page_get("/contractor/candidates", &s);
    assert_eq!(page.status, 200, "{}", page.text);
    s.csrf = hidden_value(&page.text, "csrf_token").expect("the page's form secret");
    s
}

/// The state of a referral, as the facilitator reads it through the API.
fn referral(app: &TestApp, c: &Candidates, id: i64) -> Value {
    let r = app.get(&format!("/api/v1/referrals/{id}"), &c.w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn answer(app: &TestApp, s: &PageSession, id: i64, fields: &[(&str, &str)]) -> Resp {
    app.page_post(&format!("/contractor/candidates/{id}"), s, fields)
}

/// A form posted by htmx (`HX-Request`), which swaps the answer in place.
fn htmx_post(app: &TestApp, path: &str, s: &PageSession, fields: &[(&str, &str)]) -> Resp {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("csrf_token", &s.csrf);
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    let cookie = format!("clausier_session={}", s.cookie);
    app.request_with(
        "POST",
        path,
        None,
        Some(rocket::http::ContentType::Form),
        Some(form.finish().into_bytes()),
        &[("Cookie", &cookie), ("HX-Request", "true")],
    )
}

fn assert_done(r: &Resp, to: &str) {
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("Location"), Some(to), "{}", r.text);
}

const ANSWERED: &str = "/contractor/candidates?fait=reponse-enregistree";

on_both!(
    the_list_shows_the_contractors_own_proposals_named,
    |app: &TestApp| {
        let c = candidates(app);
        let a = session(app, &c.a_user);
        let page = app.page_get("/contractor/candidates", &a);
        assert_eq!(page.status, 200, "{}", page.text);
        for shown in [
            "Awa Diallo",
            "Jean Martin",
            "Peintre en bâtiment",
            "Seine-Saint-Denis (commune 93066)",
            "Réhabilitation du groupe scolaire",
            "2 propositions attendent votre réponse.",
            "Proposition à étudier",
            "proposée aujourd'hui",
            "value=\"cddi\" selected",
        ] {
            assert!(page.text.contains(shown), "{shown}: {}", page.text);
        }
        // Contractor B's proposal and need are not A's to see; nor the person's birth date
        // or eligibility (what the API hides from a contractor).
        let shown = crate::common::without_tokens(&page.text);
        for hidden in ["Léa", "Petit", "Carreleur", "1990", "rsa", "RSA"] {
            assert!(!shown.contains(hidden), "{hidden}: {}", page.text);
        }
        // Each answer form, for each proposal.
        for id in [c.awa, c.jean] {
            let action = format!("action=\"/contractor/candidates/{id}\"");
            assert_eq!(page.text.matches(&action).count(), 3, "{}", page.text);
        }
        // The hire form starts from the need's values.
        assert!(page.text.contains(&format!("value=\"{STARTS}\"")));
        assert!(page.text.contains("value=\"35\""));

        // B sees its own proposal only.
        let b = session(app, &c.b_user);
        let page = app.page_get("/contractor/candidates", &b);
        assert!(page.text.contains("Léa Petit"), "{}", page.text);
        assert!(page.text.contains("1 proposition attend votre réponse."));
        assert!(!page.text.contains("Awa") && !page.text.contains("Jean"));
    }
);

on_both!(interview_then_hire_through_the_page, |app: &TestApp| {
    let c = candidates(app);
    let a = session(app, &c.a_user);
    let r = answer(
        app,
        &a,
        c.awa,
        &[
            ("state", "interview"),
            ("comment", "Entretien le 10 décembre"),
        ],
    );
    assert_done(&r, ANSWERED);
    let got = referral(app, &c, c.awa);
    assert_eq!(got["state"], "interview", "{got}");
    // With htmx: the list as it now is, in place of the page's content.
    let r = htmx_post(
        app,
        &format!("/contractor/candidates/{}", c.jean),
        &a,
        &[("state", "interview")],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("<html"), "{}", r.text);
    assert!(r.text.contains("Votre réponse est enregistrée."));
    assert_eq!(referral(app, &c, c.jean)["state"], "interview");
    assert_eq!(got["comment"], "Entretien le 10 décembre");
    let page = app.page_get(ANSWERED, &a);
    assert!(page.text.contains("Votre réponse est enregistrée."));
    assert!(page.text.contains("Entretien prévu"), "{}", page.text);
    // An interview already planned: only the hire and the decline remain.
    let action = format!("action=\"/contractor/candidates/{}\"", c.awa);
    assert_eq!(page.text.matches(&action).count(), 2, "{}", page.text);

    // A hire with weekly hours that are not a number: refused beside the field, as typed.
    let hire = |hours: &'static str| {
        vec![
            ("state", "hired"),
            ("starts_on", "2026-12-15"),
            ("job_title", "Peintre finisseur"),
            ("contract_type", "cdd"),
            ("weekly_hours", hours),
        ]
    };
    let r = answer(app, &a, c.awa, &hire("trente"));
    assert_eq!(r.status, 422, "{}", r.text);
    let beside = format!("id=\"e-weekly_hours-{}\"", c.awa);
    assert!(r.text.contains(&beside), "{}", r.text);
    assert!(r.text.contains("value=\"trente\""), "{}", r.text);
    assert!(r.text.contains("value=\"Peintre finisseur\""), "{}", r.text);
    assert_eq!(referral(app, &c, c.awa)["state"], "interview");

    let r = answer(app, &a, c.awa, &hire("30,5"));
    assert_done(&r, ANSWERED);
    let got = referral(app, &c, c.awa);
    assert_eq!(got["state"], "hired", "{got}");
    let placement = got["placement_id"].as_i64().expect("a placement");
    // The placement as the API's answer makes it: the need's assignment, modality and
    // employer, the typed details, the planned end from the need's 6 months.
    let p = app.get(&format!("/api/v1/placements/{placement}"), &c.a_user);
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["assignment_id"], c.w.assignment_a);
    assert_eq!(p.body["employer_id"], c.w.contractor_a);
    assert_eq!(p.body["modality"], "direct_hire");
    assert_eq!(p.body["contract_type"], "cdd");
    assert_eq!(p.body["job_title"], "Peintre finisseur");
    assert_eq!(p.body["starts_on"], "2026-12-15");
    assert_eq!(p.body["ends_on"], "2027-06-14");
    assert_eq!(p.body["weekly_hours"].as_f64(), Some(30.5));
    let page = app.page_get("/contractor/candidates", &a);
    assert!(page.text.contains("Embauche confirmée"), "{}", page.text);
    assert!(page.text.contains("1 proposition attend votre réponse."));

    // A hire with the need's defaults (empty fields keep them).
    let r = answer(app, &a, c.jean, &[("state", "hired"), ("weekly_hours", "")]);
    assert_done(&r, ANSWERED);
    let placement = referral(app, &c, c.jean)["placement_id"].as_i64().unwrap();
    let p = app.get(&format!("/api/v1/placements/{placement}"), &c.a_user);
    assert_eq!(p.body["starts_on"], STARTS);
    assert_eq!(p.body["job_title"], "Peintre en bâtiment");
    assert_eq!(p.body["contract_type"], "cddi");
    assert_eq!(p.body["weekly_hours"].as_f64(), Some(35.0));
    // The need is filled: the page says so and answers nothing more.
    let r = answer(
        app,
        &a,
        c.awa,
        &[("state", "declined"), ("reason", "no_show")],
    );
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("déjà"), "{}", r.text);
});

on_both!(a_decline_needs_its_reason, |app: &TestApp| {
    let c = candidates(app);
    let a = session(app, &c.a_user);
    let r = answer(app, &a, c.jean, &[("state", "declined"), ("reason", "")]);
    assert_eq!(r.status, 422, "{}", r.text);
    let beside = format!("id=\"e-reason-{}\"", c.jean);
    assert!(r.text.contains(&beside), "{}", r.text);
    assert!(r.text.contains("Un refus doit être motivé"), "{}", r.text);
    assert_eq!(referral(app, &c, c.jean)["state"], "proposed");
    // `other` needs a comment, beside the comment field.
    let r = answer(
        app,
        &a,
        c.jean,
        &[("state", "declined"), ("reason", "other")],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    let beside = format!("id=\"e-comment-{}-declined\"", c.jean);
    assert!(r.text.contains(&beside), "{}", r.text);
    // Hostile values: an unknown answer, a NUL byte; a clear refusal, nothing changed.
    let r = answer(app, &a, c.jean, &[("state", "promoted")]);
    assert_eq!(r.status, 422, "{}", r.text);
    let r = answer(
        app,
        &a,
        c.jean,
        &[("state", "interview"), ("comment", "a\u{0}b")],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    let long = "x".repeat(3000);
    let r = answer(
        app,
        &a,
        c.jean,
        &[("state", "interview"), ("comment", &long)],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    let beside = format!("id=\"e-comment-{}-interview\"", c.jean);
    assert!(r.text.contains(&beside), "{}", r.text);
    assert!(r
        .text
        .contains("ne doit pas dépasser 2\u{202f}000 caractères"));
    assert_eq!(referral(app, &c, c.jean)["state"], "proposed");

    let r = answer(
        app,
        &a,
        c.jean,
        &[("state", "declined"), ("reason", "profile_mismatch")],
    );
    assert_done(&r, ANSWERED);
    let got = referral(app, &c, c.jean);
    assert_eq!(got["state"], "declined", "{got}");
    assert_eq!(got["reason"], "profile_mismatch");
    // Declined: the contractor keeps the proposal, no longer who it was.
    let page = app.page_get("/contractor/candidates", &a);
    assert!(!page.text.contains("Jean Martin"), "{}", page.text);
    assert!(page.text.contains("Candidature déclinée"), "{}", page.text);
    assert!(page.text.contains("Profil ne correspondant pas au poste"));
});

on_both!(
    another_contractors_proposal_is_not_found,
    |app: &TestApp| {
        let c = candidates(app);
        let a = session(app, &c.a_user);
        for fields in [
            vec![("state", "interview")],
            // Even a refused form says nothing of another's proposal.
            vec![("state", "declined")],
        ] {
            let r = answer(app, &a, c.lea, &fields);
            assert_eq!(r.status, 404, "{}", r.text);
        }
        let r = answer(app, &a, 999_999, &[("state", "interview")]);
        assert_eq!(r.status, 404, "{}", r.text);
        assert_eq!(referral(app, &c, c.lea)["state"], "proposed");
    }
);

/// The reminder contacts of contractor A, as its user reads them through the API.
fn contacts_of_a(app: &TestApp, c: &Candidates) -> Value {
    let r = app.get(
        &format!("/api/v1/organisations/{}/contacts", c.w.contractor_a),
        &c.a_user,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

on_both!(contacts_are_saved_all_at_once, |app: &TestApp| {
    let c = candidates(app);
    let a = session(app, &c.a_user);
    let page = app.page_get("/contractor/contacts", &a);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("name=\"contacts[4].email\""),
        "{}",
        page.text
    );
    assert!(page
        .text
        .contains("<label for=\"f-email-0\">Adresse électronique</label>"));

    let r = app.page_post(
        "/contractor/contacts",
        &a,
        &[
            ("contacts[0].name", "Service paie"),
            ("contacts[0].email", "Paie@BD.test"),
            ("contacts[1].name", ""),
            ("contacts[1].email", ""),
            ("contacts[2].name", ""),
            ("contacts[2].email", " chantier@bd.test "),
        ],
    );
    assert_done(&r, "/contractor/contacts?fait=contacts-enregistres");
    assert_eq!(
        contacts_of_a(app, &c),
        json!([{"email": "paie@bd.test", "name": "Service paie"},
               {"email": "chantier@bd.test", "name": null}])
    );
    let page = app.page_get("/contractor/contacts?fait=contacts-enregistres", &a);
    assert!(page.text.contains("Les contacts sont enregistrés"));
    assert!(
        page.text.contains("value=\"paie@bd.test\""),
        "{}",
        page.text
    );

    // An invalid email: refused beside its field, as typed; nothing saved.
    let r = app.page_post(
        "/contractor/contacts",
        &a,
        &[
            ("contacts[0].name", "Conduite de travaux"),
            ("contacts[0].email", "travaux@bd.test"),
            ("contacts[1].name", "Accueil"),
            ("contacts[1].email", "pas-une-adresse"),
            ("contacts[2].name", "Sans adresse"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"e-email-1\""), "{}", r.text);
    assert!(r.text.contains("nom@domaine.fr"), "{}", r.text);
    assert!(r.text.contains("id=\"e-email-2\""), "{}", r.text);
    assert!(!r.text.contains("id=\"e-email-0\""), "{}", r.text);
    assert!(r.text.contains("value=\"pas-une-adresse\""));
    assert!(r.text.contains("value=\"Conduite de travaux\""));
    // A NUL byte in a name, a name too long: beside the name.
    let long = "n".repeat(101);
    let r = app.page_post(
        "/contractor/contacts",
        &a,
        &[
            ("contacts[0].name", "Ser\u{0}vice"),
            ("contacts[0].email", "a@bd.test"),
            ("contacts[1].name", &long),
            ("contacts[1].email", "b@bd.test"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"e-name-0\""), "{}", r.text);
    assert!(r.text.contains("id=\"e-name-1\""), "{}", r.text);
    // More contacts than allowed: said above the form.
    let many: Vec<(String, String)> = (0..51)
        .map(|i| (format!("contacts[{i}].email"), format!("c{i}@bd.test")))
        .collect();
    let fields: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.page_post("/contractor/contacts", &a, &fields);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("plus de 50"), "{}", r.text);
    assert_eq!(contacts_of_a(app, &c).as_array().map(Vec::len), Some(2));

    // With htmx: the form as it now is, without the frame, in place of the page's content.
    let path = "/contractor/contacts";
    let r = htmx_post(app, path, &a, &[("contacts[0].email", "faux")]);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.contains("<html") && r.text.contains("id=\"e-email-0\""));
    let r = htmx_post(app, path, &a, &[("contacts[0].email", "rh@bd.test")]);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text.contains("Les contacts sont enregistrés"),
        "{}",
        r.text
    );
    assert_eq!(
        contacts_of_a(app, &c),
        json!([{"email": "rh@bd.test", "name": null}])
    );
});

on_both!(forged_forms_change_nothing, |app: &TestApp| {
    let c = candidates(app);
    let a = session(app, &c.a_user);
    let r = app.page_post_raw(
        &format!("/contractor/candidates/{}", c.awa),
        &a,
        "state=interview".into(),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    let r = app.page_post_raw(
        &format!("/contractor/candidates/{}", c.awa),
        &a,
        "state=interview&csrf_token=forged".into(),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(referral(app, &c, c.awa)["state"], "proposed");
    let r = app.page_post_raw(
        "/contractor/contacts",
        &a,
        "contacts%5B0%5D.email=pirate%40evil.test".into(),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(contacts_of_a(app, &c), json!([]));
});

on_both!(only_contractors_have_these_pages, |app: &TestApp| {
    let c = candidates(app);
    let funder = app.api_user(&c.w.admin, "funder", "f@plie.test", None);
    for token in [&c.w.facilitator, &c.w.admin, &funder] {
        let s = PageSession {
            cookie: token.clone(),
            csrf: String::new(),
        };
        for path in ["/contractor/candidates", "/contractor/contacts"] {
            let r = app.page_get(path, &s);
            assert_eq!(r.status, 403, "{path}: {}", r.text);
            assert!(r.text.contains("Accès refusé"), "{}", r.text);
        }
    }
    let staff = app.page_session(&c.w.facilitator);
    let r = answer(app, &staff, c.awa, &[("state", "interview")]);
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(referral(app, &c, c.awa)["state"], "proposed");
    // Without a session: to the login page, coming back here after it.
    for path in ["/contractor/candidates", "/contractor/contacts"] {
        let r = app.request("GET", path, None, None, None);
        assert_eq!(r.status, 303, "{}", r.text);
        let to = r.header("Location").unwrap_or("");
        assert!(to.starts_with("/login?next="), "{to}");
    }
});
