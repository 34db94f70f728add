//! A national year for the annual report (docs/domain.md#orders-of-magnitude: 75 000 placements,
//! 57 000 persons, 58 000 contracts with a clause, 300 structures), written straight into
//! the database, then the report timed through the library and through HTTP, national
//! (funder `all`) and for one structure. Ignored by default; run it with
//!
//!     cargo test --test api reports_bench -- --ignored --nocapture
//!
//! (add `--release` for the figures a deployment sees; set CLAUSIER_TEST_POSTGRES_URL for
//! PostgreSQL too).

use std::fmt::Write;
use std::time::Instant;

use diesel::connection::SimpleConnection;

use crate::common::TestApp;

const STRUCTURES: i64 = 300;
const CONTRACTS: i64 = 58_000;
const PERSONS: i64 = 57_000;
const PLACEMENTS: i64 = 75_000;

/// A small deterministic generator.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Inserts rows in batches of 500 per statement, in one transaction.
fn insert(sql: &mut String, table: &str, columns: &str, rows: impl Iterator<Item = String>) {
    let mut batch = Vec::new();
    let flush = |sql: &mut String, batch: &mut Vec<String>| {
        if !batch.is_empty() {
            let _ = writeln!(
                sql,
                "INSERT INTO {table} ({columns}) VALUES {};",
                batch.join(",")
            );
            batch.clear();
        }
    };
    for row in rows {
        batch.push(row);
        if batch.len() == 500 {
            flush(sql, &mut batch);
        }
    }
    flush(sql, &mut batch);
}

fn populate(app: &TestApp) {
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
        1,
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    let mut rng = Lcg(42);
    let mut sql = String::from("BEGIN;\n");
    let ts = "'2026-01-01 00:00:00'";
    insert(
        &mut sql,
        "structures",
        "id, name, created_at",
        (1..=STRUCTURES).map(|s| format!("({s}, 'Structure {s}', {ts})")),
    );
    insert(
        &mut sql,
        "users",
        "id, structure_id, email, password_hash, role, created_at",
        (1..=STRUCTURES)
            .map(|s| format!("({s}, {s}, 'u{s}@bench.test', 'x', 'facilitator', {ts})")),
    );
    // 12 buyers and 50 contractors per structure.
    let buyers = |s: i64| (s - 1) * 62 + 1;
    let contractors = |s: i64| (s - 1) * 62 + 13;
    let territory = |s: i64| format!("{:02}", 1 + (s % 90));
    insert(
        &mut sql,
        "organisations",
        "id, structure_id, kind, name, identifier_type, identifier, territory, created_at",
        (1..=STRUCTURES).flat_map(|s| {
            (0..62).map(move |k| {
                let id = (s - 1) * 62 + 1 + k;
                let kind = if k < 12 { "buyer" } else { "contractor" };
                format!(
                    "({id}, {s}, '{kind}', 'Org {id}', 'SIRET', '{id:014}', '{}', {ts})",
                    territory(s)
                )
            })
        }),
    );
    let per_structure = CONTRACTS / STRUCTURES;
    let mut contract_rows = Vec::new();
    let mut clause_rows = Vec::new();
    let mut assignment_rows = Vec::new();
    let mut assignments: Vec<(i64, i64, i64, i64, i64)> = Vec::new(); // (id, s, clause, contractor, buyer)
    let mut id = 0;
    for s in 1..=STRUCTURES {
        for _ in 0..per_structure {
            id += 1;
            let buyer = buyers(s) + rng.next(12) as i64;
            let social = if rng.next(3) == 0 {
                "clause_sociale"
            } else {
                ""
            };
            let notified = format!("2025-{:02}-{:02}", 1 + rng.next(12), 1 + rng.next(28));
            contract_rows.push(format!(
                "({id}, {s}, {buyer}, 'R{id}', 'Marché {id}', 'works', '45{:06}', 100000000, '{notified}', '2026-01-01', '2026-12-31', '{social}', {ts}, {ts})",
                rng.next(1_000_000)
            ));
            let kind = [
                "execution_condition",
                "award_criterion",
                "reserved_contract",
                "insertion_purpose",
            ][rng.next(4) as usize];
            clause_rows.push(format!(
                "({id}, {s}, {id}, '{kind}', 'active', 'fixed', '{{}}', '', 50000, 50000, '2026-01-01', '2026-12-31', 'monthly', '{}', 'Europe/Paris', {ts}, {ts})",
                territory(s)
            ));
            let contractor = contractors(s) + rng.next(50) as i64;
            assignment_rows.push(format!(
                "({id}, {s}, {id}, {contractor}, 'holder', 50000, {ts})"
            ));
            assignments.push((id, s, id, contractor, buyer));
        }
    }
    insert(
        &mut sql,
        "contracts",
        "id, structure_id, buyer_id, reference, title, kind, cpv_code, amount_cents, notified_on, starts_on, ends_on, social_considerations, created_at, updated_at",
        contract_rows.into_iter(),
    );
    insert(
        &mut sql,
        "clauses",
        "id, structure_id, contract_id, kind, status, method, calibration, explanation, computed_hours, required_hours, starts_on, ends_on, reporting_frequency, territory, time_zone, created_at, updated_at",
        clause_rows.into_iter(),
    );
    insert(
        &mut sql,
        "assignments",
        "id, structure_id, clause_id, contractor_id, role, hours_target, created_at",
        assignment_rows.into_iter(),
    );
    let persons_per_structure = PERSONS / STRUCTURES;
    let sexes = ["female", "male"];
    let quals = ["none", "1", "2", "3", "4", "5"];
    let mut person_rows = Vec::new();
    let mut people: Vec<(i64, i64, &str, &str, bool)> = Vec::new();
    for p in 1..=PERSONS {
        let s = ((p - 1) / persons_per_structure).min(STRUCTURES - 1) + 1;
        let sex = sexes[rng.next(2) as usize];
        let qual = quals[rng.next(6) as usize];
        let qpv = rng.next(4) == 0;
        person_rows.push(format!(
            "({p}, {s}, 'P', 'P{p}', '1985-01-01', 1985, '{sex}', {}, '{qual}', '2026-06-01', {ts}, {ts})",
            if qpv { "TRUE" } else { "FALSE" }
        ));
        people.push((p, s, sex, qual, qpv));
    }
    insert(
        &mut sql,
        "participants",
        "id, structure_id, first_name, last_name, birth_date, birth_year, sex, qpv, qualification_level, last_activity_on, created_at, updated_at",
        person_rows.into_iter(),
    );
    let criteria = [
        "rsa",
        "detld",
        "deld,qpv",
        "youth_low_qualification",
        "rqth",
        "senior,rsa",
        "pass_iae",
    ];
    let modalities = [
        "direct_hire",
        "insertion_temp_agency",
        "geiq",
        "training",
        "subcontract_siae",
        "temp_agency",
    ];
    let ages = ["under_26", "26_49", "50_plus"];
    let mut placement_rows = Vec::new();
    let mut year_rows = Vec::new();
    for pl in 1..=PLACEMENTS {
        // Every person has one placement; the rest go to random persons.
        let person = if pl <= PERSONS {
            pl
        } else {
            1 + rng.next(PERSONS as u64) as i64
        };
        let (p, s, sex, qual, qpv) = people[(person - 1) as usize];
        let structure_assignments = (s - 1) * per_structure;
        let (a, _, clause, contractor, buyer) =
            assignments[(structure_assignments + rng.next(per_structure as u64) as i64) as usize];
        let modality = modalities[rng.next(6) as usize];
        let start = format!("2026-{:02}-01", 1 + rng.next(9));
        let exit = if rng.next(3) == 0 {
            "'2026-10-31', 'durable_employment'".to_string()
        } else {
            "NULL, NULL".to_string()
        };
        placement_rows.push(format!(
            "({pl}, {s}, {p}, {a}, {clause}, {contractor}, {contractor}, '{modality}', 'cddi', 'Agent', '{start}', '2026-12-31', 3500, '{}', '{sex}', '{qual}', {}, '{}', '{}', {buyer}, 'execution_condition', '45', {exit}, {s}, {ts})",
            ages[rng.next(3) as usize],
            if qpv { "TRUE" } else { "FALSE" },
            criteria[rng.next(7) as usize],
            territory(s),
        ));
        // 24.5 M hours over 75 000 placements: about 327 h each.
        let work = 20_000 + rng.next(25_000) as i64;
        let training = if modality == "training" { 5_000 } else { 0 };
        year_rows.push(format!("({pl}, 2026, {s}, {work}, {training})"));
        if rng.next(3) != 0 {
            year_rows.push(format!(
                "({pl}, 2025, {s}, {}, 0)",
                10_000 + rng.next(20_000)
            ));
        }
    }
    insert(
        &mut sql,
        "placements",
        "id, structure_id, participant_id, assignment_id, clause_id, contractor_id, employer_id, modality, contract_type, job_title, starts_on, ends_on, weekly_hours, age_band, sex, qualification_level, qpv, criteria, territory, buyer_id, clause_kind, sector, exit_on, exit_outcome, created_by, created_at",
        placement_rows.into_iter(),
    );
    // The yearly totals carry the placement's snapshot: write the figures, then copy it.
    sql.push_str("CREATE TEMPORARY TABLE year_raw (placement_id BIGINT, year INTEGER, structure_id BIGINT, work BIGINT, training BIGINT);\n");
    insert(
        &mut sql,
        "year_raw",
        "placement_id, year, structure_id, work, training",
        year_rows.into_iter(),
    );
    sql.push_str(
        "INSERT INTO placement_year_totals SELECT r.placement_id, r.year, r.structure_id, r.work, r.training, \
         p.participant_id, p.starts_on, p.sex, p.age_band, p.criteria, p.qualification_level, p.qpv, p.modality, \
         p.contract_type, p.sector, p.buyer_id, p.contractor_id, p.clause_kind, p.territory \
         FROM year_raw r JOIN placements p ON p.id = r.placement_id;\n",
    );
    sql.push_str("COMMIT;\n");
    let started = Instant::now();
    conn.batch_execute(&sql).unwrap();
    if app.backend == crate::common::Backend::Postgres {
        // Rows were written with their ids: move the sequences past them.
        for table in [
            "structures",
            "users",
            "organisations",
            "contracts",
            "clauses",
            "assignments",
            "participants",
            "placements",
        ] {
            conn.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}));"
            ))
            .unwrap();
        }
    }
    conn.batch_execute("ANALYZE;").unwrap();
    // CLAUSIER_BENCH_SQLITE_COPY=path keeps a copy of the SQLite database, to study the
    // queries with the sqlite3 shell.
    if let (Ok(path), true) = (
        std::env::var("CLAUSIER_BENCH_SQLITE_COPY"),
        app.backend == crate::common::Backend::Sqlite,
    ) {
        let _ = std::fs::remove_file(&path);
        conn.batch_execute(&format!("VACUUM INTO '{path}';"))
            .unwrap();
    }
    eprintln!("populated in {:.1}s", started.elapsed().as_secs_f64());
}

fn time(label: &str, mut f: impl FnMut()) {
    f(); // warm
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    eprintln!("{label}: best of 5 {best:.0} ms");
}

fn bench(app: &TestApp) {
    populate(app);
    app.cli_user(
        "Structure 1",
        "funder",
        "national@bench.test",
        None,
        Some("all"),
    );
    app.cli_user("Structure 1", "funder", "own@bench.test", None, None);
    let national = app.token("national@bench.test");
    let own = app.token("own@bench.test");
    let r = app.get("/api/v1/reports/annual?year=2026", &national);
    assert_eq!(r.status, 200, "{}", r.text);
    eprintln!(
        "{:?}: national 2026: {} h, {} persons, {} ETP, {} contracts",
        app.backend,
        r.body["hours"],
        r.body["beneficiaries"],
        r.body["fte"],
        r.body["pnad"]["contracts_notified"]
    );
    assert!(r.body["beneficiaries"].as_i64().unwrap() >= PERSONS);
    time(&format!("{:?} HTTP national year", app.backend), || {
        assert_eq!(
            app.get("/api/v1/reports/annual?year=2026", &national)
                .status,
            200
        );
    });
    time(&format!("{:?} HTTP one structure", app.backend), || {
        assert_eq!(
            app.get("/api/v1/reports/annual?year=2026", &own).status,
            200
        );
    });
    time(
        &format!(
            "{:?} HTTP national semester (monthly figures: none here)",
            app.backend
        ),
        || {
            assert_eq!(
                app.get("/api/v1/reports/annual?from=2026-01&to=2026-06", &national)
                    .status,
                200
            );
        },
    );
    // Where the time goes, national.
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
        1,
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    let scope = clausier::store::reports::ReportScope::default();
    let period = clausier::domain::period::Period::year(2026);
    let mut rows = Vec::new();
    time(&format!("{:?}   fact rows", app.backend), || {
        rows = clausier::store::reports::fact_rows(&mut conn, &scope, &period).unwrap();
    });
    time(&format!("{:?}   compute", app.backend), || {
        let _ = clausier::domain::report::compute(&rows);
    });
    time(&format!("{:?}   previous totals", app.backend), || {
        let _ = clausier::store::reports::totals(&mut conn, &scope, &period.previous()).unwrap();
    });
    time(&format!("{:?}   clauses", app.backend), || {
        let _ = clausier::store::reports::clause_figures(&mut conn, &scope, &period).unwrap();
    });
    time(
        &format!("{:?}   employment contracts + exits", app.backend),
        || {
            let _ =
                clausier::store::reports::employment_contracts(&mut conn, &scope, &period).unwrap();
            let _ = clausier::store::reports::exits(&mut conn, &scope, &period).unwrap();
        },
    );
    time(&format!("{:?}   pnad", app.backend), || {
        let _ =
            clausier::store::reports::pnad_by_buyer(&mut conn, &scope, &period.previous()).unwrap();
    });
}

#[test]
#[ignore = "benchmark: a national year; run with --ignored --nocapture"]
fn national_year() {
    bench(&TestApp::sqlite());
    if let Some(app) = TestApp::postgres() {
        bench(&app);
    }
}
