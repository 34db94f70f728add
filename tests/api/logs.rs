//! What the service writes to its logs, and the size of upload it takes.

use rocket::http::ContentType;

use crate::common::{TestApp, PASSWORD};
use crate::fixtures::{self, contractor_user, person_placed_with_a, placed};
use crate::log_capture;
use crate::on_both;

on_both!(logs_carry_no_token_password_or_person, |app: &TestApp| {
    // Everything, at every level, logged while this test's requests are served.
    let capture = log_capture::capture();
    let token = {
        let w = fixtures::world(app, "PLIE Logs");
        let person = ("Zéphyrine", "Quintavalle", "1987-03-14");
        let february_to_june = ("2026-02-01", Some("2026-06-30"));
        let (p, pl) = person_placed_with_a(app, &w, person, "2026-01-10", february_to_june);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@logs.test");
        fixtures::report_work(app, &a, pl, "2026-03", 42.0);
        let r = app.get(&format!("/api/v1/participants/{p}"), &w.facilitator);
        assert_eq!(r.status, 200, "{}", r.text);
        // A refused login, a bad token and a query string that names the person.
        let failure = app.login("a@logs.test", "not-the-password-Quintavalle");
        assert_eq!(failure.status, 401, "{}", failure.text);
        let r = app.get("/api/v1/participants?limit=10", "forged.token.Quintavalle");
        assert_eq!(r.status, 401, "{}", r.text);
        // Refused (422 naming both) without echoing the values, and without logging them.
        let r = app.get(
            "/api/v1/participants?limit=Quintavalle&offset=Zephyrine",
            &w.facilitator,
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.error_fields(), ["limit", "offset"]);
        assert!(!r.text.contains("Quintavalle"), "{}", r.text);
        a
    };
    let logs = capture.text();
    // The capture works: the request lines are there, with the route template.
    assert!(
        logs.contains("PUT /api/v1/placements/<id>/hours/<month> 200"),
        "{logs}"
    );
    assert!(logs.contains("POST /api/v1/auth/login 401"), "{logs}");
    for secret in [
        token.as_str(),
        PASSWORD,
        "not-the-password",
        "Quintavalle",
        "Zéphyrine",
        "Zephyrine",
        "1987-03-14",
        "forged.token",
        "a@logs.test",
    ] {
        assert!(!logs.contains(secret), "the logs carry {secret:?}:\n{logs}");
    }
});

on_both!(
    an_upload_of_20_mib_is_taken_and_a_larger_one_refused,
    |app: &TestApp| {
        let (w, _, pl) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        // One row with a comment column long enough to bring the file to `size` bytes.
        let file = |size: usize| {
            let head = format!(
                "placement_id,month,work_hours,training_hours,commentaire\n{pl},2026-03,35,0,"
            );
            let mut body = head.into_bytes();
            body.resize(size - 1, b'x');
            body.push(b'\n');
            body
        };
        let import = |body: Vec<u8>| {
            app.request(
                "POST",
                "/api/v1/hours/import",
                Some(&a),
                Some(ContentType::CSV),
                Some(body),
            )
        };
        let too_big = import(file(20 * 1024 * 1024 + 1));
        assert_eq!(too_big.status, 413, "{}", too_big.text);
        assert_eq!(
            app.get("/api/v1/hours", &a).body["total"],
            0,
            "nothing stored"
        );
        let r = import(file(20 * 1024 * 1024));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["accepted"], 1, "{}", r.text);
        let list = app.get("/api/v1/hours?month=2026-03", &a);
        assert_eq!(list.body["items"][0]["work_hours"], 35);
    }
);

on_both!(
    a_refused_request_or_a_download_logs_one_line_at_info,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Une ligne");
        let fac = w.facilitator.as_str();
        let capture = log_capture::capture_this_thread();
        let mut seen = Vec::new();
        let mut check = |what: &str, status: u16, r: crate::common::Resp| {
            assert_eq!(r.status, status, "{what}: {}", r.text);
            let text = capture.text();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 1, "{what}: one line, not\n{text}");
            let line = lines[0];
            assert!(line.contains(" INFO "), "{what}: at INFO: {line}");
            assert!(line.contains(&format!(" {status} ")), "{what}: {line}");
            for dump in ["{", "Error(", "Some(", "WARN", "ERROR"] {
                assert!(!line.contains(dump), "{what}: no {dump:?} in {line}");
            }
            seen.push(line.to_string());
            capture.clear();
        };
        capture.clear();
        check("404", 404, app.get("/api/v1/no-such-thing", fac));
        check("401", 401, app.get("/api/v1/me", "forged.token"));
        // A body that is not JSON (400), and JSON of the wrong form (422).
        for (status, what, bytes) in [
            (400, "malformed JSON", &b"{\"first_name\": "[..]),
            (422, "JSON of the wrong form", &b"{\"first_name\": 5}"[..]),
        ] {
            let r = app.request(
                "POST",
                "/api/v1/participants",
                Some(fac),
                Some(ContentType::JSON),
                Some(bytes.to_vec()),
            );
            check(what, status, r);
        }
        check(
            "415",
            415,
            app.request(
                "POST",
                "/api/v1/participants",
                Some(fac),
                Some(ContentType::Text),
                Some(b"first_name=Ana".to_vec()),
            ),
        );
        check(
            "CSV",
            200,
            app.get("/api/v1/reports/annual.csv?year=2026", fac),
        );
        check(
            "XLSX",
            200,
            app.get("/api/v1/reports/annual.xlsx?year=2026", fac),
        );
        assert_eq!(seen.len(), 7);
    }
);
