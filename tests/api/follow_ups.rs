//! Follow-ups after an exit (POST /api/v1/placements/{id}/follow-ups, GET
//! /api/v1/follow-ups): what is refused and why, once per months, tenancy and roles, the
//! work list line that comes and goes, the reminder to the referent sent once; and the
//! report's `exits.dynamic_share` and `follow_up_6m`, computed here from the entries made,
//! hidden from a funder when fewer than 5 persons are behind them.

use chrono::{DateTime, Utc};
use clausier::config::{Config, DatabaseUrl, SmtpConfig, SmtpTls};
use clausier::db::DbPool;
use clausier::reminders::{self, JobReport, Mailer};
use serde_json::{json, Value};

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, report_work, validate, World};
use crate::on_both;
use crate::smtp::SmtpServer;

fn follow_up(app: &TestApp, token: &str, placement: i64, body: Value) -> crate::common::Resp {
    app.post(
        &format!("/api/v1/placements/{placement}/follow-ups"),
        token,
        body,
    )
}

fn exit(app: &TestApp, token: &str, placement: i64, on: &str, outcome: &str) {
    let r = app.post(
        &format!("/api/v1/placements/{placement}/exit"),
        token,
        json!({"ended_on": on, "outcome": outcome}),
    );
    assert_eq!(r.status, 200, "exit: {}", r.text);
}

fn work(app: &TestApp, token: &str, on: &str) -> Value {
    let r = app.get(&format!("/api/v1/worklist?on={on}"), token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body.clone()
}

fn follow_up_lines(list: &Value) -> Vec<Value> {
    list["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["kind"] == "follow_up_due")
        .cloned()
        .collect()
}

on_both!(
    a_follow_up_is_recorded_once_after_it_is_due_by_the_structure_s_staff,
    |app: &TestApp| {
        let (w, awa_person, awa) = fixtures::placed(app);
        let six = json!({"months": 6, "situation": "durable_employment",
                         "observed_on": "2026-11-20", "source": "france_travail"});
        // No exit yet: nothing to follow.
        let r = follow_up(app, &w.facilitator, awa, six.clone());
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(
            r.body["errors"][0]["code"], "placement_not_exited",
            "{}",
            r.text
        );
        exit(app, &w.facilitator, awa, "2026-05-15", "durable_employment");

        // Due on 15 November (the clock reads 27 November 2026): on the work list from then.
        assert!(follow_up_lines(&work(app, &w.facilitator, "2026-11-14")).is_empty());
        let lines = follow_up_lines(&work(app, &w.facilitator, "2026-11-27"));
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(
            lines[0]["what"],
            "Awa Diallo : suivi à 6 mois à faire depuis le 15 novembre 2026 (mise en \
             situation chez Bâtiment Durable terminée le 15 mai 2026)."
        );
        assert_eq!(lines[0]["since"], "2026-11-15");
        assert_eq!(
            lines[0]["href"],
            format!("/people/{awa_person}#follow-up-{awa}")
        );
        let due = app.get_ok("/api/v1/follow-ups?due=true", &w.facilitator);
        assert_eq!(due.body["total"], 1, "{}", due.text);
        assert_eq!(due.body["items"][0]["placement_id"], awa);
        assert_eq!(due.body["items"][0]["due_on"], "2026-11-15");
        assert_eq!(due.body["items"][0]["person"], "Awa Diallo");

        // Every broken rule at once, with French messages.
        let r = follow_up(
            app,
            &w.facilitator,
            awa,
            json!({"months": 3, "situation": "employed", "observed_on": "2026-11-20", "source": "voisin"}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        r.assert_refused_on(&["months", "situation", "source"]);
        let codes: Vec<&str> = r.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["code"].as_str())
            .collect();
        for code in [
            "follow_up_months",
            "situation_unknown",
            "follow_up_source_unknown",
        ] {
            assert!(codes.contains(&code), "{code}: {}", r.text);
        }
        assert!(r.text.contains("6 ou 12 mois"), "{}", r.text);
        let mut before = six.clone();
        before["observed_on"] = json!("2026-05-01");
        let r = follow_up(app, &w.facilitator, awa, before);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["code"], "observed_before_exit");
        let mut future = six.clone();
        future["observed_on"] = json!("2026-12-01");
        let r = follow_up(app, &w.facilitator, awa, future);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["code"], "date_in_future");
        // The 12-month follow-up is not due before 15 May 2027.
        let mut twelve = six.clone();
        twelve["months"] = json!(12);
        let r = follow_up(app, &w.facilitator, awa, twelve);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["errors"][0]["code"], "follow_up_not_due");

        // Another structure, a contractor, a funder: not theirs.
        let other = fixtures::world(app, "Autre PLIE");
        assert_eq!(
            follow_up(app, &other.facilitator, awa, six.clone()).status,
            404
        );
        let other_due = app.get_ok("/api/v1/follow-ups?due=true", &other.facilitator);
        assert_eq!(other_due.body["total"], 0, "{}", other_due.text);
        let chef = contractor_user(app, &w.admin, w.contractor_a, "chef@plie.test");
        let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
        for token in [&chef, &funder] {
            assert_eq!(follow_up(app, token, awa, six.clone()).status, 403);
            assert_eq!(app.get("/api/v1/follow-ups?due=true", token).status, 403);
        }
        // Nothing was stored by the refusals.
        assert_eq!(
            app.get_ok("/api/v1/follow-ups", &w.facilitator).body["total"],
            0
        );

        let r = follow_up(app, &w.facilitator, awa, six.clone());
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["situation"], "durable_employment");
        assert_eq!(r.body["source_label"], "France Travail");
        assert_eq!(r.body["months"], 6);
        let id = r.body["id"].as_i64().unwrap();
        // Once: a second one is a conflict naming the first.
        let r = follow_up(app, &w.admin, awa, six);
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(r.body["errors"][0]["code"], "follow_up_already_recorded");
        assert_eq!(r.body["existing_id"], id, "{}", r.text);

        // Gone from the due list and the work list; in the recorded list.
        assert_eq!(
            app.get_ok("/api/v1/follow-ups?due=true", &w.facilitator)
                .body["total"],
            0
        );
        assert!(follow_up_lines(&work(app, &w.facilitator, "2026-11-27")).is_empty());
        let recorded = app.get_ok("/api/v1/follow-ups", &w.facilitator);
        assert_eq!(recorded.body["total"], 1);
        assert_eq!(recorded.body["items"][0]["id"], id);

        // The 12-month follow-up, once the structure asks for it: an admin's setting.
        let r = app.put(
            "/api/v1/follow-ups/settings",
            &w.facilitator,
            json!({"twelve_months": true}),
        );
        assert_eq!(r.status, 403);
        let r = app.put(
            "/api/v1/follow-ups/settings",
            &w.admin,
            json!({"twelve_months": true}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            app.get_ok("/api/v1/follow-ups/settings", &w.facilitator)
                .body["twelve_months"],
            true
        );
        assert!(follow_up_lines(&work(app, &w.facilitator, "2027-05-14")).is_empty());
        let lines = follow_up_lines(&work(app, &w.facilitator, "2027-05-15"));
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0]["what"]
            .as_str()
            .unwrap()
            .contains("suivi à 12 mois"));
        // The other structure's setting did not change.
        assert_eq!(
            app.get_ok("/api/v1/follow-ups/settings", &other.facilitator)
                .body["twelve_months"],
            false
        );
    }
);

/// Six persons placed with contractor A from 1 February 2026, each with 35 validated hours
/// in February, leaving with these outcomes on these days; returns their placements.
const LEAVERS: [(&str, &str, &str, &str); 6] = [
    ("Awa", "Diallo", "2026-03-31", "durable_employment"),
    ("Inès", "Martin", "2026-04-30", "transitional_employment"),
    ("Karim", "Benali", "2026-04-30", "positive_exit"),
    ("Lucie", "Moreau", "2026-05-15", "other"),
    ("Paul", "Girard", "2026-06-30", "other"),
    ("Sarah", "Lopez", "2026-08-31", "durable_employment"),
];

fn leavers(app: &TestApp, w: &World) -> Vec<i64> {
    LEAVERS
        .iter()
        .map(|(first, last, ends, outcome)| {
            let (_, placement) = fixtures::person_placed_with_a(
                app,
                w,
                (first, last, "1991-03-04"),
                "2026-01-10",
                ("2026-02-01", Some(ends)),
            );
            let entry = report_work(app, &w.facilitator, placement, "2026-02", 35.0);
            validate(app, &w.facilitator, entry);
            exit(app, &w.facilitator, placement, ends, outcome);
            placement
        })
        .collect()
}

/// A share in tenths of a percent, rounded half up, as the report gives it with one decimal.
fn share(part: i64, whole: i64) -> f64 {
    ((part * 1000 * 2 + whole) / (2 * whole)) as f64 / 10.0
}

on_both!(
    dynamic_exits_and_the_situation_at_six_months_are_counted_and_hidden_from_funders,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let placements = leavers(app, &w);
        // Situations at 6 months of the first four (the fifth is due on 31 December, not
        // recorded; the sixth falls due in 2027).
        let situations = [
            "durable_employment",
            "job_search",
            "qualifying_training",
            "unknown",
        ];
        for (placement, situation) in placements.iter().zip(situations) {
            let r = follow_up(
                app,
                &w.facilitator,
                *placement,
                json!({"months": 6, "situation": situation, "observed_on": "2026-11-26", "source": "person"}),
            );
            assert_eq!(r.status, 201, "{}", r.text);
        }

        // Expected, from the entries above.
        let exits_2026: Vec<&str> = LEAVERS.iter().map(|l| l.3).collect();
        let dynamic = exits_2026.iter().filter(|o| **o != "other").count() as i64;
        let expected_exit_share = share(dynamic, exits_2026.len() as i64);
        // Follow-ups due in 2026: exits from July 2025 to June 2026.
        let due: Vec<usize> = LEAVERS
            .iter()
            .enumerate()
            .filter(|(_, l)| l.2 <= "2026-06-30")
            .map(|(i, _)| i)
            .collect();
        let recorded = |code: &str| situations.iter().filter(|s| **s == code).count() as i64;
        let known = situations.iter().filter(|s| **s != "unknown").count() as i64;
        let employed_or_training = recorded("durable_employment")
            + recorded("transitional_employment")
            + recorded("qualifying_training");

        let staff = app.get_ok("/api/v1/reports/annual?year=2026", &w.facilitator);
        let r = &staff.body;
        assert_eq!(
            r["exits"]["dynamic_share"],
            json!(expected_exit_share),
            "{r}"
        );
        assert_eq!(r["exits"]["dynamic_share"], json!(66.7));
        let f = &r["follow_up_6m"];
        assert_eq!(f["due"], json!(due.len()), "{f}");
        for code in [
            "durable_employment",
            "transitional_employment",
            "qualifying_training",
            "job_search",
            "inactive",
            "unknown",
        ] {
            assert_eq!(f[code], json!(recorded(code)), "{code}: {f}");
        }
        assert_eq!(
            f["not_recorded"],
            json!(due.len() as i64 - situations.len() as i64)
        );
        assert_eq!(
            f["dynamic_share"],
            json!(share(employed_or_training, known)),
            "{f}"
        );

        // The CSV and the page carry them.
        let csv = app.get_ok(
            "/api/v1/reports/annual.csv?year=2026&dialect=standard",
            &w.facilitator,
        );
        assert!(
            csv.text.contains("exits,dynamic_share,,66.7,false"),
            "{}",
            csv.text
        );
        assert!(
            csv.text.contains("follow_up_6m,due,5,,false"),
            "{}",
            csv.text
        );
        let s = app.page_session(&w.facilitator);
        let page = app.page_get("/reports/annual/2026", &s);
        assert_eq!(page.status, 200);
        assert!(page.text.contains("Situation à 6 mois"), "{}", page.text);
        assert!(page.text.contains("66,7\u{202f}%"), "{}", page.text);

        // A funder: six beneficiaries, but each outcome and each situation is 1 or 2 persons:
        // the counts and the shares that would give them away are hidden.
        let funder = app.api_user(&w.admin, "funder", "f@plie.test", None);
        let fr = app.get_ok("/api/v1/reports/annual?year=2026", &funder);
        let fr = &fr.body;
        assert_eq!(fr["below_threshold"], false, "{fr}");
        assert_eq!(fr["beneficiaries"], 6);
        assert_eq!(fr["exits"]["durable_employment"], Value::Null);
        assert_eq!(fr["exits"]["dynamic_share"], Value::Null, "{fr}");
        assert_eq!(fr["follow_up_6m"]["due"], json!(5));
        assert_eq!(fr["follow_up_6m"]["durable_employment"], Value::Null);
        assert_eq!(fr["follow_up_6m"]["inactive"], json!(0));
        assert_eq!(fr["follow_up_6m"]["dynamic_share"], Value::Null, "{fr}");
        let fpage = app.page_get("/reports/annual/2026", &app.page_session(&funder));
        assert_eq!(fpage.status, 200);
        assert!(fpage.text.contains("secret statistique"));
        assert!(!fpage.text.contains("66,7\u{202f}%"), "{}", fpage.text);
    }
);

/// The reminder job run by hand against a local SMTP server.
struct Runner {
    pool: DbPool,
    mailer: Mailer,
    config: Config,
    rt: tokio::runtime::Runtime,
}

impl Runner {
    fn new(app: &TestApp, port: u16) -> Runner {
        let mut config = Config::for_database(&app.database_url).expect("config");
        config.smtp = Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        });
        let pool =
            clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 2)
                .expect("pool");
        let mailer = Mailer::from_config(&config).expect("mailer");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        Runner {
            pool,
            mailer,
            config,
            rt,
        }
    }

    fn run(&self, now: &str) -> JobReport {
        let now: DateTime<Utc> = DateTime::parse_from_rfc3339(now)
            .expect("RFC 3339")
            .with_timezone(&Utc);
        self.rt
            .block_on(reminders::run(&self.pool, &self.mailer, &self.config, now))
            .expect("reminder job")
    }
}

on_both!(
    a_follow_up_due_is_told_to_the_referent_once,
    |app: &TestApp| {
        let smtp = SmtpServer::start();
        let (w, _, awa) = fixtures::placed(app);
        exit(app, &w.facilitator, awa, "2026-05-15", "durable_employment");
        let job = Runner::new(app, smtp.port);
        let follow_ups = |app: &TestApp| -> Vec<Value> {
            let r = app.get_ok("/api/v1/notifications?limit=500", &w.facilitator);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["rule"] == "follow_up_due")
                .cloned()
                .collect()
        };
        job.run("2026-11-14T10:00:00Z");
        assert!(follow_ups(app).is_empty());
        job.run("2026-11-15T10:00:00Z");
        job.run("2026-11-16T10:00:00Z");
        job.run("2026-11-20T10:00:00Z");
        let sent = follow_ups(app);
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0]["recipient"], "fac@plie.test");
        assert_eq!(sent[0]["subject_id"], awa);
        assert_eq!(
            sent[0]["subject"],
            "Suivi à 6 mois à faire : Awa D., sortie le 15 mai 2026"
        );
        let mails: Vec<_> = smtp
            .messages()
            .into_iter()
            .filter(|m| {
                m.subject().contains("Suivi à 6 mois") || m.text().contains("Suivi à 6 mois")
            })
            .collect();
        assert_eq!(mails.len(), 1);
    }
);

on_both!(
    the_person_page_records_a_follow_up_and_the_follow_ups_page_lists_those_due,
    |app: &TestApp| {
        let (w, person, awa) = fixtures::placed(app);
        exit(app, &w.facilitator, awa, "2026-05-15", "durable_employment");
        let s = app.page_session(&w.facilitator);

        // The list of follow-ups due, linked from the work list on the staff home.
        let home = app.page_get("/", &s);
        assert!(home.text.contains("Suivis à faire"), "{}", home.text);
        assert!(home.text.contains("href=\"/follow-ups\""), "{}", home.text);
        let list = app.page_get("/follow-ups", &s);
        assert_eq!(list.status, 200, "{}", list.text);
        assert!(list.text.contains("Awa Diallo"), "{}", list.text);
        assert!(list.text.contains("15 novembre 2026"), "{}", list.text);
        assert!(
            list.text.contains(&format!("{person}#follow-up-{awa}")),
            "{}",
            list.text
        );

        // The person page: the exited placement, its follow-up due and the form.
        let page = app.page_get(&format!("/people/{person}"), &s);
        assert_eq!(page.status, 200);
        assert!(page.text.contains("Suivi après la sortie"), "{}", page.text);
        assert!(page.text.contains(&format!("id=\"follow-up-{awa}\"")));
        assert!(page.text.contains("France Travail"));
        assert!(page.text.contains("Formation qualifiante"));

        // Refused: the French message beside the field, nothing stored.
        let path = format!("/people/placements/{awa}/follow-ups");
        let r = app.page_post(
            &path,
            &s,
            &[
                ("months", "6"),
                ("situation", ""),
                ("observed_on", "2026-11-20"),
                ("source", "person"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-situation-"), "{}", r.text);
        assert!(!r.text.contains("\"type\":"), "no problem JSON: {}", r.text);
        let r = app.page_post(
            &path,
            &s,
            &[
                ("months", "6"),
                ("situation", "inactive"),
                ("observed_on", "2026-04-01"),
                ("source", "person"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            r.text
                .contains("ne peut pas précéder la sortie du 15 mai 2026"),
            "{}",
            r.text
        );
        assert_eq!(
            app.get_ok("/api/v1/follow-ups", &w.facilitator).body["total"],
            0
        );

        let r = app.page_post(
            &path,
            &s,
            &[
                ("months", "6"),
                ("situation", "qualifying_training"),
                ("observed_on", "2026-11-20"),
                ("source", "employer"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text);
        let to = r.header("Location").unwrap().to_string();
        assert_eq!(
            to,
            format!("/people/{person}?fait=suivi-enregistre#follow-up-{awa}")
        );
        let page = app.page_get(to.split('#').next().unwrap(), &s);
        assert!(page
            .text
            .contains("Le suivi après la sortie est enregistré."));
        assert!(
            page.text.contains("Suivi à 6 mois : <strong>Formation qualifiante</strong>, constaté le 20 novembre 2026 (source : L&#x27;employeur)")
                || page.text.contains("Suivi à 6 mois : <strong>Formation qualifiante</strong>, constaté le 20 novembre 2026 (source : L'employeur)"),
            "{}",
            page.text
        );
        let list = app.page_get("/follow-ups", &s);
        assert!(
            list.text.contains("Aucun suivi à faire aujourd'hui."),
            "{}",
            list.text
        );

        // Another structure's staff: not found.
        let other = fixtures::world(app, "Autre PLIE");
        let so = app.page_session(&other.facilitator);
        let r = app.page_post(
            &path,
            &so,
            &[
                ("months", "6"),
                ("situation", "inactive"),
                ("observed_on", "2026-11-20"),
                ("source", "person"),
            ],
        );
        assert_eq!(r.status, 404, "{}", r.text);
    }
);
