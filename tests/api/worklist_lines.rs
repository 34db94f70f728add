//! The work list's lines beyond needs and proposals (`lines` and `kinds` of
//! GET /api/v1/worklist, and the staff home that shows them): each kind appears when its
//! situation holds and goes once it is dealt with, on the day asked (`on`); another
//! structure's lines never show; contractors and funders have no work list.

use chrono::{DateTime, Utc};
use clausier::config::{Config, DatabaseUrl, SmtpConfig, SmtpTls};
use clausier::db::DbPool;
use clausier::reminders::{self, JobReport, Mailer};
use serde_json::{json, Value};

use crate::common::{PageSession, TestApp};
use crate::fixtures::{self, contractor_user, report_work, validate, World};
use crate::on_both;
use crate::smtp::SmtpServer;

/// The work list of `token` on `on`.
fn work(app: &TestApp, token: &str, on: &str) -> Value {
    let r = app.get(&format!("/api/v1/worklist?on={on}"), token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body.clone()
}

/// The lines of a kind.
fn lines_of(list: &Value, kind: &str) -> Vec<Value> {
    list["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter(|l| l["kind"] == kind)
        .cloned()
        .collect()
}

/// The count of a kind (every kind is listed, 0 included).
fn total_of(list: &Value, kind: &str) -> i64 {
    list["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap_or_else(|| panic!("kind {kind} listed: {list}"))["total"]
        .as_i64()
        .expect("total")
}

/// Awa placed with contractor A from February to June 2026 (eligible from 10 January, for
/// six months), and the contractor's user.
fn scene(app: &TestApp, structure: &str) -> (World, i64, i64, String) {
    let w = fixtures::world(app, structure);
    let (person, placement) = fixtures::placed_feb_to_june(app, &w);
    let slug = structure.to_lowercase().replace(' ', "-");
    let chef = contractor_user(app, &w.admin, w.contractor_a, &format!("chef@{slug}.test"));
    (w, person, placement, chef)
}

on_both!(
    reports_entries_and_the_clause_at_risk_come_and_go,
    |app: &TestApp| {
        let (w, _, awa, chef) = scene(app, "PLIE");
        let on = "2026-04-15";

        // On 15 April, February (due 10 March) and March (due 10 April) are owed by A.
        let l = work(app, &w.facilitator, on);
        let late = lines_of(&l, "late_report");
        assert_eq!(late.len(), 1, "{l}");
        assert_eq!(total_of(&l, "late_report"), 1);
        assert_eq!(
            late[0]["what"],
            "Heures de février 2026 et de mars 2026 non rendues par Bâtiment Durable \
             (clause 2026-001 — Réhabilitation du groupe scolaire)."
        );
        assert_eq!(
            late[0]["who"],
            "Bâtiment Durable — 2026-001 — Réhabilitation du groupe scolaire"
        );
        assert_eq!(late[0]["since"], "2026-03-10");
        assert_eq!(late[0]["href"], format!("/clauses/{}", w.clause));
        // Nothing validated by mid-April: the clause is behind its expected hours.
        let risk = lines_of(&l, "clause_at_risk");
        assert_eq!(risk.len(), 1, "{l}");
        assert_eq!(
            risk[0]["what"],
            "0 h validée sur 239,63 h attendues au 15 avril 2026 (833 h requises)."
        );
        assert_eq!(
            risk[0]["who"],
            "2026-001 — Réhabilitation du groupe scolaire"
        );
        assert_eq!(risk[0]["since"], "2026-01-01");
        assert!(lines_of(&l, "entries_waiting").is_empty(), "{l}");
        // The kinds come with their French headings.
        let kinds = l["kinds"].as_array().unwrap();
        assert_eq!(kinds.len(), 7, "{l}");
        assert_eq!(kinds[0]["heading"], "Comptes rendus d'heures en retard");
        // Today's items are still there, apart.
        assert!(l["items"].is_array() && l["total"].is_i64(), "{l}");

        // The contractor reports both months: the report is in, the figures wait.
        let feb = report_work(app, &chef, awa, "2026-02", 150.0);
        let mar = report_work(app, &chef, awa, "2026-03", 150.0);
        let l = work(app, &w.facilitator, on);
        assert!(lines_of(&l, "late_report").is_empty(), "{l}");
        let waiting = lines_of(&l, "entries_waiting");
        assert_eq!(waiting.len(), 1, "{l}");
        assert_eq!(
            waiting[0]["what"],
            "2 chiffres mensuels envoyés par Bâtiment Durable attendent votre validation, \
             le plus ancien de février 2026."
        );
        assert_eq!(waiting[0]["who"], "Bâtiment Durable");
        assert_eq!(waiting[0]["since"], "2026-02-01");
        assert_eq!(
            waiting[0]["href"],
            format!("/validation?contractor_id={}", w.contractor_a)
        );
        // Pending hours do not count: still at risk.
        assert_eq!(lines_of(&l, "clause_at_risk").len(), 1, "{l}");

        // One validated: one left, in the singular.
        validate(app, &w.facilitator, feb);
        let l = work(app, &w.facilitator, on);
        let waiting = lines_of(&l, "entries_waiting");
        assert_eq!(
            waiting[0]["what"],
            "Le chiffre de mars 2026 envoyé par Bâtiment Durable attend votre validation."
        );
        assert_eq!(waiting[0]["since"], "2026-03-01");
        // Both validated: nothing waits, and 300 h is on track in mid-April.
        validate(app, &w.facilitator, mar);
        let l = work(app, &w.facilitator, on);
        assert!(lines_of(&l, "entries_waiting").is_empty(), "{l}");
        assert_eq!(total_of(&l, "entries_waiting"), 0);
        assert!(lines_of(&l, "clause_at_risk").is_empty(), "{l}");
        assert_eq!(total_of(&l, "clause_at_risk"), 0);
        assert!(lines_of(&l, "late_report").is_empty(), "{l}");

        // A refused figure is not a report: the month is owed again.
        let r = app.post(
            "/api/v1/hours/validation",
            &w.facilitator,
            json!({"entry_ids": [report_work(app, &chef, awa, "2026-04", 10.0)],
                   "decision": "reject", "reason": "Chiffre à revoir"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let l = work(app, &w.facilitator, "2026-05-11");
        let late = lines_of(&l, "late_report");
        assert_eq!(late.len(), 1, "{l}");
        assert!(
            late[0]["what"]
                .as_str()
                .unwrap()
                .starts_with("Heures d'avril 2026 non rendues"),
            "{l}"
        );
    }
);

on_both!(eligibility_and_exits_come_and_go, |app: &TestApp| {
    let (w, awa_person, awa, _) = scene(app, "PLIE");
    // Eligible from 10 January for six months: ends 9 July (within 30 days on 20 June).
    let l = work(app, &w.facilitator, "2026-06-20");
    let expiring = lines_of(&l, "eligibility_expiring");
    assert_eq!(expiring.len(), 1, "{l}");
    let until = expiring[0]["what"].as_str().unwrap().to_string();
    assert!(
        until.starts_with("Awa Diallo : éligibilité valable jusqu'au ")
            && until.ends_with(" juillet 2026, à renouveler."),
        "{until}"
    );
    assert_eq!(expiring[0]["who"], "Awa Diallo");
    assert_eq!(expiring[0]["href"], format!("/people/{awa_person}"));
    // Not yet in the window on 1 June.
    let l = work(app, &w.facilitator, "2026-06-01");
    assert!(lines_of(&l, "eligibility_expiring").is_empty(), "{l}");
    // Renewed: gone.
    fixtures::eligible(app, &w.facilitator, awa_person, "2026-06-20");
    let l = work(app, &w.facilitator, "2026-06-20");
    assert!(lines_of(&l, "eligibility_expiring").is_empty(), "{l}");
    assert_eq!(total_of(&l, "eligibility_expiring"), 0);

    // The placement ended on 30 June with no exit outcome: owed from 1 July.
    let l = work(app, &w.facilitator, "2026-06-30");
    assert!(lines_of(&l, "exit_without_outcome").is_empty(), "{l}");
    let l = work(app, &w.facilitator, "2026-07-15");
    let exits = lines_of(&l, "exit_without_outcome");
    assert_eq!(exits.len(), 1, "{l}");
    assert_eq!(
        exits[0]["what"],
        "Awa Diallo : mise en situation chez Bâtiment Durable terminée le 30 juin 2026, \
             sans résultat de sortie."
    );
    assert_eq!(exits[0]["since"], "2026-06-30");
    assert_eq!(exits[0]["href"], format!("/people/{awa_person}"));
    // The exit recorded: gone.
    let r = app.post(
        &format!("/api/v1/placements/{awa}/exit"),
        &w.facilitator,
        json!({"ended_on": "2026-06-30", "outcome": "durable_employment"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let l = work(app, &w.facilitator, "2026-07-15");
    assert!(lines_of(&l, "exit_without_outcome").is_empty(), "{l}");
    assert_eq!(total_of(&l, "exit_without_outcome"), 0);
});

on_both!(
    another_structures_lines_never_show_and_only_staff_have_a_work_list,
    |app: &TestApp| {
        let (w, _, _, chef) = scene(app, "PLIE");
        let other = fixtures::world(app, "Autre PLIE");
        fixtures::person_placed_with_a(
            app,
            &other,
            ("Inès", "Martin", "1992-05-06"),
            "2026-01-10",
            ("2026-02-01", Some("2026-03-31")),
        );
        for on in ["2026-04-15", "2026-06-20", "2026-07-15"] {
            let mine = work(app, &w.facilitator, on);
            assert!(!mine.to_string().contains("Inès"), "{mine}");
            let theirs = work(app, &other.facilitator, on);
            assert!(!theirs.to_string().contains("Awa"), "{theirs}");
        }
        // Each sees its own person.
        let theirs = work(app, &other.facilitator, "2026-04-15");
        assert_eq!(
            lines_of(&theirs, "exit_without_outcome").len(),
            1,
            "{theirs}"
        );

        // A contractor and a funder: no work list, on the API or as a page.
        let funder = app.api_user(&w.admin, "funder", "financeur@plie.test", None);
        for token in [&chef, &funder] {
            assert_eq!(app.get("/api/v1/worklist", token).status, 403);
            let s = PageSession {
                cookie: token.to_string(),
                csrf: String::new(),
            };
            let r = app.page_get("/", &s);
            assert_eq!(r.status, 303, "{}", r.text);
            assert!(!r.text.contains("À traiter"));
        }
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
        config.reminder_max_attempts = 2;
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

on_both!(failed_emails_show_until_retried, |app: &TestApp| {
    let smtp = SmtpServer::start();
    let (w, _, _, _) = scene(app, "PLIE");
    let r = app.put(
        &format!("/api/v1/organisations/{}/contacts", w.contractor_a),
        &w.admin,
        json!([{"email": "paie@batiment-durable.test", "name": "Service paie"}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let l = work(app, &w.facilitator, "2026-04-10");
    assert_eq!(total_of(&l, "email_failed"), 0);

    // The server refuses every email: after two attempts they fail.
    let job = Runner::new(app, smtp.port);
    smtp.refuse(true);
    job.run("2026-04-10T07:05:00Z");
    job.run("2026-04-10T07:11:00Z");
    let failed = app.get("/api/v1/notifications?status=failed", &w.facilitator);
    let n = failed.body["total"].as_i64().unwrap();
    assert!(n >= 1, "{}", failed.text);
    let l = work(app, &w.facilitator, "2026-04-10");
    assert_eq!(total_of(&l, "email_failed"), n, "{l}");
    let emails = lines_of(&l, "email_failed");
    assert_eq!(emails.len() as i64, n);
    let first = &failed.body["items"][0];
    let recipient = first["recipient"].as_str().unwrap();
    let line = emails
        .iter()
        .find(|e| e["who"] == recipient)
        .unwrap_or_else(|| panic!("{l}"));
    let what = line["what"].as_str().unwrap();
    assert!(
        what.starts_with("Le courriel « ")
            && what.ends_with(&format!(" à {recipient} n'est pas parti (2 essais).")),
        "{what}"
    );
    assert_eq!(line["href"], "/emails/failed");
    assert_eq!(line["since"], "2026-04-10");

    // Retried: that one leaves the list, and once sent stays out.
    let id = first["id"].as_i64().unwrap();
    let r = app.post(
        &format!("/api/v1/notifications/{id}/retry"),
        &w.facilitator,
        json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let l = work(app, &w.facilitator, "2026-04-10");
    assert_eq!(total_of(&l, "email_failed"), n - 1, "{l}");
    smtp.refuse(false);
    job.run("2026-04-10T08:00:00Z");
    let l = work(app, &w.facilitator, "2026-04-10");
    assert_eq!(total_of(&l, "email_failed"), n - 1, "{l}");
});

on_both!(
    the_staff_home_shows_the_lines_and_their_links,
    |app: &TestApp| {
        // A structure with nothing going on: nothing to do.
        let empty = app.structure_admin("PLIE Calme");
        let s = app.page_session(&empty);
        let r = app.page_get("/", &s);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.text
                .replace("&#x27;", "'")
                .contains("Rien à traiter aujourd'hui"),
            "{}",
            r.text
        );
        assert!(r.text.contains(r#"href="/validation""#));
        assert!(r.text.contains(r#"href="/reports/annual/2026""#));

        // Awa's placement ended on 30 June without an outcome; on the test day (27 November)
        // her months of February to June were never reported and the clause is behind.
        let (w, person, _, _) = scene(app, "PLIE");
        let s = app.page_session(&w.facilitator);
        let r = app.page_get("/", &s);
        assert_eq!(r.status, 200, "{}", r.text);
        // Attribute values come escaped (`/` as `&#x2f;`), as a browser reads them.
        let page = r.text.replace("&#x27;", "'").replace("&#x2f;", "/");
        for heading in [
            "Comptes rendus d'heures en retard",
            "Clauses en retard sur leur objectif",
            "Sorties sans résultat",
        ] {
            assert!(page.contains(heading), "{heading}: {page}");
        }
        assert!(!page.contains("Rien à traiter"), "{page}");
        assert!(
            page.contains(
                "Awa Diallo : mise en situation chez Bâtiment Durable terminée le 30 juin 2026, \
             sans résultat de sortie."
            ),
            "{page}"
        );
        assert!(
            page.contains(&format!(r#"href="/people/{person}""#)),
            "{page}"
        );
        assert!(
            page.contains(&format!(r#"href="/clauses/{}""#, w.clause)),
            "{page}"
        );
        assert!(page.contains("30 juin 2026"), "{page}");
        assert!(page.contains(r#"data-label="Depuis le""#), "{page}");
        assert!(page.contains(r#"class="stack worklist-lines""#), "{page}");
    }
);

/// (assignment, month, entries not refused), in key order.
type ReportedCounts = Vec<(i64, String, i64)>;

/// The kept count of entries not refused per assignment and month, beside the same count
/// taken from the entries themselves.
fn reported_counts(app: &TestApp) -> (ReportedCounts, ReportedCounts) {
    use clausier::db::schema::{
        assignment_month_totals as amt, hour_entries as he, placements as pl,
    };
    use diesel::prelude::*;
    let pool =
        clausier::db::build_pool(&DatabaseUrl::parse(&app.database_url).unwrap(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    let mut kept: Vec<(i64, String, i64)> = amt::table
        .filter(amt::reported_entries.ne(0))
        .select((amt::assignment_id, amt::month, amt::reported_entries))
        .load(&mut *conn)
        .unwrap();
    let entries: Vec<(i64, String, String)> = he::table
        .inner_join(pl::table)
        .select((pl::assignment_id, he::month, he::status))
        .load(&mut *conn)
        .unwrap();
    let mut counted: std::collections::BTreeMap<(i64, String), i64> = Default::default();
    for (a, m, status) in entries {
        if status != "rejected" {
            *counted.entry((a, m)).or_default() += 1;
        }
    }
    kept.sort();
    let counted = counted.into_iter().map(|((a, m), n)| (a, m, n)).collect();
    (kept, counted)
}

on_both!(
    a_month_is_in_when_every_placement_open_in_it_has_a_figure_not_refused,
    |app: &TestApp| {
        let (w, _, awa, chef) = scene(app, "PLIE");
        // A second person with the same contractor and clause, from February to June.
        let (_, marc) = fixtures::person_placed_with_a(
            app,
            &w,
            ("Marc", "Petit", "1972-06-30"),
            "2026-01-10",
            ("2026-02-01", Some("2026-06-30")),
        );
        let late_months = |on: &str| -> Vec<String> {
            let l = work(app, &w.facilitator, on);
            lines_of(&l, "late_report")
                .iter()
                .map(|line| line["what"].as_str().unwrap().to_string())
                .collect()
        };
        // February: Awa's figure in, Marc's not: still owed on 15 March.
        report_work(app, &chef, awa, "2026-02", 120.0);
        let late = late_months("2026-03-15");
        assert_eq!(late.len(), 1, "{late:?}");
        assert!(
            late[0].starts_with("Heures de février 2026 non rendues"),
            "{late:?}"
        );
        // Marc's figure in: nothing owed.
        let marc_feb = report_work(app, &chef, marc, "2026-02", 0.0);
        assert!(late_months("2026-03-15").is_empty());
        // Refused: owed again; sent again: in.
        let r = app.post(
            "/api/v1/hours/validation",
            &w.facilitator,
            json!({"entry_ids": [marc_feb], "decision": "reject", "reason": "Chiffre à revoir"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(late_months("2026-03-15").len(), 1);
        report_work(app, &chef, marc, "2026-02", 35.0);
        assert!(late_months("2026-03-15").is_empty());
        // March: only Marc's figure, then his placement cancelled (his waiting figures are
        // refused with it): Awa alone owes March, and once hers is in, nothing is owed.
        report_work(app, &chef, marc, "2026-03", 35.0);
        assert_eq!(late_months("2026-04-15").len(), 1);
        let r = app.post(
            &format!("/api/v1/placements/{marc}/cancel"),
            &w.facilitator,
            json!({"reason": "Saisie en double"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let late = late_months("2026-04-15");
        assert_eq!(late.len(), 1, "{late:?}");
        assert!(
            late[0].starts_with("Heures de mars 2026 non rendues"),
            "{late:?}"
        );
        report_work(app, &chef, awa, "2026-03", 120.0);
        assert!(late_months("2026-04-15").is_empty());
        // The kept counts equal the entries' own after every kind of write.
        let (kept, counted) = reported_counts(app);
        assert_eq!(kept, counted);
        assert!(!kept.is_empty());
    }
);
