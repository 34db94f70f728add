//! The email to a contractor when the facilitator rejects its figures (issue 18): one email
//! to the contractor's reminder contacts per run listing its new rejections (the person, the
//! month, the figure, the reason, the link to the month's page), each rejection told once:
//! the job run again sends nothing more, a figure corrected and rejected again is told again,
//! and another contractor's contacts get nothing. Through a real SMTP server on loopback, on
//! SQLite and PostgreSQL.

use chrono::{DateTime, Utc};
use clausier::config::{Config, DatabaseUrl, SmtpConfig, SmtpTls};
use clausier::db::DbPool;
use clausier::reminders::{self, JobReport, Mailer};
use serde_json::json;

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, World};
use crate::on_both;
use crate::smtp::{Received, SmtpServer};

const PAIE_A: &str = "paie@batiment-durable.test";
const PAIE_B: &str = "paie@peintures-reunies.test";
const REASON: &str = "Heures au-delà du contrat de travail";

/// The reminder job on the test's database, sending to the SMTP server on `port`.
struct Job {
    pool: DbPool,
    mailer: Mailer,
    config: Config,
    rt: tokio::runtime::Runtime,
}

impl Job {
    fn new(app: &TestApp, port: u16) -> Job {
        let mut config = Config::for_database(&app.database_url).expect("config");
        config.smtp = Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        });
        let url = DatabaseUrl::parse(&app.database_url).expect("url");
        Job {
            pool: clausier::db::build_pool(&url, 2).expect("pool"),
            mailer: Mailer::from_config(&config).expect("mailer"),
            config,
            rt: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime"),
        }
    }

    /// One run of the job at `now` (RFC 3339).
    fn run(&self, now: &str) -> JobReport {
        let now: DateTime<Utc> = DateTime::parse_from_rfc3339(now)
            .expect("RFC 3339")
            .with_timezone(&Utc);
        self.rt
            .block_on(reminders::run(&self.pool, &self.mailer, &self.config, now))
            .expect("reminder job")
    }
}

/// Whether an email tells of rejected figures.
fn is_rejection(m: &Received) -> bool {
    m.subject().starts_with("Heures refusées")
}

/// The world, with a reminder contact for each contractor, Awa and Inès placed with A and a
/// person placed with B; the other reminders of the clause already sent.
fn scene(app: &TestApp, job: &Job) -> (World, i64, i64, i64) {
    let w = fixtures::world(app, "PLIE");
    for (org, email) in [(w.contractor_a, PAIE_A), (w.contractor_b, PAIE_B)] {
        let r = app.put(
            &format!("/api/v1/organisations/{org}/contacts"),
            &w.admin,
            json!([{"email": email, "name": "Service paie"}]),
        );
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let (_, awa) = fixtures::placed_feb_to_june(app, &w);
    let (_, ines) = fixtures::person_placed_with_a(
        app,
        &w,
        ("Inès", "Martin", "1995-07-14"),
        "2026-01-10",
        ("2026-02-01", Some("2026-06-30")),
    );
    let (_, noa) = fixtures::person_placed(
        app,
        &w,
        ("Noa", "Petit", "1992-03-03"),
        "2026-01-10",
        (w.assignment_b, w.contractor_b),
        ("2026-02-01", Some("2026-06-30")),
    );
    job.run("2026-11-27T11:00:00Z");
    (w, awa, ines, noa)
}

fn reject(app: &TestApp, w: &World, entries: &[i64]) {
    let r = app.post(
        "/api/v1/hours/validation",
        &w.facilitator,
        json!({"entry_ids": entries, "decision": "reject", "reason": REASON}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

on_both!(
    a_rejection_is_emailed_once_to_the_contractor,
    |app: &TestApp| {
        let smtp = SmtpServer::start();
        let job = Job::new(app, smtp.port);
        let (w, awa, ines, noa) = scene(app, &job);
        let a = contractor_user(app, &w.admin, w.contractor_a, "chef@a.test");
        let b = contractor_user(app, &w.admin, w.contractor_b, "chef@b.test");
        let awa_march = fixtures::report_work(app, &a, awa, "2026-03", 35.0);
        let ines_march = fixtures::report_work(app, &a, ines, "2026-03", 20.5);
        let noa_march = fixtures::report_work(app, &b, noa, "2026-03", 12.0);
        fixtures::validate(app, &w.facilitator, noa_march);
        let before = smtp.count();

        // Two figures of A rejected in one decision: one email to A's contact lists both.
        reject(app, &w, &[awa_march, ines_march]);
        let report = job.run("2026-11-27T12:00:00Z");
        let new = smtp.since(before);
        assert_eq!(new.len(), 1, "{report:?}");
        let m = &new[0];
        assert_eq!(m.to, vec![PAIE_A]);
        assert_eq!(
            m.subject(),
            "Heures refusées par le facilitateur : 2 chiffres à corriger"
        );
        let link = format!("{}/contractor/hours/2026-03", job.config.public_url);
        let text = m.text();
        for expected in [
            "Bonjour Service paie,",
            "Bâtiment Durable",
            "Awa D., mars 2026",
            "Inès M., mars 2026",
            "35 h de travail",
            "20,50 h de travail",
            "marché 2026-001",
            &format!("Motif du refus : « {REASON} »"),
            &link,
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        // minijinja writes `/` as `&#x2f;` in attributes.
        let html = m.html().replace("&#x2f;", "/");
        assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
        assert!(html.contains("Corriger les heures de mars 2026"), "{html}");
        assert!(!smtp
            .messages()
            .iter()
            .any(|m| m.to == vec![PAIE_B] && is_rejection(m)));

        // The job run again: nothing more.
        let seen = smtp.count();
        let again = job.run("2026-11-27T13:00:00Z");
        assert_eq!(smtp.count(), seen, "{again:?}");

        // Awa's figure corrected, submitted and rejected again: a new email, of it alone.
        let corrected = fixtures::report_work(app, &a, awa, "2026-03", 30.0);
        assert_eq!(corrected, awa_march, "the same month's entry");
        reject(app, &w, &[awa_march]);
        job.run("2026-11-27T14:00:00Z");
        let new = smtp.since(seen);
        assert_eq!(new.len(), 1, "{new:?}");
        assert_eq!(new[0].to, vec![PAIE_A]);
        assert_eq!(
            new[0].subject(),
            "Heures refusées par le facilitateur : 1 chiffre à corriger"
        );
        let text = new[0].text();
        assert!(text.contains("Awa D., mars 2026"), "{text}");
        assert!(text.contains("30 h de travail"), "{text}");
        assert!(!text.contains("Inès"), "{text}");
        let seen = smtp.count();
        job.run("2026-11-27T15:00:00Z");
        assert_eq!(smtp.count(), seen);

        // Contractor B's contact never heard of A's rejections.
        assert!(!smtp
            .messages()
            .iter()
            .any(|m| m.to == vec![PAIE_B] && is_rejection(m)));
    }
);
