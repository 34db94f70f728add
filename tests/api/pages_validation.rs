//! The facilitator's validation queue (issue 18), driven as a browser would: the queue of
//! waiting entries (named, with the month's cap and the previous month), its filters, batch
//! validation, rejection with a reason, the amendment of a validated figure, and the
//! refusals (forged forms, other roles, no session, another structure's entries).

use serde_json::Value;

use crate::common::{PageSession, Resp, TestApp};
use crate::fixtures::{self, person_placed, placed_feb_to_june, report_work, world, World};
use crate::on_both;

/// The monthly cap setting of the tests (the default: 208 hours), in hundredths.
const CAP_SETTING: i64 = 20_800;

/// Hundredths as the pages write them: `10735` -> `107,35`, `3500` -> `35`.
fn fr_hours(h: i64) -> String {
    match h % 100 {
        0 => format!("{}", h / 100),
        c => format!("{},{c:02}", h / 100),
    }
}

/// The world of these tests, with its entries' ids.
struct Queue {
    w: World,
    /// Awa (contractor A, February to June): February validated (20 h), March (35 h) and
    /// April (30 h) waiting.
    awa_feb: i64,
    awa_march: i64,
    awa_april: i64,
    /// Léa (contractor B, from 16 March): March (10 h) waiting.
    lea_march: i64,
    /// Zoé, of another structure: March waiting.
    other: i64,
}

fn queue_world(app: &TestApp) -> Queue {
    let w = world(app, "PLIE");
    let (_, awa) = placed_feb_to_june(app, &w);
    let (_, lea) = person_placed(
        app,
        &w,
        ("Léa", "Martin", "1988-06-12"),
        "2026-01-10",
        (w.assignment_b, w.contractor_b),
        ("2026-03-16", Some("2026-06-30")),
    );
    let awa_feb = report_work(app, &w.facilitator, awa, "2026-02", 20.0);
    fixtures::validate(app, &w.facilitator, awa_feb);
    let awa_march = report_work(app, &w.facilitator, awa, "2026-03", 35.0);
    let awa_april = report_work(app, &w.facilitator, awa, "2026-04", 30.0);
    let lea_march = report_work(app, &w.facilitator, lea, "2026-03", 10.0);

    let w2 = world(app, "Ailleurs");
    let (_, zoe) = person_placed(
        app,
        &w2,
        ("Zoé", "Lointaine", "1991-02-03"),
        "2026-01-10",
        (w2.assignment_a, w2.contractor_a),
        ("2026-02-01", Some("2026-06-30")),
    );
    let other = report_work(app, &w2.facilitator, zoe, "2026-03", 12.0);
    Queue {
        w,
        awa_feb,
        awa_march,
        awa_april,
        lea_march,
        other,
    }
}

/// The row of the queue holding `marker` (an entry's checkbox, a link), as HTML.
fn row_of<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let start = html[..at].rfind("<tr").unwrap_or(0);
    let end = html[at..].find("</tr>").map_or(html.len(), |e| at + e);
    &html[start..end]
}

/// An entry as the API shows it.
fn entry(app: &TestApp, token: &str, id: i64) -> Value {
    let r = app.get("/api/v1/hours?limit=100", token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|e| e["id"] == id).cloned())
        .unwrap_or_else(|| panic!("entry {id} not listed: {}", r.text))
}

fn status_of(app: &TestApp, token: &str, id: i64) -> String {
    entry(app, token, id)["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The validated hours of 2026 in the annual report of the caller's structure.
fn report_hours(app: &TestApp, token: &str) -> f64 {
    let r = app.get("/api/v1/reports/annual?year=2026", token);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["hours"].as_f64().unwrap_or(0.0)
}

/// A page's text with the entities the templates write decoded (`'`, `/`, `"`, `&`).
fn html(r: &Resp) -> String {
    r.text
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn session(app: &TestApp, q: &Queue) -> PageSession {
    app.page_session(&q.w.facilitator)
}

fn assert_see_other(r: &Resp, to: &str) {
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.header("Location"), Some(to), "{:?}", r.headers);
}

on_both!(
    the_queue_shows_the_waiting_entries_named_with_their_month,
    |app: &TestApp| {
        let q = queue_world(app);
        let s = session(app, &q);
        let r = app.page_get("/validation", &s);
        assert_eq!(r.status, 200, "{}", r.text);
        let html = &r.text;
        assert!(
            html.contains("3 déclarations en attente de validation"),
            "{html}"
        );
        // Another structure's entry never shows.
        assert!(!html.contains("Lointaine"), "{html}");
        assert!(!html.contains(&format!("entry-{}\"", q.other)), "{html}");
        // The validated February is not waiting.
        assert!(!html.contains(&format!("id=\"entry-{}\"", q.awa_feb)));

        let awa = row_of(html, &format!("id=\"entry-{}\"", q.awa_march));
        assert!(awa.contains("name=\"entry\""), "{awa}");
        assert!(awa.contains(&format!("value=\"{}\"", q.awa_march)), "{awa}");
        assert!(
            awa.contains(&format!(
                "<label for=\"entry-{}\"><strong>Awa Diallo</strong>, mars 2026</label>",
                q.awa_march
            )),
            "{awa}"
        );
        assert!(awa.contains("Bâtiment Durable"), "{awa}");
        assert!(
            awa.contains("2026-001 — Réhabilitation du groupe scolaire"),
            "{awa}"
        );
        assert!(awa.contains("35 h"), "{awa}");
        // The whole month is open: the whole cap; February's validated figure beside it.
        assert!(
            awa.contains(&format!("{} h", fr_hours(CAP_SETTING))),
            "{awa}"
        );
        assert!(
            awa.contains("20 h <span class=\"muted\">(validée)</span>"),
            "{awa}"
        );
        // April's previous month is March, waiting.
        let april = row_of(html, &format!("id=\"entry-{}\"", q.awa_april));
        assert!(
            april.contains("35 h <span class=\"muted\">(en attente)</span>"),
            "{april}"
        );

        // Léa starts on 16 March: 16 of 31 days open, the cap scaled to them.
        let lea = row_of(html, &format!("id=\"entry-{}\"", q.lea_march));
        assert!(lea.contains("Léa Martin"), "{lea}");
        assert!(lea.contains("Peintures Réunies"), "{lea}");
        let scaled = CAP_SETTING * 16 / 31;
        assert!(
            lea.contains(&format!("{} h", fr_hours(scaled))),
            "{scaled}: {lea}"
        );
        assert!(lea.contains("aucune déclaration"), "{lea}");

        // The filters offer the structure's names only.
        assert!(html.contains("<label for=\"q-clause\">Clause</label>"));
        assert!(html.contains(&format!(
            "<option value=\"{}\">Peintures Réunies</option>",
            q.w.contractor_b
        )));
        assert!(
            html.contains("<option value=\"2026-04\">avril 2026</option>"),
            "{html}"
        );
    }
);

on_both!(
    the_queue_filters_by_contractor_clause_month_and_status,
    |app: &TestApp| {
        let q = queue_world(app);
        let s = session(app, &q);
        let ids = |path: &str| -> Vec<i64> {
            let r = app.page_get(path, &s);
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            [q.awa_feb, q.awa_march, q.awa_april, q.lea_march, q.other]
                .into_iter()
                .filter(|id| {
                    r.text
                        .contains(&format!("href=\"/validation/entries/{id}\""))
                })
                .collect()
        };
        assert_eq!(
            ids(&format!("/validation?contractor_id={}", q.w.contractor_b)),
            vec![q.lea_march]
        );
        assert_eq!(ids("/validation?month=2026-04"), vec![q.awa_april]);
        assert_eq!(
            ids(&format!(
                "/validation?clause_id={}&month=2026-03",
                q.w.clause
            )),
            vec![q.awa_march, q.lea_march]
        );
        // A clause of the structure with nothing waiting, and another structure's contractor.
        assert_eq!(
            ids(&format!("/validation?clause_id={}", q.w.clause + 1000)),
            Vec::<i64>::new()
        );
        assert_eq!(ids("/validation?status=validated"), vec![q.awa_feb]);
        // Values a filter does not understand are dropped, never a failure.
        assert_eq!(
            ids("/validation?month=2026-13&clause_id=abc&page=-3&status=%00"),
            vec![q.awa_march, q.awa_april, q.lea_march]
        );
        let r = app.page_get("/validation?month=2026-04", &s);
        assert!(
            r.text.contains("1 déclaration en attente de validation."),
            "{}",
            r.text
        );
        assert!(r
            .text
            .contains("<option value=\"2026-04\" selected>avril 2026</option>"));
    }
);

on_both!(
    a_batch_is_validated_and_counts_in_the_report,
    |app: &TestApp| {
        let q = queue_world(app);
        let s = session(app, &q);
        let fac = &q.w.facilitator;
        assert_eq!(report_hours(app, fac), 20.0);
        let (march, lea) = (q.awa_march.to_string(), q.lea_march.to_string());
        let r = app.page_post(
            "/validation",
            &s,
            &[
                ("entry", march.as_str()),
                ("entry", lea.as_str()),
                ("decision", "validate"),
                ("reason", ""),
                ("month", "2026-03"),
            ],
        );
        assert_see_other(&r, "/validation?month=2026-03&fait=validees");
        for id in [q.awa_march, q.lea_march] {
            let e = entry(app, fac, id);
            assert_eq!(e["status"], "validated", "{e}");
        }
        assert_eq!(status_of(app, fac, q.awa_april), "submitted");
        assert_eq!(report_hours(app, fac), 20.0 + 35.0 + 10.0);
        let r = app.page_get("/validation?month=2026-03&fait=validees", &s);
        assert!(
            r.text.contains("Les heures choisies sont validées."),
            "{}",
            r.text
        );
        assert!(r
            .text
            .contains("Aucune déclaration n'attend de validation avec ces filtres."));
    }
);

on_both!(a_rejection_needs_its_reason, |app: &TestApp| {
    let q = queue_world(app);
    let s = session(app, &q);
    let fac = &q.w.facilitator;
    let march = q.awa_march.to_string();
    // Without a reason: refused beside the reason field, the entry still checked.
    let r = app.page_post(
        "/validation",
        &s,
        &[
            ("entry", march.as_str()),
            ("decision", "reject"),
            ("reason", "  "),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    let field = &r.text[r.text.find("id=\"f-reason\"").expect("reason field")..];
    let error = field
        .find("id=\"e-reason\"")
        .expect("error beside the reason");
    assert!(
        field[error..]
            .starts_with("id=\"e-reason\">Un refus doit être motivé : indiquez la raison."),
        "{}",
        &field[error..]
    );
    assert!(r
        .text
        .contains(&format!("id=\"entry-{}\" checked", q.awa_march)));
    assert_eq!(status_of(app, fac, q.awa_march), "submitted");

    // With one: rejected, the reason kept for the contractor.
    let reason = "Heures du 3 au 7 mars comptées deux fois";
    let r = app.page_post(
        "/validation",
        &s,
        &[
            ("entry", march.as_str()),
            ("decision", "reject"),
            ("reason", reason),
        ],
    );
    assert_see_other(&r, "/validation?fait=refusees");
    let e = entry(app, fac, q.awa_march);
    assert_eq!(e["status"], "rejected", "{e}");
    assert_eq!(e["rejection_reason"], reason);
    let r = app.page_get("/validation?status=rejected", &s);
    assert!(r.text.contains("Awa Diallo"), "{}", r.text);
});

on_both!(
    a_validated_figure_is_amended_with_a_reason,
    |app: &TestApp| {
        let q = queue_world(app);
        let s = session(app, &q);
        let fac = &q.w.facilitator;
        let path = format!("/validation/entries/{}", q.awa_feb);
        let r = app.page_get(&path, &s);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.text.contains("<h1>Awa Diallo, février 2026</h1>"),
            "{}",
            r.text
        );
        assert!(r.text.contains("Corriger le chiffre validé"));
        assert!(
            r.text
                .contains("name=\"work_hours\" type=\"text\" value=\"20\""),
            "{}",
            r.text
        );

        // Without a reason: refused beside the field, values kept, nothing changed.
        let r = app.page_post(
            &path,
            &s,
            &[("work_hours", "22,5"), ("amendment_reason", "")],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.text.contains("id=\"e-amendment_reason\">Les heures de ce mois ont été validées : indiquez le motif de la modification."), "{}", r.text);
        assert!(r.text.contains("value=\"22,5\""));
        assert_eq!(entry(app, fac, q.awa_feb)["work_hours"], 20.0);
        // Hours that are not a number: beside their field.
        let r = app.page_post(
            &path,
            &s,
            &[("work_hours", "vingt"), ("amendment_reason", "x")],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            html(&r).contains("id=\"e-work_hours\">Indiquez un nombre d'heures"),
            "{}",
            r.text
        );

        // With a reason: amended, the history says who, why and what.
        let reason = "Feuille d'heures corrigée par l'employeur";
        let r = app.page_post(
            &path,
            &s,
            &[("work_hours", "22,5"), ("amendment_reason", reason)],
        );
        assert_see_other(&r, &format!("{path}?fait=corrigee"));
        let e = entry(app, fac, q.awa_feb);
        assert_eq!(e["work_hours"], 22.5, "{e}");
        assert_eq!(e["amendment_reason"], reason);
        let h = app.get(&format!("/api/v1/hours/{}/history", q.awa_feb), fac);
        let last = h
            .body
            .as_array()
            .and_then(|a| a.last())
            .cloned()
            .unwrap_or_default();
        assert_eq!(last["action"], "amend", "{}", h.text);
        assert_eq!(last["reason"], reason);
        let r = app.page_get(&format!("{path}?fait=corrigee"), &s);
        assert!(r.text.contains("Le chiffre validé est corrigé."));
        assert!(
            html(&r).contains("Correction d'un chiffre validé"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains("Heures de travail : 20 h → 22,50 h"),
            "{}",
            r.text
        );
        // The correction waits for its validation in the queue, marked as such.
        let r = app.page_get("/validation?month=2026-02", &s);
        let row = row_of(&r.text, &format!("id=\"entry-{}\"", q.awa_feb));
        assert!(row.contains("Correction d'un chiffre validé"), "{row}");
    }
);

on_both!(
    forged_forms_are_refused_and_change_nothing,
    |app: &TestApp| {
        let q = queue_world(app);
        let s = session(app, &q);
        let fac = &q.w.facilitator;
        let body = format!("entry={}&decision=validate", q.awa_march);
        let r = app.page_post_raw("/validation", &s, body);
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(status_of(app, fac, q.awa_march), "submitted");
        let body = "work_hours=30&amendment_reason=Forg%C3%A9".to_string();
        let r = app.page_post_raw(&format!("/validation/entries/{}", q.awa_feb), &s, body);
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(entry(app, fac, q.awa_feb)["work_hours"], 20.0);
        // A wrong secret is no better.
        let body = format!("csrf_token=0000&entry={}&decision=validate", q.awa_march);
        let r = app.page_post_raw("/validation", &s, body);
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(status_of(app, fac, q.awa_march), "submitted");
    }
);

on_both!(
    others_are_refused_and_nobody_goes_to_the_login,
    |app: &TestApp| {
        let q = queue_world(app);
        let contractor =
            fixtures::contractor_user(app, &q.w.admin, q.w.contractor_a, "chef@a.test");
        let funder = app.api_user(&q.w.admin, "funder", "financeur@plie.test", None);
        for token in [&contractor, &funder] {
            // Their own home pages are not this page's business: the cookie alone.
            let s = PageSession {
                cookie: token.to_string(),
                csrf: String::new(),
            };
            for path in [
                "/validation".to_string(),
                format!("/validation/entries/{}", q.awa_feb),
            ] {
                let r = app.page_get(&path, &s);
                assert_eq!(r.status, 403, "{path}: {}", r.text);
                assert!(r.text.contains("Accès refusé"), "{}", r.text);
            }
            let march = q.awa_march.to_string();
            let r = app.page_post(
                "/validation",
                &s,
                &[("entry", march.as_str()), ("decision", "validate")],
            );
            assert_eq!(r.status, 403, "{}", r.text);
        }
        assert_eq!(status_of(app, &q.w.facilitator, q.awa_march), "submitted");
        let r = app.request("GET", "/validation?month=2026-03", None, None, None);
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(
            r.header("Location"),
            Some("/login?next=%2Fvalidation%3Fmonth%3D2026-03")
        );
    }
);

on_both!(
    entries_not_waiting_or_not_ours_are_refused_whole,
    |app: &TestApp| {
        let q = queue_world(app);
        let s = session(app, &q);
        let fac = &q.w.facilitator;
        let (march, other, feb) = (
            q.awa_march.to_string(),
            q.other.to_string(),
            q.awa_feb.to_string(),
        );
        // Another structure's entry in the batch: nothing is decided.
        let r = app.page_post(
            "/validation",
            &s,
            &[
                ("entry", march.as_str()),
                ("entry", other.as_str()),
                ("decision", "validate"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            html(&r).contains(&format!(
                "Aucune déclaration d'heures n° {} dans votre structure.",
                q.other
            )),
            "{}",
            r.text
        );
        assert_eq!(status_of(app, fac, q.awa_march), "submitted");
        // An entry already decided: said, nothing done.
        let r = app.page_post(
            "/validation",
            &s,
            &[
                ("entry", march.as_str()),
                ("entry", feb.as_str()),
                ("decision", "validate"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        // Named by its person and month.
        let named = format!(
            "Awa Diallo, février 2026 : la déclaration n° {} est validée ; seule une déclaration en attente",
            q.awa_feb
        );
        assert!(r.text.contains(&named), "{}", r.text);
        assert_eq!(status_of(app, fac, q.awa_march), "submitted");
        // Hostile values: a clear message, never a failure.
        for (entry, reason) in [("abc", ""), ("\0", ""), ("99999999999999999999", "")] {
            let r = app.page_post(
                "/validation",
                &s,
                &[
                    ("entry", entry),
                    ("decision", "validate"),
                    ("reason", reason),
                ],
            );
            assert_eq!(r.status, 422, "{entry:?}: {}", r.text);
            assert!(
                html(&r).contains("Aucune déclaration d'heures n°"),
                "{}",
                r.text
            );
        }
        let r = app.page_post(
            "/validation",
            &s,
            &[
                ("entry", march.as_str()),
                ("decision", "reject"),
                ("reason", "a\0b"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            r.text
                .contains("id=\"e-reason\">Le texte ne doit pas contenir de caractère nul"),
            "{}",
            r.text
        );
        let r = app.page_post("/validation", &s, &[("decision", "validate")]);
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(
            html(&r).contains("Indiquez au moins une déclaration d'heures."),
            "{}",
            r.text
        );
        assert_eq!(status_of(app, fac, q.awa_march), "submitted");
        // Another structure's entry page, or no entry at all: not found.
        for path in [
            format!("/validation/entries/{}", q.other),
            "/validation/entries/abc".to_string(),
            "/validation/entries/0".to_string(),
        ] {
            let r = app.page_get(&path, &s);
            assert_eq!(r.status, 404, "{path}: {}", r.text);
        }
        let r = app.page_post(
            &format!("/validation/entries/{}", q.other),
            &s,
            &[("work_hours", "1"), ("amendment_reason", "Essai")],
        );
        assert_eq!(r.status, 404, "{}", r.text);
    }
);

on_both!(the_queue_is_paginated_in_french, |app: &TestApp| {
    let w = world(app, "PLIE");
    // 51 people with one waiting month each: two pages of 50.
    let mut ids = Vec::new();
    for i in 0..51 {
        let (_, pl) = person_placed(
            app,
            &w,
            ("Nina", &format!("Page{i:02}"), "1992-01-01"),
            "2026-01-10",
            (w.assignment_a, w.contractor_a),
            ("2026-02-01", Some("2026-06-30")),
        );
        ids.push(report_work(app, &w.facilitator, pl, "2026-03", 5.0));
    }
    let s = app.page_session(&w.facilitator);
    let r = app.page_get("/validation", &s);
    assert!(
        r.text
            .contains("51 déclarations en attente de validation — page 1 sur 2."),
        "{}",
        r.text
    );
    assert!(
        html(&r).contains("href=\"/validation?page=2\""),
        "{}",
        r.text
    );
    let r = app.page_get("/validation?page=2", &s);
    assert!(r.text.contains("page 2 sur 2"), "{}", r.text);
    assert_eq!(r.text.matches("name=\"entry\"").count(), 1);
    // A page past the end shows the last.
    let r = app.page_get("/validation?page=9", &s);
    assert!(r.text.contains("page 2 sur 2"), "{}", r.text);
});

on_both!(
    the_contractor_choices_follow_the_entries_waiting,
    |app: &TestApp| {
        let q = queue_world(app);
        let s = session(app, &q);
        let option = |id: i64, name: &str| format!("<option value=\"{id}\">{name}</option>");
        let b = option(q.w.contractor_b, "Peintures Réunies");
        let a = option(q.w.contractor_a, "Bâtiment Durable");
        let offered = |path: &str, o: &str| {
            let r = app.page_get(path, &s);
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            r.text.contains(o)
        };
        assert!(offered("/validation", &a) && offered("/validation", &b));
        // Léa's March validated: B has nothing waiting any more.
        fixtures::validate(app, &q.w.facilitator, q.lea_march);
        assert!(!offered("/validation", &b));
        assert!(offered("/validation", &a));
        // A month of 0 h waits too: B is offered again, until it is refused.
        let lea = entry(app, &q.w.facilitator, q.lea_march)["placement_id"]
            .as_i64()
            .expect("Léa's placement");
        let zero = report_work(app, &q.w.facilitator, lea, "2026-04", 0.0);
        assert!(offered("/validation", &b));
        let r = app.post(
            "/api/v1/hours/validation",
            &q.w.facilitator,
            serde_json::json!({"entry_ids": [zero], "decision": "reject", "reason": "Mois non travaillé"}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(!offered("/validation", &b));
        // The other statuses offer every contractor of the structure.
        assert!(offered("/validation?status=validated", &b));
        assert!(offered("/validation?status=rejected", &b));
    }
);
