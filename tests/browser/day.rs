//! The facilitator's day, the admin's and the funder's, in a real browser (issue 19): a
//! facilitator creates a contract, then a clause with its calibration preview, assigns it and
//! activates it; registers a person with an eligibility, places them, corrects their postal
//! code (and meets the other tab's change first: 412), records their exit; the work list is
//! the home. An admin opens the accounts and the failed emails; a funder changes the year and
//! a filter of the report and downloads the XLSX. Every page is checked by axe-core and
//! photographed at 1280 and 390 px (`check_page`).

use serde_json::json;

use crate::{check_page, Api, Stage, PASSWORD};

const FACILITATOR: &str = "facilitateur@journee.test";
const FUNDER: &str = "financeur@journee.test";

/// The organisations the forms choose from, and the accounts of the flow.
struct World {
    api: Api,
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
    for (kind, name, siret) in [
        ("buyer", "Ville de Saint-Denis", "73282932000074"),
        ("contractor", "Bâtiment Durable", "55208131766522"),
    ] {
        api.post(
            "/api/v1/organisations",
            json!({"kind": kind, "name": name, "siret": siret, "territory": "93"}),
        );
    }
    for (email, role) in [(FACILITATOR, "facilitator"), (FUNDER, "funder")] {
        api.post(
            "/api/v1/users",
            json!({"email": email, "password": PASSWORD, "role": role}),
        );
    }
    World { api }
}

/// Chooses `value` in the select `css` (by the option's value or, failing that, its text).
pub(crate) fn choose(stage: &Stage, css: &str, value: &str) {
    let found = stage.browser.script(&format!(
        "const s = document.querySelector({css:?}); if (!s) return 'no select';
         const o = [...s.options].find(o => o.value === {value:?})
                || [...s.options].find(o => o.textContent.includes({value:?}));
         if (!o) return 'no option: ' + [...s.options].map(o => o.value + '=' + o.textContent).join(', ');
         s.value = o.value; s.dispatchEvent(new Event('change', {{bubbles: true}})); return 'ok';"
    ));
    assert_eq!(found, json!("ok"), "{css} = {value}");
}

/// Clicks the button whose text holds `label`.
pub(crate) fn press(stage: &Stage, label: &str) {
    stage.browser.click_found(&format!(
        "return [...document.querySelectorAll('button')].find(b => b.textContent.includes({label:?}));"
    ));
}

/// Fills the field `#f-<name>`: typed for a text field; set as the date picker sets it for a
/// date field (WebDriver's keys would follow the browser's local date format).
pub(crate) fn fill(stage: &Stage, name: &str, text: &str) {
    let css = format!("#f-{name}");
    let kind = stage.browser.script(&format!(
        "const e = document.querySelector({css:?}); return e ? e.type : 'missing';"
    ));
    match kind.as_str() {
        Some("date") => {
            stage.browser.script(&format!(
                "const e = document.querySelector({css:?}); e.value = {text:?};
                 e.dispatchEvent(new Event('input', {{bubbles: true}}));
                 e.dispatchEvent(new Event('change', {{bubbles: true}}));"
            ));
        }
        Some("missing") => panic!("no field {css} on {}", stage.browser.url()),
        _ => stage.browser.fill(&css, text),
    }
}

/// The text of `main` once it holds `expected` (20 s at most); else a failure that says
/// where the browser is and what it shows.
pub(crate) fn shows(stage: &Stage, expected: &str) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        text = crate::squash(
            stage
                .browser
                .script("const m = document.querySelector('main'); return m ? m.innerText : '';")
                .as_str()
                .unwrap_or_default(),
        );
        if text.contains(expected) {
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("« {expected} » not on {}: {text}", stage.browser.url());
}

/// Opens the page's folded forms (`<details>`), as a user clicking their summary would.
pub(crate) fn open_all(stage: &Stage) {
    stage
        .browser
        .script("document.querySelectorAll('details').forEach(d => d.open = true); return 0;");
}

/// The number at the end of the browser's address path (`/people/12` -> 12).
fn id_in_url(stage: &Stage, prefix: &str) -> i64 {
    let url = stage.browser.url();
    let at = url
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} not in {url}"));
    url[at + prefix.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no id after {prefix} in {url}"))
}

#[test]
fn facilitator_admin_and_funder_in_the_browser() {
    let Some(stage) = Stage::start("facilitator_admin_and_funder_in_the_browser") else {
        return;
    };
    let w = world(&stage.base);
    let b = &stage.browser;
    stage.login(FACILITATOR);
    shows(&stage, "");
    check_page(b, "worklist");

    // A contract, through its form.
    b.go(&stage.at("/contracts/new"));
    shows(&stage, "Ville de Saint-Denis");
    check_page(b, "contract-new");
    fill(&stage, "reference", "2026-777");
    fill(&stage, "title", "Rénovation du gymnase");
    choose(&stage, "#f-buyer_id", "Ville de Saint-Denis");
    fill(&stage, "cpv_code", "45442100");
    fill(&stage, "amount_eur", "1000000");
    fill(&stage, "notified_on", "2026-01-10");
    fill(&stage, "starts_on", "2026-01-01");
    fill(&stage, "ends_on", "2026-12-31");
    choose(&stage, "#f-holder_id", "Bâtiment Durable");
    press(&stage, "Enregistrer le marché");
    shows(&stage, "Rénovation du gymnase");
    let contract = id_in_url(&stage, "/contracts/");
    check_page(b, "contract");

    // A clause with its calibration preview, refreshed as the figures are typed.
    b.go(&stage.at(&format!("/contracts/{contract}/clauses/new")));
    shows(&stage, "Calculer");
    b.click("#f-kind-execution_condition");
    choose(&stage, "#f-method", "labour_share");
    fill(&stage, "amount_eur", "1000000");
    fill(&stage, "labour_share_percent", "50");
    fill(&stage, "insertion_rate_percent", "5");
    fill(&stage, "hourly_cost_eur", "30");
    let preview = shows(&stage, "833");
    assert!(preview.contains("heures"), "{preview}");
    check_page(b, "clause-new");
    fill(&stage, "starts_on", "2026-01-01");
    fill(&stage, "ends_on", "2026-12-31");
    press(&stage, "Enregistrer la clause");
    shows(&stage, "Attribuer");
    let clause = id_in_url(&stage, "/clauses/");
    // Assigned to the holder, then activated.
    choose(&stage, "#f-contractor_id", "Bâtiment Durable");
    fill(&stage, "hours_target", "833");
    press(&stage, "Attribuer");
    // The notice, not a button the page already had: the next click must meet the new page.
    shows(&stage, "Les heures sont attribuées");
    press(&stage, "Activer la clause");
    shows(&stage, "Marquer la clause terminée");
    check_page(b, "clause");
    let progress = w
        .api
        .get(&format!("/api/v1/clauses/{clause}/progress?on=2026-06-30"));
    assert_eq!(
        progress["required_hours"].as_f64(),
        Some(833.0),
        "{progress}"
    );
    assert_eq!(progress["assignments"].as_array().map(Vec::len), Some(1));

    // A person, their eligibility, a placement.
    b.go(&stage.at("/people/new"));
    shows(&stage, "Enregistrer la personne");
    check_page(b, "person-new");
    fill(&stage, "first_name", "Awa");
    fill(&stage, "last_name", "Journée");
    fill(&stage, "birth_date", "1990-04-02");
    choose(&stage, "#f-sex", "female");
    fill(&stage, "postal_code", "93200");
    choose(&stage, "#f-qualification_level", "3");
    press(&stage, "Enregistrer la personne");
    shows(&stage, "Valider l'éligibilité");
    open_all(&stage);
    let person = id_in_url(&stage, "/people/");
    b.click("#f-criteria-rsa");
    choose(&stage, "#f-proof", "caf_certificate");
    fill(&stage, "validated_on", "2026-01-05");
    press(&stage, "Enregistrer la validation");
    shows(&stage, "La validation d'éligibilité est enregistrée");
    open_all(&stage);
    choose(&stage, "#f-assignment_id", "2026-777");
    choose(&stage, "#f-modality", "direct_hire");
    choose(&stage, "#f-employer_id", "Bâtiment Durable");
    choose(&stage, "#f-contract_type", "cddi");
    fill(&stage, "job_title", "Peintre");
    fill(&stage, "starts_on", "2026-02-01");
    fill(&stage, "ends_on", "2026-06-30");
    fill(&stage, "weekly_hours", "35");
    press(&stage, "Enregistrer la mise en situation");
    shows(&stage, "Enregistrer la sortie");
    check_page(b, "person");
    let placements = w.api.get("/api/v1/placements");
    let placed = placements["items"]
        .as_array()
        .and_then(|items| items.iter().find(|p| p["participant_id"] == person))
        .unwrap_or_else(|| panic!("no placement of {person}: {placements}"))
        .clone();
    assert_eq!(placed["job_title"], "Peintre");
    // March's hours, reported and validated (through the API: the pages of issue 18 are
    // driven by the other flow), for the funder's report.
    let entry = w.api.put(
        &format!("/api/v1/placements/{}/hours/2026-03", placed["id"]),
        json!({"work_hours": 120}),
    )["id"]
        .as_i64()
        .expect("entry id");
    w.api.post(
        "/api/v1/hours/validation",
        json!({"entry_ids": [entry], "decision": "validate"}),
    );

    // The postal code corrected, after another tab changed the person first: 412, nothing
    // stored, the other change shown; then corrected from the record as it now is.
    b.go(&stage.at(&format!("/people/{person}/edit")));
    shows(&stage, "Enregistrer la correction");
    let other_tab = other_tab_postal_code(&w.api, person, "93300");
    assert_eq!(other_tab, 200);
    fill(&stage, "postal_code", "93000");
    press(&stage, "Enregistrer la correction");
    let conflict = shows(&stage, "93300");
    check_page(b, "person-conflict");
    let now = w.api.get(&format!("/api/v1/participants/{person}"));
    assert_eq!(now["postal_code"], "93300", "{conflict}");
    b.go(&stage.at(&format!("/people/{person}/edit")));
    shows(&stage, "Enregistrer la correction");
    fill(&stage, "postal_code", "93000");
    press(&stage, "Enregistrer la correction");
    shows(&stage, "93000");
    let now = w.api.get(&format!("/api/v1/participants/{person}"));
    assert_eq!(now["postal_code"], "93000");

    // The work list shows the placement ended without its outcome, with a link to the person.
    b.go(&stage.at("/"));
    let before = shows(&stage, "sans résultat de sortie");
    assert!(before.contains("Awa Journée"), "{before}");
    let link = b.script(&format!(
        "return [...document.querySelectorAll('main a')].some(a => a.getAttribute('href') === '/people/{person}');"
    ));
    assert_eq!(link, json!(true));

    // The exit, with its outcome.
    b.go(&stage.at(&format!("/people/{person}")));
    shows(&stage, "Enregistrer la sortie");
    open_all(&stage);
    let exit_form = b.script(
        "const f = [...document.querySelectorAll('form')].find(f => f.textContent.includes('Enregistrer la sortie'));
         const d = f.querySelector('input[type=date], input[name=exit_on], input[name$=exit_on]');
         const s = f.querySelector('select[name=outcome]');
         if (!d || !s) return 'no fields';
         d.value = '2026-05-29'; s.value = 'durable_employment'; return 'ok';",
    );
    assert_eq!(exit_form, json!("ok"));
    press(&stage, "Enregistrer la sortie");
    shows(&stage, "29 mai 2026");
    let exited = w.api.get(&format!("/api/v1/placements/{}", placed["id"]));
    assert_eq!(exited["outcome"], "durable_employment", "{exited}");
    assert_eq!(exited["ended_on"], "2026-05-29");
    b.go(&stage.at("/people?q=journ"));
    shows(&stage, "Awa");
    check_page(b, "people-search");
    b.go(&stage.at("/"));
    let after = shows(&stage, "Accueil");
    assert!(!after.contains("sans résultat de sortie"), "{after}");
    check_page(b, "worklist-after");
    stage.logout();

    // The admin's pages.
    stage.login("admin@navigateur.test");
    let validation = w
        .api
        .get(&format!("/api/v1/participants/{person}/eligibility"))[0]["id"]
        .as_i64()
        .expect("Awa's validation");
    for (path, name) in [
        ("/admin/users".to_string(), "admin-users"),
        ("/admin/labour-shares".to_string(), "admin-labour-shares"),
        ("/emails/failed".to_string(), "emails-failed"),
        ("/contracts".to_string(), "contracts"),
        ("/organisations".to_string(), "organisations"),
        ("/organisations/new".to_string(), "organisation-new"),
        ("/needs".to_string(), "needs"),
        ("/needs/new".to_string(), "need-new"),
        ("/account".to_string(), "account"),
        ("/contracts/to-clause".to_string(), "contracts-to-clause"),
        ("/follow-ups".to_string(), "follow-ups"),
        (format!("/clauses/{clause}/progress"), "clause-progress"),
        (
            format!("/people/{person}/eligibility/{validation}/withdraw"),
            "eligibility-withdraw",
        ),
    ] {
        b.go(&stage.at(&path));
        shows(&stage, "");
        check_page(b, name);
    }
    // The SPASER evaluation: a buyer chosen in the form, the table of both years.
    b.go(&stage.at("/reports/spaser"));
    shows(&stage, "Évaluation SPASER");
    choose(&stage, "#f-buyer_id", "Ville de Saint-Denis");
    press(&stage, "Afficher l'évaluation");
    let spaser = shows(&stage, "Ville de Saint-Denis :");
    assert!(spaser.contains("À titre indicatif"), "{spaser}");
    check_page(b, "spaser");
    stage.logout();

    // The funder: another year and a filter, then the XLSX of that selection.
    stage.login(FUNDER);
    shows(&stage, "");
    shows(&stage, "Bilan 2026");
    choose(&stage, "#f-year", "2025");
    press(&stage, "Filtrer");
    shows(&stage, "Bilan 2025");
    choose(&stage, "#f-year", "2026");
    choose(&stage, "#f-contractor", "Bâtiment Durable");
    press(&stage, "Filtrer");
    shows(&stage, "Bilan 2026");
    let url = b.url();
    assert!(
        url.contains("/reports/annual/2026") && url.contains("contractor_id="),
        "{url}"
    );
    check_page(b, "funder-report");
    let download = b.call(
        "POST",
        "/execute/async",
        Some(json!({"script":
            "const done = arguments[arguments.length - 1];
             const a = [...document.querySelectorAll('a')].find(a => a.href.includes('xlsx') && a.href.includes('2026') && a.href.includes('contractor_id='));
             if (!a) { done('no link'); return; }
             fetch(a.href).then(r => r.arrayBuffer().then(b => done(r.status + ' ' + r.headers.get('content-type') + ' ' + new Uint8Array(b.slice(0, 2)).join(','))));",
            "args": []})),
    );
    let text = download.as_str().unwrap_or_default().to_string();
    assert!(
        text.starts_with("200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            && text.ends_with("80,75"),
        "{text}"
    );
}

/// The other tab: the person's postal code changed through the API with the record's
/// current version; the status of the change.
fn other_tab_postal_code(api: &Api, person: i64, postal_code: &str) -> u16 {
    let url = format!("{}/api/v1/participants/{person}", api.base);
    let auth = format!("Bearer {}", api.token);
    let got = ureq::get(&url).set("Authorization", &auth).call().unwrap();
    let etag = got.header("ETag").unwrap_or_default().to_string();
    match ureq::request("PATCH", &url)
        .set("Authorization", &auth)
        .set("Content-Type", "application/merge-patch+json")
        .set("If-Match", &etag)
        .send_string(&json!({ "postal_code": postal_code }).to_string())
    {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{e}"),
    }
}
