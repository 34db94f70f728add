//! A failing database is the server's failure: answered 5xx with a problem that shows
//! nothing of the database, never a refusal of the request (4xx), and nothing is written.

use serde_json::json;

use crate::common::{Resp, TestApp};
use crate::fixtures::{contractor_user, placed};
use crate::on_both;

/// What the failing trigger says; no answer may repeat it.
const TRIGGER_MESSAGE: &str = "clausier_test_failure";

/// Makes every insert into `hour_entries` fail, through a trigger created with raw SQL on
/// the test's database.
fn make_hour_inserts_fail(app: &TestApp) {
    use diesel::connection::SimpleConnection;
    let pool = clausier::db::build_pool(
        &clausier::config::DatabaseUrl::parse(&app.database_url).expect("url"),
        1,
    )
    .expect("pool");
    let mut conn = pool.get().expect("connection");
    let sql = match &mut *conn {
        clausier::db::Conn::Sqlite(c) => c.batch_execute(&format!(
            "CREATE TRIGGER hour_entries_fail BEFORE INSERT ON hour_entries \
             BEGIN SELECT RAISE(ABORT, '{TRIGGER_MESSAGE}'); END;"
        )),
        clausier::db::Conn::Pg(c) => c.batch_execute(&format!(
            "CREATE FUNCTION hour_entries_fail() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION '{TRIGGER_MESSAGE}'; END; $$; \
             CREATE TRIGGER hour_entries_fail BEFORE INSERT ON hour_entries \
             FOR EACH ROW EXECUTE FUNCTION hour_entries_fail();"
        )),
    };
    sql.expect("create the failing trigger");
}

/// A server error as a problem that leaks nothing of the SQL.
fn assert_server_problem(r: &Resp) {
    assert!(
        r.status == 500 || r.status == 503,
        "a database failure is a server error, not {}: {}",
        r.status,
        r.text
    );
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/problem+json"),
        "{}",
        r.text
    );
    assert_eq!(r.body["status"], r.status, "{}", r.text);
    assert!(
        r.body["errors"].is_null(),
        "no field is at fault: {}",
        r.text
    );
    let text = r.text.to_lowercase();
    for leak in [
        TRIGGER_MESSAGE,
        "hour_entries",
        "insert",
        "trigger",
        "sql",
        "database error",
    ] {
        assert!(
            !text.contains(leak),
            "the answer shows {leak:?}: {}",
            r.text
        );
    }
}

on_both!(
    a_database_failure_during_an_hour_report_is_a_server_error,
    |app: &TestApp| {
        let (w, _, pl) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@failures.test");
        make_hour_inserts_fail(app);

        let r = app.put(
            &format!("/api/v1/placements/{pl}/hours/2026-03"),
            &a,
            json!({"work_hours": 35}),
        );
        assert_server_problem(&r);

        let file = format!("placement_id,month,work_hours,training_hours\n{pl},2026-04,20,\n");
        let r = app.import_hours_csv(&a, file);
        assert_server_problem(&r);

        // Nothing was written: no entry, no pending hour in the clause's progress.
        assert_eq!(
            app.get("/api/v1/hours", &w.facilitator).body["total"],
            0,
            "nothing stored"
        );
        let progress = app.get(
            &format!("/api/v1/clauses/{}/progress?on=2026-11-27", w.clause),
            &w.facilitator,
        );
        assert_eq!(progress.status, 200, "{}", progress.text);
        assert_eq!(progress.body["pending_hours"].as_f64(), Some(0.0));
        assert_eq!(progress.body["validated_hours"].as_f64(), Some(0.0));

        // The same reports are refused by a rule (not the database) as before: 422.
        let r = app.put(
            &format!("/api/v1/placements/{pl}/hours/2026-03"),
            &a,
            json!({"work_hours": -1}),
        );
        assert_eq!(r.status, 422, "{}", r.text);
    }
);
