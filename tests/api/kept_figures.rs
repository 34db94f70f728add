//! The figures kept per year (issue 21): after each step of a mixed sequence of changes made
//! through the API (contracts notified and corrected, clauses created, activated, corrected,
//! completed and cancelled, assignment targets corrected, handed over and removed, hours
//! validated and amended), the kept rows (`clause_years`, `contract_years`) equal a
//! recomputation here from the raw tables, and the report's figures equal the figures
//! computed here from what the test did.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use clausier::config::DatabaseUrl;
use clausier::db::schema::{assignments, clause_years, clauses, contract_years, contracts};
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, org, World, SIRETS};
use crate::on_both;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn hundredths(v: &Value) -> i64 {
    let n = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    (n * 100.0).round() as i64
}

/// `hours` spread evenly over the days from `starts` to `ends` (both included), times the
/// days inside `[from, to]`, rounded half up; all of it when wholly inside.
fn share(
    hours: i64,
    (starts, ends): (NaiveDate, NaiveDate),
    (from, to): (NaiveDate, NaiveDate),
) -> i64 {
    if ends < from || starts > to || hours <= 0 || starts > ends {
        return 0;
    }
    let total = (ends - starts).num_days() + 1;
    let inside = (ends.min(to) - starts.max(from)).num_days() + 1;
    if inside == total {
        return hours;
    }
    // Half up: hours * inside / total + 1/2, in integers.
    (hours * inside * 2 + total) / (total * 2)
}

fn year_bounds(y: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(y, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(y, 12, 31).unwrap(),
    )
}

// ---------------------------------------------------------------------------------------
// The kept rows against the raw tables
// ---------------------------------------------------------------------------------------

/// A `clause_years` row as loaded (13 columns).
type ClauseYearRow = (
    i32,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    NaiveDate,
    NaiveDate,
    i32,
    i64,
    i64,
);
/// The same, nested so that it compares and prints: (year, assignment, clause, contractor),
/// (structure, contract, territory, kind), (starts, ends, first year, hours, prorated).
type ClauseYear = (
    (i32, i64, i64, i64),
    (i64, i64, String, String),
    (NaiveDate, NaiveDate, i32, i64, i64),
);

fn nested(r: ClauseYearRow) -> ClauseYear {
    (
        (r.0, r.1, r.2, r.3),
        (r.4, r.5, r.6, r.7),
        (r.8, r.9, r.10, r.11, r.12),
    )
}
type ContractYear = (i32, i64, i64, i64, NaiveDate, bool, bool);

fn connection(app: &TestApp) -> clausier::db::PooledConn {
    clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 1)
        .expect("pool")
        .get()
        .expect("conn")
}

/// Compares the kept rows with a recomputation from clauses, assignments and contracts.
fn assert_kept_rows_exact(app: &TestApp, step: &str) {
    let mut conn = connection(app);
    type RawClause = (
        i64,
        i64,
        i64,
        String,
        String,
        String,
        NaiveDate,
        NaiveDate,
        i64,
    );
    let raw: Vec<RawClause> = clauses::table
        .select((
            clauses::id,
            clauses::structure_id,
            clauses::contract_id,
            clauses::territory,
            clauses::kind,
            clauses::status,
            clauses::starts_on,
            clauses::ends_on,
            clauses::required_hours,
        ))
        .load(&mut conn)
        .expect("clauses");
    let raw_assignments: Vec<(i64, i64, i64, i64)> = assignments::table
        .select((
            assignments::id,
            assignments::clause_id,
            assignments::contractor_id,
            assignments::hours_target,
        ))
        .load(&mut conn)
        .expect("assignments");
    let mut expected: Vec<ClauseYear> = Vec::new();
    for (id, structure, contract, territory, kind, status, starts, ends, required) in &raw {
        if !(status == "active" || status == "completed") || starts > ends {
            continue;
        }
        let mut spans = vec![(0, 0, *required)];
        spans.extend(
            raw_assignments
                .iter()
                .filter(|a| a.1 == *id)
                .map(|a| (a.0, a.2, a.3)),
        );
        for (assignment, contractor, hours) in spans {
            for y in starts.year()..=ends.year() {
                expected.push(nested((
                    y,
                    assignment,
                    *id,
                    contractor,
                    *structure,
                    *contract,
                    territory.clone(),
                    kind.clone(),
                    *starts,
                    *ends,
                    starts.year(),
                    hours,
                    share(hours, (*starts, *ends), year_bounds(y)),
                )));
            }
        }
    }
    expected.sort();
    let kept: Vec<ClauseYearRow> = clause_years::table
        .select((
            clause_years::year,
            clause_years::assignment_id,
            clause_years::clause_id,
            clause_years::contractor_id,
            clause_years::structure_id,
            clause_years::contract_id,
            clause_years::territory,
            clause_years::kind,
            clause_years::starts_on,
            clause_years::ends_on,
            clause_years::first_year,
            clause_years::hours,
            clause_years::prorated,
        ))
        .load(&mut conn)
        .expect("clause_years");
    let mut kept: Vec<ClauseYear> = kept.into_iter().map(nested).collect();
    kept.sort();
    assert_eq!(kept, expected, "clause_years after {step}");

    let raw_contracts: Vec<(i64, i64, i64, Option<NaiveDate>, String, String)> = contracts::table
        .select((
            contracts::id,
            contracts::structure_id,
            contracts::buyer_id,
            contracts::notified_on,
            contracts::social_considerations,
            contracts::environmental_considerations,
        ))
        .load(&mut conn)
        .expect("contracts");
    let mut expected: Vec<ContractYear> = raw_contracts
        .iter()
        .filter_map(|(id, structure, buyer, notified, social, env)| {
            let notified = (*notified)?;
            let live_clause = raw.iter().any(|c| c.2 == *id && c.5 != "cancelled");
            Some((
                notified.year(),
                *id,
                *structure,
                *buyer,
                notified,
                !social.is_empty() || live_clause,
                !env.is_empty(),
            ))
        })
        .collect();
    expected.sort();
    let mut kept: Vec<ContractYear> = contract_years::table
        .select((
            contract_years::year,
            contract_years::contract_id,
            contract_years::structure_id,
            contract_years::buyer_id,
            contract_years::notified_on,
            contract_years::social,
            contract_years::environmental,
        ))
        .load(&mut conn)
        .expect("contract_years");
    kept.sort();
    assert_eq!(kept, expected, "contract_years after {step}");
}

// ---------------------------------------------------------------------------------------
// What the test did, and the report's figures computed from it
// ---------------------------------------------------------------------------------------

struct Clause {
    id: i64,
    contract: i64,
    status: &'static str,
    dates: (NaiveDate, NaiveDate),
    required: i64,
    /// (assignment id, contractor, target in hundredths)
    assignments: Vec<(i64, i64, i64)>,
}

struct Contract {
    id: i64,
    buyer: i64,
    notified: NaiveDate,
    declared_social: bool,
    environmental: bool,
    holders: Vec<i64>,
}

#[derive(Default)]
struct Model {
    clauses: Vec<Clause>,
    contracts: Vec<Contract>,
    /// Validated hours (hundredths) of each person by month (`YYYY-MM`), with the
    /// placement's contractor and buyer.
    hours: Vec<(i64, String, i64, i64, i64)>,
}

#[derive(Debug, PartialEq, Eq)]
struct Figures {
    clauses: i64,
    contracts: i64,
    required: i64,
    notified: i64,
    social: i64,
    environmental: i64,
    hours: i64,
    beneficiaries: i64,
}

#[derive(Clone, Copy, Default)]
struct Filter {
    buyer: Option<i64>,
    contractor: Option<i64>,
}

impl Model {
    fn clause(&mut self, id: i64) -> &mut Clause {
        self.clauses.iter_mut().find(|c| c.id == id).unwrap()
    }

    fn buyer_of(&self, contract: i64) -> i64 {
        self.contracts
            .iter()
            .find(|c| c.id == contract)
            .unwrap()
            .buyer
    }

    fn expected(&self, period: (NaiveDate, NaiveDate), f: Filter) -> Figures {
        let (from, to) = period;
        let in_execution = self.clauses.iter().filter(|c| {
            (c.status == "active" || c.status == "completed")
                && c.dates.0 <= to
                && c.dates.1 >= from
                && f.buyer.is_none_or(|b| self.buyer_of(c.contract) == b)
        });
        let (mut clauses, mut required, mut contracts) = (0, 0, BTreeSet::new());
        for c in in_execution {
            match f.contractor {
                None => {
                    clauses += 1;
                    required += share(c.required, c.dates, period);
                    contracts.insert(c.contract);
                }
                Some(k) => {
                    for (_, _, target) in c.assignments.iter().filter(|a| a.1 == k) {
                        clauses += 1;
                        required += share(*target, c.dates, period);
                        contracts.insert(c.contract);
                    }
                }
            }
        }
        let notified: Vec<&Contract> = self
            .contracts
            .iter()
            .filter(|k| k.notified >= from && k.notified <= to)
            .filter(|k| f.buyer.is_none_or(|b| k.buyer == b))
            .filter(|k| f.contractor.is_none_or(|c| k.holders.contains(&c)))
            .collect();
        let social = notified
            .iter()
            .filter(|k| {
                k.declared_social
                    || self
                        .clauses
                        .iter()
                        .any(|c| c.contract == k.id && c.status != "cancelled")
            })
            .count() as i64;
        let months = (
            from.format("%Y-%m").to_string(),
            to.format("%Y-%m").to_string(),
        );
        let hours: Vec<&(i64, String, i64, i64, i64)> = self
            .hours
            .iter()
            .filter(|(_, m, h, _, _)| *m >= months.0 && *m <= months.1 && *h > 0)
            .filter(|h| f.contractor.is_none_or(|c| h.3 == c))
            .filter(|h| f.buyer.is_none_or(|b| h.4 == b))
            .collect();
        Figures {
            clauses,
            contracts: contracts.len() as i64,
            required,
            notified: notified.len() as i64,
            social,
            environmental: notified.iter().filter(|k| k.environmental).count() as i64,
            hours: hours.iter().map(|h| h.2).sum(),
            beneficiaries: hours.iter().map(|h| h.0).collect::<BTreeSet<_>>().len() as i64,
        }
    }
}

fn observed(r: &Value) -> Figures {
    let n = |v: &Value| v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"));
    Figures {
        clauses: n(&r["clauses"]),
        contracts: n(&r["contracts"]),
        required: hundredths(&r["required_hours"]),
        notified: n(&r["pnad"]["contracts_notified"]),
        social: n(&r["pnad"]["with_social_consideration"]),
        environmental: n(&r["pnad"]["with_environmental_consideration"]),
        hours: hundredths(&r["hours"]),
        beneficiaries: n(&r["beneficiaries"]),
    }
}

/// The kept rows exact, and the report's figures as computed here: each calendar year from
/// 2025 to 2027, two whole years, a period across a year's end, and a contractor's and a
/// buyer's 2026.
fn check(app: &TestApp, w: &World, m: &Model, step: &str) {
    assert_kept_rows_exact(app, step);
    let month_end = |y: i32, mo: u32| {
        NaiveDate::from_ymd_opt(y + i32::from(mo == 12), mo % 12 + 1, 1)
            .unwrap()
            .pred_opt()
            .unwrap()
    };
    let mut asks: Vec<(String, (NaiveDate, NaiveDate), Filter)> = (2025..=2027)
        .map(|y| (format!("year={y}"), year_bounds(y), Filter::default()))
        .collect();
    asks.push((
        "from=2025-01&to=2026-12".into(),
        (date("2025-01-01"), date("2026-12-31")),
        Filter::default(),
    ));
    asks.push((
        "from=2026-03&to=2027-02".into(),
        (date("2026-03-01"), month_end(2027, 2)),
        Filter::default(),
    ));
    for (contractor, name) in [(w.contractor_a, "A"), (w.contractor_b, "B")] {
        let f = Filter {
            contractor: Some(contractor),
            ..Filter::default()
        };
        asks.push((
            format!("year=2026&contractor_id={contractor}"),
            year_bounds(2026),
            f,
        ));
        let _ = name;
    }
    let buyers: BTreeSet<i64> = m.contracts.iter().map(|c| c.buyer).collect();
    for b in buyers {
        let f = Filter {
            buyer: Some(b),
            ..Filter::default()
        };
        asks.push((format!("year=2026&buyer_id={b}"), year_bounds(2026), f));
    }
    for (query, period, filter) in asks {
        let r = app.get(&format!("/api/v1/reports/annual?{query}"), &w.facilitator);
        assert_eq!(r.status, 200, "{step}, {query}: {}", r.text);
        assert_eq!(
            observed(&r.body),
            m.expected(period, filter),
            "{step}, {query}"
        );
    }
}

/// PATCHes a record with its current ETag; the correction must be accepted.
fn correct(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let etag = app
        .get_ok(path, token)
        .header("etag")
        .expect("an etag")
        .to_string();
    let r = app.patch(path, token, body, Some(&etag));
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.body
}

fn post_ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app.post(path, token, body);
    assert!(r.status == 200 || r.status == 201, "{path}: {}", r.text);
    r.body
}

on_both!(
    kept_figures_stay_exact_through_a_mixed_sequence_of_changes,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        // Another structure's clauses and contracts: kept too, never in PLIE's figures.
        let other = fixtures::world(app, "Autre");
        let _ = other;
        let mut m = Model::default();
        m.contracts.push(Contract {
            id: w.contract,
            buyer: w.buyer,
            notified: date("2025-12-01"),
            declared_social: true,
            environmental: false,
            holders: vec![w.contractor_a],
        });
        m.clauses.push(Clause {
            id: w.clause,
            contract: w.contract,
            status: "active",
            dates: (date("2026-01-01"), date("2026-12-31")),
            required: 83_300,
            assignments: vec![
                (w.assignment_a, w.contractor_a, 50_000),
                (w.assignment_b, w.contractor_b, 33_300),
            ],
        });
        check(app, &w, &m, "the fixture");

        // A second buyer's contract notified in 2026, environmental only.
        let buyer2 = org(
            app,
            &w.admin,
            "buyer",
            "Département de Paris",
            Some(SIRETS[3]),
            Some("75"),
        );
        let c2 = post_ok(
        app,
        &w.admin,
        "/api/v1/contracts",
        json!({"buyer_id": buyer2, "reference": "2026-002", "title": "Voirie",
               "kind": "works", "cpv_code": "45233140", "amount_eur": 1000000,
               "notified_on": "2026-01-10", "starts_on": "2025-06-01", "ends_on": "2027-12-31",
               "social_considerations": [], "environmental_considerations": ["clause_environnementale"]}),
    )["id"]
        .as_i64()
        .unwrap();
        m.contracts.push(Contract {
            id: c2,
            buyer: buyer2,
            notified: date("2026-01-10"),
            declared_social: false,
            environmental: true,
            holders: vec![],
        });
        check(app, &w, &m, "a contract notified");

        // A draft clause across three years: a social consideration, not yet in execution.
        let k2 = fixtures::clause(app, &w.admin, c2, "2026-02-01", "2027-06-30", None);
        m.clauses.push(Clause {
            id: k2,
            contract: c2,
            status: "draft",
            dates: (date("2026-02-01"), date("2027-06-30")),
            required: 83_300,
            assignments: vec![],
        });
        check(app, &w, &m, "a draft clause");

        // Assigned and activated.
        let a2 = fixtures::assign(app, &w.admin, k2, w.contractor_a, "holder", 200);
        let b2 = fixtures::assign(app, &w.admin, k2, w.contractor_b, "subcontractor", 100);
        m.clause(k2).assignments = vec![(a2, w.contractor_a, 20_000), (b2, w.contractor_b, 10_000)];
        check(app, &w, &m, "assignments of a draft");
        fixtures::activate(app, &w.admin, k2);
        m.clause(k2).status = "active";
        check(app, &w, &m, "activation");

        // The contract's notification moved to 2025 and its buyer corrected; then the clause's
        // dates moved to start in 2025.
        correct(
            app,
            &w.admin,
            &format!("/api/v1/contracts/{c2}"),
            json!({"notified_on": "2025-12-20", "buyer_id": w.buyer, "reason": "Saisie"}),
        );
        let c = m.contracts.iter_mut().find(|c| c.id == c2).unwrap();
        c.notified = date("2025-12-20");
        c.buyer = w.buyer;
        check(app, &w, &m, "a contract corrected");
        correct(
            app,
            &w.admin,
            &format!("/api/v1/clauses/{k2}"),
            json!({"starts_on": "2025-12-22", "ends_on": "2026-09-30", "reason": "Ordre de service"}),
        );
        m.clause(k2).dates = (date("2025-12-22"), date("2026-09-30"));
        check(app, &w, &m, "a clause's dates corrected");

        // A target corrected; an assignment removed.
        correct(
            app,
            &w.facilitator,
            &format!("/api/v1/assignments/{}", w.assignment_a),
            json!({"hours_target": 420.5}),
        );
        m.clause(w.clause).assignments[0].2 = 42_050;
        check(app, &w, &m, "a target corrected");
        let r = app.delete(&format!("/api/v1/assignments/{b2}"), &w.facilitator);
        assert_eq!(r.status, 204, "{}", r.text);
        m.clause(k2).assignments.retain(|a| a.0 != b2);
        check(app, &w, &m, "an assignment removed");

        // Hours validated, then amended: the amendment counts once validated.
        let (person, placement) = fixtures::placed_feb_to_june(app, &w);
        let entry = fixtures::report_work(app, &w.facilitator, placement, "2026-03", 120.5);
        check(app, &w, &m, "hours reported, not validated");
        fixtures::validate(app, &w.facilitator, entry);
        m.hours
            .push((person, "2026-03".into(), 12_050, w.contractor_a, w.buyer));
        check(app, &w, &m, "hours validated");
        let r = app.put(
            &format!("/api/v1/placements/{placement}/hours/2026-03"),
            &w.facilitator,
            json!({"work_hours": 130, "amendment_reason": "Heures du 31 oubliées"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        check(app, &w, &m, "an amendment waiting");
        fixtures::validate(app, &w.facilitator, entry);
        m.hours[0].2 = 13_000;
        check(app, &w, &m, "an amendment validated");

        // B's assignment handed over to a third contractor on 30 June.
        let c3 = org(
            app,
            &w.admin,
            "contractor",
            "Menuiseries du Nord",
            Some(SIRETS[4]),
            Some("93"),
        );
        let r = post_ok(
            app,
            &w.facilitator,
            &format!("/api/v1/assignments/{}/replace", w.assignment_b),
            json!({"contractor_id": c3, "ends_on": "2026-06-30"}),
        );
        let ended = hundredths(&r["ended"]["hours_target"]);
        let replacement = (
            r["replacement"]["id"].as_i64().expect("replacement id"),
            c3,
            hundredths(&r["replacement"]["hours_target"]),
        );
        assert_eq!(ended + replacement.2, 33_300, "{r}");
        let clause = m.clause(w.clause);
        clause.assignments[1].2 = ended;
        clause.assignments.push(replacement);
        check(app, &w, &m, "a hand-over");

        // A third clause, activated then completed; then the second cancelled.
        let k3 = fixtures::clause(app, &w.admin, w.contract, "2026-06-01", "2026-12-31", None);
        fixtures::activate(app, &w.admin, k3);
        post_ok(
            app,
            &w.admin,
            &format!("/api/v1/clauses/{k3}/complete"),
            json!({}),
        );
        m.clauses.push(Clause {
            id: k3,
            contract: w.contract,
            status: "completed",
            dates: (date("2026-06-01"), date("2026-12-31")),
            required: 83_300,
            assignments: vec![],
        });
        check(app, &w, &m, "a clause completed");
        post_ok(
            app,
            &w.admin,
            &format!("/api/v1/clauses/{k2}/cancel"),
            json!({}),
        );
        m.clause(k2).status = "cancelled";
        check(app, &w, &m, "a clause cancelled");

        // The bulk rebuild (the migration's backfill, run after demo and bench data) gives
        // the same rows as the writes kept.
        clausier::store::kept_years::rebuild_all(&mut connection(app)).expect("rebuild");
        check(app, &w, &m, "a bulk rebuild");
    }
);
