//! Anonymisation after the retention period: every table and text column of the database is
//! read back (enumerated from the catalogue, so that a table added later is covered too) and
//! nothing of the person remains but what statistics need; the annual report is unchanged.

use chrono::{DateTime, NaiveDate, Utc};
use clausier::config::{Config, DatabaseUrl, SmtpConfig, SmtpTls};
use clausier::reminders::{self, Mailer};
use diesel::sql_types::{Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::{json, Value};

use crate::common::{Backend, TestApp};
use crate::fixtures::{self, contractor_user, eligible, participant, place};
use crate::on_both;
use crate::smtp::SmtpServer;

/// In every free-text field written about the person.
const MARKER: &str = "MARQUEUR-7Q";
const FIRST: &str = "Zelmira";
const LAST: &str = "Quillardet";
const BIRTH: &str = "1987-03-19";
/// Another person, active later: kept whole.
const KEPT_FIRST: &str = "Bertille";
const KEPT_LAST: &str = "Ronceray";

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct TableColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// Every (table, column, value) of the database, each value read as text.
fn dump(app: &TestApp) -> Vec<(String, String, String)> {
    let mut conn = app.database();
    let columns: Vec<(String, String)> = match app.backend {
        Backend::Sqlite => {
            let tables: Vec<Name> = diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .load(&mut *conn)
            .expect("tables");
            let mut columns = Vec::new();
            for t in tables {
                let cols: Vec<Name> =
                    diesel::sql_query(format!("SELECT name FROM pragma_table_info('{}')", t.name))
                        .load(&mut *conn)
                        .expect("columns");
                columns.extend(cols.into_iter().map(|c| (t.name.clone(), c.name)));
            }
            columns
        }
        Backend::Postgres => diesel::sql_query(
            "SELECT CAST(c.table_name AS TEXT) AS table_name, \
                    CAST(c.column_name AS TEXT) AS column_name \
             FROM information_schema.columns c \
             JOIN information_schema.tables t \
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'",
        )
        .load::<TableColumn>(&mut *conn)
        .expect("columns")
        .into_iter()
        .map(|c| (c.table_name, c.column_name))
        .collect(),
    };
    assert!(columns.len() > 100, "{} columns", columns.len());
    let mut out = Vec::new();
    for (table, column) in columns {
        let sql = format!("SELECT CAST(\"{column}\" AS TEXT) AS v FROM \"{table}\"");
        let cells: Vec<Cell> = diesel::sql_query(&sql)
            .load(&mut *conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        out.extend(
            cells
                .into_iter()
                .filter_map(|c| c.v)
                .map(|v| (table.clone(), column.clone(), v)),
        );
    }
    out
}

/// The cells that contain one of `needles` (case-insensitive).
fn found<'a>(
    cells: &'a [(String, String, String)],
    needles: &[&str],
) -> Vec<&'a (String, String, String)> {
    cells
        .iter()
        .filter(|(_, _, v)| {
            let v = v.to_lowercase();
            needles.iter().any(|n| v.contains(&n.to_lowercase()))
        })
        .collect()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// Runs the reminder job once at `now`, sending through the test SMTP server.
fn run_reminders(app: &TestApp, smtp: &SmtpServer, now: &str) {
    let mut config = Config::for_database(&app.database_url).expect("config");
    config.smtp = Some(SmtpConfig {
        host: "127.0.0.1".into(),
        port: smtp.port,
        tls: SmtpTls::None,
        username: None,
        password: None,
    });
    run_job(app, &config, now);
}

/// Runs the reminder job once at `now` with `config`'s mailer.
fn run_job(app: &TestApp, config: &Config, now: &str) {
    let pool = clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 2)
        .expect("pool");
    let mailer = Mailer::from_config(config).expect("mailer");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(reminders::run(&pool, &mailer, config, at(now)))
        .expect("reminder job");
}

fn hours(app: &TestApp, token: &str, placement: i64, month: &str, body: Value) -> i64 {
    let r = app.put(
        &format!("/api/v1/placements/{placement}/hours/{month}"),
        token,
        body,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["id"].as_i64().expect("entry id")
}

fn decide(app: &TestApp, token: &str, entry: i64, decision: Value) {
    let mut body = decision;
    body["entry_ids"] = json!([entry]);
    let r = app.post("/api/v1/hours/validation", token, body);
    assert_eq!(r.status, 200, "{}", r.text);
}

on_both!(
    anonymisation_leaves_no_personal_data_and_the_same_report,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE");
        let fac = &w.facilitator;
        let mut smtp = SmtpServer::start();
        // The person, with everything a pathway records about them.
        let r = app.post(
            "/api/v1/participants",
            fac,
            json!({"first_name": FIRST, "last_name": LAST, "birth_date": BIRTH, "sex": "female",
                   "postal_code": "93240", "qpv": true, "zrr": false, "qualification_level": "3",
                   "jobseeker_id": "7391482Q", "looking_for_work": true,
                   "wished_rome_codes": ["F1703"], "licences": ["C1"],
                   "reachable_departements": ["93", "95"], "available_from": "2026-12-01"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let p = r.body["id"].as_i64().expect("id");
        eligible(app, fac, p, "2026-01-10");
        let r = app.post(
            &format!("/api/v1/participants/{p}/eligibility"),
            fac,
            json!({"criteria": ["facilitator_opinion"], "proof": "caf_certificate",
                   "validated_on": "2026-11-20",
                   "justification": format!("{MARKER} avis : sortie d'hospitalisation")}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let r = app.post(
            "/api/v1/placements",
            fac,
            json!({"participant_id": p, "assignment_id": w.assignment_a, "modality": "direct_hire",
                   "employer_id": w.contractor_a, "contract_type": "cddi",
                   "job_title": format!("{MARKER} coffreuse"), "starts_on": "2026-02-01",
                   "ends_on": "2026-06-30"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let pl1 = r.body["id"].as_i64().expect("id");
        let e = hours(app, fac, pl1, "2026-02", json!({"work_hours": 35}));
        decide(app, fac, e, json!({"decision": "validate"}));
        let e = hours(app, fac, pl1, "2026-03", json!({"work_hours": 40}));
        decide(
            app,
            fac,
            e,
            json!({"decision": "reject", "reason": format!("{MARKER} rejet : arrêt maladie")}),
        );
        let e = hours(app, fac, pl1, "2026-04", json!({"work_hours": 50}));
        decide(app, fac, e, json!({"decision": "validate"}));
        let e = hours(
            app,
            fac,
            pl1,
            "2026-04",
            json!({"work_hours": 52.5, "amendment_reason": format!("{MARKER} avenant : absence")}),
        );
        decide(app, fac, e, json!({"decision": "validate"}));
        // A reminder naming the person, sent: her placement ended without an exit outcome.
        run_reminders(app, &smtp, "2026-11-27T10:00:00Z");
        assert!(
            // Alone, or within a digest of the run's reminders to the facilitator.
            smtp.messages()
                .iter()
                .any(|m| m.subject().contains(FIRST) || m.text().contains(FIRST)),
            "no reminder names the person"
        );
        // A second placement, with a derogation, whose reminder stays queued (SMTP refuses).
        let r = app.post(
            "/api/v1/placements",
            fac,
            json!({"participant_id": p, "assignment_id": w.assignment_b, "modality": "direct_hire",
                   "employer_id": w.contractor_b, "contract_type": "cdd",
                   "job_title": format!("{MARKER} peintre"), "starts_on": "2026-07-01",
                   "ends_on": "2026-08-31",
                   "derogation_reason": format!("{MARKER} dérogation : urgence du chantier")}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let pl2 = r.body["id"].as_i64().expect("id");
        let e = hours(
            app,
            fac,
            pl2,
            "2026-07",
            json!({"work_hours": 20, "training_hours": 7}),
        );
        decide(app, fac, e, json!({"decision": "validate"}));
        smtp.refuse(true);
        run_reminders(app, &smtp, "2026-11-27T10:05:00Z");
        smtp.stop();
        let queued = app.get("/api/v1/notifications?status=queued", &w.admin);
        assert!(queued.text.contains(FIRST), "{}", queued.text);
        // A proposal to a recruitment need, with the contractor's comments.
        let r = app.post(
            "/api/v1/needs",
            fac,
            json!({"assignment_id": w.assignment_a, "job_title": "Maçon", "rome_code": "F1703",
                   "posts": 1, "commune_code": "93066", "territory": "93", "starts_on": "2026-12-14",
                   "weekly_hours": 35, "duration_months": 6, "licences": [], "modality": "direct_hire",
                   "employer_id": w.contractor_a, "contract_type": "cddi"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let need = r.body["id"].as_i64().expect("id");
        let r = app.post(
            "/api/v1/referrals",
            fac,
            json!({"need_id": need, "participant_id": p}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let referral = r.body["id"].as_i64().expect("id");
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@batiment.test");
        let answer = |body: Value| {
            let r = app.post(&format!("/api/v1/referrals/{referral}/answer"), &a, body);
            assert_eq!(r.status, 200, "{}", r.text);
        };
        answer(json!({"state": "interview", "comment": format!("{MARKER} entretien mardi")}));
        answer(json!({"state": "declined", "reason": "other",
                      "comment": format!("{MARKER} refus : trajet trop long")}));
        // Another person, placed too (her hours count), and active later than the first.
        let kept = participant(app, fac, KEPT_FIRST, KEPT_LAST, "1991-05-06");
        eligible(app, fac, kept, "2026-01-10");
        let pl3 = place(
            app,
            fac,
            kept,
            w.assignment_a,
            w.contractor_a,
            "2026-03-01",
            Some("2026-05-31"),
        );
        let e = hours(app, fac, pl3, "2026-03", json!({"work_hours": 60}));
        decide(app, fac, e, json!({"decision": "validate"}));

        let before = dump(app);
        for needle in [MARKER, FIRST, LAST, BIRTH, KEPT_FIRST] {
            assert!(!found(&before, &[needle]).is_empty(), "{needle} not stored");
        }
        let report = |app: &TestApp| {
            let r = app.get("/api/v1/reports/annual?year=2026", &w.admin);
            assert_eq!(r.status, 200, "{}", r.text);
            r.body
        };
        let report_before = report(app);
        assert_eq!(report_before["beneficiaries"], 2, "{report_before}");
        let notifications_before = app.get("/api/v1/notifications", &w.admin).body["total"].clone();

        // The second person is active again the next day; the first is not.
        let start = app.clock.now();
        app.clock.advance(chrono::Duration::hours(15));
        // (The sessions opened at 10:00 have ended by then: a new one.)
        let fac_next_day = app.token("fac@plie.test");
        let r = app.post(
            &format!("/api/v1/participants/{kept}/eligibility"),
            &fac_next_day,
            json!({"criteria": ["rsa"], "proof": "caf_certificate", "validated_on": "2026-11-27"}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        app.clock.set(start);

        // Anonymisation as the scheduled job and the command run it, on the day the first
        // person's 24 months of retention are over (last activity 2026-11-27).
        let config = Config::for_database(&app.database_url).expect("config");
        let ids = anonymise_on(
            app,
            &config,
            NaiveDate::from_ymd_opt(2028, 11, 28).expect("date"),
        );
        assert_eq!(ids, vec![p]);

        let after = dump(app);
        let left = found(
            &after,
            &[MARKER, FIRST, LAST, BIRTH, "19 mars 1987", "7391482Q"],
        );
        assert!(left.is_empty(), "personal data left: {left:#?}");
        // The other person is untouched.
        assert!(!found(&after, &[KEPT_FIRST]).is_empty());
        assert!(!found(&after, &[KEPT_LAST]).is_empty());
        // What statistics need stays; search and contact preferences go.
        let v = app.get(&format!("/api/v1/participants/{p}"), &w.admin).body;
        assert_eq!(v["anonymised"], true, "{v}");
        assert_eq!(v["birth_year"], 1987, "{v}");
        assert_eq!(v["sex"], "female", "{v}");
        assert_eq!(v["qpv"], true, "{v}");
        assert_eq!(v["qualification_level"], "3", "{v}");
        for field in [
            "first_name",
            "last_name",
            "birth_date",
            "postal_code",
            "jobseeker_id",
            "available_from",
        ] {
            assert!(v[field].is_null(), "{field}: {v}");
        }
        for field in ["wished_rome_codes", "licences", "reachable_departements"] {
            assert_eq!(v[field], json!([]), "{field}: {v}");
        }
        assert_eq!(v["looking_for_work"], false, "{v}");
        // The referral keeps its state and coded reason (figures), not its comments.
        let r = app.get(&format!("/api/v1/referrals/{referral}"), &w.admin);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            (&r.body["state"], &r.body["reason"]),
            (&json!("declined"), &json!("other")),
            "{}",
            r.text
        );
        // The notifications are still listed, without the person, and the queued one is
        // not sent any more.
        let n = app.get("/api/v1/notifications", &w.admin);
        assert_eq!(n.body["total"], notifications_before, "{}", n.text);
        assert!(
            !n.text.contains(FIRST) && !n.text.contains(MARKER),
            "{}",
            n.text
        );
        let queued = app.get("/api/v1/notifications?status=queued", &w.admin);
        assert!(
            queued.body["items"].as_array().is_some_and(|items| items
                .iter()
                .all(|i| i["rule"] != "exit_missing" || i["subject_id"] != pl2)),
            "{}",
            queued.text
        );
        // The report's figures are unchanged.
        assert_eq!(report(app), report_before);
    }
);

// Without an SMTP server, emails are also written to the outbox folder as files; the copies
// about an anonymised person go with the rest.
on_both!(copies_of_emails_on_disk_go_too, |app: &TestApp| {
    let (_, p, _) = fixtures::placed(app);
    let data = tempfile::tempdir().expect("data dir");
    let mut config = Config::for_database(&app.database_url).expect("config");
    config.data_dir = data.path().to_path_buf();
    // Her placement ended in June without an exit outcome: the facilitator is told, by name.
    run_job(app, &config, "2026-11-27T10:00:00Z");
    let files = || -> Vec<String> {
        std::fs::read_dir(data.path().join("outbox"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        files()
            .iter()
            .any(|f| f.contains("Awa") || f.contains("Diallo")),
        "a copy names the person: {:?}",
        files()
    );
    let ids = anonymise_on(
        app,
        &config,
        NaiveDate::from_ymd_opt(2028, 11, 28).expect("date"),
    );
    assert_eq!(ids, vec![p]);
    let left: Vec<String> = files()
        .into_iter()
        .filter(|f| f.contains("Awa") || f.contains("Diallo"))
        .collect();
    assert!(left.is_empty(), "copies still name her: {left:?}");
});

// Hours reported on a placement are the person's activity: reported one by one (PUT) or in a
// file, they move the retention period on; a person with nothing since is anonymised.
on_both!(
    reported_hours_keep_a_person_from_anonymisation,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Activité");
        let fac = &w.facilitator;
        let (mut placements, mut people) = (Vec::new(), Vec::new());
        for (first, last) in [
            ("Anaïs", "Ferrand"),
            ("Basile", "Guérin"),
            ("Céleste", "Huet"),
        ] {
            let p = participant(app, fac, first, last, "1991-05-06");
            eligible(app, fac, p, "2026-01-10");
            people.push(p);
            placements.push(place(
                app,
                fac,
                p,
                w.assignment_a,
                w.contractor_a,
                "2026-02-01",
                None,
            ));
        }
        contractor_user(app, &w.admin, w.contractor_a, "chef@activite.test");
        // Three weeks after everything was recorded (2026-11-27), the November hours.
        let later = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 18, 9, 0, 0).unwrap();
        app.clock.set(later);
        let a = app.token("chef@activite.test");
        let r = app.put(
            &format!("/api/v1/placements/{}/hours/2026-11", placements[0]),
            &a,
            json!({"work_hours": 70}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let file = format!(
            "placement_id,month,work_hours,training_hours\n{},2026-11,35,0\n",
            placements[1]
        );
        let r = app.import_hours_csv(&a, file);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["accepted"], 1, "{}", r.text);

        // 24 months after 2026-11-27, not yet after 2026-12-18.
        let config = Config::for_database(&app.database_url).expect("config");
        let ids = anonymise_on(
            app,
            &config,
            NaiveDate::from_ymd_opt(2028, 11, 28).expect("date"),
        );
        assert_eq!(ids, vec![people[2]], "only the person with no hours since");
    }
);

/// Runs the anonymisation as the scheduled job and the command do, on `today`; the people
/// anonymised.
fn anonymise_on(app: &TestApp, config: &Config, today: NaiveDate) -> Vec<i64> {
    let pool = clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).expect("url"), 1)
        .expect("pool");
    let mut conn = pool.get().expect("connection");
    app.clock
        .scope(|| clausier::jobs::anonymise(&mut conn, config, today))
        .expect("anonymise")
        .into_iter()
        .map(i64::from)
        .collect()
}
