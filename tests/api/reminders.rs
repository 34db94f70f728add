//! Milestones, reminders and their delivery through a real SMTP server on loopback: a month
//! of reminders driven by a chosen clock, repeated runs and restarts, SMTP down then back,
//! refusals and retries, two runners at once, and local send hours in two time zones.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use clausier::config::{Config, DatabaseUrl, SmtpConfig, SmtpTls};
use clausier::db::DbPool;
use clausier::reminders::{self, JobReport, Mailer};
use serde_json::json;

use crate::common::TestApp;
use crate::fixtures::{self, eligible, participant, World};
use crate::on_both;
use crate::smtp::{Received, SmtpServer};

/// The subjects an email carries: its own, or for a digest (a recipient's reminders of one
/// run gathered in one email) the numbered subjects of the reminders it holds.
fn carried(m: &Received) -> Vec<String> {
    let subject = m.subject();
    if !subject.starts_with("Récapitulatif : ") {
        return vec![subject];
    }
    m.text()
        .lines()
        .filter_map(|l| {
            let (n, rest) = l.split_once(". ")?;
            n.parse::<u32>().ok()?;
            Some(rest.trim().to_string())
        })
        .collect()
}

/// Whether the email, or one of the reminders of a digest, has a subject that `test` accepts.
fn carries(m: &Received, test: impl Fn(&str) -> bool) -> bool {
    carried(m).iter().any(|s| test(s))
}

const PAIE: &str = "paie@batiment-durable.test";
const FAC: &str = "fac@plie.test";

/// The reminder job of one process: its own pool, mailer and configuration.
struct Runner {
    pool: DbPool,
    mailer: Mailer,
    config: Config,
    rt: tokio::runtime::Runtime,
}

impl Runner {
    fn new(app: &TestApp, port: u16) -> Runner {
        Self::with(app, port, |_| {})
    }

    fn with(app: &TestApp, port: u16, tweak: impl FnOnce(&mut Config)) -> Runner {
        let mut config = Config::for_database(&app.database_url).expect("config");
        config.smtp = Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        });
        tweak(&mut config);
        let pool =
            clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 4)
                .expect("pool");
        let mailer = Mailer::from_config(&config).expect("mailer");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
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
        self.rt
            .block_on(reminders::run(
                &self.pool,
                &self.mailer,
                &self.config,
                at(now),
            ))
            .expect("reminder job")
    }
}

fn at(now: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(now)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// The fixtures' world (clause of 2026 in Seine-Saint-Denis, referent fac@plie.test) with a
/// reminder contact for contractor A, one person placed with A from February to June, and
/// February reported (35 h, validated): March is the first period owed.
fn scene(app: &TestApp) -> (World, i64) {
    let w = fixtures::world(app, "PLIE");
    let r = app.put(
        &format!("/api/v1/organisations/{}/contacts", w.contractor_a),
        &w.admin,
        json!([{"email": PAIE, "name": "Service paie"}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let (_, pl) = fixtures::placed_feb_to_june(app, &w);
    report_and_validate(app, &w, pl, "2026-02", 35);
    (w, pl)
}

fn report_and_validate(app: &TestApp, w: &World, placement: i64, month: &str, hours: i64) {
    let entry = fixtures::report_work(app, &w.facilitator, placement, month, hours as f64);
    fixtures::validate(app, &w.facilitator, entry);
}

fn unique_ids(smtp: &SmtpServer) -> bool {
    let ids: HashSet<String> = smtp.messages().iter().map(|m| m.message_id()).collect();
    ids.len() == smtp.count() && !ids.contains("")
}

on_both!(a_month_of_reminders_each_once, |app: &TestApp| {
    let smtp = SmtpServer::start();
    let (w, pl) = scene(app);
    let job = Runner::new(app, smtp.port);
    // Catching up on 31 March: the obligations summary, nothing else (February is reported).
    let r = job.run("2026-03-31T12:00:00Z");
    assert_eq!(r.sent.len(), 1, "{r:?}");
    let summary = &smtp.messages()[0];
    assert_eq!(summary.to, vec![PAIE]);
    assert_eq!(
        summary.subject(),
        "Vos obligations d'insertion pour le marché 2026-001 : 500 heures"
    );
    // The first report still to come on the day it is written (not 10 February, past).
    assert!(summary
        .text()
        .contains("première déclaration attendue le 10 avril 2026"));
    let mut got: Vec<(String, String, String)> = Vec::new();
    let mut day = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2026, 5, 2).unwrap();
    while day <= last {
        // 06:55 UTC is 08:55 in Paris (summer time): nothing goes before 09:00.
        let before = smtp.count();
        job.run(&format!("{day}T06:55:00Z"));
        assert_eq!(smtp.count(), before, "nothing before 09:00 on {day}");
        // 09:05 local, twice in the same minute.
        job.run(&format!("{day}T07:05:00Z"));
        job.run(&format!("{day}T07:05:40Z"));
        for m in smtp.since(before) {
            // Each reporting email leads to where the report is made or chased.
            if m.subject().starts_with("Déclaration en retard") {
                assert!(
                    m.text().contains("Votre liste de travail : http"),
                    "{}",
                    m.text()
                );
            } else {
                assert!(
                    m.text().contains("Déclarer les heures en ligne : http")
                        && m.text().contains("/contractor/hours/2026-03"),
                    "{}",
                    m.text()
                );
            }
            got.push((day.to_string(), m.to.join(","), m.subject()));
        }
        day = day.succ_opt().unwrap();
    }
    let expected: Vec<(String, String, String)> = [
        (
            "2026-04-07",
            PAIE,
            "Heures d'insertion de mars 2026 à déclarer avant le 10 avril 2026",
        ),
        (
            "2026-04-10",
            PAIE,
            "Heures d'insertion de mars 2026 à déclarer aujourd'hui",
        ),
        (
            "2026-04-17",
            PAIE,
            "Retard de 7 jours : heures d'insertion de mars 2026 non déclarées",
        ),
        (
            "2026-04-24",
            PAIE,
            "Retard de 14 jours : heures d'insertion de mars 2026 non déclarées",
        ),
        (
            "2026-05-01",
            PAIE,
            "Retard de 21 jours : heures d'insertion de mars 2026 non déclarées",
        ),
        (
            "2026-05-01",
            FAC,
            "Déclaration en retard de 21 jours : Bâtiment Durable, mars 2026",
        ),
    ]
    .iter()
    .map(|(d, to, s)| (d.to_string(), to.to_string(), s.to_string()))
    .collect();
    let mut expected = expected;
    expected.sort();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    assert_eq!(got_sorted, expected);
    assert!(unique_ids(&smtp));
    // The figures, in French, in both parts.
    let late = smtp
        .messages()
        .into_iter()
        .find(|m| m.subject().starts_with("Retard de 7 jours"))
        .unwrap();
    let text = late.text();
    for needle in [
        "Bonjour Service paie,",
        "Période : mars 2026",
        "Personnes dont les heures sont à déclarer : 1",
        "Heures validées à ce jour : 35 sur un objectif de 500 heures",
        "Heures restant à réaliser : 465",
        "Jours de retard : 7",
        "attendue le 10 avril 2026",
        "Réhabilitation du groupe scolaire",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let html = late.html();
    assert!(
        html.contains("<strong>7 jours de retard</strong>"),
        "{html}"
    );
    assert!(late
        .header("From")
        .unwrap()
        .contains("no-reply@clausier.localhost"));
    let referent = smtp
        .messages()
        .into_iter()
        .find(|m| m.to == vec![FAC])
        .unwrap();
    assert!(
        referent.text().contains("21 jours de retard"),
        "{}",
        referent.text()
    );
    // The outbox lists them for the structure's staff.
    let r = app.get("/api/v1/notifications?status=sent", &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total"], 7);
    assert!(r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["attempts"] == 1 && n["status"] == "sent"));
    // Reporting March stops the reminders of March; April comes due in May.
    report_and_validate(app, &w, pl, "2026-03", 40);
    let before = smtp.count();
    job.run("2026-05-08T07:05:00Z");
    let new: Vec<String> = smtp.since(before).iter().map(|m| m.subject()).collect();
    assert_eq!(
        new,
        vec!["Heures d'insertion d'avril 2026 à déclarer avant le 10 mai 2026".to_string()]
    );
    // Milestones and their states.
    let r = app.get(
        &format!("/api/v1/clauses/{}/milestones?on=2026-05-08", w.clause),
        &w.facilitator,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().unwrap();
    let state = |kind: &str, period: &str| {
        items
            .iter()
            .find(|m| m["kind"] == kind && m["period"] == period)
            .unwrap_or_else(|| panic!("{kind} {period}"))["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state("start", "start"), "done");
    assert_eq!(state("report", "2026-02"), "done");
    assert_eq!(state("report", "2026-03"), "done");
    assert_eq!(state("report", "2026-04"), "due");
    assert_eq!(state("report", "2026-05"), "upcoming");
    assert_eq!(state("mid_term", "mid"), "upcoming");
    assert_eq!(state("final_report", "final"), "upcoming");
    assert_eq!(r.body["total"], 16);
});

on_both!(
    restarts_and_dead_senders_send_nothing_twice,
    |app: &TestApp| {
        let smtp = SmtpServer::start();
        let _ = scene(app);
        let now = "2026-04-10T07:05:00Z";
        // A first process queues what is due and dies before sending.
        {
            let job = Runner::new(app, smtp.port);
            let q = job
                .rt
                .block_on(reminders::queue_due(
                    &job.pool,
                    &job.mailer,
                    &job.config,
                    at(now),
                ))
                .unwrap();
            // Summary and the due-day reminder; the 3-days-before one is superseded.
            assert_eq!(q.rows.len(), 2, "{:?}", q.rows);
        }
        // Another dies after claiming one row, before sending it.
        {
            let pool = clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).unwrap(), 1)
                .unwrap();
            let mut conn = pool.get().unwrap();
            let wall = clausier::clock::Clock::system().naive();
            let claimed = clausier::store::outbox::claim(
                &mut conn,
                "dead-process",
                wall + chrono::Duration::minutes(15),
                wall,
                at(now).naive_utc(),
                1,
            )
            .unwrap();
            assert_eq!(claimed.len(), 1);
        }
        // The service restarts: a new application and a new job on the same database.
        let _restarted = crate::common::build_client(&app.database_url, |_| {});
        let job = Runner::new(app, smtp.port);
        let r = job.run(now);
        assert_eq!((r.queued.len(), r.sent.len()), (0, 1), "{r:?}");
        let r = job.run(now);
        assert_eq!(
            (r.queued.len(), r.sent.len()),
            (0, 0),
            "the dead sender's claim holds"
        );
        // Its lease runs out: the row is sent, once.
        {
            use clausier::db::schema::outbox;
            use diesel::prelude::*;
            let pool = clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).unwrap(), 1)
                .unwrap();
            let mut conn = pool.get().unwrap();
            diesel::update(outbox::table.filter(outbox::claimed_by.eq("dead-process")))
                .set(outbox::claimed_until.eq(clausier::clock::Clock::system().naive() - chrono::Duration::minutes(1)))
                .execute(&mut conn)
                .unwrap();
        }
        let r = job.run("2026-04-10T07:06:00Z");
        assert_eq!(r.sent.len(), 1);
        for later in [
            "2026-04-10T07:06:30Z",
            "2026-04-10T18:00:00Z",
            "2026-04-11T07:05:00Z",
        ] {
            let r = Runner::new(app, smtp.port).run(later);
            assert_eq!(r.sent.len(), 0, "{later}: {r:?}");
        }
        assert_eq!(smtp.count(), 2);
        assert!(unique_ids(&smtp));
    }
);

on_both!(smtp_down_then_back_loses_nothing, |app: &TestApp| {
    let mut smtp = SmtpServer::start();
    let (w, _) = scene(app);
    let job = Runner::new(app, smtp.port);
    smtp.stop();
    let r = job.run("2026-04-10T07:05:00Z");
    assert_eq!((r.queued.len(), r.sent.len()), (2, 0), "{r:?}");
    assert_eq!(
        r.retrying, 1,
        "stops at the first unreachable attempt: {r:?}"
    );
    let r = app.get("/api/v1/notifications?status=queued", &w.facilitator);
    assert_eq!(r.body["total"], 2);
    let tried: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["attempts"] == 1)
        .collect();
    assert_eq!(tried.len(), 1, "{}", r.text);
    assert!(tried[0]["last_error"].as_str().unwrap().contains("SMTP"));
    // Still down a minute later: the other row gets its first attempt, the first waits.
    let r = job.run("2026-04-10T07:06:00Z");
    assert_eq!((r.sent.len(), r.retrying), (0, 1), "{r:?}");
    // Back: both go, once.
    smtp.restart();
    let r = job.run("2026-04-10T07:08:00Z");
    assert_eq!(r.sent.len(), 0, "backoff not over yet: {r:?}");
    let r = job.run("2026-04-10T07:20:00Z");
    assert_eq!(r.sent.len(), 2, "{r:?}");
    let r = job.run("2026-04-10T09:00:00Z");
    assert_eq!(r.sent.len() + r.queued.len(), 0);
    assert_eq!(smtp.count(), 2);
    assert!(unique_ids(&smtp));
    let r = app.get("/api/v1/notifications?status=sent", &w.facilitator);
    assert_eq!(r.body["total"], 2);
    assert!(r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["attempts"] == 2 && n["last_error"].is_null()));
});

on_both!(
    refused_emails_fail_then_facilitators_retry,
    |app: &TestApp| {
        let smtp = SmtpServer::start();
        let (w, _) = scene(app);
        let job = Runner::with(app, smtp.port, |c| c.reminder_max_attempts = 2);
        smtp.refuse(true);
        let r = job.run("2026-04-10T07:05:00Z");
        assert_eq!((r.sent.len(), r.retrying), (0, 2), "{r:?}");
        let r = job.run("2026-04-10T07:06:00Z");
        assert_eq!(
            (r.sent.len(), r.retrying, r.failed),
            (0, 0, 0),
            "waiting: {r:?}"
        );
        let r = job.run("2026-04-10T07:11:00Z");
        assert_eq!(r.failed, 2, "{r:?}");
        smtp.refuse(false);
        let r = job.run("2026-04-10T08:00:00Z");
        assert_eq!(r.sent.len(), 0, "failed rows wait for a person");
        let r = app.get("/api/v1/notifications?status=failed", &w.facilitator);
        assert_eq!(r.status, 200);
        assert_eq!(r.body["total"], 2);
        let first = &r.body["items"][0];
        assert!(
            first["last_error"].as_str().unwrap().contains("451"),
            "{}",
            r.text
        );
        assert_eq!(first["attempts"], 2);
        assert_eq!(first["recipient"], PAIE);
        let id = first["id"].as_i64().unwrap();
        // Who may see and retry.
        let a = fixtures::contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
        assert_eq!(app.get("/api/v1/notifications", &a).status, 403);
        assert_eq!(
            app.post(&format!("/api/v1/notifications/{id}/retry"), &a, json!({}))
                .status,
            403
        );
        let other = app.structure_admin("Autre PLIE");
        assert_eq!(app.get("/api/v1/notifications", &other).body["total"], 0);
        assert_eq!(
            app.post(
                &format!("/api/v1/notifications/{id}/retry"),
                &other,
                json!({})
            )
            .status,
            404
        );
        assert_eq!(
            app.get("/api/v1/notifications?status=lost", &w.facilitator)
                .status,
            422
        );
        let r = app.post(
            &format!("/api/v1/notifications/{id}/retry"),
            &w.facilitator,
            json!({}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            (r.body["status"].as_str(), r.body["attempts"].as_i64()),
            (Some("queued"), Some(0))
        );
        assert_eq!(
            app.post(
                &format!("/api/v1/notifications/{id}/retry"),
                &w.facilitator,
                json!({})
            )
            .status,
            409
        );
        let r = job.run("2026-04-10T08:01:00Z");
        assert_eq!(r.sent.len(), 1, "{r:?}");
        assert_eq!(smtp.count(), 1);
        assert_eq!(
            app.get("/api/v1/notifications?status=failed", &w.facilitator)
                .body["total"],
            1
        );
    }
);

on_both!(
    two_runners_at_once_send_each_reminder_once,
    |app: &TestApp| {
        let smtp = SmtpServer::start();
        let (w, _) = scene(app);
        let contacts: Vec<_> = (0..30)
            .map(|i| json!({"email": format!("contact{i}@batiment-durable.test")}))
            .collect();
        let r = app.put(
            &format!("/api/v1/organisations/{}/contacts", w.contractor_a),
            &w.admin,
            json!(contacts),
        );
        assert_eq!(r.status, 200);
        let one = Runner::new(app, smtp.port);
        let two = Runner::new(app, smtp.port);
        let now = "2026-04-10T07:05:00Z";
        let (a, b) = std::thread::scope(|s| {
            let ha = s.spawn(|| one.run(now));
            let hb = s.spawn(|| two.run(now));
            (ha.join().unwrap(), hb.join().unwrap())
        });
        // 30 contacts × (summary, due-day reminder).
        assert_eq!(a.queued.len() + b.queued.len(), 60, "{a:?} {b:?}");
        assert_eq!(a.sent.len() + b.sent.len(), 60);
        let ids_a: HashSet<i64> = a.sent.iter().map(|s| s.0).collect();
        assert!(b.sent.iter().all(|s| !ids_a.contains(&s.0)));
        assert_eq!(smtp.count(), 60);
        assert!(unique_ids(&smtp));
        let r = app.get(
            "/api/v1/notifications?status=sent&limit=500",
            &w.facilitator,
        );
        assert_eq!(r.body["total"], 60);
    }
);

on_both!(each_territory_gets_its_own_local_hour, |app: &TestApp| {
    let smtp = SmtpServer::start();
    let (w, _) = scene(app);
    // A second clause in Mayotte (UTC+3), with its own contractor and contact.
    let [buyer, builder] = [
        ("buyer", "Département de Mayotte", fixtures::SIRETS[3]),
        (
            "contractor",
            "Constructions de Mamoudzou",
            fixtures::SIRETS[4],
        ),
    ]
    .map(|(kind, name, siret)| fixtures::org(app, &w.admin, kind, name, Some(siret), Some("976")));
    let r = app.put(
        &format!("/api/v1/organisations/{builder}/contacts"),
        &w.admin,
        json!([{"email": "rh@mamoudzou.test"}]),
    );
    assert_eq!(r.status, 200);
    let r = app.post(
        "/api/v1/contracts",
        &w.admin,
        json!({"buyer_id": buyer, "reference": "976-001", "title": "Collège de Mamoudzou",
               "kind": "works", "cpv_code": "45214200", "amount_eur": 1000000, "notified_on": "2025-12-01",
               "starts_on": "2026-01-01", "ends_on": "2026-12-31", "social_considerations": ["clause_sociale"],
               "holder_ids": [builder]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let clause = fixtures::clause(
        app,
        &w.admin,
        r.body["id"].as_i64().unwrap(),
        "2026-01-01",
        "2026-12-31",
        None,
    );
    let c = app.get(&format!("/api/v1/clauses/{clause}"), &w.admin);
    assert_eq!(c.body["time_zone"], "Indian/Mayotte");
    fixtures::activate(app, &w.admin, clause);
    let assignment = fixtures::assign(app, &w.admin, clause, builder, "holder", 400);
    let zaina = ("Zaïna", "Abdou", "1995-06-01");
    let feb_to_june = ("2026-02-01", Some("2026-06-30"));
    let with_builder = (assignment, builder);
    let (_, pl) = fixtures::person_placed(app, &w, zaina, "2026-01-10", with_builder, feb_to_june);
    report_and_validate(app, &w, pl, "2026-02", 20);
    let job = Runner::new(app, smtp.port);
    job.run("2026-04-06T12:00:00Z");
    assert_eq!(smtp.count(), 2, "both summaries");
    let step = |now: &str| -> Vec<String> {
        let before = smtp.count();
        job.run(now);
        smtp.since(before).iter().map(|m| m.to.join(",")).collect()
    };
    // 7 April, the 3-days-before reminder: 09:00 in Mayotte is 06:00 UTC, in Paris 07:00 UTC.
    assert_eq!(step("2026-04-07T05:55:00Z"), Vec::<String>::new());
    assert_eq!(step("2026-04-07T06:00:00Z"), vec!["rh@mamoudzou.test"]);
    assert_eq!(step("2026-04-07T06:59:00Z"), Vec::<String>::new());
    assert_eq!(step("2026-04-07T07:00:00Z"), vec![PAIE]);
    // The due day, 10 April: the same, and nothing twice.
    assert_eq!(step("2026-04-10T06:00:00Z"), vec!["rh@mamoudzou.test"]);
    assert_eq!(step("2026-04-10T06:30:00Z"), Vec::<String>::new());
    assert_eq!(step("2026-04-10T07:00:00Z"), vec![PAIE]);
});

on_both!(optional_reminders_can_be_turned_off, |app: &TestApp| {
    let smtp = SmtpServer::start();
    let (w, _) = scene(app);
    // A second person whose eligibility ends before her placement starts.
    let p = participant(app, &w.facilitator, "Inès", "Martin", "1988-09-12");
    eligible(app, &w.facilitator, p, "2026-01-10");
    let r = app.post(
        "/api/v1/placements",
        &w.facilitator,
        json!({"participant_id": p, "assignment_id": w.assignment_a, "modality": "direct_hire",
               "employer_id": w.contractor_a, "contract_type": "cddi", "job_title": "Maçonne",
               "starts_on": "2026-08-03", "ends_on": "2026-10-30",
               "derogation_reason": "renouvellement en cours"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app.put(
        "/api/v1/me/preferences",
        &w.facilitator,
        json!({"optional_reminders_off": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/me/preferences", &w.facilitator).body["optional_reminders_off"],
        true
    );
    let job = Runner::new(app, smtp.port);
    job.run("2026-07-02T07:05:00Z");
    let to_fac: Vec<String> = smtp
        .messages()
        .iter()
        .filter(|m| m.to == vec![FAC])
        .map(|m| m.subject())
        .collect();
    // Only the obligation (the 21-days-late report alerts) reach the facilitator.
    assert!(!to_fac.is_empty());
    assert!(
        to_fac
            .iter()
            .all(|s| s.starts_with("Déclaration en retard")),
        "{to_fac:?}"
    );
    let r = app.put(
        "/api/v1/me/preferences",
        &w.facilitator,
        json!({"optional_reminders_off": false}),
    );
    assert_eq!(r.status, 200);
    let before = smtp.count();
    job.run("2026-07-03T07:05:00Z");
    let mut new: Vec<String> = smtp
        .since(before)
        .iter()
        .filter(|m| m.to == vec![FAC])
        .map(|m| m.subject())
        .collect();
    new.sort();
    assert_eq!(
        new,
        vec![
            "Clause d'insertion en retard à mi-parcours : Réhabilitation du groupe scolaire"
                .to_string(),
            "Sortie à renseigner : Awa D., fin le 30 juin 2026".to_string(),
            "Éligibilité à renouveler avant le 3 août 2026 : Inès M.".to_string(),
        ]
    );
    let exit = smtp
        .messages()
        .into_iter()
        .find(|m| m.subject().starts_with("Sortie"))
        .unwrap();
    assert!(
        exit.text()
            .contains("Peintre en bâtiment chez Bâtiment Durable"),
        "{}",
        exit.text()
    );
    assert_eq!(
        app.put(
            "/api/v1/me/preferences",
            &w.facilitator,
            json!({"optional_reminders_off": "yes"})
        )
        .status,
        422
    );
});

on_both!(milestones_by_hand_and_access, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE");
    let url = format!("/api/v1/clauses/{}/milestones", w.clause);
    let r = app.get(&format!("{url}?on=2026-01-01"), &w.facilitator);
    assert_eq!(r.status, 200, "{}", r.text);
    // Start, 12 monthly reports, mid-term, end warning, final report.
    assert_eq!(r.body["total"], 16);
    let first = &r.body["items"][0];
    assert_eq!(
        (
            first["kind"].as_str(),
            first["due_on"].as_str(),
            first["state"].as_str()
        ),
        (Some("start"), Some("2026-01-01"), Some("due"))
    );
    let r = app.post(
        &url,
        &w.facilitator,
        json!({"label": "Visite de chantier", "due_on": "2026-03-15"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (r.body["kind"].as_str(), r.body["manual"].as_bool()),
        (Some("manual"), Some(true))
    );
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        app.post(
            &url,
            &w.facilitator,
            json!({"label": "", "due_on": "2026-03-15"})
        )
        .error_fields(),
        vec!["label"]
    );
    assert_eq!(
        app.post(
            &url,
            &w.facilitator,
            json!({"label": "x", "due_on": "15/03/2026"})
        )
        .error_fields(),
        vec!["due_on"]
    );
    assert_eq!(
        app.post(
            &url,
            &w.facilitator,
            json!({"label": "x", "kind": "Visite!", "due_on": "2026-03-15"})
        )
        .error_fields(),
        vec!["kind"]
    );
    let r = app.get(&format!("{url}?on=2026-03-20"), &w.facilitator);
    let manual = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(manual["state"], "overdue");
    let r = app.post(
        &format!("/api/v1/milestones/{id}/done"),
        &w.facilitator,
        json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["state"], "done");
    // A contractor reads the milestones of its own clauses only; never adds one.
    let a = fixtures::contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
    assert_eq!(app.get(&url, &a).status, 200);
    assert_eq!(
        app.post(&url, &a, json!({"label": "x", "due_on": "2026-03-15"}))
            .status,
        403
    );
    let outsider = fixtures::org(
        app,
        &w.admin,
        "contractor",
        "Autre entreprise",
        Some(fixtures::SIRETS[5]),
        Some("93"),
    );
    let o = fixtures::contractor_user(app, &w.admin, outsider, "x@autre.test");
    assert_eq!(app.get(&url, &o).status, 404);
    let other = app.structure_admin("Autre PLIE");
    assert_eq!(app.get(&url, &other).status, 404);
    assert_eq!(
        app.post(&format!("/api/v1/milestones/{id}/done"), &other, json!({}))
            .status,
        404
    );
    // A draft clause has no calendar until it is activated.
    let draft = fixtures::clause(app, &w.admin, w.contract, "2026-03-01", "2026-05-31", None);
    let durl = format!("/api/v1/clauses/{draft}/milestones");
    assert_eq!(app.get(&durl, &w.admin).body["total"], 0);
    app.post(
        &format!("/api/v1/clauses/{draft}/activate"),
        &w.admin,
        json!({}),
    );
    let r = app.get(&durl, &w.admin);
    // Start, March to May, mid-term, end warning, final report.
    assert_eq!(r.body["total"], 7, "{}", r.text);
});

/// The scheduler itself, wired at liftoff: every second, with the send hour at midnight, a
/// clause of 2026 gets its obligations summary sent in real time.
#[test]
fn the_scheduler_triggers_the_job() {
    let smtp = SmtpServer::start();
    let port = smtp.port;
    let app = TestApp::sqlite_with(|c| {
        c.reminders_cron = Some("* * * * * *".into());
        c.reminder_hour = 0;
        c.smtp = Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        });
    });
    let _ = scene(&app);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    while std::time::Instant::now() < deadline
        && !smtp
            .messages()
            .iter()
            .any(|m| carries(m, |s| s.starts_with("Vos obligations")))
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        smtp.messages()
            .iter()
            .any(|m| carries(m, |s| s.starts_with("Vos obligations"))),
        "no email from the scheduler"
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(unique_ids(&smtp), "a scheduled run sent something twice");
}

/// `clausier reminders run --now …` runs the job once against the configured database and
/// SMTP server, and says what it did.
#[test]
fn the_command_runs_the_job_once() {
    let smtp = SmtpServer::start();
    let app = TestApp::sqlite();
    let _ = scene(&app);
    let dir = tempfile::tempdir().unwrap();
    let run = |now: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clausier"))
            .args(["reminders", "run", "--now", now])
            .current_dir(dir.path())
            .env_remove("ROCKET_CONFIG")
            .env("CLAUSIER_DATABASE_URL", &app.database_url)
            .env("CLAUSIER_SMTP_HOST", "127.0.0.1")
            .env("CLAUSIER_SMTP_PORT", smtp.port.to_string())
            .env("CLAUSIER_SMTP_TLS", "none")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run("2026-04-10T09:05:00+02:00");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 queued, 2 sent, 0 to retry, 0 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("à déclarer aujourd'hui"), "{stdout}");
    let out = run("2026-04-10T09:05:30+02:00");
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 queued, 0 sent"));
    assert_eq!(smtp.count(), 2);
    let out = run("le 10 avril");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--now"));
}

/// Without SMTP, emails are written to the data directory's outbox folder, once each.
#[test]
fn without_smtp_emails_go_to_a_folder() {
    let app = TestApp::sqlite();
    let _ = scene(&app);
    let data = tempfile::tempdir().unwrap();
    let job = Runner::with(&app, 0, |c| {
        c.smtp = None;
        c.data_dir = data.path().to_path_buf();
    });
    assert!(job.mailer.describe().contains("outbox"));
    let r = job.run("2026-04-10T07:05:00Z");
    assert_eq!(r.sent.len(), 2);
    job.run("2026-04-10T07:06:00Z");
    let files: Vec<_> = std::fs::read_dir(data.path().join("outbox"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 2);
}

on_both!(
    regenerating_a_calendar_keeps_done_and_manual_milestones,
    |app: &TestApp| {
        use clausier::db::schema::clauses;
        use diesel::prelude::*;
        let w = fixtures::world(app, "PLIE");
        let url = format!("/api/v1/clauses/{}/milestones", w.clause);
        let items = app.get(&url, &w.facilitator).body["items"].clone();
        let id_of = |kind: &str, period: &str| {
            items
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["kind"] == kind && m["period"] == period)
                .unwrap()["id"]
                .as_i64()
                .unwrap()
        };
        let january = id_of("report", "2026-01");
        let r = app.post(
            &format!("/api/v1/milestones/{january}/done"),
            &w.facilitator,
            json!({}),
        );
        assert_eq!(r.status, 200);
        let r = app.post(
            &url,
            &w.facilitator,
            json!({"kind": "visit", "label": "Visite", "due_on": "2026-12-15"}),
        );
        assert_eq!(r.status, 201);
        // The clause's dates change (no route does this yet) and its calendar is regenerated.
        let sid = clausier::domain::ids::StructureId(
            app.get("/api/v1/me", &w.facilitator).body["structure_id"]
                .as_i64()
                .unwrap(),
        );
        let pool =
            clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).unwrap();
        let mut conn = pool.get().unwrap();
        diesel::update(clauses::table.filter(clauses::id.eq(w.clause)))
            .set((
                clauses::starts_on.eq(chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()),
                clauses::ends_on.eq(chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()),
            ))
            .execute(&mut conn)
            .unwrap();
        clausier::db::write_tx(&mut conn, |c| {
            let clause =
                clausier::store::clauses::get(c, sid, clausier::domain::ids::ClauseId(w.clause))?;
            clausier::store::milestones::regenerate(c, &clause)
        })
        .unwrap();
        let r = app.get(&format!("{url}?on=2026-03-01"), &w.facilitator);
        let got: Vec<(String, String, String, String)> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["kind"].as_str().unwrap().to_string(),
                    m["period"].as_str().unwrap().to_string(),
                    m["due_on"].as_str().unwrap().to_string(),
                    m["state"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let has = |kind: &str, period: &str, due: &str, state: &str| {
            got.contains(&(kind.into(), period.into(), due.into(), state.into()))
        };
        assert!(has("report", "2026-01", "2026-02-10", "done"), "{got:?}");
        assert!(has("start", "start", "2026-02-01", "done"), "{got:?}");
        assert!(has("mid_term", "mid", "2026-06-17", "upcoming"), "{got:?}");
        assert!(
            has("end_warning", "end", "2026-10-01", "upcoming"),
            "{got:?}"
        );
        assert!(
            has("final_report", "final", "2026-11-30", "upcoming"),
            "{got:?}"
        );
        assert!(has("visit", "", "2026-12-15", "upcoming"), "{got:?}");
        assert!(
            !got.iter().any(|m| m.1 == "2026-11" || m.1 == "2026-12"),
            "{got:?}"
        );
        // Start, February to October, mid-term, end warning, final, the kept January, the visit.
        assert_eq!(got.len(), 15, "{got:?}");
    }
);

on_both!(end_of_clause_and_final_report, |app: &TestApp| {
    let smtp = SmtpServer::start();
    let _ = scene(app);
    let job = Runner::new(app, smtp.port);
    let subjects_to = |to: &str| -> Vec<String> {
        smtp.messages()
            .iter()
            .filter(|m| m.to == vec![to.to_string()])
            .flat_map(carried)
            .collect()
    };
    // Winter: 08:05 UTC is 09:05 in Paris.
    job.run("2026-12-02T08:05:00Z");
    let end = "Fin du marché dans 29 jours : 798 heures d'insertion restantes";
    assert!(
        subjects_to(PAIE).iter().any(|s| s == end),
        "{:?}",
        subjects_to(PAIE)
    );
    assert!(
        subjects_to(FAC).iter().any(|s| s == end),
        "{:?}",
        subjects_to(FAC)
    );
    let m = smtp
        .messages()
        .into_iter()
        .find(|m| carries(m, |s| s == end))
        .unwrap();
    assert!(
        m.text().contains("Heures restant à réaliser : 798"),
        "{}",
        m.text()
    );
    assert!(
        m.text().contains("se termine le 31 décembre 2026"),
        "{}",
        m.text()
    );
    let final_report =
        "Bilan final de la clause d'insertion attendu : Réhabilitation du groupe scolaire";
    assert!(!subjects_to(PAIE).iter().any(|s| s == final_report));
    job.run("2027-01-30T08:05:00Z");
    assert_eq!(
        subjects_to(PAIE)
            .iter()
            .filter(|s| *s == final_report)
            .count(),
        1
    );
    let m = smtp
        .messages()
        .into_iter()
        .find(|m| carries(m, |s| s == final_report))
        .unwrap();
    assert!(m.text().contains("Heures manquantes : 798"), "{}", m.text());
    job.run("2027-02-15T08:05:00Z");
    assert_eq!(
        subjects_to(PAIE)
            .iter()
            .filter(|s| *s == final_report)
            .count(),
        1
    );
    assert!(unique_ids(&smtp));
});

on_both!(
    a_proposal_waiting_for_an_answer_is_chased_once,
    |app: &TestApp| {
        let (w, _) = scene(app);
        let smtp = SmtpServer::start();
        let runner = Runner::new(app, smtp.port);
        let p = participant(app, &w.facilitator, "Jean", "Martin", "1985-01-01");
        let today = app.clock.today();
        eligible(app, &w.facilitator, p, &today.to_string());
        let starts = (today + chrono::Days::new(20))
            .min(chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        let r = app.post(
        "/api/v1/needs",
        &w.facilitator,
        json!({"assignment_id": w.assignment_a, "job_title": "Peintre", "posts": 1, "commune_code": "93066",
               "territory": "93", "starts_on": starts, "weekly_hours": 35, "modality": "direct_hire",
               "employer_id": w.contractor_a, "contract_type": "cddi"}),
    );
        assert_eq!(r.status, 201, "{}", r.text);
        let need = r.body["id"].as_i64().unwrap();
        fixtures::propose(app, &w.facilitator, need, p);
        let waiting = |days: u64| format!("{}T10:00:00Z", today + chrono::Days::new(days));
        runner.run(&waiting(7));
        let chased = |smtp: &SmtpServer| {
            smtp.messages()
                .into_iter()
                .filter(|m| m.subject().contains("Candidature sans réponse"))
                .count()
        };
        assert_eq!(chased(&smtp), 0, "not before seven full days");
        runner.run(&waiting(8));
        runner.run(&waiting(8));
        let sent: Vec<_> = smtp
            .messages()
            .into_iter()
            .filter(|m| m.subject().contains("Candidature sans réponse"))
            .collect();
        assert_eq!(
            sent.len(),
            2,
            "the contractor's contact and the referent, once each"
        );
        assert!(sent
            .iter()
            .any(|m| m.header("To").unwrap_or_default().contains(PAIE)));
        assert!(sent
            .iter()
            .any(|m| m.header("To").unwrap_or_default().contains(FAC)));
    }
);

// Every email ends with the link to sign in, at the service's public address.
on_both!(emails_link_to_the_public_address, |app: &TestApp| {
    let smtp = SmtpServer::start();
    let _ = scene(app);
    let job = Runner::with(app, smtp.port, |c| {
        c.public_url = "https://clausier.example.fr".into();
    });
    let r = job.run("2026-03-31T12:00:00Z");
    assert_eq!(r.sent.len(), 1, "{r:?}");
    let summary = &smtp.messages()[0];
    assert!(
        summary
            .text()
            .contains("Pour vous connecter : https://clausier.example.fr/login"),
        "{}",
        summary.text()
    );
});

// A clause activated late in its execution (the world's clause of 2026, activated on
// 1 December 2026): its obligations summary announces the next report due, in French, never
// one already past; the milestones and the reporting emails elide "de" before a vowel.
on_both!(
    the_obligations_of_a_late_clause_announce_the_next_report,
    |app: &TestApp| {
        app.clock.set(at("2026-12-01T08:00:00Z"));
        let (w, _) = scene(app);
        let smtp = SmtpServer::start();
        let job = Runner::new(app, smtp.port);
        job.run("2026-12-01T10:00:00Z");
        let summary = smtp
            .messages()
            .into_iter()
            .find(|m| carries(m, |s| s.starts_with("Vos obligations")))
            .expect("an obligations summary");
        for body in [summary.text(), summary.html()] {
            assert!(
                body.contains("première déclaration attendue le")
                    && body.contains("10 décembre 2026"),
                "{body}"
            );
            assert!(body.contains("de Bâtiment Durable"), "{body}");
            // Whole words: "Marché" is French.
            for english in ["March", "December", "January"] {
                assert!(
                    !body
                        .split(|c: char| !c.is_alphabetic())
                        .any(|w| w == english),
                    "{body}"
                );
            }
        }
        let late: Vec<String> = smtp
            .messages()
            .into_iter()
            .flat_map(|m| carried(&m))
            .filter(|s| s.contains("avril") || s.contains("octobre") || s.contains("août"))
            .collect();
        assert!(!late.is_empty(), "late reports of April, August, October");
        for s in &late {
            assert!(
                !s.contains("de avril") && !s.contains("de octobre") && !s.contains("de août"),
                "{s}"
            );
        }
        let r = app.get(
            &format!("/api/v1/clauses/{}/milestones?limit=50", w.clause),
            &w.facilitator,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let labels: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["label"].as_str())
            .collect();
        for want in [
            "Déclaration des heures d'avril 2026",
            "Déclaration des heures d'août 2026",
            "Déclaration des heures d'octobre 2026",
            "Déclaration des heures de mai 2026",
        ] {
            assert!(labels.contains(&want), "{want} in {labels:?}");
        }
    }
);

// A recipient with more than three new reminders in one run gets one digest of them all,
// never 7 emails; each reminder is kept once in the outbox as `digested`, under the
// digest's Message-ID, so that the next runs do not send it again.
on_both!(
    many_reminders_for_one_recipient_make_one_digest,
    |app: &TestApp| {
        app.clock.set(at("2026-12-01T08:00:00Z"));
        let (w, _) = scene(app);
        let smtp = SmtpServer::start();
        let job = Runner::new(app, smtp.port);
        let report = job.run("2026-12-01T10:00:00Z");
        let mut per_recipient: std::collections::HashMap<String, usize> = Default::default();
        for m in smtp.messages() {
            for to in &m.to {
                *per_recipient.entry(to.clone()).or_default() += 1;
            }
        }
        assert!(per_recipient.values().all(|&n| n <= 3), "{per_recipient:?}");
        let to_paie: Vec<_> = smtp
            .messages()
            .into_iter()
            .filter(|m| m.to == vec![PAIE.to_string()])
            .collect();
        assert_eq!(to_paie.len(), 1, "one digest for the payroll contact");
        let digest = &to_paie[0];
        assert_eq!(
            digest.subject(),
            "Récapitulatif : 7 rappels clausier du 1er décembre 2026"
        );
        let parts = carried(digest);
        assert_eq!(parts.len(), 7, "{parts:?}");
        assert!(parts[0].starts_with("Vos obligations"), "{parts:?}");
        assert_eq!(
            parts.iter().filter(|s| s.starts_with("Retard de")).count(),
            4,
            "{parts:?}"
        );
        let text = digest.text();
        assert_eq!(text.matches("Bonjour Service paie,").count(), 1, "{text}");
        assert_eq!(
            text.matches("clausier, suivi des clauses sociales d'insertion")
                .count(),
            1
        );
        // Reporting is an obligation: the digest cannot be switched off.
        assert!(text.contains("obligation contractuelle"), "{text}");
        let html = digest.html();
        assert_eq!(html.matches("<!DOCTYPE html>").count(), 1);
        assert_eq!(html.matches("<h2").count(), 7);
        assert!(report
            .queued
            .iter()
            .any(|(rule, stage, to, _)| rule == "digest" && stage == "digest" && to == PAIE));

        // The outbox keeps the seven reminders, digested, under the digest's Message-ID.
        let r = app.get(
            "/api/v1/notifications?status=digested&limit=100",
            &w.facilitator,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let digested: Vec<&serde_json::Value> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["recipient"] == PAIE)
            .collect();
        assert_eq!(digested.len(), 7, "{}", r.text);
        assert!(digested
            .iter()
            .all(|n| n["message_id"] == digest.message_id().as_str() && n["rule"] != "digest"));
        let sent = app.get(
            "/api/v1/notifications?status=sent&limit=100",
            &w.facilitator,
        );
        let digests: Vec<&serde_json::Value> = sent.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["rule"] == "digest")
            .collect();
        assert!(digests.iter().any(|n| n["recipient"] == PAIE));

        // The next run, the same day: nothing again.
        let before = smtp.count();
        job.run("2026-12-01T10:30:00Z");
        assert_eq!(smtp.count(), before);
        assert!(unique_ids(&smtp));
    }
);
