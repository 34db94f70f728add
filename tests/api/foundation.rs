//! Service, authentication, users, errors, tenancy, start-up and migrations.

use serde_json::json;

use crate::common::{TestApp, PASSWORD};
use crate::on_both;

on_both!(health_and_ready, |app: &TestApp| {
    let r = app.request("GET", "/health", None, None, None);
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("ok")));
    let r = app.request("GET", "/ready", None, None, None);
    assert_eq!(r.status, 200);
});

on_both!(login_success_and_me, |app: &TestApp| {
    let token = app.structure_admin("Maison de l'emploi Est");
    let r = app.login("admin@maison-de-l'emploi-est.test", PASSWORD);
    assert_eq!(r.status, 200);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 8 * 3600);
    let me = app.get("/api/v1/me", &token);
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["role"], "admin");
    assert_eq!(me.body["email"], "admin@maison-de-l'emploi-est.test");
    assert!(me.body["structure_id"].as_i64().unwrap() > 0);
    assert!(me.body["organisation_id"].is_null());
});

on_both!(
    wrong_password_and_unknown_email_look_the_same,
    |app: &TestApp| {
        app.structure_admin("PLIE");
        let wrong = app.login("admin@plie.test", "not-the-password");
        let unknown = app.login("nobody@plie.test", "not-the-password");
        assert_eq!(wrong.status, 401);
        assert_eq!(unknown.status, 401);
        assert_eq!(wrong.body, unknown.body);
        assert_eq!(
            wrong.content_type.as_deref(),
            Some("application/problem+json")
        );
    }
);

on_both!(lockout_after_five_failures, |app: &TestApp| {
    app.structure_admin("PLIE");
    for _ in 0..5 {
        assert_eq!(app.login("admin@plie.test", "bad-password").status, 401);
    }
    // Locked now, even with the right password, and for an unknown email the same way.
    let r = app.login("admin@plie.test", PASSWORD);
    assert_eq!(r.status, 429, "{}", r.text);
    let retry: i64 = r.header("Retry-After").unwrap().parse().unwrap();
    assert!(retry > 800 && retry <= 900, "Retry-After {retry}");
    for _ in 0..5 {
        assert_eq!(app.login("ghost@plie.test", "bad-password").status, 401);
    }
    assert_eq!(app.login("ghost@plie.test", "bad-password").status, 429);
    // Another email is not affected.
    app.cli_user("PLIE", "facilitator", "fac@plie.test", None, None);
    assert_eq!(app.login("fac@plie.test", PASSWORD).status, 200);
});

on_both!(bad_tokens_are_refused, |app: &TestApp| {
    let token = app.structure_admin("PLIE");
    assert_eq!(
        app.request("GET", "/api/v1/me", None, None, None).status,
        401
    );
    assert_eq!(app.get("/api/v1/me", "not.a.token").status, 401);
    // The claims of a real session, to forge others from.
    let keys = clausier::auth::TokenKeys::new(b"test-secret-test-secret-test-secret-0123", 3600);
    let claims = keys.verify(&token, app.clock.now()).expect("a valid token");
    let session = clausier::auth::token::SessionOf {
        session_id: claims.ses,
        user_id: clausier::domain::ids::UserId(claims.sub.parse().unwrap()),
        structure_id: claims.sid,
        role: "admin".into(),
    };
    // Signed with another key.
    let other = clausier::auth::TokenKeys::new(b"another-secret-another-secret-0123456", 3600);
    let forged = other.issue(&session, app.clock.now()).unwrap();
    assert_eq!(app.get("/api/v1/me", &forged).status, 401);
    // Expired well in the past, signed with the right key.
    let now = app.clock.now().timestamp();
    let expired = keys.issue_at(&session, now - 7200, now - 3600).unwrap();
    let r = app.get("/api/v1/me", &expired);
    assert_eq!(r.status, 401);
    assert_eq!(r.content_type.as_deref(), Some("application/problem+json"));
    // The right key, but a session that was never opened, or another user's session.
    let unknown = clausier::auth::token::SessionOf {
        session_id: clausier::domain::ids::SessionId(claims.ses.0 + 1000),
        ..session.clone()
    };
    let r = app.get(
        "/api/v1/me",
        &keys.issue(&unknown, app.clock.now()).unwrap(),
    );
    assert_eq!(r.status, 401);
    let someone_else = clausier::auth::token::SessionOf {
        user_id: clausier::domain::ids::UserId(session.user_id.0 + 1),
        ..session.clone()
    };
    let r = app.get(
        "/api/v1/me",
        &keys.issue(&someone_else, app.clock.now()).unwrap(),
    );
    assert_eq!(r.status, 401);
    let valid = keys.issue(&session, app.clock.now()).unwrap();
    assert_eq!(app.get("/api/v1/me", &valid).status, 200);
    // The token expires on the application's clock.
    app.clock.advance(chrono::Duration::hours(9));
    assert_eq!(app.get("/api/v1/me", &valid).status, 401);
});

on_both!(session_cookie_is_accepted, |app: &TestApp| {
    let token = app.structure_admin("PLIE");
    let r = app
        .client
        .get("/api/v1/me")
        .cookie(rocket::http::Cookie::new("clausier_session", token))
        .dispatch();
    assert_eq!(r.status().code, 200);
});

on_both!(users_admin_only_and_roles, |app: &TestApp| {
    let admin = app.structure_admin("PLIE");
    let fac = app.api_user(&admin, "facilitator", "fac@plie.test", None);
    let funder = app.api_user(&admin, "funder", "funder@plie.test", None);
    for token in [&fac, &funder] {
        assert_eq!(app.get("/api/v1/users", token).status, 403);
        let r = app.post(
            "/api/v1/users",
            token,
            json!({"email": "x@plie.test", "password": PASSWORD, "role": "admin"}),
        );
        assert_eq!(r.status, 403);
    }
    let list = app.get("/api/v1/users", &admin);
    assert_eq!(list.status, 200);
    assert_eq!(list.body["total"], 3);
    // A contractor account needs its organisation.
    app.post(
        "/api/v1/users",
        &admin,
        json!({"email": "c@plie.test", "password": PASSWORD, "role": "contractor"}),
    )
    .assert_refused_on(&["organisation_id"]);
    // Duplicate email.
    let r = app.post(
        "/api/v1/users",
        &admin,
        json!({"email": "FAC@plie.test", "password": PASSWORD, "role": "facilitator"}),
    );
    assert_eq!(r.status, 409);
});

on_both!(other_structure_sees_nothing, |app: &TestApp| {
    let a = app.structure_admin("Structure A");
    let b = app.structure_admin("Structure B");
    app.api_user(&a, "facilitator", "fac@a.test", None);
    let list_b = app.get("/api/v1/users", &b);
    assert_eq!(list_b.body["total"], 1);
    assert!(!list_b.text.contains("fac@a.test"));
});

on_both!(malformed_and_invalid_bodies, |app: &TestApp| {
    let admin = app.structure_admin("PLIE");
    let r = app.request(
        "POST",
        "/api/v1/users",
        Some(&admin),
        Some(rocket::http::ContentType::JSON),
        Some(b"{\"email\": ".to_vec()),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.body["status"], 400);
    app.post(
        "/api/v1/users",
        &admin,
        json!({"email": "x@plie.test", "role": "admin"}),
    )
    .assert_refused_on(&["password"]);
    app.post(
        "/api/v1/users",
        &admin,
        json!({"email": "x@plie.test", "password": 12, "role": "admin"}),
    )
    .assert_refused_on(&["password"]);
    app.post(
        "/api/v1/users",
        &admin,
        json!({"email": "x@plie.test", "password": PASSWORD, "role": "king"}),
    )
    .assert_refused_on(&["role"]);
    // Nothing was created by the refused requests.
    assert_eq!(app.get("/api/v1/users", &admin).body["total"], 1);
    let r = app.get("/api/v1/users?limit=1000", &admin);
    assert_eq!(r.status, 422);
    let r = app.get("/api/v1/nothing-here", &admin);
    assert_eq!(r.status, 404);
    assert_eq!(r.content_type.as_deref(), Some("application/problem+json"));
});

on_both!(openapi_describes_every_route, |app: &TestApp| {
    let r = app.request("GET", "/api/v1/openapi.json", None, None, None);
    assert_eq!(r.status, 200);
    let paths = r.body["paths"].as_object().unwrap();
    for route in app.client.rocket().routes() {
        let path = route.uri.path().to_string();
        if path.starts_with("/docs") || path == "/api/v1/openapi.json" {
            continue;
        }
        let openapi_path = path
            .split('/')
            .map(
                |s| match s.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                    Some(n) => format!("{{{}}}", n.trim_end_matches("..")),
                    None => s.to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join("/");
        let item = paths
            .get(&openapi_path)
            .unwrap_or_else(|| panic!("{openapi_path} missing from the OpenAPI document"));
        let method = route.method.as_str().to_lowercase();
        assert!(
            item.get(&method).is_some(),
            "{method} {openapi_path} missing"
        );
        assert!(
            clausier::api::access::lookup(route.method.as_str(), &path).is_some(),
            "{} {path} does not say who may call it (api::access::ROUTES)",
            route.method
        );
    }
    let docs = app.request("GET", "/docs/", None, None, None);
    assert_eq!(docs.status, 200);
});
