//! Accounts (issue 17): an administrator switches accounts off and on, changes their role
//! and organisation (with `ETag`/`If-Match` and a history); everyone changes their own
//! password; invitations and reset links (hashed, 48 hours, single use, voided by a newer
//! one) lead to a French page where the person chooses a password.

use clausier::config::{Config, DatabaseUrl};
use clausier::db::schema::outbox;
use diesel::prelude::*;
use rocket::http::{ContentType, Cookie};
use rocket::local::blocking::Client;
use serde_json::{json, Value};

use crate::common::{TestApp, PASSWORD};
use crate::fixtures::org;
use crate::fixtures::SIRETS;
use crate::on_both;

const NEW_PASSWORD: &str = "une-phrase-de-passe-neuve";

/// The id of the account behind a token.
fn id_of(app: &TestApp, token: &str) -> i64 {
    app.get_ok("/api/v1/me", token).body["id"]
        .as_i64()
        .expect("an id")
}

/// A second instance of the service on the same database and clock, with its own caller
/// cache (answers not checked against the document).
fn second_instance(app: &TestApp) -> Client {
    Client::untracked(app.second_rocket()).expect("second instance")
}

fn status_on(client: &Client, path: &str, token: &str) -> u16 {
    client
        .get(path.to_string())
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .dispatch()
        .status()
        .code
}

fn patch_on(client: &Client, path: &str, token: &str, body: Value) -> (u16, Value) {
    let r = client
        .patch(path.to_string())
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .header(ContentType::JSON)
        .body(body.to_string())
        .dispatch();
    let status = r.status().code;
    (status, r.into_json().unwrap_or(Value::Null))
}

fn codes(body: &Value) -> Vec<String> {
    let mut out = vec![body["code"].as_str().unwrap_or("").to_string()];
    for e in body["errors"].as_array().into_iter().flatten() {
        out.push(e["code"].as_str().unwrap_or("").to_string());
    }
    out
}

/// The password-link emails in the outbox: (recipient, stage, text body, status).
fn link_emails(app: &TestApp) -> Vec<(String, String, String, String)> {
    let pool = clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 1)
        .expect("pool");
    let mut conn = pool.get().expect("conn");
    outbox::table
        .filter(outbox::rule.eq("password_link"))
        .order(outbox::id)
        .select((
            outbox::recipient_email,
            outbox::stage,
            outbox::body_text,
            outbox::status,
        ))
        .load::<(String, String, String, String)>(&mut conn)
        .expect("outbox")
}

/// The token of the link in an email's text.
fn token_in(text: &str) -> String {
    let at = text.find("/password/").expect("a link") + "/password/".len();
    text[at..at + 64].to_string()
}

/// The token of the last link emailed.
fn last_token(app: &TestApp) -> String {
    let emails = link_emails(app);
    token_in(&emails.last().expect("an email").2)
}

/// Sends the queued emails into a folder, as the mail job does without SMTP.
fn deliver(app: &TestApp) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    let mut config = Config::for_database(&app.database_url).expect("config");
    config.smtp = None;
    config.data_dir = dir.path().to_path_buf();
    let pool = clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 2)
        .expect("pool");
    let mailer = clausier::reminders::Mailer::from_config(&config).expect("mailer");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut report = clausier::reminders::JobReport::default();
    rt.block_on(clausier::reminders::deliver(
        &pool,
        &mailer,
        &config,
        app.clock.now(),
        &mut report,
    ))
    .expect("delivery");
    dir
}

/// The page of a link: (status, HTML, the form's secret cookie).
fn open_page(app: &TestApp, token: &str) -> (u16, String, Option<String>) {
    let r = app.client.get(format!("/password/{token}")).dispatch();
    let status = r.status().code;
    let secret = r
        .cookies()
        .get("clausier_login")
        .map(|c| c.value().to_string());
    (status, r.into_string().unwrap_or_default(), secret)
}

/// Posts the page's form as a browser does: (status, HTML).
fn submit_page(app: &TestApp, token: &str, password: &str, confirmation: &str) -> (u16, String) {
    let (_, _, secret) = open_page(app, token);
    let secret = secret.unwrap_or_else(|| "none".into());
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("password", password)
        .append_pair("password_confirmation", confirmation)
        .append_pair("csrf_token", &secret)
        .finish();
    let r = app
        .client
        .post(format!("/password/{token}"))
        .header(ContentType::Form)
        .cookie(Cookie::new("clausier_login", secret))
        .body(body)
        .dispatch();
    (r.status().code, r.into_string().unwrap_or_default())
}

on_both!(
    an_admin_corrects_an_account_with_etag_and_history,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let contractor = org(
            app,
            &admin,
            "contractor",
            "Bâtiment Durable",
            Some(SIRETS[1]),
            Some("93"),
        );
        let buyer = org(app, &admin, "buyer", "Ville", Some(SIRETS[0]), Some("93"));
        let fac = app.api_user(&admin, "facilitator", "fac@plie.test", None);
        let id = id_of(app, &fac);
        let url = format!("/api/v1/users/{id}");

        let r = app.get_ok(&url, &admin);
        assert_eq!(r.header("etag"), Some("\"1\""));
        assert_eq!(r.body["active"], true);
        assert_eq!(r.body["role"], "facilitator");

        // The rules of creation: a contractor names a contractor organisation.
        let r = app.patch(&url, &admin, json!({"role": "contractor"}), None);
        r.assert_refused_on(&["organisation_id"]);
        assert_eq!(codes(&r.body)[1], "organisation_required");
        let r = app.patch(
            &url,
            &admin,
            json!({"role": "contractor", "organisation_id": buyer}),
            None,
        );
        r.assert_refused_on(&["organisation_id"]);
        assert_eq!(codes(&r.body)[1], "organisation_kind_mismatch");
        let r = app.patch(&url, &admin, json!({"active": null, "role": null}), None);
        r.assert_refused_on(&["active", "role"]);
        let r = app.patch(&url, &admin, json!({"rol": "admin"}), None);
        assert_eq!(r.status, 422, "{}", r.text);
        let r = app.patch(&url, &admin, json!({"role": "chef"}), None);
        assert_eq!(r.status, 422, "{}", r.text);

        let r = app.patch(
            &url,
            &admin,
            json!({"role": "contractor", "organisation_id": contractor}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("etag"), Some("\"2\""));
        assert_eq!(r.body["role"], "contractor");
        assert_eq!(r.body["organisation_id"], contractor);
        // The role is seen at the account's next request.
        assert_eq!(app.get_ok("/api/v1/me", &fac).body["role"], "contractor");
        // A stale version changes nothing.
        let r = app.patch(
            &url,
            &admin,
            json!({"role": "facilitator", "organisation_id": null}),
            Some("\"1\""),
        );
        assert_eq!(r.status, 412, "{}", r.text);
        assert_eq!(app.get_ok(&url, &admin).body["role"], "contractor");
        // Nothing to change: 200, same version, no history line.
        let r = app.patch(&url, &admin, json!({"role": "contractor"}), Some("\"2\""));
        assert_eq!((r.status, r.header("etag")), (200, Some("\"2\"")));

        let h = app.get_ok(&format!("{url}/history"), &admin).body;
        let h = h.as_array().expect("a list");
        assert_eq!(h.len(), 1, "{h:?}");
        assert_eq!(h[0]["action"], "update");
        assert_eq!(h[0]["by"]["id"], id_of(app, &admin));
        let fields: Vec<&str> = h[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["organisation_id", "role"]);

        // Admins only; another structure's account does not exist for them.
        let other = app.structure_admin("Autre");
        let fac2 = app.api_user(&admin, "facilitator", "fac2@plie.test", None);
        let funder = app.api_user(&admin, "funder", "f@plie.test", None);
        for token in [&fac2, &funder] {
            assert_eq!(app.get(&url, token).status, 403);
            assert_eq!(
                app.patch(&url, token, json!({"active": false}), None)
                    .status,
                403
            );
            assert_eq!(app.get(&format!("{url}/history"), token).status, 403);
            assert_eq!(
                app.post(&format!("{url}/invitation"), token, json!({}))
                    .status,
                403
            );
        }
        assert_eq!(app.get(&url, &other).status, 404);
        assert_eq!(
            app.patch(&url, &other, json!({"active": false}), None)
                .status,
            404
        );
        assert_eq!(app.get(&format!("{url}/history"), &other).status, 404);
        assert_eq!(
            app.post(&format!("{url}/invitation"), &other, json!({}))
                .status,
            404
        );
    }
);

on_both!(
    a_deactivated_accounts_token_is_refused_within_five_seconds,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let fac = app.api_user(&admin, "facilitator", "fac@plie.test", None);
        let id = id_of(app, &fac);
        let url = format!("/api/v1/users/{id}");
        // Another instance has just read the session: it trusts it for 5 seconds.
        let elsewhere = second_instance(app);
        let any = "/api/v1/reference/criteria";
        assert_eq!(status_on(&elsewhere, any, &fac), 200);

        let r = app.patch(&url, &admin, json!({"active": false}), Some("\"1\""));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["active"], false);
        // Here at once, its sessions ended.
        let r = app.get("/api/v1/me", &fac);
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (401, Some("session_ended"))
        );
        // Elsewhere within 5 seconds of the application's clock.
        app.clock.advance(chrono::Duration::milliseconds(4_900));
        assert_eq!(status_on(&elsewhere, any, &fac), 200);
        app.clock.advance(chrono::Duration::milliseconds(100));
        assert_eq!(status_on(&elsewhere, any, &fac), 401);
        // It cannot log in, nor ask for a link that would work.
        assert_eq!(app.login("fac@plie.test", PASSWORD).status, 401);

        // Switched on again: it logs in; the old token stays ended.
        let r = app.patch(&url, &admin, json!({"active": true}), Some("\"2\""));
        assert_eq!((r.status, r.header("etag")), (200, Some("\"3\"")));
        assert_eq!(app.login("fac@plie.test", PASSWORD).status, 200);
        assert_eq!(app.get("/api/v1/me", &fac).status, 401);

        let h = app.get_ok(&format!("{url}/history"), &admin).body;
        let actions: Vec<&str> = h
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["deactivate", "reactivate"]);
        assert_eq!(
            h[0]["changes"],
            json!([{"field": "active", "before": true, "after": false}])
        );
        let listed = app.get_ok("/api/v1/users", &admin).body;
        assert!(listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["active"] == true));
    }
);

on_both!(
    no_admin_removes_itself_or_the_last_admin,
    |app: &TestApp| {
        let a = app.structure_admin("PLIE");
        let a_id = id_of(app, &a);
        let own = format!("/api/v1/users/{a_id}");
        let r = app.patch(&own, &a, json!({"active": false}), None);
        assert_eq!(
            (r.status, r.error_fields()),
            (409, vec!["active".to_string()]),
            "{}",
            r.text
        );
        assert!(codes(&r.body).contains(&"own_account_change".to_string()));
        let r = app.patch(&own, &a, json!({"role": "facilitator"}), None);
        assert_eq!(
            (r.status, r.error_fields()),
            (409, vec!["role".to_string()]),
            "{}",
            r.text
        );
        assert!(codes(&r.body).contains(&"own_account_change".to_string()));

        // Two admins; A's session is trusted on another instance while B demotes A here.
        let b = app.api_user(&a, "admin", "b@plie.test", None);
        let b_id = id_of(app, &b);
        let elsewhere = second_instance(app);
        assert_eq!(status_on(&elsewhere, "/api/v1/users", &a), 200);
        let r = app.patch(&own, &b, json!({"role": "facilitator"}), None);
        assert_eq!(r.status, 200, "{}", r.text);
        // A, still an admin for the other instance a moment longer, cannot take away the
        // last one.
        let (status, body) = patch_on(
            &elsewhere,
            &format!("/api/v1/users/{b_id}"),
            &a,
            json!({"active": false}),
        );
        assert_eq!(status, 409, "{body}");
        assert!(codes(&body).contains(&"last_admin".to_string()), "{body}");
        let (status, _) = patch_on(
            &elsewhere,
            &format!("/api/v1/users/{b_id}"),
            &a,
            json!({"role": "funder"}),
        );
        assert_eq!(status, 409);
        // Here A is a facilitator already.
        assert_eq!(app.get("/api/v1/users", &a).status, 403);
        app.clock.advance(chrono::Duration::seconds(5));
        assert_eq!(status_on(&elsewhere, "/api/v1/users", &a), 403);
        assert_eq!(
            app.get_ok(&format!("/api/v1/users/{b_id}"), &b).body["active"],
            true
        );
    }
);

on_both!(
    a_user_changes_its_own_password_and_its_other_sessions_end,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let contractor = org(
            app,
            &admin,
            "contractor",
            "Bâtiment Durable",
            Some(SIRETS[1]),
            Some("93"),
        );
        let this = app.api_user(&admin, "contractor", "a@plie.test", Some(contractor));
        let other = app.token("a@plie.test");
        let put = |token: &str, body: Value| app.put("/api/v1/me/password", token, body);

        let r = put(
            &this,
            json!({"current_password": "pas le bon", "new_password": NEW_PASSWORD}),
        );
        r.assert_refused_on(&["current_password"]);
        assert_eq!(codes(&r.body)[1], "current_password_wrong");
        let r = put(
            &this,
            json!({"current_password": PASSWORD, "new_password": "court"}),
        );
        r.assert_refused_on(&["new_password"]);
        assert_eq!(codes(&r.body)[1], "password_too_short");
        let r = put(
            &this,
            json!({"current_password": "pas le bon", "new_password": "court"}),
        );
        r.assert_refused_on(&["current_password", "new_password"]);
        let r = put(&this, json!({"current_password": PASSWORD}));
        assert_eq!(r.status, 422, "{}", r.text);

        let r = put(
            &this,
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        );
        assert_eq!(r.status, 204, "{}", r.text);
        assert_eq!(app.get("/api/v1/me", &this).status, 200);
        let r = app.get("/api/v1/me", &other);
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (401, Some("session_ended"))
        );
        assert_eq!(app.login("a@plie.test", PASSWORD).status, 401);
        assert_eq!(app.login("a@plie.test", NEW_PASSWORD).status, 200);
        // Without a session, no change.
        let r = app.request(
            "PUT",
            "/api/v1/me/password",
            None,
            Some(ContentType::JSON),
            Some(
                json!({"current_password": NEW_PASSWORD, "new_password": PASSWORD})
                    .to_string()
                    .into_bytes(),
            ),
        );
        assert_eq!(r.status, 401);
    }
);

on_both!(
    reset_links_are_single_use_expire_and_the_newest_wins,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let fac = app.api_user(&admin, "facilitator", "fac@plie.test", None);
        let ask = |email: &str| {
            app.request(
                "POST",
                "/api/v1/auth/password-reset",
                None,
                Some(ContentType::JSON),
                Some(json!({"email": email}).to_string().into_bytes()),
            )
        };
        // The same answer for an account and for nobody; one email, for the account.
        let known = ask("Fac@plie.test");
        let unknown = ask("personne@plie.test");
        assert_eq!(known.status, 202, "{}", known.text);
        assert_eq!((unknown.status, &unknown.text), (202, &known.text));
        let emails = link_emails(app);
        assert_eq!(emails.len(), 1, "{emails:?}");
        assert_eq!(
            (emails[0].0.as_str(), emails[0].1.as_str()),
            ("fac@plie.test", "reset")
        );
        assert!(
            emails[0].2.contains("http://127.0.0.1:8000/password/"),
            "{}",
            emails[0].2
        );
        let first = last_token(app);

        // The page is French and names the account.
        let (status, html, secret) = open_page(app, &first);
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("<html lang=\"fr\">"));
        assert!(html.contains("Choisir un mot de passe"));
        assert!(html.contains("Confirmez le mot de passe"));
        assert!(html.contains("fac@plie.test"));
        assert!(html.contains(&format!("value=\"{}\"", secret.expect("a form secret"))));

        // A newer link voids the older.
        assert_eq!(ask("fac@plie.test").status, 202);
        let second = last_token(app);
        assert_ne!(first, second);
        let (status, html, _) = open_page(app, &first);
        assert_eq!(status, 404);
        assert!(html.contains("plus valable : il a déjà servi"), "{html}");

        // The form's rules.
        let (status, html) = submit_page(app, &second, NEW_PASSWORD, "autre-chose-encore");
        assert_eq!(status, 422);
        assert!(
            html.contains("Les deux mots de passe saisis ne sont pas identiques"),
            "{html}"
        );
        let (status, html) = submit_page(app, &second, "court", "court");
        assert_eq!(status, 422);
        assert!(html.contains("au moins 10 caractères"), "{html}");
        let forged = app
            .client
            .post(format!("/password/{second}"))
            .header(ContentType::Form)
            .body(format!(
                "password={NEW_PASSWORD}&password_confirmation={NEW_PASSWORD}"
            ))
            .dispatch();
        assert_eq!(forged.status().code, 403);

        // Set: the old sessions end, the new password logs in, the link is used up.
        let (status, html) = submit_page(app, &second, NEW_PASSWORD, NEW_PASSWORD);
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Votre mot de passe est enregistré"), "{html}");
        assert_eq!(app.get("/api/v1/me", &fac).status, 401);
        assert_eq!(app.login("fac@plie.test", PASSWORD).status, 401);
        assert_eq!(app.login("fac@plie.test", NEW_PASSWORD).status, 200);
        assert_eq!(open_page(app, &second).0, 404);
        assert_eq!(submit_page(app, &second, PASSWORD, PASSWORD).0, 404);

        // Valid 48 hours on the application's clock.
        assert_eq!(ask("fac@plie.test").status, 202);
        let third = last_token(app);
        app.clock
            .advance(chrono::Duration::hours(48) - chrono::Duration::seconds(1));
        assert_eq!(open_page(app, &third).0, 200);
        app.clock.advance(chrono::Duration::seconds(1));
        assert_eq!(open_page(app, &third).0, 404);
        assert_eq!(submit_page(app, &third, PASSWORD, PASSWORD).0, 404);
        assert_eq!(open_page(app, "pas-un-jeton").0, 404);

        // Once sent, the emails keep no copy of their link.
        let _sent = deliver(app);
        let emails = link_emails(app);
        assert_eq!(emails.len(), 3);
        for (_, _, text, status) in emails {
            assert_eq!((text.as_str(), status.as_str()), ("", "sent"));
        }
    }
);

on_both!(
    an_admin_invites_an_account_to_choose_its_password,
    |app: &TestApp| {
        let admin = app.structure_admin("PLIE");
        let fac = app.api_user(&admin, "facilitator", "fac@plie.test", None);
        let id = id_of(app, &fac);
        let r = app.post(&format!("/api/v1/users/{id}/invitation"), &admin, json!({}));
        assert_eq!(r.status, 202, "{}", r.text);
        let emails = link_emails(app);
        assert_eq!(emails.len(), 1);
        assert_eq!(emails[0].1, "invitation");
        assert!(emails[0].2.contains("Un compte a été ouvert pour vous"));
        assert!(
            !emails[0].2.contains(PASSWORD),
            "passwords are never emailed"
        );
        let token = last_token(app);
        let (status, html) = submit_page(app, &token, NEW_PASSWORD, NEW_PASSWORD);
        assert_eq!(status, 200, "{html}");
        assert_eq!(app.login("fac@plie.test", NEW_PASSWORD).status, 200);

        // An account switched off is not invited; switching it off voids its links.
        let r = app.post(&format!("/api/v1/users/{id}/invitation"), &admin, json!({}));
        assert_eq!(r.status, 202);
        let pending = last_token(app);
        let r = app.patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            json!({"active": false}),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(open_page(app, &pending).0, 404);
        let r = app.post(&format!("/api/v1/users/{id}/invitation"), &admin, json!({}));
        assert_eq!(r.status, 409, "{}", r.text);
        assert!(codes(&r.body).contains(&"account_inactive".to_string()));
        let r = app.post("/api/v1/users/999999/invitation", &admin, json!({}));
        assert_eq!(r.status, 404);
    }
);

on_both!(reset_requests_are_throttled_like_logins, |app: &TestApp| {
    let _admin = app.structure_admin("PLIE");
    let ask = || {
        app.request(
            "POST",
            "/api/v1/auth/password-reset",
            None,
            Some(ContentType::JSON),
            Some(json!({"email": "admin@plie.test"}).to_string().into_bytes()),
        )
    };
    for _ in 0..5 {
        assert_eq!(ask().status, 202);
    }
    let r = ask();
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.header("retry-after").is_some());
    // Resets never lock the logins out.
    assert_eq!(app.login("admin@plie.test", PASSWORD).status, 200);
    assert_eq!(link_emails(app).len(), 5);
});

on_both!(a_password_link_is_never_logged, |app: &TestApp| {
    let _admin = app.structure_admin("PLIE");
    let capture = crate::log_capture::capture();
    let r = app.request(
        "POST",
        "/api/v1/auth/password-reset",
        None,
        Some(ContentType::JSON),
        Some(json!({"email": "admin@plie.test"}).to_string().into_bytes()),
    );
    assert_eq!(r.status, 202, "{}", r.text);
    let token = last_token(app);
    assert_eq!(open_page(app, &token).0, 200);
    assert_eq!(submit_page(app, &token, "court", "court").0, 422);
    assert_eq!(submit_page(app, &token, NEW_PASSWORD, NEW_PASSWORD).0, 200);
    assert_eq!(open_page(app, &token).0, 404);
    let _sent = deliver(app);
    let logs = capture.text();
    assert!(logs.contains("GET /password/<token> 200"), "{logs}");
    assert!(logs.contains("POST /password/<token> 200"), "{logs}");
    for secret in [token.as_str(), &token[..16], NEW_PASSWORD] {
        assert!(!logs.contains(secret), "the logs carry {secret:?}:\n{logs}");
    }
});

on_both!(
    two_admins_demoting_each_other_at_once_leave_one,
    |app: &TestApp| {
        let a = app.structure_admin("PLIE");
        let b = app.api_user(&a, "admin", "b@plie.test", None);
        let (a_id, b_id) = (id_of(app, &a), id_of(app, &b));
        let statuses = app.in_parallel(|client| async move {
            let demote = |token: String, id: i64| {
                let client = &client;
                async move {
                    client
                        .patch(format!("/api/v1/users/{id}"))
                        .header(ContentType::JSON)
                        .header(rocket::http::Header::new(
                            "Authorization",
                            format!("Bearer {token}"),
                        ))
                        .body(r#"{"role": "facilitator"}"#)
                        .dispatch()
                        .await
                        .status()
                        .code
                }
            };
            let (x, y) = rocket::tokio::join!(demote(a.clone(), b_id), demote(b.clone(), a_id));
            let mut s = vec![x, y];
            s.sort();
            s
        });
        // The second to come finds itself the last admin (409), or, when its session was
        // read after the first change, no admin any more (403): never two demotions.
        assert!(
            statuses == vec![200, 409] || statuses == vec![200, 403],
            "{statuses:?}"
        );
        // Whoever's request came first demoted the other: one admin is left.
        let mut seen = Vec::new();
        for email in ["admin@plie.test", "b@plie.test"] {
            let r = app.get("/api/v1/users", &app.token(email));
            if r.status == 200 {
                let admins = r.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|u| u["role"] == "admin" && u["active"] == true)
                    .count();
                assert_eq!(admins, 1, "{}", r.text);
            }
            seen.push(r.status);
        }
        seen.sort();
        assert_eq!(seen, vec![200, 403]);
    }
);
