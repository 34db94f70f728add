//! The history line of an imported entry holds the very text a single report writes: on
//! PostgreSQL a batch's `submit` lines are built by the database (`store::hours::insert_submitted`),
//! so its text is compared here with the one `EntryFigures::snapshot` writes.

use chrono::Utc;
use clausier::domain::hours::EntryFigures;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::common::TestApp;
use crate::fixtures::{self, contractor_user, eligible, participant, place};
use crate::on_both;

#[derive(Debug, QueryableByName)]
struct Line {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    work_hours: i64,
    #[diesel(sql_type = BigInt)]
    training_hours: i64,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Nullable<Text>)]
    before_value: Option<String>,
    #[diesel(sql_type = Text)]
    after_value: String,
}

/// The history lines of the entries of a placement, with each entry's figures.
fn history_of(app: &TestApp, placement: i64) -> Vec<Line> {
    let sql = format!(
        "SELECT e.id, e.work_hours, e.training_hours, c.action, c.before_value, c.after_value \
         FROM hour_entry_changes c JOIN hour_entries e ON e.id = c.entry_id \
         WHERE e.placement_id = {placement} ORDER BY e.month"
    );
    diesel::sql_query(sql)
        .load(&mut *app.database())
        .expect("history")
}

on_both!(
    an_imported_entry_has_the_history_text_of_a_single_report,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Historique");
        let fac = &w.facilitator;
        let person = participant(app, fac, "Léonie", "Marchal", "1990-04-12");
        eligible(app, fac, person, "2026-01-10");
        let placement = place(
            app,
            fac,
            person,
            w.assignment_a,
            w.contractor_a,
            "2026-02-01",
            None,
        );
        contractor_user(app, &w.admin, w.contractor_a, "chef@historique.test");
        app.clock
            .set(chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 18, 9, 0, 0).unwrap());
        let token = app.token("chef@historique.test");
        // Ten months in one file: past the few lines a batch writes as single reports do.
        let mut file = String::from("placement_id;month;work_hours;training_hours\n");
        for month in 2..=11 {
            file.push_str(&format!(
                "{placement};2026-{month:02};{},5;1,25\n",
                30 + month
            ));
        }
        let r = app.import_hours_csv(&token, file);
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["accepted"], 10, "{}", r.text);

        let lines = history_of(app, placement);
        assert_eq!(lines.len(), 10, "{lines:?}");
        for (line, month) in lines.iter().zip(2..=11) {
            assert_eq!(line.work_hours, (30 + month) * 100 + 50);
            assert_eq!(line.training_hours, 125);
            assert_eq!(line.action, "submit");
            assert_eq!(line.before_value, None);
            let written = EntryFigures::new_entry(line.id, line.work_hours, line.training_hours);
            assert_eq!(line.after_value, written.snapshot(), "{line:?}");
        }
    }
);
