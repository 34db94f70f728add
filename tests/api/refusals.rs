//! A walk through the refusals of the API, at least one per route family, on both backends:
//! every problem reads French (title, detail, each field's and line's message: not empty, none
//! of the English words of `messages::ENGLISH_WORDS`), and every code it carries is one of the
//! catalogue's (so documented in docs/errors.md). The codes the walk meets are compared with
//! the catalogue: every code is met, but those of `PRODUCED_ELSEWHERE` (no request of the walk
//! gives them: each names the test that does); the gaps would be listed in `NOT_WALKED`,
//! which stays exact. The login page's refusals are pages: their sentences are checked.
//! States are built through the API as a client would (a conflict, a full need, another
//! placement the same month), and through the jobs a scheduler runs (reminders,
//! anonymisation), on the test clock.

use std::collections::BTreeSet;

use clausier::api::messages::{english_word, entry, render, sentence, CATALOGUE};
use clausier::domain::rule::Violation;
use rocket::http::ContentType;
use serde_json::{json, Value};

use crate::common::{Resp, TestApp};
use crate::fixtures::{contractor_user, placed, World, SIRETS};
use crate::on_both;

/// Codes of the catalogue that this walk does not produce yet, besides those of
/// `PRODUCED_ELSEWHERE`: none. The comparison is exact: a new code of the catalogue needs
/// its step here (or its test there).
const NOT_WALKED: &[&str] = &[];

/// The codes met so far, and what the checks found wrong: every refusal is checked, and the
/// walk fails at its end with all the faults together.
#[derive(Default)]
struct Walk {
    codes: BTreeSet<String>,
    faults: Vec<String>,
}

impl Walk {
    /// Checks one refusal: its status, French texts, documented codes, and that `code` is
    /// among them (the problem's own, a field's or a line's).
    /// `refused` for each of `codes`: one answer carrying them all.
    fn refused_each(&mut self, what: &str, r: &Resp, status: u16, codes: &[&str]) {
        for code in codes {
            self.refused(what, r, status, code);
        }
    }

    fn refused(&mut self, what: &str, r: &Resp, status: u16, code: &str) {
        let mut faults = Vec::new();
        if r.status != status {
            faults.push(format!("status {} instead of {status}", r.status));
        }
        let body = &r.body;
        let mut french = |label: &str, text: &Value| {
            let text = text.as_str().unwrap_or("");
            if text.trim().is_empty() {
                faults.push(format!("empty {label}"));
            } else if let Some(word) = english_word(text) {
                faults.push(format!("{label} « {text} » has the English « {word} »"));
            }
        };
        french("title", &body["title"]);
        french("detail", &body["detail"]);
        let mut here = Vec::new();
        let own = body["code"].as_str().unwrap_or("");
        here.push(own.to_string());
        for e in body["errors"].as_array().into_iter().flatten() {
            french("message", &e["message"]);
            here.push(e["code"].as_str().unwrap_or("").to_string());
        }
        for c in &here {
            if entry(c).is_none() {
                faults.push(format!("undocumented code « {c} »"));
            }
        }
        if !here.iter().any(|c| c == code) {
            faults.push(format!("{code} not among {here:?}"));
        }
        if !faults.is_empty() {
            self.faults
                .push(format!("{what}: {}: {}", faults.join("; "), r.text));
        }
        self.codes.extend(here);
    }

    /// Checks a refused login page: its status, and that it shows the catalogue's message of
    /// `rule` as a sentence.
    fn page(&mut self, what: &str, page: (u16, String), status: u16, rule: Violation) {
        let (got, html) = page;
        // The template escapes apostrophes and quotes; compare the text a person reads.
        let text = html
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
        let message = sentence(&render(&rule));
        if got != status || !text.contains(&message) {
            self.faults.push(format!(
                "{what}: status {got} (expected {status}), « {message} » expected on the page: {html}"
            ));
        }
        self.codes.insert(rule.code.to_string());
    }

    /// Checks a refusal of any client-error status that carries `code`.
    fn met(&mut self, what: &str, r: &Resp, code: &str) {
        let status = if (400..500).contains(&r.status) {
            r.status
        } else {
            400
        };
        self.refused(what, r, status, code);
    }

    /// Checks a refusal whose codes are whatever the rules find (a file's lines, several
    /// fields): a 4xx, French texts, documented codes, each line's too.
    fn seen(&mut self, what: &str, r: &Resp) {
        let own = r.body["code"].as_str().unwrap_or("").to_string();
        self.met(what, r, &own);
    }
}

fn raw(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: &str) -> Resp {
    app.request(
        method,
        path,
        token,
        Some(ContentType::JSON),
        Some(body.as_bytes().to_vec()),
    )
}

on_both!(
    every_refusal_reads_french_and_carries_documented_codes,
    |app: &TestApp| {
        let mut walk = Walk::default();
        let (w, p, pl) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@refus.test");

        // --- Authentication and the request itself ---
        let r = app.login("fac@plie.test", "not the password");
        walk.refused("wrong password", &r, 401, "credentials_wrong");
        let r = app.request("GET", "/api/v1/me", None, None, None);
        walk.refused("no token", &r, 401, "authentication_required");
        let r = app.get("/api/v1/me", "not-a-token");
        walk.refused("bad token", &r, 401, "token_invalid");
        let r = raw(app, "POST", "/api/v1/auth/login", None, "{\"email\": ");
        walk.refused("JSON cut short", &r, 400, "json_malformed");
        let r = app.request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(ContentType::Plain),
            Some(b"email=x".to_vec()),
        );
        walk.refused("text body", &r, 415, "media_type_unsupported");
        let r = raw(
            app,
            "POST",
            "/api/v1/auth/login",
            None,
            "{\"email\": \"x@y.fr\"}",
        );
        walk.refused("no password", &r, 422, "required");
        let r = app.request("DELETE", "/api/v1/contracts", Some(&w.admin), None, None);
        walk.refused("DELETE on a list", &r, 405, "method_not_allowed");
        assert_eq!(r.header("Allow"), Some("GET, HEAD, POST"), "{}", r.text);
        let r = app.get("/api/v1/no-such-route", &w.admin);
        walk.refused("no route", &r, 404, "route_unknown");

        let r = app.post("/api/v1/auth/logout", &a, json!({}));
        assert!(r.status < 300, "{}", r.text);
        let r = app.get("/api/v1/me", &a);
        walk.seen("a token after logout", &r);
        let a = app.token("a@refus.test");
        for _ in 0..12 {
            let r = app.login("nobody@refus.test", "wrong password");
            if r.status == 429 {
                break;
            }
        }
        let r = app.login("nobody@refus.test", "wrong password");
        walk.refused("too many failures", &r, 429, "too_many_attempts");

        // --- Users ---
        let r = app.post(
            "/api/v1/users",
            &a,
            json!({"email": "x@refus.test", "password": "long enough pass", "role": "facilitator"}),
        );
        walk.refused("a contractor creating a user", &r, 403, "forbidden");
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "x@refus.test", "password": "short", "role": "facilitator"}),
        );
        walk.refused("short password", &r, 422, "password_too_short");
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "not an address", "password": "long enough pass", "role": "facilitator"}),
        );
        walk.refused("email", &r, 422, "email_malformed");
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "fac@plie.test", "password": "long enough pass", "role": "facilitator"}),
        );
        walk.refused("email taken", &r, 409, "email_taken");
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "c@refus.test", "password": "long enough pass", "role": "contractor"}),
        );
        walk.refused(
            "contractor without organisation",
            &r,
            422,
            "organisation_required",
        );
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "c@refus.test", "password": "long enough pass", "role": "chief"}),
        );
        walk.refused("unknown role", &r, 422, "value_not_allowed");

        // --- Organisations ---
        let organisation = |body: Value| app.post("/api/v1/organisations", &w.admin, body);
        let r = organisation(json!({"kind": "bank", "name": "X"}));
        walk.refused("organisation kind", &r, 422, "organisation_kind_unknown");
        let r = organisation(json!({"kind": "contractor", "name": "X", "siret": "12345678901234"}));
        walk.refused("SIRET", &r, 422, "siret_malformed");
        let r = organisation(json!({"kind": "contractor", "name": "X",
                                    "identifier_type": "TVA", "identifier": "814864138"}));
        walk.refused("TVA", &r, 422, "vat_country_missing");
        let r = organisation(json!({"kind": "contractor", "name": "X",
                                    "identifier_type": "DUNS", "identifier": "1"}));
        walk.refused("identifier type", &r, 422, "identifier_type_unknown");
        let r = organisation(
            json!({"kind": "contractor", "name": "X", "siret": SIRETS[5],
                                    "identifier_type": "TVA", "identifier": "FR40303265045"}),
        );
        walk.refused("SIRET and identifier", &r, 422, "siret_or_identifier");
        let r = organisation(json!({"kind": "contractor", "name": " ", "territory": "99"}));
        walk.refused("empty name", &r, 422, "empty");
        walk.refused("territory", &r, 422, "departement_unknown");

        // --- Contracts and clauses ---
        let r = app.post(
            "/api/v1/contracts",
            &w.admin,
            json!({"buyer_id": w.contractor_a, "reference": "X", "title": "T", "kind": "works",
                   "cpv_code": "4544", "duration_months": 0}),
        );
        walk.refused("contract", &r, 422, "organisation_not_buyer");
        walk.refused("contract", &r, 422, "cpv_code_malformed");
        walk.refused("contract", &r, 422, "duration_out_of_range");
        let r = app.post(
            &format!("/api/v1/clauses/{}/activate", w.clause),
            &w.admin,
            json!({}),
        );
        walk.refused(
            "active clause activated",
            &r,
            409,
            "clause_status_transition",
        );
        let r = app.get("/api/v1/clauses/999999", &w.admin);
        walk.refused("unknown clause", &r, 404, "not_found");
        let r = app.post(
            &format!("/api/v1/clauses/{}/assignments", w.clause),
            &w.admin,
            json!({"contractor_id": w.contractor_a, "role": "holder", "hours_target": 0}),
        );
        walk.refused("assignment of 0 h", &r, 422, "not_positive");

        // --- Participants ---
        let r = app.post(
            "/api/v1/participants",
            &w.facilitator,
            json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "12/04/1995",
                   "sex": "female"}),
        );
        walk.refused("French birth date", &r, 422, "date_malformed");
        assert!(
            r.body["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("s'écrit 1995-04-12"),
            "{}",
            r.text
        );
        let r = app.post(
            &format!("/api/v1/participants/{p}/eligibility"),
            &w.facilitator,
            json!({"criteria": ["rsa", "moon"], "proof": "caf_certificate",
                   "validated_on": "2026-01-10"}),
        );
        walk.refused("unknown criterion", &r, 422, "criterion_unknown");

        let r = app.post(
            "/api/v1/participants",
            &w.facilitator,
            json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "1990-04-02",
                   "sex": "female"}),
        );
        walk.seen("the same person again", &r);
        let r = app.post(
            "/api/v1/participants",
            &w.facilitator,
            json!({"first_name": "Léa", "last_name": "Martin", "birth_date": "1850-01-01",
                   "sex": "x", "postal_code": "1", "qualification_level": "9", "rome_code": "F17"}),
        );
        walk.seen("a person's fields", &r);

        // --- Placements and hours ---
        let hours = |month: &str, body: Value| {
            app.put(&format!("/api/v1/placements/{pl}/hours/{month}"), &a, body)
        };
        let r = hours("2026-03", json!({"work_hours": "56,5"}));
        walk.refused("hours with a decimal comma", &r, 422, "value_type");
        let r = hours("2026-03", json!({"work_hours": 7.125}));
        walk.refused("three decimals", &r, 422, "decimals_too_many");
        let r = hours("2026-03", json!({"work_hours": 300}));
        walk.refused("above the cap", &r, 422, "above_monthly_cap");
        let r = hours("2026-12", json!({"work_hours": 10}));
        walk.refused("future month", &r, 422, "month_in_future");
        let r = hours("2026-08", json!({"work_hours": 10}));
        walk.refused("month outside", &r, 422, "month_outside_placement");
        let r = app.request(
            "POST",
            "/api/v1/hours/import?dry_run=true",
            Some(&a),
            Some(ContentType::CSV),
            Some(
                format!(
                    "placement_id,month,work_hours,training_hours\n{pl},2026-03,7.125,0\n\
                     ,2026-03,1,0\n"
                )
                .into_bytes(),
            ),
        );
        walk.refused("import lines", &r, 422, "validation");
        assert!(walk.codes.contains("hours_too_many_decimals"), "{}", r.text);
        assert!(walk.codes.contains("cell_required"), "{}", r.text);
        let import = |content_type: ContentType, body: Vec<u8>| {
            app.request(
                "POST",
                "/api/v1/hours/import?dry_run=true",
                Some(&a),
                Some(content_type),
                Some(body),
            )
        };
        let header = "placement_id,month,work_hours,training_hours\n";
        for (what, body) in [
            (
                "bad cells",
                format!(
                    "{header}abc,2026-03,1,0\n{pl},13/2026,1,0\n{pl},2026-04,x,0\n\
                     {pl},2026-05,-1,0\n{pl},2026-05,1,0\n{pl},2026-03,35,5,0\n"
                ),
            ),
            (
                "missing column",
                "placement_id,month,hours\n1,2026-03,1\n".to_string(),
            ),
            (
                "twice a column",
                header.to_string().replace("\n", ",month\n"),
            ),
            ("empty file", String::new()),
            ("header only", header.to_string()),
        ] {
            let r = import(ContentType::CSV, body.into_bytes());
            walk.seen(what, &r);
        }
        let r = import(ContentType::CSV, vec![0xff, 0xfe, 0x00, 0x41]);
        walk.seen("not UTF-8", &r);
        let xlsx = ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        );
        let r = import(xlsx, b"not a workbook".to_vec());
        walk.seen("not a workbook", &r);
        let r = app.request(
            "POST",
            "/api/v1/hours/import?dry_run=yes",
            Some(&a),
            Some(ContentType::CSV),
            Some(header.as_bytes().to_vec()),
        );
        walk.refused("dry_run=yes", &r, 422, "boolean_malformed");
        let r = hours("2026-03", json!({"work_hours": -1}));
        walk.seen("negative hours", &r);
        let r = hours("2026-03", json!({"work_hours": 10}));
        assert_eq!(r.status, 200, "{}", r.text);
        let entry_id = r.body["id"].as_i64().unwrap_or(0);
        let decide = |body: Value| app.post("/api/v1/hours/validation", &w.facilitator, body);
        let r = decide(json!({"entry_ids": [], "decision": "validate"}));
        walk.seen("no entries", &r);
        let r = decide(json!({"entry_ids": [999999], "decision": "validate"}));
        walk.seen("unknown entry", &r);
        let r = decide(json!({"entry_ids": [entry_id], "decision": "reject"}));
        walk.seen("reject without reason", &r);
        let r = decide(json!({"entry_ids": [entry_id], "decision": "validate"}));
        assert_eq!(r.status, 200, "{}", r.text);
        let r = decide(json!({"entry_ids": [entry_id], "decision": "validate"}));
        walk.seen("decided twice", &r);
        let r = app.get("/api/v1/hours/template?month=2026-3", &a);
        walk.seen("template month", &r);
        let r = app.get("/api/v1/hours/template?month=2026-03&format=pdf", &a);
        walk.seen("template format", &r);
        let r = app.get("/api/v1/hours/template?month=2026-03&dialect=excel", &a);
        walk.seen("template dialect", &r);
        let r = app.get("/api/v1/hours/template", &a);
        walk.refused("template without month", &r, 422, "param_required");

        // --- Query parameters, lists, reports, work list ---
        let r = app.get("/api/v1/hours?placement_id=x", &w.facilitator);
        walk.refused("id not a number", &r, 422, "integer_malformed");
        for path in [
            "/api/v1/hours?placement_id=99999999999999999999".to_string(),
            "/api/v1/hours?status=lost".into(),
            "/api/v1/needs?status=lost".into(),
            "/api/v1/notifications?status=lost".into(),
            "/api/v1/referrals?state=lost".into(),
            "/api/v1/clauses?status=%01".into(),
            format!("/api/v1/clauses?status={}", "x".repeat(2001)),
            "/api/v1/reports/referrals?year=9999".into(),
            "/api/v1/reports/annual?from=2026-01&to=2026-13".into(),
            "/api/v1/reports/annual?from=2026-06&to=2026-01".into(),
            "/api/v1/reports/annual?year=2026&from=2026-01&to=2026-06".into(),
            "/api/v1/reports/annual".into(),
            "/api/v1/reports/annual?year=2026&territory=xyz".into(),
            "/api/v1/reports/annual?year=2026&buyer_id=0".into(),
            "/api/v1/reports/annual?year=2026&clause_kind=other".into(),
        ] {
            let r = app.get(&path, &w.admin);
            walk.seen(&path, &r);
        }
        let r = app.get("/api/v1/contracts?limit=0", &w.admin);
        walk.refused("limit 0", &r, 422, "limit_out_of_range");
        let r = app.get("/api/v1/contracts?offset=-1", &w.admin);
        walk.refused("negative offset", &r, 422, "offset_negative");
        let r = app.get("/api/v1/hours/import?dry_run=yes", &w.facilitator);
        assert!(r.status >= 400, "{}", r.text);
        let r = app.get("/api/v1/reports/annual?year=20x6", &w.admin);
        walk.refused("report year", &r, 422, "period_year_malformed");
        let r = app.get("/api/v1/worklist?wait_days=400", &w.facilitator);
        walk.refused("wait days", &r, 422, "wait_days_out_of_range");
        let r = app.get(
            "/api/v1/reports/referrals?year=2026&year=2025",
            &w.facilitator,
        );
        walk.refused("year twice", &r, 422, "param_repeated");
        let r = app.get(
            &format!("/api/v1/clauses/{}/progress?on=31/12/2026", w.clause),
            &w.facilitator,
        );
        walk.refused("date in a query", &r, 422, "date_malformed");

        // --- Refusals that need a state, or a file ---
        let ctx = Ctx {
            app,
            w: &w,
            p,
            pl,
            a: &a,
        };
        requests(&ctx, &mut walk);
        structures(&ctx, &mut walk);
        contracts_and_clauses(&ctx, &mut walk);
        people_and_placements(&ctx, &mut walk);
        needs_and_referrals(&ctx, &mut walk);
        hours_with_state(&ctx, &mut walk);
        workbooks(&ctx, &mut walk);
        sessions(&ctx, &mut walk);
        login_page(&ctx, &mut walk);
        accounts(&ctx, &mut walk);
        reminders_and_reports(&ctx, &mut walk);
        corrections_of_records(&ctx, &mut walk);
        // Last: the anonymisation job empties the people.
        anonymised(&ctx, &mut walk);

        // --- The walk against the catalogue ---
        assert!(walk.faults.is_empty(), "{}", walk.faults.join("\n\n"));
        let catalogue: BTreeSet<&str> = CATALOGUE.iter().map(|e| e.code).collect();
        let walked: BTreeSet<&str> = walk.codes.iter().map(String::as_str).collect();
        let elsewhere: BTreeSet<&str> = PRODUCED_ELSEWHERE.iter().map(|(c, _)| *c).collect();
        let not_walked: Vec<&str> = catalogue
            .difference(&walked)
            .filter(|c| !elsewhere.contains(*c))
            .copied()
            .collect();
        let listed: Vec<&str> = NOT_WALKED.to_vec();
        assert_eq!(
            not_walked, listed,
            "NOT_WALKED must list exactly the catalogue's codes this walk does not produce"
        );
        assert_eq!(
            elsewhere.len(),
            PRODUCED_ELSEWHERE.len(),
            "PRODUCED_ELSEWHERE lists a code twice"
        );
        for (code, test) in PRODUCED_ELSEWHERE {
            assert!(entry(code).is_some(), "{code} is not in the catalogue");
            assert!(!walked.contains(code), "{code} is walked: not elsewhere");
            assert!(!test.trim().is_empty(), "{code} names no test");
        }
    }
);

/// The world the later steps of the walk share: the fixture's structure, Awa (`p`) placed
/// with contractor A from February to June 2026 (`pl`), and A's user (`a`).
struct Ctx<'a> {
    app: &'a TestApp,
    w: &'a World,
    p: i64,
    pl: i64,
    a: &'a str,
}

/// The request itself: its size, its fields, its numbers, the routes' own 404s.
fn requests(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    let over_20_mib = vec![b' '; (20 << 20) + 1];
    let r = app.request(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(ContentType::JSON),
        Some(over_20_mib),
    );
    walk.refused("a body over 20 MiB", &r, 413, "body_too_large");
    let r = app.post(
        "/api/v1/referrals/999999/answer",
        &w.facilitator,
        json!({"state": "hired", "placement": {"colour": "bleu"}}),
    );
    walk.refused("a field no one asked for", &r, 422, "field_unknown");
    let r = app.put(
        &format!("/api/v1/placements/{}/hours/2026-03", c.pl),
        c.a,
        json!({"work_hours": 1e20}),
    );
    walk.refused("a number of 21 digits", &r, 422, "number_out_of_range");
    let contacts: Vec<Value> = (0..51)
        .map(|i| json!({"email": format!("c{i}@refus.test")}))
        .collect();
    let r = app.put(
        &format!("/api/v1/organisations/{}/contacts", w.contractor_a),
        &w.admin,
        Value::Array(contacts),
    );
    walk.refused("51 contacts", &r, 422, "list_too_long");
    let r = app.put(
        &format!("/api/v1/organisations/{}/contacts", w.contractor_a),
        &w.admin,
        json!([{"email": "pas une adresse"}]),
    );
    walk.refused("a contact's email", &r, 422, "email_malformed");
    let r = app.get("/api/v1/reference/colours", c.a);
    walk.refused("an unknown reference list", &r, 404, "not_found");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("liste de référence"),
        "{}",
        r.text
    );
    let r = app.post(
        "/api/v1/participants",
        &w.facilitator,
        json!({
        "first_name": "Nul\u{0}", "last_name": "Deux\nlignes", "birth_date": "1990-01-01",
        "sex": "female", "qualification_level": "3"}),
    );
    walk.refused("a NUL character", &r, 422, "nul_character");
    let r = app.post(
        "/api/v1/participants",
        &w.facilitator,
        json!({
        "first_name": "Awa", "last_name": "Deux\nlignes", "birth_date": "1990-01-01",
        "sex": "female", "qualification_level": "3"}),
    );
    walk.refused("a line break in a name", &r, 422, "line_break");
    // Query parameters.
    for (path, code) in [
        ("/api/v1/hours?month=1899-01", "month_out_of_range"),
        ("/api/v1/worklist?wait_days=-1", "negative"),
    ] {
        let r = app.get(path, &w.facilitator);
        walk.refused(path, &r, 422, code);
    }
    let r = app.get(
        &format!("/api/v1/clauses/{}/progress?on=1850-01-01", w.clause),
        &w.facilitator,
    );
    walk.refused("a date of 1850", &r, 422, "date_out_of_range");
    // A form without its file: Rocket refuses the multipart form itself.
    let boundary = "walk-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--{boundary}--\r\n"
    );
    let r = app.request(
        "POST",
        "/api/v1/hours/import",
        Some(c.a),
        Some(ContentType::new("multipart", "form-data").with_params(("boundary", boundary))),
        Some(body.into_bytes()),
    );
    walk.seen("a form without its file", &r);
}

/// Organisations and accounts.
fn structures(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    let organisation = |body: Value| app.post("/api/v1/organisations", &w.admin, body);
    for (what, body, code) in [
        (
            "an empty identifier",
            json!({"kind": "contractor", "name": "X", "identifier_type": "HORS-UE", "identifier": ""}),
            "identifier_empty",
        ),
        (
            "a spaced identifier",
            json!({"kind": "contractor", "name": "X", "identifier_type": "HORS-UE", "identifier": "12 34"}),
            "identifier_whitespace",
        ),
        (
            "a long identifier",
            json!({"kind": "contractor", "name": "X", "identifier_type": "IREP", "identifier": "9".repeat(33)}),
            "identifier_too_long",
        ),
        (
            "a type without identifier",
            json!({"kind": "contractor", "name": "X", "identifier_type": "IREP"}),
            "required_with",
        ),
        (
            "an unknown SIAE kind",
            json!({"kind": "contractor", "name": "X", "siae_kind": "CLUB"}),
            "siae_kind_unknown",
        ),
        (
            "a SIAE kind for a buyer",
            json!({"kind": "buyer", "name": "X", "siae_kind": "EI"}),
            "siae_kind_not_applicable",
        ),
        (
            "a SIRET already recorded",
            json!({"kind": "contractor", "name": "X", "siret": SIRETS[1]}),
            "organisation_identifier_taken",
        ),
    ] {
        let r = organisation(body);
        walk.met(what, &r, code);
    }
    let user = |body: Value| app.post("/api/v1/users", &w.admin, body);
    let r = user(
        json!({"email": "f@refus.test", "password": "long enough pass",
                        "role": "facilitator", "organisation_id": w.contractor_a}),
    );
    walk.refused(
        "a facilitator with an organisation",
        &r,
        422,
        "organisation_not_allowed",
    );
    let r = user(
        json!({"email": "f@refus.test", "password": "long enough pass",
                        "role": "contractor", "organisation_id": 999999}),
    );
    walk.refused("an unknown organisation", &r, 422, "organisation_unknown");
    let r = user(
        json!({"email": "f@refus.test", "password": "long enough pass",
                        "role": "contractor", "organisation_id": w.buyer}),
    );
    walk.refused(
        "a buyer's contractor account",
        &r,
        422,
        "organisation_kind_mismatch",
    );
}

/// Contracts, clauses, assignments, calibrations and the labour-share table.
fn contracts_and_clauses(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    let contract = |body: Value| app.post("/api/v1/contracts", &w.admin, body);
    let r = contract(
        json!({"buyer_id": 999999, "reference": "", "title": "T", "kind": "loan",
        "starts_on": "2026-06-01", "ends_on": "2026-01-01",
        "social_considerations": ["charity"],
        "environmental_considerations": ["green"],
        "lots": [{"number": 0, "amount_eur": 10}],
        "holder_ids": [w.buyer]}),
    );
    walk.refused_each(
        "a contract",
        &r,
        422,
        &[
            "organisation_unknown",
            "reference_length",
            "contract_kind_unknown",
            "ends_before_start",
            "social_consideration_unknown",
            "environmental_consideration_unknown",
            "lot_number_invalid",
            "organisation_not_contractor",
        ],
    );
    let r = contract(
        json!({"buyer_id": w.buyer, "reference": "Y", "title": "T", "kind": "works",
        "starts_on": "2099-01-01", "duration_months": 600}),
    );
    walk.refused("an end after 2100", &r, 422, "computed_end_too_late");
    let r = app.get(
        "/api/v1/contracts/to-clause?sort=price&order=up",
        &w.facilitator,
    );
    walk.refused_each(
        "a contracts-to-clause order",
        &r,
        422,
        &["to_clause_sort_unknown", "sort_order_unknown"],
    );
    let r = contract(
        json!({"buyer_id": w.buyer, "reference": "2026-001", "title": "T",
        "kind": "works"}),
    );
    walk.refused("a reference taken", &r, 409, "contract_reference_taken");

    // A contract with two lots, for the clauses below.
    let r = contract(
        json!({"buyer_id": w.buyer, "reference": "2026-LOTS", "title": "Lots",
        "kind": "works", "lots": [{"number": 1, "amount_eur": 100000}], "cpv_code": "45442100",
        "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let lots_contract = r.body["id"].as_i64().unwrap_or(0);

    // Corrections and amendments (issue 17).
    let amend = |id: i64, body: Value| {
        app.post(
            &format!("/api/v1/contracts/{id}/amendments"),
            &w.admin,
            body,
        )
    };
    let r = amend(
        w.contract,
        json!({"number": "A1", "signed_on": "2026-03-01", "reason": "Rien"}),
    );
    walk.refused(
        "an amendment that changes nothing",
        &r,
        422,
        "amendment_empty",
    );
    let r = amend(
        w.contract,
        json!({"number": "A1", "signed_on": "2025-01-01", "amount_eur": 5, "reason": "Tôt"}),
    );
    walk.refused(
        "an amendment before the notification",
        &r,
        422,
        "amendment_before_notification",
    );
    let body = json!({"number": "A1", "signed_on": "2026-03-01", "amount_eur": 200000,
        "reason": "Avenant"});
    let r = amend(lots_contract, body.clone());
    assert_eq!(r.status, 201, "{}", r.text);
    let r = amend(lots_contract, body);
    walk.refused(
        "an amendment number taken",
        &r,
        409,
        "amendment_number_taken",
    );
    let clause_path = format!("/api/v1/clauses/{}", w.clause);
    let r = app.patch(
        &clause_path,
        &w.admin,
        json!({"hours_override": 1, "override_justification": "Moins"}),
        None,
    );
    walk.refused(
        "required hours below the targets",
        &r,
        422,
        "below_assigned_hours",
    );
    let r = app.patch(
        &clause_path,
        &w.admin,
        json!({"penalty_per_missing_hour_eur": 1}),
        Some("\"999\""),
    );
    walk.refused("a stale If-Match", &r, 412, "precondition_failed");
    let clauses = format!("/api/v1/contracts/{lots_contract}/clauses");
    let r = app.post(
        &clauses,
        &w.admin,
        json!({"kind": "magic", "lot_number": 7,
        "calibration": {"method": "fixed", "hours": 100, "justification": "volume"},
        "hours_override": 120,
        "starts_on": "2026-01-01", "ends_on": "2060-01-01", "reporting_frequency": "hourly",
        "penalty_per_missing_hour_eur": -1, "referent_id": 999999, "territory": "99"}),
    );
    walk.refused_each(
        "a clause",
        &r,
        422,
        &[
            "clause_kind_unknown",
            "lot_unknown",
            "clause_too_long",
            "frequency_unknown",
            "negative",
            "override_justification_required",
            "referent_not_staff",
            "territory_unknown",
        ],
    );
    // A buyer without territory and no territory given.
    let buyer = organisation_id(
        app,
        &w.admin,
        json!({"kind": "buyer", "name": "Sans territoire"}),
    );
    let r = contract(
        json!({"buyer_id": buyer, "reference": "NOTERR", "title": "T",
        "kind": "works", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let no_territory = r.body["id"].as_i64().unwrap_or(0);
    let r = app.post(
        &format!("/api/v1/contracts/{no_territory}/clauses"),
        &w.admin,
        json!({"kind": "execution_condition",
               "calibration": {"method": "fixed", "hours": 0.2, "justification": "volume"},
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    );
    walk.refused("a clause without territory", &r, 422, "territory_required");
    walk.refused("a clause of 0 h", &r, 422, "zero_hours");

    // Calibrations.
    let calibrate = |body: Value| app.post("/api/v1/calibrations", &w.facilitator, body);
    for (what, body, code) in [
        (
            "neither amount nor lots",
            json!({"method": "labour_share", "insertion_rate_percent": 5, "hourly_cost_eur": 30}),
            "amount_or_lots_required",
        ),
        (
            "amount and lots",
            json!({"method": "labour_share", "amount_eur": 1000, "insertion_rate_percent": 5,
                "hourly_cost_eur": 30, "lots": [{"amount_eur": 10}]}),
            "amount_and_lots",
        ),
        (
            "no lot",
            json!({"method": "labour_share", "insertion_rate_percent": 5, "hourly_cost_eur": 30,
                "lots": []}),
            "lots_empty",
        ),
        (
            "a share beside lots",
            json!({"method": "labour_share", "insertion_rate_percent": 5, "hourly_cost_eur": 30,
                "labour_share_percent": 50, "lots": [{"amount_eur": 10, "labour_share_percent": 50}]}),
            "share_given_per_lot",
        ),
        (
            "no share nor CPV",
            json!({"method": "labour_share", "amount_eur": 1000, "insertion_rate_percent": 5,
                "hourly_cost_eur": 30}),
            "labour_share_without_cpv",
        ),
        (
            "a CPV outside the table",
            json!({"method": "labour_share", "amount_eur": 1000, "insertion_rate_percent": 5,
                "hourly_cost_eur": 30, "cpv_code": "71000000-8"}),
            "labour_share_not_in_table",
        ),
        (
            "a CPV malformed",
            json!({"method": "labour_share", "amount_eur": 1000, "insertion_rate_percent": 5,
                "hourly_cost_eur": 30, "cpv_code": "7x"}),
            "cpv_malformed",
        ),
        (
            "a rate of 150 %",
            json!({"method": "labour_share", "amount_eur": 1000, "insertion_rate_percent": 150,
                "hourly_cost_eur": 30, "labour_share_percent": 50}),
            "percent_out_of_range",
        ),
        (
            "fixed hours without justification",
            json!({"method": "fixed", "hours": 10}),
            "fixed_hours_justification_required",
        ),
    ] {
        let r = calibrate(body);
        walk.refused(what, &r, 422, code);
    }
    let r = app.put(
        "/api/v1/reference/labour-shares",
        &w.admin,
        json!([
        {"cpv_prefix": "4x", "labour_share_percent": 50, "label": "A"},
        {"cpv_prefix": "45", "labour_share_percent": 50, "label": "B"},
        {"cpv_prefix": "45", "labour_share_percent": 50, "label": "C"}]),
    );
    walk.refused("a labour-share table", &r, 422, "cpv_prefix_malformed");
    walk.refused("a labour-share table", &r, 422, "cpv_prefix_repeated");

    // Assignments.
    let assign = |body: Value| {
        app.post(
            &format!("/api/v1/clauses/{}/assignments", w.clause),
            &w.admin,
            body,
        )
    };
    let r = assign(json!({"contractor_id": w.buyer, "role": "boss", "hours_target": 10}));
    walk.refused("an assignment", &r, 422, "organisation_not_contractor");
    walk.refused("an assignment", &r, 422, "assignment_role_unknown");
    let third = organisation_id(
        app,
        &w.admin,
        json!({"kind": "contractor", "name": "Troisième", "siret": SIRETS[3]}),
    );
    let r = assign(json!({"contractor_id": third, "role": "subcontractor", "hours_target": 100}));
    walk.refused("more hours than the clause", &r, 422, "above_clause_hours");

    // A second clause, on the contract with lots: A once, then twice; then cancelled.
    let second = crate::fixtures::clause(
        app,
        &w.admin,
        lots_contract,
        "2026-01-01",
        "2026-12-31",
        None,
    );
    crate::fixtures::activate(app, &w.admin, second);
    let assignment = crate::fixtures::assign(app, &w.admin, second, w.contractor_a, "holder", 10);
    let assign = |body: Value| {
        app.post(
            &format!("/api/v1/clauses/{second}/assignments"),
            &w.admin,
            body,
        )
    };
    let r = assign(json!({"contractor_id": w.contractor_a, "role": "holder", "hours_target": 10}));
    walk.refused("an assignment twice", &r, 409, "assignment_exists");
    let r = app.post(
        &format!("/api/v1/clauses/{second}/cancel"),
        &w.admin,
        json!({}),
    );
    assert!(r.status < 300, "{}", r.text);
    let r = assign(json!({"contractor_id": w.contractor_b, "role": "holder", "hours_target": 10}));
    walk.refused(
        "an assignment to a cancelled clause",
        &r,
        409,
        "clause_closed",
    );
    let r = app.post(
        "/api/v1/placements",
        &w.facilitator,
        json!({"participant_id": c.p,
        "assignment_id": assignment, "modality": "direct_hire", "employer_id": w.contractor_a,
        "contract_type": "cddi", "job_title": "Peintre", "starts_on": "2026-07-01",
        "weekly_hours": 1}),
    );
    walk.refused(
        "a placement on a cancelled clause",
        &r,
        409,
        "clause_closed",
    );
    let r = app.post(
        "/api/v1/needs",
        c.a,
        json!({"assignment_id": assignment,
        "job_title": "Peintre", "posts": 1, "commune_code": "93066", "territory": "93",
        "starts_on": "2026-12-01", "weekly_hours": 35,
        "modality": "direct_hire", "employer_id": w.contractor_a, "contract_type": "cddi"}),
    );
    walk.refused("a need on a cancelled clause", &r, 409, "clause_closed");
}

fn organisation_id(app: &TestApp, admin: &str, body: Value) -> i64 {
    app.create("/api/v1/organisations", admin, body, "organisation")
}

/// People, their eligibility, placements and exits.
fn people_and_placements(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    let r = app.post(
        &format!("/api/v1/participants/{}/eligibility", c.p),
        &w.facilitator,
        json!({"criteria": [], "proof": "horoscope", "validated_on": "2027-01-10"}),
    );
    walk.refused("an eligibility", &r, 422, "criteria_required");
    walk.refused("an eligibility", &r, 422, "proof_unknown");
    walk.refused("an eligibility", &r, 422, "date_in_future");
    let r = app.post(
        &format!("/api/v1/participants/{}/eligibility", c.p),
        &w.facilitator,
        json!({"criteria": ["rsa", "rsa", "facilitator_opinion"], "proof": "caf_certificate",
               "validated_on": "2026-01-10"}),
    );
    walk.refused("an eligibility", &r, 422, "criterion_repeated");
    walk.refused("an eligibility", &r, 422, "justification_required");
    let r = app.post(
        &format!("/api/v1/participants/{}/eligibility", c.p),
        &w.facilitator,
        json!({"criteria": ["rsa"], "proof": "caf_certificate", "validated_on": "1850-01-10"}),
    );
    walk.refused("an eligibility of 1850", &r, 422, "date_out_of_range");
    let r = app.post(
        "/api/v1/participants",
        &w.facilitator,
        json!({
        "first_name": "Awa", "last_name": "Diallo", "birth_date": "1990-04-02", "sex": "female",
        "qualification_level": "3"}),
    );
    walk.refused("the same person", &r, 409, "participant_duplicate");
    let r = app.patch(
        &format!("/api/v1/participants/{}", c.p),
        &w.facilitator,
        json!({"zrr": true}),
        Some("\"0\""),
    );
    walk.refused(
        "a correction of a person read long ago",
        &r,
        412,
        "precondition_failed",
    );
    let r = app.post("/api/v1/participants", &w.facilitator, json!({
        "first_name": "Jean", "last_name": "Rome", "birth_date": "1990-04-02", "sex": "male",
        "qualification_level": "3", "wished_rome_codes": ["F17"], "reachable_departements": ["99"]}));
    walk.refused("a person's codes", &r, 422, "rome_code_malformed");
    walk.refused("a person's codes", &r, 422, "territory_unknown");

    let place = |body: Value| app.post("/api/v1/placements", &w.facilitator, body);
    let r = place(
        json!({"participant_id": 999999, "assignment_id": 999999, "modality": "magic",
        "employer_id": w.buyer, "contract_type": "forever", "job_title": " ",
        "starts_on": "2026-05-01", "ends_on": "2026-04-01", "weekly_hours": 60}),
    );
    walk.refused_each(
        "a placement",
        &r,
        422,
        &[
            "participant_unknown",
            "assignment_unknown",
            "modality_unknown",
            "contract_type_unknown",
            "employer_not_eligible",
            "job_title_empty",
            "ends_before_start",
            "weekly_hours_above_max",
        ],
    );
    // Léa has no eligibility.
    let lea = crate::fixtures::participant(app, &w.facilitator, "Léa", "Sans", "1992-05-06");
    let r = place(
        json!({"participant_id": lea, "assignment_id": w.assignment_a,
        "modality": "direct_hire", "employer_id": w.contractor_a, "contract_type": "cddi",
        "job_title": "Peintre", "starts_on": "2026-03-01"}),
    );
    walk.refused("a person not eligible", &r, 422, "eligibility_missing");
    // Awa works 35 h a week with A: 20 h more is above 48 h.
    let r = place(
        json!({"participant_id": c.p, "assignment_id": w.assignment_b,
        "modality": "direct_hire", "employer_id": w.contractor_b, "contract_type": "cddi",
        "job_title": "Peintre", "starts_on": "2026-03-01", "ends_on": "2026-04-30",
        "weekly_hours": 20}),
    );
    walk.refused("a weekly load above 48 h", &r, 422, "weekly_load_above_max");
    let exit = |body: Value| {
        app.post(
            &format!("/api/v1/placements/{}/exit", c.pl),
            &w.facilitator,
            body,
        )
    };
    let r = exit(json!({"ended_on": "2026-06-30", "outcome": "vanished"}));
    walk.refused("an exit outcome", &r, 422, "outcome_unknown");
    let r = exit(json!({"ended_on": "2026-01-01", "outcome": "positive_exit"}));
    walk.refused("an exit before the start", &r, 422, "ended_before_start");
}

/// Recruitment needs and proposals.
fn needs_and_referrals(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    let need = |token: &str, body: Value| app.post("/api/v1/needs", token, body);
    let r = need(
        &w.facilitator,
        json!({"assignment_id": 999999, "job_title": "Peintre",
        "rome_code": "F17", "posts": 0, "commune_code": "ABCDE", "territory": "99",
        "starts_on": "2026-12-01", "weekly_hours": 60, "licences": ["CACES R482"],
        "modality": "magic", "employer_id": w.buyer, "contract_type": "forever"}),
    );
    walk.refused_each(
        "a need",
        &r,
        422,
        &[
            "assignment_unknown",
            "rome_code_malformed",
            "posts_out_of_range",
            "territory_unknown",
            "commune_code_malformed",
            "weekly_hours_above_max",
            "licence_code_malformed",
            "modality_unknown",
            "contract_type_unknown",
            "organisation_not_contractor",
        ],
    );
    let r = need(
        c.a,
        json!({"assignment_id": w.assignment_a, "job_title": "Peintre",
        "posts": 1, "commune_code": "75056", "territory": "93",
        "starts_on": "2026-12-01", "weekly_hours": 35,
        "modality": "direct_hire", "employer_id": w.contractor_b, "contract_type": "cddi"}),
    );
    walk.refused("a need of A", &r, 422, "employer_not_own");
    walk.refused("a need of A", &r, 422, "commune_outside_territory");
    let r = need(
        c.a,
        json!({"assignment_id": w.assignment_a, "job_title": "Peintre",
        "posts": 1, "commune_code": "93066", "territory": "93",
        "starts_on": "2027-03-01", "weekly_hours": 35,
        "modality": "direct_hire", "employer_id": w.contractor_a, "contract_type": "cddi"}),
    );
    walk.refused(
        "a need after the clause",
        &r,
        422,
        "starts_after_clause_end",
    );
    let open_need = |posts: i64| {
        app.create(
            "/api/v1/needs",
            c.a,
            json!({"assignment_id": w.assignment_a,
            "job_title": "Peintre", "posts": posts, "commune_code": "93066", "territory": "93",
            "starts_on": "2026-12-01", "weekly_hours": 35,
            "modality": "direct_hire", "employer_id": w.contractor_a, "contract_type": "cddi"}),
            "need",
        )
    };
    let one_post = open_need(1);
    let propose = |need: i64, person: i64| {
        app.post(
            "/api/v1/referrals",
            &w.facilitator,
            json!({"need_id": need, "participant_id": person}),
        )
    };
    let r = propose(999999, 999999);
    walk.refused("a proposal", &r, 422, "need_unknown");
    walk.refused("a proposal", &r, 422, "participant_unknown");
    // Two people eligible on the need's start.
    let person = |first: &str| {
        let id = crate::fixtures::participant(app, &w.facilitator, first, "Prête", "1991-03-04");
        crate::fixtures::eligible(app, &w.facilitator, id, "2026-10-01");
        id
    };
    let (mia, noa, zoe) = (person("Mia"), person("Noa"), person("Zoé"));
    let lea = crate::fixtures::participant(app, &w.facilitator, "Léa", "Jamais", "1993-05-06");
    let r = propose(one_post, lea);
    walk.refused(
        "a person not eligible then",
        &r,
        422,
        "eligibility_missing_on_need_start",
    );
    let first = app.create(
        "/api/v1/referrals",
        &w.facilitator,
        json!({"need_id": one_post, "participant_id": mia}),
        "referral",
    );
    let second = app.create(
        "/api/v1/referrals",
        &w.facilitator,
        json!({"need_id": one_post, "participant_id": noa}),
        "referral",
    );
    let r = propose(one_post, mia);
    walk.refused("a proposal twice", &r, 409, "already_proposed");
    let answer =
        |id: i64, body: Value| app.post(&format!("/api/v1/referrals/{id}/answer"), c.a, body);
    let r = answer(first, json!({"state": "proposed", "reason": "other"}));
    walk.refused("an answer", &r, 422, "answer_state_unknown");
    let r = answer(first, json!({"state": "declined"}));
    walk.refused("a decline", &r, 422, "decline_reason_required");
    let r = answer(first, json!({"state": "declined", "reason": "mood"}));
    walk.refused("a decline", &r, 422, "decline_reason_unknown");
    let r = answer(first, json!({"state": "declined", "reason": "other"}));
    walk.refused("a decline", &r, 422, "decline_comment_required");
    let r = answer(
        first,
        json!({"state": "interview", "reason": "other",
                                 "placement": {"job_title": "Peintre"}}),
    );
    walk.refused("an interview", &r, 422, "reason_only_with_declined");
    walk.refused("an interview", &r, 422, "placement_only_with_hired");
    let r = answer(
        first,
        json!({"state": "hired",
                                 "placement": {"derogation_reason": "urgence"}}),
    );
    walk.refused(
        "a contractor's derogation",
        &r,
        422,
        "derogation_staff_only",
    );
    // Another answer between the check and the write: the write then finds the referral no
    // longer in the state it was read in. A trigger that skips every update of a referral
    // makes the write find nothing, as after that other answer.
    skip_referral_updates(app, true);
    let r = answer(first, json!({"state": "interview"}));
    skip_referral_updates(app, false);
    walk.refused(
        "an answer written after another",
        &r,
        409,
        "referral_answered_meanwhile",
    );
    let r = answer(first, json!({"state": "interview"}));
    assert!(r.status < 300, "{}", r.text);
    let r = answer(first, json!({"state": "interview"}));
    walk.refused("an interview twice", &r, 409, "referral_transition_refused");
    let r = answer(first, json!({"state": "hired"}));
    assert!(r.status < 300, "{}", r.text);
    let r = answer(
        first,
        json!({"state": "declined", "reason": "other", "comment": "x"}),
    );
    walk.refused(
        "an answer after the hire",
        &r,
        409,
        "referral_already_final",
    );
    let r = answer(second, json!({"state": "hired"}));
    walk.refused("a hire on a full need", &r, 409, "need_full");
    // Its one post filled, the need is no longer open.
    let r = app.post(&format!("/api/v1/needs/{one_post}/close"), c.a, json!({}));
    walk.refused("a filled need closed", &r, 409, "need_already_closed");
    let r = propose(one_post, zoe);
    walk.refused("a proposal to a filled need", &r, 409, "need_not_open");
}

/// Creates (`true`) or drops a trigger that makes every update of a referral change nothing,
/// through raw SQL on the test's database.
fn skip_referral_updates(app: &TestApp, skip: bool) {
    use diesel::connection::SimpleConnection;
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).expect("url"),
        1,
    )
    .expect("pool");
    let mut conn = pool.get().expect("connection");
    let sql = match (&mut *conn, skip) {
        (clausier::db::Conn::Sqlite(c), true) => c.batch_execute(
            "CREATE TRIGGER referrals_skip BEFORE UPDATE ON referrals \
             BEGIN SELECT RAISE(IGNORE); END;",
        ),
        (clausier::db::Conn::Sqlite(c), false) => c.batch_execute("DROP TRIGGER referrals_skip;"),
        (clausier::db::Conn::Pg(c), true) => c.batch_execute(
            "CREATE FUNCTION referrals_skip() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RETURN NULL; END; $$; \
             CREATE TRIGGER referrals_skip BEFORE UPDATE ON referrals \
             FOR EACH ROW EXECUTE FUNCTION referrals_skip();",
        ),
        (clausier::db::Conn::Pg(c), false) => c.batch_execute(
            "DROP TRIGGER referrals_skip ON referrals; DROP FUNCTION referrals_skip();",
        ),
    };
    sql.expect("the trigger on referrals");
}

/// Hours that need a state: another placement of the month, a validated figure, the lines
/// of a file.
fn hours_with_state(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    // Awa also works 10 h a week with B from March.
    let with_b = crate::fixtures::placed_with_b_ten_hours_a_week(app, w, c.p, "2026-03-01");
    let b = contractor_user(app, &w.admin, w.contractor_b, "b@refus.test");
    let r = app.put(
        &format!("/api/v1/placements/{with_b}/hours/2026-04"),
        &b,
        json!({"work_hours": 150}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.put(
        &format!("/api/v1/placements/{}/hours/2026-04", c.pl),
        c.a,
        json!({"work_hours": 100}),
    );
    walk.refused(
        "the cap with another placement",
        &r,
        422,
        "above_monthly_cap_with_other_placements",
    );
    // March was validated at 10 h: another figure needs a reason.
    let r = app.put(
        &format!("/api/v1/placements/{}/hours/2026-03", c.pl),
        c.a,
        json!({"work_hours": 12}),
    );
    walk.refused(
        "a validated month changed",
        &r,
        422,
        "amendment_reason_required",
    );
    let r = app.post(
        "/api/v1/hours/validation",
        &w.facilitator,
        json!({"entry_ids": [1], "decision": "maybe"}),
    );
    walk.refused("a decision", &r, 422, "decision_unknown");
    let header = "placement_id,month,work_hours,training_hours\n";
    let r = app.request(
        "POST",
        "/api/v1/hours/import?dry_run=true",
        Some(c.a),
        Some(ContentType::CSV),
        Some(format!("{header}{pl},2026-05,1,0\n{pl},2026-05,2,0\n", pl = c.pl).into_bytes()),
    );
    walk.refused("a line twice", &r, 422, "row_duplicated");
    let r = app.request(
        "POST",
        "/api/v1/hours/import?dry_run=true",
        Some(c.a),
        Some(ContentType::CSV),
        Some(format!("{header}999999,2026-03,1,0\n").into_bytes()),
    );
    walk.refused("an unknown placement", &r, 422, "placement_unknown");
    let exit = |body: Value| {
        app.post(
            &format!("/api/v1/placements/{with_b}/exit"),
            &w.facilitator,
            body,
        )
    };
    let r = exit(json!({"ended_on": "2026-06-30", "outcome": "positive_exit"}));
    assert!(r.status < 300, "{}", r.text);
    let r = exit(json!({"ended_on": "2026-06-30", "outcome": "positive_exit"}));
    walk.refused("an exit twice", &r, 409, "exit_already_recorded");
}

/// Workbooks the guard refuses before they are read, and those calamine cannot read.
fn workbooks(c: &Ctx, walk: &mut Walk) {
    use clausier::xlsx_samples as samples;
    let xlsx = || {
        ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    };
    let import = |bytes: Vec<u8>| {
        c.app.request(
            "POST",
            "/api/v1/hours/import?dry_run=true",
            Some(c.a),
            Some(xlsx()),
            Some(bytes),
        )
    };
    let sheet = |inside: &str| samples::zip_of(&samples::workbook_parts(inside, "")).unwrap();
    let many_attributes: String = (0..300).map(|i| format!(" a{i}=\"1\"")).collect();
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    let no_sheet: Vec<(String, Vec<u8>)> = samples::workbook_parts("<sheetData/>", "")
        .into_iter()
        .map(|(name, content)| {
            if name == "xl/workbook.xml" {
                let text = String::from_utf8(content).unwrap_or_default();
                let start = text.find("<sheets>").unwrap_or(0);
                let end = text.find("</sheets>").map_or(0, |e| e + "</sheets>".len());
                (
                    name,
                    format!("{}<sheets/>{}", &text[..start], &text[end..]).into_bytes(),
                )
            } else {
                (name, content)
            }
        })
        .collect();
    let cell = |r: u32, text: &str| {
        format!("<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>{text}</t></is></c></row>")
    };
    let header: String = ["placement_id", "month", "work_hours", "training_hours"]
        .iter()
        .zip(["A", "B", "C", "D"])
        .map(|(name, column)| {
            format!("<c r=\"{column}1\" t=\"inlineStr\"><is><t>{name}</t></is></c>")
        })
        .collect();
    let header = format!("<row r=\"1\">{header}</row>");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a cell at XFD1048576",
            samples::far_cell().unwrap(),
            "xlsx_cell_outside",
        ),
        (
            "an element over 1 MiB",
            samples::blank_sheet(2 << 20).unwrap(),
            "xlsx_element_too_large",
        ),
        (
            "a text too long",
            samples::huge_shared_string(32_768).unwrap(),
            "xlsx_string_too_long",
        ),
        (
            "10 001 parts",
            samples::many_parts(10_001).unwrap(),
            "xlsx_too_many_parts",
        ),
        (
            "a part over 100 MiB",
            samples::big_sheet(101 << 20).unwrap(),
            "xlsx_part_too_large",
        ),
        (
            "parts of 270 MiB",
            inflating_to_270_mib(),
            "xlsx_total_too_large",
        ),
        (
            "a declared range",
            sheet("<dimension ref=\"A1:B200000\"/><sheetData/>"),
            "xlsx_declared_range",
        ),
        (
            "300 attributes",
            sheet(&format!("<sheetData><row{many_attributes}/></sheetData>")),
            "xlsx_too_many_attributes",
        ),
        (
            "500 001 shared strings",
            samples::many_strings(500_001, 1).unwrap(),
            "xlsx_too_many_shared_strings",
        ),
        (
            "8 million characters of shared text",
            samples::many_strings(300, 30_000).unwrap(),
            "xlsx_shared_text_too_long",
        ),
        (
            "100 001 records",
            sheet(&"<definedName/>".repeat(100_001)),
            "xlsx_too_many_records",
        ),
        ("an Excel 97 file", ole, "xlsx_ole_file"),
        (
            "a zip without a workbook",
            samples::zip_of(&[("a.txt".to_string(), b"x".to_vec())]).unwrap(),
            "xlsx_unreadable",
        ),
        (
            "a workbook without a sheet",
            samples::zip_of(&no_sheet).unwrap(),
            "xlsx_no_worksheet",
        ),
        (
            "rows out of order",
            samples::workbook(&format!("{}{}{}", header, cell(3, "x"), cell(2, "y"))).unwrap(),
            "xlsx_rows_out_of_order",
        ),
    ];
    for (what, bytes, code) in cases {
        let r = import(bytes);
        walk.refused(what, &r, 422, code);
    }
}

/// Sessions of the browser: the cookie, its CSRF secret.
fn sessions(c: &Ctx, walk: &mut Walk) {
    let app = c.app;
    let r = app.login("fac@plie.test", crate::common::PASSWORD);
    let token = r.body["access_token"].as_str().unwrap_or("").to_string();
    let with_cookie = |headers: &[(&'static str, &str)]| {
        let mut req = app
            .client
            .post("/api/v1/participants")
            .cookie(rocket::http::Cookie::new("clausier_session", token.clone()))
            .header(ContentType::JSON)
            .body(json!({"first_name": "Forgée"}).to_string());
        for (name, value) in headers {
            req = req.header(rocket::http::Header::new(*name, value.to_string()));
        }
        let res = req.dispatch();
        let status = res.status().code;
        let text = res.into_string().unwrap_or_default();
        Resp {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
            content_type: None,
            headers: Vec::new(),
        }
    };
    let r = with_cookie(&[("Origin", "https://evil.example")]);
    walk.refused("another site", &r, 403, "csrf_other_site");
    let r = with_cookie(&[]);
    walk.refused("no CSRF secret", &r, 403, "csrf_token_mismatch");
}

/// Codes that no request of this walk produces, each with the test that does: a server's
/// own state (a database out of reach, a saturated hasher), the transport (a connection cut
/// while a body is read), the command line, a JSON shape no body type has yet. The
/// comparison is exact: every code of the catalogue is walked or listed here, never both.
const PRODUCED_ELSEWHERE: &[(&str, &str)] = &[
    // Issue 20: the settings, checked by their own tests.
    (
        "target_percent_out_of_range",
        "settings::pnad_targets_are_set_by_an_administrator_and_read_by_the_report",
    ),
    (
        "hourly_cost_above_max",
        "settings::the_standard_calibration_is_the_structure_s_and_the_list_s_hours_follow_it",
    ),
    // Issue 20: follow-ups after an exit and the kinds of clause, checked by their own tests.
    (
        "follow_up_months",
        "follow_ups::a_follow_up_is_recorded_once_after_it_is_due_by_the_structure_s_staff",
    ),
    (
        "situation_unknown",
        "follow_ups::a_follow_up_is_recorded_once_after_it_is_due_by_the_structure_s_staff",
    ),
    (
        "follow_up_source_unknown",
        "follow_ups::a_follow_up_is_recorded_once_after_it_is_due_by_the_structure_s_staff",
    ),
    (
        "follow_up_already_recorded",
        "follow_ups::a_follow_up_is_recorded_once_after_it_is_due_by_the_structure_s_staff",
    ),
    (
        "follow_up_not_due",
        "follow_ups::a_follow_up_is_recorded_once_after_it_is_due_by_the_structure_s_staff",
    ),
    (
        "observed_before_exit",
        "follow_ups::a_follow_up_is_recorded_once_after_it_is_due_by_the_structure_s_staff",
    ),
    (
        "placement_not_exited",
        "follow_ups::a_follow_up_is_recorded_once_after_it_is_due_by_the_structure_s_staff",
    ),
    (
        "reserved_holder_not_eligible",
        "clause_kinds::reserved_contract_holders_of_its_legal_basis",
    ),
    (
        "legal_basis_unknown",
        "clause_kinds::reserved_contract_holders_of_its_legal_basis",
    ),
    (
        "legal_basis_services_only",
        "clause_kinds::reserved_contract_holders_of_its_legal_basis",
    ),
    (
        "reserved_longer_than_three_years",
        "clause_kinds::reserved_contract_holders_of_its_legal_basis",
    ),
    (
        "field_not_for_clause_kind",
        "clause_kinds::reserved_contract_holders_of_its_legal_basis",
    ),
    (
        "decp_reserved_holder_kept",
        "clause_kinds::decp_import_keeps_a_holder_a_reservation_excludes",
    ),
    // A page's refusal, shown beside its form field (not a problem of the API).
    (
        "hours_input_invalid",
        "pages_validation::a_validated_figure_is_amended_with_a_reason",
    ),
    (
        "number_input_invalid",
        "pages_contracts::a_refused_contract_shows_its_errors_beside_the_fields_and_stores_nothing",
    ),
    (
        "too_large_to_compute",
        "domain::calibration::tests::very_large_amounts_do_not_overflow",
    ),
    (
        "value_refused",
        "api::body::tests::a_serde_message_without_a_code_is_value_refused",
    ),
    (
        "body_unreadable",
        "api::body::tests::a_body_cut_short_is_body_unreadable",
    ),
    (
        "upload_unreadable",
        "api::hours::tests::an_upload_cut_short_is_upload_unreadable",
    ),
    (
        "http_error",
        "error::tests::a_status_without_a_code_of_its_own_is_http_error",
    ),
    (
        "internal",
        "error::tests::any_other_failure_is_internal_and_shows_nothing_of_it",
    ),
    (
        "unavailable",
        "error::tests::a_database_out_of_reach_is_unavailable",
    ),
    (
        "overloaded",
        "error::tests::a_saturated_hasher_is_overloaded_with_its_delay",
    ),
    (
        "login_overloaded",
        "tests/api/uploads.rs logins_when_hashing_is_saturated",
    ),
    (
        "concurrent_update",
        "error::tests::a_serialization_failure_is_concurrent_update",
    ),
    (
        "placement_cancelled",
        "tests/api/corrections_people.rs a_placement_entered_by_mistake_is_cancelled",
    ),
    (
        "placement_has_validated_hours",
        "tests/api/corrections_people.rs a_placement_entered_by_mistake_is_cancelled",
    ),
    (
        "hours_outside_new_dates",
        "tests/api/corrections_people.rs a_placement_is_corrected_under_the_rules_of_creation",
    ),
    (
        "record_exists",
        "error::tests::a_unique_index_hit_is_record_exists",
    ),
    (
        "database_not_empty",
        "tests/api/demo.rs the_demo_goes_into_the_only_structure",
    ),
    (
        "last_admin",
        "tests/api/accounts.rs no_admin_removes_itself_or_the_last_admin",
    ),
    (
        "password_mismatch",
        "tests/api/accounts.rs reset_links_are_single_use_expire_and_the_newest_wins",
    ),
];

/// Corrections of organisations, assignments and eligibility validations (issue 17): a
/// stale If-Match, the hand-over of an assignment, its deletion, a withdrawal. On records of
/// their own, so that the later steps find the world as it was.
fn corrections_of_records(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    let fac = &w.facilitator;
    let r = app.patch(
        &format!("/api/v1/organisations/{}", w.contractor_b),
        fac,
        json!({"name": "Peintures Réunies"}),
        Some("\"99\""),
    );
    walk.refused("a stale If-Match", &r, 412, "precondition_failed");
    let r = app.delete(&format!("/api/v1/assignments/{}", w.assignment_a), fac);
    walk.refused(
        "an assignment with placements deleted",
        &r,
        409,
        "assignment_has_placements",
    );
    let c_org = app.create(
        "/api/v1/organisations",
        &w.admin,
        json!({"kind": "contractor", "name": "Relève", "identifier_type": "HORS-UE",
               "identifier": "RELEVE1", "territory": "93"}),
        "contractor C",
    );
    let replace = |assignment: i64, ends_on: &str| {
        app.post(
            &format!("/api/v1/assignments/{assignment}/replace"),
            fac,
            json!({"contractor_id": c_org, "ends_on": ends_on}),
        )
    };
    let r = replace(w.assignment_a, "2026-03-31");
    walk.refused(
        "a hand-over before a placement's end",
        &r,
        409,
        "assignment_open_placements",
    );
    let r = replace(w.assignment_a, "2027-06-30");
    walk.refused(
        "a hand-over after the clause",
        &r,
        422,
        "assignment_end_outside_clause",
    );
    // A clause of its own: an assignment handed over, then one with a need.
    let clause =
        crate::fixtures::clause(app, &w.admin, w.contract, "2026-01-01", "2026-12-31", None);
    let spare = crate::fixtures::assign(app, &w.admin, clause, w.contractor_a, "holder", 100);
    crate::fixtures::activate(app, &w.admin, clause);
    let r = replace(spare, "2026-06-30");
    assert_eq!(r.status, 201, "{}", r.text);
    let taken_over = r.body["replacement"]["id"].as_i64().unwrap_or(0);
    let r = replace(spare, "2026-06-30");
    walk.refused("a hand-over twice", &r, 409, "assignment_already_ended");
    let r = app.post(
        "/api/v1/placements",
        fac,
        json!({"participant_id": c.p, "assignment_id": spare, "modality": "direct_hire",
               "employer_id": w.contractor_a, "contract_type": "cddi", "job_title": "Peintre",
               "starts_on": "2026-07-01", "ends_on": "2026-07-31", "weekly_hours": 1}),
    );
    walk.refused(
        "a placement after its assignment's end",
        &r,
        422,
        "assignment_ended",
    );
    let r = app.post(
        "/api/v1/needs",
        fac,
        json!({"assignment_id": taken_over, "job_title": "Plaquiste", "posts": 1,
               "commune_code": "93066", "territory": "93", "starts_on": "2026-12-14",
               "weekly_hours": 35, "modality": "direct_hire", "employer_id": c_org,
               "contract_type": "cddi"}),
    );
    assert_eq!(r.status, 201, "need: {}", r.text);
    let r = app.delete(&format!("/api/v1/assignments/{taken_over}"), fac);
    walk.refused(
        "an assignment with a need deleted",
        &r,
        409,
        "assignment_has_needs",
    );
    // Withdrawals: a validation a started placement rests on alone, one withdrawn twice.
    let q = crate::fixtures::participant(app, fac, "Inès", "Retrait", "1991-03-03");
    let first = crate::fixtures::eligible(app, fac, q, "2026-01-10")["id"]
        .as_i64()
        .unwrap_or(0);
    crate::fixtures::place(
        app,
        fac,
        q,
        w.assignment_b,
        w.contractor_b,
        "2026-02-01",
        Some("2026-03-31"),
    );
    let withdraw = |v: i64| {
        app.post(
            &format!("/api/v1/participants/{q}/eligibility/{v}/withdraw"),
            fac,
            json!({"reason": "Saisie en double"}),
        )
    };
    let r = withdraw(first);
    walk.refused(
        "a withdrawal under a started placement",
        &r,
        409,
        "eligibility_withdraw_blocked",
    );
    let later = crate::fixtures::eligible(app, fac, q, "2026-11-02")["id"]
        .as_i64()
        .unwrap_or(0);
    let r = withdraw(later);
    assert_eq!(r.status, 200, "{}", r.text);
    let r = withdraw(later);
    walk.refused(
        "a withdrawal twice",
        &r,
        409,
        "eligibility_already_withdrawn",
    );
}

/// The login page's refusals, each a page with the catalogue's sentence.
fn login_page(c: &Ctx, walk: &mut Walk) {
    let app = c.app;
    let submit = |fields: &str| {
        let r = app.submit_login_form(fields);
        let status = r.status().code;
        (status, r.into_string().unwrap_or_default())
    };
    walk.page(
        "a login form without its fields",
        submit("email=&password="),
        422,
        Violation::new("", "login_fields_missing"),
    );
    walk.page(
        "a login form with a NUL in the email",
        submit("email=walk%40plie.test%00&password=x"),
        422,
        Violation::new("email", "login_email_refused").with("rule", "nul_character"),
    );
    walk.page(
        "a login form with a line break in the password",
        submit("email=walk%40plie.test&password=a%0Ab"),
        422,
        Violation::new("password", "login_password_refused")
            .with("rule", "line_break")
            .with("character", "U+000A"),
    );
    walk.page(
        "a login form with a wrong password",
        submit("email=walk%40plie.test&password=wrong-password"),
        401,
        Violation::new("", "login_credentials_wrong"),
    );
    // Past the lockout (5 failures), the attempts of this email wait.
    for _ in 0..5 {
        submit("email=walk%40plie.test&password=wrong-password");
    }
    let r = app.submit_login_form("email=walk%40plie.test&password=wrong-password");
    let wait: i64 = r
        .headers()
        .get_one("Retry-After")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let minutes = (wait + 59) / 60;
    let last = (r.status().code, r.into_string().unwrap_or_default());
    walk.page(
        "a login form past the lockout",
        last,
        429,
        Violation::new("", "login_too_many_attempts").with("minutes", minutes),
    );
}

/// Milestones, notifications, the DECP import and a funder's report.
fn reminders_and_reports(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    let milestone = |body: Value| {
        app.post(
            &format!("/api/v1/clauses/{}/milestones", w.clause),
            &w.facilitator,
            body,
        )
    };
    let r =
        milestone(json!({"kind": "Visite de chantier", "label": "Visite", "due_on": "2026-12-01"}));
    walk.refused("a milestone's kind", &r, 422, "milestone_kind_malformed");
    let r = milestone(json!({"label": " ", "due_on": "2026-12-01"}));
    walk.refused("a milestone's label", &r, 422, "label_length");

    // The reminders job queues the messages due today; one not failed cannot be retried.
    let config = crate::common::test_config(&app.database_url);
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).expect("url"),
        1,
    )
    .expect("pool");
    let mailer = clausier::reminders::Mailer::from_config(&config).expect("mailer");
    let runtime = rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(clausier::reminders::queue_due(
            &pool,
            &mailer,
            &config,
            app.clock.now(),
        ))
        .expect("reminders queued");
    let r = app.get("/api/v1/notifications", &w.facilitator);
    let queued = r.body["items"][0]["id"].as_i64().unwrap_or(0);
    let r = app.post(
        &format!("/api/v1/notifications/{queued}/retry"),
        &w.facilitator,
        json!({}),
    );
    walk.refused(
        "a queued message retried",
        &r,
        409,
        "notification_not_failed",
    );

    let r = app.post(
        "/api/v1/imports/decp",
        &w.facilitator,
        json!({"contracts": []}),
    );
    walk.refused("not a DECP file", &r, 400, "decp_unreadable");
    decp_reports(c, walk);

    app.cli_user("PLIE", "funder", "funder@refus.test", None, None);
    let funder = app.token("funder@refus.test");
    let r = app.get("/api/v1/reports/annual?from=2026-03&to=2026-08", &funder);
    walk.refused("a funder's months", &r, 422, "funder_whole_years");

    // A multipart form without its boundary: Rocket cannot split it.
    let r = app.request(
        "POST",
        "/api/v1/hours/import",
        Some(c.a),
        Some(ContentType::new("multipart", "form-data")),
        Some(b"--x\r\n".to_vec()),
    );
    walk.met("a form without boundary", &r, "request_malformed");
}

/// Everyone anonymised (the job run as of 2040): nothing more is recorded about them.
fn anonymised(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    let config = crate::common::test_config(&app.database_url);
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).expect("url"),
        1,
    )
    .expect("pool");
    let mut conn = pool.get().expect("connection");
    let today = chrono::NaiveDate::from_ymd_opt(2040, 1, 1).expect("a date");
    let ids = app
        .clock
        .scope(|| clausier::jobs::anonymise(&mut conn, &config, today))
        .expect("anonymised");
    assert!(
        ids.contains(&clausier::domain::ids::ParticipantId(c.p)),
        "{ids:?}"
    );
    let r = app.post(
        &format!("/api/v1/participants/{}/eligibility", c.p),
        &w.facilitator,
        json!({"criteria": ["rsa"], "proof": "caf_certificate", "validated_on": "2026-01-10"}),
    );
    walk.refused(
        "an anonymised person's eligibility",
        &r,
        409,
        "participant_anonymised",
    );
    let r = app.post(
        "/api/v1/placements",
        &w.facilitator,
        json!({"participant_id": c.p,
        "assignment_id": w.assignment_a, "modality": "direct_hire",
        "employer_id": w.contractor_a, "contract_type": "cddi", "job_title": "Peintre",
        "starts_on": "2026-07-01", "weekly_hours": 1}),
    );
    walk.refused("an anonymised person placed", &r, 409, "person_anonymised");
}

/// A workbook of 270 MiB once inflated, in parts of 90 MiB: written in pieces, it is held
/// deflated only (about 300 KiB).
fn inflating_to_270_mib() -> Vec<u8> {
    use std::io::Write;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in clausier::xlsx_samples::workbook_parts("<sheetData/>", "") {
        zip.start_file(name, options).expect("part");
        zip.write_all(&content).expect("part");
    }
    let mebibyte = vec![b'0'; 1 << 20];
    for part in 0..3 {
        zip.start_file(format!("xl/media/filler{part}.bin"), options)
            .expect("part");
        for _ in 0..90 {
            zip.write_all(&mebibyte).expect("part");
        }
    }
    zip.finish().expect("zip").into_inner()
}

/// A DECP file with a record of each kind that is skipped, and records whose values are
/// ignored: the summary (200) gives each its key, its code and a French message.
fn decp_reports(c: &Ctx, walk: &mut Walk) {
    let buyer = json!({"id": "21750001630040", "nom": "Ville de Paris"});
    let record = |id: &str, extra: Value| {
        let mut r = json!({"id": id, "acheteur": buyer, "objet": "Voirie", "montant": 1000,
                           "codeCPV": "45233140-2", "dateNotification": "2024-03-01",
                           "dureeMois": 12});
        for (k, v) in extra.as_object().into_iter().flatten() {
            r[k] = v.clone();
        }
        r
    };
    let doc = json!({"marches": [
        42,
        record("C1", json!({"nature": "Concession de travaux"})),
        record("C2", json!({"objet": null})),
        record("C3", json!({"montant": "beaucoup"})),
        record("C4", json!({"montant": 10.125})),
        record("C5", json!({"montant": -5})),
        record("C6", json!({"codeCPV": "45", "dateNotification": "hier", "dureeMois": 5000,
            "considerationsSociales": ["Insertion"],
            "titulaires": [{"id": "12 34", "typeIdentifiant": "HORS-UE"}]})),
        record("C7", json!({"codeCPV": null, "dateNotification": "1989-12-31"})),
    ]});
    let r = c.app.post("/api/v1/imports/decp", &c.w.facilitator, doc);
    assert_eq!(r.status, 200, "{}", r.text);
    let mut met = BTreeSet::new();
    for (list, text) in [("skipped", "reason"), ("warnings", "message")] {
        for item in r.body[list].as_array().into_iter().flatten() {
            let code = item["code"].as_str().unwrap_or("");
            let message = item[text].as_str().unwrap_or("");
            if entry(code).is_none() || message.trim().is_empty() || english_word(message).is_some()
            {
                walk.faults.push(format!("DECP {list}: {item}"));
            }
            met.insert(code.to_string());
        }
    }
    for code in [
        "decp_record_not_object",
        "decp_concession",
        "decp_missing",
        "decp_amount_malformed",
        "decp_amount_decimals",
        "decp_amount_negative",
        "decp_cpv_ignored",
        "decp_date_ignored",
        "decp_duration_ignored",
        "decp_consideration_ignored",
        "decp_holder_dropped",
        "decp_kind_taken_as_services",
        "decp_date_out_of_range",
    ] {
        if !met.contains(code) {
            walk.faults
                .push(format!("DECP: {code} not among {met:?}: {}", r.text));
        }
    }
    walk.codes.extend(met);
}

/// Accounts: an admin's own account, a password change, an invitation of an account switched
/// off, the page of a link that no longer serves.
fn accounts(c: &Ctx, walk: &mut Walk) {
    let (app, w) = (c.app, c.w);
    let me = app.get("/api/v1/me", &w.admin).body["id"]
        .as_i64()
        .unwrap_or(0);
    let r = app.patch(
        &format!("/api/v1/users/{me}"),
        &w.admin,
        json!({"active": false}),
        None,
    );
    walk.refused(
        "an admin switching itself off",
        &r,
        409,
        "own_account_change",
    );
    let r = app.patch(
        &format!("/api/v1/users/{me}"),
        &w.admin,
        json!({"role": "admin"}),
        Some("\"99\""),
    );
    walk.refused("a stale If-Match", &r, 412, "precondition_failed");
    let r = app.put(
        "/api/v1/me/password",
        &w.facilitator,
        json!({"current_password": "pas le bon", "new_password": "une-phrase-de-passe"}),
    );
    walk.refused(
        "a wrong current password",
        &r,
        422,
        "current_password_wrong",
    );
    let gone = app.api_user(&w.admin, "facilitator", "parti@plie.test", None);
    let gone = app.get("/api/v1/me", &gone).body["id"]
        .as_i64()
        .unwrap_or(0);
    let r = app.patch(
        &format!("/api/v1/users/{gone}"),
        &w.admin,
        json!({"active": false}),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.post(
        &format!("/api/v1/users/{gone}/invitation"),
        &w.admin,
        json!({}),
    );
    walk.refused(
        "an invitation of an account switched off",
        &r,
        409,
        "account_inactive",
    );
    let page = app
        .client
        .get(format!("/password/{}", "0".repeat(64)))
        .dispatch();
    let page = (page.status().code, page.into_string().unwrap_or_default());
    walk.page(
        "the page of an unknown link",
        page,
        404,
        Violation::new("", "password_link_invalid"),
    );
    let ask_reset = || {
        app.request(
            "POST",
            "/api/v1/auth/password-reset",
            None,
            Some(ContentType::JSON),
            Some(
                json!({"email": "oubli@refus.test"})
                    .to_string()
                    .into_bytes(),
            ),
        )
    };
    for _ in 0..12 {
        if ask_reset().status == 429 {
            break;
        }
    }
    walk.refused(
        "too many password reset requests",
        &ask_reset(),
        429,
        "too_many_reset_requests",
    );
}
