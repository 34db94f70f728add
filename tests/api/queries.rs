//! Issue 13, "no request can take the service down": query parameters refused when
//! malformed (never read as absent), milestone lists paginated, the login throttle bounded
//! and purged, and the login form's `next` checked before the redirect.

use chrono::{NaiveDate, NaiveDateTime};
use clausier::config::DatabaseUrl;
use clausier::db::schema::login_throttle;
use clausier::error::ApiError;
use clausier::store::users;
use diesel::prelude::*;
use rocket::http::Cookie;
use serde_json::json;

use crate::common::{session_cookie_value, TestApp, PASSWORD};
use crate::fixtures::{self, contractor_user, placed};
use crate::on_both;

/// A 422 problem naming exactly `fields`, and nothing of a list in it.
#[track_caller]
fn refused(app: &TestApp, path: &str, token: &str, fields: &[&str]) {
    let r = app.get(path, token);
    assert_eq!(r.status, 422, "{path}: {}", r.text);
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/problem+json"),
        "{path}"
    );
    assert_eq!(r.error_fields(), fields, "{path}: {}", r.text);
    assert!(r.body.get("items").is_none(), "{path}: {}", r.text);
    assert_eq!(r.body["title"], "Paramètres refusés", "{path}");
}

on_both!(
    a_malformed_filter_is_refused_not_ignored,
    |app: &TestApp| {
        let (w, p, pl) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        fixtures::report_work(app, &a, pl, "2026-03", 42.0);
        // The filter applies when well formed...
        let r = app.get(&format!("/api/v1/hours?placement_id={pl}"), &w.facilitator);
        assert_eq!((r.status, r.body["total"].as_i64()), (200, Some(1)));
        let r = app.get(
            &format!("/api/v1/hours?placement_id={}", pl + 1000),
            &w.facilitator,
        );
        assert_eq!((r.status, r.body["total"].as_i64()), (200, Some(0)));
        // ...and a value that is not an id is refused, not read as "no filter".
        refused(
            app,
            "/api/v1/hours?placement_id=1%20OR%201=1",
            &w.facilitator,
            &["placement_id"],
        );
        refused(app, "/api/v1/hours?clause_id=x", &a, &["clause_id"]);
        refused(
            app,
            &format!("/api/v1/placements?participant_id={p}%27--"),
            &w.facilitator,
            &["participant_id"],
        );
        // Every refused parameter is named in the same problem.
        refused(
            app,
            "/api/v1/hours?placement_id=%2B1&clause_id=1.5&limit=ten&offset=-",
            &w.facilitator,
            &["clause_id", "placement_id", "limit", "offset"],
        );
        // An offset beyond 64 bits is refused, not read as 0; the largest one is an empty page.
        refused(
            app,
            "/api/v1/hours?offset=9223372036854775808",
            &w.facilitator,
            &["offset"],
        );
        let r = app.get("/api/v1/hours?offset=9223372036854775807", &w.facilitator);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["items"], json!([]));
        assert_eq!(r.body["total"], 1);
        // limit above 500 is refused, not clamped.
        refused(app, "/api/v1/hours?limit=501", &w.facilitator, &["limit"]);
        // A parameter given twice is refused: which one was meant is not for us to guess.
        refused(
            app,
            &format!("/api/v1/hours?placement_id={pl}&placement_id=1"),
            &w.facilitator,
            &["placement_id"],
        );
        // An empty value, as an HTML form sends an unset filter, is no filter.
        let r = app.get("/api/v1/hours?placement_id=&status=", &w.facilitator);
        assert_eq!((r.status, r.body["total"].as_i64()), (200, Some(1)));
        // The problem does not echo the value (it may be a person's name).
        let r = app.get("/api/v1/participants?limit=Diallo", &w.facilitator);
        assert_eq!(r.status, 422);
        assert!(!r.text.contains("Diallo"), "{}", r.text);
        assert!(
            r.body["detail"].as_str().unwrap().contains("« limit »"),
            "{}",
            r.text
        );
    }
);

on_both!(
    every_query_parameter_of_every_route_is_read_strictly,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let c = w.clause;
        // One malformed value per parameter of each GET route that takes a query.
        let cases: Vec<(String, &str)> = vec![
            ("/api/v1/contracts?limit=x".into(), "limit"),
            ("/api/v1/contracts?offset=1e3".into(), "offset"),
            ("/api/v1/clauses?limit=5.0".into(), "limit"),
            ("/api/v1/clauses?status=active%00".into(), "status"),
            ("/api/v1/organisations?kind=buyer%00".into(), "kind"),
            ("/api/v1/organisations?offset=x".into(), "offset"),
            ("/api/v1/participants?offset=x".into(), "offset"),
            ("/api/v1/placements?assignment_id=x".into(), "assignment_id"),
            ("/api/v1/audit?participant_id=x".into(), "participant_id"),
            ("/api/v1/users?limit=x".into(), "limit"),
            ("/api/v1/needs?assignment_id=x".into(), "assignment_id"),
            ("/api/v1/needs?status=open%0A".into(), "status"),
            ("/api/v1/needs/1/matches?offset=x".into(), "offset"),
            ("/api/v1/referrals?need_id=x".into(), "need_id"),
            (
                "/api/v1/referrals?participant_id=x".into(),
                "participant_id",
            ),
            ("/api/v1/referrals?state=%1B".into(), "state"),
            ("/api/v1/worklist?on=2026-13-01".into(), "on"),
            ("/api/v1/worklist?wait_days=-1".into(), "wait_days"),
            ("/api/v1/worklist?wait_days=x".into(), "wait_days"),
            ("/api/v1/reports/referrals?year=x".into(), "year"),
            ("/api/v1/notifications?limit=x".into(), "limit"),
            ("/api/v1/notifications?status=sent%09".into(), "status"),
            ("/api/v1/hours?status=%00".into(), "status"),
            ("/api/v1/hours?month=2026-3".into(), "month"),
            (
                "/api/v1/hours/template?month=2026-03&format=%00".into(),
                "format",
            ),
            ("/api/v1/hours/template?month=x".into(), "month"),
            ("/api/v1/hours/template".into(), "month"),
            (format!("/api/v1/clauses/{c}/progress?on=x"), "on"),
            (format!("/api/v1/clauses/{c}/milestones?on=26-01-01"), "on"),
            (format!("/api/v1/clauses/{c}/milestones?limit=x"), "limit"),
            (
                "/api/v1/reports/annual?year=2026&buyer_id=1%20OR%201=1".into(),
                "buyer_id",
            ),
            (
                "/api/v1/reports/annual?year=2026&territory=9%003".into(),
                "territory",
            ),
            (
                "/api/v1/reports/annual?year=2026&clause_kind=%01".into(),
                "clause_kind",
            ),
            ("/api/v1/reports/annual?year=2026&year=2025".into(), "year"),
            (
                "/api/v1/reports/annual.csv?year=2026&structure_id=%00".into(),
                "structure_id",
            ),
            (
                "/api/v1/reports/annual.xlsx?from=2026-01%00&to=2026-06".into(),
                "from",
            ),
        ];
        for (path, field) in &cases {
            refused(app, path, &w.admin, &[field]);
        }
        // The same routes answer when the values are well formed (nothing above was refused
        // for another reason).
        for path in [
            "/api/v1/contracts?limit=1&offset=0".to_string(),
            "/api/v1/clauses?status=active".into(),
            "/api/v1/organisations?kind=buyer".into(),
            "/api/v1/referrals?state=hired".into(),
            "/api/v1/worklist?on=2026-03-01&wait_days=10".into(),
            "/api/v1/notifications?status=sent".into(),
            "/api/v1/hours/template?month=2026-03&format=csv".into(),
            format!("/api/v1/clauses/{c}/progress?on=2026-03-01"),
            "/api/v1/reports/annual?year=2026&territory=93".into(),
        ] {
            app.get_ok(&path, &w.admin);
        }
    }
);

on_both!(
    query_dates_outside_1990_to_2100_are_refused,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let c = w.clause;
        for (path, field) in [
            (format!("/api/v1/clauses/{c}/progress?on=1989-12-31"), "on"),
            (format!("/api/v1/clauses/{c}/progress?on=2101-01-01"), "on"),
            (format!("/api/v1/clauses/{c}/progress?on=0001-01-01"), "on"),
            (
                format!("/api/v1/clauses/{c}/milestones?on=9999-12-31"),
                "on",
            ),
            ("/api/v1/worklist?on=1900-01-01".into(), "on"),
            ("/api/v1/hours?month=1989-12".into(), "month"),
            ("/api/v1/hours?month=2101-01".into(), "month"),
            ("/api/v1/hours/template?month=0001-01".into(), "month"),
            ("/api/v1/reports/annual?year=1989".into(), "year"),
            ("/api/v1/reports/annual?year=2101".into(), "year"),
            (
                "/api/v1/reports/annual?from=1989-12&to=1990-06".into(),
                "from",
            ),
            (
                "/api/v1/reports/annual?from=2100-01&to=2101-01".into(),
                "to",
            ),
            ("/api/v1/reports/referrals?year=9999".into(), "year"),
        ] {
            refused(app, &path, &w.admin, &[field]);
        }
        // The bounds themselves are taken.
        for path in [
            format!("/api/v1/clauses/{c}/progress?on=1990-01-01"),
            format!("/api/v1/clauses/{c}/progress?on=2100-12-31"),
            "/api/v1/hours?month=2100-12".into(),
            "/api/v1/reports/annual?from=1990-01&to=1990-12".into(),
        ] {
            app.get_ok(&path, &w.admin);
        }
    }
);

/// The session cookie of the HTML login form.
fn session(app: &TestApp, email: &str) -> String {
    let r = app.submit_login_form(&format!(
        "email={}&password={PASSWORD}",
        email.replace('@', "%40")
    ));
    assert_eq!(r.status().code, 303);
    let cookie = r.headers().get_one("Set-Cookie").unwrap().to_string();
    session_cookie_value(&cookie)
}

on_both!(pages_refuse_malformed_query_values, |app: &TestApp| {
    let _w = fixtures::world(app, "PLIE");
    let token = session(app, "fac@plie.test");
    let page = |path: &str| {
        let r = app
            .client
            .get(path.to_string())
            .cookie(Cookie::new("clausier_session", token.clone()))
            .dispatch();
        let status = r.status().code;
        (status, r.into_string().unwrap_or_default())
    };
    for (path, field) in [
        ("/reports/annual/2026?territory=9%003", "territory"),
        ("/reports/annual/2026?buyer_id=1%20OR%201=1", "buyer_id"),
        ("/reports/annual/2026?structure_id=%01", "structure_id"),
        (
            "/reports/annual/2026?clause_kind=a&clause_kind=b",
            "clause_kind",
        ),
        ("/login?next=%2Freports%00", "next"),
    ] {
        let (status, body) = page(path);
        assert_eq!(status, 422, "{path}: {body}");
        assert!(body.contains("<html lang=\"fr\">"), "{path}: {body}");
        assert!(
            body.contains(&format!("« {field} »"))
                || body.contains(&format!("&laquo; {field} &raquo;")),
            "{path}: {body}"
        );
    }
    let (status, body) = page("/reports/annual/2026?territory=93");
    assert_eq!(status, 200, "{body}");
    let (status, _) = page("/reports/annual/1989");
    assert_eq!(status, 422);
});

on_both!(milestones_are_listed_by_page, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    // Five years of monthly reports: start, 60 reports, mid-term, end warning, final report.
    let clause = fixtures::clause(app, &w.admin, w.contract, "2022-01-01", "2026-12-31", None);
    fixtures::activate(app, &w.admin, clause);
    let url = format!("/api/v1/clauses/{clause}/milestones");
    let ids = |r: &crate::common::Resp| -> Vec<i64> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect()
    };
    // 50 by default, with the total.
    let first = app.get(&format!("{url}?on=2024-01-01"), &w.facilitator);
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["total"], 64);
    assert_eq!(ids(&first).len(), 50);
    assert_eq!(first.body["items"][0]["kind"], "start");
    assert_eq!(first.body["items"][0]["state"], "done");
    // The rest, in due-date order, without overlap.
    let rest = app.get(
        &format!("{url}?on=2024-01-01&offset=50&limit=500"),
        &w.facilitator,
    );
    assert_eq!(rest.status, 200, "{}", rest.text);
    assert_eq!(rest.body["total"], 64);
    assert_eq!(ids(&rest).len(), 14);
    assert_eq!(rest.body["items"][13]["kind"], "final_report");
    let mut all = ids(&first);
    all.extend(ids(&rest));
    let mut unique = all.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 64);
    let due = |r: &crate::common::Resp| -> Vec<String> {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["due_on"].as_str().unwrap().to_string())
            .collect()
    };
    let mut dates = due(&first);
    dates.extend(due(&rest));
    assert!(dates.windows(2).all(|p| p[0] <= p[1]), "{dates:?}");
    // A page in the middle; states are those of the chosen day.
    let middle = app.get(
        &format!("{url}?on=2024-01-01&offset=20&limit=3"),
        &w.facilitator,
    );
    assert_eq!(ids(&middle), all[20..23].to_vec());
    // Past the end: an empty page, same total.
    let r = app.get(&format!("{url}?offset=64"), &w.facilitator);
    assert_eq!(
        (r.body["items"].clone(), r.body["total"].clone()),
        (json!([]), json!(64))
    );
    // Bounds of the page.
    refused(app, &format!("{url}?limit=501"), &w.facilitator, &["limit"]);
    refused(app, &format!("{url}?limit=0"), &w.facilitator, &["limit"]);
    refused(
        app,
        &format!("{url}?offset=-1"),
        &w.facilitator,
        &["offset"],
    );
    // A contractor with an assignment on the clause reads the same pages (holding the
    // contract is not enough, issue 14); another structure nothing.
    let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
    assert_eq!(app.get(&format!("{url}?limit=5"), &a).status, 404);
    fixtures::assign(app, &w.admin, clause, w.contractor_a, "holder", 500);
    let r = app.get(&format!("{url}?limit=5"), &a);
    assert_eq!((r.status, ids(&r).len()), (200, 5));
    let other = app.structure_admin("Autre PLIE");
    assert_eq!(app.get(&format!("{url}?limit=5"), &other).status, 404);
});

fn at(day: u32, seconds: i64) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, day)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .unwrap()
        + chrono::Duration::seconds(seconds)
}

fn throttle_keys(app: &TestApp) -> Vec<String> {
    let pool =
        clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    login_throttle::table
        .select(login_throttle::email_digest)
        .order(login_throttle::email_digest)
        .load(&mut conn)
        .unwrap()
}

on_both!(the_login_throttle_keeps_fixed_size_keys, |app: &TestApp| {
    let _admin = app.structure_admin("PLIE");
    // Twenty failed logins, each with another long address.
    let emails: Vec<String> = (0..20)
        .map(|i| format!("{}{i}@example.test", "x".repeat(200)))
        .collect();
    for email in &emails {
        let r = app.login(email, "wrong-password-here");
        assert_eq!(r.status, 401, "{}", r.text);
    }
    // A much longer one is never stored as typed either.
    let huge = format!("{}@example.test", "y".repeat(100_000));
    let r = app.login(&huge, "wrong-password-here");
    assert!([401, 413, 422].contains(&r.status), "{}", r.status);
    let keys = throttle_keys(app);
    assert!(keys.len() == 20 || keys.len() == 21, "{}", keys.len());
    for key in &keys {
        assert_eq!(key.len(), 64, "{key}");
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    }
    // The same address, whatever its case and surrounding spaces, is one key.
    assert!(keys.contains(&users::throttle_key(&emails[0])));
    assert_eq!(
        users::throttle_key(&format!("  {}  ", emails[0].to_uppercase())),
        users::throttle_key(&emails[0])
    );
    // The lockout still counts per address, and a success clears it.
    for _ in 0..5 {
        app.login(&emails[1], "wrong-password-here");
    }
    assert_eq!(app.login(&emails[1], "wrong-password-here").status, 429);
    assert_eq!(app.login("ADMIN@plie.test", PASSWORD).status, 200);
});

on_both!(expired_throttle_rows_are_purged, |app: &TestApp| {
    let pool =
        clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    let (max, window, lockout) = (5, 900, 3600);
    let count = |conn: &mut clausier::db::Conn| -> i64 {
        login_throttle::table.count().get_result(conn).unwrap()
    };
    clausier::db::write_tx(&mut conn, |c| {
        // Ten addresses fail once at 08:00; one tries six times and is locked out for an
        // hour; one fails at 08:14:59.
        for i in 0..10 {
            users::begin_attempt(c, &format!("p{i}@x.test"), at(1, 0), max, window, lockout)?;
        }
        for _ in 0..6 {
            users::begin_attempt(c, "locked@x.test", at(1, 0), max, window, lockout)?;
        }
        users::begin_attempt(c, "late@x.test", at(1, 899), max, window, lockout)?;
        Ok::<(), ApiError>(())
    })
    .unwrap();
    assert_eq!(count(&mut conn), 12);
    // At 08:15 the ten windows are over: the next failure purges them; the locked one and
    // the late one stay.
    clausier::db::write_tx(&mut conn, |c| {
        users::begin_attempt(c, "new@x.test", at(1, 900), max, window, lockout)
    })
    .unwrap();
    assert_eq!(count(&mut conn), 3);
    let locked = clausier::db::write_tx(&mut conn, |c| {
        users::begin_attempt(c, "locked@x.test", at(1, 900), max, window, lockout)
    })
    .unwrap();
    assert_eq!(locked, Some(2700));
    // At 09:00 the lockout is over too: it goes with the others.
    clausier::db::write_tx(&mut conn, |c| {
        users::begin_attempt(c, "later@x.test", at(1, 3600), max, window, lockout)
    })
    .unwrap();
    let keys = throttle_keys(app);
    assert_eq!(keys, vec![users::throttle_key("later@x.test")]);
    // The purge does a bounded amount of work per failure: 250 expired rows go 100 at a time.
    clausier::db::write_tx(&mut conn, |c| {
        for i in 0..250 {
            users::begin_attempt(c, &format!("q{i}@x.test"), at(2, 0), max, window, lockout)?;
        }
        Ok::<(), ApiError>(())
    })
    .unwrap();
    assert_eq!(count(&mut conn), 250);
    let purged = |conn: &mut clausier::db::Conn, seconds: i64| {
        clausier::db::write_tx(conn, |c| users::purge_throttle(c, at(2, seconds), window)).unwrap()
    };
    assert_eq!(purged(&mut conn, 899), 0);
    assert_eq!(purged(&mut conn, 900), 100);
    assert_eq!(purged(&mut conn, 900), 100);
    assert_eq!(purged(&mut conn, 900), 50);
    assert_eq!(count(&mut conn), 0);
});

on_both!(the_login_form_follows_only_a_local_next, |app: &TestApp| {
    let _w = fixtures::world(app, "PLIE");
    let login = |next: &str| {
        let r = app.submit_login_form(&format!(
            "email=fac%40plie.test&password={PASSWORD}&next={next}"
        ));
        let location = r.headers().get_one("Location").map(str::to_string);
        let cookie = r.headers().get_one("Set-Cookie").is_some();
        (r.status().code, location, cookie)
    };
    // A local path is followed.
    assert_eq!(
        login("%2Freports%2Fannual%2F2026%3Fterritory%3D93"),
        (
            303,
            Some("/reports/annual/2026?territory=93".to_string()),
            true
        )
    );
    // Anything else falls back to the home page.
    for next in [
        "%2F%20%2Fx",
        "/+/x",
        "%2F%2Fevil.example%2Fx",
        "%2Freports%2F%2Fx",
        "%2F%5Cevil.example",
        "%2Fa%5Cb",
        "%2Fa%23b",
        "https%3A%2F%2Fevil.example%2F",
        "reports",
    ] {
        let (status, location, cookie) = login(next);
        assert_eq!(status, 303, "{next}");
        assert!(cookie, "{next}");
        // Not followed: the home of the user's role instead.
        assert_eq!(location.as_deref(), Some("/"), "{next}");
    }
});

on_both!(a_malformed_dry_run_writes_nothing, |app: &TestApp| {
    let (w, _, pl) = fixtures::placed(app);
    let csv = format!("placement_id,month,work_hours,training_hours\n{pl},2026-03,35,0\n");
    for bad in ["yes", "1", "vrai", "true%00"] {
        let r = app.request(
            "POST",
            &format!("/api/v1/hours/import?dry_run={bad}"),
            Some(&w.facilitator),
            Some(rocket::http::ContentType::CSV),
            Some(csv.clone().into_bytes()),
        );
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
        assert_eq!(r.error_fields(), vec!["dry_run"], "{bad}");
    }
    assert_eq!(app.get("/api/v1/hours", &w.facilitator).body["total"], 0);
    let r = app.request(
        "POST",
        "/api/v1/hours/import?dry_run=true",
        Some(&w.facilitator),
        Some(rocket::http::ContentType::CSV),
        Some(csv.into_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["dry_run"], true);
    assert_eq!(app.get("/api/v1/hours", &w.facilitator).body["total"], 0);
});
