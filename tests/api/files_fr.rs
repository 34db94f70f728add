//! Files for people: the CSV downloads open as columns in a French spreadsheet (byte-order
//! mark, `;`, decimal comma, French headers, labels beside codes, names beside ids), the
//! `standard` form keeps the old columns with `label` last, and the hours template comes
//! back filled, in CSV or XLSX, French or English headers.

use rocket::http::ContentType;
use serde_json::Value;

use crate::common::{csv_rows, TestApp, STANDARD_REPORT_HEADER};
use crate::fixtures::{self, contractor_user, World};
use crate::on_both;

const BOM: char = '\u{feff}';

/// The rows of a French CSV download: fails unless it starts with a byte-order mark; read
/// with `;` as a French spreadsheet does, the header first.
fn french_rows(text: &str) -> Vec<Vec<String>> {
    let body = text
        .strip_prefix(BOM)
        .unwrap_or_else(|| panic!("no byte-order mark: {text}"));
    csv_rows(body, b';')
}

/// The rows of a standard CSV download, read with `,`, the header first.
fn standard_rows(text: &str) -> Vec<Vec<String>> {
    assert!(!text.starts_with(BOM), "{text}");
    csv_rows(text, b',')
}

/// Hours written with a decimal comma (`56,5`, `1234,25`, `7`) in hundredths; fails on any
/// other spelling (a decimal point included).
fn comma_hundredths(text: &str) -> i64 {
    let (whole, decimals) = text.split_once(',').unwrap_or((text, ""));
    assert!(
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && decimals.len() <= 2
            && decimals.bytes().all(|b| b.is_ascii_digit()),
        "not hours with a decimal comma: {text:?}"
    );
    let cents = format!("{decimals:0<2}");
    whole.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

fn json_hundredths(v: &Value) -> i64 {
    (v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")) * 100.0).round() as i64
}

/// The world, Awa with contractor A (56.5 h in March) and Lina with contractor B (30.25 h
/// in April), both validated.
fn two_people_with_hours(app: &TestApp) -> (World, i64, i64) {
    let w = fixtures::world(app, "PLIE Fichiers");
    let (_, awa) = fixtures::placed_feb_to_june(app, &w);
    let lina = fixtures::participant(app, &w.facilitator, "Lina", "Haddad", "1999-06-15");
    fixtures::eligible(app, &w.facilitator, lina, "2026-01-10");
    let lina = fixtures::placed_with_b_ten_hours_a_week(app, &w, lina, "2026-03-01");
    for (placement, month, hours) in [(awa, "2026-03", 56.5), (lina, "2026-04", 30.25)] {
        let entry = fixtures::report_work(app, &w.facilitator, placement, month, hours);
        fixtures::validate(app, &w.facilitator, entry);
    }
    (w, awa, lina)
}

on_both!(
    report_csv_opens_in_a_french_spreadsheet_and_standard_keeps_the_old_columns,
    |app: &TestApp| {
        let (w, _, _) = two_people_with_hours(app);
        let fac = &w.facilitator;
        let json = app.get_ok("/api/v1/reports/annual?year=2026", fac).body;
        let r = app.get_ok("/api/v1/reports/annual.csv?year=2026", fac);
        assert!(r.content_type.as_deref().unwrap().starts_with("text/csv"));
        let rows = french_rows(&r.text);
        assert_eq!(
            rows[0],
            [
                "Ventilation",
                "Code",
                "Libellé",
                "Personnes",
                "Heures",
                "Secret statistique"
            ]
        );
        // The total, in French, with a decimal comma: the JSON's 86.75 h for two persons.
        assert_eq!(json_hundredths(&json["hours"]), 8675);
        let total = &rows[1];
        assert_eq!(total[..3], ["Total", "all", "Ensemble des personnes"]);
        assert_eq!(total[3], json["beneficiaries"].to_string());
        assert_eq!(total[3], "2");
        assert_eq!(comma_hundredths(&total[4]), json_hundredths(&json["hours"]));
        assert_eq!(total[5], "non");
        // Every breakdown adds up to the same total, read with decimal commas.
        let sex: i64 = rows
            .iter()
            .filter(|row| row[0] == "Sexe")
            .map(|row| comma_hundredths(&row[4]))
            .sum();
        assert_eq!(sex, 8675);
        // Labels beside codes, names beside ids.
        let label_of = |title: &str, code: &str| -> String {
            rows.iter()
                .find(|row| row[0] == title && row[1] == code)
                .unwrap_or_else(|| panic!("no row {title} {code}: {:?}", rows))[2]
                .clone()
        };
        assert_eq!(label_of("Sexe", "female"), "Femmes");
        assert_eq!(
            label_of("Critères d'éligibilité", "rsa"),
            "Bénéficiaire du RSA"
        );
        assert_eq!(label_of("Tranche d'âge", "26_49"), "26 à 49 ans");
        assert_eq!(
            label_of("Type de contrat", "cddi"),
            "CDD d'insertion (CDDI)"
        );
        assert_eq!(
            label_of("Type de clause", "execution_condition"),
            "Condition d'exécution (art. L2112-2)"
        );
        assert_eq!(label_of("Sorties", "durable_employment"), "Emploi durable");
        assert_eq!(
            label_of("Acheteur", &w.buyer.to_string()),
            "Ville de Saint-Denis"
        );
        assert_eq!(
            label_of("Entreprise", &w.contractor_a.to_string()),
            "Bâtiment Durable"
        );
        assert_eq!(
            label_of("Entreprise", &w.contractor_b.to_string()),
            "Peintures Réunies"
        );
        for row in &rows[1..] {
            assert_eq!(row.len(), 6, "{row:?}");
            // No bare code or id where a person reads a label.
            assert!(!row[2].is_empty() && row[2] != row[1], "{row:?}");
            assert!(!row[4].contains('.'), "{row:?}");
            assert!(row[5] == "oui" || row[5] == "non", "{row:?}");
        }

        // The standard form: the old columns exactly, then `label`; the same rows.
        let r = app.get_ok("/api/v1/reports/annual.csv?year=2026&dialect=standard", fac);
        let std_rows = standard_rows(&r.text);
        assert_eq!(std_rows[0].join(","), STANDARD_REPORT_HEADER);
        assert_eq!(
            std_rows[1],
            [
                "total",
                "all",
                "2",
                &json["hours"].to_string(),
                "false",
                "Ensemble des personnes"
            ]
        );
        assert_eq!(std_rows.len(), rows.len());
        for (fr, std) in rows.iter().zip(&std_rows).skip(1) {
            assert_eq!(fr[1], std[1], "code");
            assert_eq!(fr[2], std[5], "label");
            assert_eq!(fr[3], std[2], "persons");
            assert_eq!(fr[4].replace(',', "."), std[3], "hours");
            assert_eq!(fr[5] == "oui", std[4] == "true", "suppressed");
        }
        let cells = |b: &str| json["breakdowns"][b].as_array().unwrap().clone();
        for cell in cells("buyer").iter().chain(cells("contractor").iter()) {
            let key = cell["key"].as_str().unwrap();
            let row = std_rows
                .iter()
                .find(|row| row[1] == key && (row[0] == "buyer" || row[0] == "contractor"))
                .unwrap();
            assert_eq!(row[2], cell["persons"].to_string());
            assert_eq!(row[3], cell["hours"].to_string());
            assert!(row[5].chars().any(char::is_alphabetic), "{row:?}");
        }

        // The workbook likewise: the filter by name, labels and names beside the codes.
        let bytes = download(
            app,
            &format!("/api/v1/reports/annual.xlsx?year=2026&buyer_id={}", w.buyer),
            fac,
        );
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let mut pairs = |sheet: &str, first: usize| -> Vec<(String, String)> {
            book.worksheet_range(sheet)
                .unwrap()
                .rows()
                .map(|r| {
                    let cell = |i: usize| r.get(i).map(|c| c.to_string()).unwrap_or_default();
                    (cell(first), cell(first + 1))
                })
                .collect()
        };
        let summary = pairs("Synthèse", 0);
        assert!(
            summary.contains(&("Acheteur".into(), "Ville de Saint-Denis".into())),
            "{summary:?}"
        );
        let contractors = pairs("Entreprise", 0);
        assert!(
            contractors.contains(&(w.contractor_b.to_string(), "Peintures Réunies".into())),
            "{contractors:?}"
        );
        assert!(contractors.contains(&("Code".into(), "Libellé".into())));
        let criteria = pairs("Critères d'éligibilité", 0);
        assert!(
            criteria.contains(&("rsa".into(), "Bénéficiaire du RSA".into())),
            "{criteria:?}"
        );

        // `fr` by name is the default form.
        let named = app.get_ok("/api/v1/reports/annual.csv?year=2026&dialect=fr", fac);
        assert_eq!(
            named.text,
            app.get_ok("/api/v1/reports/annual.csv?year=2026", fac).text
        );
    }
);

on_both!(an_unknown_dialect_is_refused_in_french, |app: &TestApp| {
    let w = fixtures::world(app, "PLIE Dialecte");
    let fac = &w.facilitator;
    for path in [
        "/api/v1/reports/annual.csv?year=2026&dialect=excel",
        "/api/v1/hours/template?month=2026-03&dialect=excel",
    ] {
        let r = app.get(path, fac);
        r.assert_refused_on(&["dialect"]);
        let error = &r.body["errors"][0];
        assert_eq!(error["code"], "csv_dialect_unknown", "{path}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("« fr »") && message.contains("« standard »"),
            "{message}"
        );
        assert!(message.contains("virgule décimale"), "{message}");
    }
    // With another bad parameter: both in one answer.
    let r = app.get("/api/v1/reports/annual.csv?year=20x6&dialect=excel", fac);
    r.assert_refused_on(&["dialect", "year"]);
});

/// The hours of a placement for a month, as the API lists them.
fn listed_hours(app: &TestApp, token: &str, placement: i64, month: &str) -> Value {
    let list = app.get_ok(
        &format!("/api/v1/hours?placement_id={placement}&month={month}"),
        token,
    );
    assert_eq!(list.body["total"], 1, "{}", list.text);
    list.body["items"][0]["work_hours"].clone()
}

fn import_xlsx(app: &TestApp, token: &str, bytes: Vec<u8>) -> crate::common::Resp {
    app.request(
        "POST",
        "/api/v1/hours/import",
        Some(token),
        Some(ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )),
        Some(bytes),
    )
}

fn download(app: &TestApp, path: &str, token: &str) -> Vec<u8> {
    app.client
        .get(path.to_string())
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .dispatch()
        .into_bytes()
        .unwrap()
}

/// The French template's header, as the domain writes it.
const TEMPLATE_HEADER: [&str; 6] = clausier::domain::hours::TEMPLATE_HEADER_FR;

on_both!(
    templates_come_back_filled_in_french_or_english,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Modèle");
        let (_, awa) = fixtures::placed_feb_to_june(app, &w);
        let a = contractor_user(app, &w.admin, w.contractor_a, "chef@chantier.test");

        // CSV, French: the person's name and job beside the id; filled with 56,5 as a
        // French spreadsheet writes it, then uploaded as downloaded.
        let r = app.get_ok("/api/v1/hours/template?month=2026-03", &a);
        assert_eq!(
            r.header("Content-Disposition"),
            Some("attachment; filename=\"heures-2026-03.csv\"")
        );
        let rows = french_rows(&r.text);
        assert_eq!(rows[0], TEMPLATE_HEADER);
        assert_eq!(
            rows[1],
            [
                &awa.to_string(),
                "Awa Diallo",
                "Peintre en bâtiment",
                "2026-03",
                "",
                ""
            ]
        );
        assert_eq!(rows.len(), 2);
        let filled = r.text.replace("2026-03;;", "2026-03;56,5;");
        assert_ne!(filled, r.text);
        let imported = app.import_hours_csv(&a, filled.into_bytes());
        assert_eq!(imported.status, 200, "{}", imported.text);
        assert_eq!(imported.body["accepted"], 1);
        assert_eq!(listed_hours(app, &a, awa, "2026-03"), 56.5);

        // XLSX: the same columns; filled in a spreadsheet (every cell written back, 56.5 h
        // of work and 2.25 h of training in the hours columns) and uploaded.
        let bytes = download(app, "/api/v1/hours/template?month=2026-04&format=xlsx", &a);
        use calamine::{Data, Reader, Xlsx};
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("Heures").unwrap();
        let cells: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
        let header: Vec<String> = cells[0].iter().map(|c| c.to_string()).collect();
        assert_eq!(header, TEMPLATE_HEADER);
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[1][0].to_string(), awa.to_string());
        assert_eq!(cells[1][1].to_string(), "Awa Diallo");
        assert_eq!(cells[1][2].to_string(), "Peintre en bâtiment");
        assert_eq!(cells[1][3].to_string(), "2026-04");
        let mut filled = rust_xlsxwriter::Workbook::new();
        let out = filled.add_worksheet();
        for (r, row) in cells.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Data::Float(f) => out.write_number(r, c, *f).map(|_| ()),
                    Data::Int(i) => out.write_number(r, c, *i as f64).map(|_| ()),
                    Data::String(s) => out.write_string(r, c, s).map(|_| ()),
                    _ => Ok(()),
                }
                .unwrap();
            }
        }
        out.write_number(1, 4, 56.5).unwrap();
        out.write_number(1, 5, 2.25).unwrap();
        let imported = import_xlsx(app, &a, filled.save_to_buffer().unwrap());
        assert_eq!(imported.status, 200, "{}", imported.text);
        assert_eq!(imported.body["accepted"], 1);
        assert_eq!(listed_hours(app, &a, awa, "2026-04"), 56.5);
        let list = app.get_ok(
            &format!("/api/v1/hours?placement_id={awa}&month=2026-04"),
            &a,
        );
        assert_eq!(list.body["items"][0]["training_hours"], 2.25);

        // The standard form: English headers (today's), `label` last; they still import.
        let r = app.get_ok("/api/v1/hours/template?month=2026-05&dialect=standard", &a);
        let rows = standard_rows(&r.text);
        assert_eq!(
            rows[0],
            [
                "placement_id",
                "month",
                "work_hours",
                "training_hours",
                "participant",
                "job_title",
                "contractor",
                "label"
            ]
        );
        assert_eq!(
            rows[1],
            [
                &awa.to_string(),
                "2026-05",
                "",
                "",
                "Awa Diallo",
                "Peintre en bâtiment",
                "Bâtiment Durable",
                "Awa Diallo — Peintre en bâtiment"
            ]
        );
        let filled = r.text.replace("2026-05,,", "2026-05,56.5,");
        let imported = app.import_hours_csv(&a, filled.into_bytes());
        assert_eq!(imported.status, 200, "{}", imported.text);
        assert_eq!(listed_hours(app, &a, awa, "2026-05"), 56.5);

        // A header missing a column is named in French, with the English names offered.
        let r = app.import_hours_csv(
            &a,
            format!("N° mise en situation;Mois;Heures de travail\n{awa};2026-06;3\n").into_bytes(),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        let text = r.text.clone();
        assert!(text.contains("« Heures de formation »"), "{text}");
        assert!(text.contains("training_hours"), "{text}");
    }
);
