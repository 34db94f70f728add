//! Demo and benchmark data: deterministic, and consistent with the maintained totals.

use clausier::seed::{generate, Scale, SeedOptions};
use diesel::prelude::*;

use crate::common::TestApp;
use crate::on_both;

/// validated work, validated training, work, training, status
type EntryRow = (Option<i64>, Option<i64>, i64, i64, String);

fn seeded(app: &TestApp, scale: Scale, seed: u64) -> clausier::seed::SeedReport {
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
        1,
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    let options = SeedOptions {
        scale,
        years: 1,
        seed,
        last_month: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        password_hash: clausier::auth::password::hash_password(crate::common::PASSWORD).unwrap(),
        open_placements: if scale == Scale::Demo { 0 } else { 20 },
    };
    generate(&mut conn, &options).unwrap()
}

on_both!(demo_data_is_usable_through_the_api, |app: &TestApp| {
    let report = seeded(app, Scale::Demo, 7);
    assert!(report.persons >= 100, "{report:?}");
    let facilitator = report
        .users
        .iter()
        .find(|(r, _)| r == "facilitator")
        .unwrap()
        .1
        .clone();
    let token = app.token(&facilitator);
    let clauses = app.get("/api/v1/clauses", &token);
    assert_eq!(clauses.body["total"], 14);
    let participants = app.get("/api/v1/participants?limit=5", &token);
    assert_eq!(
        participants.body["total"].as_i64().unwrap() as usize,
        report.persons
    );
    let clause = clauses.body["items"][0]["id"].as_i64().unwrap();
    let progress = app.get(
        &format!("/api/v1/clauses/{clause}/progress?on=2026-10-31"),
        &token,
    );
    assert_eq!(progress.status, 200, "{}", progress.text);
    // A second run refuses to mix generated data into existing data.
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
        1,
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    let again = generate(
        &mut conn,
        &SeedOptions {
            scale: Scale::Demo,
            years: 1,
            seed: 7,
            last_month: chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            password_hash: String::new(),
            open_placements: 0,
        },
    );
    assert_eq!(again.err().map(|e| e.status), Some(409));
});

on_both!(
    departement_data_matches_its_maintained_totals,
    |app: &TestApp| {
        let report = seeded(app, Scale::Departement, 3);
        // Orders of magnitude of Seine-Saint-Denis: about 1.5 million hours, 3 000 persons.
        assert!(
            (1_300_000..1_700_000).contains(&(report.validated_hours / 100)),
            "{report:?}"
        );
        assert_eq!(report.persons, 3000);
        use clausier::db::schema::{
            assignment_month_totals as amt, hour_entries as he, placement_year_totals as pyt,
        };
        let pool = clausier::db::build_pool(
            &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
            1,
        )
        .unwrap();
        let mut conn = pool.get().unwrap();
        // Independent sums in Rust over the raw entries.
        let entries: Vec<EntryRow> = he::table
            .select((
                he::validated_work,
                he::validated_training,
                he::work_hours,
                he::training_hours,
                he::status,
            ))
            .load(&mut *conn)
            .unwrap();
        let validated: i64 = entries
            .iter()
            .map(|e| e.0.unwrap_or(0) + e.1.unwrap_or(0))
            .sum();
        let pending: i64 = entries
            .iter()
            .filter(|e| e.4 == "submitted")
            .map(|e| e.2 + e.3)
            .sum();
        let year_rows: Vec<(i64, i64)> = pyt::table
            .select((pyt::work, pyt::training))
            .load(&mut *conn)
            .unwrap();
        let month_rows: Vec<(i64, i64)> = amt::table
            .select((amt::validated, amt::pending))
            .load(&mut *conn)
            .unwrap();
        assert_eq!(validated, report.validated_hours);
        assert_eq!(year_rows.iter().map(|r| r.0 + r.1).sum::<i64>(), validated);
        assert_eq!(month_rows.iter().map(|r| r.0).sum::<i64>(), validated);
        assert_eq!(month_rows.iter().map(|r| r.1).sum::<i64>(), pending);
    }
);

/// What a seeded database holds, in id order: people and monthly figures.
type Digest = (
    Vec<(
        Option<String>,
        Option<String>,
        Option<chrono::NaiveDate>,
        String,
    )>,
    Vec<(i64, String, i64, Option<i64>)>,
);

fn digest(app: &TestApp, seed: u64) -> Digest {
    use clausier::db::schema::{hour_entries as he, participants as pa};
    seeded(app, Scale::Demo, seed);
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
        1,
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    let people = pa::table
        .order(pa::id)
        .select((pa::first_name, pa::last_name, pa::birth_date, pa::sex))
        .load(&mut *conn)
        .unwrap();
    let entries = he::table
        .order(he::id)
        .select((
            he::placement_id,
            he::month,
            he::work_hours,
            he::validated_work,
        ))
        .load(&mut *conn)
        .unwrap();
    (people, entries)
}

on_both!(the_same_seed_makes_the_same_data, |app: &TestApp| {
    // Another empty database of the same backend.
    let fresh = || {
        if app.database_url.starts_with("postgres") {
            TestApp::postgres().expect("postgres")
        } else {
            TestApp::sqlite()
        }
    };
    let first = digest(app, 7);
    assert!(!first.0.is_empty() && !first.1.is_empty());
    assert_eq!(digest(&fresh(), 7), first);
    assert_ne!(digest(&fresh(), 8), first, "another seed, other data");
});
