//! What every page shares (issue 18, foundation): the home of each role, the login redirect,
//! the same-site bounce of a link opened from another site, the form's anti-forgery secret,
//! the htmx fragment, the headers of a page, and the forgotten-password form.

use clausier::config::DatabaseUrl;
use clausier::db::schema::outbox;
use diesel::prelude::*;
use rocket::http::ContentType;

use crate::common::{hidden_value, PageSession, TestApp};
use crate::fixtures::{contractor_user, world};
use crate::on_both;

/// The password-link rows of the outbox, by recipient.
fn links_sent_to(app: &TestApp, email: &str) -> usize {
    let pool = clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 1)
        .expect("pool");
    let mut conn = pool.get().expect("conn");
    outbox::table
        .filter(outbox::rule.eq("password_link"))
        .filter(outbox::recipient_email.eq(email))
        .count()
        .get_result::<i64>(&mut conn)
        .expect("outbox") as usize
}

on_both!(each_role_has_its_home, |app: &TestApp| {
    let w = world(app, "PLIE Accueil");
    let chef = contractor_user(app, &w.admin, w.contractor_a, "chef@accueil.test");
    let funder = app.api_user(&w.admin, "funder", "financeur@accueil.test", None);

    // Without a session: the login page (no `next` to come back to: it is the home).
    let r = app.request("GET", "/", None, None, None);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("Location"), Some("/login"));

    // Staff: the home page says what waits, in the frame of every page.
    let s = app.page_session(&w.facilitator);
    let r = app.page_get("/", &s);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text.contains("<title>Accueil — clausier</title>"),
        "{}",
        r.text
    );
    assert!(r.text.contains("Aucun chiffre n'attend votre validation."));
    assert!(r.text.contains("Se déconnecter"));
    assert!(r.text.contains(r#"href="/validation""#));
    assert!(r.text.contains(r#"aria-current="page""#));
    // One figure sent by a contractor: the home counts it, singular.
    let (_, awa) = crate::fixtures::person_placed_with_a(
        app,
        &w,
        ("Awa", "Diallo", "1990-04-02"),
        "2026-01-05",
        ("2026-02-01", None),
    );
    crate::fixtures::report_work(app, &chef, awa, "2026-03", 35.0);
    let r = app.page_get("/", &s);
    assert!(
        r.text
            .contains("<strong>1</strong> chiffre mensuel attend votre validation."),
        "{}",
        r.text
    );

    // A contractor and a funder are sent to their own home.
    let cookie_only = |token: &str| PageSession {
        cookie: token.to_string(),
        csrf: String::new(),
    };
    let r = app.page_get("/", &cookie_only(&chef));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("Location"), Some("/contractor"));
    let r = app.page_get("/", &cookie_only(&funder));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("Location"), Some("/reports/annual/2026"));
});

on_both!(
    a_page_has_safe_headers_and_an_htmx_fragment,
    |app: &TestApp| {
        let w = world(app, "PLIE Entetes");
        let s = app.page_session(&w.facilitator);
        let r = app.page_get("/", &s);
        let csp = r.header("Content-Security-Policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-eval"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(r.header("Cache-Control"), Some("no-store"));
        // The scripts are ours, served from the binary.
        assert!(r.text.contains(r#"<script src="/static/htmx.min.js"#));
        let js = app.request("GET", "/static/htmx.min.js", None, None, None);
        assert_eq!(js.status, 200);
        assert!(js.text.contains("htmx"), "the vendored htmx");
        let css = app.request("GET", "/static/clausier.css", None, None, None);
        assert_eq!(css.status, 200);
        assert!(css
            .content_type
            .as_deref()
            .unwrap_or("")
            .starts_with("text/css"));

        // An htmx request gets the page's content block only, no frame around it.
        let cookie = format!("clausier_session={}", s.cookie);
        let r = app.request_with(
            "GET",
            "/",
            None,
            None,
            None,
            &[("Cookie", &cookie), ("HX-Request", "true")],
        );
        assert_eq!(r.status, 200);
        assert!(!r.text.contains("<html"), "{}", r.text);
        assert!(!r.text.contains("Se déconnecter"), "{}", r.text);
        assert!(r.text.contains("<h1>Accueil</h1>"), "{}", r.text);
    }
);

on_both!(
    a_link_from_another_site_is_bounced_to_carry_the_cookie,
    |app: &TestApp| {
        // A browser following a link from a webmail does not send the Strict cookie: the page
        // reloads itself from this site (which does send it) instead of asking to log in.
        let r = app.request_with(
            "GET",
            "/?fait=validees",
            None,
            None,
            None,
            &[("Sec-Fetch-Site", "cross-site")],
        );
        assert_eq!(r.status, 200, "{}", r.text);
        // The address is escaped for HTML (`&#x2f;` is `/`).
        let refresh = r
            .text
            .lines()
            .find(|l| l.contains(r#"http-equiv="refresh""#));
        assert_eq!(
            refresh.map(|l| l.replace("&#x2f;", "/")).as_deref(),
            Some(r#"<meta http-equiv="refresh" content="0;url=/?fait=validees">"#),
            "{}",
            r.text
        );
        // From this site, still without a session: the login page.
        let r = app.request_with(
            "GET",
            "/?fait=validees",
            None,
            None,
            None,
            &[("Sec-Fetch-Site", "same-origin")],
        );
        assert_eq!(r.status, 303);
        assert_eq!(r.header("Location"), Some("/login"));
    }
);

on_both!(
    a_forgotten_password_is_asked_from_a_page,
    |app: &TestApp| {
        let w = world(app, "PLIE Oubli");
        let _ = w;
        let known = "fac@plie-oubli.test";
        // The login page links to it.
        let login = app.request("GET", "/login", None, None, None);
        assert!(login.text.contains(r#"href="/password/forgot""#));

        let page = app.client.get("/password/forgot").dispatch();
        let secret = page
            .cookies()
            .get("clausier_login")
            .map(|c| c.value().to_string())
            .expect("the form's secret");
        let html = page.into_string().unwrap_or_default();
        assert_eq!(
            hidden_value(&html, "csrf_token").as_deref(),
            Some(secret.as_str())
        );
        assert!(html.contains(r#"<label for="f-email">Adresse électronique</label>"#));
        let post = |fields: String| {
            let r = app
                .client
                .post("/password/forgot")
                .header(ContentType::Form)
                .cookie(rocket::http::Cookie::new("clausier_login", secret.clone()))
                .body(fields)
                .dispatch();
            (r.status().code, r.into_string().unwrap_or_default())
        };
        // The same answer for an account and for nobody; only the account gets a link.
        let (status, known_page) = post(format!("email={known}&csrf_token={secret}"));
        assert_eq!(status, 200, "{known_page}");
        let (status, unknown_page) = post(format!(
            "email=personne%40nulle-part.test&csrf_token={secret}"
        ));
        assert_eq!(status, 200);
        assert!(known_page.contains("Si un compte actif correspond à cette adresse"));
        assert_eq!(
            known_page.replace(known, ""),
            unknown_page.replace("personne@nulle-part.test", "")
        );
        assert_eq!(links_sent_to(app, known), 1);
        assert_eq!(links_sent_to(app, "personne@nulle-part.test"), 0);

        // An empty or malformed address: the message beside the field, nothing sent.
        let (status, html) = post(format!("email=&csrf_token={secret}"));
        assert_eq!(status, 422);
        assert!(html.contains(r#"id="e-email""#), "{html}");
        let (status, html) = post(format!("email=a%00b%40x.test&csrf_token={secret}"));
        assert_eq!(status, 422, "{html}");
        assert!(html.contains(r#"aria-invalid="true""#), "{html}");

        // Without the page's secret: refused, nothing sent.
        let (status, _) = post(format!("email={known}"));
        assert_eq!(status, 403);
        assert_eq!(links_sent_to(app, known), 1);
    }
);
