//! The funder's report page (issue 19): the filter form (whole years only, up to the current
//! year of the injected clock; territory, buyer, contractor and clause kind by name), the
//! chosen filters reaching the figures shown (compared with the API's report for the same
//! parameters), the CSV and XLSX downloads answering a funder's session cookie, and the
//! clear French page a funder gets anywhere else.

use crate::common::{PageSession, TestApp};
use crate::fixtures::{person_placed, report_work, validate, world, World};
use crate::on_both;

/// A structure with twelve persons who worked in March 2026, six for contractor A and six
/// for contractor B, every figure validated; its funder's token.
fn funded_world(app: &TestApp, structure: &str, funder_email: &str) -> (World, String) {
    let w = world(app, structure);
    for i in 0..12 {
        let with = if i < 6 {
            (w.assignment_a, w.contractor_a)
        } else {
            (w.assignment_b, w.contractor_b)
        };
        let first = format!("Personne{i}");
        let (_, pl) = person_placed(
            app,
            &w,
            (&first, "Martin", "1985-05-05"),
            "2026-01-05",
            with,
            ("2026-02-01", None),
        );
        let entry = report_work(app, &w.facilitator, pl, "2026-03", 20.0 + i as f64);
        validate(app, &w.facilitator, entry);
    }
    let funder = app.api_user(&w.admin, "funder", funder_email, None);
    (w, funder)
}

/// The session of a browser holding only the cookie.
fn cookie(token: &str) -> PageSession {
    PageSession {
        cookie: token.to_string(),
        csrf: String::new(),
    }
}

/// The text of the element with `id` (up to its first closing tag), HTML entities read.
fn text_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find("</").unwrap();
    unescape(rest[start..end].trim())
}

/// The `<option>` values of the select named `name`.
fn options(html: &str, name: &str) -> Vec<(String, bool)> {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no select {name}"));
    let rest = &html[at..];
    let rest = &rest[..rest.find("</select>").unwrap()];
    rest.split("<option value=\"")
        .skip(1)
        .map(|o| {
            let value = o[..o.find('"').unwrap()].to_string();
            (value, o[..o.find('>').unwrap()].contains("selected"))
        })
        .collect()
}

/// The `href` of the link whose text is `label`.
fn href_of(html: &str, label: &str) -> String {
    let at = html
        .find(&format!(">{label}</a>"))
        .unwrap_or_else(|| panic!("no link {label}"));
    let before = &html[..at];
    let h = before.rfind("href=\"").unwrap() + 6;
    unescape(&before[h..h + before[h..].find('"').unwrap()])
}

/// An attribute's or text's HTML entities read (the templates escape `/`, `&` and `'`).
fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

on_both!(
    the_funder_filters_the_report_and_downloads_it,
    |app: &TestApp| {
        let (w, funder) = funded_world(app, "PLIE Finance", "financeur@finance.test");
        let s = cookie(&funder);

        // The form: whole years from four years back to the current year (2026 by the test
        // clock), the current one chosen; never a year not yet begun.
        let r = app.page_get("/reports/annual/2026", &s);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r
            .text
            .contains(r#"<form method="get" action="/reports/annual""#));
        assert!(r.text.contains(r#"<label for="f-year">Année</label>"#));
        assert!(r.text.contains(">Filtrer</button>"));
        let years = options(&r.text, "year");
        let values: Vec<&str> = years.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(values, ["2026", "2025", "2024", "2023", "2022"]);
        assert_eq!(years[0], ("2026".to_string(), true));
        assert!(
            !crate::common::without_tokens(&r.text).contains("2027"),
            "a year not yet begun is offered"
        );
        // Buyers, contractors and clause kinds by their names, not ids.
        let contractors = options(&r.text, "contractor_id");
        assert_eq!(
            contractors
                .iter()
                .map(|(v, _)| v.clone())
                .collect::<Vec<_>>(),
            [
                String::new(),
                w.contractor_a.to_string(),
                w.contractor_b.to_string()
            ]
        );
        assert!(r.text.contains(">Bâtiment Durable</option>"));
        assert!(r.text.contains(">Peintures Réunies</option>"));
        assert!(r.text.contains(">Toutes les entreprises</option>"));
        assert!(r.text.contains(">Ville de Saint-Denis</option>"));
        let kinds = options(&r.text, "clause_kind");
        assert!(kinds.iter().any(|(v, _)| v == "execution_condition"));
        assert!(!r.text.contains(">execution_condition</option>"));
        // The unfiltered figures are the API's.
        let api = app.get_ok("/api/v1/reports/annual?year=2026", &funder).body;
        assert_eq!(api["beneficiaries"], 12);
        assert_eq!(
            text_of(&r.text, "headline"),
            api["headline"].as_str().unwrap()
        );

        // The form sends to the page's own address, with the filters chosen (empty ones
        // left out), so that it can be shared.
        let a = w.contractor_a;
        let r = app.page_get(
            &format!(
                "/reports/annual?year=2026&territory=&buyer_id=&contractor_id={a}&clause_kind=execution_condition"
            ),
            &s,
        );
        assert_eq!(r.status, 303, "{}", r.text);
        let to = r.header("Location").unwrap().to_string();
        assert_eq!(
            to,
            format!("/reports/annual/2026?contractor_id={a}&clause_kind=execution_condition")
        );
        // The filtered page shows the API's figures for the same parameters: six persons.
        let r = app.page_get(&to, &s);
        assert_eq!(r.status, 200, "{}", r.text);
        let api = app
            .get_ok(
                &format!("/api/v1/reports/annual?year=2026&contractor_id={a}&clause_kind=execution_condition"),
                &funder,
            )
            .body;
        assert_eq!(api["beneficiaries"], 6);
        assert_eq!(api["below_threshold"], false);
        assert_eq!(
            text_of(&r.text, "headline"),
            api["headline"].as_str().unwrap()
        );
        assert!(text_of(&r.text, "scope").contains("Entreprise : Bâtiment Durable"));
        // The choices made are shown chosen.
        assert!(options(&r.text, "contractor_id").contains(&(a.to_string(), true)));
        assert!(options(&r.text, "clause_kind").contains(&("execution_condition".into(), true)));

        // The downloads of the same selection answer the funder's session cookie alone.
        let csv = href_of(&r.text, "Télécharger le CSV");
        assert!(
            csv.starts_with("/api/v1/reports/annual.csv?year=2026"),
            "{csv}"
        );
        assert!(csv.contains(&format!("contractor_id={a}")), "{csv}");
        let got = app.page_get(&csv, &s);
        assert_eq!(got.status, 200, "{}", got.text);
        assert!(got
            .header("Content-Type")
            .unwrap_or_default()
            .starts_with("text/csv"));
        assert!(got.text.contains("Bâtiment Durable"), "{}", got.text);
        assert!(!got.text.contains("Peintures Réunies"), "{}", got.text);
        let xlsx = href_of(&r.text, "Télécharger le classeur XLSX");
        assert!(
            xlsx.starts_with("/api/v1/reports/annual.xlsx?year=2026"),
            "{xlsx}"
        );
        let got = app.request_with(
            "GET",
            &xlsx,
            None,
            None,
            None,
            &[("Cookie", &format!("clausier_session={funder}"))],
        );
        assert_eq!(got.status, 200);
        assert_eq!(
            got.header("Content-Type"),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        );
        assert!(got
            .header("Content-Disposition")
            .unwrap_or_default()
            .contains("bilan-2026.xlsx"));

        // An older year: offered and chosen in the form; a year not yet begun is not.
        let r = app.page_get("/reports/annual/2019", &s);
        assert_eq!(r.status, 200);
        let years = options(&r.text, "year");
        assert_eq!(years.last().unwrap(), &("2019".to_string(), true));
        assert_eq!(years[0].0, "2026");
        // A year that is not one sends to the current year.
        let r = app.page_get("/reports/annual?year=demain", &s);
        assert_eq!(r.status, 303);
        assert_eq!(r.header("Location"), Some("/reports/annual/2026"));
        // Without a session, the form sends to the login; a contractor is refused.
        let r = app.request("GET", "/reports/annual?year=2026", None, None, None);
        assert_eq!(r.status, 303);
        assert!(r.header("Location").unwrap().starts_with("/login"));
    }
);

on_both!(
    a_filter_under_the_threshold_keeps_the_form,
    |app: &TestApp| {
        let (w, funder) = funded_world(app, "PLIE Seuil Page", "financeur@seuil.test");
        // No hours in 2025: under the threshold, the sentence and the form to choose again.
        let r = app.page_get(
            &format!("/reports/annual/2025?contractor_id={}", w.contractor_b),
            &cookie(&funder),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("Secret statistique"), "{}", r.text);
        assert!(r.text.contains(">Filtrer</button>"));
        assert!(options(&r.text, "year").contains(&("2025".to_string(), true)));
        assert!(options(&r.text, "contractor_id").contains(&(w.contractor_b.to_string(), true)));
    }
);

on_both!(a_funder_elsewhere_is_sent_to_the_report, |app: &TestApp| {
    let w = world(app, "PLIE Ailleurs");
    let funder = app.api_user(&w.admin, "funder", "financeur@ailleurs.test", None);
    for path in ["/validation", "/contractor", "/contractor/candidates"] {
        let r = app.page_get(path, &cookie(&funder));
        assert_eq!(r.status, 403, "{path}: {}", r.text);
        assert!(
            r.text.contains("En tant que financeur"),
            "{path}: {}",
            r.text
        );
        assert!(
            unescape(&r.text).contains(
                r#"<a href="/reports/annual/2026" id="funder-report">Ouvrir le bilan annuel</a>"#
            ),
            "{path}: {}",
            r.text
        );
    }
    // Others keep the general sentence.
    let r = app.page_get("/contractor", &cookie(&w.facilitator));
    assert_eq!(r.status, 403);
    assert!(r
        .text
        .contains("Votre compte ne donne pas accès à cette page."));
    assert!(!r.text.contains("En tant que financeur"));
});
