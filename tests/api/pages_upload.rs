//! The contractor's upload page (`/contractor/import`, issue 18): a file checked first lists
//! every refused line (number, person, the catalogue's sentence) and stores nothing; a file
//! without refusal is imported (all lines or none) and the contractor is sent to the month's
//! hours; hostile files (empty, NUL bytes, not a spreadsheet, over the size limit) get a
//! French error beside the file field and change nothing; a form without its secret is
//! refused. Each test runs on SQLite and PostgreSQL.

use clausier::api::messages::sentence;
use rocket::http::ContentType;
use serde_json::Value;

use crate::common::{hidden_value, PageSession, Resp, TestApp};
use crate::fixtures::{self, contractor_user, placed, World};
use crate::on_both;

const HEADER: &str = "placement_id,month,work_hours,training_hours";

/// Sends the upload form as a browser does (multipart, the session cookie): `action`, the
/// secret unless `forged`, and `file` (name and bytes) when given.
fn upload(
    app: &TestApp,
    s: &PageSession,
    action: &str,
    file: Option<(&str, &[u8])>,
    forged: bool,
) -> Resp {
    let b = "page-upload-boundary";
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    };
    if !forged {
        field("csrf_token", &s.csrf);
    }
    field("action", action);
    field("month", "2026-03");
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    let cookie = format!("clausier_session={}", s.cookie);
    app.request_with(
        "POST",
        "/contractor/import",
        None,
        Some(ContentType::new("multipart", "form-data").with_params(("boundary", b))),
        Some(body),
        &[("Cookie", &cookie)],
    )
}

/// A contractor's browser session, its form secret read from the upload page (the home of
/// contractors is another page's work).
fn contractor_session(app: &TestApp, token: &str) -> PageSession {
    let mut s = PageSession {
        cookie: token.to_string(),
        csrf: String::new(),
    };
    let page = app.page_get("/contractor/import", &s);
    assert_eq!(page.status, 200, "{}", page.text);
    s.csrf = hidden_value(&page.text, "csrf_token").expect("the form's secret");
    s
}

/// The text of a page as a reader sees it (minijinja's escapes undone).
fn shown(html: &str) -> String {
    html.replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The entries stored for a placement, as the API lists them.
fn entries(app: &TestApp, w: &World, placement: i64) -> Vec<Value> {
    let r = app.get(
        &format!("/api/v1/hours?placement_id={placement}"),
        &w.facilitator,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

/// The sentences the API's dry run gives for the lines of `csv`, by line.
fn api_refusals(app: &TestApp, token: &str, csv: &str) -> Vec<(i64, String)> {
    let r = app.request(
        "POST",
        "/api/v1/hours/import?dry_run=true",
        Some(token),
        Some(ContentType::CSV),
        Some(csv.as_bytes().to_vec()),
    );
    assert_eq!(r.status, 422, "{}", r.text);
    r.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().expect("line"),
                sentence(e["message"].as_str().expect("message")),
            )
        })
        .collect()
}

on_both!(a_file_is_checked_then_imported, |app: &TestApp| {
    let (w, _, awa) = placed(app);
    let (_, ines) = fixtures::person_placed_with_a(
        app,
        &w,
        ("Inès", "Martin", "1995-07-14"),
        "2026-01-10",
        ("2026-02-01", Some("2026-06-30")),
    );
    let a = contractor_user(app, &w.admin, w.contractor_a, "chef@a.test");
    let s = contractor_session(app, &a);

    // The form: the month's template in both formats, the size limit in words.
    let page = app.page_get("/contractor/import?month=2026-03", &s);
    assert_eq!(page.status, 200, "{}", page.text);
    let text = shown(&page.text);
    assert!(
        text.contains("/api/v1/hours/template?month=2026-03&format=xlsx"),
        "{text}"
    );
    assert!(text.contains("/api/v1/hours/template?month=2026-03&format=csv"));
    assert!(text.contains("20 Mo au plus"), "{text}");
    assert!(text.contains("mars 2026"), "{text}");
    // The template link answers to the session cookie.
    let template = app.page_get("/api/v1/hours/template?month=2026-03&format=csv", &s);
    assert_eq!(template.status, 200, "{}", template.text);
    assert!(template.text.contains("Diallo"), "{}", template.text);

    // A file with two lines breaking rules (over the monthly cap, a placement unknown to
    // the contractor): each listed with its person and the API's sentence.
    let bad = format!("{HEADER}\n{awa},2026-03,35,0\n{ines},2026-03,400,0\n999999,2026-03,7,0\n");
    let expected = api_refusals(app, &a, &bad);
    assert_eq!(expected.len(), 2, "{expected:?}");
    for action in ["verifier", "importer"] {
        let r = upload(app, &s, action, Some(("heures.csv", bad.as_bytes())), false);
        assert_eq!(r.status, 422, "{action}: {}", r.text);
        let text = shown(&r.text);
        assert!(
            text.contains("2 lignes refusées : rien n'a été enregistré"),
            "{text}"
        );
        for (line, message) in &expected {
            assert!(
                text.contains(&format!("<td data-label=\"Ligne\">{line}</td>")),
                "line {line}: {text}"
            );
            assert!(text.contains(message.as_str()), "{message}: {text}");
        }
        // Inès is named beside her line; the unknown placement names nobody.
        assert!(text.contains("Inès Martin (Peintre en bâtiment)"), "{text}");
        assert!(text.contains("inconnue"), "{text}");
        assert!(!text.contains("Importer ces"), "{text}");
        assert!(entries(app, &w, awa).is_empty(), "{action}: stored");
        assert!(entries(app, &w, ines).is_empty(), "{action}: stored");
    }

    // A line that does not read (three decimals): the file's lines are read first, and
    // each unreadable one listed.
    let unreadable = format!("{HEADER}\n{awa},2026-03,35,0\n{ines},2026-03,\"3,555\",0\n");
    let expected = api_refusals(app, &a, &unreadable);
    let r = upload(
        app,
        &s,
        "verifier",
        Some(("heures.csv", unreadable.as_bytes())),
        false,
    );
    assert_eq!(r.status, 422, "{}", r.text);
    let text = shown(&r.text);
    assert!(
        text.contains("1 ligne refusée : rien n'a été enregistré"),
        "{text}"
    );
    assert!(text.contains(expected[0].1.as_str()), "{text}");
    // The line did not read: its person is not known.
    assert!(text.contains("inconnue"), "{text}");

    // A good file, checked: how many lines would be stored, nothing stored yet.
    let good = format!("{HEADER}\n{awa},2026-03,35,0\n{ines},2026-03,\"20,5\",3\n");
    let r = upload(
        app,
        &s,
        "verifier",
        Some(("heures.csv", good.as_bytes())),
        false,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let text = shown(&r.text);
    assert!(text.contains("Aucune ligne refusée"), "{text}");
    assert!(text.contains("2 lignes seront enregistrées."), "{text}");
    assert!(text.contains("Importer ces 2 lignes"), "{text}");
    assert!(entries(app, &w, awa).is_empty(), "a check stores nothing");

    // Without the form's secret: refused, nothing stored.
    let r = upload(
        app,
        &s,
        "importer",
        Some(("heures.csv", good.as_bytes())),
        true,
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        entries(app, &w, awa).is_empty(),
        "a forged form stores nothing"
    );

    // Imported: to the month's hours with the notice; the API shows both figures waiting.
    let r = upload(
        app,
        &s,
        "importer",
        Some(("heures.csv", good.as_bytes())),
        false,
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some("/contractor/hours/2026-03?fait=import-enregistre")
    );
    let stored = entries(app, &w, awa);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["work_hours"], 35.0);
    assert_eq!(stored[0]["status"], "submitted");
    let stored = entries(app, &w, ines);
    assert_eq!(stored[0]["work_hours"], 20.5);
    assert_eq!(stored[0]["training_hours"], 3.0);

    // The same file again changes nothing: the check says so.
    let r = upload(
        app,
        &s,
        "verifier",
        Some(("heures.csv", good.as_bytes())),
        false,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let text = shown(&r.text);
    assert!(
        text.contains("2 lignes reprennent des chiffres déjà déclarés"),
        "{text}"
    );
    assert!(!text.contains("Importer ces"), "{text}");
});

on_both!(
    another_contractor_sees_no_name_and_staff_no_page,
    |app: &TestApp| {
        let (w, _, awa) = placed(app);
        let b = contractor_user(app, &w.admin, w.contractor_b, "chef@b.test");
        let s = contractor_session(app, &b);
        // B names A's placement: refused, and Awa's name is not shown to B.
        let csv = format!("{HEADER}\n{awa},2026-03,35,0\n");
        let r = upload(
            app,
            &s,
            "verifier",
            Some(("heures.csv", csv.as_bytes())),
            false,
        );
        assert_eq!(r.status, 422, "{}", r.text);
        let text = shown(&r.text);
        assert!(
            text.contains("1 ligne refusée : rien n'a été enregistré"),
            "{text}"
        );
        assert!(!text.contains("Awa"), "{text}");
        assert!(!text.contains("Diallo"), "{text}");
        assert!(entries(app, &w, awa).is_empty());
        // The page is the contractors': staff get the refusal page.
        let staff = app.page_session(&w.facilitator);
        assert_eq!(app.page_get("/contractor/import", &staff).status, 403);
        // Without a session: to the login, and back here after it.
        let r = app.request("GET", "/contractor/import?month=2026-03", None, None, None);
        assert_eq!(r.status, 303);
        assert!(
            r.header("Location")
                .is_some_and(|l| l.starts_with("/login?next=")),
            "{:?}",
            r.header("Location")
        );
    }
);

on_both!(
    hostile_files_get_a_french_error_and_change_nothing,
    |app: &TestApp| {
        let (w, _, awa) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "chef@a.test");
        let s = contractor_session(app, &a);
        // The API's sentence for each file, shown beside the file field by the page.
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let nul = format!("{HEADER}\n{awa},2026-03,3\05,0\n").into_bytes();
        // About 1 MB inflating to 200 MiB: refused before it is unzipped.
        let zip_bomb = clausier::xlsx_samples::blank_sheet(200 << 20).expect("zip bomb");
        let far_cell = clausier::xlsx_samples::far_cell().expect("far cell");
        for (what, bytes) in [
            ("empty", b"".to_vec()),
            ("blank", b" \n \n".to_vec()),
            ("png", png),
            ("nul", nul),
            ("zip bomb", zip_bomb),
            ("far cell", far_cell),
        ] {
            let r = upload(app, &s, "importer", Some(("heures.csv", &bytes)), false);
            assert!(
                r.status == 422 || r.status == 400,
                "{what}: {} {}",
                r.status,
                r.text
            );
            // A problem of the whole file is beside the file field; one of a line, listed.
            if what != "nul" {
                assert!(
                    r.text.contains("class=\"field-error\" id=\"e-file\""),
                    "{what}: {}",
                    r.text
                );
            }
            let api = app.request(
                "POST",
                "/api/v1/hours/import",
                Some(&a),
                Some(ContentType::Binary),
                Some(bytes.clone()),
            );
            let message = api.body["errors"][0]["message"].as_str();
            assert!(message.is_some(), "{what}: {}", api.text);
            if let Some(message) = message {
                assert!(
                    shown(&r.text).contains(&sentence(message)),
                    "{what}: {message}: {}",
                    r.text
                );
            }
            assert!(entries(app, &w, awa).is_empty(), "{what}: stored");
        }

        // No file chosen: said beside the field.
        let r = upload(app, &s, "verifier", None, false);
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-file\""), "{}", r.text);

        // Over the size limit: a French error, nothing stored, no 500.
        let mut big = format!("{HEADER}\n{awa},2026-03,35,0\n").into_bytes();
        big.resize(21 * 1024 * 1024, b'\n');
        let r = upload(app, &s, "importer", Some(("heures.csv", &big)), false);
        assert_eq!(r.status, 413, "{}", &r.text[..r.text.len().min(2000)]);
        let text = shown(&r.text);
        assert!(text.contains("20 Mo"), "{text}");
        assert!(text.contains("id=\"e-file\""), "{text}");
        assert!(entries(app, &w, awa).is_empty(), "too big: stored");
    }
);
