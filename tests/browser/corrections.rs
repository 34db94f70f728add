//! The correction pages in a real browser (issue 19, « Corrections »): a facilitator corrects
//! a contract from its page and records an amendment, corrects a placement (meeting the
//! other tab's change first: the 412 page, then again from the current record) and cancels
//! it with its reason. Every new page is checked by axe-core and photographed at 1280 and
//! 390 px (`check_page`); what each form did is read back through the API.

use serde_json::json;

use crate::day::{fill, open_all, press, shows};
use crate::{check_page, Api, Stage, PASSWORD};

const FACILITATOR: &str = "facilitateur@corrections.test";

/// A contract with an active clause assigned to a contractor, and a person placed on it.
struct World {
    api: Api,
    contract: i64,
    clause: i64,
    person: i64,
    placement: i64,
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
    let org = |kind: &str, name: &str, siret: &str| {
        api.post(
            "/api/v1/organisations",
            json!({"kind": kind, "name": name, "siret": siret, "territory": "93"}),
        )["id"]
            .as_i64()
            .unwrap()
    };
    let buyer = org("buyer", "Ville de Saint-Denis", "73282932000074");
    let contractor = org("contractor", "Bâtiment Durable", "55208131766522");
    api.post(
        "/api/v1/users",
        json!({"email": FACILITATOR, "password": PASSWORD, "role": "facilitator"}),
    );
    let contract = api.post(
        "/api/v1/contracts",
        json!({"buyer_id": buyer, "reference": "2026-042", "title": "Rénovation du gymnase",
               "kind": "works", "cpv_code": "45442100", "amount_eur": 1000000,
               "notified_on": "2025-12-01", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
               "social_considerations": ["clause_sociale"], "holder_ids": [contractor]}),
    )["id"]
        .as_i64()
        .unwrap();
    let clause = api.post(
        &format!("/api/v1/contracts/{contract}/clauses"),
        json!({"kind": "execution_condition", "calibration": {"method": "fixed", "hours": 833,
               "justification": "Chantier de douze mois"},
               "starts_on": "2026-01-01", "ends_on": "2026-12-31", "reporting_frequency": "monthly"}),
    )["id"]
        .as_i64()
        .unwrap();
    let assignment = api.post(
        &format!("/api/v1/clauses/{clause}/assignments"),
        json!({"contractor_id": contractor, "role": "holder", "hours_target": 833}),
    )["id"]
        .as_i64()
        .unwrap();
    api.post(&format!("/api/v1/clauses/{clause}/activate"), json!({}));
    let person = api.post(
        "/api/v1/participants",
        json!({"first_name": "Awa", "last_name": "Correction", "birth_date": "1990-04-02",
               "sex": "female", "postal_code": "93200", "qpv": true, "qualification_level": "3"}),
    )["id"]
        .as_i64()
        .unwrap();
    api.post(
        &format!("/api/v1/participants/{person}/eligibility"),
        json!({"criteria": ["rsa"], "proof": "caf_certificate", "validated_on": "2026-01-10"}),
    );
    let placement = api.post(
        "/api/v1/placements",
        json!({"participant_id": person, "assignment_id": assignment, "modality": "direct_hire",
               "employer_id": contractor, "contract_type": "cddi", "job_title": "Maçon",
               "starts_on": "2026-02-01", "ends_on": "2026-06-30", "weekly_hours": 35}),
    )["id"]
        .as_i64()
        .unwrap();
    World {
        api,
        contract,
        clause,
        person,
        placement,
    }
}

/// The other tab: the placement's job title changed through the API with its current
/// version; the status of the change.
fn other_tab_job_title(api: &Api, placement: i64, job_title: &str) -> u16 {
    let url = format!("{}/api/v1/placements/{placement}", api.base);
    let auth = format!("Bearer {}", api.token);
    let got = ureq::get(&url).set("Authorization", &auth).call().unwrap();
    let etag = got.header("ETag").unwrap_or_default().to_string();
    match ureq::request("PATCH", &url)
        .set("Authorization", &auth)
        .set("Content-Type", "application/merge-patch+json")
        .set("If-Match", &etag)
        .send_string(&json!({ "job_title": job_title }).to_string())
    {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn contract_and_placement_corrected_and_a_placement_cancelled_in_the_browser() {
    let Some(stage) = Stage::start("contract_and_placement_corrected_in_the_browser") else {
        return;
    };
    let w = world(&stage.base);
    let b = &stage.browser;
    stage.login(FACILITATOR);
    shows(&stage, "");

    // The contract: its page links to the correction form.
    b.go(&stage.at(&format!("/contracts/{}", w.contract)));
    shows(&stage, "Corrections et avenants");
    b.click(&format!("a[href='/contracts/{}/edit']", w.contract));
    shows(&stage, "Enregistrer la correction");
    check_page(b, "correction-contract");
    fill(&stage, "amount_eur", "1 200 000");
    fill(&stage, "reason", "Montant mal recopié");
    press(&stage, "Enregistrer la correction");
    let text = shows(&stage, "Le marché est corrigé");
    assert!(
        text.contains("Montant notifié (€) : 1 000 000 → 1 200 000"),
        "{text}"
    );
    let contract = w.api.get(&format!("/api/v1/contracts/{}", w.contract));
    assert_eq!(contract["amount_eur"], json!(1200000));

    // An amendment, from the contract's page.
    open_all(&stage);
    fill(&stage, "number", "AV-1");
    fill(&stage, "signed_on", "2026-06-01");
    fill(&stage, "amount_eur", "1 250 000");
    fill(&stage, "reason", "Travaux supplémentaires");
    press(&stage, "Enregistrer l'avenant");
    shows(&stage, "L'avenant est enregistré");
    check_page(b, "correction-contract-page");
    let contract = w.api.get(&format!("/api/v1/contracts/{}", w.contract));
    assert_eq!(contract["current_amount_eur"], json!(1250000));
    assert_eq!(contract["amendments"][0]["number"], "AV-1");

    // The clause's page lists the placement with its links.
    b.go(&stage.at(&format!("/clauses/{}", w.clause)));
    shows(&stage, "Mises en situation sur la clause");
    check_page(b, "correction-clause-page");

    // The placement, from the person's page: another tab changes it first.
    b.go(&stage.at(&format!("/people/{}", w.person)));
    shows(&stage, "Corriger une mise en situation");
    b.click(&format!("a[href='/placements/{}/edit']", w.placement));
    shows(&stage, "Corriger la mise en situation");
    check_page(b, "correction-placement");
    assert_eq!(
        other_tab_job_title(&w.api, w.placement, "Maçon coffreur"),
        200
    );
    fill(&stage, "weekly_hours", "30");
    press(&stage, "Enregistrer la correction");
    let text = shows(&stage, "Rien n'est enregistré");
    assert!(text.contains("Poste : Maçon → Maçon coffreur"), "{text}");
    check_page(b, "correction-placement-412");
    let placement = w.api.get(&format!("/api/v1/placements/{}", w.placement));
    assert_eq!(placement["weekly_hours"], json!(35));
    // Again, from the record as it is now.
    fill(&stage, "weekly_hours", "30");
    press(&stage, "Enregistrer la correction");
    shows(&stage, "La mise en situation est corrigée");
    let placement = w.api.get(&format!("/api/v1/placements/{}", w.placement));
    assert_eq!(placement["weekly_hours"], json!(30));
    assert_eq!(placement["job_title"], "Maçon coffreur");

    // Its cancellation: a confirmation page asking the reason.
    b.click(&format!("a[href='/placements/{}/cancel']", w.placement));
    shows(&stage, "Annuler la mise en situation");
    check_page(b, "correction-placement-cancel");
    press(&stage, "Annuler la mise en situation");
    shows(&stage, "corrigez les champs signalés");
    fill(&stage, "reason", "Saisie en double");
    press(&stage, "Annuler la mise en situation");
    shows(&stage, "La mise en situation est annulée");
    let placement = w.api.get(&format!("/api/v1/placements/{}", w.placement));
    assert!(placement["cancelled_at"].is_string(), "{placement}");
    let history = w
        .api
        .get(&format!("/api/v1/placements/{}/history", w.placement));
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "cancel");
    assert_eq!(last["reason"], "Saisie en double");
}

/// Sets the input named `name` (a lot's cell: its name has brackets) as typing would.
fn set_named(stage: &Stage, name: &str, text: &str) {
    stage.browser.script(&format!(
        "const e = document.querySelector('[name=\"{name}\"]'); e.value = {text:?};
         e.dispatchEvent(new Event('input', {{bubbles: true}})); return 0;"
    ));
}

#[test]
fn lots_and_a_buyer_beyond_the_first_thousand_in_the_browser() {
    let Some(stage) = Stage::start("lots_and_a_buyer_beyond_the_first_thousand") else {
        return;
    };
    let w = world(&stage.base);
    for i in 1..=1001 {
        w.api.post(
            "/api/v1/organisations",
            json!({"kind": "buyer", "name": format!("Acheteur {i:04}")}),
        );
    }
    let zebre = w.api.post(
        "/api/v1/organisations",
        json!({"kind": "buyer", "name": "Zèbre Métropole"}),
    )["id"]
        .as_i64()
        .unwrap();
    for i in 1..=1001 {
        w.api.post(
            "/api/v1/organisations",
            json!({"kind": "contractor", "name": format!("Entreprise {i:04}")}),
        );
    }
    let b = &stage.browser;
    stage.login(FACILITATOR);
    shows(&stage, "");
    let path = format!("/contracts/{}/edit", w.contract);
    b.go(&stage.at(&path));
    shows(&stage, "tapez une partie du nom pour filtrer");
    check_page(b, "correction-contract-lots-filter");
    b.script("document.querySelector('fieldset.line').scrollIntoView(); return 0;");
    check_page(b, "correction-contract-lots");

    // Enter in the filter: the list narrowed, nothing written.
    fill(&stage, "reason", "Mauvais acheteur");
    b.type_into("#q-buyer_id", "zèbre\u{E007}");
    let text = shows(&stage, "videz le filtre pour les revoir toutes");
    assert!(!text.contains("est corrigé"), "{text}");
    check_page(b, "correction-contract-filtered");
    let contract = w.api.get(&format!("/api/v1/contracts/{}", w.contract));
    assert_ne!(contract["buyer_id"], json!(zebre));
    // Chosen, a lot added in a blank line, then Enter in a field: saved.
    b.script(&format!(
        "document.querySelector('#f-buyer_id').value = '{zebre}'; return 0;"
    ));
    set_named(&stage, "lots[0].number", "1");
    set_named(&stage, "lots[0].amount_eur", "12 500,50");
    b.type_into("#f-lots-0-cpv_code", "45112000\u{E007}");
    shows(&stage, "Le marché est corrigé");
    let contract = w.api.get(&format!("/api/v1/contracts/{}", w.contract));
    assert_eq!(contract["buyer_id"], json!(zebre), "{contract}");
    assert_eq!(
        contract["lots"][0]["amount_eur"].to_string(),
        "12500.5",
        "{contract}"
    );

    // A refused line, beside it.
    b.go(&stage.at(&path));
    shows(&stage, "Lot 1");
    set_named(&stage, "lots[1].number", "1");
    fill(&stage, "reason", "Lot en double");
    b.click("button.primary");
    shows(&stage, "Rien n'est enregistré");
    b.script("document.querySelector('.field-error').scrollIntoView(); return 0;");
    check_page(b, "correction-contract-lots-refused");

    // The new contract form: its lots and its filters.
    b.go(&stage.at("/contracts/new"));
    shows(&stage, "Nouveau lot");
    check_page(b, "contract-new-lots-filter");
    b.script("document.querySelector('fieldset.line').scrollIntoView(); return 0;");
    check_page(b, "contract-new-lots");

    // The clause's assignment form: its GET filter.
    b.go(&stage.at(&format!("/clauses/{}", w.clause)));
    shows(&stage, "Trouver l'entreprise par son nom");
    b.type_into("#q-contractor", "entreprise 1001\u{E007}");
    shows(&stage, "ne montre que les organisations");
    let options = b.script("return document.querySelectorAll('#f-contractor_id option').length;");
    assert_eq!(options, json!(2), "the placeholder and Entreprise 1001");
    b.script("document.querySelector('#q-contractor').scrollIntoView(); return 0;");
    check_page(b, "clause-assign-filter");

    // The accounts page, for an administrator.
    stage.logout();
    stage.login("admin@navigateur.test");
    b.go(&stage.at("/admin/users"));
    shows(&stage, "Filtrer les organisations proposées");
    check_page(b, "admin-users-filter");
}
