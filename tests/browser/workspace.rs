//! The work done most often, in a real browser (issue 18): a contractor on a phone (390 px)
//! reports a month for two people; the facilitator validates one and rejects the other with
//! a reason; the contractor sees the rejection (page and email), corrects and resubmits; the
//! facilitator validates it; the annual report page shows the hours. Then an upload with one
//! bad line shows the line and stores nothing, a form posted without its secret is refused,
//! and a link opened from another site finds the user logged in. Every page is checked by
//! axe-core and photographed at 1280 and 390 px (`check_page`).

use std::time::Duration;

use serde_json::{json, Value};

use crate::process::wait_until;
use crate::{check_page, squash, Api, Browser, Stage, PASSWORD};

const CONTRACTOR: &str = "chef@batiment-durable.test";
const FACILITATOR: &str = "facilitatrice@navigateur.test";
const REASON: &str = "Le relevé de chantier indique 30 heures";

/// The world of the flow: a clause with contractor "Bâtiment Durable", two people placed
/// with it from February to June 2026, its contractor user and a facilitator.
struct World {
    api: Api,
    placements: [i64; 2],
}

fn world(base: &str) -> World {
    let (status, login) = crate::body(
        ureq::post(&format!("{base}/api/v1/auth/login"))
            .send_json(json!({"email": "admin@navigateur.test", "password": PASSWORD})),
    );
    assert_eq!(status, 200, "{login}");
    let api = Api {
        base: base.to_string(),
        token: login["access_token"].as_str().unwrap().to_string(),
    };
    let id = |v: Value| v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"));
    let org = |kind: &str, name: &str, siret: &str| {
        id(api.post(
            "/api/v1/organisations",
            json!({"kind": kind, "name": name, "siret": siret, "territory": "93"}),
        ))
    };
    let buyer = org("buyer", "Ville de Saint-Denis", "73282932000074");
    let contractor = org("contractor", "Bâtiment Durable", "55208131766522");
    api.post(
        "/api/v1/users",
        json!({"email": CONTRACTOR, "password": PASSWORD, "role": "contractor", "organisation_id": contractor}),
    );
    api.post(
        "/api/v1/users",
        json!({"email": FACILITATOR, "password": PASSWORD, "role": "facilitator"}),
    );
    api.put(
        &format!("/api/v1/organisations/{contractor}/contacts"),
        json!([{"email": "paie@batiment-durable.test", "name": "Service paie"}]),
    );
    let contract = id(api.post(
        "/api/v1/contracts",
        json!({"buyer_id": buyer, "reference": "2026-001", "title": "Groupe scolaire", "kind": "works",
               "cpv_code": "45442100", "amount_eur": 1000000, "notified_on": "2026-01-10",
               "starts_on": "2026-01-01", "ends_on": "2026-12-31", "social_considerations": ["clause_sociale"],
               "holder_ids": [contractor]}),
    ));
    let clause = id(api.post(
        &format!("/api/v1/contracts/{contract}/clauses"),
        json!({"kind": "execution_condition",
               "calibration": {"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50,
                               "insertion_rate_percent": 5, "hourly_cost_eur": 30},
               "starts_on": "2026-01-01", "ends_on": "2026-12-31", "reporting_frequency": "monthly"}),
    ));
    api.post(&format!("/api/v1/clauses/{clause}/activate"), json!({}));
    let assignment = api.post(
        &format!("/api/v1/clauses/{clause}/assignments"),
        json!({"contractor_id": contractor, "role": "holder", "hours_target": 833}),
    )["assignments"][0]["id"]
        .as_i64()
        .unwrap();
    let mut placements = [0; 2];
    for (i, first) in ["Awa", "Binta"].into_iter().enumerate() {
        let p = id(api.post(
            "/api/v1/participants",
            json!({"first_name": first, "last_name": "Navigateur", "birth_date": "1990-04-02",
                   "sex": "female", "postal_code": "93200", "qpv": true, "qualification_level": "3"}),
        ));
        api.post(
            &format!("/api/v1/participants/{p}/eligibility"),
            json!({"criteria": ["rsa"], "proof": "caf_certificate", "validated_on": "2026-01-05"}),
        );
        placements[i] = id(api.post(
            "/api/v1/placements",
            json!({"participant_id": p, "assignment_id": assignment, "modality": "direct_hire",
                   "employer_id": contractor, "contract_type": "cddi", "job_title": "Peintre",
                   "starts_on": "2026-02-01", "ends_on": "2026-06-30"}),
        ));
    }
    World { api, placements }
}

impl Browser {
    /// Sets the window's width (height 900).
    pub(crate) fn width(&self, width: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": 900})),
        );
    }

    /// Clicks the element a script returns (a form's own button, found from one of its
    /// fields: robust to the page's layout).
    pub(crate) fn click_found(&self, script: &str) {
        let found = self.script(script);
        let id = found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{script}: {found}"))
            .to_string();
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Clears an input and types `text` into it.
    pub(crate) fn fill(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// The text of the whole `main` element, spaces squashed, once it has `expected`.
    pub(crate) fn main_once_it_shows(&self, expected: &str) -> String {
        let mut text = String::new();
        wait_until(
            &format!("« {expected} » on the page"),
            Duration::from_secs(20),
            || {
                text = squash(
                    self.script(
                        "const m = document.querySelector('main'); return m ? m.innerText : '';",
                    )
                    .as_str()
                    .unwrap_or_default(),
                );
                text.contains(expected)
            },
        );
        text
    }
}

/// The month's entries as the API lists them: (placement, work hours, status, id).
fn entries(api: &Api, month: &str) -> Vec<(i64, f64, String, i64)> {
    api.get(&format!("/api/v1/hours?month={month}"))["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["placement_id"].as_i64().unwrap(),
                e["work_hours"].as_f64().unwrap(),
                e["status"].as_str().unwrap().to_string(),
                e["id"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The emails written by the mailer's folder (no SMTP server in this test), as text.
fn emails(stage: &Stage) -> Vec<String> {
    let dir = stage.dir.path().join("data/outbox");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let raw = std::fs::read(entry.path()).unwrap_or_default();
        out.push(crate::decode_email(&raw));
    }
    out
}

#[test]
fn contractor_and_facilitator_in_the_browser() {
    let Some(stage) = Stage::start("contractor_and_facilitator_in_the_browser") else {
        return;
    };
    let w = world(&stage.base);
    let [awa, binta] = w.placements;
    let b = &stage.browser;

    // The contractor, on a phone, logs in and lands on its home.
    b.width(390);
    stage.login(CONTRACTOR);
    assert_eq!(b.url(), stage.at("/contractor"));
    let home = b.main_once_it_shows("Groupe scolaire");
    assert!(home.contains("833"), "the hours target: {home}");
    check_page(b, "contractor-home");

    // The month's grid: both people, saved in one submit.
    b.go(&stage.at("/contractor/hours/2026-03"));
    let grid = b.main_once_it_shows("Awa Navigateur");
    assert!(grid.contains("Binta Navigateur"), "{grid}");
    check_page(b, "contractor-month");
    b.width(390);
    b.fill(&format!("#f-work_{awa}"), "35");
    b.fill(&format!("#f-work_{binta}"), "40,5");
    b.click_found(&format!(
        "return document.querySelector('#f-work_{awa}').form.querySelector('button[type=submit], button:not([type])');"
    ));
    b.main_once_it_shows("enregistrées");
    let march = entries(&w.api, "2026-03");
    assert_eq!(march.len(), 2, "{march:?}");
    let entry_of = |pl: i64| march.iter().find(|e| e.0 == pl).unwrap().3;
    let (awa_entry, binta_entry) = (entry_of(awa), entry_of(binta));
    assert!(march
        .iter()
        .any(|e| e.0 == binta && e.1 == 40.5 && e.2 == "submitted"));

    // A state-changing POST without the form's secret is refused, and stores nothing.
    let status = b.call(
        "POST",
        "/execute/async",
        Some(
            json!({"script": "const done = arguments[arguments.length - 1];
            fetch('/contractor/hours/2026-03', {method: 'POST',
                headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                body: 'work_' + arguments[0] + '=99'})
              .then((r) => done(r.status)).catch((e) => done('' + e));", "args": [awa]}),
        ),
    );
    assert_eq!(status, json!(403));
    assert!(entries(&w.api, "2026-03").iter().all(|e| e.1 != 99.0));
    stage.logout();

    // The facilitator validates Awa's figure and rejects Binta's with a reason.
    b.width(1280);
    stage.login(FACILITATOR);
    b.go(&stage.at("/validation"));
    b.main_once_it_shows("Binta Navigateur");
    check_page(b, "validation-queue");
    b.click(&format!("#entry-{awa_entry}"));
    b.click("button[name=decision][value=validate]");
    b.main_once_it_shows("validées");
    b.click(&format!("#entry-{binta_entry}"));
    b.fill("#f-reason", REASON);
    b.click("button[name=decision][value=reject]");
    b.main_once_it_shows("refusées");
    let march = entries(&w.api, "2026-03");
    assert!(
        march.iter().any(|e| e.3 == awa_entry && e.2 == "validated"),
        "{march:?}"
    );
    assert!(
        march
            .iter()
            .any(|e| e.3 == binta_entry && e.2 == "rejected"),
        "{march:?}"
    );
    stage.logout();

    // The contractor is told by email, with the reason and a link to the month.
    stage.cli(&["reminders", "run"]);
    let mails = emails(&stage);
    let rejection = mails
        .iter()
        .find(|m| m.contains(REASON))
        .unwrap_or_else(|| panic!("no email with the reason among {} emails", mails.len()));
    assert!(
        rejection.contains("paie@batiment-durable.test"),
        "{rejection}"
    );
    assert!(
        rejection.contains(&stage.at("/contractor/hours/2026-03")),
        "{rejection}"
    );

    // The contractor sees the rejection on its home, corrects the figure and sends it again.
    b.width(390);
    stage.login(CONTRACTOR);
    let home = b.main_once_it_shows(REASON);
    assert!(home.contains("Binta Navigateur"), "{home}");
    b.go(&stage.at("/contractor/hours/2026-03"));
    b.main_once_it_shows(REASON);
    b.fill(&format!("#f-work_{binta}"), "38");
    b.click_found(&format!(
        "return document.querySelector('#f-work_{binta}').form.querySelector('button[type=submit], button:not([type])');"
    ));
    b.main_once_it_shows("enregistrées");
    let march = entries(&w.api, "2026-03");
    assert!(
        march
            .iter()
            .any(|e| e.0 == binta && e.1 == 38.0 && e.2 == "submitted"),
        "{march:?}"
    );
    let binta_entry = march.iter().find(|e| e.0 == binta).unwrap().3;

    // An upload with one bad line: the preview shows it, nothing is stored.
    let template =
        ureq::get(&stage.at("/api/v1/hours/template?month=2026-04&format=csv&dialect=standard"))
            .set("Authorization", &format!("Bearer {}", w.api.token))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
    let csv = fill_template(&template, &[("35", awa), ("trente", binta)]);
    let file = stage.dir.path().join("heures-avril.csv");
    std::fs::write(&file, csv).unwrap();
    b.go(&stage.at("/contractor/import?month=2026-04"));
    b.main_once_it_shows("Importer");
    check_page(b, "contractor-import");
    b.width(390);
    let input = b.find("input[type=file]");
    b.call(
        "POST",
        &format!("/element/{input}/value"),
        Some(json!({"text": file.display().to_string()})),
    );
    b.click("button[name=action][value=verifier]");
    let preview = b.main_once_it_shows("trente");
    assert!(
        preview.contains("1 ligne refusée : rien n'a été enregistré"),
        "{preview}"
    );
    assert!(preview.contains("elle contient « trente »"), "{preview}");
    check_page(b, "contractor-import-preview");
    assert!(entries(&w.api, "2026-04").is_empty(), "nothing stored");

    // A link from an email, opened from another site (a webmail): the Strict cookie is not
    // sent on that navigation, yet the page opens for the logged-in user.
    let link = stage.at("/contractor/hours/2026-03");
    b.go(&format!(
        "data:text/html;charset=utf-8,<a id=l href=\"{link}\">Ouvrir</a>"
    ));
    b.click("#l");
    b.main_once_it_shows("Binta Navigateur");
    assert_eq!(b.url(), link);
    stage.logout();

    // The facilitator validates the corrected figure; the report shows the month's hours.
    b.width(1280);
    stage.login(FACILITATOR);
    b.go(&stage.at("/validation"));
    b.main_once_it_shows("Binta Navigateur");
    b.click(&format!("#entry-{binta_entry}"));
    b.click("button[name=decision][value=validate]");
    b.main_once_it_shows("validées");
    b.go(&stage.at("/reports/annual/2026"));
    let report = b.main_once_it_shows("Heures d'insertion réalisées");
    assert!(
        report.contains("Heures d'insertion réalisées 73,00 h"),
        "{report}"
    );
    assert!(report.contains("Personnes bénéficiaires 2"), "{report}");
}

/// The month's CSV template (standard dialect: comma, dot) with the work hours of each
/// placement filled in.
fn fill_template(template: &str, hours: &[(&str, i64)]) -> String {
    let mut lines = template.lines();
    let header = lines.next().unwrap_or_default();
    let columns: Vec<&str> = header.split(',').collect();
    let at = |names: [&str; 2]| {
        columns
            .iter()
            .position(|c| names.contains(&c.trim_matches('"')))
            .unwrap_or_else(|| panic!("no column {names:?} in {header}"))
    };
    let placement = at(["placement_id", "N° mise en situation"]);
    let work = at(["work_hours", "Heures de travail"]);
    let mut out = vec![header.to_string()];
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        let id: i64 = cells[placement].parse().unwrap_or(0);
        if let Some((h, _)) = hours.iter().find(|(_, p)| *p == id) {
            cells[work] = h.to_string();
        }
        out.push(cells.join(","));
    }
    out.join("\n") + "\n"
}
