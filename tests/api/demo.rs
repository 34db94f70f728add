//! The demo territory (issue 16): generated as `clausier demo` does on a chosen day, then
//! read through the API as a newcomer would on the first start: achievement rates, late
//! reports, entries waiting, the contractor's template for the current month, people's
//! names, and the first reminder run (at most 15 emails, at most 3 per recipient).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use clausier::seed::{generate, Scale, SeedOptions, SeedReport};
use serde_json::Value;

use crate::common::{TestApp, PASSWORD};
use crate::on_both;

/// Generates the demo into the app's database with `today` as its day.
fn demo_on(app: &TestApp, today: NaiveDate) -> Result<SeedReport, u16> {
    demo_answer(app, today).map_err(|e| e.status)
}

/// `clausier demo` on the test's database: its report, or its refusal with its code.
fn demo_answer(app: &TestApp, today: NaiveDate) -> Result<SeedReport, clausier::error::ApiError> {
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
        1,
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    let first = today.with_day(1).unwrap();
    let options = SeedOptions {
        scale: Scale::Demo,
        years: 2,
        seed: 2026,
        last_month: first.pred_opt().unwrap().with_day(1).unwrap(),
        today,
        password_hash: clausier::auth::password::hash_password(PASSWORD).unwrap(),
        open_placements: 0,
    };
    generate(&mut conn, &options)
}

fn login_of(report: &SeedReport, role: &str) -> String {
    report
        .users
        .iter()
        .find(|(r, _)| r == role)
        .unwrap_or_else(|| panic!("no {role} in {:?}", report.users))
        .1
        .clone()
}

/// Every item of a list route, page after page.
fn all_items(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = app.get_ok(
            &format!("{path}{sep}limit=500&offset={}", items.len()),
            token,
        );
        let page = r.body["items"].as_array().cloned().unwrap_or_default();
        let total = r.body["total"].as_u64().unwrap_or(0) as usize;
        items.extend(page.iter().cloned());
        if page.is_empty() || items.len() >= total {
            return items;
        }
    }
}

fn hours(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("hours expected, got {v}"))
}

/// Realised ÷ expected hours of every clause with an hour target on `on`, in percent, by
/// clause id: validated hours over the hours expected by that day (all the required hours
/// once a clause ended). A reserved contract has no target: it is left out.
fn achievement_rates(app: &TestApp, token: &str, on: NaiveDate) -> BTreeMap<i64, f64> {
    let mut rates = BTreeMap::new();
    for clause in all_items(app, "/api/v1/clauses", token) {
        let id = clause["id"].as_i64().unwrap();
        let p = app.get_ok(&format!("/api/v1/clauses/{id}/progress?on={on}"), token);
        if clause["kind"] == "reserved_contract" {
            assert_eq!(p.body["status"], "no_target", "{}", p.text);
            continue;
        }
        let expected = hours(&p.body["expected_hours"]);
        assert!(expected > 0.0, "clause {id} expects nothing: {}", p.text);
        rates.insert(id, 100.0 * hours(&p.body["validated_hours"]) / expected);
    }
    rates
}

/// Runs the reminder job once at `now`, emails written to a folder; returns the number of
/// emails sent to each recipient.
fn first_reminder_run(app: &TestApp, now: DateTime<Utc>) -> BTreeMap<String, usize> {
    let dir = tempfile::tempdir().unwrap();
    let mut config = clausier::config::Config::for_database(&app.database_url).unwrap();
    config.smtp = None;
    config.data_dir = dir.path().to_path_buf();
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).unwrap(),
        2,
    )
    .unwrap();
    let mailer = clausier::reminders::Mailer::from_config(&config).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let report = runtime
        .block_on(clausier::reminders::run(&pool, &mailer, &config, now))
        .expect("reminder job");
    assert_eq!(report.errors, 0, "{report:?}");
    assert_eq!(report.sent.len(), report.queued.len(), "{report:?}");
    let mut per_recipient = BTreeMap::new();
    for (_, to, _) in &report.sent {
        *per_recipient.entry(to.clone()).or_insert(0) += 1;
    }
    per_recipient
}

fn assert_email_limits(per_recipient: &BTreeMap<String, usize>, day: NaiveDate) {
    let total: usize = per_recipient.values().sum();
    assert!(total <= 15, "{day}: {total} emails: {per_recipient:?}");
    assert!(
        per_recipient.values().all(|n| *n <= 3),
        "{day}: more than 3 emails to one recipient: {per_recipient:?}"
    );
}

on_both!(
    the_demo_tells_the_truth_on_its_first_day,
    |app: &TestApp| {
        let today = app.clock.today();
        let report = demo_on(app, today).expect("demo generated");
        let staff = app.token(&login_of(&report, "facilitator"));

        // Clauses: running ones realise 40 to 130 % of what is expected by today, completed
        // ones 40 to 130 % of what was required; every active clause has its calendar.
        let rates = achievement_rates(app, &staff, today);
        assert_eq!(rates.len(), 13, "{rates:?}");
        for (id, rate) in &rates {
            assert!((40.0..=130.0).contains(rate), "clause {id}: {rate:.1} %");
        }
        let clauses = all_items(app, "/api/v1/clauses", &staff);
        let active: Vec<i64> = clauses
            .iter()
            .filter(|c| c["status"] == "active")
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert!(active.len() >= 6, "{clauses:?}");
        let mut overdue_reports = 0;
        for id in &active {
            let milestones = all_items(app, &format!("/api/v1/clauses/{id}/milestones"), &staff);
            let clause = clauses.iter().find(|c| c["id"] == *id).unwrap();
            if clause["kind"] == "reserved_contract" {
                // No target, no calendar, no hours reported on it.
                assert!(milestones.is_empty(), "{milestones:?}");
                continue;
            }
            assert!(
                milestones.iter().any(|m| m["kind"] == "report")
                    && milestones.iter().any(|m| m["kind"] == "final_report"),
                "clause {id} has no calendar: {milestones:?}"
            );
            overdue_reports += milestones
                .iter()
                .filter(|m| m["kind"] == "report" && m["state"] == "overdue")
                .count();
        }
        assert!(overdue_reports >= 1, "a late report shows in a calendar");

        // Every kind of clause with what its kind needs (issue 20): a reserved contract with
        // its legal basis and no hour target, an award criterion with the hours committed,
        // an insertion purpose with its target in persons.
        let of_kind =
            |kind: &str| -> Vec<&Value> { clauses.iter().filter(|c| c["kind"] == kind).collect() };
        let reserved = of_kind("reserved_contract");
        assert_eq!(reserved.len(), 1, "{clauses:?}");
        let reserved = app.get_ok(&format!("/api/v1/clauses/{}", reserved[0]["id"]), &staff);
        assert!(
            reserved.body["legal_basis"].is_string(),
            "{}",
            reserved.text
        );
        assert!(
            reserved.body["required_hours"].is_null(),
            "{}",
            reserved.text
        );
        for award in of_kind("award_criterion") {
            let a = app.get_ok(&format!("/api/v1/clauses/{}", award["id"]), &staff);
            assert!(hours(&a.body["committed_hours"]) > 0.0, "{}", a.text);
            assert!(
                a.body["weighting_percent"].as_i64().unwrap() > 0,
                "{}",
                a.text
            );
        }
        assert_eq!(of_kind("award_criterion").len(), 1, "{clauses:?}");
        let purpose = of_kind("insertion_purpose");
        assert_eq!(purpose.len(), 1, "{clauses:?}");
        let purpose = app.get_ok(&format!("/api/v1/clauses/{}", purpose[0]["id"]), &staff);
        assert!(
            purpose.body["target_persons"].as_i64().unwrap() > 0,
            "{}",
            purpose.text
        );
        let reserved_id = reserved.body["id"].as_i64().unwrap();
        let placed_on_reserved = all_items(app, "/api/v1/placements", &staff)
            .into_iter()
            .filter(|p| p["clause_id"] == reserved_id)
            .count();
        assert_eq!(
            placed_on_reserved, 0,
            "no hours are reported on a reserved contract"
        );

        // Reserved contracts are held by organisations their legal basis admits (SIAE under
        // L2113-13, EA or ESAT under L2113-12, either under L2113-14), read as a client
        // reads them: the clause, its contract's holders, each holder's kind; the buyer's
        // SPASER evaluation counts the contract among those awarded to SIAE.
        let siae = ["EI", "ETTI", "AI", "ACI", "EITI"];
        let disabled = ["EA", "ESAT"];
        for clause in of_kind("reserved_contract") {
            let c = app.get_ok(&format!("/api/v1/clauses/{}", clause["id"]), &staff);
            let basis = c.body["legal_basis"].as_str().unwrap().to_string();
            let admitted: Vec<&str> = match basis.as_str() {
                "L2113-13" => siae.to_vec(),
                "L2113-12" => disabled.to_vec(),
                "L2113-14" => siae.iter().chain(disabled.iter()).copied().collect(),
                other => panic!("a demo reserved contract under {other}"),
            };
            let contract = app.get_ok(
                &format!("/api/v1/contracts/{}", c.body["contract_id"]),
                &staff,
            );
            let holders = contract.body["holder_ids"].as_array().unwrap().clone();
            assert!(!holders.is_empty(), "no holder: {}", contract.text);
            let assigned: Vec<Value> = c.body["assignments"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["role"] == "holder")
                .map(|a| a["contractor_id"].clone())
                .collect();
            for holder in holders.iter().chain(assigned.iter()) {
                let org = app.get_ok(&format!("/api/v1/organisations/{holder}"), &staff);
                let kind = org.body["siae_kind"].as_str().unwrap_or("none");
                assert!(
                    admitted.contains(&kind),
                    "{} ({kind}) holds a contract reserved under {basis}",
                    org.body["name"]
                );
            }
            let year = &contract.body["notified_on"].as_str().unwrap()[..4];
            let spaser = app.get_ok(
                &format!(
                    "/api/v1/reports/spaser?buyer_id={}&year={year}",
                    contract.body["buyer_id"]
                ),
                &staff,
            );
            let awarded = spaser.body["current"]["awarded"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["holders"] == "siae")
                .unwrap()
                .clone();
            assert!(
                awarded["contracts"].as_i64().unwrap() >= 1,
                "{}",
                spaser.text
            );
        }

        // The year's report shows the new figures with plausible values: dynamic exits, the
        // situations six months after the exits (most recorded, some left to do), the
        // purchasing plan's social and environmental shares.
        let r = app.get_ok(
            &format!("/api/v1/reports/annual?year={}", today.year()),
            &staff,
        );
        let dynamic = r.body["exits"]["dynamic_share"].as_f64().unwrap_or(0.0);
        assert!((20.0..=90.0).contains(&dynamic), "{}", r.body["exits"]);
        let f = &r.body["follow_up_6m"];
        let due = f["due"].as_i64().unwrap_or(0);
        let not_recorded = f["not_recorded"].as_i64().unwrap_or(0);
        assert!(due > 0, "{f}");
        let recorded_share = 100 * (due - not_recorded) / due;
        assert!(
            (30..=90).contains(&recorded_share),
            "{recorded_share} % recorded: {f}"
        );
        let p = &r.body["pnad"];
        let social = p["share"].as_f64().unwrap_or(0.0);
        let environmental = p["environmental_share"].as_f64().unwrap_or(0.0);
        assert!((15.0..=60.0).contains(&social), "{p}");
        assert!((15.0..=50.0).contains(&environmental), "{p}");

        // The work list has something to do.
        let worklist = app.get_ok("/api/v1/worklist", &staff);
        assert!(
            worklist.body["total"].as_i64().unwrap() >= 1,
            "{}",
            worklist.text
        );

        // Entries wait for validation; every entry was declared after its month ended, and
        // none after today.
        let entries = all_items(app, "/api/v1/hours", &staff);
        assert!(
            entries.iter().any(|e| e["status"] == "submitted"),
            "entries waiting for validation"
        );
        for e in &entries {
            let month = NaiveDate::parse_from_str(
                &format!("{}-01", e["month"].as_str().unwrap()),
                "%Y-%m-%d",
            )
            .unwrap();
            let submitted =
                NaiveDate::parse_from_str(&e["submitted_at"].as_str().unwrap()[..10], "%Y-%m-%d")
                    .unwrap();
            let next_month = month.checked_add_months(chrono::Months::new(1)).unwrap();
            assert!(
                submitted >= next_month && submitted <= today,
                "hours of {month} declared on {submitted}: {e}"
            );
        }

        // People: no numbered names, and a first name is worn by one sex only.
        let people = all_items(app, "/api/v1/participants", &staff);
        assert_eq!(people.len(), report.persons, "{report:?}");
        let mut sex_of_first_name: HashMap<String, String> = HashMap::new();
        for p in &people {
            let (first, last) = (
                p["first_name"].as_str().unwrap(),
                p["last_name"].as_str().unwrap(),
            );
            assert!(
                !first.ends_with(|c: char| c.is_ascii_digit())
                    && !last.ends_with(|c: char| c.is_ascii_digit()),
                "{first} {last}"
            );
            let sex = p["sex"].as_str().unwrap().to_string();
            let seen = sex_of_first_name
                .entry(first.to_string())
                .or_insert(sex.clone());
            assert_eq!(*seen, sex, "{first} recorded with two sexes");
        }

        // The demo contractor's template for the current month lists its people at work.
        let contractor = app.token(&login_of(&report, "contractor"));
        let month = format!("{}-{:02}", today.year(), today.month());
        let template = app.get_ok(
            &format!("/api/v1/hours/template?month={month}"),
            &contractor,
        );
        let rows = template
            .text
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count();
        assert!(rows >= 2, "template of {month}:\n{}", template.text);

        // The first reminder run: something to say, within the limits; the staff see it in
        // the notifications.
        let now = Utc
            .with_ymd_and_hms(today.year(), today.month(), today.day(), 10, 0, 0)
            .unwrap();
        let sent = first_reminder_run(app, now);
        assert_email_limits(&sent, today);
        let total: usize = sent.values().sum();
        assert!(total >= 3, "the first run has reminders to send: {sent:?}");
        let notifications = all_items(app, "/api/v1/notifications", &staff);
        assert_eq!(notifications.len(), total);
        assert!(
            notifications.iter().any(|n| n["rule"] == "reporting_due"),
            "a late report is reminded: {notifications:?}"
        );
    }
);

// The demo is dated from the day it is made: on other days of the year (a month's first
// day, the middle of a month, a month's last day, January) the same rules hold.
on_both!(the_demo_holds_on_any_day, |app: &TestApp| {
    let fresh = || {
        if app.database_url.starts_with("postgres") {
            TestApp::postgres().expect("postgres")
        } else {
            TestApp::sqlite()
        }
    };
    let days = [
        NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
        NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
        NaiveDate::from_ymd_opt(2026, 8, 31).unwrap(),
    ];
    for (n, day) in days.into_iter().enumerate() {
        let other;
        let app = if n == 0 {
            app
        } else {
            other = fresh();
            &other
        };
        let report = demo_on(app, day).expect("demo generated");
        let staff = app.token(&login_of(&report, "facilitator"));
        for (id, rate) in achievement_rates(app, &staff, day) {
            assert!(
                (40.0..=130.0).contains(&rate),
                "{day}, clause {id}: {rate:.1} %"
            );
        }
        let contractor = app.token(&login_of(&report, "contractor"));
        let month = format!("{}-{:02}", day.year(), day.month());
        let template = app.get_ok(
            &format!("/api/v1/hours/template?month={month}"),
            &contractor,
        );
        assert!(
            template.text.lines().count() >= 3,
            "{day}: {}",
            template.text
        );
        let now = Utc
            .with_ymd_and_hms(day.year(), day.month(), day.day(), 17, 0, 0)
            .unwrap();
        assert_email_limits(&first_reminder_run(app, now), day);
    }
});

// An admin made with `create-user` before `demo` sees the demo: it goes into the only
// structure; with two structures and no data, the demo is refused and writes nothing.
on_both!(the_demo_goes_into_the_only_structure, |app: &TestApp| {
    let admin = app.structure_admin("Maison de l'emploi Est");
    let today = app.clock.today();
    let report = demo_on(app, today).expect("demo generated");
    let clauses = app.get_ok("/api/v1/clauses", &admin);
    assert_eq!(clauses.body["total"], 14, "{}", clauses.text);
    let people = app.get_ok("/api/v1/participants?limit=1", &admin);
    assert_eq!(
        people.body["total"].as_u64().unwrap() as usize,
        report.persons
    );
    // Run again: the database holds data now.
    let refused = demo_answer(app, today).expect_err("a second demo is refused");
    assert_eq!(
        (refused.status, refused.code.as_str()),
        (409, "database_not_empty")
    );
});

on_both!(the_demo_refuses_several_structures, |app: &TestApp| {
    let first = app.structure_admin("PLIE Nord");
    app.structure_admin("PLIE Sud");
    assert_eq!(demo_on(app, app.clock.today()).err(), Some(409));
    let clauses = app.get_ok("/api/v1/clauses", &first);
    assert_eq!(clauses.body["total"], 0, "{}", clauses.text);
});
