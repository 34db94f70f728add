//! « Mon compte » (`/account`), for any role, driven like a browser: the own password change
//! (the rules and session ending of `PUT /api/v1/me/password`) and the reminder preferences
//! (`GET/PUT /api/v1/me/preferences`). What a form did is read back through the API.

use crate::common::{Resp, TestApp, PASSWORD};
use crate::fixtures::{self, org, SIRETS};
use crate::on_both;

const NEW_PASSWORD: &str = "cheval-agrafe-pile-2026";

/// The error paragraph beside field `name` of a refused form.
fn error_beside(page: &str, name: &str) -> String {
    assert!(
        page.contains(&format!("aria-describedby=\"e-{name}\"")),
        "no error pointed at by {name}: {page}"
    );
    let mark = format!("<p class=\"field-error\" id=\"e-{name}\">");
    let at = page.find(&mark).expect("error paragraph") + mark.len();
    page[at..at + page[at..].find("</p>").unwrap()].to_string()
}

fn assert_done(r: &Resp, to: &str) {
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("Location"), Some(to), "{}", r.text);
}

on_both!(
    own_password_changed_from_the_account_page,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let company = org(
            app,
            &admin,
            "contractor",
            "Bâtiment Durable",
            Some(SIRETS[1]),
            Some("93"),
        );
        let this = fixtures::contractor_user(app, &admin, company, "chef@batiment.test");
        let other = app.token("chef@batiment.test");
        let s = app.page_session(&this);

        // The header of every page links to the account page.
        let home = app.page_get("/contractor", &s);
        assert!(home.text.contains("<a href=\"/account\""), "{}", home.text);
        let page = app.page_get("/account", &s);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("<h1>Mon compte</h1>"), "{}", page.text);
        assert!(
            page.text.contains("Au moins 10 caractères."),
            "{}",
            page.text
        );
        assert!(page.text.contains("aria-current=\"page\">Mon compte</a>"));

        // The wrong current password, and two new ones that differ: both said, nothing changed.
        let r = app.page_post(
            "/account/password",
            &s,
            &[
                ("current_password", "pas le bon"),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", "autre-chose-encore"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(
            error_beside(&r.text, "new_password_again"),
            "Les deux mots de passe saisis ne sont pas identiques."
        );
        let r = app.page_post(
            "/account/password",
            &s,
            &[
                ("current_password", "pas le bon"),
                ("new_password", "court"),
                ("new_password_again", "court"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(
            error_beside(&r.text, "current_password"),
            "Le mot de passe actuel n&#x27;est pas le bon."
        );
        assert_eq!(
            error_beside(&r.text, "new_password"),
            "Le mot de passe doit compter au moins 10 caractères."
        );
        assert!(!r.text.contains("problem+json") && !r.text.contains("\"code\""));
        assert_eq!(app.login("chef@batiment.test", PASSWORD).status, 200);
        // Nothing typed: each field required.
        let r = app.page_post("/account/password", &s, &[]);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(
            error_beside(&r.text, "current_password"),
            "Ce champ est obligatoire."
        );
        assert_eq!(
            error_beside(&r.text, "new_password"),
            "Ce champ est obligatoire."
        );

        // A forged form (no secret) is refused, and changes nothing.
        let body = format!(
        "current_password={PASSWORD}&new_password={NEW_PASSWORD}&new_password_again={NEW_PASSWORD}"
    );
        let r = app.page_post_raw("/account/password", &s, body);
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(app.login("chef@batiment.test", PASSWORD).status, 200);

        // The change: this session goes on, the other ones end.
        let r = app.page_post(
            "/account/password",
            &s,
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
            ],
        );
        assert_done(&r, "/account?fait=mot-de-passe-change");
        let page = app.page_get("/account?fait=mot-de-passe-change", &s);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains(
            "Votre mot de passe est changé ; vos autres sessions sont fermées, celle-ci continue."
        ));
        let r = app.get("/api/v1/me", &other);
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (401, Some("session_ended"))
        );
        assert_eq!(app.login("chef@batiment.test", PASSWORD).status, 401);
        assert_eq!(app.login("chef@batiment.test", NEW_PASSWORD).status, 200);
    }
);

on_both!(
    reminder_preferences_from_the_account_page,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let s = app.page_session(&w.facilitator);
        let prefs = |token: &str| {
            let r = app.get("/api/v1/me/preferences", token);
            assert_eq!(r.status, 200, "{}", r.text);
            r.body["optional_reminders_off"].as_bool().unwrap()
        };
        assert!(!prefs(&w.facilitator));
        let page = app.page_get("/account", &s);
        assert!(!page
            .text
            .contains("value=\"on\" aria-describedby=\"h-optional_reminders_off\" checked"));
        let r = app.page_post(
            "/account/preferences",
            &s,
            &[("optional_reminders_off", "on")],
        );
        assert_done(&r, "/account?fait=preferences-enregistrees");
        assert!(prefs(&w.facilitator));
        // Another user's preferences stay as they were.
        assert!(!prefs(&w.admin));
        let page = app.page_get("/account?fait=preferences-enregistrees", &s);
        assert!(page
            .text
            .contains("Vos préférences de relance sont enregistrées."));
        assert!(
            page.text
                .contains("aria-describedby=\"h-optional_reminders_off\" checked"),
            "{}",
            page.text
        );
        // The box left empty turns them back on.
        let r = app.page_post("/account/preferences", &s, &[]);
        assert_done(&r, "/account?fait=preferences-enregistrees");
        assert!(!prefs(&w.facilitator));
        // Without a session, the login.
        let r = app.request("GET", "/account", None, None, None);
        assert_eq!(r.status, 303, "{}", r.text);
        assert!(
            r.header("Location").unwrap().starts_with("/login"),
            "{:?}",
            r.header("Location")
        );
    }
);
