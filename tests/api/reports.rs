//! Annual impact report: figures against an independent computation (a direct sum over the
//! data the test reported and validated, and a raw SQL query over the monthly entries), the
//! same figures on SQLite and PostgreSQL, persons counted once, pending and rejected hours
//! never counted, the year boundary, suppression for funders, access, formats, the HTML
//! page and its login, and anonymisation leaving the figures unchanged.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use rocket::http::{ContentType, Cookie, Header};
use serde_json::{json, Value};

use crate::common::{csv_rows, session_cookie_value, TestApp, PASSWORD, STANDARD_REPORT_HEADER};
use crate::fixtures::{self, org, World, SIRETS};
use crate::on_both;

// ---------------------------------------------------------------------------------------
// Building data through the API
// ---------------------------------------------------------------------------------------

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn person(
    app: &TestApp,
    token: &str,
    name: &str,
    sex: &str,
    birth: &str,
    qpv: bool,
    qualification: &str,
    criteria: &[&str],
    validated_on: &str,
) -> i64 {
    let r = app.post(
        "/api/v1/participants",
        token,
        json!({"first_name": name, "last_name": "Test", "birth_date": birth, "sex": sex,
               "postal_code": "93200", "qpv": qpv, "qualification_level": qualification}),
    );
    assert_eq!(r.status, 201, "participant: {}", r.text);
    let id = r.body["id"].as_i64().unwrap();
    let r = app.post(
        &format!("/api/v1/participants/{id}/eligibility"),
        token,
        json!({"criteria": criteria, "proof": "caf_certificate", "validated_on": validated_on}),
    );
    assert_eq!(r.status, 201, "eligibility: {}", r.text);
    id
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn placement(
    app: &TestApp,
    token: &str,
    participant: i64,
    assignment: i64,
    employer: i64,
    modality: &str,
    contract_type: &str,
    starts: &str,
    ends: Option<&str>,
) -> i64 {
    let r = app.post(
        "/api/v1/placements",
        token,
        json!({"participant_id": participant, "assignment_id": assignment, "modality": modality,
               "employer_id": employer, "contract_type": contract_type, "job_title": "Agent",
               "starts_on": starts, "ends_on": ends, "weekly_hours": 20}),
    );
    assert_eq!(r.status, 201, "placement: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// Reports hours (hundredths) for a placement and month; returns the entry id.
pub(crate) fn report_hours(
    app: &TestApp,
    token: &str,
    placement: i64,
    month: &str,
    work: i64,
    training: i64,
) -> i64 {
    let r = app.put(
        &format!("/api/v1/placements/{placement}/hours/{month}"),
        token,
        json!({"work_hours": work as f64 / 100.0, "training_hours": training as f64 / 100.0}),
    );
    assert_eq!(r.status, 200, "hours {placement} {month}: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

pub(crate) fn decide(app: &TestApp, token: &str, ids: &[i64], validate: bool) {
    if ids.is_empty() {
        return;
    }
    let body = if validate {
        json!({"entry_ids": ids, "decision": "validate"})
    } else {
        json!({"entry_ids": ids, "decision": "reject", "reason": "heures non justifiées"})
    };
    let r = app.post("/api/v1/hours/validation", token, body);
    assert_eq!(r.status, 200, "decision: {}", r.text);
}

fn amend(app: &TestApp, token: &str, placement: i64, month: &str, work: i64) {
    let r = app.put(
        &format!("/api/v1/placements/{placement}/hours/{month}"),
        token,
        json!({"work_hours": work as f64 / 100.0, "amendment_reason": "erreur de saisie"}),
    );
    assert_eq!(r.status, 200, "amend: {}", r.text);
    assert_eq!(r.body["status"], "submitted");
}

fn exit(app: &TestApp, token: &str, placement: i64, ended_on: &str, outcome: &str) {
    let r = app.post(
        &format!("/api/v1/placements/{placement}/exit"),
        token,
        json!({"ended_on": ended_on, "outcome": outcome}),
    );
    assert_eq!(r.status, 200, "exit: {}", r.text);
}

fn contract(
    app: &TestApp,
    token: &str,
    buyer: i64,
    reference: &str,
    cpv: &str,
    notified_on: &str,
    social: &[&str],
) -> i64 {
    let r = app.post(
        "/api/v1/contracts",
        token,
        json!({"buyer_id": buyer, "reference": reference, "title": format!("Marché {reference}"),
               "kind": "services", "cpv_code": cpv, "amount_eur": 400000, "notified_on": notified_on,
               "starts_on": "2026-01-01", "ends_on": "2026-12-31", "social_considerations": social}),
    );
    assert_eq!(r.status, 201, "contract: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// A clause of `hours` set directly, activated.
fn fixed_clause(
    app: &TestApp,
    token: &str,
    contract: i64,
    kind: &str,
    hours: i64,
    starts: &str,
    ends: &str,
) -> i64 {
    let r = app.post(
        &format!("/api/v1/contracts/{contract}/clauses"),
        token,
        json!({"kind": kind, "calibration": {"method": "fixed", "hours": hours, "justification": "convention"},
               "starts_on": starts, "ends_on": ends, "reporting_frequency": "monthly",
               "target_persons": (kind == "insertion_purpose").then_some(3)}),
    );
    assert_eq!(r.status, 201, "clause: {}", r.text);
    let id = r.body["id"].as_i64().unwrap();
    let r = app.post(&format!("/api/v1/clauses/{id}/activate"), token, json!({}));
    assert_eq!(r.status, 200, "activate: {}", r.text);
    id
}

// ---------------------------------------------------------------------------------------
// The model the independent computation runs over
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct PersonModel {
    id: i64,
    sex: &'static str,
    birth: NaiveDate,
    qpv: bool,
    qualification: &'static str,
    criteria: Vec<&'static str>,
}

#[derive(Debug, Clone)]
struct PlacementModel {
    id: i64,
    person: usize,
    start: NaiveDate,
    modality: &'static str,
    contract_type: &'static str,
    sector: &'static str,
    buyer: i64,
    contractor: i64,
    clause_kind: &'static str,
    /// (month, validated work, validated training) of the figures that count.
    validated: Vec<(String, i64, i64)>,
    exit: Option<(NaiveDate, &'static str)>,
}

struct Dataset {
    world: World,
    persons: Vec<PersonModel>,
    placements: Vec<PlacementModel>,
    /// (clause, contract, required hundredths, start, end); the second clause's contract.
    clauses: Vec<(i64, i64, i64, NaiveDate, NaiveDate)>,
    buyer_2: i64,
    contract_2: i64,
}

fn age_band(birth: NaiveDate, on: NaiveDate) -> &'static str {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    match age {
        ..=25 => "under_26",
        26..=49 => "26_49",
        _ => "50_plus",
    }
}

/// A second buyer (`name`, in the 75) with a contract of 2026 whose insertion-purpose clause
/// of 400 h (and 3 persons) is all contractor A's; returns the buyer, the contract, the clause and A's assignment.
fn insertion_contract_of_a(app: &TestApp, w: &World, name: &str) -> (i64, i64, i64, i64) {
    let buyer_2 = org(app, &w.admin, "buyer", name, Some(SIRETS[3]), Some("75"));
    let contract_2 = contract(
        app,
        &w.admin,
        buyer_2,
        "2026-RES",
        "90910000",
        "2026-02-01",
        &["marche_reserve"],
    );
    let clause_2 = fixed_clause(
        app,
        &w.admin,
        contract_2,
        "insertion_purpose",
        400,
        "2026-01-01",
        "2026-12-31",
    );
    let a2 = fixtures::assign(app, &w.admin, clause_2, w.contractor_a, "holder", 400);
    (buyer_2, contract_2, clause_2, a2)
}

/// A structure with two contracts (one clause each: 833 h of execution condition split
/// between contractors A and B, and 400 h of insertion purpose for A), 24 persons, about 30
/// placements and 200 monthly entries in 2026, validated, pending, rejected or amended.
fn dataset(app: &TestApp) -> Dataset {
    let w = fixtures::world(app, "PLIE Est");
    let t = w.facilitator.clone();
    let (buyer_2, contract_2, clause_2, a2) = insertion_contract_of_a(app, &w, "Département");
    // (assignment, contractor, buyer, sector, clause kind)
    let slots = [
        (
            w.assignment_a,
            w.contractor_a,
            w.buyer,
            "45",
            "execution_condition",
        ),
        (
            w.assignment_b,
            w.contractor_b,
            w.buyer,
            "45",
            "execution_condition",
        ),
        (a2, w.contractor_a, buyer_2, "90", "insertion_purpose"),
    ];
    let births = [
        "2003-05-10",
        "1985-02-01",
        "1972-09-09",
        "2001-01-15",
        "1976-07-07",
    ];
    let qualifications = ["none", "3", "4", "5", "3", "1"];
    let criteria: [&[&str]; 7] = [
        &["rsa"],
        &["detld", "qpv"],
        &["youth_low_qualification"],
        &["rqth", "rsa"],
        &["deld"],
        &["refugee"],
        &["ase"],
    ];
    let modalities = [
        ("direct_hire", "cdi"),
        ("insertion_temp_agency", "temp_mission"),
        ("geiq", "professionalisation"),
        ("training", "other"),
        ("subcontract_siae", "cddi"),
    ];
    let outcomes = [
        "durable_employment",
        "transitional_employment",
        "positive_exit",
        "other",
    ];
    let mut persons = Vec::new();
    let mut placements = Vec::new();
    let (mut to_validate, mut to_reject, mut to_amend) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..24usize {
        let p = PersonModel {
            id: 0,
            sex: if i % 3 == 0 { "male" } else { "female" },
            birth: date(births[i % 5]),
            qpv: i % 4 == 0,
            qualification: qualifications[i % 6],
            criteria: criteria[i % 7].to_vec(),
        };
        let id = person(
            app,
            &t,
            &format!("Personne{i}"),
            p.sex,
            births[i % 5],
            p.qpv,
            p.qualification,
            &p.criteria,
            "2026-01-01",
        );
        persons.push(PersonModel { id, ..p });
        let mut plan = vec![(i % 3, modalities[i % 5], 1 + (i % 4) as u32)];
        if i % 4 == 1 {
            plan.push(((i + 1) % 3, ("direct_hire", "cdd"), 4 + (i % 3) as u32));
        }
        for (k, (slot, (modality, contract_type), start_month)) in plan.into_iter().enumerate() {
            let (assignment, contractor, buyer, sector, kind) = slots[slot];
            let start = format!("2026-{start_month:02}-01");
            let exits = k == 0 && i % 6 == 5;
            let id = placement(
                app,
                &t,
                persons[i].id,
                assignment,
                contractor,
                modality,
                contract_type,
                &start,
                Some("2026-12-31"),
            );
            let last_month = if exits { 6 } else { 10 };
            let mut validated = Vec::new();
            for m in start_month..=last_month {
                let month = format!("2026-{m:02}");
                let base = ((i as i64 * 37 + m as i64 * 11 + k as i64 * 5) % 70 + 10) * 100
                    + (i as i64 * 13 + m as i64) % 100;
                let (work, training) = if modality == "training" {
                    (0, base / 2)
                } else if m % 4 == 0 {
                    (base, 300)
                } else {
                    (base, 0)
                };
                let entry = report_hours(app, &t, id, &month, work, training);
                match (i + m as usize + k) % 10 {
                    0 => {} // pending: never counts
                    1 => to_reject.push(entry),
                    2 => {
                        // Validated, then amended: the validated figure counts until the
                        // amendment is validated.
                        to_validate.push(entry);
                        to_amend.push((id, month.clone(), work + 500));
                        validated.push((month, work, training));
                    }
                    _ => {
                        to_validate.push(entry);
                        validated.push((month, work, training));
                    }
                }
            }
            let exit_at = exits.then(|| (date("2026-06-30"), outcomes[i % 4]));
            placements.push(PlacementModel {
                id,
                person: i,
                start: date(&start),
                modality,
                contract_type,
                sector,
                buyer,
                contractor,
                clause_kind: kind,
                validated,
                exit: exit_at,
            });
        }
    }
    decide(app, &t, &to_validate, true);
    decide(app, &t, &to_reject, false);
    for (pl, month, work) in &to_amend {
        amend(app, &t, *pl, month, *work);
    }
    for p in &placements {
        if let Some((on, outcome)) = p.exit {
            exit(app, &t, p.id, &on.to_string(), outcome);
        }
    }
    let clauses = vec![
        (
            w.clause,
            w.contract,
            83300,
            date("2026-01-01"),
            date("2026-12-31"),
        ),
        (
            clause_2,
            contract_2,
            40000,
            date("2026-01-01"),
            date("2026-12-31"),
        ),
    ];
    Dataset {
        world: w,
        persons,
        placements,
        clauses,
        buyer_2,
        contract_2,
    }
}

/// Filters of the independent computation.
#[derive(Default, Clone, Copy)]
struct Filter {
    contractor: Option<i64>,
    buyer: Option<i64>,
    clause_kind: Option<&'static str>,
}

impl Filter {
    fn keeps(&self, p: &PlacementModel) -> bool {
        self.contractor.is_none_or(|c| c == p.contractor)
            && self.buyer.is_none_or(|b| b == p.buyer)
            && self.clause_kind.is_none_or(|k| k == p.clause_kind)
    }
}

type Cells = BTreeMap<String, (i64, i64)>;

/// What the report should say, computed naively from the model.
#[derive(Debug, PartialEq)]
struct Expected {
    hours: i64,
    training: i64,
    persons: i64,
    breakdowns: BTreeMap<&'static str, Cells>,
    employment_contracts: i64,
    exits: BTreeMap<&'static str, i64>,
}

fn expected(d: &Dataset, from: &str, to: &str, f: Filter) -> Expected {
    let (start, end) = (
        date(&format!("{from}-01")),
        date(&format!("{to}-01"))
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap(),
    );
    // Hours of each placement in the period.
    let mut rows: Vec<(&PlacementModel, i64, i64)> = Vec::new();
    for p in d.placements.iter().filter(|p| f.keeps(p)) {
        let (mut w, mut t) = (0, 0);
        for (month, vw, vt) in &p.validated {
            if month.as_str() >= from && month.as_str() <= to {
                w += vw;
                t += vt;
            }
        }
        if w + t > 0 {
            rows.push((p, w, t));
        }
    }
    let mut by_person: BTreeMap<usize, (i64, &PlacementModel)> = BTreeMap::new();
    for (p, w, t) in &rows {
        let e = by_person.entry(p.person).or_insert((0, p));
        e.0 += w + t;
        if (p.start, p.id) < (e.1.start, e.1.id) {
            e.1 = p;
        }
    }
    let mut breakdowns: BTreeMap<&'static str, Cells> = BTreeMap::new();
    let mut add = |name: &'static str, key: String, persons: i64, hours: i64| {
        let cell = breakdowns
            .entry(name)
            .or_default()
            .entry(key)
            .or_insert((0, 0));
        cell.0 += persons;
        cell.1 += hours;
    };
    for (idx, (hours, first)) in &by_person {
        let who = &d.persons[*idx];
        add("sex", who.sex.to_string(), 1, *hours);
        add(
            "age_band",
            age_band(who.birth, first.start).into(),
            1,
            *hours,
        );
        for c in &who.criteria {
            add("criteria", c.to_string(), 1, *hours);
        }
        add("qualification", who.qualification.into(), 1, *hours);
        add(
            "qpv",
            if who.qpv { "qpv" } else { "not_qpv" }.into(),
            1,
            *hours,
        );
    }
    // Placement attributes: hours summed, persons distinct per cell.
    type Key = fn(&PlacementModel) -> String;
    let placement_keys: [(&'static str, Key); 6] = [
        ("modality", |p| p.modality.to_string()),
        ("contract_type", |p| p.contract_type.to_string()),
        ("sector", |p| p.sector.to_string()),
        ("buyer", |p| p.buyer.to_string()),
        ("contractor", |p| p.contractor.to_string()),
        ("clause_kind", |p| p.clause_kind.to_string()),
    ];
    for (name, key) in placement_keys {
        let mut cells: BTreeMap<String, (BTreeSet<usize>, i64)> = BTreeMap::new();
        for (p, w, t) in &rows {
            let c = cells.entry(key(p)).or_default();
            c.0.insert(p.person);
            c.1 += w + t;
        }
        for (k, (persons, hours)) in cells {
            add(name, k, persons.len() as i64, hours);
        }
    }
    let kept: Vec<&PlacementModel> = d.placements.iter().filter(|p| f.keeps(p)).collect();
    let mut exits: BTreeMap<&'static str, i64> = [
        "durable_employment",
        "transitional_employment",
        "positive_exit",
        "other",
    ]
    .into_iter()
    .map(|k| (k, 0))
    .collect();
    for p in &kept {
        if let Some((on, outcome)) = p.exit {
            if start <= on && on <= end {
                *exits.get_mut(outcome).unwrap() += 1;
            }
        }
    }
    Expected {
        hours: rows.iter().map(|(_, w, t)| w + t).sum(),
        training: rows.iter().map(|(_, _, t)| t).sum(),
        persons: by_person.len() as i64,
        breakdowns,
        employment_contracts: kept
            .iter()
            .filter(|p| p.modality != "training" && start <= p.start && p.start <= end)
            .count() as i64,
        exits,
    }
}

/// A JSON number of at most two decimals as hundredths.
fn hundredths(v: &Value) -> i64 {
    let n = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    (n * 100.0).round() as i64
}

/// The figures of a report response in the model's shape (unsuppressed cells only).
fn observed(r: &Value) -> Expected {
    let mut breakdowns: BTreeMap<&'static str, Cells> = BTreeMap::new();
    for name in BREAKDOWNS {
        let cells: Cells = r["breakdowns"][name]
            .as_array()
            .unwrap_or_else(|| panic!("breakdown {name}: {r}"))
            .iter()
            .map(|c| {
                (
                    c["key"].as_str().unwrap().to_string(),
                    (c["persons"].as_i64().unwrap(), hundredths(&c["hours"])),
                )
            })
            .collect();
        if !cells.is_empty() {
            breakdowns.insert(name, cells);
        }
    }
    let exits = [
        "durable_employment",
        "transitional_employment",
        "positive_exit",
        "other",
    ]
    .into_iter()
    .map(|k| (k, r["exits"][k].as_i64().unwrap()))
    .collect();
    Expected {
        hours: hundredths(&r["hours"]),
        training: hundredths(&r["training_hours"]),
        persons: r["beneficiaries"].as_i64().unwrap(),
        breakdowns,
        employment_contracts: r["employment_contracts"].as_i64().unwrap(),
        exits,
    }
}

const BREAKDOWNS: [&str; 11] = [
    "sex",
    "age_band",
    "criteria",
    "qualification",
    "qpv",
    "modality",
    "contract_type",
    "sector",
    "buyer",
    "contractor",
    "clause_kind",
];

/// Hours and distinct persons of validated entries in a month range, by a raw SQL query
/// over the monthly entries (not the maintained totals the report reads).
fn sql_totals(app: &TestApp, from: &str, to: &str) -> (i64, i64) {
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Totals {
        #[diesel(sql_type = BigInt)]
        hours: i64,
        #[diesel(sql_type = BigInt)]
        persons: i64,
    }
    let t: Totals = diesel::sql_query(format!(
        "SELECT CAST(COALESCE(SUM(validated_work + validated_training), 0) AS BIGINT) AS hours, \
                CAST(COUNT(DISTINCT participant_id) AS BIGINT) AS persons \
         FROM hour_entries \
         WHERE validated_work IS NOT NULL AND validated_work + validated_training > 0 \
           AND month >= '{from}' AND month <= '{to}'"
    ))
    .get_result(&mut *app.database())
    .unwrap();
    (t.hours, t.persons)
}

/// The PNAD fields the report had before issue 20 (the others are checked in `pnad.rs`).
fn pnad_core(p: &Value) -> Value {
    json!({"contracts_notified": p["contracts_notified"],
           "with_social_consideration": p["with_social_consideration"], "share": p["share"]})
}

fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/reports/annual?{query}"), token);
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    r.body
}

/// Any answer of the JSON report: status and body (a funder's months are a 422).
fn answer(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let r = app.get(&format!("/api/v1/reports/annual?{query}"), token);
    (r.status, r.body)
}

/// Required hours of the model's clauses prorated to a period (days inside ÷ days).
fn required(d: &Dataset, start: NaiveDate, end: NaiveDate) -> i64 {
    d.clauses
        .iter()
        .map(|(_, _, req, s, e)| {
            let total = (*e - *s).num_days() + 1;
            let inside = ((*e).min(end) - (*s).max(start)).num_days() + 1;
            if inside <= 0 {
                0
            } else {
                (2 * req * inside + total) / (2 * total)
            }
        })
        .sum()
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

on_both!(figures_match_an_independent_computation, |app: &TestApp| {
    let d = dataset(app);
    let fac = &d.world.facilitator;
    let cases: Vec<(String, &str, &str, Filter)> = vec![
        ("year=2026".into(), "2026-01", "2026-12", Filter::default()),
        (
            "from=2026-03&to=2026-08".into(),
            "2026-03",
            "2026-08",
            Filter::default(),
        ),
        (
            "from=2025-07&to=2026-02".into(),
            "2025-07",
            "2026-02",
            Filter::default(),
        ),
        (
            format!("year=2026&contractor_id={}", d.world.contractor_a),
            "2026-01",
            "2026-12",
            Filter {
                contractor: Some(d.world.contractor_a),
                ..Filter::default()
            },
        ),
        (
            format!("year=2026&buyer_id={}", d.buyer_2),
            "2026-01",
            "2026-12",
            Filter {
                buyer: Some(d.buyer_2),
                ..Filter::default()
            },
        ),
        (
            "from=2026-02&to=2026-09&clause_kind=execution_condition".into(),
            "2026-02",
            "2026-09",
            Filter {
                clause_kind: Some("execution_condition"),
                ..Filter::default()
            },
        ),
    ];
    for (query, from, to, filter) in cases {
        let query = query.as_str();
        let r = report(app, fac, query);
        let want = expected(&d, from, to, filter);
        assert!(want.persons > 0, "{query}: the fixture has hours");
        assert_eq!(observed(&r), want, "{query}");
        assert_eq!(r["suppression_threshold"], Value::Null);
        assert_eq!(
            (r["from"].as_str(), r["to"].as_str()),
            (Some(from), Some(to))
        );
        if filter.contractor.is_none() && filter.buyer.is_none() && filter.clause_kind.is_none() {
            assert_eq!(
                sql_totals(app, from, to),
                (want.hours, want.persons),
                "{query}: raw SQL over the entries"
            );
        }
    }
    // Year figures, rates and the headline.
    let r = report(app, fac, "year=2026");
    let want = expected(&d, "2026-01", "2026-12", Filter::default());
    assert_eq!(r["year"], 2026);
    assert_eq!(
        (r["contracts"].as_i64(), r["clauses"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(hundredths(&r["required_hours"]), 83300 + 40000);
    let rate = (2 * want.hours * 1000 + 123300) / (2 * 123300);
    assert_eq!(
        (r["achievement_rate"].as_f64().unwrap() * 10.0).round() as i64,
        rate
    );
    assert_eq!(hundredths(&r["fte"]), (2 * want.hours + 1607) / (2 * 1607));
    let whole_hours = (want.hours + 50) / 100;
    let nnbsp = |n: i64| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push('\u{202F}');
            }
            out.push(ch);
        }
        out
    };
    let headline = r["headline"].as_str().unwrap();
    assert!(
        headline.starts_with(&format!(
            "En 2026, les achats socialement responsables ont généré {} heures d'insertion, soit ",
            nnbsp(whole_hours)
        )),
        "{headline}"
    );
    assert!(headline.ends_with(&format!("au bénéfice de {} personnes.", want.persons)));
    // A semester: required hours prorated (181 and 184 days of 365).
    let r = report(app, fac, "from=2026-03&to=2026-08");
    assert_eq!(r["year"], Value::Null);
    assert_eq!(
        hundredths(&r["required_hours"]),
        required(&d, date("2026-03-01"), date("2026-08-31"))
    );
    assert_eq!(r["previous"]["from"], "2025-09");
    assert_eq!(r["previous"]["to"], "2026-02");
    let prev = expected(&d, "2025-09", "2026-02", Filter::default());
    assert_eq!(hundredths(&r["previous"]["hours"]), prev.hours);
    assert_eq!(r["previous"]["beneficiaries"], prev.persons);
    // Filtered on a contractor: its assignment targets are required (500 h + 400 h).
    let r = report(
        app,
        fac,
        &format!("year=2026&contractor_id={}", d.world.contractor_a),
    );
    assert_eq!(hundredths(&r["required_hours"]), 50000 + 40000);
    assert_eq!(r["clauses"], 2);
    let r = report(
        app,
        fac,
        &format!("year=2026&contractor_id={}", d.world.contractor_b),
    );
    assert_eq!(hundredths(&r["required_hours"]), 33300);
    assert_eq!(
        (r["clauses"].as_i64(), r["contracts"].as_i64()),
        (Some(1), Some(1))
    );
    let r = report(app, fac, "year=2026&clause_kind=insertion_purpose");
    assert_eq!(hundredths(&r["required_hours"]), 40000);
    // Territory: the second clause is in Paris (its buyer's territory).
    let r = report(app, fac, "year=2026&territory=75");
    assert_eq!(
        observed(&r),
        expected(
            &d,
            "2026-01",
            "2026-12",
            Filter {
                buyer: Some(d.buyer_2),
                ..Filter::default()
            }
        )
    );
    assert_eq!(r["clauses"], 1);
    // Nothing in 2024.
    let r = report(app, fac, "year=2024");
    assert_eq!(
        (hundredths(&r["hours"]), r["beneficiaries"].as_i64()),
        (0, Some(0))
    );
    assert_eq!(r["achievement_rate"], Value::Null);
    assert_eq!(r["clauses"], 0);
});

on_both!(
    person_counts_once_and_only_validated_hours_count,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Ouest");
        let t = &w.facilitator;
        let buyer_2 = org(
            app,
            &w.admin,
            "buyer",
            "Région",
            Some(SIRETS[3]),
            Some("93"),
        );
        let c2 = contract(app, &w.admin, buyer_2, "R-1", "45000000", "2026-01-10", &[]);
        let clause_2 = fixed_clause(
            app,
            &w.admin,
            c2,
            "execution_condition",
            300,
            "2025-10-01",
            "2026-09-30",
        );
        let b2 = fixtures::assign(app, &w.admin, clause_2, w.contractor_b, "holder", 300);
        let p = person(
            app,
            t,
            "Awa",
            "female",
            "1990-04-02",
            true,
            "3",
            &["rsa"],
            "2025-10-15",
        );
        let other = person(
            app,
            t,
            "Binta",
            "female",
            "1991-04-02",
            false,
            "4",
            &["deld"],
            "2025-10-15",
        );
        // Two placements of the same person, with two contractors on two contracts, across the
        // year boundary.
        let pa = placement(
            app,
            t,
            p,
            w.assignment_a,
            w.contractor_a,
            "direct_hire",
            "cdi",
            "2025-11-01",
            Some("2026-03-31"),
        );
        let pb = placement(
            app,
            t,
            p,
            b2,
            w.contractor_b,
            "geiq",
            "professionalisation",
            "2025-12-01",
            Some("2026-03-31"),
        );
        let po = placement(
            app,
            t,
            other,
            w.assignment_a,
            w.contractor_a,
            "direct_hire",
            "cdd",
            "2026-01-01",
            Some("2026-03-31"),
        );
        let v1 = report_hours(app, t, pa, "2025-12", 4000, 0);
        let v2 = report_hours(app, t, pa, "2026-01", 5025, 0);
        let v3 = report_hours(app, t, pb, "2025-12", 1000, 250);
        let v4 = report_hours(app, t, pb, "2026-01", 2000, 0);
        let _pending = report_hours(app, t, pa, "2026-02", 7000, 0);
        let rejected = report_hours(app, t, pb, "2026-02", 9000, 0);
        let other_rejected = report_hours(app, t, po, "2026-01", 6000, 0);
        let _other_pending = report_hours(app, t, po, "2026-02", 6000, 0);
        decide(app, t, &[v1, v2, v3, v4], true);
        decide(app, t, &[rejected, other_rejected], false);
        // An amendment waiting for validation: the validated 50.25 h still count.
        amend(app, t, pa, "2026-01", 9999);

        let r = report(app, t, "year=2026");
        assert_eq!(r["beneficiaries"], 1, "{r}");
        assert_eq!(hundredths(&r["hours"]), 5025 + 2000);
        assert_eq!(hundredths(&r["training_hours"]), 0);
        let contractors = r["breakdowns"]["contractor"].as_array().unwrap();
        assert_eq!(contractors.len(), 2);
        assert!(contractors.iter().all(|c| c["persons"] == 1));
        // Buyer and contractor cells name the organisation of their key; codes do not.
        let organisations = r["breakdowns"]["buyer"]
            .as_array()
            .unwrap()
            .iter()
            .chain(contractors);
        for cell in organisations {
            let id = cell["key"].as_str().unwrap();
            let org = app.get(&format!("/api/v1/organisations/{id}"), t);
            assert_eq!(org.status, 200, "{}", org.text);
            assert!(org.body["name"].is_string());
            assert_eq!(cell["label"], org.body["name"], "{cell}");
        }
        assert_eq!(
            r["breakdowns"]["sex"],
            json!([{"key": "female", "persons": 1, "hours": 70.25, "suppressed": false}])
        );
        let r25 = report(app, t, "year=2025");
        assert_eq!(r25["beneficiaries"], 1);
        assert_eq!(hundredths(&r25["hours"]), 4000 + 1000 + 250);
        assert_eq!(hundredths(&r25["training_hours"]), 250);
        // The previous year of 2026 is 2025.
        assert_eq!(hundredths(&r["previous"]["hours"]), 5250);
        assert_eq!(r["previous"]["beneficiaries"], 1);
        // Across the boundary, from the monthly figures: the same person once.
        let rb = report(app, t, "from=2025-12&to=2026-01");
        assert_eq!(rb["beneficiaries"], 1);
        assert_eq!(hundredths(&rb["hours"]), 4000 + 5025 + 1000 + 250 + 2000);
        // A whole year and a month of the next, read from both sources: still one person.
        let rm = report(app, t, "from=2025-01&to=2026-01");
        assert_eq!(rm["beneficiaries"], 1);
        assert_eq!(hundredths(&rm["hours"]), 5250 + 5025 + 2000);
        assert_eq!(rm["breakdowns"]["contractor"].as_array().unwrap().len(), 2);
        // Previous periods: two months just before (one source), and eleven months across the
        // boundary (two sources, the person counted once).
        let rp = report(app, t, "from=2026-01&to=2026-02");
        assert_eq!(
            (
                rp["previous"]["from"].as_str(),
                rp["previous"]["to"].as_str()
            ),
            (Some("2025-11"), Some("2025-12"))
        );
        assert_eq!(hundredths(&rp["previous"]["hours"]), 5250);
        assert_eq!(rp["previous"]["beneficiaries"], 1);
        let rq = report(app, t, "from=2026-02&to=2027-01");
        assert_eq!(rq["previous"]["from"], "2025-02");
        assert_eq!(hundredths(&rq["previous"]["hours"]), 5250 + 5025 + 2000);
        assert_eq!(rq["previous"]["beneficiaries"], 1);
        let rd = report(app, t, "from=2025-12&to=2025-12");
        assert_eq!(hundredths(&rd["hours"]), 5250);
        let rf = report(app, t, "from=2026-02&to=2026-02");
        assert_eq!(
            (hundredths(&rf["hours"]), rf["beneficiaries"].as_i64()),
            (0, Some(0))
        );
        assert_eq!(sql_totals(app, "2025-12", "2026-01"), (12275, 1));
        // Employment contracts: placements starting in the period (two in 2025, one in 2026).
        assert_eq!(r25["employment_contracts"], 2);
        assert_eq!(r["employment_contracts"], 1);
        // Validating the amendment moves the figure.
        let id = app
            .get(&format!("/api/v1/hours?placement_id={pa}&month=2026-01"), t)
            .body["items"][0]["id"]
            .as_i64()
            .unwrap();
        decide(app, t, &[id], true);
        let r = report(app, t, "year=2026");
        assert_eq!(hundredths(&r["hours"]), 9999 + 2000);
        let rb = report(app, t, "from=2026-01&to=2026-01");
        assert_eq!(hundredths(&rb["hours"]), 9999 + 2000);
    }
);

on_both!(
    pnad_counts_every_contract_notified_in_the_year,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Nord");
        // The fixture's contract was notified on 2025-12-01 with a social clause.
        contract(
            app,
            &w.admin,
            w.buyer,
            "N-1",
            "45000000",
            "2026-02-01",
            &["clause_sociale"],
        );
        contract(app, &w.admin, w.buyer, "N-2", "45000000", "2026-03-01", &[]);
        let paris = org(
            app,
            &w.admin,
            "buyer",
            "Ville de Paris",
            Some(SIRETS[3]),
            Some("75"),
        );
        contract(
            app,
            &w.admin,
            paris,
            "P-1",
            "90000000",
            "2026-04-01",
            &["critere_social", "marche_reserve"],
        );
        contract(
            app,
            &w.admin,
            paris,
            "P-2",
            "90000000",
            "2027-01-01",
            &["clause_sociale"],
        );
        // Imported from the open data, with the same buyer: they count too.
        let decp = json!({"marches": {"marche": [
            {"id": "IMP1", "acheteur": {"id": SIRETS[0]}, "nature": "Marché", "objet": "Voirie",
             "codeCPV": "45233140-2", "dureeMois": 12, "dateNotification": "2026-05-15", "montant": 90000,
             "titulaires": [{"id": SIRETS[1], "typeIdentifiant": "SIRET"}],
             "considerationsSociales": ["Clause sociale"], "modifications": []},
            {"id": "IMP2", "acheteur": {"id": SIRETS[0]}, "nature": "Marché", "objet": "Fournitures",
             "codeCPV": "30190000-7", "dureeMois": 12, "dateNotification": "2026-06-15", "montant": 50000,
             "titulaires": [{"id": SIRETS[2], "typeIdentifiant": "SIRET"}],
             "considerationsSociales": ["Pas de considération sociale"], "modifications": []}
        ]}});
        let r = app.post("/api/v1/imports/decp", &w.admin, decp);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["created"], 2, "{}", r.text);
        let r = report(app, &w.facilitator, "year=2026");
        assert_eq!(
            pnad_core(&r["pnad"]),
            json!({"contracts_notified": 5, "with_social_consideration": 3, "share": 60})
        );
        let r = report(app, &w.facilitator, "year=2025");
        assert_eq!(
            pnad_core(&r["pnad"]),
            json!({"contracts_notified": 1, "with_social_consideration": 1, "share": 100})
        );
        // Territory: the buyer's territory.
        let r = report(app, &w.facilitator, "year=2026&territory=75");
        assert_eq!(
            pnad_core(&r["pnad"]),
            json!({"contracts_notified": 1, "with_social_consideration": 1, "share": 100})
        );
        let r = report(
            app,
            &w.facilitator,
            &format!("year=2026&buyer_id={}", w.buyer),
        );
        assert_eq!(r["pnad"]["contracts_notified"], 4);
        // One decimal: 2 of 3.
        let r = report(app, &w.facilitator, "from=2026-02&to=2026-05");
        assert_eq!(r["pnad"]["contracts_notified"], 4);
        let r = report(app, &w.facilitator, "from=2026-01&to=2026-04");
        assert_eq!(
            pnad_core(&r["pnad"]),
            json!({"contracts_notified": 3, "with_social_consideration": 2, "share": 66.7})
        );
        let r = report(app, &w.facilitator, "year=2024");
        assert_eq!(
            pnad_core(&r["pnad"]),
            json!({"contracts_notified": 0, "with_social_consideration": 0, "share": null})
        );
        // A contractor filter: the contracts it holds (the fixture's, notified in 2025, and IMP1).
        let r = report(
            app,
            &w.facilitator,
            &format!("year=2026&contractor_id={}", w.contractor_a),
        );
        assert_eq!(r["pnad"]["contracts_notified"], 1);
    }
);

on_both!(bad_parameters_are_named, |app: &TestApp| {
    let admin = app.structure_admin("PLIE Sud");
    for (query, field) in [
        ("", "year"),
        ("year=26", "year"),
        ("year=2026&from=2026-01&to=2026-02", "year"),
        ("from=2026-01", "to"),
        ("from=2026-13&to=2026-12", "from"),
        ("from=2026-05&to=2026-04", "to"),
        ("from=2010-01&to=2026-12", "to"),
        ("year=2026&territory=100", "territory"),
        ("year=2026&buyer_id=abc", "buyer_id"),
        ("year=2026&contractor_id=0", "contractor_id"),
        ("year=2026&clause_kind=whatever", "clause_kind"),
        ("year=2026&structure_id=x", "structure_id"),
    ] {
        for path in ["annual", "annual.csv", "annual.xlsx"] {
            let r = app.get(&format!("/api/v1/reports/{path}?{query}"), &admin);
            assert_eq!(r.status, 422, "{path}?{query}: {}", r.text);
            assert_eq!(r.error_fields(), vec![field.to_string()], "{path}?{query}");
        }
    }
});

// ---------------------------------------------------------------------------------------
// Suppression
// ---------------------------------------------------------------------------------------

/// Checks a funder's response against the staff's unsuppressed one: shown cells are true,
/// no shown cell has 1 to threshold − 1 persons, the totals are the same, the hidden cells
/// account for the rest, and no hidden value can be obtained by subtraction.
/// Paths of every number in a JSON value.
fn numbers_in(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Number(_) => out.push(path.to_string()),
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                numbers_in(x, &format!("{path}/{i}"), out);
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                numbers_in(x, &format!("{path}/{k}"), out);
            }
        }
        _ => {}
    }
}

/// A funder's answer below the threshold: every field of the report, no figure in any of
/// them (the only numbers are the year and the threshold), every breakdown empty.
fn assert_below(f: &Value) {
    assert_eq!(f["below_threshold"], true, "{f}");
    for key in [
        "hours",
        "training_hours",
        "fte",
        "beneficiaries",
        "contracts",
        "clauses",
        "required_hours",
        "achievement_rate",
        "employment_contracts",
    ] {
        assert!(f.get(key).is_some_and(Value::is_null), "{key}: {f}");
    }
    for key in [
        "durable_employment",
        "transitional_employment",
        "positive_exit",
        "other",
    ] {
        assert!(f["exits"].get(key).is_some_and(Value::is_null), "{key}");
    }
    for key in ["contracts_notified", "with_social_consideration", "share"] {
        assert!(f["pnad"].get(key).is_some_and(Value::is_null), "{key}");
    }
    for key in ["hours", "beneficiaries", "fte"] {
        assert!(f["previous"].get(key).is_some_and(Value::is_null), "{key}");
    }
    for name in BREAKDOWNS {
        assert_eq!(f["breakdowns"][name], json!([]), "{name}");
    }
    let mut found = Vec::new();
    numbers_in(f, "", &mut found);
    found.retain(|p| p != "/year" && p != "/suppression_threshold");
    assert!(
        found.is_empty(),
        "figures in a below-threshold answer: {found:?}"
    );
    assert!(f["headline"].as_str().unwrap().contains("moins de"));
}

/// A count (exits, employment contracts) as a funder sees it: null when fewer than the
/// threshold persons are behind it (surely so under `threshold` placements), else the
/// true count or null (the distinct persons are not in the staff's answer).
fn assert_counted(staff: &Value, funder: &Value, threshold: i64, what: &str) {
    let truth = staff.as_i64().unwrap();
    if truth > 0 && truth < threshold {
        assert_eq!(funder, &Value::Null, "{what}");
    } else {
        assert!(funder.is_null() || funder.as_i64() == Some(truth), "{what}");
    }
}

/// Checks a funder's answer against the staff's for the same query; returns whether the
/// funder was shown figures. Under the threshold the answer must be below it; a shown
/// answer carries the true totals and safely suppressed breakdowns.
fn assert_safe(staff: &Value, funder: &Value, threshold: i64) -> bool {
    assert_eq!(funder["suppression_threshold"], threshold);
    let total_persons = staff["beneficiaries"].as_i64().unwrap();
    if total_persons < threshold || funder["below_threshold"] == true {
        assert_below(funder);
        return false;
    }
    assert_eq!(funder["below_threshold"], false);
    for key in [
        "hours",
        "training_hours",
        "beneficiaries",
        "fte",
        "headline",
        "pnad",
        "contracts",
        "clauses",
        "required_hours",
    ] {
        assert_eq!(staff[key], funder[key], "{key} is shown to funders");
    }
    assert_counted(
        &staff["employment_contracts"],
        &funder["employment_contracts"],
        threshold,
        "employment_contracts",
    );
    let (sp, fp) = (&staff["previous"], &funder["previous"]);
    assert_eq!((&sp["from"], &sp["to"]), (&fp["from"], &fp["to"]));
    if sp["beneficiaries"].as_i64().unwrap() < threshold || fp["hours"].is_null() {
        for key in ["hours", "beneficiaries", "fte"] {
            assert_eq!(fp[key], Value::Null, "previous {key}");
        }
    } else {
        assert_eq!(sp, fp);
    }
    let total_hours = hundredths(&staff["hours"]);
    for name in BREAKDOWNS {
        let truth = staff["breakdowns"][name].as_array().unwrap();
        let shown = funder["breakdowns"][name].as_array().unwrap();
        assert_eq!(truth.len(), shown.len(), "{name}");
        let mut hidden = Vec::new();
        for (t, s) in truth.iter().zip(shown) {
            assert_eq!(t["key"], s["key"]);
            let persons = t["persons"].as_i64().unwrap();
            if s["suppressed"] == true {
                assert_eq!((&s["persons"], &s["hours"]), (&Value::Null, &Value::Null));
                hidden.push(t);
            } else {
                assert_eq!(t, s, "{name}: a shown cell is the true cell");
                assert!(
                    persons == 0 || persons >= threshold,
                    "{name}/{}: {persons} persons shown",
                    t["key"]
                );
            }
        }
        if name == "criteria" || hidden.is_empty() {
            continue;
        }
        let everything_hidden = truth
            .iter()
            .zip(shown)
            .all(|(t, s)| s["suppressed"] == true || t["persons"] == 0);
        // Every other breakdown adds up to the hours; the person breakdowns to the persons.
        let shown_hours: i64 = shown
            .iter()
            .filter(|c| c["suppressed"] == false)
            .map(|c| hundredths(&c["hours"]))
            .sum();
        let hidden_hours: i64 = hidden.iter().map(|c| hundredths(&c["hours"])).sum();
        assert_eq!(
            shown_hours + hidden_hours,
            total_hours,
            "{name}: the totals still add up"
        );
        assert!(
            hidden.len() >= 2,
            "{name}: one hidden cell would be the total minus the others"
        );
        let persons: Vec<i64> = hidden
            .iter()
            .map(|c| c["persons"].as_i64().unwrap())
            .collect();
        if ["sex", "age_band", "qualification", "qpv"].contains(&name) {
            let shown_persons: i64 = shown.iter().filter_map(|c| c["persons"].as_i64()).sum();
            assert_eq!(
                shown_persons + persons.iter().sum::<i64>(),
                total_persons,
                "{name}"
            );
            assert!(
                persons.iter().sum::<i64>() >= threshold,
                "{name}: hidden cells cover {persons:?}"
            );
        } else if !everything_hidden {
            // A person may be in several cells: only the largest hidden cell surely counts
            // distinct persons. (When every cell is hidden, nothing is left to subtract.)
            assert!(
                persons.iter().max().copied().unwrap_or(0) >= threshold,
                "{name}: {persons:?}"
            );
        }
    }
    for (k, v) in funder["exits"].as_object().unwrap() {
        if k == "dynamic_share" {
            // Shown only with every count shown (tests/api/follow_ups.rs).
            assert!(v.is_null() || v == &staff["exits"][k], "{k}");
            continue;
        }
        assert_counted(&staff["exits"][k], v, threshold, k);
    }
    true
}

on_both!(
    funders_see_suppressed_figures_and_staff_do_not,
    |app: &TestApp| {
        let d = dataset(app);
        app.cli_user("PLIE Est", "funder", "funder@est.test", None, None);
        let funder = app.token("funder@est.test");
        let unfiltered = report(app, &funder, "year=2026");
        let hidden_in_unfiltered = |name: &str, key: &str| {
            unfiltered["breakdowns"][name]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["key"] == key && c["suppressed"] == true)
        };
        let contractor_b = d.world.contractor_b.to_string();
        for (query, cell) in [
            ("year=2026".to_string(), None),
            ("from=2026-01&to=2026-12".to_string(), None),
            (
                format!("year=2026&contractor_id={contractor_b}"),
                Some(("contractor", contractor_b.as_str())),
            ),
            (
                "year=2026&clause_kind=insertion_purpose".to_string(),
                Some(("clause_kind", "insertion_purpose")),
            ),
            ("year=2026&territory=75".to_string(), None),
        ] {
            let staff = report(app, &d.world.facilitator, &query);
            let admin = report(app, &d.world.admin, &query);
            assert_eq!(staff, admin, "{query}");
            let f = report(app, &funder, &query);
            let shown = assert_safe(&staff, &f, 5);
            // Shown exactly when the population reaches 5 and the cell is shown in the
            // unfiltered report.
            if let Some((name, key)) = cell {
                let small = staff["beneficiaries"].as_i64().unwrap() < 5;
                assert_eq!(shown, !small && !hidden_in_unfiltered(name, key), "{query}");
            }
            // Staff see every cell.
            for name in BREAKDOWNS {
                assert!(staff["breakdowns"][name]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|c| c["suppressed"] == false));
            }
        }
        // Months are for staff: a funder's period is whole calendar years.
        for query in [
            "from=2026-03&to=2026-08",
            "from=2026-10&to=2026-10",
            "from=2025-07&to=2026-06",
        ] {
            let r = app.get(&format!("/api/v1/reports/annual?{query}"), &funder);
            assert_eq!(r.status, 422, "{query}");
            assert_eq!(r.body["errors"][0]["field"], "from");
            assert_eq!(r.body["errors"][0]["code"], "funder_whole_years");
            assert_eq!(
                report(app, &d.world.facilitator, query)["below_threshold"],
                false
            );
        }
        // The fixture has small cells: refugees (persons 5, 12, 19) and leaving child welfare.
        let f = report(app, &funder, "year=2026");
        let cell = |name: &str, key: &str| {
            f["breakdowns"][name]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["key"] == key)
                .cloned()
                .unwrap()
        };
        assert_eq!(cell("criteria", "refugee")["suppressed"], true);
        assert_eq!(cell("criteria", "refugee")["persons"], Value::Null);
        let staff = report(app, &d.world.facilitator, "year=2026");
        let staff_refugees = staff["breakdowns"]["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "refugee")
            .unwrap()
            .clone();
        assert!(staff_refugees["persons"].as_i64().unwrap() < 5);
        assert_eq!(staff_refugees["suppressed"], false);
    }
);

/// Ten persons in one structure: 8 women and 2 men, all in one age band.
pub(crate) fn small_world(app: &TestApp, structure: &str, persons: usize, men: usize) -> World {
    let w = fixtures::world(app, structure);
    let t = w.facilitator.clone();
    let mut entries = Vec::new();
    for i in 0..persons {
        let sex = if i < men { "male" } else { "female" };
        let p = person(
            app,
            &t,
            &format!("P{i}"),
            sex,
            "1980-03-03",
            false,
            "3",
            &["rsa"],
            "2026-01-01",
        );
        let pl = placement(
            app,
            &t,
            p,
            w.assignment_a,
            w.contractor_a,
            "direct_hire",
            "cdi",
            "2026-02-01",
            None,
        );
        entries.push(report_hours(
            app,
            &t,
            pl,
            "2026-03",
            10000 + i as i64 * 100,
            0,
        ));
    }
    decide(app, &t, &entries, true);
    w
}

on_both!(
    small_cells_are_hidden_with_their_complement,
    |app: &TestApp| {
        let w = small_world(app, "PLIE Centre", 10, 2);
        app.cli_user("PLIE Centre", "funder", "f@centre.test", None, None);
        let funder = app.token("f@centre.test");
        let staff = report(app, &w.facilitator, "year=2026");
        // Men: 100 h + 101 h; women: 102 h to 109 h.
        assert_eq!(
            staff["breakdowns"]["sex"],
            json!([{"key": "female", "persons": 8, "hours": 844, "suppressed": false},
               {"key": "male", "persons": 2, "hours": 201, "suppressed": false}])
        );
        let f = report(app, &funder, "year=2026");
        assert_safe(&staff, &f, 5);
        // Men (2) are hidden; women (8) would give them away by subtraction, so they are hidden
        // too; the totals are still shown.
        assert_eq!(
            f["breakdowns"]["sex"],
            json!([{"key": "female", "persons": null, "hours": null, "suppressed": true},
               {"key": "male", "persons": null, "hours": null, "suppressed": true}])
        );
        assert_eq!(f["beneficiaries"], 10);
        assert_eq!(f["hours"], staff["hours"]);
        // One cell of 10 persons: shown.
        assert_eq!(
            f["breakdowns"]["modality"],
            json!([{"key": "direct_hire", "persons": 10, "hours": staff["hours"], "suppressed": false}])
        );
        // A scope of fewer than 5 persons: no figure at all.
        let few = small_world(app, "PLIE Petit", 3, 1);
        app.cli_user("PLIE Petit", "funder", "f@petit.test", None, None);
        let f = report(app, &app.token("f@petit.test"), "year=2026");
        assert_below(&f);
        assert!(!assert_safe(
            &report(app, &few.facilitator, "year=2026"),
            &f,
            5
        ));
        // The facilitator sees everything.
        let s = report(app, &few.facilitator, "year=2026");
        assert_eq!(s["breakdowns"]["sex"].as_array().unwrap().len(), 2);
    }
);

mod suppression_threshold_is_configurable {
    use super::*;

    fn run(app: TestApp) {
        let w = small_world(&app, "PLIE Seuil", 10, 2);
        app.cli_user("PLIE Seuil", "funder", "f@seuil.test", None, None);
        let f = report(&app, &app.token("f@seuil.test"), "year=2026");
        let staff = report(&app, &w.facilitator, "year=2026");
        assert_safe(&staff, &f, 2);
        // With a threshold of 2, a cell of 2 men is shown.
        assert_eq!(f["breakdowns"]["sex"], staff["breakdowns"]["sex"]);
        assert_eq!(f["suppression_threshold"], 2);
    }

    #[test]
    fn sqlite() {
        run(TestApp::sqlite_with(|c| c.suppression_threshold = 2));
    }

    #[test]
    #[cfg_attr(not(postgres_tests), ignore = "CLAUSIER_TEST_POSTGRES_URL is not set")]
    fn postgres() {
        run(TestApp::postgres_required(|c| c.suppression_threshold = 2));
    }
}

// ---------------------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------------------

on_both!(funders_never_reach_personal_routes, |app: &TestApp| {
    let w = small_world(app, "PLIE Acces", 6, 0);
    app.cli_user("PLIE Acces", "funder", "f@acces.test", None, None);
    let funder = app.token("f@acces.test");
    let contractor = fixtures::contractor_user(app, &w.admin, w.contractor_a, "c@acces.test");
    let mut checked = 0;
    for route in clausier::api::access::ROUTES {
        if route.roles.is_empty() || route.roles.contains(&clausier::auth::Role::Funder) {
            continue;
        }
        let path = route
            .path
            .replace("<id>", "1")
            .replace("<contract_id>", "1")
            .replace("<pid>", "1")
            .replace("<month>", "2026-03")
            .replace("<year>", "2026");
        let r = app.request(
            route.method,
            &path,
            Some(&funder),
            Some(ContentType::JSON),
            Some(b"{}".to_vec()),
        );
        assert_eq!(
            r.status, 403,
            "funder on {} {path}: {}",
            route.method, r.text
        );
        checked += 1;
    }
    assert!(checked > 30);
    // Contractors read no report; nobody reads one without a token.
    for path in ["annual", "annual.csv", "annual.xlsx"] {
        let r = app.get(&format!("/api/v1/reports/{path}?year=2026"), &contractor);
        assert_eq!(r.status, 403, "{path}");
        let r = app.request(
            "GET",
            &format!("/api/v1/reports/{path}?year=2026"),
            None,
            None,
            None,
        );
        assert_eq!(r.status, 401, "{path}");
    }
    let r = app.get("/reports/annual/2026", &contractor);
    assert_eq!(r.status, 403);
    assert!(r.text.contains("Accès refusé"));
});

on_both!(
    a_funder_of_one_structure_sees_nothing_of_another,
    |app: &TestApp| {
        let a = small_world(app, "PLIE A", 6, 0);
        let b = small_world(app, "PLIE B", 7, 0);
        let sid = |token: &str| {
            app.get("/api/v1/me", token).body["structure_id"]
                .as_i64()
                .unwrap()
        };
        let (sa, sb) = (sid(&a.admin), sid(&b.admin));
        app.cli_user("PLIE A", "funder", "f@a.test", None, None);
        let fa = app.token("f@a.test");
        let ra = report(app, &fa, "year=2026");
        assert_eq!(ra["beneficiaries"], 6);
        assert_eq!(
            report(app, &fa, &format!("year=2026&structure_id={sa}"))["beneficiaries"],
            6
        );
        for query in [
            format!("year=2026&structure_id={sb}"),
            format!("year=2026&buyer_id={}", b.buyer),
            format!("year=2026&contractor_id={}", b.contractor_a),
            "year=2026&structure_id=999".to_string(),
        ] {
            for path in ["annual", "annual.csv", "annual.xlsx"] {
                let r = app.get(&format!("/api/v1/reports/{path}?{query}"), &fa);
                assert_eq!(r.status, 404, "{path}?{query}: {}", r.text);
            }
            // Staff of A neither.
            let r = app.get(&format!("/api/v1/reports/annual?{query}"), &a.facilitator);
            assert_eq!(r.status, 404, "staff: {query}");
        }
        // Staff of B see their own, unsuppressed.
        let rb = report(app, &b.facilitator, "year=2026");
        assert_eq!(rb["beneficiaries"], 7);
        assert_eq!(rb["suppression_threshold"], Value::Null);
        // A funder reading both structures sees the sum, or one of them.
        app.cli_user(
            "PLIE A",
            "funder",
            "f@ab.test",
            None,
            Some(&format!("structures:{sa},{sb}")),
        );
        let fab = app.token("f@ab.test");
        let r = report(app, &fab, "year=2026");
        assert_eq!(r["beneficiaries"], 13);
        assert_eq!(
            hundredths(&r["hours"]),
            hundredths(&ra["hours"]) + hundredths(&rb["hours"])
        );
        assert_eq!(
            report(app, &fab, &format!("year=2026&structure_id={sb}"))["beneficiaries"],
            7
        );
        assert_eq!(
            app.get("/api/v1/reports/annual?year=2026&structure_id=999", &fab)
                .status,
            404
        );
        // Territory and national funders.
        app.cli_user("PLIE A", "funder", "f@93.test", None, Some("territory:93"));
        let f93 = app.token("f@93.test");
        assert_eq!(report(app, &f93, "year=2026")["beneficiaries"], 13);
        assert_eq!(
            report(app, &f93, &format!("year=2026&structure_id={sb}"))["beneficiaries"],
            7
        );
        assert_eq!(
            app.get("/api/v1/reports/annual?year=2026&territory=75", &f93)
                .status,
            404
        );
        app.cli_user("PLIE A", "funder", "f@75.test", None, Some("territory:75"));
        assert_below(&report(app, &app.token("f@75.test"), "year=2026"));
        app.cli_user("PLIE A", "funder", "f@all.test", None, Some("all"));
        let fall = app.token("f@all.test");
        assert_eq!(report(app, &fall, "year=2026")["beneficiaries"], 13);
        assert_below(&report(app, &fall, "year=2026&territory=75"));
    }
);

// ---------------------------------------------------------------------------------------
// Formats and pages
// ---------------------------------------------------------------------------------------

on_both!(csv_and_xlsx_carry_the_same_figures, |app: &TestApp| {
    let d = dataset(app);
    let fac = &d.world.facilitator;
    let json = report(app, fac, "year=2026");
    // The standard form (the French one is read in files_fr.rs): the old columns, `label` last.
    let r = app.get("/api/v1/reports/annual.csv?year=2026&dialect=standard", fac);
    assert_eq!(r.status, 200);
    assert!(r.content_type.as_deref().unwrap().starts_with("text/csv"));
    assert_eq!(
        r.header("Content-Disposition"),
        Some("attachment; filename=\"bilan-2026.csv\"")
    );
    let rows = csv_rows(&r.text, b',');
    assert_eq!(rows[0].join(","), STANDARD_REPORT_HEADER);
    let mut seen = 0;
    for row in &rows[1..] {
        let (b, k) = (row[0].as_str(), row[1].as_str());
        assert!(!row[5].is_empty() && row[5] != row[1], "{row:?}");
        match b {
            "total" => {
                assert_eq!(
                    row[2].parse::<i64>().unwrap(),
                    json["beneficiaries"].as_i64().unwrap()
                );
                assert_eq!(row[3], json["hours"].to_string());
            }
            "exits" if k == "dynamic_share" => {
                assert_eq!(row[3], json["exits"][k].to_string())
            }
            "exits" => assert_eq!(row[2], json["exits"][k].to_string()),
            // Counts of contracts (issue 20): the totals, then per buyer.
            "pnad" => assert_eq!(row[2], json["pnad"][k].to_string()),
            _ if b.starts_with("pnad_") => {
                let buyer = json["pnad"]["by_buyer"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["buyer_id"].as_i64().map(|id| id.to_string()).as_deref() == Some(k))
                    .unwrap();
                assert_eq!(row[2], buyer[&b["pnad_".len()..]].to_string(), "{b}/{k}");
            }
            "follow_up_6m" if k == "dynamic_share" => {}
            "follow_up_6m" => assert_eq!(row[2], json["follow_up_6m"][k].to_string()),
            _ => {
                let cell = json["breakdowns"][b]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["key"] == k)
                    .unwrap();
                assert_eq!(row[2], cell["persons"].to_string(), "{b}/{k}");
                assert_eq!(row[3], cell["hours"].to_string(), "{b}/{k}");
                assert_eq!(&row[4], "false");
                seen += 1;
            }
        }
    }
    let cells: usize = BREAKDOWNS
        .iter()
        .map(|b| json["breakdowns"][b].as_array().unwrap().len())
        .sum();
    assert_eq!(seen, cells);
    // A funder's CSV: hidden cells are empty and marked.
    app.cli_user("PLIE Est", "funder", "f@csv.test", None, None);
    let f = app.token("f@csv.test");
    let r = app.get("/api/v1/reports/annual.csv?year=2026&dialect=standard", &f);
    assert!(
        r.text.contains(
            "criteria,refugee,,,true,Réfugié ou bénéficiaire d'une protection internationale"
        ),
        "{}",
        r.text
    );
    let r = app.get("/api/v1/reports/annual.csv?year=2026", &f);
    assert!(
        r.text.contains(
            "Critères d'éligibilité;refugee;Réfugié ou bénéficiaire d'une protection internationale;;;oui"
        ),
        "{}",
        r.text
    );

    let r = app.get("/api/v1/reports/annual.xlsx?from=2026-01&to=2026-06", fac);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(
        r.header("Content-Disposition"),
        Some("attachment; filename=\"bilan-2026-01-2026-06.xlsx\"")
    );
    let bytes = app
        .client
        .get("/api/v1/reports/annual.xlsx?year=2026")
        .header(Header::new("Authorization", format!("Bearer {fac}")))
        .dispatch()
        .into_bytes()
        .unwrap();
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    // The summary, the eleven breakdowns and the PNAD sheet per buyer (issue 20).
    assert_eq!(names.len(), 13, "{names:?}");
    assert_eq!(names[12], "PNAD par acheteur");
    assert_eq!(names[0], "Synthèse");
    assert_eq!(names[1], "Sexe");
    let summary = book.worksheet_range("Synthèse").unwrap();
    let value = |label: &str| {
        summary
            .rows()
            .find(|r| r[0] == label)
            .map(|r| r[1].to_string())
            .unwrap_or_else(|| panic!("{label} missing"))
    };
    assert_eq!(
        value("Personnes bénéficiaires"),
        json["beneficiaries"].to_string()
    );
    assert_eq!(
        (value("Heures d'insertion réalisées")
            .parse::<f64>()
            .unwrap()
            * 100.0)
            .round() as i64,
        hundredths(&json["hours"])
    );
    let buyers = book.worksheet_range("Acheteur").unwrap();
    assert!(buyers.rows().any(|r| r[1] == "Ville de Saint-Denis"));
});

fn session(app: &TestApp, email: &str) -> String {
    let r = app.submit_login_form(&format!(
        "email={}&password={PASSWORD}&next=%2Freports%2Fannual%2F2026",
        email.replace('@', "%40")
    ));
    assert_eq!(r.status().code, 303);
    assert_eq!(
        r.headers().get_one("Location"),
        Some("/reports/annual/2026")
    );
    let cookie = r.headers().get_one("Set-Cookie").unwrap().to_string();
    assert!(cookie.starts_with("clausier_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    session_cookie_value(&cookie)
}

fn page(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String, Option<String>) {
    let mut req = app.client.get(path.to_string());
    if let Some(t) = token {
        req = req.cookie(Cookie::new("clausier_session", t.to_string()));
    }
    let r = req.dispatch();
    let status = r.status().code;
    let location = r.headers().get_one("Location").map(str::to_string);
    (status, r.into_string().unwrap_or_default(), location)
}

on_both!(report_page_and_login, |app: &TestApp| {
    let w = small_world(app, "PLIE Page", 6, 0);
    // Without a session: to the login page, which comes back here.
    let (status, _, location) = page(app, "/reports/annual/2026?territory=93", None);
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some("/login?next=%2Freports%2Fannual%2F2026%3Fterritory%3D93")
    );
    let (status, body, _) = page(app, "/login?next=%2Freports%2Fannual%2F2026", None);
    assert_eq!(status, 200);
    // minijinja escapes `/` as `&#x2f;` in attributes.
    assert!(
        body.replace("&#x2f;", "/")
            .contains("name=\"next\" value=\"/reports/annual/2026\""),
        "{body}"
    );
    assert!(body.contains("<html lang=\"fr\">"));
    // Only local paths are followed.
    let (_, body, _) = page(app, "/login?next=https%3A%2F%2Fevil.example%2F", None);
    assert!(!body.contains("evil.example"));
    // Wrong password: the form again, 401.
    let r = app.submit_login_form(
        "email=fac%40plie-page.test&password=wrong-password-here&next=%2F%2Fevil.example",
    );
    assert_eq!(r.status().code, 401);
    assert!(r.headers().get_one("Set-Cookie").is_none());
    assert!(r.into_string().unwrap().contains("mot de passe incorrect"));
    // The lockout rule of the API login applies to the form.
    for attempt in 0..6 {
        let r = app.submit_login_form("email=nobody%40plie-page.test&password=wrong-password-here");
        if attempt < 5 {
            assert_eq!(r.status().code, 401, "attempt {attempt}");
        } else {
            assert_eq!(r.status().code, 429);
            assert!(r.headers().get_one("Retry-After").is_some());
            assert!(r.into_string().unwrap().contains("Trop de tentatives"));
        }
    }
    // An off-site next is replaced by the home page.
    let r = app.submit_login_form(&format!(
        "email=fac%40plie-page.test&password={PASSWORD}&next=%2F%2Fevil.example"
    ));
    assert_eq!(r.status().code, 303);
    assert_eq!(r.headers().get_one("Location"), Some("/"));

    let token = session(app, "fac@plie-page.test");
    let json = report(app, &w.facilitator, "year=2026");
    let (status, body, _) = page(app, "/reports/annual/2026", Some(&token));
    assert_eq!(status, 200);
    let headline = json["headline"].as_str().unwrap().replace('\'', "&#x27;");
    assert!(body.contains(&headline), "{headline} not in the page");
    assert!(body.contains("PLIE Page"));
    // The edition date, from the application's clock (2026-11-27), printed with the report.
    assert!(body.contains("Édité le 27 novembre 2026"), "{body}");
    // No link to a year that has not started; the year before links to this one.
    assert!(!body.contains("rel=\"next\""), "{body}");
    let (status, before, _) = page(app, "/reports/annual/2025", Some(&token));
    assert_eq!(status, 200);
    assert!(
        before
            .replace("&#x2f;", "/")
            .contains("href=\"/reports/annual/2026\" rel=\"next\""),
        "{before}"
    );
    assert!(body.contains("<svg class=\"chart\""));
    assert!(body.contains("@media print") && body.contains("size: A4"));
    // Nothing from the internet: no script, no link out (the only URL is the SVG namespace).
    assert!(!body.contains("<script"));
    assert!(!body.contains("https://"));
    assert_eq!(
        body.matches("http://").count(),
        body.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    // The session cookie also opens the API's downloads.
    let r = app
        .client
        .get("/api/v1/reports/annual.csv?year=2026")
        .cookie(Cookie::new("clausier_session", token.clone()))
        .dispatch();
    assert_eq!(r.status().code, 200);
    // Bad and foreign parameters: pages, not JSON.
    let (status, body, _) = page(app, "/reports/annual/20x6", Some(&token));
    assert_eq!(status, 422);
    assert!(body.contains("Paramètres refusés"));
    let (status, _, _) = page(app, "/reports/annual/2026?structure_id=999", Some(&token));
    assert_eq!(status, 404);
    // A funder's page shows the secret cells.
    app.cli_user("PLIE Page", "funder", "f@page.test", None, None);
    let ft = session(app, "f@page.test");
    let (status, body, _) = page(app, "/reports/annual/2026", Some(&ft));
    assert_eq!(status, 200);
    assert!(body.contains(&headline));
    assert!(body.contains("Secret statistique"));
    // Logout needs the page's secret; it ends the session and forgets the cookie.
    let (_, body, _) = page(app, "/reports/annual/2026", Some(&token));
    let secret = body
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the logout form carries the session's secret")
        .to_string();
    let r = app
        .client
        .post("/logout")
        .header(ContentType::Form)
        .cookie(Cookie::new("clausier_session", token.clone()))
        .body(format!("csrf_token={secret}"))
        .dispatch();
    assert_eq!(r.status().code, 303);
    let cleared = r.headers().get_one("Set-Cookie").unwrap();
    assert!(
        cleared.starts_with("clausier_session=") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let (status, _, _) = page(app, "/reports/annual/2026", Some(&token));
    assert_eq!(status, 303, "the old cookie opens nothing");
});

// ---------------------------------------------------------------------------------------
// Anonymisation and backends
// ---------------------------------------------------------------------------------------

on_both!(
    anonymisation_leaves_report_figures_identical,
    |app: &TestApp| {
        let d = dataset(app);
        app.cli_user("PLIE Est", "funder", "f@anon.test", None, None);
        let funder = app.token("f@anon.test");
        let queries = [
            "year=2026",
            "from=2026-02&to=2026-07",
            "year=2026&territory=75",
        ];
        let before: Vec<(Value, (u16, Value))> = queries
            .iter()
            .map(|q| {
                (
                    report(app, &d.world.facilitator, q),
                    answer(app, &funder, q),
                )
            })
            .collect();
        let config = clausier::config::Config::for_database(&app.database_url).unwrap();
        assert_eq!(config.retention_months, 24);
        let pool = clausier::db::build_pool(&config.database, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let ids = clausier::jobs::anonymise(&mut conn, &config, date("2099-01-01")).unwrap();
        assert_eq!(ids.len(), d.persons.len(), "everyone is anonymised");
        drop(conn);
        let r = app.get(
            &format!("/api/v1/participants/{}", d.persons[0].id),
            &d.world.facilitator,
        );
        assert_eq!(r.body["first_name"], Value::Null, "{}", r.text);
        for (q, (staff, funder_view)) in queries.iter().zip(before) {
            assert_eq!(report(app, &d.world.facilitator, q), staff, "{q}");
            assert_eq!(answer(app, &funder, q), funder_view, "{q}");
        }
        let _ = d.contract_2;
    }
);

#[test]
#[cfg_attr(not(postgres_tests), ignore = "CLAUSIER_TEST_POSTGRES_URL is not set")]
fn same_figures_on_sqlite_and_postgres() {
    let pg = TestApp::postgres_required(|_| {});
    let lite = TestApp::sqlite();
    let dl = dataset(&lite);
    let dp = dataset(&pg);
    assert_eq!(
        dl.placements.iter().map(|p| p.id).collect::<Vec<_>>(),
        dp.placements.iter().map(|p| p.id).collect::<Vec<_>>(),
        "same ids on both"
    );
    for app in [&lite, &pg] {
        app.cli_user("PLIE Est", "funder", "f@both.test", None, None);
    }
    let (fl, fp) = (lite.token("f@both.test"), pg.token("f@both.test"));
    for q in [
        "year=2026".to_string(),
        "year=2025".to_string(),
        "from=2026-03&to=2026-08".to_string(),
        "from=2025-11&to=2026-02".to_string(),
        format!("year=2026&contractor_id={}", dl.world.contractor_a),
        format!("year=2026&buyer_id={}", dl.buyer_2),
        "year=2026&clause_kind=execution_condition&territory=93".to_string(),
    ] {
        let l = report(&lite, &dl.world.facilitator, &q);
        let p = report(&pg, &dp.world.facilitator, &q);
        assert_eq!(l, p, "staff {q}");
        assert_eq!(answer(&lite, &fl, &q), answer(&pg, &fp, &q), "funder {q}");
        let csv =
            |app: &TestApp, t: &str| app.get(&format!("/api/v1/reports/annual.csv?{q}"), t).text;
        assert_eq!(
            csv(&lite, &dl.world.facilitator),
            csv(&pg, &dp.world.facilitator),
            "csv {q}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Differencing attacks: a second request never reveals what the first one hid
// ---------------------------------------------------------------------------------------

/// One structure, year 2026: 12 persons with contractor A for the buyer of the 93 on an
/// execution condition, 3 persons with contractor B on the same clause, and 2 persons with
/// contractor A for a buyer of the 75 on an insertion-purpose contract. One more person with A leaves
/// five placements in 2026, all to a qualifying training. 18 persons in all; every contractor,
/// buyer, clause kind and territory has one small cell, so every cell of those breakdowns
/// is hidden (the small one primarily, the large one as its complement).
struct Attack {
    w: World,
    buyer_2: i64,
}

fn attack_world(app: &TestApp) -> Attack {
    let w = fixtures::world(app, "PLIE Cible");
    let t = w.facilitator.clone();
    let (buyer_2, _, _, a2) = insertion_contract_of_a(app, &w, "Ville de Paris");
    let mut entries = Vec::new();
    let groups = [
        (12, w.assignment_a, w.contractor_a),
        (3, w.assignment_b, w.contractor_b),
        (2, a2, w.contractor_a),
    ];
    let mut n = 0;
    for (count, assignment, employer) in groups {
        for _ in 0..count {
            n += 1;
            let p = person(
                app,
                &t,
                &format!("Cible{n}"),
                if n % 2 == 0 { "female" } else { "male" },
                "1980-03-03",
                false,
                "3",
                &["rsa"],
                "2026-01-01",
            );
            let pl = placement(
                app,
                &t,
                p,
                assignment,
                employer,
                "direct_hire",
                "cdi",
                "2026-02-01",
                None,
            );
            entries.push(report_hours(app, &t, pl, "2026-03", 5000 + n * 100, 0));
        }
    }
    let leaver = person(
        app,
        &t,
        "Partante",
        "female",
        "1990-04-04",
        false,
        "3",
        &["rsa"],
        "2026-01-01",
    );
    let mut leaver_placements = Vec::new();
    for k in 0..5 {
        let pl = placement(
            app,
            &t,
            leaver,
            w.assignment_a,
            w.contractor_a,
            "direct_hire",
            "cdd",
            &format!("2026-0{}-01", k + 2),
            Some(&format!("2026-0{}-28", k + 2)),
        );
        entries.push(report_hours(
            app,
            &t,
            pl,
            &format!("2026-0{}", k + 2),
            1000,
            0,
        ));
        leaver_placements.push((pl, format!("2026-0{}-28", k + 2)));
    }
    decide(app, &t, &entries, true);
    for (pl, on) in leaver_placements {
        exit(app, &t, pl, &on, "positive_exit");
    }
    Attack { w, buyer_2 }
}

fn hidden_cell(report: &Value, name: &str, key: &str) -> bool {
    report["breakdowns"][name]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["key"] == key && c["suppressed"] == true)
}

on_both!(filters_on_hidden_cells_reveal_nothing, |app: &TestApp| {
    let a = attack_world(app);
    let w = &a.w;
    app.cli_user("PLIE Cible", "funder", "f@cible.test", None, None);
    let funder = app.token("f@cible.test");
    let staff = report(app, &w.facilitator, "year=2026");
    assert_eq!(staff["beneficiaries"], 18);
    let unfiltered = report(app, &funder, "year=2026");
    assert!(assert_safe(&staff, &unfiltered, 5));
    // The contractor B cell (3 persons) is hidden, and A with it; likewise buyers and
    // clause kinds.
    let (ca, cb) = (w.contractor_a.to_string(), w.contractor_b.to_string());
    let (b1, b2) = (w.buyer.to_string(), a.buyer_2.to_string());
    let cells = [
        ("contractor", "contractor_id", cb.as_str(), 3),
        ("contractor", "contractor_id", ca.as_str(), 15),
        ("buyer", "buyer_id", b2.as_str(), 2),
        ("buyer", "buyer_id", b1.as_str(), 16),
        ("clause_kind", "clause_kind", "insertion_purpose", 2),
        ("clause_kind", "clause_kind", "execution_condition", 16),
    ];
    for (name, param, key, persons) in cells {
        assert!(hidden_cell(&unfiltered, name, key), "{name}/{key}");
        let query = format!("year=2026&{param}={key}");
        let s = report(app, &w.facilitator, &query);
        assert_eq!(s["beneficiaries"], persons, "{query}");
        // Before: the group's exact totals, subtractable from the unfiltered ones.
        let f = report(app, &funder, &query);
        assert_below(&f);
        assert!(!assert_safe(&s, &f, 5));
        for format in ["annual.csv", "annual.xlsx"] {
            let r = app.get(&format!("/api/v1/reports/{format}?{query}"), &funder);
            assert_eq!(r.status, 200, "{format}?{query}");
        }
    }
    // Territories have no breakdown, but the 75 (2 persons) and the 93 (16 persons, the
    // complement that would give the 75 away) are judged the same way.
    for (territory, persons) in [("75", 2), ("93", 16)] {
        let query = format!("year=2026&territory={territory}");
        assert_eq!(
            report(app, &w.facilitator, &query)["beneficiaries"],
            persons
        );
        assert_below(&report(app, &funder, &query));
    }
    // A national funder likewise, and its own scope's figures are shown.
    app.cli_user("PLIE Cible", "funder", "f@national.test", None, Some("all"));
    let national = app.token("f@national.test");
    assert_eq!(report(app, &national, "year=2026")["beneficiaries"], 18);
    for query in [
        "year=2026&territory=75".to_string(),
        "year=2026&territory=93".to_string(),
        format!("year=2026&contractor_id={cb}"),
    ] {
        assert_below(&report(app, &national, &query));
    }
    // Two overlapping month ranges would isolate whoever worked in the month between
    // them: refused, whatever the ranges.
    for query in [
        "from=2026-01&to=2026-02",
        "from=2026-01&to=2026-03",
        "from=2026-03&to=2026-12",
        "from=2025-01&to=2026-11",
    ] {
        let r = app.get(&format!("/api/v1/reports/annual?{query}"), &funder);
        assert_eq!(r.status, 422, "{query}: {}", r.text);
        assert_eq!(
            r.body["errors"],
            json!([{"field": "from", "code": "funder_whole_years",
                        "message": r.body["errors"][0]["message"]}])
        );
        assert!(r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("années civiles entières"));
        // Staff keep their months.
        assert_eq!(answer(app, &w.facilitator, query).0, 200);
    }
    // Several whole years are a funder's period.
    let two = report(app, &funder, "from=2025-01&to=2026-12");
    assert_eq!(two["beneficiaries"], 18);
    // Exits are thresholded on persons: five exits of one person are not shown.
    assert_eq!(staff["exits"]["positive_exit"], 5);
    assert_eq!(unfiltered["exits"]["positive_exit"], Value::Null);
    assert_eq!(unfiltered["exits"]["durable_employment"], 0);
});

on_both!(below_threshold_in_every_format, |app: &TestApp| {
    let few = small_world(app, "PLIE Menu", 4, 1);
    app.cli_user("PLIE Menu", "funder", "f@menu.test", None, None);
    let funder = app.token("f@menu.test");
    // Before: totals of 4 persons.
    assert_below(&report(app, &funder, "year=2026"));
    assert_eq!(
        report(app, &few.facilitator, "year=2026")["beneficiaries"],
        4
    );
    let csv = app.get("/api/v1/reports/annual.csv?year=2026", &funder);
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 1, "{}", csv.text);
    assert!(lines[0].contains("moins de 5 personnes"), "{}", csv.text);
    assert!(!lines[0].chars().any(|c| c.is_ascii_digit() && c != '5'));
    let bytes = app
        .client
        .get("/api/v1/reports/annual.xlsx?year=2026")
        .header(Header::new("Authorization", format!("Bearer {funder}")))
        .dispatch()
        .into_bytes()
        .unwrap();
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Synthèse"]);
    let sheet = book.worksheet_range("Synthèse").unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    assert_eq!(cells.len(), 1, "{cells:?}");
    assert!(cells[0].contains("moins de 5 personnes"));
    let cookie = session(app, "f@menu.test");
    let (status, body, _) = page(app, "/reports/annual/2026", Some(&cookie));
    assert_eq!(status, 200);
    assert!(body.contains("id=\"below-threshold\""), "{body}");
    assert!(body.contains("moins de 5 personnes"));
    assert!(!body.contains("Chiffres clés"));
    // Staff see their four persons everywhere.
    let (status, body, _) = page(
        app,
        "/reports/annual/2026",
        Some(&session(app, &format!("fac@{}.test", "plie-menu"))),
    );
    assert_eq!(status, 200);
    assert!(body.contains("Chiffres clés"));
});
