//! The contractor's pages (issue 18): its home with its assignments' progress, the months it
//! owes and the figures refused; the grid of a month, saved in one submit (all or nothing).

use serde_json::Value;

use crate::common::{hidden_value, PageSession, TestApp};
use crate::fixtures::{
    self, contractor_user, person_placed, person_placed_with_a, placed_feb_to_june, world, World,
};
use crate::on_both;

/// Hours as the pages write them: `35`, `7,5` would be `7,50`, thousands apart.
fn fr_hours(hours: f64) -> String {
    let hundredths = (hours * 100.0).round() as i64;
    let whole = hundredths / 100;
    let mut digits = String::new();
    let text = whole.to_string();
    for (i, c) in text.chars().enumerate() {
        if i > 0 && (text.len() - i).is_multiple_of(3) {
            digits.push('\u{a0}');
        }
        digits.push(c);
    }
    match hundredths % 100 {
        0 => digits,
        cents => format!("{digits},{cents:02}"),
    }
}

/// A's world: Awa placed with A from February to June, Binta with A from March on (no end),
/// Chloé with B from March on; A's and B's users. Returns the placements too.
struct Grid {
    w: World,
    a: String,
    b: String,
    awa: i64,
    binta: i64,
    chloe: i64,
}

fn grid_world(app: &TestApp) -> Grid {
    let w = world(app, "PLIE");
    let (_, awa) = placed_feb_to_june(app, &w);
    let (_, binta) = person_placed_with_a(
        app,
        &w,
        ("Binta", "Sow", "1988-07-14"),
        "2026-01-10",
        ("2026-03-01", None),
    );
    let (_, chloe) = person_placed(
        app,
        &w,
        ("Chloé", "Martin", "1995-02-20"),
        "2026-01-10",
        (w.assignment_b, w.contractor_b),
        ("2026-03-01", None),
    );
    let a = contractor_user(app, &w.admin, w.contractor_a, "chef@a.test");
    let b = contractor_user(app, &w.admin, w.contractor_b, "chef@b.test");
    Grid {
        w,
        a,
        b,
        awa,
        binta,
        chloe,
    }
}

/// The entries of a month as the API lists them to `token`.
fn entries(app: &TestApp, token: &str, month: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/hours?month={month}"), token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

/// The entry of a placement among `items`.
fn entry_of(items: &[Value], placement: i64) -> Option<&Value> {
    items.iter().find(|e| e["placement_id"] == placement)
}

fn session(app: &TestApp, token: &str) -> PageSession {
    app.page_session(token)
}

on_both!(
    the_home_shows_its_own_assignments_with_their_figures,
    |app: &TestApp| {
        let g = grid_world(app);
        // March validated, April sent, May refused with a reason, through the API.
        let march = fixtures::report_work(app, &g.a, g.awa, "2026-03", 35.0);
        fixtures::validate(app, &g.w.facilitator, march);
        fixtures::report_work(app, &g.a, g.awa, "2026-04", 20.5);
        let may = fixtures::report_work(app, &g.a, g.binta, "2026-05", 12.0);
        let r = app.post(
            "/api/v1/hours/validation",
            &g.w.facilitator,
            serde_json::json!({"entry_ids": [may], "decision": "reject", "reason": "Feuille d'heures illisible"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);

        let s = session(app, &g.a);
        let page = app.page_get("/contractor", &s);
        assert_eq!(page.status, 200, "{}", page.text);
        let html = &page.text;
        // Its assignment only: holder of 500 h, not B's subcontract of 333 h.
        assert!(html.contains("Ville de Saint-Denis"), "{html}");
        assert!(html.contains("Titulaire"), "{html}");
        assert!(!html.contains("Sous-traitant"), "{html}");
        assert!(!html.contains("333 h"), "{html}");
        // The figures are those of the clause progress the API gives A.
        let progress = app.get(&format!("/api/v1/clauses/{}/progress", g.w.clause), &g.a);
        assert_eq!(progress.status, 200, "{}", progress.text);
        let mine = &progress.body["assignments"][0];
        assert_eq!(
            progress.body["assignments"].as_array().map(Vec::len),
            Some(1)
        );
        for (label, key) in [
            ("Objectif", "hours_target"),
            ("Attendu à ce jour", "expected_hours"),
            ("Validé", "validated_hours"),
            ("En attente", "pending_hours"),
        ] {
            let figure = fr_hours(mine[key].as_f64().expect(key));
            let shown = format!("<dt>{label}</dt><dd>{figure} h</dd>");
            assert!(html.contains(&shown), "{shown} not in {html}");
        }
        assert_eq!(mine["validated_hours"], 35.0);
        assert_eq!(mine["pending_hours"], 20.5);
        // The status in words (A is far behind what is expected by late November).
        assert_eq!(mine["status"], "at_risk");
        assert!(
            html.contains("En retard sur l&#x27;attendu")
                || html.contains("En retard sur l'attendu"),
            "{html}"
        );
        // Late months: May and June of Awa, October of Binta... each linking to its grid;
        // the next one due is November's.
        for month in ["2026-05", "2026-06", "2026-10"] {
            assert!(
                html.contains(&format!("href=\"/contractor/hours/{month}\"")),
                "{month}: {html}"
            );
        }
        assert!(html.contains("en retard"), "{html}");
        assert!(html.contains("Prochaine déclaration"), "{html}");
        assert!(html.contains("10 décembre 2026"), "{html}");
        // The refused figure with its reason and a way to correct it.
        assert!(html.contains("Binta Sow"), "{html}");
        assert!(html.contains("Feuille d"), "{html}");
        assert!(html.contains("Corriger"), "{html}");
        // Chloé is B's: never on A's home.
        assert!(!html.contains("Chloé"), "{html}");
    }
);

on_both!(
    another_contractors_placements_never_appear_on_the_grid,
    |app: &TestApp| {
        let g = grid_world(app);
        let sa = session(app, &g.a);
        let page = app.page_get("/contractor/hours/2026-03", &sa);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("Awa Diallo"), "{}", page.text);
        assert!(page.text.contains("Binta Sow"), "{}", page.text);
        assert!(page.text.contains(&format!("id=\"f-work_{}\"", g.awa)));
        assert!(page
            .text
            .contains(&format!("id=\"f-training_{}\"", g.binta)));
        assert!(!page.text.contains("Chloé"), "{}", page.text);
        assert!(!page.text.contains(&format!("work_{}\"", g.chloe)));
        let sb = session(app, &g.b);
        let page = app.page_get("/contractor/hours/2026-03", &sb);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("Chloé Martin"), "{}", page.text);
        assert!(!page.text.contains("Awa"), "{}", page.text);
        // Page numbers out of range or not numbers: the first or last page, never a fault.
        for path in [
            "/contractor?page=abc",
            "/contractor?page=-4",
            "/contractor/hours/2026-03?page=99999999999999999999",
        ] {
            let r = app.page_get(path, &sa);
            assert_eq!(r.status, 200, "{path}: {}", r.text);
        }
        // A month that is not one: a French error, no grid.
        let bad = app.page_get("/contractor/hours/2026-13", &sa);
        assert_eq!(bad.status, 422, "{}", bad.text);
        assert!(bad.text.contains("mois"), "{}", bad.text);
    }
);

on_both!(
    a_grid_of_two_people_is_stored_in_one_submit,
    |app: &TestApp| {
        let g = grid_world(app);
        let s = session(app, &g.a);
        let (work_awa, training_awa, work_binta) = (
            format!("work_{}", g.awa),
            format!("training_{}", g.awa),
            format!("work_{}", g.binta),
        );
        let r = app.page_post(
            "/contractor/hours/2026-03",
            &s,
            &[
                (work_awa.as_str(), "35"),
                (training_awa.as_str(), "7,5"),
                (work_binta.as_str(), "20,25"),
                (format!("training_{}", g.binta).as_str(), ""),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text);
        let to = r.header("Location").unwrap_or_default().to_string();
        assert!(
            to.starts_with("/contractor/hours/2026-03?fait=heures-enregistrees"),
            "{to}"
        );
        let items = entries(app, &g.a, "2026-03");
        assert_eq!(items.len(), 2, "{items:?}");
        let awa = entry_of(&items, g.awa).expect("Awa's entry");
        assert_eq!(
            (awa["work_hours"].as_f64(), awa["training_hours"].as_f64()),
            (Some(35.0), Some(7.5))
        );
        let binta = entry_of(&items, g.binta).expect("Binta's entry");
        assert_eq!(binta["work_hours"].as_f64(), Some(20.25));
        assert_eq!(binta["status"], "submitted");
        // The grid shows them back, prefilled, sent and waiting; the notice says so.
        let page = app.page_get(&to, &s);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(
            page.text.contains("Les heures du mois sont enregistrées"),
            "{}",
            page.text
        );
        assert_eq!(
            hidden_value(&page.text, &training_awa).as_deref(),
            Some("7,5")
        );
        assert_eq!(
            hidden_value(&page.text, &work_binta).as_deref(),
            Some("20,25")
        );
        assert!(page.text.contains("Envoyé, en attente de validation"));
        // Sent again as it is: nothing changes (no new history line).
        let again = app.page_post(
            "/contractor/hours/2026-03",
            &s,
            &[(work_awa.as_str(), "35"), (training_awa.as_str(), "7,5")],
        );
        assert_eq!(again.status, 303, "{}", again.text);
        let id = awa["id"].as_i64().expect("id");
        let history = app.get(&format!("/api/v1/hours/{id}/history"), &g.a);
        assert_eq!(history.status, 200, "{}", history.text);
        let lines = history
            .body
            .as_array()
            .map(Vec::len)
            .or_else(|| history.body["items"].as_array().map(Vec::len));
        assert_eq!(lines, Some(1), "{}", history.text);
        // Once validated, the figure is read-only on the grid.
        fixtures::validate(app, &g.w.facilitator, id);
        let page = app.page_get("/contractor/hours/2026-03", &s);
        assert!(
            !page.text.contains(&format!("id=\"f-{work_awa}\"")),
            "{}",
            page.text
        );
        assert!(page.text.contains("Validé"), "{}", page.text);
    }
);

on_both!(
    one_bad_cell_stores_nothing_and_is_shown_beside_itself,
    |app: &TestApp| {
        let g = grid_world(app);
        let s = session(app, &g.a);
        let (work_awa, work_binta) = (format!("work_{}", g.awa), format!("work_{}", g.binta));
        // A cell that is not a number: refused by the page, beside the cell, typed value kept.
        let r = app.page_post(
            "/contractor/hours/2026-03",
            &s,
            &[(work_awa.as_str(), "35"), (work_binta.as_str(), "abc")],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        let error_id = format!("id=\"e-{work_binta}\"");
        let at = r
            .text
            .find(&error_id)
            .unwrap_or_else(|| panic!("no error beside the cell: {}", r.text));
        assert!(
            r.text[at..].contains("nombre d&#x27;heures")
                || r.text[at..].contains("nombre d'heures"),
            "{}",
            r.text
        );
        assert!(
            !r.text.contains(&format!("id=\"e-{work_awa}\"")),
            "{}",
            r.text
        );
        assert_eq!(hidden_value(&r.text, &work_binta).as_deref(), Some("abc"));
        assert_eq!(hidden_value(&r.text, &work_awa).as_deref(), Some("35"));
        assert!(entries(app, &g.a, "2026-03").is_empty());
        // Over the monthly cap: refused by the use case, beside Binta's work cell; Awa's row,
        // fine alone, is not stored either.
        let r = app.page_post(
            "/contractor/hours/2026-03",
            &s,
            &[(work_awa.as_str(), "35"), (work_binta.as_str(), "400")],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        let at = r
            .text
            .find(&error_id)
            .unwrap_or_else(|| panic!("no error beside the cell: {}", r.text));
        assert!(r.text[at..].contains("plafond"), "{}", r.text);
        assert_eq!(hidden_value(&r.text, &work_binta).as_deref(), Some("400"));
        assert!(entries(app, &g.a, "2026-03").is_empty());
        // A hostile cell: a NUL byte and a huge value get the same French refusal.
        let r = app.page_post(
            "/contractor/hours/2026-03",
            &s,
            &[
                (work_awa.as_str(), "3\u{0}5"),
                (work_binta.as_str(), &"9".repeat(5000)),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains(&format!("id=\"e-{work_awa}\"")));
        assert!(entries(app, &g.a, "2026-03").is_empty());
    }
);

on_both!(forged_grids_store_nothing, |app: &TestApp| {
    let g = grid_world(app);
    let s = session(app, &g.a);
    let work_awa = format!("work_{}", g.awa);
    // Without the form's secret: refused, nothing stored.
    let body = format!("{work_awa}=35");
    let r = app.page_post_raw("/contractor/hours/2026-03", &s, body);
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(entries(app, &g.a, "2026-03").is_empty());
    // A field naming B's placement: the use case refuses it, nothing stored (Awa's neither).
    let forged = format!("work_{}", g.chloe);
    let r = app.page_post(
        "/contractor/hours/2026-03",
        &s,
        &[(work_awa.as_str(), "35"), (forged.as_str(), "10")],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains("Rien n&#x27;a été enregistré")
            || r.text.contains("Rien n'a été enregistré"),
        "{}",
        r.text
    );
    assert!(entries(app, &g.a, "2026-03").is_empty());
    assert!(entries(app, &g.b, "2026-03").is_empty());
});

on_both!(only_contractors_open_these_pages, |app: &TestApp| {
    let g = grid_world(app);
    let funder = app.api_user(&g.w.admin, "funder", "f@plie.test", None);
    for token in [&g.w.facilitator, &g.w.admin, &funder] {
        let s = PageSession {
            cookie: token.to_string(),
            csrf: String::new(),
        };
        for path in ["/contractor", "/contractor/hours/2026-03"] {
            let r = app.page_get(path, &s);
            assert_eq!(r.status, 403, "{path}: {}", r.text);
        }
        let r = app.page_post_raw(
            "/contractor/hours/2026-03",
            &s,
            format!("work_{}=35", g.awa),
        );
        assert_eq!(r.status, 403, "{}", r.text);
    }
    let nobody = PageSession {
        cookie: String::new(),
        csrf: String::new(),
    };
    for path in ["/contractor", "/contractor/hours/2026-03"] {
        let r = app.page_get(path, &nobody);
        assert_eq!(r.status, 303, "{path}: {}", r.text);
        assert!(
            r.header("Location")
                .is_some_and(|l| l.starts_with("/login")),
            "{path}"
        );
    }
    assert!(entries(app, &g.w.facilitator, "2026-03").is_empty());
});

on_both!(a_big_grid_is_shown_page_by_page, |app: &TestApp| {
    let g = grid_world(app);
    // Awa and Binta, and 99 more people with A in March: 101 rows, two pages of 100.
    let mut last = 0;
    for i in 0..99 {
        let (_, placement) = person_placed_with_a(
            app,
            &g.w,
            ("Nour", &format!("Grille{i:02}"), "1990-05-05"),
            "2026-01-10",
            ("2026-03-01", Some("2026-03-31")),
        );
        last = placement;
    }
    // The last person's figure, sent through the API: it shows on page 2 only.
    fixtures::report_work(app, &g.a, last, "2026-03", 12.5);
    let s = session(app, &g.a);
    let page = app.page_get("/contractor/hours/2026-03", &s);
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.text.matches("name=\"work_").count(), 100);
    assert!(
        page.text.contains("Page 1 sur 2 (101 personnes)"),
        "{}",
        page.text
    );
    assert!(page.text.contains(&format!("name=\"work_{}\"", g.awa)));
    assert!(!page.text.contains(&format!("name=\"work_{last}\"")));
    assert!(page
        .text
        .contains("href=\"/contractor/hours/2026-03?page=2\""));
    // Page 2: the last person alone, prefilled; a page past the end shows it too.
    for path in [
        "/contractor/hours/2026-03?page=2",
        "/contractor/hours/2026-03?page=9",
    ] {
        let page = app.page_get(path, &s);
        assert_eq!(page.status, 200, "{path}: {}", page.text);
        assert_eq!(page.text.matches("name=\"work_").count(), 1, "{path}");
        assert!(page.text.contains("Page 2 sur 2"), "{path}: {}", page.text);
        assert_eq!(
            hidden_value(&page.text, &format!("work_{last}")).as_deref(),
            Some("12,5"),
            "{path}"
        );
    }
    // Saving page 2 changes its person and comes back to page 2.
    let cell = format!("work_{last}");
    let r = app.page_post(
        "/contractor/hours/2026-03?page=2",
        &s,
        &[(cell.as_str(), "14")],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some("/contractor/hours/2026-03?fait=heures-enregistrees&page=2")
    );
    let items = entries(app, &g.a, "2026-03");
    let sent = entry_of(&items, last).expect("the last person's entry");
    assert_eq!(sent["work_hours"].as_f64(), Some(14.0));
    assert_eq!(items.len(), 1, "{items:?}");
});
