//! Requests that must not take the service down (issue 13): hostile workbooks, files of many
//! errors, bodies over the limit, floods of logins. Each checks the answer, that nothing was
//! stored, and that the service still answers afterwards.

use clausier::auth::password::HashLimiter;
use clausier::xlsx_samples;
use rocket::http::ContentType;
use serde_json::json;

use crate::common::{Resp, TestApp, PASSWORD};
use crate::fixtures::{self, contractor_user, placed};
use crate::on_both;

const XLSX: (&str, &str) = (
    "application",
    "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
);

#[derive(Clone, Copy, Debug)]
enum Way {
    /// Raw body with the XLSX content type.
    Typed,
    /// Raw body without any content type.
    Untyped,
    /// Multipart field `file`.
    Multipart,
}

fn multipart(bytes: &[u8]) -> (ContentType, Vec<u8>) {
    let boundary = "clausier-upload-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"heures.xlsx\"\r\nContent-Type: {}/{}\r\n\r\n",
        XLSX.0, XLSX.1
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        ContentType::new("multipart", "form-data").with_params(("boundary", boundary)),
        body,
    )
}

fn upload(app: &TestApp, token: &str, bytes: &[u8], way: Way) -> Resp {
    let (ct, body) = match way {
        Way::Typed => (Some(ContentType::new(XLSX.0, XLSX.1)), bytes.to_vec()),
        Way::Untyped => (None, bytes.to_vec()),
        Way::Multipart => {
            let (ct, body) = multipart(bytes);
            (Some(ct), body)
        }
    };
    app.request("POST", "/api/v1/hours/import", Some(token), ct, Some(body))
}

/// The service answers, and `token` sees no hour entry.
fn still_up_and_nothing_stored(app: &TestApp, token: &str) {
    let health = app.request("GET", "/health", None, None, None);
    assert_eq!(health.status, 200, "{}", health.text);
    let list = app.get("/api/v1/hours", token);
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["total"], 0, "nothing stored: {}", list.text);
}

on_both!(
    hostile_workbooks_are_refused_on_field_file_before_they_are_read,
    |app: &TestApp| {
        let (w, _, _) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        let cases = [
            // 1 KB, one cell at XFD1048576: calamine allocated 512 GiB and the process aborted.
            (
                "XFD1048576",
                xlsx_samples::far_cell().unwrap(),
                "la feuille utilise la cellule XFD1048576",
            ),
            // About 1 MB inflating to 1 GiB of blanks: calamine peaked at 1 to 2 GB.
            (
                "blanks",
                xlsx_samples::blank_sheet(1 << 30).unwrap(),
                "le classeur contient un élément XML de plus de 1 Mio",
            ),
            // One shared string of 1 GiB.
            (
                "huge string",
                xlsx_samples::huge_shared_string(1 << 30).unwrap(),
                "le classeur contient un texte de plus de 32\u{202f}767 caractères",
            ),
            // A string just over Excel's limit.
            (
                "long string",
                xlsx_samples::huge_shared_string(32_768).unwrap(),
                "le classeur contient un texte de plus de 32\u{202f}767 caractères",
            ),
            // More parts than any workbook has: refused from the zip's end record.
            (
                "many parts",
                xlsx_samples::many_parts(10_001).unwrap(),
                "le classeur contient plus de 10\u{202f}000 fichiers internes",
            ),
            // A sheet of small elements inflating past 100 MiB.
            (
                "big part",
                xlsx_samples::big_sheet(101 << 20).unwrap(),
                "une partie du classeur dépasse 100 Mio une fois décompressée",
            ),
        ];
        for (name, bytes, message) in &cases {
            assert!(bytes.len() < 2 << 20, "{name}: {} bytes", bytes.len());
            for way in [Way::Typed, Way::Untyped, Way::Multipart] {
                let r = upload(app, &a, bytes, way);
                assert_eq!(r.status, 422, "{name} {way:?}: {}", r.text);
                assert_eq!(r.body["error_count"], 1, "{name} {way:?}: {}", r.text);
                let e = &r.body["errors"][0];
                assert_eq!(
                    (&e["line"], e["field"].as_str()),
                    (&json!(1), Some("file")),
                    "{name} {way:?}: {}",
                    r.text
                );
                let got = e["message"].as_str().unwrap_or_default();
                assert!(got.starts_with(message), "{name} {way:?}: {got}");
            }
        }
        still_up_and_nothing_stored(app, &a);
        // Workbooks are still read: a well-formed one naming an unknown placement is refused
        // on that row (whatever today's date).
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = fixtures::hours_sheet(&mut book);
        sheet.write_number(1, 0, 999_999.0).unwrap();
        sheet.write_string(1, 1, "2026-03").unwrap();
        sheet.write_number(1, 2, 10.0).unwrap();
        let r = upload(app, &a, &book.save_to_buffer().unwrap(), Way::Multipart);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["line"], 2, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "placement_id", "{}", r.text);
    }
);

on_both!(
    import_errors_are_counted_the_first_hundred_listed_values_cut,
    |app: &TestApp| {
        let (w, _, pl) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        // A 19 MB cell on the first data line, then 5,000 bad lines.
        let mut csv = String::from("placement_id,month,work_hours,training_hours\n");
        let cell = "é".repeat(19_000_000 / 2);
        csv.push_str(&format!("{pl},2026-03,{cell},0\n"));
        for _ in 0..5_000 {
            csv.push_str(&format!("{pl},2026-03,beaucoup,0\n"));
        }
        assert!(csv.len() < 20 << 20);
        let r = app.import_hours_csv(&a, csv);
        assert_eq!(r.status, 422, "{}", &r.text[..r.text.len().min(500)]);
        assert_eq!(r.body["error_count"], 5_001);
        let errors = r.body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 100);
        let lines: Vec<i64> = errors.iter().map(|e| e["line"].as_i64().unwrap()).collect();
        assert_eq!(lines, (2..102).collect::<Vec<i64>>());
        // The 19 MB value is quoted by its first 50 characters.
        assert_eq!(errors[0]["field"], "work_hours");
        let message = errors[0]["message"].as_str().unwrap();
        assert!(
            message.ends_with(&format!("« {}… »", "é".repeat(50))),
            "{message}"
        );
        assert!(r.text.len() < 64 * 1024, "{} bytes", r.text.len());
        assert_eq!(r.body["status"], 422);
        assert_eq!(r.content_type.as_deref(), Some("application/problem+json"));
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .starts_with("5001 erreurs, dont les 100 premières sont listées"),
            "{}",
            r.body["detail"]
        );
        still_up_and_nothing_stored(app, &a);
    }
);

on_both!(
    a_body_over_20_mib_is_refused_raw_or_multipart,
    |app: &TestApp| {
        let (w, _, _) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@bd.test");
        // A zip whose stored part brings it just over 20 MiB.
        let mut parts = xlsx_samples::workbook_parts("<sheetData/>", "");
        let over = 20 << 20;
        parts.push(("xl/media/image1.png".into(), {
            // Incompressible: a simple generator, no randomness needed.
            let mut x: u32 = 1;
            (0..over)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect()
        }));
        let bytes = xlsx_samples::zip_of(&parts).unwrap();
        assert!(bytes.len() > 20 << 20);
        for way in [Way::Typed, Way::Untyped, Way::Multipart] {
            let r = upload(app, &a, &bytes, way);
            assert_eq!(r.status, 413, "{way:?}: {}", r.text);
            assert_eq!(
                r.content_type.as_deref(),
                Some("application/problem+json"),
                "{way:?}"
            );
        }
        still_up_and_nothing_stored(app, &a);
    }
);

/// Logins with the hashing limiter of `app` saturated: 503 with `Retry-After: 1`, for the API
/// and the HTML form, for known and unknown emails; nothing counted as a failure; logins
/// work again once places are free.
fn logins_when_hashing_is_saturated(app: &TestApp) {
    let admin = app.structure_admin("PLIE");
    let limiter = app
        .client
        .rocket()
        .state::<HashLimiter>()
        .expect("the limiter is managed state");
    // The test runs with one hash at a time and one waiting: take both places.
    let running = limiter.try_take(true).expect("a running place");
    let waiting = limiter.try_take(false).expect("a waiting place");
    assert!(limiter.try_take(false).is_none());
    // More refused attempts than the lockout allows (5): none counts as a failure.
    for email in ["admin@plie.test", "nobody@nowhere.test"] {
        for _ in 0..6 {
            let r = app.login(email, PASSWORD);
            assert_eq!(r.status, 503, "{email}: {}", r.text);
            assert_eq!(r.header("Retry-After"), Some("1"));
            assert_eq!(r.content_type.as_deref(), Some("application/problem+json"));
            assert_eq!(r.body["title"], "Service surchargé");
            assert_eq!(r.body["status"], 503);
        }
    }
    let form = app.submit_login_form("email=admin%40plie.test&password=correct-horse-battery");
    assert_eq!(form.status().code, 503);
    assert_eq!(form.headers().get_one("Retry-After"), Some("1"));
    let text = form.into_string().unwrap_or_default();
    assert!(text.contains("Trop de connexions sont en cours"), "{text}");
    // New accounts hash a password too.
    let r = app.post(
        "/api/v1/users",
        &admin,
        json!({"email": "fac@plie.test", "password": PASSWORD, "role": "facilitator"}),
    );
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.header("Retry-After"), Some("1"));
    // The service still answers what needs no hash.
    assert_eq!(app.request("GET", "/health", None, None, None).status, 200);
    assert_eq!(app.get("/api/v1/me", &admin).status, 200);
    // A waiting place free but no running one: a login would wait for its turn, so the test
    // frees both before logging in.
    drop(waiting);
    drop(running);
    assert_eq!(limiter.free(), (1, 2));
    let r = app.login("admin@plie.test", PASSWORD);
    assert_eq!(r.status, 200, "not locked out: {}", r.text);
    let r = app.login("nobody@nowhere.test", PASSWORD);
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(limiter.free(), (1, 2), "places given back");
}

fn one_hash_one_waiting(c: &mut clausier::config::Config) {
    c.password_hash_concurrency = 1;
    c.password_hash_queue = 1;
}

mod logins_are_refused_when_hashing_is_saturated {
    use super::*;

    #[test]
    fn sqlite() {
        logins_when_hashing_is_saturated(&TestApp::sqlite_with(one_hash_one_waiting));
    }

    #[test]
    fn postgres() {
        match TestApp::postgres_with(one_hash_one_waiting) {
            Some(app) => logins_when_hashing_is_saturated(&app),
            None => eprintln!("postgres variant skipped: CLAUSIER_TEST_POSTGRES_URL is not set"),
        }
    }
}

#[test]
fn the_limiter_allows_one_hash_per_cpu_and_64_waiting_by_default() {
    let app = TestApp::sqlite();
    let limiter = app.client.rocket().state::<HashLimiter>().unwrap();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(limiter.free(), (cpus, cpus + 64));
}
