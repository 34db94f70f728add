//! The annual report served from memory while nothing it reads has changed (issue 21): a
//! second identical request is a hit (`X-Cache`), every write that moves a figure is seen
//! by the next request (a new entry, its validation), each scope has its own entry, and on
//! PostgreSQL a write through one instance is seen by another instance's next report.

use rocket::local::blocking::Client;
use serde_json::Value;

use crate::common::TestApp;
use crate::on_both;
use crate::reports::{decide, person, placement, report_hours, small_world};

const YEAR_2026: &str = "/api/v1/reports/annual?year=2026";

/// The report's hours in hundredths.
fn hundredths(body: &Value) -> i64 {
    (body["hours"].as_f64().expect("hours") * 100.0).round() as i64
}

/// The report (200) and whether it came from memory.
fn report(app: &TestApp, path: &str, token: &str) -> (Value, String) {
    let r = app.get(path, token);
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    let cache = r.header("X-Cache").expect("X-Cache header").to_string();
    (r.body, cache)
}

/// `small_world(app, _, n, _)` reports 100 h + i h for its i-th person in March 2026.
fn small_world_hours(persons: i64) -> i64 {
    (0..persons).map(|i| 10000 + i * 100).sum()
}

/// A new person placed on the structure's assignment A with `work` hundredths reported
/// for April 2026 (submitted, not validated); returns the entry.
fn new_entry(app: &TestApp, w: &crate::fixtures::World, name: &str, work: i64) -> i64 {
    let t = &w.facilitator;
    let p = person(
        app,
        t,
        name,
        "female",
        "1985-05-05",
        false,
        "3",
        &["rsa"],
        "2026-01-01",
    );
    let pl = placement(
        app,
        t,
        p,
        w.assignment_a,
        w.contractor_a,
        "direct_hire",
        "cdi",
        "2026-02-01",
        None,
    );
    report_hours(app, t, pl, "2026-04", work, 0)
}

on_both!(a_report_is_kept_until_a_write_moves_it, |app: &TestApp| {
    let w = small_world(app, "PLIE Cache", 6, 1);
    let other = small_world(app, "PLIE Autre", 5, 1);
    let t = &w.facilitator;
    let (first, cache) = report(app, YEAR_2026, t);
    assert_eq!(cache, "miss");
    assert_eq!(hundredths(&first), small_world_hours(6));
    let (again, cache) = report(app, YEAR_2026, t);
    assert_eq!(cache, "hit", "nothing changed: served from memory");
    assert_eq!(again, first);
    // Another structure's facilitator: its own scope, its own figures, never this entry.
    let (theirs, cache) = report(app, YEAR_2026, &other.facilitator);
    assert_eq!(cache, "miss");
    assert_eq!(hundredths(&theirs), small_world_hours(5));
    // Other parameters: their own entry. The report is kept before rendering, so the CSV of
    // the same selection is written from the kept one.
    let (_, cache) = report(app, "/api/v1/reports/annual?from=2026-01&to=2026-06", t);
    assert_eq!(cache, "miss");
    let csv = app.get("/api/v1/reports/annual.csv?year=2026", t);
    assert_eq!(csv.header("X-Cache"), Some("hit"));
    let hours = format!(
        "Total;all;Ensemble des personnes;6;{};non",
        small_world_hours(6) / 100
    );
    assert!(csv.text.contains(&hours), "{}", csv.text);
    // A submitted figure: the data moved (a miss), the validated figures did not.
    let entry = new_entry(app, &w, "Nouvelle", 4250);
    let (submitted, cache) = report(app, YEAR_2026, t);
    assert_eq!(cache, "miss");
    assert_eq!(hundredths(&submitted), small_world_hours(6));
    // Its validation by the API: the next report counts it at once.
    decide(app, t, &[entry], true);
    let (validated, cache) = report(app, YEAR_2026, t);
    assert_eq!(cache, "miss");
    assert_eq!(hundredths(&validated), small_world_hours(6) + 4250);
    assert_eq!(
        validated["beneficiaries"].as_i64(),
        first["beneficiaries"].as_i64().map(|b| b + 1)
    );
    let (_, cache) = report(app, YEAR_2026, t);
    assert_eq!(cache, "hit");
    // A new placement, a write the figures without hours read (those were kept across the
    // validation, which moved hours only): counted at once.
    let contracts = validated["employment_contracts"]
        .as_i64()
        .expect("contracts");
    new_entry(app, &w, "Suivante", 1000);
    let (placed, cache) = report(app, YEAR_2026, t);
    assert_eq!(cache, "miss");
    assert_eq!(placed["employment_contracts"].as_i64(), Some(contracts + 1));
    assert_eq!(hundredths(&placed), small_world_hours(6) + 4250);
    // The other structure's kept report was not moved by figures it does not hold, and
    // still says its own.
    let (theirs_again, _) = report(app, YEAR_2026, &other.facilitator);
    assert_eq!(hundredths(&theirs_again), small_world_hours(5));
    // A funder of the structure: its own entry (suppressed figures), kept as well.
    app.cli_user("PLIE Cache", "funder", "f@cache.test", None, None);
    let funder = app.token("f@cache.test");
    let (f, cache) = report(app, YEAR_2026, &funder);
    assert_eq!(cache, "miss");
    assert_eq!(hundredths(&f), small_world_hours(6) + 4250);
    let (_, cache) = report(app, YEAR_2026, &funder);
    assert_eq!(cache, "hit");
});

/// The report of a second instance sharing the database, with its token.
fn report_on(client: &Client, token: &str) -> (Value, String) {
    let r = client
        .get(YEAR_2026)
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .dispatch();
    assert_eq!(r.status().code, 200);
    let cache = r
        .headers()
        .get_one("X-Cache")
        .unwrap_or_default()
        .to_string();
    let body: Value = serde_json::from_str(&r.into_string().unwrap_or_default()).expect("json");
    (body, cache)
}

/// Two instances on one PostgreSQL database, each with its own memory: a validation made
/// through one is in the other's next report.
#[test]
#[cfg_attr(not(postgres_tests), ignore = "CLAUSIER_TEST_POSTGRES_URL is not set")]
fn another_instance_sees_a_write_at_once() {
    let app = TestApp::postgres_required(|_| {});
    let w = small_world(&app, "PLIE Deux", 6, 1);
    let t = &w.facilitator;
    let b = Client::untracked(app.second_rocket()).expect("second instance");
    let (before, cache) = report_on(&b, t);
    assert_eq!(cache, "miss");
    assert_eq!(hundredths(&before), small_world_hours(6));
    let (_, cache) = report_on(&b, t);
    assert_eq!(cache, "hit");
    // Written through the first instance.
    let entry = new_entry(&app, &w, "Ailleurs", 3700);
    decide(&app, t, &[entry], true);
    let (after, cache) = report_on(&b, t);
    assert_eq!(
        cache, "miss",
        "the other instance's write moved the data version"
    );
    assert_eq!(hundredths(&after), small_world_hours(6) + 3700);
    let (_, cache) = report_on(&b, t);
    assert_eq!(cache, "hit");
}

/// Adds `work` hundredths to the 2026 total of the structure's first placement, by a
/// statement run on `conn` (another writer than the service: a second instance).
const ADD_TO_A_TOTAL: &str = "UPDATE placement_year_totals SET work = work + 1000 \
     WHERE year = 2026 AND placement_id = (SELECT MIN(placement_id) FROM placement_year_totals WHERE year = 2026)";

// The year's totals are kept in memory after the first report (`app::year_facts`) and
// brought up to date from the rows written since: a total written by another writer is in
// the next report.
on_both!(
    a_total_written_elsewhere_is_in_the_next_report,
    |app: &TestApp| {
        use diesel::RunQueryDsl;
        let w = small_world(app, "PLIE Ailleurs", 6, 1);
        let t = &w.facilitator;
        let (first, _) = report(app, YEAR_2026, t);
        assert_eq!(hundredths(&first), small_world_hours(6));
        diesel::sql_query(ADD_TO_A_TOTAL)
            .execute(&mut *app.database())
            .expect("update");
        let (after, cache) = report(app, YEAR_2026, t);
        assert_eq!(cache, "miss");
        assert_eq!(hundredths(&after), small_world_hours(6) + 1000);
        // A validation through the service after it: both counted.
        let entry = new_entry(app, &w, "Ensuite", 2500);
        decide(app, t, &[entry], true);
        let (last, _) = report(app, YEAR_2026, t);
        assert_eq!(hundredths(&last), small_world_hours(6) + 1000 + 2500);
        assert_eq!(
            last["beneficiaries"].as_i64(),
            first["beneficiaries"].as_i64().map(|b| b + 1)
        );
    }
);

/// On PostgreSQL, writers commit in any order: a transaction that wrote a total before a
/// report and committed after it, while a later transaction committed before the report,
/// is still read by the next report (the kept copy rereads every total written by a
/// transaction that had not ended when it was read).
#[test]
#[cfg_attr(not(postgres_tests), ignore = "CLAUSIER_TEST_POSTGRES_URL is not set")]
fn a_total_committed_late_by_an_older_transaction_is_in_the_next_report() {
    use diesel::{Connection, RunQueryDsl};
    let app = TestApp::postgres_required(|_| {});
    let w = small_world(&app, "PLIE Lent", 6, 1);
    let t = &w.facilitator;
    let (first, _) = report(&app, YEAR_2026, t);
    assert_eq!(hundredths(&first), small_world_hours(6));
    // The slow writer takes its transaction id first and keeps the transaction open.
    let mut slow = diesel::PgConnection::establish(&app.database_url).expect("postgres");
    diesel::sql_query("BEGIN")
        .execute(&mut slow)
        .expect("begin");
    diesel::sql_query(ADD_TO_A_TOTAL)
        .execute(&mut slow)
        .expect("update");
    // A later transaction (a validation through the service) commits first.
    let entry = new_entry(&app, &w, "Rapide", 3700);
    decide(&app, t, &[entry], true);
    let (between, cache) = report(&app, YEAR_2026, t);
    assert_eq!(cache, "miss");
    assert_eq!(hundredths(&between), small_world_hours(6) + 3700);
    diesel::sql_query("COMMIT")
        .execute(&mut slow)
        .expect("commit");
    let (after, cache) = report(&app, YEAR_2026, t);
    assert_eq!(cache, "miss");
    assert_eq!(hundredths(&after), small_world_hours(6) + 3700 + 1000);
}

/// A report request with these `Accept-Encoding` values: its status, headers and raw bytes.
fn report_encoded(
    app: &TestApp,
    token: &str,
    accept: &str,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let r = app
        .client
        .get(YEAR_2026)
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .header(rocket::http::Header::new(
            "Accept-Encoding",
            accept.to_string(),
        ))
        .dispatch();
    let headers = r
        .headers()
        .iter()
        .map(|h| (h.name().to_string(), h.value().to_string()))
        .collect();
    (r.status().code, headers, r.into_bytes().unwrap_or_default())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

on_both!(
    a_client_that_accepts_gzip_gets_the_same_report_compressed,
    |app: &TestApp| {
        use std::io::Read;
        let w = small_world(app, "PLIE Compressé", 6, 1);
        let t = &w.facilitator;
        let plain = app.get(YEAR_2026, t);
        assert_eq!(plain.status, 200, "{}", plain.text);
        assert_eq!(plain.header("Content-Encoding"), None);
        assert_eq!(plain.header("Vary"), Some("Accept-Encoding"));
        // From memory and compressed: the very JSON of the plain answer.
        let (status, headers, bytes) = report_encoded(app, t, "br;q=1.0, gzip;q=0.8");
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "Content-Encoding"), Some("gzip"));
        assert_eq!(header(&headers, "Vary"), Some("Accept-Encoding"));
        assert_eq!(header(&headers, "X-Cache"), Some("hit"));
        assert_eq!(header(&headers, "Content-Type"), Some("application/json"));
        assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip stream");
        let mut json = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut json)
            .expect("gzip");
        assert_eq!(json, plain.text);
        assert!(
            bytes.len() < plain.text.len(),
            "{} bytes for {}",
            bytes.len(),
            plain.text.len()
        );
        // Refused by weight, or not named: the plain JSON.
        for accept in ["gzip;q=0", "identity", "*, gzip;q=0"] {
            let (status, headers, bytes) = report_encoded(app, t, accept);
            assert_eq!(status, 200);
            assert_eq!(header(&headers, "Content-Encoding"), None, "{accept}");
            assert_eq!(
                String::from_utf8(bytes).expect("utf-8"),
                plain.text,
                "{accept}"
            );
        }
        // After a write: computed again, and compressed again from the new figures.
        let entry = new_entry(app, &w, "Après", 1500);
        decide(app, t, &[entry], true);
        let (_, headers, bytes) = report_encoded(app, t, "gzip");
        assert_eq!(header(&headers, "X-Cache"), Some("miss"));
        let body: Value =
            serde_json::from_reader(flate2::read::GzDecoder::new(&bytes[..])).expect("json");
        assert_eq!(hundredths(&body), small_world_hours(6) + 1500);
    }
);
