//! Sessions: logging out ends them; the cookie cannot be used by another site (CSRF); what
//! the API answers is not cached.

use rocket::http::{ContentType, Cookie, Header};
use serde_json::{json, Value};

use crate::common::{TestApp, PASSWORD};
use crate::fixtures::{contractor_user, placed, world};
use crate::on_both;

/// A login through the API: (token, the session's CSRF secret).
fn login(app: &TestApp, email: &str) -> (String, String) {
    let r = app.login(email, PASSWORD);
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.body["access_token"].as_str().unwrap().to_string();
    let csrf = r.body["csrf_token"].as_str().unwrap().to_string();
    assert_eq!(csrf.len(), 64, "a secret of 32 random bytes");
    (token, csrf)
}

/// A request authenticated only by the session cookie, as a browser sends it.
fn with_cookie(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    headers: &[(&'static str, &str)],
    body: Option<(ContentType, Vec<u8>)>,
) -> (u16, Value) {
    let mut req = match method {
        "GET" => app.client.get(path.to_string()),
        "POST" => app.client.post(path.to_string()),
        "PUT" => app.client.put(path.to_string()),
        other => panic!("method {other}"),
    };
    req = req.cookie(Cookie::new("clausier_session", token.to_string()));
    for (name, value) in headers {
        req = req.header(Header::new(*name, value.to_string()));
    }
    if let Some((ct, bytes)) = body {
        req = req.header(ct).body(bytes);
    }
    let r = req.dispatch();
    let status = r.status().code;
    let body = r
        .into_bytes()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

fn participant_body(last: &str) -> Vec<u8> {
    json!({"first_name": "Inès", "last_name": last, "birth_date": "1991-02-03", "sex": "female",
           "postal_code": "93200", "qpv": false, "qualification_level": "3"})
    .to_string()
    .into_bytes()
}

fn participants(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/participants", token).body["total"]
        .as_i64()
        .unwrap()
}

on_both!(logging_out_ends_the_session, |app: &TestApp| {
    app.structure_admin("PLIE");
    let (first, _) = login(app, "admin@plie.test");
    let (second, csrf) = login(app, "admin@plie.test");
    assert_eq!(app.get("/api/v1/me", &first).status, 200);
    // The API logout ends the session of the token presented, and only that one.
    let r = app.request("POST", "/api/v1/auth/logout", Some(&first), None, None);
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.get("/api/v1/me", &first);
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(app.get("/api/v1/me", &second).status, 200);
    // Twice: the token is no longer a session.
    let r = app.request("POST", "/api/v1/auth/logout", Some(&first), None, None);
    assert_eq!(r.status, 401);
    // With the cookie, the logout needs the session's secret like any change.
    let (status, body) = with_cookie(app, "POST", "/api/v1/auth/logout", &second, &[], None);
    assert_eq!(status, 403, "{body}");
    assert!(body["type"].as_str().unwrap().ends_with("/csrf"));
    assert_eq!(app.get("/api/v1/me", &second).status, 200);
    let (status, _) = with_cookie(
        app,
        "POST",
        "/api/v1/auth/logout",
        &second,
        &[("X-CSRF-Token", &csrf)],
        None,
    );
    assert_eq!(status, 204);
    assert_eq!(app.get("/api/v1/me", &second).status, 401);
    let (status, _) = with_cookie(app, "GET", "/api/v1/me", &second, &[], None);
    assert_eq!(status, 401);
});

on_both!(the_page_logout_ends_the_session, |app: &TestApp| {
    app.structure_admin("PLIE");
    let r = app.submit_login_form("email=admin%40plie.test&password=correct-horse-battery");
    assert_eq!(r.status().code, 303);
    let token = r
        .cookies()
        .get("clausier_session")
        .expect("session cookie")
        .value()
        .to_string();
    let (status, _) = with_cookie(app, "GET", "/api/v1/me", &token, &[], None);
    assert_eq!(status, 200);
    let claims = clausier::auth::TokenKeys::new(b"test-secret-test-secret-test-secret-0123", 1)
        .verify(&token, app.clock.now())
        .unwrap();
    assert!(claims.ses.0 > 0);
    // Without the form's secret: refused, the session lives on.
    let r = app
        .client
        .post("/logout")
        .cookie(Cookie::new("clausier_session", token.clone()))
        .header(ContentType::Form)
        .body("csrf_token=not-the-secret")
        .dispatch();
    assert_eq!(r.status().code, 403);
    let (status, _) = with_cookie(app, "GET", "/api/v1/me", &token, &[], None);
    assert_eq!(status, 200);
});

on_both!(
    the_cookie_alone_changes_nothing_from_another_site,
    |app: &TestApp| {
        let (w, _, pl) = placed(app);
        contractor_user(app, &w.admin, w.contractor_a, "a@csrf.test");
        let (fac, fac_csrf) = login(app, "fac@plie.test");
        let (contractor, contractor_csrf) = login(app, "a@csrf.test");
        let before = participants(app, &w.facilitator);
        let evil = ("Origin", "https://evil.example");
        let refused = |status: u16, body: &Value| {
            assert_eq!(status, 403, "{body}");
            assert!(body["type"].as_str().unwrap().ends_with("/csrf"), "{body}");
        };
        // A participant posted as text/plain with a foreign Origin (a form on another site).
        let (s, b) = with_cookie(
            app,
            "POST",
            "/api/v1/participants",
            &fac,
            &[evil],
            Some((ContentType::Plain, participant_body("Forgée"))),
        );
        refused(s, &b);
        // The secret does not help from another site.
        let (s, b) = with_cookie(
            app,
            "POST",
            "/api/v1/participants",
            &fac,
            &[evil, ("X-CSRF-Token", &fac_csrf)],
            Some((ContentType::JSON, participant_body("Forgée"))),
        );
        refused(s, &b);
        // Nor another session's secret, nor none.
        for headers in [vec![("X-CSRF-Token", contractor_csrf.as_str())], vec![]] {
            let (s, b) = with_cookie(
                app,
                "POST",
                "/api/v1/participants",
                &fac,
                &headers,
                Some((ContentType::JSON, participant_body("Forgée"))),
            );
            refused(s, &b);
        }
        // Hours: a PUT and an import, with the contractor's cookie.
        let (s, b) = with_cookie(
            app,
            "PUT",
            &format!("/api/v1/placements/{pl}/hours/2026-03"),
            &contractor,
            &[evil],
            Some((ContentType::JSON, b"{\"work_hours\": 35}".to_vec())),
        );
        refused(s, &b);
        let csv = format!("placement_id,month,work_hours,training_hours\n{pl},2026-04,20,0\n");
        let (s, b) = with_cookie(
            app,
            "POST",
            "/api/v1/hours/import",
            &contractor,
            &[],
            Some((ContentType::CSV, csv.clone().into_bytes())),
        );
        refused(s, &b);
        assert_eq!(participants(app, &w.facilitator), before, "nothing stored");
        let hours = app.get("/api/v1/hours", &w.facilitator);
        assert_eq!(hours.body["total"], 0, "{}", hours.text);
        // From the service's own pages (its Origin, or none) with the secret: accepted.
        let own = ("Origin", "http://127.0.0.1:8000");
        let (s, b) = with_cookie(
            app,
            "POST",
            "/api/v1/participants",
            &fac,
            &[own, ("X-CSRF-Token", &fac_csrf)],
            Some((ContentType::JSON, participant_body("Légitime"))),
        );
        assert_eq!(s, 201, "{b}");
        let (s, b) = with_cookie(
            app,
            "POST",
            "/api/v1/hours/import",
            &contractor,
            &[("X-CSRF-Token", &contractor_csrf)],
            Some((ContentType::CSV, csv.into_bytes())),
        );
        assert_eq!(s, 200, "{b}");
        // Reading needs no secret; a Bearer token needs none from anywhere.
        let (s, _) = with_cookie(app, "GET", "/api/v1/participants", &fac, &[evil], None);
        assert_eq!(s, 200);
        let r = app
            .client
            .post("/api/v1/participants")
            .header(Header::new("Authorization", format!("Bearer {fac}")))
            .header(Header::new("Origin", "https://partner.example"))
            .header(ContentType::JSON)
            .body(participant_body("Programme"))
            .dispatch();
        assert_eq!(r.status().code, 201);
    }
);

on_both!(json_routes_take_json_only, |app: &TestApp| {
    let w = world(app, "PLIE");
    let before = participants(app, &w.facilitator);
    for ct in [ContentType::Plain, ContentType::Form, ContentType::XML] {
        let r = app.request(
            "POST",
            "/api/v1/participants",
            Some(&w.facilitator),
            Some(ct.clone()),
            Some(participant_body("Texte")),
        );
        assert_eq!(r.status, 415, "{ct}: {}", r.text);
        assert_eq!(r.content_type.as_deref(), Some("application/problem+json"));
    }
    assert_eq!(participants(app, &w.facilitator), before);
});

on_both!(the_login_form_needs_its_secret, |app: &TestApp| {
    app.structure_admin("PLIE");
    let fields = "email=admin%40plie.test&password=correct-horse-battery";
    // Posted from elsewhere: no secret, or a secret without its cookie, or another Origin.
    let r = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .body(fields)
        .dispatch();
    assert_eq!(r.status().code, 403);
    assert!(r.cookies().get("clausier_session").is_none());
    let secret = app.login_form_secret();
    let r = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .body(format!("{fields}&csrf_token={secret}"))
        .dispatch();
    assert_eq!(r.status().code, 403);
    let r = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .header(Header::new("Origin", "https://evil.example"))
        .cookie(Cookie::new("clausier_login", secret.clone()))
        .body(format!("{fields}&csrf_token={secret}"))
        .dispatch();
    assert_eq!(r.status().code, 403);
    let body: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert!(body["type"].as_str().unwrap().ends_with("/csrf"));
    // A browser asking for HTML gets a French page.
    let r = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .header(Header::new("Accept", "text/html,application/xhtml+xml"))
        .body(fields)
        .dispatch();
    assert_eq!(r.status().code, 403);
    assert!(r.into_string().unwrap().contains("<html lang=\"fr\">"));
    // As the page sends it: in.
    let r = app.submit_login_form(fields);
    assert_eq!(r.status().code, 303);
    let cookie = r.headers().get_one("Set-Cookie").unwrap_or_default();
    assert!(!cookie.contains("Secure"), "http://127.0.0.1: {cookie}");
});

#[test]
fn an_https_address_makes_the_cookie_secure() {
    let app = TestApp::sqlite_with(|c| {
        c.public_url = "https://clausier.example.fr".into();
        c.cookie_secure = true;
    });
    app.structure_admin("PLIE");
    let secret = app.login_form_secret();
    let r = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .header(Header::new("Origin", "https://clausier.example.fr"))
        .cookie(Cookie::new("clausier_login", secret.clone()))
        .body(format!(
            "email=admin%40plie.test&password={PASSWORD}&csrf_token={secret}"
        ))
        .dispatch();
    assert_eq!(r.status().code, 303);
    let cookie = r.headers().get_one("Set-Cookie").unwrap();
    assert!(cookie.starts_with("clausier_session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
}

on_both!(
    answers_with_personal_data_are_not_cached,
    |app: &TestApp| {
        let (w, p, pl) = placed(app);
        for path in [
            format!("/api/v1/participants/{p}"),
            format!("/api/v1/placements/{pl}"),
            "/api/v1/participants".to_string(),
            "/api/v1/me".to_string(),
        ] {
            let r = app.get(&path, &w.facilitator);
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            assert_eq!(r.header("Cache-Control"), Some("no-store"), "{path}");
        }
    }
);

on_both!(
    parallel_guesses_count_like_guesses_in_turn,
    |app: &TestApp| {
        app.structure_admin("PLIE");
        // A second application on the same database with an asynchronous client, so that the
        // guesses are really in flight together.
        let mut statuses = app.in_parallel(|client| async move {
            let guess = |i: usize| {
                client
                    .post("/api/v1/auth/login")
                    .header(ContentType::JSON)
                    .body(format!(
                        r#"{{"email": "admin@plie.test", "password": "guess-number-{i}"}}"#
                    ))
                    .dispatch()
            };
            let responses = rocket::futures::future::join_all((0..30).map(guess)).await;
            responses
                .iter()
                .map(|r| r.status().code)
                .collect::<Vec<_>>()
        });
        statuses.sort();
        // Five guesses are checked (401); every other one is refused unchecked (429).
        assert_eq!(
            statuses.iter().filter(|s| **s == 401).count(),
            5,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 429).count(),
            25,
            "{statuses:?}"
        );
        // The right password now waits for the end of the lockout.
        assert_eq!(app.login("admin@plie.test", PASSWORD).status, 429);
        app.clock.advance(chrono::Duration::minutes(16));
        assert_eq!(app.login("admin@plie.test", PASSWORD).status, 200);
    }
);

on_both!(sessions_follow_the_clock_years_on, |app: &TestApp| {
    app.structure_admin("PLIE");
    let (old, _) = login(app, "admin@plie.test");
    app.clock.advance(chrono::Duration::days(730));
    // The token of two years ago has expired; a new login works on the new date.
    assert_eq!(app.get("/api/v1/me", &old).status, 401);
    let (new, _) = login(app, "admin@plie.test");
    let r = app.get("/api/v1/me", &new);
    assert_eq!(r.status, 200, "{}", r.text);
    app.clock.advance(chrono::Duration::hours(7));
    assert_eq!(app.get("/api/v1/me", &new).status, 200);
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(app.get("/api/v1/me", &new).status, 401);
});
