//! The administrator's pages (issue 19): the structure's accounts (`/admin/users`: create or
//! invite, change a role, switch off) and the labour-share table (`/admin/labour-shares`).
//! What the forms do is read back through `GET /api/v1/users`, as a program sees it.

use serde_json::Value;

use crate::common::{PageSession, TestApp, PASSWORD};
use crate::fixtures::{contractor_user, world};
use crate::on_both;

/// The account of `email` in the API's list of the structure's accounts.
fn account(app: &TestApp, admin: &str, email: &str) -> Option<Value> {
    let r = app.get_ok("/api/v1/users?limit=200", admin);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["email"] == email)
        .cloned()
}

fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

on_both!(admin_pages_are_for_admins_only, |app: &TestApp| {
    let w = world(app, "PLIE Gestion");
    let chef = contractor_user(app, &w.admin, w.contractor_a, "chef@gestion.test");
    let funder = app.api_user(&w.admin, "funder", "financeur@gestion.test", None);
    for token in [&w.facilitator, &chef, &funder] {
        let s = PageSession {
            cookie: token.to_string(),
            csrf: String::new(),
        };
        for path in ["/admin/users", "/admin/labour-shares"] {
            let r = app.page_get(path, &s);
            assert_eq!(r.status, 403, "{path}: {}", r.text);
            assert!(r.text.contains("Accès refusé"), "{}", r.text);
        }
        // Their own session's secret does not open the forms either.
        let own = app.page_session(token);
        let r = app.page_post(
            "/admin/users",
            &own,
            &[
                ("email", "intrus@gestion.test"),
                ("role", "admin"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 403);
    }
    assert!(account(app, &w.admin, "intrus@gestion.test").is_none());
    // Without a session: to the login page.
    let r = app.request("GET", "/admin/users", None, None, None);
    assert_eq!(r.status, 303);
    assert!(r.header("Location").unwrap().starts_with("/login"));
});

on_both!(the_admin_manages_the_accounts, |app: &TestApp| {
    let w = world(app, "PLIE Comptes");
    let s = app.page_session(&w.admin);
    let me = app.get_ok("/api/v1/me", &w.admin).body["id"]
        .as_i64()
        .unwrap();

    // The list: emails, roles in French, state; the admin's own line has no switch-off.
    let r = app.page_get("/admin/users", &s);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text.contains("<strong>fac@plie-comptes.test</strong>"),
        "{}",
        r.text
    );
    assert!(r.text.contains(">Facilitateur<"), "{}", r.text);
    assert!(r.text.contains(">Actif<"));
    assert!(r.text.contains("(votre compte)"));
    let own_line = &r.text[r.text.find(&format!("id=\"user-{me}\"")).unwrap()..];
    let own_line = &own_line[..own_line.find("</tr>").unwrap()];
    assert!(!own_line.contains("Désactiver"), "{own_line}");
    assert!(r
        .text
        .contains(r#"<label for="f-email">Adresse électronique</label>"#));
    assert!(r.text.contains(r#"href="/admin/users""#) || r.text.contains("&#x2f;admin&#x2f;users"));

    // A POST without the form's secret is refused and stores nothing.
    let r = app.page_post_raw(
        "/admin/users",
        &s,
        format!("email=sans-jeton%40comptes.test&role=facilitator&password={PASSWORD}"),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(account(app, &w.admin, "sans-jeton@comptes.test").is_none());

    // Bad input: the French message beside its field, nothing stored.
    let r = app.page_post(
        "/admin/users",
        &s,
        &[("email", ""), ("role", "facilitator"), ("password", "")],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains(r#"aria-describedby="e-email""#),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains(r#"<p class="field-error" id="e-email">Ce champ est obligatoire"#),
        "{}",
        r.text
    );
    let r = app.page_post(
        "/admin/users",
        &s,
        &[
            ("email", "sans-entreprise@comptes.test"),
            ("role", "contractor"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains(r#"id="e-organisation_id""#), "{}", r.text);
    assert!(r.text.contains("numéro de son entreprise"), "{}", r.text);
    // What was typed stays in the form.
    assert!(
        r.text.contains(r#"value="sans-entreprise@comptes.test""#),
        "{}",
        r.text
    );
    assert!(account(app, &w.admin, "sans-entreprise@comptes.test").is_none());

    // Created with a password: listed by the API with its role, able to log in.
    let r = app.page_post(
        "/admin/users",
        &s,
        &[
            ("email", "nouvelle@comptes.test"),
            ("role", "facilitator"),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("Location"), Some("/admin/users?fait=compte-cree"));
    let new = account(app, &w.admin, "nouvelle@comptes.test").expect("created");
    assert_eq!(
        (new["role"].as_str(), new["active"].as_bool()),
        (Some("facilitator"), Some(true))
    );
    assert_eq!(app.login("nouvelle@comptes.test", PASSWORD).status, 200);
    // A contractor account with its company.
    let r = app.page_post(
        "/admin/users",
        &s,
        &[
            ("email", "paie@comptes.test"),
            ("role", "contractor"),
            ("organisation_id", &w.contractor_a.to_string()),
            ("password", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    // Without a password: an invitation by email.
    assert_eq!(
        r.header("Location"),
        Some("/admin/users?fait=compte-invite")
    );
    let paie = account(app, &w.admin, "paie@comptes.test").expect("invited");
    assert_eq!(paie["role"], "contractor");
    assert_eq!(paie["organisation_id"], w.contractor_a);
    let r = app.page_get("/admin/users?fait=compte-invite", &s);
    assert!(r
        .text
        .contains("une invitation à choisir son mot de passe part par courriel"));
    assert!(r.text.contains("Bâtiment Durable"), "{}", r.text);

    // A role changed: the API reads the new one.
    let id = new["id"].as_i64().unwrap();
    let r = app.page_post(
        &format!("/admin/users/{id}"),
        &s,
        &[("action", "role"), ("role", "admin")],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        account(app, &w.admin, "nouvelle@comptes.test").unwrap()["role"],
        "admin"
    );

    // Switched off: inactive for the API, can no longer log in, shown as such.
    let r = app.page_post(
        &format!("/admin/users/{id}"),
        &s,
        &[("action", "deactivate")],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some("/admin/users?fait=compte-desactive")
    );
    assert_eq!(
        account(app, &w.admin, "nouvelle@comptes.test").unwrap()["active"],
        false
    );
    assert_ne!(app.login("nouvelle@comptes.test", PASSWORD).status, 200);
    let r = app.page_get("/admin/users", &s);
    assert!(r.text.contains("<strong>Désactivé</strong>"));
    assert!(r.text.contains(">Réactiver</button>"));
    // Without the secret, nothing changes.
    let fac = account(app, &w.admin, "fac@plie-comptes.test").unwrap();
    let r = app.page_post_raw(
        &format!("/admin/users/{}", fac["id"]),
        &s,
        "action=deactivate".into(),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        account(app, &w.admin, "fac@plie-comptes.test").unwrap()["active"],
        true
    );

    // The admin's own account: the use case refuses, the reason beside the account.
    let r = app.page_post(
        &format!("/admin/users/{me}"),
        &s,
        &[("action", "deactivate")],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    let text = unescape(&r.text);
    assert!(text.contains(&format!("id=\"e-u{me}\"")), "{text}");
    assert!(text.contains("ni désactiver votre propre compte"), "{text}");
    let admin_email = app.get_ok("/api/v1/me", &w.admin).body["email"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        account(app, &w.admin, &admin_email).unwrap()["active"],
        true
    );
    // Another structure's account is not found.
    let other = world(app, "PLIE Voisin");
    let theirs = app.get_ok("/api/v1/me", &other.facilitator).body["id"]
        .as_i64()
        .unwrap();
    let r = app.page_post(
        &format!("/admin/users/{theirs}"),
        &s,
        &[("action", "deactivate")],
    );
    assert_eq!(r.status, 404, "{}", r.text);
    // Still active: its session still answers.
    app.get_ok("/api/v1/me", &other.facilitator);
});

on_both!(
    the_admin_reads_and_edits_the_labour_shares,
    |app: &TestApp| {
        let w = world(app, "PLIE Parts");
        let api = app.get_ok("/api/v1/reference/labour-shares", &w.admin).body;
        let table = api.as_array().unwrap().clone();
        let s = app.page_session(&w.admin);
        let r = app.page_get("/admin/labour-shares", &s);
        assert_eq!(r.status, 200, "{}", r.text);
        let text = unescape(&r.text);
        for (i, row) in table.iter().enumerate() {
            let prefix = row["cpv_prefix"].as_str().unwrap();
            assert!(
                text.contains(&format!(
                    "name=\"shares[{i}].cpv_prefix\" type=\"text\" size=\"8\" value=\"{prefix}\""
                )),
                "{row} {text}"
            );
        }
        // The form: the table's rows, then empty ones to add a prefix.
        let n = table.len();
        let mut fields: Vec<(String, String)> = Vec::new();
        for (i, row) in table.iter().enumerate() {
            fields.push((
                format!("shares[{i}].cpv_prefix"),
                row["cpv_prefix"].as_str().unwrap().into(),
            ));
            fields.push((
                format!("shares[{i}].label"),
                row["label"].as_str().unwrap().into(),
            ));
            fields.push((
                format!("shares[{i}].percent"),
                row["labour_share_percent"].to_string().replace('.', ","),
            ));
        }
        let with = |extra: &[(String, String)]| -> Vec<(String, String)> {
            fields.iter().chain(extra.iter()).cloned().collect()
        };
        let post = |all: Vec<(String, String)>| {
            let refs: Vec<(&str, &str)> =
                all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.page_post("/admin/labour-shares", &s, &refs)
        };
        // A broken row: its error beside its field, nothing stored.
        let r = post(with(&[
            (format!("shares[{n}].cpv_prefix"), "4x".into()),
            (format!("shares[{n}].label"), "Gros œuvre".into()),
            (format!("shares[{n}].percent"), "45,5".into()),
            (format!("shares[{}].cpv_prefix", n + 1), String::new()),
        ]));
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            r.text.contains(&format!("id=\"e-{n}-cpv_prefix\"")),
            "{}",
            r.text
        );
        assert_eq!(
            app.get_ok("/api/v1/reference/labour-shares", &w.admin).body,
            api
        );
        // Without the form's secret: refused.
        let r = app.page_post_raw(
        "/admin/labour-shares",
        &s,
        format!("shares%5B{n}%5D.cpv_prefix=4521&shares%5B{n}%5D.label=X&shares%5B{n}%5D.percent=45"),
    );
        assert_eq!(r.status, 403);
        assert_eq!(
            app.get_ok("/api/v1/reference/labour-shares", &w.admin).body,
            api
        );
        // A new prefix saved: the API reads it, with the others unchanged (empty rows ignored).
        let r = post(with(&[
            (format!("shares[{n}].cpv_prefix"), "4521".into()),
            (format!("shares[{n}].label"), "Gros œuvre".into()),
            (format!("shares[{n}].percent"), "45,5".into()),
            (format!("shares[{}].cpv_prefix", n + 1), String::new()),
            (format!("shares[{}].label", n + 1), String::new()),
            (format!("shares[{}].percent", n + 1), String::new()),
        ]));
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(
            r.header("Location"),
            Some("/admin/labour-shares?fait=parts-enregistrees")
        );
        let after = app.get_ok("/api/v1/reference/labour-shares", &w.admin).body;
        let after = after.as_array().unwrap();
        assert_eq!(after.len(), n + 1, "{after:?}");
        let added = after
            .iter()
            .find(|r| r["cpv_prefix"] == "4521")
            .expect("added");
        assert_eq!(added["labour_share_percent"], serde_json::json!(45.5));
        assert_eq!(added["label"], "Gros œuvre");
        for row in &table {
            assert!(after.contains(row), "{row}");
        }
    }
);
